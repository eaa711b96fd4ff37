// SPDX-License-Identifier: MIT
/*
 * dmamap: the command. `dmamap info` describes the default machine,
 * `dmamap demo` runs a scenario on it, `dmamap bench` the benchmark suite.
 */
#include <dmamap/dmamap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "demo.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dmamap <command> [options]\n"
		"\n"
		"commands:\n"
		"  info     the default machine and its limits\n"
		"  demo     the seed's scenario on the default machine, checked step by step\n"
		"  bench    run the benchmark suite (dmamap bench --help)\n"
		"\n"
		"options:\n"
		"  -h, --help     this help (also after a command)\n"
		"  -V, --version  the library version\n");
}

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

static void print_machine(struct dmamap_machine *m)
{
	const struct dmamap_machine_config *cfg = dmamap_machine_config(m);
	struct dmamap_stats st;
	char b1[32], b2[32];

	dmamap_machine_stats(m, &st);
	printf("machine: %u bank(s) of RAM, %s CPU caches\n", cfg->nr_banks,
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

static int cmd_info(int argc, char **argv)
{
	struct dmamap_machine *m;
	int ret;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: dmamap info\n  describes the default machine and its limits\n");
			return 0;
		}
		fprintf(stderr, "dmamap info: unknown option '%s'\n", argv[1]);
		return 2;
	}
	ret = dmamap_machine_create(&demo_soc_config, &m);
	if (ret) {
		fprintf(stderr, "dmamap: cannot create the machine: %s\n", strerror(-ret));
		return 1;
	}
	print_machine(m);
	dmamap_machine_destroy(m);
	return 0;
}

static int cmd_demo(int argc, char **argv)
{
	struct demo_options opt = { NULL, NULL };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: dmamap demo [--svg FILE] [--trace FILE]\n"
			       "  runs the seed's scenario (a camera, an encoder and a display sharing\n"
			       "  frames) on the built-in machine and checks every step\n"
			       "  --svg FILE    a picture of physical memory and of each device's DMA\n"
			       "                address space, the shared buffers in the same colours\n"
			       "  --trace FILE  every DMA call and bus access as a Chrome/Perfetto trace\n");
			return 0;
		} else if (!strcmp(argv[i], "--svg") && i + 1 < argc) {
			opt.svg_file = argv[++i];
		} else if (!strcmp(argv[i], "--trace") && i + 1 < argc) {
			opt.trace_file = argv[++i];
		} else {
			fprintf(stderr, "dmamap demo: unknown or incomplete option '%s'\n", argv[i]);
			return 2;
		}
	}
	return demo_run(&opt);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("dmamap %s\n", dmamap_version());
		return 0;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "demo"))
		return cmd_demo(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return bench_main(argc - 1, argv + 1, "dmamap bench");
	fprintf(stderr, "dmamap: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
