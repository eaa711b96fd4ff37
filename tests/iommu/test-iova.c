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
 * What the model does for sizes of IOVA_RANGE_CACHE_MAX_SIZE orders and
 * above (64 granules or more): the same as below, the size is rounded up
 * to a power of two, for the alignment (as the kernel does) and for the
 * length (the kernel keeps the exact length): such a range is a buddy
 * block, and iova_pages_used() counts the rounded size.
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

/* the highest range of @size granules that may end at @limit in an empty domain (0: none) */
static unsigned long top_of(unsigned long limit, unsigned long size)
{
	unsigned long p2 = roundup_pow_of_two(size);

	return ALIGN_DOWN(limit + 1, p2) < p2 ? 0 : ALIGN_DOWN(limit + 1, p2) - p2;
}

/* iova_domain_create() refuses what cannot be a domain, and leaves *out NULL. */
static void test_create_bad_args(void **state)
{
	static const struct { unsigned long granule, start, end; } bad[] = {
		{ 0, 1, 100 }, { 2048, 1, 100 }, { 3 * 4096, 1, 100 }, { 4096 + 1, 1, 100 },
		{ 4096, 0, 100 }, { 4096, 100, 100 }, { 4096, 101, 100 },
		{ 4096, 1UL << IOVA_MAX_SPACE_ORDER, 0 },
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
	assert_int_equal(alloc_iova_fast(d, 1, ~0UL, true), 99);
	free_iova_fast(d, 99, 1);
	iova_domain_destroy(d);
	iova_domain_destroy(NULL);
	/* NULL domains answer nothing */
	assert_int_equal(alloc_iova_fast(NULL, 1, ~0UL, true), 0);
	free_iova_fast(NULL, 1, 1);
	assert_int_equal(iova_pages_used(NULL), 0);
	assert_int_equal(iova_misuse_count(NULL), 0);
}

/*
 * The end of the space: 0 means all of it (2^IOVA_MAX_SPACE_ORDER
 * granules), and a larger end is cut to that.
 */
static void test_space_end(void **state)
{
	const unsigned long top = (1UL << IOVA_MAX_SPACE_ORDER) - 1;
	const unsigned long ends[] = { 0, 1UL << IOVA_MAX_SPACE_ORDER, 1UL << 36 };

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(ends); i++) {
		struct iova_domain *d = domain(1, ends[i]);

		assert_int_equal(alloc_iova_fast(d, 1, ~0UL, true), top);
		assert_int_equal(alloc_iova_fast(d, 1UL << 20, ~0UL, true), top + 1 - (2UL << 20));
		free_iova_fast(d, top, 1);
		free_iova_fast(d, top + 1 - (2UL << 20), 1UL << 20);
		assert_int_equal(iova_pages_used(d), 0);
		iova_domain_destroy(d);
	}
}

/*
 * A range is aligned to its size rounded up to a power of two, and takes
 * that many granules; in an empty domain it is the highest such range
 * ending at or below the limit. Sizes of 64 granules and more too.
 */
static void test_size_alignment(void **state)
{
	const unsigned long limits[] = { (1UL << 20) - 1, 1000000, 777777, 65536, 4097, 300 };

	(void)state;
	for (unsigned long size = 1; size <= 300; size++) {
		for (unsigned int l = 0; l < ARRAY_SIZE(limits); l++) {
			struct iova_domain *d = domain(1, 1UL << 20);
			unsigned long p2 = roundup_pow_of_two(size), pfn, second;

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
			assert_int_equal(iova_pages_used(d), p2);
			/* the next one is right below: the whole rounded size was taken */
			second = alloc_iova_fast(d, size, limits[l], false);
			if (pfn >= p2 + 1) {
				assert_int_equal(second, pfn - p2);
				assert_int_equal(iova_pages_used(d), 2 * p2);
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
 * below the limit that it fits in. A limit above the space means its end.
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
	/* a limit above the space is its end */
	assert_int_equal(alloc_iova_fast(d, 1, ~0UL, false), 4095);
	assert_int_equal(alloc_iova_fast(d, 2, 1UL << 40, false), 4092);
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

		while ((pfn = alloc_iova_fast(d, cases[i].size, ~0UL, true))) {
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

/* Allocates order-0 granules until none is left; returns how many. */
static unsigned long alloc_all(struct iova_domain *d, unsigned long *out, unsigned long max)
{
	unsigned long n = 0, pfn;

	while ((pfn = alloc_iova_fast(d, 1, ~0UL, true))) {
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
	n = alloc_all(d, pfn, 1024);
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
	n = alloc_all(d, pfn, 1024);
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
	n = alloc_all(d, pfn, 256);
	assert_int_equal(n, 255);
	assert_int_equal(iova_pages_used(d), 255);
	assert_int_equal(alloc_iova_fast(d, 1, ~0UL, false), 0);
	assert_int_equal(alloc_iova_fast(d, 2, ~0UL, true), 0);
	assert_int_equal(alloc_iova_fast(d, 200, ~0UL, true), 0);
	assert_int_equal(iova_pages_used(d), 255);
	assert_int_equal(iova_misuse_count(d), 0);
	/* one back: it is found again */
	free_iova_fast(d, pfn[17], 1);
	assert_int_equal(iova_pages_used(d), 254);
	again = alloc_iova_fast(d, 1, ~0UL, false);
	assert_int_equal(again, pfn[17]);
	/* all back, lowest first: the upper half ends in the cache */
	for (unsigned long i = n; i-- > 0;)
		free_iova_fast(d, pfn[i], 1);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(alloc_iova_fast(d, 128, ~0UL, false), 0);
	assert_int_equal(alloc_iova_fast(d, 128, ~0UL, true), 128);
	assert_int_equal(iova_pages_used(d), 128);
	free_iova_fast(d, 128, 128);
	/* and the whole space once more */
	n = alloc_all(d, pfn, 256);
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

	while (c->n < 64 && (pfn = alloc_iova_fast(c->d, 1, ~0UL, true)))
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
		assert_int_equal(alloc_iova_fast(c.d, 1, ~0UL, false), 0);
		assert_int_equal(alloc_iova_fast(c.d, 4, ~0UL, false), 0);
		if (variant)
			free_cpu_cached_iovas(c.d);
		n = alloc_all(c.d, pfn, 64);
		assert_int_equal(n, 63);
		/* each granule exactly once */
		for (unsigned long i = 0; i < n; i++)
			for (unsigned long j = i + 1; j < n; j++)
				assert_true(pfn[i] != pfn[j]);
		free_all(c.d, pfn, n);
		free_cpu_cached_iovas(c.d);
		assert_int_equal(alloc_iova_fast(c.d, 32, ~0UL, false), 32);
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
	unsigned long x = alloc_iova_fast(d, 4, ~0UL, true);
	unsigned long y = alloc_iova_fast(d, 1, ~0UL, true);
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
	n = alloc_all(d, pfn, 1024);
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
	assert_int_equal(alloc_iova_fast(d, 1, ~0UL, false), y);
	z = alloc_iova_fast(d, 1, ~0UL, false);
	assert_true(z != 0 && z != y);
	assert_int_equal(iova_pages_used(d), 2);
	free_cpu_cached_iovas(d);
	n = alloc_all(d, pfn, 1024);
	assert_int_equal(n, 1023 - 2);
	free_all(d, pfn, n);
	free_iova_fast(d, y, 1);
	assert_int_equal(iova_pages_used(d), 1);
	free_iova_fast(d, z, 1);
	assert_int_equal(iova_pages_used(d), 0);
	assert_int_equal(iova_misuse_count(d), misuse);
	iova_domain_destroy(d);
}

/* --- random allocations against a reference ---------------------------------- */

#define RAND_END	8192UL

struct live {
	unsigned long pfn, size;
};

/* Is there a free aligned run of @p2 granules in [start, limit]? */
static bool ref_has_room(const u8 *ref, unsigned long start, unsigned long limit, unsigned long p2)
{
	for (unsigned long end = ALIGN_DOWN(limit + 1, p2); end >= p2 && end - p2 >= start;
	     end -= p2) {
		unsigned long k;

		for (k = end - p2; k < end && !ref[k]; k++)
			;
		if (k == end)
			return true;
	}
	return false;
}

/*
 * 30,000 random allocations (sizes 1 to 300 granules, mostly small, under
 * random limits) and frees (with sizes that round alike) over 8191
 * granules, checked against a map of the granules handed out: every range
 * is aligned, inside the space and under its limit, and overlaps nothing
 * live; a 0 (the caches drained) means there really was no room; the count
 * of granules used matches.
 */
static void test_random(void **state)
{
	struct iova_domain *d = domain(1, RAND_END);
	u8 *ref = calloc(RAND_END, 1);
	struct live *live = calloc(4096, sizeof(*live));
	unsigned long nlive = 0, used = 0, fails = 0, allocs = 0;
	u64 rng = 0x10fa;

	(void)state;
	assert_non_null(ref);
	assert_non_null(live);
	for (unsigned long step = 0; step < 30000; step++) {
		u64 r = test_rand(&rng);

		if (r % 100 < 55 && nlive < 4096) {
			unsigned long size, limit, p2, pfn;

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
			limit = (r >> 32) % 4 ? RAND_END - 1 : 1 + (r >> 36) % RAND_END;
			p2 = roundup_pow_of_two(size);
			pfn = alloc_iova_fast(d, size, limit, true);
			if (!pfn) {
				/* the caches were drained: really no room */
				assert_false(ref_has_room(ref, 1, limit, p2));
				fails++;
				continue;
			}
			assert_int_equal(pfn % p2, 0);
			assert_true(pfn >= 1 && pfn + p2 <= RAND_END && pfn + p2 - 1 <= limit);
			for (unsigned long k = pfn; k < pfn + p2; k++) {
				assert_int_equal(ref[k], 0);
				ref[k] = 1;
			}
			live[nlive++] = (struct live){ pfn, size };
			used += p2;
			allocs++;
		} else if (nlive) {
			unsigned long i = (r >> 8) % nlive, p2 = roundup_pow_of_two(live[i].size);
			/* any size that rounds to the same power of two */
			unsigned long size = p2 / 2 + 1 + (r >> 24) % (p2 - p2 / 2);

			if (p2 == 1)
				size = 1;
			assert_int_equal(roundup_pow_of_two(size), p2);
			free_iova_fast(d, live[i].pfn, size);
			for (unsigned long k = live[i].pfn; k < live[i].pfn + p2; k++)
				ref[k] = 0;
			used -= p2;
			live[i] = live[--nlive];
		}
		assert_int_equal(iova_pages_used(d), used);
	}
	assert_true(allocs > 10000 && fails > 100);
	assert_int_equal(iova_misuse_count(d), 0);
	while (nlive) {
		nlive--;
		free_iova_fast(d, live[nlive].pfn, live[nlive].size);
	}
	assert_int_equal(iova_pages_used(d), 0);
	/* all of it merges back: the largest block fits again */
	assert_int_equal(alloc_iova_fast(d, RAND_END / 2, ~0UL, true), RAND_END / 2);
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
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("iova", tests, NULL, NULL);
}
