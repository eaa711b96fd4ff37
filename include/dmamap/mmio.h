/* SPDX-License-Identifier: MIT */
/*
 * MMIO regions of the machine: physical address space outside RAM that some
 * device decodes (a peer's doorbell, a FIFO, a BAR), which a bus master may
 * target once a driver has mapped it with dma_map_resource().
 *
 * An access to a region is no memory access: it goes to the region's
 * handlers, one call per access run, in the order the bus master makes them,
 * uncached and unsnooped whatever the coherence of the device that makes it.
 * A region without handlers is a plain register file that the library keeps
 * (zeroed at creation) and that the CPU reaches with dmamap_mmio_region_regs(),
 * as through an ioremap() mapping.
 *
 * Threads: a region is created before, and destroyed after, every access
 * that can reach it. Its handlers run in the accessing thread, with no lock
 * of the library held, and from several threads at once when several devices
 * or threads access it; a region without handlers serializes the accesses to
 * its register file.
 */
#ifndef DMAMAP_MMIO_H
#define DMAMAP_MMIO_H

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;
struct dmamap_mmio_region;	/* private */

/**
 * struct dmamap_mmio_ops - who answers bus accesses to an MMIO region
 * @read: a bus master reads @len bytes at byte @offset of the region into
 *	@buf. Called with no lock of the library held. Returns 0, or a negative
 *	errno: the access stops there with a bus fault (DMAMAP_FAULT_BUS)
 * @write: the same for a write of @len bytes from @buf
 */
struct dmamap_mmio_ops {
	/*
	 * A bus master reads (writes) @len bytes at byte @offset of the region.
	 * Called with no lock of the library held. Return: 0, or a negative
	 * errno: the access stops there with a bus fault (DMAMAP_FAULT_BUS).
	 */
	int (*read)(void *priv, u64 offset, void *buf, size_t len);
	int (*write)(void *priv, u64 offset, const void *buf, size_t len);
};

/**
 * struct dmamap_mmio_config - where an MMIO region lies and who answers it
 * @name: copied; NULL: "mmio<N>"
 * @base: the first physical address, page aligned
 * @size: bytes, a multiple of the page size, not 0
 * @ops: the handlers; NULL: a register file the library keeps
 *	(dmamap_mmio_region_regs())
 * @priv: handed to the handlers
 */
struct dmamap_mmio_config {
	const char *name;			/* copied; NULL: "mmio<N>" */
	phys_addr_t base;			/* page aligned */
	u64 size;				/* page multiple, not 0 */
	const struct dmamap_mmio_ops *ops;	/* NULL: a register file the library keeps */
	void *priv;				/* for the handlers */
};

/**
 * dmamap_mmio_region_create - give the machine a range of MMIO space
 * @m: the machine
 * @cfg: where the region lies and who answers its accesses
 * @out: the region, on success
 *
 * Return: 0; -EINVAL (NULL arguments, an unaligned or empty range, a range
 * beyond 48 physical address bits, one that overlaps RAM or another region);
 * -ENOMEM.
 */
DMAMAP_API int dmamap_mmio_region_create(struct dmamap_machine *m,
					 const struct dmamap_mmio_config *cfg,
					 struct dmamap_mmio_region **out);

/**
 * dmamap_mmio_region_destroy - remove an MMIO region from its machine
 * @r: the region; NULL is ignored
 *
 * Accesses to its range fault again. Not to race with accesses to it, nor to
 * be called from its handlers. A machine destroys the regions left with it.
 */
DMAMAP_API void dmamap_mmio_region_destroy(struct dmamap_mmio_region *r);

/**
 * dmamap_mmio_region_regs - the register file of a region without handlers
 * @r: the region
 *
 * Return: the register file (size bytes), or NULL for a region with handlers.
 */
DMAMAP_API void *dmamap_mmio_region_regs(struct dmamap_mmio_region *r);

/**
 * dmamap_mmio_region_base - the first physical address of a region
 * @r: the region
 *
 * Return: the address.
 */
DMAMAP_API phys_addr_t dmamap_mmio_region_base(const struct dmamap_mmio_region *r);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_MMIO_H */
