// SPDX-License-Identifier: MIT
/*
 * The in-kernel access API (include/iommufd/access.h) called directly, as
 * an emulated device's driver calls it: attach/replace/detach, pinning
 * and its unmap notification, read/write through IOVAs, the ID and the
 * holds it puts on its IOAS, itself and the context.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/access.h>

#include "harness.h"

struct driver {
	struct iommufd_access *access;
	unsigned int unmaps;
	uint64_t last_iova, last_len;
	uint64_t pinned_iova, pinned_len; /* what to unpin when told */
};

static void drv_unmap(void *data, uint64_t iova, uint64_t length)
{
	struct driver *d = data;

	d->unmaps++;
	d->last_iova = iova;
	d->last_len = length;
	if (d->pinned_len) {
		iommufd_access_unpin_pages(d->access, d->pinned_iova,
					   d->pinned_len);
		d->pinned_len = 0;
	}
}

static const struct iommufd_access_ops pin_ops = {
	.needs_pin_pages = true,
	.unmap = drv_unmap,
};

/* A copying driver: no pins, so no unmap callback either */
static const struct iommufd_access_ops rw_ops = { 0 };

struct fixture {
	struct harness h;
	char *buf;
	size_t len;
};

static void setup(struct fixture *f)
{
	harness_open(&f->h, IOMMUFD_CAP_IPC_LOCK, 0);
	f->len = 16 * 4096;
	f->buf = mmap(NULL, f->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->buf, MAP_FAILED);
}

static void teardown(struct fixture *f)
{
	harness_close(&f->h);
	munmap(f->buf, f->len);
}

static struct iommufd_access *create(struct fixture *f,
				     const struct iommufd_access_ops *ops,
				     struct driver *d, uint32_t *id)
{
	int err = 0;
	struct iommufd_access *a =
		iommufd_access_create(f->h.ctx, ops, d, id, &err);

	cr_assert_not_null(a, "create: %d", err);
	if (d)
		d->access = a;
	harness_check(&f->h);
	return a;
}

Test(access, attach_replace_detach_and_their_errors)
{
	struct fixture f;
	struct driver d = { 0 };
	struct iommufd_access *a;
	uint32_t id, ioas1, ioas2;

	setup(&f);
	ioas1 = h_ioas_alloc(&f.h);
	ioas2 = h_ioas_alloc(&f.h);
	a = create(&f, &pin_ops, &d, &id);
	cr_assert_eq(id, 3, "an object of the table, lowest free ID");
	cr_assert_eq(iommufd_access_id(a), id);

	cr_assert_eq(iommufd_access_replace(a, ioas2), -ENOENT,
		     "nothing to replace");
	cr_assert_eq(iommufd_access_attach(a, 99), -ENOENT);
	cr_assert_eq(iommufd_access_attach(a, id), -ENOENT, "not an IOAS");
	cr_assert_eq(iommufd_access_attach(a, ioas1), 0);
	harness_check(&f.h);
	{
		/* what tools see: the access and the IOAS it holds */
		struct iommufd_object_info info[4];

		cr_assert_eq(iommufd_ctx_objects(f.h.ctx, info, 4), 3);
		cr_assert_eq(info[2].id, id);
		cr_assert_eq(info[2].kind, IOMMUFD_OBJECT_ACCESS);
		cr_assert_eq(info[2].ioas_id, ioas1);
		cr_assert_eq(info[0].users, 2, "the table's and the access's");
	}
	cr_assert_eq(iommufd_access_attach(a, ioas2), -EINVAL, "attached");
	cr_assert_eq(h_destroy(&f.h, ioas1), -EBUSY, "the access holds it");
	cr_assert_eq(h_destroy(&f.h, id), -EBUSY, "its own object too");

	cr_assert_eq(iommufd_access_replace(a, 99), -ENOENT);
	cr_assert_eq(iommufd_access_replace(a, ioas2), 0);
	harness_check(&f.h);
	cr_assert_eq(h_destroy(&f.h, ioas1), 0, "let go on replace");
	cr_assert_eq(h_destroy(&f.h, ioas2), -EBUSY);

	/* the replace told the driver to drop every pin, pinned or not */
	cr_assert_eq(d.unmaps, 1);
	cr_assert_eq(d.last_iova, 0);
	cr_assert_eq(d.last_len, UINT64_MAX);
	cr_assert_eq(iommufd_access_replace(a, ioas2), 0);
	cr_assert_eq(d.unmaps, 1, "a replace by the same IOAS does nothing");
	iommufd_access_detach(a);
	cr_assert_eq(d.unmaps, 2, "and so did the detach");
	iommufd_access_detach(a); /* detached already: nothing happens */
	cr_assert_eq(d.unmaps, 2);
	harness_check(&f.h);
	cr_assert_eq(h_destroy(&f.h, ioas2), 0);
	iommufd_access_destroy(a);
	harness_check(&f.h);
	/* the ID is free again */
	cr_assert_eq(h_ioas_alloc(&f.h), 1);
	teardown(&f);
}

Test(access, pin_errors_then_unmap_tells_the_driver)
{
	struct fixture f;
	struct driver d = { 0 };
	struct iommufd_access *a;
	uint64_t pfns[4], iova = 0x100000;
	struct iommu_ioas_unmap un = { .size = sizeof(un) };
	uint32_t id, ioas;

	setup(&f);
	ioas = h_ioas_alloc(&f.h);
	a = create(&f, &pin_ops, &d, &id);
	cr_assert_eq(iommufd_access_pin_pages(a, iova, 4096, pfns, 0), -ENOENT,
		     "not attached");
	cr_assert_eq(iommufd_access_attach(a, ioas), 0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4 * 4096, iova),
		     0);
	cr_assert_eq(iommufd_access_pin_pages(a, iova, 0, pfns, 0), -EINVAL);
	cr_assert_eq(iommufd_access_pin_pages(a, UINT64_MAX - 4095, 8192, pfns,
					      0),
		     -EOVERFLOW);
	cr_assert_eq(iommufd_access_pin_pages(a, iova + 4 * 4096, 4096, pfns,
					      0),
		     -ENOENT, "no area there");

	cr_assert_eq(iommufd_access_pin_pages(a, iova + 4096, 2 * 4096, pfns,
					      IOMMUFD_ACCESS_RW_WRITE),
		     0);
	harness_check(&f.h);
	/* self memory: the PFNs are the page numbers of the VAs */
	cr_assert_eq(pfns[0], ((uintptr_t)f.buf >> 12) + 1);
	cr_assert_eq(pfns[1], ((uintptr_t)f.buf >> 12) + 2);
	d.pinned_iova = iova + 4096;
	d.pinned_len = 2 * 4096;

	/* unmapping pinned IOVA asks the driver to let go first */
	un.ioas_id = ioas;
	un.iova = iova;
	un.length = 4 * 4096;
	ASSERT_OK(&f.h, IOMMU_IOAS_UNMAP, &un);
	cr_assert_eq(d.unmaps, 1);
	cr_assert_eq(d.last_iova, iova);
	cr_assert_eq(d.last_len, 4 * 4096);
	cr_assert_eq(d.pinned_len, 0, "the driver unpinned");
	iommufd_access_destroy(a);
	harness_check(&f.h);
	teardown(&f);
}

/* A driver without an unmap callback cannot pin, only copy */
Test(access, a_copying_driver_reads_and_writes_through_iovas)
{
	struct fixture f;
	struct iommufd_access *a;
	uint64_t pfn, iova = 0x200000;
	char out[8] = { 0 };
	uint32_t id, ioas;

	setup(&f);
	ioas = h_ioas_alloc(&f.h);
	a = create(&f, &rw_ops, NULL, &id);
	cr_assert_eq(iommufd_access_rw(a, iova, out, 4, 0), -ENOENT,
		     "not attached");
	cr_assert_eq(iommufd_access_attach(a, ioas), 0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 2 * 4096, iova),
		     0);
	cr_assert_eq(iommufd_access_pin_pages(a, iova, 4096, &pfn, 0), -EINVAL);
	cr_assert_eq(iommufd_access_rw(a, iova, out, 0, 0), -EINVAL);
	cr_assert_eq(iommufd_access_rw(a, UINT64_MAX - 2, out, 8, 0),
		     -EOVERFLOW);

	memcpy(f.buf + 4094, "abcd", 4);
	cr_assert_eq(iommufd_access_rw(a, iova + 4094, out, 4, 0), 0,
		     "across the page boundary");
	cr_assert_arr_eq(out, "abcd", 4);
	cr_assert_eq(iommufd_access_rw(a, iova + 10, "wxyz", 4,
				       IOMMUFD_ACCESS_RW_WRITE),
		     0);
	cr_assert_arr_eq(f.buf + 10, "wxyz", 4);
	cr_assert_eq(iommufd_access_rw(a, iova + 2 * 4096 - 2, out, 4, 0),
		     -ENOENT, "runs past the mapping");
	harness_check(&f.h);
	iommufd_access_destroy(a);
	teardown(&f);
}

/* The access holds the context: close waits for its destroy */
Test(access, outlives_the_close_of_its_context)
{
	struct fixture f;
	struct iommufd_access *a;
	uint32_t id, ioas;
	char out[4];

	setup(&f);
	ioas = h_ioas_alloc(&f.h);
	a = create(&f, &rw_ops, NULL, &id);
	cr_assert_eq(iommufd_access_attach(a, ioas), 0);
	cr_assert_eq(h_map_fixed(&f.h, ioas, (uintptr_t)f.buf, 4096, 0x10000),
		     0);
	iommufd_ctx_close(f.h.ctx);
	f.h.ctx = NULL;
	memcpy(f.buf, "ok!", 4);
	cr_assert_eq(iommufd_access_rw(a, 0x10000, out, 4, 0), 0,
		     "the IOAS is still there for the access");
	cr_assert_str_eq(out, "ok!");
	iommufd_access_destroy(a); /* releases the context */
	munmap(f.buf, f.len);
}
