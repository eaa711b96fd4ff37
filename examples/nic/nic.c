// SPDX-License-Identifier: MIT
/*
 * Driver of the NIC described in nic.h, written as a kernel driver is:
 *
 * - both descriptor rings come from a dma_pool (coherent memory, no syncs),
 *   one block each, 64-byte aligned and not crossing 4 KiB as the NIC needs;
 * - RX buffers are pages from alloc_pages() mapped DMA_FROM_DEVICE; a small
 *   frame is copied out between range syncs and its buffer handed back to
 *   the NIC, a large one is unmapped and its page given to the stack;
 * - TX frames are copied into kmalloc() memory and mapped DMA_TO_DEVICE;
 * - what each unmap needs is kept with DEFINE_DMA_UNMAP_ADDR/_LEN.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "nic.h"

struct nic_rx_buf {
	struct page *page;
	DEFINE_DMA_UNMAP_ADDR(mapping);
};

struct nic_tx_buf {
	void *data;
	DEFINE_DMA_UNMAP_ADDR(mapping);
	DEFINE_DMA_UNMAP_LEN(len);
};

struct nic {
	struct device *dev;
	void __iomem *regs;
	struct dma_pool *ring_pool;
	struct nic_desc *rx_ring, *tx_ring;
	dma_addr_t rx_ring_dma, tx_ring_dma;
	struct nic_rx_buf rx_buf[NIC_RING_SIZE];
	struct nic_tx_buf tx_buf[NIC_RING_SIZE];
	unsigned int rx_next;		/* next RX descriptor to look at */
	unsigned int tx_head, tx_tail;	/* oldest in flight, next free */
	spinlock_t tx_lock;
};

static int nic_rx_refill(struct nic *nic, unsigned int i)
{
	struct nic_rx_buf *rb = &nic->rx_buf[i];
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t dma;

	if (!page)
		return -ENOMEM;
	dma = dma_map_page(nic->dev, page, 0, NIC_RX_BUF_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(nic->dev, dma)) {
		__free_page(page);
		return -ENOMEM;
	}
	rb->page = page;
	dma_unmap_addr_set(rb, mapping, dma);
	nic->rx_ring[i].addr = cpu_to_le64(dma);
	nic->rx_ring[i].len = 0;
	nic->rx_ring[i].flags = 0;
	return 0;
}

static void nic_rx_free(struct nic *nic, unsigned int i)
{
	struct nic_rx_buf *rb = &nic->rx_buf[i];

	if (!rb->page)
		return;
	dma_unmap_page(nic->dev, dma_unmap_addr(rb, mapping), NIC_RX_BUF_SIZE, DMA_FROM_DEVICE);
	__free_page(rb->page);
	rb->page = NULL;
}

static void nic_write_ring(struct nic *nic, unsigned int lo, dma_addr_t dma)
{
	writel(lower_32_bits(dma), (u8 __iomem *)nic->regs + lo);
	writel(upper_32_bits(dma), (u8 __iomem *)nic->regs + lo + 4);
}

struct nic *nic_probe(struct device *dev, void __iomem *regs)
{
	const size_t ring_bytes = NIC_RING_SIZE * sizeof(struct nic_desc);
	struct nic *nic;
	unsigned int i;
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return ERR_PTR(dev_err_probe(dev, ret, "no usable DMA mask\n"));
	nic = kzalloc(sizeof(*nic), GFP_KERNEL);
	if (!nic)
		return ERR_PTR(-ENOMEM);
	nic->dev = dev;
	nic->regs = regs;
	spin_lock_init(&nic->tx_lock);
	nic->ring_pool = dma_pool_create("nic-rings", dev, ring_bytes, 64, SZ_4K);
	if (!nic->ring_pool) {
		ret = -ENOMEM;
		goto out_free;
	}
	nic->rx_ring = dma_pool_zalloc(nic->ring_pool, GFP_KERNEL, &nic->rx_ring_dma);
	nic->tx_ring = dma_pool_zalloc(nic->ring_pool, GFP_KERNEL, &nic->tx_ring_dma);
	if (!nic->rx_ring || !nic->tx_ring) {
		ret = -ENOMEM;
		goto out_rings;
	}
	for (i = 0; i < NIC_RING_SIZE; i++) {
		ret = nic_rx_refill(nic, i);
		if (ret)
			goto out_rx;
	}
	nic_write_ring(nic, NIC_REG_RX_RING_LO, nic->rx_ring_dma);
	nic_write_ring(nic, NIC_REG_TX_RING_LO, nic->tx_ring_dma);
	/* every RX descriptor but one: a full ring and an empty one must differ */
	writel(NIC_RING_SIZE - 1, (u8 __iomem *)regs + NIC_REG_RX_TAIL);
	writel(0, (u8 __iomem *)regs + NIC_REG_TX_TAIL);
	writel(NIC_CTRL_ENABLE, (u8 __iomem *)regs + NIC_REG_CTRL);
	dev_set_drvdata(dev, nic);
	dev_info(dev, "rings at %pad (rx) and %pad (tx)\n", &nic->rx_ring_dma, &nic->tx_ring_dma);
	return nic;

out_rx:
	while (i--)
		nic_rx_free(nic, i);
out_rings:
	if (nic->tx_ring)
		dma_pool_free(nic->ring_pool, nic->tx_ring, nic->tx_ring_dma);
	if (nic->rx_ring)
		dma_pool_free(nic->ring_pool, nic->rx_ring, nic->rx_ring_dma);
	dma_pool_destroy(nic->ring_pool);
out_free:
	kfree(nic);
	return ERR_PTR(ret);
}

int nic_xmit(struct nic *nic, const void *frame, size_t len)
{
	unsigned long flags;
	struct nic_tx_buf *tb;
	unsigned int i;
	dma_addr_t dma;
	void *data;

	if (len == 0 || len > NIC_RX_BUF_SIZE)
		return -EINVAL;
	data = kmemdup(frame, len, GFP_ATOMIC);
	if (!data)
		return -ENOMEM;
	dma = dma_map_single(nic->dev, data, len, DMA_TO_DEVICE);
	if (dma_mapping_error(nic->dev, dma)) {
		kfree(data);
		return -ENOMEM;
	}
	spin_lock_irqsave(&nic->tx_lock, flags);
	i = nic->tx_tail;
	if ((i + 1) % NIC_RING_SIZE == nic->tx_head) {
		spin_unlock_irqrestore(&nic->tx_lock, flags);
		dma_unmap_single(nic->dev, dma, len, DMA_TO_DEVICE);
		kfree(data);
		return -EBUSY;
	}
	tb = &nic->tx_buf[i];
	tb->data = data;
	dma_unmap_addr_set(tb, mapping, dma);
	dma_unmap_len_set(tb, len, len);
	nic->tx_ring[i].addr = cpu_to_le64(dma);
	nic->tx_ring[i].len = cpu_to_le16(len);
	nic->tx_ring[i].flags = 0;
	nic->tx_tail = (i + 1) % NIC_RING_SIZE;
	/* the descriptor before the doorbell: writel() orders them */
	writel(nic->tx_tail, (u8 __iomem *)nic->regs + NIC_REG_TX_TAIL);
	spin_unlock_irqrestore(&nic->tx_lock, flags);
	return 0;
}

int nic_tx_clean(struct nic *nic)
{
	unsigned long flags;
	int done = 0;

	spin_lock_irqsave(&nic->tx_lock, flags);
	while (nic->tx_head != nic->tx_tail) {
		unsigned int i = nic->tx_head;
		struct nic_tx_buf *tb = &nic->tx_buf[i];

		if (!(le16_to_cpu(READ_ONCE(nic->tx_ring[i].flags)) & NIC_DESC_DONE))
			break;
		dma_rmb();	/* the status before anything else of the descriptor */
		dma_unmap_single(nic->dev, dma_unmap_addr(tb, mapping), dma_unmap_len(tb, len),
				 DMA_TO_DEVICE);
		kfree(tb->data);
		tb->data = NULL;
		nic->tx_head = (i + 1) % NIC_RING_SIZE;
		done++;
	}
	spin_unlock_irqrestore(&nic->tx_lock, flags);
	return done;
}

int nic_poll(struct nic *nic, int budget,
	     void (*deliver)(void *arg, const void *data, size_t len), void *arg)
{
	int work = 0;

	while (work < budget) {
		unsigned int i = nic->rx_next;
		struct nic_rx_buf *rb = &nic->rx_buf[i];
		dma_addr_t dma = dma_unmap_addr(rb, mapping);
		size_t len;

		if (!(le16_to_cpu(READ_ONCE(nic->rx_ring[i].flags)) & NIC_DESC_DONE))
			break;
		dma_rmb();
		len = le16_to_cpu(nic->rx_ring[i].len);
		if (WARN_ON(len > NIC_RX_BUF_SIZE))
			len = NIC_RX_BUF_SIZE;
		if (len < NIC_COPYBREAK) {
			/* copy it out, and give the same buffer back */
			u8 *copy = kmalloc(len ? len : 1, GFP_ATOMIC);

			dma_sync_single_range_for_cpu(nic->dev, dma, 0, len, DMA_FROM_DEVICE);
			if (copy) {
				memcpy(copy, page_address(rb->page), len);
				deliver(arg, copy, len);
				kfree(copy);
			}
			dma_sync_single_range_for_device(nic->dev, dma, 0, len, DMA_FROM_DEVICE);
			nic->rx_ring[i].flags = 0;
		} else {
			struct page *page = rb->page;

			dma_unmap_page(nic->dev, dma, NIC_RX_BUF_SIZE, DMA_FROM_DEVICE);
			rb->page = NULL;
			deliver(arg, page_address(page), len);
			__free_page(page);
			if (nic_rx_refill(nic, i)) {
				dev_err(nic->dev, "no RX buffer for descriptor %u\n", i);
				break;
			}
		}
		/* the descriptor is the NIC's again: move the tail past it */
		writel(i, (u8 __iomem *)nic->regs + NIC_REG_RX_TAIL);
		nic->rx_next = (i + 1) % NIC_RING_SIZE;
		work++;
	}
	return work;
}

void nic_remove(struct nic *nic)
{
	writel(0, (u8 __iomem *)nic->regs + NIC_REG_CTRL);
	nic_tx_clean(nic);
	/* frames the NIC never sent go unsent */
	while (nic->tx_head != nic->tx_tail) {
		struct nic_tx_buf *tb = &nic->tx_buf[nic->tx_head];

		dma_unmap_single(nic->dev, dma_unmap_addr(tb, mapping), dma_unmap_len(tb, len),
				 DMA_TO_DEVICE);
		kfree(tb->data);
		nic->tx_head = (nic->tx_head + 1) % NIC_RING_SIZE;
	}
	for (unsigned int i = 0; i < NIC_RING_SIZE; i++)
		nic_rx_free(nic, i);
	dma_pool_free(nic->ring_pool, nic->tx_ring, nic->tx_ring_dma);
	dma_pool_free(nic->ring_pool, nic->rx_ring, nic->rx_ring_dma);
	dma_pool_destroy(nic->ring_pool);
	dev_set_drvdata(nic->dev, NULL);
	kfree(nic);
}

MODULE_LICENSE("MIT");
MODULE_DESCRIPTION("Driver of the example NIC");
