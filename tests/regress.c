// SPDX-License-Identifier: MIT
/*
 * Historical kernel bugs (historical-bugs.md), one test each: every test
 * fails when its bug is put back into the model and passes on the model
 * as it is. Named after the kernel fix; the comment quotes its title.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/access.h>

#include "harness.h"

static void noop_unmap(void *data, uint64_t iova, uint64_t length)
{
	(void)data;
	(void)iova;
	(void)length;
}

static const struct iommufd_access_ops pin_ops = {
	.needs_pin_pages = true,
	.unmap = noop_unmap,
};

/* "iommufd: Fix iopt_access_list_id overwrite bug" */
Test(regress, fix_iopt_access_list_id_overwrite)
{
	struct iommufd_access *a, *b;
	struct harness h;
	uint32_t ioas1, ioas2, id;
	static char buf[0x100];
	int err = 0;

	harness_open(&h, IOMMUFD_CAP_IPC_LOCK, 0);
	ioas1 = h_ioas_alloc(&h);
	ioas2 = h_ioas_alloc(&h);
	/* b takes slot 0 of ioas2, a slot 0 of ioas1 */
	b = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(b);
	cr_assert_eq(iommufd_access_attach(b, ioas2), 0);
	a = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(a);
	cr_assert_eq(iommufd_access_attach(a, ioas1), 0);
	/* a gets slot 1 of ioas2 and must still leave slot 0 of ioas1 */
	cr_assert_eq(iommufd_access_replace(a, ioas2), 0);
	harness_check(&h);
	/* with no access left, ioas1 maps at byte granularity again */
	cr_assert_eq(h_map_fixed(&h, ioas1, (uintptr_t)buf + 1, 0x10, 0x10001),
		     0);
	iommufd_access_destroy(a);
	iommufd_access_destroy(b);
	harness_check(&h);
	harness_close(&h);
}

/*
 * "iommufd: Fix iopt_access_list_id overwrite bug": the other half, a
 * replace that fails in iopt_add_access() must leave the id of the slot
 * the access still holds
 */
Test(regress, fix_iopt_access_list_id_failed_replace)
{
	struct iommufd_access *a, *b;
	struct harness h;
	uint32_t ioas1, ioas2, id;
	static char buf[0x100];
	int err = 0;

	harness_open(&h, IOMMUFD_CAP_IPC_LOCK, 0);
	ioas1 = h_ioas_alloc(&h);
	ioas2 = h_ioas_alloc(&h);
	/* byte-granular IOVA in ioas2: a page-pinning access cannot join */
	cr_assert_eq(h_map_fixed(&h, ioas2, (uintptr_t)buf + 1, 0x10, 0x10001),
		     0);
	/* a sits in slot 1 of ioas1, slot 0 of ioas2 is free */
	b = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(b);
	cr_assert_eq(iommufd_access_attach(b, ioas1), 0);
	a = iommufd_access_create(h.ctx, &pin_ops, NULL, &id, &err);
	cr_assert_not_null(a);
	cr_assert_eq(iommufd_access_attach(a, ioas1), 0);
	cr_assert_eq(iommufd_access_replace(a, ioas2), -EADDRINUSE);
	harness_check(&h);
	/* both gone, ioas1 is byte-granular again */
	iommufd_access_destroy(a);
	iommufd_access_destroy(b);
	cr_assert_eq(h_map_fixed(&h, ioas1, (uintptr_t)buf + 1, 0x10, 0x10001),
		     0);
	harness_close(&h);
}
