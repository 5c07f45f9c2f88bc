// SPDX-License-Identifier: MIT
/*
 * itree: a B+tree interval tree (see itree.h for the contract).
 *
 * Why a B+tree. The area tree of a busy IOAS holds up to a million spans
 * and every map/unmap does an overlap query, an insert or a removal at a
 * random position. An rbtree costs one dependent cache miss per level
 * (~20 levels at 1e6) and 40+ bytes of node per span on top of the span
 * itself. Here a leaf keeps up to LEAF_SLOTS spans inline as three
 * parallel arrays (start[], last[], item[]): the search touches only the
 * start[] lines, the items are never dereferenced, and a span costs its 24
 * bytes divided by the fill factor. Interior nodes are small and few
 * (one per ~500 spans) so the top of the tree stays in cache and a descent
 * at 1e6 spans is ~2 misses instead of ~20.
 *
 * Keys. Each interior node stores, per child, the exact smallest start
 * below that child (key[]) and the exact largest last below it
 * (maxlast[]). Exact (rather than mere separator) keys cost nothing extra:
 * removal already walks its path bottom-up to repair maxlast, and exact
 * keys let find_le and the overlap query reject a child without visiting
 * it. Routing picks the last child whose key is <= the start, so among
 * equal starts a new span goes after the existing ones (insertion order).
 *
 * Overlap query. Children are ordered by start, so the first child whose
 * maxlast reaches the query start either holds the answer or proves there
 * is none: if its key is past the query end, so is every later span, and
 * if its qualifying span starts past the query end, so does everything
 * after it. Hence one descent with no backtracking, overlapping or not.
 *
 * Keeping it exact. Insert knows the new span before it mutates, so it
 * lowers key[] / raises maxlast[] on the way down (O(1) per level).
 * Removal can only shrink a maximum, so a level recomputes its child's
 * maximum only when the removed `last` was that maximum, and the walk up
 * stops at the first level whose entry did not change.
 *
 * Balance. A full leaf first hands spans to an adjacent sibling with room
 * and only splits (in halves) when neither has any; that lifts leaf fill
 * under random churn from ~65% to ~77% (34 instead of 40 bytes per span)
 * and makes ascending inserts fill leaves almost completely. Removal that
 * leaves a node under half full borrows from an adjacent sibling (evening
 * the two out, so the next removal there does not borrow again) or merges
 * with it when the sibling is at the minimum. Non-root nodes are therefore
 * always at least half full.
 *
 * Failure. Before touching anything, insert counts the blocks the split
 * cascade will need and gets them into the tree's spare list; after that
 * nothing can fail, so -ENOMEM always leaves the contents untouched. Freed
 * blocks go back to the spare list (bounded by SPARE_MAX), which is also
 * what keeps steady churn away from malloc. Leaves and interior nodes are
 * the same block type so one list serves both.
 *
 * Latency. At 1e5+ spans every descent is a cache miss at the leaf and
 * often one level above. Those two levels get all their lines requested
 * at once (prefetch_block), and every node is searched by a binary search
 * without branches (random keys would mispredict half of them), so a node
 * costs one memory latency however many of its lines are touched. The
 * leaf of the last insert (the finger) answers a disjoint lookup inside
 * its starts with no descent at all: unmapping what was just mapped, or
 * mapping next to it, stays in that leaf.
 *
 * Cursors carry (leaf, slot); leaves are doubly linked so ordered walks
 * and iter_next never go back up the tree. That makes iter_next linear in
 * the spans it steps over, which for non-overlapping trees are exactly the
 * spans it returns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itree.h"

/* Overridable so tests and measurements can try other shapes */
#ifndef ITREE_LEAF_SLOTS
#define ITREE_LEAF_SLOTS 32
#endif
#ifndef ITREE_NODE_SLOTS
#define ITREE_NODE_SLOTS 32
#endif

#define LEAF_SLOTS ITREE_LEAF_SLOTS
#define NODE_SLOTS ITREE_NODE_SLOTS
#define LEAF_MIN (LEAF_SLOTS / 2)
#define NODE_MIN (NODE_SLOTS / 2)
/*
 * With at least 2 entries per non-root node, 64 levels would need more
 * than 2^64 spans.
 */
#define MAX_HEIGHT 64
/* One full split cascade at realistic heights, and not much more */
#define SPARE_MAX 8

/* A non-root leaf must keep a span after a removal for key[] to exist */
_Static_assert(LEAF_SLOTS >= 4 && NODE_SLOTS >= 4, "fanout too small");
/* count_le_cap() searches in power-of-two steps */
_Static_assert(!(LEAF_SLOTS & (LEAF_SLOTS - 1)) &&
	       !(NODE_SLOTS & (NODE_SLOTS - 1)), "fanout not a power of two");

struct itree_leaf {
	uint64_t start[LEAF_SLOTS];
	uint64_t last[LEAF_SLOTS];
	void *item[LEAF_SLOTS];
	struct itree_leaf *prev, *next;
	unsigned int n;
};

struct itree_node {
	uint64_t key[NODE_SLOTS];
	uint64_t maxlast[NODE_SLOTS];
	void *child[NODE_SLOTS];
	unsigned int n;
};

union itree_block {
	struct itree_leaf leaf;
	struct itree_node node;
	union itree_block *next_spare;
};

/* Root at level 0; node[height - 1] is a parent of leaves */
struct itree_path {
	struct itree_node *node[MAX_HEIGHT];
	unsigned int idx[MAX_HEIGHT];
};

/* ------------------------------------------------------------ helpers */

/*
 * Number of entries <= key in a sorted array of at most @cap (a power of
 * two) slots: a branchless binary search in fixed steps of cap/2, cap/4,
 * ..., 1, which the compiler unrolls into a handful of conditional adds.
 * The caller has already asked for every line of a cold node
 * (prefetch_block), so the dependent probes wait on lines in flight.
 */
static inline __attribute__((always_inline)) unsigned int
count_le_cap(const uint64_t *a, unsigned int n, uint64_t key, unsigned int cap)
{
	unsigned int pos;
	int sh;

	if (n == cap && a[cap - 1] <= key)
		return cap;
	pos = 0;
#pragma GCC unroll 8
	for (sh = __builtin_ctz(cap) - 1; sh >= 0; sh--) {
		unsigned int probe = pos + (1u << sh);

		/*
		 * probe - 1 < cap - 1: in bounds even past n. Arithmetic, not
		 * a ternary: GCC turns that into a branch, which mispredicts
		 * half the time on random keys.
		 */
		pos += (unsigned int)((probe <= n) & (a[probe - 1] <= key)) << sh;
	}
	return pos;
}

#define count_le_leaf(a, n, key) count_le_cap(a, n, key, LEAF_SLOTS)
#define count_le_node(a, n, key) count_le_cap(a, n, key, NODE_SLOTS)

/* Child to descend into for @start: the last whose smallest start <= it */
static inline unsigned int route(const struct itree_node *nd, uint64_t start)
{
	unsigned int i = count_le_node(nd->key, nd->n, start);

	return i ? i - 1 : 0;
}

static uint64_t leaf_max(const struct itree_leaf *l)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < l->n; i++)
		m = l->last[i] > m ? l->last[i] : m;
	return m;
}

static uint64_t node_max(const struct itree_node *nd)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < nd->n; i++)
		m = nd->maxlast[i] > m ? nd->maxlast[i] : m;
	return m;
}

static inline uint64_t sub_key(const void *c, bool leaf)
{
	return leaf ? ((const struct itree_leaf *)c)->start[0] :
		      ((const struct itree_node *)c)->key[0];
}

static inline uint64_t sub_max(const void *c, bool leaf)
{
	return leaf ? leaf_max(c) : node_max(c);
}

static inline unsigned int sub_n(const void *c, bool leaf)
{
	return leaf ? ((const struct itree_leaf *)c)->n :
		      ((const struct itree_node *)c)->n;
}

/*
 * Ask for every line of a block at once. A cold node otherwise arrives one
 * dependent miss at a time (search, then the matching child or slot, then
 * the shift on insert); issued together they cost one memory latency.
 * Only the bottom two levels are ever cold in practice (everything above
 * is ~1/500 of the tree), and prefetching hot blocks costs ~15% of a hot
 * operation, so @below (levels under the block) gates it.
 *
 * always_inline: gcc -O2 otherwise outlines the loop (partial inlining),
 * deems a function of nothing but prefetches side-effect free, and drops
 * the calls.
 */
static inline __attribute__((always_inline)) void
prefetch_block(const void *p, unsigned int below)
{
	const char *c = p;
	size_t off;

#ifdef ITREE_NO_PREFETCH
	return;
#endif
	if (below > 1)
		return;
#pragma GCC unroll 16
	for (off = 0; off < sizeof(union itree_block); off += 64)
		__builtin_prefetch(c + off);
	__builtin_prefetch(c + sizeof(union itree_block) - 1);
}

/* ------------------------------------------------------------ blocks */

static void *block_get(struct itree *t)
{
	union itree_block *b = t->spare;

	t->spare = b->next_spare;
	t->nspare--;
	return b;
}

static void block_put(struct itree *t, void *p)
{
	union itree_block *b = p;

	if (p == t->finger)
		t->finger = NULL;

	if (t->nspare >= SPARE_MAX) {
		free(b);
		return;
	}
	b->next_spare = t->spare;
	t->spare = b;
	t->nspare++;
}

/* Make sure @need blocks can be taken with block_get() */
static int reserve(struct itree *t, unsigned int need)
{
	while (t->nspare < need) {
		union itree_block *b = malloc(sizeof(*b));

		if (!b) {
			while (t->nspare > SPARE_MAX)
				free(block_get(t));
			return -ENOMEM;
		}
		b->next_spare = t->spare;
		t->spare = b;
		t->nspare++;
	}
	return 0;
}

/* ------------------------------------------------------------ slot moves */

static void leaf_put(struct itree_leaf *l, unsigned int pos, uint64_t start,
		     uint64_t last, void *item)
{
	unsigned int k = l->n - pos;

	memmove(&l->start[pos + 1], &l->start[pos], k * sizeof(l->start[0]));
	memmove(&l->last[pos + 1], &l->last[pos], k * sizeof(l->last[0]));
	memmove(&l->item[pos + 1], &l->item[pos], k * sizeof(l->item[0]));
	l->start[pos] = start;
	l->last[pos] = last;
	l->item[pos] = item;
	l->n++;
}

static void leaf_del(struct itree_leaf *l, unsigned int pos, unsigned int k)
{
	unsigned int tail = l->n - pos - k;

	memmove(&l->start[pos], &l->start[pos + k], tail * sizeof(l->start[0]));
	memmove(&l->last[pos], &l->last[pos + k], tail * sizeof(l->last[0]));
	memmove(&l->item[pos], &l->item[pos + k], tail * sizeof(l->item[0]));
	l->n -= k;
}

/* Append @k slots of @src starting at @from to the end of @dst */
static void leaf_append(struct itree_leaf *dst, const struct itree_leaf *src,
			unsigned int from, unsigned int k)
{
	memcpy(&dst->start[dst->n], &src->start[from], k * sizeof(src->start[0]));
	memcpy(&dst->last[dst->n], &src->last[from], k * sizeof(src->last[0]));
	memcpy(&dst->item[dst->n], &src->item[from], k * sizeof(src->item[0]));
	dst->n += k;
}

/* Move the last @k slots of @l to the front of @r */
static void leaf_shift_right(struct itree_leaf *l, struct itree_leaf *r,
			     unsigned int k)
{
	memmove(&r->start[k], r->start, r->n * sizeof(r->start[0]));
	memmove(&r->last[k], r->last, r->n * sizeof(r->last[0]));
	memmove(&r->item[k], r->item, r->n * sizeof(r->item[0]));
	memcpy(r->start, &l->start[l->n - k], k * sizeof(r->start[0]));
	memcpy(r->last, &l->last[l->n - k], k * sizeof(r->last[0]));
	memcpy(r->item, &l->item[l->n - k], k * sizeof(r->item[0]));
	r->n += k;
	l->n -= k;
}

static void node_put(struct itree_node *nd, unsigned int pos, uint64_t key,
		     uint64_t max, void *child)
{
	unsigned int k = nd->n - pos;

	memmove(&nd->key[pos + 1], &nd->key[pos], k * sizeof(nd->key[0]));
	memmove(&nd->maxlast[pos + 1], &nd->maxlast[pos],
		k * sizeof(nd->maxlast[0]));
	memmove(&nd->child[pos + 1], &nd->child[pos], k * sizeof(nd->child[0]));
	nd->key[pos] = key;
	nd->maxlast[pos] = max;
	nd->child[pos] = child;
	nd->n++;
}

static void node_del(struct itree_node *nd, unsigned int pos, unsigned int k)
{
	unsigned int tail = nd->n - pos - k;

	memmove(&nd->key[pos], &nd->key[pos + k], tail * sizeof(nd->key[0]));
	memmove(&nd->maxlast[pos], &nd->maxlast[pos + k],
		tail * sizeof(nd->maxlast[0]));
	memmove(&nd->child[pos], &nd->child[pos + k],
		tail * sizeof(nd->child[0]));
	nd->n -= k;
}

static void node_append(struct itree_node *dst, const struct itree_node *src,
			unsigned int from, unsigned int k)
{
	memcpy(&dst->key[dst->n], &src->key[from], k * sizeof(src->key[0]));
	memcpy(&dst->maxlast[dst->n], &src->maxlast[from],
	       k * sizeof(src->maxlast[0]));
	memcpy(&dst->child[dst->n], &src->child[from],
	       k * sizeof(src->child[0]));
	dst->n += k;
}

/* ------------------------------------------------------------ lifetime */

void itree_init(struct itree *t)
{
	t->root = NULL;
	t->height = 0;
	t->count = 0;
	t->overlapping = false;
	t->first = t->last = NULL;
	t->spare = NULL;
	t->nspare = 0;
	t->finger = NULL;
}

static void free_interior(struct itree_node *nd, unsigned int height)
{
	unsigned int i;

	/* Leaves are freed from the leaf list */
	if (height > 1)
		for (i = 0; i < nd->n; i++)
			free_interior(nd->child[i], height - 1);
	free(nd);
}

void itree_destroy(struct itree *t)
{
	struct itree_leaf *l, *next;

	if (t->height)
		free_interior(t->root, t->height);
	for (l = t->first; l; l = next) {
		next = l->next;
		free(l);
	}
	while (t->nspare)
		free(block_get(t));
	itree_init(t);
}

/* ------------------------------------------------------------ insert */

/*
 * Split full leaf @l while inserting at @pos. The halves differ by at most
 * one so both stay above LEAF_MIN whatever the position.
 */
static struct itree_leaf *leaf_split(struct itree *t, struct itree_leaf *l,
				     unsigned int pos, uint64_t start,
				     uint64_t last, void *item)
{
	struct itree_leaf *r = block_get(t);
	unsigned int keep = (LEAF_SLOTS + 1) / 2;
	unsigned int from = pos < keep ? keep - 1 : keep;

	r->n = 0;
	leaf_append(r, l, from, LEAF_SLOTS - from);
	l->n = from;
	if (pos < keep)
		leaf_put(l, pos, start, last, item);
	else
		leaf_put(r, pos - from, start, last, item);

	r->prev = l;
	r->next = l->next;
	if (l->next)
		l->next->prev = r;
	else
		t->last = r;
	l->next = r;
	return r;
}

static struct itree_node *node_split(struct itree *t, struct itree_node *nd,
				     unsigned int pos, uint64_t key,
				     uint64_t max, void *child)
{
	struct itree_node *r = block_get(t);
	unsigned int keep = (NODE_SLOTS + 1) / 2;
	unsigned int from = pos < keep ? keep - 1 : keep;

	r->n = 0;
	node_append(r, nd, from, NODE_SLOTS - from);
	nd->n = from;
	if (pos < keep)
		node_put(nd, pos, key, max, child);
	else
		node_put(r, pos - from, key, max, child);
	return r;
}

/* Hang the new right sibling @right of @left into the levels above */
static void grow(struct itree *t, struct itree_path *p, void *left,
		 void *right)
{
	struct itree_node *root;
	bool leaf = true;
	unsigned int lvl;

	for (lvl = t->height; lvl > 0; lvl--) {
		struct itree_node *nd = p->node[lvl - 1];
		unsigned int i = p->idx[lvl - 1];
		uint64_t rkey = sub_key(right, leaf), rmax = sub_max(right, leaf);

		nd->key[i] = sub_key(left, leaf);
		nd->maxlast[i] = sub_max(left, leaf);
		if (nd->n < NODE_SLOTS) {
			node_put(nd, i + 1, rkey, rmax, right);
			return;
		}
		right = node_split(t, nd, i + 1, rkey, rmax, right);
		left = nd;
		leaf = false;
	}
	root = block_get(t);
	root->n = 0;
	node_put(root, 0, sub_key(left, leaf), sub_max(left, leaf), left);
	node_put(root, 1, sub_key(right, leaf), sub_max(right, leaf), right);
	t->root = root;
	t->height++;
}

/*
 * A sibling under the same parent with room for half of what it lacks and
 * the new span, or NULL. Handing spans over instead of splitting is what
 * keeps leaves ~80% full under random inserts instead of ~65%, at the price
 * of reading one or two sibling headers when a leaf is full.
 */
static struct itree_leaf *roomy_sibling(const struct itree_node *nd,
					unsigned int i, bool *left)
{
	struct itree_leaf *sib;

	if (i > 0) {
		sib = nd->child[i - 1];
		if (sib->n <= LEAF_SLOTS - 2) {
			*left = true;
			return sib;
		}
	}
	if (i + 1 < nd->n) {
		sib = nd->child[i + 1];
		if (sib->n <= LEAF_SLOTS - 2) {
			*left = false;
			return sib;
		}
	}
	return NULL;
}

/*
 * Insert into full leaf child @i of @nd at @pos by first moving half of
 * @sib's free room worth of spans into it. Spans only move between
 * siblings, so nothing above @nd changes.
 */
static void leaf_spill(struct itree_node *nd, unsigned int i,
		       struct itree_leaf *sib, bool left, unsigned int pos,
		       uint64_t start, uint64_t last, void *item)
{
	struct itree_leaf *leaf = nd->child[i];
	unsigned int k = (LEAF_SLOTS - sib->n) / 2;

	if (left) {
		leaf_append(sib, leaf, 0, k);
		leaf_del(leaf, 0, k);
		if (pos < k)
			leaf_put(sib, sib->n - k + pos, start, last, item);
		else
			leaf_put(leaf, pos - k, start, last, item);
		nd->maxlast[i - 1] = leaf_max(sib);
	} else {
		leaf_shift_right(leaf, sib, k);
		if (pos <= leaf->n)
			leaf_put(leaf, pos, start, last, item);
		else
			leaf_put(sib, pos - leaf->n, start, last, item);
		nd->key[i + 1] = sib->start[0];
		nd->maxlast[i + 1] = leaf_max(sib);
	}
	nd->key[i] = leaf->start[0];
	nd->maxlast[i] = leaf_max(leaf);
}

/*
 * Would [start, last] at slot @pos of @leaf intersect a neighbour? While
 * spans are disjoint the predecessor has the largest last of everything
 * before, so the two neighbours are all there is to check.
 */
static bool meets_neighbours(const struct itree_leaf *leaf, unsigned int pos,
			     uint64_t start, uint64_t last)
{
	const struct itree_leaf *l;

	l = pos ? leaf : leaf->prev;
	if (l && l->last[pos ? pos - 1 : l->n - 1] >= start)
		return true;
	l = pos < leaf->n ? leaf : leaf->next;
	return l && l->start[pos < leaf->n ? pos : 0] <= last;
}

static int insert(struct itree *t, uint64_t start, uint64_t last, void *item,
		  bool refuse_overlap);

int itree_insert(struct itree *t, uint64_t start, uint64_t last, void *item)
{
	return insert(t, start, last, item, false);
}

int itree_insert_disjoint(struct itree *t, uint64_t start, uint64_t last,
			  void *item)
{
	struct itree_iter it;

	/* the neighbours settle it only while every span is disjoint */
	if (t->overlapping) {
		if (itree_iter_first(t, start, last, &it))
			return -EEXIST;
		return insert(t, start, last, item, false);
	}
	return insert(t, start, last, item, true);
}

static int insert(struct itree *t, uint64_t start, uint64_t last, void *item,
		  bool refuse_overlap)
{
	struct itree_path p;
	struct itree_leaf *leaf, *sib = NULL;
	unsigned int lvl, pos;
	bool left = false;
	void *cur;

	if (!t->root) {
		if (reserve(t, 1))
			return -ENOMEM;
		leaf = block_get(t);
		leaf->n = 0;
		leaf->prev = leaf->next = NULL;
		t->root = t->first = t->last = leaf;
	}

	cur = t->root;
	prefetch_block(cur, t->height);
	for (lvl = 0; lvl < t->height; lvl++) {
		struct itree_node *nd = cur;
		unsigned int i = route(nd, start);

		p.node[lvl] = nd;
		p.idx[lvl] = i;
		cur = nd->child[i];
		prefetch_block(cur, t->height - lvl - 1);
	}
	leaf = cur;
	/* decided before anything changes, so a refusal leaves no trace */
	pos = count_le_leaf(leaf->start, leaf->n, start);
	if (!t->overlapping && meets_neighbours(leaf, pos, start, last)) {
		if (refuse_overlap)
			return -EEXIST;
		t->overlapping = true;
	}

	if (leaf->n == LEAF_SLOTS && t->height)
		sib = roomy_sibling(p.node[t->height - 1], p.idx[t->height - 1],
				    &left);
	if (leaf->n == LEAF_SLOTS && !sib) {
		unsigned int need = 1;

		for (lvl = t->height; lvl > 0 && p.node[lvl - 1]->n == NODE_SLOTS;
		     lvl--)
			need++;
		if (!lvl)
			need++;	/* a new root */
		if (reserve(t, need))
			return -ENOMEM;
	}

	/* Nothing can fail from here on */
	for (lvl = 0; lvl < t->height; lvl++) {
		struct itree_node *nd = p.node[lvl];
		unsigned int i = p.idx[lvl];

		if (start < nd->key[i])
			nd->key[i] = start;
		if (last > nd->maxlast[i])
			nd->maxlast[i] = last;
	}
	t->count++;
	if (leaf->n < LEAF_SLOTS) {
		leaf_put(leaf, pos, start, last, item);
		t->finger = leaf;
		return 0;
	}
	if (sib) {
		leaf_spill(p.node[t->height - 1], p.idx[t->height - 1], sib,
			   left, pos, start, last, item);
		return 0;
	}
	grow(t, &p, leaf, leaf_split(t, leaf, pos, start, last, item));
	return 0;
}

/* ------------------------------------------------------------ lookup */

/* Step @p to the leaf before the one it ends at; NULL at the first leaf */
static struct itree_leaf *path_prev(const struct itree *t,
				    struct itree_path *p)
{
	unsigned int lvl = t->height;
	void *cur;

	while (lvl > 0 && p->idx[lvl - 1] == 0)
		lvl--;
	if (!lvl)
		return NULL;
	lvl--;
	p->idx[lvl]--;
	cur = p->node[lvl]->child[p->idx[lvl]];
	for (lvl++; lvl < t->height; lvl++) {
		struct itree_node *nd = cur;

		p->node[lvl] = nd;
		p->idx[lvl] = nd->n - 1;
		cur = nd->child[nd->n - 1];
	}
	return cur;
}

/*
 * Find the slot holding (@start, @item) and the path to its leaf. Routing
 * lands on the last span with this start; equal starts may run back over
 * leaf boundaries, so walk back (with the path) while they do.
 */
static struct itree_leaf *locate(struct itree *t, uint64_t start,
				 const void *item, struct itree_path *p,
				 unsigned int *slot)
{
	struct itree_leaf *leaf;
	unsigned int lvl, j;
	void *cur = t->root;

	if (!cur)
		return NULL;
	prefetch_block(cur, t->height);
	for (lvl = 0; lvl < t->height; lvl++) {
		struct itree_node *nd = cur;
		unsigned int i = route(nd, start);

		p->node[lvl] = nd;
		p->idx[lvl] = i;
		cur = nd->child[i];
		prefetch_block(cur, t->height - lvl - 1);
	}
	leaf = cur;
	j = count_le_leaf(leaf->start, leaf->n, start);
	for (;;) {
		while (j > 0 && leaf->start[j - 1] == start) {
			j--;
			if (leaf->item[j] == item) {
				*slot = j;
				return leaf;
			}
		}
		if (j > 0)
			return NULL;
		leaf = path_prev(t, p);
		if (!leaf)
			return NULL;
		j = leaf->n;
	}
}

static inline void fill(struct itree_iter *it, struct itree_leaf *l,
			unsigned int j)
{
	it->leaf = l;
	it->idx = j;
	it->start = l->start[j];
	it->last = l->last[j];
	it->item = l->item[j];
}

/*
 * The overlap query over disjoint spans: the answer is the predecessor of
 * @start if it reaches @start, else the successor if it starts by @last.
 * Routing by start is a binary search per node where the general query
 * has to scan maxlast[] (which is only sorted when spans are disjoint).
 */
static bool iter_first_disjoint(const struct itree *t, uint64_t start,
				uint64_t last, struct itree_iter *it)
{
	const void *cur = t->root;
	struct itree_leaf *leaf = t->finger;
	unsigned int h, j;

	/* inside the finger's starts: the descent would end there too */
	if (leaf && leaf->n && leaf->start[0] <= start &&
	    start <= leaf->start[leaf->n - 1])
		goto found_leaf;
	prefetch_block(cur, t->height);
	for (h = t->height; h > 0; h--) {
		const struct itree_node *nd = cur;

		cur = nd->child[route(nd, start)];
		prefetch_block(cur, h - 1);
	}
	leaf = (struct itree_leaf *)cur;
found_leaf:
	/* the first span reaching @start is the answer if it begins by @last */
	j = count_le_leaf(leaf->start, leaf->n, start);
	if (j && leaf->last[j - 1] >= start) {
		j--;
	} else if (j == leaf->n) {
		leaf = leaf->next;
		j = 0;
		if (!leaf)
			return false;
	}
	if (leaf->start[j] > last)
		return false;
	fill(it, leaf, j);
	return true;
}

bool itree_iter_first(const struct itree *t, uint64_t start, uint64_t last,
		      struct itree_iter *it)
{
	const void *cur = t->root;
	struct itree_leaf *leaf;
	unsigned int h, j;

	if (!cur)
		return false;
	if (!t->overlapping)
		return iter_first_disjoint(t, start, last, it);
	prefetch_block(cur, t->height);
	for (h = t->height; h > 0; h--) {
		const struct itree_node *nd = cur;
		unsigned int i, n = nd->n;

		for (i = 0; i < n && nd->maxlast[i] < start; i++)
			;
		if (i == n || nd->key[i] > last)
			return false;
		cur = nd->child[i];
		prefetch_block(cur, h - 1);
	}
	leaf = (struct itree_leaf *)cur;
	for (j = 0; j < leaf->n && leaf->last[j] < start; j++)
		;
	if (j == leaf->n || leaf->start[j] > last)
		return false;
	fill(it, leaf, j);
	return true;
}

bool itree_iter_next(struct itree_iter *it, uint64_t start, uint64_t last)
{
	struct itree_leaf *leaf = it->leaf;
	unsigned int j = it->idx + 1;

	for (;;) {
		if (j >= leaf->n) {
			leaf = leaf->next;
			if (!leaf)
				return false;
			j = 0;
		}
		if (leaf->start[j] > last)
			return false;
		if (leaf->last[j] >= start) {
			fill(it, leaf, j);
			return true;
		}
		j++;
	}
}

bool itree_first(const struct itree *t, struct itree_iter *it)
{
	if (!t->first)
		return false;
	fill(it, t->first, 0);
	return true;
}

bool itree_next(struct itree_iter *it)
{
	struct itree_leaf *leaf = it->leaf;
	unsigned int j = it->idx + 1;

	if (j >= leaf->n) {
		leaf = leaf->next;
		if (!leaf)
			return false;
		j = 0;
	}
	fill(it, leaf, j);
	return true;
}

bool itree_prev(struct itree_iter *it)
{
	struct itree_leaf *leaf = it->leaf;

	if (it->idx) {
		fill(it, leaf, it->idx - 1);
		return true;
	}
	leaf = leaf->prev;
	if (!leaf)
		return false;
	fill(it, leaf, leaf->n - 1);
	return true;
}

bool itree_find_le(const struct itree *t, uint64_t key, struct itree_iter *it)
{
	const void *cur = t->root;
	struct itree_leaf *leaf;
	unsigned int h, j;

	if (!cur)
		return false;
	prefetch_block(cur, t->height);
	for (h = t->height; h > 0; h--) {
		const struct itree_node *nd = cur;
		unsigned int i = count_le_node(nd->key, nd->n, key);

		/* keys are exact minima: no key <= @key means nothing is */
		if (!i)
			return false;
		cur = nd->child[i - 1];
		prefetch_block(cur, h - 1);
	}
	leaf = (struct itree_leaf *)cur;
	j = count_le_leaf(leaf->start, leaf->n, key);
	if (!j)
		return false;
	fill(it, leaf, j - 1);
	return true;
}

/* ------------------------------------------------------------ removal */

/*
 * Leaf child @i of @nd is under LEAF_MIN: even it out with an adjacent
 * sibling, or merge the two when the sibling has nothing to spare. Returns
 * true when @nd lost a child.
 */
static bool leaf_fix(struct itree *t, struct itree_node *nd, unsigned int i)
{
	unsigned int li = i ? i - 1 : 0, k;
	struct itree_leaf *l = nd->child[li], *r = nd->child[li + 1];
	struct itree_leaf *sib = i ? l : r;

	if (sib->n > LEAF_MIN) {
		if (sib == l) {
			k = (l->n - r->n) / 2;
			leaf_shift_right(l, r, k);
		} else {
			k = (r->n - l->n) / 2;
			leaf_append(l, r, 0, k);
			leaf_del(r, 0, k);
		}
		/* l's first span never moves, so key[li] stays right */
		nd->maxlast[li] = leaf_max(l);
		nd->key[li + 1] = r->start[0];
		nd->maxlast[li + 1] = leaf_max(r);
		return false;
	}
	leaf_append(l, r, 0, r->n);
	l->next = r->next;
	if (r->next)
		r->next->prev = l;
	else
		t->last = l;
	if (nd->maxlast[li + 1] > nd->maxlast[li])
		nd->maxlast[li] = nd->maxlast[li + 1];
	node_del(nd, li + 1, 1);
	block_put(t, r);
	return true;
}

static bool node_fix(struct itree *t, struct itree_node *nd, unsigned int i)
{
	unsigned int li = i ? i - 1 : 0, k;
	struct itree_node *l = nd->child[li], *r = nd->child[li + 1];
	struct itree_node *sib = i ? l : r;

	if (sib->n > NODE_MIN) {
		if (sib == l) {
			k = (l->n - r->n) / 2;
			memmove(&r->key[k], r->key, r->n * sizeof(r->key[0]));
			memmove(&r->maxlast[k], r->maxlast,
				r->n * sizeof(r->maxlast[0]));
			memmove(&r->child[k], r->child, r->n * sizeof(r->child[0]));
			memcpy(r->key, &l->key[l->n - k], k * sizeof(r->key[0]));
			memcpy(r->maxlast, &l->maxlast[l->n - k],
			       k * sizeof(r->maxlast[0]));
			memcpy(r->child, &l->child[l->n - k],
			       k * sizeof(r->child[0]));
			r->n += k;
			l->n -= k;
		} else {
			k = (r->n - l->n) / 2;
			node_append(l, r, 0, k);
			node_del(r, 0, k);
		}
		nd->maxlast[li] = node_max(l);
		nd->key[li + 1] = r->key[0];
		nd->maxlast[li + 1] = node_max(r);
		return false;
	}
	node_append(l, r, 0, r->n);
	if (nd->maxlast[li + 1] > nd->maxlast[li])
		nd->maxlast[li] = nd->maxlast[li + 1];
	node_del(nd, li + 1, 1);
	block_put(t, r);
	return true;
}

/*
 * Repair the path after a span whose last was @gone left @leaf. Moving
 * spans between siblings does not change what lies below their parent, so
 * the parent's own entry only changes through the removal itself; that is
 * why the walk can stop at the first unchanged, non-merging level.
 */
static void remove_fixup(struct itree *t, struct itree_path *p,
			 struct itree_leaf *leaf, uint64_t gone)
{
	void *child = leaf;
	bool is_leaf = true;
	unsigned int lvl;

	for (lvl = t->height; lvl > 0; lvl--) {
		struct itree_node *nd = p->node[lvl - 1];
		unsigned int i = p->idx[lvl - 1];
		uint64_t key = sub_key(child, is_leaf), max = nd->maxlast[i];
		bool changed;

		if (max == gone)
			max = sub_max(child, is_leaf);
		changed = key != nd->key[i] || max != nd->maxlast[i];
		nd->key[i] = key;
		nd->maxlast[i] = max;
		if (sub_n(child, is_leaf) < (is_leaf ? LEAF_MIN : NODE_MIN))
			changed |= is_leaf ? leaf_fix(t, nd, i) :
					     node_fix(t, nd, i);
		if (!changed)
			break;
		child = nd;
		is_leaf = false;
	}
	while (t->height && ((struct itree_node *)t->root)->n == 1) {
		struct itree_node *old = t->root;

		t->root = old->child[0];
		t->height--;
		block_put(t, old);
	}
}

/* With several identical (start, item) pairs, the latest inserted goes */
bool itree_remove(struct itree *t, uint64_t start, const void *item)
{
	struct itree_path p;
	struct itree_leaf *leaf;
	unsigned int j;
	uint64_t gone;

	leaf = locate(t, start, item, &p, &j);
	if (!leaf)
		return false;
	gone = leaf->last[j];
	leaf_del(leaf, j, 1);
	if (!--t->count)
		t->overlapping = false;
	if (t->height) {
		remove_fixup(t, &p, leaf, gone);
	} else if (!leaf->n) {
		block_put(t, leaf);
		t->root = t->first = t->last = NULL;
	}
	return true;
}

bool itree_remove_at(struct itree *t, const struct itree_iter *it)
{
	struct itree_leaf *l = it->leaf;
	unsigned int j = it->idx;

	/*
	 * A middle slot of a disjoint tree bounds nothing above the leaf: the
	 * first slot keeps key[], the last keeps maxlast[]. If the leaf stays
	 * full enough, no ancestor needs looking at.
	 */
	if (!t->overlapping && j > 0 && j + 1 < l->n &&
	    (l->n > LEAF_MIN || !t->height)) {
		leaf_del(l, j, 1);
		t->count--;
		return true;
	}
	return itree_remove(t, it->start, it->item);
}

bool itree_set_last(struct itree *t, uint64_t start, const void *item,
		    uint64_t new_last)
{
	struct itree_path p;
	struct itree_leaf *leaf;
	unsigned int j, lvl;
	uint64_t old;
	void *child;
	bool is_leaf = true;

	leaf = locate(t, start, item, &p, &j);
	if (!leaf)
		return false;
	old = leaf->last[j];
	if (new_last > old && !t->overlapping) {
		const struct itree_leaf *l = j + 1 < leaf->n ? leaf : leaf->next;

		t->overlapping = l && l->start[j + 1 < leaf->n ? j + 1 : 0] <=
						      new_last;
	}
	leaf->last[j] = new_last;
	child = leaf;
	for (lvl = t->height; lvl > 0 && old != new_last; lvl--) {
		struct itree_node *nd = p.node[lvl - 1];
		unsigned int i = p.idx[lvl - 1];
		uint64_t max = nd->maxlast[i];

		if (new_last > max)
			max = new_last;
		else if (max == old)
			max = sub_max(child, is_leaf);
		if (max == nd->maxlast[i])
			break;
		nd->maxlast[i] = max;
		child = nd;
		is_leaf = false;
	}
	return true;
}

/* ------------------------------------------------------------ accounting */

static size_t count_interior(const struct itree_node *nd, unsigned int height)
{
	size_t n = 1;
	unsigned int i;

	if (height > 1)
		for (i = 0; i < nd->n; i++)
			n += count_interior(nd->child[i], height - 1);
	return n;
}

size_t itree_memory(const struct itree *t)
{
	size_t blocks = t->nspare;
	const struct itree_leaf *l;

	if (t->height)
		blocks += count_interior(t->root, t->height);
	for (l = t->first; l; l = l->next)
		blocks++;
	return blocks * sizeof(union itree_block);
}

/* ------------------------------------------------------------ self-check */

struct check {
	const struct itree *t;
	char *why;
	size_t len;
	const struct itree_leaf *prev_leaf;
	uint64_t prev_start, prev_last;
	size_t count;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->len) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int check_leaf(struct check *c, const struct itree_leaf *l, bool root,
		      uint64_t *min, uint64_t *max)
{
	unsigned int j;

	if (l->n > LEAF_SLOTS || l->n < (root ? 1 : LEAF_MIN))
		return fail(c, "leaf %p holds %u spans (root %d)", (void *)l,
			    l->n, root);
	if (l->prev != c->prev_leaf)
		return fail(c, "leaf %p prev is %p, expected %p", (void *)l,
			    (void *)l->prev, (void *)c->prev_leaf);
	if (c->prev_leaf ? c->prev_leaf->next != l : c->t->first != l)
		return fail(c, "leaf %p not linked from its predecessor",
			    (void *)l);
	*max = 0;
	for (j = 0; j < l->n; j++) {
		if (l->start[j] > l->last[j])
			return fail(c, "span [%#llx, %#llx] has start > last",
				    (unsigned long long)l->start[j],
				    (unsigned long long)l->last[j]);
		if (c->count + j && l->start[j] < c->prev_start)
			return fail(c, "start %#llx after %#llx: out of order",
				    (unsigned long long)l->start[j],
				    (unsigned long long)c->prev_start);
		if (c->count + j && !c->t->overlapping &&
		    l->start[j] <= c->prev_last)
			return fail(c, "span at %#llx meets the one before but "
				    "the tree is marked disjoint",
				    (unsigned long long)l->start[j]);
		c->prev_start = l->start[j];
		c->prev_last = l->last[j];
		if (l->last[j] > *max)
			*max = l->last[j];
	}
	*min = l->start[0];
	c->count += l->n;
	c->prev_leaf = l;
	return 0;
}

static int check_sub(struct check *c, const void *sub, unsigned int height,
		     bool root, uint64_t *min, uint64_t *max)
{
	const struct itree_node *nd = sub;
	unsigned int i;

	if (!sub)
		return fail(c, "NULL child");
	if (!height)
		return check_leaf(c, sub, root, min, max);
	if (nd->n > NODE_SLOTS || nd->n < (root ? 2 : NODE_MIN))
		return fail(c, "node %p holds %u children (root %d)",
			    (void *)nd, nd->n, root);
	*max = 0;
	for (i = 0; i < nd->n; i++) {
		uint64_t cmin, cmax;

		if (check_sub(c, nd->child[i], height - 1, false, &cmin, &cmax))
			return -1;
		if (nd->key[i] != cmin)
			return fail(c, "node %p key[%u] %#llx, child min %#llx",
				    (void *)nd, i,
				    (unsigned long long)nd->key[i],
				    (unsigned long long)cmin);
		if (nd->maxlast[i] != cmax)
			return fail(c,
				    "node %p maxlast[%u] %#llx, child max %#llx",
				    (void *)nd, i,
				    (unsigned long long)nd->maxlast[i],
				    (unsigned long long)cmax);
		if (cmax > *max)
			*max = cmax;
	}
	*min = nd->key[0];
	return 0;
}

int itree_check(const struct itree *t, char *why, size_t len)
{
	struct check c = { .t = t, .why = why, .len = len };
	const union itree_block *b;
	unsigned int spares = 0;
	uint64_t min, max;

	for (b = t->spare; b && spares <= SPARE_MAX; b = b->next_spare)
		spares++;
	if (spares != t->nspare || spares > SPARE_MAX)
		return fail(&c, "spare list has %u blocks, nspare %u", spares,
			    t->nspare);
	if (t->height >= MAX_HEIGHT)
		return fail(&c, "height %u", t->height);
	if (!t->root) {
		if (t->count || t->height || t->first || t->last || t->finger)
			return fail(&c, "no root but count %zu height %u",
				    t->count, t->height);
		return 0;
	}
	if (t->finger) {
		const struct itree_leaf *l = t->first;

		while (l && l != t->finger)
			l = l->next;
		if (!l)
			return fail(&c, "finger %p is not a leaf of the tree",
				    (void *)t->finger);
	}
	if (check_sub(&c, t->root, t->height, true, &min, &max))
		return -1;
	if (t->last != c.prev_leaf)
		return fail(&c, "last leaf is %p, walk ended at %p",
			    (void *)t->last, (void *)c.prev_leaf);
	if (c.prev_leaf->next)
		return fail(&c, "last leaf has a next");
	if (c.count != t->count)
		return fail(&c, "count %zu, leaves hold %zu", t->count, c.count);
	if (why && len)
		why[0] = '\0';
	return 0;
}
