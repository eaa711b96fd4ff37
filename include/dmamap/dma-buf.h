/* SPDX-License-Identifier: MIT */
/*
 * Buffer sharing between devices, as in <linux/dma-buf.h>: an exporter
 * describes a buffer with struct dma_buf_ops; importers attach their device
 * and map the attachment to get an sg_table in their own DMA address space.
 */
#ifndef DMAMAP_DMA_BUF_H
#define DMAMAP_DMA_BUF_H

#include <dmamap/dma-mapping.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dma_buf;
struct dma_buf_attachment;

/* A kernel-virtual mapping of a buffer, as <linux/iosys-map.h>. */
struct iosys_map {
	void *vaddr;
	bool is_iomem;
};

static inline void iosys_map_clear(struct iosys_map *map)
{
	map->vaddr = NULL;
	map->is_iomem = false;
}

static inline bool iosys_map_is_null(const struct iosys_map *map)
{
	return !map->vaddr;
}

static inline bool iosys_map_is_set(const struct iosys_map *map)
{
	return !!map->vaddr;
}

static inline bool iosys_map_is_equal(const struct iosys_map *a, const struct iosys_map *b)
{
	return a->vaddr == b->vaddr && a->is_iomem == b->is_iomem;
}

static inline void iosys_map_set_vaddr(struct iosys_map *map, void *vaddr)
{
	map->vaddr = vaddr;
	map->is_iomem = false;
}

/*
 * The exporter's operations. map_dma_buf, unmap_dma_buf and release are
 * required; the others are optional.
 */
struct dma_buf_ops {
	/* 0, or a negative errno to refuse the device */
	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
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
	void *priv;				/* the exporter's */
	unsigned int vmapping_counter;		/* read-only, under the buffer's lock */
	struct iosys_map vmap_ptr;		/* read-only, under the buffer's lock */
};

struct dma_buf_attachment {
	struct dma_buf *dmabuf;			/* read-only */
	struct device *dev;			/* read-only: the importer's device */
	void *priv;				/* the exporter's */
	void *importer_priv;			/* the importer's */
};

struct dma_buf_export_info {
	const char *exp_name;
	const struct dma_buf_ops *ops;
	size_t size;
	int flags;
	void *priv;
};

#define DEFINE_DMA_BUF_EXPORT_INFO(name) \
	struct dma_buf_export_info name = { .exp_name = __FILE__ }

/* Return: the buffer with one reference, or ERR_PTR(-EINVAL / -ENOMEM). */
DMAMAP_API struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info);
DMAMAP_API void get_dma_buf(struct dma_buf *dmabuf);
/* Drops a reference; the exporter's release runs after the last one. */
DMAMAP_API void dma_buf_put(struct dma_buf *dmabuf);

/* Return: the attachment, or ERR_PTR (-EINVAL, -ENOMEM, or the exporter's refusal). */
DMAMAP_API struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf, struct device *dev);
DMAMAP_API void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

/* Return: the table for the attachment's device, or ERR_PTR(-EINVAL / -ENOMEM / ...). */
DMAMAP_API struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
						   enum dma_data_direction dir);
DMAMAP_API void dma_buf_unmap_attachment(struct dma_buf_attachment *attach, struct sg_table *sgt,
					 enum dma_data_direction dir);

DMAMAP_API int dma_buf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);
DMAMAP_API int dma_buf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);
/*
 * Return: 0, -EINVAL (no mmap, past the end), -EOVERFLOW (offset overflow),
 * the exporter's error.
 */
DMAMAP_API int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma,
			    unsigned long pgoff);
DMAMAP_API int dma_buf_vmap(struct dma_buf *dmabuf, struct iosys_map *map);
DMAMAP_API void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map);

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
