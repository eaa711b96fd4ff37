/* SPDX-License-Identifier: MIT */
/*
 * The platform seam: every host call the model makes on memory (memfd,
 * mmap, munmap, madvise) goes through these few primitives, and they keep
 * the process-wide count of host mappings dmamap has made, against the
 * host's vm.max_map_count.
 *
 * Each returns 0 or a negative errno unless it says otherwise.
 */
#ifndef DMAMAP_SRC_MM_HOST_H
#define DMAMAP_SRC_MM_HOST_H

#include <dmamap/types.h>

struct dmamap_machine;

/* 0 when the host page size is 4096, else -EINVAL (with a message). */
int host_check_page_size(void);

/* A sparse memfd of @size bytes; returns the fd or a negative errno. */
int host_memfd(size_t size);

/* Maps the whole fd: shared or private, read-write, never populated. */
void *host_map_file(int fd, size_t size, bool shared);

/* Reserves @size bytes of inaccessible address space (PROT_NONE). */
void *host_reserve(size_t size);
/* Anonymous zeroed read-write memory, populated only as it is touched. */
void *host_alloc_lazy(size_t size);
/* As host_reserve(), starting at an address aligned to @align (a power of two). */
void *host_reserve_aligned(size_t size, size_t align);
/* Makes part of a reservation read-write (zeroed, populated as touched). */
int host_protect_rw(void *addr, size_t len);
/* Releases a mapping or reservation; @addr may be NULL. */
void host_release(void *addr, size_t size);

/*
 * Maps [off, off+len) of @fd MAP_FIXED|MAP_SHARED read-write at @addr, which
 * must lie in a reservation of ours. Counted as one host mapping.
 */
int host_map_fixed(struct dmamap_machine *m, void *addr, int fd, u64 off, size_t len);
/*
 * The same with the protection @prot (PROT_*) and, unless @shared, private:
 * a write then makes a copy of the page that the file never sees (a
 * copy-on-write user mapping).
 */
int host_map_fixed_prot(struct dmamap_machine *m, void *addr, int fd, u64 off, size_t len,
			int prot, bool shared);
/*
 * Maps [off, off+len) of @fd MAP_FIXED|MAP_PRIVATE|MAP_NORESERVE read-write
 * at @addr, replacing what was there: a fresh private mapping, no page
 * copied yet, with the linear map's own flags (so the host can merge it
 * back into the mapping around it).
 */
int host_map_fixed_private(struct dmamap_machine *m, void *addr, int fd, u64 off, size_t len);
/* Maps [off, off+len) of @fd MAP_SHARED read-write anywhere; one host mapping. */
void *host_map_shared(struct dmamap_machine *m, int fd, u64 off, size_t len);
/* Puts [addr, addr+len) back to PROT_NONE reservation. */
int host_unmap_fixed(struct dmamap_machine *m, void *addr, size_t len);

/*
 * Host mappings: each fixed mapping inside a reservation can split it, so
 * one mapping costs up to two entries of the host's map table. Reserve
 * before mapping; -ENOMEM when the headroom below vm.max_map_count (less a
 * margin left to the rest of the process) would be exceeded.
 */
int host_vmas_reserve(unsigned long nr);
void host_vmas_release(unsigned long nr);
unsigned long host_vmas_in_use(void);
unsigned long host_vmas_limit(void);

/*
 * Protection of pages the library hands to a device (the debugger's
 * ownership check): host_protect() sets PROT_* on [addr, addr+len), one
 * call, and may be failed by fault injection unless it gives the pages
 * back read-write. host_fault_hook() makes sure that the process's
 * SIGSEGV handler is the library's (one call to look: a test harness may
 * have put its own in place since, which is then chained), and that it
 * asks @fn about each access fault on a protected page: @fn gets the address and the faulting instruction, and returns
 * true when it made the access possible (the instruction runs again), or
 * false to pass the fault on to the handler installed before, if any, or
 * to the default action. @fn runs in the signal handler: only atomics and
 * host_protect(). Returns 0 or a negative errno.
 */
int host_protect(void *addr, size_t len, int prot);
int host_fault_hook(bool (*fn)(void *addr, const void *pc));

/* Bytes of RAM the host has (sysconf), read once; 0 when unknown. */
u64 host_ram_bytes(void);

/* Drops private copies in [addr, addr+len) of a private file mapping: one call. */
int host_discard(void *addr, size_t len);
/* Frees the file's pages under [addr, addr+len) of a shared file mapping (a hole): one call. */
int host_remove(void *addr, size_t len);
/* Forces a private copy of every page of [addr, addr+len): one call. */
int host_populate_write(void *addr, size_t len);

/*
 * For each page of [addr, addr+len) of a private file mapping, sets bit i of
 * @private_map when page i currently has a private (copied-on-write) copy.
 * One host call for the range. Returns 0 or a negative errno.
 */
int host_private_pages(const void *addr, size_t npages, unsigned long *private_map);

/*
 * Asymmetric barriers (membarrier(2)): host_barrier_all_threads() has every
 * thread of the process that is running execute a full memory barrier (one
 * that is not running has one at its next switch in), so a thread's fast
 * path may order a store before a load with a compiler barrier alone when
 * the rare other side calls this between its own store and load.
 * host_barrier_register() must have returned 0 first (else it is not
 * available). The barrier is slow (an interrupt per CPU running us).
 */
int host_barrier_register(void);
void host_barrier_all_threads(void);

#endif /* DMAMAP_SRC_MM_HOST_H */
