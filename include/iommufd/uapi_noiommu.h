/* SPDX-License-Identifier: MIT */
/*
 * EXPERIMENTAL, not in any released kernel.
 *
 * IOMMU_IOAS_NOIOMMU_GET_PA of the proposed "iommufd: Enable noiommu mode
 * for cdev" series (v7, 2026). The model serves it only with
 * IOMMUFD_CONFIG_NOIOMMU (model.h). The number is the first one free after
 * IOMMU_FAULT_QUEUE_ALLOC in 6.12's numbering; the series itself takes the
 * first one free in whatever kernel it lands in, so a real kernel will use
 * another.
 *
 * It lives apart from uapi.h on purpose: uapi.h is the released ABI, and
 * tests/abi_list.h cross-checks every name in it against the kernel's own
 * header. A proposal has no kernel header to be checked against.
 */
#ifndef IOMMUFD_MODEL_UAPI_NOIOMMU_H
#define IOMMUFD_MODEL_UAPI_NOIOMMU_H

#include <iommufd/uapi.h>

enum {
	IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x8f,
};

/*
 * The physical address behind @iova of an IOAS that a noiommu device's
 * HWPT pins, and how many bytes from there are physically contiguous
 * (never past the end of the area holding @iova).
 */
struct iommu_ioas_noiommu_get_pa {
	uint32_t size;	     /* sizeof(struct iommu_ioas_noiommu_get_pa) */
	uint32_t flags;	     /* must be 0 */
	uint32_t ioas_id;
	uint32_t __reserved; /* must be 0 */
	IOMMUFD_ALIGNED_U64 iova; /* any byte of a mapped area */
	/* in: at most this many bytes (0: no limit); out: contiguous bytes */
	IOMMUFD_ALIGNED_U64 length;
	IOMMUFD_ALIGNED_U64 out_phys; /* PA of the byte at @iova */
};
#define IOMMU_IOAS_NOIOMMU_GET_PA \
	IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)

IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA, 0x8f);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_IOAS_NOIOMMU_GET_PA, 0x3b8f);
IOMMUFD_ABI_ASSERT_SIZE(struct iommu_ioas_noiommu_get_pa, 40);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_noiommu_get_pa, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_noiommu_get_pa, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_noiommu_get_pa, ioas_id, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_noiommu_get_pa, __reserved, 12,
			 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_noiommu_get_pa, iova, 16, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_noiommu_get_pa, length, 24, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_noiommu_get_pa, out_phys, 32, 8);

#endif /* IOMMUFD_MODEL_UAPI_NOIOMMU_H */
