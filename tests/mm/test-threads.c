// SPDX-License-Identifier: MIT
/*
 * The mm layer under concurrency: threads allocating and freeing pages and
 * kmalloc objects at once get disjoint memory and leave everything free;
 * racing frees of the same block or object free it exactly once.
 */
#include "test-util.h"
#include "mm/cache.h"
#include "mm/mm.h"

#include <pthread.h>
#include <string.h>

enum { NTHREADS = 4, LIVE = 48 };

static const struct dmamap_bank banks[] = {
	{ 0x80000000ULL, 32ULL << 20 },
	{ 0x200000000ULL, 32ULL << 20 },
};

struct worker {
	struct dmamap_machine *m;
	unsigned int id;
	unsigned int ops;
	pthread_barrier_t *start;
	unsigned long bad;	/* overlaps seen */
};

struct item {
	void *ptr;		/* kmalloc object, or NULL */
	struct page *page;	/* page block, or NULL */
	unsigned int order;
	size_t size;
	u32 seed;
};

static void item_free(struct worker *w, struct item *it)
{
	void *p = it->ptr ? it->ptr : page_address(it->page);

	if (test_check_pattern(p, it->size, it->seed) != -1)
		w->bad++;
	if (it->ptr)
		dmamap_kfree(w->m, it->ptr);
	else
		dmamap_free_pages(it->page, it->order);
	memset(it, 0, sizeof(*it));
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct item items[LIVE];
	u64 rng = 0x9e3779b97f4a7c15ULL * (w->id + 1);

	memset(items, 0, sizeof(items));
	pthread_barrier_wait(w->start);
	for (unsigned int op = 0; op < w->ops; op++) {
		struct item *it = &items[test_rand(&rng) % LIVE];
		gfp_t gfp = test_rand(&rng) % 4 ? GFP_KERNEL : GFP_DMA32;

		if (it->ptr || it->page) {
			item_free(w, it);
			continue;
		}
		it->seed = (w->id << 24) | op;
		if (test_rand(&rng) % 2) {
			it->size = 1 + test_rand(&rng) % 6000;
			it->ptr = dmamap_kmalloc(w->m, it->size, gfp);
			if (!it->ptr)
				continue;
			test_fill_pattern(it->ptr, it->size, it->seed);
		} else {
			it->order = (unsigned int)(test_rand(&rng) % 4);
			it->page = dmamap_alloc_pages(w->m, gfp, it->order);
			if (!it->page)
				continue;
			it->size = PAGE_SIZE << it->order;
			test_fill_pattern(page_address(it->page), it->size, it->seed);
		}
	}
	for (unsigned int i = 0; i < LIVE; i++)
		if (items[i].ptr || items[i].page)
			item_free(w, &items[i]);
	return NULL;
}

static void *stats_reader(void *arg)
{
	struct worker *w = arg;
	struct dmamap_stats st;

	pthread_barrier_wait(w->start);
	for (unsigned int i = 0; i < w->ops; i++) {
		dmamap_machine_stats(w->m, &st);
		if (st.pages_free > st.pages_total)
			w->bad++;
	}
	return NULL;
}

static void test_concurrent_alloc_free(void **state)
{
	/* the page allocator alone: no DMA pools taking blocks */
	struct dmamap_machine_config cfg = { .banks = banks, .nr_banks = 2,
					     .swiotlb_size = DMAMAP_SWIOTLB_OFF,
					     .atomic_pool_size = DMAMAP_ATOMIC_POOL_OFF };
	struct dmamap_machine *m = test_machine(&cfg);
	pthread_t t[NTHREADS + 1];
	struct worker w[NTHREADS + 1];
	pthread_barrier_t start;
	struct dmamap_stats st;

	(void)state;
	pthread_barrier_init(&start, NULL, NTHREADS + 1);
	for (unsigned int i = 0; i <= NTHREADS; i++) {
		w[i] = (struct worker){ .m = m, .id = i, .ops = i < NTHREADS ? 20000 : 2000,
					.start = &start };
		assert_int_equal(pthread_create(&t[i], NULL, i < NTHREADS ? worker_fn : stats_reader,
						&w[i]), 0);
	}
	for (unsigned int i = 0; i <= NTHREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].bad, 0);
	}
	pthread_barrier_destroy(&start);
	dmamap_machine_stats(m, &st);
	assert_int_equal(st.api_errors, 0);
	for (unsigned int b = 0; b < m->nr_banks; b++)
		assert_int_equal(buddy_free_blocks(&m->banks[b].buddy, MAX_PAGE_ORDER),
				 m->banks[b].nr_pages >> MAX_PAGE_ORDER);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

struct racer {
	struct dmamap_machine *m;
	struct page **pages;
	void **objs;
	unsigned int n;
	pthread_barrier_t *start;
};

static void *free_all(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	for (unsigned int i = 0; i < r->n; i++) {
		if (r->pages)
			dmamap_free_pages(r->pages[i], 1);
		else
			dmamap_kfree(r->m, r->objs[i]);
	}
	return NULL;
}

/* Two threads free the same blocks (or objects) at once: each goes back exactly once. */
static void test_racing_double_frees(void **state)
{
	enum { N = 2000 };
	/* the page allocator alone: no DMA pools taking blocks */
	struct dmamap_machine_config cfg = { .banks = banks, .nr_banks = 2,
					     .swiotlb_size = DMAMAP_SWIOTLB_OFF,
					     .atomic_pool_size = DMAMAP_ATOMIC_POOL_OFF };
	struct dmamap_machine *m = test_machine(&cfg);
	static struct page *pages[N];
	static void *objs[N];
	const u64 reserved = test_reserved_pages(m);

	(void)state;
	for (int kind = 0; kind < 2; kind++) {
		pthread_barrier_t start;
		struct racer r = { .m = m, .n = N, .start = &start };
		pthread_t a, b;
		struct dmamap_stats st0, st1;

		for (unsigned int i = 0; i < N; i++) {
			if (kind == 0) {
				pages[i] = dmamap_alloc_pages(m, GFP_KERNEL, 1);
				assert_non_null(pages[i]);
			} else {
				objs[i] = dmamap_kmalloc(m, 64 + (i % 4) * 1700, GFP_KERNEL);	/* slabs and pages */
				assert_non_null(objs[i]);
			}
		}
		if (kind == 0)
			r.pages = pages;
		else
			r.objs = objs;
		dmamap_machine_stats(m, &st0);
		pthread_barrier_init(&start, NULL, 2);
		pthread_create(&a, NULL, free_all, &r);
		pthread_create(&b, NULL, free_all, &r);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		pthread_barrier_destroy(&start);
		dmamap_machine_stats(m, &st1);
		assert_int_equal(st1.api_errors - st0.api_errors, N);
		assert_int_equal(st1.pages_free, st1.pages_total - reserved);
		assert_int_equal(st1.kmalloc_bytes, 0);
	}
	for (unsigned int b = 0; b < m->nr_banks; b++)
		assert_int_equal(buddy_free_blocks(&m->banks[b].buddy, MAX_PAGE_ORDER),
				 m->banks[b].nr_pages >> MAX_PAGE_ORDER);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- statistics counters ----------------------------------------------------- */

#define CTR_THREADS	4
#define CTR_MACHINES	6	/* more than a thread's table holds */
#define CTR_ROUNDS	2000

struct ctr_arg {
	struct dmamap_machine *m[CTR_MACHINES];
	pthread_barrier_t *all_counted;
	struct mm_counters *mine;	/* this thread's block for machine 0, at the barrier */
};

/* Counts a sync on every machine in turn, so that each thread's table keeps missing. */
static void *ctr_worker(void *p)
{
	struct ctr_arg *a = p;

	for (int i = 0; i < CTR_ROUNDS; i++)
		for (int k = 0; k < CTR_MACHINES; k++)
			mm_cache_clean(a->m[k], 0x80000000ULL, 0);	/* counts one sync */
	a->mine = mm_counters_mine(a->m[0]);
	/* held by every thread at once: the blocks must all differ */
	pthread_barrier_wait(a->all_counted);
	return NULL;
}

/*
 * Each thread counts in a block of its own (no counter word is written by
 * two threads), and dmamap_machine_stats() adds them up exactly: across
 * threads that come and go, threads that count on more machines than their
 * table holds, and machines destroyed while the threads' tables name them.
 */
static void test_counters_per_thread(void **state)
{
	struct ctr_arg args[CTR_THREADS];
	pthread_t t[CTR_THREADS];
	struct dmamap_machine *m[CTR_MACHINES];
	u64 base[CTR_MACHINES];
	pthread_barrier_t barrier;

	(void)state;
	pthread_barrier_init(&barrier, NULL, CTR_THREADS);
	for (int k = 0; k < CTR_MACHINES; k++) {
		m[k] = test_machine(NULL);
		base[k] = test_stats(m[k]).syncs;
	}
	for (int round = 1; round <= 2; round++) {
		for (int i = 0; i < CTR_THREADS; i++) {
			memcpy(args[i].m, m, sizeof(m));
			args[i].all_counted = &barrier;
			assert_int_equal(pthread_create(&t[i], NULL, ctr_worker, &args[i]), 0);
		}
		for (int i = 0; i < CTR_THREADS; i++)
			assert_int_equal(pthread_join(t[i], NULL), 0);
		for (int i = 0; i < CTR_THREADS; i++)
			for (int j = 0; j < i; j++)
				assert_ptr_not_equal(args[i].mine, args[j].mine);
		for (int k = 0; k < CTR_MACHINES; k++)
			assert_int_equal(test_stats(m[k]).syncs - base[k],
					 (u64)round * CTR_THREADS * CTR_ROUNDS);
	}
	/* this thread's table names machine 0; a new machine is never taken for it */
	mm_cache_clean(m[0], 0x80000000ULL, 0);
	dmamap_machine_destroy(m[0]);
	m[0] = test_machine(NULL);
	base[0] = test_stats(m[0]).syncs;
	mm_cache_clean(m[0], 0x80000000ULL, 0);
	assert_int_equal(test_stats(m[0]).syncs - base[0], 1);
	for (int k = 0; k < CTR_MACHINES; k++) {
		test_assert_no_leaks(m[k]);
		dmamap_machine_destroy(m[k]);
	}
	pthread_barrier_destroy(&barrier);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_alloc_free),
		cmocka_unit_test(test_racing_double_frees),
		cmocka_unit_test(test_counters_per_thread),
	};

	return cmocka_run_group_tests_name("mm-threads", tests, NULL, NULL);
}
