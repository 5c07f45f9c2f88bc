/* SPDX-License-Identifier: MIT */
/*
 * What `iommufd-sim run` and `iommufd-sim record` share: finding the
 * LD_PRELOAD libraries they start programs with.
 */
#ifndef SIM_LAUNCH_H
#define SIM_LAUNCH_H

#define PRELOAD_NAME "libiommufd-preload.so"

int sim_cmd_run(int argc, char **argv);
int sim_cmd_record(int argc, char **argv);

/*
 * The library @name: from the variable @envvar if set, else next to the
 * executable (the build tree), else in the lib directory of the prefix it
 * is installed in. A malloc'd absolute path, or NULL after a message
 * naming "iommufd-sim @cmd".
 */
char *sim_find_library(const char *cmd, const char *name, const char *envvar);

#endif
