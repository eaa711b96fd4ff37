// SPDX-License-Identifier: MIT
/*
 * DMAMAP_DEBUG_OWNERSHIP: the CPU writing a streaming buffer while the
 * device owns it (between a map or sync for the device and the unmap or
 * sync for the CPU) is reported when the CPU takes the buffer back, on the
 * direct path, through swiotlb and through an IOMMU, on both cache models:
 * on a coherent machine the write happens to reach the device, on hardware
 * it can be lost. The device's own writes are no such thing. Where a
 * buffer covers whole pages, reads are seen too (the pages are protected
 * while the device owns them), except the CPU's reads of a DMA_TO_DEVICE
 * buffer, which lose nothing.
 */
#include "test-util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEEN 8

struct seen {
	int n;
	enum dmamap_debug_kind kind[MAX_SEEN];
	dma_addr_t addr[MAX_SEEN];
	char msg[MAX_SEEN][256];
	char site[MAX_SEEN][160], map_site[MAX_SEEN][160];
};

static void record(const struct dmamap_debug_report *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN) {
		s->kind[s->n] = r->kind;
		s->addr[s->n] = r->addr;
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
	return strstr(site, "test-debug-ownership.c:") != NULL;
#else
	return !strncmp(site, "test-debug-ownership+0x", strlen("test-debug-ownership+0x"));
#endif
}

enum backend { DIRECT, SWIOTLB, IOMMU };

struct env {
	enum backend backend;
	bool coherent;
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct device *dev, *dev2;
	struct seen seen;
};

static const struct dmamap_bank low_high[] = {
	{ 0x80000000ULL, SZ_64M },
	{ 0x100000000ULL, SZ_64M },
};

static struct device *mkdev(struct env *e, const char *name)
{
	struct dmamap_device_config dc = { .name = name, .coherent = e->coherent };
	struct device *dev;

	assert_int_equal(dmamap_device_create(e->m, &dc, &dev), 0);
	if (e->d)
		assert_int_equal(iommu_attach_device(e->d, dev), 0);
	return dev;
}

static struct env *env_up(enum backend b, bool coherent, unsigned long debug)
{
	struct env *e = calloc(1, sizeof(*e));
	struct dmamap_machine_config mc = {
		.cache = coherent ? DMAMAP_CACHE_COHERENT : DMAMAP_CACHE_NONCOHERENT,
		.debug = debug,
	};

	e->backend = b;
	e->coherent = coherent;
	if (b == SWIOTLB) {
		/* buffers come from the bank above 4 GiB: a 32-bit device bounces them */
		mc.banks = low_high;
		mc.nr_banks = 2;
	}
	e->m = test_machine(&mc);
	if (b == IOMMU) {
		struct dmamap_iommu_config ic = { .type = IOMMU_DOMAIN_DMA };

		assert_int_equal(dmamap_iommu_domain_create(e->m, &ic, &e->d), 0);
	}
	e->dev = mkdev(e, "nic");
	e->dev2 = mkdev(e, "gpu");
	dmamap_debug_set_handler(e->m, record, &e->seen);
	return e;
}

#define SETUP(name, b, coh)						\
	static int name(void **state)					\
	{								\
		*state = env_up(b, coh, DMAMAP_DEBUG_ALL);		\
		return 0;						\
	}
SETUP(setup_direct_nc, DIRECT, false)
SETUP(setup_swiotlb_nc, SWIOTLB, false)
SETUP(setup_iommu_nc, IOMMU, false)
SETUP(setup_direct_c, DIRECT, true)
SETUP(setup_swiotlb_c, SWIOTLB, true)
SETUP(setup_iommu_c, IOMMU, true)

static int teardown(void **state)
{
	struct env *e = *state;

	assert_int_equal(e->seen.n, 0);	/* every report was expected */
	dmamap_device_destroy(e->dev);
	dmamap_device_destroy(e->dev2);
	assert_int_equal(e->seen.n, 0);
	if (e->d)
		iommu_domain_free(e->d);
	test_assert_no_leaks(e->m);
	dmamap_machine_destroy(e->m);
	free(e);
	return 0;
}

/* Exactly one cpu_ownership report, made at this file's call, for the mapping made here. */
static void expect_owner(struct env *e)
{
	if (e->seen.n != 1 || e->seen.kind[0] != DMAMAP_DEBUG_CPU_OWNERSHIP) {
		for (int i = 0; i < e->seen.n && i < MAX_SEEN; i++)
			print_message("report %d: %s: %s\n", i,
				      dmamap_debug_kind_name(e->seen.kind[i]), e->seen.msg[i]);
		fail_msg("expected one cpu_ownership report, got %d", e->seen.n);
	}
	if (!site_here(e->seen.site[0]))
		fail_msg("site '%s'", e->seen.site[0]);
	if (!site_here(e->seen.map_site[0]))
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

static u8 *buffer(struct env *e, size_t size)
{
	u8 *p = dmamap_kmalloc(e->m, size, GFP_KERNEL);

	assert_non_null(p);
	memset(p, 0x11, size);
	return p;
}

static dma_addr_t map(struct env *e, struct device *dev, void *buf, size_t size,
		      enum dma_data_direction dir)
{
	dma_addr_t dma = dma_map_single(dev, buf, size, dir);

	assert_false(dma_mapping_error(dev, dma));
	return dma;
}

/* A driver that hands its buffers over as it should: no report. */
static void test_correct_driver(void **state)
{
	struct env *e = *state;
	u8 *tx = buffer(e, 1500), *rx = buffer(e, 4096), tmp[4096];
	dma_addr_t dma;

	memset(tmp, 0x77, sizeof(tmp));
	/* transmit: the CPU fills, then maps; the device reads */
	memset(tx, 0x22, 1500);
	dma = map(e, e->dev, tx, 1500, DMA_TO_DEVICE);
	assert_int_equal(dmamap_bus_read(e->dev, dma, tmp, 1500, NULL), 0);
	dma_unmap_single(e->dev, dma, 1500, DMA_TO_DEVICE);
	tx[0] = 1;
	/* receive: the device writes, the CPU syncs, reads, writes, gives it back */
	dma = map(e, e->dev, rx, 4096, DMA_FROM_DEVICE);
	assert_int_equal(dmamap_bus_write(e->dev, dma, tmp, 4096, NULL), 0);
	dma_sync_single_for_cpu(e->dev, dma, 4096, DMA_FROM_DEVICE);
	assert_int_equal(rx[3000], 0x77);
	memset(rx, 0, 64);
	dma_sync_single_for_device(e->dev, dma, 4096, DMA_FROM_DEVICE);
	assert_int_equal(dmamap_bus_fill(e->dev, dma, 0x33, 4096, NULL), 0);
	dma_unmap_single(e->dev, dma, 4096, DMA_FROM_DEVICE);
	assert_int_equal(rx[4000], 0x33);
	/* both ways */
	dma = map(e, e->dev, rx, 4096, DMA_BIDIRECTIONAL);
	assert_int_equal(dmamap_bus_read(e->dev, dma, tmp, 4096, NULL), 0);
	assert_int_equal(dmamap_bus_write(e->dev, dma, tmp, 2048, NULL), 0);
	assert_int_equal(dmamap_bus_copy(e->dev, dma + 2048, dma, 1024, NULL), 0);
	dma_unmap_single(e->dev, dma, 4096, DMA_BIDIRECTIONAL);
	expect_none(e);
	dmamap_kfree(e->m, tx);
	dmamap_kfree(e->m, rx);
}

/*
 * A correct driver on every path the library has: streaming single and
 * list mappings with their syncs, a coherent buffer mapped to user space,
 * a non-contiguous one with its kernel mapping and syncs, dma_alloc_pages(),
 * a dma-buf shared by two devices with CPU access and mmap. With every
 * check on, not one report: a false alarm is a bug.
 */
static void test_clean_everywhere(void **state)
{
	struct env *e = *state;
	u8 tmp[8192], *buf = buffer(e, 8192);
	struct page *pages = dmamap_alloc_pages(e->m, GFP_KERNEL, 2), *np;
	struct scatterlist sg[3];
	struct sg_table sgt = { .sgl = sg, .orig_nents = 3 }, *nc, *shared[2];
	struct dma_buf_attachment *at[2];
	struct vm_area_struct *vma;
	struct dma_buf *b;
	dma_addr_t dma, cdma;
	void *cpu, *vaddr;

	assert_non_null(pages);
	memset(tmp, 0x3c, sizeof(tmp));
	/* single: receive, sync for the CPU, give back, unmap */
	dma = map(e, e->dev, buf, 8192, DMA_FROM_DEVICE);
	assert_int_equal(dmamap_bus_write(e->dev, dma, tmp, 8192, NULL), 0);
	dma_sync_single_for_cpu(e->dev, dma, 8192, DMA_FROM_DEVICE);
	assert_int_equal(buf[5000], 0x3c);
	dma_sync_single_for_device(e->dev, dma, 8192, DMA_FROM_DEVICE);
	dma_unmap_single(e->dev, dma, 8192, DMA_FROM_DEVICE);
	/* a list of three pieces, sent */
	sg_init_table(sg, 3);
	for (int i = 0; i < 3; i++)
		sg_set_page(&sg[i], nth_page(pages, (unsigned long)i), 2048, 1024);
	assert_int_equal(dma_map_sgtable(e->dev, &sgt, DMA_TO_DEVICE, 0), 0);
	assert_int_equal(dmamap_bus_read_sgtable(e->dev, &sgt, tmp, 6144, NULL), 0);
	dma_sync_sgtable_for_device(e->dev, &sgt, DMA_TO_DEVICE);
	dma_unmap_sgtable(e->dev, &sgt, DMA_TO_DEVICE, 0);
	/* coherent, shared with user space; both sides write whenever they like */
	cpu = dma_alloc_coherent(e->dev, 8192, &cdma, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(dmamap_vma_create(e->m, 8192, 0, &vma), 0);
	assert_int_equal(dma_mmap_coherent(e->dev, vma, cpu, cdma, 8192), 0);
	memset(cpu, 1, 64);
	assert_int_equal(dmamap_bus_write(e->dev, cdma + 4096, tmp, 4096, NULL), 0);
	assert_int_equal(dmamap_bus_read(e->dev, cdma, tmp, 64, NULL), 0);
	dmamap_vma_destroy(vma);
	dma_free_coherent(e->dev, 8192, cpu, cdma);
	/* non-contiguous, through its kernel mapping */
	nc = dma_alloc_noncontiguous(e->dev, 16384, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	assert_non_null(nc);
	vaddr = dma_vmap_noncontiguous(e->dev, 16384, nc);
	assert_non_null(vaddr);
	dma_sync_sgtable_for_device(e->dev, nc, DMA_BIDIRECTIONAL);
	assert_int_equal(dmamap_bus_write_sgtable(e->dev, nc, tmp, 8192, NULL), 0);
	dma_sync_sgtable_for_cpu(e->dev, nc, DMA_BIDIRECTIONAL);
	memset(vaddr, 2, 100);
	dma_vunmap_noncontiguous(e->dev, vaddr);
	dma_free_noncontiguous(e->dev, 16384, nc, DMA_BIDIRECTIONAL);
	/* dma_alloc_pages(): owned by the device between the syncs */
	np = dma_alloc_pages(e->dev, 4096, &dma, DMA_FROM_DEVICE, GFP_KERNEL);
	assert_non_null(np);
	dma_sync_single_for_device(e->dev, dma, 4096, DMA_FROM_DEVICE);
	assert_int_equal(dmamap_bus_write(e->dev, dma, tmp, 4096, NULL), 0);
	dma_sync_single_for_cpu(e->dev, dma, 4096, DMA_FROM_DEVICE);
	memset(page_address(np), 0, 16);
	dma_free_pages(e->dev, 4096, np, dma, DMA_FROM_DEVICE);
	/* a dma-buf: one device writes it, the other reads it, the CPU looks and maps it */
	b = dmamap_dma_buf_alloc(e->dev, SZ_64K, 0);
	assert_false(IS_ERR(b));
	at[0] = dma_buf_attach(b, e->dev);
	at[1] = dma_buf_attach(b, e->dev2);
	assert_false(IS_ERR(at[0]) || IS_ERR(at[1]));
	shared[0] = dma_buf_map_attachment_unlocked(at[0], DMA_FROM_DEVICE);
	assert_false(IS_ERR(shared[0]));
	assert_int_equal(dmamap_bus_write_sgtable(e->dev, shared[0], tmp, 8192, NULL), 0);
	dma_buf_unmap_attachment_unlocked(at[0], shared[0], DMA_FROM_DEVICE);
	shared[1] = dma_buf_map_attachment_unlocked(at[1], DMA_TO_DEVICE);
	assert_false(IS_ERR(shared[1]));
	assert_int_equal(dmamap_bus_read_sgtable(e->dev2, shared[1], tmp, 8192, NULL), 0);
	dma_buf_unmap_attachment_unlocked(at[1], shared[1], DMA_TO_DEVICE);
	assert_int_equal(dma_buf_begin_cpu_access(b, DMA_FROM_DEVICE), 0);
	assert_int_equal(dma_buf_end_cpu_access(b, DMA_FROM_DEVICE), 0);
	assert_int_equal(dmamap_vma_create(e->m, SZ_64K, 0, &vma), 0);
	assert_int_equal(dma_buf_mmap(b, vma, 0), 0);
	dmamap_vma_destroy(vma);
	dma_buf_detach(b, at[0]);
	dma_buf_detach(b, at[1]);
	dma_buf_put(b);
	expect_none(e);
	dmamap_free_pages(pages, 2);
	dmamap_kfree(e->m, buf);
}

/* The CPU writes a buffer it has mapped for the device to read. */
static void test_write_after_map(void **state)
{
	struct env *e = *state;
	u8 *buf = buffer(e, 1500);
	dma_addr_t dma = map(e, e->dev, buf, 1500, DMA_TO_DEVICE);

	buf[700] ^= 0xff;
	expect_none(e);			/* seen when the CPU takes it back */
	dma_unmap_single(e->dev, dma, 1500, DMA_TO_DEVICE);
	expect_owner(e);
	assert_int_equal(e->seen.addr[0], dma);
	dmamap_kfree(e->m, buf);
}

/* A receive buffer written before the sync for the CPU, with the device's data in it too. */
static void test_write_before_sync_for_cpu(void **state)
{
	struct env *e = *state;
	u8 *buf = buffer(e, 4096), tmp[512];
	dma_addr_t dma = map(e, e->dev, buf, 4096, DMA_FROM_DEVICE);

	memset(tmp, 0x5a, sizeof(tmp));
	assert_int_equal(dmamap_bus_write(e->dev, dma, tmp, sizeof(tmp), NULL), 0);
	buf[3000] = 0xee;		/* the CPU, too early */
	assert_int_equal(dmamap_bus_write(e->dev, dma + 1024, tmp, sizeof(tmp), NULL), 0);
	dma_sync_single_for_cpu(e->dev, dma, 4096, DMA_FROM_DEVICE);
	expect_owner(e);
	buf[3000] = 1;			/* the CPU's now */
	dma_unmap_single(e->dev, dma, 4096, DMA_FROM_DEVICE);
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

/* A write between the map and a sync for the device is still the device's buffer. */
static void test_write_before_sync_for_device(void **state)
{
	struct env *e = *state;
	u8 *buf = buffer(e, 2048);
	dma_addr_t dma = map(e, e->dev, buf, 2048, DMA_TO_DEVICE);

	buf[10] = 0x99;
	dma_sync_single_for_device(e->dev, dma, 2048, DMA_TO_DEVICE);
	expect_none(e);
	dma_unmap_single(e->dev, dma, 2048, DMA_TO_DEVICE);
	expect_owner(e);
	dmamap_kfree(e->m, buf);
}

/* A part synced for the CPU is the CPU's; the rest stays the device's. */
static void test_partial_sync(void **state)
{
	struct env *e = *state;
	u8 *buf = buffer(e, 8192);
	dma_addr_t dma = map(e, e->dev, buf, 8192, DMA_FROM_DEVICE);

	dma_sync_single_for_cpu(e->dev, dma, 2048, DMA_FROM_DEVICE);
	memset(buf, 0, 2048);
	dma_unmap_single(e->dev, dma, 8192, DMA_FROM_DEVICE);
	expect_none(e);
	dma = map(e, e->dev, buf, 8192, DMA_FROM_DEVICE);
	dma_sync_single_range_for_cpu(e->dev, dma, 0, 2048, DMA_FROM_DEVICE);
	buf[6000] = 3;			/* not synced */
	dma_unmap_single(e->dev, dma, 8192, DMA_FROM_DEVICE);
	expect_owner(e);
	dmamap_kfree(e->m, buf);
}

/*
 * A part synced for the CPU that ends inside a cache line: its maintenance
 * cleans and invalidates that whole line, which changes the CPU's view of
 * the bytes the device still owns in it. That is not the CPU writing.
 */
static void test_partial_sync_inside_a_line(void **state)
{
	struct env *e = *state;
	u8 *buf = buffer(e, 9815), tmp[4772];
	dma_addr_t dma = map(e, e->dev, buf, 9815, DMA_BIDIRECTIONAL);

	memset(tmp, 0x6d, sizeof(tmp));
	assert_int_equal(dmamap_bus_write(e->dev, dma + 4180, tmp, sizeof(tmp), NULL), 0);
	assert_int_equal(dmamap_bus_write(e->dev, dma + 4100, tmp, 200, NULL), 0);
	dma_sync_single_for_cpu(e->dev, dma + 4180, 4772, DMA_BIDIRECTIONAL);
	dma_unmap_single(e->dev, dma, 9815, DMA_BIDIRECTIONAL);
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

/* A list changes hands whole. */
static void test_sg(void **state)
{
	struct env *e = *state;
	struct page *pages = dmamap_alloc_pages(e->m, GFP_KERNEL, 2);
	struct scatterlist sg[4];
	struct sg_table sgt = { .sgl = sg, .orig_nents = 4 };
	u8 tmp[1024];

	assert_non_null(pages);
	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&sg[i], nth_page(pages, (unsigned long)i), 1024, 1024);
	assert_int_equal(dma_map_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	memset(tmp, 0x44, sizeof(tmp));
	assert_int_equal(dmamap_bus_write_sgtable(e->dev, &sgt, tmp, sizeof(tmp), NULL), 0);
	dma_sync_sgtable_for_cpu(e->dev, &sgt, DMA_BIDIRECTIONAL);
	expect_none(e);
	((u8 *)page_address(nth_page(pages, 2)))[1100] = 1;	/* the CPU's: synced */
	dma_sync_sgtable_for_device(e->dev, &sgt, DMA_BIDIRECTIONAL);
	((u8 *)page_address(nth_page(pages, 3)))[1500] = 2;	/* the device's */
	dma_unmap_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0);
	expect_owner(e);
	dmamap_free_pages(pages, 2);
}

/* expect_owner(), for a report that says the CPU did @what ("read", "wrote"). */
static void expect_owner_did(struct env *e, const char *what)
{
	char want[32];

	snprintf(want, sizeof(want), "the CPU %s ", what);
	if (e->seen.n >= 1 && !strstr(e->seen.msg[0], want))
		fail_msg("'%s' does not say '%s'", e->seen.msg[0], want);
	expect_owner(e);
}

static struct page *page_for(struct env *e, unsigned int order, int byte)
{
	struct page *page = dmamap_alloc_pages(e->m, GFP_KERNEL, order);

	assert_non_null(page);
	memset(page_address(page), byte, PAGE_SIZE << order);
	return page;
}

static dma_addr_t map_page(struct env *e, struct page *page, size_t size,
			   enum dma_data_direction dir)
{
	dma_addr_t dma = dma_map_page(e->dev, page, 0, size, dir);

	assert_false(dma_mapping_error(e->dev, dma));
	return dma;
}

/*
 * A read while the device owns a buffer that covers whole pages: its pages
 * are protected, so the read is seen, and reported with the instruction
 * that made it. It still reads what it would have.
 */
static void test_read_while_device_owns(void **state)
{
	struct env *e = *state;
	struct page *page = page_for(e, 0, 0x11);
	volatile u8 *buf = page_address(page);
	dma_addr_t dma = map_page(e, page, PAGE_SIZE, DMA_FROM_DEVICE);
	u8 v;

	v = buf[100];			/* too early: the device owns it */
	expect_none(e);
	dma_unmap_page(e->dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);
	expect_owner_did(e, "read");
	(void)v;	/* stale or not, as the cache model has it: the point is the report */
	dmamap_free_pages(page, 0);
}

/* A read after the sync for the CPU, a write before the sync for the device: no report. */
static void test_read_after_sync(void **state)
{
	struct env *e = *state;
	struct page *page = page_for(e, 0, 0);
	volatile u8 *buf = page_address(page);
	dma_addr_t dma = map_page(e, page, PAGE_SIZE, DMA_BIDIRECTIONAL);
	u8 tmp[64];

	memset(tmp, 0x5c, sizeof(tmp));
	assert_int_equal(dmamap_bus_write(e->dev, dma + 64, tmp, sizeof(tmp), NULL), 0);
	dma_sync_single_for_cpu(e->dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_int_equal(buf[64], 0x5c);
	buf[0] = 1;
	dma_sync_single_for_device(e->dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_int_equal(dmamap_bus_read(e->dev, dma + 64, tmp, sizeof(tmp), NULL), 0);
	dma_unmap_page(e->dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	expect_none(e);
	assert_int_equal(buf[65], 0x5c);
	dmamap_free_pages(page, 0);
}

/*
 * DMA_TO_DEVICE: the device only reads, so the CPU may read too; a write
 * is reported, and happens.
 */
static void test_to_device_read_allowed(void **state)
{
	struct env *e = *state;
	struct page *page = page_for(e, 0, 0x21);
	volatile u8 *buf = page_address(page);
	dma_addr_t dma = map_page(e, page, PAGE_SIZE, DMA_TO_DEVICE);

	assert_int_equal(buf[7], 0x21);
	dma_unmap_page(e->dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	expect_none(e);
	dma = map_page(e, page, PAGE_SIZE, DMA_TO_DEVICE);
	buf[7] = 0x42;
	dma_unmap_page(e->dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	expect_owner_did(e, "wrote");
	assert_int_equal(buf[7], 0x42);
	dmamap_free_pages(page, 0);
}

/* A read of one page of a list of whole pages, between the sync for the device and the unmap. */
static void test_sg_read(void **state)
{
	struct env *e = *state;
	struct page *pages = page_for(e, 2, 0x31);
	struct scatterlist sg[4];
	struct sg_table sgt = { .sgl = sg, .orig_nents = 4 };
	volatile u8 *third = page_address(nth_page(pages, 2));
	u8 v;

	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&sg[i], nth_page(pages, (unsigned long)(i ^ 1)), PAGE_SIZE, 0);
	assert_int_equal(dma_map_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	dma_sync_sgtable_for_cpu(e->dev, &sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(third[9], 0x31);	/* the CPU's: synced */
	dma_sync_sgtable_for_device(e->dev, &sgt, DMA_BIDIRECTIONAL);
	expect_none(e);
	v = third[10];				/* the device's */
	dma_unmap_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0);
	expect_owner_did(e, "read");
	assert_int_equal(v, 0x31);
	dmamap_free_pages(pages, 2);
}

/*
 * A buffer of more pages than are protected at a time (4096) is summed: a
 * write is still seen (at the unmap, which the report then names), a read
 * is not.
 */
static void test_large_buffer_summed(void **state)
{
	enum { BLOCKS = 5, PER = 64, SEG = 16 * PAGE_SIZE };	/* 64 KiB: the max segment */
	struct env *e = env_up(DIRECT, false, DMAMAP_DEBUG_ALL);
	static struct scatterlist sg[BLOCKS * PER];
	struct sg_table sgt = { .sgl = sg, .orig_nents = BLOCKS * PER };
	struct page *blk[BLOCKS];
	volatile u8 *buf;
	u8 v;

	(void)state;
	sg_init_table(sg, BLOCKS * PER);
	for (int i = 0; i < BLOCKS; i++) {
		blk[i] = page_for(e, 10, 0x51);
		for (int k = 0; k < PER; k++)
			sg_set_page(&sg[i * PER + k], nth_page(blk[i], (unsigned long)k * 16), SEG, 0);
	}
	buf = page_address(blk[3]);
	assert_int_equal(dma_map_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	v = buf[100];
	(void)v;
	dma_unmap_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0);
	expect_none(e);
	assert_int_equal(dma_map_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	buf[100] = 0x52;
	dma_unmap_sgtable(e->dev, &sgt, DMA_BIDIRECTIONAL, 0);
	expect_owner_did(e, "wrote");
	for (int i = 0; i < BLOCKS; i++)
		dmamap_free_pages(blk[i], 10);
	teardown((void **)&e);
}

/*
 * Another device writes a buffer this one owns (a buffer shared between
 * two): the other device's write is not the CPU's.
 */
static void test_other_device_writes(void **state)
{
	struct env *e;
	struct page *page;
	dma_addr_t a, b;
	u8 tmp[4096];

	(void)state;
	/* ownership only: the overlap of the two mappings is the API check's business */
	e = env_up(DIRECT, true, DMAMAP_DEBUG_OWNERSHIP);
	page = dmamap_alloc_pages(e->m, GFP_KERNEL, 0);
	assert_non_null(page);
	a = dma_map_page(e->dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	b = dma_map_page(e->dev2, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	memset(tmp, 0x66, sizeof(tmp));
	assert_int_equal(dmamap_bus_write(e->dev2, b, tmp, sizeof(tmp), NULL), 0);
	dma_unmap_page(e->dev2, b, PAGE_SIZE, DMA_FROM_DEVICE);
	dma_unmap_page(e->dev, a, PAGE_SIZE, DMA_TO_DEVICE);
	expect_none(e);
	dmamap_free_pages(page, 0);
	teardown((void **)&e);
}

/* Without the flag, nothing is followed. */
static void test_off_without_flag(void **state)
{
	struct env *e = env_up(DIRECT, false, DMAMAP_DEBUG_API);
	u8 *buf = buffer(e, 256);
	dma_addr_t dma = map(e, e->dev, buf, 256, DMA_TO_DEVICE);

	(void)state;
	buf[1] = 9;
	dma_unmap_single(e->dev, dma, 256, DMA_TO_DEVICE);
	expect_none(e);
	dmamap_kfree(e->m, buf);
	teardown((void **)&e);
}

#define ON_ALL(t)								\
	cmocka_unit_test_setup_teardown(t, setup_direct_nc, teardown),		\
	cmocka_unit_test_setup_teardown(t, setup_swiotlb_nc, teardown),		\
	cmocka_unit_test_setup_teardown(t, setup_iommu_nc, teardown),		\
	cmocka_unit_test_setup_teardown(t, setup_direct_c, teardown),		\
	cmocka_unit_test_setup_teardown(t, setup_swiotlb_c, teardown),		\
	cmocka_unit_test_setup_teardown(t, setup_iommu_c, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_ALL(test_correct_driver),
		ON_ALL(test_clean_everywhere),
		ON_ALL(test_write_after_map),
		ON_ALL(test_write_before_sync_for_cpu),
		ON_ALL(test_write_before_sync_for_device),
		ON_ALL(test_partial_sync),
		ON_ALL(test_partial_sync_inside_a_line),
		ON_ALL(test_sg),
		ON_ALL(test_read_while_device_owns),
		ON_ALL(test_read_after_sync),
		ON_ALL(test_to_device_read_allowed),
		ON_ALL(test_sg_read),
		cmocka_unit_test(test_large_buffer_summed),
		cmocka_unit_test(test_other_device_writes),
		cmocka_unit_test(test_off_without_flag),
	};

	return cmocka_run_group_tests_name("debug-ownership", tests, NULL, NULL);
}
