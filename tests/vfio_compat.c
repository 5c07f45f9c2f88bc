// SPDX-License-Identifier: MIT
/*
 * The VFIO type1 container ioctls on an iommufd opened as /dev/vfio/vfio:
 * every ioctl's success path and its errnos in the kernel's order, the
 * GET_INFO capability chain byte by byte for every interesting argsz, the
 * UNMAP_DMA write-back, type1 (split) against type1v2 (no partial unmap),
 * CHECK_EXTENSION before and after SET_IOMMU, no-iommu mode and the compat
 * IOAS VFIO creates. The invariant checker runs after every call.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/platform.h>
#include <iommufd/uapi_test.h>
#include <iommufd/uapi_vfio.h>

#include "harness.h"
#include "private.h"

#define PAGE 4096ull
#define VA 0x7f0000000000ull /* never touched: no domain, nothing pinned */

static struct harness h;

static void setup(void)
{
	harness_open(&h, 0, IOMMUFD_OPEN_VFIO_CONTAINER);
}
static void teardown(void) { harness_close(&h); }

TestSuite(vfio_compat, .init = setup, .fini = teardown);

/* An ioctl whose argument is an integer, not a pointer */
static long vint(unsigned int cmd, uint64_t arg)
{
	long rc = iommufd_ctx_ioctl(h.ctx, cmd, arg);

	harness_check(&h);
	return rc;
}

static uint32_t compat_create(void)
{
	uint32_t id = 0;

	cr_assert_eq(iommufd_vfio_compat_ioas_create(h.ctx), 0);
	harness_check(&h);
	cr_assert_eq(iommufd_vfio_compat_ioas_get_id(h.ctx, &id), 0);
	return id;
}

static long map_dma(uint32_t flags, uint64_t vaddr, uint64_t iova,
		    uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .flags = flags, .vaddr = vaddr,
		.iova = iova, .size = size,
	};

	return h_ioctl(&h, VFIO_IOMMU_MAP_DMA, &map);
}

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* Returns the errno; *size in: length, out: what the kernel wrote back */
static long unmap_dma(uint32_t flags, uint64_t iova, uint64_t *size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .flags = flags, .iova = iova,
		.size = *size,
	};
	long rc = h_ioctl(&h, VFIO_IOMMU_UNMAP_DMA, &unmap);

	cr_assert_eq(unmap.argsz, sizeof(unmap));
	cr_assert_eq(unmap.flags, flags);
	cr_assert_eq(unmap.iova, iova);
	*size = unmap.size;
	return rc;
}

/* IOMMU_IOAS_UNMAP of exactly [iova, iova + len): the area layout probe */
static long ioas_unmap(uint32_t ioas, uint64_t iova, uint64_t len)
{
	return h_unmap(&h, ioas, iova, &len);
}

static uint64_t huge_pages(uint32_t ioas)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET, .object_id = ioas,
	};

	ASSERT_OK(&h, IOMMU_OPTION, &cmd);
	return cmd.val64;
}

static void set_huge_pages(uint32_t ioas, uint64_t val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_SET, .object_id = ioas, .val64 = val,
	};

	ASSERT_OK(&h, IOMMU_OPTION, &cmd);
}

static void vfio_ioas_set(uint32_t id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd), .ioas_id = id, .op = IOMMU_VFIO_IOAS_SET,
	};

	ASSERT_OK(&h, IOMMU_VFIO_IOAS, &cmd);
}

/* A page the model can read but not write: write-back faults */
static void *ro_page(const void *contents, size_t len)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	memcpy(p, contents, len);
	cr_assert_eq(mprotect(p, PAGE, PROT_READ), 0);
	return p;
}

/* ------------------------------------------------------ version, ENOTTY */

Test(vfio_compat, api_version_needs_nothing)
{
	/* No compat IOAS, and the argument is not even looked at */
	cr_assert_eq(vint(VFIO_GET_API_VERSION, 0), VFIO_API_VERSION);
	cr_assert_eq(vint(VFIO_GET_API_VERSION, 12345), 0);
}

Test(vfio_compat, dirty_pages_and_unknown_enotty)
{
	struct vfio_iommu_type1_dirty_bitmap dirty = {
		.argsz = sizeof(dirty),
		.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
	};
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	/* The same NR with direction/size bits: the full number must match */
	unsigned int iow = VFIO_GET_API_VERSION | (1u << 30) | (4u << 16);

	compat_create();
	ASSERT_ERR(&h, ENOTTY, VFIO_IOMMU_DIRTY_PAGES, &dirty);
	dirty.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	ASSERT_ERR(&h, ENOTTY, VFIO_IOMMU_DIRTY_PAGES, &dirty);
	/* Device ioctls belong to a device fd, not the container */
	ASSERT_ERR(&h, ENOTTY, VFIO_DEVICE_GET_INFO, &dinfo);
	cr_assert_eq(vint(iow, 0), -ENOTTY);
	cr_assert_eq(vint(IOMMUFD_IO(VFIO_TYPE, 0), 0), -ENOTTY);
	cr_assert_eq(vint(IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 3), 0), -ENOTTY);
	/* Past the iommufd table: the compat layer again, nothing read */
	cr_assert_eq(vint(IOMMUFD_IO(VFIO_TYPE, 0x8f), 0), -ENOTTY);
	/* A VFIO number on another type byte */
	cr_assert_eq(vint(IOMMUFD_IO('V', VFIO_BASE + 1), VFIO_TYPE1_IOMMU),
		     -ENOTTY);
}

/* ------------------------------------------------------ CHECK_EXTENSION */

static void assert_extensions(long type1, long noiommu, long cc)
{
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU), type1);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), type1);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL), type1);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU), noiommu);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), cc);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU), 0);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_EEH), 0);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_TYPE1_NESTING_IOMMU), 0);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU), 0);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR), 0);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, 0), 0);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, 11), 0);
	/* The whole unsigned long is compared */
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, (1ull << 32) | VFIO_TYPE1_IOMMU),
		     0);
}

Test(vfio_compat, check_extension_without_compat_ioas)
{
	/* Only DMA_CC_IOMMU needs the IOAS: ioctl(2) would give -1/ENODEV */
	assert_extensions(1, 0, -ENODEV);
	h.env.config = IOMMUFD_CONFIG_VFIO_NOIOMMU;
	assert_extensions(1, 1, -ENODEV);
}

Test(vfio_compat, check_extension_before_and_after_set_iommu)
{
	compat_create();
	/* No HWPT on the compat IOAS: nothing can let no-snoop through */
	assert_extensions(1, 0, 1);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	assert_extensions(1, 0, 1);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	assert_extensions(1, 0, 1);
}

Test(vfio_compat, check_extension_follows_the_compat_pointer)
{
	uint32_t a = compat_create();
	struct iommu_vfio_ioas clear = {
		.size = sizeof(clear), .op = IOMMU_VFIO_IOAS_CLEAR,
	};

	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 1);
	ASSERT_OK(&h, IOMMU_VFIO_IOAS, &clear);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), -ENODEV);
	vfio_ioas_set(a);
	cr_assert_eq(h_destroy(&h, a), 0);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), -ENODEV);
}

/* ------------------------------------------------------------ SET_IOMMU */

Test(vfio_compat, set_iommu_errors_in_order)
{
	uint32_t ioas;

	/* The type is checked before the compat IOAS is looked for */
	cr_assert_eq(vint(VFIO_SET_IOMMU, 0), -EINVAL);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU), -EINVAL);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_NESTING_IOMMU), -EINVAL);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), -EINVAL);
	cr_assert_eq(vint(VFIO_SET_IOMMU, (1ull << 32) | VFIO_TYPE1_IOMMU),
		     -EINVAL);
	/* VFIO refuses a container without a group */
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), -ENODEV);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), -ENODEV);

	ioas = compat_create();
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU), -EINVAL);
	cr_assert_eq(huge_pages(ioas), 1);
}

Test(vfio_compat, set_iommu_type1_disables_huge_pages)
{
	uint32_t ioas = compat_create();

	/* v2 changes nothing */
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	cr_assert_eq(huge_pages(ioas), 1);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	cr_assert_eq(huge_pages(ioas), 0);
	/* Nothing records the type: repeating and mixing are fine */
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	cr_assert_eq(huge_pages(ioas), 0);
	/* It is the IOAS's option: a new compat IOAS starts enabled */
	vfio_ioas_set(h_ioas_alloc(&h));
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	cr_assert_eq(huge_pages(ioas + 1), 1);
	cr_assert_eq(huge_pages(ioas), 0);
}

Test(vfio_compat, set_iommu_type1_misaligned_area_eaddrinuse)
{
	uint32_t ioas = compat_create();

	/* Without a domain the alignment is 1, so a sub-page area exists */
	cr_assert_eq(map_dma(RW, VA + 0x800, 0x1800, 0x800), 0);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), -EADDRINUSE);
	cr_assert_eq(huge_pages(ioas), 1);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
}

/* -------------------------------------------------- compat IOAS, no-iommu */

Test(vfio_compat, compat_ioas_create_once)
{
	struct iommu_vfio_ioas get = {
		.size = sizeof(get), .op = IOMMU_VFIO_IOAS_GET,
	};
	uint32_t id = 0;

	cr_assert_eq(iommufd_vfio_compat_ioas_get_id(h.ctx, &id), -ENODEV);
	cr_assert_eq(compat_create(), 1);
	ASSERT_OK(&h, IOMMU_VFIO_IOAS, &get);
	cr_assert_eq(get.ioas_id, 1);
	/* A second group: the same IOAS; the probe's ID went back */
	cr_assert_eq(compat_create(), 1);
	cr_assert_eq(h_ioas_alloc(&h), 2);
	/* It is an ordinary object: DESTROY removes it and the pointer */
	cr_assert_eq(h_destroy(&h, 1), 0);
	cr_assert_eq(iommufd_vfio_compat_ioas_get_id(h.ctx, &id), -ENODEV);
	cr_assert_eq(compat_create(), 1);
}

Test(vfio_compat, compat_ioas_create_keeps_a_set_ioas)
{
	uint32_t a = h_ioas_alloc(&h), b = h_ioas_alloc(&h);

	vfio_ioas_set(b);
	cr_assert_eq(compat_create(), b);
	cr_assert_eq(h_ioas_alloc(&h), 3);
	cr_assert_eq(a, 1);
}

Test(vfio_compat, no_iommu_mode)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	h.env.config = IOMMUFD_CONFIG_VFIO_NOIOMMU;
	cr_assert_eq(iommufd_vfio_compat_set_no_iommu(h.ctx), 0);
	harness_check(&h);
	/* type1 is gone; the compat IOAS DMA_CC needs is not there */
	assert_extensions(0, 1, -ENODEV);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), -EPERM);
	h.env.caps = IOMMUFD_CAP_SYS_RAWIO;
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), 0);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), 0);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), -EINVAL);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), -EINVAL);
	/* A real group cannot join; the probe IOAS's ID is given back */
	cr_assert_eq(iommufd_vfio_compat_ioas_create(h.ctx), -EINVAL);
	harness_check(&h);
	cr_assert_eq(iommufd_vfio_compat_set_no_iommu(h.ctx), 0);
	/* The rest keeps answering but finds no IOAS */
	cr_assert_eq(map_dma(RW, VA, PAGE, PAGE), -ENODEV);
	ASSERT_ERR(&h, ENODEV, VFIO_IOMMU_GET_INFO, &info);
	cr_assert_eq(vint(VFIO_GET_API_VERSION, 0), 0);
	cr_assert_eq(h_ioas_alloc(&h), 1);
}

Test(vfio_compat, no_iommu_mode_without_config)
{
	/* VFIO only calls this with CONFIG_VFIO_NOIOMMU; the mode still bites */
	cr_assert_eq(iommufd_vfio_compat_set_no_iommu(h.ctx), 0);
	h.env.caps = IOMMUFD_CAP_SYS_RAWIO;
	assert_extensions(0, 0, -ENODEV);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), -EINVAL);
}

Test(vfio_compat, no_iommu_refused_with_compat_ioas)
{
	h.env.config = IOMMUFD_CONFIG_VFIO_NOIOMMU;
	compat_create();
	cr_assert_eq(iommufd_vfio_compat_set_no_iommu(h.ctx), -EINVAL);
	assert_extensions(1, 1, 1);
	/* Not in no-iommu mode, so NOIOMMU is just another wrong type */
	h.env.caps = IOMMUFD_CAP_SYS_RAWIO;
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), -EINVAL);
}

Test(vfio_compat, no_iommu_mode_then_vfio_ioas_set)
{
	uint32_t ioas = h_ioas_alloc(&h);
	uint64_t size = PAGE;

	cr_assert_eq(iommufd_vfio_compat_set_no_iommu(h.ctx), 0);
	/* IOMMU_VFIO_IOAS SET does not look at the mode */
	vfio_ioas_set(ioas);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), 0);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), -EINVAL);
	/* ... while MAP and UNMAP only need the IOAS */
	cr_assert_eq(map_dma(RW, VA, PAGE, PAGE), 0);
	cr_assert_eq(unmap_dma(0, PAGE, &size), 0);
	cr_assert_eq(size, PAGE);
}

/* -------------------------------------------------------------- MAP_DMA */

Test(vfio_compat, map_dma_errors_in_order)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map) - 1, .flags = VFIO_DMA_MAP_FLAG_VADDR,
		.vaddr = VA, .iova = PAGE, .size = PAGE,
	};

	cr_assert_eq(vint(VFIO_IOMMU_MAP_DMA, 0), -EFAULT);
	/* argsz and flags come before the compat IOAS */
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_MAP_DMA, &map);
	map.argsz = sizeof(map);
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_MAP_DMA, &map);
	map.flags = 1u << 3;
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_MAP_DMA, &map);
	map.flags = RW;
	ASSERT_ERR(&h, ENODEV, VFIO_IOMMU_MAP_DMA, &map);

	compat_create();
	/* Then the io_pagetable's errors */
	map.size = 0;
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_MAP_DMA, &map);
	map.size = PAGE;
	ASSERT_OK(&h, VFIO_IOMMU_MAP_DMA, &map);
	ASSERT_ERR(&h, EEXIST, VFIO_IOMMU_MAP_DMA, &map);
	map.iova = UINT64_MAX - PAGE + 2;
	ASSERT_ERR(&h, EOVERFLOW, VFIO_IOMMU_MAP_DMA, &map);
}

Test(vfio_compat, map_dma_fixed_iova_no_write_back)
{
	uint8_t buf[64];
	struct vfio_iommu_type1_dma_map *map = (void *)buf;
	uint32_t ioas = compat_create();

	/* Bytes past the struct are never read, whatever argsz says */
	memset(buf, 0xa5, sizeof(buf));
	*map = (struct vfio_iommu_type1_dma_map){
		.argsz = sizeof(buf), .flags = VFIO_DMA_MAP_FLAG_READ,
		.vaddr = VA, .iova = 0, .size = 2 * PAGE,
	};
	/* IOVA 0 is fine: type1 has no allocator to avoid it */
	ASSERT_OK(&h, VFIO_IOMMU_MAP_DMA, map);
	cr_assert_eq(map->iova, 0);
	cr_assert_eq(map->argsz, sizeof(buf));
	cr_assert_eq(buf[sizeof(*map)], 0xa5);
	cr_assert_eq(ioas_unmap(ioas, 0, 2 * PAGE), 0);
}

Test(vfio_compat, map_dma_without_permissions_accepted)
{
	uint32_t ioas = compat_create();
	struct iommu_ioas_map ioas_map = {
		.size = sizeof(ioas_map), .flags = IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas, .user_va = VA, .length = PAGE,
		.iova = 8 * PAGE,
	};

	/* IOMMU_IOAS_MAP refuses this; VFIO's MAP_DMA does not */
	ASSERT_ERR(&h, EINVAL, IOMMU_IOAS_MAP, &ioas_map);
	cr_assert_eq(map_dma(0, VA, 8 * PAGE, PAGE), 0);
	cr_assert_eq(ioas_unmap(ioas, 8 * PAGE, PAGE), 0);
}

/* ------------------------------------------------------------ UNMAP_DMA */

Test(vfio_compat, unmap_dma_errors_in_order)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap) - 1, .flags = VFIO_DMA_UNMAP_FLAG_VADDR,
		.iova = PAGE, .size = PAGE,
	};

	cr_assert_eq(vint(VFIO_IOMMU_UNMAP_DMA, 0), -EFAULT);
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_UNMAP_DMA, &unmap);
	unmap.argsz = sizeof(unmap);
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_UNMAP_DMA, &unmap);
	/* The dirty bitmap on unmap is obsolete in iommufd */
	unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_UNMAP_DMA, &unmap);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL |
		      VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	ASSERT_ERR(&h, EINVAL, VFIO_IOMMU_UNMAP_DMA, &unmap);
	unmap.flags = 0;
	ASSERT_ERR(&h, ENODEV, VFIO_IOMMU_UNMAP_DMA, &unmap);
	cr_assert_eq(unmap.size, PAGE, "nothing written back before the IOAS");
}

Test(vfio_compat, unmap_dma_all)
{
	uint64_t size;

	compat_create();
	cr_assert_eq(map_dma(RW, VA, PAGE, PAGE), 0);
	cr_assert_eq(map_dma(RW, VA, 0x10000, 3 * PAGE), 0);
	/* ALL wants iova and size 0; that EINVAL writes nothing back */
	size = 0;
	cr_assert_eq(unmap_dma(VFIO_DMA_UNMAP_FLAG_ALL, PAGE, &size), -EINVAL);
	size = PAGE;
	cr_assert_eq(unmap_dma(VFIO_DMA_UNMAP_FLAG_ALL, 0, &size), -EINVAL);
	cr_assert_eq(size, PAGE);
	size = 0;
	cr_assert_eq(unmap_dma(VFIO_DMA_UNMAP_FLAG_ALL, 0, &size), 0);
	cr_assert_eq(size, 4 * PAGE);
	/* Empty is fine too */
	size = 0;
	cr_assert_eq(unmap_dma(VFIO_DMA_UNMAP_FLAG_ALL, 0, &size), 0);
	cr_assert_eq(size, 0);
}

Test(vfio_compat, unmap_dma_empty_range_succeeds)
{
	uint32_t ioas = compat_create();
	uint64_t size = 4 * PAGE;

	/* IOMMU_IOAS_UNMAP says ENOENT here; type1 reports 0 bytes */
	cr_assert_eq(unmap_dma(0, 0x100000, &size), 0);
	cr_assert_eq(size, 0);
	size = 4 * PAGE;
	cr_assert_eq(h_unmap(&h, ioas, 0x100000, &size), -ENOENT);
	/* Gaps around and between mappings are fine as well */
	cr_assert_eq(map_dma(RW, VA, 2 * PAGE, PAGE), 0);
	cr_assert_eq(map_dma(RW, VA, 5 * PAGE, 2 * PAGE), 0);
	size = 16 * PAGE;
	cr_assert_eq(unmap_dma(0, 0, &size), 0);
	cr_assert_eq(size, 3 * PAGE);
}

Test(vfio_compat, unmap_dma_error_still_writes_size)
{
	uint32_t ioas = compat_create();
	uint64_t size;

	cr_assert_eq(map_dma(RW, VA, PAGE, PAGE), 0);
	cr_assert_eq(map_dma(RW, VA, 3 * PAGE, 2 * PAGE), 0);
	/* The first area goes, the second sticks out: ENOENT, 1 page told */
	size = 3 * PAGE;
	cr_assert_eq(unmap_dma(0, PAGE, &size), -ENOENT);
	cr_assert_eq(size, PAGE);
	cr_assert_eq(ioas_unmap(ioas, 3 * PAGE, 2 * PAGE), 0);
	/* iopt_unmap_iova()'s own checks: 0 bytes, and the count is 0 */
	size = 0;
	cr_assert_eq(unmap_dma(0, PAGE, &size), -EINVAL);
	cr_assert_eq(size, 0);
	size = 2 * PAGE;
	cr_assert_eq(unmap_dma(0, UINT64_MAX - PAGE + 1, &size), -EOVERFLOW);
	cr_assert_eq(size, 0);
}

Test(vfio_compat, unmap_dma_write_back_is_24_bytes)
{
	uint8_t buf[48];
	struct vfio_iommu_type1_dma_unmap *unmap = (void *)buf;
	size_t i;

	compat_create();
	cr_assert_eq(map_dma(RW, VA, PAGE, 2 * PAGE), 0);
	memset(buf, 0xa5, sizeof(buf));
	*unmap = (struct vfio_iommu_type1_dma_unmap){
		.argsz = sizeof(buf), .iova = PAGE, .size = 8 * PAGE,
	};
	ASSERT_OK(&h, VFIO_IOMMU_UNMAP_DMA, unmap);
	cr_assert_eq(unmap->size, 2 * PAGE);
	cr_assert_eq(unmap->argsz, sizeof(buf));
	for (i = sizeof(*unmap); i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xa5, "byte %zu written", i);
}

Test(vfio_compat, unmap_dma_write_back_fault)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = PAGE, .size = PAGE,
	};
	uint32_t ioas = compat_create();
	void *ro;

	cr_assert_eq(map_dma(RW, VA, PAGE, PAGE), 0);
	ro = ro_page(&unmap, sizeof(unmap));
	/* EFAULT replaces the result; the unmap itself stays done */
	ASSERT_ERR(&h, EFAULT, VFIO_IOMMU_UNMAP_DMA, ro);
	cr_assert_eq(ioas_unmap(ioas, PAGE, PAGE), -ENOENT);
	/* A failed unmap's errno is replaced as well */
	unmap.size = 0;
	munmap(ro, PAGE);
	ro = ro_page(&unmap, sizeof(unmap));
	ASSERT_ERR(&h, EFAULT, VFIO_IOMMU_UNMAP_DMA, ro);
	munmap(ro, PAGE);
}

Test(vfio_compat, type1v2_refuses_partial_unmap)
{
	uint32_t ioas = compat_create();
	uint64_t size = PAGE;

	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	cr_assert_eq(map_dma(RW, VA, PAGE, 4 * PAGE), 0);
	cr_assert_eq(unmap_dma(0, 2 * PAGE, &size), -ENOENT);
	cr_assert_eq(size, 0);
	/* Still one area */
	cr_assert_eq(ioas_unmap(ioas, PAGE, 4 * PAGE), 0);
}

Test(vfio_compat, type1_splits_on_unmap)
{
	uint32_t ioas = compat_create();
	uint64_t size = PAGE;

	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	cr_assert_eq(map_dma(RW, VA, PAGE, 4 * PAGE), 0);
	/* A hole in the middle: cut at both ends, then unmap */
	cr_assert_eq(unmap_dma(0, 2 * PAGE, &size), 0);
	cr_assert_eq(size, PAGE);
	/* The pieces are areas of their own now */
	cr_assert_eq(ioas_unmap(ioas, PAGE, PAGE), 0);
	cr_assert_eq(ioas_unmap(ioas, 3 * PAGE, 2 * PAGE), 0);
}

Test(vfio_compat, type1_split_at_iova_zero_and_the_end)
{
	uint32_t ioas = compat_create();
	uint64_t size;

	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	cr_assert_eq(map_dma(RW, VA, 0, 4 * PAGE), 0);
	/* iova 0: only the end is cut */
	size = PAGE;
	cr_assert_eq(unmap_dma(0, 0, &size), 0);
	cr_assert_eq(size, PAGE);
	/* The tail: the end cut lands on the area's last byte, a no-op */
	size = PAGE;
	cr_assert_eq(unmap_dma(0, 3 * PAGE, &size), 0);
	cr_assert_eq(size, PAGE);
	cr_assert_eq(ioas_unmap(ioas, PAGE, 2 * PAGE), 0);
	/* size 0 at iova 0 cuts at 2^64-1, where nothing is; then EINVAL */
	cr_assert_eq(map_dma(RW, VA, 0, 2 * PAGE), 0);
	size = 0;
	cr_assert_eq(unmap_dma(0, 0, &size), -EINVAL);
	cr_assert_eq(size, 0);
	cr_assert_eq(ioas_unmap(ioas, 0, 2 * PAGE), 0);
}

Test(vfio_compat, type1_misaligned_cut_einval_no_write_back)
{
	uint32_t ioas = compat_create();
	uint64_t size;

	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	cr_assert_eq(map_dma(RW, VA, PAGE, 4 * PAGE), 0);
	/* The end cut (at 0x27ff) fails first: nothing changes */
	size = PAGE;
	cr_assert_eq(unmap_dma(0, PAGE + 0x800, &size), -EINVAL);
	cr_assert_eq(size, PAGE, "cut errors write nothing back");
	/* The end cut (0x1fff) works, the start cut (0x17ff) fails: kept */
	size = 0x800;
	cr_assert_eq(unmap_dma(0, PAGE + 0x800, &size), -EINVAL);
	cr_assert_eq(size, 0x800);
	cr_assert_eq(ioas_unmap(ioas, 2 * PAGE, 3 * PAGE), 0);
	cr_assert_eq(ioas_unmap(ioas, PAGE, PAGE), 0);
}

Test(vfio_compat, huge_pages_option_is_what_enables_the_split)
{
	uint32_t ioas = compat_create();
	uint64_t size = PAGE;

	/* No SET_IOMMU at all: the IOAS option alone decides */
	set_huge_pages(ioas, 0);
	cr_assert_eq(map_dma(RW, VA, PAGE, 3 * PAGE), 0);
	cr_assert_eq(unmap_dma(0, 2 * PAGE, &size), 0);
	cr_assert_eq(size, PAGE);
	/* ... and v2 after v1 does not turn it back on */
	set_huge_pages(ioas, 1);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	size = PAGE;
	cr_assert_eq(map_dma(RW, VA, 8 * PAGE, 3 * PAGE), 0);
	cr_assert_eq(unmap_dma(0, 9 * PAGE, &size), 0);
	cr_assert_eq(size, PAGE);
}

/* ------------------------------------------------------------- GET_INFO */

#define INFO_SZ sizeof(struct vfio_iommu_type1_info)

struct cap_iova1 {
	struct vfio_iommu_type1_info_cap_iova_range hdr;
	struct vfio_iova_range r[1];
};

/* GET_INFO into a 0xa5-filled buffer whose first 4 bytes are argsz */
static long get_info(uint8_t *buf, size_t buflen, uint32_t argsz)
{
	memset(buf, 0xa5, buflen);
	memcpy(buf, &argsz, sizeof(argsz));
	return h_ioctl(&h, VFIO_IOMMU_GET_INFO, buf);
}

static void assert_untouched(const uint8_t *buf, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		cr_assert_eq(buf[i], 0xa5, "byte %zu written", i);
}

Test(vfio_compat, get_info_errors_in_order)
{
	uint8_t buf[128];

	cr_assert_eq(vint(VFIO_IOMMU_GET_INFO, 0), -EFAULT);
	cr_assert_eq(get_info(buf, sizeof(buf), 15), -EINVAL);
	cr_assert_eq(get_info(buf, sizeof(buf), 16), -ENODEV);
	assert_untouched(buf, 4, sizeof(buf));
}

Test(vfio_compat, get_info_full_chain_bytes)
{
	uint8_t buf[128];
	struct vfio_iommu_type1_info info;
	struct vfio_iommu_type1_info_dma_avail dma;
	struct cap_iova1 iova;

	compat_create();
	cr_assert_eq(get_info(buf, sizeof(buf), sizeof(buf)), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.argsz, INFO_SZ + 16 + 32);
	cr_assert_eq(info.flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	/* No domain: every size from PAGE_SIZE up */
	cr_assert_eq(info.iova_pgsizes, 0xfffffffffffff000ull);
	cr_assert_eq(info.cap_offset, INFO_SZ);
	cr_assert_eq(info.pad, 0);

	memcpy(&dma, buf + 24, sizeof(dma));
	cr_assert_eq(dma.header.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	cr_assert_eq(dma.header.version, 1);
	cr_assert_eq(dma.header.next, 40);
	cr_assert_eq(dma.avail, UINT32_MAX);
	/* The 4 bytes padding DMA_AVAIL to 16 are not written */
	assert_untouched(buf, 36, 40);

	memcpy(&iova, buf + 40, sizeof(iova));
	cr_assert_eq(iova.hdr.header.id, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	cr_assert_eq(iova.hdr.header.version, 1);
	cr_assert_eq(iova.hdr.header.next, 0);
	cr_assert_eq(iova.hdr.nr_iovas, 1);
	cr_assert_eq(iova.hdr.reserved, 0);
	cr_assert_eq(iova.r[0].start, 0);
	cr_assert_eq(iova.r[0].end, UINT64_MAX);
	assert_untouched(buf, 72, sizeof(buf));
}

Test(vfio_compat, get_info_argsz_boundaries)
{
	uint8_t buf[128];
	struct vfio_iommu_type1_info info;
	struct vfio_info_cap_header hdr;

	compat_create();
	/* 16: only the mandatory part goes back; CAPS is set anyway */
	cr_assert_eq(get_info(buf, sizeof(buf), 16), 0);
	memcpy(&info, buf, 16);
	cr_assert_eq(info.argsz, 72);
	cr_assert_eq(info.flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	assert_untouched(buf, 16, sizeof(buf));

	/* 24: the whole struct, cap_offset 0 says "no chain", nothing after */
	cr_assert_eq(get_info(buf, sizeof(buf), 24), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.argsz, 72);
	cr_assert_eq(info.cap_offset, 0);
	cr_assert_eq(info.pad, 0);
	assert_untouched(buf, 24, sizeof(buf));

	/* 35: DMA_AVAIL's 12 bytes do not fit */
	cr_assert_eq(get_info(buf, sizeof(buf), 35), 0);
	assert_untouched(buf, 24, sizeof(buf));

	/* 36: DMA_AVAIL fits; the next cap's offset (40) is past argsz */
	cr_assert_eq(get_info(buf, sizeof(buf), 36), 0);
	memcpy(&hdr, buf + 24, sizeof(hdr));
	cr_assert_eq(hdr.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	cr_assert_eq(hdr.next, 0);
	assert_untouched(buf, 36, sizeof(buf));

	/* 40 and 71: the link is patched, the IOVA cap does not fit */
	cr_assert_eq(get_info(buf, sizeof(buf), 40), 0);
	memcpy(&hdr, buf + 24, sizeof(hdr));
	cr_assert_eq(hdr.next, 40);
	assert_untouched(buf, 36, sizeof(buf));
	cr_assert_eq(get_info(buf, sizeof(buf), 71), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.cap_offset, 0);
	memcpy(&hdr, buf + 24, sizeof(hdr));
	cr_assert_eq(hdr.next, 40);
	assert_untouched(buf, 36, sizeof(buf));

	/* 72: exactly enough */
	cr_assert_eq(get_info(buf, sizeof(buf), 72), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.cap_offset, 24);
	cr_assert_eq(info.argsz, 72);
	memcpy(&hdr, buf + 40, sizeof(hdr));
	cr_assert_eq(hdr.id, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	assert_untouched(buf, 72, sizeof(buf));
}

Test(vfio_compat, get_info_ranges_without_their_header)
{
	uint8_t buf[160];
	struct vfio_iommu_type1_info info;
	struct vfio_iova_range r[3];
	struct vfio_iommu_type1_info_cap_iova_range hdr;
	uint32_t id = compat_create();
	struct iommufd_ioas *ioas = iommufd_get_ioas(h.ctx, id);

	/* Three holes around two reserved ranges */
	cr_assert_eq(iopt_reserve_iova(&ioas->iopt, 0x10000, 0x1ffff, NULL), 0);
	cr_assert_eq(iopt_reserve_iova(&ioas->iopt, 0x40000, 0x4ffff, NULL), 0);
	harness_check(&h);

	/* Room for two elements, not for the third nor for the header */
	cr_assert_eq(get_info(buf, sizeof(buf), 40 + 16 + 32), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.argsz, 24 + 16 + 16 + 48);
	cr_assert_eq(info.cap_offset, 0);
	assert_untouched(buf, 40, 56);
	memcpy(r, buf + 56, 2 * sizeof(r[0]));
	cr_assert_eq(r[0].start, 0);
	cr_assert_eq(r[0].end, 0xffff);
	cr_assert_eq(r[1].start, 0x20000);
	cr_assert_eq(r[1].end, 0x3ffff);
	assert_untouched(buf, 88, sizeof(buf));

	cr_assert_eq(get_info(buf, sizeof(buf), sizeof(buf)), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.cap_offset, 24);
	memcpy(&hdr, buf + 40, sizeof(hdr));
	cr_assert_eq(hdr.nr_iovas, 3);
	memcpy(r, buf + 56, sizeof(r));
	cr_assert_eq(r[2].start, 0x50000);
	cr_assert_eq(r[2].end, UINT64_MAX);
	assert_untouched(buf, 104, sizeof(buf));
}

Test(vfio_compat, get_info_write_back_fault)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	void *ro;

	compat_create();
	ro = ro_page(&info, sizeof(info));
	ASSERT_ERR(&h, EFAULT, VFIO_IOMMU_GET_INFO, ro);
	munmap(ro, PAGE);
	/* A cap that cannot be written fails the call before the struct */
	info.argsz = 72;
	ro = ro_page(&info, sizeof(info));
	ASSERT_ERR(&h, EFAULT, VFIO_IOMMU_GET_INFO, ro);
	munmap(ro, PAGE);
}

/* ------------------------------------------------- with a mock device */

/* These close the suite's context themselves; fini then closes NULL */

struct devfix {
	struct iommufd_platform *p;
	struct iommufd_iommu *iommu;
	uint8_t *buf;
	size_t buflen;
};

static struct iommufd_dev *add_dev(struct devfix *f, struct iommufd_iommu *iommu,
				   uint32_t mock_flags)
{
	struct iommufd_dev_desc desc = { .mock_flags = mock_flags };
	int err = 0;
	struct iommufd_dev *dev =
		iommufd_platform_add_dev(f->p, iommu, &desc, &err);

	cr_assert_not_null(dev, "add_dev: %d", err);
	return dev;
}

static void devfix_setup(struct devfix *f)
{
	struct iommufd_iommu_desc desc = { .kind = IOMMUFD_IOMMU_MOCK };
	int err = 0;

	f->p = iommufd_platform_new();
	cr_assert_not_null(f->p);
	f->iommu = iommufd_platform_add_iommu(f->p, &desc, &err);
	cr_assert_not_null(f->iommu);
	f->buflen = 1 << 20;
	f->buf = mmap(NULL, f->buflen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->buf, MAP_FAILED);
	for (size_t i = 0; i < f->buflen; i += PAGE)
		f->buf[i] = (uint8_t)(i / PAGE);
}

static void devfix_teardown(struct devfix *f)
{
	harness_close(&h);
	iommufd_platform_free(f->p);
	munmap(f->buf, f->buflen);
}

/* What a VFIO group's first device open does on a container */
static uint32_t attach_to_compat(struct iommufd_dev *dev)
{
	uint32_t dev_id = 0, pt;

	cr_assert_eq(iommufd_vfio_compat_ioas_create(h.ctx), 0);
	cr_assert_eq(iommufd_vfio_compat_ioas_get_id(h.ctx, &pt), 0);
	cr_assert_eq(iommufd_dev_bind(h.ctx, dev, &dev_id), 0);
	cr_assert_eq(iommufd_dev_attach(dev, &pt), 0);
	harness_check(&h);
	return pt;
}

Test(vfio_compat, dma_cc_follows_the_hwpts)
{
	struct devfix f;
	/* VT-d with snoop control (the default ECAP) enforces coherency */
	struct iommufd_iommu_desc vtd = { .kind = IOMMUFD_IOMMU_INTEL_VTD };
	struct iommufd_iommu *sc;
	struct iommufd_dev *a, *b;
	uint32_t dev_id, pt, hwpt_a;
	int err = 0;

	devfix_setup(&f);
	sc = iommufd_platform_add_iommu(f.p, &vtd, &err);
	cr_assert_not_null(sc);
	a = add_dev(&f, sc, 0);
	b = add_dev(&f, f.iommu, 0);

	hwpt_a = attach_to_compat(a);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 1);
	/*
	 * The selftest mock does not offer IOMMU_CAP_ENFORCE_CACHE_COHERENCY:
	 * its HWPT on the compat IOAS lets no-snoop through.
	 */
	cr_assert_eq(iommufd_dev_bind(h.ctx, b, &dev_id), 0);
	cr_assert_eq(iommufd_vfio_compat_ioas_get_id(h.ctx, &pt), 0);
	cr_assert_eq(iommufd_dev_attach(b, &pt), 0);
	harness_check(&h);
	cr_assert_neq(pt, hwpt_a);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 0);
	/* Its auto HWPT goes with the detach */
	cr_assert_eq(iommufd_dev_detach(b), 0);
	harness_check(&h);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 1);
	/* The answer is per IOAS: HWPTs elsewhere do not count */
	pt = h_ioas_alloc(&h);
	cr_assert_eq(iommufd_dev_attach(b, &pt), 0);
	harness_check(&h);
	cr_assert_eq(vint(VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 1);
	devfix_teardown(&f);
}

Test(vfio_compat, get_info_pgsizes_of_the_domains)
{
	struct devfix f;
	uint8_t buf[128];
	struct vfio_iommu_type1_info info;

	struct iopt_access acc = { .iova_alignment = 2 * PAGE };
	struct iommufd_ioas *ioas;
	uint32_t id;

	devfix_setup(&f);
	attach_to_compat(add_dev(&f, f.iommu, 0));
	cr_assert_eq(iommufd_vfio_compat_ioas_get_id(h.ctx, &id), 0);
	ioas = iommufd_get_ioas(h.ctx, id);
	/* The mock's half-page IOPTE collapses into PAGE_SIZE */
	cr_assert_eq(get_info(buf, sizeof(buf), sizeof(buf)), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.iova_pgsizes, PAGE);
	/* At least the IOAS's alignment (here an in-kernel access's) */
	cr_assert_eq(iopt_add_access(&ioas->iopt, &acc), 0);
	cr_assert_eq(get_info(buf, sizeof(buf), sizeof(buf)), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.iova_pgsizes, 2 * PAGE);
	iopt_remove_access(&ioas->iopt, &acc, acc.iopt_access_list_id);
	harness_check(&h);
	devfix_teardown(&f);

	devfix_setup(&f);
	harness_open(&h, 0, IOMMUFD_OPEN_VFIO_CONTAINER);
	attach_to_compat(add_dev(&f, f.iommu, MOCK_FLAGS_DEVICE_HUGE_IOVA));
	cr_assert_eq(get_info(buf, sizeof(buf), sizeof(buf)), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.iova_pgsizes, PAGE | (1ull << 20));
	/* A numeric max, not an OR: 2 MiB alignment beats 1 MiB | 4 KiB */
	cr_assert_eq(iommufd_vfio_compat_ioas_get_id(h.ctx, &id), 0);
	ioas = iommufd_get_ioas(h.ctx, id);
	acc.iova_alignment = 2 << 20;
	cr_assert_eq(iopt_add_access(&ioas->iopt, &acc), 0);
	cr_assert_eq(get_info(buf, sizeof(buf), sizeof(buf)), 0);
	memcpy(&info, buf, sizeof(info));
	cr_assert_eq(info.iova_pgsizes, 2 << 20);
	iopt_remove_access(&ioas->iopt, &acc, acc.iopt_access_list_id);
	harness_check(&h);
	devfix_teardown(&f);
}

Test(vfio_compat, type1_with_a_domain)
{
	struct devfix f;
	struct iommufd_dev *dev;
	uint64_t size, va;
	uint8_t byte;

	devfix_setup(&f);
	dev = add_dev(&f, f.iommu, 0);
	attach_to_compat(dev);
	va = (uintptr_t)f.buf;

	/* With a domain and an area, huge pages cannot be turned off */
	cr_assert_eq(map_dma(RW, va, 0x1100000, PAGE), 0);
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), -EINVAL);
	/* ... and v2 cannot split a filled area */
	cr_assert_eq(map_dma(RW, va, 0x1200000, 4 * PAGE), 0);
	size = PAGE;
	cr_assert_eq(unmap_dma(0, 0x1201000, &size), -ENOENT);
	cr_assert_eq(size, 0);
	size = 0;
	cr_assert_eq(unmap_dma(VFIO_DMA_UNMAP_FLAG_ALL, 0, &size), 0);
	cr_assert_eq(size, 5 * PAGE);
	cr_assert_eq(h.acct.mm_locked_vm, 0);

	/* Empty again: type1 now works, and maps charge the mm (container) */
	cr_assert_eq(vint(VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	cr_assert_eq(map_dma(RW, va, 0x1200000, 4 * PAGE), 0);
	cr_assert_eq(h.acct.mm_locked_vm, 4);
	cr_assert_eq(h.acct.user_locked_vm, 0);
	size = PAGE;
	cr_assert_eq(unmap_dma(0, 0x1201000, &size), 0);
	cr_assert_eq(size, PAGE);
	/* Only the hole's page is unpinned and refunded */
	cr_assert_eq(h.acct.mm_locked_vm, 3);
	cr_assert_eq(iommufd_dev_dma(dev, 0x1201000, &byte, 1, false), -EFAULT);
	cr_assert_eq(iommufd_dev_dma(dev, 0x1202000, &byte, 1, false), 0);
	cr_assert_eq(byte, 2);
	cr_assert_eq(iommufd_dev_dma(dev, 0x1200000, &byte, 1, false), 0);
	cr_assert_eq(byte, 0);
	devfix_teardown(&f);
}
