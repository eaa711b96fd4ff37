// SPDX-License-Identifier: MIT
/*
 * Non-coherent allocations: dma_alloc_pages() and its wrappers. The pages
 * are ordinary cacheable memory the device reaches; the driver hands them
 * back and forth with the streaming sync calls, as for a mapping it reuses.
 *
 * A direct device gets pages under its coherent mask (dma_direct_alloc_pages()).
 * Behind an IOMMU the pages come from the page allocator and are mapped as a
 * streaming mapping in @dir without cache maintenance, then zeroed, as
 * dma_common_alloc_pages() does, so the IOMMU's permissions follow @dir.
 */
#include "dma/debug.h"
#include "dma/device.h"
#include "dma/direct.h"
#include "iommu/iommu.h"

#include <string.h>

static bool use_direct(struct device *dev)
{
	return dev->dma_ops == &dma_direct_ops;
}

DMAMAP_API struct page *dma_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle,
					enum dma_data_direction dir, gfp_t gfp)
{
	DEBUG_CALL(dev);
	struct page *page;
	dma_addr_t dma;

	if (!dev || !dma_handle)
		return NULL;
	*dma_handle = DMA_MAPPING_ERROR;
	if (!valid_dma_direction(dir) || !size || size > (SIZE_MAX >> 1)) {
		dma_report_misuse(dev, "dma_alloc_pages: size %zu, direction %d", size, (int)dir);
		return NULL;
	}
	if (!dev->coherent_dma_mask) {
		dma_report_misuse(dev, "dma_alloc_pages: no coherent DMA mask");
		return NULL;
	}
	if (gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) {
		dma_report_misuse(dev, "dma_alloc_pages: zone modifiers in gfp %#x", gfp);
		return NULL;
	}
	size = PAGE_ALIGN(size);
	if (use_direct(dev)) {
		page = dma_direct_alloc_pages(dev, size, &dma, gfp);
	} else if (dev->domain && dev->dma_ops == iommu_domain_dma_ops(dev->domain)) {
		page = mm_alloc_pages_capped(dev->machine, gfp & ~__GFP_ZERO, get_order(size),
					     ~(phys_addr_t)0);
		if (!page)
			return NULL;
		/* the backend's map: the debugger records the allocation, not a mapping */
		dma = dev->dma_ops->map_page(dev, page, 0, size, dir, DMA_ATTR_SKIP_CPU_SYNC);
		if (dma == DMA_MAPPING_ERROR) {
			mm_free_pages_checked(dev->machine, page, get_order(size));
			return NULL;
		}
		memset(page_address(page), 0, size);
	} else {
		return NULL;	/* other ops: the kernel's alloc_pages_op, which they lack */
	}
	if (!page)
		return NULL;
	*dma_handle = dma;
	if (debug_dma_on(dev))
		debug_dma_alloc_pages(dev, page, size, dir, dma, debug_site_);
	return page;
}

DMAMAP_API void dma_free_pages(struct device *dev, size_t size, struct page *page,
			       dma_addr_t dma_handle, enum dma_data_direction dir)
{
	DEBUG_CALL(dev);
	phys_addr_t phys;

	if (!dev || !page)
		return;
	if (!mm_is_page_of(dev->machine, page) || !size) {
		dma_report_misuse(dev, "dma_free_pages: %p is no page of the machine (size %zu)",
				  (void *)page, size);
		return;
	}
	if (debug_dma_on(dev) &&
	    !debug_dma_free_pages(dev, page, size, dir, dma_handle, "dma_free_pages", debug_site_))
		return;
	size = PAGE_ALIGN(size);
	phys = page_to_phys(page);
	if (use_direct(dev)) {
		if (dma_handle != phys_to_dma(dev, phys)) {
			dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, dma_handle, size,
				   "dma_free_pages: DMA address %#llx is not that of page %#llx",
				   (unsigned long long)dma_handle, (unsigned long long)phys);
			return;
		}
	} else if (dev->domain) {
		if (iommu_iova_to_phys(dev->domain, dma_handle) != phys) {
			dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, dma_handle, size,
				   "dma_free_pages: IOVA %#llx does not map page %#llx",
				   (unsigned long long)dma_handle, (unsigned long long)phys);
			return;
		}
	} else {
		return;
	}
	/* the order check of the page allocator refuses a size other than the allocation's */
	if (READ_ONCE(page->flags) !=
	    (PG_head | ((unsigned long)get_order(size) << PG_ORDER_SHIFT))) {
		dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, dma_handle, size,
			   "dma_free_pages: %zu bytes at %#llx is not an allocation of that size",
			   size, (unsigned long long)phys);
		return;
	}
	if (!use_direct(dev))
		dev->dma_ops->unmap_page(dev, dma_handle, size, dir, DMA_ATTR_SKIP_CPU_SYNC);
	mm_free_pages_checked(dev->machine, page, get_order(size));
}

DMAMAP_API int dma_mmap_pages(struct device *dev, struct vm_area_struct *vma, size_t size,
			      struct page *page)
{
	unsigned long count = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (!dev || !vma || !page || !size || vma->vm_machine != dev->machine ||
	    !mm_is_page_of(dev->machine, page))
		return -EINVAL;
	if (vma->vm_pgoff >= count || vma_pages(vma) > count - vma->vm_pgoff)
		return -ENXIO;
	return mm_vma_map_phys(vma, 0, page_to_phys(page) + (vma->vm_pgoff << PAGE_SHIFT),
			       vma_pages(vma) << PAGE_SHIFT);
}

DMAMAP_API void *dma_alloc_noncoherent(struct device *dev, size_t size, dma_addr_t *dma_handle,
				       enum dma_data_direction dir, gfp_t gfp)
{
	DEBUG_CALL(dev);
	struct page *page = dma_alloc_pages(dev, size, dma_handle, dir, gfp);

	return page ? page_address(page) : NULL;
}

DMAMAP_API void dma_free_noncoherent(struct device *dev, size_t size, void *vaddr,
				     dma_addr_t dma_handle, enum dma_data_direction dir)
{
	DEBUG_CALL(dev);
	struct page *page;

	if (!dev || !vaddr)
		return;
	page = dmamap_virt_to_page(dev->machine, vaddr);
	if (!page || !PAGE_ALIGNED(vaddr)) {
		dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, dma_handle, size,
			   "dma_free_noncoherent: %p is not what dma_alloc_noncoherent() returned",
			   vaddr);
		return;
	}
	dma_free_pages(dev, size, page, dma_handle, dir);
}
