// SPDX-License-Identifier: MIT
/*
 * Tracing: the dispatch of each reported operation to the machine's
 * callback and trace file, and where the trace file comes from:
 * dmamap_trace_open() for one machine, or DMAMAP_TRACE for every machine of
 * the process.
 *
 * The DMAMAP_TRACE file is opened at the first machine created and stays
 * open until the process exits: machines come and go (a test suite makes
 * hundreds) and each is a process of its own in the one trace, rather than
 * truncating the file of the one before. Each machine that goes flushes it,
 * so the file is complete up to there even if the process then dies.
 */
#include "trace/trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trace_file *env_file;	/* under env_lock */
static bool env_tried;			/* under env_lock: DMAMAP_TRACE read */
static unsigned long env_machines;	/* under env_lock: numbers the machines */

static void update_active(struct dmamap_machine *m)
{
	smp_store_release(&m->trace_active, READ_ONCE(m->trace_fn) || m->trace_file);
}

DMAMAP_API void dmamap_trace_set(struct dmamap_machine *m, dmamap_trace_fn fn, void *arg)
{
	if (!m)
		return;
	m->trace_arg = arg;
	smp_store_release(&m->trace_fn, fn);
	update_active(m);
}

void trace_event(struct dmamap_machine *m, struct dmamap_trace_event *ev)
{
	dmamap_trace_fn fn = smp_load_acquire(&m->trace_fn);

	if (!ev->end_ns)
		ev->end_ns = trace_now();
	if (fn)
		fn(ev, m->trace_arg);
	if (m->trace_file)
		trace_file_write(m->trace_file, m->trace_pid, ev);
}

void trace_emit(struct device *dev, enum dmamap_trace_kind kind, const char *name, u64 addr,
		u64 size, int dir, long ret, u64 start_ns)
{
	struct dmamap_trace_event ev = {
		.kind = kind, .name = name, .dev = dev, .addr = addr, .size = size,
		.dir = dir, .ret = ret, .start_ns = start_ns,
	};

	trace_event(dev->machine, &ev);
}

void trace_cache(struct device *dev, const char *name, phys_addr_t phys, size_t size, int dir,
		 u64 start_ns)
{
	struct dmamap_trace_event ev = {
		.kind = DMAMAP_TRACE_CACHE, .name = name, .dev = dev, .size = size, .dir = dir,
		.start_ns = start_ns, .phys_addr = phys,
	};

	trace_event(dev->machine, &ev);
}

void trace_fault(struct device *dev, unsigned long iova, int flags, int reason, long ret)
{
	struct dmamap_trace_event ev = {
		.kind = DMAMAP_TRACE_FAULT, .name = "iommu_fault", .dev = dev, .addr = iova,
		.dir = flags, .ret = ret, .reason = reason,
	};

	ev.start_ns = ev.end_ns = trace_now();
	trace_event(dev->machine, &ev);
}

static void env_close(void)
{
	pthread_mutex_lock(&env_lock);
	if (env_file)
		trace_file_close(env_file);
	env_file = NULL;
	pthread_mutex_unlock(&env_lock);
}

/* The DMAMAP_TRACE file, opened the first time; NULL when there is none. */
static struct trace_file *env_trace(unsigned long *nr)
{
	const char *path;

	pthread_mutex_lock(&env_lock);
	if (!env_tried) {
		env_tried = true;
		path = getenv("DMAMAP_TRACE");
		if (path && *path) {
			env_file = trace_file_open(path);
			if (!env_file)
				fprintf(stderr, "dmamap: DMAMAP_TRACE: cannot write %s: %s; "
					"not tracing\n", path, strerror(errno));
			else
				atexit(env_close);
		}
	}
	*nr = ++env_machines;
	pthread_mutex_unlock(&env_lock);
	return env_file;
}

void trace_machine_init(struct dmamap_machine *m)
{
	unsigned long nr;
	struct trace_file *f = env_trace(&nr);
	char label[64];

	if (!f)
		return;
	snprintf(label, sizeof(label), "dmamap machine %lu", nr);
	m->trace_pid = trace_file_add_machine(f, label);
	m->trace_file = f;
	m->trace_file_own = false;
	update_active(m);
}

void trace_machine_exit(struct dmamap_machine *m)
{
	if (m->trace_file && m->trace_file_own)
		dmamap_trace_close(m);
	else if (m->trace_file)
		trace_file_flush(m->trace_file);
	m->trace_file = NULL;
	update_active(m);
}

DMAMAP_API int dmamap_trace_open(struct dmamap_machine *m, const char *path)
{
	struct trace_file *f;

	if (!m || !path)
		return -EINVAL;
	if (m->trace_file && m->trace_file_own)
		return -EBUSY;
	f = trace_file_open(path);
	if (!f)
		return -errno;
	if (m->trace_file)
		trace_file_flush(m->trace_file);
	m->trace_pid = trace_file_add_machine(f, "dmamap machine");
	m->trace_file = f;
	m->trace_file_own = true;
	update_active(m);
	return 0;
}

DMAMAP_API int dmamap_trace_close(struct dmamap_machine *m)
{
	struct trace_file *f;

	if (!m || !m->trace_file || !m->trace_file_own)
		return -EINVAL;
	f = m->trace_file;
	m->trace_file = NULL;
	m->trace_file_own = false;
	update_active(m);
	return trace_file_close(f);
}
