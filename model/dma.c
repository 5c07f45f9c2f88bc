// SPDX-License-Identifier: MIT
/*
 * The DMA engine: a simulated device reads or writes memory through its
 * IOMMU, one page at a time, the translation coming from the driver's
 * hardware walk over the table bytes and the data from the memory
 * provider's pinned pages. A translation fault also raises a page
 * request on devices with page-request support.
 */
#include <string.h>

#include "private.h"

#define DMA_PAGE 4096ull
/*
 * Each step moves at most up to the next 2 KiB IOVA boundary: the
 * smallest IO page of any driver (the selftest mock's), so one
 * translation always covers the step and it stays inside one page.
 */
#define DMA_STEP 2048ull

/*
 * One translation, through the IOTLB when the hardware has one: a hit
 * needs no walk unless it is a write the cached entry has not yet seen
 * (the walk is what sets Dirty).
 */
static int translate(struct iommufd_dev *dev, const struct iommufd_mem *mem,
		     uint64_t iova, bool write, uint64_t *pa)
{
	const struct iommu_driver *drv = dev->iommu->driver;
	struct iommu_domain *domain = dev->idev->igroup->hwpt ?
					      dev->idev->igroup->hwpt->domain :
					      NULL;
	struct iotlb_entry *e;
	int rc;

	if (!drv->has_iotlb || !domain)
		return drv->translate(dev, mem, iova, write, pa);
	e = iotlb_lookup(&dev->iotlb, domain, iova);
	if (e && (!write || (e->writable && e->dirty))) {
		*pa = (e->pa_pfn << 12) | (iova & (DMA_PAGE - 1));
		dev->iotlb.hits++;
#ifdef MODEL_DEBUG_INVARIANTS
		/* host-managed tables: a hit must be what a walk gives */
		if (domain->type == IOMMU_DOMAIN_PAGING &&
		    domain->ops->iova_to_phys &&
		    domain->ops->iova_to_phys(domain, iova) != *pa)
			dev->iotlb.stale++;
#endif
		return 0;
	}
	dev->iotlb.misses++;
	rc = drv->translate(dev, mem, iova, write, pa);
	if (!rc)
		iotlb_fill(&dev->iotlb, domain, iova, *pa, write, write);
	return rc;
}

void iommufd_dev_iotlb_stats(const struct iommufd_dev *dev,
			     struct iommufd_iotlb_stats *stats)
{
	stats->hits = dev->iotlb.hits;
	stats->misses = dev->iotlb.misses;
	stats->stale = dev->iotlb.stale;
}

int iommufd_dev_dma(struct iommufd_dev *dev, uint64_t iova, void *buf,
		    size_t len, bool write)
{
	return iommufd_dev_dma_fault(dev, iova, buf, len, write, NULL);
}

/*
 * A device that can issue page requests (PRI) asks for the page it could
 * not reach: the request reaches a fault queue when its HWPT has one, the
 * core answers it otherwise. Only mock devices do so from a DMA: a VT-d
 * device with PRI would send its request without a PASID, which 6.12's
 * page request queue answers INVALID at once (SPEC.md 6.10).
 */
static void raise_page_request(struct iommufd_dev *dev, uint64_t iova,
			       bool write, struct iommufd_dma_fault *fault)
{
	struct iommufd_page_request req = {
		.addr = iova & ~(DMA_PAGE - 1),
		.perm = write ? IOMMU_FAULT_PERM_WRITE : IOMMU_FAULT_PERM_READ,
		.last = true,
	};
	uint32_t code = 0;
	int st;

	if (dev->iommu->desc.kind != IOMMUFD_IOMMU_MOCK)
		return;
	st = iommufd_dev_page_request(dev, &req, &code);
	if (fault && st >= 0) {
		fault->raised = true;
		fault->req = req;
		fault->status = (enum iommufd_page_request_status)st;
		fault->code = code;
	}
}

int iommufd_dev_dma_fault(struct iommufd_dev *dev, uint64_t iova, void *buf,
			  size_t len, bool write,
			  struct iommufd_dma_fault *fault)
{
	const struct iommufd_mem *mem;
	char *p = buf;

	if (fault)
		memset(fault, 0, sizeof(*fault));
	if (!dev->ictx || !dev->attached)
		return -ENODEV;
	mem = &dev->ictx->env->mem;
	if (!dev->iommu->driver->translate || !mem->ops->pinned_page)
		return -EIO;
	while (len) {
		uint64_t pa, n = DMA_STEP - (iova & (DMA_STEP - 1));
		char *page;
		int rc;

		if (n > len)
			n = len;
		rc = translate(dev, mem, iova, write, &pa);
		if (rc == -EFAULT || rc == -EPERM)
			raise_page_request(dev, iova, write, fault);
		if (rc)
			return rc;
		page = mem->ops->pinned_page(mem->priv, pa / DMA_PAGE);
		if (!page)
			return -EIO;
		if (write)
			memcpy(page + (pa & (DMA_PAGE - 1)), p, n);
		else
			memcpy(p, page + (pa & (DMA_PAGE - 1)), n);
		p += n;
		iova += n;
		len -= n;
	}
	return 0;
}

/* pt_mem over pinned user pages: a guest's stage-1 tables */
static uint64_t *user_entry(void *priv, uint64_t pa)
{
	const struct iommufd_mem *mem = priv;
	char *page = mem->ops->pinned_page(mem->priv, pa / DMA_PAGE);

	return page ? (uint64_t *)(page + (pa & (DMA_PAGE - 8))) : NULL;
}

static const struct pt_mem_ops user_mem_ops = {
	.entry = user_entry,
};

struct pt_mem iommufd_user_pt_mem(const struct iommufd_mem *mem)
{
	return (struct pt_mem){ .ops = &user_mem_ops, .priv = (void *)mem };
}

int iommufd_pt_fault_errno(enum pt_fault fault)
{
	switch (fault) {
	case PT_FAULT_NONE:
		return 0;
	case PT_FAULT_PERM:
		return -EPERM;
	case PT_FAULT_NOT_PRESENT:
	case PT_FAULT_RANGE:
		return -EFAULT;
	default:
		return -EIO;
	}
}
