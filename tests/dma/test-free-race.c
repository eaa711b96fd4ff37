// SPDX-License-Identifier: MIT
/*
 * dma_free_attrs() of one coherent buffer from two threads at once (a
 * driver's double free racing with itself): exactly one free happens, the
 * other is refused and counted, and the machine is left whole. And the
 * first device accesses to a new buffer, from two threads at once: one
 * zeroes it, the other waits for that or finds it done, and both read
 * zeros. Repeated to give the races a chance on every run; checked under
 * ThreadSanitizer.
 */
#include "test-util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
	dev = test_device(m, &cfg, NULL);
	for (int i = 0; i < 200; i++) {
		race(m, dev, 0);
		race(m, dev, DMA_ATTR_NO_KERNEL_MAPPING);
	}
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

enum { TOUCH_SIZE = 64 * 1024, TOUCH_ROUNDS = 300 };

struct toucher {
	struct device *dev;
	dma_addr_t *handle;		/* the round's buffer */
	pthread_barrier_t *go, *done;
	u8 *buf;			/* TOUCH_SIZE bytes */
	unsigned long wrong;
};

static void *touch_it(void *arg)
{
	struct toucher *t = arg;
	u8 *buf = t->buf;

	for (int i = 0; i < TOUCH_ROUNDS; i++) {
		pthread_barrier_wait(t->go);
		memset(buf, 0xa5, TOUCH_SIZE);
		if (dmamap_bus_read(t->dev, *t->handle, buf, TOUCH_SIZE, NULL) ||
		    !test_all_bytes(buf, TOUCH_SIZE, 0))
			t->wrong++;
		pthread_barrier_wait(t->done);
	}
	return NULL;
}

static void test_first_touch_race(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_device_config cfg = { 0 };
	pthread_barrier_t go, done;
	struct toucher t[2];
	pthread_t th[2];
	struct device *dev;
	dma_addr_t handle;

	(void)state;
	dev = test_device(m, &cfg, NULL);
	assert_int_equal(pthread_barrier_init(&go, NULL, 3), 0);
	assert_int_equal(pthread_barrier_init(&done, NULL, 3), 0);
	for (int i = 0; i < 2; i++) {
		t[i] = (struct toucher){ .dev = dev, .handle = &handle, .go = &go, .done = &done,
					 .buf = malloc(TOUCH_SIZE) };
		assert_non_null(t[i].buf);
		assert_int_equal(pthread_create(&th[i], NULL, touch_it, &t[i]), 0);
	}
	for (int i = 0; i < TOUCH_ROUNDS; i++) {
		/* the frames of the last round's buffer come back dirty: the device wrote them */
		unsigned long attrs = i % 2 ? DMA_ATTR_NO_KERNEL_MAPPING : 0;
		void *cpu = dma_alloc_attrs(dev, TOUCH_SIZE, &handle, GFP_KERNEL, attrs);

		assert_non_null(cpu);
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&done);
		assert_int_equal(dmamap_bus_fill(dev, handle, 0x77, TOUCH_SIZE, NULL), 0);
		dma_free_attrs(dev, TOUCH_SIZE, cpu, handle, attrs);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		free(t[i].buf);
		assert_int_equal(t[i].wrong, 0);
	}
	pthread_barrier_destroy(&go);
	pthread_barrier_destroy(&done);
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_free_race),
		cmocka_unit_test(test_first_touch_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
