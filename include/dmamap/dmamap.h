/* SPDX-License-Identifier: MIT */
/*
 * dmamap: the Linux DMA-mapping subsystem on a modelled machine.
 *
 * Threads: what may run concurrently is said in each header's top comment;
 * docs/concurrency.md lists the library's locks, their order and its
 * lock-free protocols.
 */
#ifndef DMAMAP_DMAMAP_H
#define DMAMAP_DMAMAP_H

#include <dmamap/types.h>
#include <dmamap/machine.h>
#include <dmamap/mmio.h>
#include <dmamap/mm.h>
#include <dmamap/device.h>
#include <dmamap/scatterlist.h>
#include <dmamap/dma-mapping.h>
#include <dmamap/dmapool.h>
#include <dmamap/bus.h>
#include <dmamap/iommu.h>
#include <dmamap/dma-buf.h>
#include <dmamap/trace.h>
#include <dmamap/printk.h>
#include <dmamap/dma-resv.h>
#include <dmamap/iosys-map.h>
#include <dmamap/svg.h>
#include <dmamap/debug.h>
#include <dmamap/fault-inject.h>

#define DMAMAP_VERSION_MAJOR 0
#define DMAMAP_VERSION_MINOR 1
#define DMAMAP_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

/**
 * dmamap_version - the version of the library actually linked
 *
 * Return: "major.minor.patch", which may differ from DMAMAP_VERSION_MAJOR and
 * friends of the headers a program was built with.
 */
DMAMAP_API const char *dmamap_version(void);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMAMAP_H */
