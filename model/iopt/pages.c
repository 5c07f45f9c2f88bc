// SPDX-License-Identifier: MIT
/*
 * iopt_pages: one linear chunk of user VA, the PFNs pinned from it, and the
 * locked-memory accounting of those pins (drivers/iommu/iommufd/pages.c).
 *
 * The kernel pins a page index exactly once while it is covered by an area
 * filled into domains (domains_itree) or by an in-kernel access
 * (access_itree), and charges locked memory after each batch of pins. Here
 * every page index carries a count of the users covering it: an index is
 * pinned (one provider pin, one accounted page) exactly while its count is
 * non-zero. That is the same union rule with simpler bookkeeping, and it is
 * what the invariant checker recomputes from the areas and accesses.
 *
 * Pins live in a sparse map of 512-index chunks so that a terabyte mapping
 * with a few pinned pages costs a few chunks, not a flat array.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "iopt/io_pagetable.h"

#define PIN_CHUNK_SHIFT 9
#define PIN_CHUNK (1u << PIN_CHUNK_SHIFT)

struct pin_chunk {
	uint64_t index; /* chunk number */
	uint32_t nused; /* indexes with users != 0 */
	uint32_t users[PIN_CHUNK];
	uint64_t pfn[PIN_CHUNK];
};

/* Open-addressed hash of chunk number -> chunk, power-of-two sized */
struct iopt_pin_map {
	struct pin_chunk **slot;
	uint64_t cap;
	uint64_t count;
};

static uint64_t hash_index(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static struct pin_chunk **map_lookup(const struct iopt_pin_map *map,
				     uint64_t index)
{
	uint64_t mask = map->cap - 1;
	uint64_t i = hash_index(index) & mask;

	while (map->slot[i] && map->slot[i]->index != index)
		i = (i + 1) & mask;
	return &map->slot[i];
}

static struct pin_chunk *map_find(const struct iopt_pin_map *map,
				  uint64_t index)
{
	if (!map || !map->cap)
		return NULL;
	return *map_lookup(map, index);
}

static int map_grow(struct iopt_pin_map *map)
{
	struct iopt_pin_map bigger = { .cap = map->cap ? map->cap * 2 : 8 };
	uint64_t i;

	bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	for (i = 0; i < map->cap; i++)
		if (map->slot[i])
			*map_lookup(&bigger, map->slot[i]->index) = map->slot[i];
	bigger.count = map->count;
	free(map->slot);
	*map = bigger;
	return 0;
}

static struct pin_chunk *map_get(struct iopt_pages *pages, uint64_t index)
{
	struct iopt_pin_map *map = pages->pins;
	struct pin_chunk **slot, *chunk;

	if (!map) {
		map = calloc(1, sizeof(*map));
		if (!map)
			return NULL;
		pages->pins = map;
	}
	if (map->cap) {
		chunk = *map_lookup(map, index);
		if (chunk)
			return chunk;
	}
	if ((map->count + 1) * 4 > map->cap * 3 && map_grow(map))
		return NULL;
	chunk = calloc(1, sizeof(*chunk));
	if (!chunk)
		return NULL;
	chunk->index = index;
	slot = map_lookup(map, index);
	*slot = chunk;
	map->count++;
	return chunk;
}

/* Backward-shift deletion keeps probe chains intact without tombstones */
static void map_drop(struct iopt_pin_map *map, struct pin_chunk *chunk)
{
	uint64_t mask = map->cap - 1;
	uint64_t i = map_lookup(map, chunk->index) - map->slot;
	uint64_t j = i;

	free(chunk);
	map->slot[i] = NULL;
	map->count--;
	for (;;) {
		uint64_t home;

		j = (j + 1) & mask;
		if (!map->slot[j])
			break;
		home = hash_index(map->slot[j]->index) & mask;
		/* Move j back to i if i lies cyclically in [home, j) */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			map->slot[i] = map->slot[j];
			map->slot[j] = NULL;
			i = j;
		}
	}
}

static void map_free(struct iopt_pin_map *map)
{
	uint64_t i;

	if (!map)
		return;
	for (i = 0; i < map->cap; i++)
		free(map->slot[i]);
	free(map->slot);
	free(map);
}

struct iopt_pages *iopt_alloc_pages(const struct iommufd_env *env,
				    struct iopt_spares *spares, uint64_t uptr,
				    uint64_t length, bool writable, int *err)
{
	struct iopt_pages *pages;
	uint64_t end;

	/* The iommu API takes size_t lengths; keep DIV_ROUND_UP from wrapping */
	if (length > SIZE_MAX - IOPT_PAGE_SIZE || length == 0) {
		*err = -EINVAL;
		return NULL;
	}
	if (__builtin_add_overflow(uptr, length, &end)) {
		*err = -EOVERFLOW;
		return NULL;
	}
	/* fail-nth: iopt_alloc_pages()'s kzalloc */
	if (iommufd_should_fail_slab(env)) {
		*err = -ENOMEM;
		return NULL;
	}
	/* malloc, not calloc: glibc's calloc skips the per-thread cache */
	pages = iopt_spare_get(spares);
	if (!pages)
		pages = malloc(sizeof(*pages));
	if (!pages) {
		*err = -ENOMEM;
		return NULL;
	}
	*pages = (struct iopt_pages){ 0 };
	pages->refs = 1;
	pages->source = env;
	pages->uptr = uptr & ~(IOPT_PAGE_SIZE - 1);
	pages->npages = (length + (uptr - pages->uptr) + IOPT_PAGE_SIZE - 1) /
			IOPT_PAGE_SIZE;
	pages->writable = writable;
	pages->account_mode = (env->caps & IOMMUFD_CAP_IPC_LOCK) ?
				      IOPT_PAGES_ACCOUNT_NONE :
				      IOPT_PAGES_ACCOUNT_USER;
	return pages;
}

void iopt_put_pages_spare(struct iopt_pages *pages, struct iopt_spares *spares)
{
	if (--pages->refs)
		return;
	/* Every user unpinned before the last area let go */
	map_free(pages->pins);
	if (!iopt_spare_put(spares, pages))
		free(pages);
}

void iopt_pages_link_area(struct iopt_pages *pages, struct iopt_area *area)
{
	area->pages_next = pages->areas;
	pages->areas = area;
}

void iopt_pages_unlink_area(struct iopt_pages *pages, struct iopt_area *area)
{
	struct iopt_area **p;

	for (p = &pages->areas; *p; p = &(*p)->pages_next) {
		if (*p == area) {
			*p = area->pages_next;
			area->pages_next = NULL;
			return;
		}
	}
}

/*
 * Charge (or refund) the difference between what is pinned and what was
 * accounted, the way pfn_reader_user_update_pinned() does after a batch.
 */
static int pages_update_pinned(struct iopt_pages *pages)
{
	struct iommufd_acct *acct = pages->source->acct;
	uint64_t limit = pages->source->rlimit_memlock == IOMMUFD_RLIM_INFINITY ?
				 UINT64_MAX :
				 pages->source->rlimit_memlock >> IOPT_PAGE_SHIFT;
	bool inc = pages->npinned > pages->last_npinned;
	uint64_t n = inc ? pages->npinned - pages->last_npinned :
			   pages->last_npinned - pages->npinned;

	if (!n)
		return 0;
	/* fail-nth: update_pinned()'s iommufd_should_fail(), charges only */
	if (inc && iommufd_should_fail(pages->source))
		return -ENOMEM;
	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_USER:
		if (inc) {
			if (acct->user_locked_vm + n > limit ||
			    acct->user_locked_vm + n < n)
				return -ENOMEM;
			acct->user_locked_vm += n;
		} else {
			acct->user_locked_vm -= n;
		}
		break;
	case IOPT_PAGES_ACCOUNT_MM:
		/*
		 * __account_locked_vm(bypass_rlim=false): the limit always
		 * applies. CAP_IPC_LOCK counts only at MAP time, where it
		 * selects no accounting at all.
		 */
		if (inc) {
			if (acct->mm_locked_vm + n > limit ||
			    acct->mm_locked_vm + n < n)
				return -ENOMEM;
			acct->mm_locked_vm += n;
		} else {
			acct->mm_locked_vm -= n;
		}
		break;
	}
	if (inc)
		acct->mm_pinned_vm += n;
	else
		acct->mm_pinned_vm -= n;
	pages->last_npinned = pages->npinned;
	return 0;
}

/* Drop one user from [start, last]; unpin indexes whose count reaches 0 */
static void pages_drop_users(struct iopt_pages *pages, uint64_t start,
			     uint64_t last)
{
	const struct iommufd_mem *mem = &pages->source->mem;
	uint64_t index = start;

	while (index <= last) {
		struct pin_chunk *chunk =
			map_find(pages->pins, index >> PIN_CHUNK_SHIFT);
		uint64_t chunk_last = index | (PIN_CHUNK - 1);
		uint64_t end = chunk_last < last ? chunk_last : last;

		for (; chunk && index <= end; index++) {
			uint32_t i = index & (PIN_CHUNK - 1);

			if (--chunk->users[i])
				continue;
			mem->ops->unpin(mem->priv, &chunk->pfn[i], 1);
			chunk->pfn[i] = 0;
			chunk->nused--;
			pages->npinned--;
		}
		if (chunk && !chunk->nused)
			map_drop(pages->pins, chunk);
		if (end == UINT64_MAX)
			break;
		index = end + 1;
	}
}

/*
 * Add one user to each index; indexes going 0 -> 1 are pinned through the
 * memory provider in runs, then the new pins are charged. Any failure
 * leaves every count as it was.
 */
int iopt_pages_pin(struct iopt_pages *pages, uint64_t start, uint64_t last)
{
	const struct iommufd_mem *mem = &pages->source->mem;
	uint64_t index = start;
	int rc = 0;

	/* fail-nth: the pfn_batch's temp_kmalloc() (no backup buffer) */
	if (iommufd_should_fail(pages->source))
		return -ENOMEM;
	while (index <= last) {
		struct pin_chunk *chunk = map_get(pages, index >> PIN_CHUNK_SHIFT);
		uint64_t chunk_last = index | (PIN_CHUNK - 1);
		uint64_t end = chunk_last < last ? chunk_last : last;

		if (!chunk) {
			rc = -ENOMEM;
			break;
		}
		while (index <= end) {
			uint32_t i = index & (PIN_CHUNK - 1);
			uint64_t run = 0;

			if (chunk->users[i]) {
				chunk->users[i]++;
				index++;
				continue;
			}
			/* A run of unpinned indexes goes to the provider at once */
			while (index + run <= end &&
			       !chunk->users[(index + run) & (PIN_CHUNK - 1)])
				run++;
			/* fail-nth: pfn_reader_user_pin()'s, before GUP */
			if (iommufd_should_fail(pages->source)) {
				rc = -EFAULT;
				break;
			}
			rc = mem->ops->pin(mem->priv,
					   pages->uptr + index * IOPT_PAGE_SIZE,
					   run, pages->writable, &chunk->pfn[i]);
			if (rc)
				break;
			for (uint64_t k = 0; k < run; k++)
				chunk->users[i + k] = 1;
			chunk->nused += run;
			pages->npinned += run;
			index += run;
		}
		if (rc) {
			if (!chunk->nused)
				map_drop(pages->pins, chunk);
			break;
		}
		if (end == UINT64_MAX)
			break;
		index = end + 1;
	}
	if (!rc)
		rc = pages_update_pinned(pages);
	/*
	 * Undo this call's users; what was pinned but never charged is simply
	 * released. A fault (EFAULT) is reported before an over-limit charge
	 * (ENOMEM) when both would happen in one range; see SPEC.md.
	 */
	if (rc && index > start)
		pages_drop_users(pages, start, index - 1);
	return rc;
}

void iopt_pages_unpin(struct iopt_pages *pages, uint64_t start, uint64_t last)
{
	pages_drop_users(pages, start, last);
	pages_update_pinned(pages);
}

uint64_t iopt_pages_pfn(const struct iopt_pages *pages, uint64_t index)
{
	struct pin_chunk *chunk =
		map_find(pages->pins, index >> PIN_CHUNK_SHIFT);

	return chunk ? chunk->pfn[index & (PIN_CHUNK - 1)] : 0;
}

uint32_t iopt_pages_users(const struct iopt_pages *pages, uint64_t index)
{
	struct pin_chunk *chunk =
		map_find(pages->pins, index >> PIN_CHUNK_SHIFT);

	return chunk ? chunk->users[index & (PIN_CHUNK - 1)] : 0;
}

int iopt_pages_for_each_pinned(const struct iopt_pages *pages,
			       uint64_t first, uint64_t last,
			       int (*fn)(void *arg, uint64_t index), void *arg)
{
	uint64_t s, i;
	int rc;

	if (!pages->pins || first > last)
		return 0;
	for (s = 0; s < pages->pins->cap; s++) {
		const struct pin_chunk *chunk = pages->pins->slot[s];
		uint64_t lo, hi;

		if (!chunk || !chunk->nused)
			continue;
		lo = chunk->index << PIN_CHUNK_SHIFT;
		hi = lo + PIN_CHUNK - 1;
		if (hi < first || lo > last)
			continue;
		for (i = lo < first ? first : lo; i <= hi && i <= last; i++) {
			if (!chunk->users[i - lo])
				continue;
			rc = fn(arg, i);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * The pin invariant: every index is pinned exactly while some user covers
 * it, each filled area counting one user over its index range, and what is
 * pinned is what is accounted. Accesses add users the areas do not show, so
 * an index may have more users than filled areas only while some area of
 * these pages has access pins.
 */
int iopt_pages_check(const struct iopt_pages *pages, char *why, size_t len)
{
	const struct iopt_area *area;
	bool has_accesses = false;
	uint64_t pinned = 0, i, k;

	for (area = pages->areas; area; area = area->pages_next)
		if (area->num_accesses)
			has_accesses = true;

	/* Every pinned index: users == covering filled areas (+ accesses) */
	for (i = 0; pages->pins && i < pages->pins->cap; i++) {
		const struct pin_chunk *chunk = pages->pins->slot[i];
		uint32_t nused = 0;

		if (!chunk)
			continue;
		for (k = 0; k < PIN_CHUNK; k++) {
			uint64_t index = (chunk->index << PIN_CHUNK_SHIFT) | k;
			uint32_t cover = 0;

			if (!chunk->users[k])
				continue;
			nused++;
			if (index >= pages->npages)
				return snprintf(why, len, "pages %p: pinned index %llu beyond npages %llu",
						(void *)pages, (unsigned long long)index,
						(unsigned long long)pages->npages), -1;
			for (area = pages->areas; area; area = area->pages_next)
				if (area->filled && area->pages_index <= index &&
				    index <= iopt_area_last_index(area))
					cover++;
			if (chunk->users[k] < cover ||
			    (!has_accesses && chunk->users[k] != cover))
				return snprintf(why, len, "pages %p: index %llu has %u users, %u filled areas cover it",
						(void *)pages, (unsigned long long)index,
						chunk->users[k], cover), -1;
		}
		if (nused != chunk->nused || !nused)
			return snprintf(why, len, "pages %p: chunk %llu counts %u used, holds %u",
					(void *)pages, (unsigned long long)chunk->index,
					chunk->nused, nused), -1;
		pinned += nused;
	}
	/* Every index of a filled area is pinned */
	for (area = pages->areas; area; area = area->pages_next) {
		if (!area->filled)
			continue;
		for (i = area->pages_index; i <= iopt_area_last_index(area); i++)
			if (!iopt_pages_users(pages, i))
				return snprintf(why, len, "pages %p: index %llu of a filled area is not pinned",
						(void *)pages, (unsigned long long)i), -1;
	}
	if (pinned != pages->npinned)
		return snprintf(why, len, "pages %p: npinned %llu but %llu indexes pinned",
				(void *)pages, (unsigned long long)pages->npinned,
				(unsigned long long)pinned), -1;
	if (pages->last_npinned != pages->npinned)
		return snprintf(why, len, "pages %p: %llu pinned but %llu accounted",
				(void *)pages, (unsigned long long)pages->npinned,
				(unsigned long long)pages->last_npinned), -1;
	return 0;
}
