// SPDX-License-Identifier: MIT
/*
 * VFIO container compatibility (drivers/iommu/iommufd/vfio_compat.c).
 *
 * An iommufd file also answers the VFIO type1 container ioctls (NR below
 * 0x80, or past the iommufd table). They carry no object ID, so they act
 * on the context's compat IOAS: the one IOMMU_VFIO_IOAS SET named, or the
 * one iommufd_vfio_compat_ioas_create() made when VFIO attached a group.
 * The kernel builds this file whatever CONFIG_IOMMUFD_VFIO_CONTAINER says,
 * so a plain /dev/iommu answers these too.
 *
 * The compat pointer is not a reference (the kernel only takes a short
 * term one per call); destroying the IOAS clears it.
 */
#include <string.h>

#include <iommufd/uapi_vfio.h>

#include "private.h"

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* get_compat_ioas(): the ioctls that act on the IOAS are ENODEV without it */
static struct iommufd_ioas *compat_ioas(struct iommufd_ctx *ictx)
{
	return ictx->vfio_ioas;
}

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!ucmd->ictx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = ucmd->ictx->vfio_ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		/* Not a reference: the IOAS can still be destroyed */
		ucmd->ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ucmd->ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* ------------------------------------------------- what VFIO calls in */

int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;
	int rc;

	/*
	 * The IOAS is allocated before anything is checked, so a call that
	 * then changes nothing still needed a free ID and memory; its ID is
	 * given back at once.
	 */
	ioas = iommufd_ioas_alloc(ictx, &rc);
	if (!ioas)
		return rc;
	/* VFIO does not let one container mix no-iommu and real groups */
	if (ictx->no_iommu_mode) {
		rc = -EINVAL;
		goto out_abort;
	}
	/* Only a default: an IOAS chosen by IOMMU_VFIO_IOAS SET stays */
	if (ictx->vfio_ioas) {
		rc = 0;
		goto out_abort;
	}
	ictx->vfio_ioas = ioas;
	/*
	 * From here it is an ordinary object: IOMMU_VFIO_IOAS GET tells
	 * userspace its ID, DESTROY and close remove it.
	 */
	iommufd_object_finalize(ictx, &ioas->obj);
	return 0;

out_abort:
	iommufd_object_abort_and_destroy(ictx, &ioas->obj);
	return rc;
}

int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	if (ictx->vfio_ioas)
		return -EINVAL;
	ictx->no_iommu_mode = true;
	return 0;
}

int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx,
				    uint32_t *out_ioas_id)
{
	struct iommufd_ioas *ioas = compat_ioas(ictx);

	if (!ioas)
		return -ENODEV;
	*out_ioas_id = ioas->obj.id;
	return 0;
}

/* ---------------------------------------------------------- MAP / UNMAP */

static long vfio_map_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	const uint32_t supported = VFIO_DMA_MAP_FLAG_READ |
				   VFIO_DMA_MAP_FLAG_WRITE;
	const size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	int prot = IOMMU_CACHE;
	struct iommufd_ioas *ioas;
	uint64_t iova;

	/* VFIO reads a fixed prefix: no upper bound on argsz, no tail check */
	if (iommufd_copy_from_user(ictx, &map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || (map.flags & ~supported))
		return -EINVAL;
	/* Neither READ nor WRITE is accepted here, unlike IOMMU_IOAS_MAP */
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;

	ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	/*
	 * Type1 has no IOVA allocation, so the IOVA is always fixed. The
	 * accounting is the context's (mm for a /dev/vfio/vfio open), and
	 * nothing is written back.
	 */
	iova = map.iova;
	return iopt_map_user_pages(&ioas->iopt, ictx->env, ictx->account_mode,
				   &iova, map.vaddr, map.size, prot, 0);
}

static long vfio_unmap_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	/* GET_DIRTY_BITMAP and VADDR are not offered by iommufd at all */
	const uint32_t supported = VFIO_DMA_UNMAP_FLAG_ALL;
	const size_t minsz =
		offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	if (iommufd_copy_from_user(ictx, &unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || (unmap.flags & ~supported))
		return -EINVAL;
	ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;

	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size)
			return -EINVAL;
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else {
		/*
		 * Type1 (v1) may unmap part of a mapping. That is emulated by
		 * cutting areas at both ends of the range first, which only
		 * works while huge pages are disabled (SET_IOMMU(TYPE1) or
		 * IOMMU_OPTION HUGE_PAGES 0 did it). The points wrap like the
		 * kernel's unsigned longs; iova 0 has nothing before it to cut.
		 */
		if (ioas->iopt.disable_large_pages) {
			uint64_t cuts[2] = { unmap.iova + unmap.size - 1,
					     unmap.iova - 1 };

			rc = iopt_cut_iova(&ioas->iopt, cuts,
					   unmap.iova ? 2 : 1);
			/* Earlier cuts stay; nothing is written back */
			if (rc)
				return rc;
		}
		/* Unlike IOMMU_IOAS_UNMAP, unmapping nothing is success */
		rc = iopt_unmap_iova(&ioas->iopt, unmap.iova, unmap.size,
				     &unmapped);
	}
	/*
	 * The byte count goes back even when the unmap failed part way, so
	 * userspace learns what is gone; the fixed prefix is echoed with it.
	 */
	unmap.size = unmapped;
	if (iommufd_copy_to_user(ictx, arg, &unmap, minsz))
		rc = -EFAULT;
	return rc;
}

/* ------------------------------------------- CHECK_EXTENSION, SET_IOMMU */

/* Coherent only if no HWPT of the compat IOAS lets no-snoop through */
static long vfio_cc_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas = compat_ioas(ictx);
	uint32_t i;

	if (!ioas)
		return -ENODEV;
	for (i = 0; i < ioas->nhwpts; i++)
		if (!ioas->hwpts[i]->enforce_cache_coherency)
			return 0;
	return 1;
}

static long vfio_check_extension(struct iommufd_ctx *ictx, uint64_t type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return !ictx->no_iommu_mode;
	case VFIO_NOIOMMU_IOMMU:
		return !!(ictx->env->config & IOMMUFD_CONFIG_VFIO_NOIOMMU);
	case VFIO_DMA_CC_IOMMU:
		return vfio_cc_iommu(ictx);
	/*
	 * Nesting through type1 was never usable and VADDR remapping cannot
	 * be done safely on pinned pages; neither is offered. Everything
	 * else (sPAPR, EEH, unknown values) is not a type1 feature.
	 */
	case VFIO_TYPE1_NESTING_IOMMU:
	case VFIO_UPDATE_VADDR:
	default:
		return 0;
	}
}

static long vfio_set_iommu(struct iommufd_ctx *ictx, uint64_t type)
{
	struct iommufd_ioas *ioas;

	/*
	 * No-iommu emulation accepts its own type and nothing more; the
	 * other ioctls keep answering but find no compat IOAS.
	 */
	if ((ictx->env->config & IOMMUFD_CONFIG_VFIO_NOIOMMU) &&
	    type == VFIO_NOIOMMU_IOMMU && ictx->no_iommu_mode) {
		if (!(ictx->env->caps & IOMMUFD_CAP_SYS_RAWIO))
			return -EPERM;
		return 0;
	}
	if ((type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU) ||
	    ictx->no_iommu_mode)
		return -EINVAL;
	/* VFIO refuses SET_IOMMU on a container without a group */
	ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;
	/*
	 * v1 differs from v2 only in allowing partial unmaps. Disabling huge
	 * pages keeps every IOPTE page sized so any area can be cut; v2 needs
	 * nothing. Nothing records the type: repeating or mixing calls is
	 * allowed, and v2 after v1 leaves huge pages disabled.
	 */
	if (type == VFIO_TYPE1_IOMMU)
		return iopt_disable_large_pages(&ioas->iopt);
	return 0;
}

/* ------------------------------------------------------------- GET_INFO */

/* The holes of the reserved tree, ascending, as IOMMU_IOAS_IOVA_RANGES */
struct hole_iter {
	struct itree_iter it;
	bool ok, end;
	uint64_t cursor; /* first byte not known to be reserved */
};

static bool hole_next(struct hole_iter *h, uint64_t *start, uint64_t *last)
{
	if (h->end)
		return false;
	while (h->ok && h->it.start <= h->cursor) {
		if (h->it.last == UINT64_MAX) {
			h->end = true;
			return false;
		}
		if (h->it.last + 1 > h->cursor)
			h->cursor = h->it.last + 1;
		h->ok = itree_next(&h->it);
	}
	*start = h->cursor;
	if (!h->ok) {
		*last = UINT64_MAX;
		h->end = true;
		return true;
	}
	*last = h->it.start - 1;
	h->cursor = h->it.start;
	return true;
}

static bool hole_first(const struct itree *reserved, struct hole_iter *h,
		       uint64_t *start, uint64_t *last)
{
	h->ok = itree_first(reserved, &h->it);
	h->end = false;
	h->cursor = 0;
	return hole_next(h, start, last);
}

/*
 * Each filler writes its capability at @cur only as far as @avail bytes
 * allow and returns the size the capability needs (or -EFAULT).
 */
static int fill_cap_dma_avail(struct iommufd_ctx *ictx,
			      struct iommufd_ioas *ioas, uint64_t cur,
			      size_t avail)
{
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
			    .version = 1 },
		/*
		 * iommufd has no mapping count limit; U32_MAX because s390
		 * QEMU needs more than type1's default of U16_MAX.
		 */
		.avail = UINT32_MAX,
	};

	(void)ioas;
	if (avail >= sizeof(cap) &&
	    iommufd_copy_to_user(ictx, cur, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap);
}

static int fill_cap_iova(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			 uint64_t cur, size_t avail)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			    .version = 1 },
	};
	const size_t elm = sizeof(struct vfio_iova_range);
	struct vfio_iova_range range;
	struct hole_iter h;
	bool ok;

	/*
	 * An element goes out as soon as the capability up to it fits, the
	 * header only when all of it does: a short buffer can get ranges
	 * without the header that counts them.
	 */
	for (ok = hole_first(&ioas->iopt.reserved_itree, &h, &range.start,
			     &range.end);
	     ok; ok = hole_next(&h, &range.start, &range.end)) {
		if (avail >= sizeof(cap) + elm * ((size_t)cap.nr_iovas + 1) &&
		    iommufd_copy_to_user(ictx,
					 cur + sizeof(cap) +
						 elm * (uint64_t)cap.nr_iovas,
					 &range, sizeof(range)))
			return -EFAULT;
		cap.nr_iovas++;
	}
	if (avail >= sizeof(cap) + elm * (size_t)cap.nr_iovas &&
	    iommufd_copy_to_user(ictx, cur, &cap, sizeof(cap)))
		return -EFAULT;
	return (int)(sizeof(cap) + elm * (size_t)cap.nr_iovas);
}

/*
 * What type1 reports: the page sizes every domain can map, never below
 * PAGE_SIZE (smaller ones collapse into PAGE_SIZE, as VFIO itself does),
 * and at least the IOAS's alignment. Without domains: every size from
 * PAGE_SIZE up.
 */
static uint64_t compat_pagesizes(const struct iommufd_ioas *ioas)
{
	const struct io_pagetable *iopt = &ioas->iopt;
	uint64_t bitmap = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < iopt->next_domain_id; i++)
		bitmap &= iopt->domains[i]->pgsize_bitmap;
	if (bitmap & (IOPT_PAGE_SIZE - 1)) {
		bitmap &= ~(IOPT_PAGE_SIZE - 1);
		bitmap |= IOPT_PAGE_SIZE;
	}
	/* A numeric max, not an OR: a single alignment bit may win */
	if (bitmap < iopt->iova_alignment)
		bitmap = iopt->iova_alignment;
	return bitmap;
}

typedef int (*fill_cap_fn)(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			   uint64_t cur, size_t avail);

static long vfio_iommu_get_info(struct iommufd_ctx *ictx, uint64_t arg)
{
	/* DMA_AVAIL comes first in the chain, then IOVA_RANGE */
	static const fill_cap_fn fill_fns[] = {
		fill_cap_dma_avail,
		fill_cap_iova,
	};
	const size_t minsz =
		offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info;
	struct iommufd_ioas *ioas;
	uint64_t last_cap = 0; /* user address of the previous cap */
	bool have_last = false;
	size_t total, wb;
	size_t i;

	/* cap_offset and pad are outputs: not read, start at 0 */
	memset(&info, 0, sizeof(info));
	if (iommufd_copy_from_user(ictx, &info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	wb = info.argsz < sizeof(info) ? info.argsz : sizeof(info);

	ioas = compat_ioas(ictx);
	if (!ioas)
		return -ENODEV;

	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = compat_pagesizes(ioas);
	info.cap_offset = 0;

	total = sizeof(info);
	for (i = 0; i < sizeof(fill_fns) / sizeof(fill_fns[0]); i++) {
		uint32_t next = (uint32_t)total;
		int cap_size;

		if (info.argsz > total)
			cap_size = fill_fns[i](ictx, ioas, arg + total,
					       info.argsz - total);
		else
			cap_size = fill_fns[i](ictx, ioas, 0, 0);
		if (cap_size < 0)
			return cap_size;
		cap_size = (cap_size + 7) & ~7;
		/*
		 * The link is written when the new cap's offset is within
		 * argsz, even if the cap itself did not fit.
		 */
		if (have_last && info.argsz >= total &&
		    iommufd_copy_to_user(ictx,
					 last_cap + offsetof(struct vfio_info_cap_header,
							     next),
					 &next, sizeof(next)))
			return -EFAULT;
		last_cap = arg + total;
		have_last = true;
		total += (size_t)cap_size;
	}

	/*
	 * A short buffer still succeeds: argsz tells the size needed, CAPS
	 * is set regardless, and only cap_offset 0 says the chain is not
	 * (entirely) there.
	 */
	if (info.argsz >= total)
		info.cap_offset = sizeof(info);
	info.argsz = (uint32_t)total;
	info.flags |= VFIO_IOMMU_INFO_CAPS;
	if (iommufd_copy_to_user(ictx, arg, &info, wb))
		return -EFAULT;
	return 0;
}

/* ------------------------------------------------------------- dispatch */

/*
 * The whole request number must match (type, direction and size bits
 * included); anything else, VFIO_IOMMU_DIRTY_PAGES among them, is the
 * kernel's -ENOIOCTLCMD, which userspace sees as ENOTTY. The integer
 * arguments of CHECK_EXTENSION and SET_IOMMU are the full 64-bit value.
 */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			uint64_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
		return vfio_set_iommu(ictx, arg);
	case VFIO_CHECK_EXTENSION:
		return vfio_check_extension(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
		return vfio_iommu_get_info(ictx, arg);
	case VFIO_IOMMU_MAP_DMA:
		return vfio_map_dma(ictx, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return vfio_unmap_dma(ictx, arg);
	case VFIO_IOMMU_DIRTY_PAGES:
	default:
		return -ENOTTY;
	}
}
