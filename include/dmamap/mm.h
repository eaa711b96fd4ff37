/* SPDX-License-Identifier: MIT */
/*
 * Page frames, the page allocator, kmalloc and user VMAs.
 *
 * Threads: page allocation and free, kmalloc and kfree, vmap and vunmap,
 * page_address() and the conversions may run from any number of threads at
 * once; of two frees of one block or object racing each other, one frees it
 * and the other is refused and reported. A VMA is not to be used while
 * another thread destroys it.
 */
#ifndef DMAMAP_MM_H
#define DMAMAP_MM_H

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;

/**
 * struct page - a page frame of a machine
 *
 * One per page frame, in one array per machine so that "page + n" is the
 * frame n pages further in the same bank, as in the kernel's flat and
 * vmemmap models. Its fields are private.
 */
struct page {
	/* private: */
	unsigned long flags;
	unsigned long private;
};

#define MAX_PAGE_ORDER	10

/**
 * dmamap_alloc_pages - allocate 2^order physically contiguous page frames
 * @m: the machine
 * @gfp: GFP_* flags
 * @order: log2 of the number of frames, at most MAX_PAGE_ORDER
 *
 * GFP_DMA / GFP_DMA32 cap the frames below 4 GiB (the model's ZONE_DMA and
 * ZONE_DMA32 both end there, as on arm64 without firmware limits); without a
 * zone modifier the highest bank with room is used first, as the kernel's
 * zone lists prefer ZONE_NORMAL. __GFP_ZERO zeroes the frames.
 *
 * Return: the first frame, or NULL (no memory, order > MAX_PAGE_ORDER, NULL
 * machine).
 */
DMAMAP_API struct page *dmamap_alloc_pages(struct dmamap_machine *m, gfp_t gfp, unsigned int order);

/**
 * dmamap_free_pages - free frames of dmamap_alloc_pages()
 * @page: the first frame returned
 * @order: the order given
 *
 * A pointer that is no allocated block of that order (a frame of no machine,
 * a block freed twice, another order) is refused, reported and counted; the
 * kernel would corrupt its free lists.
 */
DMAMAP_API void dmamap_free_pages(struct page *page, unsigned int order);

/**
 * page_address - a frame's address in the CPU's linear map
 * @page: a frame of a machine
 *
 * The linear map is the CPU's cached view: on a non-coherent machine what the
 * CPU writes there reaches memory (and the devices) only through cache
 * maintenance.
 *
 * Return: the address.
 */
DMAMAP_API void *page_address(const struct page *page);

/**
 * page_to_phys - a frame's physical address
 * @page: the frame
 *
 * Return: the address.
 */
DMAMAP_API phys_addr_t page_to_phys(const struct page *page);

/**
 * page_to_pfn - a frame's page frame number
 * @page: the frame
 *
 * Return: page_to_phys() >> PAGE_SHIFT.
 */
DMAMAP_API unsigned long page_to_pfn(const struct page *page);

/**
 * dmamap_pfn_to_page - the frame of a page frame number
 * @m: the machine
 * @pfn: the number
 *
 * Return: the frame, or NULL when @pfn is not RAM of @m.
 */
DMAMAP_API struct page *dmamap_pfn_to_page(struct dmamap_machine *m, unsigned long pfn);

/**
 * dmamap_virt_to_page - the frame behind an address of the linear map
 * @m: the machine
 * @addr: the address
 *
 * Only the linear map: an address of the kernel VA window, the C heap or the
 * stack has no frame here (the kernel's virt_to_page() would return a wrong
 * one).
 *
 * Return: the frame, or NULL when @addr is not in @m's linear map.
 */
DMAMAP_API struct page *dmamap_virt_to_page(struct dmamap_machine *m, const void *addr);

/**
 * dmamap_page_machine - the machine a frame belongs to
 * @page: the frame
 *
 * Return: the machine, or NULL for a pointer that is no frame.
 */
DMAMAP_API struct dmamap_machine *dmamap_page_machine(const struct page *page);

/**
 * nth_page - the frame @n frames further
 * @page: the frame
 * @n: how many further
 *
 * Return: @page + @n (the frames of a bank are one array).
 */
static inline struct page *nth_page(struct page *page, unsigned long n)
{
	return page + n;
}

/**
 * dmamap_kmalloc - allocate from the machine's memory, like kmalloc()
 * @m: the machine
 * @size: bytes
 * @gfp: GFP_* flags
 *
 * Sizes up to 2048 bytes come from single-page slabs of power-of-two classes
 * (64..2048); larger sizes get whole pages. Every object is aligned to at
 * least 64 bytes (the cache line, ARCH_DMA_MINALIGN), so an object never
 * shares a line with another one. The pointer is in the linear map, so
 * dma_map_single() accepts it.
 *
 * Return: the object, or NULL on failure or for a size of 0.
 */
DMAMAP_API void *dmamap_kmalloc(struct dmamap_machine *m, size_t size, gfp_t gfp);

/**
 * dmamap_kzalloc - dmamap_kmalloc() of zeroed memory
 * @m: the machine
 * @size: bytes
 * @gfp: GFP_* flags
 *
 * Return: the object, or NULL.
 */
DMAMAP_API void *dmamap_kzalloc(struct dmamap_machine *m, size_t size, gfp_t gfp);

/**
 * dmamap_kfree - free an object of dmamap_kmalloc()
 * @m: the machine
 * @ptr: the object; NULL is ignored
 *
 * A pointer kmalloc did not return (inside an object, freed before, of another
 * machine) is refused and counted.
 */
DMAMAP_API void dmamap_kfree(struct dmamap_machine *m, void *ptr);

/**
 * dmamap_ksize - the usable size of a kmalloc object
 * @m: the machine
 * @ptr: the object
 *
 * Return: its size class (or its pages' size), 0 for a foreign pointer.
 */
DMAMAP_API size_t dmamap_ksize(struct dmamap_machine *m, const void *ptr);

/* vmap() flags, as <linux/vmalloc.h> */
#define VM_MAP		0x00000004UL

/**
 * vmap - map pages contiguously in the kernel VA window
 * @pages: the pages, all of one machine (the array is copied)
 * @count: how many
 * @flags: VM_MAP
 * @prot: the page protection (PAGE_KERNEL, pgprot_writecombine()...), recorded
 *
 * The mapping shows memory, as every mapping of the window does (see
 * flush_kernel_vmap_range()), and uses the window's space and host mappings,
 * which can run out.
 *
 * Return: the address, or NULL (no room, pages of no machine or of two, other flags).
 */
DMAMAP_API void *vmap(struct page **pages, unsigned int count, unsigned long flags,
		      unsigned long prot);

/**
 * vunmap - undo vmap()
 * @addr: the address vmap() returned; NULL is ignored
 *
 * Anything else (an address inside a mapping, one of another kind, one
 * unmapped before) is refused and reported.
 */
DMAMAP_API void vunmap(const void *addr);

/**
 * flush_kernel_vmap_range - make the CPU's writes to a kernel mapping's pages visible
 * @vaddr: inside one mapping of the kernel VA window (vmap, dma_vmap_noncontiguous(),
 *	   the remap of a coherent buffer)
 * @size: bytes
 *
 * The model's CPU cache is kept per physical line: the linear map holds the
 * CPU's copies, the window's mappings show memory. Flushing cleans the lines
 * of the pages behind the range, so that what the CPU wrote to them reaches
 * memory, where the window's mapping and the devices see it. The kernel asks
 * for it before a device reads pages the CPU reaches through a vmap.
 * An address outside the window and a negative @size are reported.
 */
DMAMAP_API void flush_kernel_vmap_range(void *vaddr, int size);

/**
 * invalidate_kernel_vmap_range - drop the CPU's copies of a kernel mapping's pages
 * @vaddr: as for flush_kernel_vmap_range()
 * @size: bytes
 *
 * Invalidates the lines of the pages behind the range, so that the CPU sees
 * what a device wrote there (a line only partly inside the range is cleaned
 * first, as arm64 does). The kernel asks for it before the CPU reads pages a
 * device wrote, when they are reached through a vmap.
 */
DMAMAP_API void invalidate_kernel_vmap_range(void *vaddr, int size);

/*
 * Page protections (vm_page_prot, pgprot_t in the kernel). The low bits are
 * the memory type the mmap calls record; the access bits above them decide
 * what the user mapping allows (a user VMA's host mapping is made with them).
 */
#define DMAMAP_PGPROT_NORMAL		0UL	/* cacheable */
#define DMAMAP_PGPROT_NONCACHED		1UL	/* strongly ordered / uncached */
#define DMAMAP_PGPROT_WRITECOMBINE	2UL	/* normal non-cacheable, bufferable */
#define DMAMAP_PGPROT_MASK		3UL
#define DMAMAP_PGPROT_READ		(1UL << 4)
#define DMAMAP_PGPROT_WRITE		(1UL << 5)
#define DMAMAP_PGPROT_EXEC		(1UL << 6)

/**
 * pgprot_noncached - a protection with the uncached memory type
 * @prot: a protection (vm_page_prot)
 *
 * Return: @prot with DMAMAP_PGPROT_NONCACHED as its memory type.
 */
static inline unsigned long pgprot_noncached(unsigned long prot)
{
	return (prot & ~DMAMAP_PGPROT_MASK) | DMAMAP_PGPROT_NONCACHED;
}

/**
 * pgprot_writecombine - a protection with the write-combining memory type
 * @prot: a protection (vm_page_prot)
 *
 * Return: @prot with DMAMAP_PGPROT_WRITECOMBINE as its memory type.
 */
static inline unsigned long pgprot_writecombine(unsigned long prot)
{
	return (prot & ~DMAMAP_PGPROT_MASK) | DMAMAP_PGPROT_WRITECOMBINE;
}

/* VMA flags, with the kernel's values (<linux/mm.h>). */
typedef unsigned long vm_flags_t;

#define VM_NONE		0x00000000UL
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_EXEC		0x00000004UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL
#define VM_MAYWRITE	0x00000020UL
#define VM_MAYEXEC	0x00000040UL
#define VM_MAYSHARE	0x00000080UL
#define VM_PFNMAP	0x00000400UL	/* set by the model's remap_pfn_range() */
#define VM_LOCKED	0x00002000UL
#define VM_IO		0x00004000UL	/* set with VM_PFNMAP */
#define VM_DONTCOPY	0x00020000UL
#define VM_DONTEXPAND	0x00040000UL
#define VM_NORESERVE	0x00200000UL
#define VM_DONTDUMP	0x04000000UL
#define VM_MIXEDMAP	0x10000000UL	/* set when pages are inserted one by one */

/**
 * vm_get_page_prot - the page protection of a VMA with these flags
 * @vm_flags: VM_READ, VM_WRITE, VM_EXEC, VM_SHARED
 *
 * As the kernel's protection_map: a private writable mapping gets no write
 * permission in its protection (its writes are copy-on-write, to pages of its
 * own that the device never sees). The memory type is normal.
 *
 * Return: DMAMAP_PGPROT_* bits.
 */
static inline unsigned long vm_get_page_prot(vm_flags_t vm_flags)
{
	unsigned long prot = DMAMAP_PGPROT_NORMAL;

	if (vm_flags & (VM_READ | VM_WRITE | VM_EXEC))
		prot |= DMAMAP_PGPROT_READ;
	if ((vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED))
		prot |= DMAMAP_PGPROT_WRITE;
	if (vm_flags & VM_EXEC)
		prot |= DMAMAP_PGPROT_EXEC;
	return prot;
}

struct vm_area_struct;

/**
 * struct vm_operations_struct - the operations of a VMA
 * @open: called when the VMA is duplicated, which the model never does (no
 *	fork, no split): a driver calls its own open() from its mmap handler
 *	if it wants it, as some do
 * @close: called when the VMA goes (dmamap_vma_destroy(), or its machine's
 *	destruction)
 */
struct vm_operations_struct {
	void (*open)(struct vm_area_struct *area);
	void (*close)(struct vm_area_struct *area);
};

/**
 * struct vm_area_struct - a user-space mapping, as a driver's mmap handler gets it
 * @vm_start: read-only: host address of the first byte
 * @vm_end: read-only: one past the last byte
 * @vm_pgoff: offset into the object, in pages
 * @vm_page_prot: DMAMAP_PGPROT_*: the memory type and access of the mapping
 * @vm_flags: read-only: VM_*; change with vm_flags_set() and the like
 * @__vm_flags: private, as in the kernel
 * @vm_machine: private: the machine
 * @vm_private_data: for the mmap handler
 * @vm_ops: set by the mmap handler
 *
 * dmamap_vma_create() reserves [vm_start, vm_end) of host address space,
 * inaccessible until an mmap call (dma_mmap_attrs(), dma_buf_mmap()) fills it;
 * what the filled mapping allows is vm_page_prot's access bits, private
 * (copy-on-write) unless VM_SHARED is in vm_flags.
 */
struct vm_area_struct {
	unsigned long vm_start;		/* read-only: host address of the first byte */
	unsigned long vm_end;		/* read-only: one past the last byte */
	unsigned long vm_pgoff;		/* public: offset into the object, in pages */
	unsigned long vm_page_prot;	/* public: DMAMAP_PGPROT_* */
	union {
		const vm_flags_t vm_flags;	/* read-only: change with vm_flags_set() & co */
		vm_flags_t __vm_flags;		/* private, as in the kernel */
	};
	struct dmamap_machine *vm_machine; /* private */
	void *vm_private_data;		/* public: for the mmap handler */
	const struct vm_operations_struct *vm_ops; /* public: set by the mmap handler */
};

/**
 * vma_pages - the size of a VMA in pages
 * @vma: the VMA
 *
 * Return: (vm_end - vm_start) >> PAGE_SHIFT.
 */
static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/**
 * vm_flags_init - set the flags of a new VMA
 * @vma: the VMA
 * @flags: VM_*
 */
static inline void vm_flags_init(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->__vm_flags = flags;
}

/**
 * vm_flags_reset - replace the flags of a VMA
 * @vma: the VMA
 * @flags: VM_*
 *
 * The model has no mmap lock to assert.
 */
static inline void vm_flags_reset(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->__vm_flags = flags;
}

/**
 * vm_flags_set - add flags to a VMA
 * @vma: the VMA
 * @flags: VM_*
 */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->__vm_flags |= flags;
}

/**
 * vm_flags_clear - remove flags from a VMA
 * @vma: the VMA
 * @flags: VM_*
 */
static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->__vm_flags &= ~flags;
}

/**
 * vm_flags_mod - add and remove flags of a VMA
 * @vma: the VMA
 * @set: VM_* to add
 * @clear: VM_* to remove
 */
static inline void vm_flags_mod(struct vm_area_struct *vma, vm_flags_t set, vm_flags_t clear)
{
	vma->__vm_flags = (vma->__vm_flags | set) & ~clear;
}

/**
 * dmamap_vma_create - a user VMA of @size bytes at page offset @pgoff
 * @m: the machine
 * @size: bytes, page aligned
 * @pgoff: vm_pgoff
 * @out: where the VMA is stored
 *
 * As mmap(PROT_READ | PROT_WRITE, MAP_SHARED) of a device file makes it:
 * VM_READ | VM_WRITE | VM_SHARED and the VM_MAY* flags, vm_page_prot from
 * vm_get_page_prot(). An mmap handler may change both before it maps.
 *
 * Return: 0, -EINVAL (size 0 or not page aligned, NULL), -ENOMEM.
 */
DMAMAP_API int dmamap_vma_create(struct dmamap_machine *m, size_t size, unsigned long pgoff,
				 struct vm_area_struct **out);

/**
 * dmamap_vma_destroy - close and free a user VMA
 * @vma: the VMA; NULL is ignored
 *
 * Calls vm_ops->close(), then unmaps whatever was mapped into the VMA and
 * frees it. A VMA belongs to its machine: dmamap_machine_destroy() destroys
 * those left, closing them the same way.
 */
DMAMAP_API void dmamap_vma_destroy(struct vm_area_struct *vma);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_MM_H */
