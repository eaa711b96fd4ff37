/* SPDX-License-Identifier: MIT */
/*
 * Atomics and barriers under the kernel's names, over the compiler's
 * __atomic builtins, so that a lock-free protocol reads as its kernel
 * counterpart does and says which ordering each access needs:
 *
 *   READ_ONCE / WRITE_ONCE      one untorn access, no ordering
 *   smp_load_acquire            later accesses stay after it
 *   smp_store_release           earlier accesses stay before it
 *   smp_mb / smp_rmb / smp_wmb  fences
 *   atomic_t / atomic64_t       counters; the value-returning operations
 *                               and cmpxchg are fully ordered, as in the
 *                               kernel (memory-barriers.txt), the others
 *                               (inc, add, set, read) relaxed
 *   xchg / cmpxchg              on plain scalars, fully ordered
 *   xchg_acquire, xchg_relaxed, on plain scalars, with only the ordering
 *   try_cmpxchg_relaxed         the suffix names
 *   cpu_relax                   the busy-wait hint of the processor
 *
 * The builtins are what ThreadSanitizer understands, so each of these is
 * checked by it like the builtin it wraps; nothing here is inline asm but
 * cpu_relax(), which touches no memory.
 */
#ifndef DMAMAP_SRC_LIB_ATOMIC_H
#define DMAMAP_SRC_LIB_ATOMIC_H

#include <dmamap/types.h>
#include <stdbool.h>

#define barrier()		__asm__ __volatile__("" ::: "memory")

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* DMAMAP_TSAN: built with ThreadSanitizer (GCC says so one way, clang another) */
#if defined(__SANITIZE_THREAD__)
#define DMAMAP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DMAMAP_TSAN 1
#endif
#endif

/*
 * tsan_ignore_writes_begin/end: the stores between them are not seen by
 * ThreadSanitizer. Only for a store of the value the location already
 * holds, made for its effect on the host's page tables (a copy-on-write
 * fault): no reader can tell it happened, and C11 atomics cannot say so.
 */
#ifdef DMAMAP_TSAN
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#define tsan_ignore_writes_begin()	AnnotateIgnoreWritesBegin(__FILE__, __LINE__)
#define tsan_ignore_writes_end()	AnnotateIgnoreWritesEnd(__FILE__, __LINE__)
#else
#define tsan_ignore_writes_begin()	do { } while (0)
#define tsan_ignore_writes_end()	do { } while (0)
#endif

#ifndef __SANITIZE_THREAD__
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#else
/*
 * ThreadSanitizer does not model fences (GCC refuses to build one with it):
 * a sequentially consistent read-modify-write of one word that every fence
 * of the process uses orders the fences among themselves, which it does see.
 */
extern int dmamap_fence_word;
#define smp_mb()		((void)__atomic_fetch_add(&dmamap_fence_word, 0, __ATOMIC_SEQ_CST))
#define smp_rmb()		smp_mb()
#define smp_wmb()		smp_mb()
#endif

/* The old value of *@p, which now holds @v. */
#define xchg(p, v)		__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)

/* xchg() with only the ordering its suffix names, as the kernel's */
#define xchg_acquire(p, v)	__atomic_exchange_n((p), (v), __ATOMIC_ACQUIRE)
#define xchg_relaxed(p, v)	__atomic_exchange_n((p), (v), __ATOMIC_RELAXED)

/*
 * *@p set to @new if it held @old; the value it held, either way (equal to
 * @old on success), as the kernel's cmpxchg().
 */
#define cmpxchg(p, old, new)                                                           \
	({                                                                             \
		__typeof__(*(p)) cmpxchg_old = (old);                                  \
		__atomic_compare_exchange_n((p), &cmpxchg_old, (new), false,           \
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);       \
		cmpxchg_old;                                                           \
	})

/* cmpxchg() that says whether it succeeded and, if not, updates *@pold. */
#define try_cmpxchg(p, pold, new)                                                      \
	__atomic_compare_exchange_n((p), (pold), (new), false, __ATOMIC_SEQ_CST,       \
				    __ATOMIC_SEQ_CST)

/* try_cmpxchg() with no ordering, as the kernel's try_cmpxchg_relaxed() */
#define try_cmpxchg_relaxed(p, pold, new)                                              \
	__atomic_compare_exchange_n((p), (pold), (new), false, __ATOMIC_RELAXED,       \
				    __ATOMIC_RELAXED)

/*
 * The processor's hint that this thread spins on a value another thread
 * will change: on x86 PAUSE (it stops the spin filling the pipeline with
 * loads the store will abort, and lets a sibling hyperthread run), on arm64
 * YIELD (the same hint to a multithreaded core), elsewhere a compiler
 * barrier, which at least reloads the value each time.
 */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	barrier();
#endif
}

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }

/*
 * One set of operations per counter type, named as the kernel names them
 * (atomic_add_return(), atomic64_dec_and_test(), ...).
 */
#define DMAMAP_ATOMIC_OPS(pfx, type, ctype)                                            \
	static inline ctype pfx##_read(const type *v)                                  \
	{                                                                              \
		return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);                 \
	}                                                                              \
	static inline void pfx##_set(type *v, ctype i)                                 \
	{                                                                              \
		__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);                    \
	}                                                                              \
	static inline ctype pfx##_read_acquire(const type *v)                          \
	{                                                                              \
		return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);                 \
	}                                                                              \
	static inline void pfx##_set_release(type *v, ctype i)                         \
	{                                                                              \
		__atomic_store_n(&v->counter, i, __ATOMIC_RELEASE);                    \
	}                                                                              \
	static inline void pfx##_add(ctype i, type *v)                                 \
	{                                                                              \
		__atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);                  \
	}                                                                              \
	static inline void pfx##_sub(ctype i, type *v)                                 \
	{                                                                              \
		__atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED);                  \
	}                                                                              \
	static inline void pfx##_inc(type *v)                                          \
	{                                                                              \
		pfx##_add(1, v);                                                       \
	}                                                                              \
	static inline void pfx##_dec(type *v)                                          \
	{                                                                              \
		pfx##_sub(1, v);                                                       \
	}                                                                              \
	static inline ctype pfx##_add_return(ctype i, type *v)                         \
	{                                                                              \
		return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);           \
	}                                                                              \
	static inline ctype pfx##_sub_return(ctype i, type *v)                         \
	{                                                                              \
		return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);           \
	}                                                                              \
	static inline ctype pfx##_fetch_add(ctype i, type *v)                          \
	{                                                                              \
		return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST);           \
	}                                                                              \
	static inline ctype pfx##_fetch_sub(ctype i, type *v)                          \
	{                                                                              \
		return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST);           \
	}                                                                              \
	static inline ctype pfx##_inc_return(type *v)                                  \
	{                                                                              \
		return pfx##_add_return(1, v);                                         \
	}                                                                              \
	static inline ctype pfx##_dec_return(type *v)                                  \
	{                                                                              \
		return pfx##_sub_return(1, v);                                         \
	}                                                                              \
	static inline bool pfx##_dec_and_test(type *v)                                 \
	{                                                                              \
		return pfx##_dec_return(v) == 0;                                       \
	}                                                                              \
	static inline ctype pfx##_xchg(type *v, ctype i)                               \
	{                                                                              \
		return xchg(&v->counter, i);                                           \
	}                                                                              \
	static inline ctype pfx##_cmpxchg(type *v, ctype old, ctype new)               \
	{                                                                              \
		return cmpxchg(&v->counter, old, new);                                 \
	}                                                                              \
	static inline bool pfx##_try_cmpxchg(type *v, ctype *old, ctype new)           \
	{                                                                              \
		return try_cmpxchg(&v->counter, old, new);                             \
	}

DMAMAP_ATOMIC_OPS(atomic, atomic_t, int)
DMAMAP_ATOMIC_OPS(atomic64, atomic64_t, s64)

#undef DMAMAP_ATOMIC_OPS

#endif
