/* SPDX-License-Identifier: MIT */
/*
 * <linux/module.h>: a driver file is linked into the program that tests
 * it, so there is no module: MODULE_*() and EXPORT_SYMBOL*() are nothing,
 * THIS_MODULE is NULL, and module_init()/module_exit() only keep their
 * function referenced; the program calls the driver's entry points itself.
 */
#ifndef DMAMAP_LINUX_MODULE_H
#define DMAMAP_LINUX_MODULE_H

#include <linux/kernel.h>
#include <linux/export.h>
#include <linux/init.h>

struct module;

#define THIS_MODULE		((struct module *)0)

#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_VERSION(x)
#define MODULE_ALIAS(x)
#define MODULE_IMPORT_NS(x)
#define MODULE_DEVICE_TABLE(type, name)
#define MODULE_FIRMWARE(x)
#define module_param(name, type, perm)
#define MODULE_PARM_DESC(name, desc)

static inline bool try_module_get(struct module *module)
{
	(void)module;
	return true;
}

static inline void module_put(struct module *module)
{
	(void)module;
}

#endif /* DMAMAP_LINUX_MODULE_H */
