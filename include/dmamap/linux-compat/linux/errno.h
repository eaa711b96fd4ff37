/* SPDX-License-Identifier: MIT */
/*
 * <linux/errno.h>: the system's errno values (the C library includes this
 * name for them) and the kernel-internal ones drivers return.
 */
#ifndef DMAMAP_LINUX_ERRNO_H
#define DMAMAP_LINUX_ERRNO_H

#include <asm/errno.h>

#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ENOIOCTLCMD		515
#define EPROBE_DEFER		517
#define EOPENSTALE		518
#define ENOPARAM		519
#define EBADHANDLE		521
#define ENOTSYNC		522
#define EBADCOOKIE		523
#define ENOTSUPP		524
#define ETOOSMALL		525
#define ESERVERFAULT		526
#define EBADTYPE		527
#define EJUKEBOX		528
#define EIOCBQUEUED		529
#define ERECALLCONFLICT		530

#endif /* DMAMAP_LINUX_ERRNO_H */
