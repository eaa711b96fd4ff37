/* SPDX-License-Identifier: MIT */
/* <linux/io.h>: virt_to_phys() and co. are in <linux/mm.h>. */
#ifndef DMAMAP_LINUX_IO_H
#define DMAMAP_LINUX_IO_H

#include <linux/mm.h>

#endif /* DMAMAP_LINUX_IO_H */
