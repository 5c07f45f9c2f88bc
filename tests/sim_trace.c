// SPDX-License-Identifier: MIT
/*
 * The trace reader, writer and replay (sim/trace.c, sim/replay.c): round
 * trips, every kind of bad input named by its line, and replay of the
 * bundled example with and without a planted wrong value.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"
#include "trace.h"

#define EXAMPLE SIM_EXAMPLES_DIR "/ioas-session.jsonl"
#define EXAMPLE_INPUTS SIM_EXAMPLES_DIR "/ioas-session.inputs.jsonl"

#define HDR                                                             \
	"{\"format\":\"iommufd-trace\",\"version\":1,\"kernel\":\"6.12\"}\n"
#define OPEN1                                                           \
	"{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":\"iommufd\","    \
	"\"handle\":1}}\n"
#define FD1 "\"fd\":{\"kind\":\"iommufd\",\"handle\":1}"
#define ALLOC(seq, extra)                                               \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," FD1                     \
	",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\",\"in\":{"  \
	"\"fields\":{\"size\":12,\"flags\":0,\"out_ioas_id\":0}}" extra \
	"}\n"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	FILE *m;

	cr_assert_not_null(f, "cannot open %s", path);
	m = open_memstream(&buf, &cap);
	cr_assert_not_null(m);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(f);
	fclose(m);
	*len = cap;
	return buf;
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/sim_trace_XXXXXX");
	int fd;

	cr_assert_not_null(path);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/*
 * Read all of @text; returns the result of the first failing call (-1) or
 * 0, with the message in @err and the number of records read in @n.
 */
static int read_all(const char *text, struct sim_err *err, unsigned int *n)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct sim_reader *r;
	struct sim_header hdr;
	struct sim_record rec;
	int rc;

	cr_assert_not_null(f);
	r = sim_reader_new(f, "t.jsonl");
	cr_assert_not_null(r);
	sim_record_init(&rec);
	*n = 0;
	memset(err, 0, sizeof(*err));
	rc = sim_reader_header(r, &hdr, err);
	while (!rc && (rc = sim_reader_next(r, &rec, err)) == 1) {
		(*n)++;
		rc = 0;
	}
	sim_record_clear(&rec);
	sim_reader_free(r);
	fclose(f);
	return rc;
}

static void expect_error(const char *text, unsigned int line,
			 const char *needle)
{
	struct sim_err err;
	unsigned int n;
	char prefix[32];

	cr_assert_eq(read_all(text, &err, &n), -1, "accepted: %s", text);
	snprintf(prefix, sizeof(prefix), "t.jsonl:%u: ", line);
	cr_expect_eq(err.line, line, "line %u, not %u: %s", err.line, line,
		     err.msg);
	cr_expect(!strncmp(err.msg, prefix, strlen(prefix)),
		  "message does not start with '%s': %s", prefix, err.msg);
	cr_expect(strstr(err.msg, needle), "'%s' not in: %s", needle, err.msg);
}

/* ------------------------------------------------------------ writer */

/* Rewrite a whole trace through reader and writer */
static char *rewrite(const char *text)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r"), *out;
	struct sim_reader *r;
	struct sim_header hdr;
	struct sim_record rec;
	struct sim_err err;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	cr_assert_not_null(in);
	out = open_memstream(&buf, &len);
	cr_assert_not_null(out);
	r = sim_reader_new(in, "rt");
	sim_record_init(&rec);
	cr_assert_eq(sim_reader_header(r, &hdr, &err), 0, "%s", err.msg);
	cr_assert_eq(sim_write_header(out, &hdr), 0);
	while ((rc = sim_reader_next(r, &rec, &err)) == 1)
		cr_assert_eq(sim_write_record(out, &rec), 0);
	cr_assert_eq(rc, 0, "%s", err.msg);
	sim_record_clear(&rec);
	sim_reader_free(r);
	fclose(in);
	fclose(out);
	return buf;
}

static void images_equal(const struct sim_image *a, const struct sim_image *b,
			 const char *what, unsigned int line)
{
	cr_assert_eq(a->present, b->present, "%s line %u", what, line);
	cr_assert_eq(a->len, b->len, "%s line %u", what, line);
	for (size_t i = 0; i < a->len; i++) {
		cr_assert_eq(sim_image_known(a, i), sim_image_known(b, i),
			     "%s line %u byte %zu", what, line, i);
		if (sim_image_known(a, i))
			cr_assert_eq(a->data[i], b->data[i],
				     "%s line %u byte %zu", what, line, i);
	}
}

static void records_equal(const struct sim_record *a,
			  const struct sim_record *b)
{
	cr_assert_eq(a->seq, b->seq);
	cr_assert_eq(a->kind, b->kind);
	cr_assert_eq(a->has_fd, b->has_fd);
	cr_assert_eq(a->fd.kind, b->fd.kind);
	cr_assert_eq(a->fd.handle, b->fd.handle);
	cr_assert_eq(a->fd.has_num, b->fd.has_num);
	cr_assert_eq(a->ioc, b->ioc);
	cr_assert_eq(a->cmd, b->cmd);
	cr_assert_eq(a->has_arg, b->has_arg);
	cr_assert_eq(a->arg, b->arg);
	cr_assert_eq(a->has_ret, b->has_ret);
	cr_assert_eq(a->ret, b->ret);
	cr_assert_eq(a->has_errno, b->has_errno);
	cr_assert_eq(a->err, b->err);
	images_equal(&a->in, &b->in, "in", a->line);
	images_equal(&a->out, &b->out, "out", a->line);
	cr_assert_eq(a->n_in_bufs, b->n_in_bufs);
	cr_assert_eq(a->n_out_bufs, b->n_out_bufs);
	for (unsigned int i = 0; i < a->n_in_bufs; i++) {
		cr_assert_eq(a->in_bufs[i].desc, b->in_bufs[i].desc);
		cr_assert_eq(a->in_bufs[i].addr, b->in_bufs[i].addr);
		images_equal(&a->in_bufs[i].img, &b->in_bufs[i].img, "in_bufs",
			     a->line);
	}
	for (unsigned int i = 0; i < a->n_out_bufs; i++) {
		cr_assert_eq(a->out_bufs[i].desc, b->out_bufs[i].desc);
		cr_assert_eq(a->out_bufs[i].addr, b->out_bufs[i].addr);
		images_equal(&a->out_bufs[i].img, &b->out_bufs[i].img,
			     "out_bufs", a->line);
	}
	cr_assert_eq(a->env.has_caps, b->env.has_caps);
	cr_assert_eq(a->env.caps, b->env.caps);
	cr_assert_eq(a->env.has_rlimit, b->env.has_rlimit);
	cr_assert_eq(a->env.rlimit_memlock, b->env.rlimit_memlock);
}

/* Two traces hold the same records */
static void traces_equal(const char *x, const char *y)
{
	FILE *fx = fmemopen((void *)x, strlen(x), "r");
	FILE *fy = fmemopen((void *)y, strlen(y), "r");
	struct sim_reader *rx = sim_reader_new(fx, "x");
	struct sim_reader *ry = sim_reader_new(fy, "y");
	struct sim_header hx, hy;
	struct sim_record a, b;
	struct sim_err err;
	int ca, cb;

	sim_record_init(&a);
	sim_record_init(&b);
	cr_assert_eq(sim_reader_header(rx, &hx, &err), 0, "%s", err.msg);
	cr_assert_eq(sim_reader_header(ry, &hy, &err), 0, "%s", err.msg);
	cr_assert_str_eq(hx.kernel, hy.kernel);
	cr_assert_eq(hx.env.caps, hy.env.caps);
	cr_assert_eq(hx.env.rlimit_memlock, hy.env.rlimit_memlock);
	for (;;) {
		ca = sim_reader_next(rx, &a, &err);
		cr_assert_geq(ca, 0, "%s", err.msg);
		cb = sim_reader_next(ry, &b, &err);
		cr_assert_geq(cb, 0, "%s", err.msg);
		cr_assert_eq(ca, cb);
		if (!ca)
			break;
		records_equal(&a, &b);
	}
	sim_record_clear(&a);
	sim_record_clear(&b);
	sim_reader_free(rx);
	sim_reader_free(ry);
	fclose(fx);
	fclose(fy);
}

Test(sim_trace, round_trip_of_the_example)
{
	size_t len;
	char *orig = slurp(EXAMPLE, &len);
	char *once = rewrite(orig);
	char *twice = rewrite(once);

	/* the same records, and the writer's output is a fixed point */
	traces_equal(orig, once);
	cr_expect_str_eq(once, twice);
	free(orig);
	free(once);
	free(twice);
}

/* Partial expectations stay partial; fields-only inputs gain their hex */
Test(sim_trace, round_trip_of_hand_written_records)
{
	static const char text[] =
		HDR OPEN1
		"{\"seq\":2,\"kind\":\"env\",\"caps\":[\"IPC_LOCK\"],"
		"\"rlimit_memlock\":65536}\n"
		"{\"seq\":3,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_"
		"IOVA_RANGES\",\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\""
		":32,\"ioas_id\":1,\"num_iovas\":2,\"allowed_iovas\":\"0x20000"
		"\"}},\"ret\":0,\"out\":{\"fields\":{\"num_iovas\":1}},"
		"\"out_buffers\":{\"allowed_iovas\":{\"elems\":[{\"last\":"
		"\"0xffffffffffffffff\"},{}]}}}\n"
		"{\"seq\":4,\"kind\":\"ioctl\"," FD1 ",\"nr\":\"0x3b99\",\"arg\":"
		"\"0x10000\",\"in\":{\"hex\":\"0800000000000000\"},\"ret\":-1,"
		"\"errno\":\"ENOTTY\"}\n"
		"{\"seq\":5,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"VFIO_CHECK_"
		"EXTENSION\",\"arg\":3,\"ret\":1}\n"
		"{\"seq\":6,\"kind\":\"dma\",\"device\":\"0000:01:00.0\","
		"\"iova\":\"0x1000\",\"length\":4,\"write\":true,\"hex\":"
		"\"01020304\"}\n"
		"{\"seq\":7,\"kind\":\"close\"," FD1 "}\n";
	char *once = rewrite(text);
	char *twice = rewrite(once);

	traces_equal(text, once);
	cr_expect_str_eq(once, twice);
	/* the partial expectation is written as the fields it had */
	cr_expect(strstr(once, "\"out\":{\"fields\":{\"num_iovas\":1}}"), "%s",
		  once);
	cr_expect(strstr(once, "\"elems\":[{\"last\":\"0xffffffffffffffff\"},{}]"),
		  "%s", once);
	cr_expect(strstr(once, "\"nr\":\"0x3b99\""), "%s", once);
	cr_expect(strstr(once, "\"ioctl\":null"), "%s", once);
	cr_expect(strstr(once, "\"arg\":3"), "%s", once);
	cr_expect(strstr(once, "\"caps\":[\"IPC_LOCK\"],\"rlimit_memlock\":65536"),
		  "%s", once);
	free(once);
	free(twice);
}

Test(sim_trace, fields_and_hex_are_the_same_bytes)
{
	static const char text[] = HDR OPEN1
		"{\"seq\":2,\"kind\":\"ioctl\"," FD1 ",\"ioctl\":\"IOMMU_IOAS_MAP\","
		"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":40,\"flags\":6,"
		"\"ioas_id\":1,\"user_va\":\"0x7f1200000000\",\"length\":"
		"\"0x200000\"}}}\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct sim_reader *r = sim_reader_new(f, "t");
	struct sim_header hdr;
	struct sim_record rec;
	struct sim_err err;
	const uint8_t want[40] = {
		40, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0x12, 0x7f, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0,
	};

	sim_record_init(&rec);
	cr_assert_eq(sim_reader_header(r, &hdr, &err), 0);
	cr_assert_eq(sim_reader_next(r, &rec, &err), 1, "%s", err.msg);
	cr_assert_eq(sim_reader_next(r, &rec, &err), 1, "%s", err.msg);
	cr_assert_eq(rec.in.len, sizeof(want));
	cr_expect_arr_eq(rec.in.data, want, sizeof(want));
	sim_record_clear(&rec);
	sim_reader_free(r);
	fclose(f);
}

/* ------------------------------------------------------- bad input */

Test(sim_trace, corrupt_line_is_named)
{
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"close\",}\n", 3,
		     "invalid JSON at column");
	expect_error(HDR OPEN1 "\n\nnot json\n", 5, "invalid JSON");
	expect_error(HDR "[1,2]\n", 2, "must be a JSON object");
	expect_error("", 1, "empty trace");
	expect_error("{\"format\":\"pcap\"}\n", 1, "not an iommufd trace");
	expect_error("\n" HDR, 1, "line 1 must be the header");
	expect_error("{\"format\":\"iommufd-trace\",\"version\":2,"
		     "\"kernel\":\"6.12\"}\n", 1, "version 2 is not supported");
	expect_error("{\"format\":\"iommufd-trace\",\"version\":1,"
		     "\"kernel\":\"6.12\",\"page_size\":65536}\n", 1, "page_size");
	expect_error(HDR OPEN1 "{\"seq\":2,\"seq\":3,\"kind\":\"close\"," FD1 "}\n",
		     3, "duplicate");
}

Test(sim_trace, truncated_record_is_named)
{
	/* the file ends in the middle of line 3 */
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x1",
		     3, "truncated record");
}

Test(sim_trace, unknown_ioctl_name)
{
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_FROB\",\"arg\":1}\n",
		     3, "unknown ioctl 'IOMMU_IOAS_FROB'");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_MAP\",\"nr\":\"0x3b81\"}\n",
		     3, "is not the number of IOMMU_IOAS_MAP");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1 "}\n", 3,
		     "needs 'ioctl' or 'nr'");
}

Test(sim_trace, record_checks)
{
	/* members */
	expect_error(HDR "{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":"
			 "\"iommufd\",\"handle\":1},\"pth\":\"x\"}\n",
		     2, "unknown member 'pth'");
	expect_error(HDR "{\"seq\":1,\"kind\":\"mmap\"}\n", 2,
		     "unknown record kind 'mmap'");
	expect_error(HDR "{\"kind\":\"env\"}\n", 2, "without 'seq'");
	expect_error(HDR OPEN1 "{\"seq\":1,\"kind\":\"env\"}\n", 3,
		     "seq 1 does not follow 1");
	/* handles */
	expect_error(HDR "{\"seq\":1,\"kind\":\"close\"," FD1 "}\n", 2,
		     "never opened");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"open\"," FD1 "}\n", 3,
		     "already in use");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"close\",\"fd\":{\"kind\":"
			       "\"vfio-container\",\"handle\":1}}\n",
		     3, "is a iommufd, not a vfio-container");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"close\"," FD1 "}\n"
			       "{\"seq\":3,\"kind\":\"close\"," FD1 "}\n",
		     4, "is closed");
	expect_error(HDR "{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":"
			 "\"socket\",\"handle\":1}}\n",
		     2, "unknown file kind 'socket'");
	/* numbers */
	expect_error(HDR OPEN1 ALLOC(2, ",\"ret\":0,\"errno\":\"EINVAL\""), 3,
		     "errno is given but ret is 0");
	expect_error(HDR OPEN1 ALLOC(2, ",\"errno\":\"EWHAT\""), 3,
		     "unknown errno name 'EWHAT'");
	expect_error(HDR OPEN1 ALLOC(2, ",\"ret\":-22"), 3, "returns -1");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":"
			       "18446744073709551615}\n",
		     3, "\"0x...\" strings");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":\"0x1g\"}\n",
		     3, "is not an integer");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":\"0x10000\","
			       "\"in\":{\"fields\":{\"size\":8,\"id\":4294967296}}}\n",
		     3, "does not fit 32 bits");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_DESTROY\",\"arg\":\"0x10000\","
			       "\"in\":{\"fields\":{\"size\":8,\"id\":-1}}}\n",
		     3, "is unsigned");
}

Test(sim_trace, struct_checks)
{
	/* named fields disagree with the bytes */
	expect_error(HDR OPEN1 ALLOC(2, ",\"out\":{\"fields\":{\"out_ioas_id\":1},"
					"\"hex\":\"0c0000000000000002000000\"}"),
		     3, "out.out_ioas_id disagrees with the hex bytes");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\","
			       "\"in\":{\"hex\":\"0c000000000000000000000\"}}\n",
		     3, "odd number of hex digits");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\","
			       "\"in\":{\"fields\":{\"flags\":0}}}\n",
		     3, "must give 'size'");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\","
			       "\"in\":{\"fields\":{\"size\":8,\"out_ioas_id\":0}}}\n",
		     3, "in.out_ioas_id lies beyond the 8 bytes");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\","
			       "\"in\":{\"fields\":{\"size\":12,\"ioas_id\":0}}}\n",
		     3, "no field 'ioas_id'");
	expect_error(HDR OPEN1 ALLOC(2, ",\"out\":{\"hex\":\"0c00\"}"), 3,
		     "out.hex has 2 bytes, in.hex 12");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"in\":{\"hex\":"
			       "\"0c0000000000000000000000\"}}\n",
		     3, "'in' needs 'arg'");
	expect_error(HDR OPEN1 "{\"seq\":2,\"kind\":\"ioctl\"," FD1
			       ",\"ioctl\":\"VFIO_SET_IOMMU\",\"arg\":3,\"in\":{"
			       "\"hex\":\"00\"}}\n",
		     3, "takes no struct");
}

#define RANGES(num, bufs)                                                    \
	"{\"seq\":2,\"kind\":\"ioctl\"," FD1                                 \
	",\"ioctl\":\"IOMMU_IOAS_ALLOW_IOVAS\",\"arg\":\"0x10000\",\"in\":{" \
	"\"fields\":{\"size\":24,\"ioas_id\":1,\"num_iovas\":" #num          \
	",\"allowed_iovas\":\"0x20000\"}}" bufs "}\n"

Test(sim_trace, buffer_checks)
{
	expect_error(HDR OPEN1 RANGES(1, ",\"in_buffers\":{\"allowed_iovas\":{"
					  "\"hex\":\"" "00000000000000000000000000000000"
					  "00000000000000000000000000000000\"}}"),
		     3, "has 32 bytes, more than the 16 its length field allows");
	expect_error(HDR OPEN1 RANGES(1, ",\"in_buffers\":{\"allowed_iovas\":{"
					  "\"addr\":\"0x30000\",\"elems\":[{}]}}"),
		     3, "but the pointer field holds 0x20000");
	expect_error(HDR OPEN1 RANGES(1, ",\"in_buffers\":{\"ranges\":{}}"), 3,
		     "no buffer behind 'ranges'");
	expect_error(HDR OPEN1 RANGES(1, ",\"out_buffers\":{\"allowed_iovas\":{"
					  "\"elems\":[{}]}}"),
		     3, "the kernel does not write this buffer");
	expect_error(HDR OPEN1 RANGES(1, ",\"in_buffers\":{\"allowed_iovas\":{"
					  "\"hex\":\"00000000000000000000000000000000\","
					  "\"elems\":[{\"start\":1}]}}"),
		     3, "disagrees with");
	expect_error(HDR OPEN1 RANGES(1, ",\"in_buffers\":{\"allowed_iovas\":{"
					  "\"elems\":[{\"first\":1}]}}"),
		     3, "no field 'first'");
	expect_error(HDR OPEN1 RANGES(1, ",\"in_buffers\":{\"allowed_iovas\":{}}"),
		     3, "needs 'hex' or 'elems'");
}

/*
 * Whatever the bytes, the reader answers with a record or a message, never
 * a crash (the sanitizer build makes "never" mean something).
 */
Test(sim_trace, mutated_lines_never_crash)
{
	size_t len;
	char *orig = slurp(EXAMPLE, &len);
	char *buf = malloc(len + 1);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	static const char alphabet[] = "{}[]\",:0x-9afz\\ \n";

	cr_assert_not_null(buf);
	for (int round = 0; round < 3000; round++) {
		struct sim_err err;
		unsigned int n;
		int edits;

		memcpy(buf, orig, len + 1);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		edits = 1 + (int)(x % 4);
		for (int e = 0; e < edits; e++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[x % len] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
		}
		if (round % 7 == 0) /* and sometimes cut it short */
			buf[(x >> 16) % len] = 0;
		if (read_all(buf, &err, &n))
			cr_assert(err.msg[0] && err.line, "no message");
	}
	free(buf);
	free(orig);
}

/* ------------------------------------------------------------ replay */

static const struct sim_replay_opts quiet = { 0 };

Test(sim_trace, replay_of_the_example_agrees)
{
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(EXAMPLE, &quiet, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	cr_expect_eq(res.ndiv, 0);
	cr_expect_eq(res.records, 20);
	cr_expect_eq(res.ioctls, 18);
	cr_expect_eq(res.compared, 20);
	sim_replay_result_free(&res);
}

/* "-" replays standard input, a pipe included: nothing is read twice */
Test(sim_trace, replay_reads_a_pipe_on_stdin)
{
	struct sim_replay_result res;
	size_t len;
	char *text = slurp(EXAMPLE, &len);
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_lt(len, 60000, "must fit the pipe buffer");
	cr_assert_eq(write(p[1], text, len), (ssize_t)len);
	close(p[1]);
	cr_assert_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	cr_assert_eq(sim_replay_file("-", &quiet, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	cr_expect_eq(res.records, 20);
	cr_expect_eq(res.compared, 20);
	sim_replay_result_free(&res);
	free(text);
}

/*
 * max_pages sizes the simulated machine: the migration trace pins its
 * guest memory, which two pages cannot hold, so the pins are ENOMEM where
 * the recording kernel succeeded; unlimited, it agrees
 */
Test(sim_trace, replay_max_pages_bounds_simulated_memory)
{
	struct sim_replay_opts opts = { .max_pages = 2 };
	struct sim_replay_result res;
	const char *vm = SIM_EXAMPLES_DIR "/vm-dirty-migration.jsonl";
	size_t i;

	cr_assert_eq(sim_replay_file(vm, &opts, &res), SIM_REPLAY_DIVERGED,
		     "%s", res.error);
	for (i = 0; i < res.nkept && !strstr(res.divs[i].got, "ENOMEM"); i++)
		;
	cr_expect_lt(i, res.nkept, "some pin ran out of memory");
	sim_replay_result_free(&res);
	opts.max_pages = 0;
	cr_assert_eq(sim_replay_file(vm, &opts, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	sim_replay_result_free(&res);
}

/* Replace the first occurrence of @from in @text with @to */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	cr_assert_not_null(at, "'%s' not in the example", from);
	cr_assert_not_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
	return out;
}

Test(sim_trace, wrong_expected_value_diverges_at_its_field)
{
	size_t len;
	char *orig = slurp(EXAMPLE, &len);
	/* seq 6 maps at 0x40000000; claim the kernel chose 0x40200000 */
	char *bad = replace(orig, "\"out\":{\"fields\":{\"iova\":\"0x40000000\"}",
			    "\"out\":{\"fields\":{\"iova\":\"0x40200000\"}");
	char *path = write_temp(bad);
	struct sim_replay_result res;
	struct sim_replay_opts opts = { 0 };
	char *log = NULL;
	size_t loglen = 0;

	opts.log = open_memstream(&log, &loglen);
	/* the fields and hex of the record now disagree: hex must go too */
	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_ERROR);
	cr_expect(strstr(res.error, ":7: out.iova disagrees"), "%s", res.error);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
	free(bad);

	bad = replace(orig, "\"out\":{\"fields\":{\"iova\":\"0x40000000\"},"
			    "\"hex\":\"28000000060000000100000000000000"
			    "00002000127f0000000020000000000000000040000000"
			    "00\"}",
		      "\"out\":{\"fields\":{\"iova\":\"0x40200000\"}}");
	path = write_temp(bad);
	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_DIVERGED,
		     "%s", res.error);
	fflush(opts.log);
	cr_assert_eq(res.ndiv, 1);
	cr_assert_eq(res.nkept, 1);
	cr_expect_eq(res.divs[0].line, 7);
	cr_expect_eq(res.divs[0].seq, 6);
	cr_expect_str_eq(res.divs[0].record, "IOMMU_IOAS_MAP");
	cr_expect_str_eq(res.divs[0].field, "out.iova");
	cr_expect_str_eq(res.divs[0].expected, "0x40200000");
	cr_expect_str_eq(res.divs[0].got, "0x40000000");
	cr_expect(strstr(log, ":7: seq 6 IOMMU_IOAS_MAP: out.iova: expected "
			      "0x40200000, got 0x40000000"),
		  "%s", log);
	/* the replay went on to the end */
	cr_expect_eq(res.records, 20);
	sim_replay_result_free(&res);
	fclose(opts.log);
	free(log);
	unlink(path);
	free(path);
	free(bad);
	free(orig);
}

Test(sim_trace, wrong_errno_buffer_and_stop_at_first)
{
	size_t len;
	char *orig = slurp(EXAMPLE, &len);
	char *a = replace(orig, "\"errno\":\"EMSGSIZE\"", "\"errno\":\"ENOSPC\"");
	/* the reported range of seq 13 ends at the last IOVA */
	char *b = replace(a, "{\"start\":\"0x0\",\"last\":\"0xffffffffffffffff\"}]",
			  "{\"start\":\"0x0\",\"last\":\"0xfffffffffffff\"}]");
	char *c = replace(b, "\"hex\":\"0000000000000000ffffffffffffffff\",",
			  "");
	char *path = write_temp(c);
	struct sim_replay_opts opts = { .stop_at_first = false };
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_DIVERGED,
		     "%s", res.error);
	cr_assert_eq(res.nkept, 2);
	cr_expect_str_eq(res.divs[0].field, "errno");
	cr_expect_str_eq(res.divs[0].expected, "ENOSPC");
	cr_expect_str_eq(res.divs[0].got, "EMSGSIZE");
	cr_expect_str_eq(res.divs[1].field,
			 "out_buffers.allowed_iovas[0].last");
	cr_expect_str_eq(res.divs[1].got, "0xffffffffffffffff");
	sim_replay_result_free(&res);

	opts.stop_at_first = true;
	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_DIVERGED);
	cr_expect_eq(res.ndiv, 1);
	cr_expect(res.stopped);
	cr_expect_eq(res.records, 9);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
	free(a);
	free(b);
	free(c);
	free(orig);
}

/* The example without its "comment" members (which hold no '"') */
static char *strip_comments(const char *text)
{
	static const char key[] = ",\"comment\":\"";
	char *out = strdup(text), *at;

	cr_assert_not_null(out);
	while ((at = strstr(out, key))) {
		char *end = strchr(at + strlen(key), '"');

		cr_assert_not_null(end);
		memmove(at, end + 1, strlen(end + 1) + 1);
	}
	return out;
}

Test(sim_trace, inputs_only_trace_gets_its_results_recorded)
{
	char *out = NULL, *path;
	size_t outlen = 0;
	struct sim_replay_opts opts = { 0 };
	struct sim_replay_result res;
	size_t len;
	char *example = slurp(EXAMPLE, &len), *stripped;

	opts.record = open_memstream(&out, &outlen);
	cr_assert_eq(sim_replay_file(EXAMPLE_INPUTS, &opts, &res),
		     SIM_REPLAY_AGREE, "%s", res.error);
	cr_expect_eq(res.compared, 0);
	cr_expect_eq(res.unchecked, 20);
	sim_replay_result_free(&res);
	fclose(opts.record);

	/* the model's trace is the example, less the comments and header */
	stripped = strip_comments(example);
	cr_expect_str_eq(strchr(out, '\n'), strchr(stripped, '\n'));
	traces_equal(out, example);

	/* and replays, agreeing, by itself */
	path = write_temp(out);
	cr_assert_eq(sim_replay_file(path, &quiet, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	cr_expect_eq(res.compared, 20);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
	free(out);
	free(example);
	free(stripped);
}

Test(sim_trace, bad_trace_executes_nothing)
{
	char *path = write_temp(HDR OPEN1 ALLOC(2, ",\"ret\":0") "{oops\n");
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(path, &quiet, &res), SIM_REPLAY_ERROR);
	cr_expect(strstr(res.error, path) && strstr(res.error, ":4: invalid JSON"),
		  "%s", res.error);
	cr_expect_eq(res.records, 0);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);

	cr_assert_eq(sim_replay_file("/nonexistent/trace.jsonl", &quiet, &res),
		     SIM_REPLAY_ERROR);
	cr_expect(strstr(res.error, "/nonexistent/trace.jsonl"));
	sim_replay_result_free(&res);
}

Test(sim_trace, unsupported_records_are_reported_not_skipped)
{
	static const char *const cases[][2] = {
		{ HDR OPEN1 "{\"seq\":2,\"kind\":\"dma\",\"device\":\"d0\","
			    "\"iova\":4096,\"length\":4,\"write\":false}\n",
		  "dma by unknown device 'd0': the header declares no machine" },
		{ HDR OPEN1 "{\"seq\":2,\"kind\":\"page_request\",\"device\":"
			    "\"d0\",\"addr\":4096,\"perm\":[\"READ\"],"
			    "\"grpid\":0,\"last\":true}\n",
		  "page_request by unknown device 'd0': the header declares "
		  "no machine" },
		{ HDR "{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":"
		      "\"vfio-device\",\"handle\":7},\"device\":\"0000:01:00.0\"}\n",
		  "open of unknown device '0000:01:00.0': the header declares "
		  "no machine" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = write_temp(cases[i][0]);
		struct sim_replay_result res;

		cr_assert_eq(sim_replay_file(path, &quiet, &res),
			     SIM_REPLAY_ERROR);
		cr_expect(strstr(res.error, cases[i][1]), "%s", res.error);
		cr_expect_eq(res.records, 0, "something ran before the error");
		sim_replay_result_free(&res);
		unlink(path);
		free(path);
	}
}

Test(sim_trace, env_dup_and_vfio_container)
{
	/* RLIMIT_MODE needs CAP_SYS_RESOURCE, granted half way */
	static const char text[] =
		HDR
		"{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":\"vfio-container\","
		"\"handle\":5},\"ret\":3}\n"
		"{\"seq\":2,\"kind\":\"dup\",\"fd\":{\"kind\":\"vfio-container\","
		"\"handle\":5},\"new_fd\":{\"kind\":\"vfio-container\",\"handle\""
		":6},\"ret\":4}\n"
		"{\"seq\":3,\"kind\":\"close\",\"fd\":{\"kind\":\"vfio-container\""
		",\"handle\":5},\"ret\":0}\n"
		"{\"seq\":4,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"vfio-container\","
		"\"handle\":6},\"ioctl\":\"IOMMU_OPTION\",\"arg\":\"0x10000\","
		"\"in\":{\"fields\":{\"size\":24,\"option_id\":0,\"op\":1}},"
		"\"ret\":0,\"out\":{\"fields\":{\"val64\":1}}}\n"
		"{\"seq\":5,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"vfio-container\","
		"\"handle\":6},\"ioctl\":\"IOMMU_OPTION\",\"arg\":\"0x10000\","
		"\"in\":{\"fields\":{\"size\":24,\"option_id\":0,\"op\":0,"
		"\"val64\":0}},\"ret\":-1,\"errno\":\"EPERM\"}\n"
		"{\"seq\":6,\"kind\":\"env\",\"caps\":[\"SYS_RESOURCE\"]}\n"
		"{\"seq\":7,\"kind\":\"ioctl\",\"fd\":{\"kind\":\"vfio-container\","
		"\"handle\":6},\"ioctl\":\"IOMMU_OPTION\",\"arg\":\"0x10000\","
		"\"in\":{\"fields\":{\"size\":24,\"option_id\":0,\"op\":0,"
		"\"val64\":0}},\"ret\":0}\n"
		"{\"seq\":8,\"kind\":\"close\",\"fd\":{\"kind\":\"vfio-container\""
		",\"handle\":6}}\n";
	char *path = write_temp(text);
	struct sim_replay_result res;

	/* a container file accounts to the mm: RLIMIT_MODE reads 1 */
	cr_assert_eq(sim_replay_file(path, &quiet, &res), SIM_REPLAY_AGREE,
		     "%s; first divergence %s: %s, got %s", res.error,
		     res.nkept ? res.divs[0].field : "-",
		     res.nkept ? res.divs[0].expected : "-",
		     res.nkept ? res.divs[0].got : "-");
	cr_expect_eq(res.records, 8);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
}

Test(sim_trace, json_report)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(EXAMPLE, &quiet, &res), SIM_REPLAY_AGREE);
	cr_assert_eq(sim_replay_report_json(f, EXAMPLE, &res), 0);
	fclose(f);
	cr_expect(strstr(out, "\"result\": \"agree\""), "%s", out);
	cr_expect(strstr(out, "\"divergence_count\": 0"), "%s", out);
	cr_expect(strstr(out, "\"records\": 20"), "%s", out);
	sim_replay_result_free(&res);
	free(out);
}
