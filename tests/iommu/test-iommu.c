// SPDX-License-Identifier: MIT
/*
 * IOMMU domains (src/iommu/iommu.c) and what a bus master sees through them
 * (src/bus/bus.c): domain types, attach and detach, iommu_map/iommu_unmap
 * and their refusals, identity bypass, faults of every kind with the handler
 * and the log, the IOTLB in strict and lazy mode with the flush queue, and
 * translation of a buffer scattered over physical memory.
 */
#include "test-util.h"

#include "lib/util.h"
#include "iommu/iommu.h"

#include <dmamap/dma-map-ops.h>
#include <stdlib.h>
#include <string.h>

static struct iommu_domain *mkdom(struct dmamap_machine *m, unsigned int type,
				  enum dmamap_iommu_flush flush)
{
	struct dmamap_iommu_config cfg = { .type = type, .flush = flush };
	struct iommu_domain *d = NULL;

	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	assert_non_null(d);
	return d;
}

static struct page *page0(struct dmamap_machine *m)
{
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 0);

	assert_non_null(p);
	return p;
}

/* A machine, one domain of @type and one device attached to it. */
struct fix {
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct device *dev;
};

static void fix_up(struct fix *f, unsigned int type, enum dmamap_iommu_flush flush)
{
	f->m = test_machine(NULL);
	f->d = mkdom(f->m, type, flush);
	f->dev = test_device(f->m, NULL, NULL);
	assert_int_equal(iommu_attach_device(f->d, f->dev), 0);
}

static void fix_down(struct fix *f)
{
	dmamap_device_destroy(f->dev);
	iommu_domain_free(f->d);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* What the fault handler saw. */
struct seen {
	int calls;
	struct iommu_domain *domain;
	struct device *dev;
	unsigned long iova;
	int flags;
	void *token;
};

static int record_fault(struct iommu_domain *domain, struct device *dev, unsigned long iova,
			int flags, void *token)
{
	struct seen *s = token;

	s->calls++;
	s->domain = domain;
	s->dev = dev;
	s->iova = iova;
	s->flags = flags;
	s->token = token;
	return -ENOSYS;
}

/* --- domains ---------------------------------------------------------------------- */

/*
 * The three domain types: paging domains (UNMANAGED, DMA) get an aperture
 * from the IOVA bits and the default page sizes; IDENTITY has no tables and
 * iommu_map() refuses it. A type of 0 is a DMA domain.
 */
static void test_domain_types(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	u64 free0 = test_stats(m).pages_free;
	static const unsigned int types[] = { IOMMU_DOMAIN_UNMANAGED, IOMMU_DOMAIN_DMA,
					      IOMMU_DOMAIN_IDENTITY };
	struct iommu_domain *d;
	struct dmamap_iommu_config cfg;

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		d = mkdom(m, types[i], DMAMAP_IOMMU_STRICT);
		assert_int_equal(d->type, types[i]);
		assert_int_equal(d->pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
		if (types[i] != IOMMU_DOMAIN_IDENTITY) {
			assert_int_equal(d->geometry.aperture_end, DMA_BIT_MASK(32));
			assert_true(d->geometry.force_aperture);
			assert_int_equal(iommu_map(d, SZ_1M, page_to_phys(dmamap_pfn_to_page(m,
					 0x80000)), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
			assert_int_equal(iommu_unmap(d, SZ_1M, SZ_4K), SZ_4K);
		} else {
			assert_int_equal(iommu_map(d, 0x80000000UL, 0x80000000ULL, SZ_4K,
						   IOMMU_READ, GFP_KERNEL), -EINVAL);
			assert_int_equal(iommu_unmap(d, 0x80000000UL, SZ_4K), 0);
			assert_int_equal(iommu_iova_to_phys(d, 0x80001234), 0x80001234);
		}
		iommu_domain_free(d);
	}
	assert_int_equal(test_stats(m).pages_free, free0);

	cfg = (struct dmamap_iommu_config){ .ias = 40, .pgsize_bitmap = SZ_4K };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	assert_int_equal(d->type, IOMMU_DOMAIN_DMA);
	assert_int_equal(d->pgsize_bitmap, SZ_4K);
	assert_int_equal(d->geometry.aperture_end, DMA_BIT_MASK(40));
	iommu_domain_free(d);

	/* refusals */
	d = (struct iommu_domain *)m;
	cfg = (struct dmamap_iommu_config){ .type = 1U << 3 };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	assert_null(d);
	cfg = (struct dmamap_iommu_config){ .ias = 19 };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	cfg = (struct dmamap_iommu_config){ .ias = 49 };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	cfg = (struct dmamap_iommu_config){ .pgsize_bitmap = SZ_2M };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	cfg = (struct dmamap_iommu_config){ .pgsize_bitmap = SZ_4K | SZ_64K };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	cfg = (struct dmamap_iommu_config){ .flush = (enum dmamap_iommu_flush)7 };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	cfg = (struct dmamap_iommu_config){ .iotlb_entries = (1U << 16) + 1 };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	cfg = (struct dmamap_iommu_config){ .walk_cache_entries = (1U << 16) + 1 };
	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), -EINVAL);
	assert_int_equal(dmamap_iommu_domain_create(NULL, &cfg, &d), -EINVAL);
	assert_int_equal(dmamap_iommu_domain_create(m, NULL, NULL), -EINVAL);
	/* NULL config: every default, a DMA domain */
	assert_int_equal(dmamap_iommu_domain_create(m, NULL, &d), 0);
	assert_int_equal(d->type, IOMMU_DOMAIN_DMA);
	iommu_domain_free(d);
	iommu_domain_free(NULL);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/*
 * Freeing a domain gives back every page-table page, however many levels
 * its mappings needed, whether or not they were unmapped first.
 */
static void test_domain_free_returns_tables(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct page *p = page0(m);
	phys_addr_t phys = page_to_phys(p);
	u64 free0 = test_stats(m).pages_free;
	struct iommu_domain *d = mkdom(m, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	static const unsigned long at[] = { 0x1000, 0x200000, 0x40000000, 0x80000000, 0xc0001000,
					    0xfffff000 };

	(void)state;
	/* the same frame behind many IOVAs: every page that goes is a table page */
	for (unsigned int i = 0; i < ARRAY_SIZE(at); i++)
		assert_int_equal(iommu_map(d, at[i], phys, SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_true(test_stats(m).pages_free < free0 - ARRAY_SIZE(at) / 2);
	iommu_domain_free(d);
	assert_int_equal(test_stats(m).pages_free, free0);

	/* unmapping everything first, with a device attached */
	d = mkdom(m, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_LAZY);
	{
		struct device *dev = test_device(m, NULL, NULL);

		assert_int_equal(iommu_attach_device(d, dev), 0);
		for (unsigned int i = 0; i < ARRAY_SIZE(at); i++)
			assert_int_equal(iommu_map(d, at[i], phys, SZ_4K, IOMMU_READ, GFP_KERNEL),
					 0);
		for (unsigned int i = 0; i < ARRAY_SIZE(at); i++)
			assert_int_equal(iommu_unmap(d, at[i], SZ_4K), SZ_4K);
		iommu_domain_free(d);
		assert_null(iommu_get_domain_for_dev(dev));
		dmamap_device_destroy(dev);
	}
	assert_int_equal(test_stats(m).pages_free, free0);
	dmamap_free_pages(p, 0);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- attach / detach ------------------------------------------------------------- */

/*
 * A device is in at most one domain: attaching it to another is -EBUSY,
 * to the same one is fine. Attaching to a DMA domain switches the device to
 * the IOMMU DMA ops; an UNMANAGED domain leaves the DMA ops alone.
 * Destroying the device or the domain detaches.
 */
static void test_attach_detach(void **state)
{
	struct dmamap_machine *m = test_machine(NULL), *m2 = test_machine(NULL);
	struct iommu_domain *a = mkdom(m, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	struct iommu_domain *b = mkdom(m, IOMMU_DOMAIN_DMA, DMAMAP_IOMMU_STRICT);
	struct device *dev = test_device(m, NULL, NULL), *dev2 = test_device(m, NULL, NULL);
	struct device *other = test_device(m2, NULL, NULL);
	const struct dma_map_ops *direct = get_dma_ops(dev);

	(void)state;
	assert_null(iommu_get_domain_for_dev(dev));
	assert_null(iommu_get_domain_for_dev(NULL));
	assert_int_equal(iommu_attach_device(a, dev), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(dev), a);
	assert_ptr_equal(get_dma_ops(dev), direct);
	assert_int_equal(iommu_attach_device(a, dev), 0);
	assert_int_equal(iommu_attach_device(b, dev), -EBUSY);
	assert_ptr_equal(iommu_get_domain_for_dev(dev), a);
	/* detaching from a domain it is not in does nothing */
	iommu_detach_device(b, dev);
	assert_ptr_equal(iommu_get_domain_for_dev(dev), a);
	iommu_detach_device(a, dev);
	assert_null(iommu_get_domain_for_dev(dev));

	assert_int_equal(iommu_attach_device(b, dev), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(dev), b);
	assert_ptr_not_equal(get_dma_ops(dev), direct);
	/* two devices in one domain */
	assert_int_equal(iommu_attach_device(b, dev2), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(dev2), b);
	iommu_detach_device(b, dev);
	assert_ptr_equal(get_dma_ops(dev), direct);
	assert_ptr_equal(iommu_get_domain_for_dev(dev2), b);

	/* refusals */
	assert_int_equal(iommu_attach_device(a, other), -EINVAL);
	assert_int_equal(iommu_attach_device(NULL, dev), -EINVAL);
	assert_int_equal(iommu_attach_device(a, NULL), -EINVAL);
	assert_null(iommu_get_domain_for_dev(other));

	/* freeing the domain detaches what is left in it */
	iommu_domain_free(b);
	assert_null(iommu_get_domain_for_dev(dev2));
	assert_ptr_equal(get_dma_ops(dev2), direct);
	/* destroying an attached device detaches it */
	assert_int_equal(iommu_attach_device(a, dev2), 0);
	dmamap_device_destroy(dev2);
	assert_int_equal(iommu_attach_device(a, dev), 0);
	dmamap_device_destroy(dev);
	iommu_domain_free(a);
	dmamap_device_destroy(other);
	test_assert_no_leaks(m);
	test_assert_no_leaks(m2);
	dmamap_machine_destroy(m);
	dmamap_machine_destroy(m2);
}

/* --- map / unmap ----------------------------------------------------------------- */

/*
 * iommu_map() makes the IOVA range translate to the physical range, byte
 * for byte; iommu_unmap() returns how many bytes it unmapped (0 for nothing
 * there), and a partial unmap of pages leaves the rest; of a block it
 * unmaps nothing and is reported.
 */
static void test_map_unmap(void **state)
{
	struct fix f;
	struct page *blk;
	phys_addr_t phys;
	const unsigned long iova = 0x100000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	blk = dmamap_alloc_pages(f.m, GFP_KERNEL, 2);
	assert_non_null(blk);
	phys = page_to_phys(blk);
	assert_int_equal(iommu_iova_to_phys(f.d, iova), 0);
	assert_int_equal(iommu_map(f.d, iova, phys, SZ_16K, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL),
			 0);
	for (unsigned long off = 0; off < SZ_16K; off += 0x7f3)
		assert_int_equal(iommu_iova_to_phys(f.d, iova + off), phys + off);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + SZ_16K), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, iova - 1), 0);

	/* the middle two pages go; the outer ones stay */
	assert_int_equal(iommu_unmap(f.d, iova + SZ_4K, SZ_8K), SZ_8K);
	assert_int_equal(iommu_iova_to_phys(f.d, iova), phys);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + SZ_4K), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + SZ_8K + 0xfff), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + 3 * SZ_4K + 8), phys + 3 * SZ_4K + 8);
	/* nothing there: 0; bad arguments: 0 */
	assert_int_equal(iommu_unmap(f.d, iova + SZ_4K, SZ_4K), 0);
	assert_int_equal(iommu_unmap(f.d, iova + 1, SZ_4K), 0);
	assert_int_equal(iommu_unmap(f.d, iova, 100), 0);
	assert_int_equal(iommu_unmap(f.d, iova, 0), 0);
	assert_int_equal(iommu_unmap(NULL, iova, SZ_4K), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, iova), phys);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);
	assert_int_equal(iommu_unmap(f.d, iova + 3 * SZ_4K, SZ_4K), SZ_4K);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + 3 * SZ_4K), 0);
	assert_int_equal(iommu_iova_to_phys(NULL, iova), 0);

	/* a 2 MiB block: one leaf; a 4 KiB hole asked of it unmaps nothing */
	{
		struct page *big = dmamap_alloc_pages(f.m, GFP_KERNEL, 9);
		u64 errors = test_stats(f.m).api_errors;
		phys_addr_t bp;

		assert_non_null(big);
		bp = page_to_phys(big);
		assert_true(IS_ALIGNED(bp, SZ_2M));
		assert_int_equal(iommu_map(f.d, SZ_1G, bp, SZ_2M, IOMMU_READ, GFP_KERNEL), 0);
		assert_int_equal(iommu_iova_to_phys(f.d, SZ_1G + SZ_1M + 5), bp + SZ_1M + 5);
		assert_int_equal(iommu_unmap(f.d, SZ_1G + SZ_1M, SZ_4K), 0);
		assert_int_equal(iommu_iova_to_phys(f.d, SZ_1G + SZ_1M), bp + SZ_1M);
		assert_int_equal(iommu_unmap(f.d, SZ_1G, SZ_1M), 0);
		assert_int_equal(iommu_iova_to_phys(f.d, SZ_1G), bp);
		assert_int_equal(test_stats(f.m).api_errors, errors + 2);
		assert_int_equal(iommu_unmap(f.d, SZ_1G, SZ_2M), SZ_2M);
		assert_int_equal(iommu_iova_to_phys(f.d, SZ_1G + SZ_2M - 1), 0);
		/* nothing is mapped there any more: a block fits again */
		assert_int_equal(iommu_map(f.d, SZ_1G, bp, SZ_2M, IOMMU_READ, GFP_KERNEL), 0);
		assert_int_equal(iommu_iova_to_phys(f.d, SZ_1G + SZ_1M), bp + SZ_1M);
		assert_int_equal(iommu_unmap(f.d, SZ_1G, SZ_2M), SZ_2M);
		dmamap_free_pages(big, 9);
	}
	dmamap_free_pages(blk, 2);
	fix_down(&f);
}

/*
 * iommu_map() is all or nothing: unaligned arguments or no access bit are
 * -EINVAL; a range that is not wholly inside the IOVA space, or a physical
 * range that no descriptor can hold, is -ERANGE; a range that meets an
 * existing page or block is -EEXIST. Either way nothing of the range is
 * left mapped, and the existing mapping is unchanged.
 */
static void test_map_refusals(void **state)
{
	struct fix f;
	struct page *p;
	phys_addr_t phys;
	const unsigned long iova = 0x500000;
	const int rw = IOMMU_READ | IOMMU_WRITE;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	p = dmamap_alloc_pages(f.m, GFP_KERNEL, 2);
	assert_non_null(p);
	phys = page_to_phys(p);

	assert_int_equal(iommu_map(f.d, iova + 0x800, phys, SZ_4K, rw, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map(f.d, iova, phys + 0x800, SZ_4K, rw, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map(f.d, iova, phys, 0x1800, rw, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map(f.d, iova, phys, SZ_4K, 0, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map(f.d, iova, phys, SZ_4K, IOMMU_CACHE, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map(NULL, iova, phys, SZ_4K, rw, GFP_KERNEL), -EINVAL);
	/* beyond the 32-bit aperture, wholly or in part */
	assert_int_equal(iommu_map(f.d, 0x100000000UL, phys, SZ_4K, rw, GFP_KERNEL), -ERANGE);
	assert_int_equal(iommu_map(f.d, 0xfffff000UL, phys, SZ_8K, rw, GFP_KERNEL), -ERANGE);
	assert_int_equal(iommu_iova_to_phys(f.d, 0xfffff000UL), 0);
	assert_int_equal(iommu_map(f.d, 0xfffff000UL, phys, SZ_4K, rw, GFP_KERNEL), 0);
	assert_int_equal(iommu_unmap(f.d, 0xfffff000UL, SZ_4K), SZ_4K);
	assert_int_equal(iommu_iova_to_phys(f.d, iova), 0);
	/*
	 * A physical range beyond 48 bits, or one wrapping past 2^64, is
	 * -ERANGE: the wrapping one would otherwise be stored truncated.
	 */
	assert_int_equal(iommu_map(f.d, iova, 1ULL << 48, SZ_4K, rw, GFP_KERNEL), -ERANGE);
	assert_int_equal(iommu_map(f.d, iova, (1ULL << 48) - SZ_4K, SZ_8K, rw, GFP_KERNEL),
			 -ERANGE);
	assert_int_equal(iommu_map(f.d, iova, 0ULL - SZ_4K, SZ_8K, rw, GFP_KERNEL), -ERANGE);
	assert_int_equal(iommu_map(f.d, iova, 0ULL - SZ_4K, SZ_4K, rw, GFP_KERNEL), -ERANGE);
	assert_int_equal(iommu_iova_to_phys(f.d, iova), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + SZ_4K), 0);

	/* over an existing mapping, from below, from inside, across */
	assert_int_equal(iommu_map(f.d, iova, phys, SZ_8K, rw, GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, iova - SZ_8K, phys, SZ_16K, rw, GFP_KERNEL), -EEXIST);
	assert_int_equal(iommu_iova_to_phys(f.d, iova - SZ_8K), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, iova - SZ_4K), 0);
	assert_int_equal(iommu_map(f.d, iova + SZ_4K, phys, SZ_4K, rw, GFP_KERNEL), -EEXIST);
	assert_int_equal(iommu_map(f.d, iova + SZ_4K, phys, SZ_16K, rw, GFP_KERNEL), -EEXIST);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + SZ_8K), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + SZ_8K + SZ_4K), 0);
	/* the existing mapping is as it was */
	assert_int_equal(iommu_iova_to_phys(f.d, iova), phys);
	assert_int_equal(iommu_iova_to_phys(f.d, iova + SZ_4K + 3), phys + SZ_4K + 3);
	/* the neighbours are free to map: nothing was left behind */
	assert_int_equal(iommu_map(f.d, iova - SZ_8K, phys, SZ_8K, rw, GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, iova + SZ_8K, phys + SZ_8K, SZ_8K, rw, GFP_KERNEL), 0);
	/* an unmap reaching past the end stops at the first hole */
	assert_int_equal(iommu_unmap(f.d, iova - SZ_8K, 4 * SZ_8K), 3 * SZ_8K);
	dmamap_free_pages(p, 2);
	fix_down(&f);
}

/*
 * All or nothing with large pages: a map that laid down a 2 MiB block before
 * meeting an existing page takes the block back whole. Nothing of it stays:
 * not the translation, not a page-table page, and a block maps there later,
 * over pages unmapped or still mapped alike (the kernel's result).
 */
static void test_map_block_undo(void **state)
{
	struct fix f;
	struct page *big, *p;
	phys_addr_t bp;
	u64 free0;
	const unsigned long at = 0x400000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	big = dmamap_alloc_pages(f.m, GFP_KERNEL, 9);
	p = page0(f.m);
	assert_non_null(big);
	bp = page_to_phys(big);
	assert_true(IS_ALIGNED(bp, SZ_2M));
	assert_int_equal(iommu_map(f.d, at + SZ_2M, page_to_phys(p), SZ_4K, IOMMU_READ, GFP_KERNEL),
			 0);
	free0 = test_stats(f.m).pages_free;
	assert_int_equal(iommu_map(f.d, at, bp, SZ_2M + SZ_4K, IOMMU_READ, GFP_KERNEL), -EEXIST);
	assert_int_equal(iommu_iova_to_phys(f.d, at), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, at + SZ_2M - SZ_4K), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, at + SZ_2M), page_to_phys(p));
	assert_int_equal(test_stats(f.m).pages_free, free0);
	assert_int_equal(iommu_map(f.d, at, bp, SZ_2M, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, at + 0x12345), bp + 0x12345);
	assert_int_equal(test_stats(f.m).pages_free, free0);
	assert_int_equal(iommu_unmap(f.d, at, SZ_2M + SZ_4K), SZ_2M + SZ_4K);

	/* 4 KiB pages mapped and unmapped one by one leave room for a block too */
	for (unsigned long i = 0; i < 4; i++)
		assert_int_equal(iommu_map(f.d, at + i * SZ_4K, page_to_phys(p), SZ_4K, IOMMU_READ,
					   GFP_KERNEL), 0);
	for (unsigned long i = 0; i < 4; i++)
		assert_int_equal(iommu_unmap(f.d, at + i * SZ_4K, SZ_4K), SZ_4K);
	assert_int_equal(iommu_map(f.d, at, bp, SZ_2M, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, at + SZ_4K), bp + SZ_4K);
	/* and over a page still mapped: the block replaces its table, and it */
	assert_int_equal(iommu_unmap(f.d, at, SZ_2M), SZ_2M);
	assert_int_equal(iommu_map(f.d, at + SZ_8K, page_to_phys(p), SZ_4K, IOMMU_READ, GFP_KERNEL),
			 0);
	assert_int_equal(test_stats(f.m).pages_free, free0 - 1);
	assert_int_equal(iommu_map(f.d, at, bp, SZ_2M, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_iova_to_phys(f.d, at + SZ_8K), bp + SZ_8K);
	assert_int_equal(test_stats(f.m).pages_free, free0);
	assert_int_equal(iommu_unmap(f.d, at, SZ_2M), SZ_2M);
	dmamap_free_pages(big, 9);
	dmamap_free_pages(p, 0);
	fix_down(&f);
}

/*
 * An identity domain is a bypass: the device's bus addresses are physical
 * addresses, the DMA API hands out physical addresses, and no IOTLB is used.
 */
static void test_identity_bypass(void **state)
{
	struct fix f;
	struct page *p;
	phys_addr_t phys;
	dma_addr_t dma;
	struct dmamap_stats st;
	u8 buf[256];

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_IDENTITY, DMAMAP_IOMMU_STRICT);
	assert_ptr_equal(iommu_get_domain_for_dev(f.dev), f.d);
	p = page0(f.m);
	phys = page_to_phys(p);
	test_fill_pattern(page_address(p), PAGE_SIZE, 11);
	st = test_stats(f.m);
	assert_int_equal(dmamap_bus_read(f.dev, phys + 100, buf, sizeof(buf), NULL), 0);
	assert_memory_equal(buf, (u8 *)page_address(p) + 100, sizeof(buf));
	dma = dma_map_page(f.dev, p, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_int_equal(dma, phys);
	assert_int_equal(dmamap_bus_write(f.dev, dma, "identity", 8, NULL), 0);
	dma_unmap_page(f.dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_memory_equal(page_address(p), "identity", 8);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses);
	assert_int_equal(test_stats(f.m).iommu_faults, st.iommu_faults);
	dmamap_free_pages(p, 0);
	fix_down(&f);
}

/* --- faults ------------------------------------------------------------------------- */

/*
 * A translation fault (nothing mapped): -EFAULT, nothing moved, the handler
 * called with the IOVA and direction, the fault logged and counted.
 */
static void test_fault_translation(void **state)
{
	struct fix f;
	struct seen s = { 0 };
	struct dmamap_fault fault;
	struct dmamap_iommu_fault log[4];
	struct page *p;
	u64 faults0;
	u8 buf[64];
	const unsigned long iova = 0x200000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	p = page0(f.m);
	iommu_set_fault_handler(f.d, record_fault, &s);
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(p), SZ_4K, IOMMU_READ | IOMMU_WRITE,
				   GFP_KERNEL), 0);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, 4), 0);
	faults0 = test_stats(f.m).iommu_faults;

	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(dmamap_bus_read(f.dev, iova + SZ_4K + 0x10, buf, sizeof(buf), &fault),
			 -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(fault.flags, IOMMU_FAULT_READ);
	assert_int_equal(fault.addr, iova + SZ_4K + 0x10);
	assert_int_equal(fault.done, 0);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0x5a);
	assert_int_equal(s.calls, 1);
	assert_ptr_equal(s.domain, f.d);
	assert_ptr_equal(s.dev, f.dev);
	assert_ptr_equal(s.token, &s);
	assert_int_equal(s.iova, iova + SZ_4K + 0x10);
	assert_int_equal(s.flags, IOMMU_FAULT_READ);
	assert_int_equal(test_stats(f.m).iommu_faults, faults0 + 1);

	/* a write fault, after it: newest first in the log */
	assert_int_equal(dmamap_bus_write(f.dev, 0x10000, buf, 8, &fault), -EFAULT);
	assert_int_equal(fault.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.iova, 0x10000);
	assert_int_equal(s.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, 4), 2);
	assert_ptr_equal(log[0].dev, f.dev);
	assert_int_equal(log[0].iova, 0x10000);
	assert_int_equal(log[0].flags, IOMMU_FAULT_WRITE);
	assert_int_equal(log[0].reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(log[0].seq, 2);
	assert_int_equal(log[1].iova, iova + SZ_4K + 0x10);
	assert_int_equal(log[1].flags, IOMMU_FAULT_READ);
	assert_int_equal(log[1].seq, 1);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, 1), 1);
	assert_int_equal(log[0].seq, 2);
	assert_int_equal(dmamap_iommu_fault_log(f.d, NULL, 1), -EINVAL);
	assert_int_equal(dmamap_iommu_fault_log(NULL, log, 1), -EINVAL);
	assert_int_equal(test_stats(f.m).iommu_faults, faults0 + 2);
	/* the mapped page itself is fine, and calls no handler */
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), &fault), 0);
	assert_int_equal(fault.reason, DMAMAP_FAULT_NONE);
	assert_int_equal(s.calls, 2);
	/* without a handler the fault is still logged and counted */
	iommu_set_fault_handler(f.d, NULL, NULL);
	assert_int_equal(dmamap_bus_read(f.dev, 0x3000, buf, 1, NULL), -EFAULT);
	assert_int_equal(s.calls, 2);
	assert_int_equal(test_stats(f.m).iommu_faults, faults0 + 3);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, 4), 3);
	assert_int_equal(log[0].iova, 0x3000);
	assert_int_equal(log[0].seq, 3);

	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);
	dmamap_free_pages(p, 0);
	fix_down(&f);
}

/* The log keeps the newest DMAMAP_IOMMU_FAULT_LOG faults. */
static void test_fault_log_wraps(void **state)
{
	struct fix f;
	struct dmamap_iommu_fault log[DMAMAP_IOMMU_FAULT_LOG + 8];
	const int n = DMAMAP_IOMMU_FAULT_LOG + 6;
	u8 b;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	for (int i = 0; i < n; i++)
		assert_int_equal(dmamap_bus_read(f.dev, (dma_addr_t)(i + 1) << PAGE_SHIFT, &b, 1,
						 NULL), -EFAULT);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, DMAMAP_IOMMU_FAULT_LOG + 8),
			 DMAMAP_IOMMU_FAULT_LOG);
	for (int i = 0; i < DMAMAP_IOMMU_FAULT_LOG; i++) {
		assert_int_equal(log[i].seq, (u64)(n - i));
		assert_int_equal(log[i].iova, (unsigned long)(n - i) << PAGE_SHIFT);
	}
	fix_down(&f);
}

/*
 * Permission faults: a read-only mapping refuses bus writes and a
 * write-only mapping bus reads, with -EACCES; the refused access moves
 * nothing, the allowed direction works.
 */
static void test_fault_permission(void **state)
{
	struct fix f;
	struct seen s = { 0 };
	struct dmamap_fault fault;
	struct dmamap_iommu_fault log[1];
	struct page *ro, *wo;
	u8 buf[128], zero[128];
	u64 faults0;
	const unsigned long iova_ro = 0x10000, iova_wo = 0x20000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	ro = page0(f.m);
	wo = page0(f.m);
	test_fill_pattern(page_address(ro), PAGE_SIZE, 3);
	iommu_set_fault_handler(f.d, record_fault, &s);
	assert_int_equal(iommu_map(f.d, iova_ro, page_to_phys(ro), SZ_4K, IOMMU_READ, GFP_KERNEL),
			 0);
	assert_int_equal(iommu_map(f.d, iova_wo, page_to_phys(wo), SZ_4K, IOMMU_WRITE, GFP_KERNEL),
			 0);
	faults0 = test_stats(f.m).iommu_faults;

	/* read-only: reads fine, writes refused and nothing written */
	assert_int_equal(dmamap_bus_read(f.dev, iova_ro + 64, buf, sizeof(buf), NULL), 0);
	assert_memory_equal(buf, (u8 *)page_address(ro) + 64, sizeof(buf));
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(dmamap_bus_write(f.dev, iova_ro + 64, buf, sizeof(buf), &fault), -EACCES);
	assert_int_equal(fault.reason, DMAMAP_FAULT_PERMISSION);
	assert_int_equal(fault.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(fault.done, 0);
	assert_int_equal(fault.addr, iova_ro + 64);
	assert_int_equal(test_check_pattern(page_address(ro), PAGE_SIZE, 3), -1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.iova, iova_ro + 64);
	assert_int_equal(s.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(dmamap_bus_fill(f.dev, iova_ro, 0, 16, &fault), -EACCES);
	assert_int_equal(test_check_pattern(page_address(ro), PAGE_SIZE, 3), -1);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, 1), 1);
	assert_int_equal(log[0].reason, DMAMAP_FAULT_PERMISSION);
	assert_int_equal(log[0].flags, IOMMU_FAULT_WRITE);

	/* write-only: writes fine, reads refused and nothing read */
	test_fill_pattern(buf, sizeof(buf), 9);
	assert_int_equal(dmamap_bus_write(f.dev, iova_wo, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_check_pattern(page_address(wo), sizeof(buf), 9), -1);
	memset(buf, 0, sizeof(buf));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(dmamap_bus_read(f.dev, iova_wo, buf, sizeof(buf), &fault), -EACCES);
	assert_int_equal(fault.reason, DMAMAP_FAULT_PERMISSION);
	assert_int_equal(fault.flags, IOMMU_FAULT_READ);
	assert_int_equal(fault.done, 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.iova, iova_wo);
	assert_int_equal(s.flags, IOMMU_FAULT_READ);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, 1), 1);
	assert_int_equal(log[0].reason, DMAMAP_FAULT_PERMISSION);
	assert_int_equal(log[0].flags, IOMMU_FAULT_READ);
	/* a copy from the write-only page to the read-only one fails on the read */
	assert_int_equal(dmamap_bus_copy(f.dev, iova_ro, iova_wo, 16, &fault), -EACCES);
	assert_int_equal(fault.flags, IOMMU_FAULT_READ);
	assert_int_equal(test_stats(f.m).iommu_faults, faults0 + 4);

	assert_int_equal(iommu_unmap(f.d, iova_ro, SZ_4K), SZ_4K);
	assert_int_equal(iommu_unmap(f.d, iova_wo, SZ_4K), SZ_4K);
	dmamap_free_pages(ro, 0);
	dmamap_free_pages(wo, 0);
	fix_down(&f);
}

/* An address-size fault: a bus address past the aperture (32 IOVA bits). */
static void test_fault_address_size(void **state)
{
	struct fix f;
	struct seen s = { 0 };
	struct dmamap_fault fault;
	struct dmamap_iommu_fault log[1];
	struct page *p;
	u8 buf[32];
	u64 faults0;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	p = page0(f.m);
	iommu_set_fault_handler(f.d, record_fault, &s);
	faults0 = test_stats(f.m).iommu_faults;
	assert_int_equal(dmamap_bus_read(f.dev, 0x100000000ULL, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_ADDRESS_SIZE);
	assert_int_equal(fault.addr, 0x100000000ULL);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.iova, 0x100000000UL);
	assert_int_equal(s.flags, IOMMU_FAULT_READ);
	assert_int_equal(dmamap_iommu_fault_log(f.d, log, 1), 1);
	assert_int_equal(log[0].reason, DMAMAP_FAULT_ADDRESS_SIZE);
	assert_int_equal(log[0].iova, 0x100000000UL);

	/* the last page of the aperture is mapped: a write across its end stops there */
	assert_int_equal(iommu_map(f.d, 0xfffff000UL, page_to_phys(p), SZ_4K, IOMMU_WRITE,
				   GFP_KERNEL), 0);
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(dmamap_bus_write(f.dev, 0xfffffff0ULL, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_ADDRESS_SIZE);
	assert_int_equal(fault.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(fault.done, 16);
	assert_int_equal(fault.addr, 0x100000000ULL);
	assert_int_equal(((u8 *)page_address(p))[PAGE_SIZE - 1], 0x77);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.iova, 0x100000000UL);
	assert_int_equal(s.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(test_stats(f.m).iommu_faults, faults0 + 2);
	assert_int_equal(iommu_unmap(f.d, 0xfffff000UL, SZ_4K), SZ_4K);
	dmamap_free_pages(p, 0);
	fix_down(&f);
}

/*
 * An access that meets a fault moves every byte before the faulting page
 * and none from it on: a three-page write whose second page is unmapped
 * writes the first page only; a read stops likewise.
 */
static void test_fault_stops_at_page(void **state)
{
	struct fix f;
	struct dmamap_fault fault;
	struct page *pg[3];
	u8 *src, *dst;
	const unsigned long iova = 0x800000;
	const size_t len = 3 * PAGE_SIZE;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	src = malloc(len);
	dst = malloc(len);
	assert_non_null(src);
	assert_non_null(dst);
	for (int i = 0; i < 3; i++) {
		pg[i] = page0(f.m);
		test_fill_pattern(page_address(pg[i]), PAGE_SIZE, 100 + i);
	}
	/* pages 1 and 3 mapped, page 2 not */
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(pg[0]), SZ_4K, IOMMU_READ | IOMMU_WRITE,
				   GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, iova + 2 * SZ_4K, page_to_phys(pg[2]), SZ_4K,
				   IOMMU_READ | IOMMU_WRITE, GFP_KERNEL), 0);

	test_fill_pattern(src, len, 7);
	assert_int_equal(dmamap_bus_write(f.dev, iova, src, len, &fault), -EFAULT);
	assert_int_equal(fault.done, PAGE_SIZE);
	assert_int_equal(fault.addr, iova + SZ_4K);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_memory_equal(page_address(pg[0]), src, PAGE_SIZE);
	assert_int_equal(test_check_pattern(page_address(pg[1]), PAGE_SIZE, 101), -1);
	assert_int_equal(test_check_pattern(page_address(pg[2]), PAGE_SIZE, 102), -1);

	/* the read stops at the same place: the rest of the buffer is not written */
	memset(dst, 0xa5, len);
	assert_int_equal(dmamap_bus_read(f.dev, iova, dst, len, &fault), -EFAULT);
	assert_int_equal(fault.done, PAGE_SIZE);
	assert_int_equal(fault.addr, iova + SZ_4K);
	assert_memory_equal(dst, src, PAGE_SIZE);
	for (size_t i = PAGE_SIZE; i < len; i++)
		assert_int_equal(dst[i], 0xa5);

	/* from the middle of the first page: done counts what was moved */
	assert_int_equal(dmamap_bus_fill(f.dev, iova + 0x900, 0xcc, len, &fault), -EFAULT);
	assert_int_equal(fault.done, PAGE_SIZE - 0x900);
	assert_int_equal(((u8 *)page_address(pg[0]))[PAGE_SIZE - 1], 0xcc);
	assert_int_equal(((u8 *)page_address(pg[0]))[0x8ff], src[0x8ff]);
	assert_int_equal(test_check_pattern(page_address(pg[2]), PAGE_SIZE, 102), -1);

	/* with page 2 mapped read-only, a permission fault stops the write the same way */
	assert_int_equal(iommu_map(f.d, iova + SZ_4K, page_to_phys(pg[1]), SZ_4K, IOMMU_READ,
				   GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_write(f.dev, iova, src, len, &fault), -EACCES);
	assert_int_equal(fault.done, PAGE_SIZE);
	assert_int_equal(fault.reason, DMAMAP_FAULT_PERMISSION);
	assert_int_equal(test_check_pattern(page_address(pg[1]), PAGE_SIZE, 101), -1);
	assert_int_equal(test_check_pattern(page_address(pg[2]), PAGE_SIZE, 102), -1);

	assert_int_equal(iommu_unmap(f.d, iova, 3 * SZ_4K), 3 * SZ_4K);
	for (int i = 0; i < 3; i++)
		dmamap_free_pages(pg[i], 0);
	free(src);
	free(dst);
	fix_down(&f);
}

/* --- the IOTLB ---------------------------------------------------------------------- */

/*
 * A strict unmap invalidates the whole IOTLB of the domain's devices (as an
 * invalidation by ASID does), not only the range: an entry of a page still
 * mapped misses afterwards, and is walked and filled again.
 */
static void test_strict_unmap_invalidates_all(void **state)
{
	struct fix f;
	struct page *blk;
	struct dmamap_stats st;
	u8 b;
	const unsigned long a = 0x40000, other = 0x80000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	blk = dmamap_alloc_pages(f.m, GFP_KERNEL, 1);
	assert_non_null(blk);
	assert_int_equal(iommu_map(f.d, a, page_to_phys(blk), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, other, page_to_phys(blk) + SZ_4K, SZ_4K, IOMMU_READ,
				   GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, a, &b, 1, NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, other, &b, 1, NULL), 0);
	st = test_stats(f.m);
	assert_int_equal(dmamap_bus_read(f.dev, other, &b, 1, NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + 1);
	assert_int_equal(iommu_unmap(f.d, a, SZ_4K), SZ_4K);
	assert_int_equal(dmamap_bus_read(f.dev, a, &b, 1, NULL), -EFAULT);
	st = test_stats(f.m);
	assert_int_equal(dmamap_bus_read(f.dev, other, &b, 1, NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + 1);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits);
	assert_int_equal(dmamap_bus_read(f.dev, other, &b, 1, NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + 1);
	assert_int_equal(iommu_unmap(f.d, other, SZ_4K), SZ_4K);
	dmamap_free_pages(blk, 1);
	fix_down(&f);
}

/*
 * The walk cache remembers a level-3 table per 2 MiB of IOVA. Lazy mode, so
 * that no unmap bumps the generation by itself: unmapping the whole 2 MiB
 * frees the table; the test takes its frame (zeroed) for itself, and a new
 * mapping there gets a new table. A page that never was in the IOTLB must
 * then be walked through the new table; a walk cache still naming the
 * freed one would read the zeroed frame and fault. Without a walk cache the
 * same holds, walking every level.
 */
static void walk_cache_table_freed(unsigned int entries)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_iommu_config cfg = { .type = IOMMU_DOMAIN_UNMANAGED,
					   .flush = DMAMAP_IOMMU_LAZY,
					   .walk_cache_entries = entries };
	const unsigned long r = 0x40000000UL;
	struct page *old, *new, *grabbed[512], *table = NULL;
	struct iommu_domain *d;
	struct device *dev = test_device(m, NULL, NULL);
	const struct io_pgtable_walker *w;
	const u64 *l3 = NULL;
	unsigned int shift, n = 0;
	phys_addr_t tphys;
	u8 b;

	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	assert_int_equal(iommu_attach_device(d, dev), 0);
	old = dmamap_alloc_pages(m, GFP_KERNEL, 1);
	new = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(old);
	assert_non_null(new);
	memset(page_address(old), 0x11, 2 * PAGE_SIZE);
	memset(page_address(new), 0x22, PAGE_SIZE);
	assert_int_equal(iommu_map(d, r, page_to_phys(old), SZ_8K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(dev, r, &b, 1, NULL), 0);
	assert_int_equal(b, 0x11);
	/* the level-3 table's frame */
	w = &to_dmamap_domain(d)->walker;
	assert_int_not_equal(io_pgtable_leaf(w, r, &shift, &l3), 0);
	assert_non_null(l3);
	tphys = w->win_base + (phys_addr_t)((const u8 *)l3 - w->win_host);
	/* the table goes whole, as the kernel's does: all of it counts as unmapped */
	assert_int_equal(iommu_unmap(d, r, SZ_2M), SZ_2M);
	/* take the freed table's frame (the allocator hands out its lowest free frames) */
	while (n < ARRAY_SIZE(grabbed) && !table) {
		struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 0);

		assert_non_null(p);
		if (page_to_phys(p) == tphys)
			table = p;
		else
			grabbed[n++] = p;
	}
	assert_non_null(table);
	memset(page_address(table), 0, PAGE_SIZE);
	assert_int_equal(iommu_map(d, r + SZ_4K, page_to_phys(new), SZ_4K, IOMMU_READ, GFP_KERNEL),
			 0);
	assert_int_equal(dmamap_bus_read(dev, r + SZ_4K, &b, 1, NULL), 0);
	assert_int_equal(b, 0x22);
	assert_int_equal(iommu_unmap(d, r + SZ_4K, SZ_4K), SZ_4K);
	while (n)
		dmamap_free_pages(grabbed[--n], 0);
	dmamap_free_pages(table, 0);
	dmamap_free_pages(old, 1);
	dmamap_free_pages(new, 0);
	dmamap_device_destroy(dev);
	iommu_domain_free(d);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_walk_cache_table_freed(void **state)
{
	(void)state;
	walk_cache_table_freed(0);
	walk_cache_table_freed(1);
	walk_cache_table_freed(DMAMAP_IOMMU_NO_WALK_CACHE);
}

/* The first access to a page misses and walks the table; the next one hits. */
static void iotlb_hits(void)
{
	struct fix f;
	struct page *blk;
	struct dmamap_stats st;
	u8 buf[16];
	const unsigned long iova = 0x40000;

	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	blk = dmamap_alloc_pages(f.m, GFP_KERNEL, 1);
	assert_non_null(blk);
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(blk), SZ_8K, IOMMU_READ, GFP_KERNEL), 0);
	st = test_stats(f.m);
	assert_int_equal(dmamap_bus_read(f.dev, iova + 8, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + 1);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits);
	assert_int_equal(dmamap_bus_read(f.dev, iova + 100, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + 1);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + 1);
	/* across into the second page: one hit, one miss */
	assert_int_equal(dmamap_bus_read(f.dev, iova + SZ_4K - 8, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + 2);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + 2);
	assert_int_equal(dmamap_bus_read(f.dev, iova + SZ_4K - 8, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + 2);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + 4);
	/* a second device has its own IOTLB: it misses first */
	{
		struct device *dev2 = test_device(f.m, NULL, NULL);

		assert_int_equal(iommu_attach_device(f.d, dev2), 0);
		assert_int_equal(dmamap_bus_read(dev2, iova, buf, sizeof(buf), NULL), 0);
		assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + 3);
		assert_int_equal(dmamap_bus_read(dev2, iova, buf, sizeof(buf), NULL), 0);
		assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + 5);
		dmamap_device_destroy(dev2);
	}
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, st.stale_iotlb_hits);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_8K), SZ_8K);
	dmamap_free_pages(blk, 1);
	fix_down(&f);
}

static void test_iotlb_hits(void **state)
{
	(void)state;
	iotlb_hits();
}

/*
 * An access over pages that are not contiguous in memory moves one run per
 * page; the lookup that ends a run (the next page is elsewhere) is the next
 * run's lookup: each page is looked up, counted and checked for staleness
 * once per access, and a fault on a later page is a single miss.
 */
static void test_iotlb_one_lookup_per_page(void **state)
{
	enum { NR = 4 };
	struct fix f;
	struct page *frames[2 * NR];
	struct dmamap_stats st;
	struct dmamap_fault fault;
	u8 buf[NR * SZ_4K];
	const unsigned long iova = 0x200000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_LAZY);
	for (unsigned int i = 0; i < 2 * NR; i++)
		frames[i] = page0(f.m);
	/* every other frame, last first: no page is next to the one before it */
	for (unsigned int i = 0; i < NR; i++) {
		struct page *p = frames[2 * (NR - 1 - i)];

		memset(page_address(p), (int)i + 1, PAGE_SIZE);
		assert_int_equal(iommu_map(f.d, iova + i * SZ_4K, page_to_phys(p), SZ_4K,
					   IOMMU_READ, GFP_KERNEL), 0);
	}
	st = test_stats(f.m);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	for (unsigned int i = 0; i < NR; i++)
		assert_int_equal(buf[i * SZ_4K], i + 1);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + NR);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + NR);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + NR);

	/* the last page unmapped, not flushed: its stale hit is counted once */
	assert_int_equal(iommu_unmap(f.d, iova + (NR - 1) * SZ_4K, SZ_4K), SZ_4K);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(buf[(NR - 1) * SZ_4K], NR);
	assert_int_equal(test_stats(f.m).iotlb_hits, st.iotlb_hits + 2 * NR);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, st.stale_iotlb_hits + 1);

	/* flushed: the access stops at it, after one miss */
	iommu_flush_iotlb_all(f.d);
	st = test_stats(f.m);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(fault.addr, iova + (NR - 1) * SZ_4K);
	assert_int_equal(fault.done, (NR - 1) * SZ_4K);
	assert_int_equal(test_stats(f.m).iotlb_misses, st.iotlb_misses + NR);
	assert_int_equal(test_stats(f.m).iommu_faults, st.iommu_faults + 1);

	assert_int_equal(iommu_unmap(f.d, iova, (NR - 1) * SZ_4K), (NR - 1) * SZ_4K);
	iommu_flush_iotlb_all(f.d);
	for (unsigned int i = 0; i < 2 * NR; i++)
		dmamap_free_pages(frames[i], 0);
	fix_down(&f);
}

/*
 * The lookup a run kept for the next one is that page's only while nothing
 * was invalidated in between: a strict unmap between two runs of an access
 * makes the next run translate again (and fault), not use what was kept.
 */
static void test_kept_lookup_invalidated(void **state)
{
	struct fix f;
	struct page *a, *b, *other;
	struct iotlb_access c = { 0 };
	struct dmamap_fault fault;
	phys_addr_t phys;
	const unsigned long iova = 0x300000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	a = page0(f.m);
	other = page0(f.m);	/* keeps b away from a */
	b = page0(f.m);
	assert_int_not_equal(page_to_phys(b), page_to_phys(a) + PAGE_SIZE);
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(a), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, iova + SZ_4K, page_to_phys(b), SZ_4K, IOMMU_READ,
				   GFP_KERNEL), 0);

	/* the two pages into the IOTLB, then a run: it ends at a, keeping b */
	assert_int_equal(iommu_bus_translate_run(f.dev, iova, SZ_8K, false, &phys, &fault, &c),
			 SZ_4K);
	c = (struct iotlb_access){ 0 };
	assert_int_equal(iommu_bus_translate_run(f.dev, iova, SZ_8K, false, &phys, &fault, &c),
			 SZ_4K);
	assert_int_equal(phys, page_to_phys(a));
	assert_int_equal(c.ahead.pfn1, (iova >> PAGE_SHIFT) + 2);
	/* nothing in between: the next run is b, from the kept lookup */
	{
		struct iotlb_access kept = c;
		u64 hits = c.hits;

		assert_int_equal(iommu_bus_translate_run(f.dev, iova + SZ_4K, SZ_4K, false, &phys,
							 &fault, &kept), SZ_4K);
		assert_int_equal(phys, page_to_phys(b));
		assert_int_equal(kept.hits, hits);
		assert_int_equal(kept.ahead.pfn1, 0);
	}
	/* b unmapped in between: translated again, and it faults */
	assert_int_equal(iommu_unmap(f.d, iova + SZ_4K, SZ_4K), SZ_4K);
	assert_int_equal(iommu_bus_translate_run(f.dev, iova + SZ_4K, SZ_4K, false, &phys, &fault,
						 &c), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(c.ahead.pfn1, 0);

	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);
	dmamap_free_pages(a, 0);
	dmamap_free_pages(b, 0);
	dmamap_free_pages(other, 0);
	fix_down(&f);
}

/*
 * An entry's generation is in both its halves: the key holds its low 27
 * bits, the value the next 25. 2^27 invalidations after an entry was
 * filled, the key alone would match again; the value's half must not.
 * (The domain's count is moved on by hand: 2^27 real invalidations take
 * too long for a unit test.)
 */
static void gen_wrap(void)
{
	struct fix f;
	struct page *p;
	struct dmamap_iommu_domain *d;
	struct dmamap_fault fault;
	u8 buf[8];
	const unsigned long iova = 0x500000;

	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	d = to_dmamap_domain(f.d);
	p = page0(f.m);
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(p), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	/* filled at generation g, then unmapped: g + 1 */
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), &fault), -EFAULT);
	/* on to g + 2^27, whose key half is g's: the entry (never refilled) must still miss */
	pthread_mutex_lock(&d->lock);
	d->gen += (1ULL << 27) - 2;
	pthread_mutex_unlock(&d->lock);
	iommu_flush_iotlb_all(f.d);
	assert_int_equal(iotlb_gen_tag(d->gen).key, d->tag_key);
	memset(&fault, 0, sizeof(fault));
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	/* and translation goes on as usual in the new generations */
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(p), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);
	dmamap_free_pages(p, 0);
	fix_down(&f);
}

static void test_iotlb_gen_wrap(void **state)
{
	(void)state;
	gen_wrap();
}

/*
 * The same with the entries read and written by the 16-byte atomic builtins,
 * the way a processor without AVX has them (and ThreadSanitizer builds).
 */
#ifdef IOTLB_SSE
static bool saved_sse;

static int restore_sse(void **state)
{
	(void)state;
	iotlb_sse = saved_sse;
	return 0;
}
#else
static int restore_sse(void **state)
{
	(void)state;
	return 0;
}
#endif

static void test_iotlb_hits_builtin_atomics(void **state)
{
	(void)state;
#ifdef IOTLB_SSE
	saved_sse = iotlb_sse;
	iotlb_sse = false;
#endif
	iotlb_hits();
	test_walk_cache_table_freed(NULL);
	gen_wrap();
}

/* Strict mode: the IOTLB is invalidated before iommu_unmap() returns. */
static void test_strict_unmap(void **state)
{
	struct fix f;
	struct page *p;
	struct dmamap_fault fault;
	u8 buf[16];
	u64 stale0;
	const unsigned long iova = 0x70000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	p = page0(f.m);
	stale0 = test_stats(f.m).stale_iotlb_hits;
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(p), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0);

	/* unmap of a range larger than the IOTLB (64 entries) invalidates it too */
	{
		struct page *blk = dmamap_alloc_pages(f.m, GFP_KERNEL, 7);

		assert_non_null(blk);
		assert_int_equal(iommu_map(f.d, SZ_1M, page_to_phys(blk), SZ_512K, IOMMU_READ,
					   GFP_KERNEL), 0);
		assert_int_equal(dmamap_bus_read(f.dev, SZ_1M + SZ_8K, buf, sizeof(buf), NULL), 0);
		assert_int_equal(iommu_unmap(f.d, SZ_1M, SZ_512K), SZ_512K);
		assert_int_equal(dmamap_bus_read(f.dev, SZ_1M + SZ_8K, buf, sizeof(buf), &fault),
				 -EFAULT);
		dmamap_free_pages(blk, 7);
	}
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0);
	dmamap_free_pages(p, 0);
	fix_down(&f);
}

/*
 * Lazy mode: iommu_unmap() only queues the invalidation. Until the flush a
 * translation the device still caches goes through, as on hardware, and is
 * counted as a stale hit; a page the device never cached faults at once;
 * after iommu_flush_iotlb_all() the stale entry is gone.
 */
static void test_lazy_unmap(void **state)
{
	struct fix f;
	struct page *p, *q;
	struct dmamap_fault fault;
	u8 buf[32];
	u64 stale0;
	const unsigned long iova = 0x90000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_LAZY);
	p = page0(f.m);
	q = page0(f.m);
	test_fill_pattern(page_address(p), PAGE_SIZE, 21);
	stale0 = test_stats(f.m).stale_iotlb_hits;
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(p), SZ_4K, IOMMU_READ | IOMMU_WRITE,
				   GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, iova + SZ_4K, page_to_phys(q), SZ_4K, IOMMU_READ,
				   GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_8K), SZ_8K);
	/* the tables no longer have it */
	assert_int_equal(iommu_iova_to_phys(f.d, iova), 0);
	/* the device still does */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(dmamap_bus_read(f.dev, iova + 64, buf, sizeof(buf), NULL), 0);
	assert_memory_equal(buf, (u8 *)page_address(p) + 64, sizeof(buf));
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 1);
	assert_int_equal(dmamap_bus_write(f.dev, iova, "stale", 5, NULL), 0);
	assert_memory_equal(page_address(p), "stale", 5);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 2);
	/* the second page was never in the IOTLB */
	assert_int_equal(dmamap_bus_read(f.dev, iova + SZ_4K, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);

	iommu_flush_iotlb_all(f.d);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 2);

	/* a flush with nothing queued drops nothing that is still mapped */
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(q), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	iommu_flush_iotlb_all(f.d);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);
	iommu_flush_iotlb_all(f.d);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 2);
	dmamap_free_pages(p, 0);
	dmamap_free_pages(q, 0);
	fix_down(&f);
}

/*
 * Lazy mode keeps a filter of the pages unmapped since the last flush, by
 * page number modulo 4096, so that a hit elsewhere needs no walk to know it
 * is not stale. The count stays exact: a page that shares the unmapped
 * page's bit is walked and found current; an unmap of 4096 pages or more
 * marks every page; the flush clears the filter with the IOTLB.
 */
static void test_lazy_queued_filter(void **state)
{
	struct fix f;
	struct device *dev2;
	struct page *p;
	u8 buf[8];
	u64 stale0;
	const unsigned long a = 0x1001000, same_bit = a + 4096UL * PAGE_SIZE, other = a + SZ_8K;
	const unsigned long big = 0x40000000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_LAZY);
	/*
	 * a, other and big + 16 MiB have IOTLB slots 1, 3 and 0 of 64; the
	 * page that shares a's bit shares its slot too: a second device reads it
	 */
	dev2 = test_device(f.m, NULL, NULL);
	assert_int_equal(iommu_attach_device(f.d, dev2), 0);
	p = page0(f.m);
	stale0 = test_stats(f.m).stale_iotlb_hits;
	for (unsigned long iova = a; iova <= same_bit; iova += same_bit - a)
		assert_int_equal(iommu_map(f.d, iova, page_to_phys(p), SZ_4K, IOMMU_READ,
					   GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, other, page_to_phys(p), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_map(f.d, big, 0x80000000ULL, SZ_16M + SZ_4K, IOMMU_READ, GFP_KERNEL),
			 0);
	/* all four in the IOTLBs */
	assert_int_equal(dmamap_bus_read(f.dev, a, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(dev2, same_bit, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, other, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, big + SZ_16M, buf, sizeof(buf), NULL), 0);

	/* a unmapped, not flushed: its hit is stale, its neighbours' are not */
	assert_int_equal(iommu_unmap(f.d, a, SZ_4K), SZ_4K);
	assert_int_equal(dmamap_bus_read(dev2, same_bit, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, other, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0);
	assert_int_equal(dmamap_bus_read(f.dev, a, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 1);

	/* 16 MiB unmapped at once: the page after it is still current */
	assert_int_equal(iommu_unmap(f.d, big, SZ_16M), SZ_16M);
	assert_int_equal(dmamap_bus_read(f.dev, big + SZ_16M, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, other, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 1);

	/* the flush: a faults, the others hit again, nothing stale */
	iommu_flush_iotlb_all(f.d);
	assert_int_equal(dmamap_bus_read(f.dev, a, buf, sizeof(buf), NULL), -EFAULT);
	assert_int_equal(dmamap_bus_read(dev2, same_bit, buf, sizeof(buf), NULL), 0);
	assert_int_equal(dmamap_bus_read(dev2, same_bit, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 1);

	assert_int_equal(iommu_unmap(f.d, same_bit, SZ_4K), SZ_4K);
	assert_int_equal(iommu_unmap(f.d, other, SZ_4K), SZ_4K);
	assert_int_equal(iommu_unmap(f.d, big + SZ_16M, SZ_4K), SZ_4K);
	iommu_flush_iotlb_all(f.d);
	dmamap_device_destroy(dev2);
	dmamap_free_pages(p, 0);
	fix_down(&f);
}

/* The flush queue holds 256 invalidations; the next one flushes it first. */
static void test_lazy_queue_full(void **state)
{
	struct fix f;
	struct page *p, *q;
	struct dmamap_fault fault;
	u8 buf[8];
	u64 stale0;
	const unsigned long iova = 0x10000, other = 0x1000000;

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_LAZY);
	p = page0(f.m);
	q = page0(f.m);
	stale0 = test_stats(f.m).stale_iotlb_hits;
	assert_int_equal(iommu_map(f.d, iova, page_to_phys(p), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_4K), SZ_4K);		/* queued: 1 */
	/* 255 more, never touched by the device: the queue is full, not flushed */
	for (unsigned long i = 0; i < 255; i++) {
		assert_int_equal(iommu_map(f.d, other + (i << PAGE_SHIFT), page_to_phys(q), SZ_4K,
					   IOMMU_READ, GFP_KERNEL), 0);
		assert_int_equal(iommu_unmap(f.d, other + (i << PAGE_SHIFT), SZ_4K), SZ_4K);
	}
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 1);
	/* the 257th flushes */
	assert_int_equal(iommu_map(f.d, other, page_to_phys(q), SZ_4K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_unmap(f.d, other, SZ_4K), SZ_4K);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, sizeof(buf), &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, stale0 + 1);
	iommu_flush_iotlb_all(f.d);
	dmamap_free_pages(p, 0);
	dmamap_free_pages(q, 0);
	fix_down(&f);
}

/*
 * The DMA layer on a lazy domain: an unmapped IOVA is not handed out again
 * before the flush (a stale IOTLB entry must not reach the next buffer);
 * the flush gives it back. On a strict domain it is free at once.
 */
static void test_lazy_dma_iova_reuse(void **state)
{
	struct fix f;
	void *buf;
	dma_addr_t a1, a2, a3;
	u8 tmp[8];

	(void)state;
	fix_up(&f, IOMMU_DOMAIN_DMA, DMAMAP_IOMMU_LAZY);
	buf = dmamap_kmalloc(f.m, 256, GFP_KERNEL);
	assert_non_null(buf);
	memset(buf, 0x3c, 256);
	a1 = dma_map_single(f.dev, buf, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(f.dev, a1));
	assert_int_equal(dmamap_bus_read(f.dev, a1, tmp, sizeof(tmp), NULL), 0);
	assert_int_equal(tmp[0], 0x3c);
	dma_unmap_single(f.dev, a1, 256, DMA_TO_DEVICE);
	assert_int_equal(iommu_iova_to_phys(f.d, a1), 0);
	/* freed only at the flush: still counted */
	assert_int_equal(test_stats(f.m).iova_pages_used, 1);
	/* the device's stale entry still reaches the buffer */
	assert_int_equal(dmamap_bus_read(f.dev, a1, tmp, sizeof(tmp), NULL), 0);
	assert_int_equal(test_stats(f.m).stale_iotlb_hits, 1);
	a2 = dma_map_single(f.dev, buf, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(f.dev, a2));
	assert_true((a2 & PAGE_MASK) != (a1 & PAGE_MASK));
	dma_unmap_single(f.dev, a2, 256, DMA_TO_DEVICE);
	assert_int_equal(test_stats(f.m).iova_pages_used, 2);
	iommu_flush_iotlb_all(f.d);
	assert_int_equal(test_stats(f.m).iova_pages_used, 0);
	assert_int_equal(dmamap_bus_read(f.dev, a1, tmp, sizeof(tmp), NULL), -EFAULT);
	a3 = dma_map_single(f.dev, buf, 256, DMA_TO_DEVICE);
	assert_true((a3 & PAGE_MASK) == (a1 & PAGE_MASK) || (a3 & PAGE_MASK) == (a2 & PAGE_MASK));
	dma_unmap_single(f.dev, a3, 256, DMA_TO_DEVICE);
	assert_int_equal(test_stats(f.m).iova_pages_used, 1);
	dmamap_kfree(f.m, buf);
	/* freeing the domain with an IOVA still queued gives it back too (checked by fix_down) */
	fix_down(&f);

	/* strict: the same IOVA comes straight back */
	fix_up(&f, IOMMU_DOMAIN_DMA, DMAMAP_IOMMU_STRICT);
	buf = dmamap_kmalloc(f.m, 256, GFP_KERNEL);
	assert_non_null(buf);
	a1 = dma_map_single(f.dev, buf, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(f.dev, a1));
	dma_unmap_single(f.dev, a1, 256, DMA_TO_DEVICE);
	assert_int_equal(test_stats(f.m).iova_pages_used, 0);
	assert_int_equal(dmamap_bus_read(f.dev, a1, tmp, sizeof(tmp), NULL), -EFAULT);
	a2 = dma_map_single(f.dev, buf, 256, DMA_TO_DEVICE);
	assert_int_equal(a2, a1);
	dma_unmap_single(f.dev, a2, 256, DMA_TO_DEVICE);
	dmamap_kfree(f.m, buf);
	fix_down(&f);
}

/* --- translation of a scattered buffer ------------------------------------------------ */

/*
 * Sixteen frames that are not neighbours, mapped one by one at consecutive
 * IOVAs: a 64 KiB access moves the right bytes to and from each frame, at
 * any offset and length; physically contiguous frames mapped page by page
 * read as one too.
 */
static void test_bus_scattered(void **state)
{
	struct fix f;
	struct page *all[32], *pg[16];
	u8 *buf = malloc(SZ_64K);
	const unsigned long iova = 0x2000000;

	(void)state;
	assert_non_null(buf);
	fix_up(&f, IOMMU_DOMAIN_UNMANAGED, DMAMAP_IOMMU_STRICT);
	for (int i = 0; i < 32; i++)
		all[i] = page0(f.m);
	/* every other frame, in reverse: no two mapped neighbours are adjacent in RAM */
	for (int i = 0; i < 16; i++) {
		pg[i] = all[30 - 2 * i];
		assert_int_equal(iommu_map(f.d, iova + ((unsigned long)i << PAGE_SHIFT),
					   page_to_phys(pg[i]), SZ_4K, IOMMU_READ | IOMMU_WRITE,
					   GFP_KERNEL), 0);
	}
	for (int i = 1; i < 16; i++)
		assert_true(page_to_phys(pg[i]) != page_to_phys(pg[i - 1]) + PAGE_SIZE);
	test_fill_pattern(buf, SZ_64K, 42);
	for (int i = 0; i < 16; i++)
		memcpy(page_address(pg[i]), buf + i * PAGE_SIZE, PAGE_SIZE);
	memset(buf, 0, SZ_64K);
	assert_int_equal(dmamap_bus_read(f.dev, iova, buf, SZ_64K, NULL), 0);
	assert_int_equal(test_check_pattern(buf, SZ_64K, 42), -1);
	/* an odd window */
	memset(buf, 0, SZ_64K);
	assert_int_equal(dmamap_bus_read(f.dev, iova + 0x1234, buf, SZ_32K + 77, NULL), 0);
	{
		u8 *ref = malloc(SZ_64K);

		assert_non_null(ref);
		test_fill_pattern(ref, SZ_64K, 42);
		assert_memory_equal(buf, ref + 0x1234, SZ_32K + 77);
		free(ref);
	}
	/* writes land in the right frames */
	test_fill_pattern(buf, SZ_64K, 43);
	assert_int_equal(dmamap_bus_write(f.dev, iova, buf, SZ_64K, NULL), 0);
	for (int i = 0; i < 16; i++)
		assert_memory_equal(page_address(pg[i]), buf + i * PAGE_SIZE, PAGE_SIZE);
	/* a device-side copy across the scattered range */
	assert_int_equal(dmamap_bus_copy(f.dev, iova, iova + SZ_32K, SZ_32K, NULL), 0);
	for (int i = 0; i < 8; i++)
		assert_memory_equal(page_address(pg[i]), buf + SZ_32K + i * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(iommu_unmap(f.d, iova, SZ_64K), SZ_64K);

	/* contiguous frames, mapped page by page */
	{
		struct page *blk = dmamap_alloc_pages(f.m, GFP_KERNEL, 4);

		assert_non_null(blk);
		for (int i = 0; i < 16; i++)
			assert_int_equal(iommu_map(f.d, iova + ((unsigned long)i << PAGE_SHIFT),
						   page_to_phys(blk + i), SZ_4K, IOMMU_READ,
						   GFP_KERNEL), 0);
		test_fill_pattern(page_address(blk), SZ_64K, 44);
		memset(buf, 0, SZ_64K);
		assert_int_equal(dmamap_bus_read(f.dev, iova, buf, SZ_64K, NULL), 0);
		assert_int_equal(test_check_pattern(buf, SZ_64K, 44), -1);
		assert_int_equal(iommu_unmap(f.d, iova, SZ_64K), SZ_64K);
		dmamap_free_pages(blk, 4);
	}
	for (int i = 0; i < 32; i++)
		dmamap_free_pages(all[i], 0);
	free(buf);
	fix_down(&f);
}

/*
 * Bus reads, writes and fills at random places against a reference of the
 * mappings: pages unmapped, read-only, write-only or read-write, scattered
 * or contiguous in memory, a 2 MiB block (which an unmap of one of its
 * pages leaves whole, which is unmapped whole, and which goes back over
 * whatever pages were mapped in its place), remapped as the test goes,
 * through an IOTLB of 8 entries so that lookups
 * miss, hit, evict and end runs in every order. Each access must move the
 * bytes of the frames the reference names, stop at the first page it may
 * not touch with that page's address, reason and bytes done, and write
 * nothing past it.
 */
enum { RB_PAGES = 1024, RB_BLOCK = 512, RB_POOL = 48, RB_OPS = 4000 };

struct rb_page {
	phys_addr_t phys;	/* 0: unmapped */
	int prot;
};

struct rb_ref {
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct page *pool[RB_POOL], *run, *blk;
	struct rb_page pg[RB_PAGES];
	bool blk_mapped;	/* pages RB_BLOCK.. are the block */
	u64 seed;
};

#define RB_IOVA	0x40000000UL

static void rb_map_page(struct rb_ref *r, unsigned int i)
{
	u64 x = test_rand(&r->seed) % 100;
	int prot = x < 12 ? IOMMU_READ : x < 18 ? IOMMU_WRITE : IOMMU_READ | IOMMU_WRITE;
	phys_addr_t phys;

	/* a third of the time the frame after the previous page's, when there is one */
	if (i && r->pg[i - 1].phys && test_rand(&r->seed) % 3 == 0 &&
	    r->pg[i - 1].phys + PAGE_SIZE < page_to_phys(r->run) + 16 * PAGE_SIZE &&
	    r->pg[i - 1].phys >= page_to_phys(r->run))
		phys = r->pg[i - 1].phys + PAGE_SIZE;
	else if (test_rand(&r->seed) % 4 == 0)
		phys = page_to_phys(r->run) + (test_rand(&r->seed) % 16) * PAGE_SIZE;
	else
		phys = page_to_phys(r->pool[test_rand(&r->seed) % RB_POOL]);
	assert_int_equal(iommu_map(r->d, RB_IOVA + (unsigned long)i * PAGE_SIZE, phys, SZ_4K, prot,
				   GFP_KERNEL), 0);
	r->pg[i] = (struct rb_page){ phys, prot };
}

/*
 * The block over the second 2 MiB, whatever pages are mapped there (it
 * takes their table's place, as in the kernel).
 */
static void rb_map_block(struct rb_ref *r)
{
	assert_int_equal(iommu_map(r->d, RB_IOVA + SZ_2M, page_to_phys(r->blk), SZ_2M,
				   IOMMU_READ | IOMMU_WRITE, GFP_KERNEL), 0);
	for (unsigned int i = RB_BLOCK; i < RB_PAGES; i++)
		r->pg[i] = (struct rb_page){ page_to_phys(r->blk) + (i - RB_BLOCK) * PAGE_SIZE,
					     IOMMU_READ | IOMMU_WRITE };
	r->blk_mapped = true;
}

/* Where an access of @len at @iova must stop (@len when it may not), and why. */
static size_t rb_expect(const struct rb_ref *r, unsigned long iova, size_t len, bool write,
			int *reason)
{
	size_t done = 0;

	while (done < len) {
		unsigned long at = iova + done;
		long i = ((long)at - (long)RB_IOVA) >> PAGE_SHIFT;
		int need = write ? IOMMU_WRITE : IOMMU_READ;

		if (at < RB_IOVA || i >= RB_PAGES || !r->pg[i].phys) {
			*reason = DMAMAP_FAULT_TRANSLATION;
			return done;
		}
		if (!(r->pg[i].prot & need)) {
			*reason = DMAMAP_FAULT_PERMISSION;
			return done;
		}
		done += min_t(size_t, PAGE_SIZE - (at & (PAGE_SIZE - 1)), len - done);
	}
	*reason = 0;
	return done;
}

/* The byte at @iova, as the reference's frame holds it. */
static u8 *rb_byte(const struct rb_ref *r, unsigned long iova)
{
	const struct rb_page *p = &r->pg[(iova - RB_IOVA) >> PAGE_SHIFT];

	return (u8 *)page_address(dmamap_pfn_to_page(r->m, PHYS_PFN(p->phys))) +
	       (iova & (PAGE_SIZE - 1));
}

static void rb_access(struct rb_ref *r, struct device *dev, u8 *buf, u8 *before)
{
	unsigned long iova = RB_IOVA - SZ_8K + test_rand(&r->seed) % ((RB_PAGES + 4UL) * PAGE_SIZE);
	size_t len = 1 + test_rand(&r->seed) % (test_rand(&r->seed) % 4 ? 3 * PAGE_SIZE : SZ_64K);
	unsigned int kind = (unsigned int)(test_rand(&r->seed) % 3);	/* read, write, fill */
	bool write = kind != 0;
	struct dmamap_fault fault;
	int reason, ret;
	size_t done = rb_expect(r, iova, len, write, &reason);
	int byte = (int)(test_rand(&r->seed) & 0xff);
	unsigned long stop = iova + done;
	bool stop_mapped = reason == DMAMAP_FAULT_PERMISSION;

	/* the page the access must not touch: its bytes as they were */
	if (stop_mapped)
		memcpy(before, rb_byte(r, stop & PAGE_MASK), PAGE_SIZE);
	memset(&fault, 0xa5, sizeof(fault));
	if (kind == 0) {
		memset(buf, 0, len);
		ret = dmamap_bus_read(dev, iova, buf, len, &fault);
	} else if (kind == 1) {
		for (size_t k = 0; k < len; k++)
			buf[k] = (u8)(test_rand(&r->seed) >> 7);
		ret = dmamap_bus_write(dev, iova, buf, len, &fault);
	} else {
		memset(buf, byte, len);
		ret = dmamap_bus_fill(dev, iova, byte, len, &fault);
	}
	if (!reason) {
		assert_int_equal(ret, 0);
		assert_int_equal(fault.done, 0);
	} else {
		assert_int_equal(ret, reason == DMAMAP_FAULT_PERMISSION ? -EACCES : -EFAULT);
		assert_int_equal(fault.reason, reason);
		assert_int_equal(fault.addr, stop);
		assert_int_equal(fault.done, done);
		assert_int_equal(fault.flags, write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ);
	}
	/*
	 * Every byte before the stop came from (or went to) the reference's
	 * frame. Pages may share a frame: of two writes to one byte of it, the
	 * later page's is what it holds.
	 */
	for (size_t k = 0; k < done; k++) {
		bool overwritten = false;

		for (size_t k2 = k + PAGE_SIZE; write && k2 < done; k2 += PAGE_SIZE)
			overwritten |= rb_byte(r, iova + k2) == rb_byte(r, iova + k);
		if (!overwritten && *rb_byte(r, iova + k) != buf[k])
			fail_msg("%s at %#lx (+%zu of %zu): %#x, reference %#x",
				 write ? "write" : "read", iova + k, k, len, buf[k],
				 *rb_byte(r, iova + k));
	}
	/* and nothing of the page it stopped at (unless an earlier page shares its frame) */
	for (unsigned long at = stop & PAGE_MASK;
	     stop_mapped && at >= PAGE_SIZE + (iova & PAGE_MASK);)
		stop_mapped = rb_byte(r, at -= PAGE_SIZE) != rb_byte(r, stop & PAGE_MASK);
	if (stop_mapped)
		assert_memory_equal(before, rb_byte(r, stop & PAGE_MASK), PAGE_SIZE);
}

static void test_bus_random_against_reference(void **state)
{
	const struct dmamap_iommu_config cfg = {
		.type = IOMMU_DOMAIN_UNMANAGED, .flush = DMAMAP_IOMMU_STRICT, .iotlb_entries = 8,
		.walk_cache_entries = 4,
	};
	struct rb_ref *r = calloc(1, sizeof(*r));
	u8 *buf = malloc(SZ_64K), *before = malloc(PAGE_SIZE);
	struct device *dev;
	struct dmamap_stats st;
	unsigned long refused = 0;

	(void)state;
	assert_non_null(r);
	assert_non_null(buf);
	assert_non_null(before);
	r->seed = 0x9e3779b97f4a7c15ULL;
	r->m = test_machine(NULL);
	assert_int_equal(dmamap_iommu_domain_create(r->m, &cfg, &r->d), 0);
	dev = test_device(r->m, NULL, NULL);
	assert_int_equal(iommu_attach_device(r->d, dev), 0);
	for (unsigned int i = 0; i < RB_POOL; i++) {
		r->pool[i] = page0(r->m);
		test_fill_pattern(page_address(r->pool[i]), PAGE_SIZE, i);
	}
	r->run = dmamap_alloc_pages(r->m, GFP_KERNEL, 4);
	r->blk = dmamap_alloc_pages(r->m, GFP_KERNEL, 9);
	assert_non_null(r->run);
	assert_non_null(r->blk);
	test_fill_pattern(page_address(r->run), 16 * PAGE_SIZE, 100);
	test_fill_pattern(page_address(r->blk), SZ_2M, 101);
	/* the first 2 MiB page by page, nine in ten mapped; the second one block */
	for (unsigned int i = 0; i < RB_BLOCK; i++)
		if (test_rand(&r->seed) % 10)
			rb_map_page(r, i);
	rb_map_block(r);

	st = test_stats(r->m);
	for (unsigned int op = 0; op < RB_OPS; op++) {
		unsigned int i = (unsigned int)(test_rand(&r->seed) % RB_PAGES);
		unsigned long iova = RB_IOVA + (unsigned long)i * PAGE_SIZE;

		if (test_rand(&r->seed) % 16 == 0) {
			/*
			 * A page unmapped or mapped anew; in the block, the unmap of
			 * a page unmaps nothing, and now and then the block goes
			 * whole, or comes back over the pages mapped in its place.
			 */
			if (i >= RB_BLOCK && r->blk_mapped) {
				if (test_rand(&r->seed) % 4) {
					assert_int_equal(iommu_unmap(r->d, iova, SZ_4K), 0);
					refused++;
				} else {
					assert_int_equal(iommu_unmap(r->d, RB_IOVA + SZ_2M, SZ_2M),
							 SZ_2M);
					for (unsigned int k = RB_BLOCK; k < RB_PAGES; k++)
						r->pg[k].phys = 0;
					r->blk_mapped = false;
				}
			} else if (i >= RB_BLOCK && test_rand(&r->seed) % 4 == 0) {
				rb_map_block(r);
			} else if (r->pg[i].phys) {
				assert_int_equal(iommu_unmap(r->d, iova, SZ_4K), SZ_4K);
				r->pg[i].phys = 0;
			} else {
				rb_map_page(r, i);
			}
			assert_int_equal(iommu_iova_to_phys(r->d, iova), r->pg[i].phys);
			continue;
		}
		rb_access(r, dev, buf, before);
	}
	/* it went through the IOTLB every way */
	assert_true(test_stats(r->m).iotlb_hits > st.iotlb_hits);
	assert_true(test_stats(r->m).iotlb_misses > st.iotlb_misses);
	assert_true(test_stats(r->m).iommu_faults > st.iommu_faults);
	/* and every refused unmap was reported */
	assert_true(refused > 0);
	assert_int_equal(test_stats(r->m).api_errors - st.api_errors, refused);

	if (r->blk_mapped)
		assert_int_equal(iommu_unmap(r->d, RB_IOVA + SZ_2M, SZ_2M), SZ_2M);
	for (unsigned int i = 0; i < RB_PAGES; i++)
		if (r->pg[i].phys && (i < RB_BLOCK || !r->blk_mapped))
			assert_int_equal(iommu_unmap(r->d, RB_IOVA + (unsigned long)i * PAGE_SIZE,
						     SZ_4K), SZ_4K);
	dmamap_device_destroy(dev);
	iommu_domain_free(r->d);
	for (unsigned int i = 0; i < RB_POOL; i++)
		dmamap_free_pages(r->pool[i], 0);
	dmamap_free_pages(r->run, 4);
	dmamap_free_pages(r->blk, 9);
	test_assert_no_leaks(r->m);
	dmamap_machine_destroy(r->m);
	free(before);
	free(buf);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_types),
		cmocka_unit_test(test_domain_free_returns_tables),
		cmocka_unit_test(test_attach_detach),
		cmocka_unit_test(test_map_unmap),
		cmocka_unit_test(test_map_refusals),
		cmocka_unit_test(test_map_block_undo),
		cmocka_unit_test(test_identity_bypass),
		cmocka_unit_test(test_fault_translation),
		cmocka_unit_test(test_fault_log_wraps),
		cmocka_unit_test(test_fault_permission),
		cmocka_unit_test(test_fault_address_size),
		cmocka_unit_test(test_fault_stops_at_page),
		cmocka_unit_test(test_iotlb_hits),
		cmocka_unit_test(test_iotlb_one_lookup_per_page),
		cmocka_unit_test(test_kept_lookup_invalidated),
		cmocka_unit_test(test_iotlb_gen_wrap),
		cmocka_unit_test_teardown(test_iotlb_hits_builtin_atomics, restore_sse),
		cmocka_unit_test(test_strict_unmap_invalidates_all),
		cmocka_unit_test(test_walk_cache_table_freed),
		cmocka_unit_test(test_strict_unmap),
		cmocka_unit_test(test_lazy_unmap),
		cmocka_unit_test(test_lazy_queued_filter),
		cmocka_unit_test(test_lazy_queue_full),
		cmocka_unit_test(test_lazy_dma_iova_reuse),
		cmocka_unit_test(test_bus_scattered),
		cmocka_unit_test(test_bus_random_against_reference),
	};

	return cmocka_run_group_tests_name("iommu", tests, NULL, NULL);
}
