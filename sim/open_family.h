/* SPDX-License-Identifier: MIT */
/*
 * The libc open() family for an LD_PRELOAD library (the preload library
 * and the recorder), every entry point a program may reach (the _2 ones
 * are what _FORTIFY_SOURCE compiles open() into) routed to one function
 * the including file defines first:
 *
 *   static int do_openat(int dirfd, const char *path, int flags,
 *                        mode_t mode);
 *
 * Included once, by the library's single source file, after EXPORT.
 */
#ifndef SIM_OPEN_FAMILY_H
#define SIM_OPEN_FAMILY_H

#include <fcntl.h>
#include <stdarg.h>

/* The mode argument exists only when the flags create a file */
#define OPEN_MODE(flags, last)                                  \
	({                                                      \
		mode_t m_ = 0;                                  \
		if ((flags) & (O_CREAT | __O_TMPFILE)) {       \
			va_list ap_;                            \
			va_start(ap_, last);                    \
			m_ = (mode_t)va_arg(ap_, int);          \
			va_end(ap_);                            \
		}                                               \
		m_;                                             \
	})

EXPORT int open(const char *path, int flags, ...)
{
	return do_openat(AT_FDCWD, path, flags, OPEN_MODE(flags, flags));
}

EXPORT int open64(const char *path, int flags, ...)
{
	return do_openat(AT_FDCWD, path, flags | O_LARGEFILE,
			 OPEN_MODE(flags, flags));
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	return do_openat(dirfd, path, flags, OPEN_MODE(flags, flags));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	return do_openat(dirfd, path, flags | O_LARGEFILE,
			 OPEN_MODE(flags, flags));
}

EXPORT int __open_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags | O_LARGEFILE, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags | O_LARGEFILE, 0);
}

#endif
