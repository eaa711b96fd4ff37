/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_DMA_DIRECT_H
#define DMAMAP_SRC_DMA_DIRECT_H

#include "dma/device.h"

/* dma_direct_supported(): can the direct mapping serve @mask for @dev? */
int dma_direct_supported(struct device *dev, u64 mask);

#endif
