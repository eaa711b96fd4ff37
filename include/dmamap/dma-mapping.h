/* SPDX-License-Identifier: MIT */
/*
 * The DMA-mapping API, as in <linux/dma-mapping.h> (Linux 6.x forms).
 *
 * Error conventions are the kernel's: addresses come back as
 * DMA_MAPPING_ERROR (test with dma_mapping_error()), dma_map_sg() returns 0
 * on failure, dma_map_sgtable() a negative errno, allocations NULL.
 *
 * Threads: every call may run from any number of threads at once, on one
 * device or several; a call does not race the destruction of its device.
 * Two dma_free_attrs() of one buffer racing each other free it once, and the
 * other is refused and reported. Reports of misuse are made with no lock of
 * the library held (see <dmamap/debug.h>); traced calls reach the trace
 * callback once complete (see <dmamap/trace.h>).
 */
#ifndef DMAMAP_DMA_MAPPING_H
#define DMAMAP_DMA_MAPPING_H

#include <dmamap/types.h>
#include <dmamap/mm.h>
#include <dmamap/device.h>
#include <dmamap/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum dma_data_direction - which way the data of a streaming mapping goes
 * @DMA_BIDIRECTIONAL: both ways: the device may read and write
 * @DMA_TO_DEVICE: the device reads what the CPU wrote
 * @DMA_FROM_DEVICE: the device writes what the CPU will read
 * @DMA_NONE: no direction; refused by every mapping call (reported as
 *	misuse), as the kernel BUGs on it
 */
enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

static inline bool valid_dma_direction(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE;
}

#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)

/* Attributes (a bit mask in unsigned long attrs) */
#define DMA_ATTR_WEAK_ORDERING		(1UL << 1)
#define DMA_ATTR_WRITE_COMBINE		(1UL << 2)
#define DMA_ATTR_NO_KERNEL_MAPPING	(1UL << 4)
#define DMA_ATTR_SKIP_CPU_SYNC		(1UL << 5)
#define DMA_ATTR_FORCE_CONTIGUOUS	(1UL << 6)
#define DMA_ATTR_ALLOC_SINGLE_PAGES	(1UL << 7)
#define DMA_ATTR_NO_WARN		(1UL << 8)
#define DMA_ATTR_PRIVILEGED		(1UL << 9)

/* Coherent (consistent) allocations */

/**
 * dma_alloc_attrs - allocate a buffer both the CPU and the device reach, coherently
 * @dev: the device the buffer is for
 * @size: bytes; the allocation is whole pages
 * @dma_handle: where the device's address of the buffer is stored
 * @flag: GFP_* flags. Zone modifiers (GFP_DMA, GFP_DMA32, __GFP_HIGHMEM) are
 *	ignored, as the kernel ignores them here: the device's coherent mask picks
 *	the memory. Without __GFP_DIRECT_RECLAIM (GFP_ATOMIC) a non-coherent
 *	device's buffer comes from the machine's atomic pool.
 * @attrs: DMA_ATTR_* bits. DMA_ATTR_NO_KERNEL_MAPPING returns a cookie with no
 *	CPU mapping (only for dma_free_attrs() and dma_mmap_attrs());
 *	DMA_ATTR_WRITE_COMBINE maps the buffer write-combined for the CPU.
 *
 * The buffer is zeroed. For a device that does not snoop the CPU's caches the
 * CPU's view is uncached, so neither side needs a sync; for a device behind an
 * IOMMU the pages need not be contiguous, only the IOVA range is.
 *
 * Where the kernel WARNs and goes on (a size of 0, a device with no coherent
 * DMA mask), the call is refused, reported to the debugger and counted in the
 * api_errors statistic.
 *
 * Context: any thread.
 *
 * Return: the CPU address of the buffer (or the cookie), or NULL with
 * *@dma_handle set to DMA_MAPPING_ERROR: out of memory below the mask or out of
 * IOVA space, or the call was refused (a NULL @dev or @dma_handle, a bad size,
 * no coherent mask).
 */
DMAMAP_API void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				 gfp_t flag, unsigned long attrs);

/**
 * dma_free_attrs - free a buffer of dma_alloc_attrs()
 * @dev: the device it was allocated for
 * @size: the size given at allocation
 * @cpu_addr: the CPU address (or cookie) dma_alloc_attrs() returned; NULL does
 *	nothing, as in the kernel
 * @dma_handle: the DMA address dma_alloc_attrs() stored
 * @attrs: the attributes given at allocation
 *
 * A free the kernel would take on trust and corrupt memory with (a CPU address
 * that is not a live allocation of @dev, another size, DMA address or
 * attributes) is refused and reported, and the buffer stays allocated: the
 * trace records the call with -EINVAL.
 *
 * Context: any thread.
 */
DMAMAP_API void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr,
			       dma_addr_t dma_handle, unsigned long attrs);

/**
 * dma_alloc_coherent - dma_alloc_attrs() without attributes
 * @dev: the device
 * @size: bytes
 * @dma_handle: where the device's address is stored
 * @gfp: GFP_* flags
 *
 * Return: the CPU address, or NULL (see dma_alloc_attrs()).
 */
DMAMAP_INLINE void *dma_alloc_coherent(struct device *dev, size_t size,
				       dma_addr_t *dma_handle, gfp_t gfp)
{
	return dma_alloc_attrs(dev, size, dma_handle, gfp, 0);
}

/**
 * dma_free_coherent - free a buffer of dma_alloc_coherent()
 * @dev: the device
 * @size: the size given at allocation
 * @cpu_addr: the CPU address returned
 * @dma_handle: the DMA address stored
 *
 * dma_free_attrs() with no attributes: a mismatch is refused and reported.
 */
DMAMAP_INLINE void dma_free_coherent(struct device *dev, size_t size,
				     void *cpu_addr, dma_addr_t dma_handle)
{
	dma_free_attrs(dev, size, cpu_addr, dma_handle, 0);
}

/**
 * dma_alloc_wc - a coherent buffer mapped write-combined for the CPU
 * @dev: the device
 * @size: bytes
 * @dma_addr: where the device's address is stored
 * @gfp: GFP_* flags
 *
 * dma_alloc_attrs() with DMA_ATTR_WRITE_COMBINE.
 *
 * Return: the CPU address, or NULL.
 */
DMAMAP_INLINE void *dma_alloc_wc(struct device *dev, size_t size,
				 dma_addr_t *dma_addr, gfp_t gfp)
{
	return dma_alloc_attrs(dev, size, dma_addr, gfp, DMA_ATTR_WRITE_COMBINE);
}

/**
 * dma_free_wc - free a buffer of dma_alloc_wc()
 * @dev: the device
 * @size: the size given at allocation
 * @cpu_addr: the CPU address returned
 * @dma_addr: the DMA address stored
 *
 * dma_free_attrs() with DMA_ATTR_WRITE_COMBINE, which must match the allocation.
 */
DMAMAP_INLINE void dma_free_wc(struct device *dev, size_t size,
			       void *cpu_addr, dma_addr_t dma_addr)
{
	dma_free_attrs(dev, size, cpu_addr, dma_addr, DMA_ATTR_WRITE_COMBINE);
}

/**
 * dma_mmap_attrs - map a coherent buffer into a user VMA
 * @dev: the device the buffer belongs to
 * @vma: the VMA (dmamap_vma_create()); vm_pgoff selects the first page of the
 *	buffer
 * @cpu_addr: the buffer's CPU address or cookie
 * @dma_addr: its DMA address
 * @size: the buffer's size
 * @attrs: the attributes of the allocation
 *
 * The user mapping gets the same memory type as the buffer's CPU view
 * (uncached for a non-coherent device, write-combined with
 * DMA_ATTR_WRITE_COMBINE).
 *
 * Return: 0; -EINVAL for a NULL or unaligned VMA, a VMA of another machine or a
 * size of 0; -ENXIO when the VMA reaches past the buffer or the device's ops
 * cannot map to user space.
 */
DMAMAP_API int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs);

/**
 * dma_mmap_coherent - dma_mmap_attrs() of a dma_alloc_coherent() buffer
 * @dev: the device
 * @vma: the VMA
 * @cpu_addr: the buffer's CPU address
 * @dma_addr: its DMA address
 * @size: its size
 *
 * Return: 0 or a negative errno, as dma_mmap_attrs().
 */
DMAMAP_INLINE int dma_mmap_coherent(struct device *dev, struct vm_area_struct *vma,
				    void *cpu_addr, dma_addr_t dma_addr, size_t size)
{
	return dma_mmap_attrs(dev, vma, cpu_addr, dma_addr, size, 0);
}

/**
 * dma_mmap_wc - dma_mmap_attrs() of a dma_alloc_wc() buffer
 * @dev: the device
 * @vma: the VMA
 * @cpu_addr: the buffer's CPU address
 * @dma_addr: its DMA address
 * @size: its size
 *
 * Return: 0 or a negative errno, as dma_mmap_attrs().
 */
DMAMAP_INLINE int dma_mmap_wc(struct device *dev, struct vm_area_struct *vma,
			      void *cpu_addr, dma_addr_t dma_addr, size_t size)
{
	return dma_mmap_attrs(dev, vma, cpu_addr, dma_addr, size, DMA_ATTR_WRITE_COMBINE);
}

/**
 * dma_can_mmap - can coherent buffers of the device be mapped to user space?
 * @dev: the device
 *
 * Return: true when dma_mmap_attrs() is implemented for the device's ops.
 */
DMAMAP_API bool dma_can_mmap(struct device *dev);

/**
 * dma_get_sgtable_attrs - describe a coherent buffer as a scatter-gather table
 * @dev: the device the buffer belongs to
 * @sgt: an uninitialised table, filled with the buffer's pages (free it with
 *	sg_free_table())
 * @cpu_addr: the buffer's CPU address
 * @dma_addr: its DMA address
 * @size: its size
 * @attrs: the attributes of the allocation
 *
 * For sharing the buffer with another device (dma-buf exporters). The table
 * holds CPU pages; the other device maps it with dma_map_sgtable().
 *
 * Return: 0; -EINVAL for a NULL @dev or @sgt or a size of 0; -ENXIO when the
 * buffer has no pages (a DMA_ATTR_NO_KERNEL_MAPPING cookie of some backends) or
 * the ops cannot do it; -ENOMEM.
 */
DMAMAP_API int dma_get_sgtable_attrs(struct device *dev, struct sg_table *sgt, void *cpu_addr,
				     dma_addr_t dma_addr, size_t size, unsigned long attrs);

/**
 * dma_get_sgtable - dma_get_sgtable_attrs() without attributes
 * @dev: the device
 * @sgt: the table to fill
 * @cpu_addr: the buffer's CPU address
 * @dma_addr: its DMA address
 * @size: its size
 *
 * Return: 0 or a negative errno, as dma_get_sgtable_attrs().
 */
#define dma_get_sgtable(dev, sgt, cpu_addr, dma_addr, size) \
	dma_get_sgtable_attrs(dev, sgt, cpu_addr, dma_addr, size, 0)

/* Streaming mappings */

/**
 * dma_map_page_attrs - give part of a page (or of several) to the device
 * @dev: the device
 * @page: the first page, of the machine's memory map
 * @offset: the first byte, from the start of @page
 * @size: bytes; the range may run on across the following pages
 * @dir: DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 * @attrs: DMA_ATTR_*; DMA_ATTR_SKIP_CPU_SYNC leaves the caches alone
 *
 * From now until dma_unmap_page_attrs() the buffer is the device's: the CPU
 * must not touch it except between dma_sync_single_for_cpu() and
 * dma_sync_single_for_device(). On a non-coherent device the CPU's dirty lines
 * are written back (and, for DMA_FROM_DEVICE, invalidated); a buffer beyond the
 * device's mask is bounced through swiotlb; behind an IOMMU an IOVA range is
 * mapped with the permissions @dir allows.
 *
 * Where the kernel BUGs (an invalid direction) or maps whatever it is given (a
 * page of no memory map, a size of 0, a device without a DMA mask), the call
 * is refused and reported instead.
 *
 * Context: any thread.
 *
 * Return: the DMA address of @page + @offset, or DMA_MAPPING_ERROR (test with
 * dma_mapping_error()): no swiotlb slot or IOVA space, or refused.
 */
DMAMAP_API dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset,
					 size_t size, enum dma_data_direction dir,
					 unsigned long attrs);

/**
 * dma_unmap_page_attrs - take a buffer back from the device
 * @dev: the device
 * @addr: the DMA address dma_map_page_attrs() returned
 * @size: the size mapped
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*; DMA_ATTR_SKIP_CPU_SYNC leaves the caches alone
 *
 * The CPU may read what the device wrote from now on: the caches are
 * invalidated (non-coherent devices), a bounce buffer is copied back, the IOVA
 * range is unmapped and its IOTLB entries flushed.
 *
 * An invalid direction, DMA_MAPPING_ERROR or a size of 0 is refused and
 * reported; with the debugger on, so is an address, size or direction that
 * does not match a live mapping, and the mapping stays.
 */
DMAMAP_API void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
				     enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_map_single_attrs - give a buffer of the linear map to the device
 * @dev: the device
 * @ptr: the buffer's CPU address; it must be in the linear map (page_address(),
 *	dmamap_kmalloc())
 * @size: bytes
 * @dir: DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 * @attrs: DMA_ATTR_*
 *
 * dma_map_page_attrs() of the page holding @ptr. Memory outside the linear map
 * (the C heap, the stack, a vmalloc or coherent buffer's address, a
 * DMA_ATTR_NO_KERNEL_MAPPING cookie), which the kernel would map wrongly or
 * only warn about with CONFIG_DMA_API_DEBUG, is refused and reported, saying
 * where @ptr points; the refusal is traced with -EINVAL.
 *
 * Context: any thread.
 *
 * Return: the DMA address, or DMA_MAPPING_ERROR.
 */
DMAMAP_API dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
					   enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_unmap_single_attrs - take a buffer of dma_map_single_attrs() back
 * @dev: the device
 * @addr: the DMA address returned
 * @size: the size mapped
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*
 *
 * As dma_unmap_page_attrs(); the debugger also reports a mapping of
 * dma_map_page() unmapped with this call.
 */
DMAMAP_API void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_map_sg_attrs - give a scatter-gather list to the device
 * @dev: the device
 * @sg: the list (sg_init_table(), sg_set_page(), sg_alloc_table())
 * @nents: entries of the list to map
 * @dir: DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 * @attrs: DMA_ATTR_*
 *
 * Each entry gets sg_dma_address() and sg_dma_len(); behind an IOMMU
 * neighbouring entries are merged into one DMA segment when the device's
 * max_segment_size and segment boundary allow it, so fewer segments may come
 * back than @nents. Walk them with for_each_sg() up to the returned count,
 * unmap with the original @nents.
 *
 * An invalid direction, @nents <= 0 or a device without a DMA mask is refused
 * and reported.
 *
 * Context: any thread.
 *
 * Return: the number of DMA segments, or 0 when nothing was mapped.
 */
DMAMAP_API unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
					 enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_unmap_sg_attrs - take a scatter-gather list back from the device
 * @dev: the device
 * @sg: the list mapped
 * @nents: the count given to dma_map_sg_attrs() (not the one it returned)
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*
 *
 * An invalid direction or @nents <= 0 is refused and reported; with the
 * debugger on, so is a list or count that does not match a live mapping.
 */
DMAMAP_API void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
				   enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_map_sgtable - give a scatter-gather table to the device
 * @dev: the device
 * @sgt: the table; all orig_nents entries are mapped and sgt->nents is set to
 *	the number of DMA segments
 * @dir: DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 * @attrs: DMA_ATTR_*
 *
 * dma_map_sg_attrs() of the whole table, with an errno instead of 0 on
 * failure. Walk the DMA segments with for_each_sgtable_dma_sg().
 *
 * Context: any thread.
 *
 * Return: 0; -EINVAL for bad arguments (refused and reported); -ENOMEM when
 * out of swiotlb slots or IOVA space; -EIO for other failures of the backend;
 * -EREMOTEIO when a peer-to-peer page cannot be reached.
 */
DMAMAP_API int dma_map_sgtable(struct device *dev, struct sg_table *sgt,
			       enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_unmap_sgtable - take a scatter-gather table back from the device
 * @dev: the device
 * @sgt: the table mapped with dma_map_sgtable()
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*
 *
 * dma_unmap_sg_attrs() of the table's orig_nents entries.
 */
DMAMAP_API void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				  enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_map_page - dma_map_page_attrs() without attributes
 * @dev: the device
 * @page: the first page
 * @offset: the first byte in @page
 * @size: bytes
 * @dir: the direction
 *
 * Return: the DMA address, or DMA_MAPPING_ERROR.
 */
#define dma_map_page(dev, page, offset, size, dir) \
	dma_map_page_attrs(dev, page, offset, size, dir, 0)

/**
 * dma_unmap_page - dma_unmap_page_attrs() without attributes
 * @dev: the device
 * @addr: the DMA address returned by dma_map_page()
 * @size: the size mapped
 * @dir: the direction mapped
 */
#define dma_unmap_page(dev, addr, size, dir)	dma_unmap_page_attrs(dev, addr, size, dir, 0)

/**
 * dma_map_single - dma_map_single_attrs() without attributes
 * @dev: the device
 * @ptr: the buffer, in the linear map
 * @size: bytes
 * @dir: the direction
 *
 * Return: the DMA address, or DMA_MAPPING_ERROR (test with dma_mapping_error()).
 */
#define dma_map_single(dev, ptr, size, dir)	dma_map_single_attrs(dev, ptr, size, dir, 0)

/**
 * dma_unmap_single - dma_unmap_single_attrs() without attributes
 * @dev: the device
 * @addr: the DMA address returned by dma_map_single()
 * @size: the size mapped
 * @dir: the direction mapped
 */
#define dma_unmap_single(dev, addr, size, dir)	dma_unmap_single_attrs(dev, addr, size, dir, 0)

/**
 * dma_map_sg - dma_map_sg_attrs() without attributes
 * @dev: the device
 * @sg: the list
 * @nents: entries to map
 * @dir: the direction
 *
 * Return: the number of DMA segments, or 0.
 */
#define dma_map_sg(dev, sg, nents, dir)		dma_map_sg_attrs(dev, sg, nents, dir, 0)

/**
 * dma_unmap_sg - dma_unmap_sg_attrs() without attributes
 * @dev: the device
 * @sg: the list mapped
 * @nents: the count given to dma_map_sg()
 * @dir: the direction mapped
 */
#define dma_unmap_sg(dev, sg, nents, dir)	dma_unmap_sg_attrs(dev, sg, nents, dir, 0)

/**
 * dma_sync_single_for_cpu - let the CPU look at a streaming buffer
 * @dev: the device
 * @addr: a DMA address inside a mapping of dma_map_single() or dma_map_page()
 * @size: bytes from @addr
 * @dir: the mapping's direction
 *
 * After the device wrote (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL): the CPU's lines
 * are invalidated so that it reads what the device wrote, and a bounce buffer
 * is copied back. The buffer stays mapped; give it back with
 * dma_sync_single_for_device().
 *
 * An invalid direction is refused and reported; with the debugger on, so is a
 * range outside any live mapping or a direction other than the mapping's.
 */
DMAMAP_API void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
					enum dma_data_direction dir);

/**
 * dma_sync_single_for_device - give a streaming buffer back to the device
 * @dev: the device
 * @addr: a DMA address inside a streaming mapping
 * @size: bytes from @addr
 * @dir: the mapping's direction
 *
 * The CPU's writes are made visible to the device (dirty lines written back,
 * the bounce buffer refreshed). Checked as dma_sync_single_for_cpu().
 */
DMAMAP_API void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					   enum dma_data_direction dir);

/**
 * dma_sync_sg_for_cpu - dma_sync_single_for_cpu() of every entry of a mapped list
 * @dev: the device
 * @sg: the list mapped with dma_map_sg()
 * @nelems: the count given to dma_map_sg() (not the one it returned)
 * @dir: the mapping's direction
 *
 * A NULL list, @nelems <= 0 or an invalid direction is refused (reported for
 * the direction).
 */
DMAMAP_API void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems,
				    enum dma_data_direction dir);

/**
 * dma_sync_sg_for_device - dma_sync_single_for_device() of every entry of a mapped list
 * @dev: the device
 * @sg: the list mapped with dma_map_sg()
 * @nelems: the count given to dma_map_sg()
 * @dir: the mapping's direction
 *
 * Checked as dma_sync_sg_for_cpu().
 */
DMAMAP_API void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems,
				       enum dma_data_direction dir);

/**
 * dma_sync_single_range_for_cpu - give part of a streaming mapping back to the CPU
 * @dev: the device
 * @addr: the mapping's DMA address, as dma_map_*() returned it
 * @offset: where the part starts, from @addr
 * @size: bytes of the part
 * @dir: the mapping's direction
 *
 * dma_sync_single_for_cpu() of [@addr + @offset, + @size): only those bytes
 * are made current for the CPU (on the cache model, only their lines).
 */
DMAMAP_INLINE void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr,
						 unsigned long offset, size_t size,
						 enum dma_data_direction dir)
{
	dma_sync_single_for_cpu(dev, addr + offset, size, dir);
}

/**
 * dma_sync_single_range_for_device - give part of a streaming mapping back to the device
 * @dev: the device
 * @addr: the mapping's DMA address
 * @offset: where the part starts, from @addr
 * @size: bytes of the part
 * @dir: the mapping's direction
 *
 * dma_sync_single_for_device() of [@addr + @offset, + @size).
 */
DMAMAP_INLINE void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr,
						    unsigned long offset, size_t size,
						    enum dma_data_direction dir)
{
	dma_sync_single_for_device(dev, addr + offset, size, dir);
}

/*
 * State a driver keeps for dma_unmap_*(), declared with these so that it
 * costs nothing where the kernel needs none (CONFIG_NEED_DMA_MAP_STATE);
 * the model always keeps it, as arm64 does.
 */
#define DEFINE_DMA_UNMAP_ADDR(ADDR_NAME)	dma_addr_t ADDR_NAME
#define DEFINE_DMA_UNMAP_LEN(LEN_NAME)		u32 LEN_NAME
#define dma_unmap_addr(PTR, ADDR_NAME)		((PTR)->ADDR_NAME)
#define dma_unmap_addr_set(PTR, ADDR_NAME, VAL)	(((PTR)->ADDR_NAME) = (VAL))
#define dma_unmap_len(PTR, LEN_NAME)		((PTR)->LEN_NAME)
#define dma_unmap_len_set(PTR, LEN_NAME, VAL)	(((PTR)->LEN_NAME) = (VAL))

/**
 * dma_sync_sgtable_for_cpu - dma_sync_sg_for_cpu() of a whole mapped table
 * @dev: the device
 * @sgt: the table mapped with dma_map_sgtable()
 * @dir: the mapping's direction
 */
DMAMAP_INLINE void dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt,
					    enum dma_data_direction dir)
{
	dma_sync_sg_for_cpu(dev, sgt->sgl, (int)sgt->orig_nents, dir);
}

/**
 * dma_sync_sgtable_for_device - dma_sync_sg_for_device() of a whole mapped table
 * @dev: the device
 * @sgt: the table mapped with dma_map_sgtable()
 * @dir: the mapping's direction
 */
DMAMAP_INLINE void dma_sync_sgtable_for_device(struct device *dev, struct sg_table *sgt,
					       enum dma_data_direction dir)
{
	dma_sync_sg_for_device(dev, sgt->sgl, (int)sgt->orig_nents, dir);
}

/**
 * dma_mapping_error - did a dma_map_*() call fail?
 * @dev: the device
 * @dma_addr: what dma_map_single(), dma_map_page() or dma_map_resource() returned
 *
 * Every returned address must be tested with this call before use: the
 * debugger reports a mapping whose address was never checked when it is
 * unmapped, as the kernel's CONFIG_DMA_API_DEBUG does.
 *
 * Return: -ENOMEM when @dma_addr is DMA_MAPPING_ERROR, else 0.
 */
DMAMAP_API int dma_mapping_error(struct device *dev, dma_addr_t dma_addr);

/* Masks and segment limits */

/**
 * dma_set_mask - set the DMA addresses the device can drive for streaming DMA
 * @dev: the device
 * @mask: DMA_BIT_MASK(n): the highest address the device reaches
 *
 * Buffers above the mask are bounced through swiotlb (direct devices) or
 * mapped below it (IOMMU).
 *
 * Return: 0, or -EIO when the device cannot use the mask (the machine has no
 * memory the mask reaches) or has no streaming mask; the mask is then left
 * unchanged.
 */
DMAMAP_API int dma_set_mask(struct device *dev, u64 mask);

/**
 * dma_set_coherent_mask - set the DMA addresses coherent allocations may use
 * @dev: the device
 * @mask: DMA_BIT_MASK(n)
 *
 * Return: 0, or -EIO when the device cannot use the mask (unchanged then).
 */
DMAMAP_API int dma_set_coherent_mask(struct device *dev, u64 mask);

/**
 * dma_set_mask_and_coherent - set both the streaming and the coherent mask
 * @dev: the device
 * @mask: DMA_BIT_MASK(n)
 *
 * Return: 0, or -EIO (neither mask changed).
 */
DMAMAP_API int dma_set_mask_and_coherent(struct device *dev, u64 mask);

/**
 * dma_get_mask - the device's streaming DMA mask
 * @dev: the device
 *
 * Return: the mask, or DMA_BIT_MASK(32) when none is set, as in the kernel.
 */
DMAMAP_API u64 dma_get_mask(struct device *dev);

/**
 * dma_get_coherent_mask - the device's coherent DMA mask
 * @dev: the device
 *
 * Return: the mask, 0 when none is set (or @dev is NULL).
 */
DMAMAP_API u64 dma_get_coherent_mask(struct device *dev);

/**
 * dma_supported - could the device use this mask?
 * @dev: the device
 * @mask: DMA_BIT_MASK(n)
 *
 * Direct devices: the mask must reach the lowest RAM (after the device's DMA
 * offset) or swiotlb. Behind an IOMMU: always.
 *
 * Return: 1 when dma_set_mask() would accept @mask, else 0.
 */
DMAMAP_API int dma_supported(struct device *dev, u64 mask);

/**
 * dma_set_max_seg_size - the largest DMA segment the device takes
 * @dev: the device
 * @size: bytes
 *
 * Scatter-gather mappings never produce a longer segment.
 *
 * Return: 0; -EINVAL for a size of 0; -EIO when the device has no DMA
 * parameters.
 */
DMAMAP_API int dma_set_max_seg_size(struct device *dev, unsigned int size);

/**
 * dma_get_max_seg_size - the largest DMA segment the device takes
 * @dev: the device
 *
 * Return: the size set, else 64 KiB, as in the kernel.
 */
DMAMAP_API unsigned int dma_get_max_seg_size(struct device *dev);

/**
 * dma_set_seg_boundary - the address boundary no DMA segment may cross
 * @dev: the device
 * @mask: 2^n - 1, at least PAGE_SIZE - 1
 *
 * Return: 0; -EINVAL for a mask of another form; -EIO when the device has no
 * DMA parameters.
 */
DMAMAP_API int dma_set_seg_boundary(struct device *dev, unsigned long mask);

/**
 * dma_get_seg_boundary - the address boundary no DMA segment may cross
 * @dev: the device
 *
 * Return: the mask set, else DMA_BIT_MASK(32), as in the kernel.
 */
DMAMAP_API unsigned long dma_get_seg_boundary(struct device *dev);

/**
 * dma_map_resource - a device's address for physical space that is not RAM
 * @dev: the device
 * @phys_addr: the start, typically in an MMIO region of the machine
 *	       (dmamap_mmio_region_create()), such as a peer's doorbell
 * @size: bytes
 * @dir: what the device will do there
 * @attrs: DMA_ATTR_*
 *
 * Nothing is synced: MMIO is not cached. Behind an IOMMU the range is mapped
 * with IOMMU_MMIO. A range that is neither one MMIO region nor RAM is reported
 * and mapped all the same, as the kernel would.
 *
 * Return: the DMA address, or DMA_MAPPING_ERROR (beyond the device's reach,
 * no IOVA space, bad arguments).
 */
DMAMAP_API dma_addr_t dma_map_resource(struct device *dev, phys_addr_t phys_addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_unmap_resource - undo dma_map_resource()
 * @dev: the device
 * @addr: the DMA address returned
 * @size: the size mapped
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*
 *
 * Nothing is synced (MMIO is not cached); behind an IOMMU the range is unmapped.
 */
DMAMAP_API void dma_unmap_resource(struct device *dev, dma_addr_t addr, size_t size,
				   enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_max_mapping_size - the largest single mapping the device can get
 * @dev: the device
 *
 * A direct device that may bounce (its mask or bus_dma_limit short of RAM,
 * dma_addressing_limited()) is held to what one swiotlb mapping takes
 * (256 KiB).
 *
 * Return: that size, or SIZE_MAX when there is no limit.
 */
DMAMAP_API size_t dma_max_mapping_size(struct device *dev);

/**
 * dma_opt_mapping_size - the largest mapping size that costs no more per byte
 * @dev: the device
 *
 * Behind an IOMMU, the largest IOVA range the per-thread IOVA caches serve
 * (128 KiB, as the kernel's rcache); otherwise dma_max_mapping_size().
 *
 * Return: the size in bytes.
 */
DMAMAP_API size_t dma_opt_mapping_size(struct device *dev);

/**
 * dma_get_required_mask - the mask that reaches all of RAM without help
 * @dev: the device
 *
 * Return: for a direct device, the smallest 2^n - 1 covering the DMA address
 * of the last RAM page; behind an IOMMU (or with other ops) DMA_BIT_MASK(32),
 * as the kernel answers.
 */
DMAMAP_API u64 dma_get_required_mask(struct device *dev);

/**
 * dma_addressing_limited - can the device miss some of RAM?
 * @dev: the device
 *
 * Return: true when its mask (cut by bus_dma_limit) is below
 * dma_get_required_mask(), or, for a direct device, when RAM lies below its
 * DMA offset.
 */
DMAMAP_API bool dma_addressing_limited(struct device *dev);

/**
 * dma_need_sync - do the sync calls of a mapping do anything?
 * @dev: the device
 * @dma_addr: a DMA address of one of its streaming mappings
 *
 * Drivers that skip syncs on this answer must ask it per mapping.
 *
 * Return: false only when they may be skipped: a coherent device whose
 * mapping was not bounced.
 */
DMAMAP_API bool dma_need_sync(struct device *dev, dma_addr_t dma_addr);

/* Non-coherent allocations: cacheable pages the driver syncs as streaming DMA. */

/**
 * dma_alloc_pages - allocate pages the device reaches, to be used with syncs
 * @dev: the device
 * @size: bytes (rounded up to pages)
 * @dma_handle: where the device's address is stored
 * @dir: what the device will do with them; behind an IOMMU, the mapping's
 *	 permissions
 * @gfp: GFP_* flags; zone modifiers (GFP_DMA, GFP_DMA32, __GFP_HIGHMEM) are
 *	 refused, as in the kernel
 *
 * The pages are zeroed through the CPU's cached view and have no uncached
 * alias: on a non-coherent machine the device sees neither those zeros nor
 * any later CPU write before dma_sync_single_for_device(), and the CPU sees
 * the device's writes only after dma_sync_single_for_cpu().
 *
 * Return: the first page, or NULL.
 */
DMAMAP_API struct page *dma_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle,
					enum dma_data_direction dir, gfp_t gfp);

/**
 * dma_free_pages - free what dma_alloc_pages() returned
 * @dev: the device
 * @size: the size given at allocation
 * @page: the first page returned
 * @dma_handle: the DMA address stored
 * @dir: the direction given
 *
 * A page or DMA address of no such allocation, or another size, is refused
 * and reported, and the allocation stays.
 */
DMAMAP_API void dma_free_pages(struct device *dev, size_t size, struct page *page,
			       dma_addr_t dma_handle, enum dma_data_direction dir);

/**
 * dma_mmap_pages - map pages of dma_alloc_pages() into a user VMA
 * @dev: the device
 * @vma: the VMA; vm_pgoff selects the first page
 * @size: the allocation's size
 * @page: the allocation's first page
 *
 * Return: 0; -ENXIO when the VMA reaches past the allocation; -EINVAL.
 */
DMAMAP_API int dma_mmap_pages(struct device *dev, struct vm_area_struct *vma, size_t size,
			      struct page *page);

/**
 * dma_alloc_noncoherent - dma_alloc_pages(), returning the linear-map address
 * @dev: the device
 * @size: bytes
 * @dma_handle: where the device's address is stored
 * @dir: what the device will do with the buffer
 * @gfp: GFP_* flags (zone modifiers are refused)
 *
 * The CPU's view is cached: the driver must sync as for streaming DMA.
 *
 * Return: the CPU address, or NULL.
 */
DMAMAP_API void *dma_alloc_noncoherent(struct device *dev, size_t size, dma_addr_t *dma_handle,
				       enum dma_data_direction dir, gfp_t gfp);

/**
 * dma_free_noncoherent - free a buffer of dma_alloc_noncoherent()
 * @dev: the device
 * @size: the size given at allocation
 * @vaddr: the CPU address returned
 * @dma_handle: the DMA address stored
 * @dir: the direction given
 *
 * Checked as dma_free_pages(): a mismatch is refused and reported.
 */
DMAMAP_API void dma_free_noncoherent(struct device *dev, size_t size, void *vaddr,
				     dma_addr_t dma_handle, enum dma_data_direction dir);

/* Non-contiguous allocations (Linux 5.15+) */

/**
 * dma_alloc_noncontiguous - allocate pages the device sees as one range
 * @dev: the device
 * @size: bytes
 * @dir: what the device will do with them
 * @gfp: GFP_* flags
 * @attrs: 0 or DMA_ATTR_ALLOC_SINGLE_PAGES; any other attribute is refused and
 *	reported
 *
 * Behind an IOMMU the pages are scattered and mapped at one IOVA range (one
 * DMA segment); a direct device gets one contiguous block. The CPU reaches the
 * pages through dma_vmap_noncontiguous() and must sync as for streaming DMA
 * (dma_sync_sgtable_for_cpu()).
 *
 * Return: a table whose sgt->nents is 1, or NULL.
 */
DMAMAP_API struct sg_table *dma_alloc_noncontiguous(struct device *dev, size_t size,
						    enum dma_data_direction dir, gfp_t gfp,
						    unsigned long attrs);

/**
 * dma_free_noncontiguous - free what dma_alloc_noncontiguous() returned
 * @dev: the device
 * @size: the size given at allocation
 * @sgt: the table returned
 * @dir: the direction given
 *
 * Another size, which would free other pages or leak them, is refused and
 * reported, and the allocation stays.
 */
DMAMAP_API void dma_free_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt,
				       enum dma_data_direction dir);

/**
 * dma_vmap_noncontiguous - a contiguous CPU address for a non-contiguous allocation
 * @dev: the device
 * @size: the allocation's size
 * @sgt: the table dma_alloc_noncontiguous() returned
 *
 * Behind an IOMMU the pages are mapped in the kernel VA window (undo with
 * dma_vunmap_noncontiguous()); a direct allocation is contiguous already and
 * its linear-map address is returned. A @size larger than the allocation,
 * which would map the pages after it, is refused and reported.
 *
 * Return: the CPU address, or NULL.
 */
DMAMAP_API void *dma_vmap_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt);

/**
 * dma_vunmap_noncontiguous - undo dma_vmap_noncontiguous()
 * @dev: the device
 * @vaddr: the address returned
 *
 * An address that is no such mapping is reported.
 */
DMAMAP_API void dma_vunmap_noncontiguous(struct device *dev, void *vaddr);

/**
 * dma_mmap_noncontiguous - map a non-contiguous allocation into a user VMA
 * @dev: the device
 * @vma: the VMA; vm_pgoff selects the first page
 * @size: the allocation's size
 * @sgt: the table dma_alloc_noncontiguous() returned
 *
 * Return: 0; -EINVAL for bad arguments or a VMA of another machine; -ENXIO when
 * the VMA reaches past the allocation, or @size is larger than it (reported).
 */
DMAMAP_API int dma_mmap_noncontiguous(struct device *dev, struct vm_area_struct *vma, size_t size,
				      struct sg_table *sgt);

/**
 * dmam_alloc_attrs - dma_alloc_attrs() managed by the device
 * @dev: the device
 * @size: bytes
 * @dma_handle: where the device's address is stored
 * @gfp: GFP_* flags
 * @attrs: DMA_ATTR_*
 *
 * The buffer is freed when the device is removed (dmamap_device_destroy()),
 * unless dmam_free_coherent() freed it before.
 *
 * Return: the CPU address, or NULL (as dma_alloc_attrs()).
 */
DMAMAP_API void *dmam_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				  gfp_t gfp, unsigned long attrs);

/**
 * dmam_alloc_coherent - dma_alloc_coherent() freed when the device goes
 * @dev: the device
 * @size: bytes
 * @dma_handle: where the device's address is stored
 * @gfp: GFP_* flags
 *
 * dmam_alloc_attrs() without attributes.
 *
 * Return: the CPU address, or NULL.
 */
DMAMAP_INLINE void *dmam_alloc_coherent(struct device *dev, size_t size,
					dma_addr_t *dma_handle, gfp_t gfp)
{
	return dmam_alloc_attrs(dev, size, dma_handle, gfp, 0);
}

/**
 * dmam_free_coherent - free a buffer of dmam_alloc_coherent() now
 * @dev: the device
 * @size: the size given at allocation
 * @vaddr: the CPU address returned
 * @dma_handle: the DMA address stored
 *
 * @size and @dma_handle must be those of the allocation: anything else is
 * refused and reported, and the buffer stays the device's.
 */
DMAMAP_API void dmam_free_coherent(struct device *dev, size_t size, void *vaddr,
				   dma_addr_t dma_handle);

static inline int dma_get_cache_alignment(void)
{
	return 64;	/* ARCH_DMA_MINALIGN of the model */
}

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMA_MAPPING_H */
