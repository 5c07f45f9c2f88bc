/* SPDX-License-Identifier: MIT */
/*
 * The iommufd user ABI of Linux 6.12 (as shipped in the 6.12.y stable tree),
 * restated for the model so that programs can be built against it without
 * kernel headers.
 *
 * Everything that crosses the user/kernel boundary is identical to the
 * kernel's <linux/iommufd.h>: struct and field names, layouts, enum and flag
 * values, the IOMMUFD_CMD_* numbers and the ioctl request numbers. A VMM or
 * test written against the kernel header compiles unchanged against this one.
 * The differences are confined to things that never reach the kernel:
 *
 *  - Types come from <stdint.h>. Fields the kernel declares __aligned_u64 are
 *    declared with an explicit 8-byte alignment (IOMMUFD_ALIGNED_U64), so the
 *    layout is the same on ABIs where a plain uint64_t is only 4-aligned
 *    (i386).
 *  - The _IOC() encoding is re-implemented under IOMMUFD_IOC* names. This
 *    header neither needs nor disturbs <linux/ioctl.h>.
 *  - Names that the 6.12 selftests use but that only appeared in later
 *    kernels are collected in one marked section near the end. They add no
 *    bytes and move no field.
 *  - The end of the file holds compile-time checks of every layout and ioctl
 *    number. tests/abi_crosscheck.cmake additionally compares all of it with
 *    the real kernel header when the kernel source is available.
 *
 * Calling convention shared by every iommufd ioctl: the argument points to a
 * struct whose first u32 is its size as the caller knows it. The kernel
 * accepts a shorter struct down to the command's last mandatory field (the
 * missing tail reads as zero) and a longer one as long as every byte it does
 * not know is zero. Errno conventions:
 *
 *   ENOTTY      the request number is unknown
 *   E2BIG       trailing bytes beyond the kernel's struct are not zero
 *   EOPNOTSUPP  a known field holds a value (flag, type, reserved) that is
 *               not supported
 *   EINVAL      the request was understood but a value is wrong
 *   ENOENT      an object ID or an IOVA range does not exist
 *   ENOMEM      allocation failed
 *   EOVERFLOW   an address or length computation overflowed
 *
 * plus command-specific ones documented with each command.
 */
#ifndef IOMMUFD_MODEL_UAPI_H
#define IOMMUFD_MODEL_UAPI_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ portability */

#if defined(__cplusplus)
#define IOMMUFD_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#define IOMMUFD_ALIGNAS(n) alignas(n)
#else
#define IOMMUFD_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#define IOMMUFD_ALIGNAS(n) _Alignas(n)
#endif

/* The kernel's __aligned_u64: a u64 that is 8-aligned on every ABI */
#define IOMMUFD_ALIGNED_U64 IOMMUFD_ALIGNAS(8) uint64_t

/* ------------------------------------------------------- ioctl encoding */

/*
 * Request numbers pack four fields: nr (bits 0-7), type (bits 8-15), the
 * argument size and a direction. All iommufd and VFIO requests use the
 * "no direction, size 0" form (IOMMUFD_IO) because the size travels inside
 * the argument. Most architectures use the asm-generic layout; a few give
 * the direction three bits and a non-zero "none" value, which changes the
 * numeric value of every request on them, as it does in the kernel.
 */
#define IOMMUFD_IOC_NRBITS 8
#define IOMMUFD_IOC_TYPEBITS 8
#if defined(__powerpc__) || defined(__mips__) || defined(__sparc__) || \
	defined(__alpha__)
#define IOMMUFD_IOC_SIZEBITS 13
#define IOMMUFD_IOC_DIRBITS 3
#define IOMMUFD_IOC_NONE 1U
#define IOMMUFD_IOC_READ 2U
#define IOMMUFD_IOC_WRITE 4U
#elif defined(__hppa__)
#define IOMMUFD_IOC_SIZEBITS 14
#define IOMMUFD_IOC_DIRBITS 2
#define IOMMUFD_IOC_NONE 0U
#define IOMMUFD_IOC_READ 1U
#define IOMMUFD_IOC_WRITE 2U
#else /* asm-generic: x86, arm, arm64, riscv, s390, loongarch, ... */
#define IOMMUFD_IOC_SIZEBITS 14
#define IOMMUFD_IOC_DIRBITS 2
#define IOMMUFD_IOC_NONE 0U
#define IOMMUFD_IOC_READ 2U
#define IOMMUFD_IOC_WRITE 1U
#endif

#define IOMMUFD_IOC_NRSHIFT 0
#define IOMMUFD_IOC_TYPESHIFT (IOMMUFD_IOC_NRSHIFT + IOMMUFD_IOC_NRBITS)
#define IOMMUFD_IOC_SIZESHIFT (IOMMUFD_IOC_TYPESHIFT + IOMMUFD_IOC_TYPEBITS)
#define IOMMUFD_IOC_DIRSHIFT (IOMMUFD_IOC_SIZESHIFT + IOMMUFD_IOC_SIZEBITS)

#define IOMMUFD_IOC_NRMASK ((1U << IOMMUFD_IOC_NRBITS) - 1)
#define IOMMUFD_IOC_TYPEMASK ((1U << IOMMUFD_IOC_TYPEBITS) - 1)
#define IOMMUFD_IOC_SIZEMASK ((1U << IOMMUFD_IOC_SIZEBITS) - 1)
#define IOMMUFD_IOC_DIRMASK ((1U << IOMMUFD_IOC_DIRBITS) - 1)

/*
 * Build a request number. The direction constants are unsigned, so the
 * result is too; with literal arguments it can be used in #if.
 */
#define IOMMUFD_IOC(dir, type, nr, size)         \
	(((dir) << IOMMUFD_IOC_DIRSHIFT) |       \
	 ((type) << IOMMUFD_IOC_TYPESHIFT) |     \
	 ((nr) << IOMMUFD_IOC_NRSHIFT) |         \
	 ((size) << IOMMUFD_IOC_SIZESHIFT))
#define IOMMUFD_IO(type, nr) IOMMUFD_IOC(IOMMUFD_IOC_NONE, type, nr, 0U)
#define IOMMUFD_IOR(type, nr, argtype) \
	IOMMUFD_IOC(IOMMUFD_IOC_READ, type, nr, sizeof(argtype))
#define IOMMUFD_IOW(type, nr, argtype) \
	IOMMUFD_IOC(IOMMUFD_IOC_WRITE, type, nr, sizeof(argtype))
#define IOMMUFD_IOWR(type, nr, argtype)                             \
	IOMMUFD_IOC(IOMMUFD_IOC_READ | IOMMUFD_IOC_WRITE, type, nr, \
		    sizeof(argtype))

/* Take a request number apart */
#define IOMMUFD_IOC_NR(cmd) (((cmd) >> IOMMUFD_IOC_NRSHIFT) & IOMMUFD_IOC_NRMASK)
#define IOMMUFD_IOC_TYPE(cmd) \
	(((cmd) >> IOMMUFD_IOC_TYPESHIFT) & IOMMUFD_IOC_TYPEMASK)
#define IOMMUFD_IOC_SIZE(cmd) \
	(((cmd) >> IOMMUFD_IOC_SIZESHIFT) & IOMMUFD_IOC_SIZEMASK)
#define IOMMUFD_IOC_DIR(cmd) \
	(((cmd) >> IOMMUFD_IOC_DIRSHIFT) & IOMMUFD_IOC_DIRMASK)

/* ------------------------------------------------------- command numbers */

/* ';', shared with VFIO, whose numbers (nr 100..121) stay below 0x80 */
#define IOMMUFD_TYPE (';')

enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
};

/* ------------------------------------------------------------ IOMMU_DESTROY */

/*
 * IOMMU_DESTROY: drop the object @id (any kind that userspace may destroy).
 * Fails with EBUSY while other objects still depend on it.
 */
struct iommu_destroy {
	uint32_t size; /* sizeof(struct iommu_destroy) */
	uint32_t id;
};
#define IOMMU_DESTROY IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/* ------------------------------------------------------------------ IOAS */

/*
 * IOMMU_IOAS_ALLOC: create an I/O address space, an IOVA -> user memory map
 * that hardware page tables are filled from.
 */
struct iommu_ioas_alloc {
	uint32_t size;        /* sizeof(struct iommu_ioas_alloc) */
	uint32_t flags;       /* must be 0 */
	uint32_t out_ioas_id; /* out: the new IOAS */
};
#define IOMMU_IOAS_ALLOC IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/* One IOVA interval; @last is inclusive */
struct iommu_iova_range {
	IOMMUFD_ALIGNED_U64 start;
	IOMMUFD_ALIGNED_U64 last;
};

/*
 * IOMMU_IOAS_IOVA_RANGES: report the IOVA ranges where mappings may be
 * placed. The set shrinks as devices with narrower apertures or reserved
 * regions attach and grows again when they detach, so it is worth asking
 * again after each attach/detach.
 *
 * @num_iovas is the capacity of the @allowed_iovas array (of struct
 * iommu_iova_range) on input and the number of ranges on output. When the
 * array is too small the call fails with EMSGSIZE, still reporting the
 * needed count. @out_iova_alignment is the alignment every mapping's start
 * and end must have (at most PAGE_SIZE; 1 means none).
 */
struct iommu_ioas_iova_ranges {
	uint32_t size; /* sizeof(struct iommu_ioas_iova_ranges) */
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t __reserved; /* must be 0 */
	IOMMUFD_ALIGNED_U64 allowed_iovas; /* user pointer */
	IOMMUFD_ALIGNED_U64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES \
	IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/*
 * IOMMU_IOAS_ALLOW_IOVAS: replace the IOAS's list of "allowed" ranges with
 * @num_iovas entries read from @allowed_iovas. Allowed ranges are promised
 * to stay usable: an attach that would reserve part of one is refused, and
 * the call itself fails if part of a range is already unusable. While the
 * list is non-empty, automatic IOVA allocation only picks from it.
 */
struct iommu_ioas_allow_iovas {
	uint32_t size; /* sizeof(struct iommu_ioas_allow_iovas) */
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t __reserved; /* must be 0 */
	IOMMUFD_ALIGNED_U64 allowed_iovas; /* user pointer */
};
#define IOMMU_IOAS_ALLOW_IOVAS \
	IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* Flags of IOMMU_IOAS_MAP and IOMMU_IOAS_COPY */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0, /* use the given iova, else choose */
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,  /* devices may write */
	IOMMU_IOAS_MAP_READABLE = 1 << 2,   /* devices may read */
};

/*
 * IOMMU_IOAS_MAP: map @length bytes of user memory at @user_va into the
 * IOAS. With IOMMU_IOAS_MAP_FIXED_IOVA the mapping goes exactly at @iova,
 * which must be entirely unused; otherwise the kernel picks a suitable
 * place (honouring reserved and allowed ranges) and returns it in @iova.
 */
struct iommu_ioas_map {
	uint32_t size;  /* sizeof(struct iommu_ioas_map) */
	uint32_t flags; /* enum iommufd_ioas_map_flags */
	uint32_t ioas_id;
	uint32_t __reserved; /* must be 0 */
	IOMMUFD_ALIGNED_U64 user_va;
	IOMMUFD_ALIGNED_U64 length;
	IOMMUFD_ALIGNED_U64 iova; /* in with FIXED_IOVA, out otherwise */
};
#define IOMMU_IOAS_MAP IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/*
 * IOMMU_IOAS_COPY: map into @dst_ioas_id the same pages that back
 * [@src_iova, @src_iova + @length) in @src_ioas_id. The source range must
 * be covered exactly by existing mappings. The pages are shared, not
 * pinned again. @dst_iova behaves like iommu_ioas_map::iova.
 */
struct iommu_ioas_copy {
	uint32_t size;  /* sizeof(struct iommu_ioas_copy) */
	uint32_t flags; /* enum iommufd_ioas_map_flags */
	uint32_t dst_ioas_id;
	uint32_t src_ioas_id;
	IOMMUFD_ALIGNED_U64 length;
	IOMMUFD_ALIGNED_U64 dst_iova;
	IOMMUFD_ALIGNED_U64 src_iova;
};
#define IOMMU_IOAS_COPY IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/*
 * IOMMU_IOAS_UNMAP: remove every mapping inside [@iova, @iova + @length).
 * A mapping may not be cut: the range has to cover whole mappings. On
 * return @length holds the number of bytes unmapped. iova 0 with length
 * UINT64_MAX empties the IOAS.
 */
struct iommu_ioas_unmap {
	uint32_t size; /* sizeof(struct iommu_ioas_unmap) */
	uint32_t ioas_id;
	IOMMUFD_ALIGNED_U64 iova;
	IOMMUFD_ALIGNED_U64 length; /* in/out */
};
#define IOMMU_IOAS_UNMAP IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/* ----------------------------------------------------------- IOMMU_OPTION */

enum iommufd_option {
	/*
	 * Global (object_id 0), needs CAP_SYS_RESOURCE to set: 0 charges
	 * pinned pages to the user (default), 1 to the process.
	 */
	IOMMU_OPTION_RLIMIT_MODE = 0,
	/*
	 * Per IOAS (object_id = IOAS): 1 (default) lets contiguous pages be
	 * mapped with large IOMMU pages, 0 forces PAGE_SIZE mappings.
	 */
	IOMMU_OPTION_HUGE_PAGES = 1,
};

enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/* IOMMU_OPTION: read or change one option; GET returns it in @val64 */
struct iommu_option {
	uint32_t size;      /* sizeof(struct iommu_option) */
	uint32_t option_id; /* enum iommufd_option */
	uint16_t op;        /* enum iommufd_option_ops */
	uint16_t __reserved; /* must be 0 */
	uint32_t object_id;
	IOMMUFD_ALIGNED_U64 val64;
};
#define IOMMU_OPTION IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/* -------------------------------------------------------- IOMMU_VFIO_IOAS */

enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,   /* report the compatibility IOAS */
	IOMMU_VFIO_IOAS_SET = 1,   /* make @ioas_id the compatibility IOAS */
	IOMMU_VFIO_IOAS_CLEAR = 2, /* forget it (nothing is destroyed) */
};

/*
 * IOMMU_VFIO_IOAS: the VFIO container ioctls carry no IOAS ID, so they act
 * on one designated "compatibility" IOAS. This command inspects or changes
 * which one. A VFIO group attached to the iommufd adopts the current one
 * (creating it if there is none) and keeps it regardless of later changes.
 */
struct iommu_vfio_ioas {
	uint32_t size;    /* sizeof(struct iommu_vfio_ioas) */
	uint32_t ioas_id; /* in for SET, out for GET */
	uint16_t op;      /* enum iommufd_vfio_ioas_op */
	uint16_t __reserved; /* must be 0 */
};
#define IOMMU_VFIO_IOAS IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/* -------------------------------------------------------- IOMMU_HWPT_ALLOC */

enum iommufd_hwpt_alloc_flags {
	/* the HWPT may later be the parent (stage 2) of nested HWPTs */
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	/* only devices whose IOMMU can track dirty pages may attach */
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	/* iommu_hwpt_alloc::fault_id names a fault queue for the HWPT */
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
};

/* Attribute bits of iommu_hwpt_vtd_s1::flags */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,  /* supervisor requests */
	IOMMU_VTD_S1_EAFE = 1 << 1, /* extended access flag */
	IOMMU_VTD_S1_WPE = 1 << 2,  /* write protect */
};

/* User data for IOMMU_HWPT_DATA_VTD_S1: a guest-owned VT-d stage-1 table */
struct iommu_hwpt_vtd_s1 {
	IOMMUFD_ALIGNED_U64 flags; /* enum iommu_hwpt_vtd_s1_flags */
	IOMMUFD_ALIGNED_U64 pgtbl_addr;
	uint32_t addr_width;
	uint32_t __reserved; /* must be 0 */
};

/* Values of iommu_hwpt_alloc::data_type */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
};

/*
 * IOMMU_HWPT_ALLOC: create a hardware page table for device @dev_id.
 *
 * With @pt_id naming an IOAS and @data_type IOMMU_HWPT_DATA_NONE (data_len
 * and data_uptr 0) the result is a kernel-managed ("paging") HWPT that
 * mirrors the IOAS. With @pt_id naming a paging HWPT created with
 * IOMMU_HWPT_ALLOC_NEST_PARENT and a driver-specific @data_type, the result
 * is a nested HWPT whose stage-1 table is owned by userspace, described by
 * @data_len bytes at @data_uptr.
 *
 * Only the fields up to @__reserved are mandatory; a caller passing a
 * 24-byte struct gets data_type NONE and no fault queue.
 */
struct iommu_hwpt_alloc {
	uint32_t size;  /* sizeof(struct iommu_hwpt_alloc) */
	uint32_t flags; /* enum iommufd_hwpt_alloc_flags */
	uint32_t dev_id;
	uint32_t pt_id;
	uint32_t out_hwpt_id;
	uint32_t __reserved;  /* must be 0 */
	uint32_t data_type;   /* enum iommu_hwpt_data_type */
	uint32_t data_len;
	IOMMUFD_ALIGNED_U64 data_uptr;
	uint32_t fault_id;    /* with IOMMU_HWPT_FAULT_ID_VALID */
	uint32_t __reserved2; /* must be 0 */
};
#define IOMMU_HWPT_ALLOC IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/* ------------------------------------------------------- IOMMU_GET_HW_INFO */

enum iommu_hw_info_vtd_flags {
	/*
	 * Intel erratum 772415 (SPR17): a nest-parent domain must not hold
	 * read-only mappings.
	 */
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/*
 * Data for IOMMU_HW_INFO_TYPE_INTEL_VTD: the raw VT-d Capability and
 * Extended Capability registers, to be decoded per the VT-d specification.
 */
struct iommu_hw_info_vtd {
	uint32_t flags;      /* enum iommu_hw_info_vtd_flags */
	uint32_t __reserved; /* 0 */
	IOMMUFD_ALIGNED_U64 cap_reg;
	IOMMUFD_ALIGNED_U64 ecap_reg;
};

/* Values of iommu_hw_info::out_data_type */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0, /* the driver reports no data */
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
};

/* Bits of iommu_hw_info::out_capabilities */
enum iommufd_hw_capabilities {
	/* IOMMU_HWPT_SET_DIRTY_TRACKING / _GET_DIRTY_BITMAP can be used */
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	/*
	 * PCI PASID Execute / Privileged-mode permission support; only
	 * meaningful when out_max_pasid_log2 is not 0. (6.12.y backport.)
	 */
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

/*
 * IOMMU_GET_HW_INFO: describe the IOMMU behind device @dev_id.
 *
 * @data_uptr/@data_len is a buffer for driver-specific data (e.g. struct
 * iommu_hw_info_vtd); the kernel fills at most @data_len bytes, zeroes the
 * rest of a larger buffer, and returns its own data length in @data_len
 * and the format in @out_data_type. @data_len 0 is fine.
 * @out_max_pasid_log2 is the PASID width (0: no PASID support; 6.12.y
 * backport, this byte was reserved before). Only the fields up to
 * @__reserved are mandatory (32 bytes).
 */
struct iommu_hw_info {
	uint32_t size;  /* sizeof(struct iommu_hw_info) */
	uint32_t flags; /* must be 0 in 6.12; see IOMMU_HW_INFO_FLAG_INPUT_TYPE */
	uint32_t dev_id;
	uint32_t data_len; /* in/out */
	IOMMUFD_ALIGNED_U64 data_uptr;
	union {
		/* From Linux 6.17, not in 6.12: same bytes, used as input */
		uint32_t in_data_type;
		uint32_t out_data_type; /* enum iommu_hw_info_type */
	};
	uint8_t out_max_pasid_log2;
	uint8_t __reserved[3]; /* must be 0 */
	IOMMUFD_ALIGNED_U64 out_capabilities; /* enum iommufd_hw_capabilities */
};
#define IOMMU_GET_HW_INFO IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/* ----------------------------------------------------------- dirty tracking */

enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/* IOMMU_HWPT_SET_DIRTY_TRACKING: start (flag set) or stop dirty tracking */
struct iommu_hwpt_set_dirty_tracking {
	uint32_t size;  /* sizeof(struct iommu_hwpt_set_dirty_tracking) */
	uint32_t flags; /* enum iommufd_hwpt_set_dirty_tracking_flags */
	uint32_t hwpt_id;
	uint32_t __reserved; /* must be 0 */
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum iommufd_hwpt_get_dirty_bitmap_flags {
	/* report without clearing the dirty state (e.g. before an unmap) */
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP: read (and normally clear) the dirty state of
 * [@iova, @iova + @length) into the bitmap at @data, one bit per
 * @page_size bytes counted from @iova: address a is bit
 * n = (a - @iova) / page_size, i.e. data[n / 64] >> (n % 64) in 64-bit
 * little-endian words. The kernel only sets bits, so pass a zeroed buffer.
 */
struct iommu_hwpt_get_dirty_bitmap {
	uint32_t size; /* sizeof(struct iommu_hwpt_get_dirty_bitmap) */
	uint32_t hwpt_id;
	uint32_t flags;      /* enum iommufd_hwpt_get_dirty_bitmap_flags */
	uint32_t __reserved; /* must be 0 */
	IOMMUFD_ALIGNED_U64 iova;
	IOMMUFD_ALIGNED_U64 length;
	IOMMUFD_ALIGNED_U64 page_size;
	IOMMUFD_ALIGNED_U64 data; /* user pointer to the bitmap */
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/* --------------------------------------------------- IOMMU_HWPT_INVALIDATE */

/* Values of iommu_hwpt_invalidate::data_type */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
};

enum iommu_hwpt_vtd_s1_invalidate_flags {
	/* flush only leaf entries, not the paging-structure caches */
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

/*
 * One IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 request: @npages 4 KiB pages from
 * the 4 KiB aligned @addr. addr 0 with npages UINT64_MAX flushes all.
 */
struct iommu_hwpt_vtd_s1_invalidate {
	IOMMUFD_ALIGNED_U64 addr;
	IOMMUFD_ALIGNED_U64 npages;
	uint32_t flags;      /* enum iommu_hwpt_vtd_s1_invalidate_flags */
	uint32_t __reserved; /* must be 0 */
};

/*
 * IOMMU_HWPT_INVALIDATE: after editing the user-owned stage-1 table of the
 * nested HWPT @hwpt_id, flush the IOMMU caches. @data_uptr is an array of
 * @entry_num requests of @entry_len bytes each, all of @data_type. On
 * return @entry_num is the number of requests handled (also on failure).
 * entry_num 0 only checks that @data_type is supported.
 */
struct iommu_hwpt_invalidate {
	uint32_t size; /* sizeof(struct iommu_hwpt_invalidate) */
	uint32_t hwpt_id;
	IOMMUFD_ALIGNED_U64 data_uptr;
	uint32_t data_type; /* enum iommu_hwpt_invalidate_data_type */
	uint32_t entry_len;
	uint32_t entry_num; /* in/out */
	uint32_t __reserved; /* must be 0 */
};
#define IOMMU_HWPT_INVALIDATE \
	IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/* ---------------------------------------------------------- fault queues */

enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0), /* @pasid is meaningful */
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),   /* closes its group */
};

/* Requested access, PCIe page request semantics */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2), /* PASID prefix: execute */
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3), /* PASID prefix: privileged */
};

/*
 * A page fault as read() from a fault queue fd. Faults of one group share
 * @cookie; the response to the group quotes the cookie of its last fault.
 * @length is an optional hint of how much the device will touch (0: none).
 */
struct iommu_hwpt_pgfault {
	uint32_t flags; /* enum iommu_hwpt_pgfault_flags */
	uint32_t dev_id;
	uint32_t pasid;
	uint32_t grpid; /* page request group index */
	uint32_t perm;  /* enum iommu_hwpt_pgfault_perm */
	uint32_t __reserved;
	IOMMUFD_ALIGNED_U64 addr;
	uint32_t length;
	uint32_t cookie;
};

/* Values of iommu_hwpt_page_response::code (PCIe response codes) */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0, /* handled, retry the access */
	IOMMUFD_PAGE_RESP_INVALID = 1, /* not handled, do not retry */
};

/* A response as write()n to a fault queue fd */
struct iommu_hwpt_page_response {
	uint32_t cookie;
	uint32_t code; /* enum iommufd_page_response_code */
};

/* IOMMU_FAULT_QUEUE_ALLOC: create a fault queue object and its fd */
struct iommu_fault_alloc {
	uint32_t size;  /* sizeof(struct iommu_fault_alloc) */
	uint32_t flags; /* must be 0 */
	uint32_t out_fault_id;
	uint32_t out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC \
	IOMMUFD_IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/* ===================================================================
 * From Linux 6.17, not in 6.12.
 *
 * The selftests of the 6.12 tree already use these names. They change no
 * layout (in_data_type, declared above, shares the bytes of
 * out_data_type), and a 6.12 kernel rejects a non-zero
 * iommu_hw_info::flags with EOPNOTSUPP.
 * =================================================================== */

/* Input to IOMMU_GET_HW_INFO: "whatever the driver reports by default" */
enum {
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
};

/* Bits of iommu_hw_info::flags */
enum iommufd_hw_info_flags {
	/* iommu_hw_info::in_data_type selects the data format wanted */
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/* ===================================================================
 * Layout checks. The values are those of the kernel's header (inventory
 * Appendix A); they hold on every Linux ABI because all u64 fields are
 * 8-aligned and everything else is naturally aligned.
 * =================================================================== */

#define IOMMUFD_ABI_ASSERT_SIZE(type, bytes) \
	IOMMUFD_STATIC_ASSERT(sizeof(type) == (bytes), "sizeof(" #type ")")
/* offset and size of one member */
#define IOMMUFD_ABI_ASSERT_FIELD(type, field, off, bytes)               \
	IOMMUFD_STATIC_ASSERT(offsetof(type, field) == (off) &&          \
				      sizeof(((type *)0)->field) == (bytes), \
			      "layout of " #type "::" #field)
/*
 * Request numbers are written as on asm-generic architectures; where the
 * "none" direction is not 0 the kernel adds it, and so do we.
 */
#define IOMMUFD_ABI_ASSERT_IOCTL(cmd, value)                          \
	IOMMUFD_STATIC_ASSERT(                                        \
		(cmd) == ((IOMMUFD_IOC_NONE << IOMMUFD_IOC_DIRSHIFT) | \
			  (value)),                                   \
		"request number of " #cmd)
#define IOMMUFD_ABI_ASSERT_VALUE(name, value) \
	IOMMUFD_STATIC_ASSERT((name) == (value), "value of " #name)

/* the encoding itself */
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_IOC_NR(IOMMUFD_IO(0x12, 0x34)), 0x34);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_IOC_TYPE(IOMMUFD_IO(0x12, 0x34)), 0x12);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_IOC_SIZE(IOMMUFD_IO(0x12, 0x34)), 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_IOC_DIR(IOMMUFD_IO(0x12, 0x34)),
			 IOMMUFD_IOC_NONE);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_IOC_SIZE(IOMMUFD_IOWR(1, 2, uint64_t)), 8);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_IOC_DIR(IOMMUFD_IOWR(1, 2, uint64_t)),
			 IOMMUFD_IOC_READ | IOMMUFD_IOC_WRITE);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_IOC_DIRSHIFT + IOMMUFD_IOC_DIRBITS, 32);

IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_TYPE, 0x3b);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_CMD_BASE, 0x80);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_CMD_DESTROY, 0x80);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_CMD_FAULT_QUEUE_ALLOC, 0x8e);

IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_DESTROY, 0x3b80);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_IOAS_ALLOC, 0x3b81);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_IOAS_ALLOW_IOVAS, 0x3b82);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_IOAS_COPY, 0x3b83);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_IOAS_IOVA_RANGES, 0x3b84);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_IOAS_MAP, 0x3b85);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_IOAS_UNMAP, 0x3b86);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_OPTION, 0x3b87);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_VFIO_IOAS, 0x3b88);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_HWPT_ALLOC, 0x3b89);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_GET_HW_INFO, 0x3b8a);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8b);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8c);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_HWPT_INVALIDATE, 0x3b8d);
IOMMUFD_ABI_ASSERT_IOCTL(IOMMU_FAULT_QUEUE_ALLOC, 0x3b8e);

IOMMUFD_ABI_ASSERT_VALUE(IOMMU_IOAS_MAP_FIXED_IOVA, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_IOAS_MAP_WRITEABLE, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_IOAS_MAP_READABLE, 4);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_OPTION_RLIMIT_MODE, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_OPTION_HUGE_PAGES, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_OPTION_OP_SET, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_OPTION_OP_GET, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_VFIO_IOAS_GET, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_VFIO_IOAS_SET, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_VFIO_IOAS_CLEAR, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_ALLOC_NEST_PARENT, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_FAULT_ID_VALID, 4);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_VTD_S1_SRE, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_VTD_S1_EAFE, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_VTD_S1_WPE, 4);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_DATA_NONE, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_DATA_VTD_S1, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_INFO_TYPE_NONE, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_INFO_TYPE_INTEL_VTD, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_CAP_DIRTY_TRACKING, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_CAP_PCI_PASID_EXEC, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_CAP_PCI_PASID_PRIV, 4);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_DIRTY_TRACKING_ENABLE, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_VTD_INV_FLAGS_LEAF, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_PGFAULT_FLAGS_PASID_VALID, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_PGFAULT_PERM_READ, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_PGFAULT_PERM_WRITE, 2);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_PGFAULT_PERM_EXEC, 4);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_PGFAULT_PERM_PRIV, 8);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_PAGE_RESP_SUCCESS, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMUFD_PAGE_RESP_INVALID, 1);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_INFO_TYPE_DEFAULT, 0);
IOMMUFD_ABI_ASSERT_VALUE(IOMMU_HW_INFO_FLAG_INPUT_TYPE, 1);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_destroy, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_destroy, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_destroy, id, 4, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_ioas_alloc, 12);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_alloc, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_alloc, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_alloc, out_ioas_id, 8, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_iova_range, 16);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_iova_range, start, 0, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_iova_range, last, 8, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_ioas_iova_ranges, 32);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_iova_ranges, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_iova_ranges, ioas_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_iova_ranges, num_iovas, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_iova_ranges, __reserved, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_iova_ranges, allowed_iovas, 16, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_iova_ranges, out_iova_alignment,
			 24, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_ioas_allow_iovas, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_allow_iovas, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_allow_iovas, ioas_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_allow_iovas, num_iovas, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_allow_iovas, __reserved, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_allow_iovas, allowed_iovas, 16, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_ioas_map, 40);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_map, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_map, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_map, ioas_id, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_map, __reserved, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_map, user_va, 16, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_map, length, 24, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_map, iova, 32, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_ioas_copy, 40);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_copy, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_copy, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_copy, dst_ioas_id, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_copy, src_ioas_id, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_copy, length, 16, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_copy, dst_iova, 24, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_copy, src_iova, 32, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_ioas_unmap, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_unmap, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_unmap, ioas_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_unmap, iova, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_ioas_unmap, length, 16, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_option, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_option, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_option, option_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_option, op, 8, 2);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_option, __reserved, 10, 2);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_option, object_id, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_option, val64, 16, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_vfio_ioas, 12);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_vfio_ioas, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_vfio_ioas, ioas_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_vfio_ioas, op, 8, 2);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_vfio_ioas, __reserved, 10, 2);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_vtd_s1, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1, flags, 0, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1, pgtbl_addr, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1, addr_width, 16, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1, __reserved, 20, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_alloc, 48);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, dev_id, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, pt_id, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, out_hwpt_id, 16, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, __reserved, 20, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, data_type, 24, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, data_len, 28, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, data_uptr, 32, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, fault_id, 40, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_alloc, __reserved2, 44, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hw_info_vtd, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info_vtd, flags, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info_vtd, __reserved, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info_vtd, cap_reg, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info_vtd, ecap_reg, 16, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hw_info, 40);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, dev_id, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, data_len, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, data_uptr, 16, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, in_data_type, 24, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, out_data_type, 24, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, out_max_pasid_log2, 28, 1);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, __reserved, 29, 3);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hw_info, out_capabilities, 32, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_set_dirty_tracking, 16);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_set_dirty_tracking, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_set_dirty_tracking, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_set_dirty_tracking, hwpt_id, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_set_dirty_tracking, __reserved,
			 12, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_get_dirty_bitmap, 48);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, hwpt_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, flags, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, __reserved, 12,
			 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, iova, 16, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, length, 24, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, page_size, 32, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_get_dirty_bitmap, data, 40, 8);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_vtd_s1_invalidate, 24);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1_invalidate, addr, 0, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1_invalidate, npages, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1_invalidate, flags, 16, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_vtd_s1_invalidate, __reserved, 20,
			 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_invalidate, 32);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate, hwpt_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate, data_uptr, 8, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate, data_type, 16, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate, entry_len, 20, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate, entry_num, 24, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_invalidate, __reserved, 28, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_pgfault, 40);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, flags, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, dev_id, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, pasid, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, grpid, 12, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, perm, 16, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, __reserved, 20, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, addr, 24, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, length, 32, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_pgfault, cookie, 36, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_hwpt_page_response, 8);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_page_response, cookie, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_hwpt_page_response, code, 4, 4);

IOMMUFD_ABI_ASSERT_SIZE(struct iommu_fault_alloc, 16);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_fault_alloc, size, 0, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_fault_alloc, flags, 4, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_fault_alloc, out_fault_id, 8, 4);
IOMMUFD_ABI_ASSERT_FIELD(struct iommu_fault_alloc, out_fault_fd, 12, 4);

#endif /* IOMMUFD_MODEL_UAPI_H */
