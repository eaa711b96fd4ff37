/* SPDX-License-Identifier: MIT */
/*
 * Hierarchical bitmap: a bitmap plus summary levels in which a bit says
 * "this word of the level below is not all zero". Setting and clearing a bit
 * cost O(levels); finding the lowest set bit at or after a position costs
 * O(levels) too, with no scan over the bitmap. 64^6 bits at most.
 *
 * The storage is the caller's (zeroed); an hbitmap has no lock of its own.
 */
#ifndef DMAMAP_SRC_LIB_HBITMAP_H
#define DMAMAP_SRC_LIB_HBITMAP_H

#include <dmamap/types.h>

#define HBITMAP_MAX_LEVELS 6

struct hbitmap {
	unsigned long nbits;
	unsigned int levels;			/* level 0 is the bitmap itself */
	u64 *lvl[HBITMAP_MAX_LEVELS];
};

/* u64 words of storage an hbitmap of @nbits needs. */
size_t hbitmap_words(unsigned long nbits);
/* @storage: hbitmap_words(nbits) zeroed words. */
void hbitmap_init(struct hbitmap *hb, unsigned long nbits, u64 *storage);

static inline bool hbitmap_test(const struct hbitmap *hb, unsigned long i)
{
	return (hb->lvl[0][i / 64] >> (i % 64)) & 1;
}

void hbitmap_set(struct hbitmap *hb, unsigned long i);
void hbitmap_clear(struct hbitmap *hb, unsigned long i);
/* Lowest set bit >= @from, or ~0UL. */
unsigned long hbitmap_find_next(const struct hbitmap *hb, unsigned long from);
/* Highest set bit <= @upto, or ~0UL. */
unsigned long hbitmap_find_prev(const struct hbitmap *hb, unsigned long upto);

#endif
