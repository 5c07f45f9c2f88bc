/* SPDX-License-Identifier: MIT */
/*
 * The two memory providers against the contract in iommufd/mem.h: every
 * failure must be a clean -EFAULT (never a crash, never half a pin), and
 * simulated pages must keep stable, distinct PFNs and exact pin counts
 * through removal and churn, since the rest of the model trusts both.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iommufd/mem.h>

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

#define PG 4096ULL
#define PFN_BASE IOMMUFD_MEM_SIM_PFN_BASE

static int m_read(struct iommufd_mem m, void *dst, uint64_t uva, size_t len)
{
	return m.ops->read(m.priv, dst, uva, len);
}

static int m_write(struct iommufd_mem m, uint64_t uva, const void *src,
		   size_t len)
{
	return m.ops->write(m.priv, uva, src, len);
}

static int m_pin(struct iommufd_mem m, uint64_t uva, size_t npages,
		 bool write, uint64_t *pfns)
{
	return m.ops->pin(m.priv, uva, npages, write, pfns);
}

static void m_unpin(struct iommufd_mem m, const uint64_t *pfns, size_t npages)
{
	m.ops->unpin(m.priv, pfns, npages);
}

static uint64_t va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* npages of fresh RW anonymous memory, filled with a per-byte pattern */
static unsigned char *map_pattern(size_t npages)
{
	unsigned char *p = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	cr_assert_neq(p, MAP_FAILED);
	for (i = 0; i < npages * PG; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	return p;
}

static void assert_pattern(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		cr_assert_eq(p[i], (unsigned char)(i * 7 + 3),
			     "byte %zu changed", i);
}

/* ================================================================ self */

Test(mem_self, round_trip)
{
	struct iommufd_mem m = iommufd_mem_self();
	char target[64] = { 0 }, back[64];
	const char msg[] = "copy_to_user then copy_from_user";

	cr_assert_null(m.priv);
	cr_assert_eq(m_write(m, va(target), msg, sizeof(msg)), 0);
	cr_assert_str_eq(target, msg);
	memset(back, 'x', sizeof(back));
	cr_assert_eq(m_read(m, back, va(target), sizeof(msg)), 0);
	cr_assert_str_eq(back, msg);
}

Test(mem_self, zero_length)
{
	struct iommufd_mem m = iommufd_mem_self();
	uint64_t pfn = 0xdead;

	cr_assert_eq(m_read(m, NULL, 0, 0), 0);
	cr_assert_eq(m_write(m, 0, NULL, 0), 0);
	cr_assert_eq(m_read(m, NULL, UINT64_MAX, 0), 0);
	cr_assert_eq(m_write(m, UINT64_MAX, NULL, 0), 0);
	cr_assert_eq(m_pin(m, 0, 0, true, &pfn), 0);
	cr_assert_eq(pfn, 0xdead);
	m_unpin(m, &pfn, 0);
}

Test(mem_self, unmapped_is_efault)
{
	struct iommufd_mem m = iommufd_mem_self();
	unsigned char *p = map_pattern(2);
	unsigned char buf[16];
	uint64_t pfns[2];

	cr_assert_eq(munmap(p, 2 * PG), 0);
	cr_assert_eq(m_read(m, buf, va(p), sizeof(buf)), -EFAULT);
	cr_assert_eq(m_write(m, va(p) + PG, buf, sizeof(buf)), -EFAULT);
	cr_assert_eq(m_pin(m, va(p), 2, false, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, va(p), 1, true, pfns), -EFAULT);
	cr_assert_eq(m_read(m, buf, 0, 1), -EFAULT);
	cr_assert_eq(m_write(m, 0, buf, 1), -EFAULT);
}

Test(mem_self, straddling_a_hole)
{
	struct iommufd_mem m = iommufd_mem_self();
	unsigned char *p = map_pattern(3);
	unsigned char buf[32];
	uint64_t pfns[3];
	size_t i;

	cr_assert_eq(munmap(p + PG, PG), 0);
	memset(buf, 0xaa, sizeof(buf));
	cr_assert_eq(m_read(m, buf, va(p) + PG - 16, sizeof(buf)), -EFAULT);
	/* no half-copied prefix survives a failed read */
	for (i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(m_read(m, buf, va(p) + PG - 16, 16), 0);
	assert_pattern(p, PG);

	cr_assert_eq(m_pin(m, va(p), 3, false, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, va(p), 2, true, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, va(p) + PG, 2, false, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, va(p), 1, true, pfns), 0);
	cr_assert_eq(pfns[0], va(p) >> 12);
	cr_assert_eq(m_pin(m, va(p) + 2 * PG, 1, true, pfns), 0);
	cr_assert_eq(pfns[0], (va(p) >> 12) + 2);
	munmap(p, PG);
	munmap(p + 2 * PG, PG);
}

Test(mem_self, read_only_region)
{
	struct iommufd_mem m = iommufd_mem_self();
	unsigned char *p = map_pattern(2);
	unsigned char buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint64_t pfns[2] = { 0, 0 };

	cr_assert_eq(mprotect(p + PG, PG, PROT_READ), 0);
	cr_assert_eq(m_write(m, va(p) + PG, buf, sizeof(buf)), -EFAULT);
	cr_assert_eq(m_pin(m, va(p), 2, true, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, va(p) + PG, 1, true, pfns), -EFAULT);
	cr_assert_eq(m_read(m, buf, va(p) + PG, sizeof(buf)), 0);
	cr_assert_eq(m_pin(m, va(p), 2, false, pfns), 0);
	cr_assert_eq(pfns[0], va(p) >> 12);
	cr_assert_eq(pfns[1], (va(p) >> 12) + 1);
	m_unpin(m, pfns, 2);
	assert_pattern(p, 2 * PG);
	munmap(p, 2 * PG);
}

Test(mem_self, pin_fills_pfns_and_keeps_data)
{
	struct iommufd_mem m = iommufd_mem_self();
	/* more than one probe batch, to cover the batching */
	const size_t n = 600;
	unsigned char *p = map_pattern(n);
	uint64_t *pfns = calloc(n, sizeof(*pfns));
	size_t i;

	cr_assert_not_null(pfns);
	cr_assert_eq(m_pin(m, va(p), n, true, pfns), 0);
	for (i = 0; i < n; i++)
		cr_assert_eq(pfns[i], (va(p) >> 12) + i);
	/* the writability probe stores back what it read */
	assert_pattern(p, n * PG);
	m_unpin(m, pfns, n);

	/* a hole in the last page of a later batch fails the whole pin */
	cr_assert_eq(munmap(p + (n - 1) * PG, PG), 0);
	cr_assert_eq(m_pin(m, va(p), n, false, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, va(p), n - 1, true, pfns), 0);
	munmap(p, (n - 1) * PG);
	free(pfns);
}

Test(mem_self, overflow_and_kernel_addresses)
{
	struct iommufd_mem m = iommufd_mem_self();
	unsigned char buf[128];
	uint64_t pfns[2];

	cr_assert_eq(m_read(m, buf, UINT64_MAX - 10, 100), -EFAULT);
	cr_assert_eq(m_write(m, UINT64_MAX - 10, buf, 100), -EFAULT);
	cr_assert_eq(m_read(m, buf, 0xffff800000000000ULL, 8), -EFAULT);
	cr_assert_eq(m_pin(m, 0xfffffffffffff000ULL, 2, false, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, 0xffff800000000000ULL, 1, false, pfns), -EFAULT);
	cr_assert_eq(m_pin(m, PG, SIZE_MAX, false, pfns), -EFAULT);
}

Test(mem_self, pin_unaligned)
{
	struct iommufd_mem m = iommufd_mem_self();
	unsigned char *p = map_pattern(1);
	uint64_t pfn;

	cr_assert_eq(m_pin(m, va(p) + 1, 1, false, &pfn), -EINVAL);
	munmap(p, PG);
}

Test(mem_self, preserves_errno)
{
	struct iommufd_mem m = iommufd_mem_self();
	unsigned char buf[4];

	errno = 1234;
	cr_assert_eq(m_read(m, buf, 8, sizeof(buf)), -EFAULT);
	cr_assert_eq(errno, 1234);
}

/* ================================================================ sim */

/*
 * Criterion ignores a worker's exit status once its test passed, so the
 * leak report LeakSanitizer prints at exit fails nothing. In sanitizer
 * builds, check right after each simulated memory is freed instead, so
 * that iommufd_mem_sim_free() forgetting something fails the test.
 */
static void leak_check(void)
{
#ifdef HAVE_LSAN
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
		     "leak (see the LeakSanitizer report above)");
#endif
}

struct simm {
	struct iommufd_mem_sim *sim;
	struct iommufd_mem m;
};

static struct simm sim_open(void)
{
	struct simm s;

	s.sim = iommufd_mem_sim_new();
	cr_assert_not_null(s.sim);
	s.m = iommufd_mem_sim_provider(s.sim);
	cr_assert_eq(s.m.priv, s.sim);
	return s;
}

/* Test-local buffers must be freed before this */
static void sim_close(struct simm *s)
{
	iommufd_mem_sim_free(s->sim);
	s->sim = NULL;
	leak_check();
}

static uint64_t pin1(struct simm *s, uint64_t uva)
{
	uint64_t pfn = 0;

	cr_assert_eq(m_pin(s->m, uva, 1, true, &pfn), 0, "pin %#llx",
		     (unsigned long long)uva);
	return pfn;
}

static void unpin1(struct simm *s, uint64_t pfn)
{
	m_unpin(s->m, &pfn, 1);
}

static unsigned char byte_at(struct simm *s, uint64_t uva)
{
	unsigned char b = 0xee;

	cr_assert_eq(m_read(s->m, &b, uva, 1), 0, "read %#llx",
		     (unsigned long long)uva);
	return b;
}

static void poke(struct simm *s, uint64_t uva, unsigned char b)
{
	cr_assert_eq(m_write(s->m, uva, &b, 1), 0, "write %#llx",
		     (unsigned long long)uva);
}

Test(mem_sim, round_trip_across_pages)
{
	struct simm s = sim_open();
	const size_t len = 9000;
	unsigned char *src = malloc(len), *dst = malloc(len);
	size_t i;

	cr_assert(src && dst);
	for (i = 0; i < len; i++)
		src[i] = (unsigned char)(i * 13 + 1);
	cr_assert_eq(m_write(s.m, 0x10000 + 100, src, len), 0);
	memset(dst, 0xee, len);
	cr_assert_eq(m_read(s.m, dst, 0x10000 + 100, len), 0);
	cr_assert_arr_eq(dst, src, len);
	/* bytes around the write, and never-touched memory, read as zero */
	cr_assert_eq(byte_at(&s, 0x10000 + 99), 0);
	cr_assert_eq(byte_at(&s, 0x10000 + 100 + len), 0);
	cr_assert_eq(byte_at(&s, 0x5550000), 0);
	cr_assert_eq(m_read(s.m, dst, 0x600000, len), 0);
	for (i = 0; i < len; i++)
		cr_assert_eq(dst[i], 0);
	free(src);
	free(dst);
	sim_close(&s);
}

Test(mem_sim, page_zero_faults)
{
	struct simm s = sim_open();
	unsigned char b = 1;
	uint64_t pfn;

	cr_assert_eq(m_read(s.m, &b, 0, 1), -EFAULT);
	cr_assert_eq(m_read(s.m, &b, PG - 1, 1), -EFAULT);
	cr_assert_eq(m_write(s.m, 0, &b, 1), -EFAULT);
	cr_assert_eq(m_write(s.m, PG - 1, &b, 2), -EFAULT);
	cr_assert_eq(m_pin(s.m, 0, 1, false, &pfn), -EFAULT);
	cr_assert_eq(byte_at(&s, PG), 0);
	poke(&s, PG, 9);
	cr_assert_eq(byte_at(&s, PG), 9);
	/* the failed straddling write left page 1 alone */
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0), 0);
	sim_close(&s);
}

Test(mem_sim, overflow)
{
	struct simm s = sim_open();
	unsigned char buf[128] = { 0 };
	uint64_t pfns[2];

	cr_assert_eq(m_read(s.m, buf, UINT64_MAX - 10, 100), -EFAULT);
	cr_assert_eq(m_write(s.m, UINT64_MAX - 10, buf, 100), -EFAULT);
	cr_assert_eq(m_pin(s.m, 0xfffffffffffff000ULL, 2, false, pfns),
		     -EFAULT);
	cr_assert_eq(m_pin(s.m, PG, SIZE_MAX, false, pfns), -EFAULT);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, UINT64_MAX - 10, 100,
					       true),
		     -EINVAL);
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 2 * PG, UINT64_MAX),
		     -EINVAL);
	/* the very last byte of the address space is still an address */
	cr_assert_eq(m_write(s.m, UINT64_MAX, buf, 1), 0);
	cr_assert_eq(m_read(s.m, buf, UINT64_MAX, 1), 0);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 0);
	sim_close(&s);
}

Test(mem_sim, zero_length)
{
	struct simm s = sim_open();
	uint64_t pfn = 0xdead;

	iommufd_mem_sim_set_strict(s.sim, true);
	cr_assert_eq(m_read(s.m, NULL, 0, 0), 0);
	cr_assert_eq(m_write(s.m, 0, NULL, 0), 0);
	cr_assert_eq(m_read(s.m, NULL, UINT64_MAX, 0), 0);
	cr_assert_eq(m_write(s.m, 0x1234567, NULL, 0), 0);
	cr_assert_eq(m_pin(s.m, 0, 0, true, &pfn), 0);
	cr_assert_eq(pfn, 0xdead);
	m_unpin(s.m, &pfn, 0);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, UINT64_MAX, 0, true), 0);
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, UINT64_MAX, 0), 0);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 0);
	sim_close(&s);
}

Test(mem_sim, pin_counts_and_stable_pfns)
{
	struct simm s = sim_open();
	const uint64_t uva = 0x200000;
	uint64_t a[4], b[4], c[4];
	int i, j;

	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva), 0);
	cr_assert_eq(m_pin(s.m, uva, 4, true, a), 0);
	for (i = 0; i < 4; i++) {
		cr_assert_geq(a[i], PFN_BASE);
		for (j = 0; j < i; j++)
			cr_assert_neq(a[i], a[j]);
		cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva + i * PG), 1);
		cr_assert_eq(iommufd_mem_sim_pfn_pins(s.sim, a[i]), 1);
	}
	/* any address inside the page names the page */
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva + PG + 123), 1);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva + 4 * PG), 0);

	cr_assert_eq(m_pin(s.m, uva, 4, false, b), 0);
	cr_assert_arr_eq(a, b, sizeof(a));
	for (i = 0; i < 4; i++)
		cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva + i * PG), 2);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 4);

	m_unpin(s.m, b, 4);
	for (i = 0; i < 4; i++)
		cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva + i * PG), 1);
	m_unpin(s.m, a, 4);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva + i * PG), 0);
		cr_assert_eq(iommufd_mem_sim_pfn_pins(s.sim, a[i]), 0);
	}
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 0);

	/* an unpinned page is not forgotten: same PFN next time */
	cr_assert_eq(m_pin(s.m, uva, 4, true, c), 0);
	cr_assert_arr_eq(a, c, sizeof(a));
	m_unpin(s.m, c, 4);
	sim_close(&s);
}

/* A machine with four pages: the fifth is out of memory, not a crash */
Test(mem_sim, max_pages_is_out_of_memory)
{
	struct simm s = sim_open();
	uint64_t pfn[5];
	unsigned char b = 1;

	iommufd_mem_sim_set_max_pages(s.sim, 4);
	poke(&s, 0x10000, 1);
	poke(&s, 0x11000, 2);
	cr_assert_eq(m_pin(s.m, 0x12000, 1, true, pfn), 0);
	/* two new pages where one is left: nothing pinned */
	cr_assert_eq(m_pin(s.m, 0x13000, 2, true, pfn), -ENOMEM);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x13000), 0);
	cr_assert_eq(m_pin(s.m, 0x10000, 5, true, pfn), -ENOMEM);
	poke(&s, 0x13000, 4);
	cr_assert_eq(m_write(s.m, 0x14000, &b, 1), -ENOMEM);
	cr_assert_eq(byte_at(&s, 0x14000), 0, "reading makes no page");
	/* existing pages still work; freeing one makes room */
	poke(&s, 0x10000, 9);
	cr_assert_eq(m_pin(s.m, 0x10000, 4, false, pfn + 1), 0);
	m_unpin(s.m, pfn + 1, 4);
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 0x11000, 0x1000), 0);
	poke(&s, 0x14000, 5);
	m_unpin(s.m, pfn, 1);
	sim_close(&s);
}

/* present(): how far a range is mapped, without making its pages */
Test(mem_sim, present_stops_at_the_first_hole)
{
	struct simm s = sim_open();

	cr_assert_not_null(s.m.ops->present);
	iommufd_mem_sim_set_max_pages(s.sim, 1);
	cr_assert_eq(s.m.ops->present(s.m.priv, 0x1000, 1ull << 50),
		     1ull << 50, "on-demand memory is all there");
	cr_assert_eq(s.m.ops->present(s.m.priv, 0, 0x3000), 0, "page 0");
	cr_assert_eq(s.m.ops->present(s.m.priv, 0x1000, 0), 0);
	iommufd_mem_sim_set_strict(s.sim, true);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x10000, 0x3000, false),
		     0);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x13000, 0x1000, true),
		     0);
	cr_assert_eq(s.m.ops->present(s.m.priv, 0x10000, 0x4000), 0x4000,
		     "read-only or not, both ranges are mapped");
	cr_assert_eq(s.m.ops->present(s.m.priv, 0x11000, 0x8000), 0x3000);
	cr_assert_eq(s.m.ops->present(s.m.priv, 0xf000, 0x2000), 0);
	cr_assert_eq(s.m.ops->present(s.m.priv, 0x10000, UINT64_MAX), 0,
		     "a range past 2^64 is not mapped");
	poke(&s, 0x13000, 1);
	sim_close(&s);
}

Test(mem_sim, pfn_of_written_page_is_stable)
{
	struct simm s = sim_open();
	uint64_t p1, p2;

	poke(&s, 0x3000, 1);
	poke(&s, 0x9000, 2);
	p1 = pin1(&s, 0x3000);
	p2 = pin1(&s, 0x9000);
	/* materialised by the writes, in that order */
	cr_assert_eq(p1, PFN_BASE);
	cr_assert_eq(p2, PFN_BASE + 1);
	cr_assert_eq(((unsigned char *)iommufd_mem_sim_page_data(s.sim, p2))[0],
		     2);
	unpin1(&s, p1);
	unpin1(&s, p2);
	cr_assert_null(iommufd_mem_sim_page_data(s.sim, p1));
	sim_close(&s);
}

Test(mem_sim, page_data_is_the_page)
{
	struct simm s = sim_open();
	uint64_t pfn = pin1(&s, 0x40000);
	unsigned char *d = iommufd_mem_sim_page_data(s.sim, pfn);

	cr_assert_not_null(d);
	cr_assert_eq(d[17], 0);
	/* a simulated DMA write is what the CPU reads back */
	d[17] = 0x5a;
	cr_assert_eq(byte_at(&s, 0x40000 + 17), 0x5a);
	poke(&s, 0x40000 + 18, 0x6b);
	cr_assert_eq(d[18], 0x6b);
	cr_assert_null(iommufd_mem_sim_page_data(s.sim, pfn + 1000));
	unpin1(&s, pfn);
	sim_close(&s);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Odd i: one dense run below 2^29. Even i: scattered over 2^30 pages from
 * 2^46 up (i * odd constant is injective mod 2^30), so no two collide.
 */
static uint64_t sparse_uva(size_t i)
{
	if (i % 2)
		return 0x100000 + i * PG;
	return 0x400000000000ULL + (i * 0x9e3779b1ULL) % (1ULL << 30) * PG;
}

Test(mem_sim, many_sparse_pages_distinct_pfns)
{
	struct simm s = sim_open();
	const size_t n = 100000;
	uint64_t *pfns = malloc(n * sizeof(*pfns));
	uint64_t *sorted = malloc(n * sizeof(*sorted));
	size_t i;

	cr_assert(pfns && sorted);
	for (i = 0; i < n; i++) {
		uint64_t uva = sparse_uva(i);

		poke(&s, uva, (unsigned char)i);
		pfns[i] = pin1(&s, uva);
	}
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), n);
	memcpy(sorted, pfns, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (i = 1; i < n; i++)
		cr_assert_neq(sorted[i], sorted[i - 1], "pfn %#llx twice",
			      (unsigned long long)sorted[i]);
	for (i = 0; i < n; i++) {
		uint64_t uva = sparse_uva(i);

		cr_assert_eq(byte_at(&s, uva), (unsigned char)i);
		cr_assert_eq(pin1(&s, uva), pfns[i]);
		cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, uva), 2);
	}
	/* freed with pins outstanding: must not leak (ASan builds check) */
	free(pfns);
	free(sorted);
	sim_close(&s);
}

Test(mem_sim, high_sparse_address)
{
	struct simm s = sim_open();
	const uint64_t hi = 0x7fff00000000ULL;
	const char msg[] = "far away";
	char back[sizeof(msg)];
	uint64_t pfns[3];

	cr_assert_eq(m_write(s.m, hi + PG - 3, msg, sizeof(msg)), 0);
	cr_assert_eq(m_read(s.m, back, hi + PG - 3, sizeof(msg)), 0);
	cr_assert_str_eq(back, msg);
	cr_assert_eq(m_pin(s.m, hi, 3, true, pfns), 0);
	cr_assert_eq(((char *)iommufd_mem_sim_page_data(s.sim, pfns[1]))[0],
		     msg[3]);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, hi + 2 * PG), 1);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 3);
	m_unpin(s.m, pfns, 3);
	sim_close(&s);
}

Test(mem_sim, strict_mode_ranges)
{
	struct simm s = sim_open();
	unsigned char buf[32], b = 0;
	uint64_t pfns[2];
	size_t i;

	iommufd_mem_sim_set_strict(s.sim, true);
	cr_assert_eq(m_read(s.m, &b, 0x10000, 1), -EFAULT);
	cr_assert_eq(m_write(s.m, 0x10000, &b, 1), -EFAULT);
	cr_assert_eq(m_pin(s.m, 0x10000, 1, false, pfns), -EFAULT);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 0);

	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x10000, 3 * PG, true),
		     0);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x20000, PG, false), 0);
	poke(&s, 0x12fff, 7);
	cr_assert_eq(byte_at(&s, 0x12fff), 7);
	cr_assert_eq(m_read(s.m, &b, 0x13000, 1), -EFAULT);
	cr_assert_eq(m_read(s.m, &b, 0xffff, 1), -EFAULT);

	/* read-only range: readable and read-pinnable only */
	cr_assert_eq(byte_at(&s, 0x20000), 0);
	cr_assert_eq(m_write(s.m, 0x20000, &b, 1), -EFAULT);
	cr_assert_eq(m_pin(s.m, 0x20000, 1, true, pfns), -EFAULT);
	cr_assert_eq(m_pin(s.m, 0x20000, 1, false, pfns), 0);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x20000), 1);
	unpin1(&s, pfns[0]);

	/* all or nothing across the end of a range */
	cr_assert_eq(m_pin(s.m, 0x12000, 2, false, pfns), -EFAULT);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x12000), 0);
	memset(buf, 0x55, sizeof(buf));
	cr_assert_eq(m_write(s.m, 0x13000 - 16, buf, sizeof(buf)), -EFAULT);
	cr_assert_eq(byte_at(&s, 0x12fff), 7);
	cr_assert_eq(m_read(s.m, buf, 0x13000 - 16, sizeof(buf)), -EFAULT);
	cr_assert_eq(m_read(s.m, buf, 0x13000 - 16, 16), 0);
	for (i = 0; i < 15; i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(buf[15], 7);

	/* strict mode makes page 0 addable */
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0, PG, true), 0);
	poke(&s, 0, 1);
	sim_close(&s);
}

Test(mem_sim, ranges_split_merge_and_round_out)
{
	struct simm s = sim_open();
	unsigned char buf[3 * 4096] = { 0 }, b = 1;

	iommufd_mem_sim_set_strict(s.sim, true);
	/* adjacent ranges behave as one */
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x10000, PG, true), 0);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x11000, 2 * PG, true),
		     0);
	cr_assert_eq(m_write(s.m, 0x10000, buf, sizeof(buf)), 0);

	/* a read-only hole punched in the middle */
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x11000, PG, false), 0);
	cr_assert_eq(m_write(s.m, 0x10000, buf, sizeof(buf)), -EFAULT);
	cr_assert_eq(m_read(s.m, buf, 0x10000, sizeof(buf)), 0);
	poke(&s, 0x10fff, 1);
	poke(&s, 0x12000, 2);
	cr_assert_eq(m_write(s.m, 0x11800, &b, 1), -EFAULT);

	/* and made writable again: data kept, like mprotect */
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x11000, PG, true), 0);
	cr_assert_eq(m_write(s.m, 0x11800, &b, 1), 0);
	cr_assert_eq(byte_at(&s, 0x10fff), 1);
	cr_assert_eq(byte_at(&s, 0x12000), 2);

	/* an unaligned range covers its whole pages */
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x40010, 0x10, true), 0);
	poke(&s, 0x40000, 3);
	poke(&s, 0x40fff, 4);
	cr_assert_eq(m_read(s.m, &b, 0x41000, 1), -EFAULT);
	cr_assert_eq(m_read(s.m, &b, 0x3ffff, 1), -EFAULT);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x41ff0, 0x20, true), 0);
	cr_assert_eq(byte_at(&s, 0x41000), 0);
	cr_assert_eq(byte_at(&s, 0x42fff), 0);
	cr_assert_eq(m_read(s.m, &b, 0x43000, 1), -EFAULT);

	/* removing a middle page splits a range */
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 0x41000, 1), 0);
	cr_assert_eq(byte_at(&s, 0x40fff), 4);
	cr_assert_eq(m_read(s.m, &b, 0x41000, 1), -EFAULT);
	cr_assert_eq(byte_at(&s, 0x42000), 0);
	sim_close(&s);
}

Test(mem_sim, readonly_range_in_non_strict_mode)
{
	struct simm s = sim_open();
	unsigned char b = 1;
	uint64_t pfn;

	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x30000, PG, false), 0);
	cr_assert_eq(m_write(s.m, 0x30000, &b, 1), -EFAULT);
	cr_assert_eq(m_pin(s.m, 0x30000, 1, true, &pfn), -EFAULT);
	cr_assert_eq(byte_at(&s, 0x30000), 0);
	poke(&s, 0x31000, 1);
	/* removing the range restores the default: present and writable */
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 0x30000, PG), 0);
	poke(&s, 0x30000, 1);
	sim_close(&s);
}

Test(mem_sim, remove_in_strict_mode_faults)
{
	struct simm s = sim_open();
	unsigned char b;

	iommufd_mem_sim_set_strict(s.sim, true);
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x10000, 4 * PG, true),
		     0);
	poke(&s, 0x10000, 1);
	poke(&s, 0x11000, 2);
	poke(&s, 0x12000, 3);
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 0x11000, PG), 0);
	cr_assert_eq(m_read(s.m, &b, 0x11000, 1), -EFAULT);
	cr_assert_eq(m_write(s.m, 0x11000, &b, 1), -EFAULT);
	cr_assert_eq(byte_at(&s, 0x10000), 1);
	cr_assert_eq(byte_at(&s, 0x12000), 3);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 2);
	/* re-adding brings back a fresh zero page, not the old contents */
	cr_assert_eq(iommufd_mem_sim_add_range(s.sim, 0x11000, PG, true), 0);
	cr_assert_eq(byte_at(&s, 0x11000), 0);
	sim_close(&s);
}

Test(mem_sim, remove_in_non_strict_mode_gives_new_page)
{
	struct simm s = sim_open();
	uint64_t a, b;

	poke(&s, 0x50000, 42);
	a = pin1(&s, 0x50000);
	unpin1(&s, a);
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 0x50000, PG), 0);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 0);
	cr_assert_eq(byte_at(&s, 0x50000), 0);
	b = pin1(&s, 0x50000);
	cr_assert_neq(a, b);
	cr_assert_gt(b, a);
	unpin1(&s, b);
	sim_close(&s);
}

Test(mem_sim, pinned_page_outlives_removal)
{
	struct simm s = sim_open();
	uint64_t old, fresh;
	unsigned char *d;

	poke(&s, 0x60010, 0x77);
	old = pin1(&s, 0x60000);
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 0x60000, PG), 0);

	/* gone from the address space, still pinned and still holding data */
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x60000), 0);
	cr_assert_eq(iommufd_mem_sim_pfn_pins(s.sim, old), 1);
	d = iommufd_mem_sim_page_data(s.sim, old);
	cr_assert_not_null(d);
	cr_assert_eq(d[0x10], 0x77);
	cr_assert_eq(byte_at(&s, 0x60010), 0);

	fresh = pin1(&s, 0x60000);
	cr_assert_neq(fresh, old);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x60000), 1);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 2);

	/* unpinning the orphan releases it without touching the new page */
	unpin1(&s, old);
	cr_assert_eq(iommufd_mem_sim_pfn_pins(s.sim, old), 0);
	cr_assert_null(iommufd_mem_sim_page_data(s.sim, old));
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x60000), 1);
	unpin1(&s, old); /* unbalanced: ignored */
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x60000), 1);
	unpin1(&s, fresh);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x60000), 0);
	unpin1(&s, fresh);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x60000), 0);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 0);
	sim_close(&s);
}

/* The page table and orphaned pinned pages all go with the sim */
Test(mem_sim, free_with_pins_outstanding)
{
	struct simm s = sim_open();
	uint64_t pfns[8];

	poke(&s, 0x80000, 1);
	cr_assert_eq(m_pin(s.m, 0x80000, 8, true, pfns), 0);
	cr_assert_eq(m_pin(s.m, 0x80000, 4, true, pfns), 0);
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 0x80000, 2 * PG), 0);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 6);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 8);
	sim_close(&s);
}

Test(mem_sim, remove_huge_sparse_range)
{
	struct simm s = sim_open();
	uint64_t kept, orphan;
	int i;

	for (i = 0; i < 200; i++)
		poke(&s, 0x100000000ULL + (uint64_t)i * 0x12345000ULL, 1);
	poke(&s, PG, 5);
	orphan = pin1(&s, 0x100000000ULL);
	/* almost the whole address space: must walk the table, not the pages */
	cr_assert_eq(iommufd_mem_sim_remove_range(s.sim, 2 * PG,
						  UINT64_MAX - 2 * PG + 1),
		     0);
	cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 1);
	cr_assert_eq(byte_at(&s, PG), 5);
	for (i = 0; i < 200; i++)
		cr_assert_eq(byte_at(&s, 0x100000000ULL +
						 (uint64_t)i * 0x12345000ULL),
			     0);
	cr_assert_eq(iommufd_mem_sim_pfn_pins(s.sim, orphan), 1);
	kept = pin1(&s, PG);
	unpin1(&s, kept);
	unpin1(&s, orphan);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 0);
	sim_close(&s);
}

Test(mem_sim, strict_toggle_hides_but_keeps_pages)
{
	struct simm s = sim_open();
	unsigned char b;
	uint64_t a;

	poke(&s, 0x70000, 9);
	a = pin1(&s, 0x70000);
	unpin1(&s, a);
	iommufd_mem_sim_set_strict(s.sim, true);
	cr_assert_eq(m_read(s.m, &b, 0x70000, 1), -EFAULT);
	iommufd_mem_sim_set_strict(s.sim, false);
	cr_assert_eq(byte_at(&s, 0x70000), 9);
	cr_assert_eq(pin1(&s, 0x70000), a);
	unpin1(&s, a);
	sim_close(&s);
}

Test(mem_sim, pin_unaligned)
{
	struct simm s = sim_open();
	uint64_t pfn;

	cr_assert_eq(m_pin(s.m, 0x10001, 1, false, &pfn), -EINVAL);
	cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, 0x10000), 0);
	sim_close(&s);
	iommufd_mem_sim_free(NULL);
}

/*
 * Random pin/unpin/write/remove on a small, dense set of pages (dense keys
 * make long probe clusters, where backward-shift deletion goes wrong if it
 * does) checked against a trivially correct reference after every step.
 */
#define CHURN_PAGES 300
#define CHURN_HELD 4096

struct held_pin {
	uint64_t pfn;
	unsigned int page, gen;
};

static uint64_t churn_uva(unsigned int page)
{
	/* three dense clusters */
	return 0x10000000ULL * (1 + page % 3) + (uint64_t)(page / 3) * PG;
}

Test(mem_sim, churn_against_reference)
{
	struct simm s = sim_open();
	unsigned char val[CHURN_PAGES] = { 0 };
	uint64_t pins[CHURN_PAGES] = { 0 }, pfn[CHURN_PAGES] = { 0 };
	unsigned int gen[CHURN_PAGES] = { 0 };
	static struct held_pin held[CHURN_HELD];
	size_t nheld = 0, step;
	uint64_t rng = 0x243f6a8885a308d3ULL;
	unsigned int p;

	for (step = 0; step < 200000; step++) {
		unsigned int op;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		op = (unsigned int)(rng >> 60);
		p = (unsigned int)((rng >> 20) % CHURN_PAGES);

		if (op < 4) {
			val[p] = (unsigned char)(rng >> 40);
			poke(&s, churn_uva(p) + (p % PG), val[p]);
		} else if (op < 8 && nheld < CHURN_HELD) {
			uint64_t got = pin1(&s, churn_uva(p));

			if (pfn[p])
				cr_assert_eq(got, pfn[p], "page %u pfn moved",
					     p);
			pfn[p] = got;
			pins[p]++;
			held[nheld++] = (struct held_pin){ got, p, gen[p] };
		} else if (op < 13 && nheld) {
			size_t k = (size_t)((rng >> 8) % nheld);
			struct held_pin h = held[k];

			held[k] = held[--nheld];
			cr_assert_geq(iommufd_mem_sim_pfn_pins(s.sim, h.pfn),
				      1);
			unpin1(&s, h.pfn);
			if (h.gen == gen[h.page])
				pins[h.page]--;
		} else if (op < 15) {
			cr_assert_eq(iommufd_mem_sim_remove_range(
					     s.sim, churn_uva(p), PG),
				     0);
			val[p] = 0;
			pins[p] = 0;
			pfn[p] = 0;
			gen[p]++;
		} else if ((rng >> 30) % 64 == 0) {
			/* everything at once, through the table-scan path */
			cr_assert_eq(iommufd_mem_sim_remove_range(
					     s.sim, PG, 0x40000000ULL),
				     0);
			for (p = 0; p < CHURN_PAGES; p++) {
				val[p] = 0;
				pins[p] = 0;
				pfn[p] = 0;
				gen[p]++;
			}
			cr_assert_eq(iommufd_mem_sim_npages_mapped(s.sim), 0);
			p = 0;
		}

		cr_assert_eq(byte_at(&s, churn_uva(p) + (p % PG)), val[p],
			     "step %zu page %u", step, p);
		cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, churn_uva(p)),
			     pins[p], "step %zu page %u", step, p);
	}
	for (p = 0; p < CHURN_PAGES; p++) {
		cr_assert_eq(byte_at(&s, churn_uva(p) + (p % PG)), val[p]);
		cr_assert_eq(iommufd_mem_sim_pin_count(s.sim, churn_uva(p)),
			     pins[p]);
	}
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim) <= nheld, 1);
	while (nheld)
		unpin1(&s, held[--nheld].pfn);
	cr_assert_eq(iommufd_mem_sim_npages_pinned(s.sim), 0);
	sim_close(&s);
}

/*
 * Another process's memory: readable and writable while it lives, pinned
 * pages copied so they outlive it, EFAULT for everything else once it is
 * gone (a forked child that mapped through an inherited iommufd).
 */
Test(mem_remote, outlives_its_process_only_where_pinned)
{
	static char page[2 * 4096] __attribute__((aligned(4096)));
	int go[2], ready[2];
	struct iommufd_mem_remote *r;
	struct iommufd_mem m;
	uint64_t pfns[2], uva = (uintptr_t)page;
	char buf[8], c = 0;
	pid_t child;

	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(ready), 0);
	child = fork();
	cr_assert_neq(child, -1);
	if (!child) {
		memcpy(page, "child", 6);
		memcpy(page + 4096, "second", 7);
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	r = iommufd_mem_remote_new(child);
	cr_assert_not_null(r);
	m = iommufd_mem_remote_provider(r);
	cr_assert_eq(m.ops->read(m.priv, buf, uva, 6), 0);
	cr_assert_str_eq(buf, "child", "the child's copy, not ours");
	cr_assert_eq(m.ops->write(m.priv, uva + 100, "x", 1), 0);
	cr_assert_eq(m.ops->pin(m.priv, uva, 2, true, pfns), 0);
	cr_assert_neq(pfns[0], pfns[1]);
	cr_assert_str_eq((char *)m.ops->pinned_page(m.priv, pfns[1]), "second");
	/* the process goes away */
	cr_assert_eq(write(go[1], &c, 1), 1);
	cr_assert_eq(waitpid(child, NULL, 0), child);
	cr_assert_eq(m.ops->read(m.priv, buf, uva, 1), -EFAULT);
	cr_assert_eq(m.ops->pin(m.priv, uva, 1, false, &pfns[1]), -EFAULT);
	cr_assert_str_eq((char *)m.ops->pinned_page(m.priv, pfns[0]), "child",
			 "a pinned page outlives the process");
	cr_assert_eq(((char *)m.ops->pinned_page(m.priv, pfns[0]))[100], 'x');
	m.ops->unpin(m.priv, pfns, 2);
	cr_assert_null(m.ops->pinned_page(m.priv, pfns[0]));
	iommufd_mem_remote_free(r);
}
