/* SPDX-License-Identifier: MIT */
/* <linux/dma-direction.h>: enum dma_data_direction is dmamap's. */
#ifndef DMAMAP_LINUX_DMA_DIRECTION_H
#define DMAMAP_LINUX_DMA_DIRECTION_H

#include <dmamap/dma-mapping.h>

#endif /* DMAMAP_LINUX_DMA_DIRECTION_H */
