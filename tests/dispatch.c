// SPDX-License-Identifier: MIT
/* The generic ioctl rules of main.c: size, trailing bytes, numbers, EFAULT */
#include <sys/mman.h>

#include "harness.h"

static struct harness h;

static void setup(void) { harness_open(&h, 0, 0); }
static void teardown(void) { harness_close(&h); }

TestSuite(dispatch, .init = setup, .fini = teardown);

Test(dispatch, destroy_id0_enoent)
{
	struct iommu_destroy cmd = { .size = 8, .id = 0 };

	ASSERT_ERR(&h, ENOENT, IOMMU_DESTROY, &cmd);
}

Test(dispatch, null_argument_efault)
{
	cr_assert_eq(iommufd_ctx_ioctl(h.ctx, IOMMU_DESTROY, 0), -EFAULT);
	/* size is read before the slot is validated: a hole is EFAULT too */
	cr_assert_eq(iommufd_ctx_ioctl(h.ctx, IOMMUFD_IO(IOMMUFD_TYPE, 0x8d), 0),
		     -EFAULT);
}

Test(dispatch, below_range_goes_to_vfio_compat)
{
	/* NR 0x7f is below the iommufd range; the compat layer does not know it */
	cr_assert_eq(iommufd_ctx_ioctl(h.ctx, IOMMUFD_IO(IOMMUFD_TYPE, 0x7f), 0),
		     -ENOTTY);
}

Test(dispatch, beyond_table_enotty)
{
	struct iommu_destroy cmd = { .size = 8 };

	cr_assert_eq(iommufd_ctx_ioctl(h.ctx, IOMMUFD_IO(IOMMUFD_TYPE, 0xa0),
				       (uintptr_t)&cmd),
		     -ENOTTY);
}

Test(dispatch, wrong_encoding_enotty)
{
	struct iommu_destroy cmd = { .size = 8, .id = 1 };
	/* Same NR, different type byte: the full number must match */
	unsigned int other = IOMMUFD_IO('V', IOMMUFD_IOC_NR(IOMMU_DESTROY));

	ASSERT_ERR(&h, ENOTTY, other, &cmd);
}

Test(dispatch, short_size_einval)
{
	struct iommu_destroy cmd = { .size = 7, .id = 0 };

	ASSERT_ERR(&h, EINVAL, IOMMU_DESTROY, &cmd);
}

Test(dispatch, trailing_bytes)
{
	struct {
		struct iommu_destroy cmd;
		uint64_t extra;
	} big = { .cmd = { .size = sizeof(big), .id = 0 } };

	/* Zero tail: same result as the exact size */
	ASSERT_ERR(&h, ENOENT, IOMMU_DESTROY, &big);
	big.extra = 1ull << 40;
	ASSERT_ERR(&h, E2BIG, IOMMU_DESTROY, &big);
}

Test(dispatch, unreadable_tail_efault)
{
	/* A struct ending right at an unmapped page with size claiming more */
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_destroy *cmd;

	cr_assert_neq(p, MAP_FAILED);
	munmap(p + 4096, 4096);
	cmd = (void *)(p + 4096 - 8);
	cmd->size = 16;
	cmd->id = 0;
	ASSERT_ERR(&h, EFAULT, IOMMU_DESTROY, cmd);
	munmap(p, 4096);
}

/*
 * check_zeroed_user() scans upwards: a non-zero byte before the first
 * unreadable page is E2BIG, not EFAULT, even when the tail runs on into it.
 */
Test(dispatch, nonzero_tail_byte_before_hole_e2big)
{
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_destroy *cmd;

	cr_assert_neq(p, MAP_FAILED);
	munmap(p + 4096, 4096);
	cmd = (void *)(p + 4096 - 16);
	cmd->size = 32;
	cmd->id = 0;
	memset(p + 4096 - 8, 0, 8);
	p[4096 - 4] = 1;
	ASSERT_ERR(&h, E2BIG, IOMMU_DESTROY, cmd);
	/* All zero up to the hole: the hole is what the scan meets */
	p[4096 - 4] = 0;
	ASSERT_ERR(&h, EFAULT, IOMMU_DESTROY, cmd);
	munmap(p, 4096);
}

Test(dispatch, short_struct_zero_extended)
{
	/* HWPT-style min_size < sizeof is not in this table yet, but ALLOC
	 * with exactly min size works and writes back only what fits. */
	struct {
		struct iommu_ioas_alloc cmd;
		uint32_t canary;
	} s = { .cmd = { .size = sizeof(struct iommu_ioas_alloc) },
		.canary = 0xdeadbeef };

	ASSERT_OK(&h, IOMMU_IOAS_ALLOC, &s.cmd);
	cr_assert_eq(s.cmd.out_ioas_id, 1);
	cr_assert_eq(s.canary, 0xdeadbeef);
}

Test(dispatch, respond_efault_aborts_alloc)
{
	/* A read-only struct: the respond fails and the ID is freed again */
	uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_ioas_alloc *cmd = (void *)p;

	cmd->size = sizeof(*cmd);
	cmd->flags = 0;
	mprotect(p, 4096, PROT_READ);
	ASSERT_ERR(&h, EFAULT, IOMMU_IOAS_ALLOC, cmd);
	munmap(p, 4096);
	cr_assert_eq(h_ioas_alloc(&h), 1);
}

/* Every command's min_size - 1 is EINVAL, +1 with a non-zero byte E2BIG */
Test(dispatch, cmd_length)
{
	static const struct {
		unsigned int cmd;
		unsigned int size;
	} ops[] = {
		{ IOMMU_DESTROY, sizeof(struct iommu_destroy) },
		{ IOMMU_IOAS_ALLOC, sizeof(struct iommu_ioas_alloc) },
		{ IOMMU_IOAS_IOVA_RANGES, sizeof(struct iommu_ioas_iova_ranges) },
		{ IOMMU_IOAS_ALLOW_IOVAS, sizeof(struct iommu_ioas_allow_iovas) },
		{ IOMMU_IOAS_MAP, sizeof(struct iommu_ioas_map) },
		{ IOMMU_IOAS_COPY, sizeof(struct iommu_ioas_copy) },
		{ IOMMU_IOAS_UNMAP, sizeof(struct iommu_ioas_unmap) },
		{ IOMMU_OPTION, sizeof(struct iommu_option) },
		{ IOMMU_VFIO_IOAS, sizeof(struct iommu_vfio_ioas) },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		uint8_t buf[128] = { 0 };
		uint32_t size = ops[i].size - 1;
		long exact, padded;

		memcpy(buf, &size, 4);
		cr_assert_eq(h_ioctl(&h, ops[i].cmd, buf), -EINVAL,
			     "cmd %#x size %u", ops[i].cmd, size);
		size = ops[i].size + 1;
		memcpy(buf, &size, 4);
		buf[ops[i].size] = 0xaa;
		cr_assert_eq(h_ioctl(&h, ops[i].cmd, buf), -E2BIG,
			     "cmd %#x size %u", ops[i].cmd, size);
		/* A zero tail behaves exactly like the exact size */
		memset(buf, 0, sizeof(buf));
		size = ops[i].size;
		memcpy(buf, &size, 4);
		exact = h_ioctl(&h, ops[i].cmd, buf);
		memset(buf, 0, sizeof(buf));
		size = ops[i].size + 1;
		memcpy(buf, &size, 4);
		padded = h_ioctl(&h, ops[i].cmd, buf);
		cr_assert_eq(exact, padded, "cmd %#x: %ld vs %ld", ops[i].cmd,
			     exact, padded);
	}
}

/*
 * A gigantic size is legal as long as every extra byte reads as zero; the
 * simulated provider answers that without touching gigabytes.
 */
Test(dispatch_sim, huge_zero_tail_and_far_nonzero_byte)
{
	struct iommufd_mem_sim *sim = iommufd_mem_sim_new();
	struct iommufd_acct acct = { 0 };
	struct iommufd_env env = {
		.mem = iommufd_mem_sim_provider(sim), .acct = &acct,
		.rlimit_memlock = IOMMUFD_RLIM_INFINITY,
	};
	struct iommufd_ctx *ctx = iommufd_ctx_open(&env, 0);
	struct iommu_destroy cmd = { .size = 0xfffff000u, .id = 0 };
	const uint64_t va = 0x100000;
	uint8_t one = 1;

	env.mem.ops->write(env.mem.priv, va, &cmd, sizeof(cmd));
	cr_assert_eq(iommufd_ctx_ioctl(ctx, IOMMU_DESTROY, va), -ENOENT);
	env.mem.ops->write(env.mem.priv, va + 0xf0000000u, &one, 1);
	cr_assert_eq(iommufd_ctx_ioctl(ctx, IOMMU_DESTROY, va), -E2BIG);
	/* A tail running into unmapped memory is EFAULT */
	iommufd_mem_sim_set_strict(sim, true);
	iommufd_mem_sim_add_range(sim, va, 0x1000, true);
	cr_assert_eq(iommufd_ctx_ioctl(ctx, IOMMU_DESTROY, va), -EFAULT);
	/* ... unless a non-zero byte comes before the unmapped memory */
	env.mem.ops->write(env.mem.priv, va + 0x800, &one, 1);
	cr_assert_eq(iommufd_ctx_ioctl(ctx, IOMMU_DESTROY, va), -E2BIG);
	iommufd_ctx_close(ctx);
	iommufd_mem_sim_free(sim);
}
