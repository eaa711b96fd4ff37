/* SPDX-License-Identifier: MIT */
/*
 * <linux/compiler.h> for driver files built against dmamap (pkg-config
 * dmamap-linux): the kernel's annotations and READ_ONCE()/WRITE_ONCE().
 * Sparse address-space markers are empty, as in a kernel build without sparse.
 */
#ifndef DMAMAP_LINUX_COMPILER_H
#define DMAMAP_LINUX_COMPILER_H

#ifndef __iomem
#define __iomem
#endif
#ifndef __user
#define __user
#endif
#ifndef __kernel
#define __kernel
#endif
#ifndef __force
#define __force
#endif
#ifndef __rcu
#define __rcu
#endif
#ifndef __percpu
#define __percpu
#endif
#ifndef __must_check
#define __must_check		__attribute__((warn_unused_result))
#endif
#ifndef __maybe_unused
#define __maybe_unused		__attribute__((unused))
#endif
#ifndef __always_unused
#define __always_unused		__attribute__((unused))
#endif
#ifndef __always_inline
#define __always_inline		inline __attribute__((always_inline))
#endif
#ifndef noinline
#define noinline		__attribute__((noinline))
#endif
#ifndef __packed
#define __packed		__attribute__((packed))
#endif
#ifndef __aligned
#define __aligned(x)		__attribute__((aligned(x)))
#endif
#ifndef __cold
#define __cold			__attribute__((cold))
#endif
#ifndef __printf
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn		__attribute__((noreturn))
#endif
#ifndef __used
#define __used			__attribute__((used))
#endif
#ifndef __init
#define __init
#endif
#ifndef __exit
#define __exit
#endif
#ifndef __initdata
#define __initdata
#endif
#ifndef __read_mostly
#define __read_mostly
#endif
#ifndef __acquires
#define __acquires(x)
#endif
#ifndef __releases
#define __releases(x)
#endif
#ifndef __must_hold
#define __must_hold(x)
#endif
#ifndef fallthrough
#define fallthrough		__attribute__((fallthrough))
#endif

#ifndef likely
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#endif

#define barrier()		__asm__ __volatile__("" : : : "memory")

/* One access the compiler may neither tear, merge nor move out of a loop. */
#ifndef READ_ONCE
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)
#endif

#define data_race(expr)		(expr)

#endif /* DMAMAP_LINUX_COMPILER_H */
