// SPDX-License-Identifier: MIT
/*
 * VT-d second- and first-stage entry formats; see vtd.h for the contract.
 */
#include "vtd/vtd.h"

/* ---- second stage */

static bool ss_present(uint64_t pte)
{
	return pte & (VTD_SS_R | VTD_SS_W);
}

static bool ss_is_leaf(uint64_t pte, unsigned int level)
{
	return level == 0 || (pte & VTD_SS_PS);
}

static bool ss_malformed(uint64_t pte, unsigned int level)
{
	/* superpages stop at 1G: PS in a level-4 or level-5 entry is reserved */
	return level >= 3 && (pte & VTD_SS_PS);
}

static unsigned int ss_leaf_lg2(uint64_t pte, unsigned int level)
{
	return pt_level_shift(level);
}

static uint64_t ss_oa(uint64_t pte, unsigned int level)
{
	uint64_t oa = pte & VTD_SS_ADDR;

	if (level && (pte & VTD_SS_PS))
		oa &= ~((1ull << pt_level_shift(level)) - 1);
	return oa;
}

static uint64_t ss_make_table(uint64_t table_pa, unsigned int level)
{
	return (table_pa & VTD_SS_ADDR) | VTD_SS_R | VTD_SS_W;
}

static uint64_t ss_make_leaf(uint64_t pa, unsigned int lg2,
			     unsigned int level, int prot)
{
	/*
	 * __domain_mapping() always adds DMA_FL_PTE_PRESENT, bit 0, which in
	 * the second-stage format is R: every leaf is readable.
	 */
	uint64_t pte = (pa & VTD_SS_ADDR) | VTD_SS_R;

	if (prot & PT_PROT_WRITE)
		pte |= VTD_SS_W;
	if (prot & PT_PROT_SNOOP)
		pte |= VTD_SS_SNP;
	if (level)
		pte |= VTD_SS_PS;
	return pte;
}

static unsigned int ss_perm(uint64_t pte, unsigned int level)
{
	/* second stage has no user/supervisor distinction */
	return PT_PERM_USER | ((pte & VTD_SS_R) ? PT_PERM_READ : 0) |
	       ((pte & VTD_SS_W) ? PT_PERM_WRITE : 0);
}

const struct pt_format vtd_ss_format = {
	.name = "vtd-ss",
	.min_levels = 3,
	.max_levels = 5,
	.unmap_style = PT_UNMAP_RANGE,
	.pgsizes = VTD_PGSIZES,
	.a_bit = VTD_SS_A,
	.shape_mask = VTD_SS_R | VTD_SS_W | VTD_SS_PS,
	.d_bit = VTD_SS_D,
	.present = ss_present,
	.is_leaf = ss_is_leaf,
	.malformed = ss_malformed,
	.leaf_lg2 = ss_leaf_lg2,
	.oa = ss_oa,
	.make_table = ss_make_table,
	.make_leaf = ss_make_leaf,
	.perm = ss_perm,
};

/* ---- first stage */

static uint64_t fs_make_leaf(uint64_t pa, unsigned int lg2,
			     unsigned int level, int prot)
{
	/* DMA_PTE_READ is bit 0, P here; US and A are preset, D with write */
	uint64_t pte = (pa & X86_PTE_ADDR) | X86_PTE_P | X86_PTE_US |
		       X86_PTE_A;

	if (prot & PT_PROT_WRITE)
		pte |= X86_PTE_RW | X86_PTE_D;
	if (prot & PT_PROT_SNOOP)
		pte |= VTD_SS_SNP; /* the driver copies DMA_PTE_SNP, bit 11 */
	if (level)
		pte |= X86_PTE_PS;
	return pte;
}

const struct pt_format vtd_fs_format = {
	.name = "vtd-fs",
	.min_levels = 4,
	.max_levels = 5,
	.canonical = true,
	.unmap_style = PT_UNMAP_RANGE,
	.pgsizes = X86_PGSIZES,
	.a_bit = X86_PTE_A,
	.d_bit = X86_PTE_D,
	.present = x86_pte_present,
	.is_leaf = x86_pte_is_leaf,
	.malformed = x86_pte_malformed,
	.leaf_lg2 = x86_pte_leaf_lg2,
	.oa = x86_pte_oa,
	.make_table = x86_pte_make_table,
	.make_leaf = fs_make_leaf,
	.perm = x86_pte_perm,
};
