/* SPDX-License-Identifier: MIT */
/*
 * Fault injection at the library's allocation sites (fail.c; the public
 * side is <dmamap/fault-inject.h>).
 *
 * Every site asks mm_should_fail() before it allocates and, on true, fails
 * as it would if it had run out. While no injection is set this is one
 * relaxed load and a branch.
 */
#ifndef DMAMAP_SRC_MM_FAIL_H
#define DMAMAP_SRC_MM_FAIL_H

#include <dmamap/fault-inject.h>
#include <stdlib.h>

#include "lib/util.h"

extern int mm_fail_enabled;	/* (atomic) an injection is set */

bool mm_should_fail_slow(unsigned long site, const struct dmamap_machine *m);

/*
 * Should this call at @site, made for machine @m (NULL: for none), fail?
 * Counts it when an injection is set.
 */
static inline bool mm_should_fail(unsigned long site, const struct dmamap_machine *m)
{
	if (likely(!READ_ONCE(mm_fail_enabled)))
		return false;
	return mm_should_fail_slow(site, m);
}

/*
 * The library's own records (what the kernel takes from kmalloc: allocation
 * records, tables, domains, attachments) come from the host's heap, zeroed,
 * through here, so that failslab reaches them. @m: the machine they are
 * for, or NULL.
 */
static inline void *mm_kzalloc(const struct dmamap_machine *m, size_t size)
{
	if (mm_should_fail(DMAMAP_FAIL_SLAB, m))
		return NULL;
	return calloc(1, size);
}

static inline void *mm_kcalloc(const struct dmamap_machine *m, size_t n, size_t size)
{
	if (mm_should_fail(DMAMAP_FAIL_SLAB, m))
		return NULL;
	return calloc(n, size);
}

static inline void *mm_kmalloc_host(const struct dmamap_machine *m, size_t size)
{
	if (mm_should_fail(DMAMAP_FAIL_SLAB, m))
		return NULL;
	return malloc(size);
}

/* DMAMAP_FAIL, read once per process (by dmamap_machine_create()). */
void mm_fail_env(void);

#endif
