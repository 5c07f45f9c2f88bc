// SPDX-License-Identifier: MIT
/*
 * iommufd-sim: the command-line face of the model. Subcommands:
 *
 *   replay   run a trace (docs/trace-format.md) against the model and
 *            compare every recorded result
 *   run      run a program with its /dev/iommu served by the model
 *            (sim/run.c, sim/preload/)
 *   record   run a program and write its iommufd calls as a trace
 *            (sim/record_cmd.c, sim/record/)
 *   convert-qemu  turn QEMU's iommufd trace events into a trace
 *            (sim/qemu.c)
 *
 * Exit status: 0 success / agreement, 1 divergence, 2 usage error or a
 * trace that cannot be replayed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <iommufd/model.h>

#include "launch.h"
#include "options.h"
#include "qemu.h"
#include "replay.h"


static void usage(FILE *out)
{
	fprintf(out,
		"usage: iommufd-sim [-h|--help] [-V|--version]\n"
		"       iommufd-sim replay TRACE [--stop-at-first] "
		"[--report=json] [--record OUT]\n"
		"                             [--kernel=VER]\n"
		"       iommufd-sim run [--notest] [--kernel=VER] [--caps=LIST] "
		"[--memlock=N]\n"
		"                       [--machine=FILE] -- PROGRAM [ARGS...]\n"
		"       iommufd-sim record -o TRACE [--model] -- PROGRAM "
		"[ARGS...]\n"
		"       iommufd-sim convert-qemu QEMU_LOG [-o TRACE]\n"
		"\n"
		"An executable model of the Linux 6.12 iommufd uAPI (or, with\n"
		"--kernel=6.6 or 6.8, of those releases). The model itself is\n"
		"the library libiommufd-model (see README.md).\n"
		"\n"
		"Subcommands:\n"
		"  replay TRACE   run an iommufd trace (JSON Lines, see\n"
		"                 docs/trace-format.md) against a fresh model and\n"
		"                 compare every recorded result; 'replay --help'\n"
		"                 for its options\n"
		"  run PROGRAM    run PROGRAM with its /dev/iommu served by the\n"
		"                 model (LD_PRELOAD), and with --machine the VFIO\n"
		"                 device cdevs of that machine; 'run --help' for\n"
		"                 options\n"
		"  record PROGRAM write PROGRAM's iommufd and VFIO calls to a\n"
		"                 trace (--model: the model's answers);\n"
		"                 'record --help' for options\n"
		"  convert-qemu QEMU_LOG  turn the iommufd trace events of a\n"
		"                 QEMU log (-trace 'iommufd*') into a trace;\n"
		"                 'convert-qemu --help' for options\n"
		"\n"
		"Options:\n"
		"  -h, --help     show this help and exit\n"
		"  -V, --version  show the version and the build options\n"
		"\n"
		"See also trace2dot(TRACE): pictures of what the model holds\n"
		"along a trace, as Graphviz dot.\n"
		"\n"
		"Exit status: 0 success (the model agreed with the trace),\n"
		"1 divergence, 2 usage error or a trace that cannot be replayed.\n");
}

static void replay_usage(FILE *out)
{
	fprintf(out,
		"usage: iommufd-sim replay TRACE [--stop-at-first] "
		"[--report=json] [--record OUT]\n"
		"                           [--kernel=VER] [--max-memory=SIZE]\n"
		"\n"
		"Validates the whole trace, then runs it against a fresh model\n"
		"over simulated memory (user addresses as recorded) and compares\n"
		"ret, errno, output fields and output buffers with the trace.\n"
		"TRACE - reads standard input (zcat t.jsonl.gz | ... replay -).\n"
		"Each divergence is printed as\n"
		"  TRACE:LINE: seq N REQUEST: FIELD: expected X, got Y\n"
		"\n"
		"Options:\n"
		"  --stop-at-first  stop after the first record that diverges\n"
		"  --report=json    print a JSON summary instead of text\n"
		"  --report=text    the default\n"
		"  --record OUT     write what the model did to OUT, in the trace\n"
		"                   format (records without results get them)\n"
		"  --kernel=VER     answer as Linux VER: 6.6, 6.8 or 6.12. The\n"
		"                   default is the newest of these at or below\n"
		"                   the header's \"kernel\" (6.7 runs as 6.6,\n"
		"                   6.9-6.11 as 6.8, 6.13 and later as 6.12),\n"
		"                   with a note when it is not that release\n"
		"  --max-memory=SIZE  simulated RAM (K/M/G suffixes; default\n"
		"                   unlimited): pins past it are ENOMEM, so an\n"
		"                   untrusted trace cannot exhaust this machine\n"
		"  -h, --help       show this help\n"
		"\n"
		"Exit status: 0 the model agreed everywhere, 1 divergence,\n"
		"2 usage error, unreadable or unsupported trace.\n");
}

static int cmd_replay(int argc, char **argv)
{
	const char *trace = NULL, *record = NULL;
	struct sim_replay_opts opts = { 0 };
	struct sim_replay_result res;
	bool json = false;
	FILE *rec = NULL;
	int status;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			replay_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--stop-at-first")) {
			opts.stop_at_first = true;
		} else if (!strcmp(a, "--report=json")) {
			json = true;
		} else if (!strcmp(a, "--report=text")) {
			json = false;
		} else if (!strcmp(a, "--record") && i + 1 < argc) {
			record = argv[++i];
		} else if (!strncmp(a, "--record=", 9) && a[9]) {
			record = a + 9;
		} else if (!strncmp(a, "--kernel=", 9)) {
			if (iommufd_kernel_parse(a + 9, &opts.kernel)) {
				fprintf(stderr, "iommufd-sim replay: bad --kernel "
						"'%s' (6.6, 6.8 or 6.12)\n",
					a + 9);
				return 2;
			}
		} else if (!strncmp(a, "--max-memory=", 13)) {
			uint64_t bytes;

			if (!sim_parse_size(a + 13, &bytes) ||
			    (bytes != IOMMUFD_RLIM_INFINITY && bytes < 4096)) {
				fprintf(stderr, "iommufd-sim replay: bad "
						"--max-memory '%s' (bytes, K/M/G "
						"suffix, at least 4K, or "
						"unlimited)\n",
					a + 13);
				return 2;
			}
			opts.max_pages = bytes == IOMMUFD_RLIM_INFINITY ?
						 0 :
						 bytes >> 12;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "iommufd-sim replay: unknown option '%s'\n",
				a);
			replay_usage(stderr);
			return 2;
		} else if (!trace) {
			trace = a;
		} else {
			fprintf(stderr, "iommufd-sim replay: one trace at a time "
					"('%s' and '%s')\n", trace, a);
			return 2;
		}
	}
	if (!trace) {
		fprintf(stderr, "iommufd-sim replay: no trace given\n");
		replay_usage(stderr);
		return 2;
	}
	if (record) {
		rec = fopen(record, "w");
		if (!rec) {
			perror(record);
			return 2;
		}
		opts.record = rec;
	}
	opts.log = json ? NULL : stdout;

	status = sim_replay_file(trace, &opts, &res);

	if (rec && fclose(rec)) {
		perror(record);
		status = SIM_REPLAY_ERROR;
	}
	/* a half-written trace would pass for a whole one */
	if (rec && status == SIM_REPLAY_ERROR)
		unlink(record);
	if (status == SIM_REPLAY_ERROR)
		fprintf(stderr, "iommufd-sim replay: %s\n", res.error);
	if (json) {
		sim_replay_report_json(stdout, trace, &res);
	} else if (status != SIM_REPLAY_ERROR) {
		printf("%s: %llu records (%llu ioctls), %llu with results, "
		       "%llu without: %s",
		       trace, (unsigned long long)res.records,
		       (unsigned long long)res.ioctls,
		       (unsigned long long)res.compared,
		       (unsigned long long)res.unchecked,
		       res.ndiv ? "DIVERGED" : "the model agrees");
		if (res.ndiv)
			printf(", %llu divergent value%s%s",
			       (unsigned long long)res.ndiv,
			       res.ndiv == 1 ? "" : "s",
			       res.stopped ? " (stopped at the first)" : "");
		printf("\n");
	}
	sim_replay_result_free(&res);
	return (int)status;
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 &&
	    (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("iommufd-sim %s, models Linux 6.12, invariants %s\n",
		       IOMMUFD_MODEL_VERSION,
		       iommufd_model_debug_invariants() ? "checked after every ioctl" :
							  "off");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "run"))
		return sim_cmd_run(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "record"))
		return sim_cmd_record(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "convert-qemu"))
		return sim_cmd_convert_qemu(argc - 1, argv + 1);
	if (argc > 1)
		fprintf(stderr, "iommufd-sim: unknown argument '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
