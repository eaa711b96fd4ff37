/* SPDX-License-Identifier: MIT */
/*
 * Pools of small coherent DMA blocks, as in <linux/dmapool.h>: descriptor
 * rings and the like, carved from coherent allocations of the device.
 *
 * Threads: dma_pool_alloc() and dma_pool_free() on one pool may run from any
 * number of threads at once; a pool is created before and destroyed after
 * every call on it.
 */
#ifndef DMAMAP_DMAPOOL_H
#define DMAMAP_DMAPOOL_H

#include <dmamap/dma-mapping.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dma_pool;	/* private */

/**
 * dma_pool_create - make a pool of coherent DMA blocks
 * @name: the pool's name in reports (the first 31 bytes are kept)
 * @dev: the device that will do the DMA
 * @size: bytes per block; rounded up to @align
 * @align: alignment of every block (CPU and DMA address alike); a power of
 *	   two, 0 for none
 * @boundary: 0, or a power of two no smaller than the block: no block crosses
 *	      a multiple of it (in DMA address space)
 *
 * The pool takes memory with dma_alloc_coherent() in chunks of
 * max(size, PAGE_SIZE) bytes as it needs them, as the kernel's does, so its
 * blocks have coherent mappings and need no sync.
 *
 * Return: the pool, or NULL (no device, @size 0 or above INT_MAX, an @align or
 * @boundary that is not a power of two, a @boundary below the block size, no
 * memory).
 */
DMAMAP_API struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size,
					    size_t align, size_t boundary);

/**
 * dma_pool_destroy - free a pool and its memory
 * @pool: the pool; NULL is ignored
 *
 * Blocks still allocated are reported; the pool's memory then stays with the
 * device until it is removed (the device may still be using it), as the
 * kernel leaves it.
 */
DMAMAP_API void dma_pool_destroy(struct dma_pool *pool);

/**
 * dma_pool_alloc - take a block from a pool
 * @pool: the pool
 * @mem_flags: GFP_* flags, for the coherent allocation a new chunk needs;
 *	       __GFP_ZERO zeroes the block
 * @handle: where the block's DMA address is stored
 *
 * Without __GFP_ZERO the block's bytes are 0xa9, the kernel's pool poison, so
 * a driver that counts on zeroed blocks sees it; a free block whose poison
 * (0xa7) was written over since its free is reported when it is handed out.
 *
 * Return: the block's CPU address, or NULL.
 */
DMAMAP_API void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle);

/**
 * dma_pool_zalloc - dma_pool_alloc() of a zeroed block
 * @pool: the pool
 * @mem_flags: GFP_* flags
 * @handle: where the block's DMA address is stored
 *
 * Return: the block's CPU address, or NULL.
 */
DMAMAP_INLINE void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
{
	return dma_pool_alloc(pool, mem_flags | __GFP_ZERO, handle);
}

/**
 * dma_pool_free - give a block back to its pool
 * @pool: the pool
 * @vaddr: the block's CPU address, as dma_pool_alloc() returned it
 * @dma: the block's DMA address, as dma_pool_alloc() stored it
 *
 * A block of another pool, an address inside a block, a DMA address that is
 * not the block's, and a block freed twice are refused and reported.
 */
DMAMAP_API void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma);

/**
 * dmam_pool_create - dma_pool_create() managed by the device
 * @name: the pool's name, for reports
 * @dev: the device that will do the DMA
 * @size: bytes per block
 * @align: alignment of every block, a power of two, 0 for none
 * @allocation: 0, or the boundary no block crosses (a power of two)
 *
 * The pool is destroyed when the device is removed (dmamap_device_destroy()),
 * unless dmam_pool_destroy() destroyed it before.
 *
 * Return: the pool, or NULL (as dma_pool_create()).
 */
DMAMAP_API struct dma_pool *dmam_pool_create(const char *name, struct device *dev, size_t size,
					     size_t align, size_t allocation);

/**
 * dmam_pool_destroy - destroy a pool of dmam_pool_create() now
 * @pool: the pool
 *
 * As dma_pool_destroy(), and the device no longer destroys it at removal.
 */
DMAMAP_API void dmam_pool_destroy(struct dma_pool *pool);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMAPOOL_H */
