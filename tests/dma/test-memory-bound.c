// SPDX-License-Identifier: MIT
/*
 * A long run's host memory is bounded by what is live, not by what was ever
 * used: on a 256 MiB non-coherent machine, 1 GiB worth of buffers is mapped
 * for a device, written by it, read by the CPU, unmapped and freed, over
 * frames that move across the whole machine; the process's resident set
 * stays below the machine's size plus a small constant. Without the release
 * of freed frames, every frame ever primed would keep its private copy and
 * its bytes in memory: about twice the machine. The same for buffers that
 * bounce through swiotlb and for the dma-buf exporter's, over fewer rounds
 * (still more than the machine's size).
 */
#include "test-util.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dmamap/dma-buf.h>

#define MACHINE_SIZE	(256ULL << 20)
#define SLACK		(32ULL << 20)
#define BLOCK_ORDER	10			/* 4 MiB blocks */
#define BLOCK		(PAGE_SIZE << BLOCK_ORDER)
#define ROUND_BYTES	(16ULL << 20)
#define ROUNDS		64			/* 64 x 16 MiB: 1 GiB */
#define ROUNDS_SHORT	20			/* 320 MiB: past the machine's size */
#define SPACER_STEPS	12			/* up to 176 MiB below a round's buffers */

/* The process's resident set in bytes. */
static u64 rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
	fclose(f);
	return (u64)resident * (u64)sysconf(_SC_PAGESIZE);
}

struct run {
	struct dmamap_machine *m;
	struct device *dev;
	u64 rss0, peak;
	struct page *spacer[SPACER_STEPS * 4];
	unsigned int nr_spacer;
};

static void run_setup(struct run *r, const struct dmamap_machine_config *cfg, u64 dma_mask)
{
	struct dmamap_device_config dc = { .name = "rx", .dma_mask = dma_mask };

	memset(r, 0, sizeof(*r));
	r->rss0 = rss_bytes();
	r->m = test_machine(cfg);
	r->dev = test_device(r->m, &dc, NULL);
}

/* Untouched frames below round @i's buffers, so that every round uses other frames. */
static void spacer_take(struct run *r, unsigned int i, phys_addr_t max_below)
{
	r->nr_spacer = 0;
	for (unsigned int k = 0; k < (i % SPACER_STEPS) * 4; k++) {
		struct page *p = dmamap_alloc_pages(r->m, GFP_KERNEL, BLOCK_ORDER);

		assert_non_null(p);
		assert_true(page_to_phys(p) < max_below);
		r->spacer[r->nr_spacer++] = p;
	}
}

static void spacer_put(struct run *r)
{
	for (unsigned int k = 0; k < r->nr_spacer; k++)
		dmamap_free_pages(r->spacer[k], BLOCK_ORDER);
}

static void run_note(struct run *r)
{
	u64 rss = rss_bytes();

	if (rss > r->peak)
		r->peak = rss;
}

static void run_teardown(struct run *r, const char *what)
{
	u64 grew = r->peak > r->rss0 ? r->peak - r->rss0 : 0;

	print_message("%s: resident set grew by at most %llu MiB (bound %llu MiB)\n", what,
		      (unsigned long long)(grew >> 20),
		      (unsigned long long)((MACHINE_SIZE + SLACK) >> 20));
	assert_true(grew < MACHINE_SIZE + SLACK);
	dmamap_device_destroy(r->dev);
	test_assert_no_leaks(r->m);
	dmamap_machine_destroy(r->m);
}

/* Streaming: map FROM_DEVICE, the device writes, unmap, the CPU reads, free. */
static void test_streaming(void **state)
{
	struct dmamap_machine_config cfg = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct run r;

	(void)state;
	run_setup(&r, &cfg, 0);
	for (unsigned int i = 0; i < ROUNDS; i++) {
		struct page *buf[ROUND_BYTES / BLOCK];

		spacer_take(&r, i, ~(phys_addr_t)0);
		for (unsigned int b = 0; b < ARRAY_SIZE(buf); b++) {
			dma_addr_t dma;
			u8 *cpu;

			buf[b] = dmamap_alloc_pages(r.m, GFP_KERNEL, BLOCK_ORDER);
			assert_non_null(buf[b]);
			dma = dma_map_page(r.dev, buf[b], 0, BLOCK, DMA_FROM_DEVICE);
			assert_false(dma_mapping_error(r.dev, dma));
			assert_int_equal(dmamap_bus_fill(r.dev, dma, (int)(i + b + 1), BLOCK, NULL),
					 0);
			dma_unmap_page(r.dev, dma, BLOCK, DMA_FROM_DEVICE);
			cpu = page_address(buf[b]);
			for (size_t off = 0; off < BLOCK; off += PAGE_SIZE)
				assert_int_equal(cpu[off], (u8)(i + b + 1));
		}
		run_note(&r);
		for (unsigned int b = 0; b < ARRAY_SIZE(buf); b++)
			dmamap_free_pages(buf[b], BLOCK_ORDER);
		spacer_put(&r);
	}
	run_teardown(&r, "streaming");
}

/*
 * Bounce buffering: frames received from a 64-bit device above 4 GiB are
 * forwarded to a 32-bit one, out of its reach, through swiotlb slots; the
 * slots are the pool's, reused.
 */
static void test_swiotlb(void **state)
{
	static const struct dmamap_bank banks[] = {
		{ 0x80000000ULL, 32ULL << 20 }, { 0x100000000ULL, MACHINE_SIZE - (32ULL << 20) },
	};
	struct dmamap_machine_config cfg = { .banks = banks, .nr_banks = 2,
					     .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config nc = { .name = "nic", .dma_mask = DMA_BIT_MASK(64) };
	const size_t chunk = 128 * 1024;
	struct device *nic;
	struct run r;

	(void)state;
	run_setup(&r, &cfg, DMA_BIT_MASK(32));
	nic = test_device(r.m, &nc, NULL);
	for (unsigned int i = 0; i < ROUNDS_SHORT; i++) {
		struct page *buf[ROUND_BYTES / BLOCK];

		spacer_take(&r, i, ~(phys_addr_t)0);
		for (unsigned int b = 0; b < ARRAY_SIZE(buf); b++) {
			dma_addr_t rx;
			u8 *cpu;

			buf[b] = dmamap_alloc_pages(r.m, GFP_KERNEL, BLOCK_ORDER);
			assert_non_null(buf[b]);
			assert_true(page_to_phys(buf[b]) >= SZ_4G);
			cpu = page_address(buf[b]);
			rx = dma_map_page(nic, buf[b], 0, BLOCK, DMA_FROM_DEVICE);
			assert_false(dma_mapping_error(nic, rx));
			assert_true(rx >= SZ_4G);
			assert_int_equal(dmamap_bus_fill(nic, rx, (int)(i + 0x40), BLOCK, NULL), 0);
			dma_unmap_page(nic, rx, BLOCK, DMA_FROM_DEVICE);
			for (size_t off = 0; off < BLOCK; off += chunk) {
				dma_addr_t dma = dma_map_page(r.dev, buf[b], off, chunk,
							      DMA_BIDIRECTIONAL);

				assert_false(dma_mapping_error(r.dev, dma));
				assert_true(dma < SZ_4G);
				assert_int_equal(dmamap_bus_fill(r.dev, dma, (int)(i + 1), chunk,
								 NULL), 0);
				dma_unmap_page(r.dev, dma, chunk, DMA_BIDIRECTIONAL);
				assert_int_equal(cpu[off + chunk - 1], (u8)(i + 1));
			}
		}
		run_note(&r);
		for (unsigned int b = 0; b < ARRAY_SIZE(buf); b++)
			dmamap_free_pages(buf[b], BLOCK_ORDER);
		spacer_put(&r);
	}
	dmamap_device_destroy(nic);
	run_teardown(&r, "swiotlb");
}

/* The ready-made dma-buf exporter: allocate, attach, map, the importer writes, put. */
static void test_dma_buf(void **state)
{
	struct dmamap_machine_config cfg = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_device_config ic = { .name = "importer" };
	struct device *importer;
	struct run r;

	(void)state;
	run_setup(&r, &cfg, 0);
	importer = test_device(r.m, &ic, NULL);
	for (unsigned int i = 0; i < ROUNDS_SHORT; i++) {
		struct dma_buf *bufs[ROUND_BYTES / BLOCK];

		spacer_take(&r, i, ~(phys_addr_t)0);
		for (unsigned int b = 0; b < ARRAY_SIZE(bufs); b++) {
			struct dma_buf_attachment *at;
			struct sg_table *sgt;
			struct scatterlist *sg;
			unsigned int k;

			bufs[b] = dmamap_dma_buf_alloc(r.dev, BLOCK, 0);
			assert_false(IS_ERR_OR_NULL(bufs[b]));
			at = dma_buf_attach(bufs[b], importer);
			assert_false(IS_ERR_OR_NULL(at));
			sgt = dma_buf_map_attachment(at, DMA_FROM_DEVICE);
			assert_false(IS_ERR_OR_NULL(sgt));
			for_each_sgtable_dma_sg(sgt, sg, k)
				assert_int_equal(dmamap_bus_fill(importer, sg_dma_address(sg),
								 (int)(i + 1), sg_dma_len(sg),
								 NULL), 0);
			dma_buf_unmap_attachment(at, sgt, DMA_FROM_DEVICE);
			dma_buf_detach(bufs[b], at);
		}
		run_note(&r);
		for (unsigned int b = 0; b < ARRAY_SIZE(bufs); b++)
			dma_buf_put(bufs[b]);
		spacer_put(&r);
	}
	dmamap_device_destroy(importer);
	run_teardown(&r, "dma-buf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_swiotlb),
		cmocka_unit_test(test_dma_buf),
	};

	return cmocka_run_group_tests_name("memory-bound", tests, NULL, NULL);
}
