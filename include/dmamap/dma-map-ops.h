/* SPDX-License-Identifier: MIT */
/*
 * The backend side of the DMA API, as in <linux/dma-map-ops.h>: what an
 * implementation of the DMA operations provides. Drivers do not include
 * this header; a user who models a bus with its own rules can install a
 * table of their own with set_dma_ops().
 *
 * Threads: the ops run in the thread of the DMA call, from several threads
 * at once for one device, with no lock of the library held beyond what the
 * caller holds (a dma-buf exporter's map_dma_buf runs under the buffer's
 * reservation); set_dma_ops() is not to race DMA calls on the device.
 */
#ifndef DMAMAP_DMA_MAP_OPS_H
#define DMAMAP_DMA_MAP_OPS_H

#include <dmamap/dma-mapping.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every slot may be NULL, and the dispatcher then does what the kernel does
 * for a missing operation (noted per slot). The dispatcher has checked the
 * device, the direction and the sizes before a slot is called.
 */
struct dma_map_ops {
	/* NULL on failure; *dma_handle set on success. NULL slot: no allocation */
	void *(*alloc)(struct device *dev, size_t size, dma_addr_t *dma_handle,
		       gfp_t gfp, unsigned long attrs);
	void (*free)(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t dma_handle, unsigned long attrs);
	/* a table of at least @size bytes, NULL on failure */
	struct sg_table *(*alloc_noncontiguous)(struct device *dev, size_t size,
						enum dma_data_direction dir, gfp_t gfp,
						unsigned long attrs);
	void (*free_noncontiguous)(struct device *dev, size_t size, struct sg_table *sgt,
				   enum dma_data_direction dir);
	/* 0, -ENXIO (past the buffer), -ENOMEM. NULL slot: dma_can_mmap() false */
	int (*mmap)(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
		    dma_addr_t dma_addr, size_t size, unsigned long attrs);
	/* 0 or negative errno. NULL slot: -ENXIO */
	int (*get_sgtable)(struct device *dev, struct sg_table *sgt, void *cpu_addr,
			   dma_addr_t dma_addr, size_t size, unsigned long attrs);
	/* DMA_MAPPING_ERROR on failure */
	dma_addr_t (*map_page)(struct device *dev, struct page *page, unsigned long offset,
			       size_t size, enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_page)(struct device *dev, dma_addr_t dma_handle, size_t size,
			   enum dma_data_direction dir, unsigned long attrs);
	/*
	 * The number of DMA segments (> 0), or -EINVAL (will not succeed if
	 * retried), -ENOMEM (may succeed later), -EIO (anything else). On
	 * failure nothing stays mapped.
	 */
	int (*map_sg)(struct device *dev, struct scatterlist *sg, int nents,
		      enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_sg)(struct device *dev, struct scatterlist *sg, int nents,
			 enum dma_data_direction dir, unsigned long attrs);
	void (*sync_single_for_cpu)(struct device *dev, dma_addr_t dma_handle, size_t size,
				    enum dma_data_direction dir);
	void (*sync_single_for_device)(struct device *dev, dma_addr_t dma_handle, size_t size,
				       enum dma_data_direction dir);
	void (*sync_sg_for_cpu)(struct device *dev, struct scatterlist *sg, int nents,
				enum dma_data_direction dir);
	void (*sync_sg_for_device)(struct device *dev, struct scatterlist *sg, int nents,
				   enum dma_data_direction dir);
	/* nonzero if @mask can be served. NULL slot: every mask */
	int (*dma_supported)(struct device *dev, u64 mask);
	/* largest mapping in bytes. NULL slot: SIZE_MAX */
	size_t (*max_mapping_size)(struct device *dev);
};

/**
 * get_dma_ops - the DMA operations in force for a device
 * @dev: the device
 *
 * Return: the direct ops, the IOMMU ops while the device is attached to a DMA
 * domain, or what set_dma_ops() installed; NULL for a NULL @dev.
 */
DMAMAP_API const struct dma_map_ops *get_dma_ops(struct device *dev);

/**
 * set_dma_ops - give a device operations of the caller's
 * @dev: the device
 * @ops: the operations; NULL puts the device back on the ops the model chose
 *	for it
 *
 * The dispatcher still checks every call before a slot is reached, and does
 * what the kernel does for a NULL slot. Must not race with DMA calls on the
 * device, as in the kernel.
 */
DMAMAP_API void set_dma_ops(struct device *dev, const struct dma_map_ops *ops);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMA_MAP_OPS_H */
