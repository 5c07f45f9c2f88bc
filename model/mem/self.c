/* SPDX-License-Identifier: MIT */
/*
 * The "self" memory provider: user addresses are pointers into this
 * process. Every access goes through process_vm_readv/process_vm_writev on
 * our own pid because those report an unmapped or protected address as
 * EFAULT instead of raising SIGSEGV, which is what lets a model of
 * copy_from_user survive a bogus pointer in an ioctl argument.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <iommufd/mem.h>

#define SELF_PAGE_SHIFT 12
#define SELF_PAGE_SIZE (1ULL << SELF_PAGE_SHIFT)

/*
 * Pages probed per syscall when pinning: one iovec per page turns the
 * 262144 pages of a 1 GiB pin into about a thousand syscalls per pass,
 * while the arrays stay small enough for the stack (IOV_MAX is 1024).
 */
#define SELF_PROBE_BATCH 256

/* [uva, uva+len) must fit in the address space; len > 0 */
static bool self_range_ok(uint64_t uva, uint64_t len)
{
	if (uva > UINTPTR_MAX || len - 1 > UINTPTR_MAX - uva)
		return false;
	/* The syscalls refuse totals over SSIZE_MAX; no real range is so big */
	return len <= SSIZE_MAX;
}

static ssize_t self_vm_rw(bool write, const struct iovec *local,
			  unsigned long nlocal, const struct iovec *remote,
			  unsigned long nremote)
{
	pid_t pid = getpid();

	if (write)
		return process_vm_writev(pid, local, nlocal, remote, nremote,
					 0);
	return process_vm_readv(pid, local, nlocal, remote, nremote, 0);
}

/*
 * A short count from process_vm_* means "stopped at a fault" but the man
 * page does not promise it never stops early for other reasons, so retry
 * the remainder and let the retry report the fault.
 */
static int self_xfer(bool write, void *local, uint64_t uva, size_t len)
{
	int saved_errno = errno;
	size_t done = 0;
	int rc = 0;

	if (!len)
		return 0;
	if (!self_range_ok(uva, len))
		return -EFAULT;

	while (done < len) {
		struct iovec l = {
			.iov_base = (char *)local + done,
			.iov_len = len - done,
		};
		struct iovec r = {
			.iov_base = (void *)(uintptr_t)(uva + done),
			.iov_len = len - done,
		};
		ssize_t n = self_vm_rw(write, &l, 1, &r, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			rc = -EFAULT;
			break;
		}
		if (n < 0) {
			/*
			 * Anything but EFAULT (ENOSYS, EPERM from a seccomp
			 * filter, ENOMEM) is passed through: mapping it to
			 * EFAULT would make every address look bad and hide
			 * the real problem.
			 */
			rc = -errno;
			break;
		}
		done += (size_t)n;
	}
	errno = saved_errno;
	return rc;
}

static int self_read(void *priv, void *dst, uint64_t uva, size_t len)
{
	int rc = self_xfer(false, dst, uva, len);

	(void)priv;
	/*
	 * The syscall may have copied a prefix before faulting. Like the
	 * kernel's copy_from_user zeroing the uncopied tail, leave no half
	 * struct behind that a careless caller could act on.
	 */
	if (rc)
		memset(dst, 0, len);
	return rc;
}

/*
 * A fault part way through has already stored the prefix: process_vm_writev
 * cannot be undone, and the kernel's copy_to_user can likewise leave a
 * partial write behind when it returns non-zero. Only the return value is
 * all-or-nothing.
 */
static int self_write(void *priv, uint64_t uva, const void *src, size_t len)
{
	(void)priv;
	return self_xfer(true, (void *)src, uva, len);
}

/*
 * Probe one byte in each of @n pages starting at @uva: read it, and for a
 * write pin store the same byte back, which fails with EFAULT exactly when
 * the page is not writable. Returns 0 or a negative errno.
 *
 * The read-then-write-back is not atomic: another thread storing to that
 * byte in between loses its store. pin_user_pages has no such race, but
 * there is no crash-free way to ask "is this writable" from userspace that
 * does not write, and the model itself is single threaded.
 */
static int self_probe(uint64_t uva, size_t n, bool write)
{
	struct iovec remote[SELF_PROBE_BATCH];
	unsigned char bytes[SELF_PROBE_BATCH];
	struct iovec local = { .iov_base = bytes, .iov_len = n };
	ssize_t got;
	size_t i;

	for (i = 0; i < n; i++) {
		remote[i].iov_base =
			(void *)(uintptr_t)(uva + i * SELF_PAGE_SIZE);
		remote[i].iov_len = 1;
	}

	do {
		got = self_vm_rw(false, &local, 1, remote, n);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	if ((size_t)got != n)
		return -EFAULT;
	if (!write)
		return 0;

	do {
		got = self_vm_rw(true, &local, 1, remote, n);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	return (size_t)got == n ? 0 : -EFAULT;
}

/*
 * Nothing is really pinned: the PFN is the virtual page number, which is
 * fake but stable and distinct per page for as long as the mapping lives,
 * and that is all the model needs to track pages.
 */
static int self_pin(void *priv, uint64_t uva, size_t npages, bool write,
		    uint64_t *pfns)
{
	int saved_errno = errno;
	size_t done;
	int rc = 0;

	(void)priv;
	if (!npages)
		return 0;
	if (uva & (SELF_PAGE_SIZE - 1))
		return -EINVAL;
	if (npages > (UINTPTR_MAX >> SELF_PAGE_SHIFT) ||
	    !self_range_ok(uva, (uint64_t)npages << SELF_PAGE_SHIFT))
		return -EFAULT;

	/* Probe everything before filling anything: all or nothing */
	for (done = 0; done < npages && !rc; done += SELF_PROBE_BATCH) {
		size_t n = npages - done;

		if (n > SELF_PROBE_BATCH)
			n = SELF_PROBE_BATCH;
		rc = self_probe(uva + done * SELF_PAGE_SIZE, n, write);
	}
	errno = saved_errno;
	if (rc)
		return rc;

	for (done = 0; done < npages; done++)
		pfns[done] = (uva >> SELF_PAGE_SHIFT) + done;
	return 0;
}

/* No reference was taken, so there is nothing to drop */
static void self_unpin(void *priv, const uint64_t *pfns, size_t npages)
{
	(void)priv;
	(void)pfns;
	(void)npages;
}

/* The PFN of a pinned page is its page number, so the page is right there */
static void *self_pinned_page(void *priv, uint64_t pfn)
{
	return (void *)(uintptr_t)(pfn << SELF_PAGE_SHIFT);
}

static const struct iommufd_mem_ops self_ops = {
	.read = self_read,
	.write = self_write,
	.pin = self_pin,
	.unpin = self_unpin,
	.pinned_page = self_pinned_page,
};

struct iommufd_mem iommufd_mem_self(void)
{
	return (struct iommufd_mem){ .ops = &self_ops, .priv = NULL };
}
