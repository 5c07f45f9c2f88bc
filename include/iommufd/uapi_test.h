/* SPDX-License-Identifier: MIT */
/*
 * The iommufd selftest ABI of Linux 6.12 (drivers/iommu/iommufd/
 * iommufd_test.h): IOMMU_TEST_CMD, which exists only in kernels built with
 * CONFIG_IOMMUFD_TEST, and the data formats of its mock IOMMU driver.
 * tools/testing/selftests/iommu/ drives the kernel through it, and the
 * model implements the same mock so those tests can run against it.
 *
 * Names, layouts and numbers are the kernel's. A separate section near the
 * end holds the few later-kernel names the 6.12 selftests already use.
 */
#ifndef IOMMUFD_MODEL_UAPI_TEST_H
#define IOMMUFD_MODEL_UAPI_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <iommufd/uapi.h>

/* Values of iommu_test_cmd::op; each names the union member it uses */
enum {
	IOMMU_TEST_OP_ADD_RESERVED = 1,       /* add_reserved */
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,        /* mock_domain */
	IOMMU_TEST_OP_MD_CHECK_MAP = 3,       /* check_map */
	IOMMU_TEST_OP_MD_CHECK_REFS = 4,      /* check_refs */
	IOMMU_TEST_OP_CREATE_ACCESS = 5,      /* create_access */
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES = 6, /* destroy_access_pages */
	IOMMU_TEST_OP_ACCESS_PAGES = 7,       /* access_pages */
	IOMMU_TEST_OP_ACCESS_RW = 8,          /* access_rw */
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT = 9, /* memory_limit */
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10, /* mock_domain_replace */
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS = 11, /* access_replace_ioas */
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12, /* mock_domain_flags */
	IOMMU_TEST_OP_DIRTY = 13,             /* dirty */
	IOMMU_TEST_OP_MD_CHECK_IOTLB = 14,    /* check_iotlb */
	IOMMU_TEST_OP_TRIGGER_IOPF = 15,      /* trigger_iopf */
};

/* IOVA window of every mock paging domain: [16 MiB, 2 GiB - 1] */
enum {
	MOCK_APERTURE_START = 1 << 24,
	MOCK_APERTURE_LAST = 0x7fffffff,
};

/* access_pages.flags */
enum {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	/* syzkaller helper: iova holds {u32 area index, u32 offset} */
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

/* access_rw.flags (MOCK_FLAGS_ACCESS_SYZ is accepted too) */
enum {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2, /* force the page-by-page path */
};

/* create_access.flags */
enum {
	/* the access will pin pages (IOMMU_TEST_OP_ACCESS_PAGES) */
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* mock_domain_flags.dev_flags */
enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,  /* no dirty tracking support */
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1, /* domains also get 1 MiB pages */
};

/* The mock nested domain keeps this many emulated IOTLB entries */
enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/*
 * IOMMU_TEST_CMD. @id is the object the op works on (IOAS, HWPT, mock
 * device or access fd, depending on @op). Only the bytes up to @last are
 * mandatory.
 */
struct iommu_test_cmd {
	uint32_t size; /* sizeof(struct iommu_test_cmd) */
	uint32_t op;
	uint32_t id;
	uint32_t __reserved;
	union {
		/* reserve [start, start + length) in IOAS @id */
		struct {
			IOMMUFD_ALIGNED_U64 start;
			IOMMUFD_ALIGNED_U64 length;
		} add_reserved;
		/* create a mock device attached to IOAS/HWPT @id */
		struct {
			uint32_t out_stdev_id;
			uint32_t out_hwpt_id;
			uint32_t out_idev_id; /* the iommufd device object */
		} mock_domain;
		/* the same, with device flags (MOCK_FLAGS_DEVICE_*) */
		struct {
			uint32_t out_stdev_id;
			uint32_t out_hwpt_id;
			uint32_t out_idev_id;
			uint32_t dev_flags;
		} mock_domain_flags;
		/* reattach mock device @id to @pt_id; out: the HWPT used */
		struct {
			uint32_t pt_id;
		} mock_domain_replace;
		/* check that HWPT @id maps iova.. to the pages of uptr.. */
		struct {
			IOMMUFD_ALIGNED_U64 iova;
			IOMMUFD_ALIGNED_U64 length;
			IOMMUFD_ALIGNED_U64 uptr;
		} check_map;
		/* check the pin count of the pages at uptr.. */
		struct {
			IOMMUFD_ALIGNED_U64 length;
			IOMMUFD_ALIGNED_U64 uptr;
			uint32_t refs;
		} check_refs;
		/* create an in-kernel access on IOAS @id, returned as an fd */
		struct {
			uint32_t out_access_fd;
			uint32_t flags;
		} create_access;
		/* unpin one access_pages item of access fd @id */
		struct {
			uint32_t access_pages_id;
		} destroy_access_pages;
		/* pin IOVA range pages through access fd @id */
		struct {
			uint32_t flags;
			uint32_t out_access_pages_id;
			IOMMUFD_ALIGNED_U64 iova;
			IOMMUFD_ALIGNED_U64 length;
			IOMMUFD_ALIGNED_U64 uptr;
		} access_pages;
		/* copy between an IOVA range and user memory via access @id */
		struct {
			IOMMUFD_ALIGNED_U64 iova;
			IOMMUFD_ALIGNED_U64 length;
			IOMMUFD_ALIGNED_U64 uptr;
			uint32_t flags;
		} access_rw;
		/* cap on temporary allocations while pinning */
		struct {
			uint32_t limit;
		} memory_limit;
		/* move access fd @id to another IOAS */
		struct {
			uint32_t ioas_id;
		} access_replace_ioas;
		/* mark the IOVAs of the set bits at uptr dirty in HWPT @id */
		struct {
			uint32_t flags;
			IOMMUFD_ALIGNED_U64 iova;
			IOMMUFD_ALIGNED_U64 length;
			IOMMUFD_ALIGNED_U64 page_size;
			IOMMUFD_ALIGNED_U64 uptr;
			IOMMUFD_ALIGNED_U64 out_nr_dirty;
		} dirty;
		/* check entry @id of the nested HWPT's emulated IOTLB */
		struct {
			uint32_t id;
			uint32_t iotlb;
		} check_iotlb;
		/* raise a page fault from mock device @dev_id */
		struct {
			uint32_t dev_id;
			uint32_t pasid;
			uint32_t grpid;
			uint32_t perm;
			uint64_t addr;
		} trigger_iopf;
	};
	uint32_t last;
};
#define IOMMU_TEST_CMD IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* IOMMU_GET_HW_INFO on a mock device */
#define IOMMU_HW_INFO_TYPE_SELFTEST 0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL 0xdeadbeef

struct iommu_test_hw_info {
	uint32_t flags;
	uint32_t test_reg; /* IOMMU_HW_INFO_SELFTEST_REGVAL */
};

/* iommu_hwpt_alloc::data_type for a mock nested HWPT */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef

/* Its data: the value every emulated IOTLB entry starts with */
struct iommu_hwpt_selftest {
	uint32_t iotlb; /* normally IOMMU_TEST_IOTLB_DEFAULT */
};

/* iommu_hwpt_invalidate::data_type for a mock nested HWPT, and a bad one */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* One mock invalidation request: zero entry @iotlb_id, or all with FLAG_ALL */
struct iommu_hwpt_invalidate_selftest {
	uint32_t flags;
	uint32_t iotlb_id;
};
#define IOMMU_TEST_INVALIDATE_FLAG_ALL (1 << 0)

/* ===================================================================
 * From Linux 6.15, not in 6.12.
 *
 * The 6.12 selftests already use these names. A 6.12 kernel rejects the
 * device flag (mock devices are created with flags 0..3 only) and its mock
 * devices have no PASID support.
 * =================================================================== */

/* mock_domain_flags.dev_flags: the mock device supports PASID */
enum {
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
};

/* iommu_hw_info::out_max_pasid_log2 of such a device */
#define MOCK_PASID_WIDTH 20

/* ===================================================================
 * Layout checks (values of the kernel's header, inventory Appendix A).
 * =================================================================== */

IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_TEST_CMD, 0x3ba0);

IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_ADD_RESERVED, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_MOCK_DOMAIN, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_MD_CHECK_MAP, 3);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_MD_CHECK_REFS, 4);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_CREATE_ACCESS, 5);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, 6);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_ACCESS_PAGES, 7);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_ACCESS_RW, 8);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, 9);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, 10);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, 11);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, 12);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_DIRTY, 13);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_MD_CHECK_IOTLB, 14);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_OP_TRIGGER_IOPF, 15);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_APERTURE_START, 0x1000000);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_APERTURE_LAST, 0x7fffffff);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_FLAGS_ACCESS_WRITE, 1);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_FLAGS_ACCESS_SYZ, 0x10000);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_ACCESS_RW_WRITE, 1);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_ACCESS_RW_SLOW_PATH, 4);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, 1);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_FLAGS_DEVICE_NO_DIRTY, 1);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_FLAGS_DEVICE_HUGE_IOVA, 2);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_NESTED_DOMAIN_IOTLB_ID_MAX, 3);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_NESTED_DOMAIN_IOTLB_NUM, 4);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_INFO_TYPE_SELFTEST, 0xfeedbeefU);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_INFO_SELFTEST_REGVAL, 0xdeadbeefU);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_DATA_SELFTEST, 0xdead);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_IOTLB_DEFAULT, 0xbadbeef);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, 0xdeadbeefU);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID,
			 0xdadbeef);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_TEST_INVALIDATE_FLAG_ALL, 1);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_FLAGS_DEVICE_PASID, 4);
IOMMUFD_ABI_ASSERT_VALUE(MOCK_PASID_WIDTH, 20);

#define IOMMUFD_ABI_ASSERT_TEST_FIELD(field, off, bytes) \
	IOMMUFD_ABI_ASSERT_FIELD(struct iommu_test_cmd, field, off, bytes)

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_test_cmd, 72);
IOMMUFD_ABI_ASSERT_TEST_FIELD(size, 0, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(op, 4, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(id, 8, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(__reserved, 12, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(add_reserved, 16, 16);
IOMMUFD_ABI_ASSERT_TEST_FIELD(add_reserved.start, 16, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(add_reserved.length, 24, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain, 16, 12);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain.out_stdev_id, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain.out_hwpt_id, 20, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain.out_idev_id, 24, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain_flags, 16, 16);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain_flags.out_stdev_id, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain_flags.out_hwpt_id, 20, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain_flags.out_idev_id, 24, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain_flags.dev_flags, 28, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain_replace, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(mock_domain_replace.pt_id, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_map, 16, 24);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_map.iova, 16, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_map.length, 24, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_map.uptr, 32, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_refs, 16, 24);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_refs.length, 16, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_refs.uptr, 24, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_refs.refs, 32, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(create_access, 16, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(create_access.out_access_fd, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(create_access.flags, 20, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(destroy_access_pages, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(destroy_access_pages.access_pages_id, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_pages, 16, 32);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_pages.flags, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_pages.out_access_pages_id, 20, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_pages.iova, 24, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_pages.length, 32, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_pages.uptr, 40, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_rw, 16, 32);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_rw.iova, 16, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_rw.length, 24, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_rw.uptr, 32, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_rw.flags, 40, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(memory_limit, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(memory_limit.limit, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_replace_ioas, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(access_replace_ioas.ioas_id, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(dirty, 16, 48);
IOMMUFD_ABI_ASSERT_TEST_FIELD(dirty.flags, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(dirty.iova, 24, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(dirty.length, 32, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(dirty.page_size, 40, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(dirty.uptr, 48, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(dirty.out_nr_dirty, 56, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_iotlb, 16, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_iotlb.id, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(check_iotlb.iotlb, 20, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(trigger_iopf, 16, 24);
IOMMUFD_ABI_ASSERT_TEST_FIELD(trigger_iopf.dev_id, 16, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(trigger_iopf.pasid, 20, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(trigger_iopf.grpid, 24, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(trigger_iopf.perm, 28, 4);
IOMMUFD_ABI_ASSERT_TEST_FIELD(trigger_iopf.addr, 32, 8);
IOMMUFD_ABI_ASSERT_TEST_FIELD(last, 64, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_test_hw_info, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_test_hw_info, flags, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_test_hw_info, test_reg, 4, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_selftest, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_selftest, iotlb, 0, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_invalidate_selftest, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate_selftest, flags, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate_selftest, iotlb_id, 4,
			 4);

#undef IOMMUFD_ABI_ASSERT_TEST_FIELD

#endif /* IOMMUFD_MODEL_UAPI_TEST_H */
