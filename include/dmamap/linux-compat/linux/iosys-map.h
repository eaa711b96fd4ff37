/* SPDX-License-Identifier: MIT */
/* <linux/iosys-map.h>: dmamap's, with the kernel's helpers. */
#ifndef DMAMAP_LINUX_IOSYS_MAP_H
#define DMAMAP_LINUX_IOSYS_MAP_H

#include <dmamap/iosys-map.h>
#include <linux/types.h>

#endif /* DMAMAP_LINUX_IOSYS_MAP_H */
