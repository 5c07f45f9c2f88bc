/* SPDX-License-Identifier: MIT */
/*
 * The memory provider: every byte of "user memory" the model touches goes
 * through these callbacks.
 *
 * The kernel reaches user memory in two ways: copy_from_user/copy_to_user
 * for ioctl structs and the arrays they point to, and pin_user_pages for the
 * pages behind an IOAS mapping. A provider implements both. Two providers
 * ship with the library:
 *
 *  - the calling process's own memory (iommufd_mem_self): user addresses are
 *    real pointers, a bad pointer is EFAULT rather than a crash;
 *  - simulated memory (iommufd_mem_sim): a sparse fake address space whose
 *    pages appear on first touch with stable fake PFNs, for replaying a trace
 *    without the process that recorded it.
 *
 * Providers report failure as a negative errno (-EFAULT for a bad address).
 */
#ifndef IOMMUFD_MEM_H
#define IOMMUFD_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommufd_mem_ops {
	/* copy_from_user: all of [uva, uva+len) or -EFAULT, nothing partial */
	int (*read)(void *priv, void *dst, uint64_t uva, size_t len);
	/* copy_to_user: all of [uva, uva+len) or -EFAULT */
	int (*write)(void *priv, uint64_t uva, const void *src, size_t len);
	/*
	 * pin_user_pages(FOLL_LONGTERM [| FOLL_WRITE]): uva is page aligned;
	 * fill pfns[0..npages) and take one pin on each page, or pin nothing and
	 * return -EFAULT. Pinning the same page twice takes two pins.
	 */
	int (*pin)(void *priv, uint64_t uva, size_t npages, bool write,
		   uint64_t *pfns);
	/* unpin_user_pages: drop one pin from each page */
	void (*unpin)(void *priv, const uint64_t *pfns, size_t npages);
	/*
	 * Optional (may be NULL): check_zeroed_user(). 1 if every byte of
	 * [uva, uva+len) is zero, 0 if one is not, -EFAULT. The dispatcher
	 * uses it for the trailing bytes of an oversized struct, which may be
	 * gigabytes long; without it those bytes are read through read().
	 */
	int (*check_zeroed)(void *priv, uint64_t uva, uint64_t len);
	/*
	 * Optional: the host address of the 4 KiB page with this PFN while
	 * this provider has it pinned, else NULL. It is how a simulated
	 * device's DMA and a guest's stage-1 page tables reach memory by
	 * physical address; without it DMA through domains fails (-EIO).
	 */
	void *(*pinned_page)(void *priv, uint64_t pfn);
	/*
	 * Optional: how many bytes of [uva, uva+len) from its start a
	 * read-only get_user_pages() would find mapped, without touching
	 * or pinning any of them. It lets the model probe a long range in
	 * one call instead of making every page of it exist; without it the
	 * model pins and unpins page by page.
	 */
	uint64_t (*present)(void *priv, uint64_t uva, uint64_t len);
};

struct iommufd_mem {
	const struct iommufd_mem_ops *ops;
	void *priv;
};

/* The calling process's memory. PFNs are the page numbers of the VAs. */
struct iommufd_mem iommufd_mem_self(void);

/*
 * Simulated memory. By default every address except the first page is
 * backed on demand; iommufd_mem_sim_set_strict() switches to "only what
 * was added with iommufd_mem_sim_add_range() exists".
 */
struct iommufd_mem_sim;
struct iommufd_mem_sim *iommufd_mem_sim_new(void);
void iommufd_mem_sim_free(struct iommufd_mem_sim *sim);
struct iommufd_mem iommufd_mem_sim_provider(struct iommufd_mem_sim *sim);
void iommufd_mem_sim_set_strict(struct iommufd_mem_sim *sim, bool strict);
/* Declare [uva, uva+len) present (writable when @writable); 0 or -errno */
int iommufd_mem_sim_add_range(struct iommufd_mem_sim *sim, uint64_t uva,
			      uint64_t len, bool writable);
/* Remove [uva, uva+len): later accesses fault like after munmap */
int iommufd_mem_sim_remove_range(struct iommufd_mem_sim *sim, uint64_t uva,
				 uint64_t len);
/*
 * The simulated machine's memory, in pages (0, the default: unbounded).
 * Once that many pages exist, a write or pin needing a new one fails with
 * -ENOMEM, as get_user_pages() does when memory runs out. Fuzzers and
 * untrusted traces need it: a one-line MAP of a terabyte followed by a
 * domain attach would otherwise have the model allocate without bound.
 */
void iommufd_mem_sim_set_max_pages(struct iommufd_mem_sim *sim, uint64_t max);
/* Pins currently held on the page containing uva (0 if never touched) */
uint64_t iommufd_mem_sim_pin_count(const struct iommufd_mem_sim *sim,
				   uint64_t uva);

/*
 * Another process's memory, by pid: copies through process_vm_readv/
 * writev (EFAULT once it is gone); a pin copies the page into memory the
 * provider owns, so a pinned page outlives its process like a pinned
 * physical page. For iommufd calls made by a task other than the caller
 * of the context (a forked child using an inherited iommufd).
 */
struct iommufd_mem_remote;
struct iommufd_mem_remote *iommufd_mem_remote_new(int pid);
/* Frees the pinned copies too: unpin everything first */
void iommufd_mem_remote_free(struct iommufd_mem_remote *r);
struct iommufd_mem iommufd_mem_remote_provider(struct iommufd_mem_remote *r);

#ifdef __cplusplus
}
#endif
#endif
