/* SPDX-License-Identifier: MIT */
/*
 * The benchmark harness. Each benchmark measures samples (ns per operation,
 * or another unit), reports median, p10 and p90, and a floor measured in
 * the same run (a memcpy of the same bytes, a host mmap, a plain bitmap
 * allocator) so that the ratio to the floor, not the absolute time, is what
 * is compared between machines and runs.
 *
 * A benchmark file registers its cases with BENCH_CASE(); nothing else has
 * to know about it.
 */
#ifndef DMAMAP_BENCH_BENCH_H
#define DMAMAP_BENCH_BENCH_H

#include <dmamap/dmamap.h>
#include <stdio.h>

#include "cli.h"

enum bench_goal {
	BENCH_GOAL_NONE,
	BENCH_GOAL_MAX,		/* median must be <= target */
	BENCH_GOAL_MIN,		/* median must be >= target */
};

struct bench_ctx {
	double scale;		/* multiplies iteration counts; 1.0 normal */
};

struct bench_result {
	const char *unit;		/* "ns", "us", "ratio", "GB/s", "%" ... */
	double median, p10, p90;
	u64 iterations;			/* operations measured in all */
	const char *floor_name;		/* NULL: no floor */
	const char *floor_unit;
	double floor_median;
	double ratio;			/* median / floor_median (set by the harness) */
	enum bench_goal goal;
	double target;			/* in @unit */
	char note[160];			/* anything else measured (counts, syscalls) */
};

struct bench_case {
	const char *name;
	const char *desc;
	/* 0, or a negative errno: the benchmark could not run */
	int (*run)(const struct bench_ctx *ctx, struct bench_result *r);
	struct bench_case *next;
};

void bench_register(struct bench_case *c);

#define BENCH_CASE(ident, bname, bdesc, fn)					\
	static struct bench_case ident = { .name = bname, .desc = bdesc, .run = fn }; \
	__attribute__((constructor)) static void ident##_register(void)		\
	{									\
		bench_register(&ident);						\
	}

/* Monotonic nanoseconds. */
u64 bench_now_ns(void);

/* Iterations scaled by the context, at least @min. */
u64 bench_iters(const struct bench_ctx *ctx, u64 base, u64 min);

/*
 * Keeps the processor busy for 30 ms (scaled down with the context) before
 * a timed loop. Every case calls it between its setup and its first sample:
 * on a virtual machine the first milliseconds after a setup of system
 * calls and page faults ran up to 1.4x slower than the rest, while the
 * processor's clock and the host's scheduling settled.
 */
void bench_warmup(const struct bench_ctx *ctx);

/* median/p10/p90 of @n samples (sorts them). */
void bench_summarise(double *samples, size_t n, double *median, double *p10, double *p90);
/* Fills r->median/p10/p90 from samples (sorts them). */
void bench_set_samples(struct bench_result *r, double *samples, size_t n, const char *unit);

/* Host calls the machine made so far (mmap, munmap, madvise). */
u64 bench_host_calls(struct dmamap_machine *m);

/*
 * Fills @r from time samples (ns) of work the CPU would do in @floor_ns: as
 * percent of the floor's bandwidth (goal: at least r->target, set by the caller).
 */
void bench_set_bandwidth(struct bench_result *r, double *samples, size_t n, double floor_ns,
			 const char *floor_name);

/* Floors, each measured now: median ns. */
double bench_floor_memcpy_ns(const struct bench_ctx *ctx, size_t bytes);
double bench_floor_mmap_ns(const struct bench_ctx *ctx);
double bench_floor_bitmap_ns(const struct bench_ctx *ctx);

/*
 * Fragments @m's free memory: takes every free frame one by one, then gives
 * back all but those whose index i (in allocation order) has i % @period ==
 * @period - 1. With @period 2 no two free frames are adjacent; with 4 the
 * free memory is runs of three frames. Returns the frames kept (free them
 * with bench_unfragment()), or NULL.
 */
struct page **bench_fragment(struct dmamap_machine *m, unsigned int period, size_t *nr_kept);
void bench_unfragment(struct page **kept, size_t nr_kept);

/* Keeps the compiler from dropping a computation. */
static inline void bench_keep(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* The command: [--json FILE] [--filter NAME] [--scale X] [--check] [--list]. */
extern const struct cli_command bench_command;
/* Runs bench_command on @argv (argv[0] is the command's name). */
int bench_main(int argc, char **argv, const char *prog);

#endif
