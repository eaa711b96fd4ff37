/* SPDX-License-Identifier: MIT */
/*
 * Software IOMMUs, as in <linux/iommu.h>: domains with ARM LPAE stage-1
 * page tables kept in the machine's own RAM, a per-device IOTLB, faults.
 */
#ifndef DMAMAP_IOMMU_H
#define DMAMAP_IOMMU_H

#include <dmamap/types.h>
#include <dmamap/device.h>
#include <dmamap/bus.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;

#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
#define IOMMU_CACHE	(1 << 2)	/* DMA cache coherency */
#define IOMMU_NOEXEC	(1 << 3)
#define IOMMU_MMIO	(1 << 4)	/* e.g. things like MSI doorbells */
#define IOMMU_PRIV	(1 << 5)	/* privileged accesses only */

/* Domain types. Config type 0 means IOMMU_DOMAIN_DMA. */
#define IOMMU_DOMAIN_IDENTITY	(1U << 2)		/* DMA addresses are bus addresses */
#define IOMMU_DOMAIN_UNMANAGED	(1U << 0)		/* the caller maps with iommu_map() */
#define IOMMU_DOMAIN_DMA	((1U << 0) | (1U << 1))	/* the DMA API maps */

enum dmamap_iommu_flush {
	DMAMAP_IOMMU_STRICT,	/* the IOTLB is invalidated before iommu_unmap() returns */
	DMAMAP_IOMMU_LAZY,	/* invalidations queued; IOVAs reused only after a flush */
};

struct dmamap_iommu_config {
	unsigned int type;		/* IOMMU_DOMAIN_DMA (0 = default), _UNMANAGED, _IDENTITY */
	unsigned int ias;		/* IOVA bits, 0: 32 (at most 48) */
	unsigned long pgsize_bitmap;	/* 0: SZ_4K | SZ_2M | SZ_1G */
	enum dmamap_iommu_flush flush;
	unsigned int iotlb_entries;	/* per attached device, 0: 64 */
	/*
	 * Per attached device: level-3 tables remembered by the 2 MiB of IOVA
	 * they map, so that an IOTLB miss reads one descriptor from memory, as
	 * an SMMU's walk cache does. 0: 256; DMAMAP_IOMMU_NO_WALK_CACHE: none,
	 * every miss walks every level.
	 */
	unsigned int walk_cache_entries;
};

#define DMAMAP_IOMMU_NO_WALK_CACHE	(~0U)

struct iommu_domain_geometry {
	dma_addr_t aperture_start;	/* first address that can be mapped */
	dma_addr_t aperture_end;	/* last address that can be mapped */
	bool force_aperture;		/* DMA only allowed in the aperture */
};

struct iommu_domain {
	unsigned int type;			/* read-only */
	unsigned long pgsize_bitmap;		/* read-only */
	struct iommu_domain_geometry geometry;	/* read-only */
};

typedef int (*iommu_fault_handler_t)(struct iommu_domain *, struct device *, unsigned long iova,
				     int flags, void *token);

/* Return: 0, -EINVAL (bad config), -ENOMEM. */
DMAMAP_API int dmamap_iommu_domain_create(struct dmamap_machine *m,
					  const struct dmamap_iommu_config *cfg,
					  struct iommu_domain **out);
/* Frees the domain and every table page; devices still attached are detached. */
DMAMAP_API void iommu_domain_free(struct iommu_domain *domain);
/* Return: 0, -EINVAL, -EBUSY (the device is attached to another domain). */
DMAMAP_API int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
DMAMAP_API void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
DMAMAP_API struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);

/*
 * Maps [iova, iova+size) to [paddr, paddr+size) with the largest page sizes
 * the alignment allows. All or nothing.
 * Return: 0; -EINVAL (unaligned, outside the aperture, not a paging domain,
 * no access bit in prot); -ERANGE (the physical range goes beyond 48 bits or
 * wraps past 2^64); -EEXIST (something is mapped there); -ENOMEM.
 */
DMAMAP_API int iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr,
			 size_t size, int prot, gfp_t gfp);
/* Return: bytes unmapped (0 when nothing was mapped or the arguments are bad). */
DMAMAP_API size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size);
/* 0 when nothing is mapped at @iova */
DMAMAP_API phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova);
DMAMAP_API void iommu_flush_iotlb_all(struct iommu_domain *domain);
DMAMAP_API void iommu_set_fault_handler(struct iommu_domain *domain, iommu_fault_handler_t handler,
				       void *token);

/* One logged fault. */
struct dmamap_iommu_fault {
	struct device *dev;
	unsigned long iova;
	int flags;		/* IOMMU_FAULT_READ / IOMMU_FAULT_WRITE */
	int reason;		/* enum dmamap_fault_reason */
	u64 seq;		/* 1 for the domain's first fault, then counting */
};

#define DMAMAP_IOMMU_FAULT_LOG	64	/* faults kept per domain */

/*
 * Copies up to @max of the domain's most recent faults, newest first.
 * Return: how many were copied, or -EINVAL.
 */
DMAMAP_API int dmamap_iommu_fault_log(struct iommu_domain *domain, struct dmamap_iommu_fault *out,
				      int max);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_IOMMU_H */
