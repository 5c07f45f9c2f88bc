// SPDX-License-Identifier: MIT
/*
 * trace2dot: replay a trace against the model and draw what the model
 * holds, as Graphviz dot (draw.h). The pictures are of the model's state:
 * where the model disagrees with the trace, a note on stderr says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "replay.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: trace2dot [--at=SEQ] [--lifetimes] [-o OUT] TRACE\n"
		"\n"
		"Replays TRACE (docs/trace-format.md) against the model and\n"
		"writes a Graphviz picture of it (render with dot -Tsvg).\n"
		"\n"
		"  --at=SEQ     the object graph after the record with this seq\n"
		"               (default: after the last record)\n"
		"  --lifetimes  one row per object, from the record that made it\n"
		"               to the one that freed it\n"
		"  -o OUT       write to OUT instead of standard output\n"
		"  -h, --help   show this help\n"
		"\n"
		"Exit status: 0 picture written, 2 usage error, unreadable\n"
		"trace or nothing to draw at SEQ.\n");
}

static int parse_seq(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !v)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	const char *trace = NULL, *outpath = NULL;
	bool lifetimes = false;
	uint64_t at = 0;
	struct sim_replay_result res;
	struct sim_replay_opts opts = { 0 };
	struct t2d *d;
	char why[160];
	FILE *out = stdout;
	int rc = 2;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strncmp(a, "--at=", 5)) {
			if (parse_seq(a + 5, &at)) {
				fprintf(stderr, "trace2dot: --at: '%s' is not a "
						"record seq (a positive integer)\n",
					a + 5);
				return 2;
			}
		} else if (!strcmp(a, "--lifetimes")) {
			lifetimes = true;
		} else if (!strcmp(a, "-o")) {
			if (++i == argc) {
				fprintf(stderr, "trace2dot: -o needs a file\n");
				return 2;
			}
			outpath = argv[i];
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "trace2dot: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (trace) {
			fprintf(stderr, "trace2dot: one trace only ('%s')\n", a);
			return 2;
		} else {
			trace = a;
		}
	}
	if (!trace) {
		usage(stderr);
		return 2;
	}
	if (lifetimes && at) {
		fprintf(stderr, "trace2dot: --at and --lifetimes: the lifetimes "
				"cover the whole trace\n");
		return 2;
	}

	d = t2d_new(at);
	if (!d) {
		fprintf(stderr, "trace2dot: out of memory\n");
		return 2;
	}
	opts.observe = t2d_observe;
	opts.observe_priv = d;
	if (sim_replay_file(trace, &opts, &res) == SIM_REPLAY_ERROR) {
		fprintf(stderr, "trace2dot: %s\n", res.error);
		goto out;
	}
	if (res.ndiv)
		fprintf(stderr,
			"trace2dot: note: the model diverged from %s in %" PRIu64
			" value(s) (iommufd-sim replay lists them); the picture "
			"is of the model\n",
			trace, res.ndiv);
	if (!t2d_ok(d, why, sizeof(why))) {
		fprintf(stderr, "trace2dot: %s: %s\n", trace, why);
		goto out;
	}
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "trace2dot: %s: %s\n", outpath, strerror(errno));
		goto out;
	}
	if ((lifetimes ? t2d_write_lifetimes(d, out, trace) :
			 t2d_write_graph(d, out, trace)) ||
	    (out != stdout ? fclose(out) : fflush(out))) {
		fprintf(stderr, "trace2dot: %s: write failed: %s\n",
			outpath ? outpath : "standard output", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sim_replay_result_free(&res);
	t2d_free(d);
	return rc;
}
