// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: arbitrary bytes as a trace file.
 *
 * The reader must turn any input into records or one error naming a line,
 * never a crash, a hang or a leak. It has two parsers for a record line (a
 * fast path for common ioctl records and jansson for everything), which
 * must agree, and so must a checking pass that tokenizes on a second
 * thread (sim_reader_keep): the input is read each way and every record
 * is written back with the trace writer. Different output, or a different
 * verdict, aborts.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything the reader made of @data, as text: records, then the verdict */
static char *read_all(const uint8_t *data, size_t size, bool fast,
		      bool keep)
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
	if (keep)
		sim_reader_keep(r, (size_t)1 << 30);
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
	char *fast, *slow, *kept;

	/* fmemopen() refuses an empty buffer; an empty file is one case */
	if (!size)
		return 0;
	fast = read_all(data, size, true, false);
	slow = read_all(data, size, false, false);
	kept = read_all(data, size, true, true);
	if (strcmp(fast, slow) || strcmp(fast, kept)) {
		fprintf(stderr, "fast path:\n%s\njansson:\n%s\nkept:\n%s\n",
			fast, slow, kept);
		abort();
	}
	free(fast);
	free(slow);
	free(kept);
	return 0;
}
