// SPDX-License-Identifier: MIT
/*
 * The automatic IOVA allocator, iopt_alloc_iova() of
 * drivers/iommu/iommufd/io_pagetable.c, reproduced step for step because
 * userspace sees its choices: the same calls must get the same IOVAs.
 *
 *  1. The alignment is the length rounded up to a power of two, lowered to
 *     the lowest set bit of the user VA (to keep THP-friendly alignment),
 *     capped at HPAGE_SIZE, and must not be below the IOAS alignment.
 *  2. Windows are the maximal runs of allowed ranges (adjacent ranges merge)
 *     clipped to [PAGE_SIZE, ULONG_MAX - PAGE_SIZE], or that whole interval
 *     when no range is allowed: the first and last page are never handed out.
 *  3. In each window, in ascending order, the holes of reserved + areas
 *     (again maximal) are tried; the first that fits wins.
 *  4. "Fits" aligns the start up and then ORs in the user VA's offset in its
 *     page (an OR, not an add), and needs the result strictly below the
 *     hole's last byte with room for the length.
 *
 * A subtle point kept on purpose: the window's start is aligned before the
 * holes are searched, so holes are clipped to the aligned window start.
 */
#include <errno.h>

#include "iopt/io_pagetable.h"

static bool check_range(uint64_t *start, uint64_t last, uint64_t length,
			uint64_t alignment, uint64_t page_offset)
{
	uint64_t aligned;

	if (__builtin_add_overflow(*start, alignment - 1, &aligned))
		return false;
	aligned &= ~(alignment - 1);
	aligned |= page_offset;
	if (aligned >= last || last - aligned < length - 1)
		return false;
	*start = aligned;
	return true;
}

static uint64_t roundup_pow_of_two(uint64_t x)
{
	return x <= 1 ? 1 : 1ull << (64 - __builtin_clzll(x - 1));
}

/*
 * Walk the holes of (reserved U areas) inside [start, last] in ascending
 * order, merging the two trees on the fly. Reserved ranges may overlap one
 * another; areas never do.
 */
static bool search_window(const struct io_pagetable *iopt, uint64_t start,
			  uint64_t last, uint64_t length, uint64_t alignment,
			  uint64_t page_offset, uint64_t *iova)
{
	struct itree_iter ait, rit;
	bool have_a, have_r;
	uint64_t cursor = start;

	have_a = itree_iter_first(&iopt->area_itree, start, last, &ait);
	have_r = itree_iter_first(&iopt->reserved_itree, start, last, &rit);
	for (;;) {
		uint64_t s, l, hole_start;
		bool from_area;

		if (!have_a && !have_r) {
			hole_start = cursor;
			if (check_range(&hole_start, last, length, alignment,
					page_offset)) {
				*iova = hole_start;
				return true;
			}
			return false;
		}
		from_area = have_a && (!have_r || ait.start <= rit.start);
		s = from_area ? ait.start : rit.start;
		l = from_area ? ait.last : rit.last;
		if (s > cursor) {
			hole_start = cursor;
			if (check_range(&hole_start, s - 1, length, alignment,
					page_offset)) {
				*iova = hole_start;
				return true;
			}
		}
		if (l >= last)
			return false;
		if (l + 1 > cursor)
			cursor = l + 1;
		if (from_area)
			have_a = itree_iter_next(&ait, start, last);
		else
			have_r = itree_iter_next(&rit, start, last);
	}
}

int iopt_alloc_iova(struct io_pagetable *iopt, uint64_t *iova, uint64_t uptr,
		    uint64_t length)
{
	const uint64_t lo = IOPT_PAGE_SIZE, hi = IOPT_ULONG_MAX - IOPT_PAGE_SIZE;
	uint64_t page_offset = uptr % IOPT_PAGE_SIZE;
	uint64_t alignment;
	struct itree_iter it;
	bool ok;

	/* roundup_pow_of_two() must not overflow */
	if (length == 0 || length >= IOPT_ULONG_MAX / 2)
		return -EOVERFLOW;

	alignment = roundup_pow_of_two(length);
	if (uptr && (1ull << __builtin_ctzll(uptr)) < alignment)
		alignment = 1ull << __builtin_ctzll(uptr);
	if (alignment >= IOPT_HPAGE_SIZE)
		alignment = IOPT_HPAGE_SIZE;
	if (alignment < iopt->iova_alignment)
		return -EINVAL;

	if (itree_empty(&iopt->allowed_itree)) {
		uint64_t start = lo;

		if (check_range(&start, hi, length, alignment, page_offset) &&
		    search_window(iopt, start, hi, length, alignment,
				  page_offset, iova))
			return 0;
		return -ENOSPC;
	}

	/* Maximal runs of allowed ranges, clipped to [lo, hi] */
	ok = itree_iter_first(&iopt->allowed_itree, lo, hi, &it);
	while (ok) {
		uint64_t start = it.start < lo ? lo : it.start;
		uint64_t last = it.last;

		while ((ok = itree_iter_next(&it, lo, hi)) && last != UINT64_MAX &&
		       it.start <= last + 1)
			if (it.last > last)
				last = it.last;
		if (last > hi)
			last = hi;
		if (check_range(&start, last, length, alignment, page_offset) &&
		    search_window(iopt, start, last, length, alignment,
				  page_offset, iova))
			return 0;
	}
	return -ENOSPC;
}
