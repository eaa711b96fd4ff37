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

static inline void *dma_alloc_coherent(struct device *dev, size_t size,
				       dma_addr_t *dma_handle, gfp_t gfp)
{
	return dma_alloc_attrs(dev, size, dma_handle, gfp, 0);
}

static inline void dma_free_coherent(struct device *dev, size_t size,
				     void *cpu_addr, dma_addr_t dma_handle)
{
	dma_free_attrs(dev, size, cpu_addr, dma_handle, 0);
}

static inline void *dma_alloc_wc(struct device *dev, size_t size,
				 dma_addr_t *dma_addr, gfp_t gfp)
{
	return dma_alloc_attrs(dev, size, dma_addr, gfp, DMA_ATTR_WRITE_COMBINE);
}

static inline void dma_free_wc(struct device *dev, size_t size,
			       void *cpu_addr, dma_addr_t dma_addr)
{
	dma_free_attrs(dev, size, cpu_addr, dma_addr, DMA_ATTR_WRITE_COMBINE);
}

DMAMAP_API int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs);

static inline int dma_mmap_coherent(struct device *dev, struct vm_area_struct *vma,
				    void *cpu_addr, dma_addr_t dma_addr, size_t size)
{
	return dma_mmap_attrs(dev, vma, cpu_addr, dma_addr, size, 0);
}

static inline int dma_mmap_wc(struct device *dev, struct vm_area_struct *vma,
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

static inline void dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt,
					    enum dma_data_direction dir)
{
	dma_sync_sg_for_cpu(dev, sgt->sgl, (int)sgt->orig_nents, dir);
}

static inline void dma_sync_sgtable_for_device(struct device *dev, struct sg_table *sgt,
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

static inline void *dmam_alloc_coherent(struct device *dev, size_t size,
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
