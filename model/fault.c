// SPDX-License-Identifier: MIT
/*
 * FAULT objects and the fault file (drivers/iommu/iommufd/fault.c), and
 * how a page request reaches one (drivers/iommu/io-pgfault.c).
 *
 * A page request from a device goes to whatever its IOMMU group is
 * attached to. If that HWPT has a fault object and the device has IOPF
 * enabled, the request joins its group (requests before the LAST_PAGE one
 * wait on the device) and the finished group is queued on the fault
 * object; otherwise the core answers it INVALID on the spot. read() on
 * the fault file hands out whole groups and gives each a cookie; write()
 * answers a group by its cookie. Detaching or replacing a group away from
 * the HWPT, and destroying the fault object, answer everything still
 * pending INVALID.
 *
 * Page responses go to the IOMMU driver; the mock driver (the only one
 * that can take faults here) ignores them, so a response is just the end
 * of the group.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define FAULT_SIZE sizeof(struct iommu_hwpt_pgfault)
#define RESPONSE_SIZE sizeof(struct iommu_hwpt_page_response)
/* read(2) and write(2) cut count to INT_MAX & PAGE_MASK before the fops */
#define MAX_RW_COUNT 0x7ffff000ul

/* ------------------------------------------------------- page responses */

/*
 * iopf_group_response(): the driver's page_response. No model driver
 * acts on one (mock_domain_page_response() is empty), so there is
 * nothing to do beyond ending the group's life.
 */
static void iopf_group_response(struct iopf_group *group,
				enum iommu_page_response_code code)
{
	(void)group;
	(void)code;
}

static void iopf_group_respond_and_free(struct iopf_group *group,
					enum iommu_page_response_code code)
{
	iopf_group_response(group, code);
	free(group);
}

/* -------------------------------------------------------- the cookie map */

static int cookie_alloc(struct iommufd_fault *fault, struct iopf_group *group)
{
	uint32_t c;

	for (c = fault->response_lowest_free ? fault->response_lowest_free : 1;
	     c < fault->response_cap && fault->response[c]; c++)
		;
	if (c >= fault->response_cap) {
		uint32_t cap = fault->response_cap ? fault->response_cap * 2 : 16;
		struct iopf_group **grown;

		/* xa_limit_32b: cookies up to U32_MAX; never near in practice */
		if (fault->response_cap > UINT32_MAX / 2)
			return -EBUSY;
		grown = realloc(fault->response, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memset(grown + fault->response_cap, 0,
		       (cap - fault->response_cap) * sizeof(*grown));
		fault->response = grown;
		fault->response_cap = cap;
	}
	fault->response[c] = group;
	fault->response_count++;
	fault->response_lowest_free = c + 1;
	group->cookie = c;
	return 0;
}

/* xa_erase(): the group under @cookie, now removed, or NULL */
static struct iopf_group *cookie_erase(struct iommufd_fault *fault,
				       uint32_t cookie)
{
	struct iopf_group *group;

	if (!cookie || cookie >= fault->response_cap)
		return NULL;
	group = fault->response[cookie];
	if (!group)
		return NULL;
	fault->response[cookie] = NULL;
	fault->response_count--;
	if (cookie < fault->response_lowest_free)
		fault->response_lowest_free = cookie;
	group->cookie = 0;
	return group;
}

/* ----------------------------------------------------- the deliver list */

/* iommufd_fault_deliver_fetch(): the oldest undelivered group */
static struct iopf_group *deliver_fetch(struct iommufd_fault *fault)
{
	struct iopf_group *group = fault->deliver;

	if (group) {
		fault->deliver = group->next;
		if (!fault->deliver)
			fault->deliver_tail = NULL;
		group->next = NULL;
	}
	return group;
}

/* iommufd_fault_deliver_restore(): back to the head, read again first */
static void deliver_restore(struct iommufd_fault *fault,
			    struct iopf_group *group)
{
	group->next = fault->deliver;
	fault->deliver = group;
	if (!fault->deliver_tail)
		fault->deliver_tail = group;
}

static void deliver_add_tail(struct iommufd_fault *fault,
			     struct iopf_group *group)
{
	group->next = NULL;
	if (fault->deliver_tail)
		fault->deliver_tail->next = group;
	else
		fault->deliver = group;
	fault->deliver_tail = group;
}

/* ------------------------------------------------------- attach handles */

static struct iommufd_attach_handle *handle_find(struct iommufd_ctx *ictx,
						 struct iommufd_group *igroup)
{
	struct iommufd_attach_handle *h;

	for (h = ictx->fault_handles; h; h = h->next)
		if (h->igroup == igroup)
			return h;
	return NULL;
}

static struct iommufd_attach_handle *
handle_new(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev)
{
	struct iommufd_attach_handle *h = calloc(1, sizeof(*h));

	if (h) {
		h->igroup = idev->igroup;
		h->hwpt = hwpt;
		h->dev_id = idev->obj.id;
	}
	return h;
}

static void handle_link(struct iommufd_ctx *ictx,
			struct iommufd_attach_handle *h)
{
	h->next = ictx->fault_handles;
	ictx->fault_handles = h;
}

static void handle_unlink_free(struct iommufd_ctx *ictx,
			       struct iommufd_attach_handle *h)
{
	struct iommufd_attach_handle **pp;

	for (pp = &ictx->fault_handles; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	}
	free(h);
}

/* ------------------------------------------------------ IOPF on devices */

/* iommufd_fault_iopf_enable(): counted, the driver sees the first only */
static int iopf_enable(struct iommufd_device *idev)
{
	bool param = false;
	int rc;

	if (++idev->iopf_enabled > 1)
		return 0;
	rc = idev->dev->iommu->driver->enable_iopf ?
		     idev->dev->iommu->driver->enable_iopf(idev->dev, &param) :
		     -ENODEV;
	if (rc) {
		idev->iopf_enabled--;
		return rc;
	}
	idev->iopf_param = param;
	return 0;
}

/* iopf_queue_remove_device(): partial requests are dropped unanswered */
static void iopf_param_remove(struct iommufd_device *idev)
{
	free(idev->iopf_partial);
	idev->iopf_partial = NULL;
	idev->iopf_npartial = idev->iopf_partial_cap = 0;
	idev->iopf_param = false;
}

/*
 * iommufd_fault_iopf_disable(). A disable without an enable is a WARN in
 * the kernel and changes nothing; it happens when the last device of a
 * multi-device group to detach is not the one whose attach enabled IOPF.
 */
static void iopf_disable(struct iommufd_device *idev)
{
	if (!idev->iopf_enabled)
		return;
	if (--idev->iopf_enabled)
		return;
	iopf_param_remove(idev);
}

void iommufd_fault_device_destroy(struct iommufd_device *idev)
{
	/*
	 * Only the WARN case above leaves IOPF on at unbind. The kernel then
	 * keeps the param on the struct device; the model's devices have it
	 * on the binding, so it goes now (SPEC.md, differences).
	 */
	iopf_param_remove(idev);
	idev->iopf_enabled = 0;
}

/* ------------------------------------------ attach, detach and replace */

static void auto_response_faults(struct iommufd_hw_pagetable *hwpt,
				 struct iommufd_attach_handle *handle);

int iommufd_fault_attach_prepare(struct iommufd_hw_pagetable *hwpt,
				 struct iommufd_device *idev)
{
	struct iommufd_attach_handle *h;
	int rc;

	if (!hwpt->fault)
		return 0;
	h = handle_new(hwpt, idev);
	if (!h)
		return -ENOMEM;
	rc = iopf_enable(idev);
	if (rc) {
		free(h);
		return rc;
	}
	handle_link(idev->ictx, h);
	return 0;
}

void iommufd_fault_attach_abort(struct iommufd_hw_pagetable *hwpt,
				struct iommufd_device *idev)
{
	if (!hwpt->fault)
		return;
	handle_unlink_free(idev->ictx, handle_find(idev->ictx, idev->igroup));
	iopf_disable(idev);
}

/* The group has gone to the blocking domain: its faults are answered */
void iommufd_fault_detach(struct iommufd_hw_pagetable *hwpt,
			  struct iommufd_device *idev)
{
	struct iommufd_attach_handle *h;

	if (!hwpt->fault)
		return;
	h = handle_find(idev->ictx, idev->igroup);
	auto_response_faults(hwpt, h);
	handle_unlink_free(idev->ictx, h);
	iopf_disable(idev);
}

int iommufd_fault_replace_prepare(struct iommufd_device *idev,
				  struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_hw_pagetable *old,
				  struct iommufd_attach_handle **handle)
{
	int rc;

	*handle = NULL;
	if (hwpt->fault) {
		*handle = handle_new(hwpt, idev);
		if (!*handle)
			return -ENOMEM;
	}
	/* the count is per HWPT kind, not per HWPT: fault to fault keeps it */
	if (hwpt->fault && !old->fault) {
		rc = iopf_enable(idev);
		if (rc) {
			free(*handle);
			*handle = NULL;
			return rc;
		}
	}
	return 0;
}

void iommufd_fault_replace_abort(struct iommufd_device *idev,
				 struct iommufd_hw_pagetable *hwpt,
				 struct iommufd_hw_pagetable *old,
				 struct iommufd_attach_handle *handle)
{
	if (hwpt->fault && !old->fault)
		iopf_disable(idev);
	free(handle);
}

void iommufd_fault_replace_commit(struct iommufd_device *idev,
				  struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_hw_pagetable *old,
				  struct iommufd_attach_handle *handle)
{
	struct iommufd_ctx *ictx = idev->ictx;

	if (old->fault) {
		struct iommufd_attach_handle *h = handle_find(ictx, idev->igroup);

		auto_response_faults(old, h);
		handle_unlink_free(ictx, h);
		if (!hwpt->fault)
			iopf_disable(idev);
	}
	if (handle)
		handle_link(ictx, handle);
}

/* -------------------------------------------------------------- report */

/*
 * find_fault_handler(): the group's attachment, if its HWPT takes faults.
 * The model has no PASID attachments, so a request with a PASID other
 * than IOMMU_NO_PASID finds one only through a driver with a user-managed
 * PASID table (the mock) and a nested domain on the RID.
 */
static struct iommufd_attach_handle *find_fault_handler(
	struct iommufd_device *idev, const struct iopf_fault *f)
{
	struct iommufd_hw_pagetable *hwpt = idev->igroup->hwpt;

	if (!hwpt)
		return NULL;
	if ((f->flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) &&
	    f->pasid != IOMMU_NO_PASID &&
	    (idev->dev->iommu->desc.kind != IOMMUFD_IOMMU_MOCK ||
	     hwpt->domain->type != IOMMU_DOMAIN_NESTED))
		return NULL;
	/* domain->iopf_handler is set exactly for HWPTs with a fault object */
	if (!hwpt->fault)
		return NULL;
	return handle_find(idev->ictx, idev->igroup);
}

static int report_partial_fault(struct iommufd_device *idev,
				const struct iopf_fault *f)
{
	if (idev->iopf_npartial == idev->iopf_partial_cap) {
		uint32_t cap = idev->iopf_partial_cap ?
				       idev->iopf_partial_cap * 2 : 4;
		struct iopf_fault *grown;

		if (idev->iopf_partial_cap > UINT32_MAX / 2)
			return -ENOMEM;
		grown = realloc(idev->iopf_partial, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		idev->iopf_partial = grown;
		idev->iopf_partial_cap = cap;
	}
	idev->iopf_partial[idev->iopf_npartial++] = *f;
	return 0;
}

/*
 * iopf_group_alloc(): the partial requests with the same group index, in
 * the order they came, then the last one. A partial request of another
 * group keeps waiting; the PASID is not compared, as in the kernel.
 */
static struct iopf_group *iopf_group_alloc(struct iommufd_device *idev,
					   const struct iopf_fault *last)
{
	struct iopf_group *group;
	uint32_t i, n = 1, kept = 0;

	for (i = 0; i < idev->iopf_npartial; i++)
		n += idev->iopf_partial[i].grpid == last->grpid;
	group = calloc(1, sizeof(*group) + n * sizeof(group->faults[0]));
	if (!group)
		return NULL;
	for (i = 0; i < idev->iopf_npartial; i++) {
		const struct iopf_fault *p = &idev->iopf_partial[i];

		if (p->grpid == last->grpid)
			group->faults[group->fault_count++] = *p;
		else
			idev->iopf_partial[kept++] = *p;
	}
	idev->iopf_npartial = kept;
	group->faults[group->fault_count++] = *last;
	return group;
}

int iommufd_fault_report(struct iommufd_dev *dev, const struct iopf_fault *f)
{
	struct iommufd_device *idev = dev->idev;
	struct iommufd_attach_handle *handle = NULL;
	struct iopf_group *group;

	if (idev)
		handle = find_fault_handler(idev, f);
	/* a fault-capable domain without a param is a kernel WARN */
	if (!handle || !idev->iopf_param)
		goto err_bad_iopf;

	/*
	 * A request that is not the last is not answered by itself; one the
	 * core has no room for is, INVALID, like a request nothing takes.
	 */
	if (!(f->flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE))
		return report_partial_fault(idev, f) ? -EINVAL : 0;

	group = iopf_group_alloc(idev, f);
	if (!group) {
		/* the kernel's on-stack abort group: answered FAILURE */
		return -ENOMEM;
	}
	group->handle = handle;
	group->dev = dev;
	/* iommufd_fault_iopf_handler(): always takes it */
	deliver_add_tail(handle->hwpt->fault, group);
	return 0;

err_bad_iopf:
	/* iopf_error_response(): INVALID straight back to the device */
	return -EINVAL;
}

int iommufd_dev_page_request(struct iommufd_dev *dev,
			     const struct iommufd_page_request *req,
			     uint32_t *out_code)
{
	struct iopf_fault f = {
		.pasid = req->pasid,
		.grpid = req->grpid,
		.perm = req->perm,
		.addr = req->addr,
	};
	int rc;

	if (req->perm & ~(uint32_t)(IOMMU_FAULT_PERM_READ |
				    IOMMU_FAULT_PERM_WRITE |
				    IOMMU_FAULT_PERM_EXEC |
				    IOMMU_FAULT_PERM_PRIV))
		return -EINVAL;
	/* without an IOMMU the message reaches no page request queue */
	if (dev->iommu->desc.kind == IOMMUFD_IOMMU_NONE)
		return IOMMUFD_PAGE_REQUEST_DROPPED;
	if (dev->iommu->driver->prq_refuses &&
	    dev->iommu->driver->prq_refuses(dev, req)) {
		if (out_code)
			*out_code = IOMMUFD_PAGE_REQUEST_RESP_INVALID;
		return IOMMUFD_PAGE_REQUEST_RESPONDED;
	}
	if (req->pasid_valid)
		f.flags |= IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;
	if (req->last)
		f.flags |= IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
	rc = iommufd_fault_report(dev, &f);
	if (!rc)
		return IOMMUFD_PAGE_REQUEST_QUEUED;
	if (out_code)
		*out_code = rc == -ENOMEM ? IOMMUFD_PAGE_REQUEST_RESP_FAILURE :
					    IOMMUFD_PAGE_REQUEST_RESP_INVALID;
	return IOMMUFD_PAGE_REQUEST_RESPONDED;
}

void iommufd_fault_trigger_iopf(struct iommufd_dev *dev, uint32_t pasid,
				uint32_t grpid, uint32_t perm, uint64_t addr)
{
	struct iopf_fault f = {
		.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
		.pasid = pasid,
		.grpid = grpid,
		.perm = perm,
		.addr = addr,
	};

	if (pasid != IOMMU_NO_PASID)
		f.flags |= IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;
	(void)iommufd_fault_report(dev, &f);
}

/*
 * iommufd_auto_response_faults(): every group that came through @handle,
 * undelivered or awaiting its response, is answered INVALID; its cookie
 * is free again.
 */
static void auto_response_faults(struct iommufd_hw_pagetable *hwpt,
				 struct iommufd_attach_handle *handle)
{
	struct iommufd_fault *fault = hwpt->fault;
	struct iopf_group **pp, *group;
	uint32_t c;

	fault->deliver_tail = NULL;
	for (pp = &fault->deliver; (group = *pp);) {
		if (group->handle != handle) {
			fault->deliver_tail = group;
			pp = &group->next;
			continue;
		}
		*pp = group->next;
		iopf_group_respond_and_free(group, IOMMU_PAGE_RESP_INVALID);
	}
	for (c = 1; c < fault->response_cap && fault->response_count; c++) {
		group = fault->response[c];
		if (!group || group->handle != handle)
			continue;
		cookie_erase(fault, c);
		iopf_group_respond_and_free(group, IOMMU_PAGE_RESP_INVALID);
	}
}

/* ------------------------------------------------------------ the object */

void iommufd_fault_destroy(struct iommufd_object *obj)
{
	struct iommufd_fault *fault =
		container_of(obj, struct iommufd_fault, obj);
	struct iopf_group *group;
	uint32_t c;

	while ((group = deliver_fetch(fault)))
		iopf_group_respond_and_free(group, IOMMU_PAGE_RESP_INVALID);
	for (c = 1; c < fault->response_cap; c++) {
		group = cookie_erase(fault, c);
		if (group)
			iopf_group_respond_and_free(group,
						    IOMMU_PAGE_RESP_INVALID);
	}
	free(fault->response);
	fault->response = NULL;
	fault->response_cap = 0;
}

/* ------------------------------------------------------------- the file */

static struct iommufd_fault *file_lookup(struct iommufd_ctx *ictx, int fd)
{
	struct iommufd_fault *fault;

	for (fault = ictx->fault_files; fault; fault = fault->next_file)
		if (fault->fd == fd)
			return fault;
	return NULL;
}

/* fd_install(): the number now names the file */
static void fd_install(struct iommufd_ctx *ictx, struct iommufd_fault *fault,
		       int fd)
{
	struct iommufd_fault **pp;

	for (pp = &ictx->fault_files; *pp && (*pp)->fd <= fd;
	     pp = &(*pp)->next_file)
		;
	fault->fd = fd;
	fault->next_file = *pp;
	*pp = fault;
}

/*
 * iommufd_fault_fops_release(): the file's reference on the object, then
 * its reference on the iommufd file, which may be the last one after
 * close; so the context is not touched afterwards.
 */
static void fault_file_release(struct iommufd_fault *fault)
{
	struct iommufd_ctx *ictx = fault->ictx;

	fault->file_open = false;
	fault->obj.users--;
	iommufd_ctx_put(ictx);
}

int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_fault *fault;
	int fdno, rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	fault = (struct iommufd_fault *)iommufd_object_alloc(
		ictx, sizeof(*fault), IOMMUFD_OBJ_FAULT, &rc);
	if (!fault)
		return rc;
	fault->ictx = ictx;
	fault->fd = -1;

	/* anon_inode_getfile(): the file holds the object and the context */
	fault->file_open = true;
	fault->obj.users++;
	iommufd_ctx_get(ictx);

	fdno = iommufd_get_unused_fd(ictx);
	if (fdno < 0) {
		rc = fdno;
		goto out_abort;
	}

	cmd->out_fault_id = fault->obj.id;
	cmd->out_fault_fd = (uint32_t)fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_put_fdno;
	iommufd_object_finalize(ictx, &fault->obj);
	fd_install(ictx, fault, fdno);
	return 0;

out_put_fdno:
	iommufd_put_unused_fd(ictx, fdno);
out_abort:
	/* __fput_sync() in iommufd_object_abort_and_destroy() */
	fault_file_release(fault);
	iommufd_object_abort_and_destroy(ictx, &fault->obj);
	return rc;
}

static void compose_fault_message(const struct iopf_fault *f,
				  struct iommu_hwpt_pgfault *msg,
				  uint32_t dev_id, uint32_t cookie)
{
	memset(msg, 0, sizeof(*msg));
	msg->flags = f->flags;
	msg->dev_id = dev_id;
	msg->pasid = f->pasid;
	msg->grpid = f->grpid;
	msg->perm = f->perm;
	msg->addr = f->addr;
	msg->length = 0;
	msg->cookie = cookie;
}

/*
 * The VFS part of read(2)/write(2) that the fops see: a count that could
 * not name user memory is EFAULT (access_ok(); the bound itself is left
 * to the memory provider, SPEC.md 7.1), the rest is cut to MAX_RW_COUNT.
 */
static long vfs_count(size_t *count)
{
	if (*count > (size_t)INT64_MAX)
		return -EFAULT;
	if (*count > MAX_RW_COUNT)
		*count = MAX_RW_COUNT;
	return 0;
}

static long fault_read(struct iommufd_fault *fault, uint64_t buf,
		       size_t count)
{
	struct iommufd_ctx *ictx = fault->ictx;
	struct iommu_hwpt_pgfault data;
	struct iopf_group *group;
	size_t done = 0;
	long rc = 0;
	uint32_t i;

	/* the position is always 0: the file is not seekable */
	if (count % FAULT_SIZE)
		return -ESPIPE;

	while ((group = deliver_fetch(fault))) {
		size_t group_done = done;

		/* whole groups only; one that does not fit stays first */
		if (done >= count ||
		    (size_t)group->fault_count * FAULT_SIZE > count - done) {
			deliver_restore(fault, group);
			if (!done)
				rc = -EINVAL;
			break;
		}
		rc = cookie_alloc(fault, group);
		if (rc) {
			deliver_restore(fault, group);
			break;
		}
		for (i = 0; i < group->fault_count; i++) {
			compose_fault_message(&group->faults[i], &data,
					      group->handle->dev_id,
					      group->cookie);
			if (iommufd_copy_to_user(ictx, buf + group_done, &data,
						 FAULT_SIZE)) {
				cookie_erase(fault, group->cookie);
				deliver_restore(fault, group);
				rc = -EFAULT;
				break;
			}
			group_done += FAULT_SIZE;
		}
		if (rc)
			break;
		done = group_done;
	}
	return done ? (long)done : rc;
}

static long fault_write(struct iommufd_fault *fault, uint64_t buf,
			size_t count)
{
	struct iommu_hwpt_page_response response;
	struct iopf_group *group;
	size_t done = 0;
	long rc = 0;

	if (count % RESPONSE_SIZE)
		return -ESPIPE;

	while (count > done) {
		if (iommufd_copy_from_user(fault->ictx, &response, buf + done,
					   RESPONSE_SIZE)) {
			rc = -EFAULT;
			break;
		}
		if (response.code != IOMMUFD_PAGE_RESP_SUCCESS &&
		    response.code != IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		/* unknown, not yet delivered, or already answered */
		group = cookie_erase(fault, response.cookie);
		if (!group) {
			rc = -EINVAL;
			break;
		}
		iopf_group_respond_and_free(
			group, (enum iommu_page_response_code)response.code);
		done += RESPONSE_SIZE;
	}
	return done ? (long)done : rc;
}

long iommufd_fault_fd_read(struct iommufd_ctx *ctx, int fd, uint64_t buf,
			   size_t count)
{
	struct iommufd_fault *fault = ctx ? file_lookup(ctx, fd) : NULL;
	long rc;

	if (!fault)
		return -EBADF;
	rc = vfs_count(&count);
	if (!rc)
		rc = fault_read(fault, buf, count);
	iommufd_debug_check(ctx);
	return rc;
}

long iommufd_fault_fd_write(struct iommufd_ctx *ctx, int fd, uint64_t buf,
			    size_t count)
{
	struct iommufd_fault *fault = ctx ? file_lookup(ctx, fd) : NULL;
	long rc;

	if (!fault)
		return -EBADF;
	rc = vfs_count(&count);
	if (!rc)
		rc = fault_write(fault, buf, count);
	iommufd_debug_check(ctx);
	return rc;
}

int iommufd_fault_fd_poll(struct iommufd_ctx *ctx, int fd)
{
	struct iommufd_fault *fault = ctx ? file_lookup(ctx, fd) : NULL;
	int mask = IOMMUFD_POLLOUT;

	if (!fault)
		return -EBADF;
	if (fault->deliver)
		mask |= IOMMUFD_POLLIN | IOMMUFD_POLLRDNORM;
	return mask;
}

int iommufd_fault_fd_close(struct iommufd_ctx *ctx, int fd)
{
	struct iommufd_fault *fault = ctx ? file_lookup(ctx, fd) : NULL;
	struct iommufd_fault **pp;
	bool last;

	if (!fault)
		return -EBADF;
	for (pp = &ctx->fault_files; *pp != fault; pp = &(*pp)->next_file)
		;
	*pp = fault->next_file;
	fault->next_file = NULL;
	fault->fd = -1;
	iommufd_put_unused_fd(ctx, fd);
	/* the context outlives this call unless it was closed and this is
	 * its last reference */
	last = ctx->closed && ctx->file_refs == 1;
	fault_file_release(fault);
	if (!last)
		iommufd_debug_check(ctx);
	return 0;
}

/* -------------------------------------------------------------- checker */

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t len,
							const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool handle_listed(const struct iommufd_ctx *ictx,
			  const struct iommufd_attach_handle *handle)
{
	const struct iommufd_attach_handle *h;

	for (h = ictx->fault_handles; h; h = h->next)
		if (h == handle)
			return true;
	return false;
}

static int check_group(const struct iommufd_ctx *ictx,
		       const struct iommufd_fault *fault,
		       const struct iopf_group *group, char *why, size_t len)
{
	if (!group->fault_count ||
	    !(group->faults[group->fault_count - 1].flags &
	      IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE))
		return fail(why, len, "FAULT %u: a group without its last page",
			    fault->obj.id);
	if (!handle_listed(ictx, group->handle))
		return fail(why, len, "FAULT %u: a group of a gone attachment",
			    fault->obj.id);
	if (group->handle->hwpt->fault != fault)
		return fail(why, len,
			    "FAULT %u: a group queued on another HWPT's fault",
			    fault->obj.id);
	return 0;
}

static int check_fault(const struct iommufd_ctx *ictx,
		       const struct iommufd_fault *fault, char *why, size_t len)
{
	const struct iopf_group *group;
	uint32_t c, n = 0;

	for (group = fault->deliver; group; group = group->next) {
		if (group->cookie)
			return fail(why, len,
				    "FAULT %u: undelivered group has cookie %u",
				    fault->obj.id, group->cookie);
		if (!group->next && group != fault->deliver_tail)
			return fail(why, len, "FAULT %u: deliver tail is stale",
				    fault->obj.id);
		if (check_group(ictx, fault, group, why, len))
			return -1;
	}
	if (!fault->deliver && fault->deliver_tail)
		return fail(why, len, "FAULT %u: tail without a list",
			    fault->obj.id);
	for (c = 1; c < fault->response_cap; c++) {
		group = fault->response[c];
		if (!group)
			continue;
		n++;
		if (group->cookie != c)
			return fail(why, len,
				    "FAULT %u: cookie %u holds group %u",
				    fault->obj.id, c, group->cookie);
		if (check_group(ictx, fault, group, why, len))
			return -1;
	}
	for (c = 1; c < fault->response_lowest_free && c < fault->response_cap;
	     c++)
		if (!fault->response[c])
			return fail(why, len,
				    "FAULT %u: cookie %u free below mark %u",
				    fault->obj.id, c,
				    fault->response_lowest_free);
	if (n != fault->response_count)
		return fail(why, len, "FAULT %u: %u cookies counted as %u",
			    fault->obj.id, n, fault->response_count);
	if (fault->file_open != (fault->fd >= 0))
		return fail(why, len, "FAULT %u: file open %d with fd %d",
			    fault->obj.id, fault->file_open, fault->fd);
	return 0;
}

int iommufd_fault_check_ctx(const struct iommufd_ctx *ictx, char *why,
			    size_t len)
{
	const struct iommufd_objects *objs = &ictx->objects;
	const struct iommufd_attach_handle *h;
	const struct iommufd_fault *fault;
	uint32_t id, nfiles = 0;
	int prev = -1;

	for (fault = ictx->fault_files; fault; fault = fault->next_file) {
		if (!fault->file_open || fault->fd <= prev)
			return fail(why, len,
				    "fault file list: fd %d after %d (open %d)",
				    fault->fd, prev, fault->file_open);
		prev = fault->fd;
		nfiles++;
	}
	for (h = ictx->fault_handles; h; h = h->next) {
		const struct iommufd_attach_handle *o;

		if (h->igroup->hwpt != h->hwpt || !h->hwpt->fault)
			return fail(why, len,
				    "attach handle of group %#x is stale",
				    h->igroup->group_id);
		for (o = h->next; o; o = o->next)
			if (o->igroup == h->igroup)
				return fail(why, len,
					    "group %#x has two handles",
					    h->igroup->group_id);
	}
	for (id = 1; id < objs->cap; id++) {
		const struct iommufd_object *obj = objs->slot[id];

		if (!obj || obj->type != IOMMUFD_OBJ_FAULT)
			continue;
		fault = container_of(obj, struct iommufd_fault, obj);
		if (check_fault(ictx, fault, why, len))
			return -1;
		nfiles -= fault->file_open;
	}
	if (nfiles)
		return fail(why, len, "fault file list names %u files too many",
			    nfiles);
	return 0;
}
