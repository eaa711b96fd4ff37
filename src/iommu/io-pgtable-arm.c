// SPDX-License-Identifier: MIT
/*
 * The ARM LPAE stage-1 page-table format, with a 4 KiB, 16 KiB or 64 KiB
 * granule.
 *
 * A table is one granule of 8-byte descriptors, so each level resolves
 * log2(granule) - 3 bits of IOVA: 9, 11 or 13. Level 3 maps pages of the
 * granule; blocks are what the formats define below 52-bit addresses:
 * 2 MiB (level 2) and 1 GiB (level 1) for 4 KiB, 32 MiB (level 2) for
 * 16 KiB, 512 MiB (level 2) for 64 KiB. The walk starts at the level that
 * covers the IOVA size, and the top table holds only the entries that size
 * needs (4 for a 32-bit space with 4 KiB, 128 with 16 KiB, 8 with 64 KiB),
 * taking at least a page, as the kernel allocates it. Tables are memory of
 * the caller's (the machine's RAM) and the walk reads them there.
 *
 * Descriptors are changed with atomic operations only: a leaf is installed
 * with a compare-and-swap from zero (so an overlap is seen, not overwritten),
 * a new table likewise (the loser of a race frees its page), a table a
 * block replaces by a swap from that table. Maps and unmaps of disjoint
 * ranges can therefore run from several threads with no lock; tables are
 * freed when a table is unmapped whole, when a block takes its place, or
 * with the ops. A block is never split: an unmap of part of one unmaps
 * nothing (see unmap_one()).
 *
 * Permissions: IOMMU_WRITE clear makes the leaf read-only (AP[2]); stage 1
 * cannot express write-only, which the DMA API needs for DMA_FROM_DEVICE, so
 * the model keeps "no read" in a software bit (55) that its walker honours.
 */
#include "iommu/io-pgtable.h"

#include <dmamap/iommu.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define LPAE_LEVELS		4

struct arm_lpae_io_pgtable {
	struct io_pgtable_ops ops;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_window windows[16];
	unsigned int nr_windows;
	int start_level;		/* 0..3: the level of the top table */
	unsigned int pg_shift;		/* log2 of the granule: 12, 14 or 16 */
	unsigned int bits;		/* IOVA bits per level: pg_shift - 3 */
	unsigned int pgd_bits;		/* IOVA bits the top table resolves */
	size_t pgd_size;		/* the top table's bytes, at least a page */
	unsigned long idx_mask;		/* entries of a table less 1 */
	/* made once, so that the map and unmap paths neither multiply nor divide */
	unsigned int shift[LPAE_LEVELS];	/* log2 of a leaf's size at each level */
	s8 level_of[64];		/* the level whose leaves are 2^n bytes, or -1 */
	phys_addr_t pgd_phys;
	u64 *pgd;
	unsigned long nr_tables;	/* atomic */
};

#define to_data(o) container_of(o, struct arm_lpae_io_pgtable, ops)

static inline unsigned int lvl_shift(const struct arm_lpae_io_pgtable *d, int lvl)
{
	return d->shift[lvl];
}

static inline size_t lvl_size(const struct arm_lpae_io_pgtable *d, int lvl)
{
	return 1UL << lvl_shift(d, lvl);
}

/* (an IOVA within ias indexes the top table within its entries too) */
static inline unsigned long lvl_idx(const struct arm_lpae_io_pgtable *d, unsigned long iova,
				    int lvl)
{
	return (iova >> lvl_shift(d, lvl)) & d->idx_mask;
}

/* Entries of a table of level @lvl. */
static inline unsigned long lvl_entries(const struct arm_lpae_io_pgtable *d, int lvl)
{
	return 1UL << (lvl == d->start_level ? d->pgd_bits : d->bits);
}

/* Bytes of a table of level @lvl. */
static inline size_t table_bytes(const struct arm_lpae_io_pgtable *d, int lvl)
{
	return lvl == d->start_level ? d->pgd_size : 1UL << d->pg_shift;
}

static inline bool pte_valid(u64 pte)
{
	return pte & 1;
}

static inline bool pte_is_table(u64 pte, int lvl)
{
	return lvl < 3 && (pte & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_TABLE;
}

static inline u64 *table_of(struct arm_lpae_io_pgtable *d, phys_addr_t phys)
{
	for (unsigned int i = 0; i < d->nr_windows; i++) {
		const struct io_pgtable_window *w = &d->windows[i];

		if (phys - w->base < w->size)
			return (u64 *)(w->host + (phys - w->base));
	}
	return d->cfg.phys_to_table(d->cfg.cookie, phys);
}

static inline u64 pte_load(const u64 *ptep)
{
	return smp_load_acquire(ptep);
}

static inline bool pte_cas(u64 *ptep, u64 old, u64 new)
{
	return __atomic_compare_exchange_n(ptep, &old, new, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/*
 * Level-3 entries, pages only, are set and cleared with plain atomic stores
 * after a load, as the kernel's __arm_lpae_init_pte() and
 * __arm_lpae_clear_pte() do: callers map and unmap disjoint ranges (the IOVA
 * allocator sees to it for the DMA API), and a level-3 entry never holds a
 * table that a racing map could lose. Two threads mapping or unmapping the
 * same page at once (a caller's bug) may then both succeed; one after the
 * other, the second still gets -EEXIST or nothing unmapped. The levels
 * above, where tables are installed and blocks replace or split them, keep
 * compare-and-swap.
 */
static inline bool pte_set_page(u64 *ptep, u64 pte)
{
	if (READ_ONCE(*ptep))
		return false;
	smp_store_release(ptep, pte);
	return true;
}

static inline bool pte_clear_page(u64 *ptep)
{
	if (!pte_valid(READ_ONCE(*ptep)))
		return false;
	smp_store_release(ptep, 0);
	return true;
}

/* The leaf descriptor for @paddr at level @lvl with @prot. */
static u64 prot_to_pte(phys_addr_t paddr, int prot, int lvl)
{
	u64 pte = (paddr & ARM_LPAE_PTE_ADDR_MASK) | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_SH_IS |
		  ARM_LPAE_PTE_NG;
	u64 idx;

	pte |= lvl == 3 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK;
	if (!(prot & IOMMU_PRIV))
		pte |= ARM_LPAE_PTE_AP_UNPRIV;
	if (!(prot & IOMMU_WRITE))
		pte |= ARM_LPAE_PTE_AP_RDONLY;
	if (!(prot & IOMMU_READ))
		pte |= ARM_LPAE_PTE_SW_NOREAD;
	if (prot & IOMMU_NOEXEC)
		pte |= ARM_LPAE_PTE_XN;
	if (prot & IOMMU_MMIO)
		idx = ARM_LPAE_MAIR_ATTR_IDX_DEV;
	else if (prot & IOMMU_CACHE)
		idx = ARM_LPAE_MAIR_ATTR_IDX_CACHE;
	else
		idx = ARM_LPAE_MAIR_ATTR_IDX_NC;
	return pte | (idx << ARM_LPAE_PTE_ATTRINDX_SHIFT);
}

static int pte_to_prot(u64 pte)
{
	u64 idx = (pte >> ARM_LPAE_PTE_ATTRINDX_SHIFT) & 7;
	int prot = 0;

	if (!(pte & ARM_LPAE_PTE_SW_NOREAD))
		prot |= IOMMU_READ;
	if (!(pte & ARM_LPAE_PTE_AP_RDONLY))
		prot |= IOMMU_WRITE;
	if (pte & ARM_LPAE_PTE_XN)
		prot |= IOMMU_NOEXEC;
	if (!(pte & ARM_LPAE_PTE_AP_UNPRIV))
		prot |= IOMMU_PRIV;
	if (idx == ARM_LPAE_MAIR_ATTR_IDX_DEV)
		prot |= IOMMU_MMIO;
	else if (idx == ARM_LPAE_MAIR_ATTR_IDX_CACHE)
		prot |= IOMMU_CACHE;
	return prot;
}

/* A table of level @lvl (the top one only at creation). */
static u64 *alloc_table(struct arm_lpae_io_pgtable *d, int lvl, phys_addr_t *phys)
{
	u64 *t = d->cfg.alloc_table(d->cfg.cookie, table_bytes(d, lvl), phys);

	if (t)
		__atomic_fetch_add(&d->nr_tables, 1, __ATOMIC_RELAXED);
	return t;
}

static void free_table(struct arm_lpae_io_pgtable *d, u64 *table, phys_addr_t phys, int lvl)
{
	d->cfg.free_table(d->cfg.cookie, table, phys, table_bytes(d, lvl));
	__atomic_fetch_sub(&d->nr_tables, 1, __ATOMIC_RELAXED);
}

/* Frees a table and every table below it (level @lvl is the table's own). */
static void free_subtree(struct arm_lpae_io_pgtable *d, phys_addr_t phys, int lvl)
{
	u64 *t = table_of(d, phys);

	if (lvl < 3) {
		for (unsigned long i = 0; i < lvl_entries(d, lvl); i++) {
			u64 pte = pte_load(&t[i]);

			if (pte_is_table(pte, lvl))
				free_subtree(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1);
		}
	}
	free_table(d, t, phys, lvl);
}

/* A table descriptor was just cleared: walk caches forget, then its tables go. */
static void retire_subtree(struct arm_lpae_io_pgtable *d, phys_addr_t phys, int lvl)
{
	if (d->cfg.flush_walk)
		d->cfg.flush_walk(d->cfg.cookie);
	free_subtree(d, phys, lvl);
}

/* The next-level table under *ptep, installed if missing; NULL with *err set. */
static u64 *next_table(struct arm_lpae_io_pgtable *d, u64 *ptep, int lvl, int *err)
{
	u64 pte = pte_load(ptep);
	phys_addr_t phys;
	u64 *t;

	if (pte_is_table(pte, lvl))
		return table_of(d, pte & ARM_LPAE_PTE_ADDR_MASK);
	if (pte_valid(pte)) {
		*err = -EEXIST;		/* a block covers the range */
		return NULL;
	}
	t = alloc_table(d, lvl + 1, &phys);
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	if (pte_cas(ptep, 0, phys | ARM_LPAE_PTE_TYPE_TABLE))
		return t;
	/* someone else installed one (or a block) first */
	free_table(d, t, phys, lvl + 1);
	return next_table(d, ptep, lvl, err);
}

/* The table of level @target covering @iova, made if missing; NULL with *err set. */
static u64 *table_for(struct arm_lpae_io_pgtable *d, unsigned long iova, int target, int *err)
{
	u64 *table = d->pgd;

	for (int lvl = d->start_level; lvl < target; lvl++) {
		table = next_table(d, &table[lvl_idx(d, iova, lvl)], lvl, err);
		if (!table)
			return NULL;
	}
	return table;
}

/*
 * A block where a table is: the kernel's arm_lpae_init_pte() unmaps the
 * table whole, with whatever it still maps, and puts the block in its
 * place; so does this. Mappings under the table are gone without a word
 * (the walk caches and IOTLBs forget them before the table is freed). A
 * leaf already there is an overlap: false.
 */
static bool replace_table(struct arm_lpae_io_pgtable *d, u64 *ptep, u64 leaf, int lvl)
{
	u64 pte = pte_load(ptep);

	if (!pte_is_table(pte, lvl) || !pte_cas(ptep, pte, leaf))
		return false;
	retire_subtree(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1);
	return true;
}

/* The level whose leaves are @pgsize bytes, or -1 (not one the granule has). */
static inline int level_of_size(const struct arm_lpae_io_pgtable *d, size_t pgsize)
{
	return is_power_of_2(pgsize) ? d->level_of[__builtin_ctzl(pgsize)] : -1;
}

static bool in_range(const struct arm_lpae_io_pgtable *d, unsigned long iova, size_t size)
{
	return size && iova + size - 1 >= iova && ((iova + size - 1) >> d->cfg.ias) == 0;
}

/*
 * Can descriptors hold [paddr, paddr+size)? The kernel refuses an output
 * address beyond oas with -ERANGE; a range that wraps past 2^64 would be
 * stored truncated, so it is refused the same way.
 */
static bool phys_in_range(const struct arm_lpae_io_pgtable *d, phys_addr_t paddr, size_t size)
{
	return paddr + size - 1 >= paddr && ((paddr + size - 1) >> d->cfg.oas) == 0;
}

/* (always inline: io_pgtable_map() calls it with one 4 KiB page, folded into constants) */
static inline __attribute__((always_inline)) int
lpae_map_pages(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t pgsize,
	       size_t pgcount, int prot, gfp_t gfp, size_t *mapped)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	int lvl = level_of_size(d, pgsize);

	(void)gfp;
	if (mapped)
		*mapped = 0;
	if (lvl < 0 || !(d->cfg.pgsize_bitmap & pgsize) || !pgcount ||
	    !IS_ALIGNED(iova | paddr, pgsize) || !(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	/* as the kernel's arm_lpae_map_pages(): addresses the format cannot hold */
	if (pgcount > (SIZE_MAX >> __builtin_ctzl(pgsize)) || !in_range(d, iova, pgsize * pgcount) ||
	    !phys_in_range(d, paddr, pgsize * pgcount))
		return -ERANGE;
	/* one walk per table: the pages up to its end go in with no walk of their own */
	for (size_t i = 0; i < pgcount;) {
		unsigned long va = iova + i * pgsize;
		u64 pte = prot_to_pte(paddr + i * pgsize, prot, lvl);
		int err = 0;
		u64 *table = table_for(d, va, lvl, &err);
		size_t idx, end;

		if (!table)
			return err;
		idx = lvl_idx(d, va, lvl);
		end = min(lvl_entries(d, lvl), idx + (pgcount - i));
		for (; idx < end; idx++, i++, pte += pgsize) {
			if (lvl == 3 ? !pte_set_page(&table[idx], pte) :
				       !pte_cas(&table[idx], 0, pte) &&
				       !replace_table(d, &table[idx], pte, lvl))
				return -EEXIST;
			if (mapped)
				*mapped += pgsize;
		}
	}
	return 0;
}

/*
 * The existing table of level @lvl covering @iova, when every level above
 * points to a table; NULL otherwise (nothing there, or a block).
 */
static u64 *leaf_table(struct arm_lpae_io_pgtable *d, unsigned long iova, int lvl)
{
	u64 *table = d->pgd;

	for (int l = d->start_level; l < lvl; l++) {
		u64 pte = pte_load(&table[lvl_idx(d, iova, l)]);

		if (!pte_is_table(pte, l))
			return NULL;
		table = table_of(d, pte & ARM_LPAE_PTE_ADDR_MASK);
	}
	return table;
}

/*
 * Unmaps one unit of @size at @iova.
 *
 * A unit inside a larger block unmaps nothing: the block stays whole and
 * the unmap returns 0, after a report. The kernel used to split the block
 * into a table of the pieces less the hole (and the design document, §6,
 * still says so); it stopped in commit 33729a5fc0ca, which removed
 * arm_lpae_split_blk_unmap() in favour of a warning and 0, because no other
 * format split and no caller relied on it. This follows today's kernel.
 */
static size_t unmap_one(struct arm_lpae_io_pgtable *d, unsigned long iova, size_t size)
{
	u64 *table = d->pgd;

	for (int lvl = d->start_level; lvl <= 3; lvl++) {
		u64 *ptep = &table[lvl_idx(d, iova, lvl)];
		u64 pte = pte_load(ptep);

		if (!pte_valid(pte))
			return 0;
		if (lvl_size(d, lvl) == size) {
			if (!pte_cas(ptep, pte, 0))
				return 0;
			/* a table covered whole goes with its contents */
			if (pte_is_table(pte, lvl))
				retire_subtree(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1);
			return size;
		}
		if (!pte_is_table(pte, lvl)) {
			if (d->cfg.partial_unmap)
				d->cfg.partial_unmap(d->cfg.cookie, iova, size, lvl_size(d, lvl));
			return 0;
		}
		table = table_of(d, pte & ARM_LPAE_PTE_ADDR_MASK);
	}
	return 0;
}

static size_t lpae_unmap_pages(struct io_pgtable_ops *ops, unsigned long iova, size_t pgsize,
			       size_t pgcount, void *gather)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	size_t done = 0;

	(void)gather;
	if (level_of_size(d, pgsize) < d->start_level || !(d->cfg.pgsize_bitmap & pgsize) ||
	    !pgcount || !IS_ALIGNED(iova, pgsize) || pgcount > (SIZE_MAX >> __builtin_ctzl(pgsize)) ||
	    !in_range(d, iova, pgsize * pgcount))
		return 0;
	for (size_t i = 0; i < pgcount;) {
		unsigned long va = iova + i * pgsize;
		int lvl = level_of_size(d, pgsize);
		u64 *table = leaf_table(d, va, lvl);
		size_t n;

		if (table) {
			/* the leaves of this table, one after the other, with no walk each */
			size_t idx = lvl_idx(d, va, lvl);
			size_t end = min(lvl_entries(d, lvl), idx + (pgcount - i));

			for (; idx < end; idx++, i++) {
				u64 pte = pte_load(&table[idx]);

				/* a table covered whole: unmap_one frees it */
				if (pte_is_table(pte, lvl))
					break;
				if (lvl == 3 ? !pte_clear_page(&table[idx]) :
					       !pte_valid(pte) || !pte_cas(&table[idx], pte, 0))
					return done;
				done += pgsize;
			}
			if (idx == end)
				continue;
		}
		n = unmap_one(d, iova + i * pgsize, pgsize);
		if (!n)
			break;
		done += n;
		i++;
	}
	return done;
}

void io_pgtable_get_walker(struct io_pgtable_ops *ops, struct io_pgtable_walker *w)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);

	*w = (struct io_pgtable_walker){
		.pgd = d->pgd,
		.ias = d->cfg.ias,
		.start_level = d->start_level,
		.pg_shift = d->pg_shift,
		.bits = d->bits,
		/* 1 GiB blocks with 4 KiB; one block level, level 2, with the others */
		.block_shift = d->pg_shift + (d->pg_shift == PAGE_SHIFT ? 2 : 1) * d->bits,
		.win_base = d->nr_windows ? d->windows[0].base : 0,
		.win_size = d->nr_windows ? d->windows[0].size : 0,
		.win_host = d->nr_windows ? d->windows[0].host : NULL,
		.ops = ops,
	};
}

const u64 *io_pgtable_table_slow(struct io_pgtable_ops *ops, phys_addr_t phys)
{
	return table_of(to_data(ops), phys);
}

u64 io_pgtable_leaf_granule(const struct io_pgtable_walker *w, unsigned long iova,
			    unsigned int *shift)
{
	const u64 *table = w->pgd;
	unsigned long mask = (1UL << w->bits) - 1;
	unsigned int sh = w->pg_shift + (unsigned int)(3 - w->start_level) * w->bits;
	u64 pte;

	if (iova >> w->ias)
		return 0;
	for (; sh > w->pg_shift; sh -= w->bits) {
		pte = smp_load_acquire(&table[(iova >> sh) & mask]);
		if ((pte & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_TABLE) {
			*shift = sh;
			/* invalid, or a block at a level the format has blocks at */
			return (pte & 1) && sh <= w->block_shift ? pte : 0;
		}
		table = io_pgtable_next_table(w, pte);
	}
	pte = smp_load_acquire(&table[(iova >> w->pg_shift) & mask]);
	*shift = w->pg_shift;
	return (pte & 1) ? pte : 0;
}

int io_pgtable_walk(struct io_pgtable_ops *ops, unsigned long iova,
		    struct io_pgtable_walk_result *r)
{
	struct io_pgtable_walker w;
	unsigned int shift;
	u64 pte;

	io_pgtable_get_walker(ops, &w);
	if (iova >> w.ias)
		return -ERANGE;
	if (w.pg_shift == PAGE_SHIFT)
		pte = io_pgtable_leaf(&w, iova, &shift, NULL);
	else
		pte = io_pgtable_leaf_granule(&w, iova, &shift);
	if (!pte)
		return -ENOENT;
	r->phys = pte & ARM_LPAE_PTE_ADDR_MASK;
	r->size = 1UL << shift;
	r->prot = pte_to_prot(pte);
	r->pte = pte;
	return 0;
}

/* Calls @fn for each leaf of the table of level @lvl that maps from @base. */
static int for_each_leaf(struct arm_lpae_io_pgtable *d, const u64 *t, int lvl, unsigned long base,
			 io_pgtable_leaf_fn fn, void *arg)
{
	for (unsigned long i = 0; i < lvl_entries(d, lvl); i++) {
		u64 pte = pte_load(&t[i]);
		unsigned long iova = base + (i << lvl_shift(d, lvl));
		struct io_pgtable_walk_result r;
		int ret;

		if (!pte_valid(pte))
			continue;
		if (pte_is_table(pte, lvl)) {
			ret = for_each_leaf(d, table_of(d, pte & ARM_LPAE_PTE_ADDR_MASK), lvl + 1,
					    iova, fn, arg);
		} else {
			r = (struct io_pgtable_walk_result){ pte & ARM_LPAE_PTE_ADDR_MASK,
							     lvl_size(d, lvl), pte_to_prot(pte), pte };
			ret = fn(iova, &r, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int io_pgtable_for_each_leaf(struct io_pgtable_ops *ops, io_pgtable_leaf_fn fn, void *arg)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);

	return for_each_leaf(d, d->pgd, d->start_level, 0, fn, arg);
}

static phys_addr_t lpae_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct io_pgtable_walk_result r;

	if (io_pgtable_walk(ops, iova, &r))
		return 0;
	return r.phys + (iova & (r.size - 1));
}

/*
 * The page size for the next piece of a map or unmap at @va (@pa for a
 * map, @va again for an unmap) with @left bytes to go, and in *@count how
 * many of them, as the kernel's iommu_pgsize() picks them: the largest
 * size of @bitmap that both addresses are aligned to and @left holds, as
 * many as fit before a larger size could start, if @left reaches past that
 * and @va and @pa are alike in the larger size. Both addresses and @left
 * are granule aligned, so there is always one.
 */
static size_t pick_pgsize(unsigned long bitmap, unsigned long va, phys_addr_t pa, size_t left,
			  size_t *count)
{
	unsigned long addr = va | (unsigned long)pa, sizes, bigger;
	size_t pgsize, next, offset;

	sizes = bitmap & (~0UL >> __builtin_clzl(left));
	if (addr)
		sizes &= ~0UL >> (63 - __builtin_ctzl(addr));
	pgsize = 1UL << (63 - __builtin_clzl(sizes));
	*count = left / pgsize;
	bigger = bitmap & ~((pgsize << 1) - 1);
	if (!bigger)
		return pgsize;
	next = 1UL << __builtin_ctzl(bigger);
	if ((va ^ (unsigned long)pa) & (next - 1))
		return pgsize;
	offset = next - (addr & (next - 1));
	if (offset <= left && left - offset >= next)
		*count = offset / pgsize;
	return pgsize;
}

int io_pgtable_map(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t size,
		   int prot)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	size_t granule = 1UL << d->pg_shift, done = 0;
	int ret = 0;

	if (!size || !IS_ALIGNED(iova | paddr | size, granule))
		return -EINVAL;
	if (!in_range(d, iova, size) || !phys_in_range(d, paddr, size))
		return -ERANGE;
	/* one page: the DMA API's usual case, with the unit known */
	if (size == SZ_4K)
		return lpae_map_pages(ops, iova, paddr, SZ_4K, 1, prot, 0, NULL);
	if (size == granule)
		return lpae_map_pages(ops, iova, paddr, granule, 1, prot, 0, NULL);
	while (done < size) {
		size_t count, mapped = 0;
		size_t pgsize = pick_pgsize(d->cfg.pgsize_bitmap, iova + done, paddr + done,
					    size - done, &count);

		ret = lpae_map_pages(ops, iova + done, paddr + done, pgsize, count, prot, 0, &mapped);
		done += mapped;
		if (ret)
			break;
	}
	/* all or nothing: take back what this call mapped, blocks whole */
	if (ret && done)
		io_pgtable_unmap(ops, iova, done);
	return ret;
}

size_t io_pgtable_unmap(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	size_t done = 0;

	if (!IS_ALIGNED(iova | size, 1UL << d->pg_shift))
		return 0;
	if (size == SZ_4K)
		return lpae_unmap_pages(ops, iova, SZ_4K, 1, NULL);
	while (done < size) {
		size_t count, pgsize = pick_pgsize(d->cfg.pgsize_bitmap, iova + done, iova + done,
						   size - done, &count);
		size_t n = lpae_unmap_pages(ops, iova + done, pgsize, count, NULL);

		done += n;
		if (n != pgsize * count)
			break;
	}
	return done;
}

int io_pgtable_map_cursor(struct io_pgtable_ops *ops, struct io_pgtable_cursor *cur,
			  unsigned long iova, phys_addr_t paddr, size_t size, int prot)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	size_t done;
	int err = -EEXIST;

	if (size >= SZ_2M || d->pg_shift != PAGE_SHIFT || !size ||
	    !IS_ALIGNED(iova | paddr | size, PAGE_SIZE) || !in_range(d, iova, size) ||
	    !phys_in_range(d, paddr, size) || !(prot & (IOMMU_READ | IOMMU_WRITE)))
		return io_pgtable_map(ops, iova, paddr, size, prot);
	/* a list is mapped with one prot: its descriptor bits are made once */
	if (cur->prot != prot) {
		cur->attrs = prot_to_pte(0, prot, 3);
		cur->prot = prot;
	}
	/* below 2 MiB io_pgtable_map() uses 4 KiB pages only */
	for (done = 0; done < size; done += SZ_4K) {
		unsigned long va = iova + done;

		if (!cur->table || (va & ~(SZ_2M - 1)) != cur->base) {
			u64 *t = table_for(d, va, 3, &err);

			if (!t) {
				cur->table = NULL;
				goto undo;
			}
			cur->table = t;
			cur->base = va & ~(SZ_2M - 1);
		}
		if (!pte_set_page(&cur->table[lvl_idx(d, va, 3)],
				  ((paddr + done) & ARM_LPAE_PTE_ADDR_MASK) | cur->attrs)) {
			err = -EEXIST;
			goto undo;
		}
	}
	return 0;

undo:
	/* all or nothing: as io_pgtable_map() */
	if (done)
		lpae_unmap_pages(ops, iova, SZ_4K, done / SZ_4K, NULL);
	return err;
}

unsigned long io_pgtable_nr_tables(struct io_pgtable_ops *ops)
{
	return READ_ONCE(to_data(ops)->nr_tables);
}

unsigned long io_pgtable_pgsizes(struct io_pgtable_ops *ops)
{
	return to_data(ops)->cfg.pgsize_bitmap;
}

/* The block sizes ARM's formats define for @granule below 52-bit addresses. */
static unsigned long granule_blocks(unsigned long granule)
{
	switch (granule) {
	case SZ_4K:
		return SZ_2M | SZ_1G;
	case SZ_16K:
		return SZ_32M;
	case SZ_64K:
		return SZ_512M;
	default:
		return 0;
	}
}

/* The output sizes a stage-1 translation regime encodes (TCR.IPS), up to 48 bits. */
static bool oas_valid(unsigned int oas)
{
	return oas == 32 || oas == 36 || oas == 40 || oas == 42 || oas == 44 || oas == 48;
}

struct io_pgtable_ops *alloc_io_pgtable_ops(const struct io_pgtable_cfg *cfg)
{
	struct arm_lpae_io_pgtable *d;
	unsigned long granule, sizes;
	unsigned int levels;

	if (!cfg)
		return NULL;
	granule = cfg->pgsize_bitmap & (SZ_4K | SZ_16K | SZ_64K);
	if (cfg->ias < 20 || cfg->ias > 48 || (cfg->oas && !oas_valid(cfg->oas)) ||
	    !cfg->alloc_table || !cfg->free_table || !cfg->phys_to_table ||
	    !is_power_of_2(granule) || (cfg->pgsize_bitmap & ~(granule | granule_blocks(granule))) ||
	    cfg->nr_windows > 16)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = *cfg;
	if (!d->cfg.oas)
		d->cfg.oas = 48;
	d->nr_windows = cfg->nr_windows;
	for (unsigned int i = 0; i < cfg->nr_windows; i++)
		d->windows[i] = cfg->windows[i];
	d->pg_shift = (unsigned int)__builtin_ctzl(granule);
	d->bits = d->pg_shift - 3;
	d->idx_mask = (1UL << d->bits) - 1;
	memset(d->level_of, -1, sizeof(d->level_of));
	for (int lvl = 0; lvl < LPAE_LEVELS; lvl++) {
		d->shift[lvl] = d->pg_shift + (unsigned int)(3 - lvl) * d->bits;
		if (d->shift[lvl] < 64)
			d->level_of[d->shift[lvl]] = (s8)lvl;
	}
	levels = DIV_ROUND_UP(cfg->ias - d->pg_shift, d->bits);
	d->start_level = LPAE_LEVELS - (int)levels;
	d->pgd_bits = cfg->ias - d->pg_shift - d->bits * (levels - 1);
	d->pgd_size = max_t(size_t, PAGE_SIZE, sizeof(u64) << d->pgd_bits);
	/* a block of a level above the top table has no descriptor to be (1 GiB in 30 bits) */
	sizes = d->cfg.pgsize_bitmap;
	for (unsigned long s = sizes; s; s &= s - 1)
		if (level_of_size(d, s & -s) < d->start_level)
			d->cfg.pgsize_bitmap &= ~(s & -s);
	d->pgd = alloc_table(d, d->start_level, &d->pgd_phys);
	if (!d->pgd) {
		free(d);
		return NULL;
	}
	d->ops.map_pages = lpae_map_pages;
	d->ops.unmap_pages = lpae_unmap_pages;
	d->ops.iova_to_phys = lpae_iova_to_phys;
	return &d->ops;
}

void free_io_pgtable_ops(struct io_pgtable_ops *ops)
{
	struct arm_lpae_io_pgtable *d;

	if (!ops)
		return;
	d = to_data(ops);
	free_subtree(d, d->pgd_phys, d->start_level);
	free(d);
}
