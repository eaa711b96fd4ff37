// SPDX-License-Identifier: MIT
/*
 * The ARM LPAE stage-1 page-table format, 4 KiB granule.
 *
 * Each level resolves 9 bits of IOVA: level 3 maps 4 KiB pages, level 2
 * 2 MiB blocks, level 1 1 GiB blocks, level 0 only points to tables. The
 * walk starts at the level that covers the IOVA size: 3 levels for up to 39
 * bits (the top table has fewer than 512 entries when ias is not 30 + 9n,
 * e.g. 4 for 32 bits), 4 levels above. Tables are pages of the caller's
 * (the machine's RAM) and the walk reads them there.
 *
 * Descriptors are changed with atomic operations only: a leaf is installed
 * with a compare-and-swap from zero (so an overlap is seen, not overwritten),
 * a new table likewise (the loser of a race frees its page), a block being
 * split is replaced by a full table of the pieces in one swap. Maps and
 * unmaps of disjoint ranges can therefore run from several threads with no
 * lock; tables are freed when a table is unmapped whole, when an emptied
 * one gives way to a block, or with the ops.
 *
 * Permissions: IOMMU_WRITE clear makes the leaf read-only (AP[2]); stage 1
 * cannot express write-only, which the DMA API needs for DMA_FROM_DEVICE, so
 * the model keeps "no read" in a software bit (55) that its walker honours.
 */
#include "iommu/io-pgtable.h"

#include <dmamap/iommu.h>
#include <stdlib.h>

#include "lib/util.h"

#define LPAE_LEVELS		4
#define LPAE_BITS_PER_LEVEL	9
#define LPAE_ENTRIES		(1UL << LPAE_BITS_PER_LEVEL)

struct arm_lpae_io_pgtable {
	struct io_pgtable_ops ops;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_window windows[16];
	unsigned int nr_windows;
	int start_level;		/* 0 or 1 (or 2 for ias <= 30) */
	phys_addr_t pgd_phys;
	u64 *pgd;
	unsigned long nr_tables;	/* atomic */
};

#define to_data(o) container_of(o, struct arm_lpae_io_pgtable, ops)

static inline unsigned int lvl_shift(int lvl)
{
	return PAGE_SHIFT + (unsigned int)(3 - lvl) * LPAE_BITS_PER_LEVEL;
}

static inline size_t lvl_size(int lvl)
{
	return 1UL << lvl_shift(lvl);
}

static inline unsigned long lvl_idx(unsigned long iova, int lvl)
{
	return (iova >> lvl_shift(lvl)) & (LPAE_ENTRIES - 1);
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
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
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
	if (__atomic_load_n(ptep, __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(ptep, pte, __ATOMIC_RELEASE);
	return true;
}

static inline bool pte_clear_page(u64 *ptep)
{
	if (!pte_valid(__atomic_load_n(ptep, __ATOMIC_RELAXED)))
		return false;
	__atomic_store_n(ptep, 0, __ATOMIC_RELEASE);
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

static u64 *alloc_table(struct arm_lpae_io_pgtable *d, phys_addr_t *phys)
{
	u64 *t = d->cfg.alloc_table(d->cfg.cookie, phys);

	if (t)
		__atomic_fetch_add(&d->nr_tables, 1, __ATOMIC_RELAXED);
	return t;
}

static void free_table(struct arm_lpae_io_pgtable *d, u64 *table, phys_addr_t phys)
{
	d->cfg.free_table(d->cfg.cookie, table, phys);
	__atomic_fetch_sub(&d->nr_tables, 1, __ATOMIC_RELAXED);
}

/* Frees a table and every table below it (level @lvl is the table's own). */
static void free_subtree(struct arm_lpae_io_pgtable *d, phys_addr_t phys, int lvl)
{
	u64 *t = table_of(d, phys);

	if (lvl < 3) {
		for (unsigned long i = 0; i < LPAE_ENTRIES; i++) {
			u64 pte = pte_load(&t[i]);

			if (pte_is_table(pte, lvl))
				free_subtree(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1);
		}
	}
	free_table(d, t, phys);
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
	t = alloc_table(d, &phys);
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	if (pte_cas(ptep, 0, phys | ARM_LPAE_PTE_TYPE_TABLE))
		return t;
	/* someone else installed one (or a block) first */
	free_table(d, t, phys);
	return next_table(d, ptep, lvl, err);
}

/* Does the table at @phys (level @lvl) and everything below it map nothing? */
static bool subtree_empty(struct arm_lpae_io_pgtable *d, phys_addr_t phys, int lvl)
{
	const u64 *t = table_of(d, phys);

	for (unsigned long i = 0; i < LPAE_ENTRIES; i++) {
		u64 pte = pte_load(&t[i]);

		if (!pte_valid(pte))
			continue;
		if (!pte_is_table(pte, lvl) ||
		    !subtree_empty(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1))
			return false;
	}
	return true;
}

/* The table of level @target covering @iova, made if missing; NULL with *err set. */
static u64 *table_for(struct arm_lpae_io_pgtable *d, unsigned long iova, int target, int *err)
{
	u64 *table = d->pgd;

	for (int lvl = d->start_level; lvl < target; lvl++) {
		table = next_table(d, &table[lvl_idx(iova, lvl)], lvl, err);
		if (!table)
			return NULL;
	}
	return table;
}

/*
 * A table whose pages were all unmapped again stays until the ops are freed;
 * its range is free, so a block may take its place (and the table goes), as
 * the kernel does. A table that still maps something is an overlap: false.
 */
static bool replace_empty_table(struct arm_lpae_io_pgtable *d, u64 *ptep, u64 leaf, int lvl)
{
	u64 pte = pte_load(ptep);

	if (!pte_is_table(pte, lvl) || !subtree_empty(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1) ||
	    !pte_cas(ptep, pte, leaf))
		return false;
	retire_subtree(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1);
	return true;
}

static int level_of_size(size_t pgsize)
{
	switch (pgsize) {
	case SZ_4K:
		return 3;
	case SZ_2M:
		return 2;
	case SZ_1G:
		return 1;
	default:
		return -1;
	}
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

static int lpae_map_pages(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
			  size_t pgsize, size_t pgcount, int prot, gfp_t gfp, size_t *mapped)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	int lvl = level_of_size(pgsize);

	(void)gfp;
	if (mapped)
		*mapped = 0;
	if (lvl < 0 || !(d->cfg.pgsize_bitmap & pgsize) || !pgcount ||
	    !IS_ALIGNED(iova | paddr, pgsize) || pgcount > (SIZE_MAX >> __builtin_ctzl(pgsize)) ||
	    !in_range(d, iova, pgsize * pgcount) || !(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	if (!phys_in_range(d, paddr, pgsize * pgcount))
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
		idx = lvl_idx(va, lvl);
		end = min(LPAE_ENTRIES, idx + (pgcount - i));
		for (; idx < end; idx++, i++, pte += pgsize) {
			if (lvl == 3 ? !pte_set_page(&table[idx], pte) :
				       !pte_cas(&table[idx], 0, pte) &&
				       !replace_empty_table(d, &table[idx], pte, lvl))
				return -EEXIST;
			if (mapped)
				*mapped += pgsize;
		}
	}
	return 0;
}

/*
 * Replaces the block *ptep (level @lvl, at @blk_iova) by a table of its
 * pieces less [iova, iova+size), which lies inside it. Returns size, or 0
 * when the block changed under us or there is no memory.
 */
static size_t split_block(struct arm_lpae_io_pgtable *d, u64 *ptep, u64 blk, int lvl,
			  unsigned long blk_iova, unsigned long iova, size_t size)
{
	size_t sub = lvl_size(lvl + 1);
	phys_addr_t tphys, base = blk & ARM_LPAE_PTE_ADDR_MASK;
	u64 attrs = blk & ~(ARM_LPAE_PTE_ADDR_MASK | ARM_LPAE_PTE_TYPE_MASK);
	u64 *t = alloc_table(d, &tphys);

	if (!t)
		return 0;
	for (unsigned long i = 0; i < LPAE_ENTRIES; i++) {
		unsigned long piece = blk_iova + i * sub;
		u64 leaf = ((base + i * sub) & ARM_LPAE_PTE_ADDR_MASK) | attrs |
			   (lvl + 1 == 3 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK);

		if (piece + sub <= iova || piece >= iova + size) {
			t[i] = leaf;		/* untouched piece: still mapped */
		} else if (piece >= iova && piece + sub <= iova + size) {
			t[i] = 0;		/* wholly unmapped */
		} else {
			/* partly: split the piece in turn, in the new table before it is seen */
			t[i] = leaf;
			if (!split_block(d, &t[i], leaf, lvl + 1, piece, iova, size)) {
				for (unsigned long j = 0; j < i; j++)
					if (pte_is_table(t[j], lvl + 1))
						free_subtree(d, t[j] & ARM_LPAE_PTE_ADDR_MASK, lvl + 2);
				free_table(d, t, tphys);
				return 0;
			}
		}
	}
	if (!pte_cas(ptep, blk, tphys | ARM_LPAE_PTE_TYPE_TABLE)) {
		for (unsigned long i = 0; i < LPAE_ENTRIES; i++)
			if (pte_is_table(t[i], lvl + 1))
				free_subtree(d, t[i] & ARM_LPAE_PTE_ADDR_MASK, lvl + 2);
		free_table(d, t, tphys);
		return 0;
	}
	return size;
}

/*
 * The existing table of level @lvl covering @iova, when every level above
 * points to a table; NULL otherwise (nothing there, or a block).
 */
static u64 *leaf_table(struct arm_lpae_io_pgtable *d, unsigned long iova, int lvl)
{
	u64 *table = d->pgd;

	for (int l = d->start_level; l < lvl; l++) {
		u64 pte = pte_load(&table[lvl_idx(iova, l)]);

		if (!pte_is_table(pte, l))
			return NULL;
		table = table_of(d, pte & ARM_LPAE_PTE_ADDR_MASK);
	}
	return table;
}

/* Unmaps one unit of @size at @iova. */
static size_t unmap_one(struct arm_lpae_io_pgtable *d, unsigned long iova, size_t size)
{
	u64 *table = d->pgd;

	for (int lvl = d->start_level; lvl <= 3; lvl++) {
		u64 *ptep = &table[lvl_idx(iova, lvl)];
		u64 pte = pte_load(ptep);

		if (!pte_valid(pte))
			return 0;
		if (lvl_size(lvl) == size) {
			if (!pte_cas(ptep, pte, 0))
				return 0;
			/* a table covered whole goes with its contents */
			if (pte_is_table(pte, lvl))
				retire_subtree(d, pte & ARM_LPAE_PTE_ADDR_MASK, lvl + 1);
			return size;
		}
		if (!pte_is_table(pte, lvl))
			return split_block(d, ptep, pte, lvl, iova & ~(lvl_size(lvl) - 1), iova, size);
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
	if (level_of_size(pgsize) < d->start_level || !pgcount || !IS_ALIGNED(iova, pgsize) ||
	    pgcount > (SIZE_MAX >> __builtin_ctzl(pgsize)) || !in_range(d, iova, pgsize * pgcount))
		return 0;
	for (size_t i = 0; i < pgcount;) {
		unsigned long va = iova + i * pgsize;
		int lvl = level_of_size(pgsize);
		u64 *table = leaf_table(d, va, lvl);
		size_t n;

		if (table) {
			/* the leaves of this table, one after the other, with no walk each */
			size_t idx = lvl_idx(va, lvl), end = min(LPAE_ENTRIES, idx + (pgcount - i));

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

int io_pgtable_walk(struct io_pgtable_ops *ops, unsigned long iova,
		    struct io_pgtable_walk_result *r)
{
	struct io_pgtable_walker w;
	unsigned int shift;
	u64 pte;

	io_pgtable_get_walker(ops, &w);
	if (iova >> w.ias)
		return -ERANGE;
	pte = io_pgtable_leaf(&w, iova, &shift, NULL);
	if (!pte)
		return -ENOENT;
	r->phys = pte & ARM_LPAE_PTE_ADDR_MASK;
	r->size = 1UL << shift;
	r->prot = pte_to_prot(pte);
	r->pte = pte;
	return 0;
}

static phys_addr_t lpae_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct io_pgtable_walk_result r;

	if (io_pgtable_walk(ops, iova, &r))
		return 0;
	return r.phys + (iova & (r.size - 1));
}

int io_pgtable_map(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t size,
		   int prot)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	size_t done = 0;
	int ret = 0;

	if (!size || !IS_ALIGNED(iova | paddr | size, PAGE_SIZE) || !in_range(d, iova, size))
		return -EINVAL;
	if (!phys_in_range(d, paddr, size))
		return -ERANGE;
	if (size == SZ_4K)
		return lpae_map_pages(ops, iova, paddr, SZ_4K, 1, prot, 0, NULL);
	while (done < size) {
		unsigned long va = iova + done;
		phys_addr_t pa = paddr + done;
		size_t left = size - done, pgsize = SZ_4K, count, mapped = 0;

		/* the largest page size both addresses are aligned to and that fits */
		if ((d->cfg.pgsize_bitmap & SZ_1G) && IS_ALIGNED(va | pa, SZ_1G) && left >= SZ_1G)
			pgsize = SZ_1G;
		else if ((d->cfg.pgsize_bitmap & SZ_2M) && IS_ALIGNED(va | pa, SZ_2M) && left >= SZ_2M)
			pgsize = SZ_2M;
		count = left / pgsize;
		/* smaller units only up to where a larger block could start */
		for (size_t big = SZ_1G; big > pgsize; big >>= LPAE_BITS_PER_LEVEL) {
			size_t to_big = (ALIGN(va + 1, big) - va) / pgsize;

			if ((d->cfg.pgsize_bitmap & big) && IS_ALIGNED(va ^ pa, big) &&
			    to_big < count)
				count = to_big;
		}
		ret = lpae_map_pages(ops, va, pa, pgsize, count, prot, 0, &mapped);
		done += mapped;
		if (ret)
			break;
	}
	/* all or nothing: take back what this call mapped, blocks whole */
	if (ret && done)
		io_pgtable_unmap(ops, iova, done);
	return ret;
}

/*
 * The unit for the next piece of an unmap at @va: the largest page size
 * @va is aligned to and @left holds, as iommu_pgsize() picks it; *count
 * such units, up to where a larger unit could start.
 */
static size_t unmap_pgsize(unsigned long bitmap, unsigned long va, size_t left, size_t *count)
{
	size_t pgsize = SZ_4K;

	for (size_t s = SZ_1G; s > SZ_4K; s >>= LPAE_BITS_PER_LEVEL) {
		if ((bitmap & s) && IS_ALIGNED(va, s) && left >= s) {
			pgsize = s;
			break;
		}
	}
	*count = left / pgsize;
	for (size_t s = pgsize << LPAE_BITS_PER_LEVEL; s <= SZ_1G; s <<= LPAE_BITS_PER_LEVEL) {
		if (bitmap & s) {
			size_t to_next = (ALIGN(va + 1, s) - va) / pgsize;

			if (to_next < *count)
				*count = to_next;
			break;
		}
	}
	return pgsize;
}

size_t io_pgtable_unmap(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct arm_lpae_io_pgtable *d = to_data(ops);
	size_t done = 0;

	if (!IS_ALIGNED(iova | size, SZ_4K))
		return 0;
	while (done < size) {
		size_t count, pgsize = unmap_pgsize(d->cfg.pgsize_bitmap, iova + done, size - done,
						    &count);
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

	if (size >= SZ_2M || !size || !IS_ALIGNED(iova | paddr | size, PAGE_SIZE) ||
	    !in_range(d, iova, size) || !phys_in_range(d, paddr, size) ||
	    !(prot & (IOMMU_READ | IOMMU_WRITE)))
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
		if (!pte_set_page(&cur->table[lvl_idx(va, 3)],
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
	return __atomic_load_n(&to_data(ops)->nr_tables, __ATOMIC_RELAXED);
}

struct io_pgtable_ops *alloc_io_pgtable_ops(const struct io_pgtable_cfg *cfg)
{
	struct arm_lpae_io_pgtable *d;
	unsigned int levels;

	if (!cfg || cfg->ias < 20 || cfg->ias > 48 || cfg->oas > 48 || !cfg->alloc_table ||
	    !cfg->free_table || !cfg->phys_to_table || !(cfg->pgsize_bitmap & SZ_4K) ||
	    (cfg->pgsize_bitmap & ~(SZ_4K | SZ_2M | SZ_1G)) || cfg->nr_windows > 16)
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
	levels = DIV_ROUND_UP(cfg->ias - PAGE_SHIFT, LPAE_BITS_PER_LEVEL);
	d->start_level = LPAE_LEVELS - (int)levels;
	/* two levels (ias <= 30) have no level-1 descriptor to hold a 1 GiB block */
	if (d->start_level > 1)
		d->cfg.pgsize_bitmap &= ~SZ_1G;
	d->pgd = alloc_table(d, &d->pgd_phys);
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
