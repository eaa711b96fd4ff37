// SPDX-License-Identifier: MIT
#include "test-util.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct dmamap_machine *test_machine(const struct dmamap_machine_config *cfg)
{
	struct dmamap_machine *m = NULL;
	int ret = dmamap_machine_create(cfg, &m);

	assert_int_equal(ret, 0);
	assert_non_null(m);
	return m;
}

struct device *test_device(struct dmamap_machine *m, const struct dmamap_device_config *cfg,
			   struct iommu_domain *d)
{
	struct device *dev = NULL;

	assert_int_equal(dmamap_device_create(m, cfg, &dev), 0);
	assert_non_null(dev);
	if (d)
		assert_int_equal(iommu_attach_device(d, dev), 0);
	return dev;
}

u64 test_reserved_pages(struct dmamap_machine *m)
{
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	return st.pages_total - st.pages_free;
}

static void assert_stats_no_leaks(const struct dmamap_stats *s)
{
	struct dmamap_stats st = *s;
	u64 reserved;

	/* the machine's own pools: swiotlb and the atomic pool */
	reserved = (st.swiotlb_slots_total * 2048 + st.atomic_pool_bytes) / PAGE_SIZE;
	assert_int_equal(st.pages_total - st.pages_free, reserved);
	assert_int_equal(st.vmalloc_bytes, 0);
	assert_int_equal(st.vmalloc_areas, 0);
	assert_int_equal(st.host_vmas, 0);
	assert_int_equal(st.cookies, 0);
	assert_int_equal(st.kmalloc_bytes, 0);
	assert_int_equal(st.iova_pages_used, 0);
	assert_int_equal(st.swiotlb_slots_used, 0);
	assert_int_equal(st.atomic_pool_used, 0);
}

void test_assert_no_leaks(struct dmamap_machine *m)
{
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	assert_stats_no_leaks(&st);
}

int test_machine_setup(void **state)
{
	*state = test_machine(*state);
	return 0;
}

int test_machine_teardown(void **state)
{
	struct dmamap_machine *m = *state;
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	dmamap_machine_destroy(m);
	*state = NULL;
	assert_stats_no_leaks(&st);
	return 0;
}

u64 test_rand(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline u8 pattern_byte(size_t i, u32 seed)
{
	u32 x = (u32)i * 2654435761u + seed * 40503u + (seed >> 7);

	return (u8)(x ^ (x >> 13) ^ (x >> 24));
}

void test_fill_pattern(void *buf, size_t len, u32 seed)
{
	u8 *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = pattern_byte(i, seed);
}

long test_check_pattern(const void *buf, size_t len, u32 seed)
{
	const u8 *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern_byte(i, seed))
			return (long)i;
	return -1;
}

long test_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

long test_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;

	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

struct dmamap_stats test_stats(struct dmamap_machine *m)
{
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	return st;
}

bool test_all_bytes(const u8 *p, size_t len, u8 v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool access_faults(void *addr, bool write);

bool test_read_faults(const void *addr)
{
	return access_faults((void *)addr, false);
}

bool test_write_faults(void *addr)
{
	return access_faults(addr, true);
}

static bool access_faults(void *addr, bool write)
{
	int pipefd[2], status;
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		signal(SIGSEGV, SIG_DFL);
		if (write)
			*(volatile u8 *)addr = 1;
		else
			(void)*(volatile const u8 *)addr;
		_exit(0);
	}
	close(pipefd[1]);
	while (got < sizeof(buf) - 1 && (n = read(pipefd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return strstr(buf, "SEGV") != NULL;
	return false;
}

void test_device_writes(struct device *dev, dma_addr_t dma, size_t len, u32 seed)
{
	u8 *buf = malloc(len);

	assert_non_null(buf);
	test_fill_pattern(buf, len, seed);
	assert_int_equal(dmamap_bus_write(dev, dma, buf, len, NULL), 0);
	free(buf);
}

bool test_device_sees(struct device *dev, dma_addr_t dma, size_t len, u32 seed)
{
	u8 *buf = malloc(len);
	bool ok;

	assert_non_null(buf);
	assert_int_equal(dmamap_bus_read(dev, dma, buf, len, NULL), 0);
	ok = test_check_pattern(buf, len, seed) == -1;
	free(buf);
	return ok;
}

static void reports_handler(const struct dmamap_debug_report *rep, void *arg)
{
	struct test_reports *r = arg;

	if (r->n < TEST_REPORTS_MAX)
		r->kind[r->n] = rep->kind;
	r->n++;
}

void test_reports_record(struct dmamap_machine *m, struct test_reports *r)
{
	memset(r, 0, sizeof(*r));
	dmamap_debug_set_handler(m, reports_handler, r);
}

void test_reports_stop(struct dmamap_machine *m)
{
	dmamap_debug_set_handler(m, NULL, NULL);
}

bool test_reports_were(struct test_reports *r, unsigned int n, enum dmamap_debug_kind kind)
{
	bool ok = r->n == n;

	for (unsigned int i = 0; ok && i < n && i < TEST_REPORTS_MAX; i++)
		ok = r->kind[i] == kind;
	if (!ok) {
		fprintf(stderr, "reports: %u, expected %u of %s:", r->n, n,
			dmamap_debug_kind_name(kind));
		for (unsigned int i = 0; i < r->n && i < TEST_REPORTS_MAX; i++)
			fprintf(stderr, " %s", dmamap_debug_kind_name(r->kind[i]));
		fputc('\n', stderr);
	}
	r->n = 0;
	return ok;
}

unsigned long test_scaled(unsigned long n)
{
	const char *env = getenv("DMAMAP_TEST_SCALE");
	double scale = env ? strtod(env, NULL) : 1.0;
	double v = (double)n * scale;

	if (!(scale > 0.0) || scale > 1.0)	/* unset, garbage or above 1: the count as written */
		return n;
	return v < 1.0 ? 1 : (unsigned long)v;
}

void test_exec_self(const char *const *args)
{
	const char *wrapper = getenv("MESON_EXE_WRAPPER");
	const char *argv[16];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t i = 0, k;

	if (n <= 0)
		return;
	self[n] = 0;
	if (wrapper && *wrapper) {
		argv[i++] = "/bin/sh";
		argv[i++] = "-c";
		argv[i++] = "exec $MESON_EXE_WRAPPER \"$0\" \"$@\"";
	}
	argv[i++] = self;
	for (k = 1; args[k] && i < sizeof(argv) / sizeof(argv[0]) - 1; k++)
		argv[i++] = args[k];
	argv[i] = NULL;
	execv(argv[0], (char *const *)argv);
}
