/* SPDX-License-Identifier: MIT */
/*
 * The part of the Linux 6.12 VFIO user ABI (<linux/vfio.h>) that concerns
 * iommufd:
 *
 *  - the type1 container ioctls, which an iommufd file also accepts (they
 *    act on its compatibility IOAS, see IOMMU_VFIO_IOAS), with the
 *    extension numbers VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU take;
 *  - the device-cdev ioctls a VMM uses to bind a VFIO device to an iommufd
 *    and attach it to an IOAS or HWPT, plus VFIO_DEVICE_GET_INFO, which
 *    usually comes right after the bind;
 *  - the group ioctls (/dev/vfio/N) by which a legacy VMM puts a group in
 *    a container (an iommufd serving as one) and opens its devices.
 *
 * Names, layouts and numbers are the kernel's. Fields the kernel declares
 * as plain __u64 stay plain uint64_t here, so a struct that has
 * ABI-dependent padding in the kernel (vfio_iommu_type1_info_cap_migration,
 * vfio_bitmap on i386) has the same padding here. Regions, IRQs, device
 * features, migration and the sPAPR/EEH ioctls are left out.
 */
#ifndef IOMMUFD_MODEL_UAPI_VFIO_H
#define IOMMUFD_MODEL_UAPI_VFIO_H

#include <stddef.h>
#include <stdint.h>

#include <iommufd/uapi.h> /* IOMMUFD_IO() and the check helpers */

#define VFIO_API_VERSION 0

/* ';' like iommufd; VFIO requests use nr VFIO_BASE + 0..21, below 0x80 */
#define VFIO_TYPE (';')
#define VFIO_BASE 100

/* ------------------------------------------------ extensions / IOMMU types */

/* Arguments of VFIO_CHECK_EXTENSION, and of VFIO_SET_IOMMU for IOMMU types */
#define VFIO_TYPE1_IOMMU 1
#define VFIO_SPAPR_TCE_IOMMU 2
#define VFIO_TYPE1v2_IOMMU 3
#define VFIO_DMA_CC_IOMMU 4        /* DMA is cache coherent (no-snoop blocked) */
#define VFIO_EEH 5                 /* PowerPC EEH */
#define VFIO_TYPE1_NESTING_IOMMU 6 /* two-stage, implies v2 */
#define VFIO_SPAPR_TCE_v2_IOMMU 7
#define VFIO_NOIOMMU_IOMMU 8       /* no translation, no isolation */
#define VFIO_UNMAP_ALL 9           /* VFIO_DMA_UNMAP_FLAG_ALL is supported */
#define VFIO_UPDATE_VADDR 10       /* the VADDR map/unmap flags are supported */

/* ---------------------------------------------------- capability chains */

/*
 * INFO ioctls may append capabilities after their fixed struct. Each one
 * starts with this header; @next and the info struct's cap_offset are byte
 * offsets from the start of the info buffer, 0 ending the chain. When the
 * caller's argsz is too small the call still succeeds, reports the needed
 * size in argsz and leaves cap_offset 0.
 */
struct vfio_info_cap_header {
	uint16_t id;      /* meaning depends on the INFO ioctl */
	uint16_t version; /* per-id version */
	uint32_t next;
};

/* -------------------------------------------------- container ioctls */

/* VFIO_GET_API_VERSION: returns VFIO_API_VERSION */
#define VFIO_GET_API_VERSION IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 0)
/* VFIO_CHECK_EXTENSION(ext): > 0 if supported, 0 if not */
#define VFIO_CHECK_EXTENSION IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 1)
/* VFIO_SET_IOMMU(type): select the IOMMU type of the container */
#define VFIO_SET_IOMMU IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 2)

/* ------------------------------------------------------- group ioctls */

/* VFIO_GROUP_GET_STATUS: caller sets argsz */
struct vfio_group_status {
	uint32_t argsz;
	uint32_t flags; /* VFIO_GROUP_FLAGS_* */
};

#define VFIO_GROUP_FLAGS_VIABLE (1 << 0)        /* no other owner of its DMA */
#define VFIO_GROUP_FLAGS_CONTAINER_SET (1 << 1) /* SET_CONTAINER was done */

#define VFIO_GROUP_GET_STATUS IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 3)
/* VFIO_GROUP_SET_CONTAINER(int *fd): fd is the container (or iommufd) */
#define VFIO_GROUP_SET_CONTAINER IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 4)
#define VFIO_GROUP_UNSET_CONTAINER IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 5)
/* VFIO_GROUP_GET_DEVICE_FD(char *name): returns a new device fd */
#define VFIO_GROUP_GET_DEVICE_FD IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 6)

/* ------------------------------------------------------- device info */

/* VFIO_DEVICE_GET_INFO: caller sets argsz */
struct vfio_device_info {
	uint32_t argsz;
	uint32_t flags; /* VFIO_DEVICE_FLAGS_* */
	uint32_t num_regions; /* highest region index + 1 */
	uint32_t num_irqs;    /* highest IRQ index + 1 */
	uint32_t cap_offset;  /* first capability, with VFIO_DEVICE_FLAGS_CAPS */
	uint32_t pad;
};
#define VFIO_DEVICE_FLAGS_RESET (1 << 0) /* VFIO_DEVICE_RESET works */
#define VFIO_DEVICE_FLAGS_PCI (1 << 1)
#define VFIO_DEVICE_FLAGS_PLATFORM (1 << 2)
#define VFIO_DEVICE_FLAGS_AMBA (1 << 3)
#define VFIO_DEVICE_FLAGS_CCW (1 << 4)
#define VFIO_DEVICE_FLAGS_AP (1 << 5)
#define VFIO_DEVICE_FLAGS_FSL_MC (1 << 6)
#define VFIO_DEVICE_FLAGS_CAPS (1 << 7) /* cap_offset is meaningful */
#define VFIO_DEVICE_FLAGS_CDX (1 << 8)
#define VFIO_DEVICE_GET_INFO IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 7)

/* --------------------------------------------------- type1 IOMMU API */

/*
 * VFIO_IOMMU_GET_INFO: caller sets argsz. With VFIO_IOMMU_INFO_CAPS a
 * capability chain (VFIO_IOMMU_TYPE1_INFO_*) follows at cap_offset.
 */
struct vfio_iommu_type1_info {
	uint32_t argsz;
	uint32_t flags;
	IOMMUFD_ALIGNED_U64 iova_pgsizes; /* supported IOMMU page sizes */
	uint32_t cap_offset;
	uint32_t pad;
};
#define VFIO_IOMMU_INFO_PGSIZES (1 << 0) /* iova_pgsizes is meaningful */
#define VFIO_IOMMU_INFO_CAPS (1 << 1)    /* cap_offset is meaningful */

/* Capability: the usable IOVA ranges (version 1) */
#define VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE 1

struct vfio_iova_range {
	uint64_t start;
	uint64_t end; /* inclusive */
};

struct vfio_iommu_type1_info_cap_iova_range {
	struct vfio_info_cap_header header;
	uint32_t nr_iovas;
	uint32_t reserved;
	struct vfio_iova_range iova_ranges[];
};

/*
 * Capability: dirty page logging is supported (version 1), for page sizes
 * @pgsize_bitmap and bitmaps of at most @max_dirty_bitmap_size bytes.
 */
#define VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION 2

struct vfio_iommu_type1_info_cap_migration {
	struct vfio_info_cap_header header;
	uint32_t flags;
	uint64_t pgsize_bitmap;
	uint64_t max_dirty_bitmap_size;
};

/* Capability: how many more DMA mappings may be created (version 1) */
#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL 3

struct vfio_iommu_type1_info_dma_avail {
	struct vfio_info_cap_header header;
	uint32_t avail;
};

#define VFIO_IOMMU_GET_INFO IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 12)

/*
 * VFIO_IOMMU_MAP_DMA: map @size bytes at process address @vaddr to IOVA
 * @iova. With VFIO_DMA_MAP_FLAG_VADDR nothing new is mapped: the range
 * must be a mapping whose vaddr was invalidated by
 * VFIO_DMA_UNMAP_FLAG_VADDR, and @vaddr becomes its new address (READ and
 * WRITE must then be 0; the memory must be the same object as before).
 */
struct vfio_iommu_type1_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t vaddr;
	uint64_t iova;
	uint64_t size;
};
#define VFIO_DMA_MAP_FLAG_READ (1 << 0)  /* devices may read */
#define VFIO_DMA_MAP_FLAG_WRITE (1 << 1) /* devices may write */
#define VFIO_DMA_MAP_FLAG_VADDR (1 << 2)

#define VFIO_IOMMU_MAP_DMA IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 13)

/* A user dirty bitmap: one bit per @pgsize bytes, @size bytes long */
struct vfio_bitmap {
	uint64_t pgsize;
	uint64_t size;
	uint64_t *data;
};

/*
 * VFIO_IOMMU_UNMAP_DMA: unmap [@iova, @iova + @size); on return @size is the
 * number of bytes unmapped. Unmapping only part of a mapping is not
 * guaranteed to work. Flags:
 *  - GET_DIRTY_BITMAP: @data holds a struct vfio_bitmap (zeroed buffer)
 *    that receives the dirty state of the range before it goes;
 *  - ALL: unmap everything, @iova and @size must be 0;
 *  - VADDR: keep the mappings but invalidate their process addresses until
 *    VFIO_DMA_MAP_FLAG_VADDR supplies new ones.
 * ALL and VADDR exclude GET_DIRTY_BITMAP.
 */
struct vfio_iommu_type1_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t iova;
	uint64_t size; /* in/out */
	uint8_t data[];
};
#define VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (1 << 0)
#define VFIO_DMA_UNMAP_FLAG_ALL (1 << 1)
#define VFIO_DMA_UNMAP_FLAG_VADDR (1 << 2)

#define VFIO_IOMMU_UNMAP_DMA IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 14)

/*
 * VFIO_IOMMU_DIRTY_PAGES: exactly one of START (begin logging), STOP or
 * GET_BITMAP. GET_BITMAP carries a struct vfio_iommu_type1_dirty_bitmap_get
 * in @data (argsz counts it, not the bitmap itself) and needs logging to be
 * on; the bitmap is at the smallest supported page size, bit n standing for
 * iova + n * pgsize.
 */
struct vfio_iommu_type1_dirty_bitmap {
	uint32_t argsz;
	uint32_t flags;
	uint8_t data[];
};
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_START (1 << 0)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP (1 << 1)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP (1 << 2)

struct vfio_iommu_type1_dirty_bitmap_get {
	uint64_t iova;
	uint64_t size;
	struct vfio_bitmap bitmap;
};

#define VFIO_IOMMU_DIRTY_PAGES IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 17)

/* ------------------------------------------------ device cdev + iommufd */

/*
 * VFIO_DEVICE_BIND_IOMMUFD (on a /dev/vfio/devices/vfioN fd only): bind the
 * device to the iommufd @iommufd. @out_devid is the device's ID in that
 * iommufd (for IOMMU_HWPT_ALLOC, IOMMU_GET_HW_INFO, ...). The device is not
 * usable before the bind; closing the fd unbinds.
 */
struct vfio_device_bind_iommufd {
	uint32_t argsz;
	uint32_t flags; /* must be 0 */
	int32_t iommufd;
	uint32_t out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 18)

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach the bound device to the IOAS or
 * HWPT @pt_id. For an IOAS the kernel finds or creates a suitable HWPT and
 * returns the ID actually attached in @pt_id. Attaching while already
 * attached is allowed and replaces the current attachment.
 */
struct vfio_device_attach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags; /* must be 0 */
	uint32_t pt_id; /* in/out */
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 19)

/* VFIO_DEVICE_DETACH_IOMMUFD_PT: detach; the device then blocks all DMA */
struct vfio_device_detach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags; /* must be 0 */
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT IOMMUFD_IO(VFIO_TYPE, VFIO_BASE + 20)

/* ===================================================================
 * Layout checks against the kernel's values (x86_64 numbers given; the
 * few that depend on how the ABI aligns a plain u64 or sizes a pointer
 * are written in those terms).
 * =================================================================== */

#if defined(__cplusplus)
#define IOMMUFD_ABI_ALIGNOF_U64 alignof(uint64_t)
#else
#define IOMMUFD_ABI_ALIGNOF_U64 _Alignof(uint64_t)
#endif
#define IOMMUFD_ABI_ROUND_U64(x)                                 \
	(((x) + IOMMUFD_ABI_ALIGNOF_U64 - 1) /                   \
	 IOMMUFD_ABI_ALIGNOF_U64 * IOMMUFD_ABI_ALIGNOF_U64)

IOMMUFD_ABI_ASSERT_VALUE(VFIO_TYPE, 0x3b);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_BASE, 100);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_API_VERSION, 0);

IOMMUFD_ABI_ASSERT_IOCTL(VFIO_GET_API_VERSION, 0x3b64);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_CHECK_EXTENSION, 0x3b65);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_SET_IOMMU, 0x3b66);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_DEVICE_GET_INFO, 0x3b6b);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_IOMMU_GET_INFO, 0x3b70);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_IOMMU_MAP_DMA, 0x3b71);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_IOMMU_UNMAP_DMA, 0x3b72);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_IOMMU_DIRTY_PAGES, 0x3b75);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_DEVICE_BIND_IOMMUFD, 0x3b76);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77);
IOMMUFD_ABI_ASSERT_IOCTL(VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x3b78);

IOMMUFD_ABI_ASSERT_VALUE(VFIO_TYPE1_IOMMU, 1);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_SPAPR_TCE_IOMMU, 2);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_TYPE1v2_IOMMU, 3);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DMA_CC_IOMMU, 4);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_EEH, 5);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_TYPE1_NESTING_IOMMU, 6);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_SPAPR_TCE_v2_IOMMU, 7);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_NOIOMMU_IOMMU, 8);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_UNMAP_ALL, 9);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_UPDATE_VADDR, 10);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_RESET, 0x1);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_PCI, 0x2);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_PLATFORM, 0x4);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_AMBA, 0x8);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_CCW, 0x10);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_AP, 0x20);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_FSL_MC, 0x40);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_CAPS, 0x80);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_CDX, 0x100);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_INFO_PGSIZES, 1);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_INFO_CAPS, 2);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 2);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 3);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DMA_MAP_FLAG_READ, 1);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DMA_MAP_FLAG_WRITE, 2);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DMA_MAP_FLAG_VADDR, 4);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, 1);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DMA_UNMAP_FLAG_ALL, 2);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_DMA_UNMAP_FLAG_VADDR, 4);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_START, 1);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, 2);
IOMMUFD_ABI_ASSERT_VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_info_cap_header, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_info_cap_header, id, 0, 2);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_info_cap_header, version, 2, 2);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_info_cap_header, next, 4, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_group_status, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_group_status, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_group_status, flags, 4, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_device_info, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_info, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_info, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_info, num_regions, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_info, num_irqs, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_info, cap_offset, 16, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_info, pad, 20, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_info, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info, iova_pgsizes, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info, cap_offset, 16, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info, pad, 20, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iova_range, 16);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iova_range, start, 0, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iova_range, end, 8, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_info_cap_iova_range, 16);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_cap_iova_range, header,
			 0, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_cap_iova_range,
			 nr_iovas, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_cap_iova_range,
			 reserved, 12, 4);
IOMMUFD_STATIC_ASSERT(offsetof(struct vfio_iommu_type1_info_cap_iova_range,
			       iova_ranges) == 16,
		      "layout of vfio_iommu_type1_info_cap_iova_range");

/* x86_64: pgsize_bitmap at 16, size 32; i386: at 12, size 28 */
IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_info_cap_migration,
			IOMMUFD_ABI_ROUND_U64(12) + 16);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_cap_migration, header,
			 0, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_cap_migration, flags,
			 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_cap_migration,
			 pgsize_bitmap, IOMMUFD_ABI_ROUND_U64(12), 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_cap_migration,
			 max_dirty_bitmap_size, IOMMUFD_ABI_ROUND_U64(12) + 8,
			 8);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_info_dma_avail, 12);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_dma_avail, header, 0,
			 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_info_dma_avail, avail, 8, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_dma_map, 32);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_map, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_map, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_map, vaddr, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_map, iova, 16, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_map, size, 24, 8);

/* x86_64: 24 bytes; i386: 20 */
IOMMUFD_ABI_ASSERT_SIZE(struct vfio_bitmap,
			IOMMUFD_ABI_ROUND_U64(16 + sizeof(uint64_t *)));
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_bitmap, pgsize, 0, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_bitmap, size, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_bitmap, data, 16, sizeof(uint64_t *));

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_dma_unmap, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_unmap, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_unmap, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_unmap, iova, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dma_unmap, size, 16, 8);
IOMMUFD_STATIC_ASSERT(offsetof(struct vfio_iommu_type1_dma_unmap, data) == 24,
		      "layout of vfio_iommu_type1_dma_unmap");

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_dirty_bitmap, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dirty_bitmap, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dirty_bitmap, flags, 4, 4);
IOMMUFD_STATIC_ASSERT(offsetof(struct vfio_iommu_type1_dirty_bitmap, data) ==
			      8,
		      "layout of vfio_iommu_type1_dirty_bitmap");

/* x86_64: 40 bytes; i386: 36 */
IOMMUFD_ABI_ASSERT_SIZE(struct vfio_iommu_type1_dirty_bitmap_get,
			16 + sizeof(struct vfio_bitmap));
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dirty_bitmap_get, iova, 0,
			 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dirty_bitmap_get, size, 8,
			 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_iommu_type1_dirty_bitmap_get, bitmap, 16,
			 sizeof(struct vfio_bitmap));

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_device_bind_iommufd, 16);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_bind_iommufd, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_bind_iommufd, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_bind_iommufd, iommufd, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_bind_iommufd, out_devid, 12, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_device_attach_iommufd_pt, 12);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_attach_iommufd_pt, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_attach_iommufd_pt, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_attach_iommufd_pt, pt_id, 8, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct vfio_device_detach_iommufd_pt, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_detach_iommufd_pt, argsz, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct vfio_device_detach_iommufd_pt, flags, 4, 4);

#endif /* IOMMUFD_MODEL_UAPI_VFIO_H */
