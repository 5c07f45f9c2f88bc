// SPDX-License-Identifier: MIT
#include "private.h"

#define TLB_PAGE_SHIFT 12

static unsigned int slot_of(uint64_t iova_pfn)
{
	return (unsigned int)(iova_pfn % IOTLB_ENTRIES);
}

struct iotlb_entry *iotlb_lookup(struct iotlb *tlb,
				 const struct iommu_domain *domain,
				 uint64_t iova)
{
	uint64_t pfn = iova >> TLB_PAGE_SHIFT;
	struct iotlb_entry *e = &tlb->e[slot_of(pfn)];

	return e->domain == domain && e->iova_pfn == pfn ? e : NULL;
}

void iotlb_fill(struct iotlb *tlb, const struct iommu_domain *domain,
		uint64_t iova, uint64_t pa, bool writable, bool dirty)
{
	uint64_t pfn = iova >> TLB_PAGE_SHIFT;
	struct iotlb_entry *e = &tlb->e[slot_of(pfn)];

	e->domain = domain;
	e->iova_pfn = pfn;
	e->pa_pfn = pa >> TLB_PAGE_SHIFT;
	e->writable = writable;
	e->dirty = dirty;
}

void iotlb_flush_all(struct iotlb *tlb)
{
	unsigned int i;

	for (i = 0; i < IOTLB_ENTRIES; i++)
		tlb->e[i].domain = NULL;
}

void iommu_iotlb_flush(const struct iommu_domain *domain, uint64_t iova,
		       uint64_t len)
{
	uint64_t first = iova >> TLB_PAGE_SHIFT;
	uint64_t last = len ? (iova + len - 1) >> TLB_PAGE_SHIFT : first;
	struct iommufd_dev *dev;
	unsigned int i;

	if (!domain->iommu)
		return;
	if (iova + len - 1 < iova)
		last = UINT64_MAX >> TLB_PAGE_SHIFT;
	for (dev = domain->iommu->platform->devs; dev; dev = dev->next) {
		for (i = 0; i < IOTLB_ENTRIES; i++) {
			struct iotlb_entry *e = &dev->iotlb.e[i];

			if (!e->domain ||
			    (e->domain != domain && e->domain->parent != domain))
				continue;
			/* a nested entry's IOVA is a guest IOVA: drop it all */
			if (e->domain == domain &&
			    (e->iova_pfn < first || e->iova_pfn > last))
				continue;
			e->domain = NULL;
		}
	}
}
