/* SPDX-License-Identifier: MIT */
/*
 * itree: an interval tree of inclusive [start, last] u64 spans.
 *
 * The kernel keeps IOVA areas, allowed ranges and reserved ranges in
 * rbtree-based interval trees. At a million live areas an rbtree walk is a
 * cache miss per level, so this is a B+tree instead: keys are span starts,
 * every leaf slot holds (start, last, item) inline so a search never touches
 * the items, leaves are doubly linked for ordered walks, and every child
 * pointer of an interior node carries the largest `last` below it. That
 * augmentation makes "lowest span intersecting [s, l]" a single descent
 * even when spans overlap (reserved ranges do; areas and allowed ranges
 * never do).
 *
 * Spans with equal starts are kept in insertion order. Items are opaque
 * to the tree; removal is by (start, item) so duplicates are unambiguous.
 *
 * Cursors (struct itree_iter) stay valid until the tree is modified.
 */
#ifndef MODEL_IOPT_ITREE_H
#define MODEL_IOPT_ITREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct itree_node;  /* interior node, private */
struct itree_leaf;  /* leaf node, private */

struct itree {
	void *root;		/* leaf when height == 0 */
	unsigned int height;	/* interior levels above the leaves */
	size_t count;		/* spans stored */
	/*
	 * Some two spans have intersected since the tree was last empty.
	 * Area and allowed trees never set it, and while it is clear the
	 * overlap query can route by start like a plain search.
	 */
	bool overlapping;
	struct itree_leaf *first, *last; /* leaf list ends */
	/*
	 * A few freed blocks kept for the next split so churn does not call
	 * malloc, and so a re-insert right after a removal usually needs no
	 * allocation at all. Private to itree.c.
	 */
	void *spare;
	unsigned int nspare;
	/*
	 * The leaf the last insert went into, or NULL: a lookup whose key
	 * falls inside its span of starts needs no descent (unmapping what
	 * was just mapped, sequential maps). Private to itree.c.
	 */
	struct itree_leaf *finger;
};

struct itree_iter {
	struct itree_leaf *leaf;
	unsigned int idx;
	/* copies of the current slot, valid when the iterator is valid */
	uint64_t start, last;
	void *item;
};

void itree_init(struct itree *t);
/* Frees the tree's own memory, not the items */
void itree_destroy(struct itree *t);
static inline bool itree_empty(const struct itree *t) { return t->count == 0; }

/* 0 or -ENOMEM (tree unchanged on failure). Requires start <= last. */
int itree_insert(struct itree *t, uint64_t start, uint64_t last, void *item);
/*
 * itree_insert() unless [start, last] meets a stored span: then -EEXIST
 * and the tree is unchanged. One descent does both the check and the
 * insert while the spans are disjoint.
 */
int itree_insert_disjoint(struct itree *t, uint64_t start, uint64_t last,
			  void *item);
/* Remove the span with this start and item; false if not present */
bool itree_remove(struct itree *t, uint64_t start, const void *item);
/*
 * Remove the span @it is on (fresh from a lookup: nothing changed in the
 * tree since); the same as itree_remove() of its start and item, without a
 * second descent in the common case.
 */
bool itree_remove_at(struct itree *t, const struct itree_iter *it);
/* Change the `last` of a stored span in place (start and order unchanged) */
bool itree_set_last(struct itree *t, uint64_t start, const void *item,
		    uint64_t new_last);

/*
 * Lowest-start span intersecting [start, last]: fills @it and returns true,
 * or returns false.
 */
bool itree_iter_first(const struct itree *t, uint64_t start, uint64_t last,
		      struct itree_iter *it);
/* Next span (in start order) intersecting [start, last] after @it */
bool itree_iter_next(struct itree_iter *it, uint64_t start, uint64_t last);

/* Ordered walk over every span, regardless of intersection */
bool itree_first(const struct itree *t, struct itree_iter *it);
bool itree_next(struct itree_iter *it);
bool itree_prev(struct itree_iter *it);
/* Span with the greatest start <= @key (i.e. the predecessor of key+1) */
bool itree_find_le(const struct itree *t, uint64_t key, struct itree_iter *it);

/* Bytes of memory owned by the tree (nodes and leaves), for benchmarks */
size_t itree_memory(const struct itree *t);
/* Structural self-check; 0 or -1 with a message in @why */
int itree_check(const struct itree *t, char *why, size_t len);

#endif
