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
 * counted are the ones the library makes whatever the flags. A report about
 * nothing of a machine (a reservation, a frame of no machine, a dma-buf
 * export) goes to stderr, where the rows count its lines.
 *
 * Every function of <dmamap/...> has a row, but these, for the reasons given:
 *
 * - The _attrs and plain forms are one function (dma_map_page() is
 *   dma_map_page_attrs() with 0), and so are the inline wrappers of one call:
 *   dma_alloc_wc(), dma_free_wc(), dma_mmap_coherent(), dma_mmap_wc(),
 *   dmam_alloc_coherent(), dma_pool_zalloc(), devm_kzalloc(),
 *   dma_resv_lock_interruptible(), dma_resv_lock_slow_interruptible(),
 *   dma_sync_single_range_for_cpu(), dma_sync_sgtable_for_*(),
 *   iommu_map_sgtable() (a row each where the wrapper adds arithmetic).
 *   The table wrappers dereference the table as the kernel's do.
 * - Calls with no argument that can be bad: dmamap_version(),
 *   dmamap_machine_current(), dmamap_warn_count(), dma_get_cache_alignment().
 * - The kernel's accessors of a valid frame or entry, on every fast path and
 *   unchecked as in the kernel: page_address(), page_to_phys(),
 *   page_to_pfn(), nth_page(), sg_phys(), sg_virt() of an entry without a
 *   page, and the inline entry, chain and page-iterator helpers of
 *   <dmamap/scatterlist.h>. dmamap_page_machine() and
 *   dmamap_virt_to_page() are the checked questions, in the table.
 * - Helpers that only compute on what they are given, as the kernel's:
 *   ERR_PTR() and friends, gfpflags_allow_blocking(), valid_dma_direction(),
 *   pgprot_*(), vm_get_page_prot(), vma_pages(), vm_flags_*(),
 *   dev_get_drvdata(), dev_set_drvdata(), dma_buf_is_dynamic(),
 *   dma_buf_attachment_is_dynamic(), iommu_iotlb_gather_init() and the
 *   iosys_map_*() accessors, which copy through the map they are given.
 * - dmamap_vprintk() is dmamap_printk() with a va_list (its row); dmamap_bug()
 *   ends the process by contract, as BUG() does.
 * - ww_acquire_init(), ww_acquire_done(), dma_resv_init() initialise what
 *   they are given; their misuse shows in the rows of the calls after them.
 * - The <linux/...> compatibility headers: their allocation and page calls
 *   are the public calls on the current machine (kmalloc() is
 *   dmamap_kmalloc(), alloc_pages() dmamap_alloc_pages(), with no current
 *   machine a NULL one: rows above); the misuse of their own primitives (a
 *   refcount taken after its last put, a mutex unlocked by a thread that
 *   does not hold it, kcalloc() overflowing) is checked in
 *   tests/compat/test-compat.c; lists, min/max, bit and I/O accessors
 *   compute on what they are given, as the kernel's.
 * - A struct device never registered (zeroed, not given to a machine) is no
 *   handle of the library: calls given one are undefined, as the kernel's
 *   are for a device without a bus.
 */
#include "test-util.h"

#include <dmamap/dma-buf.h>
#include <dmamap/dma-map-ops.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	struct dma_buf_attachment *att;	/* of buf, for io, not mapped */
	struct dma_pool *pool;		/* 64-byte blocks on nc */
	void *blk;			/* one block of it */
	dma_addr_t blk_h;
	void *devm;			/* 64 bytes managed by nc */
	void *dmam;			/* one page, managed, coherent on io */
	dma_addr_t dmam_h;
	struct dmamap_mmio_region *mmio; /* 64 KiB of registers at MMIO_BASE */
	dma_addr_t res;			/* its first page mapped on io */
	void *va;			/* both pages of pg, vmapped */
	struct sg_table sgt;		/* one page of pg, mapped on io */
	struct vm_area_struct *vma;	/* one page, unused */
	/* where calls whose result does not matter put it */
	dma_addr_t scratch_h;
	struct dmamap_mmio_region *scratch_mmio;
	struct iommu_domain *scratch_d;
	struct iosys_map scratch_map;
	struct dmamap_iommu_fault faults[4];
	struct device *scratch_dev;
	struct device embedded;
	struct vm_area_struct *scratch_vma;
	struct sg_table scratch_sgt;
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
	/*
	 * Lines the call writes on stderr: a report about no device of any
	 * machine (a reservation, a dma-buf's export, a frame of no machine)
	 * has no machine to count it against or hand it to, so it is said there.
	 */
	unsigned int said;
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

static long long map_sg_other_machine(void)
{
	struct dmamap_machine *m2 = test_machine(NULL);
	struct page *p = dmamap_alloc_pages(m2, GFP_KERNEL, 0);
	struct scatterlist sg;
	long long ret;

	assert_non_null(p);
	sg_init_table(&sg, 1);
	sg_set_page(&sg, p, 64, 0);
	ret = dma_map_sg(F.nc, &sg, 1, DMA_TO_DEVICE);
	dmamap_free_pages(p, 0);
	dmamap_machine_destroy(m2);
	return ret;
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

/* an address inside the swiotlb pool, a page past a bounced mapping: no mapping's start */
static long long sync_inside_pool(void)
{
	dma_addr_t h = dma_map_page(F.d32, F.pg, 0, 256, DMA_FROM_DEVICE);

	assert_false(dma_mapping_error(F.d32, h));
	dma_sync_single_for_cpu(F.d32, h + PAGE_SIZE, 64, DMA_FROM_DEVICE);
	dma_unmap_page(F.d32, h, 256, DMA_FROM_DEVICE);
	return 0;
}

static long long unmap_inside_pool(void)
{
	dma_addr_t h = dma_map_page(F.d32, F.pg, 0, 256, DMA_FROM_DEVICE);

	assert_false(dma_mapping_error(F.d32, h));
	dma_unmap_page(F.d32, h + PAGE_SIZE, 64, DMA_FROM_DEVICE);
	dma_unmap_page(F.d32, h, 256, DMA_FROM_DEVICE);
	return 0;
}

static long long sync_range_past_bounce(void)
{
	dma_addr_t h = dma_map_page(F.d32, F.pg, 0, 256, DMA_TO_DEVICE);

	dma_sync_single_range_for_device(F.d32, h, 192, 128, DMA_TO_DEVICE);
	dma_unmap_page(F.d32, h, 256, DMA_TO_DEVICE);
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

/*
 * The rows below are made of one-line calls: CALL returns the call's value,
 * PTR its pointer result as ptr_result() says it, VOID runs a call that
 * returns nothing.
 */
#define CALL(fn, expr)	static long long fn(void) { return (long long)(expr); }
#define PTR(fn, expr)	static long long fn(void) { return PTR_ERRNO(expr); }
#define VOID(fn, stmt)	static long long fn(void) { stmt; return 0; }

#define KPROT	(DMAMAP_PGPROT_NORMAL | DMAMAP_PGPROT_READ | DMAMAP_PGPROT_WRITE)

static char heap_bytes[256];		/* host memory, no machine's */

/* --- dmapool -------------------------------------------------------------------------- */

PTR(pool_create_null_dev, dma_pool_create("p", NULL, 64, 8, 0))
PTR(pool_create_size0, dma_pool_create("p", F.nc, 0, 8, 0))
PTR(pool_create_huge, dma_pool_create("p", F.nc, (size_t)INT_MAX + 1, 8, 0))
PTR(pool_create_align3, dma_pool_create("p", F.nc, 64, 3, 0))
PTR(pool_create_small_boundary, dma_pool_create("p", F.nc, 128, 8, 64))
PTR(pool_create_odd_boundary, dma_pool_create("p", F.nc, 64, 8, 3 * 64))
VOID(pool_destroy_null, dma_pool_destroy(NULL))
PTR(pool_alloc_null_pool, dma_pool_alloc(NULL, GFP_KERNEL, &F.scratch_h))
PTR(pool_alloc_null_handle, dma_pool_alloc(F.pool, GFP_KERNEL, NULL))
VOID(pool_free_null_pool, dma_pool_free(NULL, F.blk, F.blk_h))
VOID(pool_free_null_vaddr, dma_pool_free(F.pool, NULL, F.blk_h))
VOID(pool_free_inside, dma_pool_free(F.pool, (u8 *)F.blk + 8, F.blk_h + 8))
VOID(pool_free_wrong_dma, dma_pool_free(F.pool, F.blk, F.blk_h + 64))
VOID(pool_free_never_allocated, dma_pool_free(F.pool, (u8 *)F.blk + 64, F.blk_h + 64))
VOID(pool_free_foreign, dma_pool_free(F.pool, heap_bytes, 0x1000))

static long long pool_free_twice(void)
{
	dma_addr_t h;
	void *b = dma_pool_alloc(F.pool, GFP_KERNEL, &h);

	assert_non_null(b);
	dma_pool_free(F.pool, b, h);
	dma_pool_free(F.pool, b, h);
	return 0;
}

static long long pool_free_other_pool(void)
{
	struct dma_pool *other = dma_pool_create("other", F.nc, 64, 64, 0);

	assert_non_null(other);
	dma_pool_free(other, F.blk, F.blk_h);
	dma_pool_destroy(other);
	return 0;
}

/* a device of its own: the pool's busy chunk stays with the device until it goes */
static long long pool_destroy_busy(void)
{
	struct device *dev;
	struct dma_pool *p;
	dma_addr_t h;

	assert_int_equal(dmamap_device_create(F.m, &(struct dmamap_device_config){ 0 }, &dev), 0);
	p = dma_pool_create("busy", dev, 64, 64, 0);
	assert_non_null(p);
	assert_non_null(dma_pool_alloc(p, GFP_KERNEL, &h));
	dma_pool_destroy(p);
	dmamap_device_destroy(dev);
	return 0;
}

static long long pool_destroy_managed(void)
{
	struct dma_pool *p = dmam_pool_create("managed", F.nc, 64, 64, 0);

	assert_non_null(p);
	/* reported, then destroyed as dmam_pool_destroy() does: the device no longer owns it */
	dma_pool_destroy(p);
	return 0;
}

PTR(dmam_pool_create_null_dev, dmam_pool_create("p", NULL, 64, 8, 0))
PTR(dmam_pool_create_size0, dmam_pool_create("p", F.nc, 0, 8, 0))
VOID(dmam_pool_destroy_null, dmam_pool_destroy(NULL))
VOID(dmam_pool_destroy_unmanaged, dmam_pool_destroy(F.pool))

/* --- devres ----------------------------------------------------------------------------- */

PTR(devm_kmalloc_null_dev, devm_kmalloc(NULL, 64, GFP_KERNEL))
PTR(devm_kmalloc_size0, devm_kmalloc(F.nc, 0, GFP_KERNEL))
PTR(devm_kmalloc_huge, devm_kmalloc(F.nc, SIZE_MAX, GFP_KERNEL))
PTR(devm_kmalloc_array_overflow, devm_kmalloc_array(F.nc, SIZE_MAX / 2, 4, GFP_KERNEL))
PTR(devm_kcalloc_overflow, devm_kcalloc(F.nc, 3, SIZE_MAX / 2, GFP_KERNEL))
VOID(devm_kfree_null, devm_kfree(F.nc, NULL))
VOID(devm_kfree_null_dev, devm_kfree(NULL, F.devm))
VOID(devm_kfree_unmanaged, devm_kfree(F.nc, heap_bytes))
VOID(devm_kfree_wrong_dev, devm_kfree(F.io, F.devm))

static long long devm_kfree_twice(void)
{
	void *p = devm_kmalloc(F.nc, 64, GFP_KERNEL);

	assert_non_null(p);
	devm_kfree(F.nc, p);
	devm_kfree(F.nc, p);
	return 0;
}

static long long dmam_alloc_null_dev(void)
{
	return PTR_ERRNO(dmam_alloc_attrs(NULL, PAGE_SIZE, &F.scratch_h, GFP_KERNEL, 0));
}

static long long dmam_alloc_size0(void)
{
	return PTR_ERRNO(dmam_alloc_attrs(F.nc, 0, &F.scratch_h, GFP_KERNEL, 0));
}

VOID(dmam_free_unknown, dmam_free_coherent(F.io, PAGE_SIZE, heap_bytes, 0x1000))
VOID(dmam_free_wrong_size, dmam_free_coherent(F.io, 2 * PAGE_SIZE, F.dmam, F.dmam_h))
VOID(dmam_free_unmanaged, dmam_free_coherent(F.io, 3 * PAGE_SIZE, F.coh, F.coh_h))
VOID(dmam_free_null_dev, dmam_free_coherent(NULL, PAGE_SIZE, F.dmam, F.dmam_h))

/* --- dma_resv: reservations belong to no machine; their reports go to stderr ------------ */

static long long resv_unlock_not_held(void)
{
	struct dma_resv r;

	dma_resv_init(&r);
	dma_resv_unlock(&r);
	dma_resv_fini(&r);
	return 0;
}

static long long resv_lock_twice(void)
{
	struct dma_resv r;
	long long ret;

	dma_resv_init(&r);
	assert_int_equal(dma_resv_lock(&r, NULL), 0);
	ret = dma_resv_lock(&r, NULL);
	dma_resv_unlock(&r);
	dma_resv_fini(&r);
	return ret;
}

static long long resv_lock_twice_ctx(void)
{
	struct ww_acquire_ctx ctx;
	struct dma_resv r;
	long long ret;

	dma_resv_init(&r);
	ww_acquire_init(&ctx, &reservation_ww_class);
	assert_int_equal(dma_resv_lock(&r, &ctx), 0);
	ret = dma_resv_lock(&r, &ctx);
	dma_resv_unlock(&r);
	ww_acquire_fini(&ctx);
	dma_resv_fini(&r);
	return ret;
}

static long long resv_lock_after_done(void)
{
	struct ww_acquire_ctx ctx;
	struct dma_resv r;
	long long ret;

	dma_resv_init(&r);
	ww_acquire_init(&ctx, &reservation_ww_class);
	ww_acquire_done(&ctx);
	ret = dma_resv_lock(&r, &ctx);
	ww_acquire_fini(&ctx);
	dma_resv_fini(&r);
	return ret;
}

static long long resv_lock_slow_holding(void)
{
	struct ww_acquire_ctx ctx;
	struct dma_resv a, b;

	dma_resv_init(&a);
	dma_resv_init(&b);
	ww_acquire_init(&ctx, &reservation_ww_class);
	assert_int_equal(dma_resv_lock(&a, &ctx), 0);
	dma_resv_lock_slow(&b, &ctx);
	dma_resv_unlock(&b);
	dma_resv_unlock(&a);
	ww_acquire_fini(&ctx);
	dma_resv_fini(&a);
	dma_resv_fini(&b);
	return 0;
}

static long long resv_lock_slow_self(void)
{
	struct dma_resv r;

	dma_resv_init(&r);
	assert_int_equal(dma_resv_lock(&r, NULL), 0);
	dma_resv_lock_slow(&r, NULL);
	dma_resv_unlock(&r);
	dma_resv_fini(&r);
	return 0;
}

static long long resv_trylock_self(void)
{
	struct dma_resv r;
	long long ret;

	dma_resv_init(&r);
	assert_int_equal(dma_resv_lock(&r, NULL), 0);
	ret = dma_resv_trylock(&r);
	dma_resv_unlock(&r);
	dma_resv_fini(&r);
	return ret;
}

static long long resv_fini_locked(void)
{
	struct dma_resv r;

	dma_resv_init(&r);
	assert_int_equal(dma_resv_lock(&r, NULL), 0);
	dma_resv_unlock(&r);
	assert_int_equal(dma_resv_lock(&r, NULL), 0);
	dma_resv_fini(&r);
	return 0;
}

static long long ww_fini_held(void)
{
	struct ww_acquire_ctx ctx;
	struct dma_resv r;

	dma_resv_init(&r);
	ww_acquire_init(&ctx, &reservation_ww_class);
	assert_int_equal(dma_resv_lock(&r, &ctx), 0);
	ww_acquire_fini(&ctx);
	dma_resv_unlock(&r);
	dma_resv_fini(&r);
	return 0;
}

static long long resv_assert_not_held(void)
{
	struct dma_resv r;

	dma_resv_init(&r);
	dma_resv_assert_held(&r);
	dma_resv_fini(&r);
	return 0;
}

static long long resv_held_free(void)
{
	struct dma_resv r;
	long long ret;

	dma_resv_init(&r);
	ret = dma_resv_held(&r) + 2 * dma_resv_is_locked(&r);
	dma_resv_fini(&r);
	return ret;
}

static long long resv_locking_ctx_free(void)
{
	struct dma_resv r;
	long long ret;

	dma_resv_init(&r);
	ret = PTR_ERRNO(dma_resv_locking_ctx(&r));
	dma_resv_fini(&r);
	return ret;
}

/* --- MMIO regions and dma_map_resource ---------------------------------------------------- */

#define MMIO_BASE	0x40000000ULL

static long long mmio_create(struct dmamap_machine *m, phys_addr_t base, u64 size,
			     bool with_out)
{
	struct dmamap_mmio_region *r = NULL;
	int ret = dmamap_mmio_region_create(m, &(struct dmamap_mmio_config){
		.base = base, .size = size }, with_out ? &r : NULL);

	if (!ret)
		dmamap_mmio_region_destroy(r);
	return ret;
}

CALL(mmio_create_null_m, mmio_create(NULL, 0x50000000, PAGE_SIZE, true))
CALL(mmio_create_null_out, mmio_create(F.m, 0x50000000, PAGE_SIZE, false))
CALL(mmio_create_null_cfg, dmamap_mmio_region_create(F.m, NULL, &F.scratch_mmio))
CALL(mmio_create_unaligned, mmio_create(F.m, 0x50000100, PAGE_SIZE, true))
CALL(mmio_create_size0, mmio_create(F.m, 0x50000000, 0, true))
CALL(mmio_create_odd_size, mmio_create(F.m, 0x50000000, PAGE_SIZE + 8, true))
CALL(mmio_create_in_ram, mmio_create(F.m, 0x80000000ULL + SZ_1M, PAGE_SIZE, true))
CALL(mmio_create_straddling_ram, mmio_create(F.m, 0x80000000ULL - PAGE_SIZE, 2 * PAGE_SIZE,
					    true))
CALL(mmio_create_overlap, mmio_create(F.m, MMIO_BASE + PAGE_SIZE, PAGE_SIZE, true))
CALL(mmio_create_past_48_bits, mmio_create(F.m, 1ULL << 48, PAGE_SIZE, true))
CALL(mmio_create_wrapping, mmio_create(F.m, ~0ULL - PAGE_SIZE + 1, 2 * PAGE_SIZE, true))
CALL(mmio_create_huge_regs, mmio_create(F.m, 1ULL << 40, 1ULL << 31, true))
VOID(mmio_destroy_null, dmamap_mmio_region_destroy(NULL))
PTR(mmio_regs_null, dmamap_mmio_region_regs(NULL))
CALL(mmio_base_null, dmamap_mmio_region_base(NULL))

CALL(map_resource_null_dev, dma_map_resource(NULL, MMIO_BASE, 64, DMA_TO_DEVICE, 0))
CALL(map_resource_size0, dma_map_resource(F.io, MMIO_BASE, 0, DMA_TO_DEVICE, 0))
CALL(map_resource_bad_dir, dma_map_resource(F.io, MMIO_BASE, 64, BAD_DIR, 0))
/* reported and mapped all the same, as the kernel maps it: 1 when it was */
static long long map_resource_anyway(struct device *dev, phys_addr_t phys)
{
	dma_addr_t h = dma_map_resource(dev, phys, 64, DMA_TO_DEVICE, 0);

	if (dma_mapping_error(dev, h))
		return 0;
	dma_unmap_resource(dev, h, 64, DMA_TO_DEVICE, 0);
	return 1;
}

CALL(map_resource_nothing_there, map_resource_anyway(F.io, 0x10000000))
CALL(map_resource_past_region, map_resource_anyway(F.nc, MMIO_BASE + SZ_64K - 8))
CALL(map_resource_wrapping, dma_map_resource(F.io, ~0ULL - 15, 64, DMA_TO_DEVICE, 0))
/* registers above 4 GiB, for a 32-bit device without an IOMMU */
static long long map_resource_beyond_mask(void)
{
	struct dmamap_mmio_region *r;
	long long ret;

	assert_int_equal(dmamap_mmio_region_create(F.m, &(struct dmamap_mmio_config){
		.base = 1ULL << 40, .size = PAGE_SIZE }, &r), 0);
	ret = (long long)dma_map_resource(F.d32, 1ULL << 40, 64, DMA_TO_DEVICE, 0);
	dmamap_mmio_region_destroy(r);
	return ret;
}
VOID(unmap_resource_null_dev, dma_unmap_resource(NULL, F.res, PAGE_SIZE, DMA_BIDIRECTIONAL, 0))
VOID(unmap_resource_unknown, dma_unmap_resource(F.io, 0x3000, PAGE_SIZE, DMA_BIDIRECTIONAL, 0))
VOID(unmap_resource_wrong_size, dma_unmap_resource(F.io, F.res, 16 * PAGE_SIZE,
						   DMA_BIDIRECTIONAL, 0))
VOID(unmap_resource_bad_dir, dma_unmap_resource(F.io, F.res, PAGE_SIZE, BAD_DIR, 0))
VOID(unmap_resource_error, dma_unmap_resource(F.io, DMA_MAPPING_ERROR, PAGE_SIZE,
					      DMA_BIDIRECTIONAL, 0))

/* --- scatterlist copies ----------------------------------------------------------------- */

/* one entry of 64 bytes of pg, at offset 128, the end marked */
static struct scatterlist *one_entry(void)
{
	static struct scatterlist sg;

	sg_init_table(&sg, 1);
	sg_set_page(&sg, F.pg, 64, 128);
	return &sg;
}

CALL(sg_copy_from_null_list, sg_copy_from_buffer(NULL, 1, heap_bytes, 8))
CALL(sg_copy_from_nents0, sg_copy_from_buffer(one_entry(), 0, heap_bytes, 8))
CALL(sg_copy_from_len0, sg_copy_from_buffer(one_entry(), 1, heap_bytes, 0))
CALL(sg_copy_from_null_buf, sg_copy_from_buffer(one_entry(), 1, NULL, 8))
CALL(sg_copy_from_longer, sg_copy_from_buffer(one_entry(), 1, heap_bytes, 128))
CALL(sg_copy_from_past_list, sg_copy_from_buffer(one_entry(), 4, heap_bytes, 128))
CALL(sg_copy_to_null_list, sg_copy_to_buffer(NULL, 1, heap_bytes, 8))
CALL(sg_copy_to_null_buf, sg_copy_to_buffer(one_entry(), 1, NULL, 8))
CALL(sg_copy_to_longer, sg_copy_to_buffer(one_entry(), 1, heap_bytes, 128))
CALL(sg_pcopy_to_skip_past, sg_pcopy_to_buffer(one_entry(), 1, heap_bytes, 8, 64))
CALL(sg_pcopy_to_skip_negative, sg_pcopy_to_buffer(one_entry(), 1, heap_bytes, 8, -8))
CALL(sg_pcopy_from_skip_past, sg_pcopy_from_buffer(one_entry(), 1, heap_bytes, 8, 1 << 20))
CALL(sg_pcopy_from_skip_negative, sg_pcopy_from_buffer(one_entry(), 1, heap_bytes, 8, -1))

static long long sg_copy_no_page(void)
{
	struct scatterlist sg;

	sg_init_table(&sg, 1);
	sg.length = 64;
	return (long long)sg_copy_to_buffer(&sg, 1, heap_bytes, 64);
}

/* --- vmap -------------------------------------------------------------------------------- */

static long long vmap_call(struct page *p0, struct page *p1, unsigned int count,
			   unsigned long flags)
{
	struct page *pages[2] = { p0, p1 };
	void *va = vmap(pages, count, flags, KPROT);

	if (va)
		vunmap(va);
	return va ? 1 : 0;
}

CALL(vmap_null_array, PTR_ERRNO(vmap(NULL, 1, VM_MAP, KPROT)))
CALL(vmap_count0, vmap_call(F.pg, F.pg + 1, 0, VM_MAP))
CALL(vmap_null_page, vmap_call(F.pg, NULL, 2, VM_MAP))
CALL(vmap_foreign_page, vmap_call(F.pg, (struct page *)heap_bytes, 2, VM_MAP))
CALL(vmap_other_flags, vmap_call(F.pg, F.pg + 1, 2, 0x8000))

static long long vmap_two_machines(void)
{
	struct dmamap_machine *m2 = test_machine(NULL);
	struct page *p = dmamap_alloc_pages(m2, GFP_KERNEL, 0);
	long long ret;

	assert_non_null(p);
	ret = vmap_call(F.pg, p, 2, VM_MAP);
	dmamap_free_pages(p, 0);
	dmamap_machine_destroy(m2);
	return ret;
}

VOID(vunmap_null, vunmap(NULL))
VOID(vunmap_inside, vunmap((u8 *)F.va + PAGE_SIZE))
VOID(vunmap_heap, vunmap(heap_bytes))

static long long vunmap_twice(void)
{
	struct page *pages[1] = { F.pg };
	void *va = vmap(pages, 1, VM_MAP, KPROT);

	assert_non_null(va);
	vunmap(va);
	vunmap(va);
	return 0;
}

VOID(flush_vmap_outside, flush_kernel_vmap_range(heap_bytes, 64))
VOID(invalidate_vmap_outside, invalidate_kernel_vmap_range(heap_bytes, 64))
VOID(flush_vmap_negative, flush_kernel_vmap_range(F.va, -64))
VOID(invalidate_vmap_past, invalidate_kernel_vmap_range(F.va, 64 * PAGE_SIZE))

/* --- IOMMU: scatterlists and the rest ---------------------------------------------------- */

static struct scatterlist *two_pages(unsigned int len1)
{
	static struct scatterlist sg[2];

	sg_init_table(sg, 2);
	sg_set_page(&sg[0], F.pg, PAGE_SIZE, 0);
	sg_set_page(&sg[1], F.pg + 1, len1, 0);
	return sg;
}

CALL(iommu_map_sg_null_domain, iommu_map_sg(NULL, 0x100000, two_pages(PAGE_SIZE), 2,
					    IOMMU_READ, GFP_KERNEL))
CALL(iommu_map_sg_unaligned_iova, iommu_map_sg(F.d, 0x100200, two_pages(PAGE_SIZE), 2,
					       IOMMU_READ, GFP_KERNEL))
CALL(iommu_map_sg_nents0, iommu_map_sg(F.d, 0x100000, two_pages(PAGE_SIZE), 0, IOMMU_READ,
				       GFP_KERNEL))
CALL(iommu_map_sg_null_list, iommu_map_sg(F.d, 0x100000, NULL, 2, IOMMU_READ, GFP_KERNEL))
CALL(iommu_map_sg_odd_entry, iommu_map_sg(F.d, 0x100000, two_pages(100), 2, IOMMU_READ,
					  GFP_KERNEL))
CALL(iommu_map_sg_past_ias, iommu_map_sg(F.d, 0xfffff000, two_pages(PAGE_SIZE), 2, IOMMU_READ,
					 GFP_KERNEL))

/* the second page lands on one mapped already: the first must not stay */
static long long iommu_map_sg_onto_mapped(void)
{
	long long ret;

	assert_int_equal(iommu_map(F.d, 0x101000, page_to_phys(F.pg), PAGE_SIZE, IOMMU_READ,
				   GFP_KERNEL), 0);
	ret = iommu_map_sg(F.d, 0x100000, two_pages(PAGE_SIZE), 2, IOMMU_READ, GFP_KERNEL);
	assert_int_equal(iommu_iova_to_phys(F.d, 0x100000), 0);
	assert_int_equal(iommu_unmap(F.d, 0x101000, PAGE_SIZE), PAGE_SIZE);
	return ret;
}

static long long iommu_map_sgtable_unmapped_table(void)
{
	struct sg_table t = { 0 };

	return iommu_map_sgtable(F.d, 0x100000, &t, IOMMU_READ);
}

CALL(iommu_unmap_null, iommu_unmap(NULL, 0x100000, PAGE_SIZE))
CALL(iommu_unmap_unaligned, iommu_unmap(F.d, 0x100200, PAGE_SIZE))
CALL(iommu_unmap_wrapping, iommu_unmap(F.d, 0xfffff000, SIZE_MAX - 4095))
CALL(iommu_unmap_fast_null, iommu_unmap_fast(NULL, 0x100000, PAGE_SIZE, NULL))
VOID(iommu_iotlb_sync_null, iommu_iotlb_sync(NULL, NULL))
CALL(iommu_iova_to_phys_null, iommu_iova_to_phys(NULL, 0x100000))
VOID(iommu_flush_all_null, iommu_flush_iotlb_all(NULL))
VOID(iommu_fault_handler_null, iommu_set_fault_handler(NULL, NULL, NULL))
CALL(iommu_fault_log_null, dmamap_iommu_fault_log(NULL, NULL, 4))
CALL(iommu_fault_log_negative, dmamap_iommu_fault_log(F.d, F.faults, -1))
CALL(iommu_fault_log_null_out, dmamap_iommu_fault_log(F.d, NULL, 4))
PTR(iommu_get_domain_null, iommu_get_domain_for_dev(NULL))
PTR(iommu_paging_alloc_null, iommu_paging_domain_alloc(NULL))
VOID(iommu_domain_free_null, iommu_domain_free(NULL))
VOID(iommu_detach_null, iommu_detach_device(NULL, F.io))
VOID(iommu_detach_not_attached, iommu_detach_device(F.d, F.nc))
CALL(iommu_attach_null_dev, iommu_attach_device(F.d, NULL))

static long long iommu_attach_other_domain(void)
{
	struct iommu_domain *d2;
	long long ret;

	assert_int_equal(dmamap_iommu_domain_create(F.m, NULL, &d2), 0);
	ret = iommu_attach_device(d2, F.io);
	iommu_domain_free(d2);
	return ret;
}

static long long iommu_attach_other_machine(void)
{
	struct dmamap_machine *m2 = test_machine(NULL);
	struct device *dev;
	long long ret;

	assert_int_equal(dmamap_device_create(m2, &(struct dmamap_device_config){ 0 }, &dev), 0);
	ret = iommu_attach_device(F.d, dev);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m2);
	return ret;
}

/* freeing a domain a device is attached to detaches it first */
static long long iommu_domain_free_attached(void)
{
	struct iommu_domain *d;
	struct device *dev;
	long long ret;

	assert_int_equal(dmamap_device_create(F.m, &(struct dmamap_device_config){ 0 }, &dev), 0);
	assert_int_equal(dmamap_iommu_domain_create(F.m, &(struct dmamap_iommu_config){
		.type = IOMMU_DOMAIN_UNMANAGED }, &d), 0);
	assert_int_equal(iommu_attach_device(d, dev), 0);
	iommu_domain_free(d);
	ret = PTR_ERRNO(iommu_get_domain_for_dev(dev));
	dmamap_device_destroy(dev);
	return ret;
}

/* a DMA domain freed under its device while the device has a mapping through it */
static long long iommu_domain_free_mapped(void)
{
	struct iommu_domain *d;
	struct device *dev;
	dma_addr_t h;
	long long ret;

	assert_int_equal(dmamap_device_create(F.m, &(struct dmamap_device_config){ 0 }, &dev), 0);
	assert_int_equal(dmamap_iommu_domain_create(F.m, NULL, &d), 0);
	assert_int_equal(iommu_attach_device(d, dev), 0);
	h = dma_map_page(dev, F.pg, 0, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	iommu_domain_free(d);
	ret = PTR_ERRNO(iommu_get_domain_for_dev(dev));
	dmamap_device_destroy(dev);
	return ret;
}

static long long iommu_domain_create_cfg(const struct dmamap_iommu_config *cfg)
{
	struct iommu_domain *d = NULL;
	int ret = dmamap_iommu_domain_create(F.m, cfg, &d);

	if (!ret)
		iommu_domain_free(d);
	return ret;
}

CALL(iommu_domain_create_null_m, dmamap_iommu_domain_create(NULL, NULL, &F.scratch_d))
CALL(iommu_domain_create_null_out, dmamap_iommu_domain_create(F.m, NULL, NULL))
CALL(iommu_domain_create_ias_64, iommu_domain_create_cfg(&(struct dmamap_iommu_config){
	.ias = 64 }))
CALL(iommu_domain_create_bad_pgsize, iommu_domain_create_cfg(&(struct dmamap_iommu_config){
	.type = IOMMU_DOMAIN_UNMANAGED, .pgsize_bitmap = SZ_4K | SZ_32M }))
CALL(iommu_domain_create_bad_type, iommu_domain_create_cfg(&(struct dmamap_iommu_config){
	.type = 77 }))

/* --- trace and SVG --------------------------------------------------------------------- */

CALL(trace_open_null_m, dmamap_trace_open(NULL, "/dev/null"))
CALL(trace_open_null_path, dmamap_trace_open(F.m, NULL))
CALL(trace_open_no_dir, dmamap_trace_open(F.m, "/nonexistent-dir/trace.json"))
CALL(trace_open_dir, dmamap_trace_open(F.m, "/"))
CALL(trace_close_null, dmamap_trace_close(NULL))
CALL(trace_close_not_open, dmamap_trace_close(F.m))
VOID(trace_set_null_m, dmamap_trace_set(NULL, NULL, NULL))

static long long trace_open_twice(void)
{
	long long ret;

	assert_int_equal(dmamap_trace_open(F.m, "/dev/null"), 0);
	ret = dmamap_trace_open(F.m, "/dev/null");
	assert_int_equal(dmamap_trace_close(F.m), 0);
	return ret;
}

/* every write fails: the close says so and the file is closed all the same */
static long long trace_close_full(void)
{
	long long ret;

	assert_int_equal(dmamap_trace_open(F.m, "/dev/full"), 0);
	dma_sync_single_for_device(F.io, F.map, 64, DMA_TO_DEVICE);
	ret = dmamap_trace_close(F.m);
	assert_int_equal(dmamap_trace_close(F.m), -EINVAL);
	return ret;
}

CALL(svg_null_m, dmamap_svg_memory_map(NULL, stdout, NULL))
CALL(svg_null_out, dmamap_svg_memory_map(F.m, NULL, NULL))

static long long svg_to(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);
	long long ret;

	assert_non_null(f);
	ret = dmamap_svg_memory_map(F.m, f, NULL);
	fclose(f);
	return ret;
}

CALL(svg_read_only, svg_to("/dev/null", "r"))

static long long svg_bar(const struct dmamap_svg_bar *bar)
{
	FILE *f = fopen("/dev/null", "w");
	long long ret;

	assert_non_null(f);
	ret = dmamap_svg_bars(f, NULL, bar, 1);
	fclose(f);
	return ret;
}

static long long svg_bars_full(void)
{
	FILE *f = fopen("/dev/full", "w");
	long long ret;

	assert_non_null(f);
	ret = dmamap_svg_bars(f, NULL, &(struct dmamap_svg_bar){ .name = "x", .value = 1 }, 1);
	fclose(f);
	return ret;
}

CALL(svg_bars_null_out, dmamap_svg_bars(NULL, NULL, &(struct dmamap_svg_bar){
	.name = "x", .value = 1 }, 1))
CALL(svg_bars_null_bars, dmamap_svg_bars(stdout, NULL, NULL, 1))
CALL(svg_bars_n0, dmamap_svg_bars(stdout, NULL, &(struct dmamap_svg_bar){
	.name = "x", .value = 1 }, 0))
CALL(svg_bars_no_name, svg_bar(&(struct dmamap_svg_bar){ .value = 1 }))
CALL(svg_bars_negative, svg_bar(&(struct dmamap_svg_bar){ .name = "x", .value = -1 }))
CALL(svg_bars_infinite, svg_bar(&(struct dmamap_svg_bar){ .name = "x", .value = INFINITY }))
CALL(svg_bars_low_above_high, svg_bar(&(struct dmamap_svg_bar){ .name = "x", .value = 1,
	.low = 3, .high = 2 }))
CALL(svg_bars_half_spread, svg_bar(&(struct dmamap_svg_bar){ .name = "x", .value = 1,
	.low = NAN, .high = 2 }))
CALL(svg_bars_nan_target, svg_bar(&(struct dmamap_svg_bar){ .name = "x", .value = 1,
	.goal = DMAMAP_SVG_AT_MOST, .target = NAN }))
CALL(svg_bars_bad_goal, svg_bar(&(struct dmamap_svg_bar){ .name = "x", .value = 1,
	.goal = 9, .target = 1 }))
CALL(svg_full, svg_to("/dev/full", "w"))

/* --- the bus ---------------------------------------------------------------------------- */

static u8 bus_buf[64];

CALL(bus_write_null_dev, dmamap_bus_write(NULL, F.map, bus_buf, 8, NULL))
CALL(bus_write_null_buf, dmamap_bus_write(F.nc, 0x80000000, NULL, 8, NULL))
CALL(bus_copy_null_dev, dmamap_bus_copy(NULL, F.map, F.map, 8, NULL))
CALL(bus_fill_null_dev, dmamap_bus_fill(NULL, F.map, 0, 8, NULL))
CALL(bus_read_wrapping, dmamap_bus_read(F.nc, ~0ULL - 3, bus_buf, 8, NULL))
CALL(bus_read_huge, dmamap_bus_read(F.nc, 0x80000000, bus_buf, SIZE_MAX, NULL))
CALL(bus_copy_src_wrapping, dmamap_bus_copy(F.nc, 0x80000000, ~0ULL - 3, 8, NULL))
CALL(bus_copy_dst_wrapping, dmamap_bus_copy(F.nc, ~0ULL - 3, 0x80000000, 8, NULL))
CALL(bus_fill_wrapping, dmamap_bus_fill(F.nc, ~0ULL - 3, 0, 8, NULL))
CALL(bus_fill_huge, dmamap_bus_fill(F.io, F.map, 0, SIZE_MAX, NULL))
CALL(bus_copy_unmapped, dmamap_bus_copy(F.io, F.coh_h, 0x1000, 8, NULL))
CALL(bus_read_sgtable_null_dev, dmamap_bus_read_sgtable(NULL, &F.sgt, bus_buf, 8, NULL))
CALL(bus_read_sgtable_null_sgt, dmamap_bus_read_sgtable(F.io, NULL, bus_buf, 8, NULL))
CALL(bus_read_sgtable_null_buf, dmamap_bus_read_sgtable(F.io, &F.sgt, NULL, 8, NULL))
CALL(bus_read_sgtable_past, dmamap_bus_read_sgtable(F.io, &F.sgt, bus_buf, PAGE_SIZE + 1,
						    NULL))
CALL(bus_write_sgtable_null_dev, dmamap_bus_write_sgtable(NULL, &F.sgt, bus_buf, 8, NULL))
CALL(bus_write_sgtable_huge, dmamap_bus_write_sgtable(F.io, &F.sgt, bus_buf, SIZE_MAX, NULL))

static long long bus_read_sgtable_unmapped(void)
{
	struct sg_table t;
	long long ret;

	assert_int_equal(sg_alloc_table(&t, 1, GFP_KERNEL), 0);
	sg_set_page(t.sgl, F.pg, 64, 0);
	ret = dmamap_bus_read_sgtable(F.io, &t, bus_buf, 8, NULL);
	sg_free_table(&t);
	return ret;
}

/* --- dma-buf ----------------------------------------------------------------------------- */

VOID(buf_put_null, dma_buf_put(NULL))
VOID(buf_get_null, get_dma_buf(NULL))

static long long buf_put_twice(void)
{
	struct dma_buf *b = dmamap_dma_buf_alloc(F.nc, PAGE_SIZE, 0);

	assert_false(IS_ERR_OR_NULL(b));
	dma_buf_put(b);
	dma_buf_put(b);
	return 0;
}

static long long buf_get_released(void)
{
	struct dma_buf *b = dmamap_dma_buf_alloc(F.nc, PAGE_SIZE, 0);

	assert_false(IS_ERR_OR_NULL(b));
	dma_buf_put(b);
	get_dma_buf(b);
	return 0;
}

static long long buf_attach_released(void)
{
	struct dma_buf *b = dmamap_dma_buf_alloc(F.nc, PAGE_SIZE, 0);

	assert_false(IS_ERR_OR_NULL(b));
	dma_buf_put(b);
	return PTR_ERRNO(dma_buf_attach(b, F.io));
}

PTR(buf_export_null, dma_buf_export(NULL))

static long long buf_export_no_ops(void)
{
	struct dma_buf_export_info info = { .exp_name = "bad", .size = PAGE_SIZE,
					    .priv = heap_bytes };

	return PTR_ERRNO(dma_buf_export(&info));
}

PTR(buf_alloc_null_dev, dmamap_dma_buf_alloc(NULL, PAGE_SIZE, 0))
PTR(buf_alloc_huge, dmamap_dma_buf_alloc(F.nc, SIZE_MAX, 0))
PTR(buf_alloc_bad_attrs, dmamap_dma_buf_alloc(F.nc, PAGE_SIZE, DMA_ATTR_SKIP_CPU_SYNC))

static const struct dma_buf_attach_ops no_move_notify = { .allow_peer2peer = true };

PTR(buf_dynamic_attach_no_notify, dma_buf_dynamic_attach(F.buf, F.io, &no_move_notify, NULL))
VOID(buf_detach_null, dma_buf_detach(F.buf, NULL))

static long long buf_detach_unknown(void)
{
	struct dma_buf_attachment fake = { .dmabuf = F.buf, .dev = F.io };

	dma_buf_detach(F.buf, &fake);
	return 0;
}

static long long buf_detach_other_buf(void)
{
	struct dma_buf *b = dmamap_dma_buf_alloc(F.nc, PAGE_SIZE, 0);

	assert_false(IS_ERR_OR_NULL(b));
	dma_buf_detach(b, F.att);
	dma_buf_put(b);
	return 0;
}

static long long buf_detach_twice(void)
{
	struct dma_buf_attachment *a = dma_buf_attach(F.buf, F.io);

	assert_false(IS_ERR_OR_NULL(a));
	dma_buf_detach(F.buf, a);
	dma_buf_detach(F.buf, a);
	return 0;
}

static long long buf_map_detached(void)
{
	struct dma_buf_attachment *a = dma_buf_attach(F.buf, F.io);

	assert_false(IS_ERR_OR_NULL(a));
	dma_buf_detach(F.buf, a);
	return PTR_ERRNO(dma_buf_map_attachment_unlocked(a, DMA_TO_DEVICE));
}

PTR(buf_map_null, dma_buf_map_attachment_unlocked(NULL, DMA_TO_DEVICE))
PTR(buf_map_bad_dir, dma_buf_map_attachment_unlocked(F.att, BAD_DIR))

/* the locked call without the lock: the kernel's lockdep warning, and the mapping made */
static long long buf_map_unlocked_resv(void)
{
	struct sg_table *t = dma_buf_map_attachment(F.att, DMA_TO_DEVICE);
	long long ret = PTR_ERRNO(t);

	if (!IS_ERR(t))
		dma_buf_unmap_attachment_unlocked(F.att, t, DMA_TO_DEVICE);
	return ret;
}

static long long buf_unmap_locked_unheld(void)
{
	struct sg_table *t = dma_buf_map_attachment_unlocked(F.att, DMA_TO_DEVICE);

	assert_false(IS_ERR_OR_NULL(t));
	dma_buf_unmap_attachment(F.att, t, DMA_TO_DEVICE);
	return 0;
}

static long long buf_map_resv_held(void)
{
	long long ret;

	assert_int_equal(dma_resv_lock(F.buf->resv, NULL), 0);
	ret = PTR_ERRNO(dma_buf_map_attachment_unlocked(F.att, DMA_TO_DEVICE));
	dma_resv_unlock(F.buf->resv);
	return ret;
}

static long long buf_unmap_foreign_table(void)
{
	struct sg_table t = { 0 };

	dma_buf_unmap_attachment_unlocked(F.att, &t, DMA_TO_DEVICE);
	return 0;
}

VOID(buf_unmap_null_attach, dma_buf_unmap_attachment_unlocked(NULL, &F.sgt, DMA_TO_DEVICE))

static long long buf_unmap_twice(void)
{
	struct sg_table *t = dma_buf_map_attachment_unlocked(F.att, DMA_TO_DEVICE);

	assert_false(IS_ERR_OR_NULL(t));
	dma_buf_unmap_attachment_unlocked(F.att, t, DMA_TO_DEVICE);
	dma_buf_unmap_attachment_unlocked(F.att, t, DMA_TO_DEVICE);
	return 0;
}

CALL(buf_pin_null, dma_buf_pin(NULL))
CALL(buf_pin_static, dma_buf_pin(F.att))
VOID(buf_unpin_static, dma_buf_unpin(F.att))
VOID(buf_move_notify_null, dma_buf_move_notify(NULL))
VOID(buf_move_notify_unlocked, dma_buf_move_notify(F.buf))
CALL(buf_begin_null, dma_buf_begin_cpu_access(NULL, DMA_FROM_DEVICE))
CALL(buf_end_bad_dir, dma_buf_end_cpu_access(F.buf, BAD_DIR))

static long long buf_begin_resv_held(void)
{
	long long ret;

	assert_int_equal(dma_resv_lock(F.buf->resv, NULL), 0);
	ret = dma_buf_begin_cpu_access(F.buf, DMA_FROM_DEVICE);
	dma_resv_unlock(F.buf->resv);
	return ret;
}

static long long buf_mmap(unsigned long pgoff, size_t pages)
{
	struct vm_area_struct *vma;
	long long ret;

	assert_int_equal(dmamap_vma_create(F.m, pages * PAGE_SIZE, 0, &vma), 0);
	ret = dma_buf_mmap(F.buf, vma, pgoff);
	dmamap_vma_destroy(vma);
	return ret;
}

CALL(buf_mmap_null_vma, dma_buf_mmap(F.buf, NULL, 0))
CALL(buf_mmap_null_buf, dma_buf_mmap(NULL, F.vma, 0))
CALL(buf_mmap_past_end, buf_mmap(1, 1))
CALL(buf_mmap_too_big, buf_mmap(0, 2))
CALL(buf_mmap_overflow, buf_mmap(ULONG_MAX, 1))

CALL(buf_vmap_null_map, dma_buf_vmap_unlocked(F.buf, NULL))
CALL(buf_vmap_null_buf, dma_buf_vmap_unlocked(NULL, &F.scratch_map))
VOID(buf_vunmap_never_mapped, dma_buf_vunmap_unlocked(F.buf, &F.scratch_map))
VOID(buf_vunmap_null_map, dma_buf_vunmap_unlocked(F.buf, NULL))

static long long buf_vunmap_other_map(void)
{
	struct iosys_map map, other;

	assert_int_equal(dma_buf_vmap_unlocked(F.buf, &map), 0);
	iosys_map_set_vaddr(&other, heap_bytes);
	dma_buf_vunmap_unlocked(F.buf, &other);
	dma_buf_vunmap_unlocked(F.buf, &map);
	return 0;
}

static long long buf_vunmap_twice(void)
{
	struct iosys_map map;

	assert_int_equal(dma_buf_vmap_unlocked(F.buf, &map), 0);
	dma_buf_vunmap_unlocked(F.buf, &map);
	dma_buf_vunmap_unlocked(F.buf, &map);
	return 0;
}

static long long buf_vmap_resv_held(void)
{
	struct iosys_map map;
	long long ret;

	assert_int_equal(dma_resv_lock(F.buf->resv, NULL), 0);
	ret = dma_buf_vmap_unlocked(F.buf, &map);
	dma_resv_unlock(F.buf->resv);
	return ret;
}

static long long buf_vmap_locked_unheld(void)
{
	struct iosys_map map;
	long long ret = dma_buf_vmap(F.buf, &map);

	if (!ret)
		dma_buf_vunmap(F.buf, &map);
	return ret;
}

/* --- machines and devices ------------------------------------------------------------------ */

static long long machine_create_banks(const struct dmamap_bank *b, unsigned int n)
{
	struct dmamap_machine *m = NULL;
	int ret = dmamap_machine_create(&(struct dmamap_machine_config){
		.banks = b, .nr_banks = n }, &m);

	if (!ret)
		dmamap_machine_destroy(m);
	return ret;
}

static const struct dmamap_bank overlapping[] = {
	{ 0x80000000ULL, SZ_64M }, { 0x80000000ULL + SZ_32M, SZ_64M },
};
static const struct dmamap_bank unaligned[] = { { 0x80000800ULL, SZ_64M } };
static const struct dmamap_bank empty[] = { { 0x80000000ULL, 0 } };
static const struct dmamap_bank wrapping[] = { { ~0ULL - SZ_1M + 1, SZ_64M } };
static struct dmamap_bank many[1024];

CALL(machine_create_null_out, dmamap_machine_create(NULL, NULL))
CALL(machine_create_overlapping, machine_create_banks(overlapping, 2))
CALL(machine_create_unaligned, machine_create_banks(unaligned, 1))
CALL(machine_create_empty_bank, machine_create_banks(empty, 1))
CALL(machine_create_wrapping_bank, machine_create_banks(wrapping, 1))

static long long machine_create_too_many(void)
{
	for (unsigned int i = 0; i < 1024; i++)
		many[i] = (struct dmamap_bank){ 0x80000000ULL + (u64)i * SZ_2M, SZ_1M };
	return machine_create_banks(many, 1024);
}

static long long machine_create_bad_cache(void)
{
	struct dmamap_machine *m = NULL;
	int ret = dmamap_machine_create(&(struct dmamap_machine_config){ .cache = 9 }, &m);

	if (!ret)
		dmamap_machine_destroy(m);
	return ret;
}

VOID(machine_destroy_null, dmamap_machine_destroy(NULL))
CALL(machine_set_current_dead, dmamap_machine_set_current((struct dmamap_machine *)heap_bytes))
PTR(virt_machine_null, dmamap_virt_machine(NULL))
PTR(virt_machine_heap, dmamap_virt_machine(heap_bytes))
PTR(machine_config_null, dmamap_machine_config(NULL))

static long long machine_stats_null(void)
{
	struct dmamap_stats st = { .pages_total = 77 };

	dmamap_machine_stats(NULL, &st);
	return (long long)st.pages_total;
}

VOID(machine_stats_null_out, dmamap_machine_stats(F.m, NULL))

static long long device_create_cfg(const struct dmamap_device_config *cfg)
{
	struct device *dev = NULL;
	int ret = dmamap_device_create(F.m, cfg, &dev);

	if (!ret)
		dmamap_device_destroy(dev);
	return ret;
}

static const char long_name[] = "a-device-name-longer-than-the-forty-seven-bytes-kept";

CALL(device_create_null_m, dmamap_device_create(NULL, &(struct dmamap_device_config){ 0 },
						&F.scratch_dev))
CALL(device_create_null_out, dmamap_device_create(F.m, &(struct dmamap_device_config){ 0 },
						  NULL))
CALL(device_create_long_name, device_create_cfg(&(struct dmamap_device_config){
	.name = long_name }))
CALL(device_create_bad_boundary, device_create_cfg(&(struct dmamap_device_config){
	.segment_boundary_mask = 0x12345 }))
CALL(device_create_odd_offset, device_create_cfg(&(struct dmamap_device_config){
	.dma_offset = 0x800 }))
CALL(device_create_offset_past_ram, device_create_cfg(&(struct dmamap_device_config){
	.dma_offset = 0x200000000ULL }))
CALL(device_create_tiny_mask, device_create_cfg(&(struct dmamap_device_config){
	.dma_mask = DMA_BIT_MASK(12) }))
VOID(device_destroy_null, dmamap_device_destroy(NULL))
CALL(device_register_null_dev, dmamap_device_register(F.m, NULL, NULL))
CALL(device_register_null_m, dmamap_device_register(NULL, &F.embedded, NULL))
CALL(device_register_twice, dmamap_device_register(F.m, F.nc, NULL))
VOID(device_unregister_null, dmamap_device_unregister(NULL))
PTR(get_device_null, get_device(NULL))
VOID(put_device_null, put_device(NULL))

/* a device in our memory, registered then unregistered: its last reference is gone */
static long long put_device_unreferenced(void)
{
	static struct device d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(dmamap_device_register(F.m, &d, NULL), 0);
	dmamap_device_unregister(&d);
	put_device(&d);
	return 0;
}

static long long device_unregister_twice(void)
{
	static struct device d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(dmamap_device_register(F.m, &d, NULL), 0);
	get_device(&d);
	dmamap_device_unregister(&d);
	dmamap_device_unregister(&d);
	put_device(&d);
	return 0;
}

static long long dev_name_null(void)
{
	return strcmp(dev_name(NULL), "(null)");
}

PTR(device_machine_null, dmamap_device_machine(NULL))
CALL(dev_coherent_null, dev_is_dma_coherent(NULL))
CALL(device_offset_null, dmamap_device_dma_offset(NULL))
PTR(get_dma_ops_null, get_dma_ops(NULL))
VOID(set_dma_ops_null, set_dma_ops(NULL, NULL))

/* --- pages, kmalloc, VMAs -------------------------------------------------------------- */

PTR(alloc_pages_null_m, dmamap_alloc_pages(NULL, GFP_KERNEL, 0))
PTR(pfn_to_page_hole, dmamap_pfn_to_page(F.m, 0x10000))
PTR(pfn_to_page_null_m, dmamap_pfn_to_page(NULL, page_to_pfn(F.pg)))
PTR(virt_to_page_heap, dmamap_virt_to_page(F.m, heap_bytes))
PTR(virt_to_page_null, dmamap_virt_to_page(F.m, NULL))
PTR(page_machine_heap, dmamap_page_machine((struct page *)heap_bytes))
PTR(page_machine_null, dmamap_page_machine(NULL))
PTR(kmalloc_null_m, dmamap_kmalloc(NULL, 64, GFP_KERNEL))
PTR(kmalloc_size0, dmamap_kmalloc(F.m, 0, GFP_KERNEL))
PTR(kzalloc_huge, dmamap_kzalloc(F.m, SIZE_MAX / 2, GFP_KERNEL))
VOID(kfree_null, dmamap_kfree(F.m, NULL))
CALL(ksize_foreign, dmamap_ksize(F.m, heap_bytes))
CALL(ksize_null, dmamap_ksize(F.m, NULL))

static long long kfree_twice(void)
{
	void *p = dmamap_kmalloc(F.m, 64, GFP_KERNEL);

	assert_non_null(p);
	dmamap_kfree(F.m, p);
	dmamap_kfree(F.m, p);
	return 0;
}

static long long kfree_inside(void)
{
	u8 *p = dmamap_kmalloc(F.m, 64, GFP_KERNEL);

	assert_non_null(p);
	dmamap_kfree(F.m, p + 8);
	dmamap_kfree(F.m, p);
	return 0;
}

static long long free_pages_twice(void)
{
	struct page *p = dmamap_alloc_pages(F.m, GFP_KERNEL, 0);

	assert_non_null(p);
	dmamap_free_pages(p, 0);
	dmamap_free_pages(p, 0);
	return 0;
}

static long long free_pages_wrong_order(void)
{
	struct page *p = dmamap_alloc_pages(F.m, GFP_KERNEL, 1);

	assert_non_null(p);
	dmamap_free_pages(p, 2);
	dmamap_free_pages(p, 1);
	return 0;
}

VOID(free_pages_null, dmamap_free_pages(NULL, 0))
CALL(vma_create_unaligned, dmamap_vma_create(F.m, PAGE_SIZE + 1, 0, &F.scratch_vma))
CALL(vma_create_null_out, dmamap_vma_create(F.m, PAGE_SIZE, 0, NULL))
CALL(vma_create_null_m, dmamap_vma_create(NULL, PAGE_SIZE, 0, &F.scratch_vma))
CALL(vma_create_huge, dmamap_vma_create(F.m, SIZE_MAX & PAGE_MASK, 0, &F.scratch_vma))
VOID(vma_destroy_null, dmamap_vma_destroy(NULL))

static long long vma_destroy_twice(void)
{
	struct vm_area_struct *vma;

	assert_int_equal(dmamap_vma_create(F.m, PAGE_SIZE, 0, &vma), 0);
	dmamap_vma_destroy(vma);
	dmamap_vma_destroy(vma);
	return 0;
}

/* --- the rest of the DMA API --------------------------------------------------------------- */

CALL(mmap_null_vma, dma_mmap_attrs(F.io, NULL, F.coh, F.coh_h, 3 * PAGE_SIZE, 0))
CALL(mmap_size0, dma_mmap_attrs(F.io, F.vma, F.coh, F.coh_h, 0, 0))
CALL(mmap_null_dev, dma_mmap_attrs(NULL, F.vma, F.coh, F.coh_h, 3 * PAGE_SIZE, 0))
CALL(can_mmap_null, dma_can_mmap(NULL))

static long long get_sgtable(struct device *dev, struct sg_table *sgt, void *cpu, dma_addr_t h,
			     size_t size)
{
	int ret = dma_get_sgtable_attrs(dev, sgt, cpu, h, size, 0);

	if (!ret)
		sg_free_table(sgt);
	return ret;
}

CALL(get_sgtable_null_dev, get_sgtable(NULL, &F.scratch_sgt, F.coh, F.coh_h, PAGE_SIZE))
CALL(get_sgtable_null_sgt, get_sgtable(F.io, NULL, F.coh, F.coh_h, PAGE_SIZE))
CALL(get_sgtable_size0, get_sgtable(F.io, &F.scratch_sgt, F.coh, F.coh_h, 0))
CALL(get_sgtable_unknown, get_sgtable(F.io, &F.scratch_sgt, heap_bytes, 0x1000, PAGE_SIZE))
CALL(get_sgtable_past, get_sgtable(F.io, &F.scratch_sgt, F.coh, F.coh_h, 8 * PAGE_SIZE))

/* 1 when it was mapped */
static long long map_single_unknown_attr(void)
{
	dma_addr_t h = dma_map_single_attrs(F.io, page_address(F.pg), 64, DMA_TO_DEVICE,
					    1UL << 30);

	if (dma_mapping_error(F.io, h))
		return 0;
	dma_unmap_single_attrs(F.io, h, 64, DMA_TO_DEVICE, 1UL << 30);
	return 1;
}
VOID(unmap_error, dma_unmap_page(F.io, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE))
VOID(unmap_size0, dma_unmap_page(F.io, F.map, 0, DMA_TO_DEVICE))
VOID(unmap_sg_nents0, dma_unmap_sg(F.io, F.sgt.sgl, 0, DMA_BIDIRECTIONAL))
VOID(unmap_sg_bad_dir, dma_unmap_sg(F.io, F.sgt.sgl, 1, BAD_DIR))
VOID(unmap_sg_null, dma_unmap_sg(F.io, NULL, 1, DMA_BIDIRECTIONAL))
VOID(unmap_sgtable_null, dma_unmap_sgtable(F.io, NULL, DMA_BIDIRECTIONAL, 0))
VOID(unmap_sgtable_null_dev, dma_unmap_sgtable(NULL, &F.sgt, DMA_BIDIRECTIONAL, 0))

static long long unmap_sgtable_unmapped(void)
{
	struct sg_table t;

	assert_int_equal(sg_alloc_table(&t, 1, GFP_KERNEL), 0);
	sg_set_page(t.sgl, F.pg, 64, 0);
	dma_unmap_sgtable(F.io, &t, DMA_TO_DEVICE, 0);
	sg_free_table(&t);
	return 0;
}

static long long map_sgtable_bad_dir(void)
{
	struct sg_table t;
	long long ret;

	assert_int_equal(sg_alloc_table(&t, 1, GFP_KERNEL), 0);
	sg_set_page(t.sgl, F.pg, 64, 0);
	ret = dma_map_sgtable(F.io, &t, BAD_DIR, 0);
	sg_free_table(&t);
	return ret;
}
VOID(sync_device_unknown, dma_sync_single_for_device(F.io, 0x1000, 64, DMA_TO_DEVICE))
VOID(sync_null_dev, dma_sync_single_for_cpu(NULL, F.map, 64, DMA_TO_DEVICE))
/* a DMA address of a direct device where there is no RAM */
VOID(sync_cpu_not_ram, dma_sync_single_for_cpu(F.nc, 0x10000000, 64, DMA_FROM_DEVICE))
VOID(sync_device_not_ram, dma_sync_single_for_device(F.nc, 0x10000000, 64, DMA_TO_DEVICE))

/* a 32-bit device, RAM above 4 GiB only and no swiotlb to bounce it: 1 when mapped */
static long long map_beyond_mask_no_swiotlb(void)
{
	static const struct dmamap_bank high[] = { { 0x100000000ULL, SZ_64M } };
	struct dmamap_machine *m = test_machine(&(struct dmamap_machine_config){
		.banks = high, .nr_banks = 1, .swiotlb_size = DMAMAP_SWIOTLB_OFF });
	struct device *dev;
	struct page *p;
	dma_addr_t h;
	bool mapped;

	assert_int_equal(dmamap_device_create(m, &(struct dmamap_device_config){
		.dma_mask = DMA_BIT_MASK(32), .coherent_dma_mask = DMA_BIT_MASK(64) }, &dev), 0);
	p = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	h = dma_map_page(dev, p, 0, 64, DMA_TO_DEVICE);
	mapped = !dma_mapping_error(dev, h);
	if (mapped)
		dma_unmap_page(dev, h, 64, DMA_TO_DEVICE);
	dmamap_free_pages(p, 0);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
	return mapped;
}
VOID(sync_error, dma_sync_single_for_cpu(F.io, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE))
VOID(sync_sg_cpu_null, dma_sync_sg_for_cpu(F.io, NULL, 1, DMA_BIDIRECTIONAL))
VOID(sync_sg_cpu_nents0, dma_sync_sg_for_cpu(F.io, F.sgt.sgl, 0, DMA_BIDIRECTIONAL))
VOID(sync_sg_device_bad_dir, dma_sync_sg_for_device(F.io, F.sgt.sgl, 1, BAD_DIR))
VOID(sync_sg_device_null_dev, dma_sync_sg_for_device(NULL, F.sgt.sgl, 1, DMA_BIDIRECTIONAL))
CALL(mapping_error_null_dev, dma_mapping_error(NULL, DMA_MAPPING_ERROR))
CALL(set_coherent_mask_zero, dma_set_coherent_mask(F.nc, 0))
CALL(set_coherent_mask_null, dma_set_coherent_mask(NULL, DMA_BIT_MASK(32)))
CALL(set_both_masks_tiny, dma_set_mask_and_coherent(F.nc, DMA_BIT_MASK(12)))
CALL(get_mask_null, dma_get_mask(NULL))
CALL(get_coherent_mask_null, dma_get_coherent_mask(NULL))
CALL(supported_null, dma_supported(NULL, DMA_BIT_MASK(32)))
CALL(supported_tiny, dma_supported(F.nc, DMA_BIT_MASK(12)))
CALL(set_max_seg_zero, dma_set_max_seg_size(F.nc, 0))
CALL(set_max_seg_null, dma_set_max_seg_size(NULL, SZ_64K))
CALL(get_max_seg_null, dma_get_max_seg_size(NULL))
CALL(set_boundary_odd, dma_set_seg_boundary(F.nc, 0x12345))
CALL(set_boundary_small, dma_set_seg_boundary(F.nc, 0xff))
CALL(set_boundary_null, dma_set_seg_boundary(NULL, 0xffff))
CALL(get_boundary_null, dma_get_seg_boundary(NULL))
CALL(max_mapping_null, dma_max_mapping_size(NULL))
CALL(opt_mapping_null, dma_opt_mapping_size(NULL))
CALL(required_mask_null, dma_get_required_mask(NULL))
CALL(addressing_limited_null, dma_addressing_limited(NULL))
CALL(need_sync_null, dma_need_sync(NULL, F.map))
CALL(need_sync_unknown, dma_need_sync(F.nc, 0x1000))

static long long alloc_pages_call(size_t size, enum dma_data_direction dir, dma_addr_t *h)
{
	struct page *p = dma_alloc_pages(F.io, size, h, dir, GFP_KERNEL);

	if (p)
		dma_free_pages(F.io, size, p, *h, dir);
	return p ? 1 : 0;
}

CALL(alloc_pages_size0, alloc_pages_call(0, DMA_TO_DEVICE, &F.scratch_h))
CALL(alloc_pages_bad_dir, alloc_pages_call(PAGE_SIZE, BAD_DIR, &F.scratch_h))
CALL(alloc_pages_null_handle, alloc_pages_call(PAGE_SIZE, DMA_TO_DEVICE, NULL))
CALL(alloc_pages_huge, alloc_pages_call(SIZE_MAX, DMA_TO_DEVICE, &F.scratch_h))
PTR(alloc_pages_null_dev, dma_alloc_pages(NULL, PAGE_SIZE, &F.scratch_h, DMA_TO_DEVICE,
					  GFP_KERNEL))
VOID(free_pages_unknown, dma_free_pages(F.io, PAGE_SIZE, F.pg, 0x1000, DMA_TO_DEVICE))
VOID(free_pages_null_page, dma_free_pages(F.io, PAGE_SIZE, NULL, 0x1000, DMA_TO_DEVICE))
VOID(free_pages_not_a_page, dma_free_pages(F.io, PAGE_SIZE, (struct page *)heap_bytes, 0x1000,
					   DMA_TO_DEVICE))
VOID(free_pages_size0, dma_free_pages(F.io, 0, F.pg, 0x1000, DMA_TO_DEVICE))

static long long free_dma_pages_wrong_size(void)
{
	dma_addr_t h;
	struct page *p = dma_alloc_pages(F.io, PAGE_SIZE, &h, DMA_TO_DEVICE, GFP_KERNEL);

	assert_non_null(p);
	dma_free_pages(F.io, 4 * PAGE_SIZE, p, h, DMA_TO_DEVICE);
	dma_free_pages(F.io, PAGE_SIZE, p, h, DMA_TO_DEVICE);
	return 0;
}

CALL(mmap_pages_null_vma, dma_mmap_pages(F.io, NULL, PAGE_SIZE, F.pg))
CALL(mmap_pages_null_page, dma_mmap_pages(F.io, F.vma, PAGE_SIZE, NULL))
static long long mmap_pages_too_small(void)
{
	struct vm_area_struct *vma;
	long long ret;

	assert_int_equal(dmamap_vma_create(F.m, 2 * PAGE_SIZE, 0, &vma), 0);
	ret = dma_mmap_pages(F.io, vma, PAGE_SIZE, F.pg);
	dmamap_vma_destroy(vma);
	return ret;
}

static long long alloc_noncoherent_call(size_t size, gfp_t gfp)
{
	dma_addr_t h;
	void *p = dma_alloc_noncoherent(F.io, size, &h, DMA_TO_DEVICE, gfp);

	if (p)
		dma_free_noncoherent(F.io, size, p, h, DMA_TO_DEVICE);
	return p ? 1 : 0;
}

CALL(alloc_noncoherent_size0, alloc_noncoherent_call(0, GFP_KERNEL))
CALL(alloc_noncoherent_zone, alloc_noncoherent_call(PAGE_SIZE, GFP_KERNEL | __GFP_DMA32))
VOID(free_noncoherent_null, dma_free_noncoherent(F.io, PAGE_SIZE, NULL, 0x1000, DMA_TO_DEVICE))
VOID(free_noncoherent_unknown, dma_free_noncoherent(F.io, PAGE_SIZE, heap_bytes, 0x1000,
						    DMA_TO_DEVICE))

static long long free_noncoherent_wrong_size(void)
{
	dma_addr_t h;
	void *p = dma_alloc_noncoherent(F.io, PAGE_SIZE, &h, DMA_TO_DEVICE, GFP_KERNEL);

	assert_non_null(p);
	dma_free_noncoherent(F.io, 8 * PAGE_SIZE, p, h, DMA_TO_DEVICE);
	dma_free_noncoherent(F.io, PAGE_SIZE, p, h, DMA_TO_DEVICE);
	return 0;
}

/* the rows of dma_*_noncontiguous() share one table of two pages on io */
static long long noncontig(long long (*fn)(struct sg_table *sgt))
{
	struct sg_table *sgt = dma_alloc_noncontiguous(F.io, 2 * PAGE_SIZE, DMA_TO_DEVICE,
						       GFP_KERNEL, 0);
	long long ret;

	assert_non_null(sgt);
	ret = fn(sgt);
	dma_free_noncontiguous(F.io, 2 * PAGE_SIZE, sgt, DMA_TO_DEVICE);
	return ret;
}

static long long nc_free_wrong_size(struct sg_table *sgt)
{
	dma_free_noncontiguous(F.io, 16 * PAGE_SIZE, sgt, DMA_TO_DEVICE);
	return 0;
}

static long long nc_vmap_wrong_size(struct sg_table *sgt)
{
	void *va = dma_vmap_noncontiguous(F.io, 16 * PAGE_SIZE, sgt);

	if (va)
		dma_vunmap_noncontiguous(F.io, va);
	return va ? 1 : 0;
}

static long long nc_mmap_too_big(struct sg_table *sgt)
{
	struct vm_area_struct *vma;
	long long ret;

	assert_int_equal(dmamap_vma_create(F.m, 4 * PAGE_SIZE, 0, &vma), 0);
	ret = dma_mmap_noncontiguous(F.io, vma, 2 * PAGE_SIZE, sgt);
	dmamap_vma_destroy(vma);
	return ret;
}

static long long nc_mmap_wrong_size(struct sg_table *sgt)
{
	struct vm_area_struct *vma;
	long long ret;

	assert_int_equal(dmamap_vma_create(F.m, 4 * PAGE_SIZE, 0, &vma), 0);
	ret = dma_mmap_noncontiguous(F.io, vma, 4 * PAGE_SIZE, sgt);
	dmamap_vma_destroy(vma);
	return ret;
}

CALL(free_noncontig_wrong_size, noncontig(nc_free_wrong_size))
CALL(mmap_noncontig_wrong_size, noncontig(nc_mmap_wrong_size))
CALL(vmap_noncontig_wrong_size, noncontig(nc_vmap_wrong_size))
CALL(mmap_noncontig_too_big, noncontig(nc_mmap_too_big))
PTR(vmap_noncontig_null, dma_vmap_noncontiguous(F.io, PAGE_SIZE, NULL))
VOID(vunmap_noncontig_unknown, dma_vunmap_noncontiguous(F.io, heap_bytes))
VOID(vunmap_noncontig_null, dma_vunmap_noncontiguous(F.io, NULL))
CALL(mmap_noncontig_null, dma_mmap_noncontiguous(F.io, F.vma, PAGE_SIZE, NULL))
PTR(noncontig_null_dev, dma_alloc_noncontiguous(NULL, PAGE_SIZE, DMA_TO_DEVICE, GFP_KERNEL, 0))
PTR(noncontig_bad_attr, dma_alloc_noncontiguous(F.io, PAGE_SIZE, DMA_TO_DEVICE, GFP_KERNEL,
						DMA_ATTR_WRITE_COMBINE))

/* --- scatterlists ------------------------------------------------------------------------- */

static long long sg_init_one_heap(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, heap_bytes, 64);
	return sg_page(&sg) ? 1 : 0;
}

PTR(sg_last_nents0, sg_last(one_entry(), 0))
PTR(sg_last_past_list, sg_last(one_entry(), 4))
CALL(sg_nents_null, sg_nents(NULL))
CALL(sg_nents_for_len_short, sg_nents_for_len(one_entry(), 65))
CALL(sg_nents_for_len_null, sg_nents_for_len(NULL, 64))
CALL(sg_alloc_null_table, sg_alloc_table(NULL, 1, GFP_KERNEL))
VOID(sg_free_null, sg_free_table(NULL))

static long long sg_free_twice(void)
{
	struct sg_table t;

	assert_int_equal(sg_alloc_table(&t, 4, GFP_KERNEL), 0);
	sg_free_table(&t);
	sg_free_table(&t);
	return 0;
}

static long long from_pages(unsigned int n, unsigned int offset, unsigned long size,
			    unsigned int max_segment)
{
	struct page *pages[2] = { F.pg, F.pg + 1 };
	struct sg_table t;
	int ret = sg_alloc_table_from_pages_segment(&t, pages, n, offset, size, max_segment,
						    GFP_KERNEL);

	if (!ret)
		sg_free_table(&t);
	return ret;
}

CALL(from_pages_zero, from_pages(0, 0, 0, UINT_MAX))
CALL(from_pages_small_segment, from_pages(2, 0, 2 * PAGE_SIZE, 512))
CALL(from_pages_too_long, from_pages(2, 0, 3 * PAGE_SIZE, UINT_MAX))
CALL(from_pages_offset_past, from_pages(2, 2 * PAGE_SIZE, PAGE_SIZE, UINT_MAX))
CALL(from_pages_null_pages, sg_alloc_table_from_pages(&F.scratch_sgt, NULL, 2, 0,
						      2 * PAGE_SIZE, GFP_KERNEL))
CALL(from_pages_null_table, sg_alloc_table_from_pages(NULL, (struct page *[]){ F.pg }, 1, 0,
						      PAGE_SIZE, GFP_KERNEL))

/* --- the debugger's, fault injection's and printk's own calls --------------------------------- */

VOID(debug_set_handler_null, dmamap_debug_set_handler(NULL, NULL, NULL))
CALL(debug_error_count_null, dmamap_debug_error_count(NULL))
VOID(debug_dump_null, dmamap_debug_dump(NULL, stdout))
VOID(debug_dump_null_out, dmamap_debug_dump(F.m, NULL))
CALL(debug_kind_name_bad, strcmp(dmamap_debug_kind_name(999), "unknown"))
CALL(fail_set_unknown_site, dmamap_fail_set(&(struct dmamap_fail_config){ .sites = 1UL << 20 }))
CALL(fail_set_probability, dmamap_fail_set(&(struct dmamap_fail_config){
	.sites = DMAMAP_FAIL_SLAB, .probability = 101 }))
VOID(fail_stats_null, dmamap_fail_stats(NULL))
PTR(fail_site_name_two, dmamap_fail_site_name(DMAMAP_FAIL_SLAB | DMAMAP_FAIL_IOVA))
PTR(fail_site_name_zero, dmamap_fail_site_name(0))
CALL(printk_null_fmt, dmamap_printk(NULL, NULL))
CALL(printk_count_bad_level, dmamap_printk_count(99))
VOID(warn_null_fmt, dmamap_warn(NULL, 0, NULL, NULL))

/* --- the table ------------------------------------------------------------------------ */

static const struct row rows[] = {
	{ "dma_alloc_attrs(NULL device)", alloc_null_dev, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_alloc_attrs(size 0)", alloc_size0, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON_ONCE(!size), NULL", 0 },
	{ "dma_alloc_attrs(SIZE_MAX) through an IOMMU", alloc_huge, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "NULL, after the allocator's warning", 0 },
	{ "dma_alloc_attrs(size that wraps at PAGE_ALIGN)", alloc_wrapping, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "NULL, after the allocator's warning", 0 },
	{ "dma_free_attrs(NULL cpu_addr)", free_null, 0, R_NONE, 0, NULL, 0 },
	{ "dma_free_attrs(address never allocated)", free_unknown, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "frees whatever the address names", 0 },
	{ "dma_free_attrs(wrong size)", free_wrong_size, 0, 1, DMAMAP_DEBUG_FREE_MISMATCH,
	  "unmaps and frees the wrong number of pages", 0 },
	{ "dma_free_attrs(wrong device)", free_wrong_dev, 0, 1, DMAMAP_DEBUG_UNKNOWN_ADDR,
	  "dma-direct frees pages the IOMMU still maps", 0 },
	{ "dma_map_single(NULL device)", map_single_null_dev, MAPERR, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_map_single(size 0)", map_single_size0, MAPERR, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_map_single(direction 7)", map_single_bad_dir, MAPERR, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_map_single(DMA_NONE)", map_single_dma_none, MAPERR, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_map_single(not the linear map)", map_single_heap, MAPERR, 1,
	  DMAMAP_DEBUG_BAD_MEMORY, "maps whatever virt_to_page() makes of it", 0 },
	{ "dma_map_page(NULL page)", map_page_null, MAPERR, R_NONE, 0,
	  "page_to_phys(NULL): a bogus address or a crash", 0 },
	{ "dma_map_page(size wrapping the address space)", map_page_wrapping, MAPERR, 1,
	  DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_map_page(past the end of its bank)", map_page_past_bank, MAPERR, 1,
	  DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_unmap_single(address never mapped) via IOMMU", unmap_unknown, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "unmaps whatever IOVA it names", 0 },
	{ "dma_unmap_page(larger than mapped) via IOMMU", unmap_wrong_size, 0, 1,
	  DMAMAP_DEBUG_WRONG_SIZE, "unmaps the neighbours' IOVA too", 0 },
	/*
	 * With the debugger off the IOMMU backend knows mappings by their pages:
	 * an unmap at an offset inside the first page of a mapping is taken as
	 * the mapping, as in the kernel (DMAMAP_DEBUG_API reports it).
	 */
	{ "dma_unmap_page(the next mapping's start, another size) via IOMMU", unmap_past, 0, 1,
	  DMAMAP_DEBUG_WRONG_SIZE, "unmaps part of the other mapping", 0 },
	{ "dma_unmap_page(direction 7)", unmap_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_unmap_page(NULL device)", unmap_null_dev, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_map_sg(NULL list)", map_sg_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_map_sg(nents 0)", map_sg_nents0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_map_sg(nents -1) via IOMMU", map_sg_negative, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_map_sg(nents past the list's end)", map_sg_past_list, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "reads past the array", 0 },
	{ "dma_map_sg(entry without a page) via IOMMU", map_sg_no_page, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "page_to_phys(NULL)", 0 },
	{ "dma_map_sg(a page of another machine)", map_sg_other_machine, 0, 1,
	  DMAMAP_DEBUG_BAD_MEMORY, "maps whatever page_to_phys() makes of it", 0 },
	{ "dma_map_sg(entry of length 0)", map_sg_len0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_map_sgtable(NULL table)", map_sgtable_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_sync_single_for_cpu(address never mapped) via IOMMU", sync_unknown, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "iommu_iova_to_phys() gives 0: cache maintenance of page 0", 0 },
	{ "dma_sync_single_for_device(direction 7)", sync_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_sync_single_for_cpu(64 KiB of a 256-byte bounce buffer)", sync_past_bounce, 0, 1,
	  DMAMAP_DEBUG_SYNC_RANGE, "clamped to the slot, with a warning", 0 },
	{ "dma_sync_single_for_cpu(in the swiotlb pool, no mapping there)", sync_inside_pool, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "copies a free slot over whatever it names", 0 },
	{ "dma_unmap_page(in the swiotlb pool, no mapping there)", unmap_inside_pool, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "frees slots of no mapping", 0 },
	{ "dma_sync_single_range_for_device(past a 256-byte bounce buffer)",
	  sync_range_past_bounce, 0, 1, DMAMAP_DEBUG_SYNC_RANGE,
	  "clamped to the slot, with a warning", 0 },
	{ "dma_alloc_noncontiguous(size 0)", noncontig_size0, 0, R_NONE, 0, NULL, 0 },
	{ "dma_alloc_noncontiguous(SIZE_MAX - 4095)", noncontig_huge, 0, R_NONE, 0, NULL, 0 },
	{ "dma_alloc_noncontiguous(direction 7)", noncontig_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON_ONCE(!valid_dma_direction(dir))", 0 },
	{ "dma_free_noncontiguous(NULL table)", free_noncontig_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_set_mask(0)", set_mask_zero, ERR(-EIO), R_NONE, 0, NULL, 0 },
	{ "dma_set_mask(NULL device)", set_mask_null, ERR(-EIO), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_map(unaligned IOVA)", iommu_map_unaligned, ERR(-EINVAL), 1, DMAMAP_DEBUG_MISUSE,
	  "pr_err() and -EINVAL", 0 },
	{ "iommu_map(size 0)", iommu_map_size0, 0, R_NONE, 0, NULL, 0 },
	{ "iommu_map(physical range wrapping 2^64)", iommu_map_wrap, ERR(-ERANGE), 1,
	  DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "iommu_map(NULL domain)", iommu_map_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_unmap(nothing mapped there)", iommu_unmap_unmapped, 0, R_NONE, 0, NULL, 0 },
	{ "iommu_attach_device(NULL domain)", attach_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_attach_device(already attached)", attach_twice, 0, R_NONE, 0, NULL, 0 },
	{ "sg_alloc_table(0 entries)", sg_alloc_zero, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "sg_alloc_table(UINT_MAX entries)", sg_alloc_huge, ERR(-ENOMEM), R_NONE, 0,
	  "allocates chunk after chunk for as long as memory lasts", 0 },
	{ "dmamap_bus_read(NULL device)", bus_read_null_dev, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_read(NULL buffer)", bus_read_null_buf, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_write(wrapping the DMA address space)", bus_write_wrapping, ERR(-EINVAL),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_write(into a TO_DEVICE IOMMU mapping)", bus_write_read_only, ERR(-EACCES),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_read(IOVA never mapped)", bus_read_unmapped, ERR(-EFAULT), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_dma_buf_alloc(size 0)", buf_alloc_size0, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dma_buf_attach(NULL buffer)", buf_attach_null, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf || !dev), -EINVAL", 0 },
	{ "dma_buf_attach(NULL device)", buf_attach_null_dev, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf || !dev), -EINVAL", 0 },
	{ "dma_buf_begin_cpu_access(direction 7)", buf_cpu_access_bad_dir, ERR(-EINVAL), R_NONE,
	  0, "passed to the exporter", 0 },
	{ "dmamap_kfree(not from kmalloc)", kfree_foreign, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "corrupts the slab", 0 },
	{ "dmamap_kmalloc(SIZE_MAX)", kmalloc_huge, 0, R_NONE, 0, NULL, 0 },
	/* no machine to count it against: said on stderr */
	{ "dmamap_free_pages(not a page of any machine)", free_pages_foreign, 0, R_NONE, 0,
	  "corrupts the buddy allocator", 1 },
	{ "dmamap_alloc_pages(order 40)", alloc_pages_huge_order, 0, R_NONE, 0,
	  "WARN_ON_ONCE(order > MAX_PAGE_ORDER), NULL", 0 },
	{ "vunmap(a coherent buffer's mapping)", vunmap_unknown, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN: Trying to vunmap() nonexistent vm area", 0 },
	{ "dmamap_vma_create(size 0)", vma_create_size0, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dma_mmap_attrs(offset past the buffer)", mmap_too_small, ERR(-ENXIO), R_NONE, 0,
	  NULL, 0 },
	/* dmapool */
	{ "dma_pool_create(NULL device)", pool_create_null_dev, 0, R_NONE, 0,
	  NULL, 0 },
	{ "dma_pool_create(size 0)", pool_create_size0, 0, R_NONE, 0, NULL, 0 },
	{ "dma_pool_create(size above INT_MAX)", pool_create_huge, 0, R_NONE, 0, NULL, 0 },
	{ "dma_pool_create(align 3)", pool_create_align3, 0, R_NONE, 0, NULL, 0 },
	{ "dma_pool_create(boundary below the size)", pool_create_small_boundary, 0, R_NONE, 0,
	  NULL, 0 },
	{ "dma_pool_create(boundary not a power of two)", pool_create_odd_boundary, 0, R_NONE, 0,
	  NULL, 0 },
	{ "dma_pool_destroy(NULL)", pool_destroy_null, 0, R_NONE, 0, NULL, 0 },
	{ "dma_pool_destroy(blocks still allocated)", pool_destroy_busy, 0, 1, DMAMAP_DEBUG_LEAK,
	  "the same: dev_err(), the memory left to the device", 0 },
	{ "dma_pool_destroy(a pool of dmam_pool_create())", pool_destroy_managed, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "destroys it; the device's release frees it again", 0 },
	{ "dma_pool_alloc(NULL pool)", pool_alloc_null_pool, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_pool_alloc(NULL handle)", pool_alloc_null_handle, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_pool_free(NULL pool)", pool_free_null_pool, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_pool_free(NULL vaddr)", pool_free_null_vaddr, 0, R_NONE, 0, NULL, 0 },
	{ "dma_pool_free(inside a block)", pool_free_inside, 0, 1, DMAMAP_DEBUG_FREE_MISMATCH,
	  "puts a bogus block on the free list", 0 },
	{ "dma_pool_free(another DMA address)", pool_free_wrong_dma, 0, 1,
	  DMAMAP_DEBUG_FREE_MISMATCH, "frees the block; the DMA address is not checked", 0 },
	{ "dma_pool_free(a block never allocated)", pool_free_never_allocated, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "corrupts the free list", 0 },
	{ "dma_pool_free(host memory)", pool_free_foreign, 0, 1, DMAMAP_DEBUG_UNKNOWN_ADDR,
	  "dev_err(): could not find dma", 0 },
	{ "dma_pool_free(twice)", pool_free_twice, 0, 1, DMAMAP_DEBUG_UNKNOWN_ADDR,
	  "with DMAPOOL_DEBUG: dev_err(), else a corrupt free list", 0 },
	{ "dma_pool_free(a block of another pool)", pool_free_other_pool, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "dev_err(): could not find dma", 0 },
	{ "dmam_pool_create(NULL device)", dmam_pool_create_null_dev, 0, R_NONE, 0,
	  NULL, 0 },
	{ "dmam_pool_create(size 0)", dmam_pool_create_size0, 0, R_NONE, 0, NULL, 0 },
	{ "dmam_pool_destroy(NULL)", dmam_pool_destroy_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dmam_pool_destroy(a pool of dma_pool_create())", dmam_pool_destroy_unmanaged, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "WARN_ON(devres_release()); the pool stays", 0 },
	/* devres */
	{ "devm_kmalloc(NULL device)", devm_kmalloc_null_dev, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "devm_kmalloc(size 0)", devm_kmalloc_size0, 0, R_NONE, 0, "ZERO_SIZE_PTR", 0 },
	{ "devm_kmalloc(SIZE_MAX)", devm_kmalloc_huge, 0, R_NONE, 0, NULL, 0 },
	{ "devm_kmalloc_array(n * size overflows)", devm_kmalloc_array_overflow, 0, R_NONE, 0,
	  NULL, 0 },
	{ "devm_kcalloc(n * size overflows)", devm_kcalloc_overflow, 0, R_NONE, 0, NULL, 0 },
	{ "devm_kfree(NULL)", devm_kfree_null, 0, R_NONE, 0, NULL, 0 },
	{ "devm_kfree(NULL device)", devm_kfree_null_dev, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "devm_kfree(memory the device does not manage)", devm_kfree_unmanaged, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "WARN_ON(rc)", 0 },
	{ "devm_kfree(another device's memory)", devm_kfree_wrong_dev, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON(rc)", 0 },
	{ "devm_kfree(twice)", devm_kfree_twice, 0, 1, DMAMAP_DEBUG_MISUSE, "WARN_ON(rc)", 0 },
	{ "dmam_alloc_attrs(NULL device)", dmam_alloc_null_dev, 0, R_NONE, 0, "NULL dereference",
	  0 },
	{ "dmam_alloc_attrs(size 0)", dmam_alloc_size0, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON_ONCE(!size), NULL", 0 },
	{ "dmam_free_coherent(never allocated)", dmam_free_unknown, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON(devres_destroy()), then frees whatever the address names", 0 },
	{ "dmam_free_coherent(wrong size)", dmam_free_wrong_size, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON(devres_destroy()), then frees the wrong number of pages", 0 },
	{ "dmam_free_coherent(a buffer of dma_alloc_coherent())", dmam_free_unmanaged, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "WARN_ON(devres_destroy()), then frees it", 0 },
	{ "dmam_free_coherent(NULL device)", dmam_free_null_dev, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	/* dma_resv: no machine, said on stderr */
	{ "dma_resv_unlock(not held)", resv_unlock_not_held, 0, R_NONE, 0,
	  "unlocks a mutex it does not own", 1 },
	{ "dma_resv_lock(held by this thread, no context)", resv_lock_twice, ERR(-EDEADLK),
	  R_NONE, 0, "hangs for ever", 1 },
	{ "dma_resv_lock(held in this context)", resv_lock_twice_ctx, ERR(-EALREADY), R_NONE, 0,
	  NULL, 0 },
	{ "dma_resv_lock(a context marked done)", resv_lock_after_done, ERR(-EINVAL), R_NONE, 0,
	  "DEBUG_LOCKS_WARN_ON(ctx->done), then locks", 1 },
	{ "dma_resv_lock_slow(the context holds locks)", resv_lock_slow_holding, 0, R_NONE, 0,
	  "DEBUG_LOCKS_WARN_ON(ctx->acquired), then locks", 1 },
	{ "dma_resv_lock_slow(held by this thread)", resv_lock_slow_self, 0, R_NONE, 0,
	  "hangs for ever", 1 },
	{ "dma_resv_trylock(held by this thread)", resv_trylock_self, 0, R_NONE, 0, NULL, 0 },
	{ "dma_resv_fini(held)", resv_fini_locked, 0, R_NONE, 0,
	  "mutex_destroy() of a held lock: DEBUG_LOCKS_WARN_ON", 1 },
	{ "ww_acquire_fini(locks still held)", ww_fini_held, 0, R_NONE, 0,
	  "DEBUG_LOCKS_WARN_ON(ctx->acquired)", 1 },
	{ "dma_resv_assert_held(not held)", resv_assert_not_held, 0, R_NONE, 0,
	  "lockdep: WARN", 1 },
	{ "dma_resv_held(), dma_resv_is_locked(): not held", resv_held_free, 0, R_NONE, 0, NULL,
	  0 },
	{ "dma_resv_locking_ctx(not held)", resv_locking_ctx_free, 0, R_NONE, 0, NULL, 0 },
	/* MMIO regions, dma_map_resource() */
	{ "dmamap_mmio_region_create(NULL machine)", mmio_create_null_m, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_mmio_region_create(NULL out)", mmio_create_null_out, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_mmio_region_create(NULL config)", mmio_create_null_cfg, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_mmio_region_create(unaligned base)", mmio_create_unaligned, ERR(-EINVAL), R_NONE,
	  0, NULL, 1 },
	{ "dmamap_mmio_region_create(size 0)", mmio_create_size0, ERR(-EINVAL), R_NONE, 0, NULL,
	  1 },
	{ "dmamap_mmio_region_create(size not a page multiple)", mmio_create_odd_size,
	  ERR(-EINVAL), R_NONE, 0, NULL, 1 },
	{ "dmamap_mmio_region_create(inside RAM)", mmio_create_in_ram, ERR(-EINVAL), R_NONE, 0,
	  NULL, 1 },
	{ "dmamap_mmio_region_create(straddling RAM's start)", mmio_create_straddling_ram,
	  ERR(-EINVAL), R_NONE, 0, NULL, 1 },
	{ "dmamap_mmio_region_create(overlapping another region)", mmio_create_overlap,
	  ERR(-EINVAL), R_NONE, 0, NULL, 1 },
	{ "dmamap_mmio_region_create(beyond 48 bits)", mmio_create_past_48_bits, ERR(-EINVAL),
	  R_NONE, 0, NULL, 1 },
	{ "dmamap_mmio_region_create(range wrapping 2^64)", mmio_create_wrapping, ERR(-EINVAL),
	  R_NONE, 0, NULL, 1 },
	{ "dmamap_mmio_region_create(2 GiB register file)", mmio_create_huge_regs, ERR(-EINVAL),
	  R_NONE, 0, NULL, 1 },
	{ "dmamap_mmio_region_destroy(NULL)", mmio_destroy_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_mmio_region_regs(NULL)", mmio_regs_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_mmio_region_base(NULL)", mmio_base_null, 0, R_NONE, 0, NULL, 0 },
	{ "dma_map_resource(NULL device)", map_resource_null_dev, MAPERR, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_map_resource(size 0)", map_resource_size0, MAPERR, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_map_resource(direction 7)", map_resource_bad_dir, MAPERR, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_map_resource(neither MMIO nor RAM)", map_resource_nothing_there, 1, 1,
	  DMAMAP_DEBUG_MISUSE, "maps it: the device faults on the bus", 0 },
	{ "dma_map_resource(past the region's end)", map_resource_past_region, 1, 1,
	  DMAMAP_DEBUG_MISUSE, "maps it", 0 },
	{ "dma_map_resource(range wrapping 2^64)", map_resource_wrapping, MAPERR, 1,
	  DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_map_resource(beyond a 32-bit mask)", map_resource_beyond_mask, MAPERR, 1,
	  DMAMAP_DEBUG_MISUSE, "DMA_MAPPING_ERROR, dev_err_once()", 0 },
	{ "dma_unmap_resource(NULL device)", unmap_resource_null_dev, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_unmap_resource(never mapped) via IOMMU", unmap_resource_unknown, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "unmaps whatever IOVA it names", 0 },
	{ "dma_unmap_resource(larger than mapped) via IOMMU", unmap_resource_wrong_size, 0, 1,
	  DMAMAP_DEBUG_WRONG_SIZE, "unmaps the neighbours' IOVA too", 0 },
	{ "dma_unmap_resource(direction 7)", unmap_resource_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_unmap_resource(DMA_MAPPING_ERROR)", unmap_resource_error, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "unmaps whatever IOVA it names", 0 },
	/* scatterlist copies */
	{ "sg_copy_from_buffer(NULL list)", sg_copy_from_null_list, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "sg_copy_from_buffer(nents 0)", sg_copy_from_nents0, 0, R_NONE, 0, NULL, 0 },
	{ "sg_copy_from_buffer(buflen 0)", sg_copy_from_len0, 0, R_NONE, 0, NULL, 0 },
	{ "sg_copy_from_buffer(NULL buffer)", sg_copy_from_null_buf, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "sg_copy_from_buffer(buffer longer than the list)", sg_copy_from_longer, 64, R_NONE, 0,
	  NULL, 0 },
	{ "sg_copy_from_buffer(nents past the list's end)", sg_copy_from_past_list, 64, R_NONE, 0,
	  NULL, 0 },
	{ "sg_copy_to_buffer(NULL list)", sg_copy_to_null_list, 0, R_NONE, 0, "NULL dereference",
	  0 },
	{ "sg_copy_to_buffer(NULL buffer)", sg_copy_to_null_buf, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "sg_copy_to_buffer(buffer longer than the list)", sg_copy_to_longer, 64, R_NONE, 0,
	  NULL, 0 },
	{ "sg_copy_to_buffer(entry without a page)", sg_copy_no_page, 0, R_NONE, 0,
	  "page_address(NULL): a crash", 1 },
	{ "sg_pcopy_to_buffer(skip to the list's end)", sg_pcopy_to_skip_past, 0, R_NONE, 0,
	  NULL, 0 },
	{ "sg_pcopy_to_buffer(skip -8)", sg_pcopy_to_skip_negative, 0, R_NONE, 0,
	  "copies from before the entry", 0 },
	{ "sg_pcopy_from_buffer(skip past the end)", sg_pcopy_from_skip_past, 0, R_NONE, 0, NULL,
	  0 },
	{ "sg_pcopy_from_buffer(skip -1)", sg_pcopy_from_skip_negative, 0, R_NONE, 0,
	  "copies to before the entry", 0 },
	/* vmap */
	{ "vmap(NULL array)", vmap_null_array, 0, R_NONE, 0, "NULL dereference", 1 },
	{ "vmap(count 0)", vmap_count0, 0, R_NONE, 0, NULL, 1 },
	{ "vmap(a NULL page)", vmap_null_page, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "maps page frame 0 or crashes", 0 },
	{ "vmap(a pointer that is no page)", vmap_foreign_page, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "maps whatever it makes of it", 0 },
	{ "vmap(flags other than VM_MAP)", vmap_other_flags, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "vmap(pages of two machines)", vmap_two_machines, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "vunmap(NULL)", vunmap_null, 0, R_NONE, 0, NULL, 0 },
	{ "vunmap(inside a mapping)", vunmap_inside, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN: Trying to vunmap() nonexistent vm area", 0 },
	{ "vunmap(host memory)", vunmap_heap, 0, R_NONE, 0,
	  "WARN: Trying to vunmap() nonexistent vm area", 1 },
	{ "vunmap(twice)", vunmap_twice, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN: Trying to vunmap() nonexistent vm area", 0 },
	{ "flush_kernel_vmap_range(outside the VA window)", flush_vmap_outside, 0, R_NONE,
	  0, NULL, 1 },
	{ "invalidate_kernel_vmap_range(outside the VA window)", invalidate_vmap_outside, 0, R_NONE,
	  0, NULL, 1 },
	{ "flush_kernel_vmap_range(size -64)", flush_vmap_negative, 0, 1, DMAMAP_DEBUG_MISUSE,
	  NULL, 0 },
	{ "invalidate_kernel_vmap_range(past the mapping)", invalidate_vmap_past, 0, 1,
	  DMAMAP_DEBUG_BAD_MEMORY, "invalidates the neighbours' lines", 0 },
	/* IOMMU */
	{ "iommu_map_sg(NULL domain)", iommu_map_sg_null_domain, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_map_sg(unaligned IOVA)", iommu_map_sg_unaligned_iova, ERR(-EINVAL), 1,
	  DMAMAP_DEBUG_MISUSE, "pr_err() and -EINVAL", 0 },
	{ "iommu_map_sg(nents 0)", iommu_map_sg_nents0, 0, R_NONE, 0, NULL, 0 },
	{ "iommu_map_sg(NULL list)", iommu_map_sg_null_list, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_map_sg(an entry of 100 bytes)", iommu_map_sg_odd_entry, ERR(-EINVAL), 1,
	  DMAMAP_DEBUG_MISUSE, "-EINVAL, what was mapped unmapped", 0 },
	{ "iommu_map_sg(past the IOVA bits)", iommu_map_sg_past_ias, ERR(-ERANGE), 1,
	  DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "iommu_map_sg(onto a mapped page)", iommu_map_sg_onto_mapped, ERR(-EEXIST), R_NONE, 0,
	  NULL, 0 },
	{ "iommu_map_sgtable(a table never allocated)", iommu_map_sgtable_unmapped_table,
	  0, R_NONE, 0, NULL, 0 },
	{ "iommu_unmap(NULL domain)", iommu_unmap_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "iommu_unmap(unaligned IOVA)", iommu_unmap_unaligned, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "pr_err(), 0", 0 },
	{ "iommu_unmap(range wrapping 2^64)", iommu_unmap_wrapping, 0, 1, DMAMAP_DEBUG_MISUSE, NULL,
	  0 },
	{ "iommu_unmap_fast(NULL domain)", iommu_unmap_fast_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_iotlb_sync(NULL domain)", iommu_iotlb_sync_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_iova_to_phys(NULL domain)", iommu_iova_to_phys_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_flush_iotlb_all(NULL domain)", iommu_flush_all_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_set_fault_handler(NULL domain)", iommu_fault_handler_null, 0, R_NONE, 0,
	  "BUG_ON(!domain)", 0 },
	{ "dmamap_iommu_fault_log(NULL domain)", iommu_fault_log_null, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_iommu_fault_log(max -1)", iommu_fault_log_negative, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_iommu_fault_log(NULL out)", iommu_fault_log_null_out, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "iommu_get_domain_for_dev(NULL)", iommu_get_domain_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_paging_domain_alloc(NULL)", iommu_paging_alloc_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_domain_free(NULL)", iommu_domain_free_null, 0, R_NONE, 0, NULL, 0 },
	{ "iommu_domain_free(a device attached)", iommu_domain_free_attached, 0, R_NONE,
	  0, "frees it under the device: use after free", 0 },
	{ "iommu_domain_free(a device's DMA API mapping live)", iommu_domain_free_mapped, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "frees it under the device: use after free", 0 },
	{ "iommu_detach_device(NULL domain)", iommu_detach_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_detach_device(a device not attached)", iommu_detach_not_attached, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "WARN_ON(domain != group->domain)", 0 },
	{ "iommu_attach_device(NULL device)", iommu_attach_null_dev, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "iommu_attach_device(attached to another domain)", iommu_attach_other_domain,
	  ERR(-EBUSY), R_NONE, 0, NULL, 0 },
	{ "iommu_attach_device(a device of another machine)", iommu_attach_other_machine,
	  ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_iommu_domain_create(NULL machine)", iommu_domain_create_null_m, ERR(-EINVAL),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_iommu_domain_create(NULL out)", iommu_domain_create_null_out, ERR(-EINVAL),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_iommu_domain_create(64 IOVA bits)", iommu_domain_create_ias_64, ERR(-EINVAL),
	  R_NONE, 0, NULL, 1 },
	{ "dmamap_iommu_domain_create(4K granule with 32M blocks)", iommu_domain_create_bad_pgsize,
	  ERR(-EINVAL), R_NONE, 0, NULL, 1 },
	{ "dmamap_iommu_domain_create(type 77)", iommu_domain_create_bad_type, ERR(-EINVAL), R_NONE,
	  0, NULL, 1 },
	/* trace, SVG */
	{ "dmamap_trace_open(NULL machine)", trace_open_null_m, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_trace_open(NULL path)", trace_open_null_path, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_trace_open(in a directory that does not exist)", trace_open_no_dir,
	  ERR(-ENOENT), R_NONE, 0, NULL, 0 },
	{ "dmamap_trace_open(a directory)", trace_open_dir, ERR(-EISDIR), R_NONE, 0, NULL, 0 },
	{ "dmamap_trace_open(twice)", trace_open_twice, ERR(-EBUSY), R_NONE, 0, NULL, 0 },
	{ "dmamap_trace_close(NULL)", trace_close_null, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_trace_close(never opened)", trace_close_not_open, ERR(-EINVAL), R_NONE, 0, NULL,
	  0 },
	{ "dmamap_trace_close(every write failed: /dev/full)", trace_close_full, ERR(-ENOSPC),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_trace_set(NULL machine)", trace_set_null_m, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_memory_map(NULL machine)", svg_null_m, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_memory_map(NULL FILE)", svg_null_out, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_bars(NULL FILE)", svg_bars_null_out, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_bars(NULL bars)", svg_bars_null_bars, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_bars(n 0)", svg_bars_n0, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_bars(a bar without a name)", svg_bars_no_name, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_svg_bars(value -1)", svg_bars_negative, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_bars(value infinite)", svg_bars_infinite, ERR(-EINVAL), R_NONE, 0, NULL,
	  0 },
	{ "dmamap_svg_bars(low above high)", svg_bars_low_above_high, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_svg_bars(low NAN, high 2)", svg_bars_half_spread, ERR(-EINVAL), R_NONE, 0, NULL,
	  0 },
	{ "dmamap_svg_bars(a goal with a NAN target)", svg_bars_nan_target, ERR(-EINVAL), R_NONE,
	  0, NULL, 0 },
	{ "dmamap_svg_bars(goal 9)", svg_bars_bad_goal, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_svg_bars(every write fails: /dev/full)", svg_bars_full, ERR(-EIO), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_svg_memory_map(a FILE open for reading)", svg_read_only, ERR(-EIO), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_svg_memory_map(every write fails: /dev/full)", svg_full, ERR(-EIO), R_NONE, 0,
	  NULL, 0 },
	/* the bus */
	{ "dmamap_bus_write(NULL device)", bus_write_null_dev, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_write(NULL buffer)", bus_write_null_buf, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_copy(NULL device)", bus_copy_null_dev, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_fill(NULL device)", bus_fill_null_dev, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_read(wrapping the DMA address space)", bus_read_wrapping, ERR(-EINVAL),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_read(SIZE_MAX bytes)", bus_read_huge, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_copy(source wrapping)", bus_copy_src_wrapping, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_bus_copy(destination wrapping)", bus_copy_dst_wrapping, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_bus_fill(wrapping)", bus_fill_wrapping, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_fill(SIZE_MAX bytes)", bus_fill_huge, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_copy(from an IOVA never mapped)", bus_copy_unmapped, ERR(-EFAULT), R_NONE,
	  0, NULL, 0 },
	{ "dmamap_bus_read_sgtable(NULL device)", bus_read_sgtable_null_dev, ERR(-EINVAL), R_NONE,
	  0, NULL, 0 },
	{ "dmamap_bus_read_sgtable(NULL table)", bus_read_sgtable_null_sgt, ERR(-EINVAL), R_NONE,
	  0, NULL, 0 },
	{ "dmamap_bus_read_sgtable(NULL buffer)", bus_read_sgtable_null_buf, ERR(-EINVAL), R_NONE,
	  0, NULL, 0 },
	{ "dmamap_bus_read_sgtable(past the mapped segments)", bus_read_sgtable_past,
	  ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_read_sgtable(a table never mapped)", bus_read_sgtable_unmapped,
	  ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_write_sgtable(NULL device)", bus_write_sgtable_null_dev, ERR(-EINVAL),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_bus_write_sgtable(SIZE_MAX bytes)", bus_write_sgtable_huge, ERR(-EINVAL), R_NONE,
	  0, NULL, 0 },
	/* dma-buf */
	{ "dma_buf_put(NULL)", buf_put_null, 0, R_NONE, 0, "WARN_ON(!dmabuf), returns", 1 },
	{ "get_dma_buf(NULL)", buf_get_null, 0, R_NONE, 0, "NULL dereference", 1 },
	{ "dma_buf_put(twice)", buf_put_twice, 0, R_NONE, 0, "use after free", 1 },
	{ "get_dma_buf(a buffer released)", buf_get_released, 0, R_NONE, 0, "use after free", 1 },
	{ "dma_buf_attach(a buffer released)", buf_attach_released, ERR(-EINVAL), 1,
	  DMAMAP_DEBUG_MISUSE, "use after free", 0 },
	{ "dma_buf_export(NULL info)", buf_export_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_buf_export(no ops)", buf_export_no_ops, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!exp_info->ops...), -EINVAL", 1 },
	{ "dmamap_dma_buf_alloc(NULL device)", buf_alloc_null_dev, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_dma_buf_alloc(SIZE_MAX)", buf_alloc_huge, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_dma_buf_alloc(DMA_ATTR_SKIP_CPU_SYNC)", buf_alloc_bad_attrs, ERR(-EINVAL),
	  R_NONE, 0, NULL, 0 },
	{ "dma_buf_dynamic_attach(importer ops without move_notify)",
	  buf_dynamic_attach_no_notify, ERR(-EINVAL), 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON(importer_ops && !importer_ops->move_notify), -EINVAL", 0 },
	{ "dma_buf_detach(NULL attachment)", buf_detach_null, 0, R_NONE, 0,
	  "WARN_ON(!attach), returns", 0 },
	{ "dma_buf_detach(an attachment never made)", buf_detach_unknown, 0, R_NONE,
	  0, "list corruption", 1 },
	{ "dma_buf_detach(an attachment of another buffer)", buf_detach_other_buf, 0, R_NONE,
	  0, "WARN_ON(dmabuf != attach->dmabuf), returns", 1 },
	{ "dma_buf_detach(twice)", buf_detach_twice, 0, R_NONE, 0,
	  "use after free", 1 },
	{ "dma_buf_map_attachment(a detached attachment)", buf_map_detached, ERR(-EINVAL), R_NONE,
	  0, "use after free", 1 },
	{ "dma_buf_map_attachment(NULL)", buf_map_null, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!attach), -EINVAL", 1 },
	{ "dma_buf_map_attachment(direction 7)", buf_map_bad_dir, ERR(-EINVAL), 1,
	  DMAMAP_DEBUG_MISUSE, "passed to the exporter", 0 },
	{ "dma_buf_map_attachment(reservation not held)", buf_map_unlocked_resv, 1, 1,
	  DMAMAP_DEBUG_MISUSE, "lockdep: WARN, then maps", 0 },
	{ "dma_buf_unmap_attachment(reservation not held)", buf_unmap_locked_unheld, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "lockdep: WARN, then unmaps", 0 },
	{ "dma_buf_map_attachment_unlocked(reservation held)", buf_map_resv_held, ERR(-EDEADLK),
	  1, DMAMAP_DEBUG_MISUSE, "deadlock", 0 },
	{ "dma_buf_unmap_attachment(a table it never returned)", buf_unmap_foreign_table, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "passed to the exporter", 0 },
	{ "dma_buf_unmap_attachment(NULL attachment)", buf_unmap_null_attach, 0, R_NONE, 0,
	  "WARN_ON(!attach)", 0 },
	{ "dma_buf_unmap_attachment(twice)", buf_unmap_twice, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "double unmap by the exporter", 0 },
	{ "dma_buf_pin(NULL)", buf_pin_null, ERR(-EINVAL), R_NONE, 0, "NULL dereference", 0 },
	{ "dma_buf_pin(a static attachment)", buf_pin_static, ERR(-EINVAL), 1,
	  DMAMAP_DEBUG_MISUSE, "WARN_ON(!dynamic), then pins", 0 },
	{ "dma_buf_unpin(a static attachment)", buf_unpin_static, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON(!dynamic), then unpins", 0 },
	{ "dma_buf_move_notify(NULL)", buf_move_notify_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_buf_move_notify(reservation not held)", buf_move_notify_unlocked, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "lockdep: WARN", 0 },
	{ "dma_buf_begin_cpu_access(NULL)", buf_begin_null, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf), -EINVAL", 0 },
	{ "dma_buf_end_cpu_access(direction 7)", buf_end_bad_dir, ERR(-EINVAL), R_NONE, 0,
	  "passed to the exporter", 0 },
	{ "dma_buf_begin_cpu_access(reservation held)", buf_begin_resv_held, ERR(-EDEADLK), 1,
	  DMAMAP_DEBUG_MISUSE, "deadlock", 0 },
	{ "dma_buf_mmap(NULL VMA)", buf_mmap_null_vma, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf || !vma), -EINVAL", 0 },
	{ "dma_buf_mmap(NULL buffer)", buf_mmap_null_buf, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf || !vma), -EINVAL", 0 },
	{ "dma_buf_mmap(offset past the end)", buf_mmap_past_end, ERR(-EINVAL), R_NONE, 0, NULL,
	  0 },
	{ "dma_buf_mmap(VMA larger than the buffer)", buf_mmap_too_big, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dma_buf_mmap(offset overflowing)", buf_mmap_overflow, ERR(-EOVERFLOW), R_NONE, 0,
	  NULL, 0 },
	{ "dma_buf_vmap(NULL map)", buf_vmap_null_map, ERR(-EINVAL), R_NONE, 0,
	  "iosys_map_clear(NULL): NULL dereference", 0 },
	{ "dma_buf_vmap(NULL buffer)", buf_vmap_null_buf, ERR(-EINVAL), R_NONE, 0,
	  "WARN_ON(!dmabuf), -EINVAL", 0 },
	{ "dma_buf_vunmap(never vmapped)", buf_vunmap_never_mapped, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(iosys_map_is_null(&dmabuf->vmap_ptr))", 0 },
	{ "dma_buf_vunmap(NULL map)", buf_vunmap_null_map, 0, R_NONE, 0,
	  "BUG_ON(!iosys_map_is_equal()): NULL dereference", 0 },
	{ "dma_buf_vunmap(another address)", buf_vunmap_other_map, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!iosys_map_is_equal())", 0 },
	{ "dma_buf_vunmap(twice)", buf_vunmap_twice, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(dmabuf->vmapping_counter == 0)", 0 },
	{ "dma_buf_vmap_unlocked(reservation held)", buf_vmap_resv_held, ERR(-EDEADLK), 1,
	  DMAMAP_DEBUG_MISUSE, "deadlock", 0 },
	{ "dma_buf_vmap(reservation not held)", buf_vmap_locked_unheld, 0, 2, DMAMAP_DEBUG_MISUSE,
	  "lockdep: WARN, then maps", 0 },
	/* machines and devices */
	{ "dmamap_machine_create(NULL out)", machine_create_null_out, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_machine_create(overlapping banks)", machine_create_overlapping, ERR(-EINVAL),
	  R_NONE, 0, NULL, 1 },
	{ "dmamap_machine_create(unaligned bank)", machine_create_unaligned, ERR(-EINVAL), R_NONE,
	  0, NULL, 1 },
	{ "dmamap_machine_create(empty bank)", machine_create_empty_bank, ERR(-EINVAL), R_NONE, 0,
	  NULL, 1 },
	{ "dmamap_machine_create(bank wrapping 2^64)", machine_create_wrapping_bank, ERR(-EINVAL),
	  R_NONE, 0, NULL, 1 },
	{ "dmamap_machine_create(1024 banks)", machine_create_too_many, ERR(-EINVAL), R_NONE, 0,
	  NULL, 1 },
	{ "dmamap_machine_create(cache model 9)", machine_create_bad_cache, ERR(-EINVAL), R_NONE,
	  0, NULL, 1 },
	{ "dmamap_machine_destroy(NULL)", machine_destroy_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_machine_set_current(not a machine)", machine_set_current_dead, ERR(-EINVAL),
	  R_NONE, 0, NULL, 0 },
	{ "dmamap_virt_machine(NULL)", virt_machine_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_virt_machine(host memory)", virt_machine_heap, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_machine_config(NULL)", machine_config_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_machine_stats(NULL machine)", machine_stats_null, 77, R_NONE, 0, NULL, 0 },
	{ "dmamap_machine_stats(NULL out)", machine_stats_null_out, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_device_create(NULL machine)", device_create_null_m, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_device_create(NULL out)", device_create_null_out, ERR(-EINVAL), R_NONE, 0, NULL,
	  0 },
	{ "dmamap_device_create(name of 52 bytes)", device_create_long_name, ERR(-EINVAL), R_NONE,
	  0, NULL, 1 },
	{ "dmamap_device_create(boundary mask 0x12345)", device_create_bad_boundary, ERR(-EINVAL),
	  R_NONE, 0, NULL, 1 },
	{ "dmamap_device_create(DMA offset not page aligned)", device_create_odd_offset,
	  ERR(-EINVAL), R_NONE, 0, NULL, 1 },
	{ "dmamap_device_create(DMA offset past all RAM)", device_create_offset_past_ram,
	  ERR(-EIO), R_NONE, 0, NULL, 1 },
	{ "dmamap_device_create(a 12-bit mask)", device_create_tiny_mask, ERR(-EIO), R_NONE, 0,
	  NULL, 1 },
	{ "dmamap_device_destroy(NULL)", device_destroy_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_device_register(NULL device)", device_register_null_dev, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dmamap_device_register(NULL machine)", device_register_null_m, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_device_register(registered already)", device_register_twice, ERR(-EBUSY), 1,
	  DMAMAP_DEBUG_MISUSE, "kobject_add() of a live kobject: -EEXIST", 0 },
	{ "dmamap_device_unregister(NULL)", device_unregister_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dmamap_device_unregister(twice)", device_unregister_twice, 0, R_NONE, 0,
	  "use after free or a double list removal", 1 },
	{ "get_device(NULL)", get_device_null, 0, R_NONE, 0, NULL, 0 },
	{ "put_device(NULL)", put_device_null, 0, R_NONE, 0, NULL, 0 },
	{ "put_device(no reference left)", put_device_unreferenced, 0, R_NONE, 0,
	  "kref underflow: WARN, use after free", 1 },
	{ "dev_name(NULL)", dev_name_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dmamap_device_machine(NULL)", device_machine_null, 0, R_NONE, 0, NULL, 0 },
	{ "dev_is_dma_coherent(NULL)", dev_coherent_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dmamap_device_dma_offset(NULL)", device_offset_null, 0, R_NONE, 0, NULL, 0 },
	{ "get_dma_ops(NULL)", get_dma_ops_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "set_dma_ops(NULL device)", set_dma_ops_null, 0, R_NONE, 0, "NULL dereference", 0 },
	/* pages, kmalloc, VMAs */
	{ "dmamap_alloc_pages(NULL machine)", alloc_pages_null_m, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_pfn_to_page(a hole)", pfn_to_page_hole, 0, R_NONE, 0,
	  "pfn_to_page() of a hole: a bogus page", 0 },
	{ "dmamap_pfn_to_page(NULL machine)", pfn_to_page_null_m, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_virt_to_page(host memory)", virt_to_page_heap, 0, R_NONE, 0,
	  "virt_to_page() of a non-linear address: a bogus page", 0 },
	{ "dmamap_virt_to_page(NULL)", virt_to_page_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_page_machine(not a page)", page_machine_heap, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_page_machine(NULL)", page_machine_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_kmalloc(NULL machine)", kmalloc_null_m, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_kmalloc(size 0)", kmalloc_size0, 0, R_NONE, 0, "ZERO_SIZE_PTR", 0 },
	{ "dmamap_kzalloc(SIZE_MAX / 2)", kzalloc_huge, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_kfree(NULL)", kfree_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_kfree(twice)", kfree_twice, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "double free: slab corruption", 0 },
	{ "dmamap_kfree(inside an object)", kfree_inside, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "frees the object the address lies in", 0 },
	{ "dmamap_ksize(host memory)", ksize_foreign, 0, R_NONE, 0, "a bogus size or a crash", 0 },
	{ "dmamap_ksize(NULL)", ksize_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_free_pages(twice)", free_pages_twice, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "VM_BUG_ON_PAGE(page_ref_count(page) == 0)", 0 },
	{ "dmamap_free_pages(another order)", free_pages_wrong_order, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "frees the neighbours too", 0 },
	{ "dmamap_free_pages(NULL)", free_pages_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dmamap_vma_create(size not page aligned)", vma_create_unaligned, ERR(-EINVAL), R_NONE,
	  0, NULL, 0 },
	{ "dmamap_vma_create(NULL out)", vma_create_null_out, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_vma_create(NULL machine)", vma_create_null_m, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dmamap_vma_create(size near SIZE_MAX)", vma_create_huge, ERR(-EINVAL), R_NONE, 0, NULL,
	  0 },
	{ "dmamap_vma_destroy(NULL)", vma_destroy_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_vma_destroy(twice)", vma_destroy_twice, 0, R_NONE, 0, NULL, 1 },
	/* the rest of the DMA API */
	{ "dma_mmap_attrs(NULL VMA)", mmap_null_vma, ERR(-EINVAL), R_NONE, 0, "NULL dereference",
	  0 },
	{ "dma_mmap_attrs(size 0)", mmap_size0, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dma_mmap_attrs(NULL device)", mmap_null_dev, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_can_mmap(NULL)", can_mmap_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_get_sgtable_attrs(NULL device)", get_sgtable_null_dev, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_get_sgtable_attrs(NULL table)", get_sgtable_null_sgt, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_get_sgtable_attrs(size 0)", get_sgtable_size0, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dma_get_sgtable_attrs(never allocated)", get_sgtable_unknown, ERR(-ENXIO), 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "a table of whatever the address names", 0 },
	{ "dma_get_sgtable_attrs(past the buffer)", get_sgtable_past, ERR(-EINVAL), R_NONE, 0,
	  "a table of the pages after it", 0 },
	{ "dma_map_single_attrs(an unknown attribute)", map_single_unknown_attr, 1, R_NONE,
	  0, "ignored, as here", 0 },
	{ "dma_unmap_page(DMA_MAPPING_ERROR)", unmap_error, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "unmaps whatever IOVA it names", 0 },
	{ "dma_unmap_page(size 0)", unmap_size0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_unmap_sg(nents 0)", unmap_sg_nents0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_unmap_sg(direction 7)", unmap_sg_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_unmap_sg(NULL list)", unmap_sg_null, 0, R_NONE, 0, "NULL dereference",
	  0 },
	{ "dma_unmap_sgtable(NULL table)", unmap_sgtable_null, 0, R_NONE, 0, "NULL dereference",
	  0 },
	{ "dma_unmap_sgtable(NULL device)", unmap_sgtable_null_dev, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_unmap_sgtable(a table never mapped)", unmap_sgtable_unmapped, 0, 1,
	  DMAMAP_DEBUG_UNKNOWN_ADDR, "unmaps nents 0: nothing, silently", 0 },
	{ "dma_map_sgtable(direction 7)", map_sgtable_bad_dir, ERR(-EINVAL), 1,
	  DMAMAP_DEBUG_MISUSE, "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_sync_single_for_device(address never mapped) via IOMMU", sync_device_unknown, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "iommu_iova_to_phys() gives 0: cache maintenance of page 0", 0 },
	{ "dma_sync_single_for_cpu(NULL device)", sync_null_dev, 0, R_NONE, 0, "NULL dereference",
	  0 },
	{ "dma_sync_single_for_cpu(no RAM there) direct", sync_cpu_not_ram, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "cache maintenance of whatever the address names", 0 },
	{ "dma_sync_single_for_device(no RAM there) direct", sync_device_not_ram, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "cache maintenance of whatever the address names", 0 },
	{ "dma_map_page(beyond the mask, no swiotlb)", map_beyond_mask_no_swiotlb, 0, R_NONE, 0,
	  "DMA_MAPPING_ERROR, dev_WARN_ONCE()", 1 },
	{ "dma_sync_single_for_cpu(DMA_MAPPING_ERROR)", sync_error, 0, 1, DMAMAP_DEBUG_MISUSE,
	  NULL, 0 },
	{ "dma_sync_sg_for_cpu(NULL list)", sync_sg_cpu_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_sync_sg_for_cpu(nelems 0)", sync_sg_cpu_nents0, 0, R_NONE, 0, NULL, 0 },
	{ "dma_sync_sg_for_device(direction 7)", sync_sg_device_bad_dir, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "BUG_ON(!valid_dma_direction(dir))", 0 },
	{ "dma_sync_sg_for_device(NULL device)", sync_sg_device_null_dev, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_mapping_error(NULL device)", mapping_error_null_dev, ERR(-ENOMEM), R_NONE, 0, NULL,
	  0 },
	{ "dma_set_coherent_mask(0)", set_coherent_mask_zero, ERR(-EIO), R_NONE, 0, NULL, 0 },
	{ "dma_set_coherent_mask(NULL device)", set_coherent_mask_null, ERR(-EIO), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_set_mask_and_coherent(a 12-bit mask)", set_both_masks_tiny, ERR(-EIO), R_NONE, 0,
	  NULL, 0 },
	{ "dma_get_mask(NULL)", get_mask_null, (long long)DMA_BIT_MASK(32), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_get_coherent_mask(NULL)", get_coherent_mask_null, 0, R_NONE, 0, "NULL dereference",
	  0 },
	{ "dma_supported(NULL device)", supported_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_supported(a 12-bit mask)", supported_tiny, 0, R_NONE, 0, NULL, 0 },
	{ "dma_set_max_seg_size(0)", set_max_seg_zero, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "dma_set_max_seg_size(NULL device)", set_max_seg_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_get_max_seg_size(NULL)", get_max_seg_null, SZ_64K, R_NONE, 0, "NULL dereference",
	  0 },
	{ "dma_set_seg_boundary(0x12345)", set_boundary_odd, ERR(-EINVAL), R_NONE, 0,
	  "accepted: segments then split anywhere", 0 },
	{ "dma_set_seg_boundary(below a page)", set_boundary_small, ERR(-EINVAL), R_NONE, 0, NULL,
	  0 },
	{ "dma_set_seg_boundary(NULL device)", set_boundary_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_get_seg_boundary(NULL)", get_boundary_null, (long long)DMA_BIT_MASK(32), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_max_mapping_size(NULL)", max_mapping_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_opt_mapping_size(NULL)", opt_mapping_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_get_required_mask(NULL)", required_mask_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_addressing_limited(NULL)", addressing_limited_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_need_sync(NULL device)", need_sync_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_need_sync(address never mapped)", need_sync_unknown, 1, R_NONE, 0, NULL, 0 },
	{ "dma_alloc_pages(size 0)", alloc_pages_size0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_alloc_pages(direction 7)", alloc_pages_bad_dir, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON_ONCE(!valid_dma_direction(dir))", 0 },
	{ "dma_alloc_pages(NULL handle)", alloc_pages_null_handle, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_alloc_pages(SIZE_MAX)", alloc_pages_huge, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_alloc_pages(NULL device)", alloc_pages_null_dev, 0, R_NONE, 0, "NULL dereference",
	  0 },
	{ "dma_free_pages(never allocated)", free_pages_unknown, 0, 1, DMAMAP_DEBUG_FREE_MISMATCH,
	  "frees the page and unmaps whatever IOVA it names", 0 },
	{ "dma_free_pages(not a page)", free_pages_not_a_page, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "frees whatever it makes of it", 0 },
	{ "dma_free_pages(size 0)", free_pages_size0, 0, 1, DMAMAP_DEBUG_MISUSE, NULL, 0 },
	{ "dma_free_pages(NULL page)", free_pages_null_page, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "dma_free_pages(wrong size)", free_dma_pages_wrong_size, 0, 1,
	  DMAMAP_DEBUG_FREE_MISMATCH, "frees the wrong number of pages", 0 },
	{ "dma_mmap_pages(NULL VMA)", mmap_pages_null_vma, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_mmap_pages(NULL page)", mmap_pages_null_page, ERR(-EINVAL), R_NONE, 0,
	  "page_to_pfn(NULL): maps a bogus frame", 0 },
	{ "dma_mmap_pages(VMA larger than the allocation)", mmap_pages_too_small, ERR(-ENXIO),
	  R_NONE, 0, NULL, 0 },
	{ "dma_alloc_noncoherent(size 0)", alloc_noncoherent_size0, 0, 1, DMAMAP_DEBUG_MISUSE,
	  NULL, 0 },
	{ "dma_alloc_noncoherent(__GFP_DMA32)", alloc_noncoherent_zone, 0, 1, DMAMAP_DEBUG_MISUSE,
	  "WARN_ON_ONCE(gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)), NULL", 0 },
	{ "dma_free_noncoherent(NULL)", free_noncoherent_null, 0, R_NONE, 0, NULL, 0 },
	{ "dma_free_noncoherent(never allocated)", free_noncoherent_unknown, 0, 1,
	  DMAMAP_DEBUG_FREE_MISMATCH, "frees whatever the address names", 0 },
	{ "dma_free_noncoherent(wrong size)", free_noncoherent_wrong_size, 0, 1,
	  DMAMAP_DEBUG_FREE_MISMATCH, "frees the wrong number of pages", 0 },
	{ "dma_free_noncontiguous(wrong size) via IOMMU", free_noncontig_wrong_size, 0, 1,
	  DMAMAP_DEBUG_FREE_MISMATCH, "frees past the page array", 0 },
	{ "dma_vmap_noncontiguous(larger than allocated)", vmap_noncontig_wrong_size, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "maps past the page array", 0 },
	{ "dma_mmap_noncontiguous(size larger than allocated)", mmap_noncontig_wrong_size,
	  ERR(-ENXIO), 1, DMAMAP_DEBUG_MISUSE, "maps past the page array", 0 },
	{ "dma_mmap_noncontiguous(VMA larger than the allocation)", mmap_noncontig_too_big,
	  ERR(-ENXIO), R_NONE, 0, NULL, 0 },
	{ "dma_vmap_noncontiguous(NULL table)", vmap_noncontig_null, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_vunmap_noncontiguous(never vmapped)", vunmap_noncontig_unknown, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "WARN: Trying to vunmap() nonexistent vm area", 0 },
	{ "dma_vunmap_noncontiguous(NULL)", vunmap_noncontig_null, 0, R_NONE, 0, NULL, 0 },
	{ "dma_mmap_noncontiguous(NULL table)", mmap_noncontig_null, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_alloc_noncontiguous(NULL device)", noncontig_null_dev, 0, R_NONE, 0,
	  "NULL dereference", 0 },
	{ "dma_alloc_noncontiguous(DMA_ATTR_WRITE_COMBINE)", noncontig_bad_attr, 0, 1,
	  DMAMAP_DEBUG_MISUSE, "WARN_ON_ONCE(attrs & ~DMA_ATTR_ALLOC_SINGLE_PAGES), NULL", 0 },
	/* scatterlists */
	{ "sg_init_one(host memory)", sg_init_one_heap, 0, R_NONE, 0,
	  "virt_to_page() of it: a bogus page", 1 },
	{ "sg_last(nents 0)", sg_last_nents0, 0, R_NONE, 0, NULL, 0 },
	{ "sg_last(nents past the list's end)", sg_last_past_list, 1, R_NONE, 0,
	  "sg_next(NULL): a crash", 0 },
	{ "sg_nents(NULL)", sg_nents_null, 0, R_NONE, 0, NULL, 0 },
	{ "sg_nents_for_len(longer than the list)", sg_nents_for_len_short, ERR(-EINVAL), R_NONE,
	  0, NULL, 0 },
	{ "sg_nents_for_len(NULL list)", sg_nents_for_len_null, ERR(-EINVAL), R_NONE, 0, NULL, 0 },
	{ "sg_alloc_table(NULL table)", sg_alloc_null_table, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "sg_free_table(NULL)", sg_free_null, 0, R_NONE, 0, "NULL dereference", 0 },
	{ "sg_free_table(twice)", sg_free_twice, 0, R_NONE, 0, NULL, 0 },
	{ "sg_alloc_table_from_pages_segment(0 pages)", from_pages_zero, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "sg_alloc_table_from_pages_segment(max_segment 512)", from_pages_small_segment,
	  ERR(-EINVAL), R_NONE, 0, "WARN_ON(max_segment < PAGE_SIZE), -EINVAL", 0 },
	{ "sg_alloc_table_from_pages_segment(size past the pages)", from_pages_too_long,
	  ERR(-EINVAL), R_NONE, 0, "reads past the array", 0 },
	{ "sg_alloc_table_from_pages_segment(offset past the pages)", from_pages_offset_past,
	  ERR(-EINVAL), R_NONE, 0, "reads past the array", 0 },
	{ "sg_alloc_table_from_pages(NULL array)", from_pages_null_pages, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	{ "sg_alloc_table_from_pages(NULL table)", from_pages_null_table, ERR(-EINVAL), R_NONE, 0,
	  "NULL dereference", 0 },
	/* the debugger, fault injection, printk */
	{ "dmamap_debug_set_handler(NULL machine)", debug_set_handler_null, 0, R_NONE, 0, NULL,
	  0 },
	{ "dmamap_debug_error_count(NULL)", debug_error_count_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_debug_dump(NULL machine)", debug_dump_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_debug_dump(NULL FILE)", debug_dump_null_out, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_debug_kind_name(999)", debug_kind_name_bad, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_fail_set(an unknown site)", fail_set_unknown_site, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_fail_set(probability 101)", fail_set_probability, ERR(-EINVAL), R_NONE, 0,
	  NULL, 0 },
	{ "dmamap_fail_stats(NULL)", fail_stats_null, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_fail_site_name(two sites)", fail_site_name_two, 1, R_NONE, 0, NULL, 0 },
	{ "dmamap_fail_site_name(0)", fail_site_name_zero, 1, R_NONE, 0, NULL, 0 },
	{ "dmamap_printk(NULL format)", printk_null_fmt, 0, R_NONE, 0, "printk(NULL): a crash",
	  0 },
	{ "dmamap_printk_count(level 99)", printk_count_bad_level, 0, R_NONE, 0, NULL, 0 },
	{ "dmamap_warn(NULL format)", warn_null_fmt, 0, R_NONE, 0, NULL, 1 },
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
	/* the tables of the IOVAs the rows map at: made once, kept as the kernel keeps them */
	F.pg = dmamap_alloc_pages(F.m, GFP_KERNEL, 1);
	assert_non_null(F.pg);
	assert_true(page_to_phys(F.pg) >= 0x100000000ULL);
	assert_int_equal(iommu_map(F.d, 0x100000, page_to_phys(F.pg), 2 * PAGE_SIZE, IOMMU_READ,
				   GFP_KERNEL), 0);
	assert_int_equal(iommu_unmap(F.d, 0x100000, 2 * PAGE_SIZE), 2 * PAGE_SIZE);
	F.coh = dma_alloc_coherent(F.io, 3 * PAGE_SIZE, &F.coh_h, GFP_KERNEL);
	assert_non_null(F.coh);
	F.map = dma_map_page(F.io, F.pg, 0, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(F.io, F.map));
	F.buf = dmamap_dma_buf_alloc(F.nc, PAGE_SIZE, 0);
	assert_false(IS_ERR_OR_NULL(F.buf));
	F.att = dma_buf_attach(F.buf, F.io);
	assert_false(IS_ERR_OR_NULL(F.att));
	F.pool = dma_pool_create("bad-input", F.nc, 64, 64, 0);
	assert_non_null(F.pool);
	F.blk = dma_pool_alloc(F.pool, GFP_KERNEL, &F.blk_h);
	assert_non_null(F.blk);
	F.devm = devm_kmalloc(F.nc, 64, GFP_KERNEL);
	assert_non_null(F.devm);
	F.dmam = dmam_alloc_attrs(F.io, PAGE_SIZE, &F.dmam_h, GFP_KERNEL, 0);
	assert_non_null(F.dmam);
	assert_int_equal(dmamap_mmio_region_create(F.m, &(struct dmamap_mmio_config){
		.base = MMIO_BASE, .size = SZ_64K }, &F.mmio), 0);
	F.res = dma_map_resource(F.io, MMIO_BASE, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	assert_false(dma_mapping_error(F.io, F.res));
	F.va = vmap((struct page *[]){ F.pg, F.pg + 1 }, 2, VM_MAP, KPROT);
	assert_non_null(F.va);
	assert_int_equal(sg_alloc_table(&F.sgt, 1, GFP_KERNEL), 0);
	sg_set_page(F.sgt.sgl, F.pg, PAGE_SIZE, 0);
	assert_int_equal(dma_map_sgtable(F.io, &F.sgt, DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmamap_vma_create(F.m, PAGE_SIZE, 0, &F.vma), 0);
}

static void teardown(void)
{
	dmamap_vma_destroy(F.vma);
	dma_unmap_sgtable(F.io, &F.sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&F.sgt);
	vunmap(F.va);
	dma_unmap_resource(F.io, F.res, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	dmamap_mmio_region_destroy(F.mmio);
	dmam_free_coherent(F.io, PAGE_SIZE, F.dmam, F.dmam_h);
	devm_kfree(F.nc, F.devm);
	dma_pool_free(F.pool, F.blk, F.blk_h);
	dma_pool_destroy(F.pool);
	dma_buf_detach(F.buf, F.att);
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

/* stderr goes to a file while a row runs, to count the lines said there. */
static struct {
	int saved;
	FILE *f;
	bool on;		/* stderr goes to f */
	const char *row;	/* the row running */
} said_to;

static void said_start(void)
{
	fflush(stderr);
	said_to.f = tmpfile();
	assert_non_null(said_to.f);
	said_to.saved = dup(STDERR_FILENO);
	assert_true(said_to.saved >= 0);
	assert_true(dup2(fileno(said_to.f), STDERR_FILENO) >= 0);
	said_to.on = true;
}

static unsigned int said_stop(void)
{
	unsigned int n = 0;
	int c;

	fflush(stderr);
	assert_true(dup2(said_to.saved, STDERR_FILENO) >= 0);
	close(said_to.saved);
	said_to.on = false;
	rewind(said_to.f);
	while ((c = fgetc(said_to.f)) != EOF)
		n += c == '\n';
	return n;
}

/* After a row failed: what it said, then the file closed. */
static void said_show(void)
{
	char line[1024];

	rewind(said_to.f);
	while (fgets(line, sizeof(line), said_to.f))
		printf("    stderr: %s", line);
	fclose(said_to.f);
	said_to.f = NULL;
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

		unsigned int said;

		said_to.row = r->call;
		said_start();
		test_reports_record(F.m, &rep);
		ret = r->run();
		test_reports_stop(F.m);
		said = said_stop();
		s1 = test_stats(F.m);
		ok = ret == r->ret && rep.n == r->reports &&
		     (!r->reports || rep.kind[0] == r->kind) && same_state(&s0, &s1) &&
		     said == r->said;
		if (!ok) {
			for (unsigned int k = 1; k < rep.n && k < TEST_REPORTS_MAX; k++)
				printf("  report %u of kind %d\n", k, (int)rep.kind[k]);
			printf("%s: returned %lld (table: %lld), %u reports of kind %d "
			       "(table: %u of %d), %u lines on stderr (table: %u), state %s\n",
			       r->call, ret, r->ret, rep.n, rep.n ? (int)rep.kind[0] : 0,
			       r->reports, (int)r->kind, said, r->said,
			       same_state(&s0, &s1) ? "unchanged" : "CHANGED");
			said_show();
			failed++;
		} else {
			fclose(said_to.f);
		}
	}
	teardown();
	assert_int_equal(failed, 0);
}

/*
 * A row's own setup failed its assertion while stderr went to the file: say
 * which row, and what cmocka and the library said.
 */
static int said_restore(void **state)
{
	(void)state;
	if (said_to.on) {
		said_stop();
		printf("while running the row %s:\n", said_to.row);
		said_show();
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_bad_input, said_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
