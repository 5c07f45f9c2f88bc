// SPDX-License-Identifier: MIT
/*
 * iommufd-sim run: start a program with libiommufd-preload.so preloaded,
 * so that its /dev/iommu is the model (the way fakeroot wraps a program).
 * The options become the IOMMUFD_SIM_* variables the library reads; the
 * program replaces this process, so its exit status is ours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iommufd/model.h>

#include "launch.h"
#include "options.h"
#include "trace.h"
#include "vfio_cdev.h"

#ifndef IOMMUFD_SIM_LIBDIR
#define IOMMUFD_SIM_LIBDIR "lib"
#endif


static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: iommufd-sim run [--notest|--next] [--kernel=VER] "
		"[--caps=LIST] "
		"[--memlock=N]\n"
		"                      [--machine=FILE] [--check] [--] PROGRAM "
		"[ARGS...]\n"
		"\n"
		"Runs PROGRAM with " PRELOAD_NAME " preloaded: its\n"
		"/dev/iommu (and /dev/vfio/vfio) is the model, everything else\n"
		"is the real system. The program's exit status is returned.\n"
		"\n"
		"Options:\n"
		"  --notest       a kernel without CONFIG_IOMMUFD_TEST (no\n"
		"                 IOMMU_TEST_CMD); the default has it\n"
		"  --next         with IOMMU_TEST_CMD and the two later-kernel\n"
		"                 ABIs the 6.12.117 selftests use (the mock's\n"
		"                 PASID devices, GET_HW_INFO's input type)\n"
		"  --kernel=VER   answer as Linux VER: 6.6, 6.8 or 6.12 (the\n"
		"                 default); older releases lack later ioctls,\n"
		"                 flags and struct fields (SPEC.md 2.1). Sets\n"
		"                 IOMMUFD_SIM_KERNEL; --next needs 6.12\n"
		"  --caps=LIST    the capabilities the model sees, instead of the\n"
		"                 program's own: ipc_lock,sys_resource,sys_rawio,\n"
		"                 'none' or 'all'\n"
		"  --memlock=N    RLIMIT_MEMLOCK in bytes (K/M/G suffixes, or\n"
		"                 'unlimited') instead of the program's own\n"
		"  --machine=FILE the IOMMUs and devices of the machine, a JSON\n"
		"                 object as a trace header's \"machine\"\n"
		"                 (docs/trace-format.md): the N-th device is\n"
		"                 /dev/vfio/devices/vfioN, a VFIO cdev to bind,\n"
		"                 attach and detach. Without it there are none\n"
		"  --check        run the model's invariant checker after every\n"
		"                 call that reaches it; if one breaks, abort the\n"
		"                 program there, naming the call (slower; for\n"
		"                 reproducers and fuzzing)\n"
		"  -h, --help     show this help\n"
		"\n"
		"Environment: IOMMUFD_SIM_PRELOAD names the library to use;\n"
		"IOMMUFD_SIM_CONFIG, IOMMUFD_SIM_CAPS, IOMMUFD_SIM_MEMLOCK,\n"
		"IOMMUFD_SIM_MACHINE and IOMMUFD_SIM_CHECK are what the options\n"
		"set (see\n"
		"sim/preload/preload.c).\n"
		"\n"
		"Exit status: PROGRAM's, or 2 for a usage error, a bad machine or\n"
		"a missing library, 126 when PROGRAM cannot be run, 127 when it\n"
		"is not found.\n");
}

char *sim_find_library(const char *cmd, const char *name, const char *envvar)
{
	const char *const rel[] = { "", ("/../" IOMMUFD_SIM_LIBDIR), "/../lib" };
	const char *env = getenv(envvar);
	char exe[PATH_MAX], cand[PATH_MAX + 128];
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (access(env, R_OK)) {
			fprintf(stderr, "iommufd-sim %s: %s=%s: %s\n", cmd,
				envvar, env, strerror(errno));
			return NULL;
		}
		return realpath(env, NULL);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		fprintf(stderr, "iommufd-sim %s: /proc/self/exe: %s\n", cmd,
			strerror(errno));
		return NULL;
	}
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s%s/%s", exe, rel[i], name);
		if (!access(cand, R_OK))
			return realpath(cand, NULL);
	}
	fprintf(stderr,
		"iommufd-sim %s: cannot find %s in %s or %s/../"
		IOMMUFD_SIM_LIBDIR "; build it (it is not built with "
		"MODEL_SANITIZE) or set %s\n", cmd, name, exe, exe, envvar);
	return NULL;
}

/*
 * The machine is checked here, platform included, so that a bad one is
 * a message before the program starts; the library gets an absolute
 * path, which stays right if the program changes directory and execs
 */
static char *check_machine(const char *path)
{
	struct iommufd_dev *devs[SIM_MAX_DEVICES];
	struct iommufd_platform *p;
	struct sim_machine m;
	struct sim_err err;
	char why[256], *abs;

	if (sim_machine_read(path, &m, &err)) {
		fprintf(stderr, "iommufd-sim run: --machine: %s\n", err.msg);
		return NULL;
	}
	if (sim_machine_platform(&m, &p, devs, why, sizeof(why))) {
		fprintf(stderr, "iommufd-sim run: --machine: %s: %s\n", path,
			why);
		return NULL;
	}
	iommufd_platform_free(p);
	abs = realpath(path, NULL);
	if (!abs)
		fprintf(stderr, "iommufd-sim run: --machine: %s: %s\n", path,
			strerror(errno));
	return abs;
}

/* LD_PRELOAD with ours first, so that it wraps libc before any other */
static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;
	int rc;

	if (!old || !*old)
		return setenv("LD_PRELOAD", lib, 1);
	if (asprintf(&val, "%s %s", lib, old) < 0)
		return -1;
	rc = setenv("LD_PRELOAD", val, 1);
	free(val);
	return rc;
}

int sim_cmd_run(int argc, char **argv)
{
	const char *caps = NULL, *memlock = NULL, *kernel = NULL;
	bool notest = false, next = false, check = false;
	unsigned int kver = IOMMUFD_KERNEL_6_12;
	char *lib, *machine = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			run_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--notest")) {
			notest = true;
			next = false;
		} else if (!strcmp(a, "--next")) {
			next = true;
			notest = false;
		} else if (!strcmp(a, "--test")) {
			notest = false;
		} else if (!strcmp(a, "--check")) {
			check = true;
		} else if (!strncmp(a, "--kernel=", 9)) {
			kernel = a + 9;
			if (iommufd_kernel_parse(kernel, &kver)) {
				fprintf(stderr, "iommufd-sim run: bad --kernel "
						"'%s' (6.6, 6.8 or 6.12)\n",
					kernel);
				return 2;
			}
		} else if (!strncmp(a, "--caps=", 7)) {
			caps = a + 7;
			if (!sim_parse_caps(caps, &(uint32_t){ 0 })) {
				fprintf(stderr, "iommufd-sim run: bad --caps "
						"'%s'\n", caps);
				return 2;
			}
		} else if (!strncmp(a, "--memlock=", 10)) {
			memlock = a + 10;
			if (!sim_parse_size(memlock, &(uint64_t){ 0 })) {
				fprintf(stderr, "iommufd-sim run: bad --memlock "
						"'%s'\n", memlock);
				return 2;
			}
		} else if (!strncmp(a, "--machine=", 10)) {
			free(machine);
			machine = check_machine(a + 10);
			if (!machine)
				return 2;
		} else if (a[0] == '-' && a[1]) {
			free(machine);
			fprintf(stderr, "iommufd-sim run: unknown option '%s'\n",
				a);
			run_usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		free(machine);
		fprintf(stderr, "iommufd-sim run: no program given\n");
		run_usage(stderr);
		return 2;
	}
	if (next && kver != IOMMUFD_KERNEL_6_12) {
		fprintf(stderr, "iommufd-sim run: --next builds on 6.12, not "
				"--kernel=%s\n",
			kernel);
		return 2;
	}
	lib = sim_find_library("run", PRELOAD_NAME, "IOMMUFD_SIM_PRELOAD");
	if (!lib) {
		free(machine);
		return 2;
	}
	if (set_preload(lib) ||
	    setenv("IOMMUFD_SIM_CONFIG",
		   notest ? "notest" : next ? "next" : "test", 1) ||
	    (kernel && setenv("IOMMUFD_SIM_KERNEL", kernel, 1)) ||
	    (caps && setenv("IOMMUFD_SIM_CAPS", caps, 1)) ||
	    (memlock && setenv("IOMMUFD_SIM_MEMLOCK", memlock, 1)) ||
	    (machine && setenv("IOMMUFD_SIM_MACHINE", machine, 1)) ||
	    (check && setenv("IOMMUFD_SIM_CHECK", "1", 1))) {
		fprintf(stderr, "iommufd-sim run: setenv: %s\n",
			strerror(errno));
		free(lib);
		free(machine);
		return 2;
	}
	free(lib);
	free(machine);
	fflush(stdout);
	execvp(argv[i], argv + i);
	fprintf(stderr, "iommufd-sim run: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
