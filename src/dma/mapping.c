// SPDX-License-Identifier: MIT
/*
 * The DMA API entry points: argument checks with the kernel's conventions,
 * then dispatch to the device's struct dma_map_ops.
 *
 * Misuse the kernel meets with BUG_ON or WARN (an invalid direction, a
 * device without a mask) is refused here with the kernel's error value for
 * the call, counted in api_errors and reported.
 */
#include "dma/device.h"
#include "dma/dma-iommu.h"
#include "dma/trace.h"

#include <stdlib.h>
#include <string.h>

static inline const struct dma_map_ops *ops_of(struct device *dev)
{
	return dev->dma_ops;
}

static bool check_dir(struct device *dev, enum dma_data_direction dir, const char *fn)
{
	if (likely(valid_dma_direction(dir)))
		return true;
	dma_report_misuse(dev, "%s: invalid DMA direction %d", fn, (int)dir);
	return false;
}

static void *alloc_checked(struct device *dev, size_t size, dma_addr_t *dma_handle,
				 gfp_t flag, unsigned long attrs)
{
	const struct dma_map_ops *ops;

	if (!dev || !dma_handle)
		return NULL;
	*dma_handle = DMA_MAPPING_ERROR;
	if (!size || size > (SIZE_MAX >> 1)) {
		dma_report_misuse(dev, "dma_alloc_attrs: size %zu", size);
		return NULL;
	}
	if (!dev->coherent_dma_mask) {
		dma_report_misuse(dev, "dma_alloc_attrs: no coherent DMA mask");
		return NULL;
	}
	ops = ops_of(dev);
	if (!ops->alloc)
		return NULL;
	/* let the implementation decide on the zone to allocate from */
	flag &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	return ops->alloc(dev, size, dma_handle, flag, attrs);
}

static void free_checked(struct device *dev, size_t size, void *cpu_addr,
			       dma_addr_t dma_handle, unsigned long attrs)
{
	const struct dma_map_ops *ops;

	if (!dev || !cpu_addr)
		return;
	ops = ops_of(dev);
	if (ops->free)
		ops->free(dev, size, cpu_addr, dma_handle, attrs);
}

static int mmap_checked(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	const struct dma_map_ops *ops;

	if (!dev || !vma || !size)
		return -EINVAL;
	if (vma->vm_end <= vma->vm_start || !PAGE_ALIGNED(vma->vm_start) ||
	    !PAGE_ALIGNED(vma->vm_end) || vma->vm_machine != dev->machine)
		return -EINVAL;
	ops = ops_of(dev);
	if (!ops->mmap)
		return -ENXIO;
	return ops->mmap(dev, vma, cpu_addr, dma_addr, size, attrs);
}

DMAMAP_API bool dma_can_mmap(struct device *dev)
{
	return dev && ops_of(dev)->mmap != NULL;
}

static int get_sgtable_checked(struct device *dev, struct sg_table *sgt, void *cpu_addr,
				     dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	const struct dma_map_ops *ops;

	if (!dev || !sgt || !size)
		return -EINVAL;
	ops = ops_of(dev);
	if (!ops->get_sgtable)
		return -ENXIO;
	return ops->get_sgtable(dev, sgt, cpu_addr, dma_addr, size, attrs);
}

static dma_addr_t map_page_checked(struct device *dev, struct page *page, size_t offset,
					 size_t size, enum dma_data_direction dir,
					 unsigned long attrs)
{
	if (!dev || !page)
		return DMA_MAPPING_ERROR;
	if (!check_dir(dev, dir, "dma_map_page"))
		return DMA_MAPPING_ERROR;
	if (!dev->dma_mask || !size || offset + size < size) {
		dma_report_misuse(dev, "dma_map_page: size %zu at offset %zu", size, offset);
		return DMA_MAPPING_ERROR;
	}
	if (mm_page_machine(page) != dev->machine) {
		dma_report_misuse(dev, "dma_map_page: %p is not a page of this machine", (void *)page);
		return DMA_MAPPING_ERROR;
	}
	if (!ops_of(dev)->map_page)
		return DMA_MAPPING_ERROR;
	return ops_of(dev)->map_page(dev, page, offset, size, dir, attrs);
}

static void unmap_page_checked(struct device *dev, dma_addr_t addr, size_t size,
				     enum dma_data_direction dir, unsigned long attrs)
{
	if (!dev || !check_dir(dev, dir, "dma_unmap_page"))
		return;
	if (addr == DMA_MAPPING_ERROR || !size) {
		dma_report_misuse(dev, "dma_unmap_page: %s", !size ? "size 0" : "DMA_MAPPING_ERROR");
		return;
	}
	if (ops_of(dev)->unmap_page)
		ops_of(dev)->unmap_page(dev, addr, size, dir, attrs);
}

DMAMAP_API dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
					   enum dma_data_direction dir, unsigned long attrs)
{
	struct page *page;

	if (!dev || !ptr)
		return DMA_MAPPING_ERROR;
	/* only the linear map can be mapped: not the VA window, not a cookie */
	page = dmamap_virt_to_page(dev->machine, ptr);
	if (!page) {
		dma_report_misuse(dev, "dma_map_single: %p is not in the linear map "
				  "(a vmalloc address or a cookie?)", ptr);
		return DMA_MAPPING_ERROR;
	}
	return dma_map_page_attrs(dev, page, (unsigned long)ptr & (PAGE_SIZE - 1), size, dir, attrs);
}

DMAMAP_API void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs)
{
	dma_unmap_page_attrs(dev, addr, size, dir, attrs);
}

static int map_sg_checked(struct device *dev, struct scatterlist *sg, int nents,
			  enum dma_data_direction dir, unsigned long attrs)
{
	int ents;

	if (!dev || !sg)
		return -EINVAL;
	if (!check_dir(dev, dir, "dma_map_sg"))
		return -EINVAL;
	if (nents <= 0 || !dev->dma_mask) {
		dma_report_misuse(dev, "dma_map_sg: %d entries", nents);
		return -EINVAL;
	}
	if (!ops_of(dev)->map_sg)
		return -EIO;
	ents = ops_of(dev)->map_sg(dev, sg, nents, dir, attrs);
	if (ents > 0)
		return ents;
	if (ents != -EINVAL && ents != -ENOMEM && ents != -EIO && ents != -EREMOTEIO)
		return -EIO;
	return ents;
}

/* Bytes an sg list covers (for the trace). */
static u64 sg_bytes(struct scatterlist *sg, int nents)
{
	u64 n = 0;

	for (int i = 0; sg && i < nents; i++, sg = sg_next(sg))
		n += sg->length;
	return n;
}

DMAMAP_API unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
					 enum dma_data_direction dir, unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int ret = map_sg_checked(dev, sg, nents, dir, attrs);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_map_sg", ret > 0 ? sg_dma_address(sg) : 0,
			   sg_bytes(sg, nents), dir, ret, t0);
	return ret < 0 ? 0 : (unsigned int)ret;
}

DMAMAP_API int dma_map_sgtable(struct device *dev, struct sg_table *sgt,
			       enum dma_data_direction dir, unsigned long attrs)
{
	u64 t0;
	int nents;

	if (!sgt || !sgt->sgl || sgt->orig_nents > INT_MAX)
		return -EINVAL;
	t0 = trace_on(dev) ? trace_now() : 0;
	nents = map_sg_checked(dev, sgt->sgl, (int)sgt->orig_nents, dir, attrs);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_map_sgtable",
			   nents > 0 ? sg_dma_address(sgt->sgl) : 0,
			   sg_bytes(sgt->sgl, (int)sgt->orig_nents), dir, nents, t0);
	if (nents < 0)
		return nents;
	sgt->nents = (unsigned int)nents;
	return 0;
}

static void unmap_sg_checked(struct device *dev, struct scatterlist *sg, int nents,
				   enum dma_data_direction dir, unsigned long attrs)
{
	if (!dev || !sg || !check_dir(dev, dir, "dma_unmap_sg"))
		return;
	if (nents <= 0) {
		dma_report_misuse(dev, "dma_unmap_sg: %d entries", nents);
		return;
	}
	if (ops_of(dev)->unmap_sg)
		ops_of(dev)->unmap_sg(dev, sg, nents, dir, attrs);
}

DMAMAP_API void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				  enum dma_data_direction dir, unsigned long attrs)
{
	if (!sgt || sgt->orig_nents > INT_MAX)
		return;
	dma_unmap_sg_attrs(dev, sgt->sgl, (int)sgt->orig_nents, dir, attrs);
}

static void sync_single_for_cpu_checked(struct device *dev, dma_addr_t addr, size_t size,
					enum dma_data_direction dir)
{
	if (!dev || !check_dir(dev, dir, "dma_sync_single_for_cpu") || !size)
		return;
	if (ops_of(dev)->sync_single_for_cpu)
		ops_of(dev)->sync_single_for_cpu(dev, addr, size, dir);
}

static void sync_single_for_device_checked(struct device *dev, dma_addr_t addr, size_t size,
					   enum dma_data_direction dir)
{
	if (!dev || !check_dir(dev, dir, "dma_sync_single_for_device") || !size)
		return;
	if (ops_of(dev)->sync_single_for_device)
		ops_of(dev)->sync_single_for_device(dev, addr, size, dir);
}

static void sync_sg_for_cpu_checked(struct device *dev, struct scatterlist *sg, int nelems,
				    enum dma_data_direction dir)
{
	if (!dev || !sg || nelems <= 0 || !check_dir(dev, dir, "dma_sync_sg_for_cpu"))
		return;
	if (ops_of(dev)->sync_sg_for_cpu)
		ops_of(dev)->sync_sg_for_cpu(dev, sg, nelems, dir);
}

static void sync_sg_for_device_checked(struct device *dev, struct scatterlist *sg, int nelems,
				       enum dma_data_direction dir)
{
	if (!dev || !sg || nelems <= 0 || !check_dir(dev, dir, "dma_sync_sg_for_device"))
		return;
	if (ops_of(dev)->sync_sg_for_device)
		ops_of(dev)->sync_sg_for_device(dev, sg, nelems, dir);
}

DMAMAP_API int dma_mapping_error(struct device *dev, dma_addr_t dma_addr)
{
	(void)dev;
	return dma_addr == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

/* --- the traced entry points ----------------------------------------------------
 *
 * Each public call runs its checked body above; when the machine has a trace
 * callback, the call is reported with what it returned. Without one the cost
 * is the trace_on() test.
 */

DMAMAP_API void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				 gfp_t flag, unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	void *ret = alloc_checked(dev, size, dma_handle, flag, attrs);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_alloc", dma_handle ? *dma_handle : 0, size,
			   DMA_BIDIRECTIONAL, ret ? 0 : -ENOMEM, t0);
	return ret;
}

DMAMAP_API void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr,
			       dma_addr_t dma_handle, unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;

	free_checked(dev, size, cpu_addr, dma_handle, attrs);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_free", dma_handle, size, DMA_BIDIRECTIONAL,
			   0, t0);
}

DMAMAP_API int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int ret = mmap_checked(dev, vma, cpu_addr, dma_addr, size, attrs);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_mmap", dma_addr, size, DMA_BIDIRECTIONAL,
			   ret, t0);
	return ret;
}

DMAMAP_API int dma_get_sgtable_attrs(struct device *dev, struct sg_table *sgt, void *cpu_addr,
				     dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int ret = get_sgtable_checked(dev, sgt, cpu_addr, dma_addr, size, attrs);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_get_sgtable", dma_addr, size,
			   DMA_BIDIRECTIONAL, ret, t0);
	return ret;
}

DMAMAP_API dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset,
					 size_t size, enum dma_data_direction dir,
					 unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	dma_addr_t ret = map_page_checked(dev, page, offset, size, dir, attrs);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_map_page", ret, size, dir,
			   ret == DMA_MAPPING_ERROR ? -ENOMEM : 0, t0);
	return ret;
}

DMAMAP_API void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
				     enum dma_data_direction dir, unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;

	unmap_page_checked(dev, addr, size, dir, attrs);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_unmap_page", addr, size, dir, 0, t0);
}

DMAMAP_API void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
				   enum dma_data_direction dir, unsigned long attrs)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;

	unmap_sg_checked(dev, sg, nents, dir, attrs);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_unmap_sg", sg ? sg_dma_address(sg) : 0,
			   sg_bytes(sg, nents), dir, 0, t0);
}

DMAMAP_API void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
					enum dma_data_direction dir)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;

	sync_single_for_cpu_checked(dev, addr, size, dir);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_sync_single_for_cpu", addr, size, dir, 0, t0);
}

DMAMAP_API void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					   enum dma_data_direction dir)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;

	sync_single_for_device_checked(dev, addr, size, dir);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_sync_single_for_device", addr, size, dir, 0,
			   t0);
}

DMAMAP_API void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems,
				    enum dma_data_direction dir)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;

	sync_sg_for_cpu_checked(dev, sg, nelems, dir);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_sync_sg_for_cpu", sg ? sg_dma_address(sg) : 0,
			   sg_bytes(sg, nelems), dir, 0, t0);
}

DMAMAP_API void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems,
				       enum dma_data_direction dir)
{
	u64 t0 = trace_on(dev) ? trace_now() : 0;

	sync_sg_for_device_checked(dev, sg, nelems, dir);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_sync_sg_for_device",
			   sg ? sg_dma_address(sg) : 0, sg_bytes(sg, nelems), dir, 0, t0);
}

/* --- non-contiguous allocations ------------------------------------------------ */

/*
 * Direct devices get one contiguous entry, as alloc_single_sgt(): pages under
 * the DMA mask, zeroed, owned by the device until dma_sync_sgtable_for_cpu().
 */
static struct sg_table *alloc_single_sgt(struct device *dev, size_t size,
					 enum dma_data_direction dir, gfp_t gfp)
{
	struct sg_table *sgt = calloc(1, sizeof(*sgt));
	unsigned int order = get_order(size);
	struct page *page = NULL;
	u64 mask = dma_reach_limit(dev, *dev->dma_mask);
	phys_addr_t limit = mask + dev->dma_offset;

	if (!sgt)
		return NULL;
	if (order > MAX_PAGE_ORDER || sg_alloc_table(sgt, 1, gfp))
		goto out_free;
	if (limit < mask)
		limit = ~(phys_addr_t)0;
	page = mm_alloc_pages_capped(dev->machine, limit <= DMA_BIT_MASK(32) ? GFP_DMA32 : 0,
				     order, limit);
	if (!page || page_to_phys(page) < dev->dma_offset)
		goto out_table;
	mm_prep_dma_pages(dev->machine, page, 1UL << order);
	sg_set_page(sgt->sgl, page, (unsigned int)PAGE_ALIGN(size), 0);
	sgt->sgl->dma_address = page_to_phys(page) - dev->dma_offset;
	sg_dma_len(sgt->sgl) = sgt->sgl->length;
	return sgt;

out_table:
	if (page)
		mm_free_pages_checked(dev->machine, page, order);
	sg_free_table(sgt);
out_free:
	free(sgt);
	return NULL;
}

DMAMAP_API struct sg_table *dma_alloc_noncontiguous(struct device *dev, size_t size,
						    enum dma_data_direction dir, gfp_t gfp,
						    unsigned long attrs)
{
	const struct dma_map_ops *ops;
	struct sg_table *sgt;

	if (!dev || !size || !check_dir(dev, dir, "dma_alloc_noncontiguous"))
		return NULL;
	if (attrs & ~DMA_ATTR_ALLOC_SINGLE_PAGES) {
		dma_report_misuse(dev, "dma_alloc_noncontiguous: attributes %#lx (only "
				  "DMA_ATTR_ALLOC_SINGLE_PAGES is accepted)", attrs);
		return NULL;
	}
	ops = ops_of(dev);
	if (ops->alloc_noncontiguous)
		sgt = ops->alloc_noncontiguous(dev, size, dir, gfp, attrs);
	else
		sgt = alloc_single_sgt(dev, size, dir, gfp);
	if (sgt)
		sgt->nents = 1;
	return sgt;
}

DMAMAP_API void dma_free_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt,
				       enum dma_data_direction dir)
{
	const struct dma_map_ops *ops;

	if (!dev || !sgt || !sgt->sgl)
		return;
	ops = ops_of(dev);
	if (ops->free_noncontiguous) {
		ops->free_noncontiguous(dev, size, sgt, dir);
		return;
	}
	/* the entry holds the buffer's length: another size would free other pages, or leak */
	if (!size || PAGE_ALIGN(size) != sgt->sgl->length) {
		dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, sgt->sgl->dma_address, size,
			   "dma_free_noncontiguous: size %zu, allocated with %u; refused", size,
			   sgt->sgl->length);
		return;
	}
	mm_free_pages_checked(dev->machine, sg_page(sgt->sgl), get_order(size));
	sg_free_table(sgt);
	free(sgt);
}

DMAMAP_API void *dma_vmap_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt)
{
	unsigned int count = (unsigned int)(PAGE_ALIGN(size) >> PAGE_SHIFT);

	if (!dev || !sgt || !sgt->sgl || !size)
		return NULL;
	if (ops_of(dev) == &iommu_dma_ops)
		return mm_vmap(dev->machine, dma_iommu_sgt_pages(sgt), count,
			       DMAMAP_PGPROT_NORMAL);
	return page_address(sg_page(sgt->sgl));
}

DMAMAP_API void dma_vunmap_noncontiguous(struct device *dev, void *vaddr)
{
	if (!dev || !vaddr)
		return;
	if (ops_of(dev) == &iommu_dma_ops && mm_vunmap(dev->machine, vaddr))
		dma_report_misuse(dev, "dma_vunmap_noncontiguous: %p is not a mapping", vaddr);
}

DMAMAP_API int dma_mmap_noncontiguous(struct device *dev, struct vm_area_struct *vma, size_t size,
				      struct sg_table *sgt)
{
	unsigned long count = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (!dev || !vma || !sgt || !sgt->sgl || !size || vma->vm_machine != dev->machine)
		return -EINVAL;
	if (vma->vm_pgoff >= count || vma_pages(vma) > count - vma->vm_pgoff)
		return -ENXIO;
	if (ops_of(dev) == &iommu_dma_ops)
		return mm_vma_map_pages(vma, 0, dma_iommu_sgt_pages(sgt) + vma->vm_pgoff,
					(unsigned int)vma_pages(vma));
	return mm_vma_map_phys(vma, 0, page_to_phys(sg_page(sgt->sgl)) +
				       (vma->vm_pgoff << PAGE_SHIFT), vma_pages(vma) << PAGE_SHIFT);
}
