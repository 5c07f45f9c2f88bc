// SPDX-License-Identifier: MIT
/* The AMD device-table entry: fields, what the driver writes, and a DMA */
#include <string.h>

#include "amd/amd.h"

bool amd_dte_valid(const struct amd_dte *dte)
{
	return dte->data[0] & AMD_DTE_V;
}

bool amd_dte_tv(const struct amd_dte *dte)
{
	return dte->data[0] & AMD_DTE_TV;
}

unsigned int amd_dte_had(const struct amd_dte *dte)
{
	return (dte->data[0] & AMD_DTE_HAD_MASK) >> AMD_DTE_HAD_SHIFT;
}

unsigned int amd_dte_mode(const struct amd_dte *dte)
{
	return (dte->data[0] & AMD_DTE_MODE_MASK) >> AMD_DTE_MODE_SHIFT;
}

uint64_t amd_dte_root(const struct amd_dte *dte)
{
	return dte->data[0] & AMD_DTE_ROOT_MASK;
}

uint16_t amd_dte_domid(const struct amd_dte *dte)
{
	return (uint16_t)(dte->data[1] & AMD_DTE_DOMID_MASK);
}

bool amd_dte_ir(const struct amd_dte *dte)
{
	return dte->data[0] & AMD_DTE_IR;
}

bool amd_dte_iw(const struct amd_dte *dte)
{
	return dte->data[0] & AMD_DTE_IW;
}

void amd_dte_set_v1(struct amd_dte *dte, uint64_t root, unsigned int mode,
		    uint16_t domid, bool dirty_tracking)
{
	uint64_t root_word = 0;

	/* PAGE_MODE_NONE has no table to point at */
	if (mode)
		root_word = root & AMD_DTE_ROOT_MASK;
	root_word |= ((uint64_t)mode << AMD_DTE_MODE_SHIFT) & AMD_DTE_MODE_MASK;
	root_word |= AMD_DTE_IR | AMD_DTE_IW | AMD_DTE_V | AMD_DTE_TV;
	if (dirty_tracking)
		root_word |= AMD_DTE_HAD_AD << AMD_DTE_HAD_SHIFT;
	dte->data[1] = (dte->data[1] & ~AMD_DTE_DOMID_MASK) | domid;
	dte->data[0] = root_word;
}

void amd_dte_set_had(struct amd_dte *dte, bool dirty_tracking)
{
	dte->data[0] &= ~AMD_DTE_HAD_MASK;
	if (dirty_tracking)
		dte->data[0] |= AMD_DTE_HAD_AD << AMD_DTE_HAD_SHIFT;
}

void amd_dte_clear(struct amd_dte *dte)
{
	dte->data[0] = AMD_DTE_V | AMD_DTE_TV;
	/* DTE_FLAG_MASK: bits 41:32 survive */
	dte->data[1] &= 0x3ffull << 32;
}

enum pt_fault amd_dte_translate(const struct amd_dte *dte, struct pt_mem mem,
				uint64_t iova, enum pt_access access,
				struct pt_xlate_result *res)
{
	unsigned int mode = amd_dte_mode(dte), had = amd_dte_had(dte);
	struct pt_xlate x = { .iova = iova, .access = access };
	struct pt_table t;

	memset(res, 0, sizeof(*res));
	if (!amd_dte_valid(dte) || !amd_dte_tv(dte)) {
		res->pa = iova;
		res->lg2 = 64;
		return PT_FAULT_NONE;
	}
	if ((access == PT_ACCESS_READ && !amd_dte_ir(dte)) ||
	    (access == PT_ACCESS_WRITE && !amd_dte_iw(dte))) {
		res->fault = PT_FAULT_PERM;
		return res->fault;
	}
	if (mode == 0) {
		res->pa = iova;
		res->lg2 = 64;
		return PT_FAULT_NONE;
	}
	if (mode == 7) {
		res->fault = PT_FAULT_MALFORMED;
		return res->fault;
	}
	if (had == 1 || had == 3)
		x.flags |= PT_XLATE_SET_A;
	if (had == 3)
		x.flags |= PT_XLATE_SET_D;
	pt_table_view(&t, &amd_v1_format, mem, amd_dte_root(dte), mode);
	return pt_translate(&t, &x, res);
}
