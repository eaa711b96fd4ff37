// SPDX-License-Identifier: MIT
/*
 * A main for a fuzz target built without libFuzzer (the thread target under
 * ThreadSanitizer: libFuzzer's coverage counters are plain stores that
 * every thread makes, which ThreadSanitizer reports as races): replays the
 * files and directories given, then runs inputs of random bytes for as
 * long as asked.
 *
 *   fuzz-threads [-seconds=N] [-seed=N] [file or directory]...
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long replayed;
static const uint8_t *cur;
static size_t cur_len;

/* A failed check aborts: the input that made it goes to crash-input for replay. */
static void save_input(int sig)
{
	static const char msg[] = "the input is in crash-input\n";
	int fd = open("crash-input", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0 && write(fd, cur, cur_len) == (ssize_t)cur_len &&
	    write(2, msg, sizeof(msg) - 1) > 0)
		close(fd);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run_one(const uint8_t *data, size_t size)
{
	cur = data;
	cur_len = size;
	LLVMFuzzerTestOneInput(data, size);
}

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(1);
	}
	fclose(f);
	run_one(buf, (size_t)n);
	free(buf);
	replayed++;
}

static void run_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (stat(path, &st)) {
		perror(path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char p[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		run_file(p);
	}
	if (d)
		closedir(d);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 0, end;
	uint64_t seed = 1, x;
	unsigned long fresh = 0;
	uint8_t buf[4096];

	signal(SIGABRT, save_input);
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "-seconds=", 9))
			seconds = atof(argv[i] + 9);
		else if (!strncmp(argv[i], "-seed=", 6))
			seed = strtoull(argv[i] + 6, NULL, 0);
		else
			run_path(argv[i]);
	}
	x = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (end = now() + seconds; now() < end; fresh++) {
		size_t n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = (size_t)(x % sizeof(buf));
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		run_one(buf, n);
	}
	printf("%lu inputs replayed, %lu random inputs (seed %llu)\n", replayed, fresh,
	       (unsigned long long)seed);
	return 0;
}
