// SPDX-License-Identifier: MIT
/*
 * lib/lockdep.h: lockdep_is_held() answers whether a lock is held, for a
 * mutex whether this very thread holds it, so that lockdep_assert_held()
 * in a debug build stops a helper called without its caller's lock.
 */
#include "test-util.h"
#include "lib/lockdep.h"

#include <sys/wait.h>
#include <unistd.h>

static void test_mutex_held_by_me(void **state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	(void)state;
	assert_false(lockdep_is_held(&m));
	pthread_mutex_lock(&m);
	assert_true(lockdep_is_held(&m));
	lockdep_assert_held(&m);
	pthread_mutex_unlock(&m);
	assert_false(lockdep_is_held(&m));
}

struct holder {
	pthread_mutex_t m;
	pthread_mutex_t wait;	/* held by the main thread until the holder may go */
	int taken;		/* atomic */
};

static void *holder_fn(void *arg)
{
	struct holder *h = arg;

	pthread_mutex_lock(&h->m);
	smp_store_release(&h->taken, 1);
	pthread_mutex_lock(&h->wait);
	pthread_mutex_unlock(&h->wait);
	pthread_mutex_unlock(&h->m);
	return NULL;
}

static void test_mutex_held_by_another(void **state)
{
	struct holder h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, 0 };
	pthread_t tid;

	(void)state;
	pthread_mutex_lock(&h.wait);
	assert_int_equal(pthread_create(&tid, NULL, holder_fn, &h), 0);
	while (!smp_load_acquire(&h.taken))
		cpu_relax();
#ifdef __GLIBC__
	/* held, but not by this thread: a helper here would run unprotected */
	assert_false(lockdep_is_held(&h.m));
#else
	assert_true(lockdep_is_held(&h.m));
#endif
	pthread_mutex_unlock(&h.wait);
	assert_int_equal(pthread_join(tid, NULL), 0);
}

/* A forked child is another thread: it holds what it locked, not its parent's locks. */
static void test_fork_child(void **state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	int status;
	pid_t pid;

	(void)state;
	assert_true(lockdep_tid() > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pthread_mutex_lock(&m);
		_exit(lockdep_is_held(&m) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_spin_word(void **state)
{
	int lock = 0;

	(void)state;
	assert_false(lockdep_is_held(&lock));
	xchg(&lock, 1);
	assert_true(lockdep_is_held(&lock));
	lockdep_assert_held(&lock);
	smp_store_release(&lock, 0);
	assert_false(lockdep_is_held(&lock));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutex_held_by_me),
		cmocka_unit_test(test_mutex_held_by_another),
		cmocka_unit_test(test_fork_child),
		cmocka_unit_test(test_spin_word),
	};

	return cmocka_run_group_tests_name("lib-lockdep", tests, NULL, NULL);
}
