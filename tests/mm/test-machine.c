// SPDX-License-Identifier: MIT
/*
 * The machine (machine.c): configuration and its refusals, the address
 * translations between frames, pfns, physical and linear addresses, the
 * page -> machine lookup, sparseness, and that a destroyed machine leaves
 * nothing of itself in the process.
 */
#include "test-util.h"
#include "mm/mm.h"
#include "mm/host.h"
#include "mm/vmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct dmamap_bank two_banks[] = {
	{ 0x200000000ULL, 64ULL << 20 },	/* given out of order: sorted by the machine */
	{ 0x80000000ULL, 64ULL << 20 },
};

static int try_create(const struct dmamap_bank *banks, unsigned int nr)
{
	struct dmamap_machine_config cfg = { .banks = banks, .nr_banks = nr };
	struct dmamap_machine *m = (struct dmamap_machine *)&cfg;	/* must be cleared */
	int ret = dmamap_machine_create(&cfg, &m);

	if (ret)
		assert_null(m);
	else
		dmamap_machine_destroy(m);
	return ret;
}

/*
 * Resident host pages in [addr, addr+len): mincore(), or where the host
 * refuses it because part of the range is PROT_NONE (qemu-user checks that
 * the guest may read the whole range first), the pages the process's page
 * table maps there (/proc/self/pagemap, bit 63).
 */
static unsigned long resident_pages(const void *addr, size_t len)
{
	size_t n = DIV_ROUND_UP(len, PAGE_SIZE);
	unsigned char *vec = calloc(n, 1);
	unsigned long r = 0;

	assert_non_null(vec);
	if (mincore((void *)addr, n * PAGE_SIZE, vec) == 0) {
		for (size_t i = 0; i < n; i++)
			r += vec[i] & 1;
	} else {
		int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		u64 ents[512];

		assert_int_equal(errno, ENOMEM);
		assert_true(fd >= 0);
		for (size_t i = 0; i < n; i += ARRAY_SIZE(ents)) {
			size_t k = min(n - i, ARRAY_SIZE(ents));
			off_t off = (off_t)((((unsigned long)addr >> PAGE_SHIFT) + i) * 8);

			assert_int_equal(pread(fd, ents, k * 8, off), (ssize_t)(k * 8));
			for (size_t j = 0; j < k; j++)
				r += ents[j] >> 63;
		}
		close(fd);
	}
	free(vec);
	return r;
}

static void test_defaults(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	const struct dmamap_machine_config *cfg = dmamap_machine_config(m);
	struct dmamap_stats st;

	(void)state;
	assert_int_equal(cfg->nr_banks, 1);
	assert_int_equal(cfg->banks[0].base, 0x80000000ULL);
	assert_int_equal(cfg->banks[0].size, 256ULL << 20);
	assert_int_equal(cfg->vmalloc_size, 128ULL << 20);
	assert_int_equal(cfg->atomic_pool_size, 256ULL << 10);
	assert_int_equal(cfg->swiotlb_size, 4ULL << 20);
	assert_int_equal(cfg->cache, DMAMAP_CACHE_COHERENT);
	assert_int_equal(cfg->debug, 0);
	dmamap_machine_stats(m, &st);
	assert_int_equal(st.pages_total, (256ULL << 20) >> PAGE_SHIFT);
	assert_int_equal(st.vmalloc_size, 128ULL << 20);
	assert_int_equal(st.api_errors, 0);
	assert_null(dmamap_machine_config(NULL));
	dmamap_machine_stats(NULL, &st);	/* ignored */
	dmamap_machine_stats(m, NULL);
	dmamap_machine_destroy(NULL);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static const struct dmamap_machine_config banks_sorted_mc = { .banks = two_banks, .nr_banks = 2 };

static void test_banks_sorted(void **state)
{
	struct dmamap_machine *m = *state;
	const struct dmamap_machine_config *c = dmamap_machine_config(m);
	struct dmamap_stats st;

	assert_int_equal(c->nr_banks, 2);
	assert_int_equal(c->banks[0].base, 0x80000000ULL);
	assert_int_equal(c->banks[1].base, 0x200000000ULL);
	assert_ptr_not_equal(c->banks, two_banks);	/* the caller's array is not kept */
	dmamap_machine_stats(m, &st);
	assert_int_equal(st.pages_total, 2 * ((64ULL << 20) >> PAGE_SHIFT));
	assert_int_equal(st.pages_free, st.pages_total - test_reserved_pages(m));
}

/* Bad configurations get -EINVAL, *out is cleared, and nothing is left behind. */
static void bad_config_pass(void)
{
	static const struct dmamap_bank overlap[] = { { 0x80000000ULL, SZ_2M }, { 0x80100000ULL, SZ_2M } };
	static const struct dmamap_bank overlap_same[] = { { 0x80000000ULL, SZ_2M },
							   { 0x80000000ULL, SZ_2M } };
	static const struct dmamap_bank unaligned_base[] = { { 0x80000800ULL, SZ_2M } };
	static const struct dmamap_bank unaligned_size[] = { { 0x80000000ULL, SZ_2M + 1 } };
	static const struct dmamap_bank zero_size[] = { { 0x80000000ULL, SZ_2M }, { 0x90000000ULL, 0 } };
	static const struct dmamap_bank beyond[] = { { (1ULL << 48) - SZ_1M, SZ_2M } };
	static const struct dmamap_bank wraps[] = { { ~0ULL - 0xfff, SZ_2M } };
	struct dmamap_bank many[DMAMAP_MAX_BANKS + 1];
	struct dmamap_machine_config cfg;
	struct dmamap_machine *m;

	for (unsigned int i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct dmamap_bank){ 0x80000000ULL + i * SZ_16M, SZ_1M };
	assert_int_equal(try_create(overlap, 2), -EINVAL);
	assert_int_equal(try_create(overlap_same, 2), -EINVAL);
	assert_int_equal(try_create(unaligned_base, 1), -EINVAL);
	assert_int_equal(try_create(unaligned_size, 1), -EINVAL);
	assert_int_equal(try_create(zero_size, 2), -EINVAL);
	assert_int_equal(try_create(beyond, 1), -EINVAL);
	assert_int_equal(try_create(wraps, 1), -EINVAL);
	assert_int_equal(try_create(many, DMAMAP_MAX_BANKS + 1), -EINVAL);
	assert_int_equal(try_create(many, DMAMAP_MAX_BANKS), 0);	/* the limit itself */
	assert_int_equal(try_create(NULL, 2), -EINVAL);
	assert_int_equal(try_create(overlap, 0), -EINVAL);
	/* adjacent banks are fine */
	{
		static const struct dmamap_bank adj[] = { { 0x80200000ULL, SZ_2M }, { 0x80000000ULL, SZ_2M } };

		assert_int_equal(try_create(adj, 2), 0);
	}

	m = (struct dmamap_machine *)&cfg;
	assert_int_equal(dmamap_machine_create(NULL, NULL), -EINVAL);
	cfg = (struct dmamap_machine_config){ .vmalloc_size = SZ_1M + 1 };
	assert_int_equal(dmamap_machine_create(&cfg, &m), -EINVAL);
	assert_null(m);
	cfg = (struct dmamap_machine_config){ .vmalloc_size = PAGE_SIZE };	/* no room for a guard */
	assert_int_equal(dmamap_machine_create(&cfg, &m), -EINVAL);
	cfg = (struct dmamap_machine_config){ .atomic_pool_size = 100 };
	assert_int_equal(dmamap_machine_create(&cfg, &m), -EINVAL);
	cfg = (struct dmamap_machine_config){ .swiotlb_size = SZ_1M - 1 };
	assert_int_equal(dmamap_machine_create(&cfg, &m), -EINVAL);
	cfg = (struct dmamap_machine_config){ .cache = (enum dmamap_cache_model)7 };
	assert_int_equal(dmamap_machine_create(&cfg, &m), -EINVAL);
	cfg = (struct dmamap_machine_config){ .debug = 1UL << 20 };
	assert_int_equal(dmamap_machine_create(&cfg, &m), -EINVAL);
	cfg = (struct dmamap_machine_config){ .swiotlb_size = DMAMAP_SWIOTLB_OFF };
	assert_int_equal(dmamap_machine_create(&cfg, &m), 0);
	dmamap_machine_destroy(m);

}

static void test_bad_configs(void **state)
{
	struct dmamap_machine *m;
	long fds, maps;

	(void)state;
	/*
	 * A first pass warms up what the process sets up once (the host's
	 * allocator maps arenas as sizes first appear); the second must leave
	 * nothing behind.
	 */
	m = test_machine(NULL);
	dmamap_machine_destroy(m);
	bad_config_pass();
	fds = test_count_fds();
	maps = test_count_maps();
	bad_config_pass();
	assert_int_equal(test_count_fds(), fds);
	assert_int_equal(test_count_maps(), maps);
	m = test_machine(NULL);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* page_address / page_to_phys / pfn_to_page / virt_to_page over two banks, one above 4 GiB. */
static void test_round_trips(void **state)
{
	struct dmamap_machine_config cfg = { .banks = two_banks, .nr_banks = 2 };
	struct dmamap_machine *m = test_machine(&cfg);
	struct dmamap_machine *other = test_machine(NULL);
	static const phys_addr_t bases[] = { 0x80000000ULL, 0x200000000ULL };
	const unsigned long per_bank = (64UL << 20) >> PAGE_SHIFT;

	(void)state;
	for (int b = 0; b < 2; b++) {
		unsigned long base_pfn = (unsigned long)(bases[b] >> PAGE_SHIFT);
		struct page *first = dmamap_pfn_to_page(m, base_pfn);

		assert_non_null(first);
		for (unsigned long i = 0; i < per_bank; i += 997) {
			unsigned long pfn = base_pfn + i;
			struct page *p = dmamap_pfn_to_page(m, pfn);
			u8 *va;

			assert_ptr_equal(p, nth_page(first, i));	/* one array per bank run */
			assert_int_equal(page_to_pfn(p), pfn);
			assert_int_equal(page_to_phys(p), PFN_PHYS(pfn));
			va = page_address(p);
			assert_non_null(va);
			assert_int_equal((unsigned long)va & (PAGE_SIZE - 1), 0);
			assert_ptr_equal(dmamap_virt_to_page(m, va), p);
			assert_ptr_equal(dmamap_virt_to_page(m, va + PAGE_SIZE - 1), p);
			assert_ptr_equal(mm_phys_to_linear(m, PFN_PHYS(pfn) + 123), va + 123);
			assert_int_equal(mm_linear_to_phys(m, va + 123), PFN_PHYS(pfn) + 123);
			assert_ptr_equal(dmamap_page_machine(p), m);
		}
		/* the last frame of the bank, and the first past it */
		assert_non_null(dmamap_pfn_to_page(m, base_pfn + per_bank - 1));
		assert_null(dmamap_pfn_to_page(m, base_pfn + per_bank));
		assert_null(dmamap_pfn_to_page(m, base_pfn - 1));
	}
	/* the linear map is contiguous across banks, the physical space is not */
	{
		struct page *last_low = dmamap_pfn_to_page(m, (0x80000000UL >> PAGE_SHIFT) + per_bank - 1);
		struct page *first_high = dmamap_pfn_to_page(m, 0x200000000UL >> PAGE_SHIFT);

		assert_ptr_equal((u8 *)page_address(last_low) + PAGE_SIZE, page_address(first_high));
		assert_int_equal(page_to_phys(first_high), 0x200000000ULL);
	}
	assert_null(dmamap_pfn_to_page(m, 0));
	assert_null(dmamap_pfn_to_page(m, ~0UL));
	assert_null(dmamap_pfn_to_page(NULL, 0x80000));
	/* addresses that are not this machine's linear map */
	assert_null(dmamap_virt_to_page(m, &cfg));
	assert_null(dmamap_virt_to_page(m, NULL));
	assert_null(dmamap_virt_to_page(m, page_address(dmamap_pfn_to_page(other, 0x80000))));
	assert_null(dmamap_virt_to_page(NULL, page_address(dmamap_pfn_to_page(m, 0x80000))));
	assert_int_equal(mm_linear_to_phys(m, &cfg), (phys_addr_t)-1);
	/* pages of two machines find their own machine */
	assert_ptr_equal(dmamap_page_machine(dmamap_pfn_to_page(other, 0x80000)), other);
	assert_null(dmamap_page_machine(NULL));
	assert_null(dmamap_page_machine((struct page *)&cfg));
	assert_null(dmamap_page_machine((struct page *)((u8 *)dmamap_pfn_to_page(m, 0x80000) + 1)));
	/* phys helpers */
	assert_true(mm_phys_is_ram(m, 0x80000000ULL, 64ULL << 20));
	assert_false(mm_phys_is_ram(m, 0x80000000ULL, (64ULL << 20) + 1));	/* runs off the bank */
	assert_false(mm_phys_is_ram(m, 0x100000000ULL, 1));
	assert_null(mm_phys_to_mem(m, 0x100000000ULL));
	assert_int_equal(mm_phys_gidx(m, 0x200000000ULL), per_bank);
	assert_int_equal(mm_phys_gidx(m, 0x7ffff000ULL), ~0UL);
	test_assert_no_leaks(other);
	dmamap_machine_destroy(other);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static const struct dmamap_bank big[] = { { 0x80000000ULL, 4ULL << 30 } };
static const struct dmamap_machine_config sparse_mc = {
	.banks = big,
	.nr_banks = 1,
	.cache = DMAMAP_CACHE_NONCOHERENT,
};

/*
 * Creation populates nothing, the DMA pools included: host memory is used
 * only as frames and their struct pages are touched.
 */
static void test_sparse(void **state)
{
	struct dmamap_machine *m = *state;
	struct page *p;
	u8 *va;

	assert_int_not_equal(dmamap_machine_config(m)->swiotlb_size, DMAMAP_SWIOTLB_OFF);
	assert_int_not_equal(dmamap_machine_config(m)->atomic_pool_size, DMAMAP_ATOMIC_POOL_OFF);
	assert_int_equal(resident_pages(m->mem, m->mem_size), 0);
	assert_int_equal(resident_pages(m->linear, m->mem_size), 0);
	/* the whole reservation: page array, cookie tables, cookie region, VA window */
	assert_int_equal(resident_pages(m->host_base, m->host_span), 0);

	p = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	va = page_address(p);
	va[0] = 1;	/* a CPU write: one private copy, and the memfd page it copies */
	assert_int_equal(resident_pages(m->linear, m->mem_size), 1);
	assert_true(resident_pages(m->mem, m->mem_size) <= 1);
	((u8 *)mm_phys_to_mem(m, page_to_phys(p)))[0] = 2;
	assert_int_equal(resident_pages(m->mem, m->mem_size), 1);
	/* one struct page written: one page of the array */
	assert_int_equal(resident_pages(m->pages, m->pages_bytes), 1);
	dmamap_free_pages(p, 0);
}

/*
 * 1,000 create/destroy cycles (test_scaled()) leave no file descriptor and
 * no host mapping behind.
 */
static void test_create_destroy_cycles(void **state)
{
	struct dmamap_machine_config cfg = { .banks = two_banks, .nr_banks = 2 };
	struct dmamap_machine *m;
	long fds, maps;

	(void)state;
	m = test_machine(&cfg);
	dmamap_machine_destroy(m);
	fds = test_count_fds();
	maps = test_count_maps();
	for (unsigned long i = 0, n = test_scaled(1000); i < n; i++) {
		cfg.cache = i & 1 ? DMAMAP_CACHE_NONCOHERENT : DMAMAP_CACHE_COHERENT;
		m = test_machine(&cfg);
		dmamap_machine_destroy(m);
	}
	assert_int_equal(test_count_fds(), fds);
	assert_int_equal(test_count_maps(), maps);
	m = test_machine(&cfg);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/*
 * Destroying a machine that still holds everything the mm layer hands out
 * (pages, kmalloc objects, VA areas with host mappings, cookies, user VMAs
 * with mappings) releases all of it.
 */
static void live_cycle(const struct dmamap_machine_config *cfg)
{
	struct dmamap_machine *m = test_machine(cfg);
	struct page *pages[4];
	struct vm_area_struct *vma;
	struct page *p;

	p = dmamap_alloc_pages(m, GFP_KERNEL, 3);
	assert_non_null(p);
	memset(page_address(p), 0x11, 8 * PAGE_SIZE);
	assert_non_null(dmamap_kmalloc(m, 200, GFP_KERNEL));
	assert_non_null(dmamap_kmalloc(m, 20000, GFP_DMA32));
	pages[0] = p + 5;
	pages[1] = p;
	pages[2] = p + 1;
	pages[3] = p + 7;
	assert_non_null(mm_vmap(m, pages, 4, 0));
	assert_non_null(mm_cookie_alloc(m, p));
	assert_int_equal(dmamap_vma_create(m, 4 * PAGE_SIZE, 0, &vma), 0);
	assert_int_equal(mm_vma_map_phys(vma, PAGE_SIZE, page_to_phys(p), 2 * PAGE_SIZE), 0);
	dmamap_machine_destroy(m);
}

/*
 * Destroying a machine that still holds everything the mm layer hands out
 * (pages, kmalloc objects, VA areas with host mappings, cookies, user VMAs
 * with mappings) releases all of it.
 */
static void test_destroy_with_everything_live(void **state)
{
	struct dmamap_machine_config cfg = { .banks = two_banks, .nr_banks = 2,
					     .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_machine *m;
	long fds, maps;

	(void)state;
	/* the host's malloc grows its own regions during the first rounds */
	for (int i = 0; i < 20; i++)
		live_cycle(&cfg);
	fds = test_count_fds();
	maps = test_count_maps();
	for (unsigned long i = 0, n = test_scaled(50); i < n; i++)
		live_cycle(&cfg);
	assert_int_equal(test_count_fds(), fds);
	assert_int_equal(test_count_maps(), maps);
	assert_int_equal(host_vmas_in_use(), 0);
	m = test_machine(&cfg);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		TEST_MACHINE_CASE(test_banks_sorted, &banks_sorted_mc),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_round_trips),
		TEST_MACHINE_CASE(test_sparse, &sparse_mc),
		cmocka_unit_test(test_create_destroy_cycles),
		cmocka_unit_test(test_destroy_with_everything_live),
	};

	return cmocka_run_group_tests_name("mm-machine", tests, NULL, NULL);
}
