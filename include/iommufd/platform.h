/* SPDX-License-Identifier: MIT */
/*
 * The simulated machine: IOMMU instances and the devices behind them.
 *
 * A platform is what the kernel finds at boot: IOMMUs with their
 * capability registers and devices in IOMMU groups with their reserved
 * regions. Contexts (iommufd_ctx) see a device only once it is bound to
 * them, which is what VFIO_DEVICE_BIND_IOMMUFD does; attach, replace and
 * detach are VFIO_DEVICE_ATTACH_IOMMUFD_PT / _DETACH_IOMMUFD_PT.
 *
 * A platform outlives every context that has devices bound from it, and a
 * device is bound to at most one context at a time (the kernel's DMA
 * ownership of an IOMMU group). Everything here is single threaded.
 */
#ifndef IOMMUFD_PLATFORM_H
#define IOMMUFD_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/model.h>

#ifdef __cplusplus
extern "C" {
#endif

enum iommufd_iommu_kind {
	/* The CONFIG_IOMMUFD_TEST mock driver (drivers/iommu/iommufd/selftest.c) */
	IOMMUFD_IOMMU_MOCK,
	IOMMUFD_IOMMU_INTEL_VTD,
	IOMMUFD_IOMMU_AMD,
	/*
	 * EXPERIMENTAL, a proposal not in any released kernel (the noiommu
	 * cdev mode, IOMMUFD_CONFIG_NOIOMMU): no IOMMU at all. The instance
	 * only carries the devices added behind it, which do DMA with
	 * physical addresses. Binding one:
	 *  - without IOMMUFD_CONFIG_NOIOMMU: -EINVAL, as 6.12 answers for a
	 *    device without an IOMMU (no IOMMU_CAP_CACHE_COHERENCY);
	 *  - without IOMMUFD_CAP_SYS_RAWIO: -EPERM;
	 *  - otherwise bound; MSI isolation is not asked for (msi_unisolated
	 *    is ignored: with no IOMMU nothing is isolated anyway).
	 * Attaching to an IOAS makes an automatic HWPT whose domain pins
	 * every mapped page and records its PA (IOMMU_IOAS_NOIOMMU_GET_PA of
	 * uapi_noiommu.h);
	 * HWPT_ALLOC takes no flags and no data (-EOPNOTSUPP), GET_HW_INFO
	 * reports IOMMU_HW_INFO_TYPE_NONE, no data and no capabilities. Only
	 * devices of this kind can share such a HWPT (-EINVAL otherwise).
	 * iommufd_dev_dma(): the address is physical, as the device sees it;
	 * it reaches a page the context's memory provider has pinned, -EIO
	 * elsewhere; -ENODEV while not attached, as for every device.
	 */
	IOMMUFD_IOMMU_NONE,
};

/*
 * Register values the real drivers derive their behaviour from. Zero
 * fields get the defaults documented at iommufd_platform_add_iommu().
 */
struct iommufd_iommu_desc {
	enum iommufd_iommu_kind kind;
	/* VT-d Capability and Extended Capability registers */
	uint64_t vtd_cap, vtd_ecap;
	/* VT-d: intel_iommu=sm_off (legacy mode: no PASID, no dirty tracking) */
	bool vtd_legacy_mode;
	/* AMD Extended Feature Register */
	uint64_t amd_efr;
};

/* enum iommu_resv_type of include/linux/iommu.h */
enum iommufd_resv_type {
	IOMMUFD_RESV_DIRECT = 0,
	IOMMUFD_RESV_DIRECT_RELAXABLE = 1,
	IOMMUFD_RESV_RESERVED = 2,
	IOMMUFD_RESV_MSI = 3,
	IOMMUFD_RESV_SW_MSI = 4,
};

struct iommufd_resv_region {
	uint64_t start, last; /* inclusive */
	enum iommufd_resv_type type;
};

struct iommufd_dev_desc {
	/*
	 * Devices with the same non-zero group number share an IOMMU group
	 * (and so must be attached to the same HWPT); 0 gives the device a
	 * group of its own.
	 */
	uint32_t group;
	/* Mock devices only: MOCK_FLAGS_DEVICE_* of the selftest uAPI */
	uint32_t mock_flags;
	/* PCI PASID capability: max PASIDs (0 = no PASID support) */
	uint32_t max_pasids;
	/*
	 * PCI ATS and PRI capabilities. VT-d only (SPEC.md 6.10): with the
	 * IOMMU's ecap DT, PRS and PDS in scalable mode, IOPF can be enabled
	 * while ATS is, i.e. while the device is attached to a paging domain.
	 */
	bool ats_pri;
	/*
	 * Reserved regions on top of the ones the IOMMU kind always reports
	 * (the x86 interrupt window for VT-d and AMD).
	 */
	const struct iommufd_resv_region *resv;
	size_t nresv;
	/* The platform cannot isolate this device's MSIs: bind gives EPERM */
	bool msi_unisolated;
};

struct iommufd_platform;
struct iommufd_iommu;
struct iommufd_dev;

struct iommufd_platform *iommufd_platform_new(void);
/*
 * Devices still bound are unbound first, as when their VFIO device files
 * close; a context already closed is released by its last unbind.
 */
void iommufd_platform_free(struct iommufd_platform *p);

/*
 * Add an IOMMU. Defaults for zero registers: VT-d cap/ecap of a recent
 * scalable-mode server part (4-level SAGAW, 2M/1G second-stage pages,
 * nesting, dirty tracking); AMD EFR with host dirty support and GT.
 * NULL with *err = -EINVAL for an unknown kind, -ENOMEM.
 */
struct iommufd_iommu *iommufd_platform_add_iommu(
	struct iommufd_platform *p, const struct iommufd_iommu_desc *desc,
	int *err);

/*
 * Add a device behind @iommu. -EINVAL for mock flags the selftest mock
 * refuses, or a group number already used behind another IOMMU.
 */
struct iommufd_dev *iommufd_platform_add_dev(struct iommufd_platform *p,
					     struct iommufd_iommu *iommu,
					     const struct iommufd_dev_desc *desc,
					     int *err);

/*
 * VFIO_DEVICE_BIND_IOMMUFD: bind @dev to @ctx and return its DEVICE id.
 * 0 or -errno as iommufd_device_bind() gives it (EPERM for unisolated MSI
 * or a group owned by another context, EBUSY if @dev is already bound).
 */
int iommufd_dev_bind(struct iommufd_ctx *ctx, struct iommufd_dev *dev,
		     uint32_t *out_dev_id);
/* Unbind (the VFIO device fd closing): detaches first if attached */
void iommufd_dev_unbind(struct iommufd_dev *dev);
/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach to an IOAS or HWPT id, or replace
 * the current attachment when already attached. *pt_id becomes the HWPT
 * id (an automatic one for an IOAS). 0 or -errno.
 */
int iommufd_dev_attach(struct iommufd_dev *dev, uint32_t *pt_id);
/* VFIO_DEVICE_DETACH_IOMMUFD_PT: -EINVAL when not bound or not attached */
int iommufd_dev_detach(struct iommufd_dev *dev);

/*
 * A DMA by @dev: copy @len bytes to (@write) or from @buf at @iova, page
 * by page, through whatever its group is attached to, the way the IOMMU
 * hardware does it: a walk of the page-table bytes that sets Accessed and
 * (for writes) Dirty bits where the format and the device's PASID entry
 * or DTE enable them. 0, or the first fault: -ENODEV (not attached),
 * -EFAULT (not mapped), -EPERM (not permitted), -EIO (memory the provider
 * cannot reach by physical address). Bytes before the fault were moved.
 */
int iommufd_dev_dma(struct iommufd_dev *dev, uint64_t iova, void *buf,
		    size_t len, bool write);

/*
 * A PCIe page request (PRI) from a device, as its IOMMU driver reports it
 * to the core (iommu_report_device_fault()). @perm holds
 * IOMMU_PGFAULT_PERM_* of the uAPI; @last is the Last Page flag that
 * closes the page request group @grpid.
 */
struct iommufd_page_request {
	bool pasid_valid;
	uint32_t pasid;
	uint64_t addr;
	uint32_t perm;
	uint32_t grpid;
	bool last;
};

/* What became of one page request */
enum iommufd_page_request_status {
	/*
	 * On the fault queue of the HWPT the device's group is attached to,
	 * or (not @last) held until its group's last request arrives
	 */
	IOMMUFD_PAGE_REQUEST_QUEUED,
	/* Answered by the core without userspace; the code says how */
	IOMMUFD_PAGE_REQUEST_RESPONDED,
	/* No IOMMU took it: no answer at all */
	IOMMUFD_PAGE_REQUEST_DROPPED,
};

/*
 * enum iommu_page_response_code of include/linux/iommu.h: the uAPI's
 * SUCCESS and INVALID, and FAILURE, which only the core itself sends
 */
#define IOMMUFD_PAGE_REQUEST_RESP_SUCCESS 0u
#define IOMMUFD_PAGE_REQUEST_RESP_INVALID 1u
#define IOMMUFD_PAGE_REQUEST_RESP_FAILURE 2u

/*
 * @dev raises one page request. Returns the enum iommufd_page_request_status
 * and, for RESPONDED, the response code in *@out_code (may be NULL), as
 * 6.12's iommu_report_device_fault() and iommufd's fault handler decide:
 *  - a HWPT with a fault object, on a device with IOPF enabled: QUEUED
 *    (a request that is not the last waits for its group's last one;
 *    with it the whole group goes on the queue);
 *  - anything else (not bound, not attached, a HWPT without a fault
 *    object, a PASID the attachment does not cover): RESPONDED INVALID;
 *  - no memory for the group: RESPONDED FAILURE (the core's abort
 *    group);
 *  - a device behind IOMMUFD_IOMMU_NONE: DROPPED, no IOMMU sees it.
 * VT-d answers every request INVALID: its page request queue refuses one
 * without a PASID, and 6.12 has no PASID attachment to take one with;
 * AMD devices have no PRI, so nothing is queued for them (SPEC.md 6.10).
 * -EINVAL for @perm bits outside IOMMU_PGFAULT_PERM_*.
 */
int iommufd_dev_page_request(struct iommufd_dev *dev,
			     const struct iommufd_page_request *req,
			     uint32_t *out_code);

/* The page request a DMA raised, and its fate */
struct iommufd_dma_fault {
	bool raised;
	struct iommufd_page_request req;
	enum iommufd_page_request_status status;
	uint32_t code; /* with RESPONDED */
};

/*
 * iommufd_dev_dma(), reporting in @fault (may be NULL) the page request
 * the faulting access raised: devices behind the mock IOMMU issue one
 * (no PASID, group 0, last, READ or WRITE, the faulting page) when a
 * translation fails for lack of a mapping or permission; other devices
 * raise none (raised is false).
 */
int iommufd_dev_dma_fault(struct iommufd_dev *dev, uint64_t iova, void *buf,
			  size_t len, bool write,
			  struct iommufd_dma_fault *fault);

/*
 * The device's IOTLB (VT-d and AMD; the mock has none): translations
 * served from it, walks, and hits that differed from what the host's
 * tables say (checked in MODEL_DEBUG_INVARIANTS builds; always 0 unless
 * the model failed to invalidate).
 */
struct iommufd_iotlb_stats {
	uint64_t hits, misses, stale;
};
void iommufd_dev_iotlb_stats(const struct iommufd_dev *dev,
			     struct iommufd_iotlb_stats *stats);

/* The DEVICE id while bound, else 0 */
uint32_t iommufd_dev_id(const struct iommufd_dev *dev);

#ifdef __cplusplus
}
#endif

#endif
