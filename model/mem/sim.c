/* SPDX-License-Identifier: MIT */
/*
 * Simulated user memory: a sparse fake address space for replaying a trace
 * without the process that recorded it.
 *
 * Three structures, each sized by what is live rather than by addresses:
 *  - `va`: page number -> page, for pages currently at a user address;
 *  - `pinned`: PFN -> page, for pages holding pins. A pinned page stays
 *    here after remove_range() takes it out of `va`, the way a pinned page
 *    outlives munmap of its VMA, so unpin and DMA by PFN still find it;
 *  - `ranges`: sorted, disjoint page ranges declared by add_range(), which
 *    decide what exists in strict mode and what is read-only in either mode.
 *
 * Both maps are open-addressing hash tables with linear probing and
 * backward-shift deletion (no tombstones, so lookups stay short however
 * much a long trace churns). A page's 4 KiB of data is allocated only on
 * the first write to it: a page that was only read or pinned reads as
 * zeros, which keeps huge pinned-but-untouched mappings cheap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <iommufd/mem.h>

#include "sim_internal.h"

#define SIM_PAGE_SHIFT IOMMUFD_MEM_SIM_PAGE_SHIFT
#define SIM_PAGE_SIZE IOMMUFD_MEM_SIM_PAGE_SIZE
#define SIM_PAGE_MASK (SIM_PAGE_SIZE - 1)
/* Highest page number: the page holding byte 2^64 - 1 */
#define PGNO_MAX (UINT64_MAX >> SIM_PAGE_SHIFT)

#define MAP_MIN_CAP 64

struct sim_page {
	uint64_t pgno; /* where it was created; meaningful while mapped */
	uint64_t pfn;
	uint64_t pins;
	unsigned char *data; /* NULL: never written, all zeros */
	bool mapped;	     /* still reachable through `va` */
};

struct sim_slot {
	uint64_t key;
	struct sim_page *page; /* NULL: empty slot */
};

struct sim_map {
	struct sim_slot *slot;
	uint64_t mask; /* capacity - 1; capacity is a power of two */
	uint64_t count;
	unsigned int shift; /* 64 - log2(capacity), for Fibonacci hashing */
};

struct sim_range {
	uint64_t start, end; /* page numbers, end exclusive */
	bool writable;
};

struct iommufd_mem_sim {
	struct sim_map va;
	struct sim_map pinned;
	struct sim_range *ranges;
	size_t nranges, ranges_cap;
	uint64_t next_pfn;
	uint64_t npages;    /* pages in existence, mapped or only pinned */
	uint64_t max_pages; /* 0: no limit */
	bool strict;
};

/* ------------------------------------------------------------ hash map */

/*
 * Keys are page numbers and PFNs, both mostly consecutive: Fibonacci
 * hashing spreads runs of consecutive keys evenly where masking the low
 * bits would pile them into one long probe cluster.
 */
static uint64_t map_home(const struct sim_map *m, uint64_t key)
{
	return (key * 0x9e3779b97f4a7c15ULL) >> m->shift;
}

static uint64_t map_capacity(const struct sim_map *m)
{
	return m->slot ? m->mask + 1 : 0;
}

/* Slot index of @key, or UINT64_MAX */
static uint64_t map_find(const struct sim_map *m, uint64_t key)
{
	uint64_t i;

	if (!m->slot)
		return UINT64_MAX;
	/* Load factor <= 1/2 guarantees an empty slot ends the probe */
	for (i = map_home(m, key);; i = (i + 1) & m->mask) {
		if (!m->slot[i].page)
			return UINT64_MAX;
		if (m->slot[i].key == key)
			return i;
	}
}

static struct sim_page *map_get(const struct sim_map *m, uint64_t key)
{
	uint64_t i = map_find(m, key);

	return i == UINT64_MAX ? NULL : m->slot[i].page;
}

/* Caller guarantees @key is absent and capacity was reserved */
static void map_put(struct sim_map *m, uint64_t key, struct sim_page *p)
{
	uint64_t i = map_home(m, key);

	while (m->slot[i].page)
		i = (i + 1) & m->mask;
	m->slot[i].key = key;
	m->slot[i].page = p;
	m->count++;
}

/*
 * Make room for @extra more entries so that the inserts that follow
 * cannot fail; callers reserve before changing anything, which is what
 * makes pin all-or-nothing even under ENOMEM.
 */
static int map_reserve(struct sim_map *m, uint64_t extra)
{
	uint64_t cap = map_capacity(m), need, ncap, i;
	unsigned int shift = 64;
	struct sim_map n;

	if (extra > UINT64_MAX / 4 - m->count)
		return -ENOMEM;
	need = m->count + extra;
	if (need <= cap / 2)
		return 0;
	for (ncap = MAP_MIN_CAP; ncap / 2 < need; ncap *= 2)
		;
	if (ncap > SIZE_MAX / sizeof(struct sim_slot))
		return -ENOMEM;
	for (i = ncap; i > 1; i >>= 1)
		shift--;

	n.slot = calloc(ncap, sizeof(struct sim_slot));
	if (!n.slot)
		return -ENOMEM;
	n.mask = ncap - 1;
	n.count = 0;
	n.shift = shift;
	for (i = 0; i < cap; i++)
		if (m->slot[i].page)
			map_put(&n, m->slot[i].key, m->slot[i].page);
	free(m->slot);
	*m = n;
	return 0;
}

/*
 * Backward-shift deletion: pull later members of the probe cluster into
 * the hole when their home allows it, so no tombstone is left behind.
 * Entries only ever move from a later slot (cyclically) into the hole.
 */
static void map_del_at(struct sim_map *m, uint64_t hole)
{
	uint64_t j = hole;

	for (;;) {
		uint64_t home;

		j = (j + 1) & m->mask;
		if (!m->slot[j].page)
			break;
		home = map_home(m, m->slot[j].key);
		/* Movable iff its home is not cyclically inside (hole, j] */
		if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
			m->slot[hole] = m->slot[j];
			hole = j;
		}
	}
	m->slot[hole].page = NULL;
	m->count--;
}

static void map_del(struct sim_map *m, uint64_t key)
{
	uint64_t i = map_find(m, key);

	if (i != UINT64_MAX)
		map_del_at(m, i);
}

/* ------------------------------------------------------------ ranges */

/* Index of the first range ending after page @pg (nranges if none) */
static size_t range_find(const struct iommufd_mem_sim *sim, uint64_t pg)
{
	size_t lo = 0, hi = sim->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sim->ranges[mid].end > pg)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Merge ranges[i - 1] and ranges[i] when they touch and agree */
static void range_merge_at(struct iommufd_mem_sim *sim, size_t i)
{
	struct sim_range *r = sim->ranges;

	if (i == 0 || i >= sim->nranges || r[i - 1].end != r[i].start ||
	    r[i - 1].writable != r[i].writable)
		return;
	r[i - 1].end = r[i].end;
	memmove(&r[i], &r[i + 1], (sim->nranges - i - 1) * sizeof(*r));
	sim->nranges--;
}

/*
 * Make pages [start, end) absent from the range set (@mode < 0) or one
 * range with writability @mode, whatever was there before, as
 * mmap(MAP_FIXED)/munmap do to VMAs. Only fails (with nothing changed) on
 * ENOMEM.
 */
static int ranges_set(struct iommufd_mem_sim *sim, uint64_t start,
		      uint64_t end, int mode)
{
	size_t i = range_find(sim, start), j = i, k = 0, n;
	struct sim_range repl[3];

	while (j < sim->nranges && sim->ranges[j].start < end)
		j++;
	/* [i, j) overlap; keep their parts outside [start, end) */
	if (i < j && sim->ranges[i].start < start)
		repl[k++] = (struct sim_range){ sim->ranges[i].start, start,
						sim->ranges[i].writable };
	if (mode >= 0)
		repl[k++] = (struct sim_range){ start, end, mode > 0 };
	if (i < j && sim->ranges[j - 1].end > end)
		repl[k++] = (struct sim_range){ end, sim->ranges[j - 1].end,
						sim->ranges[j - 1].writable };

	/* Nothing to do; also keeps a still-NULL array away from memmove */
	if (i == j && !k)
		return 0;
	n = sim->nranges - (j - i) + k;
	if (n > sim->ranges_cap) {
		size_t ncap = sim->ranges_cap ? sim->ranges_cap * 2 : 16;
		struct sim_range *nr;

		if (ncap > SIZE_MAX / sizeof(*nr))
			return -ENOMEM;
		nr = realloc(sim->ranges, ncap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		sim->ranges = nr;
		sim->ranges_cap = ncap;
	}
	memmove(&sim->ranges[i + k], &sim->ranges[j],
		(sim->nranges - j) * sizeof(*sim->ranges));
	memcpy(&sim->ranges[i], repl, k * sizeof(*repl));
	sim->nranges = n;

	/*
	 * A trace maps neighbouring buffers one by one; coalescing keeps the
	 * set (and the binary search) as small as the distinct regions.
	 * Downwards, so a merge does not shift the indexes still to visit.
	 */
	for (n = i + k; n >= i && n > 0; n--)
		range_merge_at(sim, n);
	return 0;
}

/*
 * The first page of [first, last] that is missing (or read-only when
 * @write), last + 1 if there is none. Walks ranges and gaps, not pages.
 */
static uint64_t span_first_bad(const struct iommufd_mem_sim *sim,
			       uint64_t first, uint64_t last, bool write)
{
	size_t i = range_find(sim, first);
	uint64_t pg = first;

	for (;;) {
		const struct sim_range *r =
			i < sim->nranges ? &sim->ranges[i] : NULL;
		uint64_t stop; /* last page of the stretch that holds pg */

		if (r && r->start <= pg) {
			if (write && !r->writable)
				return pg;
			stop = r->end - 1;
			i++;
		} else {
			/* A gap: nothing in strict mode, page 0 never */
			if (sim->strict || pg == 0)
				return pg;
			stop = r ? r->start - 1 : PGNO_MAX;
		}
		if (stop >= last)
			return last + 1;
		pg = stop + 1;
	}
}

/* Are pages [first, last] all present (and writable when @write)? */
static bool span_ok(const struct iommufd_mem_sim *sim, uint64_t first,
		    uint64_t last, bool write)
{
	return span_first_bad(sim, first, last, write) > last;
}

/* Page span of [uva, uva+len), len > 0; false if it wraps past 2^64 */
static bool byte_span(uint64_t uva, uint64_t len, uint64_t *first,
		      uint64_t *last)
{
	if (len - 1 > UINT64_MAX - uva)
		return false;
	*first = uva >> SIM_PAGE_SHIFT;
	*last = (uva + len - 1) >> SIM_PAGE_SHIFT;
	return true;
}

/* ------------------------------------------------------------ pages */

static void page_free(struct iommufd_mem_sim *sim, struct sim_page *p)
{
	sim->npages--;
	free(p->data);
	free(p);
}

/* The page at @pg, materialised (zero, with a fresh PFN) if absent */
static struct sim_page *page_get(struct iommufd_mem_sim *sim, uint64_t pg)
{
	struct sim_page *p = map_get(&sim->va, pg);

	if (p)
		return p;
	if ((sim->max_pages && sim->npages >= sim->max_pages) ||
	    map_reserve(&sim->va, 1))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	sim->npages++;
	p->pgno = pg;
	p->pfn = sim->next_pfn++;
	p->mapped = true;
	map_put(&sim->va, pg, p);
	return p;
}

static unsigned char *page_data(struct sim_page *p)
{
	if (!p->data)
		p->data = calloc(1, SIM_PAGE_SIZE);
	return p->data;
}

/*
 * Take the page out of the address space. A pinned page lives on in
 * `pinned` until its last unpin, like a page pinned past munmap.
 */
static void page_unmap_at(struct iommufd_mem_sim *sim, uint64_t slot)
{
	struct sim_page *p = sim->va.slot[slot].page;

	map_del_at(&sim->va, slot);
	p->mapped = false;
	if (!p->pins)
		page_free(sim, p);
}

/* ------------------------------------------------------------ provider */

/* Bytes of [uva, uva+len) that fall in uva's page */
static size_t page_chunk(uint64_t uva, size_t len)
{
	uint64_t room = SIM_PAGE_SIZE - (uva & SIM_PAGE_MASK);

	return len < room ? len : (size_t)room;
}

static int sim_read(void *priv, void *dst, uint64_t uva, size_t len)
{
	const struct iommufd_mem_sim *sim = priv;
	unsigned char *out = dst;
	uint64_t first, last;

	if (!len)
		return 0;
	if (!byte_span(uva, len, &first, &last) ||
	    !span_ok(sim, first, last, false))
		return -EFAULT;

	/* Reading does not materialise: an absent page reads as zeros anyway */
	while (len) {
		uint64_t off = uva & SIM_PAGE_MASK;
		size_t chunk = page_chunk(uva, len);
		const struct sim_page *p =
			map_get(&sim->va, uva >> SIM_PAGE_SHIFT);

		if (p && p->data)
			memcpy(out, p->data + off, chunk);
		else
			memset(out, 0, chunk);
		out += chunk;
		uva += chunk;
		len -= chunk;
	}
	return 0;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	return !len || (!p[0] && !memcmp(p, p + 1, len - 1));
}

/*
 * Only written pages can hold a non-zero byte. When the range spans more
 * pages than have ever been written, walk the written pages instead of the
 * range, so a 4 GiB check of untouched memory costs nothing.
 */
static int sim_check_zeroed(void *priv, uint64_t uva, uint64_t len)
{
	const struct iommufd_mem_sim *sim = priv;
	uint64_t first, last;

	if (!len)
		return 1;
	if (!byte_span(uva, len, &first, &last) ||
	    !span_ok(sim, first, last, false))
		return -EFAULT;
	if (last - first >= sim->va.count) {
		for (uint64_t i = 0; i <= sim->va.mask; i++) {
			const struct sim_page *p = sim->va.slot[i].page;
			uint64_t pg = sim->va.slot[i].key;
			uint64_t lo, hi;

			if (!p || !p->data || pg < first || pg > last)
				continue;
			lo = pg == first ? (uva & SIM_PAGE_MASK) : 0;
			hi = pg == last ? ((uva + len - 1) & SIM_PAGE_MASK) :
					  SIM_PAGE_SIZE - 1;
			if (!all_zero(p->data + lo, hi - lo + 1))
				return 0;
		}
		return 1;
	}
	while (len) {
		size_t chunk = page_chunk(uva, len);
		const struct sim_page *p =
			map_get(&sim->va, uva >> SIM_PAGE_SHIFT);

		if (p && p->data &&
		    !all_zero(p->data + (uva & SIM_PAGE_MASK), chunk))
			return 0;
		uva += chunk;
		len -= chunk;
	}
	return 1;
}

static int sim_write(void *priv, uint64_t uva, const void *src, size_t len)
{
	struct iommufd_mem_sim *sim = priv;
	const unsigned char *in = src;
	uint64_t first, last, pg;

	if (!len)
		return 0;
	if (!byte_span(uva, len, &first, &last) ||
	    !span_ok(sim, first, last, true))
		return -EFAULT;

	/*
	 * Allocate every page first so that running out of memory fails
	 * before a byte is stored; the pages materialised meanwhile are
	 * harmless, they would have appeared on the next touch anyway.
	 */
	for (pg = first;; pg++) {
		struct sim_page *p = page_get(sim, pg);

		if (!p || !page_data(p))
			return -ENOMEM;
		if (pg == last)
			break;
	}

	while (len) {
		uint64_t off = uva & SIM_PAGE_MASK;
		size_t chunk = page_chunk(uva, len);
		struct sim_page *p = map_get(&sim->va, uva >> SIM_PAGE_SHIFT);

		memcpy(p->data + off, in, chunk);
		in += chunk;
		uva += chunk;
		len -= chunk;
	}
	return 0;
}

static int sim_pin(void *priv, uint64_t uva, size_t npages, bool write,
		   uint64_t *pfns)
{
	struct iommufd_mem_sim *sim = priv;
	uint64_t first = uva >> SIM_PAGE_SHIFT, i;

	if (!npages)
		return 0;
	if (uva & SIM_PAGE_MASK)
		return -EINVAL;
	if (npages - 1 > PGNO_MAX - first ||
	    !span_ok(sim, first, first + npages - 1, write))
		return -EFAULT;

	/* Everything that can fail happens before the first pin is taken */
	if ((sim->max_pages && npages > sim->max_pages) ||
	    map_reserve(&sim->pinned, npages))
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		struct sim_page *p = page_get(sim, first + i);

		if (!p)
			return -ENOMEM;
		pfns[i] = p->pfn;
	}

	for (i = 0; i < npages; i++) {
		struct sim_page *p = map_get(&sim->va, first + i);

		if (!p->pins++)
			map_put(&sim->pinned, p->pfn, p);
	}
	return 0;
}

/*
 * An unknown PFN or a page with no pins left is an unbalanced unpin by the
 * caller; the kernel would WARN, a pure model has nowhere to say so and
 * must not corrupt itself, so it is ignored.
 */
static void sim_unpin(void *priv, const uint64_t *pfns, size_t npages)
{
	struct iommufd_mem_sim *sim = priv;
	size_t i;

	for (i = 0; i < npages; i++) {
		struct sim_page *p = map_get(&sim->pinned, pfns[i]);

		if (!p || --p->pins)
			continue;
		map_del(&sim->pinned, pfns[i]);
		if (!p->mapped)
			page_free(sim, p);
	}
}

static uint64_t sim_present(void *priv, uint64_t uva, uint64_t len)
{
	uint64_t first, last, bad;

	if (!len || !byte_span(uva, len, &first, &last))
		return 0;
	bad = span_first_bad(priv, first, last, false);
	if (bad > last)
		return len;
	return bad == first ? 0 : (bad << SIM_PAGE_SHIFT) - uva;
}

static void *sim_pinned_page(void *priv, uint64_t pfn)
{
	return iommufd_mem_sim_page_data(priv, pfn);
}

static const struct iommufd_mem_ops sim_ops = {
	.check_zeroed = sim_check_zeroed,
	.read = sim_read,
	.write = sim_write,
	.pin = sim_pin,
	.unpin = sim_unpin,
	.pinned_page = sim_pinned_page,
	.present = sim_present,
};

/* ------------------------------------------------------------ public API */

struct iommufd_mem_sim *iommufd_mem_sim_new(void)
{
	struct iommufd_mem_sim *sim = calloc(1, sizeof(*sim));

	if (sim)
		sim->next_pfn = IOMMUFD_MEM_SIM_PFN_BASE;
	return sim;
}

void iommufd_mem_sim_set_max_pages(struct iommufd_mem_sim *sim, uint64_t max)
{
	sim->max_pages = max;
}

void iommufd_mem_sim_free(struct iommufd_mem_sim *sim)
{
	uint64_t i;

	if (!sim)
		return;
	/*
	 * Unmapped pinned pages first: the mapped ones are reached (and
	 * freed) through `va`, and `pinned` must not be read after that.
	 */
	for (i = 0; i < map_capacity(&sim->pinned); i++) {
		struct sim_page *p = sim->pinned.slot[i].page;

		if (p && !p->mapped)
			page_free(sim, p);
	}
	for (i = 0; i < map_capacity(&sim->va); i++)
		if (sim->va.slot[i].page)
			page_free(sim, sim->va.slot[i].page);
	free(sim->pinned.slot);
	free(sim->va.slot);
	free(sim->ranges);
	free(sim);
}

struct iommufd_mem iommufd_mem_sim_provider(struct iommufd_mem_sim *sim)
{
	return (struct iommufd_mem){ .ops = &sim_ops, .priv = sim };
}

/*
 * Pages materialised outside any range stay in `va` when strict mode is
 * switched on: they are merely unreachable, and come back with their data
 * and PFN if it is switched off again.
 */
void iommufd_mem_sim_set_strict(struct iommufd_mem_sim *sim, bool strict)
{
	sim->strict = strict;
}

/*
 * Like mprotect rather than a fresh mmap: pages already materialised in the
 * range keep their data and PFN; only presence and writability change.
 * The range is widened to whole pages.
 */
int iommufd_mem_sim_add_range(struct iommufd_mem_sim *sim, uint64_t uva,
			      uint64_t len, bool writable)
{
	uint64_t first, last;

	if (!len)
		return 0;
	if (!byte_span(uva, len, &first, &last))
		return -EINVAL;
	return ranges_set(sim, first, last + 1, writable);
}

int iommufd_mem_sim_remove_range(struct iommufd_mem_sim *sim, uint64_t uva,
				 uint64_t len)
{
	uint64_t first, last, pg, i;
	int rc;

	if (!len)
		return 0;
	if (!byte_span(uva, len, &first, &last))
		return -EINVAL;
	rc = ranges_set(sim, first, last + 1, -1);
	if (rc)
		return rc;

	/*
	 * Visit whichever is smaller, the page numbers or the table, so that
	 * removing a huge sparse range costs no more than the pages it holds.
	 */
	if (last - first < map_capacity(&sim->va)) {
		for (pg = first;; pg++) {
			i = map_find(&sim->va, pg);
			if (i != UINT64_MAX)
				page_unmap_at(sim, i);
			if (pg == last)
				break;
		}
		return 0;
	}
	for (i = 0; i < map_capacity(&sim->va);) {
		const struct sim_page *p = sim->va.slot[i].page;

		/*
		 * Do not advance after a deletion: the backward shift may
		 * have pulled a not yet visited entry into slot i. Entries
		 * only move backwards, so none skips past the scan; the ones
		 * that wrap around from the start were already visited and
		 * kept, so seeing them again is harmless.
		 */
		if (p && p->pgno >= first && p->pgno <= last)
			page_unmap_at(sim, i);
		else
			i++;
	}
	return 0;
}

uint64_t iommufd_mem_sim_pin_count(const struct iommufd_mem_sim *sim,
				   uint64_t uva)
{
	const struct sim_page *p = map_get(&sim->va, uva >> SIM_PAGE_SHIFT);

	return p ? p->pins : 0;
}

/* ------------------------------------------------------------ internal API */

void *iommufd_mem_sim_page_data(struct iommufd_mem_sim *sim, uint64_t pfn)
{
	struct sim_page *p = map_get(&sim->pinned, pfn);

	return p ? page_data(p) : NULL;
}

uint64_t iommufd_mem_sim_pfn_pins(const struct iommufd_mem_sim *sim,
				  uint64_t pfn)
{
	const struct sim_page *p = map_get(&sim->pinned, pfn);

	return p ? p->pins : 0;
}

uint64_t iommufd_mem_sim_npages_mapped(const struct iommufd_mem_sim *sim)
{
	return sim->va.count;
}

uint64_t iommufd_mem_sim_npages_pinned(const struct iommufd_mem_sim *sim)
{
	return sim->pinned.count;
}
