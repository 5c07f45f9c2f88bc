// SPDX-License-Identifier: MIT
/*
 * The parts of drivers/iommu/iommu.c that iommufd's behaviour depends on:
 * how iommu_map() cuts a run into hardware pages (pt_pgsize(), which
 * decides the page sizes the selftest mock reports), and the rules for
 * copying driver data in from user memory.
 */
#include <string.h>

#include "private.h"
#include "pt/pt.h"

static struct iommu_domain *to_domain(struct iopt_domain *d)
{
	return container_of(d, struct iommu_domain, iopt);
}

static uint64_t domain_unmap(struct iopt_domain *iopt_domain, uint64_t iova,
			     uint64_t size)
{
	struct iommu_domain *d = to_domain(iopt_domain);
	uint64_t unmapped = 0;

	while (unmapped < size) {
		uint64_t count, pgsize, got;

		pgsize = pt_pgsize(iopt_domain->pgsize_bitmap, iova, 0,
				      size - unmapped, &count);
		got = d->ops->unmap_pages(d, iova, pgsize, count);
		if (!got)
			break;
		iova += got;
		unmapped += got;
	}
	return unmapped;
}

static int domain_map(struct iopt_domain *iopt_domain, uint64_t iova,
		      uint64_t paddr, uint64_t size, int prot)
{
	struct iommu_domain *d = to_domain(iopt_domain);
	uint64_t min = 1ull << __builtin_ctzll(iopt_domain->pgsize_bitmap);
	uint64_t orig_iova = iova, left = size;
	int rc = 0;

	if ((iova | paddr | size) & (min - 1))
		return -EINVAL;
	while (left) {
		uint64_t count, pgsize, mapped = 0;

		pgsize = pt_pgsize(iopt_domain->pgsize_bitmap, iova, paddr,
				      left, &count);
		rc = d->ops->map_pages(d, iova, paddr, pgsize, count, prot,
				       &mapped);
		left -= mapped;
		iova += mapped;
		paddr += mapped;
		if (rc)
			break;
	}
	/* iommu_map() undoes a partial map */
	if (rc && size - left)
		domain_unmap(iopt_domain, orig_iova, size - left);
	return rc;
}

static const struct iopt_domain_ops iommu_iopt_domain_ops = {
	.map = domain_map,
	.unmap = domain_unmap,
};

void iommu_domain_init_paging(struct iommu_domain *d, uint64_t pgsize_bitmap,
			      uint64_t aperture_start, uint64_t aperture_end)
{
	d->type = IOMMU_DOMAIN_PAGING;
	d->iopt.ops = &iommu_iopt_domain_ops;
	d->iopt.pgsize_bitmap = pgsize_bitmap;
	d->iopt.aperture_start = aperture_start;
	d->iopt.aperture_end = aperture_end;
}

/* copy_struct_from_user() with usize <= ksize: copy, zero the rest */
static int copy_struct(struct iommufd_ctx *ictx, void *dst, size_t dst_len,
		       uint64_t uptr, size_t len)
{
	memset(dst, 0, dst_len);
	if (iommufd_copy_from_user(ictx, dst, uptr, len))
		return -EFAULT;
	return 0;
}

int iommu_copy_struct_from_user(struct iommufd_ctx *ictx, void *dst,
				size_t dst_len, size_t min_len,
				uint32_t data_type,
				const struct iommu_user_data *src)
{
	if (src->type != data_type)
		return -EINVAL;
	if (src->len < min_len || dst_len < src->len)
		return -EINVAL;
	return copy_struct(ictx, dst, dst_len, src->uptr, src->len);
}

int iommu_copy_struct_from_user_array(struct iommufd_ctx *ictx, void *dst,
				      size_t dst_len, size_t min_len,
				      uint32_t data_type,
				      const struct iommu_user_data_array *src,
				      uint32_t index)
{
	if (index >= src->entry_num || !src->entry_num)
		return -EINVAL;
	if (src->type != data_type)
		return -EINVAL;
	if (src->entry_len < min_len || dst_len < src->entry_len)
		return -EINVAL;
	return copy_struct(ictx, dst, dst_len,
			   src->uptr + (uint64_t)index * src->entry_len,
			   src->entry_len);
}
