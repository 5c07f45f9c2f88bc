// SPDX-License-Identifier: MIT
/*
 * VFIO device cdevs under `iommufd-sim run --machine=FILE`: a program
 * written for the kernel opens /dev/vfio/devices/vfio0, binds it to an
 * iommufd, attaches it to an IOAS and maps memory, and gets the answers
 * 6.12 gives, errors included. It links no part of the model.
 *
 *   vfio_cdev          a machine with two devices, vfio0 and vfio1, in
 *                      groups of their own (any IOMMU kind)
 *   vfio_cdev --vtd    the same behind an Intel VT-d IOMMU: also a
 *                      dirty-tracking HWPT
 *   vfio_cdev --none   no machine: there are no device cdevs at all
 *
 * Exit status 0 when every check holds; each failure is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iommufd/uapi.h>
#include <iommufd/uapi_vfio.h>

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s (errno %d %s)\n", \
				__FILE__, __LINE__, #cond, errno,          \
				strerror(errno));                          \
			failures++;                                        \
		}                                                          \
	} while (0)

/* ioctl() that is expected to fail with @err */
#define CHECK_ERR(err, call)                                               \
	do {                                                               \
		errno = 0;                                                 \
		CHECK((call) == -1 && errno == (err));                     \
	} while (0)

#define BUF_SIZE (1 << 20)
#define DEV0 "/dev/vfio/devices/vfio0"
/* VFIO_DEVICE_RESET: a driver request the model's devices do not have */
#define VFIO_DEVICE_RESET_REQ IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 11)

static int bind(int dev, int iommufd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b),
		.iommufd = iommufd,
	};
	int rc = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (!rc && devid)
		*devid = b.out_devid;
	return rc;
}

static int attach(int dev, uint32_t *pt_id)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a),
		.pt_id = *pt_id,
	};
	int rc = ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);

	*pt_id = a.pt_id;
	return rc;
}

static int detach(int dev)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static uint32_t ioas_alloc(int fd)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &a) == 0);
	return a.out_ioas_id;
}

static int map(int fd, uint32_t ioas, void *buf, uint64_t iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = BUF_SIZE,
		.iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &m);
}

/* Without a machine the directory is empty, as on a host without VFIO */
static void no_machine(void)
{
	CHECK_ERR(ENOENT, open(DEV0, O_RDWR));
	CHECK_ERR(ENOENT, open("/dev/vfio/devices/vfio1", O_RDWR));
}

/* What VFIO answers before and around the bind */
static void bind_errors(int iommufd, int dev)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint32_t pt = 1;
	int null = open("/dev/null", O_RDWR);

	/* nothing but BIND before access is granted */
	CHECK_ERR(EINVAL, attach(dev, &pt));
	CHECK_ERR(EINVAL, detach(dev));
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_GET_INFO, &info));
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_RESET_REQ));
	/* argsz, flags, a negative fd */
	b.iommufd = iommufd;
	b.argsz = 12;
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b));
	b.argsz = sizeof(b);
	b.flags = 1;
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b));
	CHECK_ERR(EINVAL, bind(dev, -1, NULL));
	CHECK_ERR(EFAULT, ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, (void *)8));
	/* iommufd_ctx_from_fd(): no such fd, and files that are no iommufd */
	CHECK_ERR(EBADF, bind(dev, 1000, NULL));
	CHECK(null >= 0);
	CHECK_ERR(EBADFD, bind(dev, null, NULL));
	CHECK_ERR(EBADFD, bind(dev, dev, NULL));
	close(null);
}

/* The device info of a device with no regions and no IRQs */
static void get_info(int dev)
{
	struct vfio_device_info info;

	memset(&info, 0xa5, sizeof(info));
	info.argsz = sizeof(info);
	CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &info) == 0);
	CHECK(info.argsz == sizeof(info) && info.flags == 0 &&
	      info.num_regions == 0 && info.num_irqs == 0);
	/* no capability chain: cap_offset is not written */
	CHECK(info.cap_offset == 0xa5a5a5a5);
	info.argsz = 12;
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_GET_INFO, &info));
	CHECK_ERR(ENOTTY, ioctl(dev, VFIO_DEVICE_RESET_REQ));
}

static void attach_map_detach(int iommufd, int dev, char *buf)
{
	uint32_t ioas = ioas_alloc(iommufd), pt, hwpt;
	struct vfio_device_attach_iommufd_pt a = { .argsz = 8 };

	CHECK(map(iommufd, ioas, buf, 1 << 24) == 0);
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	a.argsz = sizeof(a);
	a.flags = 1;
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
	pt = 12345;
	CHECK_ERR(ENOENT, attach(dev, &pt));
	pt = ioas;
	CHECK(attach(dev, &pt) == 0);
	/* an IOAS gets an automatic HWPT, whose ID comes back */
	CHECK(pt != ioas && pt != 0);
	hwpt = pt;
	/* attached: the automatic HWPT cannot go, the IOAS is in use */
	{
		struct iommu_destroy d = { .size = sizeof(d), .id = ioas };

		CHECK_ERR(EBUSY, ioctl(iommufd, IOMMU_DESTROY, &d));
	}
	/* mapping more into an attached IOAS goes into its domain */
	CHECK(map(iommufd, ioas, buf, 1 << 28) == 0);
	/* attaching again replaces, here with the same HWPT */
	pt = hwpt;
	CHECK(attach(dev, &pt) == 0 && pt == hwpt);
	CHECK(detach(dev) == 0);
	/* detach_ioas() is void: a second detach succeeds */
	CHECK(detach(dev) == 0);
	/* once detached, nothing holds the IOAS */
	{
		struct iommu_destroy d = { .size = sizeof(d), .id = ioas };

		CHECK(ioctl(iommufd, IOMMU_DESTROY, &d) == 0);
	}
}

/*
 * Close and dup behave as on files: the last close unbinds, which lets
 * the device be bound again, and a context closed first lives until then
 */
static void file_lifetime(char *buf)
{
	int iommufd = open("/dev/iommu", O_RDWR);
	int dev = open(DEV0, O_RDWR | O_CLOEXEC), dup_dev, other;
	uint32_t ioas, pt, devid;

	CHECK(iommufd >= 0 && dev >= 0);
	CHECK(fcntl(dev, F_GETFD) == FD_CLOEXEC);
	CHECK(bind(dev, iommufd, &devid) == 0 && devid != 0);
	/* another file of the same device: the cdev opens a device once */
	other = open(DEV0, O_RDWR);
	CHECK(other >= 0);
	CHECK_ERR(EINVAL, bind(other, iommufd, NULL));
	dup_dev = dup(dev);
	CHECK(dup_dev >= 0);
	close(dev);
	ioas = ioas_alloc(iommufd);
	CHECK(map(iommufd, ioas, buf, 1 << 24) == 0);
	/* the bind holds the iommufd, as the kernel's file reference does */
	close(iommufd);
	pt = ioas;
	CHECK(attach(dup_dev, &pt) == 0);
	close(dup_dev);
	/* unbound by that close: the other file can now bind */
	iommufd = open("/dev/iommu", O_RDWR);
	CHECK(iommufd >= 0);
	CHECK(bind(other, iommufd, &devid) == 0 && devid != 0);
	close(other);
	close(iommufd);
}

/* A device in a group of its own binds to any context */
static void second_device(int iommufd)
{
	int ctx2 = open("/dev/iommu", O_RDWR);
	int dev1 = open("/dev/vfio/devices/vfio1", O_RDWR);
	uint32_t devid = 0, pt;

	CHECK(ctx2 >= 0 && dev1 >= 0);
	/* a device bound elsewhere does not stop this one */
	CHECK(bind(dev1, ctx2, &devid) == 0 && devid != 0);
	pt = ioas_alloc(ctx2);
	CHECK(attach(dev1, &pt) == 0);
	CHECK(detach(dev1) == 0);
	(void)iommufd;
	close(dev1);
	close(ctx2);
}

/* After fork the device state is the parent's: the child gets EIO */
static void forked_child(int dev)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		struct vfio_device_info info = { .argsz = sizeof(info) };

		errno = 0;
		_exit(ioctl(dev, VFIO_DEVICE_GET_INFO, &info) == -1 &&
				      errno == EIO ?
			      0 :
			      1);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
}

/* VT-d: a dirty-tracking HWPT for the device, attached and enabled */
static void vtd_dirty(int iommufd, int dev, uint32_t devid, char *buf)
{
	struct iommu_hw_info info = { .size = sizeof(info), .dev_id = devid };
	uint32_t ioas = ioas_alloc(iommufd), pt;
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h),
		.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		.dev_id = devid,
		.pt_id = ioas,
	};
	struct iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};

	CHECK(ioctl(iommufd, IOMMU_GET_HW_INFO, &info) == 0);
	CHECK(info.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD);
	CHECK(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	CHECK(map(iommufd, ioas, buf, 1 << 24) == 0);
	CHECK(ioctl(iommufd, IOMMU_HWPT_ALLOC, &h) == 0);
	CHECK(h.out_hwpt_id != 0);
	pt = h.out_hwpt_id;
	CHECK(attach(dev, &pt) == 0 && pt == h.out_hwpt_id);
	s.hwpt_id = h.out_hwpt_id;
	CHECK(ioctl(iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &s) == 0);
	CHECK(detach(dev) == 0);
}

int main(int argc, char **argv)
{
	bool vtd = argc > 1 && !strcmp(argv[1], "--vtd");
	char *buf;
	uint32_t devid = 0;
	int iommufd, dev;

	if (argc > 1 && !strcmp(argv[1], "--none")) {
		no_machine();
		return failures ? 1 : 0;
	}
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED);
	memset(buf, 0x5a, BUF_SIZE);

	/* only the devices the machine has */
	CHECK_ERR(ENOENT, open("/dev/vfio/devices/vfio2", O_RDWR));
	CHECK_ERR(ENOENT, open("/dev/vfio/devices/vfio00", O_RDWR));
	CHECK_ERR(ENOENT, open("/dev/vfio/devices/nvme0", O_RDWR));

	iommufd = open("/dev/iommu", O_RDWR);
	dev = open(DEV0, O_RDWR);
	CHECK(iommufd >= 0 && dev >= 0);
	bind_errors(iommufd, dev);
	CHECK(bind(dev, iommufd, &devid) == 0);
	CHECK(devid != 0);
	/* one file binds once */
	CHECK_ERR(EINVAL, bind(dev, iommufd, NULL));
	get_info(dev);
	attach_map_detach(iommufd, dev, buf);
	if (vtd)
		vtd_dirty(iommufd, dev, devid, buf);
	second_device(iommufd);
	forked_child(dev);
	close(dev);
	close(iommufd);
	file_lifetime(buf);

	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("vfio_cdev: all checks passed\n");
	return failures ? 1 : 0;
}
