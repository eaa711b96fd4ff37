/* SPDX-License-Identifier: MIT */
/*
 * <linux/refcount.h>: reference counts on atomics with the kernel's
 * saturation rules: incrementing from 0 (a use after free), or overflowing,
 * or decrementing below 0, warns (WARN, counted) and leaves the count
 * saturated so the object is never freed through it again.
 */
#ifndef DMAMAP_LINUX_REFCOUNT_H
#define DMAMAP_LINUX_REFCOUNT_H

#include <limits.h>

#include <linux/types.h>
#include <linux/bug.h>

typedef struct refcount_struct {
	int refs;	/* atomic */
} refcount_t;

#define REFCOUNT_INIT(n)	{ .refs = (n) }
#define REFCOUNT_MAX		INT_MAX
#define REFCOUNT_SATURATED	(INT_MIN / 2)

static inline void refcount_set(refcount_t *r, int n)
{
	__atomic_store_n(&r->refs, n, __ATOMIC_RELAXED);
}

static inline unsigned int refcount_read(const refcount_t *r)
{
	return (unsigned int)__atomic_load_n(&r->refs, __ATOMIC_RELAXED);
}

static inline void refcount_saturate_(refcount_t *r, const char *what)
{
	refcount_set(r, REFCOUNT_SATURATED);
	dmamap_warn(__FILE__, __LINE__, __func__, "refcount_t: %s; use-after-free.", what);
}

static inline bool refcount_add_not_zero(int i, refcount_t *r)
{
	int old = __atomic_load_n(&r->refs, __ATOMIC_RELAXED);

	do {
		if (!old)
			return false;
	} while (!__atomic_compare_exchange_n(&r->refs, &old, old + i, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	if (old < 0 || old + i < 0)
		refcount_saturate_(r, "saturated");
	return true;
}

static inline bool refcount_inc_not_zero(refcount_t *r)
{
	return refcount_add_not_zero(1, r);
}

static inline void refcount_add(int i, refcount_t *r)
{
	int old = __atomic_fetch_add(&r->refs, i, __ATOMIC_RELAXED);

	if (!old)
		refcount_saturate_(r, "addition on 0");
	else if (old < 0 || old + i < 0)
		refcount_saturate_(r, "saturated");
}

static inline void refcount_inc(refcount_t *r)
{
	refcount_add(1, r);
}

/* True when the count reached 0: the caller frees the object. */
static inline bool refcount_sub_and_test(int i, refcount_t *r)
{
	/* release for the other holders' last stores, acquire for the freer */
	int old = __atomic_fetch_sub(&r->refs, i, __ATOMIC_ACQ_REL);

	if (old == i)
		return true;
	if (old < 0 || old - i < 0)
		refcount_saturate_(r, "underflow");
	return false;
}

static inline bool refcount_dec_and_test(refcount_t *r)
{
	return refcount_sub_and_test(1, r);
}

static inline void refcount_dec(refcount_t *r)
{
	if (refcount_dec_and_test(r))
		refcount_saturate_(r, "decrement hit 0");
}

#endif /* DMAMAP_LINUX_REFCOUNT_H */
