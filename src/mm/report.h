/* SPDX-License-Identifier: MIT */
/*
 * The one report path of the library (report.c).
 *
 * mm_debug_report() is how every module reports a caller's mistake: a
 * debugger check that failed, or a misuse refused on any path (dma, dma-buf,
 * IOMMU, pages, kmalloc). It formats the one-line message, counts it in the
 * machine's api_errors (dmamap_debug_error_count()), hands it to the
 * machine's handler or prints it on stderr, appends it to the
 * DMAMAP_DEBUG_LOG file, and aborts when DMAMAP_DEBUG_FATAL is set.
 *
 * Rules for callers:
 * - Call it with no lock of the library held: the handler may call back into
 *   the library (the same device, the same domain). Decide under the lock,
 *   unlock, then report.
 * - @m may be NULL when @dev is given (its machine is used); both NULL
 *   reports without counting (no machine is known).
 * - @site is the return address of the DMA API call being served (the
 *   caller's code), @map_site that of the call that made the mapping
 *   concerned; either may be NULL. They are symbolized only here, when a
 *   report is made.
 * - The message says what happened in one line, without a newline, the
 *   device name or the kind: the report adds those.
 *
 * mm_report() is not a report: a note explaining why a call failed (a bad
 * configuration, a pool that is full), printed on stderr and nothing else.
 */
#ifndef DMAMAP_SRC_MM_REPORT_H
#define DMAMAP_SRC_MM_REPORT_H

#include <stdarg.h>

#include <dmamap/debug.h>

struct dmamap_machine;
struct device;

void mm_debug_report(struct dmamap_machine *m, struct device *dev, enum dmamap_debug_kind kind,
		     dma_addr_t addr, size_t size, const void *site, const void *map_site,
		     const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void mm_debug_vreport(struct dmamap_machine *m, struct device *dev, enum dmamap_debug_kind kind,
		      dma_addr_t addr, size_t size, const void *site, const void *map_site,
		      const char *fmt, va_list ap) __attribute__((format(printf, 8, 0)));

void mm_report(struct dmamap_machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * For code that calls the library while it holds a lock of its own (the
 * dma-buf core around the exporter's ops, the exporter around its DMA calls):
 * the reports the thread makes between mm_report_hold() and the matching
 * mm_report_release() are kept and made at the outermost release, which the
 * caller does after unlocking. Pairs nest.
 */
void mm_report_hold(void);
void mm_report_release(void);

/* The flags DMAMAP_DEBUG adds to every machine (read once per process). */
unsigned long mm_debug_env_flags(void);

/* Per machine: set up and tear down the report path's state. */
void mm_report_init(struct dmamap_machine *m);
void mm_report_exit(struct dmamap_machine *m);

#endif
