// SPDX-License-Identifier: MIT
/*
 * trace2dot's pictures: replay a bundled example with the drawing watching
 * and look for what the model held (tools/trace2dot/draw.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "replay.h"

#define VM SIM_EXAMPLES_DIR "/vm-dirty-migration.jsonl"
#define COMPAT SIM_EXAMPLES_DIR "/vfio-compat.jsonl"

/* Replay @path with a drawing at @at; the picture as a string */
static char *draw(const char *path, uint64_t at, bool lifetimes, bool *ok)
{
	struct sim_replay_opts opts = { 0 };
	struct sim_replay_result res;
	struct t2d *d = t2d_new(at);
	char *buf = NULL, why[160];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_not_null(d);
	cr_assert_not_null(out);
	opts.observe = t2d_observe;
	opts.observe_priv = d;
	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	sim_replay_result_free(&res);
	*ok = t2d_ok(d, why, sizeof(why));
	if (*ok)
		cr_assert_eq(lifetimes ? t2d_write_lifetimes(d, out, path) :
					 t2d_write_graph(d, out, path),
			     0);
	fclose(out);
	t2d_free(d);
	return buf;
}

Test(trace2dot, graph_mid_trace)
{
	bool ok;
	/* seq 10: bound device 1, IOAS 2 with guest RAM, tracking HWPT 3 */
	char *g = draw(VM, 10, false, &ok);

	cr_assert(ok);
	cr_assert(strstr(g, "digraph iommufd {"), "%s", g);
	cr_assert(strstr(g, "c1_1 [label=\"DEVICE 1\\nusers "), "%s", g);
	cr_assert(strstr(g, "c1_2 [label=\"IOAS 2\\nusers 2\\n1 area, "),
		  "%s", g);
	cr_assert(strstr(g, "c1_3 [label=\"HWPT_PAGING 3\\nusers 2"), "%s", g);
	cr_assert(strstr(g, "c1_3 -> c1_2 [label=\"ioas\"]"), "%s", g);
	cr_assert(strstr(g, "c1_1 -> c1_3 [label=\"attached\"]"), "%s", g);
	cr_assert(strstr(g, "label=\"iommufd #1 (handle 1)\""), "%s", g);
	free(g);
}

Test(trace2dot, graph_at_the_end_and_before_anything)
{
	bool ok;
	char *g = draw(VM, 0, false, &ok);

	cr_assert(ok);
	/* the trace closes everything: no context is left to draw */
	cr_assert_null(strstr(g, "subgraph"), "%s", g);
	free(g);
	g = draw(VM, 1, false, &ok);
	cr_assert(ok);
	cr_assert(strstr(g, "c1_empty [label=\"no objects\""), "%s", g);
	free(g);
}

Test(trace2dot, at_a_seq_that_never_ran)
{
	bool ok;
	char *g = draw(VM, 999999, false, &ok);

	cr_assert_not(ok);
	free(g);
}

Test(trace2dot, lifetimes)
{
	bool ok;
	char *l = draw(VM, 0, true, &ok);

	cr_assert(ok);
	cr_assert(strstr(l, "digraph lifetimes {"), "%s", l);
	/* the device is bound at seq 5, IOAS and HWPT come at 7 and 8 */
	cr_assert(strstr(l, "<TD>5</TD><TD>7</TD><TD>8</TD>"), "%s", l);
	cr_assert(strstr(l, "#1 DEVICE 1</TD><TD BGCOLOR=\"#f4cccc\">+</TD>"),
		  "%s", l);
	cr_assert(strstr(l, "#1 IOAS 2</TD><TD></TD><TD BGCOLOR"), "%s", l);
	free(l);
}

Test(trace2dot, compat_container_is_a_context)
{
	bool ok;
	char *l = draw(COMPAT, 0, true, &ok);

	cr_assert(ok);
	/* the container's compat IOAS appears when the first group joins */
	cr_assert(strstr(l, "#1 IOAS 1</TD>"), "%s", l);
	free(l);
}
