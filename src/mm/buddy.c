// SPDX-License-Identifier: MIT
#include "mm/buddy.h"
#include "lib/lockdep.h"
#include "lib/util.h"

static unsigned long blocks_of_order(unsigned long base_pfn, unsigned long end_pfn, unsigned int k)
{
	return ((end_pfn - 1) >> k) - (base_pfn >> k) + 1;
}

size_t buddy_storage_words(unsigned long base_pfn, unsigned long nr_pages)
{
	size_t words = 0;

	for (unsigned int k = 0; k <= MAX_PAGE_ORDER; k++)
		words += hbitmap_words(blocks_of_order(base_pfn, base_pfn + nr_pages, k));
	return words + DIV_ROUND_UP(nr_pages, 64);
}

static inline unsigned long block_index(const struct buddy *b, unsigned long pfn, unsigned int k)
{
	return (pfn >> k) - b->first_block[k];
}

static inline void mark_free_locked(struct buddy *b, unsigned long pfn, unsigned int k)
{
	lockdep_assert_held(&b->lock);
	hbitmap_set(&b->free[k], block_index(b, pfn, k));
	b->nr_free[k]++;
}

static inline void mark_used_locked(struct buddy *b, unsigned long pfn, unsigned int k)
{
	lockdep_assert_held(&b->lock);
	hbitmap_clear(&b->free[k], block_index(b, pfn, k));
	b->nr_free[k]--;
}

void buddy_init(struct buddy *b, unsigned long base_pfn, unsigned long nr_pages, u64 *storage)
{
	unsigned long pfn;

	pthread_mutex_init(&b->lock, NULL);
	b->base_pfn = base_pfn;
	b->end_pfn = base_pfn + nr_pages;
	b->free_pages = nr_pages;
	for (unsigned int k = 0; k <= MAX_PAGE_ORDER; k++) {
		unsigned long n = blocks_of_order(base_pfn, b->end_pfn, k);

		b->first_block[k] = base_pfn >> k;
		b->nr_free[k] = 0;
		hbitmap_init(&b->free[k], n, storage);
		storage += hbitmap_words(n);
	}
	/* a new bank's frames were never used: nothing to give back */
	b->unreleased = storage;
	b->nr_unreleased = 0;
	/*
	 * carve the bank into the largest aligned blocks that fit (no other
	 * thread sees the bank yet: the lock is for the helper's assertion)
	 */
	pthread_mutex_lock(&b->lock);
	for (pfn = base_pfn; pfn < b->end_pfn;) {
		unsigned int k = MAX_PAGE_ORDER;

		while (k && ((pfn & ((1UL << k) - 1)) || pfn + (1UL << k) > b->end_pfn))
			k--;
		mark_free_locked(b, pfn, k);
		pfn += 1UL << k;
	}
	pthread_mutex_unlock(&b->lock);
}

/* Marks frames [pfn, pfn+n) released (@set false) or unreleased; returns the bits changed. */
static unsigned long mark_unreleased_locked(struct buddy *b, unsigned long pfn, unsigned long n,
					    bool set)
{
	unsigned long i = pfn - b->base_pfn, end = i + n, changed = 0;

	lockdep_assert_held(&b->lock);
	while (i < end) {
		unsigned int bit = i % 64;
		unsigned long len = min(end - i, 64UL - bit);
		u64 mask = (len == 64 ? ~0ULL : ((1ULL << len) - 1)) << bit;
		u64 *w = &b->unreleased[i / 64];

		changed += (unsigned long)__builtin_popcountll(set ? mask & ~*w : mask & *w);
		if (set)
			*w |= mask;
		else
			*w &= ~mask;
		i += len;
	}
	if (set)
		b->nr_unreleased += changed;
	else
		b->nr_unreleased -= changed;
	return changed;
}

void buddy_release(struct buddy *b, void (*fn)(void *arg, unsigned long pfn, unsigned long n),
		   void *arg)
{
	unsigned long nbits = b->end_pfn - b->base_pfn, i = 0;

	pthread_mutex_lock(&b->lock);
	while (b->nr_unreleased && i < nbits) {
		unsigned long start, end;
		u64 w = b->unreleased[i / 64] >> (i % 64);

		if (!w) {
			i = ALIGN(i + 1, 64);
			continue;
		}
		start = i + (unsigned long)__builtin_ctzll(w);
		end = start;
		while (end < nbits && (b->unreleased[end / 64] >> (end % 64) & 1)) {
			if (end % 64 == 0 && b->unreleased[end / 64] == ~0ULL && end + 64 <= nbits)
				end += 64;
			else
				end++;
		}
		fn(arg, b->base_pfn + start, end - start);
		mark_unreleased_locked(b, b->base_pfn + start, end - start, false);
		i = end;
	}
	pthread_mutex_unlock(&b->lock);
}

void buddy_destroy(struct buddy *b)
{
	pthread_mutex_destroy(&b->lock);
}

long buddy_alloc(struct buddy *b, unsigned int order, unsigned long max_pfn)
{
	long ret = -1;

	pthread_mutex_lock(&b->lock);
	for (unsigned int k = order; k <= MAX_PAGE_ORDER; k++) {
		unsigned long idx, pfn;

		if (!b->nr_free[k])
			continue;
		idx = hbitmap_find_next(&b->free[k], 0);
		pfn = (idx + b->first_block[k]) << k;
		/* the lowest block of this order: if it is too high, all are */
		if (pfn + (1UL << order) - 1 > max_pfn)
			continue;
		mark_used_locked(b, pfn, k);
		/* split, keeping the low half */
		while (k > order) {
			k--;
			mark_free_locked(b, pfn + (1UL << k), k);
		}
		b->free_pages -= 1UL << order;
		if (b->nr_unreleased)
			mark_unreleased_locked(b, pfn, 1UL << order, false);
		ret = (long)pfn;
		break;
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

bool buddy_free(struct buddy *b, unsigned long pfn, unsigned int order)
{
	unsigned int k = order;
	bool due;

	pthread_mutex_lock(&b->lock);
	b->free_pages += 1UL << order;
	mark_unreleased_locked(b, pfn, 1UL << order, true);
	due = b->nr_unreleased >= BUDDY_RELEASE_BATCH;
	while (k < MAX_PAGE_ORDER) {
		unsigned long buddy = pfn ^ (1UL << k);

		if (buddy < b->base_pfn || buddy + (1UL << k) > b->end_pfn)
			break;
		if (!hbitmap_test(&b->free[k], block_index(b, buddy, k)))
			break;
		mark_used_locked(b, buddy, k);
		pfn &= ~(1UL << k);
		k++;
	}
	mark_free_locked(b, pfn, k);
	pthread_mutex_unlock(&b->lock);
	return due;
}

unsigned long buddy_free_blocks(struct buddy *b, unsigned int order)
{
	unsigned long n;

	pthread_mutex_lock(&b->lock);
	n = b->nr_free[order];
	pthread_mutex_unlock(&b->lock);
	return n;
}

bool buddy_pfn_is_free(struct buddy *b, unsigned long pfn)
{
	bool found = false;

	pthread_mutex_lock(&b->lock);
	for (unsigned int k = 0; k <= MAX_PAGE_ORDER && !found; k++) {
		unsigned long start = pfn & ~((1UL << k) - 1);

		if (start < b->base_pfn || start + (1UL << k) > b->end_pfn)
			continue;
		found = hbitmap_test(&b->free[k], block_index(b, start, k));
	}
	pthread_mutex_unlock(&b->lock);
	return found;
}
