/* SPDX-License-Identifier: MIT */
/*
 * The DMA-mapping API, as in <linux/dma-mapping.h> (Linux 6.x forms).
 *
 * Error conventions are the kernel's: addresses come back as
 * DMA_MAPPING_ERROR (test with dma_mapping_error()), dma_map_sg() returns 0
 * on failure, dma_map_sgtable() a negative errno, allocations NULL.
 */
#ifndef DMAMAP_DMA_MAPPING_H
#define DMAMAP_DMA_MAPPING_H

#include <dmamap/types.h>
#include <dmamap/mm.h>
#include <dmamap/device.h>
#include <dmamap/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

static inline bool valid_dma_direction(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE;
}

#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)

/* Attributes (a bit mask in unsigned long attrs) */
#define DMA_ATTR_WEAK_ORDERING		(1UL << 1)
#define DMA_ATTR_WRITE_COMBINE		(1UL << 2)
#define DMA_ATTR_NO_KERNEL_MAPPING	(1UL << 4)
#define DMA_ATTR_SKIP_CPU_SYNC		(1UL << 5)
#define DMA_ATTR_FORCE_CONTIGUOUS	(1UL << 6)
#define DMA_ATTR_ALLOC_SINGLE_PAGES	(1UL << 7)
#define DMA_ATTR_NO_WARN		(1UL << 8)
#define DMA_ATTR_PRIVILEGED		(1UL << 9)

/* Coherent (consistent) allocations */
DMAMAP_API void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				 gfp_t flag, unsigned long attrs);
DMAMAP_API void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr,
			       dma_addr_t dma_handle, unsigned long attrs);

DMAMAP_INLINE void *dma_alloc_coherent(struct device *dev, size_t size,
				       dma_addr_t *dma_handle, gfp_t gfp)
{
	return dma_alloc_attrs(dev, size, dma_handle, gfp, 0);
}

DMAMAP_INLINE void dma_free_coherent(struct device *dev, size_t size,
				     void *cpu_addr, dma_addr_t dma_handle)
{
	dma_free_attrs(dev, size, cpu_addr, dma_handle, 0);
}

DMAMAP_INLINE void *dma_alloc_wc(struct device *dev, size_t size,
				 dma_addr_t *dma_addr, gfp_t gfp)
{
	return dma_alloc_attrs(dev, size, dma_addr, gfp, DMA_ATTR_WRITE_COMBINE);
}

DMAMAP_INLINE void dma_free_wc(struct device *dev, size_t size,
			       void *cpu_addr, dma_addr_t dma_addr)
{
	dma_free_attrs(dev, size, cpu_addr, dma_addr, DMA_ATTR_WRITE_COMBINE);
}

DMAMAP_API int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs);

DMAMAP_INLINE int dma_mmap_coherent(struct device *dev, struct vm_area_struct *vma,
				    void *cpu_addr, dma_addr_t dma_addr, size_t size)
{
	return dma_mmap_attrs(dev, vma, cpu_addr, dma_addr, size, 0);
}

DMAMAP_INLINE int dma_mmap_wc(struct device *dev, struct vm_area_struct *vma,
			      void *cpu_addr, dma_addr_t dma_addr, size_t size)
{
	return dma_mmap_attrs(dev, vma, cpu_addr, dma_addr, size, DMA_ATTR_WRITE_COMBINE);
}

DMAMAP_API bool dma_can_mmap(struct device *dev);

DMAMAP_API int dma_get_sgtable_attrs(struct device *dev, struct sg_table *sgt, void *cpu_addr,
				     dma_addr_t dma_addr, size_t size, unsigned long attrs);
#define dma_get_sgtable(d, t, v, h, s) dma_get_sgtable_attrs(d, t, v, h, s, 0)

/* Streaming mappings */
DMAMAP_API dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset,
					 size_t size, enum dma_data_direction dir,
					 unsigned long attrs);
DMAMAP_API void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
				     enum dma_data_direction dir, unsigned long attrs);
DMAMAP_API dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
					   enum dma_data_direction dir, unsigned long attrs);
DMAMAP_API void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs);
DMAMAP_API unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
					 enum dma_data_direction dir, unsigned long attrs);
DMAMAP_API void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
				   enum dma_data_direction dir, unsigned long attrs);
DMAMAP_API int dma_map_sgtable(struct device *dev, struct sg_table *sgt,
			       enum dma_data_direction dir, unsigned long attrs);
DMAMAP_API void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				  enum dma_data_direction dir, unsigned long attrs);

#define dma_map_page(d, p, o, s, r)	dma_map_page_attrs(d, p, o, s, r, 0)
#define dma_unmap_page(d, a, s, r)	dma_unmap_page_attrs(d, a, s, r, 0)
#define dma_map_single(d, a, s, r)	dma_map_single_attrs(d, a, s, r, 0)
#define dma_unmap_single(d, a, s, r)	dma_unmap_single_attrs(d, a, s, r, 0)
#define dma_map_sg(d, s, n, r)		dma_map_sg_attrs(d, s, n, r, 0)
#define dma_unmap_sg(d, s, n, r)	dma_unmap_sg_attrs(d, s, n, r, 0)

DMAMAP_API void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
					enum dma_data_direction dir);
DMAMAP_API void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					   enum dma_data_direction dir);
DMAMAP_API void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems,
				    enum dma_data_direction dir);
DMAMAP_API void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems,
				       enum dma_data_direction dir);

/**
 * dma_sync_single_range_for_cpu - give part of a streaming mapping back to the CPU
 * @dev: the device
 * @addr: the mapping's DMA address, as dma_map_*() returned it
 * @offset: where the part starts, from @addr
 * @size: bytes of the part
 * @dir: the mapping's direction
 *
 * dma_sync_single_for_cpu() of [@addr + @offset, + @size): only those bytes
 * are made current for the CPU (on the cache model, only their lines).
 */
DMAMAP_INLINE void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr,
						 unsigned long offset, size_t size,
						 enum dma_data_direction dir)
{
	dma_sync_single_for_cpu(dev, addr + offset, size, dir);
}

/* The same, giving the part to the device (dma_sync_single_for_device()). */
DMAMAP_INLINE void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr,
						    unsigned long offset, size_t size,
						    enum dma_data_direction dir)
{
	dma_sync_single_for_device(dev, addr + offset, size, dir);
}

/*
 * State a driver keeps for dma_unmap_*(), declared with these so that it
 * costs nothing where the kernel needs none (CONFIG_NEED_DMA_MAP_STATE);
 * the model always keeps it, as arm64 does.
 */
#define DEFINE_DMA_UNMAP_ADDR(ADDR_NAME)	dma_addr_t ADDR_NAME
#define DEFINE_DMA_UNMAP_LEN(LEN_NAME)		u32 LEN_NAME
#define dma_unmap_addr(PTR, ADDR_NAME)		((PTR)->ADDR_NAME)
#define dma_unmap_addr_set(PTR, ADDR_NAME, VAL)	(((PTR)->ADDR_NAME) = (VAL))
#define dma_unmap_len(PTR, LEN_NAME)		((PTR)->LEN_NAME)
#define dma_unmap_len_set(PTR, LEN_NAME, VAL)	(((PTR)->LEN_NAME) = (VAL))

DMAMAP_INLINE void dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt,
					    enum dma_data_direction dir)
{
	dma_sync_sg_for_cpu(dev, sgt->sgl, (int)sgt->orig_nents, dir);
}

DMAMAP_INLINE void dma_sync_sgtable_for_device(struct device *dev, struct sg_table *sgt,
					       enum dma_data_direction dir)
{
	dma_sync_sg_for_device(dev, sgt->sgl, (int)sgt->orig_nents, dir);
}

DMAMAP_API int dma_mapping_error(struct device *dev, dma_addr_t dma_addr);

/* Masks and segment limits */
DMAMAP_API int dma_set_mask(struct device *dev, u64 mask);
DMAMAP_API int dma_set_coherent_mask(struct device *dev, u64 mask);
DMAMAP_API int dma_set_mask_and_coherent(struct device *dev, u64 mask);
DMAMAP_API u64 dma_get_mask(struct device *dev);
DMAMAP_API u64 dma_get_coherent_mask(struct device *dev);
DMAMAP_API int dma_supported(struct device *dev, u64 mask);
DMAMAP_API int dma_set_max_seg_size(struct device *dev, unsigned int size);
DMAMAP_API unsigned int dma_get_max_seg_size(struct device *dev);
DMAMAP_API int dma_set_seg_boundary(struct device *dev, unsigned long mask);
DMAMAP_API unsigned long dma_get_seg_boundary(struct device *dev);

/**
 * dma_map_resource - a device's address for physical space that is not RAM
 * @dev: the device
 * @phys_addr: the start, typically in an MMIO region of the machine
 *	       (dmamap_mmio_region_create()), such as a peer's doorbell
 * @size: bytes
 * @dir: what the device will do there
 * @attrs: DMA_ATTR_*
 *
 * Nothing is synced: MMIO is not cached. Behind an IOMMU the range is mapped
 * with IOMMU_MMIO. A range that is neither one MMIO region nor RAM is reported
 * and mapped all the same, as the kernel would.
 *
 * Return: the DMA address, or DMA_MAPPING_ERROR (beyond the device's reach,
 * no IOVA space, bad arguments).
 */
DMAMAP_API dma_addr_t dma_map_resource(struct device *dev, phys_addr_t phys_addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs);

/* Undoes dma_map_resource() with its address, size and direction. */
DMAMAP_API void dma_unmap_resource(struct device *dev, dma_addr_t addr, size_t size,
				   enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_max_mapping_size - the largest single mapping the device can get
 * @dev: the device
 *
 * A direct device that may bounce (its mask or bus_dma_limit short of RAM,
 * dma_addressing_limited()) is held to what one swiotlb mapping takes
 * (256 KiB); otherwise no limit (SIZE_MAX).
 */
DMAMAP_API size_t dma_max_mapping_size(struct device *dev);

/**
 * dma_opt_mapping_size - the largest mapping size that costs no more per byte
 * @dev: the device
 *
 * Behind an IOMMU, the largest IOVA range the per-thread IOVA caches serve
 * (128 KiB, as the kernel's rcache); otherwise dma_max_mapping_size().
 */
DMAMAP_API size_t dma_opt_mapping_size(struct device *dev);

/**
 * dma_get_required_mask - the mask that reaches all of RAM without help
 * @dev: the device
 *
 * Direct devices: the smallest 2^n - 1 covering the DMA address of the last
 * RAM page; behind an IOMMU (or with other ops): DMA_BIT_MASK(32), as the
 * kernel answers.
 */
DMAMAP_API u64 dma_get_required_mask(struct device *dev);

/**
 * dma_addressing_limited - can the device miss some of RAM?
 * @dev: the device
 *
 * True when its mask (cut by bus_dma_limit) is below dma_get_required_mask(),
 * or, for a direct device, when RAM lies below its DMA offset.
 */
DMAMAP_API bool dma_addressing_limited(struct device *dev);

/**
 * dma_need_sync - do the sync calls of a mapping do anything?
 * @dev: the device
 * @dma_addr: a DMA address of one of its streaming mappings
 *
 * False only when they may be skipped: a coherent device whose mapping was
 * not bounced. Drivers that skip syncs on this answer must ask it per mapping.
 */
DMAMAP_API bool dma_need_sync(struct device *dev, dma_addr_t dma_addr);

/* Non-coherent allocations: cacheable pages the driver syncs as streaming DMA. */

/**
 * dma_alloc_pages - allocate pages the device reaches, to be used with syncs
 * @dev: the device
 * @size: bytes (rounded up to pages)
 * @dma_handle: where the device's address is stored
 * @dir: what the device will do with them; behind an IOMMU, the mapping's
 *	 permissions
 * @gfp: GFP_* flags; zone modifiers (GFP_DMA, GFP_DMA32, __GFP_HIGHMEM) are
 *	 refused, as in the kernel
 *
 * The pages are zeroed through the CPU's cached view and have no uncached
 * alias: on a non-coherent machine the device sees neither those zeros nor
 * any later CPU write before dma_sync_single_for_device(), and the CPU sees
 * the device's writes only after dma_sync_single_for_cpu().
 *
 * Return: the first page, or NULL.
 */
DMAMAP_API struct page *dma_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle,
					enum dma_data_direction dir, gfp_t gfp);

/**
 * dma_free_pages - free what dma_alloc_pages() returned
 *
 * @size, @page, @dma_handle and @dir as given and returned at allocation; a
 * page or DMA address of no such allocation is refused and reported.
 */
DMAMAP_API void dma_free_pages(struct device *dev, size_t size, struct page *page,
			       dma_addr_t dma_handle, enum dma_data_direction dir);

/**
 * dma_mmap_pages - map pages of dma_alloc_pages() into a user VMA
 * @dev: the device
 * @vma: the VMA; vm_pgoff selects the first page
 * @size: the allocation's size
 * @page: the allocation's first page
 *
 * Return: 0; -ENXIO when the VMA reaches past the allocation; -EINVAL.
 */
DMAMAP_API int dma_mmap_pages(struct device *dev, struct vm_area_struct *vma, size_t size,
			      struct page *page);

/* dma_alloc_pages() returning the pages' linear-map address. */
DMAMAP_API void *dma_alloc_noncoherent(struct device *dev, size_t size, dma_addr_t *dma_handle,
				       enum dma_data_direction dir, gfp_t gfp);
/* Frees what dma_alloc_noncoherent() returned; the same checks as dma_free_pages(). */
DMAMAP_API void dma_free_noncoherent(struct device *dev, size_t size, void *vaddr,
				     dma_addr_t dma_handle, enum dma_data_direction dir);

/* Non-contiguous allocations (Linux 5.15+) */
DMAMAP_API struct sg_table *dma_alloc_noncontiguous(struct device *dev, size_t size,
						    enum dma_data_direction dir, gfp_t gfp,
						    unsigned long attrs);
DMAMAP_API void dma_free_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt,
				       enum dma_data_direction dir);
DMAMAP_API void *dma_vmap_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt);
DMAMAP_API void dma_vunmap_noncontiguous(struct device *dev, void *vaddr);
DMAMAP_API int dma_mmap_noncontiguous(struct device *dev, struct vm_area_struct *vma, size_t size,
				      struct sg_table *sgt);

/**
 * dmam_alloc_attrs - dma_alloc_attrs() managed by the device
 *
 * The buffer is freed when the device is removed (dmamap_device_destroy()),
 * unless dmam_free_coherent() freed it before. Arguments and return as
 * dma_alloc_attrs().
 */
DMAMAP_API void *dmam_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				  gfp_t gfp, unsigned long attrs);

DMAMAP_INLINE void *dmam_alloc_coherent(struct device *dev, size_t size,
					dma_addr_t *dma_handle, gfp_t gfp)
{
	return dmam_alloc_attrs(dev, size, dma_handle, gfp, 0);
}

/**
 * dmam_free_coherent - free a buffer of dmam_alloc_coherent() now
 *
 * @size and @dma_handle must be those of the allocation: anything else is
 * refused and reported, and the buffer stays the device's.
 */
DMAMAP_API void dmam_free_coherent(struct device *dev, size_t size, void *vaddr,
				   dma_addr_t dma_handle);

static inline int dma_get_cache_alignment(void)
{
	return 64;	/* ARCH_DMA_MINALIGN of the model */
}

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMA_MAPPING_H */
