/* SPDX-License-Identifier: MIT */
/*
 * <linux/bug.h>: WARN() logs the warning with its place and counts it
 * (dmamap_warn_count()); BUG() logs and aborts the process, as an oops ends
 * the task that hit it.
 */
#ifndef DMAMAP_LINUX_BUG_H
#define DMAMAP_LINUX_BUG_H

#include <dmamap/printk.h>
#include <linux/compiler.h>

#define BUG()		dmamap_bug(__FILE__, __LINE__, __func__)
#define BUG_ON(cond)	do { if (unlikely(cond)) BUG(); } while (0)

#define WARN(cond, fmt, ...) ({						\
	bool warn_c_ = !!(cond);					\
	if (unlikely(warn_c_))						\
		dmamap_warn(__FILE__, __LINE__, __func__, fmt, ##__VA_ARGS__); \
	unlikely(warn_c_);						\
})
#define WARN_ON(cond) ({						\
	bool warn_c_ = !!(cond);					\
	if (unlikely(warn_c_))						\
		dmamap_warn(__FILE__, __LINE__, __func__, "%s", #cond);	\
	unlikely(warn_c_);						\
})
#define WARN_ONCE(cond, fmt, ...) ({					\
	static bool warned_once_;					\
	bool warn_c_ = !!(cond);					\
	if (unlikely(warn_c_) &&					\
	    !__atomic_exchange_n(&warned_once_, true, __ATOMIC_RELAXED))	\
		dmamap_warn(__FILE__, __LINE__, __func__, fmt, ##__VA_ARGS__); \
	unlikely(warn_c_);						\
})
#define WARN_ON_ONCE(cond)	WARN_ONCE(cond, "%s", #cond)

#define BUILD_BUG_ON(cond)		_Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
#define BUILD_BUG_ON_MSG(cond, msg)	_Static_assert(!(cond), msg)
#define BUILD_BUG()			_Static_assert(0, "BUILD_BUG")

#endif /* DMAMAP_LINUX_BUG_H */
