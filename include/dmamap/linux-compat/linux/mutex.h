/* SPDX-License-Identifier: MIT */
/*
 * <linux/mutex.h>: a sleeping lock on a pthread mutex that knows its owner,
 * so mutex_is_locked() and lockdep_assert_held() answer, and an unlock by a
 * thread that does not hold it is warned about (counted) instead of done.
 */
#ifndef DMAMAP_LINUX_MUTEX_H
#define DMAMAP_LINUX_MUTEX_H

#include <pthread.h>

#include <linux/types.h>
#include <linux/bug.h>

struct mutex {
	pthread_mutex_t lock;
	pthread_t owner;	/* valid while held */
	int held;		/* atomic */
};

#define __MUTEX_INITIALIZER(name)	{ .lock = PTHREAD_MUTEX_INITIALIZER }
#define DEFINE_MUTEX(name)		struct mutex name = __MUTEX_INITIALIZER(name)

static inline void mutex_init(struct mutex *m)
{
	pthread_mutex_init(&m->lock, NULL);
	m->held = 0;
}

static inline void mutex_destroy(struct mutex *m)
{
	WARN_ON(__atomic_load_n(&m->held, __ATOMIC_RELAXED));
	pthread_mutex_destroy(&m->lock);
}

static inline void mutex_lock(struct mutex *m)
{
	pthread_mutex_lock(&m->lock);
	__atomic_store_n(&m->owner, pthread_self(), __ATOMIC_RELAXED);
	__atomic_store_n(&m->held, 1, __ATOMIC_RELAXED);
}

static inline int mutex_lock_interruptible(struct mutex *m)
{
	mutex_lock(m);
	return 0;
}

static inline int mutex_lock_killable(struct mutex *m)
{
	mutex_lock(m);
	return 0;
}

/* 1 when taken, as the kernel's. */
static inline int mutex_trylock(struct mutex *m)
{
	if (pthread_mutex_trylock(&m->lock))
		return 0;
	__atomic_store_n(&m->owner, pthread_self(), __ATOMIC_RELAXED);
	__atomic_store_n(&m->held, 1, __ATOMIC_RELAXED);
	return 1;
}

static inline bool mutex_is_locked(struct mutex *m)
{
	return __atomic_load_n(&m->held, __ATOMIC_RELAXED);
}

static inline bool mutex_held_by_me_(struct mutex *m)
{
	return __atomic_load_n(&m->held, __ATOMIC_ACQUIRE) &&
	       pthread_equal(__atomic_load_n(&m->owner, __ATOMIC_RELAXED), pthread_self());
}

static inline void mutex_unlock(struct mutex *m)
{
	if (WARN(!mutex_held_by_me_(m), "mutex_unlock of a mutex this thread does not hold"))
		return;
	__atomic_store_n(&m->held, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&m->lock);
}

/*
 * Does this thread hold @l, a struct mutex or a spinlock_t (whose first
 * member is its mutex)? Reported through WARN when not.
 */
#define lockdep_is_held(l)	mutex_held_by_me_((struct mutex *)(void *)(l))
#define lockdep_assert_held(l)	WARN_ON(!lockdep_is_held(l))

#endif /* DMAMAP_LINUX_MUTEX_H */
