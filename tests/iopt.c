// SPDX-License-Identifier: MIT
/*
 * io_pagetable internals that no ioctl reaches yet (domains, accesses,
 * cuts, reservations), driven through the internal API on IOASes created by
 * ioctl, over simulated memory so that every page's pin count is visible.
 *
 * The "test domain" below is a flat IOVA -> PA store with one entry per
 * granule (its smallest page size). It refuses misaligned, overlapping or
 * out-of-aperture maps and unmaps of IOVA it does not hold, records every
 * call, and can be told to fail its Nth map. Each of those refusals is a
 * model bug, so the invariant check run after every step also asserts that
 * no domain saw one.
 *
 * Kernel references are drivers/iommu/iommufd/{io_pagetable.c,pages.c,
 * device.c} of Linux 6.12.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommufd/model.h>
#include <iommufd/uapi.h>

#include "private.h"
#include "mem/sim_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define PG 4096ull
#define INF IOMMUFD_RLIM_INFINITY
/* ioctl structs go here, arrays they point to one page further */
#define SCRATCH 0x10000ull
#define SCRATCH_ARR (SCRATCH + PG)
#define SCRATCH_LEN (4 * PG)
/* user buffers */
#define VA 0x40000000ull
#define VA2 0x50000000ull
#define VA3 0x60000000ull
#define VA4 0x70000000ull
/* IOVAs */
#define I1 0x100000ull
#define I2 0x200000ull
#define I3 0x300000ull

#define PROT_RW (IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE)
#define PROT_RO (IOMMU_READ | IOMMU_CACHE)
#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_RO IOMMU_IOAS_MAP_READABLE
#define MAP_WO IOMMU_IOAS_MAP_WRITEABLE

/* ================================================================ domain */

struct tdom_ent {
	uint64_t iova, pa;
	int prot;
};

struct tdom_call {
	bool map;
	uint64_t iova, pa, len;
	int prot, rc;
};

#define TDOM_MAX_ON 4

struct tdom {
	struct iopt_domain dom;
	uint64_t granule;
	struct tdom_ent *ent;
	size_t nent, capent;
	struct tdom_call *log;
	size_t nlog, caplog;
	unsigned int map_calls, unmap_calls;
	unsigned int fail_in; /* the fail_in-th map from now fails */
	int fail_errno;
	unsigned int bad;
	char bad_why[256];
	struct io_pagetable *on[TDOM_MAX_ON]; /* where it is attached */
};

static void tdom_bad(struct tdom *d, const char *what, uint64_t iova,
		     uint64_t len)
{
	if (!d->bad++)
		snprintf(d->bad_why, sizeof(d->bad_why),
			 "%s at iova %#llx len %#llx", what,
			 (unsigned long long)iova, (unsigned long long)len);
}

static long tdom_find(const struct tdom *d, uint64_t iova)
{
	size_t i;

	for (i = 0; i < d->nent; i++)
		if (d->ent[i].iova == iova)
			return (long)i;
	return -1;
}

static void tdom_log(struct tdom *d, bool map, uint64_t iova, uint64_t pa,
		     uint64_t len, int prot, int rc)
{
	if (d->nlog == d->caplog) {
		d->caplog = d->caplog ? d->caplog * 2 : 64;
		d->log = realloc(d->log, d->caplog * sizeof(*d->log));
		cr_assert_not_null(d->log);
	}
	d->log[d->nlog++] = (struct tdom_call){ map, iova, pa, len, prot, rc };
}

static int tdom_map(struct iopt_domain *dom, uint64_t iova, uint64_t pa,
		    uint64_t len, int prot)
{
	struct tdom *d = container_of(dom, struct tdom, dom);
	uint64_t off;
	int rc = 0;

	d->map_calls++;
	if (d->fail_in && !--d->fail_in) {
		rc = d->fail_errno;
	} else if (!len || ((iova | pa | len) & (d->granule - 1))) {
		/* __iommu_map(): everything aligned to the smallest page */
		tdom_bad(d, "misaligned map", iova, len);
		rc = -EINVAL;
	} else if (iova < dom->aperture_start || iova + len - 1 < iova ||
		   iova + len - 1 > dom->aperture_end) {
		tdom_bad(d, "map outside the aperture", iova, len);
		rc = -EINVAL;
	} else {
		for (off = 0; off < len; off += d->granule)
			if (tdom_find(d, iova + off) >= 0) {
				tdom_bad(d, "map over a live IOPTE", iova + off,
					 len);
				rc = -EEXIST;
				break;
			}
	}
	tdom_log(d, true, iova, pa, len, prot, rc);
	if (rc)
		return rc;
	for (off = 0; off < len; off += d->granule) {
		if (d->nent == d->capent) {
			d->capent = d->capent ? d->capent * 2 : 64;
			d->ent = realloc(d->ent, d->capent * sizeof(*d->ent));
			cr_assert_not_null(d->ent);
		}
		d->ent[d->nent++] =
			(struct tdom_ent){ iova + off, pa + off, prot };
	}
	return 0;
}

static uint64_t tdom_unmap(struct iopt_domain *dom, uint64_t iova,
			   uint64_t len)
{
	struct tdom *d = container_of(dom, struct tdom, dom);
	uint64_t off, removed = 0;

	d->unmap_calls++;
	tdom_log(d, false, iova, 0, len, 0, 0);
	if (!len || ((iova | len) & (d->granule - 1))) {
		tdom_bad(d, "misaligned unmap", iova, len);
		return 0;
	}
	for (off = 0; off < len; off += d->granule) {
		long i = tdom_find(d, iova + off);

		if (i < 0) {
			tdom_bad(d, "unmap of IOVA not mapped", iova + off,
				 len);
			continue;
		}
		d->ent[i] = d->ent[--d->nent];
		removed += d->granule;
	}
	return removed;
}

static const struct iopt_domain_ops tdom_ops = {
	.map = tdom_map,
	.unmap = tdom_unmap,
};

/* ================================================================ access */

struct tacc_pin {
	uint64_t iova, len;
	bool live;
};

#define TACC_MAX_PINS 16

struct tacc {
	struct iopt_access acc;
	struct io_pagetable *iopt;
	bool added;
	bool unpin_on_unmap; /* a well-behaved driver */
	unsigned int ncalls;
	uint64_t cb_iova, cb_len;
	struct tacc_pin pins[TACC_MAX_PINS];
	unsigned int npins;
};

/* The driver's unmap notifier: give back every pin in the range */
static void tacc_unmap(struct iopt_access *access, uint64_t iova,
		       uint64_t length)
{
	struct tacc *a = container_of(access, struct tacc, acc);
	unsigned int i;

	a->ncalls++;
	a->cb_iova = iova;
	a->cb_len = length;
	if (!a->unpin_on_unmap)
		return;
	for (i = 0; i < a->npins; i++) {
		struct tacc_pin *p = &a->pins[i];

		if (!p->live || p->iova > iova + length - 1 ||
		    p->iova + p->len - 1 < iova)
			continue;
		iopt_access_unpin(a->iopt, p->iova, p->len);
		p->live = false;
	}
}

static const struct iopt_access_ops tacc_ops = { .unmap = tacc_unmap };

/* ================================================================ fixture */

#define MAX_DOMS 8
#define MAX_ACCS 8

static struct {
	struct iommufd_mem_sim *sim;
	struct iommufd_acct acct;
	struct iommufd_env env;
	struct iommufd_ctx *ctx;
	struct tdom *doms[MAX_DOMS];
	unsigned int ndoms;
	struct tacc *accs[MAX_ACCS];
	unsigned int naccs;
} F;

static void t_check(void)
{
	char why[512];
	unsigned int i;

	cr_assert_eq(iommufd_ctx_check(F.ctx, why, sizeof(why)), 0,
		     "invariant broken: %s", why);
	for (i = 0; i < F.ndoms; i++)
		cr_assert_eq(F.doms[i]->bad, 0, "domain %u saw a bad call: %s",
			     i, F.doms[i]->bad_why);
}

/*
 * A context over fresh simulated memory. In strict mode only the scratch
 * pages exist until the test adds ranges.
 */
static void fx_open(uint32_t caps, unsigned int flags, uint64_t rlimit,
		    bool strict)
{
	memset(&F, 0, sizeof(F));
	F.sim = iommufd_mem_sim_new();
	cr_assert_not_null(F.sim);
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, SCRATCH, SCRATCH_LEN,
					       true), 0);
	iommufd_mem_sim_set_strict(F.sim, strict);
	F.env.mem = iommufd_mem_sim_provider(F.sim);
	F.env.acct = &F.acct;
	F.env.caps = caps;
	F.env.rlimit_memlock = rlimit;
	F.ctx = iommufd_ctx_open(&F.env, flags);
	cr_assert_not_null(F.ctx);
	t_check();
}

static void fx_close(void)
{
	unsigned int i, k;

	if (!F.sim)
		return;
	/* Drivers let go before the file is closed */
	for (i = 0; i < F.naccs; i++) {
		struct tacc *a = F.accs[i];

		for (k = 0; k < a->npins; k++)
			if (a->pins[k].live)
				iopt_access_unpin(a->iopt, a->pins[k].iova,
						  a->pins[k].len);
		if (a->added)
			iopt_remove_access(a->iopt, &a->acc,
					   a->acc.iopt_access_list_id);
	}
	for (i = 0; i < F.ndoms; i++)
		for (k = 0; k < TDOM_MAX_ON; k++)
			if (F.doms[i]->on[k])
				iopt_table_remove_domain(F.doms[i]->on[k],
							 &F.doms[i]->dom);
	iommufd_ctx_close(F.ctx);
	F.ctx = NULL;
	cr_assert_eq(iommufd_mem_sim_npages_pinned(F.sim), 0,
		     "pins left after close");
	for (i = 0; i < F.ndoms; i++) {
		free(F.doms[i]->ent);
		free(F.doms[i]->log);
		free(F.doms[i]);
	}
	for (i = 0; i < F.naccs; i++)
		free(F.accs[i]);
	iommufd_mem_sim_free(F.sim);
	F.sim = NULL;
#ifdef HAVE_LSAN
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
		     "leak (see the LeakSanitizer report above)");
#endif
}

TestSuite(iopt, .fini = fx_close);

/* ------------------------------------------------------------- ioctls */

static long t_ioctl(unsigned int cmd, void *arg, size_t size)
{
	const struct iommufd_mem *m = &F.env.mem;
	long rc;

	cr_assert_eq(m->ops->write(m->priv, SCRATCH, arg, size), 0);
	rc = iommufd_ctx_ioctl(F.ctx, cmd, SCRATCH);
	cr_assert_eq(m->ops->read(m->priv, arg, SCRATCH, size), 0);
	t_check();
	return rc;
}

#define EXPECT_RC(expr, want)                                                 \
	do {                                                                  \
		long _rc = (expr);                                            \
		long _want = (want);                                          \
		cr_assert_eq(_rc, _want, "%s: expected %ld (%s), got %ld (%s)", \
			     #expr, _want, strerror((int)-_want), _rc,        \
			     strerror((int)-_rc));                            \
	} while (0)

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	EXPECT_RC(t_ioctl(IOMMU_IOAS_ALLOC, &cmd, sizeof(cmd)), 0);
	return cmd.out_ioas_id;
}

static struct io_pagetable *iopt_of(uint32_t ioas)
{
	struct iommufd_ioas *obj = iommufd_get_ioas(F.ctx, ioas);

	cr_assert_not_null(obj, "IOAS %u", ioas);
	return &obj->iopt;
}

static long map_flags(uint32_t ioas, uint32_t flags, uint64_t va,
		      uint64_t len, uint64_t *iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = ioas,
		.user_va = va, .length = len, .iova = *iova,
	};
	long rc = t_ioctl(IOMMU_IOAS_MAP, &cmd, sizeof(cmd));

	if (!rc)
		*iova = cmd.iova;
	return rc;
}

static long map_fixed(uint32_t ioas, uint64_t va, uint64_t len, uint64_t iova)
{
	return map_flags(ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, va, len,
			 &iova);
}

static uint64_t map_auto(uint32_t ioas, uint64_t va, uint64_t len)
{
	uint64_t iova = 0;

	EXPECT_RC(map_flags(ioas, MAP_RW, va, len, &iova), 0);
	return iova;
}

/* *unmapped gets the bytes unmapped (only written back on success) */
static long unmap(uint32_t ioas, uint64_t iova, uint64_t len,
		  uint64_t *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova,
		.length = len,
	};
	long rc = t_ioctl(IOMMU_IOAS_UNMAP, &cmd, sizeof(cmd));

	if (unmapped)
		*unmapped = cmd.length;
	return rc;
}

static void unmap_ok(uint32_t ioas, uint64_t iova, uint64_t len)
{
	uint64_t done = 0;

	EXPECT_RC(unmap(ioas, iova, len, &done), 0);
	cr_assert_eq(done, len, "unmapped %#llx of %#llx",
		     (unsigned long long)done, (unsigned long long)len);
}

static void unmap_all(uint32_t ioas)
{
	EXPECT_RC(unmap(ioas, 0, UINT64_MAX, NULL), 0);
}

static long copy_fixed(uint32_t dst, uint64_t dst_iova, uint32_t src,
		       uint64_t src_iova, uint64_t len)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
		.dst_ioas_id = dst, .src_ioas_id = src, .length = len,
		.dst_iova = dst_iova, .src_iova = src_iova,
	};

	return t_ioctl(IOMMU_IOAS_COPY, &cmd, sizeof(cmd));
}

/* IOVA_RANGES into r[0..n); returns the count and alignment */
static long iova_ranges(uint32_t ioas, struct iommu_iova_range *r, uint32_t n,
			uint32_t *num, uint64_t *align)
{
	const struct iommufd_mem *m = &F.env.mem;
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = n,
		.allowed_iovas = SCRATCH_ARR,
	};
	long rc = t_ioctl(IOMMU_IOAS_IOVA_RANGES, &cmd, sizeof(cmd));

	if (n)
		cr_assert_eq(m->ops->read(m->priv, r, SCRATCH_ARR,
					  n * sizeof(*r)), 0);
	*num = cmd.num_iovas;
	*align = cmd.out_iova_alignment;
	return rc;
}

static uint64_t alignment_of(uint32_t ioas)
{
	struct iommu_iova_range r[4];
	uint32_t num;
	uint64_t align;

	EXPECT_RC(iova_ranges(ioas, r, 4, &num, &align), 0);
	return align;
}

/* The usable IOVA is exactly one range [start, last] */
static void expect_one_range(uint32_t ioas, uint64_t start, uint64_t last)
{
	struct iommu_iova_range r[4];
	uint32_t num;
	uint64_t align;

	EXPECT_RC(iova_ranges(ioas, r, 4, &num, &align), 0);
	cr_assert_eq(num, 1, "%u ranges", num);
	cr_assert_eq(r[0].start, start, "range starts %#llx",
		     (unsigned long long)r[0].start);
	cr_assert_eq(r[0].last, last, "range ends %#llx",
		     (unsigned long long)r[0].last);
}

static long allow_iovas(uint32_t ioas, const struct iommu_iova_range *r,
			uint32_t n)
{
	const struct iommufd_mem *m = &F.env.mem;
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = n,
		.allowed_iovas = SCRATCH_ARR,
	};

	if (n)
		cr_assert_eq(m->ops->write(m->priv, SCRATCH_ARR, r,
					   n * sizeof(*r)), 0);
	return t_ioctl(IOMMU_IOAS_ALLOW_IOVAS, &cmd, sizeof(cmd));
}

static long option_set(uint32_t option, uint32_t object, uint64_t val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = option,
		.op = IOMMU_OPTION_OP_SET, .object_id = object, .val64 = val,
	};

	return t_ioctl(IOMMU_OPTION, &cmd, sizeof(cmd));
}

static long huge_pages(uint32_t ioas, uint64_t val)
{
	return option_set(IOMMU_OPTION_HUGE_PAGES, ioas, val);
}

/* ------------------------------------------------------- internal API */

static struct tdom *tdom_new(uint64_t pgsize_bitmap, uint64_t ap_start,
			     uint64_t ap_end)
{
	struct tdom *d = calloc(1, sizeof(*d));

	cr_assert_not_null(d);
	cr_assert_lt(F.ndoms, MAX_DOMS);
	d->dom.ops = &tdom_ops;
	d->dom.pgsize_bitmap = pgsize_bitmap;
	d->dom.aperture_start = ap_start;
	d->dom.aperture_end = ap_end;
	d->granule = 1ull << __builtin_ctzll(pgsize_bitmap);
	F.doms[F.ndoms++] = d;
	return d;
}

/* A domain taking 4 KiB pages and 2 MiB pages, aperture everything */
static struct tdom *tdom_4k(void)
{
	return tdom_new(PG | (2ull << 20), 0, UINT64_MAX);
}

static long dom_add(struct io_pagetable *iopt, struct tdom *d)
{
	long rc = iopt_table_add_domain(iopt, &d->dom);
	unsigned int k;

	t_check();
	if (!rc) {
		for (k = 0; k < TDOM_MAX_ON && d->on[k]; k++)
			;
		cr_assert_lt(k, TDOM_MAX_ON);
		d->on[k] = iopt;
	}
	return rc;
}

static void dom_remove(struct io_pagetable *iopt, struct tdom *d)
{
	unsigned int k;

	iopt_table_remove_domain(iopt, &d->dom);
	t_check();
	for (k = 0; k < TDOM_MAX_ON; k++)
		if (d->on[k] == iopt)
			d->on[k] = NULL;
}

static struct tacc *tacc_new(struct io_pagetable *iopt, uint64_t alignment,
			     bool unpin_on_unmap)
{
	struct tacc *a = calloc(1, sizeof(*a));

	cr_assert_not_null(a);
	cr_assert_lt(F.naccs, MAX_ACCS);
	a->acc.ops = &tacc_ops;
	a->acc.iova_alignment = alignment;
	a->iopt = iopt;
	a->unpin_on_unmap = unpin_on_unmap;
	F.accs[F.naccs++] = a;
	return a;
}

static long acc_add(struct tacc *a)
{
	long rc = iopt_add_access(a->iopt, &a->acc);

	t_check();
	if (!rc)
		a->added = true;
	return rc;
}

static void acc_remove(struct tacc *a)
{
	iopt_remove_access(a->iopt, &a->acc, a->acc.iopt_access_list_id);
	a->added = false;
	t_check();
}

/* Returns the errno; a successful pin is remembered as pins[index] */
static long acc_pin(struct tacc *a, uint64_t iova, uint64_t len, bool write,
		    uint64_t *pfns)
{
	long rc = iopt_access_pin(a->iopt, iova, len, write, pfns);

	t_check();
	if (!rc) {
		cr_assert_lt(a->npins, TACC_MAX_PINS);
		a->pins[a->npins++] = (struct tacc_pin){ iova, len, true };
	}
	return rc;
}

static void acc_unpin(struct tacc *a, unsigned int index)
{
	cr_assert(a->pins[index].live);
	iopt_access_unpin(a->iopt, a->pins[index].iova, a->pins[index].len);
	a->pins[index].live = false;
	t_check();
}

static long cut(struct io_pagetable *iopt, const uint64_t *iovas, size_t n)
{
	long rc = iopt_cut_iova(iopt, iovas, n);

	t_check();
	return rc;
}

static struct iopt_area *area_at(struct io_pagetable *iopt, uint64_t iova)
{
	struct itree_iter it;

	if (!itree_iter_first(&iopt->area_itree, iova, iova, &it))
		return NULL;
	return it.item;
}

static size_t nareas(struct io_pagetable *iopt)
{
	return iopt->area_itree.count;
}

/* ------------------------------------------------------ expectations */

#define expect_acct(user, mm, pinned)                                         \
	do {                                                                  \
		cr_assert_eq(F.acct.user_locked_vm, (uint64_t)(user),         \
			     "user_locked_vm %llu, want %llu",                \
			     (unsigned long long)F.acct.user_locked_vm,       \
			     (unsigned long long)(user));                     \
		cr_assert_eq(F.acct.mm_locked_vm, (uint64_t)(mm),             \
			     "mm_locked_vm %llu, want %llu",                  \
			     (unsigned long long)F.acct.mm_locked_vm,         \
			     (unsigned long long)(mm));                       \
		cr_assert_eq(F.acct.mm_pinned_vm, (uint64_t)(pinned),         \
			     "mm_pinned_vm %llu, want %llu",                  \
			     (unsigned long long)F.acct.mm_pinned_vm,         \
			     (unsigned long long)(pinned));                   \
	} while (0)

/* Every page of [va, va + npages pages) holds exactly @pins pins */
static void expect_pins(uint64_t va, uint64_t npages, uint64_t pins)
{
	uint64_t i;

	for (i = 0; i < npages; i++) {
		uint64_t got = iommufd_mem_sim_pin_count(F.sim, va + i * PG);

		cr_assert_eq(got, pins, "page %#llx: %llu pins, want %llu",
			     (unsigned long long)(va + i * PG),
			     (unsigned long long)got, (unsigned long long)pins);
	}
}

/* The provider's PFN for the page holding @va (pin + unpin: no net change) */
static uint64_t sim_pfn(uint64_t va)
{
	const struct iommufd_mem *m = &F.env.mem;
	uint64_t pfn = 0;

	cr_assert_eq(m->ops->pin(m->priv, va & ~(PG - 1), 1, false, &pfn), 0,
		     "pin %#llx", (unsigned long long)va);
	m->ops->unpin(m->priv, &pfn, 1);
	return pfn;
}

/*
 * @d translates [iova, iova + len) to the pages of [va, va + len), sub-page
 * offsets included, with @prot, and each target is a pinned page.
 */
static void expect_xlate(struct tdom *d, uint64_t iova, uint64_t va,
			 uint64_t len, int prot)
{
	uint64_t off;

	for (off = 0; off < len; off += d->granule) {
		long i = tdom_find(d, iova + off);
		uint64_t want = sim_pfn(va + off) * PG + ((va + off) & (PG - 1));

		cr_assert_geq(i, 0, "iova %#llx not mapped",
			      (unsigned long long)(iova + off));
		cr_assert_eq(d->ent[i].pa, want,
			     "iova %#llx -> pa %#llx, want %#llx",
			     (unsigned long long)(iova + off),
			     (unsigned long long)d->ent[i].pa,
			     (unsigned long long)want);
		cr_assert_eq(d->ent[i].prot, prot, "iova %#llx prot %#x",
			     (unsigned long long)(iova + off), d->ent[i].prot);
		cr_assert_geq(iommufd_mem_sim_pfn_pins(F.sim, d->ent[i].pa / PG),
			      1, "pa %#llx is not pinned",
			      (unsigned long long)d->ent[i].pa);
	}
}

static void expect_unmapped(struct tdom *d, uint64_t iova, uint64_t len)
{
	uint64_t off;

	for (off = 0; off < len; off += d->granule)
		cr_assert_lt(tdom_find(d, iova + off), 0,
			     "iova %#llx still mapped",
			     (unsigned long long)(iova + off));
}

/* ====================================================== pinning & charge */

Test(iopt, map_without_domain_pins_and_charges_nothing)
{
	struct io_pagetable *iopt;
	struct itree_iter it;
	uint32_t ioas;
	bool ok;

	/* Strict: VA, VA + 0x123 and page 0 do not exist at all */
	fx_open(0, 0, INF, true);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	/* Only the scratch page holding the ioctl structs exists */
	cr_assert_eq(iommufd_mem_sim_npages_mapped(F.sim), 1);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA + 0x123, 0x2000, I2), 0);
	EXPECT_RC(map_fixed(ioas, 0, PG, I3), 0);
	cr_assert_eq(nareas(iopt), 3);
	for (ok = itree_first(&iopt->area_itree, &it); ok; ok = itree_next(&it)) {
		const struct iopt_area *area = it.item;

		cr_assert(!area->filled);
		cr_assert_eq(area->pages->npinned, 0);
	}
	expect_acct(0, 0, 0);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(F.sim), 0);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(F.sim), 1,
		     "MAP touched user memory");
	unmap_ok(ioas, I1, 4 * PG);
	unmap_ok(ioas, I2, 0x2000);
	expect_acct(0, 0, 0);
}

/* Map two areas (one at a sub-page VA), then add a 2 KiB-granule domain */
static void domain_add_charges(uint32_t caps, unsigned int flags,
			       bool option_mm, int mode)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(caps | IOMMUFD_CAP_SYS_RESOURCE, flags, INF, false);
	if (option_mm)
		EXPECT_RC(option_set(IOMMU_OPTION_RLIMIT_MODE, 0, 1), 0);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA2 + 0x800, 0x1800, I2 + 0x800), 0);
	expect_acct(0, 0, 0);
	expect_pins(VA, 4, 0);

	d = tdom_new(0x800 | PG | (2ull << 20), 0, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), 0);
	expect_pins(VA, 4, 1);
	expect_pins(VA2, 2, 1);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(F.sim), 6);
	if (mode == IOPT_PAGES_ACCOUNT_USER)
		expect_acct(6, 0, 6);
	else if (mode == IOPT_PAGES_ACCOUNT_MM)
		expect_acct(0, 6, 6);
	else
		expect_acct(0, 0, 6);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);
	expect_xlate(d, I2 + 0x800, VA2 + 0x800, 0x1800, PROT_RW);
	/* Exactly those: 4 pages and 3 half pages */
	cr_assert_eq(d->nent, 8 + 3);
	/* Fresh pages got consecutive PFNs: one run per area */
	cr_assert_eq(d->map_calls, 2);
	cr_assert_eq(alignment_of(ioas), 0x800);

	dom_remove(iopt, d);
	expect_pins(VA, 4, 0);
	expect_pins(VA2, 2, 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(d->nent, 0);
	cr_assert_eq(alignment_of(ioas), 1);
}

Test(iopt, domain_add_pins_once_user_mode)
{
	domain_add_charges(0, 0, false, IOPT_PAGES_ACCOUNT_USER);
}

Test(iopt, domain_add_pins_once_mm_mode_option)
{
	domain_add_charges(0, 0, true, IOPT_PAGES_ACCOUNT_MM);
}

Test(iopt, domain_add_pins_once_mm_mode_vfio_container)
{
	domain_add_charges(0, IOMMUFD_OPEN_VFIO_CONTAINER, false,
			   IOPT_PAGES_ACCOUNT_MM);
}

Test(iopt, domain_add_cap_ipc_lock_counts_pinned_only)
{
	domain_add_charges(IOMMUFD_CAP_IPC_LOCK, 0, false,
			   IOPT_PAGES_ACCOUNT_NONE);
}

Test(iopt, domain_add_cap_ipc_lock_mm_mode_counts_pinned_only)
{
	domain_add_charges(IOMMUFD_CAP_IPC_LOCK, IOMMUFD_OPEN_VFIO_CONTAINER,
			   false, IOPT_PAGES_ACCOUNT_NONE);
}

Test(iopt, noncontiguous_pfns_are_mapped_run_by_run)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	uint64_t pfn2;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	/* Page 2 comes into existence first, so its PFN is out of order */
	pfn2 = sim_pfn(VA + 2 * PG);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	cr_assert_eq(sim_pfn(VA + 2 * PG), pfn2);
	cr_assert_eq(sim_pfn(VA), pfn2 + 1);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);
	cr_assert_eq(d->nent, 4);
	/* [0, 1] contiguous, then 2, then 3 */
	cr_assert_eq(d->map_calls, 3);
	cr_assert_eq(d->log[0].len, 2 * PG);
	cr_assert_eq(d->log[1].len, PG);
	cr_assert_eq(d->log[2].len, PG);
	dom_remove(iopt, d);
}

Test(iopt, map_with_domain_pins_at_map_time_unmap_refunds)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	uint64_t iova;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	expect_acct(0, 0, 0);

	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);
	cr_assert(area_at(iopt, I1)->filled);

	/* Read-only maps carry their protection into the domain */
	iova = I2;
	EXPECT_RC(map_flags(ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RO, VA2, PG,
			    &iova), 0);
	expect_xlate(d, I2, VA2, PG, PROT_RO);
	expect_acct(5, 0, 5);

	unmap_ok(ioas, I1, 4 * PG);
	expect_pins(VA, 4, 0);
	expect_acct(1, 0, 1);
	expect_unmapped(d, I1, 4 * PG);
	unmap_ok(ioas, I2, PG);
	expect_acct(0, 0, 0);
	cr_assert_eq(d->nent, 0);
	dom_remove(iopt, d);
}

static void two_domains(bool map_first)
{
	struct io_pagetable *iopt;
	struct tdom *d1, *d2;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d1 = tdom_4k();
	d2 = tdom_new(PG, 0, UINT64_MAX);
	if (map_first)
		EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(dom_add(iopt, d1), 0);
	EXPECT_RC(dom_add(iopt, d1), -EEXIST);
	EXPECT_RC(dom_add(iopt, d2), 0);
	if (!map_first)
		EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	expect_xlate(d1, I1, VA, 4 * PG, PROT_RW);
	expect_xlate(d2, I1, VA, 4 * PG, PROT_RW);

	dom_remove(iopt, d1);
	cr_assert_eq(d1->nent, 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	expect_xlate(d2, I1, VA, 4 * PG, PROT_RW);
	cr_assert(area_at(iopt, I1)->filled);

	dom_remove(iopt, d2);
	cr_assert_eq(d2->nent, 0);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	cr_assert(!area_at(iopt, I1)->filled);

	/* And back: the area is pinned again for a new domain */
	EXPECT_RC(dom_add(iopt, d1), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	dom_remove(iopt, d1);
	expect_acct(0, 0, 0);
}

Test(iopt, two_domains_share_one_pin_map_first)
{
	two_domains(true);
}

Test(iopt, two_domains_share_one_pin_domains_first)
{
	two_domains(false);
}

Test(iopt, copy_shares_the_pin)
{
	struct io_pagetable *src, *dst;
	struct tdom *ds, *dd;
	uint32_t a, b, c;

	fx_open(0, 0, INF, false);
	a = ioas_alloc();
	b = ioas_alloc();
	c = ioas_alloc(); /* no domain */
	src = iopt_of(a);
	dst = iopt_of(b);
	ds = tdom_4k();
	dd = tdom_4k();
	EXPECT_RC(dom_add(src, ds), 0);
	EXPECT_RC(dom_add(dst, dd), 0);
	EXPECT_RC(map_fixed(a, VA, 4 * PG, I1), 0);
	expect_acct(4, 0, 4);

	EXPECT_RC(copy_fixed(b, I2, a, I1, 4 * PG), 0);
	EXPECT_RC(copy_fixed(c, I3, a, I1 + PG, 2 * PG), 0);
	cr_assert_eq(area_at(dst, I2)->pages, area_at(src, I1)->pages);
	cr_assert_eq(area_at(src, I1)->pages->refs, 3);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	expect_xlate(dd, I2, VA, 4 * PG, PROT_RW);

	unmap_ok(a, I1, 4 * PG);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	cr_assert_eq(ds->nent, 0);
	expect_xlate(dd, I2, VA, 4 * PG, PROT_RW);

	unmap_ok(b, I2, 4 * PG);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(dd->nent, 0);
	unmap_ok(c, I3, 2 * PG);
}

Test(iopt, two_maps_of_one_va_pin_and_charge_twice)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I2), 0);
	cr_assert_neq(area_at(iopt, I1)->pages, area_at(iopt, I2)->pages);
	expect_pins(VA, 4, 2);
	expect_acct(8, 0, 8);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);
	expect_xlate(d, I2, VA, 4 * PG, PROT_RW);
	unmap_ok(ioas, I1, 4 * PG);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	unmap_ok(ioas, I2, 4 * PG);
	expect_acct(0, 0, 0);
	dom_remove(iopt, d);
}

/* ================================================================ RLIMIT */

/* @mode: 0 user (/dev/iommu), 1 mm via OPTION, 2 mm via /dev/vfio/vfio */
static void rlimit_domain_add(int mode)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(IOMMUFD_CAP_SYS_RESOURCE,
		mode == 2 ? IOMMUFD_OPEN_VFIO_CONTAINER : 0, 3 * PG, false);
	if (mode == 1)
		EXPECT_RC(option_set(IOMMU_OPTION_RLIMIT_MODE, 0, 1), 0);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	/* Aperture from 0x1000: the reservation must be rolled back too */
	d = tdom_new(PG, 0x1000, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), -ENOMEM);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(d->nent, 0);
	cr_assert_eq(iopt->next_domain_id, 0);
	cr_assert(!area_at(iopt, I1)->filled);
	cr_assert_eq(alignment_of(ioas), 1);
	expect_one_range(ioas, 0, UINT64_MAX);

	/* Exactly at the limit is fine */
	F.env.rlimit_memlock = 4 * PG;
	EXPECT_RC(dom_add(iopt, d), 0);
	expect_pins(VA, 4, 1);
	if (mode)
		expect_acct(0, 4, 4);
	else
		expect_acct(4, 0, 4);
	dom_remove(iopt, d);
	expect_acct(0, 0, 0);
}

Test(iopt, rlimit_domain_add_enomem_user)
{
	rlimit_domain_add(0);
}

Test(iopt, rlimit_domain_add_enomem_mm_option)
{
	rlimit_domain_add(1);
}

Test(iopt, rlimit_domain_add_enomem_mm_vfio_container)
{
	rlimit_domain_add(2);
}

static void rlimit_map(int mode)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(IOMMUFD_CAP_SYS_RESOURCE,
		mode == 2 ? IOMMUFD_OPEN_VFIO_CONTAINER : 0, 3 * PG, false);
	if (mode == 1)
		EXPECT_RC(option_set(IOMMU_OPTION_RLIMIT_MODE, 0, 1), 0);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), -ENOMEM);
	cr_assert_eq(nareas(iopt), 0);
	cr_assert_eq(d->nent, 0);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);

	/* The limit counts what is already charged */
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA2, 2 * PG, I2), -ENOMEM);
	EXPECT_RC(map_fixed(ioas, VA2, PG, I2), 0);
	expect_pins(VA2, 1, 1);
	if (mode)
		expect_acct(0, 3, 3);
	else
		expect_acct(3, 0, 3);
	unmap_ok(ioas, I1, 2 * PG);
	unmap_ok(ioas, I2, PG);
	expect_acct(0, 0, 0);
	dom_remove(iopt, d);
}

Test(iopt, rlimit_map_with_domain_enomem_user)
{
	rlimit_map(0);
}

Test(iopt, rlimit_map_with_domain_enomem_mm_option)
{
	rlimit_map(1);
}

Test(iopt, rlimit_map_with_domain_enomem_mm_vfio_container)
{
	rlimit_map(2);
}

Test(iopt, rlimit_user_counter_is_shared)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	/* Another context of the same user already holds 2 pages */
	fx_open(0, 0, 3 * PG, false);
	F.acct.user_locked_vm = 2;
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, I1), -ENOMEM);
	expect_acct(2, 0, 0);
	EXPECT_RC(map_fixed(ioas, VA, PG, I1), 0);
	expect_acct(3, 0, 1);
	unmap_ok(ioas, I1, PG);
	expect_acct(2, 0, 0);
	dom_remove(iopt, d);
}

static void rlimit_cap_ipc_lock(unsigned int flags)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(IOMMUFD_CAP_IPC_LOCK, flags, 0, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA2, 2 * PG, I2), 0);
	expect_pins(VA, 4, 1);
	expect_pins(VA2, 2, 1);
	expect_acct(0, 0, 6);
	dom_remove(iopt, d);
	expect_acct(0, 0, 0);
}

Test(iopt, rlimit_cap_ipc_lock_bypasses_user)
{
	rlimit_cap_ipc_lock(0);
}

Test(iopt, rlimit_cap_ipc_lock_bypasses_mm)
{
	rlimit_cap_ipc_lock(IOMMUFD_OPEN_VFIO_CONTAINER);
}

/*
 * CAP_IPC_LOCK is sampled once, when MAP creates the iopt_pages
 * (pages.c:1172 picks ACCOUNT_NONE). A mapping made without it is charged
 * later through incr_user_locked_vm() (pages.c:804, no capability check) or
 * update_mm_locked_vm() -> __account_locked_vm(..., bypass_rlim=false)
 * (pages.c:849), so gaining the capability afterwards lifts no limit.
 * The _mm case fails against the model as of this test: its MM branch of
 * pages_update_pinned() (model/iopt/pages.c) skips the limit whenever the
 * env has CAP_IPC_LOCK at pin time.
 */
static void cap_gained_after_map(unsigned int flags)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, flags, 2 * PG, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	F.env.caps |= IOMMUFD_CAP_IPC_LOCK;
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), -ENOMEM);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(d->nent, 0);
}

Test(iopt, rlimit_cap_gained_after_map_user)
{
	cap_gained_after_map(0);
}

Test(iopt, rlimit_cap_gained_after_map_mm)
{
	cap_gained_after_map(IOMMUFD_OPEN_VFIO_CONTAINER);
}

/* ================================================================ EFAULT */

Test(iopt, efault_domain_add_over_hole_changes_nothing)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, true);
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, VA, 2 * PG, true), 0);
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, VA + 3 * PG, PG, true),
		     0);
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, VA2, 2 * PG, true), 0);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	/* A good area first in IOVA order, so the fill has to be undone */
	EXPECT_RC(map_fixed(ioas, VA2, 2 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I2), 0);

	d = tdom_new(PG, 0x1000, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), -EFAULT);
	cr_assert_geq(d->map_calls, 1);
	cr_assert_eq(d->nent, 0);
	expect_pins(VA2, 2, 0);
	expect_pins(VA, 2, 0);
	expect_pins(VA + 3 * PG, 1, 0);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(F.sim), 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(iopt->next_domain_id, 0);
	cr_assert_eq(nareas(iopt), 2);
	cr_assert(!area_at(iopt, I1)->filled);
	cr_assert(!area_at(iopt, I2)->filled);
	cr_assert_eq(alignment_of(ioas), 1);
	expect_one_range(ioas, 0, UINT64_MAX);

	/* Once the hole is filled the same domain goes in */
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, VA + 2 * PG, PG, true),
		     0);
	EXPECT_RC(dom_add(iopt, d), 0);
	expect_pins(VA, 4, 1);
	expect_acct(6, 0, 6);
	expect_xlate(d, I2, VA, 4 * PG, PROT_RW);
	dom_remove(iopt, d);
}

Test(iopt, efault_map_with_domain_creates_nothing)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	uint64_t iova;

	fx_open(0, 0, INF, true);
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, VA, 2 * PG, true), 0);
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, VA2, PG, false), 0);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, I1), 0);

	/* Runs off the end of the present range */
	EXPECT_RC(map_fixed(ioas, VA, 3 * PG, I2), -EFAULT);
	/* A writable mapping of read-only memory: FOLL_WRITE faults */
	EXPECT_RC(map_fixed(ioas, VA2, PG, I3), -EFAULT);
	cr_assert_eq(nareas(iopt), 1);
	expect_pins(VA, 2, 1);
	expect_pins(VA2, 1, 0);
	expect_acct(2, 0, 2);
	cr_assert_eq(d->nent, 2);

	/* Read-only it is fine */
	iova = I3;
	EXPECT_RC(map_flags(ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RO, VA2, PG,
			    &iova), 0);
	expect_pins(VA2, 1, 1);
	expect_xlate(d, I3, VA2, PG, PROT_RO);
	unmap_all(ioas);
	expect_acct(0, 0, 0);
	dom_remove(iopt, d);
}

/* ======================================================= map failure */

Test(iopt, domain_add_map_failure_unwinds)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA2, 2 * PG, I2), 0);
	EXPECT_RC(map_fixed(ioas, VA3, 2 * PG, I3), 0);

	d = tdom_new(PG, 0x1000, 0xffffffff);
	d->fail_in = 2;
	d->fail_errno = -ENOSPC;
	EXPECT_RC(dom_add(iopt, d), -ENOSPC);
	cr_assert_eq(d->map_calls, 2);
	cr_assert_eq(d->nent, 0);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(F.sim), 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(iopt->next_domain_id, 0);
	cr_assert_eq(nareas(iopt), 3);
	cr_assert_eq(area_at(iopt, I1)->start, I1);
	cr_assert_eq(area_at(iopt, I3)->last, I3 + 2 * PG - 1);
	cr_assert_eq(alignment_of(ioas), 1);
	expect_one_range(ioas, 0, UINT64_MAX);

	/* Retried without the fault it works */
	EXPECT_RC(dom_add(iopt, d), 0);
	expect_acct(6, 0, 6);
	expect_xlate(d, I2, VA2, 2 * PG, PROT_RW);
	dom_remove(iopt, d);
	expect_acct(0, 0, 0);
}

Test(iopt, second_domain_map_failure_keeps_the_first)
{
	struct io_pagetable *iopt;
	struct tdom *d1, *d2;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA2, 2 * PG, I2), 0);
	d1 = tdom_4k();
	EXPECT_RC(dom_add(iopt, d1), 0);
	d2 = tdom_4k();
	d2->fail_in = 2;
	d2->fail_errno = -ENOMEM;
	EXPECT_RC(dom_add(iopt, d2), -ENOMEM);
	cr_assert_eq(d2->nent, 0);
	cr_assert_eq(iopt->next_domain_id, 1);
	expect_pins(VA, 2, 1);
	expect_pins(VA2, 2, 1);
	expect_acct(4, 0, 4);
	expect_xlate(d1, I1, VA, 2 * PG, PROT_RW);
	expect_xlate(d1, I2, VA2, 2 * PG, PROT_RW);
	cr_assert(area_at(iopt, I1)->filled);
	dom_remove(iopt, d1);
	expect_acct(0, 0, 0);
}

Test(iopt, map_failure_in_second_domain_unwinds_the_first)
{
	struct io_pagetable *iopt;
	struct tdom *d1, *d2;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d1 = tdom_4k();
	d2 = tdom_4k();
	EXPECT_RC(dom_add(iopt, d1), 0);
	EXPECT_RC(dom_add(iopt, d2), 0);
	d2->fail_in = 1;
	d2->fail_errno = -EIO;
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), -EIO);
	cr_assert_eq(nareas(iopt), 0);
	cr_assert_eq(d1->nent, 0);
	cr_assert_eq(d2->nent, 0);
	cr_assert_geq(d1->unmap_calls, 1);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	/* The IOVA is free again */
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	expect_xlate(d2, I1, VA, 4 * PG, PROT_RW);
	unmap_ok(ioas, I1, 4 * PG);
	dom_remove(iopt, d1);
	dom_remove(iopt, d2);
}

Test(iopt, map_failure_midway_through_an_area_unwinds)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	/* Pages 1 and 3 get PFNs first: four runs of one page */
	sim_pfn(VA + PG);
	sim_pfn(VA + 3 * PG);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	d->fail_in = 3;
	d->fail_errno = -ENOMEM;
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), -ENOMEM);
	cr_assert_eq(d->map_calls, 3);
	cr_assert_eq(d->nent, 0);
	cr_assert_eq(nareas(iopt), 0);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	dom_remove(iopt, d);
}

/* ================================================= alignment & apertures */

Test(iopt, subpage_domain_sets_alignment_2048)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	uint64_t iova;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	cr_assert_eq(alignment_of(ioas), 1);
	d = tdom_new(0x800 | PG, 0, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), 0);
	cr_assert_eq(iopt->iova_alignment, 0x800);
	cr_assert_eq(alignment_of(ioas), 0x800);

	/* 2 KiB granularity is legal, anything finer is not */
	EXPECT_RC(map_fixed(ioas, VA + 0x800, 0x800, I1 + 0x800), 0);
	expect_xlate(d, I1 + 0x800, VA + 0x800, 0x800, PROT_RW);
	EXPECT_RC(map_fixed(ioas, VA2, PG, I2 + 0x400), -EINVAL);
	EXPECT_RC(map_fixed(ioas, VA2, 0x400, I2), -EINVAL);
	EXPECT_RC(map_fixed(ioas, VA2 + 0x400, PG, I2), -EINVAL);
	/* Auto allocation cannot go below the IOAS alignment either */
	iova = 0;
	EXPECT_RC(map_flags(ioas, MAP_RW, VA2 + 0x400, 0x800, &iova), -EINVAL);
	cr_assert_eq(nareas(iopt), 1);

	dom_remove(iopt, d);
	cr_assert_eq(alignment_of(ioas), 1);
	EXPECT_RC(map_fixed(ioas, VA2 + 0x400, 0x400, I2 + 0x400), 0);
}

static void expect_add_eaddrinuse(uint64_t va, uint64_t len, uint64_t iova)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, va, len, iova), 0);
	d = tdom_new(0x800, 0x1000, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), -EADDRINUSE);
	cr_assert_eq(iopt->next_domain_id, 0);
	cr_assert_eq(d->map_calls, 0);
	cr_assert_eq(alignment_of(ioas), 1);
	expect_one_range(ioas, 0, UINT64_MAX);
	expect_acct(0, 0, 0);
}

Test(iopt, misaligned_area_refuses_domain_eaddrinuse)
{
	fx_open(0, 0, INF, false);
	expect_add_eaddrinuse(VA, PG, I1 + 0x100);	/* iova */
	expect_add_eaddrinuse(VA, 0x900, I1);		/* length */
	expect_add_eaddrinuse(VA + 0x100, PG, I1);	/* page offset */
}

Test(iopt, domain_smallest_page_above_page_size_einval)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_new(0x2000 | (2ull << 20), 0x1000, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), -EINVAL);
	cr_assert_eq(iopt->next_domain_id, 0);
	cr_assert_eq(alignment_of(ioas), 1);
	expect_one_range(ioas, 0, UINT64_MAX);
}

Test(iopt, aperture_reserves_outside_and_shows_in_iova_ranges)
{
	struct io_pagetable *iopt;
	struct iommu_iova_range r[4];
	struct tdom *d;
	uint32_t ioas, num;
	uint64_t align;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_new(PG, 0x1000000, 0xffffffffffull);
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(iova_ranges(ioas, r, 4, &num, &align), 0);
	cr_assert_eq(num, 1);
	cr_assert_eq(r[0].start, 0x1000000);
	cr_assert_eq(r[0].last, 0xffffffffffull);
	cr_assert_eq(align, PG);

	EXPECT_RC(map_fixed(ioas, VA, PG, 0x1000), -EINVAL);
	EXPECT_RC(map_fixed(ioas, VA, PG, 0xfff000), -EINVAL);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, 0xfffffff000ull), -EINVAL);
	EXPECT_RC(map_fixed(ioas, VA, PG, 0x10000000000ull), -EINVAL);
	cr_assert_eq(nareas(iopt), 0);
	EXPECT_RC(map_fixed(ioas, VA, PG, 0x1000000), 0);
	EXPECT_RC(map_fixed(ioas, VA, PG, 0xfffffff000ull), 0);
	unmap_all(ioas);

	dom_remove(iopt, d);
	expect_one_range(ioas, 0, UINT64_MAX);
	EXPECT_RC(map_fixed(ioas, VA, PG, 0x1000), 0);
}

Test(iopt, auto_allocation_skips_reserved)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_new(PG, 0x1000000, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), 0);
	cr_assert_eq(map_auto(ioas, VA, PG), 0x1000000);
	cr_assert_eq(map_auto(ioas, VA2, PG), 0x1001000);
	expect_xlate(d, 0x1000000, VA, PG, PROT_RW);

	/* Another owner's reservation is skipped the same way */
	EXPECT_RC(iopt_reserve_iova(iopt, 0x1002000, 0x1ffffff, &ioas), 0);
	t_check();
	cr_assert_eq(map_auto(ioas, VA3, PG), 0x2000000);
	unmap_all(ioas);
	iopt_remove_reserved_iova(iopt, &ioas);
	t_check();
	dom_remove(iopt, d);
	cr_assert_eq(map_auto(ioas, VA, PG), PG);
}

/*
 * Owners' reservations may interleave and overlap (two devices' MSI
 * windows); releasing one owner's takes every span of it and no other
 */
Test(iopt, remove_reserved_takes_only_the_owners_spans)
{
	static const uint64_t spans[][2] = {
		{ 0x1000, 0x1fff },   { 0x1000, 0x2fff },
		{ 0x10000, 0x1ffff }, { 0x18000, 0x18fff },
		{ 0x40000, 0x40fff }, { 0x40000, 0x40fff },
		{ 0xfee00000, 0xfeefffff },
	};
	struct io_pagetable *iopt;
	struct itree_iter it;
	char a, b;
	size_t i, left = 0;
	bool ok;

	fx_open(0, 0, INF, false);
	iopt = iopt_of(ioas_alloc());
	/* even spans are a's, odd ones b's */
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		EXPECT_RC(iopt_reserve_iova(iopt, spans[i][0], spans[i][1],
					    i % 2 ? &b : &a),
			  0);
	t_check();
	iopt_remove_reserved_iova(iopt, &a);
	t_check();
	for (ok = itree_first(&iopt->reserved_itree, &it); ok;
	     ok = itree_next(&it)) {
		cr_assert_eq(it.item, &b, "a span of a at %#llx is left",
			     (unsigned long long)it.start);
		left++;
	}
	cr_assert_eq(left, 3, "b's three spans stay");
	iopt_remove_reserved_iova(iopt, &b);
	cr_assert(itree_empty(&iopt->reserved_itree));
}

Test(iopt, reserve_over_area_or_allowed_eaddrinuse)
{
	static const struct iommu_iova_range allowed[] = {
		{ 0x4000000, 0x4ffffff },
	};
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	char owner;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, 0x800000), 0);
	EXPECT_RC(allow_iovas(ioas, allowed, 1), 0);

	EXPECT_RC(iopt_reserve_iova(iopt, 0x801000, 0x801000, &owner),
		  -EADDRINUSE);
	EXPECT_RC(iopt_reserve_iova(iopt, 0, 0x800000, &owner), -EADDRINUSE);
	EXPECT_RC(iopt_reserve_iova(iopt, 0x4fff000, 0x5ffffff, &owner),
		  -EADDRINUSE);
	t_check();
	expect_one_range(ioas, 0, UINT64_MAX);
	EXPECT_RC(iopt_reserve_iova(iopt, 0x802000, 0x3ffffff, &owner), 0);
	t_check();
	iopt_remove_reserved_iova(iopt, &owner);
	t_check();

	/* A domain whose aperture leaves out an area... */
	d = tdom_new(PG, 0x1000, 0x7fffff);
	EXPECT_RC(dom_add(iopt, d), -EADDRINUSE);
	cr_assert_eq(iopt->next_domain_id, 0);
	expect_one_range(ioas, 0, UINT64_MAX);
	/* ...or an allowed range */
	unmap_ok(ioas, 0x800000, 2 * PG);
	d->dom.aperture_end = 0x4800000;
	EXPECT_RC(dom_add(iopt, d), -EADDRINUSE);
	d->dom.aperture_start = 0x4000001;
	d->dom.aperture_end = UINT64_MAX;
	EXPECT_RC(dom_add(iopt, d), -EADDRINUSE);
	cr_assert_eq(iopt->next_domain_id, 0);
	expect_one_range(ioas, 0, UINT64_MAX);
	cr_assert_eq(d->map_calls, 0);
	expect_acct(0, 0, 0);
}

Test(iopt, allow_iovas_over_reserved_keeps_old_list)
{
	static const struct iommu_iova_range old[] = {
		{ 0x2000000, 0x2ffffff },
	};
	static const struct iommu_iova_range bad[] = {
		{ 0x3000000, 0x3ffffff },
		{ 0x0, 0xffffff },
	};
	struct io_pagetable *iopt;
	struct itree_iter it;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(allow_iovas(ioas, old, 1), 0);
	d = tdom_new(PG, 0x1000000, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), 0);

	EXPECT_RC(allow_iovas(ioas, bad, 2), -EADDRINUSE);
	cr_assert_eq(iopt->allowed_itree.count, 1);
	cr_assert(itree_first(&iopt->allowed_itree, &it));
	cr_assert_eq(it.start, 0x2000000);
	cr_assert_eq(it.last, 0x2ffffff);
	/* The old list still steers allocation */
	cr_assert_eq(map_auto(ioas, VA, PG), 0x2000000);

	/* Clearing the list is always allowed */
	EXPECT_RC(allow_iovas(ioas, NULL, 0), 0);
	cr_assert_eq(iopt->allowed_itree.count, 0);
	cr_assert_eq(map_auto(ioas, VA2, PG), 0x1000000);
	unmap_all(ioas);
	dom_remove(iopt, d);
}

Test(iopt, huge_pages_off_needs_no_domain_with_areas)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t a, b;

	fx_open(0, 0, INF, false);
	a = ioas_alloc();
	b = ioas_alloc();
	iopt = iopt_of(a);
	d = tdom_4k();
	EXPECT_RC(map_fixed(a, VA, 4 * PG, I1), 0);
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(huge_pages(a, 0), -EINVAL);
	cr_assert(!iopt->disable_large_pages);
	/* Turning them on is always fine */
	EXPECT_RC(huge_pages(a, 1), 0);

	/* A domain alone or an area alone does not stop it */
	unmap_ok(a, I1, 4 * PG);
	EXPECT_RC(huge_pages(a, 0), 0);
	cr_assert_eq(alignment_of(a), PG);
	EXPECT_RC(huge_pages(a, 1), 0);
	cr_assert_eq(alignment_of(a), PG); /* the 4 KiB domain */
	dom_remove(iopt, d);
	cr_assert_eq(alignment_of(a), 1);

	EXPECT_RC(map_fixed(b, VA, 4 * PG, I1), 0);
	EXPECT_RC(huge_pages(b, 0), 0);
	cr_assert_eq(alignment_of(b), PG);
	EXPECT_RC(huge_pages(b, 1), 0);
	cr_assert_eq(alignment_of(b), 1);
	/* ...unless an area is not page aligned */
	EXPECT_RC(map_fixed(b, VA, 0x800, I2), 0);
	EXPECT_RC(huge_pages(b, 0), -EADDRINUSE);
	cr_assert(!iopt_of(b)->disable_large_pages);
	cr_assert_eq(alignment_of(b), 1);
}

Test(iopt, huge_pages_off_maps_page_by_page)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	size_t i;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(huge_pages(ioas, 0), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA2, 2 * PG, I2), 0);
	cr_assert_eq(d->map_calls, 6);
	for (i = 0; i < d->nlog; i++)
		if (d->log[i].map)
			cr_assert_eq(d->log[i].len, PG);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);
	expect_xlate(d, I2, VA2, 2 * PG, PROT_RW);
	unmap_all(ioas);
	dom_remove(iopt, d);
}

/* ================================================================== cuts */

Test(iopt, cut_splits_areas)
{
	struct io_pagetable *iopt;
	struct iopt_area *l, *r, *m;
	struct iopt_pages *pages;
	uint32_t ioas;
	uint64_t c1[] = { I1 + 0x1fff };
	uint64_t ends[] = { I1, I1 + 0x1fff, I1 + 0x2000, I1 + 0x3fff,
			    0x999999 };
	uint64_t c2[] = { I1 + 0x7ff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	pages = area_at(iopt, I1)->pages;

	EXPECT_RC(cut(iopt, c1, 1), 0);
	cr_assert_eq(nareas(iopt), 2);
	l = area_at(iopt, I1);
	r = area_at(iopt, I1 + 0x2000);
	cr_assert_eq(l->start, I1);
	cr_assert_eq(l->last, I1 + 0x1fff);
	cr_assert_eq(r->start, I1 + 0x2000);
	cr_assert_eq(r->last, I1 + 0x3fff);
	cr_assert_eq(l->pages, pages);
	cr_assert_eq(r->pages, pages);
	cr_assert_eq(pages->refs, 2);
	cr_assert_eq(r->pages_index, 2);
	cr_assert_eq(r->page_offset, 0);

	/* First or last bytes of areas and gaps: nothing to do */
	EXPECT_RC(cut(iopt, ends, 5), 0);
	cr_assert_eq(nareas(iopt), 2);

	/* Alignment 1: a cut may land inside a page */
	EXPECT_RC(cut(iopt, c2, 1), 0);
	cr_assert_eq(nareas(iopt), 3);
	m = area_at(iopt, I1 + 0x800);
	cr_assert_eq(area_at(iopt, I1)->last, I1 + 0x7ff);
	cr_assert_eq(m->start, I1 + 0x800);
	cr_assert_eq(m->last, I1 + 0x1fff);
	cr_assert_eq(m->page_offset, 0x800);
	cr_assert_eq(m->pages_index, 0);
	cr_assert_eq(m->pages, pages);
	cr_assert_eq(pages->refs, 3);

	/* The pieces unmap on their own; the pages go with the last one */
	unmap_ok(ioas, I1 + 0x800, 0x1800);
	cr_assert_eq(pages->refs, 2);
	EXPECT_RC(unmap(ioas, I1, 0x400, NULL), -ENOENT);
	unmap_ok(ioas, I1, 0x800);
	unmap_ok(ioas, I1 + 0x2000, 0x2000);
	cr_assert_eq(nareas(iopt), 0);
}

Test(iopt, cut_several_points_in_one_call)
{
	struct io_pagetable *iopt;
	uint32_t ioas;
	uint64_t c[] = { I1 + 0xfff, I1 + 0x2fff };
	uint64_t bad[] = { I1 + 0x1fff, I1 + 0x37ff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(huge_pages(ioas, 0), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(cut(iopt, c, 2), 0);
	cr_assert_eq(nareas(iopt), 3);
	cr_assert_eq(area_at(iopt, I1 + 0x1000)->last, I1 + 0x2fff);
	/* Not transactional: the first cut stays when the second fails */
	EXPECT_RC(cut(iopt, bad, 2), -EINVAL);
	cr_assert_eq(nareas(iopt), 4);
	cr_assert_eq(area_at(iopt, I1 + 0x3000)->last, I1 + 0x3fff);
}

Test(iopt, cut_alignment_einval)
{
	struct io_pagetable *iopt;
	uint32_t ioas;
	uint64_t mid[] = { I1 + 0x7ff };
	uint64_t mid2[] = { I1 + 0x800 };
	uint64_t ok[] = { I1 + 0xfff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(huge_pages(ioas, 0), 0);
	cr_assert_eq(alignment_of(ioas), PG);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(cut(iopt, mid, 1), -EINVAL);
	EXPECT_RC(cut(iopt, mid2, 1), -EINVAL);
	cr_assert_eq(nareas(iopt), 1);
	EXPECT_RC(cut(iopt, ok, 1), 0);
	cr_assert_eq(nareas(iopt), 2);
}

Test(iopt, cut_filled_area_needs_large_pages_off)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	uint64_t c[] = { I1 + 0x1fff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(cut(iopt, c, 1), -EINVAL);
	cr_assert_eq(nareas(iopt), 1);
	cr_assert_eq(area_at(iopt, I1)->pages->refs, 1);
	expect_pins(VA, 4, 1);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);
	/* The area is intact: one unmap still takes it all */
	unmap_ok(ioas, I1, 4 * PG);
	dom_remove(iopt, d);
}

Test(iopt, cut_filled_area_with_large_pages_off)
{
	struct io_pagetable *iopt;
	struct iopt_pages *pages;
	struct tdom *d;
	uint32_t ioas;
	uint64_t c[] = { I1 + 0x1fff };
	unsigned int unmaps;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(huge_pages(ioas, 0), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	pages = area_at(iopt, I1)->pages;
	unmaps = d->unmap_calls;

	EXPECT_RC(cut(iopt, c, 1), 0);
	cr_assert_eq(nareas(iopt), 2);
	cr_assert_eq(area_at(iopt, I1)->pages, pages);
	cr_assert_eq(area_at(iopt, I1 + 0x2000)->pages, pages);
	cr_assert_eq(pages->refs, 2);
	cr_assert(area_at(iopt, I1)->filled);
	cr_assert(area_at(iopt, I1 + 0x2000)->filled);
	/* Nothing re-pinned, re-charged or remapped */
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	cr_assert_eq(d->unmap_calls, unmaps);
	cr_assert_eq(d->map_calls, 4);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);

	unmap_ok(ioas, I1, 0x2000);
	expect_pins(VA, 2, 0);
	expect_pins(VA + 2 * PG, 2, 1);
	expect_acct(2, 0, 2);
	expect_unmapped(d, I1, 0x2000);
	expect_xlate(d, I1 + 0x2000, VA + 2 * PG, 2 * PG, PROT_RW);
	cr_assert_eq(d->nent, 2);
	cr_assert_eq(pages->refs, 1);

	unmap_ok(ioas, I1 + 0x2000, 0x2000);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(d->nent, 0);
	dom_remove(iopt, d);
}

Test(iopt, cut_then_unmap_both_halves_at_once)
{
	struct io_pagetable *iopt;
	struct tdom *d;
	uint32_t ioas;
	uint64_t c[] = { I1 + 0xfff, I1 + 0x2fff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(huge_pages(ioas, 0), 0);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(cut(iopt, c, 2), 0);
	cr_assert_eq(nareas(iopt), 3);
	unmap_ok(ioas, I1, 4 * PG);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(d->nent, 0);
	dom_remove(iopt, d);
}

Test(iopt, cut_inside_a_page_then_fill_pins_the_page_once)
{
	struct io_pagetable *iopt;
	struct iopt_pages *pages;
	struct tdom *d;
	uint32_t ioas;
	uint64_t c[] = { I1 + 0x7ff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, I1), 0);
	EXPECT_RC(cut(iopt, c, 1), 0);
	pages = area_at(iopt, I1)->pages;
	d = tdom_new(0x800 | PG, 0, UINT64_MAX);
	EXPECT_RC(dom_add(iopt, d), 0);
	/* Page 0 is under both pieces but pinned and charged once */
	expect_pins(VA, 2, 1);
	expect_acct(2, 0, 2);
	cr_assert_eq(iopt_pages_users(pages, 0), 2);
	cr_assert_eq(iopt_pages_users(pages, 1), 1);
	expect_xlate(d, I1, VA, 2 * PG, PROT_RW);
	cr_assert_eq(d->nent, 4);

	unmap_ok(ioas, I1, 0x800);
	expect_pins(VA, 2, 1);
	expect_acct(2, 0, 2);
	expect_xlate(d, I1 + 0x800, VA + 0x800, 0x1800, PROT_RW);
	unmap_ok(ioas, I1 + 0x800, 0x1800);
	expect_pins(VA, 2, 0);
	expect_acct(0, 0, 0);
	dom_remove(iopt, d);
}

/* =============================================================== accesses */

Test(iopt, access_raises_and_restores_alignment)
{
	struct io_pagetable *iopt;
	struct tacc *a, *b;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);
	cr_assert_eq(alignment_of(ioas), PG);
	EXPECT_RC(map_fixed(ioas, VA2, PG, I2 + 0x800), -EINVAL);
	EXPECT_RC(map_fixed(ioas, VA2 + 0x800, PG, I2), -EINVAL);
	acc_remove(a);
	cr_assert_eq(alignment_of(ioas), 1);

	/* A misaligned area keeps a page-aligned access out */
	EXPECT_RC(map_fixed(ioas, VA2 + 0x100, PG, I2), 0);
	b = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(b), -EADDRINUSE);
	cr_assert_eq(alignment_of(ioas), 1);
	cr_assert_null(iopt->access_list[0]);
	unmap_ok(ioas, I2, PG);
	EXPECT_RC(acc_add(b), 0);
	cr_assert_eq(alignment_of(ioas), PG);
}

Test(iopt, access_pin_pins_and_charges)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	uint32_t ioas;
	uint64_t pfns[4], i;
	uint64_t c[] = { I1 + 0xfff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);

	EXPECT_RC(acc_pin(a, I1, 4 * PG, true, pfns), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	for (i = 0; i < 4; i++)
		cr_assert_eq(pfns[i], sim_pfn(VA + i * PG));
	cr_assert_eq(area_at(iopt, I1)->num_accesses, 1);

	/* A second pin of part of it shares the page pins; end may be ragged */
	EXPECT_RC(acc_pin(a, I1 + PG, PG + 1, false, pfns), 0);
	cr_assert_eq(pfns[0], sim_pfn(VA + PG));
	cr_assert_eq(pfns[1], sim_pfn(VA + 2 * PG));
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	cr_assert_eq(area_at(iopt, I1)->num_accesses, 2);

	/* Accesses cannot be split */
	EXPECT_RC(cut(iopt, c, 1), -EINVAL);
	cr_assert_eq(nareas(iopt), 1);

	acc_unpin(a, 0);
	expect_pins(VA, 1, 0);
	expect_pins(VA + PG, 2, 1);
	expect_pins(VA + 3 * PG, 1, 0);
	expect_acct(2, 0, 2);
	acc_unpin(a, 1);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	cr_assert_eq(area_at(iopt, I1)->num_accesses, 0);
}

Test(iopt, access_pin_errors)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	uint32_t ioas;
	uint64_t iova;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);
	iova = I1;
	EXPECT_RC(map_flags(ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RO, VA,
			    2 * PG, &iova), 0);
	iova = I2;
	EXPECT_RC(map_flags(ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_WO, VA2, PG,
			    &iova), 0);
	EXPECT_RC(map_fixed(ioas, VA3, PG, I3), 0);
	EXPECT_RC(map_fixed(ioas, VA4, PG, I3 + 2 * PG), 0);

	/* Protection: write needs WRITEABLE, read needs READABLE */
	EXPECT_RC(acc_pin(a, I1, 2 * PG, true, NULL), -EPERM);
	EXPECT_RC(acc_pin(a, I2, PG, false, NULL), -EPERM);
	expect_pins(VA, 2, 0);
	expect_pins(VA2, 1, 0);
	/* Nothing there, or a gap inside the range */
	EXPECT_RC(acc_pin(a, 0x900000, PG, false, NULL), -ENOENT);
	EXPECT_RC(acc_pin(a, I3, 3 * PG, false, NULL), -ENOENT);
	expect_pins(VA3, 1, 0);
	cr_assert_eq(area_at(iopt, I3)->num_accesses, 0);
	/* Not starting on a page */
	EXPECT_RC(acc_pin(a, I3 + 0x800, 0x100, false, NULL), -EINVAL);
	EXPECT_RC(acc_pin(a, 0, 0, false, NULL), -EINVAL);
	expect_acct(0, 0, 0);

	EXPECT_RC(acc_pin(a, I1, 2 * PG, false, NULL), 0);
	EXPECT_RC(acc_pin(a, I2, PG, true, NULL), 0);
	expect_pins(VA, 2, 1);
	expect_pins(VA2, 1, 1);
	expect_acct(3, 0, 3);
}

Test(iopt, access_pin_interior_boundary_inside_a_page_einval)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	/* An access that does not raise the alignment */
	a = tacc_new(iopt, 1, true);
	EXPECT_RC(acc_add(a), 0);
	/* [I1, I1 + 0x7ff] ends mid-page, the next area starts a page */
	EXPECT_RC(map_fixed(ioas, VA, 0x800, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA2, PG, I1 + 0x800), 0);
	EXPECT_RC(acc_pin(a, I1, 0x1800, false, NULL), -EINVAL);
	expect_pins(VA, 1, 0);
	expect_pins(VA2, 1, 0);
	cr_assert_eq(area_at(iopt, I1)->num_accesses, 0);
	expect_acct(0, 0, 0);
	/* Either piece alone is fine */
	EXPECT_RC(acc_pin(a, I1, 0x800, false, NULL), 0);
	EXPECT_RC(acc_pin(a, I1 + 0x800, PG, false, NULL), 0);
	expect_acct(2, 0, 2);
}

Test(iopt, access_pin_over_rlimit_enomem)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	uint32_t ioas;

	fx_open(0, 0, 2 * PG, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	/* Two areas back to back in IOVA */
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA2, 4 * PG, I1 + 4 * PG), 0);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);
	EXPECT_RC(acc_pin(a, I1, 3 * PG, false, NULL), -ENOMEM);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	EXPECT_RC(acc_pin(a, I1, PG, false, NULL), 0);
	expect_acct(1, 0, 1);
	/* The first area's part fits, the second's does not: both undone */
	EXPECT_RC(acc_pin(a, I1 + 3 * PG, 2 * PG, false, NULL), -ENOMEM);
	expect_pins(VA + 3 * PG, 1, 0);
	expect_pins(VA2, 1, 0);
	cr_assert_eq(area_at(iopt, I1)->num_accesses, 1);
	cr_assert_eq(area_at(iopt, I1 + 4 * PG)->num_accesses, 0);
	expect_acct(1, 0, 1);
}

Test(iopt, access_pin_efault_in_strict_memory)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	uint32_t ioas;

	fx_open(0, 0, INF, true);
	cr_assert_eq(iommufd_mem_sim_add_range(F.sim, VA, PG, true), 0);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 2 * PG, I1), 0);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);
	EXPECT_RC(acc_pin(a, I1, 2 * PG, false, NULL), -EFAULT);
	EXPECT_RC(acc_pin(a, I1 + PG, PG, false, NULL), -EFAULT);
	expect_pins(VA, 1, 0);
	expect_acct(0, 0, 0);
	EXPECT_RC(acc_pin(a, I1, PG, false, NULL), 0);
	expect_pins(VA, 1, 1);
}

Test(iopt, unmap_calls_the_access_which_unpins)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	EXPECT_RC(map_fixed(ioas, VA2, 2 * PG, I2), 0);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);
	EXPECT_RC(acc_pin(a, I1, 2 * PG, true, NULL), 0);
	EXPECT_RC(acc_pin(a, I1 + 2 * PG, 2 * PG, true, NULL), 0);
	expect_acct(4, 0, 4);

	/* An area without access pins is not notified about */
	unmap_ok(ioas, I2, 2 * PG);
	cr_assert_eq(a->ncalls, 0);

	unmap_ok(ioas, I1, 4 * PG);
	cr_assert_eq(a->ncalls, 1);
	cr_assert_eq(a->cb_iova, I1);
	cr_assert_eq(a->cb_len, 4 * PG);
	cr_assert(!a->pins[0].live && !a->pins[1].live);
	cr_assert_eq(nareas(iopt), 0);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
}

Test(iopt, unmap_with_unresponsive_access_edeadlk)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	uint32_t ioas;
	uint64_t c[] = { I1 + 0x1fff };

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA2, PG, I1 - PG), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	a = tacc_new(iopt, PG, false);
	EXPECT_RC(acc_add(a), 0);
	EXPECT_RC(acc_pin(a, I1, PG, false, NULL), 0);

	/* EDEADLOCK in the kernel: the same number on Linux */
	cr_assert_eq(EDEADLK, 35);
	EXPECT_RC(unmap(ioas, I1 - PG, 5 * PG, NULL), -EDEADLK);
	/* 100 retries after the first call */
	cr_assert_eq(a->ncalls, 101);
	cr_assert_eq(a->cb_iova, I1);
	cr_assert_eq(a->cb_len, 4 * PG);
	/* Not atomic: the area before it is gone */
	cr_assert_eq(nareas(iopt), 1);
	cr_assert_null(area_at(iopt, I1 - PG));
	cr_assert(area_at(iopt, I1)->prevent_access);
	expect_pins(VA, 1, 1);
	expect_acct(1, 0, 1);

	/* Unmap pending: no new pins, no splits */
	EXPECT_RC(acc_pin(a, I1 + PG, PG, false, NULL), -EINVAL);
	EXPECT_RC(cut(iopt, c, 1), -EBUSY);

	acc_unpin(a, 0);
	unmap_ok(ioas, I1, 4 * PG);
	cr_assert_eq(a->ncalls, 101);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
}

Test(iopt, access_and_domain_pins_count_once)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);
	EXPECT_RC(acc_pin(a, I1, 4 * PG, true, NULL), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);

	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	expect_xlate(d, I1, VA, 4 * PG, PROT_RW);
	EXPECT_RC(acc_pin(a, I1 + PG, PG, false, NULL), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);

	dom_remove(iopt, d);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	acc_unpin(a, 0);
	expect_pins(VA, 1, 0);
	expect_pins(VA + PG, 1, 1);
	expect_pins(VA + 2 * PG, 2, 0);
	expect_acct(1, 0, 1);

	/* Domain back, then the access goes first */
	EXPECT_RC(dom_add(iopt, d), 0);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	acc_unpin(a, 1);
	expect_pins(VA, 4, 1);
	expect_acct(4, 0, 4);
	unmap_ok(ioas, I1, 4 * PG);
	cr_assert_eq(a->ncalls, 0);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	dom_remove(iopt, d);
}

Test(iopt, unmap_with_domain_and_access_pins)
{
	struct io_pagetable *iopt;
	struct tacc *a;
	struct tdom *d;
	uint32_t ioas;

	fx_open(0, 0, INF, false);
	ioas = ioas_alloc();
	iopt = iopt_of(ioas);
	d = tdom_4k();
	EXPECT_RC(dom_add(iopt, d), 0);
	EXPECT_RC(map_fixed(ioas, VA, 4 * PG, I1), 0);
	a = tacc_new(iopt, PG, true);
	EXPECT_RC(acc_add(a), 0);
	EXPECT_RC(acc_pin(a, I1 + PG, 2 * PG, true, NULL), 0);
	unmap_ok(ioas, I1, 4 * PG);
	cr_assert_eq(a->ncalls, 1);
	cr_assert_eq(d->nent, 0);
	expect_pins(VA, 4, 0);
	expect_acct(0, 0, 0);
	dom_remove(iopt, d);
}
