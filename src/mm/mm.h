/* SPDX-License-Identifier: MIT */
/*
 * The machine's internals, shared by the library's modules.
 *
 * Physical memory is one memfd. Banks lie in it one after the other, so a
 * frame has one global index ("gidx") that is its page offset in the memfd,
 * its index in the struct page array and its page offset in both host views:
 *
 *   mem     MAP_SHARED of the memfd: what DRAM holds, what a non-coherent
 *           device reads and writes.
 *   linear  the CPU's cached view, page_address(). MAP_SHARED on a coherent
 *           machine; MAP_PRIVATE on a non-coherent one, where a CPU write
 *           makes a private copy of the page that the devices do not see until
 *           it is cleaned (see cache.c).
 */
#ifndef DMAMAP_SRC_MM_MM_H
#define DMAMAP_SRC_MM_MM_H

#include <dmamap/machine.h>
#include <dmamap/mm.h>
#include <dmamap/trace.h>
#include <pthread.h>

#include "lib/util.h"
#include "mm/buddy.h"
#include "mm/report.h"
#include "mm/vmalloc.h"

struct dmamap_device_list;

struct mm_bank {
	phys_addr_t base;
	u64 size;
	unsigned long first;	/* gidx of the bank's first frame */
	unsigned long nr_pages;
	unsigned long base_pfn;
	struct buddy buddy;	/* the bank's free frames; own lock */
};

/*
 * Statistics counters (counters.c): each thread counts in a block of its
 * own, read by dmamap_machine_stats(), which adds the blocks up. Only u64
 * fields.
 */
struct mm_counters {
	u64 api_errors;
	u64 syncs;
	u64 clean_bytes;
	u64 invalidate_bytes;
	u64 prime_bytes;
	u64 bounce_bytes;
	u64 iotlb_hits;
	u64 iotlb_misses;
	u64 stale_iotlb_hits;
	u64 iommu_faults;
	u64 kmalloc_bytes;
	u64 host_mmaps;
	u64 host_munmaps;
	u64 host_madvises;
	u64 swiotlb_full;
	u64 iova_pages_used;
};

struct mm_ctr_block;

struct mm_counter_set {
	pthread_mutex_t lock;		/* guards the list of blocks and their owned flags */
	struct mm_ctr_block *blocks;
	u64 id;				/* serial number, never reused; set at init */
	struct list_head node;		/* live machines' sets (counters.c) */
	struct mm_counters spill;	/* shared, atomic: when a block cannot be had */
};

#define MM_CTR_TLS_SLOTS	4

struct mm_ctr_tls_entry {
	u64 id;				/* machine serial number; 0: empty */
	struct mm_counters *c;
};

extern __thread struct mm_ctr_tls_entry mm_ctr_tls[MM_CTR_TLS_SLOTS]
	__attribute__((tls_model("initial-exec")));

/* The calling thread's block for @m, found or made (counters.c). */
struct mm_counters *mm_counters_slow(struct dmamap_machine *m);
void mm_counters_init(struct dmamap_machine *m);
void mm_counters_exit(struct dmamap_machine *m);
/* The sum of every block of @m. */
void mm_counters_sum(struct dmamap_machine *m, struct mm_counters *out);

/*
 * mm_count(m, field, n): adds @n (negative for a gauge going down) to
 * @field of the calling thread's counters for @m. No locked instruction and
 * no line shared with another thread: a load and a store of the thread's
 * own word.
 */
#define mm_count(m, field, n) do {						\
	struct dmamap_machine *m_ = (m);					\
	struct mm_counters *c_ = mm_counters_mine(m_);			\
	if (likely(c_ != &m_->ctrs.spill))					\
		WRITE_ONCE(c_->field, READ_ONCE(c_->field) + (u64)(n));		\
	else									\
		__atomic_fetch_add(&c_->field, (u64)(n), __ATOMIC_RELAXED);	\
} while (0)

struct mm_kmalloc;
struct mm_line_snapshots;
struct swiotlb;
struct dma_coherent_pool;
struct dma_records;
struct trace_file;
struct dma_debug_machine;

struct dmamap_machine {
	struct dmamap_machine_config cfg;	/* defaults filled in */
	struct dmamap_bank bank_cfg[DMAMAP_MAX_BANKS];
	unsigned int nr_banks;
	struct mm_bank banks[DMAMAP_MAX_BANKS];	/* sorted by base */
	unsigned long nr_pages;			/* frames in all banks */
	phys_addr_t ram_end;			/* one past the highest RAM byte */
	phys_addr_t zone_dma_limit;		/* last byte GFP_DMA/GFP_DMA32 may use */
	bool noncoherent;			/* cfg.cache == DMAMAP_CACHE_NONCOHERENT */
	bool swiotlb_defaulted;			/* the config left these to the model */
	bool pool_defaulted;

	int memfd;
	size_t mem_size;			/* bytes of the memfd */
	u8 *mem;				/* memory view */
	u8 *linear;				/* linear map (CPU view) */
	u8 *host_base;				/* reservation: pages[], cookies, VA window */
	size_t host_span;
	struct page *pages;			/* nr_pages frames */
	size_t pages_bytes;			/* host bytes for pages[] */

	struct mm_vmalloc vmalloc;		/* the kernel VA window; own lock */
	struct mm_cookies cookies;		/* NO_KERNEL_MAPPING cookies; own lock */
	struct mm_kmalloc *kmalloc;		/* own lock */
	struct mm_line_snapshots *lines;	/* cache model; own lock */
	unsigned long *cpu_copies;		/* cache model: frames primed (atomic bits) */
	unsigned long *cpu_aliases;		/* cache model: frames with a second CPU mapping */
	size_t cpu_copies_bytes;		/* of each of the two bitmaps */
	struct swiotlb *swiotlb;		/* NULL: no bounce buffering */
	struct dma_coherent_pool *atomic_pool;	/* own lock */
	struct dma_records *dma_records;	/* coherent allocations; own lock */
	struct dma_debug_machine *dma_debug;	/* the debugger's line table, or NULL; own locks */
	unsigned long prep_deferred;		/* (atomic) buffers with PG_prep_pending marks */
	int bus_gate;				/* (atomic) attaches/detaches under way: see bus.c */

	pthread_rwlock_t mmio_lock;		/* guards the MMIO regions */
	struct list_head mmio_regions;		/* see mmio.c */
	unsigned int next_mmio_id;		/* under mmio_lock */

	u64 created_seq;			/* registry order (dmamap_machine_current()) */

	pthread_mutex_t lock;			/* guards the device list */
	struct list_head devices;
	unsigned int next_dev_id;

	/* tracing (src/trace): set and cleared only while no DMA call runs */
	dmamap_trace_fn trace_fn;		/* atomic; NULL: no callback */
	void *trace_arg;
	struct trace_file *trace_file;		/* the JSON trace, or NULL */
	int trace_pid;				/* the machine's process in it */
	bool trace_file_own;			/* from dmamap_trace_open(), not DMAMAP_TRACE */
	bool trace_active;			/* atomic: a callback or a file is set */

	pthread_mutex_t report_lock;		/* guards report_fn, report_arg (report.c) */
	dmamap_debug_handler_t report_fn;	/* NULL: reports go to stderr */
	void *report_arg;

	struct mm_counter_set ctrs;		/* statistics; own lock */
};

static inline struct mm_counters *mm_counters_mine(struct dmamap_machine *m)
{
	struct mm_ctr_tls_entry *e = &mm_ctr_tls[m->ctrs.id % MM_CTR_TLS_SLOTS];

	if (likely(e->id == m->ctrs.id))
		return e->c;
	return mm_counters_slow(m);
}

/* page flags */
#define PG_head		(1UL << 0)	/* first frame of an allocated block */
#define PG_slab		(1UL << 1)	/* kmalloc page carved into objects */
#define PG_kmalloc_large (1UL << 2)	/* kmalloc object of whole pages */
#define PG_pgtable	(1UL << 3)	/* an IOMMU page-table page */
#define PG_prep_pending	(1UL << 5)	/* DMA buffer not zeroed yet; private: its record */
#define PG_ORDER_SHIFT	8
#define PG_ORDER_MASK	(0xfUL << PG_ORDER_SHIFT)

static inline unsigned int page_order_flag(const struct page *p)
{
	return (unsigned int)((READ_ONCE(p->flags) & PG_ORDER_MASK) >>
			      PG_ORDER_SHIFT);
}

/* Frame index <-> page, with no checks: callers hold a valid page of @m. */
static inline unsigned long mm_page_gidx(const struct dmamap_machine *m, const struct page *p)
{
	return (unsigned long)(p - m->pages);
}

static inline struct page *mm_gidx_page(const struct dmamap_machine *m, unsigned long gidx)
{
	return &m->pages[gidx];
}

/* The bank holding frame @gidx, or NULL. Banks are few: a scan, inline for the hot paths. */
static inline const struct mm_bank *mm_gidx_bank(const struct dmamap_machine *m,
						 unsigned long gidx)
{
	for (unsigned int i = 0; i < m->nr_banks; i++)
		if (gidx - m->banks[i].first < m->banks[i].nr_pages)
			return &m->banks[i];
	return NULL;
}

/* The bank holding [phys, phys+len), or NULL. */
static inline const struct mm_bank *mm_phys_bank(const struct dmamap_machine *m, phys_addr_t phys,
						 u64 len)
{
	for (unsigned int i = 0; i < m->nr_banks; i++) {
		const struct mm_bank *b = &m->banks[i];

		if (phys >= b->base && phys - b->base < b->size)
			return len <= b->size - (phys - b->base) ? b : NULL;
	}
	return NULL;
}

/* phys -> frame index; -1UL when @phys is not RAM. */
unsigned long mm_phys_gidx(const struct dmamap_machine *m, phys_addr_t phys);

/* The physical address of frame @gidx (no checks: it is one of @m's). */
static inline phys_addr_t mm_gidx_phys(const struct dmamap_machine *m, unsigned long gidx)
{
	const struct mm_bank *b = mm_gidx_bank(m, gidx);

	return b->base + ((phys_addr_t)(gidx - b->first) << PAGE_SHIFT);
}

/* Is [phys, phys+len) RAM of a single bank? */
bool mm_phys_is_ram(const struct dmamap_machine *m, phys_addr_t phys, u64 len);

/* Host pointers into the two views; NULL when not RAM. Ranges stay in one bank. */
void *mm_phys_to_mem(const struct dmamap_machine *m, phys_addr_t phys);
void *mm_phys_to_linear(const struct dmamap_machine *m, phys_addr_t phys);
/* The byte offset in the memfd of @phys (caller checked it is RAM). */
u64 mm_phys_to_file(const struct dmamap_machine *m, phys_addr_t phys);

/* Linear-map address -> phys; (phys_addr_t)-1 when not in the linear map. */
phys_addr_t mm_linear_to_phys(const struct dmamap_machine *m, const void *addr);

/* The machine whose linear map holds @addr, or NULL. */
struct dmamap_machine *mm_linear_machine(const void *addr);

/* The machine whose kernel VA window holds @addr, or NULL. */
struct dmamap_machine *mm_vmalloc_machine(const void *addr);

/*
 * The live machine @vma is a user VMA of, with @vma taken off its list
 * (mm_vma_take()); NULL when @vma is no live VMA. @vma is not read.
 */
struct dmamap_machine *mm_vma_owner(const struct vm_area_struct *vma);

/* Checked lookup of a page pointer: the machine it belongs to, or NULL. */
struct dmamap_machine *mm_page_machine(const struct page *page);

/*
 * Is @page a frame of @m? The same answer as mm_page_machine(page) == m
 * for a live @m: a live machine's frames are exactly the properly placed
 * pointers into its own page array, which no other machine's array
 * overlaps, so no registry lookup is needed.
 */
static inline bool mm_is_page_of(const struct dmamap_machine *m, const struct page *page)
{
	return page >= m->pages && page < m->pages + m->nr_pages &&
	       ((unsigned long)page - (unsigned long)m->pages) % sizeof(*page) == 0;
}

/*
 * List walks (dma_map_sg and friends) look up a bank per entry, and the
 * entries of one list nearly always lie in one bank. A bank never moves
 * while its machine lives and banks do not overlap, so the bank found for
 * one entry (*@hint) answers for every later one it holds; only an entry
 * outside it is looked up again. The answers are those of mm_gidx_bank()
 * and mm_phys_is_ram().
 */
static inline const struct mm_bank *mm_gidx_bank_hint(const struct dmamap_machine *m,
						      unsigned long gidx,
						      const struct mm_bank **hint)
{
	const struct mm_bank *b = *hint;

	if (likely(b && gidx - b->first < b->nr_pages))
		return b;
	b = mm_gidx_bank(m, gidx);
	if (b)
		*hint = b;
	return b;
}

/* The physical address of @page when it is a frame of @m, else (phys_addr_t)-1; with a hint. */
static inline phys_addr_t mm_page_phys_hint(const struct dmamap_machine *m,
					    const struct page *page, const struct mm_bank **hint)
{
	unsigned long gidx;
	const struct mm_bank *b;

	if (!mm_is_page_of(m, page))
		return (phys_addr_t)-1;
	gidx = mm_page_gidx(m, page);
	b = mm_gidx_bank_hint(m, gidx, hint);
	return b ? b->base + ((phys_addr_t)(gidx - b->first) << PAGE_SHIFT) : (phys_addr_t)-1;
}

static inline bool mm_phys_is_ram_hint(const struct dmamap_machine *m, phys_addr_t phys, u64 len,
				       const struct mm_bank **hint)
{
	const struct mm_bank *b = *hint;

	if (!len)
		len = 1;
	/* the bank that holds @phys is the only one that can hold the range */
	if (likely(b && phys >= b->base && phys - b->base < b->size))
		return len <= b->size - (phys - b->base);
	b = mm_phys_bank(m, phys, len);
	if (b)
		*hint = b;
	return b != NULL;
}

/*
 * Frames capped below @max_phys (inclusive last byte; ~0 for none), zeroed
 * through the memory view when __GFP_ZERO is set. Zone modifiers in @gfp
 * lower the cap further.
 */
struct page *mm_alloc_pages_capped(struct dmamap_machine *m, gfp_t gfp, unsigned int order,
				   phys_addr_t max_phys);
/*
 * Frames for the machine's own pools (atomic pool, swiotlb), taken the way
 * the kernel's memblock takes them before the page allocator runs: out of
 * the buddy allocator, their struct pages never written. Their flags stay 0,
 * so dmamap_free_pages() of one is refused as a free of a page that was never
 * allocated; and creating a machine touches no page of the page array.
 * Returns the first frame's physical address, or (phys_addr_t)-1.
 */
phys_addr_t mm_alloc_boot_frames(struct dmamap_machine *m, gfp_t gfp, unsigned int order);
void mm_free_boot_frames(struct dmamap_machine *m, phys_addr_t phys, unsigned int order);
/* Free with the order checked; returns -EINVAL (and changes nothing) for misuse. */
int mm_free_pages_checked(struct dmamap_machine *m, struct page *page, unsigned int order);

/*
 * Frames for DMA: the linear-map alias is cleaned and invalidated first, as
 * arch_dma_prep_coherent() does, so no private copy of an earlier user
 * survives; then they are zeroed in memory.
 */
void mm_prep_dma_pages(struct dmamap_machine *m, struct page *page, unsigned long nr_pages);

/*
 * host_discard() / host_populate_write() / host_remove() on @m's views,
 * counted in host_madvises: no map, unmap or sync makes any (they are for
 * giving freed frames back, in batches), and the tests hold it to that.
 */
int mm_host_discard(struct dmamap_machine *m, void *addr, size_t len);
int mm_host_populate_write(struct dmamap_machine *m, void *addr, size_t len);
int mm_host_remove(struct dmamap_machine *m, void *addr, size_t len);

/* Host page size check, done once. */
int mm_host_check(void);

/* mmio.c: the machine's MMIO regions */
struct dmamap_mmio_region;
void mm_mmio_init(struct dmamap_machine *m);
void mm_mmio_exit(struct dmamap_machine *m);
/* The region holding @phys (*@end set to one past its last byte), or NULL. */
struct dmamap_mmio_region *mm_mmio_find(struct dmamap_machine *m, phys_addr_t phys,
					phys_addr_t *end);
/* Is [phys, phys+len) inside one MMIO region? */
bool mm_phys_is_mmio(struct dmamap_machine *m, phys_addr_t phys, u64 len);
const char *mm_mmio_name(const struct dmamap_mmio_region *r);
/*
 * A bus master's access of @len bytes at @phys, inside region @r: its
 * handler's answer (0 or a negative errno).
 */
int mm_mmio_access(struct dmamap_mmio_region *r, phys_addr_t phys, void *buf, size_t len,
		   bool write);

/* kmalloc.c */
int mm_kmalloc_init(struct dmamap_machine *m);
void mm_kmalloc_exit(struct dmamap_machine *m);

#endif /* DMAMAP_SRC_MM_MM_H */
