/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_TOOLS_DEMO_H
#define DMAMAP_TOOLS_DEMO_H

#include <dmamap/dmamap.h>
#include <stdio.h>

struct demo_options {
	const char *prog;	/* what error messages start with */
	FILE *out;		/* the text */
	FILE *svg;		/* NULL: no picture */
	FILE *trace;		/* NULL: no trace */
};

struct demo;

/* The built-in machine: an ARM-like SoC. */
extern const struct dmamap_machine_config demo_soc_config;

/* Runs the demo; 0 if every check passed. The outputs are written, not closed. */
int demo_run(const struct demo_options *opt);
int demo_write_svg(struct demo *d, FILE *f);
int demo_write_trace(struct demo *d, FILE *f);

#endif
