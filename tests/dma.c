// SPDX-License-Identifier: MIT
/*
 * Device DMA through the page-table bytes: data lands where the table
 * says, faults where it says nothing or forbids, Dirty bits appear only
 * when tracking is on and come back through GET_DIRTY_BITMAP, and a
 * nested stage-1 table in guest memory is walked through stage 2.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/platform.h>

#include "harness.h"

#define IOVA 0x100000ull

struct fixture {
	struct harness h;
	struct iommufd_platform *p;
	struct iommufd_dev *dev;
	uint32_t dev_id, ioas;
	char *buf;
	char *map; /* what mmap gave */
};

static void setup(struct fixture *f, enum iommufd_iommu_kind kind)
{
	struct iommufd_iommu_desc idesc = { .kind = kind };
	struct iommufd_dev_desc ddesc = { 0 };
	struct iommufd_iommu *iommu;
	int err = 0;

	harness_open(&f->h, IOMMUFD_CAP_IPC_LOCK, 0);
	f->p = iommufd_platform_new();
	iommu = iommufd_platform_add_iommu(f->p, &idesc, &err);
	cr_assert_not_null(iommu);
	f->dev = iommufd_platform_add_dev(f->p, iommu, &ddesc, &err);
	cr_assert_not_null(f->dev);
	cr_assert_eq(iommufd_dev_bind(f->h.ctx, f->dev, &f->dev_id), 0);
	f->ioas = h_ioas_alloc(&f->h);
	f->map = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->map, MAP_FAILED);
	/*
	 * One page past a 2 MiB boundary: IOVA and PA then differ in bit
	 * 12, so every driver maps 4 KiB pages whatever mmap returned
	 * (the self provider's PA is the VA).
	 */
	f->buf = (char *)(((uintptr_t)f->map + (2 << 20) - 1) &
			  ~((uintptr_t)(2 << 20) - 1)) + 4096;
	memset(f->buf, 0, 1 << 20);
}

static void teardown(struct fixture *f)
{
	harness_close(&f->h);
	iommufd_platform_free(f->p);
	munmap(f->map, 4 << 20);
}

static uint32_t dirty_hwpt(struct fixture *f)
{
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc), .dev_id = f->dev_id, .pt_id = f->ioas,
		.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};
	uint32_t pt;

	ASSERT_OK(&f->h, IOMMU_HWPT_ALLOC, &alloc);
	pt = alloc.out_hwpt_id;
	cr_assert_eq(iommufd_dev_attach(f->dev, &pt), 0);
	return alloc.out_hwpt_id;
}

static void set_tracking(struct fixture *f, uint32_t hwpt, bool on)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set), .hwpt_id = hwpt,
		.flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
	};

	ASSERT_OK(&f->h, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
}

static uint64_t read_dirty(struct fixture *f, uint32_t hwpt, uint32_t flags)
{
	uint64_t bits = 0;
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get), .hwpt_id = hwpt, .flags = flags,
		.iova = IOVA, .length = 64 * 4096, .page_size = 4096,
		.data = (uintptr_t)&bits,
	};

	ASSERT_OK(&f->h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	return bits;
}

static void data_moves_and_faults(enum iommufd_iommu_kind kind)
{
	struct fixture f;
	uint32_t pt;
	char out[8];
	uint64_t iova = IOVA + 0x10000;

	setup(&f, kind);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, out, 1, false), -ENODEV);
	pt = f.ioas;
	cr_assert_eq(iommufd_dev_attach(f.dev, &pt), 0);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 0x10000, IOVA),
		     0);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 4094, "hello", 6, true), 0);
	cr_assert_str_eq(f.buf + 4094, "hello", "a write across two pages");
	memcpy(f.buf + 0x8000, "world", 6);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 0x8000, out, 6, false), 0);
	cr_assert_str_eq(out, "world");
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 0x10000, out, 1, false),
		     -EFAULT, "past the mapping");
	{
		struct iommufd_dma_fault df = { .raised = true };

		cr_assert_eq(iommufd_dev_dma_fault(f.dev, IOVA + 0x10000, out,
						   1, false, &df),
			     -EFAULT);
		cr_assert(!df.raised, "no PRI on the model's VT-d/AMD devices");
	}
	/* read-only IOVA: reads work, writes fault */
	cr_assert_eq(h_map(&f.h, f.ioas,
			   IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
			   (uintptr_t)f.buf + 0x20000, 4096, &iova), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, iova, out, 1, false), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, iova, out, 1, true), -EPERM);
	/* unmapped means gone from the table at once */
	{
		uint64_t len = 0x10000;

		cr_assert_eq(h_unmap(&f.h, f.ioas, IOVA, &len), 0);
	}
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, out, 1, false), -EFAULT);
	cr_assert_eq(iommufd_dev_detach(f.dev), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, iova, out, 1, false), -ENODEV);
	teardown(&f);
}

Test(dma, vtd_data_moves_and_faults)
{
	data_moves_and_faults(IOMMUFD_IOMMU_INTEL_VTD);
}

Test(dma, amd_data_moves_and_faults)
{
	data_moves_and_faults(IOMMUFD_IOMMU_AMD);
}

static void dirty_follows_tracking(enum iommufd_iommu_kind kind)
{
	struct fixture f;
	uint32_t hwpt;

	setup(&f, kind);
	hwpt = dirty_hwpt(&f);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 64 * 4096,
				 IOVA), 0);
	/* tracking off: the hardware leaves no dirty bit */
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 3 * 4096, "x", 1, true), 0);
	set_tracking(&f, hwpt, true);
	cr_assert_eq(read_dirty(&f, hwpt, 0), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 5 * 4096, "x", 1, true), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 6 * 4096, f.buf, 1, false),
		     0, "a read does not dirty");
	cr_assert_eq(read_dirty(&f, hwpt, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR),
		     1ull << 5);
	cr_assert_eq(read_dirty(&f, hwpt, 0), 1ull << 5);
	cr_assert_eq(read_dirty(&f, hwpt, 0), 0, "read and cleared");
	set_tracking(&f, hwpt, false);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 7 * 4096, "x", 1, true), 0);
	set_tracking(&f, hwpt, true);
	cr_assert_eq(read_dirty(&f, hwpt, 0), 0);
	teardown(&f);
}

Test(dma, vtd_dirty_follows_ssade)
{
	dirty_follows_tracking(IOMMUFD_IOMMU_INTEL_VTD);
}

Test(dma, amd_dirty_follows_had)
{
	dirty_follows_tracking(IOMMUFD_IOMMU_AMD);
}

Test(dma, vtd_dirty_large_page_reported_whole)
{
	struct fixture f;
	uint32_t hwpt;
	char *big;
	uint64_t bits[8] = { 0 };
	struct iommu_hwpt_get_dirty_bitmap get = { .size = sizeof(get) };
	size_t i;

	setup(&f, IOMMUFD_IOMMU_INTEL_VTD);
	hwpt = dirty_hwpt(&f);
	/* a 2 MiB aligned buffer lets the driver use a 2 MiB page */
	big = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(big, MAP_FAILED);
	big = (char *)(((uintptr_t)big + (2 << 20) - 1) & ~((2ull << 20) - 1));
	memset(big, 0, 2 << 20);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)big, 2 << 20,
				 0x40000000), 0);
	set_tracking(&f, hwpt, true);
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000 + 4096, "x", 1, true), 0);
	get.hwpt_id = hwpt;
	get.iova = 0x40000000;
	get.length = 2 << 20;
	get.page_size = 4096;
	get.data = (uintptr_t)bits;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	for (i = 0; i < 8; i++)
		cr_assert_eq(bits[i], ~0ull, "word %zu: the whole 2 MiB leaf",
			     i);
	teardown(&f);
}

/*
 * A large dirty leaf is reported whole, past the requested length: its
 * bits land up to the end of the bitmap's last user page and no further
 * (iova_bitmap_set() stops where the pages it pinned stop)
 */
Test(dma, vtd_large_leaf_bits_stop_at_the_bitmaps_last_page)
{
	struct fixture f;
	uint32_t hwpt;
	char *big, *bm;
	struct iommu_hwpt_get_dirty_bitmap get = { .size = sizeof(get) };

	setup(&f, IOMMUFD_IOMMU_INTEL_VTD);
	hwpt = dirty_hwpt(&f);
	big = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(big, MAP_FAILED);
	big = (char *)(((uintptr_t)big + (2 << 20) - 1) & ~((2ull << 20) - 1));
	memset(big, 0, 2 << 20);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)big, 2 << 20,
				 0x40000000), 0);
	set_tracking(&f, hwpt, true);
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000, "x", 1, true), 0);

	/* one bit asked for, in the last byte of a page of f.buf */
	bm = f.buf + 2 * 4096 - 1;
	memset(bm - 1, 0, 3);
	get.hwpt_id = hwpt;
	get.iova = 0x40000000;
	get.length = 4096;
	get.page_size = 4096;
	get.data = (uintptr_t)bm;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq((uint8_t)bm[0], 0xff, "the leaf's bits, up to the page end");
	cr_assert_eq(bm[1], 0, "the next page was not the bitmap's");
	cr_assert_eq(bm[-1], 0, "nor the byte before it");
	teardown(&f);
}

/* x86 long-mode first-stage bits */
#define S1_P (1ull << 0)
#define S1_RW (1ull << 1)
#define S1_US (1ull << 2)
#define S1_A (1ull << 5)
#define S1_D (1ull << 6)

Test(dma, vtd_nested_walks_guest_tables_through_stage2)
{
	struct fixture f;
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_vtd_s1 s1 = { .addr_width = 48 };
	uint64_t *pml4, *pdpt, *pd, *pt_;
	uint32_t parent, nested, pt;
	char out[6];

	setup(&f, IOMMUFD_IOMMU_INTEL_VTD);
	alloc.dev_id = f.dev_id;
	alloc.pt_id = f.ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	parent = alloc.out_hwpt_id;
	/* guest memory: GPA IOVA.. is f.buf; tables in its first pages */
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 0x10000, IOVA),
		     0);
	pml4 = (uint64_t *)f.buf;
	pdpt = (uint64_t *)(f.buf + 0x1000);
	pd = (uint64_t *)(f.buf + 0x2000);
	pt_ = (uint64_t *)(f.buf + 0x3000);
	/* guest IOVA 1 GiB -> GPA IOVA + 0x4000 */
	pml4[0] = (IOVA + 0x1000) | S1_P | S1_RW | S1_US;
	pdpt[1] = (IOVA + 0x2000) | S1_P | S1_RW | S1_US;
	pd[0] = (IOVA + 0x3000) | S1_P | S1_RW | S1_US;
	pt_[0] = (IOVA + 0x4000) | S1_P | S1_RW | S1_US;
	s1.pgtbl_addr = IOVA;
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = f.dev_id, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	nested = alloc.out_hwpt_id;
	pt = nested;
	cr_assert_eq(iommufd_dev_attach(f.dev, &pt), 0);
	harness_check(&f.h);

	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000 + 16, "guest", 6, true),
		     0);
	cr_assert_str_eq(f.buf + 0x4000 + 16, "guest");
	cr_assert(pt_[0] & S1_A, "stage-1 leaf accessed");
	cr_assert(pt_[0] & S1_D, "stage-1 leaf dirty");
	cr_assert(pml4[0] & S1_A, "every stage-1 level accessed");
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000 + 16, out, 6, false), 0);
	cr_assert_str_eq(out, "guest");
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40001000, out, 1, false), -EFAULT,
		     "no stage-1 entry");
	/* a stage-1 leaf pointing outside stage 2 cannot be reached */
	pt_[1] = 0x7000000 | S1_P | S1_RW | S1_US;
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40001000, out, 1, false), -EFAULT);
	teardown(&f);
}

static struct iommufd_iotlb_stats stats(struct fixture *f)
{
	struct iommufd_iotlb_stats st;

	iommufd_dev_iotlb_stats(f->dev, &st);
	return st;
}

static void iotlb_follows_unmap(enum iommufd_iommu_kind kind)
{
	struct fixture f;
	uint32_t pt;
	char out[4];
	uint64_t len = 4096;

	setup(&f, kind);
	pt = f.ioas;
	cr_assert_eq(iommufd_dev_attach(f.dev, &pt), 0);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 4096, IOVA), 0);
	memcpy(f.buf, "old", 4);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, out, 4, false), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, out, 4, false), 0);
	cr_assert_eq(stats(&f).misses, 1);
	cr_assert_eq(stats(&f).hits, 1, "the second read hits the IOTLB");
	/* unmap and map other memory at the same IOVA: no stale reuse */
	cr_assert_eq(h_unmap(&f.h, f.ioas, IOVA, &len), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, out, 4, false), -EFAULT);
	memcpy(f.buf + 8192, "new", 4);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf + 8192, 4096,
				 IOVA), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, out, 4, false), 0);
	cr_assert_str_eq(out, "new");
	cr_assert_eq(stats(&f).stale, 0);
	teardown(&f);
}

Test(dma, vtd_iotlb_follows_unmap)
{
	iotlb_follows_unmap(IOMMUFD_IOMMU_INTEL_VTD);
}

Test(dma, amd_iotlb_follows_unmap)
{
	iotlb_follows_unmap(IOMMUFD_IOMMU_AMD);
}

Test(dma, iotlb_hit_still_dirties_after_a_clear)
{
	struct fixture f;
	uint32_t hwpt;

	setup(&f, IOMMUFD_IOMMU_INTEL_VTD);
	hwpt = dirty_hwpt(&f);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 64 * 4096,
				 IOVA), 0);
	set_tracking(&f, hwpt, true);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, "a", 1, true), 0);
	cr_assert_eq(read_dirty(&f, hwpt, 0), 1);
	/* the clear flushed the IOTLB, so this write walks and dirties */
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, "b", 1, true), 0);
	cr_assert_eq(read_dirty(&f, hwpt, 0), 1);
	/* with NO_CLEAR nothing is flushed: the next write may hit */
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, "c", 1, true), 0);
	cr_assert_eq(read_dirty(&f, hwpt, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), 1);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA, "d", 1, true), 0);
	cr_assert_eq(stats(&f).hits, 1);
	teardown(&f);
}

Test(dma, vtd_guest_must_invalidate_its_stage1_changes)
{
	struct fixture f;
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_vtd_s1 s1 = { .addr_width = 48, .pgtbl_addr = IOVA };
	struct iommu_hwpt_vtd_s1_invalidate inv = { .addr = 0x40000000,
						    .npages = 1 };
	struct iommu_hwpt_invalidate cmd = { .size = sizeof(cmd) };
	uint64_t *pml4, *pdpt, *pd, *pt_;
	uint32_t parent, pt;
	char out[4];

	setup(&f, IOMMUFD_IOMMU_INTEL_VTD);
	alloc.dev_id = f.dev_id;
	alloc.pt_id = f.ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	parent = alloc.out_hwpt_id;
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 0x10000, IOVA),
		     0);
	pml4 = (uint64_t *)f.buf;
	pdpt = (uint64_t *)(f.buf + 0x1000);
	pd = (uint64_t *)(f.buf + 0x2000);
	pt_ = (uint64_t *)(f.buf + 0x3000);
	pml4[0] = (IOVA + 0x1000) | S1_P | S1_RW | S1_US;
	pdpt[1] = (IOVA + 0x2000) | S1_P | S1_RW | S1_US;
	pd[0] = (IOVA + 0x3000) | S1_P | S1_RW | S1_US;
	pt_[0] = (IOVA + 0x4000) | S1_P | S1_RW | S1_US;
	memcpy(f.buf + 0x4000, "one", 4);
	memcpy(f.buf + 0x5000, "two", 4);
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = f.dev_id, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	pt = alloc.out_hwpt_id;
	cr_assert_eq(iommufd_dev_attach(f.dev, &pt), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000, out, 4, false), 0);
	cr_assert_str_eq(out, "one");
	/* the guest repoints its PTE but does not invalidate: hardware
	 * keeps using the cached translation */
	pt_[0] = (IOVA + 0x5000) | S1_P | S1_RW | S1_US;
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000, out, 4, false), 0);
	cr_assert_str_eq(out, "one", "stale by the guest's own doing");
	cmd.hwpt_id = alloc.out_hwpt_id;
	cmd.data_uptr = (uintptr_t)&inv;
	cmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	cmd.entry_len = sizeof(inv);
	cmd.entry_num = 1;
	ASSERT_OK(&f.h, IOMMU_HWPT_INVALIDATE, &cmd);
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000, out, 4, false), 0);
	cr_assert_str_eq(out, "two", "after HWPT_INVALIDATE");
	teardown(&f);
}

/*
 * Nested with a dirty-tracking parent: the guest's DMA write dirties the
 * data page in stage 2, and the hardware's A/D updates to the guest's own
 * stage-1 entries dirty the table pages too.
 */
Test(dma, vtd_nested_write_dirties_stage2)
{
	struct fixture f;
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_hwpt_vtd_s1 s1 = { .addr_width = 48, .pgtbl_addr = IOVA };
	uint64_t *pml4, *pdpt, *pd, *pt_, bits;
	uint32_t parent, pt;

	setup(&f, IOMMUFD_IOMMU_INTEL_VTD);
	alloc.dev_id = f.dev_id;
	alloc.pt_id = f.ioas;
	alloc.flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
		      IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	parent = alloc.out_hwpt_id;
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 64 * 4096,
				 IOVA), 0);
	pml4 = (uint64_t *)f.buf;
	pdpt = (uint64_t *)(f.buf + 0x1000);
	pd = (uint64_t *)(f.buf + 0x2000);
	pt_ = (uint64_t *)(f.buf + 0x3000);
	pml4[0] = (IOVA + 0x1000) | S1_P | S1_RW | S1_US;
	pdpt[1] = (IOVA + 0x2000) | S1_P | S1_RW | S1_US;
	pd[0] = (IOVA + 0x3000) | S1_P | S1_RW | S1_US;
	pt_[0] = (IOVA + 0x9000) | S1_P | S1_RW | S1_US;
	alloc = (struct iommu_hwpt_alloc){
		.size = sizeof(alloc), .dev_id = f.dev_id, .pt_id = parent,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1,
	};
	ASSERT_OK(&f.h, IOMMU_HWPT_ALLOC, &alloc);
	pt = alloc.out_hwpt_id;
	cr_assert_eq(iommufd_dev_attach(f.dev, &pt), 0);
	set_tracking(&f, parent, true);
	cr_assert_eq(iommufd_dev_dma(f.dev, 0x40000000, "x", 1, true), 0);
	bits = read_dirty(&f, parent, 0);
	cr_assert(bits & (1ull << 9), "the data page, bitmap %#llx",
		  (unsigned long long)bits);
	cr_assert_eq(bits & 0xf, 0xf,
		     "the four guest table pages the walk set A/D in");
	cr_assert_eq(bits & ~0x20full, 0, "nothing else");
	teardown(&f);
}

/*
 * Bits are relative to the requested IOVA, not to IOVA 0, and the user's
 * bitmap may start at any byte (the selftest uses page + 0xff1).
 */
Test(dma, dirty_bitmap_is_relative_to_the_request)
{
	struct fixture f;
	uint32_t hwpt;
	uint8_t *raw;
	struct iommu_hwpt_get_dirty_bitmap get = { .size = sizeof(get) };

	setup(&f, IOMMUFD_IOMMU_INTEL_VTD);
	hwpt = dirty_hwpt(&f);
	cr_assert_eq(h_map_fixed(&f.h, f.ioas, (uintptr_t)f.buf, 64 * 4096,
				 IOVA), 0);
	set_tracking(&f, hwpt, true);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 10 * 4096, "x", 1, true), 0);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 17 * 4096, "x", 1, true), 0);
	raw = (uint8_t *)f.buf + 0x80000 + 0xff1;
	memset(raw, 0, 16);
	get.hwpt_id = hwpt;
	get.iova = IOVA + 8 * 4096;
	get.length = 16 * 4096;
	get.page_size = 4096;
	get.data = (uintptr_t)raw;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	/* page 10 -> bit 2, page 17 -> bit 9 */
	cr_assert_eq(raw[0], 1u << 2);
	cr_assert_eq(raw[1], 1u << 1);
	cr_assert_eq(raw[2], 0, "nothing past the request");
	/* a granule of 8 KiB: pages 16/17 share bit 4 of a new request */
	memset(raw, 0, 16);
	cr_assert_eq(iommufd_dev_dma(f.dev, IOVA + 17 * 4096, "x", 1, true), 0);
	get.page_size = 8192;
	ASSERT_OK(&f.h, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	cr_assert_eq(raw[0], 1u << 4);
	teardown(&f);
}
