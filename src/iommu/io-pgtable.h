/* SPDX-License-Identifier: MIT */
/*
 * IOMMU page tables: the ARM LPAE stage-1 format with a 4 KiB, 16 KiB or
 * 64 KiB granule (see io-pgtable-arm.c), kept in pages the caller
 * allocates, walked from memory.
 */
#ifndef DMAMAP_SRC_IOMMU_IO_PGTABLE_H
#define DMAMAP_SRC_IOMMU_IO_PGTABLE_H

#include <dmamap/types.h>

#include "lib/util.h"

/* A range of physical memory the walker can read directly. */
struct io_pgtable_window {
	phys_addr_t base;
	u64 size;
	u8 *host;		/* host address of base */
};

struct io_pgtable_cfg {
	/*
	 * One granule and its block sizes, as ARM's formats define them:
	 * SZ_4K (optionally SZ_2M, SZ_1G), SZ_16K (optionally SZ_32M), or
	 * SZ_64K (optionally SZ_512M).
	 */
	unsigned long pgsize_bitmap;
	unsigned int ias;		/* IOVA bits, 20..48 */
	/* output (physical) bits: 32, 36, 40, 42, 44 or 48 (the IPS sizes); 0: 48 */
	unsigned int oas;
	/*
	 * A zeroed table of @size bytes (a power of two, at least 4 KiB: one
	 * granule, or a smaller top table rounded up to a page), aligned to
	 * its size: its host address, *phys set; NULL on failure.
	 */
	void *(*alloc_table)(void *cookie, size_t size, phys_addr_t *phys);
	void (*free_table)(void *cookie, void *table, phys_addr_t phys, size_t size);
	/* host address of a table page, for phys outside the windows */
	void *(*phys_to_table)(void *cookie, phys_addr_t phys);
	/*
	 * optional: a table descriptor was cleared and its tables are about to
	 * be freed; walk caches must forget them first (the kernel's
	 * tlb_flush_walk). Not called for tables that were never installed.
	 */
	void (*flush_walk)(void *cookie);
	/*
	 * optional: an unmap of [iova, iova+size) asked for part of a block of
	 * @block bytes, which is refused (the kernel's warning); see
	 * io-pgtable-arm.c for why the block is not split.
	 */
	void (*partial_unmap)(void *cookie, unsigned long iova, size_t size, size_t block);
	void *cookie;
	/* optional: where table pages can be read without a call */
	const struct io_pgtable_window *windows;
	unsigned int nr_windows;
};

struct io_pgtable_ops {
	/*
	 * Maps @pgcount pages of @pgsize (one of the page sizes) at @iova. A
	 * block goes in place of a table, whatever the table still maps (the
	 * kernel's arm_lpae_init_pte()).
	 * Return: 0; -EEXIST (a leaf is mapped there: what this call mapped
	 * before it is left, *mapped says how much); -ERANGE (beyond ias or
	 * oas, or wrapping); -EINVAL; -ENOMEM.
	 */
	int (*map_pages)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
			 size_t pgsize, size_t pgcount, int prot, gfp_t gfp, size_t *mapped);
	/*
	 * Unmaps up to @pgcount units of @pgsize at @iova; a table covered
	 * whole is freed; a block larger than the unit is left as it is (and
	 * reported), as the kernel does since it stopped splitting blocks.
	 * Return: bytes unmapped, stopping at the first unit with nothing
	 * mapped or inside a larger block.
	 */
	size_t (*unmap_pages)(struct io_pgtable_ops *ops, unsigned long iova, size_t pgsize,
			      size_t pgcount, void *gather);
	/* 0 when nothing is mapped at @iova */
	phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
};

struct io_pgtable_ops *alloc_io_pgtable_ops(const struct io_pgtable_cfg *cfg);
/* Frees every table page. */
void free_io_pgtable_ops(struct io_pgtable_ops *ops);

/* The page sizes the tables can map: the configuration's, less blocks above the top level. */
unsigned long io_pgtable_pgsizes(struct io_pgtable_ops *ops);

/*
 * Maps [iova, iova+size) to [paddr, ...) with the largest page sizes the
 * alignment of both allows, as iommu_map() picks them. All or nothing
 * (tables a block replaced stay replaced, as in the kernel).
 * Return: 0; -EINVAL (size 0 or not granule aligned, no access in prot);
 * -ERANGE (beyond ias or oas, or wrapping past 2^64); -EEXIST; -ENOMEM.
 */
int io_pgtable_map(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t size,
		   int prot);

/*
 * Unmaps [iova, iova+size) in the largest units the alignment of @iova and
 * @size allow, as iommu_unmap() does: a block is taken whole, never split
 * (a unit inside one unmaps nothing), and a table the range covers whole is
 * freed with what is below it.
 * Return: bytes unmapped, stopping at the first unit with nothing mapped
 * or inside a larger block.
 */
size_t io_pgtable_unmap(struct io_pgtable_ops *ops, unsigned long iova, size_t size);

/*
 * io_pgtable_map() for ranges mapped one after the other, typically the
 * pieces of one IOVA range: with the 4 KiB granule, a range below 2 MiB
 * goes in 4 KiB pages with no walk while it stays in the last-level table
 * of the one before. Same rules and results as io_pgtable_map(). @cur
 * starts zeroed and stays good while nothing unmaps the IOVA space being
 * mapped.
 */
struct io_pgtable_cursor {
	unsigned long base;	/* first IOVA the table below covers */
	u64 *table;		/* a last-level table; NULL: none yet */
	int prot;		/* what attrs was made for; 0: nothing yet */
	u64 attrs;		/* a page descriptor's bits for prot, less the address */
};

int io_pgtable_map_cursor(struct io_pgtable_ops *ops, struct io_pgtable_cursor *cur,
			  unsigned long iova, phys_addr_t paddr, size_t size, int prot);

/* One translation. */
struct io_pgtable_walk_result {
	phys_addr_t phys;	/* the leaf's output address (start of the block) */
	size_t size;		/* the leaf's size: a page size of the format */
	int prot;		/* IOMMU_READ/WRITE/NOEXEC/PRIV/MMIO/CACHE of the leaf */
	u64 pte;		/* the raw descriptor */
};

/* Return: 0, or -ENOENT (nothing mapped), -ERANGE (beyond ias). */
int io_pgtable_walk(struct io_pgtable_ops *ops, unsigned long iova,
		    struct io_pgtable_walk_result *r);

/*
 * Calls @fn for every leaf (page or block) mapped, in IOVA order, going down
 * only the tables that exist; stops at the first non-zero return of @fn and
 * returns it. Not to race with maps and unmaps of the same tables (the
 * caller's picture would be of no moment in particular).
 */
typedef int (*io_pgtable_leaf_fn)(unsigned long iova, const struct io_pgtable_walk_result *r,
				  void *arg);
int io_pgtable_for_each_leaf(struct io_pgtable_ops *ops, io_pgtable_leaf_fn fn, void *arg);

/* Table pages in use. */
unsigned long io_pgtable_nr_tables(struct io_pgtable_ops *ops);

/* Descriptor bits, for tests and the curious. */
#define ARM_LPAE_PTE_TYPE_MASK		3ULL
#define ARM_LPAE_PTE_TYPE_BLOCK		1ULL
#define ARM_LPAE_PTE_TYPE_TABLE		3ULL
#define ARM_LPAE_PTE_TYPE_PAGE		3ULL
#define ARM_LPAE_PTE_ATTRINDX_SHIFT	2
#define ARM_LPAE_PTE_AP_UNPRIV		(1ULL << 6)
#define ARM_LPAE_PTE_AP_RDONLY		(1ULL << 7)
#define ARM_LPAE_PTE_SH_IS		(3ULL << 8)
#define ARM_LPAE_PTE_AF			(1ULL << 10)
#define ARM_LPAE_PTE_NG			(1ULL << 11)
#define ARM_LPAE_PTE_XN			(1ULL << 54)
/* bits 58:55 are for software: the model keeps "no read access" there */
#define ARM_LPAE_PTE_SW_NOREAD		(1ULL << 55)
#define ARM_LPAE_PTE_ADDR_MASK		0x0000fffffffff000ULL

#define ARM_LPAE_MAIR_ATTR_IDX_NC	0
#define ARM_LPAE_MAIR_ATTR_IDX_CACHE	1
#define ARM_LPAE_MAIR_ATTR_IDX_DEV	2

/*
 * What a walker needs to read the tables in place, for a caller that walks
 * often (the IOMMU's bus translation): io_pgtable_leaf() is io_pgtable_walk()
 * inline, without the result's decoding. Read-only once filled in; good for
 * the life of the ops (the top table never moves).
 */
struct io_pgtable_walker {
	const u64 *pgd;
	unsigned int ias;
	int start_level;
	unsigned int pg_shift;		/* log2 of the granule */
	unsigned int bits;		/* IOVA bits per level */
	unsigned int block_shift;	/* log2 of the largest block the format has */
	/* the first window, inline: the tables are nearly always in it */
	phys_addr_t win_base;
	u64 win_size;			/* 0: no window */
	u8 *win_host;
	struct io_pgtable_ops *ops;
};

void io_pgtable_get_walker(struct io_pgtable_ops *ops, struct io_pgtable_walker *w);
/* A table page outside the first window (out of line: the tables are normally in it). */
const u64 *io_pgtable_table_slow(struct io_pgtable_ops *ops, phys_addr_t phys);

/* The host address of the table a table descriptor points to. */
static inline const u64 *io_pgtable_next_table(const struct io_pgtable_walker *w, u64 pte)
{
	phys_addr_t next = pte & ARM_LPAE_PTE_ADDR_MASK;

	if (likely(next - w->win_base < w->win_size))
		return (const u64 *)(w->win_host + (next - w->win_base));
	return io_pgtable_table_slow(w->ops, next);
}

/*
 * io_pgtable_leaf() for a 16 KiB or 64 KiB granule (without @l3): out of
 * line, so that the 4 KiB walk keeps its constants.
 */
u64 io_pgtable_leaf_granule(const struct io_pgtable_walker *w, unsigned long iova,
			    unsigned int *shift);

/*
 * The leaf descriptor that maps @iova in a 4 KiB-granule table (see
 * io_pgtable_leaf_granule() for the others), or 0 when nothing does (or
 * @iova is beyond ias); *@shift is then log2 of the leaf's size. When the walk
 * reached a level-3 table, *@l3 is its host address (for a walk cache;
 * @l3 may be NULL). The descriptors are read with acquire loads, as
 * io_pgtable_walk() does: a table's contents were written before the
 * descriptor that points to it.
 */
static inline u64 io_pgtable_leaf(const struct io_pgtable_walker *w, unsigned long iova,
				  unsigned int *shift, const u64 **l3)
{
	const u64 *table = w->pgd;
	unsigned int sh = PAGE_SHIFT + (unsigned int)(3 - w->start_level) * 9;
	u64 pte;

	if (iova >> w->ias)
		return 0;
	/* levels that may hold tables; a block ends the walk early */
	for (; sh > PAGE_SHIFT; sh -= 9) {
		pte = smp_load_acquire(&table[(iova >> sh) & 511]);
		if (unlikely((pte & ARM_LPAE_PTE_TYPE_MASK) != ARM_LPAE_PTE_TYPE_TABLE)) {
			*shift = sh;
			/* invalid, or a block (none at level 0) */
			return (pte & 1) && sh <= PAGE_SHIFT + 2 * 9 ? pte : 0;
		}
		table = io_pgtable_next_table(w, pte);
	}
	/* level 3: the table encoding is the page one */
	if (l3)
		*l3 = table;
	pte = smp_load_acquire(&table[(iova >> PAGE_SHIFT) & 511]);
	*shift = PAGE_SHIFT;
	return (pte & 1) ? pte : 0;
}

#endif
