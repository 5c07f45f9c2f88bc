/* SPDX-License-Identifier: MIT */
/*
 * Descriptors of the uAPI structs that travel through iommufd and VFIO
 * ioctls: for each struct its fields (name, offset, size, whether the
 * kernel writes it back, whether it is a user pointer) and the user buffers
 * its pointers designate (which field holds the length, in what unit,
 * which way the bytes flow).
 *
 * The trace reader and writer use them to turn struct bytes into named
 * fields and back, and to find the buffers of a request. The numbers are
 * written out rather than computed with offsetof() so that the table is a
 * statement about the ABI in its own right; tests/sim_structs.c holds it
 * against the compiler's view of include/iommufd/uapi*.h.
 *
 * All tables are constant; nothing here allocates.
 */
#ifndef SIM_STRUCTS_H
#define SIM_STRUCTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_ftype {
	SIM_FT_UINT,  /* unsigned little-endian integer of 1, 2, 4 or 8 bytes */
	SIM_FT_SINT,  /* signed integer, sign-extended when read */
	SIM_FT_BYTES, /* opaque byte array (reserved tails), shown as hex */
};

#define SIM_FF_OUT (1u << 0)  /* the kernel writes it back */
#define SIM_FF_ADDR (1u << 1) /* an address or IOVA: written as hex */
#define SIM_FF_PTR (1u << 2)  /* a user pointer to a buffer of sim_buf */

struct sim_field {
	const char *name; /* as in the header; dotted for nested members */
	uint32_t offset;
	uint32_t size;
	uint8_t type;  /* enum sim_ftype */
	uint8_t flags; /* SIM_FF_* */
};

/* How a buffer's length follows from its struct */
enum sim_buflen {
	SIM_BL_COUNT,        /* count field x elem_size */
	SIM_BL_BYTES,        /* the count field is the byte length */
	SIM_BL_COUNT_STRIDE, /* count field x stride field */
	SIM_BL_DIRTY_BITMAP, /* u64 words of iova_bitmap(count=length, stride=page_size) */
};

#define SIM_BUF_IN (1u << 0)  /* the kernel reads it */
#define SIM_BUF_OUT (1u << 1) /* the kernel writes it */

struct sim_buf {
	const char *ptr;    /* the pointer field */
	const char *count;  /* count / length field */
	const char *stride; /* SIM_BL_COUNT_STRIDE, SIM_BL_DIRTY_BITMAP */
	uint32_t elem_size; /* SIM_BL_COUNT */
	uint8_t len;        /* enum sim_buflen */
	uint8_t dir;        /* SIM_BUF_* */
	/* the buffer exists only when (field @when & @when_mask) != 0 */
	const char *when;
	uint64_t when_mask;
	/*
	 * The element struct for the decoded view, if known; when @elem_sel is
	 * set, only while that field equals @elem_sel_value. The view applies
	 * only when the element stride equals elem->size.
	 */
	const struct sim_struct *elem;
	const char *elem_sel;
	uint64_t elem_sel_value;
};

struct sim_struct {
	const char *name; /* without "struct " */
	uint32_t size;    /* sizeof() */
	/* fields[0] is the u32 size (iommufd) or argsz (VFIO) of the request */
	bool sized;
	const struct sim_field *fields;
	unsigned int nfields;
	const struct sim_buf *bufs;
	unsigned int nbufs;
};

enum sim_argkind {
	SIM_ARG_NONE,   /* the argument is ignored */
	SIM_ARG_VALUE,  /* the argument is an integer */
	SIM_ARG_STRUCT, /* the argument points to a sized struct */
};

enum sim_fdkind {
	SIM_FD_IOMMUFD,
	SIM_FD_VFIO_CONTAINER,
	SIM_FD_VFIO_DEVICE,
	SIM_FD_FAULT,
	SIM_FD_NKINDS,
};

struct sim_ioctl {
	const char *name;
	uint32_t cmd;
	uint8_t arg;  /* enum sim_argkind */
	uint8_t fds;  /* bit (1 << enum sim_fdkind) for each file kind serving it */
	const struct sim_struct *st; /* SIM_ARG_STRUCT */
};

/* Every struct and every request the format knows, in header order */
size_t sim_struct_count(void);
const struct sim_struct *sim_struct_at(size_t i);
const struct sim_struct *sim_struct_by_name(const char *name);

size_t sim_ioctl_count(void);
const struct sim_ioctl *sim_ioctl_at(size_t i);
const struct sim_ioctl *sim_ioctl_by_name(const char *name);
const struct sim_ioctl *sim_ioctl_by_cmd(uint32_t cmd);

/* The trace spelling of a file kind ("vfio-container"), and back (-1) */
const char *sim_fdkind_name(enum sim_fdkind kind);
int sim_fdkind_parse(const char *name);

const struct sim_field *sim_field_by_name(const struct sim_struct *st,
					  const char *name);
/* True when the field lies entirely within the first @len bytes */
bool sim_field_within(const struct sim_field *f, size_t len);

/*
 * Integer fields only. get: false when the field is not within @len
 * (signed fields come back sign-extended). put: false when not within or
 * when @val does not fit the field (for signed fields @val is the two's
 * complement of an int64_t).
 */
bool sim_field_get(const struct sim_field *f, const uint8_t *bytes,
		   size_t len, uint64_t *val);
bool sim_field_put(const struct sim_field *f, uint8_t *bytes, size_t len,
		   uint64_t val);

/* Same, by field name; false also when the struct has no such field */
bool sim_struct_get(const struct sim_struct *st, const char *name,
		    const uint8_t *bytes, size_t len, uint64_t *val);

/*
 * The buffer @b of struct @st given the struct's bytes (the input bytes:
 * lengths are capacities passed in). Returns false when the buffer does
 * not exist for these bytes (its condition is off, or the pointer or a
 * length field lies outside @len). Otherwise sets *addr and *blen; *blen
 * saturates at UINT64_MAX rather than wrapping.
 */
bool sim_buf_locate(const struct sim_struct *st, const struct sim_buf *b,
		    const uint8_t *bytes, size_t len, uint64_t *addr,
		    uint64_t *blen);

/*
 * The element struct of the decoded view of @b, or NULL when there is
 * none for these bytes (@sel_bytes: the struct bytes that select the
 * element type; for output buffers the struct after the call).
 */
const struct sim_struct *sim_buf_elem(const struct sim_struct *st,
				      const struct sim_buf *b,
				      const uint8_t *bytes, size_t len,
				      const uint8_t *sel_bytes,
				      size_t sel_len);

/* The buffer whose pointer field is @ptr, or NULL */
const struct sim_buf *sim_buf_by_ptr(const struct sim_struct *st,
				     const char *ptr);

#endif
