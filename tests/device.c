// SPDX-License-Identifier: MIT
/*
 * Devices and HWPTs on the selftest mock IOMMU: bind, attach, replace,
 * detach, the automatic HWPT and its lifetime, HWPT_ALLOC, GET_HW_INFO,
 * dirty tracking and nested invalidation, with the invariant checker
 * (users counts against the object graph) after every call.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/platform.h>
#include <iommufd/uapi_test.h>

#include "harness.h"
#include "private.h"
#include "mock/mock.h"

struct fixture {
	struct harness h;
	struct iommufd_platform *p;
	struct iommufd_iommu *iommu;
	void *buf;
	size_t buflen;
};

static struct iommufd_dev *add_mock(struct fixture *f, uint32_t flags,
				    uint32_t group)
{
	struct iommufd_dev_desc desc = { .mock_flags = flags, .group = group };
	int err = 0;
	struct iommufd_dev *dev =
		iommufd_platform_add_dev(f->p, f->iommu, &desc, &err);

	cr_assert_not_null(dev, "add_dev: %d", err);
	return dev;
}

static void setup(struct fixture *f)
{
	struct iommufd_iommu_desc desc = { .kind = IOMMUFD_IOMMU_MOCK };
	int err = 0;

	harness_open(&f->h, IOMMUFD_CAP_IPC_LOCK, 0);
	f->p = iommufd_platform_new();
	cr_assert_not_null(f->p);
	f->iommu = iommufd_platform_add_iommu(f->p, &desc, &err);
	cr_assert_not_null(f->iommu);
	f->buflen = 16 << 20;
	f->buf = mmap(NULL, f->buflen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->buf, MAP_FAILED);
}

static void teardown(struct fixture *f)
{
	harness_close(&f->h);
	iommufd_platform_free(f->p);
	munmap(f->buf, f->buflen);
}

static uint32_t bind(struct fixture *f, struct iommufd_dev *dev)
{
	uint32_t id = 0;

	cr_assert_eq(iommufd_dev_bind(f->h.ctx, dev, &id), 0);
	harness_check(&f->h);
	return id;
}

static long attach(struct fixture *f, struct iommufd_dev *dev, uint32_t *pt)
{
	long rc = iommufd_dev_attach(dev, pt);

	harness_check(&f->h);
	return rc;
}

static long hwpt_alloc(struct fixture *f, uint32_t dev_id, uint32_t pt_id,
		       uint32_t flags, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev_id,
		.pt_id = pt_id,
	};
	long rc = h_ioctl(&f->h, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc)
		*out = cmd.out_hwpt_id;
	return rc;
}

static struct iommufd_hw_pagetable *hwpt_of(struct fixture *f, uint32_t id)
{
	struct iommufd_object *obj =
		iommufd_get_object(f->h.ctx, id, IOMMUFD_OBJ_ANY);

	cr_assert_not_null(obj);
	return container_of(obj, struct iommufd_hw_pagetable, obj);
}

Test(device, ids_and_the_shared_auto_hwpt)
{
	struct fixture f;
	struct iommufd_dev *a, *b;
	uint32_t ioas, pt;

	setup(&f);
	a = add_mock(&f, 0, 0);
	b = add_mock(&f, 0, 0);
	ioas = h_ioas_alloc(&f.h);
	cr_assert_eq(ioas, 1);
	cr_assert_eq(bind(&f, a), 2);
	pt = ioas;
	cr_assert_eq(attach(&f, a, &pt), 0);
	cr_assert_eq(pt, 3, "first auto HWPT takes the next id");
	cr_assert_eq(bind(&f, b), 4);
	pt = ioas;
	cr_assert_eq(attach(&f, b, &pt), 0);
	cr_assert_eq(pt, 3, "a compatible device reuses the auto HWPT");

	/* DEVICE, HWPT in use and IOAS under a HWPT are all EBUSY */
	cr_assert_eq(h_destroy(&f.h, 2), -EBUSY);
	cr_assert_eq(h_destroy(&f.h, 3), -EBUSY);
	cr_assert_eq(h_destroy(&f.h, ioas), -EBUSY);

	cr_assert_eq(iommufd_dev_detach(a), 0);
	harness_check(&f.h);
	cr_assert_not_null(iommufd_get_object(f.h.ctx, 3, IOMMUFD_OBJ_HWPT_PAGING));
	cr_assert_eq(iommufd_dev_detach(b), 0);
	harness_check(&f.h);
	cr_assert_null(iommufd_get_object(f.h.ctx, 3, IOMMUFD_OBJ_ANY),
		       "the auto HWPT dies with its last device");
	cr_assert_eq(iommufd_dev_detach(b), -EINVAL);
	cr_assert_eq(h_destroy(&f.h, ioas), 0);
	iommufd_dev_unbind(a);
	iommufd_dev_unbind(b);
	harness_check(&f.h);
	cr_assert_null(iommufd_get_object(f.h.ctx, 2, IOMMUFD_OBJ_ANY));
	teardown(&f);
}

Test(device, attach_errors)
{
	struct fixture f;
	struct iommufd_dev *a, *c;
	uint32_t ioas, pt, dev_id;

	setup(&f);
	a = add_mock(&f, 0, 0);
	ioas = h_ioas_alloc(&f.h);
	dev_id = bind(&f, a);
	cr_assert_eq(iommufd_dev_bind(f.h.ctx, a, &pt), -EBUSY);
	pt = 99;
	cr_assert_eq(attach(&f, a, &pt), -ENOENT);
	pt = dev_id;
	cr_assert_eq(attach(&f, a, &pt), -EINVAL, "a DEVICE is no pt");
	/* the aperture starts at 16 MiB: an area below it blocks the domain */
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096, 0x1000), 0);
	pt = ioas;
	cr_assert_eq(attach(&f, a, &pt), -EADDRINUSE);
	cr_assert_null(iommufd_get_object(f.h.ctx, 3, IOMMUFD_OBJ_ANY),
		       "the failed auto HWPT's id is free again");
	{
		uint64_t len = 4096;

		cr_assert_eq(h_unmap(&f.h, ioas, 0x1000, &len), 0);
	}
	cr_assert_eq(attach(&f, a, &pt), 0);
	cr_assert_eq(pt, 3);
	/* MSI-unisolated devices cannot be bound */
	{
		struct iommufd_dev_desc d = { .msi_unisolated = true };
		int err;

		c = iommufd_platform_add_dev(f.p, f.iommu, &d, &err);
		cr_assert_not_null(c);
		cr_assert_eq(iommufd_dev_bind(f.h.ctx, c, &pt), -EPERM);
	}
	teardown(&f);
}

Test(device, group_shares_one_hwpt_and_replace_moves_it)
{
	struct fixture f;
	struct iommufd_dev *a, *b;
	uint32_t ioas, ioas2, pt, hwpt2 = 0, a_id;

	setup(&f);
	a = add_mock(&f, 0, 7);
	b = add_mock(&f, 0, 7);
	ioas = h_ioas_alloc(&f.h);
	ioas2 = h_ioas_alloc(&f.h);
	a_id = bind(&f, a);
	bind(&f, b);
	pt = ioas;
	cr_assert_eq(attach(&f, a, &pt), 0);
	cr_assert_eq(hwpt_alloc(&f, a_id, ioas2, 0, &hwpt2), 0);
	cr_assert_eq(attach(&f, b, &hwpt2), -EINVAL,
		     "the group is on another HWPT");
	pt = ioas;
	cr_assert_eq(attach(&f, b, &pt), 0);
	cr_assert_eq(hwpt_of(&f, pt)->obj.users, 3);
	/* replacing one device moves the group; the auto HWPT goes */
	cr_assert_eq(attach(&f, a, &hwpt2), 0);
	cr_assert_null(iommufd_get_object(f.h.ctx, pt, IOMMUFD_OBJ_ANY));
	cr_assert_eq(hwpt_of(&f, hwpt2)->obj.users, 3);
	/* a manual HWPT survives its devices */
	cr_assert_eq(iommufd_dev_detach(a), 0);
	cr_assert_eq(iommufd_dev_detach(b), 0);
	harness_check(&f.h);
	cr_assert_eq(hwpt_of(&f, hwpt2)->obj.users, 1);
	cr_assert_eq(h_destroy(&f.h, hwpt2), 0);
	teardown(&f);
}

Test(device, hwpt_alloc_checks_in_kernel_order)
{
	struct fixture f;
	struct iommufd_dev *a, *nodirty;
	uint32_t ioas, a_id, nd_id, hwpt = 0, nested;
	struct iommu_hwpt_alloc cmd = { .size = sizeof(cmd) };

	setup(&f);
	a = add_mock(&f, 0, 0);
	nodirty = add_mock(&f, MOCK_FLAGS_DEVICE_NO_DIRTY, 0);
	ioas = h_ioas_alloc(&f.h);
	a_id = bind(&f, a);
	nd_id = bind(&f, nodirty);

	cmd.__reserved = 1;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
	cmd.__reserved = 0;
	cmd.data_len = 4;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &cmd);
	cmd.data_len = 0;
	ASSERT_ERR(&f.h, ENOENT, IOMMU_HWPT_ALLOC, &cmd);
	cmd.dev_id = a_id;
	cmd.pt_id = 999;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &cmd);
	cmd.pt_id = a_id;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &cmd);
	cr_assert_eq(hwpt_alloc(&f, a_id, ioas, IOMMU_HWPT_FAULT_ID_VALID,
				&hwpt), -EOPNOTSUPP);
	cr_assert_eq(hwpt_alloc(&f, nd_id, ioas,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt),
		     -EOPNOTSUPP);
	cr_assert_eq(hwpt_alloc(&f, a_id, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&hwpt), 0);
	/* dirty tracking enforced on attach */
	cr_assert_eq(attach(&f, nodirty, &hwpt), -EINVAL);
	cr_assert_eq(attach(&f, a, &hwpt), 0);

	/* nested: parent must be a NEST_PARENT, data the selftest type */
	{
		struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
		uint32_t parent = 0;

		cmd = (struct iommu_hwpt_alloc){
			.size = sizeof(cmd), .dev_id = a_id, .pt_id = hwpt,
			.data_type = IOMMU_HWPT_DATA_SELFTEST,
			.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
		};
		ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &cmd);
		cr_assert_eq(hwpt_alloc(&f, a_id, ioas,
					IOMMU_HWPT_ALLOC_NEST_PARENT, &parent),
			     0);
		cmd.pt_id = parent;
		cmd.data_len = 8;
		ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_ALLOC, &cmd);
		cmd.data_len = sizeof(data);
		ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &cmd);
		nested = cmd.out_hwpt_id;
		cr_assert_eq(h_destroy(&f.h, parent), -EBUSY);
		cr_assert_eq(mock_nested_iotlb(hwpt_of(&f, nested)->domain, 3),
			     IOMMU_TEST_IOTLB_DEFAULT);
	}
	teardown(&f);
}

Test(device, get_hw_info)
{
	struct fixture f;
	struct iommufd_dev *a, *nodirty;
	struct iommu_test_hw_info info[2];
	struct iommu_hw_info cmd = { .size = sizeof(cmd) };
	uint32_t a_id;

	setup(&f);
	a = add_mock(&f, 0, 0);
	nodirty = add_mock(&f, MOCK_FLAGS_DEVICE_NO_DIRTY, 0);
	a_id = bind(&f, a);
	ASSERT_ERR(&f.h, ENOENT, IOMMU_GET_HW_INFO, &cmd);
	cmd.dev_id = a_id;
	cmd.flags = 1;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_GET_HW_INFO, &cmd);
	cmd.flags = 0;
	cmd.__reserved[1] = 1;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_GET_HW_INFO, &cmd);
	cmd.__reserved[1] = 0;
	/* a bigger buffer is zero-filled past the driver's 8 bytes */
	memset(info, 0xaa, sizeof(info));
	cmd.data_len = sizeof(info);
	cmd.data_uptr = (uintptr_t)info;
	ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
	cr_assert_eq(cmd.data_len, 8);
	cr_assert_eq(cmd.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
	cr_assert_eq(info[0].test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);
	cr_assert_eq(info[1].flags, 0);
	cr_assert_eq(info[1].test_reg, 0);
	cr_assert_eq(cmd.out_capabilities, IOMMU_HW_CAP_DIRTY_TRACKING);
	/* a short buffer gets a prefix and the full length back */
	memset(info, 0xaa, sizeof(info));
	cmd.data_len = 4;
	ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
	cr_assert_eq(cmd.data_len, 8);
	cr_assert_eq(info[0].flags, 0);
	cr_assert_eq(info[0].test_reg, 0xaaaaaaaa);
	cmd.dev_id = bind(&f, nodirty);
	ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &cmd);
	cr_assert_eq(cmd.out_capabilities, 0);
	teardown(&f);
}

Test(device, dirty_tracking_and_bitmap)
{
	struct fixture f;
	struct iommufd_dev *a;
	struct iommu_domain *dom;
	uint32_t ioas, a_id, hwpt = 0;
	uint64_t iova = MOCK_APERTURE_START, bitmap[2];
	struct iommu_hwpt_set_dirty_tracking set = { .size = sizeof(set) };
	struct iommu_hwpt_get_dirty_bitmap get = { .size = sizeof(get) };
	uint32_t auto_pt;

	setup(&f);
	a = add_mock(&f, 0, 0);
	ioas = h_ioas_alloc(&f.h);
	a_id = bind(&f, a);
	cr_assert_eq(hwpt_alloc(&f, a_id, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&hwpt), 0);
	dom = hwpt_of(&f, hwpt)->domain;
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 64 * 2048, iova),
		     0);

	set.hwpt_id = 999;
	ASSERT_ERR(&f.h, ENOENT, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
	set.hwpt_id = hwpt;
	set.flags = 2;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
	/* stale dirty bits are cleared by enabling */
	cr_assert(mock_domain_mark_dirty(dom, iova / 2048));
	set.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	ASSERT_OK(&f.h, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
	cr_assert(mock_domain_dirty_tracking(dom));

	get.hwpt_id = hwpt;
	get.iova = iova;
	get.length = 64 * 2048;
	get.page_size = 2048;
	get.data = (uintptr_t)bitmap;
	memset(bitmap, 0, sizeof(bitmap));
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(bitmap[0], 0, "enable cleared the old dirty bit");

	cr_assert(mock_domain_mark_dirty(dom, iova / 2048 + 1));
	cr_assert(mock_domain_mark_dirty(dom, iova / 2048 + 63));
	get.flags = IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(bitmap[0], (1ull << 1) | (1ull << 63));
	memset(bitmap, 0, sizeof(bitmap));
	get.flags = 0;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(bitmap[0], (1ull << 1) | (1ull << 63), "NO_CLEAR kept them");
	memset(bitmap, 0, sizeof(bitmap));
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(bitmap[0], 0, "the read cleared them");

	/* bits are only ever set, granule = lowest set bit of page_size */
	cr_assert(mock_domain_mark_dirty(dom, iova / 2048 + 2));
	bitmap[0] = 1ull << 40;
	get.page_size = 4096;
	get.length = 64 * 2048;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(bitmap[0], (1ull << 40) | (1ull << 1));

	/* range checks, and EOPNOTSUPP for a HWPT without dirty ops */
	get.length = 0;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	get.length = 2048;
	get.page_size = 0;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	get.page_size = 4096;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	get.length = 4096;
	get.iova = UINT64_MAX - 4095 + 4096;
	get.iova = 0xfffffffffffff000ull;
	get.length = 0x2000;
	ASSERT_ERR(&f.h, EOVERFLOW, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	get.flags = 4;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	auto_pt = ioas;
	cr_assert_eq(attach(&f, a, &auto_pt), 0);
	get = (struct iommu_hwpt_get_dirty_bitmap){
		.size = sizeof(get), .hwpt_id = auto_pt, .iova = iova,
		.length = 4096, .page_size = 4096, .data = (uintptr_t)bitmap,
	};
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	set.hwpt_id = auto_pt;
	ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
	teardown(&f);
}

Test(device, nested_invalidate_writes_back_entry_num)
{
	struct fixture f;
	struct iommufd_dev *a;
	uint32_t ioas, a_id, parent = 0;
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc alloc;
	struct iommu_hwpt_invalidate_selftest inv[2] = {
		{ .iotlb_id = 1 }, { .iotlb_id = 9 },
	};
	struct iommu_hwpt_invalidate cmd = { .size = sizeof(cmd) };
	struct iommu_domain *dom;

	setup(&f);
	a = add_mock(&f, 0, 0);
	ioas = h_ioas_alloc(&f.h);
	a_id = bind(&f, a);
	cr_assert_eq(hwpt_alloc(&f, a_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				&parent), 0);
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = a_id, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_SELFTEST, .data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	dom = hwpt_of(&f, alloc.out_hwpt_id)->domain;

	cmd.hwpt_id = parent;
	ASSERT_ERR(&f.h, ENOENT, IOMMU_HWPT_INVALIDATE, &cmd);
	cmd.hwpt_id = alloc.out_hwpt_id;
	cmd.entry_num = 2;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(cmd.entry_num, 0, "early errors report 0 handled");
	cmd.data_uptr = (uintptr_t)inv;
	cmd.entry_len = sizeof(inv[0]);
	cmd.entry_num = 2;
	cmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(cmd.entry_num, 1, "the first entry was handled");
	cr_assert_eq(mock_nested_iotlb(dom, 1), 0);
	cr_assert_eq(mock_nested_iotlb(dom, 0), IOMMU_TEST_IOTLB_DEFAULT);
	inv[0].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	cmd.entry_num = 1;
	ASSERT_OK(&f.h, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(mock_nested_iotlb(dom, 0), 0);
	cmd.entry_len = sizeof(inv[0]) + 4;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
	/* entry_num 0 still goes to the driver: a data_type probe */
	cmd.entry_num = 0;
	cmd.data_type = 0xdadbeef;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
	teardown(&f);
}

Test(device, close_waits_for_the_last_unbind)
{
	struct fixture f;
	struct iommufd_dev *a;
	uint32_t ioas, pt;

	setup(&f);
	a = add_mock(&f, 0, 0);
	ioas = h_ioas_alloc(&f.h);
	bind(&f, a);
	pt = ioas;
	cr_assert_eq(attach(&f, a, &pt), 0);
	iommufd_ctx_close(f.h.ctx);
	/* the device fd still works on the closed context */
	cr_assert_eq(iommufd_dev_detach(a), 0);
	pt = ioas;
	cr_assert_eq(attach(&f, a, &pt), 0, "re-creates an auto HWPT");
	iommufd_dev_unbind(a);
	f.h.ctx = NULL;
	iommufd_platform_free(f.p);
	munmap(f.buf, f.buflen);
}
