// SPDX-License-Identifier: MIT
/*
 * The AMD IOMMU driver as iommufd meets it (drivers/iommu/amd/iommu.c):
 * v1 page tables, no nesting and no GET_HW_INFO data in 6.12, dirty
 * tracking when the Extended Feature Register has HDSup, and device-table
 * entries whose HAD bits follow the domain's tracking state.
 */
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "amd/amd.h"
#include "pt/phys.h"

/* Extended Feature Register (amd_iommu_types.h) */
#define FEATURE_GT (1ull << 4)
#define FEATURE_PASMAX_SHIFT 32
#define FEATURE_PASMAX_MASK 0x1full
#define FEATURE_HDSUP (1ull << 52)

/* Defaults: guest translation with 16-bit PASIDs and host dirty support */
#define AMD_DEFAULT_EFR (FEATURE_GT | (15ull << FEATURE_PASMAX_SHIFT) | FEATURE_HDSUP)

struct amd_iommu {
	uint64_t efr;
	struct pt_phys phys;
	uint16_t next_domid;
};

struct amd_pdom;

struct amd_dev {
	struct iommufd_dev *dev;
	struct amd_dte dte;
	struct amd_pdom *domain;
	struct amd_dev *next;
};

struct amd_pdom {
	struct iommu_domain domain;
	struct amd_domain ad;
	uint16_t domid;
	struct amd_dev *devs;
};

static struct amd_iommu *dev_amd(const struct iommufd_dev *dev)
{
	return dev->iommu->drv;
}

static bool hd_support(const struct amd_iommu *a)
{
	return a->efr & FEATURE_HDSUP;
}

static int amd_iommu_init(struct iommufd_iommu *iommu)
{
	struct amd_iommu *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->efr = iommu->desc.amd_efr ? iommu->desc.amd_efr : AMD_DEFAULT_EFR;
	a->next_domid = 1;
	pt_phys_init(&a->phys, PT_PHYS_BASE);
	iommu->drv = a;
	return 0;
}

static void amd_iommu_release(struct iommufd_iommu *iommu)
{
	struct amd_iommu *a = iommu->drv;

	pt_phys_destroy(&a->phys);
	free(a);
}

static int amd_probe_device(struct iommufd_dev *dev)
{
	struct amd_dev *adev = calloc(1, sizeof(*adev));

	if (!adev)
		return -ENOMEM;
	adev->dev = dev;
	dev->drv = adev;
	return 0;
}

static void unlink_dev(struct amd_dev *adev)
{
	struct amd_dev **pp;

	if (!adev->domain)
		return;
	for (pp = &adev->domain->devs; *pp != adev; pp = &(*pp)->next)
		;
	*pp = adev->next;
	adev->domain = NULL;
}

static void amd_block_dev(struct iommufd_dev *dev)
{
	struct amd_dev *adev = dev->drv;

	unlink_dev(adev);
	/* a DTE change is followed by INVALIDATE_DEVTAB_ENTRY and IOTLB */
	iotlb_flush_all(&dev->iotlb);
	amd_dte_clear(&adev->dte);
}

static void amd_release_device(struct iommufd_dev *dev)
{
	amd_block_dev(dev);
	free(dev->drv);
}

static bool amd_capable(struct iommufd_dev *dev, enum iommu_cap cap)
{
	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
	case IOMMU_CAP_ENFORCE_CACHE_COHERENCY:
	case IOMMU_CAP_DEFERRED_FLUSH:
		return true;
	case IOMMU_CAP_DIRTY_TRACKING:
		return hd_support(dev_amd(dev));
	default:
		return false;
	}
}

static uint8_t amd_max_pasid_log2(struct iommufd_dev *dev)
{
	struct amd_iommu *a = dev_amd(dev);
	uint64_t max;

	if (!(a->efr & FEATURE_GT) || !dev->desc.max_pasids)
		return 0;
	max = (1ull << (((a->efr >> FEATURE_PASMAX_SHIFT) &
			 FEATURE_PASMAX_MASK) + 1)) - 1;
	if (dev->desc.max_pasids < max)
		max = dev->desc.max_pasids;
	return 63 - __builtin_clzll(max);
}

/* amd_iommu_get_resv_regions(): the MSI window and HyperTransport */
static size_t amd_resv_regions(struct iommufd_dev *dev,
			       struct iommufd_resv_region *out, size_t max)
{
	static const struct iommufd_resv_region regions[] = {
		{ 0xfee00000, 0xfeefffff, IOMMUFD_RESV_MSI },
		{ 0xfd00000000ull, 0xffffffffffull, IOMMUFD_RESV_RESERVED },
	};
	size_t n = max < 2 ? max : 2;

	memcpy(out, regions, n * sizeof(*out));
	return n;
}

static struct amd_pdom *to_pdom(struct iommu_domain *d)
{
	return container_of(d, struct amd_pdom, domain);
}

static int pdom_iopt_map(struct iopt_domain *iopt, uint64_t iova,
			 uint64_t paddr, uint64_t len, int prot)
{
	struct amd_pdom *pd = to_pdom(container_of(iopt, struct iommu_domain,
						   iopt));

	return pt_domain_map(&pd->ad.pt, iova, paddr, len, prot);
}

static uint64_t pdom_iopt_unmap(struct iopt_domain *iopt, uint64_t iova,
				uint64_t len)
{
	struct amd_pdom *pd = to_pdom(container_of(iopt, struct iommu_domain,
						   iopt));

	uint64_t unmapped = pt_domain_unmap(&pd->ad.pt, iova, len);

	iommu_iotlb_flush(&pd->domain, iova, len);
	return unmapped;
}

static const struct iopt_domain_ops pdom_iopt_ops = {
	.map = pdom_iopt_map,
	.unmap = pdom_iopt_unmap,
};

/* The table gained a level: every DTE pointing at it follows */
static void pdom_grown(struct pt_table *t, void *arg)
{
	struct amd_pdom *pd = arg;
	struct amd_dev *adev;

	for (adev = pd->devs; adev; adev = adev->next)
		amd_domain_set_dte(&pd->ad, &adev->dte, pd->domid);
}

static void pdom_free(struct iommu_domain *d)
{
	struct amd_pdom *pd = to_pdom(d);

	while (pd->devs)
		amd_block_dev(pd->devs->dev);
	amd_domain_destroy(&pd->ad);
	free(pd);
}

static int pdom_attach_dev(struct iommu_domain *d, struct iommufd_dev *dev)
{
	struct amd_pdom *pd = to_pdom(d);
	struct amd_dev *adev = dev->drv;

	if (iommu_domain_has_dirty_ops(d) && !hd_support(dev_amd(dev)))
		return -EINVAL;
	unlink_dev(adev);
	adev->domain = pd;
	adev->next = pd->devs;
	pd->devs = adev;
	iotlb_flush_all(&dev->iotlb);
	amd_domain_set_dte(&pd->ad, &adev->dte, pd->domid);
	return 0;
}

static bool pdom_enforce_cc(struct iommu_domain *d)
{
	return true;
}

static int pdom_set_dirty_tracking(struct iommu_domain *d, bool enable)
{
	struct amd_pdom *pd = to_pdom(d);
	struct amd_dev *adev;

	if (pd->ad.dirty_tracking == enable)
		return 0;
	for (adev = pd->devs; adev; adev = adev->next)
		amd_dte_set_had(&adev->dte, enable);
	pd->ad.dirty_tracking = enable;
	return 0;
}

static void report_dirty(void *arg, uint64_t iova, uint64_t size)
{
	iova_bitmap_set(arg, iova, size);
}

static int pdom_read_and_clear_dirty(struct iommu_domain *d, uint64_t iova,
				     uint64_t size, unsigned int flags,
				     struct iova_bitmap *dirty)
{
	return amd_domain_read_and_clear_dirty(
		&to_pdom(d)->ad, iova, size,
		/* the bitmap gets the same bits from merged runs */
		PT_DIRTY_MERGE |
			((flags & IOMMU_DIRTY_NO_CLEAR) ? PT_DIRTY_NO_CLEAR : 0),
		dirty != NULL, report_dirty, dirty);
}

static uint64_t pdom_iova_to_phys(struct iommu_domain *d, uint64_t iova)
{
	struct pt_table *t = &to_pdom(d)->ad.pt.table;

	return pt_lookup(t, iova, NULL, NULL, NULL) ? UINT64_MAX :
						       pt_iova_to_phys(t, iova);
}

static const struct iommu_domain_ops pdom_ops = {
	.free = pdom_free,
	.iova_to_phys = pdom_iova_to_phys,
	.attach_dev = pdom_attach_dev,
	.enforce_cache_coherency = pdom_enforce_cc,
};

static const struct iommu_domain_ops pdom_dirty_ops = {
	.free = pdom_free,
	.iova_to_phys = pdom_iova_to_phys,
	.attach_dev = pdom_attach_dev,
	.enforce_cache_coherency = pdom_enforce_cc,
	.set_dirty_tracking = pdom_set_dirty_tracking,
	.read_and_clear_dirty = pdom_read_and_clear_dirty,
};

static struct iommu_domain *amd_domain_alloc_user(
	struct iommufd_dev *dev, struct iommufd_ctx *ictx, uint32_t flags,
	struct iommu_domain *parent, const struct iommu_user_data *data,
	int *err)
{
	struct amd_iommu *a = dev_amd(dev);
	bool dirty = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct amd_pdom *pd;

	/* no nesting in 6.12's AMD driver */
	if ((flags & ~IOMMU_HWPT_ALLOC_DIRTY_TRACKING) || parent || data) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if (dirty && !hd_support(a)) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	pd = calloc(1, sizeof(*pd));
	if (!pd) {
		*err = -ENOMEM;
		return NULL;
	}
	/* v1 tables: every page size, the whole 64-bit space */
	*err = amd_domain_init(&pd->ad, pt_phys_mem(&a->phys), AMD_V1_PGSIZES,
			       UINT64_MAX);
	if (*err) {
		free(pd);
		return NULL;
	}
	pd->ad.pt.table.on_grow = pdom_grown;
	pd->ad.pt.table.on_grow_arg = pd;
	pd->domid = a->next_domid++;
	pd->domain.type = IOMMU_DOMAIN_PAGING;
	pd->domain.ops = dirty ? &pdom_dirty_ops : &pdom_ops;
	pd->domain.iommu = dev->iommu;
	pd->domain.iopt = pd->ad.pt.iopt;
	pd->domain.iopt.ops = &pdom_iopt_ops;
	return &pd->domain;
}

/* The hardware walk from the device's DTE */
static int amd_translate(struct iommufd_dev *dev, const struct iommufd_mem *mem,
			 uint64_t iova, bool write, uint64_t *pa)
{
	struct amd_dev *adev = dev->drv;
	struct pt_xlate_result res;
	enum pt_fault fault;

	if (!adev->domain)
		return -ENODEV;
	fault = amd_dte_translate(&adev->dte, pt_phys_mem(&dev_amd(dev)->phys),
				  iova, write ? PT_ACCESS_WRITE : PT_ACCESS_READ,
				  &res);
	if (fault)
		return iommufd_pt_fault_errno(fault);
	*pa = res.pa;
	return 0;
}

/*
 * amd_iommu_iopf_add_device(): a device without PRI enabled is accepted
 * and queued nowhere. No model AMD device has PRI, so that is every one.
 */
static int amd_enable_iopf(struct iommufd_dev *dev, bool *queued)
{
	(void)dev;
	*queued = false;
	return 0;
}

const struct iommu_driver iommu_amd_driver = {
	.name = "amd-iommu",
	.has_iotlb = true,
	.iommu_init = amd_iommu_init,
	.iommu_release = amd_iommu_release,
	.probe_device = amd_probe_device,
	.release_device = amd_release_device,
	.block_dev = amd_block_dev,
	.translate = amd_translate,
	.capable = amd_capable,
	.domain_alloc_user = amd_domain_alloc_user,
	.resv_regions = amd_resv_regions,
	.max_pasid_log2 = amd_max_pasid_log2,
	.enable_iopf = amd_enable_iopf,
};
