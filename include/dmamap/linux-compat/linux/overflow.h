/* SPDX-License-Identifier: MIT */
/* <linux/overflow.h> */
#ifndef DMAMAP_LINUX_OVERFLOW_H
#define DMAMAP_LINUX_OVERFLOW_H

#include <stdint.h>

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d)	__builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

/* a * b, or SIZE_MAX when it overflows (so an allocation of it fails) */
static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define array_size(a, b)	size_mul(a, b)
#define struct_size(p, member, count)	\
	size_add(sizeof(*(p)), size_mul(sizeof(*(p)->member), count))

#endif /* DMAMAP_LINUX_OVERFLOW_H */
