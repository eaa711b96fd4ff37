/* SPDX-License-Identifier: MIT */
/*
 * The kernel VA window (the model's vmalloc space), the cookie region and
 * user VMAs.
 *
 * The window is one PROT_NONE reservation. An area is a page-aligned range
 * of it followed by an unmapped guard page; CPU mappings of pages are built
 * in an area with one host mmap(MAP_FIXED|MAP_SHARED) of the memfd per
 * physically contiguous run, so they are uncached views of memory (what a
 * non-coherent device sees). Unmapping puts the range back to PROT_NONE.
 *
 * The cookie region is another PROT_NONE reservation, never made accessible:
 * DMA_ATTR_NO_KERNEL_MAPPING allocations return an address in it, so a
 * driver that dereferences its cookie faults at once.
 */
#ifndef DMAMAP_SRC_MM_VMALLOC_H
#define DMAMAP_SRC_MM_VMALLOC_H

#include <dmamap/types.h>
#include <pthread.h>

#include "lib/util.h"

struct dmamap_machine;
struct page;
struct vm_area_struct;
struct mm_vm_free;

/* One area of the window. */
struct mm_vm_area {
	unsigned long addr;		/* first byte (host address) */
	size_t size;			/* bytes usable, the guard page not included */
	unsigned long host_vmas;	/* host mappings made in it */
	unsigned long prot;		/* DMAMAP_PGPROT_* recorded by the caller */
	struct page **pages;		/* set by the caller: the pages mapped, if kept */
	phys_addr_t phys;		/* the one contiguous run mapped over it, or -1 */
	unsigned int nr_pages;
	void *owner;			/* set by the caller */
	struct mm_vm_area *next;	/* private: hash chain */
};

struct mm_vmalloc {
	pthread_mutex_t lock;		/* guards everything below */
	u8 *base;			/* the reservation */
	size_t size;
	struct mm_vm_free *free;	/* private: free ranges */
	struct mm_vm_area **hash;	/* private: areas by address */
	unsigned long hash_size;
	u64 bytes;			/* in use, guard pages included */
	u64 areas;
	u64 host_vmas;			/* host mappings live in the window and user VMAs */
	struct list_head vmas;		/* private: the machine's user VMAs */
};

struct mm_cookies {
	pthread_mutex_t lock;		/* guards everything below */
	u8 *base;			/* the PROT_NONE region */
	unsigned long nr_slots;
	void **owner;			/* per slot; NULL when free */
	unsigned long *free_stack;
	unsigned long nr_free;
	unsigned long next_unused;	/* slots below this were handed out before */
	u64 live;
};

/*
 * The window is [@base, @base+@size), a PROT_NONE part of the machine's host
 * reservation (the machine releases it).
 */
int mm_vmalloc_init(struct dmamap_machine *m, u8 *base, size_t size);
/* Forgets the window's areas; releases the user VMAs the caller did not destroy. */
void mm_vmalloc_exit(struct dmamap_machine *m);

/*
 * An area of @size bytes (rounded up to pages) plus its guard page.
 * Return: the area, or NULL when the window has no room (-ENOMEM).
 */
struct mm_vm_area *mm_vm_area_alloc(struct dmamap_machine *m, size_t size);
/* Unmaps whatever is mapped in the area and returns it to the window. */
void mm_vm_area_free(struct dmamap_machine *m, struct mm_vm_area *area);
/* The area starting exactly at @addr, or NULL. */
struct mm_vm_area *mm_find_vm_area(struct dmamap_machine *m, const void *addr);

/*
 * Maps @pages[0..@nr) at byte offset @off of @area, one host mapping per
 * physically contiguous run. On failure nothing new stays mapped.
 * Return: 0, -EINVAL, -ENOMEM (no host mapping headroom).
 */
int mm_vm_area_map_pages(struct dmamap_machine *m, struct mm_vm_area *area, size_t off,
			 struct page **pages, unsigned int nr);
/* Maps the contiguous range [phys, phys+len) at offset @off of @area. */
int mm_vm_area_map_phys(struct dmamap_machine *m, struct mm_vm_area *area, size_t off,
			phys_addr_t phys, size_t len);

/*
 * vmap(): an area mapping @pages, or NULL (-ENOMEM). The area records
 * @pages (not copied) and @prot.
 */
void *mm_vmap(struct dmamap_machine *m, struct page **pages, unsigned int count,
	      unsigned long prot);
/* vunmap() of what mm_vmap() returned; -EINVAL when @addr starts no area. */
int mm_vunmap(struct dmamap_machine *m, const void *addr);

/* Is @addr inside the window? */
bool mm_in_vmalloc(const struct dmamap_machine *m, const void *addr);

/*
 * Cookies: an address in the PROT_NONE region, owned by @owner (non-NULL).
 * The machine reserves mm_cookies_region_bytes() of PROT_NONE address space
 * and mm_cookies_table_bytes() of zeroed read-write memory (the slot tables,
 * populated as slots are used) and hands both to mm_cookies_init().
 */
size_t mm_cookies_region_bytes(void);
size_t mm_cookies_table_bytes(void);
void mm_cookies_init(struct dmamap_machine *m, u8 *region, u8 *tables);
void mm_cookies_exit(struct dmamap_machine *m);
void *mm_cookie_alloc(struct dmamap_machine *m, void *owner);
/* -EINVAL when @cookie is not a live cookie */
int mm_cookie_free(struct dmamap_machine *m, const void *cookie);
/* the owner, or NULL when @cookie is not a live cookie */
void *mm_cookie_owner(struct dmamap_machine *m, const void *cookie);
bool mm_is_cookie(const struct dmamap_machine *m, const void *addr);

/*
 * Takes @vma off @m's list of user VMAs if it is one of them (true): the
 * caller then releases it. Two calls for one VMA: one gets true.
 */
bool mm_vma_take(struct dmamap_machine *m, const struct vm_area_struct *vma);

/*
 * User VMAs: map the contiguous range [phys, phys+len) at byte offset @off
 * of @vma (one host mapping). Return: 0, -EINVAL (outside the VMA,
 * unaligned, not RAM), -ENOMEM.
 */
int mm_vma_map_phys(struct vm_area_struct *vma, unsigned long off, phys_addr_t phys, size_t len);
/* The same for a page array, one host mapping per contiguous run. */
int mm_vma_map_pages(struct vm_area_struct *vma, unsigned long off, struct page **pages,
		     unsigned int nr);

#endif /* DMAMAP_SRC_MM_VMALLOC_H */
