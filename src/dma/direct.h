/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_DMA_DIRECT_H
#define DMAMAP_SRC_DMA_DIRECT_H

#include "dma/device.h"

/* dma_direct_supported(): can the direct mapping serve @mask for @dev? */
int dma_direct_supported(struct device *dev, u64 mask);

/*
 * dma_alloc_pages() for a direct device: pages under the coherent mask,
 * zeroed through the CPU's cached view, @dma_handle set; NULL without memory.
 */
struct page *dma_direct_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle,
				    gfp_t gfp);

#endif
