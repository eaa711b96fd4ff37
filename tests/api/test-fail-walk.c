// SPDX-License-Identifier: MIT
/*
 * Every allocation failure, in turn, through every path of the API.
 *
 * A workload written as a careful driver would be (devices, domains, every
 * kind of coherent allocation, dma_alloc_pages() and dma_alloc_noncoherent()
 * direct and through an IOMMU, mmap, get_sgtable into other devices, single
 * and scatter-gather mappings bounced or through IOMMUs, the non-contiguous
 * API, dma-buf with CPU access, vmap and mmap, dma pools, device-managed
 * memory, iommu_map, bus accesses checked byte for byte) runs with fault
 * injection (<dmamap/fault-inject.h>) failing its 1st call at any site,
 * then its 2nd, and so on, until it completes with none failed. Each call
 * of the workload that fails must fail the documented way and change
 * nothing (the machine's counts are what they were before the call); the
 * workload then undoes what it made, and after it the machine holds
 * nothing (pages, VA window, host mappings, cookies, IOVA, slots, pool,
 * kmalloc, cache snapshots) and runs the whole workload again, uninjected,
 * without a fault. Machine creation gets the same treatment.
 */
#include "test-util.h"

#include <dmamap/dma-buf.h>
#include <dmamap/dmapool.h>

#include "iommu/iommu.h"
#include "mm/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct dmamap_bank banks[] = {
	{ 0x80000000ULL, SZ_64M },	/* below 4 GiB: swiotlb, pool, 32-bit buffers */
	{ 0x100000000ULL, SZ_64M },	/* above: what a 32-bit device must bounce */
};

struct walk {
	struct dmamap_machine *m;
	struct device *nc, *co, *d32, *io, *iol, *um, *mg;
	struct iommu_domain *d, *dl, *du;
	u8 *kbuf;
	struct page *pages;			/* order 4, above 4 GiB: 0-3 kio, 4-7 sg,
						 * 8-11 sg32, 12-15 iommu_map */
	void *c_nc, *c_co, *c_io, *c_nkm, *c_wc, *c_fc, *c_sp, *c_at, *c_cnkm, *c_mg;
	dma_addr_t h_nc, h_co, h_io, h_nkm, h_wc, h_fc, h_sp, h_at, h_cnkm, h_mg;
	struct page *pg_nc, *pg_io;		/* dma_alloc_pages() */
	void *ncb_io;				/* dma_alloc_noncoherent() */
	dma_addr_t h_pg_nc, h_pg_io, h_ncb_io;
	struct vm_area_struct *vma_a, *vma_b, *vma_c, *vma_d, *vma_e;
	struct sg_table sgt_io, sgt_io2;
	dma_addr_t k32, kio;
	struct scatterlist sg[4], sg32[2];
	unsigned int sg_segs;
	struct sg_table *nct_io, *nct_co;
	void *nvm;
	struct dma_buf *buf;
	struct dma_buf_attachment *at_nc, *at_iol;
	struct sg_table *bt_nc, *bt_iol;
	struct iosys_map map;
	struct dma_pool *pool;
	void *pv;
	dma_addr_t ph;
	bool iommu_mapped;
};

/* --- the workload: one call of the API that may fail per step ------------- */

struct step {
	const char *name;
	int (*run)(struct walk *w);		/* 0, or the call failed (as documented) */
	void (*undo)(struct walk *w);		/* NULL: nothing to undo */
};

#define FAILED	1

/* A failed coherent allocation gives NULL and an unusable handle. */
static int alloc_result(void *p, dma_addr_t h)
{
	if (p)
		return 0;
	assert_int_equal(h, DMA_MAPPING_ERROR);
	return FAILED;
}

static int create_dev(struct dmamap_machine *m, const struct dmamap_device_config *c,
		      struct device **out)
{
	int ret = dmamap_device_create(m, c, out);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		assert_null(*out);
		return FAILED;
	}
	return 0;
}

static int run_nc(struct walk *w)
{
	return create_dev(w->m, &(struct dmamap_device_config){ .name = "nc",
				.dma_mask = DMA_BIT_MASK(64) }, &w->nc);
}

static int run_co(struct walk *w)
{
	return create_dev(w->m, &(struct dmamap_device_config){ .name = "co",
				.dma_mask = DMA_BIT_MASK(64), .coherent = true }, &w->co);
}

static int run_d32(struct walk *w)
{
	return create_dev(w->m, &(struct dmamap_device_config){ .name = "d32" }, &w->d32);
}

static int run_io(struct walk *w)
{
	return create_dev(w->m, &(struct dmamap_device_config){ .name = "io" }, &w->io);
}

static int run_iol(struct walk *w)
{
	return create_dev(w->m, &(struct dmamap_device_config){ .name = "iol" }, &w->iol);
}

static int run_um(struct walk *w)
{
	return create_dev(w->m, &(struct dmamap_device_config){ .name = "um" }, &w->um);
}

static int run_mg(struct walk *w)
{
	return create_dev(w->m, &(struct dmamap_device_config){ .name = "managed" }, &w->mg);
}

static void undo_nc(struct walk *w) { dmamap_device_destroy(w->nc); }
static void undo_co(struct walk *w) { dmamap_device_destroy(w->co); }
static void undo_d32(struct walk *w) { dmamap_device_destroy(w->d32); }
static void undo_io(struct walk *w) { dmamap_device_destroy(w->io); }
static void undo_iol(struct walk *w) { dmamap_device_destroy(w->iol); }
static void undo_um(struct walk *w) { dmamap_device_destroy(w->um); }
static void undo_mg(struct walk *w) { dmamap_device_destroy(w->mg); }

static int create_domain(struct dmamap_machine *m, unsigned int type, enum dmamap_iommu_flush fl,
			 struct iommu_domain **out)
{
	struct dmamap_iommu_config c = { .type = type, .flush = fl };
	int ret = dmamap_iommu_domain_create(m, &c, out);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		assert_null(*out);
		return FAILED;
	}
	return 0;
}

static int run_d(struct walk *w)
{
	return create_domain(w->m, IOMMU_DOMAIN_DMA, DMAMAP_IOMMU_STRICT, &w->d);
}

static int run_dl(struct walk *w)
{
	return create_domain(w->m, IOMMU_DOMAIN_DMA, DMAMAP_IOMMU_LAZY, &w->dl);
}

static int run_du(struct walk *w)
{
	return create_domain(w->m, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT, &w->du);
}

static void undo_d(struct walk *w) { iommu_domain_free(w->d); }
static void undo_dl(struct walk *w) { iommu_domain_free(w->dl); }
static void undo_du(struct walk *w) { iommu_domain_free(w->du); }

static int attach(struct iommu_domain *d, struct device *dev)
{
	int ret = iommu_attach_device(d, dev);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		assert_null(iommu_get_domain_for_dev(dev));
		return FAILED;
	}
	return 0;
}

static int run_attach_io(struct walk *w) { return attach(w->d, w->io); }
static int run_attach_iol(struct walk *w) { return attach(w->dl, w->iol); }
static int run_attach_um(struct walk *w) { return attach(w->du, w->um); }
static void undo_attach_io(struct walk *w) { iommu_detach_device(w->d, w->io); }
static void undo_attach_iol(struct walk *w) { iommu_detach_device(w->dl, w->iol); }
static void undo_attach_um(struct walk *w) { iommu_detach_device(w->du, w->um); }

static int run_kbuf(struct walk *w)
{
	w->kbuf = dmamap_kmalloc(w->m, 3000, GFP_KERNEL);
	if (!w->kbuf)
		return FAILED;
	test_fill_pattern(w->kbuf, 3000, 1);
	return 0;
}

static void undo_kbuf(struct walk *w) { dmamap_kfree(w->m, w->kbuf); }

static int run_pages(struct walk *w)
{
	w->pages = dmamap_alloc_pages(w->m, GFP_KERNEL | __GFP_ZERO, 4);
	return w->pages ? 0 : FAILED;
}

static void undo_pages(struct walk *w) { dmamap_free_pages(w->pages, 4); }

/* coherent allocations: every backend and attribute */
static int run_c_nc(struct walk *w)
{
	w->c_nc = dma_alloc_coherent(w->nc, 3 * PAGE_SIZE, &w->h_nc, GFP_KERNEL | __GFP_NOWARN);
	return alloc_result(w->c_nc, w->h_nc);
}

static int run_c_co(struct walk *w)
{
	w->c_co = dma_alloc_coherent(w->co, 5000, &w->h_co, GFP_KERNEL | __GFP_NOWARN);
	return alloc_result(w->c_co, w->h_co);
}

static int run_c_io(struct walk *w)
{
	w->c_io = dma_alloc_coherent(w->io, SZ_64K, &w->h_io, GFP_KERNEL | __GFP_NOWARN);
	return alloc_result(w->c_io, w->h_io);
}

static int run_c_nkm(struct walk *w)
{
	w->c_nkm = dma_alloc_attrs(w->io, SZ_32K, &w->h_nkm, GFP_KERNEL,
				   DMA_ATTR_NO_KERNEL_MAPPING | DMA_ATTR_NO_WARN);
	return alloc_result(w->c_nkm, w->h_nkm);
}

static int run_c_wc(struct walk *w)
{
	w->c_wc = dma_alloc_wc(w->nc, SZ_8K, &w->h_wc, GFP_KERNEL | __GFP_NOWARN);
	return alloc_result(w->c_wc, w->h_wc);
}

static int run_c_fc(struct walk *w)
{
	w->c_fc = dma_alloc_attrs(w->io, SZ_16K, &w->h_fc, GFP_KERNEL,
				  DMA_ATTR_FORCE_CONTIGUOUS | DMA_ATTR_NO_WARN);
	return alloc_result(w->c_fc, w->h_fc);
}

static int run_c_sp(struct walk *w)
{
	w->c_sp = dma_alloc_attrs(w->iol, 3 * PAGE_SIZE, &w->h_sp, GFP_KERNEL,
				  DMA_ATTR_ALLOC_SINGLE_PAGES | DMA_ATTR_NO_WARN);
	return alloc_result(w->c_sp, w->h_sp);
}

static int run_c_at(struct walk *w)
{
	w->c_at = dma_alloc_coherent(w->nc, PAGE_SIZE, &w->h_at, GFP_ATOMIC | __GFP_NOWARN);
	return alloc_result(w->c_at, w->h_at);
}

static int run_c_cnkm(struct walk *w)
{
	w->c_cnkm = dma_alloc_attrs(w->co, SZ_8K, &w->h_cnkm, GFP_KERNEL,
				    DMA_ATTR_NO_KERNEL_MAPPING | DMA_ATTR_NO_WARN);
	return alloc_result(w->c_cnkm, w->h_cnkm);
}

static int run_c_mg(struct walk *w)
{
	/* the kernel's: a failure before the allocation leaves the handle as it was */
	w->c_mg = dmam_alloc_coherent(w->mg, SZ_8K, &w->h_mg, GFP_KERNEL | __GFP_NOWARN);
	return w->c_mg ? 0 : FAILED;
}

static void undo_c_nc(struct walk *w) { dma_free_coherent(w->nc, 3 * PAGE_SIZE, w->c_nc, w->h_nc); }
static void undo_c_co(struct walk *w) { dma_free_coherent(w->co, 5000, w->c_co, w->h_co); }
static void undo_c_io(struct walk *w) { dma_free_coherent(w->io, SZ_64K, w->c_io, w->h_io); }
static void undo_c_wc(struct walk *w) { dma_free_wc(w->nc, SZ_8K, w->c_wc, w->h_wc); }
static void undo_c_at(struct walk *w) { dma_free_coherent(w->nc, PAGE_SIZE, w->c_at, w->h_at); }

static void undo_c_nkm(struct walk *w)
{
	dma_free_attrs(w->io, SZ_32K, w->c_nkm, w->h_nkm, DMA_ATTR_NO_KERNEL_MAPPING |
		       DMA_ATTR_NO_WARN);
}

static void undo_c_fc(struct walk *w)
{
	dma_free_attrs(w->io, SZ_16K, w->c_fc, w->h_fc, DMA_ATTR_FORCE_CONTIGUOUS | DMA_ATTR_NO_WARN);
}

static void undo_c_sp(struct walk *w)
{
	dma_free_attrs(w->iol, 3 * PAGE_SIZE, w->c_sp, w->h_sp,
		       DMA_ATTR_ALLOC_SINGLE_PAGES | DMA_ATTR_NO_WARN);
}

static void undo_c_cnkm(struct walk *w)
{
	dma_free_attrs(w->co, SZ_8K, w->c_cnkm, w->h_cnkm, DMA_ATTR_NO_KERNEL_MAPPING |
		       DMA_ATTR_NO_WARN);
}

static void undo_c_mg(struct walk *w) { dmam_free_coherent(w->mg, SZ_8K, w->c_mg, w->h_mg); }

/* pages the driver syncs itself: direct, and through an IOMMU */
static int run_pg_nc(struct walk *w)
{
	w->pg_nc = dma_alloc_pages(w->nc, SZ_8K, &w->h_pg_nc, DMA_BIDIRECTIONAL, GFP_KERNEL);
	return alloc_result(w->pg_nc, w->h_pg_nc);
}

static int run_pg_io(struct walk *w)
{
	w->pg_io = dma_alloc_pages(w->io, SZ_8K, &w->h_pg_io, DMA_TO_DEVICE, GFP_KERNEL);
	return alloc_result(w->pg_io, w->h_pg_io);
}

static int run_ncb_io(struct walk *w)
{
	w->ncb_io = dma_alloc_noncoherent(w->io, SZ_16K, &w->h_ncb_io, DMA_FROM_DEVICE,
					  GFP_KERNEL);
	return alloc_result(w->ncb_io, w->h_ncb_io);
}

static void undo_pg_nc(struct walk *w)
{
	dma_free_pages(w->nc, SZ_8K, w->pg_nc, w->h_pg_nc, DMA_BIDIRECTIONAL);
}

static void undo_pg_io(struct walk *w)
{
	dma_free_pages(w->io, SZ_8K, w->pg_io, w->h_pg_io, DMA_TO_DEVICE);
}

static void undo_ncb_io(struct walk *w)
{
	dma_free_noncoherent(w->io, SZ_16K, w->ncb_io, w->h_ncb_io, DMA_FROM_DEVICE);
}

/* The CPU writes through its address, the device reads the same bytes. */
static int run_touch(struct walk *w)
{
	test_fill_pattern(w->c_nc, 3 * PAGE_SIZE, 2);
	assert_true(test_device_sees(w->nc, w->h_nc, 3 * PAGE_SIZE, 2));
	test_fill_pattern(w->c_io, SZ_64K, 3);
	assert_true(test_device_sees(w->io, w->h_io, SZ_64K, 3));
	test_fill_pattern(w->c_co, 5000, 4);
	assert_true(test_device_sees(w->co, w->h_co, 5000, 4));
	test_device_writes(w->iol, w->h_sp, 3 * PAGE_SIZE, 5);
	assert_int_equal(test_check_pattern(w->c_sp, 3 * PAGE_SIZE, 5), -1);
	return 0;
}

/* user mappings */
static int vma(struct walk *w, size_t size, struct vm_area_struct **out)
{
	int ret = dmamap_vma_create(w->m, size, 0, out);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		assert_null(*out);
		return FAILED;
	}
	return 0;
}

static int mmap_result(int ret)
{
	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		return FAILED;
	}
	return 0;
}

static int run_vma_a(struct walk *w) { return vma(w, 3 * PAGE_SIZE, &w->vma_a); }
static int run_vma_b(struct walk *w) { return vma(w, SZ_32K, &w->vma_b); }
static int run_vma_c(struct walk *w) { return vma(w, 2 * PAGE_SIZE, &w->vma_c); }
static int run_vma_d(struct walk *w) { return vma(w, 5 * PAGE_SIZE, &w->vma_d); }
static int run_vma_e(struct walk *w) { return vma(w, 3 * PAGE_SIZE, &w->vma_e); }
static void undo_vma_a(struct walk *w) { dmamap_vma_destroy(w->vma_a); }
static void undo_vma_b(struct walk *w) { dmamap_vma_destroy(w->vma_b); }
static void undo_vma_c(struct walk *w) { dmamap_vma_destroy(w->vma_c); }
static void undo_vma_d(struct walk *w) { dmamap_vma_destroy(w->vma_d); }
static void undo_vma_e(struct walk *w) { dmamap_vma_destroy(w->vma_e); }

static int run_mmap_a(struct walk *w)
{
	if (mmap_result(dma_mmap_coherent(w->nc, w->vma_a, w->c_nc, w->h_nc, 3 * PAGE_SIZE)))
		return FAILED;
	assert_int_equal(test_check_pattern((u8 *)w->vma_a->vm_start, 3 * PAGE_SIZE, 2), -1);
	return 0;
}

static int run_mmap_b(struct walk *w)
{
	if (mmap_result(dma_mmap_attrs(w->io, w->vma_b, w->c_nkm, w->h_nkm, SZ_32K,
				       DMA_ATTR_NO_KERNEL_MAPPING | DMA_ATTR_NO_WARN)))
		return FAILED;
	test_fill_pattern((u8 *)w->vma_b->vm_start, SZ_32K, 6);
	assert_true(test_device_sees(w->io, w->h_nkm, SZ_32K, 6));
	return 0;
}

static int run_mmap_c(struct walk *w)
{
	if (mmap_result(dma_mmap_coherent(w->co, w->vma_c, w->c_co, w->h_co, 5000)))
		return FAILED;
	assert_int_equal(test_check_pattern((u8 *)w->vma_c->vm_start, 5000, 4), -1);
	return 0;
}

/* the IOMMU buffer's pages, described and mapped by other devices */
static int sgtable(struct walk *w, struct sg_table *t)
{
	int ret = dma_get_sgtable(w->io, t, w->c_io, w->h_io, SZ_64K);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		return FAILED;
	}
	return 0;
}

static int run_sgt(struct walk *w) { return sgtable(w, &w->sgt_io); }
static int run_sgt2(struct walk *w) { return sgtable(w, &w->sgt_io2); }
static void undo_sgt(struct walk *w) { sg_free_table(&w->sgt_io); }
static void undo_sgt2(struct walk *w) { sg_free_table(&w->sgt_io2); }

static int map_table(struct device *dev, struct sg_table *t, enum dma_data_direction dir)
{
	unsigned int nents = t->nents;
	int ret = dma_map_sgtable(dev, t, dir, 0);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(t->nents, nents);
		return FAILED;
	}
	return 0;
}

/* Does @dev read pattern @seed through the DMA segments of @t? */
static bool table_sees(struct device *dev, struct sg_table *t, size_t len, u32 seed)
{
	u8 *buf = malloc(len);
	bool ok;

	assert_non_null(buf);
	assert_int_equal(dmamap_bus_read_sgtable(dev, t, buf, len, NULL), 0);
	ok = test_check_pattern(buf, len, seed) == -1;
	free(buf);
	return ok;
}

static int run_map_sgt(struct walk *w)
{
	if (map_table(w->nc, &w->sgt_io, DMA_TO_DEVICE))
		return FAILED;
	assert_true(table_sees(w->nc, &w->sgt_io, SZ_64K, 3));
	return 0;
}

static int run_map_sgt2(struct walk *w)
{
	if (map_table(w->iol, &w->sgt_io2, DMA_TO_DEVICE))
		return FAILED;
	assert_true(table_sees(w->iol, &w->sgt_io2, SZ_64K, 3));
	return 0;
}

static void undo_map_sgt(struct walk *w) { dma_unmap_sgtable(w->nc, &w->sgt_io, DMA_TO_DEVICE, 0); }

static void undo_map_sgt2(struct walk *w)
{
	dma_unmap_sgtable(w->iol, &w->sgt_io2, DMA_TO_DEVICE, 0);
}

/* streaming: a bounce, an IOMMU page mapping, lists */
static int run_k32(struct walk *w)
{
	w->k32 = dma_map_single(w->d32, w->kbuf, 3000, DMA_TO_DEVICE);
	if (dma_mapping_error(w->d32, w->k32))
		return FAILED;
	assert_true(test_device_sees(w->d32, w->k32, 3000, 1));
	return 0;
}

static void undo_k32(struct walk *w) { dma_unmap_single(w->d32, w->k32, 3000, DMA_TO_DEVICE); }

static int run_kio(struct walk *w)
{
	w->kio = dma_map_page(w->io, w->pages, 100, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(w->io, w->kio))
		return FAILED;
	test_device_writes(w->io, w->kio, 3 * PAGE_SIZE, 7);
	dma_sync_single_for_cpu(w->io, w->kio, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_int_equal(test_check_pattern((u8 *)page_address(w->pages) + 100, 3 * PAGE_SIZE, 7),
			 -1);
	dma_sync_single_for_device(w->io, w->kio, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	return 0;
}

static void undo_kio(struct walk *w)
{
	dma_unmap_page(w->io, w->kio, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
}

static int run_sg(struct walk *w)
{
	u8 *buf = malloc(4 * 1000);
	struct sg_table t = { .sgl = w->sg, .orig_nents = 4 };

	assert_non_null(buf);
	sg_init_table(w->sg, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&w->sg[i], w->pages + 4 + i, 1000, 3000 - 1000 * (i % 3));
	w->sg_segs = dma_map_sg(w->iol, w->sg, 4, DMA_FROM_DEVICE);
	if (!w->sg_segs) {
		free(buf);
		return FAILED;
	}
	test_fill_pattern(buf, 4000, 8);
	t.nents = w->sg_segs;
	assert_int_equal(dmamap_bus_write_sgtable(w->iol, &t, buf, 4000, NULL), 0);
	dma_sync_sg_for_cpu(w->iol, w->sg, 4, DMA_FROM_DEVICE);
	for (int i = 0; i < 4; i++)
		assert_memory_equal(sg_virt(&w->sg[i]), buf + 1000 * i, 1000);
	free(buf);
	return 0;
}

static void undo_sg(struct walk *w) { dma_unmap_sg(w->iol, w->sg, 4, DMA_FROM_DEVICE); }

static int run_sg32(struct walk *w)
{
	sg_init_table(w->sg32, 2);
	sg_set_page(&w->sg32[0], w->pages + 8, 700, 0);
	sg_set_page(&w->sg32[1], w->pages + 11, PAGE_SIZE, 0);
	if (!dma_map_sg(w->d32, w->sg32, 2, DMA_BIDIRECTIONAL))
		return FAILED;
	assert_true(sg_dma_address(&w->sg32[1]) < SZ_4G);	/* bounced */
	test_device_writes(w->d32, sg_dma_address(&w->sg32[1]), PAGE_SIZE, 9);
	return 0;
}

static void undo_sg32(struct walk *w)
{
	dma_unmap_sg(w->d32, w->sg32, 2, DMA_BIDIRECTIONAL);
	assert_int_equal(test_check_pattern(page_address(w->pages + 11), PAGE_SIZE, 9), -1);
}

/* non-contiguous */
static int run_nct_io(struct walk *w)
{
	w->nct_io = dma_alloc_noncontiguous(w->io, 5 * PAGE_SIZE, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	return w->nct_io ? 0 : FAILED;
}

static void undo_nct_io(struct walk *w)
{
	dma_free_noncontiguous(w->io, 5 * PAGE_SIZE, w->nct_io, DMA_BIDIRECTIONAL);
}

static int run_nvm(struct walk *w)
{
	w->nvm = dma_vmap_noncontiguous(w->io, 5 * PAGE_SIZE, w->nct_io);
	if (!w->nvm)
		return FAILED;
	test_fill_pattern(w->nvm, 5 * PAGE_SIZE, 10);
	dma_sync_sgtable_for_device(w->io, w->nct_io, DMA_BIDIRECTIONAL);
	assert_true(test_device_sees(w->io, sg_dma_address(w->nct_io->sgl), 5 * PAGE_SIZE, 10));
	return 0;
}

static void undo_nvm(struct walk *w) { dma_vunmap_noncontiguous(w->io, w->nvm); }

static int run_mmap_d(struct walk *w)
{
	if (mmap_result(dma_mmap_noncontiguous(w->io, w->vma_d, 5 * PAGE_SIZE, w->nct_io)))
		return FAILED;
	assert_int_equal(test_check_pattern((u8 *)w->vma_d->vm_start, 5 * PAGE_SIZE, 10), -1);
	return 0;
}

static int run_nct_co(struct walk *w)
{
	w->nct_co = dma_alloc_noncontiguous(w->co, SZ_8K, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	return w->nct_co ? 0 : FAILED;
}

static void undo_nct_co(struct walk *w)
{
	dma_free_noncontiguous(w->co, SZ_8K, w->nct_co, DMA_BIDIRECTIONAL);
}

/* dma-buf */
static int run_buf(struct walk *w)
{
	w->buf = dmamap_dma_buf_alloc(w->io, 10000, DMA_ATTR_NO_WARN);
	if (IS_ERR(w->buf)) {
		assert_int_equal(PTR_ERR(w->buf), -ENOMEM);
		return FAILED;
	}
	return 0;
}

static void undo_buf(struct walk *w) { dma_buf_put(w->buf); }

static int buf_attach(struct walk *w, struct device *dev, struct dma_buf_attachment **out)
{
	*out = dma_buf_attach(w->buf, dev);
	if (IS_ERR(*out)) {
		assert_int_equal(PTR_ERR(*out), -ENOMEM);
		return FAILED;
	}
	return 0;
}

static int run_at_nc(struct walk *w) { return buf_attach(w, w->nc, &w->at_nc); }
static int run_at_iol(struct walk *w) { return buf_attach(w, w->iol, &w->at_iol); }
static void undo_at_nc(struct walk *w) { dma_buf_detach(w->buf, w->at_nc); }
static void undo_at_iol(struct walk *w) { dma_buf_detach(w->buf, w->at_iol); }

static int buf_map(struct dma_buf_attachment *at, enum dma_data_direction dir,
		   struct sg_table **out)
{
	*out = dma_buf_map_attachment_unlocked(at, dir);
	if (IS_ERR(*out)) {
		assert_int_equal(PTR_ERR(*out), -ENOMEM);
		return FAILED;
	}
	return 0;
}

static int run_bt_iol(struct walk *w)
{
	if (buf_map(w->at_iol, DMA_FROM_DEVICE, &w->bt_iol))
		return FAILED;
	test_device_writes(w->iol, sg_dma_address(w->bt_iol->sgl), 10000, 11);
	return 0;
}

static int run_bt_nc(struct walk *w)
{
	if (buf_map(w->at_nc, DMA_TO_DEVICE, &w->bt_nc))
		return FAILED;
	/* the other importer's bytes, made the CPU's by the CPU access between */
	assert_true(table_sees(w->nc, w->bt_nc, 10000, 11));
	return 0;
}

static void undo_bt_iol(struct walk *w)
{
	dma_buf_unmap_attachment_unlocked(w->at_iol, w->bt_iol, DMA_FROM_DEVICE);
}

static void undo_bt_nc(struct walk *w) { dma_buf_unmap_attachment_unlocked(w->at_nc, w->bt_nc, DMA_TO_DEVICE); }

static int run_cpu_access(struct walk *w)
{
	assert_int_equal(dma_buf_begin_cpu_access(w->buf, DMA_FROM_DEVICE), 0);
	assert_int_equal(dma_buf_end_cpu_access(w->buf, DMA_FROM_DEVICE), 0);
	return 0;
}

static int run_vmap(struct walk *w)
{
	int ret = dma_buf_vmap_unlocked(w->buf, &w->map);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		assert_null(w->map.vaddr);
		return FAILED;
	}
	assert_int_equal(test_check_pattern(w->map.vaddr, 10000, 11), -1);
	return 0;
}

static void undo_vmap(struct walk *w) { dma_buf_vunmap_unlocked(w->buf, &w->map); }

static int run_buf_mmap(struct walk *w)
{
	if (mmap_result(dma_buf_mmap(w->buf, w->vma_e, 0)))
		return FAILED;
	assert_int_equal(test_check_pattern((u8 *)w->vma_e->vm_start, 10000, 11), -1);
	return 0;
}

/* a dma pool */
static int run_pool(struct walk *w)
{
	w->pool = dma_pool_create("walk", w->nc, 256, 64, 0);
	return w->pool ? 0 : FAILED;
}

static void undo_pool(struct walk *w) { dma_pool_destroy(w->pool); }

static int run_pool_alloc(struct walk *w)
{
	w->pv = dma_pool_alloc(w->pool, GFP_KERNEL, &w->ph);
	if (!w->pv)
		return FAILED;
	memset(w->pv, 0x42, 256);
	return 0;
}

static void undo_pool_alloc(struct walk *w) { dma_pool_free(w->pool, w->pv, w->ph); }

/* iommu_map on an unmanaged domain, and a device reading through it */
static int run_iommu_map(struct walk *w)
{
	int ret = iommu_map(w->du, 0x100000, page_to_phys(w->pages + 12), SZ_16K,
			    IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);

	if (ret) {
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(iommu_iova_to_phys(w->du, 0x100000), 0);
		return FAILED;
	}
	test_device_writes(w->um, 0x100000 + 5, 5000, 12);
	return 0;
}

static void undo_iommu_map(struct walk *w)
{
	assert_int_equal(iommu_unmap(w->du, 0x100000, SZ_16K), SZ_16K);
}

#define STEP(x)		{ #x, run_##x, undo_##x }
#define CHECK(x)	{ #x, run_##x, NULL }

static const struct step steps[] = {
	STEP(nc), STEP(co), STEP(d32), STEP(io), STEP(iol), STEP(um), STEP(mg),
	STEP(d), STEP(dl), STEP(du), STEP(attach_io), STEP(attach_iol), STEP(attach_um),
	STEP(kbuf), STEP(pages),
	STEP(c_nc), STEP(c_co), STEP(c_io), STEP(c_nkm), STEP(c_wc), STEP(c_fc), STEP(c_sp),
	STEP(c_at), STEP(c_cnkm), STEP(c_mg), CHECK(touch),
	STEP(pg_nc), STEP(pg_io), STEP(ncb_io),
	STEP(vma_a), CHECK(mmap_a), STEP(vma_b), CHECK(mmap_b), STEP(vma_c), CHECK(mmap_c),
	STEP(sgt), STEP(map_sgt), STEP(sgt2), STEP(map_sgt2),
	STEP(k32), STEP(kio), STEP(sg), STEP(sg32),
	STEP(nct_io), STEP(nvm), STEP(vma_d), CHECK(mmap_d), STEP(nct_co),
	STEP(buf), STEP(at_nc), STEP(at_iol), STEP(bt_iol), CHECK(cpu_access), STEP(bt_nc),
	STEP(vmap), STEP(vma_e), CHECK(buf_mmap),
	STEP(pool), STEP(pool_alloc), STEP(iommu_map),
};

/* --- what the machine holds -------------------------------------------------------- */

struct held {
	struct dmamap_stats st;
	u64 tables;		/* page-table pages of the live domains: they stay after unmaps */
	unsigned long snapshots;
};

static u64 domain_tables(struct iommu_domain *d)
{
	return d ? __atomic_load_n(&to_dmamap_domain(d)->table_pages, __ATOMIC_RELAXED) : 0;
}

static struct held held(struct walk *w, int upto)
{
	struct held h = { .st = test_stats(w->m), .snapshots = mm_cache_snapshots(w->m) };

	/* the domains that exist before step @upto */
	for (int i = 0; i < upto; i++) {
		if (steps[i].run == run_d)
			h.tables += domain_tables(w->d);
		else if (steps[i].run == run_dl)
			h.tables += domain_tables(w->dl);
		else if (steps[i].run == run_du)
			h.tables += domain_tables(w->du);
	}
	return h;
}

static void assert_held_equal(const struct held *a, const struct held *b, const char *what)
{
	bool same = a->st.pages_free + a->tables == b->st.pages_free + b->tables &&
		    a->st.vmalloc_bytes == b->st.vmalloc_bytes &&
		    a->st.vmalloc_areas == b->st.vmalloc_areas &&
		    a->st.host_vmas == b->st.host_vmas && a->st.cookies == b->st.cookies &&
		    a->st.kmalloc_bytes == b->st.kmalloc_bytes &&
		    a->st.iova_pages_used == b->st.iova_pages_used &&
		    a->st.swiotlb_slots_used == b->st.swiotlb_slots_used &&
		    a->st.atomic_pool_used == b->st.atomic_pool_used &&
		    a->snapshots == b->snapshots;

	if (!same)
		fprintf(stderr, "%s: pages %llu/%llu tables %llu/%llu vmalloc %llu/%llu areas "
			"%llu/%llu host_vmas %llu/%llu cookies %llu/%llu kmalloc %llu/%llu iova "
			"%llu/%llu slots %llu/%llu pool %llu/%llu snapshots %lu/%lu\n", what,
			(unsigned long long)a->st.pages_free, (unsigned long long)b->st.pages_free,
			(unsigned long long)a->tables, (unsigned long long)b->tables,
			(unsigned long long)a->st.vmalloc_bytes,
			(unsigned long long)b->st.vmalloc_bytes,
			(unsigned long long)a->st.vmalloc_areas,
			(unsigned long long)b->st.vmalloc_areas,
			(unsigned long long)a->st.host_vmas, (unsigned long long)b->st.host_vmas,
			(unsigned long long)a->st.cookies, (unsigned long long)b->st.cookies,
			(unsigned long long)a->st.kmalloc_bytes,
			(unsigned long long)b->st.kmalloc_bytes,
			(unsigned long long)a->st.iova_pages_used,
			(unsigned long long)b->st.iova_pages_used,
			(unsigned long long)a->st.swiotlb_slots_used,
			(unsigned long long)b->st.swiotlb_slots_used,
			(unsigned long long)a->st.atomic_pool_used,
			(unsigned long long)b->st.atomic_pool_used, a->snapshots, b->snapshots);
	assert_true(same);
}

/*
 * The workload: every step in order; the first that fails is checked to
 * have changed nothing, then everything made is undone in reverse.
 * Returns the index of the step that failed, or -1.
 */
static int workload(struct walk *w)
{
	int i, failed = -1;

	memset(&w->nc, 0, sizeof(*w) - offsetof(struct walk, nc));
	for (i = 0; i < (int)ARRAY_SIZE(steps); i++) {
		struct held before = held(w, i), after;

		if (!steps[i].run(w))
			continue;
		after = held(w, i);
		assert_held_equal(&after, &before, steps[i].name);
		failed = i;
		break;
	}
	while (i-- > 0)
		if (steps[i].undo)
			steps[i].undo(w);
	return failed;
}

/* --- the walk ----------------------------------------------------------------------- */

static void walk_sites(unsigned long sites, unsigned int min_calls)
{
	struct dmamap_machine_config mc = { .banks = banks, .nr_banks = 2,
					    .cache = DMAMAP_CACHE_NONCOHERENT };
	struct walk w = { .m = test_machine(&mc) };
	struct held base;
	u64 at_site[DMAMAP_FAIL_NR_SITES] = { 0 }, calls = 0;
	unsigned long n;
	long maps;

	assert_int_equal(workload(&w), -1);	/* warms what stays: the bus slot, IOVA caches */
	base = held(&w, 0);
	maps = test_count_maps();
	for (n = 1;; n++) {
		struct dmamap_fail_config fc = { .sites = sites, .nth = n, .verbose = getenv("WALK_VERBOSE") != NULL };
		struct dmamap_fail_stats fs;
		struct held now;
		int failed;

		assert_int_equal(dmamap_fail_set(&fc), 0);
		failed = workload(&w);
		dmamap_fail_stats(&fs);
		assert_int_equal(dmamap_fail_set(NULL), 0);
		if (!fs.failed) {
			/* the workload's calls are all behind us: none left to fail */
			assert_int_equal(failed, -1);
			calls = fs.calls;
			break;
		}
		for (unsigned int s = 0; s < DMAMAP_FAIL_NR_SITES; s++)
			at_site[s] += fs.failed_at[s];
		now = held(&w, 0);
		assert_held_equal(&now, &base, "after the workload");
		assert_int_equal(test_count_maps(), maps);
		/* fully usable: the whole workload, uninjected */
		assert_int_equal(workload(&w), -1);
		now = held(&w, 0);
		assert_held_equal(&now, &base, "after the workload again");
	}
	fprintf(stderr, "fail-walk: sites %#lx: %lu calls, each failed in turn;", sites,
		(unsigned long)calls);
	for (unsigned int s = 0; s < DMAMAP_FAIL_NR_SITES; s++)
		fprintf(stderr, " %s %llu", dmamap_fail_site_name(1UL << s),
			(unsigned long long)at_site[s]);
	fputc('\n', stderr);
	assert_true(calls >= min_calls);
	for (unsigned int s = 0; s < DMAMAP_FAIL_NR_SITES; s++)
		if (sites & (1UL << s))
			assert_true(at_site[s] > 0);
	assert_int_equal(test_stats(w.m).api_errors, 0);
	test_assert_no_leaks(w.m);
	dmamap_machine_destroy(w.m);
}

/* Every site at once: each call at any site of the workload fails in turn. */
static void test_walk_all_sites(void **state)
{
	(void)state;
	walk_sites(DMAMAP_FAIL_ALL, 150);
}

/* Each site alone, so that a site whose calls come late is reached on its own too. */
static void test_walk_each_site(void **state)
{
	(void)state;
	for (unsigned int s = 0; s < DMAMAP_FAIL_NR_SITES; s++)
		walk_sites(1UL << s, 1);
}

/*
 * Machine creation with each of its calls failing in turn: -ENOMEM (or
 * -EINVAL for nothing), no machine, no descriptor or host mapping left; then
 * a machine that works.
 */
static void test_walk_machine_create(void **state)
{
	struct dmamap_machine_config mc = { .banks = banks, .nr_banks = 2,
					    .cache = DMAMAP_CACHE_NONCOHERENT };
	unsigned long n;
	long fds, maps;

	(void)state;
	/* once through first: what the process maps for itself on the way stays */
	dmamap_machine_destroy(test_machine(&mc));
	fds = test_count_fds();
	maps = test_count_maps();
	for (n = 1;; n++) {
		struct dmamap_fail_config fc = { .sites = DMAMAP_FAIL_ALL, .nth = n };
		struct dmamap_machine *m = (struct dmamap_machine *)&fc;
		struct dmamap_fail_stats fs;
		int ret;

		assert_int_equal(dmamap_fail_set(&fc), 0);
		ret = dmamap_machine_create(&mc, &m);
		dmamap_fail_stats(&fs);
		assert_int_equal(dmamap_fail_set(NULL), 0);
		if (!fs.failed) {
			assert_int_equal(ret, 0);
			dmamap_machine_destroy(m);
			break;
		}
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_null(m);
		} else {
			/* a pool the machine may go without (swiotlb, atomic pool) */
			test_assert_no_leaks(m);
			dmamap_machine_destroy(m);
		}
		assert_int_equal(test_count_fds(), fds);
		assert_int_equal(test_count_maps(), maps);
	}
	assert_true(n > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_machine_create),
		cmocka_unit_test(test_walk_all_sites),
		cmocka_unit_test(test_walk_each_site),
	};

	return cmocka_run_group_tests_name("fail-walk", tests, NULL, NULL);
}
