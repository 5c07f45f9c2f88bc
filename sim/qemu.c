// SPDX-License-Identifier: MIT
/*
 * iommufd-sim convert-qemu: a QEMU log of iommufd trace events into an
 * iommufd trace (docs/trace-format.md, "Converting QEMU traces").
 *
 * QEMU's events are written after the ioctl and summarise it: the values
 * QEMU put in the struct, sometimes the output id, and either the ioctl's
 * return (0 / -1) or, for the later helpers, errno. Struct addresses,
 * errno of most failures and every user buffer are missing. The struct
 * inputs can still be rebuilt exactly, because each helper in QEMU's
 * backends/iommufd.c and hw/vfio/iommufd.c fills the struct from the
 * values it then logs (plus constants such as the map flags); the results
 * are written only where the event carries them, so replay compares
 * nothing QEMU did not see.
 *
 * The whole log is read before anything is written, so that a malformed
 * line leaves no half trace behind.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <iommufd/platform.h>
#include <iommufd/uapi.h>

#include "qemu.h"
#include "structs.h"
#include "trace.h"

/*
 * QEMU keeps its ioctl structs on the stack and never logs where; replay
 * needs an address, so every struct is placed here (any address in the
 * simulated memory will do: the struct is written before each call).
 */
#define QEMU_ARG_SCRATCH 0x7ffe00000000ull
/* The dirty bitmap QEMU passed to IOMMU_HWPT_GET_DIRTY_BITMAP, likewise */
#define QEMU_BITMAP_SCRATCH 0x7ffc00000000ull

/* ------------------------------------------------------------ events */

enum qev {
	EV_CONNECT,
	EV_DISCONNECT,
	EV_SET_FD,
	EV_ALLOC_IOAS,
	EV_FREE_ID,
	EV_MAP,
	EV_MAP_FILE,
	EV_UNMAP_NONEXIST,
	EV_UNMAP,
	EV_ALLOC_HWPT,
	EV_SET_DIRTY,
	EV_GET_DIRTY,
	EV_INVALIDATE,
	EV_NOT_612, /* an ioctl Linux 6.12 does not have */
	EV_CDEV_GETFD,
	EV_CDEV_BIND,
	EV_CDEV_ATTACH,
	EV_CDEV_DETACH,
	EV_CDEV_INFO,
	EV_NO_CALL, /* an event that is no call of its own */
};

/*
 * The format strings of QEMU's backends/trace-events and
 * hw/vfio/trace-events as printed: %d and %u decimal, %x hex digits
 * (after the format's own "0x"), %l a signed long, %p a pointer ("0x..."
 * or "(nil)"), %s a word, %S the rest of the line. A space matches any
 * run of blanks. Variants are tried in order; the index of the one that
 * matched tells the version apart.
 */
struct qevent {
	const char *name;
	enum qev ev;
	const char *fmt[2];
	const char *why; /* EV_NOT_612, EV_NO_CALL, EV_CDEV_INFO: the note */
};

static const struct qevent events[] = {
	/* 8.2 - 9.0 log the connect's result; 9.1 dropped it */
	{ "iommufd_backend_connect", EV_CONNECT,
	  { "fd=%d owned=%d users=%u (%d)", "fd=%d owned=%d users=%u" }, NULL },
	{ "iommufd_backend_disconnect", EV_DISCONNECT, { "fd=%d users=%u" }, NULL },
	{ "iommu_backend_set_fd", EV_SET_FD,
	  { "pre-opened /dev/iommu fd=%d" }, NULL },
	{ "iommufd_backend_alloc_ioas", EV_ALLOC_IOAS,
	  { " iommufd=%d ioas=%d (%d)", " iommufd=%d ioas=%d" }, NULL },
	{ "iommufd_backend_free_id", EV_FREE_ID, { " iommufd=%d id=%d (%d)" }, NULL },
	{ "iommufd_backend_map_dma", EV_MAP,
	  { " iommufd=%d ioas=%d iova=0x%x size=0x%x addr=%p readonly=%d (%d)" }, NULL },
	{ "iommufd_backend_map_file_dma", EV_MAP_FILE,
	  { " iommufd=%d ioas=%d iova=0x%x size=0x%x fd=%d start=%l "
	    "readonly=%d (%d)" },
	  "IOMMU_IOAS_MAP_FILE is not a Linux 6.12 ioctl (6.14)" },
	{ "iommufd_backend_unmap_dma_non_exist", EV_UNMAP_NONEXIST,
	  { " Unmap nonexistent mapping: iommufd=%d ioas=%d iova=0x%x "
	    "size=0x%x (%d)" }, NULL },
	{ "iommufd_backend_unmap_dma", EV_UNMAP,
	  { " iommufd=%d ioas=%d iova=0x%x size=0x%x (%d)" }, NULL },
	{ "iommufd_backend_alloc_hwpt", EV_ALLOC_HWPT,
	  { " iommufd=%d dev_id=%u pt_id=%u flags=0x%x hwpt_type=%u len=%u "
	    "data_ptr=0x%x out_hwpt=%u (%d)" }, NULL },
	{ "iommufd_backend_set_dirty", EV_SET_DIRTY,
	  { " iommufd=%d hwpt=%u enable=%d (%d)" }, NULL },
	/* the flags (IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) came later */
	{ "iommufd_backend_get_dirty_bitmap", EV_GET_DIRTY,
	  { " iommufd=%d hwpt=%u iova=0x%x size=0x%x page_size=0x%x (%d)",
	    " iommufd=%d hwpt=%u iova=0x%x size=0x%x flags=0x%x "
	    "page_size=0x%x (%d)" }, NULL },
	{ "iommufd_backend_invalidate_cache", EV_INVALIDATE,
	  { " iommufd=%d id=%u data_type=%u entry_len=%u entry_num=%u "
	    "done_num=%u data_ptr=0x%x (%d)" }, NULL },
	{ "iommufd_backend_alloc_viommu", EV_NOT_612,
	  { " iommufd=%d type=%u dev_id=%u hwpt_id=%u viommu_id=%u (%d)" },
	  "IOMMU_VIOMMU_ALLOC is not a Linux 6.12 ioctl (6.13)" },
	{ "iommufd_backend_alloc_vdev", EV_NOT_612,
	  { " iommufd=%d dev_id=%u viommu_id=%u virt_id=0x%x vdev_id=%u (%d)" },
	  "IOMMU_VDEVICE_ALLOC is not a Linux 6.12 ioctl (6.13)" },
	{ "iommufd_viommu_alloc_eventq", EV_NOT_612,
	  { " iommufd=%d viommu_id=%u type=%u veventq_id=%u veventq_fd=%u (%d)" },
	  "IOMMU_VEVENTQ_ALLOC is not a Linux 6.12 ioctl (6.15)" },
	{ "iommufd_change_process", EV_NOT_612, { "fd=%d (%d)" },
	  "IOMMU_IOAS_CHANGE_PROCESS is not a Linux 6.12 ioctl (6.14)" },

	{ "iommufd_cdev_getfd", EV_CDEV_GETFD, { " %s (fd=%d)" }, NULL },
	{ "iommufd_cdev_connect_and_bind", EV_CDEV_BIND,
	  { " [iommufd=%d] Successfully bound device %s (fd=%d): output "
	    "devid=%d" }, NULL },
	{ "iommufd_cdev_attach_ioas_hwpt", EV_CDEV_ATTACH,
	  { " [iommufd=%d] Successfully attached device %s (%d) to id=%d" }, NULL },
	{ "iommufd_cdev_detach_ioas_hwpt", EV_CDEV_DETACH,
	  { " [iommufd=%d] Successfully detached %s" }, NULL },
	{ "iommufd_cdev_device_info", EV_CDEV_INFO,
	  { " %s (%d) num_irqs=%d num_regions=%d flags=%d" },
	  "VFIO_DEVICE_GET_INFO is not replayed (it needs a device driver)" },
	{ "iommufd_cdev_fail_attach_existing_container", EV_NO_CALL, { " %S" },
	  "a failed attach whose device and id the message does not give" },
	{ "iommufd_cdev_alloc_ioas", EV_NO_CALL,
	  { " [iommufd=%d] new IOMMUFD container with ioasid=%d" },
	  "the same call as iommufd_backend_alloc_ioas" },
	{ "iommufd_cdev_pci_hot_reset_dep_devices", EV_NO_CALL,
	  { " %x:%x:%x.%x devid %d" },
	  "no call: a device affected by a hot reset" },
	{ "iommufd_cdev_rebuild_hwpt", EV_NO_CALL,
	  { " [iommufd=%d] hwpt %d" },
	  "no call: CPR re-creates its record of an existing HWPT" },
};

#define NEVENTS (sizeof(events) / sizeof(events[0]))

#define MAXV 10

struct qval {
	int64_t i;    /* %d %l */
	uint64_t u;   /* %u %x %p, and %d as the u32 QEMU printed with %d */
	const char *s; /* %s %S */
	size_t n;
};

/*
 * Matches @s against @fmt. Returns the number of values, or -1 with
 * *@fail the place in @s where the line stopped matching.
 */
static int fmt_match(const char *fmt, const char *s, struct qval *v,
		     const char **fail)
{
	int nv = 0;

	while (*fmt == ' ')
		fmt++;
	while (*s == ' ' || *s == '\t')
		s++;
	while (*fmt) {
		if (*fmt == ' ') {
			if (*s != ' ' && *s != '\t')
				goto mismatch;
			while (*s == ' ' || *s == '\t')
				s++;
			while (*fmt == ' ')
				fmt++;
			continue;
		}
		if (*fmt != '%') {
			if (*s != *fmt)
				goto mismatch;
			s++;
			fmt++;
			continue;
		}
		if (nv == MAXV)
			goto mismatch;
		struct qval *q = &v[nv];
		char *end;

		memset(q, 0, sizeof(*q));
		switch (fmt[1]) {
		case 'd':
		case 'l': {
			long long x;

			if (!isdigit((unsigned char)*s) &&
			    !(*s == '-' && isdigit((unsigned char)s[1])))
				goto mismatch;
			errno = 0;
			x = strtoll(s, &end, 10);
			if (errno || (fmt[1] == 'd' &&
				      (x < INT32_MIN || x > INT32_MAX)))
				goto mismatch;
			q->i = x;
			q->u = (uint32_t)(int32_t)x;
			break;
		}
		case 'u': {
			unsigned long long x;

			if (!isdigit((unsigned char)*s))
				goto mismatch;
			errno = 0;
			x = strtoull(s, &end, 10);
			if (errno || x > UINT32_MAX)
				goto mismatch;
			q->u = x;
			q->i = (int64_t)x;
			break;
		}
		case 'x':
		case 'p':
			if (fmt[1] == 'p' && !strncmp(s, "(nil)", 5)) {
				end = (char *)s + 5;
				break;
			}
			if (fmt[1] == 'p') {
				if (s[0] != '0' || s[1] != 'x')
					goto mismatch;
				s += 2;
			}
			/* by hand: strtoull() would take a second "0x" */
			if (!isxdigit((unsigned char)*s))
				goto mismatch;
			for (end = (char *)s; isxdigit((unsigned char)*end);
			     end++) {
				int d = isdigit((unsigned char)*end) ?
						*end - '0' :
						tolower((unsigned char)*end) -
							'a' + 10;

				if (q->u >> 60)
					goto mismatch;
				q->u = q->u << 4 | (uint64_t)d;
			}
			break;
		case 's':
			end = (char *)s;
			while (*end && *end != ' ' && *end != '\t')
				end++;
			if (end == s)
				goto mismatch;
			q->s = s;
			q->n = (size_t)(end - s);
			break;
		case 'S':
			end = (char *)s + strlen(s);
			q->s = s;
			q->n = (size_t)(end - s);
			break;
		default:
			goto mismatch;
		}
		s = end;
		fmt += 2;
		nv++;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		goto mismatch;
	return nv;
mismatch:
	*fail = s;
	return -1;
}

/* ------------------------------------------------------------ state */

struct qfile {
	uint8_t kind; /* SIM_FD_IOMMUFD, SIM_FD_VFIO_DEVICE */
	uint64_t handle;
	int num;
	bool open;
	/* iommufd */
	bool owned;
	uint32_t users;
	/* vfio-device */
	size_t open_rec; /* index of its open record */
	char *name;	 /* QEMU's vbasedev->name */
	bool detached;
	int iommufd; /* the fd number it was bound to */
};

struct conv {
	const char *name;
	unsigned int line;
	const struct qevent *ev;
	struct sim_err *err;
	struct sim_qemu_stats *st;

	struct sim_record *recs;
	char **notes; /* each record's comment */
	size_t nrecs, caprecs;

	struct qfile **files;
	size_t nfiles, capfiles;
	uint64_t next_handle;
};

__attribute__((format(printf, 2, 3))) static int fail(struct conv *c,
						      const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->err->line = c->line;
	if (!c->line)
		snprintf(c->err->msg, sizeof(c->err->msg), "%s: %s", c->name,
			 msg);
	else
		snprintf(c->err->msg, sizeof(c->err->msg), "%s:%u: %s%s%s",
			 c->name, c->line, c->ev ? c->ev->name : "",
			 c->ev ? ": " : "", msg);
	return -1;
}

static int oom(struct conv *c)
{
	return fail(c, "out of memory");
}

static void skip_note(struct conv *c, const char *why)
{
	struct sim_qemu_stats *st = c->st;
	char what[160];
	unsigned int i;

	snprintf(what, sizeof(what), "%s: %s", c->ev->name, why);
	st->skipped++;
	for (i = 0; i < st->nskip; i++)
		if (!strcmp(st->skip[i].what, what))
			break;
	if (i == st->nskip) {
		if (st->nskip == SIM_QEMU_MAX_SKIP)
			i = SIM_QEMU_MAX_SKIP - 1; /* the last one collects */
		else
			snprintf(st->skip[st->nskip++].what,
				 sizeof(st->skip[0].what), "%s", what);
	}
	st->skip[i].count++;
}

/* A new record of @kind on @f; NULL when out of memory */
static struct sim_record *rec_new(struct conv *c, enum sim_rec_kind kind,
				  const struct qfile *f, const char *note)
{
	struct sim_record *r;
	char buf[512];

	if (c->nrecs == c->caprecs) {
		size_t n = c->caprecs ? 2 * c->caprecs : 64;
		struct sim_record *nr = realloc(c->recs, n * sizeof(*nr));
		char **nn;

		if (!nr)
			return NULL;
		c->recs = nr;
		nn = realloc(c->notes, n * sizeof(*nn));
		if (!nn)
			return NULL;
		c->notes = nn;
		c->caprecs = n;
	}
	snprintf(buf, sizeof(buf), "%s:%u %s%s%s", c->name, c->line,
		 c->ev->name, note ? ": " : "", note ? note : "");
	c->notes[c->nrecs] = strdup(buf);
	if (!c->notes[c->nrecs])
		return NULL;
	r = &c->recs[c->nrecs++];
	sim_record_init(r);
	r->seq = c->nrecs;
	r->kind = kind;
	if (f) {
		r->has_fd = true;
		r->fd.kind = f->kind;
		r->fd.handle = f->handle;
	}
	c->st->records++;
	return r;
}

static struct qfile *file_find(struct conv *c, uint8_t kind, int num)
{
	for (size_t i = c->nfiles; i-- > 0;)
		if (c->files[i]->open && c->files[i]->kind == kind &&
		    c->files[i]->num == num)
			return c->files[i];
	return NULL;
}

static struct qfile *file_open(struct conv *c, uint8_t kind, int num,
			       const char *path, const char *note)
{
	struct qfile *f;
	struct sim_record *r;

	if (c->nfiles == c->capfiles) {
		size_t n = c->capfiles ? 2 * c->capfiles : 16;
		struct qfile **nf = realloc(c->files, n * sizeof(*nf));

		if (!nf)
			return NULL;
		c->files = nf;
		c->capfiles = n;
	}
	/* each on its own: callers hold one while opening another */
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	c->files[c->nfiles++] = f;
	f->kind = kind;
	f->handle = c->next_handle++;
	f->num = num;
	f->open = true;
	f->iommufd = -1;
	r = rec_new(c, SIM_REC_OPEN, f, note);
	if (!r)
		return NULL;
	r->fd.has_num = true;
	r->fd.num = num;
	if (path && !(r->path = strdup(path)))
		return NULL;
	r->has_ret = true;
	r->ret = num;
	f->open_rec = c->nrecs - 1;
	return f;
}

static int file_close(struct conv *c, struct qfile *f, const char *note)
{
	struct sim_record *r = rec_new(c, SIM_REC_CLOSE, f, note);

	if (!r)
		return oom(c);
	r->has_ret = true;
	r->ret = 0;
	f->open = false;
	return 0;
}

/*
 * The iommufd QEMU calls fd @num. A log may start after the file was
 * opened (tracing switched on from the monitor): the file is then opened
 * here, where it is first used.
 */
static struct qfile *iommufd_of(struct conv *c, int64_t num)
{
	struct qfile *f;

	if (num < 0) {
		fail(c, "iommufd=%" PRId64 " is not a file descriptor", num);
		return NULL;
	}
	f = file_find(c, SIM_FD_IOMMUFD, (int)num);
	if (f)
		return f;
	f = file_open(c, SIM_FD_IOMMUFD, (int)num, "/dev/iommu",
		      "first use of an iommufd the log does not show opened");
	if (!f) {
		oom(c);
		return NULL;
	}
	f->owned = true;
	f->users = 1;
	return f;
}

static struct qfile *device_by_fd(struct conv *c, int64_t num)
{
	struct qfile *f;

	if (num < 0) {
		fail(c, "device fd %" PRId64 " is not a file descriptor", num);
		return NULL;
	}
	f = file_find(c, SIM_FD_VFIO_DEVICE, (int)num);
	if (f)
		return f;
	f = file_open(c, SIM_FD_VFIO_DEVICE, (int)num, NULL,
		      "first use of a device file the log does not show "
		      "opened");
	if (!f)
		oom(c);
	return f;
}

/* -------------------------------------------------------- ioctl records */

struct kv {
	const char *field;
	uint64_t val;
};

static int put_fields(struct conv *c, const struct sim_struct *st,
		      uint8_t *data, uint8_t *known, const struct kv *kv,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sim_field *f = sim_field_by_name(st, kv[i].field);

		if (!f || !sim_field_put(f, data, st->size, kv[i].val))
			return fail(c, "%s 0x%" PRIx64 " does not fit struct %s",
				    kv[i].field, kv[i].val, st->name);
		if (known)
			memset(known + f->offset, 1, f->size);
	}
	return 0;
}

/*
 * An ioctl record: the struct of @ioctl with @in set (and its size
 * field the struct's 6.12 size, every other field zero as QEMU's
 * initialisers leave them), and the results the event carries: @ret
 * (when @has_ret), @err (when non-zero) and the output fields @out.
 */
static int ioctl_rec(struct conv *c, const struct qfile *f, const char *ioctl,
		     const struct kv *in, size_t nin, bool has_ret, int64_t ret,
		     int err, const struct kv *out, size_t nout,
		     const char *note)
{
	const struct sim_ioctl *ioc = sim_ioctl_by_name(ioctl);
	const struct sim_struct *st = ioc ? ioc->st : NULL;
	struct sim_record *r;

	if (!st || !st->nfields)
		return fail(c, "internal: no struct for %s", ioctl);
	r = rec_new(c, SIM_REC_IOCTL, f, note);
	if (!r)
		return oom(c);
	r->ioc = ioc;
	r->cmd = ioc->cmd;
	r->has_arg = true;
	r->arg = QEMU_ARG_SCRATCH;
	r->in.present = true;
	r->in.len = st->size;
	r->in.data = calloc(1, st->size);
	if (!r->in.data)
		return oom(c);
	if (!sim_field_put(&st->fields[0], r->in.data, st->size, st->size) ||
	    put_fields(c, st, r->in.data, NULL, in, nin))
		return -1;
	if (has_ret) {
		r->has_ret = true;
		r->ret = ret;
	}
	if (err) {
		r->has_errno = true;
		r->err = err;
	}
	if (nout) {
		r->out.present = true;
		r->out.len = st->size;
		r->out.data = calloc(1, st->size);
		r->out.known = calloc(1, st->size);
		if (!r->out.data || !r->out.known)
			return oom(c);
		if (put_fields(c, st, r->out.data, r->out.known, out, nout))
			return -1;
	}
	return 0;
}

/* QEMU logs the ioctl's return: 0, or -1 */
static int ioctl_ret(struct conv *c, int64_t v)
{
	if (v != 0 && v != -1)
		return fail(c, "(%" PRId64 "): the ioctl's return is 0 or -1",
			    v);
	return 0;
}

/* The later helpers log errno instead: 0 for success */
static int errno_ret(struct conv *c, int64_t v, int64_t *ret, int *err)
{
	if (v < 0 || v > 4095)
		return fail(c, "(%" PRId64 "): QEMU logs errno here, 0 for "
			       "success", v);
	*ret = v ? -1 : 0;
	*err = (int)v;
	return 0;
}

static int bool_val(struct conv *c, const char *what, int64_t v)
{
	if (v != 0 && v != 1)
		return fail(c, "%s=%" PRId64 " is not 0 or 1", what, v);
	return 0;
}

/* ----------------------------------------------------------- handlers */

static int ev_connect(struct conv *c, const struct qval *v, int variant)
{
	struct qfile *f;

	if (variant == 0 && v[3].i) {
		/* 8.2 - 9.0 log a failed open too: there is no file */
		skip_note(c, "the connect failed, no file was opened");
		return 0;
	}
	if (bool_val(c, "owned", v[1].i))
		return -1;
	if (v[0].i < 0)
		return fail(c, "fd=%" PRId64 " on a successful connect", v[0].i);
	f = file_find(c, SIM_FD_IOMMUFD, (int)v[0].i);
	if (!f) {
		f = file_open(c, SIM_FD_IOMMUFD, (int)v[0].i, "/dev/iommu",
			      NULL);
		if (!f)
			return oom(c);
	} else {
		skip_note(c, "a connect to an iommufd already open "
				     "(no call)");
	}
	f->owned = v[1].i;
	f->users = (uint32_t)v[2].u;
	return 0;
}

/* Device files QEMU closes right after this iommufd's disconnect */
static int close_devices(struct conv *c, const struct qfile *ictx, bool all)
{
	for (size_t i = 0; i < c->nfiles; i++) {
		struct qfile *d = c->files[i];

		if (!d->open || d->kind != SIM_FD_VFIO_DEVICE ||
		    d->iommufd != ictx->num || !(all || d->detached))
			continue;
		if (file_close(c, d, "QEMU closes the device file after its "
				     "disconnect (not logged)"))
			return -1;
	}
	return 0;
}

static int ev_disconnect(struct conv *c, const struct qval *v)
{
	struct qfile *f = NULL;

	if (v[0].i >= 0) {
		f = file_find(c, SIM_FD_IOMMUFD, (int)v[0].i);
	} else if (v[1].u == 0) {
		/*
		 * The last user of an iommufd QEMU opened: QEMU closed it
		 * and logs fd=-1, so it is the one with a single user.
		 */
		size_t n = 0;

		for (size_t i = 0; i < c->nfiles; i++) {
			struct qfile *g = c->files[i];

			if (g->open && g->kind == SIM_FD_IOMMUFD && g->owned &&
			    g->users == 1) {
				f = g;
				n++;
			}
		}
		if (n > 1) {
			skip_note(c, "fd=-1 with more than one iommufd that "
				     "could be closing: the file stays open");
			return 0;
		}
	}
	if (!f) {
		skip_note(c, "no open iommufd matches");
		return 0;
	}
	f->users = (uint32_t)v[1].u;
	if (f->users || !f->owned) {
		size_t before = c->nrecs;

		/* a device's connection ends; its file is closed next */
		if (close_devices(c, f, false))
			return -1;
		if (c->nrecs == before)
			skip_note(c, "a user of the iommufd left (no call)");
		return 0;
	}
	if (close_devices(c, f, true))
		return -1;
	return file_close(c, f, NULL);
}

static int ev_set_fd(struct conv *c, const struct qval *v)
{
	struct qfile *f;

	if (v[0].i < 0)
		return fail(c, "fd=%" PRId64 " is not a file descriptor",
			    v[0].i);
	f = file_find(c, SIM_FD_IOMMUFD, (int)v[0].i);
	if (!f) {
		f = file_open(c, SIM_FD_IOMMUFD, (int)v[0].i, "/dev/iommu",
			      "opened by QEMU's caller (-object iommufd,fd=)");
		if (!f)
			return oom(c);
	}
	f->owned = false;
	return 0;
}

static int ev_ioas_alloc(struct conv *c, const struct qval *v, int variant)
{
	struct qfile *f = iommufd_of(c, v[0].i);
	struct kv out[] = { { "out_ioas_id", v[1].u } };
	int64_t ret = 0;

	if (!f)
		return -1;
	if (variant == 0) {
		if (ioctl_ret(c, v[2].i))
			return -1;
		ret = v[2].i;
	}
	return ioctl_rec(c, f, "IOMMU_IOAS_ALLOC",
			 (struct kv[]){ { "flags", 0 } }, 1, true, ret, 0,
			 out, ret ? 0 : 1, NULL);
}

static int ev_free_id(struct conv *c, const struct qval *v)
{
	struct qfile *f = iommufd_of(c, v[0].i);

	if (!f || ioctl_ret(c, v[2].i))
		return -1;
	return ioctl_rec(c, f, "IOMMU_DESTROY",
			 (struct kv[]){ { "id", v[1].u } }, 1, true, v[2].i, 0,
			 NULL, 0, NULL);
}

static int ev_map(struct conv *c, const struct qval *v)
{
	struct qfile *f;
	uint64_t flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE;

	if (ioctl_ret(c, v[6].i) || bool_val(c, "readonly", v[5].i))
		return -1;
	if (v[6].i) {
		/*
		 * Why it failed lies in QEMU's memory (a VFIO BAR mmap is
		 * EFAULT on 6.12), which the log does not describe: the
		 * model would map it, and later unmaps would diverge.
		 */
		skip_note(c, "a failed map of memory the log does not "
			     "describe (a BAR mmap is EFAULT on 6.12)");
		return 0;
	}
	f = iommufd_of(c, v[0].i);
	if (!f)
		return -1;
	if (!v[5].i)
		flags |= IOMMU_IOAS_MAP_WRITEABLE;
	return ioctl_rec(c, f, "IOMMU_IOAS_MAP",
			 (struct kv[]){ { "flags", flags },
					{ "ioas_id", v[1].u },
					{ "user_va", v[4].u },
					{ "length", v[3].u },
					{ "iova", v[2].u } },
			 5, true, 0, 0, NULL, 0, NULL);
}

static int ev_unmap(struct conv *c, const struct qval *v, bool nonexist)
{
	struct qfile *f = iommufd_of(c, v[0].i);

	if (!f || ioctl_ret(c, v[4].i))
		return -1;
	/* QEMU logs the nonexistent case only for ENOENT */
	if (nonexist && v[4].i != -1)
		return fail(c, "(%" PRId64 "): a nonexistent mapping is a "
			       "failed unmap, -1", v[4].i);
	return ioctl_rec(c, f, "IOMMU_IOAS_UNMAP",
			 (struct kv[]){ { "ioas_id", v[1].u },
					{ "iova", v[2].u },
					{ "length", v[3].u } },
			 3, true, v[4].i, nonexist ? ENOENT : 0, NULL, 0, NULL);
}

static int ev_alloc_hwpt(struct conv *c, const struct qval *v)
{
	struct qfile *f = iommufd_of(c, v[0].i);
	struct kv in[] = { { "flags", v[3].u },	    { "dev_id", v[1].u },
			   { "pt_id", v[2].u },	    { "data_type", v[4].u },
			   { "data_len", v[5].u }, { "data_uptr", v[6].u } };
	struct kv out[] = { { "out_hwpt_id", v[7].u } };
	char note[200];

	if (!f || ioctl_ret(c, v[8].i))
		return -1;
	if (v[5].u) {
		/* the driver data (a VT-d stage-1 table) is not in the log */
		snprintf(note, sizeof(note),
			 "the %" PRIu64 " bytes at data_ptr are not in the "
			 "log: results not compared (QEMU: ret %" PRId64
			 ", out_hwpt %" PRIu64 ")",
			 v[5].u, v[8].i, v[7].u);
		c->st->uncompared++;
		return ioctl_rec(c, f, "IOMMU_HWPT_ALLOC", in, 6, false, 0, 0,
				 NULL, 0, note);
	}
	return ioctl_rec(c, f, "IOMMU_HWPT_ALLOC", in, 6, true, v[8].i, 0, out,
			 v[8].i ? 0 : 1, NULL);
}

static int ev_set_dirty(struct conv *c, const struct qval *v)
{
	struct qfile *f = iommufd_of(c, v[0].i);
	int64_t ret = 0;
	int err = 0;

	if (!f || bool_val(c, "enable", v[2].i) ||
	    errno_ret(c, v[3].i, &ret, &err))
		return -1;
	return ioctl_rec(c, f, "IOMMU_HWPT_SET_DIRTY_TRACKING",
			 (struct kv[]){
				 { "flags",
				   v[2].i ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE :
					    0 },
				 { "hwpt_id", v[1].u } },
			 2, true, ret, err, NULL, 0, NULL);
}

static int ev_get_dirty(struct conv *c, const struct qval *v, int variant)
{
	struct qfile *f = iommufd_of(c, v[0].i);
	/* the later format has flags between size and page_size */
	const struct qval *pg = &v[variant ? 5 : 4], *rv = &v[variant ? 6 : 5];
	uint64_t flags = variant ? v[4].u : 0;
	int64_t ret = 0;
	int err = 0;

	if (!f || errno_ret(c, rv->i, &ret, &err))
		return -1;
	return ioctl_rec(c, f, "IOMMU_HWPT_GET_DIRTY_BITMAP",
			 (struct kv[]){ { "hwpt_id", v[1].u },
					{ "flags", flags },
					{ "iova", v[2].u },
					{ "length", v[3].u },
					{ "page_size", pg->u },
					{ "data", QEMU_BITMAP_SCRATCH } },
			 6, true, ret, err, NULL, 0,
			 "the bitmap's address and bits are not in the log");
}

static int ev_invalidate(struct conv *c, const struct qval *v)
{
	struct qfile *f = iommufd_of(c, v[0].i);
	struct kv in[] = { { "hwpt_id", v[1].u },   { "data_uptr", v[6].u },
			   { "data_type", v[2].u }, { "entry_len", v[3].u },
			   { "entry_num", v[4].u } };
	struct kv out[] = { { "entry_num", v[5].u } };
	int64_t ret = 0;
	int err = 0;
	char note[200];

	if (!f || errno_ret(c, v[7].i, &ret, &err))
		return -1;
	if (v[4].u) {
		snprintf(note, sizeof(note),
			 "the %" PRIu64 " entries at data_ptr are not in the "
			 "log: results not compared (QEMU: errno %" PRId64
			 ", done_num %" PRIu64 ")",
			 v[4].u, v[7].i, v[5].u);
		c->st->uncompared++;
		return ioctl_rec(c, f, "IOMMU_HWPT_INVALIDATE", in, 5, false,
				 0, 0, NULL, 0, note);
	}
	return ioctl_rec(c, f, "IOMMU_HWPT_INVALIDATE", in, 5, true, ret, err,
			 out, 1, NULL);
}

static int ev_cdev_getfd(struct conv *c, const struct qval *v)
{
	char path[256];

	if (v[1].i < 0) {
		skip_note(c, "the device file did not open");
		return 0;
	}
	snprintf(path, sizeof(path), "%.*s", (int)v[0].n, v[0].s);
	if (file_find(c, SIM_FD_VFIO_DEVICE, (int)v[1].i))
		return fail(c, "fd=%" PRId64 " is already an open device file",
			    v[1].i);
	return file_open(c, SIM_FD_VFIO_DEVICE, (int)v[1].i, path, NULL) ?
		       0 :
		       oom(c);
}

static int name_device(struct conv *c, struct qfile *d, const struct qval *n)
{
	char *name;

	if (n->n >= SIM_DEVNAME_MAX)
		return fail(c, "device name '%.*s' is longer than %d bytes",
			    (int)n->n, n->s, SIM_DEVNAME_MAX - 1);
	if (d->name) {
		if (strlen(d->name) != n->n || memcmp(d->name, n->s, n->n))
			return fail(c, "fd=%d is device '%s', not '%.*s'",
				    d->num, d->name, (int)n->n, n->s);
		return 0;
	}
	name = strndup(n->s, n->n);
	if (!name)
		return oom(c);
	d->name = name;
	return 0;
}

static int ev_cdev_bind(struct conv *c, const struct qval *v)
{
	struct qfile *ictx = iommufd_of(c, v[0].i), *d;

	if (!ictx)
		return -1;
	d = device_by_fd(c, v[2].i);
	if (!d || name_device(c, d, &v[1]))
		return -1;
	d->detached = false;
	d->iommufd = ictx->num;
	return ioctl_rec(c, d, "VFIO_DEVICE_BIND_IOMMUFD",
			 (struct kv[]){ { "iommufd", (uint64_t)ictx->num } },
			 1, true, 0, 0,
			 (struct kv[]){ { "out_devid", v[3].u } }, 1, NULL);
}

static int ev_cdev_attach(struct conv *c, const struct qval *v)
{
	struct qfile *d;

	if (!iommufd_of(c, v[0].i))
		return -1;
	d = device_by_fd(c, v[2].i);
	if (!d || name_device(c, d, &v[1]))
		return -1;
	d->detached = false;
	/* the id logged is the one asked for; the kernel's answer is not */
	return ioctl_rec(c, d, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
			 (struct kv[]){ { "pt_id", v[3].u } }, 1, true, 0, 0,
			 NULL, 0, NULL);
}

static int ev_cdev_detach(struct conv *c, const struct qval *v)
{
	struct qfile *d = NULL;

	if (!iommufd_of(c, v[0].i))
		return -1;
	/* the event names the device but not its fd */
	for (size_t i = c->nfiles; i-- > 0;) {
		struct qfile *g = c->files[i];

		if (g->open && g->kind == SIM_FD_VFIO_DEVICE && g->name &&
		    strlen(g->name) == v[1].n &&
		    !memcmp(g->name, v[1].s, v[1].n)) {
			d = g;
			break;
		}
	}
	if (!d)
		return fail(c, "no open device file is '%.*s'", (int)v[1].n,
			    v[1].s);
	d->detached = true;
	return ioctl_rec(c, d, "VFIO_DEVICE_DETACH_IOMMUFD_PT", NULL, 0, true,
			 0, 0, NULL, 0, NULL);
}

static int dispatch(struct conv *c, const struct qval *v, int variant)
{
	switch (c->ev->ev) {
	case EV_CONNECT:
		return ev_connect(c, v, variant);
	case EV_DISCONNECT:
		return ev_disconnect(c, v);
	case EV_SET_FD:
		return ev_set_fd(c, v);
	case EV_ALLOC_IOAS:
		return ev_ioas_alloc(c, v, variant);
	case EV_FREE_ID:
		return ev_free_id(c, v);
	case EV_MAP:
		return ev_map(c, v);
	case EV_UNMAP_NONEXIST:
	case EV_UNMAP:
		return ev_unmap(c, v, c->ev->ev == EV_UNMAP_NONEXIST);
	case EV_ALLOC_HWPT:
		return ev_alloc_hwpt(c, v);
	case EV_SET_DIRTY:
		return ev_set_dirty(c, v);
	case EV_GET_DIRTY:
		return ev_get_dirty(c, v, variant);
	case EV_INVALIDATE:
		return ev_invalidate(c, v);
	case EV_CDEV_GETFD:
		return ev_cdev_getfd(c, v);
	case EV_CDEV_BIND:
		return ev_cdev_bind(c, v);
	case EV_CDEV_ATTACH:
		return ev_cdev_attach(c, v);
	case EV_CDEV_DETACH:
		return ev_cdev_detach(c, v);
	case EV_MAP_FILE:
	case EV_NOT_612:
	case EV_CDEV_INFO:
	case EV_NO_CALL:
		skip_note(c, c->ev->why);
		return 0;
	}
	return fail(c, "internal: unhandled event");
}

/* ------------------------------------------------------------- lines */

/* "PID@SECONDS.USECS:", the prefix of -msg timestamp=on */
static const char *skip_prefix(const char *s)
{
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return s;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '@' || !isdigit((unsigned char)*p))
		return s;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return s;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != ':')
		return s;
	return p;
}

static bool is_iommufd_event(const char *name, size_t n)
{
	return (n > 8 && !strncmp(name, "iommufd_", 8)) ||
	       (n == 20 && !strncmp(name, "iommu_backend_set_fd", 20));
}

static int convert_line(struct conv *c, char *line)
{
	size_t len = strlen(line), n;
	const char *s, *rest, *at = NULL;
	struct qval v[MAXV];
	int nv = -1, variant;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = 0;
	s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	s = skip_prefix(s);
	for (n = 0; s[n] && s[n] != ' ' && s[n] != '\t'; n++)
		;
	if (!is_iommufd_event(s, n)) {
		c->st->ignored++;
		if (strstr(s, "iommufd_backend_") || strstr(s, "iommufd_cdev_"))
			c->st->misplaced++;
		return 0;
	}
	c->st->events++;
	c->ev = NULL;
	for (size_t i = 0; i < NEVENTS; i++)
		if (strlen(events[i].name) == n &&
		    !strncmp(events[i].name, s, n))
			c->ev = &events[i];
	if (!c->ev) {
		struct qevent unknown = { .name = "" };
		char what[96];

		snprintf(what, sizeof(what), "%.*s", (int)(n < 80 ? n : 80), s);
		unknown.name = what;
		c->ev = &unknown;
		skip_note(c, "an event this converter does not know");
		c->ev = NULL;
		return 0;
	}
	rest = s + n;
	for (variant = 0; variant < 2 && c->ev->fmt[variant]; variant++) {
		const char *f = NULL;

		nv = fmt_match(c->ev->fmt[variant], rest, v, &f);
		if (nv >= 0)
			break;
		if (!at || f > at)
			at = f;
	}
	if (nv < 0) {
		while (*rest == ' ' || *rest == '\t')
			rest++;
		return fail(c, "malformed at column %td ('%.20s'): expected "
			       "\"%s\"%s%s%s",
			    at - line + 1, at, c->ev->fmt[0],
			    c->ev->fmt[1] ? " or \"" : "",
			    c->ev->fmt[1] ? c->ev->fmt[1] : "",
			    c->ev->fmt[1] ? "\"" : "");
	}
	return dispatch(c, v, variant);
}

/* ------------------------------------------------------------ output */

static int write_rec(FILE *out, const struct sim_record *r, const char *note)
{
	char *buf = NULL, *cmt;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	json_t *j;
	int rc = -1;

	if (!m)
		return -1;
	if (sim_write_record(m, r)) {
		fclose(m);
		free(buf);
		return -1;
	}
	if (fclose(m))
		return -1;
	/* the writer has no room for a comment: add it before the '}' */
	j = json_string(note);
	cmt = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	if (cmt && len >= 2 && buf[len - 2] == '}') {
		buf[len - 2] = 0;
		if (fprintf(out, "%s,\"comment\":%s}\n", buf, cmt) > 0)
			rc = 0;
	}
	free(cmt);
	free(buf);
	return rc;
}

static int build_machine(struct conv *c, const struct sim_qemu_opts *opts,
			 struct sim_machine *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < c->nfiles; i++) {
		struct qfile *d = c->files[i];
		struct sim_record *r = &c->recs[d->open_rec];
		char name[SIM_DEVNAME_MAX];

		if (d->kind != SIM_FD_VFIO_DEVICE)
			continue;
		if (d->name) {
			snprintf(name, sizeof(name), "%s", d->name);
		} else {
			/* never bound: the cdev's name stands in */
			const char *b = r->path ? strrchr(r->path, '/') : NULL;

			snprintf(name, sizeof(name), "%s",
				 b ? b + 1 : r->path ? r->path : "device");
		}
		if (sim_machine_dev(m, name) < 0) {
			struct sim_mach_dev *md;

			if (m->ndevs == SIM_MAX_DEVICES) {
				c->ev = NULL;
				c->line = 0;
				return fail(c, "more than %d devices",
					    SIM_MAX_DEVICES);
			}
			md = &m->devs[m->ndevs++];
			snprintf(md->name, sizeof(md->name), "%s", name);
		}
		r->device = strdup(name);
		if (!r->device)
			return oom(c);
	}
	if (m->ndevs) {
		m->present = true;
		m->niommus = 1;
		m->iommus[0].kind = opts->iommu;
	}
	return 0;
}

static void conv_free(struct conv *c)
{
	for (size_t i = 0; i < c->nrecs; i++) {
		sim_record_clear(&c->recs[i]);
		free(c->notes[i]);
	}
	free(c->recs);
	free(c->notes);
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i]->name);
		free(c->files[i]);
	}
	free(c->files);
}

int sim_qemu_convert(FILE *in, const char *name, FILE *out,
		     const struct sim_qemu_opts *opts,
		     struct sim_qemu_stats *stats, struct sim_err *err)
{
	struct conv c = { .name = name, .err = err, .st = stats,
			  .next_handle = 1 };
	struct sim_header hdr;
	char *line = NULL;
	size_t cap = 0;
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	memset(err, 0, sizeof(*err));
	while (getline(&line, &cap, in) >= 0) {
		c.line++;
		stats->lines++;
		if (convert_line(&c, line))
			goto out;
	}
	c.ev = NULL;
	if (ferror(in)) {
		c.line = 0;
		fail(&c, "read error: %s", strerror(errno));
		goto out;
	}

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = SIM_TRACE_VERSION;
	snprintf(hdr.kernel, sizeof(hdr.kernel), "6.12");
	snprintf(hdr.producer, sizeof(hdr.producer),
		 "iommufd-sim convert-qemu of %s (QEMU iommufd trace events; "
		 "results only where QEMU logs them)", name);
	if (build_machine(&c, opts, &hdr.machine))
		goto out;
	c.line = 0;
	if (sim_write_header(out, &hdr)) {
		fail(&c, "write error: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < c.nrecs; i++)
		if (write_rec(out, &c.recs[i], c.notes[i])) {
			fail(&c, "write error: %s", strerror(errno));
			goto out;
		}
	rc = 0;
out:
	free(line);
	conv_free(&c);
	return rc;
}

/* ---------------------------------------------------------- command */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iommufd-sim convert-qemu QEMU_LOG [-o TRACE] "
		"[--iommu=KIND]\n"
		"\n"
		"Turns the iommufd trace events of a QEMU log (-trace "
		"'iommufd*',\n"
		"log backend, with or without -msg timestamp=on) into an "
		"iommufd\n"
		"trace for 'iommufd-sim replay'. Only what QEMU logs is "
		"recorded;\n"
		"see docs/trace-format.md, \"Converting QEMU traces\".\n"
		"\n"
		"Options:\n"
		"  -o TRACE       write the trace to TRACE (default: standard "
		"output);\n"
		"                 it appears only once the whole log converted\n"
		"  --iommu=KIND   the IOMMU of the machine the devices sit "
		"behind:\n"
		"                 intel-vtd (default), amd or mock\n"
		"  -h, --help     show this help\n"
		"\n"
		"Exit status: 0 converted, 2 usage error or a malformed iommufd "
		"line\n"
		"(the message names the line).\n");
}

static void report(const char *log, const struct sim_qemu_stats *st)
{
	fprintf(stderr,
		"%s: %lu lines, %lu iommufd events -> %lu records; %lu lines "
		"are not iommufd events; %lu events skipped; %lu records "
		"without results\n",
		log, st->lines, st->events, st->records, st->ignored,
		st->skipped, st->uncompared);
	for (unsigned int i = 0; i < st->nskip; i++)
		fprintf(stderr, "  skipped %lu x %s\n", st->skip[i].count,
			st->skip[i].what);
	if (st->misplaced)
		fprintf(stderr,
			"warning: %lu ignored lines name an iommufd event after "
			"a prefix other than PID@SECONDS.USECS: (syslog?); "
			"strip it and convert again\n",
			st->misplaced);
}

int sim_cmd_convert_qemu(int argc, char **argv)
{
	const char *log = NULL, *outp = NULL;
	struct sim_qemu_opts opts = { .iommu = IOMMUFD_IOMMU_INTEL_VTD };
	struct sim_qemu_stats st;
	struct sim_err err;
	char *tmp = NULL;
	FILE *in, *out = stdout;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			outp = argv[++i];
		} else if (!strncmp(a, "--iommu=", 8)) {
			if (!strcmp(a + 8, "intel-vtd"))
				opts.iommu = IOMMUFD_IOMMU_INTEL_VTD;
			else if (!strcmp(a + 8, "amd"))
				opts.iommu = IOMMUFD_IOMMU_AMD;
			else if (!strcmp(a + 8, "mock"))
				opts.iommu = IOMMUFD_IOMMU_MOCK;
			else {
				fprintf(stderr, "iommufd-sim convert-qemu: "
						"unknown IOMMU '%s'\n", a + 8);
				return 2;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "iommufd-sim convert-qemu: unknown "
					"option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (!log) {
			log = a;
		} else {
			fprintf(stderr, "iommufd-sim convert-qemu: one log at a "
					"time ('%s' and '%s')\n", log, a);
			return 2;
		}
	}
	if (!log) {
		fprintf(stderr, "iommufd-sim convert-qemu: no QEMU log given\n");
		usage(stderr);
		return 2;
	}
	in = strcmp(log, "-") ? fopen(log, "r") : stdin;
	if (!in) {
		perror(log);
		return 2;
	}
	if (outp) {
		int fd;

		/* beside the target, so that rename() cannot cross devices */
		if (asprintf(&tmp, "%s.XXXXXX", outp) < 0) {
			tmp = NULL;
			rc = 2;
			goto done;
		}
		fd = mkstemp(tmp);
		if (fd >= 0) {
			/* mkstemp's 0600 is not what fopen() would have made */
			mode_t um = umask(0);

			umask(um);
			fchmod(fd, 0666 & ~um);
		}
		out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!out) {
			perror(outp);
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			rc = 2;
			goto done;
		}
	}
	rc = sim_qemu_convert(in, log, out, &opts, &st, &err) ? 2 : 0;
	if (rc)
		fprintf(stderr, "iommufd-sim convert-qemu: %s\n", err.msg);
	if (out != stdout) {
		if (fclose(out) && !rc) {
			perror(outp);
			rc = 2;
		}
		if (!rc && rename(tmp, outp)) {
			perror(outp);
			rc = 2;
		}
		if (rc)
			unlink(tmp);
	} else if (fflush(stdout) && !rc) {
		perror("stdout");
		rc = 2;
	}
	if (!rc)
		report(log, &st);
done:
	free(tmp);
	if (in != stdin)
		fclose(in);
	return rc;
}
