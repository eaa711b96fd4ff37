// SPDX-License-Identifier: MIT
/*
 * The bus master (src/bus/bus.c) for devices without an IOMMU: addresses
 * are translated through the device's direct window (its DMA mask, then
 * phys = dma + dma_offset), checked against RAM, and the bytes move in the
 * view of memory the device has: memory itself for a non-coherent device,
 * the CPU's caches as well for a coherent one. A fault stops the access at
 * the first byte it cannot move and says where, why and how much was done.
 */
#include "test-util.h"

#include "mm/cache.h"
#include "mm/mm.h"

#include <stdlib.h>
#include <string.h>

struct fixture {
	struct dmamap_machine *m;
	struct device *dev;
	struct page *page;
	unsigned int order;
	phys_addr_t phys;
	u8 *cpu;
	u8 *mem;	/* what memory holds */
};

static void setup(struct fixture *f, const struct dmamap_machine_config *mc,
		  const struct dmamap_device_config *dc, unsigned int order)
{
	f->m = test_machine(mc);
	f->dev = test_device(f->m, dc, NULL);
	f->order = order;
	f->page = dmamap_alloc_pages(f->m, GFP_DMA32 | __GFP_ZERO, order);
	assert_non_null(f->page);
	f->phys = page_to_phys(f->page);
	f->cpu = page_address(f->page);
	f->mem = mm_phys_to_mem(f->m, f->phys);
	assert_non_null(f->mem);
}

static void teardown(struct fixture *f)
{
	dmamap_free_pages(f->page, f->order);
	dmamap_device_destroy(f->dev);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* --- moving bytes --------------------------------------------------------------- */

/* Read, write, fill and copy at phys - dma_offset; a successful call clears the fault. */
static void test_rw_offset(void **state)
{
	const u64 offset = 0x40000000ULL;
	struct dmamap_device_config dc = { .dma_offset = offset };
	struct fixture f;
	struct dmamap_fault fault;
	dma_addr_t base;
	u8 buf[3 * 4096];

	(void)state;
	setup(&f, NULL, &dc, 2);
	base = f.phys - offset;
	test_fill_pattern(buf, sizeof(buf), 1);
	memset(&fault, 0x5a, sizeof(fault));
	assert_int_equal(dmamap_bus_write(f.dev, base + 100, buf, sizeof(buf), &fault), 0);
	assert_int_equal(fault.reason, DMAMAP_FAULT_NONE);
	assert_int_equal(fault.done, 0);
	assert_int_equal(fault.addr, 0);
	assert_int_equal(test_check_pattern(f.cpu + 100, sizeof(buf), 1), -1);
	assert_true(test_all_bytes(f.cpu, 100, 0));
	assert_true(test_all_bytes(f.cpu + 100 + sizeof(buf), 4 * PAGE_SIZE - 100 - sizeof(buf), 0));

	memset(buf, 0, sizeof(buf));
	assert_int_equal(dmamap_bus_read(f.dev, base + 100, buf, sizeof(buf), NULL), 0);
	assert_int_equal(test_check_pattern(buf, sizeof(buf), 1), -1);
	/* the same bytes are at phys for a device without an offset */
	{
		struct dmamap_device_config d0 = { 0 };
		struct device *plain = test_device(f.m, &d0, NULL);

		assert_int_equal(dmamap_bus_read(plain, f.phys + 100, buf, sizeof(buf), NULL), 0);
		assert_int_equal(test_check_pattern(buf, sizeof(buf), 1), -1);
		/* copy, the plain device working at its own addresses */
		assert_int_equal(dmamap_bus_copy(plain, f.phys + 3 * PAGE_SIZE, f.phys + 100, 500,
						 &fault), 0);
		assert_int_equal(test_check_pattern(f.cpu + 3 * PAGE_SIZE, 500, 1), -1);
		dmamap_device_destroy(plain);
	}

	/* fill */
	assert_int_equal(dmamap_bus_fill(f.dev, base + PAGE_SIZE - 10, 0xab, 20, NULL), 0);
	assert_true(test_all_bytes(f.cpu + PAGE_SIZE - 10, 20, 0xab));
	assert_int_equal(f.cpu[PAGE_SIZE - 11], buf[PAGE_SIZE - 111]);
	assert_int_equal(f.cpu[PAGE_SIZE + 10], buf[PAGE_SIZE - 90]);

	/* copy within the device's window, overlapping nothing */
	assert_int_equal(dmamap_bus_copy(f.dev, base + 2 * PAGE_SIZE, base + 100, 1000, NULL), 0);
	assert_int_equal(test_check_pattern(f.cpu + 2 * PAGE_SIZE, 1000, 1), -1);

	/* zero length: nothing, no fault */
	assert_int_equal(dmamap_bus_read(f.dev, base, NULL, 0, &fault), 0);
	assert_int_equal(dmamap_bus_fill(f.dev, base, 0xff, 0, NULL), 0);
	assert_true(test_all_bytes(f.cpu, 100, 0));
	teardown(&f);
}

/* A copy larger than the internal chunk, between two buffers of different pages. */
static void test_copy_large(void **state)
{
	const size_t len = 200 * 1024 + 123;
	struct dmamap_device_config dc = { 0 };
	struct fixture f;
	u8 *src;

	(void)state;
	setup(&f, NULL, &dc, 7);	/* 512 KiB */
	src = f.cpu + 7;
	test_fill_pattern(src, len, 2);
	assert_int_equal(dmamap_bus_copy(f.dev, f.phys + 256 * 1024, f.phys + 7, len, NULL), 0);
	assert_int_equal(test_check_pattern(f.cpu + 256 * 1024, len, 2), -1);
	assert_int_equal(test_check_pattern(src, len, 2), -1);
	assert_true(test_all_bytes(f.cpu + 256 * 1024 + len, 512 * 1024 - 256 * 1024 - len, 0));
	teardown(&f);
}

/* --- faults ---------------------------------------------------------------------- */

static void assert_fault(const struct dmamap_fault *f, dma_addr_t addr, size_t done, int flags,
			 int reason)
{
	assert_int_equal(f->addr, addr);
	assert_int_equal(f->done, done);
	assert_int_equal(f->flags, flags);
	assert_int_equal(f->reason, reason);
}

/*
 * An address beyond the device's DMA mask is an address-size fault, one
 * that translates to no RAM a bus fault; an access running into either
 * moves the bytes before and none after.
 */
static void test_faults(void **state)
{
	/* RAM across the 4 GiB line, so that the mask ends inside it */
	static const struct dmamap_bank bank[] = { { 0xf0000000ULL, SZ_512M } };
	struct dmamap_machine_config mc = { .banks = bank, .nr_banks = 1 };
	struct dmamap_device_config dc = { 0 };
	struct dmamap_machine *m = test_machine(&mc);
	struct device *dev = test_device(m, &dc, NULL);
	const phys_addr_t last = 0x100000000ULL - PAGE_SIZE;	/* the mask's last page */
	u8 *mem_last = mm_phys_to_mem(m, last);
	u8 *mem_above = mm_phys_to_mem(m, 0x100000000ULL);
	struct dmamap_fault fault;
	u8 buf[2 * 4096];

	(void)state;
	/* beyond the mask, though RAM is there */
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(dmamap_bus_read(dev, 0x100000000ULL, buf, 16, &fault), -EFAULT);
	assert_fault(&fault, 0x100000000ULL, 0, IOMMU_FAULT_READ, DMAMAP_FAULT_ADDRESS_SIZE);
	assert_true(test_all_bytes(buf, 16, 0x11));
	/* running across the mask's end: one page moved, not more */
	test_fill_pattern(buf, sizeof(buf), 3);
	assert_int_equal(dmamap_bus_write(dev, last, buf, sizeof(buf), &fault), -EFAULT);
	assert_fault(&fault, 0x100000000ULL, PAGE_SIZE, IOMMU_FAULT_WRITE,
		     DMAMAP_FAULT_ADDRESS_SIZE);
	assert_int_equal(test_check_pattern(mem_last, PAGE_SIZE, 3), -1);
	assert_true(test_all_bytes(mem_above, PAGE_SIZE, 0));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(dmamap_bus_read(dev, last + 96, buf, sizeof(buf), &fault), -EFAULT);
	assert_fault(&fault, 0x100000000ULL, PAGE_SIZE - 96, IOMMU_FAULT_READ,
		     DMAMAP_FAULT_ADDRESS_SIZE);
	assert_int_equal(buf[0], mem_last[96]);
	assert_true(test_all_bytes(buf + PAGE_SIZE - 96, 96, 0));
	assert_int_equal(dmamap_bus_fill(dev, last + 4000, 0x77, 200, &fault), -EFAULT);
	assert_fault(&fault, 0x100000000ULL, 96, IOMMU_FAULT_WRITE, DMAMAP_FAULT_ADDRESS_SIZE);
	assert_true(test_all_bytes(mem_last + 4000, 96, 0x77));
	assert_true(test_all_bytes(mem_above, PAGE_SIZE, 0));

	/* a wider mask reaches it */
	{
		struct dmamap_device_config d64 = { .dma_mask = DMA_BIT_MASK(64) };
		struct device *wide = test_device(m, &d64, NULL);

		test_fill_pattern(buf, sizeof(buf), 9);
		assert_int_equal(dmamap_bus_write(wide, last, buf, sizeof(buf), &fault), 0);
		assert_int_equal(fault.reason, DMAMAP_FAULT_NONE);
		assert_int_equal(test_check_pattern(mem_last, PAGE_SIZE, 9), -1);
		assert_memory_equal(mem_above, buf + PAGE_SIZE, PAGE_SIZE);
		/* the end of RAM is a bus fault */
		assert_int_equal(dmamap_bus_read(wide, 0xf0000000ULL + SZ_512M - 64, buf, 128,
						 &fault), -EFAULT);
		assert_fault(&fault, 0xf0000000ULL + SZ_512M, 64, IOMMU_FAULT_READ,
			     DMAMAP_FAULT_BUS);
		assert_int_equal(dmamap_bus_fill(wide, 0x200000000ULL, 0, 1, &fault), -EFAULT);
		assert_fault(&fault, 0x200000000ULL, 0, IOMMU_FAULT_WRITE, DMAMAP_FAULT_BUS);
		dmamap_device_destroy(wide);
	}

	/* below RAM: not memory at all */
	assert_int_equal(dmamap_bus_read(dev, 0x1000, buf, 8, &fault), -EFAULT);
	assert_fault(&fault, 0x1000, 0, IOMMU_FAULT_READ, DMAMAP_FAULT_BUS);
	assert_int_equal(dmamap_bus_write(dev, 0, buf, 8, NULL), -EFAULT);
	/* a copy whose source faults part way: the bytes written are counted */
	assert_int_equal(dmamap_bus_copy(dev, 0xf0000000ULL, last + 1000, 5000, &fault), -EFAULT);
	assert_int_equal(fault.done, 0);
	assert_int_equal(fault.reason, DMAMAP_FAULT_ADDRESS_SIZE);
	/* and whose destination faults part way */
	test_fill_pattern(mm_phys_to_mem(m, 0xf0000000ULL), 8192, 4);
	assert_int_equal(dmamap_bus_copy(dev, last + 1000, 0xf0000000ULL, 5000, &fault), -EFAULT);
	assert_fault(&fault, 0x100000000ULL, PAGE_SIZE - 1000, IOMMU_FAULT_WRITE,
		     DMAMAP_FAULT_ADDRESS_SIZE);
	assert_int_equal(test_check_pattern(mem_last + 1000, PAGE_SIZE - 1000, 4), -1);

	/* bad arguments */
	assert_int_equal(dmamap_bus_read(NULL, 0xf0000000ULL, buf, 8, &fault), -EINVAL);
	assert_int_equal(dmamap_bus_read(dev, 0xf0000000ULL, NULL, 8, &fault), -EINVAL);
	assert_int_equal(dmamap_bus_write(dev, 0xf0000000ULL, NULL, 8, &fault), -EINVAL);
	assert_int_equal(dmamap_bus_write(dev, ~0ULL - 3, buf, 8, &fault), -EINVAL);
	assert_int_equal(dmamap_bus_fill(NULL, 0xf0000000ULL, 0, 8, &fault), -EINVAL);
	assert_int_equal(dmamap_bus_copy(dev, 0xf0000000ULL, ~0ULL - 3, 8, &fault), -EINVAL);
	assert_int_equal(dmamap_bus_copy(NULL, 0xf0000000ULL, 0xf0001000ULL, 8, &fault), -EINVAL);
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/*
 * The mask is checked on the DMA address, the RAM on the physical one: with
 * a DMA offset a device cannot reach RAM at the top of its mask range plus
 * the offset, and an address whose physical translation wraps is no RAM.
 */
static void test_offset_faults(void **state)
{
	static const struct dmamap_bank banks[] = {
		{ 0x80000000ULL, SZ_64M },
		{ 0x100000000ULL, SZ_64M },
	};
	struct dmamap_machine_config mc = { .banks = banks, .nr_banks = 2 };
	struct dmamap_device_config d31 = { .dma_mask = DMA_BIT_MASK(31),
					    .dma_offset = 0x80000000ULL };
	struct dmamap_device_config d64 = { .dma_mask = DMA_BIT_MASK(64),
					    .dma_offset = 0x80000000ULL };
	struct dmamap_machine *m = test_machine(&mc);
	struct device *a = test_device(m, &d31, NULL), *b = test_device(m, &d64, NULL);
	struct dmamap_fault fault;
	u8 buf[64];

	(void)state;
	test_fill_pattern(mm_phys_to_mem(m, 0x80000000ULL), 64, 5);
	test_fill_pattern(mm_phys_to_mem(m, 0x100000000ULL), 64, 6);
	assert_int_equal(dmamap_bus_read(a, 0, buf, 64, &fault), 0);
	assert_int_equal(test_check_pattern(buf, 64, 5), -1);
	/* phys 0x100000000 is RAM, but its DMA address is beyond a's mask */
	assert_int_equal(dmamap_bus_read(a, 0x80000000ULL, buf, 64, &fault), -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_ADDRESS_SIZE);
	assert_int_equal(dmamap_bus_read(b, 0x80000000ULL, buf, 64, &fault), 0);
	assert_int_equal(test_check_pattern(buf, 64, 6), -1);
	/* dma + offset wraps past the top of the address space */
	assert_int_equal(dmamap_bus_read(b, ~0ULL - 0x7fffffffULL + 0x1000, buf, 8, &fault),
			 -EFAULT);
	assert_int_equal(fault.reason, DMAMAP_FAULT_BUS);
	assert_int_equal(fault.done, 0);
	dmamap_device_destroy(a);
	dmamap_device_destroy(b);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- views of memory ----------------------------------------------------------------- */

/*
 * On a non-coherent machine a non-coherent device works on memory only: it
 * does not see what the CPU has in its cache until a clean, and a CPU that
 * holds a line does not see the device's write until an invalidate.
 */
static void test_noncoherent_view(void **state)
{
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config dc = { 0 };
	struct fixture f;
	u8 buf[256];

	(void)state;
	setup(&f, &mc, &dc, 0);
	/* the CPU's write is in its cache */
	memset(f.cpu, 0xc1, 256);
	assert_int_equal(dmamap_bus_read(f.dev, f.phys, buf, 256, NULL), 0);
	assert_true(test_all_bytes(buf, 256, 0));
	mm_cache_clean(f.m, f.phys, 256);
	assert_int_equal(dmamap_bus_read(f.dev, f.phys, buf, 256, NULL), 0);
	assert_true(test_all_bytes(buf, 256, 0xc1));

	/* the device's write goes to memory; the CPU holding the page reads its copy */
	mm_cache_prime(f.m, f.phys, PAGE_SIZE, true);
	assert_int_equal(dmamap_bus_fill(f.dev, f.phys, 0xd2, 128, NULL), 0);
	test_fill_pattern(buf, 128, 7);
	assert_int_equal(dmamap_bus_write(f.dev, f.phys + 128, buf, 128, NULL), 0);
	assert_true(test_all_bytes(f.mem, 128, 0xd2));
	assert_int_equal(test_check_pattern(f.mem + 128, 128, 7), -1);
	assert_true(test_all_bytes(f.cpu, 256, 0xc1));
	mm_cache_inval(f.m, f.phys, 256);
	assert_true(test_all_bytes(f.cpu, 128, 0xd2));
	assert_int_equal(test_check_pattern(f.cpu + 128, 128, 7), -1);
	/* a copy by the device is memory to memory as well */
	assert_int_equal(dmamap_bus_fill(f.dev, f.phys + 1024, 0x44, 64, NULL), 0);
	memset(f.cpu + 1024, 0xe3, 64);			/* cached, not in memory */
	assert_int_equal(dmamap_bus_copy(f.dev, f.phys + 2048, f.phys + 1024, 64, NULL), 0);
	assert_true(test_all_bytes(f.mem + 2048, 64, 0x44));
	assert_true(test_all_bytes(f.cpu + 2048, 64, 0));	/* the CPU's copy of the page */
	teardown(&f);
}

/*
 * A coherent (snooping) device reads what the CPU has in its cache and its
 * writes reach both memory and the CPU's copy: no maintenance is needed
 * either way, and a non-coherent device sees the coherent one's writes.
 */
static void test_coherent_view(void **state)
{
	struct dmamap_machine_config mc = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config dc = { .coherent = true };
	struct dmamap_device_config dn = { 0 };
	struct fixture f;
	struct device *nc;
	u8 buf[256];

	(void)state;
	setup(&f, &mc, &dc, 1);
	nc = test_device(f.m, &dn, NULL);
	memset(f.cpu, 0xc1, 256);			/* only in the CPU's cache */
	assert_true(test_all_bytes(f.mem, 256, 0));
	assert_int_equal(dmamap_bus_read(f.dev, f.phys, buf, 256, NULL), 0);
	assert_true(test_all_bytes(buf, 256, 0xc1));

	/* a write lands in the CPU's copy and in memory */
	test_fill_pattern(buf, 256, 8);
	assert_int_equal(dmamap_bus_write(f.dev, f.phys + 64, buf, 256, NULL), 0);
	assert_int_equal(test_check_pattern(f.cpu + 64, 256, 8), -1);
	assert_int_equal(test_check_pattern(f.mem + 64, 256, 8), -1);
	assert_true(test_all_bytes(f.cpu, 64, 0xc1));
	assert_int_equal(dmamap_bus_read(nc, f.phys + 64, buf, 256, NULL), 0);
	assert_int_equal(test_check_pattern(buf, 256, 8), -1);
	/* fill and copy too, across into a page the CPU holds no copy of */
	assert_int_equal(dmamap_bus_fill(f.dev, f.phys + PAGE_SIZE - 32, 0x99, 64, NULL), 0);
	assert_true(test_all_bytes(f.cpu + PAGE_SIZE - 32, 64, 0x99));
	assert_true(test_all_bytes(f.mem + PAGE_SIZE - 32, 64, 0x99));
	assert_int_equal(dmamap_bus_copy(f.dev, f.phys + PAGE_SIZE + 512, f.phys, 64, NULL), 0);
	assert_true(test_all_bytes(f.cpu + PAGE_SIZE + 512, 64, 0xc1));
	assert_true(test_all_bytes(f.mem + PAGE_SIZE + 512, 64, 0xc1));
	dmamap_device_destroy(nc);
	teardown(&f);
}

/*
 * Scatter-gather DMA through a mapped table: the bytes go segment after
 * segment; a length beyond the mapped segments moves nothing; a fault in a
 * later segment reports every byte moved before it, in all segments.
 */
static void test_sgtable(void **state)
{
	struct dmamap_device_config dc = { .name = "sg" };
	struct fixture f;
	struct sg_table sgt;
	struct dmamap_fault fault;
	u8 in[3 * 1000], out[3 * 1000];

	(void)state;
	setup(&f, NULL, &dc, 2);
	assert_int_equal(sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
	/* three pieces of the block, in another order than memory's */
	sg_set_page(&sgt.sgl[0], f.page + 2, 1000, 100);
	sg_set_page(&sgt.sgl[1], f.page, 1000, 0);
	sg_set_page(&sgt.sgl[2], f.page + 1, 1000, 3000);
	assert_int_equal(dma_map_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);

	test_fill_pattern(in, sizeof(in), 90);
	assert_int_equal(dmamap_bus_write_sgtable(f.dev, &sgt, in, sizeof(in), &fault), 0);
	assert_memory_equal(f.mem + 2 * PAGE_SIZE + 100, in, 1000);
	assert_memory_equal(f.mem, in + 1000, 1000);
	assert_memory_equal(f.mem + PAGE_SIZE + 3000, in + 2000, 1000);
	memset(out, 0, sizeof(out));
	assert_int_equal(dmamap_bus_read_sgtable(f.dev, &sgt, out, 1500, &fault), 0);
	assert_memory_equal(out, in, 1500);
	assert_true(test_all_bytes(out + 1500, sizeof(out) - 1500, 0));

	/* more than the table holds: refused, nothing written */
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(dmamap_bus_write_sgtable(f.dev, &sgt, out, sizeof(out) + 1, &fault),
			 -EINVAL);
	assert_memory_equal(f.mem, in + 1000, 1000);
	assert_int_equal(dmamap_bus_read_sgtable(NULL, &sgt, out, 10, NULL), -EINVAL);
	assert_int_equal(dmamap_bus_read_sgtable(f.dev, NULL, out, 10, NULL), -EINVAL);
	assert_int_equal(dmamap_bus_write_sgtable(f.dev, &sgt, NULL, 10, NULL), -EINVAL);

	/* the third segment made to point outside the device's mask: a fault after 2000 bytes */
	dma_unmap_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0);
	assert_int_equal(dma_map_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	sg_dma_address(&sgt.sgl[2]) = DMA_BIT_MASK(32) + 1;
	assert_int_equal(dmamap_bus_read_sgtable(f.dev, &sgt, out, sizeof(out), &fault), -EFAULT);
	assert_int_equal(fault.done, 2000);
	assert_int_equal(fault.reason, DMAMAP_FAULT_ADDRESS_SIZE);
	sg_dma_address(&sgt.sgl[2]) = f.phys + PAGE_SIZE + 3000;
	dma_unmap_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&sgt);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rw_offset),
		cmocka_unit_test(test_copy_large),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_offset_faults),
		cmocka_unit_test(test_noncoherent_view),
		cmocka_unit_test(test_coherent_view),
		cmocka_unit_test(test_sgtable),
	};

	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
