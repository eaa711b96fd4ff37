/* SPDX-License-Identifier: MIT */
/*
 * Scatter-gather lists, as in <linux/scatterlist.h>.
 *
 * An entry's page_link holds the page pointer with two flag bits below it:
 * SG_CHAIN (the entry points to the next array of entries instead of a page)
 * and SG_END (the last entry of the list). Tables larger than one array are
 * chained, so a table can hold any number of entries.
 *
 * Threads: the calls take no lock: a table is its owner's, not to be changed
 * by one thread while another maps or walks it.
 */
#ifndef DMAMAP_SCATTERLIST_H
#define DMAMAP_SCATTERLIST_H

#include <dmamap/types.h>
#include <dmamap/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct scatterlist - one entry of a scatter-gather list
 * @page_link: the page, with SG_CHAIN and SG_END in its two low bits; use
 *	sg_page(), sg_set_page(), sg_chain(), sg_mark_end()
 * @offset: the first byte in the page
 * @length: bytes of the entry, for the CPU
 * @dma_address: the DMA address of a mapped segment (sg_dma_address())
 * @dma_length: the length of a mapped segment (sg_dma_len())
 * @dma_flags: the model's flags of a mapped segment (a bus address of a
 *	peer-to-peer page); drivers leave it alone
 *
 * After dma_map_sg() the CPU fields (page, offset, length) still describe every
 * entry, while the DMA fields of only the first returned count of entries are
 * valid: an IOMMU may have merged entries into fewer segments.
 */
struct scatterlist {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	dma_addr_t dma_address;
	unsigned int dma_length;
	unsigned int dma_flags;
};

/**
 * struct sg_table - a scatter-gather list with its counts
 * @sgl: the first entry (sg_alloc_table())
 * @nents: DMA segments after dma_map_sgtable(); entries before
 * @orig_nents: entries of the list, for the CPU
 */
struct sg_table {
	struct scatterlist *sgl;	/* the list */
	unsigned int nents;		/* mapped entries (DMA segments) */
	unsigned int orig_nents;	/* entries of the list */
};

#define SG_CHAIN	0x01UL
#define SG_END		0x02UL
#define SG_PAGE_LINK_MASK (SG_CHAIN | SG_END)

/* entries in one array of a chained table (one page worth) */
#define SG_MAX_SINGLE_ALLOC	(PAGE_SIZE / sizeof(struct scatterlist))

/**
 * sg_dma_address - the DMA address of a mapped segment
 * @sg: an entry among the first count dma_map_sg() returned
 *
 * An lvalue: backends assign it.
 */
#define sg_dma_address(sg)	((sg)->dma_address)

/**
 * sg_dma_len - the length of a mapped segment
 * @sg: an entry among the first count dma_map_sg() returned
 *
 * An lvalue: backends assign it.
 */
#define sg_dma_len(sg)		((sg)->dma_length)

static inline bool sg_is_chain(const struct scatterlist *sg)
{
	return (sg->page_link & SG_CHAIN) != 0;
}

static inline bool sg_is_last(const struct scatterlist *sg)
{
	return (sg->page_link & SG_END) != 0;
}

static inline struct scatterlist *sg_chain_ptr(const struct scatterlist *sg)
{
	return (struct scatterlist *)(sg->page_link & ~SG_PAGE_LINK_MASK);
}

static inline void sg_assign_page(struct scatterlist *sg, struct page *page)
{
	sg->page_link = (sg->page_link & SG_END) | (unsigned long)page;
}

/**
 * sg_set_page - point an entry at part of a page
 * @sg: the entry
 * @page: the page (of the machine's memory map)
 * @len: bytes
 * @offset: the first byte in @page
 *
 * Keeps the entry's end mark.
 */
static inline void sg_set_page(struct scatterlist *sg, struct page *page,
			       unsigned int len, unsigned int offset)
{
	sg_assign_page(sg, page);
	sg->offset = offset;
	sg->length = len;
}

/**
 * sg_page - the page of an entry
 * @sg: the entry
 *
 * Return: the page (without the flag bits of page_link).
 */
static inline struct page *sg_page(struct scatterlist *sg)
{
	return (struct page *)(sg->page_link & ~SG_PAGE_LINK_MASK);
}

/**
 * sg_mark_end - make an entry the last of its list
 * @sg: the entry
 *
 * sg_next() returns NULL after it.
 */
static inline void sg_mark_end(struct scatterlist *sg)
{
	sg->page_link = (sg->page_link & ~SG_CHAIN) | SG_END;
}

static inline void sg_unmark_end(struct scatterlist *sg)
{
	sg->page_link &= ~SG_END;
}

/**
 * sg_chain - link one array of entries to the next
 * @prv: the first array
 * @prv_nents: its size: its last entry becomes the link, and holds no page
 * @sgl: the next array
 *
 * sg_next() steps over the link. sg_alloc_table() chains arrays itself.
 */
static inline void sg_chain(struct scatterlist *prv, unsigned int prv_nents,
			    struct scatterlist *sgl)
{
	prv[prv_nents - 1].offset = 0;
	prv[prv_nents - 1].length = 0;
	prv[prv_nents - 1].page_link = ((unsigned long)sgl | SG_CHAIN) & ~SG_END;
}

/*
 * A link comes once per SG_MAX_SINGLE_ALLOC entries: said so, the compiler
 * keeps it a branch rather than a conditional move, which would make each
 * step of a list walk wait for the load of the entry it steps past (a plain
 * __builtin_expect is not enough for gcc to give up the move).
 */
#if defined(__has_builtin)
#if __has_builtin(__builtin_expect_with_probability)
#define __sg_rare(x)	__builtin_expect_with_probability(!!(x), 0, 0.001)
#endif
#endif
#ifndef __sg_rare
#define __sg_rare(x)	(x)
#endif

/**
 * sg_next - the entry after this one
 * @sg: the entry
 *
 * Follows chain links.
 *
 * Return: the next entry, or NULL after the one marked the end.
 */
static inline struct scatterlist *sg_next(struct scatterlist *sg)
{
	if (sg_is_last(sg))
		return NULL;
	sg++;
	if (__sg_rare(sg_is_chain(sg)))
		sg = sg_chain_ptr(sg);
	return sg;
}

/**
 * for_each_sg - walk @nr entries of a list
 * @sglist: the first entry
 * @sg: the loop cursor (struct scatterlist *)
 * @nr: entries to visit: orig_nents for the CPU view, the count dma_map_sg()
 *	returned for the DMA segments
 * @__i: the loop counter (int)
 */
#define for_each_sg(sglist, sg, nr, __i) \
	for ((__i) = 0, (sg) = (sglist); (__i) < (nr); (__i)++, (sg) = sg_next(sg))

/**
 * for_each_sgtable_sg - walk every CPU entry of a table
 * @sgt: the table
 * @sg: the loop cursor
 * @i: the loop counter
 *
 * Visits sgt->orig_nents entries: for the CPU view (sg_page(), sg_virt()).
 */
#define for_each_sgtable_sg(sgt, sg, i) \
	for_each_sg((sgt)->sgl, sg, (sgt)->orig_nents, i)

/**
 * for_each_sgtable_dma_sg - walk every DMA segment of a mapped table
 * @sgt: the table, mapped with dma_map_sgtable()
 * @sg: the loop cursor
 * @i: the loop counter
 *
 * Visits sgt->nents segments: for the device's view (sg_dma_address(),
 * sg_dma_len()).
 */
#define for_each_sgtable_dma_sg(sgt, sg, i) \
	for_each_sg((sgt)->sgl, sg, (sgt)->nents, i)

/**
 * struct sg_page_iter - page by page over a list
 *
 * As <linux/scatterlist.h>: the CPU view (every page an entry's offset and
 * length touch) or the DMA view (every page of each DMA segment, the
 * segment's offset into its first page counted as the kernel counts it).
 * Its fields are private.
 */
struct sg_page_iter {
	/* private: */
	struct scatterlist *sg;		/* the entry the page is in */
	unsigned int sg_pgoffset;	/* which page of it */
	unsigned int __nents;		/* entries left, this one included */
	int __pg_advance;		/* 0 before the first step, then 1 */
};

/**
 * struct sg_dma_page_iter - page by page over a list's DMA segments
 * @base: the iterator it is made of (private)
 *
 * for_each_sg_dma_page() steps it; sg_page_iter_dma_address() says where
 * it is.
 */
struct sg_dma_page_iter {
	struct sg_page_iter base;
};

static inline unsigned int __sg_page_count(const struct scatterlist *sg, unsigned int len)
{
	return (unsigned int)(PAGE_ALIGN((unsigned long)sg->offset + len) >> PAGE_SHIFT);
}

static inline void __sg_page_iter_start(struct sg_page_iter *piter, struct scatterlist *sglist,
					unsigned int nents, unsigned long pgoffset)
{
	piter->sg = sglist;
	piter->sg_pgoffset = (unsigned int)pgoffset;
	piter->__nents = nents;
	piter->__pg_advance = 0;
}

/* One step over entries of @dma lengths or CPU lengths: false past the end. */
static inline bool __sg_page_iter_step(struct sg_page_iter *piter, bool dma)
{
	if (!piter->__nents || !piter->sg)
		return false;
	piter->sg_pgoffset += (unsigned int)piter->__pg_advance;
	piter->__pg_advance = 1;
	for (;;) {
		unsigned int n = __sg_page_count(piter->sg, dma ? sg_dma_len(piter->sg)
								: piter->sg->length);

		if (piter->sg_pgoffset < n)
			return true;
		piter->sg_pgoffset -= n;
		piter->sg = sg_next(piter->sg);
		if (!--piter->__nents || !piter->sg)
			return false;
	}
}

static inline bool __sg_page_iter_next(struct sg_page_iter *piter)
{
	return __sg_page_iter_step(piter, false);
}

static inline bool __sg_page_iter_dma_next(struct sg_dma_page_iter *dma_iter)
{
	return __sg_page_iter_step(&dma_iter->base, true);
}

static inline struct page *sg_page_iter_page(struct sg_page_iter *piter)
{
	return sg_page(piter->sg) + piter->sg_pgoffset;
}

static inline dma_addr_t sg_page_iter_dma_address(struct sg_dma_page_iter *dma_iter)
{
	return sg_dma_address(dma_iter->base.sg) +
	       ((dma_addr_t)dma_iter->base.sg_pgoffset << PAGE_SHIFT);
}

#define for_each_sg_page(sglist, piter, nents, pgoffset)			\
	for (__sg_page_iter_start((piter), (sglist), (nents), (pgoffset));	\
	     __sg_page_iter_next(piter);)

#define for_each_sg_dma_page(sglist, dma_iter, dma_nents, pgoffset)		\
	for (__sg_page_iter_start(&(dma_iter)->base, (sglist), (dma_nents), (pgoffset)); \
	     __sg_page_iter_dma_next(dma_iter);)

/* every page of the table's CPU entries, from page @pgoffset */
#define for_each_sgtable_page(sgt, piter, pgoffset) \
	for_each_sg_page((sgt)->sgl, piter, (sgt)->orig_nents, pgoffset)

/* every page of the table's DMA segments, from page @pgoffset */
#define for_each_sgtable_dma_page(sgt, dma_iter, pgoffset) \
	for_each_sg_dma_page((sgt)->sgl, dma_iter, (sgt)->nents, pgoffset)

/**
 * sg_init_table - clear an array of entries and mark the last
 * @sgl: the array
 * @nents: its size; 0 does nothing
 */
DMAMAP_API void sg_init_table(struct scatterlist *sgl, unsigned int nents);

/**
 * sg_init_one - a one-entry list for a buffer of the linear map
 * @sg: the entry
 * @buf: the buffer; it must be in the linear map of a machine
 * @buflen: bytes
 *
 * A buffer outside every machine's linear map (which the kernel would turn
 * into a wrong page) is reported and the entry left cleared.
 */
DMAMAP_API void sg_init_one(struct scatterlist *sg, const void *buf, unsigned int buflen);

/**
 * sg_nents - the number of entries of a list, up to its end mark
 * @sg: the first entry
 *
 * Return: the count (chain links are not counted).
 */
DMAMAP_API int sg_nents(struct scatterlist *sg);

/**
 * sg_nents_for_len - how many entries cover the first @len bytes
 * @sg: the first entry
 * @len: bytes
 *
 * Return: the count; 0 for a @len of 0; -EINVAL when the list is shorter.
 */
DMAMAP_API int sg_nents_for_len(struct scatterlist *sg, u64 len);

/**
 * sg_last - the last entry of a list
 * @s: the first entry
 * @nents: entries of the list; the entry marked last ends it even when
 *	   @nents counts more
 *
 * Return: the last entry, NULL for @nents 0.
 */
DMAMAP_API struct scatterlist *sg_last(struct scatterlist *s, unsigned int nents);

/**
 * sg_phys - the physical address of an entry's first byte
 * @sg: the entry
 *
 * Return: page_to_phys() of its page plus its offset.
 */
DMAMAP_API phys_addr_t sg_phys(struct scatterlist *sg);

/**
 * sg_virt - the CPU address of an entry's first byte
 * @sg: the entry
 *
 * Return: the address in the linear map.
 */
DMAMAP_API void *sg_virt(struct scatterlist *sg);

/**
 * sg_alloc_table - allocate a list of @nents entries
 * @table: the table to fill
 * @nents: entries
 * @gfp: GFP_* flags for the arrays
 *
 * More entries than one page holds (SG_MAX_SINGLE_ALLOC) are chained arrays.
 *
 * Return: 0; -EINVAL (a NULL @table, @nents 0); -ENOMEM. A failed call leaves
 * the table empty.
 */
DMAMAP_API int sg_alloc_table(struct sg_table *table, unsigned int nents, gfp_t gfp);

/**
 * sg_free_table - free the arrays of sg_alloc_table()
 * @table: the table; NULL is ignored
 *
 * The pages the entries point at are not freed.
 */
DMAMAP_API void sg_free_table(struct sg_table *table);

/**
 * sg_alloc_table_from_pages_segment - a table from a page array, merged
 * @sgt:         the table to fill (must be empty)
 * @pages:       the pages
 * @n_pages:     how many
 * @offset:      offset into the first page
 * @size:        bytes in all
 * @max_segment: largest entry, rounded down to whole pages
 * @gfp_mask:    for the table's own memory
 *
 * Pages whose frames follow each other are merged into one entry up to
 * @max_segment bytes. The first entry starts at @offset, the last one is
 * cut so that the entries add up to @size.
 *
 * Return: 0; -EINVAL (max_segment below one page, n_pages 0, size does not fit
 * the pages); -ENOMEM.
 */
DMAMAP_API int sg_alloc_table_from_pages_segment(struct sg_table *sgt, struct page **pages,
						 unsigned int n_pages, unsigned int offset,
						 unsigned long size, unsigned int max_segment,
						 gfp_t gfp_mask);

/**
 * sg_alloc_table_from_pages - a table from a page array, merged without limit
 * @sgt: the table to fill (must be empty)
 * @pages: the pages
 * @n_pages: how many
 * @offset: offset into the first page
 * @size: bytes in all
 * @gfp_mask: for the table's own memory
 *
 * sg_alloc_table_from_pages_segment() with no segment limit.
 *
 * Return: 0 or a negative errno, as sg_alloc_table_from_pages_segment().
 */
DMAMAP_API int sg_alloc_table_from_pages(struct sg_table *sgt, struct page **pages,
					 unsigned int n_pages, unsigned int offset,
					 unsigned long size, gfp_t gfp_mask);

/**
 * sg_copy_from_buffer - copy a linear buffer into the list's pages
 * @sgl: the list
 * @nents: its entries
 * @buf: the source
 * @buflen: bytes
 *
 * Through the linear map: on a non-coherent machine the bytes are in the CPU's
 * cache until a sync or a write-back gives them to the device.
 *
 * Return: bytes copied (less than @buflen when the list is shorter).
 */
DMAMAP_API size_t sg_copy_from_buffer(struct scatterlist *sgl, unsigned int nents,
				      const void *buf, size_t buflen);

/**
 * sg_copy_to_buffer - copy the list's pages into a linear buffer
 * @sgl: the list
 * @nents: its entries
 * @buf: the destination
 * @buflen: bytes
 *
 * Return: bytes copied.
 */
DMAMAP_API size_t sg_copy_to_buffer(struct scatterlist *sgl, unsigned int nents,
				    void *buf, size_t buflen);

/**
 * sg_pcopy_from_buffer - sg_copy_from_buffer() starting @skip bytes into the list
 * @sgl: the list
 * @nents: its entries
 * @buf: the source
 * @buflen: bytes
 * @skip: bytes of the list to skip first
 *
 * Return: bytes copied.
 */
DMAMAP_API size_t sg_pcopy_from_buffer(struct scatterlist *sgl, unsigned int nents,
				       const void *buf, size_t buflen, off_t skip);

/**
 * sg_pcopy_to_buffer - sg_copy_to_buffer() starting @skip bytes into the list
 * @sgl: the list
 * @nents: its entries
 * @buf: the destination
 * @buflen: bytes
 * @skip: bytes of the list to skip first
 *
 * Return: bytes copied.
 */
DMAMAP_API size_t sg_pcopy_to_buffer(struct scatterlist *sgl, unsigned int nents,
				     void *buf, size_t buflen, off_t skip);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_SCATTERLIST_H */
