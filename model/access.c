// SPDX-License-Identifier: MIT
/*
 * ACCESS objects: in-kernel users of an IOAS, after the iommufd_access
 * half of drivers/iommu/iommufd/device.c.
 *
 * `ioas` is where new pins go; `ioas_unpin` is where existing pins live.
 * They differ only while an IOAS change is unpinning, which the kernel
 * guards with EBUSY; the model is single threaded so they always match,
 * but both are kept so the unpin path reads like the kernel's.
 */
#include <stdlib.h>
#include <string.h>

#include <iommufd/access.h>

#include "private.h"

static void access_iopt_unmap(struct iopt_access *iopt_access, uint64_t iova,
			      uint64_t length)
{
	struct iommufd_access *access =
		container_of(iopt_access, struct iommufd_access, iopt);

	if (access->ops->unmap)
		access->ops->unmap(access->data, iova, length);
}

static const struct iopt_access_ops access_iopt_ops = {
	.unmap = access_iopt_unmap,
};

static int change_ioas(struct iommufd_access *access,
		       struct iommufd_ioas *new_ioas)
{
	struct iommufd_ioas *cur = access->ioas;
	/* iopt_add_access() below overwrites it with the new table's slot */
	uint32_t cur_id = access->iopt.iopt_access_list_id;
	int rc;

	if (cur != access->ioas_unpin)
		return -EBUSY;
	if (cur == new_ioas)
		return 0;
	access->ioas = NULL;
	if (new_ioas) {
		rc = iopt_add_access(&new_ioas->iopt, &access->iopt);
		if (rc) {
			access->ioas = cur;
			return rc;
		}
		new_ioas->obj.users++;
	}
	if (cur) {
		/* the driver lets go of every pin in the old IOAS */
		if (access->ops->unmap)
			access->ops->unmap(access->data, 0, UINT64_MAX);
		iopt_remove_access(&cur->iopt, &access->iopt, cur_id);
		cur->obj.users--;
	}
	access->ioas = new_ioas;
	access->ioas_unpin = new_ioas;
	return 0;
}

struct iommufd_access *iommufd_access_create(
	struct iommufd_ctx *ictx, const struct iommufd_access_ops *ops,
	void *data, uint32_t *out_id, int *err)
{
	struct iommufd_access *access;

	access = (struct iommufd_access *)iommufd_object_alloc(
		ictx, sizeof(*access), IOMMUFD_OBJ_ACCESS, err);
	if (!access)
		return NULL;
	access->data = data;
	access->ops = ops;
	access->iopt.ops = &access_iopt_ops;
	access->iopt.iova_alignment = ops->needs_pin_pages ? IOPT_PAGE_SIZE : 1;
	/* the creating driver's reference, dropped by destroy */
	access->obj.users++;
	access->ictx = ictx;
	iommufd_ctx_get(ictx);
	iommufd_object_finalize(ictx, &access->obj);
	*out_id = access->obj.id;
	return access;
}

void iommufd_access_destroy_object(struct iommufd_object *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);

	if (access->ioas)
		change_ioas(access, NULL);
}

void iommufd_access_destroy(struct iommufd_access *access)
{
	struct iommufd_ctx *ictx = access->ictx;

	/* iommufd_object_destroy_user(): the table's is then the only one */
	access->obj.users--;
	iommufd_object_remove(ictx, access->obj.id);
	iommufd_ctx_put(ictx);
}

int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id)
{
	struct iommufd_ioas *ioas;

	if (access->ioas)
		return -EINVAL;
	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (!ioas)
		return -ENOENT;
	return change_ioas(access, ioas);
}

int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id)
{
	struct iommufd_ioas *ioas;

	if (!access->ioas)
		return -ENOENT;
	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (!ioas)
		return -ENOENT;
	return change_ioas(access, ioas);
}

void iommufd_access_detach(struct iommufd_access *access)
{
	if (access->ioas)
		change_ioas(access, NULL);
}

int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova,
			     uint64_t length, uint64_t *pfns,
			     unsigned int flags)
{
	/* a CONFIG_IOMMUFD_TEST kernel WARNs and refuses a non-pinning access */
	if (access->iopt.iova_alignment != IOPT_PAGE_SIZE ||
	    !access->ops->unmap)
		return -EINVAL;
	if (!length)
		return -EINVAL;
	if (iova + (length - 1) < iova)
		return -EOVERFLOW;
	if (!access->ioas)
		return -ENOENT;
	return iopt_access_pin(&access->ioas->iopt, iova, length,
			       flags & IOMMUFD_ACCESS_RW_WRITE, pfns);
}

void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length)
{
	if (!access->ioas_unpin)
		return;
	iopt_access_unpin(&access->ioas_unpin->iopt, iova, length);
}

int iommufd_access_rw(struct iommufd_access *access, uint64_t iova,
		      void *data, size_t length, unsigned int flags)
{
	if (!length)
		return -EINVAL;
	if (iova + (length - 1) < iova)
		return -EOVERFLOW;
	if (!access->ioas)
		return -ENOENT;
	return iopt_access_rw(&access->ioas->iopt, access->ictx->env, iova, data,
			      length, flags);
}

uint32_t iommufd_access_id(const struct iommufd_access *access)
{
	return access->obj.id;
}
