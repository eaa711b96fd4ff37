// SPDX-License-Identifier: MIT
/*
 * dma_pool: small coherent blocks carved from coherent allocations of the
 * device ("chunks" of max(size, PAGE_SIZE) bytes), with the kernel's rules
 * for size, alignment and boundary (mm/dmapool.c).
 *
 * Unlike the kernel's, the pool keeps its bookkeeping out of the DMA memory:
 * a bitmap of the blocks in use per chunk. A device writing a free block
 * cannot corrupt the pool, and every free is checked (block of this pool, at
 * a block's start, with the block's DMA address, not free already), not only
 * in a debug build. Free blocks hold the kernel's pool poison (0xa7), checked
 * when they are handed out again; blocks handed out without __GFP_ZERO hold
 * 0xa9.
 *
 * Locking: pool->lock guards the chunks and counters; the device's list of
 * pools is guarded by its machine's lock. Coherent memory is allocated and
 * freed with pool->lock dropped.
 */
#include "dma/devres.h"
#include "mm/fail.h"
#include "lib/lockdep.h"

#include <dmamap/dmapool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_POISON_FREED	0xa7	/* the kernel's values (<linux/poison.h>) */
#define POOL_POISON_ALLOCATED	0xa9

struct dma_pool_chunk {
	struct list_head node;		/* pool->chunks */
	u8 *vaddr;
	dma_addr_t dma;
	unsigned int nr_active;
	u64 used[];			/* one bit per block */
};

struct dma_pool {
	char name[32];
	struct device *dev;
	size_t size;			/* per block, aligned */
	size_t allocation;		/* per chunk */
	size_t boundary;
	unsigned int per_seg;		/* blocks in one boundary segment */
	unsigned int nr_blocks;		/* blocks in one chunk */
	bool managed;			/* dmam_pool_create() */
	pthread_mutex_t lock;
	struct list_head chunks;	/* under lock */
	size_t nr_active;		/* under lock */
	struct list_head dev_node;	/* dev->dma_pools, under the machine's lock */
};

/* Block @i's offset in a chunk: whole blocks per segment, none across a boundary. */
static size_t block_offset(const struct dma_pool *pool, unsigned int i)
{
	return (i / pool->per_seg) * pool->boundary + (i % pool->per_seg) * pool->size;
}

/* The block starting at @off, or -1 when no block starts there. */
static long block_index(const struct dma_pool *pool, size_t off)
{
	size_t seg = off / pool->boundary, in = off % pool->boundary;

	if (off >= pool->allocation || in % pool->size || in / pool->size >= pool->per_seg)
		return -1;
	return (long)(seg * pool->per_seg + in / pool->size);
}

static size_t chunk_bytes(const struct dma_pool *pool)
{
	return sizeof(struct dma_pool_chunk) + DIV_ROUND_UP(pool->nr_blocks, 64) * sizeof(u64);
}

DMAMAP_API struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size,
					    size_t align, size_t boundary)
{
	struct dma_pool *pool;
	size_t allocation;

	if (!dev)
		return NULL;
	if (align == 0)
		align = 1;
	else if (align & (align - 1))
		return NULL;
	if (size == 0 || size > INT_MAX)
		return NULL;
	size = ALIGN(size, align);
	allocation = max_t(size_t, size, PAGE_SIZE);
	if (!boundary)
		boundary = allocation;
	else if (boundary < size || (boundary & (boundary - 1)))
		return NULL;
	boundary = min(boundary, allocation);

	pool = mm_kzalloc(dev->machine, sizeof(*pool));
	if (!pool)
		return NULL;
	snprintf(pool->name, sizeof(pool->name), "%s", name ? name : "");
	pool->dev = dev;
	pool->size = size;
	pool->allocation = allocation;
	pool->boundary = boundary;
	pool->per_seg = (unsigned int)(boundary / size);
	pool->nr_blocks = (unsigned int)(allocation / boundary) * pool->per_seg;
	pthread_mutex_init(&pool->lock, NULL);
	INIT_LIST_HEAD(&pool->chunks);
	pthread_mutex_lock(&dev->machine->lock);
	list_add_tail(&pool->dev_node, &dev->dma_pools);
	pthread_mutex_unlock(&dev->machine->lock);
	return pool;
}

/* --- chunks --------------------------------------------------------------------- */

static struct dma_pool_chunk *chunk_alloc(struct dma_pool *pool, gfp_t gfp)
{
	struct dma_pool_chunk *c = mm_kzalloc(pool->dev->machine, chunk_bytes(pool));

	if (!c)
		return NULL;
	c->vaddr = dma_alloc_coherent(pool->dev, pool->allocation, &c->dma, gfp & ~__GFP_ZERO);
	if (!c->vaddr) {
		free(c);
		return NULL;
	}
	memset(c->vaddr, POOL_POISON_FREED, pool->allocation);
	return c;
}

/* The chunk holding CPU address @p, under pool->lock. */
static struct dma_pool_chunk *chunk_find_locked(struct dma_pool *pool, const u8 *p)
{
	struct dma_pool_chunk *c;

	lockdep_assert_held(&pool->lock);
	list_for_each_entry(c, &pool->chunks, node)
		if (p >= c->vaddr && p < c->vaddr + pool->allocation)
			return c;
	return NULL;
}

/* A free block of @c, marked in use, under pool->lock; -1 when full. */
static long chunk_take_locked(struct dma_pool *pool, struct dma_pool_chunk *c)
{
	lockdep_assert_held(&pool->lock);
	for (unsigned int w = 0; w < DIV_ROUND_UP(pool->nr_blocks, 64); w++) {
		u64 free_bits = ~c->used[w];
		unsigned int i;

		if (!free_bits)
			continue;
		i = w * 64 + (unsigned int)__builtin_ctzll(free_bits);
		if (i >= pool->nr_blocks)
			return -1;
		c->used[w] |= 1ULL << (i % 64);
		c->nr_active++;
		pool->nr_active++;
		return i;
	}
	return -1;
}

/* --- alloc / free --------------------------------------------------------------- */

static bool poisoned(const u8 *p, size_t len, u8 v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

DMAMAP_API void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
{
	struct dma_pool_chunk *c, *fresh = NULL;
	long i = -1;
	u8 *block;

	if (!pool || !handle)
		return NULL;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		list_for_each_entry(c, &pool->chunks, node) {
			if (c->nr_active < pool->nr_blocks) {
				i = chunk_take_locked(pool, c);
				break;
			}
		}
		if (i >= 0 || fresh)
			break;
		/* a chunk may sleep to allocate: not under the lock */
		pthread_mutex_unlock(&pool->lock);
		fresh = chunk_alloc(pool, mem_flags);
		if (!fresh)
			return NULL;
		pthread_mutex_lock(&pool->lock);
		list_add(&fresh->node, &pool->chunks);
	}
	pthread_mutex_unlock(&pool->lock);
	if (i < 0)	/* another thread took every block of the fresh chunk */
		return dma_pool_alloc(pool, mem_flags, handle);

	block = c->vaddr + block_offset(pool, (unsigned int)i);
	*handle = c->dma + block_offset(pool, (unsigned int)i);
	if (!poisoned(block, pool->size, POOL_POISON_FREED))
		dma_report_misuse(pool->dev, "dma_pool_alloc %s: free block %p (DMA %#llx) was "
				  "written while free", pool->name, (void *)block,
				  (unsigned long long)*handle);
	memset(block, mem_flags & __GFP_ZERO ? 0 : POOL_POISON_ALLOCATED, pool->size);
	return block;
}

DMAMAP_API void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma)
{
	struct dma_pool_chunk *c;
	size_t off;
	long i;

	if (!pool || !vaddr)
		return;
	pthread_mutex_lock(&pool->lock);
	c = chunk_find_locked(pool, vaddr);
	if (!c) {
		pthread_mutex_unlock(&pool->lock);
		dma_report(pool->dev, DMAMAP_DEBUG_UNKNOWN_ADDR, dma, pool->size,
			   "dma_pool_free %s: %p is no block of the pool", pool->name, vaddr);
		return;
	}
	off = (size_t)((u8 *)vaddr - c->vaddr);
	i = block_index(pool, off);
	if (i < 0 || dma != c->dma + off) {
		pthread_mutex_unlock(&pool->lock);
		dma_report(pool->dev, DMAMAP_DEBUG_FREE_MISMATCH, dma, pool->size,
			   "dma_pool_free %s: %p/%#llx is not a block's start and DMA address "
			   "(the CPU address is at DMA %#llx)", pool->name, vaddr,
			   (unsigned long long)dma, (unsigned long long)(c->dma + off));
		return;
	}
	if (!(c->used[i / 64] & (1ULL << (i % 64)))) {
		pthread_mutex_unlock(&pool->lock);
		dma_report(pool->dev, DMAMAP_DEBUG_UNKNOWN_ADDR, dma, pool->size,
			   "dma_pool_free %s: DMA %#llx already free", pool->name,
			   (unsigned long long)dma);
		return;
	}
	memset(vaddr, POOL_POISON_FREED, pool->size);
	c->used[i / 64] &= ~(1ULL << (i % 64));
	c->nr_active--;
	pool->nr_active--;
	pthread_mutex_unlock(&pool->lock);
}

/* --- destruction ---------------------------------------------------------------- */

/* A busy pool's chunk, kept until the device is removed. */
struct chunk_devres {
	void *vaddr;
	dma_addr_t dma;
	size_t size;
};

static void chunk_release(struct device *dev, void *res)
{
	struct chunk_devres *r = res;

	dma_free_coherent(dev, r->size, r->vaddr, r->dma);
}

/*
 * Frees the pool. A busy pool's chunks go to the device's managed resources
 * (the device may still write them), unless @force: the device is going.
 */
static void pool_free(struct dma_pool *pool, bool force)
{
	struct dma_pool_chunk *c, *n;
	bool busy = pool->nr_active && !force;

	list_for_each_entry_safe(c, n, &pool->chunks, node) {
		struct chunk_devres *r = busy ? devres_alloc(chunk_release, sizeof(*r), 0) : NULL;

		if (r) {
			*r = (struct chunk_devres){ c->vaddr, c->dma, pool->allocation };
			devres_add(pool->dev, r);
		} else {
			dma_free_coherent(pool->dev, pool->allocation, c->vaddr, c->dma);
		}
		free(c);
	}
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

static void pool_unlink(struct dma_pool *pool)
{
	struct dmamap_machine *m = pool->dev->machine;

	pthread_mutex_lock(&m->lock);
	list_del_init(&pool->dev_node);
	pthread_mutex_unlock(&m->lock);
}

static void pool_destroy(struct dma_pool *pool)
{
	pool_unlink(pool);
	if (pool->nr_active)
		dma_report(pool->dev, DMAMAP_DEBUG_LEAK, 0, pool->nr_active * pool->size,
			   "dma_pool_destroy %s: busy, %zu block%s still in use", pool->name,
			   pool->nr_active, pool->nr_active == 1 ? "" : "s");
	pool_free(pool, false);
}

static void dmam_pool_release(struct device *dev, void *res)
{
	pool_destroy(*(struct dma_pool **)res);
}

static int dmam_pool_match(struct device *dev, void *res, void *match_data)
{
	return *(struct dma_pool **)res == match_data;
}

DMAMAP_API void dma_pool_destroy(struct dma_pool *pool)
{
	if (!pool)
		return;
	if (pool->managed) {
		/* the device would destroy it a second time at removal */
		dma_report_misuse(pool->dev, "dma_pool_destroy %s: a managed pool (use "
				  "dmam_pool_destroy())", pool->name);
		dmam_pool_destroy(pool);
		return;
	}
	pool_destroy(pool);
}

DMAMAP_API struct dma_pool *dmam_pool_create(const char *name, struct device *dev, size_t size,
					     size_t align, size_t allocation)
{
	struct dma_pool **ptr, *pool;

	ptr = devres_alloc(dmam_pool_release, sizeof(*ptr), GFP_KERNEL);
	if (!ptr)
		return NULL;
	pool = *ptr = dma_pool_create(name, dev, size, align, allocation);
	if (!pool) {
		devres_free(ptr);
		return NULL;
	}
	pool->managed = true;
	devres_add(dev, ptr);
	return pool;
}

DMAMAP_API void dmam_pool_destroy(struct dma_pool *pool)
{
	if (!pool)
		return;
	if (devres_release(pool->dev, dmam_pool_release, dmam_pool_match, pool))
		dma_report_misuse(pool->dev, "dmam_pool_destroy %s: not a managed pool of the device",
				  pool->name);
}

/*
 * At device removal, after the managed resources: pools the driver left are
 * reported and destroyed with all their memory.
 */
void dma_pools_release_all(struct device *dev)
{
	struct dmamap_machine *m = dev->machine;

	pthread_mutex_lock(&m->lock);
	while (!list_empty(&dev->dma_pools)) {
		struct dma_pool *pool = list_first_entry(&dev->dma_pools, struct dma_pool, dev_node);

		list_del_init(&pool->dev_node);
		pthread_mutex_unlock(&m->lock);
		dma_report(dev, DMAMAP_DEBUG_LEAK, 0, pool->nr_active * pool->size,
			   "dma_pool %s was not destroyed before its device was removed "
			   "(%zu block%s in use)", pool->name, pool->nr_active,
			   pool->nr_active == 1 ? "" : "s");
		pool_free(pool, true);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
}
