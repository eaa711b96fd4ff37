// SPDX-License-Identifier: MIT
/*
 * The streaming map benchmark (see bench-map.h) and the cases of the suite
 * built on it: the cost of a map+unmap pair on each path, of a pair of
 * syncs, and how mapping scales with threads.
 */
#include "bench-map.h"
#include "lib/util.h"
#include "cli.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_THREADS	64
#define SAMPLE_CAP	(1u << 20)	/* per-operation samples kept per thread */
#define BATCH		256		/* pairs per batch sample */
#define WARMUP_NS	20000000ULL	/* 20 ms of pairs before measuring */

const char *map_bench_device_name(enum map_bench_device d)
{
	static const char *const names[] = {
		[MAP_BENCH_DIRECT] = "direct",
		[MAP_BENCH_DIRECT_COHERENT] = "direct-coherent",
		[MAP_BENCH_IOMMU] = "iommu",
		[MAP_BENCH_IOMMU_LAZY] = "iommu-lazy",
		[MAP_BENCH_SWIOTLB] = "swiotlb",
	};

	return (unsigned int)d < ARRAY_SIZE(names) ? names[d] : "?";
}

const char *map_bench_dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return "BIDIRECTIONAL";
	case DMA_TO_DEVICE:
		return "TO_DEVICE";
	case DMA_FROM_DEVICE:
		return "FROM_DEVICE";
	default:
		return "NONE";
	}
}

struct worker {
	const struct map_bench_config *cfg;
	struct dmamap_machine *m;
	struct device *dev;
	struct page *page;
	unsigned int order;
	size_t len;
	pthread_barrier_t *ready;
	const bool *stop;
	pthread_t tid;

	u64 pairs;
	double elapsed_ns;
	double *batches;		/* ns per pair of each batch */
	size_t nr_batches, batch_cap;
	u32 *map_ns, *unmap_ns;		/* time_each: samples */
	size_t nr_samples;
	double map_sum, map_sq, unmap_sum, unmap_sq;
	long faults;
	int err;
};

static long thread_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return ru.ru_minflt + ru.ru_majflt;
}

static inline int one_pair(struct worker *w)
{
	dma_addr_t a = dma_map_page(w->dev, w->page, 0, w->len, w->cfg->dir);

	if (unlikely(dma_mapping_error(w->dev, a)))
		return -EIO;
	dma_unmap_page(w->dev, a, w->len, w->cfg->dir);
	return 0;
}

static inline int one_pair_timed(struct worker *w)
{
	u64 t0 = bench_now_ns(), t1, t2;
	dma_addr_t a = dma_map_page(w->dev, w->page, 0, w->len, w->cfg->dir);
	double dm, du;

	t1 = bench_now_ns();
	if (unlikely(dma_mapping_error(w->dev, a)))
		return -EIO;
	dma_unmap_page(w->dev, a, w->len, w->cfg->dir);
	t2 = bench_now_ns();
	dm = (double)(t1 - t0);
	du = (double)(t2 - t1);
	w->map_sum += dm;
	w->map_sq += dm * dm;
	w->unmap_sum += du;
	w->unmap_sq += du * du;
	if (w->nr_samples < SAMPLE_CAP) {
		w->map_ns[w->nr_samples] = (u32)min_t(u64, t1 - t0, ~0u);
		w->unmap_ns[w->nr_samples] = (u32)min_t(u64, t2 - t1, ~0u);
		w->nr_samples++;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	u64 t0 = bench_now_ns(), start;
	long f0;

	/* the warm-up: first-touch faults, private copies, IOVA caches */
	while (bench_now_ns() - t0 < WARMUP_NS && !w->err)
		for (int i = 0; i < 64 && !w->err; i++)
			w->err = one_pair(w);
	pthread_barrier_wait(w->ready);
	f0 = thread_faults();
	start = bench_now_ns();
	/* at least one batch, however late the thread was scheduled */
	do {
		u64 b0 = bench_now_ns();

		for (int i = 0; i < BATCH && !w->err; i++)
			w->err = w->cfg->time_each ? one_pair_timed(w) : one_pair(w);
		if (w->nr_batches < w->batch_cap)
			w->batches[w->nr_batches++] = (double)(bench_now_ns() - b0) / BATCH;
		w->pairs += BATCH;
	} while (!w->err && !__atomic_load_n(w->stop, __ATOMIC_RELAXED));
	w->elapsed_ns = (double)(bench_now_ns() - start);
	w->faults = thread_faults() - f0;
	return NULL;
}

/* The machine, devices and buffers of one run; threads share a machine unless told not to. */
struct setup {
	struct dmamap_machine *m[MAX_THREADS];
	unsigned int nr_m;
	struct iommu_domain *dom[MAX_THREADS];
	unsigned int nr_dom;
};

static int machine_for(const struct map_bench_config *cfg, struct dmamap_machine **out)
{
	static const struct dmamap_bank split[] = {
		{ 0x80000000ULL, 64ULL << 20 }, { 0x100000000ULL, 64ULL << 20 },
	};
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT };

	if (cfg->device == MAP_BENCH_SWIOTLB) {
		/* the buffers come from the bank above 4 GiB (allocations prefer it) */
		mc.banks = split;
		mc.nr_banks = 2;
	} else {
		mc.banks = split;	/* a small machine: its setup is quick */
		mc.nr_banks = 1;
	}
	return dmamap_machine_create(&mc, out);
}

static int worker_setup(const struct map_bench_config *cfg, struct setup *st, struct worker *w)
{
	struct dmamap_device_config dc = {
		.name = "map-bench",
		.coherent = cfg->device == MAP_BENCH_DIRECT_COHERENT,
		.dma_mask = cfg->device == MAP_BENCH_SWIOTLB ? DMA_BIT_MASK(32) : DMA_BIT_MASK(64),
	};
	bool iommu = cfg->device == MAP_BENCH_IOMMU || cfg->device == MAP_BENCH_IOMMU_LAZY;
	int ret;

	if (cfg->layout == MAP_BENCH_SEPARATE_MACHINES || st->nr_m == 0) {
		ret = machine_for(cfg, &st->m[st->nr_m]);
		if (ret)
			return ret;
		st->nr_m++;
	}
	w->m = st->m[st->nr_m - 1];
	ret = dmamap_device_create(w->m, &dc, &w->dev);
	if (ret)
		return ret;
	if (iommu) {
		struct dmamap_iommu_config ic = {
			.flush = cfg->device == MAP_BENCH_IOMMU_LAZY ? DMAMAP_IOMMU_LAZY
								    : DMAMAP_IOMMU_STRICT,
		};

		if (cfg->layout != MAP_BENCH_SHARED_DOMAIN || st->nr_dom == 0) {
			ret = dmamap_iommu_domain_create(w->m, &ic, &st->dom[st->nr_dom]);
			if (ret)
				return ret;
			st->nr_dom++;
		}
		ret = iommu_attach_device(st->dom[st->nr_dom - 1], w->dev);
		if (ret)
			return ret;
	}
	w->order = get_order((size_t)cfg->granule << PAGE_SHIFT);
	w->len = (size_t)cfg->granule << PAGE_SHIFT;
	w->page = dmamap_alloc_pages(w->m, GFP_KERNEL, w->order);
	if (!w->page)
		return -ENOMEM;
	if (cfg->device == MAP_BENCH_SWIOTLB && page_to_phys(w->page) < SZ_4G)
		return -EINVAL;
	/* a buffer the CPU filled, as a driver's would be */
	memset(page_address(w->page), 0x5a, PAGE_SIZE << w->order);
	w->batch_cap = (size_t)(cfg->seconds * 1e9 / 20.0 / BATCH) + 64;
	w->batches = calloc(w->batch_cap, sizeof(*w->batches));
	if (!w->batches)
		return -ENOMEM;
	if (cfg->time_each) {
		w->map_ns = calloc(SAMPLE_CAP, sizeof(u32));
		w->unmap_ns = calloc(SAMPLE_CAP, sizeof(u32));
		if (!w->map_ns || !w->unmap_ns)
			return -ENOMEM;
		/* touched now, so that the samples take no page fault while measuring */
		memset(w->map_ns, 0xff, SAMPLE_CAP * sizeof(u32));
		memset(w->unmap_ns, 0xff, SAMPLE_CAP * sizeof(u32));
	}
	memset(w->batches, 0xff, w->batch_cap * sizeof(*w->batches));
	return 0;
}

static void teardown(struct setup *st, struct worker *w, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (w[i].page)
			dmamap_free_pages(w[i].page, w[i].order);
		if (w[i].dev)
			dmamap_device_destroy(w[i].dev);
		free(w[i].batches);
		free(w[i].map_ns);
		free(w[i].unmap_ns);
	}
	for (unsigned int i = 0; i < st->nr_dom; i++)
		iommu_domain_free(st->dom[i]);
	for (unsigned int i = 0; i < st->nr_m; i++)
		dmamap_machine_destroy(st->m[i]);
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return (x > y) - (x < y);
}

static double pct_u32(const u32 *sorted, size_t n, double p)
{
	return n ? (double)sorted[(size_t)(p * (double)(n - 1) + 0.5)] : NAN;
}

/* The percentiles of every thread's samples of one kind, merged. */
static void percentiles(struct worker *w, unsigned int n, bool map, double *p50, double *p99)
{
	size_t total = 0, at = 0;
	u32 *all;

	for (unsigned int i = 0; i < n; i++)
		total += w[i].nr_samples;
	all = total ? malloc(total * sizeof(*all)) : NULL;
	if (!all) {
		*p50 = *p99 = NAN;
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		memcpy(all + at, map ? w[i].map_ns : w[i].unmap_ns, w[i].nr_samples * sizeof(*all));
		at += w[i].nr_samples;
	}
	qsort(all, total, sizeof(*all), cmp_u32);
	*p50 = pct_u32(all, total, 0.5);
	*p99 = pct_u32(all, total, 0.99);
	free(all);
}

static u64 host_calls(struct setup *st)
{
	u64 n = 0;

	for (unsigned int i = 0; i < st->nr_m; i++)
		n += bench_host_calls(st->m[i]);
	return n;
}

int map_bench_run(const struct map_bench_config *cfg, struct map_bench_stats *out)
{
	struct worker *w;
	struct setup st = { .nr_m = 0 };
	pthread_barrier_t ready;
	bool stop = false;
	unsigned int n = cfg->threads, started = 0;
	double *pair = NULL;
	u64 calls0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!n || n > MAX_THREADS || !cfg->granule || cfg->granule > (1u << MAX_PAGE_ORDER) ||
	    !(cfg->seconds > 0) || cfg->dir == DMA_NONE)
		return -EINVAL;
	w = calloc(n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (unsigned int i = 0; i < n && !ret; i++) {
		w[i].cfg = cfg;
		w[i].stop = &stop;
		w[i].ready = &ready;
		ret = worker_setup(cfg, &st, &w[i]);
	}
	if (ret)
		goto out;
	pthread_barrier_init(&ready, NULL, n + 1);
	for (; started < n; started++)
		if (pthread_create(&w[started].tid, NULL, worker_main, &w[started]))
			break;
	if (started < n) {
		/* the barrier waits for n + 1: stand in for the threads that never ran */
		ret = -EAGAIN;
		__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
		for (unsigned int i = started; i < n; i++)
			pthread_barrier_wait(&ready);
	}
	pthread_barrier_wait(&ready);
	calls0 = host_calls(&st);
	if (!ret) {
		struct timespec ts = { (time_t)cfg->seconds,
				       (long)((cfg->seconds - (double)(time_t)cfg->seconds) * 1e9) };

		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	out->host_calls = host_calls(&st) - calls0;
	pthread_barrier_destroy(&ready);
	if (ret)
		goto out;

	pair = calloc(n, sizeof(*pair));
	if (!pair) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		double med, p10, p90;

		if (w[i].err) {
			ret = w[i].err;
			goto out;
		}
		bench_summarise(w[i].batches, w[i].nr_batches, &med, &p10, &p90);
		pair[i] = med;
		out->pairs += w[i].pairs;
		out->pairs_per_sec += (double)w[i].pairs / (w[i].elapsed_ns / 1e9);
		out->faults += w[i].faults;
		out->map_avg_ns += w[i].map_sum;
		out->map_sd_ns += w[i].map_sq;
		out->unmap_avg_ns += w[i].unmap_sum;
		out->unmap_sd_ns += w[i].unmap_sq;
	}
	{
		double med, p10, p90;

		bench_summarise(pair, n, &med, &p10, &p90);
		out->pair_ns = med;
	}
	if (cfg->time_each && out->pairs) {
		double np = (double)out->pairs;

		out->map_avg_ns /= np;
		out->unmap_avg_ns /= np;
		out->map_sd_ns = sqrt(fmax(0, out->map_sd_ns / np - out->map_avg_ns * out->map_avg_ns));
		out->unmap_sd_ns = sqrt(fmax(0, out->unmap_sd_ns / np -
					       out->unmap_avg_ns * out->unmap_avg_ns));
		percentiles(w, n, true, &out->map_p50_ns, &out->map_p99_ns);
		percentiles(w, n, false, &out->unmap_p50_ns, &out->unmap_p99_ns);
	} else {
		out->map_avg_ns = out->map_sd_ns = out->unmap_avg_ns = out->unmap_sd_ns = NAN;
		out->map_p50_ns = out->map_p99_ns = out->unmap_p50_ns = out->unmap_p99_ns = NAN;
	}
out:
	free(pair);
	teardown(&st, w, n);
	free(w);
	return ret;
}

/* --- the cases of the suite -------------------------------------------------- */

static double seconds(const struct bench_ctx *ctx, double base)
{
	double s = base * ctx->scale;

	return s < 0.02 ? 0.02 : s;
}

/*
 * One thread's map+unmap pair: the median of batch samples over a few runs,
 * against a memcpy of the mapping's bytes. Host calls and host page faults
 * after the warm-up are reported; a host call fails the case.
 */
static int pair_case(const struct bench_ctx *ctx, struct bench_result *r,
		     enum map_bench_device dev, unsigned int granule, enum dma_data_direction dir,
		     double target_ns, double target_floors)
{
	struct map_bench_config cfg = { .threads = 1, .granule = granule, .dir = dir,
					.device = dev, .seconds = seconds(ctx, 0.15) };
	struct map_bench_stats st;
	double s[5];
	u64 calls = 0, pairs = 0;
	long faults = 0;
	int ret;

	bench_warmup(ctx);
	for (unsigned int i = 0; i < ARRAY_SIZE(s); i++) {
		ret = map_bench_run(&cfg, &st);
		if (ret)
			return ret;
		s[i] = st.pair_ns;
		calls += st.host_calls;
		faults += st.faults;
		pairs += st.pairs;
	}
	bench_set_samples(r, s, ARRAY_SIZE(s), "ns");
	r->iterations = pairs;
	r->floor_name = granule == 1 ? "memcpy 4 KiB" : "memcpy of the bytes";
	r->floor_unit = "ns";
	r->floor_median = bench_floor_memcpy_ns(ctx, (size_t)granule << PAGE_SHIFT);
	r->goal = BENCH_GOAL_MAX;
	r->target = target_ns ? target_ns : target_floors * r->floor_median;
	snprintf(r->note, sizeof(r->note),
		 "%s, %u page(s), %s; after warm-up: %llu host calls, %ld page faults in %llu pairs",
		 map_bench_device_name(dev), granule, map_bench_dir_name(dir),
		 (unsigned long long)calls, faults, (unsigned long long)pairs);
	/* faults are reported, not failed: a sanitizer's runtime takes its own */
	return calls ? -EIO : 0;
}

static int b_direct_from(const struct bench_ctx *ctx, struct bench_result *r)
{
	return pair_case(ctx, r, MAP_BENCH_DIRECT, 1, DMA_FROM_DEVICE, 300, 0);
}
BENCH_CASE(bm_direct_from, "map-direct-4k-from",
	   "dma_map_page+dma_unmap_page of 4 KiB FROM_DEVICE, non-coherent direct device",
	   b_direct_from)

static int b_direct_bidir(const struct bench_ctx *ctx, struct bench_result *r)
{
	return pair_case(ctx, r, MAP_BENCH_DIRECT, 1, DMA_BIDIRECTIONAL, 300, 0);
}
BENCH_CASE(bm_direct_bidir, "map-direct-4k-bidir",
	   "dma_map_page+dma_unmap_page of 4 KiB BIDIRECTIONAL, non-coherent direct device",
	   b_direct_bidir)

static int b_iommu(const struct bench_ctx *ctx, struct bench_result *r)
{
	return pair_case(ctx, r, MAP_BENCH_IOMMU, 1, DMA_BIDIRECTIONAL, 400, 0);
}
BENCH_CASE(bm_iommu, "map-iommu-4k-bidir",
	   "dma_map_page+dma_unmap_page of 4 KiB BIDIRECTIONAL, non-coherent device, strict IOMMU",
	   b_iommu)

static int b_direct_64k(const struct bench_ctx *ctx, struct bench_result *r)
{
	return pair_case(ctx, r, MAP_BENCH_DIRECT, 16, DMA_BIDIRECTIONAL, 0, 3.0);
}
BENCH_CASE(bm_direct_64k, "map-direct-64k-bidir",
	   "dma_map_page+dma_unmap_page of 16 pages BIDIRECTIONAL, non-coherent direct device "
	   "(target: 3x a memcpy of 64 KiB)", b_direct_64k)

/* dma_sync_single_for_cpu + _for_device of a 64 KiB FROM_DEVICE mapping. */
static int b_sync_64k(const struct bench_ctx *ctx, struct bench_result *r)
{
	struct map_bench_config cfg = { .threads = 1, .granule = 16, .dir = DMA_FROM_DEVICE,
					.device = MAP_BENCH_DIRECT, .seconds = 1 };
	struct setup st = { .nr_m = 0 };
	struct worker w = { .cfg = &cfg };
	size_t rounds = bench_iters(ctx, 201, 11), batch = 200;
	double *s = calloc(rounds, sizeof(*s));
	u64 calls;
	long faults;
	dma_addr_t a;
	int ret = -ENOMEM;

	if (!s)
		goto out;
	ret = worker_setup(&cfg, &st, &w);
	if (ret)
		goto out;
	a = dma_map_page(w.dev, w.page, 0, SZ_64K, DMA_FROM_DEVICE);
	ret = -EIO;
	if (dma_mapping_error(w.dev, a))
		goto out;
	for (int i = 0; i < 100; i++) {	/* warm-up: the private copies */
		dma_sync_single_for_cpu(w.dev, a, SZ_64K, DMA_FROM_DEVICE);
		dma_sync_single_for_device(w.dev, a, SZ_64K, DMA_FROM_DEVICE);
	}
	bench_warmup(ctx);
	calls = host_calls(&st);
	faults = thread_faults();
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			dma_sync_single_for_cpu(w.dev, a, SZ_64K, DMA_FROM_DEVICE);
			dma_sync_single_for_device(w.dev, a, SZ_64K, DMA_FROM_DEVICE);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	faults = thread_faults() - faults;
	calls = host_calls(&st) - calls;
	dma_unmap_page(w.dev, a, SZ_64K, DMA_FROM_DEVICE);
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds * batch;
	r->floor_name = "memcpy 64 KiB";
	r->floor_unit = "ns";
	r->floor_median = bench_floor_memcpy_ns(ctx, SZ_64K);
	r->goal = BENCH_GOAL_MAX;
	r->target = 2.5 * r->floor_median;
	snprintf(r->note, sizeof(r->note),
		 "after warm-up: %llu host calls, %ld page faults in %zu sync pairs",
		 (unsigned long long)calls, faults, rounds * batch);
	ret = calls ? -EIO : 0;
out:
	teardown(&st, &w, 1);
	free(s);
	return ret;
}
BENCH_CASE(bm_sync_64k, "sync-64k-from",
	   "dma_sync_single_for_cpu+_for_device of 64 KiB FROM_DEVICE, non-coherent direct "
	   "device (target: 2.5x a memcpy of 64 KiB)", b_sync_64k)

/*
 * Throughput of @n threads against one, in the same run: the median over a
 * few alternating runs of each. Returns the ratio, or NAN.
 */
static double scaling(const struct bench_ctx *ctx, enum map_bench_device dev,
		      enum map_bench_layout layout, unsigned int n, double *one_pair_ns,
		      double *n_pair_ns, u64 *calls, u64 *pairs)
{
	struct map_bench_config one = { .threads = 1, .granule = 1, .dir = DMA_BIDIRECTIONAL,
					.device = dev, .seconds = seconds(ctx, 0.15) };
	struct map_bench_config many = one;
	double r[5], p1[5], pn[5], med, p10, p90;

	many.threads = n;
	many.layout = layout;
	for (unsigned int i = 0; i < ARRAY_SIZE(r); i++) {
		struct map_bench_stats a, b;

		if (map_bench_run(&one, &a) || map_bench_run(&many, &b))
			return NAN;
		r[i] = b.pairs_per_sec / a.pairs_per_sec;
		p1[i] = a.pair_ns;
		pn[i] = b.pair_ns;
		*calls += a.host_calls + b.host_calls;
		*pairs += a.pairs + b.pairs;
	}
	bench_summarise(p1, ARRAY_SIZE(p1), one_pair_ns, &p10, &p90);
	bench_summarise(pn, ARRAY_SIZE(pn), n_pair_ns, &p10, &p90);
	bench_summarise(r, ARRAY_SIZE(r), &med, &p10, &p90);
	return med;
}

/*
 * Two threads, each mapping for its own device: throughput against one
 * thread's, beside the same two threads each on a machine of its own (what
 * nothing shared costs: the floor).
 */
static int threads_case(const struct bench_ctx *ctx, struct bench_result *r,
			enum map_bench_device dev, enum map_bench_layout layout, double target)
{
	double s[3], one = 0, two = 0, floor_one, floor_two, floor_ratio;
	u64 calls = 0, pairs = 0;

	bench_warmup(ctx);
	for (unsigned int i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = scaling(ctx, dev, layout, 2, &one, &two, &calls, &pairs);
		if (isnan(s[i]))
			return -EIO;
	}
	floor_ratio = scaling(ctx, dev, MAP_BENCH_SEPARATE_MACHINES, 2, &floor_one, &floor_two,
			      &calls, &pairs);
	bench_set_samples(r, s, ARRAY_SIZE(s), "x");
	r->iterations = pairs;
	r->floor_name = "2 threads, 2 machines";
	r->floor_unit = "x";
	r->floor_median = floor_ratio;
	r->goal = BENCH_GOAL_MIN;
	r->target = target;
	snprintf(r->note, sizeof(r->note),
		 "%s%s, 4 KiB BIDIRECTIONAL: %.0f ns per pair alone, %.0f ns with two threads; "
		 "%llu host calls", map_bench_device_name(dev),
		 layout == MAP_BENCH_SHARED_DOMAIN ? " (one domain)" : "", one, two,
		 (unsigned long long)calls);
	return 0;
}

static int b_threads_direct(const struct bench_ctx *ctx, struct bench_result *r)
{
	return threads_case(ctx, r, MAP_BENCH_DIRECT, MAP_BENCH_OWN, 1.8);
}
BENCH_CASE(bm_threads_direct, "threads-direct",
	   "map+unmap throughput of 2 threads on 2 devices over 1 thread, direct", b_threads_direct)

static int b_threads_iommu(const struct bench_ctx *ctx, struct bench_result *r)
{
	return threads_case(ctx, r, MAP_BENCH_IOMMU, MAP_BENCH_OWN, 1.8);
}
BENCH_CASE(bm_threads_iommu, "threads-iommu",
	   "map+unmap throughput of 2 threads on 2 devices with their own strict domains over 1",
	   b_threads_iommu)

static int b_threads_lazy(const struct bench_ctx *ctx, struct bench_result *r)
{
	return threads_case(ctx, r, MAP_BENCH_IOMMU_LAZY, MAP_BENCH_OWN, 1.8);
}
BENCH_CASE(bm_threads_lazy, "threads-iommu-lazy",
	   "map+unmap throughput of 2 threads on 2 devices with their own lazy domains over 1",
	   b_threads_lazy)

static int b_threads_shared(const struct bench_ctx *ctx, struct bench_result *r)
{
	return threads_case(ctx, r, MAP_BENCH_IOMMU, MAP_BENCH_SHARED_DOMAIN, 1.4);
}
BENCH_CASE(bm_threads_shared, "threads-iommu-shared-domain",
	   "map+unmap throughput of 2 threads on 2 devices in one strict domain over 1",
	   b_threads_shared)

/* Per-pair cost of two threads on two devices against one thread's: <= 1.5x. */
static int b_two_threads_pair(const struct bench_ctx *ctx, struct bench_result *r)
{
	double one[3], two[3], p10, p90, med1;
	u64 calls = 0, pairs = 0;

	bench_warmup(ctx);
	for (unsigned int i = 0; i < ARRAY_SIZE(one); i++)
		if (isnan(scaling(ctx, MAP_BENCH_DIRECT, MAP_BENCH_OWN, 2, &one[i], &two[i], &calls,
				  &pairs)))
			return -EIO;
	bench_set_samples(r, two, ARRAY_SIZE(two), "ns");
	r->iterations = pairs;
	bench_summarise(one, ARRAY_SIZE(one), &med1, &p10, &p90);
	r->floor_name = "1 thread's pair";
	r->floor_unit = "ns";
	r->floor_median = med1;
	r->goal = BENCH_GOAL_MAX;
	r->target = 1.5 * med1;
	snprintf(r->note, sizeof(r->note),
		 "direct, 4 KiB BIDIRECTIONAL, per pair of each of 2 threads on 2 devices; "
		 "%llu host calls", (unsigned long long)calls);
	return calls ? -EIO : 0;
}
BENCH_CASE(bm_two_threads_pair, "map-direct-4k-two-threads",
	   "per-pair cost of 2 threads mapping on 2 devices, against 1 thread's",
	   b_two_threads_pair)

/* --- dmamap bench map ------------------------------------------------------- */

enum { OPT_THREADS = 't', OPT_GRANULE = 'g', OPT_DIR = 'd', OPT_SECONDS = 's',
       OPT_DEVICE = 'D', OPT_JSON = 'j' };

static const struct cli_option map_options[] = {
	{ "threads", OPT_THREADS, "N", "threads mapping at once, each for its own device (1-64; 1)" },
	{ "granule", OPT_GRANULE, "PAGES", "pages per mapping (1-1024; 1)" },
	{ "dir", OPT_DIR, "to|from|bidir", "the direction (bidir)" },
	{ "seconds", OPT_SECONDS, "S", "how long to measure, after a 20 ms warm-up (1)" },
	{ "device", OPT_DEVICE, "direct|direct-coherent|iommu|iommu-lazy|swiotlb",
	  "the device and its path (direct)" },
	{ "json", OPT_JSON, "FILE", "also write the results as JSON to FILE ('-': standard output)" },
	{ NULL, 0, NULL, NULL },
};

static int parse_dir(struct cli *cl, enum dma_data_direction *dir)
{
	if (!strcmp(cl->value, "to"))
		*dir = DMA_TO_DEVICE;
	else if (!strcmp(cl->value, "from"))
		*dir = DMA_FROM_DEVICE;
	else if (!strcmp(cl->value, "bidir"))
		*dir = DMA_BIDIRECTIONAL;
	else
		return cli_error(cl, "--dir wants to, from or bidir, not '%s'", cl->value);
	return 0;
}

static int parse_device(struct cli *cl, enum map_bench_device *dev)
{
	for (unsigned int d = MAP_BENCH_DIRECT; d <= MAP_BENCH_SWIOTLB; d++) {
		if (!strcmp(cl->value, map_bench_device_name(d))) {
			*dev = d;
			return 0;
		}
	}
	return cli_error(cl, "--device wants direct, direct-coherent, iommu, iommu-lazy or "
			 "swiotlb, not '%s'", cl->value);
}

static void map_json(FILE *f, const struct map_bench_config *cfg, const struct map_bench_stats *st)
{
	fprintf(f, "{\n  \"version\": \"%s\",\n  \"benchmark\": \"map\",\n", dmamap_version());
	fprintf(f, "  \"threads\": %u, \"granule\": %u, \"dir\": \"%s\", \"device\": \"%s\", "
		"\"seconds\": %g,\n", cfg->threads, cfg->granule, map_bench_dir_name(cfg->dir),
		map_bench_device_name(cfg->device), cfg->seconds);
	fprintf(f, "  \"pairs\": %llu, \"pairs_per_sec\": %.6g, \"pair_ns\": %.6g,\n",
		(unsigned long long)st->pairs, st->pairs_per_sec, st->pair_ns);
	fprintf(f, "  \"map\": {\"avg_us\": %.6g, \"stddev_us\": %.6g, \"p50_us\": %.6g, "
		"\"p99_us\": %.6g},\n", st->map_avg_ns / 1e3, st->map_sd_ns / 1e3,
		st->map_p50_ns / 1e3, st->map_p99_ns / 1e3);
	fprintf(f, "  \"unmap\": {\"avg_us\": %.6g, \"stddev_us\": %.6g, \"p50_us\": %.6g, "
		"\"p99_us\": %.6g},\n", st->unmap_avg_ns / 1e3, st->unmap_sd_ns / 1e3,
		st->unmap_p50_ns / 1e3, st->unmap_p99_ns / 1e3);
	fprintf(f, "  \"host_calls\": %llu, \"page_faults\": %ld\n}\n",
		(unsigned long long)st->host_calls, st->faults);
}

static int map_run(struct cli *cl)
{
	struct map_bench_config cfg = { .threads = 1, .granule = 1, .dir = DMA_BIDIRECTIONAL,
					.device = MAP_BENCH_DIRECT, .seconds = 1, .time_each = true };
	struct map_bench_stats st;
	unsigned long long v;
	FILE *jf = NULL, *out;
	int o, ret, status = CLI_EXIT_USAGE;

	while ((o = cli_next(cl)) > 0) {
		switch (o) {
		case OPT_THREADS:
			if (cli_u64(cl, 1, MAX_THREADS, false, &v))
				goto out;
			cfg.threads = (unsigned int)v;
			break;
		case OPT_GRANULE:
			if (cli_u64(cl, 1, 1u << MAX_PAGE_ORDER, false, &v))
				goto out;
			cfg.granule = (unsigned int)v;
			break;
		case OPT_DIR:
			if (parse_dir(cl, &cfg.dir))
				goto out;
			break;
		case OPT_SECONDS:
			if (cli_double(cl, 0, 300, &cfg.seconds))
				goto out;
			if (cfg.seconds == 0) {
				cli_error(cl, "--seconds wants a time above 0");
				goto out;
			}
			break;
		case OPT_DEVICE:
			if (parse_device(cl, &cfg.device))
				goto out;
			break;
		case OPT_JSON:
			cli_close(jf);
			if (!(jf = cli_output(cl)))
				goto out;
			break;
		default:
			cli_error(cl, "unexpected argument '%s'", cl->value);
			goto out;
		}
	}
	if (o < 0) {
		status = cli_status(o);
		goto out;
	}
	out = cli_text(cl);
	ret = map_bench_run(&cfg, &st);
	if (ret) {
		fprintf(stderr, "%s: the benchmark could not run: %s\n", cl->prog, strerror(-ret));
		status = CLI_EXIT_FAILED;
		goto out;
	}
	/* the kernel's tool's lines, so the figures can be set beside real hardware's */
	fprintf(out, "dma mapping benchmark: threads:%u seconds:%g node:-1 dir:%s granule: %u\n",
		cfg.threads, cfg.seconds, map_bench_dir_name(cfg.dir), cfg.granule);
	fprintf(out, "average map latency(us):%.3f standard deviation:%.3f\n",
		st.map_avg_ns / 1e3, st.map_sd_ns / 1e3);
	fprintf(out, "average unmap latency(us):%.3f standard deviation:%.3f\n",
		st.unmap_avg_ns / 1e3, st.unmap_sd_ns / 1e3);
	fprintf(out, "\n%-8s %10s %10s %10s %10s  (us)\n", "", "average", "stddev", "p50", "p99");
	fprintf(out, "%-8s %10.3f %10.3f %10.3f %10.3f\n", "map", st.map_avg_ns / 1e3,
		st.map_sd_ns / 1e3, st.map_p50_ns / 1e3, st.map_p99_ns / 1e3);
	fprintf(out, "%-8s %10.3f %10.3f %10.3f %10.3f\n", "unmap", st.unmap_avg_ns / 1e3,
		st.unmap_sd_ns / 1e3, st.unmap_p50_ns / 1e3, st.unmap_p99_ns / 1e3);
	fprintf(out, "\ndevice %s, %llu pairs, %.0f pairs/s in all; host calls %llu, page faults %ld "
		"after the warm-up\n", map_bench_device_name(cfg.device),
		(unsigned long long)st.pairs, st.pairs_per_sec, (unsigned long long)st.host_calls,
		st.faults);
	fprintf(out, "(each map and unmap timed on its own with two clock reads, as the kernel's "
		"tool does)\n");
	status = CLI_EXIT_OK;
	if (jf) {
		map_json(jf, &cfg, &st);
		ret = cli_close(jf);
		jf = NULL;
		if (ret) {
			fprintf(stderr, "%s: writing the JSON failed: %s\n", cl->prog,
				strerror(-ret));
			status = CLI_EXIT_FAILED;
		}
	}
out:
	cli_close(jf);
	return status;
}

const struct cli_command bench_map_command = {
	.name = "bench map",
	.summary = "the kernel's DMA map benchmark",
	.description =
		"Maps a buffer for a device and unmaps it, over and over, in each of N\n"
		"threads, each with its own device (and IOMMU domain), as the kernel's\n"
		"dma_map_benchmark does, on a non-coherent machine. Prints the kernel's tool's\n"
		"two lines (average map and unmap latency in microseconds with their standard\n"
		"deviation), then the same with p50 and p99, and the host calls and page\n"
		"faults made while measuring (0 in steady state).\n",
	.options = map_options,
	.run = map_run,
};
