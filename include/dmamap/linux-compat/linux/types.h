/* SPDX-License-Identifier: MIT */
/*
 * <linux/types.h>: the kernel's fixed-width and address types, from
 * dmamap's. The user-space ABI names (__u32, __le16...) come from the
 * system's <asm/types.h>, so system headers that include <linux/types.h>
 * get what they expect from this one too.
 */
#ifndef DMAMAP_LINUX_TYPES_H
#define DMAMAP_LINUX_TYPES_H

#include <asm/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <dmamap/types.h>
#include <linux/compiler.h>

#ifndef __bitwise
#define __bitwise
#endif
typedef __u16 __bitwise __le16;
typedef __u16 __bitwise __be16;
typedef __u32 __bitwise __le32;
typedef __u32 __bitwise __be32;
typedef __u64 __bitwise __le64;
typedef __u64 __bitwise __be64;
typedef __u16 __bitwise __sum16;
typedef __u32 __bitwise __wsum;
typedef unsigned int __bitwise __poll_t;

typedef unsigned long ulong;
typedef unsigned long resource_size_t;
typedef int atomic_int_t;

/* atomic_t and atomic64_t: the counter is read and written with atomics (<linux/atomic.h>). */
typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

#endif /* DMAMAP_LINUX_TYPES_H */
