// SPDX-License-Identifier: MIT
/*
 * A five-minute tour: the seed's two extensions on the direct path.
 *
 * A buffer allocated with DMA_ATTR_NO_KERNEL_MAPPING has no CPU mapping,
 * so it reaches the CPU only through dma_mmap_attrs(); dma_get_sgtable()
 * describes its pages, so a second device can map it into its own DMA
 * address space with dma_map_sgtable().
 */
#include <dmamap/dmamap.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	struct dmamap_machine *m;
	struct device *cam, *disp;
	struct vm_area_struct *vma;
	struct sg_table sgt;
	dma_addr_t handle;
	char seen[32] = "";
	void *cookie;

	/* 256 MiB of RAM at 0x80000000, ARM-like non-coherent caches, every debugger check */
	struct dmamap_machine_config mcfg = { .cache = DMAMAP_CACHE_NONCOHERENT,
					      .debug = DMAMAP_DEBUG_ALL };
	struct dmamap_device_config cam_cfg = { .name = "camera" };
	struct dmamap_device_config disp_cfg = { .name = "display", .dma_offset = 0x80000000 };

	if (dmamap_machine_create(&mcfg, &m) ||
	    dmamap_device_create(m, &cam_cfg, &cam) ||
	    dmamap_device_create(m, &disp_cfg, &disp))
		return 1;

	/* 1. no kernel mapping: a cookie, not a pointer */
	cookie = dma_alloc_attrs(cam, SZ_64K, &handle, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
	if (!cookie)
		return 1;
	printf("camera buffer: DMA address %#llx, cookie %p (never dereference it)\n",
	       (unsigned long long)handle, cookie);

	/* 2. the device writes; user space reads through dma_mmap_attrs() */
	dmamap_bus_write(cam, handle, "hello from the camera", 22, NULL);
	if (dmamap_vma_create(m, SZ_64K, 0, &vma) ||
	    dma_mmap_attrs(cam, vma, cookie, handle, SZ_64K, DMA_ATTR_NO_KERNEL_MAPPING))
		return 1;
	printf("user space reads: \"%s\"\n", (const char *)vma->vm_start);

	/* 3. share it: the pages, mapped for the display in its own DMA address space */
	if (dma_get_sgtable_attrs(cam, &sgt, cookie, handle, SZ_64K, DMA_ATTR_NO_KERNEL_MAPPING) ||
	    dma_map_sgtable(disp, &sgt, DMA_TO_DEVICE, 0))
		return 1;
	dmamap_bus_read(disp, sg_dma_address(sgt.sgl), seen, 22, NULL);
	printf("display reads \"%s\" at its own DMA address %#llx\n", seen,
	       (unsigned long long)sg_dma_address(sgt.sgl));

	dma_unmap_sgtable(disp, &sgt, DMA_TO_DEVICE, 0);
	sg_free_table(&sgt);
	dmamap_vma_destroy(vma);
	dma_free_attrs(cam, SZ_64K, cookie, handle, DMA_ATTR_NO_KERNEL_MAPPING);

	/* 4. the debugger: a mistake above would have been one line on stderr, with its site */
	printf("debugger reports: %lu\n", dmamap_debug_error_count(m));
	if (dmamap_debug_error_count(m))
		return 1;
	dmamap_machine_destroy(m);
	return strcmp(seen, "hello from the camera") ? 1 : 0;
}
