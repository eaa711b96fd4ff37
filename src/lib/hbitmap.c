// SPDX-License-Identifier: MIT
#include "lib/hbitmap.h"
#include "lib/util.h"

size_t hbitmap_words(unsigned long nbits)
{
	size_t words = 0;
	unsigned long n = nbits ? nbits : 1;

	for (;;) {
		unsigned long w = DIV_ROUND_UP(n, 64);

		words += w;
		if (w == 1)
			return words;
		n = w;
	}
}

void hbitmap_init(struct hbitmap *hb, unsigned long nbits, u64 *storage)
{
	unsigned long n = nbits ? nbits : 1;
	unsigned int l = 0;

	hb->nbits = nbits;
	for (;;) {
		unsigned long w = DIV_ROUND_UP(n, 64);

		assert(l < HBITMAP_MAX_LEVELS);
		hb->lvl[l++] = storage;
		storage += w;
		if (w == 1)
			break;
		n = w;
	}
	hb->levels = l;
}

void hbitmap_set(struct hbitmap *hb, unsigned long i)
{
	for (unsigned int l = 0; l < hb->levels; l++) {
		u64 *w = &hb->lvl[l][i / 64];
		bool was_empty = *w == 0;

		*w |= 1ULL << (i % 64);
		if (!was_empty)
			return;
		i /= 64;
	}
}

void hbitmap_clear(struct hbitmap *hb, unsigned long i)
{
	for (unsigned int l = 0; l < hb->levels; l++) {
		u64 *w = &hb->lvl[l][i / 64];

		*w &= ~(1ULL << (i % 64));
		if (*w)
			return;
		i /= 64;
	}
}

/*
 * Climb from @from until a level has a set bit at or after the position,
 * then descend taking the lowest set bit at each level.
 */
unsigned long hbitmap_find_next(const struct hbitmap *hb, unsigned long from)
{
	unsigned long i = from, nbits = hb->nbits;
	unsigned int l;

	for (l = 0; l < hb->levels; l++) {
		u64 w;

		if (i >= nbits)
			return ~0UL;
		w = hb->lvl[l][i / 64] & (~0ULL << (i % 64));
		if (w) {
			i = (i & ~63UL) + (unsigned long)__builtin_ctzll(w);
			break;
		}
		/* nothing left in this word: go on from the next word, one level up */
		i = i / 64 + 1;
		nbits = DIV_ROUND_UP(nbits, 64);
	}
	if (l == hb->levels)
		return ~0UL;
	while (l-- > 0)
		i = i * 64 + (unsigned long)__builtin_ctzll(hb->lvl[l][i]);
	return i;
}

unsigned long hbitmap_find_prev(const struct hbitmap *hb, unsigned long upto)
{
	unsigned long i;
	unsigned int l;

	if (hb->nbits == 0)
		return ~0UL;
	i = upto >= hb->nbits ? hb->nbits - 1 : upto;
	for (l = 0; l < hb->levels; l++) {
		unsigned int b = i % 64;
		u64 w = hb->lvl[l][i / 64] & (b == 63 ? ~0ULL : ((1ULL << (b + 1)) - 1));

		if (w) {
			i = (i & ~63UL) + 63 - (unsigned long)__builtin_clzll(w);
			break;
		}
		if (i / 64 == 0)
			return ~0UL;
		i = i / 64 - 1;
	}
	if (l == hb->levels)
		return ~0UL;
	while (l-- > 0)
		i = i * 64 + 63 - (unsigned long)__builtin_clzll(hb->lvl[l][i]);
	return i;
}
