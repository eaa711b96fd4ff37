/* SPDX-License-Identifier: MIT */
/* <linux/sizes.h>: SZ_1K .. SZ_4G are dmamap's. */
#ifndef DMAMAP_LINUX_SIZES_H
#define DMAMAP_LINUX_SIZES_H

#include <dmamap/types.h>

#define SZ_8G	0x200000000ULL
#define SZ_16G	0x400000000ULL
#define SZ_32G	0x800000000ULL

#endif /* DMAMAP_LINUX_SIZES_H */
