/* SPDX-License-Identifier: MIT */
/* <linux/minmax.h>: type-checked min/max, as the kernel's (one evaluation of each operand). */
#ifndef DMAMAP_LINUX_MINMAX_H
#define DMAMAP_LINUX_MINMAX_H

/*
 * Each operand evaluated once. The kernel also rejects operands of mixed
 * signedness at build time; here the compiler's -Wsign-compare says so.
 */
#ifndef min
#define min(x, y) ({ __typeof__(x) min_x_ = (x); __typeof__(y) min_y_ = (y);	\
		     min_x_ < min_y_ ? min_x_ : min_y_; })
#define max(x, y) ({ __typeof__(x) max_x_ = (x); __typeof__(y) max_y_ = (y);	\
		     max_x_ > max_y_ ? max_x_ : max_y_; })
#endif
#ifndef min_t
#define min_t(type, x, y) ({ type min_x_ = (x); type min_y_ = (y); min_x_ < min_y_ ? min_x_ : min_y_; })
#define max_t(type, x, y) ({ type max_x_ = (x); type max_y_ = (y); max_x_ > max_y_ ? max_x_ : max_y_; })
#endif
#define min3(x, y, z)		min((__typeof__(x))min(x, y), z)
#define max3(x, y, z)		max((__typeof__(x))max(x, y), z)
#define min_not_zero(x, y) ({ __typeof__(x) mnz_x_ = (x); __typeof__(y) mnz_y_ = (y);	\
			      mnz_x_ == 0 ? mnz_y_ : (mnz_y_ == 0 ? mnz_x_ : min(mnz_x_, mnz_y_)); })
#define clamp(val, lo, hi)	min((__typeof__(val))max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define swap(a, b) do { __typeof__(a) swap_t_ = (a); (a) = (b); (b) = swap_t_; } while (0)

#endif /* DMAMAP_LINUX_MINMAX_H */
