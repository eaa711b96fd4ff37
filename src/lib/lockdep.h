/* SPDX-License-Identifier: MIT */
/*
 * lockdep_assert_held(): a helper that relies on its caller's lock says so
 * in code, and a debug build (no NDEBUG) checks it on every call, as the
 * kernel's lockdep does. A release build keeps only the type check of the
 * argument, so the benchmarks run the code they ran before.
 *
 * What "held" means depends on the lock:
 *   pthread_mutex_t *   held by this thread: glibc keeps the owner's
 *                       thread id in the mutex (elsewhere: held by a thread)
 *   int *               a spinlock word, 0 when free: held by a thread (the
 *                       word has no room for an owner)
 *
 * Not a lock-order checker: the order of docs/concurrency.md is not
 * checked at run time.
 */
#ifndef DMAMAP_SRC_LIB_LOCKDEP_H
#define DMAMAP_SRC_LIB_LOCKDEP_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "lib/atomic.h"

/* The calling thread's id, as the kernel gives it (gettid()). */
int lockdep_tid(void);

static inline bool lockdep_mutex_held(const pthread_mutex_t *m)
{
#ifdef __GLIBC__
	/* set by the owner after it locks, cleared before it unlocks */
	return READ_ONCE(m->__data.__owner) == lockdep_tid();
#else
	pthread_mutex_t *w = (pthread_mutex_t *)m;

	if (pthread_mutex_trylock(w) == EBUSY)
		return true;
	pthread_mutex_unlock(w);
	return false;
#endif
}

static inline bool lockdep_spin_held(const int *lock)
{
	return READ_ONCE(*lock) != 0;
}

#define lockdep_is_held(l)                                                             \
	_Generic((l),                                                                  \
		 pthread_mutex_t *: lockdep_mutex_held,                                \
		 const pthread_mutex_t *: lockdep_mutex_held,                          \
		 int *: lockdep_spin_held,                                             \
		 const int *: lockdep_spin_held)(l)

/* Prints where a lock was not held, and aborts (as a failed assert()). */
void lockdep_fail(const char *what, const char *file, int line, const char *fn)
	__attribute__((noreturn, cold));

/*
 * lockdep_assert(): a held-lock condition the types above do not cover
 * (another object's "is it held by me" call).
 */
#ifdef NDEBUG
#define lockdep_assert(c)	do { (void)sizeof(c); } while (0)
#define lockdep_assert_held(l)	do { (void)sizeof(lockdep_is_held(l)); } while (0)
#else
#define lockdep_assert(c)                                                              \
	do {                                                                           \
		if (!(c))                                                              \
			lockdep_fail(#c, __FILE__, __LINE__, __func__);                \
	} while (0)
#define lockdep_assert_held(l)                                                         \
	do {                                                                           \
		if (!lockdep_is_held(l))                                               \
			lockdep_fail("held " #l, __FILE__, __LINE__, __func__);        \
	} while (0)
#endif

#endif
