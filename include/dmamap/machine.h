/* SPDX-License-Identifier: MIT */
/*
 * The modelled machine: physical memory banks on one sparse memfd, the CPU's
 * cached view of it, the kernel VA window and the statistics.
 *
 * Threads: a machine is created before, and destroyed after, every call on it;
 * different machines may be created and destroyed at the same time.
 * dmamap_machine_stats() may run at any time, alongside the calls it counts:
 * each thread counts in a block of its own and the call adds the blocks up,
 * so a count made while it runs may or may not be in the sum.
 */
#ifndef DMAMAP_MACHINE_H
#define DMAMAP_MACHINE_H

#include <dmamap/types.h>
#include <dmamap/debug.h>	/* the DMAMAP_DEBUG_* flags of the config */

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;

/**
 * struct dmamap_bank - one bank of RAM
 * @base: its first physical address, page aligned
 * @size: bytes, page aligned; banks may not overlap
 */
struct dmamap_bank {
	phys_addr_t base;
	u64 size;
};

/**
 * enum dmamap_cache_model - what the CPU's caches do to DMA
 * @DMAMAP_CACHE_COHERENT: the CPU's caches snoop and are snooped: syncs only
 *	do bookkeeping
 * @DMAMAP_CACHE_NONCOHERENT: as on ARM: the CPU keeps private copies of
 *	lines, which a non-coherent device does not see until they are
 *	cleaned, and which hide its writes until they are invalidated
 */
enum dmamap_cache_model {
	DMAMAP_CACHE_COHERENT,
	DMAMAP_CACHE_NONCOHERENT,
};

/* swiotlb_size value that gives the machine no bounce-buffer pool */
#define DMAMAP_SWIOTLB_OFF	(~0ULL)
/* atomic_pool_size value that gives the machine no atomic coherent pool */
#define DMAMAP_ATOMIC_POOL_OFF	(~0ULL)

#define DMAMAP_MAX_BANKS	16

/**
 * struct dmamap_machine_config - what dmamap_machine_create() builds
 * @banks: the RAM banks; NULL (or @nr_banks 0): 256 MiB at 0x80000000
 * @nr_banks: entries of @banks, at most DMAMAP_MAX_BANKS
 * @vmalloc_size: the kernel VA window (vmap, coherent remaps); 0: 128 MiB
 * @atomic_pool_size: the atomic coherent pool (GFP_ATOMIC allocations of
 *	non-coherent devices); 0: 256 KiB; DMAMAP_ATOMIC_POOL_OFF: none
 * @swiotlb_size: the bounce-buffer pool; 0: 4 MiB; DMAMAP_SWIOTLB_OFF: none
 * @cache: DMAMAP_CACHE_COHERENT (syncs only do bookkeeping) or
 *	DMAMAP_CACHE_NONCOHERENT (ARM-like: the CPU keeps private copies and a
 *	missing clean or invalidate shows as stale data, deterministically)
 * @debug: DMAMAP_DEBUG_* flags of the debugger (<dmamap/debug.h>); 0: off,
 *	unless DMAMAP_DEBUG is set in the environment
 *
 * The defaults shrink to what RAM below 4 GiB can hold (swiotlb at most an
 * eighth of it, the pool a sixteenth), and are off when it holds too little;
 * dmamap_machine_config() tells what was made. A NULL configuration is every
 * default.
 */
struct dmamap_machine_config {
	const struct dmamap_bank *banks; /* NULL/0: 256 MiB at 0x80000000 */
	unsigned int nr_banks;
	u64 vmalloc_size;	/* kernel VA window; 0: 128 MiB */
	u64 atomic_pool_size;	/* atomic coherent pool; 0: 256 KiB; DMAMAP_ATOMIC_POOL_OFF: none */
	u64 swiotlb_size;	/* 0: 4 MiB; DMAMAP_SWIOTLB_OFF: none */
	/*
	 * The defaults shrink to what RAM below 4 GiB can hold (swiotlb at most
	 * an eighth of it, the pool a sixteenth), and are off when it holds
	 * too little; dmamap_machine_config() tells what was made.
	 */
	enum dmamap_cache_model cache;
	unsigned long debug;	/* DMAMAP_DEBUG_* flags (<dmamap/debug.h>); 0: off */
};

/**
 * dmamap_machine_create - build a machine
 * @cfg: the configuration, or NULL for every default
 * @out: where the machine is stored on success
 *
 * Nothing of physical memory is populated: host memory is used only as the
 * machine's pages are touched.
 *
 * Return: 0; -EINVAL for a bad configuration (overlapping, unaligned or empty
 * banks, a host page size other than 4096, too many banks); -ENOMEM when the
 * host cannot reserve the address space.
 */
DMAMAP_API int dmamap_machine_create(const struct dmamap_machine_config *cfg,
				     struct dmamap_machine **out);

/**
 * dmamap_machine_destroy - destroy a machine and everything still in it
 * @m: the machine; NULL is ignored
 *
 * Devices (with what they still hold), user VMAs and MMIO regions left are
 * destroyed with it; with the debugger on, what the devices still held is
 * reported as leaks first.
 */
DMAMAP_API void dmamap_machine_destroy(struct dmamap_machine *m);

/**
 * dmamap_machine_set_current - the machine that kernel calls without one act on
 * @m: a live machine, or NULL to go back to the default
 *
 * Calls of the kernel that name no machine (kmalloc(), alloc_pages() of the
 * <linux/...> headers) act on the process's current machine: the one set
 * here, by default the machine created last and not yet destroyed. Calls
 * given an address (kfree(), virt_to_page()) find the machine from it.
 * Destroying the machine set here goes back to the default.
 *
 * Return: 0, or -EINVAL when @m is not a live machine (nothing changes).
 */
DMAMAP_API int dmamap_machine_set_current(struct dmamap_machine *m);

/**
 * dmamap_machine_current - the machine kernel calls without one act on
 *
 * Return: the current machine (see dmamap_machine_set_current()), or NULL
 * when there is none.
 */
DMAMAP_API struct dmamap_machine *dmamap_machine_current(void);

/**
 * dmamap_virt_machine - the machine whose linear map holds an address
 * @addr: the address
 *
 * Return: the machine, or NULL.
 */
DMAMAP_API struct dmamap_machine *dmamap_virt_machine(const void *addr);

/**
 * dmamap_machine_config - the configuration in force
 * @m: the machine
 *
 * Return: the configuration with every default filled in (what was made), or
 * NULL for a NULL @m.
 */
DMAMAP_API const struct dmamap_machine_config *
dmamap_machine_config(const struct dmamap_machine *m);

/**
 * struct dmamap_stats - counters of a machine (dmamap_machine_stats())
 * @pages_total: page frames in all banks
 * @pages_free: page frames in the buddy allocator
 * @vmalloc_bytes: kernel VA window in use, guard pages included
 * @vmalloc_areas: areas in the kernel VA window
 * @host_vmas: host mappings made in the VA window and user VMAs
 * @iotlb_hits: bus accesses: pages found in the device's IOTLB
 * @iotlb_misses: bus accesses: pages walked (each page once per access)
 * @stale_iotlb_hits: lazy flush mode: hits on entries already unmapped
 * @iommu_faults: translation, permission and address-size faults (also in
 *	the domain's log)
 * @bounce_bytes: bytes copied to or from swiotlb slots
 * @syncs: cache-maintenance operations
 * @api_errors: debugger reports (misuse refused or reported)
 * @vmalloc_size: size of the kernel VA window
 * @cookies: live DMA_ATTR_NO_KERNEL_MAPPING cookies
 * @kmalloc_bytes: bytes handed out by dmamap_kmalloc()
 * @clean_bytes: bytes written back, CPU view to memory
 * @invalidate_bytes: bytes invalidated, memory to CPU view
 * @prime_bytes: bytes forced into the CPU's private copy
 * @host_mmaps: host mmap calls made, ever
 * @host_munmaps: host munmap calls made, ever
 * @swiotlb_slots_total: swiotlb slots of the machine
 * @swiotlb_slots_used: slots in use
 * @swiotlb_full: mappings refused for want of free slots
 * @atomic_pool_bytes: size of the atomic coherent pool
 * @atomic_pool_used: bytes of it in use
 * @iova_pages_used: pages of IOVA space allocated in all domains
 * @host_madvises: host madvise calls made on the CPU view, ever
 */
struct dmamap_stats {
	u64 pages_total;	/* page frames in all banks */
	u64 pages_free;		/* page frames in the buddy allocator */
	u64 vmalloc_bytes;	/* kernel VA window in use, guard pages included */
	u64 vmalloc_areas;	/* areas in the kernel VA window */
	u64 host_vmas;		/* host mappings made in the VA window and user VMAs */
	u64 iotlb_hits;		/* bus accesses: pages found in the device's IOTLB */
	u64 iotlb_misses;	/* and pages walked (each page once per access) */
	u64 stale_iotlb_hits;	/* lazy mode: hits on entries already unmapped */
	u64 iommu_faults;	/* translation, permission, address size; also in the domain log */
	u64 bounce_bytes;	/* bytes copied to or from swiotlb slots */
	u64 syncs;		/* cache-maintenance operations */
	u64 api_errors;		/* debugger reports (misuse refused or reported) */
	/* additions past the contract */
	u64 vmalloc_size;	/* size of the kernel VA window */
	u64 cookies;		/* live DMA_ATTR_NO_KERNEL_MAPPING cookies */
	u64 kmalloc_bytes;	/* bytes handed out by dmamap_kmalloc */
	u64 clean_bytes;	/* bytes written back, CPU view to memory */
	u64 invalidate_bytes;	/* bytes invalidated, memory to CPU view */
	u64 prime_bytes;	/* bytes forced into the CPU's private copy */
	u64 host_mmaps;		/* host mmap calls made, ever */
	u64 host_munmaps;	/* host munmap calls made, ever */
	u64 swiotlb_slots_total;
	u64 swiotlb_slots_used;
	u64 swiotlb_full;	/* mappings refused: no free slots */
	u64 atomic_pool_bytes;	/* size of the atomic coherent pool */
	u64 atomic_pool_used;
	u64 iova_pages_used;	/* pages of IOVA space allocated in all domains */
	u64 host_madvises;	/* host madvise calls made on the CPU view, ever */
};

/**
 * dmamap_machine_stats - read a machine's counters
 * @m: the machine
 * @out: where they are stored
 *
 * A snapshot: counters other threads change may move while it is taken.
 */
DMAMAP_API void dmamap_machine_stats(struct dmamap_machine *m, struct dmamap_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_MACHINE_H */
