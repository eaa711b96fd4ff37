// SPDX-License-Identifier: MIT
/*
 * lib/atomic.h: each operation returns what the kernel's does (the old
 * value, the new one, or whether it reached zero), and under threads the
 * counters lose no update, a lock made of xchg() and smp_store_release()
 * excludes, and a release store publishes what was written before it.
 */
#include "test-util.h"
#include "lib/atomic.h"

#include <pthread.h>
#include <sched.h>

static void test_atomic_ops(void **state)
{
	atomic_t a = ATOMIC_INIT(5);
	int old = 7;

	(void)state;
	assert_int_equal(atomic_read(&a), 5);
	atomic_set(&a, 1);
	atomic_inc(&a);
	atomic_add(10, &a);
	atomic_sub(3, &a);
	atomic_dec(&a);
	assert_int_equal(atomic_read(&a), 8);
	assert_int_equal(atomic_add_return(2, &a), 10);
	assert_int_equal(atomic_sub_return(4, &a), 6);
	assert_int_equal(atomic_inc_return(&a), 7);
	assert_int_equal(atomic_dec_return(&a), 6);
	assert_int_equal(atomic_fetch_add(4, &a), 6);
	assert_int_equal(atomic_fetch_sub(9, &a), 10);
	assert_int_equal(atomic_read(&a), 1);
	assert_true(atomic_dec_and_test(&a));
	assert_false(atomic_dec_and_test(&a));		/* -1 */
	assert_int_equal(atomic_xchg(&a, 3), -1);
	/* cmpxchg gives the value it found, and stores only on a match */
	assert_int_equal(atomic_cmpxchg(&a, 2, 9), 3);
	assert_int_equal(atomic_read(&a), 3);
	assert_int_equal(atomic_cmpxchg(&a, 3, 9), 3);
	assert_int_equal(atomic_read(&a), 9);
	assert_false(atomic_try_cmpxchg(&a, &old, 1));
	assert_int_equal(old, 9);			/* the value found */
	assert_true(atomic_try_cmpxchg(&a, &old, 1));
	assert_int_equal(atomic_read(&a), 1);
	atomic_set_release(&a, 4);
	assert_int_equal(atomic_read_acquire(&a), 4);
}

static void test_atomic64_ops(void **state)
{
	atomic64_t a = ATOMIC64_INIT(1LL << 40);
	s64 old = 0;

	(void)state;
	/* 64 bits wide: nothing truncated to an int */
	assert_true(atomic64_add_return(1LL << 40, &a) == 1LL << 41);
	assert_true(atomic64_fetch_sub(1LL << 41, &a) == 1LL << 41);
	assert_true(atomic64_inc_return(&a) == 1);
	assert_true(atomic64_dec_and_test(&a));
	assert_true(atomic64_cmpxchg(&a, 0, -(1LL << 50)) == 0);
	assert_false(atomic64_try_cmpxchg(&a, &old, 5));
	assert_true(old == -(1LL << 50));
	assert_true(atomic64_xchg(&a, 7) == -(1LL << 50));
	assert_true(atomic64_read(&a) == 7);
}

static void test_plain_ops(void **state)
{
	u64 x = 3, seen = 0;
	unsigned long y = 1;

	(void)state;
	WRITE_ONCE(x, 4);
	assert_int_equal(READ_ONCE(x), 4);
	smp_store_release(&x, 5);
	assert_int_equal(smp_load_acquire(&x), 5);
	assert_int_equal(xchg(&x, 6), 5);
	assert_int_equal(cmpxchg(&x, 5, 8), 6);		/* no match: unchanged */
	assert_int_equal(x, 6);
	assert_int_equal(cmpxchg(&x, 6, 8), 6);
	assert_int_equal(x, 8);
	assert_false(try_cmpxchg(&y, &seen, 2));
	assert_int_equal(seen, 1);
	assert_true(try_cmpxchg(&y, &seen, 2));
	assert_int_equal(y, 2);
	assert_int_equal(xchg_acquire(&x, 9), 8);
	assert_int_equal(xchg_relaxed(&x, 10), 9);
	assert_int_equal(x, 10);
	seen = 1;
	assert_false(try_cmpxchg_relaxed(&y, &seen, 3));
	assert_int_equal(seen, 2);
	assert_true(try_cmpxchg_relaxed(&y, &seen, 3));
	assert_int_equal(y, 3);
	smp_mb();
	smp_rmb();
	smp_wmb();
	cpu_relax();
}

enum { NTHREADS = 4, ROUNDS = 20000, MESSAGES = 2000 };

struct shared {
	atomic_t count;
	atomic64_t count64;
	int lock;		/* 0 free, 1 held: xchg() to take, release store to give */
	unsigned long plain;	/* guarded by lock */
	pthread_barrier_t start;
};

static void *counter_fn(void *arg)
{
	struct shared *s = arg;

	pthread_barrier_wait(&s->start);
	for (int i = 0; i < ROUNDS; i++) {
		atomic_inc(&s->count);
		atomic64_add_return(2, &s->count64);
		for (unsigned int spins = 0; xchg(&s->lock, 1);)
			while (READ_ONCE(s->lock))
				if (++spins % 256)
					cpu_relax();
				else
					sched_yield();	/* the holder may be waiting for our CPU */
		s->plain++;
		smp_store_release(&s->lock, 0);
	}
	return NULL;
}

static void test_threads_lose_nothing(void **state)
{
	struct shared s = { .count = ATOMIC_INIT(0), .count64 = ATOMIC64_INIT(0) };
	pthread_t tid[NTHREADS];

	(void)state;
	pthread_barrier_init(&s.start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, counter_fn, &s), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&s.start);
	assert_int_equal(atomic_read(&s.count), NTHREADS * ROUNDS);
	assert_true(atomic64_read(&s.count64) == 2LL * NTHREADS * ROUNDS);
	assert_int_equal(s.plain, (unsigned long)NTHREADS * ROUNDS);
}

/* Message passing: what is written before a release store is seen after the acquire load. */
struct message {
	unsigned long payload[8];	/* plain */
	unsigned long seq;		/* release/acquire */
	unsigned long bad;
};

static void *reader_fn(void *arg)
{
	struct message *msg = arg;
	unsigned long last = 0;

	while (last < MESSAGES) {
		unsigned long seq = smp_load_acquire(&msg->seq);

		if (seq == last) {
			sched_yield();	/* the writer may share our CPU */
			continue;
		}
		for (int i = 0; i < 8; i++)
			if (msg->payload[i] != seq * 8 + (unsigned long)i)
				msg->bad++;
		last = seq;
		/* hand the buffer back: the writer waits for an even acknowledgement */
		smp_store_release(&msg->seq, seq | (1UL << 62));
		while (smp_load_acquire(&msg->seq) == (seq | (1UL << 62)))
			sched_yield();
	}
	return NULL;
}

static void test_release_publishes(void **state)
{
	struct message msg = { .seq = 0 };
	pthread_t tid;

	(void)state;
	assert_int_equal(pthread_create(&tid, NULL, reader_fn, &msg), 0);
	for (unsigned long seq = 1; seq <= MESSAGES; seq++) {
		for (int i = 0; i < 8; i++)
			msg.payload[i] = seq * 8 + (unsigned long)i;
		smp_store_release(&msg.seq, seq);
		while (smp_load_acquire(&msg.seq) != (seq | (1UL << 62)))
			sched_yield();
	}
	/* the last acknowledgement seen: let the reader leave */
	smp_store_release(&msg.seq, MESSAGES);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(msg.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_ops),
		cmocka_unit_test(test_atomic64_ops),
		cmocka_unit_test(test_plain_ops),
		cmocka_unit_test(test_threads_lose_nothing),
		cmocka_unit_test(test_release_publishes),
	};

	return cmocka_run_group_tests_name("lib-atomic", tests, NULL, NULL);
}
