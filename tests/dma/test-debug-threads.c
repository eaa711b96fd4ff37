// SPDX-License-Identifier: MIT
/*
 * The debugger under threads (suite "threads", also run under
 * ThreadSanitizer): records are kept per device under the device's lock,
 * the cache-line table under its shards' locks, and reports made by
 * several threads at once all arrive, counted once each.
 *
 * In an ordinary build the machine's first thread runs without locks until
 * a second one comes (the bias, see src/dma/debug.c): these tests start
 * their threads after the main thread has used the debugger, so the bias is
 * revoked while the owner is active.
 */
#include "test-util.h"

#include <pthread.h>
#include <stdlib.h>

#define THREADS		4
#define ROUNDS		2000

struct shared {
	struct dmamap_machine *m;
	struct device *dev[THREADS];
	struct device *common;		/* used by every thread */
	u8 *buf;			/* one page per thread, and one for the common device */
	unsigned long reports;		/* (atomic) */
	unsigned long per_kind[DMAMAP_DEBUG_MISUSE + 1];	/* (atomic) */
	pthread_barrier_t start;
};

struct worker {
	struct shared *sh;
	int id;
};

static void count(const struct dmamap_debug_report *r, void *arg)
{
	struct shared *sh = arg;

	__atomic_fetch_add(&sh->reports, 1, __ATOMIC_RELAXED);
	if ((unsigned int)r->kind <= DMAMAP_DEBUG_MISUSE)
		__atomic_fetch_add(&sh->per_kind[r->kind], 1, __ATOMIC_RELAXED);
}

/*
 * Each round: a clean map and unmap on the thread's own device, one on the
 * common device, and every 4th round three mistakes (an unmap with the
 * wrong size, an unmap of nothing, a sync in the wrong direction), each
 * reported once.
 */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	struct device *dev = sh->dev[w->id];
	u8 *mine = sh->buf + (size_t)w->id * PAGE_SIZE;
	u8 *common = sh->buf + THREADS * PAGE_SIZE + (size_t)w->id * 256;

	pthread_barrier_wait(&sh->start);
	for (int i = 0; i < ROUNDS; i++) {
		dma_addr_t a = dma_map_single(dev, mine, PAGE_SIZE, DMA_FROM_DEVICE);
		dma_addr_t c = dma_map_single(sh->common, common, 256, DMA_TO_DEVICE);

		if (dma_mapping_error(dev, a) || dma_mapping_error(sh->common, c))
			return (void *)1;
		if (i % 4 == 0) {
			dma_sync_single_for_cpu(sh->common, c, 256, DMA_FROM_DEVICE);
			dma_unmap_single(dev, a + PAGE_SIZE * 64, 64, DMA_FROM_DEVICE);
			dma_unmap_single(dev, a, 2048, DMA_FROM_DEVICE);	/* refused */
		}
		dma_unmap_single(dev, a, PAGE_SIZE, DMA_FROM_DEVICE);
		dma_unmap_single(sh->common, c, 256, DMA_TO_DEVICE);
	}
	return NULL;
}

static void run(unsigned long flags)
{
	struct dmamap_machine_config mc = { .debug = flags };
	struct shared sh = { 0 };
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct page *pages;
	dma_addr_t a;

	sh.m = test_machine(&mc);
	for (int i = 0; i < THREADS; i++) {
		struct dmamap_device_config cfg = { 0 };

		assert_int_equal(dmamap_device_create(sh.m, &cfg, &sh.dev[i]), 0);
	}
	{
		struct dmamap_device_config cfg = { .name = "common" };

		assert_int_equal(dmamap_device_create(sh.m, &cfg, &sh.common), 0);
	}
	pages = dmamap_alloc_pages(sh.m, GFP_KERNEL, 3);
	assert_non_null(pages);
	sh.buf = page_address(pages);
	dmamap_debug_set_handler(sh.m, count, &sh);
	/* the main thread uses the debugger first: the machine's first thread */
	a = dma_map_single(sh.common, sh.buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(sh.common, a));
	dma_unmap_single(sh.common, a, 64, DMA_TO_DEVICE);

	pthread_barrier_init(&sh.start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ &sh, i };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	pthread_barrier_destroy(&sh.start);

	/* nothing lost, nothing counted twice */
	{
		unsigned long mistakes = THREADS * ((ROUNDS + 3) / 4);

		assert_int_equal(sh.per_kind[DMAMAP_DEBUG_SYNC_DIR], mistakes);
		assert_int_equal(sh.per_kind[DMAMAP_DEBUG_UNKNOWN_ADDR], mistakes);
		assert_int_equal(sh.per_kind[DMAMAP_DEBUG_WRONG_SIZE], mistakes);
		assert_int_equal(sh.reports, 3 * mistakes);
		assert_int_equal(dmamap_debug_error_count(sh.m), 3 * mistakes);
	}
	/* every mapping was undone: destroying the devices reports no leak */
	for (int i = 0; i < THREADS; i++)
		dmamap_device_destroy(sh.dev[i]);
	dmamap_device_destroy(sh.common);
	assert_int_equal(sh.reports, 3 * THREADS * ((ROUNDS + 3) / 4));
	dmamap_free_pages(pages, 3);
	test_assert_no_leaks(sh.m);
	dmamap_machine_destroy(sh.m);
}

/*
 * DMAMAP_DEBUG_OWNERSHIP under threads: each thread hands its own page to
 * its device and back, the page protected meanwhile, and every 8th round
 * reads it too early; the other rounds read it after the unmap. Each early
 * read is reported once, with no report for the others, while the other
 * threads protect and open their pages around it.
 */
static void *read_work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	struct device *dev = sh->dev[w->id];
	volatile u8 *mine = sh->buf + (size_t)w->id * PAGE_SIZE;
	unsigned int sum = 0;

	pthread_barrier_wait(&sh->start);
	for (int i = 0; i < ROUNDS / 4; i++) {
		dma_addr_t a = dma_map_single(dev, (void *)mine, PAGE_SIZE, DMA_BIDIRECTIONAL);

		if (dma_mapping_error(dev, a))
			return (void *)1;
		if (i % 8 == 0)
			sum += mine[i % PAGE_SIZE];	/* too early */
		dma_unmap_single(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
		sum += mine[(i + 1) % PAGE_SIZE];
	}
	return sum == ~0U ? (void *)1 : NULL;
}

static void test_reads_from_threads(void **state)
{
	struct dmamap_machine_config mc = { .debug = DMAMAP_DEBUG_OWNERSHIP };
	struct shared sh = { 0 };
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct page *pages;

	(void)state;
	sh.m = test_machine(&mc);
	for (int i = 0; i < THREADS; i++) {
		struct dmamap_device_config cfg = { 0 };

		assert_int_equal(dmamap_device_create(sh.m, &cfg, &sh.dev[i]), 0);
	}
	pages = dmamap_alloc_pages(sh.m, GFP_KERNEL, 3);
	assert_non_null(pages);
	sh.buf = page_address(pages);
	dmamap_debug_set_handler(sh.m, count, &sh);
	pthread_barrier_init(&sh.start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ &sh, i };
		assert_int_equal(pthread_create(&t[i], NULL, read_work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	pthread_barrier_destroy(&sh.start);
	assert_int_equal(sh.per_kind[DMAMAP_DEBUG_CPU_OWNERSHIP], THREADS * ((ROUNDS / 4 + 7) / 8));
	assert_int_equal(sh.reports, THREADS * ((ROUNDS / 4 + 7) / 8));
	for (int i = 0; i < THREADS; i++)
		dmamap_device_destroy(sh.dev[i]);
	dmamap_free_pages(pages, 3);
	test_assert_no_leaks(sh.m);
	dmamap_machine_destroy(sh.m);
}

static void test_reports_from_threads(void **state)
{
	(void)state;
	run(DMAMAP_DEBUG_API);
}

static void test_reports_from_threads_all(void **state)
{
	(void)state;
	run(DMAMAP_DEBUG_ALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_from_threads),
		cmocka_unit_test(test_reports_from_threads_all),
		cmocka_unit_test(test_reads_from_threads),
	};

	return cmocka_run_group_tests_name("debug-threads", tests, NULL, NULL);
}
