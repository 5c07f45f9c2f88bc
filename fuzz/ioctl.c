// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary ioctl sequences against one context.
 *
 * Input: records of [u8 nr][u8 len][len bytes]. The bytes become the ioctl
 * struct (its size field included, so the size rules are fuzzed too), laid
 * out in simulated user memory; pointers inside them may point anywhere in
 * that memory. After every call the full invariant checker runs and a
 * violation aborts, so the fuzzer finds state corruption, not only crashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommufd/model.h>
#include <iommufd/platform.h>
#include <iommufd/uapi.h>

#define ARG_VA 0x10000ull
/*
 * 256 MiB of simulated RAM: a MAP of any length is still accepted, but
 * pinning past this fails with ENOMEM instead of exhausting the fuzzer
 */
#define MAX_PAGES (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iommufd_mem_sim *sim = iommufd_mem_sim_new();
	struct iommufd_platform *platform = iommufd_platform_new();
	struct iommufd_acct acct = { 0 };
	struct iommufd_env env = {
		.mem = iommufd_mem_sim_provider(sim),
		.acct = &acct,
		.caps = IOMMUFD_CAP_SYS_RESOURCE,
		.rlimit_memlock = 1 << 20,
		/*
		 * a test kernel: IOMMU_TEST_CMD brings mock devices and HWPTs;
		 * the experimental noiommu GET_PA ioctl is fuzzed too
		 */
		.platform = platform,
		.config = IOMMUFD_CONFIG_TEST | IOMMUFD_CONFIG_NOIOMMU,
	};
	struct iommufd_ctx *ctx = iommufd_ctx_open(&env, 0);
	char why[512];
	int fds[64];
	size_t nfds, i;

	iommufd_mem_sim_set_max_pages(sim, MAX_PAGES);
	while (size >= 2) {
		uint8_t nr = data[0], len = data[1];

		data += 2;
		size -= 2;
		if (len > size)
			len = (uint8_t)size;
		/* Arguments start fresh each call; the IOAS state carries over */
		env.mem.ops->write(env.mem.priv, ARG_VA, data, len);
		iommufd_ctx_ioctl(ctx, IOMMUFD_IO(IOMMUFD_TYPE, nr), ARG_VA);
		if (iommufd_ctx_check(ctx, why, sizeof(why))) {
			fprintf(stderr, "invariant broken: %s\n", why);
			abort();
		}
		data += len;
		size -= len;
	}
	/* a process exit: the files the ioctls created close too */
	nfds = iommufd_ctx_fds(ctx, fds, 64);
	for (i = 0; i < nfds && i < 64; i++)
		iommufd_ctx_close_fd(ctx, fds[i]);
	iommufd_ctx_close(ctx);
	iommufd_platform_free(platform);
	iommufd_mem_sim_free(sim);
	return 0;
}
