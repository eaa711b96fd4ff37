// SPDX-License-Identifier: MIT
/* Benchmarks of the direct DMA backend and the cache model. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#include "mm/cache.h"
#include "mm/mm.h"

static struct dmamap_machine *bench_machine(enum dmamap_cache_model cache)
{
	struct dmamap_machine_config cfg = { .cache = cache };
	struct dmamap_machine *m;

	return dmamap_machine_create(&cfg, &m) ? NULL : m;
}

static struct device *bench_device(struct dmamap_machine *m, bool coherent)
{
	struct dmamap_device_config cfg = { .name = "bench", .coherent = coherent };
	struct device *dev;

	return dmamap_device_create(m, &cfg, &dev) ? NULL : dev;
}

static int bench_map_single(const struct bench_ctx *ctx, struct bench_result *r)
{
	struct dmamap_machine *m = bench_machine(DMAMAP_CACHE_COHERENT);
	struct device *dev = m ? bench_device(m, true) : NULL;
	size_t rounds = bench_iters(ctx, 201, 11), batch = 20000;
	double *s = calloc(rounds, sizeof(*s));
	void *buf = m ? dmamap_kmalloc(m, 4096, GFP_KERNEL) : NULL;
	int ret = -ENOMEM;

	if (!dev || !s || !buf)
		goto out;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			dma_addr_t a = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);

			if (dma_mapping_error(dev, a)) {
				ret = -EIO;
				goto out;
			}
			dma_unmap_single(dev, a, 4096, DMA_TO_DEVICE);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds * batch;
	r->floor_name = "bitmap alloc+free";
	r->floor_median = bench_floor_bitmap_ns(ctx);
	r->goal = BENCH_GOAL_MAX;
	r->target = 50;
	ret = 0;
out:
	if (buf)
		dmamap_kfree(m, buf);
	free(s);
	dmamap_machine_destroy(m);
	return ret;
}
BENCH_CASE(b_map_single, "dma-direct-map-single-4k",
	   "dma_map_single+dma_unmap_single of 4 KiB, coherent direct device", bench_map_single)

/* Clean or invalidate 64 KiB of dirty CPU lines on the non-coherent model. */
static int bench_maint(const struct bench_ctx *ctx, struct bench_result *r, bool clean)
{
	struct dmamap_machine *m = bench_machine(DMAMAP_CACHE_NONCOHERENT);
	size_t rounds = bench_iters(ctx, 301, 11), len = SZ_64K;
	double *s = calloc(rounds, sizeof(*s));
	struct page *page = m ? dmamap_alloc_pages(m, GFP_KERNEL, 4) : NULL;
	struct dmamap_stats before, after;
	int ret = -ENOMEM;

	if (!page || !s)
		goto out;
	dmamap_machine_stats(m, &before);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u8 *cpu = page_address(page);
		u64 t0;

		/* dirty every line, as a driver filling a buffer would */
		memset(cpu, (int)i, len);
		t0 = bench_now_ns();
		if (clean)
			mm_cache_clean(m, page_to_phys(page), len);
		else
			mm_cache_inval(m, page_to_phys(page), len);
		s[i] = (double)(bench_now_ns() - t0);
	}
	dmamap_machine_stats(m, &after);
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds;
	r->goal = BENCH_GOAL_MAX;
	r->floor_name = "memcpy 64 KiB";
	r->floor_median = bench_floor_memcpy_ns(ctx, len);
	if (clean) {
		/* the goal: a clean of 64 KiB within 5 us */
		r->target = 5000;
	} else {
		/*
		 * Every line differs (the CPU wrote them all): the invalidate
		 * copies memory's 64 KiB over the CPU's copy, which is what the
		 * floor does; the goal is to stay within 2.5 times it, with no
		 * host call.
		 */
		r->target = 2.5 * r->floor_median;
	}
	snprintf(r->note, sizeof(r->note), "%s %.0f bytes per call; host calls: %llu",
		 clean ? "cleaned" : "invalidated",
		 (double)(clean ? after.clean_bytes - before.clean_bytes
				: after.invalidate_bytes - before.invalidate_bytes) / (double)rounds,
		 (unsigned long long)((after.host_madvises - before.host_madvises) +
				      (after.host_mmaps - before.host_mmaps)));
	ret = after.host_madvises != before.host_madvises ? -EIO : 0;
out:
	if (page)
		dmamap_free_pages(page, 4);
	free(s);
	dmamap_machine_destroy(m);
	return ret;
}

static int bench_clean(const struct bench_ctx *ctx, struct bench_result *r)
{
	return bench_maint(ctx, r, true);
}
BENCH_CASE(b_clean, "cache-clean-64k", "clean of 64 KiB of dirty lines, non-coherent model",
	   bench_clean)

static int bench_inval(const struct bench_ctx *ctx, struct bench_result *r)
{
	return bench_maint(ctx, r, false);
}
BENCH_CASE(b_inval, "cache-invalidate-64k",
	   "invalidate of 64 KiB of dirty private CPU copies (memory's lines copied over them)",
	   bench_inval)

static double alloc_free_ns(struct device *dev, size_t rounds, size_t batch, unsigned long attrs,
			    double *s, u64 *host_calls)
{
	struct dmamap_machine *m = dmamap_device_machine(dev);
	struct dmamap_stats b, a;
	double med, p10, p90;

	dmamap_machine_stats(m, &b);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			dma_addr_t h;
			void *p = dma_alloc_attrs(dev, SZ_64K, &h, GFP_KERNEL, attrs);

			if (!p)
				return -1;
			dma_free_attrs(dev, SZ_64K, p, h, attrs);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	dmamap_machine_stats(m, &a);
	*host_calls = (a.host_mmaps - b.host_mmaps) + (a.host_munmaps - b.host_munmaps);
	bench_summarise(s, rounds, &med, &p10, &p90);
	return med;
}

static int bench_no_kernel_mapping(const struct bench_ctx *ctx, struct bench_result *r)
{
	struct dmamap_machine *m = bench_machine(DMAMAP_CACHE_NONCOHERENT);
	struct device *dev = m ? bench_device(m, false) : NULL;
	size_t rounds = bench_iters(ctx, 101, 11), batch = 200;
	double *s = calloc(rounds, sizeof(*s));
	u64 calls_nkm, calls_map;
	double with_map;
	int ret = -ENOMEM;

	if (!dev || !s)
		goto out;
	bench_warmup(ctx);
	with_map = alloc_free_ns(dev, rounds, batch, 0, s, &calls_map);
	if (alloc_free_ns(dev, rounds, batch, DMA_ATTR_NO_KERNEL_MAPPING, s, &calls_nkm) < 0 ||
	    with_map < 0)
		goto out;
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds * batch;
	r->floor_name = "same alloc with a CPU mapping";
	r->floor_median = with_map;
	r->ratio = with_map / r->median;
	r->goal = BENCH_GOAL_MAX;
	r->target = with_map / 20;
	snprintf(r->note, sizeof(r->note),
		 "%.1fx cheaper than with a CPU mapping; host mmap+munmap calls: %llu with "
		 "NO_KERNEL_MAPPING, %llu with a mapping", with_map / r->median,
		 (unsigned long long)calls_nkm, (unsigned long long)calls_map);
	ret = calls_nkm ? -EIO : 0;
out:
	free(s);
	dmamap_machine_destroy(m);
	return ret;
}
BENCH_CASE(b_nkm, "dma-alloc-no-kernel-mapping-64k",
	   "dma_alloc_attrs+free of 64 KiB with DMA_ATTR_NO_KERNEL_MAPPING, non-coherent device "
	   "(floor: the same with a CPU mapping; ratio = how many times cheaper)",
	   bench_no_kernel_mapping)
