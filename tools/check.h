/* SPDX-License-Identifier: MIT */
#ifndef DMAMAP_TOOLS_CHECK_H
#define DMAMAP_TOOLS_CHECK_H

#include "cli.h"

/* dmamap check -- PROGRAM [ARGS]: a program run under the debugger, its reports summed up. */
extern const struct cli_command check_command;

#endif
