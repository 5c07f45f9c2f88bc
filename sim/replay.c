// SPDX-License-Identifier: MIT
/*
 * Trace replay (replay.h): validate the whole trace, then run it against
 * the model and compare.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <iommufd/mem.h>
#include <iommufd/model.h>
#include <iommufd/platform.h>
#include <iommufd/uapi.h>
#include <iommufd/uapi_vfio.h>

#include "replay.h"
#include "trace.h"
#include "vfio_cdev.h"

/* iommufd_mem_sim backs everything but the first page */
#define SIM_FIRST_VALID 4096u
/* --record: output buffers longer than this are left out of the trace */
#define RECORD_BUF_MAX (1u << 20)
/* the lowest fd number a fresh process hands out after stdio */
#define FIRST_FD 3
/*
 * Where fault_read / fault_write records without 'buf' put their bytes:
 * far from the stack, heap and mmap addresses traces use.
 */
#define FAULT_SCRATCH 0x100000000000ull
/* the groups a trace may name */
#define MAX_GROUPS 64

/* An open file; several handles share one after dup */
struct rfile {
	uint8_t kind; /* enum sim_fdkind */
	/* iommufd, vfio-container; fault: the context that owns the file */
	struct iommufd_ctx *ctx;
	struct sim_vfio_file vf; /* vfio-device */
	int dev; /* vfio-device: index into the machine's devices */
	struct replay *rp; /* vfio-device: for the bind's checks */
	bool gopen; /* vfio-device: counted in dev_gopens */
	int fault_fd; /* fault: the model's number for it */
	unsigned int refs;
};

struct rhandle {
	uint64_t handle;
	uint8_t kind;
	int num;  /* the number a fresh process would have had */
	int tnum; /* the trace's number (num when it gave none) */
	/* a file the trace never names (a fault queue without new_fd) */
	bool hidden;
	struct rfile *file; /* NULL for kinds replay does not run */
};

struct replay {
	const char *name;
	const struct sim_replay_opts *opts;
	struct sim_replay_result *res;

	struct iommufd_mem_sim *sim;
	struct iommufd_mem mem;
	struct iommufd_acct acct;
	struct iommufd_env env;

	struct iommufd_platform *platform; /* NULL without a machine */
	struct iommufd_dev *devs[SIM_MAX_DEVICES];
	uint32_t dev_group[SIM_MAX_DEVICES]; /* the machine's group numbers */
	/*
	 * Files VFIO_GROUP_GET_DEVICE_FD opened per device: the group path
	 * opens a device once and shares that among its files
	 */
	unsigned int dev_gopens[SIM_MAX_DEVICES];

	/*
	 * The VFIO groups the trace names. A group with a container holds
	 * the container's file, so closing the container's fd leaves the
	 * context alive.
	 */
	struct rgroup {
		uint32_t id;
		bool opened; /* between group_open and group_close */
		struct rfile *container;
	} groups[MAX_GROUPS];
	unsigned int ngroups;

	struct rhandle *h; /* open handles only */
	size_t nh, caph;

	bool rec_diverged; /* the current record diverged */
	bool rec_skipped;  /* the current record was not run (a driver's) */
};

__attribute__((format(printf, 2, 3))) static enum sim_replay_status
error(struct sim_replay_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	res->status = SIM_REPLAY_ERROR;
	return SIM_REPLAY_ERROR;
}

/* ------------------------------------------------------------ checks */

static bool placeable(uint64_t addr, size_t len)
{
	return !len || (addr >= SIM_FIRST_VALID && addr + len - 1 >= addr);
}

/*
 * What the reader cannot know: which records this replay can run, and
 * whether the memory they touch exists in the simulation. Checked for the
 * whole trace before anything runs.
 */
static int check_replayable(const char *name, const struct sim_record *rec,
			    struct sim_replay_result *res)
{
	const char *kind = sim_rec_kind_name(rec->kind);
	char label[48];

	switch (rec->kind) {
	case SIM_REC_PAGE_REQUEST:
	case SIM_REC_DMA:
		if (rec->dev < 0) {
			error(res, "%s:%u: %s by unknown device '%s': the "
				   "header declares no machine",
			      name, rec->line, kind, rec->device);
			return -1;
		}
		if (rec->kind == SIM_REC_DMA && rec->has_pasid) {
			error(res, "%s:%u: unsupported record kind 'dma' with "
				   "a pasid at line %u: the device model has "
				   "no PASID requests yet",
			      name, rec->line, rec->line);
			return -1;
		}
		return 0;
	case SIM_REC_FAULT_READ:
	case SIM_REC_FAULT_WRITE:
		if (!placeable(rec->has_buf ? rec->buf : FAULT_SCRATCH,
			       rec->count)) {
			error(res, "%s:%u: the buffer at 0x%" PRIx64 " is "
				   "outside the simulated memory",
			      name, rec->line, rec->buf);
			return -1;
		}
		return 0;
	case SIM_REC_OPEN:
		if (rec->fd.kind != SIM_FD_VFIO_DEVICE)
			return 0;
		if (!rec->device) {
			error(res, "%s:%u: open of a vfio-device without "
				   "'device': replay cannot tell which device",
			      name, rec->line);
			return -1;
		}
		if (rec->dev < 0) {
			error(res, "%s:%u: open of unknown device '%s': the "
				   "header declares no machine",
			      name, rec->line, rec->device);
			return -1;
		}
		return 0;
	case SIM_REC_IOCTL:
		/* a device file's driver requests are skipped (run_ioctl) */
		if (rec->fd.kind == SIM_FD_FAULT) {
			sim_record_label(rec, label, sizeof(label));
			error(res, "%s:%u: unsupported record kind 'ioctl' "
				   "(%s) on a %s file at line %u",
			      name, rec->line, label,
			      sim_fdkind_name(rec->fd.kind), rec->line);
			return -1;
		}
		break;
	default:
		return 0;
	}

	if (!placeable(rec->arg, rec->in.len) ||
	    !placeable(rec->arg, rec->out.len)) {
		error(res, "%s:%u: the struct at arg 0x%" PRIx64 " is outside "
			   "the simulated memory (the first page does not "
			   "exist, ranges may not wrap)",
		      name, rec->line, rec->arg);
		return -1;
	}
	for (unsigned int i = 0; i < rec->n_in_bufs + rec->n_out_bufs; i++) {
		const struct sim_tbuf *tb = i < rec->n_in_bufs ?
			&rec->in_bufs[i] : &rec->out_bufs[i - rec->n_in_bufs];

		if (!placeable(tb->addr, tb->img.len)) {
			error(res, "%s:%u: buffer '%s' at 0x%" PRIx64 " is "
				   "outside the simulated memory",
			      name, rec->line, tb->desc->ptr, tb->addr);
			return -1;
		}
	}
	return 0;
}

/*
 * What the checking pass may keep so that the running pass need not parse
 * the file again: about 130 bytes a map/unmap record, so a million-record
 * trace fits; a larger one is read twice.
 */
#define REPLAY_KEEP_MAX ((size_t)256 << 20)

/* *again: a reader of the records kept, when they all fit */
static enum sim_replay_status validate(FILE *f, const char *name,
				       struct sim_replay_result *res,
				       struct sim_header *hdr,
				       struct sim_reader **again)
{
	struct sim_reader *r = sim_reader_new(f, name);
	struct sim_record rec;
	struct sim_err err = { 0 };
	int rc;

	if (!r)
		return error(res, "%s: out of memory", name);
	sim_record_init(&rec);
	sim_reader_keep(r, REPLAY_KEEP_MAX);
	rc = sim_reader_header(r, hdr, &err);
	while (!rc && (rc = sim_reader_next(r, &rec, &err)) == 1)
		rc = check_replayable(name, &rec, res) ? 2 : 0;
	sim_record_clear(&rec);
	if (!rc)
		*again = sim_reader_kept(r, name);
	sim_reader_free(r);
	if (rc == 2)
		return SIM_REPLAY_ERROR;
	if (rc < 0)
		return error(res, "%s", err.msg);
	return SIM_REPLAY_AGREE;
}

/* ------------------------------------------------------- divergences */

static void diverge(struct replay *rp, const struct sim_record *rec,
		    const char *field, const char *expected, const char *got)
{
	struct sim_replay_result *res = rp->res;
	char label[48];

	sim_record_label(rec, label, sizeof(label));
	rp->rec_diverged = true;
	res->ndiv++;
	if (rp->opts->log)
		fprintf(rp->opts->log,
			"%s:%u: seq %" PRIu64 " %s: %s: expected %s, got %s\n",
			rp->name, rec->line, rec->seq, label, field, expected,
			got);
	if (res->nkept < SIM_REPLAY_KEEP) {
		struct sim_divergence *d;

		if (!res->divs) {
			res->divs = calloc(SIM_REPLAY_KEEP, sizeof(*res->divs));
			if (!res->divs)
				return;
		}
		d = &res->divs[res->nkept++];
		d->line = rec->line;
		d->seq = rec->seq;
		snprintf(d->record, sizeof(d->record), "%s", label);
		snprintf(d->field, sizeof(d->field), "%s", field);
		snprintf(d->expected, sizeof(d->expected), "%s", expected);
		snprintf(d->got, sizeof(d->got), "%s", got);
	}
}

static void fmt_result(char *buf, size_t len, int64_t ret, bool has_err,
		       int err)
{
	const char *n = has_err ? sim_errno_name(err) : NULL;

	if (ret != -1 || !has_err)
		snprintf(buf, len, "%" PRId64, ret);
	else if (n)
		snprintf(buf, len, "-1 (%s)", n);
	else
		snprintf(buf, len, "-1 (errno %d)", err);
}

static void fmt_errno(char *buf, size_t len, int err)
{
	const char *n = sim_errno_name(err);

	if (!err)
		snprintf(buf, len, "no error");
	else if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "errno %d", err);
}

/*
 * ret and errno. @sign_only: compare success/failure only (open and dup
 * return fd numbers, which the model does not have).
 */
static void compare_result(struct replay *rp, const struct sim_record *rec,
			   int64_t got_ret, int got_err, bool sign_only)
{
	char e[64], g[64];
	bool ret_ok = !rec->has_ret ||
		      (sign_only ? (rec->ret < 0) == (got_ret < 0) :
				   rec->ret == got_ret);

	if (!ret_ok) {
		fmt_result(e, sizeof(e), rec->ret, rec->has_errno, rec->err);
		fmt_result(g, sizeof(g), got_ret, got_err != 0, got_err);
		diverge(rp, rec, "ret", e, g);
		return;
	}
	if (rec->has_errno && rec->err != got_err) {
		fmt_errno(e, sizeof(e), rec->err);
		fmt_errno(g, sizeof(g), got_err);
		diverge(rp, rec, "errno", e, g);
	}
}

static void fmt_bytes(char *buf, size_t len, const uint8_t *d,
		      const struct sim_image *mask, size_t off, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0, i;

	/* two digits per byte, "..." when the buffer runs out */
	for (i = 0; i < n && o + 2 + 4 <= len; i++) {
		bool known = !mask || sim_image_known(mask, off + i);

		buf[o++] = known ? digits[d[i] >> 4] : '?';
		buf[o++] = known ? digits[d[i] & 15] : '?';
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
}

static void fmt_field(char *buf, size_t len, const struct sim_field *f,
		      const uint8_t *base)
{
	uint64_t v;

	if (f->type == SIM_FT_BYTES) {
		fmt_bytes(buf, len, base + f->offset, NULL, 0, f->size);
		return;
	}
	sim_field_get(f, base, (size_t)f->offset + f->size, &v);
	if (f->type == SIM_FT_SINT)
		snprintf(buf, len, "%" PRId64, (int64_t)v);
	else if (f->flags & SIM_FF_ADDR || v >= 0x10000)
		snprintf(buf, len, "0x%" PRIx64, v);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static bool images_agree(const struct sim_image *exp, const uint8_t *got)
{
	for (size_t i = 0; i < exp->len; i++)
		if (exp->known[i] && exp->data[i] != got[i])
			return false;
	return true;
}

/*
 * Compare the expectation @exp with the bytes @got: per named field of
 * @st where there is one (@stride > 0: an array of @st), per run of bytes
 * elsewhere.
 */
static void compare_image(struct replay *rp, const struct sim_record *rec,
			  const char *prefix, const struct sim_struct *st,
			  size_t stride, const struct sim_image *exp,
			  const uint8_t *got)
{
	uint8_t *done;
	size_t nelem = st ? (stride ? exp->len / stride : 1) : 0;
	char field[128], e[160], g[160];

	/* the common case, an agreeing result, costs one pass over the bytes */
	if (!exp->known ? !memcmp(exp->data, got, exp->len) :
			  images_agree(exp, got))
		return;
	done = calloc(exp->len + 1, 1);
	if (!done) {
		diverge(rp, rec, prefix, "(comparison)", "out of memory");
		return;
	}
	for (size_t el = 0; el < nelem; el++) {
		size_t base = el * stride;

		for (unsigned int i = 0; i < st->nfields; i++) {
			const struct sim_field *f = &st->fields[i];
			size_t off = base + f->offset;
			bool differs = false, all = true;

			if (off + f->size > exp->len)
				continue;
			for (uint32_t b = 0; b < f->size; b++) {
				bool k = sim_image_known(exp, off + b);

				all &= k;
				differs |= k && exp->data[off + b] != got[off + b];
			}
			if (!differs)
				continue;
			memset(done + off, 1, f->size);
			if (stride)
				snprintf(field, sizeof(field), "%s[%zu].%s",
					 prefix, el, f->name);
			else
				snprintf(field, sizeof(field), "%s.%s", prefix,
					 f->name);
			if (all) {
				fmt_field(e, sizeof(e), f, exp->data + base);
				fmt_field(g, sizeof(g), f, got + base);
			} else {
				fmt_bytes(e, sizeof(e), exp->data + off, exp,
					  off, f->size);
				fmt_bytes(g, sizeof(g), got + off, NULL, 0,
					  f->size);
			}
			diverge(rp, rec, field, e, g);
		}
	}
	for (size_t i = 0; i < exp->len;) {
		size_t j = i;

		while (j < exp->len && !done[j] && sim_image_known(exp, j) &&
		       exp->data[j] != got[j])
			j++;
		if (j == i) {
			i++;
			continue;
		}
		snprintf(field, sizeof(field), "%s[+%zu]", prefix, i);
		fmt_bytes(e, sizeof(e), exp->data + i, NULL, 0, j - i);
		fmt_bytes(g, sizeof(g), got + i, NULL, 0, j - i);
		diverge(rp, rec, field, e, g);
		i = j;
	}
	free(done);
}

/* ------------------------------------------------------------- files */

static struct rhandle *handle_get(struct replay *rp, uint64_t handle)
{
	for (size_t i = 0; i < rp->nh; i++)
		if (rp->h[i].handle == handle && !rp->h[i].hidden)
			return &rp->h[i];
	return NULL;
}

/* The open file the process knows as fd number @num */
static struct rhandle *handle_by_num(struct replay *rp, int num)
{
	for (size_t i = 0; i < rp->nh; i++)
		if (rp->h[i].tnum == num && !rp->h[i].hidden)
			return &rp->h[i];
	return NULL;
}

static struct rgroup *group_find(struct replay *rp, uint32_t id)
{
	for (unsigned int i = 0; i < rp->ngroups; i++)
		if (rp->groups[i].id == id)
			return &rp->groups[i];
	return NULL;
}

/* iommufd_ctx_from_fd(): /dev/iommu and /dev/vfio/vfio only */
static int replay_iommufd_get(void *priv, int fd, struct iommufd_ctx **ctx,
			      void **ref)
{
	struct rfile *file = priv;
	struct replay *rp = file->rp;
	uint32_t gid = rp->dev_group[file->dev];
	struct rgroup *g = gid ? group_find(rp, gid) : NULL;
	struct rhandle *h;

	/*
	 * vfio_device_block_group(): a group is used through its group file
	 * or through its devices' cdevs, never both at once
	 */
	if (g && g->opened)
		return -EBUSY;
	h = handle_by_num(rp, fd);
	if (!h)
		return -EBADF;
	if (!h->file || (h->file->kind != SIM_FD_IOMMUFD &&
			 h->file->kind != SIM_FD_VFIO_CONTAINER))
		return -EBADFD;
	*ctx = h->file->ctx;
	/* a context closed while bound lives on in the model until unbind */
	*ref = NULL;
	return 0;
}

static const struct sim_vfio_ops replay_vfio_ops = {
	.get = replay_iommufd_get,
};

static int lowest_free_fd(const struct replay *rp)
{
	for (int fd = FIRST_FD;; fd++) {
		size_t i;

		for (i = 0; i < rp->nh && rp->h[i].num != fd; i++)
			;
		if (i == rp->nh)
			return fd;
	}
}

static struct rhandle *handle_add(struct replay *rp, const struct sim_fdref *fd,
				  struct rfile *file)
{
	struct rhandle *h;

	if (rp->nh == rp->caph) {
		size_t ncap = rp->caph ? 2 * rp->caph : 16;
		struct rhandle *n = realloc(rp->h, ncap * sizeof(*n));

		if (!n)
			return NULL;
		rp->h = n;
		rp->caph = ncap;
	}
	h = &rp->h[rp->nh++];
	h->handle = fd->handle;
	h->kind = fd->kind;
	h->num = lowest_free_fd(rp);
	h->tnum = fd->has_num ? (int)fd->num : h->num;
	h->hidden = false;
	h->file = file;
	if (file)
		file->refs++;
	return h;
}

static void file_put(struct replay *rp, struct rfile *file)
{
	if (!file || --file->refs)
		return;
	switch (file->kind) {
	case SIM_FD_VFIO_DEVICE:
		/* the group path's last file of the device closes its open */
		if (file->gopen && !--rp->dev_gopens[file->dev])
			iommufd_dev_unbind(rp->devs[file->dev]);
		sim_vfio_release(&file->vf);
		break;
	case SIM_FD_FAULT:
		iommufd_fault_fd_close(file->ctx, file->fault_fd);
		break;
	default:
		iommufd_ctx_close(file->ctx);
		break;
	}
	free(file);
}

static void handle_del(struct replay *rp, struct rhandle *h)
{
	file_put(rp, h->file);
	*h = rp->h[--rp->nh];
}

/* ------------------------------------------------------------ memory */

static int mem_write(struct replay *rp, uint64_t addr,
		     const struct sim_image *img)
{
	if (!img->present || !img->len)
		return 0;
	return rp->mem.ops->write(rp->mem.priv, addr, img->data, img->len);
}

/* @len bytes at @addr into a new buffer, or NULL */
static uint8_t *mem_read(struct replay *rp, uint64_t addr, size_t len)
{
	uint8_t *b = malloc(len + 1);

	if (b && len && rp->mem.ops->read(rp->mem.priv, b, addr, len)) {
		free(b);
		return NULL;
	}
	return b;
}

/* ----------------------------------------------------------- records */

static void set_result(struct sim_record *rec, int64_t ret, int err)
{
	rec->has_ret = true;
	rec->ret = ret;
	rec->has_errno = err != 0;
	rec->err = err;
}

/* The model's ret and errno against the trace's, then into the record */
static void settle_result(struct replay *rp, struct sim_record *rec,
			  int64_t ret, int err, bool sign_only)
{
	compare_result(rp, rec, ret, err, sign_only);
	set_result(rec, ret, err);
}

static bool has_results(const struct sim_record *rec)
{
	return rec->has_ret || rec->has_errno || rec->out.present ||
	       rec->n_out_bufs || rec->dma_status || rec->pr.status ||
	       rec->has_fault ||
	       (rec->kind == SIM_REC_DMA && !rec->write &&
		rec->data.present) ||
	       (rec->kind == SIM_REC_FAULT_READ && rec->data.present);
}

/*
 * VFIO_GROUP_GET_DEVICE_FD with a container served by iommufd
 * (vfio_df_group_open(), vfio_iommufd_compat_attach_ioas()): the first
 * file of a device binds it to the group's context and attaches it to the
 * compat IOAS, later ones share that. 0 or a positive errno.
 */
static int group_device_open(struct replay *rp, const struct sim_record *rec,
			     struct rfile *file)
{
	struct iommufd_dev *dev = rp->devs[rec->dev];
	struct rgroup *g = group_find(rp, rec->group);
	struct iommufd_ctx *ctx;
	uint32_t dev_id, ioas_id;
	int rc;

	/* the name is looked up among the group's devices only */
	if (rp->dev_group[rec->dev] != rec->group)
		return ENODEV;
	if (!g || !g->container)
		return EINVAL;
	ctx = g->container->ctx;
	if (!rp->dev_gopens[rec->dev]) {
		rc = iommufd_dev_bind(ctx, dev, &dev_id);
		if (rc)
			return -rc;
		/* the legacy API cannot name a page table: the compat IOAS */
		rc = iommufd_vfio_compat_ioas_get_id(ctx, &ioas_id);
		if (!rc)
			rc = iommufd_dev_attach(dev, &ioas_id);
		if (rc) {
			iommufd_dev_unbind(dev);
			return -rc;
		}
	}
	rp->dev_gopens[rec->dev]++;
	file->gopen = true;
	sim_vfio_group_file_init(&file->vf, dev, NULL);
	return 0;
}

static int run_open(struct replay *rp, struct sim_record *rec)
{
	struct rfile *file = calloc(1, sizeof(*file));
	struct rhandle *h;
	int err = 0;

	if (file) {
		file->kind = rec->fd.kind;
		file->dev = rec->dev;
		file->rp = rp;
		if (file->kind == SIM_FD_VFIO_DEVICE && rec->has_group)
			err = group_device_open(rp, rec, file);
		else if (file->kind == SIM_FD_VFIO_DEVICE)
			sim_vfio_file_init(&file->vf, rp->devs[rec->dev],
					   &replay_vfio_ops, file);
	}
	/* a device cdev's open allocates nothing that can fail here */
	if (file && rec->fd.kind != SIM_FD_VFIO_DEVICE)
		file->ctx = iommufd_ctx_open(
			&rp->env, rec->fd.kind == SIM_FD_VFIO_CONTAINER ?
					  IOMMUFD_OPEN_VFIO_CONTAINER :
					  0);
	if (err && rec->has_ret && rec->ret >= 0) {
		/*
		 * Diverged: the trace goes on using the file, so it gets one
		 * that refuses every request (a group file never bound)
		 */
		sim_vfio_group_file_init(&file->vf, rp->devs[rec->dev], NULL);
		file->vf.bound = false;
		settle_result(rp, rec, -1, err, true);
		if (!handle_add(rp, &rec->fd, file)) {
			free(file);
			return -1;
		}
		return 0;
	}
	if (err) {
		free(file);
		file = NULL;
	} else if (!file ||
		   (rec->fd.kind != SIM_FD_VFIO_DEVICE && !file->ctx)) {
		free(file);
		file = NULL;
		err = ENOMEM;
	}
	compare_result(rp, rec, err ? -1 : FIRST_FD, err, true);
	if (err) {
		set_result(rec, -1, err);
		return 0;
	}
	h = handle_add(rp, &rec->fd, file);
	if (!h) {
		file_put(rp, file);
		return -1;
	}
	if (!rec->fd.has_num) {
		rec->fd.has_num = true;
		rec->fd.num = h->num;
	}
	set_result(rec, h->num, 0);
	return 0;
}

static int run_dup(struct replay *rp, struct sim_record *rec)
{
	struct rhandle *old = handle_get(rp, rec->fd.handle), *h;

	compare_result(rp, rec, FIRST_FD, 0, true);
	h = handle_add(rp, &rec->new_fd, old ? old->file : NULL);
	if (!h)
		return -1;
	if (!rec->new_fd.has_num) {
		rec->new_fd.has_num = true;
		rec->new_fd.num = h->num;
	}
	set_result(rec, h->num, 0);
	return 0;
}

static int run_close(struct replay *rp, struct sim_record *rec)
{
	struct rhandle *h = handle_get(rp, rec->fd.handle);

	if (h)
		handle_del(rp, h);
	settle_result(rp, rec, 0, 0, false);
	return 0;
}

/* The output buffers to record when the trace had none */
static int collect_out_bufs(struct replay *rp, struct sim_record *rec)
{
	const struct sim_struct *st = rec->ioc->st;

	for (unsigned int i = 0; i < st->nbufs; i++) {
		const struct sim_buf *b = &st->bufs[i];
		struct sim_tbuf *tb;
		uint64_t addr, len;

		if (!(b->dir & SIM_BUF_OUT) ||
		    !sim_buf_locate(st, b, rec->in.data, rec->in.len, &addr,
				    &len) ||
		    len > RECORD_BUF_MAX || !placeable(addr, len) ||
		    rec->n_out_bufs == SIM_MAX_BUFS)
			continue;
		tb = &rec->out_bufs[rec->n_out_bufs];
		tb->img.data = mem_read(rp, addr, len);
		if (!tb->img.data)
			return -1;
		tb->desc = b;
		tb->addr = addr;
		tb->img.len = len;
		tb->img.present = true;
		rec->n_out_bufs++;
	}
	return 0;
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/*
 * The file IOMMU_FAULT_QUEUE_ALLOC opened: named by the record's new_fd,
 * or kept hidden so that the end of the replay still closes it.
 */
static int add_fault_file(struct replay *rp, struct sim_record *rec,
			  struct iommufd_ctx *ctx)
{
	struct sim_fdref anon = { .kind = SIM_FD_FAULT };
	struct rfile *file = calloc(1, sizeof(*file));
	struct rhandle *h;
	uint8_t b[4];

	if (!file || rp->mem.ops->read(rp->mem.priv, b, rec->arg + 12, 4)) {
		free(file);
		return -1;
	}
	file->kind = SIM_FD_FAULT;
	file->ctx = ctx;
	file->fault_fd = (int)le32(b);
	h = handle_add(rp, rec->has_new_fd ? &rec->new_fd : &anon, file);
	if (!h) {
		iommufd_fault_fd_close(ctx, file->fault_fd);
		free(file);
		return -1;
	}
	h->hidden = !rec->has_new_fd;
	if (rec->has_new_fd && !rec->new_fd.has_num) {
		rec->new_fd.has_num = true;
		rec->new_fd.num = file->fault_fd;
		h->tnum = file->fault_fd;
	}
	return 0;
}

static int run_ioctl(struct replay *rp, struct sim_record *rec)
{
	struct rhandle *h = handle_get(rp, rec->fd.handle);
	const struct sim_struct *st = rec->ioc ? rec->ioc->st : NULL;
	size_t out_len = rec->out.present ? rec->out.len : rec->in.len;
	uint8_t *got = NULL;
	long rc;
	int err;

	if (!h || !h->file)
		return -1; /* validation lets neither through */
	/*
	 * A device file's driver requests (GET_INFO, regions, IRQs, reset)
	 * touch nothing of iommufd's and describe a real device the
	 * simulated one is not: not run, not compared, written back by
	 * --record without results.
	 */
	if (h->file->kind == SIM_FD_VFIO_DEVICE &&
	    !sim_vfio_iommufd_request(rec->cmd)) {
		sim_record_clear_results(rec);
		rp->rec_skipped = true;
		return 0;
	}
	if (mem_write(rp, rec->arg, &rec->in))
		return -1;
	for (unsigned int i = 0; i < rec->n_in_bufs; i++)
		if (mem_write(rp, rec->in_bufs[i].addr, &rec->in_bufs[i].img))
			return -1;

	if (h->file->kind == SIM_FD_VFIO_DEVICE)
		rc = sim_vfio_ioctl(&h->file->vf, &rp->mem, rec->cmd,
				    rec->has_arg ? rec->arg : 0);
	else
		rc = iommufd_ctx_ioctl(h->file->ctx, rec->cmd,
				       rec->has_arg ? rec->arg : 0);
	rp->res->ioctls++;
	err = rc < 0 ? (int)-rc : 0;
	compare_result(rp, rec, rc < 0 ? -1 : rc, err, false);

	/* a struct without an expectation is read back only for --record */
	if (rec->out.present || (rec->in.present && rp->opts->record)) {
		got = mem_read(rp, rec->arg, out_len);
		if (!got)
			return -1;
	}
	if (rec->out.present)
		compare_image(rp, rec, "out", st, 0, &rec->out, got);
	for (unsigned int i = 0; i < rec->n_out_bufs; i++) {
		struct sim_tbuf *tb = &rec->out_bufs[i];
		const struct sim_image *sel =
			rec->out.present ? &rec->out : &rec->in;
		const struct sim_struct *es = sim_buf_elem(
			st, tb->desc, rec->in.data, rec->in.len, sel->data,
			sel->len);
		uint8_t *b = mem_read(rp, tb->addr, tb->img.len);
		char prefix[96];

		if (!b) {
			free(got);
			return -1;
		}
		if (es && tb->img.len % es->size)
			es = NULL;
		snprintf(prefix, sizeof(prefix), "out_buffers.%s",
			 tb->desc->ptr);
		compare_image(rp, rec, prefix, es, es ? es->size : 0, &tb->img,
			      b);
		/* what --record writes is what the model left there */
		memcpy(tb->img.data, b, tb->img.len);
		free(tb->img.known);
		tb->img.known = NULL;
		free(b);
	}

	/*
	 * The record becomes the model's: its results replace the trace's.
	 * ret and errno are set below and the out_buffers hold the model's
	 * bytes already, so only out is left; got is there whenever the
	 * trace had one.
	 */
	if (rp->opts->record) {
		if (got) {
			free(rec->out.data);
			free(rec->out.known);
			rec->out = (struct sim_image){ .present = true,
						       .len = out_len,
						       .data = got };
			got = NULL;
		}
		if (!rec->n_out_bufs && st && rec->in.present &&
		    collect_out_bufs(rp, rec))
			return -1;
	}
	set_result(rec, rc < 0 ? -1 : rc, err);
	free(got);
	if (rec->cmd == IOMMU_FAULT_QUEUE_ALLOC && !rc)
		return add_fault_file(rp, rec, h->file->ctx);
	return 0;
}

static void apply_env(struct iommufd_env *env, const struct sim_env *e)
{
	if (e->has_caps)
		env->caps = e->caps;
	if (e->has_rlimit)
		env->rlimit_memlock = e->rlimit_memlock;
}

static enum sim_dma_status dma_status_of(int rc)
{
	if (!rc)
		return SIM_DMA_OK;
	/* not attached: the group sits in VFIO's blocking domain */
	return rc == -ENODEV ? SIM_DMA_BLOCKED : SIM_DMA_FAULT;
}

/* What the model did with a page request, as a record says it */
static struct sim_pr pr_of(const struct iommufd_page_request *req, int st,
			   uint32_t code)
{
	struct sim_pr pr = {
		.has_pasid = req->pasid_valid,
		.pasid = req->pasid,
		.has_addr = true,
		.addr = req->addr,
		.has_perm = true,
		.perm = (uint8_t)req->perm,
		.has_grpid = true,
		.grpid = req->grpid,
		.has_last = true,
		.last = req->last,
	};

	switch (st) {
	case IOMMUFD_PAGE_REQUEST_QUEUED:
		pr.status = SIM_PR_QUEUED;
		break;
	case IOMMUFD_PAGE_REQUEST_RESPONDED:
		pr.status = SIM_PR_RESPONDED;
		pr.has_code = true;
		pr.code = (uint8_t)code;
		break;
	default:
		pr.status = SIM_PR_DROPPED;
		break;
	}
	return pr;
}

static const char *pr_code_str(unsigned int code, char *buf, size_t len)
{
	const char *n = sim_pr_code_name(code);

	if (n)
		return n;
	snprintf(buf, len, "%u", code);
	return buf;
}

/*
 * The recorded page request @exp against the model's @got, member by
 * member where recorded; @prefix names the place ("" or "fault.").
 */
static void compare_pr(struct replay *rp, const struct sim_record *rec,
		       const char *prefix, const struct sim_pr *exp,
		       const struct sim_pr *got)
{
	char field[32], e[64], g[64];

#define PR_FIELD(m) (snprintf(field, sizeof(field), "%s%s", prefix, m), field)
	if (exp->has_pasid && (!got->has_pasid || got->pasid != exp->pasid)) {
		snprintf(e, sizeof(e), "%" PRIu32, exp->pasid);
		if (got->has_pasid)
			snprintf(g, sizeof(g), "%" PRIu32, got->pasid);
		else
			snprintf(g, sizeof(g), "null");
		diverge(rp, rec, PR_FIELD("pasid"), e, g);
	}
	if (exp->has_addr && exp->addr != got->addr) {
		snprintf(e, sizeof(e), "0x%" PRIx64, exp->addr);
		snprintf(g, sizeof(g), "0x%" PRIx64, got->addr);
		diverge(rp, rec, PR_FIELD("addr"), e, g);
	}
	if (exp->has_perm && exp->perm != got->perm) {
		sim_pr_perm_str(exp->perm, e, sizeof(e));
		sim_pr_perm_str(got->perm, g, sizeof(g));
		diverge(rp, rec, PR_FIELD("perm"), e[0] ? e : "[]",
			g[0] ? g : "[]");
	}
	if (exp->has_grpid && exp->grpid != got->grpid) {
		snprintf(e, sizeof(e), "%" PRIu32, exp->grpid);
		snprintf(g, sizeof(g), "%" PRIu32, got->grpid);
		diverge(rp, rec, PR_FIELD("grpid"), e, g);
	}
	if (exp->has_last && exp->last != got->last)
		diverge(rp, rec, PR_FIELD("last"), exp->last ? "true" : "false",
			got->last ? "true" : "false");
	if (exp->status && exp->status != got->status)
		diverge(rp, rec, PR_FIELD("status"),
			sim_pr_status_name(exp->status),
			sim_pr_status_name(got->status));
	else if (exp->has_code && got->has_code && exp->code != got->code)
		diverge(rp, rec, PR_FIELD("code"),
			pr_code_str(exp->code, e, sizeof(e)),
			pr_code_str(got->code, g, sizeof(g)));
#undef PR_FIELD
}

static int run_page_request(struct replay *rp, struct sim_record *rec)
{
	struct iommufd_page_request req = {
		.pasid_valid = rec->pr.has_pasid,
		.pasid = rec->pr.pasid,
		.addr = rec->pr.addr,
		.perm = rec->pr.perm,
		.grpid = rec->pr.grpid,
		.last = rec->pr.last,
	};
	uint32_t code = 0;
	struct sim_pr got;
	int st;

	st = iommufd_dev_page_request(rp->devs[rec->dev], &req, &code);
	/* the reader admits only the perm bits the call takes */
	if (st < 0)
		return -1;
	got = pr_of(&req, st, code);
	compare_pr(rp, rec, "", &rec->pr, &got);
	rec->pr.status = got.status;
	rec->pr.has_code = got.has_code;
	rec->pr.code = got.code;
	return 0;
}

static int run_dma(struct replay *rp, struct sim_record *rec)
{
	uint8_t *buf = calloc(rec->length + 1, 1);
	struct iommufd_dma_fault df;
	enum sim_dma_status st;
	struct sim_pr got = { 0 };

	if (!buf)
		return -1;
	if (rec->write)
		memcpy(buf, rec->data.data, rec->length);
	st = dma_status_of(iommufd_dev_dma_fault(rp->devs[rec->dev], rec->iova,
						 buf, rec->length, rec->write,
						 &df));
	if (df.raised)
		got = pr_of(&df.req, (int)df.status, df.code);
	if (rec->dma_status && rec->dma_status != st)
		diverge(rp, rec, "status", sim_dma_status_name(rec->dma_status),
			sim_dma_status_name(st));
	/* the bytes of a read that faulted part way are not defined */
	else if (!rec->write && rec->data.present && st == SIM_DMA_OK)
		compare_image(rp, rec, "hex", NULL, 0, &rec->data, buf);
	else if (rec->has_fault && !df.raised)
		diverge(rp, rec, "fault", "a page request",
			"none (only mock devices issue page requests)");
	else if (rec->has_fault)
		compare_pr(rp, rec, "fault.", &rec->pr, &got);
	if (rp->opts->record) {
		sim_record_clear_results(rec);
		if (!rec->write && st == SIM_DMA_OK) {
			rec->data.present = true;
			rec->data.data = buf;
			rec->data.len = rec->length;
			buf = NULL;
		}
		if (df.raised) {
			rec->has_fault = true;
			rec->pr = got;
		}
	}
	rec->dma_status = (uint8_t)st;
	free(buf);
	return 0;
}

/* The @n bytes a fault file read returned at @buf, against the trace's */
static int check_fault_read(struct replay *rp, struct sim_record *rec,
			    uint64_t buf, size_t n)
{
	const struct sim_struct *es = sim_struct_by_name("iommu_hwpt_pgfault");
	uint8_t *got = mem_read(rp, buf, n);

	if (!got)
		return -1;
	if (rec->data.present && rec->data.len > n) {
		char e[32], g[32];

		snprintf(e, sizeof(e), "%zu bytes", rec->data.len);
		snprintf(g, sizeof(g), "%zu bytes", n);
		diverge(rp, rec, "hex", e, g);
	} else if (rec->data.present) {
		bool whole = es && rec->data.len % es->size == 0;

		compare_image(rp, rec, whole ? "faults" : "hex",
			      whole ? es : NULL, whole ? es->size : 0,
			      &rec->data, got);
	}
	if (rp->opts->record) {
		sim_record_clear_results(rec);
		rec->data.present = true;
		rec->data.data = got;
		rec->data.len = n;
		got = NULL;
	}
	free(got);
	return 0;
}

static int run_fault_rw(struct replay *rp, struct sim_record *rec)
{
	struct rhandle *h = handle_get(rp, rec->fd.handle);
	bool rd = rec->kind == SIM_REC_FAULT_READ;
	uint64_t buf = rec->has_buf ? rec->buf : FAULT_SCRATCH;
	long rc;
	int err;

	if (!h || !h->file)
		return -1;
	if (!rd && mem_write(rp, buf, &rec->data))
		return -1;
	rc = rd ? iommufd_fault_fd_read(h->file->ctx, h->file->fault_fd, buf,
					rec->count) :
		  iommufd_fault_fd_write(h->file->ctx, h->file->fault_fd, buf,
					 rec->count);
	err = rc < 0 ? (int)-rc : 0;
	compare_result(rp, rec, rc < 0 ? -1 : rc, err, false);
	/* what a read returned matters only to a comparison or to --record */
	if (rd && (rec->data.present || rp->opts->record) &&
	    check_fault_read(rp, rec, buf, rc > 0 ? (size_t)rc : 0))
		return -1;
	set_result(rec, rc < 0 ? -1 : rc, err);
	return 0;
}

/* The record's group, added on first use; NULL with the error set */
static struct rgroup *group_get(struct replay *rp, const struct sim_record *rec)
{
	struct rgroup *g = group_find(rp, rec->group);

	if (g)
		return g;
	if (rp->ngroups == MAX_GROUPS) {
		error(rp->res, "%s:%u: more than %d VFIO groups", rp->name,
		      rec->line, MAX_GROUPS);
		return NULL;
	}
	g = &rp->groups[rp->ngroups++];
	*g = (struct rgroup){ .id = rec->group };
	return g;
}

static bool machine_has_group(const struct replay *rp, uint32_t id)
{
	for (unsigned int i = 0; rp->platform && i < SIM_MAX_DEVICES; i++)
		if (rp->devs[i] && rp->dev_group[i] == id)
			return true;
	return false;
}

/*
 * vfio_group_fops_open(): one file per group, and none while a device of
 * the group is bound through its cdev (cdev_device_open_cnt; a device the
 * group path opened does not count)
 */
static int run_group_open(struct replay *rp, struct sim_record *rec)
{
	struct rgroup *g;
	int err = 0;

	if (!machine_has_group(rp, rec->group)) {
		err = ENOENT;
	} else {
		g = group_get(rp, rec);
		if (!g)
			return -1;
		if (g->opened)
			err = EBUSY;
		for (int i = 0; !err && i < SIM_MAX_DEVICES; i++)
			if (rp->devs[i] && rp->dev_group[i] == rec->group &&
			    !rp->dev_gopens[i] && iommufd_dev_id(rp->devs[i]))
				err = EBUSY;
		if (!err)
			g->opened = true;
	}
	settle_result(rp, rec, err ? -1 : FIRST_FD, err, true);
	return 0;
}

/* vfio_group_fops_release(): the last close lets go of the container */
static int run_group_close(struct replay *rp, struct sim_record *rec)
{
	struct rgroup *g = group_find(rp, rec->group);

	if (g) {
		g->opened = false;
		file_put(rp, g->container);
		g->container = NULL;
	}
	settle_result(rp, rec, 0, 0, false);
	return 0;
}

/*
 * VFIO_GROUP_SET_CONTAINER of a group on a container served by iommufd
 * (drivers/vfio/group.c): the part iommufd sees.
 */
static int run_group(struct replay *rp, struct sim_record *rec)
{
	struct rhandle *h = handle_get(rp, rec->fd.handle);
	struct rgroup *g = NULL;
	int rc;

	if (!h || !h->file)
		return -1;
	/*
	 * A numbered group is followed: a second container is EINVAL, and
	 * GET_DEVICE_FD finds its context. One without a number (a trace
	 * written by hand) only makes the compat IOAS.
	 */
	if (rec->has_group) {
		g = group_get(rp, rec);
		if (!g)
			return -1;
	}
	if (g && g->container)
		rc = -EINVAL;
	else if (rec->noiommu)
		rc = iommufd_vfio_compat_set_no_iommu(h->file->ctx);
	else
		rc = iommufd_vfio_compat_ioas_create(h->file->ctx);
	if (!rc && g) {
		g->container = h->file;
		h->file->refs++;
	}
	settle_result(rp, rec, rc < 0 ? -1 : 0, rc < 0 ? -rc : 0, false);
	return 0;
}

/*
 * VFIO_GROUP_UNSET_CONTAINER: the group lets go of the context; device
 * files it opened keep their binds (iommufd has no container_users)
 */
static int run_group_unset(struct replay *rp, struct sim_record *rec)
{
	struct rgroup *g = group_find(rp, rec->group);
	int err = 0;

	if (g && g->container) {
		file_put(rp, g->container);
		g->container = NULL;
	} else {
		err = EINVAL;
	}
	settle_result(rp, rec, err ? -1 : 0, err, false);
	return 0;
}

static int run_record(struct replay *rp, struct sim_record *rec)
{
	switch (rec->kind) {
	case SIM_REC_OPEN:
		return run_open(rp, rec);
	case SIM_REC_CLOSE:
		return run_close(rp, rec);
	case SIM_REC_DUP:
		return run_dup(rp, rec);
	case SIM_REC_ENV:
		apply_env(&rp->env, &rec->env);
		return 0;
	case SIM_REC_IOCTL:
		return run_ioctl(rp, rec);
	case SIM_REC_DMA:
		return run_dma(rp, rec);
	case SIM_REC_PAGE_REQUEST:
		return run_page_request(rp, rec);
	case SIM_REC_FAULT_READ:
	case SIM_REC_FAULT_WRITE:
		return run_fault_rw(rp, rec);
	case SIM_REC_GROUP_SET_CONTAINER:
		return run_group(rp, rec);
	case SIM_REC_GROUP_UNSET_CONTAINER:
		return run_group_unset(rp, rec);
	case SIM_REC_GROUP_OPEN:
		return run_group_open(rp, rec);
	case SIM_REC_GROUP_CLOSE:
		return run_group_close(rp, rec);
	default:
		return -1; /* validation lets none through */
	}
}

/* opts->observe: every open context once, in handle order */
static int observe(struct replay *rp, const struct sim_record *rec)
{
	struct sim_replay_ctx *ctxs = calloc(rp->nh + 1, sizeof(*ctxs));
	size_t n = 0;

	if (!ctxs)
		return -1;
	for (size_t i = 0; i < rp->nh; i++) {
		const struct rhandle *h = &rp->h[i];
		size_t j;

		if (!h->file || !h->file->ctx ||
		    (h->kind != SIM_FD_IOMMUFD &&
		     h->kind != SIM_FD_VFIO_CONTAINER))
			continue;
		for (j = 0; j < n && ctxs[j].ctx != h->file->ctx; j++)
			;
		if (j == n)
			ctxs[n++] = (struct sim_replay_ctx){ h->handle,
							     h->file->ctx };
	}
	rp->opts->observe(rp->opts->observe_priv, rec, ctxs, n);
	free(ctxs);
	return 0;
}

/* @again: validate's kept records, taken over (else @f is read again) */
static enum sim_replay_status execute(struct replay *rp, FILE *f,
				      const struct sim_header *hdr,
				      struct sim_reader **again)
{
	struct sim_replay_result *res = rp->res;
	struct sim_reader *r = *again ? *again : sim_reader_new(f, rp->name);
	struct sim_header h2;
	struct sim_record rec;
	struct sim_err err = { 0 };
	int rc;

	*again = NULL;
	if (!r)
		return error(res, "%s: out of memory", rp->name);
	sim_record_init(&rec);
	if (rp->opts->record) {
		struct sim_header out = *hdr;

		snprintf(out.kernel, sizeof(out.kernel), "%s",
			 iommufd_kernel_name(rp->env.kernel));
		snprintf(out.producer, sizeof(out.producer),
			 "iommufd-sim %s replay", IOMMUFD_MODEL_VERSION);
		if (sim_write_header(rp->opts->record, &out)) {
			error(res, "--record: write failed: %s",
			      strerror(errno));
			goto out;
		}
	}
	rc = sim_reader_header(r, &h2, &err);
	while (!rc && (rc = sim_reader_next(r, &rec, &err)) == 1) {
		bool checked = has_results(&rec);

		rp->rec_diverged = false;
		rp->rec_skipped = false;
		if (run_record(rp, &rec)) {
			error(res, "%s:%u: replay failed: out of memory or "
				   "simulated memory refused an access",
			      rp->name, rec.line);
			goto out;
		}
		res->records++;
		if (rp->opts->observe && observe(rp, &rec)) {
			error(res, "%s: out of memory", rp->name);
			goto out;
		}
		if (checked && !rp->rec_skipped)
			res->compared++;
		else
			res->unchecked++;
		if (rp->opts->record && sim_write_record(rp->opts->record, &rec)) {
			error(res, "--record: write failed: %s",
			      strerror(errno));
			goto out;
		}
		if (rp->rec_diverged && rp->opts->stop_at_first) {
			res->stopped = true;
			rc = 0;
			break;
		}
		rc = 0;
	}
	if (rc < 0)
		error(res, "%s", err.msg);
	else
		res->status = res->ndiv ? SIM_REPLAY_DIVERGED : SIM_REPLAY_AGREE;
out:
	sim_record_clear(&rec);
	sim_reader_free(r);
	return res->status;
}

/* The header's machine as an iommufd_platform; nothing runs on it yet */
static enum sim_replay_status build_platform(struct replay *rp,
					     const struct sim_machine *m)
{
	char why[256];

	if (sim_machine_platform(m, &rp->platform, rp->devs, why, sizeof(why)))
		return error(rp->res, "%s:1: %s", rp->name, why);
	rp->env.platform = rp->platform;
	rp->env.config = m->config;
	for (unsigned int i = 0; i < m->ndevs; i++)
		rp->dev_group[i] = m->devs[i].group;
	return SIM_REPLAY_AGREE;
}

/*
 * --kernel, else the newest modelled release at or below the header's
 * "kernel": a 6.7 trace runs on 6.6, a 6.10 one on 6.8, a 6.15 one on
 * 6.12. Every choice but an exact one is a note, so that a divergence
 * the gap explains is not taken for a model bug.
 */
static unsigned int pick_kernel(const char *path, const struct sim_header *hdr,
				const struct sim_replay_opts *opts)
{
	unsigned int kernel;
	bool exact;

	if (opts->kernel) {
		/* quiet when the header names that very release */
		if (opts->log &&
		    (iommufd_kernel_for_release(hdr->kernel, &kernel, &exact) ||
		     kernel != opts->kernel || !exact))
			fprintf(opts->log,
				"%s: note: recorded on kernel %s, replayed as "
				"%s (--kernel)\n",
				path, hdr->kernel,
				iommufd_kernel_name(opts->kernel));
		return opts->kernel;
	}
	if (iommufd_kernel_for_release(hdr->kernel, &kernel, &exact)) {
		if (opts->log)
			fprintf(opts->log,
				"%s: note: kernel '%s' is not a release number; "
				"replayed as 6.12\n",
				path, hdr->kernel);
		return IOMMUFD_KERNEL_6_12;
	}
	if (!exact && opts->log)
		fprintf(opts->log,
			"%s: note: recorded on kernel %s, replayed as %s, the "
			"newest modelled release (6.6, 6.8, 6.12) at or below "
			"it\n",
			path, hdr->kernel, iommufd_kernel_name(kernel));
	return kernel;
}

enum sim_replay_status sim_replay_file(const char *path,
				       const struct sim_replay_opts *opts,
				       struct sim_replay_result *res)
{
	struct replay rp = { .name = path, .opts = opts, .res = res };
	struct sim_reader *again = NULL;
	struct sim_header hdr;
	FILE *f;

	memset(res, 0, sizeof(*res));
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return error(res, "%s: %s", path, strerror(errno));
	if (validate(f, path, res, &hdr, &again)) {
		if (f != stdin)
			fclose(f);
		return res->status;
	}
	rp.env.kernel = pick_kernel(path, &hdr, opts);
	/* a pipe works whenever the checking pass could keep every record */
	if (!again && fseek(f, 0, SEEK_SET)) {
		if (f != stdin)
			fclose(f);
		return error(res, "%s: too long to keep and cannot be read a "
				  "second time: %s",
			     path, strerror(errno));
	}

	rp.sim = iommufd_mem_sim_new();
	if (!rp.sim) {
		sim_reader_free(again);
		if (f != stdin)
			fclose(f);
		return error(res, "%s: out of memory", path);
	}
	iommufd_mem_sim_set_max_pages(rp.sim, opts->max_pages);
	rp.mem = iommufd_mem_sim_provider(rp.sim);
	rp.env.mem = rp.mem;
	rp.env.acct = &rp.acct;
	rp.env.caps = 0;
	rp.env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	apply_env(&rp.env, &hdr.env);

	if (hdr.machine.present && build_platform(&rp, &hdr.machine))
		; /* the error is in res */
	else if ((rp.env.config & IOMMUFD_CONFIG_SELFTEST_NEXT) &&
		 rp.env.kernel != IOMMUFD_KERNEL_6_12)
		error(res, "%s:1: machine.config 'next' builds on 6.12, not on "
			   "kernel %s (--kernel=6.12 replays it)",
		      path, iommufd_kernel_name(rp.env.kernel));
	else
		res->status = execute(&rp, f, &hdr, &again);
	sim_reader_free(again);

	while (rp.nh)
		handle_del(&rp, &rp.h[rp.nh - 1]);
	for (unsigned int i = 0; i < rp.ngroups; i++)
		file_put(&rp, rp.groups[i].container);
	free(rp.h);
	/* after the handles: closing device files unbinds from the platform */
	if (rp.platform)
		iommufd_platform_free(rp.platform);
	iommufd_mem_sim_free(rp.sim);
	if (f != stdin)
		fclose(f);
	return res->status;
}

void sim_replay_result_free(struct sim_replay_result *res)
{
	free(res->divs);
	res->divs = NULL;
	res->nkept = 0;
}

int sim_replay_report_json(FILE *out, const char *path,
			   const struct sim_replay_result *res)
{
	static const char *const results[] = {
		[SIM_REPLAY_AGREE] = "agree",
		[SIM_REPLAY_DIVERGED] = "diverged",
		[SIM_REPLAY_ERROR] = "error",
	};
	json_t *o = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:b}",
			      "trace", path, "result", results[res->status],
			      "exit", (int)res->status, "records",
			      (json_int_t)res->records, "ioctls",
			      (json_int_t)res->ioctls, "compared",
			      (json_int_t)res->compared, "unchecked",
			      (json_int_t)res->unchecked, "divergence_count",
			      (json_int_t)res->ndiv, "stopped_early",
			      res->stopped);
	json_t *a = json_array();
	int rc = -1;

	if (!o || !a)
		goto out;
	for (size_t i = 0; i < res->nkept; i++) {
		const struct sim_divergence *d = &res->divs[i];

		if (json_array_append_new(
			    a, json_pack("{s:i, s:I, s:s, s:s, s:s, s:s}",
					 "line", (int)d->line, "seq",
					 (json_int_t)d->seq, "record",
					 d->record, "field", d->field,
					 "expected", d->expected, "got",
					 d->got)))
			goto out;
	}
	if (json_object_set(o, "divergences", a) ||
	    json_object_set_new(o, "error",
				res->status == SIM_REPLAY_ERROR ?
					json_string(res->error) :
					json_null()))
		goto out;
	if (json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
	    fputc('\n', out) != EOF)
		rc = 0;
out:
	json_decref(a);
	json_decref(o);
	return rc;
}
