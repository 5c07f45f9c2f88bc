// SPDX-License-Identifier: MIT
/*
 * Simulated physical pages: a slot array indexed by (pa - base) / 4 KiB,
 * plus a stack of free slots so PAs are reused deterministically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt/phys.h"

void pt_phys_init(struct pt_phys *p, uint64_t base)
{
	memset(p, 0, sizeof(*p));
	p->base = base & ~(PT_GRANULE - 1);
}

void pt_phys_destroy(struct pt_phys *p)
{
	uint64_t i;

	for (i = 0; i < p->nslots; i++)
		free(p->pages[i]);
	free(p->pages);
	free(p->free_slots);
	memset(p, 0, sizeof(*p));
}

/* Room for @need elements of @elem bytes: the (maybe moved) array or NULL */
static void *grow(void *arr, uint64_t *cap, size_t elem, uint64_t need)
{
	uint64_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return arr;
	while (ncap < need)
		ncap *= 2;
	n = realloc(arr, ncap * elem);
	if (n)
		*cap = ncap;
	return n;
}

int pt_phys_alloc(struct pt_phys *p, uint64_t *pa)
{
	uint64_t slot, *slots;
	void *page;

	if (p->limit && p->npages >= p->limit)
		return -ENOMEM;
	/* the free stack must be able to take this page back without failing */
	slots = grow(p->free_slots, &p->free_cap, sizeof(uint64_t),
		     p->npages + 1);
	if (!slots)
		return -ENOMEM;
	p->free_slots = slots;
	page = aligned_alloc(PT_GRANULE, PT_GRANULE);
	if (!page)
		return -ENOMEM;
	memset(page, 0, PT_GRANULE);
	if (p->nfree) {
		slot = p->free_slots[--p->nfree];
	} else {
		void **pages = grow(p->pages, &p->slots_cap, sizeof(void *),
				    p->nslots + 1);

		if (!pages) {
			free(page);
			return -ENOMEM;
		}
		p->pages = pages;
		slot = p->nslots++;
	}
	p->pages[slot] = page;
	p->npages++;
	*pa = p->base + slot * PT_GRANULE;
	return 0;
}

static int slot_of(const struct pt_phys *p, uint64_t pa, uint64_t *slot)
{
	if (pa < p->base)
		return -EINVAL;
	*slot = (pa - p->base) >> PT_GRANULE_LG2;
	if (*slot >= p->nslots || !p->pages[*slot])
		return -EINVAL;
	return 0;
}

void pt_phys_free(struct pt_phys *p, uint64_t pa)
{
	uint64_t slot;

	if (slot_of(p, pa, &slot))
		return;
	free(p->pages[slot]);
	p->pages[slot] = NULL;
	p->free_slots[p->nfree++] = slot;
	p->npages--;
}

void *pt_phys_ptr(const struct pt_phys *p, uint64_t pa)
{
	uint64_t slot;

	if (slot_of(p, pa, &slot))
		return NULL;
	return (char *)p->pages[slot] + (pa & (PT_GRANULE - 1));
}

static uint64_t *phys_entry(void *priv, uint64_t pa)
{
	if (pa & 7)
		return NULL;
	return pt_phys_ptr(priv, pa);
}

static int phys_alloc_table(void *priv, uint64_t *pa)
{
	return pt_phys_alloc(priv, pa);
}

static void phys_free_table(void *priv, uint64_t pa)
{
	pt_phys_free(priv, pa);
}

static const struct pt_mem_ops phys_mem_ops = {
	.entry = phys_entry,
	.alloc_table = phys_alloc_table,
	.free_table = phys_free_table,
};

struct pt_mem pt_phys_mem(struct pt_phys *p)
{
	return (struct pt_mem){ .ops = &phys_mem_ops, .priv = p };
}
