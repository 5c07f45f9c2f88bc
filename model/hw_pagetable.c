// SPDX-License-Identifier: MIT
/*
 * HWPT_PAGING and HWPT_NESTED objects and their ioctls, after
 * drivers/iommu/iommufd/hw_pagetable.c.
 *
 * A paging HWPT owns a driver domain that the IOAS's io_pagetable keeps
 * filled with every mapping; it holds a reference on its IOAS. A nested
 * HWPT owns a driver domain built on its parent's (stage 2) and holds a
 * reference on the parent. Automatic HWPTs are made by attaching a device
 * to an IOAS and die with their last device.
 */
#include <stdlib.h>
#include <string.h>

#include "private.h"

static int ioas_list_add(struct iommufd_ioas *ioas,
			 struct iommufd_hwpt_paging *hwpt_paging)
{
	if (ioas->nhwpts == ioas->hwpts_cap) {
		uint32_t cap = ioas->hwpts_cap ? ioas->hwpts_cap * 2 : 4;
		struct iommufd_hwpt_paging **grown =
			realloc(ioas->hwpts, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ioas->hwpts = grown;
		ioas->hwpts_cap = cap;
	}
	ioas->hwpts[ioas->nhwpts++] = hwpt_paging;
	return 0;
}

static void ioas_list_del(struct iommufd_ioas *ioas,
			  struct iommufd_hwpt_paging *hwpt_paging)
{
	uint32_t i;

	for (i = 0; i < ioas->nhwpts; i++) {
		if (ioas->hwpts[i] == hwpt_paging) {
			memmove(&ioas->hwpts[i], &ioas->hwpts[i + 1],
				(ioas->nhwpts - i - 1) * sizeof(ioas->hwpts[0]));
			ioas->nhwpts--;
			return;
		}
	}
}

static void hwpt_common_destroy(struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt->domain)
		hwpt->domain->ops->free(hwpt->domain);
	if (hwpt->fault)
		hwpt->fault->obj.users--;
}

/* Also the abort path: in_list says how far construction got */
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt_paging =
		container_of(obj, struct iommufd_hwpt_paging, common.obj);

	if (hwpt_paging->in_list) {
		ioas_list_del(hwpt_paging->ioas, hwpt_paging);
		iopt_table_remove_domain(&hwpt_paging->ioas->iopt,
					 &hwpt_paging->common.domain->iopt);
		hwpt_paging->in_list = false;
	}
	hwpt_common_destroy(&hwpt_paging->common);
	hwpt_paging->ioas->obj.users--;
}

void iommufd_hwpt_nested_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_nested *hwpt_nested =
		container_of(obj, struct iommufd_hwpt_nested, common.obj);

	hwpt_common_destroy(&hwpt_nested->common);
	hwpt_nested->parent->common.obj.users--;
}

static int hwpt_paging_enforce_cc(struct iommufd_hwpt_paging *hwpt_paging)
{
	struct iommu_domain *domain = hwpt_paging->common.domain;

	if (hwpt_paging->enforce_cache_coherency)
		return 0;
	if (domain->ops->enforce_cache_coherency)
		hwpt_paging->enforce_cache_coherency =
			domain->ops->enforce_cache_coherency(domain);
	return hwpt_paging->enforce_cache_coherency ? 0 : -EINVAL;
}

struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, uint32_t flags,
			  bool immediate_attach,
			  const struct iommu_user_data *user_data, int *err)
{
	const uint32_t valid_flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
				     IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	const struct iommu_driver *drv = idev->dev->iommu->driver;
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_hw_pagetable *hwpt;
	int rc;

	if (flags & ~valid_flags) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !iommufd_dev_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING)) {
		*err = -EOPNOTSUPP;
		return NULL;
	}

	hwpt_paging = (struct iommufd_hwpt_paging *)iommufd_object_alloc(
		ictx, sizeof(*hwpt_paging), IOMMUFD_OBJ_HWPT_PAGING, err);
	if (!hwpt_paging)
		return NULL;
	hwpt = &hwpt_paging->common;
	ioas->obj.users++;
	hwpt_paging->ioas = ioas;
	hwpt_paging->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;

	hwpt->domain = drv->domain_alloc_user(idev->dev, ictx, flags, NULL,
					      user_data, &rc);
	if (!hwpt->domain)
		goto out_abort;
	hwpt->domain->owner = drv;

	if (idev->enforce_cache_coherency) {
		rc = hwpt_paging_enforce_cc(hwpt_paging);
		if (rc)
			goto out_abort;
	}
	if (immediate_attach) {
		rc = iommufd_hw_pagetable_attach(hwpt, idev);
		if (rc)
			goto out_abort;
	}
	rc = ioas_list_add(ioas, hwpt_paging);
	if (rc)
		goto out_detach;
	rc = iopt_table_add_domain(&ioas->iopt, &hwpt->domain->iopt);
	if (rc) {
		ioas_list_del(ioas, hwpt_paging);
		goto out_detach;
	}
	hwpt_paging->in_list = true;
	return hwpt_paging;

out_detach:
	if (immediate_attach) {
		iommufd_hw_pagetable_detach(idev);
		/* the attach's reference; the object is not visible yet */
		hwpt->obj.users--;
	}
out_abort:
	iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
	*err = rc;
	return NULL;
}

static struct iommufd_hwpt_nested *
hwpt_nested_alloc(struct iommufd_ctx *ictx, struct iommufd_hwpt_paging *parent,
		  struct iommufd_device *idev, uint32_t flags,
		  const struct iommu_user_data *user_data, int *err)
{
	const struct iommu_driver *drv = idev->dev->iommu->driver;
	/* before 6.11 a nested HWPT took no flag at all */
	const uint32_t valid_flags = iommufd_kernel(ictx) >= IOMMUFD_KERNEL_6_11 ?
					     IOMMU_HWPT_FAULT_ID_VALID :
					     0;
	struct iommufd_hwpt_nested *hwpt_nested;
	struct iommufd_hw_pagetable *hwpt;
	int rc;

	if ((flags & ~valid_flags) || !user_data->len) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->common.domain->owner != drv) {
		*err = -EINVAL;
		return NULL;
	}
	hwpt_nested = (struct iommufd_hwpt_nested *)iommufd_object_alloc(
		ictx, sizeof(*hwpt_nested), IOMMUFD_OBJ_HWPT_NESTED, err);
	if (!hwpt_nested)
		return NULL;
	hwpt = &hwpt_nested->common;
	parent->common.obj.users++;
	hwpt_nested->parent = parent;

	hwpt->domain = drv->domain_alloc_user(idev->dev, ictx,
					      flags & ~IOMMU_HWPT_FAULT_ID_VALID,
					      parent->common.domain, user_data,
					      &rc);
	if (!hwpt->domain)
		goto out_abort;
	hwpt->domain->owner = drv;
	if (hwpt->domain->type != IOMMU_DOMAIN_NESTED ||
	    !hwpt->domain->ops->cache_invalidate_user) {
		rc = -EINVAL;
		goto out_abort;
	}
	return hwpt_nested;

out_abort:
	iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
	*err = rc;
	return NULL;
}

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	const struct iommu_user_data user_data = {
		.type = cmd->data_type,
		.uptr = cmd->data_uptr,
		.len = cmd->data_len,
	};
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_object *pt_obj, *obj;
	struct iommufd_device *idev;
	/* 6.6: no flags yet, and pt_id could only be an IOAS */
	bool v6_6 = iommufd_kernel(ucmd->ictx) < IOMMUFD_KERNEL_6_7;
	int rc;

	if (cmd->__reserved || (v6_6 && cmd->flags))
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	obj = iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE);
	if (!obj)
		return -ENOENT;
	idev = container_of(obj, struct iommufd_device, obj);
	/* 6.6 looked up an IOAS: another object was ENOENT like none */
	if (v6_6 && !iommufd_get_ioas(ucmd->ictx, cmd->pt_id))
		return -ENOENT;
	/* an unknown pt_id is EINVAL here, not ENOENT */
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -EINVAL;

	if (pt_obj->type == IOMMUFD_OBJ_IOAS) {
		struct iommufd_hwpt_paging *hwpt_paging;

		hwpt_paging = iommufd_hwpt_paging_alloc(
			ucmd->ictx, container_of(pt_obj, struct iommufd_ioas, obj),
			idev, cmd->flags, false,
			user_data.len ? &user_data : NULL, &rc);
		if (!hwpt_paging)
			return rc;
		hwpt = &hwpt_paging->common;
	} else if (pt_obj->type == IOMMUFD_OBJ_HWPT_PAGING) {
		struct iommufd_hwpt_nested *hwpt_nested;

		hwpt_nested = hwpt_nested_alloc(
			ucmd->ictx,
			container_of(pt_obj, struct iommufd_hwpt_paging,
				     common.obj),
			idev, cmd->flags, &user_data, &rc);
		if (!hwpt_nested)
			return rc;
		hwpt = &hwpt_nested->common;
	} else {
		return -EINVAL;
	}

	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		struct iommufd_object *fobj = iommufd_get_object(
			ucmd->ictx, cmd->fault_id, IOMMUFD_OBJ_FAULT);

		if (!fobj) {
			rc = -ENOENT;
			goto out_hwpt;
		}
		hwpt->fault = container_of(fobj, struct iommufd_fault, obj);
		fobj->users++;
	}

	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_hwpt;
	iommufd_object_finalize(ucmd->ictx, &hwpt->obj);
	return 0;

out_hwpt:
	iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
	return rc;
}

void iommufd_hw_pagetable_put(struct iommufd_ctx *ictx,
			      struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING &&
	    to_hwpt_paging(hwpt)->auto_domain) {
		/*
		 * iommufd_object_put_and_try_destroy(): single threaded, so
		 * the try always finds the table's reference the only one
		 * left once the last device has gone.
		 */
		hwpt->obj.users--;
		if (hwpt->obj.users == 1)
			iommufd_object_remove(ictx, hwpt->obj.id);
		return;
	}
	hwpt->obj.users--;
}

/* ------------------------------------------------------------------ dirty */

static struct iommufd_hwpt_paging *get_hwpt_paging(struct iommufd_ctx *ictx,
						   uint32_t id)
{
	struct iommufd_object *obj =
		iommufd_get_object(ictx, id, IOMMUFD_OBJ_HWPT_PAGING);

	return obj ? container_of(obj, struct iommufd_hwpt_paging, common.obj) :
		     NULL;
}

int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt_paging = get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt_paging)
		return -ENOENT;
	return iopt_set_dirty_tracking(
		&hwpt_paging->ioas->iopt, hwpt_paging->common.domain,
		cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
}

int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt_paging = get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt_paging)
		return -ENOENT;
	return iopt_read_and_clear_dirty_data(
		&hwpt_paging->ioas->iopt, ucmd->ictx,
		hwpt_paging->common.domain, cmd);
}

/* ------------------------------------------------------------- invalidate */

/* 6.12.y backport: upper bounds on entry_num and entry_len */
#define IOMMU_HWPT_INVALIDATE_ENTRY_NUM_MAX (1u << 19)

int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommu_user_data_array array = {
		.type = cmd->data_type,
		.uptr = cmd->data_uptr,
		.entry_len = cmd->entry_len,
		.entry_num = cmd->entry_num,
	};
	struct iommufd_object *obj;
	struct iommufd_hw_pagetable *hwpt;
	uint32_t done_num = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num &&
	    (!cmd->data_uptr || !cmd->entry_len ||
	     cmd->entry_len > IOPT_PAGE_SIZE ||
	     cmd->entry_num > IOMMU_HWPT_INVALIDATE_ENTRY_NUM_MAX)) {
		rc = -EINVAL;
		goto out;
	}
	obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id,
				 IOMMUFD_OBJ_HWPT_NESTED);
	if (!obj) {
		rc = -ENOENT;
		goto out;
	}
	hwpt = container_of(obj, struct iommufd_hw_pagetable, obj);
	rc = hwpt->domain->ops->cache_invalidate_user(hwpt->domain, ucmd->ictx,
						      &array);
	done_num = array.entry_num;
out:
	/* written back whatever happened; a fault here overrides */
	cmd->entry_num = done_num;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}
