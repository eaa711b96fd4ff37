/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_DMA_DMA_IOMMU_H
#define DMAMAP_SRC_DMA_DMA_IOMMU_H

#include "dma/device.h"

/* The ops of devices attached to an IOMMU_DOMAIN_DMA domain. */
extern const struct dma_map_ops iommu_dma_ops;

/*
 * dma_map_resource() / dma_unmap_resource() behind the IOMMU: the range is
 * mapped with IOMMU_MMIO (device memory) in a fresh IOVA range; unmapping
 * checks it is one whole such mapping, as page unmaps do.
 */
dma_addr_t iommu_dma_map_resource(struct device *dev, phys_addr_t phys, size_t size,
				  enum dma_data_direction dir, unsigned long attrs);
void iommu_dma_unmap_resource(struct device *dev, dma_addr_t handle, size_t size,
			      enum dma_data_direction dir, unsigned long attrs);

/* The pages behind a table from iommu_dma_ops.alloc_noncontiguous. */
struct page **dma_iommu_sgt_pages(struct sg_table *sgt);
/* How many pages that allocation holds. */
unsigned int dma_iommu_sgt_nr_pages(struct sg_table *sgt);

#endif
