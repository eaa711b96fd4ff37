/* SPDX-License-Identifier: MIT */
/* <linux/iommu.h>: the IOMMU API dmamap has (domains, map/unmap, faults), kernel-named. */
#ifndef DMAMAP_LINUX_IOMMU_H
#define DMAMAP_LINUX_IOMMU_H

#include <dmamap/iommu.h>
#include <linux/device.h>

#endif /* DMAMAP_LINUX_IOMMU_H */
