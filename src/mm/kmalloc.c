// SPDX-License-Identifier: MIT
/*
 * kmalloc over the machine's pages.
 *
 * Sizes up to 2048 bytes are served from slabs: single pages carved into
 * objects of one power-of-two class (64..2048), so every object is aligned
 * to its class and at least to a cache line, and never shares a line with
 * another object (ARCH_DMA_MINALIGN is the line). Larger sizes get whole
 * pages. A slab page goes back to the page allocator as soon as its last
 * object is freed, so a machine with nothing allocated has every page free.
 *
 * Slab descriptors live in host memory, found from page->private. One lock
 * guards the slab lists and the descriptors; pages come from the buddy
 * allocator, which has its own.
 */
#include "mm/mm.h"
#include "mm/fail.h"

#include <stdlib.h>
#include <string.h>

#define KMALLOC_MIN_SHIFT	6
#define KMALLOC_MAX_SLAB_SHIFT	11
#define NR_CLASSES		(KMALLOC_MAX_SLAB_SHIFT - KMALLOC_MIN_SHIFT + 1)
#define NR_ZONES		2	/* normal, DMA (below 4 GiB) */

struct slab {
	struct list_head list;		/* in partial[zone][cls] while not full */
	struct page *page;
	unsigned int cls;
	unsigned int zone;
	unsigned int inuse;
	u64 used;			/* bit i: object i handed out */
};

struct mm_kmalloc {
	pthread_mutex_t lock;		/* guards everything below and every slab */
	struct list_head partial[NR_ZONES][NR_CLASSES];
	struct list_head full[NR_ZONES][NR_CLASSES];
};

int mm_kmalloc_init(struct dmamap_machine *m)
{
	struct mm_kmalloc *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	pthread_mutex_init(&k->lock, NULL);
	for (int z = 0; z < NR_ZONES; z++) {
		for (int c = 0; c < NR_CLASSES; c++) {
			INIT_LIST_HEAD(&k->partial[z][c]);
			INIT_LIST_HEAD(&k->full[z][c]);
		}
	}
	m->kmalloc = k;
	return 0;
}

static void free_slab_list(struct list_head *head)
{
	struct slab *s, *n;

	list_for_each_entry_safe(s, n, head, list) {
		list_del_init(&s->list);
		free(s);
	}
}

void mm_kmalloc_exit(struct dmamap_machine *m)
{
	struct mm_kmalloc *k = m->kmalloc;

	if (!k)
		return;
	for (int z = 0; z < NR_ZONES; z++) {
		for (int c = 0; c < NR_CLASSES; c++) {
			free_slab_list(&k->partial[z][c]);
			free_slab_list(&k->full[z][c]);
		}
	}
	pthread_mutex_destroy(&k->lock);
	free(k);
	m->kmalloc = NULL;
}

static inline unsigned int class_size(unsigned int cls)
{
	return 1U << (cls + KMALLOC_MIN_SHIFT);
}

static inline unsigned int objs_per_slab(unsigned int cls)
{
	return (unsigned int)(PAGE_SIZE / class_size(cls));
}

static void *kmalloc_large(struct dmamap_machine *m, size_t size, gfp_t gfp)
{
	unsigned int order = get_order(size);
	struct page *page;

	if (order > MAX_PAGE_ORDER)
		return NULL;
	page = mm_alloc_pages_capped(m, gfp & ~__GFP_ZERO, order, ~(phys_addr_t)0);
	if (!page)
		return NULL;
	/* the size first, then the flag that publishes it (kfree_large() reads both) */
	WRITE_ONCE(page->private, PAGE_SIZE << order);
	__atomic_fetch_or(&page->flags, PG_kmalloc_large, __ATOMIC_RELEASE);
	mm_count(m, kmalloc_bytes, PAGE_SIZE << order);
	return page_address(page);
}

static void *kmalloc_slab(struct dmamap_machine *m, size_t size, gfp_t gfp)
{
	struct mm_kmalloc *k = m->kmalloc;
	unsigned int cls = size <= 64 ? 0 : fls64(size - 1) - KMALLOC_MIN_SHIFT;
	unsigned int zone = (gfp & (__GFP_DMA | __GFP_DMA32)) ? 1 : 0;
	struct list_head *partial = &k->partial[zone][cls];
	struct slab *s;
	unsigned int idx;
	void *obj;

	pthread_mutex_lock(&k->lock);
	if (list_empty(partial)) {
		struct page *page;

		/* the page allocator has its own lock; ours only guards the lists */
		pthread_mutex_unlock(&k->lock);
		s = mm_kzalloc(m, sizeof(*s));
		if (!s)
			return NULL;
		page = mm_alloc_pages_capped(m, gfp & ~__GFP_ZERO, 0, ~(phys_addr_t)0);
		if (!page) {
			free(s);
			return NULL;
		}
		s->page = page;
		s->cls = cls;
		s->zone = zone;
		page->private = (unsigned long)s;
		__atomic_fetch_or(&page->flags, PG_slab, __ATOMIC_RELAXED);
		pthread_mutex_lock(&k->lock);
		list_add(&s->list, partial);
	}
	s = list_first_entry(partial, struct slab, list);
	idx = (unsigned int)__builtin_ctzll(~s->used);
	s->used |= 1ULL << idx;
	if (++s->inuse == objs_per_slab(cls)) {
		list_del_init(&s->list);
		list_add(&s->list, &k->full[zone][cls]);
	}
	pthread_mutex_unlock(&k->lock);
	obj = (u8 *)page_address(s->page) + (size_t)idx * class_size(cls);
	mm_count(m, kmalloc_bytes, class_size(cls));
	return obj;
}

DMAMAP_API void *dmamap_kmalloc(struct dmamap_machine *m, size_t size, gfp_t gfp)
{
	void *p;

	if (!m || size == 0)
		return NULL;
	if (mm_should_fail(DMAMAP_FAIL_SLAB, m))
		return NULL;
	if (size > (1UL << KMALLOC_MAX_SLAB_SHIFT))
		p = kmalloc_large(m, size, gfp);
	else
		p = kmalloc_slab(m, size, gfp);
	if (p && (gfp & __GFP_ZERO))
		memset(p, 0, size);
	return p;
}

DMAMAP_API void *dmamap_kzalloc(struct dmamap_machine *m, size_t size, gfp_t gfp)
{
	return dmamap_kmalloc(m, size, gfp | __GFP_ZERO);
}

static int kfree_slab(struct dmamap_machine *m, struct page *page, const void *ptr)
{
	struct mm_kmalloc *k = m->kmalloc;
	struct slab *s;
	size_t off = (size_t)((const u8 *)ptr - (const u8 *)page_address(page));
	unsigned int idx, size;
	bool release = false;

	pthread_mutex_lock(&k->lock);
	/* the flags are re-read under the lock: a racing free may have emptied the slab */
	if (!(smp_load_acquire(&page->flags) & PG_slab)) {
		pthread_mutex_unlock(&k->lock);
		return -EINVAL;
	}
	s = (struct slab *)page->private;
	size = class_size(s->cls);
	idx = (unsigned int)(off / size);
	if (off % size || !(s->used >> idx & 1)) {
		pthread_mutex_unlock(&k->lock);
		return -EINVAL;
	}
	if (s->inuse == objs_per_slab(s->cls)) {
		list_del_init(&s->list);
		list_add(&s->list, &k->partial[s->zone][s->cls]);
	}
	s->used &= ~(1ULL << idx);
	if (--s->inuse == 0) {
		list_del_init(&s->list);
		__atomic_fetch_and(&page->flags, ~PG_slab, __ATOMIC_RELEASE);
		page->private = 0;
		release = true;
	}
	pthread_mutex_unlock(&k->lock);
	mm_count(m, kmalloc_bytes, -(u64)size);
	if (release) {
		free(s);
		mm_free_pages_checked(m, page, 0);
	}
	return 0;
}

static int kfree_large(struct dmamap_machine *m, struct page *page, const void *ptr)
{
	unsigned long flags = smp_load_acquire(&page->flags);
	size_t size;

	if (ptr != page_address(page) || !(flags & PG_head))
		return -EINVAL;
	/* two frees of one object race here: the one whose flag swap wins frees it */
	if (!__atomic_compare_exchange_n(&page->flags, &flags, flags & ~PG_kmalloc_large, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return -EINVAL;
	size = xchg_relaxed(&page->private, 0);
	mm_count(m, kmalloc_bytes, -(u64)size);
	return mm_free_pages_checked(m, page, page_order_flag(page));
}

DMAMAP_API void dmamap_kfree(struct dmamap_machine *m, void *ptr)
{
	struct page *page;
	unsigned long flags;
	int ret = -EINVAL;

	if (!ptr || !m)
		return;
	page = dmamap_virt_to_page(m, ptr);
	if (page) {
		flags = smp_load_acquire(&page->flags);
		if (flags & PG_slab)
			ret = kfree_slab(m, page, ptr);
		else if (flags & PG_kmalloc_large)
			ret = kfree_large(m, page, ptr);
	}
	if (ret)
		mm_debug_report(m, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"kfree: %p was not returned by dmamap_kmalloc (or was freed "
				"already); refused", ptr);
}

DMAMAP_API size_t dmamap_ksize(struct dmamap_machine *m, const void *ptr)
{
	struct page *page;
	size_t size = 0;

	if (!m || !ptr)
		return 0;
	page = dmamap_virt_to_page(m, ptr);
	if (!page)
		return 0;
	pthread_mutex_lock(&m->kmalloc->lock);
	if (smp_load_acquire(&page->flags) & PG_slab) {
		struct slab *s = (struct slab *)page->private;
		size_t off = (size_t)((const u8 *)ptr - (const u8 *)page_address(page));

		if (off % class_size(s->cls) == 0 && (s->used >> (off / class_size(s->cls)) & 1))
			size = class_size(s->cls);
	} else if ((smp_load_acquire(&page->flags) & PG_kmalloc_large) &&
		   ptr == page_address(page)) {
		size = READ_ONCE(page->private);
	}
	pthread_mutex_unlock(&m->kmalloc->lock);
	return size;
}
