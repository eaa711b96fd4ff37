/* SPDX-License-Identifier: MIT */
/* <linux/string.h>: the C library's, and the kernel's additions. */
#ifndef DMAMAP_LINUX_STRING_H
#define DMAMAP_LINUX_STRING_H

#include <string.h>
#include <sys/types.h>

#include <linux/types.h>
#include <linux/errno.h>

/* Copies at most @size - 1 bytes and terminates; -E2BIG when @src did not fit. */
static inline ssize_t strscpy(char *dest, const char *src, size_t size)
{
	size_t n;

	if (size == 0)
		return -E2BIG;
	n = strnlen(src, size);
	if (n == size) {
		memcpy(dest, src, size - 1);
		dest[size - 1] = 0;
		return -E2BIG;
	}
	memcpy(dest, src, n + 1);
	return (ssize_t)n;
}

static inline void *memset32(u32 *s, u32 v, size_t count)
{
	for (size_t i = 0; i < count; i++)
		s[i] = v;
	return s;
}

static inline bool mem_is_zero(const void *s, size_t n)
{
	const u8 *p = (const u8 *)s;

	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#endif /* DMAMAP_LINUX_STRING_H */
