// SPDX-License-Identifier: MIT
/*
 * The public API as outside code sees it: every call of the contract (the
 * design's list of types and calls, with the kernel's signatures for the
 * kernel's names), checked against the installed headers by the compiler,
 * and every function linked. Built by scripts/test-install.sh; a renamed
 * call, a changed parameter or return type, or a symbol that is not
 * exported fails the build.
 *
 * Calls that are functions are checked by type (their address must have
 * exactly the contract's type); calls the kernel spells as macros
 * (dma_map_single(), sg_dma_address(), for_each_sg(), ...) are checked by
 * use, with arguments and results of the contract's types. Not here: the
 * debugger's calls, which are not part of the library yet.
 */
#include <dmamap/dmamap.h>

#include <stdbool.h>
#include <stddef.h>

#define SIG(fn, type)                                                                   \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&fn), type), #fn " differs")
#define FIELD(s, f, type)                                                               \
	_Static_assert(__builtin_types_compatible_p(__typeof__(((s *)0)->f), type),       \
		       #s "." #f " differs")

/* --- types and constants ---------------------------------------------------- */

_Static_assert(sizeof(dma_addr_t) == 8 && sizeof(phys_addr_t) == 8, "addresses are u64");
_Static_assert(sizeof(u8) == 1 && sizeof(u16) == 2 && sizeof(u32) == 4 && sizeof(u64) == 8,
	       "fixed-width types");
_Static_assert(DMA_MAPPING_ERROR == (dma_addr_t)~0ULL, "DMA_MAPPING_ERROR");
_Static_assert(PAGE_SIZE == 4096 && PAGE_SHIFT == 12, "page size");
_Static_assert(DMA_BIT_MASK(32) == 0xffffffffULL && DMA_BIT_MASK(64) == ~0ULL, "DMA_BIT_MASK");
_Static_assert(DMA_BIDIRECTIONAL == 0 && DMA_TO_DEVICE == 1 && DMA_FROM_DEVICE == 2 &&
	       DMA_NONE == 3, "enum dma_data_direction");
static const unsigned long attrs_all = DMA_ATTR_WEAK_ORDERING | DMA_ATTR_WRITE_COMBINE |
	DMA_ATTR_NO_KERNEL_MAPPING | DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_FORCE_CONTIGUOUS |
	DMA_ATTR_ALLOC_SINGLE_PAGES | DMA_ATTR_NO_WARN | DMA_ATTR_PRIVILEGED;
static const gfp_t gfp_all = GFP_KERNEL | GFP_ATOMIC | GFP_DMA | GFP_DMA32 | __GFP_ZERO |
	__GFP_NOWARN;
static const int prot_all = IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | IOMMU_NOEXEC | IOMMU_MMIO |
	IOMMU_PRIV;
static const int fault_flags_all = IOMMU_FAULT_READ | IOMMU_FAULT_WRITE;

/* --- the model: machine, devices, memory, VMAs ------------------------------ */

FIELD(struct dmamap_bank, base, phys_addr_t);
FIELD(struct dmamap_bank, size, u64);
FIELD(struct dmamap_machine_config, banks, const struct dmamap_bank *);
FIELD(struct dmamap_machine_config, nr_banks, unsigned int);
FIELD(struct dmamap_machine_config, vmalloc_size, u64);
FIELD(struct dmamap_machine_config, atomic_pool_size, u64);
FIELD(struct dmamap_machine_config, swiotlb_size, u64);
FIELD(struct dmamap_machine_config, cache, enum dmamap_cache_model);
FIELD(struct dmamap_machine_config, debug, unsigned long);
_Static_assert(DMAMAP_CACHE_COHERENT != DMAMAP_CACHE_NONCOHERENT, "cache models");
SIG(dmamap_machine_create, int (*)(const struct dmamap_machine_config *, struct dmamap_machine **));
SIG(dmamap_machine_destroy, void (*)(struct dmamap_machine *));

FIELD(struct dmamap_device_config, name, const char *);
FIELD(struct dmamap_device_config, dma_mask, u64);
FIELD(struct dmamap_device_config, coherent_dma_mask, u64);
FIELD(struct dmamap_device_config, coherent, bool);
FIELD(struct dmamap_device_config, max_segment_size, unsigned int);
FIELD(struct dmamap_device_config, segment_boundary_mask, unsigned long);
FIELD(struct dmamap_device_config, dma_offset, u64);
SIG(dmamap_device_create,
    int (*)(struct dmamap_machine *, const struct dmamap_device_config *, struct device **));
SIG(dmamap_device_destroy, void (*)(struct device *));
/* additions past the design's list: struct device as drivers read it, embedding */
FIELD(struct device, init_name, const char *);
FIELD(struct device, driver_data, void *);
FIELD(struct device, dma_mask, u64 *);
FIELD(struct device, coherent_dma_mask, u64);
FIELD(struct device, bus_dma_limit, u64);
FIELD(struct device, dma_parms, struct device_dma_parameters *);
FIELD(struct device, dma_coherent, bool);
FIELD(struct device, release, void (*)(struct device *));
FIELD(struct device_dma_parameters, max_segment_size, unsigned int);
FIELD(struct device_dma_parameters, segment_boundary_mask, unsigned long);
SIG(dmamap_device_register, int (*)(struct dmamap_machine *, struct device *,
				    const struct dmamap_device_config *));
SIG(dmamap_device_unregister, void (*)(struct device *));
SIG(get_device, struct device *(*)(struct device *));
SIG(put_device, void (*)(struct device *));
SIG(dev_get_drvdata, void *(*)(const struct device *));
SIG(dev_set_drvdata, void (*)(struct device *, void *));

SIG(dmamap_alloc_pages, struct page *(*)(struct dmamap_machine *, gfp_t, unsigned int));
SIG(dmamap_free_pages, void (*)(struct page *, unsigned int));
SIG(dmamap_kmalloc, void *(*)(struct dmamap_machine *, size_t, gfp_t));
SIG(dmamap_kfree, void (*)(struct dmamap_machine *, void *));
SIG(page_address, void *(*)(const struct page *));
SIG(page_to_phys, phys_addr_t (*)(const struct page *));
SIG(page_to_pfn, unsigned long (*)(const struct page *));
SIG(dmamap_pfn_to_page, struct page *(*)(struct dmamap_machine *, unsigned long));
SIG(dmamap_virt_to_page, struct page *(*)(struct dmamap_machine *, const void *));

FIELD(struct vm_area_struct, vm_start, unsigned long);
FIELD(struct vm_area_struct, vm_end, unsigned long);
FIELD(struct vm_area_struct, vm_pgoff, unsigned long);
FIELD(struct vm_area_struct, vm_page_prot, unsigned long);
SIG(dmamap_vma_create,
    int (*)(struct dmamap_machine *, size_t, unsigned long, struct vm_area_struct **));
SIG(dmamap_vma_destroy, void (*)(struct vm_area_struct *));

/* --- the DMA API ------------------------------------------------------------ */

SIG(dma_alloc_attrs, void *(*)(struct device *, size_t, dma_addr_t *, gfp_t, unsigned long));
SIG(dma_free_attrs, void (*)(struct device *, size_t, void *, dma_addr_t, unsigned long));
SIG(dma_alloc_coherent, void *(*)(struct device *, size_t, dma_addr_t *, gfp_t));
SIG(dma_free_coherent, void (*)(struct device *, size_t, void *, dma_addr_t));
SIG(dma_alloc_wc, void *(*)(struct device *, size_t, dma_addr_t *, gfp_t));
SIG(dma_free_wc, void (*)(struct device *, size_t, void *, dma_addr_t));
SIG(dma_mmap_attrs, int (*)(struct device *, struct vm_area_struct *, void *, dma_addr_t, size_t,
			    unsigned long));
SIG(dma_mmap_wc, int (*)(struct device *, struct vm_area_struct *, void *, dma_addr_t, size_t));
SIG(dma_get_sgtable_attrs, int (*)(struct device *, struct sg_table *, void *, dma_addr_t, size_t,
				   unsigned long));
SIG(dma_can_mmap, bool (*)(struct device *));
SIG(dma_map_page_attrs, dma_addr_t (*)(struct device *, struct page *, size_t, size_t,
				       enum dma_data_direction, unsigned long));
SIG(dma_unmap_page_attrs, void (*)(struct device *, dma_addr_t, size_t, enum dma_data_direction,
				   unsigned long));
SIG(dma_map_single_attrs, dma_addr_t (*)(struct device *, void *, size_t,
					 enum dma_data_direction, unsigned long));
SIG(dma_unmap_single_attrs, void (*)(struct device *, dma_addr_t, size_t,
				     enum dma_data_direction, unsigned long));
SIG(dma_map_sg_attrs, unsigned int (*)(struct device *, struct scatterlist *, int,
				       enum dma_data_direction, unsigned long));
SIG(dma_unmap_sg_attrs, void (*)(struct device *, struct scatterlist *, int,
				 enum dma_data_direction, unsigned long));
SIG(dma_map_sgtable, int (*)(struct device *, struct sg_table *, enum dma_data_direction,
			     unsigned long));
SIG(dma_unmap_sgtable, void (*)(struct device *, struct sg_table *, enum dma_data_direction,
				unsigned long));
SIG(dma_sync_single_for_cpu, void (*)(struct device *, dma_addr_t, size_t,
				      enum dma_data_direction));
SIG(dma_sync_single_for_device, void (*)(struct device *, dma_addr_t, size_t,
					 enum dma_data_direction));
SIG(dma_sync_sg_for_cpu, void (*)(struct device *, struct scatterlist *, int,
				  enum dma_data_direction));
SIG(dma_sync_sg_for_device, void (*)(struct device *, struct scatterlist *, int,
				     enum dma_data_direction));
SIG(dma_sync_sgtable_for_cpu, void (*)(struct device *, struct sg_table *,
				       enum dma_data_direction));
SIG(dma_sync_sgtable_for_device, void (*)(struct device *, struct sg_table *,
					  enum dma_data_direction));
SIG(dma_mapping_error, int (*)(struct device *, dma_addr_t));
SIG(dma_set_mask, int (*)(struct device *, u64));
SIG(dma_set_coherent_mask, int (*)(struct device *, u64));
SIG(dma_set_mask_and_coherent, int (*)(struct device *, u64));
SIG(dma_get_mask, u64 (*)(struct device *));
SIG(dma_get_max_seg_size, unsigned int (*)(struct device *));
SIG(dma_alloc_noncontiguous, struct sg_table *(*)(struct device *, size_t,
						  enum dma_data_direction, gfp_t, unsigned long));
SIG(dma_free_noncontiguous, void (*)(struct device *, size_t, struct sg_table *,
				     enum dma_data_direction));
SIG(dma_vmap_noncontiguous, void *(*)(struct device *, size_t, struct sg_table *));
SIG(dma_vunmap_noncontiguous, void (*)(struct device *, void *));
SIG(dma_mmap_noncontiguous, int (*)(struct device *, struct vm_area_struct *, size_t,
				    struct sg_table *));
/* additions past the design's list, with the kernel's signatures */
SIG(dma_pool_create, struct dma_pool *(*)(const char *, struct device *, size_t, size_t, size_t));
SIG(dma_pool_destroy, void (*)(struct dma_pool *));
SIG(dma_pool_alloc, void *(*)(struct dma_pool *, gfp_t, dma_addr_t *));
SIG(dma_pool_zalloc, void *(*)(struct dma_pool *, gfp_t, dma_addr_t *));
SIG(dma_pool_free, void (*)(struct dma_pool *, void *, dma_addr_t));
SIG(dmam_pool_create, struct dma_pool *(*)(const char *, struct device *, size_t, size_t, size_t));
SIG(dmam_pool_destroy, void (*)(struct dma_pool *));
SIG(dmam_alloc_attrs, void *(*)(struct device *, size_t, dma_addr_t *, gfp_t, unsigned long));
SIG(dmam_alloc_coherent, void *(*)(struct device *, size_t, dma_addr_t *, gfp_t));
SIG(dmam_free_coherent, void (*)(struct device *, size_t, void *, dma_addr_t));
SIG(dma_sync_single_range_for_cpu, void (*)(struct device *, dma_addr_t, unsigned long, size_t,
					    enum dma_data_direction));
SIG(dma_sync_single_range_for_device, void (*)(struct device *, dma_addr_t, unsigned long,
					       size_t, enum dma_data_direction));
SIG(dma_max_mapping_size, size_t (*)(struct device *));
SIG(dma_opt_mapping_size, size_t (*)(struct device *));
SIG(dma_get_required_mask, u64 (*)(struct device *));
SIG(dma_addressing_limited, bool (*)(struct device *));
SIG(dma_need_sync, bool (*)(struct device *, dma_addr_t));
SIG(dma_alloc_pages, struct page *(*)(struct device *, size_t, dma_addr_t *,
				      enum dma_data_direction, gfp_t));
SIG(dma_free_pages, void (*)(struct device *, size_t, struct page *, dma_addr_t,
			     enum dma_data_direction));
SIG(dma_mmap_pages, int (*)(struct device *, struct vm_area_struct *, size_t, struct page *));
SIG(dma_alloc_noncoherent, void *(*)(struct device *, size_t, dma_addr_t *,
				     enum dma_data_direction, gfp_t));
SIG(dma_free_noncoherent, void (*)(struct device *, size_t, void *, dma_addr_t,
				   enum dma_data_direction));
SIG(dma_map_resource, dma_addr_t (*)(struct device *, phys_addr_t, size_t,
				     enum dma_data_direction, unsigned long));
SIG(dma_unmap_resource, void (*)(struct device *, dma_addr_t, size_t, enum dma_data_direction,
				 unsigned long));
SIG(dmamap_mmio_region_create, int (*)(struct dmamap_machine *, const struct dmamap_mmio_config *,
				       struct dmamap_mmio_region **));
SIG(dmamap_mmio_region_destroy, void (*)(struct dmamap_mmio_region *));
SIG(dmamap_mmio_region_regs, void *(*)(struct dmamap_mmio_region *));
SIG(dmamap_mmio_region_base, phys_addr_t (*)(const struct dmamap_mmio_region *));
FIELD(struct vm_area_struct, vm_flags, const vm_flags_t);
FIELD(struct vm_area_struct, vm_ops, const struct vm_operations_struct *);
FIELD(struct vm_operations_struct, open, void (*)(struct vm_area_struct *));
FIELD(struct vm_operations_struct, close, void (*)(struct vm_area_struct *));
SIG(vm_get_page_prot, unsigned long (*)(vm_flags_t));
SIG(vm_flags_set, void (*)(struct vm_area_struct *, vm_flags_t));
SIG(vm_flags_clear, void (*)(struct vm_area_struct *, vm_flags_t));
SIG(vm_flags_mod, void (*)(struct vm_area_struct *, vm_flags_t, vm_flags_t));
SIG(dma_buf_map_attachment_unlocked, struct sg_table *(*)(struct dma_buf_attachment *,
							  enum dma_data_direction));
SIG(dma_buf_unmap_attachment_unlocked, void (*)(struct dma_buf_attachment *, struct sg_table *,
						enum dma_data_direction));
SIG(dma_buf_vmap_unlocked, int (*)(struct dma_buf *, struct iosys_map *));
SIG(dma_buf_vunmap_unlocked, void (*)(struct dma_buf *, struct iosys_map *));
SIG(dma_buf_dynamic_attach, struct dma_buf_attachment *(*)(struct dma_buf *, struct device *,
							   const struct dma_buf_attach_ops *,
							   void *));
SIG(dma_buf_pin, int (*)(struct dma_buf_attachment *));
SIG(dma_buf_unpin, void (*)(struct dma_buf_attachment *));
SIG(dma_buf_move_notify, void (*)(struct dma_buf *));
FIELD(struct dma_buf, resv, struct dma_resv *);
FIELD(struct dma_buf_export_info, owner, struct module *);
FIELD(struct dma_buf_export_info, resv, struct dma_resv *);
SIG(dma_resv_init, void (*)(struct dma_resv *));
SIG(dma_resv_fini, void (*)(struct dma_resv *));
SIG(dma_resv_lock, int (*)(struct dma_resv *, struct ww_acquire_ctx *));
SIG(dma_resv_unlock, void (*)(struct dma_resv *));
SIG(dma_resv_trylock, bool (*)(struct dma_resv *));
SIG(dma_resv_lock_slow, void (*)(struct dma_resv *, struct ww_acquire_ctx *));
SIG(ww_acquire_init, void (*)(struct ww_acquire_ctx *, struct ww_class *));
SIG(ww_acquire_fini, void (*)(struct ww_acquire_ctx *));
const struct iosys_map contract_map = IOSYS_MAP_INIT_VADDR(NULL);
SIG(flush_kernel_vmap_range, void (*)(void *, int));
SIG(invalidate_kernel_vmap_range, void (*)(void *, int));
SIG(dmamap_machine_set_current, int (*)(struct dmamap_machine *));
SIG(dmamap_machine_current, struct dmamap_machine *(*)(void));
SIG(dmamap_virt_machine, struct dmamap_machine *(*)(const void *));
SIG(dmamap_printk_count, unsigned long (*)(int));
SIG(dmamap_warn_count, unsigned long (*)(void));
struct contract_unmap_state {
	DEFINE_DMA_UNMAP_ADDR(addr);
	DEFINE_DMA_UNMAP_LEN(len);
};
FIELD(struct contract_unmap_state, addr, dma_addr_t);

/* --- scatterlists ------------------------------------------------------------- */

FIELD(struct sg_table, sgl, struct scatterlist *);
FIELD(struct sg_table, nents, unsigned int);
FIELD(struct sg_table, orig_nents, unsigned int);
SIG(sg_alloc_table, int (*)(struct sg_table *, unsigned int, gfp_t));
SIG(sg_free_table, void (*)(struct sg_table *));
SIG(sg_alloc_table_from_pages, int (*)(struct sg_table *, struct page **, unsigned int,
				       unsigned int, unsigned long, gfp_t));
SIG(sg_alloc_table_from_pages_segment, int (*)(struct sg_table *, struct page **, unsigned int,
					       unsigned int, unsigned long, unsigned int, gfp_t));
SIG(sg_init_table, void (*)(struct scatterlist *, unsigned int));
SIG(sg_set_page, void (*)(struct scatterlist *, struct page *, unsigned int, unsigned int));
SIG(sg_page, struct page *(*)(struct scatterlist *));
SIG(sg_next, struct scatterlist *(*)(struct scatterlist *));
SIG(sg_mark_end, void (*)(struct scatterlist *));
SIG(sg_nents, int (*)(struct scatterlist *));
SIG(sg_phys, dma_addr_t (*)(struct scatterlist *));
SIG(sg_virt, void *(*)(struct scatterlist *));
SIG(sg_copy_from_buffer, size_t (*)(struct scatterlist *, unsigned int, const void *, size_t));
SIG(sg_copy_to_buffer, size_t (*)(struct scatterlist *, unsigned int, void *, size_t));

/* --- IOMMU ---------------------------------------------------------------------- */

FIELD(struct dmamap_iommu_config, type, unsigned int);
FIELD(struct dmamap_iommu_config, ias, unsigned int);
FIELD(struct dmamap_iommu_config, pgsize_bitmap, unsigned long);
FIELD(struct dmamap_iommu_config, flush, enum dmamap_iommu_flush);
FIELD(struct dmamap_iommu_config, iotlb_entries, unsigned int);
_Static_assert(DMAMAP_IOMMU_STRICT == 0 && DMAMAP_IOMMU_LAZY == 1, "flush modes");
_Static_assert(IOMMU_DOMAIN_DMA != IOMMU_DOMAIN_UNMANAGED &&
	       IOMMU_DOMAIN_DMA != IOMMU_DOMAIN_IDENTITY &&
	       IOMMU_DOMAIN_UNMANAGED != IOMMU_DOMAIN_IDENTITY, "domain types");
SIG(dmamap_iommu_domain_create, int (*)(struct dmamap_machine *, const struct dmamap_iommu_config *,
					struct iommu_domain **));
SIG(iommu_domain_free, void (*)(struct iommu_domain *));
SIG(iommu_attach_device, int (*)(struct iommu_domain *, struct device *));
SIG(iommu_detach_device, void (*)(struct iommu_domain *, struct device *));
SIG(iommu_get_domain_for_dev, struct iommu_domain *(*)(struct device *));
SIG(iommu_map, int (*)(struct iommu_domain *, unsigned long, phys_addr_t, size_t, int, gfp_t));
SIG(iommu_unmap, size_t (*)(struct iommu_domain *, unsigned long, size_t));
SIG(iommu_iova_to_phys, phys_addr_t (*)(struct iommu_domain *, dma_addr_t));
SIG(iommu_flush_iotlb_all, void (*)(struct iommu_domain *));
_Static_assert(__builtin_types_compatible_p(iommu_fault_handler_t,
					    int (*)(struct iommu_domain *, struct device *,
						    unsigned long, int, void *)),
	       "iommu_fault_handler_t differs");
SIG(iommu_set_fault_handler, void (*)(struct iommu_domain *, iommu_fault_handler_t, void *));
/* beyond the contract: the kernel's v6.12 calls */
SIG(devm_kmalloc, void *(*)(struct device *, size_t, gfp_t));
SIG(devm_kfree, void (*)(struct device *, const void *));
FIELD(struct dmamap_iommu_config, oas, unsigned int);
FIELD(struct iommu_iotlb_gather, start, unsigned long);
FIELD(struct iommu_iotlb_gather, end, unsigned long);
FIELD(struct iommu_iotlb_gather, pgsize, size_t);
FIELD(struct iommu_iotlb_gather, queued, bool);
SIG(iommu_paging_domain_alloc, struct iommu_domain *(*)(struct device *));
SIG(iommu_map_sg, ssize_t (*)(struct iommu_domain *, unsigned long, struct scatterlist *,
			      unsigned int, int, gfp_t));
SIG(iommu_unmap_fast, size_t (*)(struct iommu_domain *, unsigned long, size_t,
				 struct iommu_iotlb_gather *));
SIG(iommu_iotlb_sync, void (*)(struct iommu_domain *, struct iommu_iotlb_gather *));

/* --- the bus master ------------------------------------------------------------- */

FIELD(struct dmamap_fault, addr, dma_addr_t);
FIELD(struct dmamap_fault, done, size_t);
FIELD(struct dmamap_fault, flags, int);
FIELD(struct dmamap_fault, reason, int);
SIG(dmamap_bus_read, int (*)(struct device *, dma_addr_t, void *, size_t, struct dmamap_fault *));
SIG(dmamap_bus_write, int (*)(struct device *, dma_addr_t, const void *, size_t,
			      struct dmamap_fault *));
SIG(dmamap_bus_copy, int (*)(struct device *, dma_addr_t, dma_addr_t, size_t,
			     struct dmamap_fault *));
SIG(dmamap_bus_fill, int (*)(struct device *, dma_addr_t, int, size_t, struct dmamap_fault *));

/* --- dma-buf ---------------------------------------------------------------------- */

FIELD(struct dma_buf_ops, attach, int (*)(struct dma_buf *, struct dma_buf_attachment *));
FIELD(struct dma_buf_ops, detach, void (*)(struct dma_buf *, struct dma_buf_attachment *));
FIELD(struct dma_buf_ops, map_dma_buf, struct sg_table *(*)(struct dma_buf_attachment *,
							     enum dma_data_direction));
FIELD(struct dma_buf_ops, unmap_dma_buf, void (*)(struct dma_buf_attachment *, struct sg_table *,
						  enum dma_data_direction));
FIELD(struct dma_buf_ops, release, void (*)(struct dma_buf *));
FIELD(struct dma_buf_ops, begin_cpu_access, int (*)(struct dma_buf *, enum dma_data_direction));
FIELD(struct dma_buf_ops, end_cpu_access, int (*)(struct dma_buf *, enum dma_data_direction));
FIELD(struct dma_buf_ops, mmap, int (*)(struct dma_buf *, struct vm_area_struct *));
FIELD(struct dma_buf_ops, vmap, int (*)(struct dma_buf *, struct iosys_map *));
FIELD(struct dma_buf_ops, vunmap, void (*)(struct dma_buf *, struct iosys_map *));
FIELD(struct dma_buf_export_info, exp_name, const char *);
FIELD(struct dma_buf_export_info, ops, const struct dma_buf_ops *);
FIELD(struct dma_buf_export_info, size, size_t);
FIELD(struct dma_buf_export_info, flags, int);
FIELD(struct dma_buf_export_info, priv, void *);
FIELD(struct dma_buf, size, size_t);
FIELD(struct dma_buf, priv, void *);
FIELD(struct iosys_map, vaddr, void *);
FIELD(struct iosys_map, is_iomem, bool);
SIG(dma_buf_export, struct dma_buf *(*)(const struct dma_buf_export_info *));
SIG(get_dma_buf, void (*)(struct dma_buf *));
SIG(dma_buf_put, void (*)(struct dma_buf *));
SIG(dma_buf_attach, struct dma_buf_attachment *(*)(struct dma_buf *, struct device *));
SIG(dma_buf_detach, void (*)(struct dma_buf *, struct dma_buf_attachment *));
SIG(dma_buf_map_attachment, struct sg_table *(*)(struct dma_buf_attachment *,
						 enum dma_data_direction));
SIG(dma_buf_unmap_attachment, void (*)(struct dma_buf_attachment *, struct sg_table *,
				       enum dma_data_direction));
SIG(dma_buf_begin_cpu_access, int (*)(struct dma_buf *, enum dma_data_direction));
SIG(dma_buf_end_cpu_access, int (*)(struct dma_buf *, enum dma_data_direction));
SIG(dma_buf_mmap, int (*)(struct dma_buf *, struct vm_area_struct *, unsigned long));
SIG(dma_buf_vmap, int (*)(struct dma_buf *, struct iosys_map *));
SIG(dma_buf_vunmap, void (*)(struct dma_buf *, struct iosys_map *));
SIG(dmamap_dma_buf_alloc, struct dma_buf *(*)(struct device *, size_t, unsigned long));

/* --- statistics ----------------------------------------------------------------- */

FIELD(struct dmamap_stats, pages_total, u64);
FIELD(struct dmamap_stats, pages_free, u64);
FIELD(struct dmamap_stats, vmalloc_bytes, u64);
FIELD(struct dmamap_stats, vmalloc_areas, u64);
FIELD(struct dmamap_stats, host_vmas, u64);
FIELD(struct dmamap_stats, iotlb_hits, u64);
FIELD(struct dmamap_stats, iotlb_misses, u64);
FIELD(struct dmamap_stats, stale_iotlb_hits, u64);
FIELD(struct dmamap_stats, iommu_faults, u64);
FIELD(struct dmamap_stats, bounce_bytes, u64);
FIELD(struct dmamap_stats, syncs, u64);
FIELD(struct dmamap_stats, api_errors, u64);
SIG(dmamap_machine_stats, void (*)(struct dmamap_machine *, struct dmamap_stats *));

/*
 * The calls the kernel spells as macros (or whose return type changed within
 * 6.x: dma_set_max_seg_size() and dma_set_seg_boundary() return void since
 * 6.11), used the way kernel code uses them. Never run: the program only
 * has to build and link.
 */
int contract_uses(struct device *dev, struct page *page, struct sg_table *sgt, void *cpu,
		  struct vm_area_struct *vma);
int contract_uses(struct device *dev, struct page *page, struct sg_table *sgt, void *cpu,
		  struct vm_area_struct *vma)
{
	struct scatterlist *sg;
	dma_addr_t a = dma_map_single(dev, cpu, 64, DMA_TO_DEVICE);
	dma_addr_t b = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	int n = (int)dma_map_sg(dev, sgt->sgl, (int)sgt->orig_nents, DMA_BIDIRECTIONAL);
	int ret = dma_mmap_coherent(dev, vma, cpu, a, PAGE_SIZE);
	unsigned int i;
	int j;
	DEFINE_DMA_BUF_EXPORT_INFO(info);

	ret |= dma_get_sgtable(dev, sgt, cpu, a, PAGE_SIZE);
	for_each_sg(sgt->sgl, sg, n, j) {
		dma_addr_t d = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		ret |= (int)(d + len);
	}
	for_each_sgtable_sg(sgt, sg, i)
		ret |= (int)sg->length;
	for_each_sgtable_dma_sg(sgt, sg, i)
		ret |= (int)sg_dma_len(sg);
	dma_unmap_sg(dev, sgt->sgl, (int)sgt->orig_nents, DMA_BIDIRECTIONAL);
	dma_unmap_page(dev, b, PAGE_SIZE, DMA_FROM_DEVICE);
	dma_unmap_single(dev, a, 64, DMA_TO_DEVICE);
	dma_set_max_seg_size(dev, 65536);
	dma_set_seg_boundary(dev, 0xffffffffUL);
	info.size = PAGE_SIZE;
	info.priv = cpu;
	ret |= !IS_ERR_OR_NULL(dma_buf_export(&info));
	return ret + (int)(attrs_all + (unsigned long)gfp_all) + prot_all + fault_flags_all;
}

int main(void)
{
	return 0;
}
