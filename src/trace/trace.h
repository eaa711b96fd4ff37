/* SPDX-License-Identifier: MIT */
/*
 * Tracing inside the library: the modules report each operation once it
 * completes; trace.c hands it to the machine's callback and to its trace
 * file (perfetto.c). The test at each call site is trace_on(): one relaxed
 * load of a flag that is set while either consumer is.
 */
#ifndef DMAMAP_SRC_TRACE_TRACE_H
#define DMAMAP_SRC_TRACE_TRACE_H

#include <dmamap/trace.h>
#include <stdio.h>
#include <time.h>

#include "mm/mm.h"

static inline u64 trace_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static inline bool trace_machine_on(const struct dmamap_machine *m)
{
	return unlikely(READ_ONCE(m->trace_active));
}

static inline bool trace_on(const struct device *dev)
{
	return dev && dev->machine && trace_machine_on(dev->machine);
}

/*
 * Reports @ev (kind, name and dev set; start_ns from trace_now() before the
 * operation). end_ns is taken now unless set. @ev->dev may be NULL only for
 * an event of the machine itself.
 */
void trace_event(struct dmamap_machine *m, struct dmamap_trace_event *ev);

/* The short form for the calls that have only these fields. */
void trace_emit(struct device *dev, enum dmamap_trace_kind kind, const char *name, u64 addr,
		u64 size, int dir, long ret, u64 start_ns);

/* CPU cache maintenance @name ("cache_clean", ...) of [phys, phys + size) for @dev's buffer. */
void trace_cache(struct device *dev, const char *name, phys_addr_t phys, size_t size, int dir,
		 u64 start_ns);
/* An IOMMU fault of @dev at @iova: an instant. */
void trace_fault(struct device *dev, unsigned long iova, int flags, int reason, long ret);

/* Called by the machine: DMAMAP_TRACE at creation; the trace file closed at destruction. */
void trace_machine_init(struct dmamap_machine *m);
void trace_machine_exit(struct dmamap_machine *m);

/* --- the trace file (perfetto.c) ------------------------------------------------- */

struct trace_file;

/* Opens @path ("-": stdout) and writes the head of the JSON; NULL and errno set. */
struct trace_file *trace_file_open(const char *path);
/* Writes the end of the JSON and closes; 0 or the negative errno of a failed write. */
int trace_file_close(struct trace_file *f);
/* A new process in the trace for machine @m: its number. */
int trace_file_add_machine(struct trace_file *f, const char *label);
/* One event of the machine numbered @pid. Thread-safe. */
void trace_file_write(struct trace_file *f, int pid, const struct dmamap_trace_event *ev);
/* Pushes what is buffered to the file. */
void trace_file_flush(struct trace_file *f);

#endif
