/* SPDX-License-Identifier: MIT */
/*
 * Device-managed resources, as the kernel's devres: a resource added to a
 * device is released when the device is removed, in the reverse order of
 * addition, unless the driver released it first. The calls keep the kernel's
 * names and signatures (<linux/device/devres.h>); they are internal here, used
 * by the dmam_*() calls.
 */
#ifndef DMAMAP_SRC_DMA_DEVRES_H
#define DMAMAP_SRC_DMA_DEVRES_H

#include "dma/device.h"

typedef void (*dr_release_t)(struct device *dev, void *res);
typedef int (*dr_match_t)(struct device *dev, void *res, void *match_data);

/* @size bytes of zeroed data for a resource released by @release; NULL without memory. */
void *devres_alloc(dr_release_t release, size_t size, gfp_t gfp);
/* Frees what devres_alloc() returned and was not added. */
void devres_free(void *res);
/* The device now manages @res. */
void devres_add(struct device *dev, void *res);
/*
 * The most recently added resource of @dev with @release for which @match
 * (NULL: any) answers true: removed and freed without being released
 * (devres_destroy()), or released first (devres_release()).
 * Return: 0, or -ENOENT when there is none.
 */
int devres_destroy(struct device *dev, dr_release_t release, dr_match_t match, void *match_data);
int devres_release(struct device *dev, dr_release_t release, dr_match_t match, void *match_data);
/* At removal: every resource released, the last added first. */
void devres_release_all(struct device *dev);

/* At removal, after the managed resources: the pools the driver left (dmapool.c). */
void dma_pools_release_all(struct device *dev);

#endif
