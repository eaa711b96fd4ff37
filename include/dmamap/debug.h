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

enum dmamap_debug_kind {
	DMAMAP_DEBUG_UNKNOWN_ADDR = 1,	/* unmap/sync/free of an address not mapped
					 * (never or any more) */
	DMAMAP_DEBUG_WRONG_SIZE,	/* unmap or free with another size than mapped */
	DMAMAP_DEBUG_WRONG_DIR,		/* unmap with another direction than mapped */
	DMAMAP_DEBUG_WRONG_TYPE,	/* undone by a call of another type (single, page, sg...) */
	DMAMAP_DEBUG_WRONG_NENTS,	/* unmap or sync of a list with another entry count */
	DMAMAP_DEBUG_UNCHECKED,		/* dma_mapping_error() never called on the mapping */
	DMAMAP_DEBUG_SYNC_RANGE,	/* sync of bytes outside the mapping */
	DMAMAP_DEBUG_SYNC_DIR,		/* sync in a direction the mapping does not allow */
	DMAMAP_DEBUG_OVERLAP,		/* a cache line shared by mappings, one writable */
	DMAMAP_DEBUG_FREE_MISMATCH,	/* free with another CPU address, size or attributes */
	DMAMAP_DEBUG_BAD_MEMORY,	/* not linear-map memory: stack, heap, VA window, cookie */
	DMAMAP_DEBUG_LEAK,		/* still mapped or allocated when the device goes */
	DMAMAP_DEBUG_CPU_OWNERSHIP,	/* the CPU touched a buffer while the device owned it */
	DMAMAP_DEBUG_DEVICE_ACCESS,	/* bus access outside the mappings or their direction */
	/* additions past the contract */
	DMAMAP_DEBUG_MISUSE,		/* other misuse the kernel WARNs about: a bad direction,
					 * size 0, a dma-buf or page freed twice... (refused,
					 * reported whatever the flags) */
};

struct dmamap_debug_report {
	enum dmamap_debug_kind kind;
	struct device *dev;	/* NULL when no device is concerned */
	const char *message;	/* one line */
	dma_addr_t addr;
	size_t size;
	const char *map_site;	/* where the mapping concerned was made, or NULL */
	const char *site;	/* where the misuse happened (the DMA API's caller), or NULL */
};

/* The strings of a report live as long as the call of the handler. */
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
