/* SPDX-License-Identifier: MIT */
/*
 * <linux/kernel.h>: the helpers every driver file gets from it (array and
 * alignment arithmetic, min/max, the log), and might_sleep() as nothing:
 * a user-space thread may always sleep.
 */
#ifndef DMAMAP_LINUX_KERNEL_H
#define DMAMAP_LINUX_KERNEL_H

#include <limits.h>

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/bits.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/bug.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#define ALIGN(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define PTR_ALIGN(p, a)		((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define DIV_ROUND_UP_ULL(n, d)	DIV_ROUND_UP((unsigned long long)(n), (unsigned long long)(d))
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y)	((x) & ~((__typeof__(x))((y) - 1)))
#define roundup(x, y)		((((x) + ((y) - 1)) / (y)) * (y))
#define rounddown(x, y)		((x) - ((x) % (y)))
#define upper_32_bits(n)	((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))
#define U8_MAX			((u8)~0U)
#define U16_MAX			((u16)~0U)
#define U32_MAX			((u32)~0U)
#define U64_MAX			((u64)~0ULL)
#define S32_MAX			((s32)(U32_MAX >> 1))
#define SIZE_MAX_KERNEL		SIZE_MAX

/* Byte order of device structures (the host's is little endian, as arm64's). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define cpu_to_le16(x)	((__le16)(u16)(x))
#define cpu_to_le32(x)	((__le32)(u32)(x))
#define cpu_to_le64(x)	((__le64)(u64)(x))
#define cpu_to_be16(x)	((__be16)__builtin_bswap16(x))
#define cpu_to_be32(x)	((__be32)__builtin_bswap32(x))
#define cpu_to_be64(x)	((__be64)__builtin_bswap64(x))
#else
#define cpu_to_le16(x)	((__le16)__builtin_bswap16(x))
#define cpu_to_le32(x)	((__le32)__builtin_bswap32(x))
#define cpu_to_le64(x)	((__le64)__builtin_bswap64(x))
#define cpu_to_be16(x)	((__be16)(u16)(x))
#define cpu_to_be32(x)	((__be32)(u32)(x))
#define cpu_to_be64(x)	((__be64)(u64)(x))
#endif
#define le16_to_cpu(x)	((u16)cpu_to_le16(x))
#define le32_to_cpu(x)	((u32)cpu_to_le32(x))
#define le64_to_cpu(x)	((u64)cpu_to_le64(x))
#define be16_to_cpu(x)	((u16)cpu_to_be16(x))
#define be32_to_cpu(x)	((u32)cpu_to_be32(x))
#define be64_to_cpu(x)	((u64)cpu_to_be64(x))

/* Where the kernel may schedule: a user-space thread always may; nothing to check. */
#define might_sleep()		do { } while (0)
#define might_sleep_if(cond)	do { (void)(cond); } while (0)
#define cond_resched()		do { } while (0)

#endif /* DMAMAP_LINUX_KERNEL_H */
