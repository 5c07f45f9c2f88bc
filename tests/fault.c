// SPDX-License-Identifier: MIT
/*
 * FAULT objects and the fault file on the selftest mock IOMMU: allocation
 * and its errors, IDs and fd numbers, the references the file and HWPTs
 * hold, page requests routed to a nested HWPT with a fault_id, read and
 * write with their size and cookie rules, poll, and the INVALID answers
 * given on detach, replace and destroy. The invariant checker runs after
 * every call.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include <iommufd/platform.h>
#include <iommufd/uapi_test.h>

#include "harness.h"
#include "private.h"

#define REC sizeof(struct iommu_hwpt_pgfault)
#define RESP sizeof(struct iommu_hwpt_page_response)

struct fixture {
	struct harness h;
	struct iommufd_platform *p;
	struct iommufd_iommu *iommu;
	uint32_t ioas, parent;
};

static struct iommufd_dev *add_mock(struct fixture *f, uint32_t group)
{
	struct iommufd_dev_desc desc = { .group = group };
	int err = 0;
	struct iommufd_dev *dev =
		iommufd_platform_add_dev(f->p, f->iommu, &desc, &err);

	cr_assert_not_null(dev, "add_dev: %d", err);
	return dev;
}

static void setup(struct fixture *f)
{
	struct iommufd_iommu_desc desc = { .kind = IOMMUFD_IOMMU_MOCK };
	int err = 0;

	harness_open(&f->h, IOMMUFD_CAP_IPC_LOCK, 0);
	f->p = iommufd_platform_new();
	cr_assert_not_null(f->p);
	f->iommu = iommufd_platform_add_iommu(f->p, &desc, &err);
	cr_assert_not_null(f->iommu);
	f->ioas = 0;
	f->parent = 0;
}

/* The process exits: its fault fds close, then the iommufd, the devices */
static void teardown(struct fixture *f)
{
	while (f->h.ctx->fault_files)
		cr_assert_eq(iommufd_fault_fd_close(f->h.ctx,
						    f->h.ctx->fault_files->fd),
			     0);
	harness_close(&f->h);
	iommufd_platform_free(f->p);
}

static uint32_t bind(struct fixture *f, struct iommufd_dev *dev)
{
	uint32_t id = 0;

	cr_assert_eq(iommufd_dev_bind(f->h.ctx, dev, &id), 0);
	harness_check(&f->h);
	return id;
}

static long attach(struct fixture *f, struct iommufd_dev *dev, uint32_t pt)
{
	long rc = iommufd_dev_attach(dev, &pt);

	harness_check(&f->h);
	return rc;
}

static long detach(struct fixture *f, struct iommufd_dev *dev)
{
	long rc = iommufd_dev_detach(dev);

	harness_check(&f->h);
	return rc;
}

/* IOMMU_FAULT_QUEUE_ALLOC: the errno, *id and *fd on success */
static long fault_alloc(struct fixture *f, uint32_t flags, uint32_t *id,
			int *fd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd), .flags = flags };
	long rc = h_ioctl(&f->h, IOMMU_FAULT_QUEUE_ALLOC, &cmd);

	if (!rc) {
		*id = cmd.out_fault_id;
		*fd = (int)cmd.out_fault_fd;
	}
	return rc;
}

static uint32_t new_fault(struct fixture *f, int *fd)
{
	uint32_t id = 0;

	cr_assert_eq(fault_alloc(f, 0, &id, fd), 0);
	return id;
}

/* A NEST_PARENT paging HWPT on a fresh IOAS, made with @dev_id */
static void make_parent(struct fixture *f, uint32_t dev_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = dev_id,
	};

	if (!f->ioas)
		f->ioas = h_ioas_alloc(&f->h);
	cmd.pt_id = f->ioas;
	ASSERT_OK(&f->h, IOMMU_HWPT_ALLOC, &cmd);
	f->parent = cmd.out_hwpt_id;
}

/* A mock nested HWPT on f->parent; with a fault object unless 0 */
static long nested_alloc(struct fixture *f, uint32_t dev_id, uint32_t fault,
			 uint32_t *out)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = dev_id, .pt_id = f->parent,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
	};
	long rc;

	if (fault) {
		cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
		cmd.fault_id = fault;
	}
	rc = h_ioctl(&f->h, IOMMU_HWPT_ALLOC, &cmd);
	if (!rc)
		*out = cmd.out_hwpt_id;
	return rc;
}

static uint32_t new_nested(struct fixture *f, uint32_t dev_id, uint32_t fault)
{
	uint32_t id = 0;

	cr_assert_eq(nested_alloc(f, dev_id, fault, &id), 0);
	return id;
}

static long rd(struct fixture *f, int fd, void *buf, size_t count)
{
	long rc = iommufd_fault_fd_read(f->h.ctx, fd, (uintptr_t)buf, count);

	harness_check(&f->h);
	return rc;
}

static long wr(struct fixture *f, int fd, const void *buf, size_t count)
{
	long rc = iommufd_fault_fd_write(f->h.ctx, fd, (uintptr_t)buf, count);

	harness_check(&f->h);
	return rc;
}

static long respond(struct fixture *f, int fd, uint32_t cookie, uint32_t code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };

	return wr(f, fd, &r, sizeof(r));
}

static void trigger(struct fixture *f, struct iommufd_dev *dev,
		    uint32_t pasid, uint32_t grpid, uint64_t addr)
{
	iommufd_fault_trigger_iopf(dev, pasid, grpid, IOMMU_PGFAULT_PERM_READ,
				   addr);
	harness_check(&f->h);
}

static struct iommufd_fault *fault_of(struct fixture *f, uint32_t id)
{
	struct iommufd_object *obj =
		iommufd_get_object(f->h.ctx, id, IOMMUFD_OBJ_FAULT);

	cr_assert_not_null(obj);
	return container_of(obj, struct iommufd_fault, obj);
}

static uint32_t pending(struct fixture *f, uint32_t id)
{
	struct iopf_group *g;
	uint32_t n = 0;

	for (g = fault_of(f, id)->deliver; g; g = g->next)
		n++;
	return n;
}

/* A device bound and attached to a fresh nested HWPT with a fault */
struct faultable {
	struct iommufd_dev *dev;
	uint32_t dev_id, fault, hwpt;
	int fd;
};

static void faultable(struct fixture *f, struct faultable *x)
{
	x->dev = add_mock(f, 0);
	x->dev_id = bind(f, x->dev);
	make_parent(f, x->dev_id);
	x->fault = new_fault(f, &x->fd);
	x->hwpt = new_nested(f, x->dev_id, x->fault);
	cr_assert_eq(attach(f, x->dev, x->hwpt), 0);
}

Test(fault, alloc_errors_ids_and_fd_numbers)
{
	struct fixture f;
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	uint32_t id = 0, id2 = 0;
	int fd = -1, fd2 = -1;
	void *ro;

	setup(&f);
	cr_assert_eq(fault_alloc(&f, 1, &id, &fd), -EOPNOTSUPP);
	cr_assert_eq(fault_alloc(&f, 0x80000000u, &id, &fd), -EOPNOTSUPP);
	/* the struct is 16 bytes, all mandatory */
	cmd.size = 12;
	ASSERT_ERR(&f.h, EINVAL, IOMMU_FAULT_QUEUE_ALLOC, &cmd);

	f.ioas = h_ioas_alloc(&f.h);
	cr_assert_eq(f.ioas, 1);
	cr_assert_eq(fault_alloc(&f, 0, &id, &fd), 0);
	cr_assert_eq(id, 2, "failed allocations consumed no ID");
	cr_assert_eq(fd, IOMMUFD_FAULT_FD_BASE);
	cr_assert_eq(fault_alloc(&f, 0, &id2, &fd2), 0);
	cr_assert_eq(id2, 3);
	cr_assert_eq(fd2, IOMMUFD_FAULT_FD_BASE + 1);
	cr_assert_eq(fault_of(&f, id)->obj.users, 2, "table + file");
	cr_assert_eq(f.h.ctx->file_refs, 2, "each file holds the context");

	/* a fault writing the result back: the ID and the number are free */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ro, MAP_FAILED);
	cmd.size = sizeof(cmd);
	memcpy(ro, &cmd, sizeof(cmd));
	cr_assert_eq(mprotect(ro, 4096, PROT_READ), 0);
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, fd), 0);
	harness_check(&f.h);
	cr_assert_eq(h_destroy(&f.h, id), 0);
	ASSERT_ERR(&f.h, EFAULT, IOMMU_FAULT_QUEUE_ALLOC, ro);
	cr_assert_null(iommufd_get_object(f.h.ctx, 2, IOMMUFD_OBJ_ANY));
	cr_assert_eq(f.h.ctx->file_refs, 1, "the aborted file let go");
	cr_assert_eq(fault_alloc(&f, 0, &id, &fd), 0);
	cr_assert_eq(id, 2, "the aborted ID is reused");
	cr_assert_eq(fd, IOMMUFD_FAULT_FD_BASE, "and the lowest number");
	munmap(ro, 4096);
	teardown(&f);
}

/* The host's own numbering through env->fd_ops */
struct fdtab {
	int next;
	int freed[8];
	int nfreed;
};

static int tab_get(void *priv)
{
	struct fdtab *t = priv;

	return t->next < 0 ? t->next : t->next++;
}

static void tab_put(void *priv, int fd)
{
	struct fdtab *t = priv;

	if (t->nfreed < 8)
		t->freed[t->nfreed++] = fd;
}

static const struct iommufd_fd_ops tab_ops = {
	.get_unused_fd = tab_get,
	.put_unused_fd = tab_put,
};

Test(fault, host_fd_numbers)
{
	struct fixture f;
	struct fdtab tab = { .next = 40 };
	uint32_t id = 0;
	int fd = -1;

	setup(&f);
	f.h.env.fd_ops = &tab_ops;
	f.h.env.fd_priv = &tab;
	cr_assert_eq(fault_alloc(&f, 0, &id, &fd), 0);
	cr_assert_eq(fd, 40);
	cr_assert_eq(iommufd_fault_fd_poll(f.h.ctx, 40), IOMMUFD_POLLOUT);
	tab.next = -EMFILE;
	cr_assert_eq(fault_alloc(&f, 0, &id, &fd), -EMFILE);
	cr_assert_null(iommufd_get_object(f.h.ctx, 2, IOMMUFD_OBJ_ANY),
		       "EMFILE aborts the object");
	cr_assert_eq(tab.nfreed, 0);
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, 40), 0);
	cr_assert_eq(tab.nfreed, 1);
	cr_assert_eq(tab.freed[0], 40);
	harness_check(&f.h);
	teardown(&f);
}

Test(fault, destroy_is_ebusy_while_the_file_or_a_hwpt_holds_it)
{
	struct fixture f;
	struct iommufd_dev *a;
	uint32_t a_id, fault, hwpt;
	int fd;

	setup(&f);
	a = add_mock(&f, 0);
	a_id = bind(&f, a);
	make_parent(&f, a_id);
	fault = new_fault(&f, &fd);
	cr_assert_eq(h_destroy(&f.h, fault), -EBUSY, "the file is open");
	hwpt = new_nested(&f, a_id, fault);
	cr_assert_eq(fault_of(&f, fault)->obj.users, 3);
	{
		/* what tools see: the FAULT, and the HWPT that reports to it */
		struct iommufd_object_info info[8];
		size_t n = iommufd_ctx_objects(f.h.ctx, info, 8), i, seen = 0;

		for (i = 0; i < n && i < 8; i++) {
			if (info[i].id == fault) {
				cr_assert_eq(info[i].kind, IOMMUFD_OBJECT_FAULT);
				cr_assert_eq(info[i].users, 3);
				seen++;
			} else if (info[i].id == hwpt) {
				cr_assert_eq(info[i].kind,
					     IOMMUFD_OBJECT_HWPT_NESTED);
				cr_assert_eq(info[i].fault_id, fault);
				cr_assert_eq(info[i].parent_id, f.parent);
				seen++;
			}
		}
		cr_assert_eq(seen, 2);
	}
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, fd), 0);
	harness_check(&f.h);
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, fd), -EBADF);
	cr_assert_eq(iommufd_fault_fd_read(f.h.ctx, fd, 0, 0), -EBADF);
	cr_assert_eq(h_destroy(&f.h, fault), -EBUSY, "the HWPT holds it");
	cr_assert_eq(h_destroy(&f.h, hwpt), 0);
	cr_assert_eq(h_destroy(&f.h, fault), 0);

	/* FAULT_ID_VALID: the id must name a FAULT; paging HWPTs refuse it */
	cr_assert_eq(nested_alloc(&f, a_id, fault, &hwpt), -ENOENT);
	cr_assert_eq(nested_alloc(&f, a_id, f.parent, &hwpt), -ENOENT);
	{
		struct iommu_hwpt_alloc cmd = {
			.size = sizeof(cmd), .dev_id = a_id, .pt_id = f.ioas,
			.flags = IOMMU_HWPT_FAULT_ID_VALID,
		};

		cmd.fault_id = new_fault(&f, &fd);
		ASSERT_ERR(&f.h, EOPNOTSUPP, IOMMU_HWPT_ALLOC, &cmd);
		cr_assert_eq(fault_of(&f, cmd.fault_id)->obj.users, 2);
	}
	teardown(&f);
}

Test(fault, read_sizes_and_nothing_pending)
{
	struct fixture f;
	struct iommu_hwpt_pgfault buf[4];
	uint32_t id;
	int fd;

	setup(&f);
	id = new_fault(&f, &fd);
	cr_assert_eq(rd(&f, fd, buf, 0), 0);
	cr_assert_eq(rd(&f, fd, buf, REC), 0, "never blocks");
	cr_assert_eq(rd(&f, fd, buf, REC - 1), -ESPIPE);
	cr_assert_eq(rd(&f, fd, buf, REC + 1), -ESPIPE);
	cr_assert_eq(rd(&f, fd, NULL, 4 * REC), 0, "nothing is copied");
	/* read(2) caps count at MAX_RW_COUNT, which is no multiple of 40 */
	cr_assert_eq(rd(&f, fd, buf, (size_t)40 << 30), -ESPIPE);
	cr_assert_eq(rd(&f, fd, buf, SIZE_MAX - 39), -EFAULT);
	cr_assert_eq(wr(&f, fd, buf, 0), 0);
	cr_assert_eq(wr(&f, fd, buf, RESP + 1), -ESPIPE);
	cr_assert_eq(iommufd_fault_fd_poll(f.h.ctx, fd), IOMMUFD_POLLOUT);
	cr_assert_eq(iommufd_fault_fd_poll(f.h.ctx, fd + 1), -EBADF);
	cr_assert_eq(rd(&f, fd + 1, buf, REC), -EBADF);
	cr_assert_eq(wr(&f, fd + 1, buf, RESP), -EBADF);
	cr_assert_eq(pending(&f, id), 0);
	teardown(&f);
}

Test(fault, report_read_respond_round_trip)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[4];

	setup(&f);
	faultable(&f, &x);
	cr_assert_eq(x.dev->idev->iopf_enabled, 1, "attach enabled IOPF");

	trigger(&f, x.dev, 0, 7, 0x12345000);
	cr_assert_eq(pending(&f, x.fault), 1);
	cr_assert_eq(iommufd_fault_fd_poll(f.h.ctx, x.fd),
		     IOMMUFD_POLLOUT | IOMMUFD_POLLIN | IOMMUFD_POLLRDNORM);
	cr_assert_eq(rd(&f, x.fd, buf, 0), -EINVAL,
		     "a pending group that does not fit");
	memset(buf, 0xa5, sizeof(buf));
	cr_assert_eq(rd(&f, x.fd, buf, 2 * REC), (long)REC);
	cr_assert_eq(buf[0].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	cr_assert_eq(buf[0].dev_id, x.dev_id);
	cr_assert_eq(buf[0].pasid, 0);
	cr_assert_eq(buf[0].grpid, 7);
	cr_assert_eq(buf[0].perm, IOMMU_PGFAULT_PERM_READ);
	cr_assert_eq(buf[0].__reserved, 0);
	cr_assert_eq(buf[0].addr, 0x12345000);
	cr_assert_eq(buf[0].length, 0);
	cr_assert_eq(buf[0].cookie, 1, "cookies start at 1");
	cr_assert_eq(buf[1].flags, 0xa5a5a5a5, "nothing past the group");
	cr_assert_eq(iommufd_fault_fd_poll(f.h.ctx, x.fd), IOMMUFD_POLLOUT);
	cr_assert_eq(rd(&f, x.fd, buf, REC), 0, "delivered only once");

	/* bad code first, then the right answer, then it is gone */
	cr_assert_eq(respond(&f, x.fd, 1, 2), -EINVAL);
	cr_assert_eq(respond(&f, x.fd, 1, IOMMUFD_PAGE_RESP_SUCCESS),
		     (long)RESP);
	cr_assert_eq(respond(&f, x.fd, 1, IOMMUFD_PAGE_RESP_SUCCESS), -EINVAL,
		     "already answered");

	/* the freed cookie is the lowest free one again */
	trigger(&f, x.dev, 5, 8, 0x2000);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	cr_assert_eq(buf[0].cookie, 1);
	cr_assert_eq(buf[0].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE |
					   IOMMU_PGFAULT_FLAGS_PASID_VALID,
		     "a PASID reaches the nested RID domain on the mock");
	cr_assert_eq(buf[0].pasid, 5);
	cr_assert_eq(respond(&f, x.fd, 1, IOMMUFD_PAGE_RESP_INVALID),
		     (long)RESP);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 0);
	teardown(&f);
}

Test(fault, whole_groups_and_cookie_order)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[6];
	struct iopf_fault part = { .grpid = 3, .perm = 2, .addr = 0x1000 };
	struct iommu_hwpt_page_response resp[3];

	setup(&f);
	faultable(&f, &x);
	/* two requests of group 3 wait for its last page; one of group 9 */
	cr_assert_eq(iommufd_fault_report(x.dev, &part), 0);
	part.addr = 0x2000;
	cr_assert_eq(iommufd_fault_report(x.dev, &part), 0);
	part.grpid = 9;
	cr_assert_eq(iommufd_fault_report(x.dev, &part), 0);
	harness_check(&f.h);
	cr_assert_eq(pending(&f, x.fault), 0, "no group is complete yet");
	cr_assert_eq(rd(&f, x.fd, buf, 6 * REC), 0);

	trigger(&f, x.dev, 0, 3, 0x3000); /* completes group 3 */
	trigger(&f, x.dev, 0, 4, 0x4000); /* a group of one */
	cr_assert_eq(pending(&f, x.fault), 2);
	cr_assert_eq(x.dev->idev->iopf_npartial, 1, "group 9 still waits");
	cr_assert_eq(rd(&f, x.fd, buf, 2 * REC), -EINVAL,
		     "the first group has three requests");
	cr_assert_eq(rd(&f, x.fd, buf, 6 * REC), (long)(4 * REC),
		     "as many whole groups as fit");
	cr_assert_eq(buf[0].addr, 0x1000);
	cr_assert_eq(buf[1].addr, 0x2000);
	cr_assert_eq(buf[2].addr, 0x3000);
	cr_assert_eq(buf[0].flags, 0, "partial requests as reported");
	cr_assert_eq(buf[2].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	cr_assert(buf[0].cookie == 1 && buf[1].cookie == 1 &&
		  buf[2].cookie == 1, "one cookie per group");
	cr_assert_eq(buf[3].grpid, 4);
	cr_assert_eq(buf[3].cookie, 2);

	/* a batch stops at the first bad entry and reports what it did */
	resp[0] = (struct iommu_hwpt_page_response){ .cookie = 2 };
	resp[1] = (struct iommu_hwpt_page_response){ .cookie = 77 };
	resp[2] = (struct iommu_hwpt_page_response){ .cookie = 1 };
	cr_assert_eq(wr(&f, x.fd, resp, sizeof(resp)), (long)RESP);
	cr_assert_eq(wr(&f, x.fd, &resp[1], 2 * RESP), -EINVAL,
		     "an unknown cookie first: the error");
	resp[1].cookie = 0;
	cr_assert_eq(wr(&f, x.fd, &resp[1], RESP), -EINVAL, "cookie 0");
	cr_assert_eq(wr(&f, x.fd, NULL, RESP), -EFAULT);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 1);

	/* a group of one, then one of three that does not fit behind it */
	trigger(&f, x.dev, 0, 5, 0x5000);
	part.grpid = 6;
	part.addr = 0x1000;
	cr_assert_eq(iommufd_fault_report(x.dev, &part), 0);
	part.addr = 0x2000;
	cr_assert_eq(iommufd_fault_report(x.dev, &part), 0);
	trigger(&f, x.dev, 0, 6, 0x6000);
	cr_assert_eq(rd(&f, x.fd, buf, 3 * REC), (long)REC,
		     "whole groups only: the second waits");
	cr_assert_eq(buf[0].grpid, 5);
	cr_assert_eq(buf[0].cookie, 2, "the lowest free cookie");
	cr_assert_eq(wr(&f, x.fd, resp, 3 * RESP), (long)RESP,
		     "cookie 2 answered, 0 is not one");
	cr_assert_eq(rd(&f, x.fd, buf, 3 * REC), (long)(3 * REC));
	cr_assert_eq(buf[0].addr, 0x1000);
	cr_assert_eq(buf[2].addr, 0x6000);
	cr_assert_eq(buf[2].cookie, 2);
	cr_assert_eq(wr(&f, x.fd, &resp[2], RESP), (long)RESP);
	cr_assert_eq(respond(&f, x.fd, 2, 1), (long)RESP);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 0);
	teardown(&f);
}

Test(fault, read_fault_puts_the_group_back)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[2];
	void *ro;

	setup(&f);
	faultable(&f, &x);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ro, MAP_FAILED);
	trigger(&f, x.dev, 0, 1, 0x1000);
	trigger(&f, x.dev, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, x.fd, ro, REC), -EFAULT);
	cr_assert_eq(pending(&f, x.fault), 2);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 0,
		     "the cookie went back too");
	cr_assert_eq(rd(&f, x.fd, buf, 2 * REC), (long)(2 * REC));
	cr_assert_eq(buf[0].grpid, 1);
	cr_assert_eq(buf[0].cookie, 1);
	cr_assert_eq(buf[1].cookie, 2);
	munmap(ro, 4096);
	teardown(&f);
}

Test(fault, partial_delivery_then_efault)
{
	struct fixture f;
	struct faultable x;
	char *two;

	setup(&f);
	faultable(&f, &x);
	/* a writable page followed by a read-only one */
	two = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(two, MAP_FAILED);
	cr_assert_eq(mprotect(two + 4096, 4096, PROT_READ), 0);
	trigger(&f, x.dev, 0, 1, 0x1000);
	trigger(&f, x.dev, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, x.fd, two + 4096 - REC, 2 * REC), (long)REC,
		     "the bytes of the groups that made it");
	cr_assert_eq(pending(&f, x.fault), 1);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 1);
	munmap(two, 8192);
	teardown(&f);
}

Test(fault, no_fault_object_means_the_core_answers)
{
	struct fixture f;
	struct iommufd_dev *a;
	struct iopf_fault last = {
		.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE, .grpid = 1,
	};
	uint32_t a_id, plain, fault;
	int fd;

	setup(&f);
	a = add_mock(&f, 0);
	cr_assert_eq(iommufd_fault_report(a, &last), -EINVAL, "not bound");
	a_id = bind(&f, a);
	cr_assert_eq(iommufd_fault_report(a, &last), -EINVAL, "not attached");
	make_parent(&f, a_id);
	fault = new_fault(&f, &fd);
	plain = new_nested(&f, a_id, 0);
	cr_assert_eq(attach(&f, a, plain), 0);
	cr_assert_eq(a->idev->iopf_enabled, 0);
	cr_assert_eq(iommufd_fault_report(a, &last), -EINVAL);
	last.flags = 0;
	cr_assert_eq(iommufd_fault_report(a, &last), -EINVAL,
		     "partial requests need a handler too");
	cr_assert_eq(pending(&f, fault), 0);
	cr_assert_eq(detach(&f, a), 0);
	/* on the paging parent a PASID request finds nothing either */
	cr_assert_eq(attach(&f, a, f.parent), 0);
	last.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE |
		     IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;
	last.pasid = 3;
	cr_assert_eq(iommufd_fault_report(a, &last), -EINVAL);
	teardown(&f);
}

Test(fault, detach_answers_pending_faults)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[2];

	setup(&f);
	faultable(&f, &x);
	trigger(&f, x.dev, 0, 1, 0x1000);
	trigger(&f, x.dev, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	cr_assert_eq(buf[0].cookie, 1);
	cr_assert_eq(detach(&f, x.dev), 0);
	cr_assert_eq(x.dev->idev->iopf_enabled, 0, "detach disabled IOPF");
	cr_assert_eq(pending(&f, x.fault), 0, "the undelivered one answered");
	cr_assert_eq(respond(&f, x.fd, 1, IOMMUFD_PAGE_RESP_SUCCESS), -EINVAL,
		     "the delivered one was answered INVALID");
	cr_assert_eq(rd(&f, x.fd, buf, 2 * REC), 0);
	/* back on: faults flow again, the cookie space is empty */
	cr_assert_eq(attach(&f, x.dev, x.hwpt), 0);
	trigger(&f, x.dev, 0, 3, 0x3000);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	cr_assert_eq(buf[0].cookie, 1);
	/* unbind detaches first */
	iommufd_dev_unbind(x.dev);
	harness_check(&f.h);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 0);
	teardown(&f);
}

Test(fault, replace_answers_the_old_attachments_faults)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[2];
	uint32_t plain, other;

	setup(&f);
	faultable(&f, &x);
	plain = new_nested(&f, x.dev_id, 0);
	other = new_nested(&f, x.dev_id, x.fault);

	/* fault HWPT to fault HWPT: IOPF stays on, old faults answered */
	trigger(&f, x.dev, 0, 1, 0x1000);
	trigger(&f, x.dev, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	cr_assert_eq(attach(&f, x.dev, other), 0);
	cr_assert_eq(x.dev->idev->iopf_enabled, 1);
	cr_assert_eq(pending(&f, x.fault), 0);
	cr_assert_eq(respond(&f, x.fd, 1, 0), -EINVAL);
	trigger(&f, x.dev, 0, 3, 0x3000);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	cr_assert_eq(buf[0].grpid, 3);
	cr_assert_eq(buf[0].dev_id, x.dev_id);

	/* to a HWPT without a fault object: answered and IOPF off */
	cr_assert_eq(attach(&f, x.dev, plain), 0);
	cr_assert_eq(x.dev->idev->iopf_enabled, 0);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 0);
	trigger(&f, x.dev, 0, 4, 0x4000);
	cr_assert_eq(pending(&f, x.fault), 0);

	/* and back: IOPF on again */
	cr_assert_eq(attach(&f, x.dev, x.hwpt), 0);
	cr_assert_eq(x.dev->idev->iopf_enabled, 1);
	trigger(&f, x.dev, 0, 5, 0x5000);
	cr_assert_eq(pending(&f, x.fault), 1);
	/* a failed replace changes nothing */
	{
		uint32_t pt = 9999;

		cr_assert_eq(iommufd_dev_attach(x.dev, &pt), -ENOENT);
		harness_check(&f.h);
	}
	cr_assert_eq(pending(&f, x.fault), 1);
	teardown(&f);
}

Test(fault, groups_report_the_attaching_device)
{
	struct fixture f;
	struct iommufd_dev *a, *b;
	uint32_t a_id, b_id, fault, hwpt, other;
	struct iommu_hwpt_pgfault buf[1];
	int fd;

	setup(&f);
	a = add_mock(&f, 5);
	b = add_mock(&f, 5);
	a_id = bind(&f, a);
	b_id = bind(&f, b);
	make_parent(&f, a_id);
	fault = new_fault(&f, &fd);
	hwpt = new_nested(&f, a_id, fault);
	other = new_nested(&f, a_id, fault);
	cr_assert_eq(attach(&f, a, hwpt), 0);
	cr_assert_eq(attach(&f, b, hwpt), 0);
	/* only the device whose attach enabled IOPF has a fault param */
	trigger(&f, b, 0, 1, 0x1000);
	cr_assert_eq(pending(&f, fault), 0);
	/* b replaces the group: the handle is b's now, a keeps its param */
	cr_assert_eq(attach(&f, b, other), 0);
	trigger(&f, a, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, fd, buf, REC), (long)REC);
	cr_assert_eq(buf[0].dev_id, b_id, "dev_id is the handle's device");
	cr_assert_neq(a_id, b_id);
	teardown(&f);
}

/*
 * Two groups report to one FAULT: detaching one answers its groups only,
 * delivered or not, and leaves the other's in order, the queue's tail
 * included (a stale tail would append the next group to a freed one)
 */
Test(fault, detach_answers_only_its_own_groups)
{
	struct fixture f;
	struct iommufd_dev *a, *b;
	uint32_t a_id, b_id, fault, ha, hb;
	struct iommu_hwpt_pgfault buf[4];
	int fd;

	setup(&f);
	a = add_mock(&f, 0);
	b = add_mock(&f, 0);
	a_id = bind(&f, a);
	b_id = bind(&f, b);
	make_parent(&f, a_id);
	fault = new_fault(&f, &fd);
	ha = new_nested(&f, a_id, fault);
	hb = new_nested(&f, b_id, fault);
	cr_assert_eq(attach(&f, a, ha), 0);
	cr_assert_eq(attach(&f, b, hb), 0);

	trigger(&f, a, 0, 1, 0x1000);
	trigger(&f, b, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, fd, buf, 2 * REC), (long)(2 * REC));
	cr_assert_eq(buf[0].cookie, 1, "a's, delivered");
	cr_assert_eq(buf[1].cookie, 2, "b's, delivered");
	trigger(&f, b, 0, 3, 0x3000);
	trigger(&f, a, 0, 4, 0x4000); /* a's, last in the queue */
	cr_assert_eq(pending(&f, fault), 2);

	cr_assert_eq(detach(&f, a), 0);
	cr_assert_eq(pending(&f, fault), 1, "b's undelivered group stays");
	cr_assert_eq(respond(&f, fd, 1, IOMMUFD_PAGE_RESP_SUCCESS), -EINVAL,
		     "a's delivered group was answered for it");
	cr_assert_eq(respond(&f, fd, 2, IOMMUFD_PAGE_RESP_SUCCESS), (long)RESP,
		     "b's is still b's to answer");
	/* the tail is b's group now: a new one goes after it */
	trigger(&f, b, 0, 5, 0x5000);
	cr_assert_eq(rd(&f, fd, buf, 4 * REC), (long)(2 * REC));
	cr_assert_eq(buf[0].grpid, 3);
	cr_assert_eq(buf[1].grpid, 5);
	cr_assert_eq(buf[0].dev_id, b_id);
	teardown(&f);
}

Test(fault, close_and_context_lifetime)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[1];

	setup(&f);
	faultable(&f, &x);
	trigger(&f, x.dev, 0, 1, 0x1000);
	trigger(&f, x.dev, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	/* the device and the fault file both hold the closed context */
	iommufd_ctx_close(f.h.ctx);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC, "still readable");
	cr_assert_eq(respond(&f, x.fd, 2, 0), (long)RESP);
	iommufd_dev_unbind(x.dev);
	harness_check(&f.h);
	cr_assert_eq(f.h.ctx->file_refs, 1);
	/* the last holder: the fault file's close releases everything */
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, x.fd), 0);
	f.h.ctx = NULL;
	iommufd_platform_free(f.p);
}

Test(fault, destroy_answers_everything)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[1];

	setup(&f);
	faultable(&f, &x);
	trigger(&f, x.dev, 0, 1, 0x1000);
	trigger(&f, x.dev, 0, 2, 0x2000);
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	/* closing the file does not answer anything; the detach does */
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, x.fd), 0);
	harness_check(&f.h);
	cr_assert_eq(pending(&f, x.fault), 1);
	cr_assert_eq(fault_of(&f, x.fault)->response_count, 1);
	cr_assert_eq(h_destroy(&f.h, x.fault), -EBUSY);
	/* the context goes with groups pending in both states (ASan) */
	teardown(&f);
}

Test(fault, only_the_file_holds_the_context)
{
	struct fixture f;
	struct iommu_hwpt_pgfault buf[1];
	uint32_t id;
	int fd;

	setup(&f);
	id = new_fault(&f, &fd);
	cr_assert_eq(id, 1);
	iommufd_ctx_close(f.h.ctx);
	cr_assert(f.h.ctx->closed);
	cr_assert_eq(rd(&f, fd, buf, REC), 0);
	cr_assert_eq(iommufd_fault_fd_poll(f.h.ctx, fd), IOMMUFD_POLLOUT);
	/* the close releases the context and destroys the FAULT (ASan) */
	cr_assert_eq(iommufd_fault_fd_close(f.h.ctx, fd), 0);
	f.h.ctx = NULL;
	iommufd_platform_free(f.p);
}

/*
 * VT-d turns IOPF on only for a PCI device with ATS and PRI, which no
 * model device has: attaching to a HWPT with a fault object fails before
 * the domain is touched.
 */
/* A VT-d stage-1 HWPT on f->parent, taking faults into @fault unless 0 */
static uint32_t vtd_nested(struct fixture *f, uint32_t dev_id, uint32_t fault)
{
	struct iommu_hwpt_vtd_s1 s1 = { .pgtbl_addr = 0x200000,
					.addr_width = 48 };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = dev_id, .pt_id = f->parent,
		.data_type = IOMMU_HWPT_DATA_VTD_S1, .data_len = sizeof(s1),
		.data_uptr = (uintptr_t)&s1,
	};

	if (fault) {
		cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
		cmd.fault_id = fault;
	}
	ASSERT_OK(&f->h, IOMMU_HWPT_ALLOC, &cmd);
	return cmd.out_hwpt_id;
}

static struct iommufd_dev *vtd_dev(struct fixture *f, uint64_t ecap,
				   bool ats_pri)
{
	struct iommufd_iommu_desc vd = { .kind = IOMMUFD_IOMMU_INTEL_VTD,
					 .vtd_ecap = ecap };
	struct iommufd_dev_desc dd = { .ats_pri = ats_pri };
	struct iommufd_iommu *vtd;
	struct iommufd_dev *d;
	int err = 0;

	vtd = iommufd_platform_add_iommu(f->p, &vd, &err);
	cr_assert_not_null(vtd, "add_iommu: %d", err);
	d = iommufd_platform_add_dev(f->p, vtd, &dd, &err);
	cr_assert_not_null(d, "add_dev: %d", err);
	return d;
}

/* The model's default VT-d ecap, plus DT (bit 2) and PDS (bit 42) */
#define ECAP_PRI_READY                                                    \
	((1ull << 0) | (1ull << 2) | (1ull << 7) | (1ull << 26) |          \
	 (1ull << 29) | (1ull << 31) | (19ull << 35) | (1ull << 40) |      \
	 (1ull << 42) | (1ull << 43) | (1ull << 45) | (1ull << 46) |       \
	 (1ull << 47) | (1ull << 48))

/* Without PRI, or with an IOMMU lacking DT/PDS, IOPF never turns on */
Test(fault, vtd_without_pri_cannot_enable_iopf)
{
	struct fixture f;
	struct iommufd_dev *d;
	uint32_t dev_id, fault;
	int fd;

	for (int pass = 0; pass < 2; pass++) {
		setup(&f);
		/* pass 0: no PRI; pass 1: PRI, but the default ecap */
		d = vtd_dev(&f, pass ? 0 : ECAP_PRI_READY, pass == 1);
		dev_id = bind(&f, d);
		make_parent(&f, dev_id);
		fault = new_fault(&f, &fd);
		cr_assert_eq(attach(&f, d, vtd_nested(&f, dev_id, fault)),
			     -ENODEV);
		cr_assert_eq(d->idev->iopf_enabled, 0);
		cr_assert(!d->attached);
		cr_assert_eq(attach(&f, d, f.parent), 0);
		cr_assert_eq(attach(&f, d, vtd_nested(&f, dev_id, fault)),
			     -ENODEV, "ATS is on, but there is no PRI");
		cr_assert_eq(d->idev->iopf_enabled, 0);
		/* without the fault object the same stage 1 attaches */
		cr_assert_eq(attach(&f, d, vtd_nested(&f, dev_id, 0)), 0);
		teardown(&f);
	}
}

/*
 * With PRI, IOPF turns on only while ATS is: after a paging attach, not
 * straight after bind (blocking) nor after a nested attach. Requests are
 * still refused: without a PASID by the page request queue, with one for
 * want of a PASID attachment.
 */
Test(fault, vtd_pri_device_enables_iopf_only_under_ats)
{
	struct fixture f;
	struct iommufd_page_request req = { .addr = 0x4000, .last = true,
					    .perm = IOMMU_PGFAULT_PERM_READ };
	struct iommufd_dev *d;
	uint32_t dev_id, fault, faulty, plain, code;
	int fd;

	setup(&f);
	d = vtd_dev(&f, ECAP_PRI_READY, true);
	dev_id = bind(&f, d);
	make_parent(&f, dev_id);
	fault = new_fault(&f, &fd);
	faulty = vtd_nested(&f, dev_id, fault);
	plain = vtd_nested(&f, dev_id, 0);

	cr_assert_eq(attach(&f, d, faulty), -ENODEV, "bound: blocked, no ATS");
	cr_assert_eq(attach(&f, d, f.parent), 0);
	cr_assert_eq(attach(&f, d, faulty), 0, "paging attached: ATS on");
	cr_assert_eq(d->idev->iopf_enabled, 1);

	code = 0xdead;
	cr_assert_eq(iommufd_dev_page_request(d, &req, &code),
		     IOMMUFD_PAGE_REQUEST_RESPONDED, "no PASID: a bad request");
	cr_assert_eq(code, IOMMUFD_PAGE_REQUEST_RESP_INVALID);
	req.pasid_valid = true;
	req.pasid = 5;
	code = 0xdead;
	cr_assert_eq(iommufd_dev_page_request(d, &req, &code),
		     IOMMUFD_PAGE_REQUEST_RESPONDED, "no PASID attachment");
	cr_assert_eq(code, IOMMUFD_PAGE_REQUEST_RESP_INVALID);
	cr_assert_eq(pending(&f, fault), 0);

	/* fault to plain turns IOPF off; the nested attach left ATS off */
	cr_assert_eq(attach(&f, d, plain), 0);
	cr_assert_eq(d->idev->iopf_enabled, 0);
	cr_assert_eq(attach(&f, d, faulty), -ENODEV);
	cr_assert_eq(attach(&f, d, f.parent), 0);
	cr_assert_eq(attach(&f, d, faulty), 0);
	cr_assert_eq(detach(&f, d), 0);
	cr_assert_eq(d->idev->iopf_enabled, 0);
	teardown(&f);
}

/* ------------------------------------------- iommufd_dev_page_request() */

static int page_request(struct fixture *f, struct iommufd_dev *dev,
			uint32_t grpid, uint64_t addr, bool last,
			uint32_t *code)
{
	struct iommufd_page_request req = {
		.addr = addr, .perm = IOMMU_PGFAULT_PERM_WRITE,
		.grpid = grpid, .last = last,
	};
	int st;

	*code = 0xdead;
	st = iommufd_dev_page_request(dev, &req, code);
	harness_check(&f->h);
	return st;
}

Test(fault, page_request_queued_in_groups)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[4];
	struct iommufd_page_request req = { .perm = 0x10, .last = true };
	uint32_t code;

	setup(&f);
	faultable(&f, &x);
	cr_assert_eq(iommufd_dev_page_request(x.dev, &req, &code), -EINVAL,
		     "a permission bit PRI does not have");
	cr_assert_eq(pending(&f, x.fault), 0);

	cr_assert_eq(page_request(&f, x.dev, 7, 0x1000, false, &code),
		     IOMMUFD_PAGE_REQUEST_QUEUED, "held for its group");
	cr_assert_eq(code, 0xdead, "no code without a response");
	cr_assert_eq(page_request(&f, x.dev, 7, 0x2000, false, &code),
		     IOMMUFD_PAGE_REQUEST_QUEUED);
	cr_assert_eq(pending(&f, x.fault), 0);
	cr_assert_eq(page_request(&f, x.dev, 7, 0x3000, true, &code),
		     IOMMUFD_PAGE_REQUEST_QUEUED);
	cr_assert_eq(pending(&f, x.fault), 1, "one group of three");
	cr_assert_eq(rd(&f, x.fd, buf, 4 * REC), (long)(3 * REC));
	cr_assert_eq(buf[0].addr, 0x1000);
	cr_assert_eq(buf[0].flags, 0);
	cr_assert_eq(buf[0].perm, IOMMU_PGFAULT_PERM_WRITE);
	cr_assert_eq(buf[2].addr, 0x3000);
	cr_assert_eq(buf[2].flags, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	cr_assert_eq(buf[2].grpid, 7);
	cr_assert_eq(buf[2].dev_id, x.dev_id);

	/* a PASID reaches the nested RID domain of the mock */
	req = (struct iommufd_page_request){
		.pasid_valid = true, .pasid = 9, .addr = 0x5000,
		.perm = IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_EXEC,
		.grpid = 1, .last = true,
	};
	cr_assert_eq(iommufd_dev_page_request(x.dev, &req, NULL),
		     IOMMUFD_PAGE_REQUEST_QUEUED, "out_code may be NULL");
	cr_assert_eq(rd(&f, x.fd, buf, REC), (long)REC);
	cr_assert_eq(buf[0].flags, IOMMU_PGFAULT_FLAGS_PASID_VALID |
					   IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	cr_assert_eq(buf[0].pasid, 9);
	cr_assert_eq(buf[0].perm,
		     IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_EXEC);
	teardown(&f);
}

Test(fault, page_request_nothing_takes_is_answered_invalid)
{
	struct fixture f;
	struct iommufd_dev *a;
	uint32_t a_id, plain, fault, code;
	int fd;

	setup(&f);
	a = add_mock(&f, 0);
	cr_assert_eq(page_request(&f, a, 1, 0x1000, true, &code),
		     IOMMUFD_PAGE_REQUEST_RESPONDED, "not bound");
	cr_assert_eq(code, IOMMUFD_PAGE_REQUEST_RESP_INVALID);
	a_id = bind(&f, a);
	make_parent(&f, a_id);
	fault = new_fault(&f, &fd);
	plain = new_nested(&f, a_id, 0);
	cr_assert_eq(attach(&f, a, plain), 0);
	cr_assert_eq(page_request(&f, a, 1, 0x1000, false, &code),
		     IOMMUFD_PAGE_REQUEST_RESPONDED,
		     "a partial request without a handler is answered too");
	cr_assert_eq(code, IOMMUFD_PAGE_REQUEST_RESP_INVALID);
	cr_assert_eq(page_request(&f, a, 1, 0x1000, true, &code),
		     IOMMUFD_PAGE_REQUEST_RESPONDED);
	cr_assert_eq(code, IOMMUFD_PAGE_REQUEST_RESP_INVALID);
	cr_assert_eq(pending(&f, fault), 0);
	teardown(&f);
}

Test(fault, page_request_vtd_answered_none_dropped)
{
	struct fixture f;
	struct iommufd_iommu_desc vd = { .kind = IOMMUFD_IOMMU_INTEL_VTD };
	struct iommufd_iommu_desc nd = { .kind = IOMMUFD_IOMMU_NONE };
	struct iommufd_dev_desc dd = { 0 };
	struct iommufd_iommu *vtd, *none;
	struct iommufd_dev *v, *n;
	uint32_t code, pt;
	int err = 0;

	setup(&f);
	vtd = iommufd_platform_add_iommu(f.p, &vd, &err);
	none = iommufd_platform_add_iommu(f.p, &nd, &err);
	cr_assert(vtd && none);
	v = iommufd_platform_add_dev(f.p, vtd, &dd, &err);
	n = iommufd_platform_add_dev(f.p, none, &dd, &err);
	cr_assert(v && n);
	bind(&f, v);
	pt = h_ioas_alloc(&f.h);
	cr_assert_eq(attach(&f, v, pt), 0);
	cr_assert_eq(page_request(&f, v, 2, 0x4000, true, &code),
		     IOMMUFD_PAGE_REQUEST_RESPONDED,
		     "no fault queue behind VT-d in the model");
	cr_assert_eq(code, IOMMUFD_PAGE_REQUEST_RESP_INVALID);
	cr_assert_eq(page_request(&f, n, 2, 0x4000, true, &code),
		     IOMMUFD_PAGE_REQUEST_DROPPED, "no IOMMU hears it");
	cr_assert_eq(code, 0xdead);
	teardown(&f);
}

Test(fault, dma_fault_raises_a_page_request)
{
	struct fixture f;
	struct faultable x;
	struct iommu_hwpt_pgfault buf[2];
	struct iommufd_dma_fault df;
	char data[8] = { 0 };

	setup(&f);
	faultable(&f, &x);
	/* nothing is mapped in the parent: the write faults on its page */
	cr_assert_eq(iommufd_dev_dma_fault(x.dev, 0x12345, data, 8, true, &df),
		     -EFAULT);
	harness_check(&f.h);
	cr_assert(df.raised);
	cr_assert_eq(df.status, IOMMUFD_PAGE_REQUEST_QUEUED);
	cr_assert_eq(df.req.addr, 0x12000);
	cr_assert_eq(df.req.perm, IOMMU_PGFAULT_PERM_WRITE);
	cr_assert(df.req.last && !df.req.pasid_valid && !df.req.grpid);
	cr_assert_eq(rd(&f, x.fd, buf, 2 * REC), (long)REC);
	cr_assert_eq(buf[0].addr, 0x12000);
	cr_assert_eq(buf[0].perm, IOMMU_PGFAULT_PERM_WRITE);

	/* detached: blocked, no translation and no request */
	cr_assert_eq(detach(&f, x.dev), 0);
	cr_assert_eq(iommufd_dev_dma_fault(x.dev, 0x1000, data, 8, false, &df),
		     -ENODEV);
	cr_assert(!df.raised);
	/* on the parent, which has no fault object: the core answers */
	cr_assert_eq(attach(&f, x.dev, f.parent), 0);
	cr_assert_eq(iommufd_dev_dma_fault(x.dev, 0x1000, data, 8, false, &df),
		     -EFAULT);
	cr_assert(df.raised);
	cr_assert_eq(df.status, IOMMUFD_PAGE_REQUEST_RESPONDED);
	cr_assert_eq(df.code, IOMMUFD_PAGE_REQUEST_RESP_INVALID);
	cr_assert_eq(df.req.perm, IOMMU_PGFAULT_PERM_READ);
	teardown(&f);
}
