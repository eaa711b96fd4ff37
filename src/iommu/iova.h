/* SPDX-License-Identifier: MIT */
/*
 * The IOVA allocator of DMA domains, with the kernel's interface
 * (<linux/iova.h>): alloc_iova_fast() / free_iova_fast().
 */
#ifndef DMAMAP_SRC_IOMMU_IOVA_H
#define DMAMAP_SRC_IOMMU_IOVA_H

#include <dmamap/types.h>

struct iova_domain;

/* The most granules one domain manages: 2^28 (1 TiB of IOVA space with 4 KiB granules). */
#define IOVA_MAX_SPACE_ORDER	28
/*
 * Sizes of fewer orders than this (up to 32 granules) are rounded up to a
 * power of two and cached per thread, as the kernel does; larger ones keep
 * their length, only their alignment is rounded up.
 */
#define IOVA_RANGE_CACHE_MAX_SIZE 6

/*
 * @granule: a power of two >= 4096; @start_pfn: the lowest pfn handed out
 * (at least 1: IOVA 0 never is); @end_pfn: one past the highest (0: the
 * whole manageable space, 2^IOVA_MAX_SPACE_ORDER; more is refused).
 * Return: 0, -EINVAL, -ENOMEM.
 */
int iova_domain_create(unsigned long granule, unsigned long start_pfn, unsigned long end_pfn,
		       struct iova_domain **out);
/* Frees the domain and every cache of it, in every thread. */
void iova_domain_destroy(struct iova_domain *iovad);

/*
 * A range of @size granules (rounded up to a power of two below 32),
 * aligned to @size rounded up to a power of two, ending at or below
 * @limit_pfn, as high as possible. Returns its first pfn, or 0 when the
 * space is exhausted (after draining every thread's cache and retrying
 * once, if @flush_rcache) or @limit_pfn is past the end of the space.
 */
unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache);
/*
 * Gives back what alloc_iova_fast() returned, with a size of the same
 * power of two (the range's own length is freed); anything else is refused
 * and counted.
 */
void free_iova_fast(struct iova_domain *iovad, unsigned long pfn, unsigned long size);

/*
 * Takes [pfn_lo, pfn_hi] out of the allocator for good.
 * Return: 0; -EINVAL (outside the space); -EBUSY (part of it is allocated).
 */
int reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo, unsigned long pfn_hi);

/* Returns every range cached by any thread to the allocator. */
void free_cpu_cached_iovas(struct iova_domain *iovad);

/* Granules allocated (ranges of 32 granules or fewer rounded up; cached ones are free). */
unsigned long iova_pages_used(struct iova_domain *iovad);
/*
 * Granules of the allocated range that starts at @pfn, as the allocator
 * holds it (what iova_pages_used() counts for it); 0 when no range starts
 * there. Lets a caller check an address it is handed back before freeing.
 */
unsigned long iova_range_size(struct iova_domain *iovad, unsigned long pfn);
/* Frees refused: double, wrong size, never allocated. */
unsigned long iova_misuse_count(struct iova_domain *iovad);

static inline unsigned long iova_shift(unsigned long granule)
{
	return (unsigned long)__builtin_ctzl(granule);
}

#endif
