// SPDX-License-Identifier: MIT
/*
 * The IOVA allocator: a buddy allocator over the IOVA space, with caches per
 * thread for small sizes in front of it.
 *
 * Why not the kernel's design: its rbtree of ranges makes every allocation
 * that misses the per-CPU caches a search through the tree (with the
 * "cached node" heuristics to keep it short), and a free a lookup and an
 * rbtree erase. Here every range is size-aligned anyway, which is the buddy
 * system's natural rule, so the free space of each order is a hierarchical
 * bitmap (lib/hbitmap.c): "the highest free block of order k below the
 * limit" is a few word operations per bitmap level, whatever the number of
 * live ranges, and a free is a bit test and set per merge. Nothing is linear
 * in the size of the space or the number of ranges.
 *
 * Sizes as the kernel has them: below IOVA_RANGE_CACHE_MAX_SIZE orders (up
 * to 32 granules) a size is rounded up to a power of two, alignment and
 * length, so such a range is a buddy block; above, only the alignment is
 * rounded up and the range takes its exact length: what is left of its
 * aligned block serves other ranges (after 1023 ranges of 513 granules fill
 * a 2^20-granule space, 1026 ranges of 256 still fit, as in the kernel).
 *
 * How, cheaply: while a whole block of its alignment is free below the
 * limit, a large range takes one, as a power of two would (one bitmap
 * operation, and its free gives the block back whole), and the rest of the
 * block is its spare: counted free (iova_pages_used() counts the length),
 * but kept with it. When an allocation finds no whole block, every spare
 * goes back to the bitmaps (its range now ends at its length), and the
 * search is for the exact length: the lower half of a block of its
 * alignment and a prefix of the upper half, that is a free block that
 * holds it, or a free lower half whose upper half starts with enough free
 * granules. That search goes down from the limit over the free blocks of
 * the half size and stops at the first that fits or below the best whole
 * block: it is linear in the free half blocks above that one, as the
 * kernel's is in the ranges it passes. So the capacity is the kernel's;
 * the places differ (the kernel fills a spare before going lower).
 *
 * Top-down: of the free blocks big enough, the one that reaches highest
 * below the limit gives its top: a domain hands out its highest addresses
 * first, as the kernel's does.
 *
 * Caches: each thread keeps, per domain it uses and per order below
 * IOVA_RANGE_CACHE_MAX_SIZE (1..32 granules), two magazines of freed ranges
 * (a loaded one and a previous one, as the kernel's per-CPU rcaches), so the
 * common map/unmap pair touches neither the shared bitmaps nor a shared lock.
 * A thread that fills both hands a full magazine to the domain's depot, and
 * one that empties both takes a full one from there, so a burst of frees
 * followed by a burst of allocations (or the other way round) moves whole
 * magazines, not ranges. The caches of a domain are on a list of the
 * domain, which frees them; a thread finds its cache through a small
 * thread-local table keyed by a domain id that is never reused, so a stale
 * table entry is never followed. The granules a cache's owner took from or
 * gave back to it are counted in the cache and added up by iova_pages_used().
 *
 * Only the owner fills and empties its cache, but another thread may drain
 * it (on exhaustion, or free_cpu_cached_iovas()): a rare event. So the owner
 * does not take a lock (a locked instruction, the price of the whole
 * operation otherwise): it raises its cache's "busy" flag with a plain store
 * and checks the cache's "drain" flag; a drainer raises "drain", has every
 * thread of the process execute a memory barrier (membarrier(2), see
 * cache_enter()), then waits for "busy" to fall and takes the cache's lock,
 * which an owner that sees "drain" raised takes too. Where the host has no
 * such barrier, the owner takes the lock every time.
 *
 * Validation: a byte per granule holds 1 + the order of the range that
 * starts there while it is allocated, 0 otherwise; a free claims it with one
 * compare-and-swap, so a double free, a free with the wrong size or of
 * something never allocated is refused, and of frees racing for one range
 * exactly one wins. An allocation sets it with a plain store: the range is
 * its own until it returns it, and no other range has a state in that byte.
 */
#include "iommu/iova.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "lib/atomic.h"
#include "lib/hbitmap.h"
#include "lib/lockdep.h"
#include "lib/util.h"
#include "mm/host.h"

#define NR_ORDERS	(IOVA_MAX_SPACE_ORDER + 1)
#define CACHE_ORDERS	IOVA_RANGE_CACHE_MAX_SIZE	/* orders 0..5 */
#define MAG_SIZE	127
#define DEPOT_MAX	32			/* full magazines kept per order */
#define TLS_SLOTS	8
#define SPARE_SHIFT	CACHE_ORDERS		/* a large range starts on a multiple of 2^this */

struct iova_magazine {
	unsigned long n;
	unsigned long pfn[MAG_SIZE];
	struct iova_magazine *next;		/* in a depot list */
};

struct iova_cache {
	int lock;				/* 0 free, 1 held (atomic) */
	int busy;				/* the owner is in it, lock-free (atomic) */
	int drain;				/* a drainer wants it (atomic) */
	pthread_t owner;			/* the thread that fills it */
	long used;				/* granules handed out net (atomic loads) */
	struct iova_magazine *loaded[CACHE_ORDERS];
	struct iova_magazine *prev[CACHE_ORDERS];
	struct iova_cache *next;		/* domain's list, under caches_lock */
};

struct iova_depot {
	struct iova_magazine *full;		/* full magazines */
	struct iova_magazine *empty;		/* spare empty ones */
	unsigned int nr_full;
};

/*
 * Threads on other CPUs share it: what every operation reads is kept off
 * the lines that the locks and counters make bounce between CPUs.
 */
struct iova_domain {
	/* set at creation */
	unsigned long granule;
	unsigned long start_pfn, end_pfn;	/* [start, end) handed out */
	unsigned int space_order;		/* the space is [0, 2^space_order) */
	u64 id;					/* never reused */
	/*
	 * Per granule: 1 + the order of the range that starts there while it
	 * is allocated, 0 otherwise. A range of CACHE_ORDERS or more also keeps
	 * its length and whether it has a spare in the bytes after its own
	 * (see len_store()), which no other range starts at while it lives.
	 */
	u8 *alloced;
	size_t alloced_bytes;
	/* the ranges with a spare, one bit per pfn >> SPARE_SHIFT (words: lock) */
	u64 *spare;
	size_t spare_bytes;
	u64 *storage;				/* the bitmaps */
	size_t storage_bytes;
	struct hbitmap free[NR_ORDERS];		/* free blocks per order (words: lock) */

	int lock __attribute__((aligned(64)));	/* spinlock: the bitmaps, nr_free[], used */
	unsigned long nr_free[NR_ORDERS];
	unsigned long nr_spare;
	unsigned long used;			/* out of the bitmaps, the caches count theirs */

	/* guards the caches list */
	pthread_mutex_t caches_lock __attribute__((aligned(64)));
	struct iova_cache *caches;
	unsigned long misuse;			/* (atomic) */

	int depot_lock __attribute__((aligned(64)));	/* spinlock: depot[] */
	struct iova_depot depot[CACHE_ORDERS];
};

/* Zeroed memory of whole cache lines of its own: no other thread's data shares them. */
static void *zalloc_lines(size_t size)
{
	void *p = aligned_alloc(L1_CACHE_BYTES, ALIGN(size, L1_CACHE_BYTES));

	if (p)
		memset(p, 0, size);
	return p;
}

static u64 next_domain_id = 1;			/* atomic */
static pthread_once_t iova_once = PTHREAD_ONCE_INIT;
static bool iova_barriers;			/* the host has them (set once; atomic loads) */

struct tls_slot {
	u64 id;
	struct iova_cache *cache;
};

static __thread struct tls_slot tls_slots[TLS_SLOTS];
static __thread unsigned int tls_next;

/*
 * The locks: spinlocks, as the kernel's. They are held for a few bitmap
 * operations, and a sleeping lock makes a waiter and the holder that wakes
 * it each enter the host's kernel (futex), which costs far more than the
 * wait. A waiter that has spun long (a holder draining many ranges, or not
 * running) gives its CPU away between tries.
 */
static void spin_lock_wait(int *lock)
{
	unsigned int spins = 0;

	do {
		while (READ_ONCE(*lock)) {
			if (++spins < 512)
				cpu_relax();
			else
				sched_yield();
		}
	} while (xchg_acquire(lock, 1));
}

static inline void spin_lock(int *lock)
{
	if (unlikely(xchg_acquire(lock, 1)))
		spin_lock_wait(lock);
}

static inline void spin_unlock(int *lock)
{
	smp_store_release(lock, 0);
}

static inline void cache_lock(struct iova_cache *c)
{
	spin_lock(&c->lock);
}

static inline void cache_unlock(struct iova_cache *c)
{
	spin_unlock(&c->lock);
}

static void iova_init_once(void)
{
	WRITE_ONCE(iova_barriers, !host_barrier_register());
}

/*
 * The owner enters its cache: true on the fast path, false with c->lock held.
 *
 * Why the fast path excludes a drainer: the owner stores busy = 1 then loads
 * drain; the drainer (caches_drain()) stores drain = 1, has a barrier run in
 * every thread, then loads busy. The barrier orders the owner's store before
 * its load wherever the two straddle it, and the drainer's own, so they
 * cannot both load the old value (the store-buffering case, ruled out): the
 * owner sees drain = 1 and takes the lock instead, or the drainer sees
 * busy = 1 and waits for the release store of busy = 0 at cache_exit(),
 * which with its acquire load orders the whole operation before the drain.
 * The drainer stores drain = 0 (release) only when done, so an owner that
 * loads 0 (acquire) after a drain sees the drained magazines. The owner
 * needs only the compiler kept from reordering the store and the load.
 */
static inline bool cache_enter(struct iova_cache *c)
{
	if (likely(READ_ONCE(iova_barriers))) {
		WRITE_ONCE(c->busy, 1);
		barrier();
		if (likely(!smp_load_acquire(&c->drain)))
			return true;
		/* a drainer is at work: queue on the lock instead, out of its way */
		smp_store_release(&c->busy, 0);
	}
	cache_lock(c);
	return false;
}

static inline void cache_exit(struct iova_cache *c, bool fast)
{
	if (fast)
		smp_store_release(&c->busy, 0);
	else
		cache_unlock(c);
}

static inline unsigned long blocks(const struct iova_domain *d, unsigned int k)
{
	return 1UL << (d->space_order - k);
}

/*
 * A large range (order CACHE_ORDERS or more: 33 granules or more) keeps in
 * the bytes after its own: at +1, whether it has a spare; at +4..+7 (an
 * aligned word: large ranges start on a multiple of 64) its length less 1,
 * 7 bits a byte. Every such byte has its top bit set, so it is never an
 * order mark (1..29): a free aimed inside the range finds nothing to
 * claim. In the cache line the free touches anyway. Written under d->lock;
 * read by the free under it, and by iova_range_size().
 */
#define LEN_AT		4
#define SPARE_AT	1

static inline void len_store(struct iova_domain *d, unsigned long pfn, unsigned long len,
			     bool spare)
{
	u32 v = (u32)(len - 1);

	v = 0x80808080U | (v & 0x7f) | ((v << 1) & 0x7f00) | ((v << 2) & 0x7f0000) |
	    ((v << 3) & 0x7f000000);
	WRITE_ONCE(*((u32 *)&d->alloced[pfn + LEN_AT]), v);
	WRITE_ONCE(d->alloced[pfn + SPARE_AT], (u8)(0x80 | spare));
}

static inline unsigned long len_load(const struct iova_domain *d, unsigned long pfn)
{
	u32 v = READ_ONCE(*((const u32 *)&d->alloced[pfn + LEN_AT]));

	return ((v & 0x7f) | ((v >> 1) & 0x3f80) | ((v >> 2) & 0x1fc000) |
		((v >> 3) & 0xfe00000)) + 1UL;
}

static inline bool spare_load(const struct iova_domain *d, unsigned long pfn)
{
	return READ_ONCE(d->alloced[pfn + SPARE_AT]) & 1;
}

static inline void spare_mark(struct iova_domain *d, unsigned long pfn, bool on)
{
	unsigned long i = pfn >> SPARE_SHIFT;

	if (on)
		d->spare[i / 64] |= 1ULL << (i % 64);
	else
		d->spare[i / 64] &= ~(1ULL << (i % 64));
}

/*
 * Marks the range of order @k at @pfn allocated. A plain store: nobody else
 * may change this byte now (only a free of this very range may, once the
 * caller has it; a buggy free racing with this store is refused or takes
 * the range just after, as if it had come a little later).
 */
static inline void alloced_mark(struct iova_domain *d, unsigned int k, unsigned long pfn)
{
	WRITE_ONCE(d->alloced[pfn], (u8)(k + 1));
}

/* Marks it free; false if it is not allocated at that order (of racing calls, one wins). */
static inline bool alloced_clear(struct iova_domain *d, unsigned int k, unsigned long pfn)
{
	u8 old = (u8)(k + 1);

	return try_cmpxchg_relaxed(&d->alloced[pfn], &old, 0);
}

/* Marks [pfn, pfn + 2^k) free, merging with free buddies; under d->lock. */
static void buddy_free_locked(struct iova_domain *d, unsigned long pfn, unsigned int k)
{
	lockdep_assert_held(&d->lock);
	while (k < d->space_order) {
		unsigned long buddy = (pfn >> k) ^ 1;

		if (!hbitmap_test(&d->free[k], buddy))
			break;
		hbitmap_clear(&d->free[k], buddy);
		d->nr_free[k]--;
		pfn &= ~(1UL << k);
		k++;
	}
	hbitmap_set(&d->free[k], pfn >> k);
	d->nr_free[k]++;
}

/* Carves [lo, hi) into maximal aligned free blocks; under d->lock. */
static void free_range_locked(struct iova_domain *d, unsigned long lo, unsigned long hi)
{
	lockdep_assert_held(&d->lock);
	while (lo < hi) {
		unsigned int k = lo ? min_t(unsigned int, __builtin_ctzl(lo), d->space_order)
				    : d->space_order;

		while ((1UL << k) > hi - lo)
			k--;
		buddy_free_locked(d, lo, k);
		lo += 1UL << k;
	}
}

/*
 * The top 2^order granules of the free block that reaches highest below
 * @limit_pfn, among all orders that can hold them; 0 if none. Blocks of
 * different orders never overlap, so comparing their ends is enough.
 */
/* (flatten: the searches inline, as when this was their only caller) */
static __attribute__((flatten)) unsigned long buddy_alloc_locked(struct iova_domain *d,
								 unsigned int order,
								 unsigned long limit_pfn)
{
	unsigned long best_end = 0, best_idx = 0, pfn;
	unsigned int best_k = 0;

	lockdep_assert_held(&d->lock);
	/*
	 * A free block that holds the limit itself gives the highest range
	 * there can be: the top of its part below the limit. It is cut in
	 * three, the range and the free pieces below and above it. Of an
	 * order that limit + 1 is a multiple of, that block ends at the limit:
	 * the search below finds it first and splits it alike, so these
	 * orders are skipped (all of them for a limit at the end of the space).
	 */
	for (unsigned int k = max_t(unsigned int, order, __builtin_ctzl(limit_pfn + 1)) + 1;
	     k <= d->space_order; k++) {
		unsigned long idx = limit_pfn >> k, bstart, end;

		if (!d->nr_free[k] || idx >= blocks(d, k) || !hbitmap_test(&d->free[k], idx))
			continue;
		bstart = idx << k;
		end = ALIGN_DOWN(limit_pfn + 1, 1UL << order);
		if (end <= bstart)
			break;		/* too little of it below the limit */
		hbitmap_clear(&d->free[k], idx);
		d->nr_free[k]--;
		free_range_locked(d, bstart, end - (1UL << order));
		free_range_locked(d, end, bstart + (1UL << k));
		return end - (1UL << order);
	}
	for (unsigned int k = order; k <= d->space_order; k++) {
		unsigned long last, idx, end;

		if (!d->nr_free[k] || limit_pfn + 1 < (1UL << k))
			continue;
		/* the last block of this order that ends at or below the limit */
		last = ((limit_pfn + 1) >> k) - 1;
		idx = hbitmap_find_prev(&d->free[k], last);
		if (idx == ~0UL)
			continue;
		end = (idx + 1) << k;
		if (end > best_end) {
			best_end = end;
			best_idx = idx;
			best_k = k;
			if (end == limit_pfn + 1)
				break;	/* nothing can end higher */
		}
	}
	if (!best_end)
		return 0;
	hbitmap_clear(&d->free[best_k], best_idx);
	d->nr_free[best_k]--;
	pfn = best_idx << best_k;
	/* split, keeping the upper half each time */
	while (best_k > order) {
		best_k--;
		buddy_free_locked(d, pfn, best_k);
		pfn += 1UL << best_k;
	}
	return pfn;
}

static unsigned int size_order(unsigned long size)
{
	return size <= 1 ? 0 : fls64(size - 1);
}

/* Granules a range of @size takes: rounded up below CACHE_ORDERS, exact above. */
static inline unsigned long range_len(unsigned long size, unsigned int order)
{
	return order < CACHE_ORDERS ? 1UL << order : size;
}

/* The free block holding granule @x: its order, or -1 when @x is allocated. */
static int free_block_of(const struct iova_domain *d, unsigned long x, unsigned int max_order)
{
	for (unsigned int k = 0; k <= max_order; k++)
		if (d->nr_free[k] && hbitmap_test(&d->free[k], x >> k))
			return (int)k;
	return -1;
}

/* Is all of [lo, hi) free, in blocks below @max_order? Under d->lock. */
static bool range_free_locked(const struct iova_domain *d, unsigned long lo, unsigned long hi,
			      unsigned int max_order)
{
	lockdep_assert_held(&d->lock);
	while (lo < hi) {
		int k = free_block_of(d, lo, max_order);

		if (k < 0)
			return false;
		lo = ((lo >> k) + 1) << k;
	}
	return true;
}

/*
 * Takes [lo, hi), all free, out of the free blocks: each block it meets
 * goes, its parts outside the range given back. Under d->lock.
 */
static void take_range_locked(struct iova_domain *d, unsigned long lo, unsigned long hi)
{
	lockdep_assert_held(&d->lock);
	while (lo < hi) {
		int k = free_block_of(d, lo, d->space_order);
		unsigned long bstart, bend;

		bstart = (lo >> k) << k;
		bend = bstart + (1UL << k);
		hbitmap_clear(&d->free[k], lo >> k);
		d->nr_free[k]--;
		if (bstart < lo)
			free_range_locked(d, bstart, lo);
		if (bend > hi)
			free_range_locked(d, hi, bend);
		lo = bend;
	}
}

/*
 * A range of @len granules (2^(k-1) < @len < 2^k) aligned to 2^k, as high
 * as it fits with its last granule at or below @limit_pfn; 0 if none.
 * Where it goes: the highest 2^k-aligned start of a free block of order k
 * or more, or the lower half of a 2^k block (a free block of order k - 1 at
 * an even index; its buddy is then in use, else they would have merged)
 * whose upper half begins with @len - 2^(k-1) free granules, whichever is
 * higher. Under d->lock.
 */
static unsigned long range_alloc_locked(struct iova_domain *d, unsigned int k, unsigned long len,
					unsigned long limit_pfn)
{
	unsigned long align = 1UL << k, half = align >> 1, pmax, best = 0, idx;
	bool found = false;

	lockdep_assert_held(&d->lock);
	if (limit_pfn + 1 < len)
		return 0;
	pmax = ALIGN_DOWN(limit_pfn + 1 - len, align);
	/* whole free blocks: the highest place each order offers */
	for (unsigned int j = k; j <= d->space_order; j++) {
		unsigned long p;

		if (!d->nr_free[j])
			continue;
		idx = hbitmap_find_prev(&d->free[j], pmax >> j);
		if (idx == ~0UL)
			continue;
		p = min(((idx + 1) << j) - align, pmax);
		if (!found || p > best) {
			best = p;
			found = true;
			if (p == pmax)
				break;
		}
	}
	/* free lower halves above it, highest first */
	for (idx = hbitmap_find_prev(&d->free[k - 1], pmax >> (k - 1));
	     idx != ~0UL && (!found || idx << (k - 1) > best);
	     idx = idx ? hbitmap_find_prev(&d->free[k - 1], idx - 1) : ~0UL) {
		unsigned long p = idx << (k - 1);

		if (idx % 2 || !range_free_locked(d, p + half, p + len, k - 2))
			continue;
		best = p;
		found = true;
		break;
	}
	if (!found)
		return 0;
	take_range_locked(d, best, best + len);
	return best;
}

int iova_domain_create(unsigned long granule, unsigned long start_pfn, unsigned long end_pfn,
		       struct iova_domain **out)
{
	struct iova_domain *d;
	unsigned int space_order;
	size_t words = 0;
	u64 *st;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (granule < PAGE_SIZE || !is_power_of_2(granule) || start_pfn < 1 ||
	    end_pfn > (1UL << IOVA_MAX_SPACE_ORDER))
		return -EINVAL;
	if (!end_pfn)
		end_pfn = 1UL << IOVA_MAX_SPACE_ORDER;
	if (start_pfn >= end_pfn)
		return -EINVAL;
	space_order = fls64(end_pfn - 1);
	d = zalloc_lines(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->granule = granule;
	d->start_pfn = start_pfn;
	d->end_pfn = end_pfn;
	d->space_order = space_order;
	d->id = __atomic_fetch_add(&next_domain_id, 1, __ATOMIC_RELAXED);
	pthread_once(&iova_once, iova_init_once);
	for (unsigned int k = 0; k <= space_order; k++)
		words += hbitmap_words(blocks(d, k));

	/* lazily populated: only the bits and bytes of the part of the space in use are touched */
	d->storage_bytes = PAGE_ALIGN(words * sizeof(u64));
	d->storage = host_alloc_lazy(d->storage_bytes);
	d->alloced_bytes = PAGE_ALIGN(1UL << space_order);
	d->alloced = host_alloc_lazy(d->alloced_bytes);
	d->spare_bytes = PAGE_ALIGN((((1UL << space_order) >> SPARE_SHIFT) / 64 + 1) * sizeof(u64));
	d->spare = host_alloc_lazy(d->spare_bytes);
	if (!d->storage || !d->alloced || !d->spare) {
		host_release(d->storage, d->storage_bytes);
		host_release(d->alloced, d->alloced_bytes);
		host_release(d->spare, d->spare_bytes);
		free(d);
		return -ENOMEM;
	}
	st = d->storage;
	for (unsigned int k = 0; k <= space_order; k++) {
		hbitmap_init(&d->free[k], blocks(d, k), st);
		st += hbitmap_words(blocks(d, k));
	}

	pthread_mutex_init(&d->caches_lock, NULL);
	/* no other thread sees the domain yet: the lock is for the helpers' assertions */
	spin_lock(&d->lock);
	free_range_locked(d, start_pfn, end_pfn);
	spin_unlock(&d->lock);
	*out = d;
	return 0;
}

static void mag_list_free(struct iova_magazine *mag)
{
	while (mag) {
		struct iova_magazine *next = mag->next;

		free(mag);
		mag = next;
	}
}

void iova_domain_destroy(struct iova_domain *d)
{
	struct iova_cache *c, *n;

	if (!d)
		return;
	for (c = d->caches; c; c = n) {
		n = c->next;
		for (unsigned int k = 0; k < CACHE_ORDERS; k++) {
			free(c->loaded[k]);
			free(c->prev[k]);
		}
		free(c);
	}
	for (unsigned int k = 0; k < CACHE_ORDERS; k++) {
		mag_list_free(d->depot[k].full);
		mag_list_free(d->depot[k].empty);
	}
	host_release(d->storage, d->storage_bytes);
	host_release(d->alloced, d->alloced_bytes);
	host_release(d->spare, d->spare_bytes);
	pthread_mutex_destroy(&d->caches_lock);
	free(d);
}

/*
 * This thread's cache for @d: from the thread-local table, or the domain's
 * list (a cache this thread made before and whose table slot was reused),
 * or a new one. NULL if out of memory.
 */
static struct iova_cache *my_cache(struct iova_domain *d)
{
	struct iova_cache *c;
	pthread_t self;
	unsigned int slot;

	for (unsigned int i = 0; i < TLS_SLOTS; i++)
		if (tls_slots[i].id == d->id)
			return tls_slots[i].cache;
	self = pthread_self();
	pthread_mutex_lock(&d->caches_lock);
	for (c = d->caches; c; c = c->next)
		if (pthread_equal(c->owner, self))
			break;
	if (!c) {
		c = zalloc_lines(sizeof(*c));
		for (unsigned int k = 0; c && k < CACHE_ORDERS; k++) {
			c->loaded[k] = zalloc_lines(sizeof(*c->loaded[k]));
			c->prev[k] = zalloc_lines(sizeof(*c->prev[k]));
			if (!c->loaded[k] || !c->prev[k]) {
				for (unsigned int j = 0; j <= k; j++) {
					free(c->loaded[j]);
					free(c->prev[j]);
				}
				free(c);
				c = NULL;
			}
		}
		if (c) {
			c->owner = self;
			c->next = d->caches;
			d->caches = c;
		}
	}
	pthread_mutex_unlock(&d->caches_lock);
	if (c) {
		slot = tls_next++ % TLS_SLOTS;
		tls_slots[slot] = (struct tls_slot){ d->id, c };
	}
	return c;
}

/* Gives a magazine's ranges back to the bitmaps; under d->lock. */
static void mag_drain_locked(struct iova_domain *d, struct iova_magazine *mag, unsigned int k)
{
	lockdep_assert_held(&d->lock);
	for (unsigned long i = 0; i < mag->n; i++)
		buddy_free_locked(d, mag->pfn[i], k);
	mag->n = 0;
}

/* Gives a cache's ranges back to the bitmaps; c->lock held. */
static void cache_drain_locked(struct iova_domain *d, struct iova_cache *c)
{
	lockdep_assert_held(&c->lock);
	spin_lock(&d->lock);
	for (unsigned int k = 0; k < CACHE_ORDERS; k++) {
		mag_drain_locked(d, c->loaded[k], k);
		mag_drain_locked(d, c->prev[k], k);
	}
	spin_unlock(&d->lock);
}

/*
 * Drains every cache of the domain, whoever owns it; d->caches_lock held (so
 * one drainer at a time). See cache_enter() for the owner's side.
 */
static void caches_drain(struct iova_domain *d)
{
	bool barriers = READ_ONCE(iova_barriers);
	struct iova_cache *c;

	lockdep_assert_held(&d->caches_lock);
	if (barriers) {
		for (c = d->caches; c; c = c->next)
			WRITE_ONCE(c->drain, 1);
		/* one barrier for them all: owners now see drain = 1, or we see busy = 1 */
		host_barrier_all_threads();
	}
	for (c = d->caches; c; c = c->next) {
		/* an owner amid an operation finishes it (it waits for nothing of ours) */
		for (unsigned int spins = 0;
		     barriers && smp_load_acquire(&c->busy);)
			if (++spins % 1024)
				cpu_relax();
			else
				sched_yield();
		cache_lock(c);
		cache_drain_locked(d, c);
		if (barriers)
			smp_store_release(&c->drain, 0);
		cache_unlock(c);
	}
}

void free_cpu_cached_iovas(struct iova_domain *d)
{
	pthread_mutex_lock(&d->caches_lock);
	caches_drain(d);
	pthread_mutex_unlock(&d->caches_lock);
	/* and the depot: its magazines become spares */
	spin_lock(&d->depot_lock);
	spin_lock(&d->lock);
	for (unsigned int k = 0; k < CACHE_ORDERS; k++) {
		struct iova_depot *dp = &d->depot[k];

		while (dp->full) {
			struct iova_magazine *mag = dp->full;

			dp->full = mag->next;
			mag_drain_locked(d, mag, k);
			mag->next = dp->empty;
			dp->empty = mag;
		}
		WRITE_ONCE(dp->nr_full, 0);
	}
	spin_unlock(&d->lock);
	spin_unlock(&d->depot_lock);
}

/*
 * The cache's loaded magazine of order @k is empty and so is the previous
 * one: trade the loaded one for a full one of the depot. False if the depot
 * has none. The cache entered (cache_enter()).
 */
static bool depot_get_full(struct iova_domain *d, struct iova_cache *c, unsigned int k)
{
	struct iova_depot *dp = &d->depot[k];
	struct iova_magazine *mag;

	if (!READ_ONCE(dp->nr_full))
		return false;
	spin_lock(&d->depot_lock);
	mag = dp->full;
	if (mag) {
		dp->full = mag->next;
		WRITE_ONCE(dp->nr_full, dp->nr_full - 1);
		c->loaded[k]->next = dp->empty;
		dp->empty = c->loaded[k];
		c->loaded[k] = mag;
	}
	spin_unlock(&d->depot_lock);
	return mag != NULL;
}

/*
 * The loaded magazine of order @k is full and so is the previous one: give
 * it to the depot for an empty one. False if the depot is full or no empty
 * magazine can be had. The cache entered.
 */
static bool depot_put_full(struct iova_domain *d, struct iova_cache *c, unsigned int k)
{
	struct iova_depot *dp = &d->depot[k];
	struct iova_magazine *mag = NULL;
	bool done = false;

	spin_lock(&d->depot_lock);
	if (dp->nr_full < DEPOT_MAX) {
		mag = dp->empty;
		if (mag)
			dp->empty = mag->next;
		else
			mag = zalloc_lines(sizeof(*mag));
		if (mag) {
			c->loaded[k]->next = dp->full;
			dp->full = c->loaded[k];
			WRITE_ONCE(dp->nr_full, dp->nr_full + 1);
			mag->n = 0;
			c->loaded[k] = mag;
			done = true;
		}
	}
	spin_unlock(&d->depot_lock);
	return done;
}

/* A range of order @k from the cache, or 0; the cache entered. */
static unsigned long cache_get(struct iova_domain *d, struct iova_cache *c, unsigned int k,
			       unsigned long limit_pfn)
{
	struct iova_magazine *mag = c->loaded[k];
	unsigned long pfn;

	if (!mag->n) {
		if (c->prev[k]->n) {
			c->loaded[k] = c->prev[k];
			c->prev[k] = mag;
		} else if (!depot_get_full(d, c, k)) {
			return 0;
		}
		mag = c->loaded[k];
	}
	/* the most recently freed range, if it is below the limit */
	pfn = mag->pfn[mag->n - 1];
	if (pfn + (1UL << k) - 1 > limit_pfn)
		return 0;
	mag->n--;
	return pfn;
}

/* Puts a range of order @k in the cache; false if there is no room; the cache entered. */
static bool cache_put(struct iova_domain *d, struct iova_cache *c, unsigned int k,
		      unsigned long pfn)
{
	struct iova_magazine *mag = c->loaded[k];

	if (mag->n == MAG_SIZE) {
		if (c->prev[k]->n < MAG_SIZE) {
			c->loaded[k] = c->prev[k];
			c->prev[k] = mag;
		} else if (!depot_put_full(d, c, k)) {
			return false;
		}
		mag = c->loaded[k];
	}
	mag->pfn[mag->n++] = pfn;
	return true;
}

/*
 * Every spare back to the bitmaps: their ranges end at their lengths.
 * Under d->lock; only when an allocation found no whole block (a scan of
 * one bit per 64 granules of the space).
 */
static void spares_release_locked(struct iova_domain *d)
{
	unsigned long words = ((1UL << d->space_order) >> SPARE_SHIFT) / 64 + 1;

	lockdep_assert_held(&d->lock);
	for (unsigned long w = 0; w < words && d->nr_spare; w++) {
		while (d->spare[w]) {
			unsigned long i = w * 64 + (unsigned long)__builtin_ctzll(d->spare[w]);
			unsigned long pfn = i << SPARE_SHIFT, len = len_load(d, pfn);

			free_range_locked(d, pfn + len, pfn + (1UL << size_order(len)));
			WRITE_ONCE(d->alloced[pfn + SPARE_AT], (u8)0x80);
			d->spare[w] &= d->spare[w] - 1;
			d->nr_spare--;
		}
	}
}

/* The slow path: the bitmaps, under the lock; @len granules of alignment 2^@order. */
static unsigned long alloc_slow(struct iova_domain *d, unsigned int order, unsigned long len,
				unsigned long limit_pfn)
{
	unsigned long pfn;
	bool spare = false;

	spin_lock(&d->lock);
	pfn = buddy_alloc_locked(d, order, limit_pfn);
	if (pfn && len != 1UL << order) {
		/* the rest of the block is its spare */
		spare_mark(d, pfn, true);
		d->nr_spare++;
		spare = true;
	}
	if (!pfn && d->nr_spare) {
		spares_release_locked(d);
		if (len == 1UL << order)
			pfn = buddy_alloc_locked(d, order, limit_pfn);
	}
	if (!pfn && len != 1UL << order)
		pfn = range_alloc_locked(d, order, len, limit_pfn);
	if (pfn) {
		if (order >= CACHE_ORDERS)
			len_store(d, pfn, len, spare);
		/* under the lock: a plain add, read atomically */
		WRITE_ONCE(d->used, d->used + len);
	}
	spin_unlock(&d->lock);
	return pfn;
}

unsigned long alloc_iova_fast(struct iova_domain *d, unsigned long size, unsigned long limit_pfn,
			      bool flush_rcache)
{
	unsigned int order;
	unsigned long pfn = 0, len;

	/* a limit past the space is the caller's mistake, not a wish for all of it */
	if (!d || !size || size > (1UL << d->space_order) || limit_pfn >= d->end_pfn)
		return 0;
	order = size_order(size);
	len = range_len(size, order);
	if (order < CACHE_ORDERS) {
		struct iova_cache *c = my_cache(d);

		if (c) {
			bool fast = cache_enter(c);

			pfn = cache_get(d, c, order, limit_pfn);
			if (pfn)
				WRITE_ONCE(c->used, c->used + (1L << order));
			cache_exit(c, fast);
			if (pfn) {
				alloced_mark(d, order, pfn);
				return pfn;
			}
		}
	}
	pfn = alloc_slow(d, order, len, limit_pfn);
	if (!pfn && flush_rcache) {
		free_cpu_cached_iovas(d);
		pfn = alloc_slow(d, order, len, limit_pfn);
	}
	if (!pfn)
		return 0;
	alloced_mark(d, order, pfn);
	return pfn;
}

void free_iova_fast(struct iova_domain *d, unsigned long pfn, unsigned long size)
{
	unsigned int order;
	struct iova_cache *c;
	unsigned long len;

	if (!d)
		return;
	order = size_order(size);
	if (!size || size > (1UL << d->space_order) || pfn < d->start_pfn || pfn >= d->end_pfn ||
	    pfn & ((1UL << order) - 1) || !alloced_clear(d, order, pfn)) {
		/* a double free, a wrong size or something never allocated: refused */
		__atomic_fetch_add(&d->misuse, 1, __ATOMIC_RELAXED);
		return;
	}
	if (order < CACHE_ORDERS && (c = my_cache(d))) {
		bool fast = cache_enter(c);

		if (!cache_put(d, c, order, pfn)) {
			/* both magazines full and the depot too: the loaded one goes back */
			spin_lock(&d->lock);
			mag_drain_locked(d, c->loaded[order], order);
			spin_unlock(&d->lock);
			cache_put(d, c, order, pfn);
		}
		WRITE_ONCE(c->used, c->used - (1L << order));
		cache_exit(c, fast);
		return;
	}
	spin_lock(&d->lock);
	/* the length its allocation wrote (sizes of its order name the range) */
	len = order < CACHE_ORDERS ? 1UL << order : len_load(d, pfn);
	WRITE_ONCE(d->used, d->used - len);
	if (len == 1UL << order) {
		buddy_free_locked(d, pfn, order);
	} else if (spare_load(d, pfn)) {
		/* with its spare: the whole block */
		spare_mark(d, pfn, false);
		d->nr_spare--;
		buddy_free_locked(d, pfn, order);
	} else {
		free_range_locked(d, pfn, pfn + len);
	}
	spin_unlock(&d->lock);
}

int reserve_iova(struct iova_domain *d, unsigned long pfn_lo, unsigned long pfn_hi)
{
	unsigned long lo, hi;
	int ret = 0;

	if (!d || pfn_lo > pfn_hi)
		return -EINVAL;
	if (pfn_lo >= d->end_pfn)
		return -EINVAL;	/* wholly outside the space */
	lo = max(pfn_lo, d->start_pfn);
	hi = pfn_hi >= d->end_pfn ? d->end_pfn : pfn_hi + 1;
	if (lo >= hi)
		return 0;	/* below start_pfn: never handed out anyway */
	free_cpu_cached_iovas(d);
	spin_lock(&d->lock);
	/* every granule must be free (a spare is); then the blocks covering it go */
	if (!range_free_locked(d, lo, hi, d->space_order) && d->nr_spare)
		spares_release_locked(d);
	if (range_free_locked(d, lo, hi, d->space_order))
		take_range_locked(d, lo, hi);
	else
		ret = -EBUSY;
	spin_unlock(&d->lock);
	return ret;
}

unsigned long iova_pages_used(struct iova_domain *d)
{
	long used;

	if (!d)
		return 0;
	used = (long)READ_ONCE(d->used);
	pthread_mutex_lock(&d->caches_lock);
	for (struct iova_cache *c = d->caches; c; c = c->next)
		used += READ_ONCE(c->used);
	pthread_mutex_unlock(&d->caches_lock);
	return (unsigned long)used;
}

unsigned long iova_range_size(struct iova_domain *d, unsigned long pfn)
{
	u8 k;

	if (!d || pfn < d->start_pfn || pfn >= d->end_pfn)
		return 0;
	k = READ_ONCE(d->alloced[pfn]);
	/* (0x80 and up: a byte of a large range's length, inside it) */
	if (!k || k & 0x80)
		return 0;
	return k - 1 < CACHE_ORDERS ? 1UL << (k - 1) : len_load(d, pfn);
}

unsigned long iova_misuse_count(struct iova_domain *d)
{
	return d ? READ_ONCE(d->misuse) : 0;
}
