/* SPDX-License-Identifier: MIT */
/* struct device as the library's modules see it. */
#ifndef DMAMAP_SRC_DMA_DEVICE_H
#define DMAMAP_SRC_DMA_DEVICE_H

#include <dmamap/dma-map-ops.h>

#include "mm/mm.h"

struct iommu_domain;
struct dmamap_iotlb;

struct device_dma_parameters {
	unsigned int max_segment_size;
	unsigned long segment_boundary_mask;
};

struct device {
	struct dmamap_machine *machine;		/* read-only */
	char name[48];				/* read-only */
	unsigned int id;			/* read-only */
	u64 dma_mask_storage;
	u64 *dma_mask;				/* points at dma_mask_storage */
	u64 coherent_dma_mask;
	bool dma_coherent;			/* read-only */
	u64 dma_offset;				/* read-only: dma = phys - dma_offset */
	struct device_dma_parameters dma_parms;
	/*
	 * The ops in force: the direct ops, the IOMMU ops while attached to a
	 * DMA domain, or what set_dma_ops() installed. Changed only by attach,
	 * detach and set_dma_ops, which the caller must not race with DMA calls
	 * on the device, as in the kernel.
	 */
	const struct dma_map_ops *dma_ops;
	const struct dma_map_ops *user_ops;	/* set_dma_ops(), or NULL */
	struct iommu_domain *domain;		/* attached domain, or NULL */
	struct dmamap_iotlb *iotlb;		/* the device's IOTLB, or NULL */
	struct list_head node;			/* machine->devices, under machine->lock */
};

static inline phys_addr_t dma_to_phys(const struct device *dev, dma_addr_t dma)
{
	return dma + dev->dma_offset;
}

static inline dma_addr_t phys_to_dma(const struct device *dev, phys_addr_t phys)
{
	return phys - dev->dma_offset;
}

/* The ops a device gets when nothing else applies: direct.c (NULL until it exists). */
extern const struct dma_map_ops dma_direct_ops;

/* The ops the model chooses for @dev now (domain, user ops, direct). */
void dmamap_device_update_ops(struct device *dev);

/* Called by dmamap_machine_destroy(). */
void dmamap_devices_destroy_all(struct dmamap_machine *m);

/* Count and report a misuse of the API by a driver. */
void dma_report_misuse(struct device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
