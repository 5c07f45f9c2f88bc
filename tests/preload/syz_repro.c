// SPDX-License-Identifier: MIT
/*
 * A program in the style of syzkaller's C reproducers, run under
 * `iommufd-sim run` (and `record --model`): every system call goes through
 * syscall(__NR_...), never through open() or ioctl(), with its arguments
 * laid out in a fixed mapping the way a reproducer's memcpy()s lay them
 * out. libiommufd-preload.so must serve those calls as it serves libc's.
 *
 * Exit status 0 when every check holds; each failure is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iommufd/uapi.h>
#include <iommufd/uapi_test.h>

#define AREA 0x20000000ul
#define AREA_LEN 0x1000000ul

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

int main(void)
{
	struct iommu_ioas_alloc *alloc = (void *)(AREA + 0x40);
	struct iommu_ioas_map *map = (void *)(AREA + 0x80);
	struct iommu_test_cmd *md = (void *)(AREA + 0x100);
	struct iommu_destroy *destroy = (void *)(AREA + 0x200);
	long fd, fd2, rc;

	CHECK(syscall(__NR_mmap, AREA, AREA_LEN, PROT_READ | PROT_WRITE,
		      MAP_FIXED | MAP_ANONYMOUS | MAP_PRIVATE, -1, 0) ==
	      (long)AREA);
	memcpy((void *)AREA, "/dev/iommu\0", 11);
	fd = syscall(__NR_openat, AT_FDCWD, AREA, O_RDWR, 0);
	CHECK(fd >= 0);

	*alloc = (struct iommu_ioas_alloc){ .size = sizeof(*alloc) };
	CHECK(syscall(__NR_ioctl, fd, IOMMU_IOAS_ALLOC, alloc) == 0);
	CHECK(alloc->out_ioas_id == 1);

	/* a mock domain (the selftest ABI, syzkaller's too), then a map in
	 * its aperture that it pins */
	*md = (struct iommu_test_cmd){ .size = sizeof(*md),
				       .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				       .id = alloc->out_ioas_id };
	CHECK(syscall(__NR_ioctl, fd, IOMMU_TEST_CMD, md) == 0);
	CHECK(md->mock_domain.out_hwpt_id != 0);

	*map = (struct iommu_ioas_map){
		.size = sizeof(*map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = alloc->out_ioas_id,
		.user_va = AREA + 0x100000,
		.length = 0x4000,
	};
	CHECK(syscall(__NR_ioctl, fd, IOMMU_IOAS_MAP, map) == 0);
	CHECK(map->iova != 0);

	/* errors come back as libc's syscall() gives them: -1 and errno */
	*destroy = (struct iommu_destroy){ .size = sizeof(*destroy),
					   .id = alloc->out_ioas_id };
	errno = 0;
	rc = syscall(__NR_ioctl, fd, IOMMU_DESTROY, destroy);
	CHECK(rc == -1 && errno == EBUSY);

	/* a duplicate is the same file; the closed number is gone */
	fd2 = syscall(__NR_dup, fd);
	CHECK(fd2 >= 0 && fd2 != fd);
	CHECK(syscall(__NR_close, fd) == 0);
	destroy->id = md->mock_domain.out_stdev_id;
	CHECK(syscall(__NR_ioctl, fd2, IOMMU_DESTROY, destroy) == 0);
	errno = 0;
	rc = syscall(__NR_ioctl, fd, IOMMU_DESTROY, destroy);
	CHECK(rc == -1 && errno == EBADF);
	CHECK(syscall(__NR_close, fd2) == 0);

	/* everything else still reaches the kernel */
	CHECK(syscall(__NR_getpid) == getpid());
	CHECK(syscall(__NR_munmap, AREA, AREA_LEN) == 0);
	return failures ? 1 : 0;
}
