/* SPDX-License-Identifier: MIT */
/*
 * Internal structure of a context: the object table and the objects.
 *
 * Object lifetime follows drivers/iommu/iommufd/main.c. An object's ID is
 * reserved when construction starts (the slot holds the object but it is not
 * yet "finalized", so lookups and DESTROY see ENOENT) and published by
 * iommufd_object_finalize() once nothing can fail any more; a failed
 * construction gives the ID back, so the next allocation reuses it.
 *
 * `users` counts long-term references, the table's own included. The model
 * is single threaded per context, so the kernel's shortterm_users (which
 * only matter to concurrent ioctls) are not modelled; see SPEC.md.
 */
#ifndef MODEL_PRIVATE_H
#define MODEL_PRIVATE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/access.h>
#include <iommufd/model.h>
#include <iommufd/uapi.h>

#include "iommu.h"
#include "iopt/io_pagetable.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_SELFTEST,
	IOMMUFD_OBJ_MAX,
};

struct iommufd_object {
	uint32_t id;
	enum iommufd_object_type type;
	uint32_t users;
	bool finalized;
};

/* xa_limit_31b: IDs live in [1, 2^31 - 1] */
#define IOMMUFD_ID_MAX 0x7fffffffu

struct iommufd_objects {
	struct iommufd_object **slot; /* slot[id], id 0 unused */
	uint32_t cap;		      /* slots allocated */
	uint32_t count;		      /* occupied slots (placeholders too) */
	uint32_t lowest_free;	      /* no free ID below this */
};

struct iommufd_ctx {
	const struct iommufd_env *env;
	struct iommufd_objects objects;
	uint8_t account_mode; /* IOPT_PAGES_ACCOUNT_USER or _MM */
	struct iommufd_ioas *vfio_ioas; /* compat IOAS, not a reference */
	bool no_iommu_mode; /* VFIO attached a no-iommu group (for good) */
	struct iommufd_group *groups;	/* groups with a bound device */
	/*
	 * References on the iommufd file from inside (iommufd_ctx_get()): a
	 * bound non-selftest device, an access, an open fault fd. close only
	 * marks the context and the last of these releases it.
	 */
	uint32_t file_refs;
	bool closed;
	/* fault.c: open fault files by fd, attach handles of fault HWPTs */
	struct iommufd_fault *fault_files;
	struct iommufd_attach_handle *fault_handles;
	struct staccess *staccesses; /* IOMMU_TEST_CMD access files */
};

struct iommufd_hwpt_paging;

struct iommufd_ioas {
	struct iommufd_object obj;
	struct io_pagetable iopt;
	/* HWPT_PAGINGs on this IOAS in creation order (ioas->hwpt_list) */
	struct iommufd_hwpt_paging **hwpts;
	uint32_t nhwpts, hwpts_cap;
};

/* The common part of HWPT_PAGING and HWPT_NESTED */
struct iommufd_hw_pagetable {
	struct iommufd_object obj;
	struct iommu_domain *domain;
	struct iommufd_fault *fault;
};

struct iommufd_hwpt_paging {
	struct iommufd_hw_pagetable common;
	struct iommufd_ioas *ioas;
	bool auto_domain;
	bool enforce_cache_coherency;
	bool nest_parent;
	bool in_list; /* on ioas->hwpts, i.e. added to the io_pagetable */
};

struct iommufd_hwpt_nested {
	struct iommufd_hw_pagetable common;
	struct iommufd_hwpt_paging *parent;
};

struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_ioas *ioas;	 /* where new pins go */
	struct iommufd_ioas *ioas_unpin; /* where existing pins live */
	struct iopt_access iopt;	 /* unmap notifier, alignment */
	const struct iommufd_access_ops *ops;
	void *data;
};

struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_dev *dev;
	struct iommufd_group *igroup;
	bool enforce_cache_coherency;
	/*
	 * fault.c: IOPF enables (idev->iopf_enabled), whether the driver
	 * gave the device a fault param (iopf_queue_add_device), and the
	 * param's partial requests awaiting their group's last page
	 */
	uint32_t iopf_enabled;
	bool iopf_param;
	struct iopf_fault *iopf_partial;
	uint32_t iopf_npartial, iopf_partial_cap;
};

static inline struct iommufd_hwpt_paging *
to_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	return container_of(hwpt, struct iommufd_hwpt_paging, common);
}

/* The paging HWPT behind @hwpt (its parent for a nested one) */
static inline struct iommufd_hwpt_paging *
find_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING)
		return to_hwpt_paging(hwpt);
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED)
		return container_of(hwpt, struct iommufd_hwpt_nested, common)
			->parent;
	return NULL;
}

/* object.c */
struct iommufd_object *iommufd_object_alloc(struct iommufd_ctx *ictx,
					    size_t size,
					    enum iommufd_object_type type,
					    int *err);
void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj);
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj);
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx,
					  uint32_t id,
					  enum iommufd_object_type type);
int iommufd_object_remove(struct iommufd_ctx *ictx, uint32_t id);
void iommufd_objects_destroy_all(struct iommufd_ctx *ictx);
void iommufd_objects_free(struct iommufd_objects *objs);
void iommufd_object_destroy(struct iommufd_object *obj);

static inline struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx,
						    uint32_t id)
{
	struct iommufd_object *obj =
		iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);

	return obj ? container_of(obj, struct iommufd_ioas, obj) : NULL;
}

/*
 * The modelled release (model.h IOMMUFD_KERNEL_*), 0 read as 6.12; the
 * releases in between name where a feature appeared, for the checks
 */
#define IOMMUFD_KERNEL_6_7 0x0607u
#define IOMMUFD_KERNEL_6_11 0x060bu
static inline unsigned int iommufd_kernel(const struct iommufd_ctx *ictx)
{
	return ictx->env->kernel ? ictx->env->kernel : IOMMUFD_KERNEL_6_12;
}

/* The command being executed, as main.c's dispatcher hands it over */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	uint64_t ubuffer;
	uint32_t user_size;
	void *cmd;
	/*
	 * sizeof() the struct in the modelled kernel: an older release's
	 * struct ends before 6.12's, and it neither reads nor writes the tail
	 */
	uint32_t ksize;
};

/* Copy the kernel struct back: min(user_size, len, ksize) bytes */
int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t len);

static inline int iommufd_copy_from_user(struct iommufd_ctx *ictx, void *dst,
					 uint64_t uva, size_t len)
{
	return ictx->env->mem.ops->read(ictx->env->mem.priv, dst, uva, len);
}

static inline int iommufd_copy_to_user(struct iommufd_ctx *ictx, uint64_t uva,
				       const void *src, size_t len)
{
	return ictx->env->mem.ops->write(ictx->env->mem.priv, uva, src, len);
}

/* ioas.c */
struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx, int *err);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
int iommufd_ioas_option(struct iommufd_ucmd *ucmd);
int iommufd_option_rlimit_mode(struct iommu_option *cmd,
			       struct iommufd_ctx *ictx);

#include "fault.h"

/* main.c: tear a context down (close, or the last file_ref after close) */
void iommufd_ctx_release(struct iommufd_ctx *ictx);
/* One number space for the access and fault files of a context */
int iommufd_get_unused_fd(struct iommufd_ctx *ictx);
void iommufd_put_unused_fd(struct iommufd_ctx *ictx, int fd);
bool iommufd_selftest_fd_used(struct iommufd_ctx *ictx, int fd);
/* iommufd_ctx_get()/put(): a reference on the iommufd file */
void iommufd_ctx_get(struct iommufd_ctx *ictx);
void iommufd_ctx_put(struct iommufd_ctx *ictx);

/* dirty.c */
int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable);
int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct iommufd_ctx *ictx,
				   struct iommu_domain *domain,
				   const struct iommu_hwpt_get_dirty_bitmap *cmd);

/* selftest.c: IOMMU_TEST_CMD (IOMMUFD_CONFIG_TEST) */
int iommufd_test(struct iommufd_ucmd *ucmd);
void iommufd_selftest_destroy(struct iommufd_object *obj);
/* The DEVICE a MOCK_DOMAIN stdev bound, 0 once it is gone */
uint32_t iommufd_selftest_dev_id(const struct iommufd_object *obj);
void iommufd_test_syz_conv_iova_id(struct iommufd_ctx *ictx, uint32_t ioas_id,
				   uint64_t *iova, uint32_t *flags);

/* platform.c */
void iommufd_platform_remove_dev(struct iommufd_platform *p,
				 struct iommufd_dev *dev);

/* access.c */
void iommufd_access_destroy_object(struct iommufd_object *obj);

/* device.c */
void iommufd_device_destroy(struct iommufd_object *obj);
int iommufd_device_attach(struct iommufd_device *idev, uint32_t *pt_id);
int iommufd_device_replace(struct iommufd_device *idev, uint32_t *pt_id);
void iommufd_device_detach(struct iommufd_device *idev);
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct iommufd_dev *dev,
					   uint32_t *id, int *err);
void iommufd_device_unbind(struct iommufd_device *idev);
int iommufd_hw_pagetable_attach(struct iommufd_hw_pagetable *hwpt,
				struct iommufd_device *idev);
struct iommufd_hw_pagetable *
iommufd_hw_pagetable_detach(struct iommufd_device *idev);

/* hw_pagetable.c */
struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, uint32_t flags,
			  bool immediate_attach,
			  const struct iommu_user_data *user_data, int *err);
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj);
void iommufd_hwpt_nested_destroy(struct iommufd_object *obj);
/* Drop an attachment's reference; an unused auto HWPT is destroyed */
void iommufd_hw_pagetable_put(struct iommufd_ctx *ictx,
			      struct iommufd_hw_pagetable *hwpt);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd);

/* vfio_compat.c */
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd);
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			uint64_t arg);

/* fail.c: fault injection (model.h struct iommufd_fail_nth) */
#include "fail.h"

/* check.c */
int iommufd_check_ctx(const struct iommufd_ctx *ictx, char *why, size_t len);

/* After each call in an invariants build: a broken one is a model bug */
static inline void iommufd_debug_check(const struct iommufd_ctx *ictx)
{
#ifdef MODEL_DEBUG_INVARIANTS
	char why[256];

	if (iommufd_check_ctx(ictx, why, sizeof(why)))
		__builtin_trap();
#else
	(void)ictx;
#endif
}

#endif
