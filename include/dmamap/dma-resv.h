/* SPDX-License-Identifier: MIT */
/*
 * Reservation objects, as <linux/dma-resv.h>, with the wound/wait mutex
 * they are built on (<linux/ww_mutex.h>): the lock that the dma-buf calls
 * require or take, following the kernel's locking convention.
 *
 * The lock is the kernel's wait-die w/w mutex: a thread may take several
 * reservations in any order inside one acquire context; when it would wait
 * for a lock held by an older context while holding locks itself, the lock
 * call returns -EDEADLK and the caller backs off (drops what it holds, then
 * waits for the contended one with dma_resv_lock_slow()). Without a context
 * it is a plain mutex. Fences are not modelled: the reservation is its lock.
 *
 * Threads: a reservation is released by the thread that took it; threads
 * that contend for several follow the wait-die rule above. Taking a lock the
 * thread holds already, or releasing one it does not hold, is refused and
 * reported.
 */
#ifndef DMAMAP_DMA_RESV_H
#define DMAMAP_DMA_RESV_H

#include <pthread.h>

#include <dmamap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct ww_class - the lock class of reservation objects
 * @name: its name
 *
 * A tag: the model has one class, reservation_ww_class.
 */
struct ww_class {
	const char *name;
};

DMAMAP_API extern struct ww_class reservation_ww_class;

/**
 * struct ww_acquire_ctx - one transaction taking several w/w mutexes
 *
 * On the stack of the thread that takes the locks, between
 * ww_acquire_init() and ww_acquire_fini(). Its fields are private.
 */
struct ww_acquire_ctx {
	/* private: */
	unsigned long stamp;		/* lower is older */
	unsigned int acquired;		/* private: locks held in this context */
	bool done;			/* private: ww_acquire_done() was called */
	struct ww_class *ww_class;	/* private */
};

/**
 * struct ww_mutex - a wound/wait mutex (the wait-die kind)
 *
 * Its fields are private; a thread holds it between a lock call that
 * returned 0 and its unlock.
 */
struct ww_mutex {
	/* private: */
	pthread_mutex_t wait_lock;	/* guards the fields below */
	pthread_cond_t wait;		/* private */
	bool locked;			/* private */
	pthread_t owner;		/* private: valid while locked */
	struct ww_acquire_ctx *ctx;	/* private: the holder's context, or NULL */
};

/**
 * struct dma_resv - a reservation object
 * @lock: its lock, which the dma_resv_*() calls take and release
 *
 * Fences are not modelled: the reservation is its lock.
 */
struct dma_resv {
	struct ww_mutex lock;
};

/**
 * ww_acquire_init - start a transaction that takes several reservations
 * @ctx: the context, on the stack of the thread that takes the locks
 * @ww_class: the lock class (reservation_ww_class)
 *
 * The context gets a stamp younger than any before: when two transactions
 * want each other's locks, the younger one backs off (-EDEADLK).
 */
DMAMAP_API void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class);

/**
 * ww_acquire_done - end the locking phase of a transaction
 * @ctx: the context
 *
 * No lock may be taken in @ctx after it.
 */
DMAMAP_API void ww_acquire_done(struct ww_acquire_ctx *ctx);

/**
 * ww_acquire_fini - end a transaction
 * @ctx: the context; every lock of it must have been released
 */
DMAMAP_API void ww_acquire_fini(struct ww_acquire_ctx *ctx);

/**
 * dma_resv_init - initialise a reservation object
 * @obj: the object
 */
DMAMAP_API void dma_resv_init(struct dma_resv *obj);

/**
 * dma_resv_fini - tear a reservation object down
 * @obj: the object, not held
 */
DMAMAP_API void dma_resv_fini(struct dma_resv *obj);

/**
 * dma_resv_lock - take a reservation
 * @obj: the reservation
 * @ctx: the acquire context, or NULL for a lone lock
 *
 * Return: 0; -EALREADY when @ctx holds @obj already; -EDEADLK when @ctx holds
 * other locks and @obj is held by an older context: back off and retry with
 * dma_resv_lock_slow(). Without @ctx, always 0 (taking a reservation the
 * thread holds already is reported and refused with -EDEADLK, where the
 * kernel would hang).
 */
DMAMAP_API int dma_resv_lock(struct dma_resv *obj, struct ww_acquire_ctx *ctx);

/**
 * dma_resv_lock_interruptible - dma_resv_lock(), interruptible in the kernel
 * @obj: the reservation
 * @ctx: the acquire context, or NULL
 *
 * The model has no signals to interrupt the wait.
 *
 * Return: as dma_resv_lock().
 */
static inline int dma_resv_lock_interruptible(struct dma_resv *obj, struct ww_acquire_ctx *ctx)
{
	return dma_resv_lock(obj, ctx);
}

/**
 * dma_resv_lock_slow - take a reservation after backing off
 * @obj: the reservation that returned -EDEADLK
 * @ctx: the context, which holds nothing now
 *
 * Waits for @obj whatever its holder's age.
 */
DMAMAP_API void dma_resv_lock_slow(struct dma_resv *obj, struct ww_acquire_ctx *ctx);

/**
 * dma_resv_lock_slow_interruptible - dma_resv_lock_slow(), interruptible in the kernel
 * @obj: the reservation
 * @ctx: the context
 *
 * Return: 0 (the model has no signals).
 */
static inline int dma_resv_lock_slow_interruptible(struct dma_resv *obj,
						   struct ww_acquire_ctx *ctx)
{
	dma_resv_lock_slow(obj, ctx);
	return 0;
}

/**
 * dma_resv_trylock - take a reservation if it is free
 * @obj: the reservation
 *
 * Return: true when taken.
 */
DMAMAP_API bool dma_resv_trylock(struct dma_resv *obj);

/**
 * dma_resv_unlock - release a reservation
 * @obj: the reservation, held by the calling thread
 *
 * Releasing one the thread does not hold is reported and refused.
 */
DMAMAP_API void dma_resv_unlock(struct dma_resv *obj);

/**
 * dma_resv_is_locked - is the reservation held by anyone?
 * @obj: the reservation
 *
 * Return: true when held.
 */
DMAMAP_API bool dma_resv_is_locked(struct dma_resv *obj);

/**
 * dma_resv_locking_ctx - the context a reservation is held in
 * @obj: the reservation
 *
 * Return: the context, or NULL (free, or held without one).
 */
DMAMAP_API struct ww_acquire_ctx *dma_resv_locking_ctx(struct dma_resv *obj);

/**
 * dma_resv_held - does the calling thread hold the reservation?
 * @obj: the reservation
 *
 * Return: true when it does.
 */
DMAMAP_API bool dma_resv_held(struct dma_resv *obj);

/**
 * dma_resv_assert_held - the kernel's lockdep assertion
 * @obj: the reservation
 *
 * Reported (a DMA-API misuse without a device) when the calling thread does
 * not hold @obj; the caller's function name goes in the report.
 */
#define dma_resv_assert_held(obj) dmamap_resv_assert_held(obj, __func__)

/**
 * dmamap_resv_assert_held - what dma_resv_assert_held() calls
 * @obj: the reservation
 * @fn: the name of the asserting function, for the report
 */
DMAMAP_API void dmamap_resv_assert_held(struct dma_resv *obj, const char *fn);

#ifdef __cplusplus
}
#endif

#endif /* DMAMAP_DMA_RESV_H */
