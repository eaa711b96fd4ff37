// SPDX-License-Identifier: MIT
/*
 * Benchmarks of dma-buf sharing with the ready-made exporter
 * (dmamap_dma_buf_alloc), 1 MiB buffers of 256 scattered frames:
 *
 *   dma-buf-attach-map-iommu-1m   dma_buf_attach + dma_buf_map_attachment +
 *                                 unmap + detach for an importer behind its
 *                                 own IOMMU (target <= 5 us), no host syscall
 *   dma-buf-attach-map-direct-1m  the same for a direct importer (<= 3 us)
 *   dma-buf-frame-round-trip-1m   a frame through three devices: A writes it
 *                                 into buffer X, B reads X and writes buffer
 *                                 Y (through its own IOMMU), C (direct) reads
 *                                 Y back; as % of the bandwidth of three
 *                                 memcpys of 1 MiB measured in the same run
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BUF_SIZE	SZ_1M

struct buf_setup {
	struct dmamap_machine *m;
	struct iommu_domain *domain[3];
	struct device *dev[4];
	struct page **kept;
	size_t nkept;
};

/*
 * Devices 0 (the exporter), 1 and 2 each sit behind their own strict IOMMU
 * DMA domain; device 3 is direct. All coherent.
 */
static int setup(struct buf_setup *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	ret = dmamap_machine_create(NULL, &st->m);
	for (unsigned int i = 0; !ret && i < 4; i++) {
		struct dmamap_device_config dcfg = { .coherent = true };

		ret = dmamap_device_create(st->m, &dcfg, &st->dev[i]);
		if (!ret && i < 3) {
			ret = dmamap_iommu_domain_create(st->m, NULL, &st->domain[i]);
			if (!ret)
				ret = iommu_attach_device(st->domain[i], st->dev[i]);
		}
	}
	if (ret)
		return ret;
	/* so that the buffers are single frames, none adjacent to another */
	st->kept = bench_fragment(st->m, 2, &st->nkept);
	return st->kept ? 0 : -ENOMEM;
}

static void teardown(struct buf_setup *st)
{
	bench_unfragment(st->kept, st->nkept);
	for (unsigned int i = 0; i < 4; i++)
		dmamap_device_destroy(st->dev[i]);
	for (unsigned int i = 0; i < 3; i++)
		iommu_domain_free(st->domain[i]);
	dmamap_machine_destroy(st->m);
}

static int attach_map(const struct bench_ctx *ctx, struct bench_result *r, bool iommu)
{
	size_t rounds = bench_iters(ctx, 101, 11), batch = 100;
	double *s = calloc(rounds, sizeof(*s));
	struct device *importer;
	struct dma_buf *buf = NULL;
	struct dmamap_stats before, after;
	struct buf_setup st;
	unsigned int nents = 0, segs = 0;
	u64 calls;
	int ret;

	ret = setup(&st);
	if (ret)
		goto out;
	importer = iommu ? st.dev[2] : st.dev[3];
	buf = dmamap_dma_buf_alloc(st.dev[0], BUF_SIZE, 0);
	if (IS_ERR(buf)) {
		ret = (int)PTR_ERR(buf);
		buf = NULL;
		goto out;
	}
	ret = -ENOMEM;
	if (!s)
		goto out;
	dmamap_machine_stats(st.m, &before);
	calls = bench_host_calls(st.m);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			struct dma_buf_attachment *at = dma_buf_attach(buf, importer);
			struct sg_table *sgt;

			if (IS_ERR(at)) {
				ret = (int)PTR_ERR(at);
				goto out;
			}
			sgt = dma_buf_map_attachment_unlocked(at, DMA_BIDIRECTIONAL);
			if (IS_ERR_OR_NULL(sgt)) {
				dma_buf_detach(buf, at);
				ret = -EIO;
				goto out;
			}
			nents = sgt->orig_nents;
			segs = sgt->nents;
			dma_buf_unmap_attachment_unlocked(at, sgt, DMA_BIDIRECTIONAL);
			dma_buf_detach(buf, at);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch / 1000.0;
	}
	calls = bench_host_calls(st.m) - calls;
	dmamap_machine_stats(st.m, &after);
	if (after.api_errors != before.api_errors) {
		ret = -EIO;
		goto out;
	}
	bench_set_samples(r, s, rounds, "us");
	r->iterations = rounds * batch;
	r->goal = BENCH_GOAL_MAX;
	r->target = iommu ? 5 : 3;
	snprintf(r->note, sizeof(r->note),
		 "%u entries (scattered frames) in %u DMA segments; host syscalls in %zu rounds: "
		 "%llu", nents, segs, rounds * batch, (unsigned long long)calls);
	ret = calls ? -EIO : 0;
out:
	if (buf)
		dma_buf_put(buf);
	teardown(&st);
	free(s);
	return ret;
}

static int bench_attach_iommu(const struct bench_ctx *ctx, struct bench_result *r)
{
	return attach_map(ctx, r, true);
}
BENCH_CASE(bb_attach_iommu, "dma-buf-attach-map-iommu-1m",
	   "dma_buf_attach+map_attachment+unmap+detach of 1 MiB (256 scattered frames), importer "
	   "behind an IOMMU; no host syscall", bench_attach_iommu)

static int bench_attach_direct(const struct bench_ctx *ctx, struct bench_result *r)
{
	return attach_map(ctx, r, false);
}
BENCH_CASE(bb_attach_direct, "dma-buf-attach-map-direct-1m",
	   "dma_buf_attach+map_attachment+unmap+detach of 1 MiB (256 scattered frames), direct "
	   "importer; no host syscall", bench_attach_direct)

/* --- a frame through three devices ------------------------------------------- */

struct mapped {
	struct dma_buf_attachment *at;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static int map_for(struct dma_buf *buf, struct device *dev, enum dma_data_direction dir,
		   struct mapped *mp)
{
	mp->dir = dir;
	mp->sgt = NULL;
	mp->at = dma_buf_attach(buf, dev);
	if (IS_ERR(mp->at)) {
		mp->at = NULL;
		return -EIO;
	}
	mp->sgt = dma_buf_map_attachment_unlocked(mp->at, dir);
	if (IS_ERR_OR_NULL(mp->sgt)) {
		mp->sgt = NULL;
		return -EIO;
	}
	return 0;
}

static void unmap_for(struct dma_buf *buf, struct mapped *mp)
{
	if (mp->sgt)
		dma_buf_unmap_attachment_unlocked(mp->at, mp->sgt, mp->dir);
	if (mp->at)
		dma_buf_detach(buf, mp->at);
}

/* The one DMA address of a table mapped contiguously (as an IOMMU maps it), or 0. */
static dma_addr_t contiguous_dma(struct sg_table *sgt)
{
	struct scatterlist *sg;
	dma_addr_t start = sg_dma_address(sgt->sgl), next = start;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (sg_dma_address(sg) != next)
			return 0;
		next += sg_dma_len(sg);
	}
	return next - start == BUF_SIZE ? start : 0;
}

static int bench_round_trip(const struct bench_ctx *ctx, struct bench_result *r)
{
	size_t rounds = bench_iters(ctx, 101, 11), reps = 4;
	double *s = calloc(rounds, sizeof(*s)), floor, med;
	u8 *src = malloc(BUF_SIZE), *dst = malloc(BUF_SIZE);
	struct dma_buf *x = NULL, *y = NULL;
	struct mapped ax = { 0 }, bx = { 0 }, by = { 0 }, cy = { 0 };
	struct dmamap_stats before, after;
	dma_addr_t a_x, b_x, b_y;
	struct buf_setup st;
	int ret;

	ret = setup(&st);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (!s || !src || !dst)
		goto out;
	x = dmamap_dma_buf_alloc(st.dev[0], BUF_SIZE, 0);
	y = IS_ERR(x) ? x : dmamap_dma_buf_alloc(st.dev[0], BUF_SIZE, 0);
	if (IS_ERR(x) || IS_ERR(y)) {
		if (!IS_ERR(x))
			dma_buf_put(x);
		x = y = NULL;
		goto out;
	}
	/* A (dev 1) writes X; B (dev 2) reads X, writes Y; C (dev 3, direct) reads Y */
	ret = map_for(x, st.dev[1], DMA_FROM_DEVICE, &ax);
	ret = ret ? ret : map_for(x, st.dev[2], DMA_TO_DEVICE, &bx);
	ret = ret ? ret : map_for(y, st.dev[2], DMA_FROM_DEVICE, &by);
	ret = ret ? ret : map_for(y, st.dev[3], DMA_TO_DEVICE, &cy);
	if (ret)
		goto out;
	a_x = contiguous_dma(ax.sgt);
	b_x = contiguous_dma(bx.sgt);
	b_y = contiguous_dma(by.sgt);
	if (!a_x || !b_x || !b_y) {
		ret = -EIO;
		goto out;
	}
	for (size_t i = 0; i < BUF_SIZE; i++)
		src[i] = (u8)(i * 7 + (i >> 12));
	dmamap_machine_stats(st.m, &before);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < reps; j++) {
			ret |= dmamap_bus_write(st.dev[1], a_x, src, BUF_SIZE, NULL);
			ret |= dmamap_bus_copy(st.dev[2], b_y, b_x, BUF_SIZE, NULL);
			ret |= dmamap_bus_read_sgtable(st.dev[3], cy.sgt, dst, BUF_SIZE, NULL);
			bench_keep(dst);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)reps;
	}
	dmamap_machine_stats(st.m, &after);
	if (ret || memcmp(src, dst, BUF_SIZE) || after.iommu_faults != before.iommu_faults) {
		ret = -EIO;
		goto out;
	}
	/* the CPU would move the frame with three copies of 1 MiB */
	floor = 3 * bench_floor_memcpy_ns(ctx, BUF_SIZE);
	bench_set_bandwidth(r, s, rounds, floor, "3 x memcpy 1 MiB");
	med = floor * 100.0 / r->median;
	r->iterations = rounds * reps;
	r->target = 70;
	snprintf(r->note, sizeof(r->note),
		 "%% of memcpy bandwidth; frame %.0f us, 3 memcpys %.0f us; per frame %.0f IOTLB "
		 "hits + %.0f misses; %u + %u DMA segments", med / 1000.0, floor / 1000.0,
		 (double)(after.iotlb_hits - before.iotlb_hits) / (double)(rounds * reps),
		 (double)(after.iotlb_misses - before.iotlb_misses) / (double)(rounds * reps),
		 ax.sgt->nents, cy.sgt->nents);
	ret = 0;
out:
	if (x) {
		unmap_for(x, &ax);
		unmap_for(x, &bx);
		dma_buf_put(x);
	}
	if (y) {
		unmap_for(y, &by);
		unmap_for(y, &cy);
		dma_buf_put(y);
	}
	teardown(&st);
	free(src);
	free(dst);
	free(s);
	return ret;
}
BENCH_CASE(bb_round_trip, "dma-buf-frame-round-trip-1m",
	   "a 1 MiB frame through three devices (bus write by A, bus copy by B between two "
	   "dma-bufs through its IOMMU, bus read by direct C), % of the bandwidth of 3 memcpys "
	   "of 1 MiB",
	   bench_round_trip)
