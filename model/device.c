// SPDX-License-Identifier: MIT
/*
 * DEVICE objects: bind, attach, replace, detach and GET_HW_INFO, after
 * drivers/iommu/iommufd/device.c.
 *
 * Attachment is per IOMMU group: the first device of a group to attach
 * really attaches the domain, later ones only join the group's list, and
 * every device of the group must use the same HWPT. Each attached device
 * holds one `users` reference on its HWPT and one on itself, and brings
 * its reserved regions into the HWPT's IOAS with itself as owner.
 */
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "noiommu/noiommu.h"

#define PHYS_ADDR_MAX UINT64_MAX

/* ------------------------------------------------------------------ groups */

static struct iommufd_group *iommufd_get_group(struct iommufd_ctx *ictx,
					       struct iommufd_dev *dev,
					       int *err)
{
	struct iommufd_group *g;

	for (g = ictx->groups; g; g = g->next) {
		if (g->group_id == dev->group_id) {
			g->refs++;
			return g;
		}
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		*err = -ENOMEM;
		return NULL;
	}
	g->group_id = dev->group_id;
	g->refs = 1;
	g->sw_msi_start = PHYS_ADDR_MAX;
	g->next = ictx->groups;
	ictx->groups = g;
	return g;
}

static void iommufd_put_group(struct iommufd_ctx *ictx,
			      struct iommufd_group *igroup)
{
	struct iommufd_group **pp;

	if (--igroup->refs)
		return;
	for (pp = &ictx->groups; *pp != igroup; pp = &(*pp)->next)
		;
	*pp = igroup->next;
	free(igroup->devices);
	free(igroup);
}

static bool group_has_device(const struct iommufd_group *g,
			     const struct iommufd_device *idev)
{
	uint32_t i;

	for (i = 0; i < g->ndevices; i++)
		if (g->devices[i] == idev)
			return true;
	return false;
}

static int group_add_device(struct iommufd_group *g,
			    struct iommufd_device *idev)
{
	if (g->ndevices == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 4;
		struct iommufd_device **grown =
			realloc(g->devices, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		g->devices = grown;
		g->cap = cap;
	}
	g->devices[g->ndevices++] = idev;
	return 0;
}

static void group_del_device(struct iommufd_group *g,
			     struct iommufd_device *idev)
{
	uint32_t i;

	for (i = 0; i < g->ndevices; i++) {
		if (g->devices[i] == idev) {
			memmove(&g->devices[i], &g->devices[i + 1],
				(g->ndevices - i - 1) * sizeof(g->devices[0]));
			g->ndevices--;
			return;
		}
	}
}

/*
 * Another context owns the group's DMA (iommu_device_claim_dma_owner):
 * some device of the same group is bound elsewhere.
 */
static bool group_owned_elsewhere(const struct iommufd_dev *dev,
				  const struct iommufd_ctx *ictx)
{
	const struct iommufd_dev *d;

	for (d = dev->platform->devs; d; d = d->next)
		if (d->group_id == dev->group_id && d->ictx && d->ictx != ictx)
			return true;
	return false;
}

/* -------------------------------------------------------------------- bind */

struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct iommufd_dev *dev,
					   uint32_t *id, int *err)
{
	struct iommufd_device *idev;
	struct iommufd_group *igroup;
	/*
	 * EXPERIMENTAL noiommu cdev mode: without the config a device with
	 * no IOMMU takes the IOMMU path below and fails like in 6.12
	 */
	bool noiommu = iommufd_dev_is_noiommu(dev) &&
		       (ictx->env->config & IOMMUFD_CONFIG_NOIOMMU);

	if (noiommu) {
		/* The series' security parity with VFIO's group noiommu */
		if (!(ictx->env->caps & IOMMUFD_CAP_SYS_RAWIO)) {
			*err = -EPERM;
			return NULL;
		}
	} else if (!iommufd_dev_capable(dev, IOMMU_CAP_CACHE_COHERENCY)) {
		*err = -EINVAL;
		return NULL;
	}
	igroup = iommufd_get_group(ictx, dev, err);
	if (!igroup)
		return NULL;
	if (!dev->selftest && !noiommu && dev->desc.msi_unisolated) {
		/* allow_unsafe_interrupts is off, as it is by default */
		*err = -EPERM;
		goto out_put_group;
	}
	if (group_owned_elsewhere(dev, ictx)) {
		*err = -EPERM;
		goto out_put_group;
	}
	idev = (struct iommufd_device *)iommufd_object_alloc(
		ictx, sizeof(*idev), IOMMUFD_OBJ_DEVICE, err);
	if (!idev)
		goto out_put_group;
	idev->ictx = ictx;
	idev->dev = dev;
	idev->igroup = igroup;
	idev->enforce_cache_coherency =
		iommufd_dev_capable(dev, IOMMU_CAP_ENFORCE_CACHE_COHERENCY);
	/* The binding driver's reference, dropped by unbind */
	idev->obj.users++;
	if (!dev->selftest)
		iommufd_ctx_get(ictx);
	dev->ictx = ictx;
	dev->idev = idev;
	iommufd_object_finalize(ictx, &idev->obj);
	*id = idev->obj.id;
	return idev;

out_put_group:
	iommufd_put_group(ictx, igroup);
	return NULL;
}

void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev =
		container_of(obj, struct iommufd_device, obj);

	idev->dev->ictx = NULL;
	idev->dev->idev = NULL;
	iommufd_put_group(idev->ictx, idev->igroup);
	/* fault.c: IOPF state a WARN path left behind */
	iommufd_fault_device_destroy(idev);
}

/*
 * iommufd_object_destroy_user(): drop the driver's reference and destroy.
 * The caller has detached, so the table's reference is the only other.
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	struct iommufd_ctx *ictx = idev->ictx;

	idev->obj.users--;
	iommufd_object_remove(ictx, idev->obj.id);
}

/* ------------------------------------------------------- reserved regions */

/* iopt_table_enforce_dev_resv_regions() */
static int enforce_dev_resv_regions(struct io_pagetable *iopt,
				    struct iommufd_dev *dev,
				    uint64_t *sw_msi_start)
{
	struct iommufd_resv_region drv[8];
	size_t ndrv = 0, i, num_hw_msi = 0, num_sw_msi = 0;
	int rc;

	/* fail-nth: iommufd_should_fail() before anything is reserved */
	if (iommufd_should_fail(dev->ictx->env))
		return -EINVAL;
	if (dev->iommu->driver->resv_regions)
		ndrv = dev->iommu->driver->resv_regions(dev, drv, 8);
	for (i = 0; i < ndrv + dev->desc.nresv; i++) {
		const struct iommufd_resv_region *r =
			i < ndrv ? &drv[i] : &dev->resv[i - ndrv];

		if (r->type == IOMMUFD_RESV_DIRECT_RELAXABLE)
			continue;
		if (sw_msi_start && r->type == IOMMUFD_RESV_MSI)
			num_hw_msi++;
		if (sw_msi_start && r->type == IOMMUFD_RESV_SW_MSI) {
			*sw_msi_start = r->start;
			num_sw_msi++;
		}
		rc = iopt_reserve_iova(iopt, r->start, r->last, dev);
		if (rc)
			goto out_reserved;
	}
	/* Drivers must offer sane combinations of regions */
	if ((num_sw_msi && num_hw_msi) || num_sw_msi > 1) {
		rc = -EINVAL;
		goto out_reserved;
	}
	return 0;

out_reserved:
	iopt_remove_reserved_iova(iopt, dev);
	return rc;
}

static int attach_reserved_iova(struct iommufd_device *idev,
				struct iommufd_hwpt_paging *hwpt_paging)
{
	/* iommufd_group_setup_msi()'s cookie changes nothing observable */
	return enforce_dev_resv_regions(&hwpt_paging->ioas->iopt, idev->dev,
					&idev->igroup->sw_msi_start);
}

static void group_remove_reserved_iova(struct iommufd_group *igroup,
				       struct iommufd_hwpt_paging *hwpt_paging)
{
	uint32_t i;

	for (i = 0; i < igroup->ndevices; i++)
		iopt_remove_reserved_iova(&hwpt_paging->ioas->iopt,
					  igroup->devices[i]->dev);
}

/* ------------------------------------------------------- attach / detach */

/*
 * __iommu_group_set_domain(): every device of the group (bound or not)
 * moves to @domain, or on a refusal back to @old (the blocking domain
 * when NULL). The driver decides whether each device may use it.
 */
static int group_set_domain(struct iommufd_dev *dev, struct iommu_domain *domain,
			    struct iommu_domain *old)
{
	struct iommufd_dev *d, *undo;
	int rc;

	if (domain->owner != dev->iommu->driver)
		return -EINVAL;
	for (d = dev->platform->devs; d; d = d->next) {
		if (d->group_id != dev->group_id)
			continue;
		rc = domain->ops->attach_dev(domain, d);
		if (!rc)
			continue;
		for (undo = dev->platform->devs; undo != d; undo = undo->next) {
			if (undo->group_id != dev->group_id)
				continue;
			if (old)
				old->ops->attach_dev(old, undo);
			else if (undo->iommu->driver->block_dev)
				undo->iommu->driver->block_dev(undo);
		}
		return rc;
	}
	return 0;
}

static void group_block(struct iommufd_dev *dev)
{
	struct iommufd_dev *d;

	for (d = dev->platform->devs; d; d = d->next)
		if (d->group_id == dev->group_id && d->iommu->driver->block_dev)
			d->iommu->driver->block_dev(d);
}

static int hwpt_attach_domain(struct iommufd_hw_pagetable *hwpt,
			      struct iommufd_device *idev)
{
	return group_set_domain(idev->dev, hwpt->domain, NULL);
}

int iommufd_hw_pagetable_attach(struct iommufd_hw_pagetable *hwpt,
				struct iommufd_device *idev)
{
	struct iommufd_hwpt_paging *hwpt_paging = find_hwpt_paging(hwpt);
	struct iommufd_group *igroup = idev->igroup;
	int rc;

	if (igroup->hwpt && igroup->hwpt != hwpt)
		return -EINVAL;
	if (hwpt_paging) {
		rc = attach_reserved_iova(idev, hwpt_paging);
		if (rc)
			return rc;
	}
	if (!igroup->ndevices) {
		/* fault.c: IOPF on and the attach handle, as 6.12 does first */
		rc = iommufd_fault_attach_prepare(hwpt, idev);
		if (rc)
			goto err_unresv;
		rc = hwpt_attach_domain(hwpt, idev);
		if (rc) {
			iommufd_fault_attach_abort(hwpt, idev); /* fault.c */
			goto err_unresv;
		}
		igroup->hwpt = hwpt;
	}
	rc = group_add_device(igroup, idev);
	if (rc) {
		if (!igroup->ndevices) {
			iommufd_fault_attach_abort(hwpt, idev); /* fault.c */
			igroup->hwpt = NULL;
		}
		goto err_unresv;
	}
	hwpt->obj.users++;
	idev->dev->attached = true;
	return 0;

err_unresv:
	if (hwpt_paging)
		iopt_remove_reserved_iova(&hwpt_paging->ioas->iopt, idev->dev);
	return rc;
}

struct iommufd_hw_pagetable *iommufd_hw_pagetable_detach(
	struct iommufd_device *idev)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_hw_pagetable *hwpt = igroup->hwpt;
	struct iommufd_hwpt_paging *hwpt_paging = find_hwpt_paging(hwpt);

	group_del_device(igroup, idev);
	if (!igroup->ndevices) {
		igroup->hwpt = NULL;
		group_block(idev->dev);
		/* fault.c: pending faults answered, IOPF off */
		iommufd_fault_detach(hwpt, idev);
	}
	if (hwpt_paging)
		iopt_remove_reserved_iova(&hwpt_paging->ioas->iopt, idev->dev);
	idev->dev->attached = false;
	return hwpt;
}

typedef struct iommufd_hw_pagetable *(*attach_fn)(
	struct iommufd_device *idev, struct iommufd_hw_pagetable *hwpt,
	int *err);

static struct iommufd_hw_pagetable *do_attach(struct iommufd_device *idev,
					      struct iommufd_hw_pagetable *hwpt,
					      int *err)
{
	*err = iommufd_hw_pagetable_attach(hwpt, idev);
	return NULL;
}

static int group_do_replace_reserved_iova(struct iommufd_group *igroup,
					  struct iommufd_hwpt_paging *hwpt_paging)
{
	struct iommufd_hwpt_paging *old = find_hwpt_paging(igroup->hwpt);
	uint32_t i;
	int rc;

	if (!old || hwpt_paging->ioas != old->ioas) {
		for (i = 0; i < igroup->ndevices; i++) {
			rc = enforce_dev_resv_regions(&hwpt_paging->ioas->iopt,
						      igroup->devices[i]->dev,
						      NULL);
			if (rc)
				goto err_unresv;
		}
	}
	return 0;

err_unresv:
	group_remove_reserved_iova(igroup, hwpt_paging);
	return rc;
}

/*
 * Returns the HWPT the group leaves (whose references the caller drops),
 * NULL when nothing changed; *err on failure.
 */
static struct iommufd_hw_pagetable *do_replace(struct iommufd_device *idev,
					       struct iommufd_hw_pagetable *hwpt,
					       int *err)
{
	struct iommufd_hwpt_paging *hwpt_paging = find_hwpt_paging(hwpt);
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_hwpt_paging *old_paging;
	struct iommufd_hw_pagetable *old;
	struct iommufd_attach_handle *fault_handle; /* fault.c */
	uint32_t n;
	int rc;

	*err = 0;
	if (!igroup->hwpt || !group_has_device(igroup, idev)) {
		*err = -EINVAL;
		return NULL;
	}
	if (hwpt == igroup->hwpt)
		return NULL;

	old = igroup->hwpt;
	if (hwpt_paging) {
		rc = group_do_replace_reserved_iova(igroup, hwpt_paging);
		if (rc) {
			*err = rc;
			return NULL;
		}
	}
	/* fault.c: IOPF on if the new HWPT is the first to take faults */
	rc = iommufd_fault_replace_prepare(idev, hwpt, old, &fault_handle);
	if (!rc) {
		/* iommu_replace_group_handle(): straight to the new domain */
		rc = group_set_domain(idev->dev, hwpt->domain, old->domain);
		if (rc)
			iommufd_fault_replace_abort(idev, hwpt, old,
						    fault_handle);
	}
	if (rc) {
		if (hwpt_paging)
			group_remove_reserved_iova(igroup, hwpt_paging);
		*err = rc;
		return NULL;
	}
	/* fault.c: the old attachment's faults answered, IOPF maybe off */
	iommufd_fault_replace_commit(idev, hwpt, old, fault_handle);
	old_paging = find_hwpt_paging(old);
	if (old_paging && (!hwpt_paging || hwpt_paging->ioas != old_paging->ioas))
		group_remove_reserved_iova(igroup, old_paging);

	igroup->hwpt = hwpt;
	n = igroup->ndevices;
	hwpt->obj.users += n;
	/* the caller's put drops the last of the old HWPT's references */
	old->obj.users -= n - 1;
	return old;
}

/* iommufd_device_auto_get_domain() */
static struct iommufd_hw_pagetable *
auto_get_domain(struct iommufd_device *idev, struct iommufd_ioas *ioas,
		uint32_t *pt_id, attach_fn fn, int *err)
{
	bool immediate_attach = fn == do_attach;
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_hw_pagetable *destroy;
	uint32_t i;

	for (i = 0; i < ioas->nhwpts; i++) {
		hwpt_paging = ioas->hwpts[i];
		if (!hwpt_paging->auto_domain)
			continue;
		destroy = fn(idev, &hwpt_paging->common, err);
		if (*err == -EINVAL)
			continue;	/* incompatible, try the next */
		if (!*err)
			*pt_id = hwpt_paging->common.obj.id;
		return destroy;
	}

	*err = 0;
	hwpt_paging = iommufd_hwpt_paging_alloc(idev->ictx, ioas, idev, 0,
						immediate_attach, NULL, err);
	if (!hwpt_paging)
		return NULL;
	destroy = NULL;
	if (!immediate_attach) {
		destroy = fn(idev, &hwpt_paging->common, err);
		if (*err) {
			iommufd_object_abort_and_destroy(
				idev->ictx, &hwpt_paging->common.obj);
			return NULL;
		}
	}
	hwpt_paging->auto_domain = true;
	*pt_id = hwpt_paging->common.obj.id;
	iommufd_object_finalize(idev->ictx, &hwpt_paging->common.obj);
	return destroy;
}

static int change_pt(struct iommufd_device *idev, uint32_t *pt_id,
		     attach_fn fn)
{
	struct iommufd_hw_pagetable *destroy = NULL;
	struct iommufd_object *pt_obj;
	int rc = 0;

	pt_obj = iommufd_get_object(idev->ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -ENOENT;
	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_NESTED:
	case IOMMUFD_OBJ_HWPT_PAGING:
		destroy = fn(idev,
			     container_of(pt_obj, struct iommufd_hw_pagetable,
					  obj),
			     &rc);
		break;
	case IOMMUFD_OBJ_IOAS:
		destroy = auto_get_domain(
			idev, container_of(pt_obj, struct iommufd_ioas, obj),
			pt_id, fn, &rc);
		break;
	default:
		return -EINVAL;
	}
	if (rc)
		return rc;
	if (destroy)
		iommufd_hw_pagetable_put(idev->ictx, destroy);
	return 0;
}

int iommufd_device_attach(struct iommufd_device *idev, uint32_t *pt_id)
{
	int rc = change_pt(idev, pt_id, do_attach);

	if (rc)
		return rc;
	idev->obj.users++;
	return 0;
}

int iommufd_device_replace(struct iommufd_device *idev, uint32_t *pt_id)
{
	return change_pt(idev, pt_id, do_replace);
}

void iommufd_device_detach(struct iommufd_device *idev)
{
	struct iommufd_hw_pagetable *hwpt = iommufd_hw_pagetable_detach(idev);

	iommufd_hw_pagetable_put(idev->ictx, hwpt);
	idev->obj.users--;
}

/* ------------------------------------------------------------ GET_HW_INFO */

int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	const struct iommu_driver *drv;
	struct iommufd_object *obj;
	struct iommufd_device *idev;
	uint8_t data[256];
	uint32_t data_len = 0, type = IOMMU_HW_INFO_TYPE_NONE, copy;
	uint32_t flags_ok = 0, want = IOMMU_HW_INFO_TYPE_DEFAULT;
	/*
	 * 6.6 and 6.8 had no PASID width: bytes 28..31 were one __u32
	 * __reserved, checked whole and never written
	 */
	bool no_pasid_width = iommufd_kernel(ucmd->ictx) < IOMMUFD_KERNEL_6_12;
	uint64_t zero_at;
	int rc;

	/* 6.17's requested data type, at the level that has it */
	if (ucmd->ictx->env->config & IOMMUFD_CONFIG_SELFTEST_NEXT)
		flags_ok = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	if ((cmd->flags & ~flags_ok) || cmd->__reserved[0] ||
	    cmd->__reserved[1] || cmd->__reserved[2] ||
	    (no_pasid_width && cmd->out_max_pasid_log2))
		return -EOPNOTSUPP;
	if (cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		want = cmd->in_data_type;
	obj = iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE);
	if (!obj)
		return -ENOENT;
	idev = container_of(obj, struct iommufd_device, obj);
	drv = idev->dev->iommu->driver;

	if (drv->hw_info) {
		data_len = sizeof(data);
		rc = drv->hw_info(idev->dev, data, &data_len, &type);
		if (rc)
			return rc;
		/* a driver that has hw_info must report a real type */
		if (type == IOMMU_HW_INFO_TYPE_NONE)
			return -ENODEV;
	}
	/* the drivers refuse a type other than the default and their own */
	if (want != IOMMU_HW_INFO_TYPE_DEFAULT && want != type)
		return -EOPNOTSUPP;

	copy = cmd->data_len < data_len ? cmd->data_len : data_len;
	if (copy) {
		rc = iommufd_copy_to_user(ucmd->ictx, cmd->data_uptr, data, copy);
		if (rc)
			return -EFAULT;
	}
	/* Zero the rest of the user buffer, as far as the user said it goes */
	zero_at = cmd->data_uptr + copy;
	while (copy < cmd->data_len) {
		static const uint8_t zeros[256];
		uint32_t n = cmd->data_len - copy;

		if (n > sizeof(zeros))
			n = sizeof(zeros);
		if (iommufd_copy_to_user(ucmd->ictx, zero_at, zeros, n))
			return -EFAULT;
		zero_at += n;
		copy += n;
	}

	cmd->data_len = data_len;
	cmd->out_data_type = type;
	cmd->out_capabilities = 0;
	if (iommufd_dev_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	cmd->out_max_pasid_log2 =
		drv->max_pasid_log2 && !no_pasid_width ?
			drv->max_pasid_log2(idev->dev) :
			0;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}
