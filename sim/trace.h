/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing iommufd traces (docs/trace-format.md, version 1).
 *
 * The reader turns one JSON line at a time into a struct sim_record whose
 * every member has been checked: names resolved against the struct
 * descriptors, numbers range-checked, named fields and hex bytes
 * reconciled, buffer lengths held against their length fields, file
 * handles opened before use. A record it hands out is complete; a line it
 * cannot accept yields -1 and a message "FILE:LINE: what is wrong".
 *
 * The writer is the reader's inverse: writing a record and reading it back
 * gives the same record.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "structs.h"

#define SIM_TRACE_FORMAT "iommufd-trace"
#define SIM_TRACE_VERSION 1

/* Messages name the file and line: "trace.jsonl:12: unknown ioctl 'X'" */
struct sim_err {
	unsigned int line; /* 0 when the error is not about one line */
	char msg[768];
};

/* The calling task; each part only when set */
struct sim_env {
	bool has_caps;
	uint32_t caps; /* IOMMUFD_CAP_* */
	bool has_rlimit;
	uint64_t rlimit_memlock; /* IOMMUFD_RLIM_INFINITY for none */
};

/*
 * The header's "machine": what iommufd_platform_* builds before the trace
 * starts. Fixed-size so that a header needs no freeing (callers keep
 * headers on the stack and copy them).
 */
#define SIM_MAX_IOMMUS 8
#define SIM_MAX_DEVICES 32
#define SIM_MAX_RESV 8
#define SIM_DEVNAME_MAX 64

struct sim_mach_iommu {
	uint8_t kind; /* enum iommufd_iommu_kind */
	uint64_t cap, ecap, efr; /* 0: the platform's default */
	bool legacy;
};

struct sim_mach_resv {
	uint64_t start, last;
	uint8_t type; /* enum iommufd_resv_type */
};

struct sim_mach_dev {
	char name[SIM_DEVNAME_MAX];
	unsigned int iommu; /* index into iommus */
	uint32_t group, max_pasids, mock_flags;
	bool msi_unisolated;
	bool ats_pri; /* PCI ATS and PRI (iommufd_dev_desc.ats_pri) */
	unsigned int nresv;
	struct sim_mach_resv resv[SIM_MAX_RESV];
};

struct sim_machine {
	bool present;
	unsigned int config; /* IOMMUFD_CONFIG_* */
	unsigned int niommus, ndevs;
	struct sim_mach_iommu iommus[SIM_MAX_IOMMUS];
	struct sim_mach_dev devs[SIM_MAX_DEVICES];
};

/* The index of the device called @name, or -1 */
int sim_machine_dev(const struct sim_machine *m, const char *name);

/*
 * A machine on its own: @path holds one JSON object, what a header's
 * "machine" member holds (`iommufd-sim run --machine`). 0, or -1 with
 * @err saying "PATH: machine.devices[1].iommu: ..." (or "PATH:LINE:" for
 * JSON that does not parse).
 */
int sim_machine_read(const char *path, struct sim_machine *m,
		     struct sim_err *err);

struct sim_header {
	unsigned int version;
	char kernel[64];
	char producer[256];
	struct sim_env env;
	struct sim_machine machine;
};

enum sim_rec_kind {
	SIM_REC_OPEN,
	SIM_REC_CLOSE,
	SIM_REC_DUP,
	SIM_REC_IOCTL,
	SIM_REC_ENV,
	SIM_REC_DMA,
	SIM_REC_PAGE_REQUEST,
	SIM_REC_FAULT_READ,
	SIM_REC_FAULT_WRITE,
	/* VFIO_GROUP_SET_CONTAINER's effect on iommufd (a pseudo-record) */
	SIM_REC_GROUP_SET_CONTAINER,
	/* VFIO_GROUP_UNSET_CONTAINER, likewise */
	SIM_REC_GROUP_UNSET_CONTAINER,
	/* open of a VFIO group file, /dev/vfio/N, and its last close */
	SIM_REC_GROUP_OPEN,
	SIM_REC_GROUP_CLOSE,
	SIM_REC_NKINDS,
};

const char *sim_rec_kind_name(enum sim_rec_kind kind);

struct sim_fdref {
	uint8_t kind; /* enum sim_fdkind */
	uint64_t handle;
	bool has_num;
	int64_t num; /* the process's fd number */
};

/*
 * Bytes of which only some may be known: inputs are fully known (unknown
 * bytes of a struct given by fields are zero), expectations can be partial
 * (a hand-written out.fields names only some fields). @known is NULL when
 * every byte is known.
 */
struct sim_image {
	bool present;
	size_t len;
	uint8_t *data;
	uint8_t *known; /* 1 per known byte, or NULL */
};

bool sim_image_known(const struct sim_image *img, size_t i);
bool sim_image_all_known(const struct sim_image *img);

/* A buffer behind a pointer field */
struct sim_tbuf {
	const struct sim_buf *desc;
	uint64_t addr;
	struct sim_image img;
};

#define SIM_MAX_BUFS 2

/* A page_request's result status */
enum sim_pr_status {
	SIM_PR_UNRECORDED,
	SIM_PR_QUEUED,
	SIM_PR_RESPONDED,
	SIM_PR_DROPPED,
};

const char *sim_pr_status_name(enum sim_pr_status st);
/* "SUCCESS", "INVALID", "FAILURE" (IOMMUFD_PAGE_REQUEST_RESP_*), or NULL */
const char *sim_pr_code_name(unsigned int code);
/* "READ,WRITE" into @buf: the perm bits IOMMU_PGFAULT_PERM_* by name */
void sim_pr_perm_str(unsigned int perm, char *buf, size_t len);

/*
 * A page request: the members of a page_request record, or of a dma
 * record's "fault". A page_request has every input; a dma's fault is a
 * result, of which only the members recorded are known.
 */
struct sim_pr {
	bool has_pasid; /* false: a request without a PASID (or not recorded) */
	uint32_t pasid;
	bool has_addr, has_perm, has_grpid, has_last;
	uint64_t addr;
	uint8_t perm; /* IOMMU_PGFAULT_PERM_* */
	uint32_t grpid;
	bool last;
	/* results */
	uint8_t status; /* enum sim_pr_status */
	bool has_code;
	uint8_t code; /* IOMMUFD_PAGE_REQUEST_RESP_* */
};

struct sim_record {
	unsigned int line;
	uint64_t seq;
	enum sim_rec_kind kind;

	/* open, close, dup, ioctl, fault_*: the file acted on */
	bool has_fd;
	struct sim_fdref fd;
	/* dup; ioctl that creates a file */
	bool has_new_fd;
	struct sim_fdref new_fd;
	char *path;   /* open, optional */
	char *device; /* open of a vfio-device, optional */

	/* ioctl */
	const struct sim_ioctl *ioc; /* NULL: a request with no name */
	uint32_t cmd;
	bool has_arg;
	uint64_t arg;
	struct sim_image in; /* the struct at arg before the call */
	unsigned int n_in_bufs;
	struct sim_tbuf in_bufs[SIM_MAX_BUFS];

	/* results; absent ones are not compared */
	bool has_ret;
	int64_t ret;
	bool has_errno;
	int err; /* positive errno */
	struct sim_image out; /* the struct at arg after the call */
	unsigned int n_out_bufs;
	struct sim_tbuf out_bufs[SIM_MAX_BUFS];

	/* env */
	struct sim_env env;

	/* dma */
	int dev;	 /* index into the header's machine.devs */
	bool has_pasid;
	uint32_t pasid;
	uint64_t iova, length;
	bool write;
	/*
	 * dma: the bytes written (input) or read (result); fault_read: the
	 * bytes read (result); fault_write: the bytes written (input)
	 */
	struct sim_image data;
	uint8_t dma_status; /* enum sim_dma_status */
	bool has_fault;	    /* dma: a recorded page request, in pr */
	/* page_request; dma's fault */
	struct sim_pr pr;

	/* fault_read, fault_write */
	bool has_count;
	uint64_t count;
	bool has_buf;
	uint64_t buf; /* the user buffer's address */

	/*
	 * group_*: the group's number;
	 * open of a vfio-device: VFIO_GROUP_GET_DEVICE_FD on that group
	 */
	bool has_group;
	uint32_t group;
	bool noiommu;
};

enum sim_dma_status {
	SIM_DMA_UNRECORDED,
	SIM_DMA_OK,
	SIM_DMA_FAULT,	 /* the IOMMU refused the access */
	SIM_DMA_BLOCKED, /* the device is attached to nothing */
};

const char *sim_dma_status_name(enum sim_dma_status st);

void sim_record_init(struct sim_record *rec);
/* Frees what the record owns and re-initialises it */
void sim_record_clear(struct sim_record *rec);
/* Drops the results (ret, errno, out, out_buffers) */
void sim_record_clear_results(struct sim_record *rec);
/* The name replay messages use: the request name, "ioctl 0x..." or the kind */
void sim_record_label(const struct sim_record *rec, char *buf, size_t len);

/* errno names: "EINVAL" <-> EINVAL; NULL / -1 when unknown */
const char *sim_errno_name(int err);
int sim_errno_parse(const char *name);

/*
 * The reader. @name is used in messages only. It keeps the header's
 * machine, so that device names in records are checked against it. The reader does not own
 * @f. Every call that fails fills @err; after a failure the reader should
 * not be used further. It reads @f ahead in large blocks: where @f stands
 * after a call is not where the record ended.
 */
struct sim_reader;
struct sim_reader *sim_reader_new(FILE *f, const char *name);
void sim_reader_free(struct sim_reader *r);
/* Line 1. 0 or -1. */
int sim_reader_header(struct sim_reader *r, struct sim_header *hdr,
		      struct sim_err *err);
/* The next record: 1, 0 at the end of the trace, -1 on error */
int sim_reader_next(struct sim_reader *r, struct sim_record *rec,
		    struct sim_err *err);
/*
 * Common ioctl records are read by a fast path that needs no JSON DOM and
 * gives the same records; every other line, and every line in error, is
 * read by jansson. Turning it off (on by default) lets tests hold the two
 * against each other; the count says how many records it read.
 */
void sim_reader_set_fast(struct sim_reader *r, bool on);
uint64_t sim_reader_fast_records(const struct sim_reader *r);
/*
 * Keep a compact copy of every record read (call before the header), as
 * long as the copies take at most @max bytes. Once @r has read the whole
 * trace without error, sim_reader_kept() moves them into a new reader of
 * @name that gives the same header and records again without reading any
 * file; NULL when they did not fit or the trace was not read to its end.
 */
void sim_reader_keep(struct sim_reader *r, size_t max);
struct sim_reader *sim_reader_kept(struct sim_reader *r, const char *name);

/*
 * The writer. Both return 0, or -1 with errno set (I/O or allocation).
 * Results are written only where the record has them.
 */
int sim_write_header(FILE *f, const struct sim_header *hdr);
int sim_write_record(FILE *f, const struct sim_record *rec);

#endif
