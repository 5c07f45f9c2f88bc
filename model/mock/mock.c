// SPDX-License-Identifier: MIT
/*
 * The selftest mock IOMMU driver. Every mock device is its own group,
 * always cache coherent, with no reserved regions; its domains accept any
 * mock device except that a dirty-tracking domain refuses a NO_DIRTY one.
 */
#include <stdlib.h>
#include <string.h>

#include <iommufd/uapi_test.h>

#include "private.h"
#include "u64map.h"
#include "mock/mock.h"

/* entry value: PA / 2 KiB, then flag bits */
#define MOCK_PFN_MASK ((1ull << 53) - 1)
#define MOCK_PFN_START_IOVA (1ull << 53)
#define MOCK_PFN_LAST_IOVA MOCK_PFN_START_IOVA
#define MOCK_PFN_DIRTY_IOVA (1ull << 54)
#define MOCK_PFN_HUGE_IOVA (1ull << 55)

struct mock_domain {
	struct iommu_domain domain;
	/* fail-nth: "current", the task of the context that allocated it */
	const struct iommufd_env *env;
	struct u64map pfns;
	bool dirty_ops;
	bool dirty_track;
};

struct mock_nested {
	struct iommu_domain domain;
	uint32_t iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM];
};

static const struct iommu_domain_ops mock_paging_ops;
static const struct iommu_domain_ops mock_dirty_ops;
static const struct iommu_domain_ops mock_nested_ops;

static struct mock_domain *to_mock(struct iommu_domain *d)
{
	return container_of(d, struct mock_domain, domain);
}

bool mock_domain_is_paging(const struct iommu_domain *d)
{
	return d->ops == &mock_paging_ops || d->ops == &mock_dirty_ops;
}

bool mock_domain_is_nested(const struct iommu_domain *d)
{
	return d->ops == &mock_nested_ops;
}

static bool mock_capable(struct iommufd_dev *dev, enum iommu_cap cap)
{
	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return true;
	case IOMMU_CAP_DIRTY_TRACKING:
		return !(dev->desc.mock_flags & MOCK_FLAGS_DEVICE_NO_DIRTY);
	default:
		return false;
	}
}

static int mock_hw_info(struct iommufd_dev *dev, void *data, uint32_t *len,
			uint32_t *type)
{
	struct iommu_test_hw_info info = {
		.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL,
	};

	memcpy(data, &info, sizeof(info));
	*len = sizeof(info);
	*type = IOMMU_HW_INFO_TYPE_SELFTEST;
	return 0;
}

/* mock_domain_nop_attach() */
static int mock_attach_dev(struct iommu_domain *d, struct iommufd_dev *dev)
{
	if (iommu_domain_has_dirty_ops(d) &&
	    (dev->desc.mock_flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return 0;
}

static void mock_domain_free(struct iommu_domain *d)
{
	struct mock_domain *mock = to_mock(d);

	u64map_destroy(&mock->pfns);
	free(mock);
}

static int mock_map_pages(struct iommu_domain *d, uint64_t iova,
			  uint64_t paddr, uint64_t pgsize, uint64_t pgcount,
			  int prot, uint64_t *mapped)
{
	struct mock_domain *mock = to_mock(d);
	uint64_t flags = MOCK_PFN_START_IOVA, start_iova = iova;

	/* fail-nth: the mock's own point, xarray has none that works */
	if (mock->env && iommufd_should_fail(mock->env))
		return -ENOENT;

	for (; pgcount; pgcount--) {
		uint64_t cur;

		for (cur = 0; cur != pgsize; cur += MOCK_IO_PAGE_SIZE) {
			if (pgcount == 1 && cur + MOCK_IO_PAGE_SIZE == pgsize)
				flags = MOCK_PFN_LAST_IOVA;
			if (pgsize != MOCK_IO_PAGE_SIZE)
				flags |= MOCK_PFN_HUGE_IOVA;
			if (u64map_store(&mock->pfns, iova / MOCK_IO_PAGE_SIZE,
					 (paddr / MOCK_IO_PAGE_SIZE) | flags)) {
				for (; start_iova != iova;
				     start_iova += MOCK_IO_PAGE_SIZE)
					u64map_erase(&mock->pfns,
						     start_iova / MOCK_IO_PAGE_SIZE);
				return -ENOMEM;
			}
			iova += MOCK_IO_PAGE_SIZE;
			paddr += MOCK_IO_PAGE_SIZE;
			*mapped += MOCK_IO_PAGE_SIZE;
			flags = 0;
		}
	}
	return 0;
}

static uint64_t mock_unmap_pages(struct iommu_domain *d, uint64_t iova,
				 uint64_t pgsize, uint64_t pgcount)
{
	struct mock_domain *mock = to_mock(d);
	uint64_t ret = 0;

	for (; pgcount; pgcount--) {
		uint64_t cur;

		for (cur = 0; cur != pgsize; cur += MOCK_IO_PAGE_SIZE) {
			u64map_erase(&mock->pfns, iova / MOCK_IO_PAGE_SIZE);
			iova += MOCK_IO_PAGE_SIZE;
			ret += MOCK_IO_PAGE_SIZE;
		}
	}
	return ret;
}

static int mock_set_dirty_tracking(struct iommu_domain *d, bool enable)
{
	to_mock(d)->dirty_track = enable;
	return 0;
}

/* Test, and unless NO_CLEAR clear, DIRTY on every IO page of one IOPTE */
static bool test_and_clear_dirty(struct mock_domain *mock, uint64_t head,
				 uint64_t pgsize, unsigned int flags)
{
	uint64_t cur, end = head + pgsize - 1, val;
	bool dirty = false;

	for (cur = head; cur < end; cur += MOCK_IO_PAGE_SIZE) {
		if (!u64map_load(&mock->pfns, cur / MOCK_IO_PAGE_SIZE, &val) ||
		    !(val & MOCK_PFN_DIRTY_IOVA))
			continue;
		dirty = true;
		if (!(flags & IOMMU_DIRTY_NO_CLEAR))
			u64map_store(&mock->pfns, cur / MOCK_IO_PAGE_SIZE,
				     val & ~MOCK_PFN_DIRTY_IOVA);
	}
	return dirty;
}

static int mock_read_and_clear_dirty(struct iommu_domain *d, uint64_t iova,
				     uint64_t size, unsigned int flags,
				     struct iova_bitmap *dirty)
{
	struct mock_domain *mock = to_mock(d);
	uint64_t end = iova + size, val;

	if (!mock->dirty_track && dirty)
		return -EINVAL;
	do {
		uint64_t pgsize = MOCK_IO_PAGE_SIZE;

		if (!u64map_load(&mock->pfns, iova / MOCK_IO_PAGE_SIZE, &val)) {
			iova += pgsize;
			continue;
		}
		if (val & MOCK_PFN_HUGE_IOVA)
			pgsize = MOCK_HUGE_PAGE_SIZE;
		/* the record starts at the walk position, not the IOPTE */
		if (test_and_clear_dirty(mock, iova & ~(pgsize - 1), pgsize,
					 flags))
			iova_bitmap_set(dirty, iova, pgsize);
		iova += pgsize;
	} while (iova < end);
	return 0;
}

static const struct iommu_domain_ops mock_paging_ops = {
	.free = mock_domain_free,
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.attach_dev = mock_attach_dev,
};

static const struct iommu_domain_ops mock_dirty_ops = {
	.free = mock_domain_free,
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.attach_dev = mock_attach_dev,
	.set_dirty_tracking = mock_set_dirty_tracking,
	.read_and_clear_dirty = mock_read_and_clear_dirty,
};

static void mock_nested_free(struct iommu_domain *d)
{
	free(container_of(d, struct mock_nested, domain));
}

static int mock_cache_invalidate_user(struct iommu_domain *d,
				      struct iommufd_ctx *ictx,
				      struct iommu_user_data_array *array)
{
	struct mock_nested *nested = container_of(d, struct mock_nested, domain);
	struct iommu_hwpt_invalidate_selftest inv;
	uint32_t processed = 0, i, j;
	int rc = 0;

	if (array->type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i < array->entry_num; i++) {
		rc = iommu_copy_struct_from_user_array(
			ictx, &inv, sizeof(inv),
			offsetof(struct iommu_hwpt_invalidate_selftest, iotlb_id) +
				sizeof(inv.iotlb_id),
			IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, array, i);
		if (rc)
			break;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			rc = -EOPNOTSUPP;
			break;
		}
		if (inv.iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) {
			rc = -EINVAL;
			break;
		}
		if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			for (j = 0; j < MOCK_NESTED_DOMAIN_IOTLB_NUM; j++)
				nested->iotlb[j] = 0;
		} else {
			nested->iotlb[inv.iotlb_id] = 0;
		}
		processed++;
	}
out:
	array->entry_num = processed;
	return rc;
}

static const struct iommu_domain_ops mock_nested_ops = {
	.free = mock_nested_free,
	.attach_dev = mock_attach_dev,
	.cache_invalidate_user = mock_cache_invalidate_user,
};

static struct iommu_domain *mock_alloc_paging(struct iommufd_dev *dev,
					      struct iommufd_ctx *ictx,
					      bool dirty, int *err)
{
	struct mock_domain *mock;
	uint64_t pgsizes = MOCK_IO_PAGE_SIZE;

	/* fail-nth: the mock's kzalloc of the domain */
	mock = iommufd_should_fail_slab(ictx->env) ? NULL :
						      calloc(1, sizeof(*mock));
	if (!mock) {
		*err = -ENOMEM;
		return NULL;
	}
	if (dev->desc.mock_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		pgsizes |= MOCK_HUGE_PAGE_SIZE;
	iommu_domain_init_paging(&mock->domain, pgsizes, MOCK_APERTURE_START,
				 MOCK_APERTURE_LAST);
	mock->domain.ops = dirty ? &mock_dirty_ops : &mock_paging_ops;
	mock->domain.iommu = dev->iommu;
	mock->env = ictx->env;
	u64map_init(&mock->pfns);
	return &mock->domain;
}

static struct iommu_domain *
mock_domain_alloc_user(struct iommufd_dev *dev, struct iommufd_ctx *ictx,
		       uint32_t flags, struct iommu_domain *parent,
		       const struct iommu_user_data *data, int *err)
{
	struct iommu_hwpt_selftest cfg;
	struct mock_nested *nested;
	unsigned int i;

	if (!parent) {
		bool dirty = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;

		if (flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT |
			      IOMMU_HWPT_ALLOC_DIRTY_TRACKING)) {
			*err = -EOPNOTSUPP;
			return NULL;
		}
		if (data || (dirty && (dev->desc.mock_flags &
				       MOCK_FLAGS_DEVICE_NO_DIRTY))) {
			*err = -EOPNOTSUPP;
			return NULL;
		}
		return mock_alloc_paging(dev, ictx, dirty, err);
	}

	if (data->type != IOMMU_HWPT_DATA_SELFTEST || flags) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	if (!mock_domain_is_paging(parent)) {
		*err = -EINVAL;
		return NULL;
	}
	*err = iommu_copy_struct_from_user(ictx, &cfg, sizeof(cfg),
					   sizeof(cfg.iotlb),
					   IOMMU_HWPT_DATA_SELFTEST, data);
	if (*err)
		return NULL;
	nested = calloc(1, sizeof(*nested));
	if (!nested) {
		*err = -ENOMEM;
		return NULL;
	}
	nested->domain.type = IOMMU_DOMAIN_NESTED;
	nested->domain.ops = &mock_nested_ops;
	nested->domain.iommu = dev->iommu;
	nested->domain.parent = parent;
	for (i = 0; i < MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		nested->iotlb[i] = cfg.iotlb;
	return &nested->domain;
}

bool mock_domain_iova_to_phys(struct iommu_domain *d, uint64_t iova,
			      uint64_t *pa)
{
	uint64_t val;

	if (!u64map_load(&to_mock(d)->pfns, iova / MOCK_IO_PAGE_SIZE, &val))
		return false;
	*pa = (val & MOCK_PFN_MASK) * MOCK_IO_PAGE_SIZE;
	return true;
}

bool mock_domain_mark_dirty(struct iommu_domain *d, uint64_t index)
{
	struct mock_domain *mock = to_mock(d);
	uint64_t val;

	if (!u64map_load(&mock->pfns, index, &val))
		return false;
	u64map_store(&mock->pfns, index, val | MOCK_PFN_DIRTY_IOVA);
	return true;
}

bool mock_domain_dirty_tracking(const struct iommu_domain *d)
{
	return container_of(d, struct mock_domain, domain)->dirty_track;
}

uint32_t mock_nested_iotlb(const struct iommu_domain *d, unsigned int id)
{
	return container_of(d, struct mock_nested, domain)->iotlb[id];
}

/*
 * The mock has no hardware; its "walk" is a lookup of the page map, so
 * the selftest-style devices can still move data. It keeps no
 * permissions and sets no dirty bits (IOMMU_TEST_OP_DIRTY does that).
 */
static int mock_translate(struct iommufd_dev *dev,
			  const struct iommufd_mem *mem, uint64_t iova,
			  bool write, uint64_t *pa)
{
	struct iommufd_hw_pagetable *hwpt =
		dev->idev ? dev->idev->igroup->hwpt : NULL;
	struct iommu_domain *d;

	if (!hwpt)
		return -ENODEV;
	d = hwpt->domain;
	if (mock_domain_is_nested(d))
		d = d->parent;
	if (!mock_domain_iova_to_phys(d, iova & ~(MOCK_IO_PAGE_SIZE - 1), pa))
		return -EFAULT;
	*pa += iova & (MOCK_IO_PAGE_SIZE - 1);
	return 0;
}

/* 6.15's PASID-capable mock devices report their width */
static uint8_t mock_max_pasid_log2(struct iommufd_dev *dev)
{
	return dev->desc.max_pasids ? 31 - __builtin_clz(dev->desc.max_pasids) :
				      0;
}

/* mock_dev_enable_feat(): every mock device joins the mock's IOPF queue */
static int mock_enable_iopf(struct iommufd_dev *dev, bool *queued)
{
	(void)dev;
	*queued = true;
	return 0;
}

const struct iommu_driver iommu_mock_driver = {
	.name = "mock",
	.capable = mock_capable,
	.hw_info = mock_hw_info,
	.translate = mock_translate,
	.max_pasid_log2 = mock_max_pasid_log2,
	.domain_alloc_user = mock_domain_alloc_user,
	.enable_iopf = mock_enable_iopf,
};
