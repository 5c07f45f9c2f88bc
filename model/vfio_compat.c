// SPDX-License-Identifier: MIT
/*
 * VFIO container compatibility (drivers/iommu/iommufd/vfio_compat.c).
 *
 * IOMMU_VFIO_IOAS selects the IOAS the type1 container ioctls act on. The
 * container ioctls themselves (NR below 0x80, or past the iommufd table) are
 * not modelled yet and answer ENOTTY. The kernel builds vfio_compat.c
 * unconditionally, so a 6.12 /dev/iommu answers them whatever
 * CONFIG_IOMMUFD_VFIO_CONTAINER says (e.g. VFIO_GET_API_VERSION is 0);
 * SPEC.md lists this as not yet modelled.
 */
#include "private.h"

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!ucmd->ictx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = ucmd->ictx->vfio_ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		/* Not a reference: the IOAS can still be destroyed */
		ucmd->ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ucmd->ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			uint64_t arg)
{
	return -ENOTTY;
}
