// SPDX-License-Identifier: MIT
/*
 * IOMMU domains under concurrency. Threads that map, access and unmap
 * disjoint IOVA ranges of one domain, through devices that share IOTLBs,
 * never see each other's bytes, and a strict unmap takes effect for the
 * thread that made it at once. Threads using the DMA API on one DMA domain
 * get IOVAs that do not overlap while live (each buffer's bytes arrive
 * intact), in strict and in lazy mode with flushes racing the unmaps.
 */
#include "test-util.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

enum { NTHREADS = 4, NDEVS = 2, PAGES = 8, SLOTS = 4, ITERS = 400 };

struct worker {
	struct iommu_domain *d;
	struct device *dev;
	struct page *pages[PAGES];
	struct page *spare[PAGES];	/* the frames between */
	unsigned int id;
	bool strict;
	pthread_barrier_t *start;
	unsigned long bad;		/* wrong bytes, wrong return values */
	unsigned long unexpected;	/* faults where none should be, or none where one should */
};

static unsigned long slot_iova(unsigned int id, unsigned int slot)
{
	/* each thread owns 1 MiB of IOVA space; slot s maps the thread's pages at s * 64 KiB */
	return 0x10000000UL + ((unsigned long)id << 20) + ((unsigned long)slot << 16);
}

static void *unmanaged_fn(void *arg)
{
	struct worker *w = arg;
	size_t len = PAGES * PAGE_SIZE;
	u8 *src = malloc(len), *dst = malloc(len);
	u64 rng = 0x51ed270b27a4e3d1ULL * (w->id + 1);

	if (!src || !dst) {
		w->bad++;
		goto out;
	}
	pthread_barrier_wait(w->start);
	for (unsigned int it = 0; it < ITERS; it++) {
		unsigned int slot = (unsigned int)(test_rand(&rng) % SLOTS);
		unsigned long iova = slot_iova(w->id, slot);
		u32 seed = w->id * 100000 + it;
		size_t off = (size_t)(test_rand(&rng) % PAGE_SIZE);
		size_t n = len - off - (size_t)(test_rand(&rng) % PAGE_SIZE);
		struct dmamap_fault fault;

		/* page by page: the frames are scattered in IOVA order */
		for (unsigned int p = 0; p < PAGES; p++)
			if (iommu_map(w->d, iova + ((unsigned long)p << PAGE_SHIFT),
				      page_to_phys(w->pages[(p * 3 + slot) % PAGES]), PAGE_SIZE,
				      IOMMU_READ | IOMMU_WRITE, GFP_KERNEL))
				w->bad++;
		test_fill_pattern(src, n, seed);
		if (dmamap_bus_write(w->dev, iova + off, src, n, &fault))
			w->unexpected++;
		memset(dst, 0, n);
		if (dmamap_bus_read(w->dev, iova + off, dst, n, &fault))
			w->unexpected++;
		if (test_check_pattern(dst, n, seed) != -1)
			w->bad++;
		/* the CPU sees the same bytes in the frames */
		for (size_t b = off; b < off + n; b += 997) {
			unsigned int p = (unsigned int)(b >> PAGE_SHIFT);
			const u8 *cpu = page_address(w->pages[(p * 3 + slot) % PAGES]);

			if (cpu[b & (PAGE_SIZE - 1)] != src[b - off])
				w->bad++;
		}
		if (iommu_unmap(w->d, iova, len) != len)
			w->bad++;
		if (iommu_iova_to_phys(w->d, iova) != 0)
			w->bad++;
		/* strict: gone for the device at once */
		if (w->strict && dmamap_bus_read(w->dev, iova + off, dst, 1, &fault) != -EFAULT)
			w->unexpected++;
		if (!w->strict && it % 37 == 0)
			iommu_flush_iotlb_all(w->d);
	}
out:
	free(src);
	free(dst);
	return NULL;
}

static void run_unmanaged(enum dmamap_iommu_flush flush)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_iommu_config cfg = { .type = IOMMU_DOMAIN_UNMANAGED, .flush = flush };
	struct dmamap_device_config dcfg = { 0 };
	struct iommu_domain *d;
	struct device *devs[NDEVS];
	struct worker w[NTHREADS];
	pthread_t tid[NTHREADS];
	pthread_barrier_t start;
	u64 free0 = test_stats(m).pages_free;
	struct dmamap_stats st;

	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	for (int i = 0; i < NDEVS; i++) {
		devs[i] = test_device(m, &dcfg, d);
	}
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (unsigned int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .d = d, .dev = devs[i % NDEVS], .id = i,
					.strict = flush == DMAMAP_IOMMU_STRICT, .start = &start };
		/* every other frame taken: a thread's frames are seldom neighbours */
		for (int p = 0; p < PAGES; p++) {
			w[i].pages[p] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
			w[i].spare[p] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
			assert_non_null(w[i].pages[p]);
			assert_non_null(w[i].spare[p]);
		}
	}
	for (unsigned int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, unmanaged_fn, &w[i]), 0);
	for (unsigned int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (unsigned int i = 0; i < NTHREADS; i++) {
		assert_int_equal(w[i].bad, 0);
		assert_int_equal(w[i].unexpected, 0);
	}
	st = test_stats(m);
	assert_true(st.iotlb_hits > 0);
	assert_true(st.iotlb_misses >= (u64)NTHREADS * ITERS);
	if (flush == DMAMAP_IOMMU_STRICT)
		assert_int_equal(st.iommu_faults, (u64)NTHREADS * ITERS);
	else
		assert_int_equal(st.iommu_faults, 0);
	for (unsigned int i = 0; i < NTHREADS; i++)
		for (int p = 0; p < PAGES; p++) {
			dmamap_free_pages(w[i].pages[p], 0);
			dmamap_free_pages(w[i].spare[p], 0);
		}
	for (int i = 0; i < NDEVS; i++)
		dmamap_device_destroy(devs[i]);
	iommu_domain_free(d);
	assert_int_equal(test_stats(m).pages_free, free0);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_unmanaged_strict(void **state)
{
	(void)state;
	run_unmanaged(DMAMAP_IOMMU_STRICT);
}

static void test_unmanaged_lazy(void **state)
{
	(void)state;
	run_unmanaged(DMAMAP_IOMMU_LAZY);
}

/* --- a strict unmap racing the device's walks ---------------------------------------- */

/*
 * Strict mode: no translation outlives iommu_unmap(), whichever thread's
 * access put it in the IOTLB, and even if a walk was in flight while the
 * unmap ran. A device reads the pages over and over from one thread while
 * another maps and unmaps them; once iommu_unmap() has returned, the same
 * device must fault on every page. (The narrowest race, a walk that read a
 * descriptor just before the unmap cleared it and fills the entry just
 * after the invalidation looked at it, needs the walker to be held up in
 * between, so this run meets it only now and then.)
 */
enum { RACE_PAGES = 4, RACE_ITERS = 20000 };

struct race {
	struct device *dev;
	unsigned long iova;
	int stop;			/* atomic */
	unsigned long reads;		/* accesses that went through */
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	u64 rng = 0x243f6a8885a308d3ULL;
	u8 buf[8];

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned long p = (unsigned long)(test_rand(&rng) % RACE_PAGES);

		if (!dmamap_bus_read(r->dev, r->iova + (p << PAGE_SHIFT), buf, sizeof(buf), NULL))
			r->reads++;
	}
	return NULL;
}

static void test_strict_unmap_races_walks(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_iommu_config cfg = { .type = IOMMU_DOMAIN_UNMANAGED,
					   .flush = DMAMAP_IOMMU_STRICT };
	struct dmamap_device_config dcfg = { 0 };
	struct iommu_domain *d;
	struct page *pg;
	struct race r = { .iova = 0x200000 };
	unsigned long survived = 0;
	pthread_t tid;
	u8 buf[8];

	(void)state;
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	r.dev = test_device(m, &dcfg, d);
	pg = dmamap_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(pg);
	assert_int_equal(pthread_create(&tid, NULL, race_reader, &r), 0);
	for (unsigned int it = 0; it < RACE_ITERS; it++) {
		assert_int_equal(iommu_map(d, r.iova, page_to_phys(pg), RACE_PAGES * PAGE_SIZE,
					   IOMMU_READ, GFP_KERNEL), 0);
		assert_int_equal(iommu_unmap(d, r.iova, RACE_PAGES * PAGE_SIZE),
				 RACE_PAGES * PAGE_SIZE);
		for (unsigned long p = 0; p < RACE_PAGES; p++)
			if (dmamap_bus_read(r.dev, r.iova + (p << PAGE_SHIFT), buf, 1, NULL) !=
			    -EFAULT)
				survived++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(survived, 0);
	dmamap_free_pages(pg, 2);
	dmamap_device_destroy(r.dev);
	iommu_domain_free(d);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- fills of one IOTLB entry from several threads ---------------------------------- */

/*
 * An IOTLB of one entry, and threads of one device reading different pages
 * through it: every access misses and fills the entry, and every other one
 * may hit what another thread just filled. Each page holds its own byte;
 * an entry mixed from two fills (one page's tag, another's address) would
 * hand a thread the other page's byte. The window for such a mix is a few
 * cycles wide: with the entry written as two 8-byte stores this run caught
 * it once in 3 runs of 50,000 reads per thread, and in none of 8 runs of
 * 100,000 here; it is a check of the fills' logic under contention more
 * than a proof of their atomicity, which rests on the 16-byte accesses.
 */
enum { FILL_THREADS = 4, FILL_ITERS = 100000 };

struct filler {
	struct device *dev;
	unsigned long iova;		/* this thread's page */
	u8 expect;
	pthread_barrier_t *start;
	unsigned long wrong;
};

static void *filler_fn(void *arg)
{
	struct filler *fl = arg;
	u8 b;

	pthread_barrier_wait(fl->start);
	for (unsigned int i = 0; i < FILL_ITERS; i++)
		if (dmamap_bus_read(fl->dev, fl->iova + (i % 64) * 8, &b, 1, NULL) || b != fl->expect)
			fl->wrong++;
	return NULL;
}

static void test_iotlb_one_entry_many_fillers(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_iommu_config cfg = { .type = IOMMU_DOMAIN_UNMANAGED, .iotlb_entries = 1 };
	struct dmamap_device_config dcfg = { .coherent = true };
	struct filler fl[FILL_THREADS];
	pthread_t tid[FILL_THREADS];
	pthread_barrier_t start;
	struct iommu_domain *d;
	struct device *dev;
	struct page *pg;

	(void)state;
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	dev = test_device(m, &dcfg, d);
	pg = dmamap_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(pg);
	pthread_barrier_init(&start, NULL, FILL_THREADS);
	for (unsigned int i = 0; i < FILL_THREADS; i++) {
		u8 *cpu = (u8 *)page_address(pg) + i * PAGE_SIZE;

		memset(cpu, 0x11 * (i + 1), PAGE_SIZE);
		fl[i] = (struct filler){ .dev = dev, .iova = 0x400000UL + i * 0x10000UL,
					 .expect = (u8)(0x11 * (i + 1)), .start = &start };
		assert_int_equal(iommu_map(d, fl[i].iova, page_to_phys(pg) + i * PAGE_SIZE,
					   PAGE_SIZE, IOMMU_READ, GFP_KERNEL), 0);
	}
	for (unsigned int i = 0; i < FILL_THREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, filler_fn, &fl[i]), 0);
	for (unsigned int i = 0; i < FILL_THREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (unsigned int i = 0; i < FILL_THREADS; i++) {
		assert_int_equal(fl[i].wrong, 0);
		assert_int_equal(iommu_unmap(d, fl[i].iova, PAGE_SIZE), PAGE_SIZE);
	}
	dmamap_free_pages(pg, 2);
	dmamap_device_destroy(dev);
	iommu_domain_free(d);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- the DMA API on one DMA domain --------------------------------------------------- */

enum { LIVE = 6 };

struct dma_worker {
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct device *dev;
	unsigned int id;
	bool lazy;
	pthread_barrier_t *start;
	unsigned long bad;
	unsigned long mapped;
};

struct live {
	void *buf;
	size_t size;
	dma_addr_t dma;
	u32 seed;
};

static void live_check_unmap(struct dma_worker *w, struct live *l)
{
	u8 *tmp = malloc(l->size);

	/* the device reads back what it wrote, then the CPU sees it */
	if (!tmp || dmamap_bus_read(w->dev, l->dma, tmp, l->size, NULL) ||
	    test_check_pattern(tmp, l->size, l->seed) != -1)
		w->bad++;
	free(tmp);
	dma_unmap_single(w->dev, l->dma, l->size, DMA_BIDIRECTIONAL);
	if (test_check_pattern(l->buf, l->size, l->seed) != -1)
		w->bad++;
	dmamap_kfree(w->m, l->buf);
	memset(l, 0, sizeof(*l));
}

static void *dma_fn(void *arg)
{
	struct dma_worker *w = arg;
	struct live live[LIVE];
	u64 rng = 0x9e3779b97f4a7c15ULL * (w->id + 7);

	memset(live, 0, sizeof(live));
	pthread_barrier_wait(w->start);
	for (unsigned int it = 0; it < 3 * ITERS; it++) {
		struct live *l = &live[test_rand(&rng) % LIVE];
		u8 *src;

		if (l->buf) {
			live_check_unmap(w, l);
			continue;
		}
		l->size = 64 + (size_t)(test_rand(&rng) % (3 * PAGE_SIZE));
		l->buf = dmamap_kmalloc(w->m, l->size, GFP_KERNEL);
		if (!l->buf) {
			w->bad++;
			continue;
		}
		memset(l->buf, 0, l->size);
		l->dma = dma_map_single(w->dev, l->buf, l->size, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(w->dev, l->dma)) {
			w->bad++;
			dmamap_kfree(w->m, l->buf);
			memset(l, 0, sizeof(*l));
			continue;
		}
		w->mapped++;
		l->seed = w->id * 1000003u + it;
		src = malloc(l->size);
		if (!src) {
			w->bad++;
			continue;
		}
		test_fill_pattern(src, l->size, l->seed);
		if (dmamap_bus_write(w->dev, l->dma, src, l->size, NULL))
			w->bad++;
		free(src);
		if (w->lazy && it % 53 == 0)
			iommu_flush_iotlb_all(w->d);
	}
	for (int i = 0; i < LIVE; i++)
		if (live[i].buf)
			live_check_unmap(w, &live[i]);
	return NULL;
}

static void run_dma(enum dmamap_iommu_flush flush)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_iommu_config cfg = { .type = IOMMU_DOMAIN_DMA, .flush = flush };
	struct dmamap_device_config dcfg = { 0 };
	struct iommu_domain *d;
	struct device *devs[NDEVS];
	struct dma_worker w[NTHREADS];
	pthread_t tid[NTHREADS];
	pthread_barrier_t start;

	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	for (int i = 0; i < NDEVS; i++) {
		devs[i] = test_device(m, &dcfg, d);
	}
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (unsigned int i = 0; i < NTHREADS; i++)
		w[i] = (struct dma_worker){ .m = m, .d = d, .dev = devs[i % NDEVS], .id = i,
					    .lazy = flush == DMAMAP_IOMMU_LAZY, .start = &start };
	for (unsigned int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, dma_fn, &w[i]), 0);
	for (unsigned int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (unsigned int i = 0; i < NTHREADS; i++) {
		assert_int_equal(w[i].bad, 0);
		assert_true(w[i].mapped > 0);
	}
	assert_int_equal(test_stats(m).iommu_faults, 0);
	assert_int_equal(test_stats(m).api_errors, 0);
	if (flush == DMAMAP_IOMMU_LAZY)
		iommu_flush_iotlb_all(d);
	assert_int_equal(test_stats(m).iova_pages_used, 0);
	for (int i = 0; i < NDEVS; i++)
		dmamap_device_destroy(devs[i]);
	iommu_domain_free(d);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_dma_strict(void **state)
{
	(void)state;
	run_dma(DMAMAP_IOMMU_STRICT);
}

static void test_dma_lazy(void **state)
{
	(void)state;
	run_dma(DMAMAP_IOMMU_LAZY);
}

/* --- attach and detach while the device is at work ---------------------------------- */

struct busy {
	struct device *dev;
	phys_addr_t phys;
	size_t len;
	int stop;			/* atomic */
	unsigned long reads, bad;	/* atomic */
};

static void *busy_reader(void *arg)
{
	struct busy *b = arg;
	u8 *buf = malloc(b->len);

	assert_non_null(buf);
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		/* attached or not, the address reaches the same bytes */
		if (dmamap_bus_read(b->dev, b->phys, buf, b->len, NULL) ||
		    test_check_pattern(buf, b->len, 77) != -1)
			__atomic_fetch_add(&b->bad, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&b->reads, 1, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

/*
 * A device attached to and detached from a domain over and over while two
 * threads read through it: detach used to free the device's IOTLB (and
 * attach to publish it before its domain) under a bus access in flight, a
 * use after free. The domain maps the range to itself, so every read, made
 * through the IOMMU or directly, returns the same bytes; none fails, and the
 * sanitizers see no race.
 */
static void test_detach_during_bus_access(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config dc = { 0 };
	struct dmamap_iommu_config ic = { .type = IOMMU_DOMAIN_UNMANAGED };
	struct iommu_domain *d;
	struct device *dev;
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 2);
	struct busy b = { 0 };
	pthread_t th[2];

	(void)state;
	assert_non_null(p);
	dev = test_device(m, &dc, NULL);
	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &d), 0);
	b.dev = dev;
	b.phys = page_to_phys(p);
	b.len = 4 * PAGE_SIZE;
	test_fill_pattern(page_address(p), b.len, 77);
	assert_int_equal(iommu_map(d, (unsigned long)b.phys, b.phys, b.len,
				   IOMMU_READ | IOMMU_WRITE, GFP_KERNEL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, busy_reader, &b), 0);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(iommu_attach_device(d, dev), 0);
		sched_yield();
		iommu_detach_device(d, dev);
	}
	assert_int_equal(iommu_attach_device(d, dev), 0);
	__atomic_store_n(&b.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(b.bad, 0);
	assert_true(b.reads > 0);
	/* the domain goes with the device attached: the same care */
	iommu_domain_free(d);
	assert_null(iommu_get_domain_for_dev(dev));
	dmamap_device_destroy(dev);
	dmamap_free_pages(p, 2);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unmanaged_strict),
		cmocka_unit_test(test_unmanaged_lazy),
		cmocka_unit_test(test_strict_unmap_races_walks),
		cmocka_unit_test(test_iotlb_one_entry_many_fillers),
		cmocka_unit_test(test_dma_strict),
		cmocka_unit_test(test_dma_lazy),
		cmocka_unit_test(test_detach_during_bus_access),
	};

	return cmocka_run_group_tests_name("iommu-threads", tests, NULL, NULL);
}
