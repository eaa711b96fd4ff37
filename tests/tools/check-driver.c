// SPDX-License-Identifier: MIT
/*
 * A driver for 'dmamap check' (tests/tools/test-tool.py): "clean" uses the
 * DMA API as it should; "buggy" unmaps with another size, never checks a
 * mapping, and writes a buffer the device owns: three reports.
 */
#include <dmamap/dmamap.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	bool buggy = argc > 1 && !strcmp(argv[1], "buggy");
	struct dmamap_device_config dc = { .name = "nic" };
	struct dmamap_machine *m;
	struct device *dev;
	dma_addr_t dma;
	u8 *buf;

	if (dmamap_machine_create(NULL, &m) || dmamap_device_create(m, &dc, &dev))
		return 2;
	buf = dmamap_kmalloc(m, 256, GFP_KERNEL);
	if (!buf)
		return 2;
	memset(buf, 1, 256);
	dma = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	if (!buggy && dma_mapping_error(dev, dma))
		return 2;
	if (buggy)
		dma_unmap_single(dev, dma, 128, DMA_TO_DEVICE);	/* another size */
	dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);		/* buggy: never checked */
	dma = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma))
		return 2;
	if (buggy)
		buf[10] = 2;					/* the device owns it */
	dma_unmap_single(dev, dma, 256, DMA_TO_DEVICE);
	dmamap_kfree(m, buf);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
	printf("done\n");
	return 0;
}
