// SPDX-License-Identifier: MIT
/*
 * Driver of the capture engine described in capture.h, written as a kernel
 * driver is, on the pattern of videobuf2's DMA-contiguous allocator:
 *
 * - frame buffers come from dma_alloc_attrs() with DMA_ATTR_NO_KERNEL_MAPPING:
 *   the CPU never reads a frame, so no kernel mapping is spent on one;
 * - a buffer is exported as a dma-buf with this driver's own dma_buf_ops:
 *   attach builds a table of the buffer's pages for the attachment with
 *   dma_get_sgtable_attrs(), map_dma_buf maps it for the importer's device
 *   and keeps the mapping until detach (asked again in the other direction,
 *   it maps again), mmap is dma_mmap_attrs(), vmap maps the pages in the
 *   kernel's VA window only when an importer asks for it;
 * - a buffer is reference counted: its owner, its dma-buf and each user
 *   mapping (vm_ops open/close) hold one.
 */
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "capture.h"

struct capture {
	struct device *dev;
	void __iomem *regs;
	struct mutex lock;		/* one frame at a time */
	struct capture_buf *active;	/* the buffer being filled, or NULL */
};

struct capture_buf {
	struct capture *cap;
	struct device *dev;
	size_t size;
	unsigned long attrs;
	void *cookie;			/* what dma_alloc_attrs() returned: not an address */
	dma_addr_t dma_addr;
	refcount_t refcount;
	struct mutex lock;		/* vaddr */
	void *vaddr;			/* kernel mapping while a dma-buf vmap holds it */
};

/* Per attachment: the importer's own copy of the table, and its mapping. */
struct capture_attachment {
	struct sg_table sgt;
	enum dma_data_direction dma_dir;	/* DMA_NONE: not mapped */
};

static void capture_buf_get(struct capture_buf *buf)
{
	refcount_inc(&buf->refcount);
}

void capture_buf_put(struct capture_buf *buf)
{
	if (!refcount_dec_and_test(&buf->refcount))
		return;
	dma_free_attrs(buf->dev, buf->size, buf->cookie, buf->dma_addr, buf->attrs);
	mutex_destroy(&buf->lock);
	put_device(buf->dev);
	kfree(buf);
}

struct capture_buf *capture_buf_alloc(struct capture *cap, size_t size, unsigned long attrs)
{
	struct capture_buf *buf;

	if (!size)
		return ERR_PTR(-EINVAL);
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->cap = cap;
	buf->dev = get_device(cap->dev);
	buf->size = PAGE_ALIGN(size);
	buf->attrs = attrs | DMA_ATTR_NO_KERNEL_MAPPING;
	buf->cookie = dma_alloc_attrs(buf->dev, buf->size, &buf->dma_addr, GFP_KERNEL, buf->attrs);
	if (!buf->cookie) {
		dev_err(buf->dev, "no memory for a buffer of %zu bytes\n", buf->size);
		put_device(buf->dev);
		kfree(buf);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&buf->lock);
	refcount_set(&buf->refcount, 1);
	return buf;
}

/* --- user mappings ------------------------------------------------------------ */

static void capture_vm_open(struct vm_area_struct *vma)
{
	capture_buf_get(vma->vm_private_data);
}

static void capture_vm_close(struct vm_area_struct *vma)
{
	capture_buf_put(vma->vm_private_data);
}

static const struct vm_operations_struct capture_vm_ops = {
	.open	= capture_vm_open,
	.close	= capture_vm_close,
};

static int capture_buf_mmap(struct capture_buf *buf, struct vm_area_struct *vma)
{
	int ret;

	ret = dma_mmap_attrs(buf->dev, vma, buf->cookie, buf->dma_addr, buf->size, buf->attrs);
	if (ret) {
		dev_err(buf->dev, "remapping memory failed: %d\n", ret);
		return ret;
	}
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = buf;
	vma->vm_ops = &capture_vm_ops;
	vma->vm_ops->open(vma);
	return 0;
}

/* --- dma-buf operations ------------------------------------------------------- */

static int capture_dmabuf_attach(struct dma_buf *dbuf, struct dma_buf_attachment *attach)
{
	struct capture_buf *buf = dbuf->priv;
	struct capture_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	/* the exporter's description of its pages: the importer maps it for itself */
	ret = dma_get_sgtable_attrs(buf->dev, &a->sgt, buf->cookie, buf->dma_addr, buf->size,
				    buf->attrs);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dma_dir = DMA_NONE;
	attach->priv = a;
	return 0;
}

static void capture_dmabuf_detach(struct dma_buf *dbuf, struct dma_buf_attachment *attach)
{
	struct capture_attachment *a = attach->priv;

	(void)dbuf;
	if (a->dma_dir != DMA_NONE)
		dma_unmap_sgtable(attach->dev, &a->sgt, a->dma_dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&a->sgt);
	kfree(a);
	attach->priv = NULL;
}

static struct sg_table *capture_dmabuf_map(struct dma_buf_attachment *attach,
					   enum dma_data_direction dir)
{
	struct capture_attachment *a = attach->priv;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (a->dma_dir == dir)
		return &a->sgt;		/* kept from the last map */
	if (a->dma_dir != DMA_NONE) {
		dma_unmap_sgtable(attach->dev, &a->sgt, a->dma_dir, DMA_ATTR_SKIP_CPU_SYNC);
		a->dma_dir = DMA_NONE;
	}
	/*
	 * The memory is coherent for the exporter and never in a CPU cache
	 * through a cacheable mapping: nothing to sync.
	 */
	ret = dma_map_sgtable(attach->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		dev_err(attach->dev, "failed to map the scatterlist: %d\n", ret);
		return ERR_PTR(ret);
	}
	a->dma_dir = dir;
	return &a->sgt;
}

static void capture_dmabuf_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	/* nothing: the mapping stays until detach */
	(void)attach;
	(void)sgt;
	(void)dir;
}

static void capture_dmabuf_release(struct dma_buf *dbuf)
{
	capture_buf_put(dbuf->priv);
}

static int capture_dmabuf_vmap(struct dma_buf *dbuf, struct iosys_map *map)
{
	struct capture_buf *buf = dbuf->priv;
	unsigned int n = buf->size >> PAGE_SHIFT, i = 0;
	struct sg_page_iter piter;
	struct page **pages;
	struct sg_table sgt;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (buf->vaddr)
		goto out;
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto out;
	}
	ret = dma_get_sgtable_attrs(buf->dev, &sgt, buf->cookie, buf->dma_addr, buf->size,
				    buf->attrs);
	if (ret)
		goto out_free;
	for_each_sgtable_page(&sgt, &piter, 0) {
		if (i < n)
			pages[i++] = sg_page_iter_page(&piter);
	}
	sg_free_table(&sgt);
	/* the same memory type as the device's view of it: never cacheable */
	buf->vaddr = vmap(pages, i, VM_MAP, pgprot_writecombine(PAGE_KERNEL));
	if (!buf->vaddr)
		ret = -ENOMEM;
out_free:
	kvfree(pages);
out:
	if (!ret)
		iosys_map_set_vaddr(map, buf->vaddr);
	mutex_unlock(&buf->lock);
	return ret;
}

static void capture_dmabuf_vunmap(struct dma_buf *dbuf, struct iosys_map *map)
{
	struct capture_buf *buf = dbuf->priv;

	mutex_lock(&buf->lock);
	if (buf->vaddr == map->vaddr) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
}

static int capture_dmabuf_mmap(struct dma_buf *dbuf, struct vm_area_struct *vma)
{
	return capture_buf_mmap(dbuf->priv, vma);
}

static const struct dma_buf_ops capture_dmabuf_ops = {
	.attach		= capture_dmabuf_attach,
	.detach		= capture_dmabuf_detach,
	.map_dma_buf	= capture_dmabuf_map,
	.unmap_dma_buf	= capture_dmabuf_unmap,
	.vmap		= capture_dmabuf_vmap,
	.vunmap		= capture_dmabuf_vunmap,
	.mmap		= capture_dmabuf_mmap,
	.release	= capture_dmabuf_release,
};

struct dma_buf *capture_buf_export(struct capture_buf *buf)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf *dbuf;

	exp_info.ops = &capture_dmabuf_ops;
	exp_info.size = buf->size;
	exp_info.priv = buf;
	exp_info.owner = THIS_MODULE;
	dbuf = dma_buf_export(&exp_info);
	if (IS_ERR(dbuf))
		return dbuf;
	capture_buf_get(buf);	/* for the dma-buf: dropped by its release */
	return dbuf;
}

/* --- the engine ------------------------------------------------------------------- */

struct capture *capture_probe(struct device *dev, void __iomem *regs)
{
	struct capture *cap;
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return ERR_PTR(dev_err_probe(dev, ret, "no usable DMA mask\n"));
	cap = kzalloc(sizeof(*cap), GFP_KERNEL);
	if (!cap)
		return ERR_PTR(-ENOMEM);
	cap->dev = dev;
	cap->regs = regs;
	mutex_init(&cap->lock);
	dev_set_drvdata(dev, cap);
	return cap;
}

void capture_remove(struct capture *cap)
{
	writel(0, (u8 __iomem *)cap->regs + CAP_REG_CTRL);
	WARN_ON(cap->active);
	dev_set_drvdata(cap->dev, NULL);
	mutex_destroy(&cap->lock);
	kfree(cap);
}

int capture_start(struct capture *cap, struct capture_buf *buf)
{
	u8 __iomem *regs = cap->regs;

	mutex_lock(&cap->lock);
	if (cap->active) {
		mutex_unlock(&cap->lock);
		return -EBUSY;
	}
	capture_buf_get(buf);
	cap->active = buf;
	writel(lower_32_bits(buf->dma_addr), regs + CAP_REG_BUF_LO);
	writel(upper_32_bits(buf->dma_addr), regs + CAP_REG_BUF_HI);
	writel((u32)buf->size, regs + CAP_REG_BUF_SIZE);
	writel(CAP_CTRL_START, regs + CAP_REG_CTRL);
	mutex_unlock(&cap->lock);
	return 0;
}

int capture_done(struct capture *cap)
{
	u8 __iomem *regs = cap->regs;
	struct capture_buf *buf;
	int seq;

	mutex_lock(&cap->lock);
	if (!cap->active || !(readl(regs + CAP_REG_STATUS) & CAP_STATUS_DONE)) {
		mutex_unlock(&cap->lock);
		return -EAGAIN;
	}
	writel(0, regs + CAP_REG_STATUS);
	seq = (int)(readl(regs + CAP_REG_SEQ) & INT_MAX);
	buf = cap->active;
	cap->active = NULL;
	mutex_unlock(&cap->lock);
	capture_buf_put(buf);
	return seq;
}

MODULE_LICENSE("MIT");
MODULE_DESCRIPTION("Driver of the example capture engine");
