// SPDX-License-Identifier: MIT
/*
 * Tracing (dmamap_trace_set): every DMA API call and every bus access is
 * reported once, after it completes, with the address, size, direction and
 * what it returned; a call refused by the checks is reported with its error;
 * without a callback nothing is reported and nothing is recorded.
 */
#include "test-util.h"

#include <dmamap/dma-map-ops.h>
#include <string.h>

#define MAX_EVENTS 64

struct log {
	struct dmamap_trace_event ev[MAX_EVENTS];
	int n;
};

static void record(const struct dmamap_trace_event *ev, void *arg)
{
	struct log *log = arg;

	assert_true(log->n < MAX_EVENTS);
	assert_true(ev->end_ns >= ev->start_ns);
	log->ev[log->n++] = *ev;
}

static struct device *make(struct dmamap_machine *m, bool coherent)
{
	struct dmamap_device_config cfg = { .coherent = coherent };
	struct device *dev = NULL;

	dev = test_device(m, &cfg, NULL);
	return dev;
}

static const struct dmamap_trace_event *find(const struct log *log, const char *name, int nth)
{
	for (int i = 0; i < log->n; i++)
		if (!strcmp(log->ev[i].name, name) && !nth--)
			return &log->ev[i];
	return NULL;
}

static void test_dma_calls_reported(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, false);
	struct log log = { .n = 0 };
	const struct dmamap_trace_event *e;
	dma_addr_t handle, addr;
	void *buf, *cpu;

	buf = dmamap_kmalloc(m, 4096, GFP_KERNEL);
	assert_non_null(buf);
	dmamap_trace_set(m, record, &log);

	cpu = dma_alloc_attrs(dev, 8192, &handle, GFP_KERNEL, 0);
	assert_non_null(cpu);
	addr = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, addr));
	dma_sync_single_for_cpu(dev, addr, 4096, DMA_TO_DEVICE);
	dma_unmap_single(dev, addr, 4096, DMA_TO_DEVICE);
	dma_free_attrs(dev, 8192, cpu, handle, 0);
	assert_int_equal(log.n, 5);

	e = find(&log, "dma_alloc", 0);
	assert_non_null(e);
	assert_int_equal(e->kind, DMAMAP_TRACE_DMA);
	assert_ptr_equal(e->dev, dev);
	assert_int_equal(e->addr, handle);
	assert_int_equal(e->size, 8192);
	assert_int_equal(e->ret, 0);
	e = find(&log, "dma_map_page", 0);
	assert_non_null(e);
	assert_int_equal(e->addr, addr);
	assert_int_equal(e->size, 4096);
	assert_int_equal(e->dir, DMA_TO_DEVICE);
	assert_ptr_equal(find(&log, "dma_sync_single_for_cpu", 0), &log.ev[2]);
	assert_int_equal(find(&log, "dma_unmap_page", 0)->addr, addr);
	assert_int_equal(find(&log, "dma_free", 0)->addr, handle);
	/* in the order they were made */
	for (int i = 1; i < log.n; i++)
		assert_true(log.ev[i].start_ns >= log.ev[i - 1].end_ns);

	/* a refused call is reported with its error: -EINVAL, where a failure is -ENOMEM */
	log.n = 0;
	addr = dma_map_single(dev, buf, 0, DMA_TO_DEVICE);
	assert_int_equal(addr, DMA_MAPPING_ERROR);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.ev[0].name, "dma_map_page");
	assert_int_equal(log.ev[0].ret, -EINVAL);
	/* memory outside the linear map: refused before any page is looked at */
	log.n = 0;
	addr = dma_map_single(dev, &log, 64, DMA_TO_DEVICE);
	assert_int_equal(addr, DMA_MAPPING_ERROR);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.ev[0].name, "dma_map_page");
	assert_int_equal(log.ev[0].ret, -EINVAL);
	/* a free that does not match its allocation is refused, and traced so */
	log.n = 0;
	cpu = dma_alloc_attrs(dev, 8192, &handle, GFP_KERNEL, 0);
	dma_free_attrs(dev, 4096, cpu, handle, 0);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.ev[1].name, "dma_free");
	assert_int_equal(log.ev[1].ret, -EINVAL);
	dma_free_attrs(dev, 8192, cpu, handle, 0);
	assert_int_equal(log.ev[2].ret, 0);
	/* so is an unmap of nothing, and a sync with an invalid direction */
	log.n = 0;
	dma_unmap_page(dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);
	dma_sync_single_for_cpu(dev, handle, 64, 9);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ev[0].ret, -EINVAL);
	assert_int_equal(log.ev[1].ret, -EINVAL);

	/* cleared: nothing more */
	dmamap_trace_set(m, NULL, NULL);
	log.n = 0;
	addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
	dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
	assert_int_equal(log.n, 0);

	dmamap_kfree(m, buf);
	dmamap_device_destroy(dev);
}

static void test_sg_and_bus_reported(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, true);
	struct log log = { .n = 0 };
	struct page *pages[3];
	struct sg_table sgt;
	struct dmamap_fault f;
	const struct dmamap_trace_event *e;
	u8 data[256], back[256];

	for (int i = 0; i < 3; i++) {
		pages[i] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
		assert_non_null(pages[i]);
	}
	assert_int_equal(sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
	for (int i = 0; i < 3; i++)
		sg_set_page(&sgt.sgl[i], pages[i], 1000, 8);
	dmamap_trace_set(m, record, &log);

	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	e = find(&log, "dma_map_sgtable", 0);
	assert_non_null(e);
	assert_int_equal(e->size, 3000);
	assert_int_equal(e->addr, sg_dma_address(sgt.sgl));
	assert_int_equal(e->ret, (long)sgt.nents);

	test_fill_pattern(data, sizeof(data), 7);
	assert_int_equal(dmamap_bus_write(dev, sg_dma_address(sgt.sgl), data, sizeof(data), &f), 0);
	assert_int_equal(dmamap_bus_read(dev, sg_dma_address(sgt.sgl), back, sizeof(back), &f), 0);
	assert_memory_equal(data, back, sizeof(data));
	e = find(&log, "bus_write", 0);
	assert_non_null(e);
	assert_int_equal(e->kind, DMAMAP_TRACE_BUS);
	assert_int_equal(e->dir, IOMMU_FAULT_WRITE);
	assert_int_equal(e->size, sizeof(data));
	e = find(&log, "bus_read", 0);
	assert_non_null(e);
	assert_int_equal(e->dir, IOMMU_FAULT_READ);
	assert_int_equal(e->ret, 0);

	/* a faulting access: reported with its error */
	assert_true(dmamap_bus_read(dev, DMA_BIT_MASK(40), back, 16, &f) < 0);
	e = find(&log, "bus_read", 1);
	assert_non_null(e);
	assert_true(e->ret < 0);

	/* the pair of dma_map_sgtable, by its name, with the same address and bytes */
	dma_unmap_sgtable(dev, &sgt, DMA_BIDIRECTIONAL, 0);
	e = find(&log, "dma_unmap_sgtable", 0);
	assert_non_null(e);
	assert_null(find(&log, "dma_unmap_sg", 0));
	assert_int_equal(e->size, 3000);
	assert_int_equal(e->ret, 0);
	dmamap_trace_set(m, NULL, NULL);
	sg_free_table(&sgt);
	for (int i = 0; i < 3; i++)
		dmamap_free_pages(pages[i], 0);
	dmamap_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_MACHINE_CASE(test_dma_calls_reported, NULL),
		TEST_MACHINE_CASE(test_sg_and_bus_reported, NULL),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
