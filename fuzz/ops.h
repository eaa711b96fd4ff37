/* SPDX-License-Identifier: MIT */
/*
 * The op-sequence engine the fuzz targets share: bytes decoded into legal
 * sequences of public DMA API calls on a set of devices, every byte checked
 * against a reference model of what the CPU and each device must see.
 */
#ifndef DMAMAP_FUZZ_OPS_H
#define DMAMAP_FUZZ_OPS_H

#include <dmamap/dmamap.h>
#include <dmamap/dma-buf.h>

#include <stddef.h>
#include <stdint.h>

/* The devices one engine drives: what the issue of reliability asks for. */
struct fuzz_devs {
	struct device *nc;	/* direct, non-coherent, 64-bit */
	struct device *io;	/* behind an IOMMU, strict invalidation */
	struct device *iol;	/* behind an IOMMU, lazy invalidation */
	struct device *d32;	/* direct, 32-bit: RAM above 4 GiB bounces */
	struct iommu_domain *d, *dl;
};

/* The machine the targets use: RAM below and above 4 GiB, non-coherent. */
struct dmamap_machine *fuzz_machine(void);

/* Creates the four devices and their domains on @m (names get @tag). */
void fuzz_devs_create(struct dmamap_machine *m, struct fuzz_devs *fd, const char *tag);
void fuzz_devs_destroy(struct fuzz_devs *fd);

/* Counts of what the engine did, for the targets' summaries. */
struct fuzz_counts {
	uint64_t ops;
	uint64_t bytes_checked;
	uint64_t iommu_faults;	/* the faults the accesses out of range must have made */
};

/*
 * Runs the sequence @data decodes to on @fd, checks every byte it can, and
 * undoes everything it made. Aborts (with a message) on any divergence from
 * the model. Thread-safe when each caller has its own @fd.
 */
void fuzz_run(struct dmamap_machine *m, struct fuzz_devs *fd, const uint8_t *data, size_t size,
	      struct fuzz_counts *counts);

/*
 * The machine's counts that must be back to where they were after a run
 * (free pages with the page-table pages of the @n device sets' domains
 * counted as free).
 */
void fuzz_baseline(struct dmamap_machine *m, const struct fuzz_devs *fd, int n,
		   struct dmamap_stats *b);
void fuzz_check_baseline(struct dmamap_machine *m, const struct fuzz_devs *fd, int n,
			 const struct dmamap_stats *base);
/* After every run: no debugger report, and the IOMMU faults the runs made. */
void fuzz_check_faults(struct dmamap_machine *m, const struct dmamap_stats *before,
		       uint64_t faults);

#endif
