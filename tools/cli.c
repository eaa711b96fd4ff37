// SPDX-License-Identifier: MIT
/* The command line shared by every dmamap command: see cli.h. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_error(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

/* An error about the command line: the message, then where to read about it. */
static int usage_error(const struct cli *c, const char *fmt, const char *word)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", c->prog);
	fprintf(stderr, fmt, word);
	fprintf(stderr, "\n%s: see '%s --help'\n", c->prog, c->prog);
	return CLI_ERROR;
}

static const struct cli_option *find_long(const struct cli_option *o, const char *name,
					  size_t len)
{
	for (; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static const struct cli_option *find_short(const struct cli_option *o, char ch)
{
	for (; o && o->name; o++)
		if (o->key == (unsigned char)ch)
			return o;
	return NULL;
}

int cli_next(struct cli *c)
{
	const struct cli_option *o;
	const char *w, *eq;

	c->value = NULL;
	c->option = NULL;
	if (c->next >= c->argc)
		return CLI_END;
	w = c->argv[c->next];
	if (!strcmp(w, "--")) {
		c->next++;
		return CLI_END;
	}
	if (w[0] != '-' || !w[1]) {
		/* a word, or "-" on its own (standard input or output as an argument) */
		if (!c->cmd->args)
			return usage_error(c, "unexpected argument '%s'", w);
		c->next++;
		c->value = w;
		return CLI_ARG;
	}
	c->option = w;
	c->next++;
	if (w[1] == '-') {
		eq = strchr(w + 2, '=');
		if (!strcmp(w, "--help"))
			goto help;
		o = find_long(c->cmd->options, w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2));
		if (!o)
			return usage_error(c, "unknown option '%s'", w);
		if (!o->arg) {
			if (eq)
				return usage_error(c, "option '%s' takes no value", w);
			return o->key;
		}
		if (eq) {
			c->value = eq + 1;
			return o->key;
		}
	} else {
		if (!strcmp(w, "-h"))
			goto help;
		o = find_short(c->cmd->options, w[1]);
		if (!o)
			return usage_error(c, "unknown option '%s'", w);
		if (!o->arg) {
			if (w[2])
				return usage_error(c, "option '%s' takes no value", w);
			return o->key;
		}
		if (w[2]) {
			c->value = w + 2;
			return o->key;
		}
	}
	if (c->next >= c->argc) {
		fflush(stdout);
		fprintf(stderr, "%s: option '%s' needs a value (%s)\n%s: see '%s --help'\n",
			c->prog, w, o->arg, c->prog, c->prog);
		return CLI_ERROR;
	}
	c->value = c->argv[c->next++];
	return o->key;

help:
	cli_help(stdout, c->prog, c->cmd);
	return CLI_HELP;
}

int cli_status(int next)
{
	return next == CLI_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int cli_double(const struct cli *c, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(c->value, &end);
	if (end == c->value || *end || errno || !isfinite(v) || v < lo || v > hi) {
		cli_error(c, "%s wants a number from %g to %g, not '%s'", c->option, lo, hi,
			  c->value);
		return CLI_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int cli_u64(const struct cli *c, unsigned long long lo, unsigned long long hi, bool sizes,
	    unsigned long long *out)
{
	static const char suffixes[] = "KMGT";
	unsigned long long v;
	const char *s;
	char *end;

	errno = 0;
	v = strtoull(c->value, &end, 0);
	if (end == c->value || c->value[0] == '-' || errno)
		goto bad;
	if (sizes && *end && (s = strchr(suffixes, *end & ~0x20))) {
		unsigned int shift = 10 * (unsigned int)(s - suffixes + 1);

		if (v > (~0ULL >> shift))
			goto bad;
		v <<= shift;
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
	}
	if (*end || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	cli_error(c, "%s wants a whole number from %llu to %llu%s, not '%s'", c->option, lo, hi,
		  sizes ? " (K, M, G suffixes allowed)" : "", c->value);
	return CLI_EXIT_USAGE;
}

const char *cli_output_name(struct cli *c)
{
	if (!strcmp(c->value, "-")) {
		if (c->stdout_taken) {
			cli_error(c, "%s: standard output is already taken by another option",
				  c->option);
			return NULL;
		}
		c->stdout_taken = true;
	}
	return c->value;
}

FILE *cli_output(struct cli *c)
{
	FILE *f;

	if (!cli_output_name(c))
		return NULL;
	if (!strcmp(c->value, "-"))
		return stdout;
	f = fopen(c->value, "w");
	if (!f)
		cli_error(c, "cannot write %s: %s", c->value, strerror(errno));
	return f;
}

int cli_close(FILE *f)
{
	int err;

	if (!f)
		return 0;
	if (f == stdout)
		return fflush(f) || ferror(f) ? -(errno ? errno : EIO) : 0;
	err = ferror(f);
	if (fclose(f) || err)
		return -(errno ? errno : EIO);
	return 0;
}

FILE *cli_text(const struct cli *c)
{
	return c->stdout_taken ? stderr : stdout;
}

#define HELP_SPEC_MAX	24	/* the widest option and value beside their help */

void cli_help(FILE *f, const char *prog, const struct cli_command *cmd)
{
	const struct cli_option *o;
	int width = 0;

	fprintf(f, "usage: %s%s%s%s\n", prog, cmd->options && cmd->options->name ? " [options]" : "",
		cmd->args ? " " : "", cmd->args ? cmd->args : "");
	if (cmd->description)
		fprintf(f, "\n%s", cmd->description);
	for (o = cmd->options; o && o->name; o++) {
		int w = (int)strlen(o->name) + (o->arg ? (int)strlen(o->arg) + 1 : 0);

		/* a long list of values ("a|b|c") does not push every help line right */
		if (w > width && w <= HELP_SPEC_MAX)
			width = w;
	}
	fprintf(f, "\noptions:\n");
	for (o = cmd->options; o && o->name; o++) {
		char spec[96];

		snprintf(spec, sizeof(spec), "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (o->key > CLI_ARG && o->key < 256)
			fprintf(f, "  -%c, --%-*s", o->key, width, spec);
		else
			fprintf(f, "      --%-*s", width, spec);
		if ((int)strlen(spec) > width)
			fprintf(f, "\n        %*s", width, "");
		fprintf(f, "  %s\n", o->help);
	}
	fprintf(f, "  -h, --%-*s  this help\n", width, "help");
	fprintf(f, "\nAn option's value may follow it (--opt VALUE) or be joined to it (--opt=VALUE);\n"
		   "'-' as an output file is standard output.\n");
}

void cli_list_options(FILE *f, const struct cli_command *cmd)
{
	for (const struct cli_option *o = cmd->options; o && o->name; o++)
		fprintf(f, "--%s%s%s\n", o->name, o->arg ? "=" : "", o->arg ? o->arg : "");
	fprintf(f, "--help\n");
}

int cli_run(const struct cli_command *cmd, const char *prog, int argc, char **argv)
{
	struct cli c = { .prog = prog, .cmd = cmd, .argc = argc, .argv = argv, .next = 1 };

	return cmd->run(&c);
}
