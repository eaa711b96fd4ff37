// SPDX-License-Identifier: MIT
/*
 * ARM LPAE stage-1 page tables (src/iommu/io-pgtable-arm.c), 4 KiB granule
 * first, then 16 KiB and 64 KiB.
 *
 * Leaf sizes chosen from alignment and the page-size bitmap, partial
 * unmaps of blocks refused (today's kernel no longer splits), overlaps of
 * leaves refused whole and tables replaced by blocks (the kernel's result),
 * permissions and memory types in the descriptors, the number of levels
 * from the IOVA size, table pages taken from the machine and all given
 * back; the kernel's own self-test for each granule; then a long random run
 * of maps and unmaps against a reference.
 */
#include "pgtable-env.h"
#include "lib/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ALL_SIZES	(SZ_4K | SZ_2M | SZ_1G)
#define RW		(IOMMU_READ | IOMMU_WRITE)

static struct io_pgtable_walk_result walk(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct io_pgtable_walk_result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(io_pgtable_walk(ops, iova, &r), 0);
	return r;
}

static bool unmapped(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct io_pgtable_walk_result r;

	return io_pgtable_walk(ops, iova, &r) == -ENOENT && ops->iova_to_phys(ops, iova) == 0;
}

static u64 pte_type(u64 pte)
{
	return pte & ARM_LPAE_PTE_TYPE_MASK;
}

/* --- leaf sizes ------------------------------------------------------------ */

struct leaf_run {
	size_t bytes;		/* this many bytes of the mapping ... */
	size_t leaf;		/* ... are leaves of this size */
};

struct map_case {
	const char *what;
	unsigned long pgsizes;
	unsigned long iova;
	phys_addr_t phys;
	size_t size;
	struct leaf_run runs[4];
};

/*
 * io_pgtable_map() uses the largest page size of the bitmap that the IOVA
 * and the physical address are both aligned to and that fits what is left,
 * so a block is used whenever alignment and size allow, never otherwise.
 */
static const struct map_case map_cases[] = {
	{ "one page", ALL_SIZES, 0x1000, 0x80005000, SZ_4K, { { SZ_4K, SZ_4K } } },
	{ "pages", ALL_SIZES, 0x3000, 0x123456000ULL, 37 * SZ_4K, { { 37 * SZ_4K, SZ_4K } } },
	{ "2M block", ALL_SIZES, SZ_2M, 0x140200000ULL, SZ_2M, { { SZ_2M, SZ_2M } } },
	{ "blocks", ALL_SIZES, 3 * SZ_2M, 0x140600000ULL, 3 * SZ_2M, { { 3 * SZ_2M, SZ_2M } } },
	{ "phys not 2M aligned", ALL_SIZES, SZ_2M, 0x140201000ULL, SZ_2M,
	  { { SZ_2M, SZ_4K } } },
	{ "iova not 2M aligned", ALL_SIZES, SZ_2M + SZ_4K, 0x140200000ULL, SZ_2M,
	  { { SZ_2M, SZ_4K } } },
	{ "short of a block", ALL_SIZES, SZ_2M, 0x140200000ULL, SZ_2M - SZ_4K,
	  { { SZ_2M - SZ_4K, SZ_4K } } },
	{ "pages, blocks, pages", ALL_SIZES, SZ_2M - 2 * SZ_4K, 0x1403fe000ULL,
	  2 * SZ_4K + 2 * SZ_2M + 3 * SZ_4K,
	  { { 2 * SZ_4K, SZ_4K }, { 2 * SZ_2M, SZ_2M }, { 3 * SZ_4K, SZ_4K } } },
	{ "no 2M in the bitmap", SZ_4K, SZ_2M, 0x140200000ULL, 2 * SZ_2M,
	  { { 2 * SZ_2M, SZ_4K } } },
	{ "1G block", ALL_SIZES, SZ_1G, 0x140000000ULL, SZ_1G, { { SZ_1G, SZ_1G } } },
	{ "no 1G in the bitmap", SZ_4K | SZ_2M, SZ_1G, 0x140000000ULL, SZ_1G,
	  { { SZ_1G, SZ_2M } } },
	{ "1G with 4K only", SZ_4K, SZ_1G, 0x140000000ULL, SZ_1G, { { SZ_1G, SZ_4K } } },
	{ "phys not 1G aligned", ALL_SIZES, SZ_1G, 0x140200000ULL, SZ_1G, { { SZ_1G, SZ_2M } } },
	{ "2M blocks, then 1G", ALL_SIZES, SZ_1G - SZ_4M, 0x13fc00000ULL, SZ_4M + SZ_1G + SZ_4K,
	  { { SZ_4M, SZ_2M }, { SZ_1G, SZ_1G }, { SZ_4K, SZ_4K } } },
	{ "pages up to a block", ALL_SIZES, SZ_1G - SZ_2M - SZ_8K, 0x13fdfe000ULL,
	  SZ_8K + SZ_2M + SZ_1G,
	  { { SZ_8K, SZ_4K }, { SZ_2M, SZ_2M }, { SZ_1G, SZ_1G } } },
	{ "top of a 32-bit space", ALL_SIZES, 0xffe00000UL, 0x7ffe00000ULL, SZ_2M,
	  { { SZ_2M, SZ_2M } } },
};

static void check_leaves(struct io_pgtable_ops *ops, const struct map_case *c)
{
	size_t pos = 0;

	for (unsigned int k = 0; k < ARRAY_SIZE(c->runs) && c->runs[k].bytes; k++) {
		const struct leaf_run *run = &c->runs[k];

		/* every leaf of the run: size, start, type, and a few addresses inside */
		for (size_t at = pos; at < pos + run->bytes; at += run->leaf) {
			struct io_pgtable_walk_result r = walk(ops, c->iova + at);
			size_t probe[] = { 0, SZ_4K, run->leaf / 2 + 8, run->leaf - 1 };

			if (r.size != run->leaf)
				print_error("%s: leaf at +%#zx is %#zx bytes, expected %#zx\n",
					    c->what, at, r.size, run->leaf);
			assert_int_equal(r.size, run->leaf);
			assert_int_equal(r.phys, c->phys + at);
			assert_int_equal(pte_type(r.pte), run->leaf == SZ_4K ?
					 ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK);
			assert_int_equal(r.pte & ARM_LPAE_PTE_ADDR_MASK, c->phys + at);
			for (unsigned int p = 0; p < ARRAY_SIZE(probe); p++)
				if (probe[p] < run->leaf)
					assert_int_equal(ops->iova_to_phys(ops, c->iova + at +
									   probe[p]),
							 c->phys + at + probe[p]);
		}
		pos += run->bytes;
	}
	assert_int_equal(pos, c->size);
}

static void test_leaf_sizes(void **state)
{
	struct pgtable_env e;

	(void)state;
	env_init(&e);
	for (unsigned int t = 0; t < ARRAY_SIZE(map_cases); t++) {
		const struct map_case *c = &map_cases[t];
		struct io_pgtable_ops *ops = env_ops(&e, 32, c->pgsizes, t % 2);
		size_t pos = 0;

		assert_int_equal(io_pgtable_map(ops, c->iova, c->phys, c->size,
						RW | IOMMU_CACHE), 0);
		check_leaves(ops, c);
		/* nothing around it */
		assert_true(unmapped(ops, c->iova - SZ_4K));
		if (c->iova + c->size < SZ_4G)
			assert_true(unmapped(ops, c->iova + c->size));
		/* unmapped again leaf by leaf, with the unit of each run */
		for (unsigned int k = 0; k < ARRAY_SIZE(c->runs) && c->runs[k].bytes; k++) {
			const struct leaf_run *run = &c->runs[k];

			assert_int_equal(ops->unmap_pages(ops, c->iova + pos, run->leaf,
							  run->bytes / run->leaf, NULL),
					 run->bytes);
			pos += run->bytes;
		}
		for (size_t at = 0; at < c->size; at += SZ_4K)
			assert_true(unmapped(ops, c->iova + at));
		assert_int_equal(io_pgtable_nr_tables(ops), (unsigned long)e.live);
		free_io_pgtable_ops(ops);
		assert_int_equal(e.live, 0);
		assert_int_equal(env_pages_free(&e), e.free_before);
	}
	env_fini(&e);
}

/* map_pages() maps exactly the unit asked for, blocks included. */
static void test_map_pages_units(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;
	size_t mapped = 12345;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 39, ALL_SIZES, true);
	assert_int_equal(ops->map_pages(ops, SZ_1G, 0x200000000ULL, SZ_2M, 3, RW, 0, &mapped), 0);
	assert_int_equal(mapped, 3 * SZ_2M);
	for (unsigned int i = 0; i < 3; i++) {
		struct io_pgtable_walk_result r = walk(ops, SZ_1G + i * SZ_2M);

		assert_int_equal(r.size, SZ_2M);
		assert_int_equal(r.phys, 0x200000000ULL + i * SZ_2M);
	}
	/* 4 KiB units where a 1 GiB block would fit */
	assert_int_equal(ops->map_pages(ops, 2 * SZ_1G, 0x240000000ULL, SZ_4K, 2, RW, 0, &mapped),
			 0);
	assert_int_equal(mapped, 2 * SZ_4K);
	assert_int_equal(walk(ops, 2 * SZ_1G + SZ_4K).size, SZ_4K);
	assert_int_equal(ops->map_pages(ops, 4 * SZ_1G, 0x280000000ULL, SZ_1G, 1, RW, 0, &mapped),
			 0);
	assert_int_equal(walk(ops, 4 * SZ_1G + 12345).size, SZ_1G);
	assert_int_equal(ops->iova_to_phys(ops, 4 * SZ_1G + 12345), 0x280000000ULL + 12345);
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- levels and table pages ------------------------------------------------- */

/*
 * The walk starts at the level that covers the IOVA size: two levels up to
 * 30 bits, three up to 39, four above. One 4 KiB page costs a table per
 * level; a page far away shares only the top one.
 */
static void test_levels(void **state)
{
	static const struct { unsigned int ias, levels; } lv[] = {
		{ 22, 2 }, { 30, 2 }, { 31, 3 }, { 32, 3 },
		{ 36, 3 }, { 39, 3 }, { 40, 4 }, { 48, 4 },
	};
	struct pgtable_env e;

	(void)state;
	env_init(&e);
	for (unsigned int t = 0; t < ARRAY_SIZE(lv); t++) {
		struct io_pgtable_ops *ops = env_ops(&e, lv[t].ias, ALL_SIZES, t % 2);
		unsigned long top = (1UL << lv[t].ias) - SZ_4K;
		unsigned long n = lv[t].levels;

		env_check_tables(&e, ops, 1);			/* the top table */
		assert_int_equal(io_pgtable_map(ops, 0x5000, 0x90000000ULL, SZ_4K, RW), 0);
		env_check_tables(&e, ops, n);
		/* the neighbour shares every table */
		assert_int_equal(io_pgtable_map(ops, 0x6000, 0x90001000ULL, SZ_4K, RW), 0);
		env_check_tables(&e, ops, n);
		/* the last page of the space: only the top table is shared */
		assert_int_equal(io_pgtable_map(ops, top, 0x90002000ULL, SZ_4K, RW), 0);
		env_check_tables(&e, ops, 2 * n - 1);
		assert_int_equal(ops->iova_to_phys(ops, top + 7), 0x90002007ULL);
		/* one page past the space */
		assert_int_equal(io_pgtable_map(ops, top + SZ_4K, 0x90003000ULL, SZ_4K, RW),
				 -ERANGE);
		{
			struct io_pgtable_walk_result r;

			assert_int_equal(io_pgtable_walk(ops, top + SZ_4K, &r), -ERANGE);
		}
		assert_int_equal(ops->iova_to_phys(ops, top + SZ_4K), 0);
		env_check_tables(&e, ops, 2 * n - 1);
		/* unmapping pages leaves their tables; unmapping the ops frees them all */
		assert_int_equal(ops->unmap_pages(ops, 0x5000, SZ_4K, 2, NULL), 2 * SZ_4K);
		env_check_tables(&e, ops, 2 * n - 1);
		free_io_pgtable_ops(ops);
		assert_int_equal(e.live, 0);
		assert_int_equal(env_pages_free(&e), e.free_before);
	}
	env_fini(&e);
}

/*
 * A block costs no table below it; a unit inside a block unmaps nothing
 * and costs nothing; unmapping a whole block unit frees the tables under
 * it. Windows let the walker read tables without asking the owner.
 */
static void test_table_accounting(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 48, ALL_SIZES, true);
	env_check_tables(&e, ops, 1);
	/* a 1 GiB block: levels 0 and 1 */
	assert_int_equal(io_pgtable_map(ops, SZ_1G, 0x100000000ULL, SZ_1G, RW), 0);
	env_check_tables(&e, ops, 2);
	/* a 2 MiB block in the next GiB: one level-2 table more */
	assert_int_equal(io_pgtable_map(ops, 2 * SZ_1G, 0x200000000ULL, SZ_2M, RW), 0);
	env_check_tables(&e, ops, 3);
	/* 4 KiB pages over the next 2 MiB: a level-3 table */
	assert_int_equal(io_pgtable_map(ops, 2 * SZ_1G + SZ_2M, 0x200201000ULL, SZ_2M, RW), 0);
	env_check_tables(&e, ops, 4);
	/* a 4 KiB unit inside the 1 GiB block: refused, no table made */
	assert_int_equal(ops->unmap_pages(ops, SZ_1G + 5 * SZ_2M + 7 * SZ_4K, SZ_4K, 1, NULL), 0);
	assert_int_equal(e.partial, 1);
	env_check_tables(&e, ops, 4);
	assert_int_equal(walk(ops, SZ_1G + 5 * SZ_2M + 7 * SZ_4K).size, SZ_1G);
	/* the 2 MiB unit over the page table: the page table goes */
	assert_int_equal(ops->unmap_pages(ops, 2 * SZ_1G + SZ_2M, SZ_2M, 1, NULL), SZ_2M);
	env_check_tables(&e, ops, 3);
	assert_true(unmapped(ops, 2 * SZ_1G + SZ_2M + SZ_1M));
	/* the 1 GiB unit over the level-2 table: it goes, with the 2 MiB block */
	assert_int_equal(ops->unmap_pages(ops, 2 * SZ_1G, SZ_1G, 1, NULL), SZ_1G);
	env_check_tables(&e, ops, 2);
	assert_true(unmapped(ops, 2 * SZ_1G));
	/* the 1 GiB block, whole */
	assert_int_equal(ops->unmap_pages(ops, SZ_1G, SZ_1G, 1, NULL), SZ_1G);
	env_check_tables(&e, ops, 2);
	assert_true(unmapped(ops, SZ_1G + 5 * SZ_2M));
	assert_int_equal(e.partial, 1);
	/* with the bank as a window, the walker never asked where a table is */
	assert_int_equal(e.lookups, 0);
	free_io_pgtable_ops(ops);

	/* without windows every table below the top is looked up */
	ops = env_ops(&e, 48, ALL_SIZES, false);
	assert_int_equal(io_pgtable_map(ops, SZ_2M, 0x200000000ULL, SZ_2M, RW), 0);
	assert_int_equal(ops->iova_to_phys(ops, SZ_2M + 5), 0x200000005ULL);
	assert_true(e.lookups > 0);
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- partial unmaps of blocks ------------------------------------------------- */

/* Every 4 KiB page of [iova, iova+size) maps to phys + offset in one leaf of @leaf bytes. */
static void check_block(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t phys,
			size_t size, size_t leaf, int prot)
{
	for (size_t at = 0; at < size; at += SZ_4K) {
		struct io_pgtable_walk_result r = walk(ops, iova + at);

		assert_int_equal(ops->iova_to_phys(ops, iova + at + 0x123), phys + at + 0x123);
		assert_int_equal(r.prot, prot);
		assert_int_equal(r.size, leaf);
	}
}

/*
 * Unmapping part of a block unmaps nothing: the kernel split the block into
 * a table of the pieces until commit 33729a5fc0ca, and today warns and
 * returns 0. The block stays whole, no table is made, the owner is told
 * (partial_unmap), and the block can still be unmapped whole.
 */
static void test_partial_unmap_of_block(void **state)
{
	const int prot = IOMMU_READ | IOMMU_NOEXEC | IOMMU_CACHE;
	struct pgtable_env e;
	struct io_pgtable_ops *ops;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 32, ALL_SIZES, true);

	/* 4 KiB in the middle of a 2 MiB block, its first and its last page */
	assert_int_equal(io_pgtable_map(ops, 4 * SZ_2M, 0x340000000ULL, SZ_2M, prot), 0);
	env_check_tables(&e, ops, 2);
	assert_int_equal(ops->unmap_pages(ops, 4 * SZ_2M + SZ_1M, SZ_4K, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 4 * SZ_2M, SZ_4K, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 5 * SZ_2M - SZ_4K, SZ_4K, 1, NULL), 0);
	assert_int_equal(e.partial, 3);
	env_check_tables(&e, ops, 2);
	check_block(ops, 4 * SZ_2M, 0x340000000ULL, SZ_2M, SZ_2M, prot);
	/* the same through io_pgtable_unmap(), which picks 4 KiB units for the range */
	assert_int_equal(io_pgtable_unmap(ops, 4 * SZ_2M + SZ_4K, SZ_1M), 0);
	assert_int_equal(io_pgtable_unmap(ops, 4 * SZ_2M, SZ_2M - SZ_4K), 0);
	assert_int_equal(e.partial, 5);
	check_block(ops, 4 * SZ_2M, 0x340000000ULL, SZ_2M, SZ_2M, prot);
	/* a map into it is an overlap */
	assert_int_equal(io_pgtable_map(ops, 4 * SZ_2M + SZ_1M, 0x90000000ULL, SZ_4K, RW),
			 -EEXIST);
	/* whole, it goes */
	assert_int_equal(ops->unmap_pages(ops, 4 * SZ_2M, SZ_2M, 1, NULL), SZ_2M);
	assert_true(unmapped(ops, 4 * SZ_2M + SZ_1M));
	free_io_pgtable_ops(ops);

	/* a 1 GiB block: a 4 KiB unit, a 2 MiB unit inside it */
	ops = env_ops(&e, 32, ALL_SIZES, false);
	e.partial = 0;
	assert_int_equal(io_pgtable_map(ops, SZ_1G, 0x380000000ULL, SZ_1G, prot), 0);
	env_check_tables(&e, ops, 1);
	assert_int_equal(ops->unmap_pages(ops, SZ_1G + 300 * SZ_2M + 9 * SZ_4K, SZ_4K, 1, NULL),
			 0);
	assert_int_equal(ops->unmap_pages(ops, SZ_1G + 17 * SZ_2M, SZ_2M, 1, NULL), 0);
	assert_int_equal(e.partial, 2);
	env_check_tables(&e, ops, 1);
	for (unsigned long at = 0; at < SZ_1G; at += SZ_2M + 5 * SZ_4K)
		assert_int_equal(ops->iova_to_phys(ops, SZ_1G + at), 0x380000000ULL + at);
	assert_int_equal(walk(ops, SZ_1G + 17 * SZ_2M).size, SZ_1G);
	free_io_pgtable_ops(ops);

	/* pages up to a block, unmapped across it: the pages go, the block stops the unmap */
	ops = env_ops(&e, 32, ALL_SIZES, true);
	e.partial = 0;
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_2M - SZ_8K, 0x3c05fe000ULL, SZ_8K + SZ_2M, RW),
			 0);
	assert_int_equal(walk(ops, 3 * SZ_2M).size, SZ_2M);
	assert_int_equal(ops->unmap_pages(ops, 3 * SZ_2M - SZ_8K, SZ_4K, 4, NULL), SZ_8K);
	assert_int_equal(e.partial, 1);
	assert_true(unmapped(ops, 3 * SZ_2M - SZ_8K));
	assert_true(unmapped(ops, 3 * SZ_2M - SZ_4K));
	check_block(ops, 3 * SZ_2M, 0x3c0600000ULL, SZ_2M, SZ_2M, RW);
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* unmap_pages() stops at the first unit with nothing mapped and says how far it got. */
static void test_unmap_stops_at_hole(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 32, ALL_SIZES, true);
	assert_int_equal(io_pgtable_map(ops, 0x10000, 0x90000000ULL, 2 * SZ_4K, RW), 0);
	assert_int_equal(io_pgtable_map(ops, 0x13000, 0x90003000ULL, SZ_4K, RW), 0);
	assert_int_equal(ops->unmap_pages(ops, 0x10000, SZ_4K, 4, NULL), 2 * SZ_4K);
	assert_int_equal(ops->iova_to_phys(ops, 0x13000), 0x90003000ULL);
	assert_int_equal(ops->unmap_pages(ops, 0x10000, SZ_4K, 4, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 0x13000, SZ_4K, 1, NULL), SZ_4K);
	/* unaligned or beyond the space: nothing */
	assert_int_equal(io_pgtable_map(ops, SZ_2M, 0x90200000ULL, SZ_2M, RW), 0);
	assert_int_equal(ops->unmap_pages(ops, SZ_2M + SZ_4K, SZ_2M, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, SZ_2M + 1, SZ_4K, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, SZ_4G - SZ_4K, SZ_4K, 2, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, SZ_2M, SZ_8K, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, SZ_2M, SZ_4K, 0, NULL), 0);
	assert_int_equal(walk(ops, SZ_2M).size, SZ_2M);
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- overlaps --------------------------------------------------------------- */

/*
 * A map over a leaf already mapped (a page, or a block a page or block of
 * the new range falls in) fails with -EEXIST and leaves no trace: what was
 * there is unchanged, nothing of the new range is mapped. (A block over a
 * table is not an overlap: see test_block_over_table().)
 */
static void test_overlap(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;
	size_t mapped;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 32, ALL_SIZES, true);
	/* a block at [4M, 6M), a page at 11M */
	assert_int_equal(io_pgtable_map(ops, 2 * SZ_2M, 0x300400000ULL, SZ_2M, RW), 0);
	assert_int_equal(io_pgtable_map(ops, 11 * SZ_1M, 0x90000000ULL, SZ_4K, IOMMU_READ), 0);

	/* the same range, a range ending inside, a range starting inside, a page inside */
	assert_int_equal(io_pgtable_map(ops, 2 * SZ_2M, 0x500400000ULL, SZ_2M, RW), -EEXIST);
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_1M, 0x500300000ULL, 2 * SZ_1M, RW), -EEXIST);
	assert_int_equal(io_pgtable_map(ops, 5 * SZ_1M, 0x500500000ULL, 2 * SZ_1M, RW), -EEXIST);
	assert_int_equal(io_pgtable_map(ops, 5 * SZ_1M, 0x500500000ULL, SZ_4K, RW), -EEXIST);
	/* a block, then pages up to the page at 11M: the block is taken back */
	assert_int_equal(io_pgtable_map(ops, 4 * SZ_2M, 0x500800000ULL, SZ_2M + SZ_1M + SZ_4K, RW),
			 -EEXIST);
	/* pages, then a block, then the existing block */
	assert_int_equal(io_pgtable_map(ops, SZ_2M - 3 * SZ_4K, 0x5001fd000ULL,
					3 * SZ_4K + SZ_2M + SZ_4K, RW), -EEXIST);
	/* map_pages() reports how much it mapped before the overlap */
	assert_int_equal(ops->map_pages(ops, 3 * SZ_1M, 0x500300000ULL, SZ_4K, 512, RW, 0, &mapped),
			 -EEXIST);
	assert_int_equal(mapped, 256 * SZ_4K);
	assert_int_equal(ops->unmap_pages(ops, 3 * SZ_1M, SZ_4K, 256, NULL), SZ_1M);

	/* nothing new anywhere in [0, 16M); the old mappings as they were */
	for (unsigned long va = 0; va < 16 * SZ_1M; va += SZ_4K) {
		if (va >= 2 * SZ_2M && va < 3 * SZ_2M) {
			struct io_pgtable_walk_result r = walk(ops, va);

			assert_int_equal(r.size, SZ_2M);
			assert_int_equal(r.phys, 0x300400000ULL);
			assert_int_equal(r.prot, RW);
		} else if (va == 11 * SZ_1M) {
			assert_int_equal(walk(ops, va).prot, IOMMU_READ);
			assert_int_equal(ops->iova_to_phys(ops, va), 0x90000000ULL);
		} else {
			assert_true(unmapped(ops, va));
		}
	}
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/*
 * A block goes where a table is, as the kernel's arm_lpae_init_pte() puts
 * it: the table is unmapped whole and freed, whether its pages were all
 * unmapped already or some are still mapped (those are gone, without an
 * error: the kernel's result), and the block translates.
 */
static void test_block_over_table(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 32, ALL_SIZES, true);
	assert_int_equal(io_pgtable_map(ops, SZ_2M + SZ_4K, 0x90000000ULL, 3 * SZ_4K, RW), 0);
	assert_int_equal(ops->unmap_pages(ops, SZ_2M + SZ_4K, SZ_4K, 3, NULL), 3 * SZ_4K);
	env_check_tables(&e, ops, 3);
	assert_int_equal(io_pgtable_map(ops, SZ_2M, 0x300200000ULL, SZ_2M, RW), 0);
	assert_int_equal(walk(ops, SZ_2M + SZ_4K).size, SZ_2M);
	assert_int_equal(ops->iova_to_phys(ops, SZ_2M + SZ_4K), 0x300201000ULL);
	/* the page table it replaced was freed */
	env_check_tables(&e, ops, 2);
	/* same one level up: a 1 GiB block over empty tables */
	assert_int_equal(io_pgtable_map(ops, SZ_1G + SZ_4M, 0x90000000ULL, SZ_4K, RW), 0);
	env_check_tables(&e, ops, 4);
	assert_int_equal(ops->unmap_pages(ops, SZ_1G + SZ_4M, SZ_4K, 1, NULL), SZ_4K);
	assert_int_equal(io_pgtable_map(ops, SZ_1G, 0x340000000ULL, SZ_1G, RW), 0);
	assert_int_equal(walk(ops, SZ_1G + SZ_4M).size, SZ_1G);
	env_check_tables(&e, ops, 2);

	/* a table with pages still mapped: the 2 MiB block replaces it and them */
	assert_int_equal(io_pgtable_map(ops, 5 * SZ_2M + SZ_8K, 0x90000000ULL, 3 * SZ_4K,
					IOMMU_READ), 0);
	env_check_tables(&e, ops, 3);
	assert_int_equal(io_pgtable_map(ops, 5 * SZ_2M, 0x300a00000ULL, SZ_2M, RW), 0);
	env_check_tables(&e, ops, 2);
	for (unsigned long at = 0; at < SZ_2M; at += SZ_4K) {
		struct io_pgtable_walk_result r = walk(ops, 5 * SZ_2M + at);

		assert_int_equal(r.size, SZ_2M);
		assert_int_equal(r.prot, RW);
		assert_int_equal(ops->iova_to_phys(ops, 5 * SZ_2M + at + 9), 0x300a00000ULL + at + 9);
	}
	/* and a 1 GiB block over a level-2 table with a block and pages under it */
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_1G + SZ_4M, 0x90000000ULL, SZ_4K, RW), 0);
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_1G + SZ_8M, 0x300800000ULL, SZ_2M, RW), 0);
	env_check_tables(&e, ops, 4);
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_1G, 0x3c0000000ULL, SZ_1G, RW), 0);
	env_check_tables(&e, ops, 2);
	assert_int_equal(walk(ops, 3 * SZ_1G + SZ_4M).size, SZ_1G);
	assert_int_equal(ops->iova_to_phys(ops, 3 * SZ_1G + SZ_8M), 0x3c0000000ULL + SZ_8M);
	/* a block over a block is still an overlap */
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_1G, 0x380000000ULL, SZ_1G, RW), -EEXIST);
	assert_int_equal(io_pgtable_map(ops, 5 * SZ_2M, 0x300000000ULL, SZ_2M, RW), -EEXIST);
	assert_int_equal(e.partial, 0);
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- bad arguments ---------------------------------------------------------- */

/*
 * Unaligned addresses or sizes, page sizes not in the bitmap and no access
 * at all are -EINVAL; ranges past the IOVA space or wrapping, and physical
 * ranges past the output size, are -ERANGE, as the kernel's
 * arm_lpae_map_pages() says; nothing is mapped.
 */
static void test_bad_args(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;
	struct io_pgtable_cfg cfg;
	size_t mapped;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 32, SZ_4K | SZ_2M, true);
	assert_int_equal(io_pgtable_map(ops, 0x1800, 0x90000000ULL, SZ_4K, RW), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, 0x1000, 0x90000800ULL, SZ_4K, RW), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, 0x1000, 0x90000000ULL, 100, RW), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, 0x1000, 0x90000000ULL, 0, RW), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, 0x1000, 0x90000000ULL, SZ_4K, 0), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, 0x1000, 0x90000000ULL, SZ_4K, IOMMU_CACHE), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, SZ_4G, 0x90000000ULL, SZ_4K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, SZ_4G - SZ_4K, 0x90000000ULL, SZ_8K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, ~0UL & ~(SZ_4K - 1), 0x90000000ULL, SZ_8K, RW),
			 -ERANGE);
	/* an output address beyond oas, or one that wraps past 2^64: -ERANGE, as the kernel */
	assert_int_equal(io_pgtable_map(ops, 0x1000, 1ULL << 48, SZ_4K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, 0x1000, (1ULL << 48) - SZ_4K, SZ_8K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, 0x1000, ~0ULL & ~(SZ_4K - 1), SZ_8K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, 0x1000, ~0ULL & ~(SZ_4K - 1), SZ_4K, RW), -ERANGE);
	assert_int_equal(ops->map_pages(ops, 0x2000, ~0ULL & ~(SZ_4K - 1), SZ_4K, 2, RW, 0,
					&mapped), -ERANGE);
	assert_int_equal(mapped, 0);
	/* past the space and without access: the range is checked first, as in the kernel */
	assert_int_equal(io_pgtable_map(ops, SZ_4G, 0x90000000ULL, SZ_4K, 0), -ERANGE);
	assert_int_equal(ops->map_pages(ops, 0, 0x80000000ULL, SZ_1G, 1, RW, 0, &mapped), -EINVAL);
	assert_int_equal(mapped, 0);
	assert_int_equal(ops->map_pages(ops, 0, 0x80000000ULL, SZ_8K, 1, RW, 0, &mapped), -EINVAL);
	assert_int_equal(ops->map_pages(ops, SZ_4K, 0x80000000ULL, SZ_2M, 1, RW, 0, &mapped),
			 -EINVAL);
	assert_int_equal(ops->map_pages(ops, 0, 0x80000000ULL, SZ_4K, 0, RW, 0, &mapped), -EINVAL);
	assert_int_equal(ops->map_pages(ops, SZ_4G - SZ_4K, 0x80000000ULL, SZ_4K, 2, RW, 0,
					&mapped), -ERANGE);
	assert_int_equal(mapped, 0);
	for (unsigned long va = 0; va < SZ_4M; va += SZ_4K)
		assert_true(unmapped(ops, va));
	assert_true(unmapped(ops, SZ_4G - SZ_4K));
	env_check_tables(&e, ops, 1);
	free_io_pgtable_ops(ops);

	/* configurations the format cannot serve */
	cfg = env_cfg(&e, 19, ALL_SIZES, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 49, ALL_SIZES, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 32, SZ_2M, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	/* one granule, with only the blocks its format defines */
	cfg = env_cfg(&e, 32, SZ_4K | SZ_64K, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 32, SZ_16K | SZ_2M, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 32, SZ_64K | SZ_32M, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 32, SZ_32M, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 32, SZ_8K, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	/* output sizes: the ones a stage-1 regime encodes, up to 48 bits */
	cfg = env_cfg(&e, 32, ALL_SIZES, true);
	cfg.oas = 52;
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg.oas = 33;
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 32, ALL_SIZES, true);
	cfg.alloc_table = NULL;
	assert_null(alloc_io_pgtable_ops(&cfg));
	assert_null(alloc_io_pgtable_ops(NULL));
	assert_int_equal(e.live, 0);
	free_io_pgtable_ops(NULL);

	/* a 30-bit space has no level-1 entries: no 1 GiB blocks in it */
	ops = env_ops(&e, 30, ALL_SIZES, true);
	assert_int_equal(ops->map_pages(ops, 0, 0x40000000ULL, SZ_1G, 1, RW, 0, &mapped), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, 0, 0x40000000ULL, SZ_1G, RW), 0);
	assert_int_equal(walk(ops, SZ_1G - 1).size, SZ_2M);
	assert_int_equal(ops->iova_to_phys(ops, SZ_1G - 1), 0x40000000ULL + SZ_1G - 1);
	assert_int_equal(ops->unmap_pages(ops, 0, SZ_1G, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 0, SZ_2M, 512, NULL), SZ_1G);
	env_check_tables(&e, ops, 1);
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- permissions and memory types ------------------------------------------ */

struct prot_case {
	int prot;
	u64 set, clear;		/* descriptor bits that must be set / clear */
	u64 attr;		/* MAIR index */
};

/*
 * IOMMU_WRITE clear is read-only in AP[2]; no IOMMU_READ is kept in the
 * software bit; NOEXEC is XN; PRIV clears AP[1]; MMIO selects the device
 * memory type, CACHE the cacheable one, neither the non-cacheable one. The
 * walk gives the prot back, for pages and blocks alike.
 */
static const struct prot_case prot_cases[] = {
	{ RW, ARM_LPAE_PTE_AP_UNPRIV | ARM_LPAE_PTE_AF,
	  ARM_LPAE_PTE_AP_RDONLY | ARM_LPAE_PTE_XN | ARM_LPAE_PTE_SW_NOREAD,
	  ARM_LPAE_MAIR_ATTR_IDX_NC },
	{ RW | IOMMU_CACHE, ARM_LPAE_PTE_AP_UNPRIV, ARM_LPAE_PTE_AP_RDONLY,
	  ARM_LPAE_MAIR_ATTR_IDX_CACHE },
	{ IOMMU_READ, ARM_LPAE_PTE_AP_RDONLY, ARM_LPAE_PTE_SW_NOREAD, ARM_LPAE_MAIR_ATTR_IDX_NC },
	{ IOMMU_READ | IOMMU_CACHE | IOMMU_NOEXEC, ARM_LPAE_PTE_AP_RDONLY | ARM_LPAE_PTE_XN, 0,
	  ARM_LPAE_MAIR_ATTR_IDX_CACHE },
	{ IOMMU_WRITE, ARM_LPAE_PTE_SW_NOREAD, ARM_LPAE_PTE_AP_RDONLY, ARM_LPAE_MAIR_ATTR_IDX_NC },
	{ RW | IOMMU_MMIO, ARM_LPAE_PTE_AP_UNPRIV, ARM_LPAE_PTE_AP_RDONLY,
	  ARM_LPAE_MAIR_ATTR_IDX_DEV },
	{ RW | IOMMU_MMIO | IOMMU_NOEXEC, ARM_LPAE_PTE_XN, 0, ARM_LPAE_MAIR_ATTR_IDX_DEV },
	{ RW | IOMMU_PRIV, 0, ARM_LPAE_PTE_AP_UNPRIV | ARM_LPAE_PTE_AP_RDONLY,
	  ARM_LPAE_MAIR_ATTR_IDX_NC },
	{ IOMMU_READ | IOMMU_PRIV | IOMMU_CACHE, ARM_LPAE_PTE_AP_RDONLY, ARM_LPAE_PTE_AP_UNPRIV,
	  ARM_LPAE_MAIR_ATTR_IDX_CACHE },
};

static void check_prot(const struct prot_case *c, struct io_pgtable_walk_result r)
{
	assert_int_equal(r.prot, c->prot);
	assert_int_equal(r.pte & c->set, c->set);
	assert_int_equal(r.pte & c->clear, 0);
	assert_int_equal((r.pte >> ARM_LPAE_PTE_ATTRINDX_SHIFT) & 7, c->attr);
}

static void test_prot(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 32, ALL_SIZES, true);
	for (unsigned int t = 0; t < ARRAY_SIZE(prot_cases); t++) {
		const struct prot_case *c = &prot_cases[t];
		unsigned long page = 0x10000 + t * SZ_4K, block = (16 + 2 * t) * SZ_2M;
		struct io_pgtable_walk_result r;

		assert_int_equal(io_pgtable_map(ops, page, 0x90000000ULL + t * SZ_4K, SZ_4K,
						c->prot), 0);
		r = walk(ops, page);
		assert_int_equal(pte_type(r.pte), ARM_LPAE_PTE_TYPE_PAGE);
		check_prot(c, r);
		/* a block carries the same bits */
		assert_int_equal(io_pgtable_map(ops, block, 0x300000000ULL + block, SZ_2M,
						c->prot), 0);
		r = walk(ops, block);
		assert_int_equal(r.size, SZ_2M);
		assert_int_equal(pte_type(r.pte), ARM_LPAE_PTE_TYPE_BLOCK);
		check_prot(c, r);
		check_prot(c, walk(ops, block + SZ_2M - SZ_4K));
	}
	/* the whole space, 1 GiB blocks, keeps them too */
	assert_int_equal(io_pgtable_map(ops, 2 * SZ_1G, 0x400000000ULL, SZ_1G,
					IOMMU_READ | IOMMU_MMIO | IOMMU_NOEXEC), 0);
	check_prot(&(struct prot_case){ IOMMU_READ | IOMMU_MMIO | IOMMU_NOEXEC,
					ARM_LPAE_PTE_AP_RDONLY | ARM_LPAE_PTE_XN, 0,
					ARM_LPAE_MAIR_ATTR_IDX_DEV }, walk(ops, 2 * SZ_1G + 5));
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- 16 KiB and 64 KiB granules ----------------------------------------------- */

#define G16_SIZES	(SZ_16K | SZ_32M)
#define G64_SIZES	(SZ_64K | SZ_512M)

/*
 * A table is one granule of descriptors, so a level resolves 11 bits with
 * 16 KiB and 13 with 64 KiB; the top table has only the entries the IOVA
 * size needs and takes at least a page. For each (granule, ias): the
 * levels, the top table's pages, and the pages a table below it takes.
 */
static void test_granule_levels(void **state)
{
	static const struct {
		unsigned long pgsizes;
		unsigned int ias, levels, top_pages;
	} lv[] = {
		{ G16_SIZES, 25, 1, 4 },	/* 11 bits: one full table */
		{ G16_SIZES, 32, 2, 1 },	/* 7 + 11: 128 entries */
		{ G16_SIZES, 36, 2, 4 },	/* 11 + 11 */
		{ G16_SIZES, 40, 3, 1 },	/* 4 + 11 + 11 */
		{ G16_SIZES, 47, 3, 4 },	/* 11 + 11 + 11 */
		{ G16_SIZES, 48, 4, 1 },	/* 1 + 11 + 11 + 11: two entries at level 0 */
		{ G64_SIZES, 20, 1, 1 },	/* 4 bits: 16 entries */
		{ G64_SIZES, 29, 1, 16 },	/* 13: one full table */
		{ G64_SIZES, 32, 2, 1 },	/* 3 + 13: 8 entries */
		{ G64_SIZES, 42, 2, 16 },	/* 13 + 13 */
		{ G64_SIZES, 48, 3, 1 },	/* 6 + 13 + 13 */
	};
	struct pgtable_env e;

	(void)state;
	env_init(&e);
	for (unsigned int t = 0; t < ARRAY_SIZE(lv); t++) {
		unsigned long granule = lv[t].pgsizes & -lv[t].pgsizes;
		unsigned long gpages = granule / SZ_4K, n = lv[t].levels;
		struct io_pgtable_ops *ops = env_ops(&e, lv[t].ias, lv[t].pgsizes, t % 2);
		unsigned long top = (1UL << lv[t].ias) - granule;
		struct io_pgtable_walk_result r;

		env_check_tables(&e, ops, 1);
		env_check_table_pages(&e, lv[t].top_pages);
		/* a block of a level the table does not have is not offered */
		assert_int_equal(io_pgtable_pgsizes(ops),
				 n > 1 ? lv[t].pgsizes : granule);
		assert_int_equal(io_pgtable_map(ops, 5 * granule, 0x90000000ULL, granule, RW), 0);
		env_check_tables(&e, ops, n);
		env_check_table_pages(&e, lv[t].top_pages + (n - 1) * gpages);
		r = walk(ops, 5 * granule + granule - 1);
		assert_int_equal(r.size, granule);
		assert_int_equal(r.phys, 0x90000000ULL);
		assert_int_equal(pte_type(r.pte), ARM_LPAE_PTE_TYPE_PAGE);
		assert_int_equal(ops->iova_to_phys(ops, 5 * granule + 0x1234), 0x90001234ULL);
		assert_true(unmapped(ops, 4 * granule + granule - 1));
		assert_true(unmapped(ops, 6 * granule));
		/* the last page of the space shares only the top table */
		assert_int_equal(io_pgtable_map(ops, top, 0x90000000ULL + granule, granule, RW), 0);
		env_check_tables(&e, ops, 2 * n - 1);
		env_check_table_pages(&e, lv[t].top_pages + 2 * (n - 1) * gpages);
		assert_int_equal(ops->iova_to_phys(ops, top + granule - 1),
				 0x90000000ULL + 2 * granule - 1);
		assert_int_equal(io_pgtable_map(ops, top + granule, 0x90000000ULL, granule, RW),
				 -ERANGE);
		assert_int_equal(io_pgtable_walk(ops, top + granule, &r), -ERANGE);
		/* smaller than the granule: not aligned, and not a page size */
		assert_int_equal(io_pgtable_map(ops, 8 * granule + SZ_4K, 0x90000000ULL, granule, RW),
				 -EINVAL);
		assert_int_equal(io_pgtable_map(ops, 8 * granule, 0x90000000ULL, SZ_4K, RW), -EINVAL);
		assert_int_equal(ops->unmap_pages(ops, 5 * granule, SZ_4K, 1, NULL), 0);
		assert_int_equal(io_pgtable_unmap(ops, 5 * granule, SZ_4K), 0);
		assert_int_equal(ops->unmap_pages(ops, 5 * granule, granule, 1, NULL), granule);
		assert_true(unmapped(ops, 5 * granule));
		free_io_pgtable_ops(ops);
		assert_int_equal(e.live, 0);
		assert_int_equal(env_pages_free(&e), e.free_before);
	}
	env_fini(&e);
}

/*
 * Leaf sizes with the other granules: pages of the granule, blocks of
 * 32 MiB (16 KiB) and 512 MiB (64 KiB) wherever both addresses are aligned
 * and the size holds one, with the blocks' level-2 descriptors.
 */
static void test_granule_leaf_sizes(void **state)
{
	static const struct map_case cases[] = {
		{ "16K pages", G16_SIZES, 3 * SZ_16K, 0x123454000ULL, 37 * SZ_16K,
		  { { 37 * SZ_16K, SZ_16K } } },
		{ "32M block", G16_SIZES, SZ_32M, 0x142000000ULL, SZ_32M, { { SZ_32M, SZ_32M } } },
		{ "16K pages, 32M blocks, 16K pages", G16_SIZES, SZ_32M - 2 * SZ_16K,
		  0x141ff8000ULL, 2 * SZ_16K + 2 * SZ_32M + SZ_16K,
		  { { 2 * SZ_16K, SZ_16K }, { 2 * SZ_32M, SZ_32M }, { SZ_16K, SZ_16K } } },
		{ "16K, phys not 32M aligned", G16_SIZES, SZ_32M, 0x142004000ULL, SZ_32M,
		  { { SZ_32M, SZ_16K } } },
		{ "no 32M in the bitmap", SZ_16K, SZ_32M, 0x142000000ULL, SZ_32M,
		  { { SZ_32M, SZ_16K } } },
		{ "64K pages", G64_SIZES, 7 * SZ_64K, 0x123450000ULL, 9 * SZ_64K,
		  { { 9 * SZ_64K, SZ_64K } } },
		{ "512M block", G64_SIZES, SZ_512M, 0x160000000ULL, SZ_512M,
		  { { SZ_512M, SZ_512M } } },
		{ "64K pages, a 512M block, 64K pages", G64_SIZES, SZ_1G - SZ_64K,
		  0x15fff0000ULL, SZ_64K + SZ_512M + 2 * SZ_64K,
		  { { SZ_64K, SZ_64K }, { SZ_512M, SZ_512M }, { 2 * SZ_64K, SZ_64K } } },
		{ "64K, phys not 512M aligned", G64_SIZES, SZ_512M, 0x160010000ULL, SZ_512M,
		  { { SZ_512M, SZ_64K } } },
	};
	struct pgtable_env e;

	(void)state;
	env_init(&e);
	for (unsigned int t = 0; t < ARRAY_SIZE(cases); t++) {
		const struct map_case *c = &cases[t];
		unsigned long granule = c->pgsizes & -c->pgsizes;
		struct io_pgtable_ops *ops = env_ops(&e, 36, c->pgsizes, t % 2);
		size_t pos = 0;

		assert_int_equal(io_pgtable_map(ops, c->iova, c->phys, c->size, RW), 0);
		for (unsigned int k = 0; k < ARRAY_SIZE(c->runs) && c->runs[k].bytes; k++) {
			const struct leaf_run *run = &c->runs[k];

			for (size_t at = pos; at < pos + run->bytes; at += run->leaf) {
				unsigned long va = c->iova + at;
				struct io_pgtable_walk_result r = walk(ops, va + run->leaf / 2);

				if (r.size != run->leaf)
					print_error("%s: leaf at +%#zx: %#zx bytes, not %#zx\n",
						    c->what, at, r.size, run->leaf);
				assert_int_equal(r.size, run->leaf);
				assert_int_equal(r.phys, c->phys + at);
				assert_int_equal(pte_type(r.pte), run->leaf == granule ?
						 ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK);
				assert_int_equal(ops->iova_to_phys(ops, va + run->leaf - 1),
						 c->phys + at + run->leaf - 1);
			}
			pos += run->bytes;
		}
		assert_int_equal(pos, c->size);
		assert_true(unmapped(ops, c->iova - granule));
		assert_true(unmapped(ops, c->iova + c->size));
		/* a unit of the granule inside a block unmaps nothing; the whole range goes */
		if (c->runs[0].leaf != granule) {
			assert_int_equal(ops->unmap_pages(ops, c->iova + granule, granule, 1, NULL),
					 0);
			assert_int_equal(e.partial, 1);
			e.partial = 0;
		}
		assert_int_equal(io_pgtable_unmap(ops, c->iova, c->size), c->size);
		for (size_t at = 0; at < c->size; at += granule)
			assert_true(unmapped(ops, c->iova + at));
		free_io_pgtable_ops(ops);
		assert_int_equal(e.live, 0);
	}
	env_fini(&e);
}

/*
 * The kernel's own self-test of the format (arm_lpae_run_tests() in
 * io-pgtable-arm.c), for the three granules and its six IOVA sizes, with
 * today's answer to its partial unmap: empty tables translate nothing; a
 * leaf of each page size, 1 GiB apart, mapped to itself; a second map of
 * each is refused; a granule unmapped inside the first block unmaps
 * nothing and leaves the block whole; each leaf unmapped whole, then
 * mapped again write-only.
 */
static void test_kernel_selftest(void **state)
{
	static const unsigned long pgsizes[] = { ALL_SIZES, G16_SIZES, G64_SIZES };
	static const unsigned int ias[] = { 32, 36, 40, 42, 44, 48 };
	struct pgtable_env e;

	(void)state;
	env_init(&e);
	for (unsigned int i = 0; i < ARRAY_SIZE(pgsizes); i++) {
		for (unsigned int j = 0; j < ARRAY_SIZE(ias); j++) {
			struct io_pgtable_ops *ops = env_ops(&e, ias[j], pgsizes[i], j % 2);
			unsigned long bitmap = io_pgtable_pgsizes(ops), iova, size;
			size_t mapped;

			e.partial = 0;
			assert_int_equal(bitmap, pgsizes[i]);
			assert_int_equal(ops->iova_to_phys(ops, 42), 0);
			assert_int_equal(ops->iova_to_phys(ops, SZ_1G + 42), 0);
			assert_int_equal(ops->iova_to_phys(ops, SZ_2G + 42), 0);
			iova = 0;
			for (unsigned long b = bitmap; b; b &= b - 1, iova += SZ_1G) {
				size = b & -b;
				assert_int_equal(ops->map_pages(ops, iova, iova, size, 1,
								RW | IOMMU_NOEXEC | IOMMU_CACHE, 0,
								&mapped), 0);
				assert_int_equal(mapped, size);
				assert_int_equal(ops->map_pages(ops, iova, iova + size, size, 1,
								IOMMU_READ | IOMMU_NOEXEC, 0,
								&mapped), -EEXIST);
				assert_int_equal(ops->iova_to_phys(ops, iova + 42), iova + 42);
			}
			/* the kernel split the block here until commit 33729a5fc0ca */
			size = bitmap & -bitmap;
			assert_int_equal(ops->unmap_pages(ops, SZ_1G + size, size, 1, NULL), 0);
			assert_int_equal(e.partial, 1);
			assert_int_equal(ops->iova_to_phys(ops, SZ_1G + size + 42),
					 SZ_1G + size + 42);
			iova = 0;
			for (unsigned long b = bitmap; b; b &= b - 1, iova += SZ_1G) {
				size = b & -b;
				assert_int_equal(ops->unmap_pages(ops, iova, size, 1, NULL), size);
				assert_int_equal(ops->iova_to_phys(ops, iova + 42), 0);
				assert_int_equal(ops->map_pages(ops, iova, iova, size, 1,
								IOMMU_WRITE, 0, &mapped), 0);
				assert_int_equal(ops->iova_to_phys(ops, iova + 42), iova + 42);
			}
			free_io_pgtable_ops(ops);
			assert_int_equal(e.live, 0);
		}
	}
	env_fini(&e);
}

/* A 512 MiB block over a table of 64 KiB pages still mapped: the kernel's result, as with 4 KiB. */
static void test_granule_block_over_table(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 48, G64_SIZES, true);
	assert_int_equal(io_pgtable_map(ops, SZ_1G + 3 * SZ_64K, 0x90000000ULL, 2 * SZ_64K, RW), 0);
	env_check_tables(&e, ops, 3);
	env_check_table_pages(&e, 1 + 2 * 16);
	assert_int_equal(io_pgtable_map(ops, SZ_1G, 0x1a0000000ULL, SZ_512M, IOMMU_READ), 0);
	env_check_tables(&e, ops, 2);
	env_check_table_pages(&e, 1 + 16);
	assert_int_equal(walk(ops, SZ_1G + 3 * SZ_64K).size, SZ_512M);
	assert_int_equal(ops->iova_to_phys(ops, SZ_1G + 3 * SZ_64K), 0x1a0000000ULL + 3 * SZ_64K);
	assert_int_equal(io_pgtable_map(ops, SZ_1G + SZ_64K, 0x90000000ULL, SZ_64K, RW), -EEXIST);
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- random maps and unmaps against a reference ------------------------------ */

/*
 * 100,000 random maps and unmaps over 4096 pages (8 block-sized stretches
 * and then some) of a 32-bit space: maps of pages and of whole blocks, at
 * physical addresses that sometimes allow a block and sometimes not;
 * unmaps by pages, by blocks, or by io_pgtable_unmap()'s own units. The
 * reference is one physical address per page (0: unmapped) and what each
 * 2 MiB stretch holds at level 2: nothing, a page table (which stays when
 * its pages are unmapped one by one) or a block. The rules it follows are
 * the kernel's: a map over a leaf fails with -EEXIST and takes back what it
 * mapped (a table it replaced stays replaced); a block goes in place of a
 * table and whatever it maps; a 4 KiB unit inside a block unmaps nothing
 * and stops the unmap; a 2 MiB unit takes a table whole. After every step
 * the touched range and a few random pages are translated.
 */
#define RAND_PAGES	4096UL
#define RAND_BASE	(SZ_1G - 2 * SZ_2M)	/* the range straddles a 1 GiB boundary */
#define RVA(pg)		(RAND_BASE + (pg) * SZ_4K)
#define PER_BLOCK	(SZ_2M / SZ_4K)

enum { ST_EMPTY, ST_TABLE, ST_BLOCK };

struct rand_ref {
	u64 *phys;		/* per page */
	u8 *st;			/* per 2 MiB stretch (RAND_BASE is 2 MiB aligned) */
	unsigned long partial;	/* unmaps stopped by a block */
};

static void check_page(struct io_pgtable_ops *ops, const u64 *ref, unsigned long pg)
{
	unsigned long va = RVA(pg);
	phys_addr_t got = ops->iova_to_phys(ops, va + (pg & 0xfff));

	if (!ref[pg]) {
		if (got)
			print_error("page %#lx: mapped to %#llx, reference says unmapped\n", pg,
				    (unsigned long long)got);
		assert_int_equal(got, 0);
	} else {
		if (got != ref[pg] + (pg & 0xfff))
			print_error("page %#lx: %#llx, reference %#llx\n", pg,
				    (unsigned long long)got, (unsigned long long)ref[pg]);
		assert_int_equal(got, ref[pg] + (pg & 0xfff));
	}
}

/* Pages a unit of 4 KiB (@block false) or 2 MiB at page @p unmaps; the reference follows. */
static unsigned long ref_unmap_unit(struct rand_ref *r, unsigned long p, bool block)
{
	unsigned long b = p / PER_BLOCK;

	if (block) {
		if (r->st[b] == ST_EMPTY)
			return 0;
		for (unsigned long k = 0; k < PER_BLOCK; k++)
			r->phys[b * PER_BLOCK + k] = 0;
		r->st[b] = ST_EMPTY;
		return PER_BLOCK;
	}
	if (r->st[b] == ST_BLOCK) {
		r->partial++;
		return 0;
	}
	if (!r->phys[p])
		return 0;
	r->phys[p] = 0;
	return 1;
}

/*
 * io_pgtable_map() of @npages at @first to @phys, in the reference: the
 * units it picks (a block wherever the IOVA and @phys allow one), each
 * mapped or, at the first leaf in the way, -EEXIST and what was mapped
 * taken back. *@replaced counts tables with pages a block took the place of.
 */
static int ref_map(struct rand_ref *r, unsigned long first, unsigned long npages, phys_addr_t phys,
		   unsigned long *replaced)
{
	unsigned long p = first, end = first + npages;

	while (p < end) {
		unsigned long b = p / PER_BLOCK;
		phys_addr_t pa = phys + (p - first) * SZ_4K;

		if (p % PER_BLOCK == 0 && p + PER_BLOCK <= end && IS_ALIGNED(pa, SZ_2M)) {
			bool live = false;

			if (r->st[b] == ST_BLOCK)
				break;
			for (unsigned long k = 0; k < PER_BLOCK; k++) {
				live |= r->phys[p + k] != 0;
				r->phys[p + k] = pa + k * SZ_4K;
			}
			*replaced += live;
			r->st[b] = ST_BLOCK;
			p += PER_BLOCK;
		} else {
			if (r->st[b] == ST_BLOCK || r->phys[p])
				break;
			r->phys[p] = pa;
			r->st[b] = ST_TABLE;
			p++;
		}
	}
	if (p == end)
		return 0;
	/* taken back by io_pgtable_unmap(): 2 MiB units where whole, else pages */
	for (unsigned long q = first; q < p;) {
		if (q % PER_BLOCK == 0 && q + PER_BLOCK <= p) {
			ref_unmap_unit(r, q, true);
			q += PER_BLOCK;
		} else {
			r->phys[q++] = 0;
		}
	}
	return -EEXIST;
}

static void test_random(void **state)
{
	struct pgtable_env e;
	struct io_pgtable_ops *ops;
	struct rand_ref ref = {
		.phys = calloc(RAND_PAGES, sizeof(u64)),
		.st = calloc(RAND_PAGES / PER_BLOCK, 1),
	};
	u64 rng = 0x10a11e5;
	unsigned long maps = 0, blocks = 0, eexist = 0, unmaps = 0, replaced = 0, by_units = 0;

	(void)state;
	assert_non_null(ref.phys);
	assert_non_null(ref.st);
	env_init(&e);
	ops = env_ops(&e, 32, SZ_4K | SZ_2M, true);
	for (unsigned long step = 0; step < 100000; step++) {
		u64 r = test_rand(&rng);
		unsigned long first, npages;

		if (r % 2 == 0) {
			/* map: pages anywhere, or whole blocks at block-aligned iova */
			bool block = (r >> 8) % 4 == 0;
			phys_addr_t phys;
			int ret, want;

			if (block) {
				first = ((r >> 16) % (RAND_PAGES / PER_BLOCK)) * PER_BLOCK;
				npages = PER_BLOCK * (1 + (r >> 32) % 2);
			} else {
				first = (r >> 16) % RAND_PAGES;
				npages = 1 + (r >> 32) % 48;
			}
			npages = min(npages, RAND_PAGES - first);
			/* 4..36 GiB, congruent to the iova modulo 2 MiB half of the time */
			phys = SZ_4G + ((r >> 40) % 16384) * SZ_2M;
			if ((r >> 60) & 1)
				phys += (RVA(first)) & (SZ_2M - 1);
			else
				phys += ((r >> 20) % PER_BLOCK) * SZ_4K;
			want = ref_map(&ref, first, npages, phys, &replaced);
			ret = io_pgtable_map(ops, RVA(first), phys, npages * SZ_4K, RW);
			if (ret != want)
				print_error("step %lu: map of %lu pages at %lu: %d, reference %d\n",
					    step, npages, first, ret, want);
			assert_int_equal(ret, want);
			if (ret) {
				eexist++;
			} else {
				maps++;
				for (unsigned long p = ALIGN(first, PER_BLOCK);
				     p + PER_BLOCK <= first + npages; p += PER_BLOCK)
					if (ref.st[p / PER_BLOCK] == ST_BLOCK) {
						assert_int_equal(walk(ops, RVA(p)).size, SZ_2M);
						blocks++;
					}
			}
		} else {
			/* unmap: a 2 MiB unit, 4 KiB units, or the units io_pgtable_unmap() picks */
			unsigned int how = (unsigned int)((r >> 8) % 4);
			unsigned long want = 0, got;

			first = (r >> 16) % RAND_PAGES;
			npages = 1 + (unsigned long)((r >> 32) % ((r >> 12) % 4 ? 64 : 1024));
			npages = min(npages, RAND_PAGES - first);
			if (how == 0) {
				first = ALIGN_DOWN(first, PER_BLOCK);
				npages = PER_BLOCK;
				want = ref_unmap_unit(&ref, first, true);
				got = ops->unmap_pages(ops, RVA(first), SZ_2M, 1, NULL);
			} else if (how == 1) {
				unsigned long n = 0, p = first;

				first = ALIGN_DOWN(first, PER_BLOCK);
				npages = min(ALIGN(npages, PER_BLOCK), RAND_PAGES - first);
				for (p = first; p < first + npages; p += n, want += n) {
					bool whole = p % PER_BLOCK == 0 &&
						     p + PER_BLOCK <= first + npages;

					n = ref_unmap_unit(&ref, p, whole);
					if (!n)
						break;
				}
				got = io_pgtable_unmap(ops, RVA(first), npages * SZ_4K) / SZ_4K;
				by_units++;
			} else {
				for (unsigned long p = first; p < first + npages; p++, want++)
					if (!ref_unmap_unit(&ref, p, false))
						break;
				got = ops->unmap_pages(ops, RVA(first), SZ_4K, npages, NULL);
			}
			if (how != 1)
				got /= SZ_4K;
			if (got != want)
				print_error("step %lu: unmap (%u) of %lu pages at %lu: %lu, "
					    "reference %lu\n", step, how, npages, first, got, want);
			assert_int_equal(got, want);
			assert_int_equal(e.partial, ref.partial);
			unmaps++;
		}
		for (unsigned long p = first; p < first + npages; p++)
			check_page(ops, ref.phys, p);
		if (first)
			check_page(ops, ref.phys, first - 1);
		if (first + npages < RAND_PAGES)
			check_page(ops, ref.phys, first + npages);
		for (unsigned int k = 0; k < 4; k++)
			check_page(ops, ref.phys, test_rand(&rng) % RAND_PAGES);
		if (step % 10000 == 0) {
			for (unsigned long p = 0; p < RAND_PAGES; p++)
				check_page(ops, ref.phys, p);
			/* nothing outside the range */
			assert_true(unmapped(ops, RAND_BASE - SZ_4K));
			assert_true(unmapped(ops, RVA(RAND_PAGES)));
		}
	}
	/* every kind of step happened */
	print_message("%lu maps (%lu blocks, %lu over live tables), %lu overlaps, %lu unmaps "
		      "(%lu by io_pgtable_unmap, %lu stopped by a block)\n", maps, blocks, replaced,
		      eexist, unmaps, by_units, ref.partial);
	assert_true(maps > 1000 && blocks > 100 && replaced > 10 && eexist > 1000 &&
		    unmaps > 1000 && by_units > 1000 && ref.partial > 10);
	for (unsigned long p = 0; p < RAND_PAGES; p++)
		check_page(ops, ref.phys, p);
	/* the tables: the top, two level-2 tables, and a page table per stretch that has one */
	{
		unsigned long want = 3;

		for (unsigned long b = 0; b < RAND_PAGES / PER_BLOCK; b++)
			want += ref.st[b] == ST_TABLE;
		env_check_tables(&e, ops, want);
	}
	free_io_pgtable_ops(ops);
	free(ref.phys);
	free(ref.st);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_sizes),
		cmocka_unit_test(test_map_pages_units),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_table_accounting),
		cmocka_unit_test(test_partial_unmap_of_block),
		cmocka_unit_test(test_unmap_stops_at_hole),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_block_over_table),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_prot),
		cmocka_unit_test(test_granule_levels),
		cmocka_unit_test(test_granule_leaf_sizes),
		cmocka_unit_test(test_kernel_selftest),
		cmocka_unit_test(test_granule_block_over_table),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("io-pgtable", tests, NULL, NULL);
}
