/* SPDX-License-Identifier: MIT */
/* <linux/export.h>: nothing to export from a program. */
#ifndef DMAMAP_LINUX_EXPORT_H
#define DMAMAP_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS(sym, ns)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)

#endif /* DMAMAP_LINUX_EXPORT_H */
