// SPDX-License-Identifier: MIT
/*
 * Historical kernel bugs (historical-bugs.md), one test each: every test
 * fails when its bug is put back into the model and passes on the model
 * as it is. Named after the kernel fix; the comment quotes its title.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/access.h>
#include <iommufd/platform.h>
#include <iommufd/uapi_test.h>

#include "harness.h"
#include "private.h"

static void noop_unmap(void *data, uint64_t iova, uint64_t length)
{
	(void)data;
	(void)iova;
	(void)length;
}

static const struct iommufd_access_ops pin_ops = {
	.needs_pin_pages = true,
	.unmap = noop_unmap,
};

/* "iommufd: Fix iopt_access_list_id overwrite bug" */
Test(regress, fix_iopt_access_list_id_overwrite)
{
	struct iommufd_access *a, *b;
	struct harness h;
	uint32_t ioas1, ioas2, id;
	static char buf[0x100];
	int err = 0;

	harness_open(&h, IOMMUFD_CAP_IPC_LOCK, 0);
	ioas1 = h_ioas_alloc(&h);
	ioas2 = h_ioas_alloc(&h);
	/* b takes slot 0 of ioas2, a slot 0 of ioas1 */
	b = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(b);
	cr_assert_eq(iommufd_access_attach(b, ioas2), 0);
	a = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(a);
	cr_assert_eq(iommufd_access_attach(a, ioas1), 0);
	/* a gets slot 1 of ioas2 and must still leave slot 0 of ioas1 */
	cr_assert_eq(iommufd_access_replace(a, ioas2), 0);
	harness_check(&h);
	/* with no access left, ioas1 maps at byte granularity again */
	cr_assert_eq(h_map_fixed(&h, ioas1, (uintptr_t)buf + 1, 0x10, 0x10001),
		     0);
	iommufd_access_destroy(a);
	iommufd_access_destroy(b);
	harness_check(&h);
	harness_close(&h);
}

/*
 * "iommufd: Fix iopt_access_list_id overwrite bug": the other half, a
 * replace that fails in iopt_add_access() must leave the id of the slot
 * the access still holds
 */
Test(regress, fix_iopt_access_list_id_failed_replace)
{
	struct iommufd_access *a, *b;
	struct harness h;
	uint32_t ioas1, ioas2, id;
	static char buf[0x100];
	int err = 0;

	harness_open(&h, IOMMUFD_CAP_IPC_LOCK, 0);
	ioas1 = h_ioas_alloc(&h);
	ioas2 = h_ioas_alloc(&h);
	/* byte-granular IOVA in ioas2: a page-pinning access cannot join */
	cr_assert_eq(h_map_fixed(&h, ioas2, (uintptr_t)buf + 1, 0x10, 0x10001),
		     0);
	/* a sits in slot 1 of ioas1, slot 0 of ioas2 is free */
	b = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(b);
	cr_assert_eq(iommufd_access_attach(b, ioas1), 0);
	a = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(a);
	cr_assert_eq(iommufd_access_attach(a, ioas1), 0);
	cr_assert_eq(iommufd_access_replace(a, ioas2), -EADDRINUSE);
	harness_check(&h);
	/* both gone, ioas1 is byte-granular again */
	iommufd_access_destroy(a);
	iommufd_access_destroy(b);
	cr_assert_eq(h_map_fixed(&h, ioas1, (uintptr_t)buf + 1, 0x10, 0x10001),
		     0);
	harness_close(&h);
}

/* A context with a platform of one IOMMU of @kind */
struct machine {
	struct harness h;
	struct iommufd_platform *p;
	struct iommufd_iommu *iommu;
	char *buf;
	size_t buflen;
};

static void machine_open(struct machine *m, enum iommufd_iommu_kind kind)
{
	struct iommufd_iommu_desc desc = { .kind = kind };
	int err = 0;

	harness_open(&m->h, IOMMUFD_CAP_IPC_LOCK, 0);
	m->p = iommufd_platform_new();
	cr_assert_not_null(m->p);
	m->iommu = iommufd_platform_add_iommu(m->p, &desc, &err);
	cr_assert_not_null(m->iommu, "add_iommu: %d", err);
	m->buflen = 8 << 20;
	m->buf = mmap(NULL, m->buflen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(m->buf, MAP_FAILED);
}

static void machine_close(struct machine *m)
{
	harness_close(&m->h);
	iommufd_platform_free(m->p);
	munmap(m->buf, m->buflen);
}

static struct iommufd_dev *machine_dev(struct machine *m,
				       const struct iommufd_dev_desc *desc,
				       uint32_t *dev_id)
{
	int err = 0;
	struct iommufd_dev *dev =
		iommufd_platform_add_dev(m->p, m->iommu, desc, &err);

	cr_assert_not_null(dev, "add_dev: %d", err);
	cr_assert_eq(iommufd_dev_bind(m->h.ctx, dev, dev_id), 0);
	harness_check(&m->h);
	return dev;
}

static uint32_t hwpt_alloc(struct machine *m, uint32_t dev_id, uint32_t pt_id,
			   uint32_t flags)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev_id,
		.pt_id = pt_id,
	};

	ASSERT_OK(&m->h, IOMMU_HWPT_ALLOC, &cmd);
	return cmd.out_hwpt_id;
}

/* "iommufd: Fail replace if device has not been attached" */
Test(regress, fail_replace_if_device_not_attached)
{
	struct iommufd_dev_desc desc = { 0 };
	struct iommufd_dev *dev;
	struct machine m;
	uint32_t dev_id, ioas, pt;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	dev = machine_dev(&m, &desc, &dev_id);
	ioas = h_ioas_alloc(&m.h);
	/* the uAPI attaches instead; the in-kernel call must refuse */
	pt = ioas;
	cr_assert_eq(iommufd_device_replace(dev->idev, &pt), -EINVAL);
	harness_check(&m.h);
	pt = hwpt_alloc(&m, dev_id, ioas, 0);
	cr_assert_eq(iommufd_device_replace(dev->idev, &pt), -EINVAL);
	harness_check(&m.h);
	machine_close(&m);
}

/* "iommufd/device: Fix hwpt at err_unresv in iommufd_device_do_replace()" */
Test(regress, fix_hwpt_at_err_unresv_in_do_replace)
{
	static const struct iommufd_resv_region resv = {
		.start = 0x2000000, .last = 0x20fffff,
		.type = IOMMUFD_RESV_RESERVED,
	};
	struct iommufd_dev_desc d_desc = {
		.mock_flags = MOCK_FLAGS_DEVICE_NO_DIRTY,
		.resv = &resv, .nresv = 1,
	};
	struct iommufd_dev_desc e_desc = { 0 };
	struct iommufd_dev *d;
	struct machine m;
	uint32_t d_id, e_id, ioas1, ioas2, hwpt1, hwpt2, pt;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	d = machine_dev(&m, &d_desc, &d_id);
	machine_dev(&m, &e_desc, &e_id);
	ioas1 = h_ioas_alloc(&m.h);
	ioas2 = h_ioas_alloc(&m.h);
	hwpt1 = hwpt_alloc(&m, d_id, ioas1, 0);
	hwpt2 = hwpt_alloc(&m, e_id, ioas2, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	pt = hwpt1;
	cr_assert_eq(iommufd_dev_attach(d, &pt), 0);
	/* the driver refuses the dirty domain after ioas2 reserved d's range */
	pt = hwpt2;
	cr_assert_eq(iommufd_dev_attach(d, &pt), -EINVAL);
	harness_check(&m.h);
	/* d's range is still reserved where d is, and only there */
	cr_assert_eq(h_map_fixed(&m.h, ioas1, (uintptr_t)m.buf, 0x1000,
				 0x2000000), -EINVAL);
	cr_assert_eq(h_map_fixed(&m.h, ioas2, (uintptr_t)m.buf, 0x1000,
				 0x2000000), 0);
	machine_close(&m);
}

/*
 * "iommufd: Set upper bounds on cache invalidation entry_num and
 * entry_len": checked before the HWPT is looked up, so the missing HWPT
 * (ENOENT) is only reached by arrays within the bounds
 */
Test(regress, set_upper_bounds_on_cache_invalidation)
{
	static uint8_t entries[2 * 4096];
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = 0,
		.data_uptr = (uintptr_t)entries,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
	};
	struct harness h;

	harness_open(&h, IOMMUFD_CAP_IPC_LOCK, 0);
	cmd.entry_len = 4096;
	cmd.entry_num = 1;
	ASSERT_ERR(&h, ENOENT, IOMMU_HWPT_INVALIDATE, &cmd);
	cmd.entry_len = 4097;
	cmd.entry_num = 1;
	ASSERT_ERR(&h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(cmd.entry_num, 0);
	cmd.entry_len = 8;
	cmd.entry_num = 1u << 19;
	ASSERT_ERR(&h, ENOENT, IOMMU_HWPT_INVALIDATE, &cmd);
	cmd.entry_num = (1u << 19) + 1;
	ASSERT_ERR(&h, EINVAL, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(cmd.entry_num, 0);
	harness_close(&h);
}
