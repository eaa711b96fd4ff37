/* SPDX-License-Identifier: MIT */
/*
 * What the backends share for coherent allocations: the record of each one
 * (so free, mmap and get_sgtable can check what the driver passes back), the
 * atomic coherent pool, and the cache maintenance of streaming DMA.
 */
#ifndef DMAMAP_SRC_DMA_COHERENT_H
#define DMAMAP_SRC_DMA_COHERENT_H

#include "dma/device.h"
#include "mm/vmalloc.h"

enum dma_alloc_kind {
	DMA_ALLOC_LINEAR,	/* coherent device: the linear map */
	DMA_ALLOC_REMAP,	/* an uncached (or vmap) mapping in the VA window */
	DMA_ALLOC_POOL,		/* the atomic coherent pool */
	DMA_ALLOC_COOKIE,	/* DMA_ATTR_NO_KERNEL_MAPPING: no CPU mapping */
};

struct dma_alloc {
	struct device *dev;
	dma_addr_t dma;
	void *cpu_addr;			/* what dma_alloc_attrs() returned */
	size_t size;			/* as asked */
	unsigned long attrs;
	enum dma_alloc_kind kind;
	phys_addr_t phys;		/* contiguous buffers: the first byte */
	struct page **pages;		/* IOMMU buffers: one per page */
	unsigned int nr_pages;
	struct mm_vm_area *area;	/* DMA_ALLOC_REMAP */
	void *priv;			/* the backend's */
	u32 prep_state;			/* (atomic) DMA_PREP_* */
	u64 seq;			/* the machine's allocations numbered in order */
	struct dma_alloc *next;		/* private: hash chain */
};

enum {
	DMA_PREP_DONE,
	DMA_PREP_PENDING,
	DMA_PREP_RUNNING,
};

/* Per-machine setup of the DMA layer: records, atomic pool, swiotlb. */
int dma_machine_init(struct dmamap_machine *m);
void dma_machine_exit(struct dmamap_machine *m);
void dma_machine_stats(struct dmamap_machine *m, struct dmamap_stats *out);

int dma_alloc_insert(struct dma_alloc *a);
/* The record of @dev's allocation at @dma, or NULL. */
struct dma_alloc *dma_alloc_find(struct device *dev, dma_addr_t dma);

/*
 * dma_free_attrs(): the record at @dma, checked as dma_alloc_check() does and
 * unlinked in one step, so that two frees of one buffer cannot both win.
 * NULL (reported, nothing changed) when there is none or it does not match.
 */
struct dma_alloc *dma_alloc_take(struct device *dev, void *cpu_addr, dma_addr_t dma, size_t size,
				 unsigned long attrs);
/*
 * mmap and get_sgtable: the record behind (@cpu_addr, @dma), whose
 * DMA_ATTR_NO_KERNEL_MAPPING must match; NULL (reported) otherwise.
 */
struct dma_alloc *dma_alloc_lookup(struct device *dev, void *cpu_addr, dma_addr_t dma,
				   unsigned long attrs, const char *fn);
/*
 * Calls @fn for each live coherent allocation of @m, under the records'
 * lock: @fn copies what it needs and calls nothing that takes it.
 */
void dma_alloc_for_each(struct dmamap_machine *m, void (*fn)(const struct dma_alloc *a, void *arg),
			void *arg);
/*
 * Set by dma_alloc_take() and the backends' free_noncontiguous when they
 * refuse: how the entry points learn that ops->free (which returns nothing,
 * as the kernel's) refused the call, for the trace.
 */
extern __thread bool dma_free_refused __attribute__((tls_model("initial-exec")));
/* Reports a failed coherent allocation unless the caller asked for silence. */
void dma_alloc_failed(struct device *dev, size_t size, gfp_t gfp, unsigned long attrs);

/*
 * A DMA_ATTR_NO_KERNEL_MAPPING buffer has no CPU mapping, so nothing can see
 * its contents until it is mmapped, described with dma_get_sgtable(), or
 * touched by a device. Its zeroing and the cleaning of its linear alias (what
 * mm_prep_dma_pages() does) wait for the first of these, and never happen
 * for a buffer freed unseen: the result is the same as doing them at
 * allocation, without the cost.
 *
 * dma_alloc_defer_prep() marks the buffer's frames; dma_alloc_prep() does the
 * work if it is still pending (every exposure calls it); dma_alloc_undefer()
 * drops the marks of a buffer being freed; dma_prep_pending_range() is the
 * bus master's check before it touches memory.
 */
void dma_alloc_defer_prep(struct dma_alloc *a);
void dma_alloc_prep(struct dma_alloc *a);
void dma_alloc_undefer(struct dma_alloc *a);
void dma_prep_pending_range(struct dmamap_machine *m, phys_addr_t phys, size_t len);

/*
 * dma_map_sg() meets an entry it cannot map: @sg is the @i-th of @nents, or
 * NULL when the list ended before. Reported (the map then fails with
 * -EINVAL): the kernel would dereference NULL for the first two cases and
 * map a zero-length entry, which has no DMA address to give.
 */
void dma_map_sg_refuse(struct device *dev, struct scatterlist *sg, int nents, int i);
/*
 * An unmap or sync of a mapped list whose @nelems runs past its end (@sg,
 * the @i-th, is NULL): true, reported, and the caller stops there; the
 * kernel would dereference NULL.
 */
static inline bool dma_sg_past_end(struct device *dev, struct scatterlist *sg, int nelems, int i,
				   const char *fn)
{
	if (likely(sg))
		return false;
	dma_report(dev, DMAMAP_DEBUG_WRONG_NENTS, 0, 0, "%s: %d entries, the list ends after %d",
		   fn, nelems, i);
	return true;
}

/* Attributes that must match between alloc and free. */
#define DMA_ALLOC_ATTRS_MATCH \
	(DMA_ATTR_NO_KERNEL_MAPPING | DMA_ATTR_WRITE_COMBINE | DMA_ATTR_FORCE_CONTIGUOUS | \
	 DMA_ATTR_ALLOC_SINGLE_PAGES | DMA_ATTR_PRIVILEGED)

/* The page protection a non-coherent device's CPU mapping gets (dma_pgprot). */
unsigned long dma_pgprot(struct device *dev, unsigned long prot, unsigned long attrs);

/* Atomic pool: uncached memory for allocations that may not sleep. */
void *dma_alloc_from_pool(struct device *dev, size_t size, phys_addr_t *phys);
void dma_free_from_pool(struct dmamap_machine *m, void *vaddr, size_t size);
bool dma_in_pool(struct dmamap_machine *m, const void *vaddr);

/*
 * Cache maintenance of streaming DMA for a non-coherent device, as ARM's
 * arch_sync_dma_for_device/for_cpu: to the device, FROM_DEVICE invalidates
 * and anything else cleans, then FROM_DEVICE and BIDIRECTIONAL mappings are
 * primed (the CPU may prefetch them while the device owns them); back to the
 * CPU, anything but TO_DEVICE invalidates. Coherent devices: nothing.
 */
void dma_sync_for_device_phys(struct device *dev, phys_addr_t phys, size_t size,
			      enum dma_data_direction dir);
/* The same for dma_sync_single_for_device(): part of a mapping, which it does not track. */
void dma_sync_range_for_device_phys(struct device *dev, phys_addr_t phys, size_t size,
				    enum dma_data_direction dir);
void dma_sync_for_cpu_phys(struct device *dev, phys_addr_t phys, size_t size,
			   enum dma_data_direction dir);
/* A mapping made with DMA_ATTR_SKIP_CPU_SYNC: what a later sync for the CPU must judge by. */
void dma_map_nosync_phys(struct device *dev, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir);
/* The mapping is gone: drop what the cache model kept for it. */
void dma_unmap_forget_phys(struct device *dev, phys_addr_t phys, size_t size);

#endif
