/* SPDX-License-Identifier: MIT */
/*
 * The device side: what a bus master does with the DMA addresses the
 * driver gave it. Each access is translated (through the device's IOMMU
 * domain, or its direct window: DMA mask and DMA offset), checked, and
 * touches the view of memory the device sees: memory itself for a
 * non-coherent device; the CPU's caches too for a coherent (snooping) one.
 */
#ifndef DMAMAP_BUS_H
#define DMAMAP_BUS_H

#include <dmamap/types.h>
#include <dmamap/device.h>
#include <dmamap/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef IOMMU_FAULT_READ
#define IOMMU_FAULT_READ	0x0
#define IOMMU_FAULT_WRITE	0x1
#endif

enum dmamap_fault_reason {
	DMAMAP_FAULT_NONE = 0,
	DMAMAP_FAULT_TRANSLATION,	/* no mapping at the address */
	DMAMAP_FAULT_PERMISSION,	/* mapped, but not for this access */
	DMAMAP_FAULT_ADDRESS_SIZE,	/* beyond the DMA mask or the IOMMU aperture */
	DMAMAP_FAULT_BUS,		/* translated to an address that is not RAM */
};

struct dmamap_fault {
	dma_addr_t addr;	/* DMA address of the first byte not done */
	size_t done;		/* bytes moved before the fault */
	int flags;		/* IOMMU_FAULT_READ / IOMMU_FAULT_WRITE */
	int reason;		/* enum dmamap_fault_reason */
};

/*
 * Return: 0; -EFAULT (not mapped, outside the mask or aperture, not RAM) or
 * -EACCES (permission), with @fault filled when not NULL; -EINVAL for bad
 * arguments (NULL device or buffer, a length that wraps the address space).
 * Bytes before the faulting page are moved; none after.
 */
DMAMAP_API int dmamap_bus_read(struct device *dev, dma_addr_t src, void *buf, size_t len,
			       struct dmamap_fault *fault);
DMAMAP_API int dmamap_bus_write(struct device *dev, dma_addr_t dst, const void *buf, size_t len,
				struct dmamap_fault *fault);
DMAMAP_API int dmamap_bus_copy(struct device *dev, dma_addr_t dst, dma_addr_t src, size_t len,
			       struct dmamap_fault *fault);
DMAMAP_API int dmamap_bus_fill(struct device *dev, dma_addr_t dst, int byte, size_t len,
			       struct dmamap_fault *fault);

/*
 * Scatter-gather DMA: @len bytes through the DMA segments of @sgt as mapped
 * for @dev (dma_map_sgtable()), segment after segment, one bus access each.
 * Return: 0; -EINVAL (bad arguments, or @len beyond the mapped segments:
 * nothing moved); an access's error, with @fault's done counting every byte
 * moved before the fault, in all segments.
 */
DMAMAP_API int dmamap_bus_read_sgtable(struct device *dev, const struct sg_table *sgt, void *buf,
				       size_t len, struct dmamap_fault *fault);
DMAMAP_API int dmamap_bus_write_sgtable(struct device *dev, const struct sg_table *sgt,
					const void *buf, size_t len, struct dmamap_fault *fault);

#ifdef __cplusplus
}
#endif

#endif
