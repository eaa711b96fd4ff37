// SPDX-License-Identifier: MIT
/*
 * The direct DMA backend: the seed's arm_dma_ops, for devices without an
 * IOMMU. DMA address = physical address - the device's DMA offset.
 */
#include "dma/direct.h"

/*
 * As dma_direct_supported(): every mask that covers the lowest zone the
 * machine can allocate from (ZONE_DMA, or all of RAM when RAM ends lower)
 * can be served, by allocating from that zone or by bouncing.
 */
int dma_direct_supported(struct device *dev, u64 mask)
{
	phys_addr_t min_mask = min(dev->machine->zone_dma_limit, dev->machine->ram_end - 1);

	/* an offset larger than the address leaves nothing reachable */
	if (dev->dma_offset > min_mask)
		return 0;
	return mask >= phys_to_dma(dev, min_mask);
}

const struct dma_map_ops dma_direct_ops = {
	.dma_supported = NULL,	/* the dispatcher asks dma_direct_supported() */
};
