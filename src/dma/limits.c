// SPDX-License-Identifier: MIT
/*
 * What a driver may ask about a device's DMA before it maps: the largest and
 * the cheapest mapping sizes, the mask that reaches all of RAM, whether it
 * may bounce, whether syncs do anything. The answers are the kernel's
 * (kernel/dma/mapping.c, direct.c), computed from the machine the device is
 * on.
 */
#include "dma/device.h"
#include "dma/swiotlb.h"
#include "iommu/iommu.h"
#include "iommu/iova.h"

static bool use_direct(const struct device *dev)
{
	return dev->dma_ops == &dma_direct_ops;
}

static bool use_dma_iommu(struct device *dev)
{
	return dev->domain && dev->dma_ops == iommu_domain_dma_ops(dev->domain);
}

DMAMAP_API u64 dma_get_required_mask(struct device *dev)
{
	phys_addr_t last;
	u64 max_dma;

	if (!dev)
		return 0;
	if (!use_direct(dev))
		return DMA_BIT_MASK(32);
	last = dev->machine->ram_end - PAGE_SIZE;
	max_dma = last < dev->dma_offset ? 0 : phys_to_dma(dev, last);
	return max_dma ? (1ULL << (fls64(max_dma) - 1)) * 2 - 1 : 0;
}

/* RAM below the DMA offset has no DMA address (the kernel's dma_direct_all_ram_mapped()). */
static bool all_ram_mapped(const struct device *dev)
{
	return dev->machine->banks[0].base >= dev->dma_offset;
}

DMAMAP_API bool dma_addressing_limited(struct device *dev)
{
	if (!dev)
		return false;
	if (dma_reach_limit(dev, dma_get_mask(dev)) < dma_get_required_mask(dev))
		return true;
	if (!use_direct(dev))
		return false;
	return !all_ram_mapped(dev);
}

DMAMAP_API size_t dma_max_mapping_size(struct device *dev)
{
	if (!dev)
		return 0;
	if (use_direct(dev) && is_swiotlb_active(dev) && dma_addressing_limited(dev))
		return swiotlb_max_mapping_size(dev);
	return SIZE_MAX;
}

DMAMAP_API size_t dma_opt_mapping_size(struct device *dev)
{
	size_t size = SIZE_MAX;

	if (!dev)
		return 0;
	/* the largest range the per-thread IOVA caches hand out without the allocator */
	if (use_dma_iommu(dev))
		size = PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1);
	return min(dma_max_mapping_size(dev), size);
}

DMAMAP_API bool dma_need_sync(struct device *dev, dma_addr_t dma_addr)
{
	const struct dma_map_ops *ops;

	if (!dev)
		return false;
	if (use_direct(dev))
		return !dev->dma_coherent || is_swiotlb_buffer(dev, dma_to_phys(dev, dma_addr));
	if (use_dma_iommu(dev))
		return !dev->dma_coherent;
	ops = dev->dma_ops;
	return ops->sync_single_for_cpu || ops->sync_single_for_device || ops->sync_sg_for_cpu ||
	       ops->sync_sg_for_device;
}
