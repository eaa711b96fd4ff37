/* SPDX-License-Identifier: MIT */
/*
 * Software IOMMUs, as in <linux/iommu.h>: domains with ARM LPAE stage-1
 * page tables kept in the machine's own RAM, a per-device IOTLB, faults.
 *
 * Threads: maps and unmaps of disjoint ranges of one domain may run from any
 * number of threads at once (the page tables have no lock), alongside bus
 * accesses through the domain; a strict unmap is seen by every device of the
 * domain before it returns. Attach and detach wait for the bus accesses in
 * flight on the device. The fault handler runs in the thread of the access
 * that faulted, during the access, with no lock of the library held: it may
 * call the library, the domain's calls included. A domain is freed after
 * every map, unmap and access on it. See docs/concurrency.md.
 */
#ifndef DMAMAP_IOMMU_H
#define DMAMAP_IOMMU_H

#include <dmamap/types.h>
#include <dmamap/device.h>
#include <dmamap/bus.h>
#include <dmamap/scatterlist.h>
#include <limits.h>

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

/**
 * enum dmamap_iommu_flush - when an unmap reaches the IOTLBs
 * @DMAMAP_IOMMU_STRICT: the IOTLB of every device of the domain is
 *	invalidated before iommu_unmap() returns
 * @DMAMAP_IOMMU_LAZY: invalidations are queued until a flush (the queue
 *	full, or iommu_flush_iotlb_all()); until then a device may still
 *	reach unmapped pages through its IOTLB, counted as stale IOTLB hits,
 *	and the DMA layer's IOVAs are reused only after the flush
 */
enum dmamap_iommu_flush {
	DMAMAP_IOMMU_STRICT,
	DMAMAP_IOMMU_LAZY,
};

/**
 * struct dmamap_iommu_config - what dmamap_iommu_domain_create() makes
 * @type: IOMMU_DOMAIN_DMA (0 means it too: the DMA API maps),
 *	IOMMU_DOMAIN_UNMANAGED (the caller maps with iommu_map()) or
 *	IOMMU_DOMAIN_IDENTITY (DMA addresses are physical addresses)
 * @ias: IOVA bits; 0: 32 (at most 48)
 * @pgsize_bitmap: one granule and its blocks, as ARM's LPAE formats define
 *	them: SZ_4K with SZ_2M and/or SZ_1G, SZ_16K with SZ_32M, SZ_64K with
 *	SZ_512M (blocks optional). 0: SZ_4K | SZ_2M | SZ_1G. DMA domains use the
 *	4 KiB granule
 * @flush: DMAMAP_IOMMU_STRICT (the IOTLBs are invalidated before an unmap
 *	returns) or DMAMAP_IOMMU_LAZY (invalidations queued; IOVAs reused only
 *	after a flush, and a device may still reach unmapped pages until then,
 *	counted as stale IOTLB hits)
 * @iotlb_entries: IOTLB entries per attached device; 0: 64
 * @walk_cache_entries: per attached device, level-3 tables remembered by the
 *	2 MiB of IOVA they map, so that an IOTLB miss reads one descriptor from
 *	memory, as an SMMU's walk cache does. 0: 256;
 *	DMAMAP_IOMMU_NO_WALK_CACHE: none, every miss walks every level. With a
 *	16 KiB or 64 KiB granule there is none (0 or DMAMAP_IOMMU_NO_WALK_CACHE
 *	only)
 * @oas: output (physical) address bits: 32, 36, 40, 42, 44 or 48, the sizes a
 *	stage-1 regime encodes. 0: 48. iommu_map() of a physical address beyond
 *	them is -ERANGE
 */
struct dmamap_iommu_config {
	unsigned int type;		/* IOMMU_DOMAIN_DMA (0 = default), _UNMANAGED, _IDENTITY */
	unsigned int ias;		/* IOVA bits, 0: 32 (at most 48) */
	/*
	 * One granule and its blocks, as ARM's LPAE formats define them:
	 * SZ_4K with SZ_2M and/or SZ_1G, SZ_16K with SZ_32M, SZ_64K with
	 * SZ_512M (blocks optional). 0: SZ_4K | SZ_2M | SZ_1G. DMA domains
	 * use the 4 KiB granule.
	 */
	unsigned long pgsize_bitmap;
	enum dmamap_iommu_flush flush;
	unsigned int iotlb_entries;	/* per attached device, 0: 64 */
	/*
	 * Per attached device: level-3 tables remembered by the 2 MiB of IOVA
	 * they map, so that an IOTLB miss reads one descriptor from memory, as
	 * an SMMU's walk cache does. 0: 256; DMAMAP_IOMMU_NO_WALK_CACHE: none,
	 * every miss walks every level. With a 16 KiB or 64 KiB granule there
	 * is none (0 or DMAMAP_IOMMU_NO_WALK_CACHE only).
	 */
	unsigned int walk_cache_entries;
	/*
	 * Output (physical) address bits: 32, 36, 40, 42, 44 or 48, the sizes
	 * a stage-1 regime encodes. 0: 48. iommu_map() of a physical address
	 * beyond them is -ERANGE.
	 */
	unsigned int oas;
};

#define DMAMAP_IOMMU_NO_WALK_CACHE	(~0U)

/**
 * struct iommu_domain_geometry - the IOVA range a domain can map
 * @aperture_start: the first address that can be mapped
 * @aperture_end: the last address that can be mapped
 * @force_aperture: DMA only allowed in the aperture
 */
struct iommu_domain_geometry {
	dma_addr_t aperture_start;	/* first address that can be mapped */
	dma_addr_t aperture_end;	/* last address that can be mapped */
	bool force_aperture;		/* DMA only allowed in the aperture */
};

/**
 * struct iommu_domain - an IOMMU address space, as drivers see it
 * @type: read-only: IOMMU_DOMAIN_*
 * @pgsize_bitmap: read-only: the page and block sizes it maps
 * @geometry: read-only: its aperture
 */
struct iommu_domain {
	unsigned int type;			/* read-only */
	unsigned long pgsize_bitmap;		/* read-only */
	struct iommu_domain_geometry geometry;	/* read-only */
};

/**
 * typedef iommu_fault_handler_t - told of a domain's fault
 * @domain: the domain whose translation faulted
 * @dev: the device whose bus access faulted
 * @iova: the IOVA of the access
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 * @token: what iommu_set_fault_handler() was given with the handler
 *
 * Called once per fault, in the thread making the bus access, during the
 * access (which then fails with -EFAULT, or -EACCES for a permission
 * fault), after the fault is in the domain's log (dmamap_iommu_fault_log(),
 * which says its reason), with no lock of the library held: it may call
 * the library, the domain's calls included. Another thread's attach or
 * detach of @dev waits until it returns.
 *
 * Return: what the kernel's report_iommu_fault() passes on; the model
 * does nothing with it (0 is the usual value).
 */
typedef int (*iommu_fault_handler_t)(struct iommu_domain *domain, struct device *dev,
				     unsigned long iova, int flags, void *token);

/**
 * dmamap_iommu_domain_create - make an IOMMU domain on a machine
 * @m: the machine
 * @cfg: the configuration, or NULL for a DMA domain with every default
 * @out: where the domain is stored
 *
 * The domain's page tables are pages of the machine's RAM, in the ARM LPAE
 * stage-1 format; devices join it with iommu_attach_device().
 *
 * Return: 0, -EINVAL (bad configuration), -ENOMEM.
 */
DMAMAP_API int dmamap_iommu_domain_create(struct dmamap_machine *m,
					  const struct dmamap_iommu_config *cfg,
					  struct iommu_domain **out);

/**
 * iommu_paging_domain_alloc - a paging domain for a driver to manage
 * @dev: a device behind an IOMMU
 *
 * An IOMMU_DOMAIN_UNMANAGED, strict domain on the IOMMU @dev sits behind: in
 * the model, the IOMMU of the domain @dev is attached to, whose address sizes,
 * page sizes and IOTLB the new domain has. Attach it after detaching @dev.
 *
 * Return: the domain, or ERR_PTR(-ENODEV) (@dev is behind no IOMMU),
 * ERR_PTR(-EINVAL), ERR_PTR(-ENOMEM).
 */
DMAMAP_API struct iommu_domain *iommu_paging_domain_alloc(struct device *dev);

/**
 * iommu_domain_free - free a domain
 * @domain: the domain; NULL is ignored
 *
 * Frees every table page; devices still attached are detached. A DMA domain
 * freed under its devices while their DMA API mappings or buffers still hold
 * IOVA is reported (the kernel frees it under them): those DMA addresses
 * name nothing any more.
 */
DMAMAP_API void iommu_domain_free(struct iommu_domain *domain);

/**
 * iommu_attach_device - put a device behind a domain
 * @domain: the domain
 * @dev: the device, of the same machine
 *
 * From now on the device's DMA addresses are IOVAs of @domain: a DMA domain
 * switches its DMA API calls to the IOMMU ops; the device gets its own IOTLB.
 *
 * Return: 0 (also when it is attached to @domain already); -EINVAL (NULL
 * arguments, a device of another machine); -EBUSY (the device is attached to
 * another domain); -ENOMEM.
 */
DMAMAP_API int iommu_attach_device(struct iommu_domain *domain, struct device *dev);

/**
 * iommu_detach_device - take a device from behind its domain
 * @domain: the domain it is attached to
 * @dev: the device
 *
 * Its IOTLB goes and it goes back to direct DMA. A device not attached to
 * @domain is left alone and reported (the kernel WARNs).
 */
DMAMAP_API void iommu_detach_device(struct iommu_domain *domain, struct device *dev);

/**
 * iommu_get_domain_for_dev - the domain a device is attached to
 * @dev: the device
 *
 * Return: the domain, or NULL.
 */
DMAMAP_API struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);

/**
 * iommu_map - map an IOVA range to a physical range
 * @domain: a paging domain
 * @iova: the first IOVA
 * @paddr: the first physical address
 * @size: bytes
 * @prot: IOMMU_READ, IOMMU_WRITE, IOMMU_CACHE, IOMMU_NOEXEC, IOMMU_MMIO,
 *	IOMMU_PRIV
 * @gfp: GFP_* flags for table pages
 *
 * Maps [@iova, + @size) to [@paddr, + @size) with the largest page sizes the
 * alignment allows, all or nothing, with the kernel's (v6.12) rules: @size 0
 * maps nothing and returns 0; a block goes in place of a page table even if
 * pages under it are still mapped (they are unmapped, as the kernel's
 * io-pgtable does).
 *
 * Return: 0; -EINVAL (not aligned to the smallest page size, not a paging
 * domain, no access bit in @prot, __GFP_DMA, __GFP_DMA32 or __GFP_HIGHMEM in
 * @gfp); -ERANGE (the IOVA range beyond the domain's IOVA bits, or the
 * physical range beyond its output bits or wrapping past 2^64); -EEXIST (a
 * page or block is mapped there); -ENOMEM.
 */
DMAMAP_API int iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr,
			 size_t size, int prot, gfp_t gfp);

/**
 * iommu_map_sg - map the entries of a list one after the other
 * @domain: a paging domain
 * @iova: the first IOVA
 * @sg: the list
 * @nents: its entries
 * @prot: IOMMU_* permissions
 * @gfp: GFP_* flags for table pages
 *
 * Physically contiguous entries go in one iommu_map(); each entry's offset and
 * length must be aligned to the smallest page size. All or nothing.
 *
 * Return: bytes mapped, or iommu_map()'s negative errno.
 */
DMAMAP_API ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
				struct scatterlist *sg, unsigned int nents, int prot, gfp_t gfp);

/**
 * iommu_map_sgtable - map every CPU entry of a table at consecutive IOVAs
 * @domain: a paging domain
 * @iova: the first IOVA
 * @sgt: the table; its CPU entries (orig_nents), not its DMA segments
 * @prot: IOMMU_READ, IOMMU_WRITE, ...
 *
 * iommu_map_sg() with GFP_KERNEL, as the kernel's inline.
 *
 * Return: bytes mapped, or a negative errno with nothing left mapped.
 */
static inline ssize_t iommu_map_sgtable(struct iommu_domain *domain, unsigned long iova,
					struct sg_table *sgt, int prot)
{
	return iommu_map_sg(domain, iova, sgt->sgl, sgt->orig_nents, prot, GFP_KERNEL);
}

/**
 * iommu_unmap - unmap an IOVA range
 * @domain: a paging domain
 * @iova: the first IOVA
 * @size: bytes
 *
 * Unmaps in the largest page sizes the alignment allows and invalidates the
 * IOTLBs (strict; queued when lazy). A block is unmapped whole or not at all:
 * a range that takes only part of one stops there (reported), as in the
 * kernel since it stopped splitting blocks.
 *
 * Return: bytes unmapped (0 when nothing was mapped, for a part of a block,
 * @size 0, or bad arguments).
 */
DMAMAP_API size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size);

/**
 * struct iommu_iotlb_gather - what an unmap leaves to invalidate
 * @start: the first IOVA gathered; ULONG_MAX: nothing
 * @end: the last IOVA gathered
 * @pgsize: the leaf size
 * @queued: set by a caller that flushes by itself later
 *	(iommu_flush_iotlb_all()), which then gathers nothing
 */
struct iommu_iotlb_gather {
	unsigned long start;
	unsigned long end;
	size_t pgsize;
	bool queued;
};

/**
 * iommu_iotlb_gather_init - an empty gather
 * @gather: the gather
 */
static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *gather)
{
	*gather = (struct iommu_iotlb_gather){ .start = ULONG_MAX };
}

/**
 * iommu_unmap_fast - iommu_unmap() without the invalidation
 * @domain: a paging domain
 * @iova: the first IOVA
 * @size: bytes
 * @iotlb_gather: where the range is added
 *
 * The descriptors are cleared and the range is added to @iotlb_gather, but the
 * IOTLBs keep what they hold until iommu_iotlb_sync() (a device may still
 * reach the pages through them, counted as stale hits). A range disjoint from
 * the one gathered is invalidated first, as the kernel's
 * iommu_iotlb_gather_add_page() does.
 *
 * Return: bytes unmapped, as iommu_unmap().
 */
DMAMAP_API size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova, size_t size,
				   struct iommu_iotlb_gather *iotlb_gather);

/**
 * iommu_iotlb_sync - invalidate what a gather gathered
 * @domain: the domain
 * @iotlb_gather: the gather; emptied
 *
 * Queued instead in a lazy domain.
 */
DMAMAP_API void iommu_iotlb_sync(struct iommu_domain *domain,
				 struct iommu_iotlb_gather *iotlb_gather);

/**
 * iommu_iova_to_phys - walk the domain's page tables
 * @domain: the domain
 * @iova: the IOVA
 *
 * Return: the physical address @iova maps to, 0 when nothing is mapped there.
 */
DMAMAP_API phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova);

/**
 * iommu_flush_iotlb_all - invalidate every IOTLB entry of the domain
 * @domain: the domain
 *
 * Also completes a lazy domain's queued invalidations, after which their IOVAs
 * may be reused.
 */
DMAMAP_API void iommu_flush_iotlb_all(struct iommu_domain *domain);

/**
 * iommu_set_fault_handler - be told of the domain's faults
 * @domain: the domain
 * @handler: called on each translation, permission or address-size fault of
 *	a bus access, with the IOVA and IOMMU_FAULT_READ or IOMMU_FAULT_WRITE;
 *	NULL: none
 * @token: handed to @handler
 */
DMAMAP_API void iommu_set_fault_handler(struct iommu_domain *domain, iommu_fault_handler_t handler,
				       void *token);

/**
 * struct dmamap_iommu_fault - one fault of a domain's log
 * @dev: the device whose access faulted
 * @iova: the IOVA
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 * @reason: enum dmamap_fault_reason
 * @seq: 1 for the domain's first fault, then counting
 */
struct dmamap_iommu_fault {
	struct device *dev;
	unsigned long iova;
	int flags;		/* IOMMU_FAULT_READ / IOMMU_FAULT_WRITE */
	int reason;		/* enum dmamap_fault_reason */
	u64 seq;		/* 1 for the domain's first fault, then counting */
};

#define DMAMAP_IOMMU_FAULT_LOG	64	/* faults kept per domain */

/**
 * dmamap_iommu_fault_log - the domain's most recent faults
 * @domain: the domain
 * @out: where they are copied
 * @max: room in @out
 *
 * The domain keeps the last DMAMAP_IOMMU_FAULT_LOG faults.
 *
 * Return: how many were copied (newest first), or -EINVAL.
 */
DMAMAP_API int dmamap_iommu_fault_log(struct iommu_domain *domain, struct dmamap_iommu_fault *out,
				      int max);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_IOMMU_H */
