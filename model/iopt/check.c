// SPDX-License-Identifier: MIT
/*
 * The invariant checker. It recomputes from scratch what the incremental
 * bookkeeping claims, so a test can run it after every call and a bug shows
 * up at the operation that caused it, not ten operations later. The
 * historical kernel bugs it is meant to catch are listed in SPEC.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "private.h"

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t len,
							const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

#define FAIL(...) return fail(why, len, __VA_ARGS__)

static uint64_t expected_alignment(const struct io_pagetable *iopt)
{
	uint64_t a = iopt->disable_large_pages ? IOPT_PAGE_SIZE : 1;
	uint32_t i;

	for (i = 0; i < iopt->next_domain_id; i++) {
		uint64_t pg = iopt->domains[i]->pgsize_bitmap;
		uint64_t min = pg ? 1ull << __builtin_ctzll(pg) : 1;

		if (min > a)
			a = min;
	}
	for (i = 0; i < iopt->access_cap; i++)
		if (iopt->access_list[i] && iopt->access_list[i]->iova_alignment > a)
			a = iopt->access_list[i]->iova_alignment;
	return a;
}

int iopt_check(const struct io_pagetable *iopt, char *why, size_t len)
{
	uint64_t mask = iopt->iova_alignment - 1;
	struct itree_iter it, r;
	bool ok, first = true;
	uint64_t prev_last = 0;

	if (itree_check(&iopt->area_itree, why, len) ||
	    itree_check(&iopt->allowed_itree, why, len) ||
	    itree_check(&iopt->reserved_itree, why, len))
		return -1;
	if (iopt->iova_alignment != expected_alignment(iopt))
		FAIL("iova_alignment %llu, domains and accesses need %llu",
		     (unsigned long long)iopt->iova_alignment,
		     (unsigned long long)expected_alignment(iopt));

	for (ok = itree_first(&iopt->area_itree, &it); ok; ok = itree_next(&it)) {
		const struct iopt_area *area = it.item;
		const struct iopt_area *a;

		if (area->start != it.start || area->last != it.last)
			FAIL("area [%#llx, %#llx] filed as [%#llx, %#llx]",
			     (unsigned long long)area->start,
			     (unsigned long long)area->last,
			     (unsigned long long)it.start,
			     (unsigned long long)it.last);
		if (area->start > area->last)
			FAIL("area [%#llx, %#llx] is inverted",
			     (unsigned long long)area->start,
			     (unsigned long long)area->last);
		if (!first && area->start <= prev_last)
			FAIL("area at %#llx overlaps the previous one ending %#llx",
			     (unsigned long long)area->start,
			     (unsigned long long)prev_last);
		first = false;
		prev_last = area->last;
		if (!area->pages)
			FAIL("area at %#llx has no pages between calls",
			     (unsigned long long)area->start);
		if ((area->start & mask) || (iopt_area_length(area) & mask) ||
		    (area->page_offset & mask))
			FAIL("area at %#llx breaks alignment %llu",
			     (unsigned long long)area->start,
			     (unsigned long long)iopt->iova_alignment);
		if (area->page_offset >= IOPT_PAGE_SIZE ||
		    iopt_area_last_index(area) >= area->pages->npages)
			FAIL("area at %#llx slices past its pages",
			     (unsigned long long)area->start);
		if ((area->iommu_prot & IOMMU_WRITE) && !area->pages->writable)
			FAIL("area at %#llx writable over read-only pages",
			     (unsigned long long)area->start);
		if (area->filled != (iopt->next_domain_id != 0))
			FAIL("area at %#llx filled=%d with %u domains",
			     (unsigned long long)area->start, area->filled,
			     iopt->next_domain_id);
		if (itree_iter_first(&iopt->reserved_itree, area->start,
				     area->last, &r))
			FAIL("area at %#llx overlaps reserved [%#llx, %#llx]",
			     (unsigned long long)area->start,
			     (unsigned long long)r.start,
			     (unsigned long long)r.last);
		for (a = area->pages->areas; a; a = a->pages_next)
			if (a == area)
				break;
		if (!a)
			FAIL("area at %#llx missing from its pages' list",
			     (unsigned long long)area->start);
	}

	for (ok = itree_first(&iopt->allowed_itree, &it); ok; ok = itree_next(&it))
		if (itree_iter_first(&iopt->reserved_itree, it.start, it.last, &r))
			FAIL("allowed [%#llx, %#llx] overlaps reserved [%#llx, %#llx]",
			     (unsigned long long)it.start,
			     (unsigned long long)it.last,
			     (unsigned long long)r.start,
			     (unsigned long long)r.last);
	return 0;
}

/* Pointer -> count, open addressing; only the checker uses it */
struct ptr_count {
	const void **key;
	uint32_t *count;
	size_t cap;
};

static uint32_t *ptr_count_slot(struct ptr_count *m, const void *p)
{
	size_t i = ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull & (m->cap - 1);

	while (m->key[i] && m->key[i] != p)
		i = (i + 1) & (m->cap - 1);
	m->key[i] = p;
	return &m->count[i];
}

/*
 * Every `users` count equals the table's reference plus the references
 * the object graph says it has: HWPTs on an IOAS, devices attached to a
 * HWPT, nested children on a parent, the binding and attachment of a
 * device. A leak or a double put shows up here right after the call.
 * The IOAS's hwpt_list holds exactly the HWPTs on it, each once, and an
 * attached access sits in the access_list slot it will be removed from:
 * a stale entry is a use after free waiting to happen. (The access_list
 * may hold more: the iopt tests add accesses that are no objects.)
 */
static int check_users(const struct iommufd_ctx *ictx, char *why, size_t len)
{
	const struct iommufd_objects *objs = &ictx->objects;
	const struct iommufd_group *g;
	uint32_t *want, id, i;
	uint64_t listed_hwpts = 0, paging_hwpts = 0;
	int rc = 0;

	want = calloc(objs->cap ? objs->cap : 1, sizeof(*want));
	if (!want)
		return fail(why, len, "checker out of memory");
	for (id = 1; id < objs->cap; id++) {
		const struct iommufd_object *obj = objs->slot[id];

		if (!obj)
			continue;
		want[id] = 1;
		if (obj->type == IOMMUFD_OBJ_IOAS)
			listed_hwpts += container_of(obj, struct iommufd_ioas,
						     obj)->nhwpts;
	}
	for (id = 1; id < objs->cap; id++) {
		const struct iommufd_object *obj = objs->slot[id];

		if (!obj)
			continue;
		if (obj->type == IOMMUFD_OBJ_HWPT_PAGING) {
			const struct iommufd_hwpt_paging *hp = container_of(
				obj, struct iommufd_hwpt_paging, common.obj);
			uint32_t seen = 0;

			want[hp->ioas->obj.id]++;
			for (i = 0; i < hp->ioas->nhwpts; i++)
				seen += hp->ioas->hwpts[i] == hp;
			/* ioas->hwpt_list: once, or a destroy leaves a stale entry */
			if (!hp->in_list || seen != 1) {
				rc = fail(why, len,
					  "HWPT %u listed %u times on its IOAS",
					  id, seen);
				goto out;
			}
			paging_hwpts++;
		} else if (obj->type == IOMMUFD_OBJ_HWPT_NESTED) {
			const struct iommufd_hwpt_nested *hn = container_of(
				obj, struct iommufd_hwpt_nested, common.obj);

			want[hn->parent->common.obj.id]++;
		} else if (obj->type == IOMMUFD_OBJ_ACCESS) {
			const struct iommufd_access *access =
				container_of(obj, struct iommufd_access, obj);
			const struct io_pagetable *iopt;
			uint32_t slot = access->iopt.iopt_access_list_id;

			want[id]++; /* the creating driver */
			if (access->ioas) {
				want[access->ioas->obj.id]++;
				/* the slot the access will be removed from */
				iopt = &access->ioas->iopt;
				if (slot >= iopt->access_cap ||
				    iopt->access_list[slot] != &access->iopt) {
					rc = fail(why, len,
						  "access %u not in slot %u of IOAS %u",
						  id, slot,
						  access->ioas->obj.id);
					goto out;
				}
			}
		} else if (obj->type == IOMMUFD_OBJ_DEVICE) {
			const struct iommufd_device *idev =
				container_of(obj, struct iommufd_device, obj);

			want[id] += 1 + idev->dev->attached;
			if (idev->dev->iotlb.stale) {
				rc = fail(why, len,
					  "device %u used a stale IOTLB entry",
					  id);
				goto out;
			}
		} else if (obj->type == IOMMUFD_OBJ_FAULT) {
			const struct iommufd_fault *fault =
				container_of(obj, struct iommufd_fault, obj);

			want[id] += fault->file_open; /* the fault fd */
		}
		if (obj->type == IOMMUFD_OBJ_HWPT_PAGING ||
		    obj->type == IOMMUFD_OBJ_HWPT_NESTED) {
			const struct iommufd_hw_pagetable *hwpt = container_of(
				obj, struct iommufd_hw_pagetable, obj);

			if (hwpt->fault)
				want[hwpt->fault->obj.id]++;
		}
	}
	/* with the per-HWPT check above: the lists hold nothing else */
	if (listed_hwpts != paging_hwpts) {
		rc = fail(why, len, "IOAS lists hold %llu HWPTs, there are %llu",
			  (unsigned long long)listed_hwpts,
			  (unsigned long long)paging_hwpts);
		goto out;
	}
	for (g = ictx->groups; g; g = g->next) {
		if (!g->ndevices != !g->hwpt) {
			rc = fail(why, len, "group %#x: %u devices on HWPT %p",
				  g->group_id, g->ndevices, (void *)g->hwpt);
			goto out;
		}
		for (i = 0; i < g->ndevices; i++)
			want[g->hwpt->obj.id]++;
	}
	for (id = 1; id < objs->cap; id++) {
		const struct iommufd_object *obj = objs->slot[id];

		if (obj && obj->users != want[id]) {
			rc = fail(why, len,
				  "object %u (type %d) has %u users, the graph "
				  "gives it %u",
				  id, obj->type, obj->users, want[id]);
			goto out;
		}
	}
out:
	free(want);
	return rc;
}

int iommufd_check_ctx(const struct iommufd_ctx *ictx, char *why, size_t len)
{
	const struct iommufd_objects *objs = &ictx->objects;
	struct ptr_count pc = { 0 };
	uint64_t user_pinned = 0, mm_pinned = 0, all_pinned = 0;
	uint32_t id, count = 0;
	size_t nareas = 0, i;
	int rc = 0;

	if (len)
		why[0] = 0;
	for (id = 0; id < objs->cap; id++) {
		const struct iommufd_object *obj = objs->slot[id];

		if (!obj)
			continue;
		count++;
		if (id == 0 || obj->id != id)
			FAIL("object in slot %u claims id %u", id, obj->id);
		if (!obj->finalized)
			FAIL("object %u left unfinalized between calls", id);
		if (obj->users < 1)
			FAIL("object %u has no users", id);
		if (obj->type == IOMMUFD_OBJ_IOAS) {
			const struct iommufd_ioas *ioas =
				container_of(obj, struct iommufd_ioas, obj);

			if (iopt_check(&ioas->iopt, why, len))
				return -1;
			nareas += ioas->iopt.area_itree.count;
		}
	}
	if (check_users(ictx, why, len))
		return -1;
	if (iommufd_fault_check_ctx(ictx, why, len))
		return -1;
	if (count != objs->count)
		FAIL("table counts %u objects, holds %u", objs->count, count);
	for (id = 1; id < objs->lowest_free && id < objs->cap; id++)
		if (!objs->slot[id])
			FAIL("id %u is free below the lowest-free mark %u", id,
			     objs->lowest_free);
	/*
	 * Read the table directly: iommufd_get_object() is a fail-nth point,
	 * and checking is no kernel work. The loop above has seen every
	 * tabled object finalized.
	 */
	if (ictx->vfio_ioas) {
		const struct iommufd_object *vobj = &ictx->vfio_ioas->obj;

		if (vobj->id >= objs->cap || objs->slot[vobj->id] != vobj ||
		    vobj->type != IOMMUFD_OBJ_IOAS)
			FAIL("compat IOAS pointer is stale");
	}

	/* Every pages is referenced exactly by its areas */
	for (pc.cap = 16; pc.cap < nareas * 2; pc.cap *= 2)
		;
	pc.key = calloc(pc.cap, sizeof(*pc.key));
	pc.count = calloc(pc.cap, sizeof(*pc.count));
	if (!pc.key || !pc.count) {
		rc = fail(why, len, "checker out of memory");
		goto out;
	}
	for (id = 1; id < objs->cap && !rc; id++) {
		const struct iommufd_object *obj = objs->slot[id];
		struct itree_iter it;
		bool ok;

		if (!obj || obj->type != IOMMUFD_OBJ_IOAS)
			continue;
		const struct io_pagetable *iopt =
			&container_of(obj, struct iommufd_ioas, obj)->iopt;
		for (ok = itree_first(&iopt->area_itree, &it); ok;
		     ok = itree_next(&it))
			++*ptr_count_slot(&pc, ((struct iopt_area *)it.item)->pages);
	}
	for (i = 0; i < pc.cap && !rc; i++) {
		const struct iopt_pages *pages = pc.key[i];
		const struct iopt_area *a;
		uint32_t listed = 0;

		if (!pages)
			continue;
		for (a = pages->areas; a; a = a->pages_next)
			listed++;
		if (pages->refs != pc.count[i] || listed != pc.count[i]) {
			rc = fail(why, len, "pages %p: %u refs, %u listed areas, %u areas in trees",
				      (const void *)pages, pages->refs, listed,
				      pc.count[i]);
			break;
		}
		rc = iopt_pages_check(pages, why, len);
		if (pages->source == ictx->env) {
			all_pinned += pages->npinned;
			if (pages->account_mode == IOPT_PAGES_ACCOUNT_USER)
				user_pinned += pages->npinned;
			if (pages->account_mode == IOPT_PAGES_ACCOUNT_MM)
				mm_pinned += pages->npinned;
		}
	}
	/* Counters are shared with other contexts, so they bound from above */
	if (!rc && (user_pinned > ictx->env->acct->user_locked_vm ||
		    mm_pinned > ictx->env->acct->mm_locked_vm ||
		    all_pinned > ictx->env->acct->mm_pinned_vm))
		rc = fail(why, len, "accounting below what is pinned: user %llu/%llu mm %llu/%llu pinned %llu/%llu",
			      (unsigned long long)user_pinned,
			      (unsigned long long)ictx->env->acct->user_locked_vm,
			      (unsigned long long)mm_pinned,
			      (unsigned long long)ictx->env->acct->mm_locked_vm,
			      (unsigned long long)all_pinned,
			      (unsigned long long)ictx->env->acct->mm_pinned_vm);
out:
	free(pc.key);
	free(pc.count);
	return rc;
}
