/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU driver layer under iommufd: what include/linux/iommu.h gives
 * the kernel's iommufd (struct iommu_ops, iommu_domain, iommu groups).
 *
 * iommufd only ever talks to a driver through these ops, so a driver here
 * (mock, VT-d, AMD) decides exactly what its kernel counterpart decides:
 * which HWPT_ALLOC flags and data it takes, which devices may attach to a
 * domain, what GET_HW_INFO reports, how dirty bits are read. The domain is
 * also an iopt_domain, which is how the io_pagetable maps into it.
 */
#ifndef MODEL_IOMMU_H
#define MODEL_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <iommufd/platform.h>

#include "iopt/io_pagetable.h"
#include "pt/pt.h"
#include "iotlb.h"

struct iommu_domain;
struct iommufd_ctx;
struct iommufd_device;
struct iommufd_group;

/* enum iommu_cap */
enum iommu_cap {
	IOMMU_CAP_CACHE_COHERENCY,
	IOMMU_CAP_NOEXEC,
	IOMMU_CAP_PRE_BOOT_PROTECTION,
	IOMMU_CAP_ENFORCE_CACHE_COHERENCY,
	IOMMU_CAP_DEFERRED_FLUSH,
	IOMMU_CAP_DIRTY_TRACKING,
};

enum iommu_domain_type {
	IOMMU_DOMAIN_PAGING,
	IOMMU_DOMAIN_NESTED,
};

/* struct iommu_user_data: a HWPT_ALLOC data blob still in user memory */
struct iommu_user_data {
	uint32_t type;
	uint64_t uptr;
	uint32_t len;
};

/* struct iommu_user_data_array: HWPT_INVALIDATE's array of entries */
struct iommu_user_data_array {
	uint32_t type;
	uint64_t uptr;
	uint32_t entry_len;
	uint32_t entry_num; /* in: entries given; out: entries handled */
};

/*
 * Dirty bits go into a bitmap in user memory (struct iova_bitmap). The
 * driver reports every dirty IOVA range it finds; the bitmap object turns
 * that into bits relative to the requested IOVA.
 */
struct iova_bitmap;
void iova_bitmap_set(struct iova_bitmap *bitmap, uint64_t iova,
		     uint64_t length);

#define IOMMU_DIRTY_NO_CLEAR (1u << 0)

struct iommu_domain_ops {
	void (*free)(struct iommu_domain *domain);
	/*
	 * Paging domains: @pgcount pages of @pgsize (one of pgsize_bitmap)
	 * at @iova -> @paddr. *mapped grows by what was mapped, also on
	 * failure; unmap returns bytes unmapped.
	 */
	int (*map_pages)(struct iommu_domain *domain, uint64_t iova,
			 uint64_t paddr, uint64_t pgsize, uint64_t pgcount,
			 int prot, uint64_t *mapped);
	uint64_t (*unmap_pages)(struct iommu_domain *domain, uint64_t iova,
				uint64_t pgsize, uint64_t pgcount);
	/* EINVAL: this device cannot use this domain */
	int (*attach_dev)(struct iommu_domain *domain, struct iommufd_dev *dev);
	bool (*enforce_cache_coherency)(struct iommu_domain *domain);
	/* dirty_ops; NULL when the domain was not allocated for tracking */
	int (*set_dirty_tracking)(struct iommu_domain *domain, bool enable);
	int (*read_and_clear_dirty)(struct iommu_domain *domain, uint64_t iova,
				    uint64_t size, unsigned int flags,
				    struct iova_bitmap *dirty);
	/* nested domains */
	int (*cache_invalidate_user)(struct iommu_domain *domain,
				     struct iommufd_ctx *ictx,
				     struct iommu_user_data_array *array);
	/* Software lookup, no side effects: PA or UINT64_MAX when unmapped */
	uint64_t (*iova_to_phys)(struct iommu_domain *domain, uint64_t iova);
};

struct iommu_domain {
	struct iopt_domain iopt; /* map/unmap, page sizes, aperture */
	enum iommu_domain_type type;
	const struct iommu_domain_ops *ops;
	const struct iommu_driver *owner;
	struct iommufd_iommu *iommu; /* the instance that allocated it */
	struct iommu_domain *parent; /* nested: the stage-2 domain */
};

/*
 * Make @d a paging domain whose io_pagetable view splits runs into pages
 * the way iommu_map() / iommu_unmap() do and hands them to map_pages /
 * unmap_pages.
 */
void iommu_domain_init_paging(struct iommu_domain *d, uint64_t pgsize_bitmap,
			      uint64_t aperture_start, uint64_t aperture_end);

/*
 * iommu_copy_struct_from_user(): EINVAL for another data type or a length
 * outside [min_len, dst_len]; the bytes the user gave, zero-extended.
 */
int iommu_copy_struct_from_user(struct iommufd_ctx *ictx, void *dst,
				size_t dst_len, size_t min_len,
				uint32_t data_type,
				const struct iommu_user_data *src);
/* One entry of an invalidation array, by the same rules */
int iommu_copy_struct_from_user_array(struct iommufd_ctx *ictx, void *dst,
				      size_t dst_len, size_t min_len,
				      uint32_t data_type,
				      const struct iommu_user_data_array *src,
				      uint32_t index);

static inline bool iommu_domain_has_dirty_ops(const struct iommu_domain *d)
{
	return d->ops->set_dirty_tracking && d->ops->read_and_clear_dirty;
}

struct iommu_driver {
	const char *name;
	/* The hardware caches translations (an IOTLB the driver flushes) */
	bool has_iotlb;
	/*
	 * Optional per-instance and per-device state (page-table memory,
	 * PASID entries, DTEs): 0 or -errno; the release hooks never fail.
	 */
	int (*iommu_init)(struct iommufd_iommu *iommu);
	void (*iommu_release)(struct iommufd_iommu *iommu);
	int (*probe_device)(struct iommufd_dev *dev);
	void (*release_device)(struct iommufd_dev *dev);
	/* The blocking domain: the device translates nothing */
	void (*block_dev)(struct iommufd_dev *dev);
	/*
	 * The hardware side: translate one access of @dev at @iova through
	 * the table bytes, updating Accessed/Dirty as the hardware would.
	 * @mem reaches pinned user pages by PFN (guest stage-1 tables).
	 * 0 and *pa, or -ENODEV (blocked), -EFAULT (not present or out of
	 * range), -EPERM (not permitted), -EIO (a table cannot be read).
	 */
	int (*translate)(struct iommufd_dev *dev, const struct iommufd_mem *mem,
			 uint64_t iova, bool write, uint64_t *pa);
	bool (*capable)(struct iommufd_dev *dev, enum iommu_cap cap);
	/*
	 * NULL means no hw_info callback: GET_HW_INFO reports type NONE.
	 * Fills up to *len bytes of @data and sets *len and *type.
	 */
	int (*hw_info)(struct iommufd_dev *dev, void *data, uint32_t *len,
		       uint32_t *type);
	/* ops->domain_alloc_user; flags are HWPT_ALLOC flags */
	struct iommu_domain *(*domain_alloc_user)(
		struct iommufd_dev *dev, struct iommufd_ctx *ictx,
		uint32_t flags, struct iommu_domain *parent,
		const struct iommu_user_data *data, int *err);
	/* Reserved regions the driver reports for every device */
	size_t (*resv_regions)(struct iommufd_dev *dev,
			       struct iommufd_resv_region *out, size_t max);
	/* max PASID log2 for GET_HW_INFO */
	uint8_t (*max_pasid_log2)(struct iommufd_dev *dev);
	/*
	 * iommu_dev_enable_feature(IOMMU_DEV_FEAT_IOPF): 0 and *queued (the
	 * device joined the driver's IOPF queue, so the core collects its
	 * page request groups), or -errno. NULL: -ENODEV. Disabling needs
	 * no driver state: no model driver refuses a second enable.
	 */
	int (*enable_iopf)(struct iommufd_dev *dev, bool *queued);
	/*
	 * Optional: the driver's page request queue refuses @req before the
	 * core sees it (true); the device is answered INVALID.
	 */
	bool (*prq_refuses)(struct iommufd_dev *dev,
			    const struct iommufd_page_request *req);
};

struct iommufd_iommu {
	struct iommufd_platform *platform;
	struct iommufd_iommu_desc desc;
	const struct iommu_driver *driver;
	void *drv;		/* the driver's per-instance state */
	struct iommufd_iommu *next;
};

struct iommufd_dev {
	struct iommufd_platform *platform;
	struct iommufd_iommu *iommu;
	struct iommufd_dev_desc desc;
	struct iommufd_resv_region *resv; /* copy of desc.resv */
	uint32_t group_id;		  /* never 0 */
	/* Binding: the context it is bound to and its DEVICE object */
	struct iommufd_ctx *ictx;
	struct iommufd_device *idev;
	bool attached;
	/* selftest mock devices created by IOMMU_TEST_CMD MOCK_DOMAIN */
	bool selftest;
	void *drv;		/* the driver's per-device state */
	struct iotlb iotlb;	/* translations in use, for hardware drivers */
	struct iommufd_dev *next;
};

struct iommufd_platform {
	struct iommufd_iommu *iommus;
	struct iommufd_dev *devs;
	uint32_t next_group;
};

/* The per-context view of an IOMMU group (struct iommufd_group) */
struct iommufd_group {
	uint32_t group_id;
	uint32_t refs;
	struct iommufd_hw_pagetable *hwpt; /* attached HWPT, or NULL */
	struct iommufd_device **devices;   /* attached, in attach order */
	uint32_t ndevices, cap;
	uint64_t sw_msi_start;	/* PHYS_ADDR_MAX when none */
	struct iommufd_group *next;
};

static inline bool iommufd_dev_capable(struct iommufd_dev *dev,
				       enum iommu_cap cap)
{
	return dev->iommu->driver->capable(dev, cap);
}

/* dma.c: pinned user pages as page-table memory, fault -> errno */
struct pt_mem iommufd_user_pt_mem(const struct iommufd_mem *mem);
int iommufd_pt_fault_errno(enum pt_fault fault);

/* drivers */
extern const struct iommu_driver iommu_mock_driver;
extern const struct iommu_driver iommu_vtd_driver;
extern const struct iommu_driver iommu_amd_driver;
/* EXPERIMENTAL (IOMMUFD_CONFIG_NOIOMMU): devices without an IOMMU */
extern const struct iommu_driver iommu_noiommu_driver;

#endif
