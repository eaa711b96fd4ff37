// SPDX-License-Identifier: MIT
/* Devices: creation, masks and segment limits, with the kernel's rules. */
#include "dma/device.h"
#include "dma/debug.h"
#include "mm/fail.h"
#include "dma/devres.h"
#include "dma/direct.h"
#include "dma/swiotlb.h"
#include "iommu/iommu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_SEG_SIZE	SZ_64K
#define DEFAULT_SEG_BOUNDARY	0xffffffffUL

void dma_report_misuse(struct device *dev, const char *fmt, ...)
{
	va_list ap;

	if (mm_call_reported())
		return;
	va_start(ap, fmt);
	mm_debug_vreport(NULL, dev, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL, fmt, ap);
	va_end(ap);
}

void dma_report(struct device *dev, enum dmamap_debug_kind kind, dma_addr_t addr, size_t size,
		const char *fmt, ...)
{
	va_list ap;

	if (mm_call_reported())
		return;
	va_start(ap, fmt);
	mm_debug_vreport(NULL, dev, kind, addr, size, NULL, NULL, fmt, ap);
	va_end(ap);
}

void dmamap_device_update_ops(struct device *dev)
{
	if (dev->user_ops)
		dev->dma_ops = dev->user_ops;
	else if (dev->domain && iommu_domain_dma_ops(dev->domain))
		dev->dma_ops = iommu_domain_dma_ops(dev->domain);
	else
		dev->dma_ops = &dma_direct_ops;
}

DMAMAP_API const struct dma_map_ops *get_dma_ops(struct device *dev)
{
	return dev ? dev->dma_ops : NULL;
}

DMAMAP_API void set_dma_ops(struct device *dev, const struct dma_map_ops *ops)
{
	if (!dev)
		return;
	dev->user_ops = ops;
	dmamap_device_update_ops(dev);
}

DMAMAP_API int dma_supported(struct device *dev, u64 mask)
{
	const struct dma_map_ops *ops;

	if (!dev)
		return 0;
	ops = dev->dma_ops;
	if (ops == &dma_direct_ops || !ops)
		return dma_direct_supported(dev, mask);
	if (!ops->dma_supported)
		return 1;
	return ops->dma_supported(dev, mask);
}

DMAMAP_API int dma_set_mask(struct device *dev, u64 mask)
{
	/* the kernel: truncate to what dma_addr_t holds, then ask the ops */
	if (!dev || !dev->dma_mask || !dma_supported(dev, mask))
		return -EIO;
	*dev->dma_mask = mask;
	return 0;
}

DMAMAP_API int dma_set_coherent_mask(struct device *dev, u64 mask)
{
	if (!dev || !dma_supported(dev, mask))
		return -EIO;
	dev->coherent_dma_mask = mask;
	return 0;
}

DMAMAP_API int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	int rc = dma_set_mask(dev, mask);

	if (rc == 0)
		dma_set_coherent_mask(dev, mask);
	return rc;
}

DMAMAP_API u64 dma_get_mask(struct device *dev)
{
	if (dev && dev->dma_mask && *dev->dma_mask)
		return *dev->dma_mask;
	return DMA_BIT_MASK(32);
}

DMAMAP_API u64 dma_get_coherent_mask(struct device *dev)
{
	return dev ? dev->coherent_dma_mask : 0;
}

DMAMAP_API int dma_set_max_seg_size(struct device *dev, unsigned int size)
{
	if (!dev || size == 0)
		return -EINVAL;
	if (!dev->dma_parms)	/* the kernel's answer for a device without parameters */
		return -EIO;
	dev->dma_parms->max_segment_size = size;
	return 0;
}

DMAMAP_API unsigned int dma_get_max_seg_size(struct device *dev)
{
	if (dev && dev->dma_parms && dev->dma_parms->max_segment_size)
		return dev->dma_parms->max_segment_size;
	return SZ_64K;
}

static bool valid_boundary(unsigned long mask)
{
	/* of the form 2^n - 1, at least a page */
	return mask >= PAGE_SIZE - 1 && (mask & (mask + 1)) == 0;
}

DMAMAP_API int dma_set_seg_boundary(struct device *dev, unsigned long mask)
{
	if (!dev || !valid_boundary(mask))
		return -EINVAL;
	if (!dev->dma_parms)
		return -EIO;
	dev->dma_parms->segment_boundary_mask = mask;
	return 0;
}

DMAMAP_API unsigned long dma_get_seg_boundary(struct device *dev)
{
	if (dev && dev->dma_parms && dev->dma_parms->segment_boundary_mask)
		return dev->dma_parms->segment_boundary_mask;
	return DMA_BIT_MASK(32);
}

/* A config field, else what the device's own field holds, else the default. */
#define PICK(cfg_val, dev_val, def) ((cfg_val) ? (cfg_val) : (dev_val) ? (dev_val) : (def))

static int device_setup(struct dmamap_machine *m, struct device *dev,
			const struct dmamap_device_config *cfg)
{
	const char *name = cfg->name ? cfg->name : dev->init_name;
	u64 mask, cmask;

	if (name && strlen(name) >= sizeof(dev->name)) {
		mm_report(m, "device: name '%s' is longer than %zu bytes", name,
			  sizeof(dev->name) - 1);
		return -EINVAL;
	}
	if (cfg->segment_boundary_mask && !valid_boundary(cfg->segment_boundary_mask)) {
		mm_report(m, "device: segment boundary mask %#lx is not 2^n - 1 (at least a page)",
			  cfg->segment_boundary_mask);
		return -EINVAL;
	}
	if (dev->dma_parms && dev->dma_parms->segment_boundary_mask &&
	    !valid_boundary(dev->dma_parms->segment_boundary_mask)) {
		mm_report(m, "device: segment boundary mask %#lx is not 2^n - 1 (at least a page)",
			  dev->dma_parms->segment_boundary_mask);
		return -EINVAL;
	}
	if (cfg->dma_offset & (PAGE_SIZE - 1)) {
		mm_report(m, "device: DMA offset %#llx is not page aligned",
			  (unsigned long long)cfg->dma_offset);
		return -EINVAL;
	}
	mask = PICK(cfg->dma_mask, dev->dma_mask ? *dev->dma_mask : 0, DMA_BIT_MASK(32));
	cmask = PICK(cfg->coherent_dma_mask, dev->coherent_dma_mask, mask);

	dev->machine = m;
	if (!dev->dma_mask)
		dev->dma_mask = &dev->dma_mask_storage;
	if (!dev->dma_parms)
		dev->dma_parms = &dev->dma_parms_storage;
	dev->dma_parms->max_segment_size = PICK(cfg->max_segment_size,
						dev->dma_parms->max_segment_size,
						DEFAULT_MAX_SEG_SIZE);
	dev->dma_parms->segment_boundary_mask = PICK(cfg->segment_boundary_mask,
						     dev->dma_parms->segment_boundary_mask,
						     DEFAULT_SEG_BOUNDARY);
	dev->dma_coherent = cfg->coherent || dev->dma_coherent;
	dev->dma_offset = cfg->dma_offset;
	INIT_LIST_HEAD(&dev->node);
	INIT_LIST_HEAD(&dev->devres);
	INIT_LIST_HEAD(&dev->dma_pools);
	dmamap_device_update_ops(dev);

	if (dma_set_mask(dev, mask) || dma_set_coherent_mask(dev, cmask)) {
		mm_report(m, "device %s: DMA mask %#llx / coherent mask %#llx cannot be served by "
			  "this machine (RAM from %#llx, DMA offset %#llx)",
			  name ? name : "", (unsigned long long)mask,
			  (unsigned long long)cmask, (unsigned long long)m->banks[0].base,
			  (unsigned long long)dev->dma_offset);
		return -EIO;
	}
	if (debug_dma_device_init(dev))
		return -ENOMEM;

	pthread_mutex_lock(&m->lock);
	dev->id = m->next_dev_id++;
	if (name)
		strcpy(dev->name, name);
	else
		snprintf(dev->name, sizeof(dev->name), "dev%u", dev->id);
	WRITE_ONCE(dev->refcount, 1);
	dev->registered = true;
	list_add_tail(&dev->node, &m->devices);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

DMAMAP_API int dmamap_device_create(struct dmamap_machine *m,
				    const struct dmamap_device_config *cfg, struct device **out)
{
	static const struct dmamap_device_config defaults;
	struct device *dev;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!m)
		return -EINVAL;
	dev = mm_kzalloc(m, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->created = true;
	ret = device_setup(m, dev, cfg ? cfg : &defaults);
	if (ret) {
		free(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

DMAMAP_API int dmamap_device_register(struct dmamap_machine *m, struct device *dev,
				      const struct dmamap_device_config *cfg)
{
	static const struct dmamap_device_config none;
	struct device saved;
	int ret;

	if (!m || !dev)
		return -EINVAL;
	if (dev->registered || smp_load_acquire(&dev->refcount)) {
		mm_debug_report(m, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dmamap_device_register: device %s is registered or referenced "
				"already; refused", dev->name);
		return -EBUSY;
	}
	/* a failed registration leaves the caller's structure as it was */
	saved = *dev;
	dev->created = false;
	ret = device_setup(m, dev, cfg ? cfg : &none);
	if (ret)
		*dev = saved;
	return ret;
}

/* The last reference is gone. */
static void device_release(struct device *dev)
{
	if (dev->created)
		free(dev);
	else if (dev->release)
		dev->release(dev);
}

DMAMAP_API struct device *get_device(struct device *dev)
{
	if (dev)
		__atomic_fetch_add(&dev->refcount, 1, __ATOMIC_RELAXED);
	return dev;
}

DMAMAP_API void put_device(struct device *dev)
{
	int old;

	if (!dev)
		return;
	old = READ_ONCE(dev->refcount);
	do {
		if (old <= 0) {
			mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
					"put_device: %s has no reference left; refused",
					dev->name);
			return;
		}
	} while (!__atomic_compare_exchange_n(&dev->refcount, &old, old - 1, true,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	if (old == 1)
		device_release(dev);
}

/*
 * device_del(): what registration set up, undone; the memory stays for
 * put_device(). What the device still holds is reported first (the
 * debugger's leak check, for the call at @site), while it is still in the
 * machine and attached: a handler may look at it.
 */
static void device_del(struct device *dev, const void *site)
{
	struct dmamap_machine *m = dev->machine;

	/* managed memory first: freeing it may need the IOMMU domain */
	devres_release_all(dev);
	dma_pools_release_all(dev);
	debug_dma_device_exit(dev, site);
	swiotlb_release_device(dev);
	pthread_mutex_lock(&m->lock);
	list_del_init(&dev->node);
	pthread_mutex_unlock(&m->lock);
	iommu_release_device(dev);
	dev->registered = false;
}

static void device_unregister(struct device *dev, const void *site)
{
	if (!dev)
		return;
	if (!dev->registered) {
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, site, NULL,
				"dmamap_device_unregister: device %s is not registered; refused",
				dev->name);
		return;
	}
	device_del(dev, site);
	put_device(dev);
}

DMAMAP_API void dmamap_device_unregister(struct device *dev)
{
	device_unregister(dev, __builtin_return_address(0));
}

DMAMAP_API void dmamap_device_destroy(struct device *dev)
{
	device_unregister(dev, __builtin_return_address(0));
}

void dmamap_devices_destroy_all(struct dmamap_machine *m, const void *site)
{
	struct device *dev;

	for (;;) {
		pthread_mutex_lock(&m->lock);
		dev = list_empty(&m->devices) ? NULL :
		      list_first_entry(&m->devices, struct device, node);
		pthread_mutex_unlock(&m->lock);
		if (!dev)
			break;
		device_del(dev, site);
		put_device(dev);
	}
}

DMAMAP_API const char *dev_name(const struct device *dev)
{
	return dev ? dev->name : "(null)";
}

DMAMAP_API struct dmamap_machine *dmamap_device_machine(const struct device *dev)
{
	return dev ? dev->machine : NULL;
}

DMAMAP_API bool dev_is_dma_coherent(const struct device *dev)
{
	return dev && dev->dma_coherent;
}

DMAMAP_API u64 dmamap_device_dma_offset(const struct device *dev)
{
	return dev ? dev->dma_offset : 0;
}
