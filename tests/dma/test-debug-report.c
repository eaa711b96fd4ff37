// SPDX-License-Identifier: MIT
/*
 * The report path (src/mm/report.c): one way out for every caller mistake the
 * library sees, whichever module sees it. A report goes to the machine's
 * handler, with no lock of the library held, or to stderr as one line; it
 * is counted in dmamap_debug_error_count() and api_errors alike;
 * DMAMAP_DEBUG_FATAL aborts after the first.
 */
#include "test-util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SEEN 16

struct seen {
	int n;
	enum dmamap_debug_kind kind[MAX_SEEN];
	struct device *dev[MAX_SEEN];
	dma_addr_t addr[MAX_SEEN];
	size_t size[MAX_SEEN];
	char msg[MAX_SEEN][256];
};

static void record(const struct dmamap_debug_report *r, void *arg)
{
	struct seen *s = arg;

	assert_non_null(r->message);
	assert_null(strchr(r->message, '\n'));
	if (s->n < MAX_SEEN) {
		s->kind[s->n] = r->kind;
		s->dev[s->n] = r->dev;
		s->addr[s->n] = r->addr;
		s->size[s->n] = r->size;
		snprintf(s->msg[s->n], sizeof(s->msg[0]), "%s", r->message);
	}
	s->n++;
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(dmamap_debug_kind_name(DMAMAP_DEBUG_UNKNOWN_ADDR), "unknown_addr");
	assert_string_equal(dmamap_debug_kind_name(DMAMAP_DEBUG_WRONG_SIZE), "wrong_size");
	assert_string_equal(dmamap_debug_kind_name(DMAMAP_DEBUG_DEVICE_ACCESS), "device_access");
	assert_string_equal(dmamap_debug_kind_name(DMAMAP_DEBUG_MISUSE), "misuse");
	assert_string_equal(dmamap_debug_kind_name(0), "unknown");
	assert_string_equal(dmamap_debug_kind_name((enum dmamap_debug_kind)999), "unknown");
	/* the flags keep their values; ALL is the three checks, not FATAL */
	assert_int_equal(DMAMAP_DEBUG_API, 1);
	assert_int_equal(DMAMAP_DEBUG_OWNERSHIP, 2);
	assert_int_equal(DMAMAP_DEBUG_DEVICE, 4);
	assert_int_equal(DMAMAP_DEBUG_FATAL, 8);
	assert_int_equal(DMAMAP_DEBUG_ALL, 7);
}

static void test_flags_accepted(void **state)
{
	struct dmamap_machine_config cfg = { .debug = DMAMAP_DEBUG_ALL | DMAMAP_DEBUG_FATAL };
	struct dmamap_machine *m;

	(void)state;
	assert_int_equal(dmamap_machine_create(&cfg, &m), 0);
	assert_int_equal(dmamap_machine_config(m)->debug & cfg.debug, cfg.debug);
	dmamap_machine_destroy(m);
	cfg.debug = 1UL << 4;
	assert_int_equal(dmamap_machine_create(&cfg, &m), -EINVAL);
	assert_null(m);
}

/* Each module's misuse arrives at the handler, with its kind, counted once. */
static void test_every_module_reports(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = test_device(m, TEST_DEVCFG(.name = "nic"), NULL);
	struct seen s = { 0 };
	struct dma_buf *buf;
	struct page *page;
	dma_addr_t dma;
	void *cpu, *obj;
	u64 before = test_stats(m).api_errors;

	dmamap_debug_set_handler(m, record, &s);

	/* the DMA API: an invalid direction is refused */
	page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	assert_true(dma_mapping_error(dev, dma_map_page(dev, page, 0, 64, 7)));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], DMAMAP_DEBUG_MISUSE);
	assert_ptr_equal(s.dev[0], dev);
	assert_non_null(strstr(s.msg[0], "direction"));

	/* a coherent free that does not match: refused, the buffer lives on */
	cpu = dma_alloc_coherent(dev, 8192, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	dma_free_coherent(dev, 4096, cpu, dma);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.kind[1], DMAMAP_DEBUG_FREE_MISMATCH);
	assert_int_equal(s.addr[1], dma);
	assert_int_equal(s.size[1], 4096);
	memset(cpu, 0x5a, 8192);		/* still allocated */
	dma_free_coherent(dev, 8192, cpu, dma);
	assert_int_equal(s.n, 2);
	dma_free_coherent(dev, 8192, cpu, dma);	/* freed twice */
	assert_int_equal(s.n, 3);
	assert_int_equal(s.kind[2], DMAMAP_DEBUG_UNKNOWN_ADDR);

	/* pages and kmalloc */
	dmamap_free_pages(page, 0);
	dmamap_free_pages(page, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.kind[3], DMAMAP_DEBUG_MISUSE);
	assert_null(s.dev[3]);
	obj = dmamap_kmalloc(m, 64, GFP_KERNEL);
	dmamap_kfree(m, obj);
	dmamap_kfree(m, obj);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.kind[4], DMAMAP_DEBUG_MISUSE);

	/* dma-buf: a table unmapped twice */
	buf = dmamap_dma_buf_alloc(dev, 4096, 0);
	assert_false(IS_ERR(buf));
	{
		struct dma_buf_attachment *at = dma_buf_attach(buf, dev);
		struct sg_table *sgt = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);

		assert_false(IS_ERR(sgt));
		dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
		dma_buf_unmap_attachment_unlocked(at, sgt, DMA_TO_DEVICE);
		assert_int_equal(s.n, 6);
		assert_int_equal(s.kind[5], DMAMAP_DEBUG_MISUSE);
		assert_ptr_equal(s.dev[5], dev);
		dma_buf_detach(buf, at);
	}
	dma_buf_put(buf);

	/* the IOMMU API: an unaligned map */
	{
		struct dmamap_iommu_config ic = { .type = IOMMU_DOMAIN_UNMANAGED };
		struct iommu_domain *d;

		assert_int_equal(dmamap_iommu_domain_create(m, &ic, &d), 0);
		assert_int_equal(iommu_map(d, 0x1000, 0x80000800, 4096, IOMMU_READ, GFP_KERNEL),
				 -EINVAL);
		assert_int_equal(s.n, 7);
		assert_int_equal(s.kind[6], DMAMAP_DEBUG_MISUSE);
		iommu_domain_free(d);
	}

	assert_int_equal(dmamap_debug_error_count(m), s.n);
	assert_int_equal(test_stats(m).api_errors - before, s.n);
	dmamap_device_destroy(dev);
}

/*
 * A report made while the dma-buf core holds the buffer's lock (around the
 * exporter's ops) reaches the handler after the unlock: the handler can
 * use the same buffer. Were the lock still held, the vmap below would
 * deadlock, which the alarm turns into a failure.
 */
struct reenter {
	struct dma_buf *buf;
	int calls;
	int vmap_ret;
};

static void reenter_handler(const struct dmamap_debug_report *r, void *arg)
{
	struct reenter *re = arg;
	struct iosys_map map;

	(void)r;
	re->calls++;
	re->vmap_ret = dma_buf_vmap_unlocked(re->buf, &map);
	if (!re->vmap_ret)
		dma_buf_vunmap_unlocked(re->buf, &map);
}

static void test_handler_without_locks(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = test_device(m, TEST_DEVCFG(.name = "gpu"), NULL);
	struct reenter re = { 0 };
	struct dma_buf_attachment *at;
	struct sg_table *sgt;

	re.buf = dmamap_dma_buf_alloc(dev, 8192, 0);
	assert_false(IS_ERR(re.buf));
	dmamap_debug_set_handler(m, reenter_handler, &re);
	at = dma_buf_attach(re.buf, dev);
	sgt = dma_buf_map_attachment_unlocked(at, DMA_TO_DEVICE);
	assert_false(IS_ERR(sgt));
	alarm(20);
	/* the direction differs from the map's: reported under the buffer's lock */
	dma_buf_unmap_attachment_unlocked(at, sgt, DMA_FROM_DEVICE);
	alarm(0);
	assert_int_equal(re.calls, 1);
	assert_int_equal(re.vmap_ret, 0);
	dma_buf_detach(re.buf, at);
	dma_buf_put(re.buf);
	dmamap_device_destroy(dev);
}

/* Runs @fn in a child with stderr read back into @out; returns the wait status. */
static int in_child(void (*fn)(void), char *out, size_t len)
{
	int pipefd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		fn();
		_exit(0);
	}
	close(pipefd[1]);
	while ((size_t)got + 1 < len && (n = read(pipefd[0], out + got, len - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = 0;
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void stderr_child(void)
{
	struct dmamap_machine *m;
	struct device *dev;
	dma_addr_t dma;
	void *cpu;

	if (dmamap_machine_create(NULL, &m))
		_exit(3);
	dev = test_device(m, TEST_DEVCFG(.name = "cam"), NULL);
	cpu = dma_alloc_coherent(dev, 4096, &dma, GFP_KERNEL);
	dma_free_coherent(dev, 4096, (char *)cpu + 64, dma);
	_exit(dmamap_debug_error_count(m) == 1 ? 0 : 4);
}

/* Without a handler a report is one line on stderr: device, kind, message. */
static void test_stderr_line(void **state)
{
	char out[4096];
	int status = in_child(stderr_child, out, sizeof(out));

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(out, "dmamap: cam: free_mismatch: dma_free_attrs: CPU address"));
	assert_non_null(strchr(out, '\n'));
	assert_null(strchr(strchr(out, '\n') + 1, '\n'));	/* one line */
}

static void fatal_child(void)
{
	struct dmamap_machine_config cfg = { .debug = DMAMAP_DEBUG_FATAL };
	struct dmamap_machine *m;
	struct device *dev;
	struct seen s = { 0 };
	struct page *page;

	if (dmamap_machine_create(&cfg, &m))
		_exit(3);
	dev = test_device(m, TEST_DEVCFG(.name = "disk"), NULL);
	dmamap_debug_set_handler(m, record, &s);
	page = dmamap_alloc_pages(m, GFP_KERNEL, 0);
	dma_map_page(dev, page, 0, 0, DMA_TO_DEVICE);	/* size 0: refused, reported */
	_exit(5);					/* not reached */
}

/* DMAMAP_DEBUG_FATAL: the first report is printed, then the process aborts. */
static void test_fatal(void **state)
{
	char out[4096];
	int status = in_child(fatal_child, out, sizeof(out));

	(void)state;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "dmamap: disk: misuse: dma_map_page: size 0"));
	assert_non_null(strstr(out, "DMAMAP_DEBUG_FATAL"));
}

static const struct dmamap_machine_config dump_lists_allocations_mc = { .debug = DMAMAP_DEBUG_API };

/* The dump lists what the devices hold, as the kernel's dma-api/dump does. */
static void test_dump_lists_allocations(void **state)
{
	struct dmamap_machine *m = *state;
	struct device *dev = test_device(m, TEST_DEVCFG(.name = "dsp"), NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	dma_addr_t dma, single;
	void *cpu = dma_alloc_coherent(dev, 12288, &dma, GFP_KERNEL);
	void *buf = dmamap_kmalloc(m, 256, GFP_KERNEL);
	char want[96];

	single = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);
	dmamap_debug_dump(m, f);
	fclose(f);
	snprintf(want, sizeof(want), "D=%#llx L=0x3000 DMA_BIDIRECTIONAL", (unsigned long long)dma);
	assert_non_null(strstr(text, "dsp coherent P="));
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "D=%#llx L=0x100 DMA_FROM_DEVICE dma map error not checked",
		 (unsigned long long)single);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "dsp single"));
	assert_non_null(strstr(text, " at "));		/* where each was made */
	free(text);
	dmamap_debug_dump(NULL, stdout);
	dma_unmap_single(dev, single, 256, DMA_FROM_DEVICE);
	dma_free_coherent(dev, 12288, cpu, dma);
	dmamap_kfree(m, buf);
	dmamap_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_flags_accepted),
		TEST_MACHINE_CASE(test_every_module_reports, NULL),
		TEST_MACHINE_CASE(test_handler_without_locks, NULL),
		cmocka_unit_test(test_stderr_line),
		cmocka_unit_test(test_fatal),
		TEST_MACHINE_CASE(test_dump_lists_allocations, &dump_lists_allocations_mc),
	};

	return cmocka_run_group_tests_name("debug-report", tests, NULL, NULL);
}
