// SPDX-License-Identifier: MIT
/*
 * The DMA API entry points: argument checks with the kernel's conventions,
 * the debugger's hooks, dispatch to the device's struct dma_map_ops, the
 * trace.
 *
 * Misuse the kernel meets with BUG_ON or WARN (an invalid direction, a
 * device without a mask) is refused here with the kernel's error value for
 * the call, and reported. Each public call has one body below, in the same
 * shape: enter the debugger's call (a device with debugger state only),
 * the checked work, the debugger's hook, one trace_emit() with what the call
 * returned or the error that refused it, leave the call.
 *
 * Sites: every entry point takes its caller's return address, and a call
 * the library makes on the caller's behalf (dma_map_single through the page
 * path, dma_unmap_sgtable through the list's) passes it on, so that reports
 * name the driver's line, not the library's.
 */
#include "dma/coherent.h"
#include "dma/debug.h"
#include "dma/device.h"
#include "mm/fail.h"
#include "dma/dma-iommu.h"
#include "dma/trace.h"
#include "mm/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CALLER()	__builtin_return_address(0)

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

/*
 * Memory a streaming map refuses, said as the kernel's debug_dma_map_single()
 * and check_for_stack() say it: where the address points.
 */
static void report_bad_memory(struct device *dev, const void *ptr, size_t size, const char *fn)
{
	struct dmamap_machine *m = dev->machine;
	const char *what = "host memory outside the machine (the C heap, static data?)";
	pthread_attr_t attr;
	void *stack;
	size_t stack_size;

	if (mm_is_cookie(m, ptr))
		what = "a DMA_ATTR_NO_KERNEL_MAPPING cookie, which has no CPU mapping";
	else if (mm_in_vmalloc(m, ptr))
		what = "in the kernel VA window (vmalloc or a coherent buffer's CPU mapping)";
	else if (!pthread_getattr_np(pthread_self(), &attr)) {
		if (!pthread_attr_getstack(&attr, &stack, &stack_size) &&
		    (const u8 *)ptr >= (u8 *)stack && (const u8 *)ptr < (u8 *)stack + stack_size)
			what = "on the stack";
		pthread_attr_destroy(&attr);
	}
	mm_debug_report(NULL, dev, DMAMAP_DEBUG_BAD_MEMORY, (dma_addr_t)(uintptr_t)ptr, size, NULL,
			NULL, "%s: %p is not in the linear map: %s; refused", fn, ptr, what);
}

/* --- coherent allocations ------------------------------------------------------ */

static void *alloc_checked(struct device *dev, size_t size, dma_addr_t *dma_handle,
			   gfp_t flag, unsigned long attrs, int *err)
{
	const struct dma_map_ops *ops;
	void *ret;

	*err = -EINVAL;
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
	*err = -ENOMEM;
	if (!ops->alloc)
		return NULL;
	/* let the implementation decide on the zone to allocate from */
	flag &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	ret = ops->alloc(dev, size, dma_handle, flag, attrs);
	if (ret)
		*err = 0;
	return ret;
}

DMAMAP_API void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				 gfp_t flag, unsigned long attrs)
{
	const void *site = CALLER();
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int err;
	void *ret = alloc_checked(dev, size, dma_handle, flag, attrs, &err);

	if (ret && debug_dma_on(dev))
		debug_dma_alloc_coherent(dev, size, *dma_handle, ret, attrs, site);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_alloc", dma_handle ? *dma_handle : 0, size,
			   DMA_BIDIRECTIONAL, err, t0);
	debug_call_exit(outer);
	return ret;
}

/* 0, or -EINVAL when the call was refused (by the checks or the backend). */
static int free_checked(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle,
			unsigned long attrs, const void *site)
{
	const struct dma_map_ops *ops;

	if (!dev)
		return -EINVAL;
	if (!cpu_addr)
		return 0;	/* as the kernel: freeing NULL does nothing */
	if (debug_dma_on(dev) &&
	    !debug_dma_free_coherent(dev, size, cpu_addr, dma_handle, attrs, site))
		return -EINVAL;
	ops = ops_of(dev);
	if (!ops->free)
		return 0;
	dma_free_refused = false;
	ops->free(dev, size, cpu_addr, dma_handle, attrs);
	return dma_free_refused ? -EINVAL : 0;
}

DMAMAP_API void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr,
			       dma_addr_t dma_handle, unsigned long attrs)
{
	const void *site = CALLER();
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int err = free_checked(dev, size, cpu_addr, dma_handle, attrs, site);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_free", dma_handle, size, DMA_BIDIRECTIONAL,
			   err, t0);
	debug_call_exit(outer);
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

DMAMAP_API int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	const void *site = CALLER();
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int ret = mmap_checked(dev, vma, cpu_addr, dma_addr, size, attrs);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_mmap", dma_addr, size, DMA_BIDIRECTIONAL,
			   ret, t0);
	debug_call_exit(outer);
	return ret;
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

DMAMAP_API int dma_get_sgtable_attrs(struct device *dev, struct sg_table *sgt, void *cpu_addr,
				     dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	const void *site = CALLER();
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int ret = get_sgtable_checked(dev, sgt, cpu_addr, dma_addr, size, attrs);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_get_sgtable", dma_addr, size,
			   DMA_BIDIRECTIONAL, ret, t0);
	debug_call_exit(outer);
	return ret;
}

/* --- streaming mappings of one buffer -------------------------------------------- */

static dma_addr_t map_page_checked(struct device *dev, struct page *page, size_t offset,
				   size_t size, enum dma_data_direction dir, unsigned long attrs,
				   int *err)
{
	dma_addr_t ret;

	*err = -EINVAL;
	if (!dev || !page)
		return DMA_MAPPING_ERROR;
	if (!check_dir(dev, dir, "dma_map_page"))
		return DMA_MAPPING_ERROR;
	if (!dev->dma_mask || !size || offset + size < size) {
		dma_report_misuse(dev, "dma_map_page: size %zu at offset %zu", size, offset);
		return DMA_MAPPING_ERROR;
	}
	if (!mm_is_page_of(dev->machine, page)) {
		mm_debug_report(NULL, dev, DMAMAP_DEBUG_BAD_MEMORY, 0, size, NULL, NULL,
				"dma_map_page: %p is not a page of this machine; refused",
				(void *)page);
		return DMA_MAPPING_ERROR;
	}
	*err = -ENOMEM;
	if (!ops_of(dev)->map_page)
		return DMA_MAPPING_ERROR;
	ret = ops_of(dev)->map_page(dev, page, offset, size, dir, attrs);
	if (ret != DMA_MAPPING_ERROR)
		*err = 0;
	return ret;
}

/* dma_map_page_attrs() and dma_map_single_attrs(), which the debugger tells apart. */
static dma_addr_t map_page_entry(struct device *dev, struct page *page, size_t offset,
				 size_t size, enum dma_data_direction dir, unsigned long attrs,
				 enum debug_dma_type type, const void *site)
{
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int err;
	dma_addr_t ret = map_page_checked(dev, page, offset, size, dir, attrs, &err);

	if (!err && debug_dma_on(dev))
		debug_dma_map_page(dev, page, offset, size, dir, attrs, ret, type, site);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_map_page", ret, size, dir, err, t0);
	debug_call_exit(outer);
	return ret;
}

DMAMAP_API dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset,
					 size_t size, enum dma_data_direction dir,
					 unsigned long attrs)
{
	return map_page_entry(dev, page, offset, size, dir, attrs, DEBUG_DMA_PAGE, CALLER());
}

DMAMAP_API dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
					   enum dma_data_direction dir, unsigned long attrs)
{
	const void *site = CALLER();
	struct page *page;
	bool outer;
	u64 t0;

	if (!dev || !ptr)
		return DMA_MAPPING_ERROR;
	/* only the linear map can be mapped: not the VA window, not a cookie */
	page = dmamap_virt_to_page(dev->machine, ptr);
	if (page)
		return map_page_entry(dev, page, (unsigned long)ptr & (PAGE_SIZE - 1), size, dir,
				      attrs, DEBUG_DMA_SINGLE, site);
	outer = debug_call_enter(dev, &site);
	t0 = trace_on(dev) ? trace_now() : 0;
	report_bad_memory(dev, ptr, size, "dma_map_single");
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_map_page", DMA_MAPPING_ERROR, size, dir,
			   -EINVAL, t0);
	debug_call_exit(outer);
	return DMA_MAPPING_ERROR;
}

/* 0, or -EINVAL when refused. */
static int unmap_page_checked(struct device *dev, dma_addr_t addr, size_t size,
			      enum dma_data_direction dir, unsigned long attrs,
			      enum debug_dma_type type, const void *site)
{
	const char *fn = type == DEBUG_DMA_SINGLE ? "dma_unmap_single" : "dma_unmap_page";

	if (!dev || !check_dir(dev, dir, fn))
		return -EINVAL;
	if (debug_own_on(dev))
		debug_own_single(dev, addr, size, DEBUG_OWN_TAKE, fn, site);
	if (debug_dma_on(dev) && !debug_dma_unmap_page(dev, addr, size, dir, type, fn, site))
		return -EINVAL;
	if (addr == DMA_MAPPING_ERROR || !size) {
		dma_report_misuse(dev, "%s: %s", fn, !size ? "size 0" : "DMA_MAPPING_ERROR");
		return -EINVAL;
	}
	if (ops_of(dev)->unmap_page)
		ops_of(dev)->unmap_page(dev, addr, size, dir, attrs);
	return 0;
}

static void unmap_page_entry(struct device *dev, dma_addr_t addr, size_t size,
			     enum dma_data_direction dir, unsigned long attrs,
			     enum debug_dma_type type, const void *site)
{
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int err = unmap_page_checked(dev, addr, size, dir, attrs, type, site);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_unmap_page", addr, size, dir, err, t0);
	debug_call_exit(outer);
}

DMAMAP_API void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
				     enum dma_data_direction dir, unsigned long attrs)
{
	unmap_page_entry(dev, addr, size, dir, attrs, DEBUG_DMA_PAGE, CALLER());
}

DMAMAP_API void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs)
{
	unmap_page_entry(dev, addr, size, dir, attrs, DEBUG_DMA_SINGLE, CALLER());
}

DMAMAP_API int dma_mapping_error(struct device *dev, dma_addr_t dma_addr)
{
	if (dev && debug_dma_on(dev))
		debug_dma_mapping_error(dev, dma_addr);
	return dma_addr == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

/* --- scatterlists ------------------------------------------------------------------ */

/* Entries mapped (> 0), or a negative errno: -EINVAL, -ENOMEM, -EIO, -EREMOTEIO. */
static int map_sg_checked(struct device *dev, struct scatterlist *sg, int nents,
			  enum dma_data_direction dir, unsigned long attrs, const char *fn)
{
	int ents;

	if (!dev || !sg)
		return -EINVAL;
	if (!check_dir(dev, dir, fn))
		return -EINVAL;
	if (nents <= 0 || !dev->dma_mask) {
		dma_report_misuse(dev, "%s: %d entries", fn, nents);
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

/* dma_map_sg_attrs() and dma_map_sgtable(): what the backend returned. */
static int map_sg_entry(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs, const char *fn,
			const void *site)
{
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int ret = map_sg_checked(dev, sg, nents, dir, attrs, fn);

	if (ret > 0 && debug_dma_on(dev))
		debug_dma_map_sg(dev, sg, nents, ret, dir, attrs, site);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, fn, ret > 0 ? sg_dma_address(sg) : 0,
			   sg_bytes(sg, nents), dir, ret, t0);
	debug_call_exit(outer);
	return ret;
}

DMAMAP_API unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
					 enum dma_data_direction dir, unsigned long attrs)
{
	int ret = map_sg_entry(dev, sg, nents, dir, attrs, "dma_map_sg", CALLER());

	return ret < 0 ? 0 : (unsigned int)ret;
}

DMAMAP_API int dma_map_sgtable(struct device *dev, struct sg_table *sgt,
			       enum dma_data_direction dir, unsigned long attrs)
{
	int nents;

	if (!sgt || !sgt->sgl || sgt->orig_nents > INT_MAX)
		return -EINVAL;
	nents = map_sg_entry(dev, sgt->sgl, (int)sgt->orig_nents, dir, attrs, "dma_map_sgtable",
			     CALLER());
	if (nents < 0)
		return nents;
	sgt->nents = (unsigned int)nents;
	return 0;
}

static int unmap_sg_checked(struct device *dev, struct scatterlist *sg, int nents,
			    enum dma_data_direction dir, unsigned long attrs, const void *site)
{
	if (!dev || !sg || !check_dir(dev, dir, "dma_unmap_sg"))
		return -EINVAL;
	if (nents <= 0) {
		dma_report_misuse(dev, "dma_unmap_sg: %d entries", nents);
		return -EINVAL;
	}
	if (debug_own_on(dev))
		debug_own_sg(dev, sg, DEBUG_OWN_TAKE, "dma_unmap_sg", site);
	if (debug_dma_on(dev) && !debug_dma_unmap_sg(dev, sg, nents, dir, "dma_unmap_sg", site))
		return -EINVAL;
	if (ops_of(dev)->unmap_sg)
		ops_of(dev)->unmap_sg(dev, sg, nents, dir, attrs);
	return 0;
}

/* dma_unmap_sg_attrs() and dma_unmap_sgtable(), traced by their names as their maps are. */
static void unmap_sg_entry(struct device *dev, struct scatterlist *sg, int nents,
			   enum dma_data_direction dir, unsigned long attrs, const char *fn,
			   const void *site)
{
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	/* before the backend, which may clear the list's DMA fields */
	dma_addr_t addr = sg ? sg_dma_address(sg) : 0;
	int err = unmap_sg_checked(dev, sg, nents, dir, attrs, site);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, fn, addr, sg_bytes(sg, nents), dir,
			   err, t0);
	debug_call_exit(outer);
}

DMAMAP_API void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
				   enum dma_data_direction dir, unsigned long attrs)
{
	unmap_sg_entry(dev, sg, nents, dir, attrs, "dma_unmap_sg", CALLER());
}

DMAMAP_API void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				  enum dma_data_direction dir, unsigned long attrs)
{
	if (!sgt || sgt->orig_nents > INT_MAX)
		return;
	unmap_sg_entry(dev, sgt->sgl, (int)sgt->orig_nents, dir, attrs, "dma_unmap_sgtable",
		       CALLER());
}

/* --- syncs ------------------------------------------------------------------------------ */

static int sync_single_checked(struct device *dev, dma_addr_t addr, size_t size,
			       enum dma_data_direction dir, bool for_cpu, const void *site)
{
	const struct dma_map_ops *ops;

	if (!dev || !check_dir(dev, dir, for_cpu ? "dma_sync_single_for_cpu" :
					     "dma_sync_single_for_device"))
		return -EINVAL;
	if (!size)
		return 0;
	if (debug_dma_on(dev) && !debug_dma_sync_single(dev, addr, size, dir, for_cpu, site))
		return -EINVAL;
	if (debug_own_on(dev))
		debug_own_single(dev, addr, size, for_cpu ? DEBUG_OWN_TAKE : DEBUG_OWN_CHECK,
				 for_cpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device",
				 site);
	ops = ops_of(dev);
	if (for_cpu && ops->sync_single_for_cpu)
		ops->sync_single_for_cpu(dev, addr, size, dir);
	else if (!for_cpu && ops->sync_single_for_device)
		ops->sync_single_for_device(dev, addr, size, dir);
	/* after the maintenance, which may change what the CPU sees */
	if (!for_cpu && debug_own_on(dev))
		debug_own_single(dev, addr, size, DEBUG_OWN_GIVE, NULL, site);
	return 0;
}

static void sync_single_entry(struct device *dev, dma_addr_t addr, size_t size,
			      enum dma_data_direction dir, bool for_cpu, const void *site)
{
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int err = sync_single_checked(dev, addr, size, dir, for_cpu, site);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, for_cpu ? "dma_sync_single_for_cpu" :
			   "dma_sync_single_for_device", addr, size, dir, err, t0);
	debug_call_exit(outer);
}

DMAMAP_API void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
					enum dma_data_direction dir)
{
	sync_single_entry(dev, addr, size, dir, true, CALLER());
}

DMAMAP_API void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					   enum dma_data_direction dir)
{
	sync_single_entry(dev, addr, size, dir, false, CALLER());
}

static int sync_sg_checked(struct device *dev, struct scatterlist *sg, int nelems,
			   enum dma_data_direction dir, bool for_cpu, const void *site)
{
	const struct dma_map_ops *ops;

	if (!dev || !sg || nelems <= 0 ||
	    !check_dir(dev, dir, for_cpu ? "dma_sync_sg_for_cpu" : "dma_sync_sg_for_device"))
		return -EINVAL;
	if (debug_dma_on(dev) && !debug_dma_sync_sg(dev, sg, nelems, dir, for_cpu, site))
		return -EINVAL;
	if (debug_own_on(dev))
		debug_own_sg(dev, sg, for_cpu ? DEBUG_OWN_TAKE : DEBUG_OWN_CHECK,
			     for_cpu ? "dma_sync_sg_for_cpu" : "dma_sync_sg_for_device", site);
	ops = ops_of(dev);
	if (for_cpu && ops->sync_sg_for_cpu)
		ops->sync_sg_for_cpu(dev, sg, nelems, dir);
	else if (!for_cpu && ops->sync_sg_for_device)
		ops->sync_sg_for_device(dev, sg, nelems, dir);
	if (!for_cpu && debug_own_on(dev))
		debug_own_sg(dev, sg, DEBUG_OWN_GIVE, NULL, site);
	return 0;
}

static void sync_sg_entry(struct device *dev, struct scatterlist *sg, int nelems,
			  enum dma_data_direction dir, bool for_cpu, const void *site)
{
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int err = sync_sg_checked(dev, sg, nelems, dir, for_cpu, site);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, for_cpu ? "dma_sync_sg_for_cpu" :
			   "dma_sync_sg_for_device", sg ? sg_dma_address(sg) : 0,
			   sg_bytes(sg, nelems), dir, err, t0);
	debug_call_exit(outer);
}

DMAMAP_API void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems,
				    enum dma_data_direction dir)
{
	sync_sg_entry(dev, sg, nelems, dir, true, CALLER());
}

DMAMAP_API void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems,
				       enum dma_data_direction dir)
{
	sync_sg_entry(dev, sg, nelems, dir, false, CALLER());
}

/* --- non-contiguous allocations ------------------------------------------------ */

/*
 * Direct devices get one contiguous entry, as alloc_single_sgt(): pages under
 * the DMA mask, zeroed, owned by the device until dma_sync_sgtable_for_cpu().
 */
static struct sg_table *alloc_single_sgt(struct device *dev, size_t size,
					 enum dma_data_direction dir, gfp_t gfp)
{
	struct sg_table *sgt = mm_kzalloc(dev->machine, sizeof(*sgt));
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
	/* a snooping device's buffer: its vmap (the linear map) and mmap must agree */
	if (dev->dma_coherent && mm_cache_share(dev->machine, page_to_phys(page), PAGE_ALIGN(size)))
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

static struct sg_table *alloc_noncontiguous_checked(struct device *dev, size_t size,
						   enum dma_data_direction dir, gfp_t gfp,
						   unsigned long attrs, int *err)
{
	const struct dma_map_ops *ops;
	struct sg_table *sgt;

	*err = -EINVAL;
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
	*err = sgt ? 0 : -ENOMEM;
	if (sgt)
		sgt->nents = 1;
	return sgt;
}

DMAMAP_API struct sg_table *dma_alloc_noncontiguous(struct device *dev, size_t size,
						    enum dma_data_direction dir, gfp_t gfp,
						    unsigned long attrs)
{
	const void *site = CALLER();
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	int err;
	struct sg_table *sgt = alloc_noncontiguous_checked(dev, size, dir, gfp, attrs, &err);

	if (sgt && debug_dma_on(dev))
		debug_dma_alloc_noncontiguous(dev, sgt, size, dir, site);
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_alloc_sgt",
			   sgt ? sg_dma_address(sgt->sgl) : 0, size, dir, err, t0);
	debug_call_exit(outer);
	return sgt;
}

static int free_noncontiguous_checked(struct device *dev, size_t size, struct sg_table *sgt,
				      enum dma_data_direction dir, const void *site)
{
	const struct dma_map_ops *ops;

	if (!dev || !sgt || !sgt->sgl)
		return -EINVAL;
	if (debug_dma_on(dev) && !debug_dma_free_noncontiguous(dev, sgt, size, dir, site))
		return -EINVAL;
	ops = ops_of(dev);
	if (ops->free_noncontiguous) {
		dma_free_refused = false;
		ops->free_noncontiguous(dev, size, sgt, dir);
		return dma_free_refused ? -EINVAL : 0;
	}
	/* the entry holds the buffer's length: another size would free other pages, or leak */
	if (!size || PAGE_ALIGN(size) != sgt->sgl->length) {
		dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, sgt->sgl->dma_address, size,
			   "dma_free_noncontiguous: size %zu, allocated with %u; refused", size,
			   sgt->sgl->length);
		return -EINVAL;
	}
	if (dev->dma_coherent)
		mm_cache_unshare(dev->machine, sg_phys(sgt->sgl), sgt->sgl->length);
	mm_free_pages_checked(dev->machine, sg_page(sgt->sgl), get_order(size));
	sg_free_table(sgt);
	free(sgt);
	return 0;
}

DMAMAP_API void dma_free_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt,
				       enum dma_data_direction dir)
{
	const void *site = CALLER();
	bool outer = debug_call_enter(dev, &site);
	u64 t0 = trace_on(dev) ? trace_now() : 0;
	/* before the free, which frees the table */
	dma_addr_t addr = sgt && sgt->sgl ? sg_dma_address(sgt->sgl) : 0;
	int err = free_noncontiguous_checked(dev, size, sgt, dir, site);

	if (t0)
		trace_emit(dev, DMAMAP_TRACE_DMA, "dma_free_sgt", addr, size, dir, err, t0);
	debug_call_exit(outer);
}

/*
 * Does a table of dma_alloc_noncontiguous() hold @size bytes of pages? A
 * larger size would map the pages after the allocation (reported).
 */
static bool noncontig_holds(struct device *dev, struct sg_table *sgt, size_t size,
			    const char *fn)
{
	size_t held = ops_of(dev) == &iommu_dma_ops ?
		      (size_t)dma_iommu_sgt_nr_pages(sgt) << PAGE_SHIFT : sgt->sgl->length;

	if (PAGE_ALIGN(size) <= held && PAGE_ALIGN(size) >= size)
		return true;
	dma_report_misuse(dev, "%s: size %zu, the allocation holds %#zx bytes; refused", fn,
			  size, held);
	return false;
}

DMAMAP_API void *dma_vmap_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt)
{
	unsigned int count = (unsigned int)(PAGE_ALIGN(size) >> PAGE_SHIFT);

	if (!dev || !sgt || !sgt->sgl || !size)
		return NULL;
	if (!noncontig_holds(dev, sgt, size, "dma_vmap_noncontiguous"))
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
	if (!noncontig_holds(dev, sgt, size, "dma_mmap_noncontiguous"))
		return -ENXIO;
	if (vma->vm_pgoff >= count || vma_pages(vma) > count - vma->vm_pgoff)
		return -ENXIO;
	if (ops_of(dev) == &iommu_dma_ops)
		return mm_vma_map_pages(vma, 0, dma_iommu_sgt_pages(sgt) + vma->vm_pgoff,
					(unsigned int)vma_pages(vma));
	return mm_vma_map_phys(vma, 0, page_to_phys(sg_page(sgt->sgl)) +
				       (vma->vm_pgoff << PAGE_SHIFT), vma_pages(vma) << PAGE_SHIFT);
}
