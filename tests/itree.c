// SPDX-License-Identifier: MIT
/*
 * itree: unit tests of every entry point at the edges, and a differential
 * test that replays random operation sequences against a deliberately
 * naive sorted array, comparing results and running itree_check after
 * every step.
 *
 * The shipped fanout needs tens of thousands of spans for a deep tree, too
 * many to compare against an O(n) reference after every step. So this file
 * also compiles a second copy of itree.c with 4-slot nodes (every public
 * name prefixed tiny_): a few hundred spans give it six or more levels and
 * exercise every split, borrow, merge and root collapse. The differential
 * test runs on both copies.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------ the 4-slot copy */
#define itree tiny_itree
#define itree_iter tiny_itree_iter
#define itree_leaf tiny_itree_leaf
#define itree_node tiny_itree_node
#define itree_block tiny_itree_block
#define itree_path tiny_itree_path
#define itree_init tiny_itree_init
#define itree_destroy tiny_itree_destroy
#define itree_empty tiny_itree_empty
#define itree_insert tiny_itree_insert
#define itree_insert_disjoint tiny_itree_insert_disjoint
#define itree_remove tiny_itree_remove
#define itree_remove_at tiny_itree_remove_at
#define itree_set_last tiny_itree_set_last
#define itree_iter_first tiny_itree_iter_first
#define itree_iter_next tiny_itree_iter_next
#define itree_first tiny_itree_first
#define itree_next tiny_itree_next
#define itree_prev tiny_itree_prev
#define itree_find_le tiny_itree_find_le
#define itree_memory tiny_itree_memory
#define itree_check tiny_itree_check
#define ITREE_LEAF_SLOTS 4
#define ITREE_NODE_SLOTS 4
/* its public functions are only reached through the table below */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "iopt/itree.c"
#pragma GCC diagnostic pop
#undef itree
#undef itree_iter
#undef itree_leaf
#undef itree_node
#undef itree_block
#undef itree_path
#undef itree_init
#undef itree_destroy
#undef itree_empty
#undef itree_insert
#undef itree_insert_disjoint
#undef itree_remove
#undef itree_remove_at
#undef itree_set_last
#undef itree_iter_first
#undef itree_iter_next
#undef itree_first
#undef itree_next
#undef itree_prev
#undef itree_find_le
#undef itree_memory
#undef itree_check
#undef MODEL_IOPT_ITREE_H

/* ------------------------------------------------ the shipped build */
#include "iopt/itree.h"

#define MAXU UINT64_MAX

static void *ip(uintptr_t v)
{
	return (void *)v;
}

static void check_ok(const struct itree *t)
{
	char why[256] = "";

	cr_assert_eq(itree_check(t, why, sizeof(why)), 0, "itree_check: %s",
		     why);
}

/* Insert n spans [i * stride, i * stride + len] with item i + 1 */
static void fill_seq(struct itree *t, unsigned int n, uint64_t stride,
		     uint64_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		cr_assert_eq(itree_insert(t, i * stride, i * stride + len,
					  ip(i + 1)), 0);
	check_ok(t);
}

/* ------------------------------------------------ malloc failure */

/*
 * Failing allocations on demand: this executable's malloc wins over libc's.
 * Sanitizer runtimes own malloc themselves, so there the test is skipped.
 */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_FAIL_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define HAVE_FAIL_MALLOC 0
#endif
#endif
#ifndef HAVE_FAIL_MALLOC
#define HAVE_FAIL_MALLOC 1
#endif

#if HAVE_FAIL_MALLOC
extern void *__libc_malloc(size_t size);
/* mallocs to let through before failing; -1: never fail */
static long malloc_budget = -1;

void *malloc(size_t size);
void *malloc(size_t size)
{
	if (malloc_budget == 0)
		return NULL;
	if (malloc_budget > 0)
		malloc_budget--;
	return __libc_malloc(size);
}
#endif

/* ------------------------------------------------ unit tests */

TestSuite(itree);

Test(itree, empty_tree)
{
	struct itree t;
	struct itree_iter it;

	itree_init(&t);
	cr_assert(itree_empty(&t));
	cr_assert_not(itree_iter_first(&t, 0, MAXU, &it));
	cr_assert_not(itree_first(&t, &it));
	cr_assert_not(itree_find_le(&t, MAXU, &it));
	cr_assert_not(itree_remove(&t, 0, NULL));
	cr_assert_not(itree_set_last(&t, 0, NULL, 5));
	cr_assert_eq(itree_memory(&t), 0);
	check_ok(&t);
	itree_destroy(&t);
	itree_destroy(&t);	/* destroy leaves an empty, reusable tree */
	cr_assert(itree_empty(&t));
}

Test(itree, whole_range_span)
{
	struct itree t;
	struct itree_iter it;

	itree_init(&t);
	cr_assert_eq(itree_insert(&t, 0, MAXU, ip(1)), 0);
	cr_assert_not(itree_empty(&t));
	cr_assert_eq(t.count, 1);
	check_ok(&t);
	cr_assert(itree_iter_first(&t, 0, 0, &it));
	cr_assert(it.start == 0 && it.last == MAXU && it.item == ip(1));
	cr_assert(itree_iter_first(&t, MAXU, MAXU, &it));
	cr_assert_not(itree_iter_next(&it, 0, MAXU));
	cr_assert(itree_find_le(&t, 0, &it));
	cr_assert(itree_find_le(&t, MAXU, &it));
	cr_assert(itree_first(&t, &it));
	cr_assert_not(itree_next(&it));
	cr_assert_not(itree_prev(&it));
	/* a failed step leaves the cursor where it was */
	cr_assert(it.start == 0 && it.item == ip(1));
	cr_assert_gt(itree_memory(&t), 0);
	cr_assert_not(itree_remove(&t, 0, ip(2)), "wrong item");
	cr_assert_not(itree_remove(&t, 1, ip(1)), "wrong start");
	cr_assert(itree_remove(&t, 0, ip(1)));
	cr_assert(itree_empty(&t));
	cr_assert_not(itree_first(&t, &it));
	check_ok(&t);
	itree_destroy(&t);
	cr_assert_eq(itree_memory(&t), 0);
}

/*
 * The overlap flag picks the query algorithm, so it must be set by every
 * way two spans can come to meet and cleared only when the tree empties.
 */
Test(itree, overlap_flag_follows_the_spans)
{
	struct itree t;
	struct itree_iter it;
	uint64_t i;

	itree_init(&t);
	for (i = 0; i < 200; i++)
		cr_assert_eq(itree_insert(&t, i * 10, i * 10 + 4, ip(i + 1)), 0);
	cr_assert_not(t.overlapping);
	/* touching the successor by growing */
	cr_assert(itree_set_last(&t, 50, ip(6), 59));
	cr_assert_not(t.overlapping);
	cr_assert(itree_set_last(&t, 50, ip(6), 60));
	cr_assert(t.overlapping);
	check_ok(&t);
	/* the query still answers right on the general path */
	cr_assert(itree_iter_first(&t, 60, 60, &it) && it.item == ip(6));
	cr_assert(itree_iter_next(&it, 60, 60) && it.item == ip(7));
	for (i = 0; i < 200; i++)
		cr_assert(itree_remove(&t, i * 10, ip(i + 1)));
	cr_assert_not(t.overlapping);

	/* meeting the predecessor, and an equal start, on insert */
	cr_assert_eq(itree_insert(&t, 100, 199, ip(1)), 0);
	cr_assert_eq(itree_insert(&t, 200, 299, ip(2)), 0);
	cr_assert_not(t.overlapping);
	cr_assert_eq(itree_insert(&t, 199, 199, ip(3)), 0);
	cr_assert(t.overlapping);
	cr_assert(itree_remove(&t, 199, ip(3)));
	cr_assert(t.overlapping); /* sticky until empty */
	check_ok(&t);
	cr_assert(itree_remove(&t, 100, ip(1)));
	cr_assert(itree_remove(&t, 200, ip(2)));
	cr_assert_eq(itree_insert(&t, 5, 5, ip(1)), 0);
	cr_assert_eq(itree_insert(&t, 5, 9, ip(2)), 0);
	cr_assert(t.overlapping);
	itree_destroy(&t);
}

/* The combined check-and-insert refuses without changing anything */
Test(itree, insert_disjoint_refuses_meeting_spans)
{
	struct itree t;
	struct itree_iter it;
	uint64_t i;

	itree_init(&t);
	for (i = 0; i < 300; i++)
		cr_assert_eq(itree_insert_disjoint(&t, i * 10, i * 10 + 4,
						   ip(i + 1)), 0);
	cr_assert_eq(itree_insert_disjoint(&t, 14, 20, ip(999)), -EEXIST,
		     "meets the predecessor");
	cr_assert_eq(itree_insert_disjoint(&t, 5, 10, ip(999)), -EEXIST,
		     "meets the successor");
	cr_assert_eq(itree_insert_disjoint(&t, 0, ~0ull, ip(999)), -EEXIST);
	cr_assert_eq(t.count, 300);
	check_ok(&t);
	cr_assert_not(itree_iter_first(&t, 5, 9, &it), "nothing was added");
	cr_assert_eq(itree_insert_disjoint(&t, 5, 9, ip(1000)), 0);
	/* once spans overlap, the check falls back to a full query */
	cr_assert_eq(itree_insert(&t, 2000, 3000, ip(1001)), 0);
	cr_assert(t.overlapping);
	cr_assert_eq(itree_insert_disjoint(&t, 2995, 2995, ip(1002)), -EEXIST);
	cr_assert_eq(itree_insert_disjoint(&t, 5000, 5000, ip(1003)), 0);
	check_ok(&t);
	itree_destroy(&t);
}

Test(itree, point_spans_at_the_ends)
{
	struct itree t;
	struct itree_iter it;

	itree_init(&t);
	cr_assert_eq(itree_insert(&t, MAXU, MAXU, ip(3)), 0);
	cr_assert_eq(itree_insert(&t, 0, 0, ip(1)), 0);
	cr_assert_eq(itree_insert(&t, 5, 5, ip(2)), 0);
	check_ok(&t);

	cr_assert_not(itree_iter_first(&t, 1, 4, &it));
	cr_assert_not(itree_iter_first(&t, 6, MAXU - 1, &it));
	cr_assert(itree_iter_first(&t, 0, 0, &it) && it.item == ip(1));
	cr_assert(itree_iter_first(&t, 5, 5, &it) && it.item == ip(2));
	cr_assert(itree_iter_first(&t, 1, MAXU, &it) && it.item == ip(2));
	cr_assert(itree_iter_next(&it, 1, MAXU) && it.item == ip(3));
	cr_assert_not(itree_iter_next(&it, 1, MAXU));
	cr_assert(itree_iter_first(&t, MAXU, MAXU, &it) && it.item == ip(3));

	cr_assert(itree_find_le(&t, 0, &it) && it.item == ip(1));
	cr_assert(itree_find_le(&t, 4, &it) && it.item == ip(1));
	cr_assert(itree_find_le(&t, 5, &it) && it.item == ip(2));
	cr_assert(itree_find_le(&t, MAXU - 1, &it) && it.item == ip(2));
	cr_assert(itree_find_le(&t, MAXU, &it) && it.item == ip(3));
	cr_assert_not(itree_next(&it));
	cr_assert(itree_prev(&it) && it.item == ip(2));
	cr_assert(itree_prev(&it) && it.item == ip(1));
	cr_assert_not(itree_prev(&it));

	cr_assert(itree_remove(&t, 0, ip(1)));
	cr_assert_not(itree_find_le(&t, 4, &it));
	check_ok(&t);
	itree_destroy(&t);
}

Test(itree, equal_starts_keep_insertion_order)
{
	struct itree t;
	struct itree_iter it;
	unsigned int i, n = 300, seen;
	bool ok;

	itree_init(&t);
	cr_assert_eq(itree_insert(&t, 6, 6, ip(1000)), 0);
	cr_assert_eq(itree_insert(&t, 8, 8, ip(1001)), 0);
	/* enough duplicates to span many leaves */
	for (i = 1; i <= n; i++)
		cr_assert_eq(itree_insert(&t, 7, 7 + i % 5, ip(i)), 0);
	check_ok(&t);
	cr_assert_gt(t.height, 0, "duplicates should fill several leaves");

	cr_assert(itree_first(&t, &it) && it.item == ip(1000));
	for (i = 1; i <= n; i++)
		cr_assert(itree_next(&it) && it.start == 7 && it.item == ip(i),
			  "slot %u holds item %p", i, it.item);
	cr_assert(itree_next(&it) && it.item == ip(1001));

	/* removal by (start, item) picks the right one among equals */
	for (i = 3; i <= n; i += 3)
		cr_assert(itree_remove(&t, 7, ip(i)));
	cr_assert_not(itree_remove(&t, 7, ip(3)));
	cr_assert_not(itree_remove(&t, 7, ip(n + 1)));
	check_ok(&t);
	seen = 0;
	for (ok = itree_iter_first(&t, 7, 7, &it); ok;
	     ok = itree_iter_next(&it, 7, 7)) {
		cr_assert_eq(it.start, 7);
		cr_assert_neq((uintptr_t)it.item % 3, 0);
		seen++;
	}
	cr_assert_eq(seen, n - n / 3);

	/* find_le returns the last of the equals; new ones go after it */
	cr_assert(itree_find_le(&t, 7, &it) && it.item == ip(n - 1));
	cr_assert_eq(itree_insert(&t, 7, 7, ip(n + 5)), 0);
	cr_assert(itree_find_le(&t, 7, &it) && it.item == ip(n + 5));
	cr_assert(itree_set_last(&t, 7, ip(1), 100));
	cr_assert(itree_iter_first(&t, 50, 50, &it) && it.item == ip(1));
	check_ok(&t);
	itree_destroy(&t);
}

Test(itree, overlapping_spans)
{
	struct itree t;
	struct itree_iter it;
	static const struct {
		uint64_t s, l;
	} spans[] = { { 0, 100 }, { 10, 20 }, { 30, 40 }, { 50, 1000 },
		      { 60, 70 }, { 90, 95 }, { 200, 300 } };
	unsigned int i;

	itree_init(&t);
	for (i = 0; i < 7; i++)
		cr_assert_eq(itree_insert(&t, spans[i].s, spans[i].l, ip(i)), 0);
	check_ok(&t);

	cr_assert(itree_iter_first(&t, 45, 55, &it) && it.item == ip(0));
	cr_assert(itree_iter_next(&it, 45, 55) && it.item == ip(3));
	cr_assert_not(itree_iter_next(&it, 45, 55));
	cr_assert(itree_iter_first(&t, 101, 150, &it) && it.item == ip(3));
	cr_assert_not(itree_iter_next(&it, 101, 150));
	cr_assert(itree_iter_first(&t, 250, 250, &it) && it.item == ip(3));
	cr_assert(itree_iter_next(&it, 250, 250) && it.item == ip(6));
	cr_assert_not(itree_iter_first(&t, 1001, MAXU, &it));

	cr_assert(itree_remove(&t, 0, ip(0)));
	cr_assert(itree_iter_first(&t, 45, 55, &it) && it.item == ip(3));
	cr_assert(itree_iter_first(&t, 15, 15, &it) && it.item == ip(1));
	cr_assert_not(itree_iter_first(&t, 21, 29, &it));
	check_ok(&t);
	itree_destroy(&t);
}

/* One span covering everything must be found from any depth of the tree */
Test(itree, huge_span_among_many)
{
	struct itree t;
	struct itree_iter it;
	unsigned int i, n = 5000;

	itree_init(&t);
	fill_seq(&t, n, 16, 3);
	cr_assert_geq(t.height, 2);
	cr_assert_eq(itree_insert(&t, 8, MAXU, ip(99999)), 0);
	check_ok(&t);
	cr_assert(itree_iter_first(&t, MAXU, MAXU, &it) && it.item == ip(99999));
	cr_assert(itree_iter_first(&t, 1000, 1000, &it) && it.item == ip(99999));
	cr_assert(itree_iter_first(&t, 2, 1000, &it) && it.item == ip(1));
	cr_assert(itree_iter_next(&it, 2, 1000) && it.item == ip(99999));
	cr_assert(itree_iter_next(&it, 2, 1000) && it.start == 16);
	cr_assert(itree_iter_first(&t, 16 * (n - 1) + 10, MAXU, &it) &&
		  it.item == ip(99999));
	cr_assert_not(itree_iter_next(&it, 16 * (n - 1) + 10, MAXU));

	cr_assert(itree_set_last(&t, 8, ip(99999), 9));
	check_ok(&t);
	cr_assert_not(itree_iter_first(&t, 16 * (n - 1) + 10, MAXU, &it));
	cr_assert(itree_iter_first(&t, 1000, 1000, &it) == false);
	cr_assert(itree_iter_first(&t, 994, 994, &it) && it.start == 992 &&
		  it.item == ip(62 + 1));
	for (i = 0; i < n; i++)
		cr_assert(itree_remove(&t, i * 16, ip(i + 1)));
	cr_assert_eq(t.count, 1);
	check_ok(&t);
	cr_assert(itree_iter_first(&t, 0, MAXU, &it) && it.item == ip(99999));
	itree_destroy(&t);
}

Test(itree, walk_across_leaves)
{
	struct itree t;
	struct itree_iter it, end;
	unsigned int i, n = 2000;

	itree_init(&t);
	/* reverse order insertion: every insert lands in the first leaf */
	for (i = n; i-- > 0;)
		cr_assert_eq(itree_insert(&t, i * 10, i * 10 + 9, ip(i + 1)), 0);
	check_ok(&t);
	cr_assert_geq(t.height, 1);

	cr_assert(itree_first(&t, &it));
	for (i = 0; i < n; i++) {
		cr_assert_eq(it.start, i * 10);
		cr_assert_eq(it.item, ip(i + 1));
		if (i + 1 < n)
			cr_assert(itree_next(&it));
	}
	end = it;
	cr_assert_not(itree_next(&it));
	cr_assert(it.leaf == end.leaf && it.idx == end.idx &&
		  it.start == end.start);
	for (i = n - 1; i > 0; i--) {
		cr_assert(itree_prev(&it));
		cr_assert_eq(it.start, (i - 1) * 10);
	}
	cr_assert_not(itree_prev(&it));
	cr_assert_eq(it.start, 0);

	/* an intersection walk that crosses every leaf */
	cr_assert(itree_iter_first(&t, 5, 10 * n, &it));
	for (i = 1; i < n; i++)
		cr_assert(itree_iter_next(&it, 5, 10 * n) && it.start == i * 10);
	cr_assert_not(itree_iter_next(&it, 5, 10 * n));
	itree_destroy(&t);
}

Test(itree, set_last)
{
	struct itree t;
	struct itree_iter it;
	unsigned int n = 3000;

	itree_init(&t);
	fill_seq(&t, n, 10, 1);
	cr_assert(itree_set_last(&t, 0, ip(1), 10 * n + 50));
	check_ok(&t);
	cr_assert(itree_iter_first(&t, 10 * n + 40, 10 * n + 40, &it) &&
		  it.item == ip(1));
	cr_assert(itree_iter_first(&t, 10 * 2000, 10 * 2000, &it) &&
		  it.item == ip(1));
	cr_assert(itree_iter_next(&it, 10 * 2000, 10 * 2000) &&
		  it.item == ip(2001));
	/* shrink back: the augmentation must forget the old maximum */
	cr_assert(itree_set_last(&t, 0, ip(1), 0));
	check_ok(&t);
	cr_assert_not(itree_iter_first(&t, 10 * n, MAXU, &it));
	cr_assert(itree_iter_first(&t, 0, 0, &it) && it.item == ip(1));
	cr_assert_not(itree_iter_first(&t, 1, 9, &it));
	/* the largest last in the tree */
	cr_assert(itree_set_last(&t, 10 * (n / 2), ip(n / 2 + 1), MAXU));
	cr_assert(itree_iter_first(&t, MAXU, MAXU, &it) &&
		  it.item == ip(n / 2 + 1));
	cr_assert(itree_set_last(&t, 10 * (n / 2), ip(n / 2 + 1),
				 10 * (n / 2) + 1));
	cr_assert_not(itree_iter_first(&t, 10 * n, MAXU, &it));
	/* unchanged last is fine, missing span is not */
	cr_assert(itree_set_last(&t, 10, ip(2), 11));
	cr_assert_not(itree_set_last(&t, 10, ip(3), 11));
	cr_assert_not(itree_set_last(&t, 11, ip(2), 11));
	check_ok(&t);
	itree_destroy(&t);
}

Test(itree, find_le)
{
	struct itree t;
	struct itree_iter it;
	unsigned int i, n = 4000;

	itree_init(&t);
	fill_seq(&t, n, 100, 10);
	cr_assert(itree_find_le(&t, 0, &it) && it.start == 0);
	cr_assert(itree_remove(&t, 0, ip(1)));
	cr_assert_not(itree_find_le(&t, 99, &it));
	for (i = 1; i < n; i++) {
		cr_assert(itree_find_le(&t, i * 100, &it));
		cr_assert_eq(it.start, i * 100);
		cr_assert(itree_find_le(&t, i * 100 + 99, &it));
		cr_assert_eq(it.start, i * 100);
		if (i > 1) {
			cr_assert(itree_find_le(&t, i * 100 - 1, &it));
			cr_assert_eq(it.start, (i - 1) * 100);
		}
	}
	cr_assert(itree_find_le(&t, MAXU, &it) && it.start == (n - 1) * 100);
	itree_destroy(&t);
}

/*
 * The last insert's leaf answers lookups inside its starts without a
 * descent; removals that merge or free that leaf must not leave a lookup
 * looking at a dead block (itree_check verifies the finger too).
 */
Test(itree, lookups_after_the_last_insert_leaf_is_merged_away)
{
	struct itree t;
	struct itree_iter it;
	unsigned int i, n = 3000;

	itree_init(&t);
	for (i = 0; i < n; i++)
		cr_assert_eq(itree_insert_disjoint(&t, i * 8192ull,
						   i * 8192ull + 4095,
						   ip(i + 1)),
			     0);
	/* into the gap after span 1500: its leaf becomes the finger */
	cr_assert_eq(itree_insert_disjoint(&t, 1500 * 8192ull + 4096,
					   1500 * 8192ull + 8191, ip(n + 1)),
		     0);
	cr_assert(itree_iter_first(&t, 1500 * 8192ull + 5000,
				   1500 * 8192ull + 5000, &it));
	cr_assert_eq(it.item, ip(n + 1));
	/* empty the neighbourhood so leaves merge and blocks are freed */
	for (i = 1300; i < 1700; i++) {
		cr_assert(itree_iter_first(&t, i * 8192ull, i * 8192ull, &it));
		cr_assert_eq(it.item, ip(i + 1));
		cr_assert(itree_remove_at(&t, &it));
		if (i % 50 == 0)
			check_ok(&t);
	}
	cr_assert(itree_remove(&t, 1500 * 8192ull + 4096, ip(n + 1)));
	check_ok(&t);
	for (i = 0; i < n; i++) {
		bool present = i < 1300 || i >= 1700;

		cr_assert_eq(itree_iter_first(&t, i * 8192ull + 100,
					      i * 8192ull + 100, &it),
			     present, "span %u", i);
		if (present)
			cr_assert_eq(it.item, ip(i + 1));
	}
	for (i = 0; i < 1300; i++)
		cr_assert(itree_remove(&t, i * 8192ull, ip(i + 1)));
	for (i = 1700; i < n; i++)
		cr_assert(itree_remove(&t, i * 8192ull, ip(i + 1)));
	cr_assert(itree_empty(&t));
	check_ok(&t);
	itree_destroy(&t);
}

Test(itree, remove_everything_both_directions)
{
	struct itree t;
	unsigned int i, n = 6000;
	size_t peak;

	itree_init(&t);
	fill_seq(&t, n, 4096, 4095);
	peak = itree_memory(&t);
	for (i = 0; i < n; i++) {
		cr_assert(itree_remove(&t, (uint64_t)i * 4096, ip(i + 1)));
		if (i % 97 == 0)
			check_ok(&t);
	}
	cr_assert(itree_empty(&t));
	cr_assert_null(t.root);
	check_ok(&t);
	/* only the small spare cache may stay behind */
	cr_assert_lt(itree_memory(&t), peak / 10);

	fill_seq(&t, n, 4096, 4095);
	for (i = n; i-- > 0;) {
		cr_assert(itree_remove(&t, (uint64_t)i * 4096, ip(i + 1)));
		if (i % 89 == 0)
			check_ok(&t);
	}
	cr_assert(itree_empty(&t));
	check_ok(&t);
	itree_destroy(&t);
}

Test(itree, memory_accounting)
{
	struct itree t;
	size_t m1, m2;
	unsigned int i;

	itree_init(&t);
	cr_assert_eq(itree_memory(&t), 0);
	cr_assert_eq(itree_insert(&t, 1, 2, NULL), 0);
	m1 = itree_memory(&t);
	cr_assert_gt(m1, 0);
	fill_seq(&t, 10000, 8, 7);
	m2 = itree_memory(&t);
	cr_assert_gt(m2, m1);
	/*
	 * The budget is ~40 bytes per span. Ascending inserts (what a
	 * first-fit allocator produces) must not leave half-empty leaves.
	 */
	cr_assert_leq(m2 / t.count, 32, "%zu bytes/span", m2 / t.count);
	itree_destroy(&t);
	cr_assert_eq(itree_memory(&t), 0);

	/* random order, and after churning half of it */
	for (i = 0; i < 20000; i++) {
		uint64_t s = (uint64_t)((i * 7919u) % 20000) * 16;

		cr_assert_eq(itree_insert(&t, s, s + 15, ip(i + 1)), 0);
	}
	cr_assert_leq(itree_memory(&t) / t.count, 36, "%zu bytes/span",
		      itree_memory(&t) / t.count);
	for (i = 0; i < 20000; i += 2) {
		uint64_t s = (uint64_t)((i * 7919u) % 20000) * 16;

		cr_assert(itree_remove(&t, s, ip(i + 1)));
	}
	check_ok(&t);
	cr_assert_leq(itree_memory(&t) / t.count, 60, "%zu bytes/span",
		      itree_memory(&t) / t.count);
	itree_destroy(&t);
}

Test(itree, check_reports_damage)
{
	struct itree t;
	struct itree_leaf *first;
	char why[128] = "";

	itree_init(&t);
	fill_seq(&t, 500, 10, 1);
	t.count++;
	cr_assert_eq(itree_check(&t, why, sizeof(why)), -1);
	cr_assert(strstr(why, "count"), "why: %s", why);
	t.count--;
	check_ok(&t);
	first = t.first;
	t.first = t.last;
	cr_assert_eq(itree_check(&t, why, sizeof(why)), -1);
	cr_assert_neq(why[0], '\0');
	t.first = first;
	t.height++;
	cr_assert_eq(itree_check(&t, NULL, 0), -1, "no buffer is fine too");
	t.height--;
	check_ok(&t);
	itree_destroy(&t);
}

Test(itree, struct_can_be_moved)
{
	struct itree a, b;
	struct itree_iter it;

	/* iopt_set_allow_iova() swaps trees by value */
	itree_init(&a);
	fill_seq(&a, 1000, 10, 2);
	b = a;
	itree_init(&a);
	check_ok(&b);
	cr_assert(itree_iter_first(&b, 5002, 5005, &it) && it.start == 5000);
	cr_assert(itree_remove(&b, 5000, ip(501)));
	check_ok(&b);
	itree_destroy(&b);
	itree_destroy(&a);
}

Test(itree, enomem_leaves_tree_unchanged)
{
#if HAVE_FAIL_MALLOC
	struct itree t;
	struct itree_iter it;
	unsigned int i, n = 3000, failures = 0;
	uint64_t s;
	long budget;

	itree_init(&t);
	cr_assert_eq(itree_memory(&t), 0);
	malloc_budget = 0;
	cr_assert_eq(itree_insert(&t, 1, 1, NULL), -ENOMEM);
	malloc_budget = -1;
	cr_assert(itree_empty(&t));
	check_ok(&t);

	/*
	 * Every insert first tries with no allocations allowed, then with
	 * one, two, ... so partial reservations are undone too.
	 */
	for (i = 0; i < n; i++) {
		s = (uint64_t)((i * 7919u) % n) * 16;
		for (budget = 0;; budget++) {
			size_t before = t.count;
			int rc;

			malloc_budget = budget;
			rc = itree_insert(&t, s, s + 15, ip(i + 1));
			malloc_budget = -1;
			if (!rc)
				break;
			cr_assert_eq(rc, -ENOMEM);
			cr_assert_eq(t.count, before);
			cr_assert_not(itree_find_le(&t, s, &it) &&
				      it.start == s);
			failures++;
			check_ok(&t);
		}
		cr_assert_eq(t.count, i + 1);
	}
	check_ok(&t);
	cr_assert_gt(failures, 50, "splits should have needed malloc");
	cr_assert_geq(t.height, 2);
	for (i = 0; i < n; i++)
		cr_assert(itree_find_le(&t, (uint64_t)i * 16, &it) &&
			  it.start == (uint64_t)i * 16);

	/* removals never allocate */
	malloc_budget = 0;
	for (i = 0; i < n; i += 2) {
		s = (uint64_t)((i * 7919u) % n) * 16;
		cr_assert(itree_remove(&t, s, ip(i + 1)));
	}
	malloc_budget = -1;
	check_ok(&t);
	itree_destroy(&t);
#else
	cr_skip_test("malloc cannot be replaced under a sanitizer");
#endif
}

/* ------------------------------------------------ differential test */

/* Both builds behind one table; iterators share a layout */
union any_tree {
	struct itree real;
	struct tiny_itree tiny;
};
union any_iter {
	struct itree_iter real;
	struct tiny_itree_iter tiny;
};

struct impl {
	const char *name;
	void (*init)(union any_tree *t);
	void (*destroy)(union any_tree *t);
	int (*insert)(union any_tree *t, uint64_t s, uint64_t l, void *item);
	bool (*remove)(union any_tree *t, uint64_t s, const void *item);
	bool (*remove_at)(union any_tree *t, union any_iter *it);
	bool (*set_last)(union any_tree *t, uint64_t s, const void *item,
			 uint64_t l);
	bool (*iter_first)(union any_tree *t, uint64_t s, uint64_t l,
			   union any_iter *it);
	bool (*iter_next)(union any_iter *it, uint64_t s, uint64_t l);
	bool (*first)(union any_tree *t, union any_iter *it);
	bool (*next)(union any_iter *it);
	bool (*prev)(union any_iter *it);
	bool (*find_le)(union any_tree *t, uint64_t key, union any_iter *it);
	int (*check)(union any_tree *t, char *why, size_t len);
	size_t (*memory)(union any_tree *t);
	size_t (*count)(union any_tree *t);
	unsigned int (*height)(union any_tree *t);
	void (*get)(union any_iter *it, uint64_t *s, uint64_t *l, void **item);
};

#define IMPL(N, P, F)                                                           \
	static void N##_init(union any_tree *t) { P##itree_init(&t->F); }    \
	static void N##_destroy(union any_tree *t) { P##itree_destroy(&t->F); } \
	static int N##_insert(union any_tree *t, uint64_t s, uint64_t l,     \
			      void *item)                                    \
	{                                                                    \
		return P##itree_insert(&t->F, s, l, item);                   \
	}                                                                    \
	static bool N##_remove(union any_tree *t, uint64_t s,                \
			       const void *item)                             \
	{                                                                    \
		return P##itree_remove(&t->F, s, item);                      \
	}                                                                    \
	static bool N##_remove_at(union any_tree *t, union any_iter *it)     \
	{                                                                    \
		return P##itree_remove_at(&t->F, &it->F);                    \
	}                                                                    \
	static bool N##_set_last(union any_tree *t, uint64_t s,              \
				 const void *item, uint64_t l)               \
	{                                                                    \
		return P##itree_set_last(&t->F, s, item, l);                 \
	}                                                                    \
	static bool N##_iter_first(union any_tree *t, uint64_t s,            \
				   uint64_t l, union any_iter *it)           \
	{                                                                    \
		return P##itree_iter_first(&t->F, s, l, &it->F);             \
	}                                                                    \
	static bool N##_iter_next(union any_iter *it, uint64_t s, uint64_t l) \
	{                                                                    \
		return P##itree_iter_next(&it->F, s, l);                     \
	}                                                                    \
	static bool N##_first(union any_tree *t, union any_iter *it)         \
	{                                                                    \
		return P##itree_first(&t->F, &it->F);                        \
	}                                                                    \
	static bool N##_next(union any_iter *it) { return P##itree_next(&it->F); } \
	static bool N##_prev(union any_iter *it) { return P##itree_prev(&it->F); } \
	static bool N##_find_le(union any_tree *t, uint64_t k,               \
				union any_iter *it)                          \
	{                                                                    \
		return P##itree_find_le(&t->F, k, &it->F);                   \
	}                                                                    \
	static int N##_check(union any_tree *t, char *why, size_t len)       \
	{                                                                    \
		return P##itree_check(&t->F, why, len);                      \
	}                                                                    \
	static size_t N##_memory(union any_tree *t) { return P##itree_memory(&t->F); } \
	static size_t N##_count(union any_tree *t) { return t->F.count; }    \
	static unsigned int N##_height(union any_tree *t) { return t->F.height; } \
	static void N##_get(union any_iter *it, uint64_t *s, uint64_t *l,    \
			    void **item)                                     \
	{                                                                    \
		*s = it->F.start;                                            \
		*l = it->F.last;                                             \
		*item = it->F.item;                                          \
	}                                                                    \
	static const struct impl N##_impl = {                                \
		#F, N##_init, N##_destroy, N##_insert, N##_remove,           \
		N##_remove_at,                                               \
		N##_set_last, N##_iter_first, N##_iter_next, N##_first,      \
		N##_next, N##_prev, N##_find_le, N##_check, N##_memory,      \
		N##_count, N##_height, N##_get,                              \
	}

IMPL(real, , real);
IMPL(tiny, tiny_, tiny);

/* The naive reference: a sorted array, everything by linear scan */
struct ref_span {
	uint64_t start, last;
	void *item;
};

struct ref {
	struct ref_span *v;
	size_t n, cap;
};

static void ref_insert(struct ref *r, uint64_t s, uint64_t l, void *item)
{
	size_t i = 0;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		cr_assert_not_null(r->v);
	}
	while (i < r->n && r->v[i].start <= s)
		i++;
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
	r->v[i] = (struct ref_span){ s, l, item };
	r->n++;
}

static void ref_remove_at(struct ref *r, size_t i)
{
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
	r->n--;
}

/* Index of the next span after @from intersecting [s, l], or -1 */
static long ref_intersect(const struct ref *r, long from, uint64_t s,
			  uint64_t l)
{
	size_t i;

	for (i = (size_t)(from + 1); i < r->n; i++)
		if (r->v[i].start <= l && r->v[i].last >= s)
			return (long)i;
	return -1;
}

static long ref_find_le(const struct ref *r, uint64_t key)
{
	long found = -1;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].start <= key)
			found = (long)i;
	return found;
}

struct diff {
	const struct impl *im;
	union any_tree t;
	struct ref ref;
	uint64_t rng;
	bool overlap;
	uint64_t stride;	/* non-overlapping: slot width */
	uint64_t nslots;
	uintptr_t next_item;
	unsigned long step;
	unsigned int max_height;
};

static uint64_t rnd(struct diff *d)
{
	/* splitmix64: any seed, including 0, gives a good stream */
	uint64_t z = (d->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(struct diff *d, uint64_t n)
{
	return n ? rnd(d) % n : 0;
}

#define DIFF_FAIL(d, ...)                                                    \
	cr_assert_fail("%s tree, %s, step %lu: %s", (d)->im->name,           \
		       (d)->overlap ? "overlapping" : "disjoint", (d)->step, \
		       __VA_ARGS__)

static void expect_slot(struct diff *d, union any_iter *it, long idx,
			const char *what)
{
	uint64_t s, l;
	void *item;
	const struct ref_span *e = &d->ref.v[idx];

	d->im->get(it, &s, &l, &item);
	if (s != e->start || l != e->last || item != e->item)
		cr_assert_fail("%s tree, %s, step %lu: %s: got [%#" PRIx64
			       ", %#" PRIx64 "] %p, want [%#" PRIx64
			       ", %#" PRIx64 "] %p (index %ld)",
			       d->im->name, d->overlap ? "overlapping" : "disjoint",
			       d->step, what, s, l, item, e->start, e->last,
			       e->item, idx);
}

/* The whole tree against the reference, both directions */
static void compare_all(struct diff *d, bool backwards)
{
	union any_iter it;
	char why[256] = "";
	size_t i;

	if (d->im->check(&d->t, why, sizeof(why)))
		DIFF_FAIL(d, why);
	if (d->im->count(&d->t) != d->ref.n)
		DIFF_FAIL(d, "count differs");
	if (d->im->height(&d->t) > d->max_height)
		d->max_height = d->im->height(&d->t);
	if (!d->im->first(&d->t, &it)) {
		if (d->ref.n)
			DIFF_FAIL(d, "first() found nothing");
		return;
	}
	for (i = 0; i < d->ref.n; i++) {
		expect_slot(d, &it, (long)i, "ordered walk");
		if (d->im->next(&it) != (i + 1 < d->ref.n))
			DIFF_FAIL(d, "next() ends at the wrong place");
	}
	if (!backwards)
		return;
	for (i = d->ref.n; i-- > 0;) {
		expect_slot(d, &it, (long)i, "backward walk");
		if (d->im->prev(&it) != (i > 0))
			DIFF_FAIL(d, "prev() ends at the wrong place");
	}
}

/* A random span that fits the workload, or false if none was found */
static bool pick_span(struct diff *d, uint64_t *s, uint64_t *l)
{
	int tries;

	if (d->overlap) {
		/* few distinct starts so equal starts are common */
		*s = rnd_below(d, 64 + d->ref.n / 2) * 1000;
		switch (rnd_below(d, 8)) {
		case 0:
			*l = MAXU - rnd_below(d, 2);
			break;
		case 1:
			*l = *s;
			break;
		default:
			*l = *s + rnd_below(d, 40000);
		}
		if (rnd_below(d, 64) == 0)
			*s = *l = rnd_below(d, 2) ? 0 : MAXU;
		return true;
	}
	for (tries = 0; tries < 8; tries++) {
		uint64_t slot = rnd_below(d, d->nslots);

		*s = slot * d->stride + rnd_below(d, 3);
		*l = slot == d->nslots - 1 && rnd_below(d, 2) ?
			     MAXU :
			     *s + rnd_below(d, d->stride - 3);
		if (ref_intersect(&d->ref, -1, *s, *l) < 0)
			return true;
	}
	return false;
}

static void op_insert(struct diff *d)
{
	union any_iter it;
	uint64_t s, l;
	void *item;

	if (!pick_span(d, &s, &l))
		return;
	/* non-overlapping users check first, as iopt does */
	if (!d->overlap && d->im->iter_first(&d->t, s, l, &it))
		DIFF_FAIL(d, "free range reported busy");
	item = ip(++d->next_item);
	if (d->im->insert(&d->t, s, l, item))
		DIFF_FAIL(d, "insert failed");
	ref_insert(&d->ref, s, l, item);
}

static void op_remove(struct diff *d)
{
	size_t i;

	if (!d->ref.n || rnd_below(d, 16) == 0) {
		/* absent: right start wrong item, or unknown start */
		uint64_t s = d->ref.n ? d->ref.v[rnd_below(d, d->ref.n)].start :
					rnd(d);

		if (d->im->remove(&d->t, s, ip(d->next_item + 1)))
			DIFF_FAIL(d, "removed an absent span");
		return;
	}
	i = rnd_below(d, d->ref.n);
	if (rnd_below(d, 2)) {
		/* found by a lookup, removed where the lookup stopped */
		uint64_t s = d->ref.v[i].start, gs, gl;
		union any_iter it;
		void *gi = NULL;
		bool on = d->im->iter_first(&d->t, s, s, &it);

		while (on) {
			d->im->get(&it, &gs, &gl, &gi);
			if (gs == s && gi == d->ref.v[i].item)
				break;
			on = d->im->iter_next(&it, s, s);
		}
		if (!on)
			DIFF_FAIL(d, "lookup missed a present span");
		if (!d->im->remove_at(&d->t, &it))
			DIFF_FAIL(d, "remove_at failed");
	} else if (!d->im->remove(&d->t, d->ref.v[i].start,
				  d->ref.v[i].item)) {
		DIFF_FAIL(d, "remove missed a present span");
	}
	ref_remove_at(&d->ref, i);
}

static void op_set_last(struct diff *d)
{
	struct ref_span *e;
	uint64_t l, room;
	size_t i;

	if (!d->ref.n)
		return;
	i = rnd_below(d, d->ref.n);
	e = &d->ref.v[i];
	if (d->overlap) {
		room = rnd_below(d, 4) ? rnd_below(d, 50000) : MAXU;
		l = room > MAXU - e->start ? MAXU : e->start + room;
	} else {
		/* stay clear of the next span */
		room = i + 1 < d->ref.n ? d->ref.v[i + 1].start - e->start - 1 :
					  MAXU - e->start;
		l = e->start + (rnd_below(d, 4) ? rnd_below(d, room / 2 + 1) :
						  room);
	}
	if (!d->im->set_last(&d->t, e->start, e->item, l))
		DIFF_FAIL(d, "set_last missed a present span");
	e->last = l;
}

static void op_query(struct diff *d)
{
	union any_iter it;
	uint64_t s, l, span = d->overlap ? 1000 * (64 + d->ref.n / 2) :
					    d->stride * d->nslots;
	long want;
	unsigned int k;
	bool got;

	s = rnd_below(d, span);
	l = s + rnd_below(d, span / 8 + 1);
	switch (rnd_below(d, 6)) {
	case 0:
		s = 0;
		break;
	case 1:
		l = MAXU;
		break;
	case 2:
		if (d->ref.n) {
			/* exactly on a stored span's edges */
			const struct ref_span *e = &d->ref.v[rnd_below(d, d->ref.n)];

			s = rnd_below(d, 2) ? e->last : e->start;
			l = rnd_below(d, 2) ? s : e->last;
		}
		break;
	case 3:
		l = s;
		break;
	}
	want = ref_intersect(&d->ref, -1, s, l);
	got = d->im->iter_first(&d->t, s, l, &it);
	/* bound the walk so big overlapping trees stay affordable */
	for (k = 0; k < 16; k++) {
		if (got != (want >= 0))
			DIFF_FAIL(d, got ? "iter found a span that is not there" :
					   "iter missed an intersecting span");
		if (!got)
			break;
		expect_slot(d, &it, want, "iter_first/iter_next");
		want = ref_intersect(&d->ref, want, s, l);
		got = d->im->iter_next(&it, s, l);
	}
}

static void op_find_le(struct diff *d)
{
	union any_iter it;
	uint64_t key;
	long want;

	switch (rnd_below(d, 4)) {
	case 0:
		key = rnd_below(d, 2) ? 0 : MAXU;
		break;
	case 1:
		key = d->ref.n ? d->ref.v[rnd_below(d, d->ref.n)].start -
					 rnd_below(d, 2) :
				 rnd(d);
		break;
	default:
		key = rnd(d) >> rnd_below(d, 64);
	}
	want = ref_find_le(&d->ref, key);
	if (d->im->find_le(&d->t, key, &it) != (want >= 0))
		DIFF_FAIL(d, "find_le presence differs");
	if (want >= 0)
		expect_slot(d, &it, want, "find_le");
}

/* Random steps in three phases: grow to @target, churn, shrink to empty */
static void diff_run(const struct impl *im, bool overlap, uint64_t seed,
		     size_t target, unsigned int min_height)
{
	struct diff *d = calloc(1, sizeof(*d));
	unsigned long churn = 3 * target;
	int phase;

	cr_assert_not_null(d);
	d->im = im;
	d->rng = seed;
	d->overlap = overlap;
	d->nslots = 4 * target;
	d->stride = MAXU / d->nslots;
	im->init(&d->t);
	compare_all(d, true);

	for (phase = 0; phase < 3; phase++) {
		unsigned long done = 0;

		for (;;) {
			unsigned int r = (unsigned int)rnd_below(d, 100);
			/* insert share: grow 65%, churn 35%, shrink 15% */
			unsigned int ins = phase == 0 ? 65 : phase == 1 ? 35 : 15;

			if (phase == 0 && d->ref.n >= target)
				break;
			if (phase == 1 && done++ >= churn)
				break;
			if (phase == 2 && !d->ref.n)
				break;
			d->step++;
			if (r < ins)
				op_insert(d);
			else if (r < 70)
				op_remove(d);
			else if (r < 78)
				op_set_last(d);
			else if (r < 92)
				op_query(d);
			else
				op_find_le(d);
			compare_all(d, d->step % 16 == 0);
		}
	}
	cr_assert_geq(d->max_height, min_height,
		      "%s tree only reached height %u", im->name, d->max_height);
	compare_all(d, true);
	im->destroy(&d->t);
	cr_assert_eq(im->memory(&d->t), 0);
	free(d->ref.v);
	free(d);
}

static void diff_all(uint64_t seed)
{
	/* height 2 is three levels; the 4-slot tree goes much deeper */
	diff_run(&real_impl, false, seed, 3000, 2);
	diff_run(&real_impl, true, seed + 1, 3000, 2);
	diff_run(&tiny_impl, false, seed + 2, 1500, 6);
	diff_run(&tiny_impl, true, seed + 3, 1500, 6);
}

Test(itree, differential_fixed_seed)
{
	diff_all(0x1d2c3b4a59687766ull);
}

Test(itree, differential_env_seed)
{
	const char *env = getenv("MODEL_TEST_SEED");
	uint64_t seed;

	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec;
	}
	cr_log_info("itree differential seed: MODEL_TEST_SEED=%#" PRIx64, seed);
	diff_all(seed);
}
