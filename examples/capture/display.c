// SPDX-License-Identifier: MIT
/*
 * Driver of the display engine described in capture.h: an importer of
 * dma-bufs, written as a kernel driver is. The engine scans a frame out
 * from one DMA address, so a buffer is usable only if its mapping for this
 * device is one contiguous range of DMA addresses, whatever the pages
 * behind it: contiguous memory, or scattered pages behind an IOMMU that
 * made them contiguous. The check is the one DRM's contiguous-memory
 * helpers make on an imported table.
 */
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "capture.h"

struct display {
	struct device *dev;
	void __iomem *regs;
};

struct display_fb {
	struct display *disp;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	dma_addr_t dma_addr;
	size_t size;
};

/* Bytes from the start of @sgt that are contiguous in DMA address space. */
static unsigned long display_contiguous_size(struct sg_table *sgt)
{
	dma_addr_t expected = sg_dma_address(sgt->sgl);
	unsigned long size = 0;
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (sg_dma_address(sg) != expected)
			break;
		expected += sg_dma_len(sg);
		size += sg_dma_len(sg);
	}
	return size;
}

struct display_fb *display_fb_import(struct display *disp, struct dma_buf *dmabuf)
{
	struct display_fb *fb;
	unsigned long size;
	int ret;

	fb = kzalloc(sizeof(*fb), GFP_KERNEL);
	if (!fb)
		return ERR_PTR(-ENOMEM);
	fb->disp = disp;
	fb->attach = dma_buf_attach(dmabuf, disp->dev);
	if (IS_ERR(fb->attach)) {
		ret = PTR_ERR(fb->attach);
		goto out_free;
	}
	fb->sgt = dma_buf_map_attachment_unlocked(fb->attach, DMA_TO_DEVICE);
	if (IS_ERR(fb->sgt)) {
		ret = PTR_ERR(fb->sgt);
		goto out_detach;
	}
	size = display_contiguous_size(fb->sgt);
	if (size < dmabuf->size) {
		dev_dbg(disp->dev, "buffer not contiguous: %lu of %zu bytes\n", size,
			dmabuf->size);
		ret = -EINVAL;
		goto out_unmap;
	}
	get_dma_buf(dmabuf);
	fb->dmabuf = dmabuf;
	fb->dma_addr = sg_dma_address(fb->sgt->sgl);
	fb->size = dmabuf->size;
	dev_dbg(disp->dev, "frame buffer at %pad, %zu bytes\n", &fb->dma_addr, fb->size);
	return fb;

out_unmap:
	dma_buf_unmap_attachment_unlocked(fb->attach, fb->sgt, DMA_TO_DEVICE);
out_detach:
	dma_buf_detach(dmabuf, fb->attach);
out_free:
	kfree(fb);
	return ERR_PTR(ret);
}

void display_fb_release(struct display_fb *fb)
{
	struct dma_buf *dmabuf = fb->dmabuf;

	dma_buf_unmap_attachment_unlocked(fb->attach, fb->sgt, DMA_TO_DEVICE);
	dma_buf_detach(dmabuf, fb->attach);
	dma_buf_put(dmabuf);
	kfree(fb);
}

void display_scanout(struct display *disp, struct display_fb *fb)
{
	u8 __iomem *regs = disp->regs;

	writel(lower_32_bits(fb->dma_addr), regs + DISP_REG_FB_LO);
	writel(upper_32_bits(fb->dma_addr), regs + DISP_REG_FB_HI);
	writel((u32)fb->size, regs + DISP_REG_FB_SIZE);
	writel(DISP_CTRL_SCANOUT, regs + DISP_REG_CTRL);
}

struct display *display_probe(struct device *dev, void __iomem *regs)
{
	struct display *disp;
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return ERR_PTR(dev_err_probe(dev, ret, "no usable DMA mask\n"));
	/* the engine reads a frame of any size from one address: no segment limit */
	dma_set_max_seg_size(dev, UINT_MAX);
	disp = kzalloc(sizeof(*disp), GFP_KERNEL);
	if (!disp)
		return ERR_PTR(-ENOMEM);
	disp->dev = dev;
	disp->regs = regs;
	dev_set_drvdata(dev, disp);
	return disp;
}

void display_remove(struct display *disp)
{
	writel(0, (u8 __iomem *)disp->regs + DISP_REG_CTRL);
	dev_set_drvdata(disp->dev, NULL);
	kfree(disp);
}

MODULE_LICENSE("MIT");
MODULE_DESCRIPTION("Driver of the example display engine");
