/* SPDX-License-Identifier: MIT */
/* <linux/container_of.h>: container_of() is dmamap's. */
#ifndef DMAMAP_LINUX_CONTAINER_OF_H
#define DMAMAP_LINUX_CONTAINER_OF_H

#include <dmamap/types.h>

#endif /* DMAMAP_LINUX_CONTAINER_OF_H */
