// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the DMA-API debugger: what it costs to leave it on. Each
 * case measures one operation on two machines built alike but for their
 * debug flags, in alternating rounds of the same run, and reports the
 * ratio of the two times round by round: the floor is the same operation
 * with debugging off (or, for the scaling case, with 1,000 mappings live).
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

/* One side of a comparison: a machine, a device, and the work of one round. */
struct side {
	struct dmamap_machine *m;
	struct device *dev;
	struct iommu_domain *domain;
	void *buf;
	struct page *pages;
	struct scatterlist sg[16];
	dma_addr_t pages_dma;		/* the 64 KiB of pages, mapped for the bus case */
	u8 *data;			/* what the device writes there */
	dma_addr_t *live;		/* mappings kept live on the device */
	struct page **live_pages;
	size_t nr_live, nr_live_blocks;
};

static const struct dmamap_bank big_bank[] = {
	{ 0x80000000ULL, 5ULL << 30 },
};

static int side_up(struct side *s, unsigned long debug, bool big, bool iommu)
{
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_COHERENT, .debug = debug };
	struct dmamap_device_config dc = { .name = "bench", .coherent = true,
					   .dma_mask = DMA_BIT_MASK(64) };

	memset(s, 0, sizeof(*s));
	if (big) {
		mc.banks = big_bank;
		mc.nr_banks = 1;
	}
	if (dmamap_machine_create(&mc, &s->m) || dmamap_device_create(s->m, &dc, &s->dev))
		return -ENOMEM;
	if (iommu) {
		struct dmamap_iommu_config ic = { .type = IOMMU_DOMAIN_DMA, .ias = 48 };

		if (dmamap_iommu_domain_create(s->m, &ic, &s->domain) ||
		    iommu_attach_device(s->domain, s->dev))
			return -ENOMEM;
	}
	s->buf = dmamap_kmalloc(s->m, 4096, GFP_KERNEL);
	s->pages = dmamap_alloc_pages(s->m, GFP_KERNEL, 4);
	if (!s->buf || !s->pages)
		return -ENOMEM;
	sg_init_table(s->sg, 16);
	for (int i = 0; i < 16; i++)
		sg_set_page(&s->sg[i], nth_page(s->pages, (unsigned long)i), PAGE_SIZE, 0);
	return 0;
}

/* @n pages mapped and left live (TO_DEVICE, each its own page). */
static int side_live(struct side *s, size_t n)
{
	size_t blocks = (n + 1023) / 1024;

	s->live = calloc(n, sizeof(*s->live));
	s->live_pages = calloc(blocks, sizeof(*s->live_pages));
	if (!s->live || !s->live_pages)
		return -ENOMEM;
	for (size_t b = 0; b < blocks; b++) {
		s->live_pages[b] = dmamap_alloc_pages(s->m, GFP_KERNEL, 10);
		if (!s->live_pages[b])
			return -ENOMEM;
		s->nr_live_blocks++;
	}
	for (size_t i = 0; i < n; i++) {
		struct page *p = nth_page(s->live_pages[i / 1024], i % 1024);

		s->live[i] = dma_map_page(s->dev, p, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(s->dev, s->live[i]))
			return -EIO;
		s->nr_live++;
	}
	return 0;
}

static void side_down(struct side *s)
{
	if (s->data) {
		dma_unmap_page(s->dev, s->pages_dma, SZ_64K, DMA_FROM_DEVICE);
		free(s->data);
	}
	for (size_t i = 0; i < s->nr_live; i++)
		dma_unmap_page(s->dev, s->live[i], PAGE_SIZE, DMA_TO_DEVICE);
	for (size_t b = 0; b < s->nr_live_blocks; b++)
		dmamap_free_pages(s->live_pages[b], 10);
	free(s->live);
	free(s->live_pages);
	if (s->buf)
		dmamap_kfree(s->m, s->buf);
	if (s->pages)
		dmamap_free_pages(s->pages, 4);
	dmamap_device_destroy(s->dev);
	if (s->domain)
		iommu_domain_free(s->domain);
	dmamap_machine_destroy(s->m);
}

/* ns per map+unmap of the 4 KiB buffer, over @batch pairs. */
static double map_single_ns(struct side *s, size_t batch)
{
	u64 t0 = bench_now_ns();

	for (size_t j = 0; j < batch; j++) {
		dma_addr_t a = dma_map_single(s->dev, s->buf, 4096, DMA_TO_DEVICE);

		if (dma_mapping_error(s->dev, a))
			return -1;
		dma_unmap_single(s->dev, a, 4096, DMA_TO_DEVICE);
	}
	return (double)(bench_now_ns() - t0) / (double)batch;
}

/* ns per dma_map_sg+dma_unmap_sg of the 16-entry list, over @batch pairs. */
static double map_sg_ns(struct side *s, size_t batch)
{
	u64 t0 = bench_now_ns();

	for (size_t j = 0; j < batch; j++) {
		int n = dma_map_sg(s->dev, s->sg, 16, DMA_TO_DEVICE);

		if (n <= 0)
			return -1;
		dma_unmap_sg(s->dev, s->sg, 16, DMA_TO_DEVICE);
	}
	return (double)(bench_now_ns() - t0) / (double)batch;
}

/*
 * Rounds alternate between @base and @test, so that both see the same
 * state of the (shared, noisy) machine; each round's ratio is a sample.
 */
static int compare(const struct bench_ctx *ctx, struct bench_result *r, struct side *base,
		   struct side *test, double (*op)(struct side *, size_t), size_t batch,
		   const char *floor_name, double target)
{
	size_t rounds = bench_iters(ctx, 301, 11);
	double *ratio = calloc(rounds, sizeof(*ratio)), *fl = calloc(rounds, sizeof(*fl));
	double *t = calloc(rounds, sizeof(*t)), tmed, p10, p90;
	int ret = -ENOMEM;

	if (!ratio || !fl || !t)
		goto out;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		fl[i] = op(base, batch);
		t[i] = op(test, batch);
		if (fl[i] <= 0 || t[i] <= 0) {
			ret = -EIO;
			goto out;
		}
		ratio[i] = t[i] / fl[i];
	}
	bench_set_samples(r, ratio, rounds, "ratio");
	r->ratio = r->median;
	r->iterations = 2 * rounds * batch;
	bench_summarise(fl, rounds, &r->floor_median, &p10, &p90);
	bench_summarise(t, rounds, &tmed, &p10, &p90);
	r->floor_name = floor_name;
	r->floor_unit = "ns";
	r->goal = BENCH_GOAL_MAX;
	r->target = target;
	snprintf(r->note, sizeof(r->note), "%.1f ns per operation against %.1f ns", tmed,
		 r->floor_median);
	ret = 0;
out:
	free(ratio);
	free(fl);
	free(t);
	return ret;
}

static int bench_api_map(const struct bench_ctx *ctx, struct bench_result *r)
{
	struct side off = { 0 }, on = { 0 };
	int ret = side_up(&off, 0, false, false);

	if (!ret)
		ret = side_up(&on, DMAMAP_DEBUG_API, false, false);
	if (!ret)
		ret = compare(ctx, r, &off, &on, map_single_ns, 2000, "same, debugging off", 3);
	side_down(&on);
	side_down(&off);
	return ret;
}
BENCH_CASE(bd_api_map, "debug-api-map-single-4k",
	   "dma_map_single+dma_unmap_single of 4 KiB with DMAMAP_DEBUG_API, coherent direct "
	   "device, over the same with debugging off", bench_api_map)

static int bench_api_live(const struct bench_ctx *ctx, struct bench_result *r)
{
	size_t many = (size_t)(1000000 * (ctx->scale < 1 ? ctx->scale : 1));
	struct side few = { 0 }, lots = { 0 };
	int ret = side_up(&few, DMAMAP_DEBUG_API, false, false);

	if (many < 1000)
		many = 1000;
	if (!ret)
		ret = side_up(&lots, DMAMAP_DEBUG_API, true, false);
	if (!ret)
		ret = side_live(&few, 1000);
	if (!ret)
		ret = side_live(&lots, many);
	if (!ret)
		ret = compare(ctx, r, &few, &lots, map_single_ns, 2000,
			      "same, 1,000 mappings live", 1.5);
	if (!ret)
		snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
			 "; %zu mappings live", many);
	side_down(&lots);
	side_down(&few);
	return ret;
}
BENCH_CASE(bd_api_live, "debug-api-map-single-1m-live",
	   "dma_map_single+dma_unmap_single of 4 KiB with DMAMAP_DEBUG_API and 1,000,000 "
	   "mappings live on the device, over the same with 1,000 live", bench_api_live)

static int bench_all_sg(const struct bench_ctx *ctx, struct bench_result *r)
{
	struct side off = { 0 }, on = { 0 };
	int ret = side_up(&off, 0, false, true);

	if (!ret)
		ret = side_up(&on, DMAMAP_DEBUG_ALL, false, true);
	if (!ret)
		ret = compare(ctx, r, &off, &on, map_sg_ns, 200, "same, debugging off", 3);
	side_down(&on);
	side_down(&off);
	return ret;
}
BENCH_CASE(bd_all_sg, "debug-all-iommu-map-sg-16",
	   "dma_map_sg+dma_unmap_sg of 16 pages through an IOMMU with DMAMAP_DEBUG_ALL, over the "
	   "same with debugging off", bench_all_sg)

/* ns per 64 KiB bus write into the mapped pages, over @batch writes. */
static double bus_write_ns(struct side *s, size_t batch)
{
	u64 t0 = bench_now_ns();

	for (size_t j = 0; j < batch; j++)
		if (dmamap_bus_write(s->dev, s->pages_dma, s->data, SZ_64K, NULL))
			return -1;
	return (double)(bench_now_ns() - t0) / (double)batch;
}

static int side_bus(struct side *s)
{
	s->data = malloc(SZ_64K);
	if (!s->data)
		return -ENOMEM;
	memset(s->data, 0x5a, SZ_64K);
	s->pages_dma = dma_map_page(s->dev, s->pages, 0, SZ_64K, DMA_FROM_DEVICE);
	if (dma_mapping_error(s->dev, s->pages_dma)) {
		free(s->data);
		s->data = NULL;
		return -EIO;
	}
	return 0;
}

static int bench_device_write(const struct bench_ctx *ctx, struct bench_result *r)
{
	struct side off = { 0 }, on = { 0 };
	int ret = side_up(&off, 0, false, false);

	if (!ret)
		ret = side_up(&on, DMAMAP_DEBUG_DEVICE, false, false);
	if (!ret)
		ret = side_bus(&off);
	if (!ret)
		ret = side_bus(&on);
	if (!ret)
		ret = compare(ctx, r, &off, &on, bus_write_ns, 50, "same, debugging off", 1.3);
	side_down(&on);
	side_down(&off);
	return ret;
}
BENCH_CASE(bd_device_write, "debug-device-bus-write-64k",
	   "a 64 KiB dmamap_bus_write() into a mapped buffer with DMAMAP_DEBUG_DEVICE, coherent "
	   "direct device, over the same with debugging off", bench_device_write)
