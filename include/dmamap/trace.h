/* SPDX-License-Identifier: MIT */
/*
 * Tracing: every DMA API call, every bus access, every IOMMU fault and the
 * CPU cache maintenance done for the devices of a machine, reported as they
 * complete to a callback (dmamap_trace_set()), to a trace file
 * (dmamap_trace_open()), or both. With neither, the cost is one load and
 * one branch per call.
 *
 * A trace file is JSON in the Chrome trace-event format, which the Perfetto
 * UI (ui.perfetto.dev) and chrome://tracing open. DMAMAP_TRACE=FILE in the
 * environment traces every machine of a process into FILE, with no change
 * to the program.
 *
 * Threads: the callback runs in the thread whose call or access is traced,
 * once it is complete, and from several threads at once; no lock of the
 * library is held then, unless the DMA call was made inside a dma-buf
 * exporter's op under the buffer's reservation (the ready-made exporter also
 * holds its buffer's lock there). A trace file is written under a lock of its
 * own, one event at a time. dmamap_trace_set(), dmamap_trace_open() and
 * dmamap_trace_close() are not to race DMA calls on the machine.
 */
#ifndef DMAMAP_TRACE_H
#define DMAMAP_TRACE_H

#include <dmamap/types.h>
#include <dmamap/device.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;
struct scatterlist;

/**
 * enum dmamap_trace_kind - what a trace event is
 * @DMAMAP_TRACE_DMA: a DMA API call (the driver's side)
 * @DMAMAP_TRACE_BUS: a bus access (the device's side)
 * @DMAMAP_TRACE_FAULT: an IOMMU fault: an instant, during a bus access
 * @DMAMAP_TRACE_CACHE: CPU cache maintenance for a device's buffer
 */
enum dmamap_trace_kind {
	DMAMAP_TRACE_DMA,
	DMAMAP_TRACE_BUS,
	DMAMAP_TRACE_FAULT,
	DMAMAP_TRACE_CACHE,
};

/**
 * struct dmamap_trace_event - one traced operation
 * @kind: which side it belongs to
 * @name: the kernel's tracepoint name for a DMA call ("dma_map_page" also for
 *	dma_map_single(), "dma_map_sg", "dma_map_sgtable" and its pair
 *	"dma_unmap_sgtable", "dma_alloc", ...);
 *	"bus_read", "bus_write", "bus_copy", "bus_fill" for the bus;
 *	"iommu_fault"; "cache_clean", "cache_invalidate" (static storage)
 * @dev: the device
 * @addr: the DMA address concerned (an IOVA for a fault), or 0
 * @size: bytes
 * @dir: enum dma_data_direction; for the bus and faults, IOMMU_FAULT_READ or
 *	IOMMU_FAULT_WRITE
 * @ret: what the call returned: 0 or a negative errno, the entries mapped by
 *	dma_map_sg(), or for a refused call its error (a mapping that failed
 *	is -ENOMEM, as dma_mapping_error() says)
 * @start_ns: CLOCK_MONOTONIC when the call began
 * @end_ns: and when it returned (@start_ns for an instant)
 * @phys_addr: the physical address concerned (dma_map_page, a fault's
 *	target if it has one, cache maintenance), or 0
 * @attrs: the DMA_ATTR_* flags the call was given
 * @cpu_addr: dma_alloc, dma_free, dma_mmap, dma_get_sgtable: the CPU address
 *	or cookie; NULL otherwise
 * @gfp: dma_alloc: the allocation flags
 * @sgl: the scatterlist of a dma_*_sg* call or the table dma_get_sgtable()
 *	filled, valid during the callback only; NULL otherwise
 * @nents: the entries of @sgl the call was given (orig_nents of a table)
 * @reason: for a fault, enum dmamap_fault_reason
 *
 * The fields from @phys_addr on were added after the first release: a
 * callback built against an older header does not see them.
 */
struct dmamap_trace_event {
	enum dmamap_trace_kind kind;
	const char *name;
	struct device *dev;
	u64 addr;
	u64 size;
	int dir;
	long ret;
	u64 start_ns;
	u64 end_ns;
	phys_addr_t phys_addr;
	unsigned long attrs;
	void *cpu_addr;
	gfp_t gfp;
	struct scatterlist *sgl;
	int nents;
	int reason;
};

/**
 * typedef dmamap_trace_fn - told of each operation of a machine
 * @ev: the operation (&struct dmamap_trace_event); it and its strings live
 *	until the callback returns
 * @arg: what dmamap_trace_set() was given with the callback
 *
 * Called once per operation, in the thread that made it, once it is
 * complete (a fault during the access that took it), from several threads
 * at once. No lock of the library is held, unless the DMA call was made
 * inside a dma-buf exporter's op under the buffer's reservation (the
 * ready-made exporter also holds its buffer's lock there).
 */
typedef void (*dmamap_trace_fn)(const struct dmamap_trace_event *ev, void *arg);

/**
 * dmamap_trace_set - report a machine's operations to a callback
 * @m: the machine; NULL is ignored
 * @fn: called once per operation, in the thread that made it, after it
 *	completed; NULL stops the reports
 * @arg: passed to @fn
 *
 * Context: not to race with DMA calls on @m's devices (set it before they
 * start). @fn may be called from several threads at once.
 */
DMAMAP_API void dmamap_trace_set(struct dmamap_machine *m, dmamap_trace_fn fn, void *arg);

/**
 * dmamap_trace_open - trace a machine's operations into a file
 * @m: the machine
 * @path: the file, created or truncated now; "-" is standard output
 *
 * Writes a Chrome trace-event JSON array that the Perfetto UI opens: the
 * machine is a process; each device has two tracks, "DMA API" (the
 * driver's calls, with the kernel's dma tracepoint fields: phys_addr,
 * dma_addr, size, dir, attrs, and for scatterlists phys_addrs, dma_addrs
 * and lengths, cut at 128 entries as the kernel cuts them) and "bus" (its
 * reads and writes, with IOMMU faults as instants); the CPU's cache
 * maintenance has a track of its own. A call refused with an error carries
 * it in "error". Events are written as they complete, so a program that
 * dies leaves a trace Perfetto still opens (the closing bracket missing).
 * A trace set by DMAMAP_TRACE gives way to this one for @m.
 *
 * Context: not to race with DMA calls on @m's devices.
 * Return: 0; -EINVAL (@m or @path NULL); -EBUSY (@m already traces into a
 * file opened by this call); or the errno of opening @path.
 */
DMAMAP_API int dmamap_trace_open(struct dmamap_machine *m, const char *path);

/**
 * dmamap_trace_close - finish and close a machine's trace file
 * @m: the machine
 *
 * Writes the end of the JSON and closes the file dmamap_trace_open() opened
 * (standard output is flushed, not closed). dmamap_machine_destroy() does it
 * for a machine still tracing.
 *
 * Context: not to race with DMA calls on @m's devices.
 * Return: 0; -EINVAL (@m NULL, or no file opened by dmamap_trace_open());
 * the errno of a write that failed (-EIO if none was set): the file is
 * closed all the same.
 */
DMAMAP_API int dmamap_trace_close(struct dmamap_machine *m);

#ifdef __cplusplus
}
#endif

#endif
