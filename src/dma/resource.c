// SPDX-License-Identifier: MIT
/*
 * dma_map_resource(): a device's address for physical space that is no
 * page of RAM, typically an MMIO region of another device (a doorbell, a
 * FIFO) for peer-to-peer DMA. There is nothing to sync: MMIO is not cached.
 *
 * Direct devices get the physical address moved by their DMA offset. The
 * kernel returns the physical address unchanged (its dma-ranges describe
 * RAM only); the model's offset applies to the device's whole view of the
 * bus, so an address without it would reach the wrong place. Behind an IOMMU
 * the range is mapped with IOMMU_MMIO (device memory attributes), as
 * iommu_dma_map_resource() does.
 */
#include "dma/debug.h"
#include "dma/device.h"
#include "dma/dma-iommu.h"
#include "dma/trace.h"
#include "iommu/iommu.h"

static dma_addr_t map_resource_checked(struct device *dev, phys_addr_t phys, size_t size,
				       enum dma_data_direction dir, unsigned long attrs)
{
	struct dmamap_machine *m = dev->machine;
	dma_addr_t dma;

	if (!valid_dma_direction(dir) || !dev->dma_mask || !size || phys + size - 1 < phys) {
		dma_report_misuse(dev, "dma_map_resource: %#llx+%zu, direction %d",
				  (unsigned long long)phys, size, (int)dir);
		return DMA_MAPPING_ERROR;
	}
	if (!mm_phys_is_mmio(m, phys, size) && !mm_phys_is_ram(m, phys, size))
		/* the kernel maps it all the same; the device's accesses will fault */
		dma_report_misuse(dev, "dma_map_resource: %#llx+%zu is neither one MMIO region "
				  "nor RAM of the machine", (unsigned long long)phys, size);
	if (dev->dma_ops == &dma_direct_ops) {
		dma = phys_to_dma(dev, phys);
		if (phys < dev->dma_offset ||
		    dma + size - 1 > dma_reach_limit(dev, *dev->dma_mask)) {
			dma_report(dev, DMAMAP_DEBUG_MISUSE, dma, size, "dma_map_resource: "
				   "%#llx+%zu is beyond the device's reach (mask %#llx, bus limit "
				   "%#llx)", (unsigned long long)phys, size,
				   (unsigned long long)*dev->dma_mask,
				   (unsigned long long)dev->bus_dma_limit);
			return DMA_MAPPING_ERROR;
		}
		return dma;
	}
	if (dev->dma_ops == &iommu_dma_ops)
		return iommu_dma_map_resource(dev, phys, size, dir, attrs);
	return DMA_MAPPING_ERROR;	/* other ops: no map_resource slot */
}

DMAMAP_API dma_addr_t dma_map_resource(struct device *dev, phys_addr_t phys_addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs)
{
	const void *site = __builtin_return_address(0);
	bool outer;
	u64 t0;
	dma_addr_t ret;

	if (!dev)
		return DMA_MAPPING_ERROR;
	outer = debug_call_enter(dev, &site);
	t0 = trace_on(dev) ? trace_now() : 0;
	ret = map_resource_checked(dev, phys_addr, size, dir, attrs);
	if (ret != DMA_MAPPING_ERROR && debug_dma_on(dev))
		debug_dma_map_resource(dev, phys_addr, size, dir, attrs, ret, site);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_map_resource", ret, size, dir,
			   ret == DMA_MAPPING_ERROR ? -ENOMEM : 0, t0);
	debug_call_exit(outer);
	return ret;
}

static int unmap_resource_checked(struct device *dev, dma_addr_t addr, size_t size,
				  enum dma_data_direction dir, unsigned long attrs,
				  const void *site)
{
	if (!valid_dma_direction(dir) || addr == DMA_MAPPING_ERROR || !size) {
		dma_report_misuse(dev, "dma_unmap_resource: %#llx+%zu, direction %d",
				  (unsigned long long)addr, size, (int)dir);
		return -EINVAL;
	}
	if (debug_dma_on(dev) &&
	    !debug_dma_unmap_page(dev, addr, size, dir, DEBUG_DMA_RESOURCE, "dma_unmap_resource",
				  site))
		return -EINVAL;
	/* a direct mapping of a resource holds nothing to give back */
	if (dev->dma_ops == &iommu_dma_ops)
		iommu_dma_unmap_resource(dev, addr, size, dir, attrs);
	return 0;
}

DMAMAP_API void dma_unmap_resource(struct device *dev, dma_addr_t addr, size_t size,
				   enum dma_data_direction dir, unsigned long attrs)
{
	const void *site = __builtin_return_address(0);
	bool outer;
	u64 t0;
	int err;

	if (!dev)
		return;
	outer = debug_call_enter(dev, &site);
	t0 = trace_on(dev) ? trace_now() : 0;
	err = unmap_resource_checked(dev, addr, size, dir, attrs, site);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_unmap_resource", addr, size, dir, err, t0);
	debug_call_exit(outer);
}
