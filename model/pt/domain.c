// SPDX-License-Identifier: MIT
/* struct iopt_domain over a walker table; see domain.h */
#include <errno.h>
#include <string.h>

#include "pt/domain.h"

static int iopt_ops_map(struct iopt_domain *domain, uint64_t iova,
			uint64_t paddr, uint64_t len, int prot)
{
	return pt_domain_map(to_pt_domain(domain), iova, paddr, len, prot);
}

static uint64_t iopt_ops_unmap(struct iopt_domain *domain, uint64_t iova,
			       uint64_t len)
{
	return pt_domain_unmap(to_pt_domain(domain), iova, len);
}

static const struct iopt_domain_ops pt_iopt_domain_ops = {
	.map = iopt_ops_map,
	.unmap = iopt_ops_unmap,
};

int pt_domain_init(struct pt_domain *d, const struct pt_format *fmt,
		   struct pt_mem mem, unsigned int levels,
		   uint64_t pgsize_bitmap, uint64_t aperture_start,
		   uint64_t aperture_end, const struct pt_domain_hooks *hooks)
{
	int rc;

	memset(d, 0, sizeof(*d));
	rc = pt_table_init(&d->table, fmt, mem, levels, pgsize_bitmap);
	if (rc)
		return rc;
	d->iopt.ops = &pt_iopt_domain_ops;
	d->iopt.pgsize_bitmap = d->table.pgsize_bitmap;
	d->iopt.aperture_start = aperture_start;
	d->iopt.aperture_end = aperture_end;
	d->hooks = hooks;
	return 0;
}

void pt_domain_destroy(struct pt_domain *d)
{
	pt_table_destroy(&d->table);
	memset(d, 0, sizeof(*d));
}

int pt_domain_map(struct pt_domain *d, uint64_t iova, uint64_t pa,
		  uint64_t len, int iommu_prot)
{
	uint64_t bm = d->iopt.pgsize_bitmap;
	int prot = iommu_prot & (PT_PROT_READ | PT_PROT_WRITE);
	int rc;

	/* __iommu_map(): everything aligned to the smallest page size */
	if (!bm || ((iova | pa | len) & ((bm & -bm) - 1)))
		return -EINVAL;
	/* ...and nothing to do reaches no driver */
	if (!len)
		return 0;
	if (d->hooks && d->hooks->prepare_map) {
		rc = d->hooks->prepare_map(d, iova, pa, len, &prot);
		if (rc)
			return rc;
	}
	return pt_map(&d->table, iova, pa, len, prot, bm);
}

uint64_t pt_domain_unmap(struct pt_domain *d, uint64_t iova, uint64_t len)
{
	return pt_unmap(&d->table, iova, len);
}
