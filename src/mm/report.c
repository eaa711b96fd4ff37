// SPDX-License-Identifier: MIT
/*
 * The report path: every caller mistake the library sees goes through
 * mm_debug_report(), whichever module saw it (see report.h).
 *
 * Where a report goes: the machine's handler, else one line on stderr; in
 * both cases the machine's count, and the DMAMAP_DEBUG_LOG file when the
 * environment names one. The file is opened once per process, in append
 * mode, and each report is written to it with one write(), so that reports
 * of several threads, or of several processes sharing the file (a test
 * runner's children), never interleave within a line.
 */
#include "mm/report.h"
#include "lib/symbolize.h"
#include "mm/mm.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kind_names[] = {
	[DMAMAP_DEBUG_UNKNOWN_ADDR]	= "unknown_addr",
	[DMAMAP_DEBUG_WRONG_SIZE]	= "wrong_size",
	[DMAMAP_DEBUG_WRONG_DIR]	= "wrong_dir",
	[DMAMAP_DEBUG_WRONG_TYPE]	= "wrong_type",
	[DMAMAP_DEBUG_WRONG_NENTS]	= "wrong_nents",
	[DMAMAP_DEBUG_UNCHECKED]	= "unchecked",
	[DMAMAP_DEBUG_SYNC_RANGE]	= "sync_range",
	[DMAMAP_DEBUG_SYNC_DIR]		= "sync_dir",
	[DMAMAP_DEBUG_OVERLAP]		= "overlap",
	[DMAMAP_DEBUG_FREE_MISMATCH]	= "free_mismatch",
	[DMAMAP_DEBUG_BAD_MEMORY]	= "bad_memory",
	[DMAMAP_DEBUG_LEAK]		= "leak",
	[DMAMAP_DEBUG_CPU_OWNERSHIP]	= "cpu_ownership",
	[DMAMAP_DEBUG_DEVICE_ACCESS]	= "device_access",
	[DMAMAP_DEBUG_MISUSE]		= "misuse",
};

DMAMAP_API const char *dmamap_debug_kind_name(enum dmamap_debug_kind kind)
{
	if ((unsigned int)kind < ARRAY_SIZE(kind_names) && kind_names[kind])
		return kind_names[kind];
	return "unknown";
}

/* --- the environment, read once per process --------------------------------- */

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static unsigned long env_flags;		/* written once, under env_once */
static int log_fd = -1;			/* written once, under env_once */

static const struct {
	const char *word;
	unsigned long flags;
} env_words[] = {
	{ "api", DMAMAP_DEBUG_API },
	{ "ownership", DMAMAP_DEBUG_OWNERSHIP },
	{ "device", DMAMAP_DEBUG_DEVICE },
	{ "fatal", DMAMAP_DEBUG_FATAL },
	{ "all", DMAMAP_DEBUG_ALL },
};

static unsigned long parse_env_flags(const char *s)
{
	unsigned long flags = 0;

	while (*s) {
		size_t n = strcspn(s, ", ");
		bool known = n == 0;

		for (size_t i = 0; i < ARRAY_SIZE(env_words) && !known; i++) {
			if (strlen(env_words[i].word) == n && !strncmp(s, env_words[i].word, n)) {
				flags |= env_words[i].flags;
				known = true;
			}
		}
		if (!known)
			mm_report(NULL, "DMAMAP_DEBUG: '%.*s' is not one of api, ownership, "
				  "device, fatal, all; ignored", (int)n, s);
		s += n;
		s += strspn(s, ", ");
	}
	return flags;
}

static void env_init(void)
{
	const char *flags = getenv("DMAMAP_DEBUG"), *log = getenv("DMAMAP_DEBUG_LOG");

	if (flags)
		env_flags = parse_env_flags(flags);
	if (log && *log) {
		log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0)
			mm_report(NULL, "DMAMAP_DEBUG_LOG: cannot open '%s': %s", log,
				  strerror(errno));
	}
}

unsigned long mm_debug_env_flags(void)
{
	pthread_once(&env_once, env_init);
	return env_flags;
}

static int env_log_fd(void)
{
	pthread_once(&env_once, env_init);
	return log_fd;
}

/* --- formatting ------------------------------------------------------------------- */

const char *mm_debug_site_text(const void *pc, char *buf, size_t len)
{
	return sym_site(pc, buf, len);
}

/* Appends @s to @out (of @cap bytes, @*at used) as a JSON string, or null. */
static void json_str(char *out, size_t cap, size_t *at, const char *s)
{
	static const char hex[] = "0123456789abcdef";

#define PUT(c) do { if (*at + 1 < cap) out[(*at)++] = (c); } while (0)
	if (!s) {
		for (const char *p = "null"; *p; p++)
			PUT(*p);
		return;
	}
	PUT('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			PUT('\\');
			PUT(*p);
		} else if (*p < 0x20) {
			PUT('\\');
			PUT('u');
			PUT('0');
			PUT('0');
			PUT(hex[*p >> 4]);
			PUT(hex[*p & 15]);
		} else {
			PUT(*p);
		}
	}
	PUT('"');
#undef PUT
	out[*at] = 0;
}

static void log_json(int fd, const struct dmamap_debug_report *r)
{
	char line[2048];
	size_t at = 0;
	int n;

	n = snprintf(line, sizeof(line), "{\"kind\":\"%s\",\"device\":",
		     dmamap_debug_kind_name(r->kind));
	at = (size_t)n;
	json_str(line, sizeof(line), &at, r->dev ? dev_name(r->dev) : NULL);
	at += (size_t)snprintf(line + at, sizeof(line) - at, ",\"message\":");
	json_str(line, sizeof(line), &at, r->message);
	at += (size_t)snprintf(line + at, sizeof(line) - at,
			       ",\"addr\":\"%#llx\",\"size\":%zu,\"site\":",
			       (unsigned long long)r->addr, r->size);
	json_str(line, sizeof(line), &at, r->site);
	at += (size_t)snprintf(line + at, sizeof(line) - at, ",\"map_site\":");
	json_str(line, sizeof(line), &at, r->map_site);
	if (at + 3 > sizeof(line))
		at = sizeof(line) - 3;	/* cut, but still one line */
	line[at++] = '}';
	line[at++] = '\n';
	if (write(fd, line, at) < 0)
		return;	/* the report was made; only its copy is lost */
}

static void print_line(const struct dmamap_debug_report *r)
{
	char line[2048];
	int n;

	n = snprintf(line, sizeof(line), "dmamap: %s: %s: %s",
		     r->dev ? dev_name(r->dev) : "(no device)", dmamap_debug_kind_name(r->kind),
		     r->message);
	if (r->site && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " at %s", r->site);
	if (r->map_site && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", mapped at %s", r->map_site);
	fprintf(stderr, "%s\n", line);
}

/* --- the report -------------------------------------------------------------------- */

#define MSG_MAX	512

/* A report kept while the thread holds (mm_report_hold()). */
struct held_report {
	struct held_report *next;
	struct dmamap_machine *m;
	struct device *dev;
	enum dmamap_debug_kind kind;
	dma_addr_t addr;
	size_t size;
	const void *site, *map_site;
	char msg[MSG_MAX];
};

#define TLS __thread __attribute__((tls_model("initial-exec")))

TLS struct mm_call mm_call;

static TLS unsigned int hold_depth;
static TLS struct held_report *held_first, *held_last;

static void emit(struct dmamap_machine *m, struct device *dev, enum dmamap_debug_kind kind,
		 dma_addr_t addr, size_t size, const void *site, const void *map_site,
		 const char *msg)
{
	char site_buf[256], map_site_buf[256];
	struct dmamap_debug_report r = {
		.kind = kind, .dev = dev, .message = msg, .addr = addr, .size = size,
	};
	dmamap_debug_handler_t fn = NULL;
	void *arg = NULL;
	unsigned long flags = mm_debug_env_flags();
	int fd = env_log_fd();

	r.site = mm_debug_site_text(site, site_buf, sizeof(site_buf));
	r.map_site = mm_debug_site_text(map_site, map_site_buf, sizeof(map_site_buf));
	if (!m && dev)
		m = dmamap_device_machine(dev);
	if (m) {
		mm_count(m, api_errors, 1);
		flags = m->cfg.debug;
		pthread_mutex_lock(&m->report_lock);
		fn = m->report_fn;
		arg = m->report_arg;
		pthread_mutex_unlock(&m->report_lock);
	}
	if (fn)
		fn(&r, arg);
	else
		print_line(&r);
	if (fd >= 0)
		log_json(fd, &r);
	if (flags & DMAMAP_DEBUG_FATAL) {
		/* as a sanitizer's halt_on_error: the report is on stderr whatever took it */
		if (fn)
			print_line(&r);
		fputs("dmamap: DMAMAP_DEBUG_FATAL: aborting after the first report\n", stderr);
		abort();
	}
}

void mm_debug_vreport(struct dmamap_machine *m, struct device *dev, enum dmamap_debug_kind kind,
		      dma_addr_t addr, size_t size, const void *site, const void *map_site,
		      const char *fmt, va_list ap)
{
	struct held_report *h;
	char msg[MSG_MAX];

	if (!site)
		site = mm_call.site;
	mm_call.reports++;
	if (hold_depth) {
		h = malloc(sizeof(*h));
		if (h) {
			*h = (struct held_report){
				.m = m, .dev = dev, .kind = kind, .addr = addr, .size = size,
				.site = site, .map_site = map_site,
			};
			vsnprintf(h->msg, sizeof(h->msg), fmt, ap);
			if (held_last)
				held_last->next = h;
			else
				held_first = h;
			held_last = h;
			return;
		}
		/* no memory to keep it: made now rather than lost */
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(m, dev, kind, addr, size, site, map_site, msg);
}

void mm_report_hold(void)
{
	hold_depth++;
}

void mm_report_release(void)
{
	struct held_report *h;

	if (--hold_depth)
		return;
	while ((h = held_first)) {
		held_first = h->next;
		if (!held_first)
			held_last = NULL;
		emit(h->m, h->dev, h->kind, h->addr, h->size, h->site, h->map_site, h->msg);
		free(h);
	}
}

void mm_debug_report(struct dmamap_machine *m, struct device *dev, enum dmamap_debug_kind kind,
		     dma_addr_t addr, size_t size, const void *site, const void *map_site,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mm_debug_vreport(m, dev, kind, addr, size, site, map_site, fmt, ap);
	va_end(ap);
}

void mm_report(struct dmamap_machine *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	(void)m;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "dmamap: %s\n", msg);
}

/* --- the machine's side -------------------------------------------------------------- */

void mm_report_init(struct dmamap_machine *m)
{
	pthread_mutex_init(&m->report_lock, NULL);
}

void mm_report_exit(struct dmamap_machine *m)
{
	pthread_mutex_destroy(&m->report_lock);
}

DMAMAP_API void dmamap_debug_set_handler(struct dmamap_machine *m, dmamap_debug_handler_t fn,
					 void *arg)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->report_lock);
	m->report_fn = fn;
	m->report_arg = arg;
	pthread_mutex_unlock(&m->report_lock);
}

DMAMAP_API unsigned long dmamap_debug_error_count(struct dmamap_machine *m)
{
	struct mm_counters c;

	if (!m)
		return 0;
	mm_counters_sum(m, &c);
	return (unsigned long)c.api_errors;
}
