// SPDX-License-Identifier: MIT
/*
 * A program for the recorder (iommufd-sim record --model): every kind of
 * call the recorder writes, on the files it knows, in one process, so that
 * the trace it leaves can be replayed against a fresh model and agree.
 *
 *   prog          a session: IOAS requests with buffers in and out, failing
 *                 requests, dup/fcntl/dup2/close, a fault queue, the VFIO
 *                 container, a forked child and two threads
 *   prog --bad    requests with bad pointers (EFAULT, and no crash of the
 *                 recorder either), the open of a VFIO device cdev and a
 *                 fault queue (which replay cannot run yet)
 *   prog --device the VFIO cdev of a machine (IOMMUFD_SIM_MACHINE with a
 *                 device, vfio0): bind, attach, replace, detach, their
 *                 errors, a dup and the close that unbinds
 *
 * It checks only what holds on any 6.12 kernel: the trace is what tells
 * the rest. Exit status 0 when every check holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
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

#define BUF_SIZE (1 << 20)

static uint32_t ioas_alloc(int fd)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &a) == 0);
	return a.out_ioas_id;
}

static int destroy(int fd, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

static void ioas_session(int fd, char *buf)
{
	/* garbage past what the kernel writes must be replayed as it was */
	struct iommu_iova_range ranges[4];
	struct iommu_iova_range allow[2] = {
		{ .start = 0x100000, .last = 0xffffffff },
		{ .start = 0x100000000ull, .last = 0x1ffffffffull },
	};
	struct iommu_ioas_iova_ranges r = {
		.size = sizeof(r),
		.num_iovas = 4,
		.allowed_iovas = (uintptr_t)ranges,
	};
	struct iommu_ioas_allow_iovas al = {
		.size = sizeof(al),
		.num_iovas = 2,
		.allowed_iovas = (uintptr_t)allow,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)buf,
		.length = BUF_SIZE / 2,
	};
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = IOMMU_IOAS_MAP_READABLE,
		.length = BUF_SIZE / 2,
	};
	struct iommu_option opt = {
		.size = sizeof(opt),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.length = UINT64_MAX,
	};
	/* a struct larger than the kernel's, its tail zero: accepted */
	uint8_t big[64] = { 0 };
	uint32_t ioas = ioas_alloc(fd), ioas2 = ioas_alloc(fd);

	memset(ranges, 0xa5, sizeof(ranges));
	r.ioas_id = ioas;
	CHECK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r) == 0);
	al.ioas_id = ioas;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &al) == 0);
	r.num_iovas = 4;
	CHECK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r) == 0);
	/* room for fewer ranges than there are, maybe: the count comes back */
	r.num_iovas = 1;
	ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r);

	map.ioas_id = ioas;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0); /* IOVA chosen */
	map.flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	map.iova = 0x100000000ull;
	map.user_va += BUF_SIZE / 2;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == -1 && errno == EEXIST);

	copy.src_ioas_id = ioas;
	copy.dst_ioas_id = ioas2;
	copy.src_iova = 0x100000000ull;
	CHECK(ioctl(fd, IOMMU_IOAS_COPY, &copy) == 0);
	opt.object_id = 0;
	CHECK(ioctl(fd, IOMMU_OPTION, &opt) == 0);

	*(uint32_t *)big = sizeof(big);
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, big) == 0);
	big[40] = 1;
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, big) == -1 && errno == E2BIG);
	*(uint32_t *)big = 2;
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, big) == -1 && errno == EINVAL);

	unmap.ioas_id = ioas;
	CHECK(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap) == 0);
	errno = 0;
	CHECK(destroy(fd, 12345) == -1 && errno == ENOENT);
	errno = 0;
	CHECK(ioctl(fd, _IO(';', 0x7f), NULL) == -1 && errno == ENOTTY);
	/* the VFS answers this one, for every file: not a record */
	CHECK(ioctl(fd, FIOCLEX) == 0);
	CHECK(destroy(fd, ioas2) == 0);
	CHECK(destroy(fd, ioas) == 0);
}

static void descriptors(void)
{
	int fd = open("/dev/iommu", O_RDWR), fd2, fd3, other;

	CHECK(fd > 2);
	fd2 = dup(fd);
	CHECK(fd2 > fd);
	CHECK(close(fd) == 0);
	CHECK(ioas_alloc(fd2) != 0);
	fd3 = fcntl(fd2, F_DUPFD_CLOEXEC, 50);
	CHECK(fd3 >= 50);
	other = open("/dev/iommu", O_RDWR);
	CHECK(other > 2);
	/* over a recorded descriptor: a close, then a dup */
	CHECK(dup2(fd3, other) == other);
	CHECK(ioas_alloc(other) != 0);
	CHECK(close(fd2) == 0 && close(fd3) == 0 && close(other) == 0);
}

static void container(void)
{
	int fd = openat(AT_FDCWD, "/dev/vfio/vfio", O_RDWR);
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	CHECK(fd > 2);
	CHECK(ioctl(fd, VFIO_GET_API_VERSION) == VFIO_API_VERSION);
	CHECK(ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1);
	/* no group yet: the kernel's answer, whatever it is, is recorded */
	ioctl(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	ioctl(fd, VFIO_IOMMU_GET_INFO, &info);
	CHECK(close(fd) == 0);
}

/*
 * The child's calls are not this process's trace, but they reach the same
 * iommufd file: the child leaves the object table as it found it, so the
 * trace still replays.
 */
static void fork_child(int fd)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0);
	if (pid == 0)
		_exit(destroy(fd, ioas_alloc(fd)) == 0 ? 0 : 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
}

static void *thread_fn(void *p)
{
	int fd = *(int *)p;

	for (int i = 0; i < 50; i++)
		CHECK(destroy(fd, ioas_alloc(fd)) == 0);
	return NULL;
}

static void threads(int fd)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, thread_fn, &fd) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

static void bad_pointers(int fd)
{
	struct iommu_ioas_allow_iovas al = {
		.size = sizeof(al),
		.num_iovas = 2,
		.allowed_iovas = 16,
	};
	long pg = sysconf(_SC_PAGESIZE);
	void *gone = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(gone != MAP_FAILED);
	CHECK(munmap(gone, (size_t)pg) == 0);
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, (void *)8) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, gone) == -1 && errno == EFAULT);
	al.ioas_id = ioas_alloc(fd);
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &al) == -1 && errno == EFAULT);
	/* the struct's tail runs into an unmapped page */
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC,
		    (char *)gone - sizeof(struct iommu_ioas_alloc) / 2) == -1);
}

/*
 * What replay cannot run yet, recorded all the same: a device cdev (whether
 * it exists here or not) and a fault queue, whose fd number the trace
 * carries in out_fault_fd.
 */
static void unreplayable(int fd)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	int dev = open("/dev/vfio/devices/vfio0", O_RDWR);

	if (dev >= 0)
		close(dev);
	struct iommu_hwpt_page_response resp = { .code = 0xff };
	uint8_t ev[64];

	CHECK(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa) == 0);
	/* no fault yet; a response to no request */
	read((int)fa.out_fault_fd, ev, sizeof(ev));
	write((int)fa.out_fault_fd, &resp, sizeof(resp));
	CHECK(close((int)fa.out_fault_fd) == 0);
}

/* A VMM's use of a device cdev, with what VFIO refuses on the way */
static void device(int fd, char *buf)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = fd };
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a) };
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)buf,
		.length = BUF_SIZE,
		.iova = 1 << 24,
	};
	int dev = open("/dev/vfio/devices/vfio0", O_RDWR), dev2;
	uint32_t hwpt;

	CHECK(dev >= 0);
	a.pt_id = ioas_alloc(fd);
	map.ioas_id = a.pt_id;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
	CHECK(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) == -1 &&
	      errno == EINVAL);
	b.iommufd = 999;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b) == -1 && errno == EBADF);
	b.iommufd = fd;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b) == 0);
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b) == -1 && errno == EINVAL);
	CHECK(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) == 0);
	hwpt = a.pt_id;
	CHECK(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) == 0 &&
	      a.pt_id == hwpt);
	a.pt_id = 4242;
	CHECK(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) == -1 &&
	      errno == ENOENT);
	CHECK(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d) == 0);
	dev2 = dup(dev);
	CHECK(dev2 >= 0 && close(dev) == 0);
	CHECK(ioctl(dev2, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d) == 0);
	CHECK(close(dev2) == 0);
	/* unbound by that close: a new file binds again */
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	CHECK(dev >= 0 && ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b) == 0);
	CHECK(close(dev) == 0);
}

/* The kernel reads RLIMIT_MEMLOCK at each call: a change is a record */
static void limits(int fd)
{
	struct rlimit old, low;

	CHECK(getrlimit(RLIMIT_MEMLOCK, &old) == 0);
	low = old;
	low.rlim_cur = 1 << 20;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < low.rlim_cur)
		low.rlim_cur = old.rlim_max;
	low.rlim_cur = low.rlim_cur == old.rlim_cur ? low.rlim_cur / 2 :
						      low.rlim_cur;
	CHECK(setrlimit(RLIMIT_MEMLOCK, &low) == 0);
	CHECK(destroy(fd, ioas_alloc(fd)) == 0);
	CHECK(setrlimit(RLIMIT_MEMLOCK, &old) == 0);
}

int main(int argc, char **argv)
{
	bool bad = argc > 1 && !strcmp(argv[1], "--bad");
	bool dev = argc > 1 && !strcmp(argv[1], "--device");
	char *buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd;

	CHECK(buf != MAP_FAILED);
	memset(buf, 1, BUF_SIZE);
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0) {
		perror("/dev/iommu");
		return 1;
	}
	if (bad) {
		bad_pointers(fd);
		unreplayable(fd);
	} else if (dev) {
		device(fd, buf);
	} else {
		ioas_session(fd, buf);
		descriptors();
		container();
		fork_child(fd);
		threads(fd);
		limits(fd);
	}
	CHECK(close(fd) == 0);
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
