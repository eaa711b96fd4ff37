/* SPDX-License-Identifier: MIT */
/* <linux/dma-mapping.h>: the DMA API is dmamap's, with the kernel's names and signatures. */
#ifndef DMAMAP_LINUX_DMA_MAPPING_H
#define DMAMAP_LINUX_DMA_MAPPING_H

#include <dmamap/dma-mapping.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/mm.h>

#endif /* DMAMAP_LINUX_DMA_MAPPING_H */
