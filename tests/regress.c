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
#include "amd/amd.h"

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

/* "iommufd: Disallow allocating nested parent domain with fault ID" */
Test(regress, disallow_nest_parent_with_fault_id)
{
	struct iommufd_dev_desc desc = { 0 };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_alloc cmd = { .size = sizeof(cmd) };
	struct machine m;
	uint32_t dev_id;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	machine_dev(&m, &desc, &dev_id);
	ASSERT_OK(&m.h, IOMMU_FAULT_QUEUE_ALLOC, &fa);
	cmd.dev_id = dev_id;
	cmd.pt_id = h_ioas_alloc(&m.h);
	cmd.fault_id = fa.out_fault_id;
	/* 6.12 takes a fault only on a nested HWPT */
	cmd.flags = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_FAULT_ID_VALID;
	ASSERT_ERR(&m.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	ASSERT_ERR(&m.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
	cr_assert_eq(iommufd_fault_fd_close(m.h.ctx, (int)fa.out_fault_fd), 0);
	machine_close(&m);
}

/* env->fd_ops that remember what was handed back */
struct fd_tab {
	int next, nput, put;
};

static int tab_get(void *priv)
{
	return ((struct fd_tab *)priv)->next++;
}

static void tab_put(void *priv, int fd)
{
	struct fd_tab *t = priv;

	t->nput++;
	t->put = fd;
}

static const struct iommufd_fd_ops tab_ops = {
	.get_unused_fd = tab_get,
	.put_unused_fd = tab_put,
};

/* "iommufd: Fix out_fput in iommufd_fault_alloc()" */
Test(regress, fix_out_fput_in_fault_alloc)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	struct fd_tab tab = { .next = 50 };
	struct harness h;
	void *ro;

	harness_open(&h, IOMMUFD_CAP_IPC_LOCK, 0);
	h.env.fd_ops = &tab_ops;
	h.env.fd_priv = &tab;
	/* the result cannot be written back: the reserved number goes back */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ro, MAP_FAILED);
	memcpy(ro, &cmd, sizeof(cmd));
	cr_assert_eq(mprotect(ro, 4096, PROT_READ), 0);
	ASSERT_ERR(&h, EFAULT, IOMMU_FAULT_QUEUE_ALLOC, ro);
	cr_assert_eq(tab.nput, 1);
	cr_assert_eq(tab.put, 50);
	cr_assert_eq(h.ctx->file_refs, 0, "the aborted file let go");
	munmap(ro, 4096);
	harness_close(&h);
}

/* A mock device attached to a nested HWPT with its own fault queue */
struct faulting {
	uint32_t fault, hwpt;
	int fd;
};

static void nested_with_fault(struct machine *m, uint32_t dev_id,
			      uint32_t parent, struct faulting *x)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = dev_id, .pt_id = parent,
		.flags = IOMMU_HWPT_FAULT_ID_VALID,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
	};

	ASSERT_OK(&m->h, IOMMU_FAULT_QUEUE_ALLOC, &fa);
	x->fault = fa.out_fault_id;
	x->fd = (int)fa.out_fault_fd;
	cmd.fault_id = x->fault;
	ASSERT_OK(&m->h, IOMMU_HWPT_ALLOC, &cmd);
	x->hwpt = cmd.out_hwpt_id;
}

/*
 * "iommufd: Fix wrong hwpt passed to iommufd_auto_response_faults on
 * replace": between HWPTs with different fault queues, the old queue's
 * groups are the ones answered
 */
Test(regress, fix_wrong_hwpt_auto_response_on_replace)
{
	struct iommufd_dev_desc desc = { 0 };
	struct iommu_hwpt_pgfault rec;
	struct iommu_hwpt_page_response resp = { .cookie = 1 };
	struct faulting a, b;
	struct iommufd_dev *dev;
	struct machine m;
	uint32_t dev_id, parent, pt;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	dev = machine_dev(&m, &desc, &dev_id);
	parent = hwpt_alloc(&m, dev_id, h_ioas_alloc(&m.h),
			    IOMMU_HWPT_ALLOC_NEST_PARENT);
	nested_with_fault(&m, dev_id, parent, &a);
	nested_with_fault(&m, dev_id, parent, &b);
	pt = a.hwpt;
	cr_assert_eq(iommufd_dev_attach(dev, &pt), 0);
	/* one group delivered and awaiting its response, one undelivered */
	iommufd_fault_trigger_iopf(dev, 0, 1, IOMMU_PGFAULT_PERM_READ, 0x1000);
	iommufd_fault_trigger_iopf(dev, 0, 2, IOMMU_PGFAULT_PERM_READ, 0x2000);
	cr_assert_eq(iommufd_fault_fd_read(m.h.ctx, a.fd, (uintptr_t)&rec,
					   sizeof(rec)),
		     (long)sizeof(rec));
	pt = b.hwpt;
	cr_assert_eq(iommufd_dev_attach(dev, &pt), 0);
	harness_check(&m.h);
	/* both of a's groups were answered: nothing to read or respond to */
	cr_assert_eq(iommufd_fault_fd_read(m.h.ctx, a.fd, (uintptr_t)&rec,
					   sizeof(rec)),
		     0);
	cr_assert_eq(iommufd_fault_fd_write(m.h.ctx, a.fd, (uintptr_t)&resp,
					    sizeof(resp)),
		     -EINVAL);
	harness_check(&m.h);
	cr_assert_eq(iommufd_dev_detach(dev), 0);
	cr_assert_eq(iommufd_fault_fd_close(m.h.ctx, a.fd), 0);
	cr_assert_eq(iommufd_fault_fd_close(m.h.ctx, b.fd), 0);
	machine_close(&m);
}

/*
 * Generic "swap or drop the unwind": an attach the driver refuses must
 * take back the reserved regions it put into the IOAS
 */
Test(regress, attach_unwind_releases_reserved_regions)
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
	uint32_t d_id, e_id, ioas, pt;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	d = machine_dev(&m, &d_desc, &d_id);
	machine_dev(&m, &e_desc, &e_id);
	ioas = h_ioas_alloc(&m.h);
	pt = hwpt_alloc(&m, e_id, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	cr_assert_eq(iommufd_dev_attach(d, &pt), -EINVAL);
	harness_check(&m.h);
	cr_assert_eq(h_map_fixed(&m.h, ioas, (uintptr_t)m.buf, 0x1000,
				 0x2000000), 0);
	machine_close(&m);
}

/*
 * "iommufd: Don't overflow during division for dirty tracking" (and the
 * iova_bitmap shift of the same syzbot report): page_size 2^63 with the
 * one length it fits is a bitmap of one bit, not a division by zero
 */
Test(regress, dont_overflow_during_division_for_dirty_tracking)
{
	struct iommufd_dev_desc desc = { 0 };
	struct machine m;
	uint64_t bits = 0;
	uint32_t dev_id, ioas, hwpt;
	uint64_t ps;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	machine_dev(&m, &desc, &dev_id);
	ioas = h_ioas_alloc(&m.h);
	hwpt = hwpt_alloc(&m, dev_id, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	for (ps = 1ull << 61; ps; ps <<= 1) {
		struct iommu_hwpt_get_dirty_bitmap cmd = {
			.size = sizeof(cmd), .hwpt_id = hwpt, .iova = 0,
			.length = ps, .page_size = ps,
			.data = (uintptr_t)&bits,
		};
		long rc = h_ioctl(&m.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);

		cr_assert(rc == 0 || rc == -EINVAL, "page_size %#llx: %ld",
			  (unsigned long long)ps, rc);
		cr_assert_eq(bits, 0);
	}
	machine_close(&m);
}

/*
 * "iommufd/iova_bitmap: Handle recording beyond the mapped pages" and
 * "...Consider page offset for the pages to be pinned": a huge IOPTE's
 * record runs past a one-bit request; its bits land in the rest of the
 * bitmap's last pinned page and never in the page after it
 */
Test(regress, iova_bitmap_records_stop_at_the_pinned_pages)
{
	struct harness h;
	struct iommufd_platform *p = iommufd_platform_new();
	uint64_t iova = MOCK_APERTURE_START, bits = 1;
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
	};
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc), .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set), .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get), .length = 4096, .page_size = 4096,
	};
	size_t huge = 512 * 2048;
	uint8_t *bm, *mem;
	void *src;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.env.mem = iommufd_mem_self();
	h.env.acct = &h.acct;
	h.env.caps = IOMMUFD_CAP_IPC_LOCK;
	h.env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	h.env.platform = p;
	h.env.config = IOMMUFD_CONFIG_TEST;
	h.ctx = iommufd_ctx_open(&h.env, 0);
	cr_assert_not_null(h.ctx);
	cmd.id = h_ioas_alloc(&h);
	ASSERT_OK(&h, IOMMU_TEST_CMD, &cmd);
	alloc.dev_id = cmd.mock_domain.out_idev_id;
	alloc.pt_id = cmd.id;
	ASSERT_OK(&h, IOMMU_HWPT_ALLOC, &alloc);
	set.hwpt_id = get.hwpt_id = alloc.out_hwpt_id;
	ASSERT_OK(&h, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
	src = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(src, MAP_FAILED);
	cr_assert_eq(h_map_fixed(&h, cmd.id,
				 ((uintptr_t)src + huge - 1) & ~(huge - 1),
				 huge, iova), 0);
	cmd = (struct iommu_test_cmd){
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_DIRTY,
		.id = alloc.out_hwpt_id,
		.dirty = { .iova = iova, .length = 2048, .page_size = 2048,
			   .uptr = (uintptr_t)&bits },
	};
	ASSERT_OK(&h, IOMMU_TEST_CMD, &cmd);
	/* the bitmap's one byte is the last of its page; a page follows */
	mem = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(mem, MAP_FAILED);
	bm = mem + 2 * 4096 - 1;
	get.iova = iova;
	get.data = (uintptr_t)bm;
	get.flags = IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	ASSERT_OK(&h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(bm[0], 0xff, "the record fills the pinned byte");
	for (i = 1; i <= 4096; i++)
		cr_assert_eq(bm[i], 0, "bit %zu past the pinned page", i * 8);
	/* at the start of a page, the record fills what that page holds */
	bm = mem;
	get.data = (uintptr_t)bm;
	ASSERT_OK(&h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	for (i = 0; i < huge / 4096 / 8; i++)
		cr_assert_eq(bm[i], 0xff, "byte %zu of the record", i);
	cr_assert_eq(bm[i], 0);
	munmap(mem, 3 * 4096);
	harness_close(&h);
	iommufd_platform_free(p);
	munmap(src, 2 * huge);
}

/* "iommu/vt-d: Disallow dirty tracking if incoherent page walk" */
Test(regress, vtd_disallow_dirty_tracking_if_incoherent_page_walk)
{
	/* the model's default ecap, SMPWC (bit 48) cleared */
	const uint64_t ecap = (1ull << 0) | (1ull << 7) | (1ull << 26) |
			      (1ull << 29) | (1ull << 31) | (19ull << 35) |
			      (1ull << 40) | (1ull << 43) | (1ull << 45) |
			      (1ull << 46) | (1ull << 47);
	struct iommufd_iommu_desc idesc = {
		.kind = IOMMUFD_IOMMU_INTEL_VTD, .vtd_ecap = ecap,
	};
	struct iommufd_dev_desc desc = { 0 };
	struct iommu_hw_info info = { .size = sizeof(info) };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};
	struct iommufd_iommu *vtd;
	struct iommufd_dev *dev;
	struct machine m;
	uint32_t dev_id;
	int err = 0;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	vtd = iommufd_platform_add_iommu(m.p, &idesc, &err);
	cr_assert_not_null(vtd, "add_iommu: %d", err);
	dev = iommufd_platform_add_dev(m.p, vtd, &desc, &err);
	cr_assert_not_null(dev);
	cr_assert_eq(iommufd_dev_bind(m.h.ctx, dev, &dev_id), 0);
	info.dev_id = dev_id;
	ASSERT_OK(&m.h, IOMMU_GET_HW_INFO, &info);
	cr_assert_eq(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING, 0);
	cmd.dev_id = dev_id;
	cmd.pt_id = h_ioas_alloc(&m.h);
	ASSERT_ERR(&m.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
	machine_close(&m);
}

/*
 * "iommu/amd: Set the pgsize_bitmap correctly": v1 tables take every
 * power of two from 4K but 512G, v2 tables 4K, 2M and 1G only
 */
Test(regress, amd_set_the_pgsize_bitmap_correctly)
{
	struct iommufd_iommu_desc idesc = { .kind = IOMMUFD_IOMMU_AMD };
	struct iommufd_dev_desc desc = { 0 };
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_iommu *amd;
	struct iommufd_dev *dev;
	struct machine m;
	uint32_t dev_id, id;
	int err = 0;

	cr_assert_eq(AMD_V2_PGSIZES, (1ull << 12) | (1ull << 21) | (1ull << 30));
	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	amd = iommufd_platform_add_iommu(m.p, &idesc, &err);
	cr_assert_not_null(amd, "add_iommu: %d", err);
	dev = iommufd_platform_add_dev(m.p, amd, &desc, &err);
	cr_assert_not_null(dev);
	cr_assert_eq(iommufd_dev_bind(m.h.ctx, dev, &dev_id), 0);
	id = hwpt_alloc(&m, dev_id, h_ioas_alloc(&m.h), 0);
	hwpt = container_of(iommufd_get_object(m.h.ctx, id, IOMMUFD_OBJ_ANY),
			    struct iommufd_hw_pagetable, obj);
	cr_assert_eq(hwpt->domain->iopt.pgsize_bitmap,
		     0x000ffffffffff000ull & ~(1ull << 39), "%#llx",
		     (unsigned long long)hwpt->domain->iopt.pgsize_bitmap);
	machine_close(&m);
}

/*
 * CVE-2026-31735 and "iommupt: Always add IOVA range to iotlb_gather in
 * gather_range_pages()": every page an unmap removed is invalidated, the
 * last one of the range included; a DMA after the unmap must fault, not
 * hit a cached translation
 */
static void unmap_invalidates_every_page(enum iommufd_iommu_kind kind)
{
	struct iommufd_iommu_desc idesc = { .kind = kind };
	struct iommufd_dev_desc desc = { 0 };
	struct iommufd_iommu *iommu;
	struct iommufd_dev *dev;
	struct machine m;
	uint32_t dev_id, ioas, pt;
	uint64_t iova = 0x100000, len = 4 * 4096, off;
	char byte;
	int err = 0;

	machine_open(&m, IOMMUFD_IOMMU_MOCK);
	iommu = iommufd_platform_add_iommu(m.p, &idesc, &err);
	cr_assert_not_null(iommu, "add_iommu: %d", err);
	dev = iommufd_platform_add_dev(m.p, iommu, &desc, &err);
	cr_assert_not_null(dev);
	cr_assert_eq(iommufd_dev_bind(m.h.ctx, dev, &dev_id), 0);
	ioas = h_ioas_alloc(&m.h);
	pt = ioas;
	cr_assert_eq(iommufd_dev_attach(dev, &pt), 0);
	cr_assert_eq(h_map_fixed(&m.h, ioas, (uintptr_t)m.buf, len, iova), 0);
	for (off = 0; off < len; off += 4096)
		cr_assert_eq(iommufd_dev_dma(dev, iova + off, &byte, 1, false),
			     0);
	cr_assert_eq(h_unmap(&m.h, ioas, iova, &len), 0);
	for (off = 0; off < len; off += 4096) {
		cr_assert_eq(iommufd_dev_dma(dev, iova + off, &byte, 1, false),
			     -EFAULT, "page %#llx still translates",
			     (unsigned long long)(iova + off));
		harness_check(&m.h);
	}
	cr_assert_eq(iommufd_dev_detach(dev), 0);
	machine_close(&m);
}

Test(regress, vtd_unmap_invalidates_every_page)
{
	unmap_invalidates_every_page(IOMMUFD_IOMMU_INTEL_VTD);
}

Test(regress, amd_unmap_invalidates_every_page)
{
	unmap_invalidates_every_page(IOMMUFD_IOMMU_AMD);
}
