/* SPDX-License-Identifier: MIT */
/*
 * The command line of every dmamap command, in one place, so that they all
 * behave alike:
 *
 * - "--opt=value" and "--opt value" (and "-o value" for a short name);
 *   "--" ends the options;
 * - "-" as a file name is standard output, for every output;
 * - "--help" / "-h" and "dmamap help COMMAND" print the same text, built
 *   from the command's table of options;
 * - a bad option, a bad value or an output that cannot be opened is
 *   reported on standard error, with the errno text where there is one,
 *   before the command does any work, and exits with CLI_EXIT_USAGE.
 *
 * A command is a struct cli_command: a name, one line for the list of
 * commands, a description, its options and a run() that reads them with
 * cli_next():
 *
 *	static const struct cli_option opts[] = {
 *		{ "svg", 's', "FILE", "a picture of memory ('-': standard output)" },
 *		{ NULL }
 *	};
 *	static int run(struct cli *c)
 *	{
 *		int o;
 *
 *		while ((o = cli_next(c)) > 0)
 *			if (o == 's' && !(svg = cli_output(c)))
 *				return CLI_EXIT_USAGE;
 *		if (o < 0)
 *			return cli_status(o);
 *		...
 *	}
 */
#ifndef DMAMAP_TOOLS_CLI_H
#define DMAMAP_TOOLS_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,	/* a check failed, a target was missed, a write failed */
	CLI_EXIT_USAGE = 2,	/* a bad command line, or an output that cannot be opened */
};

/* What cli_next() returns besides an option's key (which is > CLI_ARG). */
enum {
	CLI_ERROR = -2,		/* reported on stderr already */
	CLI_HELP = -1,		/* --help was given and printed */
	CLI_END = 0,		/* no more options; c->next is the first word not read */
	CLI_ARG = 1,		/* a positional argument, in c->value */
};

struct cli_option {
	const char *name;	/* the long name, without "--"; NULL ends a table */
	int key;		/* what cli_next() returns: a short name ('s') or a value > 255 */
	const char *arg;	/* the value's name in the help ("FILE"), NULL for a flag */
	const char *help;	/* one line */
};

struct cli;

struct cli_command {
	const char *name;
	const char *args;	/* positional arguments in the synopsis; NULL: none taken */
	const char *summary;	/* one line, for the list of commands */
	const char *description; /* paragraphs for "help COMMAND", lines of at most 76 columns */
	const struct cli_option *options;
	int (*run)(struct cli *c);	/* a CLI_EXIT_* status */
};

struct cli {
	const char *prog;	/* "dmamap bench": what messages start with */
	const struct cli_command *cmd;
	int argc;
	char **argv;		/* argv[0] is the command's own name */
	int next;		/* the next word to read */
	const char *value;	/* the value of the option (or argument) just read */
	const char *option;	/* the option just read, as given ("--svg") */
	bool stdout_taken;	/* an output is standard output: text goes to stderr */
};

/* Reads the next option; see the enums above. */
int cli_next(struct cli *c);

/* The exit status for a negative cli_next(): 0 after --help, else CLI_EXIT_USAGE. */
int cli_status(int next);

/* Prints "PROG: " and the message on stderr; returns CLI_EXIT_USAGE. */
int cli_error(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The value of the option just read as a number in [@lo, @hi]. A size may
 * carry a binary suffix (K, M, G, T, optionally followed by "iB") when
 * @sizes is set. 0, or CLI_EXIT_USAGE with the error printed.
 */
int cli_double(const struct cli *c, double lo, double hi, double *out);
int cli_u64(const struct cli *c, unsigned long long lo, unsigned long long hi, bool sizes,
	    unsigned long long *out);

/*
 * Opens the value of the option just read for writing: "-" is standard
 * output (once per command line), anything else a file created or truncated
 * now. NULL with the error printed ("cannot write PATH: errno text").
 */
FILE *cli_output(struct cli *c);

/*
 * For an output that a library opens itself: claims standard output for
 * "-" as cli_output() does and returns the value, or NULL with the error
 * printed. The command must open it before doing any work.
 */
const char *cli_output_name(struct cli *c);

/* Closes what cli_output() opened (stdout is only flushed); 0 or a negative errno. */
int cli_close(FILE *f);

/* Where the command's own text goes: stdout, or stderr when an output took stdout. */
FILE *cli_text(const struct cli *c);

/* The help of @cmd (synopsis, description, options), as "help COMMAND" prints it. */
void cli_help(FILE *f, const char *prog, const struct cli_command *cmd);

/*
 * Runs @cmd on @argc/@argv (argv[0] the command's name), messages prefixed
 * with @prog. What main() calls.
 */
int cli_run(const struct cli_command *cmd, const char *prog, int argc, char **argv);

/* For shell completion: the options of @cmd, one a line, "--name" or "--name=ARG". */
void cli_list_options(FILE *f, const struct cli_command *cmd);

#endif
