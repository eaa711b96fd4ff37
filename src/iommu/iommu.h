/* SPDX-License-Identifier: MIT */
/* The IOMMU core as the library's other modules see it. */
#ifndef DMAMAP_SRC_IOMMU_IOMMU_H
#define DMAMAP_SRC_IOMMU_IOMMU_H

#include <dmamap/iommu.h>

#include "dma/device.h"
#include "iommu/io-pgtable.h"
#include "iommu/iova.h"

#define IOMMU_FQ_SIZE		256	/* lazy mode: queued invalidations before a forced flush */
#define IOMMU_QUEUED_BITS	4096	/* lazy mode: the filter of pages unmapped, not flushed */

struct iommu_fq_entry {
	unsigned long iova;
	size_t size;
	unsigned long iova_pfn;		/* IOVA to give back after the flush; 0: none */
	unsigned long iova_pages;
};

struct dmamap_iommu_domain {
	struct iommu_domain domain;
	struct dmamap_machine *machine;		/* read-only */
	struct dmamap_iommu_config cfg;		/* read-only, defaults filled in */
	struct io_pgtable_ops *pgtbl;		/* NULL for IDENTITY; its own atomics */
	struct iova_domain *iovad;		/* DMA domains only; own locking */
	u64 dma_limit;				/* DMA domains: the last IOVA @iovad holds */
	u64 gen;				/* IOTLB generation: invalidations bump it; lock */
	/* (atomic) gen as entries carry it, @key then @val, 16-byte aligned; see iotlb_tag */
	u64 tag_key __attribute__((aligned(16))), tag_val;
	/*
	 * (atomic) One past the last IOVA the inline translation takes: the
	 * aperture's end, or 0 while invalidations are queued (a hit may be
	 * stale then: iommu_bus_translate_queued() takes it).
	 */
	u64 fast_end;
	/*
	 * (atomic words; set and cleared under @lock) The pages unmapped since
	 * the last flush, by page number modulo 4096: a superset, so that a
	 * hit on a page whose bit is clear needs no walk to know it is not
	 * stale; all clear when nothing is queued. See iommu_maybe_queued().
	 */
	u64 queued[IOMMU_QUEUED_BITS / 64];
	u64 table_pages;			/* (atomic) */
	struct io_pgtable_window windows[DMAMAP_MAX_BANKS];
	struct io_pgtable_walker walker;	/* read-only; for the bus translation's walks */

	pthread_mutex_t lock;			/* guards everything below */
	struct list_head devices;		/* attached devices (struct dmamap_iotlb.node) */
	iommu_fault_handler_t handler;
	void *handler_token;
	struct dmamap_iommu_fault log[DMAMAP_IOMMU_FAULT_LOG];
	u64 nr_faults;
	struct iommu_fq_entry fq[IOMMU_FQ_SIZE];
	unsigned int fq_len;
};

static inline struct dmamap_iommu_domain *to_dmamap_domain(struct iommu_domain *d)
{
	return container_of(d, struct dmamap_iommu_domain, domain);
}

/*
 * One cached translation, read and written whole: 16 bytes, one atomic
 * access, so that fills need no lock and no read-modify-write, and two
 * threads filling the same entry leave one fill or the other, never a mix.
 * It is tagged by the domain generation read before the walk that filled
 * it; every invalidation bumps the generation (see iotlb_invalidate()).
 * @key: the IOVA page number + 1 in bits 0..36 (ias <= 48), the generation's
 * bits 0..26 above them. @val: the physical page and IOTLB_* bits, the
 * generation's bits 27..51 in bits 48..63 and 3..11, which a page address
 * below 2^48 leaves free. An entry of another generation could only match
 * after 2^52 invalidations. 0: empty.
 */
struct iotlb_entry {
	u64 key;
	u64 val;
} __attribute__((aligned(16)));

struct dmamap_iotlb {
	struct device *dev;
	struct dmamap_iommu_domain *domain;
	unsigned int nr;			/* power of two */
	unsigned long mask;			/* nr - 1: a page's entry is e[pfn & mask] */
	struct iotlb_entry *e;
	unsigned int walk_nr;			/* power of two; 0: no walk cache */
	struct iotlb_entry *walk;		/* the walk cache */
	struct list_head node;			/* domain->devices, under domain->lock */
};

#define IOTLB_R			(1ULL << 0)
#define IOTLB_W			(1ULL << 1)
#define IOTLB_RAM		(1ULL << 2)	/* the page is RAM (banks are whole pages) */

/* Does translation @val let the access through (a write, or a read)? */
static inline bool iotlb_allows(u64 val, bool write)
{
	return val & (write ? IOTLB_W : IOTLB_R);
}

#define IOTLB_VAL_GEN_MASK	(0xffff000000000000ULL | 0xff8ULL)

/*
 * A generation as the entries carry it, precomputed at each bump so that a
 * lookup only adds the page number: @key its bits 0..26 at 37..63, plus 1
 * (so that an empty entry, all zero, matches no page), @val its bits 27..42
 * at 48..63 and 43..51 at 3..11.
 */
struct iotlb_tag {
	u64 key;
	u64 val;
};

/*
 * The IOTLB's side of one bus call: its hits and misses, added to the
 * machine's once at the end, and the page that ended the last run. A run
 * ends where the next page is not contiguous in memory, which takes a
 * lookup of that page; the next run starts from that lookup instead of
 * making (and counting) a second one, as a device's translation unit
 * keeps the translation it fetched for the next burst.
 */
struct iotlb_access {
	u64 hits, misses;
	struct {
		unsigned long pfn1;	/* IOVA page number + 1; 0: nothing kept */
		struct iotlb_tag tag;	/* the generation it was looked up in */
		u64 val;		/* its translation (IOTLB value) */
		size_t leaf;		/* the leaf that maps it */
		int reason;		/* or the fault it took */
	} ahead;
};

static inline struct iotlb_tag iotlb_gen_tag(u64 gen)
{
	return (struct iotlb_tag){ (gen << 37) + 1,
				   ((gen >> 27) << 48) | (((gen >> 43) & 0x1ff) << 3) };
}

/*
 * The current tag, read with two acquire loads before any walk: @val, then
 * @key. A bump stores @key, then @val (release), after the descriptors are
 * cleared. So a reader that sees the new @val sees the new @key, and the
 * only mixed tag it can read is the new @key with the old @val. Within a
 * run of 2^27 generations the @val halves are equal and that tag is the new
 * one; a walk made after the new @key was seen reads the cleared tables.
 * Across such a boundary it matches only generations that are past: no
 * lookup of a later one finds an entry filled with it. An access that
 * began after the bump sees both new halves.
 */
static inline struct iotlb_tag iotlb_tag(const struct dmamap_iommu_domain *d)
{
	struct iotlb_tag tag;

	tag.val = smp_load_acquire(&d->tag_val);
	tag.key = smp_load_acquire(&d->tag_key);
	return tag;
}

/*
 * Whole-entry accesses. On x86-64 an aligned 16-byte SSE load or store is
 * atomic on every processor that has AVX (the Intel SDM, vol. 3A,
 * "Guaranteed Atomic Operations"; AMD documents the same); without AVX,
 * elsewhere, and under ThreadSanitizer (which knows the 16-byte atomic
 * builtins), the builtins do it.
 */
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#include <emmintrin.h>
#define IOTLB_SSE 1
extern bool iotlb_sse;	/* set once at load: the processor has AVX */
#endif

/* the fallback is the one 16-byte atomic this file means to make; clang warns of its cost */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Watomic-alignment"
#endif
static inline void iotlb_entry_load(const struct iotlb_entry *e, u64 *key, u64 *val)
{
#ifdef IOTLB_SSE
	if (likely(iotlb_sse)) {
		__attribute__((vector_size(16))) long long v;

		__asm__ volatile("movdqa %1, %0" : "=x"(v) : "m"(*e));
		*key = (u64)v[0];
		*val = (u64)v[1];
		return;
	}
#endif
	unsigned __int128 v = READ_ONCE(*((const unsigned __int128 *)e));

	*key = (u64)v;
	*val = (u64)(v >> 64);
}

static inline void iotlb_entry_store(struct iotlb_entry *e, u64 key, u64 val)
{
#ifdef IOTLB_SSE
	if (likely(iotlb_sse)) {
		__attribute__((vector_size(16))) long long v = { (long long)key, (long long)val };

		__asm__ volatile("movdqa %1, %0" : "=m"(*e) : "x"(v));
		return;
	}
#endif
	WRITE_ONCE(*((unsigned __int128 *)e), ((unsigned __int128)val << 64) | key);
}
#ifdef __clang__
#pragma clang diagnostic pop
#endif

/*
 * The translation of @n (a page of the aperture, or a 2 MiB region of the
 * walk cache) cached in the generation of @tag, in *@val (meaningless on a
 * miss). An entry filled from descriptors an invalidation has since cleared
 * carries an older generation. The key of @n is @tag's plus @n: @n is below
 * 2^37 - 1, so the sum never carries into the generation bits.
 */
static inline bool iotlb_lookup_in(const struct iotlb_entry *e, unsigned long mask,
				   struct iotlb_tag tag, unsigned long n, u64 *val)
{
	u64 key, v;

	iotlb_entry_load(&e[n & mask], &key, &v);
	*val = v & ~IOTLB_VAL_GEN_MASK;
	return !((key ^ (tag.key + n)) | ((v & IOTLB_VAL_GEN_MASK) ^ tag.val));
}

static inline void iotlb_fill_in(struct iotlb_entry *e, unsigned long mask, struct iotlb_tag tag,
				 unsigned long n, u64 val)
{
	iotlb_entry_store(&e[n & mask], tag.key + n, val | tag.val);
}

static inline bool iotlb_lookup(struct dmamap_iotlb *t, struct iotlb_tag tag, unsigned long pfn,
				u64 *val)
{
	return iotlb_lookup_in(t->e, t->mask, tag, pfn, val);
}

/*
 * iotlb_lookup() in the domain's current tag, for the inline translation's
 * hit. With SSE the tag is read the way the entry is, in one 16-byte load
 * (so its halves are one of the pairs iotlb_tag() may read: both old, both
 * new, or the new @key with the old @val), and the two are compared in a
 * vector register. Which of the two loads comes first does not matter: a
 * hit needs the entry's generation to be the one the tag load saw, and an
 * entry is valid in its generation until a bump is seen.
 */
static inline bool iotlb_lookup_now(struct dmamap_iotlb *t, const struct dmamap_iommu_domain *d,
				    unsigned long pfn, u64 *val)
{
#ifdef IOTLB_SSE
	if (likely(iotlb_sse)) {
		const __m128i gen_bits = _mm_set_epi64x((long long)IOTLB_VAL_GEN_MASK, -1LL);
		__m128i ent, tag, eq;

		__asm__ volatile("movdqa %1, %0" : "=x"(ent) : "m"(t->e[pfn & t->mask]));
		__asm__ volatile("movdqa %1, %0" : "=x"(tag) : "m"(d->tag_key), "m"(d->tag_val));
		/* the entry's key and generation bits against the tag plus the page */
		tag = _mm_add_epi64(tag, _mm_cvtsi64_si128((long long)pfn));
		eq = _mm_cmpeq_epi32(_mm_and_si128(ent, gen_bits), tag);
		*val = (u64)_mm_cvtsi128_si64(_mm_unpackhi_epi64(ent, ent)) & ~IOTLB_VAL_GEN_MASK;
		return _mm_movemask_epi8(eq) == 0xffff;
	}
#endif
	return iotlb_lookup(t, iotlb_tag(d), pfn, val);
}

/* Caches @val (from a walk made after @tag was read) for @pfn. */
static inline void iotlb_fill(struct dmamap_iotlb *t, struct iotlb_tag tag, unsigned long pfn,
			      u64 val)
{
	iotlb_fill_in(t->e, t->mask, tag, pfn, val);
}

/* One past the last byte of the RAM bank holding @phys, or 0 when it is not RAM. */
static inline phys_addr_t iommu_ram_end(const struct dmamap_machine *m, phys_addr_t phys)
{
	const struct mm_bank *b = mm_phys_bank(m, phys, 1);

	return b ? b->base + b->size : 0;
}

/*
 * A translated run starting at @phys, cut at the end of its RAM bank: its
 * length, or -EFAULT with a bus fault in @f when @phys is not RAM.
 */
static inline long iommu_ram_clip(const struct dmamap_machine *m, phys_addr_t phys, size_t len,
				  bool write, struct dmamap_fault *f)
{
	phys_addr_t end = iommu_ram_end(m, phys);

	if (unlikely(!end)) {
		f->flags = write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
		f->reason = DMAMAP_FAULT_BUS;
		return -EFAULT;
	}
	return (long)min_t(u64, len, end - phys);
}

/* Keeps the lookup of page @pfn (made in @tag) for the access's next run. */
static inline void iotlb_keep_ahead(struct iotlb_access *c, unsigned long pfn,
				    struct iotlb_tag tag, u64 val, size_t leaf, int reason)
{
	c->ahead.pfn1 = pfn + 1;
	c->ahead.tag = tag;
	c->ahead.val = val;
	c->ahead.leaf = leaf;
	c->ahead.reason = reason;
}

/*
 * Lazy mode: may page @pfn have been unmapped since the last flush? False
 * means it was not: its IOTLB entry, if of the current generation, is the
 * tables' translation (a strict unmap or a table free bumps the generation,
 * and only a lazy unmap lets an entry outlive its mapping). True means
 * perhaps: a walk tells. An unmap racing the access may be missed either
 * way, as by a walk made just before it.
 */
static inline bool iommu_maybe_queued(const struct dmamap_iommu_domain *d, unsigned long pfn)
{
	unsigned long bit = pfn % IOMMU_QUEUED_BITS;

	return smp_load_acquire(&d->queued[bit / 64]) & (1ULL << (bit % 64));
}

/*
 * The general case of iommu_bus_translate(): page by page, from @run bytes
 * into the access (found at *@phys when @run is not 0).
 */
long iommu_bus_translate_slow(struct device *dev, dma_addr_t dma, size_t len, bool write,
			      phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c,
			      size_t run);

/*
 * The walk cache: level-3 tables by the 2 MiB of IOVA each serves, as an
 * SMMU's walk cache holds the table descriptors of recent walks, so that a
 * walk that hits it reads one descriptor, the leaf, from memory. Its
 * entries are IOTLB entries (the table's host address as the value), tagged
 * the same way: a table is freed only after its descriptor was cleared and
 * the generation bumped (pgtbl_flush_walk()), so an entry never names a
 * table page that went back to the allocator.
 */
#define IOTLB_WALK_SHIFT	(PAGE_SHIFT + 9)

/* The walk from the top table, filling the walk cache (out of line: the cache mostly hits). */
u64 iommu_walk_full(struct dmamap_iotlb *t, struct iotlb_tag tag, unsigned long iova,
		    unsigned int *shift);

static inline u64 iommu_walk_leaf(struct dmamap_iotlb *t, struct iotlb_tag tag, unsigned long iova,
				  unsigned int *shift)
{
	unsigned long region = iova >> IOTLB_WALK_SHIFT;
	u64 tbl, pte;

	if (likely(t->walk_nr) &&
	    likely(iotlb_lookup_in(t->walk, t->walk_nr - 1, tag, region, &tbl))) {
		pte = smp_load_acquire(&((const u64 *)(uintptr_t)tbl)[(iova >> PAGE_SHIFT) & 511]);
		*shift = PAGE_SHIFT;
		return (pte & 1) ? pte : 0;
	}
	return iommu_walk_full(t, tag, iova, shift);
}

/*
 * A walk of the page table for @t's device (@tag read before): the page's
 * translation as an IOTLB value, or false; *@leaf the size of the leaf
 * that maps it. Inline, from the leaf descriptor itself: this is the whole
 * cost of an IOTLB miss. Whether the page is RAM goes in the value too (the
 * banks never change), so that a hit within one page needs no bank lookup.
 */
static inline bool iommu_walk_page(struct dmamap_iotlb *t, struct iotlb_tag tag, unsigned long iova,
				   u64 *val, size_t *leaf)
{
	struct dmamap_iommu_domain *d = t->domain;
	unsigned int shift;
	u64 pte = iommu_walk_leaf(t, tag, iova, &shift);
	phys_addr_t page;

	if (!pte)
		return false;
	*leaf = 1UL << shift;
	page = ((pte & ARM_LPAE_PTE_ADDR_MASK) + (iova & (*leaf - 1))) & PAGE_MASK;
	/* the walker's first window is the first RAM bank */
	*val = page | ((pte & ARM_LPAE_PTE_SW_NOREAD) ? 0 : IOTLB_R) |
	       ((pte & ARM_LPAE_PTE_AP_RDONLY) ? 0 : IOTLB_W) |
	       (page - d->walker.win_base < d->walker.win_size ||
			iommu_ram_end(d->machine, page) ? IOTLB_RAM : 0);
	return true;
}

/* A failed translation of @iova: *@f filled in, the fault logged; the errno to return. */
long iommu_translation_fault(struct dmamap_iommu_domain *d, struct device *dev,
			     unsigned long iova, bool write, int reason, struct dmamap_fault *f);

/*
 * iommu_bus_translate() when the first page missed the IOTLB and was
 * walked (translation @val, in a leaf of @leaf bytes) and the access goes
 * on past it or leaves RAM: the rest of the leaf, then the general loop.
 */
long iommu_bus_translate_walked(struct device *dev, dma_addr_t dma, size_t len, bool write,
				phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c,
				u64 val, size_t leaf);

/*
 * A run that starts with the page at @dma, translated to @val (allowed, and
 * counted): to the end of the access when it stays in that page, else to
 * the end of the page when the next page hits the IOTLB and is elsewhere in
 * memory (that lookup kept for the next run); everything else goes to the
 * general loop.
 */
/* always inline: its three callers are each one step of a hit's path */
static inline __attribute__((always_inline)) long
iommu_run_from(struct device *dev, struct dmamap_iotlb *t, struct dmamap_iommu_domain *d,
	       dma_addr_t dma, size_t len, bool write, phys_addr_t *phys, struct dmamap_fault *f,
	       struct iotlb_access *c, u64 val)
{
	unsigned long iova = (unsigned long)dma;
	size_t run = PAGE_SIZE - (iova & (PAGE_SIZE - 1));

	*phys = (val & PAGE_MASK) + (iova & (PAGE_SIZE - 1));
	/* within the page, which is RAM: no bank to look for */
	if (likely(len <= run) && likely(val & IOTLB_RAM))
		return (long)len;
	if (run < len) {
		/*
		 * The next page, as the general loop would look at it: when it
		 * hits and is not contiguous, the run ends with this page; when
		 * it hits and is, the loop goes on after it.
		 */
		struct iotlb_tag gen = iotlb_tag(d);
		u64 next;

		if (dma + run >= smp_load_acquire(&d->fast_end) ||
		    !iotlb_lookup(t, gen, (iova >> PAGE_SHIFT) + 1, &next) ||
		    !iotlb_allows(next, write))
			return iommu_bus_translate_slow(dev, dma, len, write, phys, f, c, run);
		c->hits++;
		if ((next & PAGE_MASK) != (val & PAGE_MASK) + PAGE_SIZE) {
			iotlb_keep_ahead(c, (iova >> PAGE_SHIFT) + 1, gen, next, PAGE_SIZE, 0);
			if (likely(val & IOTLB_RAM))
				return (long)run;
			len = run;
		} else {
			run += min_t(size_t, PAGE_SIZE, len - run);
			if (run < len)
				return iommu_bus_translate_slow(dev, dma, len, write, phys, f, c, run);
		}
	}
	/* the RAM bank ends the run too */
	return iommu_ram_clip(d->machine, *phys, len, write, f);
}

/*
 * iommu_bus_translate() beyond the aperture or while lazy invalidations are
 * queued: a hit on a page the queue cannot hold goes on as usual; anything
 * else goes to the general loop, which counts stale hits.
 */
long iommu_bus_translate_queued(struct device *dev, dma_addr_t dma, size_t len, bool write,
				phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c);

/*
 * Bus translation through the device's domain (see bus/bus.h for the
 * contract: @f is written only on failure). Inline for the common cases:
 * the first page hits the IOTLB, or misses and is walked and filled, with
 * the access allowed and nothing queued for invalidation; the rest of a
 * longer access, and everything else, goes through the general loop.
 */
static inline long iommu_bus_translate(struct device *dev, dma_addr_t dma, size_t len, bool write,
				       phys_addr_t *phys, struct dmamap_fault *f,
				       struct iotlb_access *c)
{
	struct dmamap_iotlb *t = dev->iotlb;
	struct dmamap_iommu_domain *d = t->domain;
	unsigned long iova = (unsigned long)dma;
	size_t run = PAGE_SIZE - (iova & (PAGE_SIZE - 1));
	u64 val;

	/* beyond the aperture, or invalidations queued */
	if (unlikely(dma >= smp_load_acquire(&d->fast_end)))
		return iommu_bus_translate_queued(dev, dma, len, write, phys, f, c);
	if (unlikely(!iotlb_lookup_now(t, d, iova >> PAGE_SHIFT, &val))) {
		/* the tag the walk and the fill go by, read before the walk */
		struct iotlb_tag gen = iotlb_tag(d);
		size_t leaf;

		/* the walk and the fill, inline too: a random access misses */
		c->misses++;
		if (unlikely(!iommu_walk_page(t, gen, iova, &val, &leaf)))
			return iommu_translation_fault(d, dev, iova, write,
						       DMAMAP_FAULT_TRANSLATION, f);
		iotlb_fill(t, gen, iova >> PAGE_SHIFT, val);
		if (unlikely(!iotlb_allows(val, write)))
			return iommu_translation_fault(d, dev, iova, write,
						       DMAMAP_FAULT_PERMISSION, f);
		*phys = (val & PAGE_MASK) + (iova & (PAGE_SIZE - 1));
		if (likely(len <= run) && likely(val & IOTLB_RAM))
			return (long)len;
		return iommu_bus_translate_walked(dev, dma, len, write, phys, f, c, val, leaf);
	}
	if (unlikely(!iotlb_allows(val, write)))
		return iommu_bus_translate_slow(dev, dma, len, write, phys, f, c, 0);
	c->hits++;
	return iommu_run_from(dev, t, d, dma, len, write, phys, f, c, val);
}

/* iommu_bus_translate_run() when the last run kept the page after it. */
long iommu_bus_translate_ahead(struct device *dev, dma_addr_t dma, size_t len, bool write,
			       phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c);

/*
 * The next run of an access that goes through the device's domain: from
 * the page the last run kept, when there is one, else translated anew.
 */
static inline long iommu_bus_translate_run(struct device *dev, dma_addr_t dma, size_t len,
					   bool write, phys_addr_t *phys, struct dmamap_fault *f,
					   struct iotlb_access *c)
{
	if (unlikely(c->ahead.pfn1))
		return iommu_bus_translate_ahead(dev, dma, len, write, phys, f, c);
	return iommu_bus_translate(dev, dma, len, write, phys, f, c);
}

/* The hooks of the IOMMU DMA backend (src/dma/dma-iommu.c). */
const struct dma_map_ops *iommu_domain_dma_ops(struct iommu_domain *domain);

/*
 * Lazy domains: queue the invalidation of [iova, iova+size) and, when
 * iova_pages is not 0, the return of that IOVA range to the allocator, both
 * done by the next flush. Strict domains: done now.
 */
void iommu_queue_flush(struct dmamap_iommu_domain *d, unsigned long iova, size_t size,
		       unsigned long iova_pfn, unsigned long iova_pages);

/* Every IOTLB entry of the domain's devices invalid now, whatever the flush mode. */
void iommu_invalidate_now(struct dmamap_iommu_domain *d);

/* Called by dmamap_device_destroy(). */
void iommu_release_device(struct device *dev);

#endif
