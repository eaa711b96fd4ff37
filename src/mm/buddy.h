/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator of one bank.
 *
 * Free blocks of order k (2^k frames, aligned to 2^k in physical frame
 * numbers) are bits in a hierarchical bitmap per order, so finding the
 * lowest free block of an order, and testing a buddy on free, cost a few
 * word operations whatever the size of the bank, and nothing has to be
 * touched at creation but the bits of the initial blocks: a bank's free
 * lists live outside the struct page array, which stays unpopulated until
 * frames are used.
 *
 * Policy: the lowest free block of the smallest sufficient order, split by
 * keeping the low half. An allocation capped below a physical limit takes the
 * lowest free block of an order whose start leaves room below the cap. Blocks
 * merge with their buddy on free, so a bank whose frames are all free is
 * always back to maximal blocks: the only fragmentation is that of the live
 * allocations themselves.
 *
 * Freed frames still hold host memory (their bytes in the memfd, the CPU's
 * private copies). The allocator keeps a bit per frame that is free and
 * still holds it ("unreleased"); a frame allocated again simply loses its
 * bit, and once a batch of them has built up the caller gives their memory
 * back to the host in one pass, a host call per run of adjacent frames
 * (buddy_release()), so that a long run's memory is bounded by what is live
 * and the cost per freed frame stays low.
 */
#ifndef DMAMAP_SRC_MM_BUDDY_H
#define DMAMAP_SRC_MM_BUDDY_H

#include <dmamap/mm.h>
#include <pthread.h>

#include "lib/hbitmap.h"

struct buddy {
	pthread_mutex_t lock;		/* guards everything below */
	unsigned long base_pfn;		/* first frame of the bank */
	unsigned long end_pfn;		/* one past the last frame */
	unsigned long first_block[MAX_PAGE_ORDER + 1];	/* base_pfn >> k */
	struct hbitmap free[MAX_PAGE_ORDER + 1];	/* free blocks per order */
	unsigned long nr_free[MAX_PAGE_ORDER + 1];	/* blocks in free[k] */
	unsigned long free_pages;
	u64 *unreleased;		/* bit per frame: free, host memory not given back */
	unsigned long nr_unreleased;	/* bits set in unreleased */
};

/* Unreleased frames in a bank that make a batch worth a pass of host calls. */
#define BUDDY_RELEASE_BATCH	512UL

/* u64 words of bitmap storage a bank needs. */
size_t buddy_storage_words(unsigned long base_pfn, unsigned long nr_pages);
/* Every frame free; @storage zeroed, buddy_storage_words() words. */
void buddy_init(struct buddy *b, unsigned long base_pfn, unsigned long nr_pages, u64 *storage);
void buddy_destroy(struct buddy *b);

/* A block of 2^order frames ending at or below @max_pfn: its pfn, or -1. */
long buddy_alloc(struct buddy *b, unsigned int order, unsigned long max_pfn);
/*
 * Frees a block buddy_alloc() returned (the caller checked it). Returns true
 * when the bank's unreleased frames make a batch: the caller then calls
 * buddy_release().
 */
bool buddy_free(struct buddy *b, unsigned long pfn, unsigned int order);
/*
 * Calls @fn for each run of adjacent free, unreleased frames, under the
 * lock (none of them can be allocated meanwhile), and marks them released.
 */
void buddy_release(struct buddy *b, void (*fn)(void *arg, unsigned long pfn, unsigned long n),
		   void *arg);

/* Free blocks per order, for tests and statistics (read under the lock, which it takes). */
unsigned long buddy_free_blocks(struct buddy *b, unsigned int order);
/* Is frame @pfn inside a free block? (read under the lock, which it takes) */
bool buddy_pfn_is_free(struct buddy *b, unsigned long pfn);

#endif
