/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_SRC_LIB_SYMBOLIZE_H
#define DMAMAP_SRC_LIB_SYMBOLIZE_H

#include <stddef.h>

/*
 * The code address @pc, a return address (the instruction after a call),
 * as text in @buf: "file:line (function)" when the program has debug
 * information, else "function+0xoff (object)", "object+0xoff", or the
 * address. NULL for a NULL @pc. Thread-safe; each address is looked up once.
 */
const char *sym_site(const void *pc, char *buf, size_t len);

#endif
