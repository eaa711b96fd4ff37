/* SPDX-License-Identifier: MIT */
/* <linux/dma-buf.h>: dma-buf is dmamap's, with the kernel's calls and locking convention. */
#ifndef DMAMAP_LINUX_DMA_BUF_H
#define DMAMAP_LINUX_DMA_BUF_H

#include <dmamap/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/iosys-map.h>
#include <linux/module.h>

#endif /* DMAMAP_LINUX_DMA_BUF_H */
