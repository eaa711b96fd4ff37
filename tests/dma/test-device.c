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
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = { 0 };
	struct device *a = make(m, &cfg), *b = make(m, &cfg);

	(void)state;
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
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_config_kept(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = {
		.name = "nic", .dma_mask = DMA_BIT_MASK(64), .coherent_dma_mask = DMA_BIT_MASK(40),
		.coherent = true, .max_segment_size = 4096, .segment_boundary_mask = 0xffff,
		.dma_offset = 0x40000000,
	};
	char name[64];
	struct device *dev;

	(void)state;
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
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* RAM at 0x80000000: a 31-bit mask reaches none of it; dma_set_mask answers -EIO. */
static void test_masks(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = make(m, &cfg);

	(void)state;
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
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* With RAM below 2 GiB a 31-bit mask is fine. */
static void test_mask_low_ram(void **state)
{
	static const struct dmamap_bank low[] = { { 0x10000000ULL, SZ_64M } };
	struct dmamap_machine_config mc = { .banks = low, .nr_banks = 1 };
	struct dmamap_machine *m = test_machine(&mc);
	struct dmamap_device_config cfg = { .dma_mask = DMA_BIT_MASK(31) };
	struct device *dev = make(m, &cfg);

	(void)state;
	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(29)), 0);
	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(28)), -EIO);	/* below the bank's end */
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_segments(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = make(m, &cfg);

	(void)state;
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
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

static void test_bad_configs(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct device *dev = NULL;
	struct dmamap_device_config cfg;
	char longname[100];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cfg = (struct dmamap_device_config){ 0 };
	assert_int_equal(dmamap_device_create(NULL, &cfg, &dev), -EINVAL);
	assert_int_equal(dmamap_device_create(m, NULL, &dev), -EINVAL);
	assert_int_equal(dmamap_device_create(m, &cfg, NULL), -EINVAL);
	cfg = (struct dmamap_device_config){ .name = longname };
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), -EINVAL);
	cfg = (struct dmamap_device_config){ .segment_boundary_mask = 0x12345 };
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), -EINVAL);
	cfg = (struct dmamap_device_config){ .dma_offset = 0x800 };
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), -EINVAL);
	assert_null(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* set_dma_ops() installs a table; NULL puts the model's own back. */
static void test_ops(void **state)
{
	static const struct dma_map_ops mine = { 0 };
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = { 0 };
	struct device *dev = make(m, &cfg);
	const struct dma_map_ops *own = get_dma_ops(dev);

	(void)state;
	set_dma_ops(dev, &mine);
	assert_ptr_equal(get_dma_ops(dev), &mine);
	assert_true(dma_supported(dev, DMA_BIT_MASK(20)));	/* no dma_supported slot: all */
	set_dma_ops(dev, NULL);
	assert_ptr_equal(get_dma_ops(dev), own);
	assert_null(get_dma_ops(NULL));
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_config_kept),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_mask_low_ram),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_destroyed_with_machine),
	};

	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
