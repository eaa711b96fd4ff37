// SPDX-License-Identifier: MIT
/*
 * Non-coherent allocations (src/dma/noncoherent.c): dma_alloc_pages(),
 * dma_alloc_noncoherent(), their frees and dma_mmap_pages(). The memory is
 * cacheable: on the non-coherent model nothing crosses between CPU and
 * device without a sync, on the coherent one everything does.
 */
#include "test-util.h"

#include <string.h>

static struct device *make(struct dmamap_machine *m, struct dmamap_device_config cfg)
{
	struct device *dev = NULL;

	dev = test_device(m, &cfg, NULL);
	return dev;
}

static const struct dmamap_machine_config ownership_mc = { .cache = DMAMAP_CACHE_NONCOHERENT };

static void test_ownership(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ .name = "nc" });
	const size_t len = 3 * PAGE_SIZE;
	dma_addr_t dma;
	u8 *cpu;

	cpu = dma_alloc_noncoherent(dev, len, &dma, DMA_BIDIRECTIONAL, GFP_KERNEL);
	assert_non_null(cpu);
	assert_true(PAGE_ALIGNED(cpu));
	assert_int_equal(dma, page_to_phys(dmamap_virt_to_page(m, cpu)));
	assert_true(test_all_bytes(cpu, len, 0));
	assert_int_equal(test_stats(m).vmalloc_areas, 0);	/* no uncached alias */

	test_fill_pattern(cpu, len, 7);
	assert_false(test_device_sees(dev, dma, len, 7));	/* still in the CPU's cache */
	dma_sync_single_for_device(dev, dma, len, DMA_BIDIRECTIONAL);
	assert_true(test_device_sees(dev, dma, len, 7));

	test_device_writes(dev, dma, len, 8);
	assert_int_equal(test_check_pattern(cpu, len, 7), -1);	/* stale until the sync */
	dma_sync_single_for_cpu(dev, dma, len, DMA_BIDIRECTIONAL);
	assert_int_equal(test_check_pattern(cpu, len, 8), -1);
	dma_free_noncoherent(dev, len, cpu, dma, DMA_BIDIRECTIONAL);
	assert_int_equal(test_stats(m).api_errors, 0);
	dmamap_device_destroy(dev);
}

/* On a coherent machine the same buffer needs no sync. */
static void test_coherent_machine(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ .coherent = true });
	dma_addr_t dma;
	struct page *page;

	page = dma_alloc_pages(dev, 5000, &dma, DMA_TO_DEVICE, GFP_KERNEL);
	assert_non_null(page);
	assert_int_equal(dma, page_to_phys(page));
	test_fill_pattern(page_address(page), 5000, 3);
	assert_true(test_device_sees(dev, dma, 5000, 3));
	dma_free_pages(dev, 5000, page, dma, DMA_TO_DEVICE);
	dmamap_device_destroy(dev);
}

static const struct dmamap_bank banks[] = { { 0x80000000ULL, SZ_256M },
					    { 0x100000000ULL, SZ_256M } };
static const struct dmamap_machine_config mask_mc = { .banks = banks, .nr_banks = 2 };

/* The coherent mask decides where the pages come from. */
static void test_mask(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *d32 = make(m, (struct dmamap_device_config){ .dma_mask = DMA_BIT_MASK(64),
								     .coherent_dma_mask = DMA_BIT_MASK(32) });
	struct device *d64 = make(m, (struct dmamap_device_config){ .dma_mask = DMA_BIT_MASK(64) });
	dma_addr_t a, b;
	struct page *pa, *pb;

	pa = dma_alloc_pages(d32, SZ_64K, &a, DMA_FROM_DEVICE, GFP_KERNEL);
	pb = dma_alloc_pages(d64, SZ_64K, &b, DMA_FROM_DEVICE, GFP_KERNEL);
	assert_true(a + SZ_64K - 1 <= DMA_BIT_MASK(32));
	assert_true(b >= SZ_4G);			/* the allocator's first choice */
	dma_free_pages(d32, SZ_64K, pa, a, DMA_FROM_DEVICE);
	dma_free_pages(d64, SZ_64K, pb, b, DMA_FROM_DEVICE);
	dmamap_device_destroy(d32);
	dmamap_device_destroy(d64);
}

static const struct dmamap_machine_config iommu_mc = { .cache = DMAMAP_CACHE_NONCOHERENT };

/* Behind an IOMMU the pages are mapped with the direction's permissions. */
static void test_iommu(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ 0 });
	struct dmamap_iommu_config ic = { 0 };
	struct iommu_domain *dom;
	struct dmamap_fault f;
	struct page *page;
	dma_addr_t dma;
	u8 byte = 1;

	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	page = dma_alloc_pages(dev, 2 * PAGE_SIZE, &dma, DMA_TO_DEVICE, GFP_KERNEL);
	assert_non_null(page);
	assert_int_equal(iommu_iova_to_phys(dom, dma), page_to_phys(page));
	assert_int_equal(iommu_iova_to_phys(dom, dma + PAGE_SIZE), page_to_phys(page) + PAGE_SIZE);
	assert_true(test_all_bytes(page_address(page), 2 * PAGE_SIZE, 0));
	test_fill_pattern(page_address(page), 2 * PAGE_SIZE, 4);
	dma_sync_single_for_device(dev, dma, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	assert_true(test_device_sees(dev, dma, 2 * PAGE_SIZE, 4));
	assert_int_equal(dmamap_bus_write(dev, dma, &byte, 1, &f), -EACCES);
	assert_true(test_stats(m).iova_pages_used > 0);
	dma_free_pages(dev, 2 * PAGE_SIZE, page, dma, DMA_TO_DEVICE);
	assert_int_equal(test_stats(m).iova_pages_used, 0);
	assert_int_equal(test_stats(m).api_errors, 0);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	dmamap_device_destroy(dev);
}

/* What the kernel refuses, and frees that do not match an allocation. */
static void test_refused(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ 0 });
	dma_addr_t dma;
	struct page *page;
	void *cpu;
	u64 e, free0;

	free0 = test_stats(m).pages_free;
	e = test_stats(m).api_errors;
	assert_null(dma_alloc_pages(dev, PAGE_SIZE, &dma, DMA_TO_DEVICE, GFP_KERNEL | GFP_DMA32));
	assert_null(dma_alloc_pages(dev, 0, &dma, DMA_TO_DEVICE, GFP_KERNEL));
	assert_null(dma_alloc_pages(dev, PAGE_SIZE, &dma, DMA_NONE, GFP_KERNEL));
	assert_null(dma_alloc_pages(dev, PAGE_SIZE, NULL, DMA_TO_DEVICE, GFP_KERNEL));
	assert_int_equal(test_stats(m).api_errors, e + 3);

	page = dma_alloc_pages(dev, 2 * PAGE_SIZE, &dma, DMA_TO_DEVICE, GFP_KERNEL);
	e = test_stats(m).api_errors;
	dma_free_pages(dev, 2 * PAGE_SIZE, page, dma + PAGE_SIZE, DMA_TO_DEVICE);	/* handle */
	dma_free_pages(dev, PAGE_SIZE, page, dma, DMA_TO_DEVICE);		/* size */
	dma_free_pages(dev, PAGE_SIZE, page + 1, dma + PAGE_SIZE, DMA_TO_DEVICE); /* tail */
	assert_int_equal(test_stats(m).api_errors, e + 3);
	dma_free_pages(dev, 2 * PAGE_SIZE, page, dma, DMA_TO_DEVICE);
	dma_free_pages(dev, 2 * PAGE_SIZE, page, dma, DMA_TO_DEVICE);		/* twice */
	assert_int_equal(test_stats(m).api_errors, e + 4);

	cpu = dma_alloc_noncoherent(dev, PAGE_SIZE, &dma, DMA_FROM_DEVICE, GFP_KERNEL);
	dma_free_noncoherent(dev, PAGE_SIZE, (u8 *)cpu + 64, dma, DMA_FROM_DEVICE);
	assert_int_equal(test_stats(m).api_errors, e + 5);
	dma_free_noncoherent(dev, PAGE_SIZE, cpu, dma, DMA_FROM_DEVICE);
	assert_int_equal(test_stats(m).pages_free, free0);
	dmamap_device_destroy(dev);
}

/* dma_mmap_pages(): the VMA shows the allocation's pages from vm_pgoff on. */
static void test_mmap_pages(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ .coherent = true });
	struct vm_area_struct *vma, *big;
	struct page *page;
	dma_addr_t dma;
	u8 *cpu;

	page = dma_alloc_pages(dev, 3 * PAGE_SIZE, &dma, DMA_BIDIRECTIONAL, GFP_KERNEL);
	cpu = page_address(page);
	test_fill_pattern(cpu, 3 * PAGE_SIZE, 9);
	assert_int_equal(dmamap_vma_create(m, 2 * PAGE_SIZE, 1, &vma), 0);
	assert_int_equal(dma_mmap_pages(dev, vma, 3 * PAGE_SIZE, page), 0);
	assert_memory_equal((void *)vma->vm_start, cpu + PAGE_SIZE, 2 * PAGE_SIZE);
	((u8 *)vma->vm_start)[5] = 0x42;			/* user space writes, the device sees */
	assert_int_equal(dmamap_bus_read(dev, dma + PAGE_SIZE + 5, cpu, 1, NULL), 0);
	assert_int_equal(cpu[0], 0x42);
	assert_int_equal(dmamap_vma_create(m, 3 * PAGE_SIZE, 1, &big), 0);
	assert_int_equal(dma_mmap_pages(dev, big, 3 * PAGE_SIZE, page), -ENXIO);
	big->vm_pgoff = 3;
	assert_int_equal(dma_mmap_pages(dev, big, 3 * PAGE_SIZE, page), -ENXIO);
	assert_int_equal(dma_mmap_pages(dev, NULL, 3 * PAGE_SIZE, page), -EINVAL);
	dmamap_vma_destroy(vma);
	dmamap_vma_destroy(big);
	dma_free_pages(dev, 3 * PAGE_SIZE, page, dma, DMA_BIDIRECTIONAL);
	dmamap_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_MACHINE_CASE(test_ownership, &ownership_mc),
		TEST_MACHINE_CASE(test_coherent_machine, NULL),
		TEST_MACHINE_CASE(test_mask, &mask_mc),
		TEST_MACHINE_CASE(test_iommu, &iommu_mc),
		TEST_MACHINE_CASE(test_refused, NULL),
		TEST_MACHINE_CASE(test_mmap_pages, NULL),
	};

	return cmocka_run_group_tests_name("noncoherent", tests, NULL, NULL);
}
