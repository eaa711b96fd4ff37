// SPDX-License-Identifier: MIT
/*
 * The kernel log (see <dmamap/printk.h>): a printf that knows the kernel's
 * pointer extensions, one line per message on stderr, counters.
 *
 * The format is walked conversion by conversion, each one printed with the
 * C library from its own argument, so that the kernel's %p extensions (which
 * take pointers to the value) keep the argument list in step.
 */
#include <dmamap/printk.h>
#include <dmamap/device.h>

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/atomic.h"

#define LOG_LINE	1024
#define DEFAULT_LEVEL	4	/* the kernel's MESSAGE_LOGLEVEL_DEFAULT */

static unsigned long level_count[8];	/* atomic */
static unsigned long warn_count;	/* atomic */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;	/* one line at a time */

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	size_t room = o->cap - 1 - o->len;

	if (n > room)
		n = room;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void putf(struct out *o, const char *spec, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *spec, ...)
{
	va_list ap;
	int n;

	va_start(ap, spec);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, spec, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

static const char *errno_name(long err)
{
	static const struct { int e; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { EIO, "EIO" },
		{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ EDEADLK, "EDEADLK" }, { ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" }, { EALREADY, "EALREADY" },
		{ EREMOTEIO, "EREMOTEIO" }, { 517, "EPROBE_DEFER" }, { 524, "ENOTSUPP" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (-err == names[i].e)
			return names[i].name;
	return NULL;
}

static void format(struct out *o, const char *fmt, va_list *ap);

/* A kernel %p<ext> conversion; @ext points after the 'p', @n its letters. */
static void pointer(struct out *o, const char *ext, size_t n, void *p)
{
	if (n >= 2 && ext[0] == 'a' && ext[1] == 'd') {
		dma_addr_t v = p ? *(const dma_addr_t *)p : 0;

		putf(o, "0x%016llx", (unsigned long long)v);
	} else if (n >= 1 && ext[0] == 'a') {
		phys_addr_t v = p ? *(const phys_addr_t *)p : 0;

		putf(o, "0x%016llx", (unsigned long long)v);
	} else if (n >= 1 && ext[0] == 'e') {
		const char *name = IS_ERR(p) ? errno_name(PTR_ERR(p)) : NULL;

		if (name)
			putf(o, "-%s", name);
		else if (IS_ERR(p))
			putf(o, "%ld", PTR_ERR(p));
		else
			putf(o, "%p", p);
	} else if (n >= 1 && ext[0] == 'V') {
		const struct va_format *vaf = p;
		va_list copy;

		if (!vaf || !vaf->fmt)
			return;
		va_copy(copy, *vaf->va);
		format(o, vaf->fmt, &copy);
		va_end(copy);
	} else {
		putf(o, "%p", p);
	}
}

static void format(struct out *o, const char *fmt, va_list *ap)
{
	while (*fmt) {
		const char *start = fmt;
		char spec[32], lenmod[3] = "";
		size_t sl;
		int width = -1, prec = -1;
		bool star_w = false, star_p = false;

		if (*fmt != '%') {
			const char *pct = strchr(fmt, '%');
			size_t n = pct ? (size_t)(pct - fmt) : strlen(fmt);

			put(o, fmt, n);
			fmt += n;
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			put(o, "%", 1);
			fmt++;
			continue;
		}
		while (*fmt && strchr("-+ #0'", *fmt))
			fmt++;
		if (*fmt == '*') {
			star_w = true;
			fmt++;
		} else {
			while (isdigit((unsigned char)*fmt))
				fmt++;
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				star_p = true;
				fmt++;
			} else {
				while (isdigit((unsigned char)*fmt))
					fmt++;
			}
		}
		if (star_w)
			width = va_arg(*ap, int);
		if (star_p)
			prec = va_arg(*ap, int);
		/* length: hh h l ll L j z t q */
		if ((fmt[0] == 'h' && fmt[1] == 'h') || (fmt[0] == 'l' && fmt[1] == 'l')) {
			lenmod[0] = fmt[0];
			lenmod[1] = fmt[1];
			fmt += 2;
		} else if (*fmt && strchr("hlLjztq", *fmt)) {
			lenmod[0] = *fmt == 'q' ? 'L' : *fmt;
			fmt++;
		}
		sl = (size_t)(fmt - start);
		if (!*fmt || sl + 2 >= sizeof(spec)) {
			put(o, start, strlen(start));
			return;
		}
		memcpy(spec, start, sl);
		spec[sl] = *fmt;
		spec[sl + 1] = 0;
#define EMIT(v) do {								\
		if (star_w && star_p)						\
			putf(o, spec, width, prec, v);				\
		else if (star_w)						\
			putf(o, spec, width, v);				\
		else if (star_p)						\
			putf(o, spec, prec, v);					\
		else								\
			putf(o, spec, v);					\
	} while (0)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		switch (*fmt) {
		case 'd': case 'i':
			if (!strcmp(lenmod, "ll") || lenmod[0] == 'L' || lenmod[0] == 'j')
				EMIT(va_arg(*ap, long long));
			else if (lenmod[0] == 'l' || lenmod[0] == 'z' || lenmod[0] == 't')
				EMIT(va_arg(*ap, long));
			else
				EMIT(va_arg(*ap, int));
			break;
		case 'u': case 'o': case 'x': case 'X':
			if (!strcmp(lenmod, "ll") || lenmod[0] == 'L' || lenmod[0] == 'j')
				EMIT(va_arg(*ap, unsigned long long));
			else if (lenmod[0] == 'l' || lenmod[0] == 'z' || lenmod[0] == 't')
				EMIT(va_arg(*ap, unsigned long));
			else
				EMIT(va_arg(*ap, unsigned int));
			break;
		case 'c':
			EMIT(va_arg(*ap, int));
			break;
		case 's': {
			const char *s = va_arg(*ap, const char *);

			EMIT(s ? s : "(null)");
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
			if (lenmod[0] == 'L')
				EMIT(va_arg(*ap, long double));
			else
				EMIT(va_arg(*ap, double));
			break;
		case 'p': {
			void *p = va_arg(*ap, void *);
			const char *ext = fmt + 1;
			size_t n = 0;

			while (isalnum((unsigned char)ext[n]))
				n++;
			pointer(o, ext, n, p);
			fmt += n;
			break;
		}
		case 'n':
			(void)va_arg(*ap, void *);	/* the kernel ignores %n too */
			break;
		default:
			put(o, spec, strlen(spec));
			break;
		}
#pragma GCC diagnostic pop
#undef EMIT
		fmt++;
	}
}

static const char *const level_tag[8] = { "emerg", "alert", "crit", "err", "warn",
					  "notice", "info", "debug" };

DMAMAP_API int dmamap_vprintk(const struct device *dev, const char *fmt, va_list ap)
{
	char buf[LOG_LINE];
	struct out o = { buf, 0, sizeof(buf) };
	int level = DEFAULT_LEVEL;
	va_list copy;

	if (!fmt)
		return 0;
	buf[0] = 0;
	while (fmt[0] == KERN_SOH[0] && fmt[1]) {
		if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		fmt += 2;
	}
	va_copy(copy, ap);
	format(&o, fmt, &copy);
	va_end(copy);
	while (o.len && o.buf[o.len - 1] == '\n')
		o.buf[--o.len] = 0;
	__atomic_fetch_add(&level_count[level], 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&log_lock);
	if (dev)
		fprintf(stderr, "<%s> %s: %s\n", level_tag[level], dev_name(dev), buf);
	else
		fprintf(stderr, "<%s> %s\n", level_tag[level], buf);
	pthread_mutex_unlock(&log_lock);
	return (int)o.len;
}

DMAMAP_API int dmamap_printk(const struct device *dev, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dmamap_vprintk(dev, fmt, ap);
	va_end(ap);
	return n;
}

DMAMAP_API unsigned long dmamap_printk_count(int level)
{
	if (level < 0 || level > 7)
		return 0;
	return READ_ONCE(level_count[level]);
}

DMAMAP_API void dmamap_warn(const char *file, int line, const char *func, const char *fmt, ...)
{
	char msg[LOG_LINE] = "";

	if (fmt) {
		struct out o = { msg, 0, sizeof(msg) };
		va_list ap;

		va_start(ap, fmt);
		format(&o, fmt, (va_list *)&ap);
		va_end(ap);
		while (o.len && msg[o.len - 1] == '\n')
			msg[--o.len] = 0;
	}
	__atomic_fetch_add(&warn_count, 1, __ATOMIC_RELAXED);
	dmamap_printk(NULL, KERN_WARNING "WARNING: at %s:%d %s()%s%s", file, line, func,
		      msg[0] ? ": " : "", msg);
}

DMAMAP_API unsigned long dmamap_warn_count(void)
{
	return READ_ONCE(warn_count);
}

DMAMAP_API void dmamap_bug(const char *file, int line, const char *func)
{
	dmamap_printk(NULL, KERN_EMERG "kernel BUG at %s:%d! (%s())", file, line, func);
	abort();
}
