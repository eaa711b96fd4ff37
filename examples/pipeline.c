// SPDX-License-Identifier: MIT
/*
 * The seed's scenario: a camera fills frames, an encoder and a display
 * controller consume them, and user space looks at them; one buffer, three
 * DMA address spaces, no kernel mapping.
 *
 *   camera   behind its own IOMMU, non-coherent: allocates the frames with
 *            the ready-made exporter (DMA_ATTR_NO_KERNEL_MAPPING)
 *   encoder  behind another IOMMU, coherent
 *   display  no IOMMU, 32-bit DMA mask, RAM seen at a DMA offset; it needs
 *            one contiguous DMA segment, so it refuses a scattered frame
 *            and takes one allocated with DMA_ATTR_FORCE_CONTIGUOUS
 *
 * Exits 0 when every check passed.
 */
#include <dmamap/dmamap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_SIZE	SZ_1M
#define NR_FRAMES	3

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			failures++;					\
			printf("FAILED: " __VA_ARGS__);			\
			printf("\n");					\
		}							\
	} while (0)

static u32 checksum(const u8 *p, size_t len)
{
	u32 a = 1, b = 0;

	for (size_t i = 0; i < len; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return (b << 16) | a;
}

static void make_frame(u8 *buf, size_t len, unsigned int n)
{
	for (size_t i = 0; i < len; i++) {
		u32 x = (u32)i * 2654435761u ^ (n + 1) * 40503u;

		x ^= x >> 15;
		x *= 2246822519u;
		x ^= x >> 13;
		buf[i] = (u8)(x >> 24);
	}
}

/* What a display driver does: it scans out one contiguous DMA segment. */
static struct sg_table *display_map(struct dma_buf_attachment *at)
{
	struct sg_table *sgt = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);

	if (IS_ERR(sgt))
		return sgt;
	if (sgt->nents != 1) {
		printf("display: the frame is %u DMA segments; the controller needs one "
		       "contiguous buffer (allocate it with DMA_ATTR_FORCE_CONTIGUOUS)\n",
		       sgt->nents);
		dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
		return ERR_PTR(-EINVAL);
	}
	return sgt;
}

static void one_frame(struct device *camera, struct device *encoder, struct device *display,
		      struct dmamap_machine *m, unsigned int n, unsigned long attrs)
{
	struct dma_buf *buf = dmamap_dma_buf_alloc(camera, FRAME_SIZE, attrs);
	struct dma_buf_attachment *cam_at, *enc_at, *disp_at;
	struct sg_table *cam_sgt, *enc_sgt, *disp_sgt;
	struct vm_area_struct *vma;
	u8 *frame = malloc(FRAME_SIZE), *seen = malloc(FRAME_SIZE);
	u32 sum;

	CHECK(!IS_ERR(buf), "frame %u: dmamap_dma_buf_alloc", n);
	if (IS_ERR(buf) || !frame || !seen)
		goto out;
	make_frame(frame, FRAME_SIZE, n);
	sum = checksum(frame, FRAME_SIZE);

	/* the camera fills the frame through its own IOVAs */
	cam_at = dma_buf_attach(buf, camera);
	cam_sgt = dma_buf_map_attachment_unlocked(cam_at, DMA_FROM_DEVICE);
	CHECK(!IS_ERR(cam_sgt) && cam_sgt->nents == 1, "frame %u: camera mapping", n);
	CHECK(dmamap_bus_write_sgtable(camera, cam_sgt, frame, FRAME_SIZE, NULL) == 0,
	      "frame %u: camera DMA", n);
	/* done: ownership back to the CPU (invalidates what it may have prefetched) */
	dma_buf_unmap_attachment_unlocked(cam_at, cam_sgt, DMA_FROM_DEVICE);

	/* the encoder reads it through its own IOVAs */
	enc_at = dma_buf_attach(buf, encoder);
	enc_sgt = dma_buf_map_attachment_unlocked(enc_at, DMA_TO_DEVICE);
	CHECK(!IS_ERR(enc_sgt), "frame %u: encoder mapping", n);
	if (!IS_ERR(enc_sgt)) {
		memset(seen, 0, FRAME_SIZE);
		CHECK(dmamap_bus_read_sgtable(encoder, enc_sgt, seen, FRAME_SIZE, NULL) == 0 &&
		      checksum(seen, FRAME_SIZE) == sum, "frame %u: encoder checksum", n);
		dma_buf_unmap_attachment_unlocked(enc_at, enc_sgt, DMA_TO_DEVICE);
	}

	/* the display scans it out, if it is one contiguous segment */
	disp_at = dma_buf_attach(buf, display);
	disp_sgt = display_map(disp_at);
	if (attrs & DMA_ATTR_FORCE_CONTIGUOUS) {
		CHECK(!IS_ERR(disp_sgt), "frame %u: display mapping of a contiguous frame", n);
		if (!IS_ERR(disp_sgt)) {
			memset(seen, 0, FRAME_SIZE);
			CHECK(dmamap_bus_read_sgtable(display, disp_sgt, seen, FRAME_SIZE, NULL) == 0 &&
			      checksum(seen, FRAME_SIZE) == sum, "frame %u: display checksum", n);
			dma_buf_unmap_attachment_unlocked(disp_at, disp_sgt, DMA_TO_DEVICE);
		}
	} else {
		CHECK(IS_ERR(disp_sgt) && PTR_ERR(disp_sgt) == -EINVAL,
		      "frame %u: the display must refuse a scattered frame", n);
	}

	/* user space looks at it through mmap, between begin and end of CPU access */
	if (!dmamap_vma_create(m, FRAME_SIZE, 0, &vma)) {
		CHECK(dma_buf_mmap(buf, vma, 0) == 0, "frame %u: dma_buf_mmap", n);
		dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE);
		CHECK(checksum((const u8 *)vma->vm_start, FRAME_SIZE) == sum,
		      "frame %u: CPU checksum", n);
		dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE);
		dmamap_vma_destroy(vma);
	}
	printf("frame %u: %s, camera, encoder%s and CPU agree on checksum %08x\n", n,
	       attrs & DMA_ATTR_FORCE_CONTIGUOUS ? "contiguous" : "scattered",
	       attrs & DMA_ATTR_FORCE_CONTIGUOUS ? ", display" : "", sum);

	dma_buf_detach(buf, disp_at);
	dma_buf_detach(buf, enc_at);
	dma_buf_detach(buf, cam_at);
	dma_buf_put(buf);
out:
	free(frame);
	free(seen);
}

/*
 * A system that has been up for a while: every other page of the bank above
 * 4 GiB is in use, so buffers gathered page by page are scattered.
 */
static struct page **held;
static unsigned long nr_held;

static void fragment_high_memory(struct dmamap_machine *m)
{
	unsigned long n = (64UL << 20) >> PAGE_SHIFT;
	struct page **all = calloc(n, sizeof(*all));

	held = calloc(n / 2, sizeof(*held));
	if (!all || !held)
		return;
	for (unsigned long i = 0; i < n; i++) {
		all[i] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
		if (!all[i] || page_to_phys(all[i]) < 0x880000000ULL) {
			if (all[i])
				dmamap_free_pages(all[i], 0);
			n = i;
			break;
		}
	}
	for (unsigned long i = 0; i < n; i++) {
		if (i % 2)
			held[nr_held++] = all[i];
		else
			dmamap_free_pages(all[i], 0);
	}
	free(all);
}

int main(void)
{
	static const struct dmamap_bank banks[] = {
		{ 0x80000000ULL, 512ULL << 20 },
		{ 0x880000000ULL, 64ULL << 20 },
	};
	const struct dmamap_machine_config mcfg = {
		.banks = banks, .nr_banks = 2, .cache = DMAMAP_CACHE_NONCOHERENT,
	};
	const struct dmamap_device_config cam_cfg = {
		.name = "camera", .dma_mask = DMA_BIT_MASK(32), .max_segment_size = 0xfffff000u,
	};
	const struct dmamap_device_config enc_cfg = {
		.name = "encoder", .dma_mask = DMA_BIT_MASK(32), .coherent = true,
		.max_segment_size = 0xfffff000u,
	};
	const struct dmamap_device_config disp_cfg = {
		.name = "display", .dma_mask = DMA_BIT_MASK(32), .dma_offset = 0x80000000ULL,
		.max_segment_size = 0xffffffffu,
	};
	const struct dmamap_iommu_config iocfg = { .type = IOMMU_DOMAIN_DMA };
	struct dmamap_machine *m;
	struct device *camera, *encoder, *display;
	struct iommu_domain *cam_dom, *enc_dom;
	struct dmamap_stats st;

	if (dmamap_machine_create(&mcfg, &m))
		return 1;
	if (dmamap_device_create(m, &cam_cfg, &camera) || dmamap_device_create(m, &enc_cfg, &encoder) ||
	    dmamap_device_create(m, &disp_cfg, &display) ||
	    dmamap_iommu_domain_create(m, &iocfg, &cam_dom) ||
	    dmamap_iommu_domain_create(m, &iocfg, &enc_dom) ||
	    iommu_attach_device(cam_dom, camera) || iommu_attach_device(enc_dom, encoder)) {
		printf("FAILED: setting up the machine\n");
		return 1;
	}
	fragment_high_memory(m);
	/* frames gathered page by page, as IOMMU drivers often ask */
	for (unsigned int n = 0; n < NR_FRAMES; n++)
		one_frame(camera, encoder, display, m, n, DMA_ATTR_ALLOC_SINGLE_PAGES);
	one_frame(camera, encoder, display, m, NR_FRAMES, DMA_ATTR_FORCE_CONTIGUOUS);

	for (unsigned long i = 0; i < nr_held; i++)
		dmamap_free_pages(held[i], 0);
	free(held);
	dmamap_machine_stats(m, &st);
	CHECK(st.vmalloc_bytes == 0 && st.cookies == 0 && st.iova_pages_used == 0,
	      "everything freed (VA window %llu, cookies %llu, IOVA pages %llu)",
	      (unsigned long long)st.vmalloc_bytes, (unsigned long long)st.cookies,
	      (unsigned long long)st.iova_pages_used);
	iommu_domain_free(cam_dom);
	iommu_domain_free(enc_dom);
	dmamap_machine_destroy(m);
	printf("%s\n", failures ? "pipeline: FAILED" : "pipeline: every check passed");
	return failures ? 1 : 0;
}
