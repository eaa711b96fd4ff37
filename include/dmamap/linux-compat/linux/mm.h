/* SPDX-License-Identifier: MIT */
/*
 * <linux/mm.h>: pages, VMAs and their flags (dmamap's), the linear-map
 * address helpers on the process's machines, and pgprot_t.
 */
#ifndef DMAMAP_LINUX_MM_H
#define DMAMAP_LINUX_MM_H

#include <dmamap/mm.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/list.h>

typedef unsigned long pgprot_t;
#define pgprot_val(x)		(x)
#define __pgprot(x)		(x)
#define PAGE_KERNEL		(DMAMAP_PGPROT_NORMAL | DMAMAP_PGPROT_READ | DMAMAP_PGPROT_WRITE)

#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)
#define page_to_virt(page)	page_address(page)
#define lowmem_page_address(page)	page_address(page)

/* The current machine's frame @pfn, or NULL when it is not RAM there. */
static inline struct page *pfn_to_page(unsigned long pfn)
{
	return dmamap_pfn_to_page(dmamap_machine_current(), pfn);
}

/* Physical address of a linear-map address, or (phys_addr_t)-1 for any other. */
static inline phys_addr_t virt_to_phys(const volatile void *addr)
{
	struct page *page = virt_to_page((const void *)addr);

	return page ? page_to_phys(page) + offset_in_page(addr) : (phys_addr_t)-1;
}

/* Linear-map address of RAM of the current machine, or NULL. */
static inline void *phys_to_virt(phys_addr_t phys)
{
	struct page *page = pfn_to_page(PHYS_PFN(phys));

	return page ? (char *)page_address(page) + offset_in_page(phys) : NULL;
}

#define __pa(x)			virt_to_phys(x)
#define __va(x)			phys_to_virt(x)
#define virt_addr_valid(x)	(virt_to_page(x) != NULL)

static inline bool PageHighMem(const struct page *page)
{
	(void)page;
	return false;	/* 64-bit: all RAM is in the linear map */
}

#endif /* DMAMAP_LINUX_MM_H */
