// SPDX-License-Identifier: MIT
/*
 * The op-sequence engine: bytes become a sequence of public DMA API calls
 * that a correct driver may make, in any order the rules of the API allow,
 * on a direct non-coherent device, two devices behind IOMMUs (strict and
 * lazy invalidation) and a 32-bit device that bounces through swiotlb.
 *
 * The reference model keeps, for every byte of every buffer, what the CPU
 * must read and what the device must read, each possibly unknown, and who
 * owns it (the CPU or the device). Each call moves the model as the DMA API
 * promises and no further: a sync for the CPU of a FROM_DEVICE range makes
 * the CPU's bytes the device's; a partial sync may also move the bytes that
 * share a cache line with the range's ends, so those become unknown on both
 * sides unless the two sides already agree; a mapping made with
 * DMA_ATTR_SKIP_CPU_SYNC promises the device nothing. Only bytes the model
 * knows are checked, but every known byte is checked, and the bytes around
 * a buffer (the rest of its pages, a kmalloc object's padding) must never
 * change. Any difference, any report of the debugger, any call that fails
 * although the sequence is legal, is a bug of the library.
 */
#include "ops.h"

#include "iommu/iommu.h"
#include "mm/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__);	\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/*
 * DMAMAP_FUZZ_TRACE set: each operation on stderr, to read a failing input's
 * story. Read once, by fuzz_machine(), before any thread runs.
 */
static bool trace;

#define TRACE(...)								\
	do {									\
		if (trace)							\
			fprintf(stderr, __VA_ARGS__);				\
	} while (0)

static const struct dmamap_bank banks[] = {
	{ 0x80000000ULL, 64ULL << 20 },		/* below 4 GiB: swiotlb, pool, 32-bit buffers */
	{ 0x100000000ULL, 64ULL << 20 },	/* above: what the 32-bit device must bounce */
};

struct dmamap_machine *fuzz_machine(void)
{
	/*
	 * The debugger's API checks are on: a legal sequence must raise no
	 * report, so each is a false alarm of theirs. (Ownership is left to
	 * its own suites: the engine writes through a user mapping while an
	 * importer has the buffer mapped, which that check rightly reports.)
	 */
	struct dmamap_machine_config c = {
		.banks = banks, .nr_banks = 2, .cache = DMAMAP_CACHE_NONCOHERENT,
		.debug = DMAMAP_DEBUG_API,
	};
	struct dmamap_machine *m;

	trace = getenv("DMAMAP_FUZZ_TRACE") != NULL;
	FUZZ_CHECK(!dmamap_machine_create(&c, &m), "machine");
	return m;
}

static struct device *new_dev(struct dmamap_machine *m, const char *tag, const char *what,
			      u64 mask)
{
	char name[40];
	struct device *dev;

	snprintf(name, sizeof(name), "%s%s", what, tag);
	FUZZ_CHECK(!dmamap_device_create(m, &(struct dmamap_device_config){
			.name = name, .dma_mask = mask }, &dev), "device %s", name);
	return dev;
}

static struct iommu_domain *new_domain(struct dmamap_machine *m, enum dmamap_iommu_flush fl,
				       struct device *dev)
{
	struct dmamap_iommu_config c = { .type = IOMMU_DOMAIN_DMA, .flush = fl };
	struct iommu_domain *d;

	FUZZ_CHECK(!dmamap_iommu_domain_create(m, &c, &d), "domain");
	FUZZ_CHECK(!iommu_attach_device(d, dev), "attach");
	return d;
}

void fuzz_devs_create(struct dmamap_machine *m, struct fuzz_devs *fd, const char *tag)
{
	fd->nc = new_dev(m, tag, "nc", DMA_BIT_MASK(64));
	fd->io = new_dev(m, tag, "io", DMA_BIT_MASK(32));
	fd->iol = new_dev(m, tag, "iol", DMA_BIT_MASK(32));
	fd->d32 = new_dev(m, tag, "d32", DMA_BIT_MASK(32));
	fd->d = new_domain(m, DMAMAP_IOMMU_STRICT, fd->io);
	fd->dl = new_domain(m, DMAMAP_IOMMU_LAZY, fd->iol);
}

void fuzz_devs_destroy(struct fuzz_devs *fd)
{
	iommu_detach_device(fd->d, fd->io);
	iommu_detach_device(fd->dl, fd->iol);
	iommu_domain_free(fd->d);
	iommu_domain_free(fd->dl);
	dmamap_device_destroy(fd->nc);
	dmamap_device_destroy(fd->io);
	dmamap_device_destroy(fd->iol);
	dmamap_device_destroy(fd->d32);
}

/* Page-table pages stay with their domain once made, as in the kernel. */
static u64 table_pages(const struct fuzz_devs *fd, int n)
{
	u64 t = 0;

	for (int i = 0; i < n; i++)
		t += __atomic_load_n(&to_dmamap_domain(fd[i].d)->table_pages, __ATOMIC_RELAXED) +
		     __atomic_load_n(&to_dmamap_domain(fd[i].dl)->table_pages, __ATOMIC_RELAXED);
	return t;
}

void fuzz_baseline(struct dmamap_machine *m, const struct fuzz_devs *fd, int n,
		   struct dmamap_stats *b)
{
	dmamap_machine_stats(m, b);
	b->pages_free += table_pages(fd, n);
}

void fuzz_check_baseline(struct dmamap_machine *m, const struct fuzz_devs *fd, int n,
			 const struct dmamap_stats *b)
{
	struct dmamap_stats s;

	fuzz_baseline(m, fd, n, &s);
#define SAME(f) FUZZ_CHECK(s.f == b->f, #f " is %llu, was %llu at the start", \
			   (unsigned long long)s.f, (unsigned long long)b->f)
	SAME(pages_free);
	SAME(vmalloc_bytes);
	SAME(vmalloc_areas);
	SAME(host_vmas);
	SAME(cookies);
	SAME(kmalloc_bytes);
	SAME(swiotlb_slots_used);
	SAME(atomic_pool_used);
	SAME(iova_pages_used);
	SAME(api_errors);
#undef SAME
	/* and the cache model keeps nothing for mappings that are gone */
	FUZZ_CHECK(mm_cache_snapshots(m) == 0, "%lu cache-line snapshots left",
		   mm_cache_snapshots(m));
}

void fuzz_check_faults(struct dmamap_machine *m, const struct dmamap_stats *before,
		       uint64_t faults)
{
	struct dmamap_stats s;

	dmamap_machine_stats(m, &s);
	FUZZ_CHECK(s.api_errors == before->api_errors, "%llu reports in a legal sequence",
		   (unsigned long long)(s.api_errors - before->api_errors));
	FUZZ_CHECK(s.iommu_faults - before->iommu_faults == faults,
		   "%llu IOMMU faults, %llu expected",
		   (unsigned long long)(s.iommu_faults - before->iommu_faults),
		   (unsigned long long)faults);
}

/* --- the decoder ---------------------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t n;
};

static unsigned int rd8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static unsigned int rd16(struct rd *r)
{
	return rd8(r) | rd8(r) << 8;
}

/* A range [*off, *off + return) inside @len bytes, neither empty. */
static size_t rd_range(struct rd *r, size_t len, size_t *off)
{
	*off = rd16(r) % len;
	return 1 + rd16(r) % (len - *off);
}

/* --- buffers and the model -------------------------------------------------------------- */

enum kind { K_SINGLE, K_PAGE, K_SG, K_COH, K_BUF, NR_KINDS };

#define CK	0x1	/* the CPU's byte is known */
#define DK	0x2	/* the device's byte is known */
#define DOWN	0x4	/* the device owns the byte (streaming) */
#define MAX_OBJS	10
#define MAX_SG		4
#define PAD		64	/* bytes of a kmalloc object on each side of a mapping */
#define LINE		((size_t)dma_get_cache_alignment())

struct obj {
	enum kind kind;
	struct device *dev;
	enum dma_data_direction dir;
	unsigned long attrs;
	size_t len;
	uint8_t *cpu, *dev_v, *fl;	/* the model: CPU's bytes, device's bytes, flags */
	u32 seed;			/* of the pattern around the buffer */

	/* streaming */
	u8 *kbuf;			/* K_SINGLE: kmalloc'ed, mapping at PAD */
	struct page *pg[MAX_SG];	/* K_PAGE: pg[0], order; K_SG: one page per entry */
	unsigned int order;
	unsigned int nsg;
	size_t off[MAX_SG], seg[MAX_SG];	/* CPU-side pieces: offset in page, length */
	struct scatterlist sg[MAX_SG];
	struct sg_table sgt;
	bool sgtable;			/* mapped with dma_map_sgtable() */
	bool dirty_edges;		/* mapped without the clean: until a sync for the
					 * device, the CPU's lines at the mapping's ends
					 * may be dirty and written back over the device's
					 * bytes by the invalidate that gives them back */
	dma_addr_t dma;

	/* coherent */
	void *vaddr;
	dma_addr_t handle;
	struct vm_area_struct *vma;
	struct sg_table isgt;		/* dma_get_sgtable() into idev, mapped there */
	struct device *idev;
	bool alias_copy;		/* an import's map took a copy of the linear map */

	/* dma-buf */
	struct dma_buf *buf;
	struct dma_buf_attachment *at[2];
	struct sg_table *at_sgt[2];
	bool dev_wrote;			/* memory written past the CPU's linear map since
					 * its copy was last refreshed (see coh_import()) */
};

struct eng {
	struct dmamap_machine *m;
	struct fuzz_devs *fd;
	struct obj *o[MAX_OBJS];
	struct fuzz_counts *counts;
	u64 iommu_faults;	/* the IOMMU faults the sequence made */
};

static u8 pat(u32 seed, size_t i)
{
	u32 x = seed * 2654435761u + (u32)i * 40503u;

	return (u8)(x ^ x >> 13 ^ x >> 7);
}

static bool streaming(const struct obj *o)
{
	return o->kind <= K_SG;
}

static bool coherent_like(const struct obj *o)
{
	return o->kind == K_COH || o->kind == K_BUF;
}

static bool dev_reads(const struct obj *o)
{
	return o->dir == DMA_TO_DEVICE || o->dir == DMA_BIDIRECTIONAL;
}

static bool dev_writes(const struct obj *o)
{
	return o->dir == DMA_FROM_DEVICE || o->dir == DMA_BIDIRECTIONAL;
}

/* The CPU's address of byte @i of a buffer, and how many follow contiguously. */
static u8 *cpu_at(struct obj *o, size_t i, size_t *run)
{
	size_t k;

	switch (o->kind) {
	case K_SINGLE:
		*run = o->len - i;
		return o->kbuf + PAD + i;
	case K_PAGE:
		*run = o->len - i;
		return (u8 *)page_address(o->pg[0]) + o->off[0] + i;
	case K_SG:
		for (k = 0; i >= o->seg[k]; k++)
			i -= o->seg[k];
		*run = o->seg[k] - i;
		return (u8 *)page_address(o->pg[k]) + o->off[k] + i;
	default:
		*run = o->len - i;
		return (u8 *)o->vaddr + i;
	}
}

/* The DMA address of byte @i through the DMA segments of @sgt. */
static dma_addr_t sgt_dma_at(const struct sg_table *sgt, size_t i, size_t *run)
{
	struct scatterlist *s;
	unsigned int k;

	for_each_sg(sgt->sgl, s, sgt->nents, k) {
		if (i < sg_dma_len(s)) {
			*run = sg_dma_len(s) - i;
			return sg_dma_address(s) + i;
		}
		i -= sg_dma_len(s);
	}
	FUZZ_CHECK(0, "byte %zu beyond the DMA segments", i);
	return 0;
}

/* The device's address of byte @i, as @dev sees it (dma-buf: attachment @at). */
static dma_addr_t dma_at(struct obj *o, int at, size_t i, size_t *run)
{
	switch (o->kind) {
	case K_SINGLE:
	case K_PAGE:
		*run = o->len - i;
		return o->dma + i;
	case K_SG:
		return sgt_dma_at(&o->sgt, i, run);
	case K_COH:
		if (at >= 0)
			return sgt_dma_at(&o->isgt, i, run);
		*run = o->len - i;
		return o->handle + i;
	default:
		return sgt_dma_at(o->at_sgt[at], i, run);
	}
}

static struct device *dev_of(struct obj *o, int at)
{
	if (o->kind == K_COH && at >= 0)
		return o->idev;
	if (o->kind == K_BUF)
		return o->at[at]->dev;
	return o->dev;
}

/* --- device and CPU accesses -------------------------------------------------------------- */

static void bus_write(struct eng *e, struct obj *o, int at, size_t off, size_t len,
		      const u8 *src)
{
	struct device *dev = dev_of(o, at);
	size_t done = 0, run;

	while (done < len) {
		dma_addr_t a = dma_at(o, at, off + done, &run);
		struct dmamap_fault f;
		int ret;

		if (run > len - done)
			run = len - done;
		ret = dmamap_bus_write(dev, a, src + done, run, &f);
		FUZZ_CHECK(!ret, "%s: bus write of %zu at %#llx: %d (done %zu)", dev_name(dev),
			   run, (unsigned long long)a, ret, f.done);
		done += run;
	}
	e->counts->bytes_checked += len;
}

static void bus_read(struct eng *e, struct obj *o, int at, size_t off, size_t len, u8 *dst)
{
	struct device *dev = dev_of(o, at);
	size_t done = 0, run;

	while (done < len) {
		dma_addr_t a = dma_at(o, at, off + done, &run);
		struct dmamap_fault f;
		int ret;

		if (run > len - done)
			run = len - done;
		ret = dmamap_bus_read(dev, a, dst + done, run, &f);
		FUZZ_CHECK(!ret, "%s: bus read of %zu at %#llx: %d (done %zu)", dev_name(dev),
			   run, (unsigned long long)a, ret, f.done);
		done += run;
	}
	e->counts->bytes_checked += len;
}

static void cpu_copy(struct obj *o, size_t off, size_t len, u8 *to, const u8 *from)
{
	size_t done = 0, run;

	while (done < len) {
		u8 *p = cpu_at(o, off + done, &run);

		if (run > len - done)
			run = len - done;
		if (to)
			memcpy(to + done, p, run);
		else
			memcpy(p, from + done, run);
		done += run;
	}
}

static void check_bytes(const char *what, struct obj *o, size_t off, size_t len,
			const u8 *got, const u8 *want, u8 need, bool need_cpu_own,
			bool need_dev_own)
{
	for (size_t i = 0; i < len; i++) {
		u8 f = o->fl[off + i];

		if ((f & need) != need)
			continue;
		if (need_cpu_own && (f & DOWN))
			continue;
		if (need_dev_own && !(f & DOWN))
			continue;
		FUZZ_CHECK(got[i] == want[off + i],
			   "%s: %s of a %zu-byte buffer (kind %d, %s, dir %d, attrs %#lx): byte %zu "
			   "is %#x, must be %#x", dev_name(o->dev), what, o->len, o->kind,
			   dev_name(o->dev), o->dir, o->attrs, off + i, got[i], want[off + i]);
	}
}

static bool all_owned(const struct obj *o, size_t off, size_t len, bool by_dev)
{
	for (size_t i = off; i < off + len; i++)
		if (!!(o->fl[i] & DOWN) != by_dev)
			return false;
	return true;
}

static u8 *cpu_at(struct obj *o, size_t i, size_t *run);

/*
 * May the CPU write [off, off + len)? Not into a cache line the device owns
 * part of: its write-back would go over the device's bytes (the reason DMA
 * buffers are cache-line aligned).
 */
static bool cpu_may_write(struct obj *o, size_t off, size_t len)
{
	size_t run, i;
	uintptr_t a = (uintptr_t)cpu_at(o, off, &run);
	uintptr_t b = (uintptr_t)cpu_at(o, off + len - 1, &run) + 1;

	if (o->kind == K_SG)
		return all_owned(o, 0, o->len, false);
	i = off - min_t(size_t, off, a % LINE);
	b = off + len + min_t(size_t, o->len - off - len, (LINE - b % LINE) % LINE);
	return all_owned(o, i, b - i, false);
}

static void cpu_write(struct eng *e, struct obj *o, size_t off, size_t len, u32 seed)
{
	u8 *b = malloc(len);

	for (size_t i = 0; i < len; i++) {
		b[i] = pat(seed, i);
		o->cpu[off + i] = b[i];
		o->fl[off + i] |= CK;
		if (coherent_like(o)) {
			o->dev_v[off + i] = b[i];
			o->fl[off + i] |= DK;
		}
	}
	cpu_copy(o, off, len, NULL, b);
	if (o->kind == K_COH)
		o->dev_wrote = true;	/* through the CPU's own mapping: memory */
	free(b);
	e->counts->bytes_checked += len;
}

static void cpu_check(struct eng *e, struct obj *o, size_t off, size_t len)
{
	u8 *b = malloc(len);

	cpu_copy(o, off, len, b, NULL);
	check_bytes("CPU read", o, off, len, b, o->cpu, CK, streaming(o), false);
	free(b);
	e->counts->bytes_checked += len;
}

static void dev_write(struct eng *e, struct obj *o, int at, size_t off, size_t len, u32 seed)
{
	u8 *b = malloc(len);

	for (size_t i = 0; i < len; i++) {
		b[i] = pat(seed, i);
		o->dev_v[off + i] = b[i];
		o->fl[off + i] |= DK;
		if (coherent_like(o))
			o->cpu[off + i] = b[i];
		else
			o->fl[off + i] &= ~CK;
	}
	bus_write(e, o, at, off, len, b);
	free(b);
	if (coherent_like(o))
		o->dev_wrote = true;
}

static void dev_check(struct eng *e, struct obj *o, int at, size_t off, size_t len)
{
	u8 *b = malloc(len);

	bus_read(e, o, at, off, len, b);
	check_bytes("device read", o, off, len, b, o->dev_v, DK, false, streaming(o));
	free(b);
}

/* A byte both sides agree on survives any cache maintenance around it. */
static void blur(struct obj *o, size_t i)
{
	if ((o->fl[i] & (CK | DK)) != (CK | DK) || o->cpu[i] != o->dev_v[i])
		o->fl[i] &= ~(CK | DK);
}

/* The bytes outside [off, off + len) in the lines of @a (byte off's address) and @b (the end's). */
static void blur_lines(struct obj *o, size_t off, size_t len, uintptr_t a, uintptr_t b)
{
	size_t i;

	for (i = off - min_t(size_t, off, a % LINE); i < off; i++)
		blur(o, i);
	for (i = off + len; i < o->len && (b + (i - off - len)) % LINE; i++)
		blur(o, i);
}

/*
 * The bytes outside [off, off + len) in the cache lines its ends touch, as
 * the CPU's buffer lies and as the device's does (a bounce buffer has lines
 * of its own, which the CPU's copy into it makes dirty). Scatter-gather
 * syncs are per list: no edges inside.
 */
static void blur_edges(struct obj *o, size_t off, size_t len)
{
	size_t run;

	blur_lines(o, off, len, (uintptr_t)cpu_at(o, off, &run),
		   (uintptr_t)cpu_at(o, off + len - 1, &run) + 1);
	blur_lines(o, off, len, (uintptr_t)(o->dma + off), (uintptr_t)(o->dma + off + len));
}

/* The bytes of each CPU-side piece in the lines its ends share with other data. */
static void blur_map_edges(struct obj *o)
{
	size_t start = 0, k, i, run;

	for (k = 0; k < (o->kind == K_SG ? o->nsg : 1); k++) {
		size_t n = o->kind == K_SG ? o->seg[k] : o->len;
		uintptr_t a = (uintptr_t)cpu_at(o, start, &run);
		uintptr_t b = a + n;

		for (i = 0; i < n; i++) {
			uintptr_t x = a + i;

			if ((a % LINE && x < ALIGN(a, LINE)) || (b % LINE && x >= ALIGN_DOWN(b, LINE)))
				blur(o, start + i);
		}
		start += n;
	}
}

static void model_for_cpu(struct obj *o, size_t off, size_t len, bool sync)
{
	if (o->dirty_edges && dev_writes(o) && sync)
		blur_map_edges(o);
	for (size_t i = off; i < off + len; i++) {
		if (dev_writes(o) && sync && !(o->fl[i] & DOWN)) {
			/* the CPU's own bytes: its writes since are dropped or, in a
			 * line partly outside the range, written back */
			blur(o, i);
		} else if (dev_writes(o) && sync) {
			o->cpu[i] = o->dev_v[i];
			o->fl[i] = (o->fl[i] & ~CK) | (o->fl[i] & DK ? CK : 0);
		} else if (dev_writes(o)) {
			blur(o, i);
		}
		o->fl[i] &= ~DOWN;
	}
	if (dev_writes(o) && o->kind != K_SG)
		blur_edges(o, off, len);
}

static void model_for_device(struct obj *o, size_t off, size_t len, bool sync)
{
	if (!sync && !off && len == o->len)
		o->dirty_edges = true;
	else if (sync && !off && len == o->len)
		o->dirty_edges = false;
	for (size_t i = off; i < off + len; i++) {
		if (dev_reads(o) && sync) {
			o->dev_v[i] = o->cpu[i];
			o->fl[i] = (o->fl[i] & ~DK) | (o->fl[i] & CK ? DK : 0);
		} else {
			blur(o, i);
		}
		o->fl[i] |= DOWN;
	}
	if (o->kind != K_SG)
		blur_edges(o, off, len);
}

/* --- making and undoing buffers ------------------------------------------------------------ */

static const enum dma_data_direction dirs[] = {
	DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
};

static struct device *pick_dev(struct eng *e, unsigned int b)
{
	struct device *d[] = { e->fd->nc, e->fd->io, e->fd->iol, e->fd->d32 };

	return d[b % 4];
}

static void fill_around(struct obj *o)
{
	size_t k, i;

	if (o->kind == K_SINGLE) {
		for (i = 0; i < PAD; i++) {
			o->kbuf[i] = pat(o->seed, i);
			o->kbuf[PAD + o->len + i] = pat(o->seed, PAD + o->len + i);
		}
		return;
	}
	for (k = 0; k < (o->kind == K_SG ? o->nsg : 1); k++) {
		u8 *p = page_address(o->pg[k]);
		size_t n = PAGE_SIZE << (o->kind == K_PAGE ? o->order : 0);

		for (i = 0; i < n; i++)
			if (i < o->off[k] || i >= o->off[k] + o->seg[k])
				p[i] = pat(o->seed + (u32)k, i);
	}
}

static void check_around(struct obj *o)
{
	size_t k, i;

	if (o->kind == K_SINGLE) {
		for (i = 0; i < PAD; i++) {
			FUZZ_CHECK(o->kbuf[i] == pat(o->seed, i),
				   "%s: the byte %zu before a mapping changed", dev_name(o->dev),
				   PAD - i);
			FUZZ_CHECK(o->kbuf[PAD + o->len + i] == pat(o->seed, PAD + o->len + i),
				   "%s: the byte %zu after a %zu-byte mapping (dir %d) changed",
				   dev_name(o->dev), i, o->len, o->dir);
		}
		return;
	}
	for (k = 0; k < (o->kind == K_SG ? o->nsg : 1); k++) {
		u8 *p = page_address(o->pg[k]);
		size_t n = PAGE_SIZE << (o->kind == K_PAGE ? o->order : 0);

		for (i = 0; i < n; i++)
			if (i < o->off[k] || i >= o->off[k] + o->seg[k])
				FUZZ_CHECK(p[i] == pat(o->seed + (u32)k, i),
					   "%s: byte %zu of page %zu outside a mapping (%zu at %zu, "
					   "dir %d) changed", dev_name(o->dev), i, k, o->seg[k],
					   o->off[k], o->dir);
	}
}

static struct obj *obj_new(enum kind kind, size_t len)
{
	struct obj *o = calloc(1, sizeof(*o));

	o->kind = kind;
	o->len = len;
	o->cpu = calloc(1, len);
	o->dev_v = calloc(1, len);
	o->fl = calloc(1, len);
	return o;
}

static void obj_free(struct obj *o)
{
	free(o->cpu);
	free(o->dev_v);
	free(o->fl);
	free(o);
}

static struct obj *map_streaming(struct eng *e, struct rd *r, enum kind kind)
{
	struct device *dev = pick_dev(e, rd8(r));
	enum dma_data_direction dir = dirs[rd8(r) % 3];
	unsigned long attrs = rd8(r) % 4 == 0 ? DMA_ATTR_SKIP_CPU_SYNC : 0;
	size_t len = 0, k;
	struct obj *o;
	struct page *pg[MAX_SG] = { NULL };
	size_t off[MAX_SG], seg[MAX_SG];
	unsigned int nsg = 1, order = 0;
	u8 *kbuf = NULL;

	if (kind == K_SINGLE) {
		len = 1 + rd16(r) % (3 * PAGE_SIZE);
		kbuf = dmamap_kmalloc(e->m, len + 2 * PAD, GFP_KERNEL);
		FUZZ_CHECK(kbuf, "kmalloc");
	} else if (kind == K_PAGE) {
		order = rd8(r) % 3;
		pg[0] = dmamap_alloc_pages(e->m, GFP_KERNEL, order);
		FUZZ_CHECK(pg[0], "alloc_pages");
		len = rd_range(r, PAGE_SIZE << order, &off[0]);
		seg[0] = len;
	} else {
		nsg = 1 + rd8(r) % MAX_SG;
		for (k = 0; k < nsg; k++) {
			pg[k] = dmamap_alloc_pages(e->m, GFP_KERNEL, 0);
			FUZZ_CHECK(pg[k], "alloc_pages");
			seg[k] = rd_range(r, PAGE_SIZE, &off[k]);
			/* an IOMMU merges only entries that end and start on pages */
			if (rd8(r) & 1) {
				off[k] = k ? 0 : off[k];
				seg[k] = k + 1 < nsg ? PAGE_SIZE - off[k] : seg[k];
			}
			len += seg[k];
		}
	}
	o = obj_new(kind, len);
	o->dev = dev;
	o->dir = dir;
	o->attrs = attrs;
	o->kbuf = kbuf;
	o->order = order;
	o->nsg = nsg;
	o->seed = rd8(r);
	memcpy(o->pg, pg, sizeof(pg));
	memcpy(o->off, off, sizeof(off));
	memcpy(o->seg, seg, sizeof(seg));
	fill_around(o);
	/* the CPU fills the buffer before the device gets it */
	cpu_write(e, o, 0, len, rd8(r));

	if (kind == K_SINGLE) {
		o->dma = dma_map_single_attrs(dev, kbuf + PAD, len, dir, attrs);
		FUZZ_CHECK(!dma_mapping_error(dev, o->dma), "%s: dma_map_single of %zu",
			   dev_name(dev), len);
	} else if (kind == K_PAGE) {
		o->dma = dma_map_page_attrs(dev, pg[0], off[0], len, dir, attrs);
		FUZZ_CHECK(!dma_mapping_error(dev, o->dma), "%s: dma_map_page of %zu at %zu",
			   dev_name(dev), len, off[0]);
	} else {
		sg_init_table(o->sg, nsg);
		for (k = 0; k < nsg; k++)
			sg_set_page(&o->sg[k], pg[k], (unsigned int)seg[k], (unsigned int)off[k]);
		o->sgt.sgl = o->sg;
		o->sgt.orig_nents = nsg;
		o->sgtable = rd8(r) & 1;
		if (o->sgtable) {
			int ret = dma_map_sgtable(dev, &o->sgt, dir, attrs);

			FUZZ_CHECK(!ret, "%s: dma_map_sgtable of %u entries: %d", dev_name(dev),
				   nsg, ret);
		} else {
			o->sgt.nents = dma_map_sg_attrs(dev, o->sg, (int)nsg, dir, attrs);
			FUZZ_CHECK(o->sgt.nents, "%s: dma_map_sg of %u entries", dev_name(dev),
				   nsg);
		}
	}
	model_for_device(o, 0, len, !(attrs & DMA_ATTR_SKIP_CPU_SYNC));
	TRACE("map %s kind %d dir %d attrs %#lx len %zu at %p\n", dev_name(dev), kind, dir, attrs,
	      len, (void *)cpu_at(o, 0, &k));
	return o;
}

static void unmap_streaming(struct eng *e, struct obj *o, unsigned long attrs)
{
	size_t k;

	TRACE("unmap %s kind %d attrs %#lx\n", dev_name(o->dev), o->kind, attrs);
	if (o->kind == K_SINGLE)
		dma_unmap_single_attrs(o->dev, o->dma, o->len, o->dir, attrs);
	else if (o->kind == K_PAGE)
		dma_unmap_page_attrs(o->dev, o->dma, o->len, o->dir, attrs);
	else if (o->sgtable)
		dma_unmap_sgtable(o->dev, &o->sgt, o->dir, attrs);
	else
		dma_unmap_sg_attrs(o->dev, o->sg, (int)o->nsg, o->dir, attrs);
	model_for_cpu(o, 0, o->len, !(attrs & DMA_ATTR_SKIP_CPU_SYNC));
	cpu_check(e, o, 0, o->len);
	check_around(o);
	if (o->kind == K_SINGLE)
		dmamap_kfree(e->m, o->kbuf);
	else if (o->kind == K_PAGE)
		dmamap_free_pages(o->pg[0], o->order);
	else
		for (k = 0; k < o->nsg; k++)
			dmamap_free_pages(o->pg[k], 0);
}

static const unsigned long coh_attrs[] = {
	0, DMA_ATTR_WRITE_COMBINE, DMA_ATTR_FORCE_CONTIGUOUS, DMA_ATTR_NO_KERNEL_MAPPING,
	DMA_ATTR_ALLOC_SINGLE_PAGES,
};

static struct obj *alloc_coherent(struct eng *e, struct rd *r)
{
	struct device *dev = pick_dev(e, rd8(r));
	unsigned long attrs = coh_attrs[rd8(r) % 5];
	size_t len = 1 + rd16(r) % (4 * PAGE_SIZE);
	struct obj *o = obj_new(K_COH, len);

	o->dev = dev;
	o->attrs = attrs;
	o->dir = DMA_BIDIRECTIONAL;
	o->vaddr = dma_alloc_attrs(dev, len, &o->handle, GFP_KERNEL, attrs);
	FUZZ_CHECK(o->vaddr, "%s: dma_alloc_attrs of %zu, attrs %#lx", dev_name(dev), len, attrs);
	TRACE("coherent %p of %zu from %s, attrs %#lx\n", o->vaddr, len, dev_name(dev), attrs);
	/* the memory comes zeroed */
	memset(o->fl, CK | DK, len);
	if (!(attrs & DMA_ATTR_NO_KERNEL_MAPPING))
		cpu_check(e, o, 0, len);
	return o;
}

static void free_coherent(struct eng *e, struct obj *o)
{
	(void)e;
	if (o->idev) {
		dma_unmap_sgtable(o->idev, &o->isgt, DMA_BIDIRECTIONAL, 0);
		sg_free_table(&o->isgt);
	}
	if (o->vma)
		dmamap_vma_destroy(o->vma);
	dma_free_attrs(o->dev, o->len, o->vaddr, o->handle, o->attrs);
}

static struct obj *alloc_buf(struct eng *e, struct rd *r)
{
	struct device *dev = rd8(r) & 1 ? e->fd->io : e->fd->nc;
	size_t len = 1 + rd16(r) % (5 * PAGE_SIZE);
	struct obj *o = obj_new(K_BUF, len);

	o->dev = dev;
	o->dir = DMA_BIDIRECTIONAL;
	o->buf = dmamap_dma_buf_alloc(dev, len, 0);
	FUZZ_CHECK(!IS_ERR_OR_NULL(o->buf), "%s: dma-buf of %zu", dev_name(dev), len);
	memset(o->fl, CK | DK, len);
	TRACE("dma-buf %p of %zu from %s\n", (void *)o->buf, len, dev_name(dev));
	return o;
}

static void buf_detach(struct obj *o, int k)
{
	dma_buf_unmap_attachment_unlocked(o->at[k], o->at_sgt[k], DMA_BIDIRECTIONAL);
	dma_buf_detach(o->buf, o->at[k]);
	o->at[k] = NULL;
}

static void free_buf(struct obj *o)
{
	for (int k = 0; k < 2; k++)
		if (o->at[k])
			buf_detach(o, k);
	dma_buf_put(o->buf);
}

static void obj_undo(struct eng *e, struct obj *o, unsigned long attrs)
{
	if (streaming(o))
		unmap_streaming(e, o, attrs);
	else if (o->kind == K_COH)
		free_coherent(e, o);
	else
		free_buf(o);
	obj_free(o);
}

/* --- CPU access to coherent buffers and dma-bufs ------------------------------------------- */

/* The CPU through a user mapping of the buffer: reads checked, then a write. */
static void user_access(struct eng *e, struct obj *o, struct rd *r)
{
	size_t off, len = rd_range(r, o->len, &off);
	u32 seed = rd8(r);
	bool write = rd8(r) & 1;
	struct vm_area_struct *vma;
	int ret;
	u8 *p;

	FUZZ_CHECK(!dmamap_vma_create(e->m, PAGE_ALIGN(o->len), 0, &vma), "vma");
	if (o->kind == K_COH)
		ret = dma_mmap_attrs(o->dev, vma, o->vaddr, o->handle, o->len, o->attrs);
	else
		ret = dma_buf_mmap(o->buf, vma, 0);
	FUZZ_CHECK(!ret, "%s: mmap of %zu (kind %d, attrs %#lx): %d", dev_name(o->dev), o->len,
		   o->kind, o->attrs, ret);
	p = (u8 *)vma->vm_start;
	TRACE("  user mapping of %zu: %s [%zu, +%zu)\n", o->len, write ? "write" : "read", off, len);
	check_bytes("user read", o, 0, o->len, p, o->cpu, CK, false, false);
	if (write) {
		for (size_t i = off; i < off + len; i++) {
			p[i] = pat(seed, i);
			o->cpu[i] = o->dev_v[i] = p[i];
			o->fl[i] |= CK | DK;
		}
		/* past the CPU's cache, as a device's write is */
		o->dev_wrote = true;
	}
	e->counts->bytes_checked += o->len;
	dmamap_vma_destroy(vma);
}

static void buf_cpu_access(struct eng *e, struct obj *o, struct rd *r)
{
	size_t off, len = rd_range(r, o->len, &off);
	u32 seed = rd8(r);
	bool write = rd8(r) & 1;
	struct iosys_map map;
	int ret;

	ret = dma_buf_begin_cpu_access(o->buf, DMA_BIDIRECTIONAL);
	FUZZ_CHECK(!ret, "begin_cpu_access: %d", ret);
	ret = dma_buf_vmap_unlocked(o->buf, &map);
	FUZZ_CHECK(!ret, "dma_buf_vmap: %d", ret);
	o->vaddr = map.vaddr;
	if (write)
		cpu_write(e, o, off, len, seed);
	else
		cpu_check(e, o, off, len);
	dma_buf_vunmap_unlocked(o->buf, &map);
	o->vaddr = NULL;
	ret = dma_buf_end_cpu_access(o->buf, DMA_BIDIRECTIONAL);
	FUZZ_CHECK(!ret, "end_cpu_access: %d", ret);
	o->dev_wrote = false;
}

static void buf_attach(struct eng *e, struct obj *o, struct rd *r)
{
	int k = rd8(r) & 1;
	struct device *dev = pick_dev(e, rd8(r) % 3);	/* importers that do not bounce */

	if (o->at[k]) {
		buf_detach(o, k);
		return;
	}
	/*
	 * Not while an importer's device has written since the last CPU access:
	 * the new mapping's clean would write the CPU's prefetched copy of the
	 * pages back over those bytes. On hardware that copy is clean and the
	 * clean does nothing; the cache model cannot tell a clean line from a
	 * dirty one inside a buffer (page-granular copies: it takes any that
	 * differs from memory as dirty), so the sequence is left out here.
	 */
	if (o->dev_wrote)
		return;
	TRACE("  dma-buf %p: attachment %d to %s\n", (void *)o->buf, k, dev_name(dev));
	o->at[k] = dma_buf_attach(o->buf, dev);
	FUZZ_CHECK(!IS_ERR_OR_NULL(o->at[k]), "%s: dma_buf_attach", dev_name(dev));
	o->at_sgt[k] = dma_buf_map_attachment_unlocked(o->at[k], DMA_BIDIRECTIONAL);
	FUZZ_CHECK(!IS_ERR_OR_NULL(o->at_sgt[k]), "%s: map of a %zu-byte dma-buf from %s: %ld",
		   dev_name(dev), o->len, dev_name(o->dev), PTR_ERR(o->at_sgt[k]));
}

/* dma_get_sgtable() of a coherent buffer, mapped for another device. */
static void coh_import(struct eng *e, struct obj *o, struct rd *r)
{
	struct device *dev = pick_dev(e, rd8(r) % 3);
	int ret;

	if (o->idev) {
		dma_unmap_sgtable(o->idev, &o->isgt, DMA_BIDIRECTIONAL, 0);
		sg_free_table(&o->isgt);
		o->idev = NULL;
		o->dev_wrote = false;	/* the invalidate refreshed the copy */
		return;
	}
	/*
	 * The map cleans the pages' linear map, of which an earlier import
	 * left the CPU a copy (refreshed from memory at its unmap, where the
	 * buffer ends inside a page). Bytes written since (by a device, the
	 * CPU through its own mapping, user space) make that copy stale: on
	 * hardware a stale clean line is not written back; the cache model
	 * takes any line that differs from memory as dirty and would write it
	 * over them. A known limit of the model, left out here.
	 */
	if (o->alias_copy && o->dev_wrote)
		return;
	ret = dma_get_sgtable_attrs(o->dev, &o->isgt, o->vaddr, o->handle, o->len, o->attrs);
	FUZZ_CHECK(!ret, "%s: dma_get_sgtable of %zu (attrs %#lx): %d", dev_name(o->dev), o->len,
		   o->attrs, ret);
	ret = dma_map_sgtable(dev, &o->isgt, DMA_BIDIRECTIONAL, 0);
	FUZZ_CHECK(!ret, "%s: dma_map_sgtable of %s's buffer: %d", dev_name(dev),
		   dev_name(o->dev), ret);
	o->idev = dev;
	o->alias_copy = true;
}

/* --- accesses that must move nothing ----------------------------------------------------- */

static void out_of_range(struct eng *e, struct rd *r)
{
	unsigned int which = rd8(r) % 4;
	struct device *dev = pick_dev(e, which);
	size_t len = 1 + rd16(r) % 8192;
	/* never mapped: below RAM for the direct device, past 32 bits for the 32-bit one,
	 * the bottom of the IOVA space (the allocator works down from its top) */
	static const dma_addr_t where[] = { 0x10000000, 0x1000, 0x1000, 0x100000000ULL };
	dma_addr_t a = where[which] + rd16(r);
	struct dmamap_fault f;
	u8 *b = malloc(len);
	int ret;

	memset(b, 0xa5, len);
	if (rd8(r) & 1) {
		ret = dmamap_bus_write(dev, a, b, len, &f);
	} else {
		ret = dmamap_bus_read(dev, a, b, len, &f);
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK(b[i] == 0xa5, "%s: a faulting read moved byte %zu",
				   dev_name(dev), i);
	}
	FUZZ_CHECK(ret == -EFAULT && f.done == 0 && f.addr == a,
		   "%s: access of %zu at %#llx: %d, done %zu, fault at %#llx", dev_name(dev), len,
		   (unsigned long long)a, ret, f.done, (unsigned long long)f.addr);
	if (which == 1 || which == 2)
		e->iommu_faults++;
	free(b);
}

/* A write the IOMMU must refuse: the device's mapping is read-only. */
static void write_protected(struct eng *e, struct obj *o, size_t off, size_t len)
{
	size_t run;
	dma_addr_t a = dma_at(o, -1, off, &run);
	struct dmamap_fault f;
	u8 *b = calloc(1, len);
	int ret;

	if (run < len)
		len = run;
	ret = dmamap_bus_write(o->dev, a, b, len, &f);
	FUZZ_CHECK(ret == -EACCES && f.done == 0,
		   "%s: a write of %zu into a TO_DEVICE mapping: %d, done %zu", dev_name(o->dev),
		   len, ret, f.done);
	e->iommu_faults++;
	free(b);
}

/* --- the sequence ----------------------------------------------------------------------- */

static bool behind_iommu(struct eng *e, struct device *dev)
{
	return dev == e->fd->io || dev == e->fd->iol;
}

static void op_streaming(struct eng *e, struct obj *o, struct rd *r)
{
	size_t off, len = rd_range(r, o->len, &off);
	unsigned int what = rd8(r) % 8;
	u32 seed = rd8(r);
	bool whole = o->kind == K_SG || rd8(r) % 3 == 0;

	if (whole) {
		off = 0;
		len = o->len;
	}
	TRACE("  %s kind %d dir %d: op %u [%zu, +%zu)\n", dev_name(o->dev), o->kind, o->dir, what,
	      off, len);
	switch (what) {
	case 0:		/* the CPU takes the range back */
		if (o->kind == K_SG)
			dma_sync_sg_for_cpu(o->dev, o->sg, (int)o->nsg, o->dir);
		else
			dma_sync_single_for_cpu(o->dev, o->dma + off, len, o->dir);
		model_for_cpu(o, off, len, true);
		break;
	case 1:		/* and gives it to the device */
		if (o->kind == K_SG)
			dma_sync_sg_for_device(o->dev, o->sg, (int)o->nsg, o->dir);
		else
			dma_sync_single_for_device(o->dev, o->dma + off, len, o->dir);
		model_for_device(o, off, len, true);
		break;
	case 2:
		if (cpu_may_write(o, off, len))
			cpu_write(e, o, off, len, seed);
		break;
	case 3:
		cpu_check(e, o, off, len);
		break;
	case 4:
		if (dev_writes(o) && all_owned(o, off, len, true))
			dev_write(e, o, -1, off, len, seed);
		else if (o->dir == DMA_TO_DEVICE && behind_iommu(e, o->dev))
			write_protected(e, o, off, len);
		break;
	case 5:
		if (dev_reads(o))
			dev_check(e, o, -1, off, len);
		break;
	case 6:		/* the device fills a range */
		if (dev_writes(o) && all_owned(o, off, len, true) && o->kind != K_SG) {
			struct dmamap_fault f;
			int ret = dmamap_bus_fill(o->dev, o->dma + off, (int)seed, len, &f);

			FUZZ_CHECK(!ret, "%s: fill: %d", dev_name(o->dev), ret);
			memset(o->dev_v + off, (int)seed, len);
			for (size_t i = off; i < off + len; i++)
				o->fl[i] = (o->fl[i] | DK) & ~CK;
		}
		break;
	default:	/* the device copies within the buffer: both halves its own */
		if (o->dir == DMA_BIDIRECTIONAL && o->kind != K_SG && o->len >= 2) {
			size_t half = o->len / 2, n = 1 + len % half;
			struct dmamap_fault f;
			int ret;

			if (!all_owned(o, 0, o->len, true))
				break;
			ret = dmamap_bus_copy(o->dev, o->dma + half, o->dma, n, &f);
			FUZZ_CHECK(!ret, "%s: copy: %d", dev_name(o->dev), ret);
			memcpy(o->dev_v + half, o->dev_v, n);
			for (size_t i = 0; i < n; i++)
				o->fl[half + i] = (o->fl[half + i] & ~(CK | DK)) |
						  (o->fl[i] & DK);
		}
		break;
	}
}

static void op_coherent(struct eng *e, struct obj *o, struct rd *r)
{
	size_t off, len = rd_range(r, o->len, &off);
	unsigned int what = rd8(r) % 7;
	u32 seed = rd8(r);
	bool cpu_ok = !(o->attrs & DMA_ATTR_NO_KERNEL_MAPPING);

	TRACE("  coherent %p of %s (attrs %#lx): op %u [%zu, +%zu) import %s\n", o->vaddr,
	      dev_name(o->dev), o->attrs, what, off, len, o->idev ? dev_name(o->idev) : "none");
	switch (what) {
	case 0:
		if (cpu_ok)
			cpu_write(e, o, off, len, seed);
		break;
	case 1:
		if (cpu_ok)
			cpu_check(e, o, off, len);
		break;
	case 2:
		dev_write(e, o, -1, off, len, seed);
		break;
	case 3:
		dev_check(e, o, -1, off, len);
		break;
	case 4:
		user_access(e, o, r);
		break;
	case 5:
		if (cpu_ok)
			coh_import(e, o, r);
		break;
	default:
		if (o->idev) {
			if (seed & 1)
				dev_write(e, o, 0, off, len, seed);
			else
				dev_check(e, o, 0, off, len);
		}
		break;
	}
}

static void op_buf(struct eng *e, struct obj *o, struct rd *r)
{
	size_t off, len = rd_range(r, o->len, &off);
	unsigned int what = rd8(r) % 5;
	u32 seed = rd8(r);
	int k = seed & 1;

	TRACE("  dma-buf %p of %s: op %u [%zu, +%zu) attachment %d (%s)\n", (void *)o->buf,
	      dev_name(o->dev), what, off, len, k, o->at[k] ? dev_name(o->at[k]->dev) : "none");
	switch (what) {
	case 0:
		buf_attach(e, o, r);
		break;
	case 1:
		buf_cpu_access(e, o, r);
		break;
	case 2:
		user_access(e, o, r);
		break;
	case 3:
		if (o->at[k]) {
			dev_write(e, o, k, off, len, seed);
			o->dev_wrote = true;
		}
		break;
	default:
		if (o->at[k])
			dev_check(e, o, k, off, len);
		break;
	}
}

void fuzz_run(struct dmamap_machine *m, struct fuzz_devs *fd, const uint8_t *data, size_t size,
	      struct fuzz_counts *counts)
{
	struct eng e = { .m = m, .fd = fd, .counts = counts };
	struct rd r = { data, size };
	unsigned int n;

	for (n = 0; r.n && n < 1024; n++) {
		unsigned int op = rd8(&r);
		unsigned int slot = rd8(&r) % MAX_OBJS;
		struct obj *o = e.o[slot];

		counts->ops++;
		if (op < 8) {		/* out of range: every so often */
			out_of_range(&e, &r);
		} else if (!o) {
			enum kind k = (enum kind)(op % NR_KINDS);

			if (k == K_COH)
				e.o[slot] = alloc_coherent(&e, &r);
			else if (k == K_BUF)
				e.o[slot] = alloc_buf(&e, &r);
			else
				e.o[slot] = map_streaming(&e, &r, k);
		} else if (op >= 240) {	/* undone */
			obj_undo(&e, o, op & 1 ? DMA_ATTR_SKIP_CPU_SYNC : 0);
			e.o[slot] = NULL;
		} else if (streaming(o)) {
			op_streaming(&e, o, &r);
		} else if (o->kind == K_COH) {
			op_coherent(&e, o, &r);
		} else {
			op_buf(&e, o, &r);
		}
	}
	for (n = 0; n < MAX_OBJS; n++)
		if (e.o[n])
			obj_undo(&e, e.o[n], 0);
	counts->iommu_faults += e.iommu_faults;
}
