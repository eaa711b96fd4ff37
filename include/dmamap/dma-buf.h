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
struct dma_buf_ops {
	/*
	 * Keep the first mapping of each attachment and hand it out again
	 * (not for a dynamic exporter).
	 */
	bool cache_sgt_mapping;
	/* 0, or a negative errno to refuse the device */
	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	/*
	 * A dynamic exporter (both or neither): keep the backing store where
	 * it is while pinned; 0 or a negative errno.
	 */
	int (*pin)(struct dma_buf_attachment *attach);
	void (*unpin)(struct dma_buf_attachment *attach);
	/* the table in the attachment device's DMA address space; ERR_PTR or NULL on failure */
	struct sg_table *(*map_dma_buf)(struct dma_buf_attachment *attach,
					enum dma_data_direction dir);
	void (*unmap_dma_buf)(struct dma_buf_attachment *attach, struct sg_table *sgt,
			      enum dma_data_direction dir);
	/* after the last reference is gone */
	void (*release)(struct dma_buf *dmabuf);
	int (*begin_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	int (*end_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	/* vma->vm_pgoff has been set to the page offset asked for */
	int (*mmap)(struct dma_buf *dmabuf, struct vm_area_struct *vma);
	int (*vmap)(struct dma_buf *dmabuf, struct iosys_map *map);
	void (*vunmap)(struct dma_buf *dmabuf, struct iosys_map *map);
};

struct dma_buf {
	size_t size;				/* read-only */
	const struct dma_buf_ops *ops;		/* read-only */
	const char *exp_name;			/* read-only */
	struct module *owner;			/* read-only: from the export info */
	void *priv;				/* the exporter's */
	unsigned int vmapping_counter;		/* read-only, under the reservation */
	struct iosys_map vmap_ptr;		/* read-only, under the reservation */
	struct dma_resv *resv;			/* read-only: the exporter's, or the buffer's own */
};

/* A dynamic importer's side (dma_buf_dynamic_attach()). */
struct dma_buf_attach_ops {
	bool allow_peer2peer;	/* the importer can take addresses of peer MMIO */
	/*
	 * Required: the exporter is moving the buffer (dma_buf_move_notify(),
	 * reservation held): mappings must be dropped and made again.
	 */
	void (*move_notify)(struct dma_buf_attachment *attach);
};

struct dma_buf_attachment {
	struct dma_buf *dmabuf;			/* read-only */
	struct device *dev;			/* read-only: the importer's device */
	struct sg_table *sgt;			/* read-only: the kept mapping, or NULL */
	enum dma_data_direction dir;		/* read-only: its direction */
	bool peer2peer;				/* read-only */
	const struct dma_buf_attach_ops *importer_ops;	/* read-only; NULL: static importer */
	void *importer_priv;			/* the importer's */
	void *priv;				/* the exporter's */
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
