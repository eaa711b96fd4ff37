// SPDX-License-Identifier: MIT
/*
 * dmamap: the command. Each command is a struct cli_command in the table
 * below; "dmamap help", completion and the options all come from it.
 */
#include <dmamap/dmamap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench-map.h"
#include "check.h"
#include "cli.h"
#include "demo.h"

static const char *human(u64 bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30) && !(bytes % (1ULL << 30)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ULL << 20) && !(bytes % (1ULL << 20)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= (1ULL << 10) && !(bytes % (1ULL << 10)))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

static void print_machine(struct dmamap_machine *m, const char *what)
{
	const struct dmamap_machine_config *cfg = dmamap_machine_config(m);
	struct dmamap_stats st;
	char b1[32], b2[32];

	dmamap_machine_stats(m, &st);
	printf("%s: %u bank(s) of RAM, %s CPU caches\n", what, cfg->nr_banks,
	       cfg->cache == DMAMAP_CACHE_NONCOHERENT ? "non-coherent (ARM-like)" : "coherent");
	for (unsigned int i = 0; i < cfg->nr_banks; i++)
		printf("  RAM       %#014llx - %#014llx  %s\n",
		       (unsigned long long)cfg->banks[i].base,
		       (unsigned long long)(cfg->banks[i].base + cfg->banks[i].size - 1),
		       human(cfg->banks[i].size, b1, sizeof(b1)));
	printf("  frames    %llu in all, %llu free\n", (unsigned long long)st.pages_total,
	       (unsigned long long)st.pages_free);
	printf("  VA window %s (kernel vmalloc space), %s in use in %llu areas\n",
	       human(st.vmalloc_size, b1, sizeof(b1)), human(st.vmalloc_bytes, b2, sizeof(b2)),
	       (unsigned long long)st.vmalloc_areas);
	printf("  swiotlb   %llu slots of 2 KiB (%s)\n", (unsigned long long)st.swiotlb_slots_total,
	       human(st.swiotlb_slots_total * 2048, b1, sizeof(b1)));
	printf("  atomic coherent pool %s\n", human(st.atomic_pool_bytes, b1, sizeof(b1)));
}

static const struct cli_option info_options[] = {
	{ "default", 'd', NULL, "the library's default machine (a NULL configuration) instead" },
	{ NULL, 0, NULL, NULL },
};

static int info_run(struct cli *c)
{
	const struct dmamap_machine_config *cfg = &demo_soc_config;
	struct dmamap_machine *m;
	int o, ret;

	while ((o = cli_next(c)) > 0)
		cfg = NULL;
	if (o < 0)
		return cli_status(o);
	ret = dmamap_machine_create(cfg, &m);
	if (ret) {
		fprintf(stderr, "%s: cannot create the machine: %s\n", c->prog, strerror(-ret));
		return CLI_EXIT_FAILED;
	}
	print_machine(m, cfg ? "the demo's machine" : "the default machine");
	dmamap_machine_destroy(m);
	return CLI_EXIT_OK;
}

static const struct cli_command info_command = {
	.name = "info",
	.summary = "the demo's machine (or the default one) and its limits",
	.description =
		"Describes the machine the demo runs on: its banks of RAM, its frames, the\n"
		"kernel VA window, the swiotlb pool and the atomic coherent pool. With\n"
		"--default, the machine dmamap_machine_create() makes from a NULL\n"
		"configuration.\n",
	.options = info_options,
	.run = info_run,
};

static const struct cli_option demo_options[] = {
	{ "svg", 's', "FILE", "a picture of physical memory and of each device's DMA address space" },
	{ "trace", 't', "FILE", "every DMA call and bus access as a Perfetto (Chrome JSON) trace" },
	{ NULL, 0, NULL, NULL },
};

/* Closes an output, saying on stderr when what was written did not all reach it. */
static int close_output(struct cli *c, FILE **f, const char *what)
{
	int err = cli_close(*f);

	*f = NULL;
	if (err)
		fprintf(stderr, "%s: writing %s failed: %s\n", c->prog, what, strerror(-err));
	return err;
}

static int demo_cmd_run(struct cli *c)
{
	struct demo_options opt = { .out = stdout };
	int o, status = CLI_EXIT_USAGE;

	while ((o = cli_next(c)) > 0) {
		if (o == 's') {
			cli_close(opt.svg);
			if (!(opt.svg = cli_output(c)))
				goto out;
		} else if (!(opt.trace_path = cli_output_name(c))) {
			goto out;
		}
	}
	if (o < 0) {
		status = cli_status(o);
		goto out;
	}
	opt.out = cli_text(c);
	opt.prog = c->prog;
	status = demo_run(&opt);
	if (close_output(c, &opt.svg, "the picture"))
		status = CLI_EXIT_FAILED;
out:
	cli_close(opt.svg);
	return status;
}

static const struct cli_command demo_command = {
	.name = "demo",
	.summary = "the seed's scenario on the demo's machine, checked step by step",
	.description =
		"Runs the scenario of the 2012 buffer-sharing series on a built-in ARM-like\n"
		"SoC: a camera behind an IOMMU allocates frames with\n"
		"DMA_ATTR_NO_KERNEL_MAPPING and shares them through dma-buf with an encoder\n"
		"behind another IOMMU and a display controller without one; user space\n"
		"reads them through mmap. It prints the figures of the run and exits 0 only\n"
		"if every check passed.\n",
	.options = demo_options,
	.run = demo_cmd_run,
};

static int help_run(struct cli *c);

/* The commands, in the order "dmamap help" lists them. */
static const struct cli_command *const commands[] = {
	&info_command, &demo_command, &check_command, &bench_command,
	NULL,	/* help is last, below */
};

enum { OPT_COMMANDS = 256, OPT_OPTIONS };

static const struct cli_option help_options[] = {
	{ "commands", OPT_COMMANDS, NULL, "the commands, one a line (for shell completion)" },
	{ "options", OPT_OPTIONS, NULL, "COMMAND's options, one a line (for shell completion)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_command help_command = {
	.name = "help",
	.args = "[COMMAND]",
	.summary = "this list, or the help of COMMAND",
	.options = help_options,
	.run = help_run,
};

static const struct cli_command *find_command(const char *name)
{
	for (int i = 0; commands[i]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	if (!strcmp(name, "bench map"))
		return &bench_map_command;
	return strcmp(name, "help") ? NULL : &help_command;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: dmamap COMMAND [options]\n"
		   "       dmamap help [COMMAND]\n\ncommands:\n");
	for (int i = 0; commands[i]; i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "  %-8s %s\n", help_command.name, help_command.summary);
	fprintf(f, "\noptions:\n"
		   "  -h, --help     this help ('dmamap COMMAND --help': that command's)\n"
		   "  -V, --version  the library's version\n");
}

static int help_run(struct cli *c)
{
	const struct cli_command *cmd = NULL;
	bool list_commands = false, list_options = false;
	char prog[64];
	int o;

	while ((o = cli_next(c)) > 0) {
		if (o == OPT_COMMANDS)
			list_commands = true;
		else if (o == OPT_OPTIONS)
			list_options = true;
		else if (cmd)
			return cli_error(c, "one command at a time, not '%s' too", c->value);
		else if (!(cmd = find_command(c->value)))
			return cli_error(c, "unknown command '%s' (see 'dmamap help')", c->value);
	}
	if (o < 0)
		return cli_status(o);
	if (list_commands) {
		for (int i = 0; commands[i]; i++)
			printf("%s\n", commands[i]->name);
		printf("%s\n", help_command.name);
		return CLI_EXIT_OK;
	}
	if (list_options) {
		if (!cmd)
			return cli_error(c, "--options wants a COMMAND");
		cli_list_options(stdout, cmd);
		return CLI_EXIT_OK;
	}
	if (!cmd) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	snprintf(prog, sizeof(prog), "dmamap %s", cmd->name);
	cli_help(stdout, prog, cmd);
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	char prog[64];

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("dmamap %s\n", dmamap_version());
		return CLI_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "dmamap: unknown %s '%s'\n", argv[1][0] == '-' ? "option" : "command",
			argv[1]);
		fprintf(stderr, "dmamap: see 'dmamap help'\n");
		return CLI_EXIT_USAGE;
	}
	/* "bench map" is a command of its own, with its own options */
	if (cmd == &bench_command && argc > 2 && !strcmp(argv[2], "map"))
		return cli_run(&bench_map_command, "dmamap bench map", argc - 2, argv + 2);
	snprintf(prog, sizeof(prog), "dmamap %s", cmd->name);
	return cli_run(cmd, prog, argc - 1, argv + 1);
}
