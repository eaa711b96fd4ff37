/* SPDX-License-Identifier: MIT */
/* <linux/scatterlist.h>: dmamap's scatterlists, with the kernel's calls. */
#ifndef DMAMAP_LINUX_SCATTERLIST_H
#define DMAMAP_LINUX_SCATTERLIST_H

#include <dmamap/scatterlist.h>
#include <linux/mm.h>

#endif /* DMAMAP_LINUX_SCATTERLIST_H */
