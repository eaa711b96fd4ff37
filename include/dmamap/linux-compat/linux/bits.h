/* SPDX-License-Identifier: MIT */
/* <linux/bits.h> */
#ifndef DMAMAP_LINUX_BITS_H
#define DMAMAP_LINUX_BITS_H

#define BIT(nr)			(1UL << (nr))
#define BIT_ULL(nr)		(1ULL << (nr))
#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BITS_PER_BYTE		8
#define GENMASK(h, l)		((~0UL << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))

#endif /* DMAMAP_LINUX_BITS_H */
