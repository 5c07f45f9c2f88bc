// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary bytes as a trace file.
 *
 * The reader must turn any input into records or one error naming a line,
 * never a crash, a hang or a leak. It has two parsers for a record line (a
 * fast path for common ioctl records and jansson for everything), which
 * must agree: the input is read twice, once each way, and every record is
 * written back with the trace writer. Different output, or a different
 * verdict, aborts.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything the reader made of @data, as text: records, then the verdict */
static char *read_all(const uint8_t *data, size_t size, bool fast)
{
	FILE *in = fmemopen((void *)data, size, "r");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct sim_reader *r;
	struct sim_header hdr;
	struct sim_record rec;
	struct sim_err err = { 0 };
	int rc;

	if (!in || !out)
		abort();
	r = sim_reader_new(in, "fuzz");
	if (!r)
		abort();
	sim_reader_set_fast(r, fast);
	sim_record_init(&rec);
	rc = sim_reader_header(r, &hdr, &err);
	if (!rc && sim_write_header(out, &hdr))
		abort();
	while (!rc && (rc = sim_reader_next(r, &rec, &err)) == 1) {
		if (sim_write_record(out, &rec))
			abort();
		rc = 0;
	}
	fprintf(out, "=> %d line %u: %s\n", rc, err.line, rc < 0 ? err.msg : "");
	sim_record_clear(&rec);
	sim_reader_free(r);
	fclose(in);
	fclose(out);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *fast, *slow;

	/* fmemopen() refuses an empty buffer; an empty file is one case */
	if (!size)
		return 0;
	fast = read_all(data, size, true);
	slow = read_all(data, size, false);
	if (strcmp(fast, slow)) {
		fprintf(stderr, "fast path:\n%s\njansson:\n%s\n", fast, slow);
		abort();
	}
	free(fast);
	free(slow);
	return 0;
}
