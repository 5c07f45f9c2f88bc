// SPDX-License-Identifier: MIT
/* The AMD driver's v1 paging domain over a walker table; see amd.h */
#include <errno.h>
#include <string.h>

#include "amd/amd.h"

static int amd_prepare_map(struct pt_domain *pd, uint64_t iova, uint64_t pa,
			   uint64_t len, int *prot)
{
	/* iommu_v1_map_pages(): IOMMU_PROT_MASK */
	if (!(*prot & (PT_PROT_READ | PT_PROT_WRITE)))
		return -EINVAL;
	return 0;
}

static const struct pt_domain_hooks amd_hooks = {
	.prepare_map = amd_prepare_map,
};

int amd_domain_init(struct amd_domain *d, struct pt_mem mem,
		    uint64_t pgsize_bitmap, uint64_t aperture_end)
{
	int rc;

	memset(d, 0, sizeof(*d));
	rc = pt_domain_init(&d->pt, &amd_v1_format, mem, AMD_V1_START_LEVELS,
			    pgsize_bitmap, 0, aperture_end, &amd_hooks);
	return rc;
}

void amd_domain_destroy(struct amd_domain *d)
{
	pt_domain_destroy(&d->pt);
	memset(d, 0, sizeof(*d));
}

void amd_domain_set_dte(const struct amd_domain *d, struct amd_dte *dte,
			uint16_t domid)
{
	amd_dte_set_v1(dte, d->pt.table.root, d->pt.table.levels, domid,
		       d->dirty_tracking);
}

int amd_domain_read_and_clear_dirty(struct amd_domain *d, uint64_t iova,
				    uint64_t size, unsigned int flags,
				    bool record, pt_dirty_fn report,
				    void *arg)
{
	if (!d->dirty_tracking && record)
		return -EINVAL;
	pt_read_and_clear_dirty(&d->pt.table, iova, size, flags,
				record ? report : NULL, arg);
	return 0;
}
