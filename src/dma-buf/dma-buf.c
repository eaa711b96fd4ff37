// SPDX-License-Identifier: MIT
/*
 * The dma-buf core: export, references, attachments, mapping, CPU access,
 * mmap and vmap, with the kernel's rules.
 *
 * Where the kernel would WARN or BUG on a caller's mistake (a buffer put
 * after its release, an attachment mapped after detach, a table unmapped
 * twice, an unbalanced vunmap), the call is refused, reported and counted,
 * and nothing changes. To tell a live object from a freed one without
 * touching freed memory, live buffers and attachments are kept in a registry.
 *
 * One difference from the kernel: an attachment holds a reference on its
 * buffer (the kernel relies on the importer holding the file), so a buffer
 * is released after the last put and the last detach, whatever their order.
 */
#include <dmamap/dma-buf.h>

#include <stdlib.h>
#include <string.h>

#include "dma/device.h"
#include "dma-buf/internal.h"

struct dmabuf_priv {
	struct dma_buf buf;
	u64 refcount;				/* atomic */
	struct dmamap_machine *machine;		/* for reports; may be NULL */
	pthread_mutex_t lock;			/* guards attachments, vmap state */
	struct list_head attachments;		/* struct attach_priv.node */
};

struct attach_map {
	struct sg_table *sgt;
	enum dma_data_direction dir;
	struct list_head node;
};

struct reg_entry {
	const void *p;
	struct reg_entry *next;
};

struct attach_priv {
	struct dma_buf_attachment a;
	struct list_head node;			/* buffer's attachments, under its lock */
	struct list_head maps;			/* tables mapped, under the buffer's lock */
	struct attach_map first;		/* the first map's record: no allocation */
	bool first_used;			/* under the buffer's lock */
	struct reg_entry reg;			/* the attachment's place in the registry */
};

static inline struct dmabuf_priv *to_priv(struct dma_buf *b)
{
	return container_of(b, struct dmabuf_priv, buf);
}

static inline struct attach_priv *to_apriv(struct dma_buf_attachment *a)
{
	return container_of(a, struct attach_priv, a);
}

/* --- the registry of live objects ---------------------------------------- */

#define REG_BUCKETS 1024

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reg_entry *reg[REG_BUCKETS];	/* guarded by reg_lock */

static unsigned int reg_hash(const void *p)
{
	return (unsigned int)((((unsigned long)p >> 4) * 0x9E3779B97F4A7C15ULL) >> 54) % REG_BUCKETS;
}

/* Registers @p with the entry @e, which the caller provides. */
static void reg_add_entry(struct reg_entry *e, const void *p)
{
	e->p = p;
	pthread_mutex_lock(&reg_lock);
	e->next = reg[reg_hash(p)];
	reg[reg_hash(p)] = e;
	pthread_mutex_unlock(&reg_lock);
}

static int reg_add(const void *p)
{
	struct reg_entry *e = malloc(sizeof(*e));

	if (!e)
		return -ENOMEM;
	reg_add_entry(e, p);
	return 0;
}

/* Takes @p out of the registry: its entry, or NULL when it was not there. */
static struct reg_entry *reg_take(const void *p)
{
	struct reg_entry **pp, *e = NULL;

	pthread_mutex_lock(&reg_lock);
	for (pp = &reg[reg_hash(p)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->p == p) {
			e = *pp;
			*pp = e->next;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return e;
}

static bool reg_del(const void *p)
{
	struct reg_entry *e = reg_take(p);

	free(e);
	return e != NULL;
}

/* under reg_lock */
static bool reg_has_locked(const void *p)
{
	for (struct reg_entry *e = reg[reg_hash(p)]; e; e = e->next)
		if (e->p == p)
			return true;
	return false;
}

/*
 * The buffer's lock is held around the exporter's ops, which call the DMA
 * API: the reports they make wait for the unlock (see mm_report_hold()).
 */
static void buf_lock(struct dmabuf_priv *bp)
{
	mm_report_hold();
	pthread_mutex_lock(&bp->lock);
}

static void buf_unlock(struct dmabuf_priv *bp)
{
	pthread_mutex_unlock(&bp->lock);
	mm_report_release();
}

/* A caller's mistake, refused: reported (kind DMAMAP_DEBUG_MISUSE) with no lock held. */
static void misuse(struct dmamap_machine *m, struct device *dev, const char *fmt, const void *p)
{
	mm_debug_report(m, dev, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL, fmt, p);
}

/*
 * A reference on a live buffer, or false. Taking it under the registry lock
 * keeps the buffer from being released in between.
 */
static bool buf_get_live(struct dma_buf *b)
{
	bool live;

	pthread_mutex_lock(&reg_lock);
	live = reg_has_locked(b);
	if (live)
		__atomic_fetch_add(&to_priv(b)->refcount, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&reg_lock);
	return live;
}

/* The attachment's buffer, referenced, if the attachment is live; else NULL. */
static struct dma_buf *attach_get_live(struct dma_buf_attachment *a)
{
	struct dma_buf *b = NULL;

	pthread_mutex_lock(&reg_lock);
	if (reg_has_locked(a)) {
		b = a->dmabuf;
		__atomic_fetch_add(&to_priv(b)->refcount, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&reg_lock);
	return b;
}

/* Is @a still on @b's list? Under b's lock. */
static bool attached_locked(struct dmabuf_priv *bp, struct dma_buf_attachment *a)
{
	struct attach_priv *ap;

	list_for_each_entry(ap, &bp->attachments, node)
		if (&ap->a == a)
			return true;
	return false;
}

/* --- buffers ---------------------------------------------------------------- */

DMAMAP_API struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info)
{
	const struct dma_buf_ops *ops;
	struct dmabuf_priv *bp;

	if (!exp_info)
		return ERR_PTR(-EINVAL);
	ops = exp_info->ops;
	if (!exp_info->priv || !ops || !ops->map_dma_buf || !ops->unmap_dma_buf || !ops->release) {
		mm_report(NULL, "dma_buf_export: %s: priv and the map_dma_buf, unmap_dma_buf and "
			  "release ops are required", exp_info->exp_name ? exp_info->exp_name : "?");
		return ERR_PTR(-EINVAL);
	}
	if (!exp_info->size) {
		mm_report(NULL, "dma_buf_export: %s: size 0",
			  exp_info->exp_name ? exp_info->exp_name : "?");
		return ERR_PTR(-EINVAL);
	}
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return ERR_PTR(-ENOMEM);
	bp->buf.size = exp_info->size;
	bp->buf.ops = ops;
	bp->buf.exp_name = exp_info->exp_name;
	bp->buf.priv = exp_info->priv;
	bp->refcount = 1;
	pthread_mutex_init(&bp->lock, NULL);
	INIT_LIST_HEAD(&bp->attachments);
	if (reg_add(&bp->buf)) {
		pthread_mutex_destroy(&bp->lock);
		free(bp);
		return ERR_PTR(-ENOMEM);
	}
	return &bp->buf;
}

/* For reports about the buffer's devices; the ready-made exporter sets it. */
void dma_buf_set_machine(struct dma_buf *dmabuf, struct dmamap_machine *m)
{
	to_priv(dmabuf)->machine = m;
}

DMAMAP_API void get_dma_buf(struct dma_buf *dmabuf)
{
	if (!dmabuf || !buf_get_live(dmabuf))
		misuse(NULL, NULL, "get_dma_buf: %p is not a live dma-buf", dmabuf);
}

static void buf_release(struct dmabuf_priv *bp)
{
	reg_del(&bp->buf);
	if (bp->buf.vmapping_counter)
		misuse(bp->machine, NULL, "dma-buf %p released while still vmapped", &bp->buf);
	bp->buf.ops->release(&bp->buf);
	pthread_mutex_destroy(&bp->lock);
	free(bp);
}

static void buf_put(struct dmabuf_priv *bp)
{
	u64 c = __atomic_load_n(&bp->refcount, __ATOMIC_RELAXED);

	/*
	 * A put that leaves a reference behind cannot be the last one, and
	 * release needs nothing from it: one compare-and-swap, as long as the
	 * count it saw stays above one. Only a put that may reach zero takes the
	 * registry lock, which orders the last put with buf_get_live(): nobody
	 * can take a new reference once the count reaches zero under it.
	 */
	while (c > 1) {
		if (__atomic_compare_exchange_n(&bp->refcount, &c, c - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return;
	}
	pthread_mutex_lock(&reg_lock);
	if (__atomic_sub_fetch(&bp->refcount, 1, __ATOMIC_ACQ_REL) != 0) {
		pthread_mutex_unlock(&reg_lock);
		return;
	}
	pthread_mutex_unlock(&reg_lock);
	buf_release(bp);
}

DMAMAP_API void dma_buf_put(struct dma_buf *dmabuf)
{
	bool live;

	if (!dmabuf) {
		misuse(NULL, NULL, "dma_buf_put: %p", dmabuf);
		return;
	}
	pthread_mutex_lock(&reg_lock);
	live = reg_has_locked(dmabuf);
	pthread_mutex_unlock(&reg_lock);
	if (!live) {
		misuse(NULL, NULL, "dma_buf_put: %p is not a live dma-buf (put after release?)",
		       dmabuf);
		return;
	}
	buf_put(to_priv(dmabuf));
}

/* --- attachments --------------------------------------------------------------- */

DMAMAP_API struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf, struct device *dev)
{
	struct dmabuf_priv *bp;
	struct attach_priv *ap;
	int ret;

	if (!dmabuf || !dev)
		return ERR_PTR(-EINVAL);
	if (!buf_get_live(dmabuf)) {
		misuse(dev->machine, dev, "dma_buf_attach: %p is not a live dma-buf", dmabuf);
		return ERR_PTR(-EINVAL);
	}
	bp = to_priv(dmabuf);
	ap = calloc(1, sizeof(*ap));
	if (!ap) {
		ret = -ENOMEM;
		goto out_put;
	}
	ap->a.dmabuf = dmabuf;
	ap->a.dev = dev;
	INIT_LIST_HEAD(&ap->maps);
	buf_lock(bp);
	if (dmabuf->ops->attach) {
		ret = dmabuf->ops->attach(dmabuf, &ap->a);
		if (ret) {
			buf_unlock(bp);
			goto out_free;
		}
	}
	reg_add_entry(&ap->reg, &ap->a);
	list_add_tail(&ap->node, &bp->attachments);
	buf_unlock(bp);
	/* the reference taken above now belongs to the attachment */
	return &ap->a;

out_free:
	free(ap);
out_put:
	buf_put(bp);
	return ERR_PTR(ret);
}

DMAMAP_API void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct dmabuf_priv *bp;
	struct attach_priv *ap;
	struct attach_map *am, *n;
	struct dma_buf *b;

	if (!dmabuf || !attach)
		return;
	b = attach_get_live(attach);
	if (!b || b != dmabuf) {
		misuse(NULL, NULL, "dma_buf_detach: %p is not a live attachment of this dma-buf",
		       attach);
		if (b)
			buf_put(to_priv(b));
		return;
	}
	bp = to_priv(b);
	ap = to_apriv(attach);
	buf_lock(bp);
	if (!attached_locked(bp, attach) || !reg_take(attach)) {
		/* a racing detach won */
		buf_unlock(bp);
		buf_put(bp);
		return;
	}
	list_del_init(&ap->node);
	/* tables the importer left mapped go with the attachment, as in the kernel */
	list_for_each_entry_safe(am, n, &ap->maps, node) {
		b->ops->unmap_dma_buf(attach, am->sgt, am->dir);
		list_del_init(&am->node);
		if (am != &ap->first)
			free(am);
	}
	if (b->ops->detach)
		b->ops->detach(b, attach);
	buf_unlock(bp);
	free(ap);
	buf_put(bp);	/* the lookup's reference */
	buf_put(bp);	/* the attachment's reference */
}

/*
 * The record of a map, under the buffer's lock: the one inside the
 * attachment when it is free (an importer usually maps one table at a
 * time), else an allocated one.
 */
static struct attach_map *map_record_get(struct attach_priv *ap)
{
	if (!ap->first_used) {
		ap->first_used = true;
		return &ap->first;
	}
	return calloc(1, sizeof(struct attach_map));
}

static void map_record_put(struct attach_priv *ap, struct attach_map *am)
{
	if (am == &ap->first)
		ap->first_used = false;
	else
		free(am);
}

DMAMAP_API struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
						   enum dma_data_direction dir)
{
	struct dma_buf *b;
	struct dmabuf_priv *bp;
	struct attach_map *am;
	struct sg_table *sgt;
	struct scatterlist *sg;
	unsigned int i;

	if (!attach)
		return ERR_PTR(-EINVAL);
	b = attach_get_live(attach);
	if (!b) {
		misuse(NULL, NULL,
		       "dma_buf_map_attachment: %p is not a live attachment (detached?)",
		       attach);
		return ERR_PTR(-EINVAL);
	}
	bp = to_priv(b);
	if (!valid_dma_direction(dir)) {
		misuse(attach->dev->machine, attach->dev,
		       "dma_buf_map_attachment: invalid direction on %p",
		       attach);
		sgt = ERR_PTR(-EINVAL);
		goto out_put;
	}
	buf_lock(bp);
	if (!attached_locked(bp, attach)) {
		buf_unlock(bp);
		misuse(attach->dev->machine, attach->dev, "dma_buf_map_attachment: %p was detached",
		       attach);
		sgt = ERR_PTR(-EINVAL);
		goto out_put;
	}
	am = map_record_get(to_apriv(attach));
	if (!am) {
		buf_unlock(bp);
		sgt = ERR_PTR(-ENOMEM);
		goto out_put;
	}
	sgt = b->ops->map_dma_buf(attach, dir);
	if (!sgt)
		sgt = ERR_PTR(-ENOMEM);
	if (IS_ERR(sgt)) {
		map_record_put(to_apriv(attach), am);
		buf_unlock(bp);
		goto out_put;
	}
	/* importers may rely on page-aligned DMA segments */
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (!PAGE_ALIGNED(sg_dma_address(sg)) || !PAGE_ALIGNED(sg_dma_len(sg))) {
			b->ops->unmap_dma_buf(attach, sgt, dir);
			map_record_put(to_apriv(attach), am);
			buf_unlock(bp);
			misuse(bp->machine, NULL, "dma_buf_map_attachment: the exporter of %p "
			       "returned "
			       "a segment that is not page aligned; refused", b);
			sgt = ERR_PTR(-EINVAL);
			goto out_put;
		}
	}
	am->sgt = sgt;
	am->dir = dir;
	list_add_tail(&am->node, &to_apriv(attach)->maps);
	buf_unlock(bp);
out_put:
	buf_put(bp);
	return sgt;
}

DMAMAP_API void dma_buf_unmap_attachment(struct dma_buf_attachment *attach, struct sg_table *sgt,
					 enum dma_data_direction dir)
{
	struct dma_buf *b;
	struct dmabuf_priv *bp;
	struct attach_map *am, *found = NULL;

	if (!attach || IS_ERR_OR_NULL(sgt))
		return;
	b = attach_get_live(attach);
	if (!b) {
		misuse(NULL, NULL, "dma_buf_unmap_attachment: %p is not a live attachment", attach);
		return;
	}
	bp = to_priv(b);
	buf_lock(bp);
	list_for_each_entry(am, &to_apriv(attach)->maps, node) {
		if (am->sgt == sgt) {
			found = am;
			break;
		}
	}
	if (found) {
		if (found->dir != dir)
			misuse(attach->dev->machine, attach->dev,
			       "dma_buf_unmap_attachment: direction differs from the "
			       "map of %p", attach);
		list_del_init(&found->node);
		b->ops->unmap_dma_buf(attach, sgt, found->dir);
		map_record_put(to_apriv(attach), found);
	}
	buf_unlock(bp);
	if (!found)
		misuse(attach->dev->machine, attach->dev,
		       "dma_buf_unmap_attachment: table %p is not mapped "
		       "(unmapped twice?); refused", sgt);
	buf_put(bp);
}

/* --- CPU access -------------------------------------------------------------------- */

static int cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir, bool begin)
{
	int (*fn)(struct dma_buf *, enum dma_data_direction);
	int ret = 0;

	if (!dmabuf || !buf_get_live(dmabuf))
		return -EINVAL;
	if (!valid_dma_direction(dir)) {
		buf_put(to_priv(dmabuf));
		return -EINVAL;
	}
	fn = begin ? dmabuf->ops->begin_cpu_access : dmabuf->ops->end_cpu_access;
	if (fn)
		ret = fn(dmabuf, dir);
	buf_put(to_priv(dmabuf));
	return ret;
}

DMAMAP_API int dma_buf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return cpu_access(dmabuf, dir, true);
}

DMAMAP_API int dma_buf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return cpu_access(dmabuf, dir, false);
}

DMAMAP_API int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma, unsigned long pgoff)
{
	int ret;

	if (!dmabuf || !vma || !buf_get_live(dmabuf))
		return -EINVAL;
	if (!dmabuf->ops->mmap)
		ret = -EINVAL;
	else if (pgoff + vma_pages(vma) < pgoff)
		ret = -EOVERFLOW;
	else if (pgoff + vma_pages(vma) > dmabuf->size >> PAGE_SHIFT)
		ret = -EINVAL;
	else {
		vma->vm_pgoff = pgoff;
		ret = dmabuf->ops->mmap(dmabuf, vma);
	}
	buf_put(to_priv(dmabuf));
	return ret;
}

DMAMAP_API int dma_buf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dmabuf_priv *bp;
	struct iosys_map ptr;
	int ret = 0;

	if (!map)
		return -EINVAL;
	iosys_map_clear(map);
	if (!dmabuf || !buf_get_live(dmabuf))
		return -EINVAL;
	bp = to_priv(dmabuf);
	if (!dmabuf->ops->vmap) {
		ret = -EINVAL;
		goto out_put;
	}
	buf_lock(bp);
	if (dmabuf->vmapping_counter) {
		/* every vmap of a buffer shares one mapping */
		dmabuf->vmapping_counter++;
		*map = dmabuf->vmap_ptr;
		goto out_unlock;
	}
	iosys_map_clear(&ptr);
	ret = dmabuf->ops->vmap(dmabuf, &ptr);
	if (ret)
		goto out_unlock;
	if (iosys_map_is_null(&ptr)) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	dmabuf->vmap_ptr = ptr;
	dmabuf->vmapping_counter = 1;
	*map = ptr;
out_unlock:
	buf_unlock(bp);
out_put:
	buf_put(bp);
	return ret;
}

DMAMAP_API void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dmabuf_priv *bp;
	const char *err = NULL;

	if (!dmabuf || !map || !buf_get_live(dmabuf))
		return;
	bp = to_priv(dmabuf);
	buf_lock(bp);
	if (!dmabuf->vmapping_counter)
		err = "dma_buf_vunmap: %p is not vmapped; refused";
	else if (!iosys_map_is_equal(&dmabuf->vmap_ptr, map))
		err = "dma_buf_vunmap: the mapping given is not the one of %p; refused";
	else if (--dmabuf->vmapping_counter == 0) {
		if (dmabuf->ops->vunmap)
			dmabuf->ops->vunmap(dmabuf, map);
		iosys_map_clear(&dmabuf->vmap_ptr);
	}
	buf_unlock(bp);
	if (err)
		misuse(bp->machine, NULL, err, dmabuf);
	buf_put(bp);
}
