// SPDX-License-Identifier: MIT
/*
 * LPAE page tables from several threads (src/iommu/io-pgtable-arm.c).
 *
 * Descriptors change only by atomic operations, so maps and unmaps of
 * disjoint ranges need no lock even where the ranges share tables: each
 * thread sees exactly its own translations, every table installed in a
 * race is either used or given back (or replaced by a block, and freed),
 * and nothing of the others' is lost.
 */
#include "pgtable-env.h"
#include "lib/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NR_THREADS	4
#define ROUNDS		300
/* interleaved chunk of 16 pages per thread: all threads share each page table */
#define CHUNK_PAGES	16
#define SHARED_PAGES	(4 * 512)		/* 8 MiB of pages, 4 page tables */
/* 2 MiB stretches, every fourth one a thread's: all share the level-2 table */
#define BLOCKS_BASE	(SZ_1G - 16 * SZ_2M)	/* and straddle a 1 GiB boundary */
#define NR_BLOCKS	32

struct worker {
	struct io_pgtable_ops *ops;
	unsigned int id;
	u64 seed;
	u64 *ref;		/* this thread's pages: physical address or 0 */
	u64 *blk;		/* this thread's blocks: physical address, 0, or BLK_PAGES */
	u64 *blk_pages;		/* for BLK_PAGES: where its pages are mapped to */
	pthread_barrier_t *start;
	unsigned long maps, unmaps, refused, replaced;
	unsigned long bad;	/* failed checks; cmocka asserts belong to the main thread */
	int first_bad;		/* the line of the first */
};

#define CHECK(w, cond)							\
	do {								\
		if (!(cond)) {						\
			if (!(w)->bad++)				\
				(w)->first_bad = __LINE__;		\
		}							\
	} while (0)

static unsigned long shared_iova(unsigned long pg)
{
	return SZ_2M + pg * SZ_4K;
}

/* The n-th page of the shared stretch that belongs to thread @id. */
static unsigned long my_page(unsigned int id, unsigned long n)
{
	return (n / CHUNK_PAGES) * CHUNK_PAGES * NR_THREADS + id * CHUNK_PAGES + n % CHUNK_PAGES;
}

static unsigned long my_block(unsigned int id, unsigned long n)
{
	return BLOCKS_BASE + (n * NR_THREADS + id) * SZ_2M;
}

#define MY_PAGES	(SHARED_PAGES / NR_THREADS)
#define MY_BLOCKS	(NR_BLOCKS / NR_THREADS)
/* a stretch with a page table: BLK_RUN pages from BLK_OFF mapped */
#define BLK_PAGES	1
#define BLK_OFF		(100 * SZ_4K)
#define BLK_RUN		8

static void check_mine(struct worker *w)
{
	for (unsigned long n = 0; n < MY_PAGES; n++) {
		unsigned long va = shared_iova(my_page(w->id, n));

		CHECK(w, w->ops->iova_to_phys(w->ops, va + 8) == (w->ref[n] ? w->ref[n] + 8 : 0));
	}
	for (unsigned long n = 0; n < MY_BLOCKS; n++) {
		unsigned long va = my_block(w->id, n);

		if (w->blk[n] == BLK_PAGES) {
			for (unsigned long off = 0; off < SZ_2M; off += 7 * SZ_4K + 8) {
				bool in = off >= BLK_OFF && off < BLK_OFF + BLK_RUN * SZ_4K;

				CHECK(w, w->ops->iova_to_phys(w->ops, va + off) ==
					 (in ? w->blk_pages[n] + off - BLK_OFF : 0));
			}
			continue;
		}
		for (unsigned long off = 0; off < SZ_2M; off += 64 * SZ_4K + 8)
			CHECK(w, w->ops->iova_to_phys(w->ops, va + off) ==
				 (w->blk[n] ? w->blk[n] + off : 0));
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct io_pgtable_walk_result res;
	u64 rng = w->seed;

	pthread_barrier_wait(w->start);

	for (unsigned int round = 0; round < ROUNDS; round++) {
		u64 r = test_rand(&rng);
		unsigned long n = (r >> 8) % MY_PAGES;
		unsigned long b = (r >> 24) % MY_BLOCKS;

		/* a run of pages inside one of this thread's chunks */
		{
			unsigned long len = 1 + (r >> 40) % (CHUNK_PAGES - n % CHUNK_PAGES);
			unsigned long va = shared_iova(my_page(w->id, n));
			bool busy = false;

			for (unsigned long k = n; k < n + len; k++)
				busy |= w->ref[k] != 0;
			if (!busy) {
				phys_addr_t pa = SZ_4G + ((u64)w->id << 32) + (r % 65536) * SZ_4K;

				CHECK(w, io_pgtable_map(w->ops, va, pa, len * SZ_4K,
							IOMMU_READ | IOMMU_WRITE) == 0);
				for (unsigned long k = n; k < n + len; k++)
					w->ref[k] = pa + (k - n) * SZ_4K;
				w->maps++;
			} else {
				unsigned long k = n;

				/* a map over them is refused; an unmap stops at the first hole */
				CHECK(w, io_pgtable_map(w->ops, va, SZ_4G, len * SZ_4K,
							IOMMU_READ) == -EEXIST);
				while (k < n + len && w->ref[k])
					k++;
				CHECK(w, w->ops->unmap_pages(w->ops, va, SZ_4K, len, NULL) ==
					 (k - n) * SZ_4K);
				for (unsigned long j = n; j < k; j++)
					w->ref[j] = 0;
				w->unmaps++;
			}
		}
		/*
		 * A stretch: a block mapped, pages mapped (a page table), a
		 * block mapped over those pages (it replaces the table), part
		 * of a block unmapped (refused, the block stays), or all of it
		 * unmapped.
		 */
		{
			unsigned long va = my_block(w->id, b);
			phys_addr_t pa = SZ_4G * 8 + ((u64)w->id << 32) + ((r >> 48) % 256) * SZ_2M;

			if (!w->blk[b] && (r >> 56) % 2) {
				const int rw = IOMMU_READ | IOMMU_WRITE;

				CHECK(w, io_pgtable_map(w->ops, va + BLK_OFF, pa + SZ_4K,
							BLK_RUN * SZ_4K, rw) == 0);
				w->blk[b] = BLK_PAGES;
				w->blk_pages[b] = pa + SZ_4K;
				w->maps++;
			} else if (!w->blk[b] || w->blk[b] == BLK_PAGES) {
				CHECK(w, io_pgtable_map(w->ops, va, pa, SZ_2M, IOMMU_READ) == 0);
				/* a block, when iova and phys allow */
				CHECK(w, io_pgtable_walk(w->ops, va, &res) == 0 &&
					 res.size == SZ_2M);
				w->replaced += w->blk[b] == BLK_PAGES;
				w->blk[b] = pa;
				w->maps++;
			} else if ((r >> 56) % 2) {
				unsigned long hole = ((r >> 32) % 512) * SZ_4K;

				CHECK(w, w->ops->unmap_pages(w->ops, va + hole, SZ_4K, 1, NULL) == 0);
				CHECK(w, w->ops->iova_to_phys(w->ops, va + hole) == w->blk[b] + hole);
				CHECK(w, io_pgtable_walk(w->ops, va + hole, &res) == 0 &&
					 res.size == SZ_2M);
				w->refused++;
			} else {
				CHECK(w, w->ops->unmap_pages(w->ops, va, SZ_2M, 1, NULL) == SZ_2M);
				CHECK(w, w->ops->iova_to_phys(w->ops, va + SZ_1M) == 0);
				w->blk[b] = 0;
				w->unmaps++;
			}
		}
		if (round % 16 == 0)
			check_mine(w);
	}
	check_mine(w);
	return NULL;
}

static void run_threads(unsigned int ias, bool windows)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;
	struct worker w[NR_THREADS];
	pthread_t tid[NR_THREADS];
	pthread_barrier_t start;
	unsigned long refused = 0;

	env_init(&e);
	ops = env_ops(&e, ias, SZ_4K | SZ_2M | SZ_1G, windows);
	memset(w, 0, sizeof(w));
	assert_int_equal(pthread_barrier_init(&start, NULL, NR_THREADS), 0);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		w[i].ops = ops;
		w[i].id = i;
		w[i].start = &start;
		w[i].seed = 0x7e57 + i * 1000003ULL + ias;
		w[i].ref = calloc(MY_PAGES, sizeof(u64));
		w[i].blk = calloc(MY_BLOCKS, sizeof(u64));
		w[i].blk_pages = calloc(MY_BLOCKS, sizeof(u64));
		assert_non_null(w[i].ref);
		assert_non_null(w[i].blk);
		assert_non_null(w[i].blk_pages);
	}
	for (unsigned int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, worker_fn, &w[i]), 0);
	for (unsigned int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		if (w[i].bad)
			print_error("thread %u: %lu failed checks, the first at line %d\n", i,
				    w[i].bad, w[i].first_bad);
		assert_int_equal(w[i].bad, 0);
	}

	/* after the race: everyone's translations, from this thread */
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		check_mine(&w[i]);
		assert_int_equal(w[i].bad, 0);
		assert_true(w[i].maps > 10 && w[i].unmaps > 10 && w[i].refused > 0 &&
			    w[i].replaced > 0);
	}
	/* a table lost in a race would show here: the count matches the pages held */
	assert_int_equal(io_pgtable_nr_tables(ops), (unsigned long)e.live);
	assert_int_equal(e.free_before - env_pages_free(&e), io_pgtable_nr_tables(ops));
	/* at most the top, the tables above the two GiBs, 4 + NR_BLOCKS page tables */
	assert_true(io_pgtable_nr_tables(ops) <= 1 + 2 * 2 + 4 + NR_BLOCKS);
	free_io_pgtable_ops(ops);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		refused += w[i].refused;
		free(w[i].ref);
		free(w[i].blk);
		free(w[i].blk_pages);
	}
	/* every refused unmap, as the owner heard of it */
	assert_int_equal(e.partial, refused);
	env_fini(&e);
}

static void test_threads_3_levels(void **state)
{
	(void)state;
	run_threads(32, true);
}

static void test_threads_4_levels(void **state)
{
	(void)state;
	run_threads(48, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_3_levels),
		cmocka_unit_test(test_threads_4_levels),
	};

	return cmocka_run_group_tests_name("io-pgtable-threads", tests, NULL, NULL);
}
