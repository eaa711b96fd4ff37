// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for ThreadSanitizer: one machine, THREADS threads, each
 * with devices and domains of its own, running the op sequences of its
 * slice of the input (fuzz/ops.c) at the same time: the machine's shared
 * state (page allocator, VA window, swiotlb, kmalloc, cache snapshots, the
 * IOMMU's tables of different domains) under concurrent use, every byte
 * still checked, and the machine's counts back at their start after all.
 */
#include "ops.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS	3

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dmamap_machine *m;
static struct fuzz_devs fd[THREADS];
static struct dmamap_stats base;
static struct fuzz_counts total;
static unsigned long long runs;

struct slice {
	struct fuzz_devs *fd;
	const uint8_t *data;
	size_t size;
	struct fuzz_counts counts;
};

static void summary(void)
{
	fprintf(stderr, "fuzz-threads: %llu inputs, %llu operations in %d threads, "
		"%llu bytes checked\n", runs, (unsigned long long)total.ops, THREADS,
		(unsigned long long)total.bytes_checked);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	m = fuzz_machine();
	for (int t = 0; t < THREADS; t++) {
		char tag[8];

		snprintf(tag, sizeof(tag), "-%d", t);
		fuzz_devs_create(m, &fd[t], tag);
	}
	fuzz_baseline(m, fd, THREADS, &base);
	atexit(summary);
	return 0;
}

static void *run(void *arg)
{
	struct slice *s = arg;

	fuzz_run(m, s->fd, s->data, s->size, &s->counts);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slice s[THREADS];
	pthread_t th[THREADS];
	struct dmamap_stats before;
	size_t per = size / THREADS;
	u64 faults = 0;
	int t;

	dmamap_machine_stats(m, &before);
	for (t = 0; t < THREADS; t++) {
		s[t] = (struct slice){ .fd = &fd[t], .data = data + per * (size_t)t,
				       .size = t == THREADS - 1 ? size - per * (size_t)t : per };
		if (pthread_create(&th[t], NULL, run, &s[t]))
			abort();
	}
	for (t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		total.ops += s[t].counts.ops;
		total.bytes_checked += s[t].counts.bytes_checked;
		faults += s[t].counts.iommu_faults;
	}
	fuzz_check_faults(m, &before, faults);
	for (t = 0; t < THREADS; t++)
		iommu_flush_iotlb_all(fd[t].dl);
	fuzz_check_baseline(m, fd, THREADS, &base);
	runs++;
	return 0;
}
