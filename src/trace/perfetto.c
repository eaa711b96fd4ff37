// SPDX-License-Identifier: MIT
/*
 * The trace file: Chrome trace-event JSON, in its array form, which the
 * Perfetto UI and chrome://tracing open. The array form lets events be
 * written as they come and the file be read even without its closing
 * bracket, so a program that crashes still leaves its trace.
 *
 * Each machine is a process. Its tracks (threads, to the format):
 *   tid 1         the CPU's cache maintenance for the devices' buffers
 *   tid 2 + 2*id  device id's DMA API calls (the driver's side)
 *   tid 3 + 2*id  device id's bus accesses, IOMMU faults among them
 * A track is named the first time it is used. Addresses are strings of hex
 * digits: JSON numbers stop being exact at 2^53.
 */
#include "trace/trace.h"
#include "lib/lockdep.h"

#include <dmamap/bus.h>
#include <dmamap/dma-mapping.h>
#include <dmamap/scatterlist.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Entries of a scatterlist written out, as the kernel's dma_map_sg event cuts them. */
#define TRACE_MAX_ENTRIES 128

struct trace_proc {
	u8 *named;		/* tracks named so far, a byte per tid */
	size_t nr_named;
};

struct trace_file {
	pthread_mutex_t lock;	/* guards everything below */
	FILE *f;
	u64 t0;			/* the trace's time 0 (CLOCK_MONOTONIC ns) */
	bool first;		/* no event written yet: no separator */
	int nr_procs;
	struct trace_proc *procs;	/* by pid - 1 */
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void begin(struct trace_file *t)
{
	fputs(t->first ? "\n" : ",\n", t->f);
	t->first = false;
}

struct trace_file *trace_file_open(const char *path)
{
	struct trace_file *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return NULL;
	t->f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!t->f) {
		err = errno;
		free(t);
		errno = err;
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->t0 = trace_now();
	t->first = true;
	fputc('[', t->f);
	return t;
}

int trace_file_close(struct trace_file *t)
{
	int err = 0;

	if (!t)
		return 0;
	fputs("\n]\n", t->f);
	if (fflush(t->f) || ferror(t->f))
		err = errno ? -errno : -EIO;
	if (t->f != stdout && fclose(t->f) && !err)
		err = errno ? -errno : -EIO;
	for (int i = 0; i < t->nr_procs; i++)
		free(t->procs[i].named);
	free(t->procs);
	pthread_mutex_destroy(&t->lock);
	free(t);
	return err;
}

void trace_file_flush(struct trace_file *t)
{
	pthread_mutex_lock(&t->lock);
	fflush(t->f);
	pthread_mutex_unlock(&t->lock);
}

int trace_file_add_machine(struct trace_file *t, const char *label)
{
	struct trace_proc *p;
	int pid;

	pthread_mutex_lock(&t->lock);
	p = realloc(t->procs, (size_t)(t->nr_procs + 1) * sizeof(*p));
	if (!p) {
		/* events of this machine go to the last process: wrong names, no crash */
		pid = t->nr_procs;
		pthread_mutex_unlock(&t->lock);
		return pid;
	}
	t->procs = p;
	t->procs[t->nr_procs] = (struct trace_proc){ NULL, 0 };
	pid = ++t->nr_procs;
	begin(t);
	fprintf(t->f, "{\"ph\": \"M\", \"pid\": %d, \"tid\": 0, \"name\": \"process_name\", "
		"\"args\": {\"name\": ", pid);
	json_str(t->f, label);
	fputs("}}", t->f);
	pthread_mutex_unlock(&t->lock);
	return pid;
}

/* Names track @tid of process @pid the first time it is used. Under the lock. */
static void name_track(struct trace_file *t, int pid, unsigned long tid, const char *dev,
		       const char *what)
{
	struct trace_proc *p;

	lockdep_assert_held(&t->lock);
	if (pid < 1 || pid > t->nr_procs)
		return;
	p = &t->procs[pid - 1];
	if (tid >= p->nr_named) {
		size_t n = max_t(size_t, tid + 1, 2 * p->nr_named);
		u8 *named = realloc(p->named, n);

		if (!named)
			return;
		memset(named + p->nr_named, 0, n - p->nr_named);
		p->named = named;
		p->nr_named = n;
	}
	if (p->named[tid])
		return;
	p->named[tid] = 1;
	begin(t);
	fprintf(t->f, "{\"ph\": \"M\", \"pid\": %d, \"tid\": %lu, \"name\": \"thread_name\", "
		"\"args\": {\"name\": ", pid, tid);
	if (dev) {
		char buf[128];

		snprintf(buf, sizeof(buf), "%s: %s", dev, what);
		json_str(t->f, buf);
	} else {
		json_str(t->f, what);
	}
	fputs("}}", t->f);
	begin(t);
	fprintf(t->f, "{\"ph\": \"M\", \"pid\": %d, \"tid\": %lu, \"name\": \"thread_sort_index\", "
		"\"args\": {\"sort_index\": %lu}}", pid, tid, tid);
}

static const char *dir_name(int dir)
{
	static const char *const names[] = { "BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE", "NONE" };

	return dir >= 0 && dir < 4 ? names[dir] : "INVALID";
}

static void put_attrs(FILE *f, unsigned long attrs)
{
	static const struct {
		unsigned long bit;
		const char *name;
	} names[] = {
		{ DMA_ATTR_WEAK_ORDERING, "WEAK_ORDERING" },
		{ DMA_ATTR_WRITE_COMBINE, "WRITE_COMBINE" },
		{ DMA_ATTR_NO_KERNEL_MAPPING, "NO_KERNEL_MAPPING" },
		{ DMA_ATTR_SKIP_CPU_SYNC, "SKIP_CPU_SYNC" },
		{ DMA_ATTR_FORCE_CONTIGUOUS, "FORCE_CONTIGUOUS" },
		{ DMA_ATTR_ALLOC_SINGLE_PAGES, "ALLOC_SINGLE_PAGES" },
		{ DMA_ATTR_NO_WARN, "NO_WARN" },
		{ DMA_ATTR_PRIVILEGED, "PRIVILEGED" },
	};
	const char *sep = "";

	fputs(", \"attrs\": \"", f);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (attrs & names[i].bit) {
			fprintf(f, "%s%s", sep, names[i].name);
			sep = "|";
			attrs &= ~names[i].bit;
		}
	}
	if (attrs)
		fprintf(f, "%s%#lx", sep, attrs);
	fputc('"', f);
}

static const char *reason_name(int reason)
{
	switch (reason) {
	case DMAMAP_FAULT_TRANSLATION:
		return "translation";
	case DMAMAP_FAULT_PERMISSION:
		return "permission";
	case DMAMAP_FAULT_ADDRESS_SIZE:
		return "address size";
	case DMAMAP_FAULT_BUS:
		return "bus";
	default:
		return "none";
	}
}

/* Which arrays of a scatterlist an event shows, as the kernel's dma events do. */
enum { SG_PHYS = 1, SG_DMA = 2 };

static void put_sg(FILE *f, const struct dmamap_trace_event *ev, unsigned int what, int ents)
{
	struct scatterlist *sg;
	int n, i;

	if (what & SG_PHYS) {
		n = min(ev->nents, TRACE_MAX_ENTRIES);
		fputs(", \"phys_addrs\": [", f);
		for (i = 0, sg = ev->sgl; sg && i < n; i++, sg = sg_next(sg))
			fprintf(f, "%s\"0x%llx\"", i ? ", " : "", (unsigned long long)sg_phys(sg));
		fputc(']', f);
	}
	if (what & SG_DMA) {
		n = min(ents, TRACE_MAX_ENTRIES);
		fputs(", \"dma_addrs\": [", f);
		for (i = 0, sg = ev->sgl; sg && i < n; i++, sg = sg_next(sg))
			fprintf(f, "%s\"0x%llx\"", i ? ", " : "",
				(unsigned long long)sg_dma_address(sg));
		fputs("], \"lengths\": [", f);
		for (i = 0, sg = ev->sgl; sg && i < n; i++, sg = sg_next(sg))
			fprintf(f, "%s%u", i ? ", " : "", sg_dma_len(sg));
		fputc(']', f);
	}
	if (ev->nents > TRACE_MAX_ENTRIES || ents > TRACE_MAX_ENTRIES)
		fputs(", \"truncated\": true", f);
}

/* The fields of a DMA API call, named as the kernel's dma tracepoints name them. */
static void put_dma_args(FILE *f, const struct dmamap_trace_event *ev)
{
	bool map = !strncmp(ev->name, "dma_map_sg", 10);
	bool unmap = !strncmp(ev->name, "dma_unmap_sg", 12);
	bool sync_sg = !strncmp(ev->name, "dma_sync_sg", 11);

	if (ev->sgl && (map || unmap || sync_sg)) {
		int ents = map ? (ev->ret > 0 ? (int)ev->ret : 0) : ev->nents;

		fprintf(f, ", \"full_nents\": %d", ev->nents);
		if (map)
			fprintf(f, ", \"full_ents\": %d", ents);
		put_sg(f, ev, (map || unmap ? SG_PHYS : 0) | (unmap ? 0 : SG_DMA), ents);
	} else {
		fprintf(f, ", \"dma_addr\": \"0x%llx\", \"size\": %llu", (unsigned long long)ev->addr,
			(unsigned long long)ev->size);
		if (ev->phys_addr)
			fprintf(f, ", \"phys_addr\": \"0x%llx\"", (unsigned long long)ev->phys_addr);
		if (ev->sgl && !ev->ret)
			put_sg(f, ev, SG_PHYS, 0);
	}
	if (ev->cpu_addr)
		fprintf(f, ", \"virt_addr\": \"%p\"", ev->cpu_addr);
	if (ev->gfp)
		fprintf(f, ", \"flags\": \"%#x\"", ev->gfp);
	fprintf(f, ", \"dir\": \"%s\"", dir_name(ev->dir));
	if (strncmp(ev->name, "dma_sync", 8))
		put_attrs(f, ev->attrs);
}

void trace_file_write(struct trace_file *t, int pid, const struct dmamap_trace_event *ev)
{
	static const char *const cat[] = { "dma", "bus", "iommu", "cache" };
	const char *dev = ev->dev ? dev_name(ev->dev) : NULL;
	unsigned long tid = 1;
	double ts, dur;
	FILE *f = t->f;

	if ((unsigned int)ev->kind > DMAMAP_TRACE_CACHE)
		return;
	if (ev->dev && ev->kind != DMAMAP_TRACE_CACHE)
		tid = 2 + 2 * (unsigned long)ev->dev->id + (ev->kind != DMAMAP_TRACE_DMA);
	ts = ev->start_ns > t->t0 ? (double)(ev->start_ns - t->t0) / 1000.0 : 0;
	dur = ev->end_ns > ev->start_ns ? (double)(ev->end_ns - ev->start_ns) / 1000.0 : 0;

	pthread_mutex_lock(&t->lock);
	if (tid == 1)
		name_track(t, pid, tid, NULL, "CPU cache maintenance");
	else
		name_track(t, pid, tid, dev, ev->kind == DMAMAP_TRACE_DMA ? "DMA API" : "bus");
	begin(t);
	if (ev->kind == DMAMAP_TRACE_FAULT)
		fprintf(f, "{\"ph\": \"i\", \"s\": \"t\", \"pid\": %d, \"tid\": %lu, \"ts\": %.3f, ",
			pid, tid, ts);
	else
		fprintf(f, "{\"ph\": \"X\", \"pid\": %d, \"tid\": %lu, \"ts\": %.3f, \"dur\": %.3f, ",
			pid, tid, ts, dur);
	fputs("\"name\": ", f);
	json_str(f, ev->name);
	fprintf(f, ", \"cat\": \"%s\", \"args\": {\"device\": ", cat[ev->kind]);
	json_str(f, dev);
	switch (ev->kind) {
	case DMAMAP_TRACE_DMA:
		put_dma_args(f, ev);
		break;
	case DMAMAP_TRACE_BUS:
		fprintf(f, ", \"dma_addr\": \"0x%llx\", \"size\": %llu, \"dir\": \"%s\"",
			(unsigned long long)ev->addr, (unsigned long long)ev->size,
			ev->dir == IOMMU_FAULT_WRITE ? "write" : "read");
		break;
	case DMAMAP_TRACE_FAULT:
		fprintf(f, ", \"iova\": \"0x%llx\", \"dir\": \"%s\", \"reason\": \"%s\"",
			(unsigned long long)ev->addr, ev->dir == IOMMU_FAULT_WRITE ? "write" : "read",
			reason_name(ev->reason));
		break;
	case DMAMAP_TRACE_CACHE:
		fprintf(f, ", \"phys_addr\": \"0x%llx\", \"size\": %llu, \"dir\": \"%s\"",
			(unsigned long long)ev->phys_addr, (unsigned long long)ev->size,
			dir_name(ev->dir));
		break;
	}
	if (ev->kind != DMAMAP_TRACE_CACHE)
		fprintf(f, ", \"ret\": %ld", ev->ret);
	if (ev->ret < 0 && ev->ret >= -4095) {
		const char *name = strerrorname_np((int)-ev->ret);

		fputs(", \"error\": ", f);
		json_str(f, name ? name : "?");
	}
	fputs("}}", f);
	pthread_mutex_unlock(&t->lock);
}
