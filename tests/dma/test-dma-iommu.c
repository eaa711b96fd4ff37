// SPDX-License-Identifier: MIT
/*
 * The IOMMU DMA backend (src/dma/dma-iommu.c): coherent buffers gathered
 * from scattered pages and made contiguous in IOVA space, their kernel
 * mapping one host mapping per physical run, DMA_ATTR_NO_KERNEL_MAPPING,
 * dma_get_sgtable() and sharing with a second device through its own
 * domain, dma_map_sg() segment merging under the device's limits,
 * permissions from the DMA direction, running out of IOVA space, the
 * allocation attributes and the non-contiguous API.
 */
#include "test-util.h"
#include "lib/util.h"
#include "iommu/iommu.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct dmamap_bank bank32[] = { { 0x80000000ULL, SZ_32M } };

struct fix {
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct device *dev;
};

/* Page-table pages the domain holds: they stay after an unmap, as in the kernel. */
static u64 table_pages(struct iommu_domain *d)
{
	return __atomic_load_n(&to_dmamap_domain(d)->table_pages, __ATOMIC_RELAXED);
}

static struct iommu_domain *mkdom(struct dmamap_machine *m, unsigned int ias)
{
	struct dmamap_iommu_config cfg = { .type = IOMMU_DOMAIN_DMA, .ias = ias,
					   .flush = DMAMAP_IOMMU_STRICT };
	struct iommu_domain *d = NULL;

	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	return d;
}

/* A 32 MiB machine, a strict DMA domain of @ias IOVA bits (0: 32), one device in it. */
static void fix_up(struct fix *f, unsigned int ias)
{
	struct dmamap_machine_config mc = { .banks = bank32, .nr_banks = 1 };

	f->m = test_machine(&mc);
	f->d = mkdom(f->m, ias);
	f->dev = test_device(f->m, NULL, f->d);
}

static void fix_down(struct fix *f)
{
	dmamap_device_destroy(f->dev);
	iommu_domain_free(f->d);
	assert_int_equal(test_stats(f->m).api_errors, 0);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/*
 * Fragments physical memory: takes every free frame one by one, then gives
 * back about half of them at random, so no free block is large. The frames
 * kept are returned in *@kept (free them with unfragment()).
 */
static unsigned long fragment(struct dmamap_machine *m, struct page ***kept)
{
	unsigned long cap = test_stats(m).pages_free, n = 0, k = 0;
	struct page **all = calloc(cap, sizeof(*all));
	u64 rng = 0x243f6a8885a308d3ULL;

	assert_non_null(all);
	while (n < cap && (all[n] = dmamap_alloc_pages(m, GFP_KERNEL, 0)))
		n++;
	for (unsigned long i = 0; i < n; i++) {
		if (test_rand(&rng) & 1)
			dmamap_free_pages(all[i], 0);
		else
			all[k++] = all[i];
	}
	*kept = all;
	return k;
}

static void unfragment(struct page **kept, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		dmamap_free_pages(kept[i], 0);
	free(kept);
}

/* Physically contiguous runs behind [iova, iova+size), from the domain's tables. */
struct run {
	phys_addr_t phys;
	size_t len;
};

static unsigned int iova_runs(struct iommu_domain *d, dma_addr_t iova, size_t size,
			      struct run *runs, unsigned int max)
{
	unsigned int n = 0;

	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		phys_addr_t p = iommu_iova_to_phys(d, iova + off);

		assert_int_not_equal(p, 0);
		if (n && runs[n - 1].phys + runs[n - 1].len == p) {
			runs[n - 1].len += PAGE_SIZE;
			continue;
		}
		assert_true(n < max);
		runs[n++] = (struct run){ p, PAGE_SIZE };
	}
	return n;
}

/* Does reading @addr fault? Asked in a forked child (see tests/mm/test-vmalloc.c). */
/* --- coherent allocations from scattered pages ------------------------------------ */

/*
 * With memory fragmented, a 1 MiB coherent buffer is gathered from many
 * scattered blocks, yet has one DMA address: one size-aligned IOVA range
 * that maps every page in order. dma_get_sgtable() describes it with one
 * entry per physically contiguous run; the kernel mapping was built with one
 * host mapping per run; the device sees what the CPU wrote and the other
 * way round.
 */
static void test_fragmented_alloc(void **state)
{
	struct fix f;
	struct page **kept;
	unsigned long nkept;
	struct run runs[256];
	unsigned int nruns, i;
	struct sg_table sgt;
	struct scatterlist *sg;
	struct dmamap_stats st0, st1;
	u64 free0;
	dma_addr_t dma;
	u8 *cpu, *buf = malloc(SZ_1M);

	(void)state;
	assert_non_null(buf);
	fix_up(&f, 0);
	nkept = fragment(f.m, &kept);
	free0 = test_stats(f.m).pages_free + table_pages(f.d);
	st0 = test_stats(f.m);
	cpu = dma_alloc_attrs(f.dev, SZ_1M, &dma, GFP_KERNEL, 0);
	assert_non_null(cpu);
	st1 = test_stats(f.m);
	assert_false(dma_mapping_error(f.dev, dma));
	assert_true(IS_ALIGNED(dma, SZ_1M));
	assert_true(dma + SZ_1M - 1 <= DMA_BIT_MASK(32));

	nruns = iova_runs(f.d, dma, SZ_1M, runs, ARRAY_SIZE(runs));
	assert_true(nruns > 16);	/* the pages really are scattered */
	/* one host mapping of the kernel mapping per run, in one VA area */
	assert_int_equal(st1.host_mmaps - st0.host_mmaps, nruns);
	assert_int_equal(st1.vmalloc_areas, st0.vmalloc_areas + 1);
	assert_true(st1.vmalloc_bytes - st0.vmalloc_bytes >= SZ_1M);

	/* the sg_table: one entry per run, in IOVA order */
	assert_int_equal(dma_get_sgtable(f.dev, &sgt, cpu, dma, SZ_1M), 0);
	assert_int_equal(sgt.orig_nents, nruns);
	for_each_sg(sgt.sgl, sg, sgt.orig_nents, i) {
		assert_int_equal(sg_phys(sg), runs[i].phys);
		assert_int_equal(sg->offset, 0);
		assert_int_equal(sg->length, runs[i].len);
	}
	sg_free_table(&sgt);

	/* CPU writes through the kernel mapping, the device reads through the IOVA */
	test_fill_pattern(cpu, SZ_1M, 77);
	memset(buf, 0, SZ_1M);
	assert_int_equal(dmamap_bus_read(f.dev, dma, buf, SZ_1M, NULL), 0);
	assert_int_equal(test_check_pattern(buf, SZ_1M, 77), -1);
	/* and the other way */
	test_fill_pattern(buf, SZ_1M, 78);
	assert_int_equal(dmamap_bus_write(f.dev, dma, buf, SZ_1M, NULL), 0);
	assert_int_equal(test_check_pattern(cpu, SZ_1M, 78), -1);
	/* each run's frames hold their part of the buffer */
	{
		size_t off = 0;

		for (i = 0; i < nruns; i++) {
			struct page *pg = dmamap_pfn_to_page(f.m, PHYS_PFN(runs[i].phys));

			assert_memory_equal(page_address(pg), buf + off, runs[i].len);
			off += runs[i].len;
		}
	}

	dma_free_attrs(f.dev, SZ_1M, cpu, dma, 0);
	assert_int_equal(test_stats(f.m).pages_free + table_pages(f.d), free0);
	assert_int_equal(test_stats(f.m).vmalloc_areas, st0.vmalloc_areas);
	assert_int_equal(iommu_iova_to_phys(f.d, dma), 0);
	unfragment(kept, nkept);
	free(buf);
	fix_down(&f);
}

/*
 * DMA_ATTR_NO_KERNEL_MAPPING: nothing of the kernel VA window is used and
 * the returned cookie is no address (reading it faults). The buffer reaches
 * user space through dma_mmap_attrs(), and the device sees what was
 * written there. The cookie works only with the attribute passed again.
 */
static void test_no_kernel_mapping(void **state)
{
	struct fix f;
	struct page **kept;
	unsigned long nkept;
	const size_t size = SZ_256K;
	const unsigned long nkm = DMA_ATTR_NO_KERNEL_MAPPING;
	struct dmamap_stats st0, st1;
	struct vm_area_struct *vma;
	struct sg_table sgt;
	struct scatterlist *sg;
	unsigned int i;
	size_t total = 0;
	dma_addr_t dma;
	void *cookie;
	u8 *buf = malloc(size);

	(void)state;
	assert_non_null(buf);
	fix_up(&f, 0);
	nkept = fragment(f.m, &kept);
	st0 = test_stats(f.m);
	cookie = dma_alloc_attrs(f.dev, size, &dma, GFP_KERNEL, nkm);
	assert_non_null(cookie);
	st1 = test_stats(f.m);
	assert_int_equal(st1.vmalloc_bytes, st0.vmalloc_bytes);
	assert_int_equal(st1.vmalloc_areas, st0.vmalloc_areas);
	assert_int_equal(st1.host_vmas, st0.host_vmas);
	assert_int_equal(st1.host_mmaps, st0.host_mmaps);
	assert_int_equal(st1.cookies, st0.cookies + 1);
	assert_true(test_read_faults(cookie));
	assert_true(test_read_faults((u8 *)cookie + size - 1));

	/* to user space */
	assert_int_equal(dmamap_vma_create(f.m, size, 0, &vma), 0);
	assert_int_equal(dma_mmap_attrs(f.dev, vma, cookie, dma, size, nkm), 0);
	test_fill_pattern((void *)vma->vm_start, size, 5);
	memset(buf, 0, size);
	assert_int_equal(dmamap_bus_read(f.dev, dma, buf, size, NULL), 0);
	assert_int_equal(test_check_pattern(buf, size, 5), -1);
	test_fill_pattern(buf, size, 6);
	assert_int_equal(dmamap_bus_write(f.dev, dma, buf, size, NULL), 0);
	assert_int_equal(test_check_pattern((void *)vma->vm_start, size, 6), -1);
	assert_int_equal(test_stats(f.m).vmalloc_areas, st0.vmalloc_areas);

	/* a window into the middle: pages 3 and 4; past the end is -ENXIO */
	{
		struct vm_area_struct *mid;
		u8 part[2 * PAGE_SIZE], saved[10];

		assert_int_equal(dmamap_vma_create(f.m, 2 * PAGE_SIZE, 3, &mid), 0);
		assert_int_equal(dma_mmap_attrs(f.dev, mid, cookie, dma, size, nkm), 0);
		assert_memory_equal((void *)mid->vm_start, (u8 *)vma->vm_start + 3 * PAGE_SIZE,
				    2 * PAGE_SIZE);
		memcpy(saved, (void *)mid->vm_start, sizeof(saved));
		memset((void *)mid->vm_start, 0x6d, sizeof(saved));
		assert_int_equal(dmamap_bus_read(f.dev, dma + 3 * PAGE_SIZE, part, sizeof(part),
						 NULL), 0);
		assert_memory_equal(part, (void *)mid->vm_start, sizeof(part));
		assert_int_equal(((u8 *)vma->vm_start)[3 * PAGE_SIZE + 9], 0x6d);
		memcpy((void *)mid->vm_start, saved, sizeof(saved));	/* as it was */
		assert_int_equal(test_check_pattern((void *)vma->vm_start, size, 6), -1);
		dmamap_vma_destroy(mid);
		assert_int_equal(dmamap_vma_create(f.m, 2 * PAGE_SIZE, size / PAGE_SIZE - 1, &mid),
				 0);
		assert_int_equal(dma_mmap_attrs(f.dev, mid, cookie, dma, size, nkm), -ENXIO);
		dmamap_vma_destroy(mid);
	}

	/* the sg_table of a cookie buffer */
	assert_int_equal(dma_get_sgtable_attrs(f.dev, &sgt, cookie, dma, size, nkm), 0);
	for_each_sg(sgt.sgl, sg, sgt.orig_nents, i) {
		assert_memory_equal(page_address(sg_page(sg)), buf + total, sg->length);
		total += sg->length;
	}
	assert_int_equal(total, size);
	assert_true(sgt.orig_nents > 1);
	sg_free_table(&sgt);

	/* without the attribute the cookie is refused */
	assert_int_equal(test_stats(f.m).api_errors, 0);
	assert_int_not_equal(dma_get_sgtable(f.dev, &sgt, cookie, dma, size), 0);
	assert_int_not_equal(dma_mmap_attrs(f.dev, vma, cookie, dma, size, 0), 0);
	assert_int_equal(test_stats(f.m).api_errors, 2);

	dmamap_vma_destroy(vma);
	dma_free_attrs(f.dev, size, cookie, dma, nkm);
	assert_int_equal(test_stats(f.m).cookies, st0.cookies);
	unfragment(kept, nkept);
	free(buf);
	/* the two refusals above were meant */
	dmamap_device_destroy(f.dev);
	iommu_domain_free(f.d);
	test_assert_no_leaks(f.m);
	dmamap_machine_destroy(f.m);
}

/* --- dma_map_sg merging ------------------------------------------------------------- */

struct sg_piece {
	unsigned int off, len, rep;	/* rep: how many such entries */
};

struct sg_case {
	const char *name;
	unsigned int max_seg;		/* 0: no limit (UINT_MAX) */
	unsigned long boundary;		/* 0: the default, 4 GiB */
	struct sg_piece p[6];
	unsigned int nsegs;
	unsigned int seg[6];		/* expected DMA segment lengths */
};

/*
 * The rules of iommu_dma_map_sg(): the whole list gets one IOVA range, each
 * entry padded to pages there; an entry joins the DMA segment before it when
 * that one ended on a page, the entry starts on a page, the join is not on a
 * segment boundary and the result fits the maximum segment size. An entry
 * that would straddle a boundary is moved up to it with padding.
 */
#define P(o, l)		{ (o), (l), 1 }
#define R(o, l, n)	{ (o), (l), (n) }

static const struct sg_case sg_cases[] = {
	{ "pages merge", SZ_64K, 0, { R(0, SZ_4K, 4) }, 1, { SZ_16K } },
	{ "max 4K", SZ_4K, 0, { R(0, SZ_4K, 4) }, 4, { SZ_4K, SZ_4K, SZ_4K, SZ_4K } },
	{ "max 8K", SZ_8K, 0, { R(0, SZ_4K, 3) }, 2, { SZ_8K, SZ_4K } },
	{ "max 64K", SZ_64K, 0, { R(0, SZ_4K, 20) }, 2, { SZ_64K, SZ_16K } },
	{ "unlimited", 0, 0, { R(0, SZ_4K, 20) }, 1, { 20 * SZ_4K } },
	{ "head offset", SZ_64K, 0, { P(0x100, 0xf00), P(0, SZ_4K), P(0, 0x800), P(0, SZ_4K) },
	  2, { 0x2700, SZ_4K } },
	{ "middle offset", SZ_64K, 0, { P(0, SZ_4K), P(0x200, 0x200), P(0, SZ_4K) },
	  3, { SZ_4K, 0x200, SZ_4K } },
	{ "short first", SZ_64K, 0, { P(0, 100), P(0, SZ_4K) }, 2, { 100, SZ_4K } },
	{ "multi-page", SZ_64K, 0, { P(0, SZ_8K), P(0x800, 0x1800), P(0, SZ_4K) },
	  2, { SZ_8K, 0x2800 } },
	{ "boundary 64K", 0, 0xffff, { R(0, SZ_4K, 20) }, 2, { SZ_64K, SZ_16K } },
	{ "boundary pads", 0, 0xffff, { R(0, SZ_4K, 15), P(0, SZ_8K), P(0, SZ_4K) },
	  2, { 15 * SZ_4K, 3 * SZ_4K } },
	{ "boundary and max", SZ_32K, 0xffff, { R(0, SZ_4K, 20) }, 3,
	  { SZ_32K, SZ_32K, SZ_16K } },
};

static void run_sg_case(struct fix *f, const struct sg_case *c)
{
	unsigned int n = 0, total = 0, count, i, k;
	struct page *pages[32];
	unsigned int orders[32], offs[32], lens[32];
	struct sg_table sgt;
	struct scatterlist *s;
	u8 *expect, *got;
	size_t done = 0;

	for (k = 0; k < ARRAY_SIZE(c->p) && c->p[k].len; k++) {
		for (unsigned int r = 0; r < c->p[k].rep; r++) {
			assert_true(n < ARRAY_SIZE(pages));
			offs[n] = c->p[k].off;
			lens[n] = c->p[k].len;
			orders[n] = get_order(offs[n] + lens[n]);
			pages[n] = dmamap_alloc_pages(f->m, GFP_KERNEL, orders[n]);
			assert_non_null(pages[n]);
			total += lens[n];
			n++;
		}
	}
	expect = malloc(total);
	got = malloc(total);
	assert_non_null(expect);
	assert_non_null(got);
	test_fill_pattern(expect, total, 300 + n);
	assert_int_equal(sg_alloc_table(&sgt, n, GFP_KERNEL), 0);
	for_each_sg(sgt.sgl, s, n, i) {
		sg_set_page(s, pages[i], lens[i], offs[i]);
		memcpy((u8 *)page_address(pages[i]) + offs[i], expect + done, lens[i]);
		done += lens[i];
	}

	assert_int_equal(dma_set_max_seg_size(f->dev, c->max_seg ? c->max_seg : UINT_MAX), 0);
	assert_int_equal(dma_set_seg_boundary(f->dev, c->boundary ? c->boundary : 0xffffffffUL), 0);
	count = dma_map_sg(f->dev, sgt.sgl, (int)n, DMA_BIDIRECTIONAL);
	if (count != c->nsegs)
		print_error("case \"%s\": %u segments, expected %u\n", c->name, count, c->nsegs);
	assert_int_equal(count, c->nsegs);
	done = 0;
	for_each_sg(sgt.sgl, s, n, i) {
		/* the list itself is as it was */
		assert_ptr_equal(sg_page(s), pages[i]);
		assert_int_equal(s->offset, offs[i]);
		assert_int_equal(s->length, lens[i]);
		if (i >= count) {
			assert_int_equal(sg_dma_len(s), 0);
			continue;
		}
		if (sg_dma_len(s) != c->seg[i])
			print_error("case \"%s\": segment %u is %#x bytes, expected %#x\n", c->name,
				    i, sg_dma_len(s), c->seg[i]);
		assert_int_equal(sg_dma_len(s), c->seg[i]);
		if (c->max_seg)
			assert_true(sg_dma_len(s) <= c->max_seg);
		if (c->boundary)
			assert_int_equal(sg_dma_address(s) & ~(dma_addr_t)c->boundary,
					 (sg_dma_address(s) + sg_dma_len(s) - 1) &
					 ~(dma_addr_t)c->boundary);
		/* the segment's IOVAs reach the right bytes */
		assert_int_equal(dmamap_bus_read(f->dev, sg_dma_address(s), got + done,
						 sg_dma_len(s), NULL), 0);
		done += sg_dma_len(s);
	}
	assert_int_equal(done, total);
	assert_memory_equal(got, expect, total);
	dma_unmap_sg(f->dev, sgt.sgl, (int)n, DMA_BIDIRECTIONAL);
	assert_int_equal(test_stats(f->m).iova_pages_used, 0);
	sg_free_table(&sgt);
	for (i = 0; i < n; i++)
		dmamap_free_pages(pages[i], orders[i]);
	free(expect);
	free(got);
}

static void test_map_sg_merge(void **state)
{
	struct fix f;

	(void)state;
	fix_up(&f, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(sg_cases); i++)
		run_sg_case(&f, &sg_cases[i]);
	fix_down(&f);
}

/* --- permissions from the direction ---------------------------------------------------- */

/*
 * A streaming mapping gets IOMMU permissions from its direction: the
 * device may only read a TO_DEVICE buffer and only write a FROM_DEVICE one
 * (this model maps FROM_DEVICE write-only); BIDIRECTIONAL allows both.
 */
static void test_direction_permissions(void **state)
{
	static const struct {
		enum dma_data_direction dir;
		bool read, write;
	} cases[] = {
		{ DMA_TO_DEVICE, true, false },
		{ DMA_FROM_DEVICE, false, true },
		{ DMA_BIDIRECTIONAL, true, true },
	};
	struct fix f;
	struct dmamap_fault fault;
	u8 tmp[64];
	void *buf;

	(void)state;
	fix_up(&f, 0);
	buf = dmamap_kmalloc(f.m, 512, GFP_KERNEL);
	assert_non_null(buf);
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 faults = test_stats(f.m).iommu_faults;
		dma_addr_t dma;
		int want;

		memset(buf, 0x11, 512);
		dma = dma_map_single(f.dev, buf, 512, cases[i].dir);
		assert_false(dma_mapping_error(f.dev, dma));
		memset(tmp, 0, sizeof(tmp));
		want = cases[i].read ? 0 : -EACCES;
		assert_int_equal(dmamap_bus_read(f.dev, dma, tmp, sizeof(tmp), &fault), want);
		if (cases[i].read) {
			assert_int_equal(tmp[0], 0x11);
		} else {
			assert_int_equal(fault.reason, DMAMAP_FAULT_PERMISSION);
			assert_int_equal(fault.flags, IOMMU_FAULT_READ);
			assert_int_equal(tmp[0], 0);
		}
		memset(tmp, 0x22, sizeof(tmp));
		want = cases[i].write ? 0 : -EACCES;
		assert_int_equal(dmamap_bus_write(f.dev, dma, tmp, sizeof(tmp), &fault), want);
		if (!cases[i].write) {
			assert_int_equal(fault.reason, DMAMAP_FAULT_PERMISSION);
			assert_int_equal(fault.flags, IOMMU_FAULT_WRITE);
		}
		assert_int_equal(test_stats(f.m).iommu_faults,
				 faults + !cases[i].read + !cases[i].write);
		dma_unmap_single(f.dev, dma, 512, cases[i].dir);
		assert_int_equal(((u8 *)buf)[0], cases[i].write ? 0x22 : 0x11);
	}
	dmamap_kfree(f.m, buf);
	fix_down(&f);
}

/* --- one buffer, two devices ------------------------------------------------------------ */

/*
 * The buffer of one device, described by dma_get_sgtable(), is mapped by a
 * second device in its own domain with dma_map_sgtable(): each device has
 * its own DMA address for the same frames and reads the same bytes.
 */
static void test_share_second_device(void **state)
{
	struct fix f;
	struct page **kept;
	unsigned long nkept;
	struct iommu_domain *d2;
	struct device *dev2;
	struct sg_table sgt;
	struct scatterlist *s;
	dma_addr_t dma, other;
	void *scratch;
	u8 *cpu, *buf = malloc(SZ_512K);
	size_t done = 0;
	unsigned int i;

	(void)state;
	assert_non_null(buf);
	fix_up(&f, 0);
	nkept = fragment(f.m, &kept);
	d2 = mkdom(f.m, 0);
	dev2 = test_device(f.m, NULL, d2);
	/* the second domain already has a mapping, so the two addresses cannot coincide */
	scratch = dmamap_kmalloc(f.m, 64, GFP_KERNEL);
	assert_non_null(scratch);
	other = dma_map_single(dev2, scratch, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev2, other));

	cpu = dma_alloc_coherent(f.dev, SZ_512K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	test_fill_pattern(cpu, SZ_512K, 99);
	assert_int_equal(dma_get_sgtable(f.dev, &sgt, cpu, dma, SZ_512K), 0);
	assert_true(sgt.orig_nents > 1);
	assert_int_equal(dma_map_sgtable(dev2, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	/* pages laid end to end in IOVA space, merged up to the 64 KiB segment limit */
	assert_int_equal(sgt.nents, SZ_512K / SZ_64K);
	assert_int_not_equal(sg_dma_address(sgt.sgl), dma);
	/* separate address spaces: neither address means anything to the other domain */
	assert_int_equal(iommu_iova_to_phys(d2, dma), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, sg_dma_address(sgt.sgl)), 0);
	assert_int_equal(iommu_iova_to_phys(d2, sg_dma_address(sgt.sgl)),
			 iommu_iova_to_phys(f.d, dma));
	for_each_sgtable_dma_sg(&sgt, s, i) {
		assert_int_equal(dmamap_bus_read(dev2, sg_dma_address(s), buf + done,
						 sg_dma_len(s), NULL), 0);
		done += sg_dma_len(s);
	}
	assert_int_equal(done, SZ_512K);
	assert_int_equal(test_check_pattern(buf, SZ_512K, 99), -1);
	/* the second device writes, the first reads it back */
	assert_int_equal(dmamap_bus_fill(dev2, sg_dma_address(sgt.sgl) + 100, 0xab, 10, NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, dma + 100, buf, 10, NULL), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(buf[i], 0xab);
	assert_int_equal(cpu[109], 0xab);

	dma_unmap_sgtable(dev2, &sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&sgt);
	dma_free_coherent(f.dev, SZ_512K, cpu, dma);
	dma_unmap_single(dev2, other, 64, DMA_TO_DEVICE);
	dmamap_kfree(f.m, scratch);
	dmamap_device_destroy(dev2);
	iommu_domain_free(d2);
	unfragment(kept, nkept);
	free(buf);
	fix_down(&f);
}

/* --- running out of IOVA space ------------------------------------------------------------ */

/*
 * A 1 MiB aperture (20 IOVA bits) holds fifteen 64 KiB ranges, as ranges are
 * aligned to their size and IOVA 0 is never handed out, and then fifteen
 * single pages below them. When it is full, mappings fail the kernel's way
 * (DMA_MAPPING_ERROR, 0 segments, -ENOMEM, NULL) and leave nothing behind;
 * an unmap makes room again.
 */
static void test_small_aperture(void **state)
{
	struct fix f;
	struct page *blk[16];
	dma_addr_t dma[16], small[16];
	unsigned int n, ns;
	struct sg_table sgt;
	dma_addr_t h;
	void *cpu;
	u64 free_before;

	(void)state;
	fix_up(&f, 20);
	assert_int_equal(f.d->geometry.aperture_end, SZ_1M - 1);
	for (n = 0; n < 16; n++) {
		blk[n] = dmamap_alloc_pages(f.m, GFP_KERNEL, 4);
		assert_non_null(blk[n]);
	}
	for (n = 0; n < 16; n++) {
		dma[n] = dma_map_page(f.dev, blk[n], 0, SZ_64K, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(f.dev, dma[n]))
			break;
		assert_true(dma[n] >= SZ_64K && dma[n] + SZ_64K - 1 < SZ_1M);
		assert_true(IS_ALIGNED(dma[n], SZ_64K));
	}
	assert_int_equal(n, 15);
	/* the pages of blk[15], one by one, fill what is left */
	for (ns = 0; ns < 16; ns++) {
		small[ns] = dma_map_page(f.dev, blk[15] + ns, 0, SZ_4K, DMA_TO_DEVICE);
		if (dma_mapping_error(f.dev, small[ns]))
			break;
		assert_true(small[ns] >= SZ_4K && small[ns] < SZ_64K);
	}
	assert_int_equal(ns, 15);
	assert_int_equal(test_stats(f.m).iova_pages_used, 255);

	/* full: every kind of mapping fails, and nothing is left over */
	free_before = test_stats(f.m).pages_free;
	assert_null(dma_alloc_attrs(f.dev, SZ_8K, &h, GFP_KERNEL, DMA_ATTR_NO_WARN));
	assert_int_equal(sg_alloc_table(&sgt, 1, GFP_KERNEL), 0);
	sg_set_page(sgt.sgl, blk[15], SZ_4K, 0);
	assert_int_equal(dma_map_sg(f.dev, sgt.sgl, 1, DMA_TO_DEVICE), 0);
	assert_int_equal(dma_map_sgtable(f.dev, &sgt, DMA_TO_DEVICE, 0), -ENOMEM);
	assert_null(dma_alloc_noncontiguous(f.dev, SZ_8K, DMA_BIDIRECTIONAL, GFP_KERNEL, 0));
	assert_int_equal(test_stats(f.m).pages_free, free_before);
	assert_int_equal(test_stats(f.m).iova_pages_used, 255);
	/* the list is as it was */
	assert_ptr_equal(sg_page(sgt.sgl), blk[15]);
	assert_int_equal(sgt.sgl->length, SZ_4K);
	assert_int_equal(sgt.sgl->offset, 0);

	/* room again after one unmap */
	dma_unmap_page(f.dev, dma[3], SZ_64K, DMA_BIDIRECTIONAL);
	assert_int_equal(dma_map_sgtable(f.dev, &sgt, DMA_TO_DEVICE, 0), 0);
	assert_int_equal(sgt.nents, 1);
	assert_int_equal(iommu_iova_to_phys(f.d, sg_dma_address(sgt.sgl)), page_to_phys(blk[15]));
	dma_unmap_sgtable(f.dev, &sgt, DMA_TO_DEVICE, 0);
	cpu = dma_alloc_coherent(f.dev, SZ_64K, &h, GFP_KERNEL);
	assert_non_null(cpu);
	assert_true(h < SZ_1M);
	dma_free_coherent(f.dev, SZ_64K, cpu, h);
	for (unsigned int i = 0; i < 15; i++) {
		if (i != 3)
			dma_unmap_page(f.dev, dma[i], SZ_64K, DMA_BIDIRECTIONAL);
		dma_unmap_page(f.dev, small[i], SZ_4K, DMA_TO_DEVICE);
	}
	assert_int_equal(test_stats(f.m).iova_pages_used, 0);
	/* a buffer larger than the whole aperture can never fit; half of it can */
	assert_null(dma_alloc_attrs(f.dev, SZ_1M, &h, GFP_KERNEL, DMA_ATTR_NO_WARN));
	cpu = dma_alloc_coherent(f.dev, SZ_512K, &h, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(h, SZ_512K);
	dma_free_coherent(f.dev, SZ_512K, cpu, h);
	sg_free_table(&sgt);
	for (unsigned int i = 0; i < 16; i++)
		dmamap_free_pages(blk[i], 4);
	fix_down(&f);
}

/* --- allocation attributes --------------------------------------------------------------- */

/*
 * Without attributes the pages come largest block first: a 64 KiB buffer
 * is one block even when single free frames abound. DMA_ATTR_ALLOC_SINGLE_PAGES
 * takes frames one by one (here: the scattered single ones);
 * DMA_ATTR_FORCE_CONTIGUOUS one physically contiguous block.
 */
static void test_alloc_attrs(void **state)
{
	struct fix f;
	struct page *singles[64];
	struct run runs[64];
	dma_addr_t dma;
	void *cpu;
	unsigned int n;

	(void)state;
	fix_up(&f, 0);
	/* 32 single free frames, none with a free neighbour */
	for (int i = 0; i < 64; i++)
		singles[i] = dmamap_alloc_pages(f.m, GFP_KERNEL, 0);
	for (int i = 0; i < 64; i += 2)
		dmamap_free_pages(singles[i], 0);

	cpu = dma_alloc_attrs(f.dev, SZ_64K, &dma, GFP_KERNEL, 0);
	assert_non_null(cpu);
	assert_int_equal(iova_runs(f.d, dma, SZ_64K, runs, 64), 1);
	dma_free_attrs(f.dev, SZ_64K, cpu, dma, 0);

	cpu = dma_alloc_attrs(f.dev, SZ_64K, &dma, GFP_KERNEL, DMA_ATTR_ALLOC_SINGLE_PAGES);
	assert_non_null(cpu);
	n = iova_runs(f.d, dma, SZ_64K, runs, 64);
	assert_int_equal(n, 16);
	test_fill_pattern(cpu, SZ_64K, 8);
	{
		u8 *buf = malloc(SZ_64K);

		assert_non_null(buf);
		assert_int_equal(dmamap_bus_read(f.dev, dma, buf, SZ_64K, NULL), 0);
		assert_int_equal(test_check_pattern(buf, SZ_64K, 8), -1);
		free(buf);
	}
	dma_free_attrs(f.dev, SZ_64K, cpu, dma, DMA_ATTR_ALLOC_SINGLE_PAGES);

	/* force contiguous: one run, whatever the size, and below 4 GiB */
	cpu = dma_alloc_attrs(f.dev, SZ_256K + SZ_4K, &dma, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
	assert_non_null(cpu);
	n = iova_runs(f.d, dma, SZ_256K + SZ_4K, runs, 64);
	assert_int_equal(n, 1);
	assert_true(runs[0].phys + runs[0].len - 1 <= DMA_BIT_MASK(32));
	{
		struct sg_table sgt;

		assert_int_equal(dma_get_sgtable_attrs(f.dev, &sgt, cpu, dma, SZ_256K + SZ_4K,
						       DMA_ATTR_FORCE_CONTIGUOUS), 0);
		assert_int_equal(sgt.orig_nents, 1);
		assert_int_equal(sgt.sgl->length, SZ_256K + SZ_4K);
		sg_free_table(&sgt);
	}
	dma_free_attrs(f.dev, SZ_256K + SZ_4K, cpu, dma, DMA_ATTR_FORCE_CONTIGUOUS);
	/* force contiguous with no kernel mapping */
	cpu = dma_alloc_attrs(f.dev, SZ_64K, &dma, GFP_KERNEL,
			      DMA_ATTR_FORCE_CONTIGUOUS | DMA_ATTR_NO_KERNEL_MAPPING);
	assert_non_null(cpu);
	assert_int_equal(iova_runs(f.d, dma, SZ_64K, runs, 64), 1);
	assert_true(test_read_faults(cpu));
	dma_free_attrs(f.dev, SZ_64K, cpu, dma,
		       DMA_ATTR_FORCE_CONTIGUOUS | DMA_ATTR_NO_KERNEL_MAPPING);

	for (int i = 1; i < 64; i += 2)
		dmamap_free_pages(singles[i], 0);
	fix_down(&f);
}

/*
 * A buffer made of a 2 MiB block at a 2 MiB-aligned IOVA is mapped with one
 * block descriptor; freeing it unmaps the block whole, so the same IOVA
 * takes the next such buffer, and no page-table page is added on the way.
 */
static void test_block_buffer_again(void **state)
{
	struct fix f;
	u64 tables = 0;
	dma_addr_t first = 0;

	(void)state;
	fix_up(&f, 0);
	for (int i = 0; i < 3; i++) {
		dma_addr_t dma;
		u8 *cpu = dma_alloc_coherent(f.dev, SZ_2M, &dma, GFP_KERNEL);
		u8 buf[64];

		assert_non_null(cpu);
		assert_true(IS_ALIGNED(dma, SZ_2M));
		if (!i) {
			first = dma;
			tables = table_pages(f.d);
		}
		assert_int_equal(dma, first);
		test_fill_pattern(cpu, SZ_2M, 50 + i);
		assert_int_equal(dmamap_bus_read(f.dev, dma + SZ_2M - sizeof(buf), buf, sizeof(buf),
						 NULL), 0);
		assert_memory_equal(buf, cpu + SZ_2M - sizeof(buf), sizeof(buf));
		dma_free_coherent(f.dev, SZ_2M, cpu, dma);
		assert_int_equal(iommu_iova_to_phys(f.d, dma), 0);
		assert_int_equal(table_pages(f.d), tables);
	}
	fix_down(&f);
}

/* --- the non-contiguous API -------------------------------------------------------------- */

/*
 * dma_alloc_noncontiguous(): pages, one IOVA range in the first entry's DMA
 * fields; dma_vmap_noncontiguous() gives the CPU a contiguous view of them;
 * the bytes go both ways with the syncs; everything goes back on free.
 */
static void test_noncontiguous(void **state)
{
	struct fix f;
	struct page **kept;
	unsigned long nkept;
	struct sg_table *sgt;
	struct scatterlist *s;
	struct dmamap_stats st0;
	const size_t size = SZ_256K;
	u8 *vaddr, *buf = malloc(size);
	size_t total = 0;
	unsigned int i;
	u64 free0;

	(void)state;
	assert_non_null(buf);
	fix_up(&f, 0);
	nkept = fragment(f.m, &kept);
	free0 = test_stats(f.m).pages_free + table_pages(f.d);
	st0 = test_stats(f.m);
	sgt = dma_alloc_noncontiguous(f.dev, size, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	assert_non_null(sgt);
	assert_int_equal(sgt->nents, 1);
	assert_int_equal(sg_dma_len(sgt->sgl), size);
	assert_true(sgt->orig_nents > 1);
	for_each_sgtable_sg(sgt, s, i) {
		/* every entry is where the IOVA range says */
		assert_int_equal(iommu_iova_to_phys(f.d, sg_dma_address(sgt->sgl) + total),
				 sg_phys(s));
		total += s->length;
	}
	assert_int_equal(total, size);
	assert_int_equal(test_stats(f.m).vmalloc_areas, st0.vmalloc_areas);

	vaddr = dma_vmap_noncontiguous(f.dev, size, sgt);
	assert_non_null(vaddr);
	assert_int_equal(test_stats(f.m).vmalloc_areas, st0.vmalloc_areas + 1);
	test_fill_pattern(vaddr, size, 31);
	dma_sync_sgtable_for_device(f.dev, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(dmamap_bus_read(f.dev, sg_dma_address(sgt->sgl), buf, size, NULL), 0);
	assert_int_equal(test_check_pattern(buf, size, 31), -1);
	test_fill_pattern(buf, size, 32);
	assert_int_equal(dmamap_bus_write(f.dev, sg_dma_address(sgt->sgl), buf, size, NULL), 0);
	dma_sync_sgtable_for_cpu(f.dev, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(test_check_pattern(vaddr, size, 32), -1);
	/* the pages of the table hold the same */
	total = 0;
	for_each_sgtable_sg(sgt, s, i) {
		assert_memory_equal(page_address(sg_page(s)), buf + total, s->length);
		total += s->length;
	}
	dma_vunmap_noncontiguous(f.dev, vaddr);
	assert_int_equal(test_stats(f.m).vmalloc_areas, st0.vmalloc_areas);
	dma_free_noncontiguous(f.dev, size, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(test_stats(f.m).pages_free + table_pages(f.d), free0);
	assert_int_equal(test_stats(f.m).iova_pages_used, 0);
	unfragment(kept, nkept);
	free(buf);
	fix_down(&f);
}

/* --- what a driver hands back ------------------------------------------------------- */

static bool all_mapped(struct iommu_domain *d, dma_addr_t iova, size_t size, phys_addr_t phys)
{
	for (size_t off = 0; off < size; off += PAGE_SIZE)
		if (iommu_iova_to_phys(d, iova + off) != phys + off)
			return false;
	return true;
}

/*
 * An unmap must name one whole mapping. A size larger or smaller than was
 * mapped, or an address inside a mapping, would unmap part of it, or a
 * neighbour's pages, and give back IOVA that is still mapped (the kernel
 * does, and its debugger reports it): here each is reported and refused,
 * the mapping and its neighbour stay whole and the IOVA count is untouched.
 * The right unmap then works, a second one is refused, and the count comes
 * back to where it was, in both flush modes.
 */
static void test_unmap_wrong_size(void **state)
{
	const struct dmamap_iommu_config cfgs[] = {
		{ .flush = DMAMAP_IOMMU_STRICT }, { .flush = DMAMAP_IOMMU_LAZY },
	};

	(void)state;
	for (unsigned int c = 0; c < ARRAY_SIZE(cfgs); c++) {
		struct dmamap_machine_config mc = { .banks = bank32, .nr_banks = 1 };
		struct dmamap_machine *m = test_machine(&mc);
		struct iommu_domain *d = NULL;
		struct device *dev;
		struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 2);
		struct page *q = dmamap_alloc_pages(m, GFP_KERNEL, 0);
		const size_t size = 3 * PAGE_SIZE;	/* a range of 4 granules, 3 mapped */
		struct dmamap_stats st0, st1;
		struct test_reports r;
		dma_addr_t dma, nb;

		test_reports_record(m, &r);
		assert_int_equal(dmamap_iommu_domain_create(m, &cfgs[c], &d), 0);
		dev = test_device(m, NULL, d);
		assert_non_null(p);
		assert_non_null(q);
		st0 = test_stats(m);
		dma = dma_map_page(dev, p, 0, size, DMA_BIDIRECTIONAL);
		nb = dma_map_page(dev, q, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_false(dma_mapping_error(dev, dma) || dma_mapping_error(dev, nb));
		st1 = test_stats(m);
		assert_true(st1.iova_pages_used > st0.iova_pages_used);

		dma_unmap_page(dev, dma, size + 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
		dma_unmap_page(dev, dma, size + PAGE_SIZE, DMA_BIDIRECTIONAL);
		dma_unmap_page(dev, dma, size - PAGE_SIZE, DMA_BIDIRECTIONAL);
		dma_unmap_page(dev, dma, 0x100000000ULL, DMA_BIDIRECTIONAL);
		assert_true(test_reports_were(&r, 4, DMAMAP_DEBUG_WRONG_SIZE));
		dma_unmap_page(dev, dma + PAGE_SIZE, PAGE_SIZE, DMA_BIDIRECTIONAL);
		dma_unmap_page(dev, dma + PAGE_SIZE, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_true(test_reports_were(&r, 2, DMAMAP_DEBUG_UNKNOWN_ADDR));
		dma_unmap_page(dev, nb, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_WRONG_SIZE));
		assert_int_equal(test_stats(m).api_errors, st1.api_errors + 7);
		assert_int_equal(test_stats(m).iova_pages_used, st1.iova_pages_used);
		assert_true(all_mapped(d, dma, size, page_to_phys(p)));
		assert_true(all_mapped(d, nb, PAGE_SIZE, page_to_phys(q)));
		test_device_writes(dev, dma, size, 7);
		assert_true(test_device_sees(dev, dma, size, 7));

		dma_unmap_page(dev, dma, size, DMA_BIDIRECTIONAL);
		assert_int_equal(iommu_iova_to_phys(d, dma), 0);
		assert_true(all_mapped(d, nb, PAGE_SIZE, page_to_phys(q)));
		dma_unmap_page(dev, dma, size, DMA_BIDIRECTIONAL);
		assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_UNKNOWN_ADDR));
		dma_unmap_page(dev, nb, PAGE_SIZE, DMA_BIDIRECTIONAL);
		iommu_flush_iotlb_all(d);
		assert_int_equal(test_stats(m).iova_pages_used, st0.iova_pages_used);
		assert_int_equal(iova_misuse_count(to_dmamap_domain(d)->iovad), 0);

		dmamap_free_pages(p, 2);
		dmamap_free_pages(q, 0);
		dmamap_device_destroy(dev);
		iommu_domain_free(d);
		test_assert_no_leaks(m);
		dmamap_machine_destroy(m);
	}
}

/*
 * A list whose entries merged into one DMA segment, unmapped with fewer
 * entries than were mapped: the kernel would take the segment for the
 * entries given and unmap the whole list. Reported and refused; the unmap
 * with the mapped count works. An entry count past the end of the list is
 * refused too (the kernel would dereference NULL).
 */
static void test_unmap_sg_wrong_nents(void **state)
{
	struct fix f;
	struct page *p;
	struct scatterlist sg[2];
	struct test_reports r;
	u64 errors;

	(void)state;
	fix_up(&f, 0);
	p = dmamap_alloc_pages(f.m, GFP_KERNEL, 1);
	assert_non_null(p);
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], p, PAGE_SIZE, 0);
	sg_set_page(&sg[1], p + 1, PAGE_SIZE, 0);
	assert_int_equal(dma_map_sg(f.dev, sg, 2, DMA_TO_DEVICE), 1);
	assert_int_equal(sg_dma_len(&sg[0]), 2 * PAGE_SIZE);
	errors = test_stats(f.m).api_errors;
	test_reports_record(f.m, &r);
	dma_unmap_sg(f.dev, sg, 1, DMA_TO_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_WRONG_NENTS));
	dma_unmap_sg(f.dev, sg, 3, DMA_TO_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_WRONG_NENTS));
	assert_int_equal(test_stats(f.m).api_errors, errors + 2);
	assert_true(all_mapped(f.d, sg_dma_address(&sg[0]), 2 * PAGE_SIZE, page_to_phys(p)));
	assert_int_equal(sg_dma_len(&sg[0]), 2 * PAGE_SIZE);
	dma_unmap_sg(f.dev, sg, 2, DMA_TO_DEVICE);
	assert_int_equal(test_stats(f.m).api_errors, errors + 2);
	dma_unmap_sg(f.dev, sg, 2, DMA_TO_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_UNKNOWN_ADDR));
	test_reports_stop(f.m);
	assert_int_equal(test_stats(f.m).api_errors, errors + 3);
	assert_int_equal(test_stats(f.m).iova_pages_used, 0);
	dmamap_free_pages(p, 1);
	/* the misuse above was meant: fix_down() expects none */
	mm_count(f.m, api_errors, -test_stats(f.m).api_errors);
	fix_down(&f);
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
 * dma_free_noncontiguous() with another size than was allocated: the
 * kernel frees as many pages as the size says (past the page array: a heap
 * overflow). Refused, reported, nothing freed; the right size then frees
 * everything. A size no machine can hold is refused before any host memory
 * is asked for it (it once asked for a 32 GiB page array).
 */
static void test_noncontiguous_wrong_size(void **state)
{
	struct fix f;
	struct sg_table *sgt;
	struct dmamap_stats st0, st1;
	struct test_reports r;
	u64 peak, tp0;

	(void)state;
	fix_up(&f, 0);
	st0 = test_stats(f.m);
	tp0 = table_pages(f.d);
	sgt = dma_alloc_noncontiguous(f.dev, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	assert_non_null(sgt);
	st1 = test_stats(f.m);
	test_reports_record(f.m, &r);
	dma_free_noncontiguous(f.dev, 64 * PAGE_SIZE, sgt, DMA_BIDIRECTIONAL);
	dma_free_noncontiguous(f.dev, 2 * PAGE_SIZE, sgt, DMA_BIDIRECTIONAL);
	dma_free_noncontiguous(f.dev, SIZE_MAX, sgt, DMA_BIDIRECTIONAL);
	assert_true(test_reports_were(&r, 3, DMAMAP_DEBUG_FREE_MISMATCH));
	test_reports_stop(f.m);
	assert_int_equal(test_stats(f.m).api_errors, st0.api_errors + 3);
	assert_int_equal(test_stats(f.m).pages_free, st1.pages_free);
	assert_int_equal(test_stats(f.m).iova_pages_used, st1.iova_pages_used);
	assert_true(all_mapped(f.d, sg_dma_address(sgt->sgl), PAGE_SIZE,
			       page_to_phys(sg_page(sgt->sgl))));
	dma_free_noncontiguous(f.dev, 3 * PAGE_SIZE - 100, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(test_stats(f.m).pages_free + table_pages(f.d), st0.pages_free + tp0);
	assert_int_equal(test_stats(f.m).iova_pages_used, 0);

	peak = vm_peak();
	assert_null(dma_alloc_noncontiguous(f.dev, SIZE_MAX - 4095, DMA_BIDIRECTIONAL,
					    GFP_KERNEL, 0));
	assert_null(dma_alloc_noncontiguous(f.dev, 64ULL << 30, DMA_BIDIRECTIONAL, GFP_KERNEL, 0));
	assert_null(dma_alloc_coherent(f.dev, 64ULL << 30, &(dma_addr_t){ 0 }, GFP_KERNEL));
	assert_true(vm_peak() < peak + SZ_1G);
	mm_count(f.m, api_errors, -test_stats(f.m).api_errors);
	fix_down(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragmented_alloc),
		cmocka_unit_test(test_no_kernel_mapping),
		cmocka_unit_test(test_map_sg_merge),
		cmocka_unit_test(test_direction_permissions),
		cmocka_unit_test(test_share_second_device),
		cmocka_unit_test(test_small_aperture),
		cmocka_unit_test(test_alloc_attrs),
		cmocka_unit_test(test_block_buffer_again),
		cmocka_unit_test(test_noncontiguous),
		cmocka_unit_test(test_unmap_wrong_size),
		cmocka_unit_test(test_unmap_sg_wrong_nents),
		cmocka_unit_test(test_noncontiguous_wrong_size),
	};

	return cmocka_run_group_tests_name("dma-iommu", tests, NULL, NULL);
}
