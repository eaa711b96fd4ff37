/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_DMA_TRACE_H
#define DMAMAP_SRC_DMA_TRACE_H

#include <dmamap/trace.h>
#include <time.h>

#include "dma/device.h"

static inline u64 trace_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static inline bool trace_on(const struct device *dev)
{
	return unlikely(dev && __atomic_load_n(&dev->machine->trace_fn, __ATOMIC_RELAXED));
}

void trace_emit(struct device *dev, enum dmamap_trace_kind kind, const char *name, u64 addr,
		u64 size, int dir, long ret, u64 start_ns);

#endif
