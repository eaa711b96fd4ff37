/* SPDX-License-Identifier: MIT */
/*
 * Devices of the modelled machine: what a bus master needs to be known by
 * the DMA API (masks, coherence, segment limits, DMA offset).
 */
#ifndef DMAMAP_DEVICE_H
#define DMAMAP_DEVICE_H

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;
struct device;	/* private */

struct dmamap_device_config {
	const char *name;			/* copied; NULL: "dev<N>" */
	u64 dma_mask;				/* 0: DMA_BIT_MASK(32) */
	u64 coherent_dma_mask;			/* 0: same as dma_mask */
	bool coherent;				/* snoops CPU caches */
	unsigned int max_segment_size;		/* 0: 65536 */
	unsigned long segment_boundary_mask;	/* 0: 0xffffffff */
	u64 dma_offset;				/* dma address = phys - dma_offset */
};

/**
 * dmamap_device_create - add a device to a machine
 *
 * Return: 0; -EINVAL (NULL arguments, a segment boundary mask that is not of
 * the form 2^n - 1); -EIO (a mask the machine cannot satisfy, as
 * dma_set_mask() would answer); -ENOMEM.
 */
DMAMAP_API int dmamap_device_create(struct dmamap_machine *m,
				    const struct dmamap_device_config *cfg, struct device **out);
/* Detaches the device from its IOMMU domain and frees it. NULL is ignored. */
DMAMAP_API void dmamap_device_destroy(struct device *dev);

DMAMAP_API const char *dev_name(const struct device *dev);
DMAMAP_API struct dmamap_machine *dmamap_device_machine(const struct device *dev);
DMAMAP_API bool dev_is_dma_coherent(const struct device *dev);
DMAMAP_API u64 dmamap_device_dma_offset(const struct device *dev);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DEVICE_H */
