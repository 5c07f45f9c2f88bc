// SPDX-License-Identifier: MIT
/*
 * Differential test: random sequences of IOAS ioctls (MAP, UNMAP, COPY,
 * ALLOW_IOVAS, IOVA_RANGES, OPTION, DESTROY/ALLOC) run against the model
 * and against a deliberately naive reference written here, compared after
 * every step.
 *
 * The reference keeps each IOAS as plain sorted arrays (areas, allowed and
 * reserved ranges) and recomputes everything by linear scans: no trees, no
 * incremental state, nothing shared with model/. Its rules were read from
 * Linux 6.12 drivers/iommu/iommufd/{ioas.c,io_pagetable.c,pages.c} and
 * lib/interval_tree.c; where the model and the reference disagree the
 * kernel source decides.
 *
 * Compared at every step: each call's return value, the IOVA handed out,
 * the bytes unmapped, IOVA_RANGES output, OPTION values, the IDs ALLOC
 * returns, that failed calls write nothing back, and the complete content
 * of every IOAS (areas with start/last/user VA/page offset/prot/writable,
 * allowed and reserved ranges, iova_alignment, huge-page mode) read through
 * the model's private headers, plus iommufd_ctx_check().
 *
 * Reserved ranges have no ioctl in a kernel without CONFIG_IOMMUFD_TEST; the
 * test adds them through iopt_reserve_iova() with a NULL owner, as
 * IOMMU_TEST_OP_ADD_RESERVED does, so the allocator, FIXED maps, ALLOW_IOVAS
 * and IOVA_RANGES all see them.
 *
 * Nothing has a domain, so nothing is pinned; user VAs still point into a
 * real (never touched) mapping so the test stays valid if that changes.
 *
 * Seeds: a fixed base seed by default; MODEL_TEST_SEED overrides it
 * (decimal or 0x-hex). Sequence i runs with seed base+i, so a failure's
 * printed seed rerun with MODEL_TEST_SEQS=1 replays exactly that sequence.
 * MODEL_TEST_SEQS and MODEL_TEST_STEPS change the amount of work (soak runs).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "harness.h"
#include "private.h"

#define PAGE 4096ull
#define HPAGE (2ull << 20)
#define U64MAX UINT64_MAX
#define BUF_SIZE (64ull << 20)
#define NSLOT 3
#define MAX_ALLOWED 8
#define MAX_RESERVED 12
#define MAX_RANGES_OUT 8
#define HIST 6

#define FL_FIXED IOMMU_IOAS_MAP_FIXED_IOVA
#define FL_W IOMMU_IOAS_MAP_WRITEABLE
#define FL_R IOMMU_IOAS_MAP_READABLE
#define FL_ALL (FL_FIXED | FL_W | FL_R)

#define DEFAULT_SEED 0x10a5d1ffull
#define DEFAULT_SEQS 10
#define DEFAULT_STEPS 2000

/* ------------------------------------------------------------ reference */

struct span {
	uint64_t start, last;
};

struct ref_area {
	uint64_t iova, last;
	uint64_t uva;	/* user VA backing the first byte */
	uint8_t prot;	/* IOMMU_READ/WRITE/CACHE */
	bool writable;	/* of the pages: decides EPERM for a WRITEABLE COPY */
};

struct ref_ioas {
	bool live;
	uint32_t id;
	struct ref_area *area; /* sorted by iova, never overlapping */
	size_t narea, cap;
	struct span allowed[MAX_ALLOWED];
	unsigned int nallowed;
	struct span reserved[MAX_RESERVED];
	unsigned int nreserved;
	bool no_huge;
};

/* A slice of user memory about to become an area (MAP: one, COPY: many) */
struct piece {
	uint64_t uva, len;
	bool writable;
};

/* Outcome counts per command, printed with MODEL_TEST_STATS=1 */
enum { K_MAP_AUTO, K_MAP_FIXED, K_UNMAP, K_COPY, K_ALLOW, K_RANGES, K_HUGE,
       K_RLIMIT, K_RESERVE, K_NKIND };
static const char *const kind_name[K_NKIND] = {
	"MAP auto", "MAP fixed", "UNMAP", "COPY", "ALLOW_IOVAS",
	"IOVA_RANGES", "HUGE_PAGES", "RLIMIT_MODE", "reserve",
};
#define NERRNO 128

struct world {
	struct harness h;
	uint64_t stats[K_NKIND][NERRNO];
	struct ref_ioas slot[NSLOT];
	bool mm_mode;
	uint64_t rng, seq_seed;
	unsigned int seq, step;
	uint64_t buf; /* user buffer base, 32 MiB aligned */
	uint64_t win; /* fixed IOVAs and ranges mostly land below this */
	char op[384];
	char hist[HIST][384];
	struct piece *pieces;
	size_t npieces_cap;
	struct span *busy;
	size_t nbusy_cap;
};

static struct world W;

/* ------------------------------------------------------------ reporting */

__attribute__((format(printf, 1, 2), noreturn)) static void
diff_fail(const char *fmt, ...)
{
	static char msg[8192];
	size_t n;
	va_list ap;
	unsigned int i;

	n = (size_t)snprintf(msg, sizeof(msg),
			     "seed %#" PRIx64 " (rerun: MODEL_TEST_SEED=%#" PRIx64
			     " MODEL_TEST_SEQS=1), sequence %u, step %u\n"
			     "  op: %s\n  ",
			     W.seq_seed, W.seq_seed, W.seq, W.step, W.op);
	va_start(ap, fmt);
	if (n < sizeof(msg))
		n += (size_t)vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	for (i = 0; i < HIST && n < sizeof(msg); i++) {
		const char *h = W.hist[(W.step + i) % HIST];

		if (h[0])
			n += (size_t)snprintf(msg + n, sizeof(msg) - n,
					      "\n  earlier: %s", h);
	}
	cr_assert_fail("%s", msg);
	abort();
}

__attribute__((format(printf, 1, 2))) static void set_op(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(W.op, sizeof(W.op), fmt, ap);
	va_end(ap);
}

static const char *err_name(long rc)
{
	static char b[2][48];
	static int k;

	k ^= 1;
	if (!rc)
		return "0";
	snprintf(b[k], sizeof(b[k]), "%ld (%s)", rc, strerror((int)-rc));
	return b[k];
}

static void count(unsigned int kind, long rc)
{
	W.stats[kind][rc < 0 && rc > -NERRNO ? -rc : 0]++;
}

static void expect_rc(const char *what, long got, long want)
{
	if (got != want)
		diff_fail("%s: model returned %s, reference expects %s", what,
			  err_name(got), err_name(want));
}

/* ------------------------------------------------------------ randomness */

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rnd(void)
{
	uint64_t x = W.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	W.rng = x;
	return x;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* true with probability n/1000 */
static bool chance(unsigned int n)
{
	return below(1000) < n;
}

/* ------------------------------------------------------------ reference: basics */

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static bool overlaps(uint64_t s1, uint64_t l1, uint64_t s2, uint64_t l2)
{
	return s1 <= l2 && s2 <= l1;
}

static struct ref_ioas *ref_lookup(uint32_t id)
{
	for (unsigned int i = 0; i < NSLOT; i++)
		if (W.slot[i].live && W.slot[i].id == id)
			return &W.slot[i];
	return NULL;
}

/* No domains and no accesses: only the huge-page switch sets it */
static uint64_t ref_align(const struct ref_ioas *r)
{
	return r->no_huge ? PAGE : 1;
}

static uint8_t prot_of(uint32_t flags)
{
	return (uint8_t)(IOMMU_CACHE | ((flags & FL_W) ? IOMMU_WRITE : 0) |
			 ((flags & FL_R) ? IOMMU_READ : 0));
}

static bool ref_hits_area(const struct ref_ioas *r, uint64_t s, uint64_t l)
{
	for (size_t i = 0; i < r->narea; i++)
		if (overlaps(r->area[i].iova, r->area[i].last, s, l))
			return true;
	return false;
}

static bool ref_hits_reserved(const struct ref_ioas *r, uint64_t s, uint64_t l)
{
	for (unsigned int i = 0; i < r->nreserved; i++)
		if (overlaps(r->reserved[i].start, r->reserved[i].last, s, l))
			return true;
	return false;
}

static bool ref_hits_allowed(const struct ref_ioas *r, uint64_t s, uint64_t l)
{
	for (unsigned int i = 0; i < r->nallowed; i++)
		if (overlaps(r->allowed[i].start, r->allowed[i].last, s, l))
			return true;
	return false;
}

static void ref_insert(struct ref_ioas *r, struct ref_area a)
{
	size_t at = 0;

	if (r->narea == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->area = realloc(r->area, r->cap * sizeof(*r->area));
		cr_assert_not_null(r->area);
	}
	while (at < r->narea && r->area[at].iova < a.iova)
		at++;
	memmove(&r->area[at + 1], &r->area[at],
		(r->narea - at) * sizeof(*r->area));
	r->area[at] = a;
	r->narea++;
}

static void ref_remove(struct ref_ioas *r, size_t at)
{
	memmove(&r->area[at], &r->area[at + 1],
		(r->narea - at - 1) * sizeof(*r->area));
	r->narea--;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return 0;
}

static void sorted_copy(struct span *dst, const struct span *src,
			unsigned int n)
{
	memcpy(dst, src, n * sizeof(*src));
	qsort(dst, n, sizeof(*dst), span_cmp);
}

/* ------------------------------------------------------------ reference: allocator */

/*
 * The kernel's placement test, used for allowed windows and for holes:
 * round the start up to the alignment, OR (not add) the user VA's in-page
 * offset, then demand the result be strictly below the last byte and leave
 * room for the length. The strict "<" means a hole whose only fit would
 * start on its last byte is rejected even for a 1-byte map.
 */
static bool fits(uint64_t *start, uint64_t last, uint64_t len, uint64_t align,
		 uint64_t off)
{
	uint64_t a;

	if (*start > U64MAX - (align - 1))
		return false;
	a = ((*start + align - 1) & ~(align - 1)) | off;
	if (a >= last || last - a < len - 1)
		return false;
	*start = a;
	return true;
}

/*
 * Allocation windows: the whole space minus its first and last page, or the
 * allowed ranges merged where they touch, clipped the same way.
 */
static unsigned int ref_windows(const struct ref_ioas *r, struct span *w)
{
	const uint64_t lo = PAGE, hi = U64MAX - PAGE;
	struct span s[MAX_ALLOWED];
	unsigned int i = 0, k = 0;

	if (!r->nallowed) {
		w[0] = (struct span){ lo, hi };
		return 1;
	}
	sorted_copy(s, r->allowed, r->nallowed);
	while (i < r->nallowed) {
		uint64_t st = s[i].start, la = s[i].last;

		for (i++; i < r->nallowed && la != U64MAX &&
			  s[i].start == la + 1;
		     i++)
			la = s[i].last;
		if (la < lo || st > hi)
			continue;
		w[k++] = (struct span){ max64(st, lo), min64(la, hi) };
	}
	return k;
}

static struct span *busy_buf(size_t n)
{
	n++; /* never NULL, even for an empty IOAS: qsort() wants a pointer */
	if (n > W.nbusy_cap) {
		W.nbusy_cap = n * 2;
		W.busy = realloc(W.busy, W.nbusy_cap * sizeof(*W.busy));
		cr_assert_not_null(W.busy);
	}
	return W.busy;
}

static int ref_alloc(const struct ref_ioas *r, uint64_t uva, uint64_t len,
		     uint64_t *out)
{
	uint64_t off = uva % PAGE, align = 1;
	struct span win[MAX_ALLOWED + 1];
	unsigned int nwin, w;

	if (len == 0 || len >= U64MAX / 2)
		return -EOVERFLOW;
	while (align < len)
		align <<= 1;
	/* Keep the user VA's own alignment so huge pages stay possible */
	if (uva && (uva & -uva) < align)
		align = uva & -uva;
	if (align > HPAGE)
		align = HPAGE;
	if (align < ref_align(r))
		return -EINVAL;

	nwin = ref_windows(r, win);
	for (w = 0; w < nwin; w++) {
		uint64_t a = win[w].start, cursor, hs;
		struct span *busy = busy_buf(r->narea + r->nreserved);
		size_t nb = 0, i;
		bool tail = true;

		if (!fits(&a, win[w].last, len, align, off))
			continue;
		/* Holes are those of reserved + areas, from the aligned start */
		for (i = 0; i < r->narea; i++)
			if (overlaps(r->area[i].iova, r->area[i].last, a,
				     win[w].last))
				busy[nb++] = (struct span){ r->area[i].iova,
							    r->area[i].last };
		for (i = 0; i < r->nreserved; i++)
			if (overlaps(r->reserved[i].start, r->reserved[i].last,
				     a, win[w].last))
				busy[nb++] = r->reserved[i];
		qsort(busy, nb, sizeof(*busy), span_cmp);
		cursor = a;
		for (i = 0; i < nb; i++) {
			if (busy[i].start > cursor) {
				hs = cursor;
				if (fits(&hs, busy[i].start - 1, len, align,
					 off)) {
					*out = hs;
					return 0;
				}
			}
			if (busy[i].last >= win[w].last) {
				tail = false;
				break;
			}
			cursor = max64(cursor, busy[i].last + 1);
		}
		hs = cursor;
		if (tail && fits(&hs, win[w].last, len, align, off)) {
			*out = hs;
			return 0;
		}
	}
	return -ENOSPC;
}

/* ------------------------------------------------------------ reference: ioctls */

/* iopt_map_pages(): place a run of pieces at one IOVA, atomically */
static long ref_place(struct ref_ioas *r, const struct piece *p, size_t n,
		      uint64_t len, uint64_t *iova, uint8_t prot, bool alloc)
{
	uint64_t align = ref_align(r), at;
	size_t i;

	if (!len || (len & (align - 1)))
		return -EINVAL;
	if (alloc) {
		int rc = ref_alloc(r, p[0].uva, len, iova);

		if (rc)
			return rc;
	} else {
		if (*iova & (align - 1))
			return -EINVAL;
		if (*iova > U64MAX - (len - 1))
			return -EOVERFLOW;
		if (ref_hits_reserved(r, *iova, *iova + len - 1))
			return -EINVAL;
		if (ref_hits_area(r, *iova, *iova + len - 1))
			return -EEXIST;
	}
	for (i = 0; i < n; i++) {
		if ((prot & IOMMU_WRITE) && !p[i].writable)
			return -EPERM;
		if ((p[i].uva % PAGE) & (align - 1))
			return -EINVAL;
	}
	at = *iova;
	for (i = 0; i < n; i++) {
		ref_insert(r, (struct ref_area){ .iova = at,
						 .last = at + p[i].len - 1,
						 .uva = p[i].uva,
						 .prot = prot,
						 .writable = p[i].writable });
		at += p[i].len;
	}
	return 0;
}

static long ref_map(uint32_t id, uint32_t flags, uint64_t uva, uint64_t len,
		    uint64_t *iova)
{
	struct ref_ioas *r;
	struct piece p = { uva, len, (flags & FL_W) != 0 };

	if (flags & ~FL_ALL)
		return -EOPNOTSUPP;
	if (*iova >= U64MAX || len >= U64MAX)
		return -EOVERFLOW;
	if (!(flags & (FL_R | FL_W)))
		return -EINVAL;
	r = ref_lookup(id);
	if (!r)
		return -ENOENT;
	if (len == 0 || len > U64MAX - PAGE)
		return -EINVAL;
	if (uva > U64MAX - len)
		return -EOVERFLOW;
	return ref_place(r, &p, 1, len, iova, prot_of(flags),
			 !(flags & FL_FIXED));
}

static struct piece *piece_buf(size_t n)
{
	if (n > W.npieces_cap) {
		W.npieces_cap = n * 2;
		W.pieces = realloc(W.pieces, W.npieces_cap * sizeof(*W.pieces));
		cr_assert_not_null(W.pieces);
	}
	return W.pieces;
}

static long ref_copy(uint32_t dst, uint32_t src, uint32_t flags,
		     uint64_t src_iova, uint64_t len, uint64_t *dst_iova)
{
	struct ref_ioas *s, *d;
	uint64_t last, cur;
	struct piece *p;
	size_t i, n = 0;

	if (flags & ~FL_ALL)
		return -EOPNOTSUPP;
	if (len >= U64MAX || src_iova >= U64MAX || *dst_iova >= U64MAX)
		return -EOVERFLOW;
	if (!(flags & (FL_R | FL_W)))
		return -EINVAL;
	s = ref_lookup(src);
	if (!s)
		return -ENOENT;
	if (!len)
		return -EINVAL;
	if (src_iova > U64MAX - (len - 1))
		return -EOVERFLOW;
	last = src_iova + len - 1;

	/* The source must be one gap-free run of areas */
	for (i = 0; i < s->narea; i++)
		if (s->area[i].iova <= src_iova && src_iova <= s->area[i].last)
			break;
	if (i == s->narea)
		return -ENOENT;
	cur = src_iova;
	for (;;) {
		const struct ref_area *a = &s->area[i];

		p = piece_buf(n + 1);
		p[n++] = (struct piece){ a->uva + (cur - a->iova),
					 min64(last, a->last) - cur + 1,
					 a->writable };
		if (last <= a->last)
			break;
		cur = a->last + 1;
		if (i + 1 >= s->narea || s->area[i + 1].iova != cur)
			return -ENOENT;
		i++;
	}
	d = ref_lookup(dst);
	if (!d)
		return -ENOENT;
	return ref_place(d, W.pieces, n, len, dst_iova, prot_of(flags),
			 !(flags & FL_FIXED));
}

/* Not atomic: areas removed before an ENOENT stay removed */
static long ref_unmap(uint32_t id, uint64_t iova, uint64_t len,
		      uint64_t *unmapped)
{
	struct ref_ioas *r = ref_lookup(id);
	uint64_t start, last, bytes = 0;
	bool all = false;
	size_t i = 0;

	if (!r)
		return -ENOENT;
	if (iova == 0 && len == U64MAX) {
		start = 0;
		last = U64MAX;
		all = true;
	} else {
		if (iova >= U64MAX || len >= U64MAX)
			return -EOVERFLOW;
		if (!len)
			return -EINVAL;
		if (iova > U64MAX - (len - 1))
			return -EOVERFLOW;
		start = iova;
		last = iova + len - 1;
	}
	while (i < r->narea) {
		const struct ref_area *a = &r->area[i];

		if (a->last < start) {
			i++;
			continue;
		}
		if (a->iova > last)
			break;
		if (a->iova < start || a->last > last)
			return -ENOENT;
		bytes += a->last - a->iova + 1;
		ref_remove(r, i);
	}
	if (!all && !bytes)
		return -ENOENT;
	*unmapped = bytes;
	return 0;
}

static long ref_allow(uint32_t id, const struct iommu_iova_range *rg,
		      unsigned int n)
{
	struct ref_ioas *r = ref_lookup(id);
	unsigned int i, j;

	if (!r)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		if (rg[i].start >= rg[i].last)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (overlaps(rg[i].start, rg[i].last, rg[j].start,
				     rg[j].last))
				return -EINVAL;
	}
	for (i = 0; i < n; i++)
		if (ref_hits_reserved(r, rg[i].start, rg[i].last))
			return -EADDRINUSE;
	r->nallowed = n;
	for (i = 0; i < n; i++)
		r->allowed[i] = (struct span){ rg[i].start, rg[i].last };
	return 0;
}

/* Usable IOVA as IOVA_RANGES reports it: the gaps between reserved ranges */
static unsigned int ref_iova_ranges(const struct ref_ioas *r, struct span *out)
{
	struct span s[MAX_RESERVED];
	uint64_t cursor = 0;
	unsigned int i, n = 0;

	sorted_copy(s, r->reserved, r->nreserved);
	for (i = 0; i < r->nreserved; i++) {
		if (s[i].start > cursor)
			out[n++] = (struct span){ cursor, s[i].start - 1 };
		if (s[i].last == U64MAX)
			return n;
		cursor = max64(cursor, s[i].last + 1);
	}
	out[n++] = (struct span){ cursor, U64MAX };
	return n;
}

static long ref_huge_set(struct ref_ioas *r, uint64_t val)
{
	if (val == 1) {
		r->no_huge = false;
		return 0;
	}
	if (val != 0)
		return -EINVAL;
	if (r->no_huge)
		return 0;
	/* Raising the alignment to PAGE_SIZE must not strand any area */
	for (size_t i = 0; i < r->narea; i++) {
		const struct ref_area *a = &r->area[i];

		if ((a->iova % PAGE) || ((a->last - a->iova + 1) % PAGE) ||
		    (a->uva % PAGE))
			return -EADDRINUSE;
	}
	r->no_huge = true;
	return 0;
}

static uint32_t ref_lowest_free_id(void)
{
	uint32_t id = 1;

	while (ref_lookup(id))
		id++;
	return id;
}

static unsigned int ref_nlive(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NSLOT; i++)
		n += W.slot[i].live;
	return n;
}

/* ------------------------------------------------------------ model side */

static void check_ctx(void)
{
	char why[512];

	if (iommufd_ctx_check(W.h.ctx, why, sizeof(why)))
		diff_fail("iommufd_ctx_check: %s", why);
}

static long mioctl(unsigned int cmd, void *arg)
{
	long rc = iommufd_ctx_ioctl(W.h.ctx, cmd, (uintptr_t)arg);

	check_ctx();
	return rc;
}

static unsigned int model_spans(const struct itree *t, struct span *out,
				unsigned int max, const char *what, uint32_t id)
{
	struct itree_iter it;
	unsigned int n = 0;

	for (bool ok = itree_first(t, &it); ok; ok = itree_next(&it)) {
		if (n == max)
			diff_fail("IOAS %u: model has more than %u %s ranges",
				  id, max, what);
		out[n++] = (struct span){ it.start, it.last };
	}
	qsort(out, n, sizeof(*out), span_cmp);
	return n;
}

static void compare_spans(const struct itree *t, const struct span *ref,
			  unsigned int nref, const char *what, uint32_t id)
{
	struct span m[MAX_RESERVED + 1], r[MAX_RESERVED];
	unsigned int n = model_spans(t, m, MAX_RESERVED + 1, what, id), i;

	sorted_copy(r, ref, nref);
	if (n != nref)
		diff_fail("IOAS %u: model has %u %s ranges, reference %u", id,
			  n, what, nref);
	for (i = 0; i < n; i++)
		if (m[i].start != r[i].start || m[i].last != r[i].last)
			diff_fail("IOAS %u: %s range %u is [%#" PRIx64
				  ", %#" PRIx64 "] in the model, [%#" PRIx64
				  ", %#" PRIx64 "] in the reference",
				  id, what, i, m[i].start, m[i].last,
				  r[i].start, r[i].last);
}

static void compare_ioas(const struct ref_ioas *r)
{
	struct iommufd_ioas *m = iommufd_get_ioas(W.h.ctx, r->id);
	const struct io_pagetable *iopt;
	struct itree_iter it;
	size_t i = 0;

	if (!m)
		diff_fail("IOAS %u is live in the reference, not in the model",
			  r->id);
	iopt = &m->iopt;
	for (bool ok = itree_first(&iopt->area_itree, &it); ok;
	     ok = itree_next(&it), i++) {
		const struct iopt_area *a = it.item;
		const struct ref_area *e;
		uint64_t uva;

		if (i >= r->narea)
			diff_fail("IOAS %u: model has an extra area [%#" PRIx64
				  ", %#" PRIx64 "] (reference has %zu areas)",
				  r->id, a->start, a->last, r->narea);
		e = &r->area[i];
		if (!a->pages)
			diff_fail("IOAS %u: area at %#" PRIx64
				  " left under construction", r->id, a->start);
		uva = a->pages->uptr + a->pages_index * PAGE + a->page_offset;
		if (a->start != e->iova || a->last != e->last)
			diff_fail("IOAS %u: area %zu is [%#" PRIx64 ", %#" PRIx64
				  "] in the model, [%#" PRIx64 ", %#" PRIx64
				  "] in the reference",
				  r->id, i, a->start, a->last, e->iova,
				  e->last);
		if (uva != e->uva || a->page_offset != e->uva % PAGE)
			diff_fail("IOAS %u: area [%#" PRIx64 ", %#" PRIx64
				  "]: model user VA %#" PRIx64
				  " page_offset %#x, reference user VA %#" PRIx64,
				  r->id, a->start, a->last, uva,
				  a->page_offset, e->uva);
		if (a->iommu_prot != e->prot ||
		    a->pages->writable != e->writable)
			diff_fail("IOAS %u: area [%#" PRIx64 ", %#" PRIx64
				  "]: model prot %#x writable %d, reference "
				  "prot %#x writable %d",
				  r->id, a->start, a->last, a->iommu_prot,
				  a->pages->writable, e->prot, e->writable);
	}
	if (i != r->narea)
		diff_fail("IOAS %u: model has %zu areas, reference %zu; first "
			  "missing [%#" PRIx64 ", %#" PRIx64 "]",
			  r->id, i, r->narea, r->area[i].iova, r->area[i].last);
	compare_spans(&iopt->allowed_itree, r->allowed, r->nallowed, "allowed",
		      r->id);
	compare_spans(&iopt->reserved_itree, r->reserved, r->nreserved,
		      "reserved", r->id);
	if (iopt->disable_large_pages != r->no_huge)
		diff_fail("IOAS %u: model disable_large_pages %d, reference %d",
			  r->id, iopt->disable_large_pages, r->no_huge);
	if (iopt->iova_alignment != ref_align(r))
		diff_fail("IOAS %u: model iova_alignment %#" PRIx64
			  ", reference %#" PRIx64,
			  r->id, iopt->iova_alignment, ref_align(r));
}

static void compare_all(void)
{
	for (unsigned int i = 0; i < NSLOT; i++)
		if (W.slot[i].live)
			compare_ioas(&W.slot[i]);
	for (uint32_t id = 0; id < 16; id++)
		if (!ref_lookup(id) &&
		    iommufd_get_object(W.h.ctx, id, IOMMUFD_OBJ_ANY))
			diff_fail("model has object %u, the reference does not",
				  id);
	if (W.h.acct.user_locked_vm || W.h.acct.mm_locked_vm ||
	    W.h.acct.mm_pinned_vm)
		diff_fail("pages were charged without any domain: user %" PRIu64
			  " mm locked %" PRIu64 " mm pinned %" PRIu64,
			  W.h.acct.user_locked_vm, W.h.acct.mm_locked_vm,
			  W.h.acct.mm_pinned_vm);
	check_ctx();
}

/* ------------------------------------------------------------ generators */

static struct ref_ioas *pick(uint32_t *id)
{
	unsigned int i;

	if (!chance(25)) {
		unsigned int n = ref_nlive(), k;

		if (n) {
			k = (unsigned int)below(n);
			for (i = 0; i < NSLOT; i++)
				if (W.slot[i].live && !k--) {
					*id = W.slot[i].id;
					return &W.slot[i];
				}
		}
	}
	*id = (uint32_t)below(8);
	return ref_lookup(*id);
}

static uint64_t gen_len(void)
{
	switch (below(20)) {
	case 0: case 1: case 2:
		return 1 + below(PAGE);
	case 3:
		return 16 * (1 + below(256));
	case 4: case 5: case 6: case 7: case 8: case 9: case 10:
		return PAGE * (1 + below(16));
	case 11: case 12:
		return 0x10000 * (1 + below(8));
	case 13:
		return HPAGE * (1 + below(2)) + (chance(500) ? PAGE : 0);
	case 14: case 15:
		return 1 + below(1 << 20);
	case 16:
		return 1ull << below(22);
	case 17:
		return PAGE * (1 + below(64));
	default:
		return PAGE * (1 + below(4));
	}
}

static uint64_t gen_uva(void)
{
	const uint64_t span = BUF_SIZE / 2;

	switch (below(12)) {
	case 0:
		return W.buf + HPAGE * below(span / HPAGE);
	case 1:
		return W.buf + 0x10000 * below(span / 0x10000);
	case 2: case 3:
		return W.buf + below(span);
	case 4:
		return W.buf + PAGE * below(span / PAGE) +
		       (1ull << below(12));
	case 5:
		return W.buf + PAGE * below(span / PAGE) + 16 * below(256);
	case 6:
		return chance(100) ? 0 : W.buf + PAGE * below(span / PAGE);
	default:
		return W.buf + PAGE * below(span / PAGE);
	}
}

static uint32_t gen_prot(void)
{
	switch (below(8)) {
	case 0:
		return FL_R;
	case 1:
		return FL_W;
	default:
		return FL_R | FL_W;
	}
}

/* Fixed IOVAs aim at the busy low window, at and around existing areas */
static uint64_t gen_iova(const struct ref_ioas *r, uint64_t len, uint64_t uva)
{
	size_t n = r ? r->narea : 0;
	const struct ref_area *a = n ? &r->area[below(n)] : NULL;

	switch (below(16)) {
	case 0: case 1: case 2: case 3: case 4:
		return PAGE * below(W.win / PAGE);
	case 5: case 6:
		return below(W.win);
	case 7: case 8:
		return PAGE * below(W.win / PAGE) + uva % PAGE;
	case 9: case 10:
		if (a && a->last < U64MAX - 1)
			return a->last + 1;
		return PAGE * below(W.win / PAGE);
	case 11:
		if (a && a->iova >= len)
			return a->iova - len;
		return below(W.win);
	case 12:
		if (a)
			return a->iova + below(a->last - a->iova + 1);
		return below(W.win);
	case 13:
		return HPAGE * below(W.win / HPAGE + 1);
	default:
		return 0x10000 * below(W.win / 0x10000);
	}
}

/* Allowed ranges: mostly valid, sometimes touching, sometimes broken */
static unsigned int gen_ranges(struct iommu_iova_range *rg)
{
	unsigned int n = (unsigned int)below(5), i;
	uint64_t at = PAGE * below(W.win / 2 / PAGE);

	for (i = 0; i < n; i++) {
		uint64_t len = chance(100) ? 2 + below(0x10000) :
					     PAGE * (1 + below(128));

		if (!chance(300))
			at += chance(100) ? 1 + below(W.win / 8) :
					    PAGE * below(W.win / 8 / PAGE);
		rg[i].start = at;
		rg[i].last = at + len - 1;
		at += len;
	}
	if (n && chance(60)) {
		i = (unsigned int)below(n);
		rg[i].last = rg[i].start - below(2);
	}
	if (n > 1 && chance(40))
		rg[n - 1] = rg[0];
	if (n < MAX_ALLOWED && chance(80)) {
		uint64_t k = PAGE * (1 + below(3)) + below(2);

		rg[n++] = chance(500) ? (struct iommu_iova_range){ U64MAX - k + 1,
								  U64MAX } :
					(struct iommu_iova_range){ 0, k - 1 };
	}
	for (i = n; i > 1; i--) {
		unsigned int j = (unsigned int)below(i);
		struct iommu_iova_range t = rg[i - 1];

		rg[i - 1] = rg[j];
		rg[j] = t;
	}
	return n;
}

/* ------------------------------------------------------------ operations */

static void do_map(uint32_t id, uint32_t flags, uint64_t uva, uint64_t len,
		   uint64_t iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = id,
		.user_va = uva, .length = len, .iova = iova,
	};
	uint64_t want_iova = iova;
	long want, got;

	set_op("MAP ioas %u flags %#x user_va %#" PRIx64 " length %#" PRIx64
	       " iova %#" PRIx64,
	       id, flags, uva, len, iova);
	want = ref_map(id, flags, uva, len, &want_iova);
	got = mioctl(IOMMU_IOAS_MAP, &cmd);
	expect_rc("MAP", got, want);
	count((flags & FL_FIXED) ? K_MAP_FIXED : K_MAP_AUTO, got);
	if (!got && cmd.iova != want_iova)
		diff_fail("MAP placed at iova %#" PRIx64
			  " by the model, %#" PRIx64 " by the reference",
			  (uint64_t)cmd.iova, want_iova);
	if (got && cmd.iova != iova)
		diff_fail("failed MAP wrote iova %#" PRIx64 " back",
			  (uint64_t)cmd.iova);
	if (cmd.user_va != uva || cmd.length != len || cmd.flags != flags)
		diff_fail("MAP changed user_va/length/flags");
}

static void op_map(void)
{
	uint32_t id;
	const struct ref_ioas *r = pick(&id);
	uint64_t len = gen_len(), uva = gen_uva(), iova = 0;
	uint32_t flags = gen_prot();

	/* Keep the arrays from growing without bound: sweep a region */
	if (r && r->narea > 300) {
		struct iommu_ioas_unmap cmd = {
			.size = sizeof(cmd), .ioas_id = id,
			.iova = r->area[r->narea / 2].iova,
			.length = U64MAX - r->area[r->narea / 2].iova,
		};
		uint64_t want_len = 0;

		set_op("UNMAP (sweep) ioas %u iova %#" PRIx64 " length %#" PRIx64,
		       id, (uint64_t)cmd.iova, (uint64_t)cmd.length);
		expect_rc("UNMAP", mioctl(IOMMU_IOAS_UNMAP, &cmd),
			  ref_unmap(id, cmd.iova, cmd.length, &want_len));
		if (cmd.length != want_len)
			diff_fail("UNMAP reported %#" PRIx64
				  " bytes, reference %#" PRIx64,
				  (uint64_t)cmd.length, want_len);
		return;
	}
	if (chance(450)) {
		flags |= FL_FIXED;
		iova = gen_iova(r, len, uva);
	} else if (chance(100)) {
		iova = rnd() >> below(64); /* ignored without FIXED_IOVA */
	}
	if (chance(40)) {
		switch (below(12)) {
		case 0:
			flags &= FL_FIXED;
			break;
		case 1:
			flags |= 1u << (3 + below(29));
			break;
		case 2:
			len = 0;
			break;
		case 3:
			len = U64MAX;
			break;
		case 4:
			len = U64MAX - below(PAGE + 1);
			break;
		case 5:
			uva = U64MAX - below(PAGE);
			break;
		case 6:
			flags |= FL_FIXED;
			iova = U64MAX - below(2);
			break;
		case 7:
			/* The last page of the IOVA space is mappable... */
			flags |= FL_FIXED;
			len = PAGE * (1 + below(2));
			iova = U64MAX - PAGE + 1;
			uva = W.buf;
			break;
		case 8:
			flags &= ~FL_FIXED;
			len = 1ull << (62 + below(2));
			break;
		case 9:
			flags |= FL_FIXED;
			len = 1ull << (40 + below(23));
			iova = 1ull << 62;
			uva = W.buf;
			break;
		case 10:
			uva = 0;
			break;
		default:
			flags &= ~FL_FIXED;
			len = W.win / 2 + below(W.win);
			break;
		}
	}
	do_map(id, flags, uva, len, iova);
}

static void op_unmap(void)
{
	uint32_t id;
	const struct ref_ioas *r = pick(&id);
	size_t n = r ? r->narea : 0;
	uint64_t iova, len, want_len = 0, i, j;
	struct iommu_ioas_unmap cmd = { .size = sizeof(cmd), .ioas_id = id };
	long want, got;

	switch (n ? below(20) : 13 + below(7)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		i = below(n);
		iova = r->area[i].iova;
		len = r->area[i].last - iova + 1;
		break;
	case 6: case 7: case 8: case 9: {
		/* A superset of areas i..j, with slack that touches nothing */
		uint64_t before, after;

		i = below(n);
		j = min64(n - 1, i + below(4));
		before = i ? r->area[i].iova - r->area[i - 1].last - 1 :
			     r->area[i].iova;
		after = j + 1 < n ? r->area[j + 1].iova - r->area[j].last - 1 :
				    U64MAX - r->area[j].last;
		iova = r->area[i].iova - below(min64(before, 2 * PAGE) + 1);
		len = r->area[j].last - iova + 1 +
		      below(min64(after, 2 * PAGE) + 1);
		break;
	}
	case 10: case 11: case 12: {
		/* Cut into an area: never allowed */
		const struct ref_area *a = &r->area[below(n)];
		uint64_t alen = a->last - a->iova + 1;

		if (alen == 1 || chance(500)) {
			iova = a->iova + (alen > 1 ? 1 + below(alen - 1) : 0);
			len = 1 + below(2 * PAGE);
		} else {
			iova = a->iova - below(min64(a->iova, PAGE) + 1);
			len = a->iova - iova + 1 + below(alen - 1);
		}
		break;
	}
	case 13: case 14: case 15: case 16:
		iova = below(W.win);
		len = 1 + below(W.win / 4);
		break;
	case 17:
		if (chance(300)) {
			iova = 0;
			len = U64MAX;
		} else {
			iova = PAGE * below(W.win / PAGE);
			len = PAGE * (1 + below(W.win / 4 / PAGE));
		}
		break;
	case 18:
		switch (below(6)) {
		case 0:
			iova = below(W.win);
			len = 0;
			break;
		case 1:
			iova = U64MAX;
			len = 1;
			break;
		case 2:
			iova = 1 + below(W.win);
			len = U64MAX;
			break;
		case 3:
			iova = U64MAX - below(PAGE);
			len = 2 * PAGE;
			break;
		case 4:
			iova = 0;
			len = U64MAX - 1;
			break;
		default:
			iova = U64MAX - PAGE + 1;
			len = PAGE;
			break;
		}
		break;
	default:
		iova = 0;
		len = W.win;
		break;
	}
	cmd.iova = iova;
	cmd.length = len;
	set_op("UNMAP ioas %u iova %#" PRIx64 " length %#" PRIx64, id, iova,
	       len);
	want = ref_unmap(id, iova, len, &want_len);
	got = mioctl(IOMMU_IOAS_UNMAP, &cmd);
	expect_rc("UNMAP", got, want);
	count(K_UNMAP, got);
	if (!got && cmd.length != want_len)
		diff_fail("UNMAP reported %#" PRIx64 " bytes, reference %#" PRIx64,
			  (uint64_t)cmd.length, want_len);
	if (got && cmd.length != len)
		diff_fail("failed UNMAP wrote length %#" PRIx64 " back",
			  (uint64_t)cmd.length);
	if (cmd.iova != iova)
		diff_fail("UNMAP changed iova");
}

static void op_copy(void)
{
	uint32_t src, dst;
	const struct ref_ioas *s = pick(&src), *d = s;
	size_t n = s ? s->narea : 0;
	uint64_t src_iova, len, dst_iova = 0, want_iova;
	uint32_t flags = gen_prot();
	long want, got;

	dst = src;
	if (!chance(300))
		d = pick(&dst);
	if (n && !chance(100)) {
		size_t i = below(n), j = i;
		const struct ref_area *a = &s->area[i];

		src_iova = a->iova + (chance(400) ? 0 :
				      below(a->last - a->iova + 1));
		/* Sometimes run on across IOVA-contiguous neighbours */
		while (chance(500) && j + 1 < n &&
		       s->area[j + 1].iova == s->area[j].last + 1)
			j++;
		if (chance(400))
			len = s->area[j].last - src_iova + 1;
		else
			len = max64(s->area[j].iova, src_iova) - src_iova + 1 +
			      below(s->area[j].last -
				    max64(s->area[j].iova, src_iova) + 1);
		if (chance(50))
			len += 1 + below(PAGE);
	} else {
		src_iova = below(W.win);
		len = 1 + below(4 * PAGE);
	}
	if (chance(400)) {
		flags |= FL_FIXED;
		dst_iova = gen_iova(d, len, 0);
	}
	if (chance(30)) {
		switch (below(6)) {
		case 0:
			flags &= FL_FIXED;
			break;
		case 1:
			flags |= 1u << (3 + below(29));
			break;
		case 2:
			len = chance(500) ? 0 : U64MAX;
			break;
		case 3:
			src_iova = U64MAX - below(2);
			break;
		case 4:
			dst_iova = U64MAX;
			break;
		default:
			src_iova = U64MAX - below(PAGE);
			len = 2 * PAGE;
			break;
		}
	}

	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd), .flags = flags, .dst_ioas_id = dst,
		.src_ioas_id = src, .length = len, .dst_iova = dst_iova,
		.src_iova = src_iova,
	};

	set_op("COPY flags %#x src ioas %u iova %#" PRIx64 " length %#" PRIx64
	       " -> dst ioas %u iova %#" PRIx64,
	       flags, src, src_iova, len, dst, dst_iova);
	want_iova = dst_iova;
	want = ref_copy(dst, src, flags, src_iova, len, &want_iova);
	got = mioctl(IOMMU_IOAS_COPY, &cmd);
	expect_rc("COPY", got, want);
	count(K_COPY, got);
	if (!got && cmd.dst_iova != want_iova)
		diff_fail("COPY placed at iova %#" PRIx64
			  " by the model, %#" PRIx64 " by the reference",
			  (uint64_t)cmd.dst_iova, want_iova);
	if (got && cmd.dst_iova != dst_iova)
		diff_fail("failed COPY wrote dst_iova %#" PRIx64 " back",
			  (uint64_t)cmd.dst_iova);
}

static void op_allow(void)
{
	struct iommu_iova_range rg[MAX_ALLOWED];
	uint32_t id;
	unsigned int n, i;
	char *p;
	size_t left;
	long want;

	pick(&id);
	n = gen_ranges(rg);
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = id, .num_iovas = n,
		.allowed_iovas = (uintptr_t)rg,
	};

	p = W.op + snprintf(W.op, sizeof(W.op), "ALLOW_IOVAS ioas %u:", id);
	left = sizeof(W.op) - (size_t)(p - W.op);
	for (i = 0; i < n && left > 1; i++) {
		int k = snprintf(p, left, " [%#" PRIx64 ", %#" PRIx64 "]",
				 (uint64_t)rg[i].start, (uint64_t)rg[i].last);

		if (k < 0 || (size_t)k >= left)
			break;
		p += k;
		left -= (size_t)k;
	}
	want = ref_allow(id, rg, n);
	expect_rc("ALLOW_IOVAS", mioctl(IOMMU_IOAS_ALLOW_IOVAS, &cmd), want);
	count(K_ALLOW, want);
}

/* @append: part of another step, whose description stays in front */
static void do_iova_ranges(uint32_t id, uint32_t cap, bool append)
{
	struct iommu_iova_range out[MAX_RANGES_OUT];
	struct span want[MAX_RESERVED + 1];
	const struct ref_ioas *r = ref_lookup(id);
	unsigned int nwant = 0, i;
	long rc_want = -ENOENT, got;

	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = id, .num_iovas = cap,
		.allowed_iovas = (uintptr_t)out,
	};

	memset(out, 0xa5, sizeof(out));
	if (append) {
		size_t used = strlen(W.op);

		snprintf(W.op + used, sizeof(W.op) - used,
			 "; then IOVA_RANGES capacity %u", cap);
	} else {
		set_op("IOVA_RANGES ioas %u capacity %u", id, cap);
	}
	if (r) {
		nwant = ref_iova_ranges(r, want);
		rc_want = nwant > cap ? -EMSGSIZE : 0;
	}
	got = mioctl(IOMMU_IOAS_IOVA_RANGES, &cmd);
	expect_rc("IOVA_RANGES", got, rc_want);
	count(K_RANGES, got);
	if (!r) {
		if (cmd.num_iovas != cap)
			diff_fail("failed IOVA_RANGES wrote num_iovas back");
		return;
	}
	if (cmd.num_iovas != nwant)
		diff_fail("IOVA_RANGES num_iovas %u, reference %u",
			  cmd.num_iovas, nwant);
	if (cmd.out_iova_alignment != ref_align(r))
		diff_fail("IOVA_RANGES out_iova_alignment %#" PRIx64
			  ", reference %#" PRIx64,
			  (uint64_t)cmd.out_iova_alignment, ref_align(r));
	for (i = 0; i < MAX_RANGES_OUT; i++) {
		if (i < nwant && i < cap) {
			if (out[i].start != want[i].start ||
			    out[i].last != want[i].last)
				diff_fail("IOVA_RANGES entry %u is [%#" PRIx64
					  ", %#" PRIx64 "], reference [%#" PRIx64
					  ", %#" PRIx64 "]",
					  i, (uint64_t)out[i].start,
					  (uint64_t)out[i].last, want[i].start,
					  want[i].last);
		} else if (out[i].start != 0xa5a5a5a5a5a5a5a5ull ||
			   out[i].last != 0xa5a5a5a5a5a5a5a5ull) {
			diff_fail("IOVA_RANGES wrote entry %u beyond the %u "
				  "ranges / capacity %u",
				  i, nwant, cap);
		}
	}
}

static void op_iova_ranges(void)
{
	uint32_t id;

	pick(&id);
	do_iova_ranges(id, (uint32_t)below(5), false);
}

static void do_option(uint32_t option, uint32_t object, uint16_t op,
		      uint64_t val, long want, bool get, uint64_t want_val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = option, .op = op,
		.object_id = object, .val64 = val,
	};
	long got;

	got = mioctl(IOMMU_OPTION, &cmd);
	expect_rc("OPTION", got, want);
	if (!got && get && cmd.val64 != want_val)
		diff_fail("OPTION GET returned %" PRIu64 ", reference %" PRIu64,
			  (uint64_t)cmd.val64, want_val);
	if ((got || !get) && cmd.val64 != val)
		diff_fail("OPTION changed val64 to %" PRIu64 " (sent %" PRIu64
			  ")",
			  (uint64_t)cmd.val64, val);
	if (cmd.object_id != object || cmd.op != op ||
	    cmd.option_id != option)
		diff_fail("OPTION wrote back more than val64");
}

static void op_huge(void)
{
	uint32_t id;
	struct ref_ioas *r = pick(&id);
	uint16_t op = chance(400) ? IOMMU_OPTION_OP_GET :
		      chance(950) ? IOMMU_OPTION_OP_SET :
				    (uint16_t)(2 + below(100));
	uint64_t val = chance(30) ? 2 + below(10) : below(2);
	long want;

	set_op("OPTION HUGE_PAGES ioas %u op %u val %" PRIu64, id, op, val);
	if (!r)
		want = -ENOENT;
	else if (op == IOMMU_OPTION_OP_GET)
		want = 0;
	else if (op == IOMMU_OPTION_OP_SET)
		want = ref_huge_set(r, val);
	else
		want = -EOPNOTSUPP;
	count(K_HUGE, want);
	do_option(IOMMU_OPTION_HUGE_PAGES, id, op, val, want,
		  op == IOMMU_OPTION_OP_GET, r ? !r->no_huge : 0);
}

static void do_rlimit(uint32_t object, uint16_t op, uint64_t val)
{
	bool cap = W.h.env.caps & IOMMUFD_CAP_SYS_RESOURCE;
	long want;

	set_op("OPTION RLIMIT_MODE object %u op %u val %" PRIu64
	       " (CAP_SYS_RESOURCE %d, %u IOAS live)",
	       object, op, val, cap, ref_nlive());
	if (object)
		want = -EOPNOTSUPP;
	else if (op == IOMMU_OPTION_OP_GET)
		want = 0;
	else if (op != IOMMU_OPTION_OP_SET)
		want = -EOPNOTSUPP;
	else if (!cap)
		want = -EPERM;
	else if (ref_nlive())
		want = -EBUSY;
	else if (val > 1)
		want = -EINVAL;
	else
		want = 0;
	count(K_RLIMIT, want);
	do_option(IOMMU_OPTION_RLIMIT_MODE, object, op, val, want,
		  op == IOMMU_OPTION_OP_GET, W.mm_mode);
	if (!want && op == IOMMU_OPTION_OP_SET)
		W.mm_mode = val == 1;
}

static void op_rlimit(void)
{
	uint16_t op = chance(500) ? IOMMU_OPTION_OP_GET :
		      chance(900) ? IOMMU_OPTION_OP_SET :
				    (uint16_t)(2 + below(5));

	if (chance(200))
		W.h.env.caps ^= IOMMUFD_CAP_SYS_RESOURCE;
	do_rlimit(chance(50) ? 1 + (uint32_t)below(5) : 0, op,
		  chance(50) ? 2 : below(2));
}

static void op_option_unknown(void)
{
	uint32_t id;
	uint32_t option = 2 + (uint32_t)below(30);

	pick(&id);
	set_op("OPTION id %u object %u", option, id);
	do_option(option, id, IOMMU_OPTION_OP_GET, 0, -EOPNOTSUPP, true, 0);
}

/* IOMMU_TEST_OP_ADD_RESERVED, through the io_pagetable directly */
static void op_reserve(void)
{
	uint32_t id;
	struct ref_ioas *r = pick(&id);
	struct iommufd_ioas *m;
	uint64_t start, last;
	long want;
	int got;

	set_op("reserve (internal) ioas %u: skipped", id);
	if (!r || r->nreserved == MAX_RESERVED)
		return;
	switch (below(10)) {
	case 0:
		start = U64MAX - PAGE * below(4) - below(PAGE);
		last = U64MAX;
		break;
	case 1:
		start = 0;
		last = below(2 * PAGE);
		break;
	case 2: case 3:
		start = below(W.win);
		last = start + below(0x10000);
		break;
	default:
		start = PAGE * below(W.win / PAGE);
		last = start + PAGE * (1 + below(16)) - 1;
		break;
	}
	set_op("reserve (internal) ioas %u [%#" PRIx64 ", %#" PRIx64 "]", id,
	       start, last);
	want = ref_hits_area(r, start, last) || ref_hits_allowed(r, start, last) ?
		       -EADDRINUSE :
		       0;
	m = iommufd_get_ioas(W.h.ctx, id);
	if (!m)
		diff_fail("IOAS %u missing from the model", id);
	got = iopt_reserve_iova(&m->iopt, start, last, NULL);
	check_ctx();
	expect_rc("iopt_reserve_iova", got, want);
	count(K_RESERVE, got);
	if (!want)
		r->reserved[r->nreserved++] = (struct span){ start, last };
	do_iova_ranges(id, MAX_RANGES_OUT, true);
}

static void free_slot(struct ref_ioas *r)
{
	free(r->area);
	memset(r, 0, sizeof(*r));
}

static void do_alloc(struct ref_ioas *r)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	uint32_t want = ref_lowest_free_id();

	set_op("IOAS_ALLOC (expect id %u)", want);
	expect_rc("IOAS_ALLOC", mioctl(IOMMU_IOAS_ALLOC, &cmd), 0);
	if (cmd.out_ioas_id != want)
		diff_fail("IOAS_ALLOC returned id %u, reference %u",
			  cmd.out_ioas_id, want);
	free_slot(r);
	r->live = true;
	r->id = want;
}

static void do_destroy(uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
	struct ref_ioas *r = ref_lookup(id);

	set_op("DESTROY %u", id);
	expect_rc("DESTROY", mioctl(IOMMU_DESTROY, &cmd), r ? 0 : -ENOENT);
	if (r)
		free_slot(r);
}

static void op_lifecycle(void)
{
	unsigned int i, live = ref_nlive();

	for (i = 0; i < NSLOT; i++)
		if (!W.slot[i].live && (live < 2 || chance(500))) {
			do_alloc(&W.slot[i]);
			return;
		}
	if (live >= 2) {
		uint32_t id;

		if (pick(&id))
			do_destroy(id);
		return;
	}
	do_destroy(8 + (uint32_t)below(8));
}

/* Empty the context so RLIMIT_MODE can change, then start over */
static void op_reset(void)
{
	unsigned int i;

	for (i = 0; i < NSLOT; i++)
		if (W.slot[i].live)
			do_destroy(W.slot[i].id);
	compare_all();
	if (chance(300))
		W.h.env.caps ^= IOMMUFD_CAP_SYS_RESOURCE;
	do_rlimit(0, IOMMU_OPTION_OP_SET, chance(100) ? 2 : below(2));
	do_rlimit(0, IOMMU_OPTION_OP_GET, 0);
	for (i = 0; i < NSLOT; i++)
		do_alloc(&W.slot[i]);
}

static void one_step(void)
{
	unsigned int k = (unsigned int)below(1000);

	if (k < 330)
		op_map();
	else if (k < 570)
		op_unmap();
	else if (k < 700)
		op_copy();
	else if (k < 750)
		op_allow();
	else if (k < 810)
		op_iova_ranges();
	else if (k < 870)
		op_huge();
	else if (k < 910)
		op_reserve();
	else if (k < 930)
		op_rlimit();
	else if (k < 935)
		op_option_unknown();
	else if (k < 950)
		op_lifecycle();
	else if (k < 953)
		op_reset();
	else
		op_map();
}

/* ------------------------------------------------------------ driver */

static uint64_t env_u64(const char *name, uint64_t dflt, bool *set)
{
	const char *s = getenv(name);
	char *end;
	uint64_t v;

	if (!s || !*s)
		return dflt;
	v = strtoull(s, &end, 0);
	cr_assert(*end == '\0', "%s=%s is not a number", name, s);
	if (set)
		*set = true;
	return v;
}

static void run_sequence(uint64_t seed, unsigned int seq, unsigned int steps)
{
	static const uint64_t wins[] = { 4ull << 20, 16ull << 20, 64ull << 20,
					 256ull << 20 };
	uint64_t buf = W.buf;
	unsigned int i;

	memset(&W.slot, 0, sizeof(W.slot));
	memset(W.hist, 0, sizeof(W.hist));
	W.seq_seed = seed;
	W.seq = seq;
	W.step = 0;
	W.rng = splitmix64(seed) | 1;
	W.buf = buf;
	W.win = wins[below(4)];
	W.mm_mode = false;
	W.op[0] = '\0';
	harness_open(&W.h, IOMMUFD_CAP_SYS_RESOURCE, 0);

	if (chance(500))
		do_rlimit(0, IOMMU_OPTION_OP_SET, 1);
	for (i = 0; i < NSLOT; i++)
		do_alloc(&W.slot[i]);
	compare_all();

	for (W.step = 1; W.step <= steps; W.step++) {
		one_step();
		compare_all();
		memcpy(W.hist[W.step % HIST], W.op, sizeof(W.op));
	}

	harness_close(&W.h);
	for (i = 0; i < NSLOT; i++)
		free_slot(&W.slot[i]);
}

static const char *errno_name(unsigned int e)
{
	static char b[16];

	switch (e) {
	case 0: return "ok";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case ENOSPC: return "ENOSPC";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRINUSE: return "EADDRINUSE";
	case EMSGSIZE: return "EMSGSIZE";
	default:
		snprintf(b, sizeof(b), "errno%u", e);
		return b;
	}
}

static void print_stats(void)
{
	for (unsigned int k = 0; k < K_NKIND; k++) {
		fprintf(stderr, "%-12s", kind_name[k]);
		for (unsigned int e = 0; e < NERRNO; e++)
			if (W.stats[k][e])
				fprintf(stderr, " %s:%" PRIu64,
					errno_name(e), W.stats[k][e]);
		fprintf(stderr, "\n");
	}
}

Test(differential, ioas_random_sequences)
{
	bool seeded = false;
	uint64_t base = env_u64("MODEL_TEST_SEED", DEFAULT_SEED, &seeded);
	unsigned int seqs = (unsigned int)env_u64("MODEL_TEST_SEQS",
						  DEFAULT_SEQS, NULL);
	unsigned int steps = (unsigned int)env_u64("MODEL_TEST_STEPS",
						   DEFAULT_STEPS, NULL);
	size_t reserve = BUF_SIZE + (32ull << 20);
	void *map;

	/*
	 * A 32 MiB aligned buffer lets user VAs carry every alignment. The
	 * address hint only makes the VAs in failure messages repeat from run
	 * to run; the outcome depends on their low 25 bits alone.
	 */
	map = mmap((void *)0x7e0000000000ull, reserve, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_neq(map, MAP_FAILED);
	W.buf = ((uintptr_t)map + (32ull << 20) - 1) & ~((32ull << 20) - 1);

	if (seeded)
		cr_log_info("differential: MODEL_TEST_SEED=%#" PRIx64
			    ", %u sequences of %u steps",
			    base, seqs, steps);
	for (unsigned int s = 0; s < seqs; s++)
		run_sequence(base + s, s, steps);

	if (env_u64("MODEL_TEST_STATS", 0, NULL))
		print_stats();
	free(W.pieces);
	free(W.busy);
	munmap(map, reserve);
}
