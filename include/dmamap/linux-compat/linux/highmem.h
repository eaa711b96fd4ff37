/* SPDX-License-Identifier: MIT */
/*
 * <linux/highmem.h>: on a 64-bit machine every page is in the linear map,
 * so kmap() is page_address(); flush_kernel_vmap_range() and
 * invalidate_kernel_vmap_range() are dmamap's (the cache model's maintenance
 * for mappings in the kernel VA window).
 */
#ifndef DMAMAP_LINUX_HIGHMEM_H
#define DMAMAP_LINUX_HIGHMEM_H

#include <string.h>

#include <linux/mm.h>

static inline void *kmap(struct page *page)
{
	return page_address(page);
}

static inline void kunmap(struct page *page)
{
	(void)page;
}

static inline void *kmap_local_page(struct page *page)
{
	return page_address(page);
}

static inline void kunmap_local(const void *addr)
{
	(void)addr;
}

#define kmap_atomic(page)	kmap_local_page(page)
#define kunmap_atomic(addr)	kunmap_local(addr)

static inline void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len)
{
	memcpy(to, (char *)page_address(page) + offset, len);
}

static inline void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len)
{
	memcpy((char *)page_address(page) + offset, from, len);
}

static inline void memzero_page(struct page *page, size_t offset, size_t len)
{
	memset((char *)page_address(page) + offset, 0, len);
}

static inline void clear_page(void *addr)
{
	memset(addr, 0, PAGE_SIZE);
}

#endif /* DMAMAP_LINUX_HIGHMEM_H */
