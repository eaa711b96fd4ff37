// SPDX-License-Identifier: MIT
/*
 * The platform seam: the host calls on memory, in one place.
 *
 * Host mapping accounting: every fixed mapping we make inside one of our
 * PROT_NONE reservations may split the reservation's host VMA in two and add
 * one for itself, so it is charged two entries of the process's map table.
 * The budget is vm.max_map_count less what the process already used when the
 * first machine was made, less a margin for the rest of the program; it is
 * shared by all machines of the process.
 */
#include "mm/host.h"
#include "mm/fail.h"
#include "mm/mm.h"

#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HOST_VMA_MARGIN		4096UL	/* left to the rest of the process */
#define HOST_VMA_DEFAULT_MAX	65530UL

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static unsigned long host_vma_limit;	/* set once */
static unsigned long host_vma_used;	/* atomic */

static unsigned long read_ulong_file(const char *path, unsigned long dflt)
{
	char buf[64];
	unsigned long v;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = 0;
	if (sscanf(buf, "%lu", &v) != 1)
		return dflt;
	return v;
}

static unsigned long count_process_maps(void)
{
	char buf[8192];
	unsigned long lines = 0;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 1024;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

static void host_init_once(void)
{
	unsigned long max = read_ulong_file("/proc/sys/vm/max_map_count", HOST_VMA_DEFAULT_MAX);
	unsigned long used = count_process_maps() + HOST_VMA_MARGIN;

	host_vma_limit = max > used ? max - used : 0;
}

int host_check_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (ps != 4096) {
		fprintf(stderr, "dmamap: the host page size is %ld; the model needs 4096\n", ps);
		return -EINVAL;
	}
	pthread_once(&host_once, host_init_once);
	return 0;
}

int host_memfd(size_t size)
{
	int fd;

	if (mm_should_fail(DMAMAP_FAIL_HOST, NULL))
		return -ENOMEM;
	fd = memfd_create("dmamap-ram", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

void *host_map_file(int fd, size_t size, bool shared)
{
	void *p;

	if (mm_should_fail(DMAMAP_FAIL_HOST, NULL))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_NORESERVE, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *host_reserve(size_t size)
{
	void *p;

	if (mm_should_fail(DMAMAP_FAIL_HOST, NULL))
		return NULL;
	p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void *host_alloc_lazy(size_t size)
{
	void *p;

	if (mm_should_fail(DMAMAP_FAIL_HOST, NULL))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * First at aligned addresses just below where the host would place the
 * reservation now, with MAP_FIXED_NOREPLACE (a kernel before 4.17 takes it
 * as a hint: the result is checked), so that only @size bytes are ever
 * mapped. Else by over-mapping @size + @align and trimming both ends: a
 * transient reservation of @align more that RLIMIT_AS may refuse, and that
 * an emulator tracking each page of the guest's mappings pays for page by
 * page (qemu-user 7.2 takes about 4 s per 64 GiB of PROT_NONE, mapped and
 * trimmed, on a 2-core VM).
 */
#define RESERVE_FLAGS	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
#define RESERVE_TRIES	8

void *host_reserve_aligned(size_t size, size_t align)
{
	unsigned long hint;
	u8 *where;
	size_t span = size + align;
	u8 *raw, *base;

	if (mm_should_fail(DMAMAP_FAIL_HOST, NULL))
		return NULL;
	where = mmap(NULL, size, PROT_NONE, RESERVE_FLAGS, -1, 0);
	if (where == MAP_FAILED)
		return NULL;
	if (IS_ALIGNED((unsigned long)where, align))
		return where;
	munmap(where, size);
	hint = ALIGN_DOWN((unsigned long)where, align);
	for (int i = 0; i < RESERVE_TRIES && hint >= align; i++, hint -= align) {
		u8 *p = mmap((void *)hint, size, PROT_NONE, RESERVE_FLAGS | MAP_FIXED_NOREPLACE,
			     -1, 0);

		if (p == (u8 *)hint)
			return p;
		if (p != MAP_FAILED)
			munmap(p, size);
	}

	raw = mmap(NULL, span, PROT_NONE, RESERVE_FLAGS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	base = (u8 *)ALIGN((unsigned long)raw, align);
	if (base > raw)
		munmap(raw, (size_t)(base - raw));
	if (raw + span > base + size)
		munmap(base + size, (size_t)(raw + span - (base + size)));
	return base;
}

int host_protect_rw(void *addr, size_t len)
{
	if (mm_should_fail(DMAMAP_FAIL_HOST, NULL))
		return -ENOMEM;
	return mprotect(addr, len, PROT_READ | PROT_WRITE) ? -errno : 0;
}

int host_protect(void *addr, size_t len, int prot)
{
	if (prot != (PROT_READ | PROT_WRITE) && mm_should_fail(DMAMAP_FAIL_HOST, NULL))
		return -ENOMEM;
	return mprotect(addr, len, prot) ? -errno : 0;
}

static bool (*fault_fn)(void *addr, const void *pc);	/* set once, before the handler */
static struct sigaction fault_prev;	/* under fault_lock; read by the handler */
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	const void *pc = NULL;
	int saved = errno;

#if defined(__x86_64__)
	pc = (const void *)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	pc = (const void *)((ucontext_t *)uc)->uc_mcontext.pc;
#endif
	if (si->si_code == SEGV_ACCERR && fault_fn(si->si_addr, pc)) {
		errno = saved;
		return;
	}
	errno = saved;
	if (fault_prev.sa_flags & SA_SIGINFO) {
		fault_prev.sa_sigaction(sig, si, uc);
	} else if (fault_prev.sa_handler != SIG_DFL && fault_prev.sa_handler != SIG_IGN) {
		fault_prev.sa_handler(sig);
	} else {
		/* the default action: the instruction faults again, and the process ends */
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigaction(sig, &dfl, NULL);
	}
}

/*
 * The handler is checked at every call, not installed once: a test harness
 * (cmocka's, for one) puts its own in place around each test, and the
 * faults that follow must still reach @fn. The one found is chained.
 */
int host_fault_hook(bool (*fn)(void *addr, const void *pc))
{
	struct sigaction cur, sa = { .sa_sigaction = fault_handler,
				     .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART };
	int err = 0;

	if (sigaction(SIGSEGV, NULL, &cur))
		return -errno;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == fault_handler && fault_fn == fn)
		return 0;
	pthread_mutex_lock(&fault_lock);
	if (!fault_fn)
		fault_fn = fn;
	if (fault_fn != fn) {
		err = -EBUSY;
	} else {
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSEGV, NULL, &cur))
			err = -errno;
		else if (!((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == fault_handler))
			err = sigaction(SIGSEGV, &sa, &fault_prev) ? -errno : 0;
	}
	pthread_mutex_unlock(&fault_lock);
	return err;
}

void host_release(void *addr, size_t size)
{
	if (addr && size)
		munmap(addr, size);
}

int host_map_fixed_prot(struct dmamap_machine *m, void *addr, int fd, u64 off, size_t len,
			int prot, bool shared)
{
	void *p;

	if (mm_should_fail(DMAMAP_FAIL_HOST, m))
		return -ENOMEM;
	p = mmap(addr, len, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED, fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	if (m)
		mm_count(m, host_mmaps, 1);
	return 0;
}

int host_map_fixed(struct dmamap_machine *m, void *addr, int fd, u64 off, size_t len)
{
	void *p;

	if (mm_should_fail(DMAMAP_FAIL_HOST, m))
		return -ENOMEM;
	p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	if (m)
		mm_count(m, host_mmaps, 1);
	return 0;
}

int host_map_fixed_private(struct dmamap_machine *m, void *addr, int fd, u64 off, size_t len)
{
	void *p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE,
		       fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	if (m)
		mm_count(m, host_mmaps, 1);
	return 0;
}

void *host_map_shared(struct dmamap_machine *m, int fd, u64 off, size_t len)
{
	void *p;

	if (mm_should_fail(DMAMAP_FAIL_HOST, m))
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED)
		return NULL;
	if (m)
		mm_count(m, host_mmaps, 1);
	return p;
}

int host_unmap_fixed(struct dmamap_machine *m, void *addr, size_t len)
{
	/* Replacing the range keeps it reserved: nobody else can map there. */
	void *p = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if (m)
		mm_count(m, host_munmaps, 1);
	return 0;
}

int host_vmas_reserve(unsigned long nr)
{
	unsigned long cur = __atomic_load_n(&host_vma_used, __ATOMIC_RELAXED);

	pthread_once(&host_once, host_init_once);
	do {
		if (cur + 2 * nr > host_vma_limit)
			return -ENOMEM;
	} while (!__atomic_compare_exchange_n(&host_vma_used, &cur, cur + 2 * nr, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 0;
}

void host_vmas_release(unsigned long nr)
{
	__atomic_fetch_sub(&host_vma_used, 2 * nr, __ATOMIC_RELAXED);
}

unsigned long host_vmas_in_use(void)
{
	return __atomic_load_n(&host_vma_used, __ATOMIC_RELAXED) / 2;
}

unsigned long host_vmas_limit(void)
{
	pthread_once(&host_once, host_init_once);
	return host_vma_limit / 2;
}

u64 host_ram_bytes(void)
{
	static u64 bytes;	/* (atomic) 0: not read yet */
	u64 b = __atomic_load_n(&bytes, __ATOMIC_RELAXED);
	long pages;

	if (b)
		return b;
	pages = sysconf(_SC_PHYS_PAGES);
	b = pages > 0 ? (u64)pages * (u64)sysconf(_SC_PAGESIZE) : 0;
	__atomic_store_n(&bytes, b, __ATOMIC_RELAXED);
	return b;
}

int host_discard(void *addr, size_t len)
{
	return madvise(addr, len, MADV_DONTNEED) ? -errno : 0;
}

int mm_host_discard(struct dmamap_machine *m, void *addr, size_t len)
{
	mm_count(m, host_madvises, 1);
	return host_discard(addr, len);
}

int host_remove(void *addr, size_t len)
{
	return madvise(addr, len, MADV_REMOVE) ? -errno : 0;
}

int mm_host_remove(struct dmamap_machine *m, void *addr, size_t len)
{
	mm_count(m, host_madvises, 1);
	return host_remove(addr, len);
}

int mm_host_populate_write(struct dmamap_machine *m, void *addr, size_t len)
{
	if (mm_should_fail(DMAMAP_FAIL_HOST, m))
		return -ENOMEM;
	mm_count(m, host_madvises, 1);
	return host_populate_write(addr, len);
}

/*
 * Whether madvise(MADV_POPULATE_WRITE) gives the pages of a private file
 * mapping their copies. A kernel before 5.14 refuses the advice (EINVAL),
 * and an emulator may accept it and do nothing: qemu-user returns 0 for
 * every advice it does not pass through. So the probe checks the effect,
 * once, on one page of a memfd: after the advice on its private view, a
 * write through the shared view must not show in the private one.
 */
static pthread_once_t populate_once = PTHREAD_ONCE_INIT;
static bool populate_works;	/* set once */

static void populate_probe(void)
{
	int fd = host_memfd(PAGE_SIZE);
	volatile u8 *shared, *priv;

	if (fd < 0)
		return;
	shared = host_map_file(fd, PAGE_SIZE, true);
	priv = host_map_file(fd, PAGE_SIZE, false);
	if (shared && priv && !madvise((void *)priv, PAGE_SIZE, MADV_POPULATE_WRITE)) {
		shared[0] = 1;
		populate_works = priv[0] == 0;
	}
	host_release((void *)shared, shared ? PAGE_SIZE : 0);
	host_release((void *)priv, priv ? PAGE_SIZE : 0);
	close(fd);
}

int host_populate_write(void *addr, size_t len)
{
	pthread_once(&populate_once, populate_probe);
	if (populate_works)
		return madvise(addr, len, MADV_POPULATE_WRITE) ? -errno : 0;
	/* write each page's first byte back to itself */
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		volatile u8 *p = (volatile u8 *)addr + off;

		*p = *p;
	}
	return 0;
}

int host_private_pages(const void *addr, size_t npages, unsigned long *private_map)
{
	static int pagemap_fd = -1;	/* opened once, kept */
	u64 ents[64];
	size_t done = 0;
	int fd = __atomic_load_n(&pagemap_fd, __ATOMIC_ACQUIRE);

	if (fd < 0) {
		int nfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		int expected = -1;

		if (nfd < 0)
			return -errno;
		if (!__atomic_compare_exchange_n(&pagemap_fd, &expected, nfd, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			close(nfd);
			nfd = expected;
		}
		fd = nfd;
	}
	memset(private_map, 0, DIV_ROUND_UP(npages, 64) * sizeof(unsigned long));
	while (done < npages) {
		size_t n = min(npages - done, (size_t)64);
		off_t off = (off_t)(((unsigned long)addr >> PAGE_SHIFT) + done) * 8;
		ssize_t got = pread(fd, ents, n * 8, off);

		if (got != (ssize_t)(n * 8))
			return got < 0 ? -errno : -EIO;
		for (size_t i = 0; i < n; i++) {
			bool present = ents[i] >> 63 & 1;
			bool file_or_shared = ents[i] >> 61 & 1;

			/* a present anonymous page in a file mapping is a private copy */
			if (present && !file_or_shared)
				private_map[(done + i) / 64] |= 1UL << ((done + i) % 64);
		}
		done += n;
	}
	return 0;
}

static long host_membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

int host_barrier_register(void)
{
	long cmds = host_membarrier(MEMBARRIER_CMD_QUERY);

	if (cmds < 0)
		return -errno;
	if (!(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return -ENOSYS;
	if (host_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
		return -errno;
	return 0;
}

void host_barrier_all_threads(void)
{
	if (!host_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;
	/* the registration is the process's; register again (idempotent) and retry */
	if (!host_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) &&
	    !host_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;
	/* the other side relies on it: going on would be a silent race */
	fprintf(stderr, "dmamap: membarrier failed after it had worked (errno %d)\n", errno);
	abort();
}
