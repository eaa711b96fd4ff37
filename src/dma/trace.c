// SPDX-License-Identifier: MIT
#include "dma/trace.h"

DMAMAP_API void dmamap_trace_set(struct dmamap_machine *m, dmamap_trace_fn fn, void *arg)
{
	if (!m)
		return;
	m->trace_arg = arg;
	__atomic_store_n(&m->trace_fn, fn, __ATOMIC_RELEASE);
}

void trace_emit(struct device *dev, enum dmamap_trace_kind kind, const char *name, u64 addr,
		u64 size, int dir, long ret, u64 start_ns)
{
	dmamap_trace_fn fn = __atomic_load_n(&dev->machine->trace_fn, __ATOMIC_ACQUIRE);
	struct dmamap_trace_event ev = {
		.kind = kind, .name = name, .dev = dev, .addr = addr, .size = size,
		.dir = dir, .ret = ret, .start_ns = start_ns, .end_ns = trace_now(),
	};

	if (fn)
		fn(&ev, dev->machine->trace_arg);
}
