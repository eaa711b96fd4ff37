// SPDX-License-Identifier: MIT
/*
 * Bounce buffering (src/dma/swiotlb.c) through the direct backend: a buffer a
 * device cannot reach is copied into slots below 4 GiB; the device works on
 * the slots; unmap and the syncs copy the right way; a full pool fails
 * cleanly and recovers.
 */
#include "test-util.h"

#include "mm/cache.h"

#include <stdlib.h>
#include <string.h>

#define SLOT	2048

static const struct dmamap_bank low_high[] = {
	{ 0x80000000ULL, SZ_64M },
	{ 0x100000000ULL, SZ_64M },
};

struct fixture {
	struct dmamap_machine *m;
	struct device *dev;	/* 32-bit, non-coherent */
	struct device *co;	/* 32-bit, coherent */
};

static void setup(struct fixture *f, u64 swiotlb_size)
{
	struct dmamap_machine_config mc = { .banks = low_high, .nr_banks = 2,
					    .swiotlb_size = swiotlb_size,
					    .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config cn = { .name = "dev32" };
	struct dmamap_device_config cc = { .name = "co32", .coherent = true };

	f->m = test_machine(&mc);
	f->dev = test_device(f->m, &cn, NULL);
	f->co = test_device(f->m, &cc, NULL);
}

static void teardown(struct fixture *f)
{
	assert_int_equal(mm_cache_snapshots(f->m), 0);
	dmamap_device_destroy(f->dev);
	dmamap_device_destroy(f->co);
	test_assert_no_leaks(f->m);
	dmamap_machine_destroy(f->m);
}

/* Frames from the bank above 4 GiB (the allocator's first choice). */
static struct page *high_pages(struct dmamap_machine *m, unsigned int order)
{
	struct page *p = dmamap_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, order);

	assert_non_null(p);
	assert_true(page_to_phys(p) >= SZ_4G);
	return p;
}

/* --- bouncing ------------------------------------------------------------------ */

/*
 * A page above 4 GiB mapped for a 32-bit device is bounced: the DMA address
 * is a slot below 4 GiB, the device reads the CPU's bytes there and writes
 * there, the original changes only when unmap copies the slot back.
 */
static void test_bounce(void **state)
{
	const size_t off = 100, len = 5000;
	struct fixture f;

	(void)state;
	setup(&f, 0);
	for (int c = 0; c < 2; c++) {
		struct device *dev = c ? f.co : f.dev;
		struct page *page = high_pages(f.m, 1);
		u8 *cpu = (u8 *)page_address(page) + off;
		struct dmamap_stats st0, st1;
		dma_addr_t dma;

		test_fill_pattern(cpu, len, 1);
		st0 = test_stats(f.m);
		assert_int_equal(st0.swiotlb_slots_used, 0);
		dma = dma_map_page(dev, page, off, len, DMA_BIDIRECTIONAL);
		assert_false(dma_mapping_error(dev, dma));
		assert_true(dma + len - 1 <= DMA_BIT_MASK(32));
		assert_int_not_equal(dma, page_to_phys(page) + off);
		st1 = test_stats(f.m);
		assert_int_equal(st1.swiotlb_slots_used, (len + SLOT - 1) / SLOT);
		assert_int_equal(st1.bounce_bytes - st0.bounce_bytes, len);
		assert_int_equal(st1.swiotlb_slots_total, SZ_4M / SLOT);

		assert_true(test_device_sees(dev, dma, len, 1));
		test_device_writes(dev, dma, len, 2);
		/* the original is untouched until the copy back */
		assert_int_equal(test_check_pattern(cpu, len, 1), -1);
		dma_unmap_page(dev, dma, len, DMA_BIDIRECTIONAL);
		assert_int_equal(test_check_pattern(cpu, len, 2), -1);
		st1 = test_stats(f.m);
		assert_int_equal(st1.swiotlb_slots_used, 0);
		assert_int_equal(st1.bounce_bytes - st0.bounce_bytes, 2 * len);
		dmamap_free_pages(page, 1);
	}

	/* a buffer the device can reach is not bounced */
	{
		struct page *low = dmamap_alloc_pages(f.m, GFP_DMA32, 0);
		struct dmamap_stats st0 = test_stats(f.m);
		dma_addr_t dma = dma_map_page(f.dev, low, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);

		assert_int_equal(dma, page_to_phys(low));
		assert_int_equal(test_stats(f.m).swiotlb_slots_used, 0);
		dma_unmap_page(f.dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_int_equal(test_stats(f.m).bounce_bytes, st0.bounce_bytes);
		dmamap_free_pages(low, 0);
	}
	teardown(&f);
}

/*
 * Directions: TO_DEVICE is not copied back at unmap; FROM_DEVICE is copied
 * back; a FROM_DEVICE mapping the device writes only in part (or not at all)
 * leaves the rest of the buffer as it was, because the original was copied
 * into the slot at map time, whatever earlier user left data in that slot.
 */
static void test_directions(void **state)
{
	const size_t len = PAGE_SIZE;
	struct fixture f;
	struct page *a, *b;
	dma_addr_t da, db;

	(void)state;
	setup(&f, SZ_256K);	/* one segment: the same slots are used again */
	a = high_pages(f.m, 0);
	b = high_pages(f.m, 0);
	test_fill_pattern(page_address(a), len, 10);
	test_fill_pattern(page_address(b), len, 11);

	/* TO_DEVICE: the device's writes to the slot never reach the buffer */
	da = dma_map_page(f.dev, a, 0, len, DMA_TO_DEVICE);
	assert_true(test_device_sees(f.dev, da, len, 10));
	test_device_writes(f.dev, da, len, 12);		/* junk left in the slot */
	dma_sync_single_for_cpu(f.dev, da, len, DMA_TO_DEVICE);
	assert_int_equal(test_check_pattern(page_address(a), len, 10), -1);
	dma_unmap_page(f.dev, da, len, DMA_TO_DEVICE);
	assert_int_equal(test_check_pattern(page_address(a), len, 10), -1);

	/* FROM_DEVICE into the same slot, never written: the buffer stays */
	db = dma_map_page(f.dev, b, 0, len, DMA_FROM_DEVICE);
	assert_int_equal(db, da);
	assert_true(test_device_sees(f.dev, db, len, 11));	/* not the junk */
	dma_unmap_page(f.dev, db, len, DMA_FROM_DEVICE);
	assert_int_equal(test_check_pattern(page_address(b), len, 11), -1);

	/* FROM_DEVICE written in part: that part changes, the rest stays */
	test_device_writes(f.dev, da, len, 13);		/* junk in the slot again */
	db = dma_map_page(f.dev, b, 0, len, DMA_FROM_DEVICE);
	assert_int_equal(db, da);
	{
		u8 head[100], want[4096];

		test_fill_pattern(head, sizeof(head), 14);
		assert_int_equal(dmamap_bus_write(f.dev, db, head, sizeof(head), NULL), 0);
		dma_unmap_page(f.dev, db, len, DMA_FROM_DEVICE);
		test_fill_pattern(want, len, 11);
		memcpy(want, head, sizeof(head));
		assert_memory_equal(page_address(b), want, len);

		/* FROM_DEVICE whole: copied back at unmap, not before */
		db = dma_map_page(f.dev, b, 0, len, DMA_FROM_DEVICE);
		test_device_writes(f.dev, db, len, 15);
		assert_memory_equal(page_address(b), want, len);
	}
	dma_unmap_page(f.dev, db, len, DMA_FROM_DEVICE);
	assert_int_equal(test_check_pattern(page_address(b), len, 15), -1);

	/* an unmap that skips the CPU sync does not copy back */
	db = dma_map_page(f.dev, b, 0, len, DMA_FROM_DEVICE);
	test_device_writes(f.dev, db, len, 16);
	dma_unmap_page_attrs(f.dev, db, len, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	assert_int_equal(test_check_pattern(page_address(b), len, 15), -1);
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, 0);

	dmamap_free_pages(a, 0);
	dmamap_free_pages(b, 0);
	teardown(&f);
}

/*
 * The syncs copy between buffer and slot: for the device, the CPU's bytes
 * into the slot (TO_DEVICE, BIDIRECTIONAL; never FROM_DEVICE); for the CPU,
 * the slot's into the buffer (FROM_DEVICE, BIDIRECTIONAL; never TO_DEVICE).
 * A sync of part of a mapping copies that part.
 */
static void test_syncs(void **state)
{
	const size_t len = 3 * SLOT + 500;
	struct fixture f;
	struct page *page;
	u8 *cpu, *want;
	dma_addr_t dma;

	(void)state;
	setup(&f, 0);
	page = high_pages(f.m, 1);
	cpu = page_address(page);
	want = malloc(len);
	assert_non_null(want);
	test_fill_pattern(cpu, len, 20);

	dma = dma_map_single(f.dev, cpu, len, DMA_BIDIRECTIONAL);
	assert_true(test_device_sees(f.dev, dma, len, 20));
	test_fill_pattern(cpu, len, 21);
	assert_true(test_device_sees(f.dev, dma, len, 20));
	dma_sync_single_for_device(f.dev, dma, len, DMA_BIDIRECTIONAL);
	assert_true(test_device_sees(f.dev, dma, len, 21));
	test_device_writes(f.dev, dma, len, 22);
	assert_int_equal(test_check_pattern(cpu, len, 21), -1);
	dma_sync_single_for_cpu(f.dev, dma, len, DMA_BIDIRECTIONAL);
	assert_int_equal(test_check_pattern(cpu, len, 22), -1);

	/* part of the mapping (whole cache lines), across a slot boundary */
	test_device_writes(f.dev, dma, len, 23);
	dma_sync_single_for_cpu(f.dev, dma + SLOT + 1024, 2048, DMA_BIDIRECTIONAL);
	test_fill_pattern(want, len, 22);
	{
		u8 *tmp = malloc(len);

		assert_non_null(tmp);
		test_fill_pattern(tmp, len, 23);
		memcpy(want + SLOT + 1024, tmp + SLOT + 1024, 2048);
		free(tmp);
	}
	assert_memory_equal(cpu, want, len);
	dma_unmap_single(f.dev, dma, len, DMA_BIDIRECTIONAL);
	assert_int_equal(test_check_pattern(cpu, len, 23), -1);

	/*
	 * The direction rules, for both kinds of device (a snooping one sees
	 * the slot through the CPU's cache, so a wrong copy would show there
	 * even where the cache of a non-coherent one would hide it).
	 */
	for (int c = 0; c < 2; c++) {
		struct device *dev = c ? f.co : f.dev;
		u32 s = 24 + 10 * (u32)c;

		/* TO_DEVICE: the sync for the CPU copies nothing back */
		test_fill_pattern(cpu, len, s);
		dma = dma_map_single(dev, cpu, len, DMA_TO_DEVICE);
		assert_true(test_device_sees(dev, dma, len, s));
		test_fill_pattern(cpu, len, s + 1);
		dma_sync_single_for_device(dev, dma, len, DMA_TO_DEVICE);
		assert_true(test_device_sees(dev, dma, len, s + 1));
		test_device_writes(dev, dma, len, s + 2);
		dma_sync_single_for_cpu(dev, dma, len, DMA_TO_DEVICE);
		assert_int_equal(test_check_pattern(cpu, len, s + 1), -1);
		dma_unmap_single(dev, dma, len, DMA_TO_DEVICE);
		assert_int_equal(test_check_pattern(cpu, len, s + 1), -1);

		/* FROM_DEVICE: the sync for the device copies nothing in */
		dma = dma_map_single(dev, cpu, len, DMA_FROM_DEVICE);
		assert_true(test_device_sees(dev, dma, len, s + 1));	/* the map did copy */
		test_fill_pattern(cpu, len, s + 3);
		dma_sync_single_for_device(dev, dma, len, DMA_FROM_DEVICE);
		assert_true(test_device_sees(dev, dma, len, s + 1));
		test_device_writes(dev, dma, len, s + 4);
		dma_sync_single_for_cpu(dev, dma, len, DMA_FROM_DEVICE);
		assert_int_equal(test_check_pattern(cpu, len, s + 4), -1);
		dma_unmap_single(dev, dma, len, DMA_FROM_DEVICE);
		assert_int_equal(test_check_pattern(cpu, len, s + 4), -1);
	}

	free(want);
	dmamap_free_pages(page, 1);
	teardown(&f);
}

/* --- a full pool ------------------------------------------------------------------ */

/*
 * A pool without room refuses the mapping with DMA_MAPPING_ERROR (counted
 * in swiotlb_full), keeps what is mapped intact, and serves again once
 * mappings are undone. A mapping larger than a segment can never be bounced.
 */
static void test_exhaustion(void **state)
{
	const size_t len = SZ_64K;
	struct fixture f;
	struct page *pages[6];
	dma_addr_t dma[6], extra;
	struct dmamap_stats st0, st1;

	(void)state;
	setup(&f, SZ_256K);
	assert_int_equal(test_stats(f.m).swiotlb_slots_total, SZ_256K / SLOT);
	for (int i = 0; i < 6; i++) {
		pages[i] = high_pages(f.m, 4);
		test_fill_pattern(page_address(pages[i]), len, 30 + (u32)i);
	}
	for (int i = 0; i < 4; i++) {
		dma[i] = dma_map_page(f.dev, pages[i], 0, len, DMA_BIDIRECTIONAL);
		assert_false(dma_mapping_error(f.dev, dma[i]));
	}
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, SZ_256K / SLOT);
	st0 = test_stats(f.m);
	dma[4] = dma_map_page_attrs(f.dev, pages[4], 0, len, DMA_TO_DEVICE, DMA_ATTR_NO_WARN);
	assert_int_equal(dma[4], DMA_MAPPING_ERROR);
	assert_true(dma_mapping_error(f.dev, dma[4]));
	/* even one byte does not fit */
	extra = dma_map_page_attrs(f.dev, pages[5], 0, 1, DMA_TO_DEVICE, DMA_ATTR_NO_WARN);
	assert_int_equal(extra, DMA_MAPPING_ERROR);
	st1 = test_stats(f.m);
	assert_int_equal(st1.swiotlb_full - st0.swiotlb_full, 2);
	assert_int_equal(st1.swiotlb_slots_used, st0.swiotlb_slots_used);
	assert_int_equal(st1.bounce_bytes, st0.bounce_bytes);
	assert_int_equal(st1.api_errors, st0.api_errors);
	/* the mapped ones still hold their buffers */
	for (int i = 0; i < 4; i++)
		assert_true(test_device_sees(f.dev, dma[i], len, 30 + (u32)i));

	/* room again after an unmap */
	test_device_writes(f.dev, dma[2], len, 40);
	dma_unmap_page(f.dev, dma[2], len, DMA_BIDIRECTIONAL);
	assert_int_equal(test_check_pattern(page_address(pages[2]), len, 40), -1);
	dma[4] = dma_map_page(f.dev, pages[4], 0, len, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(f.dev, dma[4]));
	assert_true(test_device_sees(f.dev, dma[4], len, 34));
	dma_unmap_page(f.dev, dma[4], len, DMA_TO_DEVICE);
	for (int i = 0; i < 4; i++)
		if (i != 2)
			dma_unmap_page(f.dev, dma[i], len, DMA_BIDIRECTIONAL);
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, 0);

	/* a whole segment fits, one byte more never does */
	{
		struct page *big = high_pages(f.m, 7);

		extra = dma_map_page(f.dev, big, 0, SZ_256K, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(f.dev, extra));
		dma_unmap_page(f.dev, extra, SZ_256K, DMA_TO_DEVICE);
		extra = dma_map_page_attrs(f.dev, big, 0, SZ_256K + 1, DMA_TO_DEVICE,
					   DMA_ATTR_NO_WARN);
		assert_true(dma_mapping_error(f.dev, extra));
		assert_int_equal(test_stats(f.m).swiotlb_slots_used, 0);
		dmamap_free_pages(big, 7);
	}
	for (int i = 0; i < 6; i++)
		dmamap_free_pages(pages[i], 4);
	teardown(&f);
}

/* --- scatterlists ------------------------------------------------------------------- */

/*
 * map_sg bounces the entries the device cannot reach and maps the others
 * directly; unmap_sg copies the bounced one back. When an entry cannot be
 * bounced at all, the whole list fails and the slots already taken are
 * given back.
 */
static void test_map_sg(void **state)
{
	struct fixture f;
	struct page *low, *high, *big;
	struct sg_table sgt;
	struct scatterlist *sg;
	unsigned int i;

	(void)state;
	setup(&f, 0);
	low = dmamap_alloc_pages(f.m, GFP_DMA32 | __GFP_ZERO, 1);
	assert_non_null(low);
	high = high_pages(f.m, 0);
	big = high_pages(f.m, 7);

	assert_int_equal(sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
	sg = sgt.sgl;
	sg_set_page(sg, low, 1000, 0);
	sg = sg_next(sg);
	sg_set_page(sg, high, 3000, 64);
	sg = sg_next(sg);
	sg_set_page(sg, low + 1, 500, 128);
	for_each_sgtable_sg(&sgt, sg, i)
		test_fill_pattern(sg_virt(sg), sg->length, 50 + i);

	assert_int_equal(dma_map_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(sgt.nents, 3);
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, 2);
	for_each_sgtable_dma_sg(&sgt, sg, i) {
		assert_int_equal(sg_dma_len(sg), sg->length);
		if (i == 1) {
			assert_int_not_equal(sg_dma_address(sg), sg_phys(sg));
			assert_true(sg_dma_address(sg) < SZ_4G);
		} else {
			assert_int_equal(sg_dma_address(sg), sg_phys(sg));
		}
		assert_true(test_device_sees(f.dev, sg_dma_address(sg), sg_dma_len(sg), 50 + i));
		test_device_writes(f.dev, sg_dma_address(sg), sg_dma_len(sg), 60 + i);
	}
	dma_unmap_sgtable(f.dev, &sgt, DMA_BIDIRECTIONAL, 0);
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, 0);
	for_each_sgtable_sg(&sgt, sg, i)
		assert_int_equal(test_check_pattern(sg_virt(sg), sg->length, 60 + i), -1);

	/* the last entry is larger than any bounce: the list fails whole */
	sg_set_page(sg_last(sgt.sgl, 3), big, SZ_512K, 0);
	{
		struct dmamap_stats st0 = test_stats(f.m);

		assert_int_equal(dma_map_sg_attrs(f.dev, sgt.sgl, 3, DMA_BIDIRECTIONAL,
						  DMA_ATTR_NO_WARN), 0);
		assert_int_equal(dma_map_sgtable(f.dev, &sgt, DMA_TO_DEVICE, DMA_ATTR_NO_WARN),
				 -EIO);
		assert_int_equal(test_stats(f.m).swiotlb_slots_used, 0);
		/* the bounced entry was taken and given back each time */
		assert_true(test_stats(f.m).bounce_bytes > st0.bounce_bytes);
	}
	sg_free_table(&sgt);
	dmamap_free_pages(low, 1);
	dmamap_free_pages(high, 0);
	dmamap_free_pages(big, 7);
	teardown(&f);
}

/*
 * A DMA offset moves the device's window: a page the offset brings under the
 * mask maps directly at phys - offset; one still beyond it is bounced, and
 * the device gets the slot's address less the offset.
 */
static void test_offset(void **state)
{
	static const struct dmamap_bank banks[] = {
		{ 0x80000000ULL, SZ_64M },
		{ 0x100000000ULL, SZ_64M },
		{ 0x200000000ULL, SZ_64M },
	};
	const u64 offset = 0x40000000ULL;
	struct dmamap_machine_config mc = { .banks = banks, .nr_banks = 3 };
	struct dmamap_device_config cfg = { .dma_offset = offset };
	struct dmamap_machine *m = test_machine(&mc);
	struct device *dev;
	struct page *top;
	dma_addr_t dma;

	(void)state;
	dev = test_device(m, &cfg, NULL);
	top = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(top);
	assert_true(page_to_phys(top) >= 0x200000000ULL);

	test_fill_pattern(page_address(top), PAGE_SIZE, 70);
	dma = dma_map_page(dev, top, 0, PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, dma));
	assert_int_equal(test_stats(m).swiotlb_slots_used, PAGE_SIZE / SLOT);
	assert_true(dma + offset >= 0x80000000ULL && dma + offset < 0x80000000ULL + SZ_64M);
	assert_true(test_device_sees(dev, dma, PAGE_SIZE, 70));
	dma_unmap_page(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	assert_int_equal(test_stats(m).swiotlb_slots_used, 0);
	dmamap_free_pages(top, 0);

	/* a page of the middle bank is under the mask once the offset is taken off */
	{
		struct page *p = NULL;
		struct page *held[64];
		unsigned int n = 0;

		/* take order-10 blocks until one comes from the middle bank */
		while (n < 64) {
			held[n] = dmamap_alloc_pages(m, GFP_KERNEL, 10);
			assert_non_null(held[n]);
			if (page_to_phys(held[n]) < 0x200000000ULL) {
				p = held[n++];
				break;
			}
			n++;
		}
		assert_non_null(p);
		assert_true(page_to_phys(p) >= SZ_4G);
		test_fill_pattern(page_address(p), PAGE_SIZE, 71);
		dma = dma_map_page(dev, p, 0, PAGE_SIZE, DMA_TO_DEVICE);
		assert_int_equal(dma, page_to_phys(p) - offset);
		assert_int_equal(test_stats(m).swiotlb_slots_used, 0);
		assert_true(test_device_sees(dev, dma, PAGE_SIZE, 71));
		dma_unmap_page(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
		while (n)
			dmamap_free_pages(held[--n], 10);
	}
	dmamap_device_destroy(dev);
	test_assert_no_leaks(m);
	dmamap_machine_destroy(m);
}

/* --- what a driver gets wrong ------------------------------------------------ */

/*
 * A sync larger than the bounce buffer is held to the buffer, as the kernel
 * clamps it to the slot and warns: a 64 KiB sync for the CPU of a 256-byte
 * mapping must not copy the slots beyond it over the kmalloc objects that
 * follow the original, and a 512 KiB sync for the device must not copy the
 * original's neighbours over another live mapping's slots. Each is
 * reported (SYNC_RANGE); the bytes of the buffer itself still move.
 */
static void test_oversized_sync(void **state)
{
	struct fixture f;
	struct test_reports r;
	u8 *a, *b, *buf = malloc(SZ_4K);
	struct page *pa, *pb;
	dma_addr_t da, db, dpa;

	(void)state;
	assert_non_null(buf);
	setup(&f, 0);
	test_reports_record(f.m, &r);
	/* two neighbours in one slab page above 4 GiB */
	a = dmamap_kmalloc(f.m, 256, GFP_KERNEL);
	b = dmamap_kmalloc(f.m, 256, GFP_KERNEL);
	assert_true(a && b && page_to_phys(dmamap_virt_to_page(f.m, a)) >= SZ_4G);
	test_fill_pattern(b, 256, 3);
	da = dma_map_single(f.dev, a, 256, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(f.dev, da));
	assert_true(da < SZ_4G);
	test_device_writes(f.dev, da, 256, 4);
	dma_sync_single_for_cpu(f.dev, da, SZ_64K, DMA_FROM_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_SYNC_RANGE));
	assert_int_equal(test_check_pattern(a, 256, 4), -1);
	assert_int_equal(test_check_pattern(b, 256, 3), -1);
	/* from inside the buffer, past its end: held to what is left */
	test_device_writes(f.dev, da, 256, 5);
	dma_sync_single_for_cpu(f.dev, da + 128, 4096, DMA_FROM_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_SYNC_RANGE));
	assert_int_equal(test_check_pattern(b, 256, 3), -1);
	dma_unmap_single(f.dev, da, 256, DMA_FROM_DEVICE);
	assert_int_equal(test_check_pattern(b, 256, 3), -1);
	assert_true(test_reports_were(&r, 0, DMAMAP_DEBUG_SYNC_RANGE));

	/* two live bounce buffers; the first synced for the device far past its end */
	pa = high_pages(f.m, 0);
	pb = high_pages(f.m, 0);
	test_fill_pattern(page_address(pa), SZ_4K, 6);
	test_fill_pattern(page_address(pb), SZ_4K, 7);
	dpa = dma_map_page(f.dev, pa, 0, SZ_4K, DMA_TO_DEVICE);
	db = dma_map_page(f.dev, pb, 0, SZ_4K, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(f.dev, dpa) || dma_mapping_error(f.dev, db));
	dma_sync_single_for_device(f.dev, dpa, SZ_512K, DMA_TO_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_SYNC_RANGE));
	assert_true(test_device_sees(f.dev, db, SZ_4K, 7));
	assert_true(test_device_sees(f.dev, dpa, SZ_4K, 6));
	/* a sync of an address no bounce buffer starts or holds */
	dma_unmap_page(f.dev, db, SZ_4K, DMA_TO_DEVICE);
	dma_sync_single_for_device(f.dev, db, 64, DMA_TO_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_UNKNOWN_ADDR));
	/* an unmap larger than the buffer copies back the buffer only */
	dma_unmap_page(f.dev, dpa, SZ_512K, DMA_TO_DEVICE);
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_WRONG_SIZE));
	assert_int_equal(test_check_pattern(page_address(pb), SZ_4K, 7), -1);
	test_reports_stop(f.m);

	dmamap_kfree(f.m, a);
	dmamap_kfree(f.m, b);
	dmamap_free_pages(pa, 0);
	dmamap_free_pages(pb, 0);
	free(buf);
	teardown(&f);
}

/*
 * A device removed with bounce buffers still mapped: nobody can unmap them
 * any more, so their slots are given back, each reported as a leak, instead
 * of being lost for the life of the machine.
 */
static void test_device_removed_with_mappings(void **state)
{
	struct fixture f;
	struct test_reports r;
	struct page *p;
	u64 used0;

	(void)state;
	setup(&f, 0);
	p = high_pages(f.m, 1);
	used0 = test_stats(f.m).swiotlb_slots_used;
	assert_false(dma_mapping_error(f.dev, dma_map_page(f.dev, p, 0, 300, DMA_TO_DEVICE)));
	assert_false(dma_mapping_error(f.dev, dma_map_page(f.dev, p, 0, SZ_8K, DMA_FROM_DEVICE)));
	assert_false(dma_mapping_error(f.co, dma_map_page(f.co, p, 0, 100, DMA_TO_DEVICE)));
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, used0 + 1 + 4 + 1);
	test_reports_record(f.m, &r);
	dmamap_device_destroy(f.dev);
	f.dev = NULL;
	assert_true(test_reports_were(&r, 2, DMAMAP_DEBUG_LEAK));
	/* the other device's mapping is its own */
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, used0 + 1);
	dmamap_device_destroy(f.co);
	f.co = NULL;
	assert_true(test_reports_were(&r, 1, DMAMAP_DEBUG_LEAK));
	test_reports_stop(f.m);
	assert_int_equal(test_stats(f.m).swiotlb_slots_used, used0);
	dmamap_free_pages(p, 1);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounce),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_syncs),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_map_sg),
		cmocka_unit_test(test_offset),
		cmocka_unit_test(test_oversized_sync),
		cmocka_unit_test(test_device_removed_with_mappings),
	};

	return cmocka_run_group_tests_name("swiotlb", tests, NULL, NULL);
}
