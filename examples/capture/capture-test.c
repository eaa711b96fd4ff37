// SPDX-License-Identifier: MIT
/*
 * The test harness of the capture and display drivers (capture.c,
 * display.c): the machine, both engines' hardware as bus masters (register
 * files in MMIO regions of the machine, frames written and read with
 * dmamap_bus_*), and user space's view of an exported buffer. The drivers
 * themselves see only <linux/...> headers.
 *
 * Frames are captured into a buffer exported as a dma-buf, imported by the
 * display driver and scanned out; each frame must also read right through
 * a user mapping (dma_buf_mmap()) and a kernel one (dma_buf_vmap()). The
 * machines: coherent; non-coherent; non-coherent with each engine behind an
 * IOMMU of its own and the buffer's pages scattered (the display sees one
 * contiguous range through its IOMMU); and the same scattered pages with
 * the display engine without an IOMMU, where the import must be refused as
 * not contiguous. Nothing may leak, and the drivers and the debugger (when
 * DMAMAP_DEBUG is set) must have nothing to report.
 */
#include <dmamap/dmamap.h>
#include <dmamap/debug.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define CAP_MMIO_BASE	0x40000000ULL
#define DISP_MMIO_BASE	0x40001000ULL
#define FRAME_SIZE	(150 * PAGE_SIZE + 1000)	/* a buffer of 151 pages */
#define FRAMES		6

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static u8 frame[PAGE_ALIGN(FRAME_SIZE)], seen[PAGE_ALIGN(FRAME_SIZE)];

static u8 pixel(u32 seq, size_t i)
{
	u64 x = (seq + 1) * 0x9e3779b97f4a7c15ULL ^ (i >> 3) * 0xbf58476d1ce4e5b9ULL;

	return (u8)(x >> (56 - (i & 7) * 8));
}

static bool frame_ok(const volatile u8 *p, size_t size, u32 seq)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != pixel(seq, i))
			return false;
	return true;
}

struct engine {
	struct device dev;	/* embedded, as a bus's device is */
	struct dmamap_mmio_region *r;
	u32 *regs;
	unsigned long faults, bad;
	int released;
};

static u64 reg64(const struct engine *e, unsigned int lo)
{
	return e->regs[lo / 4] | (u64)e->regs[lo / 4 + 1] << 32;
}

static void engine_release(struct device *dev)
{
	container_of(dev, struct engine, dev)->released++;
}

/* The capture engine fills the buffer it was given with frame @seq. */
static void hw_capture(struct engine *e, u32 seq)
{
	u32 size = e->regs[CAP_REG_BUF_SIZE / 4];

	if (!(__atomic_load_n(&e->regs[CAP_REG_CTRL / 4], __ATOMIC_ACQUIRE) & CAP_CTRL_START))
		return;
	if (size > sizeof(frame)) {
		e->faults++;
		return;
	}
	for (size_t i = 0; i < size; i++)
		frame[i] = pixel(seq, i);
	if (dmamap_bus_write(&e->dev, reg64(e, CAP_REG_BUF_LO), frame, size, NULL))
		e->faults++;
	e->regs[CAP_REG_CTRL / 4] = 0;
	e->regs[CAP_REG_SEQ / 4] = seq;
	__atomic_store_n(&e->regs[CAP_REG_STATUS / 4], CAP_STATUS_DONE, __ATOMIC_RELEASE);
}

/* The display engine reads the frame it was pointed at: it must be frame @seq. */
static void hw_scanout(struct engine *e, u32 seq)
{
	u32 size = e->regs[DISP_REG_FB_SIZE / 4];

	if (!(__atomic_load_n(&e->regs[DISP_REG_CTRL / 4], __ATOMIC_ACQUIRE) & DISP_CTRL_SCANOUT) ||
	    size > sizeof(seen)) {
		e->faults++;
		return;
	}
	if (dmamap_bus_read(&e->dev, reg64(e, DISP_REG_FB_LO), seen, size, NULL))
		e->faults++;
	else if (!frame_ok(seen, size, seq))
		e->bad++;
	e->regs[DISP_REG_CTRL / 4] = 0;
}

static int engine_add(struct dmamap_machine *m, struct engine *e, const char *name, u64 base,
		      bool coherent, struct iommu_domain **dom)
{
	struct dmamap_mmio_config rc = { .name = name, .base = base, .size = PAGE_SIZE };
	struct dmamap_device_config dc = { .coherent = coherent };
	struct dmamap_iommu_config ic = { .flush = DMAMAP_IOMMU_STRICT };

	memset(e, 0, sizeof(*e));
	if (dmamap_mmio_region_create(m, &rc, &e->r))
		return -1;
	e->regs = dmamap_mmio_region_regs(e->r);
	e->dev.init_name = name;
	e->dev.release = engine_release;
	if (dmamap_device_register(m, &e->dev, &dc))
		return -1;
	if (dom && (dmamap_iommu_domain_create(m, &ic, dom) || iommu_attach_device(*dom, &e->dev)))
		return -1;
	return 0;
}

static void engine_remove(struct engine *e, struct iommu_domain *dom)
{
	if (dom) {
		iommu_detach_device(dom, &e->dev);
		iommu_domain_free(dom);
	}
	dmamap_device_unregister(&e->dev);
	dmamap_mmio_region_destroy(e->r);
}

enum layout {
	DIRECT,		/* no IOMMU: contiguous memory */
	BOTH_IOMMU,	/* scattered pages, each engine behind its own IOMMU */
	CAPTURE_IOMMU,	/* scattered pages, the display engine without an IOMMU */
};

static int run(const char *name, const struct dmamap_machine_config *mc, bool coherent,
	       enum layout layout)
{
	struct iommu_domain *cap_dom = NULL, *disp_dom = NULL;
	bool scatter = layout != DIRECT;
	unsigned long warns = dmamap_warn_count(), errs = dmamap_printk_count(3);
	struct page *hold[2 * (PAGE_ALIGN(FRAME_SIZE) >> PAGE_SHIFT)];
	unsigned int nhold = 0;
	struct engine cape, dispe;
	struct dmamap_stats st0, st1;
	struct dmamap_machine *m;
	struct vm_area_struct *vma;
	struct display_fb *fb = NULL;
	struct capture_buf *buf;
	struct dma_buf *dmabuf;
	struct iosys_map map;
	struct display *disp;
	struct capture *cap;
	unsigned long attrs = 0, cpu_bad = 0;
	int fails = 0, seq;

	if (dmamap_machine_create(mc, &m))
		return 1;
	dmamap_machine_stats(m, &st0);
	if (engine_add(m, &cape, "capture0", CAP_MMIO_BASE, coherent, scatter ? &cap_dom : NULL) ||
	    engine_add(m, &dispe, "display0", DISP_MMIO_BASE, coherent,
		       layout == BOTH_IOMMU ? &disp_dom : NULL))
		return 1;
	if (scatter) {
		/*
		 * Every other free page taken: the buffer's pages, one at a
		 * time, cannot follow each other.
		 */
		attrs = DMA_ATTR_ALLOC_SINGLE_PAGES;
		for (unsigned int i = 0; i < ARRAY_SIZE(hold); i++)
			hold[nhold++] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
		for (unsigned int i = 0; i < nhold; i += 2) {
			dmamap_free_pages(hold[i], 0);
			hold[i] = NULL;
		}
	}

	cap = capture_probe(&cape.dev, cape.regs);
	disp = display_probe(&dispe.dev, dispe.regs);
	if (IS_ERR(cap) || IS_ERR(disp))
		return 1;
	buf = capture_buf_alloc(cap, FRAME_SIZE, attrs);
	if (IS_ERR(buf))
		return 1;
	dmabuf = capture_buf_export(buf);
	if (IS_ERR(dmabuf))
		return 1;
	fb = display_fb_import(disp, dmabuf);
	if (layout == CAPTURE_IOMMU) {
		if (PTR_ERR(fb) != -EINVAL) {
			fprintf(stderr, "%s: a scattered buffer imported: %ld\n", name,
				IS_ERR(fb) ? PTR_ERR(fb) : 0L);
			fails++;
		}
		if (!IS_ERR(fb))
			display_fb_release(fb);
		fb = NULL;
	} else if (IS_ERR(fb)) {
		fprintf(stderr, "%s: import failed: %ld\n", name, PTR_ERR(fb));
		return 1;
	}
	if (dmamap_vma_create(m, PAGE_ALIGN(FRAME_SIZE), 0, &vma) ||
	    dma_buf_mmap(dmabuf, vma, 0) || dma_buf_vmap_unlocked(dmabuf, &map))
		return 1;

	for (u32 s = 1; s <= FRAMES; s++) {
		if (capture_start(cap, buf) || capture_start(cap, buf) != -EBUSY ||
		    capture_done(cap) != -EAGAIN)
			fails++;
		hw_capture(&cape, s);
		seq = capture_done(cap);
		if (seq != (int)s) {
			fprintf(stderr, "%s: frame %u completed as %d\n", name, s, seq);
			fails++;
		}
		if (!frame_ok((const u8 *)vma->vm_start, FRAME_SIZE, s) ||
		    !frame_ok(map.vaddr, FRAME_SIZE, s))
			cpu_bad++;
		if (fb) {
			display_scanout(disp, fb);
			hw_scanout(&dispe, s);
		}
	}

	dma_buf_vunmap_unlocked(dmabuf, &map);
	if (fb)
		display_fb_release(fb);
	dma_buf_put(dmabuf);
	capture_buf_put(buf);
	/* the user mapping holds the last reference: the memory is still there */
	if (!frame_ok((const u8 *)vma->vm_start, FRAME_SIZE, FRAMES))
		cpu_bad++;
	dmamap_vma_destroy(vma);
	capture_remove(cap);
	display_remove(disp);

	if (cpu_bad || cape.faults || dispe.faults || dispe.bad) {
		fprintf(stderr, "%s: %lu frames wrong for the CPU, %lu for the display; "
			"%lu + %lu faults\n", name, cpu_bad, dispe.bad, cape.faults, dispe.faults);
		fails++;
	}
	if (dmamap_debug_error_count(m) || dmamap_warn_count() != warns ||
	    dmamap_printk_count(3) != errs) {
		fprintf(stderr, "%s: %lu reports, %lu warnings, %lu errors logged\n", name,
			dmamap_debug_error_count(m), dmamap_warn_count() - warns,
			dmamap_printk_count(3) - errs);
		fails++;
	}
	engine_remove(&dispe, disp_dom);
	engine_remove(&cape, cap_dom);
	for (unsigned int i = 0; i < nhold; i++)
		if (hold[i])
			dmamap_free_pages(hold[i], 0);
	dmamap_machine_stats(m, &st1);
	if (st1.pages_free != st0.pages_free || st1.kmalloc_bytes || st1.vmalloc_areas ||
	    st1.iova_pages_used || cape.released != 1 || dispe.released != 1) {
		fprintf(stderr, "%s: leaked (%llu pages, %llu kmalloc bytes, %llu vmaps)\n", name,
			(unsigned long long)(st0.pages_free - st1.pages_free),
			(unsigned long long)st1.kmalloc_bytes,
			(unsigned long long)st1.vmalloc_areas);
		fails++;
	}
	dmamap_machine_destroy(m);
	printf("%-36s %s\n", name, fails ? "FAILED" : "ok");
	return fails;
}

int main(void)
{
	struct dmamap_machine_config coherent = { .cache = DMAMAP_CACHE_COHERENT };
	struct dmamap_machine_config noncoherent = { .cache = DMAMAP_CACHE_NONCOHERENT };
	int fails = 0;

	fails += run("coherent", &coherent, true, DIRECT);
	fails += run("non-coherent", &noncoherent, false, DIRECT);
	fails += run("non-coherent, IOMMUs, scattered pages", &noncoherent, false, BOTH_IOMMU);
	fails += run("display without IOMMU: refused", &noncoherent, false, CAPTURE_IOMMU);
	return fails ? 1 : 0;
}
