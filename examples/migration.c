// SPDX-License-Identifier: MIT
/*
 * A live-migration style run against the model: a VT-d device behind an
 * IOAS, a dirty-tracking HWPT, guest memory written by the device's DMA,
 * and the pre-copy loop a VMM runs (read and clear the dirty bitmap,
 * "send" the dirty pages, repeat until nothing new is dirty).
 *
 * Build: cc migration.c $(pkg-config --cflags --libs iommufd-model)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <iommufd/model.h>
#include <iommufd/platform.h>
#include <iommufd/uapi.h>

#define GUEST_IOVA 0x100000000ull
#define GUEST_PAGES 64
#define PAGE 4096ull

static struct iommufd_ctx *ctx;

static void must(long rc, const char *what)
{
	printf("%-46s -> %s\n", what, rc ? strerror((int)-rc) : "ok");
	if (rc)
		exit(1);
}

static uint64_t dirty_pass(uint32_t hwpt, const char *label)
{
	uint64_t bitmap = 0, n;
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get), .hwpt_id = hwpt, .iova = GUEST_IOVA,
		.length = GUEST_PAGES * PAGE, .page_size = PAGE,
		.data = (uintptr_t)&bitmap,
	};

	must(iommufd_ctx_ioctl(ctx, IOMMU_HWPT_GET_DIRTY_BITMAP,
			       (uintptr_t)&get), label);
	n = (uint64_t)__builtin_popcountll(bitmap);
	printf("    dirty pages: %llu (bitmap 0x%016llx)\n",
	       (unsigned long long)n, (unsigned long long)bitmap);
	return n;
}

int main(void)
{
	struct iommufd_acct acct = { 0 };
	struct iommufd_env env = {
		.mem = iommufd_mem_self(),
		.acct = &acct,
		.caps = IOMMUFD_CAP_IPC_LOCK,
		.rlimit_memlock = IOMMUFD_RLIM_INFINITY,
	};
	struct iommufd_iommu_desc vtd = { .kind = IOMMUFD_IOMMU_INTEL_VTD };
	struct iommufd_dev_desc nic = { 0 };
	struct iommufd_platform *p = iommufd_platform_new();
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
	struct iommu_hwpt_set_dirty_tracking track = { .size = sizeof(track) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommufd_dev *dev;
	uint32_t dev_id, pt;
	char *guest;
	int err = 0, round;

	ctx = iommufd_ctx_open(&env, 0);
	dev = iommufd_platform_add_dev(p, iommufd_platform_add_iommu(p, &vtd,
								     &err),
				       &nic, &err);
	if (!ctx || !dev)
		return 1;
	must(iommufd_dev_bind(ctx, dev, &dev_id), "VFIO_DEVICE_BIND_IOMMUFD");
	must(iommufd_ctx_ioctl(ctx, IOMMU_IOAS_ALLOC, (uintptr_t)&ioas),
	     "IOMMU_IOAS_ALLOC");
	hwpt.dev_id = dev_id;
	hwpt.pt_id = ioas.out_ioas_id;
	hwpt.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	must(iommufd_ctx_ioctl(ctx, IOMMU_HWPT_ALLOC, (uintptr_t)&hwpt),
	     "IOMMU_HWPT_ALLOC (DIRTY_TRACKING)");
	pt = hwpt.out_hwpt_id;
	must(iommufd_dev_attach(dev, &pt), "VFIO_DEVICE_ATTACH_IOMMUFD_PT");

	guest = mmap(NULL, GUEST_PAGES * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = ioas.out_ioas_id;
	map.user_va = (uintptr_t)guest;
	map.length = GUEST_PAGES * PAGE;
	map.iova = GUEST_IOVA;
	must(iommufd_ctx_ioctl(ctx, IOMMU_IOAS_MAP, (uintptr_t)&map),
	     "IOMMU_IOAS_MAP (guest RAM)");

	track.hwpt_id = hwpt.out_hwpt_id;
	track.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	must(iommufd_ctx_ioctl(ctx, IOMMU_HWPT_SET_DIRTY_TRACKING,
			       (uintptr_t)&track),
	     "IOMMU_HWPT_SET_DIRTY_TRACKING (on)");

	/* the device keeps writing fewer pages each round, then stops */
	for (round = 0;; round++) {
		int i, writes = round < 3 ? 8 >> round : 0;

		for (i = 0; i < writes; i++) {
			uint64_t page = (uint64_t)(i * 7 + round) % GUEST_PAGES;

			if (iommufd_dev_dma(dev, GUEST_IOVA + page * PAGE + 64,
					    "pkt", 4, true))
				return 1;
		}
		printf("round %d: device wrote %d packets\n", round, writes);
		if (!dirty_pass(hwpt.out_hwpt_id,
				"IOMMU_HWPT_GET_DIRTY_BITMAP") && round)
			break;
	}
	track.flags = 0;
	must(iommufd_ctx_ioctl(ctx, IOMMU_HWPT_SET_DIRTY_TRACKING,
			       (uintptr_t)&track),
	     "IOMMU_HWPT_SET_DIRTY_TRACKING (off)");
	printf("guest page 7 holds \"%s\"\n", guest + 7 * PAGE + 64);
	iommufd_ctx_close(ctx);
	iommufd_platform_free(p);
	return 0;
}
