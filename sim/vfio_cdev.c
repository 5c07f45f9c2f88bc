// SPDX-License-Identifier: MIT
/*
 * VFIO device cdevs over the model (vfio_cdev.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <iommufd/uapi_vfio.h>

#include "vfio_cdev.h"

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static int put_u32(const struct iommufd_mem *mem, uint64_t addr, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	return mem->ops->write(mem->priv, addr, b, sizeof(b)) ? -EFAULT : 0;
}

void sim_vfio_file_init(struct sim_vfio_file *df, struct iommufd_dev *dev,
			const struct sim_vfio_ops *ops, void *priv)
{
	memset(df, 0, sizeof(*df));
	df->dev = dev;
	df->ops = ops;
	df->priv = priv;
}

void sim_vfio_group_file_init(struct sim_vfio_file *df,
			      struct iommufd_dev *dev, void *ref)
{
	memset(df, 0, sizeof(*df));
	df->dev = dev;
	df->group = true;
	df->bound = true;
	df->ref = ref;
}

bool sim_vfio_iommufd_request(uint32_t cmd)
{
	return cmd == VFIO_DEVICE_BIND_IOMMUFD ||
	       cmd == VFIO_DEVICE_ATTACH_IOMMUFD_PT ||
	       cmd == VFIO_DEVICE_DETACH_IOMMUFD_PT;
}

static void put_ref(struct sim_vfio_file *df, void *ref)
{
	if (df->ops->put)
		df->ops->put(df->priv, ref);
}

/* vfio_df_ioctl_bind_iommufd(), the cdev path of vfio_df_open() */
static long bind(struct sim_vfio_file *df, const struct iommufd_mem *mem,
		 uint64_t arg, const uint8_t *b)
{
	int32_t fd = (int32_t)le32(b + 8);
	struct iommufd_ctx *ctx;
	uint32_t dev_id;
	void *ref = NULL;
	int rc;

	if (fd < 0)
		return -EINVAL;
	/* BIND_IOMMUFD is the cdev path's; a group's device fd is open */
	if (df->group)
		return -EINVAL;
	/* one file binds once */
	if (df->bound)
		return -EINVAL;
	rc = df->ops->get(df->priv, fd, &ctx, &ref);
	if (rc)
		return rc;
	/* the cdev path opens a device only once, whichever file did it */
	if (iommufd_dev_id(df->dev)) {
		put_ref(df, ref);
		return -EINVAL;
	}
	rc = iommufd_dev_bind(ctx, df->dev, &dev_id);
	if (rc) {
		put_ref(df, ref);
		return rc;
	}
	if (put_u32(mem, arg + 12, dev_id)) {
		iommufd_dev_unbind(df->dev);
		put_ref(df, ref);
		return -EFAULT;
	}
	df->bound = true;
	df->ref = ref;
	return 0;
}

/*
 * A bus-less device's vfio_device_info: no regions, no IRQs, no
 * capabilities, so only the fields up to num_irqs are written back, as
 * drivers do when they have no capability chain to append
 */
static long get_info(const struct iommufd_mem *mem, uint64_t arg,
		     const uint8_t *b)
{
	struct vfio_device_info info;

	memcpy(&info, b, offsetof(struct vfio_device_info, cap_offset));
	info.flags = 0;
	info.num_regions = 0;
	info.num_irqs = 0;
	return mem->ops->write(mem->priv, arg, &info,
			       offsetof(struct vfio_device_info, cap_offset)) ?
		       -EFAULT :
		       0;
}

long sim_vfio_ioctl(struct sim_vfio_file *df, const struct iommufd_mem *mem,
		    uint32_t cmd, uint64_t arg)
{
	uint8_t b[16];
	/* offsetofend of the last field each request reads */
	size_t minsz;
	uint32_t pt_id;
	int rc;

	switch (cmd) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		minsz = offsetof(struct vfio_device_bind_iommufd, out_devid) + 4;
		break;
	/* cdev-only: on a group's device fd the driver gets them (ENOTTY) */
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		minsz = df->group ? 0 :
			offsetof(struct vfio_device_attach_iommufd_pt, pt_id) + 4;
		break;
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		minsz = df->group ? 0 :
			offsetof(struct vfio_device_detach_iommufd_pt, flags) + 4;
		break;
	case VFIO_DEVICE_GET_INFO:
		minsz = offsetof(struct vfio_device_info, num_irqs) + 4;
		break;
	default:
		minsz = 0;
		break;
	}
	/* vfio_device_fops_unl_ioctl(): nothing but BIND before access */
	if (cmd != VFIO_DEVICE_BIND_IOMMUFD && !df->bound)
		return -EINVAL;
	/* the driver's ioctl op: what a VFIO driver does not know */
	if (!minsz)
		return -ENOTTY;
	if (mem->ops->read(mem->priv, b, arg, minsz))
		return -EFAULT;
	if (le32(b) < minsz)
		return -EINVAL;
	if (cmd == VFIO_DEVICE_GET_INFO)
		return get_info(mem, arg, b);
	/* none of the three takes a flag in 6.12 (PASID came later) */
	if (le32(b + 4))
		return -EINVAL;

	switch (cmd) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		return bind(df, mem, arg, b);
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		pt_id = le32(b + 8);
		/* replaces the attachment when there is one, as VFIO does */
		rc = iommufd_dev_attach(df->dev, &pt_id);
		if (rc)
			return rc;
		if (put_u32(mem, arg + 8, pt_id)) {
			iommufd_dev_detach(df->dev);
			return -EFAULT;
		}
		return 0;
	default:
		/* detach_ioas() is void: detaching nothing succeeds */
		iommufd_dev_detach(df->dev);
		return 0;
	}
}

void sim_vfio_release(struct sim_vfio_file *df)
{
	/* vfio_df_unbind_iommufd(): then the context's file is let go */
	if (!df->bound || df->group) {
		df->bound = false;
		return;
	}
	iommufd_dev_unbind(df->dev);
	df->bound = false;
	put_ref(df, df->ref);
	df->ref = NULL;
}

int sim_machine_platform(const struct sim_machine *m,
			 struct iommufd_platform **out,
			 struct iommufd_dev *devs[SIM_MAX_DEVICES], char *why,
			 size_t whylen)
{
	struct iommufd_iommu *iommus[SIM_MAX_IOMMUS];
	struct iommufd_platform *p = iommufd_platform_new();
	int err = 0;

	*out = NULL;
	if (!p) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < m->niommus; i++) {
		const struct sim_mach_iommu *mi = &m->iommus[i];
		struct iommufd_iommu_desc d = {
			.kind = (enum iommufd_iommu_kind)mi->kind,
			.vtd_cap = mi->cap,
			.vtd_ecap = mi->ecap,
			.vtd_legacy_mode = mi->legacy,
			.amd_efr = mi->efr,
		};

		iommus[i] = iommufd_platform_add_iommu(p, &d, &err);
		if (!iommus[i]) {
			snprintf(why, whylen, "machine.iommus[%u]: the platform "
					      "refuses it (%s)",
				 i, strerror(-err));
			goto fail;
		}
	}
	for (unsigned int i = 0; i < m->ndevs; i++) {
		const struct sim_mach_dev *md = &m->devs[i];
		struct iommufd_resv_region resv[SIM_MAX_RESV];
		struct iommufd_dev_desc d = {
			.group = md->group,
			.mock_flags = md->mock_flags,
			.max_pasids = md->max_pasids,
			.resv = resv,
			.nresv = md->nresv,
			.msi_unisolated = md->msi_unisolated,
			.ats_pri = md->ats_pri,
		};

		for (unsigned int k = 0; k < md->nresv; k++)
			resv[k] = (struct iommufd_resv_region){
				md->resv[k].start, md->resv[k].last,
				(enum iommufd_resv_type)md->resv[k].type
			};
		devs[i] = iommufd_platform_add_dev(p, iommus[md->iommu], &d,
						   &err);
		if (!devs[i]) {
			snprintf(why, whylen, "machine.devices[%u] ('%s'): the "
					      "platform refuses it (%s)",
				 i, md->name, strerror(-err));
			goto fail;
		}
	}
	*out = p;
	return 0;
fail:
	iommufd_platform_free(p);
	return -1;
}
