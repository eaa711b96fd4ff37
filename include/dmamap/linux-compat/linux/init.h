/* SPDX-License-Identifier: MIT */
/*
 * <linux/init.h>: initcalls keep their function referenced (no "unused"
 * warning for a static init function); the test program calls the driver.
 */
#ifndef DMAMAP_LINUX_INIT_H
#define DMAMAP_LINUX_INIT_H

#include <linux/compiler.h>

#define module_init(fn) \
	static int (*const dmamap_initcall_##fn)(void) __attribute__((used)) = fn
#define module_exit(fn) \
	static void (*const dmamap_exitcall_##fn)(void) __attribute__((used)) = fn
#define late_initcall(fn)	module_init(fn)
#define subsys_initcall(fn)	module_init(fn)
#define device_initcall(fn)	module_init(fn)

#endif /* DMAMAP_LINUX_INIT_H */
