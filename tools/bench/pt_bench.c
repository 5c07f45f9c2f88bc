// SPDX-License-Identifier: MIT
/*
 * Page-table figures: map and unmap per format, dirty read-and-clear
 * bandwidth next to memset in the same run, and DMA translations.
 * Printed as "NAME VALUE UNIT" like the rest of iommufd-bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <iommufd/model.h>
#include <iommufd/platform.h>
#include <iommufd/uapi.h>

#include "amd/amd.h"
#include "pt/phys.h"
#include "vtd/vtd.h"
#include "bench.h"

#define SZ_4K 4096ull
#define SZ_1G (1ull << 30)

struct fmt_case {
	const char *name;
	const struct pt_format *fmt;
	unsigned int levels;
	uint64_t dirty_bit;
};

static const struct fmt_case cases[] = {
	{ "vtd_ss", &vtd_ss_format, 4, 1ull << 9 },
	{ "amd_v1", &amd_v1_format, 3, 1ull << 6 },
	/* x86 long mode: VT-d first stage and AMD v2 (D is bit 6) */
	{ "vtd_fs", &vtd_fs_format, 4, 1ull << 6 },
	{ "amd_v2", &amd_v2_format, 4, 1ull << 6 },
};

/* PAs well away from the table pages, 4 KiB aligned */
#define DATA_PA 0x100000000ull

static void bench_map_unmap(const struct fmt_case *c)
{
	struct pt_phys phys;
	struct pt_table t;
	double t0, map_s, unmap_s, batch_s;
	uint64_t i;

	pt_phys_init(&phys, PT_PHYS_BASE);
	if (pt_table_init(&t, c->fmt, pt_phys_mem(&phys), c->levels, SZ_4K)) {
		fprintf(stderr, "iommufd-bench: %s table init failed\n", c->name);
		exit(1);
	}
	t0 = bench_now();
	if (pt_map(&t, 0, DATA_PA, SZ_1G, PT_PROT_READ | PT_PROT_WRITE, SZ_4K)) {
		fprintf(stderr, "iommufd-bench: %s map failed\n", c->name);
		exit(1);
	}
	map_s = bench_now() - t0;
	t0 = bench_now();
	pt_unmap(&t, 0, SZ_1G);
	unmap_s = bench_now() - t0;
	/* 256 separate 4 KiB maps, then their unmaps, repeated */
	t0 = bench_now();
	for (i = 0; i < 256 * 64; i++) {
		uint64_t iova = (i % 256) * SZ_4K;

		pt_map(&t, iova, DATA_PA + iova, SZ_4K,
		       PT_PROT_READ | PT_PROT_WRITE, SZ_4K);
		if (i % 256 == 255)
			pt_unmap(&t, 0, 256 * SZ_4K);
	}
	batch_s = (bench_now() - t0) / 64;
	printf("pt_map_1GiB_4K_%s %.1f ms\n", c->name, map_s * 1e3);
	printf("pt_unmap_1GiB_4K_%s %.1f ms\n", c->name, unmap_s * 1e3);
	printf("pt_map_unmap_256x4K_%s %.1f us\n", c->name, batch_s * 1e6);
	pt_table_destroy(&t);
	pt_phys_destroy(&phys);
}

/* sums the bytes reported, merged runs or not */
static void count_dirty(void *arg, uint64_t iova, uint64_t size)
{
	*(uint64_t *)arg += size;
}

/* Dirty every leaf by writing the format's D bit into the table bytes */
static void dirty_all_leaves(struct pt_phys *phys, uint64_t dirty_bit)
{
	uint64_t slot;

	for (slot = 0; slot < phys->nslots; slot++) {
		uint64_t *e = phys->pages[slot];
		unsigned int i;

		if (!e)
			continue;
		for (i = 0; i < 512; i++)
			if (e[i] & 1)
				e[i] |= dirty_bit;
	}
}

static void bench_dirty(const struct fmt_case *c, uint64_t span)
{
	uint64_t leaf_bytes = span / SZ_4K * 8, reported = 0;
	struct pt_phys phys;
	struct pt_table t;
	double t0, rc_s, ms_s;
	char *buf;

	pt_phys_init(&phys, PT_PHYS_BASE);
	if (pt_table_init(&t, c->fmt, pt_phys_mem(&phys), c->levels, SZ_4K) ||
	    pt_map(&t, 0, DATA_PA, span, PT_PROT_READ | PT_PROT_WRITE, SZ_4K)) {
		fprintf(stderr, "iommufd-bench: %s dirty setup failed\n",
			c->name);
		exit(1);
	}
	/* upper-level tables get the bit too; their walk ignores it */
	dirty_all_leaves(&phys, c->dirty_bit);
	t0 = bench_now();
	/* what the drivers ask for on the GET_DIRTY_BITMAP path */
	pt_read_and_clear_dirty(&t, 0, span, PT_DIRTY_MERGE, count_dirty,
				&reported);
	rc_s = bench_now() - t0;
	if (reported != span) {
		fprintf(stderr, "iommufd-bench: %s reported %llu dirty bytes\n",
			c->name, (unsigned long long)reported);
		exit(1);
	}
	buf = malloc(leaf_bytes);
	if (!buf)
		exit(1);
	memset(buf, 1, leaf_bytes); /* fault the pages in first */
	t0 = bench_now();
	memset(buf, 0, leaf_bytes);
	/* the buffer is freed unread: keep the compiler from dropping it */
	__asm__ volatile("" : : "r"(buf) : "memory");
	ms_s = bench_now() - t0;
	printf("dirty_read_clear_%lluGiB_%s %.2f GB/s\n",
	       (unsigned long long)(span / SZ_1G), c->name,
	       leaf_bytes / rc_s / 1e9);
	printf("memset_same_bytes_%s %.2f GB/s\n", c->name,
	       leaf_bytes / ms_s / 1e9);
	printf("dirty_read_clear_vs_memset_%s %.1f %%\n", c->name,
	       100.0 * ms_s / rc_s);
	free(buf);
	pt_table_destroy(&t);
	pt_phys_destroy(&phys);
}

/* DMA through a VT-d domain at random IOVAs of a 64 MiB mapping */
static void bench_dma(uint64_t ops)
{
	static struct iommufd_acct acct;
	struct iommufd_env env = {
		.mem = iommufd_mem_self(),
		.acct = &acct,
		.caps = IOMMUFD_CAP_IPC_LOCK,
		.rlimit_memlock = IOMMUFD_RLIM_INFINITY,
	};
	struct iommufd_iommu_desc idesc = { .kind = IOMMUFD_IOMMU_INTEL_VTD };
	struct iommufd_dev_desc ddesc = { 0 };
	struct iommufd_platform *p = iommufd_platform_new();
	struct iommufd_ctx *ctx = iommufd_ctx_open(&env, 0);
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommufd_dev *dev;
	uint64_t len = 64ull << 20, i, rng = 1, word = 0;
	uint32_t dev_id, pt;
	int err = 0;
	double t0;
	char *buf;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dev = iommufd_platform_add_dev(p, iommufd_platform_add_iommu(p, &idesc,
								     &err),
				       &ddesc, &err);
	if (buf == MAP_FAILED || !dev || iommufd_dev_bind(ctx, dev, &dev_id) ||
	    iommufd_ctx_ioctl(ctx, IOMMU_IOAS_ALLOC, (uintptr_t)&alloc)) {
		fprintf(stderr, "iommufd-bench: DMA setup failed\n");
		exit(1);
	}
	pt = alloc.out_ioas_id;
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = len;
	map.iova = 1ull << 30;
	if (iommufd_ctx_ioctl(ctx, IOMMU_IOAS_MAP, (uintptr_t)&map) ||
	    iommufd_dev_attach(dev, &pt)) {
		fprintf(stderr, "iommufd-bench: DMA map failed\n");
		exit(1);
	}
	t0 = bench_now();
	for (i = 0; i < ops; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		if (iommufd_dev_dma(dev, map.iova + ((rng >> 20) % len & ~7ull),
				    &word, 8, false))
			exit(1);
	}
	printf("dma_translations_iotlb_miss %.0f translations/s\n",
	       ops / (bench_now() - t0));
	/* the same few pages again and again: IOTLB hits */
	t0 = bench_now();
	for (i = 0; i < ops; i++)
		if (iommufd_dev_dma(dev, map.iova + (i % 16) * 4096, &word, 8,
				    false))
			exit(1);
	printf("dma_translations_iotlb_hit %.0f translations/s\n",
	       ops / (bench_now() - t0));
	iommufd_ctx_close(ctx);
	iommufd_platform_free(p);
	munmap(buf, len);
}

void bench_page_tables(bool quick)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bench_map_unmap(&cases[i]);
	/* the formats iommufd's domains use (second stage, v1) */
	for (i = 0; i < 2; i++)
		bench_dirty(&cases[i], quick ? 4 * SZ_1G : 64 * SZ_1G);
	bench_dma(quick ? 100000 : 2000000);
}
