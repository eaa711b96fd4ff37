// SPDX-License-Identifier: MIT
/*
 * The DMA-API debugger: every check of the kernel's CONFIG_DMA_API_DEBUG
 * (kernel/dma/debug.c), made at the DMA API's entry points, so that the
 * direct, swiotlb and IOMMU paths are checked alike.
 *
 * Records. A device with debugger state keeps one record per live mapping
 * and allocation: one per DMA segment of a mapped list, as the kernel does,
 * the segments of one list sharing the list's physical extent (a group).
 * Records hang in a hash keyed by the DMA page their segment starts in,
 * which doubles when it holds twice as many records as buckets: the
 * kernel's table has a fixed 16,384 buckets, and with a million mappings
 * live every lookup walks chains of 64. A record spanning more than
 * SMALL_SPAN pages is also kept in a short list, so that finding the record
 * that contains an address (a sync at an offset, a bus access) probes at
 * most SMALL_SPAN buckets back and that list. The device's lock guards its
 * records; records come from slabs kept until the device goes.
 *
 * Cache lines. The machine counts, per page frame with live streaming
 * mappings, the device-writable and read-only mappings covering each of its
 * 64-byte lines; a mapping covering a whole frame is one count for the
 * frame, so a page-sized buffer costs one increment. A mapping made
 * without DMA_ATTR_SKIP_CPU_SYNC that shares a line with a live one, one of
 * the two device-writable, is reported: the cache maintenance of one
 * corrupts the other on a non-coherent machine. The kernel tracks only the
 * first line of a mapping and not the TO_DEVICE ones; a device write into a
 * line a TO_DEVICE mapping's clean writes back is as much lost. Coherent
 * allocations are left out: they get no cache maintenance. The table is
 * sharded by frame, each shard under its own lock, taken inside a device's.
 *
 * Reports are gathered while locks are held and made after the unlock.
 */
#include "dma/debug.h"
#include "dma/coherent.h"
#include "mm/host.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SMALL_SPAN	16	/* pages; longer records are also in the large list */
#define SLAB_RECORDS	63
#define LINE_SHARDS	16
#define LINES_PER_FRAME	(PAGE_SIZE / L1_CACHE_BYTES)

enum { ERR_NA, ERR_UNCHECKED, ERR_CHECKED };

static const char *const type_name[] = {
	[DEBUG_DMA_SINGLE] = "single", [DEBUG_DMA_PAGE] = "page", [DEBUG_DMA_SG] = "sg",
	[DEBUG_DMA_COHERENT] = "coherent", [DEBUG_DMA_NONCONTIG] = "noncontiguous",
	[DEBUG_DMA_NONCOHERENT] = "noncoherent", [DEBUG_DMA_RESOURCE] = "resource",
};

/* The call that makes a record of each type. */
static const char *const maker[] = {
	[DEBUG_DMA_SINGLE] = "dma_map_single", [DEBUG_DMA_PAGE] = "dma_map_page",
	[DEBUG_DMA_SG] = "dma_map_sg", [DEBUG_DMA_COHERENT] = "dma_alloc_attrs",
	[DEBUG_DMA_NONCONTIG] = "dma_alloc_noncontiguous", [DEBUG_DMA_NONCOHERENT] = "dma_alloc_pages",
	[DEBUG_DMA_RESOURCE] = "dma_map_resource",
};

static const char *const dir_name[] = {
	[DMA_BIDIRECTIONAL] = "DMA_BIDIRECTIONAL", [DMA_TO_DEVICE] = "DMA_TO_DEVICE",
	[DMA_FROM_DEVICE] = "DMA_FROM_DEVICE", [DMA_NONE] = "DMA_NONE",
};

static const char *dirname(int dir)
{
	return (unsigned int)dir < ARRAY_SIZE(dir_name) ? dir_name[dir] : "(invalid)";
}

struct debug_range {
	phys_addr_t phys;
	u64 len;
	unsigned long gidx;		/* the frame index of phys: the line table's key */
};

/*
 * Who owns a streaming buffer (DMAMAP_DEBUG_OWNERSHIP): while @on, the
 * device does, since a map or a sync for the device, and @sum is the
 * checksum of the CPU's view of [@lo, +@len) of the buffer as it was
 * handed over (kept up to date across the device's own writes); @wrote is
 * set when the CPU's view was found changed before such a write.
 */
struct debug_own {
	u64 sum;
	u64 lo, len;			/* single range: the part owned; a list: all of it */
	bool on;
	bool wrote;
	bool prot;			/* its pages are protected, no sum kept (see own_protect()) */
	bool read;			/* protected: the CPU read it */
	const void *pc;			/* protected: the instruction that read or wrote it */
};

/* The physical extent of a mapped list, shared by its segments' records. */
struct debug_group {
	unsigned int refs;		/* records pointing here; under the device lock */
	unsigned int nr;
	bool lines;			/* counted in the machine's line table */
	bool reported;			/* as a leak, once for the list */
	struct debug_own own;
	struct debug_range r[];
};

struct debug_rec {
	struct debug_rec *next;		/* hash chain, or the free list */
	dma_addr_t dma;
	u64 len;			/* of the DMA segment */
	u64 asked;			/* coherent, non-contiguous: the size the caller gave */
	phys_addr_t phys;		/* the buffer's first byte (sg: its entry's) */
	const void *cpu;		/* coherent: the CPU address or cookie returned */
	const void *site;		/* the call that made it */
	unsigned long attrs;
	int nents;			/* sg: entries given; non-contiguous: orig_nents */
	int mapped;			/* sg: DMA segments returned */
	u8 type;			/* enum debug_dma_type */
	u8 dir;
	u8 err_check;			/* ERR_* */
	bool lines;			/* no group: counted in the machine's line table */
	bool large;			/* also in the large list */
	struct debug_range range;	/* single, page: the buffer */
	struct debug_group *group;	/* sg, non-contiguous: the list's entries */
	struct debug_own own;		/* no group: the buffer's ownership */
};

struct debug_slab {
	struct debug_slab *next;
	struct debug_rec rec[SLAB_RECORDS];
};

struct dma_debug_dev {
	pthread_mutex_t lock;		/* guards everything below */
	struct debug_rec **bucket;	/* 1 << shift chains */
	unsigned int shift;
	unsigned long nr;		/* records in the hash */
	unsigned int max_span;		/* pages: the longest small record ever inserted */
	struct debug_rec **large;	/* records spanning more than SMALL_SPAN pages */
	unsigned int nr_large, cap_large;
	struct debug_rec *free;
	struct debug_slab *slabs;
};

/* --- the machine's cache-line table -------------------------------------------- */

/*
 * Counts of one frame: [0] device-writable mappings, [1] read-only ones. Made
 * the first time the frame is mapped and kept until the machine goes, so a
 * buffer mapped and unmapped again and again costs a look-up by index.
 */
struct line_frame {
	u32 whole[2];			/* mappings covering the whole frame */
	u64 any[2];			/* lines with a partial count */
	u32 *cnt;			/* [2][64] partial counts, or NULL */
};

struct dma_debug_machine {
	struct line_frame **frame;	/* by frame index; each guarded by its shard lock */
	unsigned long nr_frames;
	pthread_mutex_t shard[LINE_SHARDS];	/* frame i: shard[i % LINE_SHARDS] */
	/* the bias (see sec_begin()) */
	u64 owner;			/* (atomic) the one thread, 0 before the first */
	int biased;			/* (atomic) only the owner runs sections, lock-free */
	int inside;			/* (atomic) sections the owner is in; the owner writes it */
	pthread_mutex_t revoke_lock;	/* one revoker at a time */
	/* DMAMAP_DEBUG_OWNERSHIP: per frame, the device-owned buffers on it (atomic) */
	u32 *owned;
	unsigned long nr_owned;		/* frames with a count (atomic): 0 is the fast path */
	/*
	 * Protection (see own_protect()), per frame: its PS_* state (atomic),
	 * the instruction of its last fault, and its sum when the library's
	 * own access ended its protection. Read by the fault handler: slot is
	 * this machine's place in prot_dm[], -1 when it protects nothing.
	 */
	u8 *prot;
	const void **prot_pc;
	u64 *prot_sum;
	unsigned long prot_pages;	/* frames protected (atomic), at most PROT_PAGES_MAX */
	u8 *linear;
	u64 linear_len;
	int slot;
};

/* --- sections and the bias ------------------------------------------------------- *
 *
 * Every look at the debugger's state is a section. A section takes the
 * device's lock and the line shards' locks as it goes, except under the
 * bias: as long as one thread only has used the machine's debugger state,
 * that thread's sections take no lock at all. On the virtual machines this
 * runs on, one atomic instruction costs as much as a whole map and unmap of
 * a buffer; with four lock pairs per map and unmap, the debugger would cost
 * ten times the operation it checks, where the bias keeps it to a few.
 *
 * The first other thread that needs a section revokes the bias for good:
 * it clears @biased, makes every thread of the process execute a memory
 * barrier (membarrier(2), expedited), then waits for the owner to leave any
 * section it is in. The owner, which writes @inside before it reads
 * @biased with no fence of its own, either saw the bias gone and took the
 * locks, or is seen inside and waited for: the barrier the revoker forces
 * on it stands for the fence its fast path leaves out. From then on every
 * section takes the locks. Without membarrier, and under ThreadSanitizer
 * (which cannot see that barrier), there is no bias.
 */

#if defined(__SANITIZE_THREAD__)
#define DEBUG_NO_BIAS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DEBUG_NO_BIAS 1
#endif
#endif

#define TLS __thread __attribute__((tls_model("initial-exec")))

static TLS u64 self_id;			/* this thread's id, 0 before it needs one */
static TLS unsigned int sec_depth;	/* sections this thread is in (nested) */
static TLS bool sec_biased;		/* ... under the bias */
static u64 next_thread_id;		/* (atomic) */
static pthread_once_t membarrier_once = PTHREAD_ONCE_INIT;
static bool membarrier_ok;		/* written once, under membarrier_once */

static void membarrier_init(void)
{
#ifndef DEBUG_NO_BIAS
	membarrier_ok = !syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
#endif
}

static u64 thread_id(void)
{
	if (unlikely(!self_id))
		self_id = __atomic_add_fetch(&next_thread_id, 1, __ATOMIC_RELAXED);
	return self_id;
}

static void bias_revoke(struct dma_debug_machine *dm)
{
	pthread_mutex_lock(&dm->revoke_lock);
	if (__atomic_load_n(&dm->biased, __ATOMIC_RELAXED)) {
		__atomic_store_n(&dm->biased, 0, __ATOMIC_RELAXED);
		syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		while (__atomic_load_n(&dm->inside, __ATOMIC_ACQUIRE))
			sched_yield();
	}
	pthread_mutex_unlock(&dm->revoke_lock);
}

static bool sec_begin_slow(struct dma_debug_machine *dm);

/* Begins a section; true when it runs under the bias (take no lock). */
static inline bool sec_begin(struct dma_debug_machine *dm)
{
	if (sec_depth) {
		sec_depth++;
		return sec_biased;
	}
	/* the owner, the bias still on: the usual case, inline */
	if (likely(self_id && __atomic_load_n(&dm->owner, __ATOMIC_RELAXED) == self_id)) {
		__atomic_store_n(&dm->inside, 1, __ATOMIC_RELAXED);
		__asm__ volatile("" : : : "memory");
		if (likely(__atomic_load_n(&dm->biased, __ATOMIC_RELAXED))) {
			sec_depth = 1;
			sec_biased = true;
			return true;
		}
		__atomic_store_n(&dm->inside, 0, __ATOMIC_RELEASE);
	}
	return sec_begin_slow(dm);
}

static bool sec_begin_slow(struct dma_debug_machine *dm)
{
	sec_depth = 1;
	sec_biased = false;
	if (__atomic_load_n(&dm->biased, __ATOMIC_RELAXED)) {
		u64 me = thread_id(), owner = __atomic_load_n(&dm->owner, __ATOMIC_RELAXED);

		if (!owner && __atomic_compare_exchange_n(&dm->owner, &owner, me, false,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			owner = me;
		if (owner == me) {
			__atomic_store_n(&dm->inside, 1, __ATOMIC_RELAXED);
			__asm__ volatile("" : : : "memory");
			if (__atomic_load_n(&dm->biased, __ATOMIC_RELAXED)) {
				sec_biased = true;
				return true;
			}
			__atomic_store_n(&dm->inside, 0, __ATOMIC_RELEASE);
		} else {
			bias_revoke(dm);
		}
	}
	return false;
}

static inline void sec_end(struct dma_debug_machine *dm)
{
	if (--sec_depth == 0 && sec_biased)
		__atomic_store_n(&dm->inside, 0, __ATOMIC_RELEASE);
}

static void lock_in(struct dma_debug_machine *dm, pthread_mutex_t *lock)
{
	if (!sec_begin(dm))
		pthread_mutex_lock(lock);
}

static void unlock_in(struct dma_debug_machine *dm, pthread_mutex_t *lock)
{
	if (!sec_biased)
		pthread_mutex_unlock(lock);
	sec_end(dm);
}

static u64 line_mask(unsigned int l0, unsigned int l1)
{
	return (l1 == 63 ? ~0ULL : (1ULL << (l1 + 1)) - 1) & ~((1ULL << l0) - 1);
}

/*
 * Adds (or with @remove takes away) one mapping's lines of frame @gidx:
 * lines [@l0, @l1], device-writable (@w 0) or read-only (@w 1). On adding,
 * returns the index of a line the mapping shares in a way that is reported
 * (see the head of the file), or -1.
 */
static int frame_update(struct dma_debug_machine *dm, unsigned long gidx, unsigned int l0,
			unsigned int l1, int w, bool remove)
{
	pthread_mutex_t *lock = &dm->shard[gidx % LINE_SHARDS];
	bool whole = l0 == 0 && l1 == LINES_PER_FRAME - 1;
	u64 mask = line_mask(l0, l1), hit;
	struct line_frame *f;
	int conflict = -1;

	if (gidx >= dm->nr_frames)
		return -1;
	lock_in(dm, lock);
	f = dm->frame[gidx];
	if (!f) {
		if (remove)
			goto out;	/* never added (out of memory then) */
		f = calloc(1, sizeof(*f));
		if (!f)
			goto out;
		dm->frame[gidx] = f;
	}
	if (!remove) {
		/* whole[] one by one: a load of both would wait for the last store to one */
		if (f->whole[0] || (w == 0 && f->whole[1]))
			hit = mask;
		else
			hit = mask & (f->any[0] | (w == 0 ? f->any[1] : 0));
		if (hit)
			conflict = __builtin_ctzll(hit);
	}
	if (whole) {
		if (!remove)
			f->whole[w]++;
		else if (f->whole[w])
			f->whole[w]--;
		goto out;
	}
	if (!f->cnt) {
		if (remove)
			goto out;
		f->cnt = calloc(2 * LINES_PER_FRAME, sizeof(u32));
		if (!f->cnt)
			goto out;
	}
	for (unsigned int l = l0; l <= l1; l++) {
		u32 *c = &f->cnt[w * LINES_PER_FRAME + l];

		if (!remove) {
			if ((*c)++ == 0)
				f->any[w] |= 1ULL << l;
		} else if (*c && --(*c) == 0) {
			f->any[w] &= ~(1ULL << l);
		}
	}
out:
	unlock_in(dm, lock);
	return conflict;
}

/* Every frame of @rg; the first line shared, or (phys_addr_t)-1. */
static phys_addr_t lines_update(struct dma_debug_machine *dm, const struct debug_range *rg, int w,
				bool remove)
{
	phys_addr_t found = (phys_addr_t)-1;
	u64 off = rg->phys & (PAGE_SIZE - 1), left = rg->len;

	/* a range lies in one bank (the map checked it): its frames are consecutive */
	for (unsigned long gidx = rg->gidx; left; gidx++) {
		u64 n = min_t(u64, left, PAGE_SIZE - off);
		int l = frame_update(dm, gidx, (unsigned int)(off >> 6),
				     (unsigned int)((off + n - 1) >> 6), w, remove);

		if (l >= 0 && found == (phys_addr_t)-1)
			found = ALIGN_DOWN(rg->phys, PAGE_SIZE) +
				((phys_addr_t)(gidx - rg->gidx) << PAGE_SHIFT) +
				(phys_addr_t)l * L1_CACHE_BYTES;
		left -= n;
		off = 0;
	}
	return found;
}

static bool dir_writable(int dir)
{
	return dir != DMA_TO_DEVICE;
}

/* The record's extent, one range after the other. */
static unsigned int rec_ranges(const struct debug_rec *r, const struct debug_range **out)
{
	if (r->group) {
		*out = r->group->r;
		return r->group->nr;
	}
	*out = &r->range;
	return r->range.len ? 1 : 0;
}

static phys_addr_t rec_lines(struct device *dev, const struct debug_rec *r, bool remove)
{
	struct dma_debug_machine *dm = dev->machine->dma_debug;
	const struct debug_range *rg;
	unsigned int n;
	phys_addr_t first = (phys_addr_t)-1;
	int w = dir_writable(r->dir) ? 0 : 1;

	/* one whole frame, the usual buffer: one count, without the general walk */
	if (!r->group && r->range.len == PAGE_SIZE && PAGE_ALIGNED(r->range.phys)) {
		int l = frame_update(dm, r->range.gidx, 0, LINES_PER_FRAME - 1, w, remove);

		return l < 0 ? (phys_addr_t)-1 : r->range.phys + (phys_addr_t)l * L1_CACHE_BYTES;
	}
	n = rec_ranges(r, &rg);
	for (unsigned int i = 0; i < n; i++) {
		phys_addr_t at = lines_update(dm, &rg[i], w, remove);

		if (first == (phys_addr_t)-1)
			first = at;
	}
	return first;
}

/* --- records --------------------------------------------------------------------- */

static void dev_lock(struct device *dev)
{
	lock_in(dev->machine->dma_debug, &dev->debug->lock);
}

static void dev_unlock(struct device *dev)
{
	unlock_in(dev->machine->dma_debug, &dev->debug->lock);
}

static inline unsigned long rec_bucket(const struct dma_debug_dev *d, dma_addr_t dma)
{
	return (unsigned long)(((dma >> PAGE_SHIFT) * 0x9E3779B97F4A7C15ULL) >> (64 - d->shift));
}

static inline unsigned int rec_span(dma_addr_t dma, u64 len)
{
	u64 first = dma >> PAGE_SHIFT, last = (dma + (len ? len : 1) - 1) >> PAGE_SHIFT;

	return last - first >= SMALL_SPAN ? SMALL_SPAN + 1 : (unsigned int)(last - first + 1);
}

static struct debug_rec *rec_alloc(struct dma_debug_dev *d)
{
	struct debug_rec *r = d->free;

	if (!r) {
		struct debug_slab *s = malloc(sizeof(*s));

		if (!s)
			return NULL;
		s->next = d->slabs;
		d->slabs = s;
		for (int i = SLAB_RECORDS - 1; i >= 0; i--) {
			s->rec[i].next = d->free;
			d->free = &s->rec[i];
		}
		r = d->free;
	}
	d->free = r->next;
	/* field by field: a struct assignment becomes a rep stos that costs more than the rest */
	r->next = NULL;
	r->dma = 0;
	r->len = 0;
	r->asked = 0;
	r->phys = 0;
	r->cpu = NULL;
	r->site = NULL;
	r->attrs = 0;
	r->nents = 0;
	r->mapped = 0;
	r->type = 0;
	r->dir = 0;
	r->err_check = ERR_NA;
	r->lines = false;
	r->large = false;
	r->range.phys = 0;
	r->range.len = 0;
	r->range.gidx = 0;
	r->group = NULL;
	r->own.on = false;
	r->own.wrote = false;
	r->own.prot = false;
	r->own.read = false;
	r->own.pc = NULL;
	return r;
}

static void rec_free(struct dma_debug_dev *d, struct debug_rec *r)
{
	r->next = d->free;
	d->free = r;
}

static void hash_grow(struct dma_debug_dev *d)
{
	unsigned int shift = d->shift + 1;
	struct debug_rec **n = calloc(1UL << shift, sizeof(*n)), **old = d->bucket;
	unsigned long nb = 1UL << d->shift;

	if (!n)
		return;	/* longer chains, still correct */
	d->bucket = n;
	d->shift = shift;
	for (unsigned long i = 0; i < nb; i++) {
		struct debug_rec *r = old[i], *next;

		for (; r; r = next) {
			unsigned long b = rec_bucket(d, r->dma);

			next = r->next;
			r->next = n[b];
			n[b] = r;
		}
	}
	free(old);
}

/* Links @r in; false when the large list cannot grow (then it is not linked). */
static bool rec_insert(struct dma_debug_dev *d, struct debug_rec *r)
{
	unsigned int span = rec_span(r->dma, r->len);
	unsigned long b;

	if (span > SMALL_SPAN) {
		if (d->nr_large == d->cap_large) {
			unsigned int cap = d->cap_large ? 2 * d->cap_large : 16;
			struct debug_rec **n = realloc(d->large, cap * sizeof(*n));

			if (!n)
				return false;
			d->large = n;
			d->cap_large = cap;
		}
		d->large[d->nr_large++] = r;
		r->large = true;
	} else if (span > d->max_span) {
		d->max_span = span;
	}
	if (d->nr >= 2UL << d->shift)
		hash_grow(d);
	b = rec_bucket(d, r->dma);
	r->next = d->bucket[b];
	d->bucket[b] = r;
	d->nr++;
	return true;
}

static void rec_unlink(struct dma_debug_dev *d, struct debug_rec *r)
{
	struct debug_rec **pp = &d->bucket[rec_bucket(d, r->dma)];

	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	d->nr--;
	if (r->large) {
		for (unsigned int i = 0; i < d->nr_large; i++) {
			if (d->large[i] == r) {
				d->large[i] = d->large[--d->nr_large];
				break;
			}
		}
	}
}

/* What a call says of the mapping it undoes, for the best-fit search. */
struct debug_ref {
	dma_addr_t dma;
	u64 len;
	int type;
	int dir;
	int nents;
};

static int fit(const struct debug_rec *r, const struct debug_ref *ref)
{
	return (r->len == ref->len) + (r->type == ref->type) + (r->dir == ref->dir) +
	       (r->nents == ref->nents);
}

/*
 * The record made at exactly @ref->dma. The same address can be live more
 * than once (a buffer mapped twice without an IOMMU): as the kernel does,
 * the one that fits the call best is taken.
 */
static struct debug_rec *find_exact(struct dma_debug_dev *d, const struct debug_ref *ref)
{
	struct debug_rec *r, *best = NULL;
	int best_fit = -1;

	for (r = d->bucket[rec_bucket(d, ref->dma)]; r; r = r->next) {
		int f;

		if (r->dma != ref->dma)
			continue;
		f = fit(r, ref);
		if (f == 4)
			return r;
		if (f > best_fit) {
			best_fit = f;
			best = r;
		}
	}
	return best;
}

/*
 * Of the records whose segment holds @at (those of the pages up to
 * max_span back, and the large ones), the one @score rates highest, the
 * first of equals; NULL if none holds it.
 */
static struct debug_rec *find_best_holding(struct dma_debug_dev *d, dma_addr_t at,
					   int (*score)(const struct debug_rec *r, const void *arg),
					   const void *arg)
{
	struct debug_rec *best = NULL;
	u64 page = at >> PAGE_SHIFT;
	int best_score = -1;

	for (unsigned int back = 0; back < d->max_span && back <= page; back++)
		for (struct debug_rec *r = d->bucket[rec_bucket(d, (page - back) << PAGE_SHIFT)]; r;
		     r = r->next)
			if (r->dma <= at && at - r->dma < r->len && score(r, arg) > best_score) {
				best_score = score(r, arg);
				best = r;
			}
	for (unsigned int i = 0; i < d->nr_large; i++) {
		struct debug_rec *r = d->large[i];

		if (r->dma <= at && at - r->dma < r->len && score(r, arg) > best_score) {
			best_score = score(r, arg);
			best = r;
		}
	}
	return best;
}

static int containing_score(const struct debug_rec *r, const void *arg)
{
	const struct debug_ref *ref = arg;

	return fit(r, ref) + 8 * (ref->len <= r->len - (ref->dma - r->dma));
}

/*
 * The record whose segment holds @ref->dma, preferring one that holds the
 * whole of [dma, dma+len), then the best fit.
 */
static struct debug_rec *find_containing(struct dma_debug_dev *d, const struct debug_ref *ref)
{
	return find_best_holding(d, ref->dma, containing_score, ref);
}

/* --- reports gathered under the lock ---------------------------------------------- */

#define MAX_PENDING	8

struct pending {
	int n;
	struct {
		enum dmamap_debug_kind kind;
		dma_addr_t addr;
		size_t size;
		const void *map_site;
		const void *site;	/* or NULL: the call's */
		char msg[240];
	} r[MAX_PENDING];
};

static void pend(struct pending *p, enum dmamap_debug_kind kind, dma_addr_t addr, size_t size,
		 const void *map_site, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void pend(struct pending *p, enum dmamap_debug_kind kind, dma_addr_t addr, size_t size,
		 const void *map_site, const char *fmt, ...)
{
	va_list ap;

	if (p->n == MAX_PENDING)
		return;
	p->r[p->n].kind = kind;
	p->r[p->n].addr = addr;
	p->r[p->n].size = size;
	p->r[p->n].map_site = map_site;
	p->r[p->n].site = NULL;
	va_start(ap, fmt);
	vsnprintf(p->r[p->n].msg, sizeof(p->r[0].msg), fmt, ap);
	va_end(ap);
	p->n++;
}

static void flush(struct device *dev, struct pending *p, const void *site)
{
	for (int i = 0; i < p->n; i++)
		mm_debug_report(NULL, dev, p->r[i].kind, p->r[i].addr, p->r[i].size,
				p->r[i].site ? p->r[i].site : site, p->r[i].map_site, "%s",
				p->r[i].msg);
	p->n = 0;
}

static bool api_on(const struct device *dev)
{
	return dev->machine->cfg.debug & DMAMAP_DEBUG_API;
}

static bool rec_has_lines(const struct debug_rec *r)
{
	return r->group ? r->group->lines : r->lines;
}

/*
 * Another live mapping, of any device, that covers the cache line at
 * @line, for naming it in an overlap report: its device, direction and
 * site. Only on the report path: it looks at every record of the machine.
 */
static bool find_line_user(struct device *self, const struct debug_rec *not, phys_addr_t line,
			   struct device **dev_out, int *dir_out, const void **site_out)
{
	struct dmamap_machine *m = self->machine;
	struct device *dev;
	bool found = false;

	pthread_mutex_lock(&m->lock);
	list_for_each_entry(dev, &m->devices, node) {
		struct dma_debug_dev *d = dev->debug;

		if (!d)
			continue;
		dev_lock(dev);
		for (unsigned long b = 0; !found && b < (1UL << d->shift); b++) {
			for (struct debug_rec *r = d->bucket[b]; r && !found; r = r->next) {
				const struct debug_range *rg;
				unsigned int n;

				if (r == not || !rec_has_lines(r))
					continue;
				n = rec_ranges(r, &rg);
				for (unsigned int i = 0; i < n && !found; i++) {
					if (ALIGN_DOWN(rg[i].phys, L1_CACHE_BYTES) <= line &&
					    line < rg[i].phys + rg[i].len) {
						*dev_out = dev;
						*dir_out = r->dir;
						*site_out = r->site;
						found = true;
					}
				}
			}
		}
		dev_unlock(dev);
		if (found)
			break;
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}

/* The new mapping's record @self (not dereferenced: it may be gone) was @dma+@len, @dir. */
static void report_overlap(struct device *dev, const struct debug_rec *self, dma_addr_t dma,
			   u64 len, int dir, phys_addr_t line, const char *fn, const void *site)
{
	struct device *other;
	const void *other_site = NULL;
	int other_dir = DMA_NONE;
	char who[96] = "another live mapping";

	if (find_line_user(dev, self, line, &other, &other_dir, &other_site))
		snprintf(who, sizeof(who), "a live %s mapping of %s", dirname(other_dir),
			 dev_name(other));
	mm_debug_report(NULL, dev, DMAMAP_DEBUG_OVERLAP, dma, len, site, other_site,
			"%s: the %s mapping of %#llx+%#llx shares the cache line at physical "
			"address %#llx with %s: the cache maintenance of one can undo the other",
			fn, dirname(dir), (unsigned long long)dma, (unsigned long long)len,
			(unsigned long long)line, who);
}

/* --- ownership (DMAMAP_DEBUG_OWNERSHIP) ------------------------------------------------ *
 *
 * The CPU must not write a streaming buffer between its map (or a sync for
 * the device) and its unmap (or a sync for the CPU). On a coherent machine
 * such a write happens to reach the device; on hardware it can be lost or
 * undo the device's, so it is caught on both cache models: the CPU's view of
 * the buffer is checksummed when the device gets it and again when the CPU
 * takes it back. The device's own writes change the CPU's view too (at once
 * when it is coherent, through memory where the CPU holds no copy): before
 * each, the sums of the owned buffers it touches are compared (a change is
 * the CPU's), after it they are taken again. Which frames hold an owned
 * buffer is counted, so a write elsewhere costs a look at a counter.
 * A buffer that covers whole pages is protected instead of summed, which
 * sees the CPU's reads too (see own_protect()).
 */

static bool own_on(const struct device *dev)
{
	return dev->machine->cfg.debug & DMAMAP_DEBUG_OWNERSHIP;
}

/* Streaming buffers change hands; coherent allocations and resources do not. */
static bool own_kind(int type)
{
	return type == DEBUG_DMA_SINGLE || type == DEBUG_DMA_PAGE || type == DEBUG_DMA_SG ||
	       type == DEBUG_DMA_NONCOHERENT;
}

static struct debug_own *rec_own(struct debug_rec *r)
{
	return r->group ? &r->group->own : &r->own;
}

/* A position-dependent checksum of @len bytes: every change of one word alters it. */
static u64 sum_bytes(const u8 *p, u64 len, u64 seed)
{
	u64 a[4] = { seed, 0, 0, 0 }, b[4] = { 0, 0, 0, 0 };
	u64 i = 0;

	for (; i + 32 <= len; i += 32) {
		for (int k = 0; k < 4; k++) {
			u64 w;

			memcpy(&w, p + i + 8 * k, 8);
			a[k] += w;
			b[k] += a[k];
		}
	}
	for (; i < len; i++) {
		a[0] += p[i];
		b[0] += a[0];
	}
	return (a[0] ^ (a[1] << 1) ^ (a[2] << 2) ^ (a[3] << 3)) * 0x9E3779B97F4A7C15ULL +
	       (b[0] + 3 * b[1] + 5 * b[2] + 7 * b[3]);
}

/* The checksum of the CPU's view of what @r's ownership covers. */
static u64 own_sum(struct dmamap_machine *m, struct debug_rec *r)
{
	struct debug_own *o = rec_own(r);
	const struct debug_range *rg;
	unsigned int n;
	u64 sum = 0;

	if (!r->group)
		return sum_bytes(mm_phys_to_linear(m, r->range.phys + o->lo), o->len, 0);
	n = rec_ranges(r, &rg);
	for (unsigned int i = 0; i < n; i++)
		sum = sum_bytes(mm_phys_to_linear(m, rg[i].phys), rg[i].len, sum + i);
	return sum;
}

/* The frames of @r's ranges owned by the device (@delta 1) or not any more (-1). */
static void own_count(struct device *dev, struct debug_rec *r, int delta)
{
	struct dma_debug_machine *dm = dev->machine->dma_debug;
	const struct debug_range *rg;
	unsigned int n = rec_ranges(r, &rg);

	for (unsigned int i = 0; i < n; i++) {
		unsigned long f = rg[i].gidx;
		unsigned long last = f + (unsigned long)(((rg[i].phys & (PAGE_SIZE - 1)) +
							  rg[i].len - 1) >> PAGE_SHIFT);

		for (; f <= last && f < dm->nr_frames; f++) {
			u32 was = __atomic_fetch_add(&dm->owned[f], (u32)delta, __ATOMIC_RELAXED);

			if (delta > 0 && was == 0)
				__atomic_fetch_add(&dm->nr_owned, 1, __ATOMIC_RELAXED);
			else if (delta < 0 && was == 1)
				__atomic_fetch_sub(&dm->nr_owned, 1, __ATOMIC_RELAXED);
		}
	}
}

/*
 * Protection. A buffer that covers whole pages, that its device owns whole
 * and that no other owned buffer shares a page with, is not summed: while
 * the device owns it, its pages of the linear map are protected, PROT_NONE,
 * or PROT_READ for DMA_TO_DEVICE (the CPU reading what the device only
 * reads loses nothing). A CPU access faults; the handler, own_fault(),
 * notes it in the frame's state with the faulting instruction, lifts the
 * protection one step (a read makes the page readable, a write writable)
 * and lets the access run. The report comes when ownership comes back, and
 * names that instruction. So reads are seen, which no sum can do.
 *
 * A hand-over costs a host call per run of adjacent frames each way, and a
 * look at the process's SIGSEGV handler when the device gets the buffer (a
 * test harness may have put its own in place since). Nothing stays
 * protected once the CPU owns the buffer again: a page protected while no
 * handler of ours is in place would end the program at its next touch.
 * Protected pages are charged to the host mappings budget (two entries
 * each: one page can split a mapping twice), at most PROT_PAGES_MAX of them
 * at a time; past that, or when the host refuses, the buffer is summed.
 *
 * The library touches a device-owned page itself only for a DMA API call
 * or in the cache model (mm_call_library()): a second mapping of the same
 * pages, a vmap of them. Such a fault ends the frame's protection for the
 * rest of the hand-over: its sum is taken then (PS_BROKEN) and compared
 * when ownership comes back, as for a summed buffer.
 */
#define PS_MODE		3	/* the protection in place: 0 (none), PS_NONE or PS_RO */
#define PS_NONE		1
#define PS_RO		2
#define PS_HELD		4	/* a device owns the buffer on this frame */
#define PS_READ		8	/* the CPU read the page meanwhile */
#define PS_WROTE	16	/* the CPU wrote it */
#define PS_BROKEN	32	/* the library touched it: prot_sum holds its sum from then */

#define PROT_MACHINES	16
#define PROT_PAGES_MAX	4096
#define PROT_RETRIES	8
#define PROT_NO_SUM	0	/* prot_sum of a frame the library has not touched; a sum is odd */

static struct dma_debug_machine *prot_dm[PROT_MACHINES];	/* (atomic) */
static __thread struct {
	void *addr;
	unsigned int n;
} prot_retry;

static int prot_of(unsigned int mode)
{
	return mode == PS_NONE ? PROT_NONE : mode == PS_RO ? PROT_READ : PROT_READ | PROT_WRITE;
}

/* The SIGSEGV hook (host_fault_hook()): only atomics and host_protect() here. */
static bool own_fault(void *addr, const void *pc)
{
	for (int i = 0; i < PROT_MACHINES; i++) {
		struct dma_debug_machine *dm = __atomic_load_n(&prot_dm[i], __ATOMIC_ACQUIRE);
		unsigned long f;
		u8 *page;
		u8 st;

		if (!dm || (u8 *)addr < dm->linear || (u8 *)addr >= dm->linear + dm->linear_len)
			continue;
		f = (unsigned long)((u8 *)addr - dm->linear) >> PAGE_SHIFT;
		page = dm->linear + ((u64)f << PAGE_SHIFT);
		st = __atomic_load_n(&dm->prot[f], __ATOMIC_ACQUIRE);
		if (!(st & PS_MODE)) {
			/*
			 * Open by the state: a hand-over on another thread
			 * raced with this access. The page is made so.
			 */
			if (prot_retry.addr != addr) {
				prot_retry.addr = addr;
				prot_retry.n = 0;
			}
			return ++prot_retry.n < PROT_RETRIES &&
			       !host_protect(page, PAGE_SIZE, PROT_READ | PROT_WRITE);
		}
		prot_retry.addr = NULL;
		bool library = mm_call_library();

		if (library || (st & PS_MODE) == PS_RO) {
			/* the library's own access, or a write: open */
			if (host_protect(page, PAGE_SIZE, PROT_READ | PROT_WRITE))
				return false;
			if (library) {
				dm->prot_sum[f] = sum_bytes(page, PAGE_SIZE, 0) | 1;
				st = (u8)((st & ~PS_MODE) | PS_BROKEN);
			} else {
				dm->prot_pc[f] = pc;
				st = (u8)((st & ~PS_MODE) | PS_WROTE);
			}
			__atomic_store_n(&dm->prot[f], st, __ATOMIC_RELEASE);
			return true;
		}
		/* a read, or a write that faults again once the page is readable */
		if (host_protect(page, PAGE_SIZE, PROT_READ))
			return false;
		dm->prot_pc[f] = pc;
		__atomic_store_n(&dm->prot[f], (u8)((st & ~PS_MODE) | PS_RO | PS_READ),
				 __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

/* Can @r's pages be protected? Its ranges whole pages, its frames owned by it alone. */
static bool own_can_protect(struct device *dev, struct debug_rec *r)
{
	struct dma_debug_machine *dm = dev->machine->dma_debug;
	struct debug_own *o = rec_own(r);
	const struct debug_range *rg;
	unsigned int n = rec_ranges(r, &rg);

	if (dm->slot < 0 || !n || (dev->dma_coherent && dev->machine->noncoherent))
		return false;
	if (!r->group && (o->lo || o->len != r->range.len))
		return false;
	for (unsigned int i = 0; i < n; i++) {
		if (!PAGE_ALIGNED(rg[i].phys) || !PAGE_ALIGNED(rg[i].len) || !rg[i].len)
			return false;
		for (unsigned long f = rg[i].gidx; f < rg[i].gidx + (rg[i].len >> PAGE_SHIFT); f++)
			if (__atomic_load_n(&dm->owned[f], __ATOMIC_RELAXED) != 1 ||
			    __atomic_load_n(&dm->prot[f], __ATOMIC_RELAXED))
				return false;
	}
	return true;
}

/*
 * Calls @fn on each run of adjacent frames of @r's first @n ranges (the
 * ranges of a list are often adjacent too): one host call each.
 */
static bool prot_runs(struct dma_debug_machine *dm, struct debug_rec *r, unsigned int n,
		      bool (*fn)(struct dma_debug_machine *dm, unsigned long f, unsigned long nr,
				 int prot), int prot)
{
	const struct debug_range *rg;
	unsigned long run = 0, run_nr = 0;
	bool ok = true;

	rec_ranges(r, &rg);
	for (unsigned int i = 0; i < n; i++) {
		unsigned long f = rg[i].gidx, nr = rg[i].len >> PAGE_SHIFT;

		if (run_nr && f == run + run_nr) {
			run_nr += nr;
			continue;
		}
		if (run_nr)
			ok &= fn(dm, run, run_nr, prot);
		run = f;
		run_nr = nr;
	}
	if (run_nr)
		ok &= fn(dm, run, run_nr, prot);
	return ok;
}

static bool prot_set(struct dma_debug_machine *dm, unsigned long f, unsigned long nr, int prot)
{
	return !host_protect(dm->linear + ((u64)f << PAGE_SHIFT), nr << PAGE_SHIFT, prot);
}

/* The frames' states cleared, after the pages are open: a fault in between finds them set. */
static bool prot_open(struct dma_debug_machine *dm, unsigned long f, unsigned long nr, int prot)
{
	bool ok = prot_set(dm, f, nr, prot);

	for (unsigned long g = f; g < f + nr; g++)
		__atomic_store_n(&dm->prot[g], 0, __ATOMIC_RELEASE);
	return ok;
}

/* @pages protected pages, charged to the machine's cap and the host mappings budget. */
static bool prot_charge(struct dma_debug_machine *dm, unsigned long pages)
{
	if (__atomic_add_fetch(&dm->prot_pages, pages, __ATOMIC_RELAXED) > PROT_PAGES_MAX ||
	    host_vmas_reserve(pages)) {
		__atomic_fetch_sub(&dm->prot_pages, pages, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

static void prot_uncharge(struct dma_debug_machine *dm, unsigned long pages)
{
	__atomic_fetch_sub(&dm->prot_pages, pages, __ATOMIC_RELAXED);
	host_vmas_release(pages);
}

static unsigned long rec_pages(struct debug_rec *r)
{
	const struct debug_range *rg;
	unsigned int n = rec_ranges(r, &rg);
	unsigned long pages = 0;

	for (unsigned int i = 0; i < n; i++)
		pages += rg[i].len >> PAGE_SHIFT;
	return pages;
}

/*
 * Ends @r's protection: what the CPU did meanwhile goes to o->wrote,
 * o->read, o->pc, and the pages are open again.
 */
static void own_unprotect(struct device *dev, struct debug_rec *r)
{
	struct dma_debug_machine *dm = dev->machine->dma_debug;
	struct debug_own *o = rec_own(r);
	const struct debug_range *rg;
	unsigned int n;

	if (!o->prot)
		return;
	o->prot = false;
	n = rec_ranges(r, &rg);
	for (unsigned int i = 0; i < n; i++) {
		unsigned long f0 = rg[i].gidx, nr = rg[i].len >> PAGE_SHIFT;

		for (unsigned long f = f0; f < f0 + nr; f++) {
			u8 st = __atomic_load_n(&dm->prot[f], __ATOMIC_ACQUIRE);

			if (st & PS_WROTE)
				o->wrote = true;
			if (st & PS_READ)
				o->read = true;
			if ((st & (PS_READ | PS_WROTE)) && (!o->pc || (st & PS_WROTE)))
				o->pc = dm->prot_pc[f];
		}
	}
	if (!prot_runs(dm, r, n, prot_open, PROT_READ | PROT_WRITE))
		mm_report(dev->machine, "debug: %s: the host did not give pages back read-write",
			  dev->name);
	/* open now: the sums of pages the library touched can be compared */
	for (unsigned int i = 0; i < n; i++) {
		const u8 *p = mm_phys_to_linear(dev->machine, rg[i].phys);

		for (unsigned long f = rg[i].gidx; f < rg[i].gidx + (rg[i].len >> PAGE_SHIFT); f++)
			if (dm->prot_sum[f] != PROT_NO_SUM) {
				if ((sum_bytes(p + ((f - rg[i].gidx) << PAGE_SHIFT), PAGE_SIZE, 0) | 1) !=
				    dm->prot_sum[f])
					o->wrote = true;
				dm->prot_sum[f] = PROT_NO_SUM;
			}
	}
	prot_uncharge(dm, rec_pages(r));
}

/*
 * Gives @r's pages to the device protected, if it can be (see above):
 * false when the buffer is to be summed instead.
 */
static bool own_protect(struct device *dev, struct debug_rec *r)
{
	struct dma_debug_machine *dm = dev->machine->dma_debug;
	unsigned int mode = r->dir == DMA_TO_DEVICE ? PS_RO : PS_NONE;
	const struct debug_range *rg;
	unsigned long pages;
	unsigned int n;

	if (!own_can_protect(dev, r) || host_fault_hook(own_fault))
		return false;
	pages = rec_pages(r);
	if (!prot_charge(dm, pages))
		return false;
	/* the states first: a fault finds them set once a page is protected */
	n = rec_ranges(r, &rg);
	for (unsigned int i = 0; i < n; i++)
		for (unsigned long f = rg[i].gidx; f < rg[i].gidx + (rg[i].len >> PAGE_SHIFT); f++)
			__atomic_store_n(&dm->prot[f], (u8)(mode | PS_HELD), __ATOMIC_RELEASE);
	if (!prot_runs(dm, r, n, prot_set, prot_of(mode))) {
		prot_runs(dm, r, n, prot_open, PROT_READ | PROT_WRITE);
		prot_uncharge(dm, pages);
		return false;
	}
	rec_own(r)->prot = true;
	return true;
}

/*
 * The device gets [@lo, +@len) of @r's buffer (all of a list): the CPU's
 * view is summed as it is now, or protected. Under the device lock.
 */
static void own_give(struct device *dev, struct debug_rec *r, u64 lo, u64 len)
{
	struct debug_own *o = rec_own(r);

	if (!own_kind(r->type) || (!r->group && !len))
		return;
	if (r->group) {
		lo = 0;
		len = 1;	/* unused: a list is owned whole */
	} else if (o->on) {
		/* a sync of another part while the device owns some: it owns both */
		u64 end = max(o->lo + o->len, lo + len);

		lo = min(o->lo, lo);
		len = end - lo;
	}
	if (!o->on)
		own_count(dev, r, 1);
	own_unprotect(dev, r);
	o->on = true;
	o->lo = lo;
	o->len = len;
	if (!own_protect(dev, r))
		o->sum = own_sum(dev->machine, r);
}

/*
 * Ownership comes back to the CPU (@fn, an unmap or a sync): a report when
 * the CPU wrote the buffer meanwhile. @lo, @len: the part given back (all
 * for an unmap); the device keeps the larger side left, if any. Under the
 * device lock.
 */
static void own_take(struct device *dev, struct debug_rec *r, u64 lo, u64 len, const char *fn,
		     struct pending *p)
{
	struct debug_own *o = rec_own(r);

	if (!o->on)
		return;
	if (o->prot)
		own_unprotect(dev, r);
	else if (own_sum(dev->machine, r) != o->sum)
		o->wrote = true;
	if (o->wrote || o->read) {
		pend(p, DMAMAP_DEBUG_CPU_OWNERSHIP, r->dma, r->len, r->site,
		     "%s: the CPU %s the %s buffer of DMA address %#llx (%llu bytes, %s) while "
		     "%s owned it, after the map or sync that gave it to the device", fn,
		     o->wrote ? "wrote" : "read", type_name[r->type], (unsigned long long)r->dma,
		     (unsigned long long)r->len, dirname(r->dir), dev->name);
		/* the faulting instruction, symbolized as a return address is (one byte back) */
		if (o->pc && p->n)
			p->r[p->n - 1].site = (const u8 *)o->pc + 1;
	}
	o->wrote = false;
	o->read = false;
	o->pc = NULL;
	if (!r->group && len && (lo > o->lo || lo + len < o->lo + o->len)) {
		u64 before = lo > o->lo ? lo - o->lo : 0;
		u64 after = o->lo + o->len > lo + len ? o->lo + o->len - (lo + len) : 0;
		phys_addr_t base = r->range.phys;

		/*
		 * Without the cache line it shares with the part given back:
		 * that part's maintenance, which comes next, may change the
		 * line in the CPU's view (a partial line is cleaned and
		 * invalidated whole), and that is not the CPU writing.
		 */
		if (before >= after) {
			u64 end = ALIGN_DOWN(base + lo, L1_CACHE_BYTES) - base;

			o->len = end > o->lo ? min(end - o->lo, before) : 0;
		} else {
			u64 start = ALIGN(base + lo + len, L1_CACHE_BYTES) - base;
			u64 end = o->lo + o->len;

			o->lo = start;
			o->len = end > start ? end - start : 0;
		}
		if (o->len) {
			o->sum = own_sum(dev->machine, r);
			return;
		}
	}
	o->on = false;
	own_count(dev, r, -1);
}

/* Ownership ends with the record (an unmap, or the device going). */
static void own_drop(struct device *dev, struct debug_rec *r)
{
	struct debug_own *o = rec_own(r);

	if (o->on) {
		own_unprotect(dev, r);
		o->wrote = false;
		o->read = false;
		o->pc = NULL;
		o->on = false;
		own_count(dev, r, -1);
	}
}

/* --- map ---------------------------------------------------------------------------- */

/*
 * Counts the lines of new record @r (under the device lock, with the
 * checks on): the first line it shares in a way that is reported, unless
 * it skips the CPU sync; else (phys_addr_t)-1.
 */
static phys_addr_t add_lines(struct device *dev, struct debug_rec *r)
{
	phys_addr_t shared;

	if (!api_on(dev))
		return (phys_addr_t)-1;
	if (r->group)
		r->group->lines = true;
	else
		r->lines = true;
	shared = rec_lines(dev, r, false);
	return r->attrs & DMA_ATTR_SKIP_CPU_SYNC ? (phys_addr_t)-1 : shared;
}

void debug_dma_map_page(struct device *dev, struct page *page, size_t offset, size_t size,
			enum dma_data_direction dir, unsigned long attrs, dma_addr_t dma,
			enum debug_dma_type type, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	phys_addr_t shared = (phys_addr_t)-1;
	struct debug_rec *r;

	dev_lock(dev);
	r = rec_alloc(d);
	if (!r)
		goto out;
	r->dma = dma;
	r->len = size;
	r->phys = page_to_phys(page) + offset;
	r->range = (struct debug_range){
		r->phys, size, mm_page_gidx(dev->machine, page) + (offset >> PAGE_SHIFT)
	};
	r->site = site;
	r->attrs = attrs;
	r->type = (u8)type;
	r->dir = (u8)dir;
	r->err_check = ERR_UNCHECKED;
	if (rec_insert(d, r)) {
		shared = add_lines(dev, r);
		if (own_on(dev))
			own_give(dev, r, 0, size);
	} else {
		rec_free(d, r);
	}
out:
	dev_unlock(dev);
	if (shared != (phys_addr_t)-1)
		report_overlap(dev, r, dma, size, dir, shared,
			       type == DEBUG_DMA_SINGLE ? "dma_map_single" : "dma_map_page", site);
}

/*
 * A resource is no RAM the CPU caches: its record has no physical range,
 * so it takes no part in the cache-line tracking (nor does the kernel's).
 */
void debug_dma_map_resource(struct device *dev, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs, dma_addr_t dma,
			    const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct debug_rec *r;

	dev_lock(dev);
	r = rec_alloc(d);
	if (r) {
		r->dma = dma;
		r->len = size;
		r->phys = phys;
		r->site = site;
		r->attrs = attrs;
		r->type = DEBUG_DMA_RESOURCE;
		r->dir = (u8)dir;
		r->err_check = ERR_UNCHECKED;
		if (!rec_insert(d, r))
			rec_free(d, r);
	}
	dev_unlock(dev);
}

void debug_dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	struct dma_debug_dev *d = dev->debug;

	dev_lock(dev);
	for (struct debug_rec *r = d->bucket[rec_bucket(d, addr)]; r; r = r->next) {
		/* the first one not checked yet: the same address may be live twice */
		if (r->dma == addr && r->err_check == ERR_UNCHECKED) {
			r->err_check = ERR_CHECKED;
			break;
		}
	}
	dev_unlock(dev);
}

/* Takes back @r's lines (for a group, with its last segment) and its group. */
static void rec_release(struct device *dev, struct debug_rec *r)
{
	if (r->group) {
		if (--r->group->refs == 0) {
			own_drop(dev, r);
			if (r->group->lines)
				rec_lines(dev, r, true);
			free(r->group);
		}
		r->group = NULL;
	} else {
		own_drop(dev, r);
		if (r->lines)
			rec_lines(dev, r, true);
	}
}

/* Unlinks, releases and frees @r, under the device lock. */
static void rec_drop(struct device *dev, struct debug_rec *r)
{
	struct dma_debug_dev *d = dev->debug;

	rec_unlink(d, r);
	rec_release(dev, r);
	rec_free(d, r);
}

/* Allocations are freed, mappings unmapped: neither call may undo the other. */
static bool is_alloc(int type)
{
	return type == DEBUG_DMA_COHERENT || type == DEBUG_DMA_NONCONTIG ||
	       type == DEBUG_DMA_NONCOHERENT;
}

/*
 * The checks of an unmap (the kernel's check_unmap()) on record @r found
 * for @ref, gathered in @p. Returns false when the call must be refused:
 * an unmap of an allocation, or a free of a mapping, would undo what the
 * other call made; another size would unmap part of the mapping, or past
 * it (the IOMMU backend refuses it on its own; every path does so here, so
 * that the record and the mapping stay one).
 */
static bool check_unmap(const struct debug_rec *r, const struct debug_ref *ref, const char *fn,
			struct pending *p)
{
	if (r->type != ref->type) {
		bool cross = is_alloc(r->type) != is_alloc(ref->type);

		pend(p, DMAMAP_DEBUG_WRONG_TYPE, ref->dma, ref->len, r->site,
		     "%s of DMA address %#llx, which was made by a %s call (%s)%s", fn,
		     (unsigned long long)ref->dma, type_name[r->type], maker[r->type],
		     cross ? "; refused" : "");
		if (cross)
			return false;
	}
	if (ref->len != r->len) {
		pend(p, DMAMAP_DEBUG_WRONG_SIZE, ref->dma, ref->len, r->site,
		     "%s of DMA address %#llx with size %llu; it was mapped with %llu; refused",
		     fn, (unsigned long long)ref->dma, (unsigned long long)ref->len,
		     (unsigned long long)r->len);
		return false;
	}
	if (ref->dir != r->dir)
		pend(p, DMAMAP_DEBUG_WRONG_DIR, ref->dma, ref->len, r->site,
		     "%s of DMA address %#llx with %s; it was mapped with %s", fn,
		     (unsigned long long)ref->dma, dirname(ref->dir), dirname(r->dir));
	if (r->err_check == ERR_UNCHECKED)
		pend(p, DMAMAP_DEBUG_UNCHECKED, ref->dma, r->len, r->site,
		     "%s of DMA address %#llx (%llu bytes, %s): dma_mapping_error() was never "
		     "called on it", fn, (unsigned long long)ref->dma, (unsigned long long)r->len,
		     type_name[r->type]);
	return true;
}

static void pend_unknown(struct pending *p, const struct debug_ref *ref, const char *fn)
{
	if (ref->dma == DMA_MAPPING_ERROR)
		pend(p, DMAMAP_DEBUG_UNKNOWN_ADDR, ref->dma, ref->len, NULL,
		     "%s of DMA_MAPPING_ERROR: the map failed, there is nothing to undo; refused",
		     fn);
	else
		pend(p, DMAMAP_DEBUG_UNKNOWN_ADDR, ref->dma, ref->len, NULL,
		     "%s of DMA address %#llx (%llu bytes), which the device has not mapped "
		     "(never, or not any more); refused", fn, (unsigned long long)ref->dma,
		     (unsigned long long)ref->len);
}

bool debug_dma_unmap_page(struct device *dev, dma_addr_t addr, size_t size,
			  enum dma_data_direction dir, enum debug_dma_type type, const char *fn,
			  const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct debug_ref ref = { addr, size, (int)type, (int)dir, 0 };
	struct pending p;
	struct debug_rec *r;
	bool ok = true, api = api_on(dev);

	p.n = 0;
	dev_lock(dev);
	r = find_exact(d, &ref);
	if (!r) {
		if (api) {
			pend_unknown(&p, &ref, fn);
			ok = false;
		}
	} else if (!api) {
		if (!is_alloc(r->type))
			rec_drop(dev, r);
	} else if (check_unmap(r, &ref, fn, &p)) {
		rec_drop(dev, r);
	} else {
		ok = false;
	}
	dev_unlock(dev);
	flush(dev, &p, site);
	return ok;
}

/* --- scatterlists ------------------------------------------------------------------- */

/*
 * The kernel's check_sg_segment(): each DMA segment a list was mapped into
 * within the device's limits. A longer one, or one across the boundary,
 * means the list was built without them (or the backend ignored them).
 */
static void check_segments(struct device *dev, struct scatterlist *sg, int ents,
			   const void *site)
{
	unsigned int max_seg = dma_get_max_seg_size(dev);
	unsigned long boundary = dma_get_seg_boundary(dev);
	struct scatterlist *s;
	int i;

	for_each_sg(sg, s, ents, i) {
		dma_addr_t start = sg_dma_address(s), end = start + sg_dma_len(s) - 1;

		if (sg_dma_len(s) > max_seg)
			mm_debug_report(NULL, dev, DMAMAP_DEBUG_MISUSE, start, sg_dma_len(s), site,
					site, "dma_map_sg: segment %d at DMA address %#llx is %u "
					"bytes, longer than the device's max_segment_size %u", i,
					(unsigned long long)start, sg_dma_len(s), max_seg);
		if ((start ^ end) & ~(dma_addr_t)boundary)
			mm_debug_report(NULL, dev, DMAMAP_DEBUG_MISUSE, start, sg_dma_len(s), site,
					site, "dma_map_sg: segment %d, %#llx-%#llx, crosses the "
					"device's segment boundary (mask %#lx)", i,
					(unsigned long long)start, (unsigned long long)end, boundary);
	}
}

void debug_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents, int ents,
		      enum dma_data_direction dir, unsigned long attrs, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct debug_group *g = malloc(sizeof(*g) + (size_t)nents * sizeof(g->r[0]));
	phys_addr_t shared = (phys_addr_t)-1;
	struct debug_rec *head = NULL;
	struct scatterlist *s;
	int i;

	if (!g)
		return;
	memset(g, 0, sizeof(*g));
	g->nr = (unsigned int)nents;
	for_each_sg(sg, s, nents, i)
		g->r[i] = (struct debug_range){
			sg_phys(s), s->length,
			mm_page_gidx(dev->machine, sg_page(s)) + (s->offset >> PAGE_SHIFT)
		};
	dev_lock(dev);
	for_each_sg(sg, s, ents, i) {
		struct debug_rec *r = rec_alloc(d);

		if (!r)
			break;
		r->dma = sg_dma_address(s);
		r->len = sg_dma_len(s);
		r->phys = sg_phys(s);
		r->site = site;
		r->attrs = attrs;
		r->nents = nents;
		r->mapped = ents;
		r->type = DEBUG_DMA_SG;
		r->dir = (u8)dir;
		r->err_check = ERR_NA;
		r->group = g;
		if (!rec_insert(d, r)) {
			rec_free(d, r);
			break;
		}
		g->refs++;
		if (!head)
			head = r;
	}
	if (!g->refs) {
		free(g);
	} else {
		shared = add_lines(dev, head);
		if (own_on(dev))
			own_give(dev, head, 0, 0);
	}
	dev_unlock(dev);
	if (shared != (phys_addr_t)-1)
		report_overlap(dev, head, sg_dma_address(sg), sg_dma_len(sg), dir, shared,
			       "dma_map_sg", site);
	if (api_on(dev))
		check_segments(dev, sg, ents, site);
}

/*
 * The first segment's record of the list at @sg: its number of segments
 * tells how far the list's checks go, as the kernel's
 * get_nr_mapped_entries() does. NULL when the device has none there.
 */
static struct debug_rec *list_head(struct dma_debug_dev *d, struct scatterlist *sg, int nents,
				   int dir)
{
	struct debug_ref ref = { sg_dma_address(sg), sg_dma_len(sg), DEBUG_DMA_SG, dir, nents };

	return find_exact(d, &ref);
}

/* Adds @q's reports to @p, but for kinds @p has already: one of each kind per list. */
static void pend_once(struct pending *p, const struct pending *q)
{
	for (int k = 0; k < q->n && p->n < MAX_PENDING; k++) {
		bool dup = false;

		for (int j = 0; j < p->n; j++)
			dup |= p->r[j].kind == q->r[k].kind;
		if (!dup)
			p->r[p->n++] = q->r[k];
	}
}

bool debug_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, const char *fn, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct pending p;
	struct debug_rec *head;
	struct scatterlist *s;
	bool ok = true, api = api_on(dev);
	int mapped, i;

	p.n = 0;
	dev_lock(dev);
	head = list_head(d, sg, nents, dir);
	if (!head) {
		struct debug_ref ref = { sg_dma_address(sg), sg_dma_len(sg), DEBUG_DMA_SG, dir,
					 nents };

		if (api) {
			pend_unknown(&p, &ref, fn);
			ok = false;
		}
		goto out;
	}
	if (is_alloc(head->type)) {
		struct debug_ref ref = { head->dma, sg_dma_len(sg), DEBUG_DMA_SG, dir, nents };

		if (api)
			ok = check_unmap(head, &ref, fn, &p);
		goto out;
	}
	mapped = head->type == DEBUG_DMA_SG ? head->mapped : 1;
	/* every segment checked first: a list is unmapped whole or not at all */
	for_each_sg(sg, s, min(nents, mapped), i) {
		struct debug_ref ref = { sg_dma_address(s), sg_dma_len(s), DEBUG_DMA_SG, dir, nents };
		struct debug_rec *r;
		struct pending q;

		if (!api)
			break;
		q.n = 0;
		r = find_exact(d, &ref);
		if (!r) {
			pend_unknown(&q, &ref, fn);
			ok = false;
		} else {
			ok &= check_unmap(r, &ref, fn, &q);
			if (r->type == DEBUG_DMA_SG && r->nents != nents) {
				pend(&q, DMAMAP_DEBUG_WRONG_NENTS, ref.dma, ref.len, r->site,
				     "%s with %d entries; dma_map_sg was given %d (it returned %d); "
				     "refused", fn, nents, r->nents, r->mapped);
				ok = false;
			}
		}
		pend_once(&p, &q);
	}
	for_each_sg(sg, s, ok ? min(nents, mapped) : 0, i) {
		struct debug_ref ref = { sg_dma_address(s), sg_dma_len(s), DEBUG_DMA_SG, dir, nents };
		struct debug_rec *r = find_exact(d, &ref);

		if (r && !is_alloc(r->type))
			rec_drop(dev, r);
	}
out:
	dev_unlock(dev);
	flush(dev, &p, site);
	return ok;
}

/* --- syncs ----------------------------------------------------------------------------- */

/* The kernel's check_sync() on one range, gathered in @p. */
static void check_sync(const struct debug_rec *r, const struct debug_ref *ref, bool for_cpu,
		       const char *fn, struct pending *p)
{
	u64 off = ref->dma - r->dma;

	if (ref->len > r->len - off)
		pend(p, DMAMAP_DEBUG_SYNC_RANGE, ref->dma, ref->len, r->site,
		     "%s of %#llx+%llu runs past the end of the mapping %#llx+%llu", fn,
		     (unsigned long long)ref->dma, (unsigned long long)ref->len,
		     (unsigned long long)r->dma, (unsigned long long)r->len);
	if (r->dir == DMA_BIDIRECTIONAL || ref->dir == r->dir)
		return;
	if (for_cpu && r->dir == DMA_TO_DEVICE)
		pend(p, DMAMAP_DEBUG_SYNC_DIR, ref->dma, ref->len, r->site,
		     "%s with %s of a mapping the device only reads (%s): there is nothing for "
		     "the CPU to take back", fn, dirname(ref->dir), dirname(r->dir));
	else if (!for_cpu && r->dir == DMA_FROM_DEVICE)
		pend(p, DMAMAP_DEBUG_SYNC_DIR, ref->dma, ref->len, r->site,
		     "%s with %s of a mapping the device only writes (%s): there is nothing for "
		     "the device to read", fn, dirname(ref->dir), dirname(r->dir));
	else
		pend(p, DMAMAP_DEBUG_SYNC_DIR, ref->dma, ref->len, r->site,
		     "%s with %s of a mapping made with %s", fn, dirname(ref->dir),
		     dirname(r->dir));
}

bool debug_dma_sync_single(struct device *dev, dma_addr_t addr, size_t size,
			   enum dma_data_direction dir, bool for_cpu, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	const char *fn = for_cpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device";
	struct debug_ref ref = { addr, size, DEBUG_DMA_SINGLE, (int)dir, 0 };
	struct pending p;
	struct debug_rec *r;
	bool ok = true;

	p.n = 0;
	if (!api_on(dev))
		return true;
	dev_lock(dev);
	r = find_containing(d, &ref);
	if (!r) {
		pend(&p, DMAMAP_DEBUG_UNKNOWN_ADDR, addr, size, NULL,
		     "%s of DMA address %#llx (%zu bytes), which the device has not mapped; "
		     "refused", fn, (unsigned long long)addr, size);
		ok = false;
	} else {
		check_sync(r, &ref, for_cpu, fn, &p);
	}
	dev_unlock(dev);
	flush(dev, &p, site);
	return ok;
}

bool debug_dma_sync_sg(struct device *dev, struct scatterlist *sg, int nelems,
		       enum dma_data_direction dir, bool for_cpu, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	const char *fn = for_cpu ? "dma_sync_sg_for_cpu" : "dma_sync_sg_for_device";
	struct pending p;
	struct debug_rec *head;
	struct scatterlist *s;
	bool ok = true, said_nents = false;
	int mapped, i;

	p.n = 0;
	if (!api_on(dev))
		return true;
	dev_lock(dev);
	head = list_head(d, sg, nelems, dir);
	if (!head) {
		pend(&p, DMAMAP_DEBUG_UNKNOWN_ADDR, sg_dma_address(sg), sg_dma_len(sg), NULL,
		     "%s of a list at DMA address %#llx, which the device has not mapped; refused",
		     fn, (unsigned long long)sg_dma_address(sg));
		ok = false;
		goto out;
	}
	mapped = head->type == DEBUG_DMA_SG || head->type == DEBUG_DMA_NONCONTIG ?
		 head->mapped : 1;
	for_each_sg(sg, s, min(nelems, mapped), i) {
		struct debug_ref ref = { sg_dma_address(s), sg_dma_len(s), DEBUG_DMA_SG, dir,
					 nelems };
		struct debug_rec *r = find_containing(d, &ref);
		struct pending q;

		q.n = 0;
		if (!r) {
			pend(&p, DMAMAP_DEBUG_UNKNOWN_ADDR, ref.dma, ref.len, NULL,
			     "%s: segment %d at DMA address %#llx is not mapped", fn, i,
			     (unsigned long long)ref.dma);
			continue;
		}
		check_sync(r, &ref, for_cpu, fn, &q);
		pend_once(&p, &q);
		if ((r->type == DEBUG_DMA_SG || r->type == DEBUG_DMA_NONCONTIG) &&
		    r->nents != nelems && !said_nents) {
			said_nents = true;
			pend(&p, DMAMAP_DEBUG_WRONG_NENTS, ref.dma, ref.len, r->site,
			     "%s with %d entries; the list was mapped with %d", fn, nelems,
			     r->nents);
		}
	}
out:
	dev_unlock(dev);
	flush(dev, &p, site);
	return ok;
}

/* --- coherent and non-contiguous allocations --------------------------------------- */

void debug_dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t dma, void *cpu_addr,
			      unsigned long attrs, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct dma_alloc *a = dma_alloc_find(dev, dma);
	struct debug_rec *r;

	dev_lock(dev);
	r = rec_alloc(d);
	if (r) {
		r->dma = dma;
		r->len = size;
		r->asked = size;
		r->phys = a ? a->phys : 0;
		r->cpu = cpu_addr;
		r->site = site;
		r->attrs = attrs;
		r->type = DEBUG_DMA_COHERENT;
		r->dir = DMA_BIDIRECTIONAL;
		r->err_check = ERR_NA;
		if (!rec_insert(d, r))
			rec_free(d, r);
	}
	dev_unlock(dev);
}

bool debug_dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma,
			     unsigned long attrs, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct debug_ref ref = { dma, size, DEBUG_DMA_COHERENT, DMA_BIDIRECTIONAL, 0 };
	const char *fn = "dma_free_attrs";
	struct pending p;
	struct debug_rec *r;
	bool ok = false, api = api_on(dev);

	p.n = 0;
	dev_lock(dev);
	r = find_exact(d, &ref);
	if (!r) {
		if (api)
			pend_unknown(&p, &ref, fn);
		ok = !api;
	} else if (r->type != DEBUG_DMA_COHERENT) {
		if (api)
			check_unmap(r, &ref, fn, &p);
	} else if (cpu_addr != r->cpu) {
		if (api)
			pend(&p, DMAMAP_DEBUG_FREE_MISMATCH, dma, size, r->site,
			     "%s of DMA address %#llx with CPU address %p; it was allocated at %p; "
			     "refused", fn, (unsigned long long)dma, cpu_addr, r->cpu);
	} else if (size != r->asked) {
		if (api)
			pend(&p, DMAMAP_DEBUG_FREE_MISMATCH, dma, size, r->site,
			     "%s of DMA address %#llx with size %zu; it was allocated with %llu; "
			     "refused", fn, (unsigned long long)dma, size,
			     (unsigned long long)r->asked);
	} else if ((attrs & DMA_ALLOC_ATTRS_MATCH) != (r->attrs & DMA_ALLOC_ATTRS_MATCH)) {
		if (api)
			pend(&p, DMAMAP_DEBUG_FREE_MISMATCH, dma, size, r->site,
			     "%s of DMA address %#llx with attributes %#lx; it was allocated "
			     "with %#lx; refused", fn, (unsigned long long)dma, attrs, r->attrs);
	} else {
		rec_drop(dev, r);
		ok = true;
	}
	dev_unlock(dev);
	flush(dev, &p, site);
	/* without the checks, the backend's own decides, as it does without a debugger */
	return ok || !api;
}

void debug_dma_alloc_noncontiguous(struct device *dev, struct sg_table *sgt, size_t size,
				   enum dma_data_direction dir, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	unsigned int n = sgt->orig_nents;
	struct debug_group *g = malloc(sizeof(*g) + n * sizeof(g->r[0]));
	phys_addr_t shared = (phys_addr_t)-1;
	struct debug_rec *r = NULL;
	struct scatterlist *s;
	unsigned int i;

	if (!g)
		return;
	memset(g, 0, sizeof(*g));
	g->nr = n;
	g->refs = 1;
	for_each_sg(sgt->sgl, s, n, i)
		g->r[i] = (struct debug_range){
			sg_phys(s), s->length,
			mm_page_gidx(dev->machine, sg_page(s)) + (s->offset >> PAGE_SHIFT)
		};
	dev_lock(dev);
	r = rec_alloc(d);
	if (r) {
		r->dma = sg_dma_address(sgt->sgl);
		r->len = sg_dma_len(sgt->sgl);
		r->asked = size;
		r->phys = sg_phys(sgt->sgl);
		r->site = site;
		r->nents = (int)n;
		r->mapped = 1;
		r->type = DEBUG_DMA_NONCONTIG;
		r->dir = (u8)dir;
		r->err_check = ERR_NA;
		r->group = g;
		if (rec_insert(d, r)) {
			shared = add_lines(dev, r);
		} else {
			rec_free(d, r);
			r = NULL;
		}
	}
	dev_unlock(dev);
	if (!r)
		free(g);
	else if (shared != (phys_addr_t)-1)
		report_overlap(dev, r, sg_dma_address(sgt->sgl), sg_dma_len(sgt->sgl), dir, shared,
			       "dma_alloc_noncontiguous", site);
}

bool debug_dma_free_noncontiguous(struct device *dev, struct sg_table *sgt, size_t size,
				  enum dma_data_direction dir, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct debug_ref ref = { sg_dma_address(sgt->sgl), sg_dma_len(sgt->sgl),
				 DEBUG_DMA_NONCONTIG, (int)dir, (int)sgt->orig_nents };
	const char *fn = "dma_free_noncontiguous";
	struct pending p;
	struct debug_rec *r;
	bool ok = true, api = api_on(dev);

	p.n = 0;
	dev_lock(dev);
	r = find_exact(d, &ref);
	if (!r) {
		if (api) {
			pend_unknown(&p, &ref, fn);
			ok = false;
		}
	} else if (r->type != DEBUG_DMA_NONCONTIG) {
		ok = !api;
		if (api)
			check_unmap(r, &ref, fn, &p);
	} else if (size != r->asked) {
		ok = !api;
		if (api)
			pend(&p, DMAMAP_DEBUG_FREE_MISMATCH, ref.dma, size, r->site,
			     "%s of DMA address %#llx with size %zu; it was allocated with %llu; "
			     "refused", fn, (unsigned long long)ref.dma, size,
			     (unsigned long long)r->asked);
	} else {
		if (api && (int)dir != r->dir)
			pend(&p, DMAMAP_DEBUG_WRONG_DIR, ref.dma, size, r->site,
			     "%s of DMA address %#llx with %s; it was allocated with %s", fn,
			     (unsigned long long)ref.dma, dirname(dir), dirname(r->dir));
		rec_drop(dev, r);
	}
	dev_unlock(dev);
	flush(dev, &p, site);
	return ok;
}

void debug_dma_alloc_pages(struct device *dev, struct page *page, size_t size,
			   enum dma_data_direction dir, dma_addr_t dma, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	phys_addr_t shared = (phys_addr_t)-1;
	struct debug_rec *r;

	size = PAGE_ALIGN(size);
	dev_lock(dev);
	r = rec_alloc(d);
	if (r) {
		r->dma = dma;
		r->len = size;
		r->asked = size;
		r->phys = page_to_phys(page);
		r->range = (struct debug_range){ r->phys, size, mm_page_gidx(dev->machine, page) };
		r->site = site;
		r->type = DEBUG_DMA_NONCOHERENT;
		r->dir = (u8)dir;
		r->err_check = ERR_NA;
		if (rec_insert(d, r)) {
			shared = add_lines(dev, r);
		} else {
			rec_free(d, r);
			r = NULL;
		}
	}
	dev_unlock(dev);
	if (shared != (phys_addr_t)-1)
		report_overlap(dev, r, dma, size, dir, shared, "dma_alloc_pages", site);
}

bool debug_dma_free_pages(struct device *dev, struct page *page, size_t size,
			  enum dma_data_direction dir, dma_addr_t dma, const char *fn,
			  const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct debug_ref ref = { dma, PAGE_ALIGN(size), DEBUG_DMA_NONCOHERENT, (int)dir, 0 };
	phys_addr_t phys = page_to_phys(page);
	bool ok = true, api = api_on(dev);
	struct pending p;
	struct debug_rec *r;

	p.n = 0;
	dev_lock(dev);
	r = find_exact(d, &ref);
	if (!r) {
		if (api) {
			pend_unknown(&p, &ref, fn);
			ok = false;
		}
	} else if (r->type != DEBUG_DMA_NONCOHERENT) {
		ok = !api;
		if (api)
			check_unmap(r, &ref, fn, &p);
	} else if (phys != r->phys || ref.len != r->asked) {
		/* the kernel's "different CPU address"; another size frees other pages */
		ok = !api;
		if (api)
			pend(&p, DMAMAP_DEBUG_FREE_MISMATCH, dma, size, r->site,
			     "%s of DMA address %#llx with %zu bytes at physical %#llx; it was "
			     "allocated with %llu at %#llx; refused", fn, (unsigned long long)dma,
			     size, (unsigned long long)phys, (unsigned long long)r->asked,
			     (unsigned long long)r->phys);
	} else {
		if (api && (int)dir != r->dir)
			pend(&p, DMAMAP_DEBUG_WRONG_DIR, dma, size, r->site,
			     "%s of DMA address %#llx with %s; it was allocated with %s", fn,
			     (unsigned long long)dma, dirname(dir), dirname(r->dir));
		rec_drop(dev, r);
	}
	dev_unlock(dev);
	flush(dev, &p, site);
	return ok;
}

/* --- ownership at the entry points ----------------------------------------------------- */

/* Applies @mode to @r for [@addr, +@size); reports gathered in @p. Under the device lock. */
static void own_apply(struct device *dev, struct debug_rec *r, dma_addr_t addr, size_t size,
		      enum debug_own_mode mode, const char *fn, struct pending *p)
{
	struct debug_own *o = rec_own(r);
	u64 lo = addr - r->dma, len = min_t(u64, size, r->len - lo);

	switch (mode) {
	case DEBUG_OWN_TAKE:
		own_take(dev, r, lo, len, fn, p);
		break;
	case DEBUG_OWN_CHECK:
		/* the sync's maintenance may touch the pages: the give after protects again */
		if (o->prot)
			own_unprotect(dev, r);
		else if (o->on && own_sum(dev->machine, r) != o->sum)
			o->wrote = true;
		break;
	case DEBUG_OWN_GIVE:
		own_give(dev, r, lo, len);
		break;
	}
}

void debug_own_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum debug_own_mode mode, const char *fn, const void *site)
{
	struct debug_ref ref = { addr, size, -1, -1, -1 };
	struct debug_rec *r;
	struct pending p;

	p.n = 0;
	dev_lock(dev);
	r = find_containing(dev->debug, &ref);
	if (r && own_kind(r->type))
		own_apply(dev, r, addr, size, mode, fn, &p);
	dev_unlock(dev);
	flush(dev, &p, site);
}

void debug_own_sg(struct device *dev, struct scatterlist *sg, enum debug_own_mode mode,
		  const char *fn, const void *site)
{
	struct debug_ref ref = { sg_dma_address(sg), sg_dma_len(sg), DEBUG_DMA_SG, -1, -1 };
	struct debug_rec *r;
	struct pending p;

	p.n = 0;
	dev_lock(dev);
	r = find_containing(dev->debug, &ref);
	/* a list is owned whole: its first segment's record stands for it */
	if (r && own_kind(r->type))
		own_apply(dev, r, r->dma, r->len, mode, fn, &p);
	dev_unlock(dev);
	flush(dev, &p, site);
}

/* Does @r own part of [@phys, @end)? */
static bool own_touches(struct debug_rec *r, phys_addr_t phys, phys_addr_t end)
{
	struct debug_own *o = rec_own(r);
	const struct debug_range *rg;
	unsigned int n;

	if (!o->on)
		return false;
	if (!r->group)
		return r->range.phys + o->lo < end && phys < r->range.phys + o->lo + o->len;
	n = rec_ranges(r, &rg);
	for (unsigned int i = 0; i < n; i++)
		if (rg[i].phys < end && phys < rg[i].phys + rg[i].len)
			return true;
	return false;
}

void debug_own_device_write(struct dmamap_machine *m, phys_addr_t phys, size_t len, bool after)
{
	struct dma_debug_machine *dm = m->dma_debug;
	const struct mm_bank *b;
	unsigned long f, last;
	struct device *dev;
	bool any = false;

	if (!dm || !dm->owned || !len || !__atomic_load_n(&dm->nr_owned, __ATOMIC_RELAXED))
		return;
	b = mm_phys_bank(m, phys, 1);
	if (!b)
		return;
	f = b->first + (unsigned long)((phys - b->base) >> PAGE_SHIFT);
	last = b->first + (unsigned long)((phys + len - 1 - b->base) >> PAGE_SHIFT);
	for (; f <= last && f < dm->nr_frames && !any; f++)
		any = __atomic_load_n(&dm->owned[f], __ATOMIC_RELAXED) != 0;
	if (!any)
		return;
	/* frames whose protection the library ended: their sums follow the device's writes */
	if (after && dm->prot)
		for (f = b->first + (unsigned long)((phys - b->base) >> PAGE_SHIFT); f <= last &&
		     f < dm->nr_frames; f++)
			if (__atomic_load_n(&dm->prot[f], __ATOMIC_ACQUIRE) & PS_BROKEN)
				dm->prot_sum[f] = sum_bytes(dm->linear + ((u64)f << PAGE_SHIFT),
							   PAGE_SIZE, 0);
	/* rare: a device writes where a buffer is owned; every record is looked at */
	pthread_mutex_lock(&m->lock);
	list_for_each_entry(dev, &m->devices, node) {
		struct dma_debug_dev *d = dev->debug;

		if (!d)
			continue;
		dev_lock(dev);
		for (unsigned long i = 0; i < (1UL << d->shift); i++) {
			for (struct debug_rec *r = d->bucket[i]; r; r = r->next) {
				struct debug_own *o = rec_own(r);

				if (!own_touches(r, phys, phys + len) || o->prot)
					continue;
				if (!after && own_sum(m, r) != o->sum)
					o->wrote = true;
				else if (after)
					o->sum = own_sum(m, r);
			}
		}
		dev_unlock(dev);
	}
	pthread_mutex_unlock(&m->lock);
}

/* --- the device's side (DMAMAP_DEBUG_DEVICE) ------------------------------------------- */

static bool dir_allows(int dir, bool write)
{
	return write ? dir != DMA_TO_DEVICE : dir != DMA_FROM_DEVICE;
}

struct access_want {
	dma_addr_t last;
	bool write;
};

static int access_score(const struct debug_rec *r, const void *arg)
{
	const struct access_want *w = arg;

	return 2 * dir_allows(r->dir, w->write) + (r->dma + r->len - 1 >= w->last);
}

/*
 * The record that holds @at, for an access up to @last: one that allows
 * the access first, then one that reaches furthest. A buffer may be live
 * twice (mapped for reading and for writing on the direct path).
 */
static struct debug_rec *find_access(struct dma_debug_dev *d, dma_addr_t at, dma_addr_t last,
				     bool write)
{
	struct access_want w = { .last = last, .write = write };

	return find_best_holding(d, at, access_score, &w);
}

void debug_dma_bus_access(struct device *dev, dma_addr_t addr, size_t len, bool write,
			  const char *fn, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	dma_addr_t at = addr, last = addr + len - 1;
	const char *what = write ? "write" : "read";
	struct pending p;

	if (!len)
		return;
	p.n = 0;
	dev_lock(dev);
	for (;;) {
		struct debug_rec *r = find_access(d, at, last, write);

		if (!r) {
			/* just past a mapping: an overrun no IOMMU sees inside the page */
			struct debug_rec *before = at ? find_access(d, at - 1, at - 1, write) : NULL;

			if (before && before->dma + before->len == at)
				pend(&p, DMAMAP_DEBUG_DEVICE_ACCESS, addr, len, before->site,
				     "%s: %s %s of DMA address %#llx+%#zx runs past the end of its "
				     "%s %s at %#llx+%#llx, into %#llx, which is no live mapping "
				     "of the device", fn, dev->name, what, (unsigned long long)addr,
				     len, type_name[before->type],
				     is_alloc(before->type) ? "allocation" : "mapping",
				     (unsigned long long)before->dma,
				     (unsigned long long)before->len, (unsigned long long)at);
			else
				pend(&p, DMAMAP_DEBUG_DEVICE_ACCESS, addr, len, NULL,
				     "%s: %s %s of DMA address %#llx+%#zx: %#llx is in none of the "
				     "device's live mappings and allocations", fn, dev->name, what,
				     (unsigned long long)addr, len, (unsigned long long)at);
			break;
		}
		if (!dir_allows(r->dir, write)) {
			pend(&p, DMAMAP_DEBUG_DEVICE_ACCESS, addr, len, r->site,
			     "%s: %s %s of DMA address %#llx+%#zx %s its %s %s at %#llx+%#llx, "
			     "mapped %s", fn, dev->name, what, (unsigned long long)addr, len,
			     write ? "writes into" : "reads", type_name[r->type],
			     is_alloc(r->type) ? "allocation" : "mapping",
			     (unsigned long long)r->dma, (unsigned long long)r->len, dirname(r->dir));
			break;
		}
		if (r->dma + r->len - 1 >= last)
			break;
		at = r->dma + r->len;
	}
	dev_unlock(dev);
	flush(dev, &p, site);
}

/* --- devices and machines ---------------------------------------------------------------- */

int debug_dma_device_init(struct device *dev)
{
	struct dma_debug_dev *d;

	if (!(dev->machine->cfg.debug & DMAMAP_DEBUG_ALL))
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->shift = 8;
	d->bucket = calloc(1UL << d->shift, sizeof(*d->bucket));
	if (!d->bucket) {
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	dev->debug = d;
	return 0;
}

void debug_dma_device_exit(struct device *dev, const void *site)
{
	struct dma_debug_dev *d = dev->debug;
	struct debug_rec *all = NULL, *r, *next;
	bool api;

	if (!d)
		return;
	api = api_on(dev);
	/* the device is going: its records are taken out whole, then reported */
	dev_lock(dev);
	for (unsigned long b = 0; b < (1UL << d->shift); b++) {
		for (r = d->bucket[b]; r; r = next) {
			next = r->next;
			r->next = all;
			all = r;
		}
		d->bucket[b] = NULL;
	}
	d->nr = 0;
	d->nr_large = 0;
	dev_unlock(dev);
	for (r = all; r && api; r = r->next) {
		if (r->group && r->type == DEBUG_DMA_SG) {
			if (r->group->reported)
				continue;
			r->group->reported = true;
			mm_debug_report(NULL, dev, DMAMAP_DEBUG_LEAK, r->dma, r->len, site, r->site,
					"%s still has a list of %d entries mapped (%d DMA segments, "
					"%s) when it is destroyed, one segment at DMA address %#llx",
					dev->name, r->nents, r->mapped, dirname(r->dir),
					(unsigned long long)r->dma);
			continue;
		}
		mm_debug_report(NULL, dev, DMAMAP_DEBUG_LEAK, r->dma, r->len, site, r->site,
				"%s still has a %s %s of %llu bytes at DMA address %#llx (%s) when "
				"it is destroyed", dev->name, type_name[r->type],
				is_alloc(r->type) ? "allocation" : "mapping",
				(unsigned long long)(r->asked ? r->asked : r->len),
				(unsigned long long)r->dma, dirname(r->dir));
	}
	for (r = all; r; r = r->next)
		rec_release(dev, r);
	while (d->slabs) {
		struct debug_slab *s = d->slabs;

		d->slabs = s->next;
		free(s);
	}
	free(d->bucket);
	free(d->large);
	pthread_mutex_destroy(&d->lock);
	free(d);
	dev->debug = NULL;
}

/*
 * The machine's protection state, and its slot for the fault handler.
 * Without them (out of host memory, or PROT_MACHINES machines protecting
 * already), its buffers are summed.
 */
static void prot_init(struct dmamap_machine *m, struct dma_debug_machine *dm)
{
	dm->prot = calloc(m->nr_pages, sizeof(*dm->prot));
	dm->prot_pc = calloc(m->nr_pages, sizeof(*dm->prot_pc));
	dm->prot_sum = calloc(m->nr_pages, sizeof(*dm->prot_sum));
	dm->linear = m->linear;
	dm->linear_len = (u64)m->nr_pages << PAGE_SHIFT;
	if (!dm->prot || !dm->prot_pc || !dm->prot_sum || host_fault_hook(own_fault))
		return;
	for (int i = 0; i < PROT_MACHINES; i++) {
		struct dma_debug_machine *none = NULL;

		if (__atomic_compare_exchange_n(&prot_dm[i], &none, dm, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED)) {
			dm->slot = i;
			return;
		}
	}
}

/*
 * Every device is gone, and with it every protection.
 */
static void prot_exit(struct dma_debug_machine *dm)
{
	if (!dm->linear)
		return;	/* no DMAMAP_DEBUG_OWNERSHIP */
	if (dm->slot >= 0)
		__atomic_store_n(&prot_dm[dm->slot], NULL, __ATOMIC_RELEASE);
	free(dm->prot);
	free(dm->prot_pc);
	free(dm->prot_sum);
}

int debug_dma_machine_init(struct dmamap_machine *m)
{
	struct dma_debug_machine *dm;

	if (!(m->cfg.debug & DMAMAP_DEBUG_ALL))
		return 0;
	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	/* one pointer per frame: from a fresh mapping, touched only where frames are mapped */
	dm->nr_frames = m->nr_pages;
	dm->frame = calloc(m->nr_pages, sizeof(*dm->frame));
	if (!dm->frame) {
		free(dm);
		return -ENOMEM;
	}
	dm->slot = -1;
	if (m->cfg.debug & DMAMAP_DEBUG_OWNERSHIP) {
		dm->owned = calloc(m->nr_pages, sizeof(*dm->owned));
		if (!dm->owned) {
			free(dm->frame);
			free(dm);
			return -ENOMEM;
		}
		prot_init(m, dm);
	}
	for (int i = 0; i < LINE_SHARDS; i++)
		pthread_mutex_init(&dm->shard[i], NULL);
	pthread_mutex_init(&dm->revoke_lock, NULL);
	pthread_once(&membarrier_once, membarrier_init);
	dm->biased = membarrier_ok;
	m->dma_debug = dm;
	return 0;
}

void debug_dma_machine_exit(struct dmamap_machine *m)
{
	struct dma_debug_machine *dm = m->dma_debug;

	if (!dm)
		return;
	for (unsigned long i = 0; i < dm->nr_frames; i++) {
		if (dm->frame[i]) {
			free(dm->frame[i]->cnt);
			free(dm->frame[i]);
		}
	}
	free(dm->frame);
	free(dm->owned);
	prot_exit(dm);
	for (int i = 0; i < LINE_SHARDS; i++)
		pthread_mutex_destroy(&dm->shard[i]);
	pthread_mutex_destroy(&dm->revoke_lock);
	free(dm);
	m->dma_debug = NULL;
}

/* --- the dump ------------------------------------------------------------------------------ */

static const char *const err_name[] = {
	[ERR_NA] = "dma map error check not applicable",
	[ERR_UNCHECKED] = "dma map error not checked",
	[ERR_CHECKED] = "dma map error checked",
};

DMAMAP_API void dmamap_debug_dump(struct dmamap_machine *m, FILE *out)
{
	struct device *dev;

	if (!m || !out)
		return;
	pthread_mutex_lock(&m->lock);
	list_for_each_entry(dev, &m->devices, node) {
		struct dma_debug_dev *d = dev->debug;

		if (!d)
			continue;
		dev_lock(dev);
		for (unsigned long b = 0; b < (1UL << d->shift); b++) {
			for (struct debug_rec *r = d->bucket[b]; r; r = r->next) {
				char site[256];

				fprintf(out, "%s %s P=%#llx D=%#llx L=%#llx %s %s", dev->name,
					type_name[r->type], (unsigned long long)r->phys,
					(unsigned long long)r->dma, (unsigned long long)r->len,
					dirname(r->dir), err_name[r->err_check]);
				if (r->type == DEBUG_DMA_SG)
					fprintf(out, " nents=%d mapped=%d", r->nents, r->mapped);
				if (mm_debug_site_text(r->site, site, sizeof(site)))
					fprintf(out, " at %s", site);
				fputc('\n', out);
			}
		}
		dev_unlock(dev);
	}
	pthread_mutex_unlock(&m->lock);
}
