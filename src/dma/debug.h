/* SPDX-License-Identifier: MIT */
/*
 * The DMA-API debugger's hooks (debug.c), called by the entry points of
 * mapping.c and the bus master when the device has debugger state, that is
 * when its machine has DMAMAP_DEBUG_API, _OWNERSHIP or _DEVICE: otherwise the
 * entry points cost one test of dev->debug.
 *
 * Each device keeps the record of what it has live (its own lock guards
 * it); checks that need a record report only under DMAMAP_DEBUG_API. A hook
 * that returns false has found that the call cannot be served (an address
 * the device never mapped, a free or an unmap of the other kind of
 * buffer): the entry point refuses it and changes nothing. Every hook takes
 * @site, the return address of the public call being served.
 */
#ifndef DMAMAP_SRC_DMA_DEBUG_H
#define DMAMAP_SRC_DMA_DEBUG_H

#include "dma/device.h"

/* How a mapping was made, for the type check of its undoing. */
enum debug_dma_type {
	DEBUG_DMA_SINGLE,	/* dma_map_single */
	DEBUG_DMA_PAGE,		/* dma_map_page */
	DEBUG_DMA_SG,		/* dma_map_sg, dma_map_sgtable */
	DEBUG_DMA_COHERENT,	/* dma_alloc_attrs */
	DEBUG_DMA_NONCONTIG,	/* dma_alloc_noncontiguous */
	DEBUG_DMA_NONCOHERENT,	/* dma_alloc_pages, dma_alloc_noncoherent */
	DEBUG_DMA_RESOURCE,	/* dma_map_resource */
};

static inline bool debug_dma_on(const struct device *dev)
{
	return unlikely(dev->debug != NULL);
}

/*
 * The debugger's call (see mm_call_enter()) for an entry point serving
 * @dev, a device with debugger state: calls the library makes on the
 * caller's behalf then name the caller's site. Returns whether this is the
 * outermost call, for debug_call_exit().
 */
static inline bool debug_call_enter(struct device *dev, const void **site)
{
	return dev && debug_dma_on(dev) && mm_call_enter(site);
}

static inline void debug_call_exit(bool outer)
{
	mm_call_exit(outer);
}

static inline void debug_call_cleanup(bool *outer)
{
	mm_call_exit(*outer);
}

/* The same for a machine: an entry point with no device at hand (dma-buf's). */
static inline bool debug_call_enter_machine(struct dmamap_machine *m, const void **site)
{
	return m && (m->cfg.debug & DMAMAP_DEBUG_ALL) && mm_call_enter(site);
}

/*
 * At the top of an entry point that calls others on the caller's behalf:
 * the call begins here and ends at every return.
 */
#define DEBUG_CALL(dev)								\
	const void *debug_site_ = __builtin_return_address(0);				\
	bool debug_outer_ __attribute__((unused, cleanup(debug_call_cleanup))) =	\
		debug_call_enter(dev, &debug_site_)

/* DMAMAP_DEBUG_DEVICE: are @dev's bus accesses checked? */
static inline bool debug_device_on(const struct device *dev)
{
	return debug_dma_on(dev) && (dev->machine->cfg.debug & DMAMAP_DEBUG_DEVICE);
}

/*
 * A bus access by @dev of [@addr, +@len) (@write, or a read), made by @fn
 * for its caller @site: reported unless the device's live mappings and
 * allocations cover it in a direction that allows it.
 */
void debug_dma_bus_access(struct device *dev, dma_addr_t addr, size_t len, bool write,
			  const char *fn, const void *site);

/* DMAMAP_DEBUG_OWNERSHIP: are the hand-overs of @dev's buffers followed? */
static inline bool debug_own_on(const struct device *dev)
{
	return debug_dma_on(dev) && (dev->machine->cfg.debug & DMAMAP_DEBUG_OWNERSHIP);
}

enum debug_own_mode {
	DEBUG_OWN_TAKE,		/* before an unmap or a sync for the CPU: the CPU takes it back */
	DEBUG_OWN_CHECK,	/* before a sync for the device: has the CPU written meanwhile? */
	DEBUG_OWN_GIVE,		/* after a sync for the device: the device owns it again */
};

/* A streaming buffer's hand-over at [@addr, +@size) by @fn, called at @site. */
void debug_own_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum debug_own_mode mode, const char *fn, const void *site);
/* The same for the list mapped at @sg: a list changes hands whole. */
void debug_own_sg(struct device *dev, struct scatterlist *sg, enum debug_own_mode mode,
		  const char *fn, const void *site);
/*
 * A device writes [@phys, +@len) of RAM: before the write (@after false),
 * buffers the device owns there are checked for the CPU's writes; after
 * it, their sums are taken again.
 */
void debug_own_device_write(struct dmamap_machine *m, phys_addr_t phys, size_t len, bool after);

/* Per machine (dma_machine_init / exit) and per device (create / destroy). */
int debug_dma_machine_init(struct dmamap_machine *m);
void debug_dma_machine_exit(struct dmamap_machine *m);
int debug_dma_device_init(struct device *dev);
/* Reports what the device still holds (DMAMAP_DEBUG_API), then frees its state. */
void debug_dma_device_exit(struct device *dev, const void *site);

/* Streaming mappings of one buffer; @fn names the call in reports. */
void debug_dma_map_page(struct device *dev, struct page *page, size_t offset, size_t size,
			enum dma_data_direction dir, unsigned long attrs, dma_addr_t dma,
			enum debug_dma_type type, const void *site);
bool debug_dma_unmap_page(struct device *dev, dma_addr_t addr, size_t size,
			  enum dma_data_direction dir, enum debug_dma_type type, const char *fn,
			  const void *site);
void debug_dma_mapping_error(struct device *dev, dma_addr_t addr);
/* dma_map_resource(): @size bytes of MMIO (or RAM) at @phys, @dma for the device. */
void debug_dma_map_resource(struct device *dev, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs, dma_addr_t dma,
			    const void *site);

/* Lists: after a map that returned @ents > 0; before an unmap. */
void debug_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents, int ents,
		      enum dma_data_direction dir, unsigned long attrs, const void *site);
bool debug_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, const char *fn, const void *site);

/* Syncs, before the backend's. */
bool debug_dma_sync_single(struct device *dev, dma_addr_t addr, size_t size,
			   enum dma_data_direction dir, bool for_cpu, const void *site);
bool debug_dma_sync_sg(struct device *dev, struct scatterlist *sg, int nelems,
		       enum dma_data_direction dir, bool for_cpu, const void *site);

/* Coherent and non-contiguous allocations. */
void debug_dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t dma, void *cpu_addr,
			      unsigned long attrs, const void *site);
bool debug_dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma,
			     unsigned long attrs, const void *site);
void debug_dma_alloc_noncontiguous(struct device *dev, struct sg_table *sgt, size_t size,
				   enum dma_data_direction dir, const void *site);
bool debug_dma_free_noncontiguous(struct device *dev, struct sg_table *sgt, size_t size,
				  enum dma_data_direction dir, const void *site);
/* dma_alloc_pages(): @size pages at @page, @dma for the device; the free's checks. */
void debug_dma_alloc_pages(struct device *dev, struct page *page, size_t size,
			   enum dma_data_direction dir, dma_addr_t dma, const void *site);
bool debug_dma_free_pages(struct device *dev, struct page *page, size_t size,
			  enum dma_data_direction dir, dma_addr_t dma, const char *fn,
			  const void *site);

#endif
