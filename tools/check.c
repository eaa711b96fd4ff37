// SPDX-License-Identifier: MIT
/*
 * dmamap check: runs a program (a test suite, a test runner) with every
 * check of the debugger on (DMAMAP_DEBUG=all) and a log of its own
 * (DMAMAP_DEBUG_LOG, inherited by the program's children), then sums the
 * reports up by kind and by site, as valgrind's summary does. The log is
 * one JSON object per line, written by the library (src/mm/report.c); a
 * line cut short by a crash is counted, with what could be read of it.
 */
#include "check.h"

#include <dmamap/dmamap.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct check_report {
	char *kind, *device, *message, *addr, *site, *map_site;
	unsigned long long size;
};

struct check_group {
	const char *kind, *site, *map_site;	/* borrowed from the first report */
	unsigned long count;
};

struct check_log {
	struct check_report *r;
	size_t n, cap;
};

/* The JSON string at *@p (after its opening quote), unescaped; *@p moves past it. */
static char *json_string(const char **p)
{
	const char *s = *p;
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	while (*s && *s != '"') {
		if (*s == '\\' && s[1]) {
			s++;
			if (*s == 'u' && strlen(s) >= 5) {
				unsigned int c = 0;

				sscanf(s + 1, "%4x", &c);
				*o++ = c < 0x80 && c ? (char)c : '?';
				s += 5;
				continue;
			}
			*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
			s++;
			continue;
		}
		*o++ = *s++;
	}
	*o = 0;
	*p = *s ? s + 1 : s;
	return out;
}

/* One line of the log: its fields by name, whatever their order; false if it has no kind. */
static bool parse_line(const char *line, struct check_report *r)
{
	const char *p = line;

	memset(r, 0, sizeof(*r));
	while ((p = strchr(p, '"'))) {
		char *key, *val = NULL, **slot = NULL;

		p++;
		key = json_string(&p);
		if (!key)
			break;
		while (*p == ' ' || *p == ':')
			p++;
		if (*p == '"') {
			p++;
			val = json_string(&p);
		} else if (!strcmp(key, "size")) {
			r->size = strtoull(p, NULL, 10);
		}
		if (!strcmp(key, "kind"))
			slot = &r->kind;
		else if (!strcmp(key, "device"))
			slot = &r->device;
		else if (!strcmp(key, "message"))
			slot = &r->message;
		else if (!strcmp(key, "addr"))
			slot = &r->addr;
		else if (!strcmp(key, "site"))
			slot = &r->site;
		else if (!strcmp(key, "map_site"))
			slot = &r->map_site;
		if (slot && !*slot)
			*slot = val;
		else
			free(val);
		free(key);
		/* on to the next key: past the value */
		while (*p && *p != ',' && *p != '}')
			p++;
	}
	return r->kind != NULL;
}

static void report_free(struct check_report *r)
{
	free(r->kind);
	free(r->device);
	free(r->message);
	free(r->addr);
	free(r->site);
	free(r->map_site);
}

static int read_log(const char *path, struct check_log *log)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		struct check_report r;

		if (!parse_line(line, &r)) {
			report_free(&r);
			continue;
		}
		if (log->n == log->cap) {
			size_t ncap = log->cap ? 2 * log->cap : 64;
			struct check_report *n = realloc(log->r, ncap * sizeof(*n));

			if (!n) {
				report_free(&r);
				break;
			}
			log->r = n;
			log->cap = ncap;
		}
		log->r[log->n++] = r;
	}
	free(line);
	fclose(f);
	return 0;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Reports grouped by (kind, site, map_site), most frequent first. */
static size_t group(const struct check_log *log, struct check_group *g)
{
	size_t n = 0;

	for (size_t i = 0; i < log->n; i++) {
		const struct check_report *r = &log->r[i];
		size_t j;

		for (j = 0; j < n; j++)
			if (same(g[j].kind, r->kind) && same(g[j].site, r->site) &&
			    same(g[j].map_site, r->map_site))
				break;
		if (j == n)
			g[n++] = (struct check_group){ r->kind, r->site, r->map_site, 0 };
		g[j].count++;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && g[j].count > g[j - 1].count; j--) {
			struct check_group t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	return n;
}

static void json_put(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_json(FILE *f, const char *program, int status, const struct check_log *log,
		       const struct check_group *g, size_t ng)
{
	fputs("{\"program\":", f);
	json_put(f, program);
	fprintf(f, ",\"status\":%d,\"reports\":%zu,\"groups\":[", status, log->n);
	for (size_t i = 0; i < ng; i++) {
		fprintf(f, "%s{\"kind\":", i ? "," : "");
		json_put(f, g[i].kind);
		fputs(",\"site\":", f);
		json_put(f, g[i].site);
		fputs(",\"map_site\":", f);
		json_put(f, g[i].map_site);
		fprintf(f, ",\"count\":%lu}", g[i].count);
	}
	fputs("],\"all\":[", f);
	for (size_t i = 0; i < log->n; i++) {
		const struct check_report *r = &log->r[i];

		fprintf(f, "%s{\"kind\":", i ? "," : "");
		json_put(f, r->kind);
		fputs(",\"device\":", f);
		json_put(f, r->device);
		fputs(",\"message\":", f);
		json_put(f, r->message);
		fputs(",\"addr\":", f);
		json_put(f, r->addr);
		fprintf(f, ",\"size\":%llu,\"site\":", r->size);
		json_put(f, r->site);
		fputs(",\"map_site\":", f);
		json_put(f, r->map_site);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

static void print_summary(FILE *out, const char *prog, const struct check_log *log,
			  const struct check_group *g, size_t ng)
{
	/* kinds in the order of the groups: the most frequent first */
	fprintf(out, "%s: %zu report%s\n", prog, log->n, log->n == 1 ? "" : "s");
	if (!log->n)
		return;
	fprintf(out, "\nby kind:\n");
	for (size_t i = 0; i < ng; i++) {
		unsigned long count = 0;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = same(g[j].kind, g[i].kind);
		if (seen)
			continue;
		for (size_t j = i; j < ng; j++)
			if (same(g[j].kind, g[i].kind))
				count += g[j].count;
		fprintf(out, "  %6lu  %s\n", count, g[i].kind);
	}
	fprintf(out, "\nby site:\n");
	for (size_t i = 0; i < ng; i++) {
		const char *example = NULL;

		for (size_t j = 0; j < log->n && !example; j++)
			if (same(log->r[j].kind, g[i].kind) && same(log->r[j].site, g[i].site) &&
			    same(log->r[j].map_site, g[i].map_site))
				example = log->r[j].message;
		fprintf(out, "  %6lu  %s at %s\n", g[i].count, g[i].kind,
			g[i].site ? g[i].site : "(no site)");
		if (g[i].map_site)
			fprintf(out, "          mapped at %s\n", g[i].map_site);
		if (example)
			fprintf(out, "          e.g. %s\n", example);
	}
}

enum { OPT_FATAL = 'f', OPT_JSON = 'j' };

static const struct cli_option check_options[] = {
	{ "fatal", OPT_FATAL, NULL, "stop the program at its first report (DMAMAP_DEBUG=all,fatal)" },
	{ "json", OPT_JSON, "FILE", "also write the summary and every report as JSON to FILE" },
	{ NULL, 0, NULL, NULL },
};

static int check_run(struct cli *c)
{
	char log_path[] = "/tmp/dmamap-check-XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	struct check_log log = { 0 };
	struct check_group *g = NULL;
	FILE *json = NULL, *out;
	bool fatal = false;
	int o, fd, wstatus, status = CLI_EXIT_FAILED, err;
	size_t ng = 0;
	pid_t pid;

	while ((o = cli_next(c)) > 0) {
		if (o == OPT_FATAL) {
			fatal = true;
		} else if (o == OPT_JSON) {
			cli_close(json);
			if (!(json = cli_output(c)))
				return CLI_EXIT_USAGE;
		} else {
			/* the first word that is no option: the program */
			c->next--;
			break;
		}
	}
	if (o < 0) {
		cli_close(json);
		return cli_status(o);
	}
	if (c->next >= c->argc) {
		cli_close(json);
		return cli_error(c, "no program to run (dmamap check -- PROGRAM [ARGS])");
	}
	out = cli_text(c);
	snprintf(path, sizeof(path), "%s/dmamap-check-XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(strlen(path) < sizeof(path) - 1 ? path : log_path);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot create the log: %s\n", c->prog, strerror(errno));
		cli_close(json);
		return CLI_EXIT_FAILED;
	}
	close(fd);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", c->prog, strerror(errno));
		unlink(path);
		cli_close(json);
		return CLI_EXIT_FAILED;
	}
	if (pid == 0) {
		setenv("DMAMAP_DEBUG", fatal ? "all,fatal" : "all", 1);
		setenv("DMAMAP_DEBUG_LOG", path, 1);
		execvp(c->argv[c->next], c->argv + c->next);
		fprintf(stderr, "%s: cannot run %s: %s\n", c->prog, c->argv[c->next],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	err = read_log(path, &log);
	unlink(path);
	if (err) {
		fprintf(stderr, "%s: cannot read the log: %s\n", c->prog, strerror(-err));
		goto out;
	}
	g = calloc(log.n ? log.n : 1, sizeof(*g));
	if (!g) {
		fprintf(stderr, "%s: out of memory\n", c->prog);
		goto out;
	}
	ng = group(&log, g);
	if (WIFSIGNALED(wstatus))
		fprintf(out, "%s: %s was killed by signal %d (%s)\n", c->prog, c->argv[c->next],
			WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else if (WEXITSTATUS(wstatus))
		fprintf(out, "%s: %s exited with status %d\n", c->prog, c->argv[c->next],
			WEXITSTATUS(wstatus));
	print_summary(out, c->prog, &log, g, ng);
	if (json)
		print_json(json, c->argv[c->next],
			   WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus),
			   &log, g, ng);
	/* any report, or a program that failed, fails the check */
	status = log.n || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) ? CLI_EXIT_FAILED
								    : CLI_EXIT_OK;
out:
	if (json && cli_close(json)) {
		fprintf(stderr, "%s: writing the JSON failed\n", c->prog);
		status = CLI_EXIT_FAILED;
	}
	for (size_t i = 0; i < log.n; i++)
		report_free(&log.r[i]);
	free(log.r);
	free(g);
	return status;
}

const struct cli_command check_command = {
	.name = "check",
	.args = "[--] PROGRAM [ARGS...]",
	.summary = "run a program under the debugger and sum up its reports",
	.description =
		"Runs PROGRAM with every check of the DMA-API debugger on\n"
		"(DMAMAP_DEBUG=all: the kernel's DMA-API checks, CPU ownership, device\n"
		"accesses) and a log of its own (DMAMAP_DEBUG_LOG), which the program's\n"
		"children inherit: a test runner may be checked whole. Then prints the\n"
		"number of reports, by kind and by site (where the mistake was made and\n"
		"where the mapping concerned was), with one message of each. Exits 0\n"
		"only when the program exited 0 and made no report.\n",
	.options = check_options,
	.run = check_run,
};
