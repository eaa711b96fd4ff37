// SPDX-License-Identifier: MIT
/*
 * dmamap demo: the seed's scenario on the built-in ARM-like SoC, told in a
 * driver developer's terms with the figures of the run. Every figure printed
 * is measured; every claim is checked, and the demo exits 0 only if all
 * checks passed.
 */
#include "demo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME_SIZE	SZ_1M
#define NR_FRAMES	4
#define MAX_LANES	4

struct frame {
	struct dma_buf *buf;
	struct dma_buf_attachment *at[MAX_LANES];	/* 1 camera, 2 encoder, 3 display */
	struct sg_table *sgt[MAX_LANES];		/* while mapped for that importer */
	enum dma_data_direction dir[MAX_LANES];
	u32 sum;
	bool contiguous;
};

struct demo {
	struct dmamap_machine *m;
	struct device *camera, *encoder, *display;
	struct iommu_domain *cam_dom, *enc_dom;
	const struct demo_options *opt;
	FILE *out;		/* the text */
	int checks, failed;
	struct frame f[NR_FRAMES + 1];	/* shared from step 2 to the picture in step 5 */
	int nr_frames;
	struct page **held;		/* what fragment() keeps */
	unsigned long nr_held;
};

static void check(struct demo *d, bool ok, const char *fmt, ...)
{
	va_list ap;

	d->checks++;
	if (ok)
		return;
	d->failed++;
	fprintf(d->out, "  CHECK FAILED: ");
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fprintf(d->out, "\n");
}

static u32 adler32(const u8 *p, size_t len)
{
	u32 a = 1, b = 0;

	for (size_t i = 0; i < len; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return (b << 16) | a;
}

static void frame_pattern(u8 *p, size_t len, unsigned int n)
{
	for (size_t i = 0; i < len; i++) {
		u32 x = (u32)i * 2654435761u ^ (n + 1) * 40503u;

		x ^= x >> 15;
		x *= 2246822519u;
		x ^= x >> 13;
		p[i] = (u8)(x >> 24);
	}
}

static const char *size_str(u64 bytes, char *buf, size_t len)
{
	if (bytes >= SZ_1M && bytes % SZ_1K == 0)
		snprintf(buf, len, "%.2f MiB", (double)bytes / SZ_1M);
	else if (bytes >= SZ_1K)
		snprintf(buf, len, "%.1f KiB", (double)bytes / SZ_1K);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

static const struct dmamap_bank soc_banks[] = {
	{ 0x80000000ULL, 512ULL << 20 },	/* DRAM below 4 GiB */
	{ 0x880000000ULL, 64ULL << 20 },	/* and a bank above */
};

const struct dmamap_machine_config demo_soc_config = {
	.banks = soc_banks, .nr_banks = 2, .cache = DMAMAP_CACHE_NONCOHERENT,
};

/*
 * A system that has been up for a while: every other page of the bank above
 * 4 GiB is taken, so buffers gathered page by page are scattered.
 */
static void fragment(struct demo *d)
{
	unsigned long n = (unsigned long)(soc_banks[1].size >> PAGE_SHIFT), got = 0;
	struct page **all = calloc(n, sizeof(*all));

	d->held = calloc(n / 2 + 1, sizeof(*d->held));
	if (!all || !d->held) {
		free(all);
		return;
	}
	while (got < n) {
		struct page *p = dmamap_alloc_pages(d->m, GFP_KERNEL, 0);

		if (!p)
			break;
		if (page_to_phys(p) < soc_banks[1].base) {
			dmamap_free_pages(p, 0);
			break;
		}
		all[got++] = p;
	}
	for (unsigned long i = 0; i < got; i++) {
		if (i % 2)
			d->held[d->nr_held++] = all[i];
		else
			dmamap_free_pages(all[i], 0);
	}
	free(all);
}

static int setup(struct demo *d)
{
	const struct dmamap_machine_config mcfg = demo_soc_config;
	const struct dmamap_device_config cam = {
		.name = "camera", .dma_mask = DMA_BIT_MASK(32), .max_segment_size = 0xfffff000u,
	};
	const struct dmamap_device_config enc = {
		.name = "encoder", .dma_mask = DMA_BIT_MASK(32), .coherent = true,
		.max_segment_size = 0xfffff000u,
	};
	const struct dmamap_device_config disp = {
		.name = "display", .dma_mask = DMA_BIT_MASK(32), .dma_offset = 0x80000000ULL,
		.max_segment_size = 0xfffff000u,
	};
	const struct dmamap_iommu_config io = { .type = IOMMU_DOMAIN_DMA };
	int ret;

	ret = dmamap_machine_create(&mcfg, &d->m);
	if (ret)
		return ret;
	if ((ret = dmamap_device_create(d->m, &cam, &d->camera)) ||
	    (ret = dmamap_device_create(d->m, &enc, &d->encoder)) ||
	    (ret = dmamap_device_create(d->m, &disp, &d->display)) ||
	    (ret = dmamap_iommu_domain_create(d->m, &io, &d->cam_dom)) ||
	    (ret = dmamap_iommu_domain_create(d->m, &io, &d->enc_dom)) ||
	    (ret = iommu_attach_device(d->cam_dom, d->camera)) ||
	    (ret = iommu_attach_device(d->enc_dom, d->encoder)))
		return ret;
	return 0;
}

static void show_machine(struct demo *d)
{
	const struct dmamap_machine_config *cfg = dmamap_machine_config(d->m);
	struct dmamap_stats st;
	char a[32], b[32];

	dmamap_machine_stats(d->m, &st);
	fprintf(d->out, "The machine: an ARM-like SoC with non-coherent CPU caches (64-byte lines)\n");
	for (unsigned int i = 0; i < cfg->nr_banks; i++)
		fprintf(d->out, "  RAM %#011llx-%#011llx (%s)\n", (unsigned long long)cfg->banks[i].base,
		       (unsigned long long)(cfg->banks[i].base + cfg->banks[i].size - 1),
		       size_str(cfg->banks[i].size, a, sizeof(a)));
	fprintf(d->out, "  kernel VA window %s, ", size_str(st.vmalloc_size, a, sizeof(a)));
	fprintf(d->out, "swiotlb %s below 4 GiB, ", size_str(st.swiotlb_slots_total * 2048, b, sizeof(b)));
	fprintf(d->out, "atomic pool %s\n", size_str(st.atomic_pool_bytes, a, sizeof(a)));
	fprintf(d->out, "  camera   behind its own IOMMU (LPAE, 32-bit IOVA space), non-coherent\n");
	fprintf(d->out, "  encoder  behind another IOMMU, coherent (snoops the CPU caches)\n");
	fprintf(d->out, "  display  no IOMMU, 32-bit DMA mask, sees RAM at DMA address 0 (offset 0x80000000),\n"
	       "           scans out one contiguous DMA segment\n\n");
}

/* 1. What DMA_ATTR_NO_KERNEL_MAPPING saves. */
static void va_window(struct demo *d)
{
	struct dmamap_stats s0, s1, s2;
	void *cpu[NR_FRAMES], *cookie[NR_FRAMES];
	dma_addr_t h[NR_FRAMES], hc[NR_FRAMES];
	char a[32];

	fprintf(d->out, "1. The kernel VA window, and what DMA_ATTR_NO_KERNEL_MAPPING saves\n");
	dmamap_machine_stats(d->m, &s0);
	for (int i = 0; i < NR_FRAMES; i++)
		cpu[i] = dma_alloc_attrs(d->camera, FRAME_SIZE, &h[i], GFP_KERNEL, 0);
	dmamap_machine_stats(d->m, &s1);
	for (int i = 0; i < NR_FRAMES; i++)
		cookie[i] = dma_alloc_attrs(d->camera, FRAME_SIZE, &hc[i], GFP_KERNEL,
					    DMA_ATTR_NO_KERNEL_MAPPING);
	dmamap_machine_stats(d->m, &s2);
	fprintf(d->out, "   %d x 1 MiB with a kernel mapping:       VA window %s in %llu areas, %llu host mappings\n",
	       NR_FRAMES, size_str(s1.vmalloc_bytes - s0.vmalloc_bytes, a, sizeof(a)),
	       (unsigned long long)(s1.vmalloc_areas - s0.vmalloc_areas),
	       (unsigned long long)(s1.host_vmas - s0.host_vmas));
	fprintf(d->out, "   %d x 1 MiB with DMA_ATTR_NO_KERNEL_MAPPING: VA window +%llu bytes, +%llu host mappings, "
	       "%llu cookies\n", NR_FRAMES,
	       (unsigned long long)(s2.vmalloc_bytes - s1.vmalloc_bytes),
	       (unsigned long long)(s2.host_vmas - s1.host_vmas), (unsigned long long)s2.cookies);
	for (int i = 0; i < NR_FRAMES; i++)
		check(d, cpu[i] && cookie[i], "allocation %d failed", i);
	check(d, s1.vmalloc_bytes - s0.vmalloc_bytes >= (u64)NR_FRAMES * FRAME_SIZE,
	      "mapped buffers use the VA window");
	check(d, s2.vmalloc_bytes == s1.vmalloc_bytes && s2.host_vmas == s1.host_vmas,
	      "NO_KERNEL_MAPPING buffers use no VA window");
	for (int i = 0; i < NR_FRAMES; i++) {
		if (cpu[i])
			dma_free_attrs(d->camera, FRAME_SIZE, cpu[i], h[i], 0);
		if (cookie[i])
			dma_free_attrs(d->camera, FRAME_SIZE, cookie[i], hc[i], DMA_ATTR_NO_KERNEL_MAPPING);
	}
	fprintf(d->out, "\n");
}

/* Maps frame @f for importer @lane; the table stays until unmap_frame(). */
static struct sg_table *map_frame(struct frame *f, int lane, struct device *dev,
				  enum dma_data_direction dir)
{
	struct sg_table *sgt;

	if (!f->at[lane])
		f->at[lane] = dma_buf_attach(f->buf, dev);
	if (IS_ERR(f->at[lane])) {
		f->at[lane] = NULL;
		return ERR_PTR(-ENODEV);
	}
	sgt = dma_buf_map_attachment_unlocked(f->at[lane], dir);
	if (!IS_ERR(sgt)) {
		f->sgt[lane] = sgt;
		f->dir[lane] = dir;
	}
	return sgt;
}

static void unmap_frame(struct frame *f, int lane)
{
	if (f->sgt[lane])
		dma_buf_unmap_attachment_unlocked(f->at[lane], f->sgt[lane], f->dir[lane]);
	f->sgt[lane] = NULL;
}

/*
 * 2-4. The frames: allocated by the camera, shared with the encoder, display
 * and CPU. The importers' mappings stay live until frames_release(), so
 * that the picture shows them.
 */
static void frames(struct demo *d)
{
	struct frame *f = d->f;
	u8 *pattern = malloc(FRAME_SIZE), *seen = malloc(FRAME_SIZE);
	struct dmamap_stats s0, s1;
	u64 moved[MAX_LANES] = { 0 }, cpu_read = 0;
	int nr = NR_FRAMES + 1;

	if (!pattern || !seen) {
		check(d, false, "out of host memory");
		goto out;
	}
	fragment(d);
	dmamap_machine_stats(d->m, &s0);
	fprintf(d->out, "2. Frames shared with dma-buf: allocated by the camera with DMA_ATTR_NO_KERNEL_MAPPING\n"
	       "   (memory above 4 GiB is fragmented, as after a while of uptime: every other page is taken)\n");
	for (int n = 0; n < nr; n++) {
		struct sg_table *sgt;

		memset(&f[n], 0, sizeof(f[n]));
		f[n].contiguous = n == nr - 1;
		/* page by page (as IOMMU drivers often ask), or one contiguous block */
		f[n].buf = dmamap_dma_buf_alloc(d->camera, FRAME_SIZE,
						f[n].contiguous ? DMA_ATTR_FORCE_CONTIGUOUS
								: DMA_ATTR_ALLOC_SINGLE_PAGES);
		check(d, !IS_ERR(f[n].buf), "frame %d allocation", n);
		if (IS_ERR(f[n].buf)) {
			nr = n;
			break;
		}
		d->nr_frames = n + 1;
		/* the CPU-side description: dma_get_sgtable() on the exporter, through an attach */
		sgt = map_frame(&f[n], 1, d->camera, DMA_FROM_DEVICE);
		check(d, !IS_ERR(sgt), "camera map of frame %d", n);
		if (IS_ERR(sgt))
			continue;
		fprintf(d->out, "   frame %d (%s): dma_get_sgtable() gives %u entries (physically contiguous runs)"
		       " -> camera IOVA %#llx-%#llx, %u DMA segment\n", n,
		       f[n].contiguous ? "DMA_ATTR_FORCE_CONTIGUOUS" : "DMA_ATTR_ALLOC_SINGLE_PAGES",
		       sgt->orig_nents, (unsigned long long)sg_dma_address(sgt->sgl),
		       (unsigned long long)(sg_dma_address(sgt->sgl) + FRAME_SIZE - 1), sgt->nents);
		check(d, f[n].contiguous ? sgt->orig_nents == 1 : sgt->orig_nents > 1,
		      "frame %d's pages: %u runs", n, sgt->orig_nents);
		frame_pattern(pattern, FRAME_SIZE, (unsigned int)n);
		f[n].sum = adler32(pattern, FRAME_SIZE);
		check(d, dmamap_bus_write_sgtable(d->camera, sgt, pattern, FRAME_SIZE, NULL) == 0,
		      "camera DMA write");
		moved[1] += FRAME_SIZE;
		unmap_frame(&f[n], 1);
	}
	fprintf(d->out, "\n3. Each importer maps the frames into its own DMA address space\n");
	for (int n = 0; n < nr; n++) {
		struct sg_table *sgt = map_frame(&f[n], 2, d->encoder, DMA_TO_DEVICE);

		check(d, !IS_ERR(sgt), "encoder map of frame %d", n);
		if (!IS_ERR(sgt)) {
			memset(seen, 0, FRAME_SIZE);
			check(d, dmamap_bus_read_sgtable(d->encoder, sgt, seen, FRAME_SIZE, NULL) == 0 &&
			      adler32(seen, FRAME_SIZE) == f[n].sum, "encoder checksum of frame %d", n);
			moved[2] += FRAME_SIZE;
			fprintf(d->out, "   frame %d: encoder IOVA %#llx (%u segment)", n,
			       (unsigned long long)sg_dma_address(sgt->sgl), sgt->nents);
		}
		sgt = map_frame(&f[n], 3, d->display, DMA_TO_DEVICE);
		check(d, !IS_ERR(sgt), "display map of frame %d", n);
		if (!IS_ERR(sgt)) {
			if (sgt->nents == 1) {
				memset(seen, 0, FRAME_SIZE);
				check(d, dmamap_bus_read_sgtable(d->display, sgt, seen, FRAME_SIZE, NULL) == 0 &&
				      adler32(seen, FRAME_SIZE) == f[n].sum,
				      "display checksum of frame %d", n);
				moved[3] += FRAME_SIZE;
				fprintf(d->out, "; display DMA %#llx, one segment: scanned out\n",
				       (unsigned long long)sg_dma_address(sgt->sgl));
			} else {
				fprintf(d->out, "; display: %u DMA segments, the controller needs one: refused\n",
				       sgt->nents);
			}
			check(d, (sgt->nents == 1) == f[n].contiguous,
			      "only the DMA_ATTR_FORCE_CONTIGUOUS frame is one segment for the display");
			/* a frame the display refused is not kept mapped for it */
			if (sgt->nents != 1)
				unmap_frame(&f[n], 3);
		}
	}

	fprintf(d->out, "\n4. User space reads the frames through dma_buf_mmap(), between begin/end_cpu_access\n");
	for (int n = 0; n < nr; n++) {
		struct vm_area_struct *vma;

		if (dmamap_vma_create(d->m, FRAME_SIZE, 0, &vma)) {
			check(d, false, "vma");
			continue;
		}
		check(d, dma_buf_mmap(f[n].buf, vma, 0) == 0, "dma_buf_mmap of frame %d", n);
		dma_buf_begin_cpu_access(f[n].buf, DMA_FROM_DEVICE);
		check(d, adler32((const u8 *)vma->vm_start, FRAME_SIZE) == f[n].sum,
		      "CPU checksum of frame %d", n);
		cpu_read += FRAME_SIZE;
		dma_buf_end_cpu_access(f[n].buf, DMA_FROM_DEVICE);
		dmamap_vma_destroy(vma);
	}
	dmamap_machine_stats(d->m, &s1);
	fprintf(d->out, "   bytes moved: camera wrote %llu KiB, encoder read %llu KiB, display read %llu KiB, "
	       "CPU read %llu KiB\n", (unsigned long long)moved[1] >> 10,
	       (unsigned long long)moved[2] >> 10, (unsigned long long)moved[3] >> 10,
	       (unsigned long long)cpu_read >> 10);
	fprintf(d->out, "   checksums verified: %d of %d; IOTLB %llu hits, %llu misses; VA window used by "
	       "frames: %llu bytes\n", d->checks - d->failed, d->checks,
	       (unsigned long long)(s1.iotlb_hits - s0.iotlb_hits),
	       (unsigned long long)(s1.iotlb_misses - s0.iotlb_misses),
	       (unsigned long long)s1.vmalloc_bytes);
	check(d, s1.vmalloc_bytes == 0, "frames shared without any kernel mapping");
	fprintf(d->out, "\n");
out:
	free(pattern);
	free(seen);
}

/* The end of the frames: every importer's mapping, then the buffers. */
static void frames_release(struct demo *d)
{
	for (int n = 0; n < d->nr_frames; n++) {
		for (int l = 1; l < MAX_LANES; l++) {
			unmap_frame(&d->f[n], l);
			if (d->f[n].at[l])
				dma_buf_detach(d->f[n].buf, d->f[n].at[l]);
		}
		dma_buf_put(d->f[n].buf);
	}
	d->nr_frames = 0;
	for (unsigned long i = 0; i < d->nr_held; i++)
		dmamap_free_pages(d->held[i], 0);
	free(d->held);
	d->held = NULL;
	d->nr_held = 0;
}

/*
 * The picture, at the moment the most is live: the frames in every
 * importer's address space, and a page bounced for the display.
 */
static void picture(struct demo *d)
{
	const struct dmamap_svg_options o = {
		.title = "dmamap demo: the frames in physical memory and in each device's DMA "
			 "address space",
	};
	int ret;

	if (!d->opt->svg)
		return;
	ret = dmamap_svg_memory_map(d->m, d->opt->svg, &o);
	check(d, ret == 0, "writing the picture: %s", strerror(-ret));
}

/* 5. Bounce buffering: the display cannot reach the bank above 4 GiB. */
static void bounce(struct demo *d)
{
	struct dmamap_stats s0, s1;
	struct page *page = dmamap_alloc_pages(d->m, GFP_KERNEL, 0);
	u8 in[PAGE_SIZE], out[PAGE_SIZE];
	dma_addr_t a;

	fprintf(d->out, "5. Bounce buffering (swiotlb)\n");
	if (!page) {
		check(d, false, "page allocation");
		return;
	}
	frame_pattern(in, sizeof(in), 77);
	memcpy(page_address(page), in, sizeof(in));
	dmamap_machine_stats(d->m, &s0);
	a = dma_map_page(d->display, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	check(d, !dma_mapping_error(d->display, a), "map of a high page for the display");
	if (!dma_mapping_error(d->display, a)) {
		check(d, dmamap_bus_read(d->display, a, out, sizeof(out), NULL) == 0 &&
		      !memcmp(in, out, sizeof(in)), "the display reads the page through the bounce slot");
		picture(d);
		dma_unmap_page(d->display, a, PAGE_SIZE, DMA_TO_DEVICE);
	}
	dmamap_machine_stats(d->m, &s1);
	fprintf(d->out, "   a page at %#llx is out of the display's reach (32-bit mask, offset 0x80000000):\n"
	       "   mapped at DMA %#llx in a swiotlb slot, %llu bytes bounced, contents verified\n\n",
	       (unsigned long long)page_to_phys(page), (unsigned long long)a,
	       (unsigned long long)(s1.bounce_bytes - s0.bounce_bytes));
	check(d, s1.bounce_bytes > s0.bounce_bytes, "bytes were bounced");
	dmamap_free_pages(page, 0);
}

/* 6. The cache model: a driver that reads before sync_for_cpu. */
static void caches(struct demo *d)
{
	struct dmamap_stats s0, s1;
	u8 *buf = dmamap_kmalloc(d->m, 4096, GFP_KERNEL);
	u8 dev_data[4096];
	dma_addr_t a;
	u8 before, after;

	fprintf(d->out, "6. Non-coherent caches: why dma_sync_single_for_cpu() matters\n");
	if (!buf) {
		check(d, false, "kmalloc");
		return;
	}
	memset(buf, 0x11, 4096);
	memset(dev_data, 0x22, sizeof(dev_data));
	dmamap_machine_stats(d->m, &s0);
	/* the display DMAs into a low-memory buffer (no IOMMU, no bounce needed) */
	a = dma_map_single(d->display, buf, 4096, DMA_FROM_DEVICE);
	check(d, !dma_mapping_error(d->display, a), "map");
	dmamap_bus_write(d->display, a, dev_data, sizeof(dev_data), NULL);
	before = buf[0];
	dma_sync_single_for_cpu(d->display, a, 4096, DMA_FROM_DEVICE);
	after = buf[0];
	dma_unmap_single(d->display, a, 4096, DMA_FROM_DEVICE);
	dmamap_machine_stats(d->m, &s1);
	fprintf(d->out, "   the device wrote 0x22 into a buffer the CPU had filled with 0x11;\n"
	       "   before dma_sync_single_for_cpu() the driver reads %#04x (%s), after it %#04x\n",
	       before, before == 0x11 ? "stale: the CPU's cached copy" : "?", after);
	fprintf(d->out, "   cache maintenance in the whole run: %llu operations, %llu bytes cleaned, %llu bytes "
	       "invalidated\n\n", (unsigned long long)s1.syncs,
	       (unsigned long long)s1.clean_bytes, (unsigned long long)s1.invalidate_bytes);
	check(d, before == 0x11 && after == 0x22, "stale before the sync, right after it");
	dmamap_kfree(d->m, buf);
}

/* --- 7. the debugger ------------------------------------------------------------- */

struct demo_reports {
	struct demo *d;
	int n;
	enum dmamap_debug_kind kind[4];
	bool sited[4];
};

static void demo_report(const struct dmamap_debug_report *r, void *arg)
{
	struct demo_reports *dr = arg;

	fprintf(dr->d->out, "   report: %s: %s\n", dmamap_debug_kind_name(r->kind), r->message);
	fprintf(dr->d->out, "           at %s", r->site ? r->site : "(no site)");
	if (r->map_site)
		fprintf(dr->d->out, ", mapped at %s", r->map_site);
	fprintf(dr->d->out, "\n");
	if (dr->n < 4) {
		dr->kind[dr->n] = r->kind;
		dr->sited[dr->n] = r->site && r->map_site;
	}
	dr->n++;
}

/*
 * A receive path with two mistakes: the device writes a frame 4 bytes
 * longer than the buffer it was given (no IOMMU sees that, the page is
 * mapped whole), and the driver unmaps with the size of its ring slot,
 * not the size it mapped. Not inlined: the reports name it.
 */
static __attribute__((noinline)) void buggy_rx(struct device *nic, u8 *slot)
{
	u8 frame[1504];
	dma_addr_t a = dma_map_single(nic, slot, 1500, DMA_FROM_DEVICE);

	if (dma_mapping_error(nic, a))
		return;
	memset(frame, 0x5a, sizeof(frame));
	dmamap_bus_write(nic, a, frame, sizeof(frame), NULL);
	dma_unmap_single(nic, a, 2048, DMA_FROM_DEVICE);
	/* the debugger refused that unmap: the right one */
	dma_unmap_single(nic, a, 1500, DMA_FROM_DEVICE);
}

/* 7. The DMA-API debugger: a buggy driver on a machine that has it on. */
static void debugger(struct demo *d)
{
	struct dmamap_machine_config mc = demo_soc_config;
	const struct dmamap_device_config nic_cfg = {
		.name = "nic", .dma_mask = DMA_BIT_MASK(32),
	};
	struct demo_reports dr = { .d = d };
	struct dmamap_machine *m;
	struct device *nic;
	u8 *slot;

	fprintf(d->out, "7. The DMA-API debugger (DMAMAP_DEBUG_ALL) on a buggy receive path\n");
	mc.debug = DMAMAP_DEBUG_ALL;
	if (dmamap_machine_create(&mc, &m)) {
		check(d, false, "a machine with the debugger");
		return;
	}
	dmamap_debug_set_handler(m, demo_report, &dr);
	if (dmamap_device_create(m, &nic_cfg, &nic) ||
	    !(slot = dmamap_kmalloc(m, 2048, GFP_KERNEL))) {
		check(d, false, "the debugger's device and buffer");
		dmamap_machine_destroy(m);
		return;
	}
	buggy_rx(nic, slot);
	fprintf(d->out, "   %lu reports; the same checks run on the direct, swiotlb and IOMMU paths\n\n",
		dmamap_debug_error_count(m));
	check(d, dr.n == 2 && dr.kind[0] == DMAMAP_DEBUG_DEVICE_ACCESS &&
	      dr.kind[1] == DMAMAP_DEBUG_WRONG_SIZE && dr.sited[0] && dr.sited[1],
	      "the debugger's two reports, with their sites (%d made)", dr.n);
	dmamap_kfree(m, slot);
	dmamap_device_destroy(nic);
	dmamap_machine_destroy(m);
}

static void teardown(struct demo *d, const struct demo_options *opt)
{
	struct dmamap_stats st;
	int ret;

	dmamap_machine_stats(d->m, &st);
	check(d, st.vmalloc_bytes == 0 && st.cookies == 0 && st.iova_pages_used == 0 &&
	      st.kmalloc_bytes == 0, "everything freed at the end");
	iommu_domain_free(d->cam_dom);
	iommu_domain_free(d->enc_dom);
	if (opt->trace_path && (ret = dmamap_trace_close(d->m)))
		check(d, false, "writing the trace: %s", strerror(-ret));
	dmamap_machine_destroy(d->m);
}

int demo_run(const struct demo_options *opt)
{
	struct demo d;
	int ret;

	memset(&d, 0, sizeof(d));
	d.out = opt->out;
	d.opt = opt;
	ret = setup(&d);
	if (ret) {
		fprintf(stderr, "%s: setting up the machine failed: %s\n", opt->prog, strerror(-ret));
		return DEMO_FAILED;
	}
	/* the trace file is opened before anything is done: a bad path stops the demo here */
	if (opt->trace_path && (ret = dmamap_trace_open(d.m, opt->trace_path))) {
		fprintf(stderr, "%s: cannot write %s: %s\n", opt->prog, opt->trace_path,
			strerror(-ret));
		iommu_domain_free(d.cam_dom);
		iommu_domain_free(d.enc_dom);
		dmamap_machine_destroy(d.m);
		return DEMO_USAGE;
	}
	fprintf(d.out, "dmamap demo: the 2012 ARM DMA-mapping buffer-sharing series, end to end\n\n");
	show_machine(&d);
	va_window(&d);
	frames(&d);
	bounce(&d);
	frames_release(&d);
	caches(&d);
	debugger(&d);

	fprintf(d.out, "The lesson of the seed:\n"
	       "  - DMA_ATTR_NO_KERNEL_MAPPING buffers cost no kernel VA space; they reach user space with dma_mmap_attrs().\n"
	       "  - dma_get_sgtable() + dma_map_sgtable() give every device the buffer in its own DMA address space.\n"
	       "  - Never share kernel addresses or assume a shared DMA address space between devices.\n\n");
	teardown(&d, opt);
	fprintf(d.out, "%d checks, %d failed: %s\n", d.checks, d.failed, d.failed ? "FAILED" : "all passed");
	return d.failed ? DEMO_FAILED : 0;
}
