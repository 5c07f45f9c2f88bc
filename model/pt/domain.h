/* SPDX-License-Identifier: MIT */
/*
 * A walker table as an io_pagetable domain (struct iopt_domain).
 *
 * Contract: pt_domain_map is iommu_map() on the domain: the core's
 * alignment check (-EINVAL), then the driver's own checks (hooks, which
 * may also add driver bits to the prot), then the walker with the domain's
 * pgsize_bitmap. IOMMU_CACHE in the prot is dropped: no format encodes it
 * per mapping. pt_domain_unmap is iommu_unmap(). The iopt_domain ops call
 * these, so an io_pagetable can mirror its areas into real page tables.
 */
#ifndef MODEL_PT_DOMAIN_H
#define MODEL_PT_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

#include "iopt/io_pagetable.h"
#include "pt/pt.h"

struct pt_domain;

struct pt_domain_hooks {
	/*
	 * Driver checks before anything is mapped: 0 or -errno. @prot is
	 * PT_PROT_* and may gain driver bits (PT_PROT_SNOOP).
	 */
	int (*prepare_map)(struct pt_domain *d, uint64_t iova, uint64_t pa,
			   uint64_t len, int *prot);
};

struct pt_domain {
	struct iopt_domain iopt;
	struct pt_table table;
	const struct pt_domain_hooks *hooks;
};

static inline struct pt_domain *to_pt_domain(struct iopt_domain *d)
{
	return (struct pt_domain *)((char *)d - offsetof(struct pt_domain,
							 iopt));
}

/* 0, -EINVAL (levels, bitmap) or -ENOMEM; the table starts empty */
int pt_domain_init(struct pt_domain *d, const struct pt_format *fmt,
		   struct pt_mem mem, unsigned int levels,
		   uint64_t pgsize_bitmap, uint64_t aperture_start,
		   uint64_t aperture_end, const struct pt_domain_hooks *hooks);
void pt_domain_destroy(struct pt_domain *d);

/* @iommu_prot: IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE */
int pt_domain_map(struct pt_domain *d, uint64_t iova, uint64_t pa,
		  uint64_t len, int iommu_prot);
uint64_t pt_domain_unmap(struct pt_domain *d, uint64_t iova, uint64_t len);

#endif
