// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the IOMMU DMA backend (src/dma/dma-iommu.c), strict domains:
 *
 *   dma-iommu-map-single-4k   dma_map_single + dma_unmap_single of 4 KiB
 *   dma-iommu-map-sg-64k      dma_map_sg + dma_unmap_sg of 64 KiB in 16
 *                             scattered entries
 *   dma-iommu-sgtable-share   dma_get_sgtable of a 64 KiB buffer of one IOMMU
 *                             device + dma_map_sgtable on a second one, then
 *                             unmap and sg_free_table: no host syscall
 *   dma-iommu-alloc-remap-1m  dma_alloc_attrs of 1 MiB with a CPU mapping on
 *                             fragmented memory: host mmaps per contiguous run
 *                             (one each), and none with NO_KERNEL_MAPPING
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dma_iommu_setup {
	struct dmamap_machine *m;
	struct iommu_domain *domain[2];
	struct device *dev[2];
};

/* A machine with @ndev coherent devices, each in its own strict DMA domain. */
static int setup(struct dma_iommu_setup *st, unsigned int ndev,
		 const struct dmamap_machine_config *mcfg)
{
	int ret;

	memset(st, 0, sizeof(*st));
	ret = dmamap_machine_create(mcfg, &st->m);
	for (unsigned int i = 0; !ret && i < ndev; i++) {
		struct dmamap_device_config dcfg = { .coherent = true };

		ret = dmamap_iommu_domain_create(st->m, NULL, &st->domain[i]);
		if (!ret)
			ret = dmamap_device_create(st->m, &dcfg, &st->dev[i]);
		if (!ret)
			ret = iommu_attach_device(st->domain[i], st->dev[i]);
	}
	return ret;
}

static void teardown(struct dma_iommu_setup *st)
{
	for (unsigned int i = 0; i < 2; i++) {
		dmamap_device_destroy(st->dev[i]);
		iommu_domain_free(st->domain[i]);
	}
	dmamap_machine_destroy(st->m);
}

static int bench_map_single(const struct bench_ctx *ctx, struct bench_result *r)
{
	size_t rounds = bench_iters(ctx, 101, 11), batch = 10000;
	double *s = calloc(rounds, sizeof(*s));
	struct dma_iommu_setup st;
	struct dmamap_stats before, after;
	void *buf = NULL;
	int ret;

	ret = setup(&st, 1, NULL);
	if (ret)
		goto out;
	ret = -ENOMEM;
	buf = dmamap_kmalloc(st.m, 4096, GFP_KERNEL);
	if (!s || !buf)
		goto out;
	dmamap_machine_stats(st.m, &before);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			dma_addr_t a = dma_map_single(st.dev[0], buf, 4096, DMA_TO_DEVICE);

			if (dma_mapping_error(st.dev[0], a)) {
				ret = -EIO;
				goto out;
			}
			dma_unmap_single(st.dev[0], a, 4096, DMA_TO_DEVICE);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	dmamap_machine_stats(st.m, &after);
	if (after.api_errors != before.api_errors || after.iova_pages_used) {
		ret = -EIO;
		goto out;
	}
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds * batch;
	r->goal = BENCH_GOAL_MAX;
	r->target = 150;
	snprintf(r->note, sizeof(r->note),
		 "per map+unmap pair, coherent device, strict domain (IOTLB invalidated on unmap)");
	ret = 0;
out:
	if (buf)
		dmamap_kfree(st.m, buf);
	teardown(&st);
	free(s);
	return ret;
}
BENCH_CASE(bd_map_single, "dma-iommu-map-single-4k",
	   "dma_map_single+dma_unmap_single of 4 KiB, strict IOMMU DMA domain", bench_map_single)

static int bench_map_sg(const struct bench_ctx *ctx, struct bench_result *r)
{
	enum { NENTS = 16 };
	size_t rounds = bench_iters(ctx, 101, 11), batch = 2000;
	double *s = calloc(rounds, sizeof(*s));
	struct page *pages[2 * NENTS] = { NULL };
	struct dma_iommu_setup st;
	struct sg_table sgt = { 0 };
	struct dmamap_stats before, after;
	int ret, segs = 0;

	ret = setup(&st, 1, NULL);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (!s || sg_alloc_table(&sgt, NENTS, GFP_KERNEL))
		goto out;
	for (unsigned int i = 0; i < 2 * NENTS; i++)
		if (!(pages[i] = dmamap_alloc_pages(st.m, GFP_KERNEL, 0)))
			goto out;
	/* every other frame: 16 entries, no two adjacent in memory */
	for (unsigned int i = 0; i < NENTS; i++)
		sg_set_page(&sgt.sgl[i], pages[2 * i], PAGE_SIZE, 0);
	dmamap_machine_stats(st.m, &before);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			segs = dma_map_sg(st.dev[0], sgt.sgl, NENTS, DMA_TO_DEVICE);
			if (segs <= 0) {
				ret = -EIO;
				goto out;
			}
			dma_unmap_sg(st.dev[0], sgt.sgl, NENTS, DMA_TO_DEVICE);
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	dmamap_machine_stats(st.m, &after);
	if (after.api_errors != before.api_errors || after.iova_pages_used) {
		ret = -EIO;
		goto out;
	}
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds * batch;
	r->goal = BENCH_GOAL_MAX;
	r->target = 400;
	snprintf(r->note, sizeof(r->note),
		 "per map+unmap pair: %d entries in %d DMA segment(s), %.1f ns per entry", NENTS,
		 segs, r->median / NENTS);
	ret = 0;
out:
	for (unsigned int i = 0; i < 2 * NENTS; i++)
		if (pages[i])
			dmamap_free_pages(pages[i], 0);
	sg_free_table(&sgt);
	teardown(&st);
	free(s);
	return ret;
}
BENCH_CASE(bd_map_sg, "dma-iommu-map-sg-64k",
	   "dma_map_sg+dma_unmap_sg of 64 KiB in 16 scattered entries, strict IOMMU DMA domain",
	   bench_map_sg)

/* Physically contiguous runs in a table's pages, across entries. */
static unsigned int count_runs(struct sg_table *sgt)
{
	struct scatterlist *sg;
	phys_addr_t next = 0;
	unsigned int runs = 0, i;

	for_each_sgtable_sg(sgt, sg, i) {
		phys_addr_t p = page_to_phys(sg_page(sg)) + sg->offset;

		if (p != next)
			runs++;
		next = p + sg->length;
	}
	return runs;
}

static int bench_sgtable_share(const struct bench_ctx *ctx, struct bench_result *r)
{
	const size_t size = SZ_64K;
	const unsigned long attrs = DMA_ATTR_NO_KERNEL_MAPPING;
	size_t rounds = bench_iters(ctx, 101, 11), batch = 2000, nkept = 0;
	double *s = calloc(rounds, sizeof(*s));
	struct dma_iommu_setup st;
	struct dmamap_stats before, after;
	struct page **kept = NULL;
	struct sg_table sgt;
	unsigned int nents = 0, runs = 0;
	dma_addr_t handle;
	void *cookie = NULL;
	u64 calls;
	int ret;

	ret = setup(&st, 2, NULL);
	if (ret)
		goto out;
	ret = -ENOMEM;
	/* the buffer is 16 single frames */
	kept = bench_fragment(st.m, 2, &nkept);
	if (!s || !kept)
		goto out;
	cookie = dma_alloc_attrs(st.dev[0], size, &handle, GFP_KERNEL, attrs);
	if (!cookie)
		goto out;
	if (dma_get_sgtable_attrs(st.dev[0], &sgt, cookie, handle, size, attrs))
		goto out;
	nents = sgt.orig_nents;
	runs = count_runs(&sgt);
	sg_free_table(&sgt);
	dmamap_machine_stats(st.m, &before);
	calls = bench_host_calls(st.m);
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		u64 t0 = bench_now_ns();

		for (size_t j = 0; j < batch; j++) {
			ret = dma_get_sgtable_attrs(st.dev[0], &sgt, cookie, handle, size, attrs);
			if (!ret) {
				ret = dma_map_sgtable(st.dev[1], &sgt, DMA_BIDIRECTIONAL, 0);
				if (!ret)
					dma_unmap_sgtable(st.dev[1], &sgt, DMA_BIDIRECTIONAL, 0);
				sg_free_table(&sgt);
			}
			if (ret) {
				ret = -EIO;
				goto out;
			}
		}
		s[i] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	calls = bench_host_calls(st.m) - calls;
	dmamap_machine_stats(st.m, &after);
	if (after.api_errors != before.api_errors) {
		ret = -EIO;
		goto out;
	}
	bench_set_samples(r, s, rounds, "ns");
	r->iterations = rounds * batch;
	r->goal = BENCH_GOAL_MAX;
	r->target = 600;
	snprintf(r->note, sizeof(r->note),
		 "%u entries (%u contiguous runs); host syscalls in %llu rounds: %llu", nents, runs,
		 (unsigned long long)(rounds * batch), (unsigned long long)calls);
	ret = calls ? -EIO : 0;
out:
	if (cookie)
		dma_free_attrs(st.dev[0], size, cookie, handle, attrs);
	bench_unfragment(kept, nkept);
	teardown(&st);
	free(s);
	return ret;
}
BENCH_CASE(bd_sgtable_share, "dma-iommu-sgtable-share-64k",
	   "dma_get_sgtable of a 64 KiB buffer (16 frames) + dma_map_sgtable on a second IOMMU "
	   "device + unmap + sg_free_table; no host syscall", bench_sgtable_share)

/*
 * A 1 MiB coherent allocation on fragmented memory: the CPU mapping takes one
 * host mmap per physically contiguous run of its pages; with
 * DMA_ATTR_NO_KERNEL_MAPPING it takes none.
 */
static int bench_alloc_remap(const struct bench_ctx *ctx, struct bench_result *r)
{
	const size_t size = SZ_1M;
	size_t rounds = bench_iters(ctx, 51, 11), nkept = 0;
	double *s = calloc(rounds, sizeof(*s));
	struct dma_iommu_setup st;
	struct dmamap_stats a, b;
	struct page **kept = NULL;
	double alloc_ns = 0;
	u64 mmaps = 0, runs_all = 0, nkm_calls = 0;
	int ret;

	ret = setup(&st, 1, NULL);
	if (ret)
		goto out;
	ret = -ENOMEM;
	/* free memory in runs of three frames */
	kept = bench_fragment(st.m, 4, &nkept);
	if (!s || !kept)
		goto out;
	bench_warmup(ctx);
	for (size_t i = 0; i < rounds; i++) {
		struct sg_table sgt;
		dma_addr_t h;
		void *p;
		unsigned int runs;
		u64 t0;

		dmamap_machine_stats(st.m, &b);
		t0 = bench_now_ns();
		p = dma_alloc_attrs(st.dev[0], size, &h, GFP_KERNEL, 0);
		alloc_ns += (double)(bench_now_ns() - t0);
		dmamap_machine_stats(st.m, &a);
		if (!p)
			goto out;
		if (dma_get_sgtable(st.dev[0], &sgt, p, h, size)) {
			dma_free_attrs(st.dev[0], size, p, h, 0);
			goto out;
		}
		runs = count_runs(&sgt);
		sg_free_table(&sgt);
		dma_free_attrs(st.dev[0], size, p, h, 0);
		s[i] = (double)(a.host_mmaps - b.host_mmaps) / runs;
		mmaps += a.host_mmaps - b.host_mmaps;
		runs_all += runs;

		/* the same without a CPU mapping */
		dmamap_machine_stats(st.m, &b);
		p = dma_alloc_attrs(st.dev[0], size, &h, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
		if (!p)
			goto out;
		dma_free_attrs(st.dev[0], size, p, h, DMA_ATTR_NO_KERNEL_MAPPING);
		dmamap_machine_stats(st.m, &a);
		nkm_calls += (a.host_mmaps - b.host_mmaps) + (a.host_munmaps - b.host_munmaps) +
			     (a.host_madvises - b.host_madvises);
	}
	bench_set_samples(r, s, rounds, "ratio");
	r->iterations = rounds;
	r->goal = BENCH_GOAL_MAX;
	r->target = 1.0;
	snprintf(r->note, sizeof(r->note),
		 "host mmaps / contiguous runs; per alloc: %.1f runs, %.1f mmaps, %.1f us; with "
		 "NO_KERNEL_MAPPING: %llu host calls in %zu alloc+free", (double)runs_all / rounds,
		 (double)mmaps / rounds, alloc_ns / rounds / 1000.0, (unsigned long long)nkm_calls,
		 rounds);
	/* fewer mmaps than runs cannot be; none without a mapping is the rule */
	ret = nkm_calls || mmaps < runs_all ? -EIO : 0;
out:
	bench_unfragment(kept, nkept);
	teardown(&st);
	free(s);
	return ret;
}
BENCH_CASE(bd_alloc_remap, "dma-iommu-alloc-remap-1m",
	   "dma_alloc_attrs of 1 MiB with a CPU mapping on fragmented memory: host mmaps per "
	   "contiguous run (and none with DMA_ATTR_NO_KERNEL_MAPPING)", bench_alloc_remap)
