/* SPDX-License-Identifier: MIT */
/*
 * A video capture engine and a display engine that scans frames out: their
 * register files (what the hardware defines) and their drivers' entry
 * points.
 *
 * The capture engine writes one frame into a buffer that must be
 * contiguous in its DMA address space: it is given one address and a size.
 * The display engine reads a frame the same way. Frames go from one to the
 * other without a copy: the capture driver exports its buffers as dma-bufs,
 * the display driver imports them.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <linux/types.h>

struct device;
struct dma_buf;

/* capture engine registers, 32 bits each */
#define CAP_REG_CTRL		0x00	/* write CAP_CTRL_START: capture one frame */
#define CAP_REG_STATUS		0x04	/* CAP_STATUS_DONE; the driver writes 0 to take it */
#define CAP_REG_SEQ		0x08	/* sequence number of the last frame captured */
#define CAP_REG_BUF_LO		0x10
#define CAP_REG_BUF_HI		0x14
#define CAP_REG_BUF_SIZE	0x18
#define CAP_REGS_SIZE		0x1000

#define CAP_CTRL_START		(1u << 0)
#define CAP_STATUS_DONE		(1u << 0)

/* display engine registers, 32 bits each */
#define DISP_REG_CTRL		0x00	/* write DISP_CTRL_SCANOUT: read one frame */
#define DISP_REG_FB_LO		0x10
#define DISP_REG_FB_HI		0x14
#define DISP_REG_FB_SIZE	0x18
#define DISP_REGS_SIZE		0x1000

#define DISP_CTRL_SCANOUT	(1u << 0)

/* --- the capture driver (capture.c): the exporter --- */

struct capture;
struct capture_buf;

/* Brings the engine up behind @dev, registers at @regs. ERR_PTR on failure. */
struct capture *capture_probe(struct device *dev, void __iomem *regs);
void capture_remove(struct capture *cap);

/*
 * A frame buffer of @size bytes. The CPU never touches frames, so it has
 * no kernel mapping (DMA_ATTR_NO_KERNEL_MAPPING); @attrs are added to the
 * allocation. ERR_PTR on failure.
 */
struct capture_buf *capture_buf_alloc(struct capture *cap, size_t size, unsigned long attrs);
/* Drops the caller's reference; the memory goes with the last user. */
void capture_buf_put(struct capture_buf *buf);
/* A dma-buf of @buf for another device or for user space. ERR_PTR on failure. */
struct dma_buf *capture_buf_export(struct capture_buf *buf);

/* Starts the capture of one frame into @buf: 0, -EBUSY (one under way). */
int capture_start(struct capture *cap, struct capture_buf *buf);
/* The sequence number of the frame just completed, or -EAGAIN (not yet). */
int capture_done(struct capture *cap);

/* --- the display driver (display.c): the importer --- */

struct display;
struct display_fb;

struct display *display_probe(struct device *dev, void __iomem *regs);
void display_remove(struct display *disp);

/*
 * A frame buffer made of @dmabuf: attached, mapped for reading and checked
 * to be contiguous in the display's DMA address space (the engine takes
 * one address). ERR_PTR(-EINVAL) when it is not, or another error.
 */
struct display_fb *display_fb_import(struct display *disp, struct dma_buf *dmabuf);
void display_fb_release(struct display_fb *fb);
/* Scans @fb out once. */
void display_scanout(struct display *disp, struct display_fb *fb);

#endif /* CAPTURE_H */
