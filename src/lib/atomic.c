// SPDX-License-Identifier: MIT
#include "lib/atomic.h"

#ifdef __SANITIZE_THREAD__
int dmamap_fence_word;	/* see smp_mb() */
#endif
