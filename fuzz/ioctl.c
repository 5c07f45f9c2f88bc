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
#include <iommufd/uapi.h>

#define ARG_VA 0x10000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iommufd_mem_sim *sim = iommufd_mem_sim_new();
	struct iommufd_acct acct = { 0 };
	struct iommufd_env env = {
		.mem = iommufd_mem_sim_provider(sim),
		.acct = &acct,
		.caps = IOMMUFD_CAP_SYS_RESOURCE,
		.rlimit_memlock = 1 << 20,
	};
	struct iommufd_ctx *ctx = iommufd_ctx_open(&env, 0);
	char why[512];

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
	iommufd_ctx_close(ctx);
	iommufd_mem_sim_free(sim);
	return 0;
}
