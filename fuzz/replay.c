// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary bytes replayed as a trace.
 *
 * Where fuzz_ioctl speaks raw structs, this one reaches the model through
 * the trace format's named fields, devices and files: VFIO cdevs and
 * groups, the compat container, fault files, DMA and page requests. Any
 * verdict is fine; a crash, a leak, or the invariant checker finding
 * corrupt state after a record is not.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/model.h>

#include "replay.h"

/* 256 MiB of simulated RAM, as for fuzz_ioctl */
#define MAX_PAGES (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *priv, const struct sim_record *rec,
		  const struct sim_replay_ctx *ctxs, size_t n)
{
	char why[512];

	(void)priv;
	(void)rec;
	for (size_t i = 0; i < n; i++)
		if (iommufd_ctx_check(ctxs[i].ctx, why, sizeof(why))) {
			fprintf(stderr, "invariant broken: %s\n", why);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_replay_opts opts = {
		.max_pages = MAX_PAGES,
		.observe = check,
	};
	struct sim_replay_result res;
	char path[64];
	int fd = memfd_create("trace", 0);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror("fuzz_replay: memfd");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	sim_replay_file(path, &opts, &res);
	sim_replay_result_free(&res);
	close(fd);
	return 0;
}
