// SPDX-License-Identifier: MIT
/*
 * The IOVA allocator from several threads (src/iommu/iova.c).
 *
 * Threads allocating and freeing at once on one domain, through their own
 * caches, the shared bitmaps and, when the space runs out, each other's
 * caches drained, never get overlapping ranges: every granule handed out is
 * marked in a shared map at once and must have been clear; at the end the
 * threads' live ranges are exactly the marked granules and the count used.
 */
#include "test-util.h"
#include "iommu/iova.h"
#include "lib/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NR_THREADS	4
#define SPACE		16384UL		/* small enough to run out now and then */
#define MAX_LIVE	256
#define STEPS		20000

struct worker {
	struct iova_domain *d;
	u64 *map;		/* shared: one bit per granule handed out (atomic) */
	pthread_barrier_t *start;
	unsigned int id;
	unsigned long nlive;
	unsigned long pfn[MAX_LIVE], size[MAX_LIVE];
	unsigned long allocs, frees, fails, full, bad;
	int first_bad;		/* cmocka asserts belong to the main thread */
};

#define CHECK(w, cond)							\
	do {								\
		if (!(cond)) {						\
			if (!(w)->bad++)				\
				(w)->first_bad = __LINE__;		\
		}							\
	} while (0)

/* Marks [pfn, pfn + n) handed out; returns how many were marked already. */
static unsigned long mark(u64 *map, unsigned long pfn, unsigned long n)
{
	unsigned long clash = 0;

	for (unsigned long k = pfn; k < pfn + n; k++) {
		u64 bit = 1ULL << (k % 64);

		if (__atomic_fetch_or(&map[k / 64], bit, __ATOMIC_RELAXED) & bit)
			clash++;
	}
	return clash;
}

/* Clears them; returns how many were not marked. */
static unsigned long unmark(u64 *map, unsigned long pfn, unsigned long n)
{
	unsigned long missing = 0;

	for (unsigned long k = pfn; k < pfn + n; k++) {
		u64 bit = 1ULL << (k % 64);

		if (!(__atomic_fetch_and(&map[k / 64], ~bit, __ATOMIC_RELAXED) & bit))
			missing++;
	}
	return missing;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	u64 rng = 0xabcdef + w->id * 7919;

	pthread_barrier_wait(w->start);
	for (unsigned int step = 0; step < STEPS; step++) {
		u64 r = test_rand(&rng);

		if (r % 100 < 55 && w->nlive < MAX_LIVE) {
			unsigned long size = (r >> 8) % 8 ? 1 + (r >> 16) % 8 : 1 + (r >> 16) % 200;
			unsigned long limit = (r >> 32) % 4 ? SPACE - 1 :
						  1 + (r >> 40) % (SPACE - 1);
			unsigned long p2 = roundup_pow_of_two(size), len = size <= 32 ? p2 : size;
			bool flush = (r >> 48) % 8 != 0;
			unsigned long pfn = alloc_iova_fast(w->d, size, limit, flush);

			if (!pfn) {
				w->fails++;
				/* out of space with every cache drained */
				if (flush && limit == SPACE - 1)
					w->full++;
				continue;
			}
			CHECK(w, pfn % p2 == 0);
			CHECK(w, pfn + len <= SPACE && pfn + len - 1 <= limit);
			/* nobody else holds any of it (beyond 32 granules, only its length) */
			CHECK(w, mark(w->map, pfn, len) == 0);
			w->pfn[w->nlive] = pfn;
			w->size[w->nlive++] = size;
			w->allocs++;
		} else if (w->nlive) {
			unsigned long i = (r >> 8) % w->nlive;
			unsigned long p2 = roundup_pow_of_two(w->size[i]);
			unsigned long len = w->size[i] <= 32 ? p2 : w->size[i];

			/* cleared before the free: it may be handed out right after */
			CHECK(w, unmark(w->map, w->pfn[i], len) == 0);
			free_iova_fast(w->d, w->pfn[i], w->size[i]);
			w->nlive--;
			w->pfn[i] = w->pfn[w->nlive];
			w->size[i] = w->size[w->nlive];
			w->frees++;
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct iova_domain *d = NULL;
	struct worker *w = calloc(NR_THREADS, sizeof(*w));
	u64 *map = calloc(SPACE / 64, sizeof(u64));
	u8 *again = calloc(SPACE, 1);
	pthread_t tid[NR_THREADS];
	pthread_barrier_t start;
	unsigned long used = 0, full = 0;

	(void)state;
	assert_non_null(w);
	assert_non_null(map);
	assert_non_null(again);
	assert_int_equal(iova_domain_create(PAGE_SIZE, 1, SPACE, &d), 0);
	assert_int_equal(pthread_barrier_init(&start, NULL, NR_THREADS), 0);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ .d = d, .map = map, .start = &start, .id = i };
		assert_int_equal(pthread_create(&tid[i], NULL, worker_fn, &w[i]), 0);
	}
	for (unsigned int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);

	for (unsigned int i = 0; i < NR_THREADS; i++) {
		if (w[i].bad)
			print_error("thread %u: %lu failed checks, the first at line %d\n", i,
				    w[i].bad, w[i].first_bad);
		assert_int_equal(w[i].bad, 0);
		assert_true(w[i].allocs > STEPS / 4 && w[i].frees > STEPS / 4);
		full += w[i].full;
		/* the live ranges, from scratch: disjoint, and just what the map holds */
		for (unsigned long k = 0; k < w[i].nlive; k++) {
			unsigned long len = w[i].size[k] <= 32 ? roundup_pow_of_two(w[i].size[k]) :
				w[i].size[k];

			for (unsigned long g = w[i].pfn[k]; g < w[i].pfn[k] + len; g++) {
				assert_int_equal(again[g], 0);
				again[g] = 1;
				assert_true(map[g / 64] & (1ULL << (g % 64)));
			}
			used += len;
		}
	}
	for (unsigned long g = 0; g < SPACE; g++)
		assert_int_equal(!!(map[g / 64] & (1ULL << (g % 64))), again[g]);
	assert_int_equal(iova_pages_used(d), used);
	assert_int_equal(iova_misuse_count(d), 0);
	/* the space did run out, and the caches were drained across threads */
	assert_true(full > 0);

	/* freed from this thread, whoever allocated them */
	for (unsigned int i = 0; i < NR_THREADS; i++)
		for (unsigned long k = 0; k < w[i].nlive; k++)
			free_iova_fast(d, w[i].pfn[k], w[i].size[k]);
	assert_int_equal(iova_pages_used(d), 0);
	/* every cache drained, the space is whole again */
	assert_int_equal(alloc_iova_fast(d, SPACE / 2, SPACE - 1, true), SPACE / 2);
	free_iova_fast(d, SPACE / 2, SPACE / 2);
	assert_int_equal(iova_misuse_count(d), 0);
	iova_domain_destroy(d);
	free(again);
	free(map);
	free(w);
}

/*
 * Frees racing with each other on the same range: exactly one is taken,
 * the others are counted as misuse.
 */
struct racer {
	struct iova_domain *d;
	pthread_barrier_t *start;
	const unsigned long *pfn;
	unsigned long n;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	for (unsigned long i = 0; i < r->n; i++)
		free_iova_fast(r->d, r->pfn[i], 2);
	return NULL;
}

static void test_racing_double_free(void **state)
{
	enum { N = 500 };
	struct iova_domain *d = NULL;
	unsigned long pfn[N];
	struct racer r[NR_THREADS];
	pthread_t tid[NR_THREADS];
	pthread_barrier_t start;

	(void)state;
	assert_int_equal(iova_domain_create(PAGE_SIZE, 1, SPACE, &d), 0);
	for (unsigned long i = 0; i < N; i++) {
		pfn[i] = alloc_iova_fast(d, 2, SPACE - 1, true);
		assert_true(pfn[i] != 0);
	}
	assert_int_equal(iova_pages_used(d), 2 * N);
	assert_int_equal(pthread_barrier_init(&start, NULL, NR_THREADS), 0);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		r[i] = (struct racer){ d, &start, pfn, N };
		assert_int_equal(pthread_create(&tid[i], NULL, racer_fn, &r[i]), 0);
	}
	for (unsigned int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(iova_misuse_count(d), (NR_THREADS - 1) * N);
	/* each range is free once: the whole space can be taken in pairs, no pair twice */
	{
		unsigned long n = 0, p;
		u8 *seen = calloc(SPACE, 1);

		assert_non_null(seen);
		while ((p = alloc_iova_fast(d, 2, SPACE - 1, true))) {
			assert_int_equal(seen[p], 0);
			seen[p] = 1;
			n++;
		}
		assert_int_equal(n, SPACE / 2 - 1);
		for (p = 2; p < SPACE; p += 2)
			free_iova_fast(d, p, 2);
		free(seen);
	}
	assert_int_equal(iova_pages_used(d), 0);
	iova_domain_destroy(d);
}

/*
 * Draining another thread's cache while that thread allocates and frees
 * through it: the owner works on its cache without a lock, so the drainer
 * must wait for an operation in progress and the owner must keep off the
 * cache while it is drained. No range is ever held by both, none is lost.
 */
#define DRAIN_SPACE	64UL
#define DRAIN_ROUNDS	10000

struct drain_owner {
	struct iova_domain *d;
	u64 *map;
	pthread_barrier_t *start;
	int stop;		/* atomic */
	unsigned long pfn[8], size[8], nlive;
	unsigned long ops, bad;
};

static void *drain_owner_fn(void *arg)
{
	struct drain_owner *o = arg;
	u64 rng = 0x5eed;

	pthread_barrier_wait(o->start);
	while (!__atomic_load_n(&o->stop, __ATOMIC_RELAXED)) {
		u64 r = test_rand(&rng);

		if (o->nlive < ARRAY_SIZE(o->pfn) && (r & 1 || !o->nlive)) {
			unsigned long size = 1 + (r >> 8) % 2;
			unsigned long pfn = alloc_iova_fast(o->d, size, DRAIN_SPACE - 1, false);

			if (!pfn)
				continue;	/* all of it in the drainer's hands */
			o->bad += pfn % size != 0 || pfn + size > DRAIN_SPACE;
			o->bad += mark(o->map, pfn, size);
			o->pfn[o->nlive] = pfn;
			o->size[o->nlive++] = size;
		} else {
			unsigned long i = (r >> 8) % o->nlive;

			o->bad += unmark(o->map, o->pfn[i], o->size[i]);
			free_iova_fast(o->d, o->pfn[i], o->size[i]);
			o->nlive--;
			o->pfn[i] = o->pfn[o->nlive];
			o->size[i] = o->size[o->nlive];
		}
		o->ops++;
	}
	return NULL;
}

static void test_drain_while_owner_runs(void **state)
{
	struct drain_owner o = { 0 };
	u64 map[1] = { 0 };
	unsigned long pfn[DRAIN_SPACE], got = 0;
	pthread_barrier_t start;
	pthread_t tid;

	(void)state;
	assert_int_equal(iova_domain_create(PAGE_SIZE, 1, DRAIN_SPACE, &o.d), 0);
	o.map = map;
	o.start = &start;
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	assert_int_equal(pthread_create(&tid, NULL, drain_owner_fn, &o), 0);
	pthread_barrier_wait(&start);
	for (unsigned int round = 0; round < DRAIN_ROUNDS; round++) {
		unsigned long n = 0, p;

		/* every other round the drain is the one on exhaustion */
		if (round % 2)
			free_cpu_cached_iovas(o.d);
		while (n < DRAIN_SPACE &&
		       (p = alloc_iova_fast(o.d, 1, DRAIN_SPACE - 1, round % 2 == 0))) {
			assert_true(p < DRAIN_SPACE);
			/* not held by the owner, nor still in its cache to be handed out */
			assert_int_equal(mark(map, p, 1), 0);
			pfn[n++] = p;
		}
		got += n;
		for (unsigned long i = 0; i < n; i++) {
			assert_int_equal(unmark(map, pfn[i], 1), 0);
			free_iova_fast(o.d, pfn[i], 1);
		}
	}
	__atomic_store_n(&o.stop, 1, __ATOMIC_RELAXED);
	assert_int_equal(pthread_join(tid, NULL), 0);
	pthread_barrier_destroy(&start);
	assert_int_equal(o.bad, 0);
	assert_true(got > 0);
	for (unsigned long i = 0; i < o.nlive; i++)
		free_iova_fast(o.d, o.pfn[i], o.size[i]);
	assert_int_equal(iova_pages_used(o.d), 0);
	assert_int_equal(iova_misuse_count(o.d), 0);
	/* nothing lost: drained, the space is whole again */
	assert_int_equal(alloc_iova_fast(o.d, DRAIN_SPACE / 2, DRAIN_SPACE - 1, true),
			 DRAIN_SPACE / 2);
	free_iova_fast(o.d, DRAIN_SPACE / 2, DRAIN_SPACE / 2);
	iova_domain_destroy(o.d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_racing_double_free),
		cmocka_unit_test(test_drain_while_owner_runs),
	};

	return cmocka_run_group_tests_name("iova-threads", tests, NULL, NULL);
}
