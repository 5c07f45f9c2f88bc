/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory for page-table pages the "kernel" allocates.
 *
 * Contract: per instance, no globals. Pages are 4 KiB, zeroed on
 * allocation, and get physical addresses from @base upwards (PT_PHYS_BASE
 * by default: above the 2^48 that user-memory PFNs stay below, so a table
 * PA is never mistaken for a user page). A freed PA is handed out again
 * before any new one (last freed first), so runs are deterministic. The
 * host page behind a PA keeps the PA's offset within its 4 KiB, and stays
 * put until freed.
 */
#ifndef MODEL_PT_PHYS_H
#define MODEL_PT_PHYS_H

#include <stdint.h>

#include "pt/pt.h"

#define PT_PHYS_BASE (1ull << 50)

struct pt_phys {
	uint64_t base;
	void **pages;		/* slot -> host page, NULL when free */
	uint64_t nslots, slots_cap;
	uint64_t *free_slots;	/* stack of free slot numbers */
	uint64_t nfree, free_cap;
	uint64_t npages;	/* pages currently allocated */
	uint64_t limit;		/* allocations fail beyond this many; 0: none */
};

void pt_phys_init(struct pt_phys *p, uint64_t base);
/* Frees every page still allocated */
void pt_phys_destroy(struct pt_phys *p);
/* 0 and *pa, or -ENOMEM (host memory, or the limit) */
int pt_phys_alloc(struct pt_phys *p, uint64_t *pa);
/* @pa: any address inside an allocated page; anything else is ignored */
void pt_phys_free(struct pt_phys *p, uint64_t pa);
/* Host pointer to the byte at @pa, or NULL when @pa is not allocated */
void *pt_phys_ptr(const struct pt_phys *p, uint64_t pa);
/* The pt_mem view the walker uses */
struct pt_mem pt_phys_mem(struct pt_phys *p);

#endif
