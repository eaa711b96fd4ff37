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

/**
 * struct dma_map_ops - a DMA backend's operations
 * @alloc: a coherent buffer: its CPU address (or cookie), *dma_handle set;
 *	NULL on failure. NULL slot: no allocation
 * @free: free what @alloc returned
 * @alloc_noncontiguous: a table of at least @size bytes mapped for @dir,
 *	NULL on failure
 * @free_noncontiguous: free what @alloc_noncontiguous returned
 * @mmap: map a coherent buffer into a user VMA: 0, -ENXIO (past the
 *	buffer), -ENOMEM. NULL slot: dma_can_mmap() is false
 * @get_sgtable: describe a coherent buffer as a table: 0 or a negative
 *	errno. NULL slot: -ENXIO
 * @map_page: map part of a page for streaming DMA: the DMA address, or
 *	DMA_MAPPING_ERROR
 * @unmap_page: undo @map_page
 * @map_sg: map a list: the number of DMA segments (> 0), or -EINVAL (will
 *	not succeed if retried), -ENOMEM (may succeed later), -EIO (anything
 *	else); on failure nothing stays mapped
 * @unmap_sg: undo @map_sg, with the entry count it was given
 * @sync_single_for_cpu: give a streaming buffer back to the CPU
 * @sync_single_for_device: give it to the device
 * @sync_sg_for_cpu: the same for a list
 * @sync_sg_for_device: the same for a list
 * @dma_supported: nonzero if @mask can be served. NULL slot: every mask
 * @max_mapping_size: the largest mapping in bytes. NULL slot: SIZE_MAX
 *
 * Every slot may be NULL, and the dispatcher then does what the kernel does
 * for a missing operation (noted per slot). The dispatcher has checked the
 * device, the direction and the sizes before a slot is called. Slots are
 * called in the thread of the DMA call, from several threads at once for
 * one device.
 */
struct dma_map_ops {
	void *(*alloc)(struct device *dev, size_t size, dma_addr_t *dma_handle,
		       gfp_t gfp, unsigned long attrs);
	void (*free)(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t dma_handle, unsigned long attrs);
	struct sg_table *(*alloc_noncontiguous)(struct device *dev, size_t size,
						enum dma_data_direction dir, gfp_t gfp,
						unsigned long attrs);
	void (*free_noncontiguous)(struct device *dev, size_t size, struct sg_table *sgt,
				   enum dma_data_direction dir);
	int (*mmap)(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
		    dma_addr_t dma_addr, size_t size, unsigned long attrs);
	int (*get_sgtable)(struct device *dev, struct sg_table *sgt, void *cpu_addr,
			   dma_addr_t dma_addr, size_t size, unsigned long attrs);
	dma_addr_t (*map_page)(struct device *dev, struct page *page, unsigned long offset,
			       size_t size, enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_page)(struct device *dev, dma_addr_t dma_handle, size_t size,
			   enum dma_data_direction dir, unsigned long attrs);
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
	int (*dma_supported)(struct device *dev, u64 mask);
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
