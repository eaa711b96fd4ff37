/* SPDX-License-Identifier: MIT */
/*
 * <linux/gfp.h>: the page allocator without a machine argument. The pages
 * come from the process's current machine (dmamap_machine_set_current(), by
 * default the machine created last); freeing finds the machine from the
 * page. The reclaim hints the model has no reclaim for (__GFP_NORETRY,
 * __GFP_RETRY_MAYFAIL, __GFP_COMP, __GFP_ACCOUNT...) are accepted and change
 * nothing, as on a machine with all its memory free.
 */
#ifndef DMAMAP_LINUX_GFP_H
#define DMAMAP_LINUX_GFP_H

#include <dmamap/machine.h>
#include <dmamap/mm.h>
#include <linux/types.h>

#define __GFP_RETRY_MAYFAIL	0x4000u
#define __GFP_NOFAIL		0x8000u
#define __GFP_NORETRY		0x10000u
#define __GFP_COMP		0x40000u
#define __GFP_HARDWALL		0x100000u
#define __GFP_ACCOUNT		0x400000u
#define __GFP_NOMEMALLOC	0x80000u

#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER		(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_HIGHUSER		(GFP_USER | __GFP_HIGHMEM)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)

static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return dmamap_alloc_pages(dmamap_machine_current(), gfp, order);
}

static inline struct page *alloc_page(gfp_t gfp)
{
	return alloc_pages(gfp, 0);
}

static inline void __free_pages(struct page *page, unsigned int order)
{
	dmamap_free_pages(page, order);
}

static inline void __free_page(struct page *page)
{
	__free_pages(page, 0);
}

/* Linear-map address of the frames, or 0. */
static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	return page ? (unsigned long)page_address(page) : 0;
}

static inline unsigned long __get_free_page(gfp_t gfp)
{
	return __get_free_pages(gfp, 0);
}

static inline unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

/* The frame behind a linear-map address, found on its machine; NULL for any other address. */
static inline struct page *virt_to_page(const void *addr)
{
	return dmamap_virt_to_page(dmamap_virt_machine(addr), addr);
}

static inline void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		__free_pages(virt_to_page((const void *)addr), order);
}

static inline void free_page(unsigned long addr)
{
	free_pages(addr, 0);
}

#endif /* DMAMAP_LINUX_GFP_H */
