/* SPDX-License-Identifier: MIT */
/* <linux/vmalloc.h>: vmap() and vunmap() are dmamap's. */
#ifndef DMAMAP_LINUX_VMALLOC_H
#define DMAMAP_LINUX_VMALLOC_H

#include <linux/mm.h>

#endif /* DMAMAP_LINUX_VMALLOC_H */
