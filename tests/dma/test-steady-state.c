// SPDX-License-Identifier: MIT
/*
 * Streaming DMA in steady state is memory operations only: once a buffer
 * has been mapped a few times, a map, an unmap or a sync on a non-coherent
 * machine makes no host call (mmap, munmap, madvise: the machine counts
 * them) and takes no host page fault, on every path: direct, through a
 * strict or a lazy IOMMU, bounced through swiotlb, single pages and lists.
 * The device writes the buffer between map and unmap and the CPU reads the
 * device's bytes after, so the invalidates do move data.
 */
#include "test-util.h"

#include <string.h>
#include <sys/resource.h>

/*
 * A sanitizer's runtime takes page faults of its own as the program runs
 * (its shadow memory, its allocator's quarantine): the fault count is only
 * the library's in a plain build.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNTS_FAULTS	false
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COUNTS_FAULTS	false
#endif
#endif
#ifndef COUNTS_FAULTS
#define COUNTS_FAULTS	true
#endif

#define WARMUP	600	/* more than a lazy domain queues before it flushes */
#define PAIRS	1000

enum path { DIRECT, IOMMU_STRICT, IOMMU_LAZY, SWIOTLB };

struct fixture {
	struct dmamap_machine *m;
	struct device *dev;
	struct iommu_domain *dom;
};

/* Host page faults this thread has taken (0 when the build cannot tell them apart). */
static long thread_faults(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_THREAD, &ru), 0);
	return COUNTS_FAULTS ? ru.ru_minflt + ru.ru_majflt : 0;
}

static u64 host_calls(struct dmamap_machine *m)
{
	struct dmamap_stats st = test_stats(m);

	return st.host_madvises + st.host_mmaps + st.host_munmaps;
}

static void setup(struct fixture *f, enum path p)
{
	static const struct dmamap_bank split[] = {
		{ 0x80000000ULL, 32ULL << 20 }, { 0x100000000ULL, 32ULL << 20 },
	};
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config dc = { .name = "dev", .dma_mask = DMA_BIT_MASK(64) };

	memset(f, 0, sizeof(*f));
	if (p == SWIOTLB) {
		mc.banks = split;
		mc.nr_banks = 2;
		dc.dma_mask = DMA_BIT_MASK(32);
	}
	f->m = test_machine(&mc);
	f->dev = test_device(f->m, &dc, NULL);
	if (p == IOMMU_STRICT || p == IOMMU_LAZY) {
		struct dmamap_iommu_config ic = {
			.flush = p == IOMMU_LAZY ? DMAMAP_IOMMU_LAZY : DMAMAP_IOMMU_STRICT,
		};

		assert_int_equal(dmamap_iommu_domain_create(f->m, &ic, &f->dom), 0);
		assert_int_equal(iommu_attach_device(f->dom, f->dev), 0);
	}
}

static void teardown(struct fixture *f)
{
	dmamap_device_destroy(f->dev);
	if (f->dom)
		iommu_domain_free(f->dom);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* One map, device write, unmap, CPU check of a single mapping of @len at @off of @page. */
static void single_pair(struct fixture *f, struct page *page, size_t off, size_t len,
			enum dma_data_direction dir, int round)
{
	u8 *cpu = (u8 *)page_address(page) + off;
	dma_addr_t dma = dma_map_page(f->dev, page, off, len, dir);

	assert_false(dma_mapping_error(f->dev, dma));
	if (dir != DMA_TO_DEVICE)
		assert_int_equal(dmamap_bus_fill(f->dev, dma, round & 0xff, len, NULL), 0);
	dma_unmap_page(f->dev, dma, len, dir);
	if (dir != DMA_TO_DEVICE) {
		assert_int_equal(cpu[0], round & 0xff);
		assert_int_equal(cpu[len - 1], round & 0xff);
	}
}

static void check_single(enum path p, enum dma_data_direction dir, size_t off, size_t len)
{
	struct fixture f;
	struct page *page;
	u64 calls;
	long faults;

	setup(&f, p);
	page = dmamap_alloc_pages(f.m, GFP_KERNEL, 4);
	assert_non_null(page);
	if (p == SWIOTLB)
		assert_true(page_to_phys(page) >= SZ_4G);
	memset(page_address(page), 0x5a, 16 * PAGE_SIZE);
	for (int i = 0; i < WARMUP; i++)
		single_pair(&f, page, off, len, dir, i);
	calls = host_calls(f.m);
	faults = thread_faults();
	for (int i = 0; i < PAIRS; i++)
		single_pair(&f, page, off, len, dir, i);
	assert_int_equal(thread_faults() - faults, 0);
	assert_int_equal(host_calls(f.m) - calls, 0);
	dmamap_free_pages(page, 4);
	teardown(&f);
}

static const enum dma_data_direction dirs[] = {
	DMA_FROM_DEVICE, DMA_BIDIRECTIONAL, DMA_TO_DEVICE,
};

static void check_path(enum path p)
{
	for (unsigned int d = 0; d < 3; d++) {
		check_single(p, dirs[d], 0, PAGE_SIZE);
		check_single(p, dirs[d], 0, 16 * PAGE_SIZE);
		check_single(p, dirs[d], 100, 3000);		/* partial lines at both ends */
	}
}

static void test_direct(void **state)
{
	(void)state;
	check_path(DIRECT);
}

static void test_iommu_strict(void **state)
{
	(void)state;
	check_path(IOMMU_STRICT);
}

static void test_iommu_lazy(void **state)
{
	(void)state;
	check_path(IOMMU_LAZY);
}

static void test_swiotlb(void **state)
{
	(void)state;
	check_path(SWIOTLB);
}

/* A mapping kept, synced for the CPU and for the device again and again (a receive ring). */
static void test_syncs(void **state)
{
	for (enum path p = DIRECT; p <= SWIOTLB; p++) {
		struct fixture f;
		struct page *page;
		dma_addr_t dma;
		u8 *cpu;
		u64 calls = 0;
		long faults = 0;

		(void)state;
		setup(&f, p);
		page = dmamap_alloc_pages(f.m, GFP_KERNEL, 4);
		cpu = page_address(page);
		dma = dma_map_page(f.dev, page, 0, SZ_64K, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(f.dev, dma));
		for (int i = 0; i < WARMUP + PAIRS; i++) {
			if (i == WARMUP) {
				calls = host_calls(f.m);
				faults = thread_faults();
			}
			assert_int_equal(dmamap_bus_fill(f.dev, dma, i & 0xff, SZ_64K, NULL), 0);
			dma_sync_single_for_cpu(f.dev, dma, SZ_64K, DMA_FROM_DEVICE);
			assert_int_equal(cpu[i % SZ_64K], i & 0xff);
			dma_sync_single_for_device(f.dev, dma, SZ_64K, DMA_FROM_DEVICE);
		}
		assert_int_equal(thread_faults() - faults, 0);
		assert_int_equal(host_calls(f.m) - calls, 0);
		dma_unmap_page(f.dev, dma, SZ_64K, DMA_FROM_DEVICE);
		dmamap_free_pages(page, 4);
		teardown(&f);
	}
}

/* Scatter-gather lists: dma_map_sgtable + dma_unmap_sgtable of 8 scattered pages. */
static void test_sg(void **state)
{
	for (enum path p = DIRECT; p <= SWIOTLB; p++) {
		struct fixture f;
		struct page *pages[8];
		struct sg_table sgt;
		u64 calls = 0;
		long faults = 0;

		(void)state;
		setup(&f, p);
		for (int i = 0; i < 8; i++) {
			/* every other frame: no two entries adjacent */
			pages[i] = dmamap_alloc_pages(f.m, GFP_KERNEL, 1);
			assert_non_null(pages[i]);
		}
		assert_int_equal(sg_alloc_table_from_pages(&sgt, pages, 8, 0, 8 * PAGE_SIZE,
							   GFP_KERNEL), 0);
		for (int i = 0; i < WARMUP + PAIRS; i++) {
			struct scatterlist *sg;
			unsigned int k;

			if (i == WARMUP) {
				calls = host_calls(f.m);
				faults = thread_faults();
			}
			assert_int_equal(dma_map_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
			for_each_sgtable_dma_sg(&sgt, sg, k)
				assert_int_equal(dmamap_bus_fill(f.dev, sg_dma_address(sg), i & 0xff,
								 sg_dma_len(sg), NULL), 0);
			dma_unmap_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0);
			assert_int_equal(((u8 *)page_address(pages[i % 8]))[i % PAGE_SIZE], i & 0xff);
		}
		assert_int_equal(thread_faults() - faults, 0);
		assert_int_equal(host_calls(f.m) - calls, 0);
		sg_free_table(&sgt);
		for (int i = 0; i < 8; i++)
			dmamap_free_pages(pages[i], 1);
		teardown(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_iommu_strict),
		cmocka_unit_test(test_iommu_lazy),
		cmocka_unit_test(test_swiotlb),
		cmocka_unit_test(test_syncs),
		cmocka_unit_test(test_sg),
	};

	return cmocka_run_group_tests_name("steady-state", tests, NULL, NULL);
}
