// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <iommufd/model.h>

#include "options.h"

bool sim_parse_caps(const char *s, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {
		{ "ipc_lock", IOMMUFD_CAP_IPC_LOCK },
		{ "sys_resource", IOMMUFD_CAP_SYS_RESOURCE },
		{ "sys_rawio", IOMMUFD_CAP_SYS_RAWIO },
	};
	uint32_t caps = 0;

	if (!strcmp(s, "none")) {
		*out = 0;
		return true;
	}
	if (!strcmp(s, "all")) {
		*out = IOMMUFD_CAP_IPC_LOCK | IOMMUFD_CAP_SYS_RESOURCE |
		       IOMMUFD_CAP_SYS_RAWIO;
		return true;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		bool found = false;

		if (len > 4 && !strncasecmp(s, "cap_", 4)) {
			s += 4;
			len -= 4;
		}
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) == len &&
			    !strncasecmp(s, names[i].name, len)) {
				caps |= names[i].bit;
				found = true;
			}
		}
		if (!found)
			return false;
		s += len;
		if (*s == ',')
			s++;
	}
	*out = caps;
	return true;
}

bool sim_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!strcmp(s, "unlimited") || !strcmp(s, "infinity")) {
		*out = IOMMUFD_RLIM_INFINITY;
		return true;
	}
	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

bool sim_parse_config(const char *s, unsigned int *out)
{
	*out = IOMMUFD_CONFIG_TEST;
	if (!s || !*s || !strcmp(s, "test"))
		return true;
	if (!strcmp(s, "notest")) {
		*out = 0;
		return true;
	}
	if (!strcmp(s, "next")) {
		*out = IOMMUFD_CONFIG_TEST | IOMMUFD_CONFIG_SELFTEST_NEXT;
		return true;
	}
	return false;
}
