/* SPDX-License-Identifier: MIT */
/*
 * The kernel log, for driver code: printk() with its levels and the format
 * extensions DMA code uses, device-prefixed messages, WARN and BUG. Each
 * message is one line on stderr ("<level> <device>: text"); every message
 * and every warning is counted, so a test can tell that a driver complained.
 * The <linux/printk.h>, <linux/device.h> and <linux/bug.h> of the
 * compatibility tree are built on these.
 *
 * Threads: any thread; each message is written as one line, whole, and the
 * counts are kept atomically.
 */
#ifndef DMAMAP_PRINTK_H
#define DMAMAP_PRINTK_H

#include <stdarg.h>

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct device;

/* The kernel's level prefixes: "\001" and the level's digit. */
#define KERN_SOH	"\001"
#define KERN_EMERG	KERN_SOH "0"
#define KERN_ALERT	KERN_SOH "1"
#define KERN_CRIT	KERN_SOH "2"
#define KERN_ERR	KERN_SOH "3"
#define KERN_WARNING	KERN_SOH "4"
#define KERN_NOTICE	KERN_SOH "5"
#define KERN_INFO	KERN_SOH "6"
#define KERN_DEBUG	KERN_SOH "7"
#define KERN_DEFAULT	""
#define KERN_CONT	KERN_SOH "c"

/**
 * dmamap_vprintk - log one message
 * @dev: the device it is about (its name prefixes the line), or NULL
 * @fmt: printf format, optionally opened by a KERN_* level (default: warning),
 *	 with the kernel's extensions: %pad (a dma_addr_t *), %pa and %pap (a
 *	 phys_addr_t *), %pe (an error pointer, printed as its errno's name),
 *	 %pV (a struct va_format *); any other %p<letters> prints the pointer
 * @ap: the arguments
 *
 * Return: the length of the text logged.
 */
DMAMAP_API int dmamap_vprintk(const struct device *dev, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/**
 * dmamap_printk - log one message
 * @dev: the device it is about (its name prefixes the line), or NULL
 * @fmt: printf format with the kernel's level prefixes and %p extensions, as
 *	dmamap_vprintk()
 *
 * The compatibility tree's printk(), dev_err() and friends call it.
 *
 * Return: the length of the text logged.
 */
DMAMAP_API int dmamap_printk(const struct device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * struct va_format - a format and its arguments, for %pV
 * @fmt: the format
 * @va: its arguments
 */
struct va_format {
	const char *fmt;
	va_list *va;
};

/**
 * dmamap_printk_count - messages logged at a level
 * @level: 0 (emergency) .. 7 (debug)
 *
 * Return: the number logged since the process started; 0 for another level.
 */
DMAMAP_API unsigned long dmamap_printk_count(int level);

/**
 * dmamap_warn - WARN(): log a warning with its place and count it
 * @file: the source file
 * @line: the line
 * @func: the function
 * @fmt: printf format of the message, or NULL
 *
 * Logs "WARNING: at FILE:LINE FUNC" and the message. The compatibility tree's
 * WARN_ON() and friends call it.
 */
DMAMAP_API void dmamap_warn(const char *file, int line, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/**
 * dmamap_warn_count - warnings logged
 *
 * Return: the number of dmamap_warn() calls since the process started.
 */
DMAMAP_API unsigned long dmamap_warn_count(void);

/**
 * dmamap_bug - BUG(): log and end the process
 * @file: the source file
 * @line: the line
 * @func: the function
 *
 * Logs "kernel BUG at FILE:LINE!" and aborts the process, as an oops ends the
 * task. The library itself never calls it: where the kernel BUGs on a
 * driver's mistake, dmamap refuses the call and reports it.
 */
DMAMAP_API void dmamap_bug(const char *file, int line, const char *func)
	__attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_PRINTK_H */
