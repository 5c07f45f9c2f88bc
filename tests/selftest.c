// SPDX-License-Identifier: MIT
/*
 * IOMMU_TEST_CMD as a CONFIG_IOMMUFD_TEST kernel answers it: mock
 * domains and their IDs, map and pin-count checks, access fds, dirty
 * marking, the fake IOTLB, and the command's absence without the config.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/platform.h>
#include <iommufd/uapi_test.h>

#include "harness.h"
#include "private.h"

struct fixture {
	struct harness h;
	struct iommufd_platform *p;
	char *buf;
	size_t buflen;
};

static void setup(struct fixture *f, unsigned int config)
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
	f->h.ctx = iommufd_ctx_open(&f->h.env, 0);
	cr_assert_not_null(f->h.ctx);
	f->buflen = 8 << 20;
	f->buf = mmap(NULL, f->buflen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->buf, MAP_FAILED);
	memset(f->buf, 0, f->buflen);
}

static void teardown(struct fixture *f)
{
	harness_close(&f->h);
	iommufd_platform_free(f->p);
	munmap(f->buf, f->buflen);
}

static long test_cmd(struct fixture *f, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return h_ioctl(&f->h, IOMMU_TEST_CMD, cmd);
}

static void mock_domain(struct fixture *f, uint32_t pt, uint32_t flags,
			uint32_t *stdev, uint32_t *hwpt, uint32_t *idev)
{
	struct iommu_test_cmd cmd = {
		.op = flags ? IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS :
			      IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt,
		.mock_domain_flags.dev_flags = flags,
	};

	cr_assert_eq(test_cmd(f, &cmd), 0);
	*stdev = cmd.mock_domain.out_stdev_id;
	*hwpt = cmd.mock_domain.out_hwpt_id;
	*idev = cmd.mock_domain.out_idev_id;
}

Test(selftest, absent_without_the_config)
{
	struct fixture f;
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };

	setup(&f, 0);
	cr_assert_eq(test_cmd(&f, &cmd), -ENOTTY);
	teardown(&f);
}

Test(selftest, mock_domain_ids_and_sharing)
{
	struct fixture f;
	uint32_t ioas, stdev, hwpt, idev, stdev2, hwpt2, idev2;
	struct iommu_test_cmd cmd = { 0 };

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	mock_domain(&f, ioas, 0, &stdev, &hwpt, &idev);
	cr_assert_eq(ioas, 1);
	cr_assert_eq(stdev, 2);
	cr_assert_eq(idev, 3);
	cr_assert_eq(hwpt, 4);
	mock_domain(&f, ioas, 0, &stdev2, &hwpt2, &idev2);
	cr_assert_eq(stdev2, 5);
	cr_assert_eq(idev2, 6);
	cr_assert_eq(hwpt2, 4, "a second mock device reuses the auto HWPT");
	/* a DEVICE cannot be destroyed, its stdev can */
	cr_assert_eq(h_destroy(&f.h, idev), -EBUSY);
	cr_assert_eq(h_destroy(&f.h, stdev), 0);
	cr_assert_eq(h_destroy(&f.h, stdev2), 0);
	cr_assert_eq(h_destroy(&f.h, hwpt), -ENOENT, "went with its devices");
	cr_assert_eq(h_destroy(&f.h, ioas), 0);
	/* bad flags and bad ids */
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
	cmd.mock_domain_flags.dev_flags = 1 << 7;
	cmd.id = 1;
	cr_assert_eq(test_cmd(&f, &cmd), -EINVAL);
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	cmd.id = 99;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);
	cmd.op = 999;
	cr_assert_eq(test_cmd(&f, &cmd), -EOPNOTSUPP);
	teardown(&f);
}

Test(selftest, check_map_refs_and_reserved)
{
	struct fixture f;
	uint32_t ioas, stdev, hwpt, idev;
	uint64_t iova = MOCK_APERTURE_START;
	struct iommu_test_cmd cmd = { 0 };

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MD_CHECK_REFS,
				       .check_refs = { .length = 4096,
						       .uptr = (uintptr_t)f.buf,
						       .refs = 0 } };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 8192, iova), 0);
	cr_assert_eq(test_cmd(&f, &cmd), 0, "nothing pins without a domain");
	mock_domain(&f, ioas, 0, &stdev, &hwpt, &idev);
	cmd.check_refs.refs = 1;
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cmd.check_refs.refs = 2;
	cr_assert_eq(test_cmd(&f, &cmd), -EIO);

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MD_CHECK_MAP,
				       .id = hwpt,
				       .check_map = { .iova = iova,
						      .length = 8192,
						      .uptr = (uintptr_t)f.buf } };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cmd.check_map.uptr += 4096;
	cr_assert_eq(test_cmd(&f, &cmd), -EINVAL);
	cmd.check_map.uptr += 1;
	cr_assert_eq(test_cmd(&f, &cmd), -EINVAL);
	cmd.id = ioas;
	cmd.check_map.uptr = (uintptr_t)f.buf;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_ADD_RESERVED,
				       .id = ioas,
				       .add_reserved = { .start = iova,
							 .length = 4096 } };
	cr_assert_eq(test_cmd(&f, &cmd), -EADDRINUSE);
	cmd.add_reserved.start = iova + (1 << 20);
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096,
				 iova + (1 << 20)), -EINVAL);
	cmd.add_reserved.length = 0;
	cr_assert_eq(test_cmd(&f, &cmd), -EINVAL);
	teardown(&f);
}

Test(selftest, access_fd_pins_and_copies)
{
	struct fixture f;
	uint32_t ioas, item;
	int fd;
	uint64_t iova = 0x100000, len;
	char data[64];
	struct iommu_test_cmd cmd = { 0 };

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 16384, iova), 0);
	memcpy(f.buf + 100, "hello", 6);

	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas,
		.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	fd = cmd.create_access.out_access_fd;
	cr_assert_eq(fd, 3);
	cr_assert_eq(h_destroy(&f.h, ioas), -EBUSY, "the access holds it");

	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_PAGES, .id = fd,
		.access_pages = { .iova = iova, .length = 8192,
				  .uptr = (uintptr_t)f.buf },
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	item = cmd.access_pages.out_access_pages_id;
	cr_assert_eq(item, 0);
	cmd.access_pages.uptr += 4096;
	cr_assert_eq(test_cmd(&f, &cmd), -EBADE);
	cmd.id = 77;
	cr_assert_eq(test_cmd(&f, &cmd), -EBADFD);

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MD_CHECK_REFS,
				       .check_refs = { .length = 8192,
						       .uptr = (uintptr_t)f.buf,
						       .refs = 1 } };
	cr_assert_eq(test_cmd(&f, &cmd), 0);

	/* read through the IOVA, then write and see it in user memory */
	memset(data, 0, sizeof(data));
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_RW, .id = fd,
		.access_rw = { .iova = iova + 100, .length = 6,
			       .uptr = (uintptr_t)data },
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_str_eq(data, "hello");
	memcpy(data, "world", 6);
	cmd.access_rw.iova = iova + 4096 - 2; /* across a page */
	cmd.access_rw.flags = MOCK_ACCESS_RW_WRITE;
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_str_eq(f.buf + 4094, "world");
	cmd.access_rw.iova = iova + 16384 - 2;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT, "runs off the area");

	/* UNMAP makes the access let go of its pins */
	len = 16384;
	cr_assert_eq(h_unmap(&f.h, ioas, iova, &len), 0);
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, .id = fd,
		.destroy_access_pages.access_pages_id = item,
	};
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, fd), 0);
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, fd), -EBADF);
	cr_assert_eq(h_destroy(&f.h, ioas), 0);
	teardown(&f);
}

Test(selftest, dirty_marks_and_bitmap_reads)
{
	struct fixture f;
	uint32_t ioas, stdev, auto_hwpt, idev, hwpt;
	uint64_t iova = MOCK_APERTURE_START, bits = 0x5, out[1] = { 0 };
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_set_dirty_tracking set = { .size = sizeof(set) };
	struct iommu_hwpt_get_dirty_bitmap get = { .size = sizeof(get) };
	struct iommu_test_cmd cmd = { 0 };

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	mock_domain(&f, ioas, 0, &stdev, &auto_hwpt, &idev);
	alloc.dev_id = idev;
	alloc.pt_id = ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	hwpt = alloc.out_hwpt_id;
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 8 * 2048, iova),
		     0);

	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_DIRTY, .id = hwpt,
		.dirty = { .iova = iova, .length = 8 * 2048, .page_size = 2048,
			   .uptr = (uintptr_t)&bits },
	};
	cr_assert_eq(test_cmd(&f, &cmd), -EINVAL, "tracking is off");
	set.hwpt_id = hwpt;
	set.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	ASSERT_OK(&f.h, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_eq(cmd.dirty.out_nr_dirty, 2);
	cmd.id = auto_hwpt;
	cr_assert_eq(test_cmd(&f, &cmd), -EINVAL);

	get.hwpt_id = hwpt;
	get.iova = iova;
	get.length = 8 * 2048;
	get.page_size = 2048;
	get.data = (uintptr_t)out;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(out[0], 0x5);

	/* a long mark: whole zero words, then bits past them and at the end */
	{
		uint64_t wide[4] = { 0, 0, 1ull << 2, 1ull << 63 };

		cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf,
					 256 * 2048, iova + 0x100000), 0);
		cmd.id = hwpt;
		cmd.dirty.iova = iova + 0x100000;
		cmd.dirty.length = 256 * 2048;
		cmd.dirty.uptr = (uintptr_t)wide;
		cr_assert_eq(test_cmd(&f, &cmd), 0);
		cr_assert_eq(cmd.dirty.out_nr_dirty, 2);
		get.iova = iova + 0x100000;
		get.length = 256 * 2048;
		get.data = (uintptr_t)wide;
		memset(wide, 0, sizeof(wide));
		ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
		cr_assert_eq(wide[0], 0);
		cr_assert_eq(wide[1], 0);
		cr_assert_eq(wide[2], 1ull << 2);
		cr_assert_eq(wide[3], 1ull << 63);
	}
	teardown(&f);
}

Test(selftest, nested_iotlb_check_and_replace)
{
	struct fixture f;
	uint32_t ioas, stdev, hwpt, idev, parent, nested;
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd cmd = { 0 };

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	mock_domain(&f, ioas, 0, &stdev, &hwpt, &idev);
	alloc.dev_id = idev;
	alloc.pt_id = ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	parent = alloc.out_hwpt_id;
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = idev, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_SELFTEST, .data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	nested = alloc.out_hwpt_id;

	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_MD_CHECK_IOTLB, .id = nested,
		.check_iotlb = { .id = 3, .iotlb = IOMMU_TEST_IOTLB_DEFAULT },
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cmd.check_iotlb.id = 4;
	cr_assert_eq(test_cmd(&f, &cmd), -EINVAL);
	cmd.id = parent;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);

	/* the auto HWPT goes away when its only device moves to nested */
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
				       .id = stdev,
				       .mock_domain_replace.pt_id = nested };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_eq(cmd.mock_domain_replace.pt_id, nested);
	cr_assert_eq(h_destroy(&f.h, hwpt), -ENOENT);
	cr_assert_eq(h_destroy(&f.h, nested), -EBUSY);
	cmd.id = idev;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT, "replace wants the stdev id");
	teardown(&f);
}

Test(selftest, table_holes_read_the_size_first)
{
	struct fixture f;
	unsigned int hole = IOMMUFD_IO(IOMMUFD_TYPE, 0x90);

	setup(&f, IOMMUFD_CONFIG_TEST);
	/* inside a test kernel's table: the size is read, then ENOTTY */
	cr_assert_eq(iommufd_ctx_ioctl(f.h.ctx, hole, 0), -EFAULT);
	teardown(&f);
	setup(&f, 0);
	/* past the end of a normal table: the VFIO compat layer's ENOTTY */
	cr_assert_eq(iommufd_ctx_ioctl(f.h.ctx, hole, 0), -ENOTTY);
	teardown(&f);
}

Test(selftest, trigger_iopf_reaches_the_fault_queue)
{
	struct fixture f;
	uint32_t ioas, stdev, hwpt, idev, parent;
	struct iommu_fault_alloc falloc = { .size = sizeof(falloc) };
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_pgfault pgf;
	struct iommu_test_cmd cmd = { 0 };

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	mock_domain(&f, ioas, 0, &stdev, &hwpt, &idev);
	ASSERT_OK(&f.h, IOMMU_FAULT_QUEUE_ALLOC, &falloc);
	alloc.dev_id = idev;
	alloc.pt_id = ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	parent = alloc.out_hwpt_id;
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .flags = IOMMU_HWPT_FAULT_ID_VALID,
		.dev_id = idev, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_SELFTEST, .data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data, .fault_id = falloc.out_fault_id,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
				       .id = stdev,
				       .mock_domain_replace.pt_id =
					       alloc.out_hwpt_id };
	cr_assert_eq(test_cmd(&f, &cmd), 0);

	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .dev_id = idev, .pasid = 0x1, .grpid = 0x2,
				  .perm = 1, .addr = 0xdeadbeaf000 },
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_eq(iommufd_fault_fd_read(f.h.ctx, falloc.out_fault_fd,
					   (uintptr_t)&pgf, sizeof(pgf)),
		     (long)sizeof(pgf));
	cr_assert_eq(pgf.dev_id, idev);
	cr_assert_eq(pgf.addr, 0xdeadbeaf000);
	cr_assert_eq(pgf.grpid, 2);
	cr_assert_eq(pgf.pasid, 1);
	cmd.trigger_iopf.dev_id = ioas;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, falloc.out_fault_fd), 0);
	teardown(&f);
}

Test(selftest, dma_fault_raises_a_page_request)
{
	struct fixture f;
	uint32_t ioas, stdev, hwpt, idev, parent;
	struct iommu_fault_alloc falloc = { .size = sizeof(falloc) };
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_pgfault pgf;
	struct iommu_test_cmd cmd = { 0 };
	struct iommufd_dev *dev;
	char c;

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	mock_domain(&f, ioas, 0, &stdev, &hwpt, &idev);
	ASSERT_OK(&f.h, IOMMU_FAULT_QUEUE_ALLOC, &falloc);
	alloc.dev_id = idev;
	alloc.pt_id = ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	parent = alloc.out_hwpt_id;
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .flags = IOMMU_HWPT_FAULT_ID_VALID,
		.dev_id = idev, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_SELFTEST, .data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data, .fault_id = falloc.out_fault_id,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
				       .id = stdev,
				       .mock_domain_replace.pt_id =
					       alloc.out_hwpt_id };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	/* the mock device behind the DEVICE object */
	dev = container_of(iommufd_get_object(f.h.ctx, idev, IOMMUFD_OBJ_DEVICE),
			   struct iommufd_device, obj)->dev;
	cr_assert_eq(iommufd_dev_dma(dev, MOCK_APERTURE_START + 0x1234, &c, 1,
				     true), -EFAULT);
	cr_assert_eq(iommufd_fault_fd_read(f.h.ctx, falloc.out_fault_fd,
					   (uintptr_t)&pgf, sizeof(pgf)),
		     (long)sizeof(pgf));
	cr_assert_eq(pgf.addr, MOCK_APERTURE_START + 0x1000);
	cr_assert_eq(pgf.perm, IOMMU_PGFAULT_PERM_WRITE);
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, falloc.out_fault_fd), 0);
	teardown(&f);
}

Test(selftest, files_are_listed_and_share_one_number_space)
{
	struct fixture f;
	uint32_t ioas;
	int fds[4];
	struct iommu_test_cmd cmd = { 0 };
	struct iommu_fault_alloc falloc = { .size = sizeof(falloc) };

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	cr_assert_eq(iommufd_ctx_fds(f.h.ctx, fds, 4), 0);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_CREATE_ACCESS,
				       .id = ioas };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	ASSERT_OK(&f.h, IOMMU_FAULT_QUEUE_ALLOC, &falloc);
	cr_assert_eq(cmd.create_access.out_access_fd, 3);
	cr_assert_eq(falloc.out_fault_fd, 4, "one number space");
	cr_assert_eq(iommufd_ctx_fds(f.h.ctx, fds, 4), 2);
	cr_assert_eq(fds[0], 3);
	cr_assert_eq(fds[1], 4);
	cr_assert_eq(iommufd_ctx_fds(f.h.ctx, fds, 1), 2, "counts past max");
	/* close either kind through the one entry point */
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, 4), 0);
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, 3), 0);
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, 3), -EBADF);
	cr_assert_eq(iommufd_ctx_fds(f.h.ctx, fds, 4), 0);
	teardown(&f);
}

/*
 * MOCK_FLAGS_ACCESS_SYZ: syzkaller names an IOVA as {u32 nth area, u32
 * offset}, for ACCESS_RW, ACCESS_PAGES and a COPY's source; past the last
 * area it becomes IOVA 0
 */
Test(selftest, syz_iovas_name_an_area_and_an_offset)
{
	struct fixture f;
	struct iommu_test_cmd cmd;
	struct iommu_ioas_copy copy = { .size = sizeof(copy) };
	uint32_t ioas;
	char out[8] = { 0 };
	int fd;

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096, 0x100000),
		     0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf + 8192, 4096,
				 0x200000), 0);
	memcpy(f.buf + 8192 + 40, "second", 7);
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_CREATE_ACCESS,
				       .id = ioas };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	fd = cmd.create_access.out_access_fd;

	/* area 1 (the second by IOVA), offset 40 */
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_RW, .id = fd,
		.access_rw = { .iova = (40ull << 32) | 1, .length = 7,
			       .uptr = (uintptr_t)out,
			       .flags = MOCK_FLAGS_ACCESS_SYZ },
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_str_eq(out, "second");
	/* area 2 does not exist: IOVA 0, which nothing maps */
	cmd.access_rw.iova = 2;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);
	/* without the flag the same number is a plain IOVA */
	cmd.access_rw.iova = (40ull << 32) | 1;
	cmd.access_rw.flags = 0;
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);

	/* a COPY's source, converted on the source IOAS */
	copy.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW | MOCK_FLAGS_ACCESS_SYZ;
	copy.src_ioas_id = ioas;
	copy.dst_ioas_id = ioas;
	copy.src_iova = 1; /* area 1, offset 0 */
	copy.dst_iova = 0x300000;
	copy.length = 4096;
	ASSERT_OK(&f.h, IOMMU_IOAS_COPY, &copy);
	memset(out, 0, sizeof(out));
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_RW, .id = fd,
		.access_rw = { .iova = 0x300000 + 40, .length = 7,
			       .uptr = (uintptr_t)out },
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_str_eq(out, "second", "the copy shares area 1's pages");
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, fd), 0);
	teardown(&f);
}

Test(selftest, access_replace_ioas_moves_the_access)
{
	struct fixture f;
	uint32_t ioas1, ioas2;
	uint64_t iova = 0x100000, sub = 0x300000;
	int fd;
	struct iommu_test_cmd cmd;

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas1 = h_ioas_alloc(&f.h);
	ioas2 = h_ioas_alloc(&f.h);
	cr_assert_eq(h_map_fixed(&f.h, ioas1, (uintptr_t)f.buf, 8192, iova), 0);
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas1,
		.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	fd = cmd.create_access.out_access_fd;
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_PAGES, .id = fd,
		.access_pages = { .iova = iova, .length = 8192 },
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_eq(h_destroy(&f.h, ioas1), -EBUSY);

	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
				       .id = fd,
				       .access_replace_ioas.ioas_id = 99 };
	cr_assert_eq(test_cmd(&f, &cmd), -ENOENT);
	cmd.id = 77;
	cr_assert_eq(test_cmd(&f, &cmd), -EBADFD);
	cmd.id = fd;
	cmd.access_replace_ioas.ioas_id = ioas2;
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	/* the pins in the old IOAS were dropped through the unmap callback */
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MD_CHECK_REFS,
				       .check_refs = { .length = 8192,
						       .uptr = (uintptr_t)f.buf,
						       .refs = 0 } };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	cr_assert_eq(h_destroy(&f.h, ioas1), 0, "no longer held");
	cr_assert_eq(h_destroy(&f.h, ioas2), -EBUSY);
	/* a pinning access holds its IOAS to page alignment */
	cr_assert_eq(h_map(&f.h, ioas2, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
			   (uintptr_t)f.buf + 2048, 4096, &sub), -EINVAL);
	/* and cannot join an IOAS that already has a sub-page area */
	ioas1 = h_ioas_alloc(&f.h);
	cr_assert_eq(h_map(&f.h, ioas1, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
			   (uintptr_t)f.buf + 2048, 4096, &sub), 0);
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas1,
		.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
	};
	cr_assert_eq(test_cmd(&f, &cmd), -EADDRINUSE);
	cr_assert_eq(iommufd_ctx_fds(f.h.ctx, NULL, 0), 1,
		     "the failed create gave its fd number back");
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, fd), 0);
	teardown(&f);
}

/* The two later-kernel selftest ABIs, absent at 6.12 and present "next" */
Test(selftest, pasid_mock_and_hw_info_input_type_by_level)
{
	struct fixture f;
	uint32_t ioas, stdev, hwpt, idev;
	struct iommu_test_cmd cmd;
	struct iommu_hw_info info = { .size = sizeof(info) };
	unsigned int level;

	for (level = 0; level < 2; level++) {
		setup(&f, IOMMUFD_CONFIG_TEST |
				  (level ? IOMMUFD_CONFIG_SELFTEST_NEXT : 0));
		ioas = h_ioas_alloc(&f.h);
		cmd = (struct iommu_test_cmd){
			.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, .id = ioas,
			.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_PASID,
		};
		if (!level) {
			cr_assert_eq(test_cmd(&f, &cmd), -EINVAL);
			mock_domain(&f, ioas, 0, &stdev, &hwpt, &idev);
		} else {
			cr_assert_eq(test_cmd(&f, &cmd), 0);
			idev = cmd.mock_domain_flags.out_idev_id;
		}
		info = (struct iommu_hw_info){ .size = sizeof(info),
					       .dev_id = idev };
		ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &info);
		cr_assert_eq(info.out_max_pasid_log2,
			     level ? MOCK_PASID_WIDTH : 0);
		info.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		info.data_len = 0; /* the first call wrote the driver's length */
		info.in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;
		ASSERT_ERR(&f.h, level ? 0 : EOPNOTSUPP, IOMMU_GET_HW_INFO,
			   &info);
		if (level) {
			info.data_len = 0;
			info.in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST + 1;
			ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_GET_HW_INFO, &info);
			info.data_len = 0;
			info.in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
			ASSERT_OK(&f.h, IOMMU_GET_HW_INFO, &info);
			cr_assert_eq(info.out_data_type,
				     IOMMU_HW_INFO_TYPE_SELFTEST);
		}
		teardown(&f);
	}
}

/* ACCESS_RW's page-by-page path: pinned pages as they are, others pinned
 * just for the copy; the same bytes as the direct path */
Test(selftest, access_rw_slow_path)
{
	struct fixture f;
	uint32_t ioas;
	uint64_t iova = 0x100000;
	char data[16];
	int fd;
	struct iommu_test_cmd cmd;

	setup(&f, IOMMUFD_CONFIG_TEST);
	ioas = h_ioas_alloc(&f.h);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 8192, iova), 0);
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_CREATE_ACCESS, .id = ioas,
		.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
	};
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	fd = cmd.create_access.out_access_fd;
	memcpy(f.buf + 4090, "across pages", 13);
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_RW, .id = fd,
		.access_rw = { .iova = iova + 4090, .length = 13,
			       .uptr = (uintptr_t)data,
			       .flags = MOCK_ACCESS_RW_SLOW_PATH },
	};
	memset(data, 0, sizeof(data));
	cr_assert_eq(test_cmd(&f, &cmd), 0, "unpinned: a temporary pin");
	cr_assert_str_eq(data, "across pages");
	cr_assert_eq(iommufd_ctx_fds(f.h.ctx, NULL, 0), 1);
	{
		struct iommu_test_cmd pin = {
			.op = IOMMU_TEST_OP_ACCESS_PAGES, .id = fd,
			.access_pages = { .iova = iova, .length = 8192 },
		};

		cr_assert_eq(test_cmd(&f, &pin), 0);
	}
	memcpy(data, "slow write!", 12);
	cmd.access_rw.iova = iova + 100;
	cmd.access_rw.length = 12;
	cmd.access_rw.flags = MOCK_ACCESS_RW_SLOW_PATH | MOCK_ACCESS_RW_WRITE;
	cr_assert_eq(test_cmd(&f, &cmd), 0, "pinned: through the page");
	cr_assert_str_eq(f.buf + 100, "slow write!");
	cr_assert_eq(iommufd_ctx_close_fd(f.h.ctx, fd), 0);
	teardown(&f);
}

/*
 * iommufd_ctx_ioctl_as: another task (a forked child) calling on the same
 * file. Its struct is read from its memory, its pages stay its own: they
 * are pinned from it when a domain arrives later, charged to it, and once
 * it is gone (its memory unmapped) only what was already pinned survives,
 * as in the selftests' fork_gone and fork_present.
 */
Test(selftest, another_task_maps_its_own_memory)
{
	const uint64_t cbuf = 0x40000000, cstruct = 0x50000000;
	struct iommufd_acct cacct = { 0 };
	struct iommufd_env cenv;
	struct iommufd_mem_sim *csim = iommufd_mem_sim_new();
	struct iommufd_mem cmem;
	struct iommu_ioas_map map;
	struct fixture f;
	uint32_t ioas[2], stdev, hwpt, idev;
	struct iommu_test_cmd md;

	cr_assert_not_null(csim);
	iommufd_mem_sim_set_strict(csim, true);
	cr_assert_eq(iommufd_mem_sim_add_range(csim, cbuf, 0x10000, true), 0);
	cr_assert_eq(iommufd_mem_sim_add_range(csim, cstruct, 4096, true), 0);
	cmem = iommufd_mem_sim_provider(csim);
	setup(&f, IOMMUFD_CONFIG_TEST);
	cenv = f.h.env;
	cenv.mem = cmem;
	cenv.acct = &cacct;
	cenv.caps = 0; /* not CAP_IPC_LOCK: its pins are accounted */

	for (int i = 0; i < 2; i++) {
		ioas[i] = h_ioas_alloc(&f.h);
		map = (struct iommu_ioas_map){
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
			.ioas_id = ioas[i],
			.user_va = cbuf,
			.length = 0x8000,
			.iova = MOCK_APERTURE_START,
		};
		cr_assert_eq(cmem.ops->write(cmem.priv, cstruct, &map,
					     sizeof(map)), 0);
		/* a pointer into the parent's memory means nothing there */
		cr_assert_eq(iommufd_ctx_ioctl_as(f.h.ctx, &cenv,
						  IOMMU_IOAS_MAP,
						  (uintptr_t)&map), -EFAULT);
		cr_assert_eq(iommufd_ctx_ioctl_as(f.h.ctx, &cenv,
						  IOMMU_IOAS_MAP, cstruct), 0);
		harness_check(&f.h);
	}
	/* no domain yet: nothing pinned, nothing charged */
	cr_assert_eq(iommufd_mem_sim_pin_count(csim, cbuf), 0);
	cr_assert_eq(cacct.user_locked_vm, 0);

	/* the parent attaches a domain: the child's pages, the child's bill */
	mock_domain(&f, ioas[0], 0, &stdev, &hwpt, &idev);
	cr_assert_eq(iommufd_mem_sim_pin_count(csim, cbuf), 1);
	cr_assert_eq(iommufd_mem_sim_pin_count(csim, cbuf + 0x7000), 1);
	cr_assert_gt(cacct.user_locked_vm, 0);
	cr_assert_eq(f.h.acct.user_locked_vm, 0);

	/* the child exits */
	cr_assert_eq(iommufd_mem_sim_remove_range(csim, cbuf, 0x10000), 0);
	/* pinned before it left: a second domain copies from the first */
	mock_domain(&f, ioas[0], 0, &stdev, &hwpt, &idev);
	/* never pinned: nothing left to pin */
	md = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				      .id = ioas[1] };
	cr_assert_eq(test_cmd(&f, &md), -EFAULT);

	teardown(&f);
	cr_assert_eq(iommufd_mem_sim_pin_count(csim, cbuf), 0);
	cr_assert_eq(cacct.user_locked_vm, 0);
	iommufd_mem_sim_free(csim);
}

/* One ioctl on a context over simulated memory, its struct at @at */
static long sim_call(struct iommufd_ctx *ctx, struct iommufd_mem mem,
		     uint64_t at, unsigned int nr, void *arg, size_t len)
{
	long rc;

	cr_assert_eq(mem.ops->write(mem.priv, at, arg, len), 0);
	rc = iommufd_ctx_ioctl(ctx, nr, at);
	cr_assert_eq(mem.ops->read(mem.priv, arg, at, len), 0);
	return rc;
}

static long sim_check_refs(struct iommufd_ctx *ctx, struct iommufd_mem mem,
			   uint64_t at, uint64_t uptr, uint64_t length,
			   uint32_t refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .uptr = uptr, .length = length, .refs = refs },
	};

	return sim_call(ctx, mem, at, IOMMU_TEST_CMD, &cmd, sizeof(cmd));
}

/*
 * MD_CHECK_REFS walks like the kernel (a missing page is EFAULT, a wrong
 * count EIO, whichever page comes first), but costs what is pinned, not
 * the length: a terabyte of simulated memory is checked without making a
 * page of it, where a page walk would take hours and all the memory.
 */
Test(selftest, check_refs_first_failing_page_decides)
{
	const uint64_t buf = 0x100000, at = 0x10000, pg = 4096;
	struct iommufd_platform *p = iommufd_platform_new();
	struct iommufd_mem_sim *sim = iommufd_mem_sim_new();
	struct iommufd_acct acct = { 0 };
	struct iommufd_env env = {
		.acct = &acct,
		.caps = IOMMUFD_CAP_IPC_LOCK,
		.rlimit_memlock = IOMMUFD_RLIM_INFINITY,
		.platform = p,
		.config = IOMMUFD_CONFIG_TEST,
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map;
	struct iommu_ioas_copy copy;
	struct iommu_test_cmd md;
	struct iommufd_ctx *ctx;
	char why[512];

	cr_assert_not_null(sim);
	iommufd_mem_sim_set_strict(sim, true);
	cr_assert_eq(iommufd_mem_sim_add_range(sim, at, pg, true), 0);
	cr_assert_eq(iommufd_mem_sim_add_range(sim, buf, 16 * pg, true), 0);
	env.mem = iommufd_mem_sim_provider(sim);
	ctx = iommufd_ctx_open(&env, 0);
	cr_assert_not_null(ctx);

	cr_assert_eq(sim_call(ctx, env.mem, at, IOMMU_IOAS_ALLOC, &alloc,
			      sizeof(alloc)), 0);
	map = (struct iommu_ioas_map){
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
		.ioas_id = alloc.out_ioas_id,
		.user_va = buf,
		.length = 2 * pg,
		.iova = MOCK_APERTURE_START,
	};
	cr_assert_eq(sim_call(ctx, env.mem, at, IOMMU_IOAS_MAP, &map,
			      sizeof(map)), 0);
	/* a second MAP of buf is a second pages object, a second pin */
	map.iova += 0x100000;
	cr_assert_eq(sim_call(ctx, env.mem, at, IOMMU_IOAS_MAP, &map,
			      sizeof(map)), 0);
	/* a COPY shares its source's pages object: no third pin */
	copy = (struct iommu_ioas_copy){
		.size = sizeof(copy),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
		.dst_ioas_id = alloc.out_ioas_id,
		.src_ioas_id = alloc.out_ioas_id,
		.dst_iova = map.iova + 0x100000,
		.src_iova = map.iova,
		.length = 2 * pg,
	};
	cr_assert_eq(sim_call(ctx, env.mem, at, IOMMU_IOAS_COPY, &copy,
			      sizeof(copy)), 0);
	md = (struct iommu_test_cmd){ .size = sizeof(md),
				      .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				      .id = alloc.out_ioas_id };
	cr_assert_eq(sim_call(ctx, env.mem, at, IOMMU_TEST_CMD, &md,
			      sizeof(md)), 0);

	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf, 2 * pg, 2), 0);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf, 2 * pg, 1), -EIO);
	/* page 2 is mapped with no pins: EIO there, before the hole at 16 */
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf, 32 * pg, 2), -EIO);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf + 2 * pg, 14 * pg,
				    0), 0);
	/* all counts right up to the hole: the hole answers EFAULT */
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf + 2 * pg, 15 * pg,
				    0), -EFAULT);
	/* the page before buf is missing and comes first */
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf - pg, 3 * pg, 2),
		     -EFAULT);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf, pg + 1, 2),
		     -EINVAL);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf, 0, 7), 0);

	/* on demand memory: a terabyte of untouched pages has no pins */
	iommufd_mem_sim_set_strict(sim, false);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, 1ull << 40, 1ull << 40,
				    0), 0);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, 1ull << 40, 1ull << 40,
				    1), -EIO);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, buf, 1ull << 40, 0),
		     -EIO);
	/* page 0 is never mapped */
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, 0, 1ull << 40, 0),
		     -EFAULT);
	/* a mapping that ends in the last page of the address space */
	map.user_va = 0xffffffffffffe000ull;
	map.length = 0x1800;
	map.iova = MOCK_APERTURE_START + 0x400000;
	cr_assert_eq(sim_call(ctx, env.mem, at, IOMMU_IOAS_MAP, &map,
			      sizeof(map)), 0);
	cr_assert_eq(sim_check_refs(ctx, env.mem, at, 0xffffffffffffe000ull,
				    0x1000, 1), 0);
	cr_assert_eq(iommufd_ctx_check(ctx, why, sizeof(why)), 0, "%s", why);

	iommufd_ctx_close(ctx);
	iommufd_platform_free(p);
	iommufd_mem_sim_free(sim);
}

/* iommufd_ctx_objects: the graph DESTROY follows, as userspace built it */
Test(selftest, object_graph_snapshot)
{
	struct fixture f;
	uint32_t ioas, stdev, hwpt, idev, parent, nested;
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd cmd;
	struct iommufd_object_info info[8];
	size_t n;

	setup(&f, IOMMUFD_CONFIG_TEST);
	cr_assert_eq(iommufd_ctx_objects(f.h.ctx, info, 8), 0);
	ioas = h_ioas_alloc(&f.h);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 3 * 4096,
				 MOCK_APERTURE_START), 0);
	mock_domain(&f, ioas, 0, &stdev, &hwpt, &idev);
	alloc.dev_id = idev;
	alloc.pt_id = ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	parent = alloc.out_hwpt_id;
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = idev, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_SELFTEST, .data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	nested = alloc.out_hwpt_id;

	/* ioas 1, stdev 2, idev 3, hwpt 4 (the attach made it), parent 5... */
	cr_assert_eq(iommufd_ctx_objects(f.h.ctx, NULL, 0), 6);
	n = iommufd_ctx_objects(f.h.ctx, info, 2);
	cr_assert_eq(n, 6, "the count, whatever fits");
	cr_assert_eq(iommufd_ctx_objects(f.h.ctx, info, 8), 6);
	for (size_t i = 1; i < 6; i++)
		cr_assert_lt(info[i - 1].id, info[i].id, "ascending IDs");
	cr_assert_eq(info[0].id, ioas);
	cr_assert_eq(info[0].kind, IOMMUFD_OBJECT_IOAS);
	cr_assert_eq(info[0].areas, 1);
	cr_assert_eq(info[0].mapped, 3 * 4096);
	cr_assert_eq(info[0].users, 3, "itself, hwpt and parent");
	cr_assert_eq(info[1].id, stdev);
	cr_assert_eq(info[1].kind, IOMMUFD_OBJECT_SELFTEST);
	cr_assert_eq(info[1].dev_id, idev);
	cr_assert_eq(info[2].id, idev);
	cr_assert_eq(info[2].kind, IOMMUFD_OBJECT_DEVICE);
	cr_assert_eq(info[2].hwpt_id, hwpt);
	cr_assert_eq(info[3].id, hwpt);
	cr_assert_eq(info[3].kind, IOMMUFD_OBJECT_HWPT_PAGING);
	cr_assert_eq(info[3].ioas_id, ioas);
	cr_assert(info[3].auto_domain);
	cr_assert_eq(info[4].id, parent);
	cr_assert_eq(info[4].ioas_id, ioas);
	cr_assert(info[4].nest_parent);
	cr_assert_not(info[4].auto_domain);
	cr_assert_eq(info[5].id, nested);
	cr_assert_eq(info[5].kind, IOMMUFD_OBJECT_HWPT_NESTED);
	cr_assert_eq(info[5].parent_id, parent);

	/* the device moves: the auto HWPT is gone, the edge follows */
	cmd = (struct iommu_test_cmd){ .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
				       .id = stdev,
				       .mock_domain_replace.pt_id = nested };
	cr_assert_eq(test_cmd(&f, &cmd), 0);
	n = iommufd_ctx_objects(f.h.ctx, info, 8);
	cr_assert_eq(n, 5);
	cr_assert_eq(info[2].id, idev);
	cr_assert_eq(info[2].hwpt_id, nested);
	cr_assert_eq(info[3].id, parent);
	cr_assert_eq(info[0].users, 2, "itself and the parent");
	teardown(&f);
}
