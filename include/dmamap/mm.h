/* SPDX-License-Identifier: MIT */
/*
 * Page frames, the page allocator, kmalloc and user VMAs.
 */
#ifndef DMAMAP_MM_H
#define DMAMAP_MM_H

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;

/*
 * One per page frame of the machine, in one array per machine so that
 * "page + n" is the frame n pages further in the same bank, as in the
 * kernel's flat and vmemmap models. Fields are private.
 */
struct page {
	unsigned long flags;	/* private */
	unsigned long private;	/* private */
};

#define MAX_PAGE_ORDER	10

/**
 * dmamap_alloc_pages - allocate 2^order physically contiguous page frames
 *
 * GFP_DMA / GFP_DMA32 cap the frames below 4 GiB (the model's ZONE_DMA and
 * ZONE_DMA32 both end there, as on arm64 without firmware limits);
 * without a zone modifier the highest bank with room is used first, as the
 * kernel's zone lists prefer ZONE_NORMAL. __GFP_ZERO zeroes the frames.
 *
 * Return: the first frame, or NULL (no memory, order > MAX_PAGE_ORDER, NULL
 * machine).
 */
DMAMAP_API struct page *dmamap_alloc_pages(struct dmamap_machine *m, gfp_t gfp, unsigned int order);

/* Frees what dmamap_alloc_pages() returned; anything else is refused and counted. */
DMAMAP_API void dmamap_free_pages(struct page *page, unsigned int order);

/* The frames' address in the CPU's (cached) linear map. */
DMAMAP_API void *page_address(const struct page *page);
DMAMAP_API phys_addr_t page_to_phys(const struct page *page);
DMAMAP_API unsigned long page_to_pfn(const struct page *page);
/* NULL if the pfn is not RAM of this machine */
DMAMAP_API struct page *dmamap_pfn_to_page(struct dmamap_machine *m, unsigned long pfn);
/* NULL if addr is not in this machine's linear map */
DMAMAP_API struct page *dmamap_virt_to_page(struct dmamap_machine *m, const void *addr);
/* The machine a frame belongs to, or NULL for a pointer that is no frame. */
DMAMAP_API struct dmamap_machine *dmamap_page_machine(const struct page *page);

/* Also in the kernel: pointer to the frame n frames further. */
static inline struct page *nth_page(struct page *page, unsigned long n)
{
	return page + n;
}

/**
 * dmamap_kmalloc - allocate from the machine's memory, like kmalloc()
 *
 * Sizes up to 2048 bytes come from single-page slabs of power-of-two classes
 * (64..2048); larger sizes get whole pages. Every object is aligned to at least 64 bytes (the cache line,
 * ARCH_DMA_MINALIGN), so an object never shares a line with another one.
 * The pointer is in the linear map, so dma_map_single() accepts it.
 * Return: NULL on failure or for size 0.
 */
DMAMAP_API void *dmamap_kmalloc(struct dmamap_machine *m, size_t size, gfp_t gfp);
DMAMAP_API void *dmamap_kzalloc(struct dmamap_machine *m, size_t size, gfp_t gfp);
/* NULL is ignored; a pointer kmalloc did not return is refused and counted. */
DMAMAP_API void dmamap_kfree(struct dmamap_machine *m, void *ptr);
/* Usable size of a kmalloc object (its size class), 0 for a foreign pointer. */
DMAMAP_API size_t dmamap_ksize(struct dmamap_machine *m, const void *ptr);

/* Page protections recorded by mmap calls in vm_page_prot. */
#define DMAMAP_PGPROT_NORMAL		0UL	/* cacheable */
#define DMAMAP_PGPROT_NONCACHED		1UL	/* strongly ordered / uncached */
#define DMAMAP_PGPROT_WRITECOMBINE	2UL	/* normal non-cacheable, bufferable */
#define DMAMAP_PGPROT_MASK		3UL

static inline unsigned long pgprot_noncached(unsigned long prot)
{
	return (prot & ~DMAMAP_PGPROT_MASK) | DMAMAP_PGPROT_NONCACHED;
}

static inline unsigned long pgprot_writecombine(unsigned long prot)
{
	return (prot & ~DMAMAP_PGPROT_MASK) | DMAMAP_PGPROT_WRITECOMBINE;
}

/*
 * A user-space mapping, standing for the VMA a driver's mmap handler gets.
 * dmamap_vma_create() reserves [vm_start, vm_end) of host address space,
 * inaccessible until an mmap call (dma_mmap_attrs(), dma_buf_mmap()) fills it.
 */
struct vm_area_struct {
	unsigned long vm_start;		/* read-only: host address of the first byte */
	unsigned long vm_end;		/* read-only: one past the last byte */
	unsigned long vm_pgoff;		/* public: offset into the object, in pages */
	unsigned long vm_page_prot;	/* public: DMAMAP_PGPROT_* */
	unsigned long vm_flags;		/* public */
	struct dmamap_machine *vm_machine; /* private */
	void *vm_private_data;		/* public: for the mmap handler */
};

static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* Return: 0, -EINVAL (size 0 or not page aligned, NULL), -ENOMEM. */
DMAMAP_API int dmamap_vma_create(struct dmamap_machine *m, size_t size, unsigned long pgoff,
				 struct vm_area_struct **out);
/*
 * Unmaps whatever was mapped into the VMA and frees it. NULL is ignored.
 * A VMA belongs to its machine: dmamap_machine_destroy() destroys those left.
 */
DMAMAP_API void dmamap_vma_destroy(struct vm_area_struct *vma);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_MM_H */
