/* SPDX-License-Identifier: MIT */
/*
 * Fault injection, as the kernel's fault-injection framework
 * (fail_page_alloc, failslab, should_fail()): make chosen allocations of the
 * library fail on purpose, to test that a driver, and the library under it,
 * handle every failure cleanly.
 *
 * What may fail is chosen by site: page frames, kmalloc and the library's
 * own records, IOVA ranges, IOMMU page-table pages, swiotlb slots, areas of
 * the kernel VA window and cookies, and the host calls that create memory or
 * mappings. Which calls at those sites fail is chosen as the kernel chooses:
 * the nth one (the kernel's fail-nth), every interval-th one, a share of them
 * at random (a seeded sequence: the same seed fails the same calls), at most
 * a number of times. A failure injected is the failure the site would give
 * if it ran out: NULL, -ENOMEM, DMA_MAPPING_ERROR, a full swiotlb, as each
 * documents.
 *
 * The setting is the process's (one for every machine and thread), as the
 * kernel's attributes are the system's; it can be narrowed to one machine.
 * While nothing is set the sites cost one load each. The environment
 * variable DMAMAP_FAIL sets it when the first machine is created:
 *
 *   DMAMAP_FAIL=SITES[:KEY=VALUE]...
 *
 * SITES is a comma-separated list of page_alloc, slab, iova, pgtable,
 * swiotlb, vmalloc, host, or all; the keys are nth, interval, probability,
 * times and seed (the fields below), and verbose without a value, e.g.
 * DMAMAP_FAIL=page_alloc,slab:interval=50:times=10:verbose. A value it
 * cannot read is said on stderr and nothing is set.
 *
 * Threads: dmamap_fail_set() and dmamap_fail_stats() may run while other
 * threads allocate: the sites read the setting and count under a lock of
 * their own. The count behind nth and interval is shared by every thread,
 * so with several threads the call that fails is whichever comes nth.
 */
#ifndef DMAMAP_FAULT_INJECT_H
#define DMAMAP_FAULT_INJECT_H

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;

/* Sites (dmamap_fail_config.sites): where failures may be injected. */
#define DMAMAP_FAIL_PAGE_ALLOC	(1UL << 0) /* fail_page_alloc: page frames of the machine */
#define DMAMAP_FAIL_SLAB	(1UL << 1) /* failslab: dmamap_kmalloc() and the library's
					    * records (allocations, tables, domains...) */
#define DMAMAP_FAIL_IOVA	(1UL << 2) /* IOVA ranges of DMA domains */
#define DMAMAP_FAIL_PGTABLE	(1UL << 3) /* IOMMU page-table pages */
#define DMAMAP_FAIL_SWIOTLB	(1UL << 4) /* swiotlb slots (as a full pool) */
#define DMAMAP_FAIL_VMALLOC	(1UL << 5) /* areas of the kernel VA window, and cookies */
#define DMAMAP_FAIL_HOST	(1UL << 6) /* host calls that make memory or mappings:
					    * memfd, mmap, mprotect, populating madvise */
#define DMAMAP_FAIL_ALL		0x7fUL
#define DMAMAP_FAIL_NR_SITES	7

/**
 * struct dmamap_fail_config - which calls fail (dmamap_fail_set())
 * @sites: DMAMAP_FAIL_* bits; 0: inject nothing
 * @machine: only this machine's calls count; NULL: every call, those made for
 *	no machine included
 * @nth: the nth call counted fails (1: the next one), and no other; 0: as
 *	@interval, @probability and @times say
 * @interval: only every interval-th call counted may fail; 0 or 1: every one
 * @probability: percent of those that fail, 1..100; 0: 100
 * @times: failures at most; 0: no limit
 * @seed: of the random choices: the same seed fails the same calls
 * @verbose: one line on stderr per failure injected
 */
struct dmamap_fail_config {
	unsigned long sites;		/* DMAMAP_FAIL_* bits; 0: inject nothing */
	struct dmamap_machine *machine;	/* only this machine's calls count; NULL: every
					 * call, those made for no machine included */
	unsigned long nth;		/* the nth call counted fails (1: the next one),
					 * and no other; 0: as the next three say */
	unsigned long interval;		/* only every interval-th call counted may fail;
					 * 0 or 1: every one */
	unsigned int probability;	/* percent of those that fail, 1..100; 0: 100 */
	unsigned long times;		/* failures at most; 0: no limit */
	u64 seed;			/* of the random choices */
	bool verbose;			/* one line on stderr per failure injected */
};

/**
 * dmamap_fail_set - choose the calls that fail
 * @cfg: the setting, copied; NULL turns injection off
 *
 * The counts of dmamap_fail_stats() start again from zero. Not to race with
 * calls at the sites (set it between workloads).
 *
 * Return: 0; -EINVAL (an unknown site bit, a probability above 100).
 */
DMAMAP_API int dmamap_fail_set(const struct dmamap_fail_config *cfg);

/**
 * struct dmamap_fail_stats - what fault injection did (dmamap_fail_stats())
 * @calls: calls counted (at the sites, for the machine)
 * @failed: failures injected
 * @failed_at: of them, per site (indexed by bit number)
 */
struct dmamap_fail_stats {
	u64 calls;				/* calls counted (at the sites, for the machine) */
	u64 failed;				/* failures injected */
	u64 failed_at[DMAMAP_FAIL_NR_SITES];	/* of them, per site (bit number) */
};

/**
 * dmamap_fail_stats - the counts of fault injection
 * @out: where they are stored
 *
 * The counts since the last dmamap_fail_set() (or since DMAMAP_FAIL set it).
 */
DMAMAP_API void dmamap_fail_stats(struct dmamap_fail_stats *out);

/**
 * dmamap_fail_site_name - the short name of a site
 * @site: one DMAMAP_FAIL_* bit
 *
 * Return: "page_alloc", "slab", "iova", "pgtable", "swiotlb", "vmalloc" or
 * "host" (the names DMAMAP_FAIL takes); "unknown" for another value.
 */
DMAMAP_API const char *dmamap_fail_site_name(unsigned long site);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_FAULT_INJECT_H */
