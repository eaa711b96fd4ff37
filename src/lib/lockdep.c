// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/lockdep.h"
#include "lib/util.h"

/*
 * Cached: a lock's owner is looked up on every assertion, a system call
 * each time would make the debug build's suites crawl. A child of fork()
 * is a new thread with the same cache, so the cache is dropped there.
 */
static __thread int tid_cache;
static pthread_once_t tid_once = PTHREAD_ONCE_INIT;

static void tid_forget(void)
{
	tid_cache = 0;
}

static void tid_init(void)
{
	pthread_atfork(NULL, NULL, tid_forget);
}

int lockdep_tid(void)
{
	if (unlikely(!tid_cache)) {
		pthread_once(&tid_once, tid_init);
		tid_cache = (int)syscall(SYS_gettid);
	}
	return tid_cache;
}

void lockdep_fail(const char *what, const char *file, int line, const char *fn)
{
	fprintf(stderr, "%s:%d: %s: lockdep assertion failed: %s\n", file, line, fn, what);
	abort();
}
