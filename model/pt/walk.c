// SPDX-License-Identifier: MIT
/*
 * The one walker every format shares. Formats only encode and decode
 * entries; everything about levels, replicas, growth and the page-size
 * choice lives here, so a bug fixed here is fixed for every format.
 *
 * Table pointers from pt_mem are re-fetched after anything that may
 * allocate or free, as the pt_mem contract asks.
 */
#include <errno.h>
#include <string.h>

#include "pt/pt.h"

static uint64_t genmask(unsigned int hi)
{
	return hi >= 63 ? ~0ull : (2ull << hi) - 1;
}

static unsigned int fls64(uint64_t v)
{
	return 63 - (unsigned int)__builtin_clzll(v);
}

static unsigned int ffs64(uint64_t v)
{
	return (unsigned int)__builtin_ctzll(v);
}

static unsigned int idx_of(uint64_t iova, unsigned int level)
{
	unsigned int shift = pt_level_shift(level);

	return shift >= 64 ? 0 :
	       (unsigned int)(iova >> shift) & (PT_TABLE_ENTRIES - 1);
}

/* Entries of a table at @level that 64-bit IOVAs can reach */
static unsigned int level_entries(unsigned int level)
{
	unsigned int shift = pt_level_shift(level);

	return shift + PT_INDEX_BITS <= 64 ? PT_TABLE_ENTRIES :
					     1u << (64 - shift);
}

static uint64_t *tbl(const struct pt_table *t, uint64_t table_pa)
{
	return t->mem.ops->entry(t->mem.priv, table_pa);
}

/*
 * Whether @iova is reachable with @levels levels. The drivers index with
 * the low bits only; the x86 hardware also takes the sign-extended upper
 * half and nothing in between (@hw).
 */
static bool iova_ok(const struct pt_format *fmt, unsigned int levels,
		    uint64_t iova, bool hw)
{
	unsigned int shift = pt_level_shift(levels);
	int64_t ext;

	if (shift >= 64)
		return true;
	if (!hw || !fmt->canonical)
		return (iova >> shift) == 0;
	ext = (int64_t)(iova << (64 - shift)) >> (64 - shift);
	return (uint64_t)ext == iova;
}

uint64_t pt_table_last_iova(const struct pt_table *t)
{
	unsigned int shift = pt_level_shift(t->levels);

	return shift >= 64 ? ~0ull : (1ull << shift) - 1;
}

uint64_t pt_pgsize(uint64_t pgsize_bitmap, uint64_t iova, uint64_t paddr,
		   uint64_t size, uint64_t *count)
{
	uint64_t addr_merge = iova | paddr;
	uint64_t pgsizes, pgsize, next, offset;
	unsigned int idx;

	if (!size) {
		if (count)
			*count = 0;
		return 0;
	}
	pgsizes = pgsize_bitmap & genmask(fls64(size));
	if (addr_merge)
		pgsizes &= genmask(ffs64(addr_merge));
	if (!pgsizes) {
		if (count)
			*count = 0;
		return 0;
	}
	idx = fls64(pgsizes);
	pgsize = 1ull << idx;
	if (!count)
		return pgsize;

	/*
	 * Smaller pages only up to the boundary where the next larger size
	 * can start, and only if a whole one fits after it.
	 */
	pgsizes = pgsize_bitmap & ~genmask(idx);
	if (pgsizes) {
		next = 1ull << ffs64(pgsizes);
		if (!((iova ^ paddr) & (next - 1))) {
			offset = next - (addr_merge & (next - 1));
			if (offset + next >= offset && offset + next <= size)
				size = offset;
		}
	}
	*count = size >> idx;
	return pgsize;
}

/* ------------------------------------------------------------ lookup */

enum find_kind {
	FIND_LEAF,
	FIND_HOLE,   /* the entry at @level is not present */
	FIND_RANGE,  /* the IOVA is beyond the table */
	FIND_BROKEN, /* malformed entry or unbacked table */
};

struct find {
	enum find_kind kind;
	unsigned int level;
	uint64_t table_pa;
	unsigned int index; /* first replica of a leaf */
	unsigned int lg2;   /* leaf: page size; otherwise the span stepped */
	unsigned int count; /* replicas */
};

static void find(const struct pt_table *t, uint64_t iova, struct find *f)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t table_pa = t->root;
	unsigned int level = t->levels - 1;

	memset(f, 0, sizeof(*f));
	f->lg2 = PT_GRANULE_LG2;
	f->count = 1;
	if (!iova_ok(fmt, t->levels, iova, false)) {
		f->kind = FIND_RANGE;
		return;
	}
	for (;;) {
		uint64_t *table = tbl(t, table_pa);
		unsigned int i = idx_of(iova, level);
		uint64_t pte;

		f->level = level;
		f->table_pa = table_pa;
		f->index = i;
		if (!table) {
			f->kind = FIND_BROKEN;
			return;
		}
		pte = table[i];
		f->lg2 = pt_level_shift(level);
		if (!fmt->present(pte)) {
			f->kind = FIND_HOLE;
			return;
		}
		if ((fmt->malformed && fmt->malformed(pte, level)) ||
		    (level == 0 && !fmt->is_leaf(pte, level))) {
			f->kind = FIND_BROKEN;
			f->lg2 = PT_GRANULE_LG2;
			return;
		}
		if (fmt->is_leaf(pte, level)) {
			f->lg2 = fmt->leaf_lg2(pte, level);
			f->count = 1u << (f->lg2 - pt_level_shift(level));
			f->index = i & ~(f->count - 1);
			f->kind = FIND_LEAF;
			return;
		}
		table_pa = fmt->oa(pte, level);
		level--;
	}
}

int pt_lookup(const struct pt_table *t, uint64_t iova, uint64_t *pte,
	      unsigned int *level, unsigned int *lg2)
{
	struct find f;

	find(t, iova, &f);
	if (f.kind != FIND_LEAF)
		return -ENOENT;
	if (pte)
		*pte = tbl(t, f.table_pa)[f.index];
	if (level)
		*level = f.level;
	if (lg2)
		*lg2 = f.lg2;
	return 0;
}

uint64_t pt_iova_to_phys(const struct pt_table *t, uint64_t iova)
{
	struct find f;
	uint64_t pte;

	find(t, iova, &f);
	if (f.kind != FIND_LEAF)
		return 0;
	pte = tbl(t, f.table_pa)[f.index];
	return t->fmt->oa(pte, f.level) | (iova & ((1ull << f.lg2) - 1));
}

/* ------------------------------------------------------------ tables */

/*
 * Whether software walks below this entry. A malformed entry is never
 * followed: only a corrupted table has one, and its "next table" may be
 * anything.
 */
static bool descends(const struct pt_format *fmt, uint64_t pte,
		     unsigned int level)
{
	return level > 0 && fmt->present(pte) &&
	       !(fmt->malformed && fmt->malformed(pte, level)) &&
	       !fmt->is_leaf(pte, level);
}

static bool subtree_has_leaf(const struct pt_table *t, uint64_t table_pa,
			     unsigned int level)
{
	const struct pt_format *fmt = t->fmt;
	unsigned int i;

	for (i = 0; i < PT_TABLE_ENTRIES; i++) {
		uint64_t *table = tbl(t, table_pa);
		uint64_t pte;

		if (!table)
			return true; /* cannot tell: do not touch it */
		pte = table[i];
		if (!fmt->present(pte))
			continue;
		if (!descends(fmt, pte, level) ||
		    subtree_has_leaf(t, fmt->oa(pte, level), level - 1))
			return true;
	}
	return false;
}

static void free_subtree(struct pt_table *t, uint64_t table_pa,
			 unsigned int level)
{
	const struct pt_format *fmt = t->fmt;
	unsigned int i;

	for (i = 0; level > 0 && i < PT_TABLE_ENTRIES; i++) {
		uint64_t *table = tbl(t, table_pa);
		uint64_t pte;

		if (!table)
			return;
		pte = table[i];
		if (descends(fmt, pte, level))
			free_subtree(t, fmt->oa(pte, level), level - 1);
	}
	if (t->mem.ops->free_table)
		t->mem.ops->free_table(t->mem.priv, table_pa);
}

static uint64_t count_subtree(const struct pt_table *t, uint64_t table_pa,
			      unsigned int level)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t n = 1;
	unsigned int i;

	for (i = 0; level > 0 && i < PT_TABLE_ENTRIES; i++) {
		uint64_t *table = tbl(t, table_pa);
		uint64_t pte;

		if (!table)
			break;
		pte = table[i];
		if (descends(fmt, pte, level))
			n += count_subtree(t, fmt->oa(pte, level), level - 1);
	}
	return n;
}

uint64_t pt_table_count(const struct pt_table *t)
{
	return count_subtree(t, t->root, t->levels - 1);
}

int pt_table_init(struct pt_table *t, const struct pt_format *fmt,
		  struct pt_mem mem, unsigned int levels,
		  uint64_t pgsize_bitmap)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (levels < fmt->min_levels || levels > fmt->max_levels ||
	    levels > PT_MAX_LEVELS || !(pgsize_bitmap & fmt->pgsizes) ||
	    !mem.ops || !mem.ops->entry || !mem.ops->alloc_table)
		return -EINVAL;
	t->fmt = fmt;
	t->mem = mem;
	t->levels = levels;
	t->pgsize_bitmap = pgsize_bitmap & fmt->pgsizes;
	t->owned = true;
	rc = mem.ops->alloc_table(mem.priv, &t->root);
	if (rc)
		memset(t, 0, sizeof(*t));
	return rc;
}

void pt_table_view(struct pt_table *t, const struct pt_format *fmt,
		   struct pt_mem mem, uint64_t root, unsigned int levels)
{
	memset(t, 0, sizeof(*t));
	t->fmt = fmt;
	t->mem = mem;
	t->root = root;
	t->levels = levels;
	t->pgsize_bitmap = fmt->pgsizes;
}

void pt_table_destroy(struct pt_table *t)
{
	if (t->owned && t->fmt)
		free_subtree(t, t->root, t->levels - 1);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ map */

/* increase_address_space(): add levels on top until @last and @target fit */
static int grow_for(struct pt_table *t, uint64_t last, unsigned int target)
{
	const struct pt_format *fmt = t->fmt;

	while (!iova_ok(fmt, t->levels, last, false) || t->levels - 1 < target) {
		uint64_t pa, *root;
		int rc;

		if (!fmt->grows || t->levels >= fmt->max_levels)
			return -EINVAL;
		rc = t->mem.ops->alloc_table(t->mem.priv, &pa);
		if (rc)
			return rc;
		root = tbl(t, pa);
		if (!root)
			return -EFAULT;
		/* the old top table becomes entry 0 of the new one */
		root[0] = fmt->make_table(t->root, t->levels);
		t->root = pa;
		t->levels++;
		if (t->on_grow)
			t->on_grow(t, t->on_grow_arg);
	}
	return 0;
}

static int map_one(struct pt_table *t, uint64_t iova, uint64_t pa,
		   unsigned int lg2, int prot)
{
	const struct pt_format *fmt = t->fmt;
	unsigned int target = (lg2 - PT_GRANULE_LG2) / PT_INDEX_BITS;
	unsigned int level, count, first, i;
	uint64_t table_pa, *table, value;
	int rc;

	rc = grow_for(t, iova + ((1ull << lg2) - 1), target);
	if (rc)
		return rc;
	table_pa = t->root;
	for (level = t->levels - 1; level > target; level--) {
		unsigned int ix = idx_of(iova, level);
		uint64_t pte;

		table = tbl(t, table_pa);
		if (!table)
			return -EFAULT;
		pte = table[ix];
		if (!fmt->present(pte)) {
			uint64_t child;

			rc = t->mem.ops->alloc_table(t->mem.priv, &child);
			if (rc)
				return rc;
			table = tbl(t, table_pa);
			table[ix] = fmt->make_table(child, level);
			table_pa = child;
			continue;
		}
		if (!descends(fmt, pte, level))
			return -EEXIST;
		table_pa = fmt->oa(pte, level);
	}

	count = 1u << (lg2 - pt_level_shift(target));
	first = idx_of(iova, target);
	for (i = 0; i < count; i++) {
		uint64_t pte;

		table = tbl(t, table_pa);
		if (!table)
			return -EFAULT;
		pte = table[first + i];
		if (!fmt->present(pte))
			continue;
		if (!descends(fmt, pte, target) ||
		    subtree_has_leaf(t, fmt->oa(pte, target), target - 1))
			return -EEXIST;
	}
	/* empty tables left behind by unmaps give way to the large page */
	for (i = 0; i < count; i++) {
		uint64_t pte = tbl(t, table_pa)[first + i];

		if (fmt->present(pte)) {
			free_subtree(t, fmt->oa(pte, target), target - 1);
			tbl(t, table_pa)[first + i] = 0;
		}
	}
	value = fmt->make_leaf(pa, lg2, target, prot);
	table = tbl(t, table_pa);
	for (i = 0; i < count; i++)
		table[first + i] = value;
	return 0;
}

int pt_map(struct pt_table *t, uint64_t iova, uint64_t pa, uint64_t len,
	   int prot, uint64_t pgsize_bitmap)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t bm = (pgsize_bitmap ? pgsize_bitmap : t->pgsize_bitmap) &
		      fmt->pgsizes;
	uint64_t orig_iova = iova, mapped = 0, last;
	int rc = 0;

	if (!bm)
		return -EINVAL;
	if ((iova | pa | len) & ((bm & -bm) - 1))
		return -EINVAL;
	if (!len)
		return 0;
	last = iova + len - 1;
	if (last < iova)
		return -EINVAL;
	if (!fmt->grows && !iova_ok(fmt, t->levels, last, false))
		return -EINVAL;

	while (len) {
		uint64_t count, pgsize = pt_pgsize(bm, iova, pa, len, &count);
		unsigned int lg2 = ffs64(pgsize);

		for (; count; count--) {
			rc = map_one(t, iova, pa, lg2, prot);
			if (rc)
				goto unroll;
			iova += pgsize;
			pa += pgsize;
			len -= pgsize;
			mapped += pgsize;
		}
	}
	return 0;

unroll:
	if (mapped)
		pt_unmap(t, orig_iova, mapped);
	return rc;
}

/* ------------------------------------------------------------ unmap */

static void clear_leaf(struct pt_table *t, const struct find *f)
{
	uint64_t *table = tbl(t, f->table_pa);
	unsigned int i;

	for (i = 0; i < f->count; i++)
		table[f->index + i] = 0;
}

/* iommu_v1_unmap_pages() */
static uint64_t unmap_leaves(struct pt_table *t, uint64_t iova, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		struct find f;
		uint64_t sz;

		find(t, iova, &f);
		/*
		 * fetch_pte() checks presence above level 0 only: an empty
		 * 4K slot in an existing table is "unmapped" and counted.
		 */
		if (f.kind == FIND_LEAF)
			clear_leaf(t, &f);
		else if (f.kind != FIND_HOLE || f.level != 0)
			break;
		sz = 1ull << f.lg2;
		iova = (iova & ~(sz - 1)) + sz;
		done += sz;
	}
	return done;
}

/* dma_pte_clear_level(): clear [start, last] below the table at @base */
static void clear_level(struct pt_table *t, uint64_t table_pa,
			unsigned int level, uint64_t base, uint64_t start,
			uint64_t last)
{
	const struct pt_format *fmt = t->fmt;
	unsigned int shift = pt_level_shift(level);
	unsigned int i = start > base ? idx_of(start, level) : 0;
	unsigned int n = level_entries(level);

	for (; i < n; i++) {
		uint64_t ent_start = base + ((uint64_t)i << shift);
		uint64_t ent_last = ent_start + ((1ull << shift) - 1);
		uint64_t *table = tbl(t, table_pa);
		uint64_t pte;

		if (ent_start > last || !table)
			break;
		pte = table[i];
		if (!fmt->present(pte))
			continue;
		if (fmt->malformed && fmt->malformed(pte, level)) {
			table[i] = 0;
			continue;
		}
		if (!descends(fmt, pte, level)) {
			unsigned int lg2 = fmt->leaf_lg2(pte, level);
			unsigned int count = 1u << (lg2 - shift);
			unsigned int j, first = i & ~(count - 1);

			for (j = 0; j < count; j++)
				table[first + j] = 0;
			i = first + count - 1;
			continue;
		}
		if (start <= ent_start && ent_last <= last) {
			free_subtree(t, fmt->oa(pte, level), level - 1);
			tbl(t, table_pa)[i] = 0;
		} else {
			clear_level(t, fmt->oa(pte, level), level - 1,
				    ent_start, start, last);
		}
	}
}

/* intel_iommu_unmap() */
static uint64_t unmap_range(struct pt_table *t, uint64_t iova, uint64_t size)
{
	uint64_t last, top = pt_table_last_iova(t);
	struct find f;

	find(t, iova, &f);
	if (f.kind == FIND_RANGE || f.kind == FIND_BROKEN)
		return 0;
	if (size < (1ull << f.lg2))
		size = 1ull << f.lg2;
	last = iova + size - 1;
	if (last < iova || last > top)
		last = top;
	clear_level(t, t->root, t->levels - 1, 0, iova, last);
	return size;
}

uint64_t pt_unmap(struct pt_table *t, uint64_t iova, uint64_t len)
{
	uint64_t bm = t->pgsize_bitmap, unmapped = 0;

	if (!bm || ((iova | len) & ((bm & -bm) - 1)))
		return 0;
	while (unmapped < len) {
		uint64_t count, n;
		uint64_t pgsize = pt_pgsize(bm, iova, iova, len - unmapped,
					    &count);

		if (!pgsize)
			break;
		if (t->fmt->unmap_style == PT_UNMAP_LEAVES)
			n = unmap_leaves(t, iova, pgsize * count);
		else
			n = unmap_range(t, iova, pgsize * count);
		if (!n)
			break;
		iova += n;
		unmapped += n;
	}
	return unmapped;
}

/* ------------------------------------------------------------ dirty */

/* Test, and unless NO_CLEAR clear, D in every replica of one leaf */
static bool leaf_dirty(const struct pt_format *fmt, uint64_t *table,
		       unsigned int first, unsigned int count,
		       unsigned int flags)
{
	bool dirty = false;
	unsigned int i;

	/*
	 * The hardware may set D in only the replica it walked, so the page
	 * is dirty if any replica is.
	 */
	for (i = 0; i < count; i++) {
		if (!(table[first + i] & fmt->d_bit))
			continue;
		dirty = true;
		if (flags & PT_DIRTY_NO_CLEAR)
			break;
		table[first + i] &= ~fmt->d_bit;
	}
	return dirty;
}

/* Dirty reports on their way out, merged into runs when asked */
struct dirty_run {
	pt_dirty_fn report;
	void *arg;
	bool merge;
	uint64_t start, len;
};

static void run_add(struct dirty_run *r, uint64_t iova, uint64_t sz)
{
	if (!r->report)
		return;
	if (!r->merge) {
		r->report(r->arg, iova, sz);
		return;
	}
	if (r->len && r->start + r->len == iova && r->len + sz > r->len) {
		r->len += sz;
		return;
	}
	if (r->len)
		r->report(r->arg, r->start, r->len);
	r->start = iova;
	r->len = sz;
}

static void run_flush(struct dirty_run *r)
{
	if (r->len)
		r->report(r->arg, r->start, r->len);
	r->len = 0;
}

/*
 * The hot loop: consecutive one-entry leaves of one shape in one table,
 * from slot *@i at *@iova. Stops at the first entry of another shape
 * (left for the caller to classify, *@iova at it), at the end of the
 * table or of the range. True when the IOVA wrapped (nothing follows).
 */
static bool scan_run(const struct pt_format *fmt, uint64_t *table,
		     unsigned int *i, uint64_t *iova, uint64_t end,
		     unsigned int level, uint64_t shape, unsigned int flags,
		     struct dirty_run *run)
{
	uint64_t sz = 1ull << pt_level_shift(level), d = fmt->d_bit;
	unsigned int j = *i;
	uint64_t at = *iova;

	while (j < PT_TABLE_ENTRIES) {
		uint64_t pte = table[j];

		if ((pte & fmt->shape_mask) != shape)
			break;
		if (pte & d) {
			if (!(flags & PT_DIRTY_NO_CLEAR))
				table[j] = pte & ~d;
			run_add(run, at, sz);
		}
		j++;
		if (at + sz < at)
			return true;
		at += sz;
		if (at >= end)
			break;
	}
	*i = j;
	*iova = at;
	return false;
}

/*
 * The semantics are a lookup from the root per step (what the drivers
 * do); the speed comes from staying in the table the lookup ended in
 * while the next step's entry is a leaf or a hole of that same table,
 * which is exactly where a fresh lookup would end too.
 */
void pt_read_and_clear_dirty(struct pt_table *t, uint64_t iova, uint64_t len,
			     unsigned int flags, pt_dirty_fn report,
			     void *arg)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t end = iova + len - 1;
	struct dirty_run run = {
		.report = report,
		.arg = arg,
		.merge = flags & PT_DIRTY_MERGE,
	};

	if (!len)
		return;
	do {
		struct find f;
		uint64_t sz, *table, span_mask, cached_shape;
		enum find_kind cached_kind = FIND_HOLE;
		unsigned int level;
		bool cached = false;

		find(t, iova, &f);
		if (f.kind != FIND_LEAF && f.kind != FIND_HOLE) {
			sz = 1ull << f.lg2;
			if (iova + sz < iova)
				break;
			iova += sz;
			continue;
		}
		table = tbl(t, f.table_pa);
		level = f.level;
		cached_shape = ~0ull;
		/* IOVA bits above this table: a change means another table */
		span_mask = pt_level_shift(level) + PT_INDEX_BITS >= 64 ?
				    0 :
				    ~((1ull << (pt_level_shift(level) +
						PT_INDEX_BITS)) - 1);
		for (;;) {
			uint64_t base = iova & span_mask, pte;
			unsigned int i;

			sz = 1ull << f.lg2;
			if (cached && f.kind == FIND_LEAF && fmt->d_bit) {
				/* this entry and all of its shape after it */
				i = f.index;
				if (scan_run(fmt, table, &i, &iova, end, level,
					     cached_shape, flags, &run))
					goto out;
			} else {
				if (f.kind == FIND_LEAF && fmt->d_bit &&
				    leaf_dirty(fmt, table, f.index, f.count,
					       flags))
					run_add(&run, iova, sz);
				if (iova + sz < iova)
					goto out;
				iova += sz;
			}
			if (iova >= end || (iova & span_mask) != base)
				break;
			/* classify the next entry as find() would */
			i = idx_of(iova, level);
			pte = table[i];
			f.index = i;
			f.count = 1;
			f.lg2 = pt_level_shift(level);
			/* same shape as the last one-entry result */
			cached = fmt->shape_mask &&
				 (pte & fmt->shape_mask) == cached_shape;
			if (cached) {
				f.kind = cached_kind;
				continue;
			}
			if (!fmt->present(pte)) {
				f.kind = FIND_HOLE;
			} else if ((fmt->malformed &&
				    fmt->malformed(pte, level)) ||
				   !fmt->is_leaf(pte, level)) {
				break; /* a table or worse: look up */
			} else {
				f.kind = FIND_LEAF;
				f.lg2 = fmt->leaf_lg2(pte, level);
				f.count = 1u << (f.lg2 - pt_level_shift(level));
				f.index = i & ~(f.count - 1);
			}
			if (fmt->shape_mask && f.count == 1) {
				cached_shape = pte & fmt->shape_mask;
				cached_kind = f.kind;
				cached = true;
			}
		}
	} while (iova < end);
out:
	run_flush(&run);
}

/* ------------------------------------------------------------ hardware */

enum pt_fault pt_translate(const struct pt_table *t, const struct pt_xlate *x,
			   struct pt_xlate_result *res)
{
	const struct pt_format *fmt = t->fmt;
	bool updates = x->flags & (PT_XLATE_SET_A | PT_XLATE_SET_D);
	uint64_t used_pa[PT_MAX_LEVELS];
	unsigned int used_ix[PT_MAX_LEVELS];
	unsigned int perm = PT_PERM_READ | PT_PERM_WRITE | PT_PERM_USER;
	unsigned int nused = 0, level, i;
	uint64_t addr = t->root;

	memset(res, 0, sizeof(*res));
	res->level = t->levels - 1;
	if (!t->levels || t->levels > PT_MAX_LEVELS) {
		res->fault = PT_FAULT_MALFORMED;
		return res->fault;
	}
	if (!iova_ok(fmt, t->levels, x->iova, true)) {
		res->fault = PT_FAULT_RANGE;
		return res->fault;
	}
	for (level = t->levels - 1;; level--) {
		unsigned int ix = idx_of(x->iova, level);
		uint64_t table_pa = addr, *table, pte;

		res->level = level;
		if (x->table_xlate) {
			int f = x->table_xlate(x->table_xlate_arg, addr,
					       updates, &table_pa);

			if (f) {
				res->fault = f;
				return res->fault;
			}
		}
		table = tbl(t, table_pa);
		if (!table) {
			res->fault = PT_FAULT_TABLE;
			return res->fault;
		}
		pte = table[ix];
		if (!fmt->present(pte)) {
			res->fault = PT_FAULT_NOT_PRESENT;
			return res->fault;
		}
		if (fmt->malformed && fmt->malformed(pte, level)) {
			res->fault = PT_FAULT_MALFORMED;
			return res->fault;
		}
		perm &= fmt->perm(pte, level);
		used_pa[nused] = table_pa;
		used_ix[nused++] = ix;
		if (fmt->is_leaf(pte, level)) {
			res->lg2 = fmt->leaf_lg2(pte, level);
			res->pa = fmt->oa(pte, level) |
				  (x->iova & ((1ull << res->lg2) - 1));
			break;
		}
		if (level == 0) {
			res->fault = PT_FAULT_MALFORMED;
			return res->fault;
		}
		addr = fmt->oa(pte, level);
	}

	if (!(x->flags & PT_XLATE_SUPERVISOR) && !(perm & PT_PERM_USER))
		goto perm_fault;
	if (x->access == PT_ACCESS_READ && !(perm & PT_PERM_READ))
		goto perm_fault;
	if (x->access == PT_ACCESS_WRITE && !(perm & PT_PERM_WRITE) &&
	    (!(x->flags & PT_XLATE_SUPERVISOR) || (x->flags & PT_XLATE_WP)))
		goto perm_fault;

	for (i = 0; i < nused && (x->flags & PT_XLATE_SET_A); i++)
		tbl(t, used_pa[i])[used_ix[i]] |= fmt->a_bit;
	if ((x->flags & PT_XLATE_SET_D) && x->access == PT_ACCESS_WRITE)
		tbl(t, used_pa[nused - 1])[used_ix[nused - 1]] |= fmt->d_bit;
	return PT_FAULT_NONE;

perm_fault:
	res->pa = 0;
	res->fault = PT_FAULT_PERM;
	return res->fault;
}
