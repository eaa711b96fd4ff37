/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_DMA_DMA_IOMMU_H
#define DMAMAP_SRC_DMA_DMA_IOMMU_H

#include "dma/device.h"

/* The ops of devices attached to an IOMMU_DOMAIN_DMA domain. */
extern const struct dma_map_ops iommu_dma_ops;

/* The pages behind a table from iommu_dma_ops.alloc_noncontiguous. */
struct page **dma_iommu_sgt_pages(struct sg_table *sgt);

#endif
