// SPDX-License-Identifier: MIT
/*
 * AMD IOMMU page tables and the device-table entry, bit for bit. Expected
 * values are worked out by hand from the AMD IOMMU specification (v1 PTE:
 * PR 0, A 5, HD 6, NextLevel 11:9, address 51:12, FC 60, IR 61, IW 62;
 * NextLevel 7 page sizes by the count of ones above bit 12; DTE: V 0, TV 1,
 * HAD 8:7, Mode 11:9, root 51:12, IR 61, IW 62) and what the 6.12 driver
 * writes into them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amd/amd.h"
#include "pt/phys.h"
#include "pt/pt.h"

#define SZ_4K (1ull << 12)
#define SZ_8K (1ull << 13)
#define SZ_16K (1ull << 14)
#define SZ_1M (1ull << 20)
#define SZ_2M (1ull << 21)
#define SZ_4M (1ull << 22)
#define SZ_32M (1ull << 25)
#define SZ_1G (1ull << 30)
#define SZ_512G (1ull << 39)
#define RW (PT_PROT_READ | PT_PROT_WRITE)

/* FC | IR | IW, the top bits of a readable and writable leaf */
#define LEAF_RW 0x7000000000000000ull
#define LEAF_RO 0x3000000000000000ull
#define LEAF_WO 0x5000000000000000ull

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

static void v1_init(uint64_t bitmap)
{
	cr_assert_eq(pt_table_init(&tbl, &amd_v1_format, pt_phys_mem(&phys),
				   AMD_V1_START_LEVELS, bitmap), 0);
}

static uint64_t *table_at(uint64_t pa)
{
	uint64_t *t = pt_phys_ptr(&phys, pa);

	cr_assert_not_null(t, "no table at %#" PRIx64, pa);
	return t;
}

/* The table of entries at @level that @iova's walk uses */
static uint64_t *raw_table(uint64_t iova, unsigned int level)
{
	uint64_t table = tbl.root;

	for (unsigned int l = tbl.levels - 1; l > level; l--)
		table = table_at(table)[(iova >> pt_level_shift(l)) & 511] &
			AMD_PTE_ADDR;
	return table_at(table);
}

static uint64_t raw_entry(uint64_t iova, unsigned int level)
{
	return raw_table(iova, level)[(iova >> pt_level_shift(level)) & 511];
}

/* ------------------------------------------------ v1 encodings */

TestSuite(amd_v1, .init = setup, .fini = teardown);

Test(amd_v1, default_size_leaves_and_pdes)
{
	const struct pt_format *f = &amd_v1_format;

	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, RW),
		     LEAF_RW | 0x123456001ull);
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, PT_PROT_READ),
		     LEAF_RO | 0x123456001ull);
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, PT_PROT_WRITE),
		     LEAF_WO | 0x123456001ull);
	/* 2M, 1G, 512G: NextLevel 0 at levels 1, 2, 3 */
	cr_assert_eq(f->make_leaf(0x40200000ull, 21, 1, RW),
		     LEAF_RW | 0x40200001ull);
	cr_assert_eq(f->make_leaf(0x40000000ull, 30, 2, RW),
		     LEAF_RW | 0x40000001ull);
	cr_assert_eq(f->make_leaf(SZ_512G, 39, 3, RW), LEAF_RW | SZ_512G | 1);
	/* PDE: address | NextLevel = its own level | PR | IR | IW */
	cr_assert_eq(f->make_table(0x1000ull, 1), 0x6000000000001201ull);
	cr_assert_eq(f->make_table(0x1000ull, 2), 0x6000000000001401ull);
	cr_assert_eq(f->make_table(0xfffffffff000ull, 5),
		     0x6000fffffffffa01ull);
	cr_assert_eq(f->a_bit, 1ull << 5);
	cr_assert_eq(f->d_bit, 1ull << 6);
}

Test(amd_v1, replicated_leaf_size_encoding)
{
	const struct pt_format *f = &amd_v1_format;

	/* 8K: bit 12 clear */
	cr_assert_eq(f->make_leaf(0x40000000ull, 13, 0, RW),
		     LEAF_RW | 0x40000e01ull);
	/* 16K: bit 12 set, bit 13 clear */
	cr_assert_eq(f->make_leaf(0x40000000ull, 14, 0, RW),
		     LEAF_RW | 0x40001e01ull);
	/* 1M in 4K entries: bits 18:12 set, bit 19 clear */
	cr_assert_eq(f->make_leaf(0x40000000ull, 20, 0, RW),
		     LEAF_RW | 0x4007fe01ull);
	/* 4M in 2M entries: bits 20:12 set, bit 21 clear */
	cr_assert_eq(f->make_leaf(0x40000000ull, 22, 1, RW),
		     LEAF_RW | 0x401ffe01ull);
	/* 32M: bits 23:12 set, bit 24 clear */
	cr_assert_eq(f->make_leaf(0x40000000ull, 25, 1, PT_PROT_READ),
		     LEAF_RO | 0x40fffe01ull);
	/* 2G in 1G entries: bits 29:12 set, bit 30 clear */
	cr_assert_eq(f->make_leaf(0x80000000ull, 31, 2, RW),
		     LEAF_RW | 0xbffffe01ull);
	/* 2^51, the largest size the driver offers: 8 entries at level 4 */
	cr_assert_eq(f->make_leaf(1ull << 51, 51, 4, RW),
		     LEAF_RW | 0x000bfffffffffe01ull);

	cr_assert_eq(amd_v1_size_decode(0x40000e01ull), 13);
	cr_assert_eq(amd_v1_size_decode(0x40001e01ull), 14);
	cr_assert_eq(amd_v1_size_decode(0x401ffe01ull), 22);
	cr_assert_eq(amd_v1_size_decode(LEAF_RO | 0x40fffe01ull), 25);
	cr_assert_eq(amd_v1_size_decode(0x000bfffffffffe01ull), 51);
	cr_assert_eq(amd_v1_size_encode(0x40000000ull, 22), 0x401ff000ull);

	cr_assert_eq(f->leaf_lg2(LEAF_RW | 0x401ffe01ull, 1), 22);
	cr_assert_eq(f->oa(LEAF_RW | 0x401ffe01ull, 1), 0x40000000ull);
	cr_assert_eq(f->oa(LEAF_RW | 0x40001e01ull, 0), 0x40000000ull);
	cr_assert(!f->malformed(LEAF_RW | 0x401ffe01ull, 1));
	/* an encoded size that does not belong to the level */
	cr_assert(f->malformed(LEAF_RW | 0x40000e01ull, 1), "8K at level 1");
	cr_assert(f->malformed(LEAF_RW | 0x401ffe01ull, 0), "4M at level 0");
	/* level skipping and PDEs at level 0 */
	cr_assert(f->malformed(0x6000000000001201ull, 2));
	cr_assert(f->malformed(0x6000000000001201ull, 0));
	cr_assert(!f->malformed(0x6000000000001401ull, 2));
}

Test(amd_v1, table_bytes_with_replicas)
{
	uint64_t *t;
	unsigned int i;

	v1_init(AMD_V1_PGSIZES);
	/* 4M + 32K + 8K at 4M-aligned iova and pa */
	cr_assert_eq(pt_map(&tbl, SZ_4M, 0x40400000ull,
			    SZ_4M + 8 * SZ_4K + SZ_8K, RW, 0), 0);
	t = raw_table(SZ_4M, 1);
	/* 4M at level 1: entries 2 and 3, identical */
	cr_assert_eq(t[2], LEAF_RW | 0x405ffe01ull);
	cr_assert_eq(t[3], t[2]);
	/* 32K at level 0: 8 replicas, then the 8K: 2 replicas */
	t = raw_table(2 * SZ_4M, 0);
	for (i = 0; i < 8; i++)
		cr_assert_eq(t[i], LEAF_RW | 0x40803e01ull, "replica %u", i);
	cr_assert_eq(t[8], LEAF_RW | 0x40808e01ull);
	cr_assert_eq(t[9], t[8]);
	cr_assert_eq(t[10], 0);
	/* the PDE of level 1 under the root: NextLevel 1 */
	cr_assert_eq(raw_entry(2 * SZ_4M, 1) & 0xfff, 0x201);
	cr_assert_eq(raw_entry(2 * SZ_4M, 2) & 0xfff, 0x401);

	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_4M + SZ_2M + 0x123),
		     0x40600123ull);
	cr_assert_eq(pt_iova_to_phys(&tbl, 2 * SZ_4M + 5 * SZ_4K + 7),
		     0x40805007ull);
	/* unmapping inside a replicated page takes all of it */
	cr_assert_eq(pt_unmap(&tbl, 2 * SZ_4M + 3 * SZ_4K, SZ_4K), 8 * SZ_4K);
	for (i = 0; i < 8; i++)
		cr_assert_eq(t[i], 0);
	cr_assert_eq(pt_unmap(&tbl, SZ_4M, SZ_4M), SZ_4M);
	cr_assert_eq(pt_unmap(&tbl, 2 * SZ_4M + 8 * SZ_4K, SZ_8K), SZ_8K);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_4M), 0);
	/* v1 never frees tables on unmap */
	cr_assert_eq(pt_table_count(&tbl), 3);
}

Test(amd_v1, unmap_hole_semantics)
{
	v1_init(AMD_V1_PGSIZES);
	cr_assert_eq(pt_map(&tbl, 0, 0, SZ_4K, RW, 0), 0);
	/* empty 4K slots of an existing table count, a missing table stops */
	cr_assert_eq(pt_unmap(&tbl, 0, 4 * SZ_4K), 4 * SZ_4K);
	cr_assert_eq(pt_unmap(&tbl, SZ_2M, SZ_4K), 0);
	/* beyond the current mode: nothing, and no growth */
	cr_assert_eq(pt_unmap(&tbl, SZ_512G, SZ_4K), 0);
	cr_assert_eq(tbl.levels, 3);
}

static void count_grow(struct pt_table *t, void *arg)
{
	(*(unsigned int *)arg)++;
}

Test(amd_v1, mode_grows_for_iovas_and_page_sizes)
{
	unsigned int grown = 0;
	uint64_t old_root;

	v1_init(AMD_V1_PGSIZES);
	tbl.on_grow = count_grow;
	tbl.on_grow_arg = &grown;
	cr_assert_eq(pt_table_last_iova(&tbl), SZ_512G - 1, "mode 3: 39 bits");
	cr_assert_eq(pt_map(&tbl, SZ_512G - SZ_4K, 0, SZ_4K, RW, 0), 0);
	cr_assert_eq(tbl.levels, 3);

	/* increase_address_space(): the old root becomes entry 0, NL = 3 */
	old_root = tbl.root;
	cr_assert_eq(pt_map(&tbl, SZ_512G, SZ_4K, SZ_4K, RW, 0), 0);
	cr_assert_eq(tbl.levels, 4);
	cr_assert_eq(grown, 1);
	cr_assert_eq(table_at(tbl.root)[0], old_root | 0x6000000000000601ull);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_512G - SZ_4K + 9), 9);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_512G + 9), SZ_4K + 9);

	/* IOVAs past 48 and 57 bits: modes 5 and 6 */
	old_root = tbl.root;
	cr_assert_eq(pt_map(&tbl, 1ull << 48, 0, SZ_4K, RW, 0), 0);
	cr_assert_eq(tbl.levels, 5);
	cr_assert_eq(table_at(tbl.root)[0], old_root | 0x6000000000000801ull);
	cr_assert_eq(pt_map(&tbl, 1ull << 63, 0, SZ_4K, RW, 0), 0);
	cr_assert_eq(tbl.levels, 6);
	cr_assert_eq(grown, 3);
	cr_assert_eq(pt_table_last_iova(&tbl), ~0ull);
	/* the top table of mode 6 indexes bits 63:57 */
	cr_assert_neq(table_at(tbl.root)[64], 0);
	cr_assert_eq(pt_unmap(&tbl, 1ull << 63, SZ_4K), SZ_4K);
	cr_assert_eq(pt_unmap(&tbl, 1ull << 48, SZ_4K), SZ_4K);
	cr_assert_eq(pt_unmap(&tbl, SZ_512G - SZ_4K, 2 * SZ_4K), 2 * SZ_4K);
}

Test(amd_v1, mode_grows_for_a_large_page)
{
	v1_init(AMD_V1_PGSIZES);
	/* 1T (2 replicas at level 3) needs a level-3 table: mode 4 */
	cr_assert_eq(pt_map(&tbl, 0, 0, 2 * SZ_512G, PT_PROT_READ, 0), 0);
	cr_assert_eq(tbl.levels, 4);
	cr_assert_eq(table_at(tbl.root)[0],
		     LEAF_RO | 0x0000007ffffffe01ull);
	cr_assert_eq(table_at(tbl.root)[1], table_at(tbl.root)[0]);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_512G + 5), SZ_512G + 5);
	cr_assert_eq(pt_unmap(&tbl, 0, 2 * SZ_512G), 2 * SZ_512G);
	/* the old mode-3 root was freed with the replaced entry */
	cr_assert_eq(phys.npages, 1);
}

/* ------------------------------------------------ hardware, via the DTE */

static enum pt_fault dte_xlate(const struct amd_dte *dte, uint64_t iova,
			       enum pt_access a, uint64_t *pa)
{
	struct pt_xlate_result res;
	enum pt_fault f = amd_dte_translate(dte, pt_phys_mem(&phys), iova, a,
					    &res);

	if (pa)
		*pa = res.pa;
	return f;
}

Test(amd_v1, access_and_dirty_follow_had)
{
	struct amd_dte dte = { { 0 } };
	uint64_t *t, pa;

	v1_init(AMD_V1_PGSIZES);
	cr_assert_eq(pt_map(&tbl, 0, 0x40000000ull, SZ_4M, RW, 0), 0);
	t = raw_table(0, 1);

	amd_dte_set_v1(&dte, tbl.root, tbl.levels, 1, false);
	cr_assert_eq(dte_xlate(&dte, SZ_2M + 0x77, PT_ACCESS_WRITE, &pa), 0);
	cr_assert_eq(pa, 0x40200077ull);
	cr_assert_eq(t[1], LEAF_RW | 0x401ffe01ull, "HAD 00: no A/D");

	/* HAD 01: Accessed only */
	dte.data[0] |= 1ull << AMD_DTE_HAD_SHIFT;
	cr_assert_eq(dte_xlate(&dte, SZ_2M, PT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(t[1], LEAF_RW | 0x401ffe21ull);
	cr_assert_eq(raw_entry(0, 2) & AMD_PTE_A, AMD_PTE_A, "PDEs too");

	/* HAD 11: a write dirties the replica it walked, not its twin */
	amd_dte_set_had(&dte, true);
	cr_assert_eq(amd_dte_had(&dte), 3);
	cr_assert_eq(dte_xlate(&dte, SZ_2M + 8, PT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(t[1], LEAF_RW | 0x401ffe61ull);
	cr_assert_eq(t[0], LEAF_RW | 0x401ffe01ull);
	cr_assert_eq(dte_xlate(&dte, 0, PT_ACCESS_READ, NULL), 0);
	cr_assert_eq(t[0], LEAF_RW | 0x401ffe21ull, "a read: A, no D");

	/* HAD 10 is reserved: no updates */
	t[0] = t[1] = LEAF_RW | 0x401ffe01ull;
	dte.data[0] = (dte.data[0] & ~AMD_DTE_HAD_MASK) |
		      (2ull << AMD_DTE_HAD_SHIFT);
	cr_assert_eq(dte_xlate(&dte, 0, PT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(t[0], LEAF_RW | 0x401ffe01ull);
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_4M), SZ_4M);
}

Test(amd_v1, dte_gates_and_passes_through)
{
	struct amd_dte dte = { { 0 } };
	uint64_t pa;

	v1_init(AMD_V1_PGSIZES);
	cr_assert_eq(pt_map(&tbl, 0x5000, 0x9000, SZ_4K, PT_PROT_READ, 0), 0);
	/* V = 0: untranslated */
	cr_assert_eq(dte_xlate(&dte, 0x5123, PT_ACCESS_WRITE, &pa), 0);
	cr_assert_eq(pa, 0x5123);
	amd_dte_set_v1(&dte, tbl.root, tbl.levels, 7, false);
	cr_assert_eq(dte_xlate(&dte, 0x5123, PT_ACCESS_READ, &pa), 0);
	cr_assert_eq(pa, 0x9123);
	cr_assert_eq(dte_xlate(&dte, 0x5123, PT_ACCESS_WRITE, NULL),
		     PT_FAULT_PERM, "the leaf has no IW");
	cr_assert_eq(dte_xlate(&dte, 0x6000, PT_ACCESS_READ, NULL),
		     PT_FAULT_NOT_PRESENT);
	cr_assert_eq(dte_xlate(&dte, SZ_512G, PT_ACCESS_READ, NULL),
		     PT_FAULT_RANGE, "beyond mode 3");
	/* a cleared DTE blocks: V | TV, Mode 0, no IR/IW */
	amd_dte_clear(&dte);
	cr_assert_eq(dte_xlate(&dte, 0x5123, PT_ACCESS_READ, NULL),
		     PT_FAULT_PERM);
	/* Mode 0 with permissions: untranslated */
	amd_dte_set_v1(&dte, 0, 0, 7, false);
	cr_assert_eq(dte.data[0], 0x6000000000000003ull);
	cr_assert_eq(dte_xlate(&dte, 0x5123, PT_ACCESS_WRITE, &pa), 0);
	cr_assert_eq(pa, 0x5123);
	dte.data[0] |= AMD_DTE_MODE_MASK;
	cr_assert_eq(dte_xlate(&dte, 0x5123, PT_ACCESS_READ, NULL),
		     PT_FAULT_MALFORMED);
	cr_assert_eq(pt_unmap(&tbl, 0x5000, SZ_4K), SZ_4K);
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

Test(amd_v1, read_and_clear_dirty_or_of_replicas)
{
	struct amd_dte dte = { { 0 } };
	struct dirty_log l = { 0 };
	uint64_t *t;

	v1_init(AMD_V1_PGSIZES);
	cr_assert_eq(pt_map(&tbl, 0, 0x40000000ull, SZ_32M + SZ_16K, RW, 0),
		     0);
	amd_dte_set_v1(&dte, tbl.root, tbl.levels, 1, true);
	cr_assert_eq(dte.data[0] & AMD_DTE_HAD_MASK, 3ull << 7);
	/* a write through replica 9 of the 32M page and into the 16K page */
	cr_assert_eq(dte_xlate(&dte, 9 * SZ_2M + 5, PT_ACCESS_WRITE, NULL), 0);
	cr_assert_eq(dte_xlate(&dte, SZ_32M + SZ_8K, PT_ACCESS_WRITE, NULL),
		     0);
	t = raw_table(0, 1);
	cr_assert_eq(t[9] & AMD_PTE_HD, AMD_PTE_HD);
	cr_assert_eq(t[8] & AMD_PTE_HD, 0);

	pt_read_and_clear_dirty(&tbl, 0, SZ_32M + SZ_16K, PT_DIRTY_NO_CLEAR,
				log_dirty, &l);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.iova[0], 0);
	cr_assert_eq(l.size[0], SZ_32M, "the whole 32M page");
	cr_assert_eq(l.iova[1], SZ_32M);
	cr_assert_eq(l.size[1], SZ_16K);
	cr_assert_eq(t[9] & AMD_PTE_HD, AMD_PTE_HD, "no_clear keeps it");

	l.n = 0;
	pt_read_and_clear_dirty(&tbl, 0, SZ_32M + SZ_16K, 0, log_dirty, &l);
	cr_assert_eq(l.n, 2);
	for (unsigned int i = 0; i < 16; i++)
		cr_assert_eq(t[i], LEAF_RW | (i == 9 ? 0x40fffe21ull :
						       0x40fffe01ull),
			     "replica %u: D cleared, A kept", i);
	l.n = 0;
	pt_read_and_clear_dirty(&tbl, 0, SZ_32M + SZ_16K, 0, log_dirty, &l);
	cr_assert_eq(l.n, 0);
	/* beyond the mode the walk steps 4K at a time */
	pt_read_and_clear_dirty(&tbl, SZ_512G, 4 * SZ_4K, 0, log_dirty, &l);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_32M + SZ_16K), SZ_32M + SZ_16K);
}

/* ------------------------------------------------ DTE fields */

Test(amd_dte, bit_positions)
{
	struct amd_dte dte = { { 0, 0xffffffff0000beefull, 0x55, 0x66 } };

	amd_dte_set_v1(&dte, 0x0004000000005000ull, 3, 0x1234, true);
	/* root | Mode 3 (0x600) | HAD 11 (0x180) | TV | V | IR | IW */
	cr_assert_eq(dte.data[0], 0x6004000000005783ull);
	cr_assert_eq(dte.data[1], 0xffffffff00001234ull);
	cr_assert_eq(dte.data[2], 0x55);
	cr_assert_eq(dte.data[3], 0x66);
	cr_assert(amd_dte_valid(&dte) && amd_dte_tv(&dte));
	cr_assert(amd_dte_ir(&dte) && amd_dte_iw(&dte));
	cr_assert_eq(amd_dte_mode(&dte), 3);
	cr_assert_eq(amd_dte_had(&dte), 3);
	cr_assert_eq(amd_dte_root(&dte), 0x0004000000005000ull);
	cr_assert_eq(amd_dte_domid(&dte), 0x1234);
	amd_dte_set_had(&dte, false);
	cr_assert_eq(dte.data[0], 0x6004000000005603ull);
	amd_dte_set_v1(&dte, 0x7000, 6, 2, false);
	cr_assert_eq(dte.data[0], 0x6000000000007c03ull);
	amd_dte_clear(&dte);
	cr_assert_eq(dte.data[0], 0x3);
	cr_assert_eq(dte.data[1], 0x000003ff00000000ull);
}

/* ------------------------------------------------ v2 */

TestSuite(amd_v2, .init = setup, .fini = teardown);

Test(amd_v2, encodings_and_walk)
{
	const struct pt_format *f = &amd_v2_format;

	/* P | US | A | D always (0x65), R/W when writable, PS for 2M/1G */
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, PT_PROT_READ),
		     0x123456065ull);
	cr_assert_eq(f->make_leaf(0x123456000ull, 12, 0, RW), 0x123456067ull);
	cr_assert_eq(f->make_leaf(0x40200000ull, 21, 1, RW), 0x402000e7ull);
	cr_assert_eq(f->make_leaf(0x40000000ull, 30, 2, PT_PROT_READ),
		     0x400000e5ull);
	cr_assert_eq(f->make_table(0x7000ull, 3), 0x7027ull);

	cr_assert_eq(pt_table_init(&tbl, f, pt_phys_mem(&phys), 4,
				   AMD_V2_PGSIZES), 0);
	cr_assert_eq(pt_map(&tbl, SZ_1G, SZ_1G, SZ_1G + SZ_2M + SZ_4K, RW, 0),
		     0);
	cr_assert_eq(raw_entry(SZ_1G, 2), 0x400000e7ull);
	cr_assert_eq(raw_entry(2 * SZ_1G, 1), 0x800000e7ull);
	cr_assert_eq(raw_entry(2 * SZ_1G + SZ_2M, 0), 0x80200067ull);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_1G + 0x1234), SZ_1G + 0x1234);
	/* v2 unmap is leaf by leaf and keeps the tables */
	cr_assert_eq(pt_unmap(&tbl, SZ_1G, SZ_1G + SZ_2M + SZ_4K),
		     SZ_1G + SZ_2M + SZ_4K);
	cr_assert_eq(pt_table_count(&tbl), 4);
	cr_assert_eq(pt_map(&tbl, 1ull << 48, 0, SZ_4K, RW, 0), -EINVAL,
		     "4 levels: 48 bits");
}
