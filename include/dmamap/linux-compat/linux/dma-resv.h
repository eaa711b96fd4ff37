/* SPDX-License-Identifier: MIT */
/* <linux/dma-resv.h>: reservation objects and their w/w mutex are dmamap's. */
#ifndef DMAMAP_LINUX_DMA_RESV_H
#define DMAMAP_LINUX_DMA_RESV_H

#include <dmamap/dma-resv.h>
#include <linux/types.h>

#endif /* DMAMAP_LINUX_DMA_RESV_H */
