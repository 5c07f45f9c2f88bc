// SPDX-License-Identifier: MIT
/*
 * The iommufd file: open, release and the ioctl dispatcher
 * (drivers/iommu/iommufd/main.c).
 *
 * The dispatcher's order is observable and kept exactly:
 *   1. only the NR byte selects the table slot; NRs outside the table go
 *      to the VFIO compat layer;
 *   2. the u32 `size` at offset 0 is read before the command is validated
 *      (so a bad pointer is EFAULT even for a hole in the table);
 *   3. a slot whose full ioctl number differs from the request is ENOTTY;
 *   4. size < offsetofend(last mandatory field) is EINVAL;
 *   5. copy_struct_from_user(): bytes past the known struct must be zero
 *      (E2BIG), a short struct is zero-extended;
 * where the table, the known struct and its mandatory part are those of
 * the modelled release (env->kernel): an older kernel's table is shorter
 * and some of its structs end earlier;
 *   6. the handler runs on the kernel copy and responds itself.
 */
#include <stdlib.h>
#include <string.h>

#include <iommufd/uapi_test.h>

#include "private.h"
#include "noiommu/noiommu.h"

#define IOMMUFD_CMD_BASE 0x80

union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_hwpt_alloc hwpt_alloc;
	struct iommu_hw_info hw_info;
	struct iommu_hwpt_set_dirty_tracking set_dirty;
	struct iommu_hwpt_get_dirty_bitmap get_dirty;
	struct iommu_hwpt_invalidate invalidate;
	struct iommu_fault_alloc fault_alloc;
	struct iommu_test_cmd test;
	struct iommu_ioas_noiommu_get_pa noiommu_get_pa;
	uint8_t bytes[128];
};

struct iommufd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct iommufd_ucmd *ucmd);
	/* IOMMUFD_CONFIG_* bits the slot needs; a hole without them */
	unsigned int config;
	/* the first release with the command; before it a hole */
	unsigned int since;
};

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

#define IOCTL_OP(_ioctl, _fn, _struct, _last)                        \
	[IOMMUFD_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {               \
		.size = sizeof(_struct),                              \
		.min_size = offsetofend(_struct, _last),              \
		.ioctl_num = _ioctl,                                  \
		.execute = _fn,                                       \
	}
#define IOCTL_OP_SINCE(_ioctl, _fn, _struct, _last, _since)          \
	[IOMMUFD_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {               \
		.size = sizeof(_struct),                              \
		.min_size = offsetofend(_struct, _last),              \
		.ioctl_num = _ioctl,                                  \
		.execute = _fn,                                       \
		.since = _since,                                      \
	}
#define IOCTL_OP_CONFIG(_ioctl, _fn, _struct, _last, _config)        \
	[IOMMUFD_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {               \
		.size = sizeof(_struct),                              \
		.min_size = offsetofend(_struct, _last),              \
		.ioctl_num = _ioctl,                                  \
		.execute = _fn,                                       \
		.config = _config,                                    \
	}

static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, cmd->id);
}

static int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(cmd, ucmd->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* OPTION is the one command that writes back a single field */
	if (iommufd_copy_to_user(ucmd->ictx,
				 ucmd->ubuffer + offsetof(struct iommu_option, val64),
				 &cmd->val64, sizeof(cmd->val64)))
		return -EFAULT;
	return 0;
}

/*
 * The 6.12 table without CONFIG_IOMMUFD_TEST: commands whose objects the
 * model does not have yet are absent and answer ENOTTY like a hole.
 */
static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy, struct iommu_ioas_copy,
		 src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map, struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap, struct iommu_ioas_unmap,
		 length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info, struct iommu_hw_info,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc, struct iommu_hwpt_alloc,
		 __reserved),
	IOCTL_OP_SINCE(IOMMU_HWPT_GET_DIRTY_BITMAP,
		       iommufd_hwpt_get_dirty_bitmap,
		       struct iommu_hwpt_get_dirty_bitmap, data,
		       IOMMUFD_KERNEL_6_7),
	IOCTL_OP_SINCE(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate,
		       struct iommu_hwpt_invalidate, __reserved,
		       IOMMUFD_KERNEL_6_8),
	IOCTL_OP_SINCE(IOMMU_HWPT_SET_DIRTY_TRACKING,
		       iommufd_hwpt_set_dirty_tracking,
		       struct iommu_hwpt_set_dirty_tracking, __reserved,
		       IOMMUFD_KERNEL_6_7),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas,
		 __reserved),
	IOCTL_OP_SINCE(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc,
		       struct iommu_fault_alloc, out_fault_fd,
		       IOMMUFD_KERNEL_6_11),
	/* EXPERIMENTAL, a proposal not in any released kernel */
	IOCTL_OP_CONFIG(IOMMU_IOAS_NOIOMMU_GET_PA, iommufd_ioas_noiommu_get_pa,
			struct iommu_ioas_noiommu_get_pa, out_phys,
			IOMMUFD_CONFIG_NOIOMMU),
	/* Only a CONFIG_IOMMUFD_TEST kernel's table reaches this far */
	IOCTL_OP(IOMMU_TEST_CMD, iommufd_test, struct iommu_test_cmd, last),
};

#define NUM_OPS (sizeof(iommufd_ioctl_ops) / sizeof(iommufd_ioctl_ops[0]))

/*
 * Without the test command the table ends after the release's last real
 * ioctl: GET_HW_INFO in 6.6, HWPT_INVALIDATE in 6.8, FAULT_QUEUE_ALLOC in
 * 6.12
 */
static unsigned int num_ops_no_test(unsigned int kernel)
{
	unsigned int last = IOMMUFD_CMD_FAULT_QUEUE_ALLOC;

	if (kernel < IOMMUFD_KERNEL_6_7)
		last = IOMMUFD_CMD_GET_HW_INFO;
	else if (kernel < IOMMUFD_KERNEL_6_11)
		last = IOMMUFD_CMD_HWPT_INVALIDATE;
	return last - IOMMUFD_CMD_BASE + 1;
}

/*
 * How far the table reaches: CONFIG_IOMMUFD_TEST's command is last, and
 * without it the experimental noiommu command, when configured, is.
 * Without either, an NR past the release's last ioctl (0x8f in 6.12) is
 * past the end and goes to the compat layer.
 */
static unsigned int num_ops(unsigned int config, unsigned int kernel)
{
	if (config & IOMMUFD_CONFIG_TEST)
		return NUM_OPS;
	if (config & IOMMUFD_CONFIG_NOIOMMU)
		return IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA - IOMMUFD_CMD_BASE + 1;
	return num_ops_no_test(kernel);
}

/*
 * The structs that grew after 6.6, as the older releases declare them:
 * IOMMU_HWPT_ALLOC gained data_type/data_len/data_uptr in 6.7 and
 * fault_id/__reserved2 in 6.11; IOMMU_GET_HW_INFO gained out_capabilities
 * in 6.7; IOMMU_TEST_CMD's union grew with the dirty op in 6.7. The
 * mandatory part (min_size) stayed the same except for the test command,
 * whose `last` moved with the union.
 */
static void op_sizes(const struct iommufd_ioctl_op *op, unsigned int kernel,
		     unsigned int *size, unsigned int *min_size)
{
	*size = op->size;
	*min_size = op->min_size;
	switch (op->ioctl_num) {
	case IOMMU_HWPT_ALLOC:
		if (kernel < IOMMUFD_KERNEL_6_7)
			*size = offsetofend(struct iommu_hwpt_alloc, __reserved);
		else if (kernel < IOMMUFD_KERNEL_6_11)
			*size = offsetofend(struct iommu_hwpt_alloc, data_uptr);
		break;
	case IOMMU_GET_HW_INFO:
		if (kernel < IOMMUFD_KERNEL_6_7)
			*size = offsetof(struct iommu_hw_info,
					 out_capabilities);
		break;
	case IOMMU_TEST_CMD:
		if (kernel < IOMMUFD_KERNEL_6_7) {
			/* the union was access_pages' 32 bytes, from 16 */
			*min_size = 16 + 32 + 4;
			*size = 16 + 32 + 8;
		}
		break;
	}
}

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t len)
{
	size_t n = ucmd->user_size < len ? ucmd->user_size : len;

	if (ucmd->ksize && n > ucmd->ksize)
		n = ucmd->ksize;

	/* fail-nth: copy_to_user() under fail_usercopy */
	if (iommufd_should_fail_usercopy(ucmd->ictx->env))
		return -EFAULT;
	if (iommufd_copy_to_user(ucmd->ictx, ucmd->ubuffer, ucmd->cmd, n))
		return -EFAULT;
	return 0;
}

/*
 * check_zeroed_user() scans upwards and answers for whichever comes first:
 * a non-zero byte (E2BIG) or an unreadable word (EFAULT). A provider's
 * check_zeroed may report EFAULT for the whole span even when a non-zero
 * byte precedes the hole, so on EFAULT find the longest readable prefix by
 * bisection: if that prefix holds a non-zero byte the kernel would have
 * stopped there first.
 */
static int tail_check_zeroed(const struct iommufd_mem *mem, uint64_t tail,
			     uint64_t rest)
{
	uint64_t lo = 0, hi = rest;
	int rc = mem->ops->check_zeroed(mem->priv, tail, rest);

	if (rc > 0)
		return 0;
	if (!rc)
		return -E2BIG;
	/* [tail, tail + lo) is readable, [tail, tail + hi) is not */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		rc = mem->ops->check_zeroed(mem->priv, tail, mid);
		if (!rc)
			return -E2BIG;
		if (rc < 0)
			hi = mid;
		else
			lo = mid;
	}
	return -EFAULT;
}

/* copy_struct_from_user(): zero-extend a short struct, reject E2BIG tails */
static int copy_struct_from_user(struct iommufd_ctx *ictx, void *dst,
				 size_t ksize, uint64_t src, size_t usize)
{
	size_t size = usize < ksize ? usize : ksize;

	if (usize > ksize) {
		const struct iommufd_mem *mem = &ictx->env->mem;
		uint64_t tail = src + ksize;
		size_t rest = usize - ksize;
		uint64_t chunk[512];
		int rc;

		if (mem->ops->check_zeroed) {
			rc = tail_check_zeroed(mem, tail, rest);
			if (rc)
				return rc;
			rest = 0;
		}
		/*
		 * Chunks stop at 4 KiB boundaries: a fault is page granular, so
		 * a chunk either reads whole or lies entirely past the first
		 * hole, and a non-zero byte before the hole is seen first.
		 */
		while (rest) {
			size_t n = sizeof(chunk) - (tail & (sizeof(chunk) - 1));

			if (n > rest)
				n = rest;
			if (iommufd_copy_from_user(ictx, chunk, tail, n))
				return -EFAULT;
			for (size_t i = 0; i < n; i++)
				if (((uint8_t *)chunk)[i])
					return -E2BIG;
			tail += n;
			rest -= n;
		}
	}
	memset(dst, 0, ksize);
	/* fail-nth: the copy_from_user(); check_zeroed_user() has no point */
	if (iommufd_should_fail_usercopy(ictx->env))
		return -EFAULT;
	if (iommufd_copy_from_user(ictx, dst, src, size))
		return -EFAULT;
	return 0;
}

static long dispatch(struct iommufd_ctx *ictx, unsigned int cmd, uint64_t arg)
{
	const struct iommufd_ioctl_op *op;
	struct iommufd_ucmd ucmd = { .ictx = ictx, .ubuffer = arg };
	union ucmd_buffer buf;
	unsigned int nr = IOMMUFD_IOC_NR(cmd);
	unsigned int kernel = iommufd_kernel(ictx), size, min_size;
	int ret;

	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= num_ops(ictx->env->config, kernel))
		return iommufd_vfio_ioctl(ictx, cmd, arg);

	if (iommufd_copy_from_user(ictx, &ucmd.user_size, arg,
				   sizeof(ucmd.user_size)))
		return -EFAULT;

	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->execute || op->ioctl_num != cmd ||
	    (op->config & ~ictx->env->config) || kernel < op->since)
		return -ENOTTY;
	op_sizes(op, kernel, &size, &min_size);
	if (ucmd.user_size < min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	ucmd.ksize = size;
	memset(&buf, 0, op->size);
	/* the older struct's tail stays zero, as if the field were absent */
	ret = copy_struct_from_user(ictx, ucmd.cmd, size, arg, ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

long iommufd_ctx_ioctl_as(struct iommufd_ctx *ictx,
			  const struct iommufd_env *caller, unsigned int cmd,
			  uint64_t arg)
{
	const struct iommufd_env *own = ictx->env;
	long ret;

	/* "current" for this call; the file's opener again afterwards */
	ictx->env = caller;
	ret = iommufd_ctx_ioctl(ictx, cmd, arg);
	ictx->env = own;
	return ret;
}

long iommufd_ctx_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
		       uint64_t arg)
{
	long ret = dispatch(ictx, cmd, arg);

	iommufd_debug_check(ictx);
	return ret;
}

struct iommufd_ctx *iommufd_ctx_open(const struct iommufd_env *env,
				     unsigned int flags)
{
	struct iommufd_ctx *ictx;

	if (!env || !env->mem.ops || !env->acct)
		return NULL;
	if (env->kernel && env->kernel != IOMMUFD_KERNEL_6_12 &&
	    env->kernel != IOMMUFD_KERNEL_6_8 &&
	    env->kernel != IOMMUFD_KERNEL_6_6)
		return NULL;
	/* the later selftest ABIs build on 6.12 */
	if ((env->config & IOMMUFD_CONFIG_SELFTEST_NEXT) && env->kernel &&
	    env->kernel != IOMMUFD_KERNEL_6_12)
		return NULL;
	/* fail-nth: iommufd_fops_open()'s kzalloc of the context */
	if (iommufd_should_fail_slab(env))
		return NULL;
	ictx = calloc(1, sizeof(*ictx));
	if (!ictx)
		return NULL;
	ictx->env = env;
	/* /dev/vfio/vfio defaults to the accounting VFIO type1 used */
	ictx->account_mode = (flags & IOMMUFD_OPEN_VFIO_CONTAINER) ?
				     IOPT_PAGES_ACCOUNT_MM :
				     IOPT_PAGES_ACCOUNT_USER;
	return ictx;
}

/*
 * get_unused_fd_flags() for the files the model creates: the host's
 * descriptor table when it has one, else the lowest number from 3 that
 * no access or fault file of this context holds.
 */
int iommufd_get_unused_fd(struct iommufd_ctx *ictx)
{
	const struct iommufd_env *env = ictx->env;
	struct iommufd_fault *fault;
	int fd;

	if (env->fd_ops)
		return env->fd_ops->get_unused_fd(env->fd_priv);
	for (fd = 3; fd < INT32_MAX; fd++) {
		for (fault = ictx->fault_files; fault && fault->fd != fd;
		     fault = fault->next_file)
			;
		if (!fault && !iommufd_selftest_fd_used(ictx, fd))
			return fd;
	}
	return -EMFILE;
}

void iommufd_put_unused_fd(struct iommufd_ctx *ictx, int fd)
{
	const struct iommufd_env *env = ictx->env;

	if (env->fd_ops && env->fd_ops->put_unused_fd)
		env->fd_ops->put_unused_fd(env->fd_priv, fd);
}

void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	ictx->file_refs++;
}

void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	if (!--ictx->file_refs && ictx->closed)
		iommufd_ctx_release(ictx);
}

void iommufd_ctx_release(struct iommufd_ctx *ictx)
{
	iommufd_objects_destroy_all(ictx);
	iommufd_objects_free(&ictx->objects);
	free(ictx);
}

/*
 * Bound devices hold the context (iommufd_ctx_get() in bind), so with any
 * left the release waits for the last iommufd_dev_unbind().
 */
void iommufd_ctx_close(struct iommufd_ctx *ictx)
{
	if (!ictx)
		return;
	ictx->closed = true;
	if (!ictx->file_refs)
		iommufd_ctx_release(ictx);
}

int iommufd_ctx_check(const struct iommufd_ctx *ictx, char *why, size_t len)
{
	return iommufd_check_ctx(ictx, why, len);
}

static const struct {
	const char *name;
	unsigned int kernel;
} kernels[] = {
	{ "6.6", IOMMUFD_KERNEL_6_6 },
	{ "6.8", IOMMUFD_KERNEL_6_8 },
	{ "6.12", IOMMUFD_KERNEL_6_12 },
};
#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

int iommufd_kernel_parse(const char *s, unsigned int *kernel)
{
	for (size_t i = 0; s && i < NKERNELS; i++) {
		if (!strcmp(s, kernels[i].name)) {
			*kernel = kernels[i].kernel;
			return 0;
		}
	}
	return -EINVAL;
}

const char *iommufd_kernel_name(unsigned int kernel)
{
	if (!kernel)
		kernel = IOMMUFD_KERNEL_6_12;
	for (size_t i = 0; i < NKERNELS; i++)
		if (kernels[i].kernel == kernel)
			return kernels[i].name;
	return NULL;
}

/* A decimal number of at most 3 digits at *s; advances past it */
static int release_number(const char **s)
{
	int v = 0, n = 0;

	while (**s >= '0' && **s <= '9' && n < 3) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n && !(**s >= '0' && **s <= '9') ? v : -1;
}

int iommufd_kernel_for_release(const char *release, unsigned int *kernel,
			       bool *exact)
{
	const char *s = release;
	unsigned int v, best = IOMMUFD_KERNEL_6_6;
	int major, minor;

	if (!s)
		return -EINVAL;
	major = release_number(&s);
	if (major < 0 || *s++ != '.')
		return -EINVAL;
	minor = release_number(&s);
	if (minor > 255)
		minor = 255;
	/* "6.12", "6.12.3", "6.12-rc1", "6.12.0-1-amd64", "6.12+" */
	if (minor < 0 || (*s && !strchr(".-+_~", *s)))
		return -EINVAL;
	v = major > 255 ? 0xffffu : (unsigned int)major << 8 | (unsigned int)minor;
	for (size_t i = 0; i < NKERNELS; i++)
		if (kernels[i].kernel <= v && kernels[i].kernel > best)
			best = kernels[i].kernel;
	*kernel = best;
	*exact = best == v;
	return 0;
}

bool iommufd_model_debug_invariants(void)
{
#ifdef MODEL_DEBUG_INVARIANTS
	return true;
#else
	return false;
#endif
}
