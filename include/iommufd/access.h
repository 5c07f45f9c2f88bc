/* SPDX-License-Identifier: MIT */
/*
 * In-kernel users of an IOAS (struct iommufd_access of
 * include/linux/iommufd.h): emulated devices such as VFIO mdev drivers,
 * which have no IOMMU and instead pin the pages behind IOVAs or copy
 * through them.
 *
 * An access is created on a context, then attached to an IOAS. While
 * attached it may pin pages and read or write through IOVAs; when the
 * user unmaps IOVA it has pinned, unmap() is called and must unpin
 * everything in the range before returning (otherwise IOAS_UNMAP gives up
 * with EDEADLK). An access holds its IOAS (IOMMU_DESTROY of it is EBUSY),
 * its own object (IOMMU_DESTROY of the access is EBUSY) and the context
 * (which outlives close until the access is destroyed).
 */
#ifndef IOMMUFD_ACCESS_H
#define IOMMUFD_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/model.h>

#ifdef __cplusplus
extern "C" {
#endif

/* iommufd_access_rw() / pin_pages() flags */
#define IOMMUFD_ACCESS_RW_READ 0
#define IOMMUFD_ACCESS_RW_WRITE (1u << 0)
/* The caller is a kernel thread: user memory is reached by its mm */
#define IOMMUFD_ACCESS_RW_KTHREAD (1u << 1)
/* Test kernels: take the page-by-page path even from the mapping task */
#define IOMMUFD_ACCESS_RW_SLOW_PATH (1u << 2)

struct iommufd_access;

struct iommufd_access_ops {
	/* pin_pages() is used: IOVAs must then be page aligned */
	bool needs_pin_pages;
	/* Unpin everything pinned in [iova, iova + length) */
	void (*unmap)(void *data, uint64_t iova, uint64_t length);
};

/* NULL and *err (-ENOMEM, -EBUSY for a full ID space) on failure */
struct iommufd_access *iommufd_access_create(
	struct iommufd_ctx *ctx, const struct iommufd_access_ops *ops,
	void *data, uint32_t *out_id, int *err);
/* Detaches if attached, then destroys; may release a closed context */
void iommufd_access_destroy(struct iommufd_access *access);
/*
 * 0, -EINVAL (already attached), -ENOENT (no such IOAS), -EADDRINUSE (an
 * area breaks the page alignment a pinning access needs).
 */
int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id);
/* Move to another IOAS, unpinning everything first; -ENOENT if detached */
int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id);
void iommufd_access_detach(struct iommufd_access *access);

/*
 * Pin the pages of [iova, iova + length) and store one PFN per page in
 * @pfns (may be NULL). The range must be covered by contiguous areas whose
 * inner boundaries fall on page boundaries. -EINVAL, -EOVERFLOW, -ENOENT,
 * -EPERM (area protection), -EFAULT, -ENOMEM (locked-memory limit).
 */
int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova,
			     uint64_t length, uint64_t *pfns,
			     unsigned int flags);
void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length);
/* Copy to (@flags has WRITE) or from the user memory behind the IOVAs */
int iommufd_access_rw(struct iommufd_access *access, uint64_t iova,
		      void *data, size_t length, unsigned int flags);

uint32_t iommufd_access_id(const struct iommufd_access *access);

#ifdef __cplusplus
}
#endif

#endif
