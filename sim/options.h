/* SPDX-License-Identifier: MIT */
/*
 * The values users give for a simulated task, shared by `iommufd-sim run`
 * (which checks them before the program starts) and the preload and
 * recorder libraries (which read them from the environment).
 */
#ifndef SIM_OPTIONS_H
#define SIM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * "ipc_lock,sys_resource,sys_rawio" in any case, each optionally prefixed
 * "cap_"; "all"; "none" or "" for none. IOMMUFD_CAP_* bits into *out.
 */
bool sim_parse_caps(const char *s, uint32_t *out);

/*
 * Bytes, in C notation with an optional K/M/G suffix (powers of 1024), or
 * "unlimited"/"infinity" (IOMMUFD_RLIM_INFINITY). False for anything else,
 * a negative number or a value past 2^64 - 1.
 */
bool sim_parse_size(const char *s, uint64_t *out);

/*
 * IOMMUFD_SIM_CONFIG: "test" (also NULL or ""), "next" or "notest" into
 * IOMMUFD_CONFIG_* bits; false for anything else, *out left as "test".
 */
bool sim_parse_config(const char *s, unsigned int *out);

#endif
