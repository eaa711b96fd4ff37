/* SPDX-License-Identifier: MIT */
/* The IOMMU core as the library's other modules see it. */
#ifndef DMAMAP_SRC_IOMMU_IOMMU_H
#define DMAMAP_SRC_IOMMU_IOMMU_H

#include <dmamap/iommu.h>

#include "dma/device.h"
#include "iommu/io-pgtable.h"
#include "iommu/iova.h"

#define IOMMU_FQ_SIZE		256	/* lazy mode: queued invalidations before a forced flush */

struct iommu_fq_entry {
	unsigned long iova;
	size_t size;
	unsigned long iova_pfn;		/* IOVA to give back after the flush; 0: none */
	unsigned long iova_pages;
};

struct dmamap_iommu_domain {
	struct iommu_domain domain;
	struct dmamap_machine *machine;		/* read-only */
	struct dmamap_iommu_config cfg;		/* read-only, defaults filled in */
	struct io_pgtable_ops *pgtbl;		/* NULL for IDENTITY; its own atomics */
	struct iova_domain *iovad;		/* DMA domains only; own locking */
	u64 gen;				/* IOTLB generation (atomic): a flush bumps it */
	u64 pending;				/* queued invalidations (atomic) */
	u64 inval_seq;				/* (atomic) strict invalidations begun */
	u64 table_pages;			/* (atomic) */
	struct io_pgtable_window windows[DMAMAP_MAX_BANKS];
	struct io_pgtable_walker walker;	/* read-only; for the bus translation's walks */

	pthread_mutex_t lock;			/* guards everything below */
	struct list_head devices;		/* attached devices (struct dmamap_iotlb.node) */
	iommu_fault_handler_t handler;
	void *handler_token;
	struct dmamap_iommu_fault log[DMAMAP_IOMMU_FAULT_LOG];
	u64 nr_faults;
	struct iommu_fq_entry fq[IOMMU_FQ_SIZE];
	unsigned int fq_len;
};

static inline struct dmamap_iommu_domain *to_dmamap_domain(struct iommu_domain *d)
{
	return container_of(d, struct dmamap_iommu_domain, domain);
}

/* One cached translation; written under its seqcount (see iotlb.c). */
struct iotlb_entry {
	u64 seq;
	u64 tag;	/* iova page number + 1; 0: empty */
	u64 gen;	/* the domain generation it was filled in */
	u64 val;	/* physical page address | permission bits */
};

struct dmamap_iotlb {
	struct device *dev;
	struct dmamap_iommu_domain *domain;
	unsigned int nr;			/* power of two */
	struct iotlb_entry *e;
	struct list_head node;			/* domain->devices, under domain->lock */
};

#define IOTLB_R			(1ULL << 0)
#define IOTLB_W			(1ULL << 1)
#define IOTLB_RAM		(1ULL << 2)	/* the page is RAM (banks are whole pages) */

static inline bool iotlb_lookup(struct dmamap_iotlb *t, u64 gen, unsigned long pfn, u64 *val)
{
	struct iotlb_entry *e = &t->e[pfn & (t->nr - 1)];
	u64 s1, s2, tag, egen;

	/* acquire loads: none of them can pass the second read of seq */
	s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	tag = __atomic_load_n(&e->tag, __ATOMIC_ACQUIRE);
	egen = __atomic_load_n(&e->gen, __ATOMIC_ACQUIRE);
	*val = __atomic_load_n(&e->val, __ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
	/*
	 * One test for all: not being written (even), not written meanwhile,
	 * the page, the generation. *val means nothing on a miss.
	 */
	return !((s1 & 1) | (s1 ^ s2) | (tag ^ (pfn + 1)) | (egen ^ gen));
}

/* One past the last byte of the RAM bank holding @phys, or 0 when it is not RAM. */
static inline phys_addr_t iommu_ram_end(const struct dmamap_machine *m, phys_addr_t phys)
{
	const struct mm_bank *b = mm_phys_bank(m, phys, 1);

	return b ? b->base + b->size : 0;
}

/*
 * A translated run starting at @phys, cut at the end of its RAM bank: its
 * length, or -EFAULT with a bus fault in @f when @phys is not RAM.
 */
static inline long iommu_ram_clip(const struct dmamap_machine *m, phys_addr_t phys, size_t len,
				  bool write, struct dmamap_fault *f)
{
	phys_addr_t end = iommu_ram_end(m, phys);

	if (unlikely(!end)) {
		f->flags = write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
		f->reason = DMAMAP_FAULT_BUS;
		return -EFAULT;
	}
	return (long)min_t(u64, len, end - phys);
}

/*
 * The general case of iommu_bus_translate(): page by page, from @run bytes
 * into the access (found at *@phys when @run is not 0).
 */
long iommu_bus_translate_slow(struct device *dev, dma_addr_t dma, size_t len, bool write,
			      phys_addr_t *phys, struct dmamap_fault *f, u64 *hits, u64 *misses,
			      size_t run);

/*
 * iommu_bus_translate() when the first page missed the IOTLB, in generation
 * @gen (read before the lookup): the walk and the fill, and the rest of the
 * access through the general loop.
 */
long iommu_bus_translate_miss(struct device *dev, dma_addr_t dma, size_t len, bool write,
			      phys_addr_t *phys, struct dmamap_fault *f, u64 *hits, u64 *misses,
			      u64 gen);

/*
 * Bus translation through the device's domain (see bus/bus.h for the
 * contract: @f is written only on failure). Inline for the common case: the first page hits the IOTLB
 * with the access allowed and nothing queued for invalidation; the rest of
 * a longer access, and everything else, goes through the general loop.
 */
static inline long iommu_bus_translate(struct device *dev, dma_addr_t dma, size_t len, bool write,
				       phys_addr_t *phys, struct dmamap_fault *f, u64 *hits,
				       u64 *misses)
{
	struct dmamap_iotlb *t = dev->iotlb;
	struct dmamap_iommu_domain *d = t->domain;
	unsigned long iova = (unsigned long)dma;
	size_t run = PAGE_SIZE - (iova & (PAGE_SIZE - 1));
	u64 gen, val;

	gen = __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE);
	if (unlikely(dma > d->domain.geometry.aperture_end))
		return iommu_bus_translate_slow(dev, dma, len, write, phys, f, hits, misses, 0);
	if (unlikely(!iotlb_lookup(t, gen, iova >> PAGE_SHIFT, &val)))
		return iommu_bus_translate_miss(dev, dma, len, write, phys, f, hits, misses, gen);
	if (unlikely(!(val & (write ? IOTLB_W : IOTLB_R)) ||
		     __atomic_load_n(&d->pending, __ATOMIC_ACQUIRE)))
		return iommu_bus_translate_slow(dev, dma, len, write, phys, f, hits, misses, 0);
	(*hits)++;
	*phys = (val & PAGE_MASK) + (iova & (PAGE_SIZE - 1));
	/* within the page, which is RAM: no bank to look for */
	if (likely(len <= run) && likely(val & IOTLB_RAM))
		return (long)len;
	if (run < len) {
		/*
		 * The next page, as the general loop would look at it: when it
		 * hits and is not contiguous, the run ends with this page; when
		 * it hits and is, the loop goes on after it.
		 */
		u64 next;

		if (dma + run > d->domain.geometry.aperture_end ||
		    !iotlb_lookup(t, __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE),
				  (iova >> PAGE_SHIFT) + 1, &next) ||
		    !(next & (write ? IOTLB_W : IOTLB_R)) ||
		    __atomic_load_n(&d->pending, __ATOMIC_ACQUIRE))
			return iommu_bus_translate_slow(dev, dma, len, write, phys, f, hits, misses,
							run);
		(*hits)++;
		if ((next & PAGE_MASK) != (val & PAGE_MASK) + PAGE_SIZE) {
			len = run;
		} else {
			run += min_t(size_t, PAGE_SIZE, len - run);
			if (run < len)
				return iommu_bus_translate_slow(dev, dma, len, write, phys, f, hits,
								misses, run);
		}
	}
	/* the RAM bank ends the run too */
	return iommu_ram_clip(d->machine, *phys, len, write, f);
}

/* The hooks of the IOMMU DMA backend (src/dma/dma-iommu.c). */
const struct dma_map_ops *iommu_domain_dma_ops(struct iommu_domain *domain);

/*
 * Lazy domains: queue the invalidation of [iova, iova+size) and, when
 * iova_pages is not 0, the return of that IOVA range to the allocator, both
 * done by the next flush. Strict domains: done now.
 */
void iommu_queue_flush(struct dmamap_iommu_domain *d, unsigned long iova, size_t size,
		       unsigned long iova_pfn, unsigned long iova_pages);

/* Called by dmamap_device_destroy(). */
void iommu_release_device(struct device *dev);

#endif
