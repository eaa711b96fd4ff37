/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_BUS_BUS_H
#define DMAMAP_SRC_BUS_BUS_H

#include <dmamap/bus.h>

#include "dma/device.h"

/*
 * One step of translation: the physical address of @dma and how many bytes
 * from there are contiguous and allowed (at least 1, at most @len), or a
 * negative errno with @f's reason and flags set.
 */
typedef long (*bus_translate_fn)(struct device *dev, dma_addr_t dma, size_t len, bool write,
				 phys_addr_t *phys, struct dmamap_fault *f);

long bus_translate_direct(struct device *dev, dma_addr_t dma, size_t len, bool write,
			  phys_addr_t *phys, struct dmamap_fault *f);

#endif
