/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d page tables and the PASID-table entry, bit-exact.
 *
 * Sources: drivers/iommu/intel/{iommu.h,iommu.c,pasid.h,pasid.c} of Linux
 * 6.12 for what the driver writes; the VT-d specification for what the
 * hardware reads (the second-stage Accessed flag, bit 8, is named only
 * there).
 *
 * Contract:
 *  - vtd_ss_format: second stage. 3, 4 or 5 levels (agaw 1, 2, 3 = levels
 *    - 2); 4K leaves at level 0, 2M and 1G leaves with PS at levels 1 and
 *    2. Present means R or W. Leaves are written as __domain_mapping()
 *    writes them: R is always set (the driver ORs in its "present" bit 0,
 *    which in this format is R), W only for writable mappings, SNP when the
 *    domain enforces snooping; tables as R|W. A (bit 8) and D (bit 9) are
 *    set by the hardware only when the PASID entry has SSADE.
 *  - vtd_fs_format: first stage, x86 long mode, 4 or 5 levels. Leaves are
 *    P|US|A, plus R/W|D when writable, PS for 2M/1G; tables P|R/W|US|A. A/D
 *    being preset is why first-stage domains cannot track dirty pages.
 *  - Both use the driver's unmap (PT_UNMAP_RANGE). Page sizes come from
 *    the domain's bitmap, which is what hardware_largepage_caps() picks
 *    with the same superpage level; a caller passing pt_map() a narrower
 *    bitmap than the domain's gets smaller pages than the kernel would.
 *  - struct vtd_pasid_entry is the 512-bit scalable-mode PASID entry; the
 *    accessors touch exactly the bits pasid.h touches.
 *  - struct vtd_domain is a dmar_domain's page table as an iopt_domain:
 *    intel_iommu_map()'s checks (see vtd_domain_init), its page sizes and
 *    aperture, and the dirty read-back's EINVAL.
 */
#ifndef MODEL_VTD_VTD_H
#define MODEL_VTD_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include "pt/domain.h"
#include "pt/pt.h"
#include "pt/x86.h"

/* ---- second-stage entry (struct dma_pte) */
#define VTD_SS_R (1ull << 0)
#define VTD_SS_W (1ull << 1)
#define VTD_SS_PS (1ull << 7)
#define VTD_SS_A (1ull << 8)
#define VTD_SS_D (1ull << 9)
#define VTD_SS_SNP (1ull << 11)
/* bits HAW-1:12 with the largest HAW, 52 */
#define VTD_SS_ADDR 0x000ffffffffff000ull

#define VTD_PGSIZES ((1ull << 12) | (1ull << 21) | (1ull << 30))

extern const struct pt_format vtd_ss_format;
extern const struct pt_format vtd_fs_format;

/* agaw_to_level(), agaw_to_width() */
static inline unsigned int vtd_agaw_to_levels(unsigned int agaw)
{
	return agaw + 2;
}

static inline unsigned int vtd_agaw_to_width(unsigned int agaw)
{
	unsigned int w = 30 + agaw * 9;

	return w > 64 ? 64 : w;
}

/* ---- scalable-mode PASID-table entry */
struct vtd_pasid_entry {
	uint64_t val[8];
};

#define VTD_PGTT_FL_ONLY 1
#define VTD_PGTT_SL_ONLY 2
#define VTD_PGTT_NESTED 3
#define VTD_PGTT_PT 4

/* word 0 */
#define VTD_PASID_P (1ull << 0)
#define VTD_PASID_FPD (1ull << 1)
#define VTD_PASID_AW_SHIFT 2		/* bits 4:2 */
#define VTD_PASID_AW_MASK (7ull << 2)
#define VTD_PASID_PGTT_SHIFT 6		/* bits 8:6 */
#define VTD_PASID_PGTT_MASK (7ull << 6)
#define VTD_PASID_SSADE (1ull << 9)
#define VTD_PASID_SLPTR_MASK 0xfffffffffffff000ull /* bits 63:12 */
/* word 1 */
#define VTD_PASID_DID_MASK 0xffffull	/* bits 79:64 */
#define VTD_PASID_PWSNP (1ull << 23)	/* bit 87 */
#define VTD_PASID_PGSNP (1ull << 24)	/* bit 88 */
/* word 2 */
#define VTD_PASID_SRE (1ull << 0)	/* bit 128 */
#define VTD_PASID_FLPM_SHIFT 2		/* bits 131:130 */
#define VTD_PASID_FLPM_MASK (3ull << 2)
#define VTD_PASID_WPE (1ull << 4)	/* bit 132 */
#define VTD_PASID_EAFE (1ull << 7)	/* bit 135 */
#define VTD_PASID_FLPTR_MASK 0xfffffffffffff000ull /* bits 191:140 */

bool vtd_pasid_present(const struct vtd_pasid_entry *pe);
bool vtd_pasid_fpd(const struct vtd_pasid_entry *pe);
unsigned int vtd_pasid_aw(const struct vtd_pasid_entry *pe);
unsigned int vtd_pasid_pgtt(const struct vtd_pasid_entry *pe);
bool vtd_pasid_ssade(const struct vtd_pasid_entry *pe);
uint64_t vtd_pasid_slptr(const struct vtd_pasid_entry *pe);
uint16_t vtd_pasid_did(const struct vtd_pasid_entry *pe);
bool vtd_pasid_pwsnp(const struct vtd_pasid_entry *pe);
bool vtd_pasid_pgsnp(const struct vtd_pasid_entry *pe);
bool vtd_pasid_sre(const struct vtd_pasid_entry *pe);
unsigned int vtd_pasid_flpm(const struct vtd_pasid_entry *pe);
bool vtd_pasid_wpe(const struct vtd_pasid_entry *pe);
bool vtd_pasid_eafe(const struct vtd_pasid_entry *pe);
uint64_t vtd_pasid_flptr(const struct vtd_pasid_entry *pe);

void vtd_pasid_clear(struct vtd_pasid_entry *pe);
void vtd_pasid_set_present(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_fpd(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_aw(struct vtd_pasid_entry *pe, unsigned int aw);
void vtd_pasid_set_pgtt(struct vtd_pasid_entry *pe, unsigned int pgtt);
void vtd_pasid_set_ssade(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_slptr(struct vtd_pasid_entry *pe, uint64_t pa);
void vtd_pasid_set_did(struct vtd_pasid_entry *pe, uint16_t did);
void vtd_pasid_set_pwsnp(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_pgsnp(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_sre(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_flpm(struct vtd_pasid_entry *pe, unsigned int flpm);
void vtd_pasid_set_wpe(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_eafe(struct vtd_pasid_entry *pe, bool on);
void vtd_pasid_set_flptr(struct vtd_pasid_entry *pe, uint64_t pa);

/*
 * The entries intel_pasid_setup_{second_level,first_level,nested,
 * pass_through}() write, field for field (the entry is cleared first).
 */
void vtd_pasid_setup_second_level(struct vtd_pasid_entry *pe, uint64_t slptr,
				  unsigned int agaw, uint16_t did, bool pwsnp,
				  bool dirty_tracking);
void vtd_pasid_setup_first_level(struct vtd_pasid_entry *pe, uint64_t flptr,
				 bool five_level, unsigned int agaw,
				 uint16_t did, bool pgsnp, bool pwsnp);
/* @s1_flags: IOMMU_VTD_S1_SRE (1) | IOMMU_VTD_S1_EAFE (2) | IOMMU_VTD_S1_WPE (4) */
void vtd_pasid_setup_nested(struct vtd_pasid_entry *pe, uint64_t s1_pgtbl,
			    bool s1_five_level, uint32_t s1_flags,
			    uint64_t slptr, unsigned int s2_agaw, uint16_t did,
			    bool pgsnp, bool pwsnp, bool dirty_tracking);
void vtd_pasid_setup_pass_through(struct vtd_pasid_entry *pe,
				  unsigned int agaw, uint16_t did, bool pwsnp);

/*
 * A DMA with PASID entry @pe, as the hardware does it: second-stage
 * tables are read through @ss_mem, first-stage tables through @fs_mem once
 * their address is a host PA (through stage 2 when nested). Second-stage
 * A/D follow SSADE; first-stage A/D are always updated. @supervisor: a
 * privileged request (needs SRE). res->pa is the host PA; for nested
 * translation res->lg2 is the smaller of the two page sizes.
 */
enum pt_fault vtd_pasid_translate(const struct vtd_pasid_entry *pe,
				  struct pt_mem ss_mem, struct pt_mem fs_mem,
				  uint64_t iova, enum pt_access access,
				  bool supervisor,
				  struct pt_xlate_result *res);

/* ---- the driver's paging domain */

struct vtd_domain_cfg {
	bool first_stage;	/* use_first_level */
	unsigned int agaw;	/* 1, 2, 3: 3, 4, 5 levels */
	unsigned int gaw;	/* min(agaw_to_width(agaw), MGAW) */
	unsigned int superpage;	/* iommu_superpage: 0, 1 (2M), 2 (2M, 1G) */
	bool nested_parent;	/* IOMMU_HWPT_ALLOC_NEST_PARENT */
};

struct vtd_domain {
	struct pt_domain pt;
	struct vtd_domain_cfg cfg;
	bool set_pte_snp;	/* SNP in new second-stage leaves */
	bool dirty_tracking;
};

/*
 * A domain with an empty table. Page sizes 4K plus 2M/1G per @superpage;
 * aperture [0, 2^gaw - 1], or [0, 2^(gaw-1) - 1] for a first stage (the
 * top bit is the canonical sign). Mapping, in the kernel's order: the
 * core's alignment check, then -EFAULT when the first chunk iommu_map()
 * hands the driver ends beyond 2^gaw, then -EINVAL for a mapping with
 * neither read nor write, then -EINVAL for a read-only mapping on a nest
 * parent (errata 772415 / SPR17), then -EFAULT when a later chunk would
 * end beyond 2^gaw (the kernel maps and unrolls the earlier ones).
 * 0, -EINVAL (configuration) or -ENOMEM.
 */
int vtd_domain_init(struct vtd_domain *d, struct pt_mem mem,
		    const struct vtd_domain_cfg *cfg);
void vtd_domain_destroy(struct vtd_domain *d);

static inline struct vtd_domain *to_vtd_domain(struct iopt_domain *d)
{
	return (struct vtd_domain *)((char *)to_pt_domain(d) -
				     offsetof(struct vtd_domain, pt));
}

/*
 * intel_iommu_read_and_clear_dirty(): -EINVAL when tracking is off and
 * the caller has a bitmap (@record: iommufd passes none to clear stale
 * bits after turning tracking off); otherwise the walk, then 0.
 */
int vtd_domain_read_and_clear_dirty(struct vtd_domain *d, uint64_t iova,
				    uint64_t size, unsigned int flags,
				    bool record, pt_dirty_fn report,
				    void *arg);

#endif
