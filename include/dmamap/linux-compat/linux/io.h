/* SPDX-License-Identifier: MIT */
/*
 * <linux/io.h>: register accessors on an __iomem pointer, such as the
 * register file of an MMIO region (dmamap_mmio_region_regs()). Each access is
 * one volatile load or store of its width, little endian as on arm64; the
 * ordered forms (readl/writel) fence as the kernel's do: a writel() follows
 * every earlier store to memory (a descriptor written before its doorbell),
 * and a readl() precedes every later load.
 */
#ifndef DMAMAP_LINUX_IO_H
#define DMAMAP_LINUX_IO_H

#include <string.h>

#include <linux/mm.h>
#include <linux/atomic.h>

static inline u8 __raw_readb(const volatile void __iomem *addr)
{
	return *(const volatile u8 *)addr;
}

static inline u16 __raw_readw(const volatile void __iomem *addr)
{
	return *(const volatile u16 *)addr;
}

static inline u32 __raw_readl(const volatile void __iomem *addr)
{
	return *(const volatile u32 *)addr;
}

static inline u64 __raw_readq(const volatile void __iomem *addr)
{
	return *(const volatile u64 *)addr;
}

static inline void __raw_writeb(u8 v, volatile void __iomem *addr)
{
	*(volatile u8 *)addr = v;
}

static inline void __raw_writew(u16 v, volatile void __iomem *addr)
{
	*(volatile u16 *)addr = v;
}

static inline void __raw_writel(u32 v, volatile void __iomem *addr)
{
	*(volatile u32 *)addr = v;
}

static inline void __raw_writeq(u64 v, volatile void __iomem *addr)
{
	*(volatile u64 *)addr = v;
}

#define readb_relaxed(a)	__raw_readb(a)
#define readw_relaxed(a)	__raw_readw(a)
#define readl_relaxed(a)	__raw_readl(a)
#define readq_relaxed(a)	__raw_readq(a)
#define writeb_relaxed(v, a)	__raw_writeb(v, a)
#define writew_relaxed(v, a)	__raw_writew(v, a)
#define writel_relaxed(v, a)	__raw_writel(v, a)
#define writeq_relaxed(v, a)	__raw_writeq(v, a)

#define readb(a)	({ u8 r_ = __raw_readb(a); smp_rmb(); r_; })
#define readw(a)	({ u16 r_ = __raw_readw(a); smp_rmb(); r_; })
#define readl(a)	({ u32 r_ = __raw_readl(a); smp_rmb(); r_; })
#define readq(a)	({ u64 r_ = __raw_readq(a); smp_rmb(); r_; })
#define writeb(v, a)	do { smp_wmb(); __raw_writeb(v, a); } while (0)
#define writew(v, a)	do { smp_wmb(); __raw_writew(v, a); } while (0)
#define writel(v, a)	do { smp_wmb(); __raw_writel(v, a); } while (0)
#define writeq(v, a)	do { smp_wmb(); __raw_writeq(v, a); } while (0)

#define ioread32(a)		readl(a)
#define iowrite32(v, a)		writel(v, a)
#define memcpy_toio(d, s, n)	memcpy((void *)(d), (s), (n))
#define memcpy_fromio(d, s, n)	memcpy((d), (const void *)(s), (n))
#define memset_io(d, c, n)	memset((void *)(d), (c), (n))

#endif /* DMAMAP_LINUX_IO_H */
