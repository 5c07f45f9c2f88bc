// SPDX-License-Identifier: MIT
/*
 * The scalable-mode PASID-table entry: field accessors, the entries the
 * 6.12 driver programs, and the hardware's use of one for a DMA.
 */
#include <string.h>

#include "vtd/vtd.h"

static void set_bits(uint64_t *w, uint64_t mask, uint64_t bits)
{
	*w = (*w & ~mask) | (bits & mask);
}

bool vtd_pasid_present(const struct vtd_pasid_entry *pe)
{
	return pe->val[0] & VTD_PASID_P;
}

bool vtd_pasid_fpd(const struct vtd_pasid_entry *pe)
{
	return pe->val[0] & VTD_PASID_FPD;
}

unsigned int vtd_pasid_aw(const struct vtd_pasid_entry *pe)
{
	return (pe->val[0] & VTD_PASID_AW_MASK) >> VTD_PASID_AW_SHIFT;
}

unsigned int vtd_pasid_pgtt(const struct vtd_pasid_entry *pe)
{
	return (pe->val[0] & VTD_PASID_PGTT_MASK) >> VTD_PASID_PGTT_SHIFT;
}

bool vtd_pasid_ssade(const struct vtd_pasid_entry *pe)
{
	return pe->val[0] & VTD_PASID_SSADE;
}

uint64_t vtd_pasid_slptr(const struct vtd_pasid_entry *pe)
{
	return pe->val[0] & VTD_PASID_SLPTR_MASK;
}

uint16_t vtd_pasid_did(const struct vtd_pasid_entry *pe)
{
	return (uint16_t)(pe->val[1] & VTD_PASID_DID_MASK);
}

bool vtd_pasid_pwsnp(const struct vtd_pasid_entry *pe)
{
	return pe->val[1] & VTD_PASID_PWSNP;
}

bool vtd_pasid_pgsnp(const struct vtd_pasid_entry *pe)
{
	return pe->val[1] & VTD_PASID_PGSNP;
}

bool vtd_pasid_sre(const struct vtd_pasid_entry *pe)
{
	return pe->val[2] & VTD_PASID_SRE;
}

unsigned int vtd_pasid_flpm(const struct vtd_pasid_entry *pe)
{
	return (pe->val[2] & VTD_PASID_FLPM_MASK) >> VTD_PASID_FLPM_SHIFT;
}

bool vtd_pasid_wpe(const struct vtd_pasid_entry *pe)
{
	return pe->val[2] & VTD_PASID_WPE;
}

bool vtd_pasid_eafe(const struct vtd_pasid_entry *pe)
{
	return pe->val[2] & VTD_PASID_EAFE;
}

uint64_t vtd_pasid_flptr(const struct vtd_pasid_entry *pe)
{
	return pe->val[2] & VTD_PASID_FLPTR_MASK;
}

void vtd_pasid_clear(struct vtd_pasid_entry *pe)
{
	memset(pe, 0, sizeof(*pe));
}

void vtd_pasid_set_present(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[0], VTD_PASID_P, on ? VTD_PASID_P : 0);
}

void vtd_pasid_set_fpd(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[0], VTD_PASID_FPD, on ? VTD_PASID_FPD : 0);
}

void vtd_pasid_set_aw(struct vtd_pasid_entry *pe, unsigned int aw)
{
	set_bits(&pe->val[0], VTD_PASID_AW_MASK,
		 (uint64_t)aw << VTD_PASID_AW_SHIFT);
}

void vtd_pasid_set_pgtt(struct vtd_pasid_entry *pe, unsigned int pgtt)
{
	set_bits(&pe->val[0], VTD_PASID_PGTT_MASK,
		 (uint64_t)pgtt << VTD_PASID_PGTT_SHIFT);
}

void vtd_pasid_set_ssade(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[0], VTD_PASID_SSADE, on ? VTD_PASID_SSADE : 0);
}

void vtd_pasid_set_slptr(struct vtd_pasid_entry *pe, uint64_t pa)
{
	set_bits(&pe->val[0], VTD_PASID_SLPTR_MASK, pa);
}

void vtd_pasid_set_did(struct vtd_pasid_entry *pe, uint16_t did)
{
	set_bits(&pe->val[1], VTD_PASID_DID_MASK, did);
}

void vtd_pasid_set_pwsnp(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[1], VTD_PASID_PWSNP, on ? VTD_PASID_PWSNP : 0);
}

void vtd_pasid_set_pgsnp(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[1], VTD_PASID_PGSNP, on ? VTD_PASID_PGSNP : 0);
}

void vtd_pasid_set_sre(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[2], VTD_PASID_SRE, on ? VTD_PASID_SRE : 0);
}

void vtd_pasid_set_flpm(struct vtd_pasid_entry *pe, unsigned int flpm)
{
	set_bits(&pe->val[2], VTD_PASID_FLPM_MASK,
		 (uint64_t)flpm << VTD_PASID_FLPM_SHIFT);
}

void vtd_pasid_set_wpe(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[2], VTD_PASID_WPE, on ? VTD_PASID_WPE : 0);
}

void vtd_pasid_set_eafe(struct vtd_pasid_entry *pe, bool on)
{
	set_bits(&pe->val[2], VTD_PASID_EAFE, on ? VTD_PASID_EAFE : 0);
}

void vtd_pasid_set_flptr(struct vtd_pasid_entry *pe, uint64_t pa)
{
	set_bits(&pe->val[2], VTD_PASID_FLPTR_MASK, pa);
}

/* ---- what the driver programs */

void vtd_pasid_setup_second_level(struct vtd_pasid_entry *pe, uint64_t slptr,
				  unsigned int agaw, uint16_t did, bool pwsnp,
				  bool dirty_tracking)
{
	vtd_pasid_clear(pe);
	vtd_pasid_set_did(pe, did);
	vtd_pasid_set_slptr(pe, slptr);
	vtd_pasid_set_aw(pe, agaw);
	vtd_pasid_set_pgtt(pe, VTD_PGTT_SL_ONLY);
	vtd_pasid_set_fpd(pe, false);
	vtd_pasid_set_pwsnp(pe, pwsnp);
	if (dirty_tracking)
		vtd_pasid_set_ssade(pe, true);
	vtd_pasid_set_present(pe, true);
}

void vtd_pasid_setup_first_level(struct vtd_pasid_entry *pe, uint64_t flptr,
				 bool five_level, unsigned int agaw,
				 uint16_t did, bool pgsnp, bool pwsnp)
{
	vtd_pasid_clear(pe);
	vtd_pasid_set_flptr(pe, flptr);
	if (five_level)
		vtd_pasid_set_flpm(pe, 1);
	if (pgsnp)
		vtd_pasid_set_pgsnp(pe, true);
	vtd_pasid_set_did(pe, did);
	vtd_pasid_set_aw(pe, agaw);
	vtd_pasid_set_pwsnp(pe, pwsnp);
	vtd_pasid_set_pgtt(pe, VTD_PGTT_FL_ONLY);
	vtd_pasid_set_present(pe, true);
}

void vtd_pasid_setup_nested(struct vtd_pasid_entry *pe, uint64_t s1_pgtbl,
			    bool s1_five_level, uint32_t s1_flags,
			    uint64_t slptr, unsigned int s2_agaw, uint16_t did,
			    bool pgsnp, bool pwsnp, bool dirty_tracking)
{
	vtd_pasid_clear(pe);
	if (s1_five_level)
		vtd_pasid_set_flpm(pe, 1);
	vtd_pasid_set_flptr(pe, s1_pgtbl);
	if (s1_flags & 1) {
		vtd_pasid_set_sre(pe, true);
		/* WPE only means something for supervisor requests */
		if (s1_flags & 4)
			vtd_pasid_set_wpe(pe, true);
	}
	if (s1_flags & 2)
		vtd_pasid_set_eafe(pe, true);
	if (pgsnp)
		vtd_pasid_set_pgsnp(pe, true);
	vtd_pasid_set_slptr(pe, slptr);
	vtd_pasid_set_fpd(pe, false);
	vtd_pasid_set_did(pe, did);
	vtd_pasid_set_aw(pe, s2_agaw);
	vtd_pasid_set_pwsnp(pe, pwsnp);
	if (dirty_tracking)
		vtd_pasid_set_ssade(pe, true);
	vtd_pasid_set_pgtt(pe, VTD_PGTT_NESTED);
	vtd_pasid_set_present(pe, true);
}

void vtd_pasid_setup_pass_through(struct vtd_pasid_entry *pe,
				  unsigned int agaw, uint16_t did, bool pwsnp)
{
	vtd_pasid_clear(pe);
	vtd_pasid_set_did(pe, did);
	vtd_pasid_set_aw(pe, agaw);
	vtd_pasid_set_pgtt(pe, VTD_PGTT_PT);
	vtd_pasid_set_fpd(pe, false);
	vtd_pasid_set_pwsnp(pe, pwsnp);
	vtd_pasid_set_present(pe, true);
}

/* ---- the hardware */

struct s2_ctx {
	struct pt_table ss;
	unsigned int flags;
};

static unsigned int ss_flags(const struct vtd_pasid_entry *pe)
{
	return vtd_pasid_ssade(pe) ? PT_XLATE_SET_A | PT_XLATE_SET_D : 0;
}

/* A stage-1 table's guest address through stage 2 */
static int s1_table_through_s2(void *arg, uint64_t gpa, bool write,
			       uint64_t *hpa)
{
	struct s2_ctx *c = arg;
	struct pt_xlate x = {
		.iova = gpa,
		.access = write ? PT_ACCESS_WRITE : PT_ACCESS_READ,
		.flags = c->flags,
	};
	struct pt_xlate_result r;
	enum pt_fault f = pt_translate(&c->ss, &x, &r);

	*hpa = r.pa;
	return f;
}

enum pt_fault vtd_pasid_translate(const struct vtd_pasid_entry *pe,
				  struct pt_mem ss_mem, struct pt_mem fs_mem,
				  uint64_t iova, enum pt_access access,
				  bool supervisor,
				  struct pt_xlate_result *res)
{
	unsigned int pgtt = vtd_pasid_pgtt(pe);
	struct pt_xlate x = { .iova = iova, .access = access };
	struct s2_ctx s2;
	struct pt_table fs;
	enum pt_fault f;

	memset(res, 0, sizeof(*res));
	if (!vtd_pasid_present(pe)) {
		res->fault = PT_FAULT_NOT_PRESENT;
		return res->fault;
	}
	if (pgtt == VTD_PGTT_PT) {
		res->pa = iova;
		res->lg2 = 64;
		return PT_FAULT_NONE;
	}
	if (pgtt < VTD_PGTT_FL_ONLY || pgtt > VTD_PGTT_PT) {
		res->fault = PT_FAULT_MALFORMED;
		return res->fault;
	}

	pt_table_view(&s2.ss, &vtd_ss_format, ss_mem, vtd_pasid_slptr(pe),
		      vtd_agaw_to_levels(vtd_pasid_aw(pe)));
	s2.flags = ss_flags(pe);
	if (pgtt == VTD_PGTT_SL_ONLY) {
		x.flags = s2.flags;
		return pt_translate(&s2.ss, &x, res);
	}

	if (supervisor && !vtd_pasid_sre(pe)) {
		res->fault = PT_FAULT_PERM;
		return res->fault;
	}
	pt_table_view(&fs, &vtd_fs_format, fs_mem, vtd_pasid_flptr(pe),
		      vtd_pasid_flpm(pe) == 1 ? 5 : 4);
	x.flags = PT_XLATE_SET_A | PT_XLATE_SET_D |
		  (supervisor ? PT_XLATE_SUPERVISOR : 0) |
		  (vtd_pasid_wpe(pe) ? PT_XLATE_WP : 0);
	if (pgtt == VTD_PGTT_NESTED) {
		x.table_xlate = s1_table_through_s2;
		x.table_xlate_arg = &s2;
	}
	f = pt_translate(&fs, &x, res);
	if (f || pgtt == VTD_PGTT_FL_ONLY)
		return f;

	/* the stage-1 output is a guest address: through stage 2 as well */
	{
		unsigned int s1_lg2 = res->lg2;
		struct pt_xlate x2 = {
			.iova = res->pa, .access = access, .flags = s2.flags,
		};

		f = pt_translate(&s2.ss, &x2, res);
		if (!f && s1_lg2 < res->lg2)
			res->lg2 = s1_lg2;
	}
	return f;
}
