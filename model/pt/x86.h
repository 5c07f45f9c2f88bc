/* SPDX-License-Identifier: MIT */
/*
 * x86 long-mode paging entries (Intel SDM vol. 3 ch. 4, AMD APM vol. 2
 * ch. 5), shared by the VT-d first stage and the AMD v2 (guest) table.
 *
 * Contract: decoders only; how a leaf is written differs per driver, so
 * make_leaf lives with each format. Large pages (PS) exist at level 1
 * (2 MiB) and level 2 (1 GiB); PS above that is malformed. At level 0,
 * bit 7 is PAT, not PS.
 */
#ifndef MODEL_PT_X86_H
#define MODEL_PT_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "pt/pt.h"

#define X86_PTE_P (1ull << 0)
#define X86_PTE_RW (1ull << 1)
#define X86_PTE_US (1ull << 2)
#define X86_PTE_PWT (1ull << 3)
#define X86_PTE_PCD (1ull << 4)
#define X86_PTE_A (1ull << 5)
#define X86_PTE_D (1ull << 6)
#define X86_PTE_PS (1ull << 7)
#define X86_PTE_XD (1ull << 63)
#define X86_PTE_ADDR 0x000ffffffffff000ull /* bits 51:12 */

#define X86_PGSIZES ((1ull << 12) | (1ull << 21) | (1ull << 30))

bool x86_pte_present(uint64_t pte);
bool x86_pte_is_leaf(uint64_t pte, unsigned int level);
bool x86_pte_malformed(uint64_t pte, unsigned int level);
unsigned int x86_pte_leaf_lg2(uint64_t pte, unsigned int level);
uint64_t x86_pte_oa(uint64_t pte, unsigned int level);
/* P | RW | US | A: what both drivers write for a non-leaf entry */
uint64_t x86_pte_make_table(uint64_t table_pa, unsigned int level);
unsigned int x86_pte_perm(uint64_t pte, unsigned int level);

#endif
