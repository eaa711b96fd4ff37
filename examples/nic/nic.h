/* SPDX-License-Identifier: MIT */
/*
 * A small Ethernet-like NIC: its register file and descriptor format (what
 * the hardware defines), and the driver's entry points.
 *
 * The NIC has one RX and one TX ring of NIC_RING_SIZE descriptors each, in
 * memory the driver allocates; it learns where with the RING registers. The
 * driver hands descriptors to the NIC by moving a TAIL register; the NIC
 * writes back the length and sets NIC_DESC_DONE when it has used one, in
 * ring order.
 */
#ifndef NIC_H
#define NIC_H

#include <linux/types.h>

#define NIC_RING_SIZE		16
#define NIC_RX_BUF_SIZE		4096	/* one page per RX buffer */
#define NIC_COPYBREAK		256	/* smaller frames are copied, the buffer reused */

/* registers, 32 bits each, little endian */
#define NIC_REG_CTRL		0x00	/* NIC_CTRL_* */
#define NIC_REG_RX_RING_LO	0x10
#define NIC_REG_RX_RING_HI	0x14
#define NIC_REG_RX_TAIL		0x18	/* one past the last RX descriptor the NIC may fill */
#define NIC_REG_TX_RING_LO	0x20
#define NIC_REG_TX_RING_HI	0x24
#define NIC_REG_TX_TAIL		0x28	/* one past the last TX descriptor to send */
#define NIC_REGS_SIZE		0x1000

#define NIC_CTRL_ENABLE		(1u << 0)

struct nic_desc {
	__le64 addr;		/* DMA address of the buffer */
	__le16 len;		/* TX: bytes to send; RX: written by the NIC */
	__le16 flags;		/* NIC_DESC_* */
	__le32 reserved;
};

#define NIC_DESC_DONE		(1u << 0)	/* set by the NIC when the descriptor is used */

/* --- the driver's entry points (nic.c) --- */

struct nic;

/* Brings the NIC up behind @dev, with its registers at @regs. ERR_PTR on failure. */
struct nic *nic_probe(struct device *dev, void __iomem *regs);
void nic_remove(struct nic *nic);

/* Queues one frame for sending: 0, -EBUSY (ring full), -ENOMEM. */
int nic_xmit(struct nic *nic, const void *frame, size_t len);
/* Reaps sent frames: how many. */
int nic_tx_clean(struct nic *nic);

/*
 * Receives up to @budget frames; each is handed to @deliver (the network
 * stack), which owns neither the data nor the page after it returns.
 * Return: frames received.
 */
int nic_poll(struct nic *nic, int budget,
	     void (*deliver)(void *arg, const void *data, size_t len), void *arg);

#endif /* NIC_H */
