// SPDX-License-Identifier: MIT
/*
 * A VMM-style IOAS session against the model, built the way another
 * project would build it: against the installed library, found through
 * pkg-config. It prints every call with its result, so the output is the
 * model's answer to "what would a 6.12 kernel do here".
 *
 * Build: cc ioas_session.c $(pkg-config --cflags --libs iommufd-model)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <iommufd/model.h>
#include <iommufd/uapi.h>

static struct iommufd_ctx *ctx;

static const char *errname(long rc)
{
	switch (-rc) {
	case 0: return "ok";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EOVERFLOW: return "EOVERFLOW";
	case EADDRINUSE: return "EADDRINUSE";
	default: return strerror((int)-rc);
	}
}
static struct iommufd_mem mem;

/* Place the argument in simulated memory, call, read the result back */
static long call(const char *what, unsigned int cmd, void *arg, size_t len)
{
	const uint64_t uva = 0x1000000;
	long rc;

	mem.ops->write(mem.priv, uva, arg, len);
	rc = iommufd_ctx_ioctl(ctx, cmd, uva);
	mem.ops->read(mem.priv, arg, uva, len);
	printf("%-44s -> %s\n", what, errname(rc));
	return rc;
}

static uint64_t map(uint32_t ioas, uint32_t flags, uint64_t va, uint64_t len,
		    uint64_t iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m), .flags = flags, .ioas_id = ioas,
		.user_va = va, .length = len, .iova = iova,
	};
	char what[80];

	snprintf(what, sizeof(what), "MAP va=%#llx len=%#llx%s",
		 (unsigned long long)va, (unsigned long long)len,
		 (flags & IOMMU_IOAS_MAP_FIXED_IOVA) ? " fixed" : "");
	if (!call(what, IOMMU_IOAS_MAP, &m, sizeof(m)))
		printf("%-44s    iova=%#llx\n", "", (unsigned long long)m.iova);
	return m.iova;
}

int main(void)
{
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	struct iommufd_mem_sim *sim = iommufd_mem_sim_new();
	struct iommufd_acct acct = { 0 };
	struct iommufd_env env = {
		.acct = &acct, .rlimit_memlock = 64ull << 20,
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_iova_range ranges[4] = {
		{ .start = 0x100000000ull, .last = 0x1ffffffffull },
	};
	uint32_t ioas, ioas2;

	mem = env.mem = iommufd_mem_sim_provider(sim);
	ctx = iommufd_ctx_open(&env, 0);

	call("IOAS_ALLOC", IOMMU_IOAS_ALLOC, &alloc, sizeof(alloc));
	ioas = alloc.out_ioas_id;
	call("IOAS_ALLOC", IOMMU_IOAS_ALLOC, &alloc, sizeof(alloc));
	ioas2 = alloc.out_ioas_id;
	printf("ioas ids: %u %u\n", ioas, ioas2);

	/* Guest RAM below 4 GiB at a fixed IOVA, as a VMM maps it */
	map(ioas, rw | IOMMU_IOAS_MAP_FIXED_IOVA, 0x7f0000000000ull, 1ull << 30, 0);
	/* Overlap is refused */
	map(ioas, rw | IOMMU_IOAS_MAP_FIXED_IOVA, 0x7f0000000000ull, 4096, 0x1000);
	/* Automatic IOVAs: first fit above the fixed mapping */
	map(ioas, rw, 0x7f1000000000ull, 0x200000, 0);
	map(ioas, rw, 0x7f1000000800ull, 0x800, 0);

	/* Steer automatic allocation into [4 GiB, 8 GiB) */
	struct iommu_ioas_allow_iovas allow = {
		.size = sizeof(allow), .ioas_id = ioas2, .num_iovas = 1,
		.allowed_iovas = 0x2000000,
	};
	mem.ops->write(mem.priv, 0x2000000, ranges, sizeof(ranges[0]));
	call("ALLOW_IOVAS [4G, 8G) on ioas2", IOMMU_IOAS_ALLOW_IOVAS, &allow,
	     sizeof(allow));

	/* Share the first 2 MiB of guest RAM with the second IOAS */
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy), .flags = IOMMU_IOAS_MAP_READABLE,
		.dst_ioas_id = ioas2, .src_ioas_id = ioas, .length = 0x200000,
		.src_iova = 0,
	};
	if (!call("COPY 2 MiB ioas -> ioas2", IOMMU_IOAS_COPY, &copy, sizeof(copy)))
		printf("%-44s    dst_iova=%#llx\n", "",
		       (unsigned long long)copy.dst_iova);

	struct iommu_ioas_iova_ranges ir = {
		.size = sizeof(ir), .ioas_id = ioas, .num_iovas = 4,
		.allowed_iovas = 0x3000000,
	};
	call("IOVA_RANGES", IOMMU_IOAS_IOVA_RANGES, &ir, sizeof(ir));
	mem.ops->read(mem.priv, ranges, 0x3000000, sizeof(ranges));
	for (uint32_t i = 0; i < ir.num_iovas && i < 4; i++)
		printf("%-44s    [%#llx, %#llx]\n", "",
		       (unsigned long long)ranges[i].start,
		       (unsigned long long)ranges[i].last);

	/* A partial unmap is refused; a superset unmaps whole areas */
	struct iommu_ioas_unmap un = {
		.size = sizeof(un), .ioas_id = ioas, .iova = 0, .length = 4096,
	};
	call("UNMAP [0, 4K) (inside a 1 GiB area)", IOMMU_IOAS_UNMAP, &un,
	     sizeof(un));
	un.iova = 0;
	un.length = UINT64_MAX;
	if (!call("UNMAP all", IOMMU_IOAS_UNMAP, &un, sizeof(un)))
		printf("%-44s    unmapped=%#llx\n", "",
		       (unsigned long long)un.length);

	struct iommu_destroy d = { .size = sizeof(d), .id = ioas };
	call("DESTROY ioas", IOMMU_DESTROY, &d, sizeof(d));

	char why[256];
	printf("invariants: %s\n",
	       iommufd_ctx_check(ctx, why, sizeof(why)) ? why : "all hold");
	printf("locked memory charged: %llu pages (no domain: nothing pinned)\n",
	       (unsigned long long)acct.user_locked_vm);
	iommufd_ctx_close(ctx);
	iommufd_mem_sim_free(sim);
	return 0;
}
