// SPDX-License-Identifier: MIT
/*
 * The trace file (dmamap_trace_open/close, DMAMAP_TRACE): Chrome trace-event
 * JSON that Perfetto opens, one event a line. The machine is a process; each
 * device has a "DMA API" track and a "bus" track, and the CPU's cache
 * maintenance one of its own; DMA calls carry the kernel's dma tracepoint
 * fields (phys_addr, dma_addr, size, dir, attrs; phys_addrs, dma_addrs and
 * lengths for scatterlists, cut at 128 entries); a refused call carries its
 * error; an IOMMU fault is an instant on the device's bus track. Opening
 * fails cleanly and changes nothing; the machine's destruction finishes the
 * file; DMAMAP_TRACE traces every machine of a process into one file.
 */
#include "test-util.h"
#include "trace/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct tmp {
	char path[64];
};

static void tmp_name(struct tmp *t)
{
	int fd;

	strcpy(t->path, "/tmp/dmamap-trace-XXXXXX");
	fd = mkstemp(t->path);
	assert_true(fd >= 0);
	close(fd);
}

/* The whole file, NUL-terminated (free it). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The @nth line holding every one of the NULL-terminated @words, or NULL. */
static char *line_with(char *text, int nth, const char *const *words)
{
	for (char *l = text; l && *l;) {
		char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		bool all = true;

		for (int i = 0; words[i] && all; i++) {
			const char *w = l;

			all = false;
			while ((w = strstr(w, words[i])) && w < l + len) {
				all = true;
				break;
			}
		}
		if (all && !nth--) {
			char *copy = strndup(l, len);

			assert_non_null(copy);
			return copy;
		}
		l = end ? end + 1 : NULL;
	}
	return NULL;
}

#define LINE(text, ...) line_with(text, 0, (const char *const[]){ __VA_ARGS__, NULL })
#define NTH_LINE(text, n, ...) line_with(text, n, (const char *const[]){ __VA_ARGS__, NULL })

static int count(const char *text, const char *word)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, word)); p += strlen(word))
		n++;
	return n;
}

static void expect_line(char *text, const char *const *words)
{
	char *l = line_with(text, 0, words);

	if (!l)
		fail_msg("no line with %s %s %s ...", words[0], words[1] ? words[1] : "",
			 words[1] && words[2] ? words[2] : "");
	free(l);
}

#define EXPECT_LINE(text, ...) expect_line(text, (const char *const[]){ __VA_ARGS__, NULL })

static struct device *make(struct dmamap_machine *m, const char *name, bool coherent)
{
	struct dmamap_device_config cfg = { .name = name, .coherent = coherent };
	struct device *dev = NULL;

	dev = test_device(m, &cfg, NULL);
	return dev;
}

static void test_open_and_close_errors(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct dmamap_stats before = test_stats(m);
	struct tmp t;
	char *text;

	(void)state;
	tmp_name(&t);
	assert_int_equal(dmamap_trace_open(NULL, t.path), -EINVAL);
	assert_int_equal(dmamap_trace_open(m, NULL), -EINVAL);
	assert_int_equal(dmamap_trace_close(NULL), -EINVAL);
	/* nothing open: nothing to close */
	assert_int_equal(dmamap_trace_close(m), -EINVAL);
	/* the path's own error, and nothing changed */
	assert_int_equal(dmamap_trace_open(m, "/nonexistent/dir/trace.json"), -ENOENT);
	assert_int_equal(dmamap_trace_close(m), -EINVAL);
	assert_int_equal(dmamap_trace_open(m, t.path), 0);
	assert_int_equal(dmamap_trace_open(m, t.path), -EBUSY);
	assert_int_equal(dmamap_trace_close(m), 0);
	assert_int_equal(dmamap_trace_close(m), -EINVAL);
	/* an empty trace is still a JSON array with the machine named */
	text = slurp(t.path);
	assert_true(text[0] == '[');
	assert_non_null(strstr(text, "\"process_name\""));
	assert_non_null(strstr(text, "\n]\n"));
	free(text);
	assert_int_equal(test_stats(m).api_errors, before.api_errors);
	unlink(t.path);
	dmamap_machine_destroy(m);
}

static const struct dmamap_machine_config dma_fields_and_tracks_mc = {
	.cache = DMAMAP_CACHE_NONCOHERENT,
};

static void test_dma_fields_and_tracks(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *cam = make(m, "cam", false);
	struct tmp t;
	char *text, *l, want[160], tid_dma[32], tid_bus[32];
	struct page *page;
	dma_addr_t a, h;
	void *cookie;
	u8 buf[64];

	tmp_name(&t);
	page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(page);
	assert_int_equal(dmamap_trace_open(m, t.path), 0);

	a = dma_map_page_attrs(cam, page, 256, 1024, DMA_TO_DEVICE, DMA_ATTR_WEAK_ORDERING);
	assert_false(dma_mapping_error(cam, a));
	assert_int_equal(dmamap_bus_read(cam, a, buf, sizeof(buf), NULL), 0);
	dma_unmap_page(cam, a, 1024, DMA_TO_DEVICE);
	cookie = dma_alloc_attrs(cam, 8192, &h, GFP_KERNEL, DMA_ATTR_NO_KERNEL_MAPPING);
	assert_non_null(cookie);
	dma_free_attrs(cam, 8192, cookie, h, DMA_ATTR_NO_KERNEL_MAPPING);
	assert_int_equal(dmamap_trace_close(m), 0);

	text = slurp(t.path);
	snprintf(tid_dma, sizeof(tid_dma), "\"tid\": %u,", 2 + 2 * cam->id);
	snprintf(tid_bus, sizeof(tid_bus), "\"tid\": %u,", 3 + 2 * cam->id);
	/* the tracks, named once each */
	EXPECT_LINE(text, "\"thread_name\"", tid_dma, "\"cam: DMA API\"");
	EXPECT_LINE(text, "\"thread_name\"", tid_bus, "\"cam: bus\"");
	EXPECT_LINE(text, "\"thread_name\"", "\"tid\": 1,", "\"CPU cache maintenance\"");
	assert_int_equal(count(text, "\"cam: DMA API\""), 1);

	/* dma_map_page: the kernel's fields */
	l = LINE(text, "\"name\": \"dma_map_page\"");
	assert_non_null(l);
	assert_non_null(strstr(l, tid_dma));
	assert_non_null(strstr(l, "\"ph\": \"X\""));
	snprintf(want, sizeof(want), "\"dma_addr\": \"%#llx\", \"size\": 1024",
		 (unsigned long long)a);
	if (!strstr(l, want))
		fail_msg("%s\nlacks %s", l, want);
	assert_non_null(strstr(l, "\"dir\": \"TO_DEVICE\""));
	assert_non_null(strstr(l, "\"ret\": 0"));
	assert_null(strstr(l, "\"error\""));
	free(l);
	/* its cache maintenance, on the cache track: a clean of the buffer's bytes */
	snprintf(want, sizeof(want), "\"phys_addr\": \"%#llx\", \"size\": 1024",
		 (unsigned long long)page_to_phys(page) + 256);
	l = LINE(text, "\"name\": \"cache_clean\"", "\"tid\": 1,", want);
	assert_non_null(l);
	assert_non_null(strstr(l, "\"cat\": \"cache\""));
	free(l);
	/* the device's read, on its bus track */
	snprintf(want, sizeof(want), "\"dma_addr\": \"%#llx\", \"size\": 64, \"dir\": \"read\"",
		 (unsigned long long)a);
	l = LINE(text, "\"name\": \"bus_read\"", tid_bus, want);
	assert_non_null(l);
	free(l);
	EXPECT_LINE(text, "\"name\": \"dma_unmap_page\"", tid_dma, "\"dir\": \"TO_DEVICE\"");
	snprintf(want, sizeof(want), "\"dma_addr\": \"%#llx\", \"size\": 8192", (unsigned long long)h);
	EXPECT_LINE(text, "\"name\": \"dma_alloc\"", tid_dma, want);
	EXPECT_LINE(text, "\"name\": \"dma_free\"", tid_dma, want);
	free(text);
	unlink(t.path);
	dmamap_free_pages(page, 0);
	dmamap_device_destroy(cam);
}

/*
 * The writer's fields for what a DMA call reports, from events as the entry
 * points make them: the kernel's names, and scatterlists cut at 128.
 */
static void test_writer_fields(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = make(m, "dev", true);
	struct page *pages[200];
	struct scatterlist *sg;
	struct sg_table sgt;
	struct trace_file *f;
	struct tmp t;
	char *text, *l, want[160];
	unsigned int i;
	int pid;

	tmp_name(&t);
	for (i = 0; i < 200; i++) {
		pages[i] = dmamap_alloc_pages(m, GFP_KERNEL, 0);
		assert_non_null(pages[i]);
	}
	f = trace_file_open(t.path);
	assert_non_null(f);
	pid = trace_file_add_machine(f, "m");
	assert_int_equal(sg_alloc_table(&sgt, 3, GFP_KERNEL), 0);
	for_each_sgtable_sg(&sgt, sg, i) {
		sg_set_page(sg, pages[2 * i], 4096, 0);
		sg_dma_address(sg) = 0x10000 * (i + 1);
		sg_dma_len(sg) = 4096;
	}
	trace_file_write(f, pid, &(struct dmamap_trace_event){
		.kind = DMAMAP_TRACE_DMA, .name = "dma_map_sg", .dev = dev, .dir = DMA_FROM_DEVICE,
		.ret = 2, .sgl = sgt.sgl, .nents = 3, .attrs = DMA_ATTR_SKIP_CPU_SYNC, .start_ns = 1,
		.end_ns = 2 });
	trace_file_write(f, pid, &(struct dmamap_trace_event){
		.kind = DMAMAP_TRACE_DMA, .name = "dma_unmap_sg", .dev = dev, .dir = DMA_FROM_DEVICE,
		.sgl = sgt.sgl, .nents = 3, .start_ns = 1, .end_ns = 2 });
	trace_file_write(f, pid, &(struct dmamap_trace_event){
		.kind = DMAMAP_TRACE_DMA, .name = "dma_sync_sg_for_cpu", .dev = dev,
		.dir = DMA_FROM_DEVICE, .sgl = sgt.sgl, .nents = 2, .start_ns = 1, .end_ns = 2 });
	trace_file_write(f, pid, &(struct dmamap_trace_event){
		.kind = DMAMAP_TRACE_DMA, .name = "dma_map_page", .dev = dev, .addr = 0x1234,
		.size = 100, .phys_addr = 0x80001234, .dir = DMA_TO_DEVICE, .start_ns = 1,
		.end_ns = 2, .attrs = DMA_ATTR_WEAK_ORDERING | DMA_ATTR_NO_WARN | (1UL << 30) });
	trace_file_write(f, pid, &(struct dmamap_trace_event){
		.kind = DMAMAP_TRACE_DMA, .name = "dma_alloc", .dev = dev, .addr = 0x5000,
		.size = 8192, .cpu_addr = (void *)0x1000, .gfp = GFP_KERNEL, .start_ns = 1,
		.end_ns = 2, .attrs = DMA_ATTR_NO_KERNEL_MAPPING });
	sg_free_table(&sgt);
	assert_int_equal(sg_alloc_table(&sgt, 200, GFP_KERNEL), 0);
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, pages[i], 4096, 0);
	trace_file_write(f, pid, &(struct dmamap_trace_event){
		.kind = DMAMAP_TRACE_DMA, .name = "dma_map_sgtable", .dev = dev, .ret = 200,
		.sgl = sgt.sgl, .nents = 200, .start_ns = 1, .end_ns = 2 });
	sg_free_table(&sgt);
	assert_int_equal(trace_file_close(f), 0);

	text = slurp(t.path);
	l = LINE(text, "\"name\": \"dma_map_sg\"");
	assert_non_null(l);
	snprintf(want, sizeof(want), "\"phys_addrs\": [\"%#llx\", \"%#llx\", \"%#llx\"]",
		 (unsigned long long)page_to_phys(pages[0]), (unsigned long long)page_to_phys(pages[2]),
		 (unsigned long long)page_to_phys(pages[4]));
	if (!strstr(l, want))
		fail_msg("%s\nlacks %s", l, want);
	/* the segments the call made: as many as it returned */
	assert_non_null(strstr(l, "\"full_nents\": 3, \"full_ents\": 2"));
	assert_non_null(strstr(l, "\"dma_addrs\": [\"0x10000\", \"0x20000\"], "
				  "\"lengths\": [4096, 4096]"));
	assert_non_null(strstr(l, "\"dir\": \"FROM_DEVICE\", \"attrs\": \"SKIP_CPU_SYNC\""));
	assert_non_null(strstr(l, "\"ret\": 2"));
	assert_null(strstr(l, "truncated"));
	free(l);
	l = LINE(text, "\"name\": \"dma_unmap_sg\"");
	assert_non_null(l);
	assert_non_null(strstr(l, want));
	assert_null(strstr(l, "dma_addrs"));
	free(l);
	l = LINE(text, "\"name\": \"dma_sync_sg_for_cpu\"");
	assert_non_null(l);
	assert_non_null(strstr(l, "\"dma_addrs\": [\"0x10000\", \"0x20000\"]"));
	assert_null(strstr(l, "phys_addrs"));
	assert_null(strstr(l, "attrs"));
	free(l);
	EXPECT_LINE(text, "\"name\": \"dma_map_page\"", "\"dma_addr\": \"0x1234\", \"size\": 100, "
		    "\"phys_addr\": \"0x80001234\"", "\"dir\": \"TO_DEVICE\", "
		    "\"attrs\": \"WEAK_ORDERING|NO_WARN|0x40000000\"");
	snprintf(want, sizeof(want), "\"virt_addr\": \"%p\", \"flags\": \"%#x\"", (void *)0x1000,
		 GFP_KERNEL);
	EXPECT_LINE(text, "\"name\": \"dma_alloc\"", want, "\"attrs\": \"NO_KERNEL_MAPPING\"");
	l = LINE(text, "\"name\": \"dma_map_sgtable\"");
	assert_non_null(l);
	assert_non_null(strstr(l, "\"full_nents\": 200, \"full_ents\": 200"));
	assert_non_null(strstr(l, "\"truncated\": true"));
	/* 128 physical and 128 DMA addresses */
	assert_int_equal(count(l, "\"0x"), 256);
	free(l);
	free(text);
	unlink(t.path);
	for (i = 0; i < 200; i++)
		dmamap_free_pages(pages[i], 0);
	dmamap_device_destroy(dev);
}

static void test_refused_call_and_fault(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct device *dev = make(m, "gpu", true);
	const struct dmamap_iommu_config io = { .type = IOMMU_DOMAIN_UNMANAGED };
	struct iommu_domain *dom;
	struct scatterlist sg;
	struct dmamap_fault f;
	struct tmp t;
	char *text, *l, tid_bus[32];
	u8 buf[16];

	(void)state;
	tmp_name(&t);
	assert_int_equal(dmamap_iommu_domain_create(m, &io, &dom), 0);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	assert_int_equal(dmamap_trace_open(m, t.path), 0);
	/* a refused call: dma_map_sg() says 0, the trace says why */
	sg_init_table(&sg, 1);
	assert_int_equal(dma_map_sg(dev, &sg, 0, DMA_TO_DEVICE), 0);
	/* a read of an IOVA nothing is mapped at */
	assert_int_equal(dmamap_bus_read(dev, 0x100000, buf, sizeof(buf), &f), -EFAULT);
	assert_int_equal(dmamap_trace_close(m), 0);

	text = slurp(t.path);
	l = LINE(text, "\"name\": \"dma_map_sg\"");
	assert_non_null(l);
	assert_non_null(strstr(l, "\"ret\": -22, \"error\": \"EINVAL\""));
	free(l);
	snprintf(tid_bus, sizeof(tid_bus), "\"tid\": %u,", 3 + 2 * dev->id);
	l = LINE(text, "\"name\": \"iommu_fault\"");
	assert_non_null(l);
	assert_non_null(strstr(l, "\"ph\": \"i\""));
	assert_non_null(strstr(l, tid_bus));
	assert_non_null(strstr(l, "\"iova\": \"0x100000\", \"dir\": \"read\", \"reason\": "
				  "\"translation\""));
	assert_non_null(strstr(l, "\"error\": \"EFAULT\""));
	free(l);
	EXPECT_LINE(text, "\"name\": \"bus_read\"", tid_bus, "\"error\": \"EFAULT\"");
	free(text);
	unlink(t.path);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
}

static int seen;

static void counter(const struct dmamap_trace_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	seen++;
}

static void test_callback_and_file_together(void **state)
{
	struct dmamap_machine *m = test_machine(NULL);
	struct device *dev = make(m, "dev", true);
	void *buf = dmamap_kmalloc(m, 256, GFP_KERNEL);
	struct tmp t;
	char *text;
	dma_addr_t a;

	(void)state;
	tmp_name(&t);
	seen = 0;
	dmamap_trace_set(m, counter, NULL);
	assert_int_equal(dmamap_trace_open(m, t.path), 0);
	a = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	dma_unmap_single(dev, a, 256, DMA_TO_DEVICE);
	/* the file closed, the callback goes on; the callback cleared, the file goes on */
	assert_int_equal(dmamap_trace_close(m), 0);
	a = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	dma_unmap_single(dev, a, 256, DMA_TO_DEVICE);
	assert_int_equal(seen, 4);
	dmamap_trace_set(m, NULL, NULL);
	assert_int_equal(dmamap_trace_open(m, t.path), 0);
	a = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	dma_unmap_single(dev, a, 256, DMA_TO_DEVICE);
	assert_int_equal(seen, 4);
	/* the machine's destruction finishes the file */
	dmamap_kfree(m, buf);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
	text = slurp(t.path);
	assert_int_equal(count(text, "\"name\": \"dma_map_page\""), 1);
	assert_non_null(strstr(text, "\n]\n"));
	free(text);
	unlink(t.path);
}

/* What a fresh process does under DMAMAP_TRACE (the environment is read once per process). */
static int env_child(const char *mode)
{
	struct dmamap_machine *m1, *m2;
	struct device *d1, *d2;
	void *b;
	dma_addr_t a;

	if (!strcmp(mode, "bad")) {
		if (dmamap_machine_create(NULL, &m1))
			return 10;
		dmamap_machine_destroy(m1);
		return 0;
	}
	if (dmamap_machine_create(NULL, &m1) || dmamap_machine_create(NULL, &m2))
		return 10;
	d1 = make(m1, "first", true);
	d2 = make(m2, "second", true);
	b = dma_alloc_coherent(d1, 4096, &a, GFP_KERNEL);
	dma_free_coherent(d1, 4096, b, a);
	b = dma_alloc_coherent(d2, 4096, &a, GFP_KERNEL);
	dma_free_coherent(d2, 4096, b, a);
	dmamap_machine_destroy(m1);
	dmamap_machine_destroy(m2);
	/* the file is finished at exit */
	return 0;
}

static int run_child(const char *mode, const char *trace, const char *err)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("DMAMAP_TRACE", trace, 1);
		if (err && !freopen(err, "w", stderr))
			_exit(11);
		test_exec_self((const char *const[]){ "test-trace-file", "--env-child", mode, NULL });
		_exit(12);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void test_environment(void **state)
{
	struct tmp t;
	char *text;

	(void)state;
	tmp_name(&t);
	assert_int_equal(run_child("good", t.path, NULL), 0);
	text = slurp(t.path);
	/* two machines, two processes in one trace */
	EXPECT_LINE(text, "\"process_name\"", "\"pid\": 1,", "\"dmamap machine 1\"");
	EXPECT_LINE(text, "\"process_name\"", "\"pid\": 2,", "\"dmamap machine 2\"");
	EXPECT_LINE(text, "\"name\": \"dma_alloc\"", "\"pid\": 1,", "\"device\": \"first\"");
	EXPECT_LINE(text, "\"name\": \"dma_alloc\"", "\"pid\": 2,", "\"device\": \"second\"");
	assert_int_equal(count(text, "\"name\": \"dma_free\""), 2);
	assert_non_null(strstr(text, "\n]\n"));
	free(text);

	/* a path that cannot be written: said on stderr, the program runs untraced */
	assert_int_equal(run_child("bad", "/nonexistent/dir/trace.json", t.path), 0);
	text = slurp(t.path);
	assert_non_null(strstr(text, "DMAMAP_TRACE: cannot write /nonexistent/dir/trace.json: "
				     "No such file or directory"));
	free(text);
	unlink(t.path);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_and_close_errors),
		TEST_MACHINE_CASE(test_dma_fields_and_tracks, &dma_fields_and_tracks_mc),
		TEST_MACHINE_CASE(test_writer_fields, NULL),
		cmocka_unit_test(test_refused_call_and_fault),
		cmocka_unit_test(test_callback_and_file_together),
		cmocka_unit_test(test_environment),
	};

	if (argc == 3 && !strcmp(argv[1], "--env-child"))
		return env_child(argv[2]);
	return cmocka_run_group_tests_name("trace-file", tests, NULL, NULL);
}
