// SPDX-License-Identifier: MIT
/*
 * env->kernel: what 6.6 and 6.8 answer where 6.12 has more (SPEC.md 2.1),
 * and that 6.12, the zero-initialised env, answers as before.
 */
#include <sys/mman.h>

#include <iommufd/platform.h>
#include <iommufd/uapi_test.h>

#include "harness.h"

struct fixture {
	struct harness h;
	struct iommufd_platform *p;
};

/* A context on @kernel; @config 0 is a production kernel */
static void setup(struct fixture *f, unsigned int kernel, unsigned int config)
{
	memset(f, 0, sizeof(*f));
	f->p = iommufd_platform_new();
	cr_assert_not_null(f->p);
	f->h.env.mem = iommufd_mem_self();
	f->h.env.acct = &f->h.acct;
	f->h.env.caps = IOMMUFD_CAP_IPC_LOCK;
	f->h.env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	f->h.env.platform = f->p;
	f->h.env.config = config;
	f->h.env.kernel = kernel;
	f->h.ctx = iommufd_ctx_open(&f->h.env, 0);
	cr_assert_not_null(f->h.ctx);
}

/* The process exits: the files its ioctls made close with it */
static void teardown(struct fixture *f)
{
	int fds[16];
	size_t n = iommufd_ctx_fds(f->h.ctx, fds, 16);

	for (size_t i = 0; i < n && i < 16; i++)
		cr_assert_eq(iommufd_ctx_close_fd(f->h.ctx, fds[i]), 0);
	harness_close(&f->h);
	iommufd_platform_free(f->p);
}

static long test_cmd_sized(struct fixture *f, struct iommu_test_cmd *cmd,
			   uint32_t size)
{
	cmd->size = size;
	return h_ioctl(&f->h, IOMMU_TEST_CMD, cmd);
}

/* A mock device on a new IOAS: its idev ID in *idev, the IOAS returned */
static uint32_t mock_device(struct fixture *f, uint32_t *idev)
{
	uint32_t ioas = h_ioas_alloc(&f->h);
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				      .id = ioas };

	/* 6.12's size: to 6.6 the tail past its 56 bytes is zero */
	cr_assert_eq(test_cmd_sized(f, &cmd, sizeof(cmd)), 0);
	*idev = cmd.mock_domain.out_idev_id;
	return ioas;
}

static const unsigned int levels[] = { IOMMUFD_KERNEL_6_6, IOMMUFD_KERNEL_6_8,
				       IOMMUFD_KERNEL_6_12, 0 };
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

/* ------------------------------------------------------------- names */

Test(kernel_version, parse_and_name)
{
	unsigned int k = 1;

	cr_assert_eq(iommufd_kernel_parse("6.6", &k), 0);
	cr_assert_eq(k, IOMMUFD_KERNEL_6_6);
	cr_assert_eq(iommufd_kernel_parse("6.8", &k), 0);
	cr_assert_eq(k, IOMMUFD_KERNEL_6_8);
	cr_assert_eq(iommufd_kernel_parse("6.12", &k), 0);
	cr_assert_eq(k, IOMMUFD_KERNEL_6_12);
	cr_assert_eq(iommufd_kernel_parse("6.7", &k), -EINVAL);
	cr_assert_eq(iommufd_kernel_parse("6.12.1", &k), -EINVAL);
	cr_assert_eq(iommufd_kernel_parse("", &k), -EINVAL);
	cr_assert_eq(iommufd_kernel_parse(NULL, &k), -EINVAL);
	cr_assert_eq(k, IOMMUFD_KERNEL_6_12, "a failed parse leaves it");

	cr_assert_str_eq(iommufd_kernel_name(0), "6.12");
	cr_assert_str_eq(iommufd_kernel_name(IOMMUFD_KERNEL_6_6), "6.6");
	cr_assert_str_eq(iommufd_kernel_name(IOMMUFD_KERNEL_6_8), "6.8");
	cr_assert_null(iommufd_kernel_name(0x0607));
}

Test(kernel_version, level_for_release)
{
	static const struct {
		const char *rel;
		unsigned int kernel;
		bool exact;
	} t[] = {
		{ "6.6", IOMMUFD_KERNEL_6_6, true },
		{ "6.6.58", IOMMUFD_KERNEL_6_6, true },
		{ "6.7.12", IOMMUFD_KERNEL_6_6, false },
		{ "6.8.0-45-generic", IOMMUFD_KERNEL_6_8, true },
		{ "6.9", IOMMUFD_KERNEL_6_8, false },
		{ "6.11.11", IOMMUFD_KERNEL_6_8, false },
		{ "6.12", IOMMUFD_KERNEL_6_12, true },
		{ "6.12.117", IOMMUFD_KERNEL_6_12, true },
		{ "6.12.0-rc3", IOMMUFD_KERNEL_6_12, true },
		{ "6.17.2", IOMMUFD_KERNEL_6_12, false },
		{ "7.0", IOMMUFD_KERNEL_6_12, false },
		{ "5.19.17", IOMMUFD_KERNEL_6_6, false },
	};
	static const char *const bad[] = { "", "6", "6.", "x.12", "6.12abc",
					   "-6.6", "6.1234" };
	unsigned int k;
	bool exact;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(iommufd_kernel_for_release(t[i].rel, &k, &exact),
			     0, "%s", t[i].rel);
		cr_assert_eq(k, t[i].kernel, "%s: %#x", t[i].rel, k);
		cr_assert_eq(exact, t[i].exact, "%s", t[i].rel);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(iommufd_kernel_for_release(bad[i], &k, &exact),
			     -EINVAL, "'%s'", bad[i]);
}

Test(kernel_version, open_refuses_unmodelled)
{
	struct iommufd_acct acct = { 0 };
	struct iommufd_env env = {
		.mem = iommufd_mem_self(),
		.acct = &acct,
		.rlimit_memlock = IOMMUFD_RLIM_INFINITY,
	};
	struct iommufd_ctx *ctx;

	for (size_t i = 0; i < NLEVELS; i++) {
		env.kernel = levels[i];
		ctx = iommufd_ctx_open(&env, 0);
		cr_assert_not_null(ctx, "kernel %#x", levels[i]);
		iommufd_ctx_close(ctx);
	}
	env.kernel = 0x0607;
	cr_assert_null(iommufd_ctx_open(&env, 0));
	/* the later selftest ABIs are 6.12's successors */
	env.config = IOMMUFD_CONFIG_TEST | IOMMUFD_CONFIG_SELFTEST_NEXT;
	env.kernel = IOMMUFD_KERNEL_6_8;
	cr_assert_null(iommufd_ctx_open(&env, 0));
	env.kernel = IOMMUFD_KERNEL_6_12;
	ctx = iommufd_ctx_open(&env, 0);
	cr_assert_not_null(ctx);
	iommufd_ctx_close(ctx);
}

/* ----------------------------------------------------------- the table */

/* NRs 0x8b..0x8e: SET_DIRTY_TRACKING, GET_DIRTY_BITMAP (6.7), INVALIDATE
 * (6.8), FAULT_QUEUE_ALLOC (6.11) */
static bool has_nr(unsigned int kernel, unsigned int nr)
{
	if (!kernel)
		kernel = IOMMUFD_KERNEL_6_12;
	if (nr == IOMMUFD_CMD_FAULT_QUEUE_ALLOC)
		return kernel >= IOMMUFD_KERNEL_6_12;
	if (nr == IOMMUFD_CMD_HWPT_INVALIDATE)
		return kernel >= IOMMUFD_KERNEL_6_8;
	return kernel >= IOMMUFD_KERNEL_6_8 || nr <= IOMMUFD_CMD_GET_HW_INFO;
}

Test(kernel_version, table_without_test_config)
{
	static const unsigned int cmds[] = {
		IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP,
		IOMMU_HWPT_INVALIDATE, IOMMU_FAULT_QUEUE_ALLOC,
	};
	uint8_t zero[64] = { 0 };

	for (size_t l = 0; l < NLEVELS; l++) {
		struct fixture f;

		setup(&f, levels[l], 0);
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			unsigned int nr = IOMMUFD_IOC_NR(cmds[i]);
			long rc = iommufd_ctx_ioctl(f.h.ctx, cmds[i], 0);

			/*
			 * Past the release's table the compat layer answers
			 * without reading anything: ENOTTY even for NULL
			 */
			cr_assert_eq(rc, has_nr(levels[l], nr) ? -EFAULT : -ENOTTY,
				     "kernel %#x nr %#x: %ld", levels[l], nr, rc);
		}
		/* an NR that is in every table still reads its size */
		cr_assert_eq(iommufd_ctx_ioctl(f.h.ctx, IOMMU_GET_HW_INFO, 0),
			     -EFAULT);
		/* and a present command runs: no such HWPT */
		*(uint32_t *)zero = sizeof(struct iommu_hwpt_set_dirty_tracking);
		cr_assert_eq(h_ioctl(&f.h, IOMMU_HWPT_SET_DIRTY_TRACKING, zero),
			     has_nr(levels[l], 0x8b) ? -ENOENT : -ENOTTY);
		teardown(&f);
	}
}

Test(kernel_version, holes_with_test_config)
{
	uint8_t zero[64] = { 0 };

	for (size_t l = 0; l < NLEVELS; l++) {
		struct fixture f;

		setup(&f, levels[l], IOMMUFD_CONFIG_TEST);
		/* inside the table a missing command is a hole: size read */
		cr_assert_eq(iommufd_ctx_ioctl(f.h.ctx, IOMMU_FAULT_QUEUE_ALLOC,
					       0),
			     -EFAULT);
		*(uint32_t *)zero = sizeof(struct iommu_fault_alloc);
		if (has_nr(levels[l], IOMMUFD_CMD_FAULT_QUEUE_ALLOC)) {
			cr_assert_eq(h_ioctl(&f.h, IOMMU_FAULT_QUEUE_ALLOC, zero),
				     0);
		} else {
			cr_assert_eq(h_ioctl(&f.h, IOMMU_FAULT_QUEUE_ALLOC, zero),
				     -ENOTTY);
		}
		*(uint32_t *)zero = sizeof(struct iommu_hwpt_invalidate);
		cr_assert_eq(h_ioctl(&f.h, IOMMU_HWPT_INVALIDATE, zero),
			     has_nr(levels[l], IOMMUFD_CMD_HWPT_INVALIDATE) ?
				     -ENOENT :
				     -ENOTTY);
		*(uint32_t *)zero = sizeof(struct iommu_hwpt_get_dirty_bitmap);
		if (has_nr(levels[l], 0x8c))
			cr_assert_neq(h_ioctl(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP,
					      zero),
				      -ENOTTY);
		else
			cr_assert_eq(h_ioctl(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP,
					     zero),
				     -ENOTTY);
		teardown(&f);
	}
}

/* ---------------------------------------------------------- HWPT_ALLOC */

Test(kernel_version, hwpt_alloc_6_6)
{
	struct fixture f;
	struct {
		struct iommu_hwpt_alloc cmd;
		uint64_t pad;
	} big;
	struct iommu_hwpt_alloc cmd;
	uint32_t idev, ioas, hwpt;

	setup(&f, IOMMUFD_KERNEL_6_6, IOMMUFD_CONFIG_TEST);
	ioas = mock_device(&f, &idev);

	/* 24 bytes: the whole 6.6 struct */
	cmd = (struct iommu_hwpt_alloc){ .size = 24, .dev_id = idev,
					 .pt_id = ioas };
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &cmd);
	hwpt = cmd.out_hwpt_id;
	cr_assert_neq(hwpt, 0);
	cmd.size = 23;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &cmd);

	/* 6.7's data_type is a trailing byte to 6.6 */
	cmd = (struct iommu_hwpt_alloc){ .size = sizeof(cmd), .dev_id = idev,
					 .pt_id = ioas };
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &cmd);
	cmd.data_type = IOMMU_HWPT_DATA_SELFTEST;
	ASSERT_ERR(&f.h, E2BIG, IOMMU_HWPT_ALLOC, &cmd);
	cmd.data_type = 0;
	cmd.data_len = 4;
	ASSERT_ERR(&f.h, E2BIG, IOMMU_HWPT_ALLOC, &cmd);
	memset(&big, 0, sizeof(big));
	big.cmd = (struct iommu_hwpt_alloc){ .size = sizeof(big),
					     .dev_id = idev, .pt_id = ioas };
	big.pad = 1;
	ASSERT_ERR(&f.h, E2BIG, IOMMU_HWPT_ALLOC, &big);

	/* no flag at all, not even NEST_PARENT */
	cmd = (struct iommu_hwpt_alloc){ .size = 24, .dev_id = idev,
					 .pt_id = ioas,
					 .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
	cmd.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
	/* before the device lookup */
	cmd.dev_id = 9999;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);

	/* pt_id must be an IOAS: a HWPT or nothing is ENOENT */
	cmd = (struct iommu_hwpt_alloc){ .size = 24, .dev_id = idev,
					 .pt_id = hwpt };
	ASSERT_ERR(&f.h, ENOENT, IOMMU_HWPT_ALLOC, &cmd);
	cmd.pt_id = 9999;
	ASSERT_ERR(&f.h, ENOENT, IOMMU_HWPT_ALLOC, &cmd);
	cmd.dev_id = 9999;
	cmd.pt_id = ioas;
	ASSERT_ERR(&f.h, ENOENT, IOMMU_HWPT_ALLOC, &cmd);
	teardown(&f);
}

static uint32_t nest_parent(struct fixture *f, uint32_t idev, uint32_t ioas)
{
	struct iommu_hwpt_alloc cmd = { .size = 40, .dev_id = idev,
					.pt_id = ioas,
					.flags = IOMMU_HWPT_ALLOC_NEST_PARENT };

	ASSERT_OK(&f->h, IOMMU_HWPT_ALLOC, &cmd);
	return cmd.out_hwpt_id;
}

Test(kernel_version, hwpt_alloc_6_8_and_6_12)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };

	for (size_t l = 1; l < NLEVELS; l++) {
		bool v6_8 = levels[l] == IOMMUFD_KERNEL_6_8;
		struct iommu_hwpt_alloc cmd;
		struct fixture f;
		uint32_t idev, ioas, parent;

		setup(&f, levels[l], IOMMUFD_CONFIG_TEST);
		ioas = mock_device(&f, &idev);
		parent = nest_parent(&f, idev, ioas);

		/* 6.11's fault_id is a trailing byte to 6.8 */
		cmd = (struct iommu_hwpt_alloc){ .size = sizeof(cmd),
						 .dev_id = idev, .pt_id = ioas,
						 .fault_id = 5 };
		if (v6_8)
			ASSERT_ERR(&f.h, E2BIG, IOMMU_HWPT_ALLOC, &cmd);
		else
			ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &cmd);
		cmd.fault_id = 0;
		cmd.__reserved2 = 1;
		ASSERT_ERR(&f.h, v6_8 ? E2BIG : 0, IOMMU_HWPT_ALLOC, &cmd);

		/* both: an unknown pt_id is EINVAL, nesting works */
		cmd = (struct iommu_hwpt_alloc){ .size = 40, .dev_id = idev,
						 .pt_id = 9999 };
		ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &cmd);
		cmd = (struct iommu_hwpt_alloc){
			.size = 40, .dev_id = idev, .pt_id = parent,
			.data_type = IOMMU_HWPT_DATA_SELFTEST,
			.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
		};
		ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &cmd);

		/* FAULT_ID_VALID: 6.8 nesting took no flag */
		cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
		cmd.size = sizeof(cmd);
		cmd.fault_id = 0;
		ASSERT_ERR(&f.h, v6_8 ? EOPNOTSUPP : ENOENT, IOMMU_HWPT_ALLOC,
			   &cmd);
		/* on a paging HWPT neither release takes it */
		cmd = (struct iommu_hwpt_alloc){
			.size = 40, .dev_id = idev, .pt_id = ioas,
			.flags = IOMMU_HWPT_FAULT_ID_VALID,
		};
		ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
		cmd.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
		ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &cmd);
		teardown(&f);
	}
}

/* --------------------------------------------------------- GET_HW_INFO */

Test(kernel_version, hw_info)
{
	for (size_t l = 0; l < NLEVELS; l++) {
		unsigned int k = levels[l] ? levels[l] : IOMMUFD_KERNEL_6_12;
		struct iommu_hw_info cmd;
		struct fixture f;
		uint32_t idev;

		setup(&f, levels[l], IOMMUFD_CONFIG_TEST);
		mock_device(&f, &idev);

		cmd = (struct iommu_hw_info){ .size = 32, .dev_id = idev };
		ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
		cr_assert_eq(cmd.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);

		/* out_capabilities arrived in 6.7 */
		cmd = (struct iommu_hw_info){ .size = sizeof(cmd),
					      .dev_id = idev };
		ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
		cr_assert_eq(cmd.out_capabilities,
			     k >= IOMMUFD_KERNEL_6_8 ?
				     IOMMU_HW_CAP_DIRTY_TRACKING :
				     0);
		cmd.out_capabilities = 1;
		cmd.data_len = 0;
		ASSERT_ERR(&f.h, k >= IOMMUFD_KERNEL_6_8 ? 0 : E2BIG,
			   IOMMU_GET_HW_INFO, &cmd);

		/* byte 28 was part of a __u32 __reserved before 6.12 */
		cmd = (struct iommu_hw_info){ .size = sizeof(cmd),
					      .dev_id = idev,
					      .out_max_pasid_log2 = 3 };
		ASSERT_ERR(&f.h, k >= IOMMUFD_KERNEL_6_12 ? 0 : EOPNOTSUPP,
			   IOMMU_GET_HW_INFO, &cmd);
		cr_assert_eq(cmd.out_max_pasid_log2,
			     k >= IOMMUFD_KERNEL_6_12 ? 0 : 3);
		cmd = (struct iommu_hw_info){ .size = 32, .dev_id = idev,
					      .__reserved = { 1 } };
		ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_GET_HW_INFO, &cmd);
		cmd.__reserved[0] = 0;
		cmd.size = 31;
		ASSERT_ERR(&f.h, EINVAL, IOMMU_GET_HW_INFO, &cmd);
		teardown(&f);
	}
}

/* -------------------------------------------------------- IOMMU_TEST_CMD */

Test(kernel_version, test_cmd_size)
{
	for (size_t l = 0; l < NLEVELS; l++) {
		bool v6_6 = levels[l] == IOMMUFD_KERNEL_6_6;
		struct {
			struct iommu_test_cmd cmd;
			uint8_t pad[8];
		} big;
		struct iommu_test_cmd cmd;
		struct fixture f;
		uint32_t ioas;

		setup(&f, levels[l], IOMMUFD_CONFIG_TEST);
		ioas = h_ioas_alloc(&f.h);
		cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_ADD_RESERVED,
					       .id = ioas,
					       .add_reserved = { 1 << 20,
								 4096 } };
		/* 6.6's mandatory part ends at offset 52, 6.7's at 68 */
		cr_assert_eq(test_cmd_sized(&f, &cmd, 52), v6_6 ? 0 : -EINVAL);
		cr_assert_eq(test_cmd_sized(&f, &cmd, 51), -EINVAL);
		cr_assert_eq(test_cmd_sized(&f, &cmd, 68), 0);
		cr_assert_eq(test_cmd_sized(&f, &cmd, 67),
			     v6_6 ? 0 : -EINVAL);
		/* the bytes 6.7's dirty op added are a tail to 6.6 */
		cmd.last = 1;
		cr_assert_eq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
			     v6_6 ? -E2BIG : 0);
		memset(&big, 0, sizeof(big));
		big.cmd = cmd;
		big.cmd.last = 0;
		big.pad[7] = 1;
		cr_assert_eq(test_cmd_sized(&f, &big.cmd, sizeof(big)), -E2BIG);
		teardown(&f);
	}
}

Test(kernel_version, test_cmd_ops)
{
	for (size_t l = 0; l < NLEVELS; l++) {
		unsigned int k = levels[l] ? levels[l] : IOMMUFD_KERNEL_6_12;
		struct iommu_test_cmd cmd;
		struct fixture f;
		uint32_t ioas;

		setup(&f, levels[l], IOMMUFD_CONFIG_TEST);
		ioas = h_ioas_alloc(&f.h);

		/* 6.6's last op still works everywhere */
		cmd = (struct iommu_test_cmd){
			.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, .id = 9999,
		};
		cr_assert_neq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
			      -EOPNOTSUPP);

		/* 6.7: the flagged mock device and DIRTY */
		cmd = (struct iommu_test_cmd){
			.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, .id = ioas,
			.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_NO_DIRTY,
		};
		cr_assert_eq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
			     k >= IOMMUFD_KERNEL_6_8 ? 0 : -EOPNOTSUPP);
		cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_DIRTY,
					       .id = 9999 };
		if (k >= IOMMUFD_KERNEL_6_8)
			cr_assert_neq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
				      -EOPNOTSUPP);
		else
			cr_assert_eq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
				     -EOPNOTSUPP);
		/* 6.8: MD_CHECK_IOTLB; 6.11: TRIGGER_IOPF */
		cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MD_CHECK_IOTLB,
					       .id = 9999 };
		cr_assert_eq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
			     k >= IOMMUFD_KERNEL_6_8 ? -ENOENT : -EOPNOTSUPP);
		cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_TRIGGER_IOPF,
					       .trigger_iopf.dev_id = 9999 };
		cr_assert_eq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
			     k >= IOMMUFD_KERNEL_6_12 ? -ENOENT : -EOPNOTSUPP);
		cmd = (struct iommu_test_cmd){ .op = 16 };
		cr_assert_eq(test_cmd_sized(&f, &cmd, sizeof(cmd)),
			     -EOPNOTSUPP);
		teardown(&f);
	}
}

/* ------------------------------------------------------- dirty, 6.8 on */

Test(kernel_version, dirty_tracking_from_6_8)
{
	for (size_t l = 1; l < NLEVELS; l++) {
		struct iommu_hwpt_set_dirty_tracking set = { .size = sizeof(set) };
		struct iommu_hwpt_alloc cmd;
		struct fixture f;
		uint32_t idev, ioas;

		setup(&f, levels[l], IOMMUFD_CONFIG_TEST);
		ioas = mock_device(&f, &idev);
		cmd = (struct iommu_hwpt_alloc){
			.size = 40, .dev_id = idev, .pt_id = ioas,
			.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		};
		ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &cmd);
		set.hwpt_id = cmd.out_hwpt_id;
		set.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
		ASSERT_OK(&f.h, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
		set.flags = 2;
		ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING,
			   &set);
		teardown(&f);
	}
}
