/* SPDX-License-Identifier: MIT */
/*
 * The DMA-API debugger: what the kernel's CONFIG_DMA_API_DEBUG checks, on
 * every backend, plus what only a model can see (the CPU writing a buffer
 * the device owns, a device touching memory it was not given). The checks,
 * their kernel equivalents and their cost: docs/guide.md, "The debugger".
 *
 * Turned on per machine with the flags below in dmamap_machine_config.debug,
 * or for every machine of a process with the environment variable
 * DMAMAP_DEBUG (a comma-separated list of api, ownership, device, fatal,
 * all). Every report goes to the machine's handler, or to stderr as one line
 * when it has none; it is counted in dmamap_debug_error_count() and in the
 * api_errors statistic; with DMAMAP_DEBUG_LOG=FILE in the environment it is
 * also appended to FILE as one JSON object per line.
 *
 * Threads: a report is made in the thread whose call made it, with no lock
 * of the library held, so the handler may call the library; one made while
 * the dma-buf core or the ready-made exporter holds a buffer's lock is kept
 * until the lock is let go, and made before the call returns. Reports of
 * several threads may reach the handler at once. dmamap_debug_set_handler()
 * is not to race DMA calls on the machine; dmamap_debug_error_count() may be
 * called at any time.
 */
#ifndef DMAMAP_DEBUG_H
#define DMAMAP_DEBUG_H

#include <stdio.h>

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;
struct device;

/* Flags of dmamap_machine_config.debug */
#define DMAMAP_DEBUG_API	(1UL << 0) /* the kernel's DMA-API checks */
#define DMAMAP_DEBUG_OWNERSHIP	(1UL << 1) /* the CPU writing a buffer the device owns */
#define DMAMAP_DEBUG_DEVICE	(1UL << 2) /* bus accesses against the device's live mappings */
#define DMAMAP_DEBUG_FATAL	(1UL << 3) /* abort the process after the first report */
#define DMAMAP_DEBUG_ALL	(DMAMAP_DEBUG_API | DMAMAP_DEBUG_OWNERSHIP | DMAMAP_DEBUG_DEVICE)

/**
 * enum dmamap_debug_kind - what a report is about
 * @DMAMAP_DEBUG_UNKNOWN_ADDR: an unmap, sync or free of a DMA address the
 *	device has not mapped or allocated (never, or not any more); the
 *	call is refused
 * @DMAMAP_DEBUG_WRONG_SIZE: an unmap or free with another size than the
 *	mapping or allocation has; refused
 * @DMAMAP_DEBUG_WRONG_DIR: an unmap or free with another direction than
 *	the mapping was made with; the call is done
 * @DMAMAP_DEBUG_WRONG_TYPE: a mapping undone by a call of another type
 *	(single, page, sg, coherent, noncontiguous, noncoherent, resource);
 *	refused when an unmap would undo an allocation or a free a mapping
 * @DMAMAP_DEBUG_WRONG_NENTS: dma_unmap_sg() or a list sync with another
 *	entry count than dma_map_sg() was given; an unmap is refused
 * @DMAMAP_DEBUG_UNCHECKED: a mapping unmapped without dma_mapping_error()
 *	ever called on its address; done
 * @DMAMAP_DEBUG_SYNC_RANGE: a sync of bytes outside the mapping; done
 * @DMAMAP_DEBUG_SYNC_DIR: a sync with another direction than the mapping
 *	was made with (a %DMA_BIDIRECTIONAL mapping takes any), such as a
 *	sync for the CPU of a mapping the device only reads; done
 * @DMAMAP_DEBUG_OVERLAP: a cache line shared by two live streaming
 *	mappings, one of them device-writable: the cache maintenance of one
 *	can undo the other; done
 * @DMAMAP_DEBUG_FREE_MISMATCH: dma_free_attrs() and the calls built on it
 *	with another CPU address, size or attributes than the allocation;
 *	refused
 * @DMAMAP_DEBUG_BAD_MEMORY: memory a call cannot take: an address outside
 *	the machine's linear map where the call needs one in it (the stack,
 *	the heap, the kernel VA window, a %DMA_ATTR_NO_KERNEL_MAPPING cookie),
 *	or a range not inside one mapping of the VA window where it needs
 *	that; refused
 * @DMAMAP_DEBUG_LEAK: a mapping or allocation still live when its device
 *	or machine is destroyed, with the site that made it; listed, then
 *	released
 * @DMAMAP_DEBUG_CPU_OWNERSHIP: the CPU wrote a streaming buffer while the
 *	device owned it (%DMAMAP_DEBUG_OWNERSHIP); reported when the CPU takes
 *	the buffer back
 * @DMAMAP_DEBUG_DEVICE_ACCESS: a bus access outside the device's live
 *	mappings and allocations, or against their direction
 *	(%DMAMAP_DEBUG_DEVICE); the access is made as on hardware, or faults
 *	through an IOMMU as before
 * @DMAMAP_DEBUG_MISUSE: other misuse the kernel WARNs about or BUGs on: an
 *	invalid direction, size 0, pages or kmalloc memory freed twice, a
 *	dma-buf put after its release, an IOMMU map or unmap outside the
 *	domain's sizes and range, refused where the kernel would crash or
 *	corrupt and reported whatever the flags; and, with
 *	%DMAMAP_DEBUG_API, a mapped list's DMA segment longer than the
 *	device's max_segment_size or across its segment boundary
 *
 * The names dmamap_debug_kind_name() gives ("unknown_addr", "wrong_size",
 * ...) are the enumerators' in lower case without the prefix; they are
 * what the one-line reports on stderr, the DMAMAP_DEBUG_LOG file and
 * 'dmamap check' say.
 */
enum dmamap_debug_kind {
	DMAMAP_DEBUG_UNKNOWN_ADDR = 1,
	DMAMAP_DEBUG_WRONG_SIZE,
	DMAMAP_DEBUG_WRONG_DIR,
	DMAMAP_DEBUG_WRONG_TYPE,
	DMAMAP_DEBUG_WRONG_NENTS,
	DMAMAP_DEBUG_UNCHECKED,
	DMAMAP_DEBUG_SYNC_RANGE,
	DMAMAP_DEBUG_SYNC_DIR,
	DMAMAP_DEBUG_OVERLAP,
	DMAMAP_DEBUG_FREE_MISMATCH,
	DMAMAP_DEBUG_BAD_MEMORY,
	DMAMAP_DEBUG_LEAK,
	DMAMAP_DEBUG_CPU_OWNERSHIP,
	DMAMAP_DEBUG_DEVICE_ACCESS,
	/* additions past the contract */
	DMAMAP_DEBUG_MISUSE,
};

/**
 * struct dmamap_debug_report - one mistake, as the handler is given it
 * @kind: what kind of mistake
 * @dev: the device whose call or access it was; NULL when no device is
 *	concerned (pages, kmalloc, an IOMMU domain's own calls, a reservation
 *	lock)
 * @message: what happened, in one line without a newline, the device's
 *	name or the kind ("dma_unmap_single of DMA address 0x80040000 with
 *	size 128; it was mapped with 256; refused")
 * @addr: the DMA address (an IOVA for a domain's own calls) the mistake is
 *	about; 0 when none is (a page, a CPU address)
 * @size: the bytes concerned, as the call gave them; 0 when no size is
 * @map_site: where the mapping or allocation concerned was made, as
 *	"file:line (function)" when the program has debug information, else
 *	"function+0xoff (object)"; NULL when no mapping is concerned
 * @site: where the mistake was made, in the same form: the caller of the
 *	DMA API (of the bus call for %DMAMAP_DEBUG_DEVICE_ACCESS); NULL when
 *	it is not known
 *
 * The strings live as long as the call of the handler: copy what is to be
 * kept.
 */
struct dmamap_debug_report {
	enum dmamap_debug_kind kind;
	struct device *dev;
	const char *message;
	dma_addr_t addr;
	size_t size;
	const char *map_site;
	const char *site;
};

/**
 * typedef dmamap_debug_handler_t - where a machine's reports go
 * @r: the report (&struct dmamap_debug_report); it and its strings live
 *     until the handler returns
 * @arg: what dmamap_debug_set_handler() was given with the handler
 *
 * Called once per report, in the thread that made the call the report is
 * about (for %DMAMAP_DEBUG_LEAK, the one destroying the device or machine),
 * with no lock of the library held: it may call the library, on the same
 * device too. A report made while the dma-buf core or the ready-made
 * exporter holds a buffer's lock is kept and handed over once the lock is
 * let go, still in the same thread and before the call returns. Reports
 * of several threads may reach the handler at once.
 */
typedef void (*dmamap_debug_handler_t)(const struct dmamap_debug_report *r, void *arg);

/**
 * dmamap_debug_set_handler - where the machine's reports go
 * @m: the machine
 * @fn: called once per report, with no lock of the library held (it may call
 *      the library, the same device included); NULL: reports go to stderr
 * @arg: passed to @fn
 *
 * Reports are made whether or not a handler is set; the handler only
 * decides where they go. Not to race with DMA calls on the machine.
 */
DMAMAP_API void dmamap_debug_set_handler(struct dmamap_machine *m, dmamap_debug_handler_t fn,
					 void *arg);

/**
 * dmamap_debug_error_count - reports made on the machine so far
 * @m: the machine
 *
 * Every report counts, whichever flag made it and wherever it went; the same
 * number as the api_errors statistic.
 *
 * Return: the count; 0 for NULL.
 */
DMAMAP_API unsigned long dmamap_debug_error_count(struct dmamap_machine *m);

/**
 * dmamap_debug_dump - the live mappings and allocations of every device
 * @m: the machine
 * @out: where to print them, one per line (what the kernel's dma-api/dump
 *       file shows: type, device, physical and DMA address, size, direction,
 *       whether the mapping error was checked), with where each was made
 */
DMAMAP_API void dmamap_debug_dump(struct dmamap_machine *m, FILE *out);

/**
 * dmamap_debug_kind_name - the short name of a kind ("wrong_size", ...)
 * @kind: a kind
 *
 * Return: a static string; "unknown" for a value that is not a kind.
 */
DMAMAP_API const char *dmamap_debug_kind_name(enum dmamap_debug_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DEBUG_H */
