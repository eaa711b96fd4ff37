// SPDX-License-Identifier: MIT
/*
 * Scatter-gather lists (src/lib/scatterlist.c).
 *
 * The from-pages table follows the cases of the kernel's
 * tools/testing/scatterlist, extended with the length of every entry and
 * with offsets; then long chained tables, the copy helpers and the small
 * accessors.
 */
#include "test-util.h"
#include "lib/util.h"

#include <dmamap/scatterlist.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the default machine: 256 MiB of RAM at 0x80000000 */
#define RAM_PFN		(0x80000000UL >> PAGE_SHIFT)
#define P		((unsigned int)PAGE_SIZE)
#define SGMAX		UINT_MAX
#define MAX_CASE_PAGES	16

struct sg_case {
	int ret;			/* what the allocation returns */
	unsigned int npages;
	const unsigned int *pfns;	/* relative to the first frame of RAM */
	unsigned int offset;
	unsigned long size;
	unsigned int max_seg;
	unsigned int nents;		/* entries expected */
	const unsigned int *lens;	/* their lengths */
};

#define pfn(...) ((const unsigned int[]){ __VA_ARGS__ })
#define len(...) ((const unsigned int[]){ __VA_ARGS__ })

/*
 * Pages whose frames follow each other share an entry, up to max_segment
 * bytes (rounded down to whole pages; less than one page is refused). The
 * first entry starts at the offset, the last one is cut to the size.
 */
static const struct sg_case cases[] = {
	/* max_segment below one page */
	{ -EINVAL, 1, pfn(0), 0, P, 0, 0, NULL },
	{ -EINVAL, 1, pfn(0), 0, P, P - 1, 0, NULL },
	/* one page, whatever the (rounded) max_segment */
	{ 0, 1, pfn(0), 0, P, P + 1, 1, len(P) },
	{ 0, 1, pfn(0), 0, P, SGMAX, 1, len(P) },
	{ 0, 1, pfn(0), 0, P, SGMAX & ~(P - 1), 1, len(P) },
	{ 0, 1, pfn(0), 0, 1, SGMAX, 1, len(1) },
	/* merging needs ascending consecutive frames */
	{ 0, 2, pfn(0, 1), 0, 2 * P, SGMAX, 1, len(2 * P) },
	{ 0, 2, pfn(1, 0), 0, 2 * P, SGMAX, 2, len(P, P) },
	{ 0, 3, pfn(0, 1, 2), 0, 3 * P, SGMAX, 1, len(3 * P) },
	{ 0, 3, pfn(0, 2, 1), 0, 3 * P, SGMAX, 3, len(P, P, P) },
	{ 0, 2, pfn(0, 2), 0, 2 * P, SGMAX, 2, len(P, P) },
	{ 0, 2, pfn(5, 5), 0, 2 * P, SGMAX, 2, len(P, P) },
	{ 0, 3, pfn(0, 1, 3), 0, 3 * P, SGMAX, 2, len(2 * P, P) },
	{ 0, 3, pfn(1, 2, 4), 0, 3 * P, SGMAX, 2, len(2 * P, P) },
	{ 0, 3, pfn(1, 3, 4), 0, 3 * P, SGMAX, 2, len(P, 2 * P) },
	{ 0, 4, pfn(0, 1, 3, 4), 0, 4 * P, SGMAX, 2, len(2 * P, 2 * P) },
	{ 0, 5, pfn(0, 1, 3, 4, 5), 0, 5 * P, SGMAX, 2, len(2 * P, 3 * P) },
	{ 0, 5, pfn(0, 1, 3, 4, 6), 0, 5 * P, SGMAX, 3, len(2 * P, 2 * P, P) },
	{ 0, 5, pfn(0, 1, 2, 3, 4), 0, 5 * P, SGMAX, 1, len(5 * P) },
	/* max_segment splits a run */
	{ 0, 5, pfn(0, 1, 2, 3, 4), 0, 5 * P, 2 * P, 3, len(2 * P, 2 * P, P) },
	{ 0, 6, pfn(0, 1, 2, 3, 4, 5), 0, 6 * P, 2 * P, 3, len(2 * P, 2 * P, 2 * P) },
	{ 0, 6, pfn(0, 2, 3, 4, 5, 6), 0, 6 * P, 2 * P, 4, len(P, 2 * P, 2 * P, P) },
	{ 0, 6, pfn(0, 1, 3, 4, 5, 6), 0, 6 * P, 2 * P, 3, len(2 * P, 2 * P, 2 * P) },
	{ 0, 4, pfn(0, 1, 2, 3), 0, 4 * P, P, 4, len(P, P, P, P) },
	{ 0, 7, pfn(0, 1, 2, 3, 4, 5, 6), 0, 7 * P, 3 * P + 100, 3, len(3 * P, 3 * P, P) },
	{ 0, 7, pfn(0, 1, 2, 3, 4, 5, 6), 0, 7 * P, 4 * P - 1, 3, len(3 * P, 3 * P, P) },
	/* a large max_segment never splits */
	{ 0, 12, pfn(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 0, 12 * P, 64 * P, 1, len(12 * P) },
	/* the offset goes to the first entry, the size cuts the last one */
	{ 0, 2, pfn(0, 1), 100, 2 * P - 100, SGMAX, 1, len(2 * P - 100) },
	{ 0, 3, pfn(0, 1, 3), 100, 3 * P - 100, SGMAX, 2, len(2 * P - 100, P) },
	{ 0, 3, pfn(0, 1, 3), 100, 2 * P, SGMAX, 2, len(2 * P - 100, 100) },
	{ 0, 3, pfn(0, 1, 3), 0, 2 * P + 1, SGMAX, 2, len(2 * P, 1) },
	{ 0, 2, pfn(0, 2), P - 1, 2, SGMAX, 2, len(1, 1) },
	{ 0, 4, pfn(0, 1, 2, 3), 200, 3 * P, 2 * P, 2, len(2 * P - 200, P + 200) },
	{ 0, 1, pfn(7), P - 1, 1, P, 1, len(1) },
	/* the size must fit the pages after the offset; the offset a page */
	{ -EINVAL, 1, pfn(0), 0, P + 1, SGMAX, 0, NULL },
	{ -EINVAL, 2, pfn(0, 1), 1, 2 * P, SGMAX, 0, NULL },
	{ -EINVAL, 2, pfn(0, 1), P, P, SGMAX, 0, NULL },
	{ -EINVAL, 1, pfn(0), 0, 0, SGMAX, 0, NULL },
};

/* Checks a table against what the case expects, entry by entry. */
static void check_case(const struct sg_case *c, struct page **pages, struct sg_table *st)
{
	struct scatterlist *sg;
	unsigned int i, first = 0;
	unsigned long total = 0;

	assert_int_equal(st->nents, c->nents);
	assert_int_equal(st->orig_nents, c->nents);
	assert_int_equal(sg_nents(st->sgl), c->nents);
	for_each_sgtable_sg(st, sg, i) {
		unsigned int npg = DIV_ROUND_UP((i ? 0 : c->offset) + sg->length, P);

		assert_int_equal(sg->length, c->lens[i]);
		/* each entry starts at the first page of its run */
		assert_ptr_equal(sg_page(sg), pages[first]);
		assert_int_equal(sg->offset, i ? 0 : c->offset);
		assert_int_equal(sg_is_last(sg), i == c->nents - 1);
		assert_int_equal(sg_phys(sg), page_to_phys(pages[first]) + sg->offset);
		/* every page the entry covers is the frame after the previous one */
		for (unsigned int k = 1; k < npg; k++)
			assert_int_equal(page_to_pfn(pages[first + k]),
					 page_to_pfn(pages[first]) + k);
		total += sg->length;
		/* whole pages per entry except for the size cut at the end */
		if (i != c->nents - 1)
			assert_int_equal((sg->offset + sg->length) % P, 0);
		first += npg;
	}
	assert_int_equal(total, c->size);
	assert_true(sg_is_last(sg_last(st->sgl, st->orig_nents)));
}

static void test_from_pages_table(void **state)
{
	struct dmamap_machine *m = *state;

	for (unsigned int t = 0; t < ARRAY_SIZE(cases); t++) {
		const struct sg_case *c = &cases[t];
		struct page *pages[MAX_CASE_PAGES];
		struct sg_table st;
		int ret;

		assert_true(c->npages <= MAX_CASE_PAGES);
		for (unsigned int i = 0; i < c->npages; i++) {
			pages[i] = dmamap_pfn_to_page(m, RAM_PFN + c->pfns[i]);
			assert_non_null(pages[i]);
		}
		memset(&st, 0xa5, sizeof(st));
		ret = sg_alloc_table_from_pages_segment(&st, pages, c->npages, c->offset, c->size,
							c->max_seg, 0);
		if (ret != c->ret)
			print_error("case %u: ret %d, expected %d\n", t, ret, c->ret);
		assert_int_equal(ret, c->ret);
		if (ret) {
			/* a failed call leaves the table empty */
			assert_null(st.sgl);
			assert_int_equal(st.nents, 0);
			assert_int_equal(st.orig_nents, 0);
			continue;
		}
		check_case(c, pages, &st);
		sg_free_table(&st);
		assert_null(st.sgl);

		/* without a segment limit: same as UINT_MAX */
		if (c->max_seg == SGMAX) {
			assert_int_equal(sg_alloc_table_from_pages(&st, pages, c->npages, c->offset,
								   c->size, 0), 0);
			check_case(c, pages, &st);
			sg_free_table(&st);
		}
	}
}

/*
 * Many pages in runs of 1..5 frames with gaps: more entries than one array
 * holds, so the table is chained; the runs come back one entry each, cut by
 * max_segment.
 */
static void test_from_pages_long(void **state)
{
	enum { NPAGES = 1500 };
	struct dmamap_machine *m = *state;
	struct page **pages = calloc(NPAGES, sizeof(*pages));
	unsigned int *run_of = calloc(NPAGES, sizeof(*run_of));
	unsigned int runs = 0, pfn = 3;
	u64 rng = 0x5ca77e1;

	assert_non_null(pages);
	assert_non_null(run_of);
	for (unsigned int i = 0; i < NPAGES;) {
		unsigned int n = 1 + (unsigned int)(test_rand(&rng) % 5);

		for (unsigned int k = 0; k < n && i < NPAGES; k++, i++) {
			pages[i] = dmamap_pfn_to_page(m, RAM_PFN + pfn++);
			run_of[i] = runs;
		}
		runs++;
		pfn += 1 + (unsigned int)(test_rand(&rng) % 3);	/* the gap */
	}
	for (unsigned int max_pages = 1; max_pages <= 6; max_pages++) {
		unsigned int offset = max_pages * 37 % P;
		unsigned long size = (unsigned long)NPAGES * P - offset - 5;
		unsigned int expect = 0, i, cur = 0;
		struct scatterlist *sg;
		struct sg_table st;

		/* the expected entries: each run cut into max_pages pieces */
		for (i = 0; i < NPAGES; i++)
			if (i == 0 || run_of[i] != run_of[i - 1] || (i - cur) == max_pages) {
				expect++;
				cur = i;
			}
		assert_true(expect > SG_MAX_SINGLE_ALLOC);
		assert_int_equal(sg_alloc_table_from_pages_segment(&st, pages, NPAGES, offset, size,
								   max_pages * P + 1, 0), 0);
		assert_int_equal(st.orig_nents, expect);
		assert_int_equal(sg_nents(st.sgl), expect);
		cur = 0;
		for_each_sgtable_sg(&st, sg, i) {
			unsigned int n = 1;

			while (cur + n < NPAGES && n < max_pages && run_of[cur + n] == run_of[cur])
				n++;
			assert_ptr_equal(sg_page(sg), pages[cur]);
			assert_int_equal(sg->offset, i ? 0 : offset);
			if (i == 0)
				assert_int_equal(sg->length, n * P - offset);
			else if (i == expect - 1)
				assert_int_equal(sg->length, n * P - 5);
			else
				assert_int_equal(sg->length, n * P);
			cur += n;
		}
		assert_int_equal(cur, NPAGES);
		assert_true(sg_is_last(sg_last(st.sgl, st.orig_nents)));
		sg_free_table(&st);
	}
	free(run_of);
	free(pages);
}

/*
 * A table of a million entries: chained arrays walked by sg_next(); every
 * entry keeps what was written into it, the count is right and the last
 * entry is the one marked.
 */
static void test_million_entries(void **state)
{
	const unsigned int n = 1000000;
	struct dmamap_machine *m = *state;
	struct page *base = dmamap_pfn_to_page(m, RAM_PFN);
	struct scatterlist *sg, *last = NULL;
	struct sg_table st;
	unsigned int i, count = 0, chains = 0;
	u64 total = 0;

	assert_int_equal(sg_alloc_table(&st, n, 0), 0);
	assert_int_equal(st.orig_nents, n);
	assert_int_equal(st.nents, n);
	for_each_sg(st.sgl, sg, st.orig_nents, i) {
		assert_false(sg_is_chain(sg));
		sg_set_page(sg, base + i % 4096, 1 + i % 4096, i % 7);
		sg_dma_address(sg) = (dma_addr_t)i << 12;
		sg_dma_len(sg) = i;
	}
	for_each_sgtable_sg(&st, sg, i) {
		assert_ptr_equal(sg_page(sg), base + i % 4096);
		assert_int_equal(sg->length, 1 + i % 4096);
		assert_int_equal(sg->offset, i % 7);
		assert_int_equal(sg_dma_address(sg), (dma_addr_t)i << 12);
		assert_int_equal(sg_dma_len(sg), i);
		total += sg->length;
		count++;
		last = sg;
		/* the array ends in a chain link, not in an entry */
		if (!sg_is_last(sg) && sg_is_chain(sg + 1))
			chains++;
	}
	assert_int_equal(count, n);
	assert_int_equal(chains, DIV_ROUND_UP(n, SG_MAX_SINGLE_ALLOC - 1) - 1);
	assert_true(sg_is_last(last));
	assert_null(sg_next(last));
	assert_int_equal(sg_nents(st.sgl), n);
	assert_ptr_equal(sg_last(st.sgl, st.orig_nents), last);
	assert_int_equal(sg_nents_for_len(st.sgl, total), n);
	assert_int_equal(sg_nents_for_len(st.sgl, total - last->length + 1), n);
	assert_int_equal(sg_nents_for_len(st.sgl, total - last->length), n - 1);
	assert_int_equal(sg_nents_for_len(st.sgl, total + 1), -EINVAL);
	assert_int_equal(sg_nents_for_len(st.sgl, 1), 1);
	assert_int_equal(sg_nents_for_len(st.sgl, 0), 0);
	sg_free_table(&st);
	assert_null(st.sgl);
	assert_int_equal(st.orig_nents, 0);
}

/*
 * Table sizes around the array boundary: one array holds
 * SG_MAX_SINGLE_ALLOC entries, one more needs a chain whose link slot is
 * no entry.
 */
static void test_alloc_table_sizes(void **state)
{
	const unsigned int a = SG_MAX_SINGLE_ALLOC;
	const unsigned int sizes[] = { 1, 2, a - 1, a, a + 1, 2 * a - 2, 2 * a - 1, 2 * a,
				       5 * a + 3 };

	(void)state;
	for (unsigned int k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct scatterlist *sg, *prev = NULL;
		struct sg_table st;
		unsigned int i, count = 0;

		assert_int_equal(sg_alloc_table(&st, sizes[k], 0), 0);
		for_each_sgtable_sg(&st, sg, i) {
			/* fresh entries are empty and distinct */
			assert_null(sg_page(sg));
			assert_int_equal(sg->length, 0);
			assert_int_equal(sg->offset, 0);
			assert_ptr_not_equal(sg, prev);
			assert_int_equal(sg_is_last(sg), i == sizes[k] - 1);
			prev = sg;
			count++;
		}
		assert_int_equal(count, sizes[k]);
		assert_int_equal(sg_nents(st.sgl), sizes[k]);
		assert_ptr_equal(sg_last(st.sgl, sizes[k]), prev);
		sg_free_table(&st);
	}
}

/* The linear offset @pos of a list, in its pages: where the copy helpers go. */
static u8 *sg_byte(struct scatterlist *sgl, size_t pos)
{
	struct scatterlist *sg;

	for (sg = sgl; sg; sg = sg_next(sg)) {
		if (pos < sg->length) {
			size_t in = sg->offset + pos;

			return (u8 *)page_address(sg_page(sg) + in / PAGE_SIZE) + in % PAGE_SIZE;
		}
		pos -= sg->length;
	}
	return NULL;
}

/*
 * The copy helpers walk the entries in order, honour each entry's offset
 * and length (entries spanning pages included, across a chain link), stop
 * at the shorter of buffer and list, and the p-variants skip bytes first.
 */
static void test_copy(void **state)
{
	enum { NENTS = 300 };
	struct dmamap_machine *m = *state;
	struct page *block = dmamap_alloc_pages(m, __GFP_ZERO, 7);	/* 128 pages */
	struct scatterlist *sg;
	struct sg_table st;
	size_t total = 0, got;
	unsigned int i;
	u8 *buf, *back;
	u64 rng = 77;

	assert_non_null(block);
	assert_int_equal(sg_alloc_table(&st, NENTS, 0), 0);
	/*
	 * Short entries at odd offsets in the first 64 pages, pages shared by
	 * several entries in disjoint byte ranges and in shuffled order; every
	 * tenth entry spans two pages of the upper half.
	 */
	for_each_sgtable_sg(&st, sg, i) {
		unsigned int slot = i / 64;	/* 0..4: the range in the page */
		unsigned int pg = (i * 29) % 64;

		if (i % 10 == 0) {
			unsigned int off = 100 + (unsigned int)(test_rand(&rng) % 3000);

			sg_set_page(sg, block + 64 + 2 * (i / 10), 2 * P - off -
				    (unsigned int)(test_rand(&rng) % 50), off);
		} else {
			unsigned int off = 1024 + slot * 600 + (unsigned int)(test_rand(&rng) % 8);

			sg_set_page(sg, block + pg, 1 + (unsigned int)(test_rand(&rng) % 580), off);
		}
		total += sg->length;
	}
	/* no byte of the machine is covered twice */
	{
		u8 *seen = calloc(128 * P, 1);
		u8 *base = page_address(block);

		assert_non_null(seen);
		for (size_t pos = 0; pos < total; pos++) {
			size_t at = (size_t)(sg_byte(st.sgl, pos) - base);

			assert_true(at < 128 * P);
			assert_int_equal(seen[at], 0);
			seen[at] = 1;
		}
		free(seen);
	}
	buf = malloc(total + 100);
	back = malloc(total + 100);
	assert_non_null(buf);
	assert_non_null(back);
	test_fill_pattern(buf, total + 100, 5);

	/* from a buffer: every byte lands where the entries say */
	got = sg_copy_from_buffer(st.sgl, st.orig_nents, buf, total + 100);
	assert_int_equal(got, total);
	for (size_t pos = 0; pos < total; pos++)
		assert_int_equal(*sg_byte(st.sgl, pos), buf[pos]);
	/* and back */
	memset(back, 0, total + 100);
	assert_int_equal(sg_copy_to_buffer(st.sgl, st.orig_nents, back, total + 100), total);
	assert_memory_equal(back, buf, total);
	assert_int_equal(back[total], 0);

	/* a buffer shorter than the list: only its bytes */
	memset(back, 0, total);
	assert_int_equal(sg_copy_to_buffer(st.sgl, st.orig_nents, back, 1234), 1234);
	assert_memory_equal(back, buf, 1234);
	assert_int_equal(back[1234], 0);

	/* fewer entries than the list has: only theirs */
	{
		size_t first = 0;

		for_each_sg(st.sgl, sg, 150, i)
			first += sg->length;
		assert_int_equal(sg_copy_to_buffer(st.sgl, 150, back, total), first);
	}

	/* skip: the p-variants start @skip bytes into the list */
	for (unsigned int k = 0; k < 20; k++) {
		size_t skip = (size_t)(test_rand(&rng) % (total + 10));
		size_t want = skip >= total ? 0 : min((size_t)777, total - skip);
		u8 chunk[777];

		test_fill_pattern(chunk, sizeof(chunk), 100 + k);
		got = sg_pcopy_from_buffer(st.sgl, st.orig_nents, chunk, sizeof(chunk),
					   (off_t)skip);
		assert_int_equal(got, want);
		for (size_t j = 0; j < want; j++) {
			assert_int_equal(*sg_byte(st.sgl, skip + j), chunk[j]);
			buf[skip + j] = chunk[j];	/* the reference follows */
		}
		memset(chunk, 0, sizeof(chunk));
		assert_int_equal(sg_pcopy_to_buffer(st.sgl, st.orig_nents, chunk, sizeof(chunk),
						    (off_t)skip), want);
		assert_memory_equal(chunk, buf + skip, want);
	}
	/* the bytes before and after every p-copy were kept */
	assert_int_equal(sg_copy_to_buffer(st.sgl, st.orig_nents, back, total), total);
	assert_memory_equal(back, buf, total);
	/* a negative skip copies nothing */
	assert_int_equal(sg_pcopy_to_buffer(st.sgl, st.orig_nents, back, 10, -1), 0);

	free(back);
	free(buf);
	sg_free_table(&st);
	dmamap_free_pages(block, 7);
}

/*
 * sg_chain() joins arrays of any size; sg_next() follows the link and the
 * link slot is no entry; the end mark stops the walk.
 */
static void test_chain(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct page *base = dmamap_pfn_to_page(m, RAM_PFN + 100);
	struct scatterlist a[4], b[3], c[2], *sg;
	unsigned int i, n = 0;
	/* a[0..2], b[0..1], c[0..1]: 7 entries, links in a[3] and b[2] */
	struct scatterlist *want[] = { &a[0], &a[1], &a[2], &b[0], &b[1], &c[0], &c[1] };

	(void)state;
	sg_init_table(a, 4);
	sg_init_table(b, 3);
	sg_init_table(c, 2);
	assert_true(sg_is_last(&a[3]));
	sg_chain(a, 4, b);
	sg_chain(b, 3, c);
	assert_true(sg_is_chain(&a[3]));
	assert_false(sg_is_last(&a[3]));
	assert_ptr_equal(sg_chain_ptr(&a[3]), b);
	for (sg = a; sg; sg = sg_next(sg)) {
		assert_true(n < ARRAY_SIZE(want));
		assert_ptr_equal(sg, want[n]);
		sg_set_page(sg, base + n, 100 + n, n);
		n++;
	}
	assert_int_equal(n, 7);
	assert_int_equal(sg_nents(a), 7);
	assert_int_equal(sg_nents(b), 4);
	assert_ptr_equal(sg_last(a, 7), &c[1]);
	assert_ptr_equal(sg_last(a, 4), &b[0]);
	for_each_sg(a, sg, 7, i) {
		assert_ptr_equal(sg_page(sg), base + i);
		assert_int_equal(sg->length, 100 + i);
	}
	/* setting a page keeps the end mark; marking the end elsewhere shortens the list */
	assert_true(sg_is_last(&c[1]));
	sg_mark_end(&b[1]);
	assert_int_equal(sg_nents(a), 5);
	assert_ptr_equal(sg_page(&b[1]), base + 4);
	sg_unmark_end(&b[1]);
	assert_int_equal(sg_nents(a), 7);
	dmamap_machine_destroy(m);
}

/*
 * The page iterators, as the kernel's: every page an entry's offset and
 * length touch, across a chain link, an empty entry skipped, starting
 * pages in and stopping after the entries asked for; the DMA view walks
 * the DMA segments, counting the entry's offset as the kernel does.
 */
static void test_page_iter(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct page *base = dmamap_pfn_to_page(m, RAM_PFN + 100);
	static const unsigned int all[] = { 0, 1, 2, 10, 20, 21, 40, 41, 42, 43 };
	struct scatterlist a[4], b[3];
	struct sg_dma_page_iter diter;
	struct sg_page_iter piter;
	struct sg_table sgt = { .sgl = a, .nents = 2, .orig_nents = 5 };
	dma_addr_t dmas[8];
	unsigned int n;

	(void)state;
	sg_init_table(a, 4);
	sg_init_table(b, 3);
	sg_chain(a, 4, b);
	sg_set_page(&a[0], base + 0, 2 * P, 100);	/* pages 0, 1, 2 */
	sg_set_page(&a[1], base + 10, P, 0);		/* 10 */
	sg_set_page(&a[2], base + 20, 2, P - 1);	/* 20, 21 */
	sg_set_page(&b[0], base + 30, 0, 0);		/* none */
	sg_set_page(&b[1], base + 40, 3 * P + 1, 0);	/* 40 to 43 */
	sg_mark_end(&b[1]);

	n = 0;
	for_each_sgtable_page(&sgt, &piter, 0) {
		assert_true(n < ARRAY_SIZE(all));
		assert_ptr_equal(sg_page_iter_page(&piter), base + all[n]);
		n++;
	}
	assert_int_equal(n, ARRAY_SIZE(all));
	/* from page 2 of the list, then from page 4 (past the first two entries) */
	for (unsigned int from = 0; from <= ARRAY_SIZE(all) + 1; from++) {
		n = 0;
		for_each_sg_page(a, &piter, 5, from)
			assert_ptr_equal(sg_page_iter_page(&piter), base + all[from + n++]);
		assert_int_equal(n, from < ARRAY_SIZE(all) ? ARRAY_SIZE(all) - from : 0);
	}
	/* two entries: their four pages only */
	n = 0;
	for_each_sg_page(a, &piter, 2, 0)
		n++;
	assert_int_equal(n, 4);
	n = 0;
	for_each_sg_page(a, &piter, 0, 0)
		n++;
	assert_int_equal(n, 0);

	/* two DMA segments: 3 pages + 100 bytes of offset make 4 pages, then 2 */
	sg_dma_address(&a[0]) = 0x10000000;
	sg_dma_len(&a[0]) = 3 * P;
	sg_dma_address(&a[1]) = 0x20000000;
	sg_dma_len(&a[1]) = 2 * P;
	n = 0;
	for_each_sgtable_dma_page(&sgt, &diter, 0) {
		assert_true(n < ARRAY_SIZE(dmas));
		dmas[n++] = sg_page_iter_dma_address(&diter);
	}
	assert_int_equal(n, 6);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(dmas[i], 0x10000000 + i * P);
	assert_int_equal(dmas[4], 0x20000000);
	assert_int_equal(dmas[5], 0x20000000 + P);
	n = 0;
	for_each_sgtable_dma_page(&sgt, &diter, 5)
		assert_int_equal(sg_page_iter_dma_address(&diter), 0x20000000 + ++n * P);
	assert_int_equal(n, 1);
	dmamap_machine_destroy(m);
}

/*
 * sg_init_one() describes one buffer of the linear map; sg_set_page() and
 * sg_page() round-trip and keep the flag bits; the DMA fields are separate
 * from the CPU ones.
 */
static void test_accessors(void **state)
{
	struct dmamap_machine *m = *state;
	u8 *buf = dmamap_kmalloc(m, 3000, 0);
	struct page *pg = dmamap_alloc_pages(m, 0, 0);
	struct scatterlist sg[3], one;	/* one spare: sg_next() reads past a list only when wrong */
	u8 stack[16];

	assert_non_null(buf);
	assert_non_null(pg);
	sg_init_one(&one, buf + 10, 2000);
	assert_ptr_equal(sg_page(&one), dmamap_virt_to_page(m, buf + 10));
	assert_int_equal(one.offset, ((unsigned long)buf + 10) % PAGE_SIZE);
	assert_int_equal(one.length, 2000);
	assert_true(sg_is_last(&one));
	assert_false(sg_is_chain(&one));
	assert_ptr_equal(sg_virt(&one), buf + 10);
	assert_int_equal(sg_nents(&one), 1);
	/* the copy helpers reach the buffer through the entry */
	test_fill_pattern(stack, sizeof(stack), 9);
	assert_int_equal(sg_copy_from_buffer(&one, 1, stack, sizeof(stack)), sizeof(stack));
	assert_memory_equal(buf + 10, stack, sizeof(stack));

	/* a buffer that is not in the machine's linear map gets no page */
	sg_init_one(&one, stack, sizeof(stack));
	assert_null(sg_page(&one));
	assert_true(sg_is_last(&one));

	sg_init_table(sg, 2);
	assert_false(sg_is_last(&sg[0]));
	assert_true(sg_is_last(&sg[1]));
	sg_set_page(&sg[1], pg, 123, 45);
	assert_ptr_equal(sg_page(&sg[1]), pg);
	assert_true(sg_is_last(&sg[1]));		/* the end mark survives */
	assert_int_equal(sg[1].length, 123);
	assert_int_equal(sg[1].offset, 45);
	assert_int_equal(sg_phys(&sg[1]), page_to_phys(pg) + 45);
	assert_ptr_equal(sg_virt(&sg[1]), (u8 *)page_address(pg) + 45);
	sg_set_page(&sg[1], pg + 0, 7, 0);
	assert_int_equal(sg[1].length, 7);
	sg_dma_address(&sg[1]) = 0xfff00000;
	sg_dma_len(&sg[1]) = 999;
	assert_int_equal(sg[1].dma_address, 0xfff00000);
	assert_int_equal(sg[1].dma_length, 999);
	assert_ptr_equal(sg_page(&sg[1]), pg);
	assert_int_equal(sg[1].length, 7);
	assert_ptr_equal(sg_next(&sg[0]), &sg[1]);
	assert_null(sg_next(&sg[1]));

	dmamap_free_pages(pg, 0);
	dmamap_kfree(m, buf);
}

/* Caller mistakes get -EINVAL and an empty table; nothing is allocated. */
static void test_bad_args(void **state)
{
	struct dmamap_machine *m = *state;
	struct page *pages[3] = { dmamap_pfn_to_page(m, RAM_PFN), NULL,
				  dmamap_pfn_to_page(m, RAM_PFN + 2) };
	struct sg_table st;

	memset(&st, 0x5a, sizeof(st));
	assert_int_equal(sg_alloc_table(&st, 0, 0), -EINVAL);
	assert_null(st.sgl);
	assert_int_equal(st.orig_nents, 0);
	assert_int_equal(sg_alloc_table(NULL, 4, 0), -EINVAL);

	memset(&st, 0x5a, sizeof(st));
	assert_int_equal(sg_alloc_table_from_pages(&st, pages, 0, 0, P, 0), -EINVAL);
	assert_null(st.sgl);
	assert_int_equal(sg_alloc_table_from_pages(&st, NULL, 1, 0, P, 0), -EINVAL);
	/* a hole in the page array */
	memset(&st, 0x5a, sizeof(st));
	assert_int_equal(sg_alloc_table_from_pages(&st, pages, 3, 0, 3 * P, 0), -EINVAL);
	assert_null(st.sgl);
	assert_int_equal(sg_alloc_table_from_pages(NULL, pages, 1, 0, P, 0), -EINVAL);
	/* the first page alone is fine */
	assert_int_equal(sg_alloc_table_from_pages(&st, pages, 1, 0, P, 0), 0);
	assert_int_equal(st.orig_nents, 1);
	sg_free_table(&st);
	/* freeing twice or freeing nothing is harmless */
	sg_free_table(&st);
	sg_free_table(NULL);
	sg_init_table(NULL, 3);
}

/* Virtual memory the process has had at its peak (VmPeak), in bytes. */
static u64 vm_peak(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmPeak: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb << 10;
}

/*
 * A table of 2^32 - 1 entries (128 GiB of them) cannot be had: -ENOMEM at
 * once, before any memory is asked for. It used to allocate and touch host
 * memory for 20 seconds and more.
 */
static void test_alloc_table_huge(void **state)
{
	struct sg_table st;
	u64 peak = vm_peak();

	(void)state;
	memset(&st, 0x5a, sizeof(st));
	assert_int_equal(sg_alloc_table(&st, 0xffffffffU, 0), -ENOMEM);
	assert_null(st.sgl);
	assert_int_equal(st.orig_nents, 0);
	assert_true(vm_peak() < peak + SZ_1G);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_MACHINE_CASE(test_from_pages_table, NULL),
		TEST_MACHINE_CASE(test_from_pages_long, NULL),
		TEST_MACHINE_CASE(test_million_entries, NULL),
		cmocka_unit_test(test_alloc_table_sizes),
		cmocka_unit_test(test_alloc_table_huge),
		TEST_MACHINE_CASE(test_copy, NULL),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_page_iter),
		TEST_MACHINE_CASE(test_accessors, NULL),
		TEST_MACHINE_CASE(test_bad_args, NULL),
	};

	return cmocka_run_group_tests_name("scatterlist", tests, NULL, NULL);
}
