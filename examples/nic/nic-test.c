// SPDX-License-Identifier: MIT
/*
 * The test harness of the NIC driver (nic.c): the machine, the NIC's
 * hardware as a bus master (its register file is an MMIO region of the
 * machine; it reads and writes descriptors and frames with dmamap_bus_*),
 * and the traffic. The driver itself sees only <linux/...> headers.
 *
 * The same traffic runs on four machines: coherent; non-coherent (ARM-like
 * caches); non-coherent with the NIC behind an IOMMU in lazy mode; and RAM
 * above 4 GiB with the 32-bit NIC bouncing through swiotlb. Every frame
 * must arrive intact both ways, nothing may leak, and the driver and the
 * debugger (when DMAMAP_DEBUG is set) must have nothing to report.
 */
#include <dmamap/dmamap.h>
#include <dmamap/debug.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic.h"

#define NIC_MMIO_BASE	0x40000000ULL

/* --- the NIC's hardware ------------------------------------------------------- */

struct nic_hw {
	struct device *dev;
	u32 *regs;
	unsigned int rx_head, tx_head;
	unsigned long faults;
};

static u64 reg64(const struct nic_hw *hw, unsigned int lo)
{
	return hw->regs[lo / 4] | (u64)hw->regs[lo / 4 + 1] << 32;
}

static bool desc_io(struct nic_hw *hw, u64 ring, unsigned int i, struct nic_desc *d, bool write)
{
	dma_addr_t at = ring + i * sizeof(*d);
	int ret = write ? dmamap_bus_write(hw->dev, at, d, sizeof(*d), NULL)
			: dmamap_bus_read(hw->dev, at, d, sizeof(*d), NULL);

	if (ret)
		hw->faults++;
	return ret == 0;
}

/* A frame arrives from the wire: into the next RX buffer the driver gave, if any. */
static bool hw_receive(struct nic_hw *hw, const void *frame, size_t len)
{
	u64 ring = reg64(hw, NIC_REG_RX_RING_LO);
	struct nic_desc d;

	if (!(hw->regs[NIC_REG_CTRL / 4] & NIC_CTRL_ENABLE) ||
	    hw->rx_head == __atomic_load_n(&hw->regs[NIC_REG_RX_TAIL / 4], __ATOMIC_ACQUIRE))
		return false;			/* no buffer: dropped */
	if (!desc_io(hw, ring, hw->rx_head, &d, false))
		return false;
	if (dmamap_bus_write(hw->dev, d.addr, frame, len, NULL)) {
		hw->faults++;
		return false;
	}
	d.len = (u16)len;
	d.flags = NIC_DESC_DONE;
	desc_io(hw, ring, hw->rx_head, &d, true);
	hw->rx_head = (hw->rx_head + 1) % NIC_RING_SIZE;
	return true;
}

/* Sends what the driver queued: each frame read from memory and checked against @expect. */
static unsigned int hw_transmit(struct nic_hw *hw, u8 (*expect)[NIC_RX_BUF_SIZE], size_t *lens,
				unsigned int *next, unsigned long *bad)
{
	u64 ring = reg64(hw, NIC_REG_TX_RING_LO);
	unsigned int sent = 0;
	static u8 frame[NIC_RX_BUF_SIZE];

	while (hw->tx_head != __atomic_load_n(&hw->regs[NIC_REG_TX_TAIL / 4], __ATOMIC_ACQUIRE)) {
		struct nic_desc d;

		if (!desc_io(hw, ring, hw->tx_head, &d, false))
			break;
		if (dmamap_bus_read(hw->dev, d.addr, frame, d.len, NULL))
			hw->faults++;
		else if (d.len != lens[*next] || memcmp(frame, expect[*next], d.len))
			(*bad)++;
		(*next)++;
		d.flags = NIC_DESC_DONE;
		desc_io(hw, ring, hw->tx_head, &d, true);
		hw->tx_head = (hw->tx_head + 1) % NIC_RING_SIZE;
		sent++;
	}
	return sent;
}

/* --- the traffic ---------------------------------------------------------------- */

#define FRAMES	300

static u8 rx_frames[FRAMES][NIC_RX_BUF_SIZE];
static size_t rx_lens[FRAMES];

struct stack {
	unsigned int got;
	unsigned long bad;
};

static void deliver(void *arg, const void *data, size_t len)
{
	struct stack *st = arg;

	if (st->got >= FRAMES || len != rx_lens[st->got] || memcmp(data, rx_frames[st->got], len)) {
		st->bad++;
	}
	st->got++;
}

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A "platform device" of the harness, with the struct device embedded, as buses have them. */
struct platform_nic {
	struct device dev;
	int released;
};

static void platform_release(struct device *dev)
{
	container_of(dev, struct platform_nic, dev)->released++;
}

static int run(const char *name, const struct dmamap_machine_config *mc, bool coherent,
	       bool iommu)
{
	struct dmamap_mmio_config rc = { .name = "nic-regs", .base = NIC_MMIO_BASE,
					 .size = NIC_REGS_SIZE };
	struct platform_nic pdev = { .released = 0 };
	struct dmamap_iommu_config ic = { .flush = DMAMAP_IOMMU_LAZY };
	struct dmamap_device_config dc = { .coherent = coherent };
	struct iommu_domain *dom = NULL;
	struct dmamap_mmio_region *r;
	struct dmamap_stats st0, st1;
	struct dmamap_machine *m;
	struct stack stack = { 0 };
	struct nic_hw hw = { 0 };
	unsigned long warns = dmamap_warn_count(), errs = dmamap_printk_count(3), bad_tx = 0;
	unsigned int tx_next = 0, sent = 0;
	struct nic *nic;
	u64 seed = 0x9e3779b97f4a7c15ULL;
	int fails = 0;

	if (dmamap_machine_create(mc, &m) || dmamap_mmio_region_create(m, &rc, &r))
		return 1;
	dmamap_machine_stats(m, &st0);
	pdev.dev.init_name = "nic0";
	pdev.dev.release = platform_release;
	if (dmamap_device_register(m, &pdev.dev, &dc))
		return 1;
	if (iommu && (dmamap_iommu_domain_create(m, &ic, &dom) || iommu_attach_device(dom, &pdev.dev)))
		return 1;
	hw.dev = &pdev.dev;
	hw.regs = dmamap_mmio_region_regs(r);

	nic = nic_probe(&pdev.dev, hw.regs);
	if (IS_ERR(nic)) {
		fprintf(stderr, "%s: probe failed: %ld\n", name, PTR_ERR(nic));
		return 1;
	}
	for (int i = 0; i < FRAMES; i++) {
		/* a third of the frames are small enough to be copied */
		rx_lens[i] = i % 3 ? 64 + rnd(&seed) % (NIC_RX_BUF_SIZE - 64) : 14 + rnd(&seed) % 200;
		for (size_t b = 0; b < rx_lens[i]; b++)
			rx_frames[i][b] = (u8)rnd(&seed);
	}
	for (int i = 0; i < FRAMES; i++) {
		while (!hw_receive(&hw, rx_frames[i], rx_lens[i]))
			if (!nic_poll(nic, 8, deliver, &stack))
				break;		/* a driver that gives nothing back: stop */
		if (i % 5 == 4)
			nic_poll(nic, 4, deliver, &stack);
	}
	while (nic_poll(nic, 64, deliver, &stack))
		;
	/* and the other way: the driver sends the same frames */
	for (int i = 0; i < FRAMES; i++) {
		while (nic_xmit(nic, rx_frames[i], rx_lens[i]) == -EBUSY) {
			sent += hw_transmit(&hw, rx_frames, rx_lens, &tx_next, &bad_tx);
			nic_tx_clean(nic);
		}
	}
	sent += hw_transmit(&hw, rx_frames, rx_lens, &tx_next, &bad_tx);
	nic_tx_clean(nic);
	nic_remove(nic);

	if (stack.got != FRAMES || stack.bad || sent != FRAMES || bad_tx || hw.faults) {
		fprintf(stderr, "%s: received %u/%d (%lu bad), sent %u/%d (%lu bad), %lu faults\n",
			name, stack.got, FRAMES, stack.bad, sent, FRAMES, bad_tx, hw.faults);
		fails++;
	}
	if (dmamap_debug_error_count(m) || dmamap_warn_count() != warns ||
	    dmamap_printk_count(3) != errs) {
		fprintf(stderr, "%s: %lu reports, %lu warnings, %lu errors logged\n", name,
			dmamap_debug_error_count(m), dmamap_warn_count() - warns,
			dmamap_printk_count(3) - errs);
		fails++;
	}
	if (dom) {
		iommu_detach_device(dom, &pdev.dev);
		iommu_domain_free(dom);
	}
	dmamap_device_unregister(&pdev.dev);
	dmamap_machine_stats(m, &st1);
	if (st1.pages_free != st0.pages_free || st1.kmalloc_bytes || st1.vmalloc_areas ||
	    st1.iova_pages_used || st1.swiotlb_slots_used || pdev.released != 1) {
		fprintf(stderr, "%s: leaked (%llu pages, %llu kmalloc bytes)\n", name,
			(unsigned long long)(st0.pages_free - st1.pages_free),
			(unsigned long long)st1.kmalloc_bytes);
		fails++;
	}
	dmamap_mmio_region_destroy(r);
	dmamap_machine_destroy(m);
	printf("%-28s %s\n", name, fails ? "FAILED" : "ok");
	return fails;
}

int main(void)
{
	static const struct dmamap_bank high[] = { { 0x80000000ULL, SZ_256M },
						   { 0x100000000ULL, SZ_256M } };
	struct dmamap_machine_config coherent = { .cache = DMAMAP_CACHE_COHERENT };
	struct dmamap_machine_config noncoherent = { .cache = DMAMAP_CACHE_NONCOHERENT };
	struct dmamap_machine_config bounce = { .banks = high, .nr_banks = 2,
						.cache = DMAMAP_CACHE_NONCOHERENT };
	int fails = 0;

	fails += run("coherent", &coherent, true, false);
	fails += run("non-coherent", &noncoherent, false, false);
	fails += run("non-coherent, IOMMU (lazy)", &noncoherent, false, true);
	fails += run("RAM above 4 GiB (swiotlb)", &bounce, false, false);
	return fails ? 1 : 0;
}
