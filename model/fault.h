/* SPDX-License-Identifier: MIT */
/*
 * FAULT objects, the fault file and I/O page fault delivery (fault.c),
 * after drivers/iommu/iommufd/fault.c and the routing half of
 * drivers/iommu/io-pgfault.c.
 *
 * Included by private.h once struct iommufd_object is known; everything
 * else here is private to fault.c, device.c's attach paths and the
 * checker.
 */
#ifndef MODEL_FAULT_H
#define MODEL_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iommufd_ctx;
struct iommufd_dev;
struct iommufd_device;
struct iommufd_group;
struct iommufd_hw_pagetable;
struct iommufd_ucmd;

/* include/linux/iommu.h: iommu_fault_page_request flags and perm */
#define IOMMU_FAULT_PAGE_REQUEST_PASID_VALID (1u << 0)
#define IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE (1u << 1)
#define IOMMU_FAULT_PERM_READ (1u << 0)
#define IOMMU_FAULT_PERM_WRITE (1u << 1)
#define IOMMU_FAULT_PERM_EXEC (1u << 2)
#define IOMMU_FAULT_PERM_PRIV (1u << 3)
#define IOMMU_NO_PASID 0u

/* enum iommu_page_response_code */
enum iommu_page_response_code {
	IOMMU_PAGE_RESP_SUCCESS = 0,
	IOMMU_PAGE_RESP_INVALID,
	IOMMU_PAGE_RESP_FAILURE,
};

/* One page request as the IOMMU driver reports it (iopf_fault.fault.prm) */
struct iopf_fault {
	uint32_t flags; /* IOMMU_FAULT_PAGE_REQUEST_* */
	uint32_t pasid;
	uint32_t grpid;
	uint32_t perm; /* IOMMU_FAULT_PERM_* */
	uint64_t addr;
};

/*
 * struct iommufd_attach_handle: a group's attachment to a HWPT that has a
 * fault object. Queued faults point at the handle they arrived through,
 * which is how detach and replace find the ones to answer. Handles of
 * HWPTs without a fault object are not kept: nothing can refer to them.
 */
struct iommufd_attach_handle {
	struct iommufd_group *igroup;
	struct iommufd_hw_pagetable *hwpt;
	/*
	 * handle->idev's id: the device that attached (or replaced) the
	 * group, which is what read() reports as dev_id for every device of
	 * the group. Kept by value so a queued fault never reaches a freed
	 * DEVICE.
	 */
	uint32_t dev_id;
	struct iommufd_attach_handle *next; /* ictx->fault_handles */
};

/* struct iopf_group: the faults of one page request group */
struct iopf_group {
	struct iopf_group *next; /* fault->deliver */
	struct iommufd_attach_handle *handle;
	struct iommufd_dev *dev; /* who raised it, and gets the response */
	uint32_t cookie;	 /* 0 until read() delivers it */
	uint32_t fault_count;
	struct iopf_fault faults[]; /* in report order, LAST_PAGE last */
};

struct iommufd_fault {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	/* Undelivered groups, oldest first; read() may put one back first */
	struct iopf_group *deliver, *deliver_tail;
	/*
	 * Delivered, unanswered groups by cookie (the kernel's response
	 * xarray: XA_FLAGS_ALLOC1, lowest free index first)
	 */
	struct iopf_group **response;
	uint32_t response_cap;
	uint32_t response_lowest_free;
	uint32_t response_count;
	/* The fault file; it holds one `users` reference while open */
	bool file_open;
	int fd;
	struct iommufd_fault *next_file; /* ictx->fault_files, by fd */
};

int iommufd_fault_alloc(struct iommufd_ucmd *ucmd);
void iommufd_fault_destroy(struct iommufd_object *obj);

/*
 * iommu_report_device_fault(): route one page request from @dev. 0 when
 * it was queued on a FAULT object (or held as a partial request of its
 * group); -EINVAL when nothing takes it (no attachment, a HWPT without a
 * fault object, IOPF not enabled on the device, no room for a partial
 * request), in which case the core has answered it INVALID; -ENOMEM when
 * the group could not be allocated, answered FAILURE.
 */
int iommufd_fault_report(struct iommufd_dev *dev, const struct iopf_fault *f);

/*
 * IOMMU_TEST_OP_TRIGGER_IOPF's request: one LAST_PAGE fault, PASID_VALID
 * when @pasid is not IOMMU_NO_PASID. The selftest ignores the outcome.
 */
void iommufd_fault_trigger_iopf(struct iommufd_dev *dev, uint32_t pasid,
				uint32_t grpid, uint32_t perm, uint64_t addr);

/*
 * device.c's calls, where 6.12's iommufd_hwpt_attach_device(),
 * _detach_device() and _replace_device() do the same. Attach: prepare
 * before the domain attach, abort if anything after it fails. Replace:
 * prepare before the domain switch (*handle receives the new attachment's
 * handle, if any), then commit or abort.
 */
int iommufd_fault_attach_prepare(struct iommufd_hw_pagetable *hwpt,
				 struct iommufd_device *idev);
void iommufd_fault_attach_abort(struct iommufd_hw_pagetable *hwpt,
				struct iommufd_device *idev);
void iommufd_fault_detach(struct iommufd_hw_pagetable *hwpt,
			  struct iommufd_device *idev);
int iommufd_fault_replace_prepare(struct iommufd_device *idev,
				  struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_hw_pagetable *old,
				  struct iommufd_attach_handle **handle);
void iommufd_fault_replace_abort(struct iommufd_device *idev,
				 struct iommufd_hw_pagetable *hwpt,
				 struct iommufd_hw_pagetable *old,
				 struct iommufd_attach_handle *handle);
void iommufd_fault_replace_commit(struct iommufd_device *idev,
				  struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_hw_pagetable *old,
				  struct iommufd_attach_handle *handle);
/* A DEVICE going away drops what IOPF state it still has */
void iommufd_fault_device_destroy(struct iommufd_device *idev);

/* check.c: queues, cookies, handles and the file list are consistent */
int iommufd_fault_check_ctx(const struct iommufd_ctx *ictx, char *why,
			    size_t len);

#endif
