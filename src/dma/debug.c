// SPDX-License-Identifier: MIT
/*
 * The DMA-API debugger: the records of what each device has live, and the
 * checks of the kernel's CONFIG_DMA_API_DEBUG made against them.
 */
#include <dmamap/debug.h>

#include "dma/coherent.h"

DMAMAP_API void dmamap_debug_dump(struct dmamap_machine *m, FILE *out)
{
	if (!m || !out)
		return;
	dma_alloc_dump(m, out);
}
