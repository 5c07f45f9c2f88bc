// SPDX-License-Identifier: MIT
/*
 * trace2dot's pictures (draw.h). Contexts are named by the order they
 * first appear ("iommufd #1", ...) rather than by pointer or handle: a
 * handle can close while a dup keeps the file, and a freed context's
 * address can come back for the next one.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <iommufd/model.h>

#include "draw.h"
#include "trace.h"

/* Wider than this, the lifetime table merges neighbouring columns */
#define MAX_COLUMNS 96

struct snap_ctx {
	unsigned int label;
	uint64_t handle;
	size_t n;
	struct iommufd_object_info *objs;
};

struct ctx_track {
	const struct iommufd_ctx *ctx;
	unsigned int label;
	bool live;
	bool seen; /* in this record's list */
	/* alive[id]: 1 + the index in lives of the object with that ID */
	size_t *alive;
	size_t capalive;
};

struct life {
	unsigned int label; /* the context's */
	uint32_t id, kind;
	uint64_t born, died; /* seq; died UINT64_MAX while alive */
};

struct t2d {
	uint64_t at;
	bool oom;
	bool taken; /* the snapshot is of record @at */

	struct snap_ctx *snap;
	size_t nsnap, capsnap;

	struct ctx_track *tracks;
	size_t ntracks, captracks;
	unsigned int next_label;

	struct life *lives;
	size_t nlives, caplives;

	uint64_t *changes; /* seqs at which some object came or went */
	size_t nchanges, capchanges;

	struct iommufd_object_info *scratch;
	size_t capscratch;
};

static bool grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t cap2 = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return true;
	while (cap2 < need)
		cap2 *= 2;
	p = realloc(*v, cap2 * elem);
	if (!p)
		return false;
	*v = p;
	*cap = cap2;
	return true;
}

struct t2d *t2d_new(uint64_t at)
{
	struct t2d *d = calloc(1, sizeof(*d));

	if (d)
		d->at = at;
	return d;
}

static void snap_clear(struct t2d *d)
{
	for (size_t i = 0; i < d->nsnap; i++)
		free(d->snap[i].objs);
	d->nsnap = 0;
}

void t2d_free(struct t2d *d)
{
	if (!d)
		return;
	snap_clear(d);
	free(d->snap);
	for (size_t i = 0; i < d->ntracks; i++)
		free(d->tracks[i].alive);
	free(d->tracks);
	free(d->lives);
	free(d->changes);
	free(d->scratch);
	free(d);
}

/* The objects of @ctx into d->scratch; their number, or -1 */
static long objects(struct t2d *d, struct iommufd_ctx *ctx)
{
	size_t n = iommufd_ctx_objects(ctx, NULL, 0);

	if (!grow((void **)&d->scratch, &d->capscratch, n + 1,
		  sizeof(*d->scratch)))
		return -1;
	return (long)iommufd_ctx_objects(ctx, d->scratch, n);
}

static struct ctx_track *track(struct t2d *d, const struct iommufd_ctx *ctx)
{
	for (size_t i = 0; i < d->ntracks; i++)
		if (d->tracks[i].live && d->tracks[i].ctx == ctx)
			return &d->tracks[i];
	if (!grow((void **)&d->tracks, &d->captracks, d->ntracks + 1,
		  sizeof(*d->tracks)))
		return NULL;
	d->tracks[d->ntracks] = (struct ctx_track){
		.ctx = ctx, .label = ++d->next_label, .live = true,
	};
	return &d->tracks[d->ntracks++];
}

static bool note_change(struct t2d *d, uint64_t seq)
{
	if (d->nchanges && d->changes[d->nchanges - 1] == seq)
		return true;
	if (!grow((void **)&d->changes, &d->capchanges, d->nchanges + 1,
		  sizeof(*d->changes)))
		return false;
	d->changes[d->nchanges++] = seq;
	return true;
}

static bool die(struct t2d *d, struct ctx_track *t, uint32_t id,
		uint64_t seq)
{
	d->lives[t->alive[id] - 1].died = seq;
	t->alive[id] = 0;
	return note_change(d, seq);
}

/*
 * The objects of @t now (ascending IDs, as iommufd_ctx_objects gives
 * them): births and deaths since the last look, in one pass over the IDs
 */
static bool follow(struct t2d *d, struct ctx_track *t, uint64_t seq,
		   const struct iommufd_object_info *objs, size_t n)
{
	uint32_t next = 1; /* IDs below were dealt with */

	for (size_t k = 0; k < n; k++) {
		uint32_t id = objs[k].id;

		for (; next < id && next < t->capalive; next++)
			if (t->alive[next] && !die(d, t, next, seq))
				return false;
		next = id + 1;
		if (id >= t->capalive) {
			size_t old = t->capalive;

			if (!grow((void **)&t->alive, &t->capalive,
				  (size_t)id + 1, sizeof(*t->alive)))
				return false;
			memset(t->alive + old, 0,
			       (t->capalive - old) * sizeof(*t->alive));
		}
		if (t->alive[id]) {
			if (d->lives[t->alive[id] - 1].kind == objs[k].kind)
				continue;
			/* freed and its ID reused in the same record */
			if (!die(d, t, id, seq))
				return false;
		}
		if (!grow((void **)&d->lives, &d->caplives, d->nlives + 1,
			  sizeof(*d->lives)) ||
		    !note_change(d, seq))
			return false;
		d->lives[d->nlives++] = (struct life){
			.label = t->label, .id = id, .kind = objs[k].kind,
			.born = seq, .died = UINT64_MAX,
		};
		t->alive[id] = d->nlives;
	}
	for (; next < t->capalive; next++)
		if (t->alive[next] && !die(d, t, next, seq))
			return false;
	return true;
}

static bool take_snapshot(struct t2d *d, unsigned int label, uint64_t handle,
			  const struct iommufd_object_info *objs, size_t n)
{
	struct snap_ctx *s;

	if (!grow((void **)&d->snap, &d->capsnap, d->nsnap + 1,
		  sizeof(*d->snap)))
		return false;
	s = &d->snap[d->nsnap];
	*s = (struct snap_ctx){ .label = label, .handle = handle, .n = n };
	if (n) {
		s->objs = malloc(n * sizeof(*objs));
		if (!s->objs)
			return false;
		memcpy(s->objs, objs, n * sizeof(*objs));
	}
	d->nsnap++;
	return true;
}

void t2d_observe(void *priv, const struct sim_record *rec,
		 const struct sim_replay_ctx *ctxs, size_t n)
{
	struct t2d *d = priv;
	bool snap = !d->taken && (!d->at || rec->seq == d->at);

	if (d->oom)
		return;
	if (snap)
		snap_clear(d);
	for (size_t i = 0; i < d->ntracks; i++)
		d->tracks[i].seen = false;
	for (size_t i = 0; i < n; i++) {
		struct ctx_track *t = track(d, ctxs[i].ctx);
		long nobj;

		if (!t)
			goto oom;
		t->seen = true;
		nobj = objects(d, ctxs[i].ctx);
		if (nobj < 0 ||
		    !follow(d, t, rec->seq, d->scratch, (size_t)nobj) ||
		    (snap && !take_snapshot(d, t->label, ctxs[i].handle,
					     d->scratch, (size_t)nobj)))
			goto oom;
	}
	for (size_t i = 0; i < d->ntracks; i++) {
		struct ctx_track *t = &d->tracks[i];

		if (t->live && !t->seen) {
			t->live = false;
			/* a context that is gone: all it held ends here */
			if (!follow(d, t, rec->seq, NULL, 0))
				goto oom;
		}
	}
	if (snap && d->at)
		d->taken = true;
	return;
oom:
	d->oom = true;
}

bool t2d_ok(const struct t2d *d, char *why, size_t len)
{
	if (d->oom) {
		snprintf(why, len, "out of memory while following the replay");
		return false;
	}
	if (d->at && !d->taken) {
		snprintf(why, len, "--at %" PRIu64 ": no record with that seq ran",
			 d->at);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ output */

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case IOMMUFD_OBJECT_DEVICE: return "DEVICE";
	case IOMMUFD_OBJECT_HWPT_PAGING: return "HWPT_PAGING";
	case IOMMUFD_OBJECT_HWPT_NESTED: return "HWPT_NESTED";
	case IOMMUFD_OBJECT_IOAS: return "IOAS";
	case IOMMUFD_OBJECT_ACCESS: return "ACCESS";
	case IOMMUFD_OBJECT_FAULT: return "FAULT";
	case IOMMUFD_OBJECT_SELFTEST: return "SELFTEST";
	default: return "OBJECT";
	}
}

/* One light colour per kind, so the two pictures read alike */
static const char *kind_color(uint32_t kind)
{
	switch (kind) {
	case IOMMUFD_OBJECT_DEVICE: return "#f4cccc";
	case IOMMUFD_OBJECT_HWPT_PAGING: return "#fff2cc";
	case IOMMUFD_OBJECT_HWPT_NESTED: return "#fce5cd";
	case IOMMUFD_OBJECT_IOAS: return "#cfe2f3";
	case IOMMUFD_OBJECT_ACCESS: return "#d9ead3";
	case IOMMUFD_OBJECT_FAULT: return "#ead1dc";
	default: return "#eeeeee";
	}
}

static void fmt_bytes(char *buf, size_t len, uint64_t b)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };
	unsigned int u = 0;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && b >= 1024 &&
	       !(b % 1024)) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", b, unit[u]);
}

/* A dot "string": quotes and backslashes escaped, control bytes dropped */
static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
	fputc('"', out);
}

static void edge(FILE *out, unsigned int label, uint32_t from, uint32_t to,
		 const char *what)
{
	if (to)
		fprintf(out, "  c%u_%u -> c%u_%u [label=\"%s\"];\n", label, from,
			label, to, what);
}

int t2d_write_graph(const struct t2d *d, FILE *out, const char *title)
{
	fprintf(out, "digraph iommufd {\n  label=");
	put_quoted(out, title);
	fprintf(out, ";\n  labelloc=t;\n  rankdir=LR;\n"
		     "  node [shape=box, style=\"rounded,filled\", "
		     "fontname=\"Helvetica\"];\n"
		     "  edge [fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t c = 0; c < d->nsnap; c++) {
		const struct snap_ctx *s = &d->snap[c];

		fprintf(out,
			"  subgraph cluster_%u {\n"
			"    label=\"iommufd #%u (handle %" PRIu64 ")\";\n"
			"    style=dashed;\n",
			s->label, s->label, s->handle);
		if (!s->n)
			fprintf(out, "    c%u_empty [label=\"no objects\", "
				     "style=dotted];\n",
				s->label);
		for (size_t i = 0; i < s->n; i++) {
			const struct iommufd_object_info *o = &s->objs[i];
			char extra[96] = "", size[32];

			if (o->kind == IOMMUFD_OBJECT_IOAS) {
				fmt_bytes(size, sizeof(size), o->mapped);
				snprintf(extra, sizeof(extra),
					 "\\n%" PRIu64 " area%s, %s", o->areas,
					 o->areas == 1 ? "" : "s", size);
			} else if (o->auto_domain || o->nest_parent) {
				snprintf(extra, sizeof(extra), "\\n%s",
					 o->auto_domain ? "auto domain" :
							  "nest parent");
			}
			fprintf(out,
				"    c%u_%u [label=\"%s %u\\nusers %u%s\", "
				"fillcolor=\"%s\"];\n",
				s->label, o->id, kind_name(o->kind), o->id,
				o->users, extra, kind_color(o->kind));
		}
		fprintf(out, "  }\n");
		for (size_t i = 0; i < s->n; i++) {
			const struct iommufd_object_info *o = &s->objs[i];

			edge(out, s->label, o->id, o->ioas_id, "ioas");
			edge(out, s->label, o->id, o->parent_id, "parent");
			edge(out, s->label, o->id, o->hwpt_id, "attached");
			edge(out, s->label, o->id, o->fault_id, "fault");
			edge(out, s->label, o->id, o->dev_id, "device");
		}
	}
	fprintf(out, "}\n");
	return ferror(out) ? -1 : 0;
}

/* Column @c of @ncol covers changes[first .. last] */
static void column(const struct t2d *d, size_t c, size_t ncol, size_t *first,
		   size_t *last)
{
	*first = c * d->nchanges / ncol;
	*last = (c + 1) * d->nchanges / ncol - 1;
}

int t2d_write_lifetimes(const struct t2d *d, FILE *out, const char *title)
{
	size_t ncol = d->nchanges < MAX_COLUMNS ? d->nchanges : MAX_COLUMNS;

	fprintf(out, "digraph lifetimes {\n  label=");
	put_quoted(out, title);
	fprintf(out, ";\n  labelloc=t;\n"
		     "  node [shape=plaintext, fontname=\"Helvetica\"];\n"
		     "  lifetimes [label=<<TABLE BORDER=\"0\" "
		     "CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">\n"
		     "    <TR><TD><B>object</B></TD>");
	for (size_t c = 0; c < ncol; c++) {
		size_t a, b;

		column(d, c, ncol, &a, &b);
		if (a == b)
			fprintf(out, "<TD>%" PRIu64 "</TD>", d->changes[a]);
		else
			fprintf(out, "<TD>%" PRIu64 "-%" PRIu64 "</TD>",
				d->changes[a], d->changes[b]);
	}
	fprintf(out, "</TR>\n");
	if (!d->nlives)
		fprintf(out, "    <TR><TD>no objects</TD></TR>\n");
	for (size_t i = 0; i < d->nlives; i++) {
		const struct life *l = &d->lives[i];

		fprintf(out,
			"    <TR><TD ALIGN=\"LEFT\">#%u %s %u</TD>", l->label,
			kind_name(l->kind), l->id);
		for (size_t c = 0; c < ncol; c++) {
			size_t a, b;

			column(d, c, ncol, &a, &b);
			/* alive in [born, died): overlaps [changes[a], changes[b]] */
			if (l->born <= d->changes[b] && l->died > d->changes[a])
				fprintf(out, "<TD BGCOLOR=\"%s\">%s</TD>",
					kind_color(l->kind),
					l->born >= d->changes[a] &&
							l->born <= d->changes[b] ?
						"+" :
						"");
			else
				fprintf(out, "<TD></TD>");
		}
		fprintf(out, "</TR>\n");
	}
	fprintf(out, "  </TABLE>>];\n}\n");
	return ferror(out) ? -1 : 0;
}
