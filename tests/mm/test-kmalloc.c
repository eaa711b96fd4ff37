// SPDX-License-Identifier: MIT
/*
 * kmalloc over the machine's pages (kmalloc.c): size classes, the 64-byte
 * (cache line) alignment that keeps objects off each other's lines, whole
 * pages for large sizes, zones, and the refusal of frees kmalloc cannot own.
 */
#include "test-util.h"
#include "mm/mm.h"

#include <stdlib.h>
#include <string.h>

static const struct dmamap_bank low_and_high[] = {
	{ 0x80000000ULL, 16ULL << 20 },
	{ 0x300000000ULL, 64ULL << 20 },
};

static struct dmamap_machine *machine(void)
{
	struct dmamap_machine_config cfg = { .banks = low_and_high, .nr_banks = 2 };

	return test_machine(&cfg);
}

static void test_classes(void **state)
{
	static const struct { size_t size, klass; } cases[] = {
		{ 1, 64 }, { 63, 64 }, { 64, 64 }, { 65, 128 }, { 100, 128 }, { 128, 128 },
		{ 129, 256 }, { 700, 1024 }, { 2047, 2048 }, { 2048, 2048 },
		{ 2049, 4096 }, { 4096, 4096 }, { 4097, 8192 }, { 20000, 32768 },
		{ 4UL << 20, 4UL << 20 },
	};
	struct dmamap_machine *m = machine();
	void *p[ARRAY_SIZE(cases)];
	u64 bytes = 0;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		p[i] = dmamap_kmalloc(m, cases[i].size, GFP_KERNEL);
		assert_non_null(p[i]);
		assert_int_equal(dmamap_ksize(m, p[i]), cases[i].klass);
		/* aligned to the class (and so at least to a line) */
		assert_int_equal((unsigned long)p[i] & (min(cases[i].klass, PAGE_SIZE) - 1), 0);
		/* in the linear map */
		assert_non_null(dmamap_virt_to_page(m, p[i]));
		memset(p[i], 0xee, cases[i].size);
		bytes += cases[i].klass;
	}
	assert_int_equal(test_stats(m).kmalloc_bytes, bytes);
	/* what kmalloc cannot serve */
	assert_null(dmamap_kmalloc(m, 0, GFP_KERNEL));
	assert_null(dmamap_kmalloc(m, (4UL << 20) + 1, GFP_KERNEL));
	assert_null(dmamap_kmalloc(m, ~(size_t)0, GFP_KERNEL));
	assert_null(dmamap_kmalloc(NULL, 64, GFP_KERNEL));
	assert_int_equal(dmamap_ksize(m, NULL), 0);
	assert_int_equal(dmamap_ksize(m, (u8 *)p[4] + 64), 0);	/* inside an object */
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
		dmamap_kfree(m, p[i]);
	assert_int_equal(test_stats(m).api_errors, 0);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

struct obj {
	u8 *p;
	size_t size;
	u32 seed;
};

static int obj_cmp(const void *a, const void *b)
{
	const struct obj *x = a, *y = b;

	return (x->p > y->p) - (x->p < y->p);
}

/* Many objects of random sizes: 64-byte aligned, disjoint, and none disturbs another. */
static void test_alignment_and_no_overlap(void **state)
{
	enum { N = 3000 };
	struct dmamap_machine *m = machine();
	struct obj *o = calloc(N, sizeof(*o));
	u64 rng = 77;

	(void)state;
	assert_non_null(o);
	for (int i = 0; i < N; i++) {
		u64 r = test_rand(&rng) % 100;

		o[i].size = r < 90 ? 1 + test_rand(&rng) % 2048 : 2049 + test_rand(&rng) % 40000;
		o[i].seed = (u32)i + 1;
		o[i].p = dmamap_kmalloc(m, o[i].size, i % 3 ? GFP_KERNEL : GFP_DMA32);
		assert_non_null(o[i].p);
		assert_int_equal((unsigned long)o[i].p % 64, 0);
		assert_true(dmamap_ksize(m, o[i].p) >= o[i].size);
		test_fill_pattern(o[i].p, o[i].size, o[i].seed);
		/* free some as we go, so that slabs are reused */
		if (i % 7 == 6) {
			int j = (int)(test_rand(&rng) % (u64)i);

			if (o[j].p) {
				assert_int_equal(test_check_pattern(o[j].p, o[j].size, o[j].seed), -1);
				dmamap_kfree(m, o[j].p);
				o[j].p = NULL;
			}
		}
	}
	for (int i = 0; i < N; i++)
		if (o[i].p)
			assert_int_equal(test_check_pattern(o[i].p, o[i].size, o[i].seed), -1);
	/* disjoint, whole classes included: no object shares a line with another */
	qsort(o, N, sizeof(*o), obj_cmp);
	for (int i = 1; i < N; i++)
		if (o[i - 1].p)
			assert_true(o[i - 1].p + dmamap_ksize(m, o[i - 1].p) <= o[i].p);
	for (int i = 0; i < N; i++)
		dmamap_kfree(m, o[i].p);	/* NULL ones are ignored */
	assert_int_equal(test_stats(m).api_errors, 0);
	free(o);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* GFP_DMA32 and GFP_DMA objects lie below 4 GiB, small and large; the others prefer high memory. */
static void test_zones(void **state)
{
	struct dmamap_machine *m = machine();
	void *p[64], *h;

	(void)state;
	for (int i = 0; i < 64; i++) {
		size_t size = i % 2 ? 100 : 9000;
		phys_addr_t phys;

		p[i] = dmamap_kmalloc(m, size, i % 4 < 2 ? GFP_DMA32 : GFP_DMA);
		assert_non_null(p[i]);
		phys = page_to_phys(dmamap_virt_to_page(m, p[i]));
		assert_true(phys + dmamap_ksize(m, p[i]) - 1 <= 0xffffffffULL);
	}
	h = dmamap_kmalloc(m, 100, GFP_KERNEL);
	assert_true(page_to_phys(dmamap_virt_to_page(m, h)) >= 0x300000000ULL);
	dmamap_kfree(m, h);
	for (int i = 0; i < 64; i++)
		dmamap_kfree(m, p[i]);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_kzalloc(void **state)
{
	struct dmamap_machine_config cfg = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_machine *m = test_machine(&cfg);

	(void)state;
	for (int round = 0; round < 2; round++) {
		static const size_t sizes[] = { 64, 500, 3000, 10000 };
		u8 *p[ARRAY_SIZE(sizes)];

		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
			p[i] = round ? dmamap_kzalloc(m, sizes[i], GFP_KERNEL)
				     : dmamap_kmalloc(m, sizes[i], GFP_KERNEL);
			assert_non_null(p[i]);
			if (round) {
				for (size_t j = 0; j < sizes[i]; j++)
					assert_int_equal(p[i][j], 0);
			}
			memset(p[i], 0xab, sizes[i]);	/* left for the next round */
		}
		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
			dmamap_kfree(m, p[i]);
	}
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* Frees of what kmalloc did not hand out are refused, counted, and change nothing. */
static void test_bad_kfree(void **state)
{
	struct dmamap_machine *m = machine();
	struct dmamap_machine *other = machine();
	u8 *small = dmamap_kmalloc(m, 200, GFP_KERNEL);
	u8 *large = dmamap_kmalloc(m, 3 * PAGE_SIZE, GFP_KERNEL);
	u8 *elsewhere = dmamap_kmalloc(other, 200, GFP_KERNEL);
	struct page *pg = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	int local;
	u64 bytes;

	(void)state;
	assert_non_null(small);
	assert_non_null(large);
	assert_non_null(elsewhere);
	assert_non_null(pg);
	bytes = test_stats(m).kmalloc_bytes;
	dmamap_kfree(m, NULL);				/* ignored, not an error */
	dmamap_kfree(NULL, small);			/* ignored */
	assert_int_equal(test_stats(m).api_errors, 0);

	dmamap_kfree(m, &local);			/* not the machine's memory */
	dmamap_kfree(m, small + 64);			/* inside an object */
	dmamap_kfree(m, small + 256);			/* a free slot of the slab */
	dmamap_kfree(m, large + PAGE_SIZE);		/* a tail page of a large object */
	dmamap_kfree(m, large + 64);
	dmamap_kfree(m, page_address(pg));		/* a page from the page allocator */
	dmamap_kfree(m, elsewhere);			/* another machine's object */
	assert_int_equal(test_stats(m).api_errors, 7);
	assert_int_equal(test_stats(m).kmalloc_bytes, bytes);
	assert_int_equal(test_stats(other).api_errors, 0);

	dmamap_kfree(m, small);
	dmamap_kfree(m, small);				/* double free, slab released */
	dmamap_kfree(m, large);
	dmamap_kfree(m, large);				/* double free, large */
	assert_int_equal(test_stats(m).api_errors, 9);
	assert_int_equal(test_stats(m).kmalloc_bytes, 0);
	/* a page-allocator free of a kmalloc page is refused too */
	large = dmamap_kmalloc(m, 3 * PAGE_SIZE, GFP_KERNEL);
	dmamap_free_pages(dmamap_virt_to_page(m, large), 2);
	assert_int_equal(test_stats(m).api_errors, 10);
	dmamap_kfree(m, large);
	/* the refusals left a working allocator: a double free of one object of a busy slab */
	small = dmamap_kmalloc(m, 200, GFP_KERNEL);
	{
		u8 *second = dmamap_kmalloc(m, 200, GFP_KERNEL);

		dmamap_kfree(m, small);
		dmamap_kfree(m, small);
		assert_int_equal(test_stats(m).api_errors, 11);
		assert_int_equal(dmamap_ksize(m, second), 256);
		dmamap_kfree(m, second);
	}
	dmamap_free_pages(pg, 0);
	dmamap_kfree(other, elsewhere);
	test_assert_no_leaks(other);
	dmamap_machine_destroy(other);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* A slab page goes back to the page allocator when its last object is freed. */
static void test_slabs_released(void **state)
{
	struct dmamap_machine *m = machine();
	u64 free0 = test_stats(m).pages_free;
	void *p[128];

	(void)state;
	for (int i = 0; i < 128; i++)
		p[i] = dmamap_kmalloc(m, 64, GFP_KERNEL);	/* 64 per page: two slabs */
	assert_int_equal(test_stats(m).pages_free, free0 - 2);
	for (int i = 0; i < 64; i++)
		dmamap_kfree(m, p[i]);
	assert_int_equal(test_stats(m).pages_free, free0 - 1);
	for (int i = 64; i < 128; i++)
		dmamap_kfree(m, p[i]);
	assert_int_equal(test_stats(m).pages_free, free0);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_alignment_and_no_overlap),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_kzalloc),
		cmocka_unit_test(test_bad_kfree),
		cmocka_unit_test(test_slabs_released),
	};

	return cmocka_run_group_tests_name("mm-kmalloc", tests, NULL, NULL);
}
