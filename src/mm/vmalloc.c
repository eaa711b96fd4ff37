// SPDX-License-Identifier: MIT
/*
 * The kernel VA window, the cookie region and user VMAs (see vmalloc.h).
 *
 * Free space in the window is a list of ranges kept in address order and
 * merged on free; allocation is first fit. The list is as long as the window
 * is fragmented, which for the areas drivers make (one per coherent buffer)
 * stays short; areas are found by address through a hash.
 */
#include "mm/vmalloc.h"
#include "mm/fail.h"
#include "mm/host.h"
#include "mm/mm.h"
#include "mm/cache.h"
#include "lib/lockdep.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#define VM_HASH_MIN	256
#define COOKIE_SLOTS	(1UL << 20)	/* live NO_KERNEL_MAPPING buffers per machine */

struct mm_vm_free {
	unsigned long start, end;	/* [start, end) host addresses */
	struct mm_vm_free *next;	/* address order */
};

struct mm_vma {
	struct vm_area_struct vma;
	unsigned long host_vmas;	/* mappings made into it; guarded by vmalloc.lock */
	struct list_head node;		/* in vmalloc.vmas, under vmalloc.lock */
};

static inline unsigned long vm_hash(const struct mm_vmalloc *v, unsigned long addr)
{
	return ((addr - (unsigned long)v->base) >> PAGE_SHIFT) % v->hash_size;
}

int mm_vmalloc_init(struct dmamap_machine *m, u8 *base, size_t size)
{
	struct mm_vmalloc *v = &m->vmalloc;

	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
	INIT_LIST_HEAD(&v->vmas);
	v->base = base;
	v->size = size;
	v->hash_size = max_t(unsigned long, VM_HASH_MIN, size >> 20);
	v->hash = mm_kcalloc(m, v->hash_size, sizeof(*v->hash));
	v->free = mm_kmalloc_host(m, sizeof(*v->free));
	if (!v->hash || !v->free)
		goto out_free;
	v->free->start = (unsigned long)v->base;
	v->free->end = (unsigned long)v->base + size;
	v->free->next = NULL;
	return 0;

out_free:
	free(v->hash);
	free(v->free);
	pthread_mutex_destroy(&v->lock);
	return -ENOMEM;
}

static void vma_release(struct dmamap_machine *m, struct vm_area_struct *vma);

void mm_vmalloc_exit(struct dmamap_machine *m)
{
	struct mm_vmalloc *v = &m->vmalloc;
	struct mm_vm_free *f, *fn;

	/* user VMAs are the machine's too: a machine leaves no host mapping behind */
	while (!list_empty(&v->vmas)) {
		struct mm_vma *mv = list_first_entry(&v->vmas, struct mm_vma, node);

		vma_release(m, &mv->vma);
	}

	for (unsigned long i = 0; i < v->hash_size; i++) {
		struct mm_vm_area *a = v->hash[i], *an;

		for (; a; a = an) {
			an = a->next;
			host_vmas_release(a->host_vmas);
			free(a);
		}
	}
	for (f = v->free; f; f = fn) {
		fn = f->next;
		free(f);
	}
	free(v->hash);
	pthread_mutex_destroy(&v->lock);
}

bool mm_in_vmalloc(const struct dmamap_machine *m, const void *addr)
{
	const u8 *p = addr;

	return p >= m->vmalloc.base && p < m->vmalloc.base + m->vmalloc.size;
}

struct mm_vm_area *mm_vm_area_alloc(struct dmamap_machine *m, size_t size)
{
	struct mm_vmalloc *v = &m->vmalloc;
	size_t need;
	struct mm_vm_free **pp, *f;
	struct mm_vm_area *a;

	if (size == 0 || size > v->size)
		return NULL;
	if (mm_should_fail(DMAMAP_FAIL_VMALLOC, m))
		return NULL;
	size = PAGE_ALIGN(size);
	need = size + PAGE_SIZE;	/* the guard page */
	a = mm_kzalloc(m, sizeof(*a));
	if (!a)
		return NULL;
	pthread_mutex_lock(&v->lock);
	for (pp = &v->free; (f = *pp); pp = &f->next)
		if (f->end - f->start >= need)
			break;
	if (!f) {
		pthread_mutex_unlock(&v->lock);
		free(a);
		return NULL;
	}
	a->addr = f->start;
	a->size = size;
	a->phys = (phys_addr_t)-1;
	f->start += need;
	if (f->start == f->end) {
		*pp = f->next;
		free(f);
	}
	a->next = v->hash[vm_hash(v, a->addr)];
	v->hash[vm_hash(v, a->addr)] = a;
	v->bytes += need;
	v->areas++;
	pthread_mutex_unlock(&v->lock);
	return a;
}

/* Returns [start, end) to the free list, merging with neighbours; under v->lock. */
static int vm_free_range_locked(struct mm_vmalloc *v, unsigned long start, unsigned long end)
{
	struct mm_vm_free **pp = &v->free, *prev = NULL, *f;

	lockdep_assert_held(&v->lock);
	while ((f = *pp) && f->start < start) {
		prev = f;
		pp = &f->next;
	}
	if (prev && prev->end == start) {
		prev->end = end;
		if (f && f->start == end) {
			prev->end = f->end;
			prev->next = f->next;
			free(f);
		}
		return 0;
	}
	if (f && f->start == end) {
		f->start = start;
		return 0;
	}
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->start = start;
	f->end = end;
	f->next = *pp;
	*pp = f;
	return 0;
}

static struct mm_vm_area **vm_find_locked(struct mm_vmalloc *v, unsigned long addr)
{
	struct mm_vm_area **pp = &v->hash[vm_hash(v, addr)];

	lockdep_assert_held(&v->lock);
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr)
			break;
	return pp;
}

struct mm_vm_area *mm_find_vm_area(struct dmamap_machine *m, const void *addr)
{
	struct mm_vmalloc *v = &m->vmalloc;
	struct mm_vm_area *a;

	if (!mm_in_vmalloc(m, addr) || !PAGE_ALIGNED(addr))
		return NULL;
	pthread_mutex_lock(&v->lock);
	a = *vm_find_locked(v, (unsigned long)addr);
	pthread_mutex_unlock(&v->lock);
	return a;
}

void mm_vm_area_free(struct dmamap_machine *m, struct mm_vm_area *area)
{
	struct mm_vmalloc *v = &m->vmalloc;
	struct mm_vm_area **pp;

	if (area->host_vmas)
		host_unmap_fixed(m, (void *)area->addr, area->size);
	pthread_mutex_lock(&v->lock);
	pp = vm_find_locked(v, area->addr);
	if (*pp == area)
		*pp = area->next;
	if (vm_free_range_locked(v, area->addr, area->addr + area->size + PAGE_SIZE))
		mm_report(m, "vmalloc: lost %zu bytes of the window (host out of memory)",
			  area->size + PAGE_SIZE);
	v->bytes -= area->size + PAGE_SIZE;
	v->areas--;
	v->host_vmas -= area->host_vmas;
	pthread_mutex_unlock(&v->lock);
	host_vmas_release(area->host_vmas);
	free(area);
}

/* --- cache maintenance through the window ------------------------------------- */

/*
 * The area holding the byte at @addr, or NULL (guard page, free space).
 * Areas are found by their start: the walk goes back page by page to the
 * nearest start, and no area ends inside another.
 */
static struct mm_vm_area *vm_area_containing(struct dmamap_machine *m, unsigned long addr)
{
	struct mm_vmalloc *v = &m->vmalloc;
	unsigned long base = (unsigned long)v->base;
	struct mm_vm_area *a = NULL;

	pthread_mutex_lock(&v->lock);
	for (unsigned long p = addr & PAGE_MASK; p >= base; p -= PAGE_SIZE) {
		a = *vm_find_locked(v, p);
		if (a || p == base)
			break;
	}
	if (a && addr - a->addr >= a->size)
		a = NULL;
	pthread_mutex_unlock(&v->lock);
	return a;
}

/* The physical address behind byte @off of @a, or -1 when the area does not record it. */
static phys_addr_t vm_area_phys(const struct mm_vm_area *a, size_t off)
{
	if (a->phys != (phys_addr_t)-1)
		return a->phys + off;
	if (a->pages && off >> PAGE_SHIFT < a->nr_pages)
		return page_to_phys(a->pages[off >> PAGE_SHIFT]) + (off & (PAGE_SIZE - 1));
	return (phys_addr_t)-1;
}

/*
 * flush/invalidate_kernel_vmap_range(): the cache model's maintenance on
 * the physical lines behind [vaddr, vaddr+size), page by page.
 */
static void vmap_range_maint(void *vaddr, int size, bool flush, const char *fn)
{
	unsigned long addr = (unsigned long)vaddr, end;
	struct dmamap_machine *m;
	struct mm_vm_area *a;

	m = mm_vmalloc_machine(vaddr);
	if (size < 0)
		mm_debug_report(m, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"%s: %p, size %d", fn, vaddr, size);
	if (size <= 0)
		return;
	end = addr + (unsigned long)size;
	a = m ? vm_area_containing(m, addr) : NULL;
	if (!a || end - a->addr > a->size) {
		mm_debug_report(m, NULL, DMAMAP_DEBUG_BAD_MEMORY, 0, (size_t)size, NULL, NULL,
				"%s: %p+%d is not inside one mapping of the kernel VA window", fn,
				vaddr, size);
		return;
	}
	while (addr < end) {
		size_t off = addr - a->addr;
		size_t n = min(end - addr, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
		phys_addr_t phys = vm_area_phys(a, off);

		if (phys == (phys_addr_t)-1)
			break;
		if (flush)
			mm_cache_clean(m, phys, n);
		else
			mm_cache_inval(m, phys, n);
		addr += n;
	}
	mm_count(m, syncs, 1);
}

DMAMAP_API void flush_kernel_vmap_range(void *vaddr, int size)
{
	vmap_range_maint(vaddr, size, true, "flush_kernel_vmap_range");
}

DMAMAP_API void invalidate_kernel_vmap_range(void *vaddr, int size)
{
	vmap_range_maint(vaddr, size, false, "invalidate_kernel_vmap_range");
}

/* --- vmap() / vunmap() ----------------------------------------------------------- */

static char vmap_owner;	/* marks the areas of vmap(), whose page array is theirs */

DMAMAP_API void *vmap(struct page **pages, unsigned int count, unsigned long flags,
		      unsigned long prot)
{
	struct dmamap_machine *m = count && pages ? mm_page_machine(pages[0]) : NULL;
	struct mm_vm_area *a;
	struct page **copy;
	void *va;

	if (!m || flags & ~VM_MAP) {
		mm_debug_report(m, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"vmap: %u pages at %p, flags %#lx (VM_MAP only)", count,
				(void *)pages, flags);
		return NULL;
	}
	for (unsigned int i = 1; i < count; i++) {
		if (!mm_is_page_of(m, pages[i])) {
			mm_debug_report(m, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
					"vmap: page %u (%p) is not a page of the machine of the "
					"first", i, (void *)pages[i]);
			return NULL;
		}
	}
	copy = malloc((size_t)count * sizeof(*copy));
	if (!copy)
		return NULL;
	memcpy(copy, pages, (size_t)count * sizeof(*copy));
	va = mm_vmap(m, copy, count, prot);
	if (!va) {
		free(copy);
		return NULL;
	}
	a = mm_find_vm_area(m, va);
	a->owner = &vmap_owner;
	return va;
}

DMAMAP_API void vunmap(const void *addr)
{
	struct dmamap_machine *m;
	struct mm_vm_area *a;

	if (!addr)
		return;
	m = mm_vmalloc_machine(addr);
	a = m ? mm_find_vm_area(m, addr) : NULL;
	if (!a || a->owner != &vmap_owner) {
		mm_debug_report(m, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"vunmap: %p is not what vmap() returned", addr);
		return;
	}
	free(a->pages);
	mm_vm_area_free(m, a);
}

/*
 * Is [phys, phys+len) RAM, in one bank or in physically adjacent ones? Such a
 * range is also contiguous in the memfd (banks lie there in address order).
 */
static bool phys_run_is_ram(const struct dmamap_machine *m, phys_addr_t phys, u64 len)
{
	while (len) {
		const struct mm_bank *b = mm_phys_bank(m, phys, 1);
		u64 n;

		if (!b)
			return false;
		n = min(len, b->size - (phys - b->base));
		phys += n;
		len -= n;
	}
	return true;
}

/*
 * Maps one run; accounting included. @vma: a user VMA, whose page
 * protection and sharing the mapping takes; NULL: the kernel VA window.
 */
static int map_run(struct dmamap_machine *m, void *at, phys_addr_t phys, size_t len,
		   const struct vm_area_struct *vma);

/*
 * The host protection of a user VMA's mapping: its page protection, plus
 * write for a private writable one, whose writes then copy (MAP_PRIVATE).
 */
static int vma_host_prot(const struct vm_area_struct *vma)
{
	int prot = PROT_NONE;

	if (vma->vm_page_prot & DMAMAP_PGPROT_READ)
		prot |= PROT_READ;
	if ((vma->vm_page_prot & DMAMAP_PGPROT_WRITE) ||
	    ((vma->vm_flags & VM_WRITE) && !(vma->vm_flags & VM_SHARED)))
		prot |= PROT_WRITE;
	return prot;
}

static int map_run(struct dmamap_machine *m, void *at, phys_addr_t phys, size_t len,
		   const struct vm_area_struct *vma)
{
	int ret = host_vmas_reserve(1);

	if (ret) {
		mm_report(m, "vmalloc: host mapping budget (vm.max_map_count) exhausted");
		return ret;
	}
	if (vma)
		ret = host_map_fixed_prot(m, at, m->memfd, mm_phys_to_file(m, phys), len,
					  vma_host_prot(vma), vma->vm_flags & VM_SHARED);
	else
		ret = host_map_fixed(m, at, m->memfd, mm_phys_to_file(m, phys), len);
	if (ret) {
		host_vmas_release(1);
		return ret;
	}
	mm_cache_alias(m, phys, len);
	pthread_mutex_lock(&m->vmalloc.lock);
	m->vmalloc.host_vmas++;
	pthread_mutex_unlock(&m->vmalloc.lock);
	return 0;
}

/*
 * How many of @pages[i..nr) are physically contiguous from @pages[i] on (at
 * least one). Frames next to each other in the page array are next to each
 * other in the memfd too, so such a run is one host mapping, across the
 * edge of two physically adjacent banks as well. The bank is looked up once
 * per run, not per frame.
 */
static unsigned int run_length(const struct dmamap_machine *m, struct page **pages,
			       unsigned int i, unsigned int nr)
{
	unsigned long gidx = mm_page_gidx(m, pages[i]);
	const struct mm_bank *b = mm_gidx_bank(m, gidx);
	unsigned long bank_end = b->first + b->nr_pages;	/* gidx past the bank */
	unsigned int j = i + 1;

	for (; j < nr && pages[j] == pages[j - 1] + 1; j++) {
		if (gidx + (j - i) == bank_end) {
			/* the next frame opens the next bank: is it physically adjacent? */
			if (b + 1 == m->banks + m->nr_banks || b[1].base != b->base + b->size)
				break;
			b++;
			bank_end = b->first + b->nr_pages;
		}
	}
	return j - i;
}

int mm_vm_area_map_phys(struct dmamap_machine *m, struct mm_vm_area *area, size_t off,
			phys_addr_t phys, size_t len)
{
	int ret;

	if (!len || !PAGE_ALIGNED(off) || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(len) ||
	    off > area->size || len > area->size - off || !phys_run_is_ram(m, phys, len))
		return -EINVAL;
	ret = map_run(m, (void *)(area->addr + off), phys, len, NULL);
	if (!ret) {
		area->host_vmas++;
		area->phys = off == 0 && len == area->size ? phys : (phys_addr_t)-1;
	}
	return ret;
}

int mm_vm_area_map_pages(struct dmamap_machine *m, struct mm_vm_area *area, size_t off,
			 struct page **pages, unsigned int nr)
{
	unsigned int i = 0;
	unsigned long made = 0;
	int ret = 0;

	if (!nr || !PAGE_ALIGNED(off) || off > area->size ||
	    (size_t)nr << PAGE_SHIFT > area->size - off)
		return -EINVAL;
	while (i < nr) {
		unsigned int j = i + run_length(m, pages, i, nr);

		ret = map_run(m, (void *)(area->addr + off + ((size_t)i << PAGE_SHIFT)),
			      page_to_phys(pages[i]), (size_t)(j - i) << PAGE_SHIFT, NULL);
		if (ret)
			goto out_unmap;
		made++;
		i = j;
	}
	area->host_vmas += made;
	return 0;

out_unmap:
	if (made) {
		host_unmap_fixed(m, (void *)(area->addr + off), (size_t)i << PAGE_SHIFT);
		pthread_mutex_lock(&m->vmalloc.lock);
		m->vmalloc.host_vmas -= made;
		pthread_mutex_unlock(&m->vmalloc.lock);
		host_vmas_release(made);
	}
	return ret;
}

void *mm_vmap(struct dmamap_machine *m, struct page **pages, unsigned int count,
	      unsigned long prot)
{
	struct mm_vm_area *a;

	if (!count)
		return NULL;
	a = mm_vm_area_alloc(m, (size_t)count << PAGE_SHIFT);
	if (!a)
		return NULL;
	if (mm_vm_area_map_pages(m, a, 0, pages, count)) {
		mm_vm_area_free(m, a);
		return NULL;
	}
	a->pages = pages;
	a->nr_pages = count;
	a->prot = prot;
	return (void *)a->addr;
}

int mm_vunmap(struct dmamap_machine *m, const void *addr)
{
	struct mm_vm_area *a = mm_find_vm_area(m, addr);

	if (!a)
		return -EINVAL;
	mm_vm_area_free(m, a);
	return 0;
}

/* --- cookies ------------------------------------------------------------- */

size_t mm_cookies_region_bytes(void)
{
	return COOKIE_SLOTS << PAGE_SHIFT;
}

size_t mm_cookies_table_bytes(void)
{
	return PAGE_ALIGN(COOKIE_SLOTS * (sizeof(void *) + sizeof(unsigned long)));
}

void mm_cookies_init(struct dmamap_machine *m, u8 *region, u8 *tables)
{
	struct mm_cookies *c = &m->cookies;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->nr_slots = COOKIE_SLOTS;
	c->base = region;
	c->owner = (void **)tables;
	c->free_stack = (unsigned long *)(tables + COOKIE_SLOTS * sizeof(void *));
}

void mm_cookies_exit(struct dmamap_machine *m)
{
	struct mm_cookies *c = &m->cookies;

	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof(*c));
}

bool mm_is_cookie(const struct dmamap_machine *m, const void *addr)
{
	const u8 *p = addr;

	return p >= m->cookies.base && p < m->cookies.base + (m->cookies.nr_slots << PAGE_SHIFT);
}

void *mm_cookie_alloc(struct dmamap_machine *m, void *owner)
{
	struct mm_cookies *c = &m->cookies;
	unsigned long slot;

	if (!owner || mm_should_fail(DMAMAP_FAIL_VMALLOC, m))
		return NULL;
	pthread_mutex_lock(&c->lock);
	if (c->nr_free) {
		slot = c->free_stack[--c->nr_free];
	} else if (c->next_unused < c->nr_slots) {
		slot = c->next_unused++;
	} else {
		pthread_mutex_unlock(&c->lock);
		return NULL;
	}
	c->owner[slot] = owner;
	c->live++;
	pthread_mutex_unlock(&c->lock);
	/* an address inside the slot, not its start: a cookie is no page address */
	return c->base + (slot << PAGE_SHIFT) + 0x100;
}

static long cookie_slot(const struct dmamap_machine *m, const void *cookie)
{
	unsigned long off;

	if (!mm_is_cookie(m, cookie))
		return -1;
	off = (unsigned long)((const u8 *)cookie - m->cookies.base);
	if ((off & (PAGE_SIZE - 1)) != 0x100)
		return -1;
	return (long)(off >> PAGE_SHIFT);
}

int mm_cookie_free(struct dmamap_machine *m, const void *cookie)
{
	struct mm_cookies *c = &m->cookies;
	long slot = cookie_slot(m, cookie);
	int ret = -EINVAL;

	if (slot < 0)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	if ((unsigned long)slot < c->next_unused && c->owner[slot]) {
		c->owner[slot] = NULL;
		c->free_stack[c->nr_free++] = (unsigned long)slot;
		c->live--;
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void *mm_cookie_owner(struct dmamap_machine *m, const void *cookie)
{
	struct mm_cookies *c = &m->cookies;
	long slot = cookie_slot(m, cookie);
	void *owner = NULL;

	if (slot < 0)
		return NULL;
	pthread_mutex_lock(&c->lock);
	if ((unsigned long)slot < c->next_unused)
		owner = c->owner[slot];
	pthread_mutex_unlock(&c->lock);
	return owner;
}

/* --- user VMAs ----------------------------------------------------------- */

DMAMAP_API int dmamap_vma_create(struct dmamap_machine *m, size_t size, unsigned long pgoff,
				 struct vm_area_struct **out)
{
	struct mm_vma *mv;
	void *addr;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!m || !size || !PAGE_ALIGNED(size) || size > (1UL << 40))
		return -EINVAL;
	mv = mm_kzalloc(m, sizeof(*mv));
	if (!mv)
		return -ENOMEM;
	addr = host_reserve(size);
	if (!addr) {
		free(mv);
		return -ENOMEM;
	}
	mv->vma.vm_start = (unsigned long)addr;
	mv->vma.vm_end = (unsigned long)addr + size;
	mv->vma.vm_pgoff = pgoff;
	mv->vma.vm_machine = m;
	vm_flags_init(&mv->vma, VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD | VM_MAYWRITE |
				VM_MAYSHARE);
	mv->vma.vm_page_prot = vm_get_page_prot(mv->vma.vm_flags);
	pthread_mutex_lock(&m->vmalloc.lock);
	list_add_tail(&mv->node, &m->vmalloc.vmas);
	pthread_mutex_unlock(&m->vmalloc.lock);
	*out = &mv->vma;
	return 0;
}

static void vma_release(struct dmamap_machine *m, struct vm_area_struct *vma)
{
	struct mm_vma *mv = container_of(vma, struct mm_vma, vma);
	unsigned long host_vmas;

	/* as remove_vma(): the driver hears of it while the mapping is still there */
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	host_release((void *)vma->vm_start, vma->vm_end - vma->vm_start);
	pthread_mutex_lock(&m->vmalloc.lock);
	list_del_init(&mv->node);
	host_vmas = mv->host_vmas;
	m->vmalloc.host_vmas -= host_vmas;
	pthread_mutex_unlock(&m->vmalloc.lock);
	host_vmas_release(host_vmas);
	free(mv);
}

bool mm_vma_take(struct dmamap_machine *m, const struct vm_area_struct *vma)
{
	struct mm_vma *mv;
	bool found = false;

	pthread_mutex_lock(&m->vmalloc.lock);
	list_for_each_entry(mv, &m->vmalloc.vmas, node) {
		if (&mv->vma == vma) {
			list_del_init(&mv->node);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&m->vmalloc.lock);
	return found;
}

DMAMAP_API void dmamap_vma_destroy(struct vm_area_struct *vma)
{
	struct dmamap_machine *m;

	if (!vma)
		return;
	/* found by its address among the live ones: a destroyed VMA's memory is not read */
	m = mm_vma_owner(vma);
	if (!m) {
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dmamap_vma_destroy: %p is not a live VMA (destroyed already?); "
				"refused", (void *)vma);
		return;
	}
	vma_release(m, vma);
}

/* One run of a user VMA's mapping. */
static int vma_map_run(struct vm_area_struct *vma, unsigned long off, phys_addr_t phys,
		       size_t len)
{
	struct mm_vma *mv = container_of(vma, struct mm_vma, vma);
	struct dmamap_machine *m = vma->vm_machine;
	int ret;

	if (!len || !PAGE_ALIGNED(off) || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(len) ||
	    off > vma->vm_end - vma->vm_start || len > vma->vm_end - vma->vm_start - off ||
	    !phys_run_is_ram(m, phys, len))
		return -EINVAL;
	ret = map_run(m, (void *)(vma->vm_start + off), phys, len, vma);
	if (!ret) {
		pthread_mutex_lock(&m->vmalloc.lock);
		mv->host_vmas++;
		pthread_mutex_unlock(&m->vmalloc.lock);
	}
	return ret;
}

int mm_vma_map_phys(struct vm_area_struct *vma, unsigned long off, phys_addr_t phys, size_t len)
{
	int ret = vma_map_run(vma, off, phys, len);

	/* what remap_pfn_range() marks */
	if (!ret)
		vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	return ret;
}

int mm_vma_map_pages(struct vm_area_struct *vma, unsigned long off, struct page **pages,
		     unsigned int nr)
{
	struct mm_vma *mv = container_of(vma, struct mm_vma, vma);
	struct dmamap_machine *m = vma->vm_machine;
	unsigned long made = 0;
	unsigned int i = 0;
	int ret = 0;

	if (!nr)
		return -EINVAL;
	while (i < nr) {
		unsigned int j = i + run_length(m, pages, i, nr);

		ret = vma_map_run(vma, off + ((unsigned long)i << PAGE_SHIFT),
				  page_to_phys(pages[i]), (size_t)(j - i) << PAGE_SHIFT);
		if (ret)
			goto out_unmap;
		made++;
		i = j;
	}
	/* what vm_insert_page() marks */
	vm_flags_set(vma, VM_MIXEDMAP);
	return 0;

out_unmap:
	/* all or nothing: the runs mapped so far go back to the reservation */
	if (made) {
		host_unmap_fixed(m, (void *)(vma->vm_start + off), (size_t)i << PAGE_SHIFT);
		pthread_mutex_lock(&m->vmalloc.lock);
		mv->host_vmas -= made;
		m->vmalloc.host_vmas -= made;
		pthread_mutex_unlock(&m->vmalloc.lock);
		host_vmas_release(made);
	}
	return ret;
}
