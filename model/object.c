// SPDX-License-Identifier: MIT
/*
 * The object table of a context (the xarray of drivers/iommu/iommufd/main.c).
 *
 * IDs are allocated like xa_alloc() on an XA_FLAGS_ALLOC1 array with
 * xa_limit_31b: the lowest free ID in [1, 2^31 - 1], so an ID is reused as
 * soon as it is freed. IDs stay dense in practice (lowest free first), so a
 * flat slot array indexed by ID is both the simplest and the fastest table.
 */
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct iommufd_object *iommufd_object_alloc(struct iommufd_ctx *ictx,
					    size_t size,
					    enum iommufd_object_type type,
					    int *err)
{
	struct iommufd_objects *objs = &ictx->objects;
	struct iommufd_object *obj;
	uint32_t id;

	/* fail-nth: _iommufd_object_alloc()'s kzalloc */
	if (iommufd_should_fail_slab(ictx->env)) {
		*err = -ENOMEM;
		return NULL;
	}
	obj = calloc(1, size);
	if (!obj) {
		*err = -ENOMEM;
		return NULL;
	}
	obj->type = type;
	obj->users = 1;

	for (id = objs->lowest_free ? objs->lowest_free : 1;
	     id < objs->cap && objs->slot[id]; id++)
		;
	if (id > IOMMUFD_ID_MAX) {
		free(obj);
		*err = -EBUSY;
		return NULL;
	}
	if (id >= objs->cap) {
		uint32_t cap = objs->cap ? objs->cap * 2 : 64;
		struct iommufd_object **grown;

		if (cap > IOMMUFD_ID_MAX + 1u)
			cap = IOMMUFD_ID_MAX + 1u;
		grown = realloc(objs->slot, cap * sizeof(*grown));
		if (!grown) {
			free(obj);
			*err = -ENOMEM;
			return NULL;
		}
		memset(grown + objs->cap, 0, (cap - objs->cap) * sizeof(*grown));
		objs->slot = grown;
		objs->cap = cap;
	}
	/* Reserved but unpublished: lookups see ENOENT until finalize */
	obj->id = id;
	objs->slot[id] = obj;
	objs->count++;
	objs->lowest_free = id + 1;
	return obj;
}

void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj)
{
	obj->finalized = true;
}

static void table_erase(struct iommufd_objects *objs, uint32_t id)
{
	objs->slot[id] = NULL;
	objs->count--;
	if (id < objs->lowest_free)
		objs->lowest_free = id;
}

/* Undo iommufd_object_alloc() for an object that was never finalized */
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	table_erase(&ictx->objects, obj->id);
	iommufd_object_destroy(obj);
	free(obj);
}

/* The table lookup alone: removal has no injection point in the kernel */
static struct iommufd_object *lookup_object(struct iommufd_ctx *ictx,
					    uint32_t id,
					    enum iommufd_object_type type)
{
	struct iommufd_objects *objs = &ictx->objects;
	struct iommufd_object *obj;

	if (id >= objs->cap)
		return NULL;
	obj = objs->slot[id];
	if (!obj || !obj->finalized ||
	    (type != IOMMUFD_OBJ_ANY && obj->type != type))
		return NULL;
	return obj;
}

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx,
					  uint32_t id,
					  enum iommufd_object_type type)
{
	/* fail-nth: iommufd_should_fail() at the top, -ENOENT */
	if (iommufd_should_fail(ictx->env))
		return NULL;
	return lookup_object(ictx, id, type);
}

/*
 * IOMMU_DESTROY: only an object whose sole reference is the table's can go.
 * Anything else holding it (a HWPT on an IOAS, a device on a HWPT, the
 * driver behind a DEVICE or ACCESS) makes it EBUSY.
 */
int iommufd_object_remove(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj = lookup_object(ictx, id, IOMMUFD_OBJ_ANY);

	if (!obj)
		return -ENOENT;
	if (obj->users != 1)
		return -EBUSY;
	table_erase(&ictx->objects, id);
	if (ictx->vfio_ioas && &ictx->vfio_ioas->obj == obj)
		ictx->vfio_ioas = NULL;
	iommufd_object_destroy(obj);
	free(obj);
	return 0;
}

/*
 * release(): destroy every object whose only reference is the table's,
 * repeatedly, so leaves go before what they hold. Consistent refcounts
 * always make progress; if they did not, the remaining objects are leaked
 * rather than destroyed out of order (the kernel WARNs and does the same).
 */
void iommufd_objects_destroy_all(struct iommufd_ctx *ictx)
{
	struct iommufd_objects *objs = &ictx->objects;

	while (objs->count) {
		unsigned int destroyed = 0;
		uint32_t id;

		for (id = 1; id < objs->cap; id++) {
			struct iommufd_object *obj = objs->slot[id];

			if (!obj || obj->users != 1)
				continue;
			table_erase(objs, id);
			iommufd_object_destroy(obj);
			free(obj);
			destroyed++;
		}
		if (!destroyed)
			break;
	}
	ictx->vfio_ioas = NULL;
}

void iommufd_objects_free(struct iommufd_objects *objs)
{
	free(objs->slot);
	memset(objs, 0, sizeof(*objs));
}

void iommufd_object_destroy(struct iommufd_object *obj)
{
	switch (obj->type) {
	case IOMMUFD_OBJ_IOAS:
		iommufd_ioas_destroy(obj);
		break;
	case IOMMUFD_OBJ_DEVICE:
		iommufd_device_destroy(obj);
		break;
	case IOMMUFD_OBJ_ACCESS:
		iommufd_access_destroy_object(obj);
		break;
	case IOMMUFD_OBJ_SELFTEST:
		iommufd_selftest_destroy(obj);
		break;
	case IOMMUFD_OBJ_HWPT_PAGING:
		iommufd_hwpt_paging_destroy(obj);
		break;
	case IOMMUFD_OBJ_HWPT_NESTED:
		iommufd_hwpt_nested_destroy(obj);
		break;
	case IOMMUFD_OBJ_FAULT:
		iommufd_fault_destroy(obj);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ introspection */

static uint32_t obj_id(const struct iommufd_object *obj)
{
	return obj ? obj->id : 0;
}

static void hwpt_info(const struct iommufd_hw_pagetable *hwpt,
		      struct iommufd_object_info *info)
{
	info->fault_id = hwpt->fault ? obj_id(&hwpt->fault->obj) : 0;
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING) {
		const struct iommufd_hwpt_paging *p =
			container_of(hwpt, struct iommufd_hwpt_paging, common);

		info->kind = IOMMUFD_OBJECT_HWPT_PAGING;
		info->ioas_id = p->ioas ? p->ioas->obj.id : 0;
		info->auto_domain = p->auto_domain;
		info->nest_parent = p->nest_parent;
	} else {
		const struct iommufd_hwpt_nested *n =
			container_of(hwpt, struct iommufd_hwpt_nested, common);

		info->kind = IOMMUFD_OBJECT_HWPT_NESTED;
		info->parent_id = n->parent ? n->parent->common.obj.id : 0;
	}
}

static void object_info(const struct iommufd_object *obj,
			struct iommufd_object_info *info)
{
	*info = (struct iommufd_object_info){
		.id = obj->id,
		.users = obj->users,
	};
	switch (obj->type) {
	case IOMMUFD_OBJ_DEVICE: {
		const struct iommufd_device *idev =
			container_of(obj, struct iommufd_device, obj);

		info->kind = IOMMUFD_OBJECT_DEVICE;
		if (idev->igroup && idev->igroup->hwpt)
			info->hwpt_id = idev->igroup->hwpt->obj.id;
		break;
	}
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		hwpt_info(container_of(obj, struct iommufd_hw_pagetable, obj),
			  info);
		break;
	case IOMMUFD_OBJ_IOAS: {
		const struct iommufd_ioas *ioas =
			container_of(obj, struct iommufd_ioas, obj);
		struct itree_iter it;
		bool more;

		info->kind = IOMMUFD_OBJECT_IOAS;
		info->areas = ioas->iopt.area_itree.count;
		for (more = itree_first(&ioas->iopt.area_itree, &it); more;
		     more = itree_next(&it))
			info->mapped += it.last - it.start + 1;
		break;
	}
	case IOMMUFD_OBJ_ACCESS: {
		const struct iommufd_access *access =
			container_of(obj, struct iommufd_access, obj);

		info->kind = IOMMUFD_OBJECT_ACCESS;
		info->ioas_id = access->ioas ? access->ioas->obj.id : 0;
		break;
	}
	case IOMMUFD_OBJ_FAULT:
		info->kind = IOMMUFD_OBJECT_FAULT;
		break;
	case IOMMUFD_OBJ_SELFTEST:
		info->kind = IOMMUFD_OBJECT_SELFTEST;
		info->dev_id = iommufd_selftest_dev_id(obj);
		break;
	default:
		break;
	}
}

size_t iommufd_ctx_objects(const struct iommufd_ctx *ctx,
			   struct iommufd_object_info *out, size_t max)
{
	const struct iommufd_objects *objs = &ctx->objects;
	size_t n = 0;
	uint32_t id;

	for (id = 1; id < objs->cap; id++) {
		const struct iommufd_object *obj = objs->slot[id];

		if (!obj || !obj->finalized)
			continue;
		if (n < max)
			object_info(obj, &out[n]);
		n++;
	}
	return n;
}
