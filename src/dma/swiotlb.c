// SPDX-License-Identifier: MIT
/* Bounce buffering: see swiotlb.h. */
#include "dma/swiotlb.h"
#include "dma/coherent.h"
#include "mm/fail.h"
#include "mm/cache.h"
#include "lib/lockdep.h"

#include <stdlib.h>
#include <string.h>

struct swiotlb_slot {
	phys_addr_t orig_addr;		/* the original buffer, (phys_addr_t)-1 when free */
	size_t alloc_size;		/* bytes of the mapping from this slot's start on */
	unsigned int nslots;		/* slots of the mapping, in its first slot */
	struct device *dev;		/* the mapping's device, in its first slot */
};

struct swiotlb {
	pthread_mutex_t lock;		/* guards used[], slots[], index, nr_used */
	unsigned int nr_chunks;		/* MAX_PAGE_ORDER blocks of frames, from start */
	unsigned int nr_taken;		/* of them, taken from the buddy allocator */
	phys_addr_t start, end;		/* [start, end) physical */
	unsigned long nslabs;
	unsigned long nr_used;
	unsigned long index;		/* where the next search starts (a segment) */
	u64 *used;			/* bit per slot */
	struct swiotlb_slot *slots;
	bool warned_full;
};

static inline unsigned long slot_index(const struct swiotlb *p, phys_addr_t addr)
{
	return (unsigned long)((addr - p->start) >> IO_TLB_SHIFT);
}

bool is_swiotlb_buffer(struct device *dev, phys_addr_t paddr)
{
	struct swiotlb *p = dev->machine->swiotlb;

	return p && paddr >= p->start && paddr < p->end;
}

struct swiotlb_range swiotlb_range(const struct dmamap_machine *m)
{
	const struct swiotlb *p = m->swiotlb;
	struct swiotlb_range r = { 0, 0 };

	if (p) {
		r.start = p->start;
		r.size = p->end - p->start;
	}
	return r;
}

size_t swiotlb_max_mapping_size(struct device *dev)
{
	return IO_TLB_SIZE * IO_TLB_SEGSIZE;
}

/* The order of the @i-th block of frames: MAX_PAGE_ORDER but for a short last one. */
static unsigned int chunk_order(const struct swiotlb *p, unsigned int i)
{
	u64 block = PAGE_SIZE << MAX_PAGE_ORDER;
	u64 left = ((u64)p->nslabs << IO_TLB_SHIFT) - (u64)i * block;

	return left >= block ? MAX_PAGE_ORDER : get_order(left);
}

/*
 * The pool is physically contiguous: at creation the allocator is empty and
 * hands out the lowest blocks in address order, which is checked.
 */
int swiotlb_init(struct dmamap_machine *m)
{
	u64 size = m->cfg.swiotlb_size;
	unsigned long block = PAGE_SIZE << MAX_PAGE_ORDER;
	struct swiotlb *p;

	if (size == DMAMAP_SWIOTLB_OFF)
		return 0;
	if (size % (IO_TLB_SIZE * IO_TLB_SEGSIZE)) {
		mm_report(m, "machine: swiotlb size %#llx is not a multiple of 256 KiB",
			  (unsigned long long)size);
		return -EINVAL;
	}
	p = mm_kzalloc(m, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->nslabs = (unsigned long)(size >> IO_TLB_SHIFT);
	p->nr_chunks = (unsigned int)DIV_ROUND_UP(size, block);
	p->used = mm_kcalloc(m, DIV_ROUND_UP(p->nslabs, 64), sizeof(u64));
	p->slots = mm_kcalloc(m, p->nslabs, sizeof(*p->slots));
	if (!p->used || !p->slots)
		goto out_nomem;
	for (unsigned int i = 0; i < p->nr_chunks; i++) {
		phys_addr_t phys = mm_alloc_boot_frames(m, GFP_DMA32, chunk_order(p, i));

		if (phys == (phys_addr_t)-1)
			goto out_nomem;
		if (i && phys != p->start + (u64)i * block) {
			mm_report(m, "machine: no contiguous room below 4 GiB for a %#llx-byte swiotlb",
				  (unsigned long long)size);
			mm_free_boot_frames(m, phys, chunk_order(p, i));
			goto out_nomem;
		}
		if (!i)
			p->start = phys;
		p->nr_taken++;
		/* a new machine's memory is all zero and uncached: nothing to prep */
	}
	p->end = p->start + size;
	for (unsigned long i = 0; i < p->nslabs; i++)
		p->slots[i].orig_addr = (phys_addr_t)-1;
	m->swiotlb = p;
	return 0;

out_nomem:
	m->swiotlb = p;
	swiotlb_exit(m);
	return -ENOMEM;
}

void swiotlb_exit(struct dmamap_machine *m)
{
	struct swiotlb *p = m->swiotlb;

	if (!p)
		return;
	for (unsigned int i = 0; i < p->nr_taken; i++)
		mm_free_boot_frames(m, p->start + ((u64)i << (PAGE_SHIFT + MAX_PAGE_ORDER)),
				    chunk_order(p, i));
	free(p->used);
	free(p->slots);
	pthread_mutex_destroy(&p->lock);
	free(p);
	m->swiotlb = NULL;
}

void swiotlb_stats(struct dmamap_machine *m, struct dmamap_stats *out)
{
	struct swiotlb *p = m->swiotlb;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	out->swiotlb_slots_total = p->nslabs;
	out->swiotlb_slots_used = p->nr_used;
	pthread_mutex_unlock(&p->lock);
}

static inline bool slot_used(const struct swiotlb *p, unsigned long i)
{
	return p->used[i / 64] >> (i % 64) & 1;
}

/*
 * nslots free slots inside one segment, starting at a multiple of @stride;
 * the search starts at the segment after the last one used, as the kernel's
 * rotating index does, so slots are reused late.
 */
static long find_slots_locked(struct swiotlb *p, unsigned int nslots, unsigned int stride)
{
	unsigned long nseg = p->nslabs / IO_TLB_SEGSIZE;

	for (unsigned long s = 0; s < nseg; s++) {
		unsigned long seg = (p->index + s) % nseg;
		unsigned long base = seg * IO_TLB_SEGSIZE;

		for (unsigned long i = base; i + nslots <= base + IO_TLB_SEGSIZE; i += stride) {
			unsigned long j;

			for (j = 0; j < nslots && !slot_used(p, i + j); j++)
				;
			if (j == nslots) {
				p->index = (seg + 1) % nseg;
				return (long)i;
			}
			/* skip past the used slot, keeping the stride */
			i = base + ALIGN(i + j + 1 - base, stride) - stride;
		}
	}
	return -1;
}

/* CPU copies between the original buffer and its slots, through the CPU's view. */
static void swiotlb_bounce(struct dmamap_machine *m, phys_addr_t orig, phys_addr_t tlb, size_t size,
			   bool to_slot)
{
	u8 *o = mm_phys_to_linear(m, orig), *t = mm_phys_to_linear(m, tlb);

	if (to_slot)
		memcpy(t, o, size);
	else
		memcpy(o, t, size);
	mm_count(m, bounce_bytes, size);
}

phys_addr_t swiotlb_tbl_map_single(struct device *dev, phys_addr_t orig, size_t size,
				   enum dma_data_direction dir, unsigned long attrs)
{
	struct dmamap_machine *m = dev->machine;
	struct swiotlb *p = m->swiotlb;
	unsigned int nslots, stride;
	phys_addr_t tlb;
	long idx;

	if (!p || !size)
		return (phys_addr_t)-1;
	if (size > swiotlb_max_mapping_size(dev)) {
		dma_report_misuse(dev, "swiotlb: mapping of %zu bytes exceeds the maximum of %zu",
				  size, swiotlb_max_mapping_size(dev));
		return (phys_addr_t)-1;
	}
	/* as a full pool, unreported: what the caller sees of one */
	if (mm_should_fail(DMAMAP_FAIL_SWIOTLB, m)) {
		mm_count(m, swiotlb_full, 1);
		return (phys_addr_t)-1;
	}
	nslots = (unsigned int)DIV_ROUND_UP(size, IO_TLB_SIZE);
	stride = size >= PAGE_SIZE ? PAGE_SIZE / IO_TLB_SIZE : 1;
	pthread_mutex_lock(&p->lock);
	idx = find_slots_locked(p, nslots, stride);
	if (idx < 0) {
		unsigned long used = p->nr_used;
		bool warn = !p->warned_full;

		p->warned_full = true;
		pthread_mutex_unlock(&p->lock);
		mm_count(m, swiotlb_full, 1);
		if (warn && !(attrs & DMA_ATTR_NO_WARN))
			mm_report(m, "%s: swiotlb buffer is full (sz: %zu bytes), total %lu (slots), "
				  "used %lu (slots)", dev->name, size, p->nslabs, used);
		return (phys_addr_t)-1;
	}
	for (unsigned int i = 0; i < nslots; i++) {
		p->used[(idx + i) / 64] |= 1ULL << ((idx + i) % 64);
		p->slots[idx + i].orig_addr = orig + (phys_addr_t)i * IO_TLB_SIZE;
		/* what is left from each slot on: a sync from inside is held to it too */
		p->slots[idx + i].alloc_size = size - (size_t)i * IO_TLB_SIZE;
	}
	p->slots[idx].nslots = nslots;
	p->slots[idx].dev = dev;
	p->nr_used += nslots;
	pthread_mutex_unlock(&p->lock);

	tlb = p->start + ((phys_addr_t)idx << IO_TLB_SHIFT);
	/*
	 * Always fill the slot, whatever the direction: a device that writes
	 * less than it was given must leave the original bytes, not those of an
	 * earlier user of the slot. The copy is written back at once so that
	 * the invalidate a FROM_DEVICE mapping gets cannot drop it.
	 */
	swiotlb_bounce(m, orig, tlb, size, true);
	if (!dev->dma_coherent)
		mm_cache_clean(m, tlb, size);
	return tlb;
}

/* The slots of the mapping that starts at slot @idx back to the pool; under p->lock. */
static void release_slots_locked(struct swiotlb *p, unsigned long idx)
{
	unsigned int nslots = p->slots[idx].nslots;

	lockdep_assert_held(&p->lock);
	for (unsigned int i = 0; i < nslots; i++) {
		p->used[(idx + i) / 64] &= ~(1ULL << ((idx + i) % 64));
		p->slots[idx + i].orig_addr = (phys_addr_t)-1;
		p->slots[idx + i].alloc_size = 0;
	}
	p->slots[idx].nslots = 0;
	p->slots[idx].dev = NULL;
	p->nr_used -= nslots;
	p->warned_full = false;
}

void swiotlb_tbl_unmap_single(struct device *dev, phys_addr_t tlb_addr, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	struct dmamap_machine *m = dev->machine;
	struct swiotlb *p = m->swiotlb;
	unsigned long idx = slot_index(p, tlb_addr);
	struct swiotlb_slot *s = &p->slots[idx];
	size_t alloc_size;

	pthread_mutex_lock(&p->lock);
	if (!slot_used(p, idx) || !s->nslots || s->orig_addr == (phys_addr_t)-1) {
		pthread_mutex_unlock(&p->lock);
		dma_report_misuse(dev, "swiotlb: unmap of %#llx, which is not mapped",
				  (unsigned long long)tlb_addr);
		return;
	}
	alloc_size = s->alloc_size;
	pthread_mutex_unlock(&p->lock);
	if (size != alloc_size)
		dma_report(dev, DMAMAP_DEBUG_WRONG_SIZE, phys_to_dma(dev, tlb_addr), size,
			   "swiotlb: unmap of %zu bytes, mapped with %zu", size, alloc_size);

	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL))
		swiotlb_bounce(m, s->orig_addr, tlb_addr, min(size, alloc_size), false);

	pthread_mutex_lock(&p->lock);
	release_slots_locked(p, idx);
	pthread_mutex_unlock(&p->lock);
}

void swiotlb_release_device(struct device *dev)
{
	struct swiotlb *p = dev->machine->swiotlb;
	unsigned long i = 0;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	while (i < p->nslabs) {
		struct swiotlb_slot *s = &p->slots[i];
		unsigned int n = s->nslots;
		size_t size = s->alloc_size;

		if (!slot_used(p, i) || !n || s->dev != dev) {
			i++;
			continue;
		}
		release_slots_locked(p, i);
		/* the debugger reports the mapping as a leak (and where it was made) */
		if (dev->machine->cfg.debug & DMAMAP_DEBUG_API) {
			i += n;
			continue;
		}
		/* the report waits for the unlock; the pool does not change meanwhile */
		pthread_mutex_unlock(&p->lock);
		dma_report(dev, DMAMAP_DEBUG_LEAK, phys_to_dma(dev, p->start + ((u64)i << IO_TLB_SHIFT)),
			   size, "device removed with a bounce buffer of %zu bytes still mapped; its "
			   "slots are given back", size);
		pthread_mutex_lock(&p->lock);
		i += n;
	}
	pthread_mutex_unlock(&p->lock);
}

size_t swiotlb_sync_size(struct device *dev, phys_addr_t tlb_addr, size_t size, const char *fn)
{
	struct swiotlb *p = dev->machine->swiotlb;
	unsigned long idx = slot_index(p, tlb_addr);
	size_t off = tlb_addr & (IO_TLB_SIZE - 1), left = 0;
	bool mapped;

	pthread_mutex_lock(&p->lock);
	mapped = slot_used(p, idx) && p->slots[idx].orig_addr != (phys_addr_t)-1;
	if (mapped && p->slots[idx].alloc_size > off)
		left = p->slots[idx].alloc_size - off;
	pthread_mutex_unlock(&p->lock);
	if (!mapped) {
		dma_report(dev, DMAMAP_DEBUG_UNKNOWN_ADDR, phys_to_dma(dev, tlb_addr), size,
			   "%s: bounce buffer address %#llx is not mapped", fn,
			   (unsigned long long)tlb_addr);
		return 0;
	}
	if (size > left) {
		dma_report(dev, DMAMAP_DEBUG_SYNC_RANGE, phys_to_dma(dev, tlb_addr), size,
			   "%s: %zu bytes, %zu left in the bounce buffer from there; held to those",
			   fn, size, left);
		return left;
	}
	return size;
}

size_t swiotlb_mapping_size(struct device *dev, phys_addr_t tlb_addr)
{
	struct swiotlb *p = dev->machine->swiotlb;
	unsigned long idx = slot_index(p, tlb_addr);
	size_t size = 0;

	pthread_mutex_lock(&p->lock);
	if (slot_used(p, idx) && p->slots[idx].nslots && !(tlb_addr & (IO_TLB_SIZE - 1)))
		size = p->slots[idx].alloc_size;
	pthread_mutex_unlock(&p->lock);
	return size;
}

/* The original address behind @tlb_addr (which may be inside a mapping). */
static phys_addr_t slot_orig(struct swiotlb *p, phys_addr_t tlb_addr)
{
	unsigned long idx = slot_index(p, tlb_addr);
	phys_addr_t orig;

	pthread_mutex_lock(&p->lock);
	orig = p->slots[idx].orig_addr;
	pthread_mutex_unlock(&p->lock);
	if (orig == (phys_addr_t)-1)
		return orig;
	return orig + (tlb_addr & (IO_TLB_SIZE - 1));
}

void swiotlb_sync_single_for_device(struct device *dev, phys_addr_t tlb_addr, size_t size,
				    enum dma_data_direction dir)
{
	phys_addr_t orig = slot_orig(dev->machine->swiotlb, tlb_addr);

	if (orig == (phys_addr_t)-1) {
		dma_report_misuse(dev, "swiotlb: sync of %#llx, which is not mapped",
				  (unsigned long long)tlb_addr);
		return;
	}
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		swiotlb_bounce(dev->machine, orig, tlb_addr, size, true);
}

void swiotlb_sync_single_for_cpu(struct device *dev, phys_addr_t tlb_addr, size_t size,
				 enum dma_data_direction dir)
{
	phys_addr_t orig = slot_orig(dev->machine->swiotlb, tlb_addr);

	if (orig == (phys_addr_t)-1) {
		dma_report_misuse(dev, "swiotlb: sync of %#llx, which is not mapped",
				  (unsigned long long)tlb_addr);
		return;
	}
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		swiotlb_bounce(dev->machine, orig, tlb_addr, size, false);
}

dma_addr_t swiotlb_map(struct device *dev, phys_addr_t paddr, size_t size,
		       enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t tlb = swiotlb_tbl_map_single(dev, paddr, size, dir, attrs);
	dma_addr_t dma;

	if (tlb == (phys_addr_t)-1)
		return DMA_MAPPING_ERROR;
	dma = phys_to_dma(dev, tlb);
	if (tlb < dev->dma_offset || dma + size - 1 > dma_reach_limit(dev, *dev->dma_mask) || dma + size - 1 < dma) {
		swiotlb_tbl_unmap_single(dev, tlb, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
		dma_report_misuse(dev, "swiotlb: the bounce buffer at %#llx is itself beyond the "
				  "DMA mask %#llx", (unsigned long long)tlb,
				  (unsigned long long)*dev->dma_mask);
		return DMA_MAPPING_ERROR;
	}
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_sync_for_device_phys(dev, tlb, size, dir);
	return dma;
}

void swiotlb_for_each_mapping(struct dmamap_machine *m,
			      void (*fn)(phys_addr_t tlb, phys_addr_t orig, size_t size, void *arg),
			      void *arg)
{
	struct swiotlb *p = m->swiotlb;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	for (unsigned long i = 0; i < p->nslabs; i++) {
		const struct swiotlb_slot *s = &p->slots[i];

		if (!slot_used(p, i) || !s->nslots)
			continue;
		fn(p->start + ((phys_addr_t)i << IO_TLB_SHIFT), s->orig_addr, s->alloc_size, arg);
		i += s->nslots - 1;
	}
	pthread_mutex_unlock(&p->lock);
}
