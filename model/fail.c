// SPDX-License-Identifier: MIT
/*
 * Fault injection: the task's fail-nth (lib/fault-inject.c should_fail_ex())
 * and the classes of points that consult it.
 *
 * The kernel counts every should_fail() the task reaches while fail-nth is
 * set, whatever the attribute's probability; the model has far fewer
 * points than a kernel (no VFS, no xarray nodes), chosen where an iommufd
 * error path starts, so the nth point here is not the kernel's nth. What
 * is kept is that each point fails with the errno of its kernel
 * counterpart and that the sweep of 1..N ends when N passes the last one.
 */
#include "private.h"

bool iommufd_fail_nth_point(struct iommufd_fail_nth *f, uint32_t point)
{
	if (!f || !f->nth || !(f->points & point))
		return false;
	return --f->nth == 0;
}

bool iommufd_env_should_fail_armed(const struct iommufd_env *env,
				   uint32_t point)
{
	/* without CONFIG_IOMMUFD_TEST the kernel's iommufd_should_fail() is always false */
	if (point == IOMMUFD_FAIL_IOMMUFD && !(env->config & IOMMUFD_CONFIG_TEST))
		return false;
	return iommufd_fail_nth_point(env->fail_nth, point);
}
