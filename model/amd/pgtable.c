// SPDX-License-Identifier: MIT
/* AMD v1 and v2 entry formats; see amd.h for the contract */
#include "amd/amd.h"

/* ---- v1 */

uint64_t amd_v1_size_encode(uint64_t pa, unsigned int lg2)
{
	uint64_t size = 1ull << lg2;

	return (pa | (size - 1)) & ~(size >> 1) & AMD_PTE_ADDR;
}

unsigned int amd_v1_size_decode(uint64_t pte)
{
	uint64_t ones = pte | 0xfffull;

	/* no clear bit anywhere: no size; callers see it as malformed */
	if (!~ones)
		return 64;
	return 1 + (unsigned int)__builtin_ctzll(~ones);
}

static bool v1_present(uint64_t pte)
{
	return pte & AMD_PTE_PR;
}

static bool v1_is_leaf(uint64_t pte, unsigned int level)
{
	unsigned int nl = amd_pte_next_level(pte);

	return nl == 0 || nl == AMD_PTE_NL_SIZE;
}

static unsigned int v1_leaf_lg2(uint64_t pte, unsigned int level)
{
	if (amd_pte_next_level(pte) == AMD_PTE_NL_SIZE)
		return amd_v1_size_decode(pte);
	return pt_level_shift(level);
}

static bool v1_malformed(uint64_t pte, unsigned int level)
{
	unsigned int nl = amd_pte_next_level(pte);
	unsigned int lg2;

	if (nl == 0)
		return false;
	if (nl != AMD_PTE_NL_SIZE)
		return nl != level;
	/* the encoded page must be larger than one entry and fit the table */
	lg2 = amd_v1_size_decode(pte);
	return lg2 <= pt_level_shift(level) ||
	       lg2 >= pt_level_shift(level) + PT_INDEX_BITS;
}

static uint64_t v1_oa(uint64_t pte, unsigned int level)
{
	uint64_t oa = pte & AMD_PTE_ADDR;

	if (v1_is_leaf(pte, level))
		oa &= ~((1ull << v1_leaf_lg2(pte, level)) - 1);
	return oa;
}

static uint64_t v1_make_table(uint64_t table_pa, unsigned int level)
{
	return (table_pa & AMD_PTE_ADDR) |
	       ((uint64_t)level << AMD_PTE_NL_SHIFT) | AMD_PTE_PR |
	       AMD_PTE_IR | AMD_PTE_IW;
}

static uint64_t v1_make_leaf(uint64_t pa, unsigned int lg2,
			     unsigned int level, int prot)
{
	uint64_t pte;

	if (lg2 == pt_level_shift(level))
		pte = pa & AMD_PTE_ADDR;
	else
		pte = amd_v1_size_encode(pa, lg2) |
		      ((uint64_t)AMD_PTE_NL_SIZE << AMD_PTE_NL_SHIFT);
	pte |= AMD_PTE_PR | AMD_PTE_FC;
	if (prot & PT_PROT_READ)
		pte |= AMD_PTE_IR;
	if (prot & PT_PROT_WRITE)
		pte |= AMD_PTE_IW;
	return pte;
}

static unsigned int v1_perm(uint64_t pte, unsigned int level)
{
	return PT_PERM_USER | ((pte & AMD_PTE_IR) ? PT_PERM_READ : 0) |
	       ((pte & AMD_PTE_IW) ? PT_PERM_WRITE : 0);
}

const struct pt_format amd_v1_format = {
	.name = "amd-v1",
	.min_levels = 1,
	.max_levels = 6,
	.grows = true,
	.unmap_style = PT_UNMAP_LEAVES,
	.pgsizes = 0x000ffffffffff000ull,
	.a_bit = AMD_PTE_A,
	.d_bit = AMD_PTE_HD,
	/* NextLevel 7 pages also encode their size in the address bits */
	.shape_mask = AMD_PTE_PR | AMD_PTE_NL_MASK,
	.present = v1_present,
	.is_leaf = v1_is_leaf,
	.malformed = v1_malformed,
	.leaf_lg2 = v1_leaf_lg2,
	.oa = v1_oa,
	.make_table = v1_make_table,
	.make_leaf = v1_make_leaf,
	.perm = v1_perm,
};

/* ---- v2 */

static uint64_t v2_make_leaf(uint64_t pa, unsigned int lg2,
			     unsigned int level, int prot)
{
	/* set_pte_attr(): A and D preset whatever the permission */
	uint64_t pte = (pa & X86_PTE_ADDR) | X86_PTE_P | X86_PTE_US |
		       X86_PTE_A | X86_PTE_D;

	if (prot & PT_PROT_WRITE)
		pte |= X86_PTE_RW;
	if (level)
		pte |= X86_PTE_PS;
	return pte;
}

const struct pt_format amd_v2_format = {
	.name = "amd-v2",
	.min_levels = 4,
	.max_levels = 5,
	.canonical = true,
	.unmap_style = PT_UNMAP_LEAVES,
	.pgsizes = AMD_V2_PGSIZES,
	.a_bit = X86_PTE_A,
	.d_bit = X86_PTE_D,
	.present = x86_pte_present,
	.is_leaf = x86_pte_is_leaf,
	.malformed = x86_pte_malformed,
	.leaf_lg2 = x86_pte_leaf_lg2,
	.oa = x86_pte_oa,
	.make_table = x86_pte_make_table,
	.make_leaf = v2_make_leaf,
	.perm = x86_pte_perm,
};
