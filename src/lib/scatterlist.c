// SPDX-License-Identifier: MIT
/*
 * Scatter-gather lists, with the kernel's rules (lib/scatterlist.c).
 *
 * A table longer than one array of SG_MAX_SINGLE_ALLOC entries is a chain of
 * such arrays, the last slot of each full array linking to the next, so a
 * table of any length costs one host allocation per 127 entries and is walked
 * in linear time. Tables live in host memory: they describe the machine's
 * pages but are not part of them.
 */
#include <dmamap/scatterlist.h>

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "mm/fail.h"
#include "mm/host.h"
#include "mm/mm.h"

DMAMAP_API void sg_init_table(struct scatterlist *sgl, unsigned int nents)
{
	if (!sgl || !nents)
		return;
	memset(sgl, 0, sizeof(*sgl) * nents);
	sg_mark_end(&sgl[nents - 1]);
}

DMAMAP_API void sg_init_one(struct scatterlist *sg, const void *buf, unsigned int buflen)
{
	struct dmamap_machine *m = mm_linear_machine(buf);

	sg_init_table(sg, 1);
	if (!m) {
		/* not in any machine's linear map: leave an empty entry */
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_BAD_MEMORY, 0, buflen, NULL, NULL,
				"sg_init_one: %p is not in a machine's linear map", buf);
		return;
	}
	sg_set_page(sg, dmamap_virt_to_page(m, buf), buflen,
		    (unsigned int)((unsigned long)buf & (PAGE_SIZE - 1)));
}

DMAMAP_API int sg_nents(struct scatterlist *sg)
{
	int nents;

	for (nents = 0; sg; sg = sg_next(sg))
		nents++;
	return nents;
}

DMAMAP_API int sg_nents_for_len(struct scatterlist *sg, u64 len)
{
	int nents;
	u64 total;

	if (!len)
		return 0;
	for (nents = 0, total = 0; sg; sg = sg_next(sg)) {
		nents++;
		total += sg->length;
		if (total >= len)
			return nents;
	}
	return -EINVAL;
}

DMAMAP_API struct scatterlist *sg_last(struct scatterlist *sgl, unsigned int nents)
{
	struct scatterlist *sg, *ret = NULL;
	unsigned int i;

	/* @nents past the entry marked last: the list ends there */
	for (i = 0, sg = sgl; i < nents && sg; i++, sg = sg_next(sg))
		ret = sg;
	return ret;
}

DMAMAP_API phys_addr_t sg_phys(struct scatterlist *sg)
{
	return page_to_phys(sg_page(sg)) + sg->offset;
}

DMAMAP_API void *sg_virt(struct scatterlist *sg)
{
	return (u8 *)page_address(sg_page(sg)) + sg->offset;
}

/* Entries of a table of @nents: arrays freed one by one, following the chain. */
static void free_arrays(struct scatterlist *sgl, unsigned int num_ents)
{
	const unsigned int max_ents = SG_MAX_SINGLE_ALLOC;

	while (num_ents) {
		unsigned int alloc_size = num_ents, sg_size;
		struct scatterlist *next;

		if (alloc_size > max_ents) {
			next = sg_chain_ptr(&sgl[max_ents - 1]);
			alloc_size = max_ents;
			sg_size = alloc_size - 1;
		} else {
			sg_size = alloc_size;
			next = NULL;
		}
		num_ents -= sg_size;
		free(sgl);
		sgl = next;
	}
}

DMAMAP_API void sg_free_table(struct sg_table *table)
{
	if (!table)
		return;
	if (table->sgl)
		free_arrays(table->sgl, table->orig_nents);
	table->sgl = NULL;
	table->nents = 0;
	table->orig_nents = 0;
}

DMAMAP_API int sg_alloc_table(struct sg_table *table, unsigned int nents, gfp_t gfp)
{
	const unsigned int max_ents = SG_MAX_SINGLE_ALLOC;
	struct scatterlist *prv = NULL;
	unsigned int left = nents;

	(void)gfp;
	if (!table)
		return -EINVAL;
	memset(table, 0, sizeof(*table));
	if (nents == 0)
		return -EINVAL;
	/*
	 * More entries than the host has memory for cannot be had: -ENOMEM at
	 * once, as the kernel's allocation fails, rather than tens of seconds
	 * of allocating and touching the host's lazily granted memory first.
	 */
	if (host_ram_bytes() && (u64)nents * sizeof(struct scatterlist) > host_ram_bytes())
		return -ENOMEM;
	do {
		unsigned int alloc_size = left, sg_size;
		struct scatterlist *sg;

		if (alloc_size > max_ents) {
			alloc_size = max_ents;
			sg_size = alloc_size - 1;	/* the last slot links on */
		} else {
			sg_size = alloc_size;
		}
		sg = mm_kmalloc_host(NULL, alloc_size * sizeof(*sg));
		if (!sg) {
			/* what was built so far is a valid chain of orig_nents entries */
			sg_free_table(table);
			return -ENOMEM;
		}
		sg_init_table(sg, alloc_size);
		left -= sg_size;
		table->nents = table->orig_nents += sg_size;
		if (prv)
			sg_chain(prv, max_ents, sg);
		else
			table->sgl = sg;
		if (!left)
			sg_mark_end(&sg[sg_size - 1]);
		else
			sg_unmark_end(&sg[alloc_size - 1]);
		prv = sg;
	} while (left);
	return 0;
}

static inline bool pages_are_mergeable(struct page *a, struct page *b)
{
	return page_to_pfn(a) == page_to_pfn(b) + 1;
}

/* Where the chunk starting at @cur ends: the first page of the next one. */
static unsigned int chunk_end(struct page **pages, unsigned int n_pages, unsigned int cur,
			      unsigned int max_segment)
{
	unsigned int j, seg_len = 0;

	for (j = cur + 1; j < n_pages; j++) {
		seg_len += PAGE_SIZE;
		if (seg_len >= max_segment || !pages_are_mergeable(pages[j], pages[j - 1]))
			break;
	}
	return j;
}

DMAMAP_API int sg_alloc_table_from_pages_segment(struct sg_table *sgt, struct page **pages,
						 unsigned int n_pages, unsigned int offset,
						 unsigned long size, unsigned int max_segment,
						 gfp_t gfp_mask)
{
	struct scatterlist *s;
	unsigned int chunks, cur, i;
	int ret;

	if (!sgt)
		return -EINVAL;
	/* the merge below would overshoot a max_segment that is not whole pages */
	max_segment = ALIGN_DOWN(max_segment, (unsigned int)PAGE_SIZE);
	if (max_segment < PAGE_SIZE || !pages || !n_pages || !size || offset >= PAGE_SIZE ||
	    size > ((unsigned long)n_pages << PAGE_SHIFT) - offset) {
		memset(sgt, 0, sizeof(*sgt));
		return -EINVAL;
	}
	for (i = 0; i < n_pages; i++) {
		if (!pages[i]) {
			memset(sgt, 0, sizeof(*sgt));
			return -EINVAL;
		}
	}

	/* count the physically contiguous chunks, each at most max_segment */
	for (chunks = 0, cur = 0; cur < n_pages; chunks++)
		cur = chunk_end(pages, n_pages, cur, max_segment);

	ret = sg_alloc_table(sgt, chunks, gfp_mask);
	if (ret)
		return ret;

	/* the first entry starts at offset, the last one is cut to the size */
	for (cur = 0, s = sgt->sgl; cur < n_pages && s; s = sg_next(s)) {
		unsigned int j = chunk_end(pages, n_pages, cur, max_segment);
		unsigned long chunk_size = ((unsigned long)(j - cur) << PAGE_SHIFT) - offset;

		sg_set_page(s, pages[cur], (unsigned int)min_t(unsigned long, size, chunk_size),
			    offset);
		size -= min_t(unsigned long, size, chunk_size);
		offset = 0;
		cur = j;
	}
	return 0;
}

DMAMAP_API int sg_alloc_table_from_pages(struct sg_table *sgt, struct page **pages,
					 unsigned int n_pages, unsigned int offset,
					 unsigned long size, gfp_t gfp_mask)
{
	return sg_alloc_table_from_pages_segment(sgt, pages, n_pages, offset, size, UINT_MAX,
						 gfp_mask);
}

/*
 * Copies between @buf and the list after skipping @skip bytes of it, page by
 * page through the linear map. Returns the bytes copied.
 */
static size_t sg_copy_buffer(struct scatterlist *sgl, unsigned int nents, void *buf,
			     size_t buflen, off_t skip, bool to_buffer)
{
	struct scatterlist *sg;
	size_t done = 0;
	unsigned int i;

	if (!sgl || !buf || skip < 0)
		return 0;
	for_each_sg(sgl, sg, nents, i) {
		size_t len, off = 0;

		/* @nents past the entry marked last: the list ends there */
		if (!sg || done == buflen)
			break;
		len = sg->length;
		if ((size_t)skip >= len) {
			skip -= (off_t)len;
			continue;
		}
		off = (size_t)skip;
		skip = 0;
		if (!sg_page(sg)) {
			mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, len, NULL, NULL,
					"sg_copy: entry %u of %p has %zu bytes and no page; "
					"the copy stops there", i, (void *)sgl, len);
			break;
		}
		while (off < len && done < buflen) {
			size_t in_sg = sg->offset + off;
			struct page *page = sg_page(sg) + (in_sg >> PAGE_SHIFT);
			size_t po = in_sg & (PAGE_SIZE - 1);
			size_t n = min(min(len - off, buflen - done), PAGE_SIZE - po);
			u8 *p = (u8 *)page_address(page) + po;

			if (to_buffer)
				memcpy((u8 *)buf + done, p, n);
			else
				memcpy(p, (u8 *)buf + done, n);
			off += n;
			done += n;
		}
	}
	return done;
}

DMAMAP_API size_t sg_copy_from_buffer(struct scatterlist *sgl, unsigned int nents,
				      const void *buf, size_t buflen)
{
	return sg_copy_buffer(sgl, nents, (void *)buf, buflen, 0, false);
}

DMAMAP_API size_t sg_copy_to_buffer(struct scatterlist *sgl, unsigned int nents, void *buf,
				    size_t buflen)
{
	return sg_copy_buffer(sgl, nents, buf, buflen, 0, true);
}

DMAMAP_API size_t sg_pcopy_from_buffer(struct scatterlist *sgl, unsigned int nents,
				       const void *buf, size_t buflen, off_t skip)
{
	return sg_copy_buffer(sgl, nents, (void *)buf, buflen, skip, false);
}

DMAMAP_API size_t sg_pcopy_to_buffer(struct scatterlist *sgl, unsigned int nents, void *buf,
				     size_t buflen, off_t skip)
{
	return sg_copy_buffer(sgl, nents, buf, buflen, skip, true);
}
