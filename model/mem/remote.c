// SPDX-License-Identifier: MIT
/*
 * Another process's memory (iommufd_mem_remote): what iommufd sees of a
 * task other than the caller, e.g. a forked child that maps through an
 * inherited iommufd. Copies go through process_vm_readv/writev on its pid,
 * so they fail with EFAULT once the process is gone. Pinning copies the
 * page into memory this provider owns and hands out a PFN for it: a
 * pinned page stays readable after its process exits, as a pinned
 * physical page does.
 *
 * The copy is made at pin time; what the process writes to the page
 * later is not seen through the pin (SPEC.md says so).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <iommufd/mem.h>

#define REMOTE_PAGE 4096ull
/* PFNs well away from the other providers' */
#define REMOTE_PFN_BASE (1ull << 36)

struct remote_page {
	uint64_t uva;	/* page-aligned address in the process */
	uint64_t pfn;
	uint64_t pins;
	unsigned char data[REMOTE_PAGE];
};

struct iommufd_mem_remote {
	pid_t pid;
	struct remote_page **pages; /* by pfn - REMOTE_PFN_BASE */
	uint64_t npages, cap;
	uint64_t *free_slots;
	uint64_t nfree, free_cap;
};

static int xfer(struct iommufd_mem_remote *r, bool write, void *local,
		uint64_t uva, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct iovec l = { (char *)local + done, len - done };
		struct iovec rem = { (void *)(uintptr_t)(uva + done), len - done };
		ssize_t n = write ? process_vm_writev(r->pid, &l, 1, &rem, 1, 0) :
				    process_vm_readv(r->pid, &l, 1, &rem, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		/* ESRCH (gone), EFAULT, EPERM: the user memory is not there */
		if (n <= 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

static int remote_read(void *priv, void *dst, uint64_t uva, size_t len)
{
	return len ? xfer(priv, false, dst, uva, len) : 0;
}

static int remote_write(void *priv, uint64_t uva, const void *src, size_t len)
{
	return len ? xfer(priv, true, (void *)src, uva, len) : 0;
}

static struct remote_page *find_uva(struct iommufd_mem_remote *r, uint64_t uva)
{
	uint64_t i;

	for (i = 0; i < r->npages; i++)
		if (r->pages[i] && r->pages[i]->uva == uva)
			return r->pages[i];
	return NULL;
}

static struct remote_page *page_new(struct iommufd_mem_remote *r,
				    uint64_t uva)
{
	struct remote_page *p = calloc(1, sizeof(*p));
	uint64_t slot;

	if (!p)
		return NULL;
	if (r->nfree) {
		slot = r->free_slots[--r->nfree];
	} else {
		if (r->npages == r->cap) {
			uint64_t cap = r->cap ? r->cap * 2 : 16;
			struct remote_page **grown =
				realloc(r->pages, cap * sizeof(*grown));

			if (!grown) {
				free(p);
				return NULL;
			}
			r->pages = grown;
			r->cap = cap;
		}
		slot = r->npages++;
	}
	p->uva = uva;
	p->pfn = REMOTE_PFN_BASE + slot;
	r->pages[slot] = p;
	return p;
}

static void page_drop(struct iommufd_mem_remote *r, struct remote_page *p)
{
	uint64_t slot = p->pfn - REMOTE_PFN_BASE;

	if (--p->pins)
		return;
	r->pages[slot] = NULL;
	free(p);
	/* a full free list just leaks the slot number, never memory */
	if (r->nfree == r->free_cap) {
		uint64_t cap = r->free_cap ? r->free_cap * 2 : 16;
		uint64_t *grown = realloc(r->free_slots, cap * sizeof(*grown));

		if (!grown)
			return;
		r->free_slots = grown;
		r->free_cap = cap;
	}
	r->free_slots[r->nfree++] = slot;
}

static struct remote_page *by_pfn(struct iommufd_mem_remote *r, uint64_t pfn)
{
	if (pfn < REMOTE_PFN_BASE || pfn - REMOTE_PFN_BASE >= r->npages)
		return NULL;
	return r->pages[pfn - REMOTE_PFN_BASE];
}

static void remote_unpin(void *priv, const uint64_t *pfns, size_t npages)
{
	struct iommufd_mem_remote *r = priv;
	size_t i;

	for (i = 0; i < npages; i++) {
		struct remote_page *p = by_pfn(r, pfns[i]);

		if (p)
			page_drop(r, p);
	}
}

/* All or nothing: a page that cannot be read unpins what was pinned */
static int remote_pin(void *priv, uint64_t uva, size_t npages, bool write,
		      uint64_t *pfns)
{
	struct iommufd_mem_remote *r = priv;
	size_t i;

	for (i = 0; i < npages; i++) {
		uint64_t at = uva + i * REMOTE_PAGE;
		struct remote_page *p = find_uva(r, at);
		unsigned char probe;

		if (p) {
			/* the page must still be there to be pinned again */
			if (xfer(r, false, &probe, at, 1))
				goto fail;
			p->pins++;
			pfns[i] = p->pfn;
			continue;
		}
		p = page_new(r, at);
		if (!p)
			goto fail;
		if (xfer(r, false, p->data, at, REMOTE_PAGE) ||
		    (write && xfer(r, true, p->data, at, 1))) {
			p->pins = 1;
			page_drop(r, p);
			goto fail;
		}
		p->pins = 1;
		pfns[i] = p->pfn;
	}
	return 0;
fail:
	remote_unpin(r, pfns, i);
	return -EFAULT;
}

static void *remote_pinned_page(void *priv, uint64_t pfn)
{
	struct remote_page *p = by_pfn(priv, pfn);

	return p ? p->data : NULL;
}

static const struct iommufd_mem_ops remote_ops = {
	.read = remote_read,
	.write = remote_write,
	.pin = remote_pin,
	.unpin = remote_unpin,
	.pinned_page = remote_pinned_page,
};

struct iommufd_mem_remote *iommufd_mem_remote_new(int pid)
{
	struct iommufd_mem_remote *r = calloc(1, sizeof(*r));

	if (r)
		r->pid = pid;
	return r;
}

void iommufd_mem_remote_free(struct iommufd_mem_remote *r)
{
	uint64_t i;

	if (!r)
		return;
	for (i = 0; i < r->npages; i++)
		free(r->pages[i]);
	free(r->pages);
	free(r->free_slots);
	free(r);
}

struct iommufd_mem iommufd_mem_remote_provider(struct iommufd_mem_remote *r)
{
	return (struct iommufd_mem){ .ops = &remote_ops, .priv = r };
}
