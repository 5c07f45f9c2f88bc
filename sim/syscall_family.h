/* SPDX-License-Identifier: MIT */
/*
 * libc's syscall() for an LD_PRELOAD library (the preload library and the
 * recorder). Programs that make their system calls through syscall(),
 * as syzkaller's C reproducers do (syscall(__NR_openat, ...),
 * syscall(__NR_ioctl, ...)), would otherwise reach the kernel past every
 * wrapper. The calls the library serves through libc wrappers go to those
 * wrappers, with the arguments the kernel would take from the registers;
 * every other number goes on to the next syscall(). Errors come back as
 * libc's syscall() returns them: -1 with errno set.
 *
 * The including file defines, before including this once, after
 * open_family.h: EXPORT, the wrappers named below, and
 *
 *   static long next_syscall(long nr, long a0, long a1, long a2, long a3,
 *                            long a4, long a5);
 *
 * which calls the next syscall() in the lookup order, never this one. The
 * library's own system calls must go through next_syscall() too.
 */
#ifndef SIM_SYSCALL_FAMILY_H
#define SIM_SYSCALL_FAMILY_H

#include <stdarg.h>
#include <sys/syscall.h>

EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6];

	/*
	 * Six arguments whatever the call takes, as libc's own syscall()
	 * does: the extra ones are whatever the registers held
	 */
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	switch (nr) {
#ifdef SYS_open
	case SYS_open:
		return do_openat(AT_FDCWD, (const char *)a[0], (int)a[1],
				 (mode_t)a[2]);
#endif
	case SYS_openat:
		return do_openat((int)a[0], (const char *)a[1], (int)a[2],
				 (mode_t)a[3]);
	case SYS_close:
		return close((int)a[0]);
#ifdef SYS_close_range
	case SYS_close_range:
		return close_range((unsigned int)a[0], (unsigned int)a[1],
				   (int)a[2]);
#endif
	case SYS_dup:
		return dup((int)a[0]);
#ifdef SYS_dup2
	case SYS_dup2:
		return dup2((int)a[0], (int)a[1]);
#endif
	case SYS_dup3:
		return dup3((int)a[0], (int)a[1], (int)a[2]);
	case SYS_fcntl:
		return fcntl((int)a[0], (int)a[1], (void *)a[2]);
	case SYS_ioctl:
		return ioctl((int)a[0], (unsigned long)a[1], (void *)a[2]);
	case SYS_read:
		return read((int)a[0], (void *)a[1], (size_t)a[2]);
	case SYS_write:
		return write((int)a[0], (const void *)a[1], (size_t)a[2]);
	default:
		return next_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

#endif
