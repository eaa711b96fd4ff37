/* SPDX-License-Identifier: MIT */
/*
 * <linux/spinlock.h>: spinlock_t on the same owner-aware pthread mutex as
 * struct mutex (a user-space thread holding a lock may be preempted, so
 * spinning buys nothing); the irqsave forms have no interrupts to save,
 * and @flags is set to 0.
 */
#ifndef DMAMAP_LINUX_SPINLOCK_H
#define DMAMAP_LINUX_SPINLOCK_H

#include <linux/mutex.h>

typedef struct spinlock {
	struct mutex m;		/* first: lockdep_assert_held() takes either */
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(name)	{ .m = __MUTEX_INITIALIZER(name.m) }
#define DEFINE_SPINLOCK(name)		spinlock_t name = __SPIN_LOCK_UNLOCKED(name)

static inline void spin_lock_init(spinlock_t *l)
{
	mutex_init(&l->m);
}

static inline void spin_lock(spinlock_t *l)
{
	mutex_lock(&l->m);
}

static inline void spin_unlock(spinlock_t *l)
{
	mutex_unlock(&l->m);
}

static inline int spin_trylock(spinlock_t *l)
{
	return mutex_trylock(&l->m);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return mutex_is_locked(&l->m);
}

#define spin_lock_irqsave(l, flags)		do { (flags) = 0; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags)	do { (void)(flags); spin_unlock(l); } while (0)
#define spin_lock_irq(l)			spin_lock(l)
#define spin_unlock_irq(l)			spin_unlock(l)
#define spin_lock_bh(l)				spin_lock(l)
#define spin_unlock_bh(l)			spin_unlock(l)

#endif /* DMAMAP_LINUX_SPINLOCK_H */
