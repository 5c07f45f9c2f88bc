// SPDX-License-Identifier: MIT
/*
 * record_check: read a trace the recorder wrote with the trace reader
 * (every line must pass it) and hold it against what the recorded
 * program is known to have done.
 *
 *   record_check TRACE [--require KIND]... [--require-ioctl NAME]...
 *                      [--min-errno NAME=N]... [--require-open KIND]...
 *                      [--min-new-fds N]
 *
 * KIND is a record kind (open, dup, close, ioctl, env); --require-open
 * takes a file kind (iommufd, vfio-container, vfio-device); --min-errno
 * wants at least N ioctl records that failed with NAME. Exit status 0
 * when the trace reads and every requirement holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define MAX_REQ 32

struct counts {
	unsigned long kinds[SIM_REC_NKINDS];
	unsigned long ioctl_by[64];
	unsigned long errno_by[4096];
	unsigned long open_by[SIM_FD_NKINDS];
	unsigned long with_in, with_out, with_bufs, new_fds;
};

static int ioctl_index(const struct sim_ioctl *ioc)
{
	for (size_t i = 0; i < sim_ioctl_count() && i < 64; i++)
		if (sim_ioctl_at(i) == ioc)
			return (int)i;
	return -1;
}

static int read_trace(const char *path, struct counts *c)
{
	struct sim_header hdr;
	struct sim_record rec;
	struct sim_err err = { 0 };
	struct sim_reader *r;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		perror(path);
		return -1;
	}
	r = sim_reader_new(f, path);
	sim_record_init(&rec);
	rc = r ? sim_reader_header(r, &hdr, &err) : -1;
	while (!rc && (rc = sim_reader_next(r, &rec, &err)) == 1) {
		rc = 0;
		c->kinds[rec.kind]++;
		if (rec.kind == SIM_REC_OPEN)
			c->open_by[rec.fd.kind]++;
		if (rec.kind != SIM_REC_IOCTL)
			continue;
		if (rec.ioc && ioctl_index(rec.ioc) >= 0)
			c->ioctl_by[ioctl_index(rec.ioc)]++;
		if (rec.has_errno && rec.err > 0 && rec.err < 4096)
			c->errno_by[rec.err]++;
		c->with_in += rec.in.present;
		c->with_out += rec.out.present;
		c->with_bufs += rec.n_in_bufs + rec.n_out_bufs > 0;
		c->new_fds += rec.has_new_fd;
	}
	if (rc < 0)
		fprintf(stderr, "record_check: %s\n",
			err.msg[0] ? err.msg : "out of memory");
	else
		printf("%s: kernel %s, producer '%s': %lu open, %lu dup, "
		       "%lu close, %lu ioctl (%lu with in, %lu with out, %lu "
		       "with buffers, %lu new files), %lu env\n",
		       path, hdr.kernel, hdr.producer, c->kinds[SIM_REC_OPEN],
		       c->kinds[SIM_REC_DUP], c->kinds[SIM_REC_CLOSE],
		       c->kinds[SIM_REC_IOCTL], c->with_in, c->with_out,
		       c->with_bufs, c->new_fds, c->kinds[SIM_REC_ENV]);
	sim_record_clear(&rec);
	sim_reader_free(r);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

static int kind_by_name(const char *name)
{
	for (int k = 0; k < SIM_REC_NKINDS; k++)
		if (!strcmp(sim_rec_kind_name((enum sim_rec_kind)k), name))
			return k;
	return -1;
}

int main(int argc, char **argv)
{
	struct counts c;
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: record_check TRACE [requirements]\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	if (read_trace(argv[1], &c))
		return 1;
	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long have = 0, want = 1;

		if (!v) {
			fprintf(stderr, "record_check: %s needs a value\n", opt);
			return 2;
		}
		i++;
		if (!strcmp(opt, "--require")) {
			int k = kind_by_name(v);

			if (k < 0)
				return 2;
			have = c.kinds[k];
		} else if (!strcmp(opt, "--require-open")) {
			int k = sim_fdkind_parse(v);

			if (k < 0)
				return 2;
			have = c.open_by[k];
		} else if (!strcmp(opt, "--require-ioctl")) {
			const struct sim_ioctl *ioc = sim_ioctl_by_name(v);

			if (!ioc || ioctl_index(ioc) < 0)
				return 2;
			have = c.ioctl_by[ioctl_index(ioc)];
		} else if (!strcmp(opt, "--min-new-fds")) {
			have = c.new_fds;
			want = strtoul(v, NULL, 10);
		} else if (!strcmp(opt, "--min-errno")) {
			char name[32];
			const char *eq = strchr(v, '=');
			int e;

			if (!eq || (size_t)(eq - v) >= sizeof(name))
				return 2;
			memcpy(name, v, (size_t)(eq - v));
			name[eq - v] = 0;
			e = sim_errno_parse(name);
			if (e <= 0)
				return 2;
			have = c.errno_by[e];
			want = strtoul(eq + 1, NULL, 10);
		} else {
			fprintf(stderr, "record_check: unknown option %s\n", opt);
			return 2;
		}
		if (have < want) {
			fprintf(stderr, "record_check: %s %s: %lu in the trace, "
					"%lu wanted\n", opt, v, have, want);
			bad++;
		}
	}
	return bad ? 1 : 0;
}
