/* SPDX-License-Identifier: MIT */
/* <linux/log2.h> */
#ifndef DMAMAP_LINUX_LOG2_H
#define DMAMAP_LINUX_LOG2_H

#include <linux/types.h>

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* floor(log2(n)); n must not be 0 */
#define ilog2(n)	((int)(63 - __builtin_clzll((unsigned long long)(n))))

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (64 - __builtin_clzl(n - 1));
}

static inline unsigned long rounddown_pow_of_two(unsigned long n)
{
	return 1UL << ilog2(n);
}

static inline int get_order(unsigned long size)
{
	return size <= 4096 ? 0 : 64 - __builtin_clzl((size - 1) >> 12);
}

#endif /* DMAMAP_LINUX_LOG2_H */
