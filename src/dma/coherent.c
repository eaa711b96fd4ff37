// SPDX-License-Identifier: MIT
/*
 * Coherent allocations: their records, the atomic pool, and the cache
 * maintenance helpers shared by the backends.
 */
#include "dma/coherent.h"
#include "dma/debug.h"
#include "mm/fail.h"
#include "dma/swiotlb.h"
#include "mm/cache.h"
#include "mm/host.h"
#include "trace/trace.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_BUCKETS 4096

struct dma_records {
	pthread_mutex_t lock;		/* guards the buckets and next_seq */
	struct dma_alloc *bucket[RECORD_BUCKETS];
	u64 next_seq;
};

struct dma_coherent_pool {
	pthread_mutex_t lock;		/* guards used[] and nr_used */
	phys_addr_t phys;
	unsigned int order;
	unsigned long nr_pages;
	u8 *vaddr;			/* uncached mapping of the whole pool */
	u64 used[(1UL << MAX_PAGE_ORDER) / 64];
	unsigned long nr_used;
};

static inline unsigned int record_hash(const struct device *dev, dma_addr_t dma)
{
	u64 x = (dma >> PAGE_SHIFT) ^ ((u64)(unsigned long)dev >> 4);

	return (unsigned int)((x * 0x9E3779B97F4A7C15ULL) >> 40) % RECORD_BUCKETS;
}

int dma_alloc_insert(struct dma_alloc *a)
{
	struct dma_records *r = a->dev->machine->dma_records;
	unsigned int h = record_hash(a->dev, a->dma);

	pthread_mutex_lock(&r->lock);
	a->seq = r->next_seq++;
	a->next = r->bucket[h];
	r->bucket[h] = a;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

struct dma_alloc *dma_alloc_find(struct device *dev, dma_addr_t dma)
{
	struct dma_records *r = dev->machine->dma_records;
	struct dma_alloc *a;

	pthread_mutex_lock(&r->lock);
	for (a = r->bucket[record_hash(dev, dma)]; a; a = a->next)
		if (a->dev == dev && a->dma == dma)
			break;
	pthread_mutex_unlock(&r->lock);
	return a;
}

/*
 * Checks the (cpu_addr, size, attrs) a driver passes back for record @a:
 * 0, or -EINVAL with what differs from the alloc said in @why.
 */
static int dma_alloc_check(const struct dma_alloc *a, void *cpu_addr, size_t size,
			   unsigned long attrs, char *why, size_t len)
{
	bool cookie = a->kind == DMA_ALLOC_COOKIE;

	if (cpu_addr != a->cpu_addr)
		snprintf(why, len, "CPU address %p is not the %s %p returned for DMA address %#llx",
			 cpu_addr, cookie ? "cookie" : "address", a->cpu_addr,
			 (unsigned long long)a->dma);
	else if (cookie != !!(attrs & DMA_ATTR_NO_KERNEL_MAPPING))
		snprintf(why, len, cookie ? "cookie %p passed without DMA_ATTR_NO_KERNEL_MAPPING" :
			 "%p has a kernel mapping but DMA_ATTR_NO_KERNEL_MAPPING was passed",
			 cpu_addr);
	else if (size != a->size)
		snprintf(why, len, "size %zu, allocated with %zu", size, a->size);
	else if ((attrs & DMA_ALLOC_ATTRS_MATCH) != (a->attrs & DMA_ALLOC_ATTRS_MATCH))
		snprintf(why, len, "attributes %#lx, allocated with %#lx", attrs, a->attrs);
	else
		return 0;
	return -EINVAL;
}

__thread bool dma_free_refused __attribute__((tls_model("initial-exec")));

struct dma_alloc *dma_alloc_take(struct device *dev, void *cpu_addr, dma_addr_t dma, size_t size,
				 unsigned long attrs)
{
	struct dma_records *r = dev->machine->dma_records;
	struct dma_alloc *a, **pp;
	char why[200];
	int err = 0;

	pthread_mutex_lock(&r->lock);
	for (pp = &r->bucket[record_hash(dev, dma)]; (a = *pp); pp = &a->next)
		if (a->dev == dev && a->dma == dma)
			break;
	if (a)
		err = dma_alloc_check(a, cpu_addr, size, attrs, why, sizeof(why));
	if (a && !err)
		*pp = a->next;
	pthread_mutex_unlock(&r->lock);
	/* reported with no lock held: the handler may call the library */
	if (!a)
		dma_report(dev, DMAMAP_DEBUG_UNKNOWN_ADDR, dma, size,
			   "dma_free_attrs: no coherent allocation at DMA address %#llx; refused",
			   (unsigned long long)dma);
	else if (err)
		dma_report(dev, DMAMAP_DEBUG_FREE_MISMATCH, dma, size,
			   "dma_free_attrs: %s; refused", why);
	if (!a || err)
		dma_free_refused = true;
	return err ? NULL : a;
}

struct dma_alloc *dma_alloc_lookup(struct device *dev, void *cpu_addr, dma_addr_t dma,
				   unsigned long attrs, const char *fn)
{
	struct dma_alloc *a = dma_alloc_find(dev, dma);

	if (!a) {
		dma_report(dev, DMAMAP_DEBUG_UNKNOWN_ADDR, dma, 0,
			   "%s: no coherent allocation at DMA address %#llx", fn,
			   (unsigned long long)dma);
		return NULL;
	}
	if (cpu_addr != a->cpu_addr ||
	    !!(attrs & DMA_ATTR_NO_KERNEL_MAPPING) != (a->kind == DMA_ALLOC_COOKIE)) {
		dma_report(dev, DMAMAP_DEBUG_MISUSE, dma, 0,
			   "%s: %p / attributes %#lx do not match the allocation "
			   "(%p, %#lx)", fn, cpu_addr, attrs, a->cpu_addr, a->attrs);
		return NULL;
	}
	return a;
}

void dma_alloc_for_each(struct dmamap_machine *m, void (*fn)(const struct dma_alloc *a, void *arg),
			void *arg)
{
	struct dma_records *r = m->dma_records;

	pthread_mutex_lock(&r->lock);
	for (unsigned int i = 0; i < RECORD_BUCKETS; i++)
		for (struct dma_alloc *a = r->bucket[i]; a; a = a->next)
			fn(a, arg);
	pthread_mutex_unlock(&r->lock);
}

void dma_alloc_failed(struct device *dev, size_t size, gfp_t gfp, unsigned long attrs)
{
	if (!(attrs & DMA_ATTR_NO_WARN) && !(gfp & __GFP_NOWARN))
		mm_report(dev->machine, "%s: coherent allocation of %zu bytes failed", dev->name,
			  size);
}

void dma_map_sg_refuse(struct device *dev, struct scatterlist *sg, int nents, int i)
{
	if (!sg)
		dma_report_misuse(dev, "dma_map_sg: %d entries, the list ends after %d; refused",
				  nents, i);
	else if (!sg_page(sg))
		dma_report_misuse(dev, "dma_map_sg: entry %d has no page; refused", i);
	else
		dma_report_misuse(dev, "dma_map_sg: entry %d has length 0; refused", i);
}

/* The i-th frame of a record's buffer. */
static struct page *alloc_page_at(struct dma_alloc *a, unsigned long i)
{
	if (a->pages)
		return a->pages[i];
	return dmamap_pfn_to_page(a->dev->machine, PHYS_PFN(a->phys)) + i;
}

static unsigned long alloc_nr_pages(const struct dma_alloc *a)
{
	return PAGE_ALIGN(a->size) >> PAGE_SHIFT;
}

/*
 * The marks are a flag and the frame's private word, set and cleared with
 * plain atomic stores (no read-modify-write): while the buffer is allocated
 * nobody else writes its frames' flags. A reader that sees the flag loads
 * the record with acquire, and takes a cleared one (NULL) as "prepared":
 * the record is cleared after the zeroing, with release.
 *
 * The machine counts the buffers that have marks, so that a device access
 * looks at no frame flag while there are none: the count goes up before
 * the marks are set and down after they are cleared (with release, after
 * the zeroing). An access that was handed the buffer's DMA address sees the
 * count up; one that reads 0 (acquire) sees every zeroing done.
 */
void dma_alloc_defer_prep(struct dma_alloc *a)
{
	WRITE_ONCE(a->prep_state, DMA_PREP_PENDING);
	__atomic_add_fetch(&a->dev->machine->prep_deferred, 1, __ATOMIC_RELAXED);
	for (unsigned long i = 0; i < alloc_nr_pages(a); i++) {
		struct page *p = alloc_page_at(a, i);
		unsigned long flags = READ_ONCE(p->flags);

		WRITE_ONCE(p->private, (unsigned long)a);
		smp_store_release(&p->flags, flags | PG_prep_pending);
	}
}

static void clear_marks(struct dma_alloc *a)
{
	for (unsigned long i = 0; i < alloc_nr_pages(a); i++) {
		struct page *p = alloc_page_at(a, i);
		unsigned long flags = READ_ONCE(p->flags);

		smp_store_release(&p->flags, flags & ~PG_prep_pending);
		smp_store_release(&p->private, 0);
	}
	__atomic_sub_fetch(&a->dev->machine->prep_deferred, 1, __ATOMIC_RELEASE);
}

/*
 * Ends the buffer's pending state once, whoever comes first: a device or
 * CPU exposure (@zero: the frames are prepared) or the free (they are not).
 * The one that claims it clears the marks; anyone else waits until then.
 */
static void prep_end(struct dma_alloc *a, bool zero)
{
	u32 st = DMA_PREP_PENDING;

	if (smp_load_acquire(&a->prep_state) == DMA_PREP_DONE)
		return;
	if (__atomic_compare_exchange_n(&a->prep_state, &st, DMA_PREP_RUNNING, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		unsigned long n = alloc_nr_pages(a), i = 0;

		/* one call per physically contiguous run */
		while (zero && i < n) {
			unsigned long j = i + 1;

			while (j < n && alloc_page_at(a, j) == alloc_page_at(a, j - 1) + 1)
				j++;
			mm_prep_dma_pages(a->dev->machine, alloc_page_at(a, i), j - i);
			i = j;
		}
		clear_marks(a);
		smp_store_release(&a->prep_state, DMA_PREP_DONE);
		return;
	}
	/* another thread is at it: it will not be long */
	while (smp_load_acquire(&a->prep_state) != DMA_PREP_DONE)
		sched_yield();
}

void dma_alloc_prep(struct dma_alloc *a)
{
	prep_end(a, true);
}

void dma_alloc_undefer(struct dma_alloc *a)
{
	prep_end(a, false);
}

void dma_prep_pending_range(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	unsigned long gidx = mm_phys_gidx(m, phys);
	unsigned long n = (unsigned long)((ALIGN(phys + len, PAGE_SIZE) -
					   ALIGN_DOWN(phys, PAGE_SIZE)) >> PAGE_SHIFT);

	if (gidx == ~0UL)
		return;
	for (unsigned long i = 0; i < n; i++) {
		struct page *p = &m->pages[gidx + i];

		if (unlikely(smp_load_acquire(&p->flags) & PG_prep_pending)) {
			struct dma_alloc *a =
				(struct dma_alloc *)smp_load_acquire(&p->private);

			/* NULL: prepared meanwhile (see dma_alloc_defer_prep()) */
			if (a)
				dma_alloc_prep(a);
		}
	}
}

unsigned long dma_pgprot(struct device *dev, unsigned long prot, unsigned long attrs)
{
	if (dev->dma_coherent)
		return prot;
	if (attrs & DMA_ATTR_WRITE_COMBINE)
		return pgprot_writecombine(prot);
	return pgprot_noncached(prot);
}

/* --- the atomic pool ----------------------------------------------------- */

static int pool_init(struct dmamap_machine *m)
{
	struct dma_coherent_pool *p;
	unsigned int order;

	if (m->cfg.atomic_pool_size == DMAMAP_ATOMIC_POOL_OFF)
		return 0;
	order = get_order(m->cfg.atomic_pool_size);

	if (order > MAX_PAGE_ORDER || (PAGE_SIZE << order) != m->cfg.atomic_pool_size) {
		mm_report(m, "machine: atomic pool of %#llx bytes (a power of two, 4 KiB..4 MiB)",
			  (unsigned long long)m->cfg.atomic_pool_size);
		return -EINVAL;
	}
	p = mm_kzalloc(m, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->order = order;
	p->nr_pages = 1UL << order;
	/* the pool serves 32-bit devices too: below 4 GiB like the kernel's DMA32 pool */
	p->phys = mm_alloc_boot_frames(m, GFP_DMA32, order);
	if (p->phys == (phys_addr_t)-1)
		goto out_free;
	/* a new machine's memory is all zero and the CPU holds none of it: no prep */
	p->vaddr = host_map_shared(m, m->memfd, mm_phys_to_file(m, p->phys), PAGE_SIZE << order);
	if (!p->vaddr)
		goto out_pages;
	m->atomic_pool = p;
	return 0;

out_pages:
	mm_free_boot_frames(m, p->phys, order);
out_free:
	pthread_mutex_destroy(&p->lock);
	free(p);
	return -ENOMEM;
}

static void pool_exit(struct dmamap_machine *m)
{
	struct dma_coherent_pool *p = m->atomic_pool;

	if (!p)
		return;
	host_release(p->vaddr, PAGE_SIZE << p->order);
	mm_free_boot_frames(m, p->phys, p->order);
	pthread_mutex_destroy(&p->lock);
	free(p);
	m->atomic_pool = NULL;
}

static bool pool_range_free(const struct dma_coherent_pool *p, unsigned long first, unsigned long n)
{
	for (unsigned long i = first; i < first + n; i++)
		if (p->used[i / 64] >> (i % 64) & 1)
			return false;
	return true;
}

static void pool_mark(struct dma_coherent_pool *p, unsigned long first, unsigned long n, bool used)
{
	for (unsigned long i = first; i < first + n; i++) {
		if (used)
			p->used[i / 64] |= 1ULL << (i % 64);
		else
			p->used[i / 64] &= ~(1ULL << (i % 64));
	}
}

/*
 * First fit, aligned to the size's order as the kernel's pool does; the
 * pool is at most 1024 pages, so the scan is bounded.
 */
void *dma_alloc_from_pool(struct device *dev, size_t size, phys_addr_t *phys)
{
	struct dma_coherent_pool *p = dev->machine->atomic_pool;
	unsigned long n = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long align = 1UL << get_order(size);
	void *ret = NULL;

	if (!p || n > p->nr_pages)
		return NULL;
	pthread_mutex_lock(&p->lock);
	for (unsigned long first = 0; first + n <= p->nr_pages; first += align) {
		if (pool_range_free(p, first, n)) {
			pool_mark(p, first, n, true);
			p->nr_used += n;
			*phys = p->phys + (first << PAGE_SHIFT);
			ret = p->vaddr + (first << PAGE_SHIFT);
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (ret)
		memset(ret, 0, n << PAGE_SHIFT);	/* uncached: straight to memory */
	return ret;
}

bool dma_in_pool(struct dmamap_machine *m, const void *vaddr)
{
	struct dma_coherent_pool *p = m->atomic_pool;
	const u8 *v = vaddr;

	return p && v >= p->vaddr && v < p->vaddr + (p->nr_pages << PAGE_SHIFT);
}

void dma_free_from_pool(struct dmamap_machine *m, void *vaddr, size_t size)
{
	struct dma_coherent_pool *p = m->atomic_pool;
	unsigned long first = (unsigned long)((u8 *)vaddr - p->vaddr) >> PAGE_SHIFT;
	unsigned long n = PAGE_ALIGN(size) >> PAGE_SHIFT;

	pthread_mutex_lock(&p->lock);
	pool_mark(p, first, n, false);
	p->nr_used -= n;
	pthread_mutex_unlock(&p->lock);
}

/* --- cache maintenance for streaming DMA ----------------------------------- */

static void sync_for_device(struct device *dev, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, bool track)
{
	struct dmamap_machine *m = dev->machine;
	u64 t0;

	if (dev->dma_coherent)
		return;
	t0 = m->noncoherent && trace_on(dev) ? trace_now() : 0;
	if (dir == DMA_FROM_DEVICE)
		mm_cache_inval(m, phys, size);
	else
		mm_cache_clean(m, phys, size);
	if (dir != DMA_TO_DEVICE)
		mm_cache_prime(m, phys, size, track);
	if (t0)
		trace_cache(dev, dir == DMA_FROM_DEVICE ? "cache_invalidate" : "cache_clean", phys,
			    size, dir, t0);
}

void dma_sync_for_device_phys(struct device *dev, phys_addr_t phys, size_t size,
			      enum dma_data_direction dir)
{
	sync_for_device(dev, phys, size, dir, true);
}

void dma_sync_range_for_device_phys(struct device *dev, phys_addr_t phys, size_t size,
				    enum dma_data_direction dir)
{
	sync_for_device(dev, phys, size, dir, false);
}

void dma_sync_for_cpu_phys(struct device *dev, phys_addr_t phys, size_t size,
			   enum dma_data_direction dir)
{
	u64 t0;

	if (dev->dma_coherent || dir == DMA_TO_DEVICE)
		return;
	t0 = dev->machine->noncoherent && trace_on(dev) ? trace_now() : 0;
	mm_cache_inval_for_cpu(dev->machine, phys, size);
	if (t0)
		trace_cache(dev, "cache_invalidate", phys, size, dir, t0);
}

void dma_map_nosync_phys(struct device *dev, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir)
{
	if (!dev->dma_coherent && dir != DMA_TO_DEVICE)
		mm_cache_track(dev->machine, phys, size);
}

void dma_unmap_forget_phys(struct device *dev, phys_addr_t phys, size_t size)
{
	if (!dev->dma_coherent)
		mm_cache_forget(dev->machine, phys, size);
}

/* --- per machine ------------------------------------------------------------ */

/* Bytes of RAM below 4 GiB, where the pools must lie. */
static u64 low_ram(const struct dmamap_machine *m)
{
	u64 low = 0;

	for (unsigned int i = 0; i < m->nr_banks; i++) {
		const struct mm_bank *b = &m->banks[i];

		if (b->base < SZ_4G)
			low += min_t(u64, b->size, SZ_4G - b->base);
	}
	return low;
}

/*
 * Defaults that fit the machine: swiotlb at most an eighth of low RAM (in
 * 256 KiB steps), the atomic pool a sixteenth (a power of two); off when
 * low RAM is too small for them. What the caller asked for is kept as is.
 */
static void fit_default_pools(struct dmamap_machine *m)
{
	u64 low = low_ram(m);

	if (m->swiotlb_defaulted) {
		u64 size = min_t(u64, m->cfg.swiotlb_size, ALIGN_DOWN(low / 8, 256ULL << 10));

		m->cfg.swiotlb_size = size ? size : DMAMAP_SWIOTLB_OFF;
	}
	if (m->pool_defaulted) {
		u64 size = m->cfg.atomic_pool_size;

		while (size > PAGE_SIZE && size > low / 16)
			size >>= 1;
		m->cfg.atomic_pool_size = size <= low / 16 ? size : DMAMAP_ATOMIC_POOL_OFF;
	}
}

int dma_machine_init(struct dmamap_machine *m)
{
	int ret;

	fit_default_pools(m);
	m->dma_records = mm_kzalloc(m, sizeof(*m->dma_records));
	if (!m->dma_records)
		return -ENOMEM;
	pthread_mutex_init(&m->dma_records->lock, NULL);
	ret = debug_dma_machine_init(m);
	if (ret)
		goto out_records;
	ret = pool_init(m);
	if (ret && m->pool_defaulted) {
		/* no room for the default pool: the machine goes without, as Linux does */
		m->cfg.atomic_pool_size = DMAMAP_ATOMIC_POOL_OFF;
		ret = 0;
	}
	if (ret)
		goto out_records;
	ret = swiotlb_init(m);
	if (ret && m->swiotlb_defaulted) {
		m->cfg.swiotlb_size = DMAMAP_SWIOTLB_OFF;
		ret = 0;
	}
	if (ret)
		goto out_pool;
	return 0;

out_pool:
	pool_exit(m);
out_records:
	debug_dma_machine_exit(m);
	pthread_mutex_destroy(&m->dma_records->lock);
	free(m->dma_records);
	m->dma_records = NULL;
	return ret;
}

void dma_machine_exit(struct dmamap_machine *m)
{
	struct dma_records *r = m->dma_records;

	swiotlb_exit(m);
	pool_exit(m);
	debug_dma_machine_exit(m);
	if (!r)
		return;
	/* allocations the drivers never freed go with the machine */
	for (unsigned int i = 0; i < RECORD_BUCKETS; i++) {
		struct dma_alloc *a = r->bucket[i], *n;

		for (; a; a = n) {
			n = a->next;
			free(a->pages);
			free(a);
		}
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
	m->dma_records = NULL;
}

void dma_machine_stats(struct dmamap_machine *m, struct dmamap_stats *out)
{
	struct dma_coherent_pool *p = m->atomic_pool;

	if (p) {
		pthread_mutex_lock(&p->lock);
		out->atomic_pool_bytes = (u64)p->nr_pages << PAGE_SHIFT;
		out->atomic_pool_used = p->nr_used << PAGE_SHIFT;
		pthread_mutex_unlock(&p->lock);
	}
	swiotlb_stats(m, out);
}
