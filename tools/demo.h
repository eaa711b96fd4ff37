/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_TOOLS_DEMO_H
#define DMAMAP_TOOLS_DEMO_H

#include <dmamap/dmamap.h>
#include <stdio.h>

struct demo_options {
	const char *prog;	/* what error messages start with */
	FILE *out;		/* the text */
	FILE *svg;		/* NULL: no picture */
	const char *trace_path;	/* NULL: no trace; "-": standard output */
};

/* What demo_run() returns besides 0: the command's exit statuses. */
enum { DEMO_FAILED = 1, DEMO_USAGE = 2 };

struct demo;

/* The built-in machine: an ARM-like SoC. */
extern const struct dmamap_machine_config demo_soc_config;

/*
 * Runs the demo: 0 if every check passed. The picture (the library's
 * dmamap_svg_memory_map(), drawn in step 5) is written, not closed; the trace is the library's (dmamap_trace_open()), opened before
 * the demo does anything: DEMO_USAGE if it cannot be.
 */
int demo_run(const struct demo_options *opt);

#endif
