// SPDX-License-Identifier: MIT
/*
 * The dma-buf core: export, references, attachments, mapping, CPU access,
 * mmap and vmap, with the kernel's rules, its reservation lock and its
 * locking convention for static and dynamic importers and exporters (see
 * <dmamap/dma-buf.h>).
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma/debug.h"
#include "dma/device.h"
#include "mm/fail.h"
#include "dma-buf/internal.h"
#include "lib/lockdep.h"

/*
 * The caller's site, for what the exporter's ops (the DMA API calls they
 * make) report: taken at the top of an entry point, made the debugger's
 * call (see DEBUG_CALL()) once the objects are known to be live, ended at
 * every return.
 */
#define BUF_CALL_SITE()								\
	const void *debug_site_ = __builtin_return_address(0);			\
	bool debug_outer_ __attribute__((cleanup(debug_call_cleanup))) = false
#define BUF_CALL_BEGIN(m)	(debug_outer_ = debug_call_enter_machine((m), &debug_site_))

struct dmabuf_priv {
	struct dma_buf buf;
	u64 refcount;				/* atomic */
	struct dmamap_machine *machine;		/* for reports; may be NULL */
	struct dma_resv own_resv;		/* buf.resv unless the exporter gave one */
	/*
	 * Guards the attachments list, for the walks made without the
	 * reservation (a detach racing a detach); taken inside the reservation,
	 * never around an exporter op.
	 */
	pthread_mutex_t lock;
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
	struct list_head maps;			/* tables mapped, under the reservation */
	struct attach_map first;		/* the first map's record: no allocation */
	bool first_used;			/* under the reservation */
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
	struct reg_entry *e = mm_kmalloc_host(NULL, sizeof(*e));

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
	lockdep_assert_held(&reg_lock);
	for (struct reg_entry *e = reg[reg_hash(p)]; e; e = e->next)
		if (e->p == p)
			return true;
	return false;
}

/*
 * The reservation, held around the exporter's ops that the kernel calls
 * locked (map, unmap, pin, unpin, vmap, vunmap): the reports those make
 * wait for the unlock (see mm_report_hold()), since the handler may call
 * the library.
 */
static void ops_enter(void)
{
	mm_report_hold();
}

static void ops_exit(void)
{
	mm_report_release();
}

/*
 * The reservation taken by the core itself: reports made while it is held
 * wait for the unlock, so a handler may call the dma-buf API (which would
 * otherwise find the reservation held by its own thread).
 */
static void core_resv_lock(struct dma_buf *b)
{
	mm_report_hold();
	dma_resv_lock(b->resv, NULL);
}

static void core_resv_unlock(struct dma_buf *b)
{
	dma_resv_unlock(b->resv);
	mm_report_release();
}

/* A caller's mistake, refused: reported (kind DMAMAP_DEBUG_MISUSE) with no lock held. */
static void misuse(struct dmamap_machine *m, struct device *dev, const char *fmt, const void *p)
{
	mm_debug_report(m, dev, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL, fmt, p);
}

static void misuse_fn(struct dmamap_machine *m, struct device *dev, const char *fmt,
		      const char *fn, const void *p)
{
	mm_debug_report(m, dev, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL, fmt, fn, p);
}

/*
 * The calls the kernel wants made with the reservation held
 * (dma_buf_map_attachment(), dma_buf_vmap(), ...): when the caller does not
 * hold it, that is reported (lockdep's splat in the kernel) and the call
 * takes it for its own duration, so nothing races. Returns whether it was
 * taken here (to be released by resv_leave()).
 */
static bool resv_enter(struct dmabuf_priv *bp, struct device *dev, const char *fn)
{
	if (dma_resv_held(bp->buf.resv))
		return false;
	misuse_fn(dev ? dev->machine : bp->machine, dev,
		  "%s: the reservation lock of dma-buf %p is not held (use the _unlocked call, "
		  "or dma_resv_lock() around it)", fn, &bp->buf);
	core_resv_lock(&bp->buf);
	return true;
}

static void resv_leave(struct dmabuf_priv *bp, bool taken)
{
	if (taken)
		core_resv_unlock(&bp->buf);
}

/*
 * The calls the kernel wants made without it (attach, detach, mmap, CPU
 * access, put, the _unlocked calls): a caller holding it would deadlock or
 * free a lock it holds; refused and reported. True when the call may go on.
 */
static bool resv_not_held(struct dmabuf_priv *bp, struct device *dev, const char *fn)
{
	if (!dma_resv_held(bp->buf.resv))
		return true;
	misuse_fn(dev ? dev->machine : bp->machine, dev,
		  "%s: called with the reservation lock of dma-buf %p held; refused", fn, &bp->buf);
	return false;
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

/* Is @a still on @b's list? */
static bool attached(struct dmabuf_priv *bp, struct dma_buf_attachment *a)
{
	struct attach_priv *ap;
	bool found = false;

	pthread_mutex_lock(&bp->lock);
	list_for_each_entry(ap, &bp->attachments, node) {
		if (&ap->a == a) {
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&bp->lock);
	return found;
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
	if (ops->cache_sgt_mapping && (ops->pin || ops->unpin)) {
		mm_report(NULL, "dma_buf_export: %s: a dynamic exporter (pin/unpin) cannot ask for "
			  "cached mappings", exp_info->exp_name ? exp_info->exp_name : "?");
		return ERR_PTR(-EINVAL);
	}
	if (!ops->pin != !ops->unpin) {
		mm_report(NULL, "dma_buf_export: %s: pin and unpin go together",
			  exp_info->exp_name ? exp_info->exp_name : "?");
		return ERR_PTR(-EINVAL);
	}
	if (!exp_info->size) {
		mm_report(NULL, "dma_buf_export: %s: size 0",
			  exp_info->exp_name ? exp_info->exp_name : "?");
		return ERR_PTR(-EINVAL);
	}
	bp = mm_kzalloc(NULL, sizeof(*bp));
	if (!bp)
		return ERR_PTR(-ENOMEM);
	bp->buf.size = exp_info->size;
	bp->buf.ops = ops;
	bp->buf.exp_name = exp_info->exp_name;
	bp->buf.owner = exp_info->owner;
	bp->buf.priv = exp_info->priv;
	if (exp_info->resv) {
		bp->buf.resv = exp_info->resv;
	} else {
		dma_resv_init(&bp->own_resv);
		bp->buf.resv = &bp->own_resv;
	}
	bp->refcount = 1;
	pthread_mutex_init(&bp->lock, NULL);
	INIT_LIST_HEAD(&bp->attachments);
	if (reg_add(&bp->buf)) {
		pthread_mutex_destroy(&bp->lock);
		if (!exp_info->resv)
			dma_resv_fini(&bp->own_resv);
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
	if (bp->buf.resv == &bp->own_resv)
		dma_resv_fini(&bp->own_resv);
	free(bp);
}

static void buf_put(struct dmabuf_priv *bp)
{
	u64 c = READ_ONCE(bp->refcount);

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
	BUF_CALL_SITE();
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
	if (!resv_not_held(to_priv(dmabuf), NULL, "dma_buf_put"))
		return;
	/* the last put frees the exporter's buffer: its free is the caller's */
	BUF_CALL_BEGIN(to_priv(dmabuf)->machine);
	buf_put(to_priv(dmabuf));
}

/* --- attachments --------------------------------------------------------------- */

/*
 * The exporter's table for @attach, as __map_dma_buf(): under the
 * reservation; ERR_PTR on failure. DMA segments that are not page aligned
 * are refused (importers may rely on them being aligned).
 */
static struct sg_table *map_locked(struct dma_buf *b, struct dma_buf_attachment *attach,
				   enum dma_data_direction dir)
{
	struct sg_table *sgt;
	struct scatterlist *sg;
	unsigned int i;

	lockdep_assert(dma_resv_held(b->resv));
	ops_enter();
	sgt = b->ops->map_dma_buf(attach, dir);
	if (!sgt)
		sgt = ERR_PTR(-ENOMEM);
	if (!IS_ERR(sgt)) {
		for_each_sgtable_dma_sg(sgt, sg, i) {
			if (!PAGE_ALIGNED(sg_dma_address(sg)) || !PAGE_ALIGNED(sg_dma_len(sg))) {
				b->ops->unmap_dma_buf(attach, sgt, dir);
				sgt = ERR_PTR(-EINVAL);
				break;
			}
		}
	}
	ops_exit();
	if (PTR_ERR(sgt) == -EINVAL)
		misuse(to_priv(b)->machine, NULL, "dma_buf_map_attachment: the exporter of %p "
		       "returned a segment that is not page aligned; refused", b);
	return sgt;
}

static void unmap_locked(struct dma_buf *b, struct dma_buf_attachment *attach,
			 struct sg_table *sgt, enum dma_data_direction dir)
{
	lockdep_assert(dma_resv_held(b->resv));
	ops_enter();
	b->ops->unmap_dma_buf(attach, sgt, dir);
	ops_exit();
}

static int pin_locked(struct dma_buf_attachment *attach)
{
	int ret;

	lockdep_assert(dma_resv_held(attach->dmabuf->resv));
	ops_enter();
	ret = attach->dmabuf->ops->pin(attach);
	ops_exit();
	return ret;
}

static void unpin_locked(struct dma_buf_attachment *attach)
{
	lockdep_assert(dma_resv_held(attach->dmabuf->resv));
	ops_enter();
	attach->dmabuf->ops->unpin(attach);
	ops_exit();
}

DMAMAP_API struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops, void *importer_priv)
{
	BUF_CALL_SITE();
	struct dmabuf_priv *bp;
	struct attach_priv *ap;
	int ret;

	if (!dmabuf || !dev)
		return ERR_PTR(-EINVAL);
	if (importer_ops && !importer_ops->move_notify) {
		misuse(dev->machine, dev, "dma_buf_dynamic_attach: importer ops without "
		       "move_notify on %p", dmabuf);
		return ERR_PTR(-EINVAL);
	}
	if (!buf_get_live(dmabuf)) {
		misuse(dev->machine, dev, "dma_buf_attach: %p is not a live dma-buf", dmabuf);
		return ERR_PTR(-EINVAL);
	}
	BUF_CALL_BEGIN(dev->machine);
	bp = to_priv(dmabuf);
	if (!resv_not_held(bp, dev, "dma_buf_attach")) {
		ret = -EDEADLK;
		goto out_put;
	}
	ap = mm_kzalloc(dev->machine, sizeof(*ap));
	if (!ap) {
		ret = -ENOMEM;
		goto out_put;
	}
	ap->a.dmabuf = dmabuf;
	ap->a.dev = dev;
	ap->a.importer_ops = importer_ops;
	ap->a.importer_priv = importer_priv;
	ap->a.peer2peer = importer_ops && importer_ops->allow_peer2peer;
	INIT_LIST_HEAD(&ap->maps);
	/* the exporter's attach runs unlocked: it may take the reservation */
	if (dmabuf->ops->attach) {
		ret = dmabuf->ops->attach(dmabuf, &ap->a);
		if (ret)
			goto out_free;
	}
	core_resv_lock(dmabuf);
	pthread_mutex_lock(&bp->lock);
	list_add_tail(&ap->node, &bp->attachments);
	/* reports about a buffer no machine exported are charged to its first importer's */
	if (!bp->machine)
		bp->machine = dev->machine;
	pthread_mutex_unlock(&bp->lock);
	reg_add_entry(&ap->reg, &ap->a);
	/*
	 * An importer and an exporter that do not both handle moves: the
	 * mapping is made now and kept (pinned, for a dynamic exporter), as the
	 * kernel does to keep map calls out of the reservation's way.
	 */
	if (dma_buf_attachment_is_dynamic(&ap->a) != dma_buf_is_dynamic(dmabuf)) {
		struct sg_table *sgt;

		if (dma_buf_is_dynamic(dmabuf)) {
			ret = pin_locked(&ap->a);
			if (ret)
				goto out_unlock;
		}
		sgt = map_locked(dmabuf, &ap->a, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt)) {
			ret = (int)PTR_ERR(sgt);
			if (dma_buf_is_dynamic(dmabuf))
				unpin_locked(&ap->a);
			goto out_unlock;
		}
		ap->a.sgt = sgt;
		ap->a.dir = DMA_BIDIRECTIONAL;
	}
	core_resv_unlock(dmabuf);
	/* the reference taken above now belongs to the attachment */
	return &ap->a;

out_unlock:
	core_resv_unlock(dmabuf);
	dma_buf_detach(dmabuf, &ap->a);		/* drops the attachment's reference */
	return ERR_PTR(ret);
out_free:
	free(ap);
out_put:
	buf_put(bp);
	return ERR_PTR(ret);
}

DMAMAP_API struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf, struct device *dev)
{
	DEBUG_CALL(dev);

	return dma_buf_dynamic_attach(dmabuf, dev, NULL, NULL);
}

DMAMAP_API void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	BUF_CALL_SITE();
	struct dmabuf_priv *bp;
	struct attach_priv *ap;
	struct attach_map *am, *n;
	struct dma_buf *b;
	bool mine;

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
	BUF_CALL_BEGIN(attach->dev->machine);
	bp = to_priv(b);
	ap = to_apriv(attach);
	if (!resv_not_held(bp, attach->dev, "dma_buf_detach")) {
		buf_put(bp);
		return;
	}
	core_resv_lock(b);
	pthread_mutex_lock(&bp->lock);
	mine = reg_take(attach) != NULL;	/* a racing detach may have won */
	if (mine)
		list_del_init(&ap->node);
	pthread_mutex_unlock(&bp->lock);
	if (!mine) {
		core_resv_unlock(b);
		buf_put(bp);
		return;
	}
	if (attach->sgt) {
		unmap_locked(b, attach, attach->sgt, attach->dir);
		if (dma_buf_is_dynamic(b))
			unpin_locked(attach);
	}
	/* tables the importer left mapped go with the attachment */
	list_for_each_entry_safe(am, n, &ap->maps, node) {
		unmap_locked(b, attach, am->sgt, am->dir);
		if (dma_buf_is_dynamic(b))
			unpin_locked(attach);
		list_del_init(&am->node);
		if (am != &ap->first)
			free(am);
	}
	core_resv_unlock(b);
	if (b->ops->detach)
		b->ops->detach(b, attach);
	free(ap);
	buf_put(bp);	/* the lookup's reference */
	buf_put(bp);	/* the attachment's reference */
}

/*
 * The record of a map, under the reservation: the one inside the
 * attachment when it is free (an importer usually maps one table at a
 * time), else an allocated one.
 */
static struct attach_map *map_record_get(struct attach_priv *ap)
{
	lockdep_assert(dma_resv_held(ap->a.dmabuf->resv));
	if (!ap->first_used) {
		ap->first_used = true;
		return &ap->first;
	}
	return mm_kzalloc(NULL, sizeof(struct attach_map));
}

static void map_record_put(struct attach_priv *ap, struct attach_map *am)
{
	if (am == &ap->first)
		ap->first_used = false;
	else
		free(am);
}

DMAMAP_API int dma_buf_pin(struct dma_buf_attachment *attach)
{
	struct dma_buf *b;
	bool taken;
	int ret = 0;

	if (!attach || !(b = attach_get_live(attach)))
		return -EINVAL;
	if (!dma_buf_attachment_is_dynamic(attach)) {
		misuse(attach->dev->machine, attach->dev, "dma_buf_pin: %p is not a dynamic "
		       "attachment", attach);
		ret = -EINVAL;
	} else {
		taken = resv_enter(to_priv(b), attach->dev, "dma_buf_pin");
		if (b->ops->pin)
			ret = pin_locked(attach);
		resv_leave(to_priv(b), taken);
	}
	buf_put(to_priv(b));
	return ret;
}

DMAMAP_API void dma_buf_unpin(struct dma_buf_attachment *attach)
{
	struct dma_buf *b;
	bool taken;

	if (!attach || !(b = attach_get_live(attach)))
		return;
	if (!dma_buf_attachment_is_dynamic(attach)) {
		misuse(attach->dev->machine, attach->dev, "dma_buf_unpin: %p is not a dynamic "
		       "attachment", attach);
	} else {
		taken = resv_enter(to_priv(b), attach->dev, "dma_buf_unpin");
		if (b->ops->unpin)
			unpin_locked(attach);
		resv_leave(to_priv(b), taken);
	}
	buf_put(to_priv(b));
}

DMAMAP_API void dma_buf_move_notify(struct dma_buf *dmabuf)
{
	struct dmabuf_priv *bp;
	struct attach_priv *ap;
	bool taken;

	if (!dmabuf || !buf_get_live(dmabuf))
		return;
	bp = to_priv(dmabuf);
	taken = resv_enter(bp, NULL, "dma_buf_move_notify");
	/* the list changes only under the reservation, which is held */
	list_for_each_entry(ap, &bp->attachments, node)
		if (ap->a.importer_ops)
			ap->a.importer_ops->move_notify(&ap->a);
	resv_leave(bp, taken);
	buf_put(bp);
}

DMAMAP_API struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
						   enum dma_data_direction dir)
{
	BUF_CALL_SITE();
	struct dma_buf *b;
	struct dmabuf_priv *bp;
	struct attach_map *am;
	struct sg_table *sgt;
	bool taken;

	if (!attach)
		return ERR_PTR(-EINVAL);
	b = attach_get_live(attach);
	if (!b) {
		misuse(NULL, NULL,
		       "dma_buf_map_attachment: %p is not a live attachment (detached?)",
		       attach);
		return ERR_PTR(-EINVAL);
	}
	BUF_CALL_BEGIN(attach->dev->machine);
	bp = to_priv(b);
	if (!valid_dma_direction(dir)) {
		misuse(attach->dev->machine, attach->dev,
		       "dma_buf_map_attachment: invalid direction on %p", attach);
		buf_put(bp);
		return ERR_PTR(-EINVAL);
	}
	taken = resv_enter(bp, attach->dev, "dma_buf_map_attachment");
	if (!attached(bp, attach)) {
		resv_leave(bp, taken);
		misuse(attach->dev->machine, attach->dev, "dma_buf_map_attachment: %p was detached",
		       attach);
		sgt = ERR_PTR(-EINVAL);
		goto out_put;
	}
	if (attach->sgt) {
		/* the kept mapping: one direction per attachment */
		sgt = attach->dir != dir && attach->dir != DMA_BIDIRECTIONAL ? ERR_PTR(-EBUSY)
									     : attach->sgt;
		goto out_unlock;
	}
	am = map_record_get(to_apriv(attach));
	if (!am) {
		sgt = ERR_PTR(-ENOMEM);
		goto out_unlock;
	}
	/* without move notification, a dynamic exporter's buffer is pinned while mapped */
	if (dma_buf_is_dynamic(b)) {
		int ret = pin_locked(attach);

		if (ret) {
			map_record_put(to_apriv(attach), am);
			sgt = ERR_PTR(ret);
			goto out_unlock;
		}
	}
	sgt = map_locked(b, attach, dir);
	if (IS_ERR(sgt)) {
		if (dma_buf_is_dynamic(b))
			unpin_locked(attach);
		map_record_put(to_apriv(attach), am);
		goto out_unlock;
	}
	if (b->ops->cache_sgt_mapping) {
		attach->sgt = sgt;
		attach->dir = dir;
		map_record_put(to_apriv(attach), am);	/* undone by detach, as the kept one */
	} else {
		am->sgt = sgt;
		am->dir = dir;
		list_add_tail(&am->node, &to_apriv(attach)->maps);
	}
out_unlock:
	resv_leave(bp, taken);
out_put:
	buf_put(bp);
	return sgt;
}

DMAMAP_API struct sg_table *dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
							    enum dma_data_direction dir)
{
	struct dma_buf *b;
	struct sg_table *sgt;

	if (!attach || !(b = attach_get_live(attach))) {
		misuse(NULL, NULL, "dma_buf_map_attachment_unlocked: %p is not a live attachment",
		       attach);
		return ERR_PTR(-EINVAL);
	}
	if (!resv_not_held(to_priv(b), attach->dev, "dma_buf_map_attachment_unlocked")) {
		buf_put(to_priv(b));
		return ERR_PTR(-EDEADLK);
	}
	core_resv_lock(b);
	sgt = dma_buf_map_attachment(attach, dir);
	core_resv_unlock(b);
	buf_put(to_priv(b));
	return sgt;
}

DMAMAP_API void dma_buf_unmap_attachment(struct dma_buf_attachment *attach, struct sg_table *sgt,
					 enum dma_data_direction dir)
{
	BUF_CALL_SITE();
	struct dma_buf *b;
	struct dmabuf_priv *bp;
	struct attach_map *am, *found = NULL;
	enum dma_data_direction mapped_dir = dir;
	bool taken;

	if (!attach || IS_ERR_OR_NULL(sgt))
		return;
	b = attach_get_live(attach);
	if (!b) {
		misuse(NULL, NULL, "dma_buf_unmap_attachment: %p is not a live attachment", attach);
		return;
	}
	BUF_CALL_BEGIN(attach->dev->machine);
	bp = to_priv(b);
	taken = resv_enter(bp, attach->dev, "dma_buf_unmap_attachment");
	if (attach->sgt == sgt) {
		/* the kept mapping stays until detach */
		resv_leave(bp, taken);
		buf_put(bp);
		return;
	}
	list_for_each_entry(am, &to_apriv(attach)->maps, node) {
		if (am->sgt == sgt) {
			found = am;
			break;
		}
	}
	if (found) {
		mapped_dir = found->dir;
		list_del_init(&found->node);
		unmap_locked(b, attach, sgt, found->dir);
		if (dma_buf_is_dynamic(b))
			unpin_locked(attach);
		map_record_put(to_apriv(attach), found);
	}
	resv_leave(bp, taken);
	if (found && mapped_dir != dir)
		misuse(attach->dev->machine, attach->dev,
		       "dma_buf_unmap_attachment: direction differs from the map of %p", attach);
	if (!found)
		misuse(attach->dev->machine, attach->dev,
		       "dma_buf_unmap_attachment: table %p is not mapped "
		       "(unmapped twice?); refused", sgt);
	buf_put(bp);
}

DMAMAP_API void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
						  struct sg_table *sgt,
						  enum dma_data_direction dir)
{
	struct dma_buf *b;

	if (!attach || IS_ERR_OR_NULL(sgt))
		return;
	b = attach_get_live(attach);
	if (!b) {
		misuse(NULL, NULL, "dma_buf_unmap_attachment_unlocked: %p is not a live attachment",
		       attach);
		return;
	}
	if (resv_not_held(to_priv(b), attach->dev, "dma_buf_unmap_attachment_unlocked")) {
		core_resv_lock(b);
		dma_buf_unmap_attachment(attach, sgt, dir);
		core_resv_unlock(b);
	}
	buf_put(to_priv(b));
}

/* --- CPU access -------------------------------------------------------------------- */

static int cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir, bool begin,
		      const void *site)
{
	int (*fn)(struct dma_buf *, enum dma_data_direction);
	bool outer;
	int ret = 0;

	if (!dmabuf || !buf_get_live(dmabuf))
		return -EINVAL;
	outer = debug_call_enter_machine(to_priv(dmabuf)->machine, &site);
	if (!valid_dma_direction(dir)) {
		buf_put(to_priv(dmabuf));
		return -EINVAL;
	}
	if (!resv_not_held(to_priv(dmabuf), NULL, begin ? "dma_buf_begin_cpu_access" :
							     "dma_buf_end_cpu_access")) {
		buf_put(to_priv(dmabuf));
		return -EDEADLK;
	}
	fn = begin ? dmabuf->ops->begin_cpu_access : dmabuf->ops->end_cpu_access;
	if (fn)
		ret = fn(dmabuf, dir);
	buf_put(to_priv(dmabuf));
	debug_call_exit(outer);
	return ret;
}

DMAMAP_API int dma_buf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return cpu_access(dmabuf, dir, true, __builtin_return_address(0));
}

DMAMAP_API int dma_buf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return cpu_access(dmabuf, dir, false, __builtin_return_address(0));
}

DMAMAP_API int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma, unsigned long pgoff)
{
	int ret;

	if (!dmabuf || !vma || !buf_get_live(dmabuf))
		return -EINVAL;
	if (!resv_not_held(to_priv(dmabuf), NULL, "dma_buf_mmap"))
		ret = -EDEADLK;
	else if (!dmabuf->ops->mmap)
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
	bool taken;
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
	taken = resv_enter(bp, NULL, "dma_buf_vmap");
	if (dmabuf->vmapping_counter) {
		/* every vmap of a buffer shares one mapping */
		dmabuf->vmapping_counter++;
		*map = dmabuf->vmap_ptr;
		goto out_unlock;
	}
	iosys_map_clear(&ptr);
	ops_enter();
	ret = dmabuf->ops->vmap(dmabuf, &ptr);
	ops_exit();
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
	resv_leave(bp, taken);
out_put:
	buf_put(bp);
	return ret;
}

DMAMAP_API int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map)
{
	int ret;

	if (!map)
		return -EINVAL;
	iosys_map_clear(map);
	if (!dmabuf || !buf_get_live(dmabuf))
		return -EINVAL;
	if (!resv_not_held(to_priv(dmabuf), NULL, "dma_buf_vmap_unlocked")) {
		buf_put(to_priv(dmabuf));
		return -EDEADLK;
	}
	core_resv_lock(dmabuf);
	ret = dma_buf_vmap(dmabuf, map);
	core_resv_unlock(dmabuf);
	buf_put(to_priv(dmabuf));
	return ret;
}

DMAMAP_API void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dmabuf_priv *bp;
	const char *err = NULL;
	bool taken;

	if (!dmabuf || !map || !buf_get_live(dmabuf))
		return;
	bp = to_priv(dmabuf);
	taken = resv_enter(bp, NULL, "dma_buf_vunmap");
	if (!dmabuf->vmapping_counter) {
		err = "dma_buf_vunmap: %p is not vmapped; refused";
	} else if (!iosys_map_is_equal(&dmabuf->vmap_ptr, map)) {
		err = "dma_buf_vunmap: the mapping given is not the one of %p; refused";
	} else if (--dmabuf->vmapping_counter == 0) {
		ops_enter();
		if (dmabuf->ops->vunmap)
			dmabuf->ops->vunmap(dmabuf, map);
		ops_exit();
		iosys_map_clear(&dmabuf->vmap_ptr);
	}
	resv_leave(bp, taken);
	if (err)
		misuse(bp->machine, NULL, err, dmabuf);
	buf_put(bp);
}

DMAMAP_API void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map)
{
	if (!dmabuf || !map || !buf_get_live(dmabuf))
		return;
	if (resv_not_held(to_priv(dmabuf), NULL, "dma_buf_vunmap_unlocked")) {
		core_resv_lock(dmabuf);
		dma_buf_vunmap(dmabuf, map);
		core_resv_unlock(dmabuf);
	}
	buf_put(to_priv(dmabuf));
}
