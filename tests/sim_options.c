// SPDX-License-Identifier: MIT
/* sim/options.h: capability lists and sizes as users write them */
#include <criterion/criterion.h>

#include <iommufd/model.h>

#include "options.h"

#define ALL_CAPS (IOMMUFD_CAP_IPC_LOCK | IOMMUFD_CAP_SYS_RESOURCE | \
		  IOMMUFD_CAP_SYS_RAWIO)

Test(sim_options, caps)
{
	uint32_t c = 0xdead;

	cr_assert(sim_parse_caps("none", &c));
	cr_assert_eq(c, 0);
	c = 1;
	cr_assert(sim_parse_caps("", &c));
	cr_assert_eq(c, 0);
	cr_assert(sim_parse_caps("all", &c));
	cr_assert_eq(c, ALL_CAPS);
	cr_assert(sim_parse_caps("ipc_lock", &c));
	cr_assert_eq(c, IOMMUFD_CAP_IPC_LOCK);
	cr_assert(sim_parse_caps("CAP_SYS_RAWIO,sys_resource", &c));
	cr_assert_eq(c, IOMMUFD_CAP_SYS_RAWIO | IOMMUFD_CAP_SYS_RESOURCE);
	cr_assert(sim_parse_caps("ipc_lock,", &c), "a trailing comma");
	cr_assert_eq(c, IOMMUFD_CAP_IPC_LOCK);

	c = 7;
	cr_assert_not(sim_parse_caps("ipc_lok", &c));
	cr_assert_not(sim_parse_caps("ipc_lock,bogus", &c));
	cr_assert_not(sim_parse_caps("cap_", &c));
	cr_assert_not(sim_parse_caps("ipc_lockx", &c));
	cr_assert_eq(c, 7, "untouched on error");
}

Test(sim_options, sizes)
{
	uint64_t v = 0;

	cr_assert(sim_parse_size("0", &v));
	cr_assert_eq(v, 0);
	cr_assert(sim_parse_size("4096", &v));
	cr_assert_eq(v, 4096);
	cr_assert(sim_parse_size("0x1000", &v));
	cr_assert_eq(v, 4096);
	cr_assert(sim_parse_size("64k", &v));
	cr_assert_eq(v, 64 << 10);
	cr_assert(sim_parse_size("8M", &v));
	cr_assert_eq(v, 8 << 20);
	cr_assert(sim_parse_size("3G", &v));
	cr_assert_eq(v, 3ull << 30);
	cr_assert(sim_parse_size("unlimited", &v));
	cr_assert_eq(v, IOMMUFD_RLIM_INFINITY);
	cr_assert(sim_parse_size("infinity", &v));
	cr_assert_eq(v, IOMMUFD_RLIM_INFINITY);

	v = 5;
	cr_assert_not(sim_parse_size("", &v));
	cr_assert_not(sim_parse_size("-1", &v));
	cr_assert_not(sim_parse_size("12x", &v));
	cr_assert_not(sim_parse_size("1KB", &v));
	cr_assert_not(sim_parse_size("K", &v));
	cr_assert_not(sim_parse_size("99999999999999999999", &v));
	cr_assert_not(sim_parse_size("17179869184G", &v), "past 2^64");
	cr_assert_eq(v, 5, "untouched on error");
}
