/* SPDX-License-Identifier: MIT */
/*
 * Bounce buffering for devices that cannot reach a buffer (swiotlb).
 *
 * One pool below 4 GiB, of 2 KiB slots grouped in segments of 128; a mapping
 * takes consecutive slots inside one segment (so at most 256 KiB), page
 * aligned when it is a page or more. The original buffer is always copied
 * into the slots at map time, whatever the direction, so stale slot data can
 * never reach the caller (the 2022 info-leak fix); it is copied back on
 * unmap and sync_for_cpu for FROM_DEVICE and BIDIRECTIONAL.
 */
#ifndef DMAMAP_SRC_DMA_SWIOTLB_H
#define DMAMAP_SRC_DMA_SWIOTLB_H

#include "dma/device.h"

#define IO_TLB_SHIFT	11
#define IO_TLB_SIZE	(1UL << IO_TLB_SHIFT)
#define IO_TLB_SEGSIZE	128

int swiotlb_init(struct dmamap_machine *m);
void swiotlb_exit(struct dmamap_machine *m);
void swiotlb_stats(struct dmamap_machine *m, struct dmamap_stats *out);

static inline bool is_swiotlb_active(const struct device *dev)
{
	return dev->machine->swiotlb != NULL;
}

bool is_swiotlb_buffer(struct device *dev, phys_addr_t paddr);

/* Where the pool lies: is_swiotlb_buffer() is phys - start < size. Size 0 without a pool. */
struct swiotlb_range {
	phys_addr_t start;
	u64 size;
};

struct swiotlb_range swiotlb_range(const struct dmamap_machine *m);
/* largest mapping the pool can take */
size_t swiotlb_max_mapping_size(struct device *dev);
/*
 * Calls @fn for each live bounce mapping of @m: its first slot, the
 * original buffer and the bytes mapped; under the pool's lock, so @fn
 * copies what it needs and calls nothing that takes it.
 */
void swiotlb_for_each_mapping(struct dmamap_machine *m,
			      void (*fn)(phys_addr_t tlb, phys_addr_t orig, size_t size, void *arg),
			      void *arg);


/* The slot address holding a copy of [orig, orig+size), or (phys_addr_t)-1. */
phys_addr_t swiotlb_tbl_map_single(struct device *dev, phys_addr_t orig, size_t size,
				   enum dma_data_direction dir, unsigned long attrs);
void swiotlb_tbl_unmap_single(struct device *dev, phys_addr_t tlb_addr, size_t size,
			      enum dma_data_direction dir, unsigned long attrs);
/*
 * The bytes of [tlb_addr, tlb_addr+size) that lie in the bounce buffer
 * mapped there: @size, or what is left of the mapping from @tlb_addr on
 * (reported, DMAMAP_DEBUG_SYNC_RANGE: the kernel clamps and warns of a
 * buffer overflow; beyond it lie other mappings' slots); 0, reported, when
 * nothing is mapped there. The syncs below take the size it gives.
 */
size_t swiotlb_sync_size(struct device *dev, phys_addr_t tlb_addr, size_t size, const char *fn);
/* The size of the mapping that starts at @tlb_addr; 0 when none starts there. */
size_t swiotlb_mapping_size(struct device *dev, phys_addr_t tlb_addr);
void swiotlb_sync_single_for_device(struct device *dev, phys_addr_t tlb_addr, size_t size,
				    enum dma_data_direction dir);
void swiotlb_sync_single_for_cpu(struct device *dev, phys_addr_t tlb_addr, size_t size,
				 enum dma_data_direction dir);

/*
 * A device goes: the bounce buffers it still has mapped can never be
 * unmapped by anyone, so their slots are given back (each reported as a
 * leak) rather than lost for the life of the machine.
 */
void swiotlb_release_device(struct device *dev);

/*
 * swiotlb_map(): bounce @paddr and return the slot's DMA address for @dev,
 * with the device-side cache maintenance done, or DMA_MAPPING_ERROR.
 */
dma_addr_t swiotlb_map(struct device *dev, phys_addr_t paddr, size_t size,
		       enum dma_data_direction dir, unsigned long attrs);

#endif
