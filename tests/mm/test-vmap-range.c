// SPDX-License-Identifier: MIT
/*
 * flush_kernel_vmap_range() / invalidate_kernel_vmap_range() (src/mm/vmalloc.c):
 * the cache model's maintenance on the pages behind a mapping of the kernel
 * VA window, as a driver of a vmapped non-contiguous buffer is told to use
 * them, on the non-coherent model.
 */
#include "test-util.h"

#include <string.h>

struct fixture {
	struct dmamap_machine *m;
	struct device *dev;
	struct iommu_domain *dom;
	struct sg_table *sgt;
	u8 *vaddr;
	dma_addr_t dma;
};

#define LEN	(4 * PAGE_SIZE)

static void setup(struct fixture *f)
{
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config dc = { .name = "isp" };
	struct dmamap_iommu_config ic = { 0 };

	f->m = test_machine(&mc);
	f->dev = test_device(f->m, &dc, NULL);
	assert_int_equal(dmamap_iommu_domain_create(f->m, &ic, &f->dom), 0);
	assert_int_equal(iommu_attach_device(f->dom, f->dev), 0);
	f->sgt = dma_alloc_noncontiguous(f->dev, LEN, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	assert_non_null(f->sgt);
	f->vaddr = dma_vmap_noncontiguous(f->dev, LEN, f->sgt);
	assert_non_null(f->vaddr);
	f->dma = sg_dma_address(f->sgt->sgl);
}

static void teardown(struct fixture *f)
{
	dma_vunmap_noncontiguous(f->dev, f->vaddr);
	dma_free_noncontiguous(f->dev, LEN, f->sgt, DMA_BIDIRECTIONAL);
	iommu_detach_device(f->dom, f->dev);
	iommu_domain_free(f->dom);
	dmamap_device_destroy(f->dev);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* The CPU's cached bytes of page @i of the buffer (its linear-map alias). */
static u8 *cached(struct fixture *f, size_t off)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(f->sgt, sg, i) {
		if (off < sg->length)
			return (u8 *)page_address(sg_page(sg)) + off;
		off -= sg->length;
	}
	return NULL;
}

/* CPU writes reach memory (the vmap's view, the device's) after a flush, not before. */
static void test_flush(void **state)
{
	struct fixture f;
	const size_t off = PAGE_SIZE + 128;

	(void)state;
	setup(&f);
	memset(cached(&f, off), 0x3c, 256);
	assert_true(test_all_bytes(f.vaddr + off, 256, 0));	/* still in the CPU's cache */
	flush_kernel_vmap_range(f.vaddr + off, 256);
	assert_true(test_all_bytes(f.vaddr + off, 256, 0x3c));
	{
		u8 seen[256];

		assert_int_equal(dmamap_bus_read(f.dev, f.dma + off, seen, sizeof(seen), NULL), 0);
		assert_true(test_all_bytes(seen, sizeof(seen), 0x3c));
	}
	assert_int_equal(test_stats(f.m).api_errors, 0);
	teardown(&f);
}

/* After a device's write, the CPU sees it only once the range is invalidated. */
static void test_invalidate(void **state)
{
	struct fixture f;
	const size_t off = 2 * PAGE_SIZE;

	(void)state;
	setup(&f);
	(void)*(volatile u8 *)cached(&f, off);
	memset(cached(&f, off), 0x11, PAGE_SIZE);	/* the CPU holds the page */
	flush_kernel_vmap_range(f.vaddr + off, PAGE_SIZE);
	test_device_writes(f.dev, f.dma + off, PAGE_SIZE, 77);
	assert_true(test_all_bytes(cached(&f, off), PAGE_SIZE, 0x11));	/* stale */
	assert_int_equal(test_check_pattern(f.vaddr + off, PAGE_SIZE, 77), -1);
	invalidate_kernel_vmap_range(f.vaddr + off, PAGE_SIZE);
	assert_int_equal(test_check_pattern(cached(&f, off), PAGE_SIZE, 77), -1);
	teardown(&f);
}

/* Outside one mapping of the window: reported, nothing done. */
static void test_outside(void **state)
{
	struct fixture f;
	u64 e;

	(void)state;
	setup(&f);
	e = test_stats(f.m).api_errors;
	flush_kernel_vmap_range(f.vaddr + LEN, 16);			/* the guard page */
	invalidate_kernel_vmap_range(f.vaddr + LEN - 8, 16);		/* runs past the end */
	assert_int_equal(test_stats(f.m).api_errors, e + 2);
	flush_kernel_vmap_range(f.vaddr, 0);				/* nothing to do */
	assert_int_equal(test_stats(f.m).api_errors, e + 2);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_invalidate),
		cmocka_unit_test(test_outside),
	};

	return cmocka_run_group_tests_name("vmap-range", tests, NULL, NULL);
}
