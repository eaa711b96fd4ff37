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
 *   concerned; either may be NULL (@site NULL: the site of the thread's
 *   current call, see struct mm_call). They are symbolized only here, when
 *   a report is made.
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

/*
 * The DMA API call this thread is serving, recorded by the outermost entry
 * point when the device has debugger state (see mm_call_enter()):
 * - its site, which calls the library makes on the caller's behalf inherit
 *   (dma_map_single through dma_map_page, the exporter's maps inside
 *   dma_buf_map_attachment), and which a report made with @site NULL names;
 * - the reports made since it began: a backend's report of a misuse the
 *   debugger has already reported in the same call is the same mistake
 *   seen again, and is left out (dma_report()).
 */
struct mm_call {
	const void *site;
	unsigned int reports;
	unsigned int cache;	/* cache-model calls the thread is in (MM_CACHE_SCOPE) */
};

extern __thread struct mm_call mm_call __attribute__((tls_model("initial-exec")));

/*
 * Is the thread's access to a page the library's own, made for a DMA API
 * call or by the cache model, rather than the CPU's on the program's
 * behalf? For the fault handler of the debugger's page protection.
 */
static inline bool mm_call_library(void)
{
	return mm_call.site || mm_call.cache;
}

static inline unsigned int mm_cache_scope_enter(void)
{
	return mm_call.cache++;
}

static inline void mm_cache_scope_leave(unsigned int *was)
{
	mm_call.cache = *was;
}

/* At the top of a cache-model call that touches the CPU view: see mm_call_library(). */
#define MM_CACHE_SCOPE()							\
	unsigned int mm_cache_scope_ __attribute__((unused, cleanup(mm_cache_scope_leave))) = \
		mm_cache_scope_enter()

/*
 * At an entry point: begins the thread's call with @*site, its caller's
 * return address, unless the thread is in a call already; then @*site
 * becomes that call's site. Returns whether this is the outermost call,
 * to be passed to mm_call_exit().
 */
static inline bool mm_call_enter(const void **site)
{
	if (mm_call.site) {
		*site = mm_call.site;
		return false;
	}
	mm_call.site = *site;
	mm_call.reports = 0;
	return true;
}

static inline void mm_call_exit(bool outer)
{
	if (outer)
		mm_call.site = NULL;
}

/* Has a report been made in the thread's current call? */
static inline bool mm_call_reported(void)
{
	return mm_call.site && mm_call.reports;
}

/*
 * A site as text, symbolized, in @buf: "file:line (function)" when the
 * program has debug information, else "function+0xoff (object)". NULL when
 * @pc is NULL.
 */
const char *mm_debug_site_text(const void *pc, char *buf, size_t len);

/* The flags DMAMAP_DEBUG adds to every machine (read once per process). */
unsigned long mm_debug_env_flags(void);

/* Per machine: set up and tear down the report path's state. */
void mm_report_init(struct dmamap_machine *m);
void mm_report_exit(struct dmamap_machine *m);

#endif
