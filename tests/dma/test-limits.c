// SPDX-License-Identifier: MIT
/*
 * What a driver asks before it maps (src/dma/limits.c), with the kernel's
 * answers on the machine the device is on; partial syncs of a mapping; the
 * unmap state macros.
 */
#include "test-util.h"

#include <dmamap/dma-map-ops.h>
#include <string.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct dmamap_bank low_high[] = {
	{ 0x80000000ULL, SZ_256M },
	{ 0x100000000ULL, SZ_256M },	/* RAM ends at 0x110000000: 33 bits */
};

static struct device *make(struct dmamap_machine *m, struct dmamap_device_config cfg)
{
	struct device *dev = NULL;

	dev = test_device(m, &cfg, NULL);
	return dev;
}

static void test_required_mask_and_limited(void **state)
{
	struct dmamap_machine_config mc = { .banks = low_high, .nr_banks = 2 };
	struct dmamap_machine *m = test_machine(&mc), *small = test_machine(NULL);
	struct device *d32 = make(m, (struct dmamap_device_config){ 0 });
	struct device *d64 = make(m, (struct dmamap_device_config){ .dma_mask = DMA_BIT_MASK(64) });
	struct device *off = make(m, (struct dmamap_device_config){ .dma_mask = DMA_BIT_MASK(64),
								     .dma_offset = 0x90000000ULL });
	struct device *s = make(small, (struct dmamap_device_config){ 0 });
	struct device *soff = make(small, (struct dmamap_device_config){
		.dma_offset = 0x80000000ULL, .dma_mask = DMA_BIT_MASK(28) });

	(void)state;
	assert_int_equal(dma_get_required_mask(d32), DMA_BIT_MASK(33));
	assert_int_equal(dma_get_required_mask(s), DMA_BIT_MASK(32));	/* ends at 0x90000000 */
	assert_int_equal(dma_get_required_mask(soff), DMA_BIT_MASK(28));	/* bus 0..0x0fffffff */
	assert_true(dma_addressing_limited(d32));
	assert_false(dma_addressing_limited(d64));
	assert_false(dma_addressing_limited(s));
	assert_false(dma_addressing_limited(soff));
	assert_true(dma_addressing_limited(off));		/* RAM below its offset */
	d64->bus_dma_limit = DMA_BIT_MASK(32);
	assert_true(dma_addressing_limited(d64));
	d64->bus_dma_limit = 0;

	/* behind an IOMMU: 32 bits required, never limited by RAM */
	{
		struct dmamap_iommu_config ic = { 0 };
		struct iommu_domain *dom;

		assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
		assert_int_equal(iommu_attach_device(dom, d32), 0);
		assert_int_equal(dma_get_required_mask(d32), DMA_BIT_MASK(32));
		assert_false(dma_addressing_limited(d32));
		iommu_detach_device(dom, d32);
		iommu_domain_free(dom);
	}
	assert_false(dma_addressing_limited(NULL));
	for (struct device **d = (struct device *[]){ d32, d64, off, NULL }; *d; d++)
		dmamap_device_destroy(*d);
	dmamap_device_destroy(s);
	dmamap_device_destroy(soff);
	test_assert_no_leaks(m);
	test_assert_no_leaks(small);
	dmamap_machine_destroy(m);
	dmamap_machine_destroy(small);
}

/* A device that may bounce is held to one swiotlb mapping; the IOVA caches set the optimum. */
static void test_mapping_sizes(void **state)
{
	struct dmamap_machine_config mc = { .banks = low_high, .nr_banks = 2 };
	struct dmamap_machine_config nobounce = { .banks = low_high, .nr_banks = 2,
						  .swiotlb_size = DMAMAP_SWIOTLB_OFF };
	struct dmamap_machine *m = test_machine(&mc), *n = test_machine(&nobounce);
	struct device *d32 = make(m, (struct dmamap_device_config){ 0 });
	struct device *d64 = make(m, (struct dmamap_device_config){ .dma_mask = DMA_BIT_MASK(64) });
	struct device *n32 = make(n, (struct dmamap_device_config){ 0 });
	struct dmamap_iommu_config ic = { 0 };
	struct iommu_domain *dom;

	(void)state;
	assert_int_equal(dma_max_mapping_size(d32), SZ_256K);
	assert_int_equal(dma_opt_mapping_size(d32), SZ_256K);
	assert_int_equal(dma_max_mapping_size(d64), SIZE_MAX);
	assert_int_equal(dma_opt_mapping_size(d64), SIZE_MAX);
	assert_int_equal(dma_max_mapping_size(n32), SIZE_MAX);		/* nothing to bounce through */
	/* what the answer promises holds: a mapping of that size bounces, one byte more fails */
	{
		struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 7);	/* 512 KiB, above 4 GiB */
		dma_addr_t dma;

		assert_true(page_to_phys(p) >= SZ_4G);
		dma = dma_map_page(d32, p, 0, dma_max_mapping_size(d32), DMA_TO_DEVICE);
		assert_false(dma_mapping_error(d32, dma));
		dma_unmap_page(d32, dma, dma_max_mapping_size(d32), DMA_TO_DEVICE);
		dma = dma_map_page_attrs(d32, p, 0, dma_max_mapping_size(d32) + 1, DMA_TO_DEVICE,
					 DMA_ATTR_NO_WARN);
		assert_true(dma_mapping_error(d32, dma));
		dmamap_free_pages(p, 7);
	}
	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, d32), 0);
	assert_int_equal(dma_max_mapping_size(d32), SIZE_MAX);
	assert_int_equal(dma_opt_mapping_size(d32), SZ_128K);
	iommu_detach_device(dom, d32);
	iommu_domain_free(dom);
	dmamap_device_destroy(d32);
	dmamap_device_destroy(d64);
	dmamap_device_destroy(n32);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
	dmamap_machine_destroy(n);
}

static const struct dma_map_ops no_sync = { 0 };
static const struct dmamap_machine_config need_sync_mc = { .banks = low_high, .nr_banks = 2 };

/* Syncs are needed for a non-coherent device, and for a coherent one's bounced mapping. */
static void test_need_sync(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *co = make(m, (struct dmamap_device_config){ .coherent = true });
	struct device *nc = make(m, (struct dmamap_device_config){ 0 });
	struct page *low = dmamap_alloc_pages(m, GFP_DMA32, 0);
	struct page *high = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	struct dmamap_iommu_config ic = { 0 };
	struct iommu_domain *dom;
	dma_addr_t a, b;

	a = dma_map_page(co, low, 0, PAGE_SIZE, DMA_TO_DEVICE);
	b = dma_map_page(co, high, 0, PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_need_sync(co, a));
	assert_true(dma_need_sync(co, b));			/* bounced */
	dma_unmap_page(co, a, PAGE_SIZE, DMA_TO_DEVICE);
	dma_unmap_page(co, b, PAGE_SIZE, DMA_TO_DEVICE);
	a = dma_map_page(nc, low, 0, PAGE_SIZE, DMA_TO_DEVICE);
	assert_true(dma_need_sync(nc, a));
	dma_unmap_page(nc, a, PAGE_SIZE, DMA_TO_DEVICE);

	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, co), 0);
	assert_int_equal(iommu_attach_device(dom, nc), 0);
	a = dma_map_page(co, high, 0, PAGE_SIZE, DMA_TO_DEVICE);
	b = dma_map_page(nc, high, 0, PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_need_sync(co, a));
	assert_true(dma_need_sync(nc, b));
	dma_unmap_page(co, a, PAGE_SIZE, DMA_TO_DEVICE);
	dma_unmap_page(nc, b, PAGE_SIZE, DMA_TO_DEVICE);
	iommu_detach_device(dom, co);
	iommu_detach_device(dom, nc);
	iommu_domain_free(dom);

	set_dma_ops(nc, &no_sync);
	assert_false(dma_need_sync(nc, 0x1000));	/* no sync op to call */
	set_dma_ops(nc, NULL);
	dmamap_free_pages(low, 0);
	dmamap_free_pages(high, 0);
	dmamap_device_destroy(co);
	dmamap_device_destroy(nc);
}

static const struct dmamap_machine_config sync_range_mc = { .cache = DMAMAP_CACHE_NONCOHERENT };

/*
 * A range sync makes only its bytes current: on the non-coherent model the
 * CPU sees the device's bytes inside the range and its stale (primed) copy
 * outside; the device sees the CPU's new bytes only in the range given to it.
 */
static void test_sync_range(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ 0 });
	struct page *page = dmamap_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 0);
	u8 *cpu = page_address(page);
	dma_addr_t dma;

	dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, dma));
	test_device_writes(dev, dma, PAGE_SIZE, 5);
	dma_sync_single_range_for_cpu(dev, dma, 1024, 512, DMA_FROM_DEVICE);
	{
		u8 expect[PAGE_SIZE];

		test_fill_pattern(expect, PAGE_SIZE, 5);
		assert_memory_equal(cpu + 1024, expect + 1024, 512);
		assert_true(test_all_bytes(cpu, 1024, 0));
		assert_true(test_all_bytes(cpu + 1536, PAGE_SIZE - 1536, 0));
	}
	dma_sync_single_range_for_device(dev, dma, 1024, 512, DMA_FROM_DEVICE);
	dma_unmap_page(dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);

	memset(cpu, 0, PAGE_SIZE);
	dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	test_fill_pattern(cpu, PAGE_SIZE, 6);		/* written after the map's clean */
	dma_sync_single_range_for_device(dev, dma, 2048, 1024, DMA_TO_DEVICE);
	{
		u8 seen[PAGE_SIZE];

		assert_int_equal(dmamap_bus_read(dev, dma, seen, PAGE_SIZE, NULL), 0);
		assert_memory_equal(seen + 2048, cpu + 2048, 1024);
		assert_true(test_all_bytes(seen, 2048, 0));
		assert_true(test_all_bytes(seen + 3072, PAGE_SIZE - 3072, 0));
	}
	dma_unmap_page(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	dmamap_free_pages(page, 0);
	dmamap_device_destroy(dev);
	assert_int_equal(test_stats(m).api_errors, 0);
}

static const size_t lens[] = { 187, 100, 65, 30, 150, 65, 20, 130, 64, 1, 200, 63 };
static const struct dmamap_machine_config copybreak_reuse_mc = {
	.cache = DMAMAP_CACHE_NONCOHERENT,
};

/*
 * A reused FROM_DEVICE buffer whose head is synced for the CPU and back
 * (a NIC's copybreak), frame after frame of different lengths: the CPU only
 * reads, so every frame must be seen whole. A line that was the partial end
 * of an earlier sync and was then invalidated whole inside a longer one
 * used to be judged by its old snapshot and written back over the device's
 * bytes.
 */
static void test_copybreak_reuse(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ 0 });
	struct page *page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	const u8 *cpu = page_address(page);
	dma_addr_t dma;

	dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	for (unsigned int k = 0; k < ARRAY_SIZE(lens); k++) {
		test_device_writes(dev, dma, lens[k], 100 + k);
		dma_sync_single_range_for_cpu(dev, dma, 0, lens[k], DMA_FROM_DEVICE);
		assert_int_equal(test_check_pattern(cpu, lens[k], 100 + k), -1);
		dma_sync_single_range_for_device(dev, dma, 0, lens[k], DMA_FROM_DEVICE);
	}
	dma_unmap_page(dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);
	dmamap_free_pages(page, 0);
	dmamap_device_destroy(dev);
	assert_int_equal(test_stats(m).api_errors, 0);
}

/* The unmap state a ring keeps per entry, with the kernel's macros. */
struct rx_entry {
	void *buf;
	DEFINE_DMA_UNMAP_ADDR(mapping);
	DEFINE_DMA_UNMAP_LEN(len);
};

static void test_unmap_state(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, (struct dmamap_device_config){ .coherent = true });
	struct rx_entry ring[4];

	_Static_assert(sizeof(ring[0].mapping) == sizeof(dma_addr_t), "address kept whole");
	_Static_assert(sizeof(ring[0].len) == sizeof(u32), "length as the kernel's __u32");
	for (int i = 0; i < 4; i++) {
		dma_addr_t dma;

		ring[i].buf = dmamap_kmalloc(m, 1536, GFP_KERNEL);
		dma = dma_map_single(dev, ring[i].buf, 1536, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(dev, dma));
		dma_unmap_addr_set(&ring[i], mapping, dma);
		dma_unmap_len_set(&ring[i], len, 1536);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(dma_unmap_len(&ring[i], len), 1536);
		test_device_writes(dev, dma_unmap_addr(&ring[i], mapping), 1536, 20 + i);
		dma_unmap_single(dev, dma_unmap_addr(&ring[i], mapping), dma_unmap_len(&ring[i], len),
				 DMA_FROM_DEVICE);
		assert_int_equal(test_check_pattern(ring[i].buf, 1536, 20 + i), -1);
		dmamap_kfree(m, ring[i].buf);
	}
	dmamap_device_destroy(dev);
	assert_int_equal(test_stats(m).api_errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_mask_and_limited),
		cmocka_unit_test(test_mapping_sizes),
		TEST_MACHINE_CASE(test_need_sync, &need_sync_mc),
		TEST_MACHINE_CASE(test_sync_range, &sync_range_mc),
		TEST_MACHINE_CASE(test_copybreak_reuse, &copybreak_reuse_mc),
		TEST_MACHINE_CASE(test_unmap_state, NULL),
	};

	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
