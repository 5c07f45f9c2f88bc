// SPDX-License-Identifier: MIT
/*
 * The VT-d and AMD drivers under iommufd: what their registers make
 * HWPT_ALLOC, attach and GET_HW_INFO answer, their reserved regions, and
 * the nest-parent read-only errata rule.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/platform.h>

#include "harness.h"

struct fixture {
	struct harness h;
	struct iommufd_platform *p;
	char *buf;
};

static struct iommufd_iommu *add_iommu(struct fixture *f,
				       struct iommufd_iommu_desc desc)
{
	int err = 0;
	struct iommufd_iommu *iommu =
		iommufd_platform_add_iommu(f->p, &desc, &err);

	cr_assert_not_null(iommu, "add_iommu: %d", err);
	return iommu;
}

static uint32_t add_bound(struct fixture *f, struct iommufd_iommu *iommu,
			  struct iommufd_dev **out)
{
	struct iommufd_dev_desc desc = { 0 };
	int err = 0;
	uint32_t id = 0;
	struct iommufd_dev *dev =
		iommufd_platform_add_dev(f->p, iommu, &desc, &err);

	cr_assert_not_null(dev);
	cr_assert_eq(iommufd_dev_bind(f->h.ctx, dev, &id), 0);
	if (out)
		*out = dev;
	return id;
}

static void setup(struct fixture *f)
{
	harness_open(&f->h, IOMMUFD_CAP_IPC_LOCK, 0);
	f->p = iommufd_platform_new();
	f->buf = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->buf, MAP_FAILED);
}

static void teardown(struct fixture *f)
{
	harness_close(&f->h);
	iommufd_platform_free(f->p);
	munmap(f->buf, 4 << 20);
}

static long hwpt_alloc(struct fixture *f, uint32_t dev, uint32_t pt,
		       uint32_t flags, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev, .pt_id = pt,
	};
	long rc = h_ioctl(&f->h, IOMMU_HWPT_ALLOC, &cmd);

	*out = cmd.out_hwpt_id;
	return rc;
}

Test(drivers, vtd_hw_info_reports_the_registers)
{
	struct fixture f;
	struct iommu_hw_info_vtd info;
	struct iommu_hw_info cmd = { .size = sizeof(cmd) };
	struct iommufd_iommu *iommu;

	setup(&f);
	iommu = add_iommu(&f, (struct iommufd_iommu_desc){
				      .kind = IOMMUFD_IOMMU_INTEL_VTD });
	cmd.dev_id = add_bound(&f, iommu, NULL);
	cmd.data_len = sizeof(info);
	cmd.data_uptr = (uintptr_t)&info;
	ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
	cr_assert_eq(cmd.out_data_type, IOMMU_HW_INFO_TYPE_INTEL_VTD);
	cr_assert_eq(cmd.data_len, 24);
	cr_assert_eq(info.flags, IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
	cr_assert_eq((info.cap_reg >> 8) & 0x1f, 0x4, "4-level SAGAW");
	cr_assert(info.ecap_reg & (1ull << 26), "nesting");
	cr_assert_eq(cmd.out_capabilities, IOMMU_HW_CAP_DIRTY_TRACKING);
	teardown(&f);
}

Test(drivers, vtd_alloc_flags_follow_the_registers)
{
	struct fixture f;
	struct iommufd_iommu *sm, *legacy;
	uint32_t ioas, d_sm, d_legacy, hwpt, auto_pt;
	struct iommufd_dev *dev_legacy;

	setup(&f);
	sm = add_iommu(&f, (struct iommufd_iommu_desc){
				   .kind = IOMMUFD_IOMMU_INTEL_VTD });
	legacy = add_iommu(&f, (struct iommufd_iommu_desc){
				       .kind = IOMMUFD_IOMMU_INTEL_VTD,
				       .vtd_legacy_mode = true });
	ioas = h_ioas_alloc(&f.h);
	d_sm = add_bound(&f, sm, NULL);
	d_legacy = add_bound(&f, legacy, &dev_legacy);
	cr_assert_eq(hwpt_alloc(&f, d_legacy, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				&hwpt), -EOPNOTSUPP);
	cr_assert_eq(hwpt_alloc(&f, d_legacy, ioas,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt),
		     -EOPNOTSUPP);
	cr_assert_eq(hwpt_alloc(&f, d_sm, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&hwpt), 0);
	/* the same driver, but this IOMMU cannot track dirty pages */
	cr_assert_eq(iommufd_dev_attach(dev_legacy, &hwpt), -EINVAL);
	auto_pt = ioas;
	cr_assert_eq(iommufd_dev_attach(dev_legacy, &auto_pt), 0);
	harness_check(&f.h);
	cr_assert_neq(auto_pt, hwpt, "manual HWPTs are never auto-picked");
	teardown(&f);
}

Test(drivers, msi_window_is_reserved_on_attach)
{
	struct fixture f;
	struct iommufd_iommu *iommu;
	struct iommufd_dev *dev;
	uint32_t ioas, pt;
	uint64_t len = 4096;

	setup(&f);
	iommu = add_iommu(&f, (struct iommufd_iommu_desc){
				      .kind = IOMMUFD_IOMMU_INTEL_VTD });
	ioas = h_ioas_alloc(&f.h);
	add_bound(&f, iommu, &dev);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096,
				 0xfee01000), 0);
	pt = ioas;
	cr_assert_eq(iommufd_dev_attach(dev, &pt), -EADDRINUSE);
	cr_assert_eq(h_unmap(&f.h, ioas, 0xfee01000, &len), 0);
	cr_assert_eq(iommufd_dev_attach(dev, &pt), 0);
	harness_check(&f.h);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096,
				 0xfee01000), -EINVAL);
	cr_assert_eq(iommufd_dev_detach(dev), 0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096,
				 0xfee01000), 0, "the device took its region away");
	teardown(&f);
}

Test(drivers, vtd_nest_parent_refuses_read_only)
{
	struct fixture f;
	struct iommufd_iommu *iommu;
	uint32_t ioas, dev, hwpt;
	uint64_t iova = 0x100000;

	setup(&f);
	iommu = add_iommu(&f, (struct iommufd_iommu_desc){
				      .kind = IOMMUFD_IOMMU_INTEL_VTD });
	ioas = h_ioas_alloc(&f.h);
	dev = add_bound(&f, iommu, NULL);
	cr_assert_eq(h_map(&f.h, ioas,
			   IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
			   (uintptr_t)f.buf, 4096, &iova), 0);
	cr_assert_eq(hwpt_alloc(&f, dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				&hwpt), -EINVAL);
	cr_assert_eq(hwpt_alloc(&f, dev, ioas, 0, &hwpt), 0);
	teardown(&f);
}

Test(drivers, vtd_nested_alloc_and_invalidate)
{
	struct fixture f;
	struct iommufd_iommu *iommu;
	struct iommufd_dev *d;
	uint32_t ioas, dev, parent;
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x200000,
					.addr_width = 48 };
	struct iommu_hwpt_alloc alloc;
	struct iommu_hwpt_vtd_s1_invalidate inv = { .addr = 0x1000,
						    .npages = 1 };
	struct iommu_hwpt_invalidate cmd = { .size = sizeof(cmd) };

	setup(&f);
	iommu = add_iommu(&f, (struct iommufd_iommu_desc){
				      .kind = IOMMUFD_IOMMU_INTEL_VTD });
	ioas = h_ioas_alloc(&f.h);
	dev = add_bound(&f, iommu, &d);
	cr_assert_eq(hwpt_alloc(&f, dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				&parent), 0);
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = dev, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = 16,
		.data_uptr = (uintptr_t)&s1,
	};
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &alloc);
	alloc.data_len = sizeof(s1);
	alloc.data_type = 0x55;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &alloc);
	alloc.data_type = IOMMU_HWPT_DATA_VTD_S1;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	/* a bad stage-1 width shows at attach time */
	{
		uint32_t pt = alloc.out_hwpt_id;

		cr_assert_eq(iommufd_dev_attach(d, &pt), 0);
		harness_check(&f.h);
	}
	cmd.hwpt_id = alloc.out_hwpt_id;
	cmd.data_uptr = (uintptr_t)&inv;
	cmd.entry_len = sizeof(inv);
	cmd.entry_num = 1;
	cmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	ASSERT_OK(&f.h, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(cmd.entry_num, 1);
	inv.addr = 0x1001;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(cmd.entry_num, 0);
	inv.addr = 0x1000;
	inv.flags = 2;
	cmd.entry_num = 1;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_INVALIDATE, &cmd);
	{
		/* the count written back is of the entries handled */
		struct iommu_hwpt_vtd_s1_invalidate two[2] = {
			{ .addr = 0, .npages = UINT64_MAX }, /* everything */
			{ .addr = 0x2000, .npages = UINT64_MAX },
		};

		cmd.data_uptr = (uintptr_t)two;
		cmd.entry_num = 2;
		ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
		cr_assert_eq(cmd.entry_num, 1, "the first was done");
		two[1].npages = 4;
		cmd.entry_num = 2;
		ASSERT_OK(&f.h, IOMMU_HWPT_INVALIDATE, &cmd);
		cr_assert_eq(cmd.entry_num, 2);
		/* a data type that is not VT-d's: nothing handled */
		cmd.data_type = 0x55;
		ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
		cr_assert_eq(cmd.entry_num, 0);
		/* an entry shorter than the fields up to __reserved */
		cmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
		cmd.entry_len = 16;
		cmd.entry_num = 2;
		ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
		cr_assert_eq(cmd.entry_num, 0);
	}
	teardown(&f);
}

/*
 * GET_HW_INFO's out_max_pasid_log2: the smaller of the device's PASID
 * capability and the IOMMU's 2 << ecap.PSS, as a log2; 0 without PASIDs
 * on either side or in legacy mode
 */
Test(drivers, vtd_max_pasid_log2)
{
	static const struct {
		uint64_t ecap; /* 0: the default (PSS 19) */
		bool legacy;
		uint32_t max_pasids;
		uint8_t want;
	} cases[] = {
		{ 0, false, 32, 5 },
		{ 0, false, 1u << 22, 20 },
		{ 0, false, 0, 0 },
		{ 0, true, 32, 0 },
		/* PSS 4, PASID (bit 40) and SMTS (43) only: 2 << 4 */
		{ (4ull << 35) | (1ull << 40) | (1ull << 43), false, 1024, 5 },
		/* no PASID support in the IOMMU */
		{ 1ull << 43, false, 1024, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct iommu_hw_info cmd = { .size = sizeof(cmd) };
		struct iommufd_dev_desc dd = { .max_pasids =
						       cases[i].max_pasids };
		struct iommufd_iommu *iommu;
		struct iommufd_dev *dev;
		int err = 0;

		setup(&f);
		iommu = add_iommu(&f, (struct iommufd_iommu_desc){
					      .kind = IOMMUFD_IOMMU_INTEL_VTD,
					      .vtd_ecap = cases[i].ecap,
					      .vtd_legacy_mode =
						      cases[i].legacy });
		dev = iommufd_platform_add_dev(f.p, iommu, &dd, &err);
		cr_assert_not_null(dev);
		cr_assert_eq(iommufd_dev_bind(f.h.ctx, dev, &cmd.dev_id), 0);
		ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
		cr_expect_eq(cmd.out_max_pasid_log2, cases[i].want,
			     "case %zu: %u", i, cmd.out_max_pasid_log2);
		teardown(&f);
	}
}

/* intel_pasid_setup_nested(): the stage-1 config is checked at attach */
Test(drivers, vtd_nested_attach_checks_the_stage1_config)
{
	static const struct {
		uint32_t addr_width;
		uint64_t flags;
		int want;
	} cases[] = {
		{ 48, 0, 0 },
		{ 48, IOMMU_VTD_S1_SRE, 0 },	    /* the default has SRS */
		{ 48, IOMMU_VTD_S1_WPE, 0 },
		{ 57, 0, -EINVAL },		    /* no FL5LP in the cap */
		{ 39, 0, -EINVAL },		    /* neither 4 nor 5 levels */
		{ 48, IOMMU_VTD_S1_EAFE, -EINVAL }, /* no EAFS in the ecap */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct iommufd_iommu *iommu;
		struct iommufd_dev *d;
		struct iommu_hwpt_vtd_s1 s1 = {
			.pgtbl_addr = 0x200000,
			.addr_width = cases[i].addr_width,
			.flags = cases[i].flags,
		};
		struct iommu_hwpt_alloc alloc;
		uint32_t ioas, dev, parent, pt;

		setup(&f);
		iommu = add_iommu(&f, (struct iommufd_iommu_desc){
					      .kind = IOMMUFD_IOMMU_INTEL_VTD });
		ioas = h_ioas_alloc(&f.h);
		dev = add_bound(&f, iommu, &d);
		cr_assert_eq(hwpt_alloc(&f, dev, ioas,
					IOMMU_HWPT_ALLOC_NEST_PARENT, &parent),
			     0);
		alloc = (struct iommu_hwpt_alloc){
			.size = sizeof(alloc), .dev_id = dev, .pt_id = parent,
			.data_type = IOMMU_HWPT_DATA_VTD_S1,
			.data_len = sizeof(s1), .data_uptr = (uintptr_t)&s1,
		};
		ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
		pt = alloc.out_hwpt_id;
		cr_expect_eq(iommufd_dev_attach(d, &pt), cases[i].want,
			     "case %zu", i);
		harness_check(&f.h);
		{
			char byte;

			/* a refused attach leaves the device unattached */
			cr_expect_eq(iommufd_dev_dma(d, 0x1000, &byte, 1,
						     false) == -ENODEV,
				     cases[i].want != 0, "case %zu", i);
		}
		teardown(&f);
	}
}

/*
 * A nest parent built for a 5-level IOMMU cannot be the stage 2 of a
 * device behind a 4-level one: the nested attach is ENODEV
 */
Test(drivers, vtd_nested_attach_needs_the_parents_depth)
{
	struct fixture f;
	struct iommufd_iommu *deep, *shallow;
	struct iommufd_dev *d4;
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x200000,
					.addr_width = 48 };
	struct iommu_hwpt_alloc alloc;
	uint32_t ioas, dev5, dev4, parent, pt;

	setup(&f);
	/* SAGAW 5-level (bit 3) only, MGAW 57 bits */
	deep = add_iommu(&f, (struct iommufd_iommu_desc){
				     .kind = IOMMUFD_IOMMU_INTEL_VTD,
				     .vtd_cap = (0x8ull << 8) | (56ull << 16) |
						(0x3ull << 34) | (1ull << 56) });
	shallow = add_iommu(&f, (struct iommufd_iommu_desc){
					.kind = IOMMUFD_IOMMU_INTEL_VTD });
	ioas = h_ioas_alloc(&f.h);
	dev5 = add_bound(&f, deep, NULL);
	dev4 = add_bound(&f, shallow, &d4);
	cr_assert_eq(hwpt_alloc(&f, dev5, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				&parent), 0);
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = dev4, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	pt = alloc.out_hwpt_id;
	cr_assert_eq(iommufd_dev_attach(d4, &pt), -ENODEV);
	harness_check(&f.h);
	pt = parent;
	cr_assert_eq(iommufd_dev_attach(d4, &pt), -EINVAL,
		     "nor can the parent itself be its domain");
	teardown(&f);
}

Test(drivers, amd_has_no_hw_info_and_no_nesting)
{
	struct fixture f;
	struct iommufd_iommu *iommu, *nohd;
	uint32_t ioas, dev, dev2, hwpt;
	uint8_t data[16];
	struct iommu_hw_info cmd = { .size = sizeof(cmd) };

	setup(&f);
	iommu = add_iommu(&f, (struct iommufd_iommu_desc){
				      .kind = IOMMUFD_IOMMU_AMD });
	nohd = add_iommu(&f, (struct iommufd_iommu_desc){
				     .kind = IOMMUFD_IOMMU_AMD, .amd_efr = 1ull << 4 });
	ioas = h_ioas_alloc(&f.h);
	dev = add_bound(&f, iommu, NULL);
	dev2 = add_bound(&f, nohd, NULL);
	memset(data, 0xee, sizeof(data));
	cmd.dev_id = dev;
	cmd.data_len = sizeof(data);
	cmd.data_uptr = (uintptr_t)data;
	ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
	cr_assert_eq(cmd.out_data_type, IOMMU_HW_INFO_TYPE_NONE);
	cr_assert_eq(cmd.data_len, 0);
	cr_assert_eq(data[0], 0, "zero-filled");
	cr_assert_eq(data[15], 0);
	cr_assert_eq(cmd.out_capabilities, IOMMU_HW_CAP_DIRTY_TRACKING);
	cmd.dev_id = dev2;
	ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
	cr_assert_eq(cmd.out_capabilities, 0);

	cr_assert_eq(hwpt_alloc(&f, dev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				&hwpt), -EOPNOTSUPP);
	cr_assert_eq(hwpt_alloc(&f, dev2, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&hwpt), -EOPNOTSUPP);
	cr_assert_eq(hwpt_alloc(&f, dev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&hwpt), 0);
	/* a tracking domain refuses a device whose IOMMU has no HDSup */
	{
		uint32_t pt = hwpt;
		struct iommufd_dev *d;
		struct iommufd_dev_desc dd = { 0 };
		int err = 0;

		d = iommufd_platform_add_dev(f.p, nohd, &dd, &err);
		cr_assert_not_null(d);
		cr_assert_eq(iommufd_dev_bind(f.h.ctx, d, &dev2), 0);
		cr_assert_eq(iommufd_dev_attach(d, &pt), -EINVAL);
		harness_check(&f.h);
	}
	teardown(&f);
}

/*
 * GET_HW_INFO's out_max_pasid_log2 on AMD: the device's PASIDs up to the
 * IOMMU's 2^(PASmax + 1) - 1, with GT; the data itself stays type NONE
 */
Test(drivers, amd_max_pasid_log2)
{
	static const struct {
		uint64_t efr; /* 0: the default (GT, PASmax 15, HDSup) */
		uint32_t max_pasids;
		uint8_t want;
	} cases[] = {
		{ 0, 32, 5 },
		{ 0, 1u << 20, 15 },
		{ 0, 0, 0 },
		{ (1ull << 4) | (3ull << 32), 1024, 3 }, /* 2^4 - 1 = 15 */
		{ 1ull << 52, 1024, 0 },		 /* no GT */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct iommu_hw_info cmd = { .size = sizeof(cmd) };
		struct iommufd_dev_desc dd = { .max_pasids =
						       cases[i].max_pasids };
		struct iommufd_iommu *iommu;
		struct iommufd_dev *dev;
		int err = 0;

		setup(&f);
		iommu = add_iommu(&f, (struct iommufd_iommu_desc){
					      .kind = IOMMUFD_IOMMU_AMD,
					      .amd_efr = cases[i].efr });
		dev = iommufd_platform_add_dev(f.p, iommu, &dd, &err);
		cr_assert_not_null(dev);
		cr_assert_eq(iommufd_dev_bind(f.h.ctx, dev, &cmd.dev_id), 0);
		ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
		cr_expect_eq(cmd.out_data_type, IOMMU_HW_INFO_TYPE_NONE);
		cr_expect_eq(cmd.out_max_pasid_log2, cases[i].want,
			     "case %zu: %u", i, cmd.out_max_pasid_log2);
		teardown(&f);
	}
}

Test(drivers, amd_reserves_hypertransport)
{
	struct fixture f;
	struct iommufd_iommu *iommu;
	struct iommufd_dev *dev;
	uint32_t ioas, pt;

	setup(&f);
	iommu = add_iommu(&f, (struct iommufd_iommu_desc){
				      .kind = IOMMUFD_IOMMU_AMD });
	ioas = h_ioas_alloc(&f.h);
	add_bound(&f, iommu, &dev);
	pt = ioas;
	cr_assert_eq(iommufd_dev_attach(dev, &pt), 0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096,
				 0xfd00000000ull), -EINVAL);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096,
				 0x10000000000ull), 0);
	teardown(&f);
}
