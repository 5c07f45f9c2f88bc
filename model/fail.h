/* SPDX-License-Identifier: MIT */
/*
 * Fault-injection points (fail.c). Kept apart from private.h so the
 * io_pagetable layer, which only knows the env of its pages, can use them.
 */
#ifndef MODEL_FAIL_H
#define MODEL_FAIL_H

#include <stdbool.h>
#include <stdint.h>

#include <iommufd/model.h>

/* Call sites are marked "fail-nth:" and listed in SPEC.md */
bool iommufd_env_should_fail_armed(const struct iommufd_env *env,
				   uint32_t point);
/* Inline: every MAP and UNMAP passes several points, almost never armed */
static inline bool iommufd_env_should_fail(const struct iommufd_env *env,
					   uint32_t point)
{
	return env->fail_nth && iommufd_env_should_fail_armed(env, point);
}
/* failslab: an allocation of the kernel's fails, -ENOMEM */
static inline bool iommufd_should_fail_slab(const struct iommufd_env *env)
{
	return iommufd_env_should_fail(env, IOMMUFD_FAIL_SLAB);
}
/* fail_usercopy: copy_from_user()/copy_to_user() fails, -EFAULT */
static inline bool iommufd_should_fail_usercopy(const struct iommufd_env *env)
{
	return iommufd_env_should_fail(env, IOMMUFD_FAIL_USERCOPY);
}
/* The kernel's iommufd_should_fail(): the errno is the call site's */
static inline bool iommufd_should_fail(const struct iommufd_env *env)
{
	return iommufd_env_should_fail(env, IOMMUFD_FAIL_IOMMUFD);
}

#endif
