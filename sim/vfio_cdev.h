/* SPDX-License-Identifier: MIT */
/*
 * VFIO device cdevs (/dev/vfio/devices/vfioN) over the model's platform:
 * what drivers/vfio/device_cdev.c, vfio_main.c and vfio/iommufd.c of 6.12
 * do in front of iommufd for one open device file. VFIO's own checks
 * (argsz, flags, bind-before-use, one open per device) are made here;
 * everything iommufd answers comes from iommufd_dev_bind / _attach /
 * _detach. Replay runs a trace's device files through this, and the
 * preload library the device files a program opens.
 *
 * The device behind the file is a bus-less one: no regions, no IRQs, no
 * device features. VFIO_DEVICE_GET_INFO says so; other driver requests
 * get the -ENOTTY a VFIO driver gives for requests it does not know.
 *
 * Also here: the platform a machine description (trace.h) stands for,
 * built the same way for a trace's header and for `iommufd-sim run
 * --machine`.
 */
#ifndef SIM_VFIO_CDEV_H
#define SIM_VFIO_CDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/mem.h>
#include <iommufd/model.h>
#include <iommufd/platform.h>

#include "trace.h"

/*
 * How the caller's descriptor numbers lead to contexts, as
 * iommufd_ctx_from_fd() finds them in the kernel.
 */
struct sim_vfio_ops {
	/*
	 * The context of descriptor @fd: 0 with *@ctx set and a reference
	 * taken on the file (*@ref, given back to put), or -EBADF (no such
	 * descriptor), -EBADFD (not /dev/iommu nor /dev/vfio/vfio), or any
	 * other -errno the caller has a reason for.
	 */
	int (*get)(void *priv, int fd, struct iommufd_ctx **ctx, void **ref);
	/* Optional: the bind's reference on that file goes (unbind, failure) */
	void (*put)(void *priv, void *ref);
};

/* One open device file: struct vfio_device_file */
struct sim_vfio_file {
	struct iommufd_dev *dev;
	const struct sim_vfio_ops *ops;
	void *priv;
	/* BIND_IOMMUFD succeeded (df->access_granted): ref is set */
	bool bound;
	/*
	 * Opened by VFIO_GROUP_GET_DEVICE_FD (df->group): bound from the
	 * start, and the device's open is shared with the group's other
	 * files, so whoever opened it also closes it
	 */
	bool group;
	void *ref;
};

void sim_vfio_file_init(struct sim_vfio_file *df, struct iommufd_dev *dev,
			const struct sim_vfio_ops *ops, void *priv);

/*
 * A device file of the group path, for a device the caller has already
 * bound and attached (vfio_df_group_open()); @ref is the caller's own.
 * Its BIND_IOMMUFD is -EINVAL and the cdev-only ATTACH/DETACH_IOMMUFD_PT
 * reach the driver (-ENOTTY); sim_vfio_release() leaves the device to the
 * caller.
 */
void sim_vfio_group_file_init(struct sim_vfio_file *df,
			      struct iommufd_dev *dev, void *ref);

/*
 * An ioctl on the device file. @mem is the caller's memory (copy_from_user
 * / copy_to_user of @arg). 0 or -errno, as the kernel returns it.
 */
long sim_vfio_ioctl(struct sim_vfio_file *df, const struct iommufd_mem *mem,
		    uint32_t cmd, uint64_t arg);

/*
 * The file's release: a bound device is unbound (detached first); a
 * group-path file is only forgotten
 */
void sim_vfio_release(struct sim_vfio_file *df);

/*
 * Requests whose whole answer is iommufd's (bind, attach, detach): what a
 * trace recorded on real hardware can be compared against. GET_INFO is
 * the driver's and describes a real device's regions, which the model
 * has not.
 */
bool sim_vfio_iommufd_request(uint32_t cmd);

/*
 * Build @m: a new platform in *@out and its devices in @devs (indexed as
 * m->devs). 0, or -1 with *@out NULL and "machine.iommus[N]: ..." or
 * "machine.devices[N] ('NAME'): ..." in @why.
 */
int sim_machine_platform(const struct sim_machine *m,
			 struct iommufd_platform **out,
			 struct iommufd_dev *devs[SIM_MAX_DEVICES], char *why,
			 size_t whylen);

#endif
