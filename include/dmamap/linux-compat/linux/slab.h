/* SPDX-License-Identifier: MIT */
/*
 * <linux/slab.h>: kmalloc() and friends without a machine argument, on the
 * process's current machine (dmamap_machine_set_current()); kfree() finds the
 * machine from the address. The objects live in the machine's memory (its
 * linear map), so dma_map_single() takes them, as in the kernel.
 * kvmalloc() is kmalloc(): the model's kmalloc takes any size the page
 * allocator can give (up to 4 MiB), which is where the kernel's vmalloc
 * fallback is not needed for DMA.
 */
#ifndef DMAMAP_LINUX_SLAB_H
#define DMAMAP_LINUX_SLAB_H

#include <string.h>

#include <linux/gfp.h>
#include <linux/overflow.h>

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return dmamap_kmalloc(dmamap_machine_current(), size, flags);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc(bytes, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

/* NULL is ignored; a pointer kmalloc did not return is refused and reported. */
static inline void kfree(const void *p)
{
	struct dmamap_machine *m;

	if (!p)
		return;
	m = dmamap_virt_machine(p);
	dmamap_kfree(m ? m : dmamap_machine_current(), (void *)p);
}

static inline size_t ksize(const void *p)
{
	return dmamap_ksize(dmamap_virt_machine(p), p);
}

static inline void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	void *n;
	size_t old;

	if (!new_size) {
		kfree(p);
		return NULL;	/* the kernel's ZERO_SIZE_PTR is not dereferenceable either */
	}
	old = p ? ksize(p) : 0;
	if (p && old >= new_size)
		return (void *)p;
	n = kmalloc(new_size, flags);
	if (n && p) {
		memcpy(n, p, old);
		kfree(p);
	}
	return n;
}

static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}

static inline char *kstrdup(const char *s, gfp_t gfp)
{
	return s ? (char *)kmemdup(s, strlen(s) + 1, gfp) : NULL;
}

#define kvmalloc(size, flags)		kmalloc(size, flags)
#define kvzalloc(size, flags)		kzalloc(size, flags)
#define kvcalloc(n, size, flags)	kcalloc(n, size, flags)
#define kvmalloc_array(n, size, flags)	kmalloc_array(n, size, flags)
#define kvfree(p)			kfree(p)
#define kfree_sensitive(p)		kfree(p)

#endif /* DMAMAP_LINUX_SLAB_H */
