/* SPDX-License-Identifier: MIT */
/*
 * The device side: what a bus master does with the DMA addresses the
 * driver gave it. Each access is translated (through the device's IOMMU
 * domain, or its direct window: DMA mask and DMA offset), checked, and
 * touches the view of memory the device sees: memory itself for a
 * non-coherent device; the CPU's caches too for a coherent (snooping) one.
 *
 * Threads: accesses may run from any number of threads at once, on one
 * device or several, and while another thread attaches the device to an
 * IOMMU domain or detaches it: the attach or detach waits for the accesses in
 * flight, and an access that starts meanwhile waits for it to end. An IOMMU
 * fault handler and an MMIO region's handlers run in the accessing thread,
 * during the access, with no lock of the library held; another thread's
 * attach or detach of that device waits until they return. See
 * docs/concurrency.md.
 */
#ifndef DMAMAP_BUS_H
#define DMAMAP_BUS_H

#include <dmamap/types.h>
#include <dmamap/device.h>
#include <dmamap/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef IOMMU_FAULT_READ
#define IOMMU_FAULT_READ	0x0
#define IOMMU_FAULT_WRITE	0x1
#endif

/**
 * enum dmamap_fault_reason - why a bus access failed
 * @DMAMAP_FAULT_NONE: it did not
 * @DMAMAP_FAULT_TRANSLATION: no mapping at the address
 * @DMAMAP_FAULT_PERMISSION: mapped, but not for this access (a write to a
 *	read-only mapping, a read of a write-only one)
 * @DMAMAP_FAULT_ADDRESS_SIZE: beyond the device's DMA mask or the IOMMU's
 *	aperture
 * @DMAMAP_FAULT_BUS: translated to an address that is neither RAM nor an
 *	MMIO region the access may reach
 */
enum dmamap_fault_reason {
	DMAMAP_FAULT_NONE = 0,
	DMAMAP_FAULT_TRANSLATION,
	DMAMAP_FAULT_PERMISSION,
	DMAMAP_FAULT_ADDRESS_SIZE,
	DMAMAP_FAULT_BUS,
};

/**
 * struct dmamap_fault - where and why a bus access stopped
 * @addr: the DMA address of the first byte not done
 * @done: bytes moved before the fault
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 * @reason: enum dmamap_fault_reason: DMAMAP_FAULT_TRANSLATION (no mapping at
 *	the address), DMAMAP_FAULT_PERMISSION (mapped, but not for this
 *	access), DMAMAP_FAULT_ADDRESS_SIZE (beyond the DMA mask or the IOMMU
 *	aperture), DMAMAP_FAULT_BUS (translated to an address that is not RAM)
 */
struct dmamap_fault {
	dma_addr_t addr;	/* DMA address of the first byte not done */
	size_t done;		/* bytes moved before the fault */
	int flags;		/* IOMMU_FAULT_READ / IOMMU_FAULT_WRITE */
	int reason;		/* enum dmamap_fault_reason */
};

/**
 * dmamap_bus_read - the device reads memory, as its DMA engine would
 * @dev: the device
 * @src: the DMA address to read from (what dma_map_*() returned)
 * @buf: where the bytes go (host memory, the device's side)
 * @len: bytes
 * @fault: filled when the access faults; may be NULL
 *
 * The access goes where the device's address leads: through its IOMMU domain
 * (its IOTLB, the page tables, the mappings' permissions), or directly to the
 * physical address on a direct device, checked against its mask. It reads
 * memory, not the CPU's cache: on a non-coherent machine it sees what the CPU
 * wrote only after a clean (dma_sync_single_for_device(), dma_map_*()). A
 * fault behind an IOMMU is logged in the domain, counted, traced and handed to
 * the domain's fault handler (iommu_set_fault_handler()). With the debugger
 * on, an access outside the device's live mappings or against their direction
 * is reported.
 *
 * Return: 0; -EFAULT (not mapped, outside the mask or aperture, not RAM) or
 * -EACCES (permission), with @fault filled when not NULL; -EINVAL for bad
 * arguments (NULL device or buffer, a length that wraps the address space).
 * Bytes before the faulting page are moved; none after.
 */
DMAMAP_API int dmamap_bus_read(struct device *dev, dma_addr_t src, void *buf, size_t len,
			       struct dmamap_fault *fault);

/**
 * dmamap_bus_write - the device writes memory
 * @dev: the device
 * @dst: the DMA address to write to
 * @buf: the bytes (host memory, the device's side)
 * @len: bytes
 * @fault: filled when the access faults; may be NULL
 *
 * As dmamap_bus_read(), the other way: the bytes land in memory, and on a
 * non-coherent machine the CPU sees them only after an invalidate
 * (dma_sync_single_for_cpu(), dma_unmap_*()); a CPU line that is dirty over
 * them can still be written back on top of them, as on real hardware.
 *
 * Return: 0; -EFAULT or -EACCES with @fault filled when not NULL; -EINVAL.
 */
DMAMAP_API int dmamap_bus_write(struct device *dev, dma_addr_t dst, const void *buf, size_t len,
				struct dmamap_fault *fault);

/**
 * dmamap_bus_copy - the device copies from one of its addresses to another
 * @dev: the device
 * @dst: the DMA address written
 * @src: the DMA address read
 * @len: bytes
 * @fault: filled when an access faults; may be NULL
 *
 * Return: 0; -EFAULT or -EACCES with @fault filled when not NULL; -EINVAL.
 */
DMAMAP_API int dmamap_bus_copy(struct device *dev, dma_addr_t dst, dma_addr_t src, size_t len,
			       struct dmamap_fault *fault);

/**
 * dmamap_bus_fill - the device writes one byte value over a range
 * @dev: the device
 * @dst: the DMA address written
 * @byte: the value (its low 8 bits)
 * @len: bytes
 * @fault: filled when the access faults; may be NULL
 *
 * Return: 0; -EFAULT or -EACCES with @fault filled when not NULL; -EINVAL.
 */
DMAMAP_API int dmamap_bus_fill(struct device *dev, dma_addr_t dst, int byte, size_t len,
			       struct dmamap_fault *fault);

/**
 * dmamap_bus_read_sgtable - the device reads through the segments of a mapped table
 * @dev: the device
 * @sgt: the table as mapped for @dev (dma_map_sgtable())
 * @buf: where the bytes go
 * @len: bytes, from the first segment on
 * @fault: filled when an access faults; may be NULL
 *
 * Segment after segment, one bus access each (dmamap_bus_read()).
 *
 * Return: 0; -EINVAL (bad arguments, or @len beyond the mapped segments:
 * nothing moved); an access's error, with @fault's done counting every byte
 * moved before the fault, in all segments.
 */
DMAMAP_API int dmamap_bus_read_sgtable(struct device *dev, const struct sg_table *sgt, void *buf,
				       size_t len, struct dmamap_fault *fault);

/**
 * dmamap_bus_write_sgtable - the device writes through the segments of a mapped table
 * @dev: the device
 * @sgt: the table as mapped for @dev
 * @buf: the bytes
 * @len: bytes, from the first segment on
 * @fault: filled when an access faults; may be NULL
 *
 * Return: as dmamap_bus_read_sgtable().
 */
DMAMAP_API int dmamap_bus_write_sgtable(struct device *dev, const struct sg_table *sgt,
					const void *buf, size_t len, struct dmamap_fault *fault);

#ifdef __cplusplus
}
#endif

#endif
