// SPDX-License-Identifier: MIT
/*
 * Fault injection (mm/fail.c, <dmamap/fault-inject.h>): which calls fail
 * for each setting (the nth, every interval-th, a seeded share, at most
 * times), the machine filter, the counts, and DMAMAP_FAIL. The failure of
 * each site as its callers see it is the fail-walk suite's (tests/api).
 */
#include "test-util.h"

#include "mm/fail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Which of @n page allocations on @m fail under @cfg: bit i for the i-th. */
static u64 pattern(struct dmamap_machine *m, const struct dmamap_fail_config *cfg, unsigned int n)
{
	struct page *pages[64];
	u64 failed = 0;

	assert_true(n <= 64);
	assert_int_equal(dmamap_fail_set(cfg), 0);
	for (unsigned int i = 0; i < n; i++) {
		pages[i] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
		if (!pages[i])
			failed |= 1ULL << i;
	}
	assert_int_equal(dmamap_fail_set(NULL), 0);
	for (unsigned int i = 0; i < n; i++)
		if (pages[i])
			dmamap_free_pages(pages[i], 0);
	return failed;
}

/*
 * nth fails that call alone; interval every interval-th; times caps the
 * failures; a probability fails a share, the same calls for the same seed;
 * sites not chosen never fail and are not counted.
 */
static void test_choices(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_fail_config c = { .sites = DMAMAP_FAIL_PAGE_ALLOC };
	struct dmamap_fail_stats st;
	u64 a, b;

	(void)state;
	c.nth = 3;
	assert_int_equal(pattern(m, &c, 10), 1ULL << 2);
	c.nth = 1;
	assert_int_equal(pattern(m, &c, 10), 1ULL << 0);
	c.nth = 11;
	assert_int_equal(pattern(m, &c, 10), 0);

	c.nth = 0;
	c.interval = 4;
	assert_int_equal(pattern(m, &c, 12), (1ULL << 3) | (1ULL << 7) | (1ULL << 11));
	c.times = 2;
	assert_int_equal(pattern(m, &c, 12), (1ULL << 3) | (1ULL << 7));
	c.interval = 0;
	c.times = 0;
	assert_int_equal(pattern(m, &c, 5), 0x1f);	/* every call */

	c.probability = 30;
	c.seed = 1234;
	a = pattern(m, &c, 64);
	b = pattern(m, &c, 64);
	assert_int_equal(a, b);
	/* a share: neither none nor all of 64 (at 30 %, both are below 2^-20 likely) */
	assert_true(__builtin_popcountll(a) > 4 && __builtin_popcountll(a) < 40);
	c.seed = 99;
	assert_true(pattern(m, &c, 64) != a);

	/* another site chosen: page allocations neither fail nor count */
	memset(&c, 0, sizeof(c));
	c.sites = DMAMAP_FAIL_IOVA | DMAMAP_FAIL_SLAB;
	assert_int_equal(dmamap_fail_set(&c), 0);
	dmamap_free_pages(dmamap_alloc_pages(m, GFP_KERNEL, 0), 0);
	assert_null(dmamap_kmalloc(m, 64, GFP_KERNEL));
	dmamap_fail_stats(&st);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.failed_at[1], 1);		/* slab */
	assert_int_equal(dmamap_fail_set(NULL), 0);
	dmamap_fail_stats(&st);
	assert_int_equal(st.calls, 0);

	assert_int_equal(dmamap_fail_set(&(struct dmamap_fail_config){ .sites = 1UL << 9 }),
			 -EINVAL);
	assert_int_equal(dmamap_fail_set(&(struct dmamap_fail_config){
		.sites = DMAMAP_FAIL_SLAB, .probability = 101 }), -EINVAL);
	assert_string_equal(dmamap_fail_site_name(DMAMAP_FAIL_HOST), "host");
	assert_string_equal(dmamap_fail_site_name(DMAMAP_FAIL_PAGE_ALLOC), "page_alloc");
	assert_string_equal(dmamap_fail_site_name(3), "unknown");
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* With a machine chosen, only its calls count and fail. */
static void test_machine_filter(void **state)
{
	struct dmamap_machine *a = test_machine(NULL), *b = test_machine(NULL);
	struct dmamap_fail_config c = { .sites = DMAMAP_FAIL_PAGE_ALLOC, .machine = b };
	struct dmamap_fail_stats st;
	struct page *p;

	(void)state;
	assert_int_equal(dmamap_fail_set(&c), 0);
	p = dmamap_alloc_pages(a, GFP_KERNEL, 0);
	assert_non_null(p);
	dmamap_free_pages(p, 0);
	assert_null(dmamap_alloc_pages(b, GFP_KERNEL, 0));
	dmamap_fail_stats(&st);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.failed_at[0], 1);
	assert_int_equal(dmamap_fail_set(NULL), 0);
	test_assert_no_leaks(a);
	test_assert_no_leaks(b);
	dmamap_machine_destroy(a);
	dmamap_machine_destroy(b);
}

/*
 * DMAMAP_FAIL, read when the first machine of a process is made: run in a
 * child per value, which says through its exit status which of its
 * coherent allocations on a non-coherent device (each takes an area of the
 * VA window) failed, or 100 when the machine could not be made.
 */
static int env_child(const char *value, unsigned int allocs)
{
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config dc = { 0 };
	struct dmamap_machine *m = NULL;
	struct device *dev;
	int failed = 0;

	setenv("DMAMAP_FAIL", value, 1);
	if (dmamap_machine_create(&mc, &m))
		return 100;
	if (dmamap_device_create(m, &dc, &dev))
		return 101;
	for (unsigned int i = 0; i < allocs; i++) {
		dma_addr_t dma;
		void *p = dma_alloc_coherent(dev, PAGE_SIZE, &dma, GFP_KERNEL | __GFP_NOWARN);

		if (!p)
			failed |= 1 << i;
		else
			dma_free_coherent(dev, PAGE_SIZE, p, dma);
	}
	dmamap_machine_destroy(m);
	return failed;
}

/* This program again, in a fresh process: "--env VALUE ALLOCS" runs env_child(). */
static int run_env(const char *value, unsigned int allocs)
{
	char n[16];
	int status;
	pid_t pid;

	snprintf(n, sizeof(n), "%u", allocs);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		test_exec_self((const char *const[]){ "test-mm-fail", "--env", value, n, NULL });
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_environment(void **state)
{
	(void)state;
	assert_int_equal(run_env("vmalloc:nth=2", 4), 1 << 1);
	assert_int_equal(run_env("vmalloc,iova:interval=2:times=1", 4), 1 << 1);
	assert_int_equal(run_env("vmalloc:interval=3:seed=5:probability=100:verbose", 6),
			 (1 << 2) | (1 << 5));
	/* every site, the third call of the process: inside the machine's creation */
	assert_int_equal(run_env("all:nth=3", 4), 100);
	/* not understood: said, and nothing fails */
	assert_int_equal(run_env("vmalloc:often", 4), 0);
	assert_int_equal(run_env("nowhere", 4), 0);
	assert_int_equal(run_env("vmalloc:nth=x", 4), 0);
	assert_int_equal(run_env("", 4), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_machine_filter),
		cmocka_unit_test(test_environment),
	};

	if (argc == 4 && !strcmp(argv[1], "--env"))
		return env_child(argv[2], (unsigned int)atoi(argv[3]));
	return cmocka_run_group_tests_name("mm-fail", tests, NULL, NULL);
}
