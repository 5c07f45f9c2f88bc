/* SPDX-License-Identifier: MIT */
/*
 * The user ABI at run time: request numbers, flag values, struct sizes and
 * offsets of include/iommufd/uapi*.h against the Linux 6.12 values written
 * out literally here (inventory section 1.1 and Appendix A). The headers
 * already _Static_assert all of this and abi_crosscheck compares them with
 * the kernel's own header; this test puts the numbers in the test report.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <iommufd/uapi.h>
#include <iommufd/uapi_test.h>
#include <iommufd/uapi_vfio.h>

struct abi_fact {
	const char *what;
	unsigned long long got;
	unsigned long long want;
};

#define VALUE(name, want) { #name, (unsigned long long)(name), (want) }
/* Literal numbers as on asm-generic; other architectures add "none" dir */
#define IOCTL(name, want)                                  \
	{ #name, (unsigned long long)(name),               \
	  (IOMMUFD_IOC_NONE << IOMMUFD_IOC_DIRSHIFT) | (want) }
#define SIZE(s, want) { "sizeof(struct " #s ")", sizeof(struct s), (want) }
#define OFFSET(s, f, want) \
	{ "offsetof(struct " #s ", " #f ")", offsetof(struct s, f), (want) }
/* the kernel's min_size: end of the last mandatory field */
#define MIN_SIZE(s, f, want)                                          \
	{ "min_size(struct " #s ") = end of " #f,                     \
	  offsetof(struct s, f) + sizeof(((struct s *)0)->f), (want) }

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void check(const struct abi_fact *facts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(facts[i].got, facts[i].want,
			     "%s is %#llx, Linux 6.12 has %#llx", facts[i].what,
			     facts[i].got, facts[i].want);
}

Test(abi, iommufd_request_numbers)
{
	static const struct abi_fact facts[] = {
		VALUE(IOMMUFD_TYPE, ';'),
		VALUE(IOMMUFD_CMD_BASE, 0x80),
		IOCTL(IOMMU_DESTROY, 0x3b80),
		IOCTL(IOMMU_IOAS_ALLOC, 0x3b81),
		IOCTL(IOMMU_IOAS_ALLOW_IOVAS, 0x3b82),
		IOCTL(IOMMU_IOAS_COPY, 0x3b83),
		IOCTL(IOMMU_IOAS_IOVA_RANGES, 0x3b84),
		IOCTL(IOMMU_IOAS_MAP, 0x3b85),
		IOCTL(IOMMU_IOAS_UNMAP, 0x3b86),
		IOCTL(IOMMU_OPTION, 0x3b87),
		IOCTL(IOMMU_VFIO_IOAS, 0x3b88),
		IOCTL(IOMMU_HWPT_ALLOC, 0x3b89),
		IOCTL(IOMMU_GET_HW_INFO, 0x3b8a),
		IOCTL(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8b),
		IOCTL(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8c),
		IOCTL(IOMMU_HWPT_INVALIDATE, 0x3b8d),
		IOCTL(IOMMU_FAULT_QUEUE_ALLOC, 0x3b8e),
		IOCTL(IOMMU_TEST_CMD, 0x3ba0),
	};

	check(facts, ARRAY_LEN(facts));
}

Test(abi, vfio_request_numbers)
{
	static const struct abi_fact facts[] = {
		VALUE(VFIO_TYPE, ';'),
		VALUE(VFIO_BASE, 100),
		VALUE(VFIO_API_VERSION, 0),
		IOCTL(VFIO_GET_API_VERSION, 0x3b64),
		IOCTL(VFIO_CHECK_EXTENSION, 0x3b65),
		IOCTL(VFIO_SET_IOMMU, 0x3b66),
		IOCTL(VFIO_GROUP_GET_STATUS, 0x3b67),
		IOCTL(VFIO_GROUP_SET_CONTAINER, 0x3b68),
		IOCTL(VFIO_GROUP_UNSET_CONTAINER, 0x3b69),
		IOCTL(VFIO_GROUP_GET_DEVICE_FD, 0x3b6a),
		VALUE(VFIO_GROUP_FLAGS_VIABLE, 1),
		VALUE(VFIO_GROUP_FLAGS_CONTAINER_SET, 2),
		IOCTL(VFIO_DEVICE_GET_INFO, 0x3b6b),
		IOCTL(VFIO_IOMMU_GET_INFO, 0x3b70),
		IOCTL(VFIO_IOMMU_MAP_DMA, 0x3b71),
		IOCTL(VFIO_IOMMU_UNMAP_DMA, 0x3b72),
		IOCTL(VFIO_IOMMU_DIRTY_PAGES, 0x3b75),
		IOCTL(VFIO_DEVICE_BIND_IOMMUFD, 0x3b76),
		IOCTL(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77),
		IOCTL(VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x3b78),
		VALUE(VFIO_TYPE1_IOMMU, 1),
		VALUE(VFIO_SPAPR_TCE_IOMMU, 2),
		VALUE(VFIO_TYPE1v2_IOMMU, 3),
		VALUE(VFIO_DMA_CC_IOMMU, 4),
		VALUE(VFIO_EEH, 5),
		VALUE(VFIO_TYPE1_NESTING_IOMMU, 6),
		VALUE(VFIO_SPAPR_TCE_v2_IOMMU, 7),
		VALUE(VFIO_NOIOMMU_IOMMU, 8),
		VALUE(VFIO_UNMAP_ALL, 9),
		VALUE(VFIO_UPDATE_VADDR, 10),
	};

	check(facts, ARRAY_LEN(facts));
}

Test(abi, request_encoding_decodes)
{
	/* what iommufd's dispatcher looks at first */
	cr_expect_eq(IOMMUFD_IOC_NR(IOMMU_IOAS_MAP), 0x85);
	cr_expect_eq(IOMMUFD_IOC_TYPE(IOMMU_IOAS_MAP), ';');
	cr_expect_eq(IOMMUFD_IOC_SIZE(IOMMU_IOAS_MAP), 0);
	cr_expect_eq(IOMMUFD_IOC_DIR(IOMMU_IOAS_MAP), IOMMUFD_IOC_NONE);
	/* VFIO numbers share the type and sit below iommufd's range */
	cr_expect_eq(IOMMUFD_IOC_TYPE(VFIO_IOMMU_MAP_DMA), IOMMUFD_TYPE);
	cr_expect_lt(IOMMUFD_IOC_NR(VFIO_DEVICE_DETACH_IOMMUFD_PT),
		     IOMMUFD_CMD_BASE);
	cr_expect_eq(IOMMUFD_IOC_NR(IOMMU_TEST_CMD), IOMMUFD_CMD_BASE + 32);

	/* sized forms round-trip */
	unsigned int r = IOMMUFD_IOR('x', 7, struct iommu_ioas_map);
	unsigned int w = IOMMUFD_IOW('x', 7, struct iommu_ioas_map);
	unsigned int rw = IOMMUFD_IOWR('x', 7, struct iommu_ioas_map);

	cr_expect_eq(IOMMUFD_IOC_SIZE(r), sizeof(struct iommu_ioas_map));
	cr_expect_eq(IOMMUFD_IOC_NR(w), 7);
	cr_expect_eq(IOMMUFD_IOC_TYPE(rw), 'x');
	cr_expect_eq(IOMMUFD_IOC_DIR(r), IOMMUFD_IOC_READ);
	cr_expect_eq(IOMMUFD_IOC_DIR(w), IOMMUFD_IOC_WRITE);
	cr_expect_eq(IOMMUFD_IOC_DIR(rw), IOMMUFD_IOC_READ | IOMMUFD_IOC_WRITE);
	cr_expect_neq(r, w);
}

Test(abi, iommufd_flags_and_types)
{
	static const struct abi_fact facts[] = {
		VALUE(IOMMU_IOAS_MAP_FIXED_IOVA, 1),
		VALUE(IOMMU_IOAS_MAP_WRITEABLE, 2),
		VALUE(IOMMU_IOAS_MAP_READABLE, 4),
		VALUE(IOMMU_OPTION_RLIMIT_MODE, 0),
		VALUE(IOMMU_OPTION_HUGE_PAGES, 1),
		VALUE(IOMMU_OPTION_OP_SET, 0),
		VALUE(IOMMU_OPTION_OP_GET, 1),
		VALUE(IOMMU_VFIO_IOAS_GET, 0),
		VALUE(IOMMU_VFIO_IOAS_SET, 1),
		VALUE(IOMMU_VFIO_IOAS_CLEAR, 2),
		VALUE(IOMMU_HWPT_ALLOC_NEST_PARENT, 1),
		VALUE(IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 2),
		VALUE(IOMMU_HWPT_FAULT_ID_VALID, 4),
		VALUE(IOMMU_HWPT_DATA_NONE, 0),
		VALUE(IOMMU_HWPT_DATA_VTD_S1, 1),
		VALUE(IOMMU_HW_INFO_TYPE_NONE, 0),
		VALUE(IOMMU_HW_INFO_TYPE_INTEL_VTD, 1),
		VALUE(IOMMU_HW_CAP_DIRTY_TRACKING, 1),
		VALUE(IOMMU_HW_CAP_PCI_PASID_EXEC, 2),
		VALUE(IOMMU_HW_CAP_PCI_PASID_PRIV, 4),
		VALUE(IOMMU_HWPT_DIRTY_TRACKING_ENABLE, 1),
		VALUE(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, 1),
		VALUE(IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, 0),
		VALUE(IOMMU_VTD_INV_FLAGS_LEAF, 1),
		VALUE(IOMMU_PGFAULT_FLAGS_PASID_VALID, 1),
		VALUE(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 2),
		VALUE(IOMMU_PGFAULT_PERM_READ, 1),
		VALUE(IOMMU_PGFAULT_PERM_WRITE, 2),
		VALUE(IOMMU_PGFAULT_PERM_EXEC, 4),
		VALUE(IOMMU_PGFAULT_PERM_PRIV, 8),
		VALUE(IOMMUFD_PAGE_RESP_SUCCESS, 0),
		VALUE(IOMMUFD_PAGE_RESP_INVALID, 1),
	};

	check(facts, ARRAY_LEN(facts));
}

Test(abi, vfio_flags)
{
	static const struct abi_fact facts[] = {
		VALUE(VFIO_IOMMU_INFO_PGSIZES, 1),
		VALUE(VFIO_IOMMU_INFO_CAPS, 2),
		VALUE(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1),
		VALUE(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 2),
		VALUE(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 3),
		VALUE(VFIO_DMA_MAP_FLAG_READ, 1),
		VALUE(VFIO_DMA_MAP_FLAG_WRITE, 2),
		VALUE(VFIO_DMA_MAP_FLAG_VADDR, 4),
		VALUE(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, 1),
		VALUE(VFIO_DMA_UNMAP_FLAG_ALL, 2),
		VALUE(VFIO_DMA_UNMAP_FLAG_VADDR, 4),
		VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_START, 1),
		VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, 2),
		VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 4),
		VALUE(VFIO_DEVICE_FLAGS_PCI, 2),
		VALUE(VFIO_DEVICE_FLAGS_CAPS, 0x80),
	};

	check(facts, ARRAY_LEN(facts));
}

Test(abi, iommufd_struct_sizes)
{
	static const struct abi_fact facts[] = {
		SIZE(iommu_destroy, 8),
		SIZE(iommu_ioas_alloc, 12),
		SIZE(iommu_iova_range, 16),
		SIZE(iommu_ioas_iova_ranges, 32),
		SIZE(iommu_ioas_allow_iovas, 24),
		SIZE(iommu_ioas_map, 40),
		SIZE(iommu_ioas_copy, 40),
		SIZE(iommu_ioas_unmap, 24),
		SIZE(iommu_option, 24),
		SIZE(iommu_vfio_ioas, 12),
		SIZE(iommu_hwpt_vtd_s1, 24),
		SIZE(iommu_hwpt_alloc, 48),
		SIZE(iommu_hw_info_vtd, 24),
		SIZE(iommu_hw_info, 40),
		SIZE(iommu_hwpt_set_dirty_tracking, 16),
		SIZE(iommu_hwpt_get_dirty_bitmap, 48),
		SIZE(iommu_hwpt_vtd_s1_invalidate, 24),
		SIZE(iommu_hwpt_invalidate, 32),
		SIZE(iommu_hwpt_pgfault, 40),
		SIZE(iommu_hwpt_page_response, 8),
		SIZE(iommu_fault_alloc, 16),
		SIZE(iommu_test_cmd, 72),
		SIZE(iommu_test_hw_info, 8),
		SIZE(iommu_hwpt_selftest, 4),
		SIZE(iommu_hwpt_invalidate_selftest, 8),
	};

	check(facts, ARRAY_LEN(facts));
}

/* What the dispatcher accepts as the smallest struct (inventory 1.1) */
Test(abi, iommufd_min_sizes)
{
	static const struct abi_fact facts[] = {
		MIN_SIZE(iommu_destroy, id, 8),
		MIN_SIZE(iommu_ioas_alloc, out_ioas_id, 12),
		MIN_SIZE(iommu_ioas_allow_iovas, allowed_iovas, 24),
		MIN_SIZE(iommu_ioas_copy, src_iova, 40),
		MIN_SIZE(iommu_ioas_iova_ranges, out_iova_alignment, 32),
		MIN_SIZE(iommu_ioas_map, iova, 40),
		MIN_SIZE(iommu_ioas_unmap, length, 24),
		MIN_SIZE(iommu_option, val64, 24),
		MIN_SIZE(iommu_vfio_ioas, __reserved, 12),
		MIN_SIZE(iommu_hwpt_alloc, __reserved, 24),
		MIN_SIZE(iommu_hw_info, __reserved, 32),
		MIN_SIZE(iommu_hwpt_set_dirty_tracking, __reserved, 16),
		MIN_SIZE(iommu_hwpt_get_dirty_bitmap, data, 48),
		MIN_SIZE(iommu_hwpt_invalidate, __reserved, 32),
		MIN_SIZE(iommu_fault_alloc, out_fault_fd, 16),
		MIN_SIZE(iommu_test_cmd, last, 68),
	};

	check(facts, ARRAY_LEN(facts));
}

Test(abi, iommufd_field_offsets)
{
	static const struct abi_fact facts[] = {
		OFFSET(iommu_ioas_map, user_va, 16),
		OFFSET(iommu_ioas_map, iova, 32),
		OFFSET(iommu_ioas_copy, src_iova, 32),
		OFFSET(iommu_ioas_unmap, iova, 8),
		OFFSET(iommu_option, op, 8),
		OFFSET(iommu_option, object_id, 12),
		OFFSET(iommu_option, val64, 16),
		OFFSET(iommu_vfio_ioas, op, 8),
		OFFSET(iommu_hwpt_alloc, data_type, 24),
		OFFSET(iommu_hwpt_alloc, data_uptr, 32),
		OFFSET(iommu_hwpt_alloc, fault_id, 40),
		OFFSET(iommu_hw_info, data_uptr, 16),
		OFFSET(iommu_hw_info, out_data_type, 24),
		OFFSET(iommu_hw_info, out_max_pasid_log2, 28),
		OFFSET(iommu_hw_info, __reserved, 29),
		OFFSET(iommu_hw_info, out_capabilities, 32),
		OFFSET(iommu_hwpt_get_dirty_bitmap, page_size, 32),
		OFFSET(iommu_hwpt_get_dirty_bitmap, data, 40),
		OFFSET(iommu_hwpt_invalidate, data_type, 16),
		OFFSET(iommu_hwpt_invalidate, entry_num, 24),
		OFFSET(iommu_hwpt_pgfault, addr, 24),
		OFFSET(iommu_hwpt_pgfault, cookie, 36),
		OFFSET(iommu_test_cmd, add_reserved.start, 16),
		OFFSET(iommu_test_cmd, mock_domain_flags.dev_flags, 28),
		OFFSET(iommu_test_cmd, access_pages.iova, 24),
		OFFSET(iommu_test_cmd, access_rw.flags, 40),
		OFFSET(iommu_test_cmd, dirty.out_nr_dirty, 56),
		OFFSET(iommu_test_cmd, trigger_iopf.addr, 32),
		OFFSET(iommu_test_cmd, last, 64),
	};

	check(facts, ARRAY_LEN(facts));
}

Test(abi, vfio_layouts)
{
	static const struct abi_fact facts[] = {
		SIZE(vfio_info_cap_header, 8),
		SIZE(vfio_group_status, 8),
		OFFSET(vfio_group_status, flags, 4),
		SIZE(vfio_device_info, 24),
		SIZE(vfio_iommu_type1_info, 24),
		OFFSET(vfio_iommu_type1_info, iova_pgsizes, 8),
		OFFSET(vfio_iommu_type1_info, cap_offset, 16),
		SIZE(vfio_iova_range, 16),
		SIZE(vfio_iommu_type1_info_cap_iova_range, 16),
		OFFSET(vfio_iommu_type1_info_cap_iova_range, iova_ranges, 16),
		SIZE(vfio_iommu_type1_info_dma_avail, 12),
		SIZE(vfio_iommu_type1_dma_map, 32),
		OFFSET(vfio_iommu_type1_dma_map, vaddr, 8),
		SIZE(vfio_iommu_type1_dma_unmap, 24),
		OFFSET(vfio_iommu_type1_dma_unmap, data, 24),
		SIZE(vfio_iommu_type1_dirty_bitmap, 8),
		SIZE(vfio_device_bind_iommufd, 16),
		OFFSET(vfio_device_bind_iommufd, out_devid, 12),
		SIZE(vfio_device_attach_iommufd_pt, 12),
		SIZE(vfio_device_detach_iommufd_pt, 8),
	};

	check(facts, ARRAY_LEN(facts));

	/* bind takes a signed fd, like the kernel's __s32 */
	struct vfio_device_bind_iommufd bind = { .iommufd = -1 };

	cr_expect_lt(bind.iommufd, 0);

	/* these depend on the ABI's u64 alignment and pointer size */
	if (_Alignof(uint64_t) == 8 && sizeof(void *) == 8) {
		static const struct abi_fact lp64[] = {
			SIZE(vfio_iommu_type1_info_cap_migration, 32),
			OFFSET(vfio_iommu_type1_info_cap_migration,
			       pgsize_bitmap, 16),
			SIZE(vfio_bitmap, 24),
			SIZE(vfio_iommu_type1_dirty_bitmap_get, 40),
		};

		check(lp64, ARRAY_LEN(lp64));
	}
}

Test(abi, selftest_constants)
{
	static const struct abi_fact facts[] = {
		VALUE(IOMMU_TEST_OP_ADD_RESERVED, 1),
		VALUE(IOMMU_TEST_OP_MOCK_DOMAIN, 2),
		VALUE(IOMMU_TEST_OP_MD_CHECK_MAP, 3),
		VALUE(IOMMU_TEST_OP_MD_CHECK_REFS, 4),
		VALUE(IOMMU_TEST_OP_CREATE_ACCESS, 5),
		VALUE(IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, 6),
		VALUE(IOMMU_TEST_OP_ACCESS_PAGES, 7),
		VALUE(IOMMU_TEST_OP_ACCESS_RW, 8),
		VALUE(IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, 9),
		VALUE(IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, 10),
		VALUE(IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, 11),
		VALUE(IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, 12),
		VALUE(IOMMU_TEST_OP_DIRTY, 13),
		VALUE(IOMMU_TEST_OP_MD_CHECK_IOTLB, 14),
		VALUE(IOMMU_TEST_OP_TRIGGER_IOPF, 15),
		VALUE(MOCK_APERTURE_START, 0x1000000),
		VALUE(MOCK_APERTURE_LAST, 0x7fffffff),
		VALUE(MOCK_FLAGS_ACCESS_WRITE, 1),
		VALUE(MOCK_FLAGS_ACCESS_SYZ, 0x10000),
		VALUE(MOCK_ACCESS_RW_WRITE, 1),
		VALUE(MOCK_ACCESS_RW_SLOW_PATH, 4),
		VALUE(MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, 1),
		VALUE(MOCK_FLAGS_DEVICE_NO_DIRTY, 1),
		VALUE(MOCK_FLAGS_DEVICE_HUGE_IOVA, 2),
		VALUE(MOCK_NESTED_DOMAIN_IOTLB_ID_MAX, 3),
		VALUE(MOCK_NESTED_DOMAIN_IOTLB_NUM, 4),
		VALUE(IOMMU_HW_INFO_TYPE_SELFTEST, 0xfeedbeef),
		VALUE(IOMMU_HW_INFO_SELFTEST_REGVAL, 0xdeadbeef),
		VALUE(IOMMU_HWPT_DATA_SELFTEST, 0xdead),
		VALUE(IOMMU_TEST_IOTLB_DEFAULT, 0xbadbeef),
		VALUE(IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, 0xdeadbeef),
		VALUE(IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID, 0xdadbeef),
		VALUE(IOMMU_TEST_INVALIDATE_FLAG_ALL, 1),
	};

	check(facts, ARRAY_LEN(facts));
}

/* Names from later kernels that the 6.12 selftests use; no layout change */
Test(abi, later_kernel_names)
{
	static const struct abi_fact facts[] = {
		VALUE(IOMMU_HW_INFO_TYPE_DEFAULT, 0),
		VALUE(IOMMU_HW_INFO_FLAG_INPUT_TYPE, 1),
		OFFSET(iommu_hw_info, in_data_type, 24),
		VALUE(MOCK_FLAGS_DEVICE_PASID, 4),
		VALUE(MOCK_PASID_WIDTH, 20),
	};

	check(facts, ARRAY_LEN(facts));

	struct iommu_hw_info info;

	memset(&info, 0, sizeof(info));
	info.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	cr_expect_eq(info.out_data_type, IOMMU_HW_INFO_TYPE_INTEL_VTD,
		     "in_data_type and out_data_type must share their bytes");
	cr_expect_eq(sizeof(info.in_data_type), sizeof(info.out_data_type));
	/* the 6.12 default must stay what a zeroed struct asks for */
	cr_expect_eq(IOMMU_HW_INFO_TYPE_DEFAULT, IOMMU_HW_INFO_TYPE_NONE);
}
