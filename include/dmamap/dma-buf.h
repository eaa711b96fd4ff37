/* SPDX-License-Identifier: MIT */
/*
 * Buffer sharing between devices, as in <linux/dma-buf.h>: an exporter
 * describes a buffer with struct dma_buf_ops; importers attach their device
 * and map the attachment to get an sg_table in their own DMA address space.
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

struct dma_buf_export_info {
	const char *exp_name;
	struct module *owner;
	const struct dma_buf_ops *ops;
	size_t size;
	int flags;
	struct dma_resv *resv;	/* NULL: the buffer gets a reservation of its own */
	void *priv;
};

/* Does the exporter move buffers (pin/unpin)? */
static inline bool dma_buf_is_dynamic(struct dma_buf *dmabuf)
{
	return !!dmabuf->ops->pin;
}

/* Did the importer attach with importer ops? */
static inline bool dma_buf_attachment_is_dynamic(struct dma_buf_attachment *attach)
{
	return !!attach->importer_ops;
}

#define DEFINE_DMA_BUF_EXPORT_INFO(name) \
	struct dma_buf_export_info name = { .exp_name = __FILE__ }

/* Return: the buffer with one reference, or ERR_PTR(-EINVAL / -ENOMEM). */
DMAMAP_API struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info);
DMAMAP_API void get_dma_buf(struct dma_buf *dmabuf);
/* Drops a reference; the exporter's release runs after the last one. */
DMAMAP_API void dma_buf_put(struct dma_buf *dmabuf);

/*
 * Attaching and detaching, mmap, CPU access and put take the reservation
 * themselves where they need it: the caller must not hold it (a call made
 * with it held is reported and refused with -EDEADLK where the kernel would
 * deadlock). Mapping, pinning and vmap want it held by the caller; their
 * _unlocked forms take it. A call that wants it and is made without it is
 * reported (the kernel's lockdep warning) and done under it all the same.
 */

/*
 * Return: the attachment, or ERR_PTR (-EINVAL, -ENOMEM, -EDEADLK, the
 * exporter's refusal, or the error of the mapping made at once when exactly
 * one of importer and exporter is dynamic).
 */
DMAMAP_API struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf, struct device *dev);
DMAMAP_API struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops, void *importer_priv);
/* Unmaps what the attachment still has mapped, then frees it. */
DMAMAP_API void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

/* Dynamic attachments: keep the buffer in place (reservation held). 0 or an errno. */
DMAMAP_API int dma_buf_pin(struct dma_buf_attachment *attach);
DMAMAP_API void dma_buf_unpin(struct dma_buf_attachment *attach);
/* The exporter moves the buffer: every dynamic importer's move_notify (reservation held). */
DMAMAP_API void dma_buf_move_notify(struct dma_buf *dmabuf);

/*
 * The table for the attachment's device (reservation held): a dynamic
 * exporter's buffer is pinned while mapped; a kept mapping is handed out
 * again (-EBUSY for another direction, unless it is bidirectional).
 * Return: the table, or ERR_PTR(-EINVAL / -ENOMEM / -EBUSY / ...).
 */
DMAMAP_API struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
						   enum dma_data_direction dir);
DMAMAP_API struct sg_table *dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
							    enum dma_data_direction dir);
DMAMAP_API void dma_buf_unmap_attachment(struct dma_buf_attachment *attach, struct sg_table *sgt,
					 enum dma_data_direction dir);
DMAMAP_API void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
						  struct sg_table *sgt,
						  enum dma_data_direction dir);

DMAMAP_API int dma_buf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);
DMAMAP_API int dma_buf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);
/*
 * Return: 0, -EINVAL (no mmap, past the end), -EOVERFLOW (offset overflow),
 * the exporter's error.
 */
DMAMAP_API int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma,
			    unsigned long pgoff);
/* One shared kernel mapping per buffer, counted (reservation held). */
DMAMAP_API int dma_buf_vmap(struct dma_buf *dmabuf, struct iosys_map *map);
DMAMAP_API void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map);
DMAMAP_API int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);
DMAMAP_API void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);

/*
 * The seed's use case as a ready-made exporter: a buffer of @size bytes
 * allocated on @exporter with dma_alloc_attrs(DMA_ATTR_NO_KERNEL_MAPPING |
 * @attrs). Each attachment is mapped for its own device through
 * dma_get_sgtable() + dma_map_sgtable(), so every importer gets addresses in
 * its own DMA address space, never the exporter's.
 * Return: the buffer, or ERR_PTR(-EINVAL / -ENOMEM).
 */
DMAMAP_API struct dma_buf *dmamap_dma_buf_alloc(struct device *exporter, size_t size,
						unsigned long attrs);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMA_BUF_H */
