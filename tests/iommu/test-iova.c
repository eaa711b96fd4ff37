// SPDX-License-Identifier: MIT
/*
 * The IOVA allocator of DMA domains (src/iommu/iova.c).
 *
 * Ranges are size-aligned and handed out top-down below the limit, never
 * at pfn 0 or below start_pfn; reserved ranges are never handed out;
 * exhaustion returns 0 and drains every thread's cache before it gives up;
 * bad frees are refused and counted with nothing changed; and a long random
 * run never gives out overlapping ranges.
 *
 * Sizes as the kernel's allocator has them: up to 32 granules rounded up to
 * a power of two, alignment and length; above, the alignment rounded up and
 * the length exact, so the rest of the aligned block serves other ranges
 * (the capacity test: the kernel's fragmentation case). A limit past the
 * space, or a space larger than the allocator holds, is refused.
 */
#include "test-util.h"
#include "iommu/iova.h"
#include "lib/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct iova_domain *domain(unsigned long start_pfn, unsigned long end_pfn)
{
	struct iova_domain *d = NULL;

	assert_int_equal(iova_domain_create(PAGE_SIZE, start_pfn, end_pfn, &d), 0);
	assert_non_null(d);
	return d;
}

/* Granules a range of @size takes: rounded up to a power of two up to 32, exact above. */
static unsigned long len_of(unsigned long size)
{
	return size <= 32 ? roundup_pow_of_two(size) : size;
}

/*
 * Where a range of @size granules goes in an empty domain under @limit (0:
 * nowhere): the highest whole block of its alignment below the limit (a
 * large range keeps the rest as its spare while there is room), else the
 * highest place its length fits.
 */
static unsigned long top_of(unsigned long limit, unsigned long size)
{
	unsigned long p2 = roundup_pow_of_two(size), len = len_of(size);

	if (ALIGN_DOWN(limit + 1, p2) >= 2 * p2)
		return ALIGN_DOWN(limit + 1, p2) - p2;
	return limit + 1 < len ? 0 : ALIGN_DOWN(limit + 1 - len, p2);
}

/* iova_domain_create() refuses what cannot be a domain, and leaves *out NULL. */
static void test_create_bad_args(void **state)
{
	static const struct { unsigned long granule, start, end; } bad[] = {
		{ 0, 1, 100 }, { 2048, 1, 100 }, { 3 * 4096, 1, 100 }, { 4096 + 1, 1, 100 },
		{ 4096, 0, 100 }, { 4096, 100, 100 }, { 4096, 101, 100 },
		{ 4096, 1UL << IOVA_MAX_SPACE_ORDER, 0 },
		/* past what the allocator holds: refused, not cut */
		{ 4096, 1, (1UL << IOVA_MAX_SPACE_ORDER) + 1 }, { 4096, 1, 1UL << 36 },
	};
	struct iova_domain *d;

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		d = (struct iova_domain *)&d;
		assert_int_equal(iova_domain_create(bad[i].granule, bad[i].start, bad[i].end, &d),
				 -EINVAL);
		assert_null(d);
	}
	assert_int_equal(iova_domain_create(PAGE_SIZE, 1, 100, NULL), -EINVAL);
	/* a larger granule is fine */
	assert_int_equal(iova_domain_create(SZ_64K, 1, 100, &d), 0);
	assert_int_equal(alloc_iova_fast(d, 1, 99, true), 99);
	free_iova_fast(d, 99, 1);
	iova_domain_destroy(d);
	iova_domain_destroy(NULL);
	/* NULL domains answer nothing */
	assert_int_equal(alloc_iova_fast(NULL, 1, 99, true), 0);
	free_iova_fast(NULL, 1, 1);
	assert_int_equal(iova_pages_used(NULL), 0);
	assert_int_equal(iova_misuse_count(NULL), 0);
}

/*
 * The end of the space: 0 means all of it (2^IOVA_MAX_SPACE_ORDER
 * granules); a larger end is refused (test_create_bad_args). A limit at
 * or past the end is refused too, where the kernel's allocator, which has
 * no end, would hand out what the caller cannot use.
 */
static void test_space_end(void **state)
{
	const unsigned long top = (1UL << IOVA_MAX_SPACE_ORDER) - 1;
	const unsigned long ends[] = { 0, 1UL << IOVA_MAX_SPACE_ORDER };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(ends); i++) {
		struct iova_domain *d = domain(1, ends[i]);

		assert_int_equal(alloc_iova_fast(d, 1, top + 1, true), 0);
		assert_int_equal(alloc_iova_fast(d, 600, ~0UL, true), 0);
		assert_int_equal(iova_pages_used(d), 0);
		assert_int_equal(alloc_iova_fast(d, 1, top, true), top);
		assert_int_equal(alloc_iova_fast(d, 1UL << 20, top, true), top + 1 - (2UL << 20));
		free_iova_fast(d, top, 1);
		free_iova_fast(d, top + 1 - (2UL << 20), 1UL << 20);
		assert_int_equal(iova_pages_used(d), 0);
		iova_domain_destroy(d);
	}
}

/*
 * A range is aligned to its size rounded up to a power of two, and takes
 * that many granules up to 32, its own size above; in an empty domain it
 * is the highest such range ending at or below the limit.
 */
static void test_size_alignment(void **state)
{
	const unsigned long limits[] = { (1UL << 20) - 1, 1000000, 777777, 65536, 4097, 300 };

	(void)state;
	for (unsigned long size = 1; size <= 300; size++) {
		for (unsigned int l = 0; l < ARRAY_SIZE(limits); l++) {
			struct iova_domain *d = domain(1, 1UL << 20);
			unsigned long p2 = roundup_pow_of_two(size), len = len_of(size);
			unsigned long pfn, second;

			pfn = alloc_iova_fast(d, size, limits[l], false);
			if (top_of(limits[l], size) == 0) {
				/* only pfn 0 would do */
				assert_int_equal(pfn, 0);
				iova_domain_destroy(d);
				continue;
			}
			if (pfn != top_of(limits[l], size))
				print_error("size %lu limit %lu: %#lx\n", size, limits[l], pfn);
			assert_int_equal(pfn, top_of(limits[l], size));
			assert_int_equal(pfn % p2, 0);
			assert_int_equal(iova_range_size(d, pfn), len);
			assert_int_equal(iova_pages_used(d), len);
			/* the next one is an alignment below: no other aligned start above */
			second = alloc_iova_fast(d, size, limits[l], false);
			if (pfn >= p2 + 1) {
				assert_int_equal(second, pfn - p2);
				assert_int_equal(iova_pages_used(d), 2 * len);
				free_iova_fast(d, second, size);
			}
			free_iova_fast(d, pfn, size);
			assert_int_equal(iova_pages_used(d), 0);
			assert_int_equal(iova_misuse_count(d), 0);
			iova_domain_destroy(d);
		}
	}
}

/*
 * Top-down: in an empty domain, order-0 allocations walk down from the
 * limit one by one; a larger size starts at the top of the free space
 * below the limit that it fits in.
 */
static void test_top_down(void **state)
{
	struct iova_domain *d = domain(1, 4096);
	unsigned long pfn[64];

	(void)state;
	for (unsigned int i = 0; i < 64; i++) {
		pfn[i] = alloc_iova_fast(d, 1, 3000, false);
		assert_int_equal(pfn[i], 3000 - i);
	}
	/* 8 granules: the highest aligned 8 below what is taken */
	assert_int_equal(alloc_iova_fast(d, 8, 3000, false), ALIGN_DOWN(3000 - 63, 8) - 8);
	free_iova_fast(d, ALIGN_DOWN(3000 - 63, 8) - 8, 8);
	/* a limit past the space is refused; its last granule is the highest limit */
	assert_int_equal(alloc_iova_fast(d, 1, ~0UL, false), 0);
	assert_int_equal(alloc_iova_fast(d, 2, 1UL << 40, false), 0);
	assert_int_equal(alloc_iova_fast(d, 1, 4096, false), 0);
	assert_int_equal(alloc_iova_fast(d, 1, 4095, false), 4095);
	assert_int_equal(alloc_iova_fast(d, 2, 4095, false), 4092);
	free_iova_fast(d, 4095, 1);
	free_iova_fast(d, 4092, 2);
	for (unsigned int i = 0; i < 64; i++)
		free_iova_fast(d, pfn[i], 1);
	assert_int_equal(iova_pages_used(d), 0);
	iova_domain_destroy(d);
}

/*
 * Nothing at or below start_pfn - 1 is handed out, pfn 0 never: a domain
 * gives exactly its granules [start, end) and then 0.
 */
static void test_start_pfn(void **state)
{
	static const struct { unsigned long start, end, size, count; } cases[] = {
		{ 1, 64, 1, 63 }, { 16, 64, 1, 48 }, { 16, 64, 16, 3 }, { 17, 64, 16, 2 },
		{ 1, 64, 32, 1 }, { 1, 64, 3, 15 }, { 5, 9, 1, 4 }, { 1, 2, 1, 1 },
	};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct iova_domain *d = domain(cases[i].start, cases[i].end);
		unsigned long got[64], n = 0, pfn;
		unsigned long p2 = roundup_pow_of_two(cases[i].size);

		while ((pfn = alloc_iova_fast(d, cases[i].size, cases[i].end - 1, true))) {
			assert_true(n < 64);
			assert_true(pfn >= cases[i].start);
			assert_true(pfn + p2 <= cases[i].end);
			got[n++] = pfn;
		}
		assert_int_equal(n, cases[i].count);
		assert_int_equal(iova_pages_used(d), n * p2);
		/* below start, even with an explicit limit there: nothing */
		assert_int_equal(alloc_iova_fast(d, 1, cases[i].start - 1, true), 0);
		for (unsigned long k = 0; k < n; k++)
			free_iova_fast(d, got[k], cases[i].size);
		assert_int_equal(iova_pages_used(d), 0);
		assert_int_equal(alloc_iova_fast(d, 1, 0, true), 0);
		iova_domain_destroy(d);
	}
}

/* Allocates order-0 granules below @limit until none is left; returns how many. */
static unsigned long alloc_all(struct iova_domain *d, unsigned long limit, unsigned long *out,
			       unsigned long max)
{
	unsigned long n = 0, pfn;

	while ((pfn = alloc_iova_fast(d, 1, limit, true))) {
		assert_true(n < max);
		out[n++] = pfn;
	}
	return n;
}

static void free_all(struct iova_domain *d, const unsigned long *pfn, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		free_iova_fast(d, pfn[i], 1);
}

/*
 * A reserved range is never handed out; reserving over anything allocated
 * is -EBUSY and reserves nothing; a range in a thread's cache is free and
 * can be reserved; a range beyond the space or upside down is -EINVAL.
 */
static void test_reserve(void **state)
{
	struct iova_domain *d = domain(1, 1024);
	unsigned long *pfn = calloc(1024, sizeof(*pfn)), n, x;

	(void)state;
	assert_non_null(pfn);
	assert_int_equal(reserve_iova(d, 100, 199), 0);
	/* below start: nothing to take; across the end: the part inside */
	assert_int_equal(reserve_iova(d, 0, 0), 0);
	assert_int_equal(reserve_iova(d, 1000, 5000), 0);
	assert_int_equal(reserve_iova(d, 1024, 2000), -EINVAL);
	assert_int_equal(reserve_iova(d, 300, 299), -EINVAL);
	assert_int_equal(reserve_iova(NULL, 1, 2), -EINVAL);
	n = alloc_all(d, 1023, pfn, 1024);
	assert_int_equal(n, 1023 - 100 - 24);
	for (unsigned long i = 0; i < n; i++)
		assert_true(pfn[i] < 100 || (pfn[i] > 199 && pfn[i] < 1000));
	/* over an allocated granule, or a range ending in one: -EBUSY */
	x = pfn[n / 2];
	assert_int_equal(reserve_iova(d, x, x), -EBUSY);
	free_all(d, pfn, n);
	free_cpu_cached_iovas(d);
	x = alloc_iova_fast(d, 1, 500, true);
	assert_int_equal(x, 500);
	assert_int_equal(reserve_iova(d, 490, 510), -EBUSY);
	assert_int_equal(reserve_iova(d, 400, 500), -EBUSY);
	/* nothing of the refused ranges was kept: [400, 510] less x all comes back */
	{
		unsigned long count = 0, p;

		while ((p = alloc_iova_fast(d, 1, 510, true)) >= 400) {
			assert_true(p != 500);
			pfn[count++] = p;
		}
		assert_true(p != 0);
		assert_int_equal(count, 110);
		free_iova_fast(d, p, 1);
		free_all(d, pfn, count);
	}
	/* a freed range sits in this thread's cache: reserving it drains the cache */
	free_iova_fast(d, x, 1);
	assert_int_equal(reserve_iova(d, x, x), 0);
	n = alloc_all(d, 1023, pfn, 1024);
	assert_int_equal(n, 1023 - 100 - 24 - 1);
	for (unsigned long i = 0; i < n; i++)
		assert_true(pfn[i] != x);
	free_all(d, pfn, n);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(iova_misuse_count(d), 0);
	free(pfn);
	iova_domain_destroy(d);
}

/*
 * Exhaustion returns 0 and changes nothing; frees make room again. Freed
 * small ranges wait in the thread's cache: a different size finds them only
 * when the caller lets the caches be drained.
 */
static void test_exhaustion(void **state)
{
	struct iova_domain *d = domain(1, 256);
	unsigned long pfn[256], n, again;

	(void)state;
	n = alloc_all(d, 255, pfn, 256);
	assert_int_equal(n, 255);
	assert_int_equal(iova_pages_used(d), 255);
	assert_int_equal(alloc_iova_fast(d, 1, 255, false), 0);
	assert_int_equal(alloc_iova_fast(d, 2, 255, true), 0);
	assert_int_equal(alloc_iova_fast(d, 200, 255, true), 0);
	assert_int_equal(iova_pages_used(d), 255);
	assert_int_equal(iova_misuse_count(d), 0);
	/* one back: it is found again */
	free_iova_fast(d, pfn[17], 1);
	assert_int_equal(iova_pages_used(d), 254);
	again = alloc_iova_fast(d, 1, 255, false);
	assert_int_equal(again, pfn[17]);
	/* all back, lowest first: the upper half ends in the cache */
	for (unsigned long i = n; i-- > 0;)
		free_iova_fast(d, pfn[i], 1);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(alloc_iova_fast(d, 128, 255, false), 0);
	assert_int_equal(alloc_iova_fast(d, 128, 255, true), 128);
	assert_int_equal(iova_pages_used(d), 128);
	free_iova_fast(d, 128, 128);
	/* and the whole space once more */
	n = alloc_all(d, 255, pfn, 256);
	assert_int_equal(n, 255);
	free_all(d, pfn, n);
	iova_domain_destroy(d);
}

struct cacher {
	struct iova_domain *d;
	unsigned long n;
	unsigned long pfn[64];
};

/* Takes the whole (63-granule) space and gives it back: into this thread's cache. */
static void *cacher_fn(void *arg)
{
	struct cacher *c = arg;
	unsigned long pfn;

	while (c->n < 64 && (pfn = alloc_iova_fast(c->d, 1, 63, true)))
		c->pfn[c->n++] = pfn;
	for (unsigned long i = 0; i < c->n; i++)
		free_iova_fast(c->d, c->pfn[i], 1);
	return NULL;
}

/*
 * Ranges freed by thread A wait in A's cache; thread B, finding the space
 * empty, drains every cache and retries, so it gets them, unless it asked
 * not to. free_cpu_cached_iovas() drains them as well.
 */
static void test_drain_other_thread(void **state)
{
	for (unsigned int variant = 0; variant < 2; variant++) {
		struct cacher c = { .d = domain(1, 64) };
		unsigned long pfn[64], n;
		pthread_t t;

		(void)state;
		assert_int_equal(pthread_create(&t, NULL, cacher_fn, &c), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(c.n, 63);
		/* all free, but all in the other thread's cache */
		assert_int_equal(iova_pages_used(c.d), 0);
		assert_int_equal(alloc_iova_fast(c.d, 1, 63, false), 0);
		assert_int_equal(alloc_iova_fast(c.d, 4, 63, false), 0);
		if (variant)
			free_cpu_cached_iovas(c.d);
		n = alloc_all(c.d, 63, pfn, 64);
		assert_int_equal(n, 63);
		/* each granule exactly once */
		for (unsigned long i = 0; i < n; i++)
			for (unsigned long j = i + 1; j < n; j++)
				assert_true(pfn[i] != pfn[j]);
		free_all(c.d, pfn, n);
		free_cpu_cached_iovas(c.d);
		assert_int_equal(alloc_iova_fast(c.d, 32, 63, false), 32);
		free_iova_fast(c.d, 32, 32);
		assert_int_equal(iova_misuse_count(c.d), 0);
		iova_domain_destroy(c.d);
	}
}

/*
 * A free of something not handed out, a second free, a free with a size of
 * another order or at an address inside the range is refused and counted,
 * and changes nothing: the range stays allocated, nothing else is freed.
 * Sizes that round to the same power of two name the same range.
 */
static void test_misuse(void **state)
{
	struct iova_domain *d = domain(1, 1024);
	unsigned long x = alloc_iova_fast(d, 4, 1023, true);
	unsigned long y = alloc_iova_fast(d, 1, 1023, true);
	unsigned long pfn[1024], n, z, misuse = 0;
	const struct { unsigned long pfn, size; } bad[] = {
		{ x, 8 }, { x, 2 }, { x, 1 }, { x + 1, 4 }, { x + 2, 2 }, { x, 0 },
		{ 0, 1 }, { 5000, 1 }, { 1UL << 40, 1 }, { 5, 1 }, { 512, 4 }, { x, 1UL << 30 },
		{ y, 2 }, { y + 1, 1 },
	};

	(void)state;
	assert_int_equal(x, 1020);
	assert_int_equal(y, 1019);
	assert_int_equal(iova_pages_used(d), 5);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		free_iova_fast(d, bad[i].pfn, bad[i].size);
		assert_int_equal(iova_misuse_count(d), ++misuse);
		assert_int_equal(iova_pages_used(d), 5);
	}
	/* both still allocated: everything else can be taken, and neither is handed out */
	n = alloc_all(d, 1023, pfn, 1024);
	assert_int_equal(n, 1023 - 5);
	for (unsigned long i = 0; i < n; i++)
		assert_true(pfn[i] < y);
	free_all(d, pfn, n);
	assert_int_equal(iova_misuse_count(d), misuse);

	/* 3 rounds to 4: the same range */
	free_iova_fast(d, x, 3);
	assert_int_equal(iova_misuse_count(d), misuse);
	assert_int_equal(iova_pages_used(d), 1);
	/* twice: refused, although the range waits in the cache */
	free_iova_fast(d, x, 4);
	assert_int_equal(iova_misuse_count(d), ++misuse);
	free_iova_fast(d, y, 1);
	free_iova_fast(d, y, 1);
	assert_int_equal(iova_misuse_count(d), ++misuse);
	assert_int_equal(iova_pages_used(d), 0);
	/* the cached ones are handed out once each */
	assert_int_equal(alloc_iova_fast(d, 1, 1023, false), y);
	z = alloc_iova_fast(d, 1, 1023, false);
	assert_true(z != 0 && z != y);
	assert_int_equal(iova_pages_used(d), 2);
	free_cpu_cached_iovas(d);
	n = alloc_all(d, 1023, pfn, 1024);
	assert_int_equal(n, 1023 - 2);
	free_all(d, pfn, n);
	free_iova_fast(d, y, 1);
	assert_int_equal(iova_pages_used(d), 1);
	free_iova_fast(d, z, 1);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(iova_misuse_count(d), misuse);
	iova_domain_destroy(d);
}

/* --- large ranges: exact length, rounded alignment --------------------------- */

/*
 * The kernel's case: a 32-bit space of 4 KiB granules (2^20) filled with
 * ranges of 513 granules, each aligned to 1024: 1023 of them (the block at
 * 0 cannot hold one, pfn 0 is never handed out). Each leaves 511 granules
 * of its block free, where a range of 256 fits at 768; with the three of
 * the first block, the kernel's allocator fits 1026 ranges of 256 in the
 * gaps (a size rounded up to 1024 would leave room for only the three).
 */
static void test_capacity_fragmented(void **state)
{
	const unsigned long end = 1UL << 20;
	struct iova_domain *d = domain(1, end);
	unsigned long *big = calloc(1024, sizeof(*big)), *small = calloc(2048, sizeof(*small));
	unsigned long nbig = 0, nsmall = 0, pfn;

	(void)state;
	assert_non_null(big);
	assert_non_null(small);
	while ((pfn = alloc_iova_fast(d, 513, end - 1, true))) {
		assert_true(nbig < 1024);
		assert_int_equal(pfn % 1024, 0);
		big[nbig++] = pfn;
	}
	assert_int_equal(nbig, 1023);
	assert_int_equal(iova_pages_used(d), 1023 * 513);
	while ((pfn = alloc_iova_fast(d, 256, end - 1, true))) {
		assert_true(nsmall < 2048);
		assert_int_equal(pfn % 256, 0);
		/* in a gap: the tail of a block or the first block */
		assert_true(pfn < 1024 || pfn % 1024 == 768);
		small[nsmall++] = pfn;
	}
	print_message("%lu ranges of 513, then %lu of 256 (the kernel: 1026)\n", nbig, nsmall);
	assert_true(nsmall >= 1026);
	assert_int_equal(iova_pages_used(d), 1023 * 513 + nsmall * 256);
	assert_int_equal(iova_misuse_count(d), 0);
	for (unsigned long i = 0; i < nbig; i++)
		free_iova_fast(d, big[i], 513);
	for (unsigned long i = 0; i < nsmall; i++)
		free_iova_fast(d, small[i], 256);
	assert_int_equal(iova_pages_used(d), 0);
	/* and it is whole again */
	assert_int_equal(alloc_iova_fast(d, end / 2, end - 1, true), end / 2);
	free_iova_fast(d, end / 2, end / 2);
	free(big);
	free(small);
	iova_domain_destroy(d);
}

/*
 * A large range takes its length, not its rounded size: a 600-granule
 * range holds 600 (the example took 1024). While there is room
 * elsewhere it keeps the rest of its aligned block as a spare (smaller
 * ranges go below it); when there is none, the spares are given back and
 * the rest of the block serves others, and a large range fits under a
 * smaller one at the top of its block. A free with a size of the same
 * power of two frees the range's own length; a size of another is refused.
 */
static void test_exact_length(void **state)
{
	struct iova_domain *d = domain(1, 2048);
	unsigned long a, b, c;

	(void)state;
	/* room below: a 256 goes under the 600's block */
	a = alloc_iova_fast(d, 600, 2047, true);
	assert_int_equal(a, 1024);
	assert_int_equal(iova_range_size(d, a), 600);
	assert_int_equal(iova_pages_used(d), 600);
	b = alloc_iova_fast(d, 256, 2047, true);
	assert_int_equal(b, 768);
	free_iova_fast(d, b, 256);
	free_iova_fast(d, a, 600);
	assert_int_equal(iova_pages_used(d), 0);

	/* no room below: the rest of the 600's block */
	assert_int_equal(reserve_iova(d, 1, 1023), 0);
	a = alloc_iova_fast(d, 600, 2047, true);
	assert_int_equal(a, 1024);
	b = alloc_iova_fast(d, 256, 2047, true);
	assert_int_equal(b, 1792);
	/* 100 granules (aligned to 128) between them */
	c = alloc_iova_fast(d, 100, 2047, true);
	assert_int_equal(c, 1664);
	assert_int_equal(iova_pages_used(d), 956);
	free_iova_fast(d, c, 100);
	free_iova_fast(d, a, 600);
	assert_int_equal(iova_pages_used(d), 256);
	/* 513 fits under the 256 in the top block: its lower half and one granule more */
	a = alloc_iova_fast(d, 513, 2047, true);
	assert_int_equal(a, 1024);
	assert_int_equal(alloc_iova_fast(d, 513, 2047, true), 0);
	assert_int_equal(iova_pages_used(d), 769);
	/* a limit that ends inside the alignment: only the length must fit below it */
	free_iova_fast(d, a, 513);
	assert_int_equal(alloc_iova_fast(d, 300, 1023 + 299, true), 0);
	assert_int_equal(alloc_iova_fast(d, 300, 1023 + 300, true), 1024);
	free_iova_fast(d, 1024, 300);
	/* the size names the range's power of two: 1000 frees the 600, 2000 does not */
	a = alloc_iova_fast(d, 600, 2047, true);
	assert_int_equal(a, 1024);
	free_iova_fast(d, a, 2000);
	assert_int_equal(iova_misuse_count(d), 1);
	assert_int_equal(iova_range_size(d, a), 600);
	free_iova_fast(d, a, 1000);
	assert_int_equal(iova_range_size(d, a), 0);
	free_iova_fast(d, b, 256);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(alloc_iova_fast(d, 1024, 2047, true), 1024);
	free_iova_fast(d, 1024, 1024);
	iova_domain_destroy(d);

	/* a reservation over a spare: the spare is free space, it goes back first */
	d = domain(1, 2048);
	a = alloc_iova_fast(d, 600, 2047, true);
	assert_int_equal(a, 1024);
	assert_int_equal(reserve_iova(d, 1700, 1800), 0);
	assert_int_equal(reserve_iova(d, 1500, 1700), -EBUSY);
	assert_int_equal(iova_range_size(d, a), 600);
	free_iova_fast(d, a, 600);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(iova_misuse_count(d), 0);
	iova_domain_destroy(d);
}

/* --- random allocations against a reference ---------------------------------- */

#define RAND_END	8192UL

struct live {
	unsigned long pfn, size;
};

/* Is there a free run of @len granules at a multiple of @p2 in [start, limit]? */
static bool ref_has_room(const u8 *ref, unsigned long start, unsigned long limit, unsigned long p2,
			 unsigned long len)
{
	if (limit + 1 < len)
		return false;
	for (unsigned long p = ALIGN_DOWN(limit + 1 - len, p2); p >= start; p -= p2) {
		unsigned long k;

		for (k = p; k < p + len && !ref[k]; k++)
			;
		if (k == p + len)
			return true;
		if (p < p2)
			break;
	}
	return false;
}

/*
 * 30,000 random allocations (sizes 1 to 300 granules, mostly small, under
 * random limits) and frees (with sizes that round alike) over 8191
 * granules, checked against a map of the granules handed out: every range
 * is aligned, inside the space and under its limit, and overlaps nothing
 * live; a 0 (the caches drained) means there really was no room, at any
 * aligned place, for the range's length; the count of granules used
 * matches. Ranges past 32 granules leave the rest of their alignment free
 * (counted: the reference sees it free after them).
 */
static void test_random(void **state)
{
	struct iova_domain *d = domain(1, RAND_END);
	u8 *ref = calloc(RAND_END, 1);
	struct live *live = calloc(4096, sizeof(*live));
	unsigned long nlive = 0, used = 0, fails = 0, allocs = 0, tails = 0;
	u64 rng = 0x10fa;

	(void)state;
	assert_non_null(ref);
	assert_non_null(live);
	for (unsigned long step = 0; step < 30000; step++) {
		u64 r = test_rand(&rng);

		if (r % 100 < 55 && nlive < 4096) {
			unsigned long size, limit, p2, len, pfn;

			switch ((r >> 8) % 8) {
			case 0:
				size = 33 + (r >> 16) % 268;	/* past the cached sizes */
				break;
			case 1:
			case 2:
				size = 1 + (r >> 16) % 32;
				break;
			default:
				size = 1 + (r >> 16) % 4;
				break;
			}
			limit = (r >> 32) % 4 ? RAND_END - 1 : 1 + (r >> 36) % (RAND_END - 1);
			p2 = roundup_pow_of_two(size);
			len = len_of(size);
			pfn = alloc_iova_fast(d, size, limit, true);
			if (!pfn) {
				/* the caches were drained: really no room */
				assert_false(ref_has_room(ref, 1, limit, p2, len));
				fails++;
				continue;
			}
			assert_int_equal(pfn % p2, 0);
			assert_true(pfn >= 1 && pfn + len <= RAND_END && pfn + len - 1 <= limit);
			for (unsigned long k = pfn; k < pfn + len; k++) {
				assert_int_equal(ref[k], 0);
				ref[k] = 1;
			}
			live[nlive++] = (struct live){ pfn, size };
			used += len;
			tails += len != p2 && pfn + p2 <= RAND_END && ref[pfn + len] == 0;
			allocs++;
		} else if (nlive) {
			unsigned long i = (r >> 8) % nlive, p2 = roundup_pow_of_two(live[i].size);
			unsigned long len = len_of(live[i].size);
			/* any size that rounds to the same power of two: the range's length goes */
			unsigned long size = p2 / 2 + 1 + (r >> 24) % (p2 - p2 / 2);

			if (p2 == 1)
				size = 1;
			assert_int_equal(roundup_pow_of_two(size), p2);
			free_iova_fast(d, live[i].pfn, size);
			for (unsigned long k = live[i].pfn; k < live[i].pfn + len; k++)
				ref[k] = 0;
			used -= len;
			live[i] = live[--nlive];
		}
		assert_int_equal(iova_pages_used(d), used);
	}
	assert_true(allocs > 10000 && fails > 100 && tails > 100);
	assert_int_equal(iova_misuse_count(d), 0);
	while (nlive) {
		nlive--;
		free_iova_fast(d, live[nlive].pfn, live[nlive].size);
	}
	assert_int_equal(iova_pages_used(d), 0);
	/* all of it merges back: the largest block fits again */
	assert_int_equal(alloc_iova_fast(d, RAND_END / 2, RAND_END - 1, true), RAND_END / 2);
	free_iova_fast(d, RAND_END / 2, RAND_END / 2);
	free(live);
	free(ref);
	iova_domain_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bad_args),
		cmocka_unit_test(test_space_end),
		cmocka_unit_test(test_size_alignment),
		cmocka_unit_test(test_top_down),
		cmocka_unit_test(test_start_pfn),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_drain_other_thread),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_capacity_fragmented),
		cmocka_unit_test(test_exact_length),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("iova", tests, NULL, NULL);
}
