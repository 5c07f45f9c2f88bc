// SPDX-License-Identifier: MIT
/*
 * The Intel VT-d driver as iommufd meets it (drivers/iommu/intel/iommu.c,
 * nested.c, pasid.c): capability and extended capability registers decide
 * what HWPT_ALLOC accepts, every domain iommufd gets is a second-stage
 * table, nested domains point a PASID entry at a guest stage-1 table over
 * their parent, and dirty tracking is SSADE in the PASID entries of the
 * attached devices. Scalable mode (the default) is modelled; in legacy
 * mode there is no PASID, nesting or dirty tracking.
 */
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "pt/phys.h"
#include "vtd/vtd.h"

/* register fields, include/linux/intel-iommu.h / intel/iommu.h */
#define CAP_SAGAW(c) (((c) >> 8) & 0x1f)
#define CAP_MGAW(c) ((((c) >> 16) & 0x3f) + 1)
#define CAP_SLLPS(c) (((c) >> 34) & 0xf)
#define CAP_FL5LP(c) (((c) >> 60) & 1)
#define ECAP_DT(e) (((e) >> 2) & 1)
#define ECAP_SC(e) (((e) >> 7) & 1)
#define ECAP_NEST(e) (((e) >> 26) & 1)
#define ECAP_SRS(e) (((e) >> 31) & 1)
#define ECAP_EAFS(e) (((e) >> 34) & 1)
#define ECAP_PSS(e) (((e) >> 35) & 0x1f)
#define ECAP_PASID(e) (((e) >> 40) & 1)
#define ECAP_PRS(e) (((e) >> 29) & 1)
#define ECAP_PDS(e) (((e) >> 42) & 1)
#define ECAP_SMTS(e) (((e) >> 43) & 1)
#define ECAP_SLADS(e) (((e) >> 45) & 1)
#define ECAP_SLTS(e) (((e) >> 46) & 1)
#define ECAP_SMPWC(e) (((e) >> 48) & 1)

/*
 * Defaults: a scalable-mode server IOMMU with 4-level (48-bit) second
 * stage, 2M and 1G pages, nesting, PASIDs, snoop control and dirty
 * tracking support.
 */
#define VTD_DEFAULT_CAP                                                   \
	((0x4ull << 8) | (47ull << 16) | (0x3ull << 34) | (1ull << 56))
#define VTD_DEFAULT_ECAP                                                  \
	((1ull << 0) | (1ull << 7) | (1ull << 26) | (1ull << 29) |        \
	 (1ull << 31) | (19ull << 35) | (1ull << 40) | (1ull << 43) |     \
	 (1ull << 45) | (1ull << 46) | (1ull << 47) | (1ull << 48))

#define ADDR_WIDTH_4LEVEL 48
#define ADDR_WIDTH_5LEVEL 57

struct vtd_iommu {
	uint64_t cap, ecap;
	bool sm;		/* scalable mode in use */
	unsigned int agaw;	/* iommu_calculate_agaw() */
	struct pt_phys phys;	/* second-stage table pages */
	uint16_t next_did;
};

struct vtd_dmar;

struct vtd_dev {
	struct iommufd_dev *dev;
	struct vtd_pasid_entry pe; /* RID_PASID's entry */
	struct vtd_dmar *domain;   /* attached domain, NULL when blocked */
	struct vtd_dev *next;	   /* in domain->devs */
};

struct vtd_dmar {
	struct iommu_domain domain;
	struct vtd_iommu *iommu;
	uint16_t did;
	struct vtd_dev *devs;
	/* paging */
	struct vtd_domain vd;
	bool force_snooping;
	/* nested */
	struct vtd_dmar *s2;
	struct iommu_hwpt_vtd_s1 s1_cfg;
};

static struct vtd_iommu *vtd_of(const struct iommufd_iommu *iommu)
{
	return iommu->drv;
}

static struct vtd_iommu *dev_vtd(const struct iommufd_dev *dev)
{
	return vtd_of(dev->iommu);
}

static bool sm_supported(const struct vtd_iommu *v)
{
	return v->sm && ECAP_SMTS(v->ecap);
}

static bool ssads_supported(const struct vtd_iommu *v)
{
	return sm_supported(v) && ECAP_SLADS(v->ecap) && ECAP_SMPWC(v->ecap);
}

static bool nested_supported(const struct vtd_iommu *v)
{
	return sm_supported(v) && ECAP_NEST(v->ecap);
}

/* intel_iommu_probe_device(): info->ats_supported, info->pri_supported */
static bool ats_supported(const struct iommufd_dev *dev)
{
	return dev->desc.ats_pri && ECAP_DT(dev_vtd(dev)->ecap);
}

static bool pri_supported(const struct iommufd_dev *dev)
{
	const struct vtd_iommu *v = dev_vtd(dev);

	return ats_supported(dev) && sm_supported(v) && ECAP_PRS(v->ecap) &&
	       ECAP_PDS(v->ecap);
}

static unsigned int addr_width(const struct vtd_iommu *v)
{
	unsigned int w = vtd_agaw_to_width(v->agaw);

	return w > CAP_MGAW(v->cap) ? CAP_MGAW(v->cap) : w;
}

/* ------------------------------------------------------------ instances */

static int vtd_iommu_init(struct iommufd_iommu *iommu)
{
	struct vtd_iommu *v = calloc(1, sizeof(*v));
	int agaw;

	if (!v)
		return -ENOMEM;
	v->cap = iommu->desc.vtd_cap ? iommu->desc.vtd_cap : VTD_DEFAULT_CAP;
	v->ecap = iommu->desc.vtd_ecap ? iommu->desc.vtd_ecap : VTD_DEFAULT_ECAP;
	v->sm = !iommu->desc.vtd_legacy_mode;
	/* the widest supported AGAW up to 57 bits (5 levels) */
	for (agaw = 3; agaw >= 1; agaw--)
		if (CAP_SAGAW(v->cap) & (1u << (agaw + 1)))
			break;
	if (agaw < 1) {
		free(v);
		return -EINVAL;	/* no second-stage depth iommufd can use */
	}
	v->agaw = agaw;
	v->next_did = 2;
	pt_phys_init(&v->phys, PT_PHYS_BASE);
	iommu->drv = v;
	return 0;
}

static void vtd_iommu_release(struct iommufd_iommu *iommu)
{
	struct vtd_iommu *v = iommu->drv;

	pt_phys_destroy(&v->phys);
	free(v);
}

static int vtd_probe_device(struct iommufd_dev *dev)
{
	struct vtd_dev *vdev = calloc(1, sizeof(*vdev));

	if (!vdev)
		return -ENOMEM;
	vdev->dev = dev;
	dev->drv = vdev;
	return 0;
}

static void unlink_dev(struct vtd_dev *vdev)
{
	struct vtd_dev **pp;

	if (!vdev->domain)
		return;
	for (pp = &vdev->domain->devs; *pp != vdev; pp = &(*pp)->next)
		;
	*pp = vdev->next;
	vdev->domain = NULL;
}

static void vtd_block_dev(struct iommufd_dev *dev)
{
	struct vtd_dev *vdev = dev->drv;

	/* a PASID entry change flushes the PASID cache and the IOTLB */
	iotlb_flush_all(&dev->iotlb);
	unlink_dev(vdev);
	vtd_pasid_clear(&vdev->pe);
}

static void vtd_release_device(struct iommufd_dev *dev)
{
	vtd_block_dev(dev);
	free(dev->drv);
}

static bool vtd_capable(struct iommufd_dev *dev, enum iommu_cap cap)
{
	struct vtd_iommu *v = dev_vtd(dev);

	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
	case IOMMU_CAP_DEFERRED_FLUSH:
		return true;
	case IOMMU_CAP_ENFORCE_CACHE_COHERENCY:
		return ECAP_SC(v->ecap);
	case IOMMU_CAP_DIRTY_TRACKING:
		return ssads_supported(v);
	default:
		return false;
	}
}

static int vtd_hw_info(struct iommufd_dev *dev, void *data, uint32_t *len,
		       uint32_t *type)
{
	struct vtd_iommu *v = dev_vtd(dev);
	struct iommu_hw_info_vtd info = {
		/* reported on every platform, affected or not */
		.flags = IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17,
		.cap_reg = v->cap,
		.ecap_reg = v->ecap,
	};

	memcpy(data, &info, sizeof(info));
	*len = sizeof(info);
	*type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	return 0;
}

static uint8_t vtd_max_pasid_log2(struct iommufd_dev *dev)
{
	struct vtd_iommu *v = dev_vtd(dev);
	uint64_t max;

	if (!sm_supported(v) || !ECAP_PASID(v->ecap) || !dev->desc.max_pasids)
		return 0;
	max = 2ull << ECAP_PSS(v->ecap);
	if (dev->desc.max_pasids < max)
		max = dev->desc.max_pasids;
	return 63 - __builtin_clzll(max);
}

/* intel_iommu_get_resv_regions(): the IOAPIC/MSI window */
static size_t vtd_resv_regions(struct iommufd_dev *dev,
			       struct iommufd_resv_region *out, size_t max)
{
	if (!max)
		return 0;
	out[0] = (struct iommufd_resv_region){
		.start = 0xfee00000, .last = 0xfeefffff,
		.type = IOMMUFD_RESV_MSI,
	};
	return 1;
}

/* ------------------------------------------------------------- domains */

static struct vtd_dmar *to_dmar(struct iommu_domain *d)
{
	return container_of(d, struct vtd_dmar, domain);
}

static int dmar_iopt_map(struct iopt_domain *iopt, uint64_t iova,
			 uint64_t paddr, uint64_t len, int prot)
{
	struct vtd_dmar *dm = to_dmar(container_of(iopt, struct iommu_domain,
						   iopt));

	return pt_domain_map(&dm->vd.pt, iova, paddr, len, prot);
}

static uint64_t dmar_iopt_unmap(struct iopt_domain *iopt, uint64_t iova,
				uint64_t len)
{
	struct vtd_dmar *dm = to_dmar(container_of(iopt, struct iommu_domain,
						   iopt));

	uint64_t unmapped = pt_domain_unmap(&dm->vd.pt, iova, len);

	/* iommu_iotlb_sync() after the unmap */
	iommu_iotlb_flush(&dm->domain, iova, len);
	return unmapped;
}

static const struct iopt_domain_ops dmar_iopt_ops = {
	.map = dmar_iopt_map,
	.unmap = dmar_iopt_unmap,
};

static void dmar_free(struct iommu_domain *d)
{
	struct vtd_dmar *dm = to_dmar(d);

	while (dm->devs)
		vtd_block_dev(dm->devs->dev);
	if (d->type == IOMMU_DOMAIN_PAGING)
		vtd_domain_destroy(&dm->vd);
	free(dm);
}

static void link_dev(struct vtd_dmar *dm, struct vtd_dev *vdev)
{
	unlink_dev(vdev);
	vdev->domain = dm;
	vdev->next = dm->devs;
	dm->devs = vdev;
}

/* the stage-2 domain a device's entry is built from */
static bool dmar_dirty_tracking(const struct vtd_dmar *s2)
{
	return s2->vd.dirty_tracking;
}

/* prepare_domain_attach_device() */
static int prepare_attach(struct vtd_dmar *s2, struct iommufd_dev *dev)
{
	struct vtd_iommu *v = dev_vtd(dev);

	if (s2->force_snooping && !ECAP_SC(v->ecap))
		return -EINVAL;
	if (iommu_domain_has_dirty_ops(&s2->domain) && !ssads_supported(v))
		return -EINVAL;
	/* The model cannot knock levels off a table built deeper */
	if (v->agaw < s2->vd.cfg.agaw)
		return -EINVAL;
	return 0;
}

static int dmar_attach_dev(struct iommu_domain *d, struct iommufd_dev *dev)
{
	struct vtd_dmar *dm = to_dmar(d);
	struct vtd_dev *vdev = dev->drv;
	int rc;

	rc = prepare_attach(dm, dev);
	if (rc)
		return rc;
	link_dev(dm, vdev);
	iotlb_flush_all(&dev->iotlb);
	vtd_pasid_setup_second_level(&vdev->pe, dm->vd.pt.table.root,
				     dm->vd.cfg.agaw, dm->did,
				     ECAP_SMPWC(dev_vtd(dev)->ecap),
				     dmar_dirty_tracking(dm));
	return 0;
}

static bool dmar_enforce_cc(struct iommu_domain *d)
{
	struct vtd_dmar *dm = to_dmar(d);

	/* at allocation: no device and no mapping yet */
	dm->force_snooping = true;
	dm->vd.set_pte_snp = true;
	return true;
}

static int dmar_set_dirty_tracking(struct iommu_domain *d, bool enable)
{
	struct vtd_dmar *dm = to_dmar(d);
	struct iommufd_dev *any;
	struct vtd_dev *vdev;

	if (dm->vd.dirty_tracking == enable)
		return 0;
	for (vdev = dm->devs; vdev; vdev = vdev->next)
		vtd_pasid_set_ssade(&vdev->pe, enable);
	/* devices on nested children walk this table as their stage 2 */
	for (any = dm->domain.iommu->platform->devs; any; any = any->next) {
		struct vtd_dev *other = any->drv;

		if (any->iommu->driver == &iommu_vtd_driver && other->domain &&
		    other->domain->s2 == dm)
			vtd_pasid_set_ssade(&other->pe, enable);
	}
	dm->vd.dirty_tracking = enable;
	return 0;
}

static void report_dirty(void *arg, uint64_t iova, uint64_t size)
{
	iova_bitmap_set(arg, iova, size);
}

static int dmar_read_and_clear_dirty(struct iommu_domain *d, uint64_t iova,
				     uint64_t size, unsigned int flags,
				     struct iova_bitmap *dirty)
{
	return vtd_domain_read_and_clear_dirty(
		&to_dmar(d)->vd, iova, size,
		/* the bitmap gets the same bits from merged runs */
		PT_DIRTY_MERGE |
			((flags & IOMMU_DIRTY_NO_CLEAR) ? PT_DIRTY_NO_CLEAR : 0),
		dirty != NULL, report_dirty, dirty);
}

static uint64_t dmar_iova_to_phys(struct iommu_domain *d, uint64_t iova)
{
	uint64_t pa;

	if (!pt_lookup(&to_dmar(d)->vd.pt.table, iova, NULL, NULL, NULL))
		pa = pt_iova_to_phys(&to_dmar(d)->vd.pt.table, iova);
	else
		pa = UINT64_MAX;
	return pa;
}

static const struct iommu_domain_ops dmar_paging_ops = {
	.free = dmar_free,
	.iova_to_phys = dmar_iova_to_phys,
	.attach_dev = dmar_attach_dev,
	.enforce_cache_coherency = dmar_enforce_cc,
};

static const struct iommu_domain_ops dmar_dirty_ops = {
	.free = dmar_free,
	.iova_to_phys = dmar_iova_to_phys,
	.attach_dev = dmar_attach_dev,
	.enforce_cache_coherency = dmar_enforce_cc,
	.set_dirty_tracking = dmar_set_dirty_tracking,
	.read_and_clear_dirty = dmar_read_and_clear_dirty,
};

/* --------------------------------------------------------------- nested */

static int nested_attach_dev(struct iommu_domain *d, struct iommufd_dev *dev)
{
	struct vtd_dmar *dm = to_dmar(d);
	struct vtd_iommu *v = dev_vtd(dev);
	struct vtd_dev *vdev = dev->drv;
	int rc;

	if (v->agaw < dm->s2->vd.cfg.agaw)
		return -ENODEV;
	rc = prepare_attach(dm->s2, dev);
	if (rc)
		return rc;
	/* intel_pasid_setup_nested()'s checks of the stage-1 config */
	if (dm->s1_cfg.addr_width == ADDR_WIDTH_5LEVEL) {
		if (!CAP_FL5LP(v->cap))
			return -EINVAL;
	} else if (dm->s1_cfg.addr_width != ADDR_WIDTH_4LEVEL) {
		return -EINVAL;
	}
	if ((dm->s1_cfg.flags & IOMMU_VTD_S1_SRE) && !ECAP_SRS(v->ecap))
		return -EINVAL;
	if ((dm->s1_cfg.flags & IOMMU_VTD_S1_EAFE) && !ECAP_EAFS(v->ecap))
		return -EINVAL;
	link_dev(dm, vdev);
	iotlb_flush_all(&dev->iotlb);
	vtd_pasid_setup_nested(&vdev->pe, dm->s1_cfg.pgtbl_addr,
			       dm->s1_cfg.addr_width == ADDR_WIDTH_5LEVEL,
			       (uint32_t)dm->s1_cfg.flags,
			       dm->s2->vd.pt.table.root, dm->s2->vd.cfg.agaw,
			       dm->did, dm->s2->force_snooping,
			       ECAP_SMPWC(v->ecap), dmar_dirty_tracking(dm->s2));
	return 0;
}

static int nested_cache_invalidate_user(struct iommu_domain *d,
					struct iommufd_ctx *ictx,
					struct iommu_user_data_array *array)
{
	struct iommu_hwpt_vtd_s1_invalidate inv;
	uint32_t index, processed = 0;
	int rc = 0;

	if (array->type != IOMMU_HWPT_INVALIDATE_DATA_VTD_S1) {
		rc = -EINVAL;
		goto out;
	}
	for (index = 0; index < array->entry_num; index++) {
		rc = iommu_copy_struct_from_user_array(
			ictx, &inv, sizeof(inv),
			offsetof(struct iommu_hwpt_vtd_s1_invalidate, __reserved) +
				sizeof(inv.__reserved),
			IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, array, index);
		if (rc)
			break;
		if ((inv.flags & ~IOMMU_VTD_INV_FLAGS_LEAF) || inv.__reserved) {
			rc = -EOPNOTSUPP;
			break;
		}
		if ((inv.addr & (PT_GRANULE - 1)) ||
		    (inv.npages == UINT64_MAX && inv.addr)) {
			rc = -EINVAL;
			break;
		}
		/* the guest's stage-1 change becomes visible from here on */
		iommu_iotlb_flush(d, inv.addr,
				  inv.npages >= (UINT64_MAX >> 12) ?
					  0 - inv.addr :
					  inv.npages << 12);
		processed++;
	}
out:
	array->entry_num = processed;
	return rc;
}

static void nested_free(struct iommu_domain *d)
{
	struct vtd_dmar *dm = to_dmar(d);

	while (dm->devs)
		vtd_block_dev(dm->devs->dev);
	free(dm);
}

static const struct iommu_domain_ops dmar_nested_ops = {
	.free = nested_free,
	.attach_dev = nested_attach_dev,
	.cache_invalidate_user = nested_cache_invalidate_user,
};

static struct iommu_domain *nested_alloc(struct iommufd_dev *dev,
					 struct iommufd_ctx *ictx,
					 struct iommu_domain *parent,
					 const struct iommu_user_data *data,
					 int *err)
{
	struct vtd_dmar *s2 = to_dmar(parent), *dm;
	struct iommu_hwpt_vtd_s1 cfg;

	if (data->type != IOMMU_HWPT_DATA_VTD_S1) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if ((parent->ops != &dmar_paging_ops &&
	     parent->ops != &dmar_dirty_ops) ||
	    !s2->vd.cfg.nested_parent) {
		*err = -EINVAL;
		return NULL;
	}
	*err = iommu_copy_struct_from_user(ictx, &cfg, sizeof(cfg),
					   sizeof(cfg), IOMMU_HWPT_DATA_VTD_S1,
					   data);
	if (*err)
		return NULL;
	dm = calloc(1, sizeof(*dm));
	if (!dm) {
		*err = -ENOMEM;
		return NULL;
	}
	dm->domain.type = IOMMU_DOMAIN_NESTED;
	dm->domain.ops = &dmar_nested_ops;
	dm->domain.iommu = dev->iommu;
	dm->domain.parent = parent;
	dm->iommu = dev_vtd(dev);
	dm->did = dm->iommu->next_did++;
	dm->s2 = s2;
	dm->s1_cfg = cfg;
	return &dm->domain;
}

static struct iommu_domain *vtd_domain_alloc_user(
	struct iommufd_dev *dev, struct iommufd_ctx *ictx, uint32_t flags,
	struct iommu_domain *parent, const struct iommu_user_data *data,
	int *err)
{
	struct vtd_iommu *v = dev_vtd(dev);
	bool dirty = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	bool nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	struct vtd_domain_cfg cfg;
	struct vtd_dmar *dm;

	if (parent) {
		if (!nested_supported(v) || flags) {
			*err = -EOPNOTSUPP;
			return NULL;
		}
		return nested_alloc(dev, ictx, parent, data, err);
	}
	if ((flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT |
		       IOMMU_HWPT_ALLOC_DIRTY_TRACKING)) ||
	    (nest_parent && !nested_supported(v)) || data ||
	    (dirty && !ssads_supported(v))) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	dm = calloc(1, sizeof(*dm));
	if (!dm) {
		*err = -ENOMEM;
		return NULL;
	}
	/* paging_domain_alloc(dev, false): always a second-stage table */
	cfg = (struct vtd_domain_cfg){
		.first_stage = false,
		.agaw = v->agaw,
		.gaw = addr_width(v),
		.superpage = CAP_SLLPS(v->cap) ?
				     32 - __builtin_clz(CAP_SLLPS(v->cap)) :
				     0,
		.nested_parent = nest_parent,
	};
	if (cfg.superpage > 2)
		cfg.superpage = 2;
	*err = vtd_domain_init(&dm->vd, pt_phys_mem(&v->phys), &cfg);
	if (*err) {
		free(dm);
		return NULL;
	}
	dm->iommu = v;
	dm->did = v->next_did++;
	dm->domain.type = IOMMU_DOMAIN_PAGING;
	dm->domain.ops = dirty ? &dmar_dirty_ops : &dmar_paging_ops;
	dm->domain.iommu = dev->iommu;
	dm->domain.iopt = dm->vd.pt.iopt;
	dm->domain.iopt.ops = &dmar_iopt_ops;
	return &dm->domain;
}

/* The hardware walk from the device's RID_PASID entry */
static int vtd_translate(struct iommufd_dev *dev, const struct iommufd_mem *mem,
			 uint64_t iova, bool write, uint64_t *pa)
{
	struct vtd_dev *vdev = dev->drv;
	struct pt_xlate_result res;
	enum pt_fault fault;

	if (!vdev->domain)
		return -ENODEV;
	fault = vtd_pasid_translate(&vdev->pe, pt_phys_mem(&dev_vtd(dev)->phys),
				    iommufd_user_pt_mem(mem), iova,
				    write ? PT_ACCESS_WRITE : PT_ACCESS_READ,
				    false, &res);
	if (fault)
		return iommufd_pt_fault_errno(fault);
	*pa = res.pa;
	return 0;
}

/*
 * intel_iommu_enable_iopf(). ATS must be on: since binding put the device
 * on the blocking domain, that is only after a paging domain attach, so
 * 6.12 cannot attach a fault HWPT to a fresh binding, only replace a
 * paging attachment with one. Its other refusals cannot happen here:
 * iommufd enables once per device however many attachments want it (no
 * EBUSY), and the model's devices need no PASID in a PRG response.
 */
static int vtd_enable_iopf(struct iommufd_dev *dev, bool *queued)
{
	struct vtd_dev *vdev = dev->drv;

	/*
	 * info->ats_enabled: iommu_enable_pci_caps() at a paging attach sets
	 * it; device_block_translation(), which blocking and nested attaches
	 * go through, clears it
	 */
	if (!vdev->domain || vdev->domain->s2 || !pri_supported(dev))
		return -ENODEV;
	*queued = true;
	return 0;
}

/*
 * prq_event_thread(): a request without a PASID is a bad request,
 * answered INVALID without reaching the core
 */
static bool vtd_prq_refuses(struct iommufd_dev *dev,
			    const struct iommufd_page_request *req)
{
	(void)dev;
	return !req->pasid_valid;
}

const struct iommu_driver iommu_vtd_driver = {
	.name = "intel-iommu",
	.has_iotlb = true,
	.iommu_init = vtd_iommu_init,
	.iommu_release = vtd_iommu_release,
	.probe_device = vtd_probe_device,
	.release_device = vtd_release_device,
	.block_dev = vtd_block_dev,
	.translate = vtd_translate,
	.capable = vtd_capable,
	.hw_info = vtd_hw_info,
	.domain_alloc_user = vtd_domain_alloc_user,
	.resv_regions = vtd_resv_regions,
	.max_pasid_log2 = vtd_max_pasid_log2,
	.enable_iopf = vtd_enable_iopf,
	.prq_refuses = vtd_prq_refuses,
};
