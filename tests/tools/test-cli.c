// SPDX-License-Identifier: MIT
/*
 * The command line every dmamap command shares (tools/cli.c), and the bench
 * command built on it: "--opt=value" and "--opt value", "-o value" and
 * "-ovalue", "--" ending the options, unknown options and missing values
 * refused with a message, numbers checked against their range, "-" as
 * standard output once, an output that cannot be opened refused at once
 * with the errno text; "bench --check" exits 1 on a missed target and the
 * table is followed by the legend of its columns.
 */
#include "test-util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

enum { K_FLAG = 256, K_NUM };

static const struct cli_option opts[] = {
	{ "out", 'o', "FILE", "an output" },
	{ "name", 'n', "NAME", "a name" },
	{ "flag", K_FLAG, NULL, "a flag" },
	{ "num", K_NUM, "N", "a number" },
	{ NULL, 0, NULL, NULL },
};

static int no_run(struct cli *c)
{
	(void)c;
	return 0;
}

static const struct cli_command cmd = {
	.name = "t", .args = "[WORD...]", .summary = "a test", .options = opts, .run = no_run,
};

static const struct cli_command cmd_no_args = {
	.name = "t", .summary = "a test", .options = opts, .run = no_run,
};

#define ARGV(...) ((char *[]){ "t", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "t", __VA_ARGS__ }) / sizeof(char *)))
#define CLI(command, ...)							\
	(struct cli){ .prog = "dmamap t", .cmd = &(command), .argc = ARGC(__VA_ARGS__),	\
		      .argv = ARGV(__VA_ARGS__), .next = 1 }

/* What @fn writes on file descriptor @fd (1 or 2), into @buf. */
static int capture(int fd, char *buf, size_t len, int (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved, ret;
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	fflush(stderr);
	saved = dup(fd);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), fd) >= 0);
	ret = fn(arg);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(saved, fd) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
	return ret;
}

static int next_of(void *arg)
{
	return cli_next(arg);
}

static void test_value_forms(void **state)
{
	struct cli c = CLI(cmd, "--out=a", "--out", "b", "-o", "c", "-od", "--name=x=y", "--flag");

	(void)state;
	assert_int_equal(cli_next(&c), 'o');
	assert_string_equal(c.value, "a");
	assert_string_equal(c.option, "--out=a");
	assert_int_equal(cli_next(&c), 'o');
	assert_string_equal(c.value, "b");
	assert_int_equal(cli_next(&c), 'o');
	assert_string_equal(c.value, "c");
	assert_int_equal(cli_next(&c), 'o');
	assert_string_equal(c.value, "d");
	/* only the first '=' separates */
	assert_int_equal(cli_next(&c), 'n');
	assert_string_equal(c.value, "x=y");
	assert_int_equal(cli_next(&c), K_FLAG);
	assert_null(c.value);
	assert_int_equal(cli_next(&c), CLI_END);
	assert_int_equal(c.next, c.argc);
}

static void test_empty_value(void **state)
{
	struct cli c = CLI(cmd, "--name=", "--name", "");

	(void)state;
	assert_int_equal(cli_next(&c), 'n');
	assert_string_equal(c.value, "");
	assert_int_equal(cli_next(&c), 'n');
	assert_string_equal(c.value, "");
}

static void test_arguments_and_double_dash(void **state)
{
	struct cli c = CLI(cmd, "word", "-", "--flag", "--", "--out", "prog");

	(void)state;
	assert_int_equal(cli_next(&c), CLI_ARG);
	assert_string_equal(c.value, "word");
	/* "-" alone is a word (standard output or input), not an option */
	assert_int_equal(cli_next(&c), CLI_ARG);
	assert_string_equal(c.value, "-");
	assert_int_equal(cli_next(&c), K_FLAG);
	/* "--" ends the options: what follows is left for the command */
	assert_int_equal(cli_next(&c), CLI_END);
	assert_int_equal(c.next, 5);
	assert_string_equal(c.argv[c.next], "--out");
}

static void expect_error(struct cli c, const char *message)
{
	char err[512];

	assert_int_equal(capture(2, err, sizeof(err), next_of, &c), CLI_ERROR);
	if (!strstr(err, message))
		fail_msg("stderr '%s' does not say '%s'", err, message);
	assert_non_null(strstr(err, "dmamap t: "));
	assert_non_null(strstr(err, "see 'dmamap t --help'"));
}

static void test_bad_options(void **state)
{
	(void)state;
	expect_error(CLI(cmd, "--bogus"), "unknown option '--bogus'");
	expect_error(CLI(cmd, "--bogus=1"), "unknown option '--bogus=1'");
	expect_error(CLI(cmd, "-x"), "unknown option '-x'");
	/* a prefix is not an abbreviation */
	expect_error(CLI(cmd, "--ou", "a"), "unknown option '--ou'");
	expect_error(CLI(cmd, "--out"), "option '--out' needs a value (FILE)");
	expect_error(CLI(cmd, "-o"), "option '-o' needs a value (FILE)");
	expect_error(CLI(cmd, "--flag=1"), "option '--flag=1' takes no value");
	expect_error(CLI(cmd_no_args, "word"), "unexpected argument 'word'");
}

static int help_of(void *arg)
{
	return cli_status(cli_next(arg));
}

static void test_help(void **state)
{
	struct cli c = CLI(cmd, "--help");
	struct cli h = CLI(cmd, "-h");
	char out[4096], out2[4096];

	(void)state;
	assert_int_equal(capture(1, out, sizeof(out), help_of, &c), 0);
	assert_non_null(strstr(out, "usage: dmamap t [options] [WORD...]"));
	assert_non_null(strstr(out, "-o, --out FILE"));
	assert_non_null(strstr(out, "--flag"));
	assert_non_null(strstr(out, "--num N"));
	assert_non_null(strstr(out, "--opt=VALUE"));
	assert_int_equal(capture(1, out2, sizeof(out2), help_of, &h), 0);
	assert_string_equal(out, out2);
	assert_int_equal(cli_status(CLI_ERROR), CLI_EXIT_USAGE);
}

static void test_numbers(void **state)
{
	struct cli c = CLI(cmd, "--num=4K", "--num", "2MiB", "--num", "0x10", "--num", "3x",
			   "--num", "-1", "--num", "20", "--num", "1.5", "--num", "nan");
	unsigned long long v = 0;
	double d = 0;

	(void)state;
	cli_next(&c);
	assert_int_equal(cli_u64(&c, 0, ~0ULL, true, &v), 0);
	assert_int_equal(v, 4096);
	cli_next(&c);
	assert_int_equal(cli_u64(&c, 0, ~0ULL, true, &v), 0);
	assert_int_equal(v, 2 << 20);
	cli_next(&c);
	assert_int_equal(cli_u64(&c, 0, ~0ULL, false, &v), 0);
	assert_int_equal(v, 16);
	v = 7;
	cli_next(&c);
	assert_int_equal(cli_u64(&c, 0, ~0ULL, true, &v), CLI_EXIT_USAGE);
	cli_next(&c);
	assert_int_equal(cli_u64(&c, 0, ~0ULL, true, &v), CLI_EXIT_USAGE);
	cli_next(&c);
	assert_int_equal(cli_u64(&c, 0, 10, false, &v), CLI_EXIT_USAGE);
	/* a refused value leaves the variable as it was */
	assert_int_equal(v, 7);
	cli_next(&c);
	assert_int_equal(cli_double(&c, 0, 2, &d), 0);
	assert_true(d == 1.5);
	cli_next(&c);
	assert_int_equal(cli_double(&c, 0, 2, &d), CLI_EXIT_USAGE);
	assert_true(d == 1.5);
}

struct open_args {
	struct cli *c;
	FILE *f;
};

static int output_of(void *arg)
{
	struct open_args *a = arg;

	cli_next(a->c);
	a->f = cli_output(a->c);
	return 0;
}

static void test_outputs(void **state)
{
	struct cli c = CLI(cmd, "--out", "-", "--out=-", "--out", "/nonexistent/dir/x");
	struct open_args a = { &c, NULL };
	char err[512];

	(void)state;
	assert_ptr_equal(cli_text(&c), stdout);
	/* "-" is standard output, and the command's own text moves to stderr */
	capture(2, err, sizeof(err), output_of, &a);
	assert_ptr_equal(a.f, stdout);
	assert_true(c.stdout_taken);
	assert_ptr_equal(cli_text(&c), stderr);
	capture(2, err, sizeof(err), output_of, &a);
	assert_null(a.f);
	assert_non_null(strstr(err, "dmamap t: --out=-: standard output is already taken"));
	capture(2, err, sizeof(err), output_of, &a);
	assert_null(a.f);
	assert_non_null(strstr(err, "dmamap t: cannot write /nonexistent/dir/x: No such file or "
				    "directory"));
	assert_int_equal(cli_close(NULL), 0);
}

/* --- the bench command ------------------------------------------------------------ */

static int fake(const struct bench_ctx *ctx, struct bench_result *r, double median)
{
	double s[3] = { median, median, median };

	(void)ctx;
	bench_set_samples(r, s, 3, "ns");
	r->iterations = 3;
	r->floor_name = "memcpy";
	r->floor_median = 4;
	r->goal = BENCH_GOAL_MAX;
	r->target = 10;
	return 0;
}

static int fake_met(const struct bench_ctx *ctx, struct bench_result *r)
{
	return fake(ctx, r, 5);
}

static int fake_missed(const struct bench_ctx *ctx, struct bench_result *r)
{
	return fake(ctx, r, 20);
}

BENCH_CASE(case_met, "test-met", "a benchmark that meets its target", fake_met)
BENCH_CASE(case_missed, "test-missed", "a benchmark that misses its target", fake_missed)

struct bench_args {
	int argc;
	char **argv;
};

static int bench_of(void *arg)
{
	struct bench_args *a = arg;

	return bench_main(a->argc, a->argv, "dmamap bench");
}

static int run_bench(char *out, size_t len, char **argv)
{
	struct bench_args a = { 0, argv };

	while (argv[a.argc])
		a.argc++;
	return capture(1, out, len, bench_of, &a);
}

static void test_bench_check(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run_bench(out, sizeof(out), (char *[]){ "bench", "--filter=test-met",
								  "--check", NULL }), 0);
	assert_non_null(strstr(out, "<= 10 ok"));
	/* a miss is shown, but only --check makes it fail the run */
	assert_int_equal(run_bench(out, sizeof(out), (char *[]){ "bench", "--filter",
								  "test-missed", NULL }), 0);
	assert_non_null(strstr(out, "<= 10 MISSED"));
	assert_non_null(strstr(out, "1 of 1 targets MISSED"));
	assert_int_equal(run_bench(out, sizeof(out), (char *[]){ "bench", "--check", "-f", "test-",
								  NULL }), CLI_EXIT_FAILED);
	assert_non_null(strstr(out, "1 of 2 targets MISSED"));
}

static void test_bench_legend(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run_bench(out, sizeof(out), (char *[]){ "bench", "--filter=test-met",
								  NULL }), 0);
	/* every column of the header is explained under the table */
	assert_non_null(strstr(out, "median, p10, p90:"));
	assert_non_null(strstr(out, "\nfloor:"));
	assert_non_null(strstr(out, "\nratio:"));
	assert_non_null(strstr(out, "\ntarget:"));
	assert_non_null(strstr(out, "MISSED if not"));
}

static void test_bench_json_to_stdout(void **state)
{
	char out[8192];

	(void)state;
	/* with the JSON on stdout, the table goes to stderr and stdout is JSON only */
	assert_int_equal(run_bench(out, sizeof(out), (char *[]){ "bench", "--json=-",
								  "--filter=test-missed", NULL }), 0);
	assert_true(out[0] == '{');
	assert_null(strstr(out, "median, p10, p90:"));
	assert_non_null(strstr(out, "\"met\": false"));
}

/*
 * --svg: a row per benchmark (dmamap_svg_bars()), the median a bar, the floor
 * and the target lines on its axis
 */
static void test_bench_svg(void **state)
{
	char out[8192], path[] = "/tmp/dmamap-bench-XXXXXX", *svg, *met, *missed;
	int fd = mkstemp(path);
	FILE *f;
	long n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(run_bench(out, sizeof(out), (char *[]){ "bench", "--filter=test-",
								  "--svg", path, NULL }), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	svg = calloc(1, (size_t)n + 1);
	assert_non_null(svg);
	assert_int_equal(fread(svg, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	met = strstr(svg, "<g class=\"row\" data-name=\"test-met\">");
	missed = strstr(svg, "<g class=\"row\" data-name=\"test-missed\">");
	assert_non_null(met);
	assert_non_null(missed);
	assert_true(met < missed);
	/* the met row: bar, floor, a met target; the missed one: a missed target */
	assert_non_null(strstr(met, "class=\"value\""));
	assert_true(strstr(met, "class=\"floor\"") < missed);
	assert_true(strstr(met, "class=\"target met\"") < missed);
	assert_non_null(strstr(missed, "class=\"target missed\""));
	assert_non_null(strstr(missed, "target: at most 10 ns, MISSED"));
	assert_non_null(strstr(svg, "</svg>"));
	free(svg);
}

static void test_bench_unwritable_json(void **state)
{
	char err[1024];
	struct bench_args a = { 3, (char *[]){ "bench", "--json", "/nonexistent/b.json", NULL } };

	(void)state;
	assert_int_equal(capture(2, err, sizeof(err), bench_of, &a), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "cannot write /nonexistent/b.json: No such file or directory"));
	/* refused before any benchmark ran */
	assert_null(strstr(err, "test-met"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_empty_value),
		cmocka_unit_test(test_arguments_and_double_dash),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_bench_check),
		cmocka_unit_test(test_bench_legend),
		cmocka_unit_test(test_bench_json_to_stdout),
		cmocka_unit_test(test_bench_svg),
		cmocka_unit_test(test_bench_unwritable_json),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
