// SPDX-License-Identifier: MIT
/*
 * IOMMU domains: page tables in the machine's RAM, attach/detach, map and
 * unmap, the per-device IOTLB, strict and lazy invalidation, faults, and
 * bus translation.
 *
 * The IOTLB: each attached device has a direct-mapped cache of translations
 * (one entry per IOVA page, tagged with the domain's generation) and a walk
 * cache (level-3 tables by the 2 MiB they map, tagged the same way). A
 * strict unmap bumps the generation before it returns: every entry of every
 * attached device is invalid from then on, as after an invalidation by
 * ASID. A lazy unmap only queues the invalidation: until the next flush
 * (queue full, or iommu_flush_iotlb_all) an access that hits a stale entry
 * still goes through, as on hardware, and is counted as a stale hit; IOVAs
 * that the DMA layer freed are handed back to the allocator only by the
 * flush. Removing a page table bumps the generation too, in both modes,
 * before the table is freed (the io-pgtable's flush_walk).
 *
 * Entries are read and written whole, with one 16-byte atomic access, and
 * without a lock: a fill is a single store (see iommu.h).
 */
#include "iommu/iommu.h"
#include "mm/fail.h"
#include "bus/bus.h"
#include "dma/dma-iommu.h"
#include "trace/trace.h"
#include "lib/lockdep.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_IAS		32
#define DEFAULT_PGSIZES		(SZ_4K | SZ_2M | SZ_1G)
#define DEFAULT_IOTLB		64
#define MAX_IOTLB		(1U << 16)
#define DEFAULT_WALK_CACHE	256
#define DEFAULT_OAS		48

/* --- table pages from the machine --------------------------------------- */

/* A table of @size bytes: a block of the buddy allocator, so aligned to its size. */
static void *pgtbl_alloc_table(void *cookie, size_t size, phys_addr_t *phys)
{
	struct dmamap_iommu_domain *d = cookie;
	unsigned int order = ilog2_u64(size >> PAGE_SHIFT);
	struct page *page;
	void *va;

	if (mm_should_fail(DMAMAP_FAIL_PGTABLE, d->machine))
		return NULL;
	page = mm_alloc_pages_capped(d->machine, GFP_KERNEL, order, ~(phys_addr_t)0);
	if (!page)
		return NULL;
	for (unsigned long i = 0; i < (1UL << order); i++)
		__atomic_fetch_or(&page[i].flags, PG_pgtable, __ATOMIC_RELAXED);
	*phys = page_to_phys(page);
	/* the walker reads memory, as a non-snooping table walker would */
	va = mm_phys_to_mem(d->machine, *phys);
	memset(va, 0, size);
	__atomic_fetch_add(&d->table_pages, 1UL << order, __ATOMIC_RELAXED);
	return va;
}

static void pgtbl_free_table(void *cookie, void *table, phys_addr_t phys, size_t size)
{
	struct dmamap_iommu_domain *d = cookie;
	unsigned int order = ilog2_u64(size >> PAGE_SHIFT);
	struct page *page = dmamap_pfn_to_page(d->machine, PHYS_PFN(phys));

	(void)table;
	for (unsigned long i = 0; i < (1UL << order); i++)
		__atomic_fetch_and(&page[i].flags, ~PG_pgtable, __ATOMIC_RELAXED);
	mm_free_pages_checked(d->machine, page, order);
	__atomic_fetch_sub(&d->table_pages, 1UL << order, __ATOMIC_RELAXED);
}

/* The kernel warns of an unmap that takes part of a block; so does the model. */
static void pgtbl_partial_unmap(void *cookie, unsigned long iova, size_t size, size_t block)
{
	struct dmamap_iommu_domain *d = cookie;

	mm_debug_report(d->machine, NULL, DMAMAP_DEBUG_MISUSE, iova, size, NULL, NULL,
			"unmap of IOVA %#lx+%#zx, part of a %#zx-byte block: nothing unmapped "
			"(a block is unmapped whole, never split)", iova, size, block);
}

static void iotlb_invalidate(struct dmamap_iommu_domain *d);

/*
 * A table is about to be freed: the walk caches (and the IOTLBs, with the
 * same generation) forget everything before its page can be reused.
 */
static void pgtbl_flush_walk(void *cookie)
{
	struct dmamap_iommu_domain *d = cookie;

	pthread_mutex_lock(&d->lock);
	iotlb_invalidate(d);
	pthread_mutex_unlock(&d->lock);
}

static void *pgtbl_phys_to_table(void *cookie, phys_addr_t phys)
{
	struct dmamap_iommu_domain *d = cookie;

	return mm_phys_to_mem(d->machine, phys);
}

/* --- domains ---------------------------------------------------------------- */

/* The block sizes ARM's LPAE formats define with @granule (up to 48 output bits). */
static unsigned long granule_blocks(unsigned long granule)
{
	return granule == SZ_4K ? SZ_2M | SZ_1G : granule == SZ_16K ? SZ_32M :
	       granule == SZ_64K ? SZ_512M : 0;
}

static int check_iommu_config(struct dmamap_machine *m, struct dmamap_iommu_config *c)
{
	unsigned long granule;

	if (!c->type)
		c->type = IOMMU_DOMAIN_DMA;
	if (!c->ias)
		c->ias = DEFAULT_IAS;
	if (!c->pgsize_bitmap)
		c->pgsize_bitmap = DEFAULT_PGSIZES;
	if (!c->iotlb_entries)
		c->iotlb_entries = DEFAULT_IOTLB;
	if (!c->oas)
		c->oas = DEFAULT_OAS;
	if (c->type != IOMMU_DOMAIN_DMA && c->type != IOMMU_DOMAIN_UNMANAGED &&
	    c->type != IOMMU_DOMAIN_IDENTITY) {
		mm_report(m, "iommu: unknown domain type %#x", c->type);
		return -EINVAL;
	}
	if (c->ias < 20 || c->ias > 48) {
		mm_report(m, "iommu: %u IOVA bits (20..48)", c->ias);
		return -EINVAL;
	}
	granule = c->pgsize_bitmap & (SZ_4K | SZ_16K | SZ_64K);
	if (!is_power_of_2(granule) || (c->pgsize_bitmap & ~(granule | granule_blocks(granule)))) {
		mm_report(m, "iommu: page sizes %#lx (one granule and its blocks: 4 KiB with 2 MiB "
			  "and 1 GiB, 16 KiB with 32 MiB, 64 KiB with 512 MiB)", c->pgsize_bitmap);
		return -EINVAL;
	}
	if (c->type == IOMMU_DOMAIN_DMA && granule != SZ_4K) {
		mm_report(m, "iommu: DMA domains use the 4 KiB granule (page sizes %#lx)",
			  c->pgsize_bitmap);
		return -EINVAL;
	}
	if (c->oas != 32 && c->oas != 36 && c->oas != 40 && c->oas != 42 && c->oas != 44 &&
	    c->oas != 48) {
		mm_report(m, "iommu: %u output address bits (32, 36, 40, 42, 44 or 48)", c->oas);
		return -EINVAL;
	}
	if (c->flush != DMAMAP_IOMMU_STRICT && c->flush != DMAMAP_IOMMU_LAZY) {
		mm_report(m, "iommu: unknown flush mode %d", (int)c->flush);
		return -EINVAL;
	}
	if (c->iotlb_entries > MAX_IOTLB) {
		mm_report(m, "iommu: %u IOTLB entries (at most %u)", c->iotlb_entries, MAX_IOTLB);
		return -EINVAL;
	}
	if (c->walk_cache_entries > MAX_IOTLB && c->walk_cache_entries != DMAMAP_IOMMU_NO_WALK_CACHE) {
		mm_report(m, "iommu: %u walk cache entries (at most %u)", c->walk_cache_entries,
			  MAX_IOTLB);
		return -EINVAL;
	}
	/* the walk cache keeps 4 KiB-granule level-3 tables by the 2 MiB they map */
	if (granule != SZ_4K) {
		if (c->walk_cache_entries && c->walk_cache_entries != DMAMAP_IOMMU_NO_WALK_CACHE) {
			mm_report(m, "iommu: a walk cache with the %lu KiB granule (4 KiB only)",
				  granule >> 10);
			return -EINVAL;
		}
		c->walk_cache_entries = DMAMAP_IOMMU_NO_WALK_CACHE;
	}
	if (!c->walk_cache_entries)
		c->walk_cache_entries = DEFAULT_WALK_CACHE;
	return 0;
}

DMAMAP_API int dmamap_iommu_domain_create(struct dmamap_machine *m,
					  const struct dmamap_iommu_config *cfg,
					  struct iommu_domain **out)
{
	struct dmamap_iommu_domain *d;
	struct dmamap_iommu_config c = cfg ? *cfg : (struct dmamap_iommu_config){ 0 };
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!m)
		return -EINVAL;
	ret = check_iommu_config(m, &c);
	if (ret)
		return ret;
	d = mm_kzalloc(m, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->machine = m;
	d->cfg = c;
	d->domain.type = c.type;
	d->domain.pgsize_bitmap = c.pgsize_bitmap;
	pthread_mutex_init(&d->lock, NULL);
	INIT_LIST_HEAD(&d->devices);
	d->tag_key = iotlb_gen_tag(0).key;
	d->tag_val = iotlb_gen_tag(0).val;

	if (c.type != IOMMU_DOMAIN_IDENTITY) {
		struct io_pgtable_cfg pc = {
			.pgsize_bitmap = c.pgsize_bitmap,
			.ias = c.ias,
			.oas = c.oas,
			.alloc_table = pgtbl_alloc_table,
			.free_table = pgtbl_free_table,
			.phys_to_table = pgtbl_phys_to_table,
			.flush_walk = pgtbl_flush_walk,
			.partial_unmap = pgtbl_partial_unmap,
			.cookie = d,
			.windows = d->windows,
			.nr_windows = m->nr_banks,
		};

		/* the walker reads the tables in memory, bank by bank */
		for (unsigned int i = 0; i < m->nr_banks; i++)
			d->windows[i] = (struct io_pgtable_window){
				m->banks[i].base, m->banks[i].size,
				m->mem + ((u64)m->banks[i].first << PAGE_SHIFT) };

		/* IOVA 0 is never handed out: the aperture starts at the first page */
		d->domain.geometry.aperture_start = 0;
		d->domain.geometry.aperture_end = DMA_BIT_MASK(c.ias);
		d->fast_end = d->domain.geometry.aperture_end + 1;
		d->domain.geometry.force_aperture = true;
		d->pgtbl = alloc_io_pgtable_ops(&pc);
		if (!d->pgtbl) {
			ret = -ENOMEM;
			goto out_free;
		}
		io_pgtable_get_walker(d->pgtbl, &d->walker);
		/* less the blocks the table has no level for (1 GiB in 30 bits) */
		d->cfg.pgsize_bitmap = io_pgtable_pgsizes(d->pgtbl);
		d->domain.pgsize_bitmap = d->cfg.pgsize_bitmap;
	}
	if (c.type == IOMMU_DOMAIN_DMA) {
		/* IOVA 0 is never handed out; the allocator manages at most 2^28 granules */
		unsigned long end_pfn = min_t(u64, (DMA_BIT_MASK(c.ias) >> PAGE_SHIFT) + 1,
					      1UL << IOVA_MAX_SPACE_ORDER);

		ret = iova_domain_create(PAGE_SIZE, 1, end_pfn, &d->iovad);
		if (ret)
			goto out_pgtbl;
		d->dma_limit = ((u64)end_pfn << PAGE_SHIFT) - 1;
	}
	*out = &d->domain;
	return 0;

out_pgtbl:
	free_io_pgtable_ops(d->pgtbl);
out_free:
	pthread_mutex_destroy(&d->lock);
	free(d);
	return ret;
}

static void iotlb_free(struct dmamap_iotlb *t)
{
	free(t->walk);
	free(t->e);
	free(t);
}

static void detach_locked(struct dmamap_iommu_domain *d, struct dmamap_iotlb *t)
{
	struct device *dev = t->dev;

	lockdep_assert_held(&d->lock);
	list_del_init(&t->node);
	dev->domain = NULL;
	dev->iotlb = NULL;
	dmamap_device_update_ops(dev);
	iotlb_free(t);
}

DMAMAP_API void iommu_domain_free(struct iommu_domain *domain)
{
	struct dmamap_iommu_domain *d;
	bool in_use;

	if (!domain)
		return;
	d = to_dmamap_domain(domain);
	pthread_mutex_lock(&d->lock);
	in_use = !list_empty(&d->devices);
	pthread_mutex_unlock(&d->lock);
	/* each device as iommu_detach_device() does it: with none of its accesses under way */
	for (;;) {
		struct device *dev = NULL;

		pthread_mutex_lock(&d->lock);
		if (!list_empty(&d->devices))
			dev = list_first_entry(&d->devices, struct dmamap_iotlb, node)->dev;
		pthread_mutex_unlock(&d->lock);
		if (!dev)
			break;
		iommu_detach_device(domain, dev);
	}
	pthread_mutex_lock(&d->lock);
	if (d->iovad && in_use) {
		unsigned long live = iova_pages_used(d->iovad);

		for (unsigned int i = 0; i < d->fq_len; i++)
			live -= d->fq[i].iova_pages;
		/*
		 * Freed under its devices with their DMA API mappings and buffers
		 * live: their DMA addresses now name nothing, or other memory once
		 * the devices map again. (A device removed with its mappings left
		 * was reported as leaking them already.)
		 */
		if (live)
			mm_debug_report(d->machine, NULL, DMAMAP_DEBUG_MISUSE, 0, live << PAGE_SHIFT,
					NULL, NULL, "iommu_domain_free: freed under its devices with "
					"%lu page%s of IOVA still mapped by the DMA API", live,
					live == 1 ? "" : "s");
	}
	/* queued IOVAs go back with the allocator itself */
	d->fq_len = 0;
	pthread_mutex_unlock(&d->lock);
	if (d->iovad) {
		mm_count(d->machine, iova_pages_used, -(u64)iova_pages_used(d->iovad));
		iova_domain_destroy(d->iovad);
	}
	free_io_pgtable_ops(d->pgtbl);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

DMAMAP_API int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	struct dmamap_iommu_domain *d;
	struct dmamap_iotlb *t;

	if (!domain || !dev)
		return -EINVAL;
	d = to_dmamap_domain(domain);
	if (dev->machine != d->machine)
		return -EINVAL;
	if (dev->domain)
		return dev->domain == domain ? 0 : -EBUSY;
	t = mm_kzalloc(d->machine, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->nr = (unsigned int)roundup_pow_of_two(d->cfg.iotlb_entries);
	t->mask = t->nr - 1;
	/* 16-byte aligned, as malloc is on 64-bit hosts */
	t->e = mm_kcalloc(d->machine, t->nr, sizeof(*t->e));
	if (d->cfg.walk_cache_entries != DMAMAP_IOMMU_NO_WALK_CACHE) {
		t->walk_nr = (unsigned int)roundup_pow_of_two(d->cfg.walk_cache_entries);
		t->walk = mm_kcalloc(d->machine, t->walk_nr, sizeof(*t->walk));
	}
	if (!t->e || (t->walk_nr && !t->walk)) {
		iotlb_free(t);
		return -ENOMEM;
	}
	t->dev = dev;
	t->domain = d;
	/* no bus access of the device sees the IOTLB without its domain */
	bus_block(dev);
	pthread_mutex_lock(&d->lock);
	if (dev->domain) {
		/* attached meanwhile by another thread */
		pthread_mutex_unlock(&d->lock);
		bus_unblock(dev);
		iotlb_free(t);
		return dev->domain == domain ? 0 : -EBUSY;
	}
	list_add_tail(&t->node, &d->devices);
	dev->iotlb = t;
	dev->domain = domain;
	dmamap_device_update_ops(dev);
	pthread_mutex_unlock(&d->lock);
	bus_unblock(dev);
	return 0;
}

DMAMAP_API void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	struct dmamap_iommu_domain *d;

	if (!domain || !dev)
		return;
	if (dev->domain != domain) {
		mm_debug_report(dev->machine, dev, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"iommu_detach_device: %s is not attached to the domain; ignored",
				dev_name(dev));
		return;
	}
	d = to_dmamap_domain(domain);
	/* the IOTLB goes: no bus access of the device may be reading it */
	bus_block(dev);
	pthread_mutex_lock(&d->lock);
	if (dev->domain == domain)
		detach_locked(d, dev->iotlb);
	pthread_mutex_unlock(&d->lock);
	bus_unblock(dev);
}

void iommu_release_device(struct device *dev)
{
	if (dev->domain)
		iommu_detach_device(dev->domain, dev);
}

DMAMAP_API struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	return dev ? dev->domain : NULL;
}

DMAMAP_API void iommu_set_fault_handler(struct iommu_domain *domain, iommu_fault_handler_t handler,
				       void *token)
{
	struct dmamap_iommu_domain *d;

	if (!domain)
		return;
	d = to_dmamap_domain(domain);
	pthread_mutex_lock(&d->lock);
	d->handler = handler;
	d->handler_token = token;
	pthread_mutex_unlock(&d->lock);
}

/* --- map / unmap -------------------------------------------------------------- */

/* The smallest page size of the domain: what addresses and sizes must be aligned to. */
static inline size_t min_pgsize(const struct dmamap_iommu_domain *d)
{
	return d->domain.pgsize_bitmap & -d->domain.pgsize_bitmap;
}

/* gfp bits iommu_map() refuses, as the kernel does (page tables come from no zone of theirs) */
#define IOMMU_MAP_BAD_GFP	(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)

static bool map_gfp_ok(struct dmamap_iommu_domain *d, const char *fn, gfp_t gfp)
{
	if (!(gfp & IOMMU_MAP_BAD_GFP))
		return true;
	mm_debug_report(d->machine, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
			"%s: gfp %#x asks for a zone (__GFP_DMA, __GFP_DMA32 or __GFP_HIGHMEM), "
			"which page tables do not come from; refused", fn, gfp);
	return false;
}

/* As the kernel's __iommu_map(): the checks of the core, then the page table's. */
static int map_range(struct dmamap_iommu_domain *d, const char *fn, unsigned long iova,
		     phys_addr_t paddr, size_t size, int prot)
{
	int ret;

	if (!d->pgtbl)
		return -EINVAL;
	if (!IS_ALIGNED(iova | paddr | size, min_pgsize(d))) {
		mm_debug_report(d->machine, NULL, DMAMAP_DEBUG_MISUSE, iova, size, NULL, NULL,
				"%s: iova %#lx phys %#llx size %#zx: not aligned to %#zx; refused",
				fn, iova, (unsigned long long)paddr, size, min_pgsize(d));
		return -EINVAL;
	}
	if (!size)
		return 0;
	ret = io_pgtable_map(d->pgtbl, iova, paddr, size, prot);
	if (ret == -ERANGE)
		mm_debug_report(d->machine, NULL, DMAMAP_DEBUG_MISUSE, iova, size, NULL, NULL,
				"%s: iova %#lx phys %#llx size %#zx: beyond %u IOVA bits or %u "
				"output bits; refused", fn, iova, (unsigned long long)paddr, size,
				d->cfg.ias, d->cfg.oas);
	return ret;
}

DMAMAP_API int iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr,
			 size_t size, int prot, gfp_t gfp)
{
	struct dmamap_iommu_domain *d;

	if (!domain)
		return -EINVAL;
	d = to_dmamap_domain(domain);
	if (!map_gfp_ok(d, "iommu_map", gfp))
		return -EINVAL;
	return map_range(d, "iommu_map", iova, paddr, size, prot);
}

/*
 * A strict unmap's invalidation, before iommu_unmap() returns, and a
 * flush's (both under d->lock): the whole IOTLB of every device in the
 * domain, by bumping the generation, as an SMMU driver does with an
 * invalidation by ASID. The descriptors were cleared before the tag's
 * release stores: an access that reads either new half walks the cleared
 * table; an entry filled from the old descriptors was tagged with the
 * generation read before its walk, the old one, and never hits again (see
 * iotlb_tag()). Fills need no lock and no read-modify-write. (Invalidating
 * only the range would need a writer other than the fills, and then the
 * fills would need one.)
 */
static void iotlb_invalidate(struct dmamap_iommu_domain *d)
{
	struct iotlb_tag tag;

	lockdep_assert_held(&d->lock);
	tag = iotlb_gen_tag(++d->gen);
	/* @key first, then @val: see iotlb_tag() */
	smp_store_release(&d->tag_key, tag.key);
	smp_store_release(&d->tag_val, tag.val);
}

/*
 * Lazy mode: the pages of [iova, iova + size), whose descriptors are
 * cleared, into the filter of queued pages (release: a reader that sees a
 * bit walks the cleared tables); under the lock.
 */
static void mark_queued(struct dmamap_iommu_domain *d, unsigned long iova, size_t size)
{
	unsigned long pfn = iova >> PAGE_SHIFT, n = size >> PAGE_SHIFT;

	lockdep_assert_held(&d->lock);
	if (n >= IOMMU_QUEUED_BITS) {
		for (unsigned int i = 0; i < IOMMU_QUEUED_BITS / 64; i++)
			smp_store_release(&d->queued[i], ~0ULL);
		return;
	}
	for (unsigned long i = 0; i < n; i++) {
		unsigned long bit = (pfn + i) % IOMMU_QUEUED_BITS;
		u64 word = READ_ONCE(d->queued[bit / 64]);

		smp_store_release(&d->queued[bit / 64], word | (1ULL << (bit % 64)));
	}
}

/* The flush: every queued invalidation done, then the queued IOVAs freed. */
static void flush_locked(struct dmamap_iommu_domain *d)
{
	lockdep_assert_held(&d->lock);
	iotlb_invalidate(d);
	for (unsigned int i = 0; i < d->fq_len; i++) {
		struct iommu_fq_entry *e = &d->fq[i];

		if (e->iova_pages) {
			free_iova_fast(d->iovad, e->iova_pfn, e->iova_pages);
			mm_count(d->machine, iova_pages_used, -(u64)e->iova_pages);
		}
	}
	d->fq_len = 0;
	/* after the bump: entries of the pages they name no longer hit */
	for (unsigned int i = 0; i < IOMMU_QUEUED_BITS / 64; i++)
		smp_store_release(&d->queued[i], 0);
	smp_store_release(&d->fast_end, d->domain.geometry.aperture_end + 1);
}

void iommu_invalidate_now(struct dmamap_iommu_domain *d)
{
	pthread_mutex_lock(&d->lock);
	iotlb_invalidate(d);
	pthread_mutex_unlock(&d->lock);
}

void iommu_queue_flush(struct dmamap_iommu_domain *d, unsigned long iova, size_t size,
		       unsigned long iova_pfn, unsigned long iova_pages)
{
	pthread_mutex_lock(&d->lock);
	if (d->cfg.flush == DMAMAP_IOMMU_STRICT) {
		if (size)
			iotlb_invalidate(d);
		if (iova_pages) {
			free_iova_fast(d->iovad, iova_pfn, iova_pages);
			mm_count(d->machine, iova_pages_used, -(u64)iova_pages);
		}
	} else {
		if (d->fq_len == IOMMU_FQ_SIZE)
			flush_locked(d);
		d->fq[d->fq_len++] = (struct iommu_fq_entry){ iova, size, iova_pfn, iova_pages };
		mark_queued(d, iova, size);
		smp_store_release(&d->fast_end, 0);
	}
	pthread_mutex_unlock(&d->lock);
}

/*
 * As the kernel's __iommu_unmap(): aligned to the smallest page size, in
 * the largest units, stopping where nothing is mapped, at a unit inside a
 * block, or beyond the IOVA bits. No invalidation.
 */
static size_t unmap_range(struct dmamap_iommu_domain *d, const char *fn, unsigned long iova,
			  size_t size)
{
	if (!d->pgtbl)
		return 0;
	if (!IS_ALIGNED(iova | size, min_pgsize(d))) {
		mm_debug_report(d->machine, NULL, DMAMAP_DEBUG_MISUSE, iova, size, NULL, NULL,
				"%s: iova %#lx size %#zx: not aligned to %#zx; nothing unmapped", fn,
				iova, size, min_pgsize(d));
		return 0;
	}
	if (!size)
		return 0;
	/* what is inside goes, as the kernel's unmap goes up to the piece beyond (and warns) */
	if (iova + size - 1 < iova || iova + size - 1 > d->domain.geometry.aperture_end)
		mm_debug_report(d->machine, NULL, DMAMAP_DEBUG_MISUSE, iova, size, NULL, NULL,
				"%s: iova %#lx size %#zx: beyond %u IOVA bits", fn, iova, size,
				d->cfg.ias);
	return io_pgtable_unmap(d->pgtbl, iova, size);
}

DMAMAP_API size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size)
{
	struct dmamap_iommu_domain *d;
	size_t unmapped;

	if (!domain)
		return 0;
	d = to_dmamap_domain(domain);
	unmapped = unmap_range(d, "iommu_unmap", iova, size);
	if (unmapped)
		iommu_queue_flush(d, iova, unmapped, 0, 0);
	return unmapped;
}

DMAMAP_API size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova, size_t size,
				   struct iommu_iotlb_gather *gather)
{
	struct dmamap_iommu_domain *d;
	size_t unmapped;

	if (!domain || !gather)
		return 0;
	d = to_dmamap_domain(domain);
	unmapped = unmap_range(d, "iommu_unmap_fast", iova, size);
	if (!unmapped)
		return 0;
	/*
	 * The descriptors are cleared, the IOTLBs not invalidated: until the
	 * sync, a hit on these pages is walked to tell whether it is stale,
	 * as with a lazy unmap.
	 */
	pthread_mutex_lock(&d->lock);
	mark_queued(d, iova, unmapped);
	smp_store_release(&d->fast_end, 0);
	pthread_mutex_unlock(&d->lock);
	if (gather->queued)
		return unmapped;
	/* a range apart from the one gathered: that one is invalidated first */
	if (gather->end >= gather->start &&
	    (iova + unmapped < gather->start || iova > gather->end + 1))
		iommu_iotlb_sync(domain, gather);
	gather->start = min(gather->start, iova);
	gather->end = max(gather->end, iova + unmapped - 1);
	gather->pgsize = min_pgsize(d);
	return unmapped;
}

DMAMAP_API void iommu_iotlb_sync(struct iommu_domain *domain, struct iommu_iotlb_gather *gather)
{
	struct dmamap_iommu_domain *d;

	if (!domain || !gather)
		return;
	d = to_dmamap_domain(domain);
	if (d->pgtbl && gather->end >= gather->start) {
		if (d->cfg.flush == DMAMAP_IOMMU_STRICT) {
			/* everything: the filter of pages waiting for it is cleared too */
			pthread_mutex_lock(&d->lock);
			flush_locked(d);
			pthread_mutex_unlock(&d->lock);
		} else {
			iommu_queue_flush(d, gather->start, gather->end - gather->start + 1, 0, 0);
		}
	}
	iommu_iotlb_gather_init(gather);
}

DMAMAP_API ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
				struct scatterlist *sg, unsigned int nents, int prot, gfp_t gfp)
{
	struct dmamap_iommu_domain *d;
	size_t len = 0, mapped = 0;
	phys_addr_t start = 0;
	struct scatterlist *s;
	unsigned int i;
	int ret = 0;

	if (!domain || (!sg && nents))
		return -EINVAL;
	d = to_dmamap_domain(domain);
	if (!map_gfp_ok(d, "iommu_map_sg", gfp))
		return -EINVAL;
	/* physically contiguous entries go in one map, as the kernel's loop merges them */
	for_each_sg(sg, s, nents, i) {
		phys_addr_t phys;

		if (!sg_page(s)) {
			ret = -EINVAL;
			goto out_unmap;
		}
		phys = sg_phys(s);
		if (len && phys != start + len) {
			ret = map_range(d, "iommu_map_sg", iova + mapped, start, len, prot);
			if (ret)
				goto out_unmap;
			mapped += len;
			len = 0;
		}
		if (!len)
			start = phys;
		len += s->length;
	}
	if (len) {
		ret = map_range(d, "iommu_map_sg", iova + mapped, start, len, prot);
		if (ret)
			goto out_unmap;
		mapped += len;
	}
	return (ssize_t)mapped;

out_unmap:
	if (mapped)
		iommu_unmap(domain, iova, mapped);
	return ret;
}

DMAMAP_API struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	struct dmamap_iommu_config c;
	struct iommu_domain *domain;
	int ret;

	if (!dev)
		return ERR_PTR(-EINVAL);
	/* the IOMMU a device sits behind is the one of the domain it is attached to */
	if (!dev->domain)
		return ERR_PTR(-ENODEV);
	c = to_dmamap_domain(dev->domain)->cfg;
	c.type = IOMMU_DOMAIN_UNMANAGED;
	c.flush = DMAMAP_IOMMU_STRICT;
	ret = dmamap_iommu_domain_create(dev->machine, &c, &domain);
	return ret ? ERR_PTR(ret) : domain;
}

DMAMAP_API phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	struct dmamap_iommu_domain *d;

	if (!domain)
		return 0;
	d = to_dmamap_domain(domain);
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return iova;
	if (iova > domain->geometry.aperture_end)
		return 0;
	return d->pgtbl->iova_to_phys(d->pgtbl, (unsigned long)iova);
}

DMAMAP_API void iommu_flush_iotlb_all(struct iommu_domain *domain)
{
	struct dmamap_iommu_domain *d;

	if (!domain)
		return;
	d = to_dmamap_domain(domain);
	pthread_mutex_lock(&d->lock);
	flush_locked(d);
	pthread_mutex_unlock(&d->lock);
}

/* --- faults ------------------------------------------------------------------- */

static void report_fault(struct dmamap_iommu_domain *d, struct device *dev, unsigned long iova,
			 int flags, int reason)
{
	iommu_fault_handler_t handler;
	void *token;
	struct dmamap_iommu_fault *slot;

	mm_count(d->machine, iommu_faults, 1);
	if (trace_on(dev))
		trace_fault(dev, iova, flags, reason,
			    reason == DMAMAP_FAULT_PERMISSION ? -EACCES : -EFAULT);
	pthread_mutex_lock(&d->lock);
	slot = &d->log[d->nr_faults % DMAMAP_IOMMU_FAULT_LOG];
	d->nr_faults++;
	*slot = (struct dmamap_iommu_fault){ dev, iova, flags, reason, d->nr_faults };
	handler = d->handler;
	token = d->handler_token;
	pthread_mutex_unlock(&d->lock);
	/* outside the lock: a handler may well look at the domain */
	if (handler)
		handler(&d->domain, dev, iova, flags, token);
}

DMAMAP_API int dmamap_iommu_fault_log(struct iommu_domain *domain, struct dmamap_iommu_fault *out,
				      int max)
{
	struct dmamap_iommu_domain *d;
	int n = 0;

	if (!domain || !out || max < 0)
		return -EINVAL;
	d = to_dmamap_domain(domain);
	pthread_mutex_lock(&d->lock);
	for (u64 seq = d->nr_faults; seq > 0 && n < max && d->nr_faults - seq < DMAMAP_IOMMU_FAULT_LOG;
	     seq--)
		out[n++] = d->log[(seq - 1) % DMAMAP_IOMMU_FAULT_LOG];
	pthread_mutex_unlock(&d->lock);
	return n;
}

/* --- the IOTLB and bus translation ---------------------------------------- */

#ifdef IOTLB_SSE
bool iotlb_sse;

__attribute__((constructor)) static void iotlb_init_sse(void)
{
	__builtin_cpu_init();
	iotlb_sse = __builtin_cpu_supports("avx");
}
#endif

long iommu_translation_fault(struct dmamap_iommu_domain *d, struct device *dev,
			     unsigned long iova, bool write, int reason, struct dmamap_fault *f)
{
	f->flags = write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
	f->reason = reason;
	report_fault(d, dev, iova, f->flags, reason);
	return reason == DMAMAP_FAULT_PERMISSION ? -EACCES : -EFAULT;
}

u64 iommu_walk_full(struct dmamap_iotlb *t, struct iotlb_tag tag, unsigned long iova,
		    unsigned int *shift)
{
	const u64 *l3 = NULL;
	u64 pte;

	/* (no walk cache with these: see check_iommu_config()) */
	if (unlikely(t->domain->walker.pg_shift != PAGE_SHIFT))
		return io_pgtable_leaf_granule(&t->domain->walker, iova, shift);
	pte = io_pgtable_leaf(&t->domain->walker, iova, shift, &l3);

	if (l3 && t->walk_nr)
		iotlb_fill_in(t->walk, t->walk_nr - 1, tag, iova >> IOTLB_WALK_SHIFT, (u64)(uintptr_t)l3);
	return pte;
}

long iommu_bus_translate_walked(struct device *dev, dma_addr_t dma, size_t len, bool write,
				phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c,
				u64 val, size_t leaf)
{
	struct dmamap_iommu_domain *d = dev->iotlb->domain;
	unsigned long iova = (unsigned long)dma;
	/* to the end of the leaf, as the general loop goes */
	size_t run = min(leaf - (iova & (leaf - 1)), len);

	*phys = (val & PAGE_MASK) + (iova & (PAGE_SIZE - 1));
	if (run < len)
		return iommu_bus_translate_slow(dev, dma, len, write, phys, f, c, run);
	return iommu_ram_clip(d->machine, *phys, len, write, f);
}

long iommu_bus_translate_ahead(struct device *dev, dma_addr_t dma, size_t len, bool write,
			       phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c)
{
	struct dmamap_iommu_domain *d = dev->iotlb->domain;
	unsigned long iova = (unsigned long)dma;
	struct iotlb_tag tag = iotlb_tag(d);
	int reason = c->ahead.reason;

	/*
	 * Kept for this page and not invalidated since: that lookup is this
	 * page's. Otherwise the page is translated again.
	 */
	if (c->ahead.pfn1 != (iova >> PAGE_SHIFT) + 1 ||
	    c->ahead.tag.key != tag.key || c->ahead.tag.val != tag.val) {
		c->ahead.pfn1 = 0;
		return iommu_bus_translate(dev, dma, len, write, phys, f, c);
	}
	c->ahead.pfn1 = 0;
	if (!reason && !iotlb_allows(c->ahead.val, write))
		reason = DMAMAP_FAULT_PERMISSION;
	if (reason)
		return iommu_translation_fault(d, dev, iova, write, reason, f);
	/* a page the IOTLB had: on as from a hit; a leaf just walked: to its end */
	if (c->ahead.leaf == PAGE_SIZE)
		return iommu_run_from(dev, dev->iotlb, d, dma, len, write, phys, f, c,
				      c->ahead.val);
	return iommu_bus_translate_walked(dev, dma, len, write, phys, f, c, c->ahead.val,
					  c->ahead.leaf);
}

long iommu_bus_translate_queued(struct device *dev, dma_addr_t dma, size_t len, bool write,
				phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c)
{
	struct dmamap_iotlb *t = dev->iotlb;
	struct dmamap_iommu_domain *d = t->domain;
	unsigned long pfn = (unsigned long)(dma >> PAGE_SHIFT);
	u64 val;

	if (dma > d->domain.geometry.aperture_end || !iotlb_lookup_now(t, d, pfn, &val) ||
	    !iotlb_allows(val, write) || iommu_maybe_queued(d, pfn))
		return iommu_bus_translate_slow(dev, dma, len, write, phys, f, c, 0);
	c->hits++;
	return iommu_run_from(dev, t, d, dma, len, write, phys, f, c, val);
}

long iommu_bus_translate_slow(struct device *dev, dma_addr_t dma, size_t len, bool write,
			      phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c,
			      size_t run)
{
	struct dmamap_iotlb *t = dev->iotlb;
	struct dmamap_iommu_domain *d = t->domain;
	phys_addr_t start = run ? *phys : 0;
	bool ram_page = false;		/* the run is in its first page, which is RAM */

	f->flags = write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
	while (run < len) {
		unsigned long iova = (unsigned long)(dma + run);
		struct iotlb_tag gen = iotlb_tag(d);
		u64 val = 0, wval;
		size_t leaf = PAGE_SIZE, step;
		phys_addr_t p;
		int reason = 0;

		if (iova > d->domain.geometry.aperture_end || iova < dma) {
			reason = DMAMAP_FAULT_ADDRESS_SIZE;
		} else if (iotlb_lookup(t, gen, iova >> PAGE_SHIFT, &val)) {
			c->hits++;
			/*
			 * Lazy mode: the entry may outlive its mapping until the
			 * flush. The access goes through either way; whether it was
			 * stale is known by walking the table, when the page may
			 * have been unmapped since the last flush.
			 */
			if (iommu_maybe_queued(d, iova >> PAGE_SHIFT) &&
			    (!iommu_walk_page(t, gen, iova, &wval, &leaf) || wval != val))
				mm_count(d->machine, stale_iotlb_hits, 1);
			leaf = PAGE_SIZE;
		} else {
			c->misses++;
			if (!iommu_walk_page(t, gen, iova, &val, &leaf))
				reason = DMAMAP_FAULT_TRANSLATION;
			else
				iotlb_fill(t, gen, iova >> PAGE_SHIFT, val);
		}
		if (!reason && !iotlb_allows(val, write))
			reason = DMAMAP_FAULT_PERMISSION;
		if (reason) {
			if (!run)
				return iommu_translation_fault(d, dev, iova, write, reason, f);
			/* move what translated; the next call faults */
			if (reason != DMAMAP_FAULT_ADDRESS_SIZE)
				iotlb_keep_ahead(c, iova >> PAGE_SHIFT, gen, val, leaf, reason);
			break;
		}
		p = (val & PAGE_MASK) + (iova & (PAGE_SIZE - 1));
		if (run && p != start + run) {
			/* not contiguous with what came before */
			iotlb_keep_ahead(c, iova >> PAGE_SHIFT, gen, val, leaf, 0);
			break;
		}
		if (!run) {
			start = p;
			ram_page = val & IOTLB_RAM;
		} else {
			ram_page = false;
		}
		/* to the end of the leaf (a block covers many pages at once) */
		if (leaf > PAGE_SIZE)
			step = leaf - (iova & (leaf - 1));
		else
			step = PAGE_SIZE - (iova & (PAGE_SIZE - 1));
		run += min(step, len - run);
	}
	*phys = start;
	/* the RAM bank ends the run too, unless it is within one page of RAM */
	if (ram_page && run <= PAGE_SIZE - (start & (PAGE_SIZE - 1)))
		return (long)run;
	return iommu_ram_clip(d->machine, start, run, write, f);
}

const struct dma_map_ops *iommu_domain_dma_ops(struct iommu_domain *domain)
{
	return domain->type == IOMMU_DOMAIN_DMA ? &iommu_dma_ops : NULL;
}
