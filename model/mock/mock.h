/* SPDX-License-Identifier: MIT */
/*
 * The CONFIG_IOMMUFD_TEST mock IOMMU driver (drivers/iommu/iommufd/
 * selftest.c): 2 KiB IO pages kept in a map of page number -> PA/2K with
 * START/LAST/DIRTY/HUGE flag bits, a software dirty bit, and nested
 * domains with a four-entry fake IOTLB. IOMMU_TEST_CMD reaches into it
 * through the accessors below.
 */
#ifndef MODEL_MOCK_MOCK_H
#define MODEL_MOCK_MOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu.h"

#define MOCK_IO_PAGE_SIZE (IOPT_PAGE_SIZE / 2)
#define MOCK_HUGE_PAGE_SIZE (512 * MOCK_IO_PAGE_SIZE)

bool mock_domain_is_paging(const struct iommu_domain *d);
bool mock_domain_is_nested(const struct iommu_domain *d);
/* PA behind a mapped IO page, false when nothing is mapped there */
bool mock_domain_iova_to_phys(struct iommu_domain *d, uint64_t iova,
			      uint64_t *pa);
/* IOMMU_TEST_OP_DIRTY: mark the entry at index @index dirty if present */
bool mock_domain_mark_dirty(struct iommu_domain *d, uint64_t index);
bool mock_domain_dirty_tracking(const struct iommu_domain *d);
/* IOMMU_TEST_OP_MD_CHECK_IOTLB */
uint32_t mock_nested_iotlb(const struct iommu_domain *d, unsigned int id);

#endif
