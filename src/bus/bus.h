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

/*
 * What a bus access of a device reads all along (its IOTLB, its domain)
 * changes only between bus_block() and bus_unblock(): bus_block() waits
 * for the device's accesses under way to end and holds back new ones of the
 * machine's devices until bus_unblock(). Called by attach and detach,
 * without a domain lock held (an access may take one to report a fault).
 * A handler called from within an access on the same thread is not waited
 * for: the access does not touch the IOTLB after its handler returns.
 */
void bus_block(struct device *dev);
void bus_unblock(struct device *dev);

#endif
