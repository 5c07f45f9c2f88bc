// SPDX-License-Identifier: MIT
/*
 * sim/vfio_cdev.c: the VFIO device cdev requests over the model, the
 * machine file reader and the platform a machine builds, as replay and
 * the preload library use them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <iommufd/mem.h>
#include <iommufd/model.h>
#include <iommufd/platform.h>
#include <iommufd/uapi.h>
#include <iommufd/uapi_vfio.h>

#include "vfio_cdev.h"

#define IOMMUFD_NUM 3 /* the caller's iommufd */
#define OTHER_NUM 4   /* an open file that is no iommufd */

static const char vtd_machine[] =
	"{\"iommus\":[{\"kind\":\"intel-vtd\"}],"
	" \"devices\":[{\"name\":\"0000:01:00.0\",\"group\":1},"
	"              {\"name\":\"0000:02:00.0\",\"group\":2},"
	"              {\"name\":\"bad-msi\",\"group\":3,"
	"               \"msi_unisolated\":true}]}";

static struct {
	char path[64], mpath[64];
	struct sim_machine m;
	struct iommufd_platform *p;
	struct iommufd_dev *devs[SIM_MAX_DEVICES];
	struct iommufd_acct acct;
	struct iommufd_env env;
	struct iommufd_ctx *ctx;
	struct iommufd_mem mem;
	int gets, puts;
} t;

static void write_file(const char *text)
{
	FILE *f;
	int fd;

	snprintf(t.path, sizeof(t.path), "/tmp/sim_vfio_cdev.XXXXXX");
	fd = mkstemp(t.path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	cr_assert_geq(fputs(text, f), 0);
	cr_assert_eq(fclose(f), 0);
}

static int test_get(void *priv, int fd, struct iommufd_ctx **ctx, void **ref)
{
	cr_assert_eq(priv, &t);
	if (fd == IOMMUFD_NUM) {
		t.gets++;
		*ctx = t.ctx;
		*ref = &t.gets;
		return 0;
	}
	return fd == OTHER_NUM ? -EBADFD : -EBADF;
}

static void test_put(void *priv, void *ref)
{
	cr_assert_eq(priv, &t);
	cr_assert_eq(ref, &t.gets);
	t.puts++;
}

static const struct sim_vfio_ops ops = { .get = test_get, .put = test_put };

static void setup(void)
{
	char why[256];
	struct sim_err err;

	memset(&t, 0, sizeof(t));
	write_file(vtd_machine);
	memcpy(t.mpath, t.path, sizeof(t.mpath));
	cr_assert_eq(sim_machine_read(t.mpath, &t.m, &err), 0, "%s", err.msg);
	cr_assert_eq(sim_machine_platform(&t.m, &t.p, t.devs, why,
					  sizeof(why)),
		     0, "%s", why);
	t.mem = iommufd_mem_self();
	t.env.mem = t.mem;
	t.env.acct = &t.acct;
	t.env.caps = IOMMUFD_CAP_IPC_LOCK;
	t.env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	t.env.platform = t.p;
	t.ctx = iommufd_ctx_open(&t.env, 0);
	cr_assert_not_null(t.ctx);
}

static void teardown(void)
{
	iommufd_ctx_close(t.ctx);
	iommufd_platform_free(t.p);
	unlink(t.mpath);
}

static long bind_fd(struct sim_vfio_file *df, int32_t fd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = fd };
	long rc = sim_vfio_ioctl(df, &t.mem, VFIO_DEVICE_BIND_IOMMUFD,
				 (uintptr_t)&b);

	if (devid)
		*devid = b.out_devid;
	return rc;
}

static long attach(struct sim_vfio_file *df, uint32_t *pt)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a),
						   .pt_id = *pt };
	long rc = sim_vfio_ioctl(df, &t.mem, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				 (uintptr_t)&a);

	*pt = a.pt_id;
	return rc;
}

static long detach(struct sim_vfio_file *df)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return sim_vfio_ioctl(df, &t.mem, VFIO_DEVICE_DETACH_IOMMUFD_PT,
			      (uintptr_t)&d);
}

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	cr_assert_eq(iommufd_ctx_ioctl(t.ctx, IOMMU_IOAS_ALLOC, (uintptr_t)&a),
		     0);
	return a.out_ioas_id;
}

TestSuite(sim_vfio_cdev, .init = setup, .fini = teardown);

Test(sim_vfio_cdev, only_bind_before_access)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct sim_vfio_file df;
	uint32_t pt = 1;

	sim_vfio_file_init(&df, t.devs[0], &ops, &t);
	cr_expect_eq(attach(&df, &pt), -EINVAL);
	cr_expect_eq(detach(&df), -EINVAL);
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_GET_INFO,
				    (uintptr_t)&info),
		     -EINVAL);
	/* even an unknown request: access is checked before the driver */
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem,
				    IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 11), 0),
		     -EINVAL);
	cr_expect_eq(t.gets, 0);
	sim_vfio_release(&df);
	cr_expect_eq(t.puts, 0);
}

Test(sim_vfio_cdev, bind_checks_in_kernel_order)
{
	struct vfio_device_bind_iommufd b = { .argsz = 12,
					      .iommufd = IOMMUFD_NUM };
	struct sim_vfio_file df;

	sim_vfio_file_init(&df, t.devs[0], &ops, &t);
	/* argsz below offsetofend(out_devid) */
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_BIND_IOMMUFD,
				    (uintptr_t)&b),
		     -EINVAL);
	b.argsz = sizeof(b);
	b.flags = 1;
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_BIND_IOMMUFD,
				    (uintptr_t)&b),
		     -EINVAL);
	cr_expect_eq(bind_fd(&df, -1, NULL), -EINVAL);
	/* iommufd_ctx_from_fd()'s answers pass through */
	cr_expect_eq(bind_fd(&df, 99, NULL), -EBADF);
	cr_expect_eq(bind_fd(&df, OTHER_NUM, NULL), -EBADFD);
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_BIND_IOMMUFD, 8),
		     -EFAULT);
	cr_expect_eq(t.gets, 0);
	cr_expect_eq(iommufd_dev_id(t.devs[0]), 0);
	cr_expect_not(df.bound);
}

Test(sim_vfio_cdev, bind_once_release_unbinds)
{
	struct sim_vfio_file df, other;
	uint32_t devid = 0;

	sim_vfio_file_init(&df, t.devs[0], &ops, &t);
	sim_vfio_file_init(&other, t.devs[0], &ops, &t);
	cr_assert_eq(bind_fd(&df, IOMMUFD_NUM, &devid), 0);
	cr_expect_neq(devid, 0);
	cr_expect_eq(iommufd_dev_id(t.devs[0]), devid);
	cr_expect(df.bound);
	cr_expect_eq(t.gets, 1);
	/* one file binds once; its reference stays the one taken */
	cr_expect_eq(bind_fd(&df, IOMMUFD_NUM, NULL), -EINVAL);
	cr_expect_eq(t.gets, 1);
	/* a second file of the device: the cdev opens a device only once */
	cr_expect_eq(bind_fd(&other, IOMMUFD_NUM, NULL), -EINVAL);
	cr_expect_eq(t.gets, 2);
	cr_expect_eq(t.puts, 1);
	sim_vfio_release(&other);
	cr_expect_eq(t.puts, 1);
	sim_vfio_release(&df);
	cr_expect_eq(iommufd_dev_id(t.devs[0]), 0);
	cr_expect_eq(t.puts, 2);
	cr_expect_not(df.bound);
	/* unbound: the other file may bind now */
	cr_expect_eq(bind_fd(&other, IOMMUFD_NUM, &devid), 0);
	sim_vfio_release(&other);
	cr_expect_eq(t.gets, t.puts);
}

Test(sim_vfio_cdev, bind_failures_give_the_reference_back)
{
	struct vfio_device_bind_iommufd *b;
	struct sim_vfio_file df;

	/* iommufd_device_bind(): no MSI isolation is EPERM */
	sim_vfio_file_init(&df, t.devs[2], &ops, &t);
	cr_expect_eq(bind_fd(&df, IOMMUFD_NUM, NULL), -EPERM);
	cr_expect_eq(t.gets, 1);
	cr_expect_eq(t.puts, 1);
	cr_expect_not(df.bound);

	/* out_devid cannot be written: unbound again, EFAULT */
	b = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(b, MAP_FAILED);
	*b = (struct vfio_device_bind_iommufd){ .argsz = sizeof(*b),
						.iommufd = IOMMUFD_NUM };
	cr_assert_eq(mprotect(b, 4096, PROT_READ), 0);
	sim_vfio_file_init(&df, t.devs[0], &ops, &t);
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_BIND_IOMMUFD,
				    (uintptr_t)b),
		     -EFAULT);
	cr_expect_eq(iommufd_dev_id(t.devs[0]), 0);
	cr_expect_eq(t.gets, 2);
	cr_expect_eq(t.puts, 2);
	cr_expect_not(df.bound);
	munmap(b, 4096);
}

Test(sim_vfio_cdev, get_info_of_a_device_without_regions)
{
	struct vfio_device_info info;
	struct sim_vfio_file df;

	sim_vfio_file_init(&df, t.devs[0], &ops, &t);
	cr_assert_eq(bind_fd(&df, IOMMUFD_NUM, NULL), 0);
	memset(&info, 0xa5, sizeof(info));
	info.argsz = sizeof(info);
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_GET_INFO,
				    (uintptr_t)&info),
		     0);
	cr_expect_eq(info.argsz, sizeof(info));
	cr_expect_eq(info.flags, 0);
	cr_expect_eq(info.num_regions, 0);
	cr_expect_eq(info.num_irqs, 0);
	/* no capability chain: nothing past num_irqs is written */
	cr_expect_eq(info.cap_offset, 0xa5a5a5a5);
	info.argsz = 15;
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_GET_INFO,
				    (uintptr_t)&info),
		     -EINVAL);
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_GET_INFO, 8),
		     -EFAULT);
	/* a driver request the device does not have */
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem,
				    IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 11), 0),
		     -ENOTTY);
	sim_vfio_release(&df);
}

Test(sim_vfio_cdev, attach_replace_detach)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = 8 };
	struct sim_vfio_file df;
	uint32_t ioas, pt, hwpt;

	sim_vfio_file_init(&df, t.devs[0], &ops, &t);
	cr_assert_eq(bind_fd(&df, IOMMUFD_NUM, NULL), 0);
	ioas = ioas_alloc();
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				    (uintptr_t)&a),
		     -EINVAL);
	a.argsz = sizeof(a);
	a.flags = 1;
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				    (uintptr_t)&a),
		     -EINVAL);
	pt = 777;
	cr_expect_eq(attach(&df, &pt), -ENOENT);
	pt = ioas;
	cr_assert_eq(attach(&df, &pt), 0);
	/* the automatic HWPT's ID comes back in pt_id */
	cr_expect_neq(pt, ioas);
	hwpt = pt;
	pt = ioas;
	cr_expect_eq(attach(&df, &pt), 0);
	cr_expect_eq(pt, hwpt);
	cr_expect_eq(detach(&df), 0);
	cr_expect_eq(detach(&df), 0);
	/* a detach with flags is refused before anything is done */
	{
		struct vfio_device_detach_iommufd_pt d = { .argsz = 8,
							   .flags = 1 };

		cr_expect_eq(sim_vfio_ioctl(&df, &t.mem,
					    VFIO_DEVICE_DETACH_IOMMUFD_PT,
					    (uintptr_t)&d),
			     -EINVAL);
	}
	/* release of an attached device detaches it: the IOAS is free */
	pt = ioas;
	cr_assert_eq(attach(&df, &pt), 0);
	sim_vfio_release(&df);
	{
		struct iommu_destroy d = { .size = sizeof(d), .id = ioas };

		cr_expect_eq(iommufd_ctx_ioctl(t.ctx, IOMMU_DESTROY,
					       (uintptr_t)&d),
			     0);
	}
}

Test(sim_vfio_cdev, group_path_file_is_open_and_left_to_its_opener)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct sim_vfio_file df;
	uint32_t dev_id, ioas = ioas_alloc(), pt;

	/* what VFIO_GROUP_GET_DEVICE_FD's caller has done first */
	cr_assert_eq(iommufd_dev_bind(t.ctx, t.devs[0], &dev_id), 0);
	pt = ioas;
	cr_assert_eq(iommufd_dev_attach(t.devs[0], &pt), 0);
	sim_vfio_group_file_init(&df, t.devs[0], &t.gets);
	cr_expect(df.bound && df.group);
	cr_expect_eq(sim_vfio_ioctl(&df, &t.mem, VFIO_DEVICE_GET_INFO,
				    (uintptr_t)&info),
		     0);
	/* BIND is the cdev path's, even with a valid iommufd */
	cr_expect_eq(bind_fd(&df, IOMMUFD_NUM, NULL), -EINVAL);
	cr_expect_eq(t.gets, 0);
	/* the cdev-only requests reach the driver, which knows them not */
	cr_expect_eq(attach(&df, &pt), -ENOTTY);
	cr_expect_eq(detach(&df), -ENOTTY);
	cr_expect_eq(iommufd_dev_id(t.devs[0]), dev_id);
	/* release forgets the file; the device stays bound and attached */
	sim_vfio_release(&df);
	cr_expect_not(df.bound);
	cr_expect_eq(t.puts, 0);
	cr_expect_eq(iommufd_dev_id(t.devs[0]), dev_id);
	iommufd_dev_unbind(t.devs[0]);
	cr_expect_eq(iommufd_dev_id(t.devs[0]), 0);
}

Test(sim_vfio_cdev, which_requests_are_iommufd_s)
{
	cr_expect(sim_vfio_iommufd_request(VFIO_DEVICE_BIND_IOMMUFD));
	cr_expect(sim_vfio_iommufd_request(VFIO_DEVICE_ATTACH_IOMMUFD_PT));
	cr_expect(sim_vfio_iommufd_request(VFIO_DEVICE_DETACH_IOMMUFD_PT));
	cr_expect_not(sim_vfio_iommufd_request(VFIO_DEVICE_GET_INFO));
	cr_expect_not(sim_vfio_iommufd_request(IOMMU_IOAS_ALLOC));
}

/* ------------------------------------------------- machine files */

static void expect_read_error(const char *text, const char *want)
{
	struct sim_machine m;
	struct sim_err err;
	char expect[256];

	write_file(text);
	cr_expect_eq(sim_machine_read(t.path, &m, &err), -1);
	snprintf(expect, sizeof(expect), "%s%s", t.path, want);
	cr_expect_str_eq(err.msg, expect);
	unlink(t.path);
}

Test(sim_vfio_cdev, machine_file_errors_name_file_and_member)
{
	struct sim_machine m;
	struct sim_err err;

	expect_read_error("{\"iommus\":[{\"kind\":\"intel-vtd\"}],"
			  "\"devices\":[{\"name\":\"a\",\"iommu\":2}]}",
			  ": machine.devices[0].iommu: 2 is not an index into "
			  "machine.iommus (it has 1)");
	expect_read_error("{\"iommus\":[{\"kind\":\"arm\"}]}",
			  ": machine.iommus[0].kind: unknown IOMMU kind 'arm'");
	expect_read_error("{\"frob\":1}",
			  ": unknown member 'frob' in machine");
	expect_read_error("[1]", ": machine must be a JSON object");
	expect_read_error("{\n\"iommus\": [\n", ":3: invalid JSON at column 0: "
						 "']' expected near end of file");
	cr_expect_eq(sim_machine_read("/nonexistent/m.json", &m, &err), -1);
	cr_expect(strstr(err.msg, "/nonexistent/m.json: unable to open"),
		  "%s", err.msg);
}

Test(sim_vfio_cdev, machine_file_as_the_header_member)
{
	/* the whole object is read: devices in order, config, registers */
	cr_expect_eq(t.m.niommus, 1);
	cr_expect_eq(t.m.ndevs, 3);
	cr_expect_str_eq(t.m.devs[1].name, "0000:02:00.0");
	cr_expect_eq(t.m.devs[1].group, 2);
	cr_expect(t.m.devs[2].msi_unisolated);
	cr_expect_eq(iommufd_dev_id(t.devs[1]), 0);
}

Test(sim_vfio_cdev, platform_refusals_name_the_device)
{
	struct iommufd_platform *p = (void *)1;
	struct iommufd_dev *devs[SIM_MAX_DEVICES];
	struct sim_machine m;
	struct sim_err err;
	char why[256];

	write_file("{\"iommus\":[{\"kind\":\"mock\"}],"
		   "\"devices\":[{\"name\":\"m0\",\"mock_flags\":4096}]}");
	cr_assert_eq(sim_machine_read(t.path, &m, &err), 0, "%s", err.msg);
	unlink(t.path);
	cr_expect_eq(sim_machine_platform(&m, &p, devs, why, sizeof(why)), -1);
	cr_expect_null(p);
	cr_expect_str_eq(why, "machine.devices[0] ('m0'): the platform "
			      "refuses it (Invalid argument)");
}
