/* SPDX-License-Identifier: MIT */
/*
 * Buffer sharing between devices, as in <linux/dma-buf.h>: an exporter
 * describes a buffer with struct dma_buf_ops; importers attach their device
 * and map the attachment to get an sg_table in their own DMA address space.
 *
 * Threads: every call may run from any thread, on one buffer from several at
 * once; the buffer's reservation (<dmamap/dma-resv.h>) orders what changes
 * its mappings, as in the kernel. Exporter ops run in the caller's thread:
 * attach, detach, release, mmap and the CPU-access ops with no lock of the
 * library held; map_dma_buf, unmap_dma_buf, pin, unpin, vmap and vunmap with
 * the reservation held (by the caller of dma_buf_map_attachment(), or taken
 * by the _unlocked calls and by the attach that maps at once for an importer
 * and exporter that do not both handle moves), as the kernel v6.12 does for
 * static and dynamic importers alike; move_notify with the reservation held.
 * A call the kernel wants made with the reservation held and made without it
 * is reported and takes it for its own duration; one made with it that must
 * not be is refused and reported (-EDEADLK where the call returns a
 * value). The ready-made exporter holds a lock of its buffer around the DMA
 * calls of its ops, inside the reservation. See docs/concurrency.md.
 */
#ifndef DMAMAP_DMA_BUF_H
#define DMAMAP_DMA_BUF_H

#include <dmamap/dma-mapping.h>
#include <dmamap/dma-resv.h>
#include <dmamap/iosys-map.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dma_buf;
struct dma_buf_attachment;
struct module;	/* the exporting module: the model has none (THIS_MODULE is NULL) */

/*
 * The exporter's operations. map_dma_buf, unmap_dma_buf and release are
 * required; the others are optional. Locking, as the kernel's convention:
 * attach, detach, release, begin_cpu_access, end_cpu_access and mmap are
 * called without the reservation held (they may take it); pin, unpin,
 * map_dma_buf, unmap_dma_buf, vmap and vunmap with it held (they must not).
 */
/**
 * struct dma_buf_ops - what an exporter does for its buffer
 * @cache_sgt_mapping: keep the first mapping of each attachment and hand it
 *	out again to later maps of it (not for a dynamic exporter)
 * @attach: a device attaches (dma_buf_attach(), dma_buf_dynamic_attach()):
 *	0, or a negative errno to refuse it. Called without the reservation,
 *	which it may take. Optional
 * @detach: the attachment goes (dma_buf_detach()), after its mappings are
 *	undone; called without the reservation. Optional
 * @pin: keep the backing store where it is while pinned (a dynamic
 *	exporter has both @pin and @unpin, others neither): 0 or a negative
 *	errno. Called with the reservation held
 * @unpin: undo one @pin; called with the reservation held
 * @map_dma_buf: the buffer as a table in the attachment's device's DMA
 *	address space, mapped for @dir; ERR_PTR() or NULL on failure. Called
 *	with the reservation held, for static and dynamic importers alike (as
 *	in the kernel v6.12). Required
 * @unmap_dma_buf: undo a @map_dma_buf with the table it returned; called
 *	with the reservation held. Required
 * @release: the last reference and the last attachment are gone: free the
 *	exporter's side. Called with no lock held. Required
 * @begin_cpu_access: the CPU is about to access the buffer in @dir (the
 *	exporter syncs for the CPU); 0 or a negative errno. Called without the
 *	reservation. Optional
 * @end_cpu_access: the CPU is done (the exporter syncs for the devices);
 *	called without the reservation. Optional
 * @mmap: map the buffer into a user VMA; vma->vm_pgoff has been set to the
 *	page offset asked for and checked against the size. Called without
 *	the reservation. Optional: without it dma_buf_mmap() fails with -EINVAL
 * @vmap: a CPU mapping of the whole buffer into @map; every dma_buf_vmap()
 *	of a buffer shares one, so this is called for the first only. Called
 *	with the reservation held. Optional
 * @vunmap: undo @vmap, at the last dma_buf_vunmap(); called with the
 *	reservation held. Optional
 *
 * Reports of misuse that the DMA calls of an op make while the reservation
 * is held are kept until the dma-buf core lets it go (see
 * <dmamap/debug.h>).
 */
struct dma_buf_ops {
	bool cache_sgt_mapping;
	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	int (*pin)(struct dma_buf_attachment *attach);
	void (*unpin)(struct dma_buf_attachment *attach);
	struct sg_table *(*map_dma_buf)(struct dma_buf_attachment *attach,
					enum dma_data_direction dir);
	void (*unmap_dma_buf)(struct dma_buf_attachment *attach, struct sg_table *sgt,
			      enum dma_data_direction dir);
	void (*release)(struct dma_buf *dmabuf);
	int (*begin_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	int (*end_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	int (*mmap)(struct dma_buf *dmabuf, struct vm_area_struct *vma);
	int (*vmap)(struct dma_buf *dmabuf, struct iosys_map *map);
	void (*vunmap)(struct dma_buf *dmabuf, struct iosys_map *map);
};

/**
 * struct dma_buf - a shared buffer, as dma_buf_export() returns it
 * @size: bytes; read-only
 * @ops: the exporter's operations; read-only
 * @exp_name: the exporter's name; read-only
 * @owner: the exporting module, from the export info; read-only
 * @priv: the exporter's data
 * @vmapping_counter: dma_buf_vmap() calls not yet undone; read-only, under
 *	the reservation
 * @vmap_ptr: the CPU mapping they share; read-only, under the reservation
 * @resv: the reservation: the exporter's, or the buffer's own; read-only
 */
struct dma_buf {
	size_t size;
	const struct dma_buf_ops *ops;
	const char *exp_name;
	struct module *owner;
	void *priv;
	unsigned int vmapping_counter;
	struct iosys_map vmap_ptr;
	struct dma_resv *resv;
};

/**
 * struct dma_buf_attach_ops - a dynamic importer's side
 * @allow_peer2peer: the importer can take the addresses of a peer's MMIO
 * @move_notify: the exporter is moving the buffer (dma_buf_move_notify()):
 *	the importer's mappings must be dropped and made again. Called in the
 *	mover's thread with the reservation held. Required
 *
 * Given to dma_buf_dynamic_attach(); an attachment without it is a static
 * importer's.
 */
struct dma_buf_attach_ops {
	bool allow_peer2peer;
	void (*move_notify)(struct dma_buf_attachment *attach);
};

/**
 * struct dma_buf_attachment - a device attached to a buffer
 * @dmabuf: the buffer; read-only
 * @dev: the importer's device; read-only
 * @sgt: the mapping kept for the attachment (made at attach time for an
 *	importer and exporter that do not both handle moves, or by
 *	&dma_buf_ops.cache_sgt_mapping), or NULL; read-only
 * @dir: the kept mapping's direction; read-only
 * @peer2peer: the importer takes peer MMIO addresses; read-only
 * @importer_ops: a dynamic importer's operations; NULL for a static
 *	importer; read-only
 * @importer_priv: the importer's data
 * @priv: the exporter's data
 */
struct dma_buf_attachment {
	struct dma_buf *dmabuf;
	struct device *dev;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	bool peer2peer;
	const struct dma_buf_attach_ops *importer_ops;
	void *importer_priv;
	void *priv;
};

/**
 * struct dma_buf_export_info - what dma_buf_export() makes a buffer of
 * @exp_name: the exporter's name (DEFINE_DMA_BUF_EXPORT_INFO() sets the file)
 * @owner: the exporting module (the model has none: THIS_MODULE is NULL)
 * @ops: the exporter's operations; map_dma_buf, unmap_dma_buf and release are
 *	required
 * @size: bytes, not 0
 * @flags: file flags, kept for the exporter
 * @resv: the reservation object to share; NULL: the buffer gets one of its own
 * @priv: the exporter's data (dma_buf->priv)
 */
struct dma_buf_export_info {
	const char *exp_name;
	struct module *owner;
	const struct dma_buf_ops *ops;
	size_t size;
	int flags;
	struct dma_resv *resv;	/* NULL: the buffer gets a reservation of its own */
	void *priv;
};

/**
 * dma_buf_is_dynamic - does the exporter move buffers?
 * @dmabuf: the buffer
 *
 * Return: true when its ops have pin (and unpin).
 */
static inline bool dma_buf_is_dynamic(struct dma_buf *dmabuf)
{
	return !!dmabuf->ops->pin;
}

/**
 * dma_buf_attachment_is_dynamic - did the importer attach with importer ops?
 * @attach: the attachment
 *
 * Return: true for an attachment of dma_buf_dynamic_attach() with ops.
 */
static inline bool dma_buf_attachment_is_dynamic(struct dma_buf_attachment *attach)
{
	return !!attach->importer_ops;
}

#define DEFINE_DMA_BUF_EXPORT_INFO(name) \
	struct dma_buf_export_info name = { .exp_name = __FILE__ }

/**
 * dma_buf_export - make a shareable buffer of an exporter's memory
 * @exp_info: what the buffer is
 *
 * A buffer the kernel would take and fail on later (no priv, a missing
 * map_dma_buf, unmap_dma_buf or release, pin without unpin, a dynamic exporter
 * asking for cached mappings, a size of 0) is refused and reported.
 *
 * Return: the buffer with one reference, or ERR_PTR(-EINVAL) or
 * ERR_PTR(-ENOMEM).
 */
DMAMAP_API struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info);

/**
 * get_dma_buf - take a reference to a buffer
 * @dmabuf: the buffer
 */
DMAMAP_API void get_dma_buf(struct dma_buf *dmabuf);

/**
 * dma_buf_put - drop a reference to a buffer
 * @dmabuf: the buffer
 *
 * The exporter's release runs after the last one. NULL, a buffer already
 * released and a put made with the reservation held are refused and reported.
 */
DMAMAP_API void dma_buf_put(struct dma_buf *dmabuf);

/*
 * Attaching and detaching, mmap, CPU access and put take the reservation
 * themselves where they need it: the caller must not hold it (a call made
 * with it held is reported and refused with -EDEADLK where the kernel would
 * deadlock). Mapping, pinning and vmap want it held by the caller; their
 * _unlocked forms take it. A call that wants it and is made without it is
 * reported (the kernel's lockdep warning) and done under it all the same.
 */

/**
 * dma_buf_attach - attach a device to a buffer, as a static importer
 * @dmabuf: the buffer
 * @dev: the importer's device
 *
 * Attaching and detaching, mmap, CPU access and put take the reservation
 * themselves where they need it: the caller must not hold it (a call made
 * with it held is reported and refused with -EDEADLK where the kernel would
 * deadlock). Mapping, pinning and vmap want it held by the caller; their
 * _unlocked forms take it. A call that wants it and is made without it is
 * reported (the kernel's lockdep warning) and done under it all the same.
 *
 * Return: the attachment, or ERR_PTR (-EINVAL, -ENOMEM, -EDEADLK, the
 * exporter's refusal, or the error of the mapping made at once when exactly
 * one of importer and exporter is dynamic).
 */
DMAMAP_API struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf, struct device *dev);

/**
 * dma_buf_dynamic_attach - attach a device to a buffer, as a dynamic importer
 * @dmabuf: the buffer
 * @dev: the importer's device
 * @importer_ops: the importer's move_notify and peer-to-peer ability; NULL: a
 *	static importer, as dma_buf_attach()
 * @importer_priv: the importer's data (attach->importer_priv)
 *
 * Return: the attachment, or ERR_PTR as dma_buf_attach().
 */
DMAMAP_API struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops, void *importer_priv);

/**
 * dma_buf_detach - detach a device from a buffer
 * @dmabuf: the buffer
 * @attach: the attachment
 *
 * Unmaps what the attachment still has mapped, then frees it. The caller must
 * not hold the reservation.
 */
DMAMAP_API void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

/**
 * dma_buf_pin - keep a dynamic exporter's buffer in place
 * @attach: a dynamic attachment
 *
 * The reservation must be held.
 *
 * Return: 0, or the exporter's negative errno.
 */
DMAMAP_API int dma_buf_pin(struct dma_buf_attachment *attach);

/**
 * dma_buf_unpin - let the exporter move the buffer again
 * @attach: the attachment dma_buf_pin() was given
 */
DMAMAP_API void dma_buf_unpin(struct dma_buf_attachment *attach);

/**
 * dma_buf_move_notify - tell the importers the buffer moves
 * @dmabuf: the buffer
 *
 * Calls every dynamic importer's move_notify, with the reservation held (the
 * caller holds it): their mappings must be dropped and made again.
 */
DMAMAP_API void dma_buf_move_notify(struct dma_buf *dmabuf);

/**
 * dma_buf_map_attachment - the buffer in the attachment device's DMA address space
 * @attach: the attachment
 * @dir: the direction of the device's accesses
 *
 * The reservation must be held. A dynamic exporter's buffer is pinned while
 * mapped; a kept mapping (cache_sgt_mapping) is handed out again.
 *
 * Return: the table, or ERR_PTR(-EINVAL / -ENOMEM / -EBUSY (a kept mapping of
 * another direction, unless it is bidirectional) / the exporter's error).
 */
DMAMAP_API struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
						   enum dma_data_direction dir);

/**
 * dma_buf_map_attachment_unlocked - dma_buf_map_attachment() taking the reservation
 * @attach: the attachment
 * @dir: the direction
 *
 * Return: the table, or ERR_PTR as dma_buf_map_attachment().
 */
DMAMAP_API struct sg_table *dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
							    enum dma_data_direction dir);

/**
 * dma_buf_unmap_attachment - undo dma_buf_map_attachment()
 * @attach: the attachment
 * @sgt: the table returned
 * @dir: the direction given
 *
 * The reservation must be held.
 */
DMAMAP_API void dma_buf_unmap_attachment(struct dma_buf_attachment *attach, struct sg_table *sgt,
					 enum dma_data_direction dir);

/**
 * dma_buf_unmap_attachment_unlocked - dma_buf_unmap_attachment() taking the reservation
 * @attach: the attachment
 * @sgt: the table returned
 * @dir: the direction given
 */
DMAMAP_API void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
						  struct sg_table *sgt,
						  enum dma_data_direction dir);

/**
 * dma_buf_begin_cpu_access - the CPU is about to access the buffer
 * @dmabuf: the buffer
 * @dir: what the CPU will do
 *
 * The exporter makes the buffer current for the CPU (on the model, the cache
 * maintenance of its mappings). The caller must not hold the reservation.
 *
 * Return: 0; -EINVAL (bad arguments); -EDEADLK (the reservation held); the
 * exporter's negative errno.
 */
DMAMAP_API int dma_buf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);

/**
 * dma_buf_end_cpu_access - the CPU is done with the buffer
 * @dmabuf: the buffer
 * @dir: what the CPU did
 *
 * Return: as dma_buf_begin_cpu_access().
 */
DMAMAP_API int dma_buf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);

/**
 * dma_buf_mmap - map the buffer into a user VMA
 * @dmabuf: the buffer
 * @vma: the VMA
 * @pgoff: the first page of the buffer to map
 *
 * Return: 0, -EINVAL (no mmap, past the end), -EOVERFLOW (offset overflow),
 * the exporter's error.
 */
DMAMAP_API int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma,
			    unsigned long pgoff);

/**
 * dma_buf_vmap - a kernel mapping of the whole buffer
 * @dmabuf: the buffer
 * @map: where the mapping is stored
 *
 * One shared mapping per buffer, counted; the reservation must be held.
 *
 * Return: 0, -EINVAL (no vmap), or the exporter's negative errno.
 */
DMAMAP_API int dma_buf_vmap(struct dma_buf *dmabuf, struct iosys_map *map);

/**
 * dma_buf_vunmap - drop a reference to the kernel mapping
 * @dmabuf: the buffer
 * @map: the mapping dma_buf_vmap() stored
 */
DMAMAP_API void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map);

/**
 * dma_buf_vmap_unlocked - dma_buf_vmap() taking the reservation
 * @dmabuf: the buffer
 * @map: where the mapping is stored
 *
 * Return: as dma_buf_vmap().
 */
DMAMAP_API int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);

/**
 * dma_buf_vunmap_unlocked - dma_buf_vunmap() taking the reservation
 * @dmabuf: the buffer
 * @map: the mapping
 */
DMAMAP_API void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);

/**
 * dmamap_dma_buf_alloc - a ready-made exporter of a coherent buffer
 * @exporter: the device the buffer is allocated on
 * @size: bytes
 * @attrs: DMA_ATTR_* added to DMA_ATTR_NO_KERNEL_MAPPING
 *
 * A buffer of @size bytes allocated on @exporter with
 * dma_alloc_attrs(DMA_ATTR_NO_KERNEL_MAPPING | @attrs). Each attachment is
 * mapped for its own device through dma_get_sgtable() + dma_map_sgtable(), so
 * every importer gets addresses in its own DMA address space, never the
 * exporter's.
 *
 * Return: the buffer, or ERR_PTR(-EINVAL / -ENOMEM).
 */
DMAMAP_API struct dma_buf *dmamap_dma_buf_alloc(struct device *exporter, size_t size,
						unsigned long attrs);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMA_BUF_H */
