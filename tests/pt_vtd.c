// SPDX-License-Identifier: MIT
/*
 * VT-d page tables and PASID entries, bit for bit. Expected values are
 * worked out by hand from the VT-d specification (second-stage entry:
 * R 0, W 1, PS 7, A 8, D 9, SNP 11, address 51:12; first stage: x86
 * P 0, R/W 1, U/S 2, A 5, D 6, PS 7; scalable-mode PASID entry fields)
 * and what the 6.12 driver writes into them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt/phys.h"
#include "pt/pt.h"
#include "vtd/vtd.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define RW (PT_PROT_READ | PT_PROT_WRITE)

static struct pt_phys phys;
static struct pt_table tbl;

static void setup(void)
{
	pt_phys_init(&phys, PT_PHYS_BASE);
}

static void teardown(void)
{
	pt_table_destroy(&tbl);
	/* a failed assertion here would not fail the test; a crash does */
	if (phys.npages) {
		fprintf(stderr, "%" PRIu64 " table pages leaked\n", phys.npages);
		abort();
	}
	pt_phys_destroy(&phys);
}

static uint64_t *table_at(uint64_t pa)
{
	uint64_t *t = pt_phys_ptr(&phys, pa);

	cr_assert_not_null(t, "no table at %#" PRIx64, pa);
	return t;
}

/* The entry for @iova at @level, walking the raw bytes from the root */
static uint64_t raw_entry(const struct pt_table *t, uint64_t iova,
			  unsigned int level)
{
	uint64_t table = t->root;
	unsigned int l;

	for (l = t->levels - 1;; l--) {
		uint64_t e = table_at(table)[(iova >> pt_level_shift(l)) & 511];

		if (l == level)
			return e;
		table = e & 0x000ffffffffff000ull;
	}
}

/* ------------------------------------------------ second stage */

TestSuite(vtd_ss, .init = setup, .fini = teardown);

Test(vtd_ss, leaf_and_table_encoding)
{
	const struct pt_format *f = &vtd_ss_format;

	/* R is set even when only write was asked for: bit 0 is "present" */
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, PT_PROT_READ),
		     0x123456001ull);
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, PT_PROT_WRITE),
		     0x123456003ull);
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, RW | PT_PROT_SNOOP),
		     0x123456803ull);
	/* 2M and 1G: PS, bit 7 */
	cr_assert_eq(f->make_leaf(0x40200000ull, 21, 1, RW), 0x40200083ull);
	cr_assert_eq(f->make_leaf(0x80000000ull, 30, 2, PT_PROT_READ),
		     0x80000081ull);
	cr_assert_eq(f->make_leaf(0x000fffffffe00000ull, 21, 1, RW),
		     0x000fffffffe00083ull);
	/* tables: address | R | W */
	cr_assert_eq(f->make_table(0x4000000002000ull, 3), 0x4000000002003ull);
	cr_assert_eq(f->a_bit, 1ull << 8);
	cr_assert_eq(f->d_bit, 1ull << 9);
}

Test(vtd_ss, decoding)
{
	const struct pt_format *f = &vtd_ss_format;

	cr_assert(f->present(0x2), "W alone is present");
	cr_assert(f->present(0x1));
	cr_assert(!f->present(0xfffffffffffff3f0ull & ~3ull));
	cr_assert(f->is_leaf(0x1001, 0));
	cr_assert(!f->is_leaf(0x1003, 1));
	cr_assert(f->is_leaf(0x200083, 1));
	cr_assert(!f->malformed(0x40000083, 2));
	cr_assert(f->malformed(0x40000083, 3), "no 512G superpage");
	/* a 2M leaf's output ignores address bits 20:12 */
	cr_assert_eq(f->oa(0x403ff383ull, 1), 0x40200000ull);
	cr_assert_eq(f->oa(0x403ff003ull, 0), 0x403ff000ull);
	cr_assert_eq(f->leaf_lg2(0x40000083, 2), 30);
	cr_assert_eq(f->perm(0x1, 0), PT_PERM_READ | PT_PERM_USER);
	cr_assert_eq(f->perm(0x2, 0), PT_PERM_WRITE | PT_PERM_USER);
}

Test(vtd_ss, levels_and_address_width)
{
	static const unsigned int agaws[] = { 1, 2, 3 };
	static const unsigned int widths[] = { 39, 48, 57 };

	for (unsigned int i = 0; i < 3; i++) {
		unsigned int lv = vtd_agaw_to_levels(agaws[i]);
		uint64_t last = (1ull << widths[i]) - 1;

		cr_assert_eq(vtd_agaw_to_width(agaws[i]), widths[i]);
		cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format,
					   pt_phys_mem(&phys), lv, VTD_PGSIZES),
			     0);
		cr_assert_eq(pt_table_last_iova(&tbl), last);
		cr_assert_eq(pt_map(&tbl, last + 1 - SZ_4K, SZ_4K, SZ_4K,
				    PT_PROT_READ, 0), 0);
		cr_assert_eq(pt_map(&tbl, last + 1, SZ_4K, SZ_4K,
				    PT_PROT_READ, 0), -EINVAL);
		cr_assert_eq(pt_iova_to_phys(&tbl, last), 2 * SZ_4K - 1);
		/* one table per level for the single page */
		cr_assert_eq(pt_table_count(&tbl), lv);
		pt_table_destroy(&tbl);
	}
	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys),
				   2, VTD_PGSIZES), -EINVAL);
	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys),
				   6, VTD_PGSIZES), -EINVAL);
}

Test(vtd_ss, table_bytes_per_level_and_size)
{
	uint64_t e;

	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys),
				   4, VTD_PGSIZES), 0);
	/* 1G + 2M + 4K, all aligned: one page of each size */
	cr_assert_eq(pt_map(&tbl, SZ_1G, 0x2c0000000ull, SZ_1G + SZ_2M + SZ_4K,
			    RW, 0), 0);
	e = raw_entry(&tbl, SZ_1G, 3);
	cr_assert_eq(e & 0xfff, 0x003, "PML4E: R|W");
	cr_assert_eq(raw_entry(&tbl, SZ_1G, 2), 0x2c0000083ull);
	cr_assert_eq(raw_entry(&tbl, 2 * SZ_1G, 1), 0x300000083ull);
	cr_assert_eq(raw_entry(&tbl, 2 * SZ_1G + SZ_2M, 0), 0x300200003ull);
	cr_assert_eq(raw_entry(&tbl, 2 * SZ_1G, 2) & 0xfff, 0x003);
	/* read-only: R only */
	cr_assert_eq(pt_map(&tbl, 0, 0x1234000ull, SZ_4K, PT_PROT_READ, 0),
		     0);
	cr_assert_eq(raw_entry(&tbl, 0, 0), 0x1234001ull);
	cr_assert_eq(pt_unmap(&tbl, SZ_1G, SZ_1G + SZ_2M + SZ_4K),
		     SZ_1G + SZ_2M + SZ_4K);
	cr_assert_eq(raw_entry(&tbl, SZ_1G, 2), 0);
}

Test(vtd_ss, unmap_counts_holes_and_whole_superpages)
{
	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys),
				   4, VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, SZ_2M, SZ_2M, SZ_2M, RW, 0), 0);
	/* intel_iommu_unmap(): at least the superpage at the IOVA */
	cr_assert_eq(pt_unmap(&tbl, SZ_2M, SZ_4K), SZ_2M);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_2M), 0);
	/* a hole is unmapped too: size of the level where the walk stopped */
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_4K), SZ_2M);
	cr_assert_eq(pt_unmap(&tbl, 4 * SZ_1G, SZ_4K), SZ_1G);
	cr_assert_eq(pt_unmap(&tbl, 1ull << 39, SZ_4K), 1ull << 39);
	/* beyond the address width: nothing */
	cr_assert_eq(pt_unmap(&tbl, 1ull << 48, SZ_4K), 0);
}

/* An SL-only PASID entry over @tbl */
static void ss_pasid(struct vtd_pasid_entry *pe, bool ssade)
{
	vtd_pasid_setup_second_level(pe, tbl.root, tbl.levels - 2, 1, true,
				     ssade);
}

static enum pt_fault pasid_xlate(const struct vtd_pasid_entry *pe,
				 uint64_t iova, enum pt_access a, uint64_t *pa)
{
	struct pt_xlate_result res;
	enum pt_fault f = vtd_pasid_translate(pe, pt_phys_mem(&phys),
					      pt_phys_mem(&phys), iova, a,
					      false, &res);

	if (pa)
		*pa = res.pa;
	return f;
}

Test(vtd_ss, access_dirty_only_with_ssade)
{
	struct vtd_pasid_entry pe;
	uint64_t pa;

	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys),
				   4, VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, SZ_2M, 0x7600000ull, SZ_2M, RW, 0), 0);
	cr_assert_eq(pt_map(&tbl, 0x5000, 0x9000, SZ_4K, PT_PROT_READ, 0), 0);

	ss_pasid(&pe, false);
	cr_assert_eq(pasid_xlate(&pe, SZ_2M + 0x10, PT_ACCESS_WRITE, &pa), 0);
	cr_assert_eq(pa, 0x7600010ull);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 1), 0x7600083ull, "no A/D");
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 3) & 0x300, 0);

	ss_pasid(&pe, true);
	cr_assert_eq(pasid_xlate(&pe, SZ_2M, PT_ACCESS_READ, NULL), 0);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 1), 0x7600183ull, "A, no D");
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 3) & 0x300, 0x100);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 2) & 0x300, 0x100);
	cr_assert_eq(pasid_xlate(&pe, SZ_2M + SZ_4K, PT_ACCESS_WRITE, NULL),
		     0);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 1), 0x7600383ull, "A and D");
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 2) & 0x300, 0x100,
		     "D only in the leaf");
	/* a refused write sets nothing */
	cr_assert_eq(pasid_xlate(&pe, 0x5000, PT_ACCESS_WRITE, NULL),
		     PT_FAULT_PERM);
	cr_assert_eq(raw_entry(&tbl, 0x5000, 0), 0x9001ull);
	cr_assert_eq(pasid_xlate(&pe, 0x5000, PT_ACCESS_READ, &pa), 0);
	cr_assert_eq(pa, 0x9000);
	cr_assert_eq(raw_entry(&tbl, 0x5000, 0), 0x9101ull);
	cr_assert_eq(pasid_xlate(&pe, 0x6000, PT_ACCESS_READ, NULL),
		     PT_FAULT_NOT_PRESENT);
	cr_assert_eq(pasid_xlate(&pe, 1ull << 48, PT_ACCESS_READ, NULL),
		     PT_FAULT_RANGE);
	vtd_pasid_set_present(&pe, false);
	cr_assert_eq(pasid_xlate(&pe, SZ_2M, PT_ACCESS_READ, NULL),
		     PT_FAULT_NOT_PRESENT);
}

struct dirty_log {
	unsigned int n;
	uint64_t iova[8], size[8];
};

static void log_dirty(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_log *l = arg;

	cr_assert_lt(l->n, 8);
	l->iova[l->n] = iova;
	l->size[l->n++] = size;
}

Test(vtd_ss, read_and_clear_dirty_superpages)
{
	struct vtd_pasid_entry pe;
	struct dirty_log l = { 0 };

	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys),
				   4, VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, SZ_1G, SZ_1G, SZ_1G + SZ_2M + SZ_4K, RW, 0),
		     0);
	ss_pasid(&pe, true);
	cr_assert_eq(pasid_xlate(&pe, SZ_1G + 0x1234, PT_ACCESS_WRITE, NULL),
		     0);
	cr_assert_eq(pasid_xlate(&pe, 2 * SZ_1G + SZ_2M, PT_ACCESS_WRITE,
				 NULL), 0);
	cr_assert_eq(pasid_xlate(&pe, 2 * SZ_1G, PT_ACCESS_READ, NULL), 0);
	pt_read_and_clear_dirty(&tbl, SZ_1G, SZ_1G + SZ_2M + SZ_4K,
				PT_DIRTY_NO_CLEAR, log_dirty, &l);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.iova[0], SZ_1G);
	cr_assert_eq(l.size[0], SZ_1G);
	cr_assert_eq(l.iova[1], 2 * SZ_1G + SZ_2M);
	cr_assert_eq(l.size[1], SZ_4K);
	cr_assert_eq(raw_entry(&tbl, SZ_1G, 2) & VTD_SS_D, VTD_SS_D);
	l.n = 0;
	pt_read_and_clear_dirty(&tbl, SZ_1G, SZ_1G + SZ_2M + SZ_4K, 0,
				log_dirty, &l);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(raw_entry(&tbl, SZ_1G, 2), 0x40000183ull,
		     "D cleared, A kept");
	l.n = 0;
	pt_read_and_clear_dirty(&tbl, 0, 4 * SZ_1G, 0, log_dirty, &l);
	cr_assert_eq(l.n, 0);
}

/* Merged reports: runs of adjacent dirty leaves, same bits as one by one */
Test(vtd_ss, read_and_clear_dirty_merges_runs)
{
	struct vtd_pasid_entry pe;
	struct dirty_log l = { 0 };
	unsigned int p;

	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys),
				   4, VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, 0, SZ_2M, 8 * SZ_4K, RW, SZ_4K), 0);
	ss_pasid(&pe, true);
	/* pages 0, 1, 2 and 5 and 7 written; the others only read */
	for (p = 0; p < 8; p++)
		cr_assert_eq(pasid_xlate(&pe, p * SZ_4K + 8,
					 (p < 3 || p == 5 || p == 7) ?
						 PT_ACCESS_WRITE :
						 PT_ACCESS_READ,
					 NULL), 0);
	pt_read_and_clear_dirty(&tbl, 0, 8 * SZ_4K,
				PT_DIRTY_MERGE | PT_DIRTY_NO_CLEAR, log_dirty,
				&l);
	cr_assert_eq(l.n, 3);
	cr_assert_eq(l.iova[0], 0);
	cr_assert_eq(l.size[0], 3 * SZ_4K);
	cr_assert_eq(l.iova[1], 5 * SZ_4K);
	cr_assert_eq(l.size[1], SZ_4K);
	cr_assert_eq(l.iova[2], 7 * SZ_4K);
	l.n = 0;
	pt_read_and_clear_dirty(&tbl, 0, 8 * SZ_4K, 0, log_dirty, &l);
	cr_assert_eq(l.n, 5, "without MERGE each leaf is its own report");
	l.n = 0;
	pt_read_and_clear_dirty(&tbl, 0, 8 * SZ_4K, PT_DIRTY_MERGE, log_dirty,
				&l);
	cr_assert_eq(l.n, 0, "cleared");
}

/* ------------------------------------------------ first stage */

TestSuite(vtd_fs, .init = setup, .fini = teardown);

Test(vtd_fs, leaf_and_table_encoding)
{
	const struct pt_format *f = &vtd_fs_format;

	/* P | US | A = 0x25; writable adds R/W and D: 0x67 */
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, PT_PROT_READ),
		     0x123456025ull);
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, RW), 0x123456067ull);
	cr_assert_eq(f->make_leaf(0x40200000ull, 21, 1, RW), 0x402000e7ull);
	cr_assert_eq(f->make_leaf(0x80000000ull, 30, 2, PT_PROT_READ),
		     0x800000a5ull);
	/* tables: P | R/W | U/S | A */
	cr_assert_eq(f->make_table(0x7000ull, 1), 0x7027ull);
	cr_assert_eq(f->a_bit, 1ull << 5);
	cr_assert_eq(f->d_bit, 1ull << 6);
	cr_assert(!f->present(0x2));
	cr_assert(f->is_leaf(0x80, 0), "bit 7 of a PTE is PAT");
	cr_assert(f->malformed(0x81, 3));
	/* PAT (bit 12) of a 2M leaf is not address */
	cr_assert_eq(f->oa(0x402010e7ull, 1), 0x40200000ull);
}

Test(vtd_fs, table_bytes_and_canonical_addresses)
{
	uint64_t pa;
	struct pt_xlate x = { .access = PT_ACCESS_READ };
	struct pt_xlate_result res;

	cr_assert_eq(pt_table_init(&tbl, &vtd_fs_format, pt_phys_mem(&phys),
				   4, VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, SZ_2M, 0x5400000ull, SZ_2M + SZ_4K, RW, 0),
		     0);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 3) & 0xfff, 0x027);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 1), 0x54000e7ull);
	cr_assert_eq(raw_entry(&tbl, 2 * SZ_2M, 0), 0x5600067ull);
	x.iova = SZ_2M + 5;
	cr_assert_eq(pt_translate(&tbl, &x, &res), 0);
	cr_assert_eq(res.pa, 0x5400005ull);
	cr_assert_eq(res.lg2, 21);
	/* 2^47 is beyond the lower canonical half */
	x.iova = 1ull << 47;
	cr_assert_eq(pt_translate(&tbl, &x, &res), PT_FAULT_RANGE);
	/* the sign-extended upper half indexes with the low 48 bits */
	cr_assert_eq(pt_map(&tbl, (1ull << 48) - SZ_4K, 0x9000, SZ_4K,
			    PT_PROT_READ, 0), 0);
	x.iova = ~0ull - SZ_4K + 1 + 0x10;
	cr_assert_eq(pt_translate(&tbl, &x, &res), 0);
	cr_assert_eq(res.pa, 0x9010);
	pa = pt_iova_to_phys(&tbl, (1ull << 48) - SZ_4K);
	cr_assert_eq(pa, 0x9000);
}

Test(vtd_fs, user_supervisor_and_write_protect)
{
	struct pt_xlate x = { .iova = 0x3000, .access = PT_ACCESS_WRITE };
	struct pt_xlate_result res;
	uint64_t *pte;

	cr_assert_eq(pt_table_init(&tbl, &vtd_fs_format, pt_phys_mem(&phys),
				   4, VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, 0x3000, 0x8000, SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_translate(&tbl, &x, &res), PT_FAULT_PERM);
	/* supervisor writes ignore R/W unless write protection is on */
	x.flags = PT_XLATE_SUPERVISOR;
	cr_assert_eq(pt_translate(&tbl, &x, &res), 0);
	x.flags = PT_XLATE_SUPERVISOR | PT_XLATE_WP;
	cr_assert_eq(pt_translate(&tbl, &x, &res), PT_FAULT_PERM);
	/* a supervisor-only page refuses user requests */
	pte = table_at(raw_entry(&tbl, 0x3000, 1) & X86_PTE_ADDR) + 3;
	*pte &= ~X86_PTE_US;
	x.access = PT_ACCESS_READ;
	x.flags = 0;
	cr_assert_eq(pt_translate(&tbl, &x, &res), PT_FAULT_PERM);
	x.flags = PT_XLATE_SUPERVISOR;
	cr_assert_eq(pt_translate(&tbl, &x, &res), 0);
	cr_assert_eq(res.pa, 0x8000);
}

Test(vtd_fs, five_levels)
{
	cr_assert_eq(pt_table_init(&tbl, &vtd_fs_format, pt_phys_mem(&phys),
				   5, VTD_PGSIZES), 0);
	cr_assert_eq(pt_table_last_iova(&tbl), (1ull << 57) - 1);
	cr_assert_eq(pt_map(&tbl, 1ull << 55, SZ_1G, SZ_1G, RW, 0), 0);
	cr_assert_eq(raw_entry(&tbl, 1ull << 55, 2), 0x400000e7ull);
	cr_assert_eq(pt_table_count(&tbl), 3);
	cr_assert_eq(pt_unmap(&tbl, 1ull << 55, SZ_1G), SZ_1G);
	{
		struct pt_table bad;

		cr_assert_eq(pt_table_init(&bad, &vtd_fs_format,
					   pt_phys_mem(&phys), 3, VTD_PGSIZES),
			     -EINVAL);
	}
}

/* ------------------------------------------------ PASID entry */

Test(vtd_pasid, field_bit_positions)
{
	struct vtd_pasid_entry pe;

	vtd_pasid_clear(&pe);
	vtd_pasid_set_present(&pe, true);
	cr_assert_eq(pe.val[0], 0x1);
	vtd_pasid_set_fpd(&pe, true);
	cr_assert_eq(pe.val[0], 0x3);
	vtd_pasid_set_aw(&pe, 3);
	cr_assert_eq(pe.val[0], 0xf, "AW is bits 4:2");
	vtd_pasid_set_pgtt(&pe, VTD_PGTT_NESTED);
	cr_assert_eq(pe.val[0], 0xcf, "PGTT is bits 8:6");
	vtd_pasid_set_ssade(&pe, true);
	cr_assert_eq(pe.val[0], 0x2cf, "SSADE is bit 9");
	vtd_pasid_set_slptr(&pe, 0x000fedcba9876000ull);
	cr_assert_eq(pe.val[0], 0x000fedcba98762cfull);
	cr_assert_eq(vtd_pasid_slptr(&pe), 0x000fedcba9876000ull);
	cr_assert_eq(vtd_pasid_pgtt(&pe), 3);
	cr_assert_eq(vtd_pasid_aw(&pe), 3);
	cr_assert(vtd_pasid_ssade(&pe));
	vtd_pasid_set_ssade(&pe, false);
	cr_assert_eq(pe.val[0], 0x000fedcba98760cfull);

	vtd_pasid_set_did(&pe, 0xabcd);
	cr_assert_eq(pe.val[1], 0xabcd, "DID is bits 79:64");
	vtd_pasid_set_pwsnp(&pe, true);
	cr_assert_eq(pe.val[1], 0x80abcdull, "PWSNP is bit 87");
	vtd_pasid_set_pgsnp(&pe, true);
	cr_assert_eq(pe.val[1], 0x180abcdull, "PGSNP is bit 88");
	cr_assert_eq(vtd_pasid_did(&pe), 0xabcd);

	vtd_pasid_set_sre(&pe, true);
	cr_assert_eq(pe.val[2], 0x1, "SRE is bit 128");
	vtd_pasid_set_flpm(&pe, 1);
	cr_assert_eq(pe.val[2], 0x5, "FLPM is bits 131:130");
	vtd_pasid_set_wpe(&pe, true);
	cr_assert_eq(pe.val[2], 0x15, "WPE is bit 132");
	vtd_pasid_set_eafe(&pe, true);
	cr_assert_eq(pe.val[2], 0x95, "EAFE is bit 135");
	vtd_pasid_set_flptr(&pe, 0x0000123456789000ull);
	cr_assert_eq(pe.val[2], 0x0000123456789095ull, "FLPTR is 191:140");
	cr_assert_eq(vtd_pasid_flptr(&pe), 0x0000123456789000ull);
	cr_assert_eq(vtd_pasid_flpm(&pe), 1);
	cr_assert(vtd_pasid_sre(&pe) && vtd_pasid_wpe(&pe) &&
		  vtd_pasid_eafe(&pe));
	for (unsigned int i = 3; i < 8; i++)
		cr_assert_eq(pe.val[i], 0);
}

Test(vtd_pasid, entries_the_driver_programs)
{
	struct vtd_pasid_entry pe;

	memset(&pe, 0xff, sizeof(pe));
	vtd_pasid_setup_second_level(&pe, 0x0004000000001000ull, 2, 5, true,
				     true);
	/* P | AW=2 | PGTT=2 | SSADE | SLPTR, FPD clear */
	cr_assert_eq(pe.val[0], 0x0004000000001289ull);
	cr_assert_eq(pe.val[1], 0x800005ull);
	for (unsigned int i = 2; i < 8; i++)
		cr_assert_eq(pe.val[i], 0);

	vtd_pasid_setup_first_level(&pe, 0x7000, true, 3, 1, true, false);
	cr_assert_eq(pe.val[0], 0x4d, "P | AW=3 | PGTT=1");
	cr_assert_eq(pe.val[1], 0x1000001ull);
	cr_assert_eq(pe.val[2], 0x7004ull);

	/* SRE|EAFE|WPE asked for */
	vtd_pasid_setup_nested(&pe, 0x123000, false, 7, 0x9000, 2, 9, false,
			       true, false);
	cr_assert_eq(pe.val[0], 0x90c9ull, "P | AW=2 | PGTT=3 | SLPTR");
	cr_assert_eq(pe.val[1], 0x800009ull);
	cr_assert_eq(pe.val[2], 0x123091ull, "FLPTR | EAFE | WPE | SRE");
	/* WPE without SRE is dropped, as the driver does */
	vtd_pasid_setup_nested(&pe, 0x123000, true, 4, 0x9000, 2, 9, true,
			       false, true);
	cr_assert_eq(pe.val[0], 0x92c9ull);
	cr_assert_eq(pe.val[1], 0x1000009ull);
	cr_assert_eq(pe.val[2], 0x123004ull);

	vtd_pasid_setup_pass_through(&pe, 2, 1, true);
	cr_assert_eq(pe.val[0], 0x109ull, "P | AW=2 | PGTT=4");
	cr_assert_eq(pe.val[1], 0x800001ull);
	cr_assert_eq(pe.val[2], 0);
}

/* ------------------------------------------------ nested translation */

/*
 * Guest memory: host pages from @gmem; the guest sees its page-table page
 * at host PA h as GPA h - GMEM_BASE + GPA_TABLES, and the stage-2 table
 * maps exactly that.
 */
#define GMEM_BASE (1ull << 40)
#define GPA_TABLES (4ull << 30)

static struct pt_phys gmem;

static uint64_t *guest_entry(void *priv, uint64_t gpa)
{
	if (gpa & 7)
		return NULL;
	return pt_phys_ptr(priv, gpa - GPA_TABLES + GMEM_BASE);
}

static int guest_alloc(void *priv, uint64_t *gpa)
{
	int rc = pt_phys_alloc(priv, gpa);

	if (!rc)
		*gpa = *gpa - GMEM_BASE + GPA_TABLES;
	return rc;
}

static void guest_free(void *priv, uint64_t gpa)
{
	pt_phys_free(priv, gpa - GPA_TABLES + GMEM_BASE);
}

static const struct pt_mem_ops guest_ops = {
	.entry = guest_entry,
	.alloc_table = guest_alloc,
	.free_table = guest_free,
};

Test(vtd_nested, stage1_tables_and_output_through_stage2, .init = setup,
     .fini = teardown)
{
	struct pt_mem guest = { &guest_ops, &gmem };
	struct pt_table s1;
	struct vtd_pasid_entry pe;
	struct pt_xlate_result res;
	uint64_t s1_leaf;

	pt_phys_init(&gmem, GMEM_BASE);
	/* the guest's stage 1: IOVA 0x5000 -> GPA 0x200000, 4 levels */
	cr_assert_eq(pt_table_init(&s1, &vtd_fs_format, guest, 4,
				   VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&s1, 0x5000, 0x200000, SZ_4K, RW, 0), 0);
	/* stage 2: the guest's table pages, and its data at GPA 2M (a 2M page) */
	cr_assert_eq(pt_table_init(&tbl, &vtd_ss_format, pt_phys_mem(&phys), 4,
				   VTD_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, GPA_TABLES, GMEM_BASE, 16 * SZ_4K, RW, 0),
		     0);
	cr_assert_eq(pt_map(&tbl, SZ_2M, 0x7000000000ull, SZ_2M, RW, 0), 0);

	vtd_pasid_setup_nested(&pe, s1.root, false, 0, tbl.root, 2, 3, false,
			       false, false);
	cr_assert_eq(vtd_pasid_translate(&pe, pt_phys_mem(&phys),
					 pt_phys_mem(&gmem), 0x5123,
					 PT_ACCESS_WRITE, false, &res), 0);
	cr_assert_eq(res.pa, 0x7000000123ull);
	cr_assert_eq(res.lg2, 12, "the smaller of 4K (s1) and 2M (s2)");
	/* stage 1 always sets A and D; stage 2 does not without SSADE */
	cr_assert_eq(pt_lookup(&s1, 0x5000, &s1_leaf, NULL, NULL), 0);
	cr_assert_eq(s1_leaf, 0x200067ull);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 1), 0x7000000083ull);
	cr_assert_eq(raw_entry(&tbl, GPA_TABLES, 0) & 0x300, 0);

	/* with SSADE stage 2 marks the table pages and the data page */
	vtd_pasid_set_ssade(&pe, true);
	cr_assert_eq(vtd_pasid_translate(&pe, pt_phys_mem(&phys),
					 pt_phys_mem(&gmem), 0x5000,
					 PT_ACCESS_WRITE, false, &res), 0);
	cr_assert_eq(raw_entry(&tbl, SZ_2M, 1), 0x7000000383ull);
	cr_assert_eq(raw_entry(&tbl, GPA_TABLES, 0) & 0x300, 0x300,
		     "stage-1 root page: A, and D for the A/D update");

	/* a stage-1 table stage 2 does not map faults */
	cr_assert_eq(pt_unmap(&tbl, GPA_TABLES, 16 * SZ_4K), 16 * SZ_4K);
	cr_assert_eq(vtd_pasid_translate(&pe, pt_phys_mem(&phys),
					 pt_phys_mem(&gmem), 0x5000,
					 PT_ACCESS_READ, false, &res),
		     PT_FAULT_NOT_PRESENT);
	/* supervisor requests need SRE */
	cr_assert_eq(vtd_pasid_translate(&pe, pt_phys_mem(&phys),
					 pt_phys_mem(&gmem), 0x5000,
					 PT_ACCESS_READ, true, &res),
		     PT_FAULT_PERM);
	/* first-level only: FLPTR is a host address */
	vtd_pasid_setup_first_level(&pe, s1.root - GPA_TABLES + GMEM_BASE,
				    false, 2, 1, false, false);
	/* its next-level pointers are GPAs, so an FL-only walk goes astray */
	cr_assert_eq(vtd_pasid_translate(&pe, pt_phys_mem(&phys),
					 pt_phys_mem(&gmem), 0x5000,
					 PT_ACCESS_READ, false, &res),
		     PT_FAULT_TABLE);
	pt_table_destroy(&s1);
	cr_assert_eq(gmem.npages, 0);
	pt_phys_destroy(&gmem);
}
