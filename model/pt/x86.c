// SPDX-License-Identifier: MIT
/* x86 long-mode paging entry decoders; see x86.h */
#include "pt/x86.h"

bool x86_pte_present(uint64_t pte)
{
	return pte & X86_PTE_P;
}

bool x86_pte_is_leaf(uint64_t pte, unsigned int level)
{
	return level == 0 || (pte & X86_PTE_PS);
}

bool x86_pte_malformed(uint64_t pte, unsigned int level)
{
	/* PS in a PML4E/PML5E is reserved */
	return level >= 3 && (pte & X86_PTE_PS);
}

unsigned int x86_pte_leaf_lg2(uint64_t pte, unsigned int level)
{
	return pt_level_shift(level);
}

uint64_t x86_pte_oa(uint64_t pte, unsigned int level)
{
	uint64_t oa = pte & X86_PTE_ADDR;

	/* in a large leaf, the low address bits hold PAT and reserved bits */
	if (level && (pte & X86_PTE_PS))
		oa &= ~((1ull << pt_level_shift(level)) - 1);
	return oa;
}

uint64_t x86_pte_make_table(uint64_t table_pa, unsigned int level)
{
	return (table_pa & X86_PTE_ADDR) | X86_PTE_P | X86_PTE_RW |
	       X86_PTE_US | X86_PTE_A;
}

unsigned int x86_pte_perm(uint64_t pte, unsigned int level)
{
	return PT_PERM_READ | ((pte & X86_PTE_RW) ? PT_PERM_WRITE : 0) |
	       ((pte & X86_PTE_US) ? PT_PERM_USER : 0);
}
