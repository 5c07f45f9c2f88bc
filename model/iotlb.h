/* SPDX-License-Identifier: MIT */
/*
 * The IOTLB: translations a device has used, kept until the driver
 * invalidates them. Hardware caches per domain tag; the model keeps a
 * small direct-mapped cache per device tagged by domain, which invalidates
 * the same way: by domain and IOVA range when the driver flushes (unmap,
 * dirty-bit clearing, tracking changes, a guest's HWPT_INVALIDATE), and
 * all of a device's entries when its PASID entry or DTE changes.
 *
 * A hit is used without walking the tables, exactly as hardware does, so a
 * guest that changes its stage-1 table without invalidating keeps getting
 * the old translation. For host-managed tables a hit must equal a fresh
 * walk; debug builds check that and count violations as `stale`.
 */
#ifndef MODEL_IOTLB_H
#define MODEL_IOTLB_H

#include <stdbool.h>
#include <stdint.h>

struct iommu_domain;
struct iommufd_dev;

#define IOTLB_ENTRIES 64

struct iotlb_entry {
	const struct iommu_domain *domain; /* NULL: free */
	uint64_t iova_pfn, pa_pfn;
	bool writable;	/* the walk allowed writes */
	bool dirty;	/* a write through it already set D */
};

struct iotlb {
	struct iotlb_entry e[IOTLB_ENTRIES];
	uint64_t hits, misses, stale;
};

/* The entry for @iova in @domain, or NULL */
struct iotlb_entry *iotlb_lookup(struct iotlb *tlb,
				 const struct iommu_domain *domain,
				 uint64_t iova);
void iotlb_fill(struct iotlb *tlb, const struct iommu_domain *domain,
		uint64_t iova, uint64_t pa, bool writable, bool dirty);
void iotlb_flush_all(struct iotlb *tlb);

/*
 * iotlb_sync for a domain: drop the entries of @domain (and of nested
 * domains whose stage 2 it is) for [iova, iova + len) on every device of
 * its platform.
 */
void iommu_iotlb_flush(const struct iommu_domain *domain, uint64_t iova,
		       uint64_t len);

#endif
