/* SPDX-License-Identifier: MIT */
/*
 * AMD IOMMU page tables and the device-table entry, bit-exact.
 *
 * Sources: drivers/iommu/amd/{amd_iommu_types.h,io_pgtable.c,
 * io_pgtable_v2.c,iommu.c} of Linux 6.12 for what the driver writes; the
 * AMD IOMMU specification for what the hardware reads (the Accessed bit,
 * bit 5, and the HAD encodings other than 00b and 11b are named only
 * there).
 *
 * Contract:
 *  - amd_v1_format: the host (v1) table. Levels are the driver's 0-based
 *    ones; the DTE Mode is the number of levels (1..6). A table entry
 *    (PDE) at level L has NextLevel = L, the level of the table it points
 *    to counted from 1. A leaf is NextLevel 0 (the level's own size: 4K,
 *    2M, 1G, 512G...) or NextLevel 7 for any other power of two: the page
 *    is written to every entry it covers, with the size folded into the
 *    address field -- address bits 12..lg2-2 set, bit lg2-1 clear -- and
 *    decoded as 2^(1 + the lowest clear bit at or above 12). Leaves carry
 *    PR | FC, IR and IW per the mapping; PDEs PR | IR | IW. The table grows
 *    a level on top (entry 0 of the new root points at the old one) when
 *    an IOVA or a page size needs it, up to 6 levels. Unmap is
 *    iommu_v1_unmap_pages() (PT_UNMAP_LEAVES); empty tables are never freed.
 *    NextLevel values other than 0, 7 and the entry's own level (level
 *    skipping) are reported as malformed: the model does not skip levels.
 *  - amd_v2_format: the v2 (guest) table, x86 long mode, 4 or 5 levels;
 *    leaves are P|US|A|D (+R/W when writable, PS for 2M/1G), tables
 *    P|R/W|US|A; no dirty tracking (D is preset).
 *  - struct amd_dte is the 256-bit device-table entry; amd_dte_set_v1 is
 *    what set_dte_entry() writes for a v1 domain.
 *  - struct amd_domain is a v1 protection domain's table as an
 *    iopt_domain (iommufd's domains are always v1).
 */
#ifndef MODEL_AMD_AMD_H
#define MODEL_AMD_AMD_H

#include <stdbool.h>
#include <stdint.h>

#include "pt/domain.h"
#include "pt/pt.h"
#include "pt/x86.h"

/* ---- v1 entry */
#define AMD_PTE_PR (1ull << 0)
#define AMD_PTE_A (1ull << 5)
#define AMD_PTE_HD (1ull << 6)
#define AMD_PTE_NL_SHIFT 9
#define AMD_PTE_NL_MASK (7ull << 9)
#define AMD_PTE_NL_SIZE 7
#define AMD_PTE_ADDR 0x000ffffffffff000ull /* PM_ADDR_MASK, 51:12 */
#define AMD_PTE_U (1ull << 59)
#define AMD_PTE_FC (1ull << 60)
#define AMD_PTE_IR (1ull << 61)
#define AMD_PTE_IW (1ull << 62)

/* amd_iommu_pgsize_bitmap: the default, nohugepages, v2_pgsizes_only */
#define AMD_V1_PGSIZES (0x000ffffffffff000ull ^ (1ull << 39))
#define AMD_PGSIZES_4K (1ull << 12)
#define AMD_V2_PGSIZES ((1ull << 12) | (1ull << 21) | (1ull << 30))

#define AMD_V1_START_LEVELS 3 /* v1_alloc_pgtable(): PAGE_MODE_3_LEVEL */

extern const struct pt_format amd_v1_format;
extern const struct pt_format amd_v2_format;

static inline unsigned int amd_pte_next_level(uint64_t pte)
{
	return (pte & AMD_PTE_NL_MASK) >> AMD_PTE_NL_SHIFT;
}

/* PAGE_SIZE_PTE(): the address field of a NextLevel-7 leaf */
uint64_t amd_v1_size_encode(uint64_t pa, unsigned int lg2);
/* PTE_PAGE_SIZE(): lg2 of the page a NextLevel-7 entry maps */
unsigned int amd_v1_size_decode(uint64_t pte);

/* ---- device-table entry */
struct amd_dte {
	uint64_t data[4];
};

/* data[0] */
#define AMD_DTE_V (1ull << 0)
#define AMD_DTE_TV (1ull << 1)
#define AMD_DTE_HAD_SHIFT 7 /* bits 8:7 */
#define AMD_DTE_HAD_MASK (3ull << 7)
#define AMD_DTE_HAD_AD 3ull /* DTE_FLAG_HAD: access and dirty updated */
#define AMD_DTE_MODE_SHIFT 9 /* bits 11:9 */
#define AMD_DTE_MODE_MASK (7ull << 9)
#define AMD_DTE_ROOT_MASK 0x000ffffffffff000ull /* bits 51:12 */
#define AMD_DTE_PPR (1ull << 52)
#define AMD_DTE_GIOV (1ull << 54)
#define AMD_DTE_GV (1ull << 55)
#define AMD_DTE_GLX_SHIFT 56 /* bits 57:56 */
#define AMD_DTE_GLX_MASK (3ull << 56)
#define AMD_DTE_IR (1ull << 61)
#define AMD_DTE_IW (1ull << 62)
/* data[1] */
#define AMD_DTE_DOMID_MASK 0xffffull
#define AMD_DTE_IOTLB (1ull << 32)

bool amd_dte_valid(const struct amd_dte *dte);
bool amd_dte_tv(const struct amd_dte *dte);
unsigned int amd_dte_had(const struct amd_dte *dte);
unsigned int amd_dte_mode(const struct amd_dte *dte);
uint64_t amd_dte_root(const struct amd_dte *dte);
uint16_t amd_dte_domid(const struct amd_dte *dte);
bool amd_dte_ir(const struct amd_dte *dte);
bool amd_dte_iw(const struct amd_dte *dte);

/*
 * set_dte_entry() for a v1 domain without a GCR3 table: data[0] becomes
 * root | Mode | IR | IW | V | TV, plus HAD = 11b when dirty tracking is
 * on; the domain ID replaces data[1] bits 15:0, the rest of data[1] and
 * data[2..3] are kept.
 */
void amd_dte_set_v1(struct amd_dte *dte, uint64_t root, unsigned int mode,
		    uint16_t domid, bool dirty_tracking);
/* amd_iommu_set_dirty_tracking(): HAD = 11b or 00b, nothing else */
void amd_dte_set_had(struct amd_dte *dte, bool dirty_tracking);
/* clear_dte_entry(): V | TV only (blocks DMA), data[1] keeps bits 41:32 */
void amd_dte_clear(struct amd_dte *dte);

/*
 * A DMA through @dte, as the hardware does it. V = 0 or TV = 0: no
 * translation. Otherwise the DTE's IR/IW gate the access; Mode 0 passes
 * it untranslated, Mode 1..6 walks the v1 table at the root pointer
 * through @mem, Mode 7 is malformed. HAD 01b sets Accessed, 11b also
 * Dirty; 00b and the reserved 10b update neither.
 */
enum pt_fault amd_dte_translate(const struct amd_dte *dte, struct pt_mem mem,
				uint64_t iova, enum pt_access access,
				struct pt_xlate_result *res);

/* ---- the driver's v1 paging domain */

struct amd_domain {
	struct pt_domain pt;
	bool dirty_tracking;
};

/*
 * A v1 domain in mode 3 with an empty table. @pgsize_bitmap: one of
 * AMD_V1_PGSIZES (default), AMD_PGSIZES_4K (amd_iommu=nohugepages),
 * AMD_V2_PGSIZES (amd_iommu=v2_pgsizes_only). @aperture_end:
 * dma_max_address(), ~0 unless the system default table is v2. Mapping
 * with neither read nor write is -EINVAL (after the core's alignment
 * check). When the table grows, pt.table.on_grow is called: whoever owns
 * DTEs pointing at it must rewrite them (amd_domain_set_dte).
 */
int amd_domain_init(struct amd_domain *d, struct pt_mem mem,
		    uint64_t pgsize_bitmap, uint64_t aperture_end);
void amd_domain_destroy(struct amd_domain *d);

static inline struct amd_domain *to_amd_domain(struct iopt_domain *d)
{
	return (struct amd_domain *)((char *)to_pt_domain(d) -
				     offsetof(struct amd_domain, pt));
}

/* set_dte_entry() for a device attached to @d */
void amd_domain_set_dte(const struct amd_domain *d, struct amd_dte *dte,
			uint16_t domid);

/*
 * amd_iommu_read_and_clear_dirty(): -EINVAL when tracking is off and the
 * caller has a bitmap (@record); otherwise the walk, then 0.
 */
int amd_domain_read_and_clear_dirty(struct amd_domain *d, uint64_t iova,
				    uint64_t size, unsigned int flags,
				    bool record, pt_dirty_fn report,
				    void *arg);

#endif
