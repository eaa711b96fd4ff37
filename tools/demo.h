/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_TOOLS_DEMO_H
#define DMAMAP_TOOLS_DEMO_H

#include <dmamap/dmamap.h>

struct demo_options {
	const char *svg_file;	/* NULL: no picture */
	const char *trace_file;	/* NULL: no trace */
};

struct demo;

/* The built-in machine: an ARM-like SoC. */
extern const struct dmamap_machine_config demo_soc_config;

/* Runs the demo; 0 if every check passed. */
int demo_run(const struct demo_options *opt);
int demo_write_svg(struct demo *d, const char *path);
int demo_write_trace(struct demo *d, const char *path);

#endif
