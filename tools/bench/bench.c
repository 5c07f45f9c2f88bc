// SPDX-License-Identifier: MIT
/*
 * iommufd-bench: performance figures of the model, one per line as
 * "NAME VALUE UNIT" so scripts can read them. Nothing here asserts a
 * target; README.md lists the targets next to the latest figures.
 *
 * Every operation goes through iommufd_ctx_ioctl(), the same entry point a
 * real user has. The memory provider is a trusting memcpy one defined here
 * so the figures measure the model, not the cost of checking pointers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iommufd/model.h>
#include <iommufd/uapi.h>

#include "bench.h"

#define PAGE 4096ull

static int direct_read(void *priv, void *dst, uint64_t uva, size_t len)
{
	memcpy(dst, (void *)(uintptr_t)uva, len);
	return 0;
}

static int direct_write(void *priv, uint64_t uva, const void *src, size_t len)
{
	memcpy((void *)(uintptr_t)uva, src, len);
	return 0;
}

static int direct_pin(void *priv, uint64_t uva, size_t npages, bool write,
		      uint64_t *pfns)
{
	for (size_t i = 0; i < npages; i++)
		pfns[i] = (uva >> 12) + i;
	return 0;
}

static void direct_unpin(void *priv, const uint64_t *pfns, size_t npages)
{
}

static const struct iommufd_mem_ops direct_ops = {
	.read = direct_read,
	.write = direct_write,
	.pin = direct_pin,
	.unpin = direct_unpin,
};

static struct iommufd_acct acct;
static struct iommufd_env env = {
	.mem = { .ops = &direct_ops },
	.acct = &acct,
	.caps = IOMMUFD_CAP_IPC_LOCK,
	.rlimit_memlock = IOMMUFD_RLIM_INFINITY,
};

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64*: fixed seed, so every run measures the same sequence */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static long ioctl_or_die(struct iommufd_ctx *ctx, unsigned int cmd, void *arg)
{
	long rc = iommufd_ctx_ioctl(ctx, cmd, (uintptr_t)arg);

	if (rc < 0) {
		fprintf(stderr, "iommufd-bench: ioctl %#x failed: %s\n", cmd,
			strerror((int)-rc));
		exit(1);
	}
	return rc;
}

static uint32_t ioas_alloc(struct iommufd_ctx *ctx)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	ioctl_or_die(ctx, IOMMU_IOAS_ALLOC, &cmd);
	return cmd.out_ioas_id;
}

static void map_fixed(struct iommufd_ctx *ctx, uint32_t ioas, uint64_t iova,
		      uint64_t len)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = 0x10000000000ull + iova,
		.length = len,
		.iova = iova,
	};

	ioctl_or_die(ctx, IOMMU_IOAS_MAP, &cmd);
}

static void unmap(struct iommufd_ctx *ctx, uint32_t ioas, uint64_t iova,
		  uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova, .length = len,
	};

	ioctl_or_die(ctx, IOMMU_IOAS_UNMAP, &cmd);
}

/*
 * N live 4 KiB areas on the even slots; the churn maps and unmaps a random
 * odd slot, so every operation lands between live areas.
 */
static void bench_churn(uint64_t live, uint64_t ops, const char *label)
{
	struct iommufd_ctx *ctx = iommufd_ctx_open(&env, 0);
	uint32_t ioas = ioas_alloc(ctx);
	double t;

	for (uint64_t i = 0; i < live; i++)
		map_fixed(ctx, ioas, 2 * i * PAGE + PAGE, PAGE);
	t = bench_now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t slot = next_rand() % live;
		uint64_t iova = (2 * slot + 2) * PAGE;

		map_fixed(ctx, ioas, iova, PAGE);
		unmap(ctx, ioas, iova, PAGE);
	}
	t = bench_now() - t;
	printf("map_unmap_pairs_%s %.0f pairs/s\n", label, ops / t);
	iommufd_ctx_close(ctx);
}

static void bench_memory(uint64_t live)
{
	struct mallinfo2 before, after;
	struct iommufd_ctx *ctx;
	uint32_t ioas;

	before = mallinfo2();
	ctx = iommufd_ctx_open(&env, 0);
	ioas = ioas_alloc(ctx);
	for (uint64_t i = 0; i < live; i++)
		map_fixed(ctx, ioas, 2 * i * PAGE + PAGE, PAGE);
	after = mallinfo2();
	printf("bytes_per_area %.1f bytes\n",
	       (double)(after.uordblks - before.uordblks) / live);
	iommufd_ctx_close(ctx);
}

/*
 * A fragmented IOAS: N one-page areas with one-page holes between them.
 * Two-page automatic allocations fit in none of the holes, so each one
 * walks the whole space (first fit) and lands past the last area.
 */
static void bench_auto_alloc(uint64_t live, uint64_t ops)
{
	struct iommufd_ctx *ctx = iommufd_ctx_open(&env, 0);
	uint32_t ioas = ioas_alloc(ctx);
	double t;

	for (uint64_t i = 0; i < live; i++)
		map_fixed(ctx, ioas, 2 * i * PAGE + PAGE, PAGE);
	t = bench_now();
	for (uint64_t i = 0; i < ops; i++) {
		struct iommu_ioas_map cmd = {
			.size = sizeof(cmd),
			.flags = IOMMU_IOAS_MAP_READABLE,
			.ioas_id = ioas,
			.user_va = 0x20000000000ull,
			.length = 2 * PAGE,
		};

		ioctl_or_die(ctx, IOMMU_IOAS_MAP, &cmd);
		unmap(ctx, ioas, cmd.iova, 2 * PAGE);
	}
	t = bench_now() - t;
	int exp = 0;

	for (uint64_t n = live; n >= 10; n /= 10)
		exp++;
	printf("auto_alloc_fragmented_1e%d %.0f allocs/s\n", exp, ops / t);
	iommufd_ctx_close(ctx);
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");

	if (argc > 1 && !quick) {
		fprintf(stderr, "usage: iommufd-bench [--quick]\n");
		return 2;
	}
	bench_churn(1000, quick ? 100000 : 2000000, "1e3");
	bench_churn(10000, quick ? 100000 : 2000000, "1e4");
	bench_churn(100000, quick ? 100000 : 2000000, "1e5");
	if (!quick)
		bench_churn(1000000, 2000000, "1e6");
	bench_memory(quick ? 100000 : 1000000);
	bench_auto_alloc(10000, quick ? 200 : 2000);
	bench_page_tables(quick);
	return 0;
}
