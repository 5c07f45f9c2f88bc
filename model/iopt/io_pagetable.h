/* SPDX-License-Identifier: MIT */
/*
 * The io_pagetable: the IOVA space of one IOAS.
 *
 * Modelled on drivers/iommu/iommufd/io_pagetable.{c,h} and pages.c:
 *
 *  - areas (iopt_area) cover IOVA ranges and never overlap; each takes a
 *    byte slice of one iopt_pages. MAP creates one pages per call; COPY and
 *    the VFIO type1 split make several areas share one pages.
 *  - allowed ranges steer the automatic IOVA allocator; reserved ranges
 *    (each with an owner: a domain's aperture complement, a device's
 *    reserved regions, or none) forbid IOVA.
 *  - domains are the page tables the areas are mirrored into. Adding a
 *    domain fills it with every area; a new area is filled into every
 *    domain. Pages are pinned only while some domain or in-kernel access
 *    needs them, which is also when locked memory is charged.
 *
 * An area whose `pages` is NULL is under construction; the model is single
 * threaded so that window is never visible from outside, but the field is
 * kept so the EBUSY paths read like the kernel's.
 *
 * IOVAs are 64-bit and `last` is inclusive everywhere.
 */
#ifndef MODEL_IOPT_IO_PAGETABLE_H
#define MODEL_IOPT_IO_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/model.h>

#include "iopt/itree.h"

#define IOPT_PAGE_SHIFT 12
#define IOPT_PAGE_SIZE (1ull << IOPT_PAGE_SHIFT)
/* HPAGE_SIZE of an x86-64 kernel with THP: caps the allocator's alignment */
#define IOPT_HPAGE_SIZE (2ull << 20)
#define IOPT_ULONG_MAX UINT64_MAX

/* iommu_prot bits (include/linux/iommu.h) */
#define IOMMU_READ (1 << 0)
#define IOMMU_WRITE (1 << 1)
#define IOMMU_CACHE (1 << 2)

enum {
	IOPT_PAGES_ACCOUNT_NONE = 0,
	IOPT_PAGES_ACCOUNT_USER = 1,
	IOPT_PAGES_ACCOUNT_MM = 2,
};

struct iopt_pages;
struct iopt_domain;
struct iopt_access;

struct iopt_area {
	uint64_t start, last;	 /* IOVA, inclusive */
	uint64_t pages_index;	 /* first page index of the slice in pages */
	struct iopt_pages *pages; /* NULL while under construction */
	struct iopt_area *pages_next; /* list of the areas of one pages */
	uint32_t page_offset;	 /* bytes into the first page */
	uint32_t num_accesses;	 /* in-kernel access pins inside the area */
	uint8_t iommu_prot;
	bool prevent_access;	 /* unmap pending; new pins are refused */
	bool filled;		 /* mapped into the domains (storage_domain) */
	bool in_tree;		 /* inserted in area_itree */
};

static inline uint64_t iopt_area_length(const struct iopt_area *area)
{
	return area->last - area->start + 1;
}

/* Byte offset into the pages where @iova lives */
static inline uint64_t iopt_area_start_byte(const struct iopt_area *area,
					    uint64_t iova)
{
	return (iova - area->start) + area->page_offset +
	       area->pages_index * IOPT_PAGE_SIZE;
}

static inline uint64_t iopt_area_last_index(const struct iopt_area *area)
{
	return (area->pages_index * IOPT_PAGE_SIZE + area->page_offset +
		iopt_area_length(area) - 1) >> IOPT_PAGE_SHIFT;
}

/*
 * A domain as the io_pagetable sees it: an IOVA -> PA store with a page-size
 * bitmap and an aperture. Page-table formats implement the ops; map is
 * called with runs that are contiguous in both IOVA and PA.
 */
struct iopt_domain_ops {
	int (*map)(struct iopt_domain *domain, uint64_t iova, uint64_t paddr,
		   uint64_t len, int prot);
	/* Returns bytes unmapped; never fails for a range it mapped */
	uint64_t (*unmap)(struct iopt_domain *domain, uint64_t iova,
			  uint64_t len);
};

struct iopt_domain {
	const struct iopt_domain_ops *ops;
	uint64_t pgsize_bitmap;
	uint64_t aperture_start, aperture_end;
};

/*
 * An in-kernel user of the IOVA space (iommufd_access). unmap() is the
 * notifier the kernel calls when userspace unmaps IOVA the access pinned:
 * the access must unpin everything in the range before it returns.
 */
struct iopt_access_ops {
	void (*unmap)(struct iopt_access *access, uint64_t iova,
		      uint64_t length);
};

struct iopt_access {
	const struct iopt_access_ops *ops;
	uint64_t iova_alignment;
	uint32_t iopt_access_list_id;
};

/*
 * A few freed objects kept for the next MAP, so that map/unmap churn does
 * not go through malloc and free (the interval trees keep spare blocks for
 * the same reason).
 */
#define IOPT_SPARE_MAX 4
struct iopt_spares {
	void *slot[IOPT_SPARE_MAX];
	unsigned int n;
};

static inline void *iopt_spare_get(struct iopt_spares *s)
{
	return s && s->n ? s->slot[--s->n] : NULL;
}

/* false: no room, the caller frees @p */
static inline bool iopt_spare_put(struct iopt_spares *s, void *p)
{
	if (!s || s->n == IOPT_SPARE_MAX)
		return false;
	s->slot[s->n++] = p;
	return true;
}

struct io_pagetable {
	struct itree area_itree;
	struct itree allowed_itree;
	struct itree reserved_itree; /* item: owner (may be NULL) */
	struct iopt_domain **domains;
	uint32_t next_domain_id;     /* number of domains, dense */
	uint32_t domains_cap;
	struct iopt_access **access_list; /* slot per id, NULL when free */
	uint32_t access_cap;
	uint64_t iova_alignment;
	bool disable_large_pages;
	struct iopt_spares spare_areas, spare_pages;
};

/* Where a pinned page lives: chunked sparse map of page index -> pin */
struct iopt_pin_map;

struct iopt_pages {
	uint32_t refs;
	bool writable;
	uint8_t account_mode;
	uint64_t uptr;	 /* page aligned */
	uint64_t npages;
	uint64_t npinned;	/* indexes currently pinned */
	uint64_t last_npinned;	/* indexes currently accounted */
	const struct iommufd_env *source; /* the mapping task and its mm */
	struct iopt_area *areas; /* every area slicing these pages */
	struct iopt_pin_map *pins;
};

/* ---- io_pagetable.c */
void iopt_init_table(struct io_pagetable *iopt);
void iopt_destroy_table(struct io_pagetable *iopt);

#define IOPT_ALLOC_IOVA (1u << 0)

int iopt_map_user_pages(struct io_pagetable *iopt, const struct iommufd_env *env,
			uint8_t ctx_account_mode, uint64_t *iova, uint64_t uptr,
			uint64_t length, int iommu_prot, unsigned int flags);

/* A slice of pages to be mapped (COPY source); pages holds a reference */
struct iopt_pages_list {
	struct iopt_pages *pages;
	uint64_t start_byte;
	uint64_t length;
};

int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list **list, size_t *nlist);
void iopt_free_pages_list(struct iopt_pages_list *list, size_t nlist);
int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages_list *list,
		   size_t nlist, uint64_t length, uint64_t *dst_iova,
		   int iommu_prot, unsigned int flags);

int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped);
int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped);
int iopt_cut_iova(struct io_pagetable *iopt, const uint64_t *iovas,
		  size_t num_iovas);

/* Replaces the allowed list with @ranges[n] (already validated) */
int iopt_set_allow_iova(struct io_pagetable *iopt, struct itree *allowed);
int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start, uint64_t last,
		      void *owner);
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner);

int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iopt_domain *domain);
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iopt_domain *domain);
void iopt_enable_large_pages(struct io_pagetable *iopt);
int iopt_disable_large_pages(struct io_pagetable *iopt);

int iopt_add_access(struct io_pagetable *iopt, struct iopt_access *access);
/*
 * @id: the access's slot in @iopt, read before an iopt_add_access() for
 * another table overwrote iopt_access_list_id (a replace adds first)
 */
void iopt_remove_access(struct io_pagetable *iopt, struct iopt_access *access,
			uint32_t id);
/*
 * iommufd_access_pin_pages(): pin [iova, iova+length) on behalf of an
 * access; fills @pfns (one per page touched) when not NULL.
 */
int iopt_access_pin(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    bool write, uint64_t *pfns);
void iopt_access_unpin(struct io_pagetable *iopt, uint64_t iova,
		       uint64_t length);

/* Copy @length bytes to (@write) or from the memory behind the IOVAs */
int iopt_access_rw(struct io_pagetable *iopt, const struct iommufd_env *caller,
		   uint64_t iova, void *data, uint64_t length,
		   unsigned int flags);

/* ---- alloc.c: the automatic IOVA allocator */
int iopt_alloc_iova(struct io_pagetable *iopt, uint64_t *iova, uint64_t uptr,
		    uint64_t length);

/* ---- pages.c */
/* @spares: where to take the memory from first, or NULL */
struct iopt_pages *iopt_alloc_pages(const struct iommufd_env *env,
				    struct iopt_spares *spares, uint64_t uptr,
				    uint64_t length, bool writable, int *err);
/* @spares: where the memory goes if this was the last reference, or NULL */
void iopt_put_pages_spare(struct iopt_pages *pages, struct iopt_spares *spares);
static inline void iopt_put_pages(struct iopt_pages *pages)
{
	iopt_put_pages_spare(pages, NULL);
}
static inline void iopt_get_pages_ref(struct iopt_pages *pages)
{
	pages->refs++;
}
void iopt_pages_link_area(struct iopt_pages *pages, struct iopt_area *area);
void iopt_pages_unlink_area(struct iopt_pages *pages, struct iopt_area *area);
/* Add one user to each index of [start, last]; pins and charges 0 -> 1 */
int iopt_pages_pin(struct iopt_pages *pages, uint64_t start, uint64_t last);
void iopt_pages_unpin(struct iopt_pages *pages, uint64_t start, uint64_t last);
/* PFN of a pinned index; the index must be pinned */
uint64_t iopt_pages_pfn(const struct iopt_pages *pages, uint64_t index);
uint32_t iopt_pages_users(const struct iopt_pages *pages, uint64_t index);
/*
 * fn(arg, index) for each pinned index in [first, last], in no particular
 * order, at a cost set by what is pinned rather than by the span; stops at
 * and returns fn's first non-zero result.
 */
int iopt_pages_for_each_pinned(const struct iopt_pages *pages,
			       uint64_t first, uint64_t last,
			       int (*fn)(void *arg, uint64_t index), void *arg);

int iopt_pages_check(const struct iopt_pages *pages, char *why, size_t len);

/* ---- check.c */
int iopt_check(const struct io_pagetable *iopt, char *why, size_t len);

#endif
