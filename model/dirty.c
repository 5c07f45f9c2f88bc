// SPDX-License-Identifier: MIT
/*
 * Dirty tracking between the io_pagetable and a domain: SET_DIRTY_TRACKING
 * and GET_DIRTY_BITMAP below the object layer, after io_pagetable.c and
 * iova_bitmap.c.
 *
 * The user bitmap is only ever OR-ed into: bit n stands for the granule
 * [iova + n*G, iova + (n+1)*G) of the request, G = 1 << ctz(page_size). The
 * kernel pins the bitmap's pages and writes bits into them, so a record
 * that runs past the logical end still lands in the last pinned page and
 * is dropped beyond it; a page that cannot be pinned loses its bits
 * silently. After the range checks GET_DIRTY_BITMAP always returns 0.
 */
#include <string.h>

#include "private.h"

struct iova_bitmap {
	struct iommufd_ctx *ictx;
	uint64_t iova;		/* the request's first IOVA */
	unsigned int shift;	/* log2 of the granule */
	uint64_t data;		/* user address of bit 0 */
	uint64_t nbytes_pinned; /* bytes from data to the end of its last page */
};

void iova_bitmap_set(struct iova_bitmap *bitmap, uint64_t iova,
		     uint64_t length)
{
	uint64_t cur, last, limit;
	uint8_t buf[512];

	/* a pure clear (enabling tracking) records nothing */
	if (!bitmap || iova < bitmap->iova)
		return;
	limit = bitmap->nbytes_pinned * 8;
	cur = (iova - bitmap->iova) >> bitmap->shift;
	last = (iova + length - 1 - bitmap->iova) >> bitmap->shift;
	if (cur >= limit)
		return;
	if (last >= limit)
		last = limit - 1;
	/* read-modify-write in chunks; a chunk that faults is dropped */
	while (cur <= last) {
		uint64_t byte = cur / 8, nbytes = last / 8 - byte + 1, b;

		if (nbytes > sizeof(buf))
			nbytes = sizeof(buf);
		if (iommufd_copy_from_user(bitmap->ictx, buf,
					   bitmap->data + byte, nbytes))
			goto next;
		for (b = cur; b <= last && b / 8 < byte + nbytes; b++)
			buf[b / 8 - byte] |= 1u << (b % 8);
		iommufd_copy_to_user(bitmap->ictx, bitmap->data + byte, buf,
				     nbytes);
next:
		cur = (byte + nbytes) * 8;
	}
}

/* iopt_clear_dirty_data(): a pure clear over every constructed area */
static int clear_dirty_data(struct io_pagetable *iopt,
			    struct iommu_domain *domain)
{
	struct itree_iter it;
	bool ok;
	int rc;

	for (ok = itree_first(&iopt->area_itree, &it); ok;
	     ok = itree_next(&it)) {
		struct iopt_area *area = it.item;

		if (!area->pages)
			continue;
		rc = domain->ops->read_and_clear_dirty(domain, area->start,
						       iopt_area_length(area),
						       0, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable)
{
	int rc;

	if (!iommu_domain_has_dirty_ops(domain))
		return -EOPNOTSUPP;
	/* start from a clean snapshot */
	if (enable) {
		rc = clear_dirty_data(iopt, domain);
		iommu_iotlb_flush(domain, 0, 0 - 1ull);
		if (rc)
			return rc;
	}
	rc = domain->ops->set_dirty_tracking(domain, enable);
	/* the PASID entries / DTEs changed: cached translations go */
	iommu_iotlb_flush(domain, 0, 0 - 1ull);
	return rc;
}

/* iommufd_check_iova_range() */
static int check_iova_range(const struct io_pagetable *iopt,
			    const struct iommu_hwpt_get_dirty_bitmap *bitmap)
{
	uint64_t align = iopt->iova_alignment, last;

	if (!bitmap->length)
		return -EINVAL;
	if (__builtin_add_overflow(bitmap->iova, bitmap->length - 1, &last))
		return -EOVERFLOW;
	if ((bitmap->iova & (align - 1)) || ((last + 1) & (align - 1)))
		return -EINVAL;
	if (!bitmap->page_size)
		return -EINVAL;
	/* page_size need not be a power of two; these are its multiples */
	if ((bitmap->iova & (bitmap->page_size - 1)) ||
	    ((last + 1) & (bitmap->page_size - 1)))
		return -EINVAL;
	return 0;
}

/*
 * The contiguous run of constructed areas from @iova, clipped to the
 * request; the first hole ends the walk (and its EINVAL is swallowed).
 */
static void read_and_clear_walk(struct io_pagetable *iopt,
				struct iommu_domain *domain, uint64_t iova,
				uint64_t last_iova, unsigned int flags,
				struct iova_bitmap *bitmap)
{
	uint64_t cur = iova;
	struct itree_iter it;

	if (!itree_iter_first(&iopt->area_itree, iova, iova, &it))
		return;
	for (;;) {
		struct iopt_area *area = it.item;
		uint64_t last;

		if (!area->pages || area->start > cur)
			return;
		last = last_iova < area->last ? last_iova : area->last;
		if (domain->ops->read_and_clear_dirty(domain, cur,
						      last - cur + 1, flags,
						      bitmap))
			return;
		if (last == last_iova)
			return;
		cur = last + 1;
		if (!itree_iter_next(&it, cur, last_iova))
			return;
	}
}

int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct iommufd_ctx *ictx,
				   struct iommu_domain *domain,
				   const struct iommu_hwpt_get_dirty_bitmap *cmd)
{
	struct iova_bitmap bitmap;
	uint64_t nbits, nbytes, end;
	int rc;

	rc = check_iova_range(iopt, cmd);
	if (rc)
		return rc;
	if (!domain->ops->read_and_clear_dirty)
		return -EOPNOTSUPP;

	bitmap.ictx = ictx;
	bitmap.iova = cmd->iova;
	bitmap.shift = __builtin_ctzll(cmd->page_size);
	bitmap.data = cmd->data;
	nbits = ((cmd->length - 1) >> bitmap.shift) + 1;
	nbytes = (nbits + 7) / 8;
	/* the pinned pages end at the page boundary after the last byte */
	if (__builtin_add_overflow(cmd->data, nbytes, &end))
		return 0;
	end = (end + IOPT_PAGE_SIZE - 1) & ~(IOPT_PAGE_SIZE - 1);
	bitmap.nbytes_pinned = end ? end - cmd->data : nbytes;

	read_and_clear_walk(iopt, domain, cmd->iova,
			    cmd->iova + cmd->length - 1,
			    (cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ?
				    IOMMU_DIRTY_NO_CLEAR :
				    0,
			    &bitmap);
	/* iommu_iotlb_sync(): cleared D bits must be set again by a walk */
	if (!(cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR))
		iommu_iotlb_flush(domain, cmd->iova, cmd->length);
	return 0;
}
