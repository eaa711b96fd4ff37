// SPDX-License-Identifier: MIT
/*
 * The CPU-cache model as a driver meets it through the DMA API, on a
 * non-coherent machine: what a non-coherent device reads and what the CPU
 * reads, for each direction, with and without the maintenance the API rules
 * ask for. A coherent (snooping) device never sees stale data, and a
 * streaming buffer that shares a cache line with CPU data loses the device's
 * bytes in that line when the CPU wrote it, as on hardware.
 */
#include "test-util.h"

#include "mm/cache.h"
#include "mm/mm.h"

#include <string.h>

#define LEN	(2 * PAGE_SIZE + 200)	/* whole pages and a partial one */

struct fixture {
	struct dmamap_machine *m;
	struct device *nc;	/* non-coherent */
	struct device *co;	/* coherent */
	struct page *page;
	phys_addr_t phys;
	u8 *cpu;		/* the buffer as the CPU sees it */
	u8 dev[LEN];		/* what a device read or writes */
};

static void setup(struct fixture *f, enum dmamap_cache_model cache)
{
	struct dmamap_machine_config mc = { .cache = cache };
	struct dmamap_device_config cn = { .name = "nc" }, cc = { .name = "co", .coherent = true };

	f->m = test_machine(&mc);
	f->nc = test_device(f->m, &cn, NULL);
	f->co = test_device(f->m, &cc, NULL);
	f->page = dmamap_alloc_pages(f->m, GFP_KERNEL | __GFP_ZERO, 2);
	assert_non_null(f->page);
	f->phys = page_to_phys(f->page);
	f->cpu = page_address(f->page);
}

static void teardown(struct fixture *f)
{
	/* every mapping was undone: no line state left behind */
	assert_int_equal(mm_cache_snapshots(f->m), 0);
	dmamap_free_pages(f->page, 2);
	dmamap_device_destroy(f->nc);
	dmamap_device_destroy(f->co);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* The device reads the buffer at @dma; is it pattern @seed? */
static bool device_sees(struct fixture *f, struct device *dev, dma_addr_t dma, u32 seed)
{
	memset(f->dev, 0xff, LEN);
	assert_int_equal(dmamap_bus_read(dev, dma, f->dev, LEN, NULL), 0);
	return test_check_pattern(f->dev, LEN, seed) == -1;
}

static bool device_sees_zero(struct fixture *f, struct device *dev, dma_addr_t dma)
{
	memset(f->dev, 0xff, LEN);
	assert_int_equal(dmamap_bus_read(dev, dma, f->dev, LEN, NULL), 0);
	return test_all_bytes(f->dev, LEN, 0);
}

static void device_writes(struct fixture *f, struct device *dev, dma_addr_t dma, u32 seed)
{
	test_fill_pattern(f->dev, LEN, seed);
	assert_int_equal(dmamap_bus_write(dev, dma, f->dev, LEN, NULL), 0);
}

static bool cpu_sees(struct fixture *f, u32 seed)
{
	return test_check_pattern(f->cpu, LEN, seed) == -1;
}

/* --- DMA_TO_DEVICE ------------------------------------------------------------ */

/*
 * The CPU's writes sit in its cache until a clean: the device reads them
 * only after dma_map_*() or dma_sync_*_for_device(). Mapping with
 * DMA_ATTR_SKIP_CPU_SYNC, or writing again after the map without a sync,
 * leaves the device reading what memory held.
 */
static void test_to_device(void **state)
{
	struct fixture f;
	dma_addr_t dma;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	test_fill_pattern(f.cpu, LEN, 1);

	/* without the clean: stale */
	dma = dma_map_single_attrs(f.nc, f.cpu, LEN, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	assert_false(dma_mapping_error(f.nc, dma));
	assert_true(device_sees_zero(&f, f.nc, dma));
	assert_true(device_sees_zero(&f, f.nc, dma));
	/* the sync for the device cleans */
	dma_sync_single_for_device(f.nc, dma, LEN, DMA_TO_DEVICE);
	assert_true(device_sees(&f, f.nc, dma, 1));
	dma_unmap_single(f.nc, dma, LEN, DMA_TO_DEVICE);

	/* the map cleans */
	test_fill_pattern(f.cpu, LEN, 2);
	dma = dma_map_single(f.nc, f.cpu, LEN, DMA_TO_DEVICE);
	assert_true(device_sees(&f, f.nc, dma, 2));
	/* a CPU write after the map is not seen without a new sync */
	test_fill_pattern(f.cpu, LEN, 3);
	assert_true(device_sees(&f, f.nc, dma, 2));
	dma_sync_single_for_device(f.nc, dma, LEN, DMA_TO_DEVICE);
	assert_true(device_sees(&f, f.nc, dma, 3));
	/* the CPU keeps its data: TO_DEVICE never invalidates */
	dma_unmap_single(f.nc, dma, LEN, DMA_TO_DEVICE);
	assert_true(cpu_sees(&f, 3));

	/* the same through a scatterlist */
	{
		struct sg_table sgt;
		struct scatterlist *sg;
		unsigned int i;

		assert_int_equal(sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
		for_each_sgtable_sg(&sgt, sg, i)
			sg_set_page(sg, f.page + i, i == 2 ? 200 : PAGE_SIZE, 0);
		test_fill_pattern(f.cpu, LEN, 4);
		assert_int_equal(dma_map_sgtable(f.nc, &sgt, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC),
				 0);
		dma = sg_dma_address(sgt.sgl);
		assert_int_equal(dma, f.phys);
		assert_true(device_sees(&f, f.nc, dma, 3));
		dma_sync_sgtable_for_device(f.nc, &sgt, DMA_TO_DEVICE);
		assert_true(device_sees(&f, f.nc, dma, 4));
		dma_unmap_sgtable(f.nc, &sgt, DMA_TO_DEVICE, 0);
		test_fill_pattern(f.cpu, LEN, 5);
		assert_int_equal(dma_map_sgtable(f.nc, &sgt, DMA_TO_DEVICE, 0), 0);
		assert_true(device_sees(&f, f.nc, dma, 5));
		dma_unmap_sgtable(f.nc, &sgt, DMA_TO_DEVICE, 0);
		sg_free_table(&sgt);
	}
	teardown(&f);
}

/* --- DMA_FROM_DEVICE ---------------------------------------------------------- */

/*
 * The CPU may prefetch a buffer the device owns: reading it before
 * dma_sync_*_for_cpu() or dma_unmap_*() gives the old data, every time, even
 * for a buffer the CPU never touched; after the sync it gives the device's.
 */
static void test_from_device(void **state)
{
	struct fixture f;
	dma_addr_t dma;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	dma = dma_map_single(f.nc, f.cpu, LEN, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(f.nc, dma));
	for (u32 i = 0; i < 3; i++) {
		device_writes(&f, f.nc, dma, 10 + i);
		assert_true(test_all_bytes(f.cpu, LEN, 0));
	}
	dma_sync_single_for_cpu(f.nc, dma, LEN, DMA_FROM_DEVICE);
	assert_true(cpu_sees(&f, 12));

	/* back to the device, another transfer: stale again until the unmap */
	dma_sync_single_for_device(f.nc, dma, LEN, DMA_FROM_DEVICE);
	device_writes(&f, f.nc, dma, 13);
	assert_true(cpu_sees(&f, 12));
	assert_true(cpu_sees(&f, 12));
	dma_unmap_single(f.nc, dma, LEN, DMA_FROM_DEVICE);
	assert_true(cpu_sees(&f, 13));

	/* an unmap that skips the sync leaves the CPU on its stale copy */
	dma = dma_map_single(f.nc, f.cpu, LEN, DMA_FROM_DEVICE);
	device_writes(&f, f.nc, dma, 14);
	dma_unmap_single_attrs(f.nc, dma, LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	assert_true(cpu_sees(&f, 13));

	/* a scatterlist, synced as a table */
	{
		struct sg_table sgt;
		struct scatterlist *sg;
		unsigned int i;

		assert_int_equal(sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
		for_each_sgtable_sg(&sgt, sg, i)
			sg_set_page(sg, f.page + i, i == 2 ? 200 : PAGE_SIZE, 0);
		assert_int_equal(dma_map_sgtable(f.nc, &sgt, DMA_FROM_DEVICE, 0), 0);
		assert_int_equal(sg_dma_address(sgt.sgl), f.phys);
		/* the map dropped the CPU's old copy and primed a new one */
		device_writes(&f, f.nc, f.phys, 15);
		assert_false(cpu_sees(&f, 15));
		dma_sync_sgtable_for_cpu(f.nc, &sgt, DMA_FROM_DEVICE);
		assert_true(cpu_sees(&f, 15));
		dma_sync_sgtable_for_device(f.nc, &sgt, DMA_FROM_DEVICE);
		device_writes(&f, f.nc, f.phys, 16);
		assert_true(cpu_sees(&f, 15));
		dma_unmap_sgtable(f.nc, &sgt, DMA_FROM_DEVICE, 0);
		assert_true(cpu_sees(&f, 16));
		sg_free_table(&sgt);
	}
	teardown(&f);
}

/* --- DMA_BIDIRECTIONAL -------------------------------------------------------- */

/* Both rules at once: the map cleans and primes, the sync for the CPU invalidates. */
static void test_bidirectional(void **state)
{
	struct fixture f;
	dma_addr_t dma;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	test_fill_pattern(f.cpu, LEN, 20);

	/* no clean: the device reads memory's old bytes */
	dma = dma_map_single_attrs(f.nc, f.cpu, LEN, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	assert_true(device_sees_zero(&f, f.nc, dma));
	dma_unmap_single_attrs(f.nc, dma, LEN, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	assert_true(cpu_sees(&f, 20));		/* the CPU's data is still in its cache */

	dma = dma_map_single(f.nc, f.cpu, LEN, DMA_BIDIRECTIONAL);
	assert_true(device_sees(&f, f.nc, dma, 20));
	device_writes(&f, f.nc, dma, 21);
	assert_true(cpu_sees(&f, 20));		/* stale before the sync */
	assert_true(cpu_sees(&f, 20));
	dma_sync_single_for_cpu(f.nc, dma, LEN, DMA_BIDIRECTIONAL);
	assert_true(cpu_sees(&f, 21));
	/* the CPU answers, hands it back: the device reads the answer */
	test_fill_pattern(f.cpu, LEN, 22);
	assert_true(device_sees(&f, f.nc, dma, 21));
	dma_sync_single_for_device(f.nc, dma, LEN, DMA_BIDIRECTIONAL);
	assert_true(device_sees(&f, f.nc, dma, 22));
	device_writes(&f, f.nc, dma, 23);
	assert_true(cpu_sees(&f, 22));
	dma_unmap_single(f.nc, dma, LEN, DMA_BIDIRECTIONAL);
	assert_true(cpu_sees(&f, 23));
	teardown(&f);
}

/* --- coherent devices ------------------------------------------------------- */

/*
 * A snooping device sees the CPU's cache and updates it: whatever the
 * direction, with or without syncs, no stale data either way, and no cache
 * maintenance is done for it.
 */
static void test_coherent_device(void **state)
{
	const enum dma_data_direction dirs[] = { DMA_TO_DEVICE, DMA_FROM_DEVICE,
						 DMA_BIDIRECTIONAL };
	struct fixture f;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	for (unsigned int d = 0; d < 3; d++) {
		for (unsigned int skip = 0; skip < 2; skip++) {
			unsigned long attrs = skip ? DMA_ATTR_SKIP_CPU_SYNC : 0;
			u32 seed = 30 + d * 10 + skip * 5;
			struct dmamap_stats st0 = test_stats(f.m), st1;
			dma_addr_t dma;

			test_fill_pattern(f.cpu, LEN, seed);
			dma = dma_map_single_attrs(f.co, f.cpu, LEN, dirs[d], attrs);
			assert_true(device_sees(&f, f.co, dma, seed));
			test_fill_pattern(f.cpu, LEN, seed + 1);	/* after the map */
			assert_true(device_sees(&f, f.co, dma, seed + 1));
			device_writes(&f, f.co, dma, seed + 2);
			assert_true(cpu_sees(&f, seed + 2));
			dma_unmap_single_attrs(f.co, dma, LEN, dirs[d], attrs);
			assert_true(cpu_sees(&f, seed + 2));
			st1 = test_stats(f.m);
			assert_int_equal(st1.syncs, st0.syncs);
			assert_int_equal(st1.clean_bytes, st0.clean_bytes);
			assert_int_equal(st1.invalidate_bytes, st0.invalidate_bytes);
		}
	}
	/* a non-coherent device on the same machine does get maintenance */
	{
		struct dmamap_stats st0 = test_stats(f.m);
		dma_addr_t dma = dma_map_single(f.nc, f.cpu, LEN, DMA_BIDIRECTIONAL);

		dma_unmap_single(f.nc, dma, LEN, DMA_BIDIRECTIONAL);
		assert_int_equal(test_stats(f.m).syncs - st0.syncs, 2);
	}
	teardown(&f);
}

/* On a coherent machine even a non-coherent device never sees stale data. */
static void test_coherent_machine(void **state)
{
	struct fixture f;
	dma_addr_t dma;

	(void)state;
	setup(&f, DMAMAP_CACHE_COHERENT);
	test_fill_pattern(f.cpu, LEN, 50);
	dma = dma_map_single_attrs(f.nc, f.cpu, LEN, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	assert_true(device_sees(&f, f.nc, dma, 50));
	device_writes(&f, f.nc, dma, 51);
	assert_true(cpu_sees(&f, 51));
	dma_unmap_single_attrs(f.nc, dma, LEN, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	teardown(&f);
}

/* --- the 64-byte line ------------------------------------------------------------ */

/*
 * A FROM_DEVICE buffer that starts inside a cache line holding CPU data: if
 * the CPU writes its data into that line while the device owns the buffer,
 * the invalidate at unmap must write the line back first (it cannot drop the
 * CPU's bytes), and so the CPU's stale copy of the buffer's first bytes lands
 * over what the device wrote there. The buffer's other partial line, which
 * the CPU did not write, loses nothing. Without the CPU write nothing is lost.
 */
static void test_shared_line(void **state)
{
	const size_t head = 24, len = 300;	/* buffer [24, 324): lines 0 and 320 partial */
	struct fixture f;

	(void)state;
	for (int cpu_writes = 1; cpu_writes >= 0; cpu_writes--) {
		u8 want[512];
		dma_addr_t dma;

		setup(&f, DMAMAP_CACHE_NONCOHERENT);
		assert_int_equal(dma_get_cache_alignment(), 64);
		memset(f.cpu, 0xc0, head);		/* CPU data in the first line */
		memset(f.cpu + head, 0xee, len);	/* the buffer's old bytes */
		memset(f.cpu + head + len, 0xd0, 512 - head - len);	/* CPU data after it */
		dma = dma_map_single(f.nc, f.cpu + head, len, DMA_FROM_DEVICE);
		assert_int_equal(dma, f.phys + head);
		if (cpu_writes)
			memset(f.cpu, 0xc1, head);	/* the CPU updates its own data */
		test_fill_pattern(f.dev, len, 60);
		assert_int_equal(dmamap_bus_write(f.nc, dma, f.dev, len, NULL), 0);
		dma_unmap_single(f.nc, dma, len, DMA_FROM_DEVICE);

		memset(want, cpu_writes ? 0xc1 : 0xc0, head);
		test_fill_pattern(want + head, len, 60);
		memset(want + head + len, 0xd0, 512 - head - len);
		if (cpu_writes)		/* the device's bytes in line 0 are gone */
			memset(want + head, 0xee, 64 - head);
		assert_memory_equal(f.cpu, want, 512);
		/* memory holds the same: the line was written back over the device's bytes */
		assert_int_equal(dmamap_bus_read(f.nc, f.phys, f.dev, 512, NULL), 0);
		assert_memory_equal(f.dev, want, 64);
		assert_memory_equal(f.dev + 64, want + 64, len + head - 64);
		teardown(&f);
	}
}

/*
 * A driver looks at part of a FROM_DEVICE buffer first (a received header,
 * say) with dma_sync_single_for_cpu() over a range whose ends fall inside
 * cache lines, then at the rest. The partial lines at the ends of that sync
 * lie inside the device's buffer, where the CPU wrote nothing: invalidating
 * them must not write the CPU's stale copy back over what the device put
 * there. Every byte the device wrote reaches the CPU, in both steps.
 */
static void test_partial_sync_for_cpu(void **state)
{
	const size_t len = PAGE_SIZE, hdr_off = 10, hdr_len = 100;	/* lines 0 and 64 partial */
	struct fixture f;
	dma_addr_t dma;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	memset(f.cpu, 0xee, len);			/* the buffer's old bytes */
	dma = dma_map_single(f.nc, f.cpu, len, DMA_FROM_DEVICE);
	test_fill_pattern(f.dev, len, 61);
	assert_int_equal(dmamap_bus_write(f.nc, dma, f.dev, len, NULL), 0);

	dma_sync_single_for_cpu(f.nc, dma + hdr_off, hdr_len, DMA_FROM_DEVICE);
	assert_memory_equal(f.cpu + hdr_off, f.dev + hdr_off, hdr_len);
	/* the rest: memory still holds the device's bytes next to the header */
	dma_sync_single_for_cpu(f.nc, dma, len, DMA_FROM_DEVICE);
	assert_int_equal(test_check_pattern(f.cpu, len, 61), -1);
	dma_unmap_single(f.nc, dma, len, DMA_FROM_DEVICE);
	assert_int_equal(test_check_pattern(f.cpu, len, 61), -1);
	teardown(&f);
}

/*
 * kmalloc objects are aligned to the cache line (ARCH_DMA_MINALIGN): CPU
 * writes to the objects on either side of a FROM_DEVICE buffer cost it
 * nothing, and the device's bytes cost them nothing.
 */
static void test_kmalloc_no_sharing(void **state)
{
	struct fixture f;
	u8 *obj[3];
	dma_addr_t dma;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	for (int i = 0; i < 3; i++) {
		obj[i] = dmamap_kmalloc(f.m, 100, GFP_KERNEL);
		assert_non_null(obj[i]);
		assert_int_equal((unsigned long)obj[i] % dma_get_cache_alignment(), 0);
	}
	dma = dma_map_single(f.nc, obj[1], 100, DMA_FROM_DEVICE);
	memset(obj[0], 0x11, 100);			/* the neighbours write */
	memset(obj[2], 0x22, 100);
	test_fill_pattern(f.dev, 100, 70);
	assert_int_equal(dmamap_bus_write(f.nc, dma, f.dev, 100, NULL), 0);
	assert_false(test_check_pattern(obj[1], 100, 70) == -1);	/* not yet */
	dma_unmap_single(f.nc, dma, 100, DMA_FROM_DEVICE);
	assert_int_equal(test_check_pattern(obj[1], 100, 70), -1);
	assert_true(test_all_bytes(obj[0], 100, 0x11));
	assert_true(test_all_bytes(obj[2], 100, 0x22));
	for (int i = 0; i < 3; i++)
		dmamap_kfree(f.m, obj[i]);
	teardown(&f);
}

/*
 * A mapping made with DMA_ATTR_SKIP_CPU_SYNC (the driver syncs later, or
 * not at all) and unmapped with the sync: the invalidate of the partial
 * line at the buffer's end cleans it first, as arm64's does, so CPU bytes
 * beside the buffer that were written and never cleaned survive. Found by
 * the op-sequence fuzzer: the line had no snapshot, was taken as clean and
 * the CPU's bytes were dropped. Through dma_map_page() and dma_map_sg().
 */
static void test_skip_sync_keeps_neighbours(void **state)
{
	static const enum dma_data_direction dirs[] = { DMA_FROM_DEVICE, DMA_BIDIRECTIONAL };
	struct fixture f;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	for (int sg = 0; sg < 2; sg++) {
		for (int d = 0; d < 2; d++) {
			struct scatterlist one;
			dma_addr_t dma;

			memset(f.cpu, 0x11, 256);	/* written, never cleaned */
			if (sg) {
				sg_init_table(&one, 1);
				sg_set_page(&one, f.page, 100, 70);
				assert_int_equal(dma_map_sg_attrs(f.nc, &one, 1, dirs[d],
								  DMA_ATTR_SKIP_CPU_SYNC), 1);
				dma_unmap_sg(f.nc, &one, 1, dirs[d]);
			} else {
				dma = dma_map_page_attrs(f.nc, f.page, 70, 100, dirs[d],
							 DMA_ATTR_SKIP_CPU_SYNC);
				assert_false(dma_mapping_error(f.nc, dma));
				dma_unmap_page(f.nc, dma, 100, dirs[d]);
			}
			assert_true(test_all_bytes(f.cpu, 70, 0x11));
			assert_true(test_all_bytes(f.cpu + 170, 256 - 170, 0x11));
			assert_int_equal(mm_cache_snapshots(f.m), 0);
		}
	}
	teardown(&f);
}

/*
 * dma_sync_single_for_device() of part of a mapping, ends inside cache
 * lines: the cache model keeps nothing for those lines after the unmap.
 * Found by the op-sequence fuzzer: each such sync left a snapshot of its end
 * lines behind, and the next buffer to use those lines was judged by it: a
 * FROM_DEVICE buffer bounced through the same swiotlb slot got the CPU's
 * old bytes written over what its device had written.
 */
static void test_partial_sync_for_device_leaves_nothing(void **state)
{
	struct fixture f;
	dma_addr_t dma;

	(void)state;
	setup(&f, DMAMAP_CACHE_NONCOHERENT);
	dma = dma_map_single(f.nc, f.cpu, PAGE_SIZE, DMA_BIDIRECTIONAL);
	dma_sync_single_for_cpu(f.nc, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	dma_sync_single_for_device(f.nc, dma + 100, 1000, DMA_BIDIRECTIONAL);
	dma_unmap_single(f.nc, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_int_equal(mm_cache_snapshots(f.m), 0);

	/* the next mapping of those bytes: the device's writes reach the CPU */
	dma = dma_map_single(f.nc, f.cpu + 64, 256, DMA_FROM_DEVICE);
	test_fill_pattern(f.dev, 256, 90);
	assert_int_equal(dmamap_bus_write(f.nc, dma, f.dev, 256, NULL), 0);
	dma_sync_single_for_cpu(f.nc, dma + 36, 100, DMA_FROM_DEVICE);
	dma_unmap_single(f.nc, dma, 256, DMA_FROM_DEVICE);
	assert_int_equal(test_check_pattern(f.cpu + 64, 256, 90), -1);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_device),
		cmocka_unit_test(test_from_device),
		cmocka_unit_test(test_bidirectional),
		cmocka_unit_test(test_coherent_device),
		cmocka_unit_test(test_coherent_machine),
		cmocka_unit_test(test_shared_line),
		cmocka_unit_test(test_partial_sync_for_cpu),
		cmocka_unit_test(test_kmalloc_no_sharing),
		cmocka_unit_test(test_skip_sync_keeps_neighbours),
		cmocka_unit_test(test_partial_sync_for_device_leaves_nothing),
	};

	return cmocka_run_group_tests_name("cache-model", tests, NULL, NULL);
}
