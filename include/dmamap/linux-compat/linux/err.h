/* SPDX-License-Identifier: MIT */
/* <linux/err.h>: error pointers (ERR_PTR() and co. are dmamap's). */
#ifndef DMAMAP_LINUX_ERR_H
#define DMAMAP_LINUX_ERR_H

#include <linux/types.h>
#include <linux/errno.h>

static inline int PTR_ERR_OR_ZERO(const void *ptr)
{
	return IS_ERR(ptr) ? (int)PTR_ERR(ptr) : 0;
}

#endif /* DMAMAP_LINUX_ERR_H */
