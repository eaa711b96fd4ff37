// SPDX-License-Identifier: MIT
/*
 * ARM LPAE stage-1 page tables, 4 KiB granule (src/iommu/io-pgtable-arm.c).
 *
 * Leaf sizes chosen from alignment and the page-size bitmap, blocks split
 * by partial unmaps, overlaps refused whole, permissions and memory types in
 * the descriptors, the number of levels from the IOVA size, table pages
 * taken from the machine and all given back; then a long random run of
 * maps and unmaps against a reference.
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
				 -EINVAL);
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
 * A block costs no table below it; a block split costs one table per level
 * split; unmapping a whole block unit frees the tables under it. Windows
 * let the walker read tables without asking the owner.
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
	/* a 4 KiB hole in the 1 GiB block: split at levels 1 and 2 */
	assert_int_equal(ops->unmap_pages(ops, SZ_1G + 5 * SZ_2M + 7 * SZ_4K, SZ_4K, 1, NULL),
			 SZ_4K);
	env_check_tables(&e, ops, 6);
	/* the 2 MiB unit over the page table: the page table goes */
	assert_int_equal(ops->unmap_pages(ops, 2 * SZ_1G + SZ_2M, SZ_2M, 1, NULL), SZ_2M);
	env_check_tables(&e, ops, 5);
	assert_true(unmapped(ops, 2 * SZ_1G + SZ_2M + SZ_1M));
	/* the 1 GiB unit over the split block: both tables under it go */
	assert_int_equal(ops->unmap_pages(ops, SZ_1G, SZ_1G, 1, NULL), SZ_1G);
	env_check_tables(&e, ops, 3);
	assert_true(unmapped(ops, SZ_1G));
	assert_true(unmapped(ops, SZ_1G + 5 * SZ_2M));
	assert_int_equal(walk(ops, 2 * SZ_1G).size, SZ_2M);
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

/* --- splits ---------------------------------------------------------------- */

/* Every 4 KiB page of [iova, iova+size) maps to phys + offset, except the hole. */
static void check_around_hole(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t phys,
			      size_t size, unsigned long hole, size_t hole_size, int prot)
{
	for (size_t at = 0; at < size; at += SZ_4K) {
		unsigned long va = iova + at;

		if (va >= hole && va < hole + hole_size) {
			assert_true(unmapped(ops, va));
		} else {
			struct io_pgtable_walk_result r = walk(ops, va);

			assert_int_equal(ops->iova_to_phys(ops, va + 0x123), phys + at + 0x123);
			assert_int_equal(r.prot, prot);
			/* the pieces are as large as the hole allows */
			if ((va ^ hole) & ~(SZ_2M - 1))
				assert_int_equal(r.size, size == SZ_1G ? SZ_2M : SZ_4K);
			else
				assert_int_equal(r.size, SZ_4K);
		}
	}
}

/*
 * Unmapping part of a block replaces it with a table of the pieces: the
 * rest still translates to the same place with the same attributes, the
 * hole does not.
 */
static void test_split(void **state)
{
	const int prot = IOMMU_READ | IOMMU_NOEXEC | IOMMU_CACHE;
	struct pgtable_env e;
	struct io_pgtable_ops *ops;

	(void)state;
	env_init(&e);
	ops = env_ops(&e, 32, ALL_SIZES, true);

	/* 4 KiB in the middle of a 2 MiB block */
	assert_int_equal(io_pgtable_map(ops, 4 * SZ_2M, 0x340000000ULL, SZ_2M, prot), 0);
	env_check_tables(&e, ops, 2);
	assert_int_equal(walk(ops, 4 * SZ_2M).size, SZ_2M);
	assert_int_equal(ops->unmap_pages(ops, 4 * SZ_2M + SZ_1M, SZ_4K, 1, NULL), SZ_4K);
	env_check_tables(&e, ops, 3);
	check_around_hole(ops, 4 * SZ_2M, 0x340000000ULL, SZ_2M, 4 * SZ_2M + SZ_1M, SZ_4K, prot);
	/* the hole can be mapped again, elsewhere */
	assert_int_equal(io_pgtable_map(ops, 4 * SZ_2M + SZ_1M, 0x90000000ULL, SZ_4K, RW), 0);
	assert_int_equal(ops->iova_to_phys(ops, 4 * SZ_2M + SZ_1M + 1), 0x90000001ULL);
	/* the first and last pages of a block */
	assert_int_equal(io_pgtable_map(ops, 8 * SZ_2M, 0x340200000ULL, SZ_2M, prot), 0);
	assert_int_equal(ops->unmap_pages(ops, 8 * SZ_2M, SZ_4K, 1, NULL), SZ_4K);
	check_around_hole(ops, 8 * SZ_2M, 0x340200000ULL, SZ_2M, 8 * SZ_2M, SZ_4K, prot);
	assert_int_equal(io_pgtable_map(ops, 10 * SZ_2M, 0x340400000ULL, SZ_2M, prot), 0);
	assert_int_equal(ops->unmap_pages(ops, 11 * SZ_2M - SZ_4K, SZ_4K, 1, NULL), SZ_4K);
	check_around_hole(ops, 10 * SZ_2M, 0x340400000ULL, SZ_2M, 11 * SZ_2M - SZ_4K, SZ_4K, prot);
	free_io_pgtable_ops(ops);

	/* a 1 GiB block: 4 KiB hole, then a 2 MiB hole */
	ops = env_ops(&e, 32, ALL_SIZES, false);
	assert_int_equal(io_pgtable_map(ops, SZ_1G, 0x380000000ULL, SZ_1G, prot), 0);
	env_check_tables(&e, ops, 1);
	assert_int_equal(ops->unmap_pages(ops, SZ_1G + 300 * SZ_2M + 9 * SZ_4K, SZ_4K, 1, NULL),
			 SZ_4K);
	env_check_tables(&e, ops, 3);
	check_around_hole(ops, SZ_1G, 0x380000000ULL, SZ_1G, SZ_1G + 300 * SZ_2M + 9 * SZ_4K, SZ_4K,
			  prot);
	assert_int_equal(ops->unmap_pages(ops, 2 * SZ_1G, SZ_1G, 1, NULL), 0);	/* nothing there */
	free_io_pgtable_ops(ops);

	ops = env_ops(&e, 32, ALL_SIZES, true);
	assert_int_equal(io_pgtable_map(ops, 2 * SZ_1G, 0x3c0000000ULL, SZ_1G, prot), 0);
	assert_int_equal(ops->unmap_pages(ops, 2 * SZ_1G + 17 * SZ_2M, SZ_2M, 1, NULL), SZ_2M);
	env_check_tables(&e, ops, 2);
	for (unsigned long at = 0; at < SZ_1G; at += SZ_2M) {
		if (at == 17 * SZ_2M) {
			assert_true(unmapped(ops, 2 * SZ_1G + at + SZ_1M));
			continue;
		}
		assert_int_equal(walk(ops, 2 * SZ_1G + at).size, SZ_2M);
		assert_int_equal(ops->iova_to_phys(ops, 2 * SZ_1G + at + SZ_1M),
				 0x3c0000000ULL + at + SZ_1M);
	}
	/* several pages across a block boundary, one unit at a time */
	assert_int_equal(ops->unmap_pages(ops, 2 * SZ_1G + 3 * SZ_2M - SZ_8K, SZ_4K, 4, NULL),
			 4 * SZ_4K);
	assert_true(unmapped(ops, 2 * SZ_1G + 3 * SZ_2M - SZ_8K));
	assert_true(unmapped(ops, 2 * SZ_1G + 3 * SZ_2M + SZ_4K));
	assert_int_equal(ops->iova_to_phys(ops, 2 * SZ_1G + 3 * SZ_2M + SZ_8K),
			 0x3c0000000ULL + 3 * SZ_2M + SZ_8K);
	assert_int_equal(ops->iova_to_phys(ops, 2 * SZ_1G + 3 * SZ_2M - SZ_8K - 1),
			 0x3c0000000ULL + 3 * SZ_2M - SZ_8K - 1);
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
 * A map over anything already mapped fails with -EEXIST and leaves no
 * trace: what was there is unchanged, nothing of the new range is mapped.
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
	/* blocks first, then the page at 11M: the blocks are taken back */
	assert_int_equal(io_pgtable_map(ops, 4 * SZ_2M, 0x500800000ULL, 2 * SZ_2M, RW), -EEXIST);
	/* a block where pages are mapped */
	assert_int_equal(io_pgtable_map(ops, 5 * SZ_2M, 0x500a00000ULL, SZ_2M, RW), -EEXIST);
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
 * A range whose pages were all unmapped again is free: a block may go where
 * the empty page table is.
 */
static void test_block_over_empty_table(void **state)
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
	/* but not over a table with a page still mapped */
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_1G + SZ_4M, 0x90000000ULL, SZ_4K, RW), 0);
	assert_int_equal(io_pgtable_map(ops, 3 * SZ_1G, 0x3c0000000ULL, SZ_1G, RW), -EEXIST);
	assert_int_equal(ops->iova_to_phys(ops, 3 * SZ_1G + SZ_4M), 0x90000000ULL);
	assert_true(unmapped(ops, 3 * SZ_1G));
	free_io_pgtable_ops(ops);
	env_fini(&e);
}

/* --- bad arguments ---------------------------------------------------------- */

/*
 * Unaligned addresses or sizes, ranges past the IOVA space or wrapping,
 * page sizes not in the bitmap and no access at all are -EINVAL, with
 * nothing mapped.
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
	assert_int_equal(io_pgtable_map(ops, SZ_4G, 0x90000000ULL, SZ_4K, RW), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, SZ_4G - SZ_4K, 0x90000000ULL, SZ_8K, RW), -EINVAL);
	assert_int_equal(io_pgtable_map(ops, ~0UL & ~(SZ_4K - 1), 0x90000000ULL, SZ_8K, RW),
			 -EINVAL);
	/* an output address beyond oas, or one that wraps past 2^64: -ERANGE, as the kernel */
	assert_int_equal(io_pgtable_map(ops, 0x1000, 1ULL << 48, SZ_4K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, 0x1000, (1ULL << 48) - SZ_4K, SZ_8K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, 0x1000, ~0ULL & ~(SZ_4K - 1), SZ_8K, RW), -ERANGE);
	assert_int_equal(io_pgtable_map(ops, 0x1000, ~0ULL & ~(SZ_4K - 1), SZ_4K, RW), -ERANGE);
	assert_int_equal(ops->map_pages(ops, 0x2000, ~0ULL & ~(SZ_4K - 1), SZ_4K, 2, RW, 0,
					&mapped), -ERANGE);
	assert_int_equal(mapped, 0);
	assert_int_equal(ops->map_pages(ops, 0, 0x80000000ULL, SZ_1G, 1, RW, 0, &mapped), -EINVAL);
	assert_int_equal(mapped, 0);
	assert_int_equal(ops->map_pages(ops, 0, 0x80000000ULL, SZ_8K, 1, RW, 0, &mapped), -EINVAL);
	assert_int_equal(ops->map_pages(ops, SZ_4K, 0x80000000ULL, SZ_2M, 1, RW, 0, &mapped),
			 -EINVAL);
	assert_int_equal(ops->map_pages(ops, 0, 0x80000000ULL, SZ_4K, 0, RW, 0, &mapped), -EINVAL);
	assert_int_equal(ops->map_pages(ops, SZ_4G - SZ_4K, 0x80000000ULL, SZ_4K, 2, RW, 0,
					&mapped), -EINVAL);
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
	cfg = env_cfg(&e, 32, SZ_4K | SZ_64K, true);
	assert_null(alloc_io_pgtable_ops(&cfg));
	cfg = env_cfg(&e, 32, ALL_SIZES, true);
	cfg.oas = 52;
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
 * walk gives the prot back, and a block split keeps it on every piece.
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
		/* a block carries the same bits; so do the pieces of a split */
		assert_int_equal(io_pgtable_map(ops, block, 0x300000000ULL + block, SZ_2M,
						c->prot), 0);
		r = walk(ops, block);
		assert_int_equal(r.size, SZ_2M);
		assert_int_equal(pte_type(r.pte), ARM_LPAE_PTE_TYPE_BLOCK);
		check_prot(c, r);
		assert_int_equal(ops->unmap_pages(ops, block + SZ_4K, SZ_4K, 1, NULL), SZ_4K);
		r = walk(ops, block);
		assert_int_equal(r.size, SZ_4K);
		assert_int_equal(pte_type(r.pte), ARM_LPAE_PTE_TYPE_PAGE);
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

/* --- random maps and unmaps against a reference ------------------------------ */

/*
 * 100,000 random maps and unmaps over 4096 pages (8 block-sized stretches
 * and then some) of a 32-bit space: maps of pages and of whole blocks, at
 * physical addresses that sometimes allow a block and sometimes not;
 * unmaps by pages or by blocks. The reference is one physical address per
 * page (0: unmapped). A map over anything mapped must fail with nothing
 * changed; an unmap stops at the first unmapped unit. After every step the
 * touched range and a few random pages are translated.
 */
#define RAND_PAGES	4096UL
#define RAND_BASE	(SZ_1G - 2 * SZ_2M)	/* the range straddles a 1 GiB boundary */
#define RVA(pg)		(RAND_BASE + (pg) * SZ_4K)

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

static void test_random(void **state)
{
	const unsigned long per_block = SZ_2M / SZ_4K;
	struct pgtable_env e;
	struct io_pgtable_ops *ops;
	u64 *ref = calloc(RAND_PAGES, sizeof(*ref));
	u64 rng = 0x10a11e5;
	unsigned long maps = 0, blocks = 0, eexist = 0, unmaps = 0, splits = 0;

	(void)state;
	assert_non_null(ref);
	env_init(&e);
	ops = env_ops(&e, 32, SZ_4K | SZ_2M, true);
	for (unsigned long step = 0; step < 100000; step++) {
		u64 r = test_rand(&rng);
		unsigned long first, npages;

		if (r % 2 == 0) {
			/* map: pages anywhere, or whole blocks at block-aligned iova */
			bool block = (r >> 8) % 4 == 0;
			phys_addr_t phys;
			bool busy = false;
			int ret;

			if (block) {
				first = ((r >> 16) % (RAND_PAGES / per_block)) * per_block;
				npages = per_block * (1 + (r >> 32) % 2);
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
				phys += ((r >> 20) % per_block) * SZ_4K;
			for (unsigned long p = first; p < first + npages; p++)
				busy |= ref[p] != 0;
			ret = io_pgtable_map(ops, RVA(first), phys, npages * SZ_4K, RW);
			if (ret != (busy ? -EEXIST : 0))
				print_error("step %lu: map of %lu pages at %lu: %d\n", step, npages,
					    first, ret);
			assert_int_equal(ret, busy ? -EEXIST : 0);
			if (busy) {
				eexist++;
			} else {
				maps++;
				for (unsigned long p = first; p < first + npages; p++)
					ref[p] = phys + (p - first) * SZ_4K;
				/* a block wherever iova and phys allowed one */
				for (unsigned long p = ALIGN(first, per_block);
				     p + per_block <= first + npages; p += per_block)
					if (IS_ALIGNED(ref[p], SZ_2M)) {
						assert_int_equal(walk(ops, RVA(p)).size,
								 SZ_2M);
						blocks++;
					}
			}
		} else {
			/* unmap: blocks when the blocks are whole, else every run of pages */
			bool by_block = (r >> 8) % 4 == 0;

			first = (r >> 16) % RAND_PAGES;
			npages = 1 + (unsigned long)((r >> 32) % ((r >> 12) % 4 ? 64 : 1024));
			npages = min(npages, RAND_PAGES - first);
			if (by_block) {
				first = ALIGN_DOWN(first, per_block);
				npages = per_block;
				for (unsigned long p = first; p < first + npages; p++)
					by_block &= ref[p] != 0;
			}
			if (by_block) {
				assert_int_equal(ops->unmap_pages(ops, RVA(first), SZ_2M,
								  1, NULL), SZ_2M);
				for (unsigned long p = first; p < first + npages; p++)
					ref[p] = 0;
			} else if (!ref[first]) {
				/* nothing at the first unit: nothing unmapped */
				assert_int_equal(ops->unmap_pages(ops, RVA(first), SZ_4K,
								  npages, NULL), 0);
			}
			/* each run of mapped pages, asked up to the end: it stops at the hole */
			for (unsigned long p = first, q; p < first + npages; p = q) {
				if (!ref[p]) {
					q = p + 1;
					continue;
				}
				for (q = p; q < first + npages && ref[q]; q++)
					/* a page inside a block: the block is split */
					if (walk(ops, RVA(q)).size == SZ_2M &&
					    (q == p || q % per_block == 0))
						splits++;
				assert_int_equal(ops->unmap_pages(ops, RVA(p), SZ_4K,
								  first + npages - p, NULL),
						 (q - p) * SZ_4K);
				for (unsigned long k = p; k < q; k++)
					ref[k] = 0;
			}
			unmaps++;
		}
		for (unsigned long p = first; p < first + npages; p++)
			check_page(ops, ref, p);
		if (first)
			check_page(ops, ref, first - 1);
		if (first + npages < RAND_PAGES)
			check_page(ops, ref, first + npages);
		for (unsigned int k = 0; k < 4; k++)
			check_page(ops, ref, test_rand(&rng) % RAND_PAGES);
		if (step % 10000 == 0) {
			for (unsigned long p = 0; p < RAND_PAGES; p++)
				check_page(ops, ref, p);
			/* nothing outside the range */
			assert_true(unmapped(ops, RAND_BASE - SZ_4K));
			assert_true(unmapped(ops, RVA(RAND_PAGES)));
		}
	}
	/* every kind of step happened */
	print_message("%lu maps (%lu blocks), %lu overlaps, %lu unmaps (%lu splits)\n",
		      maps, blocks, eexist, unmaps, splits);
	assert_true(maps > 1000 && blocks > 100 && eexist > 1000 && unmaps > 1000 && splits > 10);
	for (unsigned long p = 0; p < RAND_PAGES; p++)
		check_page(ops, ref, p);
	/* at most: the top, two level-2 tables, a page table per 2 MiB */
	assert_true(io_pgtable_nr_tables(ops) <= 3 + RAND_PAGES / per_block);
	assert_int_equal(io_pgtable_nr_tables(ops), (unsigned long)e.live);
	assert_int_equal(e.free_before - env_pages_free(&e), io_pgtable_nr_tables(ops));
	free_io_pgtable_ops(ops);
	free(ref);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_sizes),
		cmocka_unit_test(test_map_pages_units),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_table_accounting),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_unmap_stops_at_hole),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_block_over_empty_table),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_prot),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("io-pgtable", tests, NULL, NULL);
}
