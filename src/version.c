// SPDX-License-Identifier: MIT
#include <dmamap/dmamap.h>

#define STR2(x) #x
#define STR(x) STR2(x)

DMAMAP_API const char *dmamap_version(void)
{
	return STR(DMAMAP_VERSION_MAJOR) "." STR(DMAMAP_VERSION_MINOR) "." STR(DMAMAP_VERSION_PATCH);
}
