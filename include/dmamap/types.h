/* SPDX-License-Identifier: MIT */
/*
 * Basic types, sizes, error pointers and allocation flags, named and valued
 * as the kernel has them so that driver code reads the same here.
 *
 * Threads: types and constants only.
 */
#ifndef DMAMAP_TYPES_H
#define DMAMAP_TYPES_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMAMAP_API __attribute__((visibility("default")))
/*
 * The headers' wrappers around API calls (dma_alloc_coherent() and the like)
 * are inlined even at -O0: the debugger names the line that calls the API as
 * the site of a mistake, and a wrapper called out of line would put the
 * header's line there instead of the driver's.
 */
#define DMAMAP_INLINE static inline __attribute__((always_inline))

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 dma_addr_t;
typedef u64 phys_addr_t;
typedef unsigned int gfp_t;

/* The structure that holds @member at @ptr: how embedded kernel objects find their owner. */
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/**
 * struct list_head - the kernel's doubly linked circular list node
 * @next: the next node (the head itself after the last)
 * @prev: the previous node
 *
 * The list calls are in the compatibility tree's <linux/list.h>.
 */
struct list_head {
	struct list_head *next, *prev;
};

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(x)	(((unsigned long)(x) & (PAGE_SIZE - 1)) == 0)
#define PHYS_PFN(x)	((unsigned long)((x) >> PAGE_SHIFT))
#define PFN_PHYS(x)	((phys_addr_t)(x) << PAGE_SHIFT)

#define SZ_1K	0x00000400UL
#define SZ_2K	0x00000800UL
#define SZ_4K	0x00001000UL
#define SZ_8K	0x00002000UL
#define SZ_16K	0x00004000UL
#define SZ_32K	0x00008000UL
#define SZ_64K	0x00010000UL
#define SZ_128K	0x00020000UL
#define SZ_256K	0x00040000UL
#define SZ_512K	0x00080000UL
#define SZ_1M	0x00100000UL
#define SZ_2M	0x00200000UL
#define SZ_4M	0x00400000UL
#define SZ_8M	0x00800000UL
#define SZ_16M	0x01000000UL
#define SZ_32M	0x02000000UL
#define SZ_64M	0x04000000UL
#define SZ_128M	0x08000000UL
#define SZ_256M	0x10000000UL
#define SZ_512M	0x20000000UL
#define SZ_1G	0x40000000UL
#define SZ_2G	0x80000000UL
#define SZ_4G	0x100000000ULL

#define DMA_BIT_MASK(n)	(((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))

/* Error pointers: the top 4095 addresses carry a negative errno. */
#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR_VALUE((unsigned long)ptr);
}

static inline void *ERR_CAST(const void *ptr)
{
	return (void *)ptr;
}

/*
 * Allocation flags. Only the bits the model acts on exist: the zone
 * modifiers cap where pages may come from, __GFP_DIRECT_RECLAIM tells a
 * caller that may sleep from one that may not (GFP_ATOMIC), __GFP_ZERO
 * zeroes, __GFP_NOWARN silences the allocation-failure message.
 */
#define __GFP_DMA		0x01u
#define __GFP_HIGHMEM		0x02u
#define __GFP_DMA32		0x04u
#define __GFP_HIGH		0x20u
#define __GFP_IO		0x40u
#define __GFP_FS		0x80u
#define __GFP_ZERO		0x100u
#define __GFP_DIRECT_RECLAIM	0x400u
#define __GFP_KSWAPD_RECLAIM	0x800u
#define __GFP_NOWARN		0x2000u
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_ATOMIC	(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_NOWAIT	(__GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL	(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_DMA		__GFP_DMA
#define GFP_DMA32	__GFP_DMA32

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return (gfp & __GFP_DIRECT_RECLAIM) != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_TYPES_H */
