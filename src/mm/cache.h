/* SPDX-License-Identifier: MIT */
/*
 * The CPU-cache model (DESIGN §4) on a non-coherent machine. On a coherent
 * machine every call is bookkeeping only.
 *
 * The CPU's cache is the private copy that the MAP_PRIVATE linear map keeps of
 * a page the CPU wrote or primed; memory is the memfd as the memory view
 * shows it. A page without a copy reads memory (a cache miss). Maintenance
 * works on 64-byte lines, as ARM's does:
 *
 *   clean       a dirty line is written back: CPU view -> memory
 *   invalidate  the CPU's copy takes memory's content: memory -> CPU view,
 *               the lines that differ. A line only partly inside the range
 *               is cleaned and invalidated instead (arm64 __dma_inv_area),
 *               so CPU data sharing a line with a DMA buffer is written over
 *               the device's bytes, as on hardware
 *   prime       the CPU takes a private copy of the range's pages now, as
 *               a speculative prefetch would, so that a read before the
 *               sync_for_cpu sees stale data every time
 *
 * Host mechanics: none of these makes a host call (but see mm_cache_alias()
 * for frames with a second CPU mapping). A copy is made by a
 * write to the page (one host page fault, the first time only) and stays
 * while the frame is allocated: a page with a copy never follows memory
 * again by itself, so stale data is deterministic. Copies (and the frames'
 * bytes in memory) go back to the host when their frames are freed, in
 * batches (mm_cache_release(), from the page allocator).
 *
 * For code that builds on the model (the debugger's ownership checks): the
 * CPU view of a frame is mm_phys_to_linear() (page_address()), what a
 * non-coherent device sees is mm_phys_to_mem(); the calls below are the only
 * ones that move bytes between the two, and each says which way. All may be
 * called from any thread; concurrent calls on the same lines race as the
 * CPU's own accesses would.
 *
 * Which lines are dirty: page-granular private copies cannot tell a line the
 * CPU wrote from one it merely holds. Lines that are wholly inside a range
 * belong to the buffer and are treated as dirty when they differ from
 * memory. For the lines at the two ends of a primed range, the content at
 * priming time is kept (a snapshot): such a line is dirty only if the CPU
 * view has changed since. Maintenance that leaves such a line clean (written
 * back, or refreshed from memory) brings its snapshot up to date, so a
 * buffer synced again and again is judged on the CPU's writes since the last
 * sync. A partial line with no snapshot that differs from memory is taken as
 * dirty.
 *
 * Ranges are physical and must be RAM; they may span adjacent banks.
 */
#ifndef DMAMAP_SRC_MM_CACHE_H
#define DMAMAP_SRC_MM_CACHE_H

#include <dmamap/types.h>

struct dmamap_machine;

int mm_cache_init(struct dmamap_machine *m);
void mm_cache_exit(struct dmamap_machine *m);

void mm_cache_clean(struct dmamap_machine *m, phys_addr_t phys, size_t len);
void mm_cache_inval(struct dmamap_machine *m, phys_addr_t phys, size_t len);
/*
 * The invalidate that gives a streaming buffer back to the CPU. Its partial
 * end lines are cleaned only when the CPU dirtied them: a line at an end of
 * the mapping is judged by the snapshot taken when it was primed; any other
 * (a sync of part of a mapping) lies inside a buffer the device owned, where
 * the CPU had nothing to write, and is taken as clean, so the device's bytes
 * in it survive, as they do on hardware where the line is not dirty.
 */
void mm_cache_inval_for_cpu(struct dmamap_machine *m, phys_addr_t phys, size_t len);
/*
 * @track: the range is a mapping's (made now): snapshots of its end lines
 * are taken, and dropped by mm_cache_forget() at its unmap. Otherwise (a
 * sync of part of a mapping) only the snapshots already kept are brought up
 * to date: one taken at a line inside a mapping would outlive it, and judge
 * the next buffer to use the line by another's bytes.
 */
void mm_cache_prime(struct dmamap_machine *m, phys_addr_t phys, size_t len, bool track);
/*
 * A range mapped without a sync (DMA_ATTR_SKIP_CPU_SYNC): its end lines are
 * judged against memory as it is now, so that what the CPU wrote there and
 * never cleaned stays dirty and is written back by the invalidate that
 * gives the buffer back, as on hardware; without this the line would have
 * no snapshot and be taken as clean, and the CPU's bytes beside the buffer
 * would be lost.
 */
void mm_cache_track(struct dmamap_machine *m, phys_addr_t phys, size_t len);
/* Drops the snapshots of a range's end lines (at unmap). */
void mm_cache_forget(struct dmamap_machine *m, phys_addr_t phys, size_t len);

/*
 * What a coherent device does: read the CPU view; write memory and the CPU's
 * copies (without making a copy where the CPU has none).
 */
void mm_cpu_view_read(struct dmamap_machine *m, phys_addr_t phys, void *buf, size_t len);
void mm_coherent_write(struct dmamap_machine *m, phys_addr_t phys, const void *buf, size_t len);
void mm_coherent_fill(struct dmamap_machine *m, phys_addr_t phys, int byte, size_t len);

/*
 * A buffer the CPU reaches through two cacheable aliases, the linear map and
 * a user mapping (a coherent device's buffer on a non-coherent machine): on
 * hardware both share the CPU's caches, and the device snoops them. The
 * model's cache is the linear map's private copies, which no other mapping
 * can show; so for the life of such a buffer its part of the linear map is
 * a shared mapping of memory. The CPU view, memory, every user mapping and
 * the device then agree, as they must. To be called on pages with no
 * private copy worth keeping (fresh from the allocator or prepared for DMA).
 * Return: 0, -ENOMEM (no host mapping to spare). Whole pages.
 */
int mm_cache_share(struct dmamap_machine *m, phys_addr_t phys, size_t len);
/* The buffer is gone: its part of the linear map is private (cached) again. */
void mm_cache_unshare(struct dmamap_machine *m, phys_addr_t phys, size_t len);

/*
 * Frames [gidx, gidx+nr_pages) (frame indexes, see mm.h) hold what memory
 * holds in the CPU view too: the lines of any private copy that differ take
 * memory's bytes. For frames handed out for DMA, after they were zeroed
 * (arch_dma_prep_coherent()). Counts nothing: it is no maintenance the
 * driver asked for.
 */
void mm_cache_refresh(struct dmamap_machine *m, unsigned long gidx, unsigned long nr_pages);
/*
 * Frames [gidx, gidx+nr_pages) are free: their private copies and their
 * bytes in memory go back to the host, one host call each for the run; the
 * CPU view of them reads memory again, and memory reads zero. Only for free
 * frames that nobody can allocate meanwhile (see buddy_release()).
 */
void mm_cache_release(struct dmamap_machine *m, unsigned long gidx, unsigned long nr_pages);

/*
 * [phys, phys+len) (whole pages of RAM) has a CPU mapping besides the linear
 * map now: one of the kernel VA window or a user VMA. Such a mapping shows
 * memory, so a store through it bypasses the model's cache, the linear
 * map's private copies; on ARMv8, whose data cache is physically indexed
 * and tagged, the store lands in the very lines the linear map holds, and a
 * clean through any alias writes it back. So that a copy the CPU merely
 * holds cannot be written back over such a store, or hide it from the
 * linear map, the frames' whole-page invalidates (and mm_cache_refresh())
 * drop their copies, as the model did before copies were kept: the linear
 * map then reads memory until the next prime. A host call each, which
 * frames without a second mapping never pay. Copies that agree with memory
 * are dropped here too; others hold lines the CPU wrote or stale ones, and
 * stay. Frames stay marked until freed (mm_cache_unalias(), from the page
 * allocator), however many mappings come and go.
 */
void mm_cache_alias(struct dmamap_machine *m, phys_addr_t phys, size_t len);
void mm_cache_unalias(struct dmamap_machine *m, unsigned long gidx, unsigned long nr_pages);

/* Snapshots held (for tests). */
unsigned long mm_cache_snapshots(struct dmamap_machine *m);

#endif
