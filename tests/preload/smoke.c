// SPDX-License-Identifier: MIT
/*
 * A program written for the kernel, run under `iommufd-sim run`: it uses
 * nothing but open/ioctl/dup/close on /dev/iommu and must get the kernel's
 * answers from libiommufd-preload.so. It links no part of the model, so
 * the library is the only way those answers can arrive.
 *
 *   smoke           expects a CONFIG_IOMMUFD_TEST kernel (the default)
 *   smoke --notest  expects IOMMU_TEST_CMD to be ENOTTY
 *   smoke --tiny-memlock  run with --caps=none --memlock=64K: pinning
 *                   1 MiB for a mock domain must hit the limit
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
#include <iommufd/uapi_test.h>

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

static void ioas_basics(int fd, char *buf)
{
	struct iommu_iova_range ranges[4];
	struct iommu_ioas_iova_ranges r = {
		.size = sizeof(r),
		.num_iovas = 4,
		.allowed_iovas = (uintptr_t)ranges,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)buf,
		.length = BUF_SIZE,
		.iova = 1 << 24,
	};
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	uint32_t ioas = ioas_alloc(fd);

	CHECK(ioas != 0);
	r.ioas_id = ioas;
	CHECK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r) == 0);
	CHECK(r.num_iovas == 1 && ranges[0].start == 0 &&
	      ranges[0].last == UINT64_MAX);

	map.ioas_id = ioas;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
	/* the same IOVA twice is the kernel's EEXIST */
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == -1 && errno == EEXIST);
	unmap.ioas_id = ioas;
	unmap.iova = 1 << 24;
	unmap.length = BUF_SIZE;
	CHECK(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap) == 0);
	CHECK(unmap.length == BUF_SIZE);

	/* a bad pointer is EFAULT, not a crash of the program */
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, (void *)8) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(ioctl(fd, _IO(';', 0x7f), NULL) == -1 && errno == ENOTTY);
	CHECK(destroy(fd, ioas) == 0);
}

static void mock_domain(int fd, char *buf)
{
	uint32_t ioas = ioas_alloc(fd);
	struct iommu_test_cmd md = {
		.size = sizeof(md),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas,
	};
	struct iommu_test_cmd acc = {
		.size = sizeof(acc),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = BUF_SIZE,
	};
	struct iommu_test_cmd check = {
		.size = sizeof(check),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
	};
	int afd;

	CHECK(ioctl(fd, IOMMU_TEST_CMD, &md) == 0);
	CHECK(md.mock_domain.out_hwpt_id != 0);
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
	check.id = md.mock_domain.out_hwpt_id;
	check.check_map.iova = map.iova;
	check.check_map.length = BUF_SIZE;
	check.check_map.uptr = (uintptr_t)buf;
	CHECK(ioctl(fd, IOMMU_TEST_CMD, &check) == 0);
	/* with a domain the pages are pinned at once: the first page is not there */
	map.user_va = 4096;
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == -1 && errno == EFAULT);

	/* the access fd is a real descriptor of this process */
	CHECK(ioctl(fd, IOMMU_TEST_CMD, &acc) == 0);
	afd = (int)acc.create_access.out_access_fd;
	CHECK(afd > 2 && fcntl(afd, F_GETFD) >= 0);
	/* it holds the IOAS, and its close lets go */
	errno = 0;
	CHECK(destroy(fd, ioas) == -1 && errno == EBUSY);
	CHECK(close(afd) == 0);
	CHECK(destroy(fd, md.mock_domain.out_stdev_id) == 0);
	CHECK(destroy(fd, ioas) == 0);
}

static void dup_and_close(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int fd2, fd3, null;
	uint32_t a, b;

	CHECK(fd > 2);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	a = ioas_alloc(fd);
	fd2 = dup(fd);
	CHECK(fd2 >= 0);
	CHECK(close(fd) == 0);
	/* the same file: the second IOAS gets the next ID */
	b = ioas_alloc(fd2);
	CHECK(a == 1 && b == 2);
	fd3 = fcntl(fd2, F_DUPFD_CLOEXEC, 100);
	CHECK(fd3 >= 100);
	CHECK(close(fd2) == 0);
	CHECK(destroy(fd3, a) == 0);
	/* dup2 over the last one closes the context; fd3 is /dev/null now */
	null = open("/dev/null", O_RDONLY);
	CHECK(dup2(null, fd3) == fd3);
	errno = 0;
	CHECK(destroy(fd3, b) == -1 && errno == ENOTTY);
	CHECK(close(fd3) == 0 && close(null) == 0);
	/* a fresh open is a fresh context */
	fd = open("/dev/iommu", O_RDWR);
	CHECK(ioas_alloc(fd) == 1);
	CHECK(close(fd) == 0);
	errno = 0;
	CHECK(close(fd) == -1 && errno == EBADF);
}

/* The wrappers must leave every other file alone */
static void other_files(void)
{
	char path[] = "/tmp/iommufd-preload-XXXXXX", got[6] = { 0 };
	int fd = mkstemp(path), fd2;

	CHECK(fd >= 0);
	CHECK(write(fd, "hello", 5) == 5);
	fd2 = dup(fd);
	CHECK(close(fd) == 0);
	CHECK(pread(fd2, got, 5, 0) == 5 && !strcmp(got, "hello"));
	CHECK(close(fd2) == 0);
	fd = openat(AT_FDCWD, path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, got, 5) == 5);
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, got) == -1 && errno == ENOTTY);
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	fd = open("/dev/null", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	CHECK(close(fd) == 0);
	errno = 0;
	CHECK(open("/nonexistent/iommu", O_RDONLY) == -1 && errno == ENOENT);
}

/*
 * The child's ioctl reaches the same file as ours (the parent's model):
 * the IOAS it makes is ours to destroy
 */
static void fork_child(int fd)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0);
	if (pid == 0) {
		struct iommu_ioas_alloc a = { .size = sizeof(a) };

		_exit(ioctl(fd, IOMMU_IOAS_ALLOC, &a) == 0 && a.out_ioas_id < 256 ?
			      (int)a.out_ioas_id : 255);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) != 255);
	CHECK(destroy(fd, (uint32_t)WEXITSTATUS(st)) == 0);
	CHECK(ioas_alloc(fd) != 0);
}

/* The limit and the capabilities come from iommufd-sim run's options */
static int tiny_memlock(char *buf)
{
	int fd = open("/dev/iommu", O_RDWR);
	uint32_t ioas = ioas_alloc(fd);
	struct iommu_test_cmd md = {
		.size = sizeof(md),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = 64 << 10,
	};

	CHECK(ioctl(fd, IOMMU_TEST_CMD, &md) == 0);
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
	map.user_va += 64 << 10;
	map.length = BUF_SIZE - (64 << 10);
	errno = 0;
	CHECK(ioctl(fd, IOMMU_IOAS_MAP, &map) == -1 && errno == ENOMEM);
	CHECK(close(fd) == 0);
	if (!failures)
		printf("all checks passed\n");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	bool notest = argc > 1 && !strcmp(argv[1], "--notest");
	char *buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd;

	CHECK(buf != MAP_FAILED);
	memset(buf, 1, BUF_SIZE);
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0) {
		perror("/dev/iommu (not running under iommufd-sim run?)");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--tiny-memlock"))
		return tiny_memlock(buf);
	ioas_basics(fd, buf);
	if (notest) {
		struct iommu_test_cmd md = {
			.size = sizeof(md),
			.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		};

		errno = 0;
		CHECK(ioctl(fd, IOMMU_TEST_CMD, &md) == -1 && errno == ENOTTY);
	} else {
		mock_domain(fd, buf);
	}
	fork_child(fd);
	CHECK(close(fd) == 0);
	dup_and_close();
	other_files();
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("all checks passed\n");
	return failures ? 1 : 0;
}
