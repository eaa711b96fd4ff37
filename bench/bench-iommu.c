// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the IOMMU (src/iommu) and of bus access through it:
 *
 *   iova-w1-single       alloc_iova_fast + free_iova_fast of one page, repeated
 *   iova-w2-batch256     256 one-page allocations, then the 256 frees
 *   iova-w3-random-small sizes 1..64 pages (powers of two), 4,096 live, each
 *                        step frees a random live range and allocates a new one
 *   iova-w4-random-large sizes 256..1024 pages, 512 live, random replacement
 *   iova-w5-two-threads  two threads each running w3 on one shared domain
 *
 * all in ns per alloc+free pair, 32-bit space (2^20 granules of 4 KiB). The
 * kernel reference (its rbtree allocator and per-CPU range caches, built in
 * userspace, same workloads) measured 16 / 16 / 454 / 484 / 1166 ns. Every
 * range handed out is checked to be aligned to its size rounded up to a
 * power of two, as the kernel's are; a misaligned one fails the benchmark.
 *
 *   iommu-translate-miss random IOVAs over 256 MiB mapped with 4 KiB pages,
 *                        4-level table (ias 48), IOTLB missing: the walk,
 *                        with the default walk cache (256 entries), which
 *                        holds all 128 level-3 tables: one descriptor read;
 *                        against the same without a walk cache (all four
 *                        levels read on every miss), measured in the run
 *   iommu-translate-hit  the same translation hitting the IOTLB
 *   iommu-bus-read-64k   dmamap_bus_read of 64 KiB mapped page by page over
 *                        16 scattered frames, against memcpy of 64 KiB
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu.h"
#include "iommu/iova.h"
#include "mm/mm.h"

#define IOVA_SPACE	(1UL << 20)	/* granules: 4 GiB of IOVA */
#define IOVA_LIMIT	(IOVA_SPACE - 1)

static u64 xorshift(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Nonzero when @pfn is not aligned to @size rounded up to a power of two (or is 0). */
static inline unsigned long misaligned(unsigned long pfn, unsigned long size)
{
	unsigned long align = size <= 1 ? 1 : 1UL << (64 - __builtin_clzl(size - 1));

	return (pfn & (align - 1)) | !pfn;
}

static void iova_result(struct bench_result *r, double *s, size_t rounds, u64 pairs, double target,
			double kernel_ns)
{
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = pairs;
	r->goal = BENCH_GOAL_MAX;
	r->target = target;
	r->floor_name = "kernel reference";
	r->floor_unit = "ns";
	r->floor_median = kernel_ns;
}

/* W1: one page, allocated and freed, over and over. */
static int bench_iova_w1(const struct bench_ctx *ctx, struct bench_result *r)
{
	size_t rounds = bench_iters(ctx, 101, 11), batch = 20000;
	double *s = calloc(rounds, sizeof(*s));
	struct iova_domain *d = NULL;
	unsigned long bad = 0;
	int ret = -ENOMEM;

	if (!s || iova_domain_create(4096, 1, IOVA_SPACE, &d))
		goto out;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			unsigned long pfn = alloc_iova_fast(d, 1, IOVA_LIMIT, true);

			bad |= !pfn;
			free_iova_fast(d, pfn, 1);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	if (bad || iova_misuse_count(d) || iova_pages_used(d)) {
		ret = -EIO;
		goto out;
	}
	iova_result(r, s, rounds, rounds * batch, 16, 16);
	snprintf(r->note, sizeof(r->note),
		 "per pair, 1 live; 32-bit space; kernel reference 16 ns");
	ret = 0;
out:
	iova_domain_destroy(d);
	free(s);
	return ret;
}
BENCH_CASE(bi_iova_w1, "iova-w1-single",
	   "alloc_iova_fast+free_iova_fast of 1 page, repeated (kernel reference 16 ns)",
	   bench_iova_w1)

/* W2: 256 single pages allocated, then all freed. */
static int bench_iova_w2(const struct bench_ctx *ctx, struct bench_result *r)
{
	enum { LIVE = 256 };
	size_t rounds = bench_iters(ctx, 101, 11), reps = 40;
	double *s = calloc(rounds, sizeof(*s));
	unsigned long pfns[LIVE], bad = 0;
	struct iova_domain *d = NULL;
	int ret = -ENOMEM;

	if (!s || iova_domain_create(4096, 1, IOVA_SPACE, &d))
		goto out;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < reps; j++) {
			for (unsigned int k = 0; k < LIVE; k++) {
				pfns[k] = alloc_iova_fast(d, 1, IOVA_LIMIT, true);
				bad |= !pfns[k];
			}
			for (unsigned int k = 0; k < LIVE; k++)
				free_iova_fast(d, pfns[k], 1);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)(reps * LIVE);
	}
	if (bad || iova_misuse_count(d) || iova_pages_used(d)) {
		ret = -EIO;
		goto out;
	}
	iova_result(r, s, rounds, rounds * reps * LIVE, 16, 16);
	snprintf(r->note, sizeof(r->note),
		 "per pair, 256 allocated then 256 freed; kernel reference 16 ns");
	ret = 0;
out:
	iova_domain_destroy(d);
	free(s);
	return ret;
}
BENCH_CASE(bi_iova_w2, "iova-w2-batch256",
	   "256 one-page allocs then 256 frees, per pair (kernel reference 16 ns)", bench_iova_w2)

/*
 * Random replacement: @live ranges; each step frees a random one and
 * allocates a random size in its place. The random numbers are drawn before
 * the clock starts.
 */
struct iova_random {
	struct iova_domain *d;
	unsigned int live;
	unsigned int min_size, max_size;	/* max_size 0: powers of two up to -min_size */
	bool pow2;
	unsigned int nsteps;			/* per sample */
	size_t rounds;
	u64 seed;
	pthread_barrier_t *barrier;		/* two threads: start each sample together */
	const struct bench_ctx *ctx;
	double *s;				/* rounds samples */
	unsigned long bad;
	int ret;
};

static unsigned long random_size(const struct iova_random *w, u64 *seed)
{
	if (w->pow2) {
		unsigned int lo = (unsigned int)__builtin_ctz(w->min_size);
		unsigned int hi = (unsigned int)__builtin_ctz(w->max_size);

		return 1UL << (lo + xorshift(seed) % (hi - lo + 1));
	}
	return w->min_size + xorshift(seed) % (w->max_size - w->min_size + 1);
}

static void *iova_random_run(void *arg)
{
	struct iova_random *w = arg;
	unsigned long *pfn = calloc(w->live, sizeof(*pfn));
	unsigned long *size = calloc(w->live, sizeof(*size));
	u32 *victim = calloc(w->nsteps, sizeof(*victim));
	u32 *nsize = calloc(w->nsteps, sizeof(*nsize));
	u64 seed = w->seed;
	unsigned long bad = 0;

	w->ret = -ENOMEM;
	if (!pfn || !size || !victim || !nsize)
		goto out;
	for (unsigned int i = 0; i < w->live; i++) {
		size[i] = random_size(w, &seed);
		pfn[i] = alloc_iova_fast(w->d, size[i], IOVA_LIMIT, true);
		bad |= misaligned(pfn[i], size[i]);
	}
	bench_warmup(w->ctx);
	for (size_t r = 0; r < w->rounds; r++) {
		u64 t0;

		for (unsigned int i = 0; i < w->nsteps; i++) {
			victim[i] = (u32)(xorshift(&seed) % w->live);
			nsize[i] = (u32)random_size(w, &seed);
		}
		if (w->barrier)
			pthread_barrier_wait(w->barrier);
		t0 = bench_now_ns();
		for (unsigned int i = 0; i < w->nsteps; i++) {
			unsigned int v = victim[i];
			unsigned long p;

			free_iova_fast(w->d, pfn[v], size[v]);
			p = alloc_iova_fast(w->d, nsize[i], IOVA_LIMIT, true);
			bad |= misaligned(p, nsize[i]);
			pfn[v] = p;
			size[v] = nsize[i];
		}
		w->s[r] = (double)(bench_now_ns() - t0) / (double)w->nsteps;
	}
	for (unsigned int i = 0; i < w->live; i++)
		free_iova_fast(w->d, pfn[i], size[i]);
	w->ret = 0;
out:
	w->bad = bad;
	free(pfn);
	free(size);
	free(victim);
	free(nsize);
	return NULL;
}

static int iova_random(const struct bench_ctx *ctx, struct bench_result *r, unsigned int live,
		       unsigned int min_size, unsigned int max_size, bool pow2,
		       unsigned int threads, double target, double kernel_ns)
{
	struct iova_random w[2];
	pthread_barrier_t barrier;
	pthread_t tid;
	size_t rounds = bench_iters(ctx, 101, 11);
	double *s = calloc(rounds * threads, sizeof(*s));
	struct iova_domain *d = NULL;
	unsigned long misuse, used;
	int ret = -ENOMEM;

	if (!s || iova_domain_create(4096, 1, IOVA_SPACE, &d))
		goto out;
	if (threads > 1)
		pthread_barrier_init(&barrier, NULL, threads);
	for (unsigned int t = 0; t < threads; t++)
		w[t] = (struct iova_random){
			.d = d, .live = live, .min_size = min_size, .max_size = max_size,
			.pow2 = pow2, .nsteps = 4096, .rounds = rounds,
			.seed = 0x9e3779b97f4a7c15ULL * (t + 1), .s = s + t * rounds,
			.barrier = threads > 1 ? &barrier : NULL, .ctx = ctx,
		};
	if (threads > 1) {
		if (pthread_create(&tid, NULL, iova_random_run, &w[1])) {
			pthread_barrier_destroy(&barrier);
			goto out;
		}
	}
	iova_random_run(&w[0]);
	if (threads > 1) {
		pthread_join(tid, NULL);
		pthread_barrier_destroy(&barrier);
	}
	misuse = iova_misuse_count(d);
	used = iova_pages_used(d);
	for (unsigned int t = 0; t < threads; t++) {
		if (w[t].ret) {
			ret = w[t].ret;
			goto out;
		}
		if (w[t].bad) {
			ret = -EIO;	/* an allocation failed or was not size-aligned */
			goto out;
		}
	}
	if (misuse || used) {
		ret = -EIO;
		goto out;
	}
	iova_result(r, s, rounds * threads, (u64)rounds * threads * 4096, target, kernel_ns);
	snprintf(r->note, sizeof(r->note),
		 "per pair%s; sizes %u-%u%s, %u live%s; all size-aligned; kernel reference %.0f ns",
		 threads > 1 ? " per thread" : "", min_size, max_size,
		 pow2 ? " (powers of two)" : "", live, threads > 1 ? " per thread, 2 threads" : "",
		 kernel_ns);
	ret = 0;
out:
	iova_domain_destroy(d);
	free(s);
	return ret;
}

static int bench_iova_w3(const struct bench_ctx *ctx, struct bench_result *r)
{
	return iova_random(ctx, r, 4096, 1, 64, true, 1, 100, 454);
}
BENCH_CASE(bi_iova_w3, "iova-w3-random-small",
	   "4,096 live ranges of 1-64 pages (powers of two), random free+alloc (kernel reference "
	   "454 ns)", bench_iova_w3)

static int bench_iova_w4(const struct bench_ctx *ctx, struct bench_result *r)
{
	return iova_random(ctx, r, 512, 256, 1024, false, 1, 150, 484);
}
BENCH_CASE(bi_iova_w4, "iova-w4-random-large",
	   "512 live ranges of 256-1024 pages, random free+alloc (kernel reference 484 ns)",
	   bench_iova_w4)

static int bench_iova_w5(const struct bench_ctx *ctx, struct bench_result *r)
{
	return iova_random(ctx, r, 4096, 1, 64, true, 2, 300, 1166);
}
BENCH_CASE(bi_iova_w5, "iova-w5-two-threads",
	   "two threads each running w3 on one shared domain, per pair per thread (kernel "
	   "reference 1166 ns)", bench_iova_w5)

/* --- translation ------------------------------------------------------------ */

struct iommu_setup {
	struct dmamap_machine *m;
	struct iommu_domain *domain;
	struct device *dev;
};

static int iommu_setup(struct iommu_setup *st, const struct dmamap_iommu_config *icfg,
		       bool coherent)
{
	struct dmamap_device_config dcfg = { .name = "bench-iommu", .coherent = coherent };
	int ret;

	memset(st, 0, sizeof(*st));
	ret = dmamap_machine_create(NULL, &st->m);
	if (!ret)
		ret = dmamap_iommu_domain_create(st->m, icfg, &st->domain);
	if (!ret)
		ret = dmamap_device_create(st->m, &dcfg, &st->dev);
	if (!ret)
		ret = iommu_attach_device(st->domain, st->dev);
	return ret;
}

static void iommu_teardown(struct iommu_setup *st)
{
	dmamap_device_destroy(st->dev);
	iommu_domain_free(st->domain);
	dmamap_machine_destroy(st->m);
}

#define XLATE_IOVA	0x7f0000000000UL	/* above 39 bits: the level-0 table is used */
#define XLATE_SPAN	(256UL << 20)

/*
 * One translation benchmark: IOTLB hits or misses, with or without the walk
 * cache; @lazy: a lazy domain with one unmap queued (of a page not read), so
 * that every translation is made while invalidations are pending.
 */
struct xlate {
	bool hit, walk_cache, lazy;
};

static int translate(const struct bench_ctx *ctx, struct bench_result *r, struct xlate x)
{
	const bool hit = x.hit, walk_cache = x.walk_cache, lazy = x.lazy;
	const struct dmamap_iommu_config icfg = {
		.type = IOMMU_DOMAIN_UNMANAGED, .ias = 48, .pgsize_bitmap = SZ_4K,
		.walk_cache_entries = walk_cache ? 0 : DMAMAP_IOMMU_NO_WALK_CACHE,
		.flush = lazy ? DMAMAP_IOMMU_LAZY : DMAMAP_IOMMU_STRICT,
	};
	enum { N = 1 << 16 };
	size_t rounds = bench_iters(ctx, 101, 11);
	double *s = calloc(rounds, sizeof(*s));
	unsigned long *iova = calloc(N, sizeof(*iova));
	struct iommu_setup st;
	struct iotlb_access c = { 0 };
	u64 hits, misses, seed = 0x2545f4914f6cdd1dULL;
	phys_addr_t sum = 0;
	unsigned int reps = hit ? 4 : 1;
	int ret;

	ret = iommu_setup(&st, &icfg, true);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (!s || !iova)
		goto out;
	/* 65,536 pages of 4 KiB, each a leaf of the 4-level table */
	ret = iommu_map(st.domain, XLATE_IOVA, 0x80000000ULL, XLATE_SPAN, IOMMU_READ | IOMMU_WRITE,
			GFP_KERNEL);
	if (ret)
		goto out;
	/* lazy: the last page, which no translation reads, waits in the flush queue */
	if (lazy && iommu_unmap(st.domain, XLATE_IOVA + XLATE_SPAN - PAGE_SIZE, PAGE_SIZE) !=
			    PAGE_SIZE) {
		ret = -EIO;
		goto out;
	}
	for (unsigned int i = 0; i < N; i++) {
		/* hits: 32 pages that each have their own IOTLB entry */
		u64 page = hit ? i % 32 : xorshift(&seed) % ((XLATE_SPAN >> PAGE_SHIFT) - 1);

		iova[i] = XLATE_IOVA + (page << PAGE_SHIFT) + (i * 64) % PAGE_SIZE;
	}
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		/* locals whose address is never taken: kept in registers across the loop */
		struct device *dev = st.dev;
		phys_addr_t acc = 0;
		u64 t0 = bench_now_ns();

		for (unsigned int k = 0; k < reps; k++) {
			for (unsigned int j = 0; j < N; j++) {
				struct dmamap_fault f;
				phys_addr_t phys;
				long n = iommu_bus_translate(dev, iova[j], 64, false, &phys, &f, &c);

				acc += phys + (phys_addr_t)n;
			}
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)(N * reps);
		sum += acc;
	}
	bench_keep(&sum);
	hits = c.hits;
	misses = c.misses;
	/* every translation must have gone through, and mostly the way asked for */
	if (hits + misses != (u64)rounds * N * reps ||
	    (hit ? hits < (hits + misses) * 99 / 100 : misses < (hits + misses) * 99 / 100)) {
		ret = -EIO;
		goto out;
	}
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = hits + misses;
	r->goal = BENCH_GOAL_MAX;
	r->target = hit ? 3 : 10;
	snprintf(r->note, sizeof(r->note),
		 "iommu_bus_translate of 64 bytes; %.2f%% IOTLB hits (64 entries); 256 MiB of "
		 "4 KiB pages, ias 48, %lu tables; walk cache %s%s",
		 100.0 * (double)hits / (double)(hits + misses),
		 io_pgtable_nr_tables(to_dmamap_domain(st.domain)->pgtbl),
		 walk_cache ? "of 256 entries" : "off",
		 lazy ? "; lazy, 1 queued" : "");
	ret = 0;
out:
	iommu_teardown(&st);
	free(iova);
	free(s);
	return ret;
}

/* @x, with @floor measured just before it in the same run as its floor. */
static int translate_beside(const struct bench_ctx *ctx, struct bench_result *r, struct xlate x,
			    struct xlate floor, const char *floor_name)
{
	struct bench_result f = { 0 };
	int ret = translate(ctx, &f, floor);

	if (!ret)
		ret = translate(ctx, r, x);
	if (ret)
		return ret;
	r->floor_name = floor_name;
	r->floor_unit = "ns";
	r->floor_median = f.median;
	return 0;
}

static int bench_translate_miss(const struct bench_ctx *ctx, struct bench_result *r)
{
	return translate_beside(ctx, r, (struct xlate){ .walk_cache = true },
				(struct xlate){ .walk_cache = false }, "same, walk cache off");
}
BENCH_CASE(bi_xlate_miss, "iommu-translate-miss",
	   "bus translation on an IOTLB miss: 4-level table (ias 48), random IOVAs over 256 MiB",
	   bench_translate_miss)

static int bench_translate_hit(const struct bench_ctx *ctx, struct bench_result *r)
{
	return translate(ctx, r, (struct xlate){ .hit = true, .walk_cache = true });
}
BENCH_CASE(bi_xlate_hit, "iommu-translate-hit", "bus translation on an IOTLB hit",
	   bench_translate_hit)

/* No target of its own: the strict hit, measured in the same run, is its floor. */
static int bench_translate_hit_lazy(const struct bench_ctx *ctx, struct bench_result *r)
{
	int ret = translate_beside(ctx, r, (struct xlate){ .hit = true, .walk_cache = true,
							  .lazy = true },
				   (struct xlate){ .hit = true, .walk_cache = true },
				   "same, strict");

	r->goal = BENCH_GOAL_NONE;
	return ret;
}
BENCH_CASE(bi_xlate_hit_lazy, "iommu-translate-hit-lazy",
	   "bus translation on an IOTLB hit in a lazy domain with invalidations queued",
	   bench_translate_hit_lazy)

/* --- bus read through the IOMMU --------------------------------------------- */

static int bench_bus_read(const struct bench_ctx *ctx, struct bench_result *r)
{
	const struct dmamap_iommu_config icfg = { .type = IOMMU_DOMAIN_UNMANAGED };
	enum { PAGES = 16, LEN = PAGES * 4096 };
	const unsigned long base = 0x10000000UL;
	size_t rounds = bench_iters(ctx, 101, 11), reps = 64;
	double *s = calloc(rounds, sizeof(*s)), *s2 = calloc(rounds, sizeof(*s2)), floor, med;
	double pages_med, p10, p90;
	struct page *pages[2 * PAGES] = { NULL };
	const u8 *src[PAGES];
	void *(*volatile copy)(void *, const void *, size_t) = memcpy;
	u8 *buf = malloc(LEN), *want = malloc(LEN);
	struct dmamap_stats before, after;
	struct iommu_setup st;
	int ret;

	ret = iommu_setup(&st, &icfg, false);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (!s || !s2 || !buf || !want)
		goto out;
	for (unsigned int i = 0; i < 2 * PAGES; i++) {
		pages[i] = dmamap_alloc_pages(st.m, GFP_KERNEL, 0);
		if (!pages[i])
			goto out;
	}
	/* every other frame, backwards: no two IOVA-adjacent pages are adjacent in memory */
	for (unsigned int i = 0; i < PAGES; i++) {
		struct page *p = pages[2 * (PAGES - 1 - i)];

		src[i] = mm_phys_to_mem(st.m, page_to_phys(p));
		memset(mm_phys_to_mem(st.m, page_to_phys(p)), (int)i + 1, PAGE_SIZE);
		memset(want + i * PAGE_SIZE, (int)i + 1, PAGE_SIZE);
		ret = iommu_map(st.domain, base + i * PAGE_SIZE, page_to_phys(p), PAGE_SIZE,
				IOMMU_READ, GFP_KERNEL);
		if (ret)
			goto out;
	}
	ret = dmamap_bus_read(st.dev, base, buf, LEN, NULL);
	if (ret || memcmp(buf, want, LEN)) {
		ret = ret ? ret : -EIO;
		goto out;
	}
	dmamap_machine_stats(st.m, &before);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < reps; j++) {
			ret |= dmamap_bus_read(st.dev, base, buf, LEN, NULL);
			bench_keep(buf);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)reps;
	}
	dmamap_machine_stats(st.m, &after);
	if (ret) {
		ret = -EIO;
		goto out;
	}
	/*
	 * For the note: the same 16 pages copied into the same buffer by the
	 * library's memcpy (called, not expanded inline), without the bus.
	 */
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < reps; j++) {
			for (unsigned int k = 0; k < PAGES; k++)
				copy(buf + k * PAGE_SIZE, src[k], PAGE_SIZE);
			bench_keep(buf);
		}
		s2[i] = (double)(bench_now_ns() - t0) / (double)reps;
	}
	bench_summarise(s2, rounds, &pages_med, &p10, &p90);
	floor = bench_floor_memcpy_ns(ctx, LEN);
	bench_set_bandwidth(r, s, rounds, floor, "memcpy 64 KiB");
	med = floor * 100.0 / r->median;
	r->iterations = rounds * reps;
	r->target = 80;
	snprintf(r->note, sizeof(r->note),
		 "%% of memcpy bandwidth; bus read %.0f ns (%.2f GB/s), memcpy %.0f ns, memcpy of "
		 "the 16 pages one by one %.0f ns; %.1f IOTLB hits + %.1f misses per read", med,
		 (double)LEN / med, floor, pages_med,
		 (double)(after.iotlb_hits - before.iotlb_hits) / (double)(rounds * reps),
		 (double)(after.iotlb_misses - before.iotlb_misses) / (double)(rounds * reps));
	ret = 0;
out:
	if (st.domain)
		iommu_unmap(st.domain, base, LEN);
	for (unsigned int i = 0; i < 2 * PAGES; i++)
		if (pages[i])
			dmamap_free_pages(pages[i], 0);
	iommu_teardown(&st);
	free(buf);
	free(want);
	free(s);
	free(s2);
	return ret;
}
BENCH_CASE(bi_bus_read, "iommu-bus-read-64k",
	   "dmamap_bus_read of 64 KiB mapped page by page (16 scattered frames) through an IOMMU "
	   "domain, % of memcpy bandwidth", bench_bus_read)
