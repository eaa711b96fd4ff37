// SPDX-License-Identifier: MIT
/*
 * A driver file as the kernel has them, built outside the tree with nothing
 * but pkg-config dmamap-linux (scripts/test-install.sh): every <linux/...>
 * header of the compatibility tree, and a probe that allocates, maps and
 * logs. The harness at the end is the only place a dmamap name appears.
 */
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/slab.h>
#include <linux/scatterlist.h>
#include <linux/dma-buf.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/err.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <linux/types.h>
#include <linux/sizes.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/dma-resv.h>
#include <linux/gfp.h>
#include <linux/string.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/errno.h>

struct probe_state {
	struct kref ref;
	struct dma_pool *pool;
	void *buf;
	dma_addr_t dma;
};

static void probe_release(struct kref *ref)
{
	kfree(container_of(ref, struct probe_state, ref));
}

static int drv_probe(struct device *dev)
{
	struct probe_state *st;
	dma_addr_t desc_dma;
	void *desc;
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return dev_err_probe(dev, ret, "no 32-bit DMA\n");
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	kref_init(&st->ref);
	st->pool = dmam_pool_create("desc", dev, 64, 64, SZ_4K);
	st->buf = kmalloc(SZ_2K, GFP_KERNEL);
	if (!st->pool || !st->buf) {
		ret = -ENOMEM;
		goto out;
	}
	desc = dma_pool_zalloc(st->pool, GFP_KERNEL, &desc_dma);
	st->dma = dma_map_single(dev, st->buf, SZ_2K, DMA_FROM_DEVICE);
	if (!desc || dma_mapping_error(dev, st->dma)) {
		ret = -EIO;
		goto out;
	}
	dev_info(dev, "descriptor at %pad, buffer at %pad\n", &desc_dma, &st->dma);
	dma_unmap_single(dev, st->dma, SZ_2K, DMA_FROM_DEVICE);
	dma_pool_free(st->pool, desc, desc_dma);
	ret = 0;
out:
	kfree(st->buf);
	kref_put(&st->ref, probe_release);
	return ret;
}

/* --- the harness ---------------------------------------------------------------- */

int main(void)
{
	struct dmamap_machine *m;
	struct dmamap_device_config cfg = { .name = "drv0" };
	struct device *dev;
	int ret;

	if (dmamap_machine_create(NULL, &m) || dmamap_device_create(m, &cfg, &dev))
		return 1;
	ret = drv_probe(dev);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
	return ret || dmamap_printk_count(3) ? 1 : 0;
}
