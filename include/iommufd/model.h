/* SPDX-License-Identifier: MIT */
/*
 * iommufd-model: an executable model of Linux 6.12's iommufd.
 *
 * A struct iommufd_ctx is one open file of /dev/iommu (or of /dev/vfio/vfio
 * served by iommufd). iommufd_ctx_ioctl() behaves like ioctl(2) on it: the
 * argument is a user address, read and written through the context's memory
 * provider exactly where the kernel would use copy_from_user/copy_to_user.
 *
 * The library has no global state and does no I/O: everything it needs from
 * the outside world (user memory, the calling task's credentials and
 * RLIMIT_MEMLOCK, the locked-memory counters the kernel keeps per user and
 * per mm) is handed in through struct iommufd_env.
 */
#ifndef IOMMUFD_MODEL_H
#define IOMMUFD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommufd/mem.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Locked-memory counters, in pages. The kernel keeps user_struct->locked_vm
 * per UID and mm->locked_vm / mm->pinned_vm per process; contexts opened by
 * the same simulated process share one of these.
 */
struct iommufd_acct {
	uint64_t user_locked_vm;
	uint64_t mm_locked_vm;
	uint64_t mm_pinned_vm;
};

/* Capabilities of the calling task that iommufd consults */
#define IOMMUFD_CAP_SYS_RESOURCE (1u << 0) /* IOMMU_OPTION RLIMIT_MODE */
#define IOMMUFD_CAP_IPC_LOCK (1u << 1)	   /* pins are not accounted */
#define IOMMUFD_CAP_SYS_RAWIO (1u << 2)	   /* noiommu bind, VFIO NOIOMMU */

#define IOMMUFD_RLIM_INFINITY UINT64_MAX

/*
 * The world as seen from the kernel: "current" and its mm. The context
 * keeps a pointer to it, so the caller may change caps or the limit between
 * calls (the kernel reads them at every call) and must keep it alive as
 * long as the context.
 */
struct iommufd_platform;

/*
 * File descriptor numbers for the files the model creates besides the
 * iommufd itself (IOMMU_TEST_CMD access fds, fault queue fds). A host that
 * gives a program real descriptors (the preload library) reserves them
 * here so the numbers the program sees are real; without these ops the
 * model numbers its files itself, lowest free from 3, per context.
 */
struct iommufd_fd_ops {
	int (*get_unused_fd)(void *priv); /* >= 0 or -errno (-EMFILE) */
	void (*put_unused_fd)(void *priv, int fd);
};

/* How the simulated kernel was built */
#define IOMMUFD_CONFIG_TEST (1u << 0) /* CONFIG_IOMMUFD_TEST: IOMMU_TEST_CMD */
/* CONFIG_VFIO_NOIOMMU: the VFIO container may offer VFIO_NOIOMMU_IOMMU */
#define IOMMUFD_CONFIG_VFIO_NOIOMMU (1u << 1)
/*
 * EXPERIMENTAL, a proposal not in any released kernel: CONFIG_IOMMUFD_NOIOMMU
 * of the "iommufd: Enable noiommu mode for cdev" series (v7, 2026). Devices
 * behind an IOMMUFD_IOMMU_NONE instance (platform.h) can be bound, by a
 * caller with IOMMUFD_CAP_SYS_RAWIO, and IOMMU_IOAS_NOIOMMU_GET_PA
 * (uapi_noiommu.h) exists. Off, the model is a plain 6.12 kernel.
 */
#define IOMMUFD_CONFIG_NOIOMMU (1u << 2)
/*
 * Two later-kernel ABIs that the 6.12.117 selftest sources already use:
 * the mock's PASID-capable devices (MOCK_FLAGS_DEVICE_PASID, 6.15) and
 * GET_HW_INFO's requested data type (IOMMU_HW_INFO_FLAG_INPUT_TYPE, 6.17).
 * Off, the model answers them as 6.12 does (EINVAL, EOPNOTSUPP).
 */
#define IOMMUFD_CONFIG_SELFTEST_NEXT (1u << 3)

/*
 * The kernel release whose uAPI the model answers with (env->kernel):
 * major << 8 | minor. Older releases lack ioctls, flags, data types and
 * struct tails that 6.12 has, and answer them with that release's errno
 * (SPEC.md 2.1 lists each). 0, a zero-initialised env, is 6.12. Only
 * these three are modelled: iommufd_ctx_open() refuses any other value,
 * and IOMMUFD_CONFIG_SELFTEST_NEXT with anything but 6.12.
 */
#define IOMMUFD_KERNEL_6_6 0x0606u
#define IOMMUFD_KERNEL_6_8 0x0608u
#define IOMMUFD_KERNEL_6_12 0x060cu

/*
 * "6.6", "6.8" or "6.12" (exactly) into *@kernel: 0, or -EINVAL for
 * anything else.
 */
int iommufd_kernel_parse(const char *s, unsigned int *kernel);
/* "6.6", "6.8", "6.12" (0 is "6.12"); NULL for a value not modelled */
const char *iommufd_kernel_name(unsigned int kernel);
/*
 * The modelled level for a kernel release string such as "6.7.12" or
 * "6.12.0-rc3": the newest level at or below its major.minor (6.7 is
 * 6.6, 6.9 to 6.11 are 6.8, 6.12 and later are 6.12). *@exact says
 * whether the release is itself a modelled level. A release older than
 * 6.6 gets 6.6 (the oldest level; *@exact false); an unparsable string
 * is -EINVAL.
 */
int iommufd_kernel_for_release(const char *release, unsigned int *kernel,
			       bool *exact);

/*
 * Fault injection: the calling task's /proc/<pid>/task/<tid>/fail-nth, as
 * a kernel with CONFIG_FAULT_INJECTION (failslab, fail_usercopy) and, with
 * IOMMUFD_CONFIG_TEST, fail_iommufd has it. The host owns one per
 * simulated task and points env->fail_nth at the one making the call.
 *
 * @nth 0 is off. Otherwise every injection point the task reaches counts
 * it down by one, and the point that brings it to 0 fails, once, the way
 * the kernel's would: ENOMEM for an allocation (failslab), EFAULT for a
 * copy to or from user memory (fail_usercopy), and the call site's own
 * errno for an iommufd_should_fail() (fail_iommufd). Reading @nth after a
 * call says whether it was reached (0) or not (what is left).
 *
 * @points: the IOMMUFD_FAIL_* classes this kernel has; a point of another
 * class neither counts nor fails. SPEC.md lists the points of each class.
 */
struct iommufd_fail_nth {
	uint32_t nth;
	uint32_t points;
};

#define IOMMUFD_FAIL_SLAB (1u << 0)	/* failslab: kmalloc and friends */
#define IOMMUFD_FAIL_USERCOPY (1u << 1) /* fail_usercopy: copy_{from,to}_user */
#define IOMMUFD_FAIL_IOMMUFD (1u << 2)	/* fail_iommufd, IOMMUFD_CONFIG_TEST */
#define IOMMUFD_FAIL_ALL \
	(IOMMUFD_FAIL_SLAB | IOMMUFD_FAIL_USERCOPY | IOMMUFD_FAIL_IOMMUFD)

/*
 * One injection point of class @point reached by the task that owns @f
 * (NULL: no fault injection): true when it must fail. For hosts whose
 * own emulated files have injection points, such as fail-nth's read and
 * write, which copy to and from user memory.
 */
bool iommufd_fail_nth_point(struct iommufd_fail_nth *f, uint32_t point);

struct iommufd_env {
	struct iommufd_mem mem;
	struct iommufd_acct *acct;
	uint32_t caps;
	uint64_t rlimit_memlock; /* bytes, IOMMUFD_RLIM_INFINITY for none */
	/*
	 * The machine whose devices may be bound (platform.h). With
	 * IOMMUFD_CONFIG_TEST the selftest's mock devices are created on it
	 * too; NULL means no devices (MOCK_DOMAIN then fails with ENODEV).
	 */
	struct iommufd_platform *platform;
	unsigned int config; /* IOMMUFD_CONFIG_* */
	unsigned int kernel; /* IOMMUFD_KERNEL_*; 0 is 6.12 */
	const struct iommufd_fd_ops *fd_ops; /* NULL: model-numbered files */
	void *fd_priv;
	/*
	 * The calling task's fail-nth (above); NULL for a kernel without
	 * fault injection. Read at every injection point, so the host may
	 * switch it to another task's between calls.
	 */
	struct iommufd_fail_nth *fail_nth;
};

struct iommufd_ctx;

/*
 * close() of a file the model created for this context (an
 * IOMMU_TEST_CMD access fd or a fault queue fd): 0, or -EBADF when @fd is
 * not one of them.
 * Like the real files, these hold the context: one left open keeps it
 * alive after iommufd_ctx_close().
 */
int iommufd_ctx_close_fd(struct iommufd_ctx *ctx, int fd);
/*
 * The files the model created for this context and that are still open,
 * lowest first: up to @max of them into @fds; returns how many there
 * are. What a process exit closes after the iommufd itself.
 */
size_t iommufd_ctx_fds(struct iommufd_ctx *ctx, int *fds, size_t max);

/* How the file was opened */
#define IOMMUFD_OPEN_VFIO_CONTAINER (1u << 0) /* /dev/vfio/vfio: mm accounting */

/*
 * NULL on allocation failure, or for an env->kernel the model does not
 * have (see IOMMUFD_KERNEL_6_6)
 */
struct iommufd_ctx *iommufd_ctx_open(const struct iommufd_env *env,
				     unsigned int flags);
/* release(): destroys every object, leaves first. Accepts NULL. */
void iommufd_ctx_close(struct iommufd_ctx *ctx);

/*
 * ioctl(2) on the file: returns the handler's result (>= 0, usually 0) or a
 * negative errno. @arg is a user address resolved through env->mem.
 */
long iommufd_ctx_ioctl(struct iommufd_ctx *ctx, unsigned int cmd,
		       uint64_t arg);

/*
 * ioctl(2) on the same file by another task (a forked child holding the
 * inherited descriptor): @caller is that task's memory, capabilities,
 * limits and accounting for this call. Pages it maps keep @caller as
 * their source, so it must outlive them (the context's lifetime is the
 * simple choice).
 */
long iommufd_ctx_ioctl_as(struct iommufd_ctx *ctx,
			  const struct iommufd_env *caller, unsigned int cmd,
			  uint64_t arg);

/*
 * Check every structural invariant of the context (trees, refcounts, pins,
 * accounting). Returns 0, or -1 with a description of the first violation
 * written into @why (always NUL-terminated when @len > 0).
 */
int iommufd_ctx_check(const struct iommufd_ctx *ctx, char *why, size_t len);

/*
 * The object graph of a context, for tools that draw or compare it
 * (tools/trace2dot): one entry per published object (not those under
 * construction, which userspace cannot see either), by ascending ID.
 * The *_id members are the objects this one holds a reference on, 0 for
 * none; together they are the edges the kernel's DESTROY rules follow.
 */
enum iommufd_object_kind {
	IOMMUFD_OBJECT_DEVICE = 1,
	IOMMUFD_OBJECT_HWPT_PAGING,
	IOMMUFD_OBJECT_HWPT_NESTED,
	IOMMUFD_OBJECT_IOAS,
	IOMMUFD_OBJECT_ACCESS,
	IOMMUFD_OBJECT_FAULT,
	IOMMUFD_OBJECT_SELFTEST, /* IOMMU_TEST_OP_MOCK_DOMAIN's stdev */
};

struct iommufd_object_info {
	uint32_t id;
	uint32_t kind;	    /* enum iommufd_object_kind */
	uint32_t users;	    /* the object's users count */
	uint32_t ioas_id;   /* HWPT_PAGING, ACCESS: the IOAS it uses */
	uint32_t parent_id; /* HWPT_NESTED: its NEST_PARENT HWPT */
	uint32_t hwpt_id;   /* DEVICE: the HWPT its group is attached to */
	uint32_t fault_id;  /* HWPT_*: the fault queue it reports to */
	uint32_t dev_id;    /* SELFTEST: the DEVICE bound for it */
	bool auto_domain;   /* HWPT_PAGING: made by attaching to an IOAS */
	bool nest_parent;   /* HWPT_PAGING: IOMMU_HWPT_ALLOC_NEST_PARENT */
	uint64_t areas;	    /* IOAS: mappings */
	uint64_t mapped;    /* IOAS: bytes mapped */
};

/* Fills up to @max entries of @out; returns the number of objects */
size_t iommufd_ctx_objects(const struct iommufd_ctx *ctx,
			   struct iommufd_object_info *out, size_t max);

/* True when built with MODEL_DEBUG_INVARIANTS: every ioctl self-checks */
bool iommufd_model_debug_invariants(void);

/*
 * What VFIO does to an iommufd that serves as a container (the calls
 * drivers/vfio/group.c and vfio/iommufd.c make), so /dev/vfio/vfio users
 * can be simulated; the type1 container ioctls themselves go through
 * iommufd_ctx_ioctl().
 *
 * VFIO_GROUP_SET_CONTAINER of an ordinary group: make sure a compat IOAS
 * exists. Creates one (a normal IOAS object, reported by IOMMU_VFIO_IOAS
 * GET) only when none is set; 0, -EINVAL in no-iommu mode, or the
 * IOAS_ALLOC errors (-ENOMEM, -EBUSY when no ID is free). The new IOAS
 * takes the lowest free ID even when the call then keeps the existing one
 * (the ID is given back at once).
 */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ctx);
/*
 * VFIO_GROUP_SET_CONTAINER of a no-iommu group (CONFIG_VFIO_NOIOMMU):
 * enter no-iommu mode; -EINVAL if a compat IOAS is set. The mode never
 * ends: type1 becomes unavailable, no compat IOAS can be created, and
 * VFIO_SET_IOMMU accepts only VFIO_NOIOMMU_IOMMU (with
 * IOMMUFD_CONFIG_VFIO_NOIOMMU and IOMMUFD_CAP_SYS_RAWIO).
 */
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ctx);
/* The compat IOAS's ID, or -ENODEV when none is set */
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ctx,
				    uint32_t *out_ioas_id);

/*
 * Fault files. IOMMU_FAULT_QUEUE_ALLOC creates a FAULT object and opens a
 * file on it (the kernel's "[iommufd-pgfault]"); out_fault_fd is the
 * number that names the file in the calls below, on the same context.
 *
 * Numbering: with env->fd_ops the number is the host's (it reserves a
 * real descriptor, so out_fault_fd is already what the program can use);
 * it is taken after the FAULT object's ID, as in the kernel, and given
 * back by put_unused_fd when the ioctl then fails or the file is closed.
 * Without fd_ops the model picks the lowest number >= IOMMUFD_FAULT_FD_BASE
 * that no open fault file of this context uses; a shim then has to map
 * that number to a real fd itself (and rewrite out_fault_fd).
 *
 * The file holds the FAULT object (IOMMU_DESTROY of it is EBUSY while the
 * file is open) and the context: after iommufd_ctx_close() the file still
 * works, and its close releases the context if it was the last holder,
 * so @ctx stays valid until then and not after. The file is not seekable
 * (the offset the kernel checks is always 0). A number that names no open
 * fault file of @ctx is -EBADF.
 */
#define IOMMUFD_FAULT_FD_BASE 3

/*
 * read(2): struct iommu_hwpt_pgfault records into user memory at @buf
 * (resolved through env->mem). Returns the bytes read (whole fault groups
 * only; 0 when nothing is pending, it never blocks) or -errno: ESPIPE for
 * a count that is not a multiple of 40, EINVAL when the first pending
 * group does not fit, EFAULT.
 */
long iommufd_fault_fd_read(struct iommufd_ctx *ctx, int fd, uint64_t buf,
			   size_t count);
/*
 * write(2): struct iommu_hwpt_page_response entries from @buf. Returns the
 * bytes consumed, or -errno when the first entry fails: ESPIPE for a
 * count that is not a multiple of 8, EINVAL for a code other than
 * SUCCESS/INVALID or a cookie that names no delivered, unanswered group,
 * EFAULT.
 */
long iommufd_fault_fd_write(struct iommufd_ctx *ctx, int fd, uint64_t buf,
			    size_t count);

/* poll(2) bits (the Linux EPOLL* values) */
#define IOMMUFD_POLLIN 0x001
#define IOMMUFD_POLLOUT 0x004
#define IOMMUFD_POLLRDNORM 0x040
/* Always POLLOUT; POLLIN | POLLRDNORM while a group waits to be read */
int iommufd_fault_fd_poll(struct iommufd_ctx *ctx, int fd);
/* close(2): 0 or -EBADF. May release a closed context (see above). */
int iommufd_fault_fd_close(struct iommufd_ctx *ctx, int fd);

#ifdef __cplusplus
}
#endif
#endif
