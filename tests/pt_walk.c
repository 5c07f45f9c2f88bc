// SPDX-License-Identifier: MIT
/*
 * The shared walker and its table memory: the physical page allocator,
 * iommu_pgsize(), and every walker operation on a test-only "toy" format
 * whose entries are easy to read (and which has replicas, growth and both
 * unmap styles, so the generic paths are covered without a vendor format).
 * Ends with the randomized differential test: random map/unmap sequences
 * on every format, each translation through the table bytes compared with
 * a flat list of what was mapped.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt/phys.h"
#include "amd/amd.h"
#include "pt/pt.h"
#include "vtd/vtd.h"

#define SZ_4K (1ull << 12)
#define SZ_8K (1ull << 13)
#define SZ_2M (1ull << 21)
#define SZ_4M (1ull << 22)
#define SZ_1G (1ull << 30)

/* ------------------------------------------------ the toy format */

/*
 * bit 0 present, bit 1 leaf, bits 7:2 lg2 of a leaf, bit 8 R, bit 9 W,
 * bit 10 A, bit 11 D, bits 51:12 address. Every size 4K..2^51 encodes, as
 * replicas when it is not a level's own size.
 */
#define TOY_P (1ull << 0)
#define TOY_LEAF (1ull << 1)
#define TOY_R (1ull << 8)
#define TOY_W (1ull << 9)
#define TOY_A (1ull << 10)
#define TOY_D (1ull << 11)
#define TOY_ADDR 0x000ffffffffff000ull

static bool toy_present(uint64_t pte)
{
	return pte & TOY_P;
}

static bool toy_is_leaf(uint64_t pte, unsigned int level)
{
	return pte & TOY_LEAF;
}

static unsigned int toy_leaf_lg2(uint64_t pte, unsigned int level)
{
	return (pte >> 2) & 63;
}

static bool toy_malformed(uint64_t pte, unsigned int level)
{
	unsigned int lg2 = toy_leaf_lg2(pte, level);

	if (!(pte & TOY_LEAF))
		return level == 0;
	return lg2 < pt_level_shift(level) ||
	       lg2 >= pt_level_shift(level) + PT_INDEX_BITS;
}

static uint64_t toy_oa(uint64_t pte, unsigned int level)
{
	return pte & TOY_ADDR;
}

static uint64_t toy_make_table(uint64_t pa, unsigned int level)
{
	return pa | TOY_P;
}

static uint64_t toy_make_leaf(uint64_t pa, unsigned int lg2,
			      unsigned int level, int prot)
{
	return pa | TOY_P | TOY_LEAF | ((uint64_t)lg2 << 2) |
	       ((prot & PT_PROT_READ) ? TOY_R : 0) |
	       ((prot & PT_PROT_WRITE) ? TOY_W : 0);
}

static unsigned int toy_perm(uint64_t pte, unsigned int level)
{
	if (!(pte & TOY_LEAF))
		return PT_PERM_READ | PT_PERM_WRITE | PT_PERM_USER;
	return PT_PERM_USER | ((pte & TOY_R) ? PT_PERM_READ : 0) |
	       ((pte & TOY_W) ? PT_PERM_WRITE : 0);
}

#define TOY_FORMAT(nm, style)                                                \
	{                                                                    \
		.name = nm, .min_levels = 1, .max_levels = 6, .grows = true, \
		.unmap_style = style, .pgsizes = 0x000ffffffffff000ull,      \
		.a_bit = TOY_A, .d_bit = TOY_D, .present = toy_present,      \
		.is_leaf = toy_is_leaf, .malformed = toy_malformed,          \
		.leaf_lg2 = toy_leaf_lg2, .oa = toy_oa,                      \
		.make_table = toy_make_table, .make_leaf = toy_make_leaf,    \
		.perm = toy_perm,                                            \
	}

static const struct pt_format toy_leaves = TOY_FORMAT("toy-leaves",
						      PT_UNMAP_LEAVES);
static const struct pt_format toy_range = TOY_FORMAT("toy-range",
						     PT_UNMAP_RANGE);

/* ------------------------------------------------ fixtures */

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

static void toy_init(const struct pt_format *fmt, unsigned int levels,
		     uint64_t bitmap)
{
	cr_assert_eq(pt_table_init(&tbl, fmt, pt_phys_mem(&phys), levels,
				   bitmap), 0);
}

static enum pt_fault xlate(struct pt_table *t, uint64_t iova,
			   enum pt_access access, unsigned int flags,
			   uint64_t *pa)
{
	struct pt_xlate x = { .iova = iova, .access = access, .flags = flags };
	struct pt_xlate_result res;
	enum pt_fault f = pt_translate(t, &x, &res);

	if (pa)
		*pa = res.pa;
	return f;
}

static unsigned int leaf_lg2_at(uint64_t iova)
{
	unsigned int lg2 = 0;

	cr_assert_eq(pt_lookup(&tbl, iova, NULL, NULL, &lg2), 0,
		     "no leaf at %#" PRIx64, iova);
	return lg2;
}

/* ------------------------------------------------ phys */

TestSuite(pt_phys, .init = setup, .fini = teardown);

Test(pt_phys, pages_zeroed_aligned_and_looked_up)
{
	uint64_t a, b;
	uint64_t *p;

	cr_assert_eq(pt_phys_alloc(&phys, &a), 0);
	cr_assert_eq(pt_phys_alloc(&phys, &b), 0);
	cr_assert_eq(a, PT_PHYS_BASE);
	cr_assert_eq(b, PT_PHYS_BASE + SZ_4K);
	p = pt_phys_ptr(&phys, a);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p & (SZ_4K - 1), 0);
	for (unsigned int i = 0; i < 512; i++)
		cr_assert_eq(p[i], 0);
	p[7] = 0x1234;
	cr_assert_eq(*(uint64_t *)pt_phys_ptr(&phys, a + 7 * 8), 0x1234);
	cr_assert_eq((char *)pt_phys_ptr(&phys, b + 100) -
			     (char *)pt_phys_ptr(&phys, b),
		     100);
	cr_assert_null(pt_phys_ptr(&phys, a - 1));
	cr_assert_null(pt_phys_ptr(&phys, b + SZ_4K));
	cr_assert_eq(phys.npages, 2);
	pt_phys_free(&phys, a);
	pt_phys_free(&phys, b);
}

Test(pt_phys, freed_pages_reused_last_first_and_rezeroed)
{
	uint64_t a, b, c, d;

	cr_assert_eq(pt_phys_alloc(&phys, &a), 0);
	cr_assert_eq(pt_phys_alloc(&phys, &b), 0);
	*(uint64_t *)pt_phys_ptr(&phys, a) = 99;
	pt_phys_free(&phys, b);
	pt_phys_free(&phys, a);
	cr_assert_null(pt_phys_ptr(&phys, a));
	pt_phys_free(&phys, a); /* double free is ignored */
	cr_assert_eq(phys.npages, 0);
	cr_assert_eq(pt_phys_alloc(&phys, &c), 0);
	cr_assert_eq(pt_phys_alloc(&phys, &d), 0);
	cr_assert_eq(c, a);
	cr_assert_eq(d, b);
	cr_assert_eq(*(uint64_t *)pt_phys_ptr(&phys, c), 0);
	pt_phys_free(&phys, c);
	pt_phys_free(&phys, d);
}

Test(pt_phys, limit_gives_enomem)
{
	uint64_t a, b;

	phys.limit = 1;
	cr_assert_eq(pt_phys_alloc(&phys, &a), 0);
	cr_assert_eq(pt_phys_alloc(&phys, &b), -ENOMEM);
	pt_phys_free(&phys, a);
	cr_assert_eq(pt_phys_alloc(&phys, &b), 0);
	pt_phys_free(&phys, b);
}

Test(pt_phys, mem_view_reads_words)
{
	struct pt_mem m = pt_phys_mem(&phys);
	uint64_t pa;

	cr_assert_eq(m.ops->alloc_table(m.priv, &pa), 0);
	cr_assert_eq(m.ops->entry(m.priv, pa + 8), (uint64_t *)pt_phys_ptr(&phys, pa) + 1);
	cr_assert_null(m.ops->entry(m.priv, pa + 4), "unaligned word");
	m.ops->free_table(m.priv, pa);
}

/* ------------------------------------------------ iommu_pgsize */

Test(pt_pgsize, matches_iommu_pgsize)
{
	const uint64_t bm = SZ_4K | SZ_2M | SZ_1G;
	uint64_t count;

	/* aligned: the largest size, as many as fit */
	cr_assert_eq(pt_pgsize(bm, 0, 0, 4 * SZ_2M, &count), SZ_2M);
	cr_assert_eq(count, 4);
	cr_assert_eq(pt_pgsize(bm, 0, SZ_1G, 3 * SZ_1G + SZ_4K, &count),
		     SZ_1G);
	cr_assert_eq(count, 3);
	/* 4K pages only up to the 2M boundary, when a whole 2M fits after */
	cr_assert_eq(pt_pgsize(bm, SZ_4K, SZ_4K, 2 * SZ_2M, &count), SZ_4K);
	cr_assert_eq(count, 511);
	/* ...and all of it when one does not */
	cr_assert_eq(pt_pgsize(bm, SZ_4K, SZ_4K, SZ_2M, &count), SZ_4K);
	cr_assert_eq(count, 512);
	/* iova and pa offset differently in 2M: never a larger page */
	cr_assert_eq(pt_pgsize(bm, SZ_4K, 2 * SZ_4K, 8 * SZ_2M, &count),
		     SZ_4K);
	cr_assert_eq(count, 8 * 512);
	/* pa alignment limits as much as iova alignment */
	cr_assert_eq(pt_pgsize(bm, SZ_2M, SZ_1G + SZ_2M, 2 * SZ_1G, &count),
		     SZ_2M);
	cr_assert_eq(count, 511);
	/* no whole 1G fits after the boundary: 2M pages all the way */
	cr_assert_eq(pt_pgsize(bm, SZ_2M, SZ_1G + SZ_2M, SZ_1G, &count),
		     SZ_2M);
	cr_assert_eq(count, 512);
	/* without count: just the size */
	cr_assert_eq(pt_pgsize(bm, 0, 0, SZ_1G, NULL), SZ_1G);
	/* AMD-like bitmap: every power of two */
	cr_assert_eq(pt_pgsize(0x000ffffffffff000ull ^ (1ull << 39), 0,
			       0, 3 * SZ_8K, &count),
		     2 * SZ_8K);
	cr_assert_eq(count, 1);
	cr_assert_eq(pt_pgsize(bm, 0, 0, 0, &count), 0);
}

/* ------------------------------------------------ map and page sizes */

TestSuite(pt_walk, .init = setup, .fini = teardown);

Test(pt_walk, init_rejects_bad_levels_and_bitmap)
{
	cr_assert_eq(pt_table_init(&tbl, &toy_leaves, pt_phys_mem(&phys), 0,
				   SZ_4K), -EINVAL);
	cr_assert_eq(pt_table_init(&tbl, &toy_leaves, pt_phys_mem(&phys), 7,
				   SZ_4K), -EINVAL);
	cr_assert_eq(pt_table_init(&tbl, &toy_leaves, pt_phys_mem(&phys), 3,
				   1), -EINVAL);
	phys.limit = 0;
	toy_init(&toy_leaves, 3, SZ_4K);
	cr_assert_eq(phys.npages, 1);
	cr_assert_eq(pt_table_count(&tbl), 1);
	cr_assert_eq(pt_table_last_iova(&tbl), (1ull << 39) - 1);
}

Test(pt_walk, picks_largest_pages_like_iommu_map)
{
	const uint64_t bm = SZ_4K | SZ_2M | SZ_1G;
	uint64_t iova = SZ_1G - 2 * SZ_4K, pa = 5 * SZ_1G - 2 * SZ_4K;
	uint64_t len = 2 * SZ_4K + SZ_1G + SZ_2M + SZ_4K;

	toy_init(&toy_leaves, 4, bm);
	cr_assert_eq(pt_map(&tbl, iova, pa, len, PT_PROT_READ, 0), 0);
	cr_assert_eq(leaf_lg2_at(iova), 12);
	cr_assert_eq(leaf_lg2_at(iova + SZ_4K), 12);
	cr_assert_eq(leaf_lg2_at(SZ_1G), 30);
	cr_assert_eq(leaf_lg2_at(2 * SZ_1G), 21);
	cr_assert_eq(leaf_lg2_at(2 * SZ_1G + SZ_2M), 12);
	cr_assert_neq(pt_lookup(&tbl, 2 * SZ_1G + SZ_2M + SZ_4K, NULL, NULL,
				NULL), 0);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_1G + 0x12345),
		     5 * SZ_1G + 0x12345);
	cr_assert_eq(pt_iova_to_phys(&tbl, 2 * SZ_1G + 0x12345),
		     6 * SZ_1G + 0x12345);
	cr_assert_eq(pt_iova_to_phys(&tbl, iova + 0x1abc), pa + 0x1abc);
	cr_assert_eq(pt_iova_to_phys(&tbl, 3 * SZ_1G), 0);
	cr_assert_eq(pt_unmap(&tbl, iova, len), len);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_1G), 0);
}

Test(pt_walk, bitmap_argument_restricts_sizes)
{
	toy_init(&toy_leaves, 4, SZ_4K | SZ_2M | SZ_1G);
	cr_assert_eq(pt_map(&tbl, 0, 0, SZ_2M, PT_PROT_READ, SZ_4K), 0);
	cr_assert_eq(leaf_lg2_at(0), 12);
	cr_assert_eq(leaf_lg2_at(SZ_2M - SZ_4K), 12);
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_2M), SZ_2M);
}

Test(pt_walk, odd_sizes_are_replicated)
{
	uint64_t pte[4];
	uint64_t *t0;
	unsigned int level;

	toy_init(&toy_leaves, 3, 0x000ffffffffff000ull);
	cr_assert_eq(pt_map(&tbl, SZ_4M, 3 * SZ_4M, SZ_4M + SZ_8K,
			    PT_PROT_READ | PT_PROT_WRITE, 0), 0);
	cr_assert_eq(pt_lookup(&tbl, SZ_4M + SZ_2M + 5, &pte[0], &level,
			       NULL), 0);
	cr_assert_eq(level, 1);
	cr_assert_eq(toy_leaf_lg2(pte[0], 1), 22);
	cr_assert_eq(pt_lookup(&tbl, 2 * SZ_4M + SZ_4K, &pte[1], &level,
			       NULL), 0);
	cr_assert_eq(level, 0);
	cr_assert_eq(toy_leaf_lg2(pte[1], 0), 13);
	/* both replicas of the 4M page hold the same value */
	t0 = pt_phys_ptr(&phys, tbl.root);
	t0 = pt_phys_ptr(&phys, toy_oa(t0[0], 2));
	cr_assert_eq(t0[2], t0[3]);
	cr_assert_eq(t0[2], pte[0]);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_4M + SZ_2M + 5),
		     3 * SZ_4M + SZ_2M + 5);
	cr_assert_eq(pt_unmap(&tbl, SZ_4M, SZ_4M + SZ_8K), SZ_4M + SZ_8K);
	cr_assert_eq(t0[2] | t0[3], 0);
}

Test(pt_walk, alignment_and_range_errors)
{
	toy_init(&toy_range, 2, SZ_4K | SZ_2M);
	cr_assert_eq(pt_map(&tbl, 0x800, 0, SZ_4K, PT_PROT_READ, 0), -EINVAL);
	cr_assert_eq(pt_map(&tbl, 0, 0x800, SZ_4K, PT_PROT_READ, 0), -EINVAL);
	cr_assert_eq(pt_map(&tbl, 0, 0, 0x800, PT_PROT_READ, 0), -EINVAL);
	cr_assert_eq(pt_map(&tbl, -SZ_4K, 0, 2 * SZ_4K, PT_PROT_READ, 0),
		     -EINVAL);
	cr_assert_eq(pt_map(&tbl, 0, 0, 0, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_unmap(&tbl, 0x800, SZ_4K), 0);
	cr_assert_eq(pt_unmap(&tbl, 0, 0x800), 0);
}

Test(pt_walk, existing_leaf_refused_and_nothing_left_behind)
{
	toy_init(&toy_leaves, 3, SZ_4K | SZ_2M);
	cr_assert_eq(pt_map(&tbl, SZ_2M + 5 * SZ_4K, 3 * SZ_1G, SZ_4K,
			    PT_PROT_READ, 0), 0);
	/* 2M page over a table holding a leaf */
	cr_assert_eq(pt_map(&tbl, 0, 0, 2 * SZ_2M, PT_PROT_READ, 0), -EEXIST);
	cr_assert_eq(pt_iova_to_phys(&tbl, 0), 0, "first 2M was unrolled");
	/* 4K pages running into the leaf */
	cr_assert_eq(pt_map(&tbl, SZ_2M, SZ_1G, 8 * SZ_4K, PT_PROT_READ, 0),
		     -EEXIST);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_2M), 0);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_2M + 4 * SZ_4K), 0);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_2M + 5 * SZ_4K), 3 * SZ_1G,
		     "the leaf in the way is untouched");
	cr_assert_eq(pt_unmap(&tbl, SZ_2M + 5 * SZ_4K, SZ_4K), SZ_4K);
	/* and under a large leaf */
	cr_assert_eq(pt_map(&tbl, 0, 0, SZ_2M, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_map(&tbl, SZ_4K, 0, SZ_4K, PT_PROT_READ, 0), -EEXIST);
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_2M), SZ_2M);
}

Test(pt_walk, empty_table_gives_way_to_large_page)
{
	toy_init(&toy_leaves, 3, SZ_4K | SZ_2M);
	cr_assert_eq(pt_map(&tbl, 0, 0, SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_table_count(&tbl), 3);
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_4K), SZ_4K);
	cr_assert_eq(pt_table_count(&tbl), 3, "leaves-style unmap keeps tables");
	cr_assert_eq(pt_map(&tbl, 0, SZ_2M, SZ_2M, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_table_count(&tbl), 2);
	cr_assert_eq(phys.npages, 2);
	cr_assert_eq(leaf_lg2_at(0), 21);
}

Test(pt_walk, enomem_unrolls)
{
	toy_init(&toy_leaves, 3, SZ_4K);
	/* root + one level-1 table + one level-0 table: the second 2M needs more */
	phys.limit = 3;
	cr_assert_eq(pt_map(&tbl, SZ_2M - SZ_4K, 0, 2 * SZ_4K, PT_PROT_READ,
			    0), -ENOMEM);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_2M - SZ_4K), 0);
	phys.limit = 0;
}

Test(pt_walk, grows_levels_on_demand)
{
	toy_init(&toy_leaves, 1, SZ_4K | SZ_2M | SZ_1G);
	cr_assert_eq(pt_table_last_iova(&tbl), SZ_2M - 1);
	cr_assert_eq(pt_map(&tbl, 0, 0, SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(tbl.levels, 1);
	/* a 2M page needs level 1 */
	cr_assert_eq(pt_map(&tbl, SZ_2M, 0, SZ_2M, PT_PROT_READ, 0), 0);
	cr_assert_eq(tbl.levels, 2);
	/* an IOVA beyond 2^48 needs five levels */
	cr_assert_eq(pt_map(&tbl, 1ull << 48, 0, SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(tbl.levels, 5);
	cr_assert_eq(pt_iova_to_phys(&tbl, 0x123), 0x123);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_2M + 0x123), 0x123);
	cr_assert_eq(pt_iova_to_phys(&tbl, (1ull << 48) + 7), 7);
	cr_assert_eq(pt_map(&tbl, ~0ull - SZ_4K + 1, SZ_4K, SZ_4K,
			    PT_PROT_READ, 0), 0);
	cr_assert_eq(tbl.levels, 6);
	cr_assert_eq(pt_table_last_iova(&tbl), ~0ull);
	cr_assert_eq(pt_iova_to_phys(&tbl, ~0ull), 2 * SZ_4K - 1);
	cr_assert_eq(pt_unmap(&tbl, ~0ull - SZ_4K + 1, SZ_4K), SZ_4K);
}

static void count_grow(struct pt_table *t, void *arg)
{
	(*(unsigned int *)arg)++;
}

Test(pt_walk, grow_callback_runs_per_level)
{
	unsigned int grown = 0;

	toy_init(&toy_leaves, 3, SZ_4K);
	tbl.on_grow = count_grow;
	tbl.on_grow_arg = &grown;
	cr_assert_eq(pt_map(&tbl, 1ull << 57, 0, SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(grown, 3);
	cr_assert_eq(tbl.levels, 6);
}

/* ------------------------------------------------ unmap semantics */

Test(pt_walk, unmap_inside_large_page_takes_it_whole)
{
	toy_init(&toy_leaves, 3, SZ_4K | SZ_2M);
	cr_assert_eq(pt_map(&tbl, SZ_2M, 0, SZ_2M, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_unmap(&tbl, SZ_2M + 3 * SZ_4K, SZ_4K), SZ_2M);
	cr_assert_eq(pt_iova_to_phys(&tbl, SZ_2M), 0);
}

Test(pt_walk, leaves_style_stops_at_hole_above_level_0)
{
	toy_init(&toy_leaves, 3, SZ_4K | SZ_2M);
	/* an empty slot in an existing 4K table is counted, as AMD does */
	cr_assert_eq(pt_map(&tbl, 0, 0, 2 * SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_map(&tbl, 3 * SZ_4K, SZ_1G, SZ_4K, PT_PROT_READ, 0),
		     0);
	cr_assert_eq(pt_unmap(&tbl, 0, 4 * SZ_4K), 4 * SZ_4K);
	cr_assert_eq(pt_iova_to_phys(&tbl, 3 * SZ_4K), 0);
	cr_assert_eq(pt_unmap(&tbl, 2 * SZ_4K, SZ_4K), SZ_4K);
	/* a missing 4K table stops the unmap */
	cr_assert_eq(pt_map(&tbl, 0, 0, SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_map(&tbl, 2 * SZ_2M, SZ_1G, SZ_4K, PT_PROT_READ, 0),
		     0);
	cr_assert_eq(pt_unmap(&tbl, 0, 2 * SZ_2M + SZ_4K), SZ_2M);
	cr_assert_eq(pt_iova_to_phys(&tbl, 2 * SZ_2M), SZ_1G);
	cr_assert_eq(pt_unmap(&tbl, SZ_2M, SZ_4K), 0);
	cr_assert_eq(pt_unmap(&tbl, 2 * SZ_2M, SZ_4K), SZ_4K);
	/* beyond the table (not grown that far): nothing */
	cr_assert_eq(pt_unmap(&tbl, 1ull << 40, SZ_4K), 0);
}

Test(pt_walk, range_style_counts_holes_and_frees_tables)
{
	toy_init(&toy_range, 3, SZ_4K | SZ_2M);
	cr_assert_eq(pt_map(&tbl, 0, 0, 2 * SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_map(&tbl, 3 * SZ_4K, 0, SZ_4K, PT_PROT_READ, 0), 0);
	cr_assert_eq(pt_table_count(&tbl), 3);
	cr_assert_eq(pt_unmap(&tbl, 0, 4 * SZ_4K), 4 * SZ_4K);
	cr_assert_eq(pt_lookup(&tbl, 3 * SZ_4K, NULL, NULL, NULL), -ENOENT);
	cr_assert_eq(pt_table_count(&tbl), 3, "table only partly covered");
	/* a hole at level 1 grows the request to 2M */
	cr_assert_eq(pt_unmap(&tbl, 4 * SZ_2M, SZ_4K), SZ_2M);
	/* covering the whole 2M frees the level-0 table */
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_2M), SZ_2M);
	cr_assert_eq(pt_table_count(&tbl), 2);
	/* a hole at the top grows it to the top level's span */
	cr_assert_eq(pt_unmap(&tbl, SZ_1G, SZ_4K), SZ_1G);
	cr_assert_eq(pt_table_count(&tbl), 2);
	/* covering a top entry frees the (now empty) table below it */
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_1G), SZ_1G);
	cr_assert_eq(pt_table_count(&tbl), 1);
}

/* ------------------------------------------------ dirty */

struct dirty_log {
	unsigned int n;
	uint64_t iova[16], size[16];
};

static void log_dirty(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_log *l = arg;

	cr_assert_lt(l->n, 16);
	l->iova[l->n] = iova;
	l->size[l->n++] = size;
}

Test(pt_walk, read_and_clear_dirty)
{
	struct dirty_log l = { 0 };

	toy_init(&toy_leaves, 3, 0x000ffffffffff000ull);
	cr_assert_eq(pt_map(&tbl, 0, 0, SZ_4M + 2 * SZ_4K,
			    PT_PROT_READ | PT_PROT_WRITE, 0), 0);
	cr_assert_eq(leaf_lg2_at(0), 22);
	/* a write through the second replica dirties that replica only */
	cr_assert_eq(xlate(&tbl, SZ_2M + 8, PT_ACCESS_WRITE,
			   PT_XLATE_SET_A | PT_XLATE_SET_D, NULL), 0);
	cr_assert_eq(xlate(&tbl, SZ_4M + SZ_4K, PT_ACCESS_WRITE,
			   PT_XLATE_SET_A | PT_XLATE_SET_D, NULL), 0);
	pt_read_and_clear_dirty(&tbl, 0, SZ_4M + 2 * SZ_4K,
				PT_DIRTY_NO_CLEAR, log_dirty, &l);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.iova[0], 0);
	cr_assert_eq(l.size[0], SZ_4M);
	cr_assert_eq(l.iova[1], SZ_4M);
	cr_assert_eq(l.size[1], 2 * SZ_4K, "8K page reported whole");
	/* no_clear left them; a clearing pass reports and clears */
	l.n = 0;
	pt_read_and_clear_dirty(&tbl, 0, SZ_4M + 2 * SZ_4K, 0, log_dirty, &l);
	cr_assert_eq(l.n, 2);
	l.n = 0;
	pt_read_and_clear_dirty(&tbl, 0, SZ_4M + 2 * SZ_4K, 0, log_dirty, &l);
	cr_assert_eq(l.n, 0);
	/* an IOVA in the middle of a page reports from there, unrounded */
	cr_assert_eq(xlate(&tbl, 0, PT_ACCESS_WRITE, PT_XLATE_SET_D, NULL), 0);
	pt_read_and_clear_dirty(&tbl, SZ_2M, SZ_4K, 0, log_dirty, &l);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.iova[0], SZ_2M);
	cr_assert_eq(l.size[0], SZ_4M);
	/* holes are skipped by the span where the walk stopped */
	l.n = 0;
	cr_assert_eq(pt_map(&tbl, SZ_1G, 0, SZ_4K, PT_PROT_WRITE, 0), 0);
	cr_assert_eq(xlate(&tbl, SZ_1G, PT_ACCESS_WRITE, PT_XLATE_SET_D, NULL),
		     0);
	pt_read_and_clear_dirty(&tbl, SZ_4M + 2 * SZ_4K,
				SZ_1G - SZ_4M - 2 * SZ_4K + SZ_4K, 0,
				log_dirty, &l);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.iova[0], SZ_1G);
	cr_assert_eq(pt_unmap(&tbl, 0, SZ_4M + 2 * SZ_4K), SZ_4M + 2 * SZ_4K);
}

/* ------------------------------------------------ hardware walk */

Test(pt_walk, translate_faults_and_ad_updates)
{
	uint64_t pte, pa;
	uint64_t *root;

	toy_init(&toy_leaves, 3, SZ_4K | SZ_2M);
	cr_assert_eq(pt_map(&tbl, SZ_2M, SZ_1G, SZ_2M, PT_PROT_READ, 0), 0);
	cr_assert_eq(xlate(&tbl, SZ_2M + 0x42, PT_ACCESS_READ, 0, &pa), 0);
	cr_assert_eq(pa, SZ_1G + 0x42);
	cr_assert_eq(xlate(&tbl, SZ_2M, PT_ACCESS_WRITE, PT_XLATE_SET_A |
			   PT_XLATE_SET_D, &pa), PT_FAULT_PERM);
	cr_assert_eq(pa, 0);
	cr_assert_eq(xlate(&tbl, 0, PT_ACCESS_READ, 0, NULL),
		     PT_FAULT_NOT_PRESENT);
	cr_assert_eq(xlate(&tbl, 1ull << 39, PT_ACCESS_READ, 0, NULL),
		     PT_FAULT_RANGE);
	/* faults and walks without the flags leave A/D alone */
	cr_assert_eq(pt_lookup(&tbl, SZ_2M, &pte, NULL, NULL), 0);
	cr_assert_eq(pte & (TOY_A | TOY_D), 0);
	root = pt_phys_ptr(&phys, tbl.root);
	cr_assert_eq(root[0] & TOY_A, 0);
	/* A on every entry used, D only with SET_D on a write */
	cr_assert_eq(xlate(&tbl, SZ_2M, PT_ACCESS_READ,
			   PT_XLATE_SET_A | PT_XLATE_SET_D, NULL), 0);
	cr_assert_eq(pt_lookup(&tbl, SZ_2M, &pte, NULL, NULL), 0);
	cr_assert_eq(pte & (TOY_A | TOY_D), TOY_A);
	cr_assert_eq(root[0] & TOY_A, TOY_A);
	/* a malformed entry is reported, not followed */
	root[1] = TOY_P | TOY_LEAF | (12ull << 2) | TOY_R;
	cr_assert_eq(xlate(&tbl, SZ_1G, PT_ACCESS_READ, 0, NULL),
		     PT_FAULT_MALFORMED);
	root[1] = 0;
	cr_assert_eq(pt_unmap(&tbl, SZ_2M, SZ_2M), SZ_2M);
}

struct tagged {
	unsigned int calls;
	bool saw_write;
};

#define TAG (1ull << 63)

static int untag(void *arg, uint64_t addr, bool write, uint64_t *pa)
{
	struct tagged *tg = arg;

	tg->calls++;
	tg->saw_write |= write;
	*pa = addr & ~TAG;
	return 0;
}

static int refuse(void *arg, uint64_t addr, bool write, uint64_t *pa)
{
	return PT_FAULT_NOT_PRESENT;
}

Test(pt_walk, translate_through_table_translator)
{
	struct pt_table view;
	struct tagged tg = { 0 };
	struct pt_xlate x = {
		.iova = 5 * SZ_4K + 9, .access = PT_ACCESS_READ,
		.table_xlate = untag, .table_xlate_arg = &tg,
	};
	struct pt_xlate_result res;

	toy_init(&toy_leaves, 3, SZ_4K);
	cr_assert_eq(pt_map(&tbl, 5 * SZ_4K, 7 * SZ_4K, SZ_4K, PT_PROT_READ,
			    0), 0);
	/* the view's root is an address only the translator understands */
	pt_table_view(&view, &toy_leaves, pt_phys_mem(&phys), tbl.root | TAG,
		      3);
	cr_assert_eq(pt_translate(&view, &x, &res), 0);
	cr_assert_eq(res.pa, 7 * SZ_4K + 9);
	cr_assert_eq(res.level, 0);
	cr_assert_eq(tg.calls, 3, "one call per table");
	cr_assert(!tg.saw_write);
	x.flags = PT_XLATE_SET_A;
	cr_assert_eq(pt_translate(&view, &x, &res), 0);
	cr_assert(tg.saw_write);
	x.table_xlate = refuse;
	cr_assert_eq(pt_translate(&view, &x, &res), PT_FAULT_NOT_PRESENT);
	pt_table_destroy(&view); /* a view frees nothing */
	cr_assert_eq(phys.npages, 3);
	cr_assert_eq(pt_unmap(&tbl, 5 * SZ_4K, SZ_4K), SZ_4K);
}

/* ------------------------------------------------ differential */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: fixed sequence per seed, same on every platform */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

struct diff_fmt {
	const struct pt_format *fmt;
	unsigned int levels;
	uint64_t bitmap;
	unsigned int iova_bits; /* windows stay below 2^iova_bits */
	/* whether a mapping with @prot can be read / written by the hardware */
	bool (*readable)(int prot);
	bool (*writable)(int prot);
	/* D starts clear and only a DMA write sets it (not preset by the driver) */
	bool hw_dirty;
};

static bool prot_r(int prot)
{
	return prot & PT_PROT_READ;
}

static bool prot_w(int prot)
{
	return prot & PT_PROT_WRITE;
}

static bool always(int prot)
{
	return true;
}

struct region {
	uint64_t iova, len, pa;
	int prot;
};

#define MAX_REGIONS 48

struct diff {
	const struct diff_fmt *df;
	struct region r[MAX_REGIONS];
	unsigned int n;
	uint64_t base, span;
};

static const struct region *ref_find(const struct diff *d, uint64_t iova)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (iova >= d->r[i].iova && iova - d->r[i].iova < d->r[i].len)
			return &d->r[i];
	return NULL;
}

static bool ref_overlaps(const struct diff *d, uint64_t iova, uint64_t len)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (iova < d->r[i].iova + d->r[i].len &&
		    d->r[i].iova < iova + len)
			return true;
	return false;
}

static void ref_remove(struct diff *d, unsigned int i)
{
	d->r[i] = d->r[--d->n];
}

static void check_iova(struct diff *d, uint64_t iova, uint64_t seed,
		       unsigned int step)
{
	const struct region *r = ref_find(d, iova);
	bool write = rnd() & 1;
	unsigned int flags = (rnd() & 1) ? PT_XLATE_SET_A | PT_XLATE_SET_D : 0;
	uint64_t pa = 0;
	enum pt_fault f = xlate(&tbl, iova, write ? PT_ACCESS_WRITE :
						    PT_ACCESS_READ,
				flags, &pa);
	enum pt_fault want = PT_FAULT_NONE;
	uint64_t want_pa = 0;

	if (!r)
		want = iova > pt_table_last_iova(&tbl) ? PT_FAULT_RANGE :
							 PT_FAULT_NOT_PRESENT;
	else if (write ? !d->df->writable(r->prot) : !d->df->readable(r->prot))
		want = PT_FAULT_PERM;
	else
		want_pa = r->pa + (iova - r->iova);
	cr_assert_eq(f, want,
		     "%s seed %#" PRIx64 " step %u iova %#" PRIx64
		     " %s: fault %d, want %d",
		     d->df->fmt->name, seed, step, iova,
		     write ? "write" : "read", f, want);
	cr_assert_eq(pa, want_pa,
		     "%s seed %#" PRIx64 " step %u iova %#" PRIx64
		     ": pa %#" PRIx64 ", want %#" PRIx64,
		     d->df->fmt->name, seed, step, iova, pa, want_pa);
	cr_assert_eq(pt_iova_to_phys(&tbl, iova),
		     r ? r->pa + (iova - r->iova) : 0,
		     "%s seed %#" PRIx64 " step %u iova_to_phys %#" PRIx64,
		     d->df->fmt->name, seed, step, iova);
}

static void check_all(struct diff *d, uint64_t seed, unsigned int step)
{
	unsigned int i;

	for (i = 0; i < 48; i++)
		check_iova(d, d->base + (rnd_below(d->span) & ~0x7ull), seed,
			   step);
	for (i = 0; i < d->n; i++) {
		const struct region *r = &d->r[i];

		check_iova(d, r->iova, seed, step);
		check_iova(d, r->iova + r->len - 1, seed, step);
		check_iova(d, r->iova + rnd_below(r->len), seed, step);
		if (r->iova > d->base)
			check_iova(d, r->iova - 1, seed, step);
		if (r->iova + r->len < d->base + d->span)
			check_iova(d, r->iova + r->len, seed, step);
	}
}

/* A page size lg2 the format may use, at most 2^31 */
static unsigned int pick_lg2(const struct diff_fmt *df)
{
	uint64_t sizes = df->bitmap & 0xfffff000ull;
	unsigned int n = (unsigned int)__builtin_popcountll(sizes);
	unsigned int k = (unsigned int)rnd_below(n);

	/* favour small pages: large ones are few but cheap to check */
	if (rnd() & 1)
		return 12;
	while (k--)
		sizes &= sizes - 1;
	return (unsigned int)__builtin_ctzll(sizes);
}

static void diff_map(struct diff *d, uint64_t seed, unsigned int step)
{
	unsigned int lg2 = pick_lg2(d->df);
	uint64_t align = 1ull << lg2;
	uint64_t iova = d->base + (rnd_below(d->span) & ~(align - 1));
	uint64_t len = align * (1 + rnd_below(lg2 > 25 ? 2 : 4)) +
		       SZ_4K * rnd_below(4);
	uint64_t pa = (rnd_below(1ull << 15) << 31) + (iova & ((1ull << 31) - 1));
	int prot = 1 + (int)rnd_below(3);
	bool overlap;
	int rc;

	/* sometimes shift the PA so no large page can be used */
	if (rnd_below(4) == 0 && len <= 64 * SZ_4K)
		pa += SZ_4K * (1 + rnd_below(7));
	if (iova + len > d->base + d->span)
		len = d->base + d->span - iova;
	if (!len || d->n == MAX_REGIONS)
		return;
	overlap = ref_overlaps(d, iova, len);
	rc = pt_map(&tbl, iova, pa, len, prot, 0);
	cr_assert_eq(rc, overlap ? -EEXIST : 0,
		     "%s seed %#" PRIx64 " step %u map %#" PRIx64 "+%#" PRIx64
		     ": %d",
		     d->df->fmt->name, seed, step, iova, len, rc);
	if (!rc)
		d->r[d->n++] = (struct region){ iova, len, pa, prot };
}

/* Regions that follow each other with no gap, from region @i */
static uint64_t run_len(const struct diff *d, unsigned int i,
			uint64_t *end_hint)
{
	uint64_t end = d->r[i].iova + d->r[i].len, total = d->r[i].len;
	bool more = true;

	while (more && rnd_below(3)) {
		more = false;
		for (unsigned int j = 0; j < d->n; j++) {
			if (d->r[j].iova == end) {
				total += d->r[j].len;
				end += d->r[j].len;
				more = true;
				break;
			}
		}
	}
	*end_hint = end;
	return total;
}

static void diff_unmap(struct diff *d, uint64_t seed, unsigned int step)
{
	unsigned int i = (unsigned int)rnd_below(d->n);
	uint64_t start = d->r[i].iova, end, len, got, want;

	len = run_len(d, i, &end);
	want = len;
	/*
	 * Past the run, into the hole after it: the leaves style stops
	 * there, so only it gets these (the range style may clear beyond).
	 */
	if (d->df->fmt->unmap_style == PT_UNMAP_LEAVES && rnd_below(3) == 0 &&
	    !ref_overlaps(d, end, SZ_4K) && end + SZ_4K <= d->base + d->span)
		len += SZ_4K;
	if (len > want) {
		struct pt_xlate x = { .iova = end, .access = PT_ACCESS_READ };
		struct pt_xlate_result res;

		/* an empty slot of an existing 4K table is counted */
		if (pt_translate(&tbl, &x, &res) == PT_FAULT_NOT_PRESENT &&
		    res.level == 0)
			want += SZ_4K;
	}
	got = pt_unmap(&tbl, start, len);
	cr_assert_eq(got, d->df->fmt->unmap_style == PT_UNMAP_LEAVES ? want :
								      len,
		     "%s seed %#" PRIx64 " step %u unmap %#" PRIx64
		     "+%#" PRIx64 ": %#" PRIx64,
		     d->df->fmt->name, seed, step, start, len, got);
	for (unsigned int j = 0; j < d->n;) {
		if (d->r[j].iova >= start && d->r[j].iova < start + got)
			ref_remove(d, j);
		else
			j++;
	}
}

struct dirty_seen {
	unsigned int n;
	uint64_t iova, size;
};

static void seen_dirty(void *arg, uint64_t iova, uint64_t size)
{
	struct dirty_seen *ds = arg;

	ds->n++;
	ds->iova = iova;
	ds->size = size;
}

/* A DMA write into a region is read back as exactly its leaf */
static void diff_dirty(struct diff *d, uint64_t seed, unsigned int step)
{
	const struct region *r = &d->r[rnd_below(d->n)];
	uint64_t iova = r->iova + (rnd_below(r->len) & ~7ull);
	struct dirty_seen ds = { 0 };
	unsigned int lg2 = 0;

	if (!d->df->hw_dirty || !d->df->writable(r->prot))
		return;
	pt_read_and_clear_dirty(&tbl, r->iova, r->len, 0, NULL, NULL);
	cr_assert_eq(xlate(&tbl, iova, PT_ACCESS_WRITE, PT_XLATE_SET_D, NULL),
		     0);
	cr_assert_eq(pt_lookup(&tbl, iova, NULL, NULL, &lg2), 0);
	for (unsigned int pass = 0; pass < 3; pass++) {
		ds.n = 0;
		pt_read_and_clear_dirty(&tbl, r->iova, r->len,
					pass ? 0 : PT_DIRTY_NO_CLEAR,
					seen_dirty, &ds);
		cr_assert_eq(ds.n, pass < 2,
			     "%s seed %#" PRIx64 " step %u dirty pass %u: %u",
			     d->df->fmt->name, seed, step, pass, ds.n);
		if (pass < 2) {
			cr_assert_eq(ds.iova, iova & ~((1ull << lg2) - 1));
			cr_assert_eq(ds.size, 1ull << lg2);
		}
	}
}

static void diff_run(const struct diff_fmt *df, uint64_t seed,
		     unsigned int steps)
{
	struct diff d = { .df = df };
	unsigned int step;

	rng_state = seed;
	cr_assert_eq(pt_table_init(&tbl, df->fmt, pt_phys_mem(&phys),
				   df->levels, df->bitmap), 0, "%s",
		     df->fmt->name);
	d.span = 8 * SZ_1G;
	d.base = rnd_below(df->iova_bits >= 64 ? ~0ull / d.span :
					       (1ull << df->iova_bits) / d.span) *
		 d.span;
	for (step = 0; step < steps; step++) {
		unsigned int op = (unsigned int)rnd_below(10);

		if (d.n && op < 4)
			diff_unmap(&d, seed, step);
		else if (d.n && op == 4)
			diff_dirty(&d, seed, step);
		else
			diff_map(&d, seed, step);
		if (step % 4 == 0)
			check_all(&d, seed, step);
	}
	check_all(&d, seed, step);
	while (d.n) {
		uint64_t got = pt_unmap(&tbl, d.r[0].iova, d.r[0].len);

		cr_assert_eq(got, d.r[0].len, "%s seed %#" PRIx64, df->fmt->name,
			     seed);
		ref_remove(&d, 0);
	}
	for (unsigned int i = 0; i < 32; i++)
		check_iova(&d, d.base + (rnd_below(d.span) & ~0x7ull), seed,
			   steps);
	pt_table_destroy(&tbl);
	cr_assert_eq(phys.npages, 0, "%s leaked table pages", df->fmt->name);
}

static const struct diff_fmt diff_fmts[] = {
	{ &toy_leaves, 1, 0x000ffffffffff000ull, 64, prot_r, prot_w, true },
	{ &toy_range, 4, SZ_4K | SZ_2M | SZ_1G, 48, prot_r, prot_w, true },
	/* VT-d leaves are always readable: the driver sets R on every leaf */
	{ &vtd_ss_format, 3, SZ_4K | SZ_2M | SZ_1G, 39, always, prot_w, true },
	{ &vtd_ss_format, 5, SZ_4K | SZ_2M, 57, always, prot_w, true },
	{ &vtd_fs_format, 4, SZ_4K | SZ_2M | SZ_1G, 47, always, prot_w, false },
	/* AMD v1 leaves have IR only when readable; the table grows from 3 */
	{ &amd_v1_format, 3, AMD_V1_PGSIZES, 64, prot_r, prot_w, true },
	{ &amd_v1_format, 3, AMD_V2_PGSIZES, 52, prot_r, prot_w, true },
	{ &amd_v2_format, 4, AMD_V2_PGSIZES, 47, always, prot_w, false },
	{ &amd_v2_format, 5, AMD_V2_PGSIZES, 56, always, prot_w, false },
};

Test(pt_walk, differential)
{
	const char *env = getenv("MODEL_TEST_SEED");
	uint64_t seed = 0x5eed0f7ab1e5ull;

	if (env && *env)
		seed = strtoull(env, NULL, 0);
	cr_log_info("pt differential seed: MODEL_TEST_SEED=%#" PRIx64, seed);
	for (unsigned int i = 0; i < sizeof(diff_fmts) / sizeof(diff_fmts[0]);
	     i++)
		diff_run(&diff_fmts[i], seed + i, 1000);
}
