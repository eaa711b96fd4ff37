// SPDX-License-Identifier: MIT
/*
 * MMIO regions (src/mm/mmio.c), dma_map_resource() (src/dma/resource.c) and
 * the bus master's accesses to MMIO (src/bus/bus.c): a device reaching a
 * peer's registers goes to the region's handlers, uncached, in order; behind
 * an IOMMU the resource is mapped with IOMMU_MMIO, and an MMIO access
 * through a mapping without it is reported.
 */
#include "test-util.h"

#include "iommu/iommu.h"

#include <string.h>

#define DOORBELL	0x40000000ULL	/* below RAM (which starts at 2 GiB) */
#define HIGH_MMIO	0x200000000ULL	/* 8 GiB: beyond a 32-bit mask */

/* A peer device's FIFO: records every access in order. */
struct fifo {
	int writes, reads;
	u64 last_off;
	size_t last_len;
	u8 data[4096];
	size_t fill;
	int fail_at;		/* a write at this offset fails; -1: none */
};

static int fifo_write(void *priv, u64 off, const void *buf, size_t len)
{
	struct fifo *f = priv;

	if (f->fail_at >= 0 && off == (u64)f->fail_at)
		return -EIO;
	f->writes++;
	f->last_off = off;
	f->last_len = len;
	if (f->fill + len <= sizeof(f->data)) {
		memcpy(f->data + f->fill, buf, len);
		f->fill += len;
	}
	return 0;
}

static int fifo_read(void *priv, u64 off, void *buf, size_t len)
{
	struct fifo *f = priv;

	f->reads++;
	f->last_off = off;
	f->last_len = len;
	memset(buf, (int)(0x10 + f->reads), len);	/* every read pops a new value */
	return 0;
}

static const struct dmamap_mmio_ops fifo_ops = { .read = fifo_read, .write = fifo_write };

static struct dmamap_mmio_region *fifo_region(struct dmamap_machine *m, phys_addr_t base,
					      struct fifo *f)
{
	struct dmamap_mmio_config cfg = { .name = "fifo", .base = base, .size = PAGE_SIZE,
					  .ops = &fifo_ops, .priv = f };
	struct dmamap_mmio_region *r;

	memset(f, 0, sizeof(*f));
	f->fail_at = -1;
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r), 0);
	return r;
}

static void test_regions(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_mmio_config cfg = { .base = DOORBELL, .size = SZ_64K };
	struct dmamap_mmio_region *r, *r2;

	(void)state;
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r), 0);
	assert_int_equal(dmamap_mmio_region_base(r), DOORBELL);
	assert_non_null(dmamap_mmio_region_regs(r));
	assert_true(test_all_bytes(dmamap_mmio_region_regs(r), SZ_64K, 0));
	cfg.base = DOORBELL + SZ_32K;
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r2), -EINVAL);	/* overlap */
	assert_null(r2);
	cfg = (struct dmamap_mmio_config){ .base = 0x80000000ULL + SZ_1M, .size = PAGE_SIZE };
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r2), -EINVAL);	/* RAM */
	cfg = (struct dmamap_mmio_config){ .base = DOORBELL + SZ_1M + 8, .size = PAGE_SIZE };
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r2), -EINVAL);	/* unaligned */
	cfg = (struct dmamap_mmio_config){ .base = 1ULL << 48, .size = PAGE_SIZE };
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r2), -EINVAL);	/* 48 bits */
	cfg = (struct dmamap_mmio_config){ .base = DOORBELL + SZ_1M, .size = 0 };
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r2), -EINVAL);
	assert_int_equal(dmamap_mmio_region_create(NULL, &cfg, &r2), -EINVAL);
	assert_int_equal(dmamap_mmio_region_create(m, NULL, &r2), -EINVAL);
	dmamap_mmio_region_destroy(r);
	cfg = (struct dmamap_mmio_config){ .base = DOORBELL + SZ_32K, .size = PAGE_SIZE };
	assert_int_equal(dmamap_mmio_region_create(m, &cfg, &r2), 0);	/* room again */
	dmamap_mmio_region_destroy(NULL);
	dmamap_machine_destroy(m);	/* takes r2 with it */
}

static const struct dmamap_machine_config direct_mc = { .cache = DMAMAP_CACHE_NONCOHERENT };

/*
 * A direct device writes a peer's doorbell: the handler gets the write at
 * its offset, with no cache model in the way, on either kind of device.
 */
static void test_direct(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config nc = { .name = "dma-engine" };
	struct dmamap_device_config co = { .name = "snooper", .coherent = true };
	struct dmamap_mmio_config regs_cfg = { .name = "bar", .base = DOORBELL + SZ_1M,
					       .size = PAGE_SIZE };
	struct dmamap_mmio_region *fr, *bar;
	struct device *devs[2];
	struct fifo fifo;
	dma_addr_t dma;
	u32 v = 0xabcd1234, got;
	u8 *regs;

	fr = fifo_region(m, DOORBELL, &fifo);
	assert_int_equal(dmamap_mmio_region_create(m, &regs_cfg, &bar), 0);
	regs = dmamap_mmio_region_regs(bar);
	devs[0] = test_device(m, &nc, NULL);
	devs[1] = test_device(m, &co, NULL);
	for (int i = 0; i < 2; i++) {
		struct device *dev = devs[i];

		dma = dma_map_resource(dev, DOORBELL + 0x40, 4, DMA_TO_DEVICE, 0);
		assert_int_equal(dma, DOORBELL + 0x40);
		assert_int_equal(dmamap_bus_write(dev, dma, &v, 4, NULL), 0);
		assert_int_equal(fifo.writes, i + 1);
		assert_int_equal(fifo.last_off, 0x40);
		assert_int_equal(fifo.last_len, 4);
		assert_memory_equal(fifo.data + 4 * i, &v, 4);
		assert_int_equal(dmamap_bus_read(dev, dma, &got, 4, NULL), 0);
		assert_true(test_all_bytes((u8 *)&got, 4, (u8)(0x11 + i)));	/* each read pops */
		dma_unmap_resource(dev, dma, 4, DMA_TO_DEVICE, 0);

		/* a register file: the CPU's writes are there at once, and the device's */
		dma = dma_map_resource(dev, DOORBELL + SZ_1M, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
		regs[8] = (u8)(0x70 + i);
		assert_int_equal(dmamap_bus_read(dev, dma + 8, &got, 1, NULL), 0);
		assert_int_equal((u8)got, 0x70 + i);
		assert_int_equal(dmamap_bus_fill(dev, dma + 16, 0xee, 8, NULL), 0);
		assert_true(test_all_bytes(regs + 16, 8, 0xee));
		dma_unmap_resource(dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	}
	assert_int_equal(test_stats(m).api_errors, 0);
	dmamap_device_destroy(devs[0]);
	dmamap_device_destroy(devs[1]);
	dmamap_mmio_region_destroy(fr);
	dmamap_mmio_region_destroy(bar);
}

/* The device's DMA offset and mask apply to MMIO as to RAM. */
static void test_reach(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config off = { .dma_offset = 0x40000000ULL };
	struct dmamap_device_config d32 = { 0 };
	struct dmamap_mmio_region *r, *high;
	struct device *a, *b;
	struct fifo f1, f2;
	dma_addr_t dma;
	u8 x = 7;
	u64 e;

	r = fifo_region(m, DOORBELL + SZ_1M, &f1);
	high = fifo_region(m, HIGH_MMIO, &f2);
	a = test_device(m, &off, NULL);
	b = test_device(m, &d32, NULL);
	dma = dma_map_resource(a, DOORBELL + SZ_1M, 1, DMA_TO_DEVICE, 0);
	assert_int_equal(dma, SZ_1M);
	assert_int_equal(dmamap_bus_write(a, dma, &x, 1, NULL), 0);
	assert_int_equal(f1.writes, 1);
	e = test_stats(m).api_errors;
	dma = dma_map_resource(b, HIGH_MMIO, 1, DMA_TO_DEVICE, 0);
	assert_true(dma_mapping_error(b, dma));
	assert_int_equal(test_stats(m).api_errors, e + 1);
	b->bus_dma_limit = DMA_BIT_MASK(30);
	dma = dma_map_resource(b, DOORBELL + SZ_1M, 1, DMA_TO_DEVICE, 0);
	assert_true(dma_mapping_error(b, dma));		/* 0x40100000 is past 30 bits */
	dmamap_device_destroy(a);
	dmamap_device_destroy(b);
	dmamap_mmio_region_destroy(r);
	dmamap_mmio_region_destroy(high);
}

/* Behind an IOMMU: mapped with IOMMU_MMIO, reached through the IOVA, unmapped whole. */
static void test_iommu(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { .name = "p2p" };
	struct dmamap_iommu_config ic = { 0 };
	struct io_pgtable_walk_result w;
	struct dmamap_mmio_region *r;
	struct iommu_domain *dom;
	struct dmamap_fault f;
	struct device *dev;
	struct fifo fifo;
	dma_addr_t dma;
	u32 v = 0x55aa55aa;
	u64 e;

	r = fifo_region(m, HIGH_MMIO, &fifo);
	dev = test_device(m, &cfg, NULL);
	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	dma = dma_map_resource(dev, HIGH_MMIO + 0x100, 8, DMA_TO_DEVICE, 0);
	assert_false(dma_mapping_error(dev, dma));
	assert_true(dma <= DMA_BIT_MASK(32));
	assert_int_equal(iommu_iova_to_phys(dom, dma), HIGH_MMIO + 0x100);
	assert_int_equal(io_pgtable_walk(to_dmamap_domain(dom)->pgtbl, dma, &w), 0);
	assert_true(w.prot & IOMMU_MMIO);
	assert_false(w.prot & IOMMU_WRITE);		/* TO_DEVICE: the device reads the host's... */
	assert_int_equal(dmamap_bus_read(dev, dma, &v, 4, NULL), 0);
	assert_int_equal(fifo.reads, 1);
	assert_int_equal(fifo.last_off, 0x100);
	assert_int_equal(dmamap_bus_write(dev, dma, &v, 4, &f), -EACCES);	/* ...only */
	e = test_stats(m).api_errors;
	dma_unmap_resource(dev, dma, 4096 * 2, DMA_TO_DEVICE, 0);		/* wrong size */
	assert_int_equal(test_stats(m).api_errors, e + 1);
	dma_unmap_resource(dev, dma, 8, DMA_TO_DEVICE, 0);
	assert_int_equal(test_stats(m).iova_pages_used, 0);
	assert_int_equal(dmamap_bus_read(dev, dma, &v, 4, &f), -EFAULT);
	assert_int_equal(f.reason, DMAMAP_FAULT_TRANSLATION);
	assert_int_equal(fifo.reads, 1);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);

	/* a mapping made without IOMMU_MMIO still reaches the registers, and is reported */
	ic.type = IOMMU_DOMAIN_UNMANAGED;
	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	assert_int_equal(iommu_map(dom, 0x100000, HIGH_MMIO, PAGE_SIZE, IOMMU_READ | IOMMU_WRITE,
				   GFP_KERNEL), 0);
	e = test_stats(m).api_errors;
	assert_int_equal(dmamap_bus_write(dev, 0x100008, &v, 4, NULL), 0);
	assert_int_equal(fifo.writes, 1);
	assert_int_equal(test_stats(m).api_errors, e + 1);
	assert_int_equal(iommu_unmap(dom, 0x100000, PAGE_SIZE), PAGE_SIZE);
	assert_int_equal(iommu_map(dom, 0x100000, HIGH_MMIO, PAGE_SIZE,
				   IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO, GFP_KERNEL), 0);
	assert_int_equal(dmamap_bus_write(dev, 0x100008, &v, 4, NULL), 0);
	assert_int_equal(test_stats(m).api_errors, e + 1);
	assert_int_equal(iommu_unmap(dom, 0x100000, PAGE_SIZE), PAGE_SIZE);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	dmamap_device_destroy(dev);
	dmamap_mmio_region_destroy(r);
}

/* A handler's error is a bus fault; copies move between RAM and MMIO; nothing decodes -> fault. */
static void test_faults_and_copies(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { .coherent = true };
	struct dmamap_mmio_region *r;
	struct dmamap_fault f;
	struct device *dev;
	struct fifo fifo;
	dma_addr_t mmio, ram;
	u8 buf[256], *cpu;
	u64 e;

	r = fifo_region(m, DOORBELL, &fifo);
	dev = test_device(m, &cfg, NULL);
	mmio = dma_map_resource(dev, DOORBELL, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	cpu = dma_alloc_coherent(dev, PAGE_SIZE, &ram, GFP_KERNEL);
	test_fill_pattern(cpu, 200, 3);

	/* RAM -> MMIO: the FIFO gets the 200 bytes, in order */
	assert_int_equal(dmamap_bus_copy(dev, mmio, ram, 200, NULL), 0);
	assert_int_equal(fifo.fill, 200);
	assert_int_equal(test_check_pattern(fifo.data, 200, 3), -1);
	/* MMIO -> RAM */
	assert_int_equal(dmamap_bus_copy(dev, ram + 1024, mmio, 64, NULL), 0);
	assert_true(test_all_bytes(cpu + 1024, 64, (u8)(0x10 + fifo.reads)));

	fifo.fail_at = 0x80;
	memset(buf, 1, sizeof(buf));
	assert_int_equal(dmamap_bus_write(dev, mmio + 0x80, buf, 16, &f), -EFAULT);
	assert_int_equal(f.reason, DMAMAP_FAULT_BUS);
	assert_int_equal(f.addr, mmio + 0x80);
	assert_int_equal(f.done, 0);

	/* a range nothing decodes is reported at map time and faults on access */
	e = test_stats(m).api_errors;
	{
		dma_addr_t nowhere = dma_map_resource(dev, DOORBELL + SZ_16M, 4, DMA_TO_DEVICE, 0);

		assert_false(dma_mapping_error(dev, nowhere));
		assert_int_equal(test_stats(m).api_errors, e + 1);
		assert_int_equal(dmamap_bus_read(dev, nowhere, buf, 4, &f), -EFAULT);
		assert_int_equal(f.reason, DMAMAP_FAULT_BUS);
		dma_unmap_resource(dev, nowhere, 4, DMA_TO_DEVICE, 0);
	}
	assert_true(dma_mapping_error(dev, dma_map_resource(dev, DOORBELL, 0, DMA_TO_DEVICE, 0)));
	assert_true(dma_mapping_error(dev, dma_map_resource(dev, DOORBELL, 4, DMA_NONE, 0)));
	dma_unmap_resource(dev, mmio, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	dma_free_coherent(dev, PAGE_SIZE, cpu, ram);
	dmamap_device_destroy(dev);
	dmamap_mmio_region_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regions),
		TEST_MACHINE_CASE(test_direct, &direct_mc),
		TEST_MACHINE_CASE(test_reach, NULL),
		TEST_MACHINE_CASE(test_iommu, NULL),
		TEST_MACHINE_CASE(test_faults_and_copies, NULL),
	};

	return cmocka_run_group_tests_name("mmio", tests, NULL, NULL);
}
