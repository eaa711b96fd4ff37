// SPDX-License-Identifier: MIT
/* The CPU-cache model: see cache.h for the rules. */
#include "lib/atomic.h"
#include "mm/cache.h"
#include "mm/host.h"
#include "mm/mm.h"

#include <stdlib.h>
#include <string.h>

#define LINE		L1_CACHE_BYTES
#define SNAP_BUCKETS	1024
#define SNAP_STRIPES	64	/* locks; bucket b is guarded by stripe b % SNAP_STRIPES */

struct line_snapshot {
	phys_addr_t line;
	u8 data[LINE];
	struct line_snapshot *next;
};

/*
 * Snapshots are taken and dropped by maps and unmaps on every thread: the
 * table is split into stripes, each with its lock and count on a line of its
 * own, so that threads mapping different buffers seldom meet.
 */
struct snap_stripe {
	pthread_mutex_t lock;		/* guards count and the stripe's buckets */
	unsigned long count;
} __attribute__((aligned(64)));

struct mm_line_snapshots {
	struct snap_stripe stripe[SNAP_STRIPES];
	struct line_snapshot *bucket[SNAP_BUCKETS];
	/*
	 * (atomic) snapshots in all stripes: a whole-line clean or invalidate
	 * looks at it, without a lock, to skip the table when it is empty.
	 * Written only where a snapshot is taken or dropped (unaligned ends).
	 */
	unsigned long total __attribute__((aligned(64)));
};

int mm_cache_init(struct dmamap_machine *m)
{
	struct mm_line_snapshots *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (unsigned int i = 0; i < SNAP_STRIPES; i++)
		pthread_mutex_init(&s->stripe[i].lock, NULL);
	m->cpu_copies_bytes = PAGE_ALIGN(DIV_ROUND_UP(m->nr_pages, 64) * sizeof(unsigned long));
	m->cpu_copies = host_alloc_lazy(m->cpu_copies_bytes);
	m->cpu_aliases = host_alloc_lazy(m->cpu_copies_bytes);
	if (!m->cpu_copies || !m->cpu_aliases) {
		host_release(m->cpu_copies, m->cpu_copies_bytes);
		host_release(m->cpu_aliases, m->cpu_copies_bytes);
		m->cpu_copies = m->cpu_aliases = NULL;
		for (unsigned int i = 0; i < SNAP_STRIPES; i++)
			pthread_mutex_destroy(&s->stripe[i].lock);
		free(s);
		return -ENOMEM;
	}
	m->lines = s;
	return 0;
}

void mm_cache_exit(struct dmamap_machine *m)
{
	struct mm_line_snapshots *s = m->lines;

	if (!s)
		return;
	for (unsigned int i = 0; i < SNAP_BUCKETS; i++) {
		struct line_snapshot *e = s->bucket[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	for (unsigned int i = 0; i < SNAP_STRIPES; i++)
		pthread_mutex_destroy(&s->stripe[i].lock);
	free(s);
	m->lines = NULL;
	host_release(m->cpu_copies, m->cpu_copies_bytes);
	host_release(m->cpu_aliases, m->cpu_copies_bytes);
	m->cpu_copies = m->cpu_aliases = NULL;
}

static inline unsigned int snap_hash(phys_addr_t line)
{
	u64 x = line / LINE;

	return (unsigned int)((x * 0x9E3779B97F4A7C15ULL) >> 54) % SNAP_BUCKETS;
}

/* The stripe whose lock guards @line's bucket. */
static inline struct snap_stripe *snap_stripe(struct mm_line_snapshots *s, phys_addr_t line)
{
	return &s->stripe[snap_hash(line) % SNAP_STRIPES];
}

/* the snapshot of @line, or NULL; under its stripe's lock */
static struct line_snapshot **snap_find_locked(struct mm_line_snapshots *s, phys_addr_t line)
{
	struct line_snapshot **pp = &s->bucket[snap_hash(line)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->line == line)
			return pp;
	return pp;
}

unsigned long mm_cache_snapshots(struct dmamap_machine *m)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < SNAP_STRIPES; i++) {
		struct snap_stripe *st = &m->lines->stripe[i];

		pthread_mutex_lock(&st->lock);
		n += st->count;
		pthread_mutex_unlock(&st->lock);
	}
	return n;
}

/* A snapshot of @line holding @data: the CPU view, or memory (mm_cache_track()). */
static void snap_take(struct dmamap_machine *m, phys_addr_t line, const u8 *data)
{
	struct mm_line_snapshots *s = m->lines;
	struct snap_stripe *st = snap_stripe(s, line);
	struct line_snapshot **pp, *e;

	pthread_mutex_lock(&st->lock);
	pp = snap_find_locked(s, line);
	e = *pp;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			goto out;	/* without a snapshot the line counts as dirty if it differs */
		e->line = line;
		*pp = e;
		st->count++;
		__atomic_fetch_add(&s->total, 1, __ATOMIC_RELAXED);
	}
	memcpy(e->data, data, LINE);
out:
	pthread_mutex_unlock(&st->lock);
}

static void snap_drop(struct dmamap_machine *m, phys_addr_t line)
{
	struct mm_line_snapshots *s = m->lines;
	struct snap_stripe *st = snap_stripe(s, line);
	struct line_snapshot **pp, *e;

	pthread_mutex_lock(&st->lock);
	pp = snap_find_locked(s, line);
	e = *pp;
	if (e) {
		*pp = e->next;
		st->count--;
		__atomic_fetch_sub(&s->total, 1, __ATOMIC_RELAXED);
		free(e);
	}
	pthread_mutex_unlock(&st->lock);
}

/*
 * Is the CPU's copy of a partial line dirty? Only asked when it differs
 * from memory. A line with a snapshot is dirty if the CPU changed it since;
 * one without is taken as @nosnap says.
 */
static bool line_dirty(struct dmamap_machine *m, phys_addr_t line, const u8 *cpu, bool nosnap)
{
	struct mm_line_snapshots *s = m->lines;
	struct snap_stripe *st = snap_stripe(s, line);
	struct line_snapshot *e;
	bool dirty = nosnap;

	pthread_mutex_lock(&st->lock);
	e = *snap_find_locked(s, line);
	if (e)
		dirty = memcmp(e->data, cpu, LINE) != 0;
	pthread_mutex_unlock(&st->lock);
	return dirty;
}

/*
 * The CPU's copy of @line is clean now (it was written back, or refreshed
 * from memory, or already agreed with memory): a snapshot of the line, if
 * one is kept, takes the present content, so that only a CPU write from now
 * on makes the line dirty again.
 */
static void snap_refresh(struct dmamap_machine *m, phys_addr_t line, const u8 *cpu)
{
	struct mm_line_snapshots *s = m->lines;
	struct snap_stripe *st = snap_stripe(s, line);
	struct line_snapshot *e;

	pthread_mutex_lock(&st->lock);
	e = *snap_find_locked(s, line);
	if (e)
		memcpy(e->data, cpu, LINE);
	pthread_mutex_unlock(&st->lock);
}

/*
 * Whole lines [a, b) were made clean by maintenance (written back, or
 * refreshed from memory): their snapshots take the present content, as an
 * edge line's does in snap_refresh(). Otherwise a line that was the edge of
 * an earlier primed range would keep the content it had then, and be taken
 * as dirty when it is the edge of a later sync: a driver that syncs the head
 * of a reused FROM_DEVICE buffer for the CPU (copybreak) would see the
 * device's bytes overwritten by a write-back the CPU never caused.
 * Snapshots are few (two per primed range at most): nothing is looked at
 * without any, and then the lines of the range or every snapshot, whichever
 * is fewer.
 */
static void snap_refresh_range(struct dmamap_machine *m, phys_addr_t a, phys_addr_t b)
{
	struct mm_line_snapshots *s = m->lines;

	if (a >= b || !__atomic_load_n(&s->total, __ATOMIC_RELAXED))
		return;
	/*
	 * One stripe at a time: each snapshot is refreshed on its own, and a
	 * thread holding all 64 locks at once is more than ThreadSanitizer's
	 * deadlock detector can follow (it aborts past 64 held locks).
	 */
	if ((b - a) / LINE <= SNAP_BUCKETS) {
		for (phys_addr_t l = a; l < b; l += LINE) {
			struct snap_stripe *st = snap_stripe(s, l);
			struct line_snapshot *e;

			pthread_mutex_lock(&st->lock);
			e = *snap_find_locked(s, l);
			if (e)
				memcpy(e->data, mm_phys_to_linear(m, l), LINE);
			pthread_mutex_unlock(&st->lock);
		}
		return;
	}
	for (unsigned int i = 0; i < SNAP_STRIPES; i++) {
		pthread_mutex_lock(&s->stripe[i].lock);
		for (unsigned int k = i; k < SNAP_BUCKETS; k += SNAP_STRIPES)
			for (struct line_snapshot *e = s->bucket[k]; e; e = e->next)
				if (e->line >= a && e->line < b)
					memcpy(e->data, mm_phys_to_linear(m, e->line), LINE);
		pthread_mutex_unlock(&s->stripe[i].lock);
	}
}

/*
 * A partial line at an end of a range: write back if dirty, then (@inval)
 * drop the copy. @nosnap: whether a line without a snapshot that differs
 * from memory counts as dirty.
 */
static void clean_inval_edge(struct dmamap_machine *m, phys_addr_t line, bool inval, bool nosnap)
{
	u8 *cpu = mm_phys_to_linear(m, line);
	u8 *mem = mm_phys_to_mem(m, line);

	if (!memcmp(cpu, mem, LINE)) {
		/* nothing cached that memory does not hold */
	} else if (line_dirty(m, line, cpu, nosnap)) {
		memcpy(mem, cpu, LINE);
		mm_count(m, clean_bytes, LINE);
	} else if (inval) {
		memcpy(cpu, mem, LINE);
		mm_count(m, invalidate_bytes, LINE);
	} else {
		return;	/* a clean of a clean but stale line: it stays as it is */
	}
	snap_refresh(m, line, cpu);
}

/*
 * Copies the lines of [src, src+len) that differ from @dst into @dst; both
 * line aligned. A line that already agrees is not written: a page of the
 * CPU view that holds no private copy reads memory itself and so always
 * agrees, and writing it would make a copy the CPU never took; a device
 * reading memory while another device's mapping cleans it sees no store.
 * Returns the bytes written.
 */
static size_t copy_differing_lines(u8 *dst, const u8 *src, size_t len)
{
	size_t copied = 0;

	for (size_t off = 0; off < len; off += SZ_1K) {
		size_t n = min_t(size_t, SZ_1K, len - off);

		if (!memcmp(dst + off, src + off, n))
			continue;
		for (size_t l = off; l < off + n; l += LINE) {
			if (memcmp(dst + l, src + l, LINE)) {
				memcpy(dst + l, src + l, LINE);
				copied += LINE;
			}
		}
	}
	return copied;
}

static void copies_forget(struct dmamap_machine *m, unsigned long gidx, unsigned long nr);

static inline bool frame_aliased(const struct dmamap_machine *m, unsigned long gidx)
{
	return __atomic_load_n(&m->cpu_aliases[gidx / 64], __ATOMIC_RELAXED) >> (gidx % 64) & 1;
}

/*
 * Drops the private copies of frames [gidx, gidx+nr): the linear map reads
 * memory there again. Return: 0, or negative errno (the copies stay).
 */
static int drop_copies(struct dmamap_machine *m, unsigned long gidx, unsigned long nr)
{
	int ret = mm_host_discard(m, m->linear + (gidx << PAGE_SHIFT), nr << PAGE_SHIFT);

	/* after the discard: a prime racing with it takes its copy again */
	if (!ret)
		copies_forget(m, gidx, nr);
	return ret;
}

/*
 * The whole lines [a, b) of one range: memory -> CPU view. The CPU's copy
 * stays (it takes memory's content, line by line): dropping it would need a
 * host call, and a page once copied must not start to follow memory again.
 *
 * Except on a frame with a second CPU mapping (see mm_cache_alias()): the
 * second mapping shows memory, so a store through it reaches memory and not
 * the linear map's copy, which a later clean would write over it. On such a
 * frame an invalidate of the whole page drops the copy, one host call per
 * run of pages: the linear map then reads memory, and shows every store
 * made through the other mapping, until the next prime.
 */
static inline bool cpu_copy_known(const struct dmamap_machine *m, unsigned long gidx);

/*
 * [@cpu, +@len) of the CPU view takes memory's bytes. A page known to have
 * its private copy is copied whole: as cheap as comparing it, and writing
 * it faults nothing. Any other page may have none, and then reads memory:
 * only its lines that differ are written, so that no copy is made.
 */
static void refresh_lines(struct dmamap_machine *m, u8 *cpu, const u8 *mem, size_t len)
{
	size_t off = 0;

	while (off < len) {
		unsigned long g = (unsigned long)(cpu + off - m->linear) >> PAGE_SHIFT;
		size_t n = min_t(size_t, len - off,
				 PAGE_SIZE - ((unsigned long)(cpu + off - m->linear) & (PAGE_SIZE - 1)));

		if (cpu_copy_known(m, g)) {
			/*
			 * Mostly the bytes the page holds already: a snooping
			 * device may be reading them on another thread (two
			 * importers of one buffer), and cannot tell. The lines
			 * that do change take memory's bytes, which that device
			 * was allowed to see either way. ThreadSanitizer is told
			 * to leave the copy out.
			 */
			tsan_ignore_writes_begin();
			memcpy(cpu + off, mem + off, n);
			tsan_ignore_writes_end();
		} else {
			copy_differing_lines(cpu + off, mem + off, n);
		}
		off += n;
	}
}

static void lines_from_memory(struct dmamap_machine *m, phys_addr_t a, phys_addr_t b)
{
	u8 *cpu = mm_phys_to_linear(m, a), *mem = mm_phys_to_mem(m, a);
	size_t len = (size_t)(b - a), off = 0, from = 0;	/* [from, off): to copy */

	while (off < len) {
		unsigned long g = (unsigned long)(cpu + off - m->linear) >> PAGE_SHIFT;
		size_t n = 0;

		if (!((phys_addr_t)(a + off) & (PAGE_SIZE - 1)))
			while (off + n + PAGE_SIZE <= len && frame_aliased(m, g + (n >> PAGE_SHIFT)))
				n += PAGE_SIZE;
		if (n && !drop_copies(m, g, n >> PAGE_SHIFT)) {
			refresh_lines(m, cpu + from, mem + from, off - from);
			off += n;
			from = off;
		} else {
			off += n ? n : min_t(size_t, len - off,
					     PAGE_SIZE - ((a + off) & (PAGE_SIZE - 1)));
		}
	}
	refresh_lines(m, cpu + from, mem + from, len - from);
}

static void inval_lines(struct dmamap_machine *m, phys_addr_t a, phys_addr_t b)
{
	if (a >= b)
		return;
	lines_from_memory(m, a, b);
	mm_count(m, invalidate_bytes, b - a);
}

/*
 * The lines only partly inside [phys, phys+len): none, one (both ends in one
 * line, or one end aligned) or two. Every primitive asks this one question.
 */
static unsigned int edge_lines(phys_addr_t phys, size_t len, phys_addr_t line[2])
{
	phys_addr_t end = phys + len;
	unsigned int n = 0;

	if (!len)
		return 0;
	if (!IS_ALIGNED(phys, LINE))
		line[n++] = ALIGN_DOWN(phys, LINE);
	if (!IS_ALIGNED(end, LINE) && (n == 0 || ALIGN_DOWN(end, LINE) != line[0]))
		line[n++] = ALIGN_DOWN(end, LINE);
	return n;
}

/* CPU view -> memory for the whole lines [a, b): only lines that differ are written. */
static void write_back(struct dmamap_machine *m, phys_addr_t a, phys_addr_t b)
{
	copy_differing_lines(mm_phys_to_mem(m, a), mm_phys_to_linear(m, a), (size_t)(b - a));
}

void mm_cache_clean(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	MM_CACHE_SCOPE();
	phys_addr_t end = phys + len, a = ALIGN(phys, LINE), b = ALIGN_DOWN(end, LINE);
	phys_addr_t edge[2];
	unsigned int n;

	mm_count(m, syncs, 1);
	if (!m->noncoherent || !len)
		return;
	n = edge_lines(phys, len, edge);
	for (unsigned int i = 0; i < n; i++)
		clean_inval_edge(m, edge[i], false, true);
	if (b > a) {
		write_back(m, a, b);
		mm_count(m, clean_bytes, b - a);
		snap_refresh_range(m, a, b);
	}
}

static void cache_inval(struct dmamap_machine *m, phys_addr_t phys, size_t len, bool nosnap)
{
	phys_addr_t end = phys + len, edge[2];
	unsigned int n;

	mm_count(m, syncs, 1);
	if (!m->noncoherent || !len)
		return;
	n = edge_lines(phys, len, edge);
	for (unsigned int i = 0; i < n; i++)
		clean_inval_edge(m, edge[i], true, nosnap);
	inval_lines(m, ALIGN(phys, LINE), ALIGN_DOWN(end, LINE));
	snap_refresh_range(m, ALIGN(phys, LINE), ALIGN_DOWN(end, LINE));
}

void mm_cache_inval(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	MM_CACHE_SCOPE();
	cache_inval(m, phys, len, true);
}

void mm_cache_inval_for_cpu(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	MM_CACHE_SCOPE();
	cache_inval(m, phys, len, false);
}

/*
 * The CPU's private copies. A page of the MAP_PRIVATE CPU view gets its copy
 * at the first write to it, by the CPU or by a prime; only freeing the frame
 * takes it away again (mm_cache_release()). m->cpu_copies has a bit for each
 * frame primed since its last release: a page with its bit set is not
 * touched again, so priming a page that has its copy costs a bit test. A
 * page the CPU wrote without a prime has a copy and no bit; priming it costs
 * one atomic store of a byte onto itself, and sets the bit.
 */
static inline bool cpu_copy_known(const struct dmamap_machine *m, unsigned long gidx)
{
	return __atomic_load_n(&m->cpu_copies[gidx / 64], __ATOMIC_RELAXED) >> (gidx % 64) & 1;
}

/*
 * Makes the host copy the page holding @p: a write that stores what it
 * read. A compare-and-swap and not a plain store, so that a CPU write to
 * the same byte on another thread is never undone; never an atomic OR of
 * 0, which compilers may turn into a load that would take no copy. @p is a
 * byte of the range being primed, which the device owns from now on.
 */
static void take_copy(u8 *p)
{
	u8 v = __atomic_load_n(p, __ATOMIC_RELAXED);

	/*
	 * A device may be reading the byte on another thread (a snooping
	 * read of the CPU view) with a plain copy: this store changes nothing
	 * it can see, so ThreadSanitizer is told to leave it out.
	 */
	tsan_ignore_writes_begin();
	while (!__atomic_compare_exchange_n(p, &v, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	tsan_ignore_writes_end();
}

/* Frames [gidx, gidx+nr) hold no private copy now (their linear map was replaced or zapped). */
static void copies_forget(struct dmamap_machine *m, unsigned long gidx, unsigned long nr)
{
	for (unsigned long g = gidx; g < gidx + nr; g++)
		if (cpu_copy_known(m, g))
			__atomic_fetch_and(&m->cpu_copies[g / 64], ~(1UL << (g % 64)),
					   __ATOMIC_RELAXED);
}

static void prime_pages(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	u8 *cpu = mm_phys_to_linear(m, phys);
	unsigned long first = (unsigned long)(cpu - m->linear) >> PAGE_SHIFT;
	unsigned long last = (unsigned long)(cpu + len - 1 - m->linear) >> PAGE_SHIFT;

	for (unsigned long g = first; g <= last; g++) {
		if (likely(cpu_copy_known(m, g)))
			continue;
		take_copy(g == first ? cpu : m->linear + (g << PAGE_SHIFT));
		__atomic_fetch_or(&m->cpu_copies[g / 64], 1UL << (g % 64), __ATOMIC_RELAXED);
	}
}

void mm_cache_prime(struct dmamap_machine *m, phys_addr_t phys, size_t len, bool track)
{
	MM_CACHE_SCOPE();
	phys_addr_t end = phys + len, pa = ALIGN_DOWN(phys, PAGE_SIZE), pe = ALIGN(end, PAGE_SIZE);
	phys_addr_t edge[2];
	unsigned int n;

	if (!m->noncoherent || !len)
		return;
	prime_pages(m, phys, len);
	mm_count(m, prime_bytes, pe - pa);
	n = edge_lines(phys, len, edge);
	for (unsigned int i = 0; i < n; i++) {
		if (track)
			snap_take(m, edge[i], mm_phys_to_linear(m, edge[i]));
		else
			snap_refresh(m, edge[i], mm_phys_to_linear(m, edge[i]));
	}
}

void mm_cache_track(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	MM_CACHE_SCOPE();
	phys_addr_t edge[2];
	unsigned int n;

	if (!m->noncoherent || !len)
		return;
	n = edge_lines(phys, len, edge);
	for (unsigned int i = 0; i < n; i++)
		snap_take(m, edge[i], mm_phys_to_mem(m, edge[i]));
}

void mm_cache_forget(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	phys_addr_t edge[2];
	unsigned int n;

	if (!m->noncoherent || !len)
		return;
	n = edge_lines(phys, len, edge);
	for (unsigned int i = 0; i < n; i++)
		snap_drop(m, edge[i]);
}

int mm_cache_share(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	int ret;

	if (!m->noncoherent)
		return 0;
	ret = host_vmas_reserve(1);
	if (ret)
		return ret;
	ret = host_map_fixed(m, mm_phys_to_linear(m, phys), m->memfd, mm_phys_to_file(m, phys), len);
	if (ret) {
		host_vmas_release(1);
		return ret;
	}
	/* the private copies went with the private mapping: a prime must not think them there */
	copies_forget(m, mm_phys_gidx(m, phys), len >> PAGE_SHIFT);
	pthread_mutex_lock(&m->vmalloc.lock);
	m->vmalloc.host_vmas++;
	pthread_mutex_unlock(&m->vmalloc.lock);
	return 0;
}

void mm_cache_unshare(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	if (!m->noncoherent)
		return;
	/*
	 * Should the host refuse, the pages stay shared: their CPU view is then
	 * memory, coherent, which is never wrong, only less strict.
	 */
	if (host_map_fixed_private(m, mm_phys_to_linear(m, phys), m->memfd,
				   mm_phys_to_file(m, phys), len))
		mm_report(m, "cache: the linear map of %#llx+%#zx stays shared (host out of memory)",
			  (unsigned long long)phys, len);
	/*
	 * A prime while the pages were shared set their bits without a private
	 * copy to show for it: the fresh private mapping has none, and the next
	 * prime must take them, or the pages would follow memory.
	 */
	copies_forget(m, mm_phys_gidx(m, phys), len >> PAGE_SHIFT);
	pthread_mutex_lock(&m->vmalloc.lock);
	m->vmalloc.host_vmas--;
	pthread_mutex_unlock(&m->vmalloc.lock);
	host_vmas_release(1);
}

void mm_cpu_view_read(struct dmamap_machine *m, phys_addr_t phys, void *buf, size_t len)
{
	MM_CACHE_SCOPE();
	memcpy(buf, mm_phys_to_linear(m, phys), len);
}

/* Does [p, p+len) hold @src's bytes (or @byte everywhere, when @src is NULL)? */
static bool holds(const u8 *p, const u8 *src, int byte, size_t len)
{
	if (src)
		return !memcmp(p, src, len);
	for (size_t i = 0; i < len; i++)
		if (p[i] != (u8)byte)
			return false;
	return true;
}

/*
 * A snooping device's write lands in memory and in any copy the CPU holds.
 * Memory is written first; a page of the CPU view that then already shows
 * the new bytes either holds no copy (it reads memory) or holds them
 * already, and is left alone: writing it through the linear map would
 * create a copy. Only pages that show something else hold a copy, and get
 * the bytes too. No host call tells them apart.
 */
static void coherent_update(struct dmamap_machine *m, phys_addr_t phys, size_t len,
			    const void *src, int byte)
{
	const u8 *s = src;
	u8 *cpu;

	if (src)
		memcpy(mm_phys_to_mem(m, phys), src, len);
	else
		memset(mm_phys_to_mem(m, phys), byte, len);
	if (!m->noncoherent)
		return;
	cpu = mm_phys_to_linear(m, phys);
	for (size_t off = 0; off < len;) {
		size_t n = min_t(size_t, len - off,
				 PAGE_SIZE - (((unsigned long)(cpu + off)) & (PAGE_SIZE - 1)));

		if (!holds(cpu + off, s ? s + off : NULL, byte, n)) {
			if (s)
				memcpy(cpu + off, s + off, n);
			else
				memset(cpu + off, byte, n);
		}
		off += n;
	}
}

void mm_coherent_write(struct dmamap_machine *m, phys_addr_t phys, const void *buf, size_t len)
{
	MM_CACHE_SCOPE();
	coherent_update(m, phys, len, buf, 0);
}

void mm_coherent_fill(struct dmamap_machine *m, phys_addr_t phys, int byte, size_t len)
{
	MM_CACHE_SCOPE();
	coherent_update(m, phys, len, NULL, byte);
}

void mm_cache_refresh(struct dmamap_machine *m, unsigned long gidx, unsigned long nr_pages)
{
	MM_CACHE_SCOPE();
	phys_addr_t phys = mm_gidx_phys(m, gidx);

	if (m->noncoherent)
		lines_from_memory(m, phys, phys + ((phys_addr_t)nr_pages << PAGE_SHIFT));
}

void mm_cache_alias(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	MM_CACHE_SCOPE();
	unsigned long gidx = mm_phys_gidx(m, phys), nr = len >> PAGE_SHIFT, from = gidx;

	if (!m->noncoherent)
		return;
	for (unsigned long g = gidx; g < gidx + nr; g++)
		if (!frame_aliased(m, g))
			__atomic_fetch_or(&m->cpu_aliases[g / 64], 1UL << (g % 64),
					  __ATOMIC_RELAXED);
	/*
	 * A copy that agrees with memory holds nothing the CPU would lose; the
	 * others (lines the CPU wrote, or stale ones) stay, as they stay in the
	 * cache when a mapping is added on hardware.
	 */
	for (unsigned long g = gidx; g <= gidx + nr; g++) {
		size_t off = g << PAGE_SHIFT;

		if (g < gidx + nr && !memcmp(m->linear + off, m->mem + off, PAGE_SIZE))
			continue;
		if (g > from)
			drop_copies(m, from, g - from);
		from = g + 1;
	}
}

void mm_cache_unalias(struct dmamap_machine *m, unsigned long gidx, unsigned long nr_pages)
{
	for (unsigned long g = gidx; g < gidx + nr_pages; g++)
		if (frame_aliased(m, g))
			__atomic_fetch_and(&m->cpu_aliases[g / 64], ~(1UL << (g % 64)),
					   __ATOMIC_RELAXED);
}

void mm_cache_release(struct dmamap_machine *m, unsigned long gidx, unsigned long nr_pages)
{
	size_t off = gidx << PAGE_SHIFT, len = nr_pages << PAGE_SHIFT;

	if (m->noncoherent) {
		mm_host_discard(m, m->linear + off, len);
		copies_forget(m, gidx, nr_pages);
	}
	mm_host_remove(m, m->mem + off, len);
}
