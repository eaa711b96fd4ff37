// SPDX-License-Identifier: MIT
/*
 * The kernel VA window, cookies and user VMAs (vmalloc.c).
 *
 * A remap is built with one host mapping per physically contiguous run and
 * a guard page after each area; the window is accounted and can run out;
 * cookies are addresses that fault; user VMAs get runs mapped at offsets.
 */
#include "test-util.h"
#include "mm/host.h"
#include "mm/mm.h"
#include "mm/vmalloc.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Pages of an order-5 block, put in an order that makes @runs physically
 * contiguous runs of @count pages.
 */
static unsigned int make_runs(struct page *block, struct page **pages, unsigned int count,
			      unsigned int runs)
{
	unsigned int per = count / runs, n = 0;

	/* runs taken from every other stretch of the block, last stretch first */
	for (unsigned int r = 0; r < runs; r++) {
		unsigned int len = r == runs - 1 ? count - n : per;
		struct page *start = block + (runs - 1 - r) * 2 * per;

		for (unsigned int i = 0; i < len; i++)
			pages[n++] = start + i;
	}
	return n;
}

/* Write through a remap of k runs, read back through the linear map and the memory view. */
static void test_remap(void **state)
{
	(void)state;
	for (int nc = 0; nc < 2; nc++) {
		struct dmamap_machine_config cfg = {
			.cache = nc ? DMAMAP_CACHE_NONCOHERENT : DMAMAP_CACHE_COHERENT,
		};
		struct dmamap_machine *m = test_machine(&cfg);
		struct page *block = dmamap_alloc_pages(m, GFP_KERNEL, 7);	/* 128 frames */
		static const unsigned int runs[] = { 1, 2, 5, 16 };

		assert_non_null(block);
		for (unsigned int t = 0; t < ARRAY_SIZE(runs); t++) {
			const unsigned int count = 32;
			struct page *pages[32];
			struct dmamap_stats st0 = test_stats(m), st1;
			struct mm_vm_area *area;
			u8 *va;

			make_runs(block, pages, count, runs[t]);
			va = mm_vmap(m, pages, count, DMAMAP_PGPROT_NONCACHED);
			assert_non_null(va);
			assert_true(mm_in_vmalloc(m, va));
			st1 = test_stats(m);
			assert_int_equal(st1.host_mmaps - st0.host_mmaps, runs[t]);
			assert_int_equal(st1.host_vmas, runs[t]);
			assert_int_equal(st1.vmalloc_areas, 1);
			assert_int_equal(st1.vmalloc_bytes, (count + 1) * PAGE_SIZE);	/* + guard */
			area = mm_find_vm_area(m, va);
			assert_non_null(area);
			assert_int_equal(area->host_vmas, runs[t]);
			assert_ptr_equal(area->pages, pages);
			assert_int_equal(area->nr_pages, count);
			assert_int_equal(area->prot, DMAMAP_PGPROT_NONCACHED);

			test_fill_pattern(va, count * PAGE_SIZE, t + 10);
			for (unsigned int i = 0; i < count; i++) {
				const u8 *want = va + i * PAGE_SIZE;

				/* uncached: memory has it at once; the CPU holds no copy to hide it */
				assert_memory_equal(mm_phys_to_mem(m, page_to_phys(pages[i])), want,
						    PAGE_SIZE);
				assert_memory_equal(page_address(pages[i]), want, PAGE_SIZE);
			}
			/* and the other way: memory written, the remap reads it */
			memset(mm_phys_to_mem(m, page_to_phys(pages[count - 1])), 0x42, PAGE_SIZE);
			assert_int_equal(va[(count - 1) * PAGE_SIZE + 7], 0x42);
			assert_true(test_read_faults(va + count * PAGE_SIZE));	/* the guard page */

			assert_int_equal(mm_vunmap(m, va), 0);
			st1 = test_stats(m);
			assert_int_equal(st1.host_munmaps - st0.host_munmaps, 1);	/* one call */
			assert_int_equal(st1.host_vmas, 0);
			assert_int_equal(st1.vmalloc_areas, 0);
			assert_int_equal(st1.vmalloc_bytes, 0);
			assert_true(test_read_faults(va));
			assert_int_equal(mm_vunmap(m, va), -EINVAL);		/* twice */
		}
		assert_int_equal(mm_vunmap(m, &cfg), -EINVAL);
		assert_null(mm_vmap(m, NULL, 0, 0));
		dmamap_free_pages(block, 7);
		test_assert_no_leaks(m);
		dmamap_machine_destroy(m);
	}
}

/* Areas follow each other with a guard page between; the window's accounting adds up. */
static void test_areas_and_guards(void **state)
{
	struct dmamap_machine *m = *state;
	struct mm_vm_area *a[8];
	u64 bytes = 0;

	for (int i = 0; i < 8; i++) {
		a[i] = mm_vm_area_alloc(m, (size_t)(i + 1) * 1000);
		assert_non_null(a[i]);
		assert_int_equal(a[i]->addr & (PAGE_SIZE - 1), 0);
		assert_int_equal(a[i]->size, PAGE_ALIGN((size_t)(i + 1) * 1000));
		assert_ptr_equal(mm_find_vm_area(m, (void *)a[i]->addr), a[i]);
		assert_null(mm_find_vm_area(m, (void *)(a[i]->addr + PAGE_SIZE)));
		if (i)
			assert_true(a[i - 1]->addr + a[i - 1]->size + PAGE_SIZE <= a[i]->addr);
		bytes += a[i]->size + PAGE_SIZE;
	}
	assert_int_equal(test_stats(m).vmalloc_bytes, bytes);
	assert_int_equal(test_stats(m).vmalloc_areas, 8);
	assert_null(mm_vm_area_alloc(m, 0));
	/* bad map arguments: refused, nothing mapped */
	{
		struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 1);
		struct page *pages[2] = { p, p + 1 };

		assert_int_equal(mm_vm_area_map_pages(m, a[0], 0, pages, 2), -EINVAL);	/* too big */
		assert_int_equal(mm_vm_area_map_pages(m, a[1], 100, pages, 1), -EINVAL);
		assert_int_equal(mm_vm_area_map_pages(m, a[1], 0, pages, 0), -EINVAL);
		assert_int_equal(mm_vm_area_map_phys(m, a[1], 0, page_to_phys(p) + 8, PAGE_SIZE),
				 -EINVAL);
		assert_int_equal(mm_vm_area_map_phys(m, a[1], 0, 0x1000, PAGE_SIZE), -EINVAL);
		assert_int_equal(mm_vm_area_map_phys(m, a[1], PAGE_SIZE, page_to_phys(p),
						     2 * PAGE_SIZE), -EINVAL);
		assert_int_equal(test_stats(m).host_vmas, 0);
		/* a run mapped at an offset of an area */
		assert_int_equal(a[4]->size, 2 * PAGE_SIZE);
		assert_int_equal(mm_vm_area_map_phys(m, a[4], PAGE_SIZE, page_to_phys(p), PAGE_SIZE), 0);
		((u8 *)a[4]->addr)[PAGE_SIZE + 3] = 0x5e;
		assert_int_equal(((u8 *)mm_phys_to_mem(m, page_to_phys(p)))[3], 0x5e);
		assert_true(test_read_faults((void *)a[4]->addr));		/* page 0 not mapped */
		dmamap_free_pages(p, 1);
	}
	for (int i = 0; i < 8; i++)
		mm_vm_area_free(m, a[i]);
}

static const struct dmamap_machine_config window_exhaustion_mc = { .vmalloc_size = 64 * PAGE_SIZE };

/* Exhausting the window: -ENOMEM (NULL), nothing changed, and the window still works. */
static void test_window_exhaustion(void **state)
{
	struct dmamap_machine *m = *state;
	struct mm_vm_area *a[16];
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 3);
	struct page *pages[8];
	struct dmamap_stats st;
	unsigned int n = 0;
	void *va;

	for (unsigned int i = 0; i < 8; i++)
		pages[i] = p + i;
	while ((a[n] = mm_vm_area_alloc(m, 7 * PAGE_SIZE)))	/* 8 pages with its guard */
		n++;
	assert_int_equal(n, 8);
	st = test_stats(m);
	assert_int_equal(st.vmalloc_bytes, 64 * PAGE_SIZE);
	assert_null(mm_vm_area_alloc(m, PAGE_SIZE));
	assert_null(mm_vmap(m, pages, 1, 0));
	st = test_stats(m);
	assert_int_equal(st.vmalloc_areas, 8);
	assert_int_equal(st.host_vmas, 0);

	/* one area back: exactly its room can be had again */
	mm_vm_area_free(m, a[3]);
	va = mm_vmap(m, pages, 7, 0);
	assert_non_null(va);
	assert_ptr_equal(va, m->vmalloc.base + 3 * 8 * PAGE_SIZE);	/* first fit */
	assert_null(mm_vmap(m, pages, 1, 0));
	assert_int_equal(mm_vunmap(m, va), 0);
	/* everything back: the free ranges merged into the whole window again */
	for (unsigned int i = 0; i < n; i++)
		if (i != 3)
			mm_vm_area_free(m, a[i]);
	assert_null(mm_vm_area_alloc(m, 64 * PAGE_SIZE));	/* no room for its guard */
	a[0] = mm_vm_area_alloc(m, 63 * PAGE_SIZE);
	assert_non_null(a[0]);
	assert_ptr_equal((void *)a[0]->addr, m->vmalloc.base);
	assert_int_equal(mm_vm_area_map_pages(m, a[0], 0, pages, 8), 0);
	assert_int_equal(test_stats(m).host_vmas, 1);
	mm_vm_area_free(m, a[0]);
	dmamap_free_pages(p, 3);
}

/* With no headroom left below vm.max_map_count, a remap fails whole and leaves nothing. */
static void test_host_mapping_budget(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 3);
	struct page *pages[4] = { p + 6, p + 4, p + 2, p };	/* four runs */
	const unsigned long used0 = host_vmas_in_use();
	unsigned long left = host_vmas_limit() - used0;
	struct dmamap_stats st0 = test_stats(m), st1;

	(void)state;
	/* leave room for two mappings only */
	assert_int_equal(host_vmas_reserve(left - 2), 0);
	assert_null(mm_vmap(m, pages, 4, 0));
	st1 = test_stats(m);
	assert_int_equal(st1.host_vmas, 0);
	assert_int_equal(st1.vmalloc_areas, 0);
	assert_int_equal(st1.host_mmaps - st0.host_mmaps, 2);		/* made, then undone */
	assert_int_equal(host_vmas_in_use(), host_vmas_limit() - 2);	/* all given back */
	host_vmas_release(left - 2);
	assert_non_null(mm_vmap(m, pages, 4, 0));
	assert_int_equal(test_stats(m).host_vmas, 4);
	dmamap_free_pages(p, 3);
	/* the machine's teardown gives the budget back */
	{
		struct dmamap_machine *m2 = test_machine(NULL);
		struct page *q = dmamap_alloc_pages(m2, GFP_KERNEL, 0);

		assert_non_null(mm_vmap(m2, &q, 1, 0));
		dmamap_machine_destroy(m2);
	}
	assert_int_equal(host_vmas_in_use(), used0 + 4);
	mm_vunmap(m, (void *)m->vmalloc.base);
	assert_int_equal(host_vmas_in_use(), used0);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- cookies --------------------------------------------------------------- */

static void test_cookies(void **state)
{
	enum { N = 1000 };
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_machine *other = test_machine(NULL);
	void *c[N];
	int owners[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		c[i] = mm_cookie_alloc(m, &owners[i]);
		assert_non_null(c[i]);
		assert_true(mm_is_cookie(m, c[i]));
		assert_false(mm_is_cookie(other, c[i]));
		assert_false(PAGE_ALIGNED(c[i]));	/* no page address */
		assert_null(dmamap_virt_to_page(m, c[i]));
		assert_false(mm_in_vmalloc(m, c[i]));
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(c[i], c[j]);
	}
	assert_int_equal(test_stats(m).cookies, N);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(mm_cookie_owner(m, c[i]), &owners[i]);
	assert_null(mm_cookie_alloc(m, NULL));
	/* what is not a live cookie */
	assert_null(mm_cookie_owner(m, (u8 *)c[0] + 1));
	assert_null(mm_cookie_owner(other, c[0]));
	assert_null(mm_cookie_owner(m, &owners[0]));
	assert_int_equal(mm_cookie_free(m, (u8 *)c[0] + 1), -EINVAL);
	assert_int_equal(mm_cookie_free(m, &owners[0]), -EINVAL);
	assert_int_equal(mm_cookie_free(m, m->cookies.base + 0x100 + (N + 5) * PAGE_SIZE),
			 -EINVAL);					/* never handed out */
	assert_int_equal(mm_cookie_free(other, c[0]), -EINVAL);
	assert_int_equal(test_stats(m).cookies, N);

	assert_int_equal(mm_cookie_free(m, c[10]), 0);
	assert_null(mm_cookie_owner(m, c[10]));
	assert_int_equal(mm_cookie_free(m, c[10]), -EINVAL);	/* double free */
	assert_int_equal(test_stats(m).cookies, N - 1);
	/* a freed slot may be reused, and the new cookie is unique among the live */
	c[10] = mm_cookie_alloc(m, &owners[10]);
	for (int j = 0; j < N; j++)
		if (j != 10)
			assert_ptr_not_equal(c[10], c[j]);
	for (int i = 0; i < N; i++)
		assert_int_equal(mm_cookie_free(m, c[i]), 0);
	assert_int_equal(test_stats(m).cookies, 0);
	test_assert_no_leaks(other);
	dmamap_machine_destroy(other);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* Dereferencing a cookie faults at once. */
static void test_cookie_dereference_faults(void **state)
{
	struct dmamap_machine *m = *state;
	int owner;
	void *c = mm_cookie_alloc(m, &owner);

	assert_true(test_read_faults(c));
	assert_true(test_read_faults((u8 *)c - 0x100));
	assert_int_equal(mm_cookie_free(m, c), 0);
}

/* --- user VMAs -------------------------------------------------------------- */

static void test_user_vma(void **state)
{
	struct dmamap_machine_config cfg = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_machine *m = test_machine(&cfg);
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 2);
	struct vm_area_struct *vma;
	struct dmamap_stats st0, st1;
	u8 *u;

	(void)state;
	assert_int_equal(dmamap_vma_create(m, 8 * PAGE_SIZE, 3, &vma), 0);
	assert_int_equal(vma->vm_end - vma->vm_start, 8 * PAGE_SIZE);
	assert_int_equal(vma_pages(vma), 8);
	assert_int_equal(vma->vm_pgoff, 3);
	assert_int_equal(vma->vm_start & (PAGE_SIZE - 1), 0);
	assert_ptr_equal(vma->vm_machine, m);
	u = (u8 *)vma->vm_start;
	assert_true(test_read_faults(u));			/* nothing mapped yet */
	assert_false(mm_in_vmalloc(m, u));		/* outside the kernel window */

	/* a run of three frames at page offset 2 */
	st0 = test_stats(m);
	assert_int_equal(mm_vma_map_phys(vma, 2 * PAGE_SIZE, page_to_phys(p), 3 * PAGE_SIZE), 0);
	st1 = test_stats(m);
	assert_int_equal(st1.host_mmaps - st0.host_mmaps, 1);
	assert_int_equal(st1.host_vmas, 1);
	test_fill_pattern(u + 2 * PAGE_SIZE, 3 * PAGE_SIZE, 21);
	assert_int_equal(test_check_pattern(mm_phys_to_mem(m, page_to_phys(p)), 3 * PAGE_SIZE, 21),
			 -1);
	assert_true(test_read_faults(u + PAGE_SIZE));
	assert_true(test_read_faults(u + 5 * PAGE_SIZE));
	/* a page array: runs at offset 5 and 7 */
	{
		struct page *pages[3] = { p + 3, p, p + 1 };

		assert_int_equal(mm_vma_map_pages(vma, 5 * PAGE_SIZE, pages, 3), 0);
		assert_int_equal(test_stats(m).host_vmas, 3);
		memset(mm_phys_to_mem(m, page_to_phys(p + 3)), 0x66, PAGE_SIZE);
		assert_int_equal(u[5 * PAGE_SIZE + 9], 0x66);
		assert_int_equal(test_check_pattern(u + 6 * PAGE_SIZE, 2 * PAGE_SIZE, 21), -1);
	}
	/* refused: outside the VMA, unaligned, not RAM */
	assert_int_equal(mm_vma_map_phys(vma, 7 * PAGE_SIZE, page_to_phys(p), 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(mm_vma_map_phys(vma, 8 * PAGE_SIZE, page_to_phys(p), PAGE_SIZE), -EINVAL);
	assert_int_equal(mm_vma_map_phys(vma, 100, page_to_phys(p), PAGE_SIZE), -EINVAL);
	assert_int_equal(mm_vma_map_phys(vma, 0, page_to_phys(p) + 64, PAGE_SIZE), -EINVAL);
	assert_int_equal(mm_vma_map_phys(vma, 0, page_to_phys(p), 100), -EINVAL);
	assert_int_equal(mm_vma_map_phys(vma, 0, 0x1000, PAGE_SIZE), -EINVAL);
	assert_int_equal(mm_vma_map_phys(vma, 0, page_to_phys(p), 0), -EINVAL);
	assert_int_equal(mm_vma_map_pages(vma, 0, NULL, 0), -EINVAL);
	assert_int_equal(test_stats(m).host_vmas, 3);
	dmamap_vma_destroy(vma);
	assert_int_equal(test_stats(m).host_vmas, 0);
	dmamap_vma_destroy(NULL);

	/* bad VMAs */
	vma = (struct vm_area_struct *)&cfg;
	assert_int_equal(dmamap_vma_create(m, 0, 0, &vma), -EINVAL);
	assert_null(vma);
	assert_int_equal(dmamap_vma_create(m, 100, 0, &vma), -EINVAL);
	assert_int_equal(dmamap_vma_create(NULL, PAGE_SIZE, 0, &vma), -EINVAL);
	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, NULL), -EINVAL);
	dmamap_free_pages(p, 2);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static const struct dmamap_bank adjacent[] = {
	{ 0x80000000ULL, SZ_1M }, { 0x80100000ULL, SZ_1M }, { 0x90000000ULL, SZ_1M },
};
static const struct dmamap_machine_config remap_across_banks_mc = {
	.banks = adjacent,
	.nr_banks = 3,
};

/*
 * Frames of two physically adjacent banks are one contiguous run: one host
 * mapping, in the window and in a user VMA. Banks with a hole between them
 * are two.
 */
static void test_remap_across_banks(void **state)
{
	struct dmamap_machine *m = *state;
	struct page *lo = dmamap_pfn_to_page(m, (0x80100000UL >> PAGE_SHIFT) - 2);
	struct page *hi = dmamap_pfn_to_page(m, 0x80100000UL >> PAGE_SHIFT);
	struct page *far = dmamap_pfn_to_page(m, 0x90000000UL >> PAGE_SHIFT);
	struct page *pages[5] = { lo, lo + 1, hi, hi + 1, far };
	struct vm_area_struct *vma;
	struct dmamap_stats st0, st1;
	u8 *va;

	assert_ptr_equal(lo + 2, hi);			/* the page array runs on */
	assert_ptr_equal(hi + 256, far);		/* ... across the hole too */
	st0 = test_stats(m);
	va = mm_vmap(m, pages, 5, 0);
	assert_non_null(va);
	st1 = test_stats(m);
	assert_int_equal(st1.host_mmaps - st0.host_mmaps, 2);
	for (unsigned int i = 0; i < 5; i++) {
		test_fill_pattern(va + i * PAGE_SIZE, PAGE_SIZE, 30 + i);
		assert_int_equal(test_check_pattern(mm_phys_to_mem(m, page_to_phys(pages[i])),
						    PAGE_SIZE, 30 + i), -1);
	}
	assert_int_equal(mm_vunmap(m, va), 0);
	assert_int_equal(dmamap_vma_create(m, 5 * PAGE_SIZE, 0, &vma), 0);
	assert_int_equal(mm_vma_map_pages(vma, 0, pages, 5), 0);
	assert_int_equal(test_stats(m).host_vmas, 2);
	assert_int_equal(test_check_pattern((u8 *)vma->vm_start + 2 * PAGE_SIZE, PAGE_SIZE, 32), -1);
	dmamap_vma_destroy(vma);
}

/*
 * dmamap_vma_destroy() twice: the second call is refused and reported (it
 * read the freed VMA and released its range again, a use after free), and
 * nothing of the machine's other VMAs, or the counts, changes. A pointer
 * that was never a VMA is refused the same way.
 */
static void test_vma_destroy_twice(void **state)
{
	struct dmamap_machine *m = *state;
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	struct vm_area_struct *a, *b;
	long maps;

	assert_int_equal(dmamap_vma_create(m, 2 * PAGE_SIZE, 0, &a), 0);
	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &b), 0);
	assert_int_equal(mm_vma_map_phys(a, 0, page_to_phys(p), PAGE_SIZE), 0);
	assert_int_equal(mm_vma_map_phys(b, 0, page_to_phys(p), PAGE_SIZE), 0);
	assert_int_equal(test_stats(m).host_vmas, 2);
	dmamap_vma_destroy(a);
	assert_int_equal(test_stats(m).host_vmas, 1);
	maps = test_count_maps();
	dmamap_vma_destroy(a);
	dmamap_vma_destroy((struct vm_area_struct *)p);
	assert_int_equal(test_stats(m).host_vmas, 1);
	assert_int_equal(test_count_maps(), maps);
	/* the other one is whole */
	memset(page_address(p), 0x3c, 64);
	assert_int_equal(((u8 *)b->vm_start)[63], 0x3c);
	dmamap_vma_destroy(b);
	assert_int_equal(test_stats(m).host_vmas, 0);
	dmamap_free_pages(p, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remap),
		TEST_MACHINE_CASE(test_remap_across_banks, &remap_across_banks_mc),
		TEST_MACHINE_CASE(test_areas_and_guards, NULL),
		TEST_MACHINE_CASE(test_window_exhaustion, &window_exhaustion_mc),
		cmocka_unit_test(test_host_mapping_budget),
		cmocka_unit_test(test_cookies),
		TEST_MACHINE_CASE(test_cookie_dereference_faults, NULL),
		cmocka_unit_test(test_user_vma),
		TEST_MACHINE_CASE(test_vma_destroy_twice, NULL),
	};

	return cmocka_run_group_tests_name("mm-vmalloc", tests, NULL, NULL);
}
