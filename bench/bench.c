// SPDX-License-Identifier: MIT
/* The benchmark harness: registration, statistics, floors, output. */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static struct bench_case *cases;
static struct bench_case **cases_tail = &cases;

void bench_register(struct bench_case *c)
{
	c->next = NULL;
	*cases_tail = c;
	cases_tail = &c->next;
}

u64 bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

u64 bench_iters(const struct bench_ctx *ctx, u64 base, u64 min)
{
	double n = (double)base * ctx->scale;

	return n < (double)min ? min : (u64)n;
}

void bench_warmup(const struct bench_ctx *ctx)
{
	u64 span = (u64)(30e6 * (ctx->scale < 1 ? ctx->scale : 1)), t0 = bench_now_ns();
	volatile u64 spins = 0;

	while (bench_now_ns() - t0 < span)
		spins++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double p)
{
	double pos = p * (double)(n - 1);
	size_t lo = (size_t)pos;
	double frac = pos - (double)lo;

	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

void bench_summarise(double *samples, size_t n, double *median, double *p10, double *p90)
{
	if (n == 0) {
		*median = *p10 = *p90 = NAN;
		return;
	}
	qsort(samples, n, sizeof(*samples), cmp_double);
	*median = percentile(samples, n, 0.5);
	*p10 = percentile(samples, n, 0.1);
	*p90 = percentile(samples, n, 0.9);
}

void bench_set_samples(struct bench_result *r, double *samples, size_t n, const char *unit)
{
	bench_summarise(samples, n, &r->median, &r->p10, &r->p90);
	r->unit = unit;
}

double bench_floor_memcpy_ns(const struct bench_ctx *ctx, size_t bytes)
{
	size_t rounds = bench_iters(ctx, 101, 5);
	u8 *src = malloc(bytes), *dst = malloc(bytes);
	double *s = calloc(rounds, sizeof(*s));
	double med = NAN, p10, p90;
	size_t reps = bytes >= (1u << 20) ? 4 : (size_t)((1u << 22) / bytes);

	if (!src || !dst || !s)
		goto out;
	memset(src, 0x5a, bytes);
	memset(dst, 0xa5, bytes);
	bench_warmup(ctx);
	for (size_t r = 0; r < rounds; r++) {
		u64 t0 = bench_now_ns();

		for (size_t i = 0; i < reps; i++) {
			memcpy(dst, src, bytes);
			bench_keep(dst);
		}
		s[r] = (double)(bench_now_ns() - t0) / (double)reps;
	}
	bench_summarise(s, rounds, &med, &p10, &p90);
out:
	free(src);
	free(dst);
	free(s);
	return med;
}

double bench_floor_mmap_ns(const struct bench_ctx *ctx)
{
	size_t rounds = bench_iters(ctx, 2001, 21);
	double *s = calloc(rounds, sizeof(*s));
	double med = NAN, p10, p90;
	int fd = memfd_create("dmamap-bench-floor", MFD_CLOEXEC);
	void *res = MAP_FAILED;

	if (!s || fd < 0 || ftruncate(fd, 1 << 20))
		goto out;
	res = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		goto out;
	bench_warmup(ctx);
	for (size_t r = 0; r < rounds; r++) {
		u8 *at = (u8 *)res + ((r % 128) * 2) * 4096;
		u64 t0 = bench_now_ns();
		void *p = mmap(at, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
			       (off_t)(r % 256) * 4096);

		s[r] = (double)(bench_now_ns() - t0);
		if (p == MAP_FAILED)
			goto out;
		mmap(at, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	}
	bench_summarise(s, rounds, &med, &p10, &p90);
out:
	if (res != MAP_FAILED)
		munmap(res, 1 << 20);
	if (fd >= 0)
		close(fd);
	free(s);
	return med;
}

u64 bench_host_calls(struct dmamap_machine *m)
{
	struct dmamap_stats st;

	dmamap_machine_stats(m, &st);
	return st.host_mmaps + st.host_munmaps + st.host_madvises;
}

void bench_set_bandwidth(struct bench_result *r, double *samples, size_t n, double floor_ns,
			 const char *floor_name)
{
	double med, p10, p90;

	bench_summarise(samples, n, &med, &p10, &p90);
	/* a time is turned into a share of the floor's bandwidth: the percentiles swap ends */
	r->median = 100.0 * floor_ns / med;
	r->p10 = 100.0 * floor_ns / p90;
	r->p90 = 100.0 * floor_ns / p10;
	r->unit = "%";
	r->floor_name = floor_name;
	r->floor_unit = "ns";
	r->floor_median = floor_ns;
	r->ratio = med / floor_ns;
	r->goal = BENCH_GOAL_MIN;
}

/* The naive floor of an allocator: find a zero bit in a small bitmap, set it, clear it. */
double bench_floor_bitmap_ns(const struct bench_ctx *ctx)
{
	enum { WORDS = 64 };
	u64 map[WORDS];
	size_t rounds = bench_iters(ctx, 101, 5), batch = 10000;
	double *s = calloc(rounds, sizeof(*s));
	double med = NAN, p10, p90;
	u64 seed = 88172645463325252ull;

	if (!s)
		return NAN;
	for (int i = 0; i < WORDS; i++)
		map[i] = ~0ull >> 1;	/* nearly full, one free bit per word */
	bench_warmup(ctx);
	for (size_t r = 0; r < rounds; r++) {
		u64 t0 = bench_now_ns();

		for (size_t i = 0; i < batch; i++) {
			unsigned int w;

			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			w = (unsigned int)(seed % WORDS);
			while (map[w] == ~0ull)
				w = (w + 1) % WORDS;
			unsigned int b = (unsigned int)__builtin_ctzll(~map[w]);

			map[w] |= 1ull << b;
			bench_keep(map);
			map[w] &= ~(1ull << b);
		}
		s[r] = (double)(bench_now_ns() - t0) / (double)batch;
	}
	bench_summarise(s, rounds, &med, &p10, &p90);
	free(s);
	return med;
}

struct page **bench_fragment(struct dmamap_machine *m, unsigned int period, size_t *nr_kept)
{
	struct dmamap_stats st;
	struct page **all, **kept;
	size_t n = 0, k = 0;

	dmamap_machine_stats(m, &st);
	all = calloc(st.pages_free + 1, sizeof(*all));
	kept = calloc(st.pages_free / period + 1, sizeof(*kept));
	if (!all || !kept) {
		free(all);
		free(kept);
		return NULL;
	}
	while (n < st.pages_free && (all[n] = dmamap_alloc_pages(m, GFP_KERNEL, 0)))
		n++;
	for (size_t i = 0; i < n; i++) {
		if (i % period == period - 1)
			kept[k++] = all[i];
		else
			dmamap_free_pages(all[i], 0);
	}
	free(all);
	*nr_kept = k;
	return kept;
}

void bench_unfragment(struct page **kept, size_t nr_kept)
{
	for (size_t i = 0; kept && i < nr_kept; i++)
		dmamap_free_pages(kept[i], 0);
	free(kept);
}

static const char *goal_str(const struct bench_result *r, bool *met)
{
	*met = true;
	switch (r->goal) {
	case BENCH_GOAL_MAX:
		*met = r->median <= r->target;
		return "<=";
	case BENCH_GOAL_MIN:
		*met = r->median >= r->target;
		return ">=";
	default:
		return "";
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

enum { OPT_CHECK = 256, OPT_LIST, OPT_SVG };

static const struct cli_option bench_options[] = {
	{ "json", 'j', "FILE", "also write the results as JSON to FILE ('-': standard output)" },
	{ "svg", OPT_SVG, "FILE", "also draw the results as bars against floor and target (SVG)" },
	{ "filter", 'f', "NAME", "run only the benchmarks whose name contains NAME" },
	{ "scale", 's', "X", "multiply the iteration counts by X (0 < X <= 100; default 1)" },
	{ "check", OPT_CHECK, NULL, "exit 1 when a benchmark misses its target" },
	{ "list", OPT_LIST, NULL, "list the benchmarks and exit" },
	{ NULL, 0, NULL, NULL },
};

/* One benchmark's result, kept for the picture. */
struct bench_row {
	const char *name;
	struct bench_result r;
	int ret;
	char error[80];		/* why it could not run */
};

/*
 * Where the floor lies on a result's own axis: at its median when it is
 * measured in the result's unit, at 100 for a share of the floor's
 * bandwidth; NAN when the two cannot be put on one axis.
 */
static double floor_on_axis(const struct bench_result *r)
{
	if (!r->floor_name || !isfinite(r->floor_median))
		return NAN;
	if (r->unit && !strcmp(r->unit, "%"))
		return 100;
	if (!r->floor_unit || (r->unit && !strcmp(r->floor_unit, r->unit)))
		return r->floor_median;
	return NAN;
}

/*
 * The results as bars (dmamap_svg_bars()), one row per benchmark; a value
 * the picture cannot place (no median, a spread that is not one) is left out
 * rather than drawn wrong.
 */
static int write_svg(FILE *f, const struct bench_row *rows, int n, double scale)
{
	struct dmamap_svg_bar *bars = calloc((size_t)n, sizeof(*bars));
	char title[96];
	int ret;

	if (!bars)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const struct bench_result *r = &rows[i].r;
		struct dmamap_svg_bar *b = &bars[i];
		bool ok = !rows[i].ret && isfinite(r->median) && r->median >= 0;

		b->name = rows[i].name;
		b->unit = r->unit;
		b->value = ok ? r->median : NAN;
		b->low = b->high = NAN;
		if (isfinite(r->p10) && isfinite(r->p90) && r->p10 >= 0 && r->p10 <= r->p90) {
			b->low = r->p10;
			b->high = r->p90;
		}
		b->floor = floor_on_axis(r);
		if (!(b->floor >= 0))
			b->floor = NAN;
		b->floor_name = r->floor_name;
		if (isfinite(r->target) && r->target >= 0)
			b->goal = r->goal == BENCH_GOAL_MAX ? DMAMAP_SVG_AT_MOST :
				  r->goal == BENCH_GOAL_MIN ? DMAMAP_SVG_AT_LEAST : DMAMAP_SVG_NO_TARGET;
		b->target = r->target;
		b->note = r->note[0] ? r->note : NULL;
		if (rows[i].ret)
			b->note = rows[i].error;
		else if (!ok)
			b->note = "no result";
	}
	snprintf(title, sizeof(title), "dmamap bench %s, scale %g", dmamap_version(), scale);
	ret = dmamap_svg_bars(f, title, bars, (size_t)n);
	free(bars);
	return ret;
}

/* What the columns mean, printed under the table. */
static void legend(FILE *f)
{
	fprintf(f,
		"\nmedian, p10, p90: the middle, 10th and 90th percentile of the samples, in unit.\n"
		"floor: the physical cost of the same work (a memcpy of the same bytes, the host\n"
		"  calls that cannot be avoided, a plain bitmap), measured in this run.\n"
		"ratio: our time over the floor's (1: as cheap as the work itself). Where the unit\n"
		"  is %%, the median is the floor's time as a share of ours (100: as fast).\n"
		"target: what the median must be (<= at most, >= at least), then ok if it is,\n"
		"  MISSED if not. Timings depend on the machine and on what else runs on it:\n"
		"  repeat a MISSED run before believing it. --check makes a miss exit 1.\n");
}

static int bench_run(struct cli *cl)
{
	const char *filter = NULL;
	struct bench_ctx ctx = { .scale = 1.0 };
	bool list = false, check = false, tty = isatty(STDERR_FILENO);
	FILE *jf = NULL, *sf = NULL, *out;
	struct bench_row *rows = NULL;
	int failed = 0, missed = 0, targets = 0, ran = 0, total = 0, o, status = CLI_EXIT_USAGE;

	while ((o = cli_next(cl)) > 0) {
		switch (o) {
		case 'j':
			if (jf)
				cli_close(jf);
			if (!(jf = cli_output(cl)))
				goto out;
			break;
		case OPT_SVG:
			if (sf)
				cli_close(sf);
			if (!(sf = cli_output(cl)))
				goto out;
			break;
		case 'f':
			filter = cl->value;
			break;
		case 's':
			if (cli_double(cl, 0, 100, &ctx.scale))
				goto out;
			if (ctx.scale == 0) {
				cli_error(cl, "--scale wants a number above 0");
				goto out;
			}
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_LIST:
			list = true;
			break;
		}
	}
	if (o < 0) {
		status = cli_status(o);
		goto out;
	}

	for (struct bench_case *c = cases; c; c = c->next)
		if (!filter || strstr(c->name, filter))
			total++;
	if (list) {
		for (struct bench_case *c = cases; c; c = c->next)
			if (!filter || strstr(c->name, filter))
				fprintf(cli_text(cl), "%-34s %s\n", c->name, c->desc);
		status = CLI_EXIT_OK;
		goto out;
	}
	if (total == 0) {
		cli_error(cl, "no benchmark matches '%s'", filter ? filter : "");
		goto out;
	}
	if (jf) {
		fprintf(jf, "{\n  \"version\": \"%s\",\n  \"scale\": %g,\n  \"benchmarks\": [",
			dmamap_version(), ctx.scale);
	}

	if (sf && !(rows = calloc((size_t)total, sizeof(*rows)))) {
		cli_error(cl, "out of memory");
		goto out;
	}
	out = cli_text(cl);
	fprintf(out, "%-34s %12s %12s %12s %8s  %-22s %10s  %s\n", "benchmark", "median", "p10",
		"p90", "unit", "floor", "ratio", "target");
	for (struct bench_case *c = cases; c; c = c->next) {
		struct bench_result r;
		bool met;
		const char *g;
		int ret;

		if (filter && !strstr(c->name, filter))
			continue;
		if (tty)
			fprintf(stderr, "\r[%d/%d] %-40s", ran + 1, total, c->name);
		memset(&r, 0, sizeof(r));
		r.floor_median = NAN;
		r.ratio = NAN;
		ret = c->run(&ctx, &r);
		if (tty)
			fprintf(stderr, "\r%60s\r", "");
		if (rows) {
			rows[ran] = (struct bench_row){ .name = c->name, .r = r, .ret = ret };
			if (ret)
				snprintf(rows[ran].error, sizeof(rows[ran].error), "could not run: %s",
					 strerror(-ret));
		}
		ran++;
		if (ret) {
			fprintf(out, "%-34s could not run: %s\n", c->name, strerror(-ret));
			failed++;
			continue;
		}
		if (r.floor_name && isfinite(r.floor_median) && r.floor_median > 0 && isnan(r.ratio))
			r.ratio = r.median / r.floor_median;
		if (rows)
			rows[ran - 1].r = r;
		g = goal_str(&r, &met);
		fprintf(out, "%-34s %12.2f %12.2f %12.2f %8s  %-22s %10.3f  ", c->name, r.median,
			r.p10, r.p90, r.unit ? r.unit : "", r.floor_name ? r.floor_name : "-", r.ratio);
		if (*g)
			fprintf(out, "%s %.4g %s\n", g, r.target, met ? "ok" : "MISSED");
		targets += *g != 0;
		missed += *g && !met;
		if (!*g)
			fprintf(out, "-\n");
		if (r.note[0])
			fprintf(out, "%-34s   %s\n", "", r.note);
		if (jf) {
			fprintf(jf, "%s\n    {\"name\": ", ran > 1 ? "," : "");
			json_str(jf, c->name);
			fprintf(jf, ", \"unit\": ");
			json_str(jf, r.unit);
			fprintf(jf, ", \"median\": ");
			json_num(jf, r.median);
			fprintf(jf, ", \"p10\": ");
			json_num(jf, r.p10);
			fprintf(jf, ", \"p90\": ");
			json_num(jf, r.p90);
			fprintf(jf, ", \"iterations\": %llu, \"floor\": ", (unsigned long long)r.iterations);
			if (r.floor_name) {
				fprintf(jf, "{\"name\": ");
				json_str(jf, r.floor_name);
				fprintf(jf, ", \"unit\": ");
				json_str(jf, r.floor_unit ? r.floor_unit : r.unit);
				fprintf(jf, ", \"median\": ");
				json_num(jf, r.floor_median);
				fprintf(jf, "}");
			} else {
				fprintf(jf, "null");
			}
			fprintf(jf, ", \"ratio\": ");
			json_num(jf, r.ratio);
			if (*g) {
				fprintf(jf, ", \"target\": {\"op\": \"%s\", \"value\": ", g);
				json_num(jf, r.target);
				fprintf(jf, ", \"met\": %s}", met ? "true" : "false");
			} else {
				fprintf(jf, ", \"target\": null");
			}
			fprintf(jf, ", \"note\": ");
			json_str(jf, r.note);
			fprintf(jf, "}");
		}
	}
	legend(out);
	if (missed)
		fprintf(out, "%d of %d targets MISSED\n", missed, targets);
	status = failed || (check && missed) ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	if (sf) {
		int err = write_svg(sf, rows, ran, ctx.scale), err2 = cli_close(sf);

		sf = NULL;
		if (!err)
			err = err2;
		if (err) {
			fprintf(stderr, "%s: writing the picture failed: %s\n", cl->prog, strerror(-err));
			status = CLI_EXIT_FAILED;
		}
	}
	if (jf) {
		int err;

		fprintf(jf, "\n  ]\n}\n");
		err = cli_close(jf);
		jf = NULL;
		if (err) {
			fprintf(stderr, "%s: writing the JSON failed: %s\n", cl->prog, strerror(-err));
			status = CLI_EXIT_FAILED;
		}
	}
out:
	cli_close(jf);
	cli_close(sf);
	free(rows);
	return status;
}

const struct cli_command bench_command = {
	.name = "bench",
	.summary = "run the benchmark suite",
	.description =
		"Runs the benchmarks and prints, for each, the median, p10 and p90 of its\n"
		"samples, the floor measured in the same run and the ratio to it, and its\n"
		"target. Each benchmark keeps the processor busy for 30 ms after its setup,\n"
		"before its first sample.\n"
		"\n"
		"'dmamap bench map [options]' runs the kernel's DMA map benchmark instead\n"
		"(see 'dmamap bench map --help').\n",
	.options = bench_options,
	.run = bench_run,
};

int bench_main(int argc, char **argv, const char *prog)
{
	return cli_run(&bench_command, prog, argc, argv);
}
