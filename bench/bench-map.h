/* SPDX-License-Identifier: MIT */
/*
 * The streaming map benchmark, after the kernel's dma_map_benchmark
 * (kernel/dma/map_benchmark.c): each thread maps a buffer of @granule pages
 * for its own device and unmaps it again, over and over, timing the map and
 * the unmap of every pair. `dmamap bench map` runs it as the kernel's tool
 * does; the benchmark suite's map and thread cases run it with fixed
 * settings and targets.
 */
#ifndef DMAMAP_BENCH_BENCH_MAP_H
#define DMAMAP_BENCH_BENCH_MAP_H

#include "bench.h"

enum map_bench_device {
	MAP_BENCH_DIRECT,		/* non-coherent device, no IOMMU */
	MAP_BENCH_DIRECT_COHERENT,	/* coherent (snooping) device, no IOMMU */
	MAP_BENCH_IOMMU,		/* non-coherent device behind a strict IOMMU domain */
	MAP_BENCH_IOMMU_LAZY,		/* the same, lazy (flush queue) domain */
	MAP_BENCH_SWIOTLB,		/* non-coherent 32-bit device, buffers above 4 GiB */
};

enum map_bench_layout {
	MAP_BENCH_OWN,			/* one machine, a device (and domain) per thread */
	MAP_BENCH_SHARED_DOMAIN,	/* one machine, a device per thread, one domain */
	MAP_BENCH_SEPARATE_MACHINES,	/* a machine per thread (the floor of scaling) */
};

struct map_bench_config {
	unsigned int threads;		/* 1.. */
	unsigned int granule;		/* pages per mapping */
	enum dma_data_direction dir;
	enum map_bench_device device;
	enum map_bench_layout layout;
	double seconds;			/* measured time (after the warm-up) */
	bool time_each;			/* time every map and unmap (else only the pairs) */
};

struct map_bench_stats {
	u64 pairs;			/* map+unmap pairs measured, all threads */
	double pair_ns;			/* wall time per pair of one thread (median of threads) */
	double pairs_per_sec;		/* all threads together */
	/* with time_each: every map and unmap, all threads */
	double map_avg_ns, map_sd_ns, map_p50_ns, map_p99_ns;
	double unmap_avg_ns, unmap_sd_ns, unmap_p50_ns, unmap_p99_ns;
	u64 host_calls;			/* host mmap/munmap/madvise calls while measuring */
	long faults;			/* host page faults of the threads while measuring */
};

/* Runs it; 0 or a negative errno (the setup failed or a mapping failed). */
int map_bench_run(const struct map_bench_config *cfg, struct map_bench_stats *out);

/* `dmamap bench map`. */
struct cli_command;
extern const struct cli_command bench_map_command;

/* Names for the command line and the output. */
const char *map_bench_device_name(enum map_bench_device d);
const char *map_bench_dir_name(enum dma_data_direction dir);

#endif
