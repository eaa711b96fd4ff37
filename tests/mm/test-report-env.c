// SPDX-License-Identifier: MIT
/*
 * The report path's environment, read once per process: DMAMAP_DEBUG's
 * words (one it does not know is said and ignored) and DMAMAP_DEBUG_LOG,
 * the file every report is appended to as one JSON line. Each case runs
 * this program again in a fresh process with the environment set, its
 * stderr in a file, and reads back what it said and logged.
 */
#include "test-util.h"

#include <dmamap/dma-resv.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A device whose name needs escaping in JSON: a quote, a backslash, a control byte. */
static const char odd_name[] = "cam\"0\\\001";

/* The child: one report about the device, one about no device. */
static int child(void)
{
	struct dmamap_machine *m = NULL;
	struct device *dev;
	struct dma_resv r;
	u8 *buf;

	if (dmamap_machine_create(NULL, &m) ||
	    dmamap_device_create(m, &(struct dmamap_device_config){ .name = odd_name }, &dev))
		return 100;
	buf = dmamap_kmalloc(m, 64, GFP_KERNEL);
	if (!buf)
		return 101;
	/* size 0: refused and reported whatever the flags */
	if (!dma_mapping_error(dev, dma_map_single(dev, buf, 0, DMA_TO_DEVICE)))
		return 102;
	dma_resv_init(&r);
	dma_resv_unlock(&r);
	dma_resv_fini(&r);
	dmamap_kfree(m, buf);
	dmamap_device_destroy(dev);
	dmamap_machine_destroy(m);
	return 0;
}

static char said[4096], logged[4096];

static void slurp(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(out, 1, cap - 1, f);
		fclose(f);
	}
	out[n] = 0;
}

/*
 * This program again with DMAMAP_DEBUG=@flags and DMAMAP_DEBUG_LOG=@log
 * (NULL: a fresh file); what it said on stderr goes to said[], what it
 * logged to logged[]. Returns its exit status.
 */
static int run(const char *flags, const char *log)
{
	char err_path[] = "/tmp/dmamap-report-err-XXXXXX";
	char log_path[] = "/tmp/dmamap-report-log-XXXXXX";
	int err_fd = mkstemp(err_path), log_fd = log ? -1 : mkstemp(log_path);
	int status;
	pid_t pid;

	assert_true(err_fd >= 0);
	assert_true(log || log_fd >= 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(err_fd, STDERR_FILENO);
		setenv("DMAMAP_DEBUG", flags, 1);
		setenv("DMAMAP_DEBUG_LOG", log ? log : log_path, 1);
		test_exec_self((const char *const[]){ "test-mm-report-env", "--child", NULL });
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	slurp(err_path, said, sizeof(said));
	slurp(log ? log : log_path, logged, sizeof(logged));
	close(err_fd);
	unlink(err_path);
	if (!log) {
		close(log_fd);
		unlink(log_path);
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_json_log(void **state)
{
	(void)state;
	assert_int_equal(run("", NULL), 0);
	/* one line per report, the device's name escaped, no device as null */
	assert_non_null(strstr(logged, "{\"kind\":\"misuse\",\"device\":\"cam\\\"0\\\\\\u0001\","));
	assert_non_null(strstr(logged, "{\"kind\":\"misuse\",\"device\":null,\"message\":"
			       "\"dma_resv_unlock: "));
	assert_int_equal(lines(logged), 2);
}

static void test_unknown_word(void **state)
{
	(void)state;
	assert_int_equal(run("api,bogus", NULL), 0);
	assert_non_null(strstr(said, "DMAMAP_DEBUG: 'bogus' is not one of api, ownership, "
				     "device, fatal, all; ignored"));
	/* the words it knows still count: api is on, and the reports are made */
	assert_non_null(strstr(logged, "\"device\":null"));
}

static void test_log_cannot_open(void **state)
{
	(void)state;
	assert_int_equal(run("", "/nonexistent-dir/dmamap.log"), 0);
	assert_non_null(strstr(said, "DMAMAP_DEBUG_LOG: cannot open "
				     "'/nonexistent-dir/dmamap.log': No such file or directory"));
	/* the reports are made all the same, on stderr */
	assert_non_null(strstr(said, "dma_resv_unlock: "));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_log),
		cmocka_unit_test(test_unknown_word),
		cmocka_unit_test(test_log_cannot_open),
	};

	if (argc == 2 && !strcmp(argv[1], "--child"))
		return child();
	return cmocka_run_group_tests_name("mm-report-env", tests, NULL, NULL);
}
