// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: one op sequence per input (fuzz/ops.c) on one machine
 * kept across inputs, whose counts must be back to their start after each.
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dmamap_machine *m;
static struct fuzz_devs fd;
static struct dmamap_stats base;
static struct fuzz_counts counts;
static unsigned long long runs;

static void summary(void)
{
	fprintf(stderr, "fuzz-ops: %llu inputs, %llu operations, %llu bytes checked\n", runs,
		(unsigned long long)counts.ops, (unsigned long long)counts.bytes_checked);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	m = fuzz_machine();
	fuzz_devs_create(m, &fd, "");
	fuzz_baseline(m, &fd, 1, &base);
	atexit(summary);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmamap_stats before;
	u64 faults = counts.iommu_faults;

	dmamap_machine_stats(m, &before);
	fuzz_run(m, &fd, data, size, &counts);
	fuzz_check_faults(m, &before, counts.iommu_faults - faults);
	/* the lazy domain's queued invalidations hold their IOVA until a flush */
	iommu_flush_iotlb_all(fd.dl);
	fuzz_check_baseline(m, &fd, 1, &base);
	runs++;
	return 0;
}
