// SPDX-License-Identifier: MIT
/*
 * Bad input to every public entry point, as a table: each row is one call
 * with one bad argument (NULL, size 0, a huge or wrapping size, an unaligned
 * value, an address nothing was mapped at, a double free or unmap, the wrong
 * device, an invalid direction or attribute) and states what the call does:
 * the value it returns (a negative errno, DMA_MAPPING_ERROR, NULL, an
 * ERR_PTR, 0), how many reports it makes and of which kind, and, where the
 * kernel itself would crash or corrupt memory instead, says so. After every
 * row the machine's counts are what they were before the call: nothing
 * allocated, mapped or freed.
 *
 * The devices: nc (direct, non-coherent, 64-bit), io (behind an IOMMU),
 * d32 (32-bit, bounces RAM above 4 GiB). Debugging is off: the reports
 * counted are the ones the library makes whatever the flags.
 */
#include "test-util.h"

#include <dmamap/dma-buf.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const struct dmamap_bank banks[] = {
	{ 0x80000000ULL, SZ_64M },
	{ 0x100000000ULL, SZ_64M },
};

static struct fix {
	struct dmamap_machine *m;
	struct device *nc, *io, *d32;
	struct iommu_domain *d;
	struct page *pg;		/* order 1, above 4 GiB */
	void *coh;			/* 3 pages coherent on io */
	dma_addr_t coh_h;
	dma_addr_t map;			/* 256 bytes of pg mapped TO_DEVICE on io */
	struct dma_buf *buf;
} F;

#define BAD_DIR		((enum dma_data_direction)7)
#define R_NONE		0		/* no report */

/* What a row's call gives back, as one number: errno, DMA address, pointer or count. */
typedef long long (*row_fn)(void);

struct row {
	const char *call;	/* the function and its bad argument */
	row_fn run;
	long long ret;		/* what it returns */
	unsigned int reports;	/* reports made */
	enum dmamap_debug_kind kind;	/* of the first report */
	const char *kernel;	/* what Linux 6.12 does instead, if it differs */
};

#define ERR(e)		((long long)(e))
#define MAPERR		((long long)DMA_MAPPING_ERROR)
/* A pointer result: its errno if an ERR_PTR, 0 if NULL, 1 if a real pointer. */
static long long ptr_result(const void *p)
{
	return IS_ERR(p) ? (long long)PTR_ERR(p) : p ? 1LL : 0LL;
}

#define PTR_ERRNO(p)	ptr_result(p)

/* --- the calls ------------------------------------------------------------------------- */

static long long alloc_null_dev(void)
{
	dma_addr_t h;

	return PTR_ERRNO(dma_alloc_attrs(NULL, PAGE_SIZE, &h, GFP_KERNEL, 0));
}

static long long alloc_size0(void)
{
	dma_addr_t h;

	return PTR_ERRNO(dma_alloc_attrs(F.nc, 0, &h, GFP_KERNEL, 0));
}

static long long alloc_huge(void)
{
	dma_addr_t h;

	return PTR_ERRNO(dma_alloc_attrs(F.io, SIZE_MAX, &h, GFP_KERNEL, 0));
}

static long long alloc_wrapping(void)
{
	dma_addr_t h;

	return PTR_ERRNO(dma_alloc_attrs(F.nc, SIZE_MAX - PAGE_SIZE + 2, &h, GFP_KERNEL, 0));
}

static long long free_null(void)
{
	dma_free_attrs(F.nc, PAGE_SIZE, NULL, 0, 0);
	return 0;
}

static long long free_unknown(void)
{
	dma_free_attrs(F.io, PAGE_SIZE, (void *)0x1000, 0x1000, 0);
	return 0;
}

static long long free_wrong_size(void)
{
	dma_free_attrs(F.io, 64 * PAGE_SIZE, F.coh, F.coh_h, 0);
	return 0;
}

static long long free_wrong_dev(void)
{
	dma_free_attrs(F.nc, 3 * PAGE_SIZE, F.coh, F.coh_h, 0);
	return 0;
}

static long long map_single_null_dev(void)
{
	return (long long)dma_map_single(NULL, page_address(F.pg), 64, DMA_TO_DEVICE);
}

static long long map_single_size0(void)
{
	return (long long)dma_map_single(F.nc, page_address(F.pg), 0, DMA_TO_DEVICE);
}

static long long map_single_bad_dir(void)
{
	return (long long)dma_map_single(F.nc, page_address(F.pg), 64, BAD_DIR);
}

static long long map_single_dma_none(void)
{
	return (long long)dma_map_single(F.io, page_address(F.pg), 64, DMA_NONE);
}

static long long map_single_heap(void)
{
	static char not_linear[64];

	return (long long)dma_map_single(F.nc, not_linear, sizeof(not_linear), DMA_TO_DEVICE);
}

static long long map_page_null(void)
{
	return (long long)dma_map_page(F.nc, NULL, 0, 64, DMA_TO_DEVICE);
}

static long long map_page_wrapping(void)
{
	return (long long)dma_map_page(F.io, F.pg, 16, SIZE_MAX, DMA_TO_DEVICE);
}

static long long map_page_past_bank(void)
{
	return (long long)dma_map_page(F.d32, F.pg, 0, SZ_128M, DMA_TO_DEVICE);
}

static long long unmap_unknown(void)
{
	dma_unmap_single(F.io, 0x1000, 64, DMA_TO_DEVICE);
	return 0;
}

static long long unmap_wrong_size(void)
{
	dma_unmap_page(F.io, F.map, 8 * PAGE_SIZE, DMA_TO_DEVICE);
	return 0;
}

/* the IOVA allocator works down: the coherent buffer lies just above the mapping */
static long long unmap_past(void)
{
	dma_unmap_page(F.io, F.map + PAGE_SIZE, 64, DMA_TO_DEVICE);
	return 0;
}

static long long unmap_bad_dir(void)
{
	dma_unmap_page(F.io, F.map, 256, BAD_DIR);
	return 0;
}

static long long unmap_null_dev(void)
{
	dma_unmap_page(NULL, F.map, 256, DMA_TO_DEVICE);
	return 0;
}

static long long map_sg_null(void)
{
	return dma_map_sg(F.nc, NULL, 1, DMA_TO_DEVICE);
}

static long long map_sg_nents0(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, page_address(F.pg), 64);
	return dma_map_sg(F.nc, &sg, 0, DMA_TO_DEVICE);
}

static long long map_sg_negative(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, page_address(F.pg), 64);
	return dma_map_sg(F.io, &sg, -1, DMA_TO_DEVICE);
}

static long long map_sg_past_list(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, page_address(F.pg), 64);
	return dma_map_sg(F.d32, &sg, 3, DMA_TO_DEVICE);
}

static long long map_sg_no_page(void)
{
	struct scatterlist sg[2];

	sg_init_table(sg, 2);
	sg_set_page(&sg[0], F.pg, 64, 0);
	sg_set_page(&sg[1], NULL, 64, 0);
	return dma_map_sg(F.io, sg, 2, DMA_TO_DEVICE);
}

static long long map_sg_len0(void)
{
	struct scatterlist sg[2];

	sg_init_table(sg, 2);
	sg_set_page(&sg[0], F.pg, 0, 0);
	sg_set_page(&sg[1], F.pg, 64, 0);
	return dma_map_sg(F.nc, sg, 2, DMA_TO_DEVICE);
}

static long long map_sgtable_null(void)
{
	return dma_map_sgtable(F.nc, NULL, DMA_TO_DEVICE, 0);
}

static long long sync_unknown(void)
{
	dma_sync_single_for_cpu(F.io, 0x1000, 64, DMA_FROM_DEVICE);
	return 0;
}

static long long sync_bad_dir(void)
{
	dma_sync_single_for_device(F.io, F.map, 64, BAD_DIR);
	return 0;
}

static long long sync_past_bounce(void)
{
	dma_addr_t h = dma_map_page(F.d32, F.pg, 0, 256, DMA_FROM_DEVICE);

	dma_sync_single_for_cpu(F.d32, h, SZ_64K, DMA_FROM_DEVICE);
	dma_unmap_page(F.d32, h, 256, DMA_FROM_DEVICE);
	return 0;
}

static long long noncontig_size0(void)
{
	return PTR_ERRNO(dma_alloc_noncontiguous(F.io, 0, DMA_TO_DEVICE, GFP_KERNEL, 0));
}

static long long noncontig_huge(void)
{
	return PTR_ERRNO(dma_alloc_noncontiguous(F.io, SIZE_MAX - 4095, DMA_TO_DEVICE,
						 GFP_KERNEL, 0));
}

static long long noncontig_bad_dir(void)
{
	return PTR_ERRNO(dma_alloc_noncontiguous(F.io, PAGE_SIZE, BAD_DIR, GFP_KERNEL, 0));
}

static long long free_noncontig_null(void)
{
	dma_free_noncontiguous(F.io, PAGE_SIZE, NULL, DMA_TO_DEVICE);
	return 0;
}

static long long set_mask_zero(void)
{
	return dma_set_mask(F.nc, 0);
}

static long long set_mask_null(void)
{
	return dma_set_mask(NULL, DMA_BIT_MASK(32));
}

static long long iommu_map_unaligned(void)
{
	return iommu_map(F.d, 0x100001, page_to_phys(F.pg), PAGE_SIZE, IOMMU_READ, GFP_KERNEL);
}

static long long iommu_map_size0(void)
{
	return iommu_map(F.d, 0x100000, page_to_phys(F.pg), 0, IOMMU_READ, GFP_KERNEL);
}

static long long iommu_map_wrap(void)
{
	return iommu_map(F.d, 0x100000, ~0ULL - 4095, 2 * PAGE_SIZE, IOMMU_READ, GFP_KERNEL);
}

static long long iommu_map_null(void)
{
	return iommu_map(NULL, 0x100000, page_to_phys(F.pg), PAGE_SIZE, IOMMU_READ, GFP_KERNEL);
}

static long long iommu_unmap_unmapped(void)
{
	return (long long)iommu_unmap(F.d, 0x200000, PAGE_SIZE);
}

static long long attach_null(void)
{
	return iommu_attach_device(NULL, F.nc);
}

static long long attach_twice(void)
{
	return iommu_attach_device(F.d, F.io);
}

static long long sg_alloc_zero(void)
{
	struct sg_table t;

	return sg_alloc_table(&t, 0, GFP_KERNEL);
}

static long long sg_alloc_huge(void)
{
	struct sg_table t;

	return sg_alloc_table(&t, UINT_MAX, GFP_KERNEL);
}

static long long bus_read_null_dev(void)
{
	u8 b[8];

	return dmamap_bus_read(NULL, F.map, b, sizeof(b), NULL);
}

static long long bus_read_null_buf(void)
{
	return dmamap_bus_read(F.io, F.map, NULL, 8, NULL);
}

static long long bus_write_wrapping(void)
{
	u8 b[8] = { 0 };

	return dmamap_bus_write(F.nc, ~0ULL - 3, b, sizeof(b), NULL);
}

static long long bus_write_read_only(void)
{
	u8 b[8] = { 0 };

	return dmamap_bus_write(F.io, F.map, b, sizeof(b), NULL);
}

static long long bus_read_unmapped(void)
{
	u8 b[8];

	return dmamap_bus_read(F.io, 0x1000, b, sizeof(b), NULL);
}

static long long buf_alloc_size0(void)
{
	return PTR_ERRNO(dmamap_dma_buf_alloc(F.nc, 0, 0));
}

static long long buf_attach_null(void)
{
	return PTR_ERRNO(dma_buf_attach(NULL, F.nc));
}

static long long buf_attach_null_dev(void)
{
	return PTR_ERRNO(dma_buf_attach(F.buf, NULL));
}

static long long buf_cpu_access_bad_dir(void)
{
	return dma_buf_begin_cpu_access(F.buf, BAD_DIR);
}

static long long kfree_foreign(void)
{
	static char heap[64];

	dmamap_kfree(F.m, heap);
	return 0;
}

static long long kmalloc_huge(void)
{
	return PTR_ERRNO(dmamap_kmalloc(F.m, SIZE_MAX, GFP_KERNEL));
}

static long long free_pages_foreign(void)
{
	dmamap_free_pages((struct page *)&F, 0);
	return 0;
}

static long long alloc_pages_huge_order(void)
{
	return PTR_ERRNO(dmamap_alloc_pages(F.m, GFP_KERNEL, 40));
}

static long long vunmap_unknown(void)
{
	vunmap(F.coh);		/* in the VA window, made by dma_alloc_coherent() */
	return 0;
}

static long long vma_create_size0(void)
{
	struct vm_area_struct *vma;

	return dmamap_vma_create(F.m, 0, 0, &vma);
}

static long long mmap_too_small(void)
{
	struct vm_area_struct *vma;
	long long ret;

	assert_int_equal(dmamap_vma_create(F.m, PAGE_SIZE, 0, &vma), 0);
	/* a VMA of one page and an offset past the buffer's three */
	vma->vm_pgoff = 3;
	ret = dma_mmap_attrs(F.io, vma, F.coh, F.coh_h, 3 * PAGE_SIZE, 0);
	dmamap_vma_destroy(vma);
	return ret;
}

/* --- the table ------------------------------------------------------------------------ */

static const struct row rows[] = {
	{ "dma_alloc_attrs(NULL device)", alloc_null_dev, 0, R_NONE, 0, "NULL dereference" },
	{ "dma_alloc_attrs(size 0)", alloc_size0, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON_ONCE(!size), NULL" },
	{ "dma_alloc_attrs(SIZE_MAX) through an IOMMU", alloc_huge, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "NULL, after the allocator's warning" },
	{ "dma_alloc_attrs(size that wraps at PAGE_ALIGN)", alloc_wrapping, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "NULL, after the allocator's warning" },
	{ "dma_free_attrs(NULL cpu_addr)", free_null, 0, R_NONE, 0, NULL },
	{ "dma_free_attrs(address never allocated)", free_unknown, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "frees whatever the address names" },
	{ "dma_free_attrs(wrong size)", free_wrong_size, 0, 1, DMAMAP_DEBUG_FREE_MISMATCH,
	  "unmaps and frees the wrong number of pages" },
	{ "dma_free_attrs(wrong device)", free_wrong_dev, 0, 1, DMAMAP_DEBUG_UNKNOWN_ADDR,
	  "dma-direct frees pages the IOMMU still maps" },
	{ "dma_map_single(NULL device)", map_single_null_dev, MAPERR, R_NONE, 0,
	  "NULL dereference" },
	{ "dma_map_single(size 0)", map_single_size0, MAPERR, 1, DMAMAP_DEBUG_MISUSE, NULL },
	{ "dma_map_single(direction 7)", map_single_bad_dir, MAPERR, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))" },
	{ "dma_map_single(DMA_NONE)", map_single_dma_none, MAPERR, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))" },
	{ "dma_map_single(not the linear map)", map_single_heap, MAPERR, 1,
	  DMAMAP_DEBUG_BAD_MEMORY, "maps whatever virt_to_page() makes of it" },
	{ "dma_map_page(NULL page)", map_page_null, MAPERR, R_NONE, 0,
	  "page_to_phys(NULL): a bogus address or a crash" },
	{ "dma_map_page(size wrapping the address space)", map_page_wrapping, MAPERR, 1,
	  DMAMAP_DEBUG_MISUSE, NULL },
	{ "dma_map_page(past the end of its bank)", map_page_past_bank, MAPERR, 1,
	  DMAMAP_DEBUG_MISUSE, NULL },
	{ "dma_unmap_single(address never mapped) via IOMMU", unmap_unknown, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "unmaps whatever IOVA it names" },
	{ "dma_unmap_page(larger than mapped) via IOMMU", unmap_wrong_size, 0, 1,
	  DMAMAP_DEBUG_WRONG_SIZE, "unmaps the neighbours' IOVA too" },
	/*
	 * With the debugger off the IOMMU backend knows mappings by their pages:
	 * an unmap at an offset inside the first page of a mapping is taken as
	 * the mapping, as in the kernel (DMAMAP_DEBUG_API reports it).
	 */
	{ "dma_unmap_page(the next mapping's start, another size) via IOMMU", unmap_past, 0, 1,
	  DMAMAP_DEBUG_WRONG_SIZE, "unmaps part of the other mapping" },
	{ "dma_unmap_page(direction 7)", unmap_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))" },
	{ "dma_unmap_page(NULL device)", unmap_null_dev, 0, R_NONE, 0, "NULL dereference" },
	{ "dma_map_sg(NULL list)", map_sg_null, 0, R_NONE, 0, "NULL dereference" },
	{ "dma_map_sg(nents 0)", map_sg_nents0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL },
	{ "dma_map_sg(nents -1) via IOMMU", map_sg_negative, 0, 1, DMAMAP_DEBUG_MISUSE, NULL },
	{ "dma_map_sg(nents past the list's end)", map_sg_past_list, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "reads past the array" },
	{ "dma_map_sg(entry without a page) via IOMMU", map_sg_no_page, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "page_to_phys(NULL)" },
	{ "dma_map_sg(entry of length 0)", map_sg_len0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL },
	{ "dma_map_sgtable(NULL table)", map_sgtable_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference" },
	{ "dma_sync_single_for_cpu(address never mapped) via IOMMU", sync_unknown, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "iommu_iova_to_phys() gives 0: cache maintenance of page 0" },
	{ "dma_sync_single_for_device(direction 7)", sync_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))" },
	{ "dma_sync_single_for_cpu(64 KiB of a 256-byte bounce buffer)", sync_past_bounce, 0, 1,
	  DMAMAP_DEBUG_SYNC_RANGE, "clamped to the slot, with a warning" },
	{ "dma_alloc_noncontiguous(size 0)", noncontig_size0, 0, R_NONE, 0, NULL },
	{ "dma_alloc_noncontiguous(SIZE_MAX - 4095)", noncontig_huge, 0, R_NONE, 0, NULL },
	{ "dma_alloc_noncontiguous(direction 7)", noncontig_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON_ONCE(!valid_dma_direction(dir))" },
	{ "dma_free_noncontiguous(NULL table)", free_noncontig_null, 0, R_NONE, 0,
	  "NULL dereference" },
	{ "dma_set_mask(0)", set_mask_zero, ERR(-EIO), R_NONE, 0, NULL },
	{ "dma_set_mask(NULL device)", set_mask_null, ERR(-EIO), R_NONE, 0,
	  "NULL dereference" },
	{ "iommu_map(unaligned IOVA)", iommu_map_unaligned, ERR(-EINVAL), 1, DMAMAP_DEBUG_MISUSE,
	  "pr_err() and -EINVAL" },
	{ "iommu_map(size 0)", iommu_map_size0, 0, R_NONE, 0, NULL },
	{ "iommu_map(physical range wrapping 2^64)", iommu_map_wrap, ERR(-ERANGE), 1,
	  DMAMAP_DEBUG_MISUSE, NULL },
	{ "iommu_map(NULL domain)", iommu_map_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference" },
	{ "iommu_unmap(nothing mapped there)", iommu_unmap_unmapped, 0, R_NONE, 0, NULL },
	{ "iommu_attach_device(NULL domain)", attach_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference" },
	{ "iommu_attach_device(already attached)", attach_twice, 0, R_NONE, 0, NULL },
	{ "sg_alloc_table(0 entries)", sg_alloc_zero, ERR(-EINVAL), R_NONE, 0, NULL },
	{ "sg_alloc_table(UINT_MAX entries)", sg_alloc_huge, ERR(-ENOMEM), R_NONE, 0,
	  "allocates chunk after chunk for as long as memory lasts" },
	{ "dmamap_bus_read(NULL device)", bus_read_null_dev, ERR(-EINVAL), R_NONE, 0, NULL },
	{ "dmamap_bus_read(NULL buffer)", bus_read_null_buf, ERR(-EINVAL), R_NONE, 0, NULL },
	{ "dmamap_bus_write(wrapping the DMA address space)", bus_write_wrapping, ERR(-EINVAL),
	  R_NONE, 0, NULL },
	{ "dmamap_bus_write(into a TO_DEVICE IOMMU mapping)", bus_write_read_only, ERR(-EACCES),
	  R_NONE, 0, NULL },
	{ "dmamap_bus_read(IOVA never mapped)", bus_read_unmapped, ERR(-EFAULT), R_NONE, 0,
	  NULL },
	{ "dmamap_dma_buf_alloc(size 0)", buf_alloc_size0, ERR(-EINVAL), R_NONE, 0, NULL },
	{ "dma_buf_attach(NULL buffer)", buf_attach_null, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf || !dev), -EINVAL" },
	{ "dma_buf_attach(NULL device)", buf_attach_null_dev, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf || !dev), -EINVAL" },
	{ "dma_buf_begin_cpu_access(direction 7)", buf_cpu_access_bad_dir, ERR(-EINVAL), R_NONE,
	  0, "passed to the exporter" },
	{ "dmamap_kfree(not from kmalloc)", kfree_foreign, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "corrupts the slab" },
	{ "dmamap_kmalloc(SIZE_MAX)", kmalloc_huge, 0, R_NONE, 0, NULL },
	/* no machine to count it against: said on stderr */
	{ "dmamap_free_pages(not a page of any machine)", free_pages_foreign, 0, R_NONE, 0,
	  "corrupts the buddy allocator" },
	{ "dmamap_alloc_pages(order 40)", alloc_pages_huge_order, 0, R_NONE, 0,
	  "WARN_ON_ONCE(order > MAX_PAGE_ORDER), NULL" },
	{ "vunmap(a coherent buffer's mapping)", vunmap_unknown, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN: Trying to vunmap() nonexistent vm area" },
	{ "dmamap_vma_create(size 0)", vma_create_size0, ERR(-EINVAL), R_NONE, 0, NULL },
	{ "dma_mmap_attrs(offset past the buffer)", mmap_too_small, ERR(-ENXIO), R_NONE, 0,
	  NULL },
};

/* --- the harness ------------------------------------------------------------------------ */

static void setup(void)
{
	struct dmamap_machine_config mc = {
		.banks = banks, .nr_banks = 2, .cache = DMAMAP_CACHE_NONCOHERENT,
	};

	F.m = test_machine(&mc);
	assert_int_equal(dmamap_device_create(F.m, &(struct dmamap_device_config){
		.name = "nc", .dma_mask = DMA_BIT_MASK(64) }, &F.nc), 0);
	assert_int_equal(dmamap_device_create(F.m, &(struct dmamap_device_config){
		.name = "io" }, &F.io), 0);
	assert_int_equal(dmamap_device_create(F.m, &(struct dmamap_device_config){
		.name = "d32" }, &F.d32), 0);
	assert_int_equal(dmamap_iommu_domain_create(F.m, &(struct dmamap_iommu_config){
		.type = IOMMU_DOMAIN_DMA }, &F.d), 0);
	assert_int_equal(iommu_attach_device(F.d, F.io), 0);
	F.pg = dmamap_alloc_pages(F.m, GFP_KERNEL, 1);
	assert_non_null(F.pg);
	assert_true(page_to_phys(F.pg) >= 0x100000000ULL);
	F.coh = dma_alloc_coherent(F.io, 3 * PAGE_SIZE, &F.coh_h, GFP_KERNEL);
	assert_non_null(F.coh);
	F.map = dma_map_page(F.io, F.pg, 0, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(F.io, F.map));
	F.buf = dmamap_dma_buf_alloc(F.nc, PAGE_SIZE, 0);
	assert_false(IS_ERR_OR_NULL(F.buf));
}

static void teardown(void)
{
	dma_buf_put(F.buf);
	dma_unmap_page(F.io, F.map, 256, DMA_TO_DEVICE);
	dma_free_coherent(F.io, 3 * PAGE_SIZE, F.coh, F.coh_h);
	dmamap_free_pages(F.pg, 1);
	iommu_detach_device(F.d, F.io);
	iommu_domain_free(F.d);
	dmamap_device_destroy(F.nc);
	dmamap_device_destroy(F.io);
	dmamap_device_destroy(F.d32);
	test_assert_no_leaks(F.m);
	dmamap_machine_destroy(F.m);
}

/* The counts a bad call must leave as they were. */
static bool same_state(const struct dmamap_stats *a, const struct dmamap_stats *b)
{
	return a->pages_free == b->pages_free && a->vmalloc_bytes == b->vmalloc_bytes &&
	       a->vmalloc_areas == b->vmalloc_areas && a->host_vmas == b->host_vmas &&
	       a->cookies == b->cookies && a->kmalloc_bytes == b->kmalloc_bytes &&
	       a->swiotlb_slots_used == b->swiotlb_slots_used &&
	       a->atomic_pool_used == b->atomic_pool_used &&
	       a->iova_pages_used == b->iova_pages_used;
}

static void test_bad_input(void **state)
{
	unsigned int failed = 0;

	(void)state;
	setup();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct test_reports rep;
		struct dmamap_stats s0 = test_stats(F.m), s1;
		long long ret;
		bool ok;

		test_reports_record(F.m, &rep);
		ret = r->run();
		test_reports_stop(F.m);
		s1 = test_stats(F.m);
		ok = ret == r->ret && rep.n == r->reports &&
		     (!r->reports || rep.kind[0] == r->kind) && same_state(&s0, &s1);
		if (!ok) {
			printf("%s: returned %lld (table: %lld), %u reports of kind %d "
			       "(table: %u of %d), state %s\n", r->call, ret, r->ret, rep.n,
			       rep.n ? (int)rep.kind[0] : 0, r->reports, (int)r->kind,
			       same_state(&s0, &s1) ? "unchanged" : "CHANGED");
			failed++;
		}
	}
	teardown();
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
