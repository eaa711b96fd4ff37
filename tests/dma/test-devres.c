// SPDX-License-Identifier: MIT
/*
 * Device-managed resources (src/dma/devres.c): released at device removal,
 * newest first, before the device leaves its IOMMU domain; dmam_alloc_coherent()
 * and dmam_free_coherent() with the kernel's matching.
 */
#include "test-util.h"

#include "dma/devres.h"

#include <string.h>

static char order[16];
static int norder;

static void note_release(struct device *dev, void *res)
{
	(void)dev;
	order[norder++] = *(char *)res;
}

/* Released at removal, the last added first; a resource released early is not released again. */
static void test_release_order(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev;

	dev = test_device(m, &cfg, NULL);
	norder = 0;
	for (char c = 'a'; c <= 'd'; c++) {
		char *r = devres_alloc(note_release, 1, GFP_KERNEL);

		assert_non_null(r);
		*r = c;
		devres_add(dev, r);
	}
	assert_int_equal(devres_release(dev, note_release, NULL, NULL), 0);	/* 'd', newest */
	assert_int_equal(devres_destroy(dev, note_release, NULL, NULL), 0);	/* 'c', silently */
	assert_int_equal(norder, 1);
	dmamap_device_destroy(dev);
	assert_int_equal(norder, 3);
	assert_memory_equal(order, "dba", 3);
}

/* Managed buffers are freed with the device, through its IOMMU domain too. */
static void test_dmam_alloc(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = { .name = "managed" };
	struct dmamap_iommu_config ic = { 0 };
	struct iommu_domain *dom;
	struct device *dev, *iodev;
	dma_addr_t dma;

	(void)state;
	dev = test_device(m, &cfg, NULL);
	iodev = test_device(m, &cfg, NULL);
	assert_int_equal(dmamap_iommu_domain_create(m, &ic, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, iodev), 0);
	for (int i = 0; i < 4; i++) {
		u8 *v = dmam_alloc_coherent(dev, SZ_16K << i, &dma, GFP_KERNEL);

		assert_non_null(v);
		v[0] = 1;
		assert_non_null(dmam_alloc_attrs(iodev, SZ_64K, &dma, GFP_KERNEL,
						 DMA_ATTR_NO_KERNEL_MAPPING));
		assert_non_null(dmam_alloc_coherent(iodev, PAGE_SIZE, &dma, GFP_ATOMIC));
	}
	assert_null(dmam_alloc_coherent(dev, 0, &dma, GFP_KERNEL));	/* reported */
	assert_null(dmam_alloc_coherent(NULL, 64, &dma, GFP_KERNEL));
	dmamap_device_destroy(iodev);
	assert_int_equal(test_stats(m).iova_pages_used, 0);
	dmamap_device_destroy(dev);
	iommu_domain_free(dom);
	test_assert_no_leaks(m);
	assert_int_equal(test_stats(m).api_errors, 1);
	dmamap_machine_destroy(m);
}

/* dmam_free_coherent() frees now, and refuses what does not match an allocation. */
static void test_dmam_free(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev;
	dma_addr_t dma, plain_dma;
	void *v, *plain;
	u64 e, free0;

	dev = test_device(m, &cfg, NULL);
	free0 = test_stats(m).pages_free;
	v = dmam_alloc_coherent(dev, SZ_8K, &dma, GFP_KERNEL);
	plain = dma_alloc_coherent(dev, SZ_8K, &plain_dma, GFP_KERNEL);
	assert_non_null(v);
	assert_non_null(plain);
	e = test_stats(m).api_errors;
	dmam_free_coherent(dev, SZ_4K, v, dma);			/* wrong size */
	dmam_free_coherent(dev, SZ_8K, v, dma + PAGE_SIZE);	/* wrong address */
	dmam_free_coherent(dev, SZ_8K, plain, plain_dma);	/* not managed */
	assert_int_equal(test_stats(m).api_errors, e + 3);
	memset(v, 0x5a, SZ_8K);					/* both still allocated */
	memset(plain, 0x5a, SZ_8K);
	dmam_free_coherent(dev, SZ_8K, v, dma);
	dma_free_coherent(dev, SZ_8K, plain, plain_dma);
	assert_int_equal(test_stats(m).api_errors, e + 3);
	assert_int_equal(test_stats(m).pages_free, free0);
	dmam_free_coherent(dev, SZ_8K, v, dma);			/* freed already */
	assert_int_equal(test_stats(m).api_errors, e + 4);
	dmamap_device_destroy(dev);
}

/*
 * devm_kmalloc() and friends: memory of the machine's linear map (a driver
 * maps it for DMA), freed with the device, or now by devm_kfree(), which
 * refuses memory the device does not manage.
 */
static void test_devm_kmalloc(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_device_config cfg = { 0 };
	struct device *dev, *other;
	u8 *a, *b, *z, *plain;
	u32 *arr;
	dma_addr_t dma;
	u64 e;

	dev = test_device(m, &cfg, NULL);
	other = test_device(m, &cfg, NULL);
	a = devm_kmalloc(dev, 100, GFP_KERNEL);
	b = devm_kmalloc(dev, 3000, GFP_KERNEL);
	z = devm_kzalloc(dev, 200, GFP_KERNEL);
	arr = devm_kcalloc(dev, 10, sizeof(*arr), GFP_KERNEL);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(z);
	assert_non_null(arr);
	for (int i = 0; i < 200; i++)
		assert_int_equal(z[i], 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(arr[i], 0);
	assert_null(devm_kmalloc_array(dev, SIZE_MAX / 2, 4, GFP_KERNEL));	/* overflow */
	assert_null(devm_kmalloc(NULL, 8, GFP_KERNEL));
	/* the machine's memory: it maps for DMA */
	assert_ptr_equal(dmamap_virt_machine(b), m);
	dma = dma_map_single(dev, b, 3000, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, dma));
	dma_unmap_single(dev, dma, 3000, DMA_TO_DEVICE);
	assert_true(test_stats(m).kmalloc_bytes > 0);

	e = test_stats(m).api_errors;
	plain = dmamap_kmalloc(m, 64, GFP_KERNEL);
	devm_kfree(dev, plain);		/* not managed */
	devm_kfree(other, a);		/* another device's */
	devm_kfree(dev, a + 1);		/* not the start */
	assert_int_equal(test_stats(m).api_errors, e + 3);
	memset(a, 1, 100);		/* still allocated */
	dmamap_kfree(m, plain);
	devm_kfree(dev, a);
	devm_kfree(dev, NULL);
	assert_int_equal(test_stats(m).api_errors, e + 3);
	devm_kfree(dev, a);		/* freed already */
	assert_int_equal(test_stats(m).api_errors, e + 4);

	dmamap_device_destroy(dev);	/* b, z, arr go with it */
	dmamap_device_destroy(other);
	assert_int_equal(test_stats(m).kmalloc_bytes, 0);
}

/* An embedded device's managed memory goes at unregistration, before its release(). */
struct drv {
	struct device dev;
	struct dmamap_machine *m;
	u64 pages_free_at_release;
};

static void drv_release(struct device *dev)
{
	struct drv *d = container_of(dev, struct drv, dev);

	d->pages_free_at_release = test_stats(d->m).pages_free;
}

static void test_embedded(void **state)
{
	struct dmamap_machine *m = *state;
	struct drv d = { .m = m };
	dma_addr_t dma;
	u64 free0;

	d.dev.release = drv_release;
	free0 = test_stats(m).pages_free;
	assert_int_equal(dmamap_device_register(m, &d.dev, NULL), 0);
	assert_non_null(dmam_alloc_coherent(&d.dev, SZ_1M, &dma, GFP_KERNEL));
	assert_true(test_stats(m).pages_free < free0);
	dmamap_device_unregister(&d.dev);
	assert_int_equal(d.pages_free_at_release, free0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_MACHINE_CASE(test_release_order, NULL),
		cmocka_unit_test(test_dmam_alloc),
		TEST_MACHINE_CASE(test_dmam_free, NULL),
		TEST_MACHINE_CASE(test_devm_kmalloc, NULL),
		TEST_MACHINE_CASE(test_embedded, NULL),
	};

	return cmocka_run_group_tests_name("devres", tests, NULL, NULL);
}
