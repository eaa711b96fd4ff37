// SPDX-License-Identifier: MIT
#include "mm/buddy.h"
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
	return words;
}

static inline unsigned long block_index(const struct buddy *b, unsigned long pfn, unsigned int k)
{
	return (pfn >> k) - b->first_block[k];
}

static inline void mark_free_locked(struct buddy *b, unsigned long pfn, unsigned int k)
{
	hbitmap_set(&b->free[k], block_index(b, pfn, k));
	b->nr_free[k]++;
}

static inline void mark_used_locked(struct buddy *b, unsigned long pfn, unsigned int k)
{
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
	/* carve the bank into the largest aligned blocks that fit */
	for (pfn = base_pfn; pfn < b->end_pfn;) {
		unsigned int k = MAX_PAGE_ORDER;

		while (k && ((pfn & ((1UL << k) - 1)) || pfn + (1UL << k) > b->end_pfn))
			k--;
		mark_free_locked(b, pfn, k);
		pfn += 1UL << k;
	}
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
		ret = (long)pfn;
		break;
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

void buddy_free(struct buddy *b, unsigned long pfn, unsigned int order)
{
	unsigned int k = order;

	pthread_mutex_lock(&b->lock);
	b->free_pages += 1UL << order;
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
