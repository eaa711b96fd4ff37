// SPDX-License-Identifier: MIT
/*
 * Reservation objects and the wait-die w/w mutex under them (see
 * <dmamap/dma-resv.h>). A mutex and a condition variable per lock: the
 * waiters re-check, each time they wake, whether they must die (their
 * context is younger than the holder's and holds locks of its own).
 */
#include <dmamap/dma-resv.h>

#include "mm/report.h"
#include "lib/lockdep.h"

DMAMAP_API struct ww_class reservation_ww_class = { .name = "reservation_ww_class" };

static unsigned long stamp_next;	/* atomic */

DMAMAP_API void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class)
{
	ctx->stamp = __atomic_add_fetch(&stamp_next, 1, __ATOMIC_RELAXED);
	ctx->acquired = 0;
	ctx->done = false;
	ctx->ww_class = ww_class;
}

DMAMAP_API void ww_acquire_done(struct ww_acquire_ctx *ctx)
{
	ctx->done = true;
}

DMAMAP_API void ww_acquire_fini(struct ww_acquire_ctx *ctx)
{
	if (ctx->acquired)
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"ww_acquire_fini: %u lock%s of the context still held",
				ctx->acquired, ctx->acquired == 1 ? "" : "s");
}

DMAMAP_API void dma_resv_init(struct dma_resv *obj)
{
	struct ww_mutex *l = &obj->lock;

	pthread_mutex_init(&l->wait_lock, NULL);
	pthread_cond_init(&l->wait, NULL);
	l->locked = false;
	l->ctx = NULL;
}

DMAMAP_API void dma_resv_fini(struct dma_resv *obj)
{
	struct ww_mutex *l = &obj->lock;

	if (l->locked)
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dma_resv_fini: %p is still locked", (void *)obj);
	pthread_cond_destroy(&l->wait);
	pthread_mutex_destroy(&l->wait_lock);
}

/* Under wait_lock: does @ctx die rather than wait for the holder? */
static bool must_die(const struct ww_mutex *l, const struct ww_acquire_ctx *ctx)
{
	lockdep_assert_held(&l->wait_lock);
	return ctx && ctx->acquired && l->ctx && ctx->stamp > l->ctx->stamp;
}

/*
 * Return: 0, -EALREADY, -EDEADLK (die); *@self_held when the thread holds
 * the lock outside @ctx, which the kernel would hang on (-EDEADLK too).
 */
static int ww_lock(struct ww_mutex *l, struct ww_acquire_ctx *ctx, bool slow, bool *self_held)
{
	pthread_t self = pthread_self();
	int ret = 0;

	*self_held = false;
	pthread_mutex_lock(&l->wait_lock);
	if (l->locked && ctx && l->ctx == ctx) {
		ret = -EALREADY;
		goto out;
	}
	if (l->locked && pthread_equal(l->owner, self) && (!ctx || l->ctx != ctx)) {
		*self_held = true;
		ret = -EDEADLK;
		goto out;
	}
	while (l->locked) {
		if (!slow && must_die(l, ctx)) {
			ret = -EDEADLK;
			goto out;
		}
		pthread_cond_wait(&l->wait, &l->wait_lock);
	}
	l->locked = true;
	l->owner = self;
	l->ctx = ctx;
	if (ctx)
		ctx->acquired++;
out:
	pthread_mutex_unlock(&l->wait_lock);
	return ret;
}

DMAMAP_API int dma_resv_lock(struct dma_resv *obj, struct ww_acquire_ctx *ctx)
{
	bool self_held;
	int ret;

	if (ctx && ctx->done) {
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dma_resv_lock: the context of %p was marked done", (void *)obj);
		return -EINVAL;
	}
	ret = ww_lock(&obj->lock, ctx, false, &self_held);
	if (self_held)
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dma_resv_lock: %p is held by this thread already; refused",
				(void *)obj);
	return ret;
}

DMAMAP_API void dma_resv_lock_slow(struct dma_resv *obj, struct ww_acquire_ctx *ctx)
{
	bool self_held;

	if (ctx && ctx->acquired)
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dma_resv_lock_slow: the context still holds %u lock%s (back off "
				"first)", ctx->acquired, ctx->acquired == 1 ? "" : "s");
	ww_lock(&obj->lock, ctx, true, &self_held);
	if (self_held)
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dma_resv_lock_slow: %p is held by this thread already; refused",
				(void *)obj);
}

DMAMAP_API bool dma_resv_trylock(struct dma_resv *obj)
{
	struct ww_mutex *l = &obj->lock;
	bool taken = false;

	pthread_mutex_lock(&l->wait_lock);
	if (!l->locked) {
		l->locked = true;
		l->owner = pthread_self();
		l->ctx = NULL;
		taken = true;
	}
	pthread_mutex_unlock(&l->wait_lock);
	return taken;
}

DMAMAP_API void dma_resv_unlock(struct dma_resv *obj)
{
	struct ww_mutex *l = &obj->lock;
	bool mine;

	pthread_mutex_lock(&l->wait_lock);
	mine = l->locked && pthread_equal(l->owner, pthread_self());
	if (mine) {
		if (l->ctx)
			l->ctx->acquired--;
		l->locked = false;
		l->ctx = NULL;
		pthread_cond_broadcast(&l->wait);
	}
	pthread_mutex_unlock(&l->wait_lock);
	if (!mine)
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"dma_resv_unlock: %p is not held by this thread; refused",
				(void *)obj);
}

DMAMAP_API bool dma_resv_is_locked(struct dma_resv *obj)
{
	bool locked;

	pthread_mutex_lock(&obj->lock.wait_lock);
	locked = obj->lock.locked;
	pthread_mutex_unlock(&obj->lock.wait_lock);
	return locked;
}

DMAMAP_API struct ww_acquire_ctx *dma_resv_locking_ctx(struct dma_resv *obj)
{
	struct ww_acquire_ctx *ctx;

	pthread_mutex_lock(&obj->lock.wait_lock);
	ctx = obj->lock.locked ? obj->lock.ctx : NULL;
	pthread_mutex_unlock(&obj->lock.wait_lock);
	return ctx;
}

DMAMAP_API bool dma_resv_held(struct dma_resv *obj)
{
	bool held;

	pthread_mutex_lock(&obj->lock.wait_lock);
	held = obj->lock.locked && pthread_equal(obj->lock.owner, pthread_self());
	pthread_mutex_unlock(&obj->lock.wait_lock);
	return held;
}

DMAMAP_API void dmamap_resv_assert_held(struct dma_resv *obj, const char *fn)
{
	if (!obj || !dma_resv_held(obj))
		mm_debug_report(NULL, NULL, DMAMAP_DEBUG_MISUSE, 0, 0, NULL, NULL,
				"%s: the reservation lock of %p is not held", fn, (void *)obj);
}
