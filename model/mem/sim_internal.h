/* SPDX-License-Identifier: MIT */
/*
 * Library-internal view of simulated memory, for the parts of the model
 * that act as a device: a DMA hits a physical page, so it is addressed by
 * PFN, not by user address, and must still reach a pinned page whose VMA
 * has since been removed.
 */
#ifndef MODEL_MEM_SIM_INTERNAL_H
#define MODEL_MEM_SIM_INTERNAL_H

#include <stdint.h>

#include <iommufd/mem.h>

#define IOMMUFD_MEM_SIM_PAGE_SHIFT 12
#define IOMMUFD_MEM_SIM_PAGE_SIZE (1ULL << IOMMUFD_MEM_SIM_PAGE_SHIFT)
/* First fake PFN handed out: 4 GiB, so addresses look like real RAM */
#define IOMMUFD_MEM_SIM_PFN_BASE 0x100000ULL

/*
 * The 4096 bytes of the pinned page @pfn, allocated (zero-filled) on first
 * use. NULL when no page with that PFN is pinned (unpinned pages are not
 * indexed by PFN: a device may only touch what is pinned) or on ENOMEM.
 */
void *iommufd_mem_sim_page_data(struct iommufd_mem_sim *sim, uint64_t pfn);

/* Pins held on the page @pfn; 0 when it is not pinned */
uint64_t iommufd_mem_sim_pfn_pins(const struct iommufd_mem_sim *sim,
				  uint64_t pfn);

/* Pages currently present at a user address / pinned, for checkers and tests */
uint64_t iommufd_mem_sim_npages_mapped(const struct iommufd_mem_sim *sim);
uint64_t iommufd_mem_sim_npages_pinned(const struct iommufd_mem_sim *sim);

#endif
