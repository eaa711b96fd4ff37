/* SPDX-License-Identifier: MIT */
/* <linux/dmapool.h>: dma_pool_*() are dmamap's. */
#ifndef DMAMAP_LINUX_DMAPOOL_H
#define DMAMAP_LINUX_DMAPOOL_H

#include <dmamap/dmapool.h>
#include <linux/device.h>

#endif /* DMAMAP_LINUX_DMAPOOL_H */
