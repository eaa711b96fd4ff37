// SPDX-License-Identifier: MIT
/*
 * The page allocator front end: zones (caps) over the per-bank buddy
 * allocators, and the checked free.
 */
#include "mm/mm.h"
#include "mm/fail.h"
#include "mm/cache.h"
#include "mm/host.h"

#include <string.h>

static phys_addr_t gfp_zone_cap(const struct dmamap_machine *m, gfp_t gfp)
{
	if (gfp & (__GFP_DMA | __GFP_DMA32))
		return m->zone_dma_limit;
	return ~(phys_addr_t)0;
}

/* last frame wholly at or below @cap (the last allowed byte) */
static unsigned long cap_to_max_pfn(phys_addr_t cap)
{
	if (cap == ~(phys_addr_t)0)
		return ~0UL;
	if (cap < PAGE_SIZE - 1)
		return ~0UL;	/* nothing fits; the caller checks bank bases */
	return (unsigned long)((cap + 1) >> PAGE_SHIFT) - 1;
}

/* The first frame index of a free block of 2^@order frames below the cap, taken; -1UL if none. */
static unsigned long alloc_frames(struct dmamap_machine *m, gfp_t gfp, unsigned int order,
				  phys_addr_t max_phys)
{
	phys_addr_t cap = min(max_phys, gfp_zone_cap(m, gfp));
	unsigned long max_pfn = cap_to_max_pfn(cap);

	if (order > MAX_PAGE_ORDER || cap < PAGE_SIZE - 1)
		return -1UL;
	if (mm_should_fail(DMAMAP_FAIL_PAGE_ALLOC, m))
		return -1UL;
	/* highest bank first, as the zone lists prefer ZONE_NORMAL */
	for (unsigned int i = m->nr_banks; i-- > 0;) {
		struct mm_bank *b = &m->banks[i];
		long pfn;

		if (b->base_pfn > max_pfn)
			continue;
		pfn = buddy_alloc(&b->buddy, order, max_pfn);
		if (pfn >= 0)
			return b->first + ((unsigned long)pfn - b->base_pfn);
	}
	return -1UL;
}

struct page *mm_alloc_pages_capped(struct dmamap_machine *m, gfp_t gfp, unsigned int order,
				   phys_addr_t max_phys)
{
	unsigned long gidx = alloc_frames(m, gfp, order, max_phys);
	struct page *page;

	if (gidx == -1UL)
		return NULL;
	page = &m->pages[gidx];
	page->private = 0;
	smp_store_release(&page->flags, PG_head | ((unsigned long)order << PG_ORDER_SHIFT));
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	return page;
}

phys_addr_t mm_alloc_boot_frames(struct dmamap_machine *m, gfp_t gfp, unsigned int order)
{
	unsigned long gidx = alloc_frames(m, gfp, order, ~(phys_addr_t)0);

	return gidx == -1UL ? (phys_addr_t)-1 : mm_gidx_phys(m, gidx);
}

struct release_ctx {
	struct dmamap_machine *m;
	const struct mm_bank *bank;
};

static void release_run(void *arg, unsigned long pfn, unsigned long n)
{
	struct release_ctx *c = arg;

	mm_cache_release(c->m, c->bank->first + (pfn - c->bank->base_pfn), n);
}

/*
 * Gives the block at frame index @gidx back to its bank's buddy allocator,
 * and the host memory of the bank's free frames back to the host once a
 * batch of them has built up.
 */
static void free_frames(struct dmamap_machine *m, unsigned long gidx, unsigned int order)
{
	struct mm_bank *b = (struct mm_bank *)mm_gidx_bank(m, gidx);

	/* before the buddy allocator can hand them out again */
	mm_cache_unalias(m, gidx, 1UL << order);
	if (buddy_free(&b->buddy, b->base_pfn + (gidx - b->first), order)) {
		struct release_ctx c = { m, b };

		buddy_release(&b->buddy, release_run, &c);
	}
}

void mm_free_boot_frames(struct dmamap_machine *m, phys_addr_t phys, unsigned int order)
{
	free_frames(m, mm_phys_gidx(m, phys), order);
}

int mm_free_pages_checked(struct dmamap_machine *m, struct page *page, unsigned int order)
{
	unsigned long expect = PG_head | ((unsigned long)order << PG_ORDER_SHIFT);

	if (order > MAX_PAGE_ORDER)
		return -EINVAL;
	/* one winner among racing frees of the same block */
	if (!__atomic_compare_exchange_n(&page->flags, &expect, 0, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return -EINVAL;
	free_frames(m, mm_page_gidx(m, page), order);
	return 0;
}

DMAMAP_API struct page *dmamap_alloc_pages(struct dmamap_machine *m, gfp_t gfp, unsigned int order)
{
	if (!m)
		return NULL;
	return mm_alloc_pages_capped(m, gfp, order, ~(phys_addr_t)0);
}

DMAMAP_API void dmamap_free_pages(struct page *page, unsigned int order)
{
	struct dmamap_machine *m = mm_page_machine(page);

	if (!m) {
		if (page)
			mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
					"free_pages: %p is not a page of any machine; refused",
					(void *)page);
		return;
	}
	if (mm_free_pages_checked(m, page, order))
		mm_debug_report(m, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"free_pages: pfn %#lx order %u was not allocated with that order "
				"(double free, tail page or wrong order); refused",
				page_to_pfn(page), order);
}

void mm_prep_dma_pages(struct dmamap_machine *m, struct page *page, unsigned long nr_pages)
{
	unsigned long gidx = mm_page_gidx(m, page);
	size_t len = nr_pages << PAGE_SHIFT;

	memset(m->mem + (gidx << PAGE_SHIFT), 0, len);
	mm_cache_refresh(m, gidx, nr_pages);
}
