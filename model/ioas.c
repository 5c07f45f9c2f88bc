// SPDX-License-Identifier: MIT
/*
 * IOAS ioctls (drivers/iommu/iommufd/ioas.c): argument checks in the
 * kernel's order, then the io_pagetable does the work.
 */
#include <stdlib.h>

#include "private.h"

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	iopt_unmap_all(&ioas->iopt, NULL);
	/* ADD_RESERVED ranges have no owner and live as long as the IOAS */
	iopt_remove_reserved_iova(&ioas->iopt, NULL);
	iopt_destroy_table(&ioas->iopt);
	free(ioas->hwpts);
}

struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx, int *err)
{
	struct iommufd_object *obj;
	struct iommufd_ioas *ioas;

	obj = iommufd_object_alloc(ictx, sizeof(*ioas), IOMMUFD_OBJ_IOAS, err);
	if (!obj)
		return NULL;
	ioas = container_of(obj, struct iommufd_ioas, obj);
	iopt_init_table(&ioas->iopt);
	return ioas;
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iommufd_ioas_alloc(ucmd->ictx, &rc);
	if (!ioas)
		return rc;
	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* An ID userspace never learnt of must not stay allocated */
		iommufd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
		return rc;
	}
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;
}

/*
 * The usable IOVA is everything the reserved tree does not cover; allowed
 * ranges and areas do not show up here. Holes are maximal: touching or
 * overlapping reserved ranges merge.
 */
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	const struct itree *reserved;
	struct iommufd_ioas *ioas;
	struct itree_iter it;
	uint64_t cursor = 0;
	bool done = false, ok;
	uint32_t max_iovas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	reserved = &ioas->iopt.reserved_itree;

	max_iovas = cmd->num_iovas;
	cmd->num_iovas = 0;
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	ok = itree_first(reserved, &it);
	while (!done) {
		struct iommu_iova_range elm = { .start = cursor };

		/* Skip reserved ranges that end inside what is already covered */
		while (ok && it.start <= cursor) {
			if (it.last == UINT64_MAX) {
				done = true;
				break;
			}
			if (it.last + 1 > cursor)
				cursor = it.last + 1;
			ok = itree_next(&it);
		}
		if (done)
			break;
		elm.start = cursor;
		elm.last = ok ? it.start - 1 : UINT64_MAX;
		if (cmd->num_iovas < max_iovas &&
		    iommufd_copy_to_user(ucmd->ictx,
					 cmd->allowed_iovas +
						 (uint64_t)cmd->num_iovas * sizeof(elm),
					 &elm, sizeof(elm)))
			return -EFAULT;
		cmd->num_iovas++;
		if (!ok)
			break;
		cursor = it.start;
	}
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		return rc;
	if (cmd->num_iovas > max_iovas)
		return -EMSGSIZE;
	return 0;
}

static int ioas_load_iovas(struct iommufd_ctx *ictx, struct itree *itree,
			   uint64_t uranges, uint32_t num)
{
	uint32_t i;

	for (i = 0; i != num; i++) {
		struct iommu_iova_range range;
		struct itree_iter it;

		if (iommufd_copy_from_user(ictx, &range,
					   uranges + (uint64_t)i * sizeof(range),
					   sizeof(range)))
			return -EFAULT;
		/* A single-byte range is rejected too (start >= last) */
		if (range.start >= range.last)
			return -EINVAL;
		if (itree_iter_first(itree, range.start, range.last, &it))
			return -EINVAL;
		if (itree_insert(itree, range.start, range.last, NULL))
			return -ENOMEM;
	}
	return 0;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	struct itree allowed;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	/* Build the new list aside and swap it in: the update is atomic */
	itree_init(&allowed);
	rc = ioas_load_iovas(ucmd->ictx, &allowed, cmd->allowed_iovas,
			     cmd->num_iovas);
	if (!rc)
		rc = iopt_set_allow_iova(&ioas->iopt, &allowed);
	itree_destroy(&allowed);
	return rc;
}

static int conv_iommu_prot(uint32_t map_flags)
{
	/* Coherency is required of every IOMMU at bind, so CACHE is implied */
	int prot = IOMMU_CACHE;

	if (map_flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= IOMMU_WRITE;
	if (map_flags & IOMMU_IOAS_MAP_READABLE)
		prot |= IOMMU_READ;
	return prot;
}

#define MAP_FLAGS                                               \
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | \
	 IOMMU_IOAS_MAP_READABLE)

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	uint64_t iova = cmd->iova;
	struct iommufd_ioas *ioas;
	unsigned int flags = 0;
	int rc;

	if ((cmd->flags & ~MAP_FLAGS) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= IOPT_ULONG_MAX || cmd->length >= IOPT_ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_user_pages(&ioas->iopt, ucmd->ictx->env,
				 ucmd->ictx->account_mode, &iova, cmd->user_va,
				 cmd->length, conv_iommu_prot(cmd->flags), flags);
	if (rc)
		return rc;
	/* A failed respond leaves the mapping in place, as in the kernel */
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iommufd_ioas *src_ioas, *dst_ioas;
	struct iopt_pages_list *list;
	unsigned int flags = 0;
	size_t nlist;
	uint64_t iova;
	int rc;

	/* test kernels take syzkaller's {nth area, offset} source IOVAs */
	iommufd_test_syz_conv_iova_id(ucmd->ictx, cmd->src_ioas_id,
				      &cmd->src_iova, &cmd->flags);
	if (cmd->flags & ~MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= IOPT_ULONG_MAX || cmd->src_iova >= IOPT_ULONG_MAX ||
	    cmd->dst_iova >= IOPT_ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (!src_ioas)
		return -ENOENT;
	rc = iopt_get_pages(&src_ioas->iopt, cmd->src_iova, cmd->length, &list,
			    &nlist);
	if (rc)
		return rc;

	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (!dst_ioas) {
		rc = -ENOENT;
		goto out_pages;
	}
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	iova = cmd->dst_iova;
	rc = iopt_map_pages(&dst_ioas->iopt, list, nlist, cmd->length, &iova,
			    conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_pages;
	cmd->dst_iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_pages:
	iopt_free_pages_list(list, nlist);
	return rc;
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;

	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
		if (rc)
			return rc;
	} else {
		if (cmd->iova >= IOPT_ULONG_MAX || cmd->length >= IOPT_ULONG_MAX)
			return -EOVERFLOW;
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
		/*
		 * On error the byte count is not written back: areas removed
		 * before the failure stay removed and userspace is not told.
		 */
		if (rc)
			return rc;
		if (!unmapped)
			return -ENOENT;
	}
	cmd->length = unmapped;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_option_rlimit_mode(struct iommu_option *cmd,
			       struct iommufd_ctx *ictx)
{
	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOPT_PAGES_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (!(ictx->env->caps & IOMMUFD_CAP_SYS_RESOURCE))
			return -EPERM;
		/* Placeholders of objects under construction count too */
		if (ictx->objects.count)
			return -EBUSY;
		if (cmd->val64 == 0)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
		else if (cmd->val64 == 1)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
		else
			return -EINVAL;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int ioas_option_huge_pages(struct iommu_option *cmd,
				  struct iommufd_ioas *ioas)
{
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt.disable_large_pages;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 == 0)
			return iopt_disable_large_pages(&ioas->iopt);
		if (cmd->val64 == 1) {
			iopt_enable_large_pages(&ioas->iopt);
			return 0;
		}
		return -EINVAL;
	}
	return -EOPNOTSUPP;
}

int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (!ioas)
		return -ENOENT;
	if (cmd->option_id != IOMMU_OPTION_HUGE_PAGES)
		return -EOPNOTSUPP;
	return ioas_option_huge_pages(cmd, ioas);
}
