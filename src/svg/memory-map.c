// SPDX-License-Identifier: MIT
/*
 * dmamap_svg_memory_map(): the machine's live buffers in physical memory and
 * in each device's DMA address space, as SVG.
 *
 * First the buffers are gathered, each with an index that is its colour and
 * label: coherent allocations from their records, then what each IOMMU
 * domain's page tables map and what the swiotlb slots hold, matched to a
 * buffer by physical page (a page no allocation holds starts a buffer of
 * its own). Each address space is a lane of runs (address, length, buffer).
 *
 * Then each lane is drawn on a broken axis: its runs are grouped in
 * clusters (never across a bank boundary in physical memory); the space
 * between clusters, and the holes between banks, are said in words instead
 * of drawn; a cluster is drawn as rows of 256 cells. A cell is a page (a
 * swiotlb slot in that lane), so that every page of a scattered buffer is
 * seen; only a cluster of more than 32 rows gets larger cells.
 */
#include <dmamap/svg.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dma/coherent.h"
#include "dma/device.h"
#include "dma/swiotlb.h"
#include "iommu/iommu.h"
#include "svg/xml.h"

#define ROW_CELLS	256
#define MAX_ROWS	32		/* a cluster taller than this gets larger cells */
#define CLUSTER_GAP	(1ULL << 20)	/* less free space than this is drawn, not broken */
#define CELL_W		3.0
#define ROW_H		12.0
#define ROW_STEP	15.0
#define LEFT		150.0		/* rows start here; their addresses are left of it */
#define LABELS		(LEFT + ROW_CELLS * CELL_W + 12)
#define WIDTH		1200.0

struct run {
	u64 addr, len;
	unsigned int buf;
};

enum lane_kind { LANE_PHYS, LANE_IOVA, LANE_DIRECT, LANE_SWIOTLB };

struct lane {
	enum lane_kind kind;
	char name[96];		/* the lane's heading, and its data-lane */
	char shortname[64];	/* for the legend: "camera IOVA" */
	char note[256];
	u64 cell;		/* bytes of a cell at the finest */
	struct run *runs;
	size_t nr, cap;
	struct device *dev;			/* LANE_DIRECT */
	struct dmamap_iommu_domain *dom;	/* LANE_IOVA */
	struct iova_domain *iovad;
};

struct buffer {
	char label[160];
};

struct pic {
	struct dmamap_machine *m;
	struct buffer *bufs;
	unsigned int nr_bufs, cap_bufs;
	struct lane *lanes;
	unsigned int nr_lanes, cap_lanes;
	/* physical page -> buffer: open addressing, key pfn + 1 (0: empty) */
	u64 *keys;
	unsigned int *vals;
	size_t map_cap, map_n;
	int err;
};

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *q;

	if (n < *cap)
		return p;
	q = realloc(p, c * size);
	if (q)
		*cap = c;
	return q;
}

static int new_buffer(struct pic *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int new_buffer(struct pic *p, const char *fmt, ...)
{
	size_t cap = p->cap_bufs;
	struct buffer *b = grow(p->bufs, &cap, p->nr_bufs, sizeof(*b));
	va_list ap;

	if (!b) {
		p->err = -ENOMEM;
		return -1;
	}
	p->bufs = b;
	p->cap_bufs = (unsigned int)cap;
	va_start(ap, fmt);
	vsnprintf(b[p->nr_bufs].label, sizeof(b->label), fmt, ap);
	va_end(ap);
	return (int)p->nr_bufs++;
}

static struct lane *new_lane(struct pic *p, enum lane_kind kind, u64 cell)
{
	size_t cap = p->cap_lanes;
	struct lane *l = grow(p->lanes, &cap, p->nr_lanes, sizeof(*l));

	if (!l) {
		p->err = -ENOMEM;
		return NULL;
	}
	p->lanes = l;
	p->cap_lanes = (unsigned int)cap;
	l = &p->lanes[p->nr_lanes++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->cell = cell;
	return l;
}

static void add_run(struct pic *p, struct lane *l, u64 addr, u64 len, int buf)
{
	struct run *r;

	if (buf < 0 || !len)
		return;
	if (l->nr && l->runs[l->nr - 1].buf == (unsigned int)buf &&
	    l->runs[l->nr - 1].addr + l->runs[l->nr - 1].len == addr) {
		l->runs[l->nr - 1].len += len;
		return;
	}
	r = grow(l->runs, &l->cap, l->nr, sizeof(*r));
	if (!r) {
		p->err = -ENOMEM;
		return;
	}
	l->runs = r;
	r[l->nr++] = (struct run){ addr, len, (unsigned int)buf };
}

static size_t slot_of(const struct pic *p, u64 pfn)
{
	u64 h = (pfn + 1) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 20) & (p->map_cap - 1);
}

static int map_get(const struct pic *p, u64 pfn)
{
	if (!p->map_cap)
		return -1;
	for (size_t i = slot_of(p, pfn);; i = (i + 1) & (p->map_cap - 1)) {
		if (!p->keys[i])
			return -1;
		if (p->keys[i] == pfn + 1)
			return (int)p->vals[i];
	}
}

static void map_set(struct pic *p, u64 pfn, int buf)
{
	size_t i;

	if (buf < 0)
		return;
	if (2 * (p->map_n + 1) > p->map_cap) {
		size_t cap = p->map_cap ? 2 * p->map_cap : 1024, old = p->map_cap;
		u64 *keys = calloc(cap, sizeof(*keys)), *ok = p->keys;
		unsigned int *vals = calloc(cap, sizeof(*vals)), *ov = p->vals;

		if (!keys || !vals) {
			free(keys);
			free(vals);
			p->err = -ENOMEM;
			return;
		}
		p->keys = keys;
		p->vals = vals;
		p->map_cap = cap;
		p->map_n = 0;
		for (i = 0; i < old; i++)
			if (ok[i])
				map_set(p, ok[i] - 1, (int)ov[i]);
		free(ok);
		free(ov);
	}
	for (i = slot_of(p, pfn); p->keys[i] && p->keys[i] != pfn + 1; i = (i + 1) & (p->map_cap - 1))
		;
	if (!p->keys[i])
		p->map_n++;
	p->keys[i] = pfn + 1;
	p->vals[i] = (unsigned int)buf;
}

/* A buffer's physical bytes [phys, phys + len): drawn in physical memory, known by page. */
static void add_phys(struct pic *p, phys_addr_t phys, u64 len, int buf)
{
	add_run(p, &p->lanes[0], phys, len, buf);
	for (u64 pfn = phys >> PAGE_SHIFT; pfn < (phys + len + PAGE_SIZE - 1) >> PAGE_SHIFT; pfn++)
		map_set(p, pfn, buf);
}

static const char *human(u64 bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double v = (double)bytes;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (!u) {
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	} else {
		/* at most three decimals, none that are 0: "7.998 GiB", not "8.0 GiB" */
		char *dot;
		int n = snprintf(buf, len, "%.3f", v);

		while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
			buf[--n] = 0;
		dot = strchr(buf, '.');
		if (dot && !dot[1])
			*dot = 0;
		snprintf(buf + strlen(buf), len - strlen(buf), " %s", unit[u]);
	}
	return buf;
}

/* --- gathering ------------------------------------------------------------------- */

struct alloc_copy {
	u64 seq;
	struct device *dev;
	dma_addr_t dma;
	size_t size;
	unsigned long attrs;
	phys_addr_t phys;	/* contiguous: the first byte */
	phys_addr_t *pages;	/* or one per page */
	unsigned int nr_pages;
};

struct alloc_list {
	struct alloc_copy *a;
	size_t n, cap;
	int err;
};

static void copy_alloc(const struct dma_alloc *a, void *arg)
{
	struct alloc_list *l = arg;
	struct alloc_copy *c = grow(l->a, &l->cap, l->n, sizeof(*c));

	if (!c) {
		l->err = -ENOMEM;
		return;
	}
	l->a = c;
	c = &c[l->n];
	*c = (struct alloc_copy){ a->seq, a->dev, a->dma, a->size, a->attrs, a->phys, NULL, 0 };
	if (a->pages) {
		c->pages = malloc(a->nr_pages * sizeof(*c->pages));
		if (!c->pages) {
			l->err = -ENOMEM;
			return;
		}
		for (unsigned int i = 0; i < a->nr_pages; i++)
			c->pages[i] = page_to_phys(a->pages[i]);
		c->nr_pages = a->nr_pages;
	}
	l->n++;
}

static int cmp_alloc(const void *x, const void *y)
{
	const struct alloc_copy *a = x, *b = y;

	/* in the order they were made: the order a program's own text tells them in */
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static const char *attrs_str(unsigned long attrs, char *buf, size_t len)
{
	static const struct {
		unsigned long bit;
		const char *name;
	} names[] = {
		{ DMA_ATTR_NO_KERNEL_MAPPING, "NO_KERNEL_MAPPING" },
		{ DMA_ATTR_FORCE_CONTIGUOUS, "FORCE_CONTIGUOUS" },
		{ DMA_ATTR_ALLOC_SINGLE_PAGES, "ALLOC_SINGLE_PAGES" },
		{ DMA_ATTR_WRITE_COMBINE, "WRITE_COMBINE" },
	};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (attrs & names[i].bit)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "|" : ", ",
					      names[i].name);
	return buf;
}

static struct lane *direct_lane(struct pic *p, struct device *dev)
{
	for (unsigned int i = 0; i < p->nr_lanes; i++)
		if (p->lanes[i].kind == LANE_DIRECT && p->lanes[i].dev == dev)
			return &p->lanes[i];
	return NULL;
}

static void gather_allocs(struct pic *p)
{
	struct alloc_list l = { NULL, 0, 0, 0 };
	char a1[32], a2[64];

	dma_alloc_for_each(p->m, copy_alloc, &l);
	if (l.err)
		p->err = l.err;
	if (l.n)
		qsort(l.a, l.n, sizeof(*l.a), cmp_alloc);
	for (size_t i = 0; i < l.n && !p->err; i++) {
		struct alloc_copy *c = &l.a[i];
		struct lane *dl = direct_lane(p, c->dev);
		int b = new_buffer(p, "%s: dma_alloc of %s at DMA %#llx%s", dev_name(c->dev),
				   human(c->size, a1, sizeof(a1)), (unsigned long long)c->dma,
				   attrs_str(c->attrs, a2, sizeof(a2)));

		if (!c->pages) {
			add_phys(p, c->phys, PAGE_ALIGN(c->size), b);
		} else {
			for (unsigned int k = 0; k < c->nr_pages; k++)
				add_phys(p, c->pages[k], PAGE_SIZE, b);
		}
		if (dl)
			add_run(p, dl, c->dma, PAGE_ALIGN(c->size), b);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.a[i].pages);
	free(l.a);
}

/* One lane per IOMMU domain (named after its devices) and per device without one. */
static void make_device_lanes(struct pic *p)
{
	struct dmamap_machine *m = p->m;
	struct device *dev;

	pthread_mutex_lock(&m->lock);
	list_for_each_entry(dev, &m->devices, node) {
		struct lane *l = NULL;

		if (dev->domain) {
			struct dmamap_iommu_domain *d = to_dmamap_domain(dev->domain);

			for (unsigned int i = 0; i < p->nr_lanes; i++)
				if (p->lanes[i].kind == LANE_IOVA && p->lanes[i].dom == d)
					l = &p->lanes[i];
			if (l) {
				size_t n = strlen(l->name);

				/* "camera (IOMMU)" -> "camera, isp (IOMMU)" */
				if (n > 8)
					snprintf(l->name + n - 8, sizeof(l->name) - (n - 8), ", %s (IOMMU)",
						 dev_name(dev));
				continue;
			}
			l = new_lane(p, LANE_IOVA, PAGE_SIZE);
			if (!l)
				break;
			l->dom = d;
			l->iovad = d->iovad;
			snprintf(l->name, sizeof(l->name), "%s (IOMMU)", dev_name(dev));
			snprintf(l->shortname, sizeof(l->shortname), "%s IOVA", dev_name(dev));
			snprintf(l->note, sizeof(l->note), "IOVA space of a %s domain, %u bits, "
				 "read from its page tables",
				 d->cfg.type == IOMMU_DOMAIN_UNMANAGED ? "driver-managed" :
				 d->cfg.type == IOMMU_DOMAIN_IDENTITY ? "identity" : "DMA API",
				 d->cfg.ias);
		} else {
			u64 limit = dma_reach_limit(dev, dev->dma_mask ? *dev->dma_mask : 0);

			l = new_lane(p, LANE_DIRECT, PAGE_SIZE);
			if (!l)
				break;
			l->dev = dev;
			snprintf(l->name, sizeof(l->name), "%s (no IOMMU)", dev_name(dev));
			snprintf(l->shortname, sizeof(l->shortname), "%s DMA", dev_name(dev));
			u64 top = dev->dma_offset + limit < limit ? ~0ULL : dev->dma_offset + limit;

			snprintf(l->note, sizeof(l->note), "DMA address = physical address - %#llx; "
				 "the DMA mask reaches DMA %#llx, physical %#llx; coherent allocations "
				 "shown", (unsigned long long)dev->dma_offset, (unsigned long long)limit,
				 (unsigned long long)top);
		}
	}
	pthread_mutex_unlock(&m->lock);
}

struct leaf_ctx {
	struct pic *p;
	struct lane *l;
	int unknown;		/* the buffer of the last page no allocation holds */
	unsigned long next;	/* the IOVA after it */
};

static int leaf(unsigned long iova, const struct io_pgtable_walk_result *r, void *arg)
{
	struct leaf_ctx *c = arg;
	struct pic *p = c->p;

	for (u64 off = 0; off < r->size && !p->err; off += PAGE_SIZE) {
		unsigned long va = iova + off;
		phys_addr_t pa = r->phys + off;
		int b = map_get(p, pa >> PAGE_SHIFT);

		if (b < 0) {
			/* a new mapping starts where the allocator's range starts, or after a gap */
			if (c->unknown < 0 || va != c->next ||
			    (c->l->iovad && iova_range_size(c->l->iovad, va >> PAGE_SHIFT)))
				c->unknown = new_buffer(p, "mapped at IOVA %#lx by %s", va,
							c->l->name);
			b = c->unknown;
			add_phys(p, pa, PAGE_SIZE, b);
			c->next = va + PAGE_SIZE;
		}
		add_run(p, c->l, va, PAGE_SIZE, b);
	}
	return p->err;
}

static void gather_iova(struct pic *p)
{
	for (unsigned int i = 0; i < p->nr_lanes && !p->err; i++) {
		struct leaf_ctx c = { p, &p->lanes[i], -1, 0 };

		if (p->lanes[i].kind == LANE_IOVA && p->lanes[i].dom->pgtbl)
			io_pgtable_for_each_leaf(p->lanes[i].dom->pgtbl, leaf, &c);
	}
}

struct bounce {
	phys_addr_t tlb, orig;
	size_t size;
};

struct bounce_list {
	struct bounce *b;
	size_t n, cap;
	int err;
};

static void copy_bounce(phys_addr_t tlb, phys_addr_t orig, size_t size, void *arg)
{
	struct bounce_list *l = arg;
	struct bounce *b = grow(l->b, &l->cap, l->n, sizeof(*b));

	if (!b) {
		l->err = -ENOMEM;
		return;
	}
	l->b = b;
	b[l->n++] = (struct bounce){ tlb, orig, size };
}

static void gather_swiotlb(struct pic *p)
{
	struct swiotlb_range r = swiotlb_range(p->m);
	struct bounce_list l = { NULL, 0, 0, 0 };
	struct lane *lane;
	char b1[32];

	if (!r.size)
		return;
	lane = new_lane(p, LANE_SWIOTLB, IO_TLB_SIZE);
	if (!lane)
		return;
	snprintf(lane->name, sizeof(lane->name), "swiotlb");
	snprintf(lane->shortname, sizeof(lane->shortname), "swiotlb slot");
	snprintf(lane->note, sizeof(lane->note), "bounce slots of 2 KiB, physical %#llx-%#llx (%s); "
		 "a slot in use has the colour of the buffer it holds a copy of",
		 (unsigned long long)r.start, (unsigned long long)(r.start + r.size - 1),
		 human(r.size, b1, sizeof(b1)));
	swiotlb_for_each_mapping(p->m, copy_bounce, &l);
	if (l.err)
		p->err = l.err;
	for (size_t i = 0; i < l.n && !p->err; i++) {
		struct bounce *b = &l.b[i];
		int buf = map_get(p, b->orig >> PAGE_SHIFT);

		if (buf < 0) {
			buf = new_buffer(p, "bounced: %s at physical %#llx", human(b->size, b1, sizeof(b1)),
					 (unsigned long long)b->orig);
			add_phys(p, b->orig, b->size, buf);
		}
		add_run(p, lane, b->tlb, ALIGN(b->size, IO_TLB_SIZE), buf);
	}
	free(l.b);
}

/* --- drawing ---------------------------------------------------------------------- */

static const char *colour(unsigned int i, char *buf, size_t len)
{
	static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#59a14f",
					       "#b07aa1", "#edc948", "#76b7b2", "#ff9da7",
					       "#9c755f", "#1f77b4", "#8c564b", "#17becf" };

	if (i < ARRAY_SIZE(palette))
		return palette[i];
	snprintf(buf, len, "hsl(%u, 60%%, 50%%)", (i * 137u) % 360u);
	return buf;
}

static int cmp_run(const void *x, const void *y)
{
	const struct run *a = x, *b = y;

	return (a->addr > b->addr) - (a->addr < b->addr);
}

/* One buffer's shape in the lane being drawn, built row by row. */
struct shape {
	char *d;
	size_t len, cap;
	double label_y;		/* the row of its first run; < 0: not in the lane */
};

static void shape_rect(struct pic *p, struct shape *s, double x, double y, double w)
{
	char tmp[96];
	int n = snprintf(tmp, sizeof(tmp), "M%.2f %.1fh%.2fv%.1fh-%.2fz", x, y, w, ROW_H, w);

	if (s->len + (size_t)n + 1 > s->cap) {
		size_t cap = s->cap ? 2 * s->cap + (size_t)n : 256;
		char *d = realloc(s->d, cap);

		if (!d) {
			p->err = -ENOMEM;
			return;
		}
		s->d = d;
		s->cap = cap;
	}
	memcpy(s->d + s->len, tmp, (size_t)n + 1);
	s->len += (size_t)n;
}

struct cluster {
	u64 lo, hi;
	size_t first, nr;	/* runs */
};

static int bank_of(const struct dmamap_machine *m, u64 addr)
{
	for (unsigned int i = 0; i < m->nr_banks; i++)
		if (addr >= m->banks[i].base && addr - m->banks[i].base < m->banks[i].size)
			return (int)i;
	return -1;
}

static void gap_text(FILE *f, double *y, u64 lo, u64 hi, const char *what)
{
	char b1[32];

	if (hi <= lo)
		return;
	fprintf(f, "<text class=\"gap\" x=\"%.0f\" y=\"%.1f\" font-size=\"10\" fill=\"#777\">"
		"&#8942; %#llx-%#llx: %s %s</text>\n", LEFT, *y + 9, (unsigned long long)lo,
		(unsigned long long)hi - 1, human(hi - lo, b1, sizeof(b1)), what);
	*y += 16;
}

/* Draws cluster @c of lane @l from *y: its rows, and each run into its buffer's shape. */
static void draw_cluster(struct pic *p, FILE *f, const struct lane *l, const struct cluster *c,
			 struct shape *shapes, double *y)
{
	u64 cell = l->cell, row;
	u64 start, end;

	while ((c->hi - ALIGN_DOWN(c->lo, cell * ROW_CELLS) + cell * ROW_CELLS - 1) /
	       (cell * ROW_CELLS) > MAX_ROWS)
		cell *= 2;
	row = cell * ROW_CELLS;
	start = ALIGN_DOWN(c->lo, row);
	end = ALIGN(c->hi, row);
	if (cell != l->cell) {
		char b1[32];

		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" fill=\"#777\">one cell: %s"
			"</text>\n", LEFT, *y + 9, human(cell, b1, sizeof(b1)));
		*y += 14;
	}
	for (u64 a = start; a < end; a += row) {
		double ry = *y + (double)((a - start) / row) * ROW_STEP;

		fprintf(f, "<text class=\"addr\" x=\"%.0f\" y=\"%.1f\" font-size=\"10\" "
			"text-anchor=\"end\" font-family=\"monospace\">%#llx</text>\n", LEFT - 6,
			ry + 10, (unsigned long long)a);
		fprintf(f, "<rect class=\"row\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" "
			"fill=\"#f3f3f3\" stroke=\"#d0d0d0\" stroke-width=\"0.5\"/>\n", LEFT, ry,
			ROW_CELLS * CELL_W, ROW_H);
	}
	for (size_t i = c->first; i < c->first + c->nr; i++) {
		const struct run *r = &l->runs[i];
		struct shape *s = &shapes[r->buf];

		for (u64 a = r->addr; a < r->addr + r->len;) {
			u64 rs = ALIGN_DOWN(a, row), e = min(r->addr + r->len, rs + row);
			double ry = *y + (double)((rs - start) / row) * ROW_STEP;
			double x = LEFT + (double)(a - rs) / (double)cell * CELL_W;
			double w = (double)(e - a) / (double)cell * CELL_W;

			/* a run smaller than a cell stays visible */
			shape_rect(p, s, x, ry, w < 1 ? 1 : w);
			if (s->label_y < 0)
				s->label_y = ry;
			a = e;
		}
	}
	*y += (double)((end - start) / row) * ROW_STEP + 4;
}

static void draw_lane(struct pic *p, FILE *f, struct lane *l, double *y)
{
	const struct dmamap_machine *m = p->m;
	struct shape *shapes = calloc(p->nr_bufs ? p->nr_bufs : 1, sizeof(*shapes));
	struct cluster *cl = calloc(l->nr ? l->nr : 1, sizeof(*cl));
	size_t ncl = 0;
	char b1[32], b2[32];

	if (!shapes || !cl) {
		p->err = -ENOMEM;
		goto out;
	}
	for (unsigned int b = 0; b < p->nr_bufs; b++)
		shapes[b].label_y = -1;
	if (l->nr)
		qsort(l->runs, l->nr, sizeof(*l->runs), cmp_run);
	for (size_t i = 0; i < l->nr; i++) {
		const struct run *r = &l->runs[i];
		struct cluster *c = ncl ? &cl[ncl - 1] : NULL;

		if (c && r->addr <= c->hi + CLUSTER_GAP &&
		    (l->kind != LANE_PHYS || bank_of(m, r->addr) == bank_of(m, c->lo))) {
			c->hi = max(c->hi, r->addr + r->len);
			c->nr++;
		} else {
			cl[ncl++] = (struct cluster){ r->addr, r->addr + r->len, i, 1 };
		}
	}

	fputs("<g class=\"lane\" data-lane=\"", f);
	svg_xml_text(f, l->name);
	fprintf(f, "\" data-kind=\"%s\">\n",
		(const char *[]){ "phys", "iova", "direct", "swiotlb" }[l->kind]);
	fprintf(f, "<text x=\"10\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">", *y + 14);
	svg_xml_text(f, l->name);
	fputs("</text>\n", f);
	fprintf(f, "<text x=\"10\" y=\"%.1f\" font-size=\"11\" fill=\"#444\">", *y + 30);
	svg_xml_text(f, l->note);
	fputs("</text>\n", f);
	*y += 40;
	if (l->kind == LANE_PHYS) {
		size_t k = 0;

		for (unsigned int i = 0; i < m->nr_banks; i++) {
			const struct mm_bank *bk = &m->banks[i];
			u64 pos = bk->base;

			if (i) {
				const struct mm_bank *prev = &m->banks[i - 1];
				u64 hole = prev->base + prev->size;

				/* the break in the axis: a zigzag, the hole in words */
				fprintf(f, "<g class=\"bank-break\" data-from=\"%#llx\" data-to=\"%#llx\">\n"
					"<path d=\"M10 %.1fH%.0fl6 -6l8 12l8 -12l8 12l6 -6h%.0f\" "
					"fill=\"none\" stroke=\"#888\" stroke-width=\"1.5\"/>\n"
					"<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" fill=\"#555\">"
					"not RAM: %#llx-%#llx (%s), not drawn</text>\n</g>\n",
					(unsigned long long)hole, (unsigned long long)bk->base, *y + 10,
					LEFT - 40, 4.0, LEFT + 10, *y + 14,
					(unsigned long long)hole, (unsigned long long)bk->base - 1,
					human(bk->base - hole, b1, sizeof(b1)));
				*y += 26;
			}
			fprintf(f, "<g class=\"bank\" data-base=\"%#llx\" data-size=\"%#llx\">\n"
				"<text x=\"20\" y=\"%.1f\" font-size=\"12\">bank %u: %#llx-%#llx, %s"
				"</text>\n", (unsigned long long)bk->base, (unsigned long long)bk->size,
				*y + 12, i, (unsigned long long)bk->base,
				(unsigned long long)(bk->base + bk->size - 1),
				human(bk->size, b2, sizeof(b2)));
			*y += 18;
			for (; k < ncl && bank_of(m, cl[k].lo) == (int)i; k++) {
				gap_text(f, y, pos, cl[k].lo, "without live buffers");
				draw_cluster(p, f, l, &cl[k], shapes, y);
				pos = cl[k].hi;
			}
			gap_text(f, y, pos, bk->base + bk->size, "without live buffers");
			fprintf(f, "</g>\n");
		}
	} else {
		for (size_t k = 0; k < ncl; k++) {
			if (k)
				gap_text(f, y, cl[k - 1].hi, cl[k].lo, "not mapped");
			draw_cluster(p, f, l, &cl[k], shapes, y);
		}
		if (!ncl) {
			fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" fill=\"#777\">nothing "
				"live</text>\n", LEFT, *y + 10);
			*y += 16;
		}
	}
	/* one shape per buffer, drawn over the rows; its label right of its first row */
	for (unsigned int b = 0; b < p->nr_bufs; b++) {
		struct shape *s = &shapes[b];
		double x = LABELS;

		if (s->label_y < 0)
			continue;
		fprintf(f, "<path class=\"buffer\" data-buffer=\"%u\" fill=\"%s\" d=\"%s\">"
			"<title>#%u ", b, colour(b, b1, sizeof(b1)), s->d, b);
		svg_xml_text(f, p->bufs[b].label);
		fputs("</title></path>\n", f);
		/* labels sharing a row go side by side */
		for (unsigned int o = 0; o < b; o++)
			if (shapes[o].label_y == s->label_y)
				x += 30;
		fprintf(f, "<text class=\"label\" data-buffer=\"%u\" x=\"%.0f\" y=\"%.1f\" "
			"font-size=\"11\" font-weight=\"bold\" fill=\"%s\">#%u</text>\n", b, x,
			s->label_y + 10, colour(b, b2, sizeof(b2)), b);
	}
	fprintf(f, "</g>\n");
	*y += 12;
out:
	for (unsigned int b = 0; shapes && b < p->nr_bufs; b++)
		free(shapes[b].d);
	free(shapes);
	free(cl);
}

/* The legend: every buffer, and where its first byte is in each lane. */
static void draw_legend(struct pic *p, FILE *f, double *y)
{
	char b1[32];

	fprintf(f, "<g class=\"legend\">\n<text x=\"10\" y=\"%.1f\" font-size=\"14\" "
		"font-weight=\"bold\">Buffers</text>\n", *y + 14);
	*y += 24;
	for (unsigned int b = 0; b < p->nr_bufs; b++) {
		unsigned long runs = 0;
		size_t n = 0;
		char where[512];

		where[0] = 0;
		for (unsigned int i = 0; i < p->nr_lanes; i++) {
			const struct lane *l = &p->lanes[i];
			const struct run *first = NULL;
			unsigned long nr = 0;

			for (size_t k = 0; k < l->nr; k++) {
				if (l->runs[k].buf != b)
					continue;
				nr++;
				if (!first || l->runs[k].addr < first->addr)
					first = &l->runs[k];
			}
			if (!first)
				continue;
			if (i == 0)
				runs = nr;
			n += (size_t)snprintf(where + n, n < sizeof(where) ? sizeof(where) - n : 0,
					      "%s%s %#llx%s", n ? "; " : "",
					      i == 0 ? "physical" : l->shortname,
					      (unsigned long long)first->addr,
					      nr > 1 ? (i == 0 ? "" : " (and more)") : "");
		}
		fprintf(f, "<g class=\"legend-entry\" data-buffer=\"%u\">\n<rect x=\"10\" y=\"%.1f\" "
			"width=\"14\" height=\"14\" fill=\"%s\"/>\n<text x=\"32\" y=\"%.1f\" "
			"font-size=\"12\"><tspan font-weight=\"bold\">#%u</tspan> ", b, *y,
			colour(b, b1, sizeof(b1)), *y + 12, b);
		svg_xml_text(f, p->bufs[b].label);
		fprintf(f, "; %lu physical run%s</text>\n<text x=\"32\" y=\"%.1f\" font-size=\"10\" "
			"fill=\"#444\">", runs, runs == 1 ? "" : "s", *y + 25);
		svg_xml_text(f, where);
		fputs("</text>\n</g>\n", f);
		*y += 34;
	}
	if (!p->nr_bufs) {
		fprintf(f, "<text x=\"32\" y=\"%.1f\" font-size=\"12\">no live buffer</text>\n",
			*y + 12);
		*y += 20;
	}
	fprintf(f, "</g>\n");
}

DMAMAP_API int dmamap_svg_memory_map(struct dmamap_machine *m, FILE *out,
				     const struct dmamap_svg_options *opt)
{
	struct pic p = { .m = m };
	struct lane *phys;
	char *body = NULL;
	size_t body_len = 0;
	FILE *f;
	double y = 50;
	int ret;

	if (!m || !out)
		return -EINVAL;
	phys = new_lane(&p, LANE_PHYS, PAGE_SIZE);
	if (phys) {
		snprintf(phys->name, sizeof(phys->name), "physical memory");
		snprintf(phys->shortname, sizeof(phys->shortname), "physical");
		snprintf(phys->note, sizeof(phys->note), "bank by bank; one cell is a page of 4 KiB, "
			 "a row 1 MiB");
	}
	if (!p.err)
		make_device_lanes(&p);
	if (!p.err)
		gather_allocs(&p);
	if (!p.err)
		gather_iova(&p);
	if (!p.err)
		gather_swiotlb(&p);
	f = open_memstream(&body, &body_len);
	if (!f)
		p.err = -ENOMEM;
	for (unsigned int i = 0; i < p.nr_lanes && !p.err; i++)
		draw_lane(&p, f, &p.lanes[i], &y);
	if (!p.err)
		draw_legend(&p, f, &y);
	if (f && fclose(f))
		p.err = -ENOMEM;
	ret = p.err;
	if (!ret) {
		fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
			"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<title>", WIDTH,
			y + 20, WIDTH, y + 20);
		svg_xml_text(out, opt && opt->title ? opt->title : "Memory map");
		fprintf(out, "</title>\n<text x=\"10\" y=\"28\" font-size=\"18\" font-weight=\"bold\">");
		svg_xml_text(out, opt && opt->title ? opt->title : "Memory map");
		fprintf(out, "</text>\n");
		fwrite(body, 1, body_len, out);
		fprintf(out, "</svg>\n");
		if (fflush(out) || ferror(out))
			ret = -EIO;
	}
	free(body);
	for (unsigned int i = 0; i < p.nr_lanes; i++)
		free(p.lanes[i].runs);
	free(p.lanes);
	free(p.bufs);
	free(p.keys);
	free(p.vals);
	return ret;
}
