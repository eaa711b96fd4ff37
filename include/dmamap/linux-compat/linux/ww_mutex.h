/* SPDX-License-Identifier: MIT */
/* <linux/ww_mutex.h>: the w/w mutex of reservation objects (<dmamap/dma-resv.h>). */
#ifndef DMAMAP_LINUX_WW_MUTEX_H
#define DMAMAP_LINUX_WW_MUTEX_H

#include <dmamap/dma-resv.h>

#endif /* DMAMAP_LINUX_WW_MUTEX_H */
