// SPDX-License-Identifier: MIT
/*
 * IOMMU_TEST_CMD, as a kernel built with CONFIG_IOMMUFD_TEST answers it
 * (drivers/iommu/iommufd/selftest.c): mock devices on the mock IOMMU,
 * reserved ranges, checks of what a mock domain maps and of page pin
 * counts, in-kernel accesses behind file descriptors, dirty marking and
 * the nested domain's fake IOTLB.
 *
 * Mock devices live on the environment's platform for as long as their
 * SELFTEST object; access "files" live in a per-context table until
 * iommufd_ctx_close_fd().
 */
#include <stdlib.h>
#include <string.h>

#include <iommufd/uapi_test.h>

#include "private.h"
#include "mock/mock.h"

struct selftest_obj {
	struct iommufd_object obj;
	struct iommufd_dev *mock_dev;
};

uint32_t iommufd_selftest_dev_id(const struct iommufd_object *obj)
{
	const struct selftest_obj *sobj =
		container_of(obj, struct selftest_obj, obj);

	return sobj->mock_dev && sobj->mock_dev->idev ?
		       sobj->mock_dev->idev->obj.id : 0;
}

struct staccess_item {
	uint64_t iova, length;
	uint32_t id;
	struct staccess_item *next;
};

/* One CREATE_ACCESS file: an access and the ranges pinned through it */
struct staccess {
	int fd;
	struct iommufd_ctx *ictx;
	struct iommufd_access *access;
	struct staccess_item *items; /* oldest first */
	uint32_t next_id;
	struct staccess *next;
};

/* ------------------------------------------------------------ mock devices */

static struct iommufd_iommu *mock_iommu(struct iommufd_platform *p, int *err)
{
	struct iommufd_iommu_desc desc = { .kind = IOMMUFD_IOMMU_MOCK };
	struct iommufd_iommu *iommu;

	for (iommu = p->iommus; iommu; iommu = iommu->next)
		if (iommu->desc.kind == IOMMUFD_IOMMU_MOCK)
			return iommu;
	return iommufd_platform_add_iommu(p, &desc, err);
}

static int test_mock_domain(struct iommufd_ucmd *ucmd,
			    struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_dev_desc desc = { 0 };
	struct iommufd_platform *p = ictx->env->platform;
	struct iommufd_device *idev;
	struct selftest_obj *sobj;
	struct iommufd_iommu *iommu;
	uint32_t pt_id = cmd->id, idev_id;
	int rc;

	sobj = (struct selftest_obj *)iommufd_object_alloc(
		ictx, sizeof(*sobj), IOMMUFD_OBJ_SELFTEST, &rc);
	if (!sobj)
		return rc;
	if (!p) {
		rc = -ENODEV;
		goto out_sobj;
	}
	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		desc.mock_flags = cmd->mock_domain_flags.dev_flags;
	/* mock_dev_create(): 6.12 knows two flags, 6.15 adds PASID */
	if (desc.mock_flags & MOCK_FLAGS_DEVICE_PASID) {
		if (!(ictx->env->config & IOMMUFD_CONFIG_SELFTEST_NEXT)) {
			rc = -EINVAL;
			goto out_sobj;
		}
		desc.max_pasids = 1u << MOCK_PASID_WIDTH;
	}
	iommu = mock_iommu(p, &rc);
	if (!iommu)
		goto out_sobj;
	sobj->mock_dev = iommufd_platform_add_dev(p, iommu, &desc, &rc);
	if (!sobj->mock_dev)
		goto out_sobj;
	sobj->mock_dev->selftest = true;

	idev = iommufd_device_bind(ictx, sobj->mock_dev, &idev_id, &rc);
	if (!idev)
		goto out_mdev;
	rc = iommufd_device_attach(idev, &pt_id);
	if (rc)
		goto out_unbind;

	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_idev_id = idev_id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_detach;
	iommufd_object_finalize(ictx, &sobj->obj);
	return 0;

out_detach:
	iommufd_device_detach(idev);
out_unbind:
	iommufd_device_unbind(idev);
out_mdev:
	iommufd_platform_remove_dev(p, sobj->mock_dev);
	sobj->mock_dev = NULL;
out_sobj:
	iommufd_object_abort_and_destroy(ictx, &sobj->obj);
	return rc;
}

void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);
	struct iommufd_dev *dev = sobj->mock_dev;

	if (!dev)
		return;
	iommufd_device_detach(dev->idev);
	iommufd_device_unbind(dev->idev);
	iommufd_platform_remove_dev(dev->platform, dev);
}

static int test_mock_domain_replace(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj;
	struct selftest_obj *sobj;
	uint32_t pt_id = cmd->mock_domain_replace.pt_id;
	int rc;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_SELFTEST);
	if (!obj)
		return -ENOENT;
	sobj = container_of(obj, struct selftest_obj, obj);
	rc = iommufd_device_replace(sobj->mock_dev->idev, &pt_id);
	if (rc)
		return rc;
	cmd->mock_domain_replace.pt_id = pt_id;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

static int test_add_reserved(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	uint64_t start = cmd->add_reserved.start, last;
	struct iommufd_ioas *ioas;

	if (!cmd->add_reserved.length)
		return -EINVAL;
	if (__builtin_add_overflow(start, cmd->add_reserved.length - 1, &last))
		return -EOVERFLOW;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->id);
	if (!ioas)
		return -ENOENT;
	/* no owner: it lives as long as the IOAS */
	return iopt_reserve_iova(&ioas->iopt, start, last, NULL);
}

/* get_md_pagetable(): ENOENT for no such HWPT, EINVAL for a non-mock one */
static struct iommufd_hw_pagetable *md_pagetable(struct iommufd_ucmd *ucmd,
						 uint32_t id, bool nested,
						 int *err)
{
	struct iommufd_object *obj = iommufd_get_object(
		ucmd->ictx, id,
		nested ? IOMMUFD_OBJ_HWPT_NESTED : IOMMUFD_OBJ_HWPT_PAGING);
	struct iommufd_hw_pagetable *hwpt;

	if (!obj) {
		*err = -ENOENT;
		return NULL;
	}
	hwpt = container_of(obj, struct iommufd_hw_pagetable, obj);
	if (nested ? !mock_domain_is_nested(hwpt->domain) :
		     !mock_domain_is_paging(hwpt->domain)) {
		*err = -EINVAL;
		return NULL;
	}
	return hwpt;
}

/* get_user_pages_fast() of one page: its PFN, without keeping the pin */
static int user_pfn(struct iommufd_ctx *ictx, uint64_t uva, uint64_t *pfn)
{
	const struct iommufd_mem *mem = &ictx->env->mem;
	int rc = mem->ops->pin(mem->priv, uva & ~(IOPT_PAGE_SIZE - 1), 1, false,
			       pfn);

	if (rc)
		return rc;
	mem->ops->unpin(mem->priv, pfn, 1);
	return 0;
}

static int test_md_check_pa(struct iommufd_ucmd *ucmd,
			    struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->check_map.iova, length = cmd->check_map.length;
	uint64_t uptr = cmd->check_map.uptr, end, pfn, pa;
	struct iommufd_hw_pagetable *hwpt;
	int rc;

	if (iova % MOCK_IO_PAGE_SIZE || length % MOCK_IO_PAGE_SIZE ||
	    uptr % MOCK_IO_PAGE_SIZE ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	hwpt = md_pagetable(ucmd, cmd->id, false, &rc);
	if (!hwpt)
		return rc;
	for (; length; length -= MOCK_IO_PAGE_SIZE) {
		rc = user_pfn(ucmd->ictx, uptr, &pfn);
		if (rc)
			return rc;
		if (!mock_domain_iova_to_phys(hwpt->domain, iova, &pa) ||
		    pa != pfn * IOPT_PAGE_SIZE + uptr % IOPT_PAGE_SIZE)
			return -EINVAL;
		iova += MOCK_IO_PAGE_SIZE;
		uptr += MOCK_IO_PAGE_SIZE;
	}
	return 0;
}

/* The pinned pages of a range, one entry per pages object pinning each */
struct pinned_uvas {
	uint64_t *uva;
	size_t n, cap;
	uint64_t base; /* uptr of the pages object being walked */
};

static int pinned_add(void *arg, uint64_t index)
{
	struct pinned_uvas *p = arg;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		uint64_t *grown = realloc(p->uva, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		p->uva = grown;
		p->cap = cap;
	}
	p->uva[p->n++] = p->base + index * IOPT_PAGE_SIZE;
	return 0;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Every page of [uptr, end) this context holds pinned, sorted, listed once
 * per pages object that pins it: what page_ref_count() /
 * GUP_PIN_COUNTING_BIAS counts when nothing else in the process pins the
 * page, whatever the number of domains and accesses behind each pin. The
 * cost follows the areas and the pins, not the length of the range.
 */
static int context_pinned(struct iommufd_ctx *ictx, uint64_t uptr,
			  uint64_t end, struct pinned_uvas *out)
{
	struct iopt_pages **all = NULL;
	size_t n = 0, cap = 0, k;
	uint32_t id;
	int rc = 0;

	for (id = 1; id < ictx->objects.cap && !rc; id++) {
		struct iommufd_object *obj = ictx->objects.slot[id];
		struct itree_iter it;
		bool ok;

		if (!obj || obj->type != IOMMUFD_OBJ_IOAS)
			continue;
		for (ok = itree_first(&container_of(obj, struct iommufd_ioas,
						    obj)->iopt.area_itree,
				      &it);
		     ok && !rc; ok = itree_next(&it)) {
			if (n == cap) {
				size_t c = cap ? cap * 2 : 16;
				struct iopt_pages **grown =
					realloc(all, c * sizeof(*grown));

				if (!grown) {
					rc = -ENOMEM;
					break;
				}
				all = grown;
				cap = c;
			}
			all[n++] = ((struct iopt_area *)it.item)->pages;
		}
	}
	/* COPY shares a pages object between areas: count each one once */
	if (n)
		qsort(all, n, sizeof(*all), cmp_ptr);
	for (k = 0; k < n && !rc; k++) {
		const struct iopt_pages *pages = all[k];
		/* inclusive: a mapping may end at the top of the address space */
		uint64_t plast = pages->uptr +
				 (pages->npages - 1) * IOPT_PAGE_SIZE;
		uint64_t last = end - 1;

		if ((k && all[k - 1] == pages) || plast < uptr ||
		    pages->uptr > last)
			continue;
		out->base = pages->uptr;
		rc = iopt_pages_for_each_pinned(
			pages,
			uptr > pages->uptr ? (uptr - pages->uptr) / IOPT_PAGE_SIZE :
					     0,
			((last < plast ? last : plast) - pages->uptr) /
				IOPT_PAGE_SIZE,
			pinned_add, out);
	}
	free(all);
	if (!rc && out->n)
		qsort(out->uva, out->n, sizeof(*out->uva), cmp_u64);
	return rc;
}

/* get_user_pages_fast() finds every page of [uva, uva+len) mapped */
static int user_present(struct iommufd_ctx *ictx, uint64_t uva, uint64_t len)
{
	const struct iommufd_mem *mem = &ictx->env->mem;
	uint64_t pfn;
	int rc;

	if (mem->ops->present)
		return mem->ops->present(mem->priv, uva, len) >= len ? 0 :
								       -EFAULT;
	for (; len; len -= IOPT_PAGE_SIZE, uva += IOPT_PAGE_SIZE) {
		rc = user_pfn(ictx, uva, &pfn);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The kernel walks the range page by page: get_user_pages_fast() (EFAULT
 * if the page is not mapped), then the pin count (EIO if it is not refs).
 * The model finds the first page whose count is wrong from the pins alone,
 * then asks whether every page up to and including it is mapped, so a
 * terabyte range costs what is pinned in it, not a page walk.
 */
static int test_md_check_refs(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	uint64_t length = cmd->check_refs.length, uptr = cmd->check_refs.uptr;
	uint32_t refs = cmd->check_refs.refs;
	struct pinned_uvas pin = { 0 };
	uint64_t end, bad, next;
	size_t i, j;
	int rc;

	if (length % IOPT_PAGE_SIZE || uptr % IOPT_PAGE_SIZE ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	if (!length)
		return 0;
	rc = context_pinned(ucmd->ictx, uptr, end, &pin);
	if (rc)
		goto out;
	bad = end;
	next = uptr; /* the first page not yet known to hold refs pins */
	for (i = 0; i < pin.n && bad == end; i = j) {
		uint64_t u = pin.uva[i];

		for (j = i; j < pin.n && pin.uva[j] == u; j++)
			;
		if (u != next && refs)
			bad = next; /* a page without pins before u */
		else if (j - i != refs)
			bad = u;
		else
			next = u + IOPT_PAGE_SIZE;
	}
	if (bad == end && refs && next < end)
		bad = next;
	rc = user_present(ucmd->ictx, uptr,
			  (bad == end ? end : bad + IOPT_PAGE_SIZE) - uptr);
	if (!rc && bad != end)
		rc = -EIO;
out:
	free(pin.uva);
	return rc;
}

static int test_md_check_iotlb(struct iommufd_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	struct iommufd_hw_pagetable *hwpt;
	int rc;

	hwpt = md_pagetable(ucmd, cmd->id, true, &rc);
	if (!hwpt)
		return rc;
	if (cmd->check_iotlb.id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX ||
	    mock_nested_iotlb(hwpt->domain, cmd->check_iotlb.id) !=
		    cmd->check_iotlb.iotlb)
		return -EINVAL;
	return 0;
}

static int test_dirty(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->dirty.iova, length = cmd->dirty.length;
	uint64_t page_size = cmd->dirty.page_size, max, i, count = 0;
	struct iommufd_hw_pagetable *hwpt;
	uint8_t *bits;
	int rc;

	if (!page_size || !length || iova % page_size || length % page_size ||
	    !cmd->dirty.uptr)
		return -EINVAL;
	max = length / page_size;
	if (max > (16ull << 20) * 8)
		return -EOVERFLOW;
	hwpt = md_pagetable(ucmd, cmd->id, false, &rc);
	if (!hwpt)
		return rc;
	if (!mock_domain_dirty_tracking(hwpt->domain))
		return -EINVAL;
	bits = calloc((max + 7) / 8, 1);
	if (!bits)
		return -ENOMEM;
	if (iommufd_copy_from_user(ucmd->ictx, bits, cmd->dirty.uptr,
				   (max + 7) / 8)) {
		rc = -EFAULT;
		goto out;
	}
	for (i = 0; i < max; i++) {
		/* zeros mark nothing: skip them a word at a time */
		if (i % 64 == 0 && max - i >= 64) {
			uint64_t w;

			memcpy(&w, bits + i / 8, sizeof(w));
			if (!w) {
				i += 63;
				continue;
			}
		}
		/* the kernel indexes by page_size, right only for 2 KiB */
		if ((bits[i / 8] >> (i % 8)) & 1 &&
		    mock_domain_mark_dirty(hwpt->domain,
					   (iova + i * page_size) / page_size))
			count++;
	}
	cmd->dirty.out_nr_dirty = count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	free(bits);
	return rc;
}

/* ---------------------------------------------------------------- accesses */

static struct staccess *staccess_get(struct iommufd_ctx *ictx, uint32_t fd)
{
	struct staccess *s;

	for (s = ictx->staccesses; s; s = s->next)
		if ((uint32_t)s->fd == fd && s->access)
			return s;
	return NULL;
}

static void staccess_unmap(void *data, uint64_t iova, uint64_t length)
{
	struct staccess *s = data;
	uint64_t last = iova + length - 1;
	struct staccess_item **pp = &s->items, *item;

	while ((item = *pp)) {
		if (iova > item->iova + item->length - 1 || last < item->iova) {
			pp = &item->next;
			continue;
		}
		*pp = item->next;
		iommufd_access_unpin_pages(s->access, item->iova, item->length);
		free(item);
	}
}

static const struct iommufd_access_ops staccess_ops_pin = {
	.needs_pin_pages = true,
	.unmap = staccess_unmap,
};

static const struct iommufd_access_ops staccess_ops = {
	.unmap = staccess_unmap,
};

size_t iommufd_ctx_fds(struct iommufd_ctx *ictx, int *fds, size_t max)
{
	struct iommufd_fault *fault;
	struct staccess *s;
	size_t n = 0;
	int fd;

	/* few files per context: find each next number by scanning */
	for (fd = 0; fd < INT32_MAX;) {
		int next = INT32_MAX;

		for (s = ictx->staccesses; s; s = s->next)
			if (s->access && s->fd >= fd && s->fd < next)
				next = s->fd;
		for (fault = ictx->fault_files; fault; fault = fault->next_file)
			if (fault->file_open && fault->fd >= fd &&
			    fault->fd < next)
				next = fault->fd;
		if (next == INT32_MAX)
			break;
		if (n < max)
			fds[n] = next;
		n++;
		fd = next + 1;
	}
	return n;
}

bool iommufd_selftest_fd_used(struct iommufd_ctx *ictx, int fd)
{
	struct staccess *s;

	for (s = ictx->staccesses; s; s = s->next)
		if (s->fd == fd)
			return true;
	return false;
}

static void staccess_unlink(struct iommufd_ctx *ictx, struct staccess *s)
{
	struct staccess **pp;

	for (pp = &ictx->staccesses; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
}

static int test_create_access(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	uint32_t flags = cmd->create_access.flags, id;
	struct iommufd_access *access;
	struct staccess *s;
	int rc;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ictx = ictx;
	s->fd = iommufd_get_unused_fd(ictx);
	if (s->fd < 0) {
		free(s);
		return -ENOMEM;
	}
	/* listed (without an access, so invisible) to hold the number */
	s->next = ictx->staccesses;
	ictx->staccesses = s;

	access = iommufd_access_create(
		ictx,
		(flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) ?
			&staccess_ops_pin :
			&staccess_ops,
		s, &id, &rc);
	if (!access)
		goto out_put_fd;
	rc = iommufd_access_attach(access, cmd->id);
	if (rc)
		goto out_destroy;
	cmd->create_access.out_access_fd = s->fd;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_destroy;
	s->access = access;
	return 0;

out_destroy:
	iommufd_access_destroy(access);
out_put_fd:
	staccess_unlink(ictx, s);
	iommufd_put_unused_fd(ictx, s->fd);
	free(s);
	return rc;
}

static int test_access_item_destroy(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct staccess *s = staccess_get(ucmd->ictx, cmd->id);
	struct staccess_item **pp, *item;

	if (!s)
		return -EBADFD;
	for (pp = &s->items; (item = *pp); pp = &item->next) {
		if (item->id == cmd->destroy_access_pages.access_pages_id) {
			*pp = item->next;
			iommufd_access_unpin_pages(s->access, item->iova,
						   item->length);
			free(item);
			return 0;
		}
	}
	return -ENOENT;
}

/* MOCK_FLAGS_ACCESS_SYZ: the IOVA is {u32 nth_area, u32 offset} */
static uint64_t syz_conv_iova(struct io_pagetable *iopt, uint64_t iova)
{
	uint32_t nth = (uint32_t)iova, offset = (uint32_t)(iova >> 32);
	struct itree_iter it;
	bool ok;

	for (ok = itree_first(&iopt->area_itree, &it); ok; ok = itree_next(&it))
		if (!nth--)
			return ((struct iopt_area *)it.item)->start + offset;
	return 0;
}

void iommufd_test_syz_conv_iova_id(struct iommufd_ctx *ictx, uint32_t ioas_id,
				   uint64_t *iova, uint32_t *flags)
{
	struct iommufd_ioas *ioas;

	if (!(ictx->env->config & IOMMUFD_CONFIG_TEST) ||
	    !(*flags & MOCK_FLAGS_ACCESS_SYZ))
		return;
	*flags &= ~(uint32_t)MOCK_FLAGS_ACCESS_SYZ;
	ioas = iommufd_get_ioas(ictx, ioas_id);
	if (ioas)
		*iova = syz_conv_iova(&ioas->iopt, *iova);
}

static uint64_t staccess_syz_iova(struct staccess *s, uint64_t iova)
{
	if (!s->access->ioas)
		return 0;
	return syz_conv_iova(&s->access->ioas->iopt, iova);
}

static int test_access_pages(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->access_pages.iova, length = cmd->access_pages.length;
	uint64_t uptr = cmd->access_pages.uptr, npages, i, *pfns;
	uint32_t flags = cmd->access_pages.flags;
	struct staccess_item *item, **tail;
	struct staccess *s;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	s = staccess_get(ucmd->ictx, cmd->id);
	if (!s)
		return -EBADFD;
	if (s->access->ops != &staccess_ops_pin)
		return -EOPNOTSUPP;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = staccess_syz_iova(s, iova);

	/* wraps like the kernel's when iova + length does */
	npages = ((iova + length + IOPT_PAGE_SIZE - 1) / IOPT_PAGE_SIZE) -
		 iova / IOPT_PAGE_SIZE;
	/* kvcalloc() refuses more than INT_MAX bytes */
	if (npages > INT32_MAX / sizeof(*pfns))
		return -ENOMEM;
	pfns = calloc(npages ? npages : 1, sizeof(*pfns));
	if (!pfns)
		return -ENOMEM;
	rc = iommufd_access_pin_pages(s->access, iova, length, pfns,
				      flags & MOCK_FLAGS_ACCESS_WRITE);
	if (rc)
		goto out_free;
	if (uptr) {
		/* the pinned pages must be the ones behind uptr */
		uint64_t u = uptr - (iova % IOPT_PAGE_SIZE), pfn;

		for (i = 0; i < npages; i++, u += IOPT_PAGE_SIZE) {
			rc = user_pfn(ucmd->ictx, u, &pfn);
			if (rc)
				goto out_unaccess;
			if (pfn != pfns[i]) {
				rc = -EBADE;
				goto out_unaccess;
			}
		}
	}
	item = calloc(1, sizeof(*item));
	if (!item) {
		rc = -ENOMEM;
		goto out_unaccess;
	}
	item->iova = iova;
	item->length = length;
	item->id = s->next_id++;
	for (tail = &s->items; *tail; tail = &(*tail)->next)
		;
	*tail = item;
	cmd->access_pages.out_access_pages_id = item->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		*tail = NULL;
		free(item);
		goto out_unaccess;
	}
	free(pfns);
	return 0;

out_unaccess:
	iommufd_access_unpin_pages(s->access, iova, length);
out_free:
	free(pfns);
	return rc;
}

static int test_access_rw(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->access_rw.iova, length = cmd->access_rw.length;
	uint32_t flags = cmd->access_rw.flags;
	struct staccess *s;
	void *tmp;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	s = staccess_get(ucmd->ictx, cmd->id);
	if (!s)
		return -EBADFD;
	tmp = calloc(length ? length : 1, 1);
	if (!tmp)
		return -ENOMEM;
	if ((flags & MOCK_ACCESS_RW_WRITE) &&
	    iommufd_copy_from_user(ucmd->ictx, tmp, cmd->access_rw.uptr,
				   length)) {
		rc = -EFAULT;
		goto out;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = staccess_syz_iova(s, iova);
	/* MOCK_ACCESS_RW_{WRITE,SLOW_PATH} are the kernel's own flag bits */
	rc = iommufd_access_rw(s->access, iova, tmp, length,
			       flags & (MOCK_ACCESS_RW_WRITE |
					MOCK_ACCESS_RW_SLOW_PATH));
	if (rc)
		goto out;
	if (!(flags & MOCK_ACCESS_RW_WRITE) &&
	    iommufd_copy_to_user(ucmd->ictx, cmd->access_rw.uptr, tmp, length))
		rc = -EFAULT;
out:
	free(tmp);
	return rc;
}

static int test_access_replace_ioas(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct staccess *s = staccess_get(ucmd->ictx, cmd->id);

	if (!s)
		return -EBADFD;
	return iommufd_access_replace(s->access,
				      cmd->access_replace_ioas.ioas_id);
}

/* The access file's release: unpin everything, destroy the access */
static void staccess_release(struct iommufd_ctx *ictx, struct staccess *s)
{
	staccess_unlink(ictx, s);
	iommufd_put_unused_fd(ictx, s->fd);
	staccess_unmap(s, 0, UINT64_MAX);
	iommufd_access_destroy(s->access);
	free(s);
}

int iommufd_ctx_close_fd(struct iommufd_ctx *ictx, int fd)
{
	struct staccess *s;

	if (fd < 0)
		return -EBADF;
	s = staccess_get(ictx, (uint32_t)fd);
	if (!s)
		return iommufd_fault_fd_close(ictx, fd);
	staccess_release(ictx, s);
	return 0;
}

static int test_trigger_iopf(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj = iommufd_get_object(
		ucmd->ictx, cmd->trigger_iopf.dev_id, IOMMUFD_OBJ_DEVICE);
	struct iommufd_device *idev;

	if (!obj)
		return -ENOENT;
	idev = container_of(obj, struct iommufd_device, obj);
	if (!idev->dev->selftest)
		return -EINVAL;
	/*
	 * Queued when the device's HWPT has a fault object, answered by the
	 * core otherwise; the ioctl succeeds either way.
	 */
	iommufd_fault_trigger_iopf(idev->dev, cmd->trigger_iopf.pasid,
				   cmd->trigger_iopf.grpid,
				   cmd->trigger_iopf.perm,
				   cmd->trigger_iopf.addr);
	return 0;
}

/*
 * The last op of each release's selftest: 6.7 added the flagged mock
 * device and DIRTY, 6.8 MD_CHECK_IOTLB (nested invalidation), 6.11
 * TRIGGER_IOPF. A later op is an unknown one, EOPNOTSUPP.
 */
static uint32_t test_last_op(unsigned int kernel)
{
	if (kernel < IOMMUFD_KERNEL_6_7)
		return IOMMU_TEST_OP_ACCESS_REPLACE_IOAS;
	if (kernel < IOMMUFD_KERNEL_6_11)
		return IOMMU_TEST_OP_MD_CHECK_IOTLB;
	return IOMMU_TEST_OP_TRIGGER_IOPF;
}

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	if (cmd->op > test_last_op(iommufd_kernel(ucmd->ictx)))
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return test_add_reserved(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return test_md_check_pa(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return test_md_check_refs(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return test_md_check_iotlb(ucmd, cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return test_access_replace_ioas(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return test_access_rw(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return test_access_item_destroy(ucmd, cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* sizes pin batches only, which no result depends on */
		if (cmd->memory_limit.limit <
		    sizeof(unsigned long) + sizeof(uint32_t))
			return -EINVAL;
		return 0;
	case IOMMU_TEST_OP_DIRTY:
		return test_dirty(ucmd, cmd);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return test_trigger_iopf(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
