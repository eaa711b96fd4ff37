// SPDX-License-Identifier: MIT
/*
 * Code addresses as text, for the debugger's reports: "file:line (function)"
 * from the program's debug information, else "function+0xoff (object)" from
 * its symbol tables (static functions included while the object keeps its
 * .symtab), else "object+0xoff", else the bare address.
 *
 * With libdw (elfutils) the process's own modules are reported to a Dwfl
 * once, from /proc/self/maps, and asked again when an address lies in none
 * of them (a library loaded since). Without it only dladdr() is asked, which
 * knows the exported symbols alone. Nothing here runs until a report names a
 * site, and each address is looked up once: the answers are kept, for the
 * life of the process (a bounded set: the call sites of the program).
 */
#include "lib/symbolize.h"
#include "lib/lockdep.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef DMAMAP_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#endif

#define CACHE_BUCKETS	256

struct sym_entry {
	struct sym_entry *next;
	const void *pc;
	char text[];
};

static pthread_mutex_t sym_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sym_entry *cache[CACHE_BUCKETS];	/* guarded by sym_lock */

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

#ifdef DMAMAP_HAVE_LIBDW
static Dwfl *dwfl;				/* guarded by sym_lock */
static char *debuginfo_path;

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

/* The process's modules, reported afresh. Under sym_lock. */
static Dwfl *dwfl_fresh(void)
{
	lockdep_assert_held(&sym_lock);
	if (dwfl)
		dwfl_end(dwfl);
	dwfl = dwfl_begin(&callbacks);
	if (!dwfl)
		return NULL;
	if (dwfl_linux_proc_report(dwfl, getpid()) || dwfl_report_end(dwfl, NULL, NULL)) {
		dwfl_end(dwfl);
		dwfl = NULL;
	}
	return dwfl;
}

/* A header of the library's own: its inline wrappers are not the caller's code. */
static bool library_header(const char *file)
{
	size_t n = file ? strlen(file) : 0;

	return n > 2 && !strcmp(file + n - 2, ".h") &&
	       (strstr(file, "/dmamap/") || !strncmp(file, "dmamap/", 7));
}

/*
 * The function around @addr, inlined ones included, and the source line:
 * *@file and *@line come in as the line table's, and are moved out of every
 * inlined wrapper of the library's headers to where it was called from, so
 * that a call of dma_free_coherent() names the driver's line, not the
 * header's.
 */
static const char *dwarf_function(Dwfl_Module *mod, Dwarf_Addr addr, const char **file, int *line)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias), *scopes = NULL;
	Dwarf_Files *files = NULL;
	const char *name = NULL;
	size_t nfiles = 0;
	int n;

	if (!cu)
		return NULL;
	n = dwarf_getscopes(cu, addr - bias, &scopes);
	for (int i = 0; i < n && !name; i++) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Attribute attr;
		Dwarf_Word call_file, call_line;

		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		if (tag == DW_TAG_inlined_subroutine && library_header(*file) &&
		    !dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &call_file) &&
		    !dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &call_line) &&
		    (files || !dwarf_getsrcfiles(cu, &files, &nfiles)) && call_file < nfiles) {
			*file = dwarf_filesrc(files, call_file, NULL, NULL);
			*line = (int)call_line;
			continue;
		}
		/* an inlined instance has its name on its abstract origin */
		name = dwarf_formstring(dwarf_attr_integrate(&scopes[i], DW_AT_name, &attr));
	}
	free(scopes);
	return name;
}

/* Under sym_lock; 0, or -1 when libdw knows nothing of @pc. */
static int describe(const void *pc, char *buf, size_t len)
{
	/* a return address: the call is the instruction before it */
	Dwarf_Addr addr = (Dwarf_Addr)(uintptr_t)pc - 1;
	Dwfl_Module *mod;
	const char *obj, *fn, *file;
	Dwfl_Line *line;
	Dwarf_Addr start = 0;
	GElf_Off off;
	GElf_Sym sym;
	int lineno = 0;

	lockdep_assert_held(&sym_lock);
	if (!dwfl && !dwfl_fresh())
		return -1;
	mod = dwfl_addrmodule(dwfl, addr);
	if (!mod && dwfl_fresh())
		mod = dwfl_addrmodule(dwfl, addr);
	if (!mod)
		return -1;
	obj = base_name(dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL));
	line = dwfl_module_getsrc(mod, addr);
	file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	fn = dwarf_function(mod, addr, &file, &lineno);
	if (file && lineno > 0) {
		snprintf(buf, len, "%s:%d (%s)", base_name(file), lineno,
			 fn ? fn : dwfl_module_addrname(mod, addr) ? dwfl_module_addrname(mod, addr)
								  : "?");
		return 0;
	}
	fn = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
	if (fn)
		snprintf(buf, len, "%s+%#llx (%s)", fn, (unsigned long long)off + 1,
			 obj ? obj : "?");
	else
		snprintf(buf, len, "%s+%#llx", obj ? obj : "?", (unsigned long long)(addr + 1 - start));
	return 0;
}
#else
static int describe(const void *pc, char *buf, size_t len)
{
	(void)pc;
	(void)buf;
	(void)len;
	return -1;
}
#endif

/* What dladdr() knows: exported symbols and the object. */
static void describe_dladdr(const void *pc, char *buf, size_t len)
{
	Dl_info info;

	if (dladdr(pc, &info) && info.dli_fname) {
		if (info.dli_sname)
			snprintf(buf, len, "%s+%#lx (%s)", info.dli_sname,
				 (unsigned long)((const char *)pc - (const char *)info.dli_saddr),
				 base_name(info.dli_fname));
		else
			snprintf(buf, len, "%s+%#lx", base_name(info.dli_fname),
				 (unsigned long)((const char *)pc - (const char *)info.dli_fbase));
		return;
	}
	snprintf(buf, len, "%p", pc);
}

const char *sym_site(const void *pc, char *buf, size_t len)
{
	unsigned int b = (unsigned int)(((uintptr_t)pc * 0x9E3779B97F4A7C15ULL) >> 56) %
			 CACHE_BUCKETS;
	struct sym_entry *e;
	char text[512];

	if (!pc || !len)
		return NULL;
	pthread_mutex_lock(&sym_lock);
	for (e = cache[b]; e; e = e->next)
		if (e->pc == pc)
			break;
	if (!e) {
		if (describe(pc, text, sizeof(text)))
			describe_dladdr(pc, text, sizeof(text));
		e = malloc(sizeof(*e) + strlen(text) + 1);
		if (e) {
			e->pc = pc;
			strcpy(e->text, text);
			e->next = cache[b];
			cache[b] = e;
		}
	}
	snprintf(buf, len, "%s", e ? e->text : text);
	pthread_mutex_unlock(&sym_lock);
	return buf;
}
