// SPDX-License-Identifier: MIT
/*
 * EXPERIMENTAL, not in any released kernel: the "driver" of devices that
 * have no IOMMU, for the proposed noiommu cdev mode (see noiommu.h), and
 * IOMMU_IOAS_NOIOMMU_GET_PA.
 *
 * Nothing translates: a noiommu device puts physical addresses on the bus.
 * A domain is therefore only bookkeeping, an IOVA page -> PFN map that
 * the io_pagetable fills like any other domain. Its existence is what
 * makes the IOAS pin (and charge) the pages, and its contents are what
 * GET_PA reports. The IOVA itself means nothing to the device; it is the
 * handle userspace uses to name its mappings.
 */
#include <stdlib.h>

#include "private.h"
#include "u64map.h"
#include "noiommu/noiommu.h"

#define NOIOMMU_PAGE_SIZE IOPT_PAGE_SIZE
#define NOIOMMU_PAGE_MASK (NOIOMMU_PAGE_SIZE - 1)

struct noiommu_domain {
	struct iommu_domain domain;
	struct u64map pfns; /* IOVA >> 12 -> PA >> 12 */
};

static const struct iommu_domain_ops noiommu_domain_ops;

static struct noiommu_domain *to_noiommu(struct iommu_domain *d)
{
	return container_of(d, struct noiommu_domain, domain);
}

/*
 * No capability at all. Without CACHE_COHERENCY a 6.12 kernel (and this
 * model without IOMMUFD_CONFIG_NOIOMMU) refuses to bind the device with
 * EINVAL, exactly as device_iommu_capable() answers for a device that has
 * no IOMMU; no DIRTY_TRACKING makes HWPT_ALLOC's DIRTY flag EOPNOTSUPP
 * and GET_HW_INFO report no capabilities.
 */
static bool noiommu_capable(struct iommufd_dev *dev, enum iommu_cap cap)
{
	(void)dev;
	(void)cap;
	return false;
}

static void noiommu_domain_free(struct iommu_domain *d)
{
	struct noiommu_domain *nd = to_noiommu(d);

	u64map_destroy(&nd->pfns);
	free(nd);
}

static int noiommu_map_pages(struct iommu_domain *d, uint64_t iova,
			     uint64_t paddr, uint64_t pgsize, uint64_t pgcount,
			     int prot, uint64_t *mapped)
{
	struct noiommu_domain *nd = to_noiommu(d);
	uint64_t start = iova, n = pgsize / NOIOMMU_PAGE_SIZE * pgcount;

	/* No permissions to enforce: the device bypasses everything */
	(void)prot;
	for (; n; n--) {
		if (u64map_store(&nd->pfns, iova / NOIOMMU_PAGE_SIZE,
				 paddr / NOIOMMU_PAGE_SIZE)) {
			/* iommu_map() contract: nothing left of a failed call */
			for (; start != iova; start += NOIOMMU_PAGE_SIZE)
				u64map_erase(&nd->pfns,
					     start / NOIOMMU_PAGE_SIZE);
			return -ENOMEM;
		}
		iova += NOIOMMU_PAGE_SIZE;
		paddr += NOIOMMU_PAGE_SIZE;
		*mapped += NOIOMMU_PAGE_SIZE;
	}
	return 0;
}

static uint64_t noiommu_unmap_pages(struct iommu_domain *d, uint64_t iova,
				    uint64_t pgsize, uint64_t pgcount)
{
	struct noiommu_domain *nd = to_noiommu(d);
	uint64_t n = pgsize / NOIOMMU_PAGE_SIZE * pgcount, ret = 0;

	for (; n; n--) {
		u64map_erase(&nd->pfns, iova / NOIOMMU_PAGE_SIZE);
		iova += NOIOMMU_PAGE_SIZE;
		ret += NOIOMMU_PAGE_SIZE;
	}
	return ret;
}

/* Every noiommu device can share a domain: there is no hardware to differ */
static int noiommu_attach_dev(struct iommu_domain *d, struct iommufd_dev *dev)
{
	(void)d;
	(void)dev;
	return 0;
}

static const struct iommu_domain_ops noiommu_domain_ops = {
	.free = noiommu_domain_free,
	.map_pages = noiommu_map_pages,
	.unmap_pages = noiommu_unmap_pages,
	.attach_dev = noiommu_attach_dev,
};

/*
 * Only a plain paging domain makes sense: there is no stage to nest, no
 * dirty bit to track and no driver data format. The series leaves these
 * answers open; EOPNOTSUPP is what every 6.12 driver gives for a request
 * it does not support.
 */
static struct iommu_domain *
noiommu_domain_alloc_user(struct iommufd_dev *dev, struct iommufd_ctx *ictx,
			  uint32_t flags, struct iommu_domain *parent,
			  const struct iommu_user_data *data, int *err)
{
	struct noiommu_domain *nd;

	(void)ictx;
	if (parent || flags || data) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	nd = calloc(1, sizeof(*nd));
	if (!nd) {
		*err = -ENOMEM;
		return NULL;
	}
	/* 4 KiB only: GET_PA walks page by page, so larger pages buy nothing */
	iommu_domain_init_paging(&nd->domain, NOIOMMU_PAGE_SIZE, 0,
				 IOPT_ULONG_MAX);
	nd->domain.ops = &noiommu_domain_ops;
	nd->domain.iommu = dev->iommu;
	u64map_init(&nd->pfns);
	return &nd->domain;
}

/*
 * The device's bus address is the physical address: whatever GET_PA
 * returned. It reaches memory only where the memory provider has a page
 * pinned (dma.c answers EIO elsewhere), which is the point of pinning.
 */
static int noiommu_translate(struct iommufd_dev *dev,
			     const struct iommufd_mem *mem, uint64_t iova,
			     bool write, uint64_t *pa)
{
	(void)dev;
	(void)mem;
	(void)write;
	*pa = iova;
	return 0;
}

bool noiommu_domain_iova_to_phys(struct iommu_domain *d, uint64_t iova,
				 uint64_t *pa)
{
	uint64_t pfn;

	if (d->ops != &noiommu_domain_ops ||
	    !u64map_load(&to_noiommu(d)->pfns, iova / NOIOMMU_PAGE_SIZE, &pfn))
		return false;
	*pa = pfn * NOIOMMU_PAGE_SIZE;
	return true;
}

const struct iommu_driver iommu_noiommu_driver = {
	.name = "noiommu",
	.capable = noiommu_capable,
	.translate = noiommu_translate,
	.domain_alloc_user = noiommu_domain_alloc_user,
};

/* ----------------------------------------------- IOMMU_IOAS_NOIOMMU_GET_PA */

/*
 * The noiommu domain the IOAS's pages are pinned for. Any will do: every
 * domain of an IOAS maps the same areas to the same pages.
 */
static struct iommu_domain *ioas_noiommu_domain(struct iommufd_ioas *ioas)
{
	uint32_t i;

	for (i = 0; i < ioas->nhwpts; i++) {
		struct iommu_domain *d = ioas->hwpts[i]->common.domain;

		if (d->ops == &noiommu_domain_ops)
			return d;
	}
	return NULL;
}

int iommufd_ioas_noiommu_get_pa(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_noiommu_get_pa *cmd = ucmd->cmd;
	struct iommu_domain *domain;
	struct iommufd_ioas *ioas;
	struct iopt_area *area;
	struct itree_iter it;
	uint64_t limit, run_last, page_pa, next_pa;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (!itree_iter_first(&ioas->iopt.area_itree, cmd->iova, cmd->iova,
			      &it))
		return -ENOENT;
	area = it.item;
	/* under construction: unreachable, the model is single threaded */
	if (!area->pages)
		return -ENOENT;
	/*
	 * Without a noiommu HWPT nothing is pinned and a PA would be stale
	 * the moment it was read; with only real IOMMU domains, handing out
	 * PAs would leak what the IOMMU exists to hide.
	 */
	domain = ioas_noiommu_domain(ioas);
	if (!domain)
		return -ENODEV;
	/* a filled area is mapped in every domain: unreachable */
	if (!noiommu_domain_iova_to_phys(domain, cmd->iova & ~NOIOMMU_PAGE_MASK,
					 &page_pa))
		return -ENOENT;

	/* Inclusive ends throughout: an area may end at the top of the space */
	limit = area->last;
	if (cmd->length && cmd->length - 1 < limit - cmd->iova)
		limit = cmd->iova + cmd->length - 1;
	run_last = cmd->iova | NOIOMMU_PAGE_MASK;
	next_pa = page_pa + NOIOMMU_PAGE_SIZE;
	while (run_last < limit) {
		uint64_t pa;

		if (!noiommu_domain_iova_to_phys(domain, run_last + 1, &pa) ||
		    pa != next_pa)
			break;
		run_last += NOIOMMU_PAGE_SIZE;
		next_pa += NOIOMMU_PAGE_SIZE;
	}
	if (run_last > limit)
		run_last = limit;

	cmd->out_phys = page_pa + (cmd->iova & NOIOMMU_PAGE_MASK);
	cmd->length = run_last - cmd->iova + 1;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}
