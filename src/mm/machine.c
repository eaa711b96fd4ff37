// SPDX-License-Identifier: MIT
/*
 * The machine: configuration, physical memory, the two host views, the
 * struct page array, and the registry that maps a struct page pointer back
 * to its machine.
 *
 * The struct page array of a machine starts its host reservation, aligned
 * to PAGES_REGION_ALIGN, so that no two machines' arrays share a region of
 * that size. A table with one slot per region (below 2^48, where the host
 * places every mapping it is not told to put higher) names the machine
 * whose array starts there. page_address() and page_to_phys() of a valid
 * page find their machine with one lock-free load from it; calls that must
 * refuse a pointer that is no page at all (dmamap_free_pages of a foreign
 * pointer) check the pointer against the machine found as well.
 */
#include "mm/mm.h"
#include "mm/fail.h"
#include "mm/host.h"
#include "mm/cache.h"
#include "dma/device.h"
#include "dma/coherent.h"
#include "trace/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGES_REGION_SHIFT	36	/* 64 GiB of struct page: 16 TiB of RAM */
#define PAGES_REGION_ALIGN	(1UL << PAGES_REGION_SHIFT)

#define DEFAULT_BANK_BASE	0x80000000ULL
#define DEFAULT_BANK_SIZE	(256ULL << 20)
#define DEFAULT_VMALLOC_SIZE	(128ULL << 20)
#define DEFAULT_ATOMIC_POOL	(256ULL << 10)
#define DEFAULT_SWIOTLB		(4ULL << 20)
#define MAX_PHYS_BITS		48
#define MAX_VMALLOC_SIZE	(1ULL << 40)

/* Live machines, for checked page lookups. */
static pthread_rwlock_t registry_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct dmamap_machine **registry;	/* guarded by registry_lock */
static size_t registry_len, registry_cap;	/* guarded by registry_lock */
static u64 registry_seq;			/* guarded by registry_lock: creations so far */
/* The machine dmamap_machine_set_current() chose, or NULL; guarded by registry_lock. */
static struct dmamap_machine *current_machine;

/*
 * The machine whose page region starts at slot << PAGES_REGION_SHIFT, for
 * regions below 2^48; written under registry_lock, read with acquire loads.
 */
#define REGISTRY_SLOTS	(1UL << (48 - PAGES_REGION_SHIFT))
static struct dmamap_machine *registry_slot[REGISTRY_SLOTS];

static inline unsigned long region_slot(const void *p)
{
	return (unsigned long)p >> PAGES_REGION_SHIFT;
}

static inline bool machine_has_page(const struct dmamap_machine *m, const struct page *page)
{
	return page >= m->pages && page < m->pages + m->nr_pages &&
	       ((unsigned long)page - (unsigned long)m->pages) % sizeof(*page) == 0;
}

/* The machine of a valid page: no checks. */
static inline struct dmamap_machine *page_slot_machine(const struct page *page)
{
	return smp_load_acquire(&registry_slot[region_slot(page)]);
}

struct dmamap_machine *mm_page_machine(const struct page *page)
{
	struct dmamap_machine *found;

	if (!page || region_slot(page) >= REGISTRY_SLOTS)
		return NULL;
	/* no other machine's pages can lie in this machine's region */
	found = page_slot_machine(page);
	return found && machine_has_page(found, page) ? found : NULL;
}

struct dmamap_machine *mm_linear_machine(const void *addr)
{
	struct dmamap_machine *found = NULL;
	const u8 *p = addr;

	pthread_rwlock_rdlock(&registry_lock);
	for (size_t i = 0; i < registry_len; i++) {
		struct dmamap_machine *m = registry[i];

		if (p >= m->linear && p < m->linear + m->mem_size) {
			found = m;
			break;
		}
	}
	pthread_rwlock_unlock(&registry_lock);
	return found;
}

struct dmamap_machine *mm_vmalloc_machine(const void *addr)
{
	struct dmamap_machine *found = NULL;

	pthread_rwlock_rdlock(&registry_lock);
	for (size_t i = 0; i < registry_len; i++) {
		if (mm_in_vmalloc(registry[i], addr)) {
			found = registry[i];
			break;
		}
	}
	pthread_rwlock_unlock(&registry_lock);
	return found;
}

struct dmamap_machine *mm_vma_owner(const struct vm_area_struct *vma)
{
	struct dmamap_machine *found = NULL;

	pthread_rwlock_rdlock(&registry_lock);
	for (size_t i = 0; i < registry_len && !found; i++)
		if (mm_vma_take(registry[i], vma))
			found = registry[i];
	pthread_rwlock_unlock(&registry_lock);
	return found;
}

DMAMAP_API struct dmamap_machine *dmamap_machine_current(void)
{
	struct dmamap_machine *m;

	pthread_rwlock_rdlock(&registry_lock);
	m = current_machine;
	for (size_t i = 0; !current_machine && i < registry_len; i++)
		if (!m || registry[i]->created_seq > m->created_seq)
			m = registry[i];
	pthread_rwlock_unlock(&registry_lock);
	return m;
}

DMAMAP_API int dmamap_machine_set_current(struct dmamap_machine *m)
{
	int ret = -EINVAL;

	pthread_rwlock_wrlock(&registry_lock);
	for (size_t i = 0; m && i < registry_len; i++)
		if (registry[i] == m)
			ret = 0;
	if (!m || !ret) {
		current_machine = m;
		ret = 0;
	}
	pthread_rwlock_unlock(&registry_lock);
	return ret;
}

DMAMAP_API struct dmamap_machine *dmamap_virt_machine(const void *addr)
{
	return addr ? mm_linear_machine(addr) : NULL;
}

DMAMAP_API struct dmamap_machine *dmamap_page_machine(const struct page *page)
{
	return mm_page_machine(page);
}

static int registry_add(struct dmamap_machine *m)
{
	int ret = 0;

	pthread_rwlock_wrlock(&registry_lock);
	if (registry_len == registry_cap) {
		size_t cap = registry_cap ? 2 * registry_cap : 8;
		struct dmamap_machine **n = realloc(registry, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		registry = n;
		registry_cap = cap;
	}
	registry[registry_len++] = m;
	m->created_seq = ++registry_seq;
	smp_store_release(&registry_slot[region_slot(m->pages)], m);
out:
	pthread_rwlock_unlock(&registry_lock);
	return ret;
}

static void registry_del(struct dmamap_machine *m)
{
	pthread_rwlock_wrlock(&registry_lock);
	smp_store_release(&registry_slot[region_slot(m->pages)], NULL);
	if (current_machine == m)
		current_machine = NULL;
	for (size_t i = 0; i < registry_len; i++) {
		if (registry[i] == m) {
			registry[i] = registry[--registry_len];
			break;
		}
	}
	if (registry_len == 0) {
		free(registry);
		registry = NULL;
		registry_cap = 0;
	}
	pthread_rwlock_unlock(&registry_lock);
}

/* --- banks and addresses ------------------------------------------------ */

unsigned long mm_phys_gidx(const struct dmamap_machine *m, phys_addr_t phys)
{
	const struct mm_bank *b = mm_phys_bank(m, phys, 1);

	return b ? b->first + (unsigned long)((phys - b->base) >> PAGE_SHIFT) : ~0UL;
}

bool mm_phys_is_ram(const struct dmamap_machine *m, phys_addr_t phys, u64 len)
{
	return mm_phys_bank(m, phys, len ? len : 1) != NULL;
}

u64 mm_phys_to_file(const struct dmamap_machine *m, phys_addr_t phys)
{
	const struct mm_bank *b = mm_phys_bank(m, phys, 1);

	return ((u64)b->first << PAGE_SHIFT) + (phys - b->base);
}

void *mm_phys_to_mem(const struct dmamap_machine *m, phys_addr_t phys)
{
	const struct mm_bank *b = mm_phys_bank(m, phys, 1);

	if (!b)
		return NULL;
	return m->mem + ((u64)b->first << PAGE_SHIFT) + (phys - b->base);
}

void *mm_phys_to_linear(const struct dmamap_machine *m, phys_addr_t phys)
{
	const struct mm_bank *b = mm_phys_bank(m, phys, 1);

	if (!b)
		return NULL;
	return m->linear + ((u64)b->first << PAGE_SHIFT) + (phys - b->base);
}

phys_addr_t mm_linear_to_phys(const struct dmamap_machine *m, const void *addr)
{
	const u8 *p = addr;
	unsigned long off;
	const struct mm_bank *b;

	if (p < m->linear || p >= m->linear + m->mem_size)
		return (phys_addr_t)-1;
	off = (unsigned long)(p - m->linear);
	b = mm_gidx_bank(m, off >> PAGE_SHIFT);
	return b->base + (off - ((unsigned long)b->first << PAGE_SHIFT));
}

/* --- the public page calls ---------------------------------------------- */

DMAMAP_API void *page_address(const struct page *page)
{
	const struct dmamap_machine *m = page_slot_machine(page);

	return m->linear + (mm_page_gidx(m, page) << PAGE_SHIFT);
}

DMAMAP_API phys_addr_t page_to_phys(const struct page *page)
{
	const struct dmamap_machine *m = page_slot_machine(page);

	return mm_gidx_phys(m, mm_page_gidx(m, page));
}

DMAMAP_API unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page_to_phys(page) >> PAGE_SHIFT);
}

DMAMAP_API struct page *dmamap_pfn_to_page(struct dmamap_machine *m, unsigned long pfn)
{
	unsigned long gidx;

	if (!m || pfn > (~0ULL >> PAGE_SHIFT))
		return NULL;
	gidx = mm_phys_gidx(m, PFN_PHYS(pfn));
	return gidx == ~0UL ? NULL : &m->pages[gidx];
}

DMAMAP_API struct page *dmamap_virt_to_page(struct dmamap_machine *m, const void *addr)
{
	const u8 *p = addr;

	if (!m || p < m->linear || p >= m->linear + m->mem_size)
		return NULL;
	return &m->pages[(unsigned long)(p - m->linear) >> PAGE_SHIFT];
}

/* --- creation ------------------------------------------------------------ */

static int bank_cmp(const void *a, const void *b)
{
	const struct dmamap_bank *x = a, *y = b;

	return (x->base > y->base) - (x->base < y->base);
}

static int check_config(const struct dmamap_machine_config *cfg, struct dmamap_machine *m)
{
	static const struct dmamap_bank default_bank = { DEFAULT_BANK_BASE, DEFAULT_BANK_SIZE };
	const struct dmamap_bank *banks = &default_bank;
	unsigned int nr = 1;

	m->cfg = cfg ? *cfg : (struct dmamap_machine_config){ 0 };
	if (cfg && (cfg->banks || cfg->nr_banks)) {
		if (!cfg->banks || cfg->nr_banks == 0 || cfg->nr_banks > DMAMAP_MAX_BANKS) {
			mm_report(NULL, "machine: %u banks given (1..%d)", cfg->nr_banks,
				  DMAMAP_MAX_BANKS);
			return -EINVAL;
		}
		banks = cfg->banks;
		nr = cfg->nr_banks;
	}
	memcpy(m->bank_cfg, banks, nr * sizeof(*banks));
	qsort(m->bank_cfg, nr, sizeof(*banks), bank_cmp);
	for (unsigned int i = 0; i < nr; i++) {
		const struct dmamap_bank *b = &m->bank_cfg[i];

		if (b->size == 0 || !PAGE_ALIGNED(b->base) || !PAGE_ALIGNED(b->size)) {
			mm_report(NULL, "machine: bank %#llx+%#llx is empty or not page aligned",
				  (unsigned long long)b->base, (unsigned long long)b->size);
			return -EINVAL;
		}
		if (b->base + b->size < b->base || b->base + b->size > (1ULL << MAX_PHYS_BITS)) {
			mm_report(NULL, "machine: bank %#llx+%#llx ends beyond %d physical address bits",
				  (unsigned long long)b->base, (unsigned long long)b->size,
				  MAX_PHYS_BITS);
			return -EINVAL;
		}
		if (i && m->bank_cfg[i - 1].base + m->bank_cfg[i - 1].size > b->base) {
			mm_report(NULL, "machine: banks at %#llx and %#llx overlap",
				  (unsigned long long)m->bank_cfg[i - 1].base,
				  (unsigned long long)b->base);
			return -EINVAL;
		}
	}
	m->nr_banks = nr;
	m->cfg.banks = m->bank_cfg;
	m->cfg.nr_banks = nr;

	if (!m->cfg.vmalloc_size)
		m->cfg.vmalloc_size = DEFAULT_VMALLOC_SIZE;
	m->pool_defaulted = !m->cfg.atomic_pool_size;
	if (!m->cfg.atomic_pool_size)
		m->cfg.atomic_pool_size = DEFAULT_ATOMIC_POOL;
	m->swiotlb_defaulted = !m->cfg.swiotlb_size;
	if (!m->cfg.swiotlb_size)
		m->cfg.swiotlb_size = DEFAULT_SWIOTLB;
	if (!PAGE_ALIGNED(m->cfg.vmalloc_size) || m->cfg.vmalloc_size > MAX_VMALLOC_SIZE ||
	    m->cfg.vmalloc_size < 2 * PAGE_SIZE) {
		mm_report(NULL, "machine: VA window of %#llx bytes (page multiple, 8 KiB..1 TiB)",
			  (unsigned long long)m->cfg.vmalloc_size);
		return -EINVAL;
	}
	if (m->cfg.atomic_pool_size != DMAMAP_ATOMIC_POOL_OFF && !PAGE_ALIGNED(m->cfg.atomic_pool_size)) {
		mm_report(NULL, "machine: atomic pool size %#llx is not a page multiple",
			  (unsigned long long)m->cfg.atomic_pool_size);
		return -EINVAL;
	}
	if (m->cfg.swiotlb_size != DMAMAP_SWIOTLB_OFF && !PAGE_ALIGNED(m->cfg.swiotlb_size)) {
		mm_report(NULL, "machine: swiotlb size %#llx is not a page multiple",
			  (unsigned long long)m->cfg.swiotlb_size);
		return -EINVAL;
	}
	if (m->cfg.cache != DMAMAP_CACHE_COHERENT && m->cfg.cache != DMAMAP_CACHE_NONCOHERENT) {
		mm_report(NULL, "machine: unknown cache model %d", (int)m->cfg.cache);
		return -EINVAL;
	}
	if (m->cfg.debug & ~(DMAMAP_DEBUG_ALL | DMAMAP_DEBUG_FATAL)) {
		mm_report(NULL, "machine: unknown debug flags %#lx", m->cfg.debug);
		return -EINVAL;
	}
	return 0;
}

/*
 * The machine's host address space, one reservation:
 *
 *   pages[] | cookie tables | cookie region | kernel VA window
 *   <-- read-write, lazy --> <--------- PROT_NONE --------->
 *
 * pages[] starts at a PAGES_REGION_ALIGN boundary below 2^48. One mmap,
 * two trims and one mprotect make all of it; one munmap releases it. No
 * page of it is written at creation: on a virtual machine every page first
 * touched costs a host page fault, the largest part of creating a machine
 * before this layout.
 */
static int reserve_host_space(struct dmamap_machine *m)
{
	size_t pages = PAGE_ALIGN(m->nr_pages * sizeof(struct page));
	size_t tables = mm_cookies_table_bytes(), cookies = mm_cookies_region_bytes();
	size_t rw = pages + tables, span = rw + cookies + m->cfg.vmalloc_size;
	u8 *base;

	if (pages > PAGES_REGION_ALIGN)
		return -EINVAL;
	base = host_reserve_aligned(span, PAGES_REGION_ALIGN);
	if (!base)
		return -ENOMEM;
	if (region_slot(base) >= REGISTRY_SLOTS) {
		mm_report(NULL, "machine: the host placed the page array at %p, above 2^48", base);
		goto out;
	}
	if (host_protect_rw(base, rw) ||
	    mm_vmalloc_init(m, base + rw + cookies, m->cfg.vmalloc_size))
		goto out;
	mm_cookies_init(m, base + rw, base + pages);
	m->host_base = base;
	m->host_span = span;
	m->pages = (struct page *)base;
	m->pages_bytes = pages;
	return 0;

out:
	host_release(base, span);
	return -ENOMEM;
}

static void release_host_space(struct dmamap_machine *m)
{
	mm_cookies_exit(m);
	mm_vmalloc_exit(m);
	host_release(m->host_base, m->host_span);
}

static int init_banks(struct dmamap_machine *m, u64 **storage_out, size_t *storage_bytes)
{
	size_t words = 0;
	unsigned long first = 0;
	u64 *storage;

	for (unsigned int i = 0; i < m->nr_banks; i++) {
		struct mm_bank *b = &m->banks[i];

		b->base = m->bank_cfg[i].base;
		b->size = m->bank_cfg[i].size;
		b->base_pfn = (unsigned long)(b->base >> PAGE_SHIFT);
		b->nr_pages = (unsigned long)(b->size >> PAGE_SHIFT);
		b->first = first;
		first += b->nr_pages;
		words += buddy_storage_words(b->base_pfn, b->nr_pages);
	}
	m->nr_pages = first;
	m->mem_size = (size_t)first << PAGE_SHIFT;
	m->ram_end = m->banks[m->nr_banks - 1].base + m->banks[m->nr_banks - 1].size;
	m->zone_dma_limit = min_t(phys_addr_t, DMA_BIT_MASK(32), m->ram_end - 1);

	*storage_bytes = PAGE_ALIGN(words * sizeof(u64));
	/*
	 * From the C heap: a small machine's bitmaps (64 KiB for 1 GiB) reuse
	 * memory the process has touched before, where zeroing costs less than
	 * the page faults of a fresh mapping; a large one's come from a fresh
	 * lazy mapping all the same (calloc maps large sizes).
	 */
	storage = mm_kzalloc(NULL, *storage_bytes);
	if (!storage)
		return -ENOMEM;
	*storage_out = storage;
	for (unsigned int i = 0; i < m->nr_banks; i++) {
		struct mm_bank *b = &m->banks[i];

		buddy_init(&b->buddy, b->base_pfn, b->nr_pages, storage);
		storage += buddy_storage_words(b->base_pfn, b->nr_pages);
	}
	return 0;
}

struct machine_private {
	struct dmamap_machine m;
	u64 *buddy_storage;
	size_t buddy_storage_bytes;
};

DMAMAP_API int dmamap_machine_create(const struct dmamap_machine_config *cfg,
				     struct dmamap_machine **out)
{
	struct machine_private *mp;
	struct dmamap_machine *m;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	mm_fail_env();
	ret = host_check_page_size();
	if (ret)
		return ret;
	mp = mm_kzalloc(NULL, sizeof(*mp));
	if (!mp)
		return -ENOMEM;
	m = &mp->m;
	m->memfd = -1;
	pthread_mutex_init(&m->lock, NULL);
	INIT_LIST_HEAD(&m->devices);
	mm_mmio_init(m);
	mm_counters_init(m);
	mm_report_init(m);

	ret = check_config(cfg, m);
	if (ret)
		goto out_free;
	/* DMAMAP_DEBUG turns the debugger on without recompiling: part of the config in force */
	m->cfg.debug |= mm_debug_env_flags();
	m->noncoherent = m->cfg.cache == DMAMAP_CACHE_NONCOHERENT;
	ret = init_banks(m, &mp->buddy_storage, &mp->buddy_storage_bytes);
	if (ret)
		goto out_free;

	ret = m->memfd = host_memfd(m->mem_size);
	if (ret < 0)
		goto out_banks;
	ret = -ENOMEM;
	m->mem = host_map_file(m->memfd, m->mem_size, true);
	if (!m->mem)
		goto out_memfd;
	m->linear = host_map_file(m->memfd, m->mem_size, !m->noncoherent);
	if (!m->linear)
		goto out_mem;
	ret = reserve_host_space(m);
	if (ret)
		goto out_linear;
	ret = mm_kmalloc_init(m);
	if (ret)
		goto out_host;
	ret = mm_cache_init(m);
	if (ret)
		goto out_kmalloc;
	ret = registry_add(m);
	if (ret)
		goto out_cache;
	/* the DMA layer's per-machine state: allocation records, atomic pool, swiotlb */
	ret = dma_machine_init(m);
	if (ret)
		goto out_registry;
	trace_machine_init(m);
	*out = m;
	return 0;

out_registry:
	registry_del(m);
out_cache:
	mm_cache_exit(m);
out_kmalloc:
	mm_kmalloc_exit(m);
out_host:
	release_host_space(m);
out_linear:
	host_release(m->linear, m->mem_size);
out_mem:
	host_release(m->mem, m->mem_size);
out_memfd:
	close(m->memfd);
out_banks:
	for (unsigned int i = 0; i < m->nr_banks; i++)
		buddy_destroy(&m->banks[i].buddy);
	free(mp->buddy_storage);
out_free:
	mm_mmio_exit(m);
	mm_report_exit(m);
	mm_counters_exit(m);
	pthread_mutex_destroy(&m->lock);
	free(mp);
	return ret;
}

DMAMAP_API void dmamap_machine_destroy(struct dmamap_machine *m)
{
	struct machine_private *mp;

	if (!m)
		return;
	mp = container_of(m, struct machine_private, m);
	dmamap_devices_destroy_all(m, __builtin_return_address(0));
	dma_machine_exit(m);
	trace_machine_exit(m);
	registry_del(m);
	mm_cache_exit(m);
	mm_kmalloc_exit(m);
	release_host_space(m);
	host_release(m->linear, m->mem_size);
	host_release(m->mem, m->mem_size);
	close(m->memfd);
	for (unsigned int i = 0; i < m->nr_banks; i++)
		buddy_destroy(&m->banks[i].buddy);
	free(mp->buddy_storage);
	mm_mmio_exit(m);
	mm_report_exit(m);
	mm_counters_exit(m);
	pthread_mutex_destroy(&m->lock);
	free(mp);
}

DMAMAP_API const struct dmamap_machine_config *dmamap_machine_config(const struct dmamap_machine *m)
{
	return m ? &m->cfg : NULL;
}

DMAMAP_API void dmamap_machine_stats(struct dmamap_machine *m, struct dmamap_stats *out)
{
	u64 free_pages = 0;
	struct mm_counters ctr;

	if (!m || !out)
		return;
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < m->nr_banks; i++) {
		struct buddy *b = &m->banks[i].buddy;

		pthread_mutex_lock(&b->lock);
		free_pages += b->free_pages;
		pthread_mutex_unlock(&b->lock);
	}
	out->pages_total = m->nr_pages;
	out->pages_free = free_pages;

	pthread_mutex_lock(&m->vmalloc.lock);
	out->vmalloc_bytes = m->vmalloc.bytes;
	out->vmalloc_areas = m->vmalloc.areas;
	out->host_vmas = m->vmalloc.host_vmas;
	out->vmalloc_size = m->vmalloc.size;
	pthread_mutex_unlock(&m->vmalloc.lock);

	pthread_mutex_lock(&m->cookies.lock);
	out->cookies = m->cookies.live;
	pthread_mutex_unlock(&m->cookies.lock);

#define RD(f) (ctr.f)
	mm_counters_sum(m, &ctr);
	out->iotlb_hits = RD(iotlb_hits);
	out->iotlb_misses = RD(iotlb_misses);
	out->stale_iotlb_hits = RD(stale_iotlb_hits);
	out->iommu_faults = RD(iommu_faults);
	out->bounce_bytes = RD(bounce_bytes);
	out->syncs = RD(syncs);
	out->api_errors = RD(api_errors);
	out->kmalloc_bytes = RD(kmalloc_bytes);
	out->clean_bytes = RD(clean_bytes);
	out->invalidate_bytes = RD(invalidate_bytes);
	out->prime_bytes = RD(prime_bytes);
	out->host_mmaps = RD(host_mmaps);
	out->host_munmaps = RD(host_munmaps);
	out->swiotlb_full = RD(swiotlb_full);
	out->iova_pages_used = RD(iova_pages_used);
	out->host_madvises = RD(host_madvises);
#undef RD
	dma_machine_stats(m, out);
}
