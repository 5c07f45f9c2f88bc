// SPDX-License-Identifier: MIT
/*
 * The trace reader and writer (trace.h, docs/trace-format.md).
 *
 * JSON comes from jansson: a strict RFC 8259 parser that rejects duplicate
 * members on request and reports the column of an error. Everything above
 * JSON syntax is checked here, member by member, so that replay never has
 * to second-guess a record it was given.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <iommufd/model.h>

#include "trace.h"

/* JSON integers beyond this are not exact in many JSON implementations */
#define JSON_SAFE_INT ((uint64_t)1 << 53)

/* ------------------------------------------------------------- names */

static const char *const kind_names[SIM_REC_NKINDS] = {
	[SIM_REC_OPEN] = "open",
	[SIM_REC_CLOSE] = "close",
	[SIM_REC_DUP] = "dup",
	[SIM_REC_IOCTL] = "ioctl",
	[SIM_REC_ENV] = "env",
	[SIM_REC_DMA] = "dma",
	[SIM_REC_PAGE_REQUEST] = "page_request",
	[SIM_REC_FAULT_READ] = "fault_read",
	[SIM_REC_FAULT_WRITE] = "fault_write",
};

const char *sim_rec_kind_name(enum sim_rec_kind kind)
{
	return (unsigned int)kind < SIM_REC_NKINDS ? kind_names[kind] : "?";
}

#define E(x) { #x, x }
static const struct {
	const char *name;
	int err;
} errnos[] = {
	E(EPERM),     E(ENOENT),	  E(ESRCH),	    E(EINTR),
	E(EIO),	      E(ENXIO),		  E(E2BIG),	    E(ENOEXEC),
	E(EBADF),     E(ECHILD),	  E(EAGAIN),	    E(ENOMEM),
	E(EACCES),    E(EFAULT),	  E(ENOTBLK),	    E(EBUSY),
	E(EEXIST),    E(EXDEV),		  E(ENODEV),	    E(ENOTDIR),
	E(EISDIR),    E(EINVAL),	  E(ENFILE),	    E(EMFILE),
	E(ENOTTY),    E(ETXTBSY),	  E(EFBIG),	    E(ENOSPC),
	E(ESPIPE),    E(EROFS),		  E(EMLINK),	    E(EPIPE),
	E(EDOM),      E(ERANGE),	  E(EDEADLK),	    E(ENAMETOOLONG),
	E(ENOLCK),    E(ENOSYS),	  E(ENOTEMPTY),	    E(ELOOP),
	E(ENOMSG),    E(EIDRM),		  E(ENODATA),	    E(ETIME),
	E(ENOLINK),   E(EPROTO),	  E(EBADMSG),	    E(EOVERFLOW),
	E(EBADFD),    E(EILSEQ),	  E(EMSGSIZE),	    E(EOPNOTSUPP),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENOBUFS),	    E(ETIMEDOUT),
	E(EALREADY),  E(EINPROGRESS),	  E(ESTALE),	    E(EDQUOT),
	E(ECANCELED), E(EOWNERDEAD),	  E(ENOTRECOVERABLE), E(EHWPOISON),
};
#undef E

const char *sim_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return NULL;
}

int sim_errno_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].err;
	return -1;
}

static const struct {
	const char *name;
	uint32_t cap;
} caps[] = {
	{ "SYS_RESOURCE", IOMMUFD_CAP_SYS_RESOURCE },
	{ "IPC_LOCK", IOMMUFD_CAP_IPC_LOCK },
	{ "SYS_RAWIO", IOMMUFD_CAP_SYS_RAWIO },
};
#define NCAPS (sizeof(caps) / sizeof(caps[0]))

/* ------------------------------------------------------------ records */

bool sim_image_known(const struct sim_image *img, size_t i)
{
	return i < img->len && (!img->known || img->known[i]);
}

bool sim_image_all_known(const struct sim_image *img)
{
	if (!img->known)
		return true;
	for (size_t i = 0; i < img->len; i++)
		if (!img->known[i])
			return false;
	return true;
}

static void image_free(struct sim_image *img)
{
	free(img->data);
	free(img->known);
	memset(img, 0, sizeof(*img));
}

void sim_record_init(struct sim_record *rec)
{
	memset(rec, 0, sizeof(*rec));
}

void sim_record_clear_results(struct sim_record *rec)
{
	rec->has_ret = false;
	rec->has_errno = false;
	image_free(&rec->out);
	for (unsigned int i = 0; i < rec->n_out_bufs; i++)
		image_free(&rec->out_bufs[i].img);
	rec->n_out_bufs = 0;
}

void sim_record_clear(struct sim_record *rec)
{
	sim_record_clear_results(rec);
	image_free(&rec->in);
	for (unsigned int i = 0; i < rec->n_in_bufs; i++)
		image_free(&rec->in_bufs[i].img);
	free(rec->path);
	free(rec->device);
	free(rec->raw);
	sim_record_init(rec);
}

void sim_record_label(const struct sim_record *rec, char *buf, size_t len)
{
	if (rec->kind != SIM_REC_IOCTL)
		snprintf(buf, len, "%s", sim_rec_kind_name(rec->kind));
	else if (rec->ioc)
		snprintf(buf, len, "%s", rec->ioc->name);
	else
		snprintf(buf, len, "ioctl 0x%" PRIx32, rec->cmd);
}

/* ------------------------------------------------------- parse context */

struct pctx {
	const char *file;
	unsigned int line;
	struct sim_err *err;
};

__attribute__((format(printf, 2, 3))) static int fail(struct pctx *p,
						       const char *fmt, ...)
{
	va_list ap;
	int n;

	p->err->line = p->line;
	n = snprintf(p->err->msg, sizeof(p->err->msg), "%s:%u: ", p->file,
		     p->line);
	if (n < 0 || (size_t)n >= sizeof(p->err->msg))
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err->msg + n, sizeof(p->err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A member that is absent or null is "not recorded" */
static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static bool ignorable_key(const char *key)
{
	return !strcmp(key, "comment") || !strncmp(key, "x-", 2);
}

/* @allowed ends with NULL */
static int check_members(struct pctx *p, json_t *obj, const char *where,
			 const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return fail(p, "%s must be a JSON object", where);
	json_object_foreach(obj, key, v) {
		bool ok = ignorable_key(key);

		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = !strcmp(allowed[i], key);
		if (!ok)
			return fail(p, "unknown member '%s' in %s", key, where);
	}
	return 0;
}

/* ------------------------------------------------------------ numbers */

/* An integer in any of the format's spellings, as sign and magnitude */
static int parse_int(struct pctx *p, json_t *v, const char *what, bool *neg,
		     uint64_t *mag)
{
	const char *s;
	unsigned int base = 10;
	uint64_t m = 0;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		*neg = x < 0;
		*mag = x < 0 ? -(uint64_t)x : (uint64_t)x;
		return 0;
	}
	if (!json_is_string(v))
		return fail(p, "%s must be an integer (or a \"0x...\" string)",
			    what);
	s = json_string_value(v);
	*neg = *s == '-';
	if (*neg)
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		goto bad;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			goto bad;
		if (m > (UINT64_MAX - d) / base)
			return fail(p, "%s: \"%s\" does not fit in 64 bits",
				    what, json_string_value(v));
		m = m * base + d;
	}
	*mag = m;
	return 0;
bad:
	return fail(p, "%s: \"%s\" is not an integer", what,
		    json_string_value(v));
}

static int get_u64(struct pctx *p, json_t *v, const char *what,
		   uint64_t *out)
{
	bool neg = false;

	if (parse_int(p, v, what, &neg, out))
		return -1;
	if (neg && *out)
		return fail(p, "%s must not be negative", what);
	return 0;
}

static int get_u64_max(struct pctx *p, json_t *v, const char *what,
		       uint64_t max, uint64_t *out)
{
	if (get_u64(p, v, what, out))
		return -1;
	if (*out > max)
		return fail(p, "%s: %" PRIu64 " is larger than %" PRIu64, what,
			    *out, max);
	return 0;
}

static int get_s64(struct pctx *p, json_t *v, const char *what,
		   int64_t *out)
{
	bool neg;
	uint64_t m;

	if (parse_int(p, v, what, &neg, &m))
		return -1;
	if (neg ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX)
		return fail(p, "%s does not fit in a signed 64-bit integer",
			    what);
	*out = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

/* --------------------------------------------------------------- bytes */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int get_hex(struct pctx *p, json_t *v, const char *what,
		   uint8_t **out, size_t *len)
{
	const char *s;
	size_t n;
	uint8_t *d;

	if (!json_is_string(v))
		return fail(p, "%s must be a hex string", what);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n % 2)
		return fail(p, "%s: odd number of hex digits (%zu)", what, n);
	/* one spare byte: malloc(0) may return NULL */
	d = malloc(n / 2 + 1);
	if (!d)
		return fail(p, "%s: out of memory", what);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(d);
			return fail(p, "%s: not a hex digit at position %zu",
				    what, 2 * i + (hi < 0 ? 0 : 1));
		}
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = d;
	*len = n / 2;
	return 0;
}

/* ------------------------------------------------------------- fields */

/* Encode the JSON value @v of field @f into @dst (f->size bytes) */
static int encode_field(struct pctx *p, const struct sim_field *f, json_t *v,
			const char *what, uint8_t *dst)
{
	unsigned int bits = 8 * f->size;
	uint64_t mag, raw;
	bool neg;

	if (f->type == SIM_FT_BYTES) {
		uint8_t *b;
		size_t n;

		if (get_hex(p, v, what, &b, &n))
			return -1;
		if (n != f->size) {
			free(b);
			return fail(p, "%s: %zu bytes given, the field has %u",
				    what, n, f->size);
		}
		memcpy(dst, b, n);
		free(b);
		return 0;
	}
	if (parse_int(p, v, what, &neg, &mag))
		return -1;
	if (neg && mag) {
		if (f->type != SIM_FT_SINT)
			return fail(p, "%s is unsigned, -%" PRIu64 " given",
				    what, mag);
		if (mag > (uint64_t)1 << (bits - 1))
			return fail(p, "%s: -%" PRIu64 " does not fit %u bits",
				    what, mag, bits);
		raw = 0 - mag;
	} else {
		/* a signed field may also be given as its bit pattern */
		if (bits < 64 && mag >> bits)
			return fail(p, "%s: %" PRIu64 " does not fit %u bits",
				    what, mag, bits);
		raw = mag;
	}
	for (unsigned int i = 0; i < f->size; i++)
		dst[i] = (uint8_t)(raw >> (8 * i));
	return 0;
}

/* Bytes that the descriptor can describe, tail members included */
static size_t described_len(const struct sim_struct *st)
{
	size_t n = st->size;

	for (unsigned int i = 0; i < st->nfields; i++)
		if ((size_t)st->fields[i].offset + st->fields[i].size > n)
			n = (size_t)st->fields[i].offset + st->fields[i].size;
	return n;
}

static int image_alloc(struct pctx *p, struct sim_image *img, size_t len,
		       bool partial)
{
	img->data = calloc(len + 1, 1);
	img->known = partial ? calloc(len + 1, 1) : NULL;
	if (!img->data || (partial && !img->known)) {
		image_free(img);
		return fail(p, "out of memory");
	}
	img->len = len;
	img->present = true;
	return 0;
}

/*
 * Apply the named fields of @fields (fields of @st) to @img. With @check
 * the image already holds hex bytes and each field must agree with them;
 * otherwise the fields are written in (and marked known when partial).
 */
static int apply_fields(struct pctx *p, const struct sim_struct *st,
			json_t *fields, const char *where, struct sim_image *img,
			size_t base, bool check)
{
	const char *key;
	json_t *v;

	json_object_foreach(fields, key, v) {
		const struct sim_field *f;
		char what[288];
		uint8_t tmp[8];

		if (ignorable_key(key))
			continue;
		f = sim_field_by_name(st, key);
		if (!f)
			return fail(p, "%s: struct %s has no field '%s'", where,
				    st->name, key);
		if (json_is_null(v))
			continue;
		snprintf(what, sizeof(what), "%s.%s", where, key);
		if (base + f->offset + f->size > img->len)
			return fail(p, "%s lies beyond the %zu bytes of the struct",
				    what, img->len);
		if (f->size > sizeof(tmp))
			return fail(p, "%s: field too wide", what);
		if (encode_field(p, f, v, what, tmp))
			return -1;
		if (check) {
			if (memcmp(img->data + base + f->offset, tmp, f->size))
				return fail(p, "%s disagrees with the hex bytes",
					    what);
			continue;
		}
		memcpy(img->data + base + f->offset, tmp, f->size);
		if (img->known)
			memset(img->known + base + f->offset, 1, f->size);
	}
	return 0;
}

static size_t max_field_end(const struct sim_struct *st, json_t *fields)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	json_object_foreach(fields, key, v) {
		const struct sim_field *f = sim_field_by_name(st, key);

		if (f && (size_t)f->offset + f->size > n)
			n = (size_t)f->offset + f->size;
	}
	return n;
}

/*
 * "in" / "out": {"fields":{...},"hex":"..."}. @in is the already parsed
 * "in" when parsing "out" (expectations are partial, their length is in's).
 */
static int parse_struct(struct pctx *p, const struct sim_struct *st,
			json_t *obj, const char *where, struct sim_image *img,
			const struct sim_image *in)
{
	static const char *const allowed[] = { "fields", "hex", NULL };
	bool expect = in != NULL;
	json_t *hex, *fields;
	char what[64];

	if (check_members(p, obj, where, allowed))
		return -1;
	hex = member(obj, "hex");
	fields = member(obj, "fields");
	if (!hex && !fields)
		return 0; /* nothing recorded */
	if (fields && !json_is_object(fields))
		return fail(p, "%s.fields must be a JSON object", where);
	if (fields && !st)
		return fail(p, "%s.fields: this request has no struct "
			       "descriptor, give %s.hex", where, where);

	if (hex) {
		snprintf(what, sizeof(what), "%s.hex", where);
		if (get_hex(p, hex, what, &img->data, &img->len))
			return -1;
		img->present = true;
		if (expect && in->present && img->len != in->len)
			return fail(p, "%s has %zu bytes, in.hex %zu", what,
				    img->len, in->len);
		return fields ? apply_fields(p, st, fields, where, img, 0, true) :
				0;
	}

	if (expect) {
		size_t len = in->present ? in->len : max_field_end(st, fields);

		if (image_alloc(p, img, len, true))
			return -1;
	} else {
		const struct sim_field *sz = &st->fields[0];
		uint64_t size;
		json_t *v = member(fields, sz->name);

		if (!st->sized || !v)
			return fail(p, "%s.fields must give '%s' when %s.hex is "
				       "absent", where, sz->name, where);
		snprintf(what, sizeof(what), "%s.fields.%s", where, sz->name);
		if (get_u64_max(p, v, what, UINT32_MAX, &size))
			return -1;
		/* bytes past what the descriptor covers are not recorded */
		if (size > described_len(st))
			size = described_len(st);
		if (image_alloc(p, img, size, false))
			return -1;
	}
	return apply_fields(p, st, fields, where, img, 0, false);
}

/* "elems":[{...},...] of element struct @es into @img (allocated here) */
static int parse_elems(struct pctx *p, const struct sim_struct *es,
		       json_t *arr, const char *where, struct sim_image *img,
		       bool partial)
{
	size_t n, i;
	json_t *e;

	if (!json_is_array(arr))
		return fail(p, "%s must be an array", where);
	n = json_array_size(arr);
	if (image_alloc(p, img, n * es->size, partial))
		return -1;
	json_array_foreach(arr, i, e) {
		char what[224];

		snprintf(what, sizeof(what), "%s[%zu]", where, i);
		if (!json_is_object(e))
			return fail(p, "%s must be a JSON object", what);
		if (apply_fields(p, es, e, what, img, i * es->size, false))
			return -1;
	}
	return 0;
}

static bool images_agree(const struct sim_image *a, const struct sim_image *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++)
		if (sim_image_known(b, i) && a->data[i] != b->data[i])
			return false;
	return true;
}

/* "in_buffers" / "out_buffers" */
static int parse_bufs(struct pctx *p, struct sim_record *rec, json_t *obj,
		      bool out)
{
	static const char *const allowed[] = { "addr", "hex", "elems", NULL };
	const char *where = out ? "out_buffers" : "in_buffers";
	const struct sim_struct *st = rec->ioc ? rec->ioc->st : NULL;
	unsigned int *n = out ? &rec->n_out_bufs : &rec->n_in_bufs;
	struct sim_tbuf *bufs = out ? rec->out_bufs : rec->in_bufs;
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return fail(p, "%s must be a JSON object", where);
	if (!st)
		return fail(p, "%s: this request has no buffers", where);
	if (!rec->in.present)
		return fail(p, "%s needs 'in': the buffers' lengths come from "
			       "the struct", where);

	json_object_foreach(obj, key, v) {
		const struct sim_buf *b;
		const struct sim_struct *es;
		const uint8_t *sel = rec->in.data;
		size_t sel_len = rec->in.len;
		struct sim_tbuf *tb;
		uint64_t addr, blen;
		json_t *hex, *elems, *a;
		char what[160];

		if (ignorable_key(key))
			continue;
		snprintf(what, sizeof(what), "%s.%s", where, key);
		b = sim_buf_by_ptr(st, key);
		if (!b)
			return fail(p, "%s: struct %s has no buffer behind '%s'",
				    where, st->name, key);
		if (out && !(b->dir & SIM_BUF_OUT))
			return fail(p, "%s: the kernel does not write this "
				       "buffer", what);
		if (json_is_null(v))
			continue;
		if (check_members(p, v, what, allowed))
			return -1;
		if (!sim_buf_locate(st, b, rec->in.data, rec->in.len, &addr,
				    &blen))
			return fail(p, "%s: the struct has no such buffer (its "
				       "condition is off, or the pointer or "
				       "length lies beyond in)", what);
		a = member(v, "addr");
		if (a) {
			uint64_t given;
			char awhat[192];

			snprintf(awhat, sizeof(awhat), "%s.addr", what);
			if (get_u64(p, a, awhat, &given))
				return -1;
			if (given != addr)
				return fail(p, "%s is 0x%" PRIx64 ", but the "
					       "pointer field holds 0x%" PRIx64,
					    awhat, given, addr);
		}
		for (unsigned int i = 0; i < *n; i++)
			if (bufs[i].desc == b)
				return fail(p, "%s given twice", what);
		if (*n == SIM_MAX_BUFS)
			return fail(p, "%s: too many buffers", where);
		tb = &bufs[(*n)++];
		tb->desc = b;
		tb->addr = addr;

		if (out && rec->out.present) {
			sel = rec->out.data;
			sel_len = rec->out.len;
		}
		es = sim_buf_elem(st, b, rec->in.data, rec->in.len, sel,
				  sel_len);
		hex = member(v, "hex");
		elems = member(v, "elems");
		if (!hex && !elems)
			return fail(p, "%s needs 'hex' or 'elems'", what);
		if (elems && !es)
			return fail(p, "%s.elems: this buffer has no element "
				       "type here, give hex", what);
		if (hex) {
			char hwhat[192];

			snprintf(hwhat, sizeof(hwhat), "%s.hex", what);
			if (get_hex(p, hex, hwhat, &tb->img.data, &tb->img.len))
				return -1;
			tb->img.present = true;
		}
		if (elems) {
			struct sim_image e = { 0 };
			char ewhat[192];

			snprintf(ewhat, sizeof(ewhat), "%s.elems", what);
			if (parse_elems(p, es, elems, ewhat, &e, out || hex)) {
				image_free(&e);
				return -1;
			}
			if (hex) {
				bool agree = images_agree(&tb->img, &e);

				image_free(&e);
				if (!agree)
					return fail(p, "%s disagrees with "
						       "%s.hex", ewhat, what);
			} else {
				tb->img = e;
			}
		}
		if (tb->img.len > blen)
			return fail(p, "%s has %zu bytes, more than the %" PRIu64
				       " its length field allows",
				    what, tb->img.len, blen);
	}
	return 0;
}

/* ----------------------------------------------------------- handles */

struct handle_ent {
	uint64_t handle;
	uint8_t kind;
	bool open;
};

struct sim_reader {
	FILE *f;
	char *name;
	unsigned int line;
	char *buf;
	size_t cap;
	bool header_done;
	bool have_seq;
	uint64_t last_seq;
	/* sorted by handle; producers hand them out increasing */
	struct handle_ent *h;
	size_t nh, caph;
};

static struct handle_ent *handle_find(struct sim_reader *r, uint64_t handle,
				      size_t *pos)
{
	size_t lo = 0, hi = r->nh;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->h[mid].handle < handle)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < r->nh && r->h[lo].handle == handle ? &r->h[lo] : NULL;
}

static int handle_add(struct sim_reader *r, const struct sim_fdref *fd)
{
	size_t pos;

	if (handle_find(r, fd->handle, &pos))
		return -1;
	if (r->nh == r->caph) {
		size_t ncap = r->caph ? 2 * r->caph : 16;
		struct handle_ent *n = realloc(r->h, ncap * sizeof(*n));

		if (!n)
			return -1;
		r->h = n;
		r->caph = ncap;
	}
	memmove(&r->h[pos + 1], &r->h[pos], (r->nh - pos) * sizeof(*r->h));
	r->h[pos] = (struct handle_ent){ fd->handle, fd->kind, true };
	r->nh++;
	return 0;
}

static int parse_fd(struct pctx *p, json_t *obj, const char *where,
		    struct sim_fdref *fd)
{
	static const char *const allowed[] = { "kind", "handle", "num", NULL };
	json_t *k, *h, *n;
	int kind;
	char what[64];

	if (check_members(p, obj, where, allowed))
		return -1;
	k = member(obj, "kind");
	h = member(obj, "handle");
	if (!k || !json_is_string(k))
		return fail(p, "%s.kind must be a string", where);
	kind = sim_fdkind_parse(json_string_value(k));
	if (kind < 0)
		return fail(p, "%s.kind: unknown file kind '%s'", where,
			    json_string_value(k));
	fd->kind = (uint8_t)kind;
	if (!h)
		return fail(p, "%s.handle is missing", where);
	snprintf(what, sizeof(what), "%s.handle", where);
	if (get_u64(p, h, what, &fd->handle))
		return -1;
	n = member(obj, "num");
	fd->has_num = n != NULL;
	if (n) {
		snprintf(what, sizeof(what), "%s.num", where);
		if (get_s64(p, n, what, &fd->num))
			return -1;
		if (fd->num < 0 || fd->num > INT32_MAX)
			return fail(p, "%s: %" PRId64 " is not an fd number",
				    what, fd->num);
	}
	return 0;
}

/* The file @fd names must be open, with the kind it was opened with */
static int check_open(struct pctx *p, struct sim_reader *r,
		      const struct sim_fdref *fd, const char *where)
{
	struct handle_ent *e = handle_find(r, fd->handle, NULL);

	if (!e)
		return fail(p, "%s: handle %" PRIu64 " was never opened", where,
			    fd->handle);
	if (!e->open)
		return fail(p, "%s: handle %" PRIu64 " is closed", where,
			    fd->handle);
	if (e->kind != fd->kind)
		return fail(p, "%s: handle %" PRIu64 " is a %s, not a %s", where,
			    fd->handle, sim_fdkind_name(e->kind),
			    sim_fdkind_name(fd->kind));
	return 0;
}

static int check_new(struct pctx *p, struct sim_reader *r,
		     const struct sim_fdref *fd, const char *where)
{
	if (handle_find(r, fd->handle, NULL))
		return fail(p, "%s: handle %" PRIu64 " is already in use "
			       "(handles are never reused)", where, fd->handle);
	return 0;
}

/* ---------------------------------------------------------- results */

static int parse_result(struct pctx *p, json_t *o, struct sim_record *rec)
{
	json_t *ret = member(o, "ret"), *e = member(o, "errno");

	if (ret) {
		if (get_s64(p, ret, "ret", &rec->ret))
			return -1;
		if (rec->ret < -1)
			return fail(p, "ret is %" PRId64 ": a failed call "
				       "returns -1 and sets errno", rec->ret);
		rec->has_ret = true;
	}
	if (e) {
		if (json_is_string(e)) {
			rec->err = sim_errno_parse(json_string_value(e));
			if (rec->err < 0)
				return fail(p, "unknown errno name '%s'",
					    json_string_value(e));
		} else {
			uint64_t v;

			if (get_u64_max(p, e, "errno", 4095, &v))
				return -1;
			if (!v)
				return fail(p, "errno 0 is not an error; leave "
					       "errno out");
			rec->err = (int)v;
		}
		rec->has_errno = true;
		if (rec->has_ret && rec->ret != -1)
			return fail(p, "errno is given but ret is %" PRId64
				       ", not -1", rec->ret);
	}
	return 0;
}

static int parse_env(struct pctx *p, json_t *o, struct sim_env *env)
{
	json_t *c = member(o, "caps"), *rl = member(o, "rlimit_memlock");

	if (c) {
		size_t i;
		json_t *v;

		if (!json_is_array(c))
			return fail(p, "caps must be an array of names");
		env->caps = 0;
		json_array_foreach(c, i, v) {
			size_t k;

			if (!json_is_string(v))
				return fail(p, "caps[%zu] must be a string", i);
			for (k = 0; k < NCAPS; k++)
				if (!strcmp(caps[k].name, json_string_value(v)))
					break;
			if (k == NCAPS)
				return fail(p, "caps[%zu]: unknown capability "
					       "'%s'", i, json_string_value(v));
			env->caps |= caps[k].cap;
		}
		env->has_caps = true;
	}
	if (rl) {
		if (json_is_string(rl) &&
		    !strcmp(json_string_value(rl), "infinity"))
			env->rlimit_memlock = IOMMUFD_RLIM_INFINITY;
		else if (get_u64(p, rl, "rlimit_memlock", &env->rlimit_memlock))
			return -1;
		env->has_rlimit = true;
	}
	return 0;
}

/* ------------------------------------------------------------ records */

static const char *const m_open[] = { "seq",  "kind", "fd",    "path",
				      "device", "ret", "errno", NULL };
static const char *const m_close[] = { "seq", "kind", "fd", "ret", "errno",
				       NULL };
static const char *const m_dup[] = { "seq", "kind",  "fd",   "new_fd",
				     "ret", "errno", NULL };
static const char *const m_ioctl[] = {
	"seq", "kind",	      "fd",  "ioctl", "nr",  "arg",	    "in",
	"in_buffers", "new_fd", "ret", "errno", "out", "out_buffers", NULL
};
static const char *const m_env[] = { "seq", "kind", "caps", "rlimit_memlock",
				     NULL };
static const char *const m_dma[] = { "seq",  "kind", "device", "pasid",
				     "iova", "length", "write", "hex",
				     "status", "fault", NULL };
static const char *const m_page_request[] = {
	"seq",	"kind", "device", "pasid", "addr",  "perm",
	"grpid", "last", "status", "code",  NULL
};
static const char *const m_fault_read[] = { "seq", "kind",   "fd",  "count",
					    "hex", "faults", "ret", "errno",
					    NULL };
static const char *const m_fault_write[] = { "seq", "kind", "fd",
					     "count", "hex", "responses",
					     "ret", "errno", NULL };

static const char *const *const members_of[SIM_REC_NKINDS] = {
	[SIM_REC_OPEN] = m_open,
	[SIM_REC_CLOSE] = m_close,
	[SIM_REC_DUP] = m_dup,
	[SIM_REC_IOCTL] = m_ioctl,
	[SIM_REC_ENV] = m_env,
	[SIM_REC_DMA] = m_dma,
	[SIM_REC_PAGE_REQUEST] = m_page_request,
	[SIM_REC_FAULT_READ] = m_fault_read,
	[SIM_REC_FAULT_WRITE] = m_fault_write,
};

static int dup_string(struct pctx *p, json_t *o, const char *key, char **out)
{
	json_t *v = member(o, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return fail(p, "%s must be a string", key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : fail(p, "out of memory");
}

static int parse_ioctl(struct pctx *p, json_t *o, struct sim_record *rec)
{
	json_t *name = member(o, "ioctl"), *nr = member(o, "nr");
	json_t *arg = member(o, "arg"), *in = member(o, "in");
	json_t *inb = member(o, "in_buffers"), *out = member(o, "out");
	json_t *outb = member(o, "out_buffers"), *nfd = member(o, "new_fd");
	const struct sim_struct *st;
	uint64_t cmd = 0;

	if (nr && get_u64_max(p, nr, "nr", UINT32_MAX, &cmd))
		return -1;
	if (name) {
		if (!json_is_string(name))
			return fail(p, "ioctl must be a request name");
		rec->ioc = sim_ioctl_by_name(json_string_value(name));
		if (!rec->ioc)
			return fail(p, "unknown ioctl '%s'",
				    json_string_value(name));
		if (nr && cmd != rec->ioc->cmd)
			return fail(p, "nr 0x%" PRIx64 " is not the number of "
				       "%s (0x%" PRIx32 ")", cmd,
				    rec->ioc->name, rec->ioc->cmd);
		rec->cmd = rec->ioc->cmd;
	} else {
		if (!nr)
			return fail(p, "an ioctl record needs 'ioctl' or 'nr'");
		rec->cmd = (uint32_t)cmd;
		rec->ioc = sim_ioctl_by_cmd(rec->cmd);
	}
	st = rec->ioc ? rec->ioc->st : NULL;

	if (arg) {
		if (get_u64(p, arg, "arg", &rec->arg))
			return -1;
		rec->has_arg = true;
	}
	if (rec->ioc && rec->ioc->arg == SIM_ARG_VALUE && !arg)
		return fail(p, "%s needs 'arg', its value", rec->ioc->name);
	if (rec->ioc && rec->ioc->arg != SIM_ARG_STRUCT &&
	    (in || inb || out || outb))
		return fail(p, "%s takes no struct: no in, out or buffers",
			    rec->ioc->name);
	if ((in || out) && !arg)
		return fail(p, "'%s' needs 'arg', the struct's address",
			    in ? "in" : "out");

	if (in && parse_struct(p, st, in, "in", &rec->in, NULL))
		return -1;
	if (inb && parse_bufs(p, rec, inb, false))
		return -1;
	if (nfd) {
		if (parse_fd(p, nfd, "new_fd", &rec->new_fd))
			return -1;
		rec->has_new_fd = true;
	}
	if (parse_result(p, o, rec))
		return -1;
	if (out && parse_struct(p, st, out, "out", &rec->out, &rec->in))
		return -1;
	if (outb && parse_bufs(p, rec, outb, true))
		return -1;
	return 0;
}

/* Device events: checked for shape, kept verbatim */
static int parse_event(struct pctx *p, json_t *o, struct sim_record *rec)
{
	static const char *const nums[] = { "pasid", "iova", "length",
					    "addr",  "grpid", "count", NULL };
	json_t *v;

	if (rec->kind == SIM_REC_DMA || rec->kind == SIM_REC_PAGE_REQUEST) {
		v = member(o, "device");
		if (!v || !json_is_string(v))
			return fail(p, "%s needs 'device', the device's name",
				    sim_rec_kind_name(rec->kind));
	}
	for (size_t i = 0; nums[i]; i++) {
		uint64_t x;

		v = member(o, nums[i]);
		if (v && get_u64(p, v, nums[i], &x))
			return -1;
	}
	v = member(o, "hex");
	if (v) {
		uint8_t *b;
		size_t n;

		if (get_hex(p, v, "hex", &b, &n))
			return -1;
		free(b);
	}
	return 0;
}

static int parse_record(struct sim_reader *r, struct pctx *p, json_t *o,
			struct sim_record *rec)
{
	json_t *kind = member(o, "kind"), *seq = member(o, "seq"), *fd;
	int k;

	if (!json_is_object(o))
		return fail(p, "a record must be a JSON object");
	if (!kind || !json_is_string(kind))
		return fail(p, "record without 'kind'");
	for (k = 0; k < SIM_REC_NKINDS; k++)
		if (!strcmp(kind_names[k], json_string_value(kind)))
			break;
	if (k == SIM_REC_NKINDS)
		return fail(p, "unknown record kind '%s'",
			    json_string_value(kind));
	rec->kind = (enum sim_rec_kind)k;
	rec->line = p->line;
	if (check_members(p, o, "the record", members_of[k]))
		return -1;
	if (!seq)
		return fail(p, "record without 'seq'");
	if (get_u64(p, seq, "seq", &rec->seq))
		return -1;
	if (r->have_seq && rec->seq <= r->last_seq)
		return fail(p, "seq %" PRIu64 " does not follow %" PRIu64,
			    rec->seq, r->last_seq);

	fd = member(o, "fd");
	switch (rec->kind) {
	case SIM_REC_OPEN:
	case SIM_REC_CLOSE:
	case SIM_REC_DUP:
	case SIM_REC_IOCTL:
	case SIM_REC_FAULT_READ:
	case SIM_REC_FAULT_WRITE:
		if (!fd)
			return fail(p, "%s record without 'fd'",
				    kind_names[k]);
		if (parse_fd(p, fd, "fd", &rec->fd))
			return -1;
		rec->has_fd = true;
		break;
	default:
		break;
	}

	switch (rec->kind) {
	case SIM_REC_OPEN:
		if (rec->fd.kind == SIM_FD_FAULT)
			return fail(p, "a fault file comes from "
				       "IOMMU_FAULT_QUEUE_ALLOC, not open");
		if (check_new(p, r, &rec->fd, "fd") ||
		    dup_string(p, o, "path", &rec->path) ||
		    dup_string(p, o, "device", &rec->device) ||
		    parse_result(p, o, rec))
			return -1;
		break;
	case SIM_REC_CLOSE:
		if (check_open(p, r, &rec->fd, "fd") || parse_result(p, o, rec))
			return -1;
		break;
	case SIM_REC_DUP: {
		json_t *nfd = member(o, "new_fd");

		if (!nfd)
			return fail(p, "dup record without 'new_fd'");
		if (check_open(p, r, &rec->fd, "fd") ||
		    parse_fd(p, nfd, "new_fd", &rec->new_fd) ||
		    check_new(p, r, &rec->new_fd, "new_fd"))
			return -1;
		if (rec->new_fd.kind != rec->fd.kind)
			return fail(p, "new_fd is a %s, but dup keeps the kind "
				       "(%s)", sim_fdkind_name(rec->new_fd.kind),
				    sim_fdkind_name(rec->fd.kind));
		if (rec->new_fd.handle == rec->fd.handle)
			return fail(p, "new_fd has the handle of fd");
		rec->has_new_fd = true;
		if (parse_result(p, o, rec))
			return -1;
		break;
	}
	case SIM_REC_IOCTL:
		if (check_open(p, r, &rec->fd, "fd") || parse_ioctl(p, o, rec))
			return -1;
		if (rec->has_new_fd && check_new(p, r, &rec->new_fd, "new_fd"))
			return -1;
		break;
	case SIM_REC_ENV:
		if (parse_env(p, o, &rec->env))
			return -1;
		break;
	case SIM_REC_FAULT_READ:
	case SIM_REC_FAULT_WRITE:
		if (rec->fd.kind != SIM_FD_FAULT)
			return fail(p, "%s needs a fault file, fd is a %s",
				    kind_names[k], sim_fdkind_name(rec->fd.kind));
		if (check_open(p, r, &rec->fd, "fd") || parse_result(p, o, rec))
			return -1;
		/* fall through */
	case SIM_REC_DMA:
	case SIM_REC_PAGE_REQUEST:
		if (parse_event(p, o, rec))
			return -1;
		break;
	case SIM_REC_NKINDS:
		break;
	}
	return 0;
}

/* The state the record changes, applied once it is known to be valid */
static int commit_record(struct sim_reader *r, struct pctx *p,
			 const struct sim_record *rec)
{
	r->have_seq = true;
	r->last_seq = rec->seq;
	if (rec->kind == SIM_REC_OPEN && handle_add(r, &rec->fd))
		return fail(p, "out of memory");
	if (rec->kind == SIM_REC_CLOSE)
		handle_find(r, rec->fd.handle, NULL)->open = false;
	if (rec->has_new_fd && handle_add(r, &rec->new_fd))
		return fail(p, "out of memory");
	return 0;
}

/* ------------------------------------------------------------ reader */

struct sim_reader *sim_reader_new(FILE *f, const char *name)
{
	struct sim_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->f = f;
	r->name = strdup(name ? name : "trace");
	if (!r->name) {
		free(r);
		return NULL;
	}
	return r;
}

void sim_reader_free(struct sim_reader *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->buf);
	free(r->h);
	free(r);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/*
 * The next line as JSON. 1: *out set; 0: end of file; -1: error. Blank
 * lines are skipped unless @first.
 */
static int read_json(struct sim_reader *r, struct pctx *p, bool first,
		     json_t **out)
{
	for (;;) {
		ssize_t n;
		bool complete;
		json_error_t je;
		json_t *j;

		errno = 0;
		n = getline(&r->buf, &r->cap, r->f);
		if (n < 0) {
			p->line = r->line + 1;
			if (ferror(r->f))
				return fail(p, "read error: %s",
					    strerror(errno ? errno : EIO));
			if (first)
				return fail(p, "empty trace: no header line");
			return 0;
		}
		p->line = ++r->line;
		complete = n > 0 && r->buf[n - 1] == '\n';
		if (memchr(r->buf, '\0', (size_t)n))
			return fail(p, "NUL byte in the line");
		if (blank(r->buf, (size_t)n)) {
			if (first)
				return fail(p, "line 1 must be the header");
			continue;
		}
		j = json_loadb(r->buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
		if (!j) {
			if (!complete)
				return fail(p, "truncated record: the file ends "
					       "inside it (%s)", je.text);
			if (strstr(je.text, "too big integer"))
				return fail(p, "invalid JSON at column %d: %s "
					       "(write integers of 2^63 and "
					       "more as \"0x...\" strings)",
					    je.column, je.text);
			return fail(p, "invalid JSON at column %d: %s",
				    je.column, je.text);
		}
		*out = j;
		return 1;
	}
}

int sim_reader_header(struct sim_reader *r, struct sim_header *hdr,
		      struct sim_err *err)
{
	static const char *const allowed[] = { "format",    "version",
					       "kernel",    "arch",
					       "page_size", "producer",
					       "env",	    "machine",
					       NULL };
	struct pctx p = { r->name, 0, err };
	json_t *j, *v;
	int rc = -1;

	memset(hdr, 0, sizeof(*hdr));
	if (r->header_done)
		return fail(&p, "the header was already read");
	if (read_json(r, &p, true, &j) != 1)
		return -1;
	v = member(j, "format");
	if (!json_is_object(j) || !v || !json_is_string(v) ||
	    strcmp(json_string_value(v), SIM_TRACE_FORMAT)) {
		fail(&p, "not an iommufd trace: line 1 must be a header with "
			 "\"format\":\"" SIM_TRACE_FORMAT "\"");
		goto out;
	}
	if (check_members(&p, j, "the header", allowed))
		goto out;
	v = member(j, "version");
	if (!v || !json_is_integer(v)) {
		fail(&p, "the header has no integer 'version'");
		goto out;
	}
	if (json_integer_value(v) != SIM_TRACE_VERSION) {
		fail(&p, "trace version %" JSON_INTEGER_FORMAT " is not "
			 "supported (this reader knows version %d)",
		     json_integer_value(v), SIM_TRACE_VERSION);
		goto out;
	}
	hdr->version = SIM_TRACE_VERSION;
	v = member(j, "kernel");
	if (!v || !json_is_string(v)) {
		fail(&p, "the header has no 'kernel' string");
		goto out;
	}
	snprintf(hdr->kernel, sizeof(hdr->kernel), "%s", json_string_value(v));
	v = member(j, "arch");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), "x86_64"))) {
		fail(&p, "arch must be \"x86_64\": the model has x86-64 "
			 "layouts and request numbers");
		goto out;
	}
	v = member(j, "page_size");
	if (v && (!json_is_integer(v) || json_integer_value(v) != 4096)) {
		fail(&p, "page_size must be 4096, the model's page size");
		goto out;
	}
	v = member(j, "producer");
	if (v && !json_is_string(v)) {
		fail(&p, "producer must be a string");
		goto out;
	}
	if (v)
		snprintf(hdr->producer, sizeof(hdr->producer), "%s",
			 json_string_value(v));
	v = member(j, "env");
	if (v) {
		static const char *const env_allowed[] = { "caps",
							   "rlimit_memlock",
							   NULL };

		if (check_members(&p, v, "env", env_allowed) ||
		    parse_env(&p, v, &hdr->env))
			goto out;
	}
	r->header_done = true;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int sim_reader_next(struct sim_reader *r, struct sim_record *rec,
		    struct sim_err *err)
{
	struct pctx p = { r->name, r->line, err };
	json_t *j;
	int rc;

	sim_record_clear(rec);
	if (!r->header_done)
		return fail(&p, "the header has not been read");
	rc = read_json(r, &p, false, &j);
	if (rc <= 0)
		return rc;
	rc = parse_record(r, &p, j, rec);
	if (!rc && (rec->kind == SIM_REC_DMA ||
		    rec->kind == SIM_REC_PAGE_REQUEST ||
		    rec->kind == SIM_REC_FAULT_READ ||
		    rec->kind == SIM_REC_FAULT_WRITE)) {
		rec->raw = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!rec->raw)
			rc = fail(&p, "out of memory");
	}
	if (!rc)
		rc = commit_record(r, &p, rec);
	json_decref(j);
	if (rc) {
		sim_record_clear(rec);
		return -1;
	}
	return 1;
}

/* ------------------------------------------------------------ writer */

static json_t *jnum(uint64_t v, bool hex)
{
	if (hex || v >= JSON_SAFE_INT)
		return json_sprintf("0x%" PRIx64, v);
	return json_integer((json_int_t)v);
}

static json_t *jhex(const uint8_t *d, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[d[i] >> 4];
		s[2 * i + 1] = digits[d[i] & 15];
	}
	s[2 * n] = 0;
	j = json_stringn_nocheck(s, 2 * n);
	free(s);
	return j;
}

/* json_object_set_new that remembers a failure instead of leaking */
static void jset(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, key, v))
		*ok = false;
}

static json_t *jfield(const struct sim_field *f, const uint8_t *base)
{
	uint64_t v;

	if (f->type == SIM_FT_BYTES)
		return jhex(base + f->offset, f->size);
	sim_field_get(f, base, (size_t)f->offset + f->size, &v);
	if (f->type == SIM_FT_SINT)
		return json_integer((json_int_t)(int64_t)v);
	return jnum(v, f->flags & SIM_FF_ADDR);
}

static bool field_known(const struct sim_image *img, size_t base,
			const struct sim_field *f)
{
	for (uint32_t i = 0; i < f->size; i++)
		if (!sim_image_known(img, base + f->offset + i))
			return false;
	return true;
}

/* The fields of @st in @img at @base: all known ones, or only outputs */
static json_t *jfields(const struct sim_struct *st,
		       const struct sim_image *img, size_t base,
		       bool only_out, bool *ok)
{
	json_t *o = json_object();

	if (!o) {
		*ok = false;
		return NULL;
	}
	for (unsigned int i = 0; i < st->nfields; i++) {
		const struct sim_field *f = &st->fields[i];

		if (base + f->offset + f->size > img->len ||
		    !field_known(img, base, f))
			continue;
		if (only_out && !(f->flags & SIM_FF_OUT))
			continue;
		jset(o, f->name, jfield(f, img->data + base), ok);
	}
	return o;
}

static json_t *jstruct(const struct sim_struct *st,
		       const struct sim_image *img, bool out, bool *ok)
{
	json_t *o = json_object();
	bool all = sim_image_all_known(img);

	if (!o) {
		*ok = false;
		return NULL;
	}
	/* an expectation given by fields stays one: no invented bytes */
	if (st) {
		json_t *f = jfields(st, img, 0, out && all, ok);

		if (f && !json_object_size(f))
			json_decref(f);
		else
			jset(o, "fields", f, ok);
	}
	if (all || !st)
		jset(o, "hex", jhex(img->data, img->len), ok);
	return o;
}

static json_t *jbufs(const struct sim_record *rec, bool out, bool *ok)
{
	const struct sim_struct *st = rec->ioc->st;
	const struct sim_tbuf *bufs = out ? rec->out_bufs : rec->in_bufs;
	unsigned int n = out ? rec->n_out_bufs : rec->n_in_bufs;
	json_t *o = json_object();

	if (!o) {
		*ok = false;
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct sim_tbuf *tb = &bufs[i];
		const struct sim_image *sel = out && rec->out.present ?
						      &rec->out : &rec->in;
		const struct sim_struct *es =
			sim_buf_elem(st, tb->desc, rec->in.data, rec->in.len,
				     sel->data, sel->len);
		bool all = sim_image_all_known(&tb->img);
		json_t *b = json_object();

		if (!b) {
			*ok = false;
			break;
		}
		jset(b, "addr", jnum(tb->addr, true), ok);
		if (all || !es)
			jset(b, "hex", jhex(tb->img.data, tb->img.len), ok);
		if (es && tb->img.len % es->size == 0) {
			json_t *a = json_array();

			for (size_t e = 0; a && e < tb->img.len / es->size; e++)
				if (json_array_append_new(
					    a, jfields(es, &tb->img, e * es->size,
						       false, ok)))
					*ok = false;
			jset(b, "elems", a, ok);
		}
		jset(o, tb->desc->ptr, b, ok);
	}
	return o;
}

static json_t *jfd(const struct sim_fdref *fd, bool *ok)
{
	json_t *o = json_object();

	if (!o) {
		*ok = false;
		return NULL;
	}
	jset(o, "kind", json_string(sim_fdkind_name(fd->kind)), ok);
	jset(o, "handle", jnum(fd->handle, false), ok);
	if (fd->has_num)
		jset(o, "num", json_integer(fd->num), ok);
	return o;
}

static json_t *jenv(const struct sim_env *env, json_t *o, bool *ok)
{
	if (env->has_caps) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < NCAPS; i++)
			if ((env->caps & caps[i].cap) &&
			    json_array_append_new(a, json_string(caps[i].name)))
				*ok = false;
		jset(o, "caps", a, ok);
	}
	if (env->has_rlimit)
		jset(o, "rlimit_memlock",
		     env->rlimit_memlock == IOMMUFD_RLIM_INFINITY ?
			     json_string("infinity") :
			     jnum(env->rlimit_memlock, false),
		     ok);
	return o;
}

static void jresult(json_t *o, const struct sim_record *rec, bool *ok)
{
	if (rec->has_ret)
		jset(o, "ret", json_integer(rec->ret), ok);
	if (rec->has_errno) {
		const char *n = sim_errno_name(rec->err);

		jset(o, "errno", n ? json_string(n) : json_integer(rec->err),
		     ok);
	}
}

static int emit(FILE *f, json_t *o, bool ok)
{
	char *s;
	int rc = -1;

	if (!o || !ok) {
		json_decref(o);
		errno = ENOMEM;
		return -1;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	if (fputs(s, f) >= 0 && fputc('\n', f) != EOF)
		rc = 0;
	free(s);
	return rc;
}

int sim_write_header(FILE *f, const struct sim_header *hdr)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (o) {
		jset(o, "format", json_string(SIM_TRACE_FORMAT), &ok);
		jset(o, "version", json_integer(SIM_TRACE_VERSION), &ok);
		jset(o, "kernel", json_string(hdr->kernel), &ok);
		jset(o, "arch", json_string("x86_64"), &ok);
		jset(o, "page_size", json_integer(4096), &ok);
		if (hdr->producer[0])
			jset(o, "producer", json_string(hdr->producer), &ok);
		if (hdr->env.has_caps || hdr->env.has_rlimit)
			jset(o, "env", jenv(&hdr->env, json_object(), &ok),
			     &ok);
	}
	return emit(f, o, ok);
}

int sim_write_record(FILE *f, const struct sim_record *rec)
{
	json_t *o;
	bool ok = true;

	if (rec->raw) {
		if (fputs(rec->raw, f) < 0 || fputc('\n', f) == EOF)
			return -1;
		return 0;
	}
	o = json_object();
	if (!o) {
		errno = ENOMEM;
		return -1;
	}
	jset(o, "seq", jnum(rec->seq, false), &ok);
	jset(o, "kind", json_string(sim_rec_kind_name(rec->kind)), &ok);
	if (rec->has_fd)
		jset(o, "fd", jfd(&rec->fd, &ok), &ok);

	switch (rec->kind) {
	case SIM_REC_OPEN:
		if (rec->path)
			jset(o, "path", json_string(rec->path), &ok);
		if (rec->device)
			jset(o, "device", json_string(rec->device), &ok);
		jresult(o, rec, &ok);
		break;
	case SIM_REC_DUP:
		jset(o, "new_fd", jfd(&rec->new_fd, &ok), &ok);
		/* fall through */
	case SIM_REC_CLOSE:
		jresult(o, rec, &ok);
		break;
	case SIM_REC_ENV:
		jenv(&rec->env, o, &ok);
		break;
	case SIM_REC_IOCTL: {
		const struct sim_struct *st = rec->ioc ? rec->ioc->st : NULL;

		jset(o, "ioctl",
		     rec->ioc ? json_string(rec->ioc->name) : json_null(), &ok);
		jset(o, "nr", jnum(rec->cmd, true), &ok);
		if (rec->has_arg)
			jset(o, "arg",
			     jnum(rec->arg, !rec->ioc ||
						    rec->ioc->arg != SIM_ARG_VALUE),
			     &ok);
		if (rec->in.present)
			jset(o, "in", jstruct(st, &rec->in, false, &ok), &ok);
		if (rec->n_in_bufs)
			jset(o, "in_buffers", jbufs(rec, false, &ok), &ok);
		if (rec->has_new_fd)
			jset(o, "new_fd", jfd(&rec->new_fd, &ok), &ok);
		jresult(o, rec, &ok);
		if (rec->out.present)
			jset(o, "out", jstruct(st, &rec->out, true, &ok), &ok);
		if (rec->n_out_bufs)
			jset(o, "out_buffers", jbufs(rec, true, &ok), &ok);
		break;
	}
	default:
		break;
	}
	return emit(f, o, ok);
}
