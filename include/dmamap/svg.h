/* SPDX-License-Identifier: MIT */
/*
 * Pictures of a machine, for people: where each live buffer lies in physical
 * memory and in the DMA address space of each device, as SVG.
 */
#ifndef DMAMAP_SVG_H
#define DMAMAP_SVG_H

#include <stdio.h>

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;

/**
 * struct dmamap_svg_options - how dmamap_svg_memory_map() draws
 * @title: the picture's heading; NULL: "Memory map"
 */
struct dmamap_svg_options {
	const char *title;
};

/**
 * dmamap_svg_memory_map - draw a machine's live buffers as SVG
 * @m: the machine
 * @out: where the SVG document goes (written, not closed)
 * @opt: NULL for the defaults
 *
 * Draws one lane per address space, and each live buffer in every lane it
 * appears in, in one colour and with one label ("#3") throughout:
 *
 * - physical memory, bank by bank: the axis breaks between banks (a hole
 *   is never drawn to scale) and between the clusters of buffers inside a
 *   bank, the free space in between said in words; a cluster is drawn in
 *   rows of 256 cells of a page each (coarser only for clusters of more
 *   than 32 MiB), so that a buffer scattered page by page shows every page,
 *   and a 1 MiB buffer is as visible in an 8 GiB bank as in a small one;
 * - each IOMMU domain's IOVA space, read from its page tables, named after
 *   the devices attached to it;
 * - each device without an IOMMU: its DMA addresses (physical address less
 *   its DMA offset), with the offset and the limit of its DMA mask;
 * - the swiotlb pool's slots in use, in the colour of the buffer bounced.
 *
 * A buffer is a live coherent allocation (dma_alloc_attrs() and the calls
 * built on it: its label names the device, DMA address, size and
 * attributes), or memory mapped through an IOMMU or bounced that no
 * allocation holds. Streaming mappings of devices without an IOMMU leave
 * no state in the model to read them back from: they are drawn from the
 * debugger's records when the machine keeps them (DMAMAP_DEBUG_API). A
 * legend lists every buffer with where it is in each lane.
 *
 * The SVG's elements carry what a program needs to check them: each lane is
 * a <g class="lane" data-lane="NAME">, each buffer in it one
 * <path class="buffer" data-buffer="N">, its label a
 * <text class="label" data-buffer="N">, a break between banks a
 * <g class="bank-break">.
 *
 * Context: not to race with calls that map, unmap, allocate or free on
 * @m's devices.
 * Return: 0; -EINVAL (@m or @out NULL); -ENOMEM; -EIO (writing @out failed).
 */
DMAMAP_API int dmamap_svg_memory_map(struct dmamap_machine *m, FILE *out,
				     const struct dmamap_svg_options *opt);

#ifdef __cplusplus
}
#endif

#endif
