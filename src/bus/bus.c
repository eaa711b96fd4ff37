// SPDX-License-Identifier: MIT
/*
 * The bus master: translate, check, move bytes. See <dmamap/bus.h>.
 *
 * An access is split where translation says the physical range stops being
 * contiguous, so a buffer that is contiguous in memory moves in one copy
 * whatever the page size of its mapping.
 */
#include "bus/bus.h"
#include "mm/cache.h"
#include "iommu/iommu.h"
#include "dma/coherent.h"
#include "dma/debug.h"
#include "dma/trace.h"

#include "mm/host.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#define COPY_CHUNK	(64UL << 10)

/*
 * Bus accesses and attach/detach. An access reads the device's IOTLB and
 * domain from its start to its end; detach frees the IOTLB, attach
 * publishes one. Accesses are many and attaches few, so an access costs
 * two stores and a load on a slot of its thread's, with no atomic
 * read-modify-write and no lock: it names its device in the slot, then
 * checks the machine's gate. bus_block() closes the gate, has every thread
 * run a memory barrier (host_barrier_all_threads()), then waits until no
 * slot names the device. The barrier orders each access's store before its
 * load wherever the two straddle it, and the closer's own, so they cannot
 * both read the old value: the access sees the gate closed and steps back,
 * or the closer sees the slot and waits for its release. Where the host has
 * no such barrier (and under ThreadSanitizer), both sides use sequentially
 * consistent atomics instead, at the cost of a locked instruction per access.
 *
 * Slots are made once per thread and kept on a list; a thread's slot goes
 * back to the list's free ones when the thread exits.
 */
struct bus_slot {
	struct device *dev;	/* (atomic) the device this thread's access is on, or NULL */
	bool taken;		/* a live thread owns it; under slots_lock */
	struct bus_slot *next;	/* under slots_lock; slots are never freed */
};

#define BUS_STATIC_SLOTS	256

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bus_slot static_slots[BUS_STATIC_SLOTS];	/* the first threads' */
static unsigned int static_used;			/* under slots_lock */
static struct bus_slot *slots;				/* every slot; under slots_lock */
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static bool bus_barriers;	/* the host has asymmetric barriers (set once) */
static __thread struct bus_slot *my_slot;

static void slot_release(void *arg)
{
	struct bus_slot *s = arg;

	pthread_mutex_lock(&slots_lock);
	__atomic_store_n(&s->dev, NULL, __ATOMIC_RELEASE);
	s->taken = false;
	pthread_mutex_unlock(&slots_lock);
}

/* ThreadSanitizer does not know membarrier: under it, accesses take the fenced way */
#if defined(__SANITIZE_THREAD__)
#define BUS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BUS_TSAN 1
#endif
#endif

static void slots_init(void)
{
	pthread_key_create(&slot_key, slot_release);
#ifndef BUS_TSAN
	__atomic_store_n(&bus_barriers, !host_barrier_register(), __ATOMIC_RELAXED);
#endif
}

/* This thread's slot, made the first time. */
static struct bus_slot *slot_get(void)
{
	struct bus_slot *s;

	pthread_once(&slots_once, slots_init);
	pthread_mutex_lock(&slots_lock);
	for (s = slots; s && s->taken; s = s->next)
		;
	if (!s) {
		if (static_used < BUS_STATIC_SLOTS)
			s = &static_slots[static_used++];
		/* out of host memory: wait for it to come back, as the access must */
		while (!s) {
			pthread_mutex_unlock(&slots_lock);
			sched_yield();
			s = calloc(1, sizeof(*s));
			pthread_mutex_lock(&slots_lock);
		}
		s->next = slots;
		slots = s;
	}
	s->taken = true;
	pthread_mutex_unlock(&slots_lock);
	pthread_setspecific(slot_key, s);
	my_slot = s;
	return s;
}

/*
 * An access of @dev begins: its slot names @dev once the gate is open. The
 * slot's previous value (an access this thread was in, whose handler made
 * this one) is kept in *@prev for bus_exit().
 */
static inline struct bus_slot *bus_enter(struct device *dev, struct device **prev)
{
	struct bus_slot *s = my_slot;
	int *gate = &dev->machine->bus_gate;

	if (unlikely(!s))
		s = slot_get();
	*prev = __atomic_load_n(&s->dev, __ATOMIC_RELAXED);
	for (;;) {
		bool open;

		if (likely(__atomic_load_n(&bus_barriers, __ATOMIC_RELAXED))) {
			__atomic_store_n(&s->dev, dev, __ATOMIC_RELAXED);
			__asm__ __volatile__("" ::: "memory");
			open = !__atomic_load_n(gate, __ATOMIC_ACQUIRE);
		} else {
			/* sequentially consistent, as the closer's side: no barrier needed */
			(void)__atomic_exchange_n(&s->dev, dev, __ATOMIC_SEQ_CST);
			open = !__atomic_load_n(gate, __ATOMIC_SEQ_CST);
		}
		if (likely(open))
			return s;
		/* an attach or detach is on its way: out of its way until it is done */
		__atomic_store_n(&s->dev, NULL, __ATOMIC_RELEASE);
		while (__atomic_load_n(gate, __ATOMIC_ACQUIRE))
			sched_yield();
	}
}

static inline void bus_exit(struct bus_slot *s, struct device *prev)
{
	__atomic_store_n(&s->dev, prev, __ATOMIC_RELEASE);
}

void bus_block(struct device *dev)
{
	struct bus_slot *s, *mine = my_slot;

	pthread_once(&slots_once, slots_init);
	__atomic_add_fetch(&dev->machine->bus_gate, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&bus_barriers, __ATOMIC_RELAXED))
		host_barrier_all_threads();
	pthread_mutex_lock(&slots_lock);
	for (s = slots; s; s = s->next)
		while (s != mine && __atomic_load_n(&s->dev, __ATOMIC_SEQ_CST) == dev)
			sched_yield();
	pthread_mutex_unlock(&slots_lock);
}

void bus_unblock(struct device *dev)
{
	__atomic_sub_fetch(&dev->machine->bus_gate, 1, __ATOMIC_RELEASE);
}

long bus_translate_direct(struct device *dev, dma_addr_t dma, size_t len, bool write,
			  phys_addr_t *phys, struct dmamap_fault *f)
{
	const struct mm_bank *b;
	phys_addr_t p;
	u64 run;
	u64 reach = dma_reach_limit(dev, *dev->dma_mask);

	f->flags = write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
	if (dma > reach) {
		f->reason = DMAMAP_FAULT_ADDRESS_SIZE;
		return -EFAULT;
	}
	run = min_t(u64, len, reach - dma + 1);
	p = dma_to_phys(dev, dma);
	if (p < dma) {		/* the offset wrapped past the top */
		f->reason = DMAMAP_FAULT_BUS;
		return -EFAULT;
	}
	b = mm_phys_bank(dev->machine, p, 1);
	if (!b) {
		f->reason = DMAMAP_FAULT_BUS;
		return -EFAULT;
	}
	run = min_t(u64, run, b->base + b->size - p);
	*phys = p;
	return (long)run;
}

/*
 * dma_prep_pending_range() for what a translation returned, called only when
 * one of the frames is waiting for its preparation: the frame flags are
 * looked at here, with the frame found from the machine's banks.
 */
static inline void bus_prep(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	const struct mm_bank *b;
	unsigned long first, n;

	/* no buffer is waiting (see dma_alloc_defer_prep()) */
	if (likely(!__atomic_load_n(&m->prep_deferred, __ATOMIC_ACQUIRE)))
		return;
	b = mm_phys_bank(m, phys, 1);
	if (!b)
		return;
	first = b->first + (unsigned long)((phys - b->base) >> PAGE_SHIFT);
	n = (unsigned long)((ALIGN(phys + len, PAGE_SIZE) - ALIGN_DOWN(phys, PAGE_SIZE)) >>
			    PAGE_SHIFT);
	for (unsigned long j = 0; j < n; j++) {
		if (unlikely(__atomic_load_n(&m->pages[first + j].flags, __ATOMIC_ACQUIRE) &
			     PG_prep_pending)) {
			dma_prep_pending_range(m, phys, len);
			return;
		}
	}
}

/*
 * The next run of an access, ready to touch: translated (its length, or a
 * negative errno with @f filled) and its frames prepared.
 */
static inline long bus_translate(struct device *dev, dma_addr_t dma, size_t len, bool write,
				 phys_addr_t *phys, struct dmamap_fault *f, struct iotlb_access *c)
{
	long n;

	if (dev->iotlb && dev->domain->type != IOMMU_DOMAIN_IDENTITY)
		n = iommu_bus_translate_run(dev, dma, len, write, phys, f, c);
	else
		n = bus_translate_direct(dev, dma, len, write, phys, f);
	if (n > 0)
		bus_prep(dev->machine, *phys, (size_t)n);
	return n;
}

/*
 * A run the translation refused as not RAM (a bus fault): when it lands in
 * an MMIO region, the part of it there. Looked at only after such a fault,
 * so an access to RAM never pays for it. Return: the run's length with *@r
 * and *@phys set, or -EFAULT with the fault as it stands.
 */
static long bus_mmio_run(struct device *dev, dma_addr_t dma, size_t len,
			 struct dmamap_mmio_region **r, phys_addr_t *phys, struct dmamap_fault *f)
{
	phys_addr_t p, end;
	u64 run = len;
	int prot = IOMMU_MMIO;

	if (f->reason != DMAMAP_FAULT_BUS)
		return -EFAULT;
	if (dev->iotlb && dev->domain->type != IOMMU_DOMAIN_IDENTITY) {
		/* the translation allowed the access: only the leaf's place is wanted */
		struct io_pgtable_walk_result w;
		unsigned long iova = (unsigned long)dma;

		if (io_pgtable_walk(dev->iotlb->domain->pgtbl, iova, &w))
			return -EFAULT;
		p = w.phys + (iova & (w.size - 1));
		run = min_t(u64, run, w.size - (iova & (w.size - 1)));
		prot = w.prot;
	} else {
		u64 reach = dma_reach_limit(dev, *dev->dma_mask);

		p = dma_to_phys(dev, dma);
		if (dma > reach || p < dma)
			return -EFAULT;
		run = min_t(u64, run, reach - dma + 1);
	}
	*r = mm_mmio_find(dev->machine, p, &end);
	if (!*r)
		return -EFAULT;
	if (!(prot & IOMMU_MMIO))
		/* on hardware: normal-memory attributes on a device's registers */
		dma_report(dev, DMAMAP_DEBUG_DEVICE_ACCESS, dma, len, "%s MMIO region %s at %#llx "
			   "through an IOMMU mapping without IOMMU_MMIO",
			   f->flags & IOMMU_FAULT_WRITE ? "write to" : "read of", mm_mmio_name(*r),
			   (unsigned long long)p);
	*phys = p;
	return (long)min_t(u64, run, end - p);
}

/*
 * The MMIO part of an access the translation refused: handed to the
 * region (@buf NULL: @len bytes of @byte), or the fault. Uncached and
 * unsnooped, whatever the device's coherence.
 */
static long bus_mmio(struct device *dev, dma_addr_t dma, void *buf, int byte, size_t len,
		     bool write, struct dmamap_fault *f)
{
	struct dmamap_mmio_region *r;
	phys_addr_t phys;
	long n = bus_mmio_run(dev, dma, len, &r, &phys, f);
	int err = 0;

	if (n <= 0)
		return -EFAULT;
	if (buf) {
		err = mm_mmio_access(r, phys, buf, (size_t)n, write);
	} else {
		u8 fill[256];

		memset(fill, byte, sizeof(fill));
		for (size_t at = 0; !err && at < (size_t)n; at += sizeof(fill))
			err = mm_mmio_access(r, phys + at, fill, min((size_t)n - at, sizeof(fill)),
					     true);
	}
	if (err) {
		f->reason = DMAMAP_FAULT_BUS;
		return -EFAULT;
	}
	return n;
}

static void bus_account(struct device *dev, const struct iotlb_access *c)
{
	if (c->hits)
		mm_count(dev->machine, iotlb_hits, c->hits);
	if (c->misses)
		mm_count(dev->machine, iotlb_misses, c->misses);
}

static int bus_fail(struct device *dev, dma_addr_t addr, size_t done, int err,
		    const struct dmamap_fault *f, struct dmamap_fault *out)
{
	if (out) {
		*out = *f;
		out->addr = addr;
		out->done = done;
	}
	return err;
}

static bool bad_range(dma_addr_t addr, size_t len)
{
	return len && addr + len - 1 < addr;
}

/*
 * Does @dev snoop the CPU's caches, which are then more than memory? On a
 * coherent machine the CPU view and memory are the same pages, and the
 * device goes through memory's mapping: the CPU's may be protected by the
 * debugger (DMAMAP_DEBUG_OWNERSHIP) while the device owns a buffer.
 */
static inline bool snoops_cpu(const struct device *dev)
{
	return dev->dma_coherent && dev->machine->noncoherent;
}

static int bus_load(struct device *dev, dma_addr_t src, void *buf, size_t len,
		    struct dmamap_fault *fault)
{
	struct dmamap_fault f = { 0 };
	struct iotlb_access c = { 0 };
	size_t done = 0;

	while (done < len) {
		phys_addr_t phys;
		long n = bus_translate(dev, src + done, len - done, false, &phys, &f, &c);

		if (n < 0) {
			long m = bus_mmio(dev, src + done, (u8 *)buf + done, 0, len - done, false, &f);

			if (m > 0) {
				done += (size_t)m;
				continue;
			}
			bus_account(dev, &c);
			return bus_fail(dev, src + done, done, (int)n, &f, fault);
		}
		if (snoops_cpu(dev))
			mm_cpu_view_read(dev->machine, phys, (u8 *)buf + done, (size_t)n);
		else
			memcpy((u8 *)buf + done, mm_phys_to_mem(dev->machine, phys), (size_t)n);
		done += (size_t)n;
	}
	bus_account(dev, &c);
	if (fault)
		memset(fault, 0, sizeof(*fault));
	return 0;
}

/* DMAMAP_DEBUG_OWNERSHIP: the device's writes are told apart from the CPU's. */
static inline bool bus_own_on(struct device *dev)
{
	return unlikely(dev->debug != NULL) && (dev->machine->cfg.debug & DMAMAP_DEBUG_OWNERSHIP);
}

/* Writes @len bytes from @buf, or of @byte when @buf is NULL. */
static int bus_store(struct device *dev, dma_addr_t dst, const void *buf, int byte, size_t len,
		     struct dmamap_fault *fault)
{
	struct dmamap_fault f = { 0 };
	struct iotlb_access c = { 0 };
	bool own = bus_own_on(dev);
	size_t done = 0;

	while (done < len) {
		phys_addr_t phys;
		long n = bus_translate(dev, dst + done, len - done, true, &phys, &f, &c);

		if (n < 0) {
			long m = bus_mmio(dev, dst + done, buf ? (u8 *)buf + done : NULL, byte,
					  len - done, true, &f);

			if (m > 0) {
				done += (size_t)m;
				continue;
			}
			bus_account(dev, &c);
			return bus_fail(dev, dst + done, done, (int)n, &f, fault);
		}
		if (own)
			debug_own_device_write(dev->machine, phys, (size_t)n, false);
		if (snoops_cpu(dev)) {
			if (buf)
				mm_coherent_write(dev->machine, phys, (const u8 *)buf + done, (size_t)n);
			else
				mm_coherent_fill(dev->machine, phys, byte, (size_t)n);
		} else {
			u8 *mem = mm_phys_to_mem(dev->machine, phys);

			if (buf)
				memcpy(mem, (const u8 *)buf + done, (size_t)n);
			else
				memset(mem, byte, (size_t)n);
		}
		if (own)
			debug_own_device_write(dev->machine, phys, (size_t)n, true);
		done += (size_t)n;
	}
	bus_account(dev, &c);
	if (fault)
		memset(fault, 0, sizeof(*fault));
	return 0;
}

/*
 * DMAMAP_DEBUG_DEVICE: the access against the device's live mappings,
 * before it is made (it is made all the same, as on hardware). A bus call
 * made for another (the list's) names that one's caller.
 */
static void bus_check(struct device *dev, dma_addr_t addr, size_t len, bool write,
		      const char *fn, const void *site)
{
	bool outer = mm_call_enter(&site);

	debug_dma_bus_access(dev, addr, len, write, fn, site);
	mm_call_exit(outer);
}

/* The device's side of the trace: one event per bus call. */
static inline int bus_traced(struct device *dev, const char *name, dma_addr_t addr, size_t len,
			     bool write, int ret, u64 t0)
{
	if (t0)
		trace_emit(dev, DMAMAP_TRACE_BUS, name, addr, len,
			   write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ, ret, t0);
	return ret;
}

DMAMAP_API int dmamap_bus_read(struct device *dev, dma_addr_t src, void *buf, size_t len,
			       struct dmamap_fault *fault)
{
	u64 t0;

	struct bus_slot *s;
	struct device *prev;
	int ret;

	if (!dev || (!buf && len) || bad_range(src, len))
		return -EINVAL;
	if (debug_device_on(dev))
		bus_check(dev, src, len, false, "dmamap_bus_read", __builtin_return_address(0));
	t0 = trace_on(dev) ? trace_now() : 0;
	s = bus_enter(dev, &prev);
	ret = bus_load(dev, src, buf, len, fault);
	bus_exit(s, prev);
	return bus_traced(dev, "bus_read", src, len, false, ret, t0);
}

DMAMAP_API int dmamap_bus_write(struct device *dev, dma_addr_t dst, const void *buf, size_t len,
				struct dmamap_fault *fault)
{
	u64 t0;

	struct bus_slot *s;
	struct device *prev;
	int ret;

	if (!dev || (!buf && len) || bad_range(dst, len))
		return -EINVAL;
	if (debug_device_on(dev))
		bus_check(dev, dst, len, true, "dmamap_bus_write", __builtin_return_address(0));
	t0 = trace_on(dev) ? trace_now() : 0;
	s = bus_enter(dev, &prev);
	ret = bus_store(dev, dst, buf, 0, len, fault);
	bus_exit(s, prev);
	return bus_traced(dev, "bus_write", dst, len, true, ret, t0);
}

DMAMAP_API int dmamap_bus_fill(struct device *dev, dma_addr_t dst, int byte, size_t len,
			       struct dmamap_fault *fault)
{
	u64 t0;

	struct bus_slot *s;
	struct device *prev;
	int ret;

	if (!dev || bad_range(dst, len))
		return -EINVAL;
	if (debug_device_on(dev))
		bus_check(dev, dst, len, true, "dmamap_bus_fill", __builtin_return_address(0));
	t0 = trace_on(dev) ? trace_now() : 0;
	s = bus_enter(dev, &prev);
	ret = bus_store(dev, dst, NULL, byte, len, fault);
	bus_exit(s, prev);
	return bus_traced(dev, "bus_fill", dst, len, true, ret, t0);
}

/*
 * A device-internal copy: read a chunk, write it. A fault on either side
 * stops the copy; done counts the bytes written.
 *
 * The chunk is read whole before any of it is written, as a device with a
 * chunk-sized buffer would: so a fault reading the chunk writes none of it,
 * and an overlap of source and destination behaves as that device's. The
 * bytes move straight from source to destination memory, with no staging
 * buffer, unless a destination run overlaps the chunk's source in memory:
 * then what is left of the chunk is staged first.
 */
#define COPY_RUNS	32	/* runs of one chunk: 17 at most with 4 KiB pages */

struct copy_run {
	phys_addr_t phys;
	size_t len;
};

static inline const u8 *device_view(struct device *dev, phys_addr_t phys)
{
	return snoops_cpu(dev) ? mm_phys_to_linear(dev->machine, phys)
				 : mm_phys_to_mem(dev->machine, phys);
}

static void device_store(struct device *dev, phys_addr_t phys, const u8 *src, size_t n)
{
	bool own = bus_own_on(dev);

	if (own)
		debug_own_device_write(dev->machine, phys, n, false);
	if (snoops_cpu(dev))
		mm_coherent_write(dev->machine, phys, src, n);
	else
		memmove(mm_phys_to_mem(dev->machine, phys), src, n);
	if (own)
		debug_own_device_write(dev->machine, phys, n, true);
}

/* Does [phys, phys+len) overlap any of the runs from @first on? */
static bool overlaps(const struct copy_run *r, unsigned int first, unsigned int nr,
		     phys_addr_t phys, size_t len)
{
	for (unsigned int i = first; i < nr; i++)
		if (phys < r[i].phys + r[i].len && r[i].phys < phys + len)
			return true;
	return false;
}

/* copy_chunk(): the chunk starts outside RAM on one side (MMIO, or a bus fault) */
#define COPY_NOT_RAM	(-EREMOTE)

/*
 * One chunk of a copy: @n bytes. Return: the bytes copied (fewer than @n
 * where RAM ends on either side), COPY_NOT_RAM when the chunk starts outside
 * RAM on either side, or a negative errno with @fault filled (done counting
 * the bytes of the chunk written).
 */
static int copy_chunk(struct device *dev, dma_addr_t dst, dma_addr_t src, size_t n,
		      struct dmamap_fault *fault, u8 *stage)
{
	struct copy_run runs[COPY_RUNS];
	struct dmamap_fault f = { 0 };
	struct iotlb_access c = { 0 };
	unsigned int nr = 0, ri = 0;
	size_t got = 0, rofs = 0, done = 0;
	u8 *staged = NULL;	/* the rest of the chunk's source, from byte staged_from */
	size_t staged_from = 0;

	/* the source, whole, before anything is written */
	while (got < n) {
		phys_addr_t phys;
		long r = bus_translate(dev, src + got, n - got, false, &phys, &f, &c);

		if (r < 0 && f.reason == DMAMAP_FAULT_BUS && got) {
			n = got;	/* the chunk ends where RAM does: MMIO goes its own way */
			break;
		}
		if (r < 0) {
			bus_account(dev, &c);
			if (f.reason == DMAMAP_FAULT_BUS)
				return COPY_NOT_RAM;
			return bus_fail(dev, src + got, 0, (int)r, &f, fault);
		}
		if (nr == COPY_RUNS) {
			n = got;	/* cannot happen with 4 KiB pages; a shorter chunk */
			break;
		}
		runs[nr++] = (struct copy_run){ phys, (size_t)r };
		got += (size_t)r;
	}
	bus_account(dev, &c);
	c = (struct iotlb_access){ 0 };

	while (done < n) {
		phys_addr_t phys;
		long r = bus_translate(dev, dst + done, n - done, true, &phys, &f, &c);
		size_t len;

		if (r < 0 && f.reason == DMAMAP_FAULT_BUS) {
			bus_account(dev, &c);
			return done ? (int)done : COPY_NOT_RAM;
		}
		if (r < 0) {
			bus_account(dev, &c);
			return bus_fail(dev, dst + done, done, (int)r, &f, fault);
		}
		len = (size_t)r;
		if (!staged && overlaps(runs, ri, nr, phys, len)) {
			/* this write would change source not read yet: stage the rest */
			staged = stage;
			staged_from = done;
			for (unsigned int i = ri, at = 0; i < nr; i++) {
				size_t skip = i == ri ? rofs : 0;

				memcpy(staged + at, device_view(dev, runs[i].phys + skip),
				       runs[i].len - skip);
				at += (unsigned int)(runs[i].len - skip);
			}
		}
		if (staged) {
			device_store(dev, phys, staged + (done - staged_from), len);
		} else {
			/* from the source runs, in order */
			for (size_t put = 0; put < len;) {
				size_t m = min(len - put, runs[ri].len - rofs);

				device_store(dev, phys + put,
					     device_view(dev, runs[ri].phys + rofs), m);
				put += m;
				rofs += m;
				if (rofs == runs[ri].len) {
					ri++;
					rofs = 0;
				}
			}
		}
		done += len;
	}
	bus_account(dev, &c);
	return (int)n;
}

DMAMAP_API int dmamap_bus_copy(struct device *dev, dma_addr_t dst, dma_addr_t src, size_t len,
			       struct dmamap_fault *fault)
{
	u8 small[4096];
	u8 *stage = small, *big = NULL;
	size_t cap = sizeof(small), done = 0;
	struct device *prev;
	struct bus_slot *s;
	int ret = 0;
	u64 t0;

	if (!dev || bad_range(dst, len) || bad_range(src, len))
		return -EINVAL;
	if (debug_device_on(dev)) {
		bus_check(dev, src, len, false, "dmamap_bus_copy", __builtin_return_address(0));
		bus_check(dev, dst, len, true, "dmamap_bus_copy", __builtin_return_address(0));
	}
	t0 = trace_on(dev) ? trace_now() : 0;
	if (len > cap) {
		/* chunks of 64 KiB when there is room to stage one */
		big = malloc(COPY_CHUNK);
		if (big) {
			stage = big;
			cap = COPY_CHUNK;
		}
	}
	s = bus_enter(dev, &prev);
	while (done < len) {
		struct dmamap_fault f;

		ret = copy_chunk(dev, dst + done, src + done, min(len - done, cap), &f, stage);
		if (ret == COPY_NOT_RAM) {
			/* through the device's buffer: read the chunk whole, then write it */
			size_t n = min(len - done, cap);

			ret = bus_load(dev, src + done, stage, n, &f);
			if (!ret) {
				ret = bus_store(dev, dst + done, stage, 0, n, &f);
				f.done = ret ? f.done : n;
			} else {
				f.done = 0;
			}
			if (!ret)
				ret = (int)n;
		}
		if (ret < 0) {
			if (fault) {
				*fault = f;
				fault->done = done + f.done;
			}
			break;
		}
		done += (size_t)ret;
		ret = 0;
	}
	bus_exit(s, prev);
	free(big);
	if (!ret && fault)
		memset(fault, 0, sizeof(*fault));
	return bus_traced(dev, "bus_copy", dst, len, true, ret, t0);
}

/* The DMA segments of @sgt, in order, for @len bytes: read (@in NULL) or written. */
static int bus_sgtable(struct device *dev, const struct sg_table *sgt, void *out,
		       const void *in, size_t len, struct dmamap_fault *fault, const void *site)
{
	bool outer __attribute__((cleanup(debug_call_cleanup))) = false;
	struct scatterlist *sg;
	size_t total = 0, done = 0;
	unsigned int i;

	if (!dev || !sgt || !sgt->sgl || (!out && !in && len))
		return -EINVAL;
	for_each_sgtable_dma_sg(sgt, sg, i)
		total += sg_dma_len(sg);
	if (len > total)
		return -EINVAL;
	/* the segments' reports name the caller of the list's call */
	outer = debug_call_enter(dev, &site);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		size_t n = min_t(size_t, sg_dma_len(sg), len - done);
		int ret;

		if (!n)
			break;
		ret = in ? dmamap_bus_write(dev, sg_dma_address(sg), (const u8 *)in + done, n, fault)
			 : dmamap_bus_read(dev, sg_dma_address(sg), (u8 *)out + done, n, fault);
		if (ret) {
			if (fault)
				fault->done += done;
			return ret;
		}
		done += n;
	}
	if (fault)
		memset(fault, 0, sizeof(*fault));
	return 0;
}

DMAMAP_API int dmamap_bus_read_sgtable(struct device *dev, const struct sg_table *sgt, void *buf,
				       size_t len, struct dmamap_fault *fault)
{
	return bus_sgtable(dev, sgt, buf, NULL, len, fault, __builtin_return_address(0));
}

DMAMAP_API int dmamap_bus_write_sgtable(struct device *dev, const struct sg_table *sgt,
					const void *buf, size_t len, struct dmamap_fault *fault)
{
	return bus_sgtable(dev, sgt, NULL, buf, len, fault, __builtin_return_address(0));
}
