// SPDX-License-Identifier: MIT
/*
 * Device-managed resources (see devres.h) and the managed DMA allocations
 * built on them, dmam_alloc_attrs() and dmam_free_coherent().
 *
 * A device's resources are a list guarded by its machine's lock, the lock
 * that also guards the machine's device list; release functions run with it
 * dropped, since they call back into the DMA API.
 */
#include "dma/debug.h"
#include "dma/devres.h"
#include "mm/fail.h"

#include <stdlib.h>

struct devres {
	struct list_head node;		/* dev->devres, under machine->lock */
	dr_release_t release;
	/* the caller's data, aligned for anything it may hold */
	unsigned long long data[] __attribute__((aligned(16)));
};

static inline struct devres *to_devres(void *res)
{
	return container_of(res, struct devres, data);
}

void *devres_alloc(dr_release_t release, size_t size, gfp_t gfp)
{
	struct devres *dr;

	(void)gfp;
	if (!release || size > SIZE_MAX / 2)
		return NULL;
	dr = mm_kzalloc(NULL, sizeof(*dr) + size);
	if (!dr)
		return NULL;
	INIT_LIST_HEAD(&dr->node);
	dr->release = release;
	return dr->data;
}

void devres_free(void *res)
{
	if (res)
		free(to_devres(res));
}

void devres_add(struct device *dev, void *res)
{
	struct devres *dr = to_devres(res);

	pthread_mutex_lock(&dev->machine->lock);
	list_add_tail(&dr->node, &dev->devres);
	pthread_mutex_unlock(&dev->machine->lock);
}

/* Takes the newest matching resource off the list, or returns NULL. */
static struct devres *devres_take(struct device *dev, dr_release_t release, dr_match_t match,
				  void *match_data)
{
	struct devres *found = NULL;
	struct list_head *pos;

	pthread_mutex_lock(&dev->machine->lock);
	for (pos = dev->devres.prev; pos != &dev->devres; pos = pos->prev) {
		struct devres *dr = list_entry(pos, struct devres, node);

		if (dr->release == release && (!match || match(dev, dr->data, match_data))) {
			list_del_init(&dr->node);
			found = dr;
			break;
		}
	}
	pthread_mutex_unlock(&dev->machine->lock);
	return found;
}

int devres_destroy(struct device *dev, dr_release_t release, dr_match_t match, void *match_data)
{
	struct devres *dr = devres_take(dev, release, match, match_data);

	if (!dr)
		return -ENOENT;
	free(dr);
	return 0;
}

int devres_release(struct device *dev, dr_release_t release, dr_match_t match, void *match_data)
{
	struct devres *dr = devres_take(dev, release, match, match_data);

	if (!dr)
		return -ENOENT;
	dr->release(dev, dr->data);
	free(dr);
	return 0;
}

void devres_release_all(struct device *dev)
{
	struct dmamap_machine *m = dev->machine;

	pthread_mutex_lock(&m->lock);
	while (!list_empty(&dev->devres)) {
		struct devres *dr = list_entry(dev->devres.prev, struct devres, node);

		list_del_init(&dr->node);
		pthread_mutex_unlock(&m->lock);
		dr->release(dev, dr->data);
		free(dr);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
}

/* --- managed kmalloc memory ---------------------------------------------------- */

/*
 * The record holds a pointer to the memory rather than the memory itself,
 * as the kernel's does: the memory must be the machine's (its linear map,
 * mappable for DMA), the record is the library's.
 */
struct kmalloc_devres {
	void *p;
};

static void devm_kmalloc_release(struct device *dev, void *res)
{
	dmamap_kfree(dev->machine, ((struct kmalloc_devres *)res)->p);
}

static int devm_kmalloc_match(struct device *dev, void *res, void *match_data)
{
	(void)dev;
	return ((struct kmalloc_devres *)res)->p == match_data;
}

DMAMAP_API void *devm_kmalloc(struct device *dev, size_t size, gfp_t gfp)
{
	struct kmalloc_devres *dr;

	if (!dev)
		return NULL;
	dr = devres_alloc(devm_kmalloc_release, sizeof(*dr), gfp);
	if (!dr)
		return NULL;
	dr->p = dmamap_kmalloc(dev->machine, size, gfp);
	if (!dr->p) {
		devres_free(dr);
		return NULL;
	}
	devres_add(dev, dr);
	return dr->p;
}

DMAMAP_API void devm_kfree(struct device *dev, const void *p)
{
	if (!dev || !p)
		return;
	if (devres_release(dev, devm_kmalloc_release, devm_kmalloc_match, (void *)p))
		dma_report_misuse(dev, "devm_kfree: %p is no managed memory of the device", p);
}

/* --- managed coherent allocations --------------------------------------------- */

struct dma_devres {
	size_t size;
	void *vaddr;
	dma_addr_t dma_handle;
	unsigned long attrs;
};

static void dmam_release(struct device *dev, void *res)
{
	struct dma_devres *this = res;

	dma_free_attrs(dev, this->size, this->vaddr, this->dma_handle, this->attrs);
}

static int dmam_match(struct device *dev, void *res, void *match_data)
{
	struct dma_devres *this = res, *match = match_data;

	return this->vaddr == match->vaddr && this->size == match->size &&
	       this->dma_handle == match->dma_handle;
}

DMAMAP_API void *dmam_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				  gfp_t gfp, unsigned long attrs)
{
	DEBUG_CALL(dev);
	struct dma_devres *dr;
	void *vaddr;

	if (!dev || !dma_handle)
		return NULL;
	dr = devres_alloc(dmam_release, sizeof(*dr), gfp);
	if (!dr)
		return NULL;
	vaddr = dma_alloc_attrs(dev, size, dma_handle, gfp, attrs);
	if (!vaddr) {
		devres_free(dr);
		return NULL;
	}
	dr->vaddr = vaddr;
	dr->dma_handle = *dma_handle;
	dr->size = size;
	dr->attrs = attrs;
	devres_add(dev, dr);
	return vaddr;
}

DMAMAP_API void dmam_free_coherent(struct device *dev, size_t size, void *vaddr,
				   dma_addr_t dma_handle)
{
	DEBUG_CALL(dev);
	struct dma_devres match = { size, vaddr, dma_handle, 0 };

	if (!dev || !vaddr)
		return;
	/*
	 * Refused, with nothing changed, unless it is a managed allocation of the
	 * device with this size and DMA address (the kernel would WARN and free).
	 */
	if (devres_destroy(dev, dmam_release, dmam_match, &match)) {
		dma_report_misuse(dev, "dmam_free_coherent: %p (%zu bytes at %#llx) is no managed "
				  "allocation of the device", vaddr, size,
				  (unsigned long long)dma_handle);
		return;
	}
	dma_free_coherent(dev, size, vaddr, dma_handle);
}
