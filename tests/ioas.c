// SPDX-License-Identifier: MIT
/* IOAS ioctls: success paths and every errno SPEC.md lists for them */
#include <sys/mman.h>

#include "harness.h"

#define PAGE 4096ull
#define VA 0x7f0000000000ull /* never touched: no domain, nothing pinned */

static struct harness h;
static uint32_t ioas;

static void setup(void)
{
	harness_open(&h, IOMMUFD_CAP_SYS_RESOURCE, 0);
	ioas = h_ioas_alloc(&h);
}
static void teardown(void) { harness_close(&h); }

TestSuite(ioas, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ IDs/DESTROY */

Test(ioas, ids_lowest_free_reused)
{
	cr_assert_eq(ioas, 1);
	cr_assert_eq(h_ioas_alloc(&h), 2);
	cr_assert_eq(h_ioas_alloc(&h), 3);
	cr_assert_eq(h_destroy(&h, 2), 0);
	cr_assert_eq(h_ioas_alloc(&h), 2);
	cr_assert_eq(h_destroy(&h, 1), 0);
	cr_assert_eq(h_destroy(&h, 3), 0);
	cr_assert_eq(h_ioas_alloc(&h), 1);
	cr_assert_eq(h_ioas_alloc(&h), 3);
	cr_assert_eq(h_ioas_alloc(&h), 4);
}

Test(ioas, destroy_twice_enoent)
{
	cr_assert_eq(h_destroy(&h, ioas), 0);
	cr_assert_eq(h_destroy(&h, ioas), -ENOENT);
	cr_assert_eq(h_destroy(&h, 999), -ENOENT);
}

Test(ioas, destroy_with_mappings_ok)
{
	/* Mappings alone do not hold an IOAS */
	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, PAGE), 0);
	cr_assert_eq(h_destroy(&h, ioas), 0);
}

Test(ioas, alloc_flags_eopnotsupp)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = 1 };

	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_IOAS_ALLOC, &cmd);
	/* The failed call allocated nothing */
	cr_assert_eq(h_ioas_alloc(&h), 2);
}

/* ------------------------------------------------------------- IOVA_RANGES */

static long iova_ranges(uint32_t id, struct iommu_iova_range *r, uint32_t n,
			struct iommu_ioas_iova_ranges *out)
{
	*out = (struct iommu_ioas_iova_ranges){
		.size = sizeof(*out), .ioas_id = id, .num_iovas = n,
		.allowed_iovas = (uintptr_t)r,
	};
	return h_ioctl(&h, IOMMU_IOAS_IOVA_RANGES, out);
}

Test(ioas, iova_ranges_empty)
{
	struct iommu_iova_range r[2];
	struct iommu_ioas_iova_ranges cmd;

	cr_assert_eq(iova_ranges(ioas, r, 2, &cmd), 0);
	cr_assert_eq(cmd.num_iovas, 1);
	cr_assert_eq(r[0].start, 0);
	cr_assert_eq(r[0].last, UINT64_MAX);
	cr_assert_eq(cmd.out_iova_alignment, 1);
}

Test(ioas, iova_ranges_emsgsize)
{
	struct iommu_iova_range r[1] = { { 0x55, 0x55 } };
	struct iommu_ioas_iova_ranges cmd;

	cr_assert_eq(iova_ranges(ioas, r, 0, &cmd), -EMSGSIZE);
	/* The count is written back even though the call failed */
	cr_assert_eq(cmd.num_iovas, 1);
	cr_assert_eq(r[0].start, 0x55);
}

Test(ioas, iova_ranges_errors)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .__reserved = 1,
	};

	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_IOAS_IOVA_RANGES, &cmd);
	cmd.__reserved = 0;
	cmd.ioas_id = 77;
	ASSERT_ERR(&h, ENOENT, IOMMU_IOAS_IOVA_RANGES, &cmd);
	cmd.ioas_id = ioas;
	cmd.num_iovas = 1;
	cmd.allowed_iovas = 8; /* unwritable */
	ASSERT_ERR(&h, EFAULT, IOMMU_IOAS_IOVA_RANGES, &cmd);
}

/* -------------------------------------------------------------- ALLOW_IOVAS */

static long allow(uint32_t id, const struct iommu_iova_range *r, uint32_t n)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = id, .num_iovas = n,
		.allowed_iovas = (uintptr_t)r,
	};

	return h_ioctl(&h, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

Test(ioas, allow_iovas_rules)
{
	struct iommu_iova_range one[] = { { 0x10000, 0x10000 } };
	struct iommu_iova_range overlap[] = { { 0x10000, 0x1ffff },
					      { 0x1f000, 0x2ffff } };
	struct iommu_iova_range good[] = { { 0x10000, 0x1ffff },
					   { 0x20000, 0x2ffff } };

	cr_assert_eq(allow(ioas, one, 1), -EINVAL); /* start >= last */
	cr_assert_eq(allow(ioas, overlap, 2), -EINVAL);
	cr_assert_eq(allow(ioas, good, 2), 0);
	cr_assert_eq(allow(ioas, NULL, 1), -EFAULT);
	cr_assert_eq(allow(77, good, 2), -ENOENT);
	/* num_iovas 0 clears */
	cr_assert_eq(allow(ioas, NULL, 0), 0);
}

Test(ioas, allow_iovas_reserved_field)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .__reserved = 1,
	};

	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

Test(ioas, allow_iovas_steer_auto_only)
{
	struct iommu_iova_range r[] = { { 0x100000, 0x1fffff } };

	cr_assert_eq(allow(ioas, r, 1), 0);
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x100000);
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x101000);
	/* FIXED maps ignore the allowed list */
	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, 0x5000), 0);
}

/* -------------------------------------------------------------------- MAP */

Test(ioas, map_errors_in_order)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = 1u << 5, .ioas_id = ioas,
		.user_va = VA, .length = PAGE,
	};

	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_IOAS_MAP, &cmd);
	cmd.flags = MAP_RW;
	cmd.__reserved = 1;
	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_IOAS_MAP, &cmd);
	cmd.__reserved = 0;
	cmd.iova = UINT64_MAX;
	cmd.ioas_id = 77; /* overflow is checked before the lookup */
	ASSERT_ERR(&h, EOVERFLOW, IOMMU_IOAS_MAP, &cmd);
	cmd.iova = 0;
	cmd.length = UINT64_MAX;
	ASSERT_ERR(&h, EOVERFLOW, IOMMU_IOAS_MAP, &cmd);
	cmd.length = PAGE;
	cmd.flags = 0;
	ASSERT_ERR(&h, EINVAL, IOMMU_IOAS_MAP, &cmd);
	cmd.flags = MAP_RW;
	ASSERT_ERR(&h, ENOENT, IOMMU_IOAS_MAP, &cmd);
	cmd.ioas_id = ioas;
	cmd.length = 0;
	ASSERT_ERR(&h, EINVAL, IOMMU_IOAS_MAP, &cmd);
	cmd.length = PAGE;
	cmd.user_va = UINT64_MAX - 10;
	ASSERT_ERR(&h, EOVERFLOW, IOMMU_IOAS_MAP, &cmd);
}

Test(ioas, map_no_domain_touches_nothing)
{
	/* With no domain and no access nothing is pinned: VA 0 is fine */
	cr_assert_eq(h_map_fixed(&h, ioas, 0, PAGE, PAGE), 0);
	cr_assert_eq(h.acct.user_locked_vm, 0);
	cr_assert_eq(h.acct.mm_pinned_vm, 0);
}

Test(ioas, map_fixed_overlap_eexist)
{
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 4 * PAGE, 4 * PAGE), 0);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, 4 * PAGE), -EEXIST);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 2 * PAGE, 3 * PAGE), -EEXIST);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 2 * PAGE, 7 * PAGE), -EEXIST);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 8 * PAGE, 2 * PAGE), -EEXIST);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, 3 * PAGE), 0);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, 8 * PAGE), 0);
}

Test(ioas, map_fixed_iova_overflow)
{
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 2 * PAGE, UINT64_MAX - PAGE),
		     -EOVERFLOW);
	/* The very last bytes of the IOVA space are mappable */
	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, UINT64_MAX - PAGE), 0);
}

Test(ioas, map_writes_back_iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = MAP_RW, .ioas_id = ioas,
		.user_va = VA, .length = PAGE, .iova = 0x1234,
	};

	ASSERT_OK(&h, IOMMU_IOAS_MAP, &cmd);
	cr_assert_eq(cmd.iova, PAGE);
	cr_assert_eq(cmd.length, PAGE);
	cr_assert_eq(cmd.user_va, VA);
}

/* ---------------------------------------------------------- IOVA allocator */

Test(ioas, auto_first_map_at_page)
{
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x1000);
}

Test(ioas, auto_packs_upward)
{
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x1000);
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x2000);
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x3000);
	/* Two pages align to 8 KiB: 0x4000 */
	cr_assert_eq(h_map_auto(&h, ioas, VA, 2 * PAGE), 0x4000);
	/* Four pages align to 16 KiB: 0x8000 */
	cr_assert_eq(h_map_auto(&h, ioas, VA, 4 * PAGE), 0x8000);
	/* A page fills the first hole left by alignment: 0x6000 */
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x6000);
}

Test(ioas, auto_alignment_from_user_va)
{
	/* A 1 MiB map from a VA aligned only to 64 KiB is aligned to 64 KiB */
	cr_assert_eq(h_map_auto(&h, ioas, VA + 0x10000, 0x100000), 0x10000);
	/* Alignment is capped at 2 MiB (HPAGE_SIZE) */
	cr_assert_eq(h_map_auto(&h, ioas, VA, 0x1000000), 0x200000);
}

Test(ioas, auto_sub_page_offset_ored)
{
	/* The VA's offset in its page shows up in the IOVA */
	cr_assert_eq(h_map_auto(&h, ioas, VA + 0x800, 0x800), 0x1800);
	cr_assert_eq(h_map_auto(&h, ioas, VA + 0x10, 0x10), 0x1010);
}

Test(ioas, auto_page_offset_is_or_not_add)
{
	/*
	 * Offset 0x30, alignment 0x10: the first hole starts at 0x1060 and
	 * 0x1060 | 0x30 = 0x1070, where adding the offset would give 0x1090.
	 */
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 0x30, 0x1030), 0);
	cr_assert_eq(h_map_auto(&h, ioas, VA + 0x30, 0x10), 0x1070);
}

Test(ioas, auto_never_first_or_last_page)
{
	struct iommu_iova_range r[] = { { 0, 0x1fff },
					{ UINT64_MAX - 0x1fff, UINT64_MAX } };

	cr_assert_eq(allow(ioas, r, 2), 0);
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x1000);
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), UINT64_MAX - 0x1fff);
	uint64_t iova = 0;
	cr_assert_eq(h_map(&h, ioas, MAP_RW, VA, PAGE, &iova), -ENOSPC);
}

Test(ioas, auto_enospc_and_eoverflow)
{
	struct iommu_iova_range r[] = { { 0x10000, 0x11fff } };
	uint64_t iova = 0;

	cr_assert_eq(allow(ioas, r, 1), 0);
	cr_assert_eq(h_map(&h, ioas, MAP_RW, VA, 0x3000, &iova), -ENOSPC);
	cr_assert_eq(h_map(&h, ioas, MAP_RW, VA, 1ull << 63, &iova),
		     -EOVERFLOW);
}

/* ------------------------------------------------------------------ UNMAP */

Test(ioas, unmap_superset_rule)
{
	uint64_t len;

	cr_assert_eq(h_map_fixed(&h, ioas, VA, 2 * PAGE, 0x10000), 0);
	len = PAGE;
	cr_assert_eq(h_unmap(&h, ioas, 0x10000, &len), -ENOENT);
	len = PAGE;
	cr_assert_eq(h_unmap(&h, ioas, 0x11000, &len), -ENOENT);
	len = 0x100000;
	cr_assert_eq(h_unmap(&h, ioas, 0, &len), 0);
	cr_assert_eq(len, 2 * PAGE);
	len = PAGE;
	cr_assert_eq(h_unmap(&h, ioas, 0x10000, &len), -ENOENT);
}

Test(ioas, unmap_not_atomic)
{
	uint64_t len = 0x20000;

	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, 0x10000), 0);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 0x20000, 0x20000), 0);
	/* The first area goes, the second sticks out: ENOENT, no write back */
	cr_assert_eq(h_unmap(&h, ioas, 0x10000, &len), -ENOENT);
	cr_assert_eq(len, 0x20000);
	len = PAGE;
	cr_assert_eq(h_unmap(&h, ioas, 0x10000, &len), -ENOENT);
	len = 0x20000;
	cr_assert_eq(h_unmap(&h, ioas, 0x20000, &len), 0);
}

Test(ioas, unmap_all)
{
	uint64_t len = UINT64_MAX;

	cr_assert_eq(h_unmap(&h, ioas, 0, &len), 0);
	cr_assert_eq(len, 0);
	for (int i = 0; i < 10; i++)
		h_map_auto(&h, ioas, VA, PAGE);
	len = UINT64_MAX;
	cr_assert_eq(h_unmap(&h, ioas, 0, &len), 0);
	cr_assert_eq(len, 10 * PAGE);
}

Test(ioas, unmap_errors)
{
	uint64_t len = 0;

	cr_assert_eq(h_unmap(&h, ioas, PAGE, &len), -EINVAL);
	len = UINT64_MAX;
	cr_assert_eq(h_unmap(&h, ioas, 1, &len), -EOVERFLOW);
	len = 2;
	cr_assert_eq(h_unmap(&h, ioas, UINT64_MAX, &len), -EOVERFLOW);
	len = 4;
	cr_assert_eq(h_unmap(&h, ioas, UINT64_MAX - 2, &len), -EOVERFLOW);
	len = PAGE;
	cr_assert_eq(h_unmap(&h, 77, PAGE, &len), -ENOENT);
}

/* ------------------------------------------------------------------- COPY */

static long copy(uint32_t dst, uint32_t src, uint32_t flags, uint64_t src_iova,
		 uint64_t len, uint64_t *dst_iova)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd), .flags = flags, .dst_ioas_id = dst,
		.src_ioas_id = src, .length = len, .dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	long rc = h_ioctl(&h, IOMMU_IOAS_COPY, &cmd);

	*dst_iova = cmd.dst_iova;
	return rc;
}

Test(ioas, copy_shares_pages)
{
	uint32_t dst = h_ioas_alloc(&h);
	uint64_t iova = 0, len;

	cr_assert_eq(h_map_fixed(&h, ioas, VA, 4 * PAGE, 0x10000), 0);
	/* The source VA (VA + 0x1000) limits the alignment to one page */
	cr_assert_eq(copy(dst, ioas, MAP_RW, 0x11000, 2 * PAGE, &iova), 0);
	cr_assert_eq(iova, 0x1000);
	/* Sub-range copy inside the same IOAS, fixed */
	iova = 0x40000;
	cr_assert_eq(copy(ioas, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
			  0x10800, 0x800, &iova), 0);
	/* Unmapping the source leaves the copies alive */
	len = 4 * PAGE;
	cr_assert_eq(h_unmap(&h, ioas, 0x10000, &len), 0);
	len = 2 * PAGE;
	cr_assert_eq(h_unmap(&h, dst, 0x1000, &len), 0);
}

Test(ioas, copy_across_contiguous_areas)
{
	uint32_t dst = h_ioas_alloc(&h);
	uint64_t iova = 0x100000, len = UINT64_MAX;

	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, 0x10000), 0);
	cr_assert_eq(h_map_fixed(&h, ioas, VA + 0x100000, PAGE, 0x11000), 0);
	cr_assert_eq(copy(dst, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
			  0x10800, PAGE, &iova), 0);
	/* Two areas in the destination, one per source piece */
	cr_assert_eq(h_unmap(&h, dst, 0, &len), 0);
	cr_assert_eq(len, PAGE);
}

Test(ioas, copy_errors)
{
	uint32_t dst = h_ioas_alloc(&h);
	uint64_t iova = 0;

	cr_assert_eq(h_map(&h, ioas, IOMMU_IOAS_MAP_READABLE |
					     IOMMU_IOAS_MAP_FIXED_IOVA,
			   VA, 2 * PAGE, &(uint64_t){ 0x10000 }), 0);
	cr_assert_eq(copy(dst, ioas, 1u << 7, 0x10000, PAGE, &iova), -EOPNOTSUPP);
	cr_assert_eq(copy(dst, ioas, MAP_RW, UINT64_MAX, PAGE, &iova), -EOVERFLOW);
	cr_assert_eq(copy(dst, ioas, 0, 0x10000, PAGE, &iova), -EINVAL);
	cr_assert_eq(copy(dst, 77, MAP_RW, 0x10000, PAGE, &iova), -ENOENT);
	cr_assert_eq(copy(dst, ioas, MAP_RW, 0x10000, 0, &iova), -EINVAL);
	cr_assert_eq(copy(dst, ioas, MAP_RW, 0x10000, 3 * PAGE, &iova), -ENOENT);
	cr_assert_eq(copy(dst, ioas, MAP_RW, 0x0, PAGE, &iova), -ENOENT);
	cr_assert_eq(copy(77, ioas, MAP_RW, 0x10000, PAGE, &iova), -ENOENT);
	/* WRITEABLE copy of read-only pages */
	cr_assert_eq(copy(dst, ioas, MAP_RW, 0x10000, PAGE, &iova), -EPERM);
	cr_assert_eq(copy(dst, ioas, IOMMU_IOAS_MAP_READABLE, 0x10000, PAGE,
			  &iova), 0);
}

/* ----------------------------------------------------------------- OPTION */

static long option(uint32_t id, uint32_t opt, uint16_t op, uint64_t *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = opt, .op = op,
		.object_id = id, .val64 = *val,
	};
	long rc = h_ioctl(&h, IOMMU_OPTION, &cmd);

	*val = cmd.val64;
	return rc;
}

Test(ioas, option_huge_pages)
{
	uint64_t v = 7;

	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, &v), 0);
	cr_assert_eq(v, 1);
	v = 0;
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, &v), 0);
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, &v), 0);
	cr_assert_eq(v, 0);
	v = 2;
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, &v), -EINVAL);
	v = 0;
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, 7, &v), -EOPNOTSUPP);
	cr_assert_eq(option(0, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, &v), -ENOENT);
	v = 1;
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, &v), 0);
}

Test(ioas, option_huge_pages_alignment)
{
	uint64_t v = 0;

	/* Disabling raises the alignment to PAGE_SIZE */
	cr_assert_eq(h_map_fixed(&h, ioas, VA, PAGE, PAGE), 0);
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, &v), 0);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 0x800, 0x10000), -EINVAL);
	cr_assert_eq(h_map_fixed(&h, ioas, VA + 0x800, PAGE, 0x10000), -EINVAL);
	v = 1;
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, &v), 0);
	cr_assert_eq(h_map_fixed(&h, ioas, VA, 0x800, 0x10000), 0);
	/* A misaligned area now blocks disabling */
	v = 0;
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, &v),
		     -EADDRINUSE);
	cr_assert_eq(option(ioas, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, &v), 0);
	cr_assert_eq(v, 1);
}

Test(ioas, option_errors)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET, .__reserved = 1, .object_id = ioas,
	};

	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_OPTION, &cmd);
	cmd.__reserved = 0;
	cmd.option_id = 9;
	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_OPTION, &cmd);
}

Test(ioas, option_writes_back_only_val64)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET, .object_id = ioas, .val64 = 5,
	};

	ASSERT_OK(&h, IOMMU_OPTION, &cmd);
	cr_assert_eq(cmd.val64, 1);
	cr_assert_eq(cmd.object_id, ioas);
	cr_assert_eq(cmd.size, sizeof(cmd));
}

Test(ioas, option_rlimit_mode)
{
	struct harness fresh;
	uint64_t v = 9;

	harness_open(&fresh, IOMMUFD_CAP_SYS_RESOURCE, 0);
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET, .val64 = v,
	};
	ASSERT_OK(&fresh, IOMMU_OPTION, &cmd);
	cr_assert_eq(cmd.val64, 0);
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 1;
	ASSERT_OK(&fresh, IOMMU_OPTION, &cmd);
	cmd.val64 = 2;
	ASSERT_ERR(&fresh, EINVAL, IOMMU_OPTION, &cmd);
	cmd.op = IOMMU_OPTION_OP_GET;
	ASSERT_OK(&fresh, IOMMU_OPTION, &cmd);
	cr_assert_eq(cmd.val64, 1);
	cmd.object_id = 1;
	ASSERT_ERR(&fresh, EOPNOTSUPP, IOMMU_OPTION, &cmd);
	cmd.object_id = 0;
	cmd.op = 3;
	ASSERT_ERR(&fresh, EOPNOTSUPP, IOMMU_OPTION, &cmd);
	harness_close(&fresh);

	/* Objects present: EBUSY; no CAP_SYS_RESOURCE: EPERM */
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 0;
	ASSERT_ERR(&h, EBUSY, IOMMU_OPTION, &cmd);
	h.env.caps = 0;
	ASSERT_ERR(&h, EPERM, IOMMU_OPTION, &cmd);
}

Test(ioas, option_vfio_container_defaults_mm)
{
	struct harness vfio;
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};

	harness_open(&vfio, 0, IOMMUFD_OPEN_VFIO_CONTAINER);
	ASSERT_OK(&vfio, IOMMU_OPTION, &cmd);
	cr_assert_eq(cmd.val64, 1);
	harness_close(&vfio);
}

/* -------------------------------------------------------------- VFIO_IOAS */

Test(ioas, vfio_ioas_get_set_clear)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd), .op = IOMMU_VFIO_IOAS_GET,
	};

	ASSERT_ERR(&h, ENODEV, IOMMU_VFIO_IOAS, &cmd);
	cmd.op = IOMMU_VFIO_IOAS_SET;
	cmd.ioas_id = 0;
	ASSERT_ERR(&h, ENOENT, IOMMU_VFIO_IOAS, &cmd);
	cmd.ioas_id = ioas;
	ASSERT_OK(&h, IOMMU_VFIO_IOAS, &cmd);
	cmd.op = IOMMU_VFIO_IOAS_GET;
	cmd.ioas_id = 0;
	ASSERT_OK(&h, IOMMU_VFIO_IOAS, &cmd);
	cr_assert_eq(cmd.ioas_id, ioas);
	cmd.op = IOMMU_VFIO_IOAS_CLEAR;
	ASSERT_OK(&h, IOMMU_VFIO_IOAS, &cmd);
	cmd.op = IOMMU_VFIO_IOAS_GET;
	ASSERT_ERR(&h, ENODEV, IOMMU_VFIO_IOAS, &cmd);
	cmd.op = 3;
	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_VFIO_IOAS, &cmd);
	cmd.op = IOMMU_VFIO_IOAS_GET;
	cmd.__reserved = 1;
	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_VFIO_IOAS, &cmd);
}

Test(ioas, vfio_ioas_cleared_on_destroy)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd), .op = IOMMU_VFIO_IOAS_SET, .ioas_id = ioas,
	};

	ASSERT_OK(&h, IOMMU_VFIO_IOAS, &cmd);
	cr_assert_eq(h_destroy(&h, ioas), 0);
	cmd.op = IOMMU_VFIO_IOAS_GET;
	ASSERT_ERR(&h, ENODEV, IOMMU_VFIO_IOAS, &cmd);
}

/* ------------------------------------------------ check order (SPEC.md 4) */

Test(ioas, map_npages_wrap_eoverflow)
{
	/*
	 * A length within a page of 2^64 from a VA at offset 0xfff makes the
	 * page count wrap: iopt_insert_area()'s last-index check is EOVERFLOW
	 * (the kernel WARNs there). One byte longer is EINVAL in
	 * iopt_alloc_pages() (length > SIZE_MAX - PAGE_SIZE).
	 */
	cr_assert_eq(h_map_fixed(&h, ioas, 0xfff, UINT64_MAX - PAGE, 0),
		     -EOVERFLOW);
	cr_assert_eq(h_map_fixed(&h, ioas, 0, UINT64_MAX - PAGE + 1, 0),
		     -EINVAL);
}

Test(ioas, copy_eexist_before_eperm)
{
	uint64_t iova = 0x10000;

	/* Read-only source; a writable fixed copy onto itself overlaps */
	cr_assert_eq(h_map(&h, ioas, IOMMU_IOAS_MAP_READABLE |
					     IOMMU_IOAS_MAP_FIXED_IOVA,
			   VA, PAGE, &iova), 0);
	iova = 0x10000;
	cr_assert_eq(copy(ioas, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
			  0x10000, PAGE, &iova), -EEXIST);
	iova = 0x20000;
	cr_assert_eq(copy(ioas, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
			  0x10000, PAGE, &iova), -EPERM);
}

Test(ioas, unmap_lookup_before_range_checks)
{
	uint64_t len = UINT64_MAX;

	cr_assert_eq(h_unmap(&h, 77, 1, &len), -ENOENT);
	len = 0;
	cr_assert_eq(h_unmap(&h, 77, PAGE, &len), -ENOENT);
}

Test(ioas, option_huge_pages_lookup_before_op)
{
	uint64_t v = 0;

	cr_assert_eq(option(0, IOMMU_OPTION_HUGE_PAGES, 7, &v), -ENOENT);
	v = 5;
	cr_assert_eq(option(77, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, &v),
		     -ENOENT);
}

Test(ioas, option_rlimit_object_id_before_op)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = 9, .object_id = 1,
	};

	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_OPTION, &cmd);
	/* SET with an invalid value on a non-empty context: EBUSY first */
	cmd.object_id = 0;
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 7;
	ASSERT_ERR(&h, EBUSY, IOMMU_OPTION, &cmd);
}

Test(ioas, allow_iovas_element_order)
{
	struct iommu_iova_range *r = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_iova_range *last;

	cr_assert_neq(r, MAP_FAILED);
	munmap((uint8_t *)r + 4096, 4096);
	/* The last element of the page is bad, the next one unreadable */
	last = (struct iommu_iova_range *)((uint8_t *)r + 4096) - 1;
	last->start = 0x2000;
	last->last = 0x1000;
	cr_assert_eq(allow(ioas, last, 2), -EINVAL);
	last->last = 0x2fff;
	cr_assert_eq(allow(ioas, last, 2), -EFAULT);
	/* Nothing was applied: automatic maps still start at 0x1000 */
	cr_assert_eq(h_map_auto(&h, ioas, VA, PAGE), 0x1000);
	munmap(r, 4096);
}

Test(ioas, vfio_ioas_reserved_before_op)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd), .op = 9, .__reserved = 1,
	};

	ASSERT_ERR(&h, EOPNOTSUPP, IOMMU_VFIO_IOAS, &cmd);
	/* SET of a non-IOAS: ENOENT, and GET still has nothing */
	cmd.__reserved = 0;
	cmd.op = IOMMU_VFIO_IOAS_SET;
	cmd.ioas_id = 77;
	ASSERT_ERR(&h, ENOENT, IOMMU_VFIO_IOAS, &cmd);
	cmd.op = IOMMU_VFIO_IOAS_GET;
	ASSERT_ERR(&h, ENODEV, IOMMU_VFIO_IOAS, &cmd);
}
