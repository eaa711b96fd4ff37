/* SPDX-License-Identifier: MIT */
/* struct device as the library's modules see it. */
#ifndef DMAMAP_SRC_DMA_DEVICE_H
#define DMAMAP_SRC_DMA_DEVICE_H

#include <dmamap/dma-map-ops.h>

#include "mm/mm.h"

/*
 * The highest DMA address a device reaches: its mask, cut by what the
 * interconnect carries (bus_dma_limit), as the kernel's min_not_zero() of
 * the two.
 */
static inline u64 dma_reach_limit(const struct device *dev, u64 mask)
{
	u64 bus = dev->bus_dma_limit;

	return bus && bus < mask ? bus : mask;
}

static inline phys_addr_t dma_to_phys(const struct device *dev, dma_addr_t dma)
{
	return dma + dev->dma_offset;
}

static inline dma_addr_t phys_to_dma(const struct device *dev, phys_addr_t phys)
{
	return phys - dev->dma_offset;
}

/* The ops a device gets when nothing else applies: direct.c (NULL until it exists). */
extern const struct dma_map_ops dma_direct_ops;

/* The ops the model chooses for @dev now (domain, user ops, direct). */
void dmamap_device_update_ops(struct device *dev);

/* Called by dmamap_machine_destroy(), whose caller is @site (for the debugger's leak reports). */
void dmamap_devices_destroy_all(struct dmamap_machine *m, const void *site);

/*
 * Report a misuse of the API by a driver that no debugger check names (kind
 * DMAMAP_DEBUG_MISUSE): mm_debug_report() for the device, with no address,
 * at the site of the thread's current call. Left out when the debugger has
 * reported in the same call already (see struct mm_call): the backends call
 * these, and what they find then is the debugger's report seen again.
 */
void dma_report_misuse(struct device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same with a kind, and the address and size concerned. */
void dma_report(struct device *dev, enum dmamap_debug_kind kind, dma_addr_t addr, size_t size,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
