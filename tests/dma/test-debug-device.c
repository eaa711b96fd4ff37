// SPDX-License-Identifier: MIT
/*
 * DMAMAP_DEBUG_DEVICE: every bus access of a device is checked against the
 * device's live mappings and allocations, on the direct path, through
 * swiotlb and through an IOMMU. An access outside all of them (an overrun
 * inside the same page included, which no IOMMU sees), a write into a
 * DMA_TO_DEVICE mapping or a read of a DMA_FROM_DEVICE one is reported as
 * device_access, naming the caller of the bus call and where the mapping
 * concerned was made. The access itself happens as it would on hardware.
 */
#include "test-util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEEN 8
#define DOORBELL 0x40000000ULL

struct seen {
	int n;
	enum dmamap_debug_kind kind[MAX_SEEN];
	dma_addr_t addr[MAX_SEEN];
	size_t size[MAX_SEEN];
	char msg[MAX_SEEN][256];
	char site[MAX_SEEN][160], map_site[MAX_SEEN][160];
};

static void record(const struct dmamap_debug_report *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN) {
		s->kind[s->n] = r->kind;
		s->addr[s->n] = r->addr;
		s->size[s->n] = r->size;
		snprintf(s->msg[s->n], sizeof(s->msg[0]), "%s", r->message);
		snprintf(s->site[s->n], sizeof(s->site[0]), "%s", r->site ? r->site : "");
		snprintf(s->map_site[s->n], sizeof(s->map_site[0]), "%s",
			 r->map_site ? r->map_site : "");
	}
	s->n++;
}

/*
 * Is @site in this file? "file:line (function)" from the debug information,
 * or, in a build without libdw (the arm64 one), an offset in the program.
 */
static bool site_here(const char *site)
{
#ifdef DMAMAP_HAVE_LIBDW
	return strstr(site, "test-debug-device.c:") != NULL;
#else
	return !strncmp(site, "test-debug-device+0x", strlen("test-debug-device+0x"));
#endif
}

enum backend { DIRECT, SWIOTLB, IOMMU };

struct env {
	enum backend backend;
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct device *dev;
	struct seen seen;
};

static const struct dmamap_bank low_high[] = {
	{ 0x80000000ULL, SZ_64M },
	{ 0x100000000ULL, SZ_64M },
};

static int setup(void **state, enum backend b, unsigned long debug)
{
	struct env *e = calloc(1, sizeof(*e));
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT, .debug = debug };
	struct dmamap_device_config dc = { .name = "nic" };

	e->backend = b;
	if (b == SWIOTLB) {
		/* buffers come from the bank above 4 GiB: a 32-bit device bounces them */
		mc.banks = low_high;
		mc.nr_banks = 2;
	}
	e->m = test_machine(&mc);
	e->dev = test_device(e->m, &dc, NULL);
	if (b == IOMMU) {
		struct dmamap_iommu_config ic = { .type = IOMMU_DOMAIN_DMA };

		assert_int_equal(dmamap_iommu_domain_create(e->m, &ic, &e->d), 0);
		assert_int_equal(iommu_attach_device(e->d, e->dev), 0);
	}
	dmamap_debug_set_handler(e->m, record, &e->seen);
	*state = e;
	return 0;
}

static int setup_direct(void **state)
{
	return setup(state, DIRECT, DMAMAP_DEBUG_API | DMAMAP_DEBUG_DEVICE);
}

static int setup_swiotlb(void **state)
{
	return setup(state, SWIOTLB, DMAMAP_DEBUG_API | DMAMAP_DEBUG_DEVICE);
}

static int setup_iommu(void **state)
{
	return setup(state, IOMMU, DMAMAP_DEBUG_API | DMAMAP_DEBUG_DEVICE);
}

static int teardown(void **state)
{
	struct env *e = *state;

	assert_int_equal(e->seen.n, 0);	/* every report was expected */
	dmamap_device_destroy(e->dev);
	assert_int_equal(e->seen.n, 0);	/* and nothing leaked */
	if (e->d)
		iommu_domain_free(e->d);
	test_assert_no_leaks(e->m);
	dmamap_machine_destroy(e->m);
	free(e);
	return 0;
}

/* Exactly one device_access report since the last call, naming this file as its site. */
static void expect_access(struct env *e, bool map_site)
{
	if (e->seen.n != 1 || e->seen.kind[0] != DMAMAP_DEBUG_DEVICE_ACCESS) {
		for (int i = 0; i < e->seen.n && i < MAX_SEEN; i++)
			print_message("report %d: %s: %s\n", i,
				      dmamap_debug_kind_name(e->seen.kind[i]), e->seen.msg[i]);
		fail_msg("expected one device_access report, got %d", e->seen.n);
	}
	if (!site_here(e->seen.site[0]))
		fail_msg("site '%s'", e->seen.site[0]);
	if (map_site && !site_here(e->seen.map_site[0]))
		fail_msg("map_site '%s'", e->seen.map_site[0]);
	e->seen.n = 0;
}

static void expect_none(struct env *e)
{
	for (int i = 0; i < e->seen.n && i < MAX_SEEN; i++)
		print_message("unexpected report %d: %s: %s\n", i,
			      dmamap_debug_kind_name(e->seen.kind[i]), e->seen.msg[i]);
	assert_int_equal(e->seen.n, 0);
}

static dma_addr_t map(struct env *e, void *buf, size_t size, enum dma_data_direction dir)
{
	dma_addr_t dma = dma_map_single(e->dev, buf, size, dir);

	assert_false(dma_mapping_error(e->dev, dma));
	return dma;
}

/* A driver that uses each mapping as it should: no report. */
static void test_correct_accesses(void **state)
{
	struct env *e = *state;
	u8 *rx = dmamap_kmalloc(e->m, 4096, GFP_KERNEL), *tx = dmamap_kmalloc(e->m, 1500, GFP_KERNEL);
	u8 tmp[4096];
	dma_addr_t rx_dma, tx_dma, bi_dma, c_dma;
	struct scatterlist sg[4];
	struct sg_table sgt = { .sgl = sg, .orig_nents = 4 };
	struct page *pages = dmamap_alloc_pages(e->m, GFP_KERNEL, 2);
	void *coh;

	assert_non_null(rx);
	assert_non_null(tx);
	assert_non_null(pages);
	rx_dma = map(e, rx, 4096, DMA_FROM_DEVICE);
	tx_dma = map(e, tx, 1500, DMA_TO_DEVICE);
	assert_int_equal(dmamap_bus_write(e->dev, rx_dma, tmp, 4096, NULL), 0);
	assert_int_equal(dmamap_bus_fill(e->dev, rx_dma + 100, 0, 200, NULL), 0);
	assert_int_equal(dmamap_bus_read(e->dev, tx_dma, tmp, 1500, NULL), 0);
	assert_int_equal(dmamap_bus_copy(e->dev, rx_dma, tx_dma, 1500, NULL), 0);
	dma_unmap_single(e->dev, tx_dma, 1500, DMA_TO_DEVICE);
	bi_dma = map(e, tx, 1500, DMA_BIDIRECTIONAL);
	assert_int_equal(dmamap_bus_read(e->dev, bi_dma, tmp, 1500, NULL), 0);
	assert_int_equal(dmamap_bus_write(e->dev, bi_dma, tmp, 1500, NULL), 0);
	dma_unmap_single(e->dev, bi_dma, 1500, DMA_BIDIRECTIONAL);
	dma_unmap_single(e->dev, rx_dma, 4096, DMA_FROM_DEVICE);

	/* a list, read across its DMA segments */
	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&sg[i], nth_page(pages, (unsigned long)i), 1024, 512);
	assert_int_equal(dma_map_sgtable(e->dev, &sgt, DMA_TO_DEVICE, 0), 0);
	assert_int_equal(dmamap_bus_read_sgtable(e->dev, &sgt, tmp, 4096, NULL), 0);
	dma_unmap_sgtable(e->dev, &sgt, DMA_TO_DEVICE, 0);

	coh = dma_alloc_coherent(e->dev, 8192, &c_dma, GFP_KERNEL);
	assert_non_null(coh);
	assert_int_equal(dmamap_bus_write(e->dev, c_dma, tmp, 4096, NULL), 0);
	assert_int_equal(dmamap_bus_read(e->dev, c_dma + 4096, tmp, 4096, NULL), 0);
	dma_free_coherent(e->dev, 8192, coh, c_dma);
	expect_none(e);
	dmamap_free_pages(pages, 2);
	dmamap_kfree(e->m, rx);
	dmamap_kfree(e->m, tx);
}

/* Four bytes past a 100-byte buffer, inside its page: reported, and still written. */
static void test_overrun_in_page(void **state)
{
	struct env *e = *state;
	u8 *buf = dmamap_kmalloc(e->m, 4096, GFP_KERNEL);
	u8 data[104];
	dma_addr_t dma;

	assert_non_null(buf);
	memset(buf, 0, 4096);
	memset(data, 0xab, sizeof(data));
	dma = map(e, buf, 100, DMA_FROM_DEVICE);
	assert_int_equal(dmamap_bus_write(e->dev, dma, data, 104, NULL), 0);
	expect_access(e, true);
	assert_non_null(strstr(e->seen.msg[0], "past the end"));
	dma_unmap_single(e->dev, dma, 100, DMA_FROM_DEVICE);
	if (e->backend != SWIOTLB)
		/* the bytes past the buffer reached memory, as on hardware */
		assert_true(test_all_bytes(buf + 100, 4, 0xab));
	/* a read that starts inside and ends outside */
	dma = map(e, buf, 100, DMA_TO_DEVICE);
	assert_int_equal(dmamap_bus_read(e->dev, dma + 50, data, 51, NULL), 0);
	expect_access(e, true);
	dma_unmap_single(e->dev, dma, 100, DMA_TO_DEVICE);
	dmamap_kfree(e->m, buf);
}

/* The device writing what it was given to read, reading what it was given to write. */
static void test_wrong_direction(void **state)
{
	struct env *e = *state;
	u8 *buf = dmamap_kmalloc(e->m, 4096, GFP_KERNEL), tmp[256];
	dma_addr_t dma;

	assert_non_null(buf);
	dma = map(e, buf, 2048, DMA_TO_DEVICE);
	dmamap_bus_write(e->dev, dma + 256, tmp, 256, NULL);
	expect_access(e, true);
	assert_non_null(strstr(e->seen.msg[0], "DMA_TO_DEVICE"));
	dmamap_bus_fill(e->dev, dma, 0, 16, NULL);
	expect_access(e, true);
	dmamap_bus_copy(e->dev, dma + 1024, dma, 16, NULL);	/* reads fine, writes not */
	expect_access(e, true);
	dma_unmap_single(e->dev, dma, 2048, DMA_TO_DEVICE);
	dma = map(e, buf, 2048, DMA_FROM_DEVICE);
	dmamap_bus_read(e->dev, dma, tmp, 256, NULL);
	expect_access(e, true);
	assert_non_null(strstr(e->seen.msg[0], "DMA_FROM_DEVICE"));
	dma_unmap_single(e->dev, dma, 2048, DMA_FROM_DEVICE);
	dmamap_kfree(e->m, buf);
}

/* After the unmap the address is the device's no more; through an IOMMU it also faults. */
static void test_after_unmap(void **state)
{
	struct env *e = *state;
	u8 *buf = dmamap_kmalloc(e->m, 4096, GFP_KERNEL), tmp[64];
	dma_addr_t dma;
	int ret;

	assert_non_null(buf);
	dma = map(e, buf, 4096, DMA_FROM_DEVICE);
	dma_unmap_single(e->dev, dma, 4096, DMA_FROM_DEVICE);
	ret = dmamap_bus_write(e->dev, dma, tmp, sizeof(tmp), NULL);
	expect_access(e, false);
	assert_non_null(strstr(e->seen.msg[0], "none of the device's live mappings"));
	if (e->backend == IOMMU)
		assert_int_equal(ret, -EFAULT);
	dmamap_kfree(e->m, buf);
}

/* A list's accesses name the caller of the list's bus call. */
static void test_sgtable_site(void **state)
{
	struct env *e = *state;
	struct page *pages = dmamap_alloc_pages(e->m, GFP_KERNEL, 1);
	struct scatterlist sg[2];
	struct sg_table sgt = { .sgl = sg, .orig_nents = 2 };
	u8 tmp[8192];

	assert_non_null(pages);
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], pages, 4096, 0);
	sg_set_page(&sg[1], nth_page(pages, 1), 4096, 0);
	assert_int_equal(dma_map_sgtable(e->dev, &sgt, DMA_TO_DEVICE, 0), 0);
	dmamap_bus_write_sgtable(e->dev, &sgt, tmp, 8192, NULL);
	assert_true(e->seen.n >= 1);
	for (int i = 0; i < e->seen.n && i < MAX_SEEN; i++) {
		assert_int_equal(e->seen.kind[i], DMAMAP_DEBUG_DEVICE_ACCESS);
		assert_true(site_here(e->seen.site[i]));
	}
	e->seen.n = 0;
	dma_unmap_sgtable(e->dev, &sgt, DMA_TO_DEVICE, 0);
	dmamap_free_pages(pages, 1);
}

/* A peer's doorbell reached through dma_map_resource() is the device's to write. */
static void test_resource(void **state)
{
	struct env *e = *state;
	struct dmamap_mmio_config cfg = { .base = DOORBELL, .size = PAGE_SIZE };
	struct dmamap_mmio_region *r;
	u32 v = 1;
	dma_addr_t dma;

	assert_int_equal(dmamap_mmio_region_create(e->m, &cfg, &r), 0);
	dma = dma_map_resource(e->dev, DOORBELL, 64, DMA_TO_DEVICE, 0);
	assert_false(dma_mapping_error(e->dev, dma));
	assert_int_equal(dmamap_bus_read(e->dev, dma, &v, sizeof(v), NULL), 0);
	expect_none(e);
	dmamap_bus_read(e->dev, dma + 64, &v, sizeof(v), NULL);
	expect_access(e, true);
	dma_unmap_resource(e->dev, dma, 32, DMA_TO_DEVICE, 0);		/* another size: refused */
	assert_int_equal(e->seen.n, 1);
	assert_int_equal(e->seen.kind[0], DMAMAP_DEBUG_WRONG_SIZE);
	e->seen.n = 0;
	dma_unmap_resource(e->dev, dma, 64, DMA_TO_DEVICE, 0);
	expect_none(e);
	dma_unmap_resource(e->dev, dma, 64, DMA_TO_DEVICE, 0);		/* twice */
	assert_int_equal(e->seen.n, 1);
	assert_int_equal(e->seen.kind[0], DMAMAP_DEBUG_UNKNOWN_ADDR);
	e->seen.n = 0;
	dmamap_mmio_region_destroy(r);
}

/* Without DMAMAP_DEBUG_DEVICE the accesses are not checked. */
static void test_off_without_flag(void **state)
{
	struct env *e;
	u8 *buf, tmp[16];
	dma_addr_t dma;

	(void)state;
	setup((void **)&e, DIRECT, DMAMAP_DEBUG_API);
	buf = dmamap_kmalloc(e->m, 4096, GFP_KERNEL);
	dma = map(e, buf, 8, DMA_TO_DEVICE);
	assert_int_equal(dmamap_bus_write(e->dev, dma, tmp, 16, NULL), 0);
	expect_none(e);
	dma_unmap_single(e->dev, dma, 8, DMA_TO_DEVICE);
	dmamap_kfree(e->m, buf);
	teardown((void **)&e);
}

#define ON_ALL(t) \
	cmocka_unit_test_setup_teardown(t, setup_direct, teardown), \
	cmocka_unit_test_setup_teardown(t, setup_swiotlb, teardown), \
	cmocka_unit_test_setup_teardown(t, setup_iommu, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_ALL(test_correct_accesses),
		ON_ALL(test_overrun_in_page),
		ON_ALL(test_wrong_direction),
		ON_ALL(test_after_unmap),
		ON_ALL(test_sgtable_site),
		/* swiotlb bounces RAM only; a resource is the same on both other paths */
		cmocka_unit_test_setup_teardown(test_resource, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_resource, setup_iommu, teardown),
		cmocka_unit_test(test_off_without_flag),
	};

	return cmocka_run_group_tests_name("debug-device", tests, NULL, NULL);
}
