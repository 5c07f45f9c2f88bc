/* SPDX-License-Identifier: MIT */
/*
 * EXPERIMENTAL, not in any released kernel: the noiommu cdev mode of the
 * "iommufd: Enable noiommu mode for cdev" series (v7, 2026), enabled by
 * IOMMUFD_CONFIG_NOIOMMU.
 *
 * The series gives iommufd a HWPT without an iommu driver
 * (hwpt_noiommu.c). The model has no such special case in its core: the
 * same behaviour comes from a driver behind the ordinary driver interface
 * whose domains only remember IOVA -> PA. That is enough for the
 * io_pagetable to pin every mapped page for as long as the HWPT exists
 * (the series' "real page pinning instead of mlock") and for
 * IOMMU_IOAS_NOIOMMU_GET_PA to hand the physical addresses to userspace.
 */
#ifndef MODEL_NOIOMMU_NOIOMMU_H
#define MODEL_NOIOMMU_NOIOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <iommufd/uapi_noiommu.h>

#include "iommu.h"

struct iommufd_ucmd;

/* A device with no IOMMU: bound by the noiommu rules, not the IOMMU ones */
static inline bool iommufd_dev_is_noiommu(const struct iommufd_dev *dev)
{
	return dev->iommu->driver == &iommu_noiommu_driver;
}

/* PA of the 4 KiB IO page at @iova (page aligned); false if unmapped */
bool noiommu_domain_iova_to_phys(struct iommu_domain *d, uint64_t iova,
				 uint64_t *pa);

/* IOMMU_IOAS_NOIOMMU_GET_PA */
int iommufd_ioas_noiommu_get_pa(struct iommufd_ucmd *ucmd);

#endif
