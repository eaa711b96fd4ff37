// SPDX-License-Identifier: MIT
/* The CPU-cache model: see cache.h for the rules. */
#include "mm/cache.h"
#include "mm/host.h"
#include "mm/mm.h"

#include <stdlib.h>
#include <string.h>

#define LINE		L1_CACHE_BYTES
#define SNAP_BUCKETS	1024

struct line_snapshot {
	phys_addr_t line;
	u8 data[LINE];
	struct line_snapshot *next;
};

struct mm_line_snapshots {
	pthread_mutex_t lock;		/* guards everything below */
	struct line_snapshot *bucket[SNAP_BUCKETS];
	unsigned long count;
};

int mm_cache_init(struct dmamap_machine *m)
{
	struct mm_line_snapshots *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
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
	pthread_mutex_destroy(&s->lock);
	free(s);
	m->lines = NULL;
}

static inline unsigned int snap_hash(phys_addr_t line)
{
	u64 x = line / LINE;

	return (unsigned int)((x * 0x9E3779B97F4A7C15ULL) >> 54) % SNAP_BUCKETS;
}

/* the snapshot of @line, or NULL; under s->lock */
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
	unsigned long n;

	pthread_mutex_lock(&m->lines->lock);
	n = m->lines->count;
	pthread_mutex_unlock(&m->lines->lock);
	return n;
}

/* A snapshot of @line holding @data: the CPU view, or memory (mm_cache_track()). */
static void snap_take(struct dmamap_machine *m, phys_addr_t line, const u8 *data)
{
	struct mm_line_snapshots *s = m->lines;
	struct line_snapshot **pp, *e;

	pthread_mutex_lock(&s->lock);
	pp = snap_find_locked(s, line);
	e = *pp;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			goto out;	/* without a snapshot the line counts as dirty if it differs */
		e->line = line;
		*pp = e;
		__atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED);
	}
	memcpy(e->data, data, LINE);
out:
	pthread_mutex_unlock(&s->lock);
}

static void snap_drop(struct dmamap_machine *m, phys_addr_t line)
{
	struct mm_line_snapshots *s = m->lines;
	struct line_snapshot **pp, *e;

	pthread_mutex_lock(&s->lock);
	pp = snap_find_locked(s, line);
	e = *pp;
	if (e) {
		*pp = e->next;
		__atomic_fetch_sub(&s->count, 1, __ATOMIC_RELAXED);
		free(e);
	}
	pthread_mutex_unlock(&s->lock);
}

/*
 * Is the CPU's copy of a partial line dirty? Only asked when it differs
 * from memory. A line with a snapshot is dirty if the CPU changed it since;
 * one without is taken as @nosnap says.
 */
static bool line_dirty(struct dmamap_machine *m, phys_addr_t line, const u8 *cpu, bool nosnap)
{
	struct mm_line_snapshots *s = m->lines;
	struct line_snapshot *e;
	bool dirty = nosnap;

	pthread_mutex_lock(&s->lock);
	e = *snap_find_locked(s, line);
	if (e)
		dirty = memcmp(e->data, cpu, LINE) != 0;
	pthread_mutex_unlock(&s->lock);
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
	struct line_snapshot *e;

	pthread_mutex_lock(&s->lock);
	e = *snap_find_locked(s, line);
	if (e)
		memcpy(e->data, cpu, LINE);
	pthread_mutex_unlock(&s->lock);
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

	if (a >= b || !__atomic_load_n(&s->count, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&s->lock);
	if ((b - a) / LINE <= SNAP_BUCKETS) {
		for (phys_addr_t l = a; l < b; l += LINE) {
			struct line_snapshot *e = *snap_find_locked(s, l);

			if (e)
				memcpy(e->data, mm_phys_to_linear(m, l), LINE);
		}
	} else {
		for (unsigned int i = 0; i < SNAP_BUCKETS; i++)
			for (struct line_snapshot *e = s->bucket[i]; e; e = e->next)
				if (e->line >= a && e->line < b)
					memcpy(e->data, mm_phys_to_linear(m, e->line), LINE);
	}
	pthread_mutex_unlock(&s->lock);
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

/* memory -> CPU view for [a, b), leaving pages whose copy already agrees uncopied */
static void refresh_from_memory(struct dmamap_machine *m, phys_addr_t a, phys_addr_t b)
{
	u8 *cpu = mm_phys_to_linear(m, a), *mem = mm_phys_to_mem(m, a);

	if (a < b && memcmp(cpu, mem, (size_t)(b - a)))
		memcpy(cpu, mem, (size_t)(b - a));
}

/* The whole lines [a, b) of one range: memory -> CPU view. */
static void inval_lines(struct dmamap_machine *m, phys_addr_t a, phys_addr_t b)
{
	phys_addr_t pa = ALIGN(a, PAGE_SIZE), pb = ALIGN_DOWN(b, PAGE_SIZE);

	if (a >= b)
		return;
	if (pa < pb) {
		/* whole pages: drop the private copies, one host call for them all */
		mm_host_discard(m, mm_phys_to_linear(m, pa), (size_t)(pb - pa));
		refresh_from_memory(m, a, pa);
		refresh_from_memory(m, pb, b);
	} else {
		refresh_from_memory(m, a, b);
	}
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

/*
 * CPU view -> memory for the whole lines [a, b). Lines that already agree
 * with memory are not written: the result is the same, and a device reading
 * the buffer while another device's mapping cleans it (several importers of
 * one dma-buf) sees no store at all, as with clean lines on hardware.
 */
static void write_back(struct dmamap_machine *m, phys_addr_t a, phys_addr_t b)
{
	const u8 *cpu = mm_phys_to_linear(m, a);
	u8 *mem = mm_phys_to_mem(m, a);
	size_t len = (size_t)(b - a);

	for (size_t off = 0; off < len; off += SZ_1K) {
		size_t n = min_t(size_t, SZ_1K, len - off);

		if (!memcmp(cpu + off, mem + off, n))
			continue;
		for (size_t l = off; l < off + n; l += LINE)
			if (memcmp(cpu + l, mem + l, LINE))
				memcpy(mem + l, cpu + l, LINE);
	}
}

void mm_cache_clean(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
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
	cache_inval(m, phys, len, true);
}

void mm_cache_inval_for_cpu(struct dmamap_machine *m, phys_addr_t phys, size_t len)
{
	cache_inval(m, phys, len, false);
}

void mm_cache_prime(struct dmamap_machine *m, phys_addr_t phys, size_t len, bool track)
{
	phys_addr_t end = phys + len, pa = ALIGN_DOWN(phys, PAGE_SIZE), pe = ALIGN(end, PAGE_SIZE);
	phys_addr_t edge[2];
	unsigned int n;

	if (!m->noncoherent || !len)
		return;
	mm_host_populate_write(m, mm_phys_to_linear(m, pa), (size_t)(pe - pa));
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
	pthread_mutex_lock(&m->vmalloc.lock);
	m->vmalloc.host_vmas--;
	pthread_mutex_unlock(&m->vmalloc.lock);
	host_vmas_release(1);
}

void mm_cpu_view_read(struct dmamap_machine *m, phys_addr_t phys, void *buf, size_t len)
{
	memcpy(buf, mm_phys_to_linear(m, phys), len);
}

/*
 * A snooping device's write lands in memory and in any copy the CPU holds.
 * Pages the CPU holds no copy of read memory already, so they are left
 * alone: writing them through the linear map would create copies.
 */
static void coherent_update(struct dmamap_machine *m, phys_addr_t phys, size_t len,
			    const void *src, int byte)
{
	phys_addr_t pa = ALIGN_DOWN(phys, PAGE_SIZE), end = phys + len;
	size_t npages = (size_t)((ALIGN(end, PAGE_SIZE) - pa) >> PAGE_SHIFT);
	unsigned long bits[16];

	if (src)
		memcpy(mm_phys_to_mem(m, phys), src, len);
	else
		memset(mm_phys_to_mem(m, phys), byte, len);
	if (!m->noncoherent)
		return;
	for (size_t done = 0; done < npages;) {
		size_t n = min(npages - done, (size_t)(16 * 64));

		if (host_private_pages(mm_phys_to_linear(m, pa + (done << PAGE_SHIFT)), n, bits)) {
			/* cannot tell: update every page's CPU view */
			memset(bits, 0xff, sizeof(bits));
		}
		for (size_t i = 0; i < n; i++) {
			phys_addr_t ps, pe;

			if (!(bits[i / 64] >> (i % 64) & 1))
				continue;
			ps = max(phys, pa + ((done + i) << PAGE_SHIFT));
			pe = min(end, pa + ((done + i + 1) << PAGE_SHIFT));
			if (src)
				memcpy(mm_phys_to_linear(m, ps), (const u8 *)src + (ps - phys),
				       (size_t)(pe - ps));
			else
				memset(mm_phys_to_linear(m, ps), byte, (size_t)(pe - ps));
		}
		done += n;
	}
}

void mm_coherent_write(struct dmamap_machine *m, phys_addr_t phys, const void *buf, size_t len)
{
	coherent_update(m, phys, len, buf, 0);
}

void mm_coherent_fill(struct dmamap_machine *m, phys_addr_t phys, int byte, size_t len)
{
	coherent_update(m, phys, len, NULL, byte);
}
