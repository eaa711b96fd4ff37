// SPDX-License-Identifier: MIT
/*
 * The host seam (host.c): the few host calls the model makes on memory, each
 * checked for what the rest of mm relies on.
 */
#include "test-util.h"
#include "mm/host.h"
#include "mm/mm.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

static unsigned int private_count(const void *addr, size_t npages)
{
	unsigned long bits[2] = { 0 };
	unsigned int n = 0;

	assert_true(npages <= 128);
	assert_int_equal(host_private_pages(addr, npages, bits), 0);
	for (size_t i = 0; i < npages; i++)
		n += (bits[i / 64] >> (i % 64)) & 1;
	return n;
}

/* A sparse memfd, a shared and a private view of it, and what each sees. */
static void test_views(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	const size_t size = 64 * PAGE_SIZE;
	int fd = host_memfd(size);
	u8 *shared, *priv;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(host_check_page_size(), 0);
	shared = host_map_file(fd, size, true);
	priv = host_map_file(fd, size, false);
	assert_non_null(shared);
	assert_non_null(priv);
	assert_int_equal(priv[5 * PAGE_SIZE], 0);
	shared[5 * PAGE_SIZE] = 1;
	assert_int_equal(priv[5 * PAGE_SIZE], 1);	/* no copy yet: reads the file */
	assert_int_equal(private_count(priv, 64), 0);

	/* one call gives every page of the range a private copy */
	assert_int_equal(host_populate_write(priv, 8 * PAGE_SIZE), 0);
	assert_int_equal(private_count(priv, 64), 8);
	shared[5 * PAGE_SIZE] = 2;
	assert_int_equal(priv[5 * PAGE_SIZE], 1);
	priv[6 * PAGE_SIZE] = 3;
	assert_int_equal(shared[6 * PAGE_SIZE], 0);
	/* one call drops them */
	assert_int_equal(host_discard(priv, 8 * PAGE_SIZE), 0);
	assert_int_equal(private_count(priv, 64), 0);
	assert_int_equal(priv[5 * PAGE_SIZE], 2);
	assert_int_equal(priv[6 * PAGE_SIZE], 0);
	/* a shared mapping never has private copies */
	shared[0] = 9;
	assert_int_equal(private_count(shared, 64), 0);

	/* the counted forms count one call each */
	{
		struct dmamap_stats st0, st1;

		dmamap_machine_stats(m, &st0);
		assert_int_equal(mm_host_populate_write(m, priv, 64 * PAGE_SIZE), 0);
		assert_int_equal(mm_host_discard(m, priv, 64 * PAGE_SIZE), 0);
		dmamap_machine_stats(m, &st1);
		assert_int_equal(st1.host_madvises - st0.host_madvises, 2);
	}
	host_release(shared, size);
	host_release(priv, size);
	host_release(NULL, size);		/* ignored */
	close(fd);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* Fixed mappings inside a reservation, and back to a reservation, counted. */
static void test_fixed_mappings(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	const size_t size = 16 * PAGE_SIZE;
	int fd = host_memfd(size);
	u8 *res = host_reserve(size);
	u8 *file = host_map_file(fd, size, true);
	struct dmamap_stats st0, st1;
	long maps0;

	(void)state;
	assert_non_null(res);
	maps0 = test_count_maps();
	dmamap_machine_stats(m, &st0);
	assert_int_equal(host_map_fixed(m, res + 4 * PAGE_SIZE, fd, 2 * PAGE_SIZE, 3 * PAGE_SIZE), 0);
	file[2 * PAGE_SIZE + 1] = 0x44;
	assert_int_equal(res[4 * PAGE_SIZE + 1], 0x44);
	res[6 * PAGE_SIZE] = 0x45;
	assert_int_equal(file[4 * PAGE_SIZE], 0x45);
	/* splitting the reservation: at most two more entries in the host's table */
	assert_true(test_count_maps() <= maps0 + 2);
	assert_int_equal(host_unmap_fixed(m, res + 4 * PAGE_SIZE, 3 * PAGE_SIZE), 0);
	dmamap_machine_stats(m, &st1);
	assert_int_equal(st1.host_mmaps - st0.host_mmaps, 1);
	assert_int_equal(st1.host_munmaps - st0.host_munmaps, 1);
	assert_int_equal(test_count_maps(), maps0);	/* the reservation is whole again */
	/* a NULL machine: not counted */
	assert_int_equal(host_map_fixed(NULL, res, fd, 0, PAGE_SIZE), 0);
	assert_int_equal(host_unmap_fixed(NULL, res, PAGE_SIZE), 0);
	dmamap_machine_stats(m, &st0);
	assert_int_equal(st0.host_mmaps, st1.host_mmaps);
	/* a bad offset is the host's error, returned as a negative errno */
	assert_true(host_map_fixed(m, res + PAGE_SIZE, fd, 100, PAGE_SIZE) < 0);
	host_release(res, size);
	host_release(file, size);
	close(fd);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_lazy_and_aligned(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	const size_t align = 1UL << 30, size = 3 * PAGE_SIZE;
	long maps0 = test_count_maps();
	/* the machine's own reservation is made this way: aligned, then made read-write */
	u8 *a = host_reserve_aligned(size, align);
	u8 *l = host_alloc_lazy(size);
	unsigned char vec[3];

	(void)state;
	assert_non_null(a);
	assert_int_equal(host_protect_rw(a, size), 0);
	assert_non_null(l);
	assert_int_equal((unsigned long)a & (align - 1), 0);
	assert_int_equal(mincore(a, size, vec), 0);
	assert_int_equal(vec[0] | vec[1] | vec[2], 0);	/* nothing populated */
	assert_int_equal(a[0] | a[size - 1] | l[0] | l[size - 1], 0);
	a[size - 1] = 1;
	l[0] = 1;
	host_release(a, size);
	host_release(l, size);
	assert_int_equal(test_count_maps(), maps0);	/* nothing left of the alignment slack */
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* The process's address space in bytes (VmSize), or 0. */
static unsigned long vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	unsigned long kib = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %lu kB", &kib) == 1)
			break;
	fclose(f);
	return kib << 10;
}

/*
 * A machine's reservation is aligned to 64 GiB: it must not map the
 * alignment's worth of address space on the way, which an address-space
 * limit (or an emulator that tracks every guest page) pays for.
 */
static void test_aligned_within_limit(void **state)
{
	const size_t align = 1UL << 36, size = 1UL << 20;
	struct rlimit old, lim;
	unsigned long used = vm_size();
	u8 *a;

	(void)state;
	assert_true(used > 0);
	assert_int_equal(getrlimit(RLIMIT_AS, &old), 0);
	if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < used + (1UL << 30))
		skip();
	lim = old;
	lim.rlim_cur = used + (1UL << 30);
	assert_int_equal(setrlimit(RLIMIT_AS, &lim), 0);
	a = host_reserve_aligned(size, align);
	assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);
	assert_non_null(a);
	assert_int_equal((unsigned long)a & (align - 1), 0);
	host_release(a, size);
}

/* The vm.max_map_count budget: two table entries per mapping, refused past the limit. */
static void test_mapping_budget(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	unsigned long limit = host_vmas_limit(), used = host_vmas_in_use();

	(void)state;
	assert_true(limit > 1000);
	assert_true(limit < 65530 / 2);		/* the margin is kept back */
	assert_int_equal(host_vmas_reserve(limit - used + 1), -ENOMEM);
	assert_int_equal(host_vmas_in_use(), used);	/* a refusal takes nothing */
	assert_int_equal(host_vmas_reserve(limit - used), 0);
	assert_int_equal(host_vmas_reserve(1), -ENOMEM);
	host_vmas_release(limit - used);
	assert_int_equal(host_vmas_in_use(), used);
	assert_int_equal(host_vmas_reserve(1), 0);
	host_vmas_release(1);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_fixed_mappings),
		cmocka_unit_test(test_lazy_and_aligned),
		cmocka_unit_test(test_aligned_within_limit),
		cmocka_unit_test(test_mapping_budget),
	};

	return cmocka_run_group_tests_name("mm-host", tests, NULL, NULL);
}
