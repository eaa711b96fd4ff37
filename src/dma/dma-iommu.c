// SPDX-License-Identifier: MIT
/*
 * The IOMMU DMA backend: the seed's ARM iommu_ops, with today's iommu_dma_*
 * rules, for devices attached to an IOMMU_DOMAIN_DMA domain.
 *
 * Coherent allocations gather pages largest order first, falling back order
 * by order down to single pages, and make them contiguous in IOVA space
 * (one size-aligned IOVA range under the coherent mask). The CPU mapping is
 * built in the kernel VA window, one host mapping per physically contiguous
 * run, unless DMA_ATTR_NO_KERNEL_MAPPING asks for none: then the caller gets a
 * cookie and the VA window is not touched (the seed's patch 2/3). Streaming
 * mappings get IOMMU permissions from their direction, so a device writing
 * into a TO_DEVICE buffer faults.
 */
#include "dma/coherent.h"
#include "mm/fail.h"
#include "dma/dma-iommu.h"
#include "iommu/iommu.h"

#include <stdlib.h>
#include <string.h>

static inline struct dmamap_iommu_domain *dev_domain(struct device *dev)
{
	return to_dmamap_domain(dev->domain);
}

/*
 * The physical address of @page + @offset when @page is a page of @m and
 * [that, +@len) is RAM of one bank; (phys_addr_t)-1 otherwise. What
 * mm_page_machine(), page_to_phys() and mm_phys_is_ram() together tell, with
 * no registry lookup; the bank of the previous entry (*@hint) is tried first.
 */
static inline phys_addr_t page_phys_checked(const struct dmamap_machine *m,
					    const struct page *page, unsigned int offset,
					    unsigned int len, const struct mm_bank **hint)
{
	const struct mm_bank *b = *hint;
	phys_addr_t phys;

	/*
	 * The usual case in one test: a frame of the hinted bank (the bank's
	 * frames are a stretch of @m's page array) with the whole range inside
	 * that bank. Anything else takes the general way below.
	 */
	if (likely(b)) {
		unsigned long byte = (unsigned long)page - (unsigned long)(m->pages + b->first);

		if (byte < b->nr_pages * sizeof(*page) && byte % sizeof(*page) == 0) {
			u64 at = ((u64)(byte / sizeof(*page)) << PAGE_SHIFT) + offset;

			if (at < b->size && len <= b->size - at)
				return b->base + at;
		}
	}
	phys = mm_page_phys_hint(m, page, hint);
	if (phys == (phys_addr_t)-1)
		return phys;
	phys += offset;
	/* past the bank: what the bank holding that address says */
	return mm_phys_is_ram_hint(m, phys, len, hint) ? phys : (phys_addr_t)-1;
}

/* As dma_info_to_prot(). */
static int dma_info_to_prot(enum dma_data_direction dir, bool coherent, unsigned long attrs)
{
	int prot = coherent ? IOMMU_CACHE : 0;

	if (attrs & DMA_ATTR_PRIVILEGED)
		prot |= IOMMU_PRIV;
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return prot | IOMMU_READ | IOMMU_WRITE;
	case DMA_TO_DEVICE:
		return prot | IOMMU_READ;
	case DMA_FROM_DEVICE:
		return prot | IOMMU_WRITE;
	default:
		return 0;
	}
}

/*
 * Can @size bytes of pages ever be had on this machine? A larger request
 * fails here, before a page array for it is asked of the host.
 */
static bool size_fits(const struct device *dev, size_t size)
{
	return size && size <= ((size_t)dev->machine->nr_pages << PAGE_SHIFT) &&
	       PAGE_ALIGN(size) >> PAGE_SHIFT <= UINT_MAX;
}

/*
 * An IOVA range of @size bytes (granule aligned) below @dma_limit and the
 * aperture, size-aligned by the allocator; 0 when the space is exhausted.
 */
static dma_addr_t iommu_dma_alloc_iova(struct device *dev, size_t size, u64 dma_limit)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	unsigned long pages = size >> PAGE_SHIFT, pfn;

	/* the aperture, or less: what the allocator holds (its end is never passed to it) */
	dma_limit = min_t(u64, dma_reach_limit(dev, dma_limit), d->dma_limit);
	if (mm_should_fail(DMAMAP_FAIL_IOVA, d->machine))
		return 0;
	pfn = alloc_iova_fast(d->iovad, pages, (unsigned long)(dma_limit >> PAGE_SHIFT), true);
	if (!pfn)
		return 0;
	/*
	 * Counted as the allocator holds the range (rounded), so that what a
	 * free or the domain's end gives back is what was counted here.
	 */
	mm_count(d->machine, iova_pages_used, iova_range_size(d->iovad, pfn));
	return (dma_addr_t)pfn << PAGE_SHIFT;
}

/* Straight back to the allocator: the range was never mapped. */
static void iommu_dma_free_iova_now(struct device *dev, dma_addr_t iova, size_t size)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	unsigned long pfn = (unsigned long)(iova >> PAGE_SHIFT);
	unsigned long held = iova_range_size(d->iovad, pfn);

	free_iova_fast(d->iovad, pfn, size >> PAGE_SHIFT);
	mm_count(d->machine, iova_pages_used, -(u64)held);
}

/*
 * Takes back a range this backend mapped (the first @mapped bytes of it)
 * but never handed out, whatever the flush mode: unmapped, the IOTLBs
 * invalidated and the IOVA freed now, so that a call that fails leaves
 * nothing behind, not even an invalidation queued in a lazy domain.
 */
static void iommu_dma_undo_range(struct device *dev, dma_addr_t iova, size_t mapped, size_t size)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);

	if (mapped)
		io_pgtable_unmap(d->pgtbl, (unsigned long)iova, mapped);
	iommu_invalidate_now(d);
	iommu_dma_free_iova_now(dev, iova, size);
}

/* Is anything mapped at @iova? (Physical address 0 may be RAM: the walk tells.) */
static bool iova_mapped(struct dmamap_iommu_domain *d, unsigned long iova)
{
	struct io_pgtable_walk_result r;

	return io_pgtable_walk(d->pgtbl, iova, &r) == 0;
}

/*
 * What a driver hands back to unmap (@dma_addr, @size) must be one whole
 * mapping of this backend: the start of an IOVA range, and exactly the
 * pages mapped from there (every mapping is one run from the start of its
 * range). Anything else would unmap part of a mapping and free IOVA still
 * mapped, to be handed out again over live entries, or unmap another
 * mapping's pages. The kernel does either (dma-debug reports it); here it
 * is reported and refused, nothing changed. Returns 0 or -EINVAL.
 */
static int iommu_dma_check_unmap(struct device *dev, dma_addr_t dma_addr, size_t size,
				 const char *fn)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	size_t iova_off = dma_addr & (PAGE_SIZE - 1);
	unsigned long iova = (unsigned long)(dma_addr - iova_off), pages, range;

	if (dma_addr > d->domain.geometry.aperture_end || !iova_mapped(d, iova)) {
		dma_report(dev, DMAMAP_DEBUG_UNKNOWN_ADDR, dma_addr, size,
			   "%s: IOVA %#llx is not mapped (unmapped already?); refused", fn,
			   (unsigned long long)dma_addr);
		return -EINVAL;
	}
	range = iova_range_size(d->iovad, iova >> PAGE_SHIFT);
	if (!range) {
		dma_report(dev, DMAMAP_DEBUG_UNKNOWN_ADDR, dma_addr, size,
			   "%s: IOVA %#llx is inside a mapping, not its start; refused", fn,
			   (unsigned long long)dma_addr);
		return -EINVAL;
	}
	pages = size > (range << PAGE_SHIFT) ? range + 1 : PAGE_ALIGN(size + iova_off) >> PAGE_SHIFT;
	if (!size || pages > range || !iova_mapped(d, iova + ((pages - 1) << PAGE_SHIFT)) ||
	    (pages < range && iova_mapped(d, iova + (pages << PAGE_SHIFT)))) {
		dma_report(dev, DMAMAP_DEBUG_WRONG_SIZE, dma_addr, size,
			   "%s: %zu bytes at IOVA %#llx is not the size that was mapped; refused",
			   fn, size, (unsigned long long)dma_addr);
		return -EINVAL;
	}
	return 0;
}

/*
 * Unmaps [dma_addr, dma_addr+size), one whole mapping, and frees its IOVA
 * range: now (strict) or at the flush (lazy).
 */
static void iommu_dma_unmap_range(struct device *dev, dma_addr_t dma_addr, size_t size)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	size_t iova_off = dma_addr & (PAGE_SIZE - 1);
	unsigned long pfn;
	size_t unmapped;

	dma_addr -= iova_off;
	size = PAGE_ALIGN(size + iova_off);
	pfn = (unsigned long)(dma_addr >> PAGE_SHIFT);
	/* blocks go whole, as __iommu_dma_unmap() unmaps with the largest page sizes */
	unmapped = io_pgtable_unmap(d->pgtbl, (unsigned long)dma_addr, size);
	/* only iommu_unmap() on the DMA domain behind our back can leave a hole */
	if (unmapped != size)
		dma_report_misuse(dev, "unmap of IOVA %#llx+%#zx: only %#zx bytes were mapped",
				  (unsigned long long)dma_addr, size, unmapped);
	iommu_queue_flush(d, (unsigned long)dma_addr, size, pfn, iova_range_size(d->iovad, pfn));
}

/* As __iommu_dma_map(): a physically contiguous range in one fresh IOVA range. */
static dma_addr_t iommu_dma_map_phys(struct device *dev, phys_addr_t phys, size_t size, int prot,
				     u64 dma_mask)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	size_t iova_off = phys & (PAGE_SIZE - 1);
	dma_addr_t iova;

	size = PAGE_ALIGN(size + iova_off);
	iova = iommu_dma_alloc_iova(dev, size, dma_mask);
	if (!iova)
		return DMA_MAPPING_ERROR;
	if (io_pgtable_map(d->pgtbl, (unsigned long)iova, phys - iova_off, size, prot)) {
		iommu_dma_undo_range(dev, iova, 0, size);
		return DMA_MAPPING_ERROR;
	}
	return iova + iova_off;
}

/* --- pages ------------------------------------------------------------------- */

/* Where the run of physically contiguous frames from @cur ends (at most @max frames). */
static unsigned int chunk_end(const struct dmamap_machine *m, struct page **pages,
			      unsigned int count, unsigned int cur, size_t max)
{
	phys_addr_t next = mm_gidx_phys(m, mm_page_gidx(m, pages[cur])) + PAGE_SIZE;
	unsigned int j;

	for (j = cur + 1; j < count && j - cur < max; j++, next += PAGE_SIZE)
		if (mm_gidx_phys(m, mm_page_gidx(m, pages[j])) != next)
			break;
	return j;
}

/* Makes an order-n block n independently freeable frames, as split_page(). */
static void split_block(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++)
		smp_store_release(&page[i].flags, PG_head);
}

static void free_page_array(struct dmamap_machine *m, struct page **pages, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		mm_free_pages_checked(m, pages[i], 0);
	free(pages);
}

/*
 * @count frames, gathered largest order first, falling back order by order
 * down to single pages (the seed's __iommu_alloc_buffer); @max_order caps the
 * orders tried (0 for DMA_ATTR_ALLOC_SINGLE_PAGES).
 */
static struct page **alloc_page_array(struct dmamap_machine *m, unsigned int count,
				      unsigned int max_order)
{
	struct page **pages = mm_kcalloc(m, count, sizeof(*pages));
	unsigned int i = 0;

	if (!pages)
		return NULL;
	while (i < count) {
		unsigned int order = min(max_order, fls64(count - i) - 1);
		struct page *page = NULL;

		for (;; order--) {
			page = mm_alloc_pages_capped(m, GFP_KERNEL, order, ~(phys_addr_t)0);
			if (page || !order)
				break;
		}
		if (!page) {
			free_page_array(m, pages, i);
			return NULL;
		}
		split_block(page, order);
		for (unsigned long j = 0; j < (1UL << order); j++)
			pages[i++] = page + j;
	}
	return pages;
}

/* Zeroed in memory, linear alias dropped: one call per physically contiguous run. */
static void prep_page_array(struct dmamap_machine *m, struct page **pages, unsigned int count)
{
	unsigned int i = 0;

	while (i < count) {
		unsigned int j = i + 1;

		while (j < count && pages[j] == pages[j - 1] + 1)
			j++;
		mm_prep_dma_pages(m, pages[i], j - i);
		i = j;
	}
}

/* Maps the pages at consecutive IOVAs, each contiguous run in one go. All or nothing. */
static int map_page_array(struct dmamap_iommu_domain *d, dma_addr_t iova, struct page **pages,
			  unsigned int count, int prot)
{
	unsigned int i = 0;
	int ret = 0;

	while (i < count) {
		unsigned int j = i + 1;

		while (j < count && page_to_phys(pages[j]) == page_to_phys(pages[j - 1]) + PAGE_SIZE)
			j++;
		ret = io_pgtable_map(d->pgtbl, (unsigned long)iova + ((unsigned long)i << PAGE_SHIFT),
				     page_to_phys(pages[i]), (size_t)(j - i) << PAGE_SHIFT, prot);
		if (ret)
			break;
		i = j;
	}
	if (ret && i)
		io_pgtable_unmap(d->pgtbl, (unsigned long)iova, (size_t)i << PAGE_SHIFT);
	return ret;
}

/*
 * The pages of a non-contiguous buffer, mapped BIDIRECTIONAL-ish (per
 * @prot) at one IOVA range under the coherent mask. As
 * __iommu_dma_alloc_noncontiguous().
 */
static struct page **alloc_noncontig(struct device *dev, size_t size, int prot, unsigned long attrs,
				     dma_addr_t *iova_out, bool prep)
{
	struct dmamap_machine *m = dev->machine;
	struct dmamap_iommu_domain *d = dev_domain(dev);
	unsigned int count = (unsigned int)(PAGE_ALIGN(size) >> PAGE_SHIFT);
	unsigned int max_order = MAX_PAGE_ORDER;
	struct page **pages;
	dma_addr_t iova;

	if (attrs & DMA_ATTR_ALLOC_SINGLE_PAGES)
		max_order = 0;
	pages = alloc_page_array(m, count, max_order);
	if (!pages)
		return NULL;
	iova = iommu_dma_alloc_iova(dev, (size_t)count << PAGE_SHIFT, dev->coherent_dma_mask);
	if (!iova)
		goto out_free_pages;
	if (prep)
		prep_page_array(m, pages, count);
	if (map_page_array(d, iova, pages, count, prot))
		goto out_free_iova;
	*iova_out = iova;
	return pages;

out_free_iova:
	iommu_dma_undo_range(dev, iova, 0, (size_t)count << PAGE_SHIFT);
out_free_pages:
	free_page_array(m, pages, count);
	return NULL;
}

/* --- coherent allocations ----------------------------------------------------- */

static void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp,
			     unsigned long attrs)
{
	struct dmamap_machine *m = dev->machine;
	bool coherent = dev->dma_coherent;
	int ioprot = dma_info_to_prot(DMA_BIDIRECTIONAL, coherent, attrs);
	size_t alloc_size = PAGE_ALIGN(size);
	unsigned int count = (unsigned int)(alloc_size >> PAGE_SHIFT);
	struct dma_alloc *a;

	if (!size_fits(dev, size))
		goto out_fail;
	a = mm_kzalloc(m, sizeof(*a));
	if (!a)
		return NULL;
	a->dev = dev;
	a->size = size;
	a->attrs = attrs;
	a->nr_pages = count;

	if (!gfpflags_allow_blocking(gfp) && !coherent && !(attrs & DMA_ATTR_NO_KERNEL_MAPPING)) {
		/* may not sleep: uncached memory from the atomic pool */
		a->cpu_addr = dma_alloc_from_pool(dev, size, &a->phys);
		if (!a->cpu_addr)
			goto out_free;
		a->dma = iommu_dma_map_phys(dev, a->phys, size, ioprot, dev->coherent_dma_mask);
		if (a->dma == DMA_MAPPING_ERROR) {
			dma_free_from_pool(m, a->cpu_addr, size);
			goto out_free;
		}
		a->kind = DMA_ALLOC_POOL;
		goto done;
	}

	if (attrs & DMA_ATTR_FORCE_CONTIGUOUS) {
		/*
		 * One physically contiguous block, as dma_alloc_contiguous() takes
		 * from CMA, which arm64 places below 4 GiB by default: so that
		 * devices without an IOMMU can reach it too.
		 */
		struct page *page = mm_alloc_pages_capped(m, GFP_DMA32, get_order(alloc_size),
							  ~(phys_addr_t)0);

		if (!page)
			goto out_free;
		split_block(page, get_order(alloc_size));
		/* frames beyond the size go straight back */
		for (unsigned long i = count; i < (1UL << get_order(alloc_size)); i++)
			mm_free_pages_checked(m, page + i, 0);
		a->pages = mm_kcalloc(m, count, sizeof(*a->pages));
		if (!a->pages) {
			for (unsigned int i = 0; i < count; i++)
				mm_free_pages_checked(m, page + i, 0);
			goto out_free;
		}
		for (unsigned int i = 0; i < count; i++)
			a->pages[i] = page + i;
		if (!(attrs & DMA_ATTR_NO_KERNEL_MAPPING))
			mm_prep_dma_pages(m, page, count);
		a->phys = page_to_phys(page);
		a->dma = iommu_dma_map_phys(dev, a->phys, alloc_size, ioprot, dev->coherent_dma_mask);
		if (a->dma == DMA_MAPPING_ERROR)
			goto out_pages;
	} else {
		a->pages = alloc_noncontig(dev, size, ioprot, attrs, &a->dma,
					   !(attrs & DMA_ATTR_NO_KERNEL_MAPPING));
		if (!a->pages)
			goto out_free;
		a->phys = page_to_phys(a->pages[0]);
	}

	if (attrs & DMA_ATTR_NO_KERNEL_MAPPING) {
		/* the seed: no CPU mapping; the cookie leads back to the pages */
		a->cpu_addr = mm_cookie_alloc(m, a);
		if (!a->cpu_addr)
			goto out_unmap;
		a->kind = DMA_ALLOC_COOKIE;
		dma_alloc_defer_prep(a);
	} else {
		a->area = mm_vm_area_alloc(m, alloc_size);
		if (!a->area)
			goto out_unmap;
		if (mm_vm_area_map_pages(m, a->area, 0, a->pages, count)) {
			mm_vm_area_free(m, a->area);
			goto out_unmap;
		}
		a->area->pages = a->pages;
		a->area->nr_pages = count;
		a->area->prot = dma_pgprot(dev, DMAMAP_PGPROT_NORMAL, attrs);
		a->area->owner = a;
		a->cpu_addr = (void *)a->area->addr;
		a->kind = DMA_ALLOC_REMAP;
	}
done:
	dma_alloc_insert(a);
	*handle = a->dma;
	return a->cpu_addr;

out_unmap:
	iommu_dma_undo_range(dev, a->dma, alloc_size, alloc_size);
out_pages:
	free_page_array(m, a->pages, count);
	a->pages = NULL;
out_free:
	free(a->pages);
	free(a);
out_fail:
	dma_alloc_failed(dev, size, gfp, attrs);
	return NULL;
}

static void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle,
			   unsigned long attrs)
{
	struct dmamap_machine *m = dev->machine;
	/* the seed's __iommu_get_pages(): the record behind the address, checked */
	struct dma_alloc *a = dma_alloc_take(dev, cpu_addr, handle, size, attrs);

	if (!a)
		return;
	iommu_dma_unmap_range(dev, a->dma, PAGE_ALIGN(a->size));
	switch (a->kind) {
	case DMA_ALLOC_POOL:
		dma_free_from_pool(m, a->cpu_addr, a->size);
		break;
	case DMA_ALLOC_COOKIE:
		dma_alloc_undefer(a);
		mm_cookie_free(m, a->cpu_addr);
		free_page_array(m, a->pages, a->nr_pages);
		break;
	case DMA_ALLOC_REMAP:
		mm_vm_area_free(m, a->area);
		free_page_array(m, a->pages, a->nr_pages);
		break;
	case DMA_ALLOC_LINEAR:
		break;
	}
	free(a);
}

static int iommu_dma_mmap(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			  dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	unsigned long nr_pages = PAGE_ALIGN(size) >> PAGE_SHIFT, off = vma->vm_pgoff;
	struct dma_alloc *a = dma_alloc_lookup(dev, cpu_addr, dma_addr, attrs, "dma_mmap_attrs");

	if (!a || size > PAGE_ALIGN(a->size))
		return -ENXIO;
	dma_alloc_prep(a);
	vma->vm_page_prot = dma_pgprot(dev, vma->vm_page_prot, attrs);
	if (off >= nr_pages || vma_pages(vma) > nr_pages - off)
		return -ENXIO;
	if (a->kind == DMA_ALLOC_POOL)
		return mm_vma_map_phys(vma, 0, a->phys + (off << PAGE_SHIFT),
				       vma_pages(vma) << PAGE_SHIFT);
	/* page run by page run */
	return mm_vma_map_pages(vma, 0, a->pages + off, (unsigned int)vma_pages(vma));
}

/*
 * What sg_alloc_table_from_pages(@sgt, @pages, @count, 0, @size) makes of
 * frames of @m (physically contiguous ones share an entry, of at most
 * UINT_MAX rounded down to pages; the last entry cut to @size), with each
 * frame's address found from the machine's banks.
 */
static int table_from_pages(struct dmamap_machine *m, struct sg_table *sgt, struct page **pages,
			    unsigned int count, size_t size)
{
	const size_t max_pages = ALIGN_DOWN(UINT_MAX, PAGE_SIZE) >> PAGE_SHIFT;
	unsigned int chunks = 0, i = 0, ends[64];	/* the first chunks' ends, kept */
	struct scatterlist *s;
	int ret;

	if (!count || !size || size > ((size_t)count << PAGE_SHIFT)) {
		memset(sgt, 0, sizeof(*sgt));
		return -EINVAL;
	}
	for (unsigned int j = 0; j < count; chunks++) {
		j = chunk_end(m, pages, count, j, max_pages);
		if (chunks < ARRAY_SIZE(ends))
			ends[chunks] = j;
	}
	ret = sg_alloc_table(sgt, chunks, GFP_KERNEL);
	if (ret)
		return ret;
	chunks = 0;
	for (s = sgt->sgl; i < count && s; s = sg_next(s), chunks++) {
		unsigned int j = chunks < ARRAY_SIZE(ends) ?
				 ends[chunks] : chunk_end(m, pages, count, i, max_pages);
		size_t len = min(size, (size_t)(j - i) << PAGE_SHIFT);

		sg_set_page(s, pages[i], (unsigned int)len, 0);
		size -= len;
		i = j;
	}
	return 0;
}

static int iommu_dma_get_sgtable(struct device *dev, struct sg_table *sgt, void *cpu_addr,
				 dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	struct dma_alloc *a = dma_alloc_lookup(dev, cpu_addr, dma_addr, attrs, "dma_get_sgtable");
	int ret;

	if (!a)
		return -ENXIO;
	if (size > PAGE_ALIGN(a->size))
		return -EINVAL;
	dma_alloc_prep(a);
	if (a->kind == DMA_ALLOC_POOL) {
		ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
		if (!ret)
			sg_set_page(sgt->sgl, dmamap_pfn_to_page(dev->machine, PHYS_PFN(a->phys)),
				    (unsigned int)PAGE_ALIGN(size), 0);
		return ret;
	}
	/* physically contiguous pages coalesce: the seed's arm_iommu_get_sgtable() */
	return table_from_pages(dev->machine, sgt, a->pages,
				(unsigned int)(PAGE_ALIGN(size) >> PAGE_SHIFT), size);
}

/* --- streaming mappings ----------------------------------------------------------- */

static dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page, unsigned long offset,
				     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t phys = page_to_phys(page) + offset;
	int prot = dma_info_to_prot(dir, dev->dma_coherent, attrs);
	dma_addr_t dma;

	if (!mm_phys_is_ram(dev->machine, phys, size)) {
		dma_report_misuse(dev, "dma_map_page: %#llx+%zu runs past the end of its RAM bank",
				  (unsigned long long)phys, size);
		return DMA_MAPPING_ERROR;
	}
	dma = iommu_dma_map_phys(dev, phys, size, prot, *dev->dma_mask);
	/* once mapped: a refused map leaves the CPU's caches as they were */
	if (dma != DMA_MAPPING_ERROR && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_sync_for_device_phys(dev, phys, size, dir);
	else if (dma != DMA_MAPPING_ERROR)
		dma_map_nosync_phys(dev, phys, size, dir);
	return dma;
}

dma_addr_t iommu_dma_map_resource(struct device *dev, phys_addr_t phys, size_t size,
				  enum dma_data_direction dir, unsigned long attrs)
{
	/* not memory: no cache attributes, no sync */
	return iommu_dma_map_phys(dev, phys, size, dma_info_to_prot(dir, false, attrs) | IOMMU_MMIO,
				  *dev->dma_mask);
}

void iommu_dma_unmap_resource(struct device *dev, dma_addr_t handle, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	if (iommu_dma_check_unmap(dev, handle, size, "dma_unmap_resource"))
		return;
	iommu_dma_unmap_range(dev, handle, size);
}

static void iommu_dma_unmap_page(struct device *dev, dma_addr_t handle, size_t size,
				 enum dma_data_direction dir, unsigned long attrs)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	phys_addr_t phys;

	if (iommu_dma_check_unmap(dev, handle, size, "dma_unmap_page"))
		return;
	phys = d->pgtbl->iova_to_phys(d->pgtbl, (unsigned long)handle);
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_sync_for_cpu_phys(dev, phys, size, dir);
	dma_unmap_forget_phys(dev, phys, size);
	iommu_dma_unmap_range(dev, handle, size);
}

/* Each sync works on the pages behind the IOVAs, run by run. */
static void sync_iova(struct device *dev, dma_addr_t handle, size_t size,
		      enum dma_data_direction dir, bool for_cpu)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	size_t done = 0;

	while (done < size) {
		unsigned long iova = (unsigned long)(handle + done);
		phys_addr_t phys = d->pgtbl->iova_to_phys(d->pgtbl, iova);
		size_t n = min(size - done, PAGE_SIZE - (iova & (PAGE_SIZE - 1)));

		if (!phys) {
			dma_report_misuse(dev, "dma_sync: IOVA %#lx is not mapped", iova);
			return;
		}
		if (for_cpu)
			dma_sync_for_cpu_phys(dev, phys, n, dir);
		else
			dma_sync_range_for_device_phys(dev, phys, n, dir);
		done += n;
	}
}

static void iommu_dma_sync_single_for_cpu(struct device *dev, dma_addr_t handle, size_t size,
					  enum dma_data_direction dir)
{
	if (!dev->dma_coherent)
		sync_iova(dev, handle, size, dir, true);
}

static void iommu_dma_sync_single_for_device(struct device *dev, dma_addr_t handle, size_t size,
					     enum dma_data_direction dir)
{
	if (!dev->dma_coherent)
		sync_iova(dev, handle, size, dir, false);
}

static void iommu_dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl, int nelems,
				      enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	if (dev->dma_coherent)
		return;
	for_each_sg(sgl, sg, nelems, i) {
		if (dma_sg_past_end(dev, sg, nelems, i, "dma_sync_sg_for_cpu"))
			return;
		dma_sync_for_cpu_phys(dev, sg_phys(sg), sg->length, dir);
	}
}

static void iommu_dma_sync_sg_for_device(struct device *dev, struct scatterlist *sgl, int nelems,
					 enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	if (dev->dma_coherent)
		return;
	for_each_sg(sgl, sg, nelems, i) {
		if (dma_sg_past_end(dev, sg, nelems, i, "dma_sync_sg_for_device"))
			return;
		dma_sync_for_device_phys(dev, sg_phys(sg), sg->length, dir);
	}
}

/*
 * The DMA-segment layout of a mapped list, as __finalise_sg(), built one
 * entry at a time as the entries are mapped. A segment joins the previous
 * DMA segment only if it starts on a granule, the join does not fall on a
 * segment boundary, and the result stays within the maximum segment size;
 * a segment that does not end on a granule closes its DMA segment.
 */
struct sg_layout {
	struct scatterlist *cur;	/* the DMA segment being built */
	unsigned int cur_len;
	unsigned int max_len;
	unsigned long seg_mask;
	int count;
};

/*
 * Entry @s (the @i-th), whose IOVA range of @s_iova_len bytes (granules,
 * with any padding) starts at @dma_addr, into the layout.
 */
static inline void layout_add(struct sg_layout *l, struct scatterlist *s, int i,
			      dma_addr_t dma_addr, unsigned int s_iova_len)
{
	unsigned int s_iova_off = s->offset & (PAGE_SIZE - 1);
	unsigned int s_length = s->length;

	sg_dma_address(s) = DMA_MAPPING_ERROR;
	sg_dma_len(s) = 0;
	if (l->cur_len && !s_iova_off && (dma_addr & l->seg_mask) &&
	    l->max_len - l->cur_len >= s_length) {
		l->cur_len += s_length;
	} else {
		if (i > 0)
			l->cur = sg_next(l->cur);
		l->cur_len = s_length;
		l->count++;
		sg_dma_address(l->cur) = dma_addr + s_iova_off;
	}
	sg_dma_len(l->cur) = l->cur_len;
	if (s_length + s_iova_off < s_iova_len)
		l->cur_len = 0;
}

/* The DMA fields of a list whose map failed: nothing mapped. */
static void invalidate_sg(struct scatterlist *sgl, int nents)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i) {
		sg_dma_address(s) = DMA_MAPPING_ERROR;
		sg_dma_len(s) = 0;
	}
}

/* What a map of one entry needs: the granule its range starts in, the IOVA length. */
struct sg_plan {
	phys_addr_t phys;
	unsigned int iova_len;
};

#define SG_PLAN_ON_STACK	256

/*
 * As iommu_dma_map_sg(): every entry is checked first, so a bad entry fails
 * the call with nothing changed; then each entry is aligned to granules and
 * the one IOVA range sized. The kernel writes the alignment into the list
 * and undoes it in __finalise_sg(); here it is planned aside (@plan), so
 * the list keeps its CPU fields throughout and each entry is laid out into
 * DMA segments as soon as it is mapped, in one walk. A map failing part
 * way takes back what it mapped, and the list's DMA fields say "not
 * mapped", as the kernel leaves them.
 */
static int iommu_dma_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
			    enum dma_data_direction dir, unsigned long attrs)
{
	struct dmamap_iommu_domain *d = dev_domain(dev);
	int prot = dma_info_to_prot(dir, dev->dma_coherent, attrs);
	unsigned long mask = dma_get_seg_boundary(dev);
	struct sg_layout l = {
		.cur = sgl, .max_len = dma_get_max_seg_size(dev), .seg_mask = mask,
	};
	struct sg_plan plan_small[SG_PLAN_ON_STACK], *plan = plan_small;
	const struct mm_bank *hint = NULL;
	struct io_pgtable_cursor cur = { 0 };
	size_t iova_len = 0, mapped = 0;
	struct scatterlist *s;
	dma_addr_t iova;
	int i, ret;

	if (nents > SG_PLAN_ON_STACK) {
		plan = mm_kmalloc_host(dev->machine, (size_t)nents * sizeof(*plan));
		if (!plan)
			return -ENOMEM;
	}
	/*
	 * Each entry checked and aligned to granules. Because the range will be
	 * aligned to its (power-of-two rounded) size, a boundary mask smaller
	 * than the range means the range starts on a boundary: padding a segment
	 * up to the next boundary keeps every later one from straddling one.
	 */
	for_each_sg(sgl, s, nents, i) {
		unsigned int s_iova_off;
		size_t s_length, pad_len = (mask - iova_len + 1) & mask;
		phys_addr_t p;

		if (!s || !sg_page(s) || !s->length) {
			dma_map_sg_refuse(dev, s, nents, i);
			goto out_inval;
		}
		s_iova_off = s->offset & (PAGE_SIZE - 1);
		p = page_phys_checked(dev->machine, sg_page(s), s->offset, s->length, &hint);
		if (p == (phys_addr_t)-1) {
			dma_report(dev, DMAMAP_DEBUG_BAD_MEMORY, 0, s->length,
				   "dma_map_sg: entry %d (%u bytes at offset %u) is not RAM of this "
				   "machine; refused", i, s->length, s->offset);
			goto out_inval;
		}
		plan[i].phys = p - s_iova_off;
		s_length = PAGE_ALIGN((size_t)s->length + s_iova_off);
		plan[i].iova_len = (unsigned int)s_length;
		if (pad_len && pad_len < s_length - 1) {
			plan[i - 1].iova_len += (unsigned int)pad_len;
			iova_len += pad_len;
		}
		iova_len += s_length;
	}
	iova = iommu_dma_alloc_iova(dev, iova_len, *dev->dma_mask);
	if (!iova) {
		ret = -ENOMEM;
		goto out_invalidate;
	}
	for_each_sg(sgl, s, nents, i) {
		ret = io_pgtable_map_cursor(d->pgtbl, &cur, (unsigned long)(iova + mapped),
					    plan[i].phys, plan[i].iova_len, prot);
		if (ret)
			goto out_unmap;
		layout_add(&l, s, i, iova + mapped, plan[i].iova_len);
		mapped += plan[i].iova_len;
	}
	/* once nothing can fail: a refused map leaves the CPU's caches as they were */
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		iommu_dma_sync_sg_for_device(dev, sgl, nents, dir);
	else
		for_each_sg(sgl, s, nents, i)
			dma_map_nosync_phys(dev, sg_phys(s), s->length, dir);
	if (plan != plan_small)
		free(plan);
	return l.count;

out_unmap:
	iommu_dma_undo_range(dev, iova, mapped, iova_len);
out_invalidate:
	invalidate_sg(sgl, nents);
	if (plan != plan_small)
		free(plan);
	return ret == -ENOMEM ? -ENOMEM : -EINVAL;

out_inval:
	if (plan != plan_small)
		free(plan);
	return -EINVAL;
}

static void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents,
			       enum dma_data_direction dir, unsigned long attrs)
{
	u64 cpu_len = 0, dma_len = 0;
	dma_addr_t end = 0, start;
	bool in_segments = true;
	struct scatterlist *tmp;
	int i;

	/*
	 * Checked before anything changes. The DMA segments lead the list and
	 * hold the bytes of every entry the map was given, so they must add up
	 * to the bytes of the @nents entries: an unmap with fewer entries than
	 * the map (whose first segment may well hold them all) is refused, not
	 * taken for the whole list. Their range must be one whole mapping.
	 */
	for_each_sg(sgl, tmp, nents, i) {
		if (dma_sg_past_end(dev, tmp, nents, i, "dma_unmap_sg"))
			return;
		cpu_len += tmp->length;
		if (in_segments && sg_dma_len(tmp) && sg_dma_address(tmp) != DMA_MAPPING_ERROR) {
			dma_len += sg_dma_len(tmp);
			end = sg_dma_address(tmp) + sg_dma_len(tmp);
		} else {
			in_segments = false;
		}
	}
	if (!dma_len) {
		dma_report(dev, DMAMAP_DEBUG_UNKNOWN_ADDR, sg_dma_address(sgl), 0,
			   "dma_unmap_sg: the list is not mapped");
		return;
	}
	if (dma_len != cpu_len) {
		dma_report(dev, DMAMAP_DEBUG_WRONG_NENTS, sg_dma_address(sgl), (size_t)cpu_len,
			   "dma_unmap_sg: %d entries hold %llu bytes, the list's DMA segments %llu "
			   "(not the entry count given to dma_map_sg?); refused", nents,
			   (unsigned long long)cpu_len, (unsigned long long)dma_len);
		return;
	}
	start = sg_dma_address(sgl);
	if (iommu_dma_check_unmap(dev, start, (size_t)(end - start), "dma_unmap_sg"))
		return;

	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		iommu_dma_sync_sg_for_cpu(dev, sgl, nents, dir);
	if (!dev->dma_coherent) {
		/* a coherent device's pages have nothing to forget */
		for_each_sg(sgl, tmp, nents, i)
			dma_unmap_forget_phys(dev, sg_phys(tmp), tmp->length);
	}
	/*
	 * Every entry after the segments already says "not mapped" (the map's
	 * layout wrote so): only the segments are marked unmapped.
	 */
	for_each_sg(sgl, tmp, nents, i) {
		if (sg_dma_len(tmp) == 0)
			break;
		sg_dma_address(tmp) = DMA_MAPPING_ERROR;
		sg_dma_len(tmp) = 0;
	}
	iommu_dma_unmap_range(dev, start, (size_t)(end - start));
}

/* --- non-contiguous allocations ---------------------------------------------- */

struct dma_sgt_handle {
	struct sg_table sgt;
	struct page **pages;
	unsigned int nr_pages;
	void *vaddr;			/* dma_vmap_noncontiguous(), or NULL */
};

static struct sg_table *iommu_dma_alloc_noncontiguous(struct device *dev, size_t size,
						      enum dma_data_direction dir, gfp_t gfp,
						      unsigned long attrs)
{
	int prot = dma_info_to_prot(DMA_BIDIRECTIONAL, dev->dma_coherent, attrs);
	unsigned int count = (unsigned int)(PAGE_ALIGN(size) >> PAGE_SHIFT);
	struct dma_sgt_handle *sh;
	dma_addr_t iova;

	/* the first entry's DMA length holds the whole buffer */
	if (!size_fits(dev, size) || PAGE_ALIGN(size) > ALIGN_DOWN(UINT_MAX, PAGE_SIZE))
		return NULL;
	sh = mm_kzalloc(dev->machine, sizeof(*sh));
	if (!sh)
		return NULL;
	sh->nr_pages = count;
	sh->pages = alloc_noncontig(dev, size, prot, attrs, &iova, true);
	if (!sh->pages)
		goto out_free;
	if (sg_alloc_table_from_pages(&sh->sgt, sh->pages, count, 0, PAGE_ALIGN(size), GFP_KERNEL))
		goto out_unmap;
	sh->sgt.sgl->dma_address = iova;
	sh->sgt.sgl->dma_length = (unsigned int)PAGE_ALIGN(size);
	return &sh->sgt;

out_unmap:
	iommu_dma_undo_range(dev, iova, PAGE_ALIGN(size), PAGE_ALIGN(size));
	free_page_array(dev->machine, sh->pages, count);
out_free:
	free(sh);
	return NULL;
}

static void iommu_dma_free_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt,
					 enum dma_data_direction dir)
{
	struct dma_sgt_handle *sh = container_of(sgt, struct dma_sgt_handle, sgt);

	/* the size decides how many pages go back: another one would free what is not ours */
	if (size > ((size_t)sh->nr_pages << PAGE_SHIFT) ||
	    PAGE_ALIGN(size) >> PAGE_SHIFT != sh->nr_pages) {
		dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, sgt->sgl->dma_address, size,
			   "dma_free_noncontiguous: size %zu, allocated with %#zx bytes of pages; "
			   "refused", size, (size_t)sh->nr_pages << PAGE_SHIFT);
		dma_free_refused = true;
		return;
	}
	iommu_dma_unmap_range(dev, sgt->sgl->dma_address, PAGE_ALIGN(size));
	if (sh->vaddr)
		mm_vunmap(dev->machine, sh->vaddr);
	free_page_array(dev->machine, sh->pages, sh->nr_pages);
	sg_free_table(&sh->sgt);
	free(sh);
}

struct page **dma_iommu_sgt_pages(struct sg_table *sgt)
{
	return container_of(sgt, struct dma_sgt_handle, sgt)->pages;
}

unsigned int dma_iommu_sgt_nr_pages(struct sg_table *sgt)
{
	return container_of(sgt, struct dma_sgt_handle, sgt)->nr_pages;
}

const struct dma_map_ops iommu_dma_ops = {
	.alloc			= iommu_dma_alloc,
	.free			= iommu_dma_free,
	.alloc_noncontiguous	= iommu_dma_alloc_noncontiguous,
	.free_noncontiguous	= iommu_dma_free_noncontiguous,
	.mmap			= iommu_dma_mmap,
	.get_sgtable		= iommu_dma_get_sgtable,
	.map_page		= iommu_dma_map_page,
	.unmap_page		= iommu_dma_unmap_page,
	.map_sg			= iommu_dma_map_sg,
	.unmap_sg		= iommu_dma_unmap_sg,
	.sync_single_for_cpu	= iommu_dma_sync_single_for_cpu,
	.sync_single_for_device	= iommu_dma_sync_single_for_device,
	.sync_sg_for_cpu	= iommu_dma_sync_sg_for_cpu,
	.sync_sg_for_device	= iommu_dma_sync_sg_for_device,
	/* dma_supported: any mask, the IOVA allocator keeps below it */
};
