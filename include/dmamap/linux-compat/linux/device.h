/* SPDX-License-Identifier: MIT */
/*
 * <linux/device.h>: struct device (dmamap's, with the fields drivers read),
 * references, driver data, and the device log: dev_err() and friends print
 * one line with the device's name on dmamap's log, counted per level.
 */
#ifndef DMAMAP_LINUX_DEVICE_H
#define DMAMAP_LINUX_DEVICE_H

#include <dmamap/device.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/slab.h>

#define dev_printk(level, dev, fmt, ...)	dmamap_printk(dev, level fmt, ##__VA_ARGS__)
#define dev_emerg(dev, fmt, ...)	dev_printk(KERN_EMERG, dev, fmt, ##__VA_ARGS__)
#define dev_alert(dev, fmt, ...)	dev_printk(KERN_ALERT, dev, fmt, ##__VA_ARGS__)
#define dev_crit(dev, fmt, ...)		dev_printk(KERN_CRIT, dev, fmt, ##__VA_ARGS__)
#define dev_err(dev, fmt, ...)		dev_printk(KERN_ERR, dev, fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)		dev_printk(KERN_WARNING, dev, fmt, ##__VA_ARGS__)
#define dev_notice(dev, fmt, ...)	dev_printk(KERN_NOTICE, dev, fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...)		dev_printk(KERN_INFO, dev, fmt, ##__VA_ARGS__)
#ifdef DEBUG
#define dev_dbg(dev, fmt, ...)		dev_printk(KERN_DEBUG, dev, fmt, ##__VA_ARGS__)
#else
#define dev_dbg(dev, fmt, ...)	\
	do { if (0) dev_printk(KERN_DEBUG, dev, fmt, ##__VA_ARGS__); } while (0)
#endif
#define dev_vdbg			dev_dbg

#define dev_printk_once_(level, dev, fmt, ...) ({			\
	static bool dev_once_;						\
	if (!__atomic_exchange_n(&dev_once_, true, __ATOMIC_RELAXED))	\
		dev_printk(level, dev, fmt, ##__VA_ARGS__);		\
})
#define dev_err_once(dev, fmt, ...)	dev_printk_once_(KERN_ERR, dev, fmt, ##__VA_ARGS__)
#define dev_warn_once(dev, fmt, ...)	dev_printk_once_(KERN_WARNING, dev, fmt, ##__VA_ARGS__)
#define dev_info_once(dev, fmt, ...)	dev_printk_once_(KERN_INFO, dev, fmt, ##__VA_ARGS__)
/* No rate limit: every message of a test run is kept. */
#define dev_err_ratelimited(dev, fmt, ...)	dev_err(dev, fmt, ##__VA_ARGS__)
#define dev_warn_ratelimited(dev, fmt, ...)	dev_warn(dev, fmt, ##__VA_ARGS__)

/* Logs the error (not a deferral) and returns it, as probe functions use it. */
#define dev_err_probe(dev, err, fmt, ...) ({				\
	int dev_err_ = (err);						\
	if (dev_err_ != -EPROBE_DEFER)					\
		dev_err(dev, "error %pe: " fmt, ERR_PTR(dev_err_), ##__VA_ARGS__); \
	dev_err_;							\
})

#endif /* DMAMAP_LINUX_DEVICE_H */
