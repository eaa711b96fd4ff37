// SPDX-License-Identifier: MIT
/*
 * The machine's statistics counters, per thread.
 *
 * Maps, unmaps, syncs and bus accesses count what they do. One shared
 * counter written by every thread would bounce its cache line between the
 * processors on every operation, which is what kept two threads on two
 * devices from going faster than one. So each thread that counts on a
 * machine gets a block of counters of its own, that only it writes (plain
 * relaxed load and store, no locked instruction); dmamap_machine_stats()
 * adds the blocks up. Gauges (bytes in use) go up in one thread's block and
 * down in another's: the sum is right modulo 2^64.
 *
 * A thread finds its block in a small thread-local table keyed by the
 * machine's serial number (never reused, unlike its address). A thread that
 * leaves, or that evicts an entry from its table, hands the block back to
 * its machine, if the machine still lives, for the next thread to take over
 * (its counts stay in the sum). Blocks are freed with the machine.
 */
#include "mm/mm.h"
#include "lib/lockdep.h"

#include <stdlib.h>

struct mm_ctr_block {
	struct mm_counters c;
	struct mm_ctr_block *next;	/* set->blocks; written under set->lock */
	bool owned;			/* a thread's table holds it; under set->lock */
};

__thread struct mm_ctr_tls_entry mm_ctr_tls[MM_CTR_TLS_SLOTS]
	__attribute__((tls_model("initial-exec")));

/* Live machines' counter sets, for handing blocks back safely. */
static pthread_mutex_t sets_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head sets = LIST_HEAD_INIT(sets);	/* guarded by sets_lock */
static u64 next_id = 1;					/* guarded by sets_lock */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;

/* Hands back the block of table entry @e, if its machine lives; under sets_lock. */
static void give_back_locked(struct mm_ctr_tls_entry *e)
{
	struct mm_counter_set *s;

	lockdep_assert_held(&sets_lock);
	if (!e->id)
		return;
	list_for_each_entry(s, &sets, node) {
		if (s->id == e->id) {
			pthread_mutex_lock(&s->lock);
			container_of(e->c, struct mm_ctr_block, c)->owned = false;
			pthread_mutex_unlock(&s->lock);
			break;
		}
	}
	e->id = 0;
}

static void thread_exit(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sets_lock);
	for (unsigned int i = 0; i < MM_CTR_TLS_SLOTS; i++)
		give_back_locked(&mm_ctr_tls[i]);
	pthread_mutex_unlock(&sets_lock);
}

static void key_init(void)
{
	pthread_key_create(&key, thread_exit);
}

/* Counts that could not get a block of their own (out of memory) go here. */
static struct mm_counters *fallback(struct dmamap_machine *m)
{
	return &m->ctrs.spill;
}

struct mm_counters *mm_counters_slow(struct dmamap_machine *m)
{
	struct mm_counter_set *s = &m->ctrs;
	struct mm_ctr_tls_entry *e = &mm_ctr_tls[s->id % MM_CTR_TLS_SLOTS];
	struct mm_ctr_block *b;

	pthread_once(&key_once, key_init);
	pthread_setspecific(key, (void *)1);	/* so that thread_exit() runs */
	if (e->id) {
		pthread_mutex_lock(&sets_lock);
		give_back_locked(e);
		pthread_mutex_unlock(&sets_lock);
	}
	pthread_mutex_lock(&s->lock);
	for (b = s->blocks; b && b->owned; b = b->next)
		;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b) {
			pthread_mutex_unlock(&s->lock);
			return fallback(m);
		}
		b->next = s->blocks;
		s->blocks = b;
	}
	b->owned = true;
	pthread_mutex_unlock(&s->lock);
	e->c = &b->c;
	e->id = s->id;
	return e->c;
}

void mm_counters_init(struct dmamap_machine *m)
{
	struct mm_counter_set *s = &m->ctrs;

	pthread_mutex_init(&s->lock, NULL);
	s->blocks = NULL;
	pthread_mutex_lock(&sets_lock);
	s->id = next_id++;
	list_add(&s->node, &sets);
	pthread_mutex_unlock(&sets_lock);
}

void mm_counters_exit(struct dmamap_machine *m)
{
	struct mm_counter_set *s = &m->ctrs;
	struct mm_ctr_block *b, *n;

	pthread_mutex_lock(&sets_lock);
	list_del_init(&s->node);
	pthread_mutex_unlock(&sets_lock);
	/* this thread's table may name the machine: a later one may not reuse the entry */
	for (unsigned int i = 0; i < MM_CTR_TLS_SLOTS; i++)
		if (mm_ctr_tls[i].id == s->id)
			mm_ctr_tls[i].id = 0;
	for (b = s->blocks; b; b = n) {
		n = b->next;
		free(b);
	}
	s->blocks = NULL;
	pthread_mutex_destroy(&s->lock);
}

void mm_counters_sum(struct dmamap_machine *m, struct mm_counters *out)
{
	struct mm_counter_set *s = &m->ctrs;
	const u64 *src;
	u64 *dst = (u64 *)out;
	const size_t n = sizeof(*out) / sizeof(u64);

	src = (const u64 *)&s->spill;
	for (size_t i = 0; i < n; i++)
		dst[i] = READ_ONCE(src[i]);
	pthread_mutex_lock(&s->lock);
	for (struct mm_ctr_block *b = s->blocks; b; b = b->next) {
		src = (const u64 *)&b->c;
		for (size_t i = 0; i < n; i++)
			dst[i] += READ_ONCE(src[i]);
	}
	pthread_mutex_unlock(&s->lock);
}
