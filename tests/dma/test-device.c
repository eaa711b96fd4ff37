// SPDX-License-Identifier: MIT
/*
 * Devices (src/dma/device.c): creation with its defaults and refusals, masks
 * with the kernel's dma_set_mask() answer (-EIO for a mask the machine cannot
 * serve), segment limits.
 */
#include "test-util.h"

#include <dmamap/dma-map-ops.h>
#include <string.h>

static struct device *make(struct dmamap_machine *m, const struct dmamap_device_config *cfg)
{
	struct device *dev = NULL;

	assert_int_equal(dmamap_device_create(m, cfg, &dev), 0);
	assert_non_null(dev);
	return dev;
}

static void test_defaults(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *a = make(m, &cfg), *b = make(m, &cfg);

	assert_string_equal(dev_name(a), "dev0");
	assert_string_equal(dev_name(b), "dev1");
	assert_int_equal(dma_get_mask(a), DMA_BIT_MASK(32));
	assert_int_equal(dma_get_coherent_mask(a), DMA_BIT_MASK(32));
	assert_false(dev_is_dma_coherent(a));
	assert_int_equal(dma_get_max_seg_size(a), 65536);
	assert_int_equal(dma_get_seg_boundary(a), 0xffffffffUL);
	assert_int_equal(dmamap_device_dma_offset(a), 0);
	assert_ptr_equal(dmamap_device_machine(a), m);
	assert_non_null(get_dma_ops(a));
	dmamap_device_destroy(a);
	dmamap_device_destroy(b);
	dmamap_device_destroy(NULL);
	assert_string_equal(dev_name(NULL), "(null)");
}

static void test_config_kept(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = {
		.name = "nic", .dma_mask = DMA_BIT_MASK(64), .coherent_dma_mask = DMA_BIT_MASK(40),
		.coherent = true, .max_segment_size = 4096, .segment_boundary_mask = 0xffff,
		.dma_offset = 0x40000000,
	};
	char name[64];
	struct device *dev;

	strcpy(name, "nic");
	cfg.name = name;
	dev = make(m, &cfg);
	strcpy(name, "xxx");			/* the name was copied */
	assert_string_equal(dev_name(dev), "nic");
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(64));
	assert_int_equal(dma_get_coherent_mask(dev), DMA_BIT_MASK(40));
	assert_true(dev_is_dma_coherent(dev));
	assert_int_equal(dma_get_max_seg_size(dev), 4096);
	assert_int_equal(dma_get_seg_boundary(dev), 0xffff);
	assert_int_equal(dmamap_device_dma_offset(dev), 0x40000000);
	/* coherent mask defaults to the streaming one */
	{
		struct dmamap_device_config c2 = { .dma_mask = DMA_BIT_MASK(36) };
		struct device *d2 = make(m, &c2);

		assert_int_equal(dma_get_coherent_mask(d2), DMA_BIT_MASK(36));
		dmamap_device_destroy(d2);
	}
	dmamap_device_destroy(dev);
}

/* RAM at 0x80000000: a 31-bit mask reaches none of it; dma_set_mask answers -EIO. */
static void test_masks(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = make(m, &cfg);

	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(31)), -EIO);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(32));	/* unchanged */
	assert_int_equal(dma_set_coherent_mask(dev, DMA_BIT_MASK(24)), -EIO);
	assert_int_equal(dma_get_coherent_mask(dev), DMA_BIT_MASK(32));
	assert_int_equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(31)), -EIO);
	assert_false(dma_supported(dev, DMA_BIT_MASK(31)));
	assert_true(dma_supported(dev, DMA_BIT_MASK(32)));
	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(64)), 0);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(64));
	assert_int_equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(48)), 0);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(48));
	assert_int_equal(dma_get_coherent_mask(dev), DMA_BIT_MASK(48));
	assert_int_equal(dma_set_mask(NULL, DMA_BIT_MASK(32)), -EIO);

	/* creation with a mask the machine cannot serve fails whole */
	{
		struct dmamap_device_config bad = { .dma_mask = DMA_BIT_MASK(31) };
		struct dmamap_device_config badc = { .coherent_dma_mask = DMA_BIT_MASK(30) };
		struct device *d = (struct device *)&bad;

		assert_int_equal(dmamap_device_create(m, &bad, &d), -EIO);
		assert_null(d);
		assert_int_equal(dmamap_device_create(m, &badc, &d), -EIO);
	}
	/* a DMA offset moves what the mask must cover: RAM is at bus address 0 */
	{
		struct dmamap_device_config off = { .dma_mask = DMA_BIT_MASK(28),
						    .dma_offset = 0x80000000ULL };
		struct device *d = make(m, &off);

		assert_int_equal(dma_get_mask(d), DMA_BIT_MASK(28));
		assert_int_equal(dma_set_mask(d, DMA_BIT_MASK(27)), -EIO);
		dmamap_device_destroy(d);
	}
	dmamap_device_destroy(dev);
}

static const struct dmamap_bank low[] = { { 0x10000000ULL, SZ_64M } };
static const struct dmamap_machine_config mask_low_ram_mc = { .banks = low, .nr_banks = 1 };

/* With RAM below 2 GiB a 31-bit mask is fine. */
static void test_mask_low_ram(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { .dma_mask = DMA_BIT_MASK(31) };
	struct device *dev = make(m, &cfg);

	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(29)), 0);
	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(28)), -EIO);	/* below the bank's end */
	dmamap_device_destroy(dev);
}

static void test_segments(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = make(m, &cfg);

	assert_int_equal(dma_set_seg_boundary(dev, 0xfffff), 0);
	assert_int_equal(dma_get_seg_boundary(dev), 0xfffff);
	assert_int_equal(dma_set_seg_boundary(dev, ~0UL), 0);
	assert_int_equal(dma_set_seg_boundary(dev, 0xffff0), -EINVAL);	/* not 2^n - 1 */
	assert_int_equal(dma_set_seg_boundary(dev, 0x7ff), -EINVAL);	/* below a page */
	assert_int_equal(dma_set_seg_boundary(dev, 0), -EINVAL);
	assert_int_equal(dma_get_seg_boundary(dev), ~0UL);		/* unchanged */
	assert_int_equal(dma_set_seg_boundary(NULL, 0xfff), -EINVAL);
	assert_int_equal(dma_set_max_seg_size(dev, 1 << 20), 0);
	assert_int_equal(dma_get_max_seg_size(dev), 1 << 20);
	assert_int_equal(dma_set_max_seg_size(dev, 0), -EINVAL);
	assert_int_equal(dma_get_max_seg_size(dev), 1 << 20);
	dmamap_device_destroy(dev);
}

static void test_bad_configs(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = NULL;
	struct dmamap_device_config cfg;
	char longname[100];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cfg = (struct dmamap_device_config){ 0 };
	assert_int_equal(dmamap_device_create(NULL, &cfg, &dev), -EINVAL);
	/* a NULL configuration takes every default */
	assert_int_equal(dmamap_device_create(m, NULL, &dev), 0);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(32));
	dmamap_device_destroy(dev);
	dev = NULL;
	assert_int_equal(dmamap_device_create(m, &cfg, NULL), -EINVAL);
	cfg = (struct dmamap_device_config){ .name = longname };
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), -EINVAL);
	cfg = (struct dmamap_device_config){ .segment_boundary_mask = 0x12345 };
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), -EINVAL);
	cfg = (struct dmamap_device_config){ .dma_offset = 0x800 };
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), -EINVAL);
	assert_null(dev);
}

/* set_dma_ops() installs a table; NULL puts the model's own back. */
static void test_ops(void **state)
{
	static const struct dma_map_ops mine = { 0 };
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = make(m, &cfg);
	const struct dma_map_ops *own = get_dma_ops(dev);

	set_dma_ops(dev, &mine);
	assert_ptr_equal(get_dma_ops(dev), &mine);
	assert_true(dma_supported(dev, DMA_BIT_MASK(20)));	/* no dma_supported slot: all */
	set_dma_ops(dev, NULL);
	assert_ptr_equal(get_dma_ops(dev), own);
	assert_null(get_dma_ops(NULL));
	dmamap_device_destroy(dev);
}

/* Devices left on a machine go with it. */
static void test_destroyed_with_machine(void **state)
{
	struct dmamap_machine *m;
	struct dmamap_device_config cfg = { 0 };
	long maps;

	(void)state;
	m = test_machine(NULL);
	dmamap_machine_destroy(m);
	maps = test_count_maps();
	for (int i = 0; i < 20; i++) {
		m = test_machine(NULL);
		for (int d = 0; d < 5; d++)
			make(m, &cfg);
		dmamap_machine_destroy(m);
	}
	assert_int_equal(test_count_maps(), maps);
	m = test_machine(NULL);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- struct device as drivers see it ------------------------------------------- */

/* A driver's own structure with the device embedded, as kernel drivers have it. */
struct mydrv {
	int unit;
	u64 mask;			/* the driver's storage for dev.dma_mask */
	struct device dev;
	int released;
};

static void mydrv_release(struct device *dev)
{
	container_of(dev, struct mydrv, dev)->released++;
}

/*
 * dmamap_device_register() takes the caller's memory and what the public
 * fields say (init_name, the mask pointer and values); the config, when
 * given, overrides a field it sets.
 */
static void test_embedded(void **state)
{
	struct dmamap_machine *m = *state;
	struct mydrv drv = { .unit = 7, .mask = DMA_BIT_MASK(36) };
	struct page *page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	dma_addr_t dma;

	drv.dev.init_name = "eth0";
	drv.dev.dma_mask = &drv.mask;
	drv.dev.coherent_dma_mask = DMA_BIT_MASK(34);
	drv.dev.release = mydrv_release;
	dev_set_drvdata(&drv.dev, &drv);
	assert_int_equal(dmamap_device_register(m, &drv.dev, NULL), 0);
	assert_string_equal(dev_name(&drv.dev), "eth0");
	assert_ptr_equal(drv.dev.dma_mask, &drv.mask);	/* the driver's storage is used */
	assert_int_equal(dma_get_mask(&drv.dev), DMA_BIT_MASK(36));
	assert_int_equal(dma_get_coherent_mask(&drv.dev), DMA_BIT_MASK(34));
	assert_int_equal(dma_set_mask(&drv.dev, DMA_BIT_MASK(40)), 0);
	assert_int_equal(drv.mask, DMA_BIT_MASK(40));		/* written through the pointer */
	assert_non_null(drv.dev.dma_parms);
	assert_int_equal(drv.dev.dma_parms->max_segment_size, 65536);
	assert_ptr_equal(dev_get_drvdata(&drv.dev), &drv);
	assert_ptr_equal(dmamap_device_machine(&drv.dev), m);

	/* it is a device like any other */
	dma = dma_map_page(&drv.dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(&drv.dev, dma));
	assert_int_equal(dma, page_to_phys(page));
	dma_unmap_page(&drv.dev, dma, PAGE_SIZE, DMA_TO_DEVICE);

	/* registered twice, or still referenced: refused */
	assert_int_equal(dmamap_device_register(m, &drv.dev, NULL), -EBUSY);
	dmamap_device_unregister(&drv.dev);
	assert_int_equal(drv.released, 1);
	put_device(&drv.dev);				/* no reference left: refused */
	assert_int_equal(drv.released, 1);

	/* a config overrides the fields; the name from the config wins */
	{
		struct mydrv d2 = { 0 };
		struct dmamap_device_config cfg = { .name = "wlan0", .dma_mask = DMA_BIT_MASK(48),
						    .max_segment_size = 4096 };

		d2.dev.init_name = "ignored";
		d2.dev.release = mydrv_release;
		assert_int_equal(dmamap_device_register(m, &d2.dev, &cfg), 0);
		assert_string_equal(dev_name(&d2.dev), "wlan0");
		assert_ptr_equal(d2.dev.dma_mask, &d2.dev.dma_mask_storage);
		assert_int_equal(dma_get_mask(&d2.dev), DMA_BIT_MASK(48));
		assert_int_equal(dma_get_coherent_mask(&d2.dev), DMA_BIT_MASK(48));
		assert_int_equal(dma_get_max_seg_size(&d2.dev), 4096);
		dmamap_device_destroy(&d2.dev);
		assert_int_equal(d2.released, 1);
	}
	dmamap_free_pages(page, 0);
}

/* The release function runs at the last put_device(), not at unregistration. */
static void test_refcount(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct mydrv drv = { 0 };
	struct dmamap_device_config cfg = { 0 };
	struct device *created;

	(void)state;
	drv.dev.release = mydrv_release;
	assert_int_equal(dmamap_device_register(m, &drv.dev, NULL), 0);
	assert_ptr_equal(get_device(&drv.dev), &drv.dev);
	assert_ptr_equal(get_device(&drv.dev), &drv.dev);
	assert_null(get_device(NULL));
	put_device(NULL);
	dmamap_device_unregister(&drv.dev);
	assert_int_equal(drv.released, 0);
	put_device(&drv.dev);
	assert_int_equal(drv.released, 0);
	/* still referenced: cannot be registered again */
	assert_int_equal(dmamap_device_register(m, &drv.dev, NULL), -EBUSY);
	put_device(&drv.dev);
	assert_int_equal(drv.released, 1);

	/* a created device outlives its destruction while referenced (ASan checks the free) */
	created = make(m, &cfg);
	get_device(created);
	dmamap_device_destroy(created);
	assert_string_equal(dev_name(created), "dev1");
	put_device(created);

	/* an embedded device left on the machine goes with it */
	{
		struct dmamap_machine *m2 = test_machine(NULL);
		struct mydrv d2 = { 0 };

		d2.dev.release = mydrv_release;
		assert_int_equal(dmamap_device_register(m2, &d2.dev, NULL), 0);
		dmamap_machine_destroy(m2);
		assert_int_equal(d2.released, 1);
	}
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* A registration that fails leaves the caller's structure as it was. */
static void test_register_refused(void **state)
{
	struct dmamap_machine *m = *state;
	struct device dev = { 0 }, before;
	struct device_dma_parameters parms = { .segment_boundary_mask = 0x1234 };
	u64 mask = DMA_BIT_MASK(31);	/* RAM is at 2 GiB: cannot be served */

	dev.dma_mask = &mask;
	before = dev;
	assert_int_equal(dmamap_device_register(m, &dev, NULL), -EIO);
	assert_memory_equal(&dev, &before, sizeof(dev));
	mask = DMA_BIT_MASK(32);
	dev.dma_parms = &parms;
	before = dev;
	assert_int_equal(dmamap_device_register(m, &dev, NULL), -EINVAL);
	assert_memory_equal(&dev, &before, sizeof(dev));
	assert_int_equal(dmamap_device_register(NULL, &dev, NULL), -EINVAL);
	assert_int_equal(dmamap_device_register(m, NULL, NULL), -EINVAL);

	/* the driver's own parameters are used, and the kernel's -EIO without any */
	parms.segment_boundary_mask = 0xffff;
	assert_int_equal(dmamap_device_register(m, &dev, NULL), 0);
	assert_ptr_equal(dev.dma_parms, &parms);
	assert_int_equal(dma_get_seg_boundary(&dev), 0xffff);
	assert_int_equal(dma_set_max_seg_size(&dev, 8192), 0);
	assert_int_equal(parms.max_segment_size, 8192);
	dev.dma_parms = NULL;
	assert_int_equal(dma_set_max_seg_size(&dev, 8192), -EIO);
	assert_int_equal(dma_set_seg_boundary(&dev, 0xffff), -EIO);
	assert_int_equal(dma_get_max_seg_size(&dev), 65536);
	dmamap_device_unregister(&dev);
}

static const struct dmamap_bank banks[] = { { 0x80000000ULL, SZ_256M },
					    { 0x100000000ULL, SZ_256M } };
static const struct dmamap_machine_config bus_dma_limit_mc = { .banks = banks, .nr_banks = 2 };

/*
 * bus_dma_limit cuts what the device reaches as the kernel's min_not_zero()
 * of mask and limit: streaming mappings past it bounce, coherent memory
 * comes from below it, IOVA is allocated under it, and the bus does not
 * carry an address past it.
 */
static void test_bus_dma_limit(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { .dma_mask = DMA_BIT_MASK(64), .coherent = true };
	struct device *dev = make(m, &cfg);
	struct page *high = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	struct dmamap_stats st0 = test_stats(m);
	struct dmamap_fault f;
	dma_addr_t dma;
	void *cpu;
	u8 b;

	assert_true(page_to_phys(high) >= SZ_4G);
	/* without a limit the 64-bit device maps the high page in place */
	dma = dma_map_page(dev, high, 0, 64, DMA_TO_DEVICE);
	assert_int_equal(dma, page_to_phys(high));
	dma_unmap_page(dev, dma, 64, DMA_TO_DEVICE);
	assert_int_equal(dmamap_bus_read(dev, page_to_phys(high), &b, 1, NULL), 0);

	dev->bus_dma_limit = DMA_BIT_MASK(32);
	dma = dma_map_page(dev, high, 0, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, dma));
	assert_true(dma < SZ_4G);				/* bounced */
	assert_true(test_stats(m).bounce_bytes > st0.bounce_bytes);
	dma_unmap_page(dev, dma, 64, DMA_TO_DEVICE);
	assert_int_equal(dmamap_bus_read(dev, page_to_phys(high), &b, 1, &f), -EFAULT);
	assert_int_equal(f.reason, DMAMAP_FAULT_ADDRESS_SIZE);
	for (int i = 0; i < 4; i++) {
		cpu = dma_alloc_coherent(dev, SZ_64K, &dma, GFP_KERNEL);
		assert_non_null(cpu);
		assert_true(dma + SZ_64K - 1 <= DMA_BIT_MASK(32));
		dma_free_coherent(dev, SZ_64K, cpu, dma);
	}

	/* through an IOMMU: the IOVA stays under the limit */
	{
		struct dmamap_iommu_config ic = { 0 };
		struct iommu_domain *dom;

		assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
		assert_int_equal(iommu_attach_device(dom, dev), 0);
		dev->bus_dma_limit = DMA_BIT_MASK(24);
		dma = dma_map_page(dev, high, 0, PAGE_SIZE, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, dma));
		assert_true(dma <= DMA_BIT_MASK(24));
		dma_unmap_page(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
		iommu_detach_device(dom, dev);
		iommu_domain_free(dom);
	}
	dmamap_free_pages(high, 0);
	dmamap_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_MACHINE_CASE(test_defaults, NULL),
		TEST_MACHINE_CASE(test_config_kept, NULL),
		TEST_MACHINE_CASE(test_masks, NULL),
		TEST_MACHINE_CASE(test_mask_low_ram, &mask_low_ram_mc),
		TEST_MACHINE_CASE(test_segments, NULL),
		TEST_MACHINE_CASE(test_bad_configs, NULL),
		TEST_MACHINE_CASE(test_ops, NULL),
		cmocka_unit_test(test_destroyed_with_machine),
		TEST_MACHINE_CASE(test_embedded, NULL),
		cmocka_unit_test(test_refcount),
		TEST_MACHINE_CASE(test_register_refused, NULL),
		TEST_MACHINE_CASE(test_bus_dma_limit, &bus_dma_limit_mc),
	};

	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
