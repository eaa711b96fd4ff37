/* SPDX-License-Identifier: MIT */
/*
 * <linux/printk.h>: printk() and pr_*() on dmamap's log (<dmamap/printk.h>):
 * one line on stderr per message, counted per level, with the kernel's %pad,
 * %pa, %pe and %pV. pr_debug() prints only when DEBUG is defined, as without
 * dynamic debug.
 */
#ifndef DMAMAP_LINUX_PRINTK_H
#define DMAMAP_LINUX_PRINTK_H

#include <dmamap/printk.h>
#include <linux/compiler.h>

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

#define printk(fmt, ...)	dmamap_printk(NULL, fmt, ##__VA_ARGS__)
#define vprintk(fmt, ap)	dmamap_vprintk(NULL, fmt, ap)

#define pr_emerg(fmt, ...)	printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)	printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)	printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)	printk(KERN_CONT fmt, ##__VA_ARGS__)

/* Compiled in only with DEBUG, and its arguments type-checked either way. */
#ifdef DEBUG
#define pr_debug(fmt, ...)	printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...)	\
	do { if (0) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__); } while (0)
#endif

/* Once per call site. */
#define printk_once(fmt, ...) ({				\
	static bool printed_once_;				\
	bool first_ = !__atomic_exchange_n(&printed_once_, true, __ATOMIC_RELAXED); \
	if (first_)						\
		printk(fmt, ##__VA_ARGS__);			\
	first_;							\
})
#define pr_err_once(fmt, ...)	printk_once(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	printk_once(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info_once(fmt, ...)	printk_once(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
/* No rate limit: every message of a test run is kept. */
#define pr_err_ratelimited(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)	pr_warn(fmt, ##__VA_ARGS__)

#endif /* DMAMAP_LINUX_PRINTK_H */
