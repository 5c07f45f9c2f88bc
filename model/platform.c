// SPDX-License-Identifier: MIT
/*
 * The simulated machine behind include/iommufd/platform.h, and the VFIO
 * cdev entry points (bind, attach-or-replace, detach) that drive
 * device.c the way drivers/vfio/iommufd.c does.
 */
#include <stdlib.h>
#include <string.h>

#include <iommufd/uapi_test.h>

#include "private.h"

static const struct iommu_driver *driver_for(enum iommufd_iommu_kind kind)
{
	switch (kind) {
	case IOMMUFD_IOMMU_MOCK:
		return &iommu_mock_driver;
	case IOMMUFD_IOMMU_INTEL_VTD:
		return &iommu_vtd_driver;
	case IOMMUFD_IOMMU_AMD:
		return &iommu_amd_driver;
	case IOMMUFD_IOMMU_NONE:
		return &iommu_noiommu_driver;
	default:
		return NULL;
	}
}

struct iommufd_platform *iommufd_platform_new(void)
{
	return calloc(1, sizeof(struct iommufd_platform));
}

void iommufd_platform_free(struct iommufd_platform *p)
{
	struct iommufd_dev *dev;

	if (!p)
		return;
	/* the device fds close: unbinding may release closed contexts */
	for (dev = p->devs; dev; dev = dev->next)
		iommufd_dev_unbind(dev);
	while (p->devs)
		iommufd_platform_remove_dev(p, p->devs);
	while (p->iommus) {
		struct iommufd_iommu *iommu = p->iommus;

		p->iommus = iommu->next;
		if (iommu->driver->iommu_release)
			iommu->driver->iommu_release(iommu);
		free(iommu);
	}
	free(p);
}

struct iommufd_iommu *iommufd_platform_add_iommu(
	struct iommufd_platform *p, const struct iommufd_iommu_desc *desc,
	int *err)
{
	const struct iommu_driver *drv = driver_for(desc->kind);
	struct iommufd_iommu *iommu;

	if (!drv) {
		*err = -EINVAL;
		return NULL;
	}
	iommu = calloc(1, sizeof(*iommu));
	if (!iommu) {
		*err = -ENOMEM;
		return NULL;
	}
	iommu->platform = p;
	iommu->desc = *desc;
	iommu->driver = drv;
	if (drv->iommu_init) {
		*err = drv->iommu_init(iommu);
		if (*err) {
			free(iommu);
			return NULL;
		}
	}
	iommu->next = p->iommus;
	p->iommus = iommu;
	return iommu;
}

struct iommufd_dev *iommufd_platform_add_dev(struct iommufd_platform *p,
					     struct iommufd_iommu *iommu,
					     const struct iommufd_dev_desc *desc,
					     int *err)
{
	struct iommufd_dev *dev, *d;
	size_t i;

	if (iommu->desc.kind == IOMMUFD_IOMMU_MOCK &&
	    (desc->mock_flags &
	     ~(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA |
	       MOCK_FLAGS_DEVICE_PASID))) {
		*err = -EINVAL;
		return NULL;
	}
	for (i = 0; i < desc->nresv; i++) {
		if (desc->resv[i].start > desc->resv[i].last ||
		    desc->resv[i].type > IOMMUFD_RESV_SW_MSI) {
			*err = -EINVAL;
			return NULL;
		}
	}
	/* a group lives behind one IOMMU */
	for (d = p->devs; d && desc->group; d = d->next) {
		if (d->group_id == desc->group && d->iommu != iommu) {
			*err = -EINVAL;
			return NULL;
		}
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		*err = -ENOMEM;
		return NULL;
	}
	dev->platform = p;
	dev->iommu = iommu;
	dev->desc = *desc;
	if (desc->nresv) {
		dev->resv = malloc(desc->nresv * sizeof(*dev->resv));
		if (!dev->resv) {
			free(dev);
			*err = -ENOMEM;
			return NULL;
		}
		memcpy(dev->resv, desc->resv, desc->nresv * sizeof(*dev->resv));
	}
	dev->desc.resv = dev->resv;
	/* explicit groups use their number; private ones count down */
	dev->group_id = desc->group ? desc->group : 0x80000000u + p->next_group++;
	if (iommu->driver->probe_device) {
		*err = iommu->driver->probe_device(dev);
		if (*err) {
			free(dev->resv);
			free(dev);
			return NULL;
		}
	}
	dev->next = p->devs;
	p->devs = dev;
	return dev;
}

void iommufd_platform_remove_dev(struct iommufd_platform *p,
				 struct iommufd_dev *dev)
{
	struct iommufd_dev **pp;

	for (pp = &p->devs; *pp != dev; pp = &(*pp)->next)
		;
	*pp = dev->next;
	if (dev->iommu->driver->release_device)
		dev->iommu->driver->release_device(dev);
	free(dev->resv);
	free(dev);
}

int iommufd_dev_bind(struct iommufd_ctx *ctx, struct iommufd_dev *dev,
		     uint32_t *out_dev_id)
{
	int err = 0;

	/* vfio_df_iommufd_bind(): one binding per device fd */
	if (dev->ictx)
		return -EBUSY;
	if (!iommufd_device_bind(ctx, dev, out_dev_id, &err))
		return err;
	return 0;
}

/*
 * The context of a bound device stays alive after the user's close; the
 * last unbind is what finally releases it.
 */
void iommufd_dev_unbind(struct iommufd_dev *dev)
{
	struct iommufd_ctx *ictx = dev->ictx;

	if (!ictx)
		return;
	if (dev->attached)
		iommufd_device_detach(dev->idev);
	iommufd_device_unbind(dev->idev);
	if (!dev->selftest)
		iommufd_ctx_put(ictx);
}

int iommufd_dev_attach(struct iommufd_dev *dev, uint32_t *pt_id)
{
	if (!dev->idev)
		return -EINVAL;
	/* VFIO_DEVICE_ATTACH_IOMMUFD_PT replaces when already attached */
	if (dev->attached)
		return iommufd_device_replace(dev->idev, pt_id);
	return iommufd_device_attach(dev->idev, pt_id);
}

int iommufd_dev_detach(struct iommufd_dev *dev)
{
	if (!dev->idev || !dev->attached)
		return -EINVAL;
	iommufd_device_detach(dev->idev);
	return 0;
}

uint32_t iommufd_dev_id(const struct iommufd_dev *dev)
{
	return dev->idev ? dev->idev->obj.id : 0;
}
