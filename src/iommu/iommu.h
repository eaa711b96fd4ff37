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
	u64 table_pages;			/* (atomic) */
	struct io_pgtable_window windows[DMAMAP_MAX_BANKS];

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

/* Bus translation through the device's domain (see bus/bus.h for the contract). */
long iommu_bus_translate(struct device *dev, dma_addr_t dma, size_t len, bool write,
			 phys_addr_t *phys, struct dmamap_fault *f, u64 *hits, u64 *misses);

/* The DMA backend's hooks (issue: the IOMMU DMA backend). */
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
