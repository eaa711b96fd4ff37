/* SPDX-License-Identifier: MIT */
/*
 * Tracing: every DMA API call and every bus access of a machine's devices,
 * reported to a callback as it completes. With no callback set, the cost is
 * one load and one branch per call.
 */
#ifndef DMAMAP_TRACE_H
#define DMAMAP_TRACE_H

#include <dmamap/types.h>
#include <dmamap/device.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;

enum dmamap_trace_kind {
	DMAMAP_TRACE_DMA,	/* a DMA API call (the driver's side) */
	DMAMAP_TRACE_BUS,	/* a bus access (the device's side) */
};

struct dmamap_trace_event {
	enum dmamap_trace_kind kind;
	const char *name;	/* "dma_map_sg", "bus_read", ... (static storage) */
	struct device *dev;
	u64 addr;		/* the DMA address concerned, or 0 */
	u64 size;		/* bytes */
	int dir;		/* enum dma_data_direction; for the bus, IOMMU_FAULT_READ/WRITE */
	long ret;		/* what the call returned (0/errno, entries, or the address) */
	u64 start_ns;		/* CLOCK_MONOTONIC */
	u64 end_ns;
};

typedef void (*dmamap_trace_fn)(const struct dmamap_trace_event *ev, void *arg);

/* Sets (or with NULL clears) the machine's trace callback. Not to race with DMA calls. */
DMAMAP_API void dmamap_trace_set(struct dmamap_machine *m, dmamap_trace_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif
