/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit suites. */
#ifndef DMAMAP_TESTS_TEST_UTIL_H
#define DMAMAP_TESTS_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dmamap/dmamap.h>

/* A machine with the defaults changed by @cfg (may be NULL); fails the test on error. */
struct dmamap_machine *test_machine(const struct dmamap_machine_config *cfg);

/*
 * A device on @m made from @cfg (NULL: the defaults; the common options are
 * .name, .coherent and .dma_mask) and, when @d is not NULL, attached to that
 * IOMMU domain. Fails the test on error.
 */
struct device *test_device(struct dmamap_machine *m, const struct dmamap_device_config *cfg,
			   struct iommu_domain *d);
/* A device configuration in place: test_device(m, TEST_DEVCFG(.name = "nic"), NULL). */
#define TEST_DEVCFG(...) (&(const struct dmamap_device_config){ __VA_ARGS__ })

/*
 * The end-of-suite leak check: every page back in the allocator (less
 * @reserved frames the machine keeps for its own pools), nothing left in the
 * kernel VA window, no cookie and no IOVA page live.
 */
void test_assert_no_leaks(struct dmamap_machine *m);

/*
 * cmocka fixtures for a test that runs on one machine and ends with the leak
 * check: test_machine_setup() makes the machine from the configuration the
 * initial state points to (NULL: the defaults) and leaves it in *state;
 * test_machine_teardown() destroys it and then checks the statistics it read
 * just before, so that a test that failed halfway still frees its machine
 * and has its leaks reported. TEST_MACHINE_CASE(f, cfg) lists such a test.
 */
int test_machine_setup(void **state);
int test_machine_teardown(void **state);
#define TEST_MACHINE_CASE(f, cfg)							\
	cmocka_unit_test_prestate_setup_teardown(f, test_machine_setup,			\
						 test_machine_teardown, (void *)(cfg))

/* Frames the machine itself holds (pools) right after creation. */
u64 test_reserved_pages(struct dmamap_machine *m);

/* A deterministic pseudo-random generator (xorshift64*). */
u64 test_rand(u64 *state);

/* Fills @buf with a pattern derived from @seed; test_check_pattern() finds the first bad byte. */
void test_fill_pattern(void *buf, size_t len, u32 seed);
/* Returns -1 if all good, else the offset of the first mismatch. */
long test_check_pattern(const void *buf, size_t len, u32 seed);

/* The device writes @len bytes of pattern @seed at @dma (the write must succeed). */
void test_device_writes(struct device *dev, dma_addr_t dma, size_t len, u32 seed);
/* The device reads @len bytes at @dma (the read must succeed): do they carry pattern @seed? */
bool test_device_sees(struct device *dev, dma_addr_t dma, size_t len, u32 seed);

/* The machine's statistics, as a value. */
struct dmamap_stats test_stats(struct dmamap_machine *m);

/* Is every byte of [p, p + len) equal to @v? */
bool test_all_bytes(const u8 *p, size_t len, u8 v);

/*
 * Does reading @addr fault? Asked in a forked child, which dies of SIGSEGV
 * or, under AddressSanitizer, exits non-zero from its SEGV handler after
 * saying so on stderr (read back to check the cause).
 */
bool test_read_faults(const void *addr);
/* The same for a write of one byte (made in the child only). */
bool test_write_faults(void *addr);

/*
 * The kinds of the reports a machine makes, in order, while recorded
 * (test_reports_record() sets the machine's handler to the recorder;
 * test_reports_stop() puts stderr back). At most TEST_REPORTS_MAX are
 * kept; n counts them all.
 */
#define TEST_REPORTS_MAX 64
struct test_reports {
	unsigned int n;
	enum dmamap_debug_kind kind[TEST_REPORTS_MAX];
};

void test_reports_record(struct dmamap_machine *m, struct test_reports *r);
void test_reports_stop(struct dmamap_machine *m);
/* Were the reports since the last call exactly @n of kind @kind? Resets @r. */
bool test_reports_were(struct test_reports *r, unsigned int n, enum dmamap_debug_kind kind);

/* Number of open file descriptors and host mappings of this process. */
long test_count_fds(void);
long test_count_maps(void);

/*
 * @n scaled by $DMAMAP_TEST_SCALE (default 1), at least 1: the count of a
 * loop that repeats what the suite checks once already, such as making
 * machines by the thousand. make check's arm64 run sets the scale below 1:
 * under qemu-user each machine made costs far more than natively (its page
 * bookkeeping of every guest mapping, kept after the unmap).
 */
unsigned long test_scaled(unsigned long n);

/*
 * Replace this process with this test program again, with @args (a NULL-
 * terminated list; @args[0] is the program's name). In a cross build meson
 * test names the emulator that runs it ($MESON_EXE_WRAPPER, maybe several
 * words): the host cannot run the program itself, and /proc/self/exe is the
 * emulator, whose answer to readlink() is the program. Returns only on
 * failure.
 */
void test_exec_self(const char *const *args);

#endif
