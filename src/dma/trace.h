/* SPDX-License-Identifier: MIT */
/* Tracing moved to src/trace; this name stays for the DMA layer's files. */
#include "trace/trace.h"
