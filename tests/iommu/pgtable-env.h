/* SPDX-License-Identifier: MIT */
/*
 * Page tables for the io-pgtable suites, with table pages from a machine's
 * page allocator, as src/iommu/iommu.c supplies them to a domain.
 */
#ifndef DMAMAP_TESTS_IOMMU_PGTABLE_ENV_H
#define DMAMAP_TESTS_IOMMU_PGTABLE_ENV_H

#include "test-util.h"
#include "iommu/io-pgtable.h"

#include <dmamap/iommu.h>

/* the default machine: 256 MiB of RAM at 0x80000000 */
#define ENV_RAM_BASE	0x80000000ULL
#define ENV_RAM_SIZE	SZ_256M

struct pgtable_env {
	struct dmamap_machine *m;
	struct io_pgtable_window win;	/* the machine's RAM, in the linear map */
	unsigned long lookups;		/* phys_to_table() calls (atomic) */
	long live;			/* tables handed out and not freed (atomic) */
	long live_pages;		/* their pages (atomic) */
	unsigned long partial;		/* partial_unmap() calls (atomic) */
	u64 free_before;		/* machine pages free before any table */
	unsigned long bad;		/* callbacks given a table that is none (atomic) */
};

static inline u64 env_pages_free(struct pgtable_env *e)
{
	struct dmamap_stats st;

	dmamap_machine_stats(e->m, &st);
	return st.pages_free;
}

static inline unsigned int env_order(size_t size)
{
	return (unsigned int)__builtin_ctzl(size >> PAGE_SHIFT);
}

static inline void *env_alloc_table(void *cookie, size_t size, phys_addr_t *phys)
{
	struct pgtable_env *e = cookie;
	struct page *page;

	/* a power of two of at least a page; buddy blocks are aligned to their size */
	if (size < PAGE_SIZE || (size & (size - 1))) {
		__atomic_fetch_add(&e->bad, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	page = dmamap_alloc_pages(e->m, __GFP_ZERO, env_order(size));
	if (!page)
		return NULL;
	*phys = page_to_phys(page);
	if (*phys & (size - 1))
		__atomic_fetch_add(&e->bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&e->live, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&e->live_pages, (long)(size >> PAGE_SHIFT), __ATOMIC_RELAXED);
	return page_address(page);
}

static inline void env_free_table(void *cookie, void *table, phys_addr_t phys, size_t size)
{
	struct pgtable_env *e = cookie;
	struct page *page = dmamap_pfn_to_page(e->m, PHYS_PFN(phys));

	/* the page the table was handed out as (counted, not asserted: any thread) */
	if (!page || page_address(page) != table) {
		__atomic_fetch_add(&e->bad, 1, __ATOMIC_RELAXED);
		return;
	}
	dmamap_free_pages(page, env_order(size));
	__atomic_fetch_sub(&e->live, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&e->live_pages, (long)(size >> PAGE_SHIFT), __ATOMIC_RELAXED);
}

static inline void env_partial_unmap(void *cookie, unsigned long iova, size_t size, size_t block)
{
	struct pgtable_env *e = cookie;

	(void)iova;
	/* a unit inside a larger block, by definition */
	if (size >= block)
		__atomic_fetch_add(&e->bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&e->partial, 1, __ATOMIC_RELAXED);
}

static inline void *env_phys_to_table(void *cookie, phys_addr_t phys)
{
	struct pgtable_env *e = cookie;
	struct page *page = dmamap_pfn_to_page(e->m, PHYS_PFN(phys));

	__atomic_fetch_add(&e->lookups, 1, __ATOMIC_RELAXED);
	if (!page) {
		__atomic_fetch_add(&e->bad, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	return page_address(page);
}

static inline void env_init(struct pgtable_env *e)
{
	struct page *first, *last;

	e->m = test_machine(NULL);
	first = dmamap_pfn_to_page(e->m, PHYS_PFN(ENV_RAM_BASE));
	last = dmamap_pfn_to_page(e->m, PHYS_PFN(ENV_RAM_BASE + ENV_RAM_SIZE) - 1);
	assert_non_null(first);
	assert_non_null(last);
	/* the bank is one stretch of the linear map, so it can be a window */
	assert_ptr_equal((u8 *)page_address(first) + ENV_RAM_SIZE - PAGE_SIZE, page_address(last));
	e->win = (struct io_pgtable_window){ ENV_RAM_BASE, ENV_RAM_SIZE, page_address(first) };
	e->lookups = 0;
	e->live = 0;
	e->live_pages = 0;
	e->partial = 0;
	e->bad = 0;
	e->free_before = env_pages_free(e);
}

static inline struct io_pgtable_cfg env_cfg(struct pgtable_env *e, unsigned int ias,
					    unsigned long pgsizes, bool windows)
{
	return (struct io_pgtable_cfg){
		.pgsize_bitmap = pgsizes,
		.ias = ias,
		.oas = 48,
		.alloc_table = env_alloc_table,
		.free_table = env_free_table,
		.phys_to_table = env_phys_to_table,
		.partial_unmap = env_partial_unmap,
		.cookie = e,
		.windows = windows ? &e->win : NULL,
		.nr_windows = windows ? 1 : 0,
	};
}

static inline struct io_pgtable_ops *env_ops(struct pgtable_env *e, unsigned int ias,
					     unsigned long pgsizes, bool windows)
{
	struct io_pgtable_cfg cfg = env_cfg(e, ias, pgsizes, windows);
	struct io_pgtable_ops *ops = alloc_io_pgtable_ops(&cfg);

	assert_non_null(ops);
	return ops;
}

/* Tables: what the ops count, what the callbacks saw, the pages the machine lost. */
static inline void env_check_tables(struct pgtable_env *e, struct io_pgtable_ops *ops,
				    unsigned long want)
{
	assert_int_equal(e->bad, 0);
	assert_int_equal(io_pgtable_nr_tables(ops), want);
	assert_int_equal(__atomic_load_n(&e->live, __ATOMIC_RELAXED), want);
	assert_int_equal(e->free_before - env_pages_free(e),
			 __atomic_load_n(&e->live_pages, __ATOMIC_RELAXED));
}

/* ... and the pages they take (tables of 4 KiB take one each). */
static inline void env_check_table_pages(struct pgtable_env *e, unsigned long want)
{
	assert_int_equal(__atomic_load_n(&e->live_pages, __ATOMIC_RELAXED), want);
	assert_int_equal(e->free_before - env_pages_free(e), want);
}

/* Frees the ops (every table page back) and the machine. */
static inline void env_fini(struct pgtable_env *e)
{
	assert_int_equal(e->bad, 0);
	assert_int_equal(__atomic_load_n(&e->live, __ATOMIC_RELAXED), 0);
	assert_int_equal(__atomic_load_n(&e->live_pages, __ATOMIC_RELAXED), 0);
	assert_int_equal(env_pages_free(e), e->free_before);
	test_assert_no_leaks(e->m);
	dmamap_machine_destroy(e->m);
}

#endif
