// SPDX-License-Identifier: MIT
/*
 * iommufd-sim record: run a program with libiommufd-record.so preloaded
 * so that its iommufd and VFIO calls land in a trace; with --model the
 * recorder sits on top of libiommufd-preload.so, and the trace is of the
 * model's answers.
 *
 * The program runs as a child rather than replacing us: the recorder
 * creates the trace only when there is something to record, and a
 * program that never opened /dev/iommu should still leave a trace (a
 * header and nothing else), not a missing or stale file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"
#include "trace.h"

#define RECORD_NAME "libiommufd-record.so"


static void record_usage(FILE *out)
{
	fprintf(out,
		"usage: iommufd-sim record -o TRACE [--model] [--] PROGRAM "
		"[ARGS...]\n"
		"\n"
		"Runs PROGRAM with " RECORD_NAME " preloaded and writes every\n"
		"open, dup, close and ioctl of /dev/iommu, /dev/vfio/vfio and\n"
		"/dev/vfio/devices/vfioN to TRACE (docs/trace-format.md), with the\n"
		"structs and buffers before and after each call. PROGRAM sees\n"
		"the same answers as without the recorder.\n"
		"\n"
		"Options:\n"
		"  -o, --output TRACE  the trace to write; %%p in it becomes the\n"
		"                      process ID (one trace per process)\n"
		"  --model             record the model instead of the kernel:\n"
		"                      the recorder is stacked on\n"
		"                      " PRELOAD_NAME " (as 'iommufd-sim run';\n"
		"                      IOMMUFD_SIM_CONFIG, _CAPS, _MEMLOCK and\n"
		"                      _MACHINE apply; the trace's header\n"
		"                      carries that machine)\n"
		"  -h, --help          show this help\n"
		"\n"
		"A trace is one process: forked children are not recorded. Calls\n"
		"that bypass libc (syscall(2), io_uring) are not seen.\n"
		"Environment: IOMMUFD_SIM_RECORDER and IOMMUFD_SIM_PRELOAD name\n"
		"the libraries to use.\n"
		"\n"
		"Exit status: PROGRAM's (128+N when signal N ended it), 2 for a\n"
		"usage error, a missing library or a TRACE that cannot be\n"
		"written, 126 when PROGRAM cannot be run, 127 when it is not\n"
		"found.\n");
}

/* The program may chdir before its first open of /dev/iommu */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];
	char *out;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	return asprintf(&out, "%s/%s", cwd, path) < 0 ? NULL : out;
}

/*
 * The recorder goes first: its wrappers must see the program's calls
 * before the model's do, and pass them on to them.
 */
static int set_preload(const char *rec, const char *model)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;
	int rc;

	if (asprintf(&val, "%s%s%s%s%s", rec, model ? ":" : "",
		     model ? model : "", old && *old ? ":" : "",
		     old && *old ? old : "") < 0)
		return -1;
	rc = setenv("LD_PRELOAD", val, 1);
	free(val);
	return rc;
}

/* Nothing was recorded: still a trace, one that says so */
static int write_empty_trace(const char *path, bool model)
{
	struct sim_header hdr = { .version = SIM_TRACE_VERSION };
	struct utsname u;
	struct stat st;
	FILE *f;
	int rc;

	if (stat(path, &st) || st.st_size)
		return 0;
	f = fopen(path, "w");
	if (!f)
		return -1;
	snprintf(hdr.kernel, sizeof(hdr.kernel), "%.63s",
		 model || uname(&u) ? "6.12" : u.release);
	snprintf(hdr.producer, sizeof(hdr.producer),
		 "iommufd-sim %s record (nothing recorded)",
		 IOMMUFD_MODEL_VERSION);
	rc = sim_write_header(f, &hdr);
	return fclose(f) || rc ? -1 : 0;
}

static int wait_child(pid_t pid)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit;
	int st, rc;

	/* ^C is for the program, as with system(3) */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	while ((rc = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (rc < 0) {
		fprintf(stderr, "iommufd-sim record: waitpid: %s\n",
			strerror(errno));
		return 2;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

int sim_cmd_record(int argc, char **argv)
{
	const char *out = NULL;
	bool model = false;
	char *rec_lib = NULL, *model_lib = NULL, *trace = NULL;
	int i, status = 2;
	pid_t pid;
	FILE *f;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			record_usage(stdout);
			return 0;
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) &&
			   i + 1 < argc) {
			out = argv[++i];
		} else if (!strncmp(a, "--output=", 9)) {
			out = a + 9;
		} else if (!strcmp(a, "--model")) {
			model = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "iommufd-sim record: unknown option "
					"'%s'\n", a);
			record_usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (!out || !*out) {
		fprintf(stderr, "iommufd-sim record: no trace given (-o TRACE)\n");
		record_usage(stderr);
		return 2;
	}
	if (i >= argc) {
		fprintf(stderr, "iommufd-sim record: no program given\n");
		record_usage(stderr);
		return 2;
	}
	rec_lib = sim_find_library("record", RECORD_NAME, "IOMMUFD_SIM_RECORDER");
	if (!rec_lib)
		return 2;
	if (model) {
		model_lib = sim_find_library("record", PRELOAD_NAME,
					     "IOMMUFD_SIM_PRELOAD");
		if (!model_lib)
			goto done;
	}
	trace = absolute(out);
	if (!trace) {
		fprintf(stderr, "iommufd-sim record: %s: %s\n", out,
			strerror(errno));
		goto done;
	}
	/* an unwritable TRACE is found now, and an old one does not linger */
	if (!strstr(trace, "%p")) {
		f = fopen(trace, "w");
		if (!f || fclose(f)) {
			fprintf(stderr, "iommufd-sim record: %s: %s\n", trace,
				strerror(errno));
			goto done;
		}
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "iommufd-sim record: fork: %s\n",
			strerror(errno));
		goto done;
	}
	if (pid == 0) {
		if (set_preload(rec_lib, model_lib) ||
		    setenv("IOMMUFD_SIM_TRACE", trace, 1)) {
			fprintf(stderr, "iommufd-sim record: setenv: %s\n",
				strerror(errno));
			_exit(2);
		}
		execvp(argv[i], argv + i);
		fprintf(stderr, "iommufd-sim record: %s: %s\n", argv[i],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	status = wait_child(pid);
	if (!strstr(trace, "%p") && write_empty_trace(trace, model)) {
		fprintf(stderr, "iommufd-sim record: %s: %s\n", trace,
			strerror(errno));
		if (!status)
			status = 2;
	}
done:
	free(rec_lib);
	free(model_lib);
	free(trace);
	return status;
}
