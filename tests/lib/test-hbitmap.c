// SPDX-License-Identifier: MIT
/*
 * The hierarchical bitmap (src/lib/hbitmap.c) under the buddy allocator:
 * random set/clear against a plain bitmap, with find_next/find_prev checked
 * at every boundary of every level.
 */
#include "test-util.h"
#include "lib/hbitmap.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

static unsigned long ref_next(const u8 *ref, unsigned long n, unsigned long from)
{
	for (unsigned long i = from; i < n; i++)
		if (ref[i])
			return i;
	return ~0UL;
}

static unsigned long ref_prev(const u8 *ref, unsigned long n, unsigned long upto)
{
	if (!n)
		return ~0UL;
	for (unsigned long i = upto >= n ? n : upto + 1; i-- > 0;)
		if (ref[i])
			return i;
	return ~0UL;
}

static void check_at(const struct hbitmap *hb, const u8 *ref, unsigned long n, unsigned long pos)
{
	assert_int_equal(hbitmap_find_next(hb, pos), ref_next(ref, n, pos));
	assert_int_equal(hbitmap_find_prev(hb, pos), ref_prev(ref, n, pos));
}

static void run_size(unsigned long n, u64 seed)
{
	u64 *storage = calloc(hbitmap_words(n), sizeof(u64));
	u8 *ref = calloc(n ? n : 1, 1);
	struct hbitmap hb;
	u64 rng = seed;
	unsigned long ops = n < 5000 ? 4 * n + 64 : 20000;

	assert_non_null(storage);
	assert_non_null(ref);
	hbitmap_init(&hb, n, storage);
	assert_true(hb.levels >= 1 && hb.levels <= HBITMAP_MAX_LEVELS);
	check_at(&hb, ref, n, 0);
	check_at(&hb, ref, n, n);
	for (unsigned long op = 0; n && op < ops; op++) {
		/* clustered positions, so that words fill and empty */
		unsigned long i = op % 3 ? test_rand(&rng) % n : (n - 1) - test_rand(&rng) % min(n, 200UL);

		if (test_rand(&rng) % 2) {
			hbitmap_set(&hb, i);
			ref[i] = 1;
		} else {
			hbitmap_clear(&hb, i);
			ref[i] = 0;
		}
		assert_int_equal(hbitmap_test(&hb, i), ref[i]);
		if (op % 16 == 0) {
			unsigned long p = test_rand(&rng) % (n + 70);

			check_at(&hb, ref, n, p);
			check_at(&hb, ref, n, p & ~63UL);
			check_at(&hb, ref, n, p | 63UL);
		}
	}
	/* every boundary of every level, and a walk over all set bits */
	for (unsigned long span = 64; span / 64 <= n; span *= 64)
		for (unsigned long b = span; b < n + span; b += span) {
			check_at(&hb, ref, n, b - 1);
			check_at(&hb, ref, n, b);
		}
	{
		unsigned long count = 0, want = 0;

		for (unsigned long i = hbitmap_find_next(&hb, 0); i != ~0UL; i = hbitmap_find_next(&hb, i + 1))
			count++;
		for (unsigned long i = 0; i < n; i++)
			want += ref[i];
		assert_int_equal(count, want);
	}
	/* clearing everything empties every level */
	for (unsigned long i = 0; i < n; i++)
		hbitmap_clear(&hb, i);
	assert_int_equal(hbitmap_find_next(&hb, 0), ~0UL);
	for (unsigned int l = 0; l < hb.levels; l++)
		assert_int_equal(hb.lvl[l][0], 0);
	free(storage);
	free(ref);
}

static void test_sizes(void **state)
{
	static const unsigned long sizes[] = {
		0, 1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097, 64 * 64 * 64, 64 * 64 * 64 + 1, 300001,
	};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		run_size(sizes[i], 1000 + i);
}

static void test_storage_words(void **state)
{
	(void)state;
	assert_int_equal(hbitmap_words(0), 1);
	assert_int_equal(hbitmap_words(64), 1);
	assert_int_equal(hbitmap_words(65), 3);
	assert_int_equal(hbitmap_words(4096), 65);
	assert_int_equal(hbitmap_words(4097), 65 + 2 + 1);
}

/* A single bit far into a large map is found from anywhere before it, and not after. */
static void test_sparse_single_bit(void **state)
{
	const unsigned long n = 1UL << 24;
	u64 *storage = calloc(hbitmap_words(n), sizeof(u64));
	struct hbitmap hb;

	(void)state;
	hbitmap_init(&hb, n, storage);
	assert_int_equal(hb.levels, 4);
	hbitmap_set(&hb, n - 5);
	assert_int_equal(hbitmap_find_next(&hb, 0), n - 5);
	assert_int_equal(hbitmap_find_next(&hb, n - 5), n - 5);
	assert_int_equal(hbitmap_find_next(&hb, n - 4), ~0UL);
	assert_int_equal(hbitmap_find_prev(&hb, ~0UL), n - 5);
	assert_int_equal(hbitmap_find_prev(&hb, n - 6), ~0UL);
	hbitmap_set(&hb, 3);
	assert_int_equal(hbitmap_find_prev(&hb, n - 6), 3);
	assert_int_equal(hbitmap_find_next(&hb, 4), n - 5);
	free(storage);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_words),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_sparse_single_bit),
	};

	return cmocka_run_group_tests_name("lib-hbitmap", tests, NULL, NULL);
}
