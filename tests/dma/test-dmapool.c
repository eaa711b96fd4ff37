// SPDX-License-Identifier: MIT
/*
 * dma_pool (src/dma/dmapool.c): the kernel's rules for size, alignment and
 * boundary; blocks that both sides see without syncs; every bad free refused
 * and reported; poison; destruction of a busy pool; managed pools; threads.
 */
#include "test-util.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct dmamap_machine *m;
	struct device *dev;
};

static void setup(struct fixture *f, enum dmamap_cache_model cache, bool coherent)
{
	struct dmamap_machine_config mc = { .cache = cache };
	struct dmamap_device_config dc = { .name = "nic", .coherent = coherent };

	f->m = test_machine(&mc);
	f->dev = test_device(f->m, &dc, NULL);
}

static void teardown(struct fixture *f)
{
	dmamap_device_destroy(f->dev);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

static u64 errors(struct fixture *f)
{
	return test_stats(f->m).api_errors;
}

/* What dma_pool_create() refuses, as the kernel does. */
static void test_create_rules(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, DMAMAP_CACHE_COHERENT, true);
	assert_null(dma_pool_create("p", NULL, 64, 8, 0));
	assert_null(dma_pool_create("p", f.dev, 0, 8, 0));
	assert_null(dma_pool_create("p", f.dev, (size_t)INT_MAX + 1, 8, 0));
	assert_null(dma_pool_create("p", f.dev, 64, 24, 0));		/* align not 2^n */
	assert_null(dma_pool_create("p", f.dev, 64, 8, 96));		/* boundary not 2^n */
	assert_null(dma_pool_create("p", f.dev, 64, 8, 32));		/* boundary < size */
	assert_null(dma_pool_create("p", f.dev, 40, 32, 32));		/* size aligned to 64 > 32 */
	{
		struct dma_pool *p = dma_pool_create(NULL, f.dev, 64, 0, 64);

		assert_non_null(p);
		dma_pool_destroy(p);
	}
	dma_pool_destroy(NULL);
	assert_int_equal(errors(&f), 0);
	teardown(&f);
}

/*
 * Blocks of 24 bytes aligned to 32 become 32-byte blocks; with size 96 and a
 * 256-byte boundary two blocks fit per segment and none crosses a boundary:
 * 32 blocks per 4 KiB chunk, the 33rd from a second chunk.
 */
static void test_layout(void **state)
{
	struct fixture f;
	struct dma_pool *p;
	dma_addr_t dma[40], first_chunk;
	void *v[40];

	(void)state;
	setup(&f, DMAMAP_CACHE_COHERENT, true);
	p = dma_pool_create("ring", f.dev, 24, 32, 0);
	assert_non_null(p);
	v[0] = dma_pool_alloc(p, GFP_KERNEL, &dma[0]);
	v[1] = dma_pool_alloc(p, GFP_KERNEL, &dma[1]);
	assert_non_null(v[0]);
	assert_non_null(v[1]);
	assert_int_equal((unsigned long)v[0] % 32, 0);
	assert_int_equal(dma[0] % 32, 0);
	assert_int_equal(labs((long)((char *)v[1] - (char *)v[0])), 32);	/* rounded up to 32 */
	dma_pool_free(p, v[0], dma[0]);
	dma_pool_free(p, v[1], dma[1]);
	dma_pool_destroy(p);

	p = dma_pool_create("seg", f.dev, 96, 8, 256);
	assert_non_null(p);
	for (int i = 0; i < 33; i++) {
		v[i] = dma_pool_alloc(p, GFP_KERNEL, &dma[i]);
		assert_non_null(v[i]);
		assert_int_equal(dma[i] / 256, (dma[i] + 95) / 256);	/* no boundary crossed */
		assert_int_equal(dma[i] % 8, 0);
		for (int j = 0; j < i; j++)
			assert_true(dma[i] + 96 <= dma[j] || dma[j] + 96 <= dma[i]);
	}
	first_chunk = dma[0] & ~(dma_addr_t)(PAGE_SIZE - 1);
	for (int i = 0; i < 32; i++)
		assert_int_equal(dma[i] & ~(dma_addr_t)(PAGE_SIZE - 1), first_chunk);
	assert_int_not_equal(dma[32] & ~(dma_addr_t)(PAGE_SIZE - 1), first_chunk);
	for (int i = 0; i < 33; i++)
		dma_pool_free(p, v[i], dma[i]);
	dma_pool_destroy(p);

	/* blocks larger than a page: one per chunk of that size */
	p = dma_pool_create("big", f.dev, 3 * PAGE_SIZE, PAGE_SIZE, 0);
	v[0] = dma_pool_alloc(p, GFP_KERNEL, &dma[0]);
	v[1] = dma_pool_alloc(p, GFP_KERNEL, &dma[1]);
	assert_non_null(v[0]);
	assert_non_null(v[1]);
	assert_int_equal(dma[0] % PAGE_SIZE, 0);
	dma_pool_free(p, v[0], dma[0]);
	dma_pool_free(p, v[1], dma[1]);
	dma_pool_destroy(p);
	assert_int_equal(errors(&f), 0);
	teardown(&f);
}

/*
 * The blocks are coherent memory: on a non-coherent machine, a device
 * without snooping and the CPU see each other's writes with no sync.
 */
static void test_coherent_blocks(void **state)
{
	struct fixture f;
	struct dma_pool *p;
	dma_addr_t dma;
	u8 *v, buf[64];

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, false);
	p = dma_pool_create("desc", f.dev, 64, 64, 0);
	v = dma_pool_zalloc(p, GFP_KERNEL, &dma);
	assert_non_null(v);
	assert_true(test_all_bytes(v, 64, 0));
	test_fill_pattern(v, 64, 1);
	assert_true(test_device_sees(f.dev, dma, 64, 1));
	test_device_writes(f.dev, dma, 64, 2);
	assert_int_equal(test_check_pattern(v, 64, 2), -1);
	/* without __GFP_ZERO the block carries the allocation poison */
	{
		dma_addr_t d2;
		u8 *v2 = dma_pool_alloc(p, GFP_ATOMIC, &d2);

		assert_non_null(v2);
		assert_true(test_all_bytes(v2, 64, 0xa9));
		assert_int_equal(dmamap_bus_read(f.dev, d2, buf, 64, NULL), 0);
		assert_true(test_all_bytes(buf, 64, 0xa9));
		dma_pool_free(p, v2, d2);
	}
	dma_pool_free(p, v, dma);
	dma_pool_destroy(p);
	assert_int_equal(errors(&f), 0);
	teardown(&f);
}

/* Every bad free is refused and reported, and changes nothing. */
static void test_bad_free(void **state)
{
	struct fixture f;
	struct dma_pool *p, *q;
	dma_addr_t dma, qdma;
	u8 *v, *qv;
	u64 e;

	(void)state;
	setup(&f, DMAMAP_CACHE_COHERENT, true);
	p = dma_pool_create("p", f.dev, 128, 16, 0);
	q = dma_pool_create("q", f.dev, 128, 16, 0);
	v = dma_pool_alloc(p, GFP_KERNEL, &dma);
	qv = dma_pool_alloc(q, GFP_KERNEL, &qdma);
	e = errors(&f);
	dma_pool_free(p, qv, qdma);			/* another pool's block */
	assert_int_equal(errors(&f), e + 1);
	dma_pool_free(p, v + 16, dma + 16);		/* inside a block */
	assert_int_equal(errors(&f), e + 2);
	dma_pool_free(p, v, dma + 128);			/* not the block's DMA address */
	assert_int_equal(errors(&f), e + 3);
	dma_pool_free(p, v + 128, dma + 128);		/* a block never handed out */
	assert_int_equal(errors(&f), e + 4);
	dma_pool_free(p, v, dma);			/* the right one */
	assert_int_equal(errors(&f), e + 4);
	dma_pool_free(p, v, dma);			/* twice */
	assert_int_equal(errors(&f), e + 5);
	dma_pool_free(q, qv, qdma);
	dma_pool_free(NULL, v, dma);
	assert_int_equal(errors(&f), e + 5);
	dma_pool_destroy(p);
	dma_pool_destroy(q);
	assert_int_equal(errors(&f), e + 5);
	teardown(&f);
}

/* A device writing a block after its free is caught when the block is handed out again. */
static void test_write_after_free(void **state)
{
	struct fixture f;
	struct dma_pool *p;
	dma_addr_t dma, again;
	u8 *v, *w;
	u64 e;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, false);
	p = dma_pool_create("rx", f.dev, 256, 64, 0);
	v = dma_pool_alloc(p, GFP_KERNEL, &dma);
	dma_pool_free(p, v, dma);
	e = errors(&f);
	test_device_writes(f.dev, dma + 8, 4, 9);	/* late completion into a freed block */
	w = dma_pool_alloc(p, GFP_KERNEL, &again);
	assert_ptr_equal(w, v);
	assert_int_equal(again, dma);
	assert_int_equal(errors(&f), e + 1);
	dma_pool_free(p, w, again);
	dma_pool_destroy(p);
	teardown(&f);
}

/*
 * A busy pool is reported at destruction and its memory stays the device's
 * (it may still be written) until the device goes.
 */
static void test_destroy_busy(void **state)
{
	struct fixture f;
	struct dma_pool *p;
	dma_addr_t dma;
	u64 e, free_before;

	(void)state;
	setup(&f, DMAMAP_CACHE_COHERENT, true);
	free_before = test_stats(f.m).pages_free;
	p = dma_pool_create("busy", f.dev, 512, 64, 0);
	assert_non_null(dma_pool_alloc(p, GFP_KERNEL, &dma));
	e = errors(&f);
	dma_pool_destroy(p);
	assert_int_equal(errors(&f), e + 1);
	assert_int_equal(test_stats(f.m).pages_free, free_before - 1);
	test_device_writes(f.dev, dma, 512, 3);		/* still memory of the device */
	teardown(&f);					/* and released with it */
}

/* Managed pools go with the device; a pool the driver forgot is reported and freed. */
static void test_managed(void **state)
{
	struct fixture f;
	struct dma_pool *p, *q, *r;
	dma_addr_t dma;
	void *v;
	u64 e;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, false);
	p = dmam_pool_create("managed", f.dev, 64, 64, 0);
	q = dmam_pool_create("early", f.dev, 64, 64, 0);
	assert_non_null(p);
	assert_non_null(q);
	v = dma_pool_alloc(p, GFP_KERNEL, &dma);
	assert_non_null(v);
	dma_pool_free(p, v, dma);
	assert_non_null(dma_pool_alloc(q, GFP_KERNEL, &dma));
	e = errors(&f);
	dmam_pool_destroy(q);				/* busy: one block left */
	assert_int_equal(errors(&f), e + 1);
	assert_null(dmam_pool_create("bad", f.dev, 64, 3, 0));
	e = errors(&f);
	teardown(&f);					/* p destroyed, no report */

	setup(&f, DMAMAP_CACHE_COHERENT, true);
	r = dma_pool_create("forgotten", f.dev, 64, 64, 0);
	assert_non_null(dma_pool_alloc(r, GFP_KERNEL, &dma));
	e = errors(&f);
	{
		struct dmamap_machine *m = f.m;

		dmamap_device_destroy(f.dev);
		assert_int_equal(test_stats(m).api_errors, e + 1);
		test_assert_no_leaks(m);
		dmamap_machine_destroy(m);
	}
}

/* Through an IOMMU the handles are IOVAs the device reaches. */
static void test_iommu(void **state)
{
	struct fixture f;
	struct dmamap_iommu_config ic = { 0 };
	struct iommu_domain *dom;
	struct dma_pool *p;
	dma_addr_t dma[3];
	void *v[3];

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT, false);
	assert_int_equal(dmamap_iommu_domain_create(f.m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, f.dev), 0);
	p = dma_pool_create("iommu", f.dev, 2048, 2048, 0);
	for (int i = 0; i < 3; i++) {
		v[i] = dma_pool_alloc(p, GFP_KERNEL, &dma[i]);
		assert_non_null(v[i]);
		assert_int_not_equal(iommu_iova_to_phys(dom, dma[i]), 0);
		test_fill_pattern(v[i], 2048, 10 + i);
	}
	for (int i = 0; i < 3; i++) {
		assert_true(test_device_sees(f.dev, dma[i], 2048, 10 + i));
		dma_pool_free(p, v[i], dma[i]);
	}
	dma_pool_destroy(p);
	iommu_detach_device(dom, f.dev);
	iommu_domain_free(dom);
	teardown(&f);
}

/* Threads taking and giving back blocks of one pool: every block handed out once. */
struct thread_arg {
	struct dma_pool *pool;
	struct device *dev;
	int id;
	int failures;
};

static void *pool_thread(void *p)
{
	struct thread_arg *a = p;
	dma_addr_t dma[16];
	u8 *v[16];

	for (int round = 0; round < 300; round++) {
		for (int i = 0; i < 16; i++) {
			v[i] = dma_pool_alloc(a->pool, GFP_KERNEL, &dma[i]);
			if (!v[i]) {
				a->failures++;
				return NULL;
			}
			memset(v[i], a->id * 16 + i, 32);
		}
		for (int i = 0; i < 16; i++) {
			if (!test_all_bytes(v[i], 32, (u8)(a->id * 16 + i)))
				a->failures++;
			dma_pool_free(a->pool, v[i], dma[i]);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture f;
	struct thread_arg a[4];
	pthread_t t[4];

	(void)state;
	setup(&f, DMAMAP_CACHE_COHERENT, true);
	a[0].pool = dma_pool_create("mt", f.dev, 32, 32, 0);
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ a[0].pool, f.dev, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, pool_thread, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].failures, 0);
	}
	dma_pool_destroy(a[0].pool);
	assert_int_equal(errors(&f), 0);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rules),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_coherent_blocks),
		cmocka_unit_test(test_bad_free),
		cmocka_unit_test(test_write_after_free),
		cmocka_unit_test(test_destroy_busy),
		cmocka_unit_test(test_managed),
		cmocka_unit_test(test_iommu),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("dmapool", tests, NULL, NULL);
}
