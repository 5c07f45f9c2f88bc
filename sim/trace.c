// SPDX-License-Identifier: MIT
/*
 * The trace reader and writer (trace.h, docs/trace-format.md).
 *
 * JSON comes from jansson: a strict RFC 8259 parser that rejects duplicate
 * members on request and reports the column of an error. Everything above
 * JSON syntax is checked here, member by member, so that replay never has
 * to second-guess a record it was given.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <iommufd/model.h>
#include <iommufd/platform.h>

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
	[SIM_REC_GROUP_SET_CONTAINER] = "group_set_container",
	[SIM_REC_GROUP_UNSET_CONTAINER] = "group_unset_container",
	[SIM_REC_GROUP_OPEN] = "group_open",
	[SIM_REC_GROUP_CLOSE] = "group_close",
};

static const char *const dma_status_names[] = {
	[SIM_DMA_UNRECORDED] = NULL,
	[SIM_DMA_OK] = "ok",
	[SIM_DMA_FAULT] = "fault",
	[SIM_DMA_BLOCKED] = "blocked",
};

const char *sim_dma_status_name(enum sim_dma_status st)
{
	return st >= SIM_DMA_OK && st <= SIM_DMA_BLOCKED ?
		       dma_status_names[st] :
		       "?";
}

static const char *const pr_status_names[] = {
	[SIM_PR_UNRECORDED] = NULL,
	[SIM_PR_QUEUED] = "queued",
	[SIM_PR_RESPONDED] = "responded",
	[SIM_PR_DROPPED] = "dropped",
};

const char *sim_pr_status_name(enum sim_pr_status st)
{
	return st >= SIM_PR_QUEUED && st <= SIM_PR_DROPPED ?
		       pr_status_names[st] :
		       "?";
}

static const char *const pr_code_names[] = {
	[IOMMUFD_PAGE_REQUEST_RESP_SUCCESS] = "SUCCESS",
	[IOMMUFD_PAGE_REQUEST_RESP_INVALID] = "INVALID",
	[IOMMUFD_PAGE_REQUEST_RESP_FAILURE] = "FAILURE",
};

const char *sim_pr_code_name(unsigned int code)
{
	return code < sizeof(pr_code_names) / sizeof(pr_code_names[0]) ?
		       pr_code_names[code] :
		       NULL;
}

/* bit i of IOMMU_PGFAULT_PERM_* */
static const char *const pr_perm_names[] = { "READ", "WRITE", "EXEC", "PRIV" };

void sim_pr_perm_str(unsigned int perm, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = 0;
	for (unsigned int i = 0; i < 4; i++)
		if (perm & (1u << i))
			n += (size_t)snprintf(buf + (n < len ? n : len),
					      n < len ? len - n : 0, "%s%s",
					      n ? "," : "", pr_perm_names[i]);
}

/* The header's spellings of the machine's enums */
static const struct {
	const char *name;
	uint8_t kind;
} iommu_kinds[] = {
	{ "intel-vtd", IOMMUFD_IOMMU_INTEL_VTD },
	{ "amd", IOMMUFD_IOMMU_AMD },
	{ "mock", IOMMUFD_IOMMU_MOCK },
	{ "none", IOMMUFD_IOMMU_NONE },
};
#define NIOMMU_KINDS (sizeof(iommu_kinds) / sizeof(iommu_kinds[0]))

static const struct {
	const char *name;
	uint8_t type;
} resv_types[] = {
	{ "direct", IOMMUFD_RESV_DIRECT },
	{ "direct-relaxable", IOMMUFD_RESV_DIRECT_RELAXABLE },
	{ "reserved", IOMMUFD_RESV_RESERVED },
	{ "msi", IOMMUFD_RESV_MSI },
	{ "sw-msi", IOMMUFD_RESV_SW_MSI },
};
#define NRESV_TYPES (sizeof(resv_types) / sizeof(resv_types[0]))

static const struct {
	const char *name;
	unsigned int bit;
} configs[] = {
	{ "test", IOMMUFD_CONFIG_TEST },
	{ "next", IOMMUFD_CONFIG_SELFTEST_NEXT },
	{ "noiommu", IOMMUFD_CONFIG_NOIOMMU },
	{ "vfio-noiommu", IOMMUFD_CONFIG_VFIO_NOIOMMU },
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

int sim_machine_dev(const struct sim_machine *m, const char *name)
{
	for (unsigned int i = 0; m && i < m->ndevs; i++)
		if (!strcmp(m->devs[i].name, name))
			return (int)i;
	return -1;
}

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
	rec->dev = -1;
}

void sim_record_clear_results(struct sim_record *rec)
{
	rec->dma_status = SIM_DMA_UNRECORDED;
	/* a dma's page request is a result as a whole */
	if (rec->kind == SIM_REC_DMA)
		memset(&rec->pr, 0, sizeof(rec->pr));
	rec->has_fault = false;
	rec->pr.status = SIM_PR_UNRECORDED;
	rec->pr.has_code = false;
	/* a DMA read's bytes and a fault read's are what the call returned */
	if ((rec->kind == SIM_REC_DMA && !rec->write) ||
	    rec->kind == SIM_REC_FAULT_READ)
		image_free(&rec->data);
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
	image_free(&rec->data);
	for (unsigned int i = 0; i < rec->n_in_bufs; i++)
		image_free(&rec->in_bufs[i].img);
	free(rec->path);
	free(rec->device);
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

/*
 * The checking pass of a long trace spends most of its time tokenizing
 * lines. With a keep store (replay's checking pass) a second thread reads
 * the file and tokenizes each line for the fast path while this one turns
 * the tokens into records; everything the reader decides (records, errors,
 * line numbers) is still decided here, in file order.
 */
struct tline {
	size_t off, len; /* in the chunk's buffer */
	size_t node0;	 /* its tokens in the chunk's nodes */
	unsigned int nn;
	bool parsed; /* the fast path's tokenizer took it */
};

struct tchunk {
	struct tchunk *next;
	char *buf; /* whole lines, READ_PAD zero bytes after */
	struct tline *lines;
	size_t nlines;
	struct fj *nodes;
	size_t nnodes;
	int err;  /* read error (errno) after these lines, or 0 */
	bool eof; /* the last chunk */
};

struct tpipe {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tchunk *head, *tail; /* ready, in file order */
	unsigned int queued;
	bool stop;
	/* the thread's */
	FILE *f;
	char *carry; /* the start of a line the last block cut */
	size_t ncarry;
	/* the reader's */
	struct tchunk *cur;
	size_t next;
	const struct tline *line; /* the line read_line returned */
};

struct sim_reader {
	FILE *f;
	struct tpipe *pipe;
	char *name;
	unsigned int line;
	/*
	 * Read ahead in large blocks: the unread bytes are buf[pos, fill);
	 * the current line (at lp) stays valid until the next read.
	 */
	char *buf;
	size_t cap, pos, fill;
	bool eof;
	const char *lp;
	bool header_done;
	bool have_seq;
	uint64_t last_seq;
	/* sorted by handle; producers hand them out increasing */
	struct handle_ent *h;
	size_t nh, caph;
	/* the header's, NULL when it has none */
	struct sim_machine *machine;
	/* records the fast path read, and whether it may (tests turn it off) */
	uint64_t nfast;
	bool no_fast;
	/* the fast path's nodes, FJ_MAX of them, when no thread tokenizes */
	struct fj *fj;
	const struct sim_ioctl *last_ioc[2];
	/* sim_reader_keep: what was read so far, and whether that is all */
	struct kstore *keep;
	bool at_end;
	/* sim_reader_kept: the records come from @src, not a file */
	struct kstore *src;
	struct sim_header *khdr; /* the header, with either */
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

static const char *const m_open[] = { "seq",    "kind",  "fd",
				      "path",   "device", "group",
				      "ret",    "errno", NULL };
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
static const char *const m_fault_read[] = { "seq",    "kind", "fd",
					    "count",  "buf",  "hex",
					    "faults", "ret",  "errno",
					    NULL };
static const char *const m_fault_write[] = { "seq", "kind",	 "fd",
					     "count", "buf",	 "hex",
					     "responses", "ret", "errno",
					     NULL };
static const char *const m_group_set_container[] = {
	"seq", "kind", "fd", "group", "noiommu", "ret", "errno", NULL
};
/* group_unset_container, group_open, group_close */
static const char *const m_group_other[] = { "seq", "kind",  "group",
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
	[SIM_REC_GROUP_SET_CONTAINER] = m_group_set_container,
	[SIM_REC_GROUP_UNSET_CONTAINER] = m_group_other,
	[SIM_REC_GROUP_OPEN] = m_group_other,
	[SIM_REC_GROUP_CLOSE] = m_group_other,
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

/* A device name of the header's machine (when the header has one) */
static int parse_device(struct sim_reader *r, struct pctx *p, json_t *o,
			bool required, struct sim_record *rec);

static int get_bool(struct pctx *p, json_t *v, const char *what, bool *out)
{
	if (!json_is_boolean(v))
		return fail(p, "%s must be true or false", what);
	*out = json_is_true(v);
	return 0;
}

/* A dma's "fault": a page_request's own members */
static const char *const m_pr[] = { "pasid", "addr",   "perm", "grpid",
				    "last",  "status", "code", NULL };

/*
 * The members of a page request, named @prefix + member in messages. A
 * page_request (@inputs) needs all its inputs; a dma's fault is a result,
 * compared where recorded.
 */
static int parse_pr(struct pctx *p, json_t *o, const char *prefix,
		    bool inputs, struct sim_pr *pr)
{
	static const char *const need[] = { "addr", "perm", "grpid", "last" };
	char what[32];
	json_t *v;
	uint64_t x;

#define PR_WHAT(m) (snprintf(what, sizeof(what), "%s%s", prefix, m), what)
	for (size_t i = 0; inputs && i < 4; i++)
		if (!member(o, need[i]))
			return fail(p, "page_request without '%s'", need[i]);
	v = member(o, "pasid");
	if (v) {
		/* PCIe PASIDs are 20 bits */
		if (get_u64_max(p, v, PR_WHAT("pasid"), (1u << 20) - 1, &x))
			return -1;
		pr->has_pasid = true;
		pr->pasid = (uint32_t)x;
	}
	v = member(o, "addr");
	if (v) {
		if (get_u64(p, v, PR_WHAT("addr"), &pr->addr))
			return -1;
		/* the message carries address bits 63:12 only */
		if (pr->addr & 0xfff)
			return fail(p, "%s: 0x%" PRIx64 " is not a page "
				       "address (a page request carries bits "
				       "63:12)",
				    PR_WHAT("addr"), pr->addr);
		pr->has_addr = true;
	}
	v = member(o, "perm");
	if (v) {
		size_t i;
		json_t *e;

		if (!json_is_array(v))
			return fail(p, "%s must be an array of \"READ\", "
				       "\"WRITE\", \"EXEC\", \"PRIV\"",
				    PR_WHAT("perm"));
		json_array_foreach(v, i, e) {
			unsigned int b;

			for (b = 0; b < 4; b++)
				if (json_is_string(e) &&
				    !strcmp(json_string_value(e),
					    pr_perm_names[b]))
					break;
			if (b == 4)
				return fail(p, "%s[%zu]: not one of \"READ\", "
					       "\"WRITE\", \"EXEC\", "
					       "\"PRIV\"",
					    PR_WHAT("perm"), i);
			if (pr->perm & (1u << b))
				return fail(p, "%s[%zu]: %s is given twice",
					    PR_WHAT("perm"), i,
					    pr_perm_names[b]);
			pr->perm |= (uint8_t)(1u << b);
		}
		pr->has_perm = true;
	}
	v = member(o, "grpid");
	if (v) {
		/* the Page Request Group Index is 9 bits */
		if (get_u64_max(p, v, PR_WHAT("grpid"), 511, &x))
			return -1;
		pr->grpid = (uint32_t)x;
		pr->has_grpid = true;
	}
	v = member(o, "last");
	if (v) {
		if (get_bool(p, v, PR_WHAT("last"), &pr->last))
			return -1;
		pr->has_last = true;
	}
	v = member(o, "status");
	if (v) {
		int st;

		for (st = SIM_PR_QUEUED; st <= SIM_PR_DROPPED; st++)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), pr_status_names[st]))
				break;
		if (st > SIM_PR_DROPPED)
			return fail(p, "%s must be \"queued\", \"responded\" "
				       "or \"dropped\"",
				    PR_WHAT("status"));
		pr->status = (uint8_t)st;
	}
	v = member(o, "code");
	if (v) {
		unsigned int c;

		for (c = 0; sim_pr_code_name(c); c++)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), sim_pr_code_name(c)))
				break;
		if (!sim_pr_code_name(c))
			return fail(p, "%s must be \"SUCCESS\", \"INVALID\" "
				       "or \"FAILURE\"",
				    PR_WHAT("code"));
		if (pr->status != SIM_PR_RESPONDED)
			return fail(p, "%s is given but %sstatus is not "
				       "\"responded\"",
				    PR_WHAT("code"), prefix);
		pr->code = (uint8_t)c;
		pr->has_code = true;
	}
#undef PR_WHAT
	return 0;
}

static int parse_dma(struct sim_reader *r, struct pctx *p, json_t *o,
		     struct sim_record *rec)
{
	json_t *v;
	uint64_t x;

	if (parse_device(r, p, o, true, rec))
		return -1;
	v = member(o, "pasid");
	if (v) {
		if (get_u64_max(p, v, "pasid", (1u << 20) - 1, &x))
			return -1;
		rec->has_pasid = true;
		rec->pasid = (uint32_t)x;
	}
	v = member(o, "iova");
	if (!v)
		return fail(p, "dma record without 'iova'");
	if (get_u64(p, v, "iova", &rec->iova))
		return -1;
	v = member(o, "length");
	if (!v)
		return fail(p, "dma record without 'length'");
	if (get_u64_max(p, v, "length", 1u << 30, &rec->length))
		return -1;
	if (rec->length && rec->iova + rec->length - 1 < rec->iova)
		return fail(p, "iova + length wraps around");
	v = member(o, "write");
	if (!v)
		return fail(p, "dma record without 'write'");
	if (get_bool(p, v, "write", &rec->write))
		return -1;
	v = member(o, "hex");
	if (v) {
		if (get_hex(p, v, "hex", &rec->data.data, &rec->data.len))
			return -1;
		rec->data.present = true;
		if (rec->data.len != rec->length)
			return fail(p, "hex has %zu bytes, length is %" PRIu64,
				    rec->data.len, rec->length);
	} else if (rec->write) {
		return fail(p, "a dma write needs 'hex', the bytes written");
	}
	v = member(o, "status");
	if (v) {
		int st;

		for (st = SIM_DMA_OK; st <= SIM_DMA_BLOCKED; st++)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), dma_status_names[st]))
				break;
		if (st > SIM_DMA_BLOCKED)
			return fail(p, "status must be \"ok\", \"fault\" or "
				       "\"blocked\"");
		rec->dma_status = (uint8_t)st;
	}
	v = member(o, "fault");
	if (v) {
		if (!json_is_object(v))
			return fail(p, "fault must be a JSON object (a "
				       "page_request's members)");
		if (rec->dma_status != SIM_DMA_FAULT)
			return fail(p, "fault is given but status is not "
				       "\"fault\"");
		if (check_members(p, v, "fault", m_pr) ||
		    parse_pr(p, v, "fault.", false, &rec->pr))
			return -1;
		rec->has_fault = true;
	}
	return 0;
}

/* "faults" / "responses": decoded records of the fault file */
static int parse_fault_elems(struct pctx *p, json_t *o, const char *key,
			     const char *st_name, bool partial,
			     struct sim_record *rec)
{
	const struct sim_struct *es = sim_struct_by_name(st_name);
	json_t *v = member(o, key);
	struct sim_image e = { 0 };

	if (!v)
		return 0;
	if (!es)
		return fail(p, "%s: no descriptor of struct %s", key, st_name);
	if (parse_elems(p, es, v, key, &e, partial)) {
		image_free(&e);
		return -1;
	}
	if (rec->data.present) {
		bool agree = images_agree(&rec->data, &e);

		image_free(&e);
		if (!agree)
			return fail(p, "%s disagrees with hex", key);
		return 0;
	}
	rec->data = e;
	return 0;
}

static int parse_fault_rw(struct pctx *p, json_t *o, struct sim_record *rec)
{
	bool rd = rec->kind == SIM_REC_FAULT_READ;
	json_t *v;

	v = member(o, "count");
	if (v) {
		if (get_u64_max(p, v, "count", 1u << 24, &rec->count))
			return -1;
		rec->has_count = true;
	}
	v = member(o, "buf");
	if (v) {
		if (get_u64(p, v, "buf", &rec->buf))
			return -1;
		rec->has_buf = true;
	}
	v = member(o, "hex");
	if (v) {
		if (get_hex(p, v, "hex", &rec->data.data, &rec->data.len))
			return -1;
		rec->data.present = true;
	}
	if (parse_fault_elems(p, o, rd ? "faults" : "responses",
			      rd ? "iommu_hwpt_pgfault" :
				   "iommu_hwpt_page_response",
			      rd, rec))
		return -1;
	if (!rec->has_count) {
		if (rd)
			return fail(p, "fault_read needs 'count', the bytes "
				       "asked for");
		if (!rec->data.present)
			return fail(p, "fault_write needs 'hex' or "
				       "'responses'");
		rec->count = rec->data.len;
		rec->has_count = true;
	}
	if (rd ? rec->data.present && rec->data.len > rec->count :
		 !rec->data.present || rec->data.len != rec->count)
		return fail(p, rd ? "hex has %zu bytes, more than count "
				    "(%" PRIu64 ")" :
				    "hex has %zu bytes, count is %" PRIu64,
			    rec->data.len, rec->count);
	if (rd && rec->data.present && rec->has_ret && rec->ret >= 0 &&
	    (uint64_t)rec->ret != rec->data.len)
		return fail(p, "hex has %zu bytes, ret is %" PRId64,
			    rec->data.len, rec->ret);
	return 0;
}

/* "group": a group number; @what needs one when non-NULL */
static int parse_group_num(struct pctx *p, json_t *o, const char *what,
			   struct sim_record *rec)
{
	json_t *v = member(o, "group");
	uint64_t x;

	if (!v) {
		if (what)
			return fail(p, "%s needs 'group', the group's number",
				    what);
		return 0;
	}
	if (get_u64_max(p, v, "group", UINT32_MAX, &x))
		return -1;
	rec->has_group = true;
	rec->group = (uint32_t)x;
	return 0;
}

static int parse_group(struct pctx *p, json_t *o, struct sim_record *rec)
{
	json_t *v;

	if (rec->fd.kind != SIM_FD_IOMMUFD && rec->fd.kind != SIM_FD_VFIO_CONTAINER)
		return fail(p, "group_set_container needs a vfio-container or "
			       "iommufd file, fd is a %s",
			    sim_fdkind_name(rec->fd.kind));
	if (parse_group_num(p, o, NULL, rec))
		return -1;
	v = member(o, "noiommu");
	if (v && get_bool(p, v, "noiommu", &rec->noiommu))
		return -1;
	return 0;
}

static int parse_page_request(struct sim_reader *r, struct pctx *p,
			      json_t *o, struct sim_record *rec)
{
	if (parse_device(r, p, o, true, rec))
		return -1;
	return parse_pr(p, o, "", true, &rec->pr);
}

static int parse_device(struct sim_reader *r, struct pctx *p, json_t *o,
			bool required, struct sim_record *rec)
{
	json_t *v = member(o, "device");

	if (!v) {
		if (required)
			return fail(p, "%s needs 'device', the device's name",
				    rec->kind == SIM_REC_OPEN ?
					    "open of a vfio-device" :
					    sim_rec_kind_name(rec->kind));
		return 0;
	}
	if (!json_is_string(v))
		return fail(p, "device must be a string");
	rec->device = strdup(json_string_value(v));
	if (!rec->device)
		return fail(p, "out of memory");
	rec->dev = sim_machine_dev(r->machine, rec->device);
	/* without a machine, whether the name means anything is replay's call */
	if (r->machine && rec->dev < 0)
		return fail(p, "unknown device '%s': the header's machine "
			       "declares no device of that name",
			    rec->device);
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
	case SIM_REC_GROUP_SET_CONTAINER:
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
		    parse_device(r, p, o, false, rec) ||
		    parse_group_num(p, o, NULL, rec) ||
		    parse_result(p, o, rec))
			return -1;
		if (rec->device && rec->fd.kind != SIM_FD_VFIO_DEVICE)
			return fail(p, "device is only for a vfio-device file");
		if (rec->has_group && rec->fd.kind != SIM_FD_VFIO_DEVICE)
			return fail(p, "group is only for a vfio-device file "
				       "(from VFIO_GROUP_GET_DEVICE_FD)");
		/* group 0 is the machine's "a group of its own": no file */
		if (rec->has_group && !rec->group)
			return fail(p, "group must be a group file's number, "
				       "not 0");
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
		if (check_open(p, r, &rec->fd, "fd") ||
		    parse_result(p, o, rec) || parse_fault_rw(p, o, rec))
			return -1;
		break;
	case SIM_REC_DMA:
		if (parse_dma(r, p, o, rec))
			return -1;
		break;
	case SIM_REC_PAGE_REQUEST:
		if (parse_page_request(r, p, o, rec))
			return -1;
		break;
	case SIM_REC_GROUP_SET_CONTAINER:
		if (check_open(p, r, &rec->fd, "fd") || parse_group(p, o, rec) ||
		    parse_result(p, o, rec))
			return -1;
		break;
	case SIM_REC_GROUP_UNSET_CONTAINER:
	case SIM_REC_GROUP_OPEN:
	case SIM_REC_GROUP_CLOSE:
		if (parse_group_num(p, o, kind_names[k], rec) ||
		    parse_result(p, o, rec))
			return -1;
		if (!rec->group)
			return fail(p, "group must be a group file's number, "
				       "not 0");
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

/* --------------------------------------------------------- fast path */

/*
 * Nearly every line of a long trace is an ioctl record of one shape: fd,
 * request, arg, in and out given as fields and hex. A jansson DOM for such
 * a line costs many times the model's work on it, so these lines are read
 * by a small scanner straight into the record.
 *
 * The fast path decides nothing on its own. It accepts a subset of JSON
 * (ASCII strings without escapes, integers of at most 18 digits, no reals,
 * bounded size and depth) and only records whose every member it checks
 * the way the jansson path does; on anything else, including every line
 * the jansson path would reject, it steps aside and the line is read again
 * from the start by the jansson path. Errors and their messages therefore
 * always come from one place, and a record read either way is the same.
 */

#define FJ_MAX 128
#define FJ_MAX_DEPTH 16
#define FJ_ASIDE 1 /* step aside: let the jansson path read the line */

enum fj_type { FJ_NULL, FJ_FALSE, FJ_TRUE, FJ_INT, FJ_STR, FJ_OBJ, FJ_ARR };

/* A JSON value, in an array of them: 0 is the root, so 0 means "none" */
struct fj {
	uint8_t type;
	bool neg;	/* FJ_INT: below zero */
	uint16_t next;	/* the next member or element */
	uint16_t child; /* FJ_OBJ, FJ_ARR: the first member or element */
	uint32_t klen;
	uint32_t len;	/* FJ_STR */
	const char *key; /* the member's name (members only) */
	const char *s;	 /* FJ_STR: the bytes between the quotes */
	uint64_t mag;	 /* FJ_INT: the magnitude */
};

struct fj_scan {
	/*
	 * The line is [p, end); the reader keeps READ_PAD readable bytes
	 * after it, so a peek at *end is safe (never believed, though).
	 */
	const char *p, *end;
	struct fj *n;
	unsigned int nn, depth;
};

#define FJ_INLINE static inline __attribute__((always_inline))

FJ_INLINE void fj_ws(struct fj_scan *sc)
{
	/* traces are written compact: mostly there is none */
	if ((unsigned char)*sc->p > ' ')
		return;
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' ||
				   *sc->p == '\n' || *sc->p == '\r'))
		sc->p++;
}

#define FJ_ONES 0x0101010101010101ull
#define FJ_HIGHS 0x8080808080808080ull

/* Whether any byte of @x is a quote, a backslash, a control byte or not ASCII */
FJ_INLINE uint64_t fj_special8(uint64_t x)
{
	uint64_t q = x ^ (FJ_ONES * '"'), b = x ^ (FJ_ONES * '\\');

	/* the borrow tricks: a high bit where a byte is below 0x20, or zero */
	return (((x - FJ_ONES * 0x20) & ~x) | ((q - FJ_ONES) & ~q) |
		((b - FJ_ONES) & ~b) | x) &
	       FJ_HIGHS;
}

/* sc->p is at the opening quote */
FJ_INLINE bool fj_str(struct fj_scan *sc, const char **s, uint32_t *len)
{
	const char *q = ++sc->p;

#ifdef __SSE2__
	/* sixteen at a time: a signed compare catches both < 0x20 and >= 0x80 */
	while (sc->end - q >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
		__m128i sp = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
				     _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
			_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
		unsigned int m = (unsigned int)_mm_movemask_epi8(sp);

		if (m) {
			q += __builtin_ctz(m);
			goto tail;
		}
		q += 16;
	}
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * Eight bytes at a time; the lowest flagged byte is the first special
	 * one (the borrows only ever flag bytes above a true one).
	 */
	while (sc->end - q >= 8) {
		uint64_t x, m;

		memcpy(&x, q, 8);
		m = fj_special8(x);
		if (m) {
			q += __builtin_ctzll(m) / 8;
			break;
		}
		q += 8;
	}
#endif
#ifdef __SSE2__
tail:
#endif
	/* escapes, control bytes and UTF-8 are the jansson path's */
	while (q < sc->end && *q != '"') {
		unsigned char c = (unsigned char)*q;

		if (c < 0x20 || c >= 0x80 || c == '\\')
			return false;
		q++;
	}
	if (q == sc->end || q - sc->p > UINT32_MAX)
		return false;
	*s = sc->p;
	*len = (uint32_t)(q - sc->p);
	sc->p = q + 1;
	return true;
}

FJ_INLINE bool fj_lit(struct fj_scan *sc, const char *lit, size_t n)
{
	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, lit, n))
		return false;
	sc->p += n;
	return true;
}

FJ_INLINE bool fj_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool fj_children(struct fj_scan *sc, int idx, bool obj);

/* The next value: its index, or -1 to step aside */
FJ_INLINE int fj_value(struct fj_scan *sc)
{
	struct fj *n;
	int idx;

	fj_ws(sc);
	if (sc->nn == FJ_MAX || sc->p == sc->end)
		return -1;
	idx = (int)sc->nn++;
	n = &sc->n[idx];
	n->next = n->child = 0;
	n->key = NULL;
	n->klen = 0;
	switch (*sc->p) {
	case '"':
		n->type = FJ_STR;
		return fj_str(sc, &n->s, &n->len) ? idx : -1;
	case '{':
	case '[':
		n->type = *sc->p == '{' ? FJ_OBJ : FJ_ARR;
		return fj_children(sc, idx, n->type == FJ_OBJ) ? idx : -1;
	case 't':
		n->type = FJ_TRUE;
		return fj_lit(sc, "true", 4) ? idx : -1;
	case 'f':
		n->type = FJ_FALSE;
		return fj_lit(sc, "false", 5) ? idx : -1;
	case 'n':
		n->type = FJ_NULL;
		return fj_lit(sc, "null", 4) ? idx : -1;
	default: {
		const char *q = sc->p;
		bool neg = false;
		uint64_t m = 0;
		unsigned int digits = 0;

		if (*q == '-') {
			neg = true;
			q++;
		}
		if (q == sc->end || !fj_digit(*q))
			return -1;
		if (*q == '0') {
			q++;
		} else {
			/* 18 digits always fit jansson's json_int_t */
			for (; q < sc->end && fj_digit(*q); q++) {
				if (++digits > 18)
					return -1;
				m = m * 10 + (uint64_t)(*q - '0');
			}
		}
		/* reals and leading zeros are the jansson path's */
		if (q < sc->end && (fj_digit(*q) || *q == '.' || *q == 'e' ||
				    *q == 'E'))
			return -1;
		n->type = FJ_INT;
		/* jansson reads "-0" as 0 */
		n->neg = neg && m;
		n->mag = m;
		sc->p = q;
		return idx;
	}
	}
}

/* The members or elements of the container @idx; sc->p is at its bracket */
static bool fj_children(struct fj_scan *sc, int idx, bool obj)
{
	char close = obj ? '}' : ']';
	uint64_t seen = 0; /* members' names, one bit of a hash each */
	int prev = 0;

	if (++sc->depth > FJ_MAX_DEPTH)
		return false;
	sc->p++;
	fj_ws(sc);
	if (sc->p < sc->end && *sc->p == close) {
		sc->p++;
		sc->depth--;
		return true;
	}
	for (;;) {
		const char *k = NULL;
		uint32_t kl = 0;
		int c;

		if (obj) {
			fj_ws(sc);
			if (sc->p == sc->end || *sc->p != '"' ||
			    !fj_str(sc, &k, &kl))
				return false;
			/* compact traces: the colon right after the name */
			if (sc->p == sc->end || *sc->p != ':') {
				fj_ws(sc);
				if (sc->p == sc->end || *sc->p != ':')
					return false;
			}
			sc->p++;
		}
		c = fj_value(sc);
		if (c < 0)
			return false;
		if (obj) {
			/*
			 * The jansson path rejects duplicate members; names
			 * are compared only when their hash bit was seen.
			 */
			uint64_t bit = (uint64_t)1
				       << ((kl * 7 + (unsigned char)k[0] +
					    (unsigned char)k[kl / 2] * 3 +
					    (unsigned char)k[kl ? kl - 1 : 0]) &
					   63);

			if (seen & bit) {
				for (int i = sc->n[idx].child; i;
				     i = sc->n[i].next)
					if (sc->n[i].klen == kl &&
					    !memcmp(sc->n[i].key, k, kl))
						return false;
			}
			seen |= bit;
			sc->n[c].key = k;
			sc->n[c].klen = kl;
		}
		if (prev)
			sc->n[prev].next = (uint16_t)c;
		else
			sc->n[idx].child = (uint16_t)c;
		prev = c;
		fj_ws(sc);
		if (sc->p == sc->end)
			return false;
		if (*sc->p == ',') {
			sc->p++;
			continue;
		}
		if (*sc->p != close)
			return false;
		sc->p++;
		sc->depth--;
		return true;
	}
}

/* The line as an object in @nodes (*nn of them); false to step aside */
static bool fj_parse_into(struct fj *nodes, const char *buf, size_t len,
			  unsigned int *nn)
{
	struct fj_scan sc = { buf, buf + len, nodes, 0, 0 };

	fj_ws(&sc);
	/* jansson, too, wants an object or array at the top */
	if (sc.p == sc.end || *sc.p != '{' || fj_value(&sc) != 0)
		return false;
	fj_ws(&sc);
	*nn = sc.nn;
	return sc.p == sc.end;
}

#define FJ_IS(n, lit) \
	((n)->klen == sizeof(lit) - 1 && !memcmp((n)->key, lit, sizeof(lit) - 1))

static bool fj_ignorable(const struct fj *n)
{
	if (n->klen < 2 || (n->key[0] != 'c' && n->key[0] != 'x'))
		return false;
	return FJ_IS(n, "comment") || (n->key[0] == 'x' && n->key[1] == '-');
}

/* The non-null member @key of object @o, or NULL (as member() does) */
static const struct fj *fj_member(const struct fj *base, const struct fj *o,
				  const char *key)
{
	size_t kl = strlen(key);

	for (int i = o->child; i; i = base[i].next)
		if (base[i].klen == kl && !memcmp(base[i].key, key, kl))
			return base[i].type == FJ_NULL ? NULL : &base[i];
	return NULL;
}

/* 1 + the value of a hex digit, 0 for other bytes */
static const int8_t fj_hex_digit[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,	['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* parse_int's reading, on success only */
static int fj_int(const struct fj *v, bool *neg, uint64_t *mag)
{
	const char *s, *e;
	unsigned int base = 10;
	uint64_t m = 0;

	if (v->type == FJ_INT) {
		*neg = v->neg;
		*mag = v->mag;
		return 0;
	}
	if (v->type != FJ_STR)
		return FJ_ASIDE;
	s = v->s;
	e = s + v->len;
	*neg = s < e && *s == '-';
	if (*neg)
		s++;
	if (e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (s == e)
		return FJ_ASIDE;
	/* too few digits to overflow: no need to check each step */
	if (e - s <= (base == 16 ? 16 : 19)) {
		for (; s < e; s++) {
			int d = fj_hex_digit[(unsigned char)*s] - 1;

			if (d < 0 || (unsigned int)d >= base)
				return FJ_ASIDE;
			m = m * base + (unsigned int)d;
		}
		*mag = m;
		return 0;
	}
	for (; s < e; s++) {
		int d = fj_hex_digit[(unsigned char)*s] - 1;

		if (d < 0 || (unsigned int)d >= base ||
		    m > (UINT64_MAX - (unsigned int)d) / base)
			return FJ_ASIDE;
		m = m * base + (unsigned int)d;
	}
	*mag = m;
	return 0;
}

static int fj_u64(const struct fj *v, uint64_t max, uint64_t *out)
{
	bool neg;

	if (fj_int(v, &neg, out) || (neg && *out) || *out > max)
		return FJ_ASIDE;
	return 0;
}

static int fj_s64(const struct fj *v, int64_t *out)
{
	bool neg;
	uint64_t m;

	if (fj_int(v, &neg, &m) ||
	    (neg ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX))
		return FJ_ASIDE;
	*out = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

/* @n bytes of hex string @v into @d */
static int fj_hex_into(const struct fj *v, uint8_t *d, size_t n)
{
	const unsigned char *s = (const unsigned char *)v->s;
	size_t i = 0;

#ifdef __SSE2__
	/* sixteen digits to eight bytes; a digit's value is its low nibble, +9 for a letter */
	for (; i + 8 <= n; i += 8) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + 2 * i));
		__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
		__m128i dig = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
					    _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
		__m128i let = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
					    _mm_cmplt_epi8(l, _mm_set1_epi8('f' + 1)));
		__m128i val, pair;

		if (_mm_movemask_epi8(_mm_or_si128(dig, let)) != 0xffff)
			return FJ_ASIDE;
		val = _mm_add_epi8(_mm_and_si128(x, _mm_set1_epi8(0x0f)),
				   _mm_and_si128(let, _mm_set1_epi8(9)));
		/* each 16-bit lane holds (high digit, low digit), little-endian */
		pair = _mm_or_si128(
			_mm_slli_epi16(_mm_and_si128(val, _mm_set1_epi16(0xff)), 4),
			_mm_srli_epi16(val, 8));
		_mm_storel_epi64((__m128i *)(void *)(d + i),
				 _mm_packus_epi16(pair, pair));
	}
#endif
	for (; i < n; i++) {
		int hi = fj_hex_digit[s[2 * i]], lo = fj_hex_digit[s[2 * i + 1]];

		if (!hi || !lo)
			return FJ_ASIDE;
		d[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	return 0;
}

/* get_hex's reading into a new buffer */
static int fj_hex(const struct fj *v, uint8_t **out, size_t *len)
{
	uint8_t *d;

	if (v->type != FJ_STR || v->len % 2)
		return FJ_ASIDE;
	d = malloc(v->len / 2 + 1);
	if (!d)
		return FJ_ASIDE;
	if (fj_hex_into(v, d, v->len / 2)) {
		free(d);
		return FJ_ASIDE;
	}
	*out = d;
	*len = v->len / 2;
	return 0;
}

/*
 * Field @n of @st. Members mostly come in the descriptor's order, so the
 * search starts after the previous find (*hint).
 */
static const struct sim_field *fj_field(const struct sim_struct *st,
					const struct fj *n, unsigned int *hint)
{
	for (unsigned int k = 0; k < st->nfields; k++) {
		unsigned int i = (*hint + k) % st->nfields;
		const char *name = st->fields[i].name;

		uint32_t c = 0;

		while (c < n->klen && name[c] == n->key[c])
			c++;
		if (c == n->klen && !name[c]) {
			*hint = i + 1;
			return &st->fields[i];
		}
	}
	return NULL;
}

/* encode_field's reading */
static int fj_encode(const struct sim_field *f, const struct fj *v,
		     uint8_t *dst)
{
	unsigned int bits = 8 * f->size;
	uint64_t mag, raw;
	bool neg;

	if (f->type == SIM_FT_BYTES) {
		if (v->type != FJ_STR || v->len != 2 * (size_t)f->size)
			return FJ_ASIDE;
		return fj_hex_into(v, dst, f->size);
	}
	if (fj_int(v, &neg, &mag))
		return FJ_ASIDE;
	if (neg && mag) {
		if (f->type != SIM_FT_SINT || mag > (uint64_t)1 << (bits - 1))
			return FJ_ASIDE;
		raw = 0 - mag;
	} else {
		if (bits < 64 && mag >> bits)
			return FJ_ASIDE;
		raw = mag;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* @dst has room for 8 bytes; those past f->size are not looked at */
	memcpy(dst, &raw, 8);
#else
	for (unsigned int i = 0; i < f->size; i++)
		dst[i] = (uint8_t)(raw >> (8 * i));
#endif
	return 0;
}

/* Whether @n bytes at @a and @b agree (a field's size: mostly 2, 4 or 8) */
static bool fj_same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	switch (n) {
	case 8:
		return !memcmp(a, b, 8);
	case 4:
		return !memcmp(a, b, 4);
	case 2:
		return !memcmp(a, b, 2);
	default:
		for (uint32_t i = 0; i < n; i++)
			if (a[i] != b[i])
				return false;
		return true;
	}
}

/* apply_fields' reading */
static int fj_fields(const struct fj *base, const struct sim_struct *st,
		     const struct fj *fields, struct sim_image *img,
		     bool check)
{
	unsigned int hint = 0;

	for (int i = fields->child; i; i = base[i].next) {
		const struct fj *v = &base[i];
		const struct sim_field *f;
		uint8_t tmp[8];

		if (fj_ignorable(v))
			continue;
		f = fj_field(st, v, &hint);
		if (!f)
			return FJ_ASIDE;
		if (v->type == FJ_NULL)
			continue;
		if ((size_t)f->offset + f->size > img->len ||
		    f->size > sizeof(tmp) || fj_encode(f, v, tmp))
			return FJ_ASIDE;
		if (check) {
			if (!fj_same(img->data + f->offset, tmp, f->size))
				return FJ_ASIDE;
			continue;
		}
		memcpy(img->data + f->offset, tmp, f->size);
		if (img->known)
			memset(img->known + f->offset, 1, f->size);
	}
	return 0;
}

static int fj_image_alloc(struct sim_image *img, size_t len, bool partial)
{
	img->data = calloc(len + 1, 1);
	img->known = partial ? calloc(len + 1, 1) : NULL;
	if (!img->data || (partial && !img->known))
		return FJ_ASIDE; /* the record's clearing frees them */
	img->len = len;
	img->present = true;
	return 0;
}

/* parse_struct's reading; @in for "out" */
static int fj_struct(const struct fj *base, const struct sim_struct *st,
		     const struct fj *obj, struct sim_image *img,
		     const struct sim_image *in)
{
	const struct fj *hex = NULL, *fields = NULL;

	if (obj->type != FJ_OBJ)
		return FJ_ASIDE;
	for (int i = obj->child; i; i = base[i].next) {
		const struct fj *m = &base[i];

		if (FJ_IS(m, "fields"))
			fields = m->type == FJ_NULL ? NULL : m;
		else if (FJ_IS(m, "hex"))
			hex = m->type == FJ_NULL ? NULL : m;
		else if (!fj_ignorable(m))
			return FJ_ASIDE;
	}
	if (!hex && !fields)
		return 0;
	if (fields && (fields->type != FJ_OBJ || !st))
		return FJ_ASIDE;

	if (hex) {
		if (fj_hex(hex, &img->data, &img->len))
			return FJ_ASIDE;
		img->present = true;
		if (in && in->present && img->len != in->len)
			return FJ_ASIDE;
		return fields ? fj_fields(base, st, fields, img, true) : 0;
	}

	if (in) {
		size_t len = 0;

		if (in->present) {
			len = in->len;
		} else {
			unsigned int hint = 0;

			for (int i = fields->child; i; i = base[i].next) {
				const struct sim_field *f =
					fj_field(st, &base[i], &hint);

				if (f && (size_t)f->offset + f->size > len)
					len = (size_t)f->offset + f->size;
			}
		}
		if (fj_image_alloc(img, len, true))
			return FJ_ASIDE;
	} else {
		const struct fj *v = fj_member(base, fields, st->fields[0].name);
		uint64_t size;

		if (!st->sized || !v || fj_u64(v, UINT32_MAX, &size))
			return FJ_ASIDE;
		if (size > described_len(st))
			size = described_len(st);
		if (fj_image_alloc(img, size, false))
			return FJ_ASIDE;
	}
	return fj_fields(base, st, fields, img, false);
}

/* parse_fd's reading */
static int fj_fd(const struct fj *base, const struct fj *obj,
		 struct sim_fdref *fd)
{
	const struct fj *k = NULL, *h = NULL, *n = NULL;
	int kind;

	if (obj->type != FJ_OBJ)
		return FJ_ASIDE;
	for (int i = obj->child; i; i = base[i].next) {
		const struct fj *m = &base[i];
		const struct fj *v = m->type == FJ_NULL ? NULL : m;

		if (FJ_IS(m, "kind"))
			k = v;
		else if (FJ_IS(m, "handle"))
			h = v;
		else if (FJ_IS(m, "num"))
			n = v;
		else if (!fj_ignorable(m))
			return FJ_ASIDE;
	}
	if (!k || k->type != FJ_STR || !h)
		return FJ_ASIDE;
	for (kind = 0; kind < SIM_FD_NKINDS; kind++) {
		const char *name = sim_fdkind_name((enum sim_fdkind)kind);

		if (!strncmp(name, k->s, k->len) && !name[k->len])
			break;
	}
	if (kind == SIM_FD_NKINDS || fj_u64(h, UINT64_MAX, &fd->handle))
		return FJ_ASIDE;
	fd->kind = (uint8_t)kind;
	fd->has_num = n != NULL;
	if (n && (fj_s64(n, &fd->num) || fd->num < 0 || fd->num > INT32_MAX))
		return FJ_ASIDE;
	return 0;
}

/* A copy of string @v for the name look-ups, or NULL when it will not do */
static const char *fj_cstr(const struct fj *v, char *buf, size_t size)
{
	if (v->type != FJ_STR || v->len >= size)
		return NULL;
	memcpy(buf, v->s, v->len);
	buf[v->len] = 0;
	return buf;
}

/* in m_ioctl's order */
enum {
	FJM_SEQ,
	FJM_KIND,
	FJM_FD,
	FJM_IOCTL,
	FJM_NR,
	FJM_ARG,
	FJM_IN,
	FJM_IN_BUFFERS,
	FJM_NEW_FD,
	FJM_RET,
	FJM_ERRNO,
	FJM_OUT,
	FJM_OUT_BUFFERS,
	FJM_N,
};

/* Which member of an ioctl record @m is, FJM_N for none */
static unsigned int fjm_index(const struct fj *m)
{
#define FJM_IS(m, lit, k) (!memcmp((m)->key, lit, sizeof(lit) - 1) ? (k) : FJM_N)

	switch (m->klen) {
	case 2:
		return m->key[0] == 'f' ? FJM_IS(m, "fd", FJM_FD) :
		       m->key[0] == 'n' ? FJM_IS(m, "nr", FJM_NR) :
					  FJM_IS(m, "in", FJM_IN);
	case 3:
		return m->key[0] == 's' ? FJM_IS(m, "seq", FJM_SEQ) :
		       m->key[0] == 'a' ? FJM_IS(m, "arg", FJM_ARG) :
		       m->key[0] == 'r' ? FJM_IS(m, "ret", FJM_RET) :
					  FJM_IS(m, "out", FJM_OUT);
	case 4:
		return FJM_IS(m, "kind", FJM_KIND);
	case 5:
		return m->key[0] == 'i' ? FJM_IS(m, "ioctl", FJM_IOCTL) :
					  FJM_IS(m, "errno", FJM_ERRNO);
	case 6:
		return FJM_IS(m, "new_fd", FJM_NEW_FD);
	case 10:
		return FJM_IS(m, "in_buffers", FJM_IN_BUFFERS);
	case 11:
		return FJM_IS(m, "out_buffers", FJM_OUT_BUFFERS);
	}
	return FJM_N;
#undef FJM_IS
}

/*
 * The record in @base, if it is an ioctl record the fast path can check
 * completely: 0 with @rec filled (nothing committed yet), or FJ_ASIDE.
 */
static int fj_ioctl_record(struct sim_reader *r, const struct fj *base,
			   struct sim_record *rec)
{
	const struct fj *v[FJM_N] = { 0 };
	const struct sim_struct *st;
	struct handle_ent *he;
	uint64_t cmd = 0;
	char name[64];

	for (int i = base[0].child; i; i = base[i].next) {
		const struct fj *m = &base[i];
		unsigned int k;

		k = fjm_index(m);
		if (k == FJM_N) {
			if (!fj_ignorable(m))
				return FJ_ASIDE;
			continue;
		}
		v[k] = m->type == FJ_NULL ? NULL : m;
	}
	if (!v[FJM_KIND] || v[FJM_KIND]->type != FJ_STR ||
	    v[FJM_KIND]->len != 5 || memcmp(v[FJM_KIND]->s, "ioctl", 5))
		return FJ_ASIDE;
	/* buffers and new files are rare: the jansson path's */
	if (v[FJM_IN_BUFFERS] || v[FJM_OUT_BUFFERS] || v[FJM_NEW_FD])
		return FJ_ASIDE;
	rec->kind = SIM_REC_IOCTL;
	if (!v[FJM_SEQ] || fj_u64(v[FJM_SEQ], UINT64_MAX, &rec->seq) ||
	    (r->have_seq && rec->seq <= r->last_seq))
		return FJ_ASIDE;
	if (!v[FJM_FD] || fj_fd(base, v[FJM_FD], &rec->fd))
		return FJ_ASIDE;
	rec->has_fd = true;
	he = handle_find(r, rec->fd.handle, NULL);
	if (!he || !he->open || he->kind != rec->fd.kind)
		return FJ_ASIDE;

	if (v[FJM_NR] && fj_u64(v[FJM_NR], UINT32_MAX, &cmd))
		return FJ_ASIDE;
	if (v[FJM_IOCTL]) {
		const char *s = fj_cstr(v[FJM_IOCTL], name, sizeof(name));

		/* traces repeat a few requests: the last two found come first */
		rec->ioc = NULL;
		for (unsigned int i = 0; s && i < 2 && !rec->ioc; i++)
			if (r->last_ioc[i] && !strcmp(r->last_ioc[i]->name, s))
				rec->ioc = r->last_ioc[i];
		if (s && !rec->ioc) {
			rec->ioc = sim_ioctl_by_name(s);
			r->last_ioc[1] = r->last_ioc[0];
			r->last_ioc[0] = rec->ioc;
		}
		if (!rec->ioc || (v[FJM_NR] && cmd != rec->ioc->cmd))
			return FJ_ASIDE;
		rec->cmd = rec->ioc->cmd;
	} else {
		if (!v[FJM_NR])
			return FJ_ASIDE;
		rec->cmd = (uint32_t)cmd;
		rec->ioc = sim_ioctl_by_cmd(rec->cmd);
	}
	st = rec->ioc ? rec->ioc->st : NULL;
	if (v[FJM_ARG]) {
		if (fj_u64(v[FJM_ARG], UINT64_MAX, &rec->arg))
			return FJ_ASIDE;
		rec->has_arg = true;
	}
	if (rec->ioc && rec->ioc->arg == SIM_ARG_VALUE && !v[FJM_ARG])
		return FJ_ASIDE;
	if (rec->ioc && rec->ioc->arg != SIM_ARG_STRUCT &&
	    (v[FJM_IN] || v[FJM_OUT]))
		return FJ_ASIDE;
	if ((v[FJM_IN] || v[FJM_OUT]) && !v[FJM_ARG])
		return FJ_ASIDE;
	if (v[FJM_IN] && fj_struct(base, st, v[FJM_IN], &rec->in, NULL))
		return FJ_ASIDE;

	/* parse_result's reading */
	if (v[FJM_RET]) {
		if (fj_s64(v[FJM_RET], &rec->ret) || rec->ret < -1)
			return FJ_ASIDE;
		rec->has_ret = true;
	}
	if (v[FJM_ERRNO]) {
		const struct fj *e = v[FJM_ERRNO];

		if (e->type == FJ_STR) {
			const char *s = fj_cstr(e, name, sizeof(name));

			rec->err = s ? sim_errno_parse(s) : -1;
			if (rec->err < 0)
				return FJ_ASIDE;
		} else {
			uint64_t x;

			if (fj_u64(e, 4095, &x) || !x)
				return FJ_ASIDE;
			rec->err = (int)x;
		}
		rec->has_errno = true;
		if (rec->has_ret && rec->ret != -1)
			return FJ_ASIDE;
	}
	if (v[FJM_OUT] &&
	    fj_struct(base, st, v[FJM_OUT], &rec->out, &rec->in))
		return FJ_ASIDE;
	return 0;
}

/* The line at r->lp by the fast path: 1 read, 0 to step aside */
static int fast_record(struct sim_reader *r, struct pctx *p, size_t len,
		       struct sim_record *rec)
{
	const struct fj *nodes;

	if (r->no_fast)
		return 0;
	if (r->pipe) {
		/*
		 * the tokenizing thread parsed it, or found it not for us; its
		 * nodes live with the chunk the line is in
		 */
		const struct tline *l = r->pipe->line;

		if (!l->parsed)
			return 0;
		nodes = r->pipe->cur->nodes + l->node0;
	} else {
		unsigned int nn;

		if (!r->fj) {
			r->fj = malloc(FJ_MAX * sizeof(*r->fj));
			if (!r->fj)
				return 0;
		}
		if (!fj_parse_into(r->fj, r->lp, len, &nn))
			return 0;
		nodes = r->fj;
	}
	if (fj_ioctl_record(r, nodes, rec)) {
		sim_record_clear(rec);
		return 0;
	}
	rec->line = p->line;
	r->nfast++;
	return 1;
}

void sim_reader_set_fast(struct sim_reader *r, bool on)
{
	r->no_fast = !on;
}

uint64_t sim_reader_fast_records(const struct sim_reader *r)
{
	return r->nfast;
}

/* ------------------------------------------------------ kept records */

/*
 * Replay reads a trace twice: once to check all of it, once to run it.
 * When the checking pass keeps what it read, the running pass needs no
 * second parse. Records are kept compact: an ioctl record without buffers
 * (nearly all of a long trace) as its few members and bytes, any other as
 * the struct and what it points to. Past a bound the copy is dropped and
 * the file is read again.
 */

#define KEEP_CHUNK ((size_t)4 << 20)

struct kchunk {
	struct kchunk *next;
	size_t used, size;
	_Alignas(8) unsigned char data[];
};

struct kstore {
	struct kchunk *head, *tail;
	size_t total, max;
	/* reading back */
	struct kchunk *cur;
	size_t off;
};

enum { KEEP_IOCTL = 1, KEEP_ANY };

#define KF_NUM (1u << 0)
#define KF_ARG (1u << 1)
#define KF_RET (1u << 2)
#define KF_ERRNO (1u << 3)
#define KF_IN (1u << 4)
#define KF_OUT (1u << 5)
#define KF_IN_PARTIAL (1u << 6)
#define KF_OUT_PARTIAL (1u << 7)

/* An ioctl record without buffers: followed by in's and out's bytes */
struct kioctl {
	uint32_t size; /* of the whole entry, a multiple of 8 */
	uint8_t tag, fd_kind, flags;
	uint32_t line, cmd;
	int err;
	uint64_t seq, handle, arg, in_len, out_len;
	int64_t ret, num;
	const struct sim_ioctl *ioc;
};

/* Any record: followed by the struct, then each buffer it owns */
struct kany {
	uint32_t size;
	uint8_t tag;
};

static void kstore_free(struct kstore *ks)
{
	if (!ks)
		return;
	while (ks->head) {
		struct kchunk *c = ks->head;

		ks->head = c->next;
		free(c);
	}
	free(ks);
}

/* @n (a multiple of 8) bytes at the end of the store, or NULL */
static unsigned char *kreserve(struct kstore *ks, size_t n)
{
	struct kchunk *c = ks->tail;

	if (!c || c->size - c->used < n) {
		size_t room = ks->max - ks->total;
		size_t size = n > KEEP_CHUNK ? n : KEEP_CHUNK;

		/* the last chunk may be smaller, to use all of the bound */
		if (size > room)
			size = room;
		if (size < n)
			return NULL;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = NULL;
		c->used = 0;
		c->size = size;
		if (ks->tail)
			ks->tail->next = c;
		else
			ks->head = c;
		ks->tail = c;
		ks->total += size;
	}
	c->used += n;
	return c->data + c->used - n;
}

static size_t kalign(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static size_t image_bytes(const struct sim_image *img)
{
	return img->present ? img->len * (img->known ? 2 : 1) : 0;
}

/* Whether the compact form holds all of @rec */
static bool kioctl_fits(const struct sim_record *rec)
{
	struct sim_record t;

	if (rec->kind != SIM_REC_IOCTL || !rec->has_fd)
		return false;
	/* what kioctl carries, set as keep_next sets it: nothing else may differ */
	sim_record_init(&t);
	t.line = rec->line;
	t.seq = rec->seq;
	t.kind = rec->kind;
	t.has_fd = true;
	t.fd.kind = rec->fd.kind;
	t.fd.handle = rec->fd.handle;
	t.fd.has_num = rec->fd.has_num;
	t.fd.num = rec->fd.num;
	t.ioc = rec->ioc;
	t.cmd = rec->cmd;
	t.has_arg = rec->has_arg;
	t.arg = rec->arg;
	t.in = rec->in;
	t.has_ret = rec->has_ret;
	t.ret = rec->ret;
	t.has_errno = rec->has_errno;
	t.err = rec->err;
	t.out = rec->out;
	return !memcmp(&t, rec, sizeof(t));
}

static unsigned char *kput(unsigned char *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static unsigned char *kput_image(unsigned char *p, const struct sim_image *img)
{
	if (!img->present)
		return p;
	p = kput(p, img->data, img->len);
	return img->known ? kput(p, img->known, img->len) : p;
}

/* Keep @rec: 0, or -1 when it does not fit (the store is then useless) */
static int keep_record(struct kstore *ks, const struct sim_record *rec,
		       bool fast)
{
	unsigned char *p;
	size_t n;

	/* the fast path sets nothing kioctl does not carry */
	if (fast || kioctl_fits(rec)) {
		struct kioctl k = {
			.tag = KEEP_IOCTL,
			.fd_kind = rec->fd.kind,
			.line = rec->line,
			.cmd = rec->cmd,
			.err = rec->err,
			.seq = rec->seq,
			.handle = rec->fd.handle,
			.arg = rec->arg,
			.in_len = rec->in.len,
			.out_len = rec->out.len,
			.ret = rec->ret,
			.num = rec->fd.num,
			.ioc = rec->ioc,
		};

		k.flags = (rec->fd.has_num ? KF_NUM : 0) |
			  (rec->has_arg ? KF_ARG : 0) |
			  (rec->has_ret ? KF_RET : 0) |
			  (rec->has_errno ? KF_ERRNO : 0) |
			  (rec->in.present ? KF_IN : 0) |
			  (rec->out.present ? KF_OUT : 0) |
			  (rec->in.known ? KF_IN_PARTIAL : 0) |
			  (rec->out.known ? KF_OUT_PARTIAL : 0);
		n = kalign(sizeof(k) + image_bytes(&rec->in) +
			   image_bytes(&rec->out));
		if (n > UINT32_MAX)
			return -1;
		k.size = (uint32_t)n;
		p = kreserve(ks, n);
		if (!p)
			return -1;
		p = kput(p, &k, sizeof(k));
		p = kput_image(p, &rec->in);
		kput_image(p, &rec->out);
		return 0;
	}

	{
		const struct sim_image *imgs[3 + 2 * SIM_MAX_BUFS];
		const char *strs[2] = { rec->path, rec->device };
		struct kany k = { .tag = KEEP_ANY };
		unsigned int ni = 0;

		imgs[ni++] = &rec->in;
		imgs[ni++] = &rec->out;
		imgs[ni++] = &rec->data;
		for (unsigned int i = 0; i < rec->n_in_bufs; i++)
			imgs[ni++] = &rec->in_bufs[i].img;
		for (unsigned int i = 0; i < rec->n_out_bufs; i++)
			imgs[ni++] = &rec->out_bufs[i].img;
		n = sizeof(k) + sizeof(*rec);
		for (unsigned int i = 0; i < 2; i++)
			n += strs[i] ? strlen(strs[i]) + 1 : 0;
		for (unsigned int i = 0; i < ni; i++)
			n += image_bytes(imgs[i]);
		n = kalign(n);
		if (n > UINT32_MAX)
			return -1;
		k.size = (uint32_t)n;
		p = kreserve(ks, n);
		if (!p)
			return -1;
		p = kput(p, &k, sizeof(k));
		p = kput(p, rec, sizeof(*rec));
		for (unsigned int i = 0; i < 2; i++)
			if (strs[i])
				p = kput(p, strs[i], strlen(strs[i]) + 1);
		for (unsigned int i = 0; i < ni; i++)
			p = kput_image(p, imgs[i]);
		return 0;
	}
}

/* A copy of @n bytes at *p (one spare byte, as the reader allocates) */
static void *kget(const unsigned char **p, size_t n)
{
	unsigned char *d = malloc(n + 1);

	if (d) {
		memcpy(d, *p, n);
		d[n] = 0;
	}
	*p += n;
	return d;
}

/* Fill @img (len already set) from *p: false when out of memory */
static bool kget_image(const unsigned char **p, struct sim_image *img,
		       bool partial)
{
	img->data = kget(p, img->len);
	img->known = partial ? kget(p, img->len) : NULL;
	return img->data && (!partial || img->known);
}

/* The next kept record: 1, 0 at the end, -1 out of memory */
static int keep_next(struct kstore *ks, struct sim_record *rec)
{
	const unsigned char *p;
	uint32_t size;
	bool ok = true;

	while (ks->cur && ks->off == ks->cur->used) {
		ks->cur = ks->cur->next;
		ks->off = 0;
	}
	if (!ks->cur)
		return 0;
	p = ks->cur->data + ks->off;
	memcpy(&size, p, sizeof(size));
	ks->off += size;

	if (p[offsetof(struct kioctl, tag)] == KEEP_IOCTL) {
		struct kioctl k;

		memcpy(&k, p, sizeof(k));
		p += sizeof(k);
		rec->line = k.line;
		rec->seq = k.seq;
		rec->kind = SIM_REC_IOCTL;
		rec->has_fd = true;
		rec->fd.kind = k.fd_kind;
		rec->fd.handle = k.handle;
		rec->fd.has_num = k.flags & KF_NUM;
		rec->fd.num = k.num;
		rec->ioc = k.ioc;
		rec->cmd = k.cmd;
		rec->has_arg = k.flags & KF_ARG;
		rec->arg = k.arg;
		rec->has_ret = k.flags & KF_RET;
		rec->ret = k.ret;
		rec->has_errno = k.flags & KF_ERRNO;
		rec->err = k.err;
		if (k.flags & KF_IN) {
			rec->in.present = true;
			rec->in.len = k.in_len;
			ok &= kget_image(&p, &rec->in, k.flags & KF_IN_PARTIAL);
		}
		if (k.flags & KF_OUT) {
			rec->out.present = true;
			rec->out.len = k.out_len;
			ok &= kget_image(&p, &rec->out, k.flags & KF_OUT_PARTIAL);
		}
		return ok ? 1 : -1;
	}

	{
		struct sim_image *imgs[3 + 2 * SIM_MAX_BUFS];
		char **strs[2] = { &rec->path, &rec->device };
		unsigned int ni = 0;

		p += sizeof(struct kany);
		memcpy(rec, p, sizeof(*rec));
		p += sizeof(*rec);
		/* the pointers copied are the old ones: only whether they were set counts */
		for (unsigned int i = 0; i < 2; i++)
			if (*strs[i]) {
				size_t n = strlen((const char *)p) + 1;

				*strs[i] = kget(&p, n - 1);
				p++;
				ok &= *strs[i] != NULL;
			}
		imgs[ni++] = &rec->in;
		imgs[ni++] = &rec->out;
		imgs[ni++] = &rec->data;
		for (unsigned int i = 0; i < rec->n_in_bufs; i++)
			imgs[ni++] = &rec->in_bufs[i].img;
		for (unsigned int i = 0; i < rec->n_out_bufs; i++)
			imgs[ni++] = &rec->out_bufs[i].img;
		for (unsigned int i = 0; i < ni; i++) {
			struct sim_image *img = imgs[i];
			bool partial = img->known != NULL;

			img->data = img->known = NULL;
			if (img->present)
				ok &= kget_image(&p, img, partial);
		}
		return ok ? 1 : -1;
	}
}

void sim_reader_keep(struct sim_reader *r, size_t max)
{
	kstore_free(r->keep);
	r->keep = calloc(1, sizeof(*r->keep));
	if (r->keep)
		r->keep->max = max;
}

/* Stop keeping: what was kept cannot stand for the trace any more */
static void keep_drop(struct sim_reader *r)
{
	kstore_free(r->keep);
	r->keep = NULL;
}

struct sim_reader *sim_reader_kept(struct sim_reader *r, const char *name)
{
	struct sim_reader *k;

	if (!r->keep || !r->at_end)
		return NULL;
	k = sim_reader_new(NULL, name);
	if (!k)
		return NULL;
	k->src = r->keep;
	k->khdr = r->khdr;
	r->keep = NULL;
	r->khdr = NULL;
	k->src->cur = k->src->head;
	k->src->off = 0;
	return k;
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

static void pipe_stop(struct tpipe *tp);

void sim_reader_free(struct sim_reader *r)
{
	if (!r)
		return;
	if (r->pipe)
		pipe_stop(r->pipe);
	free(r->name);
	free(r->buf);
	free(r->h);
	free(r->machine);
	free(r->fj);
	kstore_free(r->keep);
	kstore_free(r->src);
	free(r->khdr);
	free(r);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

#define READ_BLOCK ((size_t)1 << 20)
/* bytes after the block that may be read, never used (the fast path peeks) */
#define READ_PAD 64

/* More bytes into the block: 1, 0 at the end of the file, -1 (errno) */
static int refill(struct sim_reader *r)
{
	size_t got;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->fill - r->pos);
		r->fill -= r->pos;
		r->pos = 0;
	}
	if (r->fill == r->cap) {
		/* a line longer than the block: the block grows to hold it */
		size_t ncap = r->cap ? 2 * r->cap : READ_BLOCK;
		char *n = realloc(r->buf, ncap + READ_PAD);

		if (!n)
			return -1;
		r->buf = n;
		r->cap = ncap;
		memset(r->buf + ncap, 0, READ_PAD);
	}
	errno = 0;
	got = fread(r->buf + r->fill, 1, r->cap - r->fill, r->f);
	r->fill += got;
	if (got)
		return 1;
	if (ferror(r->f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	r->eof = true;
	return 0;
}

/*
 * The next line at r->lp, its length (newline included) in *len. 1: a
 * line; 0: end of file; -1: error. Blank lines are skipped unless @first.
 * Without @nul_check the caller checks for NUL bytes itself.
 */
/* ------------------------------------------------ the tokenizing thread */

#define PIPE_DEPTH 4

static void tchunk_free(struct tchunk *c)
{
	if (c) {
		free(c->buf);
		free(c->lines);
		free(c->nodes);
		free(c);
	}
}

/*
 * The next block of whole lines from the file, tokenized. NULL only when
 * out of memory (the reader then reports it).
 */
static struct tchunk *tokenize_block(struct tpipe *tp)
{
	struct tchunk *c = calloc(1, sizeof(*c));
	size_t cap = READ_BLOCK, fill, cut, capl = 0, capn = 0;

	if (!c)
		return NULL;
	if (tp->ncarry >= cap)
		cap = 2 * tp->ncarry;
	c->buf = malloc(cap + READ_PAD);
	if (!c->buf)
		goto oom;
	if (tp->ncarry)
		memcpy(c->buf, tp->carry, tp->ncarry);
	fill = tp->ncarry;
	for (;;) {
		size_t got = fread(c->buf + fill, 1, cap - fill, tp->f);
		char *nl;

		fill += got;
		if (!got) {
			if (ferror(tp->f))
				c->err = errno ? errno : EIO;
			c->eof = true;
			break;
		}
		nl = memrchr(c->buf, '\n', fill);
		if (nl)
			break;
		/* one line longer than the block: grow until it ends */
		if (fill == cap) {
			char *b = realloc(c->buf, 2 * cap + READ_PAD);

			if (!b)
				goto oom;
			c->buf = b;
			cap *= 2;
		}
	}
	if (c->eof) {
		cut = fill;
	} else {
		cut = (size_t)((char *)memrchr(c->buf, '\n', fill) - c->buf) + 1;
	}
	/* what follows the last newline starts the next block */
	free(tp->carry);
	tp->ncarry = fill - cut;
	tp->carry = tp->ncarry ? malloc(tp->ncarry) : NULL;
	if (tp->ncarry && !tp->carry)
		goto oom;
	if (tp->ncarry)
		memcpy(tp->carry, c->buf + cut, tp->ncarry);
	memset(c->buf + cut, 0, READ_PAD);

	for (size_t off = 0; off < cut;) {
		char *nl = memchr(c->buf + off, '\n', cut - off);
		size_t n = nl ? (size_t)(nl + 1 - (c->buf + off)) : cut - off;
		struct tline *l;

		if (c->nlines == capl) {
			struct tline *g;

			capl = capl ? 2 * capl : 4096;
			g = realloc(c->lines, capl * sizeof(*g));
			if (!g)
				goto oom;
			c->lines = g;
		}
		if (c->nnodes + FJ_MAX > capn) {
			struct fj *g;

			capn = capn ? 2 * capn : 64 * FJ_MAX;
			while (c->nnodes + FJ_MAX > capn)
				capn *= 2;
			g = realloc(c->nodes, capn * sizeof(*g));
			if (!g)
				goto oom;
			c->nodes = g;
		}
		l = &c->lines[c->nlines++];
		*l = (struct tline){ .off = off, .len = n, .node0 = c->nnodes };
		l->parsed = fj_parse_into(c->nodes + c->nnodes, c->buf + off, n,
					  &l->nn);
		if (l->parsed)
			c->nnodes += l->nn;
		off += n;
	}
	return c;
oom:
	tchunk_free(c);
	return NULL;
}

static void *tokenizer(void *arg)
{
	struct tpipe *tp = arg;
	bool last = false;

	while (!last) {
		struct tchunk *c = tokenize_block(tp);

		if (!c) {
			/* an empty last chunk with ENOMEM: the reader says so */
			c = calloc(1, sizeof(*c));
			if (!c)
				abort(); /* nothing left to report with */
			c->err = ENOMEM;
			c->eof = true;
		}
		last = c->eof;
		pthread_mutex_lock(&tp->mu);
		while (tp->queued >= PIPE_DEPTH && !tp->stop)
			pthread_cond_wait(&tp->cv, &tp->mu);
		if (tp->stop) {
			pthread_mutex_unlock(&tp->mu);
			tchunk_free(c);
			break;
		}
		if (tp->tail)
			tp->tail->next = c;
		else
			tp->head = c;
		tp->tail = c;
		tp->queued++;
		pthread_cond_broadcast(&tp->cv);
		pthread_mutex_unlock(&tp->mu);
	}
	return NULL;
}

/* Hand the rest of the file to a tokenizing thread; false: read it here */
static bool pipe_start(struct sim_reader *r)
{
	struct tpipe *tp = calloc(1, sizeof(*tp));

	if (!tp)
		return false;
	tp->f = r->f;
	tp->ncarry = r->fill - r->pos;
	tp->carry = tp->ncarry ? malloc(tp->ncarry) : NULL;
	if (tp->ncarry && !tp->carry) {
		free(tp);
		return false;
	}
	if (tp->ncarry)
		memcpy(tp->carry, r->buf + r->pos, tp->ncarry);
	pthread_mutex_init(&tp->mu, NULL);
	pthread_cond_init(&tp->cv, NULL);
	if (pthread_create(&tp->th, NULL, tokenizer, tp)) {
		pthread_mutex_destroy(&tp->mu);
		pthread_cond_destroy(&tp->cv);
		free(tp->carry);
		free(tp);
		return false;
	}
	r->pos = r->fill = 0;
	r->pipe = tp;
	return true;
}

static void pipe_stop(struct tpipe *tp)
{
	struct tchunk *c, *n;

	pthread_mutex_lock(&tp->mu);
	tp->stop = true;
	pthread_cond_broadcast(&tp->cv);
	pthread_mutex_unlock(&tp->mu);
	pthread_join(tp->th, NULL);
	for (c = tp->head; c; c = n) {
		n = c->next;
		tchunk_free(c);
	}
	tchunk_free(tp->cur);
	free(tp->carry);
	pthread_mutex_destroy(&tp->mu);
	pthread_cond_destroy(&tp->cv);
	free(tp);
}

/*
 * read_line() over the tokenized chunks: the same lines, numbers and
 * errors as reading the file here
 */
static int pipe_line(struct sim_reader *r, struct pctx *p, bool nul_check,
		     size_t *len)
{
	struct tpipe *tp = r->pipe;

	for (;;) {
		const struct tline *l;

		if (!tp->cur || tp->next == tp->cur->nlines) {
			struct tchunk *done = tp->cur;

			if (done && done->eof) {
				p->line = r->line + 1;
				if (done->err)
					return fail(p, "read error: %s",
						    strerror(done->err));
				return 0;
			}
			pthread_mutex_lock(&tp->mu);
			while (!tp->head)
				pthread_cond_wait(&tp->cv, &tp->mu);
			tp->cur = tp->head;
			tp->head = tp->cur->next;
			if (!tp->head)
				tp->tail = NULL;
			tp->queued--;
			pthread_cond_broadcast(&tp->cv);
			pthread_mutex_unlock(&tp->mu);
			tp->next = 0;
			/* the previous chunk's last line is no longer in use */
			tchunk_free(done);
			continue;
		}
		l = &tp->cur->lines[tp->next++];
		r->lp = tp->cur->buf + l->off;
		tp->line = l;
		p->line = ++r->line;
		if (nul_check && memchr(r->lp, '\0', l->len))
			return fail(p, "NUL byte in the line");
		if (blank(r->lp, l->len))
			continue;
		*len = l->len;
		return 1;
	}
}

static int read_line(struct sim_reader *r, struct pctx *p, bool first,
		     bool nul_check, size_t *len)
{
	if (r->pipe && !first)
		return pipe_line(r, p, nul_check, len);
	for (;;) {
		char *nl = NULL;
		size_t n;

		if (r->fill > r->pos)
			nl = memchr(r->buf + r->pos, '\n', r->fill - r->pos);
		if (!nl && !r->eof) {
			if (refill(r) < 0) {
				p->line = r->line + 1;
				return fail(p, "read error: %s",
					    strerror(errno));
			}
			continue;
		}
		if (!nl && r->pos == r->fill) {
			p->line = r->line + 1;
			if (first)
				return fail(p, "empty trace: no header line");
			return 0;
		}
		r->lp = r->buf + r->pos;
		n = nl ? (size_t)(nl + 1 - r->lp) : r->fill - r->pos;
		r->pos += n;
		p->line = ++r->line;
		if (nul_check && memchr(r->lp, '\0', n))
			return fail(p, "NUL byte in the line");
		if (blank(r->lp, n)) {
			if (first)
				return fail(p, "line 1 must be the header");
			continue;
		}
		*len = n;
		return 1;
	}
}

/* The line read_line left at r->lp as JSON: 0 and *out set, or -1 */
static int load_json(struct sim_reader *r, struct pctx *p, size_t n,
		     json_t **out)
{
	bool complete = n > 0 && r->lp[n - 1] == '\n';
	json_error_t je;
	json_t *j;

	j = json_loadb(r->lp, n, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		if (!complete)
			return fail(p, "truncated record: the file ends "
				       "inside it (%s)", je.text);
		if (strstr(je.text, "too big integer"))
			return fail(p, "invalid JSON at column %d: %s "
				       "(write integers of 2^63 and "
				       "more as \"0x...\" strings)",
				    je.column, je.text);
		return fail(p, "invalid JSON at column %d: %s", je.column,
			    je.text);
	}
	*out = j;
	return 0;
}

/*
 * The next line as JSON. 1: *out set; 0: end of file; -1: error. Blank
 * lines are skipped unless @first.
 */
static int read_json(struct sim_reader *r, struct pctx *p, bool first,
		     json_t **out)
{
	size_t n;
	int rc = read_line(r, p, first, true, &n);

	if (rc != 1)
		return rc;
	return load_json(r, p, n, out) ? -1 : 1;
}

static int parse_register(struct pctx *p, json_t *o, const char *key,
			  const char *where, bool allowed, uint64_t *out)
{
	json_t *v = member(o, key);
	char what[96];

	if (!v)
		return 0;
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (!allowed)
		return fail(p, "%s: this IOMMU kind has no such register", what);
	return get_u64(p, v, what, out);
}

static int parse_mach_iommu(struct pctx *p, json_t *o, const char *where,
			    struct sim_mach_iommu *mi)
{
	static const char *const allowed[] = { "kind", "cap", "ecap", "efr",
					       "legacy", NULL };
	json_t *k, *v;
	size_t i;
	bool vtd, amd;
	char what[96];

	if (check_members(p, o, where, allowed))
		return -1;
	k = member(o, "kind");
	if (!k || !json_is_string(k))
		return fail(p, "%s.kind must be a string (\"intel-vtd\", "
			       "\"amd\", \"mock\")", where);
	for (i = 0; i < NIOMMU_KINDS; i++)
		if (!strcmp(iommu_kinds[i].name, json_string_value(k)))
			break;
	if (i == NIOMMU_KINDS)
		return fail(p, "%s.kind: unknown IOMMU kind '%s'", where,
			    json_string_value(k));
	mi->kind = iommu_kinds[i].kind;
	vtd = mi->kind == IOMMUFD_IOMMU_INTEL_VTD;
	amd = mi->kind == IOMMUFD_IOMMU_AMD;
	if (parse_register(p, o, "cap", where, vtd, &mi->cap) ||
	    parse_register(p, o, "ecap", where, vtd, &mi->ecap) ||
	    parse_register(p, o, "efr", where, amd, &mi->efr))
		return -1;
	v = member(o, "legacy");
	if (v) {
		snprintf(what, sizeof(what), "%s.legacy", where);
		if (!vtd)
			return fail(p, "%s: only intel-vtd has a legacy mode",
				    what);
		if (get_bool(p, v, what, &mi->legacy))
			return -1;
	}
	return 0;
}

static int parse_mach_resv(struct pctx *p, json_t *o, const char *where,
			   struct sim_mach_resv *rv)
{
	static const char *const allowed[] = { "start", "last", "type", NULL };
	json_t *s, *l, *t;
	char what[160];
	size_t i;

	if (check_members(p, o, where, allowed))
		return -1;
	s = member(o, "start");
	l = member(o, "last");
	t = member(o, "type");
	if (!s || !l)
		return fail(p, "%s needs 'start' and 'last'", where);
	snprintf(what, sizeof(what), "%s.start", where);
	if (get_u64(p, s, what, &rv->start))
		return -1;
	snprintf(what, sizeof(what), "%s.last", where);
	if (get_u64(p, l, what, &rv->last))
		return -1;
	if (rv->last < rv->start)
		return fail(p, "%s: last is below start", where);
	rv->type = IOMMUFD_RESV_RESERVED;
	if (!t)
		return 0;
	for (i = 0; i < NRESV_TYPES; i++)
		if (json_is_string(t) &&
		    !strcmp(resv_types[i].name, json_string_value(t)))
			break;
	if (i == NRESV_TYPES)
		return fail(p, "%s.type must be one of \"direct\", "
			       "\"direct-relaxable\", \"reserved\", \"msi\", "
			       "\"sw-msi\"", where);
	rv->type = resv_types[i].type;
	return 0;
}

static int parse_mach_dev(struct pctx *p, json_t *o, const char *where,
			  const struct sim_machine *m, struct sim_mach_dev *md)
{
	static const char *const allowed[] = { "name",	     "iommu",
					       "group",	     "max_pasids",
					       "mock_flags", "msi_unisolated",
					       "ats_pri",    "resv",
					       NULL };
	json_t *v;
	uint64_t x;
	char what[96];

	if (check_members(p, o, where, allowed))
		return -1;
	v = member(o, "name");
	if (!v || !json_is_string(v) || !json_string_length(v))
		return fail(p, "%s.name must be a non-empty string", where);
	if (json_string_length(v) >= sizeof(md->name))
		return fail(p, "%s.name is longer than %zu bytes", where,
			    sizeof(md->name) - 1);
	snprintf(md->name, sizeof(md->name), "%s", json_string_value(v));
	if (sim_machine_dev(m, md->name) >= 0)
		return fail(p, "%s.name: a device '%s' is declared twice",
			    where, md->name);
	v = member(o, "iommu");
	if (!v && m->niommus != 1)
		return fail(p, "%s.iommu is needed: the index of its IOMMU in "
			       "machine.iommus", where);
	if (v) {
		snprintf(what, sizeof(what), "%s.iommu", where);
		if (get_u64(p, v, what, &x))
			return -1;
		if (x >= m->niommus)
			return fail(p, "%s: %" PRIu64 " is not an index into "
				       "machine.iommus (it has %u)",
				    what, x, m->niommus);
		md->iommu = (unsigned int)x;
	}
	v = member(o, "group");
	snprintf(what, sizeof(what), "%s.group", where);
	if (v && get_u64_max(p, v, what, UINT32_MAX, &x))
		return -1;
	md->group = v ? (uint32_t)x : 0;
	for (unsigned int i = 0; md->group && i < m->ndevs; i++)
		if (m->devs[i].group == md->group &&
		    m->devs[i].iommu != md->iommu)
			return fail(p, "%s: group %u is behind another IOMMU "
				       "(device '%s')",
				    what, md->group, m->devs[i].name);
	v = member(o, "max_pasids");
	snprintf(what, sizeof(what), "%s.max_pasids", where);
	if (v && get_u64_max(p, v, what, 1u << 20, &x))
		return -1;
	md->max_pasids = v ? (uint32_t)x : 0;
	v = member(o, "mock_flags");
	snprintf(what, sizeof(what), "%s.mock_flags", where);
	if (v && m->iommus[md->iommu].kind != IOMMUFD_IOMMU_MOCK)
		return fail(p, "%s: only devices behind a mock IOMMU have "
			       "mock flags", what);
	if (v && get_u64_max(p, v, what, UINT32_MAX, &x))
		return -1;
	md->mock_flags = v ? (uint32_t)x : 0;
	v = member(o, "msi_unisolated");
	snprintf(what, sizeof(what), "%s.msi_unisolated", where);
	if (v && get_bool(p, v, what, &md->msi_unisolated))
		return -1;
	v = member(o, "ats_pri");
	snprintf(what, sizeof(what), "%s.ats_pri", where);
	if (v && get_bool(p, v, what, &md->ats_pri))
		return -1;
	v = member(o, "resv");
	if (v) {
		size_t i;
		json_t *e;

		if (!json_is_array(v))
			return fail(p, "%s.resv must be an array", where);
		if (json_array_size(v) > SIM_MAX_RESV)
			return fail(p, "%s.resv: at most %d regions", where,
				    SIM_MAX_RESV);
		json_array_foreach(v, i, e) {
			char rwhere[128];

			snprintf(rwhere, sizeof(rwhere), "%s.resv[%zu]", where,
				 i);
			if (parse_mach_resv(p, e, rwhere, &md->resv[i]))
				return -1;
		}
		md->nresv = (unsigned int)json_array_size(v);
	}
	return 0;
}

static int parse_machine(struct pctx *p, json_t *o, struct sim_machine *m)
{
	static const char *const allowed[] = { "config", "iommus", "devices",
					       NULL };
	json_t *c, *io, *dv, *e;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (check_members(p, o, "machine", allowed))
		return -1;
	m->present = true;
	c = member(o, "config");
	if (c) {
		if (!json_is_array(c))
			return fail(p, "machine.config must be an array of "
				       "names");
		json_array_foreach(c, i, e) {
			size_t k;

			for (k = 0; k < NCONFIGS; k++)
				if (json_is_string(e) &&
				    !strcmp(configs[k].name,
					    json_string_value(e)))
					break;
			if (k == NCONFIGS)
				return fail(p, "machine.config[%zu] must be one "
					       "of \"test\", \"next\", "
					       "\"noiommu\", \"vfio-noiommu\"",
					    i);
			m->config |= configs[k].bit;
		}
	}
	io = member(o, "iommus");
	if (io) {
		if (!json_is_array(io))
			return fail(p, "machine.iommus must be an array");
		if (json_array_size(io) > SIM_MAX_IOMMUS)
			return fail(p, "machine.iommus: at most %d IOMMUs",
				    SIM_MAX_IOMMUS);
		json_array_foreach(io, i, e) {
			char where[48];

			snprintf(where, sizeof(where), "machine.iommus[%zu]", i);
			if (parse_mach_iommu(p, e, where, &m->iommus[i]))
				return -1;
			m->niommus++;
		}
	}
	dv = member(o, "devices");
	if (dv) {
		if (!json_is_array(dv))
			return fail(p, "machine.devices must be an array");
		if (json_array_size(dv) > SIM_MAX_DEVICES)
			return fail(p, "machine.devices: at most %d devices",
				    SIM_MAX_DEVICES);
		if (json_array_size(dv) && !m->niommus)
			return fail(p, "machine.devices: a device needs an "
				       "IOMMU in machine.iommus");
		json_array_foreach(dv, i, e) {
			char where[48];

			snprintf(where, sizeof(where), "machine.devices[%zu]",
				 i);
			if (parse_mach_dev(p, e, where, m, &m->devs[i]))
				return -1;
			m->ndevs++;
		}
	}
	return 0;
}

int sim_machine_read(const char *path, struct sim_machine *m,
		     struct sim_err *err)
{
	struct pctx p = { path, 0, err };
	json_error_t je;
	size_t skip = strlen(path) + 3; /* fail()'s "PATH:0: " */
	json_t *j;
	int rc;

	memset(m, 0, sizeof(*m));
	memset(err, 0, sizeof(*err));
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		/* jansson's line and column, or the reason it could not open */
		if (je.line > 0)
			snprintf(err->msg, sizeof(err->msg),
				 "%s:%d: invalid JSON at column %d: %s", path,
				 je.line, je.column, je.text);
		else
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
				 je.text);
		err->line = je.line > 0 ? (unsigned int)je.line : 0;
		return -1;
	}
	rc = parse_machine(&p, j, m);
	json_decref(j);
	/* the member names the place; a line number would not */
	if (rc && strlen(err->msg) > skip)
		memmove(err->msg + skip - 2, err->msg + skip,
			strlen(err->msg + skip) + 1);
	return rc;
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
	if (r->src) {
		*hdr = *r->khdr;
		r->header_done = true;
		return 0;
	}
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
	v = member(j, "machine");
	if (v) {
		if (parse_machine(&p, v, &hdr->machine))
			goto out;
		r->machine = malloc(sizeof(*r->machine));
		if (!r->machine) {
			fail(&p, "out of memory");
			goto out;
		}
		*r->machine = hdr->machine;
	}
	if (r->keep) {
		r->khdr = malloc(sizeof(*r->khdr));
		if (r->khdr)
			*r->khdr = *hdr;
		else
			keep_drop(r);
	}
	/* replay's checking pass: tokenize on a second thread */
	if (r->keep && !r->no_fast && r->f)
		pipe_start(r);
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
	size_t n;
	int rc;

	sim_record_clear(rec);
	if (!r->header_done)
		return fail(&p, "the header has not been read");
	if (r->src) {
		rc = keep_next(r->src, rec);
		if (rc < 0) {
			sim_record_clear(rec);
			return fail(&p, "out of memory");
		}
		return rc;
	}
	rc = read_line(r, &p, false, r->no_fast, &n);
	if (rc <= 0) {
		r->at_end = rc == 0;
		return rc;
	}
	if (fast_record(r, &p, n, rec)) {
		if (commit_record(r, &p, rec)) {
			sim_record_clear(rec);
			return -1;
		}
		if (r->keep && keep_record(r->keep, rec, true))
			keep_drop(r);
		return 1;
	}
	/* the fast path accepts no line with a NUL byte: checked only now */
	if (!r->no_fast && memchr(r->lp, '\0', n))
		return fail(&p, "NUL byte in the line");
	if (load_json(r, &p, n, &j))
		return -1;
	rc = parse_record(r, &p, j, rec);
	if (!rc)
		rc = commit_record(r, &p, rec);
	json_decref(j);
	if (rc) {
		sim_record_clear(rec);
		return -1;
	}
	if (r->keep && keep_record(r->keep, rec, false))
		keep_drop(r);
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

static json_t *jmachine(const struct sim_machine *m, bool *ok)
{
	json_t *o = json_object(), *c = json_array(), *io = json_array(),
	       *dv = json_array();

	if (!o || !c || !io || !dv) {
		json_decref(c);
		json_decref(io);
		json_decref(dv);
		*ok = false;
		return o;
	}
	for (size_t k = 0; k < NCONFIGS; k++)
		if ((m->config & configs[k].bit) &&
		    json_array_append_new(c, json_string(configs[k].name)))
			*ok = false;
	jset(o, "config", c, ok);
	for (unsigned int i = 0; i < m->niommus; i++) {
		const struct sim_mach_iommu *mi = &m->iommus[i];
		json_t *e = json_object();
		const char *kind = "?";

		for (size_t k = 0; k < NIOMMU_KINDS; k++)
			if (iommu_kinds[k].kind == mi->kind)
				kind = iommu_kinds[k].name;
		if (!e || json_array_append_new(io, e)) {
			*ok = false;
			continue;
		}
		jset(e, "kind", json_string(kind), ok);
		if (mi->cap)
			jset(e, "cap", jnum(mi->cap, true), ok);
		if (mi->ecap)
			jset(e, "ecap", jnum(mi->ecap, true), ok);
		if (mi->efr)
			jset(e, "efr", jnum(mi->efr, true), ok);
		if (mi->legacy)
			jset(e, "legacy", json_true(), ok);
	}
	jset(o, "iommus", io, ok);
	for (unsigned int i = 0; i < m->ndevs; i++) {
		const struct sim_mach_dev *md = &m->devs[i];
		json_t *e = json_object();

		if (!e || json_array_append_new(dv, e)) {
			*ok = false;
			continue;
		}
		jset(e, "name", json_string(md->name), ok);
		jset(e, "iommu", json_integer(md->iommu), ok);
		jset(e, "group", json_integer(md->group), ok);
		if (md->max_pasids)
			jset(e, "max_pasids", json_integer(md->max_pasids), ok);
		if (md->mock_flags)
			jset(e, "mock_flags", json_integer(md->mock_flags), ok);
		if (md->msi_unisolated)
			jset(e, "msi_unisolated", json_true(), ok);
		if (md->ats_pri)
			jset(e, "ats_pri", json_true(), ok);
		if (md->nresv) {
			json_t *a = json_array();

			for (unsigned int k = 0; a && k < md->nresv; k++) {
				const struct sim_mach_resv *rv = &md->resv[k];
				json_t *r = json_object();
				const char *t = "?";

				for (size_t n = 0; n < NRESV_TYPES; n++)
					if (resv_types[n].type == rv->type)
						t = resv_types[n].name;
				if (!r || json_array_append_new(a, r)) {
					*ok = false;
					continue;
				}
				jset(r, "start", jnum(rv->start, true), ok);
				jset(r, "last", jnum(rv->last, true), ok);
				jset(r, "type", json_string(t), ok);
			}
			jset(e, "resv", a, ok);
		}
	}
	jset(o, "devices", dv, ok);
	return o;
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
		if (hdr->machine.present)
			jset(o, "machine", jmachine(&hdr->machine, &ok), &ok);
	}
	return emit(f, o, ok);
}

/* A page request's members into @o, those known only */
static json_t *jpr(const struct sim_pr *pr, json_t *o, bool *ok)
{
	if (!o) {
		*ok = false;
		return NULL;
	}
	jset(o, "pasid", pr->has_pasid ? json_integer(pr->pasid) : json_null(),
	     ok);
	if (pr->has_addr)
		jset(o, "addr", jnum(pr->addr, true), ok);
	if (pr->has_perm) {
		json_t *a = json_array();

		for (unsigned int i = 0; a && i < 4; i++)
			if ((pr->perm & (1u << i)) &&
			    json_array_append_new(a,
						  json_string(pr_perm_names[i])))
				*ok = false;
		jset(o, "perm", a, ok);
	}
	if (pr->has_grpid)
		jset(o, "grpid", json_integer(pr->grpid), ok);
	if (pr->has_last)
		jset(o, "last", json_boolean(pr->last), ok);
	if (pr->status)
		jset(o, "status", json_string(sim_pr_status_name(pr->status)),
		     ok);
	if (pr->has_code)
		jset(o, "code", json_string(sim_pr_code_name(pr->code)), ok);
	return o;
}

int sim_write_record(FILE *f, const struct sim_record *rec)
{
	json_t *o;
	bool ok = true;

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
		if (rec->has_group)
			jset(o, "group", json_integer(rec->group), &ok);
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
	case SIM_REC_DMA:
		jset(o, "device", json_string(rec->device), &ok);
		jset(o, "pasid",
		     rec->has_pasid ? json_integer(rec->pasid) : json_null(),
		     &ok);
		jset(o, "iova", jnum(rec->iova, true), &ok);
		jset(o, "length", jnum(rec->length, false), &ok);
		jset(o, "write", json_boolean(rec->write), &ok);
		if (rec->data.present)
			jset(o, "hex", jhex(rec->data.data, rec->data.len), &ok);
		if (rec->dma_status)
			jset(o, "status",
			     json_string(sim_dma_status_name(rec->dma_status)),
			     &ok);
		if (rec->has_fault)
			jset(o, "fault", jpr(&rec->pr, json_object(), &ok),
			     &ok);
		break;
	case SIM_REC_PAGE_REQUEST:
		jset(o, "device", json_string(rec->device), &ok);
		jpr(&rec->pr, o, &ok);
		break;
	case SIM_REC_FAULT_READ:
	case SIM_REC_FAULT_WRITE: {
		bool rd = rec->kind == SIM_REC_FAULT_READ;
		const struct sim_struct *es = sim_struct_by_name(
			rd ? "iommu_hwpt_pgfault" : "iommu_hwpt_page_response");

		jset(o, "count", jnum(rec->count, false), &ok);
		if (rec->has_buf)
			jset(o, "buf", jnum(rec->buf, true), &ok);
		if (rec->data.present && sim_image_all_known(&rec->data))
			jset(o, "hex", jhex(rec->data.data, rec->data.len), &ok);
		if (rec->data.present && es && rec->data.len % es->size == 0) {
			json_t *a = json_array();

			for (size_t e = 0; a && e < rec->data.len / es->size; e++)
				if (json_array_append_new(
					    a, jfields(es, &rec->data,
						       e * es->size, false, &ok)))
					ok = false;
			jset(o, rd ? "faults" : "responses", a, &ok);
		}
		jresult(o, rec, &ok);
		break;
	}
	case SIM_REC_GROUP_SET_CONTAINER:
		if (rec->has_group)
			jset(o, "group", json_integer(rec->group), &ok);
		if (rec->noiommu)
			jset(o, "noiommu", json_true(), &ok);
		jresult(o, rec, &ok);
		break;
	case SIM_REC_GROUP_UNSET_CONTAINER:
	case SIM_REC_GROUP_OPEN:
	case SIM_REC_GROUP_CLOSE:
		jset(o, "group", json_integer(rec->group), &ok);
		jresult(o, rec, &ok);
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
