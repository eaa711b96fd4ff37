// SPDX-License-Identifier: MIT
/*
 * dma_free_attrs() of one coherent buffer from two threads at once (a
 * driver's double free racing with itself): exactly one free happens, the
 * other is refused and counted, and the machine is left whole. Repeated to
 * give the race a chance on every run; checked under ThreadSanitizer.
 */
#include "test-util.h"

#include <pthread.h>

struct racer {
	struct device *dev;
	void *cpu;
	dma_addr_t handle;
	unsigned long attrs;
	pthread_barrier_t *go;
};

static void *free_it(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	dma_free_attrs(r->dev, 8192, r->cpu, r->handle, r->attrs);
	return NULL;
}

static void race(struct dmamap_machine *m, struct device *dev, unsigned long attrs)
{
	pthread_barrier_t go;
	struct racer r;
	pthread_t th[2];
	struct dmamap_stats before, after;

	r.dev = dev;
	r.attrs = attrs;
	r.go = &go;
	r.cpu = dma_alloc_attrs(dev, 8192, &r.handle, GFP_KERNEL, attrs);
	assert_non_null(r.cpu);
	dmamap_machine_stats(m, &before);
	assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, free_it, &r), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	dmamap_machine_stats(m, &after);
	assert_int_equal(after.api_errors, before.api_errors + 1);
	assert_true(after.pages_free > before.pages_free);
}

static void test_double_free_race(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct device *dev;
	struct dmamap_device_config cfg = { 0 };

	(void)state;
	assert_int_equal(dmamap_device_create(m, &cfg, &dev), 0);
	for (int i = 0; i < 200; i++) {
		race(m, dev, 0);
		race(m, dev, DMA_ATTR_NO_KERNEL_MAPPING);
	}
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_free_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
