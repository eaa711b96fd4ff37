// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the memory model (src/mm):
 *
 *   mm-machine-create-1g    creating a machine with a 1 GiB bank (target
 *                           <= 50 us), with the resident memory it costs,
 *                           against the same host calls made directly
 *   mm-alloc-free-order0    dmamap_alloc_pages + dmamap_free_pages of one
 *                           frame (target <= 100 ns)
 *   mm-alloc-free-order0-64 the same with 64 frames live at a time
 *   mm-vmap-64p-k{1,8,64}   mm_vmap of 64 pages in k physically contiguous
 *                           runs, per run, against one raw host mmap
 *                           measured in the same run (target <= 1.2x)
 */
#include "bench.h"
#include "mm/mm.h"
#include "mm/vmalloc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long resident_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, resident = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* the page allocator alone: no DMA pools holding frames */
static const struct dmamap_machine_config pages_only = {
	.swiotlb_size = DMAMAP_SWIOTLB_OFF,
	.atomic_pool_size = DMAMAP_ATOMIC_POOL_OFF,
};

/*
 * The host calls a machine like @m costs to create, made directly: the
 * memfd and its size, its two views, the aligned reservation with its two
 * trims and one mprotect, and the atomic pool's mapping. Median us.
 */
static double floor_create_calls_us(const struct bench_ctx *ctx, const struct dmamap_machine *m)
{
	const size_t align = (size_t)1 << 36, pool = 256 << 10;
	size_t rw = m->pages_bytes + mm_cookies_table_bytes(), span = m->host_span;
	size_t rounds = bench_iters(ctx, 301, 21);
	double *s = calloc(rounds, sizeof(*s));
	double med = NAN, p10, p90;

	if (!s)
		return med;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();
		int fd = memfd_create("floor", MFD_CLOEXEC);
		u8 *v1, *v2, *raw, *base, *p;

		if (fd < 0 || ftruncate(fd, (off_t)m->mem_size))
			goto out;
		v1 = mmap(NULL, m->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
		v2 = mmap(NULL, m->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
		raw = mmap(NULL, span + align, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (v1 == MAP_FAILED || v2 == MAP_FAILED || raw == MAP_FAILED)
			goto out;
		base = (u8 *)ALIGN((unsigned long)raw, align);
		if (base > raw)
			munmap(raw, (size_t)(base - raw));
		munmap(base + span, (size_t)(raw + span + align - (base + span)));
		mprotect(base, rw, PROT_READ | PROT_WRITE);
		p = mmap(NULL, pool, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		s[i] = (double)(bench_now_ns() - t0) / 1000.0;
		munmap(p, pool);
		munmap(base, span);
		munmap(v2, m->mem_size);
		munmap(v1, m->mem_size);
		close(fd);
	}
	bench_summarise(s, rounds, &med, &p10, &p90);
out:
	free(s);
	return med;
}

static int bench_create(const struct bench_ctx *ctx, struct bench_result *r)
{
	static const struct dmamap_bank bank = { 0x80000000ULL, 1ULL << 30 };
	const struct dmamap_machine_config cfg = { .banks = &bank, .nr_banks = 1 };
	size_t rounds = bench_iters(ctx, 301, 21);
	double *s = calloc(rounds, sizeof(*s));
	double destroy_ns = 0;
	struct dmamap_machine *m;
	long rss0, rss1;
	int ret;

	if (!s)
		return -ENOMEM;
	/* the first machine of a process sets up the host seam once */
	ret = dmamap_machine_create(&cfg, &m);
	if (ret)
		goto out;
	dmamap_machine_destroy(m);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns(), t1;

		ret = dmamap_machine_create(&cfg, &m);
		t1 = bench_now_ns();
		if (ret)
			goto out;
		s[i] = (double)(t1 - t0) / 1000.0;
		dmamap_machine_destroy(m);
		destroy_ns += (double)(bench_now_ns() - t1);
	}
	/* what one machine costs in resident memory before anything is touched */
	rss0 = resident_kib();
	ret = dmamap_machine_create(&cfg, &m);
	if (ret)
		goto out;
	rss1 = resident_kib();
	r->floor_median = floor_create_calls_us(ctx, m);
	dmamap_machine_destroy(m);
	bench_set_samples(r, s, rounds, "us");
	r->iterations = rounds;
	r->goal = BENCH_GOAL_MAX;
	r->target = 50;
	r->floor_name = "the same host calls, made directly";
	r->floor_unit = "us";
	snprintf(r->note, sizeof(r->note),
		 "1 GiB bank (262144 frames): RSS +%ld KiB on creation; destroy %.1f us mean",
		 rss1 - rss0, destroy_ns / (double)rounds / 1000.0);
out:
	free(s);
	return ret;
}
BENCH_CASE(bc_create, "mm-machine-create-1g", "dmamap_machine_create with a 1 GiB bank",
	   bench_create)

static int alloc_free(const struct bench_ctx *ctx, struct bench_result *r, unsigned int live)
{
	const size_t batch = 20000;
	size_t rounds = bench_iters(ctx, 101, 11);
	double *s = calloc(rounds, sizeof(*s));
	struct page **held = calloc(live ? live : 1, sizeof(*held));
	struct dmamap_machine *m = NULL;
	struct dmamap_stats st;
	int ret = -ENOMEM;

	if (!s || !held)
		goto out;
	ret = dmamap_machine_create(&pages_only, &m);
	if (ret)
		goto out;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		if (!live) {
			for (size_t j = 0; j < batch; j++) {
				struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 0);

				bench_keep(p);
				dmamap_free_pages(p, 0);
			}
		} else {
			for (size_t j = 0; j < batch; j += live) {
				for (unsigned int k = 0; k < live; k++)
					held[k] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
				for (unsigned int k = 0; k < live; k++)
					dmamap_free_pages(held[(k * 37) % live], 0);
			}
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	dmamap_machine_stats(m, &st);
	if (st.pages_free != st.pages_total || st.api_errors) {
		ret = -EIO;	/* an allocation failed or a free was refused */
		goto out;
	}
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds * batch;
	r->floor_name = "bitmap alloc+free";
	r->floor_unit = "ns";
	r->floor_median = bench_floor_bitmap_ns(ctx);
	r->goal = BENCH_GOAL_MAX;
	r->target = 100;
	snprintf(r->note, sizeof(r->note), "per alloc+free pair, %u frames live; one thread",
		 live ? live : 1);
out:
	dmamap_machine_destroy(m);
	free(held);
	free(s);
	return ret;
}

static int bench_alloc_free(const struct bench_ctx *ctx, struct bench_result *r)
{
	return alloc_free(ctx, r, 0);
}
BENCH_CASE(bc_alloc_free, "mm-alloc-free-order0", "dmamap_alloc_pages+dmamap_free_pages, order 0",
	   bench_alloc_free)

static int bench_alloc_free_64(const struct bench_ctx *ctx, struct bench_result *r)
{
	return alloc_free(ctx, r, 64);
}
BENCH_CASE(bc_alloc_free_64, "mm-alloc-free-order0-64",
	   "order-0 alloc of 64 frames, then free in another order", bench_alloc_free_64)

/*
 * mm_vmap of 64 pages in @runs physically contiguous runs: the time per run
 * against one raw host mmap of a memfd page into a reservation.
 */
static int vmap_runs(const struct bench_ctx *ctx, struct bench_result *r, unsigned int runs)
{
	enum { COUNT = 64 };
	size_t rounds = bench_iters(ctx, runs >= 32 ? 301 : 1001, 21);
	double *s = calloc(rounds, sizeof(*s));
	struct dmamap_machine *m = NULL;
	struct page *block = NULL, *pages[COUNT];
	double unmap_ns = 0, floor;
	u64 mmaps0, mmaps1;
	struct dmamap_stats st;
	unsigned int per = COUNT / runs;
	int ret = -ENOMEM;

	if (!s)
		goto out;
	ret = dmamap_machine_create(NULL, &m);
	if (ret)
		goto out;
	block = dmamap_alloc_pages(m, GFP_KERNEL, 7);
	if (!block) {
		ret = -ENOMEM;
		goto out;
	}
	/* run i: @per frames from stretch (runs - 1 - i) of 2 * @per frames */
	for (unsigned int i = 0, n = 0; i < runs; i++)
		for (unsigned int j = 0; j < per; j++)
			pages[n++] = block + (runs - 1 - i) * 2 * per + j;
	dmamap_machine_stats(m, &st);
	mmaps0 = st.host_mmaps;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns(), t1;
		void *va = mm_vmap(m, pages, COUNT, 0);

		t1 = bench_now_ns();
		if (!va) {
			ret = -ENOMEM;
			goto out;
		}
		s[i] = (double)(t1 - t0) / runs;
		mm_vunmap(m, va);
		unmap_ns += (double)(bench_now_ns() - t1);
	}
	dmamap_machine_stats(m, &st);
	mmaps1 = st.host_mmaps;
	floor = bench_floor_mmap_ns(ctx);
	bench_set_samples(r, s, rounds, "ns/run");
	r->iterations = rounds;
	r->floor_name = "host mmap (1 page)";
	r->floor_unit = "ns";
	r->floor_median = floor;
	r->goal = BENCH_GOAL_MAX;
	r->target = 1.2 * floor;	/* per run, at most 1.2 raw host mmaps */
	snprintf(r->note, sizeof(r->note),
		 "%u runs: %.2f host mmaps per vmap; vmap %.2f us median; vunmap %.2f us mean",
		 runs, (double)(mmaps1 - mmaps0) / (double)rounds, r->median * runs / 1000.0,
		 unmap_ns / (double)rounds / 1000.0);
	ret = 0;
out:
	if (block)
		dmamap_free_pages(block, 7);
	dmamap_machine_destroy(m);
	free(s);
	return ret;
}

static int bench_vmap_k1(const struct bench_ctx *ctx, struct bench_result *r)
{
	return vmap_runs(ctx, r, 1);
}
BENCH_CASE(bc_vmap_k1, "mm-vmap-64p-k1", "mm_vmap of 64 pages in 1 run, per run vs a host mmap",
	   bench_vmap_k1)

static int bench_vmap_k8(const struct bench_ctx *ctx, struct bench_result *r)
{
	return vmap_runs(ctx, r, 8);
}
BENCH_CASE(bc_vmap_k8, "mm-vmap-64p-k8", "mm_vmap of 64 pages in 8 runs, per run vs a host mmap",
	   bench_vmap_k8)

static int bench_vmap_k64(const struct bench_ctx *ctx, struct bench_result *r)
{
	return vmap_runs(ctx, r, 64);
}
BENCH_CASE(bc_vmap_k64, "mm-vmap-64p-k64", "mm_vmap of 64 pages in 64 runs, per run vs a host mmap",
	   bench_vmap_k64)
