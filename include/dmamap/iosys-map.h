/* SPDX-License-Identifier: MIT */
/*
 * A pointer to memory that is either system memory or I/O memory, as
 * <linux/iosys-map.h>, with the kernel's helpers. In the model I/O memory
 * (an MMIO region's register file) is ordinary host memory, so both kinds
 * are accessed alike; is_iomem is kept so that code that branches on it
 * reads and behaves as in the kernel.
 *
 * Threads: the helpers touch only the map and the memory they are given; the
 * library keeps no state of its own for them.
 */
#ifndef DMAMAP_IOSYS_MAP_H
#define DMAMAP_IOSYS_MAP_H

#include <string.h>

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct iosys_map - a pointer to system or I/O memory
 * @vaddr_iomem: the address, when @is_iomem
 * @vaddr: the address, otherwise
 * @is_iomem: the memory is an MMIO region's
 */
struct iosys_map {
	union {
		void *vaddr_iomem;
		void *vaddr;
	};
	bool is_iomem;
};

#define IOSYS_MAP_INIT_VADDR(vaddr_)	{ { .vaddr = (vaddr_) }, .is_iomem = false }
#define IOSYS_MAP_INIT_VADDR_IOMEM(vaddr_iomem_) \
	{ { .vaddr_iomem = (vaddr_iomem_) }, .is_iomem = true }

/* A map @offset_ bytes into @map_ (the kernel's statement expression). */
#define IOSYS_MAP_INIT_OFFSET(map_, offset_) ({					\
	struct iosys_map copy_ = *(map_);					\
	iosys_map_incr(&copy_, (offset_));					\
	copy_;									\
})

static inline void iosys_map_set_vaddr(struct iosys_map *map, void *vaddr)
{
	map->vaddr = vaddr;
	map->is_iomem = false;
}

static inline void iosys_map_set_vaddr_iomem(struct iosys_map *map, void *vaddr_iomem)
{
	map->vaddr_iomem = vaddr_iomem;
	map->is_iomem = true;
}

static inline bool iosys_map_is_equal(const struct iosys_map *lhs, const struct iosys_map *rhs)
{
	if (lhs->is_iomem != rhs->is_iomem)
		return false;
	return lhs->is_iomem ? lhs->vaddr_iomem == rhs->vaddr_iomem : lhs->vaddr == rhs->vaddr;
}

static inline bool iosys_map_is_null(const struct iosys_map *map)
{
	return map->is_iomem ? !map->vaddr_iomem : !map->vaddr;
}

static inline bool iosys_map_is_set(const struct iosys_map *map)
{
	return !iosys_map_is_null(map);
}

static inline void iosys_map_clear(struct iosys_map *map)
{
	map->vaddr = NULL;
	map->is_iomem = false;
}

static inline void iosys_map_memcpy_to(struct iosys_map *dst, size_t dst_offset, const void *src,
				       size_t len)
{
	memcpy((char *)dst->vaddr + dst_offset, src, len);
}

static inline void iosys_map_memcpy_from(void *dst, const struct iosys_map *src,
					 size_t src_offset, size_t len)
{
	memcpy(dst, (const char *)src->vaddr + src_offset, len);
}

static inline void iosys_map_incr(struct iosys_map *map, size_t incr)
{
	map->vaddr = (char *)map->vaddr + incr;
}

static inline void iosys_map_memset(struct iosys_map *dst, size_t offset, int value, size_t len)
{
	memset((char *)dst->vaddr + offset, value, len);
}

/* Reads or writes one value of @type__ at @offset__, as the kernel's accessors. */
#define iosys_map_rd(map__, offset__, type__) ({					\
	type__ val_;									\
	memcpy(&val_, (const char *)(map__)->vaddr + (offset__), sizeof(val_));	\
	val_;										\
})

#define iosys_map_wr(map__, offset__, type__, val__) ({				\
	type__ val_ = (val__);								\
	memcpy((char *)(map__)->vaddr + (offset__), &val_, sizeof(val_));		\
})

#define iosys_map_rd_field(map__, struct_offset__, struct_type__, field__)		\
	iosys_map_rd(map__, (struct_offset__) + offsetof(struct_type__, field__),	\
		     __typeof__(((struct_type__ *)0)->field__))

#define iosys_map_wr_field(map__, struct_offset__, struct_type__, field__, val__)	\
	iosys_map_wr(map__, (struct_offset__) + offsetof(struct_type__, field__),	\
		     __typeof__(((struct_type__ *)0)->field__), val__)

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_IOSYS_MAP_H */
