// SPDX-License-Identifier: MIT
/*
 * The legacy VFIO API under `iommufd-sim run --machine=machine-groups.json`:
 * what QEMU's container backend does (open /dev/vfio/vfio, open the group
 * /dev/vfio/N, put it in the container, choose type1v2, take a device fd,
 * map and unmap memory) and the errors 6.12 gives on the way, with the
 * container served by iommufd (CONFIG_IOMMUFD_VFIO_CONTAINER). It links
 * no part of the model.
 *
 * The machine: 0000:01:00.0 and 0000:01:00.1 in group 7, 0000:02:00.0 in
 * group 9, 0000:03:00.0 in a group of its own (no number), behind VT-d.
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

/* a call that is expected to fail with @err */
#define CHECK_ERR(err, call)                                               \
	do {                                                               \
		errno = 0;                                                 \
		CHECK((call) == -1 && errno == (err));                     \
	} while (0)

#define BUF_SIZE (1 << 20)
#define IOVA 0x100000ull
#define DEV_A "0000:01:00.0"
#define DEV_B "0000:01:00.1"
#define DEV_OTHER "0000:02:00.0"

static int status(int group, uint32_t *flags)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int rc = ioctl(group, VFIO_GROUP_GET_STATUS, &st);

	*flags = st.flags;
	return rc;
}

static uint32_t group_flags(int group)
{
	uint32_t flags = ~0u;

	CHECK(status(group, &flags) == 0);
	return flags;
}

static int set_container(int group, int container)
{
	return ioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
}

/* The number of usable IOVA ranges of the container's compat IOAS */
static unsigned int iova_ranges(int container)
{
	struct iommu_vfio_ioas v = { .size = sizeof(v),
				     .op = IOMMU_VFIO_IOAS_GET };
	struct iommu_iova_range r[8];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q),
		.num_iovas = 8,
		.allowed_iovas = (uintptr_t)r,
	};

	if (ioctl(container, IOMMU_VFIO_IOAS, &v))
		return 0;
	q.ioas_id = v.ioas_id;
	if (ioctl(container, IOMMU_IOAS_IOVA_RANGES, &q))
		return 0;
	return q.num_iovas;
}

/* The cdev and the group of one group are used one way at a time */
static void check_cdev_exclusion(int container)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b),
		.iommufd = container,
	};
	int group = open("/dev/vfio/7", O_RDWR);
	int cdev = open("/dev/vfio/devices/vfio1", O_RDWR);

	CHECK(group >= 0 && cdev >= 0);
	/* vfio_device_block_group(): the group file is open */
	CHECK_ERR(EBUSY, ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, &b));
	close(group);
	CHECK(ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, &b) == 0);
	/* a device of the group is bound through its cdev */
	CHECK_ERR(EBUSY, open("/dev/vfio/7", O_RDWR));
	/* another group is not concerned */
	group = open("/dev/vfio/9", O_RDWR);
	CHECK(group >= 0);
	close(group);
	close(cdev);
	group = open("/dev/vfio/7", O_RDWR);
	CHECK(group >= 0);
	close(group);
}

int main(void)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	char *longname, *buf;
	int container, group, group2, dev, dev2, other, status_rc, nullfd;
	uint32_t flags;
	pid_t pid;

	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	longname = malloc(8192);
	CHECK(buf != MAP_FAILED && longname);
	if (buf == MAP_FAILED || !longname)
		return 1;
	memset(longname, 'a', 8192);

	/* QEMU's vfio_connect_container(): the container first */
	container = open("/dev/vfio/vfio", O_RDWR);
	CHECK(container >= 0);
	CHECK(ioctl(container, VFIO_GET_API_VERSION) == VFIO_API_VERSION);
	CHECK(ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1);

	/* only the machine's numbered groups exist */
	CHECK_ERR(ENOENT, open("/dev/vfio/8", O_RDWR));
	CHECK_ERR(ENOENT, open("/dev/vfio/0", O_RDWR));
	CHECK_ERR(ENOENT, open("/dev/vfio/07", O_RDWR));
	CHECK_ERR(ENOENT, open("/dev/vfio/7x", O_RDWR));
	CHECK_ERR(ENOENT, open("/dev/vfio/99999999999", O_RDWR));

	group = open("/dev/vfio/7", O_RDWR);
	CHECK(group >= 0);
	/* one open file per group */
	CHECK_ERR(EBUSY, open("/dev/vfio/7", O_RDWR));

	/* GET_STATUS: viable, no container */
	CHECK(group_flags(group) == VFIO_GROUP_FLAGS_VIABLE);
	{
		struct vfio_group_status st = { .argsz = 7 };

		CHECK_ERR(EINVAL, ioctl(group, VFIO_GROUP_GET_STATUS, &st));
	}
	CHECK_ERR(EFAULT, ioctl(group, VFIO_GROUP_GET_STATUS, (void *)8));
	CHECK_ERR(ENOTTY, ioctl(group, VFIO_DEVICE_GET_INFO, &dinfo));

	/* a device needs the container: the name is looked up first */
	CHECK_ERR(EINVAL, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_A));
	CHECK_ERR(ENODEV, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, "0000:09:00.0"));
	CHECK_ERR(ENODEV, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_OTHER));
	CHECK_ERR(EINVAL, ioctl(group, VFIO_GROUP_UNSET_CONTAINER));

	/* SET_CONTAINER's errors: the fd first, then the group, then the file */
	CHECK_ERR(EFAULT, ioctl(group, VFIO_GROUP_SET_CONTAINER, (void *)8));
	CHECK_ERR(EBADF, set_container(group, -1));
	CHECK_ERR(EBADF, set_container(group, 1000));
	nullfd = open("/dev/null", O_RDWR);
	CHECK_ERR(EBADFD, set_container(group, nullfd));
	CHECK_ERR(EBADFD, set_container(group, group));
	CHECK(set_container(group, container) == 0);
	CHECK(group_flags(group) ==
	      (VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET));
	/* a group is in one container at most: EINVAL, before the fd type */
	CHECK_ERR(EINVAL, set_container(group, container));
	CHECK_ERR(EINVAL, set_container(group, nullfd));
	CHECK_ERR(EBADF, set_container(group, 1000));

	/* QEMU: VFIO_SET_IOMMU, then the type1 info */
	CHECK(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0);
	CHECK(ioctl(container, VFIO_IOMMU_GET_INFO, &info) == 0);
	CHECK(info.flags & VFIO_IOMMU_INFO_PGSIZES);
	CHECK(info.iova_pgsizes & 4096);
	CHECK(iova_ranges(container) == 1);

	/* GET_DEVICE_FD: bound to the container's iommufd, attached */
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_A);
	CHECK(dev >= 0);
	CHECK(fcntl(dev, F_GETFD) == FD_CLOEXEC);
	/* the compat IOAS now has the device's reserved MSI window */
	CHECK(iova_ranges(container) == 2);
	CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &dinfo) == 0);
	/* a group's device fd is open already, and the cdev-only PT calls
	 * reach the driver */
	b.iommufd = container;
	CHECK_ERR(EINVAL, ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b));
	CHECK_ERR(ENOTTY, ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at));
	/* the same device again: one shared open */
	dev2 = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_A);
	CHECK(dev2 >= 0 && dev2 != dev);
	other = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_B);
	CHECK(other >= 0);
	/* strndup_user(arg, PAGE_SIZE) */
	CHECK_ERR(EFAULT, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, (void *)8));
	CHECK_ERR(EINVAL, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, longname));
	longname[4095] = 0;
	CHECK_ERR(ENODEV, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, longname));

	/* the program's memory through the container */
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)buf;
	map.iova = IOVA;
	map.size = BUF_SIZE;
	CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0);
	CHECK_ERR(EEXIST, ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
	/* the interrupt window is reserved now that a device is attached */
	map.iova = 0xfee00000;
	map.size = 4096;
	CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == -1);
	unmap.iova = IOVA;
	unmap.size = BUF_SIZE;
	CHECK(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0);
	CHECK(unmap.size == BUF_SIZE);

	/* an inherited group file is not served in a child */
	pid = fork();
	if (pid == 0)
		_exit(status(group, &flags) == -1 && errno == EIO ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status_rc, 0) == pid &&
	      WIFEXITED(status_rc) && WEXITSTATUS(status_rc) == 0);

	/* dup'ed descriptors share the group file */
	group2 = dup(group);
	CHECK(group2 >= 0);
	CHECK(group_flags(group2) & VFIO_GROUP_FLAGS_CONTAINER_SET);
	close(group2);

	/* UNSET_CONTAINER with devices open: iommufd does not refuse it */
	CHECK(ioctl(group, VFIO_GROUP_UNSET_CONTAINER) == 0);
	CHECK_ERR(EINVAL, ioctl(group, VFIO_GROUP_UNSET_CONTAINER));
	/* the bound devices own the group's DMA: not viable */
	CHECK(group_flags(group) == 0);
	CHECK(ioctl(dev2, VFIO_DEVICE_GET_INFO, &dinfo) == 0);
	close(dev);
	CHECK(group_flags(group) == 0);
	close(dev2);
	close(other);
	CHECK(group_flags(group) == VFIO_GROUP_FLAGS_VIABLE);
	CHECK(iova_ranges(container) == 1);

	/* the group holds the context: closing the container leaves it */
	CHECK(set_container(group, container) == 0);
	close(container);
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_B);
	CHECK(dev >= 0);
	CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &dinfo) == 0);
	/* closing the group unsets its container */
	close(group);
	CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &dinfo) == 0);
	close(dev);
	group = open("/dev/vfio/7", O_RDWR);
	CHECK(group >= 0);
	CHECK(group_flags(group) == VFIO_GROUP_FLAGS_VIABLE);
	CHECK_ERR(EINVAL, ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_A));
	close(group);

	/* a /dev/iommu file is an iommufd too */
	container = open("/dev/iommu", O_RDWR);
	group = open("/dev/vfio/9", O_RDWR);
	CHECK(container >= 0 && group >= 0);
	CHECK(set_container(group, container) == 0);
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, DEV_OTHER);
	CHECK(dev >= 0);
	close(dev);
	close(group);
	check_cdev_exclusion(container);
	close(container);
	close(nullfd);

	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
