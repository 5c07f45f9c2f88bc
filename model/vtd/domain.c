// SPDX-License-Identifier: MIT
/* The VT-d driver's paging domain over a walker table; see vtd.h */
#include <errno.h>
#include <string.h>

#include "vtd/vtd.h"

/* The check intel_iommu_map() makes for each chunk it is handed */
static bool beyond_gaw(uint64_t iova, uint64_t len, unsigned int gaw)
{
	return iova + len < iova || (gaw < 64 && iova + len > (1ull << gaw));
}

static int vtd_prepare_map(struct pt_domain *pd, uint64_t iova, uint64_t pa,
			   uint64_t len, int *prot)
{
	struct vtd_domain *d = to_vtd_domain(&pd->iopt);
	uint64_t count, pgsize = pt_pgsize(pd->iopt.pgsize_bitmap, iova, pa,
					   len, &count);

	if (beyond_gaw(iova, pgsize * count, d->cfg.gaw))
		return -EFAULT;
	if (!(*prot & (PT_PROT_READ | PT_PROT_WRITE)))
		return -EINVAL;
	if (!(*prot & PT_PROT_WRITE) && d->cfg.nested_parent)
		return -EINVAL;
	if (beyond_gaw(iova, len, d->cfg.gaw))
		return -EFAULT;
	if (d->set_pte_snp)
		*prot |= PT_PROT_SNOOP;
	return 0;
}

static const struct pt_domain_hooks vtd_hooks = {
	.prepare_map = vtd_prepare_map,
};

int vtd_domain_init(struct vtd_domain *d, struct pt_mem mem,
		    const struct vtd_domain_cfg *cfg)
{
	const struct pt_format *fmt = cfg->first_stage ? &vtd_fs_format :
							 &vtd_ss_format;
	unsigned int levels = vtd_agaw_to_levels(cfg->agaw);
	uint64_t bm = 1ull << 12, aperture_end;
	unsigned int width;
	int rc;

	memset(d, 0, sizeof(*d));
	if (cfg->agaw < 1 || cfg->agaw > 3 || cfg->superpage > 2)
		return -EINVAL;
	width = cfg->first_stage ? cfg->gaw - 1 : cfg->gaw;
	if (cfg->gaw < 13 || cfg->gaw > vtd_agaw_to_width(cfg->agaw))
		return -EINVAL;
	if (cfg->superpage >= 1)
		bm |= 1ull << 21;
	if (cfg->superpage >= 2)
		bm |= 1ull << 30;
	aperture_end = width >= 64 ? ~0ull : (1ull << width) - 1;
	rc = pt_domain_init(&d->pt, fmt, mem, levels, bm, 0, aperture_end,
			    &vtd_hooks);
	if (rc)
		return rc;
	d->cfg = *cfg;
	return 0;
}

void vtd_domain_destroy(struct vtd_domain *d)
{
	pt_domain_destroy(&d->pt);
	memset(d, 0, sizeof(*d));
}

int vtd_domain_read_and_clear_dirty(struct vtd_domain *d, uint64_t iova,
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
