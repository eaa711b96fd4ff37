// SPDX-License-Identifier: MIT
/*
 * The ready-made exporter: the seed's use case.
 *
 * The backing store is allocated on the exporting device with
 * DMA_ATTR_NO_KERNEL_MAPPING, so it costs no kernel VA window. Each
 * attachment gets its own sg_table from dma_get_sgtable() on the exporter,
 * and map_dma_buf maps that table with dma_map_sgtable() on the attachment's
 * device: every importer gets addresses in its own DMA address space
 * (through its own IOMMU, or its own mask and offset, bounced if it must
 * be), and the exporter's DMA address never leaves this file.
 *
 * Every importer maps the same pages: the maps skip the CPU sync, and the
 * exporter syncs each table itself right after its map and before its
 * unmap, as drm_gem_map_dma_buf() leaves it to CPU access, so that the
 * debugger sees one buffer shared on purpose, not mappings that happen to
 * share cache lines. CPU access syncs every mapped attachment, as Linux's
 * heaps do, each in a direction its mapping allows (the caller's, unless
 * the attachment was mapped for one direction only): writes back first,
 * invalidates after, so that no CPU write is dropped before it is written
 * back for another importer. mmap is
 * dma_mmap_attrs(); a kernel mapping is built in the VA window only when
 * dma_buf_vmap() asks for one.
 *
 * The exporter's description of the pages does not change while the buffer
 * lives, so dma_get_sgtable() is asked once, at the first attachment, and
 * kept as one flat array of entries; each attachment gets a fresh copy of
 * that array: attaching does not look up every page again. A detached
 * attachment (nothing of it mapped any more) is kept as the buffer's spare
 * and the next attachment overwrites its entries from the template, so a
 * buffer attached and detached over and over allocates nothing.
 */
#include <dmamap/dma-buf.h>

#include <stdlib.h>
#include <string.h>

#include "dma/device.h"
#include "mm/fail.h"
#include "mm/vmalloc.h"
#include "dma-buf/internal.h"
#include "lib/lockdep.h"

struct heap_buffer {
	struct device *exporter;
	size_t size;
	unsigned long attrs;		/* DMA_ATTR_NO_KERNEL_MAPPING and the caller's */
	void *cookie;
	dma_addr_t dma;			/* the exporter's own address: never handed out */
	pthread_mutex_t lock;		/* guards attachments, vaddr, pages, tmpl, spare */
	struct scatterlist *tmpl;	/* dma_get_sgtable()'s entries: immutable once set */
	unsigned int tmpl_nents;
	struct heap_attachment *spare;	/* a detached attachment, for the next one */
	struct list_head attachments;
	void *vaddr;			/* dma_buf_vmap() mapping, or NULL */
	struct page **pages;		/* behind vaddr */
};

struct heap_attachment {
	struct device *dev;
	struct sg_table table;		/* this importer's copy of the pages: sgl[] */
	bool mapped;
	enum dma_data_direction dir;	/* of the map, while mapped */
	struct list_head node;		/* buffer->attachments, under buffer->lock */
	struct scatterlist sgl[];	/* tmpl_nents entries, one array */
};

#define HEAP_ATTRS (DMA_ATTR_WRITE_COMBINE | DMA_ATTR_FORCE_CONTIGUOUS | \
		    DMA_ATTR_ALLOC_SINGLE_PAGES | DMA_ATTR_NO_WARN | DMA_ATTR_PRIVILEGED | \
		    DMA_ATTR_NO_KERNEL_MAPPING)

/* Held around DMA calls: their reports wait for the unlock (see mm_report_hold()). */
static void heap_lock(struct heap_buffer *hb)
{
	mm_report_hold();
	pthread_mutex_lock(&hb->lock);
}

static void heap_unlock(struct heap_buffer *hb)
{
	pthread_mutex_unlock(&hb->lock);
	mm_report_release();
}

/*
 * The template: the exporter's table of the buffer's pages as one array,
 * asked of the exporter the first time (under hb->lock): no address of the
 * exporter's goes in.
 */
static int heap_make_template(struct heap_buffer *hb)
{
	struct scatterlist *from, *tmpl;
	struct sg_table t;
	unsigned int i;
	int ret;

	lockdep_assert_held(&hb->lock);
	ret = dma_get_sgtable_attrs(hb->exporter, &t, hb->cookie, hb->dma, hb->size, hb->attrs);
	if (ret)
		return ret;
	tmpl = t.orig_nents ? mm_kcalloc(hb->exporter->machine, t.orig_nents, sizeof(*tmpl)) : NULL;
	if (!tmpl) {
		sg_free_table(&t);
		return -ENOMEM;
	}
	for_each_sg(t.sgl, from, t.orig_nents, i)
		sg_set_page(&tmpl[i], sg_page(from), from->length, from->offset);
	sg_mark_end(&tmpl[t.orig_nents - 1]);
	hb->tmpl_nents = t.orig_nents;
	hb->tmpl = tmpl;
	sg_free_table(&t);
	return 0;
}

static int heap_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct heap_buffer *hb = dmabuf->priv;
	struct heap_attachment *a = NULL;
	unsigned int n;
	int ret = 0;

	if (attach->dev->machine != hb->exporter->machine)
		return -EINVAL;
	heap_lock(hb);
	if (!hb->tmpl)
		ret = heap_make_template(hb);
	if (!ret && hb->spare) {
		/*
		 * On the list at once, unmapped: CPU access skips it, and nothing
		 * else looks at an attachment before the core returns it.
		 */
		a = hb->spare;
		hb->spare = NULL;
		a->mapped = false;
		list_add_tail(&a->node, &hb->attachments);
	}
	heap_unlock(hb);
	if (ret)
		return ret;
	/* the template never changes once made, and the lock above ordered us after it */
	n = hb->tmpl_nents;
	if (!a) {
		a = mm_kmalloc_host(hb->exporter->machine, sizeof(*a) + n * sizeof(a->sgl[0]));
		if (!a)
			return -ENOMEM;
		a->mapped = false;
		heap_lock(hb);
		list_add_tail(&a->node, &hb->attachments);
		heap_unlock(hb);
	}
	/* every field of every entry from the template: nothing of a previous use is left */
	memcpy(a->sgl, hb->tmpl, n * sizeof(a->sgl[0]));
	a->table.sgl = a->sgl;
	a->table.nents = n;
	a->table.orig_nents = n;
	a->dev = attach->dev;
	attach->priv = a;
	return 0;
}

/* The core unmapped what the importer left mapped before it detaches. */
static void heap_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct heap_buffer *hb = dmabuf->priv;
	struct heap_attachment *a = attach->priv;

	heap_lock(hb);
	list_del_init(&a->node);
	if (!hb->spare) {
		hb->spare = a;
		a = NULL;
	}
	heap_unlock(hb);
	free(a);
}

static struct sg_table *heap_map_dma_buf(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct heap_buffer *hb = attach->dmabuf->priv;
	struct heap_attachment *a = attach->priv;
	int ret;

	heap_lock(hb);
	if (a->mapped) {
		/* the table holds one set of DMA addresses */
		heap_unlock(hb);
		return ERR_PTR(-EBUSY);
	}
	ret = dma_map_sgtable(attach->dev, &a->table, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (!ret) {
		dma_sync_sgtable_for_device(attach->dev, &a->table, dir);
		a->mapped = true;
		a->dir = dir;
	}
	heap_unlock(hb);
	return ret ? ERR_PTR(ret) : &a->table;
}

static void heap_unmap_dma_buf(struct dma_buf_attachment *attach, struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	struct heap_buffer *hb = attach->dmabuf->priv;
	struct heap_attachment *a = attach->priv;

	heap_lock(hb);
	a->mapped = false;
	dma_sync_sgtable_for_cpu(attach->dev, sgt, dir);
	dma_unmap_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	heap_unlock(hb);
}

static int heap_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir, bool begin)
{
	struct heap_buffer *hb = dmabuf->priv;
	struct heap_attachment *a;

	heap_lock(hb);
	/* to the devices: the syncs that write back (pass 0) before those that invalidate */
	for (int pass = 0; pass < (begin ? 1 : 2); pass++) {
		list_for_each_entry(a, &hb->attachments, node) {
			enum dma_data_direction d = a->dir == DMA_BIDIRECTIONAL ? dir : a->dir;

			if (!a->mapped)
				continue;
			if (begin)
				dma_sync_sgtable_for_cpu(a->dev, &a->table, d);
			else if ((d == DMA_FROM_DEVICE) == (pass == 1))
				dma_sync_sgtable_for_device(a->dev, &a->table, d);
		}
	}
	heap_unlock(hb);
	return 0;
}

static int heap_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return heap_cpu_access(dmabuf, dir, true);
}

static int heap_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return heap_cpu_access(dmabuf, dir, false);
}

static int heap_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct heap_buffer *hb = dmabuf->priv;

	return dma_mmap_attrs(hb->exporter, vma, hb->cookie, hb->dma, hb->size, hb->attrs);
}

static int heap_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct heap_buffer *hb = dmabuf->priv;
	struct dmamap_machine *m = hb->exporter->machine;
	unsigned int count = (unsigned int)(PAGE_ALIGN(hb->size) >> PAGE_SHIFT), n = 0;
	struct scatterlist *sg;
	struct sg_table t;
	struct page **pages;
	unsigned int i;
	void *vaddr;
	int ret;

	pages = mm_kcalloc(m, count, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	ret = dma_get_sgtable_attrs(hb->exporter, &t, hb->cookie, hb->dma, hb->size, hb->attrs);
	if (ret)
		goto out_free;
	for_each_sgtable_sg(&t, sg, i)
		for (unsigned int p = 0; p < sg->length >> PAGE_SHIFT && n < count; p++)
			pages[n++] = sg_page(sg) + p;
	sg_free_table(&t);
	vaddr = mm_vmap(m, pages, n, DMAMAP_PGPROT_WRITECOMBINE);
	if (!vaddr) {
		ret = -ENOMEM;
		goto out_free;
	}
	heap_lock(hb);
	hb->vaddr = vaddr;
	hb->pages = pages;
	heap_unlock(hb);
	iosys_map_set_vaddr(map, vaddr);
	return 0;

out_free:
	free(pages);
	return ret;
}

static void heap_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct heap_buffer *hb = dmabuf->priv;

	heap_lock(hb);
	mm_vunmap(hb->exporter->machine, map->vaddr);
	free(hb->pages);
	hb->pages = NULL;
	hb->vaddr = NULL;
	heap_unlock(hb);
}

static void heap_release(struct dma_buf *dmabuf)
{
	struct heap_buffer *hb = dmabuf->priv;

	free(hb->spare);
	free(hb->tmpl);
	dma_free_attrs(hb->exporter, hb->size, hb->cookie, hb->dma, hb->attrs);
	pthread_mutex_destroy(&hb->lock);
	free(hb);
}

static const struct dma_buf_ops heap_ops = {
	.attach			= heap_attach,
	.detach			= heap_detach,
	.map_dma_buf		= heap_map_dma_buf,
	.unmap_dma_buf		= heap_unmap_dma_buf,
	.release		= heap_release,
	.begin_cpu_access	= heap_begin_cpu_access,
	.end_cpu_access		= heap_end_cpu_access,
	.mmap			= heap_mmap,
	.vmap			= heap_vmap,
	.vunmap			= heap_vunmap,
};

DMAMAP_API struct dma_buf *dmamap_dma_buf_alloc(struct device *exporter, size_t size,
						unsigned long attrs)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct heap_buffer *hb;
	struct dma_buf *dmabuf;

	if (!exporter || !size || !PAGE_ALIGN(size) || (attrs & ~HEAP_ATTRS))
		return ERR_PTR(-EINVAL);
	/*
	 * Whole pages, as the kernel's heaps allocate: every table of the
	 * buffer then ends on a page, which importers need (an IOMMU
	 * exporter's table of 10000 bytes ended mid-page, and no importer could
	 * map it).
	 */
	size = PAGE_ALIGN(size);
	hb = mm_kzalloc(exporter->machine, sizeof(*hb));
	if (!hb)
		return ERR_PTR(-ENOMEM);
	hb->exporter = exporter;
	hb->size = size;
	hb->attrs = attrs | DMA_ATTR_NO_KERNEL_MAPPING;
	pthread_mutex_init(&hb->lock, NULL);
	INIT_LIST_HEAD(&hb->attachments);
	hb->cookie = dma_alloc_attrs(exporter, size, &hb->dma, GFP_KERNEL, hb->attrs);
	if (!hb->cookie) {
		pthread_mutex_destroy(&hb->lock);
		free(hb);
		return ERR_PTR(-ENOMEM);
	}
	exp_info.exp_name = "dmamap-heap";
	exp_info.ops = &heap_ops;
	exp_info.size = size;
	exp_info.priv = hb;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		dma_free_attrs(exporter, size, hb->cookie, hb->dma, hb->attrs);
		pthread_mutex_destroy(&hb->lock);
		free(hb);
		return dmabuf;
	}
	dma_buf_set_machine(dmabuf, exporter->machine);
	return dmabuf;
}
