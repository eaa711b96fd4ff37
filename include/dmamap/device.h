/* SPDX-License-Identifier: MIT */
/*
 * Devices of the modelled machine: what a bus master needs to be known by
 * the DMA API (masks, coherence, segment limits, DMA offset).
 *
 * Threads: a device is created before, and destroyed after, every call on
 * it; DMA calls and bus accesses on one device may run from any number of
 * threads at once. get_device() and put_device() may run from any thread;
 * a put past the last reference is refused and reported.
 */
#ifndef DMAMAP_DEVICE_H
#define DMAMAP_DEVICE_H

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmamap_machine;
struct dma_map_ops;
struct iommu_domain;
struct dmamap_iotlb;
struct dma_debug_dev;

/**
 * struct device_dma_parameters - segment limits of a device's DMA
 * @max_segment_size: the longest segment dma_map_sg() may make
 *	(dma_set_max_seg_size())
 * @segment_boundary_mask: no segment crosses a (mask + 1) boundary
 *	(dma_set_seg_boundary())
 */
struct device_dma_parameters {
	unsigned int max_segment_size;		/* longest segment dma_map_sg() may make */
	unsigned long segment_boundary_mask;	/* no segment crosses a (mask + 1) boundary */
};

/**
 * struct device - a device, as drivers see it in the kernel
 * @init_name: the name used at registration when the configuration gives
 *	none
 * @driver_data: the driver's, through dev_get_drvdata() and
 *	dev_set_drvdata()
 * @dma_mask: the streaming DMA mask; NULL at registration: the device's own
 *	storage is used
 * @coherent_dma_mask: the mask for dma_alloc_*()
 * @bus_dma_limit: 0, or the last address the interconnect carries: it cuts
 *	both masks, as in the kernel
 * @dma_parms: segment size and boundary; NULL at registration: the
 *	device's own
 * @dma_coherent: the device snoops the CPU's caches; read-only
 * @release: called at the last put_device() of a device registered by
 *	dmamap_device_register()
 *
 * The public fields have the
 * kernel's names and types and may be read (and the masks written through
 * the dma_set_*() calls) by driver code. A driver may embed a struct device
 * in its own structure and register it with dmamap_device_register(), or let
 * dmamap_device_create() allocate one.
 *
 * The model's own state follows in a part marked private: drivers must not
 * read or write it. The library reads it directly on its fast paths, which
 * is why it is not behind a pointer.
 */
struct device {
	const char *init_name;
	void *driver_data;
	u64 *dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;
	struct device_dma_parameters *dma_parms;
	bool dma_coherent;
	void (*release)(struct device *dev);

	/* private: the model's state, written only by the library */
	struct {
		struct dmamap_machine *machine;	/* set while registered */
		char name[48];
		unsigned int id;
		int refcount;			/* atomic: get_device() / put_device() */
		bool created;			/* by dmamap_device_create(): freed at release */
		bool registered;		/* between register and unregister */
		u64 dma_mask_storage;
		u64 dma_offset;			/* dma = phys - dma_offset */
		struct device_dma_parameters dma_parms_storage;
		/*
		 * The ops in force: the direct ops, the IOMMU ops while attached to a
		 * DMA domain, or what set_dma_ops() installed. Changed only by attach,
		 * detach and set_dma_ops, which the caller must not race with DMA calls
		 * on the device, as in the kernel.
		 */
		const struct dma_map_ops *dma_ops;
		const struct dma_map_ops *user_ops;	/* set_dma_ops(), or NULL */
		struct iommu_domain *domain;		/* attached domain, or NULL */
		struct dmamap_iotlb *iotlb;		/* the device's IOTLB, or NULL */
		struct list_head node;			/* machine's devices, under its lock */
		struct list_head devres;		/* managed resources, under the same lock */
		struct list_head dma_pools;		/* its dma_pools, under the same lock */
		struct dma_debug_dev *debug;		/* the debugger's records of the device,
							 * NULL when it is off; own lock */
	};
};

/**
 * struct dmamap_device_config - what dmamap_device_create() makes
 * @name: the device's name, copied (at most 47 bytes); NULL: "dev<N>"
 * @dma_mask: the streaming DMA mask; 0: DMA_BIT_MASK(32)
 * @coherent_dma_mask: the mask of coherent allocations; 0: @dma_mask
 * @coherent: the device snoops the CPU's caches (no cache maintenance needed);
 *	false on a non-coherent machine means every sync matters
 * @max_segment_size: 0: 65536
 * @segment_boundary_mask: 2^n - 1, at least a page; 0: 0xffffffff
 * @dma_offset: the device's DMA address of a byte is its physical address
 *	minus this offset (a bus that sees RAM elsewhere)
 */
struct dmamap_device_config {
	const char *name;			/* copied; NULL: "dev<N>" */
	u64 dma_mask;				/* 0: DMA_BIT_MASK(32) */
	u64 coherent_dma_mask;			/* 0: same as dma_mask */
	bool coherent;				/* snoops CPU caches */
	unsigned int max_segment_size;		/* 0: 65536 */
	unsigned long segment_boundary_mask;	/* 0: 0xffffffff */
	u64 dma_offset;				/* dma address = phys - dma_offset */
};

/**
 * dmamap_device_create - add a device to a machine
 * @m: the machine
 * @cfg: the configuration, or NULL for the defaults
 * @out: where the device is stored
 *
 * The device starts on the direct ops (swiotlb when its mask is short of RAM);
 * iommu_attach_device() puts it behind an IOMMU domain.
 *
 * Return: 0; -EINVAL (NULL arguments, a segment boundary mask that is not of
 * the form 2^n - 1); -EIO (a mask the machine cannot satisfy, as
 * dma_set_mask() would answer); -ENOMEM.
 */
DMAMAP_API int dmamap_device_create(struct dmamap_machine *m,
				    const struct dmamap_device_config *cfg, struct device **out);

/**
 * dmamap_device_destroy - remove a device from its machine
 * @dev: a device from dmamap_device_create() or dmamap_device_register(); NULL is ignored
 *
 * Releases what the device manages (dmam_*() allocations, in reverse order),
 * detaches it from its IOMMU domain, takes it off the machine and drops the
 * reference registration gave; the memory goes at the last put_device().
 * The same as dmamap_device_unregister().
 */
DMAMAP_API void dmamap_device_destroy(struct device *dev);

/**
 * dmamap_device_register - add a device that lives in the caller's memory
 * @m: the machine
 * @dev: the device: zeroed memory (as from kzalloc() or a static), optionally with
 *	 @dev->init_name, @dev->dma_mask (pointing at the caller's storage),
 *	 @dev->coherent_dma_mask, @dev->dma_parms, @dev->bus_dma_limit,
 *	 @dev->dma_coherent, @dev->driver_data and @dev->release set
 * @cfg: the configuration, or NULL; a field left 0 takes the value the matching
 *	 field of @dev holds, then the default of dmamap_device_create()
 *
 * The embedded form of dmamap_device_create(), as device_register() is the
 * kernel's: @dev gets one reference, dropped by dmamap_device_unregister().
 * When the last reference goes, @dev->release (if set) is called; without a
 * release function the memory is the caller's again once no reference is held.
 *
 * Return: 0; -EINVAL and -EIO as dmamap_device_create(); -EBUSY when @dev is
 * registered or still referenced.
 */
DMAMAP_API int dmamap_device_register(struct dmamap_machine *m, struct device *dev,
				      const struct dmamap_device_config *cfg);

/**
 * dmamap_device_unregister - remove a registered device from its machine
 * @dev: the device; NULL is ignored
 *
 * Everything dmamap_device_destroy() does; then the caller must not use @dev
 * for DMA any more, only drop the references it still holds.
 */
DMAMAP_API void dmamap_device_unregister(struct device *dev);

/**
 * get_device - take a reference to a device
 * @dev: the device, or NULL
 *
 * Return: @dev.
 */
DMAMAP_API struct device *get_device(struct device *dev);

/**
 * put_device - drop a reference to a device
 * @dev: the device, or NULL
 *
 * The last reference frees a device of dmamap_device_create() and calls the
 * release function of a registered one. A put without a matching reference
 * is refused and reported.
 */
DMAMAP_API void put_device(struct device *dev);

/**
 * dev_get_drvdata - the driver's private data of a device
 * @dev: the device
 *
 * Return: what dev_set_drvdata() stored, or NULL.
 */
static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}

/**
 * dev_set_drvdata - store the driver's private data in a device
 * @dev: the device
 * @data: the data
 */
static inline void dev_set_drvdata(struct device *dev, void *data)
{
	dev->driver_data = data;
}

/**
 * devm_kmalloc - kmalloc() memory of the device's machine, managed by the device
 * @dev: the device
 * @size: bytes
 * @gfp: as for dmamap_kmalloc() (__GFP_ZERO zeroes it)
 *
 * The memory is in the machine's linear map, as kmalloc()'s, so that it can
 * be mapped for DMA; it is freed when the device is removed, newest first
 * with the device's other managed resources, unless devm_kfree() freed it.
 *
 * Return: the memory, or NULL (no device, no memory).
 */
DMAMAP_API void *devm_kmalloc(struct device *dev, size_t size, gfp_t gfp);
/**
 * devm_kfree - free managed memory of a device now
 * @dev: the device
 * @p: what devm_kmalloc() returned for @dev, or NULL (ignored)
 *
 * Memory that is not managed by @dev is refused and reported, nothing
 * freed (the kernel WARNs).
 */
DMAMAP_API void devm_kfree(struct device *dev, const void *p);

/**
 * devm_kzalloc - devm_kmalloc() of zeroed memory
 * @dev: the device
 * @size: bytes
 * @gfp: as for devm_kmalloc()
 *
 * Return: the memory, or NULL.
 */
static inline void *devm_kzalloc(struct device *dev, size_t size, gfp_t gfp)
{
	return devm_kmalloc(dev, size, gfp | __GFP_ZERO);
}

/**
 * devm_kmalloc_array - devm_kmalloc() of @n objects of @size bytes
 * @dev: the device
 * @n: number of objects
 * @size: bytes of one
 * @gfp: as for devm_kmalloc()
 *
 * Return: the memory, or NULL (also when @n * @size overflows).
 */
static inline void *devm_kmalloc_array(struct device *dev, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return devm_kmalloc(dev, bytes, gfp);
}

/**
 * devm_kcalloc - devm_kmalloc_array() of zeroed memory
 * @dev: the device
 * @n: number of objects
 * @size: bytes of one
 * @gfp: as for devm_kmalloc()
 *
 * Return: the memory, or NULL.
 */
static inline void *devm_kcalloc(struct device *dev, size_t n, size_t size, gfp_t gfp)
{
	return devm_kmalloc_array(dev, n, size, gfp | __GFP_ZERO);
}

/**
 * dev_name - the name of a device
 * @dev: the device
 *
 * Return: the name, or "(null)" for a NULL @dev.
 */
DMAMAP_API const char *dev_name(const struct device *dev);

/**
 * dmamap_device_machine - the machine a device is on
 * @dev: the device
 *
 * Return: the machine, or NULL (a NULL @dev, a device not registered).
 */
DMAMAP_API struct dmamap_machine *dmamap_device_machine(const struct device *dev);

/**
 * dev_is_dma_coherent - does the device snoop the CPU's caches?
 * @dev: the device
 *
 * Return: true for a coherent device; false for a NULL @dev.
 */
DMAMAP_API bool dev_is_dma_coherent(const struct device *dev);

/**
 * dmamap_device_dma_offset - the offset between physical and DMA addresses
 * @dev: the device
 *
 * Return: the offset (DMA address = physical address - offset), 0 for a NULL
 * @dev.
 */
DMAMAP_API u64 dmamap_device_dma_offset(const struct device *dev);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DEVICE_H */
