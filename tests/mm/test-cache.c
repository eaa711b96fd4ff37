// SPDX-License-Identifier: MIT
/*
 * The CPU-cache model (cache.c), primitive by primitive.
 *
 * On a non-coherent machine the CPU view (page_address()) and the memory view
 * (mm_phys_to_mem(), what DRAM holds) are two host mappings of one memfd:
 * clean copies CPU -> memory, invalidate memory -> CPU (the lines that
 * differ, into the CPU's copy, which stays), prime forces the CPU's private
 * copy, and the lines at unaligned ends of a range follow arm64's
 * __dma_inv_area: cleaned and invalidated, so CPU data written into a line
 * shared with a DMA buffer lands over the device's bytes, while a line the CPU
 * only prefetched loses nothing. None of them makes a host call: private
 * copies are made by a write (a page fault the first time) and given back
 * only when their frames are freed.
 */
#include "test-util.h"
#include "mm/cache.h"
#include "mm/host.h"
#include "mm/mm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define LINE 64

struct fixture {
	struct dmamap_machine *m;
	struct page *page;
	unsigned int order;
	phys_addr_t phys;
	u8 *cpu;	/* CPU view */
	u8 *mem;	/* memory view */
};

static void setup(struct fixture *f, enum dmamap_cache_model cache, unsigned int order)
{
	struct dmamap_machine_config cfg = { .cache = cache };

	f->m = test_machine(&cfg);
	f->order = order;
	f->page = dmamap_alloc_pages(f->m, GFP_KERNEL, order);
	assert_non_null(f->page);
	f->phys = page_to_phys(f->page);
	f->cpu = page_address(f->page);
	f->mem = mm_phys_to_mem(f->m, f->phys);
	assert_non_null(f->mem);
	assert_ptr_not_equal(f->cpu, f->mem);
}

static void teardown(struct fixture *f)
{
	assert_int_equal(mm_cache_snapshots(f->m), 0);
	dmamap_free_pages(f->page, f->order);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* Pages of [cpu, cpu + n pages) that hold a private (CPU-cached) copy. */
static unsigned int private_pages(const u8 *cpu, size_t npages)
{
	unsigned long bits[4] = { 0 };
	unsigned int n = 0;

	assert_true(npages <= 256);
	assert_int_equal(host_private_pages(cpu, npages, bits), 0);
	for (size_t i = 0; i < npages; i++)
		n += (bits[i / 64] >> (i % 64)) & 1;
	return n;
}

/* Host page faults this thread has taken so far. */
static long minor_faults(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_THREAD, &ru), 0);
	return ru.ru_minflt + ru.ru_majflt;
}

/* --- clean ---------------------------------------------------------------- */

static void test_clean(void **state)
{
	struct fixture f;
	struct dmamap_stats st0, st1;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 2);
	test_fill_pattern(f.cpu, 4 * PAGE_SIZE, 1);
	/* a CPU write sits in the CPU's copy: memory does not have it */
	assert_true(test_all_bytes(f.mem, 4 * PAGE_SIZE, 0));
	assert_int_equal(private_pages(f.cpu, 4), 4);
	st0 = test_stats(f.m);
	mm_cache_clean(f.m, f.phys, 4 * PAGE_SIZE);
	st1 = test_stats(f.m);
	assert_int_equal(test_check_pattern(f.mem, 4 * PAGE_SIZE, 1), -1);
	assert_int_equal(st1.clean_bytes - st0.clean_bytes, 4 * PAGE_SIZE);
	assert_int_equal(st1.syncs - st0.syncs, 1);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	/* the CPU keeps its (now clean) copy */
	assert_int_equal(test_check_pattern(f.cpu, 4 * PAGE_SIZE, 1), -1);
	teardown(&f);
}

/* A clean writes back whole lines, and only the lines the range touches. */
static void test_clean_range_lines(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 0);
	memset(f.cpu, 0x5a, PAGE_SIZE);
	mm_cache_clean(f.m, f.phys + 64, 128);		/* lines 1 and 2 */
	assert_true(test_all_bytes(f.mem, 64, 0));
	assert_true(test_all_bytes(f.mem + 64, 128, 0x5a));
	assert_true(test_all_bytes(f.mem + 192, PAGE_SIZE - 192, 0));
	mm_cache_clean(f.m, f.phys + 1000, 100);	/* lines 960, 1024 and 1088 */
	assert_true(test_all_bytes(f.mem + 192, 960 - 192, 0));
	assert_true(test_all_bytes(f.mem + 960, 192, 0x5a));
	assert_true(test_all_bytes(f.mem + 1152, PAGE_SIZE - 1152, 0));
	mm_cache_clean(f.m, f.phys + 2050, 10);	/* inside one line */
	assert_true(test_all_bytes(f.mem + 1152, 2048 - 1152, 0));
	assert_true(test_all_bytes(f.mem + 2048, 64, 0x5a));
	assert_true(test_all_bytes(f.mem + 2112, 64, 0));
	mm_cache_clean(f.m, f.phys + 3072, 0);		/* empty: nothing */
	assert_true(test_all_bytes(f.mem + 3072, 64, 0));
	teardown(&f);
}

/* --- invalidate ----------------------------------------------------------- */

static void test_inval(void **state)
{
	const size_t n = 8;
	struct fixture f;
	struct dmamap_stats st0, st1;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 3);
	mm_cache_prime(f.m, f.phys, n * PAGE_SIZE, true);
	assert_int_equal(private_pages(f.cpu, n), n);
	test_fill_pattern(f.mem, n * PAGE_SIZE, 2);	/* the device writes memory */
	/* the CPU still reads its own copy */
	assert_true(test_all_bytes(f.cpu, n * PAGE_SIZE, 0));
	st0 = test_stats(f.m);
	mm_cache_inval(f.m, f.phys, n * PAGE_SIZE);
	st1 = test_stats(f.m);
	assert_int_equal(test_check_pattern(f.cpu, n * PAGE_SIZE, 2), -1);
	/* the copies stay, holding memory's bytes: no host call */
	assert_int_equal(private_pages(f.cpu, n), n);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	assert_int_equal(st1.invalidate_bytes - st0.invalidate_bytes, n * PAGE_SIZE);
	assert_int_equal(st1.syncs - st0.syncs, 1);
	/* and they do not follow memory again by themselves: stale stays stale */
	test_fill_pattern(f.mem, n * PAGE_SIZE, 9);
	assert_int_equal(test_check_pattern(f.cpu, n * PAGE_SIZE, 2), -1);
	mm_cache_inval(f.m, f.phys, n * PAGE_SIZE);
	assert_int_equal(test_check_pattern(f.cpu, n * PAGE_SIZE, 9), -1);
	teardown(&f);
}

/*
 * A range with partial pages at both ends: every page refreshed in place,
 * with no host call, and the CPU's own data outside the range (in the same
 * pages) kept.
 */
static void test_inval_partial_pages(void **state)
{
	struct fixture f;
	struct dmamap_stats st0, st1;
	const size_t start = 256, end = 5 * PAGE_SIZE + 1024;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 3);
	mm_cache_prime(f.m, f.phys + start, end - start, true);
	memset(f.cpu, 0xc1, start);			/* CPU data before the range */
	memset(f.cpu + end, 0xc2, 8 * PAGE_SIZE - end);	/* and after it */
	test_fill_pattern(f.mem + start, end - start, 3);
	st0 = test_stats(f.m);
	mm_cache_inval(f.m, f.phys + start, end - start);
	st1 = test_stats(f.m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	assert_int_equal(test_check_pattern(f.cpu + start, end - start, 3), -1);
	assert_true(test_all_bytes(f.cpu, start, 0xc1));
	assert_true(test_all_bytes(f.cpu + end, 8 * PAGE_SIZE - end, 0xc2));
	assert_true(test_all_bytes(f.mem, start, 0));	/* not written back: outside */
	assert_int_equal(private_pages(f.cpu, 8), 8);	/* primed 0..5, written 0 and 5..7 */

	/* within a single page: no host call either */
	st0 = test_stats(f.m);
	mm_cache_inval(f.m, f.phys + 7 * PAGE_SIZE + 64, 512);
	st1 = test_stats(f.m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	teardown(&f);
}

/* --- prime ---------------------------------------------------------------- */

static void test_prime(void **state)
{
	struct fixture f;
	struct dmamap_stats st0, st1;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 4);
	/* nothing cached: a memory write is what the CPU reads (a cache miss) */
	memset(f.mem, 0x11, PAGE_SIZE);
	assert_true(test_all_bytes(f.cpu, PAGE_SIZE, 0x11));
	assert_int_equal(private_pages(f.cpu, 16), 0);

	st0 = test_stats(f.m);
	mm_cache_prime(f.m, f.phys, 16 * PAGE_SIZE, true);
	st1 = test_stats(f.m);
	assert_int_equal(private_pages(f.cpu, 16), 16);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);	/* a write fault each */
	assert_int_equal(st1.prime_bytes - st0.prime_bytes, 16 * PAGE_SIZE);
	/* primed: a memory write is no longer seen, every time */
	memset(f.mem, 0x22, 16 * PAGE_SIZE);
	assert_true(test_all_bytes(f.cpu, PAGE_SIZE, 0x11));
	assert_true(test_all_bytes(f.cpu + PAGE_SIZE, 15 * PAGE_SIZE, 0));
	/* priming again keeps what the CPU holds (a dirty line stays dirty) */
	f.cpu[100] = 0x33;
	mm_cache_prime(f.m, f.phys, PAGE_SIZE, true);
	assert_int_equal(f.cpu[100], 0x33);
	assert_int_equal(f.mem[100], 0x22);
	teardown(&f);

	/* a range inside one page primes the page */
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 4);
	mm_cache_prime(f.m, f.phys + 5 * PAGE_SIZE + 128, 64, true);
	assert_int_equal(private_pages(f.cpu, 16), 1);
	mm_cache_forget(f.m, f.phys + 5 * PAGE_SIZE + 128, 64);
	teardown(&f);
}

/*
 * Once a page has its copy, maintenance on it is memory operations only: a
 * second prime, an invalidate of what the device wrote, a clean, take no
 * host page fault and make no host call.
 */
static void test_steady_state_no_host_work(void **state)
{
	struct fixture f;
	struct dmamap_stats st0, st1;
	long faults;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 4);
	mm_cache_prime(f.m, f.phys, 16 * PAGE_SIZE, true);		/* warm-up: the copies */
	mm_cache_inval(f.m, f.phys, 16 * PAGE_SIZE);
	mm_cache_clean(f.m, f.phys, 16 * PAGE_SIZE);
	st0 = test_stats(f.m);
	faults = minor_faults();
	for (int round = 0; round < 8; round++) {
		mm_cache_inval(f.m, f.phys, 16 * PAGE_SIZE);	/* map FROM_DEVICE */
		mm_cache_prime(f.m, f.phys, 16 * PAGE_SIZE, true);
		memset(f.mem, round, 16 * PAGE_SIZE);		/* the device writes */
		mm_cache_inval(f.m, f.phys, 16 * PAGE_SIZE);	/* unmap */
		assert_true(test_all_bytes(f.cpu, 16 * PAGE_SIZE, (u8)round));
		f.cpu[round * 64] = 0xee;			/* the CPU writes */
		mm_cache_clean(f.m, f.phys, 16 * PAGE_SIZE);	/* map TO_DEVICE */
		assert_int_equal(f.mem[round * 64], 0xee);
	}
	assert_int_equal(minor_faults() - faults, 0);
	st1 = test_stats(f.m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	assert_int_equal(st1.prime_bytes - st0.prime_bytes, 8 * 16 * PAGE_SIZE);
	assert_int_equal(private_pages(f.cpu, 16), 16);
	teardown(&f);
}

/*
 * Freed frames give their memory back to the host in batches: once enough
 * frames of a bank are free, their private copies are dropped and their
 * bytes in memory freed, one host call each per run of adjacent frames. A
 * frame allocated again before that keeps what it held.
 */
static void test_release_on_free(void **state)
{
	const unsigned int order = 9;			/* 512 frames: one batch */
	struct dmamap_machine_config cfg = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_machine *m = test_machine(&cfg);
	struct dmamap_stats st0, st1;
	struct page *page, *small;
	u8 *cpu, *mem;
	/*
	 * qemu-user (7.2) takes MADV_REMOVE for a hint and ignores it: under
	 * the emulator memory keeps a freed frame's bytes (they are not the
	 * allocator's to promise), though the CPU's copies do go.
	 */
	const char *emulator = getenv("MESON_EXE_WRAPPER");
	bool host_removes = !emulator || !*emulator;

	(void)state;
	/* a page freed alone is kept as it is, and found so when allocated again */
	small = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	cpu = page_address(small);
	mem = mm_phys_to_mem(m, page_to_phys(small));
	mm_cache_prime(m, page_to_phys(small), PAGE_SIZE, true);
	memset(mem, 0x44, PAGE_SIZE);
	st0 = test_stats(m);
	dmamap_free_pages(small, 0);
	assert_ptr_equal(dmamap_alloc_pages(m, GFP_KERNEL, 0), small);
	st1 = test_stats(m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	assert_int_equal(private_pages(cpu, 1), 1);
	assert_int_equal(mem[0], 0x44);
	dmamap_free_pages(small, 0);

	/* a batch of free frames goes back to the host */
	page = dmamap_alloc_pages(m, GFP_KERNEL, order);
	assert_non_null(page);
	cpu = page_address(page);
	mem = mm_phys_to_mem(m, page_to_phys(page));
	mm_cache_prime(m, page_to_phys(page), PAGE_SIZE << order, true);
	memset(mem, 0x55, PAGE_SIZE << order);
	memset(cpu, 0x66, PAGE_SIZE << order);
	assert_int_equal(private_pages(cpu, 256), 256);
	st0 = test_stats(m);
	dmamap_free_pages(page, order);
	st1 = test_stats(m);
	/* the batch: this block and the page freed above, two calls per run */
	assert_int_equal(st1.host_madvises - st0.host_madvises,
			 small >= page - 1 && small <= page + (1 << order) ? 2 : 4);
	assert_int_equal(private_pages(cpu, 256), 0);
	assert_int_equal(private_pages(cpu + 256 * PAGE_SIZE, 256), 0);
	if (host_removes)
		assert_true(test_all_bytes(mem, PAGE_SIZE << order, 0));
	/* a frame allocated again reads memory in the CPU view, and primes anew */
	page = dmamap_alloc_pages(m, GFP_KERNEL, order);
	cpu = page_address(page);
	mem = mm_phys_to_mem(m, page_to_phys(page));
	if (host_removes)
		assert_true(test_all_bytes(cpu, PAGE_SIZE << order, 0));
	assert_true(test_all_bytes(cpu, PAGE_SIZE << order, mem[0]));
	memset(mem, 0x77, PAGE_SIZE);
	assert_true(test_all_bytes(cpu, PAGE_SIZE, 0x77));
	mm_cache_prime(m, page_to_phys(page), PAGE_SIZE, true);
	assert_int_equal(private_pages(cpu, 1), 1);
	memset(mem, 0x78, PAGE_SIZE);
	assert_true(test_all_bytes(cpu, PAGE_SIZE, 0x77));
	dmamap_free_pages(page, order);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- the lines at the ends of a range ------------------------------------- */

/*
 * The CPU writes into a line it shares with a DMA buffer while the device
 * owns the buffer: the invalidate at the unaligned end cleans that line, and
 * the CPU's stale copy of the buffer's bytes lands over the device's. This is
 * the loss real non-coherent hardware shows, and the model must show it.
 */
static void test_edge_dirty_line_loses_device_bytes(void **state)
{
	struct fixture f;
	const size_t start = 32, len = 128;	/* lines 0..63 and 128..191 are shared */

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 0);
	mm_cache_prime(f.m, f.phys + start, len, true);	/* map for the device */
	f.cpu[0] = 0xc0;				/* CPU data next to the buffer */
	memset(f.mem + start, 0xdd, len);		/* the device writes the buffer */
	mm_cache_inval(f.m, f.phys + start, len);	/* unmap: sync for the CPU */
	/* the CPU's byte was written back, over the device's bytes 32..63 */
	assert_int_equal(f.mem[0], 0xc0);
	assert_true(test_all_bytes(f.mem + start, LINE - start, 0));
	assert_true(test_all_bytes(f.cpu + start, LINE - start, 0));
	/* the rest of the buffer is the device's, in memory and for the CPU */
	assert_true(test_all_bytes(f.mem + LINE, start + len - LINE, 0xdd));
	assert_true(test_all_bytes(f.cpu + LINE, start + len - LINE, 0xdd));
	mm_cache_forget(f.m, f.phys + start, len);
	teardown(&f);
}

/* A shared line the CPU only prefetched (primed, never written) loses nothing. */
static void test_edge_primed_line_keeps_device_bytes(void **state)
{
	static const struct { size_t start, len; } cases[] = {
		{ 32, 128 },		/* both ends inside lines */
		{ 0, 16 },		/* line-aligned start, sub-line length */
		{ 256, 100 },		/* aligned start, unaligned end */
		{ 400, 48 },		/* unaligned start, aligned end */
		{ 520, 16 },		/* both ends inside one line */
		{ 4000, 200 },		/* across a page boundary */
	};
	struct fixture f;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 1);
	memset(f.cpu, 0x77, 2 * PAGE_SIZE);	/* what the buffer held before */
	mm_cache_clean(f.m, f.phys, 2 * PAGE_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t s = cases[i].start, l = cases[i].len;

		mm_cache_prime(f.m, f.phys + s, l, true);
		memset(f.mem + s, 0xd0 + i, l);			/* the device writes */
		mm_cache_inval(f.m, f.phys + s, l);
		assert_true(test_all_bytes(f.cpu + s, l, 0xd0 + i));
		assert_true(test_all_bytes(f.mem + s, l, 0xd0 + i));
		/* the bytes around the buffer are untouched in both views */
		if (s)
			assert_int_equal(f.mem[s - 1], 0x77);
		assert_int_equal(f.mem[s + l], 0x77);
		assert_int_equal(f.cpu[s + l], 0x77);
		mm_cache_forget(f.m, f.phys + s, l);
		assert_int_equal(mm_cache_snapshots(f.m), 0);
		/* restore for the next case */
		memset(f.cpu + s, 0x77, l);
		mm_cache_clean(f.m, f.phys + s, l);
	}
	teardown(&f);
}

/*
 * A buffer mapped once and handed back and forth (a receive ring): each sync
 * for the CPU must see what the device wrote since the previous one. The
 * edge lines were made clean by the previous maintenance, so they are not
 * the CPU's to write back.
 */
static void test_edge_repeated_syncs(void **state)
{
	struct fixture f;
	const size_t start = 32, len = 128;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 0);
	mm_cache_prime(f.m, f.phys + start, len, true);		/* map FROM_DEVICE */
	for (int round = 1; round <= 4; round++) {
		memset(f.mem + start, round, len);		/* the device writes */
		mm_cache_inval(f.m, f.phys + start, len);	/* sync for the CPU */
		assert_true(test_all_bytes(f.cpu + start, len, (u8)round));
		assert_true(test_all_bytes(f.mem + start, len, (u8)round));
		mm_cache_inval(f.m, f.phys + start, len);	/* sync for the device */
	}
	/*
	 * The CPU writes next to the buffer, then cleans it (sync for the
	 * device): the line is clean again, and the device's next write survives
	 * the next invalidate.
	 */
	f.cpu[0] = 0xc0;
	f.cpu[start + len] = 0xc1;
	mm_cache_clean(f.m, f.phys + start, len);
	assert_int_equal(f.mem[0], 0xc0);
	assert_int_equal(f.mem[start + len], 0xc1);
	memset(f.mem + start, 0xee, len);
	mm_cache_inval(f.m, f.phys + start, len);
	assert_true(test_all_bytes(f.cpu + start, len, 0xee));
	assert_true(test_all_bytes(f.mem + start, len, 0xee));
	assert_int_equal(f.cpu[0], 0xc0);
	assert_int_equal(f.cpu[start + len], 0xc1);
	mm_cache_forget(f.m, f.phys + start, len);
	teardown(&f);
}

/* Prime keeps one snapshot per partial end line; forget drops them. */
static void test_snapshots_forgotten(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 0);
	mm_cache_prime(f.m, f.phys + 32, 128, true);		/* two partial lines */
	assert_int_equal(mm_cache_snapshots(f.m), 2);
	mm_cache_prime(f.m, f.phys + 1024, 16, true);		/* one: aligned start */
	assert_int_equal(mm_cache_snapshots(f.m), 3);
	mm_cache_prime(f.m, f.phys + 2056, 8, true);		/* one: inside a line */
	assert_int_equal(mm_cache_snapshots(f.m), 4);
	mm_cache_prime(f.m, f.phys + 3072, 256, true);	/* none: aligned */
	assert_int_equal(mm_cache_snapshots(f.m), 4);
	mm_cache_forget(f.m, f.phys + 32, 128);
	mm_cache_forget(f.m, f.phys + 1024, 16);
	mm_cache_forget(f.m, f.phys + 2056, 8);
	mm_cache_forget(f.m, f.phys + 3072, 256);
	assert_int_equal(mm_cache_snapshots(f.m), 0);
	teardown(&f);
}

/* A range over two physically adjacent banks is one range for every primitive. */
static void test_range_across_banks(void **state)
{
	static const struct dmamap_bank adj[] = {
		{ 0x80000000ULL, SZ_1M }, { 0x80100000ULL, SZ_1M },
	};
	struct dmamap_machine_config cfg = { .banks = adj, .nr_banks = 2,
					     .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_machine *m = test_machine(&cfg);
	const phys_addr_t at = 0x80100000ULL - 2 * PAGE_SIZE;
	u8 *cpu = mm_phys_to_linear(m, at), *mem = mm_phys_to_mem(m, at);

	(void)state;
	test_fill_pattern(cpu, 4 * PAGE_SIZE, 4);
	mm_cache_clean(m, at, 4 * PAGE_SIZE);
	assert_int_equal(test_check_pattern(mem, 4 * PAGE_SIZE, 4), -1);
	mm_cache_prime(m, at, 4 * PAGE_SIZE, true);
	test_fill_pattern(mem, 4 * PAGE_SIZE, 5);
	mm_cache_inval(m, at, 4 * PAGE_SIZE);
	assert_int_equal(test_check_pattern(cpu, 4 * PAGE_SIZE, 5), -1);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- coherent machines and coherent devices ------------------------------- */

static void test_coherent_machine(void **state)
{
	struct fixture f;
	struct dmamap_stats st0, st1;

	(void)state;
	setup(&f, DMAMAP_CACHE_COHERENT, 1);
	st0 = test_stats(f.m);
	test_fill_pattern(f.cpu, 2 * PAGE_SIZE, 6);
	assert_int_equal(test_check_pattern(f.mem, 2 * PAGE_SIZE, 6), -1);
	mm_cache_prime(f.m, f.phys + 32, 100, true);
	test_fill_pattern(f.mem, 2 * PAGE_SIZE, 7);
	assert_int_equal(test_check_pattern(f.cpu, 2 * PAGE_SIZE, 7), -1);
	mm_cache_clean(f.m, f.phys, 2 * PAGE_SIZE);
	mm_cache_inval(f.m, f.phys + 32, 100);
	mm_cache_forget(f.m, f.phys + 32, 100);
	st1 = test_stats(f.m);
	/* bookkeeping only */
	assert_int_equal(st1.syncs - st0.syncs, 2);
	assert_int_equal(st1.clean_bytes, st0.clean_bytes);
	assert_int_equal(st1.invalidate_bytes, st0.invalidate_bytes);
	assert_int_equal(st1.prime_bytes, st0.prime_bytes);
	assert_int_equal(st1.host_madvises, st0.host_madvises);
	assert_int_equal(mm_cache_snapshots(f.m), 0);
	teardown(&f);
}

/*
 * A coherent (snooping) device on a non-coherent machine writes memory and
 * whatever copy the CPU holds, without creating copies; it reads the CPU view.
 */
static void test_coherent_device_access(void **state)
{
	struct fixture f;
	u8 buf[3 * 4096];

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 2);
	mm_cache_prime(f.m, f.phys + PAGE_SIZE, PAGE_SIZE, true);	/* page 1 is cached */
	test_fill_pattern(buf, sizeof(buf), 8);
	mm_coherent_write(f.m, f.phys + 100, buf, sizeof(buf));
	assert_int_equal(test_check_pattern(f.mem + 100, sizeof(buf), 8), -1);
	assert_int_equal(test_check_pattern(f.cpu + 100, sizeof(buf), 8), -1);
	assert_int_equal(private_pages(f.cpu, 4), 1);	/* no new copies */
	mm_coherent_fill(f.m, f.phys + PAGE_SIZE - 10, 0x3c, 20);
	assert_true(test_all_bytes(f.cpu + PAGE_SIZE - 10, 20, 0x3c));
	assert_true(test_all_bytes(f.mem + PAGE_SIZE - 10, 20, 0x3c));
	/* reads see the CPU's dirty data, which memory does not have */
	{
		u8 old = f.mem[PAGE_SIZE + 5];

		f.cpu[PAGE_SIZE + 5] = (u8)(old + 1);
		mm_cpu_view_read(f.m, f.phys + PAGE_SIZE + 5, buf, 1);
		assert_int_equal(buf[0], (u8)(old + 1));
		assert_int_equal(f.mem[PAGE_SIZE + 5], old);
	}
	teardown(&f);
}

/*
 * Frames handed out for DMA: the CPU's copies of an earlier user are
 * overwritten with memory's bytes and the frames are zero in memory, with no
 * host call.
 */
static void test_prep_dma_pages(void **state)
{
	struct fixture f;
	struct dmamap_stats st0, st1;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 3);
	memset(f.cpu, 0x5a, 8 * PAGE_SIZE);		/* an earlier user's dirty data */
	memset(f.mem, 0xa5, 8 * PAGE_SIZE);		/* and what memory held */
	st0 = test_stats(f.m);
	mm_prep_dma_pages(f.m, f.page, 8);
	st1 = test_stats(f.m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	assert_true(test_all_bytes(f.mem, 8 * PAGE_SIZE, 0));
	assert_true(test_all_bytes(f.cpu, 8 * PAGE_SIZE, 0));
	teardown(&f);

	setup(&f, DMAMAP_CACHE_COHERENT, 1);
	memset(f.cpu, 0x5a, 2 * PAGE_SIZE);
	st0 = test_stats(f.m);
	mm_prep_dma_pages(f.m, f.page, 2);
	st1 = test_stats(f.m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	assert_true(test_all_bytes(f.cpu, 2 * PAGE_SIZE, 0));
	teardown(&f);
}

/* --- a second CPU mapping (the kernel VA window) --------------------------- */

/*
 * The frames of @f mapped again through the kernel VA window, a mapping
 * that shows memory; on ARMv8 both are cacheable aliases of the same
 * physically tagged lines.
 */
static u8 *alias_map(struct fixture *f, struct page **pages, unsigned int n)
{
	u8 *va;

	for (unsigned int i = 0; i < n; i++)
		pages[i] = f->page + i;
	va = vmap(pages, n, VM_MAP, DMAMAP_PGPROT_NORMAL);
	assert_non_null(va);
	return va;
}

/*
 * The CPU's stores through the alias reach the device at the clean of a
 * sync for the device, though the linear map held a copy of the pages from
 * an earlier round of DMA: that copy, merely held, must not be written back
 * over them. Twice: with the alias made after the copies (they agree with
 * memory and are dropped then), and with the alias there already (the
 * invalidate for the CPU drops them).
 */
static void test_alias_store_reaches_device(void **state)
{
	const size_t len = 2 * PAGE_SIZE;
	struct page *pages[2];
	struct fixture f;
	u8 *va;

	(void)state;
	for (int alias_first = 0; alias_first < 2; alias_first++) {
		setup(&f, DMAMAP_CACHE_NONCOHERENT, 1);
		va = alias_first ? alias_map(&f, pages, 2) : NULL;
		/* a round of DMA from the device: the CPU holds the pages after it */
		mm_cache_inval(f.m, f.phys, len);
		mm_cache_prime(f.m, f.phys, len, true);
		test_fill_pattern(f.mem, len, 4);
		mm_cache_inval_for_cpu(f.m, f.phys, len);
		assert_int_equal(test_check_pattern(f.cpu, len, 4), -1);
		if (!alias_first)
			va = alias_map(&f, pages, 2);
		/* the CPU writes the next request through the alias ... */
		test_fill_pattern(va, len, 5);
		/* ... which both of its aliases show, the caches being one */
		assert_int_equal(test_check_pattern(f.cpu, len, 5), -1);
		/* sync for the device (bidirectional): clean, prime */
		mm_cache_clean(f.m, f.phys, len);
		mm_cache_prime(f.m, f.phys, len, true);
		assert_int_equal(test_check_pattern(f.mem, len, 5), -1);
		vunmap(va);
		teardown(&f);
	}
}

/*
 * The other way: what the device wrote reaches both aliases at the
 * invalidate of a sync for the CPU, and a store through either of them is
 * then seen through the other, and written back by a clean through the
 * alias (flush_kernel_vmap_range()).
 */
static void test_alias_sees_device(void **state)
{
	const size_t len = 2 * PAGE_SIZE;
	struct page *pages[2];
	struct fixture f;
	u8 *va;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 1);
	va = alias_map(&f, pages, 2);
	mm_cache_inval(f.m, f.phys, len);
	mm_cache_prime(f.m, f.phys, len, true);
	test_fill_pattern(f.mem, len, 6);			/* the device writes */
	assert_true(test_all_bytes(f.cpu, len, 0));		/* stale before the sync */
	mm_cache_inval_for_cpu(f.m, f.phys, len);
	assert_int_equal(test_check_pattern(f.cpu, len, 6), -1);
	assert_int_equal(test_check_pattern(va, len, 6), -1);
	memset(va + 100, 0x7e, 200);
	assert_true(test_all_bytes(f.cpu + 100, 200, 0x7e));
	memset(f.cpu + PAGE_SIZE, 0x7f, 300);			/* through the linear map */
	flush_kernel_vmap_range(va + PAGE_SIZE, 300);
	assert_true(test_all_bytes(va + PAGE_SIZE, 300, 0x7f));
	assert_true(test_all_bytes(f.mem + 100, 200, 0x7e));
	assert_true(test_all_bytes(f.mem + PAGE_SIZE, 300, 0x7f));
	vunmap(va);
	teardown(&f);
}

/*
 * Frames without a second mapping keep their copies and make no host call;
 * the mark goes with the frames' free, so their next user does not pay the
 * aliased frames' host calls.
 */
static void test_alias_mark_freed(void **state)
{
	struct dmamap_stats st0, st1;
	struct page *pages[1];
	struct fixture f;
	u8 *va;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 0);
	va = alias_map(&f, pages, 1);
	vunmap(va);
	mm_cache_prime(f.m, f.phys, PAGE_SIZE, true);
	st0 = test_stats(f.m);
	mm_cache_inval(f.m, f.phys, PAGE_SIZE);
	st1 = test_stats(f.m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 1);	/* still marked */
	assert_int_equal(private_pages(f.cpu, 1), 0);
	dmamap_free_pages(f.page, 0);
	f.page = dmamap_alloc_pages(f.m, GFP_KERNEL, 0);
	assert_ptr_equal(page_to_phys(f.page), f.phys);
	mm_cache_prime(f.m, f.phys, PAGE_SIZE, true);
	st0 = test_stats(f.m);
	mm_cache_inval(f.m, f.phys, PAGE_SIZE);
	st1 = test_stats(f.m);
	assert_int_equal(st1.host_madvises - st0.host_madvises, 0);
	assert_int_equal(private_pages(f.cpu, 1), 1);
	teardown(&f);
}

/*
 * A coherent device's buffer on this machine has a shared linear map for its
 * life: the copies a prime took before are gone with the private mapping,
 * and after the buffer is freed and its linear map private again, a prime
 * must take them anew, or the pages would follow memory: stale data would
 * no longer be stale.
 */
static void test_share_forgets_copies(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, 0);
	mm_cache_prime(f.m, f.phys, PAGE_SIZE, true);
	assert_int_equal(private_pages(f.cpu, 1), 1);
	assert_int_equal(mm_cache_share(f.m, f.phys, PAGE_SIZE), 0);
	mm_cache_prime(f.m, f.phys, PAGE_SIZE, true);
	memset(f.mem, 0x42, PAGE_SIZE);
	assert_true(test_all_bytes(f.cpu, PAGE_SIZE, 0x42));	/* one view while shared */
	mm_cache_unshare(f.m, f.phys, PAGE_SIZE);
	assert_int_equal(private_pages(f.cpu, 1), 0);
	mm_cache_prime(f.m, f.phys, PAGE_SIZE, true);
	assert_int_equal(private_pages(f.cpu, 1), 1);
	memset(f.mem, 0x43, PAGE_SIZE);				/* the device writes */
	assert_true(test_all_bytes(f.cpu, PAGE_SIZE, 0x42));	/* stale, as it must be */
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_clean_range_lines),
		cmocka_unit_test(test_inval),
		cmocka_unit_test(test_inval_partial_pages),
		cmocka_unit_test(test_prime),
		cmocka_unit_test(test_steady_state_no_host_work),
		cmocka_unit_test(test_release_on_free),
		cmocka_unit_test(test_edge_dirty_line_loses_device_bytes),
		cmocka_unit_test(test_edge_primed_line_keeps_device_bytes),
		cmocka_unit_test(test_edge_repeated_syncs),
		cmocka_unit_test(test_snapshots_forgotten),
		cmocka_unit_test(test_range_across_banks),
		cmocka_unit_test(test_coherent_machine),
		cmocka_unit_test(test_coherent_device_access),
		cmocka_unit_test(test_prep_dma_pages),
		cmocka_unit_test(test_alias_store_reaches_device),
		cmocka_unit_test(test_alias_sees_device),
		cmocka_unit_test(test_alias_mark_freed),
		cmocka_unit_test(test_share_forgets_copies),
	};

	return cmocka_run_group_tests_name("mm-cache", tests, NULL, NULL);
}
