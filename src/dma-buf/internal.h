/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_DMA_BUF_INTERNAL_H
#define DMAMAP_SRC_DMA_BUF_INTERNAL_H

#include <dmamap/dma-buf.h>

struct dmamap_machine;

/* The machine whose counters a buffer's misuse is charged to. */
void dma_buf_set_machine(struct dma_buf *dmabuf, struct dmamap_machine *m);

#endif
