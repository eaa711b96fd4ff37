/* SPDX-License-Identifier: MIT */
/*
 * Pictures for people, as SVG: where each live buffer of a machine lies in
 * physical memory and in the DMA address space of each device; measurements
 * as bars against their floor and target (what 'dmamap bench --svg' draws).
 *
 * Threads: dmamap_svg_memory_map() reads a machine's state without stopping
 * its other threads, so it is not to race calls that map, unmap, allocate or
 * free on that machine; dmamap_svg_bars() touches only its arguments.
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

/**
 * enum dmamap_svg_goal - which side of its target a bar has to end on
 * @DMAMAP_SVG_NO_TARGET: the bar has no target; &dmamap_svg_bar.target is
 *                        not read
 * @DMAMAP_SVG_AT_MOST: the target is met when the value is at most the
 *                      target (a time, a ratio to the floor)
 * @DMAMAP_SVG_AT_LEAST: the target is met when the value is at least the
 *                       target (a bandwidth, a share of the floor's)
 */
enum dmamap_svg_goal {
	DMAMAP_SVG_NO_TARGET,
	DMAMAP_SVG_AT_MOST,
	DMAMAP_SVG_AT_LEAST,
};

/**
 * struct dmamap_svg_bar - one measurement for dmamap_svg_bars()
 * @name: what was measured: the row's label; neither NULL nor empty
 * @unit: the unit of @value, @low, @high, @floor and @target ("ns", "%");
 *        NULL or "" for none
 * @value: the measurement (a median): the bar's length from 0, finite and
 *         not negative; NAN when there is none (the row then shows @note,
 *         or "no result", in red instead of a bar)
 * @low: where the spread of the samples begins (their 10th percentile):
 *       finite and not negative, or NAN with @high; @low and @high both 0
 *       or both NAN for no spread
 * @high: where the spread ends (90th percentile): at least @low
 * @floor: the physical cost of the same work measured in the same run, as
 *         a point on the bar's axis (in @unit): finite and not negative; 0
 *         or NAN for none
 * @floor_name: what the floor is ("memcpy 4096 B"), said beside the bar;
 *              NULL for nothing
 * @goal: which side of @target the value has to be on
 * @target: what the value has to reach, in @unit; finite and not negative
 *          unless @goal is %DMAMAP_SVG_NO_TARGET
 * @note: one more line under the bar (counts, what else was measured), or
 *        why there is no @value; NULL for none
 */
struct dmamap_svg_bar {
	const char *name;
	const char *unit;
	double value;
	double low, high;
	double floor;
	const char *floor_name;
	enum dmamap_svg_goal goal;
	double target;
	const char *note;
};

/**
 * dmamap_svg_bars - draw measurements as bars against their floor and target
 * @out: where the SVG document goes (written, not closed)
 * @title: the picture's heading; NULL: "Measurements"
 * @bars: the measurements (&struct dmamap_svg_bar), one row each, in this
 *        order
 * @n: how many; at least 1
 *
 * Each row has an axis of its own from 0 (the units of the rows differ)
 * that ends a quarter beyond the largest of its value, floor and target: the
 * value is a bar (green when it meets its target, red when it misses it,
 * blue when it has none), the spread of the samples a whisker over it (with
 * an arrow head where it goes on past the axis), the floor a grey line
 * marked "floor", the target a dashed line marked "target". Beside the bar,
 * the value with its unit and its ratio to the floor, then the target and
 * whether it was met, and the floor's name; under the bar, the note. A line
 * under the heading says what the shapes mean. A bar zeroed but for its
 * name and value is a plain bar: no spread, floor or target.
 *
 * The SVG's elements carry what a program needs to check them: each row is
 * a <g class="row" data-name="NAME">, holding <text class="name">, the bar
 * <rect class="value"> (none when the value is NAN), the whisker
 * <path class="spread">, the floor <path class="floor">, the target
 * <path class="target met"> or <path class="target missed">, and the texts
 * <text class="figures">, <text class="goal"> and <text class="note">. Every
 * string given is escaped for XML.
 *
 * Context: any thread; it reads only @bars and writes only @out.
 * Return: 0; -EINVAL (@out or @bars NULL, @n 0, a bar outside what is said
 * above: nothing is written then); -EIO (writing @out failed).
 */
DMAMAP_API int dmamap_svg_bars(FILE *out, const char *title, const struct dmamap_svg_bar *bars,
			       size_t n);

#ifdef __cplusplus
}
#endif

#endif
