// SPDX-License-Identifier: MIT
/* Devices: creation, masks and segment limits, with the kernel's rules. */
#include "dma/device.h"
#include "dma/direct.h"
#include "iommu/iommu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_SEG_SIZE	SZ_64K
#define DEFAULT_SEG_BOUNDARY	0xffffffffUL

void dma_report_misuse(struct device *dev, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dev && dev->machine)
		mm_count(dev->machine, api_errors, 1);
	mm_report(dev ? dev->machine : NULL, "%s: %s", dev ? dev->name : "(no device)", msg);
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
	dev->dma_parms.max_segment_size = size;
	return 0;
}

DMAMAP_API unsigned int dma_get_max_seg_size(struct device *dev)
{
	if (dev && dev->dma_parms.max_segment_size)
		return dev->dma_parms.max_segment_size;
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
	dev->dma_parms.segment_boundary_mask = mask;
	return 0;
}

DMAMAP_API unsigned long dma_get_seg_boundary(struct device *dev)
{
	if (dev && dev->dma_parms.segment_boundary_mask)
		return dev->dma_parms.segment_boundary_mask;
	return DMA_BIT_MASK(32);
}

DMAMAP_API int dmamap_device_create(struct dmamap_machine *m,
				    const struct dmamap_device_config *cfg, struct device **out)
{
	struct device *dev;
	u64 mask, cmask;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!m || !cfg)
		return -EINVAL;
	if (cfg->name && strlen(cfg->name) >= sizeof(dev->name)) {
		mm_report(m, "device: name '%s' is longer than %zu bytes", cfg->name,
			  sizeof(dev->name) - 1);
		return -EINVAL;
	}
	if (cfg->segment_boundary_mask && !valid_boundary(cfg->segment_boundary_mask)) {
		mm_report(m, "device: segment boundary mask %#lx is not 2^n - 1 (at least a page)",
			  cfg->segment_boundary_mask);
		return -EINVAL;
	}
	if (cfg->dma_offset & (PAGE_SIZE - 1)) {
		mm_report(m, "device: DMA offset %#llx is not page aligned",
			  (unsigned long long)cfg->dma_offset);
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->machine = m;
	dev->dma_mask = &dev->dma_mask_storage;
	dev->dma_coherent = cfg->coherent;
	dev->dma_offset = cfg->dma_offset;
	dev->dma_parms.max_segment_size = cfg->max_segment_size ? cfg->max_segment_size
							       : DEFAULT_MAX_SEG_SIZE;
	dev->dma_parms.segment_boundary_mask =
		cfg->segment_boundary_mask ? cfg->segment_boundary_mask : DEFAULT_SEG_BOUNDARY;
	INIT_LIST_HEAD(&dev->node);
	dmamap_device_update_ops(dev);

	mask = cfg->dma_mask ? cfg->dma_mask : DMA_BIT_MASK(32);
	cmask = cfg->coherent_dma_mask ? cfg->coherent_dma_mask : mask;
	if (dma_set_mask(dev, mask) || dma_set_coherent_mask(dev, cmask)) {
		mm_report(m, "device %s: DMA mask %#llx / coherent mask %#llx cannot be served by "
			  "this machine (RAM from %#llx, DMA offset %#llx)",
			  cfg->name ? cfg->name : "", (unsigned long long)mask,
			  (unsigned long long)cmask, (unsigned long long)m->banks[0].base,
			  (unsigned long long)dev->dma_offset);
		free(dev);
		return -EIO;
	}

	pthread_mutex_lock(&m->lock);
	dev->id = m->next_dev_id++;
	if (cfg->name)
		strcpy(dev->name, cfg->name);
	else
		snprintf(dev->name, sizeof(dev->name), "dev%u", dev->id);
	list_add_tail(&dev->node, &m->devices);
	pthread_mutex_unlock(&m->lock);
	*out = dev;
	return 0;
}

static void device_release(struct device *dev)
{
	iommu_release_device(dev);
	free(dev);
}

DMAMAP_API void dmamap_device_destroy(struct device *dev)
{
	struct dmamap_machine *m;

	if (!dev)
		return;
	m = dev->machine;
	pthread_mutex_lock(&m->lock);
	list_del_init(&dev->node);
	pthread_mutex_unlock(&m->lock);
	device_release(dev);
}

void dmamap_devices_destroy_all(struct dmamap_machine *m)
{
	struct device *dev, *n;

	pthread_mutex_lock(&m->lock);
	list_for_each_entry_safe(dev, n, &m->devices, node) {
		list_del_init(&dev->node);
		pthread_mutex_unlock(&m->lock);
		device_release(dev);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
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
