// SPDX-License-Identifier: MIT
/*
 * The IOMMU API as today's kernel has it (src/iommu/iommu.c,
 * io-pgtable-arm.c): what iommu_map() and iommu_unmap() answer in the cases
 * where the kernel's answer changed or is easy to get wrong, one row each
 * with the kernel's behaviour beside it (v6.12, and the partial unmap of a
 * block as mainline has it since commit 33729a5fc0ca); then the calls of
 * v6.12 a driver uses besides them: iommu_unmap_fast() with an
 * iommu_iotlb_gather and iommu_iotlb_sync(), iommu_map_sg(),
 * iommu_paging_domain_alloc(); the 16 KiB and 64 KiB granules through the
 * bus translation; and the output size (oas) of a domain.
 */
#include "test-util.h"

#include "lib/util.h"
#include "iommu/iommu.h"

#include <stdlib.h>
#include <string.h>

#define RW		(IOMMU_READ | IOMMU_WRITE)
#define RAM		0x80000000ULL	/* the default machine's bank: 256 MiB */

static struct iommu_domain *mkdom(struct dmamap_machine *m, struct dmamap_iommu_config cfg)
{
	struct iommu_domain *d = NULL;

	assert_int_equal(dmamap_iommu_domain_create(m, &cfg, &d), 0);
	assert_non_null(d);
	return d;
}

/* --- the table ------------------------------------------------------------------ */

enum sem_op { OP_MAP, OP_UNMAP, OP_UNMAP_FAST, OP_MAP_SG };

struct sem_range {
	unsigned long iova;
	phys_addr_t phys;
	size_t size;
};

struct sem_probe {
	unsigned long iova;
	phys_addr_t phys;		/* iommu_iova_to_phys() after the call; 0: nothing */
};

struct sem_row {
	const char *what;
	const char *kernel;		/* what the kernel does */
	unsigned int type;		/* 0: UNMANAGED */
	unsigned long pgsizes;		/* 0: 4 KiB, 2 MiB, 1 GiB */
	unsigned int oas;		/* 0: 48 */
	struct sem_range pre[2];	/* mapped first (size 0: none) */
	enum sem_op op;
	struct sem_range arg;
	int prot;			/* 0: read and write */
	gfp_t gfp;			/* 0: GFP_KERNEL */
	long ret;			/* the call's return */
	struct sem_probe after[3];	/* (iova 0: none) */
	u64 reports;			/* misuse reports counted (api_errors) */
};

/*
 * The rows. IOVAs are in a 32-bit space; physical addresses need not be RAM
 * for the tables (iommu_iova_to_phys() answers from the descriptors), but
 * are aligned as each case needs.
 */
static const struct sem_row sem_rows[] = {
	/* partial unmaps of blocks */
	{ "unmap of one 4 KiB page inside a 2 MiB block",
	  "returns 0 with a warning, the block stays whole (mainline since commit "
	  "33729a5fc0ca; v6.12 still split the block and returned 4 KiB)",
	  .pre = { { SZ_1G, RAM, SZ_2M } }, .op = OP_UNMAP, .arg = { SZ_1G + SZ_1M, 0, SZ_4K },
	  .ret = 0, .after = { { SZ_1G + SZ_1M, RAM + SZ_1M }, { SZ_1G, RAM } }, .reports = 1 },
	{ "unmap of the first half of a 2 MiB block",
	  "returns 0 with a warning: the unit (4 KiB pages) is smaller than the block",
	  .pre = { { SZ_1G, RAM, SZ_2M } }, .op = OP_UNMAP, .arg = { SZ_1G, 0, SZ_1M },
	  .ret = 0, .after = { { SZ_1G, RAM }, { SZ_1G + SZ_1M, RAM + SZ_1M } }, .reports = 1 },
	{ "unmap of a 2 MiB unit inside a 1 GiB block",
	  "returns 0 with a warning, the 1 GiB block stays",
	  .pre = { { SZ_2G, SZ_1G, SZ_1G } }, .op = OP_UNMAP, .arg = { SZ_2G + SZ_4M, 0, SZ_2M },
	  .ret = 0, .after = { { SZ_2G + SZ_4M, SZ_1G + SZ_4M } }, .reports = 1 },
	{ "unmap of pages running into a block",
	  "the pages before the block go; the unit inside the block returns 0: the unmap "
	  "stops there",
	  .pre = { { SZ_4M - SZ_8K, RAM + SZ_4M - SZ_8K, SZ_8K + SZ_2M } }, .op = OP_UNMAP,
	  .arg = { SZ_4M - SZ_8K, 0, 4 * SZ_4K }, .ret = SZ_8K,
	  .after = { { SZ_4M - SZ_8K, 0 }, { SZ_4M - SZ_4K, 0 }, { SZ_4M, RAM + SZ_4M } },
	  .reports = 1 },
	{ "iommu_unmap_fast() of a page inside a block", "as iommu_unmap(): 0 with a warning",
	  .pre = { { SZ_1G, RAM, SZ_2M } }, .op = OP_UNMAP_FAST, .arg = { SZ_1G + SZ_8K, 0, SZ_4K },
	  .ret = 0, .after = { { SZ_1G + SZ_8K, RAM + SZ_8K } }, .reports = 1 },
	{ "unmap of a 16 KiB page inside a 32 MiB block",
	  "returns 0 with a warning, as with every granule",
	  .pgsizes = SZ_16K | SZ_32M, .pre = { { SZ_32M, RAM, SZ_32M } }, .op = OP_UNMAP,
	  .arg = { SZ_32M + SZ_16K, 0, SZ_16K }, .ret = 0,
	  .after = { { SZ_32M + SZ_16K, RAM + SZ_16K } }, .reports = 1 },
	{ "unmap of a 2 MiB unit over a page table", "the table is freed whole: 2 MiB unmapped",
	  .pre = { { SZ_4M + SZ_4K, RAM, SZ_4K } }, .op = OP_UNMAP, .arg = { SZ_4M, 0, SZ_2M },
	  .ret = SZ_2M, .after = { { SZ_4M + SZ_4K, 0 } } },
	/* blocks over tables */
	{ "a 2 MiB block mapped over a table with a live page",
	  "arm_lpae_init_pte() unmaps the table whole and installs the block: 0, the page is "
	  "gone",
	  .pre = { { SZ_4M + SZ_8K, RAM + SZ_1M, SZ_4K } }, .op = OP_MAP,
	  .arg = { SZ_4M, RAM + SZ_2M, SZ_2M }, .ret = 0,
	  .after = { { SZ_4M + SZ_8K, RAM + SZ_2M + SZ_8K }, { SZ_4M, RAM + SZ_2M } } },
	{ "a 1 GiB block mapped over a level-2 table with a block and a page",
	  "the same one level up: 0, what was under it is gone",
	  .pre = { { SZ_1G + SZ_2M, RAM, SZ_2M }, { SZ_1G + SZ_8M, RAM, SZ_4K } },
	  .op = OP_MAP, .arg = { SZ_1G, SZ_2G, SZ_1G }, .ret = 0,
	  .after = { { SZ_1G + SZ_2M, SZ_2G + SZ_2M }, { SZ_1G + SZ_8M, SZ_2G + SZ_8M } } },
	{ "a 2 MiB block over a 2 MiB block", "-EEXIST: a leaf is there",
	  .pre = { { SZ_4M, RAM, SZ_2M } }, .op = OP_MAP, .arg = { SZ_4M, RAM + SZ_2M, SZ_2M },
	  .ret = -EEXIST, .after = { { SZ_4M, RAM } } },
	{ "a page inside a block", "-EEXIST", .pre = { { SZ_4M, RAM, SZ_2M } }, .op = OP_MAP,
	  .arg = { SZ_4M + SZ_4K, RAM, SZ_4K }, .ret = -EEXIST, .after = { { SZ_4M + SZ_4K,
									     RAM + SZ_4K } } },
	{ "a block, then a page over a page", "-EEXIST, and the block just mapped is unmapped",
	  .pre = { { SZ_4M + SZ_2M, RAM, SZ_4K } }, .op = OP_MAP,
	  .arg = { SZ_4M, RAM + SZ_2M, SZ_2M + SZ_4K }, .ret = -EEXIST,
	  .after = { { SZ_4M, 0 }, { SZ_4M + SZ_2M, RAM } } },
	/* ranges */
	{ "map of an IOVA beyond the IOVA bits", "arm_lpae_map_pages(): -ERANGE",
	  .op = OP_MAP, .arg = { 0x100000000UL, RAM, SZ_4K }, .ret = -ERANGE , .reports = 1 },
	{ "map of a range running past the IOVA bits",
	  "-ERANGE at the piece beyond, what was mapped before it unmapped",
	  .op = OP_MAP, .arg = { 0xfffff000UL, RAM, SZ_8K }, .ret = -ERANGE,
	  .after = { { 0xfffff000UL, 0 } } , .reports = 1 },
	{ "map of a physical address beyond the output bits (oas 40)",
	  "arm_lpae_map_pages(): -ERANGE", .oas = 40,
	  .op = OP_MAP, .arg = { SZ_1M, 1ULL << 40, SZ_4K }, .ret = -ERANGE,
	  .after = { { SZ_1M, 0 } } , .reports = 1 },
	{ "map of a physical range running past the output bits (oas 40)",
	  "-ERANGE at the piece beyond, what was mapped before it unmapped", .oas = 40,
	  .op = OP_MAP, .arg = { SZ_1M, (1ULL << 40) - SZ_4K, SZ_8K }, .ret = -ERANGE,
	  .after = { { SZ_1M, 0 } } , .reports = 1 },
	{ "map of the last page the output bits hold (oas 40)", "0", .oas = 40,
	  .op = OP_MAP, .arg = { SZ_1M, (1ULL << 40) - SZ_4K, SZ_4K }, .ret = 0,
	  .after = { { SZ_1M + 5, (1ULL << 40) - SZ_4K + 5 } } },
	{ "unmap beyond the IOVA bits", "arm_lpae_unmap_pages(): 0", .op = OP_UNMAP,
	  .arg = { 0x100000000UL, 0, SZ_4K }, .ret = 0 , .reports = 1 },
	/* sizes and alignment */
	{ "map of size 0", "__iommu_map() has nothing to map: 0, nothing mapped",
	  .op = OP_MAP, .arg = { SZ_1M, RAM, 0 }, .ret = 0, .after = { { SZ_1M, 0 } } },
	{ "map of size 0 beyond the IOVA bits", "0: no page table is asked",
	  .op = OP_MAP, .arg = { 0x200000000UL, RAM, 0 }, .ret = 0 },
	{ "map of size 0 at an unaligned IOVA", "-EINVAL: alignment is checked first",
	  .op = OP_MAP, .arg = { SZ_1M + 0x800, RAM, 0 }, .ret = -EINVAL , .reports = 1 },
	{ "unmap of size 0", "0, nothing unmapped", .pre = { { SZ_1M, RAM, SZ_4K } },
	  .op = OP_UNMAP, .arg = { SZ_1M, 0, 0 }, .ret = 0, .after = { { SZ_1M, RAM } } },
	{ "map of an unaligned physical address", "-EINVAL", .op = OP_MAP,
	  .arg = { SZ_1M, RAM + 0x800, SZ_4K }, .ret = -EINVAL , .reports = 1 },
	{ "map with no access bit", "-EINVAL", .op = OP_MAP, .arg = { SZ_1M, RAM, SZ_4K },
	  .prot = IOMMU_CACHE, .ret = -EINVAL, .after = { { SZ_1M, 0 } } },
	{ "map of 4 KiB in a 16 KiB-granule domain", "-EINVAL: not aligned to the smallest page",
	  .pgsizes = SZ_16K | SZ_32M, .op = OP_MAP, .arg = { SZ_1M, RAM, SZ_4K }, .ret = -EINVAL , .reports = 1 },
	{ "unmap of 4 KiB in a 64 KiB-granule domain", "0: not aligned to the smallest page",
	  .pgsizes = SZ_64K | SZ_512M, .pre = { { SZ_1M, RAM, SZ_64K } }, .op = OP_UNMAP,
	  .arg = { SZ_1M, 0, SZ_4K }, .ret = 0, .after = { { SZ_1M + SZ_4K, RAM + SZ_4K } } , .reports = 1 },
	{ "map of a 512 MiB block with the 64 KiB granule", "0: one level-2 block",
	  .pgsizes = SZ_64K | SZ_512M, .op = OP_MAP, .arg = { SZ_512M, SZ_1G, SZ_512M },
	  .ret = 0, .after = { { SZ_512M + SZ_64K + 3, SZ_1G + SZ_64K + 3 } } },
	{ "map into an identity domain", "-EINVAL: not a paging domain",
	  .type = IOMMU_DOMAIN_IDENTITY, .op = OP_MAP, .arg = { SZ_1M, RAM, SZ_4K },
	  .ret = -EINVAL },
	/* gfp */
	{ "map with __GFP_DMA", "iommu_map(): -EINVAL (WARN_ON_ONCE on zone gfp bits)",
	  .op = OP_MAP, .arg = { SZ_1M, RAM, SZ_4K }, .gfp = GFP_KERNEL | __GFP_DMA,
	  .ret = -EINVAL, .after = { { SZ_1M, 0 } } , .reports = 1 },
	{ "map with __GFP_DMA32", "-EINVAL", .op = OP_MAP, .arg = { SZ_1M, RAM, SZ_4K },
	  .gfp = GFP_KERNEL | __GFP_DMA32, .ret = -EINVAL, .after = { { SZ_1M, 0 } } , .reports = 1 },
	{ "map with __GFP_HIGHMEM", "-EINVAL", .op = OP_MAP, .arg = { SZ_1M, RAM, SZ_4K },
	  .gfp = GFP_KERNEL | __GFP_HIGHMEM, .ret = -EINVAL, .after = { { SZ_1M, 0 } } , .reports = 1 },
	{ "iommu_map_sg() with __GFP_DMA32", "-EINVAL", .op = OP_MAP_SG,
	  .arg = { SZ_1M, RAM, SZ_4K }, .gfp = GFP_KERNEL | __GFP_DMA32, .ret = -EINVAL,
	  .after = { { SZ_1M, 0 } } , .reports = 1 },
	{ "map with GFP_ATOMIC", "0: it may not sleep, and need not", .op = OP_MAP,
	  .arg = { SZ_1M, RAM, SZ_4K }, .gfp = GFP_ATOMIC, .ret = 0,
	  .after = { { SZ_1M, RAM } } },
};

static void check_row(const struct sem_row *r)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct iommu_domain *d = mkdom(m, (struct dmamap_iommu_config){
		.type = r->type ? r->type : IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = r->pgsizes,
		.oas = r->oas });
	int prot = r->prot ? r->prot : RW;
	gfp_t gfp = r->gfp ? r->gfp : GFP_KERNEL;
	struct iommu_iotlb_gather gather;
	struct scatterlist sg;
	u64 errors;
	long ret = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(r->pre) && r->pre[i].size; i++)
		assert_int_equal(iommu_map(d, r->pre[i].iova, r->pre[i].phys, r->pre[i].size, RW,
					   GFP_KERNEL), 0);
	errors = test_stats(m).api_errors;
	switch (r->op) {
	case OP_MAP:
		ret = iommu_map(d, r->arg.iova, r->arg.phys, r->arg.size, prot, gfp);
		break;
	case OP_UNMAP:
		ret = (long)iommu_unmap(d, r->arg.iova, r->arg.size);
		break;
	case OP_UNMAP_FAST:
		iommu_iotlb_gather_init(&gather);
		ret = (long)iommu_unmap_fast(d, r->arg.iova, r->arg.size, &gather);
		iommu_iotlb_sync(d, &gather);
		break;
	case OP_MAP_SG:
		sg_init_table(&sg, 1);
		sg_set_page(&sg, dmamap_pfn_to_page(m, PHYS_PFN(r->arg.phys)),
			    (unsigned int)r->arg.size, 0);
		ret = iommu_map_sg(d, r->arg.iova, &sg, 1, prot, gfp);
		break;
	}
	if (ret != r->ret)
		fail_msg("%s: %ld, the kernel: %s (%ld)", r->what, ret, r->kernel, r->ret);
	for (unsigned int i = 0; i < ARRAY_SIZE(r->after) && r->after[i].iova; i++) {
		phys_addr_t got = iommu_iova_to_phys(d, r->after[i].iova);

		if (got != r->after[i].phys)
			fail_msg("%s: IOVA %#lx translates to %#llx, expected %#llx (the kernel: %s)",
				 r->what, r->after[i].iova, (unsigned long long)got,
				 (unsigned long long)r->after[i].phys, r->kernel);
	}
	if (test_stats(m).api_errors - errors != r->reports)
		fail_msg("%s: %llu reports, expected %llu", r->what,
			 (unsigned long long)(test_stats(m).api_errors - errors),
			 (unsigned long long)r->reports);
	iommu_domain_free(d);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_kernel_semantics(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(sem_rows); i++)
		check_row(&sem_rows[i]);
}

/* --- iommu_unmap_fast(), the gather, iommu_iotlb_sync() ------------------------- */

/* A machine, a domain of @flush, a device in it with pages mapped at 1 MiB. */
struct gfix {
	struct dmamap_machine *m;
	struct iommu_domain *d;
	struct device *dev;
	struct page *pages;
};

#define G_IOVA		SZ_1M
#define G_PAGES		16

static void gfix_up(struct gfix *f, enum dmamap_iommu_flush flush)
{
	f->m = test_machine(NULL);
	f->d = mkdom(f->m, (struct dmamap_iommu_config){ .type = IOMMU_DOMAIN_UNMANAGED,
							 .flush = flush });
	f->dev = test_device(f->m, NULL, NULL);
	assert_int_equal(iommu_attach_device(f->d, f->dev), 0);
	f->pages = dmamap_alloc_pages(f->m, GFP_KERNEL | __GFP_ZERO, 4);
	assert_non_null(f->pages);
	assert_int_equal(iommu_map(f->d, G_IOVA, page_to_phys(f->pages), G_PAGES * SZ_4K, RW,
				   GFP_KERNEL), 0);
}

static void gfix_down(struct gfix *f)
{
	iommu_unmap(f->d, G_IOVA, G_PAGES * SZ_4K);
	dmamap_free_pages(f->pages, 4);
	dmamap_device_destroy(f->dev);
	iommu_domain_free(f->d);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* Does a one-byte read of page @i of the range go through? Counts stale hits in *@stale. */
static bool reads(struct gfix *f, unsigned int i, u64 *stale)
{
	u8 b;
	u64 before = test_stats(f->m).stale_iotlb_hits;
	int ret = dmamap_bus_read(f->dev, G_IOVA + i * SZ_4K, &b, 1, NULL);

	*stale += test_stats(f->m).stale_iotlb_hits - before;
	return ret == 0;
}

/*
 * iommu_unmap_fast() clears the descriptors but leaves the IOTLB: a device
 * that has a page cached still reaches it (each such access a stale hit)
 * until iommu_iotlb_sync(); the gather holds the range until then and is
 * empty after. iommu_unmap() leaves no such window.
 */
static void test_unmap_fast_sync(void **state)
{
	struct gfix f;
	struct iommu_iotlb_gather g;
	u64 stale = 0;

	(void)state;
	gfix_up(&f, DMAMAP_IOMMU_STRICT);
	for (unsigned int i = 0; i < G_PAGES; i++)
		assert_true(reads(&f, i, &stale));
	assert_int_equal(stale, 0);

	iommu_iotlb_gather_init(&g);
	assert_int_equal(g.start, ULONG_MAX);
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA, 4 * SZ_4K, &g), 4 * SZ_4K);
	assert_int_equal(g.start, G_IOVA);
	assert_int_equal(g.end, G_IOVA + 4 * SZ_4K - 1);
	assert_int_equal(g.pgsize, SZ_4K);
	/* adjacent: the gather grows */
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA + 4 * SZ_4K, 2 * SZ_4K, &g), 2 * SZ_4K);
	assert_int_equal(g.end, G_IOVA + 6 * SZ_4K - 1);
	assert_int_equal(iommu_iova_to_phys(f.d, G_IOVA), 0);
	/* the IOTLB still has them: the device gets through, stale */
	for (unsigned int i = 0; i < 6; i++)
		assert_true(reads(&f, i, &stale));
	assert_int_equal(stale, 6);
	iommu_iotlb_sync(f.d, &g);
	assert_int_equal(g.start, ULONG_MAX);
	assert_int_equal(g.end, 0);
	for (unsigned int i = 0; i < 6; i++)
		assert_false(reads(&f, i, &stale));
	assert_true(reads(&f, 6, &stale));
	assert_int_equal(stale, 6);

	/* a range apart from the one gathered: the gathered one is invalidated first */
	for (unsigned int i = 6; i < G_PAGES; i++)
		assert_true(reads(&f, i, &stale));
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA + 6 * SZ_4K, SZ_4K, &g), SZ_4K);
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA + 10 * SZ_4K, SZ_4K, &g), SZ_4K);
	assert_int_equal(g.start, G_IOVA + 10 * SZ_4K);
	assert_int_equal(g.end, G_IOVA + 11 * SZ_4K - 1);
	assert_false(reads(&f, 6, &stale));
	assert_int_equal(stale, 6);
	/* (the first invalidation took the whole IOTLB: page 10 is walked, and missing) */
	assert_false(reads(&f, 10, &stale));
	iommu_iotlb_sync(f.d, &g);

	/* a queued gather is left alone: the caller flushes by itself */
	assert_true(reads(&f, 12, &stale));
	iommu_iotlb_gather_init(&g);
	g.queued = true;
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA + 12 * SZ_4K, SZ_4K, &g), SZ_4K);
	assert_int_equal(g.start, ULONG_MAX);
	iommu_iotlb_sync(f.d, &g);
	assert_true(reads(&f, 12, &stale));
	assert_int_equal(stale, 7);
	iommu_flush_iotlb_all(f.d);
	assert_false(reads(&f, 12, &stale));

	/* iommu_unmap(): no window */
	assert_true(reads(&f, 13, &stale));
	assert_int_equal(iommu_unmap(f.d, G_IOVA + 13 * SZ_4K, SZ_4K), SZ_4K);
	assert_false(reads(&f, 13, &stale));
	assert_int_equal(stale, 7);

	/* nothing mapped, bad arguments: 0, the gather untouched */
	iommu_iotlb_gather_init(&g);
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA + 13 * SZ_4K, SZ_4K, &g), 0);
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA + 1, SZ_4K, &g), 0);
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA, SZ_4K, NULL), 0);
	assert_int_equal(iommu_unmap_fast(NULL, G_IOVA, SZ_4K, &g), 0);
	assert_int_equal(g.start, ULONG_MAX);
	iommu_iotlb_sync(f.d, &g);
	iommu_iotlb_sync(NULL, &g);
	iommu_iotlb_sync(f.d, NULL);
	gfix_down(&f);
}

/* In a lazy domain the sync queues the invalidation, as iommu_unmap() does there. */
static void test_unmap_fast_lazy(void **state)
{
	struct gfix f;
	struct iommu_iotlb_gather g;
	u64 stale = 0;

	(void)state;
	gfix_up(&f, DMAMAP_IOMMU_LAZY);
	for (unsigned int i = 0; i < 4; i++)
		assert_true(reads(&f, i, &stale));
	iommu_iotlb_gather_init(&g);
	assert_int_equal(iommu_unmap_fast(f.d, G_IOVA, 4 * SZ_4K, &g), 4 * SZ_4K);
	iommu_iotlb_sync(f.d, &g);
	assert_int_equal(g.start, ULONG_MAX);
	for (unsigned int i = 0; i < 4; i++)
		assert_true(reads(&f, i, &stale));
	assert_int_equal(stale, 4);
	iommu_flush_iotlb_all(f.d);
	for (unsigned int i = 0; i < 4; i++)
		assert_false(reads(&f, i, &stale));
	assert_true(reads(&f, 4, &stale));
	assert_int_equal(stale, 4);
	gfix_down(&f);
}

/* --- iommu_map_sg() ----------------------------------------------------------- */

/*
 * iommu_map_sg() maps the entries one after the other from the IOVA,
 * physically contiguous ones in one go (so a block where they make one),
 * and returns the bytes mapped; an entry not aligned to the smallest page,
 * or a map that meets a mapping, fails the call with nothing left mapped.
 */
static void test_map_sg(void **state)
{
	struct dmamap_machine *m = *state;
	struct iommu_domain *d = mkdom(m, (struct dmamap_iommu_config){
		.type = IOMMU_DOMAIN_UNMANAGED });
	struct page *blk = dmamap_alloc_pages(m, GFP_KERNEL, 9), *a = dmamap_alloc_pages(m, 0, 1);
	struct scatterlist sg[4];
	const unsigned long iova = SZ_4M;

	assert_non_null(blk);
	assert_non_null(a);
	/* 1 MiB + 1 MiB contiguous (one 2 MiB block), then two 4 KiB pages elsewhere */
	sg_init_table(sg, 4);
	sg_set_page(&sg[0], blk, SZ_1M, 0);
	sg_set_page(&sg[1], blk + 256, SZ_1M, 0);
	sg_set_page(&sg[2], a + 1, SZ_4K, 0);
	sg_set_page(&sg[3], a, SZ_4K, 0);
	assert_int_equal(iommu_map_sg(d, iova, sg, 4, RW, GFP_KERNEL), SZ_2M + SZ_8K);
	assert_int_equal(iommu_iova_to_phys(d, iova + SZ_1M + 5), page_to_phys(blk) + SZ_1M + 5);
	assert_int_equal(iommu_iova_to_phys(d, iova + SZ_2M), page_to_phys(a + 1));
	assert_int_equal(iommu_iova_to_phys(d, iova + SZ_2M + SZ_4K + 9), page_to_phys(a) + 9);
	assert_int_equal(iommu_iova_to_phys(d, iova + SZ_2M + SZ_8K), 0);
	{
		struct io_pgtable_walk_result r;

		assert_int_equal(io_pgtable_walk(to_dmamap_domain(d)->pgtbl, iova, &r), 0);
		assert_int_equal(r.size, SZ_2M);
	}
	/* over what is mapped: -EEXIST, and the entries mapped before it are taken back */
	assert_int_equal(iommu_map_sg(d, iova - SZ_8K, &sg[2], 2, RW, GFP_KERNEL), SZ_8K);
	assert_int_equal(iommu_unmap(d, iova - SZ_8K, SZ_8K), SZ_8K);
	assert_int_equal(iommu_map_sg(d, iova - SZ_4K, &sg[2], 2, RW, GFP_KERNEL), -EEXIST);
	assert_int_equal(iommu_iova_to_phys(d, iova - SZ_4K), 0);
	/* an entry not aligned to a page: -EINVAL, nothing mapped */
	sg_set_page(&sg[3], a, 100, 0);
	assert_int_equal(iommu_map_sg(d, SZ_1G, &sg[2], 2, RW, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_iova_to_phys(d, SZ_1G), 0);
	/* nothing to map: 0 */
	assert_int_equal(iommu_map_sg(d, SZ_1G, sg, 0, RW, GFP_KERNEL), 0);
	assert_int_equal(iommu_map_sg(NULL, SZ_1G, sg, 1, RW, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map_sg(d, SZ_1G, NULL, 1, RW, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_unmap(d, iova, SZ_2M + SZ_8K), SZ_2M + SZ_8K);
	/* iommu_map_sgtable(): every CPU entry, whatever nents says of DMA segments */
	{
		struct sg_table sgt = { .sgl = sg, .nents = 1, .orig_nents = 2 };

		sg_set_page(&sg[3], a, SZ_4K, 0);
		sg_mark_end(&sg[1]);
		assert_int_equal(iommu_map_sgtable(d, iova, &sgt, RW), SZ_2M);
		assert_int_equal(iommu_iova_to_phys(d, iova + SZ_1M + SZ_4K),
				 page_to_phys(blk) + SZ_1M + SZ_4K);
		assert_int_equal(iommu_unmap(d, iova, SZ_2M), SZ_2M);
	}
	iommu_domain_free(d);
	dmamap_free_pages(blk, 9);
	dmamap_free_pages(a, 1);
}

/* --- iommu_paging_domain_alloc() ---------------------------------------------- */

/*
 * A driver's own paging domain, on the IOMMU its device is behind: the
 * same address sizes, page sizes and IOTLB, UNMANAGED and strict, with
 * tables of its own. A device behind no IOMMU gets -ENODEV.
 */
static void test_paging_domain_alloc(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = test_device(m, NULL, NULL);
	struct iommu_domain *def = mkdom(m, (struct dmamap_iommu_config){
		.type = IOMMU_DOMAIN_UNMANAGED, .ias = 40, .oas = 40,
		.pgsize_bitmap = SZ_64K | SZ_512M, .flush = DMAMAP_IOMMU_LAZY });
	struct iommu_domain *d;
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL, 4);
	u8 b = 0;

	assert_non_null(p);
	assert_ptr_equal(iommu_paging_domain_alloc(dev), ERR_PTR(-ENODEV));
	assert_ptr_equal(iommu_paging_domain_alloc(NULL), ERR_PTR(-EINVAL));
	assert_int_equal(iommu_attach_device(def, dev), 0);
	assert_int_equal(iommu_map(def, SZ_1M, page_to_phys(p), SZ_64K, RW, GFP_KERNEL), 0);
	d = iommu_paging_domain_alloc(dev);
	assert_false(IS_ERR_OR_NULL(d));
	assert_ptr_not_equal(d, def);
	assert_int_equal(d->type, IOMMU_DOMAIN_UNMANAGED);
	assert_int_equal(d->pgsize_bitmap, SZ_64K | SZ_512M);
	assert_int_equal(d->geometry.aperture_end, DMA_BIT_MASK(40));
	assert_int_equal(to_dmamap_domain(d)->cfg.oas, 40);
	assert_int_equal(to_dmamap_domain(d)->cfg.flush, DMAMAP_IOMMU_STRICT);
	/* tables of its own */
	assert_int_equal(iommu_iova_to_phys(d, SZ_1M), 0);
	/* the device moves to it */
	assert_int_equal(iommu_attach_device(d, dev), -EBUSY);
	iommu_detach_device(def, dev);
	assert_int_equal(iommu_attach_device(d, dev), 0);
	assert_int_equal(iommu_map(d, SZ_2M, page_to_phys(p), SZ_64K, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_read(dev, SZ_2M + SZ_4K, &b, 1, NULL), 0);
	assert_int_equal(dmamap_bus_read(dev, SZ_1M, &b, 1, NULL), -EFAULT);
	assert_int_equal(iommu_unmap(d, SZ_2M, SZ_64K), SZ_64K);
	assert_int_equal(iommu_unmap(def, SZ_1M, SZ_64K), SZ_64K);
	dmamap_device_destroy(dev);
	iommu_domain_free(d);
	iommu_domain_free(def);
	dmamap_free_pages(p, 4);
}

/* --- granules through the bus ---------------------------------------------------- */

/*
 * What a device reads and writes through 16 KiB and 64 KiB pages and
 * their blocks: the bus translation walks the format's levels, an access
 * crossing into an unmapped granule stops at its first byte, and a block
 * serves the whole access. Pages of the granule map scattered frames in
 * reverse order, so that every granule boundary is a discontinuity.
 */
static void granule_bus(unsigned long pgsizes, unsigned int ias)
{
	const unsigned long granule = pgsizes & -pgsizes, block = pgsizes & ~granule;
	const unsigned int n = 4;
	const unsigned long at = 4 * block;	/* n granules, then a hole, then a block */
	struct dmamap_machine *m = test_machine(NULL);
	struct iommu_domain *d = mkdom(m, (struct dmamap_iommu_config){
		.type = IOMMU_DOMAIN_UNMANAGED, .ias = ias, .pgsize_bitmap = pgsizes,
		.iotlb_entries = 16 });
	struct device *dev = test_device(m, NULL, NULL);
	unsigned int order = (unsigned int)__builtin_ctzl(granule / SZ_4K);
	unsigned int shift = (unsigned int)__builtin_ctzl(granule), bits = shift - 3;
	unsigned int levels = (ias - shift + bits - 1) / bits;
	struct page *pg[4];
	u8 *buf = malloc(n * granule), *got = malloc(n * granule);
	struct dmamap_fault fault;
	struct dmamap_stats st;
	u64 tables0 = to_dmamap_domain(d)->table_pages;

	assert_non_null(buf);
	assert_non_null(got);
	assert_int_equal(iommu_attach_device(d, dev), 0);
	for (unsigned int i = 0; i < n; i++) {
		pg[i] = dmamap_alloc_pages(m, GFP_KERNEL, order);
		assert_non_null(pg[i]);
		test_fill_pattern(page_address(pg[i]), granule, i + 1);
		assert_int_equal(iommu_map(d, at + (n - 1 - i) * granule, page_to_phys(pg[i]),
					   granule, RW, GFP_KERNEL), 0);
	}
	/* a table of a granule for each level below the top */
	assert_int_equal(to_dmamap_domain(d)->table_pages - tables0,
			 (levels - 1) * (granule / SZ_4K));
	st = test_stats(m);
	assert_int_equal(dmamap_bus_read(dev, at, buf, n * granule, NULL), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(test_check_pattern(buf + (n - 1 - i) * granule, granule, i + 1),
				 -1);
	/* one walk per page of the granule: its leaf serves the rest of it */
	assert_int_equal(test_stats(m).iotlb_misses - st.iotlb_misses, n);
	assert_int_equal(test_stats(m).iotlb_hits - st.iotlb_hits, 0);
	/* a write across the last granule into the hole stops at the hole's first byte */
	memset(buf, 0x5a, granule);
	assert_int_equal(dmamap_bus_write(dev, at + (n - 1) * granule + 100, buf, granule, &fault),
			 -EFAULT);
	assert_int_equal(fault.addr, at + n * granule);
	assert_int_equal(fault.done, granule - 100);
	assert_int_equal(fault.reason, DMAMAP_FAULT_TRANSLATION);
	assert_true(test_all_bytes((u8 *)page_address(pg[0]) + 100, granule - 100, 0x5a));
	/* a granule unmapped: reads stop at its first byte, the others still translate */
	assert_int_equal(iommu_unmap(d, at + granule, granule), granule);
	assert_int_equal(dmamap_bus_read(dev, at, got, n * granule, &fault), -EFAULT);
	assert_int_equal(fault.addr, at + granule);
	assert_int_equal(dmamap_bus_read(dev, at + 2 * granule + granule / 2, got, granule, NULL),
			 0);
	assert_memory_equal(got, (u8 *)page_address(pg[1]) + granule / 2, granule / 2);
	assert_memory_equal(got + granule / 2, page_address(pg[0]), granule / 2);

	/* a block of RAM: the bank's first bytes, through the level-2 leaf */
	assert_int_equal(iommu_map(d, 2 * block, RAM & ~(block - 1), block, IOMMU_READ,
				   GFP_KERNEL), 0);
	{
		phys_addr_t off = RAM - (RAM & ~(block - 1));
		u8 *want = page_address(dmamap_pfn_to_page(m, PHYS_PFN(RAM + SZ_1M)));

		assert_int_equal(dmamap_bus_read(dev, 2 * block + off + SZ_1M, got, granule, NULL),
				 0);
		assert_memory_equal(got, want, granule);
		/* no write through a read-only block */
		assert_int_equal(dmamap_bus_write(dev, 2 * block + off + SZ_1M, got, 1, &fault),
				 -EACCES);
		/* a granule inside it: nothing unmapped, still readable */
		assert_int_equal(iommu_unmap(d, 2 * block + off + SZ_1M, granule), 0);
		assert_int_equal(dmamap_bus_read(dev, 2 * block + off + SZ_1M, got, 8, NULL), 0);
	}
	assert_int_equal(iommu_unmap(d, 2 * block, block), block);
	assert_int_equal(dmamap_bus_read(dev, 2 * block + SZ_1M, got, 8, &fault), -EFAULT);

	for (unsigned int i = 0; i < n; i++) {
		iommu_unmap(d, at + (n - 1 - i) * granule, granule);
		dmamap_free_pages(pg[i], order);
	}
	dmamap_device_destroy(dev);
	iommu_domain_free(d);
	free(buf);
	free(got);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_granule_16k_bus(void **state)
{
	(void)state;
	granule_bus(SZ_16K | SZ_32M, 36);
	granule_bus(SZ_16K | SZ_32M, 48);
}

static void test_granule_64k_bus(void **state)
{
	(void)state;
	granule_bus(SZ_64K | SZ_512M, 42);
	granule_bus(SZ_64K | SZ_512M, 48);
}

/* --- configurations --------------------------------------------------------------- */

/*
 * A domain has one granule with its blocks, an output size a stage-1
 * regime encodes, and (4 KiB only) a walk cache; DMA domains use 4 KiB.
 * Everything else is refused.
 */
static void test_domain_configs(void **state)
{
	static const struct {
		struct dmamap_iommu_config cfg;
		int ret;
		unsigned long pgsizes;		/* the domain's, when created */
	} cases[] = {
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_16K | SZ_32M }, 0,
		  SZ_16K | SZ_32M },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_16K }, 0, SZ_16K },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_64K | SZ_512M }, 0,
		  SZ_64K | SZ_512M },
		/* 29 bits with 64 KiB: one level, no 512 MiB block */
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .ias = 29, .pgsize_bitmap = SZ_64K | SZ_512M },
		  0, SZ_64K },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .ias = 30 }, 0, SZ_4K | SZ_2M },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .oas = 32 }, 0, SZ_4K | SZ_2M | SZ_1G },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_64K,
		    .walk_cache_entries = DMAMAP_IOMMU_NO_WALK_CACHE }, 0, SZ_64K },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_16K | SZ_2M }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_64K | SZ_32M }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_16K | SZ_64K }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_512M }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_64K,
		    .walk_cache_entries = 16 }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_DMA, .pgsize_bitmap = SZ_16K | SZ_32M }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .oas = 52 }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .oas = 38 }, -EINVAL, 0 },
		{ { .type = IOMMU_DOMAIN_UNMANAGED, .oas = 64 }, -EINVAL, 0 },
	};
	struct dmamap_machine *m = *state;

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct iommu_domain *d = NULL;
		int ret = dmamap_iommu_domain_create(m, &cases[i].cfg, &d);

		if (ret != cases[i].ret)
			fail_msg("case %u: %d, expected %d", i, ret, cases[i].ret);
		if (ret) {
			assert_null(d);
			continue;
		}
		assert_int_equal(d->pgsize_bitmap, cases[i].pgsizes);
		assert_int_equal(to_dmamap_domain(d)->cfg.oas,
				 cases[i].cfg.oas ? cases[i].cfg.oas : 48);
		iommu_domain_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_semantics),
		cmocka_unit_test(test_unmap_fast_sync),
		cmocka_unit_test(test_unmap_fast_lazy),
		TEST_MACHINE_CASE(test_map_sg, NULL),
		TEST_MACHINE_CASE(test_paging_domain_alloc, NULL),
		cmocka_unit_test(test_granule_16k_bus),
		cmocka_unit_test(test_granule_64k_bus),
		TEST_MACHINE_CASE(test_domain_configs, NULL),
	};

	return cmocka_run_group_tests_name("iommu-kernel", tests, NULL, NULL);
}
