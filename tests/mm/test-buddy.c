// SPDX-License-Identifier: MIT
/*
 * The buddy allocator of a bank (buddy.c) and the page allocator in front of
 * it (page.c): block shapes, merging, zone caps, the bank order, and the
 * refusal of bad arguments without damage.
 */
#include "test-util.h"
#include "mm/mm.h"

#include <stdlib.h>
#include <string.h>

static const struct dmamap_bank two_banks[] = {
	{ 0x80000000ULL, 16ULL << 20 },		/* below 4 GiB */
	{ 0x200000000ULL, 16ULL << 20 },	/* above 4 GiB */
};

static struct dmamap_machine *machine_with(const struct dmamap_bank *banks, unsigned int nr)
{
	/* the page allocator alone: no DMA pools taking blocks */
	struct dmamap_machine_config cfg = { .banks = banks, .nr_banks = nr,
					     .swiotlb_size = DMAMAP_SWIOTLB_OFF,
					     .atomic_pool_size = DMAMAP_ATOMIC_POOL_OFF };

	return test_machine(&cfg);
}

static u64 api_errors(struct dmamap_machine *m)
{
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	return st.api_errors;
}

static u64 pages_free(struct dmamap_machine *m)
{
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	return st.pages_free;
}

/* The blocks a fresh bank is carved into: largest aligned blocks, in order. */
static void expected_carve(unsigned long base, unsigned long nr, unsigned long per_order[])
{
	memset(per_order, 0, sizeof(unsigned long) * (MAX_PAGE_ORDER + 1));
	for (unsigned long pfn = base; pfn < base + nr;) {
		unsigned int k = MAX_PAGE_ORDER;

		while (k && ((pfn & ((1UL << k) - 1)) || pfn + (1UL << k) > base + nr))
			k--;
		per_order[k]++;
		pfn += 1UL << k;
	}
}

static void assert_bank_pristine(struct mm_bank *b)
{
	unsigned long want[MAX_PAGE_ORDER + 1];

	expected_carve(b->base_pfn, b->nr_pages, want);
	for (unsigned int k = 0; k <= MAX_PAGE_ORDER; k++)
		assert_int_equal(buddy_free_blocks(&b->buddy, k), want[k]);
	assert_int_equal(b->buddy.free_pages, b->nr_pages);
}

/* --- buddy.c on its own ------------------------------------------------- */

struct bare_buddy {
	struct buddy b;
	u64 *storage;
};

static void bare_init(struct bare_buddy *bb, unsigned long base, unsigned long nr)
{
	bb->storage = calloc(buddy_storage_words(base, nr), sizeof(u64));
	assert_non_null(bb->storage);
	buddy_init(&bb->b, base, nr, bb->storage);
}

static void bare_exit(struct bare_buddy *bb)
{
	buddy_destroy(&bb->b);
	free(bb->storage);
}

/* A bank that starts and ends off every block boundary is carved into aligned blocks. */
static void test_buddy_carve_unaligned_bank(void **state)
{
	struct bare_buddy bb;
	unsigned long want[MAX_PAGE_ORDER + 1];
	const unsigned long base = 0x80003, nr = 5000;

	(void)state;
	bare_init(&bb, base, nr);
	expected_carve(base, nr, want);
	for (unsigned int k = 0; k <= MAX_PAGE_ORDER; k++)
		assert_int_equal(buddy_free_blocks(&bb.b, k), want[k]);
	/* every frame is free, and the frames just outside are not */
	for (unsigned long pfn = base; pfn < base + nr; pfn++)
		assert_true(buddy_pfn_is_free(&bb.b, pfn));
	assert_false(buddy_pfn_is_free(&bb.b, base - 1));
	assert_false(buddy_pfn_is_free(&bb.b, base + nr));

	/* order 10 comes from the first aligned 1024-frame block inside the bank */
	long pfn = buddy_alloc(&bb.b, MAX_PAGE_ORDER, ~0UL);

	assert_int_equal(pfn, (long)ALIGN(base, 1024UL));
	buddy_free(&bb.b, (unsigned long)pfn, MAX_PAGE_ORDER);
	for (unsigned int k = 0; k <= MAX_PAGE_ORDER; k++)
		assert_int_equal(buddy_free_blocks(&bb.b, k), want[k]);
	bare_exit(&bb);
}

/* Policy: lowest block of the smallest sufficient order; split keeps the low half. */
static void test_buddy_policy(void **state)
{
	struct bare_buddy bb;
	long a, b, c;

	(void)state;
	bare_init(&bb, 0, 2048);
	a = buddy_alloc(&bb.b, 0, ~0UL);
	assert_int_equal(a, 0);
	/* the split left one free block of each order 0..9 above frame 0 */
	for (unsigned int k = 0; k < MAX_PAGE_ORDER; k++)
		assert_int_equal(buddy_free_blocks(&bb.b, k), 1);
	assert_int_equal(buddy_free_blocks(&bb.b, MAX_PAGE_ORDER), 1);
	b = buddy_alloc(&bb.b, 0, ~0UL);
	assert_int_equal(b, 1);			/* the order-0 buddy, not a new split */
	c = buddy_alloc(&bb.b, 2, ~0UL);
	assert_int_equal(c, 4);
	buddy_free(&bb.b, 1, 0);
	buddy_free(&bb.b, 0, 0);		/* merges with 1, then with 2..3 */
	assert_int_equal(buddy_free_blocks(&bb.b, 0), 0);
	assert_int_equal(buddy_free_blocks(&bb.b, 1), 0);
	assert_int_equal(buddy_free_blocks(&bb.b, 2), 1);
	buddy_free(&bb.b, 4, 2);
	assert_int_equal(buddy_free_blocks(&bb.b, MAX_PAGE_ORDER), 2);
	for (unsigned int k = 0; k < MAX_PAGE_ORDER; k++)
		assert_int_equal(buddy_free_blocks(&bb.b, k), 0);
	bare_exit(&bb);
}

/* A cap below the lowest block of an order sends the search to larger orders. */
static void test_buddy_cap(void **state)
{
	struct bare_buddy bb;
	long a, b;

	(void)state;
	bare_init(&bb, 0, 4096);
	a = buddy_alloc(&bb.b, 0, ~0UL);	/* frame 0; orders 0..9 have a block above */
	assert_int_equal(a, 0);
	/* the lowest order-9 block, 512..1023, ends exactly at the cap */
	b = buddy_alloc(&bb.b, 9, 1023);
	assert_int_equal(b, 512);
	assert_int_equal(buddy_alloc(&bb.b, 9, 1023), -1);	/* nothing else fits */
	assert_int_equal(buddy_alloc(&bb.b, 0, 0), -1);	/* frame 0 is taken */
	assert_int_equal(buddy_alloc(&bb.b, 0, 1), 1);
	buddy_free(&bb.b, 1, 0);
	buddy_free(&bb.b, 512, 9);
	buddy_free(&bb.b, 0, 0);
	assert_int_equal(buddy_free_blocks(&bb.b, MAX_PAGE_ORDER), 4);
	bare_exit(&bb);
}

/* --- the page allocator against a reference bitmap ---------------------- */

struct live {
	struct page *page;
	unsigned int order;
};

static unsigned int random_order(u64 *rng)
{
	/* mostly small blocks, now and then large ones */
	u64 r = test_rand(rng) % 100;

	if (r < 50)
		return 0;
	if (r < 75)
		return 1 + (unsigned int)(test_rand(rng) % 2);
	if (r < 95)
		return 3 + (unsigned int)(test_rand(rng) % 4);
	return 7 + (unsigned int)(test_rand(rng) % 4);
}

static void test_random_against_reference(void **state)
{
	struct dmamap_machine *m = machine_with(two_banks, 2);
	const unsigned long per_bank = (16UL << 20) >> PAGE_SHIFT;
	const unsigned long nr = 2 * per_bank;
	u8 *ref = calloc(nr, 1);		/* 1: frame handed out */
	struct live *live = calloc(nr, sizeof(*live));
	unsigned long nlive = 0, used = 0, failures = 0;
	u64 rng = 0x1234567;

	(void)state;
	assert_non_null(ref);
	assert_non_null(live);
	for (int step = 0; step < 40000; step++) {
		bool do_alloc = nlive == 0 || test_rand(&rng) % 100 < (used < nr * 3 / 4 ? 60 : 35);

		if (do_alloc) {
			unsigned int order = random_order(&rng);
			struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, order);
			unsigned long pfn, gidx;

			if (!p) {
				failures++;
				continue;
			}
			pfn = page_to_pfn(p);
			assert_int_equal(pfn & ((1UL << order) - 1), 0);	/* naturally aligned */
			assert_ptr_equal(dmamap_pfn_to_page(m, pfn + (1UL << order) - 1),
					 p + (1UL << order) - 1);		/* one bank */
			gidx = mm_page_gidx(m, p);
			for (unsigned long i = 0; i < (1UL << order); i++) {
				assert_int_equal(ref[gidx + i], 0);
				ref[gidx + i] = 1;
			}
			used += 1UL << order;
			live[nlive++] = (struct live){ p, order };
		} else {
			unsigned long i = (unsigned long)(test_rand(&rng) % nlive);
			struct live l = live[i];
			unsigned long gidx = mm_page_gidx(m, l.page);

			live[i] = live[--nlive];
			dmamap_free_pages(l.page, l.order);
			for (unsigned long j = 0; j < (1UL << l.order); j++)
				ref[gidx + j] = 0;
			used -= 1UL << l.order;
		}
		if (step % 5000 == 4999) {
			/* the allocator and the reference agree frame by frame */
			assert_int_equal(pages_free(m), nr - used);
			for (unsigned int b = 0; b < m->nr_banks; b++) {
				struct mm_bank *bk = &m->banks[b];

				for (unsigned long i = 0; i < bk->nr_pages; i++)
					assert_int_equal(buddy_pfn_is_free(&bk->buddy, bk->base_pfn + i),
							 !ref[bk->first + i]);
			}
		}
	}
	assert_true(failures < 40000 / 4);	/* the test did exercise the allocator */
	while (nlive) {
		nlive--;
		dmamap_free_pages(live[nlive].page, live[nlive].order);
	}
	/* everything merged back into the largest blocks */
	for (unsigned int b = 0; b < m->nr_banks; b++)
		assert_bank_pristine(&m->banks[b]);
	assert_int_equal(api_errors(m), 0);
	free(ref);
	free(live);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* Filling a bank with order-0 frames and freeing them in a shuffled order merges back. */
static void test_fill_and_merge(void **state)
{
	static const struct dmamap_bank bank = { 0x80001000ULL, (4ULL << 20) - 0x3000 };
	struct dmamap_machine *m = machine_with(&bank, 1);
	unsigned long nr = bank.size >> PAGE_SHIFT, got = 0;
	struct page **pages = calloc(nr + 1, sizeof(*pages));
	u64 rng = 99;

	(void)state;
	while ((pages[got] = dmamap_alloc_pages(m, GFP_KERNEL, 0)))
		got++;
	assert_int_equal(got, nr);
	assert_int_equal(pages_free(m), 0);
	assert_null(dmamap_alloc_pages(m, GFP_KERNEL, 0));
	for (unsigned long i = nr - 1; i > 0; i--) {
		unsigned long j = (unsigned long)(test_rand(&rng) % (i + 1));
		struct page *t = pages[i];

		pages[i] = pages[j];
		pages[j] = t;
	}
	for (unsigned long i = 0; i < nr; i++)
		dmamap_free_pages(pages[i], 0);
	assert_bank_pristine(&m->banks[0]);
	free(pages);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- zones, caps and bank order ----------------------------------------- */

static void test_highest_bank_first(void **state)
{
	struct dmamap_machine *m = machine_with(two_banks, 2);
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 3);
	struct page *q = dmamap_alloc_pages(m, GFP_DMA32, 3);
	struct page *r = dmamap_alloc_pages(m, GFP_DMA, 0);

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(r);
	assert_true(page_to_phys(p) >= 0x200000000ULL);	/* ZONE_NORMAL preferred */
	assert_true(page_to_phys(q) + (8 << PAGE_SHIFT) - 1 <= 0xffffffffULL);
	assert_true(page_to_phys(r) + PAGE_SIZE - 1 <= 0xffffffffULL);
	dmamap_free_pages(p, 3);
	dmamap_free_pages(q, 3);
	dmamap_free_pages(r, 0);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* GFP_DMA32 never returns a frame above 4 GiB, even when only high memory is left. */
static void test_zone_cap_exhaustion(void **state)
{
	struct dmamap_machine *m = machine_with(two_banks, 2);
	const unsigned long per_bank = (16UL << 20) >> PAGE_SHIFT;
	struct page **pages = calloc(per_bank + 1, sizeof(*pages));
	unsigned long n = 0;

	(void)state;
	while ((pages[n] = dmamap_alloc_pages(m, GFP_DMA32, 2))) {
		assert_true(page_to_phys(pages[n]) + (4 << PAGE_SHIFT) - 1 <= 0xffffffffULL);
		n++;
		assert_true(n <= per_bank / 4);
	}
	assert_int_equal(n, per_bank / 4);
	/* the low bank is full; the high bank is untouched and still serves GFP_KERNEL */
	assert_int_equal(pages_free(m), per_bank);
	assert_null(dmamap_alloc_pages(m, GFP_DMA | __GFP_NOWARN, 0));
	pages[n] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(pages[n]);
	assert_true(page_to_phys(pages[n]) >= 0x200000000ULL);
	dmamap_free_pages(pages[n], 0);
	while (n--)
		dmamap_free_pages(pages[n], 2);
	free(pages);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* A cap inside a bank (a DMA mask): no frame of the block may lie above it. */
static void test_cap_inside_bank(void **state)
{
	struct dmamap_machine *m = machine_with(two_banks, 2);
	const phys_addr_t base = 0x80000000ULL;
	struct page *pages[300];
	unsigned int n = 0;
	struct page *p;

	(void)state;
	/* 1 MiB less one byte past the page end: only the first 255 frames fit whole */
	while ((p = mm_alloc_pages_capped(m, GFP_KERNEL, 0, base + (255UL << PAGE_SHIFT) + 100))) {
		assert_true(n < 300);
		assert_true(page_to_phys(p) + PAGE_SIZE - 1 <= base + (255UL << PAGE_SHIFT) + 100);
		pages[n++] = p;
	}
	assert_int_equal(n, 255);
	while (n)
		dmamap_free_pages(pages[--n], 0);

	/* an order-10 block under a 4 MiB cap: exactly one */
	p = mm_alloc_pages_capped(m, GFP_KERNEL, MAX_PAGE_ORDER, base + SZ_4M - 1);
	assert_non_null(p);
	assert_int_equal(page_to_phys(p), base);
	assert_null(mm_alloc_pages_capped(m, GFP_KERNEL, MAX_PAGE_ORDER, base + SZ_4M - 1));
	assert_null(mm_alloc_pages_capped(m, GFP_KERNEL, 0, base - 1));	/* below all RAM */
	assert_null(mm_alloc_pages_capped(m, GFP_KERNEL, 0, 100));
	dmamap_free_pages(p, MAX_PAGE_ORDER);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- bad arguments: refused, counted, nothing changed ------------------- */

static void test_bad_order(void **state)
{
	struct dmamap_machine *m = machine_with(two_banks, 2);
	u64 before = pages_free(m);
	struct page *p;

	(void)state;
	assert_null(dmamap_alloc_pages(m, GFP_KERNEL, MAX_PAGE_ORDER + 1));
	assert_null(dmamap_alloc_pages(m, GFP_KERNEL, ~0U));
	assert_null(dmamap_alloc_pages(NULL, GFP_KERNEL, 0));
	assert_int_equal(pages_free(m), before);

	p = dmamap_alloc_pages(m, GFP_KERNEL, MAX_PAGE_ORDER);
	assert_non_null(p);
	dmamap_free_pages(p, MAX_PAGE_ORDER + 1);	/* refused: not a valid order */
	assert_int_equal(api_errors(m), 1);
	assert_int_equal(pages_free(m), before - 1024);
	dmamap_free_pages(p, MAX_PAGE_ORDER);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_bad_frees_refused(void **state)
{
	struct dmamap_machine *m = machine_with(two_banks, 2);
	struct dmamap_machine *other = machine_with(two_banks, 1);
	struct page fake = { 0 };
	struct page *p, *q, *o;
	void *obj;
	u64 before;

	(void)state;
	p = dmamap_alloc_pages(m, GFP_KERNEL, 2);
	q = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	o = dmamap_alloc_pages(other, GFP_KERNEL, 0);
	obj = dmamap_kmalloc(m, 100, GFP_KERNEL);
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(o);
	assert_non_null(obj);
	before = pages_free(m);

	dmamap_free_pages(NULL, 0);				/* ignored */
	dmamap_free_pages(&fake, 0);				/* no machine's page */
	dmamap_free_pages((struct page *)((u8 *)p + 4), 2);	/* inside a struct page */
	assert_int_equal(api_errors(m), 0);			/* no machine to blame */
	dmamap_free_pages(p + 1, 0);				/* a tail frame */
	dmamap_free_pages(p, 1);				/* the wrong order */
	dmamap_free_pages(p, 3);
	dmamap_free_pages(dmamap_virt_to_page(m, obj), 0);	/* a kmalloc slab */
	assert_int_equal(api_errors(m), 4);
	assert_int_equal(pages_free(m), before);

	dmamap_free_pages(q, 0);
	dmamap_free_pages(q, 0);				/* double free */
	assert_int_equal(api_errors(m), 5);
	assert_int_equal(pages_free(m), before + 1);
	/* the refused calls did not damage the blocks: p frees and merges normally */
	dmamap_free_pages(p, 2);
	assert_int_equal(pages_free(m), before + 5);
	/* a page of another machine is freed to that machine */
	dmamap_free_pages(o, 0);
	assert_int_equal(api_errors(other), 0);
	dmamap_kfree(m, obj);
	for (unsigned int b = 0; b < m->nr_banks; b++)
		assert_bank_pristine(&m->banks[b]);
	test_assert_no_leaks(other);
	dmamap_machine_destroy(other);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* __GFP_ZERO: the CPU reads zeroes, whatever the frames held, on both cache models. */
static void test_gfp_zero(void **state)
{
	(void)state;
	for (int nc = 0; nc < 2; nc++) {
		struct dmamap_machine_config cfg = {
			.banks = two_banks, .nr_banks = 2,
			.cache = nc ? DMAMAP_CACHE_NONCOHERENT : DMAMAP_CACHE_COHERENT,
		};
		struct dmamap_machine *m = test_machine(&cfg);
		struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 2);
		struct page *q;
		const u8 *c;

		assert_non_null(p);
		memset(page_address(p), 0xa5, 4 * PAGE_SIZE);	/* a dirty CPU copy */
		dmamap_free_pages(p, 2);
		q = dmamap_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 2);
		assert_ptr_equal(q, p);		/* lowest block first: the same frames */
		c = page_address(q);
		for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
			assert_int_equal(c[i], 0);
		dmamap_free_pages(q, 2);
		test_assert_no_leaks(m);
		dmamap_machine_destroy(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buddy_carve_unaligned_bank),
		cmocka_unit_test(test_buddy_policy),
		cmocka_unit_test(test_buddy_cap),
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_fill_and_merge),
		cmocka_unit_test(test_highest_bank_first),
		cmocka_unit_test(test_zone_cap_exhaustion),
		cmocka_unit_test(test_cap_inside_bank),
		cmocka_unit_test(test_bad_order),
		cmocka_unit_test(test_bad_frees_refused),
		cmocka_unit_test(test_gfp_zero),
	};

	return cmocka_run_group_tests_name("mm-buddy", tests, NULL, NULL);
}
