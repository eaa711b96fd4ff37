// SPDX-License-Identifier: MIT
/*
 * The direct DMA backend (src/dma/direct.c) through the DMA API (mapping.c):
 * coherent allocations with and without a kernel mapping, mmap and
 * get_sgtable of them, the free checks, streaming mappings at phys - offset
 * that never merge, and the dispatcher's error conventions.
 */
#include "test-util.h"

#include <dmamap/dma-map-ops.h>
#include "mm/cache.h"
#include "mm/mm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct dmamap_bank low_high[] = {
	{ 0x80000000ULL, SZ_64M },
	{ 0x100000000ULL, SZ_64M },
};

static struct page *dma_page(struct dmamap_machine *m, struct device *dev, dma_addr_t dma)
{
	return dmamap_pfn_to_page(m, PHYS_PFN(dma + dmamap_device_dma_offset(dev)));
}

/* --- the seed: a buffer without a kernel mapping ----------------------------- */

static const struct dmamap_machine_config nkm_seed_mc = { .cache = DMAMAP_CACHE_NONCOHERENT };

/*
 * DMA_ATTR_NO_KERNEL_MAPPING: the buffer takes nothing from the kernel VA
 * window; user space reaches it through dma_mmap_attrs(); dma_get_sgtable()
 * describes it as one entry so that another device can map it with
 * dma_map_sgtable() at its own DMA address.
 */
static void test_nkm_seed(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config ca = { .name = "gpu" };
	struct dmamap_device_config cb = { .name = "display", .dma_offset = 0x40000000ULL };
	struct device *a = test_device(m, &ca, NULL), *b = test_device(m, &cb, NULL);
	const size_t size = 3 * PAGE_SIZE + 100;
	struct dmamap_stats st0, st1;
	struct vm_area_struct *vma;
	struct sg_table sgt = { 0 };
	dma_addr_t dma, dma_b;
	void *cookie;
	u8 *user;

	st0 = test_stats(m);
	cookie = dma_alloc_attrs(a, size, &dma, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
	assert_non_null(cookie);
	assert_int_not_equal(dma, DMA_MAPPING_ERROR);
	st1 = test_stats(m);
	/* nothing of the VA window is used */
	assert_int_equal(st1.vmalloc_bytes, st0.vmalloc_bytes);
	assert_int_equal(st1.vmalloc_areas, st0.vmalloc_areas);
	assert_int_equal(st1.host_vmas, st0.host_vmas);
	assert_int_equal(st1.cookies, st0.cookies + 1);
	assert_int_equal(st0.pages_free - st1.pages_free, 4);
	/* the cookie is no address of the linear map */
	assert_null(dmamap_virt_to_page(m, cookie));

	/* user space through mmap: both ways */
	assert_int_equal(dmamap_vma_create(m, PAGE_ALIGN(size), 0, &vma), 0);
	assert_int_equal(dma_mmap_attrs(a, vma, cookie, dma, size, DMA_ATTR_NO_KERNEL_MAPPING), 0);
	user = (u8 *)vma->vm_start;
	assert_true(test_all_bytes(user, PAGE_ALIGN(size), 0));
	test_fill_pattern(user, size, 11);
	assert_true(test_device_sees(a, dma, size, 11));
	test_device_writes(a, dma, size, 12);
	assert_int_equal(test_check_pattern(user, size, 12), -1);
	/* still no VA window used: the user mapping is not the kernel's */
	st1 = test_stats(m);
	assert_int_equal(st1.vmalloc_bytes, st0.vmalloc_bytes);
	assert_int_equal(st1.vmalloc_areas, st0.vmalloc_areas);

	/* one entry: the whole pages from the first one */
	assert_int_equal(dma_get_sgtable_attrs(a, &sgt, cookie, dma, size,
					       DMA_ATTR_NO_KERNEL_MAPPING), 0);
	assert_int_equal(sgt.orig_nents, 1);
	assert_int_equal(sgt.sgl->length, PAGE_ALIGN(size));
	assert_int_equal(sgt.sgl->offset, 0);
	assert_ptr_equal(sg_page(sgt.sgl), dma_page(m, a, dma));
	assert_int_equal(page_to_phys(sg_page(sgt.sgl)), dma);

	/* the other device maps it at its own address and reads the same bytes */
	assert_int_equal(dma_map_sgtable(b, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(sgt.nents, 1);
	dma_b = sg_dma_address(sgt.sgl);
	assert_int_equal(dma_b, dma - 0x40000000ULL);
	assert_int_not_equal(dma_b, dma);
	assert_int_equal(sg_dma_len(sgt.sgl), PAGE_ALIGN(size));
	assert_true(test_device_sees(b, dma_b, size, 12));
	test_device_writes(b, dma_b + PAGE_SIZE, 64, 13);
	dma_unmap_sgtable(b, &sgt, DMA_BIDIRECTIONAL, 0);
	assert_true(test_device_sees(a, dma + PAGE_SIZE, 64, 13));
	assert_int_equal(test_check_pattern(user + PAGE_SIZE, 64, 13), -1);
	sg_free_table(&sgt);

	dmamap_vma_destroy(vma);
	dma_free_attrs(a, size, cookie, dma, DMA_ATTR_NO_KERNEL_MAPPING);
	assert_int_equal(test_stats(m).api_errors, st0.api_errors);
	dmamap_device_destroy(a);
	dmamap_device_destroy(b);
}

/* A cookie is not memory: reading through it kills the process at once. */
static void test_cookie_faults(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = test_device(m, &cfg, NULL);
	dma_addr_t dma;
	void *cookie;
	int status;
	pid_t pid;

	cookie = dma_alloc_attrs(dev, PAGE_SIZE, &dma, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
	assert_non_null(cookie);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		(void)*(volatile char *)cookie;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	/* nor can it be mapped for streaming DMA */
	assert_true(dma_mapping_error(dev, dma_map_single(dev, cookie, 64, DMA_TO_DEVICE)));
	dma_free_attrs(dev, PAGE_SIZE, cookie, dma, DMA_ATTR_NO_KERNEL_MAPPING);
	dmamap_device_destroy(dev);
}

static const struct dmamap_machine_config va_window_exhaustion_mc = {
	.vmalloc_size = 16 * PAGE_SIZE,
};

/*
 * The VA window is what NO_KERNEL_MAPPING saves: with a small window the
 * mapped buffers of a non-coherent device run out while buffers without a
 * kernel mapping keep coming; freeing gives the window back.
 */
static void test_va_window_exhaustion(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = test_device(m, &cfg, NULL);
	const size_t size = 4 * PAGE_SIZE;
	void *mapped[16], *cookies[16], *again;
	dma_addr_t mdma[16], cdma[16], dma;
	struct dmamap_stats st0, st1;
	unsigned int nm = 0;

	assert_int_equal(test_stats(m).vmalloc_size, 16 * PAGE_SIZE);
	for (; nm < 16; nm++) {
		mapped[nm] = dma_alloc_attrs(dev, size, &mdma[nm], GFP_KERNEL, DMA_ATTR_NO_WARN);
		if (!mapped[nm])
			break;
		memset(mapped[nm], 0x40 + (int)nm, size);
	}
	/* four pages and a guard page each: three fit in sixteen pages */
	assert_int_equal(nm, 3);
	st0 = test_stats(m);
	assert_null(dma_alloc_attrs(dev, size, &dma, GFP_KERNEL, DMA_ATTR_NO_WARN));
	assert_int_equal(dma, DMA_MAPPING_ERROR);
	assert_int_equal(test_stats(m).pages_free, st0.pages_free);	/* nothing kept */
	for (unsigned int i = 0; i < 16; i++) {
		cookies[i] = dma_alloc_attrs(dev, size, &cdma[i], GFP_KERNEL,
					     DMA_ATTR_NO_KERNEL_MAPPING);
		assert_non_null(cookies[i]);
	}
	st1 = test_stats(m);
	assert_int_equal(st1.vmalloc_bytes, st0.vmalloc_bytes);
	assert_int_equal(st1.cookies, 16);
	assert_int_equal(st0.pages_free - st1.pages_free, 16 * 4);

	/* freeing one mapped buffer makes room for one more */
	dma_free_attrs(dev, size, mapped[1], mdma[1], 0);
	again = dma_alloc_attrs(dev, size, &dma, GFP_KERNEL, DMA_ATTR_NO_WARN);
	assert_non_null(again);
	memset(again, 0x77, size);
	assert_true(test_all_bytes(mapped[0], size, 0x40));
	assert_true(test_all_bytes(mapped[2], size, 0x42));
	assert_null(dma_alloc_attrs(dev, size, &mdma[1], GFP_KERNEL, DMA_ATTR_NO_WARN));
	dma_free_attrs(dev, size, again, dma, 0);
	dma_free_attrs(dev, size, mapped[0], mdma[0], 0);
	dma_free_attrs(dev, size, mapped[2], mdma[2], 0);
	for (unsigned int i = 0; i < 16; i++)
		dma_free_attrs(dev, size, cookies[i], cdma[i], DMA_ATTR_NO_KERNEL_MAPPING);
	/* the whole window is usable again */
	assert_int_equal(test_stats(m).vmalloc_bytes, 0);
	for (nm = 0; nm < 3; nm++) {
		mapped[nm] = dma_alloc_attrs(dev, size, &mdma[nm], GFP_KERNEL, 0);
		assert_non_null(mapped[nm]);
	}
	for (nm = 0; nm < 3; nm++)
		dma_free_attrs(dev, size, mapped[nm], mdma[nm], 0);
	dmamap_device_destroy(dev);
}

/* --- what an allocation gives ---------------------------------------------- */

static const struct dmamap_bank small[] = { { 0x80000000ULL, SZ_4M } };
static const struct dmamap_machine_config alloc_zeroed_mc = {
	.banks = small,
	.nr_banks = 1,
	.cache = DMAMAP_CACHE_NONCOHERENT,
};

/*
 * dma_alloc_attrs() memory is always zeroed, whatever the kind of buffer,
 * even when the frames held another user's data (in memory and in the CPU's
 * cache).
 */
static void test_alloc_zeroed(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cn = { .name = "nc" }, cc = { .name = "c", .coherent = true };
	struct device *nc = test_device(m, &cn, NULL), *co = test_device(m, &cc, NULL);
	static struct page *pages[1024];
	const size_t size = 2 * PAGE_SIZE;
	unsigned int n = 0;
	u8 buf[2 * 4096];

	/* dirty every free frame, in memory and in the CPU's view */
	while (n < 1024 && (pages[n] = dmamap_alloc_pages(m, GFP_KERNEL, 0))) {
		memset(page_address(pages[n]), 0xa5, PAGE_SIZE);
		mm_cache_clean(m, page_to_phys(pages[n]), PAGE_SIZE);
		n++;
	}
	assert_true(n > 16);
	assert_int_equal(test_stats(m).pages_free, 0);
	while (n)
		dmamap_free_pages(pages[--n], 0);

	for (int round = 0; round < 2; round++) {
		struct device *dev = round ? co : nc;
		dma_addr_t d1, d2, d3;
		u8 *p1 = dma_alloc_coherent(dev, size, &d1, GFP_KERNEL);
		u8 *p2 = dma_alloc_attrs(dev, size, &d2, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
		u8 *p3 = dma_alloc_coherent(dev, size, &d3, GFP_ATOMIC);

		assert_non_null(p1);
		assert_non_null(p2);
		assert_non_null(p3);
		assert_true(test_all_bytes(p1, size, 0));
		assert_true(test_all_bytes(p3, size, 0));
		assert_int_equal(dmamap_bus_read(dev, d1, buf, size, NULL), 0);
		assert_true(test_all_bytes(buf, size, 0));
		/* the DMA_ATTR_NO_KERNEL_MAPPING buffer is zeroed when first seen */
		assert_int_equal(m->prep_deferred, 1);
		assert_int_equal(dmamap_bus_read(dev, d2, buf, size, NULL), 0);
		assert_true(test_all_bytes(buf, size, 0));
		assert_int_equal(m->prep_deferred, 0);
		assert_int_equal(dmamap_bus_read(dev, d3, buf, size, NULL), 0);
		assert_true(test_all_bytes(buf, size, 0));
		/* the linear alias of a mapped buffer holds no stale line either */
		assert_true(test_all_bytes(page_address(dma_page(m, dev, d1)), size, 0));
		/* dirty them, free them, get them back: zero again */
		memset(p1, 0x3c, size);
		memset(p3, 0x3d, size);
		dma_free_coherent(dev, size, p1, d1);
		dma_free_coherent(dev, size, p3, d3);
		p1 = dma_alloc_coherent(dev, size, &d1, GFP_KERNEL);
		p3 = dma_alloc_coherent(dev, size, &d3, GFP_ATOMIC);
		assert_non_null(p1);
		assert_non_null(p3);
		assert_true(test_all_bytes(p1, size, 0));
		assert_true(test_all_bytes(p3, size, 0));
		dma_free_coherent(dev, size, p1, d1);
		dma_free_coherent(dev, size, p3, d3);
		dma_free_attrs(dev, size, p2, d2, DMA_ATTR_NO_KERNEL_MAPPING);
		/* freed before anything saw it: never zeroed, and no longer waiting */
		p2 = dma_alloc_attrs(dev, size, &d2, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
		assert_non_null(p2);
		assert_int_equal(m->prep_deferred, 1);
		dma_free_attrs(dev, size, p2, d2, DMA_ATTR_NO_KERNEL_MAPPING);
		assert_int_equal(m->prep_deferred, 0);
	}
	assert_int_equal(mm_cache_snapshots(m), 0);
	dmamap_device_destroy(nc);
	dmamap_device_destroy(co);
}

static const struct dmamap_machine_config coherent_mask_mc = { .banks = low_high, .nr_banks = 2 };

/*
 * The coherent mask limits where coherent buffers come from: with RAM above
 * 4 GiB (preferred by the allocator), a 32-bit coherent mask still gets a
 * buffer below it, and a 64-bit one is not held back.
 */
static void test_coherent_mask(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config c32 = { .dma_mask = DMA_BIT_MASK(64),
					    .coherent_dma_mask = DMA_BIT_MASK(32) };
	struct dmamap_device_config c64 = { .dma_mask = DMA_BIT_MASK(64) };
	struct device *d32 = test_device(m, &c32, NULL), *d64 = test_device(m, &c64, NULL);
	unsigned long kinds[] = { 0, DMA_ATTR_NO_KERNEL_MAPPING };

	for (unsigned int k = 0; k < 2; k++) {
		dma_addr_t a, b;
		void *pa = dma_alloc_attrs(d32, 8 * PAGE_SIZE, &a, GFP_KERNEL, kinds[k]);
		void *pb = dma_alloc_attrs(d64, 8 * PAGE_SIZE, &b, GFP_KERNEL, kinds[k]);

		assert_non_null(pa);
		assert_non_null(pb);
		assert_true(a + 8 * PAGE_SIZE - 1 <= DMA_BIT_MASK(32));
		assert_true(b >= SZ_4G);
		dma_free_attrs(d32, 8 * PAGE_SIZE, pa, a, kinds[k]);
		dma_free_attrs(d64, 8 * PAGE_SIZE, pb, b, kinds[k]);
	}
	/* GFP_DMA32 asked by the caller or not, the mask decides */
	{
		dma_addr_t a;
		void *p = dma_alloc_coherent(d32, PAGE_SIZE, &a, GFP_KERNEL | __GFP_HIGHMEM);

		assert_non_null(p);
		assert_true(a < SZ_4G);
		dma_free_coherent(d32, PAGE_SIZE, p, a);
	}
	dmamap_device_destroy(d32);
	dmamap_device_destroy(d64);
}

static const struct dmamap_bank low_top[] = {
	{ 0x80000000ULL, SZ_64M },
	{ 1ULL << 36, SZ_64M },
};
static const struct dmamap_machine_config coherent_mask_above_32_bits_mc = {
	.banks = low_top,
	.nr_banks = 2,
};

/*
 * A coherent mask above 32 bits that does not reach all RAM: the first try,
 * in no zone, takes the highest memory, beyond the mask; the allocation
 * is made again from below 4 GiB rather than failing.
 */
static void test_coherent_mask_above_32_bits(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config c36 = { .dma_mask = DMA_BIT_MASK(64),
					    .coherent_dma_mask = DMA_BIT_MASK(36) };
	struct dmamap_device_config c64 = { .dma_mask = DMA_BIT_MASK(64) };
	struct device *d36 = test_device(m, &c36, NULL), *d64 = test_device(m, &c64, NULL);
	dma_addr_t a, b;
	void *pa, *pb;

	/* where memory comes from with no mask in the way */
	pb = dma_alloc_coherent(d64, 4 * PAGE_SIZE, &b, GFP_KERNEL);
	assert_non_null(pb);
	assert_true(b >= 1ULL << 36);
	pa = dma_alloc_coherent(d36, 4 * PAGE_SIZE, &a, GFP_KERNEL);
	assert_non_null(pa);
	assert_true(a + 4 * PAGE_SIZE - 1 <= DMA_BIT_MASK(36));
	dma_free_coherent(d36, 4 * PAGE_SIZE, pa, a);
	dma_free_coherent(d64, 4 * PAGE_SIZE, pb, b);
	dmamap_device_destroy(d36);
	dmamap_device_destroy(d64);
}

/* --- mmap ------------------------------------------------------------------ */

/* The protection a user mapping gets: the CPU mapping's kind, write-combine kept. */
static void test_mmap_pgprot(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cn = { 0 }, cc = { .coherent = true };
	struct device *nc = test_device(m, &cn, NULL), *co = test_device(m, &cc, NULL);
	const struct {
		struct device *dev;
		unsigned long attrs;
		unsigned long prot;
	} cases[] = {
		{ nc, DMA_ATTR_WRITE_COMBINE, DMAMAP_PGPROT_WRITECOMBINE },
		{ nc, DMA_ATTR_WRITE_COMBINE | DMA_ATTR_NO_KERNEL_MAPPING,
		  DMAMAP_PGPROT_WRITECOMBINE },
		{ nc, 0, DMAMAP_PGPROT_NONCACHED },
		{ nc, DMA_ATTR_NO_KERNEL_MAPPING, DMAMAP_PGPROT_NONCACHED },
		{ co, DMA_ATTR_WRITE_COMBINE, DMAMAP_PGPROT_NORMAL },
		{ co, 0, DMAMAP_PGPROT_NORMAL },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vm_area_struct *vma;
		dma_addr_t dma;
		void *p = dma_alloc_attrs(cases[i].dev, PAGE_SIZE, &dma, GFP_KERNEL,
					  cases[i].attrs);

		assert_non_null(p);
		assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &vma), 0);
		vma->vm_page_prot = DMAMAP_PGPROT_NORMAL | 0x100;	/* other bits stay */
		assert_int_equal(dma_mmap_attrs(cases[i].dev, vma, p, dma, PAGE_SIZE,
						cases[i].attrs), 0);
		assert_int_equal(vma->vm_page_prot & DMAMAP_PGPROT_MASK, cases[i].prot);
		assert_int_equal(vma->vm_page_prot & ~DMAMAP_PGPROT_MASK, 0x100);
		dmamap_vma_destroy(vma);
		dma_free_attrs(cases[i].dev, PAGE_SIZE, p, dma, cases[i].attrs);
	}
	dmamap_device_destroy(nc);
	dmamap_device_destroy(co);
}

/* vm_pgoff selects the first page mapped; a VMA reaching past the buffer is -ENXIO. */
static void test_mmap_pgoff_and_bounds(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = test_device(m, &cfg, NULL);
	const size_t size = 4 * PAGE_SIZE;
	const unsigned long kinds[] = { 0, DMA_ATTR_NO_KERNEL_MAPPING };

	for (unsigned int k = 0; k < 2; k++) {
		const struct {
			size_t pages;
			unsigned long pgoff;
			size_t size;
			int ret;
		} cases[] = {
			{ 2, 1, size, 0 },
			{ 1, 3, size, 0 },
			{ 4, 0, size, 0 },
			{ 2, 3, size, -ENXIO },		/* runs one page past */
			{ 1, 4, size, -ENXIO },		/* starts past the end */
			{ 5, 0, size, -ENXIO },		/* larger than the buffer */
			{ 1, 0, size + PAGE_SIZE, -ENXIO }, /* size larger than allocated */
			{ 1, ~0UL >> PAGE_SHIFT, size, -ENXIO },
		};
		dma_addr_t dma;
		void *p = dma_alloc_attrs(dev, size, &dma, GFP_KERNEL, kinds[k]);

		assert_non_null(p);
		test_device_writes(dev, dma, size, 20 + k);
		for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct dmamap_stats st0 = test_stats(m);
			struct vm_area_struct *vma;

			assert_int_equal(dmamap_vma_create(m, cases[i].pages * PAGE_SIZE,
							   cases[i].pgoff, &vma), 0);
			assert_int_equal(dma_mmap_attrs(dev, vma, p, dma, cases[i].size, kinds[k]),
					 cases[i].ret);
			if (!cases[i].ret) {
				u8 ref[4 * 4096];
				const u8 *user = (const u8 *)vma->vm_start;

				test_fill_pattern(ref, size, 20 + k);
				assert_memory_equal(user, ref + cases[i].pgoff * PAGE_SIZE,
						    cases[i].pages * PAGE_SIZE);
			} else {
				/* nothing was mapped */
				assert_int_equal(test_stats(m).host_vmas, st0.host_vmas);
			}
			dmamap_vma_destroy(vma);
		}
		dma_free_attrs(dev, size, p, dma, kinds[k]);
	}
	dmamap_device_destroy(dev);
}

static const struct dmamap_machine_config get_sgtable_mc = { .banks = low_high, .nr_banks = 2 };

/* dma_get_sgtable() describes mapped buffers and cookies alike, found by DMA address. */
static void test_get_sgtable(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cn = { .dma_mask = DMA_BIT_MASK(64),
					   .dma_offset = 0x10000000ULL };
	struct dmamap_device_config cc = { .dma_mask = DMA_BIT_MASK(64), .coherent = true };
	struct device *devs[2] = { test_device(m, &cn, NULL), test_device(m, &cc, NULL) };
	const unsigned long kinds[] = { 0, DMA_ATTR_NO_KERNEL_MAPPING, DMA_ATTR_WRITE_COMBINE };

	for (unsigned int d = 0; d < 2; d++) {
		for (unsigned int k = 0; k < 3; k++) {
			struct device *dev = devs[d];
			struct sg_table sgt = { 0 };
			const size_t size = 5 * PAGE_SIZE + 1;
			dma_addr_t dma;
			void *p = dma_alloc_attrs(dev, size, &dma, GFP_KERNEL, kinds[k]);
			u8 buf[64];

			assert_non_null(p);
			assert_int_equal(dma_get_sgtable_attrs(dev, &sgt, p, dma, size, kinds[k]),
					 0);
			assert_int_equal(sgt.orig_nents, 1);
			assert_int_equal(sgt.sgl->offset, 0);
			assert_int_equal(sgt.sgl->length, 6 * PAGE_SIZE);
			assert_int_equal(page_to_phys(sg_page(sgt.sgl)),
					 dma + dmamap_device_dma_offset(dev));
			/* the table describes the buffer: what the device wrote is there */
			test_device_writes(dev, dma + 5 * PAGE_SIZE, 1, 30);
			assert_int_equal(sg_pcopy_to_buffer(sgt.sgl, 1, buf, 1, 5 * PAGE_SIZE), 1);
			test_fill_pattern(buf + 1, 1, 30);
			assert_int_equal(buf[0], buf[1]);
			sg_free_table(&sgt);
			/* a size past the buffer is refused */
			assert_int_not_equal(dma_get_sgtable_attrs(dev, &sgt, p, dma, 7 * PAGE_SIZE,
								   kinds[k]), 0);
			dma_free_attrs(dev, size, p, dma, kinds[k]);
		}
	}
	dmamap_device_destroy(devs[0]);
	dmamap_device_destroy(devs[1]);
}

/* --- free ------------------------------------------------------------------ */

/*
 * dma_free_attrs() must get back what dma_alloc_attrs() gave and was given:
 * a cookie freed without NO_KERNEL_MAPPING, a mapped buffer freed with it,
 * a wrong size or address, are refused and counted; nothing is freed.
 */
static void test_free_wrong_attrs(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = test_device(m, &cfg, NULL);
	const size_t size = 3 * PAGE_SIZE;
	struct dmamap_stats st0, st1;
	dma_addr_t cd, md;
	void *cookie, *mapped;

	cookie = dma_alloc_attrs(dev, size, &cd, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
	mapped = dma_alloc_attrs(dev, size, &md, GFP_KERNEL, 0);
	assert_non_null(cookie);
	assert_non_null(mapped);
	test_device_writes(dev, cd, size, 40);
	test_fill_pattern(mapped, size, 41);

	st0 = test_stats(m);
	dma_free_attrs(dev, size, cookie, cd, 0);			/* attrs missing */
	dma_free_attrs(dev, size, cookie, cd, DMA_ATTR_WRITE_COMBINE | DMA_ATTR_NO_KERNEL_MAPPING);
	dma_free_attrs(dev, size, mapped, md, DMA_ATTR_NO_KERNEL_MAPPING); /* attrs extra */
	dma_free_attrs(dev, size - 1, mapped, md, 0);			/* size */
	dma_free_attrs(dev, size + PAGE_SIZE, cookie, cd,
		       DMA_ATTR_NO_KERNEL_MAPPING);
	dma_free_attrs(dev, size, mapped, cd, 0);			/* mixed up */
	dma_free_attrs(dev, size, cookie, md, DMA_ATTR_NO_KERNEL_MAPPING);
	dma_free_attrs(dev, size, (u8 *)mapped + 64, md, 0);		/* address */
	dma_free_attrs(dev, size, mapped, md + PAGE_SIZE, 0);		/* handle */
	st1 = test_stats(m);
	assert_int_equal(st1.api_errors - st0.api_errors, 9);
	assert_int_equal(st1.pages_free, st0.pages_free);
	assert_int_equal(st1.cookies, st0.cookies);
	assert_int_equal(st1.vmalloc_bytes, st0.vmalloc_bytes);
	assert_int_equal(st1.vmalloc_areas, st0.vmalloc_areas);
	/* both buffers still work */
	assert_true(test_device_sees(dev, cd, size, 40));
	assert_int_equal(test_check_pattern(mapped, size, 41), -1);
	assert_true(test_device_sees(dev, md, size, 41));
	{
		struct vm_area_struct *vma;

		assert_int_equal(dmamap_vma_create(m, size, 0, &vma), 0);
		assert_int_equal(dma_mmap_attrs(dev, vma, cookie, cd, size,
						DMA_ATTR_NO_KERNEL_MAPPING), 0);
		assert_int_equal(test_check_pattern((void *)vma->vm_start, size, 40), -1);
		dmamap_vma_destroy(vma);
	}
	/* the right frees work */
	dma_free_attrs(dev, size, cookie, cd, DMA_ATTR_NO_KERNEL_MAPPING);
	dma_free_attrs(dev, size, mapped, md, 0);
	st1 = test_stats(m);
	assert_int_equal(st1.api_errors, st0.api_errors + 9);
	assert_int_equal(st1.pages_free - st0.pages_free, 2 * 4);	/* order-2 blocks */
	assert_int_equal(st1.cookies, st0.cookies - 1);
	/* and a second free of either is refused */
	dma_free_attrs(dev, size, mapped, md, 0);
	assert_int_equal(test_stats(m).api_errors, st0.api_errors + 10);
	assert_int_equal(test_stats(m).pages_free, st1.pages_free);
	dmamap_device_destroy(dev);
}

/* --- streaming mappings ----------------------------------------------------- */

/* Direct mappings are at phys - dma_offset; map_sg maps entry by entry and never merges. */
static void test_map_addresses(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { .dma_offset = 0x10000000ULL };
	struct device *dev = test_device(m, &cfg, NULL);
	struct sg_table sgt;
	struct scatterlist *sg;
	struct page *page;
	dma_addr_t dma;
	u8 *obj;
	unsigned int i;

	obj = dmamap_kmalloc(m, 256, GFP_KERNEL);
	assert_non_null(obj);
	dma = dma_map_single(dev, obj + 10, 100, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, dma));
	assert_int_equal(dma, page_to_phys(dmamap_virt_to_page(m, obj)) +
			 ((unsigned long)obj & (PAGE_SIZE - 1)) + 10 - 0x10000000ULL);
	dma_unmap_single(dev, dma, 100, DMA_TO_DEVICE);
	dmamap_kfree(m, obj);

	page = dmamap_alloc_pages(m, GFP_KERNEL, 2);
	assert_non_null(page);
	dma = dma_map_page(dev, page + 1, 300, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_int_equal(dma, page_to_phys(page) + PAGE_SIZE + 300 - 0x10000000ULL);
	dma_unmap_page(dev, dma, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);

	/* four entries on four adjacent pages: four segments */
	assert_int_equal(sg_alloc_table(&sgt, 4, GFP_KERNEL), 0);
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, page + i, PAGE_SIZE, 0);
	assert_int_equal(dma_map_sg(dev, sgt.sgl, 4, DMA_TO_DEVICE), 4);
	for_each_sgtable_sg(&sgt, sg, i) {
		assert_int_equal(sg_dma_address(sg), page_to_phys(page + i) - 0x10000000ULL);
		assert_int_equal(sg_dma_len(sg), PAGE_SIZE);
	}
	dma_unmap_sg(dev, sgt.sgl, 4, DMA_TO_DEVICE);
	/* and through the sgtable call, with offsets */
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, page + i, 1000, 50 * i);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_FROM_DEVICE, 0), 0);
	assert_int_equal(sgt.nents, sgt.orig_nents);
	for_each_sgtable_dma_sg(&sgt, sg, i) {
		assert_int_equal(sg_dma_address(sg),
				 page_to_phys(page + i) + 50 * i - 0x10000000ULL);
		assert_int_equal(sg_dma_len(sg), 1000);
	}
	dma_unmap_sgtable(dev, &sgt, DMA_FROM_DEVICE, 0);
	sg_free_table(&sgt);
	dmamap_free_pages(page, 2);
	dmamap_device_destroy(dev);
}

static const struct dmamap_machine_config map_out_of_mask_mc = {
	.banks = low_high,
	.nr_banks = 2,
	.swiotlb_size = DMAMAP_SWIOTLB_OFF,
	.cache = DMAMAP_CACHE_NONCOHERENT,
};

/*
 * Out of the mask with no swiotlb: DMA_MAPPING_ERROR, which
 * dma_mapping_error() reports; an sg list with such an entry in the middle
 * fails whole (0 from dma_map_sg, -EIO from dma_map_sgtable) and leaves
 * nothing of the entries before it mapped.
 */
static void test_map_out_of_mask(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = test_device(m, &cfg, NULL);
	struct page *low = dmamap_alloc_pages(m, GFP_DMA32, 1);
	struct page *high = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	struct dmamap_stats st0, st1;
	struct sg_table sgt;
	struct scatterlist *sg;
	dma_addr_t dma;

	assert_int_equal(test_stats(m).swiotlb_slots_total, 0);
	assert_true(page_to_phys(low) < SZ_4G);
	assert_true(page_to_phys(high) >= SZ_4G);
	dma = dma_map_page_attrs(dev, high, 0, 64, DMA_TO_DEVICE, DMA_ATTR_NO_WARN);
	assert_int_equal(dma, DMA_MAPPING_ERROR);
	assert_true(dma_mapping_error(dev, dma));
	/* a page under the mask maps */
	dma = dma_map_page(dev, low, 0, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, dma));
	dma_unmap_page(dev, dma, 64, DMA_TO_DEVICE);

	/* low, high, low: partial lines, so a mapping leaves a trace in the cache model */
	assert_int_equal(sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
	sg = sgt.sgl;
	sg_set_page(sg, low, 100, 8);
	sg = sg_next(sg);
	sg_set_page(sg, high, 100, 8);
	sg = sg_next(sg);
	sg_set_page(sg, low + 1, 100, 8);
	st0 = test_stats(m);
	assert_int_equal(dma_map_sg_attrs(dev, sgt.sgl, 3, DMA_BIDIRECTIONAL, DMA_ATTR_NO_WARN), 0);
	assert_int_equal(mm_cache_snapshots(m), 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_FROM_DEVICE, DMA_ATTR_NO_WARN), -EIO);
	assert_int_equal(mm_cache_snapshots(m), 0);
	st1 = test_stats(m);
	assert_int_equal(st1.api_errors, st0.api_errors);	/* a failure, not a misuse */
	/* the same list without the high entry maps */
	sg_mark_end(sgt.sgl);
	assert_int_equal(dma_map_sg(dev, sgt.sgl, 1, DMA_BIDIRECTIONAL), 1);
	assert_int_not_equal(mm_cache_snapshots(m), 0);
	dma_unmap_sg(dev, sgt.sgl, 1, DMA_BIDIRECTIONAL);
	assert_int_equal(mm_cache_snapshots(m), 0);
	sg_free_table(&sgt);
	dmamap_free_pages(low, 1);
	dmamap_free_pages(high, 0);
	dmamap_device_destroy(dev);
}

/* --- the dispatcher ---------------------------------------------------------- */

static int ops_map_sg_ret;

static int fake_map_sg(struct device *dev, struct scatterlist *sg, int nents,
		       enum dma_data_direction dir, unsigned long attrs)
{
	(void)dev;
	(void)sg;
	(void)nents;
	(void)dir;
	(void)attrs;
	return ops_map_sg_ret;
}

static const struct dma_map_ops sparse_ops = {
	.map_sg = fake_map_sg,
};

/*
 * dma_map_sgtable() passes on -EINVAL, -ENOMEM and -EIO and turns anything
 * else into -EIO; dma_map_sg() gives 0 for all of them. A backend without
 * get_sgtable gives -ENXIO, without mmap dma_can_mmap() is false.
 */
static void test_dispatcher_errors(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = test_device(m, &cfg, NULL);
	struct page *page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	const struct { int in, out; } rets[] = {
		{ -EINVAL, -EINVAL }, { -ENOMEM, -ENOMEM }, { -EIO, -EIO },
		{ -ENOSPC, -EIO }, { 0, -EIO },
	};
	struct sg_table sgt;
	struct vm_area_struct *vma;
	dma_addr_t dma;
	void *p;

	assert_true(dma_can_mmap(dev));
	assert_false(dma_can_mmap(NULL));
	assert_int_equal(sg_alloc_table(&sgt, 2, GFP_KERNEL), 0);
	sg_set_page(sgt.sgl, page, 64, 0);
	sg_set_page(sg_next(sgt.sgl), page, 0, 64);	/* a zero-length entry */
	/* the direct backend: an entry it cannot map at all is -EINVAL */
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dma_map_sg(dev, sgt.sgl, 2, DMA_TO_DEVICE), 0);
	sg_set_page(sg_next(sgt.sgl), page, 64, 64);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_NONE, 0), -EINVAL);
	assert_int_equal(dma_map_sgtable(dev, &sgt, (enum dma_data_direction)7, 0), -EINVAL);
	assert_int_equal(dma_map_sgtable(NULL, &sgt, DMA_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dma_map_sgtable(dev, NULL, DMA_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), 0);
	assert_int_equal(sgt.nents, 2);
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);

	p = dma_alloc_coherent(dev, PAGE_SIZE, &dma, GFP_KERNEL);
	assert_non_null(p);
	set_dma_ops(dev, &sparse_ops);
	assert_ptr_equal(get_dma_ops(dev), &sparse_ops);
	for (unsigned int i = 0; i < sizeof(rets) / sizeof(rets[0]); i++) {
		ops_map_sg_ret = rets[i].in;
		sgt.nents = 99;
		assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), rets[i].out);
		assert_int_equal(sgt.nents, 99);	/* untouched on failure */
		assert_int_equal(dma_map_sg(dev, sgt.sgl, 2, DMA_TO_DEVICE), 0);
	}
	ops_map_sg_ret = 2;
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), 0);
	assert_int_equal(sgt.nents, 2);
	{
		struct sg_table t2 = { 0 };

		assert_int_equal(dma_get_sgtable(dev, &t2, p, dma, PAGE_SIZE), -ENXIO);
	}
	assert_false(dma_can_mmap(dev));
	assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &vma), 0);
	assert_int_equal(dma_mmap_attrs(dev, vma, p, dma, PAGE_SIZE, 0), -ENXIO);
	/* no alloc slot: no allocation */
	{
		dma_addr_t d2;

		assert_null(dma_alloc_coherent(dev, PAGE_SIZE, &d2, GFP_KERNEL));
	}
	assert_true(dma_mapping_error(dev, dma_map_page(dev, page, 0, 64, DMA_TO_DEVICE)));
	set_dma_ops(dev, NULL);
	assert_true(dma_can_mmap(dev));
	assert_int_equal(dma_mmap_coherent(dev, vma, p, dma, PAGE_SIZE), 0);
	dmamap_vma_destroy(vma);
	dma_free_coherent(dev, PAGE_SIZE, p, dma);
	sg_free_table(&sgt);
	dmamap_free_pages(page, 0);
	dmamap_device_destroy(dev);
}

static void assert_same_state(struct dmamap_machine *m, const struct dmamap_stats *st0,
			      u64 errors)
{
	struct dmamap_stats st1 = test_stats(m);

	assert_int_equal(st1.pages_free, st0->pages_free);
	assert_int_equal(st1.vmalloc_bytes, st0->vmalloc_bytes);
	assert_int_equal(st1.vmalloc_areas, st0->vmalloc_areas);
	assert_int_equal(st1.cookies, st0->cookies);
	assert_int_equal(st1.swiotlb_slots_used, st0->swiotlb_slots_used);
	assert_int_equal(st1.atomic_pool_used, st0->atomic_pool_used);
	assert_int_equal(st1.kmalloc_bytes, st0->kmalloc_bytes);
	assert_int_equal(st1.api_errors - st0->api_errors, errors);
}

/* Bad arguments are refused, the misuses counted, and nothing changes. */
static void test_bad_arguments(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = test_device(m, &cfg, NULL);
	struct page *page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	struct dmamap_stats st0;
	struct scatterlist sg;
	struct sg_table sgt = { 0 };
	dma_addr_t dma = 0x1234, good;
	void *p;

	p = dma_alloc_coherent(dev, PAGE_SIZE, &good, GFP_KERNEL);
	assert_non_null(p);
	memset(p, 0x5e, PAGE_SIZE);
	st0 = test_stats(m);

	/* no device: nothing to count it against */
	assert_null(dma_alloc_coherent(NULL, PAGE_SIZE, &dma, GFP_KERNEL));
	assert_int_equal(dma_map_page(NULL, page, 0, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_int_equal(dma_map_single(NULL, page_address(page), 64, DMA_TO_DEVICE),
			 DMA_MAPPING_ERROR);
	assert_int_equal(dma_get_sgtable(NULL, &sgt, p, good, PAGE_SIZE), -EINVAL);
	dma_free_coherent(NULL, PAGE_SIZE, p, good);
	dma_unmap_page(NULL, good, PAGE_SIZE, DMA_TO_DEVICE);
	assert_same_state(m, &st0, 0);

	/* sizes */
	assert_null(dma_alloc_coherent(dev, 0, &dma, GFP_KERNEL));
	assert_int_equal(dma, DMA_MAPPING_ERROR);
	assert_null(dma_alloc_coherent(dev, SIZE_MAX, &dma, GFP_KERNEL));
	assert_null(dma_alloc_coherent(dev, (SIZE_MAX >> 1) + 1, &dma, GFP_KERNEL));
	assert_same_state(m, &st0, 3);
	/* too big to allocate (beyond the largest order): a failure, not a misuse */
	assert_null(dma_alloc_coherent(dev, SZ_1G, &dma, GFP_KERNEL | __GFP_NOWARN));
	assert_null(dma_alloc_attrs(dev, SZ_1G, &dma, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING |
				    DMA_ATTR_NO_WARN));
	assert_same_state(m, &st0, 3);
	assert_int_equal(dma_map_page(dev, page, 0, 0, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_int_equal(dma_map_page(dev, page, 16, SIZE_MAX, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	/* running past the end of RAM */
	assert_int_equal(dma_map_page(dev, page, 0, SZ_512M, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_same_state(m, &st0, 6);

	/* invalid directions */
	assert_int_equal(dma_map_page(dev, page, 0, 64, DMA_NONE), DMA_MAPPING_ERROR);
	assert_int_equal(dma_map_single(dev, page_address(page), 64, (enum dma_data_direction)9),
			 DMA_MAPPING_ERROR);
	sg_init_table(&sg, 1);
	sg_set_page(&sg, page, 64, 0);
	assert_int_equal(dma_map_sg(dev, &sg, 1, DMA_NONE), 0);
	assert_int_equal(dma_map_sg(dev, &sg, 0, DMA_TO_DEVICE), 0);
	assert_int_equal(dma_map_sg(dev, &sg, -1, DMA_TO_DEVICE), 0);
	assert_same_state(m, &st0, 11);

	/* handles that are no allocation */
	dma_free_coherent(dev, PAGE_SIZE, p, good + PAGE_SIZE);
	dma_free_coherent(dev, PAGE_SIZE, p, 0x12345000);
	assert_int_equal(dma_get_sgtable(dev, &sgt, p, good + PAGE_SIZE, PAGE_SIZE), -ENXIO);
	assert_same_state(m, &st0, 14);
	{
		struct vm_area_struct *vma;

		assert_int_equal(dmamap_vma_create(m, PAGE_SIZE, 0, &vma), 0);
		st0 = test_stats(m);
		assert_int_equal(dma_mmap_coherent(dev, vma, p, good + PAGE_SIZE, PAGE_SIZE),
				 -ENXIO);
		assert_int_equal(dma_mmap_coherent(dev, vma, p, good, 0), -EINVAL);
		assert_int_equal(dma_mmap_coherent(NULL, vma, p, good, PAGE_SIZE), -EINVAL);
		assert_int_equal(test_stats(m).host_vmas, st0.host_vmas);
		dmamap_vma_destroy(vma);
		st0 = test_stats(m);
	}
	/* unmapping what was never mapped: an address that is not RAM */
	dma_unmap_page(dev, 0x1000, 64, DMA_TO_DEVICE);
	dma_unmap_page(dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);
	dma_unmap_page(dev, good, 64, DMA_NONE);
	assert_same_state(m, &st0, 3);

	/* the buffer survived it all */
	assert_true(test_all_bytes(p, PAGE_SIZE, 0x5e));
	dma_free_coherent(dev, PAGE_SIZE, p, good);
	dmamap_free_pages(page, 0);
	dmamap_device_destroy(dev);
}

/*
 * dma_map_sg() refuses an entry without a page, one of length 0 and an
 * entry count past the end of the list, on both backends: 0 returned, the
 * misuse reported and counted, nothing mapped (the kernel maps the
 * zero-length entry and dereferences NULL for the others). A sync or an
 * unmap given more entries than the list holds stops at its end, reported.
 */
static void test_map_sg_refusals(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *devs[2] = { test_device(m, &cfg, NULL), test_device(m, &cfg, NULL) };
	struct iommu_domain *d = NULL;
	struct page *page = dmamap_alloc_pages(m, GFP_KERNEL, 1);
	struct scatterlist sg[2];
	struct test_reports r;

	assert_int_equal(dmamap_iommu_domain_create(m, NULL, &d), 0);
	assert_int_equal(iommu_attach_device(d, devs[1]), 0);
	for (int i = 0; i < 2; i++) {
		struct device *dev = devs[i];
		struct dmamap_stats st0;

		sg_init_table(sg, 2);
		sg_set_page(&sg[0], page, 64, 0);
		sg_set_page(&sg[1], page + 1, 64, 0);
		/* the page tables the domain keeps, made before the count starts */
		assert_int_equal(dma_map_sg(dev, sg, 2, DMA_TO_DEVICE), 2);
		dma_unmap_sg(dev, sg, 2, DMA_TO_DEVICE);
		st0 = test_stats(m);
		test_reports_record(m, &r);
		assert_int_equal(dma_map_sg(dev, sg, 3, DMA_TO_DEVICE), 0);
		assert_same_state(m, &st0, 1);
		sg_set_page(&sg[1], page + 1, 0, 0);
		assert_int_equal(dma_map_sg(dev, sg, 2, DMA_TO_DEVICE), 0);
		assert_same_state(m, &st0, 2);
		sg_set_page(&sg[1], NULL, 64, 0);
		assert_int_equal(dma_map_sg(dev, sg, 2, DMA_TO_DEVICE), 0);
		assert_same_state(m, &st0, 3);
		assert_int_equal(test_stats(m).iova_pages_used, 0);
		assert_true(test_reports_were(&r, 3, DMAMAP_DEBUG_MISUSE));

		sg_set_page(&sg[1], page + 1, 64, 0);
		assert_int_equal(dma_map_sg(dev, sg, 2, DMA_BIDIRECTIONAL), 2);
		dma_sync_sg_for_cpu(dev, sg, 3, DMA_BIDIRECTIONAL);
		dma_sync_sg_for_device(dev, sg, 3, DMA_BIDIRECTIONAL);
		/* the direct backend unmaps the entries there are; the IOMMU one refuses */
		dma_unmap_sg(dev, sg, 3, DMA_BIDIRECTIONAL);
		assert_int_equal(test_stats(m).api_errors, st0.api_errors + 6);
		if (i)
			dma_unmap_sg(dev, sg, 2, DMA_BIDIRECTIONAL);
		assert_same_state(m, &st0, 6);
		assert_true(test_reports_were(&r, 3, DMAMAP_DEBUG_WRONG_NENTS));
		test_reports_stop(m);
	}
	dmamap_free_pages(page, 1);
	dmamap_device_destroy(devs[0]);
	dmamap_device_destroy(devs[1]);
	iommu_domain_free(d);
}

/*
 * Three observers of one buffer agree at every moment: the CPU through its
 * address, user space through a mapping of it, and the device. Each writes
 * a pattern in turn; the other two see it with no sync. (@cpu may be NULL.)
 */
static void assert_views_agree(struct device *dev, u8 *cpu, u8 *user, dma_addr_t dma,
			       size_t len, u32 seed)
{
	u8 *buf = malloc(len);

	assert_non_null(buf);
	if (cpu) {
		test_fill_pattern(cpu, len, seed);
		assert_int_equal(test_check_pattern(user, len, seed), -1);
		assert_true(test_device_sees(dev, dma, len, seed));
	}
	test_fill_pattern(user, len, seed + 1);
	if (cpu)
		assert_int_equal(test_check_pattern(cpu, len, seed + 1), -1);
	assert_true(test_device_sees(dev, dma, len, seed + 1));
	test_device_writes(dev, dma, len, seed + 2);
	if (cpu)
		assert_int_equal(test_check_pattern(cpu, len, seed + 2), -1);
	assert_int_equal(test_check_pattern(user, len, seed + 2), -1);
	free(buf);
}

static const struct dmamap_machine_config coherent_device_mmap_agrees_mc = {
	.cache = DMAMAP_CACHE_NONCOHERENT,
};

/*
 * A coherent device's buffer on a non-coherent machine is coherent for
 * every observer: the CPU writing through its (cached, linear-map)
 * address, user space through dma_mmap_coherent(), the snooping device.
 * The CPU's writes used to stay in its private copy, which the user
 * mapping (of memory) did not show, and user writes did not reach the
 * CPU's copy or the device. The same holds for a DMA_ATTR_NO_KERNEL_MAPPING
 * buffer seen through its pages' linear addresses, and for a non-coherent
 * device's buffer (uncached), as before; and for dma_alloc_noncontiguous()
 * of a coherent device (its vmap is the linear map).
 */
static void test_coherent_device_mmap_agrees(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cc = { .coherent = true }, nc = { 0 };
	struct device *devs[2] = { test_device(m, &cc, NULL), test_device(m, &nc, NULL) };
	const size_t size = 3 * PAGE_SIZE;

	for (int i = 0; i < 2; i++) {
		struct device *dev = devs[i];
		struct vm_area_struct *vma;
		struct sg_table sgt, *nct;
		dma_addr_t dma;
		void *cpu, *cookie, *va;

		cpu = dma_alloc_coherent(dev, size, &dma, GFP_KERNEL);
		assert_non_null(cpu);
		assert_int_equal(dmamap_vma_create(m, size, 0, &vma), 0);
		assert_int_equal(dma_mmap_coherent(dev, vma, cpu, dma, size), 0);
		assert_views_agree(dev, cpu, (u8 *)vma->vm_start, dma, size, 10);
		/* a part of it, through an offset into both */
		assert_views_agree(dev, (u8 *)cpu + 100, (u8 *)vma->vm_start + 100, dma + 100, 5000,
				   20);
		dmamap_vma_destroy(vma);
		dma_free_coherent(dev, size, cpu, dma);

		cookie = dma_alloc_attrs(dev, size, &dma, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
		assert_non_null(cookie);
		assert_int_equal(dmamap_vma_create(m, size, 0, &vma), 0);
		assert_int_equal(dma_mmap_attrs(dev, vma, cookie, dma, size,
						DMA_ATTR_NO_KERNEL_MAPPING), 0);
		assert_int_equal(dma_get_sgtable_attrs(dev, &sgt, cookie, dma, size,
						       DMA_ATTR_NO_KERNEL_MAPPING), 0);
		/* the CPU through the pages' linear addresses: only a snooping device's agree */
		assert_views_agree(dev, i ? NULL : page_address(sg_page(sgt.sgl)),
				   (u8 *)vma->vm_start, dma, size, 30);
		sg_free_table(&sgt);
		dmamap_vma_destroy(vma);
		dma_free_attrs(dev, size, cookie, dma, DMA_ATTR_NO_KERNEL_MAPPING);

		if (i)
			continue;
		nct = dma_alloc_noncontiguous(dev, size, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
		assert_non_null(nct);
		va = dma_vmap_noncontiguous(dev, size, nct);
		assert_non_null(va);
		assert_int_equal(dmamap_vma_create(m, size, 0, &vma), 0);
		assert_int_equal(dma_mmap_noncontiguous(dev, vma, size, nct), 0);
		assert_views_agree(dev, va, (u8 *)vma->vm_start, sg_dma_address(nct->sgl), size, 40);
		dmamap_vma_destroy(vma);
		dma_vunmap_noncontiguous(dev, va);
		dma_free_noncontiguous(dev, size, nct, DMA_BIDIRECTIONAL);
	}
	assert_int_equal(test_stats(m).api_errors, 0);
	dmamap_device_destroy(devs[0]);
	dmamap_device_destroy(devs[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_MACHINE_CASE(test_nkm_seed, &nkm_seed_mc),
		TEST_MACHINE_CASE(test_cookie_faults, NULL),
		TEST_MACHINE_CASE(test_va_window_exhaustion, &va_window_exhaustion_mc),
		TEST_MACHINE_CASE(test_alloc_zeroed, &alloc_zeroed_mc),
		TEST_MACHINE_CASE(test_coherent_mask, &coherent_mask_mc),
		TEST_MACHINE_CASE(test_coherent_mask_above_32_bits, &coherent_mask_above_32_bits_mc),
		TEST_MACHINE_CASE(test_mmap_pgprot, NULL),
		TEST_MACHINE_CASE(test_mmap_pgoff_and_bounds, NULL),
		TEST_MACHINE_CASE(test_get_sgtable, &get_sgtable_mc),
		TEST_MACHINE_CASE(test_free_wrong_attrs, NULL),
		TEST_MACHINE_CASE(test_map_addresses, NULL),
		TEST_MACHINE_CASE(test_map_out_of_mask, &map_out_of_mask_mc),
		TEST_MACHINE_CASE(test_dispatcher_errors, NULL),
		TEST_MACHINE_CASE(test_bad_arguments, NULL),
		TEST_MACHINE_CASE(test_map_sg_refusals, NULL),
		TEST_MACHINE_CASE(test_coherent_device_mmap_agrees, &coherent_device_mmap_agrees_mc),
	};

	return cmocka_run_group_tests_name("direct", tests, NULL, NULL);
}
