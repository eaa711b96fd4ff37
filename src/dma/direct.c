// SPDX-License-Identifier: MIT
/*
 * The direct DMA backend: the seed's arm_dma_ops, for devices without an
 * IOMMU. DMA address = physical address - the device's DMA offset.
 *
 * Coherent allocations are physically contiguous and zeroed. A coherent
 * device uses the linear map; a non-coherent one gets an uncached mapping
 * built in the kernel VA window (or, when it may not sleep, memory from the
 * atomic pool); DMA_ATTR_NO_KERNEL_MAPPING gets no CPU mapping at all, only a
 * cookie. Streaming mappings bounce through swiotlb when the device cannot
 * reach the buffer, and never merge.
 */
#include "dma/direct.h"
#include "mm/fail.h"
#include "dma/coherent.h"
#include "dma/swiotlb.h"
#include "mm/cache.h"

#include <stdlib.h>
#include <string.h>

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

static bool dma_coherent_ok(struct device *dev, phys_addr_t phys, size_t size)
{
	dma_addr_t dma = phys_to_dma(dev, phys);

	if (phys < dev->dma_offset)
		return false;
	return dma + size - 1 >= dma &&
	       dma + size - 1 <= dma_reach_limit(dev, dev->coherent_dma_mask);
}

static bool dma_capable(struct device *dev, phys_addr_t phys, size_t size)
{
	dma_addr_t dma = phys_to_dma(dev, phys);

	if (phys < dev->dma_offset)
		return false;
	return dma + size - 1 >= dma && dma + size - 1 <= dma_reach_limit(dev, *dev->dma_mask);
}

/*
 * Pages under the coherent mask: ask the zone the mask implies first, then
 * retry lower (DMA32, then DMA) when the page came back out of reach, as
 * __dma_direct_alloc_pages() does.
 */
static struct page *direct_alloc_pages(struct device *dev, size_t size, gfp_t gfp)
{
	struct dmamap_machine *m = dev->machine;
	unsigned int order = get_order(size);
	u64 limit = dma_reach_limit(dev, dev->coherent_dma_mask);
	phys_addr_t phys_limit = limit + dev->dma_offset;
	struct page *page;

	if (phys_limit < limit)
		phys_limit = ~(phys_addr_t)0;
	if (order > MAX_PAGE_ORDER)
		return NULL;
	if (phys_limit <= m->zone_dma_limit)
		gfp |= GFP_DMA;
	else if (phys_limit <= DMA_BIT_MASK(32))
		gfp |= GFP_DMA32;
again:
	page = mm_alloc_pages_capped(m, gfp, order, ~(phys_addr_t)0);
	if (page && !dma_coherent_ok(dev, page_to_phys(page), size)) {
		mm_free_pages_checked(m, page, order);
		page = NULL;
		if (phys_limit < DMA_BIT_MASK(64) && !(gfp & (GFP_DMA32 | GFP_DMA))) {
			gfp |= GFP_DMA32;
			goto again;
		}
		if (!(gfp & GFP_DMA)) {
			gfp = (gfp & ~GFP_DMA32) | GFP_DMA;
			goto again;
		}
	}
	return page;
}

struct page *dma_direct_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle,
				    gfp_t gfp)
{
	struct page *page = direct_alloc_pages(dev, size, gfp & ~__GFP_ZERO);

	if (!page)
		return NULL;
	/* through the cached view, as the kernel zeroes them: no alias is cleaned */
	memset(page_address(page), 0, PAGE_ALIGN(size));
	*dma_handle = phys_to_dma(dev, page_to_phys(page));
	return page;
}

static void *direct_alloc(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp,
			  unsigned long attrs)
{
	struct dmamap_machine *m = dev->machine;
	struct dma_alloc *a;
	struct page *page = NULL;
	size_t alloc_size = PAGE_ALIGN(size);

	a = mm_kzalloc(m, sizeof(*a));
	if (!a)
		return NULL;
	a->dev = dev;
	a->size = size;
	a->attrs = attrs;

	if (!dev->dma_coherent && !gfpflags_allow_blocking(gfp) &&
	    !(attrs & DMA_ATTR_NO_KERNEL_MAPPING)) {
		/* building a mapping may sleep: take uncached memory from the pool */
		a->cpu_addr = dma_alloc_from_pool(dev, size, &a->phys);
		if (!a->cpu_addr)
			goto out_free;
		if (!dma_coherent_ok(dev, a->phys, size)) {
			dma_free_from_pool(m, a->cpu_addr, size);
			goto out_free;
		}
		a->kind = DMA_ALLOC_POOL;
		goto done;
	}

	page = direct_alloc_pages(dev, alloc_size, gfp);
	if (!page)
		goto out_free;
	a->phys = page_to_phys(page);
	/* a snooping device's buffer: every CPU alias of it must agree (see mm_cache_share()) */
	if (dev->dma_coherent && mm_cache_share(m, a->phys, alloc_size))
		goto out_pages;

	if (attrs & DMA_ATTR_NO_KERNEL_MAPPING) {
		/*
		 * Linux's direct path returns the struct page as the cookie and
		 * leaves the memory unzeroed; the model returns an address that
		 * faults when dereferenced, and zeroes the buffer before anything
		 * can see it (see dma_alloc_defer_prep()).
		 */
		a->cpu_addr = mm_cookie_alloc(m, a);
		if (!a->cpu_addr)
			goto out_unshare;
		a->kind = DMA_ALLOC_COOKIE;
		dma_alloc_defer_prep(a);
		goto done;
	}
	/* zeroed in memory, and no stale line of the linear alias left behind */
	mm_prep_dma_pages(m, page, alloc_size >> PAGE_SHIFT);
	if (dev->dma_coherent) {
		a->cpu_addr = page_address(page);
		a->kind = DMA_ALLOC_LINEAR;
	} else {
		a->area = mm_vm_area_alloc(m, alloc_size);
		if (!a->area)
			goto out_pages;
		if (mm_vm_area_map_phys(m, a->area, 0, a->phys, alloc_size)) {
			mm_vm_area_free(m, a->area);
			goto out_pages;
		}
		a->area->prot = dma_pgprot(dev, DMAMAP_PGPROT_NORMAL, attrs);
		a->area->owner = a;
		a->cpu_addr = (void *)a->area->addr;
		a->kind = DMA_ALLOC_REMAP;
	}
done:
	a->dma = phys_to_dma(dev, a->phys);
	dma_alloc_insert(a);
	*dma_handle = a->dma;
	return a->cpu_addr;

out_unshare:
	if (dev->dma_coherent)
		mm_cache_unshare(m, a->phys, alloc_size);
out_pages:
	mm_free_pages_checked(m, page, get_order(alloc_size));
out_free:
	free(a);
	dma_alloc_failed(dev, size, gfp, attrs);
	return NULL;
}

static void direct_free(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle,
			unsigned long attrs)
{
	struct dmamap_machine *m = dev->machine;
	struct dma_alloc *a = dma_alloc_take(dev, cpu_addr, dma_handle, size, attrs);

	if (!a)
		return;
	switch (a->kind) {
	case DMA_ALLOC_POOL:
		dma_free_from_pool(m, a->cpu_addr, a->size);
		goto out;
	case DMA_ALLOC_COOKIE:
		dma_alloc_undefer(a);
		mm_cookie_free(m, a->cpu_addr);
		break;
	case DMA_ALLOC_REMAP:
		mm_vm_area_free(m, a->area);
		break;
	case DMA_ALLOC_LINEAR:
		break;
	}
	if (dev->dma_coherent)
		mm_cache_unshare(m, a->phys, PAGE_ALIGN(a->size));
	mm_free_pages_checked(m, dmamap_pfn_to_page(m, PHYS_PFN(a->phys)), get_order(PAGE_ALIGN(a->size)));
out:
	free(a);
}

static int direct_mmap(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
		       dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	unsigned long user_count = vma_pages(vma);
	unsigned long count = PAGE_ALIGN(size) >> PAGE_SHIFT;
	struct dma_alloc *a = dma_alloc_lookup(dev, cpu_addr, dma_addr, attrs, "dma_mmap_attrs");

	if (!a)
		return -ENXIO;
	if (size > PAGE_ALIGN(a->size))
		return -ENXIO;
	dma_alloc_prep(a);
	vma->vm_page_prot = dma_pgprot(dev, vma->vm_page_prot, attrs);
	if (vma->vm_pgoff >= count || user_count > count - vma->vm_pgoff)
		return -ENXIO;
	return mm_vma_map_phys(vma, 0, a->phys + (vma->vm_pgoff << PAGE_SHIFT),
			       user_count << PAGE_SHIFT);
}

static int direct_get_sgtable(struct device *dev, struct sg_table *sgt, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	struct dma_alloc *a = dma_alloc_lookup(dev, cpu_addr, dma_addr, attrs, "dma_get_sgtable");
	int ret;

	if (!a)
		return -ENXIO;
	if (size > PAGE_ALIGN(a->size))
		return -EINVAL;
	dma_alloc_prep(a);
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret)
		return ret;
	/* the page is found from the DMA address, so cookies work too */
	sg_set_page(sgt->sgl, dmamap_pfn_to_page(dev->machine, PHYS_PFN(dma_to_phys(dev, dma_addr))),
		    (unsigned int)PAGE_ALIGN(size), 0);
	return 0;
}

static inline dma_addr_t direct_map_phys(struct device *dev, phys_addr_t phys, size_t size,
					 enum dma_data_direction dir, unsigned long attrs)
{
	if (unlikely(!dma_capable(dev, phys, size))) {
		if (is_swiotlb_active(dev))
			return swiotlb_map(dev, phys, size, dir, attrs);
		if (!(attrs & DMA_ATTR_NO_WARN))
			mm_report(dev->machine, "%s: DMA address %#llx+%zu is beyond the DMA mask "
				  "%#llx and there is no swiotlb", dev->name,
				  (unsigned long long)phys_to_dma(dev, phys), size,
				  (unsigned long long)*dev->dma_mask);
		return DMA_MAPPING_ERROR;
	}
	/* a coherent device leaves the CPU caches nothing to do */
	if (!dev->dma_coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_sync_for_device_phys(dev, phys, size, dir);
	else
		dma_map_nosync_phys(dev, phys, size, dir);
	return phys_to_dma(dev, phys);
}

/*
 * One entry of a map, as dma_direct_map_page(): [phys, phys+size) must lie
 * in one RAM bank (the bank of the previous entry of a list, *@hint, tried
 * first), then it is mapped or bounced.
 */
static inline dma_addr_t map_one(struct device *dev, phys_addr_t phys, size_t size,
				 enum dma_data_direction dir, unsigned long attrs,
				 const struct mm_bank **hint)
{
	if (unlikely(!mm_phys_is_ram_hint(dev->machine, phys, size, hint))) {
		dma_report_misuse(dev, "dma_map_page: %#llx+%zu runs past the end of its RAM bank",
				  (unsigned long long)phys, size);
		return DMA_MAPPING_ERROR;
	}
	return direct_map_phys(dev, phys, size, dir, attrs);
}

static dma_addr_t direct_map_page(struct device *dev, struct page *page, unsigned long offset,
				  size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	const struct mm_bank *hint = NULL;

	return map_one(dev, page_to_phys(page) + offset, size, dir, attrs, &hint);
}

static void direct_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
				       enum dma_data_direction dir)
{
	phys_addr_t phys = dma_to_phys(dev, addr);

	/* a bounce buffer's neighbours are other mappings' slots: held to the buffer */
	if (unlikely(is_swiotlb_buffer(dev, phys))) {
		size = swiotlb_sync_size(dev, phys, size, "dma_sync_single_for_cpu");
		if (!size)
			return;
	}
	if (!mm_phys_is_ram(dev->machine, phys, size)) {
		dma_report_misuse(dev, "sync_for_cpu: DMA address %#llx+%zu is not RAM",
				  (unsigned long long)addr, size);
		return;
	}
	dma_sync_for_cpu_phys(dev, phys, size, dir);
	if (unlikely(is_swiotlb_buffer(dev, phys)))
		swiotlb_sync_single_for_cpu(dev, phys, size, dir);
}

static void direct_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					  enum dma_data_direction dir)
{
	phys_addr_t phys = dma_to_phys(dev, addr);

	if (unlikely(is_swiotlb_buffer(dev, phys))) {
		size = swiotlb_sync_size(dev, phys, size, "dma_sync_single_for_device");
		if (!size)
			return;
	}
	if (!mm_phys_is_ram(dev->machine, phys, size)) {
		dma_report_misuse(dev, "sync_for_device: DMA address %#llx+%zu is not RAM",
				  (unsigned long long)addr, size);
		return;
	}
	if (unlikely(is_swiotlb_buffer(dev, phys)))
		swiotlb_sync_single_for_device(dev, phys, size, dir);
	dma_sync_range_for_device_phys(dev, phys, size, dir);
}

/*
 * One entry of an unmap, as dma_direct_unmap_page(): its RAM checked (the
 * bank of the previous entry of a list tried first), the CPU's view made
 * current unless the caller syncs itself, the cache model told, and a
 * bounce slot given back. @pool is where the machine's swiotlb lies.
 */
static inline void unmap_one(struct device *dev, const struct swiotlb_range *pool,
			     dma_addr_t addr, size_t size, enum dma_data_direction dir,
			     unsigned long attrs, const struct mm_bank **hint)
{
	phys_addr_t phys = dma_to_phys(dev, addr);
	size_t given = size;
	bool bounced;

	if (unlikely(!mm_phys_is_ram_hint(dev->machine, phys, size, hint))) {
		dma_report_misuse(dev, "dma_unmap_page: DMA address %#llx+%zu is not RAM",
				  (unsigned long long)addr, size);
		return;
	}
	bounced = phys - pool->start < pool->size;
	if (unlikely(bounced)) {
		/*
		 * What is synced and copied back is the bounce buffer, whatever size
		 * the caller gives: beyond it lie other mappings' slots, and past the
		 * original the caller's neighbours. The unmap checks (and reports)
		 * the size given, and an address that starts no mapping.
		 */
		size = swiotlb_mapping_size(dev, phys);
		if (!size) {
			swiotlb_tbl_unmap_single(dev, phys, given, dir, attrs);
			return;
		}
	}
	/*
	 * A coherent device leaves the CPU caches nothing to do: the sync and
	 * forget helpers would return at once, so they are not called.
	 */
	if (!dev->dma_coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_sync_for_cpu_phys(dev, phys, size, dir);
	if (unlikely(bounced) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		swiotlb_sync_single_for_cpu(dev, phys, size, dir);
	if (!dev->dma_coherent)
		dma_unmap_forget_phys(dev, phys, size);
	if (unlikely(bounced))
		swiotlb_tbl_unmap_single(dev, phys, given, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
}

static void direct_unmap_page(struct device *dev, dma_addr_t addr, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	const struct mm_bank *hint = NULL;
	struct swiotlb_range pool = swiotlb_range(dev->machine);

	unmap_one(dev, &pool, addr, size, dir, attrs, &hint);
}

static void direct_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents,
			    enum dma_data_direction dir, unsigned long attrs)
{
	/* the pool lives as long as the machine: looked up once for the list */
	struct swiotlb_range pool = swiotlb_range(dev->machine);
	const struct mm_bank *hint = NULL;
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		if (dma_sg_past_end(dev, sg, nents, i, "dma_unmap_sg"))
			return;
		unmap_one(dev, &pool, sg->dma_address, sg_dma_len(sg), dir, attrs, &hint);
	}
}

/*
 * As dma_direct_map_sg(), with what the per-page path would find again for
 * every entry found once per list: the machine's frames are told from
 * foreign pointers without the registry, and the bank of the previous entry
 * is tried first.
 */
static int direct_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir, unsigned long attrs)
{
	const struct mm_bank *hint = NULL;
	struct scatterlist *sg;
	int i, ret;

	for_each_sg(sgl, sg, nents, i) {
		struct page *page = sg ? sg_page(sg) : NULL;
		phys_addr_t phys = page ? mm_page_phys_hint(dev->machine, page, &hint) :
					  (phys_addr_t)-1;

		if (!sg || !page || !sg->length) {
			dma_map_sg_refuse(dev, sg, nents, i);
			ret = -EINVAL;
			goto out_unmap;
		}
		if (phys == (phys_addr_t)-1) {
			dma_report(dev, DMAMAP_DEBUG_BAD_MEMORY, 0, sg->length,
				   "dma_map_sg: entry %d is not a page of this machine; refused", i);
			ret = -EINVAL;
			goto out_unmap;
		}
		sg->dma_address = map_one(dev, phys + sg->offset, sg->length, dir, attrs, &hint);
		if (unlikely(sg->dma_address == DMA_MAPPING_ERROR)) {
			ret = -EIO;
			goto out_unmap;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;

out_unmap:
	if (i)
		direct_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
	return ret;
}

static void direct_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl, int nents,
				   enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		if (dma_sg_past_end(dev, sg, nents, i, "dma_sync_sg_for_cpu"))
			return;
		direct_sync_single_for_cpu(dev, sg->dma_address, sg->length, dir);
	}
}

static void direct_sync_sg_for_device(struct device *dev, struct scatterlist *sgl, int nents,
				      enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		if (dma_sg_past_end(dev, sg, nents, i, "dma_sync_sg_for_device"))
			return;
		direct_sync_single_for_device(dev, sg->dma_address, sg->length, dir);
	}
}

static size_t direct_max_mapping_size(struct device *dev)
{
	return is_swiotlb_active(dev) ? swiotlb_max_mapping_size(dev) : SIZE_MAX;
}

const struct dma_map_ops dma_direct_ops = {
	.alloc			= direct_alloc,
	.free			= direct_free,
	.mmap			= direct_mmap,
	.get_sgtable		= direct_get_sgtable,
	.map_page		= direct_map_page,
	.unmap_page		= direct_unmap_page,
	.map_sg			= direct_map_sg,
	.unmap_sg		= direct_unmap_sg,
	.sync_single_for_cpu	= direct_sync_single_for_cpu,
	.sync_single_for_device	= direct_sync_single_for_device,
	.sync_sg_for_cpu	= direct_sync_sg_for_cpu,
	.sync_sg_for_device	= direct_sync_sg_for_device,
	.max_mapping_size	= direct_max_mapping_size,
	/* dma_supported: the dispatcher asks dma_direct_supported() */
};
