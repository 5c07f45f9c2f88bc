/* SPDX-License-Identifier: MIT */
/*
 * Pictures of what the model holds along a trace, as Graphviz dot.
 *
 * A drawing watches a replay (sim_replay_opts.observe): after each record it
 * looks at every open context through iommufd_ctx_objects(). Two pictures
 * come out of that:
 *
 *  - the object graph at one point of the trace: a cluster per context,
 *    a node per object (kind, ID, users, what an IOAS maps), an edge per
 *    reference the kernel's DESTROY rules follow;
 *  - the lifetimes: one row per object, one column per record that made
 *    or freed an object, the cells where it was alive filled in.
 */
#ifndef TRACE2DOT_DRAW_H
#define TRACE2DOT_DRAW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "replay.h"

struct t2d;

/*
 * @at: draw the graph as it was after the record with this seq; 0 for
 * after the last record
 */
struct t2d *t2d_new(uint64_t at);
void t2d_free(struct t2d *d);

/* Hook for sim_replay_opts.observe, with @priv the drawing */
void t2d_observe(void *priv, const struct sim_record *rec,
		 const struct sim_replay_ctx *ctxs, size_t n);

/* false if out of memory while watching, or --at named no record */
bool t2d_ok(const struct t2d *d, char *why, size_t len);

int t2d_write_graph(const struct t2d *d, FILE *out, const char *title);
int t2d_write_lifetimes(const struct t2d *d, FILE *out, const char *title);

#endif
