// SPDX-License-Identifier: MIT
/*
 * The trace reader's fast path and kept records (sim/trace.c): whatever a
 * line holds, the fast path and the jansson path give the same record or
 * the same error, the common shapes do take the fast path, and records
 * kept by one reader come back identical from sim_reader_kept().
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"
#include "trace.h"

#define HDR                                                             \
	"{\"format\":\"iommufd-trace\",\"version\":1,\"kernel\":\"6.12\"}\n"
/* handle 1 an iommufd, handle 2 a closed one */
#define PRELUDE                                                         \
	HDR "{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":\"iommufd\","  \
	    "\"handle\":1}}\n"                                          \
	    "{\"seq\":2,\"kind\":\"open\",\"fd\":{\"kind\":\"iommufd\","  \
	    "\"handle\":2}}\n"                                          \
	    "{\"seq\":3,\"kind\":\"close\",\"fd\":{\"kind\":\"iommufd\"," \
	    "\"handle\":2}}\n"
#define PRELUDE_RECORDS 3

#define FD1 "\"fd\":{\"kind\":\"iommufd\",\"handle\":1}"
#define MAP_HEX                                                         \
	"2800000007000000010000000000000000b08714127f00000010000000000000" \
	"00b0871400000000"
#define MAP_FIELDS                                                      \
	"{\"size\":40,\"flags\":7,\"ioas_id\":1,\"__reserved\":0,"      \
	"\"user_va\":\"0x7f121487b000\",\"length\":4096,"               \
	"\"iova\":\"0x1487b000\"}"
/* A record as gen_trace.py writes them */
#define MAP(seq)                                                        \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," FD1                     \
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"nr\":\"0x3b85\","              \
	"\"arg\":\"0x7ffd5c000100\",\"in\":{\"fields\":" MAP_FIELDS     \
	",\"hex\":\"" MAP_HEX "\"},\"ret\":0,\"out\":{\"fields\":{"     \
	"\"iova\":\"0x1487b000\"},\"hex\":\"" MAP_HEX "\"}}"
#define UNMAP(seq)                                                      \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," FD1                     \
	",\"ioctl\":\"IOMMU_IOAS_UNMAP\",\"nr\":\"0x3b86\","            \
	"\"arg\":\"0x7ffd5c000100\",\"in\":{\"fields\":{\"size\":24,"   \
	"\"ioas_id\":1,\"iova\":\"0x1487b000\",\"length\":4096},"        \
	"\"hex\":\"180000000100000000b087140000000000100000000000" \
	"00\"},\"ret\":0,\"out\":{\"fields\":{\"length\":4096}}}"

/* Records read from @text, up to @max, and the final result */
struct reading {
	int rc;
	struct sim_err err;
	unsigned int n;
	struct sim_record recs[8];
	uint64_t fast;
};

static void read_text_n(const char *text, size_t len, bool fast,
			struct reading *out)
{
	FILE *f = fmemopen((void *)text, len, "r");
	struct sim_reader *r;
	struct sim_header hdr;
	struct sim_record rec;

	cr_assert_not_null(f);
	r = sim_reader_new(f, "t.jsonl");
	cr_assert_not_null(r);
	sim_reader_set_fast(r, fast);
	memset(out, 0, sizeof(*out));
	sim_record_init(&rec);
	out->rc = sim_reader_header(r, &hdr, &out->err);
	while (!out->rc && (out->rc = sim_reader_next(r, &rec, &out->err)) == 1) {
		cr_assert_lt(out->n, 8);
		out->recs[out->n++] = rec;
		sim_record_init(&rec);
		out->rc = 0;
	}
	out->fast = sim_reader_fast_records(r);
	sim_reader_free(r);
	fclose(f);
}

static void read_text(const char *text, bool fast, struct reading *out)
{
	read_text_n(text, strlen(text), fast, out);
}

static void free_reading(struct reading *rd)
{
	for (unsigned int i = 0; i < rd->n; i++)
		sim_record_clear(&rd->recs[i]);
}

static bool image_eq(const struct sim_image *a, const struct sim_image *b)
{
	if (a->present != b->present || a->len != b->len ||
	    !a->known != !b->known)
		return false;
	if (!a->present)
		return true;
	if (memcmp(a->data, b->data, a->len))
		return false;
	return !a->known || !memcmp(a->known, b->known, a->len);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Every member, pointers by what they point to */
static bool record_eq(const struct sim_record *a, const struct sim_record *b)
{
	struct sim_record x = *a, y = *b;

	if (!image_eq(&a->in, &b->in) || !image_eq(&a->out, &b->out) ||
	    !image_eq(&a->data, &b->data) || !str_eq(a->path, b->path) ||
	    !str_eq(a->device, b->device) ||
	    a->n_in_bufs != b->n_in_bufs || a->n_out_bufs != b->n_out_bufs)
		return false;
	for (unsigned int i = 0; i < a->n_in_bufs; i++)
		if (!image_eq(&a->in_bufs[i].img, &b->in_bufs[i].img))
			return false;
	for (unsigned int i = 0; i < a->n_out_bufs; i++)
		if (!image_eq(&a->out_bufs[i].img, &b->out_bufs[i].img))
			return false;
	x.path = x.device = y.path = y.device = NULL;
	x.in.data = x.in.known = y.in.data = y.in.known = NULL;
	x.out.data = x.out.known = y.out.data = y.out.known = NULL;
	x.data.data = x.data.known = y.data.data = y.data.known = NULL;
	for (unsigned int i = 0; i < SIM_MAX_BUFS; i++) {
		x.in_bufs[i].img.data = x.in_bufs[i].img.known = NULL;
		y.in_bufs[i].img.data = y.in_bufs[i].img.known = NULL;
		x.out_bufs[i].img.data = x.out_bufs[i].img.known = NULL;
		y.out_bufs[i].img.data = y.out_bufs[i].img.known = NULL;
	}
	return !memcmp(&x, &y, sizeof(x));
}

/*
 * @line after the prelude, read both ways: the same records and the same
 * result. Returns how many records the fast path read.
 */
static uint64_t differential(const char *line)
{
	size_t n = strlen(PRELUDE) + strlen(line) + 1;
	char *text = malloc(n);
	struct reading *fast = malloc(sizeof(*fast));
	struct reading *slow = malloc(sizeof(*slow));
	uint64_t nfast;

	cr_assert(text && fast && slow);
	snprintf(text, n, "%s%s", PRELUDE, line);
	read_text(text, true, fast);
	read_text(text, false, slow);
	cr_assert_eq(slow->fast, 0);
	cr_assert_eq(fast->rc, slow->rc, "%s\nfast %d (%s), jansson %d (%s)",
		     line, fast->rc, fast->err.msg, slow->rc, slow->err.msg);
	if (slow->rc < 0) {
		cr_assert_str_eq(fast->err.msg, slow->err.msg, "%s", line);
		cr_assert_eq(fast->err.line, slow->err.line, "%s", line);
	}
	cr_assert_eq(fast->n, slow->n, "%s", line);
	for (unsigned int i = 0; i < fast->n; i++)
		cr_assert(record_eq(&fast->recs[i], &slow->recs[i]),
			  "record %u differs: %s", i, line);
	nfast = fast->fast;
	free_reading(fast);
	free_reading(slow);
	free(fast);
	free(slow);
	free(text);
	return nfast;
}

/* Lines the fast path is meant to read itself */
static const char *const fast_lines[] = {
	MAP(4) "\n",
	UNMAP(4) "\n",
	MAP(4) "\n" UNMAP(5) "\n" MAP(6) "\n",
	/* no newline at the end of the file */
	MAP(4),
	/* members in another order, whitespace around everything */
	" { \"out\" : {\"hex\":\"" MAP_HEX "\", \"fields\":{\"iova\":"
	"\"0x1487b000\"}},\t\"ret\":0 ,\"in\":{\"hex\":\"" MAP_HEX "\","
	"\"fields\":{\"iova\":\"0x1487b000\",\"size\":40,\"length\":4096,"
	"\"user_va\":\"0x7f121487b000\",\"flags\":7,\"ioas_id\":1}},"
	"\"arg\":\"0x7ffd5c000100\",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"fd\":{\"handle\":1,\"kind\":\"iommufd\"},\"kind\":\"ioctl\","
	"\"seq\":4 } \r\n",
	/* fields only: the size field sets the length */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_ALLOC\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":12,\"flags\":0,"
	"\"out_ioas_id\":0}},\"ret\":0,\"out\":{\"fields\":{"
	"\"out_ioas_id\":1}}}\n",
	/* numbers in every spelling the format accepts */
	"{\"seq\":\"0x4\",\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":\"1\",\"num\":3},\"ioctl\":\"IOMMU_IOAS_ALLOC\","
	"\"nr\":15233,\"arg\":65536,\"in\":{\"fields\":{\"size\":\"0XC\","
	"\"flags\":\"-0\",\"out_ioas_id\":-0}},\"ret\":\"0x0\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_ALLOC\","
	"\"arg\":\"0x7FFD5C000100\",\"in\":{\"fields\":{\"size\":\"12\","
	"\"flags\":\"-0x0\",\"out_ioas_id\":\"0xAbC\"}},\"ret\":-1,"
	"\"errno\":\"EINVAL\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_ALLOC\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":12}},\"ret\":-1,"
	"\"errno\":22}\n",
	/* null members are not recorded */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_ALLOC\","
	"\"nr\":null,\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":12,"
	"\"flags\":null},\"hex\":null},\"in_buffers\":null,\"new_fd\":null,"
	"\"errno\":null,\"out\":null,\"out_buffers\":null}\n",
	/* comments and x- members anywhere, whatever their values */
	"{\"comment\":{\"a\":[1,{\"b\":null}],\"c\":true},\"seq\":4,"
	"\"x-note\":[\"x\",false,-5,{}],\"kind\":\"ioctl\",\"fd\":{\"kind\":"
	"\"iommufd\",\"handle\":1,\"comment\":\"the first\"},"
	"\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x7ffd5c000100\","
	"\"in\":{\"x-src\":\"gdb\",\"fields\":{\"comment\":1,\"x-\":[],"
	"\"size\":40,\"flags\":7,\"ioas_id\":1,\"user_va\":"
	"\"0x7f121487b000\",\"length\":4096,\"iova\":\"0x1487b000\"}},"
	"\"ret\":0}\n",
	/* a request by number only, and one the model has no name for */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"nr\":\"0x3b85\","
	"\"arg\":\"0x7ffd5c000100\",\"in\":{\"hex\":\"" MAP_HEX "\"},"
	"\"ret\":0}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"nr\":\"0x3bff\","
	"\"arg\":\"0x10000\",\"in\":{\"hex\":\"00ff\"},\"ret\":-1,"
	"\"errno\":\"ENOTTY\"}\n",
	/* out's hex only, fields only */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":\"0x7ffd5c000100\",\"out\":{\"fields\":{\"iova\":"
	"\"0x1000\"}}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":\"0x7ffd5c000100\",\"in\":{},\"out\":{\"hex\":\"\"}}\n",
	"{\"seq\":\"18446744073709551615\",\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	/* hex of any length where no fields are given */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"in\":{\"hex\":\"00\"}}\n",
	/* a request with a struct given by fields */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":8,\"id\":1}},"
	"\"ret\":0}\n",
};

/* Lines the fast path must leave to jansson, with the same outcome */
static const char *const other_lines[] = {
	/* escapes and UTF-8 */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_\\u004dAP\","
	"\"arg\":\"0x7ffd5c000100\",\"in\":{\"hex\":\"" MAP_HEX "\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_\\nMAP\"}\n",
	"{\"comment\":\"caf\xc3\xa9\",\"seq\":4,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x10000\"}\n",
	"{\"comment\":\"caf\xc3\",\"seq\":4,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x10000\"}\n",
	"{\"comment\":\"a\tb\",\"seq\":4,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x10000\"}\n",
	"{\"comment\":\"\\u0000\",\"seq\":4,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x10000\"}\n",
	/* duplicates, at the top, nested, inside a comment */
	"{\"seq\":4,\"seq\":4,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x10000\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":1,\"handle\":1},\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":\"0x10000\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_ALLOC\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":12,\"size\":12}}}\n",
	"{\"comment\":{\"a\":1,\"a\":2},\"seq\":4,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x10000\"}\n",
	/* unknown members */
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":\"0x10000\",\"extra\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":1,\"nom\":3},\"ioctl\":\"IOMMU_IOAS_MAP\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{},\"hax\":\"00\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_ALLOC\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":12,\"flag\":0}}}\n",
	/* numbers the fast path does not read */
	"{\"seq\":4.0,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\"}\n",
	"{\"seq\":4e0,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\"}\n",
	"{\"seq\":04,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\"}\n",
	"{\"seq\":1234567890123456789,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":12345678901234567890,\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":\"0x10000000000000000\",\"kind\":\"ioctl\"," FD1
	",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":-4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":\"4x\",\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":\"\",\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":\"0x\",\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":true,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	/* records the checks refuse */
	"{\"seq\":3,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":2},\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":7},\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"fault\","
	"\"handle\":1},\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":1,\"num\":-1},\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":1,\"num\":2147483648},\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"iommufdx\","
	"\"handle\":1},\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"handle\":1},"
	"\"ioctl\":\"IOMMU_DESTROY\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":[1],\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":4,\"kind\":\"ioctls\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":4," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_NOPE\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":7}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"nr\":\"0x3b86\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"nr\":\"0x100000000\",\"arg\":1}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"in\":{\"hex\":\"" MAP_HEX "\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":-1,\"in\":{\"hex\":\"" MAP_HEX "\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"hex\":\"280\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"hex\":\"28g0\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"hex\":\"280000000700000001000000000000000"
	"0b08714127f00000010000000000000z0b0871400000000\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"hex\":7}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":[]}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"fields\":[]}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"fields\":{\"flags\":7}}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"fields\":{\"size\":40,\"flags\":-7}}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"fields\":{\"size\":40,\"flags\":4294967296}}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"fields\":{\"size\":4294967296}}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"fields\":{\"size\":8,\"iova\":1}}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"fields\":{\"flags\":6},\"hex\":\"" MAP_HEX
	"\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":1,\"in\":{\"hex\":\"" MAP_HEX "\"},\"out\":{\"hex\":"
	"\"00\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"nr\":\"0x3bff\",\"arg\":1,"
	"\"in\":{\"fields\":{\"size\":8}}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"ret\":-2}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"ret\":0,\"errno\":\"EINVAL\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"ret\":-1,\"errno\":\"EWHAT\"}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"ret\":-1,\"errno\":0}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"ret\":-1,\"errno\":4096}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"ret\":-1,\"errno\":[]}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\","
	"\"arg\":1,\"ret\":\"-0x8000000000000001\"}\n",
	/* shapes the fast path leaves alone */
	"{\"seq\":4,\"kind\":\"close\"," FD1 ",\"ret\":0}\n",
	"{\"seq\":4,\"kind\":\"env\",\"caps\":[\"IPC_LOCK\"]}\n",
	"{\"seq\":4,\"kind\":\"page_request\",\"device\":\"d\",\"pasid\":3,"
	"\"addr\":\"0x1000\",\"perm\":[\"READ\",\"PRIV\"],\"grpid\":1,"
	"\"last\":false,\"status\":\"responded\",\"code\":\"INVALID\"}\n",
	"{\"seq\":4,\"kind\":\"page_request\",\"device\":\"d\","
	"\"addr\":\"0x1001\",\"perm\":[],\"grpid\":1,\"last\":true}\n",
	"{\"seq\":4,\"kind\":\"dma\",\"device\":\"d\",\"iova\":4096,"
	"\"length\":1,\"write\":false,\"status\":\"fault\",\"fault\":{"
	"\"addr\":\"0x1000\",\"perm\":[\"WRITE\"],\"status\":\"queued\"}}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_FAULT_QUEUE_ALLOC\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":16}},\"new_fd\":{"
	"\"kind\":\"fault\",\"handle\":3},\"ret\":0}\n",
	/* not JSON, or not a record */
	"[1]\n",
	"{}\n",
	"7\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"} x\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\",}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_DESTROY\"",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":tru}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":nul}\n",
	"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"x}\n",
	"{\"seq\":4 \"kind\":\"ioctl\"}\n",
	"{\"seq\":-,\"kind\":\"ioctl\"}\n",
	"{seq:4}\n",
};

Test(sim_trace_fast, common_records_take_the_fast_path_and_agree)
{
	for (size_t i = 0; i < sizeof(fast_lines) / sizeof(fast_lines[0]); i++) {
		uint64_t n = differential(fast_lines[i]);
		unsigned int lines = 0;

		for (const char *c = fast_lines[i]; *c; c++)
			lines += *c == '\n';
		cr_expect_eq(n, lines ? lines : 1, "not read fast: %s",
			     fast_lines[i]);
	}
}

Test(sim_trace_fast, other_records_and_errors_are_the_same_either_way)
{
	for (size_t i = 0; i < sizeof(other_lines) / sizeof(other_lines[0]); i++)
		cr_expect_eq(differential(other_lines[i]), 0,
			     "read fast: %s", other_lines[i]);
}

/* Each line broken one byte at a time: still the same outcome both ways */
Test(sim_trace_fast, mutated_records_agree)
{
	static const char *const seeds[] = {
		MAP(4) "\n",
		UNMAP(4) "\n",
		"{\"seq\":4,\"kind\":\"ioctl\"," FD1
		",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\",\"in\":{"
		"\"fields\":{\"size\":12,\"flags\":0,\"out_ioas_id\":0}},"
		"\"ret\":-1,\"errno\":\"ENOMEM\",\"out\":{\"fields\":{"
		"\"out_ioas_id\":1}},\"comment\":[1,{\"a\":null}]}\n",
	};
	static const char repl[] = "\"\\{}[],:-0x19aAfF.eE \t\n\xc3nt";
	uint64_t state = 0x9e3779b97f4a7c15ull;
	unsigned int fast = 0;

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t len = strlen(seeds[s]);
		char *line = malloc(len + 2);

		cr_assert_not_null(line);
		for (unsigned int k = 0; k < 600; k++) {
			size_t at, op;

			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			at = (size_t)(state >> 8) % len;
			op = (size_t)(state >> 40) % 3;
			memcpy(line, seeds[s], len + 1);
			if (op == 0) /* replace */
				line[at] = repl[(state >> 20) % (sizeof(repl) - 1)];
			else if (op == 1) /* delete */
				memmove(line + at, line + at + 1, len - at);
			else /* double */
				memmove(line + at + 1, line + at, len - at + 1);
			fast += differential(line) != 0;
		}
		free(line);
	}
	/* mutations that leave a valid record still take the fast path */
	cr_expect_gt(fast, 0);
}

/* ------------------------------------------------------------ keeping */

/* Every record of @path, read from the file and then from what was kept */
static void kept_matches_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct sim_reader *r, *k;
	struct sim_header h1, h2;
	struct sim_record a, b;
	struct sim_err err;
	unsigned int n = 0;
	int rc;

	cr_assert_not_null(f, "%s", path);
	r = sim_reader_new(f, path);
	cr_assert_not_null(r);
	sim_reader_keep(r, (size_t)64 << 20);
	cr_assert_eq(sim_reader_header(r, &h1, &err), 0, "%s", err.msg);
	/* nothing is handed over before the end */
	cr_assert_null(sim_reader_kept(r, path));
	sim_record_init(&a);
	while ((rc = sim_reader_next(r, &a, &err)) == 1)
		;
	cr_assert_eq(rc, 0, "%s", err.msg);
	k = sim_reader_kept(r, path);
	cr_assert_not_null(k);
	sim_reader_free(r);

	/* the file again, side by side with the kept copy */
	rewind(f);
	r = sim_reader_new(f, path);
	cr_assert_not_null(r);
	cr_assert_eq(sim_reader_header(r, &h1, &err), 0);
	cr_assert_eq(sim_reader_header(k, &h2, &err), 0);
	cr_assert(!memcmp(&h1, &h2, sizeof(h1)));
	sim_record_init(&b);
	for (;;) {
		int ra = sim_reader_next(r, &a, &err);
		int rb = sim_reader_next(k, &b, &err);

		cr_assert_eq(ra, rb, "%s: record %u", path, n);
		if (ra != 1)
			break;
		cr_assert(record_eq(&a, &b), "%s: record %u (line %u) differs",
			  path, n, a.line);
		n++;
	}
	cr_assert_gt(n, 0);
	sim_record_clear(&a);
	sim_record_clear(&b);
	sim_reader_free(r);
	sim_reader_free(k);
	fclose(f);
}

Test(sim_trace_fast, kept_records_are_the_records_read)
{
	kept_matches_file(SIM_EXAMPLES_DIR "/ioas-session.jsonl");
	kept_matches_file(SIM_EXAMPLES_DIR "/ioas-session.inputs.jsonl");
	kept_matches_file(SIM_EXAMPLES_DIR "/vm-dirty-migration.jsonl");
	kept_matches_file(SIM_EXAMPLES_DIR "/vfio-compat.jsonl");
}

static struct sim_reader *keep_all(const char *text, size_t max, int *rc)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct sim_reader *r, *k;
	struct sim_header hdr;
	struct sim_record rec;
	struct sim_err err;

	cr_assert_not_null(f);
	r = sim_reader_new(f, "t.jsonl");
	cr_assert_not_null(r);
	sim_reader_keep(r, max);
	sim_record_init(&rec);
	*rc = sim_reader_header(r, &hdr, &err);
	while (!*rc && (*rc = sim_reader_next(r, &rec, &err)) == 1)
		*rc = 0;
	sim_record_clear(&rec);
	k = sim_reader_kept(r, "t.jsonl");
	sim_reader_free(r);
	fclose(f);
	return k;
}

Test(sim_trace_fast, nothing_is_kept_past_the_bound_or_an_error)
{
	struct sim_reader *k;
	int rc;

	k = keep_all(PRELUDE MAP(4) "\n" UNMAP(5) "\n", (size_t)1 << 20, &rc);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(k);
	sim_reader_free(k);
	/* past the bound: read the file again */
	k = keep_all(PRELUDE MAP(4) "\n" UNMAP(5) "\n", 64, &rc);
	cr_assert_eq(rc, 0);
	cr_assert_null(k);
	/* a trace in error is not handed over */
	k = keep_all(PRELUDE MAP(4) "\n" MAP(4) "\n", (size_t)1 << 20, &rc);
	cr_assert_eq(rc, -1);
	cr_assert_null(k);
}

/* ------------------------------------------------------------- replay */

/*
 * A map/unmap churn like tools/bench/gen_trace.py writes, replayed from
 * the records validation kept; @bad_seq gets a wrong out.iova.
 */
static char *churn_trace(unsigned int pairs, unsigned int bad_seq)
{
	char *path = strdup("/tmp/sim_trace_fast_XXXXXX");
	uint64_t seq = 3;
	FILE *f;
	int fd;

	cr_assert_not_null(path);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fprintf(f, HDR "{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":"
		       "\"iommufd\",\"handle\":1,\"num\":3},\"ret\":3}\n"
		       "{\"seq\":2,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":"
		       "\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\",\"in\":{"
		       "\"fields\":{\"size\":12,\"flags\":0,\"out_ioas_id\":0}},"
		       "\"ret\":0,\"out\":{\"fields\":{\"out_ioas_id\":1}}}\n");
	for (unsigned int i = 0; i < pairs; i++, seq += 2) {
		uint64_t iova = (uint64_t)(i % 64 + 1) << 12;

		fprintf(f,
			"{\"seq\":%" PRIu64 ",\"kind\":\"ioctl\"," FD1
			",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x20000\","
			"\"in\":{\"fields\":{\"size\":40,\"flags\":7,"
			"\"ioas_id\":1,\"user_va\":\"0x%" PRIx64 "\","
			"\"length\":4096,\"iova\":\"0x%" PRIx64 "\"}},"
			"\"ret\":0,\"out\":{\"fields\":{\"iova\":\"0x%" PRIx64
			"\"}}}\n",
			seq, iova + (uint64_t)0x7f0000000000, iova,
			seq == bad_seq ? iova + 0x1000 : iova);
		fprintf(f,
			"{\"seq\":%" PRIu64 ",\"kind\":\"ioctl\"," FD1
			",\"ioctl\":\"IOMMU_IOAS_UNMAP\",\"arg\":\"0x20000\","
			"\"in\":{\"fields\":{\"size\":24,\"ioas_id\":1,"
			"\"iova\":\"0x%" PRIx64 "\",\"length\":4096}},\"ret\":0,"
			"\"out\":{\"fields\":{\"length\":4096}}}\n",
			seq + 1, iova);
	}
	cr_assert_eq(fclose(f), 0);
	return path;
}

Test(sim_trace_fast, churn_replays_from_kept_records)
{
	char *path = churn_trace(1000, 0);
	struct sim_replay_opts opts = { 0 };
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	cr_expect_eq(res.records, 2002);
	cr_expect_eq(res.compared, 2002);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
}

Test(sim_trace_fast, churn_divergence_is_named_by_its_line)
{
	/* seq 503 is the map on line 504 (the header is line 1) */
	char *path = churn_trace(1000, 503);
	struct sim_replay_opts opts = { 0 };
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_DIVERGED,
		     "%s", res.error);
	cr_assert_eq(res.ndiv, 1);
	cr_expect_eq(res.divs[0].line, 504);
	cr_expect_eq(res.divs[0].seq, 503);
	cr_expect_str_eq(res.divs[0].field, "out.iova");
	cr_expect_eq(res.records, 2002);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
}

/* NUL bytes are looked for only once the fast path has stepped aside */
Test(sim_trace_fast, nul_bytes_are_named_either_way)
{
	static const char *const lines[] = {
		MAP(4) "\n",
		"\n",
		"   \n",
		"{\"seq\":4,\"kind\":\"ioctl\"}\n",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t pre = strlen(PRELUDE), n = strlen(lines[i]);

		for (size_t at = 0; at < n; at += n / 3 + 1) {
			char *text = malloc(pre + n + 1);
			struct reading *a = malloc(sizeof(*a));
			struct reading *b = malloc(sizeof(*b));

			cr_assert(text && a && b);
			memcpy(text, PRELUDE, pre);
			memcpy(text + pre, lines[i], n);
			text[pre + at] = 0;
			read_text_n(text, pre + n, true, a);
			read_text_n(text, pre + n, false, b);
			cr_expect_eq(a->rc, -1);
			cr_expect_eq(b->rc, -1);
			cr_expect_str_eq(a->err.msg, "t.jsonl:5: NUL byte in the line");
			cr_expect_str_eq(b->err.msg, a->err.msg);
			free_reading(a);
			free_reading(b);
			free(a);
			free(b);
			free(text);
		}
	}
}

/* ------------------------------------------- the tokenizing thread */

/*
 * A checking pass (sim_reader_keep) hands the file to a second thread that
 * tokenizes it in blocks; the records, their line numbers and the verdict
 * must be those of reading the file in this thread.
 */
static void pipelined_matches_plain(const char *text, size_t len)
{
	FILE *fa = fmemopen((void *)text, len, "r");
	FILE *fb = fmemopen((void *)text, len, "r");
	struct sim_reader *a, *b;
	struct sim_header ha, hb;
	struct sim_record ra, rb;
	struct sim_err ea = { 0 }, eb = { 0 };
	unsigned int n = 0;
	int ca, cb;

	cr_assert(fa && fb);
	a = sim_reader_new(fa, "t.jsonl");
	b = sim_reader_new(fb, "t.jsonl");
	cr_assert(a && b);
	sim_reader_keep(a, (size_t)1 << 30);
	ca = sim_reader_header(a, &ha, &ea);
	cb = sim_reader_header(b, &hb, &eb);
	cr_assert_eq(ca, cb);
	sim_record_init(&ra);
	sim_record_init(&rb);
	while (!ca) {
		ca = sim_reader_next(a, &ra, &ea);
		cb = sim_reader_next(b, &rb, &eb);
		cr_assert_eq(ca, cb, "record %u: %d vs %d (%s | %s)", n, ca, cb,
			     ea.msg, eb.msg);
		if (ca != 1)
			break;
		cr_assert(record_eq(&ra, &rb), "record %u (line %u) differs", n,
			  rb.line);
		cr_assert_eq(ra.line, rb.line);
		n++;
		ca = 0;
	}
	if (ca < 0) {
		cr_assert_eq(ea.line, eb.line);
		cr_assert_str_eq(ea.msg, eb.msg);
	}
	sim_record_clear(&ra);
	sim_record_clear(&rb);
	sim_reader_free(a);
	sim_reader_free(b);
	fclose(fa);
	fclose(fb);
}

/* @pairs map/unmap pairs after PRELUDE; @extra goes in after pair @at */
static char *long_text(unsigned int pairs, unsigned int at, const char *extra,
		       size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	cr_assert_not_null(f);
	fputs(PRELUDE, f);
	for (unsigned int i = 0; i < pairs; i++) {
		unsigned int seq = PRELUDE_RECORDS + 1 + 2 * i;

		fprintf(f, "{\"seq\":%u,\"kind\":\"ioctl\"," FD1
			   ",\"ioctl\":\"IOMMU_IOAS_MAP\",\"nr\":\"0x3b85\","
			   "\"arg\":\"0x7ffd5c000100\",\"in\":{\"fields\":"
			   MAP_FIELDS ",\"hex\":\"" MAP_HEX "\"}}\n"
			   "{\"seq\":%u,\"kind\":\"ioctl\"," FD1
			   ",\"ioctl\":\"IOMMU_IOAS_UNMAP\",\"arg\":\"0x10\"}"
			   "\r\n\n",
			seq, seq + 1);
		if (i == at && extra)
			fputs(extra, f);
	}
	cr_assert_eq(fclose(f), 0);
	*len = n;
	return text;
}

Test(sim_trace_fast, tokenizing_thread_reads_what_this_thread_reads)
{
	size_t len;
	char *t, *big;

	/* several blocks of lines, blank and CRLF lines among them */
	t = long_text(12000, 0, NULL, &len);
	cr_assert_gt(len, (size_t)4 << 20);
	pipelined_matches_plain(t, len);
	/* no newline at the end: a truncated last record */
	pipelined_matches_plain(t, len - 3);
	free(t);
	/* an error far in: the same message on the same line */
	t = long_text(12000, 9000, "{\"seq\":1}\n", &len);
	pipelined_matches_plain(t, len);
	free(t);
	/* a line longer than a block */
	big = malloc((3 << 20) + 64);
	cr_assert_not_null(big);
	memset(big, 'x', 3 << 20);
	strcpy(big, "{\"comment\":\"");
	strcpy(big + (3 << 20) - 2, "\"}");
	strcat(big, "\n");
	t = long_text(6000, 3000, big, &len);
	pipelined_matches_plain(t, len);
	free(t);
	free(big);
}
