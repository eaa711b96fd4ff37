// SPDX-License-Identifier: MIT
/*
 * The debugger's DMA-API checks (src/dma/debug.c, DMAMAP_DEBUG_API): each
 * check of the kernel's kernel/dma/debug.c, on each backend where it
 * applies (the direct path, bouncing through swiotlb, an IOMMU), reported
 * once with its kind, the site of the call and of the mapping; a call that
 * cannot be served is refused and changes nothing.
 */
#include "test-util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEEN 32

struct seen {
	int n;
	enum dmamap_debug_kind kind[MAX_SEEN];
	dma_addr_t addr[MAX_SEEN];
	bool site[MAX_SEEN], map_site[MAX_SEEN];
	char msg[MAX_SEEN][256];
	char site_text[MAX_SEEN][160], map_site_text[MAX_SEEN][160];
};

static void record(const struct dmamap_debug_report *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN) {
		s->kind[s->n] = r->kind;
		s->addr[s->n] = r->addr;
		s->site[s->n] = r->site != NULL;
		s->map_site[s->n] = r->map_site != NULL;
		snprintf(s->msg[s->n], sizeof(s->msg[0]), "%s", r->message);
		snprintf(s->site_text[s->n], sizeof(s->site_text[0]), "%s",
			 r->site ? r->site : "");
		snprintf(s->map_site_text[s->n], sizeof(s->map_site_text[0]), "%s",
			 r->map_site ? r->map_site : "");
	}
	s->n++;
}

enum backend { DIRECT, SWIOTLB, IOMMU };

struct env {
	enum backend backend;
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct device *dev, *dev2;
	struct seen seen;
};

static const struct dmamap_bank low_high[] = {
	{ 0x80000000ULL, SZ_64M },
	{ 0x100000000ULL, SZ_64M },
};

static int setup(void **state, enum backend b)
{
	struct env *e = calloc(1, sizeof(*e));
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT,
					    .debug = DMAMAP_DEBUG_API };

	e->backend = b;
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
	e->dev = test_device(e->m, TEST_DEVCFG(.name = "nic"), e->d);
	e->dev2 = test_device(e->m, TEST_DEVCFG(.name = "gpu"), e->d);
	dmamap_debug_set_handler(e->m, record, &e->seen);
	*state = e;
	return 0;
}

static int setup_direct(void **state)
{
	return setup(state, DIRECT);
}

static int setup_swiotlb(void **state)
{
	return setup(state, SWIOTLB);
}

static int setup_iommu(void **state)
{
	return setup(state, IOMMU);
}

static int teardown(void **state)
{
	struct env *e = *state;

	assert_int_equal(e->seen.n, 0);	/* every report was expected */
	dmamap_device_destroy(e->dev);
	dmamap_device_destroy(e->dev2);
	assert_int_equal(e->seen.n, 0);	/* and nothing leaked */
	if (e->d)
		iommu_domain_free(e->d);
	test_assert_no_leaks(e->m);
	dmamap_machine_destroy(e->m);
	free(e);
	return 0;
}

/* Exactly one report since the last call, of @kind, naming the call's site. */
static void expect(struct env *e, enum dmamap_debug_kind kind)
{
	if (e->seen.n != 1 || e->seen.kind[0] != kind) {
		for (int i = 0; i < e->seen.n && i < MAX_SEEN; i++)
			print_message("report %d: %s: %s\n", i,
				      dmamap_debug_kind_name(e->seen.kind[i]), e->seen.msg[i]);
		fail_msg("expected one %s report, got %d", dmamap_debug_kind_name(kind),
			 e->seen.n);
	}
	assert_true(e->seen.site[0]);
	e->seen.n = 0;
}

static void expect_none(struct env *e)
{
	for (int i = 0; i < e->seen.n && i < MAX_SEEN; i++)
		print_message("unexpected report %d: %s: %s\n", i,
			      dmamap_debug_kind_name(e->seen.kind[i]), e->seen.msg[i]);
	assert_int_equal(e->seen.n, 0);
}

/* A kmalloc buffer that the backend under test must bounce (swiotlb) or not. */
static void *buffer(struct env *e, size_t size)
{
	void *p = dmamap_kmalloc(e->m, size, GFP_KERNEL);

	assert_non_null(p);
	return p;
}

static dma_addr_t map_checked(struct env *e, void *buf, size_t size, enum dma_data_direction dir)
{
	dma_addr_t dma = dma_map_single(e->dev, buf, size, dir);

	assert_false(dma_mapping_error(e->dev, dma));
	if (e->backend == SWIOTLB)
		assert_true(dma < SZ_4G && page_to_phys(dmamap_virt_to_page(e->m, buf)) >= SZ_4G);
	return dma;
}

/* --- unmap ----------------------------------------------------------------------------- */

/* An address never mapped, or unmapped already: refused, the backend never sees it. */
static void test_unknown_addr(void **state)
{
	struct env *e = *state;
	void *buf = buffer(e, 4096);
	dma_addr_t dma = map_checked(e, buf, 4096, DMA_TO_DEVICE);
	struct dmamap_stats st0 = test_stats(e->m), st1;

	dma_unmap_single(e->dev, dma, 4096, DMA_TO_DEVICE);
	expect_none(e);
	dma_unmap_single(e->dev, dma, 4096, DMA_TO_DEVICE);	/* twice */
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	assert_non_null(strstr(e->seen.msg[0], "refused"));
	dma_unmap_single(e->dev, dma + 0x100000, 64, DMA_TO_DEVICE);	/* never */
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	dma_unmap_single(e->dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);	/* a failed map */
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	assert_non_null(strstr(e->seen.msg[0], "DMA_MAPPING_ERROR"));
	/* another device's mapping is not this one's */
	dma = map_checked(e, buf, 4096, DMA_TO_DEVICE);
	dma_unmap_single(e->dev2, dma, 4096, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	dma_unmap_single(e->dev, dma, 4096, DMA_TO_DEVICE);
	expect_none(e);
	st1 = test_stats(e->m);
	assert_int_equal(st1.swiotlb_slots_used, 0);
	assert_int_equal(st1.iova_pages_used, 0);
	(void)st0;
	dmamap_kfree(e->m, buf);
}

/*
 * Another size is refused on every path (the IOMMU backend refuses it on
 * its own, as it would unmap part of the mapping or past it): the mapping
 * stays, and unmaps cleanly with its own size.
 */
static void test_wrong_size(void **state)
{
	struct env *e = *state;
	void *buf = buffer(e, 8192);
	dma_addr_t dma = map_checked(e, buf, 8192, DMA_FROM_DEVICE);

	dma_unmap_single(e->dev, dma, 2048, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_SIZE);
	assert_true(e->seen.map_site[0]);
	assert_int_equal(e->seen.addr[0], dma);
	assert_non_null(strstr(e->seen.msg[0], "refused"));
	dma_unmap_single(e->dev, dma, 3 * 4096, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_SIZE);
	dma_unmap_single(e->dev, dma, 8192, DMA_FROM_DEVICE);
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

static void test_wrong_dir(void **state)
{
	struct env *e = *state;
	void *buf = buffer(e, 512);
	dma_addr_t dma = map_checked(e, buf, 512, DMA_TO_DEVICE);

	dma_unmap_single(e->dev, dma, 512, DMA_BIDIRECTIONAL);
	expect(e, DMAMAP_DEBUG_WRONG_DIR);
	assert_true(e->seen.map_site[0]);
	dmamap_kfree(e->m, buf);
}

/*
 * Undone by a call of another type: single and page are told apart (the
 * DMA API pairs each map with its own unmap); an unmap of an allocation or
 * a free of a mapping is refused, and what it named stays usable.
 */
static void test_wrong_type(void **state)
{
	struct env *e = *state;
	void *buf = buffer(e, 4096), *cpu;
	struct page *page = dmamap_virt_to_page(e->m, buf);
	dma_addr_t dma, handle;

	dma = map_checked(e, buf, 4096, DMA_TO_DEVICE);
	dma_unmap_page(e->dev, dma, 4096, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_TYPE);
	assert_null(strstr(e->seen.msg[0], "refused"));

	dma = dma_map_page(e->dev, page, 0, 4096, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(e->dev, dma));
	dma_free_coherent(e->dev, 4096, buf, dma);
	expect(e, DMAMAP_DEBUG_WRONG_TYPE);
	assert_non_null(strstr(e->seen.msg[0], "refused"));
	dma_unmap_page(e->dev, dma, 4096, DMA_TO_DEVICE);	/* still mapped: a clean unmap */
	expect_none(e);

	cpu = dma_alloc_coherent(e->dev, 8192, &handle, GFP_KERNEL);
	assert_non_null(cpu);
	dma_unmap_single(e->dev, handle, 8192, DMA_BIDIRECTIONAL);
	expect(e, DMAMAP_DEBUG_WRONG_TYPE);
	assert_non_null(strstr(e->seen.msg[0], "refused"));
	memset(cpu, 1, 8192);
	dma_free_coherent(e->dev, 8192, cpu, handle);		/* still allocated */
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

static void test_unchecked(void **state)
{
	struct env *e = *state;
	void *buf = buffer(e, 256);
	dma_addr_t dma = dma_map_single(e->dev, buf, 256, DMA_TO_DEVICE);

	dma_unmap_single(e->dev, dma, 256, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_UNCHECKED);
	assert_true(e->seen.map_site[0]);
	/* checked: nothing to say */
	dma = dma_map_single(e->dev, buf, 256, DMA_TO_DEVICE);
	if (dma_mapping_error(e->dev, dma))
		fail();
	dma_unmap_single(e->dev, dma, 256, DMA_TO_DEVICE);
	expect_none(e);
	/* two live mappings of one address: each check marks one */
	{
		dma_addr_t a = dma_map_single(e->dev, buf, 256, DMA_TO_DEVICE);
		dma_addr_t b = dma_map_single(e->dev, buf, 256, DMA_TO_DEVICE);

		assert_false(dma_mapping_error(e->dev, a));
		dma_unmap_single(e->dev, a, 256, DMA_TO_DEVICE);
		dma_unmap_single(e->dev, b, 256, DMA_TO_DEVICE);
		expect(e, DMAMAP_DEBUG_UNCHECKED);
	}
	dmamap_kfree(e->m, buf);
}

/* --- scatterlists -------------------------------------------------------------------- */

/* @n pages, each its own entry; consecutive pages of one allocation. */
static struct page *sg_pages(struct env *e, struct scatterlist *sg, int n)
{
	struct page *p = dmamap_alloc_pages(e->m, GFP_KERNEL, 4);

	assert_non_null(p);
	sg_init_table(sg, (unsigned int)n);
	for (int i = 0; i < n; i++)
		sg_set_page(&sg[i], nth_page(p, (unsigned long)i), PAGE_SIZE, 0);
	return p;
}

static void test_wrong_nents(void **state)
{
	struct env *e = *state;
	struct scatterlist sg[8];
	struct page *p = sg_pages(e, sg, 8);
	int ents = dma_map_sg(e->dev, sg, 8, DMA_TO_DEVICE);

	assert_true(ents > 0);
	/* the classic mistake: unmapping with what dma_map_sg returned; refused, the list stays */
	dma_unmap_sg(e->dev, sg, ents == 8 ? 7 : ents, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_NENTS);
	assert_true(e->seen.map_site[0]);
	assert_non_null(strstr(e->seen.msg[0], "refused"));
	dma_unmap_sg(e->dev, sg, 8, DMA_TO_DEVICE);
	expect_none(e);

	ents = dma_map_sg(e->dev, sg, 8, DMA_FROM_DEVICE);
	assert_true(ents > 0);
	dma_sync_sg_for_cpu(e->dev, sg, 4, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_NENTS);
	dma_sync_sg_for_cpu(e->dev, sg, 8, DMA_FROM_DEVICE);
	expect_none(e);
	dma_unmap_sg(e->dev, sg, 8, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_DIR);	/* once for the list */
	dma_unmap_sg(e->dev, sg, 8, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	dmamap_free_pages(p, 4);
}

/* --- syncs ------------------------------------------------------------------------------ */

static void test_sync_range(void **state)
{
	struct env *e = *state;
	void *buf = buffer(e, 4096);
	dma_addr_t dma = map_checked(e, buf, 1024, DMA_FROM_DEVICE);

	dma_sync_single_for_cpu(e->dev, dma + 512, 512, DMA_FROM_DEVICE);	/* inside */
	expect_none(e);
	dma_sync_single_for_cpu(e->dev, dma + 512, 1024, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_SYNC_RANGE);
	assert_true(e->seen.map_site[0]);
	dma_sync_single_for_device(e->dev, dma + 0x10000, 64, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	dma_unmap_single(e->dev, dma, 1024, DMA_FROM_DEVICE);
	expect_none(e);
	dma_sync_single_for_cpu(e->dev, dma, 1024, DMA_FROM_DEVICE);	/* after the unmap */
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	dmamap_kfree(e->m, buf);
}

static void test_sync_dir(void **state)
{
	struct env *e = *state;
	void *buf = buffer(e, 4096);
	dma_addr_t to = map_checked(e, buf, 1024, DMA_TO_DEVICE);
	dma_addr_t from = map_checked(e, (u8 *)buf + 2048, 1024, DMA_FROM_DEVICE);
	dma_addr_t bidi = map_checked(e, (u8 *)buf + 1024, 1024, DMA_BIDIRECTIONAL);

	dma_sync_single_for_cpu(e->dev, to, 1024, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_SYNC_DIR);
	dma_sync_single_for_device(e->dev, from, 1024, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_SYNC_DIR);
	dma_sync_single_for_device(e->dev, to, 1024, DMA_BIDIRECTIONAL);
	expect(e, DMAMAP_DEBUG_SYNC_DIR);
	/* a bidirectional mapping may be synced either way */
	dma_sync_single_for_cpu(e->dev, bidi, 1024, DMA_FROM_DEVICE);
	dma_sync_single_for_device(e->dev, bidi, 1024, DMA_TO_DEVICE);
	dma_sync_single_for_cpu(e->dev, to, 1024, DMA_TO_DEVICE);
	dma_sync_single_for_device(e->dev, from, 1024, DMA_FROM_DEVICE);
	expect_none(e);
	dma_unmap_single(e->dev, to, 1024, DMA_TO_DEVICE);
	dma_unmap_single(e->dev, from, 1024, DMA_FROM_DEVICE);
	dma_unmap_single(e->dev, bidi, 1024, DMA_BIDIRECTIONAL);
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

/* --- cache lines ---------------------------------------------------------------------- */

static void test_overlap(void **state)
{
	struct env *e = *state;
	u8 *buf = buffer(e, 4096);
	dma_addr_t a, b, c;

	/* two buffers in one line, one of them written by the device */
	a = map_checked(e, buf, 32, DMA_FROM_DEVICE);
	b = dma_map_single(e->dev2, buf + 32, 32, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(e->dev2, b));
	expect(e, DMAMAP_DEBUG_OVERLAP);
	assert_true(e->seen.map_site[0]);		/* the other mapping's site */
	assert_non_null(strstr(e->seen.msg[0], "DMA_FROM_DEVICE mapping of nic"));
	dma_unmap_single(e->dev2, b, 32, DMA_TO_DEVICE);
	dma_unmap_single(e->dev, a, 32, DMA_FROM_DEVICE);
	expect_none(e);

	/* two read-only mappings may share lines; the next line is free */
	a = map_checked(e, buf, 100, DMA_TO_DEVICE);
	b = map_checked(e, buf + 64, 100, DMA_TO_DEVICE);
	c = map_checked(e, buf + 192, 64, DMA_FROM_DEVICE);
	expect_none(e);
	/* but not with a device-writable one */
	dma_unmap_single(e->dev, c, 64, DMA_FROM_DEVICE);
	c = map_checked(e, buf + 128, 64, DMA_BIDIRECTIONAL);
	expect(e, DMAMAP_DEBUG_OVERLAP);
	dma_unmap_single(e->dev, c, 64, DMA_BIDIRECTIONAL);
	dma_unmap_single(e->dev, a, 100, DMA_TO_DEVICE);
	dma_unmap_single(e->dev, b, 100, DMA_TO_DEVICE);
	expect_none(e);

	/* a whole page mapped twice for writing; DMA_ATTR_SKIP_CPU_SYNC says it is meant */
	a = map_checked(e, buf, 4096, DMA_FROM_DEVICE);
	b = dma_map_single_attrs(e->dev2, buf, 4096, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	assert_false(dma_mapping_error(e->dev2, b));
	expect_none(e);
	c = dma_map_single(e->dev2, buf + 4032, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(e->dev2, c));
	expect(e, DMAMAP_DEBUG_OVERLAP);
	dma_unmap_single(e->dev2, c, 64, DMA_TO_DEVICE);
	dma_unmap_single_attrs(e->dev2, b, 4096, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	dma_unmap_single(e->dev, a, 4096, DMA_FROM_DEVICE);
	/* all gone: the same lines map again with nothing to say */
	a = map_checked(e, buf + 8, 8, DMA_FROM_DEVICE);
	dma_unmap_single(e->dev, a, 8, DMA_FROM_DEVICE);
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

/* A list whose entries share a line with another mapping. */
static void test_overlap_sg(void **state)
{
	struct env *e = *state;
	struct scatterlist sg[2];
	u8 *buf = buffer(e, 4096);
	dma_addr_t a = map_checked(e, buf + 1000, 24, DMA_TO_DEVICE);
	int ents;

	sg_init_table(sg, 2);
	sg_set_page(&sg[0], dmamap_virt_to_page(e->m, buf), 512, 2048);
	sg_set_page(&sg[1], dmamap_virt_to_page(e->m, buf), 64, 960);	/* buf + 1000's line */
	ents = dma_map_sg(e->dev2, sg, 2, DMA_FROM_DEVICE);
	assert_true(ents > 0);
	expect(e, DMAMAP_DEBUG_OVERLAP);
	dma_unmap_sg(e->dev2, sg, 2, DMA_FROM_DEVICE);
	dma_unmap_single(e->dev, a, 24, DMA_TO_DEVICE);
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

/* --- allocations ------------------------------------------------------------------------- */

static void test_free_mismatch(void **state)
{
	struct env *e = *state;
	dma_addr_t h;
	u8 *cpu = dma_alloc_coherent(e->dev, 12288, &h, GFP_KERNEL);
	void *ck;

	assert_non_null(cpu);
	dma_free_coherent(e->dev, 12288, cpu + 64, h);
	expect(e, DMAMAP_DEBUG_FREE_MISMATCH);
	assert_true(e->seen.map_site[0]);
	dma_free_coherent(e->dev, 8192, cpu, h);
	expect(e, DMAMAP_DEBUG_FREE_MISMATCH);
	dma_free_wc(e->dev, 12288, cpu, h);
	expect(e, DMAMAP_DEBUG_FREE_MISMATCH);
	dma_free_coherent(e->dev, 12288, cpu, h + 4096);
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	dma_free_coherent(e->dev2, 12288, cpu, h);
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	memset(cpu, 0, 12288);				/* all refused: still allocated */
	dma_free_coherent(e->dev, 12288, cpu, h);
	expect_none(e);

	ck = dma_alloc_attrs(e->dev, 4096, &h, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
	assert_non_null(ck);
	dma_free_attrs(e->dev, 4096, ck, h, 0);
	expect(e, DMAMAP_DEBUG_FREE_MISMATCH);
	dma_free_attrs(e->dev, 4096, ck, h, DMA_ATTR_NO_KERNEL_MAPPING);
	expect_none(e);
}

static void test_noncontiguous(void **state)
{
	struct env *e = *state;
	struct sg_table *sgt = dma_alloc_noncontiguous(e->dev, 20000, DMA_BIDIRECTIONAL,
						       GFP_KERNEL, 0);

	assert_non_null(sgt);
	dma_sync_sgtable_for_cpu(e->dev, sgt, DMA_BIDIRECTIONAL);
	dma_sync_sgtable_for_device(e->dev, sgt, DMA_TO_DEVICE);
	expect_none(e);
	dma_free_noncontiguous(e->dev, 8192, sgt, DMA_BIDIRECTIONAL);
	expect(e, DMAMAP_DEBUG_FREE_MISMATCH);
	assert_non_null(strstr(e->seen.msg[0], "refused"));
	dma_unmap_sgtable(e->dev, sgt, DMA_BIDIRECTIONAL, 0);
	expect(e, DMAMAP_DEBUG_WRONG_TYPE);
	dma_free_noncontiguous(e->dev, 20000, sgt, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_DIR);
}

/* dma_alloc_pages(): the kernel's "noncoherent" records */
static void test_noncoherent_pages(void **state)
{
	struct env *e = *state;
	dma_addr_t dma, other;
	struct page *page = dma_alloc_pages(e->dev, 12288, &dma, DMA_FROM_DEVICE, GFP_KERNEL);
	struct page *second = dma_alloc_pages(e->dev, 4096, &other, DMA_TO_DEVICE, GFP_KERNEL);
	void *cpu;

	assert_non_null(page);
	assert_non_null(second);
	dma_sync_single_for_cpu(e->dev, dma, 12288, DMA_FROM_DEVICE);
	dma_sync_single_for_device(e->dev, dma + 4096, 4096, DMA_FROM_DEVICE);
	expect_none(e);
	dma_free_pages(e->dev, 16384, page, dma, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_FREE_MISMATCH);
	dma_free_pages(e->dev, 12288, second, dma, DMA_FROM_DEVICE);	/* another page */
	expect(e, DMAMAP_DEBUG_FREE_MISMATCH);
	dma_unmap_page(e->dev, dma, 12288, DMA_FROM_DEVICE);
	expect(e, DMAMAP_DEBUG_WRONG_TYPE);
	dma_free_pages(e->dev, 12288, page, dma, DMA_BIDIRECTIONAL);
	expect(e, DMAMAP_DEBUG_WRONG_DIR);
	dma_free_pages(e->dev, 12288, page, dma, DMA_FROM_DEVICE);		/* freed already */
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	cpu = page_address(second);
	dma_free_noncoherent(e->dev, 4096, cpu, other, DMA_TO_DEVICE);
	expect_none(e);
}

/* --- memory outside the linear map ------------------------------------------------------ */

static void test_bad_memory(void **state)
{
	struct env *e = *state;
	u8 on_stack[64];
	void *heap = malloc(64), *cpu, *ck;
	dma_addr_t h;

	assert_int_equal(dma_map_single(e->dev, on_stack, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	expect(e, DMAMAP_DEBUG_BAD_MEMORY);
	assert_non_null(strstr(e->seen.msg[0], "stack"));
	assert_int_equal(dma_map_single(e->dev, heap, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	expect(e, DMAMAP_DEBUG_BAD_MEMORY);
	assert_non_null(strstr(e->seen.msg[0], "outside the machine"));
	cpu = dma_alloc_coherent(e->dev, 4096, &h, GFP_KERNEL);
	if (e->backend == IOMMU || !dev_is_dma_coherent(e->dev)) {
		/* a non-coherent device's buffer is mapped in the VA window */
		assert_int_equal(dma_map_single(e->dev, cpu, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
		expect(e, DMAMAP_DEBUG_BAD_MEMORY);
		assert_non_null(strstr(e->seen.msg[0], "VA window"));
	}
	dma_free_coherent(e->dev, 4096, cpu, h);
	ck = dma_alloc_attrs(e->dev, 4096, &h, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
	assert_int_equal(dma_map_single(e->dev, ck, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	expect(e, DMAMAP_DEBUG_BAD_MEMORY);
	assert_non_null(strstr(e->seen.msg[0], "cookie"));
	dma_free_attrs(e->dev, 4096, ck, h, DMA_ATTR_NO_KERNEL_MAPPING);
	expect_none(e);
	free(heap);
	(void)on_stack;
}

/* --- leaks ---------------------------------------------------------------------------------- */

static void test_leaks(void **state)
{
	struct env *e = *state;
	struct device *dev = test_device(e->m, TEST_DEVCFG(.name = "leaky"), e->d);
	struct scatterlist sg[3];
	struct page *p = sg_pages(e, sg, 3);
	void *buf = buffer(e, 4096), *cpu;
	dma_addr_t h, dma;

	dma = dma_map_single(dev, buf, 4096, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, dma));
	assert_true(dma_map_sg(dev, sg, 3, DMA_FROM_DEVICE) > 0);
	cpu = dma_alloc_coherent(dev, 4096, &h, GFP_KERNEL);
	assert_non_null(cpu);
	expect_none(e);
	dmamap_device_destroy(dev);
	/* one report per mapping and allocation; the list is one, however many segments */
	assert_int_equal(e->seen.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(e->seen.kind[i], DMAMAP_DEBUG_LEAK);
		assert_true(e->seen.site[i] && e->seen.map_site[i]);
		assert_non_null(strstr(e->seen.msg[i], "leaky"));
	}
	e->seen.n = 0;
	/* the leaked lines are forgotten: mapping them again for writing says nothing */
	dma = map_checked(e, buf, 4096, DMA_FROM_DEVICE);
	dma_unmap_single(e->dev, dma, 4096, DMA_FROM_DEVICE);
	dma = dma_map_page(e->dev, p, 0, 3 * PAGE_SIZE, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(e->dev, dma));
	dma_unmap_page(e->dev, dma, 3 * PAGE_SIZE, DMA_FROM_DEVICE);
	expect_none(e);
	dmamap_free_pages(p, 4);
	dmamap_kfree(e->m, buf);
	/* what the device leaked stays until the machine goes: a fresh one for the teardown */
	dmamap_device_destroy(e->dev);
	dmamap_device_destroy(e->dev2);
	if (e->d)
		iommu_domain_free(e->d);
	e->d = NULL;
	dmamap_machine_destroy(e->m);
	e->m = test_machine(&(struct dmamap_machine_config){ .debug = DMAMAP_DEBUG_API });
	e->dev = test_device(e->m, TEST_DEVCFG(.name = "nic"), e->d);
	e->dev2 = test_device(e->m, TEST_DEVCFG(.name = "gpu"), e->d);
	dmamap_debug_set_handler(e->m, record, &e->seen);
}

/* The machine's destruction reports what its devices still hold. */
static void test_leak_at_machine_destroy(void **state)
{
	struct dmamap_machine_config mc = { .debug = DMAMAP_DEBUG_API };
	struct dmamap_machine *m = test_machine(&mc);
	struct dmamap_device_config cfg = { .name = "late" };
	struct seen s = { 0 };
	struct device *dev;
	dma_addr_t h;

	(void)state;
	dev = test_device(m, &cfg, NULL);
	dmamap_debug_set_handler(m, record, &s);
	assert_non_null(dma_alloc_coherent(dev, 4096, &h, GFP_KERNEL));
	dmamap_machine_destroy(m);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], DMAMAP_DEBUG_LEAK);
	assert_true(s.site[0] && s.map_site[0]);
}

/* --- the records hold a million --------------------------------------------------------------- */

static void test_many_records(void **state)
{
	struct env *e = *state;
	/* each bounced mapping takes a 2 KiB slot of the 4 MiB pool */
	const int N = e->backend == SWIOTLB ? 1500 : 20000;
	dma_addr_t *dma = malloc((size_t)N * sizeof(*dma));
	u8 *buf = buffer(e, 64 * 1024);

	assert_non_null(dma);
	/* N mappings of 64-byte pieces, many per page, read-only so they may share */
	for (int i = 0; i < N; i++) {
		dma[i] = dma_map_single(e->dev, buf + (i % 1024) * 64, 64, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(e->dev, dma[i]));
	}
	expect_none(e);
	/* syncs find each inside its mapping; unmaps in another order find each */
	for (int i = 0; i < N; i += 7)
		dma_sync_single_for_device(e->dev, dma[i] + 32, 32, DMA_TO_DEVICE);
	for (int i = N - 1; i >= 0; i -= 2)
		dma_unmap_single(e->dev, dma[i], 64, DMA_TO_DEVICE);
	for (int i = 0; i < N; i += 2)
		dma_unmap_single(e->dev, dma[i], 64, DMA_TO_DEVICE);
	expect_none(e);
	dma_unmap_single(e->dev, dma[0], 64, DMA_TO_DEVICE);
	expect(e, DMAMAP_DEBUG_UNKNOWN_ADDR);
	free(dma);
	dmamap_kfree(e->m, buf);
}

/* --- list segments within the device's limits (the kernel's check_sg_segment) ---------- */

static void test_segment_limits(void **state)
{
	struct env *e = *state;
	struct dmamap_device_config cfg = { .name = "narrow", .max_segment_size = 4096,
					    .segment_boundary_mask = 0x1fff };
	struct page *pages = dmamap_alloc_pages(e->m, GFP_KERNEL, 2);
	struct scatterlist sg[2];
	struct device *dev;
	dma_addr_t start;
	bool across;
	int n;

	assert_non_null(pages);
	dev = test_device(e->m, &cfg, NULL);
	if (e->d)
		assert_int_equal(iommu_attach_device(e->d, dev), 0);
	/* within the limits: one page, then one page at the next 8 KiB boundary */
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], pages, 4096, 0);
	sg_set_page(&sg[1], nth_page(pages, 2), 4096, 0);
	n = dma_map_sg(dev, sg, 2, DMA_TO_DEVICE);
	assert_true(n > 0);
	expect_none(e);
	dma_unmap_sg(dev, sg, 2, DMA_TO_DEVICE);
	/* two pages in one entry: longer than 4 KiB and across the 8 KiB boundary */
	sg_init_table(sg, 1);
	sg_set_page(&sg[0], nth_page(pages, 1), 8192, 0);
	n = dma_map_sg(dev, sg, 1, DMA_TO_DEVICE);
	assert_int_equal(n, 1);
	start = sg_dma_address(&sg[0]);
	across = ((start ^ (start + 8191)) & ~(dma_addr_t)0x1fff) != 0;
	/* the direct path keeps the page's address, which crosses; the others may not */
	if (e->backend == DIRECT)
		assert_true(across);
	assert_int_equal(e->seen.n, 1 + across);
	assert_int_equal(e->seen.kind[0], DMAMAP_DEBUG_MISUSE);
	assert_non_null(strstr(e->seen.msg[0], "max_segment_size"));
	if (across) {
		assert_int_equal(e->seen.kind[1], DMAMAP_DEBUG_MISUSE);
		assert_non_null(strstr(e->seen.msg[1], "boundary"));
	}
	e->seen.n = 0;
	dma_unmap_sg(dev, sg, 1, DMA_TO_DEVICE);
	expect_none(e);
	dmamap_device_destroy(dev);
	dmamap_free_pages(pages, 2);
}

/* --- call sites --------------------------------------------------------------------------- */

static int map_line, unmap_line, alloc_line, free_line;

/* Static and not inlined: the site must name a function the symbol table keeps local. */
static __attribute__((noinline)) dma_addr_t driver_map(struct device *dev, void *buf)
{
	dma_addr_t dma;

	map_line = __LINE__ + 1;
	dma = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	/* not a tail call: the return address stays in this function */
	asm volatile("" ::: "memory");
	return dma;
}

static __attribute__((noinline)) void driver_unmap(struct device *dev, dma_addr_t dma)
{
	unmap_line = __LINE__ + 1;
	dma_unmap_single(dev, dma, 128, DMA_TO_DEVICE);
	asm volatile("" ::: "memory");
}

static __attribute__((noinline)) void *driver_alloc(struct device *dev, dma_addr_t *dma)
{
	void *cpu;

	alloc_line = __LINE__ + 1;
	cpu = dma_alloc_coherent(dev, 8192, dma, GFP_KERNEL);
	asm volatile("" ::: "memory");
	return cpu;
}

static __attribute__((noinline)) void driver_free(struct device *dev, void *cpu, dma_addr_t dma)
{
	free_line = __LINE__ + 1;
	dma_free_coherent(dev, 4096, cpu, dma);		/* a header's inline wrapper */
	asm volatile("" ::: "memory");
}

static void expect_site(const char *text, int line, const char *fn)
{
	char want[128];

#ifdef DMAMAP_HAVE_LIBDW
	snprintf(want, sizeof(want), "test-debug-api.c:%d (%s)", line, fn);
	if (strcmp(text, want))
		fail_msg("site '%s', expected '%s'", text, want);
#else
	/* without debug information the static function is an offset in the program */
	(void)line;
	(void)fn;
	snprintf(want, sizeof(want), "test-debug-api+0x");
	if (strncmp(text, want, strlen(want)))
		fail_msg("site '%s', expected '%s...'", text, want);
#endif
}

/*
 * The sites name the driver's file, line and function, static ones
 * included, also through the headers' inline wrappers (the program has
 * debug information: the suites build with -g).
 */
static void test_sites(void **state)
{
	struct env *e = *state;
	u8 *buf = buffer(e, 4096);
	dma_addr_t dma = driver_map(e->dev, buf), cdma;
	void *cpu;

	assert_false(dma_mapping_error(e->dev, dma));
	driver_unmap(e->dev, dma);
	assert_int_equal(e->seen.n, 1);
	assert_int_equal(e->seen.kind[0], DMAMAP_DEBUG_WRONG_SIZE);
	expect_site(e->seen.site_text[0], unmap_line, "driver_unmap");
	expect_site(e->seen.map_site_text[0], map_line, "driver_map");
	e->seen.n = 0;
	dma_unmap_single(e->dev, dma, 256, DMA_TO_DEVICE);	/* refused above: still mapped */
	expect_none(e);

	cpu = driver_alloc(e->dev, &cdma);
	assert_non_null(cpu);
	driver_free(e->dev, cpu, cdma);
	assert_int_equal(e->seen.n, 1);
	assert_int_equal(e->seen.kind[0], DMAMAP_DEBUG_FREE_MISMATCH);
	expect_site(e->seen.site_text[0], free_line, "driver_free");
	expect_site(e->seen.map_site_text[0], alloc_line, "driver_alloc");
	e->seen.n = 0;
	dma_free_coherent(e->dev, 8192, cpu, cdma);
	expect_none(e);
	dmamap_kfree(e->m, buf);
}

#define ON_ALL(t) \
	cmocka_unit_test_setup_teardown(t, setup_direct, teardown), \
	cmocka_unit_test_setup_teardown(t, setup_swiotlb, teardown), \
	cmocka_unit_test_setup_teardown(t, setup_iommu, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_ALL(test_unknown_addr),
		ON_ALL(test_wrong_size),
		ON_ALL(test_wrong_dir),
		ON_ALL(test_wrong_type),
		ON_ALL(test_unchecked),
		ON_ALL(test_wrong_nents),
		ON_ALL(test_sync_range),
		ON_ALL(test_sync_dir),
		ON_ALL(test_overlap),
		ON_ALL(test_overlap_sg),
		ON_ALL(test_free_mismatch),
		ON_ALL(test_noncontiguous),
		ON_ALL(test_noncoherent_pages),
		ON_ALL(test_bad_memory),
		ON_ALL(test_leaks),
		cmocka_unit_test(test_leak_at_machine_destroy),
		ON_ALL(test_many_records),
		ON_ALL(test_sites),
		ON_ALL(test_segment_limits),
	};

	return cmocka_run_group_tests_name("debug-api", tests, NULL, NULL);
}
