// SPDX-License-Identifier: MIT
/*
 * The io_pagetable (drivers/iommu/iommufd/io_pagetable.c): areas, allowed
 * and reserved ranges, domains and accesses of one IOAS.
 *
 * Creation and removal of areas follow the kernel's two-phase shape: an
 * area is first inserted with pages == NULL to claim its IOVA, then filled
 * into the domains, and only then gets its pages. Every error path returns
 * the table to the state it had before the call, except where the kernel
 * itself is not atomic (UNMAP walks areas in order and keeps what it has
 * already removed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <iommufd/access.h>

#include "fail.h"
#include "iopt/io_pagetable.h"

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static struct iopt_area *area_iter_first(const struct io_pagetable *iopt,
					 uint64_t start, uint64_t last,
					 struct itree_iter *it)
{
	return itree_iter_first(&iopt->area_itree, start, last, it) ? it->item :
								      NULL;
}

static struct iopt_area *area_iter_next(struct itree_iter *it, uint64_t start,
					uint64_t last)
{
	return itree_iter_next(it, start, last) ? it->item : NULL;
}

static bool reserved_intersects(const struct io_pagetable *iopt,
				uint64_t start, uint64_t last)
{
	struct itree_iter it;

	return itree_iter_first(&iopt->reserved_itree, start, last, &it);
}

/*
 * Walk the IOVA-contiguous chain of constructed areas covering
 * [iova, last_iova] (iopt_area_contig_iter). done() tells whether the
 * chain reached last_iova without a gap.
 */
struct contig_iter {
	uint64_t cur_iova, last_iova;
	struct iopt_area *area;
	struct itree_iter it;
};

static struct iopt_area *contig_first(struct contig_iter *c,
				      const struct io_pagetable *iopt,
				      uint64_t iova, uint64_t last_iova)
{
	c->cur_iova = iova;
	c->last_iova = last_iova;
	c->area = area_iter_first(iopt, iova, iova, &c->it);
	if (c->area && !c->area->pages)
		c->area = NULL;
	return c->area;
}

/* Reaching last_iova ends the walk but leaves c->area set for done() */
static struct iopt_area *contig_next(struct contig_iter *c)
{
	if (!c->area || c->last_iova <= c->area->last)
		return NULL;
	c->cur_iova = c->area->last + 1;
	c->area = area_iter_next(&c->it, c->cur_iova, c->last_iova);
	if (c->area && (c->area->start != c->cur_iova || !c->area->pages))
		c->area = NULL;
	return c->area;
}

/* Only meaningful right after the loop ended */
static bool contig_done(const struct contig_iter *c)
{
	return c->area && c->last_iova <= c->area->last;
}

#define for_each_contig_area(c, area, iopt, iova, last)              \
	for ((area) = contig_first(c, iopt, iova, last); area; \
	     (area) = contig_next(c))

void iopt_init_table(struct io_pagetable *iopt)
{
	memset(iopt, 0, sizeof(*iopt));
	itree_init(&iopt->area_itree);
	itree_init(&iopt->allowed_itree);
	itree_init(&iopt->reserved_itree);
	/* A table without domains can use any byte granularity */
	iopt->iova_alignment = 1;
}

static void free_range_tree(struct itree *t)
{
	itree_destroy(t);
	itree_init(t);
}

static void spares_free(struct iopt_spares *s)
{
	void *p;

	while ((p = iopt_spare_get(s)))
		free(p);
}

void iopt_destroy_table(struct io_pagetable *iopt)
{
	spares_free(&iopt->spare_areas);
	spares_free(&iopt->spare_pages);
	/* Areas are gone (unmap_all), domains and accesses detached first */
	free_range_tree(&iopt->allowed_itree);
	free_range_tree(&iopt->reserved_itree);
	itree_destroy(&iopt->area_itree);
	free(iopt->domains);
	free(iopt->access_list);
}

/* ------------------------------------------------------------------ domains */

/*
 * Map @area into @domain, as runs contiguous in both IOVA and PA. With large pages disabled every run
 * is one page (batch_iommu_map_small()), which is what lets VFIO type1
 * split mapped areas later.
 */
static int area_map_domain(const struct io_pagetable *iopt,
			   struct iopt_area *area, struct iopt_pages *pages,
			   struct iopt_domain *domain)
{
	uint64_t iova = area->start;
	int rc;

	while (iova <= area->last) {
		uint64_t byte = iopt_area_start_byte(area, iova);
		uint64_t index = byte >> IOPT_PAGE_SHIFT;
		uint64_t pa = iopt_pages_pfn(pages, index) * IOPT_PAGE_SIZE +
			      (byte & (IOPT_PAGE_SIZE - 1));
		uint64_t len = min_u64(IOPT_PAGE_SIZE - (byte & (IOPT_PAGE_SIZE - 1)),
				       area->last - iova + 1);

		if (!iopt->disable_large_pages) {
			while (iova + len - 1 < area->last &&
			       iopt_pages_pfn(pages, index + 1) ==
				       iopt_pages_pfn(pages, index) + 1) {
				index++;
				len += min_u64(IOPT_PAGE_SIZE,
					       area->last - (iova + len) + 1);
			}
		}
		rc = domain->ops->map(domain, iova, pa, len,
				      area->iommu_prot);
		if (rc) {
			if (iova != area->start)
				domain->ops->unmap(domain, area->start,
						   iova - area->start);
			return rc;
		}
		if (iova + len - 1 == area->last)
			break;
		iova += len;
	}
	return 0;
}

static void area_unmap_domain(struct iopt_area *area,
			      struct iopt_domain *domain)
{
	domain->ops->unmap(domain, area->start, iopt_area_length(area));
}

static uint64_t area_first_index(const struct iopt_area *area)
{
	return area->pages_index;
}

/* iopt_area_fill_domains(): pin the area once and map it everywhere */
static int area_fill_domains(struct io_pagetable *iopt, struct iopt_area *area,
			     struct iopt_pages *pages)
{
	uint32_t i;
	int rc;

	if (!iopt->next_domain_id)
		return 0;
	rc = iopt_pages_pin(pages, area_first_index(area),
			    iopt_area_last_index(area));
	if (rc)
		return rc;
	for (i = 0; i < iopt->next_domain_id; i++) {
		rc = area_map_domain(iopt, area, pages, iopt->domains[i]);
		if (rc)
			break;
	}
	if (rc) {
		while (i--)
			area_unmap_domain(area, iopt->domains[i]);
		iopt_pages_unpin(pages, area_first_index(area),
				 iopt_area_last_index(area));
		return rc;
	}
	area->filled = true;
	return 0;
}

static void area_unfill_domains(struct io_pagetable *iopt,
				struct iopt_area *area,
				struct iopt_pages *pages)
{
	uint32_t i;

	if (!area->filled)
		return;
	for (i = 0; i < iopt->next_domain_id; i++)
		area_unmap_domain(area, iopt->domains[i]);
	iopt_pages_unpin(pages, area_first_index(area),
			 iopt_area_last_index(area));
	area->filled = false;
}

/* --------------------------------------------------------------- alignment */

static int iopt_check_iova_alignment(struct io_pagetable *iopt,
				     uint64_t new_alignment)
{
	uint64_t mask = new_alignment - 1;
	struct itree_iter it;
	bool ok;

	for (ok = itree_first(&iopt->area_itree, &it); ok; ok = itree_next(&it)) {
		struct iopt_area *area = it.item;

		if ((area->start & mask) || (iopt_area_length(area) & mask) ||
		    (area->page_offset & mask))
			return -EADDRINUSE;
	}
	return 0;
}

static uint64_t domain_min_pgsize(const struct iopt_domain *domain)
{
	return domain->pgsize_bitmap ? 1ull << __builtin_ctzll(domain->pgsize_bitmap) :
				       1;
}

static int iopt_calculate_iova_alignment(struct io_pagetable *iopt)
{
	uint64_t a = iopt->disable_large_pages ? IOPT_PAGE_SIZE : 1;
	uint32_t i;
	int rc;

	for (i = 0; i < iopt->next_domain_id; i++)
		a = max_u64(a, domain_min_pgsize(iopt->domains[i]));
	for (i = 0; i < iopt->access_cap; i++)
		if (iopt->access_list[i])
			a = max_u64(a, iopt->access_list[i]->iova_alignment);
	if (a > iopt->iova_alignment) {
		rc = iopt_check_iova_alignment(iopt, a);
		if (rc)
			return rc;
	}
	iopt->iova_alignment = a;
	return 0;
}

/* -------------------------------------------------------------- placement */

/* iopt_check_iova() up to its EEXIST check; *last is the range's end */
static int iopt_check_iova_range(struct io_pagetable *iopt, uint64_t iova,
				 uint64_t length, uint64_t *last)
{
	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, last))
		return -EOVERFLOW;
	if (reserved_intersects(iopt, iova, *last))
		return -EINVAL;
	return 0;
}

static int iopt_check_iova(struct io_pagetable *iopt, uint64_t iova,
			   uint64_t length)
{
	struct itree_iter it;
	uint64_t last;
	int rc = iopt_check_iova_range(iopt, iova, length, &last);

	if (rc)
		return rc;
	if (itree_iter_first(&iopt->area_itree, iova, last, &it))
		return -EEXIST;
	return 0;
}

/*
 * iopt_check_iova() for a single area, whose EEXIST check is the insert
 * itself: the area takes its place in the tree now (the kernel inserts it
 * a few checks later, and removes it again if one of them fails, which
 * is what iopt_abort_area() does here too).
 */
static int iopt_check_claim_iova(struct io_pagetable *iopt,
				 struct iopt_area *area, uint64_t iova,
				 uint64_t length)
{
	uint64_t last;
	int rc = iopt_check_iova_range(iopt, iova, length, &last);

	if (rc)
		return rc;
	area->start = iova;
	area->last = last;
	rc = itree_insert_disjoint(&iopt->area_itree, iova, last, area);
	if (rc)
		return rc;
	area->in_tree = true;
	return 0;
}

/* iopt_insert_area(): the area claims its IOVA with pages still NULL */
static int iopt_insert_area(struct io_pagetable *iopt, struct iopt_area *area,
			    struct iopt_pages *pages, uint64_t iova,
			    uint64_t start_byte, uint64_t length,
			    int iommu_prot)
{
	uint64_t last_byte;
	int rc;

	if ((iommu_prot & IOMMU_WRITE) && !pages->writable)
		return -EPERM;
	area->iommu_prot = iommu_prot;
	area->page_offset = start_byte % IOPT_PAGE_SIZE;
	if (area->page_offset & (iopt->iova_alignment - 1))
		return -EINVAL;
	area->start = iova;
	if (__builtin_add_overflow(iova, length - 1, &area->last))
		return -EOVERFLOW;
	area->pages_index = start_byte / IOPT_PAGE_SIZE;
	if (__builtin_add_overflow(start_byte, length - 1, &last_byte))
		return -EOVERFLOW;
	if (last_byte / IOPT_PAGE_SIZE >= pages->npages)
		return -EOVERFLOW;
	if (area->in_tree)
		return 0; /* claimed by iopt_check_claim_iova() */
	rc = itree_insert(&iopt->area_itree, area->start, area->last, area);
	if (rc)
		return rc;
	area->in_tree = true;
	return 0;
}

/* @it: where a lookup found @area, or NULL */
static void iopt_abort_area_at(struct io_pagetable *iopt,
			       struct iopt_area *area,
			       const struct itree_iter *it)
{
	if (area->in_tree) {
		if (it)
			itree_remove_at(&iopt->area_itree, it);
		else
			itree_remove(&iopt->area_itree, area->start, area);
	}
	if (!iopt_spare_put(&iopt->spare_areas, area))
		free(area);
}

static void iopt_abort_area(struct io_pagetable *iopt, struct iopt_area *area)
{
	iopt_abort_area_at(iopt, area, NULL);
}

/* The pages list is a MAP's single slice or a COPY's run of slices */
static int iopt_alloc_area_pages(struct io_pagetable *iopt,
				 struct iopt_pages_list *list, size_t n,
				 struct iopt_area **areas, uint64_t length,
				 uint64_t *dst_iova, int iommu_prot,
				 unsigned int flags)
{
	uint64_t iova;
	size_t i;
	int rc;

	/* malloc, not calloc: glibc's calloc skips the per-thread cache */
	for (i = 0; i < n; i++) {
		/* fail-nth: iopt_area_alloc()'s kzalloc */
		if (iommufd_should_fail_slab(list[i].pages->source))
			return -ENOMEM;
		areas[i] = iopt_spare_get(&iopt->spare_areas);
		if (!areas[i])
			areas[i] = malloc(sizeof(*areas[i]));
		if (!areas[i])
			return -ENOMEM;
		*areas[i] = (struct iopt_area){ 0 };
	}
	if ((length & (iopt->iova_alignment - 1)) || !length)
		return -EINVAL;

	if (flags & IOPT_ALLOC_IOVA) {
		/* The first slice's user VA suggests the ideal alignment */
		rc = iopt_alloc_iova(iopt, dst_iova,
				     list[0].pages->uptr + list[0].start_byte,
				     length);
		if (rc)
			return rc;
	} else if (n == 1) {
		rc = iopt_check_claim_iova(iopt, areas[0], *dst_iova, length);
		if (rc)
			return rc;
	} else {
		rc = iopt_check_iova(iopt, *dst_iova, length);
		if (rc)
			return rc;
	}

	iova = *dst_iova;
	for (i = 0; i < n; i++) {
		rc = iopt_insert_area(iopt, areas[i], list[i].pages, iova,
				      list[i].start_byte, list[i].length,
				      iommu_prot);
		if (rc)
			return rc;
		iova += list[i].length;
	}
	return 0;
}

int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages_list *list,
		   size_t n, uint64_t length, uint64_t *dst_iova,
		   int iommu_prot, unsigned int flags)
{
	struct iopt_area *one_area = NULL, **areas = &one_area;
	size_t i, filled = 0;
	int rc;

	/* A MAP has one slice; only COPY needs an array */
	if (n > 1) {
		areas = calloc(n, sizeof(*areas));
		if (!areas)
			return -ENOMEM;
	}
	rc = iopt_alloc_area_pages(iopt, list, n, areas, length, dst_iova,
				   iommu_prot, flags);
	if (rc)
		goto out_abort;

	for (filled = 0; filled < n; filled++) {
		rc = area_fill_domains(iopt, areas[filled], list[filled].pages);
		if (rc)
			goto out_unfill;
	}

	/* Publish: each area takes over the list's reference on its pages */
	for (i = 0; i < n; i++) {
		areas[i]->pages = list[i].pages;
		iopt_pages_link_area(list[i].pages, areas[i]);
		list[i].pages = NULL;
	}
	if (areas != &one_area)
		free(areas);
	return 0;

out_unfill:
	while (filled--)
		area_unfill_domains(iopt, areas[filled], list[filled].pages);
out_abort:
	for (i = 0; i < n; i++)
		if (areas[i])
			iopt_abort_area(iopt, areas[i]);
	if (areas != &one_area)
		free(areas);
	return rc;
}

int iopt_map_user_pages(struct io_pagetable *iopt, const struct iommufd_env *env,
			uint8_t ctx_account_mode, uint64_t *iova, uint64_t uptr,
			uint64_t length, int iommu_prot, unsigned int flags)
{
	struct iopt_pages_list elm;
	int rc;

	elm.pages = iopt_alloc_pages(env, &iopt->spare_pages, uptr, length,
				     iommu_prot & IOMMU_WRITE, &rc);
	if (!elm.pages)
		return rc;
	if (ctx_account_mode == IOPT_PAGES_ACCOUNT_MM &&
	    elm.pages->account_mode == IOPT_PAGES_ACCOUNT_USER)
		elm.pages->account_mode = IOPT_PAGES_ACCOUNT_MM;
	elm.start_byte = uptr - elm.pages->uptr;
	elm.length = length;

	rc = iopt_map_pages(iopt, &elm, 1, length, iova, iommu_prot, flags);
	if (elm.pages)
		iopt_put_pages(elm.pages);
	return rc;
}

/* ------------------------------------------------------------------- copy */

int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list **out, size_t *nout)
{
	struct iopt_pages_list *list = NULL, *grown;
	struct iopt_area *area;
	struct contig_iter c;
	size_t n = 0, cap = 0;
	uint64_t last_iova;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last_iova))
		return -EOVERFLOW;

	for_each_contig_area(&c, area, iopt, iova, last_iova) {
		uint64_t last = min_u64(last_iova, area->last);

		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				iopt_free_pages_list(list, n);
				return -ENOMEM;
			}
			list = grown;
		}
		list[n].start_byte = iopt_area_start_byte(area, c.cur_iova);
		list[n].pages = area->pages;
		list[n].length = last - c.cur_iova + 1;
		iopt_get_pages_ref(area->pages);
		n++;
	}
	if (!contig_done(&c)) {
		iopt_free_pages_list(list, n);
		return -ENOENT;
	}
	*out = list;
	*nout = n;
	return 0;
}

void iopt_free_pages_list(struct iopt_pages_list *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].pages)
			iopt_put_pages(list[i].pages);
	free(list);
}

/* ------------------------------------------------------------------ unmap */

static void iopt_access_notify_unmap(struct io_pagetable *iopt, uint64_t iova,
				     uint64_t length)
{
	uint32_t i;

	for (i = 0; i < iopt->access_cap; i++) {
		struct iopt_access *access = iopt->access_list[i];

		if (access && access->ops && access->ops->unmap)
			access->ops->unmap(access, iova, length);
	}
}

/* @it: where the area tree lookup found @area, to remove it from there */
static void iopt_remove_area_at(struct io_pagetable *iopt,
				struct iopt_area *area,
				const struct itree_iter *it)
{
	struct iopt_pages *pages = area->pages;

	area->pages = NULL;
	area_unfill_domains(iopt, area, pages);
	iopt_pages_unlink_area(pages, area);
	iopt_abort_area_at(iopt, area, it);
	iopt_put_pages_spare(pages, &iopt->spare_pages);
}

/*
 * Remove every area inside [start, last]. An area sticking out of the range
 * stops the walk with ENOENT, but what was removed before stays removed
 * and is counted in *unmapped, as in the kernel.
 */
static int iopt_unmap_iova_range(struct io_pagetable *iopt, uint64_t start,
				 uint64_t last, uint64_t *unmapped)
{
	uint64_t unmapped_bytes = 0;
	unsigned int tries = 0;
	struct itree_iter it;
	struct iopt_area *area;
	int rc = 0;

	while ((area = area_iter_first(iopt, start, last, &it))) {
		uint64_t area_first = area->start, area_last = area->last;

		if (!area->pages) {
			rc = -EBUSY;
			break;
		}
		if (area_first < start || area_last > last) {
			rc = -ENOENT;
			break;
		}
		if (area_first != start)
			tries = 0;
		if (area->num_accesses) {
			start = area_first;
			area->prevent_access = true;
			iopt_access_notify_unmap(iopt, area_first,
						 iopt_area_length(area));
			/* An access that never lets go would loop forever */
			if (++tries > 100) {
				rc = -EDEADLK;
				break;
			}
			continue;
		}
		iopt_remove_area_at(iopt, area, &it);
		unmapped_bytes += area_last - area_first + 1;
		if (area_last >= last)
			break;
		start = area_last + 1;
	}
	if (unmapped)
		*unmapped = unmapped_bytes;
	return rc;
}

int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped)
{
	uint64_t last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return iopt_unmap_iova_range(iopt, iova, last, unmapped);
}

int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped)
{
	return iopt_unmap_iova_range(iopt, 0, IOPT_ULONG_MAX, unmapped);
}

/* ------------------------------------------------------------------ split */

/*
 * iopt_area_split(): @iova becomes the last byte of the left piece. Both
 * pieces keep slicing the same pages, so nothing is re-pinned.
 */
static int iopt_area_split(struct io_pagetable *iopt, struct iopt_area *area,
			   uint64_t iova)
{
	uint64_t alignment = iopt->iova_alignment;
	uint64_t start_iova = area->start, last_iova = area->last;
	uint64_t new_start = iova + 1;
	struct iopt_pages *pages = area->pages;
	struct iopt_area *lhs, *rhs;
	int rc;

	if (iova == start_iova || iova == last_iova)
		return 0;
	if (!pages || area->prevent_access)
		return -EBUSY;
	if ((new_start & (alignment - 1)) ||
	    (iopt_area_start_byte(area, new_start) & (alignment - 1)))
		return -EINVAL;

	lhs = calloc(1, sizeof(*lhs));
	if (!lhs)
		return -ENOMEM;
	rhs = calloc(1, sizeof(*rhs));
	if (!rhs) {
		rc = -ENOMEM;
		goto err_free_lhs;
	}
	/* Accesses are tracked per area; the kernel cannot split them */
	if (area->num_accesses) {
		rc = -EINVAL;
		goto err_free;
	}
	/* A domain may hold large IOPTEs across the cut */
	if (area->filled && !iopt->disable_large_pages) {
		rc = -EINVAL;
		goto err_free;
	}

	itree_remove(&iopt->area_itree, area->start, area);
	area->in_tree = false;
	rc = iopt_insert_area(iopt, lhs, pages, start_iova,
			      iopt_area_start_byte(area, start_iova),
			      new_start - start_iova, area->iommu_prot);
	if (rc)
		goto err_reinsert;
	rc = iopt_insert_area(iopt, rhs, pages, new_start,
			      iopt_area_start_byte(area, new_start),
			      last_iova - new_start + 1, area->iommu_prot);
	if (rc)
		goto err_remove_lhs;

	lhs->filled = rhs->filled = area->filled;
	lhs->pages = rhs->pages = pages;
	/*
	 * The pin users follow the areas: the old area's range is exactly the
	 * union of the two new ones, so only the page the cut falls in (if it
	 * falls inside a page) gains a user.
	 */
	if (area->filled && iopt_area_last_index(lhs) == rhs->pages_index) {
		rc = iopt_pages_pin(pages, rhs->pages_index, rhs->pages_index);
		if (rc)
			goto err_remove_rhs;
	}
	iopt_pages_unlink_area(pages, area);
	iopt_pages_link_area(pages, lhs);
	iopt_pages_link_area(pages, rhs);
	iopt_get_pages_ref(pages);
	free(area);
	return 0;

err_remove_rhs:
	itree_remove(&iopt->area_itree, rhs->start, rhs);
err_remove_lhs:
	itree_remove(&iopt->area_itree, lhs->start, lhs);
err_reinsert:
	/* Removing freed a slot, so re-inserting the old span cannot fail */
	itree_insert(&iopt->area_itree, area->start, area->last, area);
	area->in_tree = true;
err_free:
	free(rhs);
err_free_lhs:
	free(lhs);
	return rc;
}

int iopt_cut_iova(struct io_pagetable *iopt, const uint64_t *iovas,
		  size_t num_iovas)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < num_iovas; i++) {
		struct itree_iter it;
		struct iopt_area *area =
			area_iter_first(iopt, iovas[i], iovas[i], &it);

		if (!area)
			continue;
		rc = iopt_area_split(iopt, area, iovas[i]);
		if (rc)
			break;
	}
	return rc;
}

/* ------------------------------------------------------- allowed/reserved */

int iopt_set_allow_iova(struct io_pagetable *iopt, struct itree *allowed)
{
	struct itree old = iopt->allowed_itree;
	struct itree_iter it;
	bool ok;

	for (ok = itree_first(allowed, &it); ok; ok = itree_next(&it))
		if (reserved_intersects(iopt, it.start, it.last))
			return -EADDRINUSE;
	iopt->allowed_itree = *allowed;
	*allowed = old;
	return 0;
}

int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start, uint64_t last,
		      void *owner)
{
	struct itree_iter it;

	if (itree_iter_first(&iopt->area_itree, start, last, &it) ||
	    itree_iter_first(&iopt->allowed_itree, start, last, &it))
		return -EADDRINUSE;
	return itree_insert(&iopt->reserved_itree, start, last, owner);
}

void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	struct itree_iter it;
	uint64_t from = 0;
	bool ok;

	/*
	 * A removal ends the walk; the next one starts at the span removed,
	 * before which nothing of @owner is left. Spans of other owners may
	 * overlap it, which the intersecting search allows for. Releasing
	 * reservations allocates nothing and so cannot fail.
	 */
	for (;;) {
		for (ok = itree_iter_first(&iopt->reserved_itree, from,
					   UINT64_MAX, &it);
		     ok && it.item != owner; ok = itree_next(&it))
			;
		if (!ok)
			return;
		from = it.start;
		itree_remove_at(&iopt->reserved_itree, &it);
	}
}

/* ---------------------------------------------------------- domain attach */

/* Undo iopt_fill_domain() for the areas before @end (NULL: all of them) */
static void iopt_unfill_domain(struct io_pagetable *iopt,
			       struct iopt_domain *domain,
			       struct iopt_area *end)
{
	struct itree_iter it;
	bool ok;

	for (ok = itree_first(&iopt->area_itree, &it); ok; ok = itree_next(&it)) {
		struct iopt_area *area = it.item;

		if (area == end)
			break;
		if (!area->pages)
			continue;
		area_unmap_domain(area, domain);
		/* The last domain going away releases the pins */
		if (iopt->next_domain_id == 0 && area->filled) {
			iopt_pages_unpin(area->pages, area_first_index(area),
					 iopt_area_last_index(area));
			area->filled = false;
		}
	}
}

static int iopt_fill_domain(struct io_pagetable *iopt,
			    struct iopt_domain *domain)
{
	struct itree_iter it;
	bool ok;
	int rc;

	for (ok = itree_first(&iopt->area_itree, &it); ok; ok = itree_next(&it)) {
		struct iopt_area *area = it.item;
		bool pinned_here = false;

		if (!area->pages)
			continue;
		if (!area->filled) {
			rc = iopt_pages_pin(area->pages, area_first_index(area),
					    iopt_area_last_index(area));
			if (rc)
				goto out_unfill;
			pinned_here = true;
		}
		rc = area_map_domain(iopt, area, area->pages, domain);
		if (rc) {
			if (pinned_here)
				iopt_pages_unpin(area->pages,
						 area_first_index(area),
						 iopt_area_last_index(area));
			goto out_unfill;
		}
		area->filled = true;
	}
	return 0;

out_unfill:
	iopt_unfill_domain(iopt, domain, it.item);
	return rc;
}

int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iopt_domain *domain)
{
	uint64_t new_alignment;
	uint32_t i;
	int rc;

	for (i = 0; i < iopt->next_domain_id; i++)
		if (iopt->domains[i] == domain)
			return -EEXIST;

	/*
	 * The smallest IO page size drives the IOVA alignment, and a domain
	 * must accept PAGE_SIZE since pages are pinned in PAGE_SIZE units.
	 */
	new_alignment = max_u64(domain_min_pgsize(domain), iopt->iova_alignment);
	if (new_alignment > IOPT_PAGE_SIZE)
		return -EINVAL;
	if (new_alignment != iopt->iova_alignment) {
		rc = iopt_check_iova_alignment(iopt, new_alignment);
		if (rc)
			return rc;
	}

	/* No area may exist outside the aperture */
	if (domain->aperture_start != 0) {
		rc = iopt_reserve_iova(iopt, 0, domain->aperture_start - 1,
				       domain);
		if (rc)
			goto out_reserved;
	}
	if (domain->aperture_end != IOPT_ULONG_MAX) {
		rc = iopt_reserve_iova(iopt, domain->aperture_end + 1,
				       IOPT_ULONG_MAX, domain);
		if (rc)
			goto out_reserved;
	}

	if (iopt->next_domain_id == iopt->domains_cap) {
		uint32_t cap = iopt->domains_cap ? iopt->domains_cap * 2 : 4;
		struct iopt_domain **grown =
			realloc(iopt->domains, cap * sizeof(*grown));

		if (!grown) {
			rc = -ENOMEM;
			goto out_reserved;
		}
		iopt->domains = grown;
		iopt->domains_cap = cap;
	}

	rc = iopt_fill_domain(iopt, domain);
	if (rc)
		goto out_reserved;

	iopt->iova_alignment = new_alignment;
	iopt->domains[iopt->next_domain_id++] = domain;
	return 0;

out_reserved:
	iopt_remove_reserved_iova(iopt, domain);
	return rc;
}

void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iopt_domain *domain)
{
	uint32_t index;

	for (index = 0; index < iopt->next_domain_id; index++)
		if (iopt->domains[index] == domain)
			break;
	if (index == iopt->next_domain_id)
		return;

	/* Keep the array dense: the tail entry moves into the hole */
	iopt->next_domain_id--;
	iopt->domains[index] = iopt->domains[iopt->next_domain_id];
	iopt->domains[iopt->next_domain_id] = NULL;

	iopt_unfill_domain(iopt, domain, NULL);
	iopt_remove_reserved_iova(iopt, domain);
	/* Removing a domain can only lower the alignment */
	iopt_calculate_iova_alignment(iopt);
}

void iopt_enable_large_pages(struct io_pagetable *iopt)
{
	iopt->disable_large_pages = false;
	/* The alignment cannot grow here, so this cannot fail */
	iopt_calculate_iova_alignment(iopt);
}

int iopt_disable_large_pages(struct io_pagetable *iopt)
{
	int rc;

	if (iopt->disable_large_pages)
		return 0;
	/* Domains already holding large IOPTEs cannot be split later */
	if (iopt->next_domain_id && !itree_empty(&iopt->area_itree))
		return -EINVAL;
	iopt->disable_large_pages = true;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc)
		iopt->disable_large_pages = false;
	return rc;
}

/* ---------------------------------------------------------------- access */

/* xa_limit_16b: at most 65536 accesses per IOAS */
#define IOPT_ACCESS_ID_LIMIT 0x10000u

int iopt_add_access(struct io_pagetable *iopt, struct iopt_access *access)
{
	uint32_t id;
	int rc;

	for (id = 0; id < iopt->access_cap; id++)
		if (!iopt->access_list[id])
			break;
	if (id == IOPT_ACCESS_ID_LIMIT)
		return -EBUSY;
	if (id == iopt->access_cap) {
		uint32_t cap = iopt->access_cap ? iopt->access_cap * 2 : 4;
		struct iopt_access **grown;

		if (cap > IOPT_ACCESS_ID_LIMIT)
			cap = IOPT_ACCESS_ID_LIMIT;
		grown = realloc(iopt->access_list, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memset(grown + iopt->access_cap, 0,
		       (cap - iopt->access_cap) * sizeof(*grown));
		iopt->access_list = grown;
		iopt->access_cap = cap;
	}
	iopt->access_list[id] = access;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc) {
		iopt->access_list[id] = NULL;
		return rc;
	}
	access->iopt_access_list_id = id;
	return 0;
}

void iopt_remove_access(struct io_pagetable *iopt, struct iopt_access *access,
			uint32_t id)
{
	if (id < iopt->access_cap && iopt->access_list[id] == access)
		iopt->access_list[id] = NULL;
	iopt_calculate_iova_alignment(iopt);
}

/* Access pins must cover whole pages except at the ends of the request */
static bool contig_is_aligned(const struct contig_iter *c, bool done)
{
	if (iopt_area_start_byte(c->area, c->cur_iova) % IOPT_PAGE_SIZE)
		return false;
	if (!done && (iopt_area_start_byte(c->area, c->area->last) %
		      IOPT_PAGE_SIZE) != IOPT_PAGE_SIZE - 1)
		return false;
	return true;
}

static void access_unpin_range(struct io_pagetable *iopt, uint64_t iova,
			       uint64_t last_iova)
{
	struct iopt_area *area;
	struct contig_iter c;

	for_each_contig_area(&c, area, iopt, iova, last_iova) {
		uint64_t last = min_u64(last_iova, area->last);

		iopt_pages_unpin(area->pages,
				 iopt_area_start_byte(area, c.cur_iova) >>
					 IOPT_PAGE_SHIFT,
				 iopt_area_start_byte(area, last) >>
					 IOPT_PAGE_SHIFT);
		area->num_accesses--;
	}
}

int iopt_access_pin(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    bool write, uint64_t *pfns)
{
	struct iopt_area *area;
	struct contig_iter c;
	uint64_t last_iova;
	int rc = 0;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last_iova))
		return -EOVERFLOW;

	for_each_contig_area(&c, area, iopt, iova, last_iova) {
		uint64_t last = min_u64(last_iova, area->last);
		uint64_t index = iopt_area_start_byte(area, c.cur_iova) >>
				 IOPT_PAGE_SHIFT;
		uint64_t last_index = iopt_area_start_byte(area, last) >>
				      IOPT_PAGE_SHIFT;

		if (area->prevent_access ||
		    !contig_is_aligned(&c, last_iova <= area->last)) {
			rc = -EINVAL;
			break;
		}
		if (!(area->iommu_prot & (write ? IOMMU_WRITE : IOMMU_READ)) ||
		    (write && !area->pages->writable)) {
			rc = -EPERM;
			break;
		}
		rc = iopt_pages_pin(area->pages, index, last_index);
		if (rc)
			break;
		area->num_accesses++;
		if (pfns)
			for (uint64_t i = index; i <= last_index; i++)
				*pfns++ = iopt_pages_pfn(area->pages, i);
	}
	if (!rc && !contig_done(&c))
		rc = -ENOENT;
	if (rc && iova < c.cur_iova)
		access_unpin_range(iopt, iova, c.cur_iova - 1);
	return rc;
}

void iopt_access_unpin(struct io_pagetable *iopt, uint64_t iova,
		       uint64_t length)
{
	uint64_t last_iova;

	if (!length || __builtin_add_overflow(iova, length - 1, &last_iova))
		return;
	access_unpin_range(iopt, iova, last_iova);
}

/*
 * iopt_pages_rw_slow(): page by page through the physical pages: the
 * pinned ones as they are, the others pinned from the mapping task just
 * for the copy (which fails once that task is gone).
 */
static int pages_rw_slow(struct iopt_pages *pages, uint64_t start_byte,
			 char *p, uint64_t bytes, bool write)
{
	const struct iommufd_mem *mem = &pages->source->mem;

	while (bytes) {
		uint64_t index = start_byte / IOPT_PAGE_SIZE;
		uint64_t off = start_byte % IOPT_PAGE_SIZE;
		uint64_t n = IOPT_PAGE_SIZE - off, pfn;
		bool temp = !iopt_pages_users(pages, index);
		char *page;

		if (n > bytes)
			n = bytes;
		if (!mem->ops->pinned_page)
			return -EFAULT;
		if (temp) {
			if (mem->ops->pin(mem->priv,
					  pages->uptr + index * IOPT_PAGE_SIZE, 1,
					  write, &pfn))
				return -EFAULT;
		} else {
			pfn = iopt_pages_pfn(pages, index);
		}
		page = mem->ops->pinned_page(mem->priv, pfn);
		if (page) {
			if (write)
				memcpy(page + off, p, n);
			else
				memcpy(p, page + off, n);
		}
		if (temp)
			mem->ops->unpin(mem->priv, &pfn, 1);
		if (!page)
			return -EFAULT;
		p += n;
		start_byte += n;
		bytes -= n;
	}
	return 0;
}

/*
 * iommufd_access_rw(). Like iopt_pages_rw_access(): the mapping task's
 * own calls copy through its user addresses, anyone else (another task, a
 * kernel thread, or the test kernel's SLOW_PATH) goes through the pages.
 */
int iopt_access_rw(struct io_pagetable *iopt, const struct iommufd_env *caller,
		   uint64_t iova, void *data, uint64_t length,
		   unsigned int flags)
{
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	struct iopt_area *area;
	struct contig_iter c;
	uint64_t last_iova = iova + length - 1;
	char *p = data;
	int rc = -EINVAL;

	for_each_contig_area(&c, area, iopt, iova, last_iova) {
		uint64_t last = min_u64(last_iova, area->last);
		uint64_t bytes = last - c.cur_iova + 1;
		struct iopt_pages *pages = area->pages;
		const struct iommufd_mem *mem = &pages->source->mem;
		uint64_t uva = pages->uptr + iopt_area_start_byte(area,
								   c.cur_iova);

		if (area->prevent_access)
			return -EINVAL;
		if (!(area->iommu_prot & (write ? IOMMU_WRITE : IOMMU_READ)))
			return -EPERM;
		if (write && !pages->writable)
			return -EPERM;
		if (pages->source != caller ||
		    (flags & (IOMMUFD_ACCESS_RW_KTHREAD |
			      IOMMUFD_ACCESS_RW_SLOW_PATH))) {
			rc = pages_rw_slow(pages,
					   iopt_area_start_byte(area, c.cur_iova),
					   p, bytes, write);
			if (rc)
				return rc;
			p += bytes;
			continue;
		}
		/* fail-nth: the same-mm fast path's copy_{to,from}_user() */
		if (iommufd_should_fail_usercopy(pages->source))
			return -EFAULT;
		rc = write ? mem->ops->write(mem->priv, uva, p, bytes) :
			     mem->ops->read(mem->priv, p, uva, bytes);
		if (rc)
			return -EFAULT;
		p += bytes;
	}
	if (!contig_done(&c))
		rc = -ENOENT;
	return rc;
}
