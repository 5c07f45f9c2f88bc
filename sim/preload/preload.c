// SPDX-License-Identifier: MIT
/*
 * libiommufd-preload.so: run an unmodified program against the model.
 *
 *   LD_PRELOAD=libiommufd-preload.so PROGRAM   (or: iommufd-sim run -- PROGRAM)
 *
 * open("/dev/iommu") gives the program a real descriptor (a /dev/null
 * file, so close, poll, select and fork behave) that this library ties to
 * a model context; ioctl() on it goes to iommufd_ctx_ioctl() with the
 * program's own memory (iommufd_mem_self: a bad pointer is EFAULT, never
 * a crash). "/dev/vfio/vfio" opens a context the way a kernel with
 * CONFIG_IOMMUFD_VFIO_CONTAINER does. Files the model creates (the access
 * fds of IOMMU_TEST_OP_CREATE_ACCESS, fault queue fds) get real numbers
 * too. With a machine (IOMMUFD_SIM_MACHINE), /dev/vfio/devices/vfioN is
 * the N-th device of it, a VFIO device cdev (sim/vfio_cdev.c) that binds
 * to one of these iommufd files, attaches and detaches as 6.12 does;
 * closing its last descriptor unbinds. /dev/vfio/N is the machine's IOMMU
 * group N (its devices' "group" number), served as 6.12's group file with
 * iommufd as the container: VFIO_GROUP_SET_CONTAINER takes one of these
 * iommufd files (/dev/vfio/vfio for a legacy VMM) and makes its compat
 * IOAS, VFIO_GROUP_GET_DEVICE_FD binds the named device to it, attaches
 * it to that IOAS and returns a device file like the cdev's; the last
 * close of a group unsets its container. Every other path and descriptor
 * goes to libc untouched, except the rest of /dev/vfio/devices/ and the
 * group numbers the machine has not, which are ENOENT: a real device
 * could not bind to the model's iommufd.
 *
 * Environment:
 *   IOMMUFD_SIM_CONFIG  "test" (default): a CONFIG_IOMMUFD_TEST kernel,
 *                       IOMMU_TEST_CMD and the mock IOMMU exist;
 *                       "next": "test" plus the two later-kernel ABIs
 *                       the 6.12.117 selftests use (the mock's PASID
 *                       devices, GET_HW_INFO's input type);
 *                       "notest": a production kernel
 *   IOMMUFD_SIM_KERNEL  "6.6", "6.8" or "6.12" (default): the release
 *                       whose uAPI the model answers with (SPEC.md 2.1);
 *                       "next" needs 6.12. Anything else stops the
 *                       program before it runs
 *   IOMMUFD_SIM_CAPS    capabilities the model sees instead of the real
 *                       ones: a comma list of ipc_lock, sys_resource,
 *                       sys_rawio (a "cap_" prefix is accepted), or
 *                       "none" / "all". Unset: the process's effective set,
 *                       read at every ioctl
 *   IOMMUFD_SIM_MEMLOCK RLIMIT_MEMLOCK in bytes instead of the real limit
 *                       (K/M/G suffixes, or "unlimited"). Unset: the
 *                       process's soft limit, read at every ioctl
 *   IOMMUFD_SIM_MACHINE a file holding the JSON object a trace header's
 *                       "machine" holds (docs/trace-format.md): the
 *                       IOMMUs and the devices behind them, whose
 *                       "config" adds to IOMMUFD_SIM_CONFIG's. Read at
 *                       start; an unreadable or invalid one stops the
 *                       program (exit status 2) with a message naming the
 *                       file and member. Unset: no device cdevs,
 *                       and /dev/vfio/N is libc's
 *   IOMMUFD_SIM_CHECK   "1": after every call that reaches the model, run
 *                       its invariant checker over every context and
 *                       abort the program, naming the call and what
 *                       broke, if one fails (what KASAN is to a kernel
 *                       run: for reproducers and fuzzing)
 *   IOMMUFD_SIM_TRACE   reserved (recording traces of the calls)
 *
 * Fault injection, as a kernel with failslab, fail_page_alloc,
 * fail_usercopy and (test kernels) fail_iommufd has it: opendir() of
 * /sys/kernel/debug lists those directories, and their attribute files
 * open as sinks that accept any write (there is nothing to configure:
 * fail-nth ignores probability and the rest). /proc/self/task/<tid>/fail-nth
 * (and /proc/<pid>/task/<tid>/, /proc/thread-self/, /proc/self/) is that
 * thread's struct iommufd_fail_nth, which the model counts down at its
 * injection points during that thread's calls; read and write behave as
 * the kernel's file does, own copy points included.
 *
 * syscall() is served too for the calls above (sim/syscall_family.h), so
 * a program making its system calls that way, as syzkaller's C
 * reproducers do, meets the model as well.
 *
 * Limitations: fopen() (which opens inside libc), raw system call
 * instructions and io_uring reach the kernel without passing through
 * here. After fork() the model stays with the parent and the child's
 * ioctls are served there (see "fork" below and SPEC.md 6.7). Device and group files are not served that way: one
 * inherited across fork() answers EIO in the child, and a child's own
 * device file (or group) cannot bind to (be put in) an iommufd it
 * inherited (EIO). Device files have no regions, IRQs or device features
 * (GET_INFO says so). No-iommu groups (/dev/vfio/noiommu-N) are not
 * served.
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iommufd/mem.h>
#include <iommufd/model.h>
#include <iommufd/platform.h>
#include <iommufd/uapi.h>
#include <iommufd/uapi_test.h>
#include <iommufd/uapi_vfio.h>

#include "options.h"
#include "vfio_cdev.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc's _FORTIFY_SOURCE entry points, declared only by its inline wrappers */
EXPORT int __open_2(const char *path, int flags);
EXPORT int __open64_2(const char *path, int flags);
EXPORT int __openat_2(int dirfd, const char *path, int flags);
EXPORT int __openat64_2(int dirfd, const char *path, int flags);
EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);
EXPORT ssize_t __pread_chk(int fd, void *buf, size_t count, off_t offset,
			   size_t buflen);
EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t count, off_t offset,
			     size_t buflen);
void __chk_fail(void) __attribute__((noreturn));

/* ------------------------------------------------------------ libc */

static struct {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	DIR *(*opendir)(const char *);
	struct dirent *(*readdir)(DIR *);
	struct dirent64 *(*readdir64)(DIR *);
	int (*closedir)(DIR *);
	int (*dirfd)(DIR *);
	void (*rewinddir)(DIR *);
	long (*syscall)(long, ...);
} real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		/* nothing sensible can run without libc's own entry point */
		fprintf(stderr, "libiommufd-preload: no '%s' in libc\n", name);
		abort();
	}
	return p;
}

static void resolve_real(void)
{
	real.open = next_sym("open");
	real.openat = next_sym("openat");
	real.close = next_sym("close");
	real.dup = next_sym("dup");
	real.dup2 = next_sym("dup2");
	real.dup3 = next_sym("dup3");
	real.fcntl = next_sym("fcntl");
	real.ioctl = next_sym("ioctl");
	real.read = next_sym("read");
	real.write = next_sym("write");
	real.pread = next_sym("pread");
	real.pwrite = next_sym("pwrite");
	real.opendir = next_sym("opendir");
	real.readdir = next_sym("readdir");
	real.readdir64 = next_sym("readdir64");
	real.closedir = next_sym("closedir");
	real.dirfd = next_sym("dirfd");
	real.rewinddir = next_sym("rewinddir");
	real.syscall = next_sym("syscall");
}

static void init_real(void)
{
	pthread_once(&real_once, resolve_real);
}

/* libc's syscall(): this library's own one serves the program's calls */
static long next_syscall(long nr, long a0, long a1, long a2, long a3,
			 long a4, long a5)
{
	init_real();
	return real.syscall(nr, a0, a1, a2, a3, a4, a5);
}

/* ------------------------------------------------------------ state */

/*
 * The model is single threaded, so one lock covers it and the descriptor
 * table. Recursive because a model callback could, in some future
 * provider, close or open a file through these very wrappers.
 */
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/* One open context: what the kernel's struct file of /dev/iommu is */
struct pctx {
	struct iommufd_ctx *ctx;
	struct iommufd_env env; /* the model keeps a pointer to it */
	bool open;		/* iommufd_ctx_close() not called yet */
	unsigned int nchildren; /* access and fault files, which hold ctx */
	/*
	 * VFIO groups whose container this is hold the file itself (a
	 * get_file()): its release waits for them once the fd is closed
	 */
	unsigned int group_refs;
	bool release_pending;
	/*
	 * In a forked child: the model state is the parent's, so ioctls go
	 * there over this socket (-1: the context is ours)
	 */
	int remote_sock;
	struct pctx *next;	/* all contexts, for fork */
};

/*
 * A thread's fail-nth (task_struct->fail_nth). Never freed: the env of a
 * context may point at one, and threads are few.
 */
struct task_fail {
	pid_t tid;
	struct iommufd_fail_nth fn;
	struct task_fail *next;
};

/*
 * PF_DEBUGFS: a directory of the emulated debugfs (its root);
 * PF_DEVICE: a VFIO device file of the machine (a cdev, or a group's);
 * PF_GROUP: a VFIO group file of the machine, /dev/vfio/N
 */
enum pkind {
	PF_CTX, PF_ACCESS, PF_FAULT, PF_FAILNTH, PF_DEBUGFS, PF_DEVICE,
	PF_GROUP
};

/* A VFIO group of the machine: struct vfio_group */
struct pgroup {
	uint32_t id; /* N of /dev/vfio/N: the machine's "group" number */
	bool opened; /* group->opened_file: one open file at a time */
	pid_t owner; /* the process that opened it */
	/* SET_CONTAINER's context (group->iommufd): keeps its file open */
	struct pctx *iommufd;
	/* devices of the group bound through their cdev: no group open */
	unsigned int cdev_binds;
};

/* An open file description; dup'ed descriptors share one */
struct pfile {
	enum pkind kind;
	struct pctx *pc; /* NULL for PF_FAILNTH and PF_DEBUGFS */
	int model_fd; /* the number the model knows an access/fault file by */
	unsigned int refs;
	struct task_fail *task; /* PF_FAILNTH: whose fail-nth */
	uint64_t pos;		/* PF_FAILNTH: read()'s file position */
	/* PF_DEVICE: bound, its ref is the struct pctx it holds */
	struct sim_vfio_file vf;
	pid_t owner; /* PF_DEVICE: the process whose platform it is on */
	int devidx;  /* PF_DEVICE: the index of its device in the machine */
	struct pgroup *group; /* PF_GROUP */
};

static struct pfile **tab;
static int ntab;
/* fault and fail-nth files open: read/write must look */
static unsigned int nfault;
static struct task_fail *tasks;

/* Descriptors the model reserved during the ioctl running now */
#define MAX_PENDING 8
static int pending[MAX_PENDING];
static int npending;

static long remote_ioctl(struct pctx *pc, unsigned int cmd, void *arg);

static struct iommufd_acct proc_acct; /* one process, one user: one set */
static struct iommufd_platform *platform;
static struct pctx *contexts;

/* IOMMUFD_SIM_MACHINE: the devices /dev/vfio/devices/vfioN stand for */
static struct sim_machine machine;
static struct iommufd_dev *mdevs[SIM_MAX_DEVICES];
/* Its numbered groups, and each device's (NULL: a group of its own) */
static struct pgroup groups[SIM_MAX_DEVICES];
static unsigned int ngroups;
static struct pgroup *mdev_group[SIM_MAX_DEVICES];
/*
 * Opens of each device through its group (device->open_count): the first
 * binds and attaches, the last unbinds, from the context in mdev_pc
 */
static unsigned int mdev_opens[SIM_MAX_DEVICES];
static struct pctx *mdev_pc[SIM_MAX_DEVICES];

static struct {
	bool parsed;
	unsigned int config;
	unsigned int kernel; /* IOMMUFD_SIM_KERNEL, read at load */
	bool caps_set, memlock_set;
	bool check; /* IOMMUFD_SIM_CHECK */
	uint32_t caps;
	uint64_t memlock;
} opt;

static struct pfile *lookup(int fd)
{
	return fd >= 0 && fd < ntab ? tab[fd] : NULL;
}

/*
 * IOMMUFD_SIM_CHECK: every context this process's model holds, checked
 * after a call on @what (an ioctl number) changed it; lock held. A broken
 * invariant is a model bug the program found: stop where it happened.
 */
static void check_model(const char *what, unsigned long req)
{
	char why[512];

	if (!opt.check)
		return;
	for (struct pctx *pc = contexts; pc; pc = pc->next) {
		if (!pc->open || pc->remote_sock >= 0 ||
		    !iommufd_ctx_check(pc->ctx, why, sizeof(why)))
			continue;
		fprintf(stderr, "libiommufd-preload: IOMMUFD_SIM_CHECK: after "
				"%s ioctl 0x%lx the model is inconsistent: "
				"%s\n",
			what, req, why);
		abort();
	}
}

static int tab_set(int fd, struct pfile *f)
{
	if (fd >= ntab) {
		int n = ntab ? ntab : 64;
		struct pfile **t;

		while (n <= fd)
			n *= 2;
		t = realloc(tab, (size_t)n * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + ntab, 0, (size_t)(n - ntab) * sizeof(*t));
		tab = t;
		ntab = n;
	}
	tab[fd] = f;
	return 0;
}

/*
 * A file of @kind behind a real descriptor (on /dev/null, so close, dup,
 * poll and exec behave), in the table with one reference. Under the lock.
 * NULL with *@err set (errno of the open, or ENOMEM).
 */
static struct pfile *pfile_open(enum pkind kind, int flags, int *fd, int *err)
{
	struct pfile *f;

	*fd = real.open("/dev/null",
			O_RDWR | (flags & (O_CLOEXEC | O_NONBLOCK)));
	if (*fd < 0) {
		*err = errno;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f || tab_set(*fd, f)) {
		free(f);
		real.close(*fd);
		*err = ENOMEM;
		return NULL;
	}
	f->kind = kind;
	f->refs = 1;
	return f;
}

/* ------------------------------------------------------------ options */

/* Read once: a program changing its environment later means nothing here */
static void parse_options(void)
{
	const char *s;

	if (opt.parsed)
		return;
	opt.parsed = true;
	s = getenv("IOMMUFD_SIM_CHECK");
	opt.check = s && !strcmp(s, "1");
	s = getenv("IOMMUFD_SIM_CONFIG");
	if (!sim_parse_config(s, &opt.config))
		fprintf(stderr, "libiommufd-preload: IOMMUFD_SIM_CONFIG='%s' "
				"is not 'test', 'next' or 'notest'; using "
				"'test'\n",
			s);
	s = getenv("IOMMUFD_SIM_CAPS");
	if (s) {
		opt.caps_set = sim_parse_caps(s, &opt.caps);
		if (!opt.caps_set)
			fprintf(stderr, "libiommufd-preload: cannot parse "
					"IOMMUFD_SIM_CAPS='%s'; using the "
					"process's capabilities\n", s);
	}
	s = getenv("IOMMUFD_SIM_MEMLOCK");
	if (s) {
		opt.memlock_set = sim_parse_size(s, &opt.memlock);
		if (!opt.memlock_set)
			fprintf(stderr, "libiommufd-preload: cannot parse "
					"IOMMUFD_SIM_MEMLOCK='%s'; using "
					"RLIMIT_MEMLOCK\n", s);
	}
}

static uint32_t real_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };
	uint32_t caps = 0;

	if (next_syscall(SYS_capget, (long)&hdr, (long)data, 0, 0, 0, 0))
		return 0;
	if (data[0].effective & (1u << CAP_IPC_LOCK))
		caps |= IOMMUFD_CAP_IPC_LOCK;
	if (data[0].effective & (1u << CAP_SYS_RESOURCE))
		caps |= IOMMUFD_CAP_SYS_RESOURCE;
	if (data[0].effective & (1u << CAP_SYS_RAWIO))
		caps |= IOMMUFD_CAP_SYS_RAWIO;
	return caps;
}

static uint64_t real_memlock(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_MEMLOCK, &r) || r.rlim_cur == RLIM_INFINITY)
		return IOMMUFD_RLIM_INFINITY;
	return r.rlim_cur;
}

static struct task_fail *find_task(pid_t tid)
{
	struct task_fail *t;

	for (t = tasks; t && t->tid != tid; t = t->next)
		;
	return t;
}

static struct iommufd_fail_nth *current_fail_nth(void)
{
	struct task_fail *t = find_task(gettid());

	return t ? &t->fn : NULL;
}

/*
 * The kernel asks capable() and rlimit() at the moment it needs them, and
 * fault injection is the calling thread's
 */
static void refresh_env(struct pctx *pc)
{
	pc->env.caps = opt.caps_set ? opt.caps : real_caps();
	pc->env.rlimit_memlock = opt.memlock_set ? opt.memlock : real_memlock();
	pc->env.fail_nth = current_fail_nth();
}

/* ------------------------------------------------------------ model files */

static int fdops_get(void *priv)
{
	int fd;

	(void)priv;
	if (npending == MAX_PENDING)
		return -EMFILE;
	/* O_CLOEXEC: the kernel's get_unused_fd_flags(O_CLOEXEC) */
	fd = real.open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	pending[npending++] = fd;
	return fd;
}

/*
 * Either a failed ioctl gives back a number it reserved (still pending:
 * close it), or a published file is being released from our close(),
 * which closes the real descriptor itself.
 */
static void fdops_put(void *priv, int fd)
{
	(void)priv;
	for (int i = 0; i < npending; i++) {
		if (pending[i] == fd) {
			pending[i] = pending[--npending];
			real.close(fd);
			return;
		}
	}
}

static const struct iommufd_fd_ops fd_ops = {
	.get_unused_fd = fdops_get,
	.put_unused_fd = fdops_put,
};

static void pctx_maybe_free(struct pctx *pc)
{
	struct pctx **pp;

	if (pc->open || pc->nchildren)
		return;
	for (pp = &contexts; *pp && *pp != pc; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = pc->next;
	free(pc);
}

/* ------------------------------------------------------------ device cdevs */

/*
 * iommufd_ctx_from_fd() for VFIO_DEVICE_BIND_IOMMUFD: only our context
 * files are iommufd files. The bind holds the context (nchildren) as the
 * kernel's holds the file, so that closing the iommufd first leaves the
 * model's context, and the env it points at, alive until the unbind.
 */
static int vfio_iommufd_get(void *priv, int fd, struct iommufd_ctx **ctx,
			    void **ref)
{
	struct pfile *f = lookup(fd);
	struct pgroup *g = priv;

	/*
	 * vfio_device_block_group(): a group is used through its group
	 * file or through its devices' cdevs, never both at once
	 */
	if (g && g->opened)
		return -EBUSY;
	if (!f)
		return real.fcntl(fd, F_GETFD) < 0 ? -EBADF : -EBADFD;
	if (f->kind != PF_CTX)
		return -EBADFD;
	/* a forked child's copy: the context itself is in the parent */
	if (f->pc->remote_sock >= 0)
		return -EIO;
	refresh_env(f->pc);
	f->pc->nchildren++;
	if (g)
		g->cdev_binds++;
	*ctx = f->pc->ctx;
	*ref = f->pc;
	return 0;
}

static void vfio_iommufd_put(void *priv, void *ref)
{
	struct pctx *pc = ref;
	struct pgroup *g = priv;

	if (g)
		g->cdev_binds--;
	pc->nchildren--;
	pctx_maybe_free(pc);
}

static const struct sim_vfio_ops vfio_ops = {
	.get = vfio_iommufd_get,
	.put = vfio_iommufd_put,
};

/*
 * The device state is this process's copy of the platform: after fork()
 * the parent's binding is not in it, so an inherited device file only
 * answers in the process that opened it (EIO elsewhere)
 */
static long device_ioctl(struct pfile *f, unsigned int cmd, void *arg)
{
	struct iommufd_mem mem = iommufd_mem_self();

	if (f->owner != getpid())
		return -EIO;
	if (f->vf.bound)
		refresh_env(f->vf.ref);
	return sim_vfio_ioctl(&f->vf, &mem, cmd, (uint64_t)(uintptr_t)arg);
}

/*
 * vfio_df_group_close(): the last of the device's group-path files closes
 * the device, which unbinds it (detaching it first) and lets the context
 * go
 */
static void group_device_close(int i)
{
	struct pctx *pc = mdev_pc[i];

	if (--mdev_opens[i])
		return;
	refresh_env(pc);
	iommufd_dev_unbind(mdevs[i]);
	mdev_pc[i] = NULL;
	pc->nchildren--;
	pctx_maybe_free(pc);
}

/* The device file's release: unbinds, which may free a closed context */
static void device_release(struct pfile *f)
{
	if (f->owner == getpid()) {
		if (f->vf.group)
			group_device_close(f->devidx);
		else if (f->vf.bound)
			refresh_env(f->vf.ref);
		sim_vfio_release(&f->vf);
	}
	free(f);
}

/* -1 with errno: vfio_device_fops_cdev_open() */
static int open_device(int n, int flags)
{
	struct pfile *f;
	int fd, err;

	/* the machine has no such device: no such node in /dev */
	if (n < 0 || (unsigned int)n >= machine.ndevs) {
		errno = ENOENT;
		return -1;
	}
	pthread_mutex_lock(&lock);
	f = pfile_open(PF_DEVICE, flags, &fd, &err);
	if (!f) {
		pthread_mutex_unlock(&lock);
		errno = err;
		return -1;
	}
	f->owner = getpid();
	f->devidx = n;
	sim_vfio_file_init(&f->vf, mdevs[n], &vfio_ops, mdev_group[n]);
	pthread_mutex_unlock(&lock);
	return fd;
}

/*
 * /dev/vfio/devices/vfioN: 1 with *@n the device index (-1 for a name no
 * device of the machine has), 0 for other paths. The whole directory is
 * the machine's: a real device cdev could not bind to the model's iommufd.
 */
static int device_path(const char *path, int *n)
{
	static const char dir[] = "/dev/vfio/devices/";
	const char *s;
	char *end;
	long v;

	if (!path || strncmp(path, dir, sizeof(dir) - 1))
		return 0;
	s = path + sizeof(dir) - 1;
	/* the directory itself is libc's (EISDIR, O_DIRECTORY opens) */
	if (!*s)
		return 0;
	*n = -1;
	/* the kernel names them vfio0, vfio1, ...: no sign, no leading 0 */
	if (strncmp(s, "vfio", 4) || s[4] < '0' || s[4] > '9' ||
	    (s[4] == '0' && s[5]))
		return 1;
	errno = 0;
	v = strtol(s + 4, &end, 10);
	if (!*end && !errno && v < SIM_MAX_DEVICES)
		*n = (int)v;
	return 1;
}

/* ------------------------------------------------------------ VFIO groups */

/*
 * /dev/vfio/N with a machine: 1 with *@g the group numbered N (NULL when
 * the machine has none), 0 for paths that are not a group number. Group
 * 0 names no group: the machine's devices without a number have none.
 */
static int group_path(const char *path, struct pgroup **g)
{
	static const char dir[] = "/dev/vfio/";
	const char *s;
	unsigned long long v = 0;

	if (!machine.present || !path || strncmp(path, dir, sizeof(dir) - 1))
		return 0;
	s = path + sizeof(dir) - 1;
	if (*s < '0' || *s > '9')
		return 0;
	*g = NULL;
	for (; *s >= '0' && *s <= '9' && v <= UINT32_MAX; s++)
		v = v * 10 + (unsigned int)(*s - '0');
	/* the kernel's names have no leading 0 and nothing after the number */
	if (*s || path[sizeof(dir) - 1] == '0' || v > UINT32_MAX)
		return 1;
	for (unsigned int i = 0; i < ngroups; i++)
		if (groups[i].id == v)
			*g = &groups[i];
	return 1;
}

/* -1 with errno: vfio_group_fops_open() */
static int open_group(struct pgroup *g, int flags)
{
	struct pfile *f = NULL;
	int fd, err = EBUSY;

	if (!g) {
		errno = ENOENT;
		return -1;
	}
	pthread_mutex_lock(&lock);
	/* one file per group, and not while a cdev of it is bound */
	if (!g->cdev_binds && !g->opened)
		f = pfile_open(PF_GROUP, flags, &fd, &err);
	if (!f) {
		pthread_mutex_unlock(&lock);
		errno = err;
		return -1;
	}
	f->group = g;
	g->opened = true;
	g->owner = getpid();
	pthread_mutex_unlock(&lock);
	return fd;
}

/* The group's iommufd reference goes (UNSET_CONTAINER, release) */
static void group_unset(struct pgroup *g)
{
	struct pctx *pc = g->iommufd;

	g->iommufd = NULL;
	if (--pc->group_refs || !pc->release_pending)
		return;
	/* the last reference on a closed file: its release runs now */
	refresh_env(pc);
	iommufd_ctx_close(pc->ctx);
	pc->open = false;
	pctx_maybe_free(pc);
}

static void group_release(struct pfile *f)
{
	struct pgroup *g = f->group;

	/* a forked child's copy of the group is not the group */
	if (g->owner == getpid()) {
		if (g->iommufd)
			group_unset(g);
		g->opened = false;
	}
	free(f);
}

/* Some device of @g is bound: its DMA has an owner */
static bool group_claimed(const struct pgroup *g)
{
	for (unsigned int i = 0; i < machine.ndevs; i++)
		if (mdev_group[i] == g && iommufd_dev_id(mdevs[i]))
			return true;
	return false;
}

/* vfio_group_ioctl_get_status() */
static long group_get_status(struct pgroup *g, const struct iommufd_mem *mem,
			     uint64_t arg)
{
	struct vfio_group_status st;

	if (mem->ops->read(mem->priv, &st, arg, sizeof(st)))
		return -EFAULT;
	if (st.argsz < sizeof(st))
		return -EINVAL;
	/*
	 * With iommufd the group's DMA is claimed at GET_DEVICE_FD, not at
	 * SET_CONTAINER: a group with a container counts as viable
	 */
	if (g->iommufd)
		st.flags = VFIO_GROUP_FLAGS_CONTAINER_SET |
			   VFIO_GROUP_FLAGS_VIABLE;
	else
		st.flags = group_claimed(g) ? 0 : VFIO_GROUP_FLAGS_VIABLE;
	return mem->ops->write(mem->priv, arg, &st, sizeof(st)) ? -EFAULT : 0;
}

/*
 * vfio_group_ioctl_set_container() with CONFIG_IOMMUFD_VFIO_CONTAINER:
 * every container is an iommufd, so the group just holds the context and
 * makes sure it has a compat IOAS (no-iommu groups are not modelled)
 */
static long group_set_container(struct pgroup *g,
				const struct iommufd_mem *mem, uint64_t arg)
{
	struct pfile *cf;
	int32_t fd;
	long rc;

	if (mem->ops->read(mem->priv, &fd, arg, sizeof(fd)))
		return -EFAULT;
	cf = lookup(fd);
	if (!cf && real.fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (g->iommufd)
		return -EINVAL;
	/* iommufd_ctx_from_file(): /dev/iommu and /dev/vfio/vfio files */
	if (!cf || cf->kind != PF_CTX)
		return -EBADFD;
	/* a forked child's copy: the context itself is in the parent */
	if (cf->pc->remote_sock >= 0)
		return -EIO;
	refresh_env(cf->pc);
	rc = iommufd_vfio_compat_ioas_create(cf->pc->ctx);
	if (rc)
		return rc;
	cf->pc->group_refs++;
	g->iommufd = cf->pc;
	return 0;
}

/*
 * strndup_user(arg, PAGE_SIZE) into @buf: -EFAULT when a byte up to the
 * NUL cannot be read, -EINVAL when no NUL comes within a page's worth
 */
static long get_user_name(const struct iommufd_mem *mem, uint64_t arg,
			  char *buf, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (mem->ops->read(mem->priv, &buf[i], arg + i, 1))
			return -EFAULT;
		if (!buf[i])
			return 0;
	}
	return -EINVAL;
}

/* vfio_df_group_open() of the machine's device @i, on @g's context */
static long group_device_open(struct pgroup *g, int i)
{
	struct pctx *pc = g->iommufd;
	uint32_t dev_id, ioas_id;
	long rc;

	if (!pc)
		return -EINVAL;
	/* the group path shares one open of the device among its files */
	if (mdev_opens[i]) {
		mdev_opens[i]++;
		return 0;
	}
	refresh_env(pc);
	rc = iommufd_dev_bind(pc->ctx, mdevs[i], &dev_id);
	if (rc)
		return rc;
	/*
	 * vfio_iommufd_compat_attach_ioas(): the legacy API has no way to
	 * name a page table, so the device goes to the compat IOAS
	 */
	rc = iommufd_vfio_compat_ioas_get_id(pc->ctx, &ioas_id);
	if (!rc)
		rc = iommufd_dev_attach(mdevs[i], &ioas_id);
	if (rc) {
		iommufd_dev_unbind(mdevs[i]);
		return rc;
	}
	pc->nchildren++;
	mdev_pc[i] = pc;
	mdev_opens[i] = 1;
	return 0;
}

/* vfio_group_ioctl_get_device_fd(): a new device file, or -errno */
static long group_get_device_fd(struct pgroup *g,
				const struct iommufd_mem *mem, uint64_t arg)
{
	char name[4096];
	struct pfile *f;
	long rc;
	int i, fd, err;

	rc = get_user_name(mem, arg, name, sizeof(name));
	if (rc)
		return rc;
	for (i = 0; i < (int)machine.ndevs; i++)
		if (mdev_group[i] == g && !strcmp(machine.devs[i].name, name))
			break;
	if (i == (int)machine.ndevs)
		return -ENODEV;
	/*
	 * get_unused_fd_flags(O_CLOEXEC), and room in the table: after the
	 * device's open nothing may fail
	 */
	f = pfile_open(PF_DEVICE, O_CLOEXEC, &fd, &err);
	if (!f)
		return -err;
	rc = group_device_open(g, i);
	if (rc) {
		tab[fd] = NULL;
		free(f);
		real.close(fd);
		return rc;
	}
	f->owner = getpid();
	f->devidx = i;
	sim_vfio_group_file_init(&f->vf, mdevs[i], mdev_pc[i]);
	return fd;
}

/*
 * vfio_group_fops_unl_ioctl(). The group is this process's copy of the
 * platform's: an inherited group file answers EIO in a forked child.
 */
static long group_ioctl(struct pfile *f, unsigned int cmd, void *arg)
{
	struct iommufd_mem mem = iommufd_mem_self();
	struct pgroup *g = f->group;
	uint64_t uarg = (uint64_t)(uintptr_t)arg;

	if (g->owner != getpid())
		return -EIO;
	switch (cmd) {
	case VFIO_GROUP_GET_DEVICE_FD:
		return group_get_device_fd(g, &mem, uarg);
	case VFIO_GROUP_GET_STATUS:
		return group_get_status(g, &mem, uarg);
	case VFIO_GROUP_SET_CONTAINER:
		return group_set_container(g, &mem, uarg);
	case VFIO_GROUP_UNSET_CONTAINER:
		if (!g->iommufd)
			return -EINVAL;
		group_unset(g);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* The machine's numbered groups, in the order their devices come */
static void load_groups(void)
{
	for (unsigned int i = 0; i < machine.ndevs; i++) {
		uint32_t id = machine.devs[i].group;
		unsigned int k;

		if (!id)
			continue;
		for (k = 0; k < ngroups && groups[k].id != id; k++)
			;
		if (k == ngroups)
			groups[ngroups++].id = id;
		mdev_group[i] = &groups[k];
	}
}

/*
 * IOMMUFD_SIM_MACHINE: read before the program runs, so that a bad file
 * stops it at once rather than at its first open
 */
static void load_machine(void)
{
	const char *path = getenv("IOMMUFD_SIM_MACHINE");
	struct sim_err err;
	char why[256];

	if (!path || !*path)
		return;
	if (sim_machine_read(path, &machine, &err)) {
		fprintf(stderr, "libiommufd-preload: IOMMUFD_SIM_MACHINE: %s; "
				"not running the program\n",
			err.msg);
		_exit(2);
	}
	if (sim_machine_platform(&machine, &platform, mdevs, why,
				 sizeof(why))) {
		fprintf(stderr, "libiommufd-preload: IOMMUFD_SIM_MACHINE: "
				"%s: %s; not running the program\n",
			path, why);
		_exit(2);
	}
	load_groups();
}

/* The last descriptor of @f went away: the file's release() */
static void pfile_release(struct pfile *f)
{
	struct pctx *pc = f->pc;

	switch (f->kind) {
	case PF_DEVICE:
		device_release(f);
		return;
	case PF_GROUP:
		group_release(f);
		return;
	case PF_FAILNTH:
		nfault--;
		/* fall through */
	case PF_DEBUGFS:
		/* emulated files with no context behind them */
		free(f);
		return;
	default:
		break;
	}
	if (pc->remote_sock >= 0) {
		/* a child's copy of the parent's context: nothing of ours */
		free(f);
		return;
	}
	refresh_env(pc);
	switch (f->kind) {
	case PF_CTX:
		if (pc->group_refs) {
			pc->release_pending = true;
			break;
		}
		iommufd_ctx_close(pc->ctx);
		pc->open = false;
		break;
	case PF_ACCESS:
		iommufd_ctx_close_fd(pc->ctx, f->model_fd);
		pc->nchildren--;
		break;
	case PF_FAULT:
#ifdef IOMMUFD_FAULT_FD_BASE
		iommufd_fault_fd_close(pc->ctx, f->model_fd);
#endif
		nfault--;
		pc->nchildren--;
		break;
	case PF_FAILNTH:
	case PF_DEBUGFS:
	case PF_DEVICE:
	case PF_GROUP:
		break;
	}
	free(f);
	pctx_maybe_free(pc);
}

/* Forget @fd (about to be closed or reused by dup2); lock held */
static void unmap_fd(int fd)
{
	struct pfile *f = lookup(fd);

	if (!f)
		return;
	tab[fd] = NULL;
	if (!--f->refs)
		pfile_release(f);
}

static int open_ctx(int flags, unsigned int oflags)
{
	struct pctx *pc;
	struct pfile *f = NULL;
	int fd, err = ENOMEM;

	pthread_mutex_lock(&lock);
	parse_options();
	if (!platform)
		platform = iommufd_platform_new();
	pc = calloc(1, sizeof(*pc));
	if (pc && platform)
		f = pfile_open(PF_CTX, flags, &fd, &err);
	if (!f)
		goto fail;
	pc->env.mem = iommufd_mem_self();
	pc->env.acct = &proc_acct;
	pc->env.platform = platform;
	/* the machine's kernel options come on top of the environment's */
	pc->env.config = opt.config | machine.config;
	pc->env.fd_ops = &fd_ops;
	pc->env.kernel = opt.kernel;
	refresh_env(pc);
	pc->ctx = iommufd_ctx_open(&pc->env, oflags);
	if (!pc->ctx) {
		tab[fd] = NULL;
		real.close(fd);
		err = ENOMEM;
		goto fail;
	}
	pc->open = true;
	pc->remote_sock = -1;
	pc->next = contexts;
	contexts = pc;
	f->pc = pc;
	pthread_mutex_unlock(&lock);
	return fd;

fail:
	free(pc);
	free(f);
	pthread_mutex_unlock(&lock);
	errno = err;
	return -1;
}

/* 0 for a path we do not serve, else the iommufd_ctx_open() flags + 1 */
static unsigned int served_path(int dirfd, const char *path)
{
	if (!path || (path[0] != '/' && dirfd != AT_FDCWD))
		return 0;
	if (!strcmp(path, "/dev/iommu"))
		return 1;
	if (!strcmp(path, "/dev/vfio/vfio"))
		return 1 + IOMMUFD_OPEN_VFIO_CONTAINER;
	return 0;
}

/* ------------------------------------------------------------ fault injection */

/* The fault_attr directories and the attribute files debugfs gives each */
static const char *const fail_dirs[] = {
	"failslab", "fail_page_alloc", "fail_usercopy",
	"fail_iommufd", /* last: only a CONFIG_IOMMUFD_TEST kernel has it */
};
static const char *const fail_attrs[] = {
	"probability", "interval", "times", "space", "verbose",
	"verbose_ratelimit_interval_ms", "verbose_ratelimit_burst",
	"task-filter", "stacktrace-depth", "require-start", "require-end",
	"reject-start", "reject-end", "ignore-gfp-wait", "ignore-gfp-highmem",
	"cache-filter", "min-order",
};
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static size_t nfail_dirs(void)
{
	parse_options();
	return ARRAY_LEN(fail_dirs) - !(opt.config & IOMMUFD_CONFIG_TEST);
}

/* What follows the debugfs root in @path ("" for the root), else NULL */
static const char *debugfs_rel(const char *path)
{
	static const char root[] = "/sys/kernel/debug";

	if (!path || strncmp(path, root, sizeof(root) - 1))
		return NULL;
	path += sizeof(root) - 1;
	if (*path && *path != '/')
		return NULL;
	while (*path == '/')
		path++;
	return path;
}

/* "DIR/ATTR" of one of the fault_attr directories */
static bool is_fail_attr(const char *rel)
{
	const char *slash = strchr(rel, '/');
	size_t i;

	if (!slash)
		return false;
	for (i = 0; i < nfail_dirs(); i++) {
		if (strlen(fail_dirs[i]) == (size_t)(slash - rel) &&
		    !strncmp(rel, fail_dirs[i], (size_t)(slash - rel)))
			break;
	}
	if (i == nfail_dirs())
		return false;
	for (i = 0; i < ARRAY_LEN(fail_attrs); i++)
		if (!strcmp(slash + 1, fail_attrs[i]))
			return true;
	return false;
}

/* A decimal thread ID at *@s, which is advanced past it; 0 if none */
static pid_t parse_tid(const char **s)
{
	long v = 0;

	if (**s < '1' || **s > '9')
		return 0;
	while (**s >= '0' && **s <= '9') {
		v = v * 10 + (**s - '0');
		if (v > INT_MAX)
			return 0;
		(*s)++;
	}
	return (pid_t)v;
}

/* The thread whose fail-nth @path names, if it is one of ours; else 0 */
static pid_t failnth_tid(const char *path)
{
	const char *p;
	pid_t pid = getpid(), tid;

	if (!path || strncmp(path, "/proc/", 6))
		return 0;
	p = path + 6;
	if (!strcmp(p, "thread-self/fail-nth"))
		return gettid();
	if (!strncmp(p, "self/", 5)) {
		p += 5;
		tid = pid;
	} else {
		tid = parse_tid(&p);
		if (!tid || *p++ != '/')
			return 0;
	}
	if (!strncmp(p, "task/", 5)) {
		/* /proc/PID/task/ lists PID's own threads only */
		if (tid != pid)
			return 0;
		p += 5;
		tid = parse_tid(&p);
		if (!tid || *p++ != '/')
			return 0;
	}
	if (strcmp(p, "fail-nth"))
		return 0;
	return next_syscall(SYS_tgkill, pid, tid, 0, 0, 0, 0) ? 0 : tid;
}

static struct task_fail *get_task(pid_t tid)
{
	struct task_fail *t = find_task(tid);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->fn.points = IOMMUFD_FAIL_ALL;
	t->next = tasks;
	tasks = t;
	return t;
}

/* A sink descriptor standing for an emulated file; -1 with errno set */
static int open_emulated(enum pkind kind, pid_t tid, int flags)
{
	struct pfile *f = NULL;
	int fd, err = ENOMEM;

	pthread_mutex_lock(&lock);
	f = pfile_open(kind, flags, &fd, &err);
	if (!f)
		goto fail;
	if (kind == PF_FAILNTH) {
		f->task = get_task(tid);
		if (!f->task) {
			tab[fd] = NULL;
			real.close(fd);
			err = ENOMEM;
			goto fail;
		}
		nfault++;
	}
	pthread_mutex_unlock(&lock);
	return fd;

fail:
	free(f);
	pthread_mutex_unlock(&lock);
	errno = err;
	return -1;
}

static bool is_debugfs_fd(int fd)
{
	struct pfile *f;
	bool yes;

	pthread_mutex_lock(&lock);
	f = lookup(fd);
	yes = f && f->kind == PF_DEBUGFS;
	pthread_mutex_unlock(&lock);
	return yes;
}

/*
 * Paths of the emulated fault injection: 1 with *@fd set (or -1 and
 * errno) when served, 0 to let libc have it
 */
static int open_fault_injection(int dirfd, const char *path, int flags,
				int *fd)
{
	const char *rel = NULL;
	pid_t tid;

	if (!path)
		return 0;
	if (path[0] == '/')
		rel = debugfs_rel(path);
	else if (dirfd != AT_FDCWD && is_debugfs_fd(dirfd))
		rel = path;
	if (rel && !*rel) {
		*fd = open_emulated(PF_DEBUGFS, 0, flags);
		return 1;
	}
	if (rel) {
		if (is_fail_attr(rel)) {
			/* a sink: fail-nth ignores every attribute */
			*fd = real.open("/dev/null",
					flags & (O_ACCMODE | O_CLOEXEC |
						 O_NONBLOCK));
		} else {
			errno = ENOENT;
			*fd = -1;
		}
		return 1;
	}
	tid = path[0] == '/' ? failnth_tid(path) : 0;
	if (!tid)
		return 0;
	*fd = open_emulated(PF_FAILNTH, tid, flags);
	return 1;
}

/* ------------------------------------------------------------ open */

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	struct pgroup *g;
	unsigned int s;
	int fd, n;

	init_real();
	if (open_fault_injection(dirfd, path, flags, &fd))
		return fd;
	if (device_path(path, &n))
		return open_device(n, flags);
	if (group_path(path, &g))
		return open_group(g, flags);
	s = served_path(dirfd, path);
	if (s)
		return open_ctx(flags, s - 1);
	if (dirfd == AT_FDCWD)
		return real.open(path, flags, mode);
	return real.openat(dirfd, path, flags, mode);
}

#include "open_family.h"

/* ------------------------------------------------------------ close, dup */

EXPORT int close(int fd)
{
	int rc;

	init_real();
	pthread_mutex_lock(&lock);
	unmap_fd(fd);
	rc = real.close(fd);
	pthread_mutex_unlock(&lock);
	return rc;
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	int rc;

	init_real();
	pthread_mutex_lock(&lock);
	rc = (int)next_syscall(SYS_close_range, first, last, flags, 0, 0, 0);
	if (!rc && !(flags & CLOSE_RANGE_CLOEXEC)) {
		for (int fd = (int)first; fd < ntab && (unsigned int)fd <= last;
		     fd++)
			unmap_fd(fd);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* @newfd now names what @oldfd does (a real dup succeeded); lock held */
static void share(int oldfd, int newfd)
{
	struct pfile *f = lookup(oldfd);

	if (!f || newfd < 0 || newfd == oldfd)
		return;
	if (tab_set(newfd, f)) {
		/* untracked, the copy would be a plain /dev/null: refuse it */
		real.close(newfd);
		return;
	}
	f->refs++;
}

EXPORT int dup(int oldfd)
{
	int fd;

	init_real();
	pthread_mutex_lock(&lock);
	fd = real.dup(oldfd);
	share(oldfd, fd);
	pthread_mutex_unlock(&lock);
	return fd;
}

static int do_dup3(int oldfd, int newfd, int flags, bool is_dup2)
{
	int fd;

	init_real();
	pthread_mutex_lock(&lock);
	fd = is_dup2 ? real.dup2(oldfd, newfd) : real.dup3(oldfd, newfd, flags);
	if (fd >= 0 && oldfd != newfd) {
		/* the kernel closed whatever @newfd was */
		unmap_fd(newfd);
		share(oldfd, newfd);
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

EXPORT int dup2(int oldfd, int newfd)
{
	return do_dup3(oldfd, newfd, 0, true);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return do_dup3(oldfd, newfd, flags, false);
}

static int do_fcntl(int fd, int cmd, void *arg)
{
	int rc;

	init_real();
	if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC)
		return real.fcntl(fd, cmd, arg);
	pthread_mutex_lock(&lock);
	rc = real.fcntl(fd, cmd, arg);
	share(fd, rc);
	pthread_mutex_unlock(&lock);
	return rc;
}

/* The argument is an int or a pointer; glibc itself fetches a pointer */
EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

/* ------------------------------------------------------------ ioctl */

/* Answered by the VFS for every file before the driver sees them */
static bool vfs_ioctl(unsigned long req)
{
	return req == FIOCLEX || req == FIONCLEX || req == FIONBIO ||
	       req == FIOASYNC;
}

static void publish_pending(struct pctx *pc, unsigned int cmd)
{
	while (npending) {
		int fd = pending[--npending];
		struct pfile *f = calloc(1, sizeof(*f));

		/*
		 * On failure the number stays reserved (open /dev/null) and
		 * unknown to us, rather than being reused under the model.
		 */
		if (!f || tab_set(fd, f)) {
			free(f);
			continue;
		}
		f->kind = cmd == IOMMU_FAULT_QUEUE_ALLOC ? PF_FAULT : PF_ACCESS;
		f->pc = pc;
		f->model_fd = fd;
		f->refs = 1;
		pc->nchildren++;
		if (f->kind == PF_FAULT)
			nfault++;
	}
}

/* A handler's 0/positive or -errno as libc returns it */
static ssize_t ret_errno(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct pfile *f;
	va_list ap;
	void *arg;
	long rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	init_real();

	pthread_mutex_lock(&lock);
	f = lookup(fd);
	if (f && (f->kind == PF_DEVICE || f->kind == PF_GROUP) &&
	    !vfs_ioctl(req)) {
		/* the kernel's cmd is an unsigned int, as below */
		rc = f->kind == PF_DEVICE ?
			     device_ioctl(f, (unsigned int)req, arg) :
			     group_ioctl(f, (unsigned int)req, arg);
		check_model(f->kind == PF_DEVICE ? "device file" : "group file",
			    req);
		pthread_mutex_unlock(&lock);
		return (int)ret_errno(rc);
	}
	if (!f || f->kind != PF_CTX || vfs_ioctl(req)) {
		/* access and fault files have no ioctls: /dev/null's ENOTTY */
		pthread_mutex_unlock(&lock);
		return real.ioctl(fd, req, arg);
	}
	if (f->pc->remote_sock >= 0) {
		rc = remote_ioctl(f->pc, (unsigned int)req, arg);
		pthread_mutex_unlock(&lock);
		return (int)ret_errno(rc);
	}
	refresh_env(f->pc);
	npending = 0;
	/* the kernel's cmd is an unsigned int: the upper bits are dropped */
	rc = iommufd_ctx_ioctl(f->pc->ctx, (unsigned int)req,
			       (uint64_t)(uintptr_t)arg);
	publish_pending(f->pc, (unsigned int)req);
	check_model("iommufd", (unsigned int)req);
	pthread_mutex_unlock(&lock);
	return (int)ret_errno(rc);
}

/* ------------------------------------------------------------ fault files */

/*
 * Take the lock only when a fault or fail-nth file exists: read and write
 * are hot paths
 */
static struct pfile *lookup_special(int fd)
{
	struct pfile *f;

	if (!__atomic_load_n(&nfault, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&lock);
	f = lookup(fd);
	if (f && (f->kind == PF_FAULT || f->kind == PF_FAILNTH))
		return f; /* with the lock held */
	pthread_mutex_unlock(&lock);
	return NULL;
}

/*
 * proc_fail_nth_read(): the target's count as "%u\n" from @pos, copied
 * out by copy_to_user(), itself an injection point of the caller's
 */
static long failnth_read(struct pfile *f, void *buf, size_t count,
			 uint64_t pos)
{
	struct iommufd_mem mem = iommufd_mem_self();
	char num[16];
	size_t len = (size_t)snprintf(num, sizeof(num), "%u\n", f->task->fn.nth);

	if (pos >= len || !count)
		return 0;
	if (count > len - pos)
		count = len - pos;
	if (iommufd_fail_nth_point(current_fail_nth(), IOMMUFD_FAIL_USERCOPY) ||
	    mem.ops->write(mem.priv, (uint64_t)(uintptr_t)buf, num + pos, count))
		return -EFAULT;
	return (long)count;
}

/* kstrtouint(s, 0): "+", base prefix, digits, one optional newline */
static int parse_uint(const char *s, unsigned int *out)
{
	unsigned long long v = 0;
	unsigned int base = 10, d;
	bool any = false;

	if (*s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    ((s[2] >= '0' && s[2] <= '9') || ((s[2] | 0x20) >= 'a' &&
					      (s[2] | 0x20) <= 'f'))) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned int)((*s | 0x20) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
		if (v > UINT_MAX)
			return -ERANGE;
		any = true;
	}
	if (*s == '\n')
		s++;
	if (!any || *s)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* proc_fail_nth_write(): kstrtouint_from_user(), then set; the offset is ignored */
static long failnth_write(struct pfile *f, const void *buf, size_t count)
{
	struct iommufd_mem mem = iommufd_mem_self();
	char str[1 + sizeof(unsigned long long) * 8];
	size_t n = count < sizeof(str) - 1 ? count : sizeof(str) - 1;
	unsigned int nth;
	int rc;

	if (iommufd_fail_nth_point(current_fail_nth(), IOMMUFD_FAIL_USERCOPY) ||
	    mem.ops->read(mem.priv, str, (uint64_t)(uintptr_t)buf, n))
		return -EFAULT;
	str[n] = 0;
	rc = parse_uint(str, &nth);
	if (rc)
		return rc;
	f->task->fn.nth = nth;
	return (long)count;
}

EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	struct pfile *f;
	long rc;

	init_real();
	f = lookup_special(fd);
	if (!f)
		return real.read(fd, buf, count);
	if (f->kind == PF_FAILNTH) {
		rc = failnth_read(f, buf, count, f->pos);
		if (rc > 0)
			f->pos += (uint64_t)rc;
	} else {
		rc = iommufd_fault_fd_read(f->pc->ctx, f->model_fd,
					   (uint64_t)(uintptr_t)buf, count);
	}
	pthread_mutex_unlock(&lock);
	return ret_errno(rc);
}

EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	struct pfile *f;
	long rc;

	init_real();
	f = lookup_special(fd);
	if (!f)
		return real.write(fd, buf, count);
	if (f->kind == PF_FAILNTH)
		rc = failnth_write(f, buf, count);
	else
		rc = iommufd_fault_fd_write(f->pc->ctx, f->model_fd,
					    (uint64_t)(uintptr_t)buf, count);
	pthread_mutex_unlock(&lock);
	return ret_errno(rc);
}

/* Fault files keep /dev/null's pread and pwrite, as before */
static struct pfile *lookup_failnth(int fd)
{
	struct pfile *f = lookup_special(fd);

	if (f && f->kind != PF_FAILNTH) {
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	return f;
}

EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	struct pfile *f;
	long rc;

	init_real();
	f = lookup_failnth(fd);
	if (!f)
		return real.pread(fd, buf, count, offset);
	rc = offset < 0 ? -EINVAL : failnth_read(f, buf, count, (uint64_t)offset);
	pthread_mutex_unlock(&lock);
	return ret_errno(rc);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	struct pfile *f;
	long rc;

	init_real();
	f = lookup_failnth(fd);
	if (!f)
		return real.pwrite(fd, buf, count, offset);
	rc = offset < 0 ? -EINVAL : failnth_write(f, buf, count);
	pthread_mutex_unlock(&lock);
	return ret_errno(rc);
}

/* off_t is 64 bits on the LP64 targets this library is built for */
EXPORT ssize_t pread64(int fd, void *buf, size_t count, off_t offset)
{
	return pread(fd, buf, count, offset);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
	return pwrite(fd, buf, count, offset);
}

/* _FORTIFY_SOURCE's checked entry points */
EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	if (count > buflen)
		__chk_fail();
	return read(fd, buf, count);
}

EXPORT ssize_t __pread_chk(int fd, void *buf, size_t count, off_t offset,
			   size_t buflen)
{
	if (count > buflen)
		__chk_fail();
	return pread(fd, buf, count, offset);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t count, off_t offset,
			     size_t buflen)
{
	return __pread_chk(fd, buf, count, offset, buflen);
}

/* ------------------------------------------------------------ debugfs */

/*
 * opendir() of the debugfs root: a DIR of our own listing the fault_attr
 * directories, whose dirfd() is a PF_DEBUGFS descriptor for openat().
 * Every other DIR is libc's.
 */
struct fakedir {
	int fd;
	size_t pos;
	struct dirent ent;
	struct dirent64 ent64;
	struct fakedir *next;
};

static struct fakedir *fakedirs;

static struct fakedir *find_fakedir(DIR *d)
{
	struct fakedir *fd;

	if (!__atomic_load_n(&fakedirs, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&lock);
	for (fd = fakedirs; fd && (DIR *)fd != d; fd = fd->next)
		;
	pthread_mutex_unlock(&lock);
	return fd;
}

EXPORT DIR *opendir(const char *path)
{
	const char *rel = debugfs_rel(path);
	struct fakedir *d;

	init_real();
	if (!rel || *rel)
		return real.opendir(path);
	d = calloc(1, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->fd = open_emulated(PF_DEBUGFS, 0, O_CLOEXEC);
	if (d->fd < 0) {
		free(d);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	d->next = fakedirs;
	fakedirs = d;
	pthread_mutex_unlock(&lock);
	return (DIR *)d;
}

/* ".", "..", then the fault_attr directories; NULL at the end */
static const char *fakedir_next(struct fakedir *d)
{
	size_t i = d->pos;

	if (i >= 2 + nfail_dirs())
		return NULL;
	d->pos++;
	return i == 0 ? "." : i == 1 ? ".." : fail_dirs[i - 2];
}

EXPORT struct dirent *readdir(DIR *dir)
{
	struct fakedir *d;
	const char *name;

	init_real();
	d = find_fakedir(dir);
	if (!d)
		return real.readdir(dir);
	name = fakedir_next(d);
	if (!name)
		return NULL;
	memset(&d->ent, 0, sizeof(d->ent));
	d->ent.d_ino = d->pos;
	d->ent.d_off = (off_t)d->pos;
	d->ent.d_reclen = sizeof(d->ent);
	d->ent.d_type = DT_DIR;
	snprintf(d->ent.d_name, sizeof(d->ent.d_name), "%s", name);
	return &d->ent;
}

EXPORT struct dirent64 *readdir64(DIR *dir)
{
	struct fakedir *d;
	const char *name;

	init_real();
	d = find_fakedir(dir);
	if (!d)
		return real.readdir64(dir);
	name = fakedir_next(d);
	if (!name)
		return NULL;
	memset(&d->ent64, 0, sizeof(d->ent64));
	d->ent64.d_ino = d->pos;
	d->ent64.d_off = (off64_t)d->pos;
	d->ent64.d_reclen = sizeof(d->ent64);
	d->ent64.d_type = DT_DIR;
	snprintf(d->ent64.d_name, sizeof(d->ent64.d_name), "%s", name);
	return &d->ent64;
}

EXPORT int dirfd(DIR *dir)
{
	struct fakedir *d;

	init_real();
	d = find_fakedir(dir);
	return d ? d->fd : real.dirfd(dir);
}

EXPORT void rewinddir(DIR *dir)
{
	struct fakedir *d;

	init_real();
	d = find_fakedir(dir);
	if (d)
		d->pos = 0;
	else
		real.rewinddir(dir);
}

EXPORT int closedir(DIR *dir)
{
	struct fakedir *d, **p;

	init_real();
	if (!find_fakedir(dir))
		return real.closedir(dir);
	pthread_mutex_lock(&lock);
	for (p = &fakedirs; *p && (DIR *)*p != dir; p = &(*p)->next)
		;
	d = *p;
	*p = d->next;
	pthread_mutex_unlock(&lock);
	close(d->fd);
	free(d);
	return 0;
}

/* ------------------------------------------------------------ fork */

/*
 * One iommufd file shared by parent and child: the model lives in the
 * parent, so a forked child sends its ioctls there and a server thread
 * runs them as the child ("current" is the child: its memory through
 * process_vm_readv, its own locked-memory counters), which is how a child
 * can map its pages into the shared IOAS and the parent find them gone
 * after it exits. Children do not create files (access or fault fds) this
 * way: their numbers would be the parent's.
 */
struct remote_req {
	uint64_t pctx;	/* the parent's struct pctx, by address */
	uint64_t arg;
	uint32_t cmd;
	int32_t pid;
};

struct remote_task {
	pid_t pid;
	struct iommufd_mem_remote *mem;
	struct iommufd_acct acct;
	struct iommufd_env env;	/* kept: the child's pages point at it */
	struct remote_task *next;
};

/*
 * A child's memory as iommufd pins it. Copies go to the child's address
 * space; a pin of a page the child shares with us (a MAP_SHARED mapping
 * made before the fork: the same object at the same offset and address in
 * both /proc/PID/maps) pins our own page, because it is the same physical
 * page: what either process writes later is seen through the pin, as on
 * the kernel. Other pages are copied at pin time (iommufd_mem_remote).
 * Our pins have PFNs below the remote provider's, so unpin and
 * pinned_page can tell them apart.
 */
struct maps_entry {
	uint64_t start, end, off, inode;
	unsigned int dev_major, dev_minor;
	bool shared;
};

/* The /proc/PID/maps line covering @uva (pid 0: ours); false if none */
static bool maps_lookup(pid_t pid, uint64_t uva, struct maps_entry *out)
{
	char path[64], buf[8192], *line, *nl;
	size_t have = 0;
	bool found = false, eof = false;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	fd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while (!found && (!eof || have)) {
		ssize_t n = 0;

		if (!eof) {
			n = real.read(fd, buf + have, sizeof(buf) - 1 - have);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				eof = true;
			else
				have += (size_t)n;
		}
		buf[have] = 0;
		line = buf;
		while (!found && (nl = strchr(line, '\n'))) {
			struct maps_entry e;
			char perms[5];
			unsigned long long st, en, off, ino;

			*nl = 0;
			if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu", &st, &en,
				   perms, &off, &e.dev_major, &e.dev_minor,
				   &ino) == 7 && uva >= st && uva < en) {
				e.start = st;
				e.end = en;
				e.off = off;
				e.inode = ino;
				e.shared = perms[3] == 's';
				*out = e;
				found = true;
			}
			line = nl + 1;
		}
		/* keep the partial last line; a line never fills buf */
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (eof && !strchr(buf, '\n'))
			break;
	}
	real.close(fd);
	return found;
}

/* How many pages from @uva the child @pid shares with us (0: none) */
static size_t shared_run(pid_t pid, uint64_t uva, size_t npages)
{
	struct maps_entry c, m;
	uint64_t end;

	if (!maps_lookup(pid, uva, &c) || !c.shared || !c.inode ||
	    !maps_lookup(0, uva, &m) || !m.shared || m.inode != c.inode ||
	    m.dev_major != c.dev_major || m.dev_minor != c.dev_minor ||
	    m.off - m.start != c.off - c.start)
		return 0;
	end = c.end < m.end ? c.end : m.end;
	return (end - uva) / 4096 < npages ? (size_t)((end - uva) / 4096) :
					     npages;
}

static int child_read(void *priv, void *dst, uint64_t uva, size_t len)
{
	struct remote_task *t = priv;
	struct iommufd_mem m = iommufd_mem_remote_provider(t->mem);

	return m.ops->read(m.priv, dst, uva, len);
}

static int child_write(void *priv, uint64_t uva, const void *src, size_t len)
{
	struct remote_task *t = priv;
	struct iommufd_mem m = iommufd_mem_remote_provider(t->mem);

	return m.ops->write(m.priv, uva, src, len);
}

/* Self PFNs are user VAs >> 12, below 1 << 36 where remote ones start */
#define CHILD_REMOTE_PFN (1ull << 36)

static void child_unpin(void *priv, const uint64_t *pfns, size_t npages)
{
	struct remote_task *t = priv;
	struct iommufd_mem r = iommufd_mem_remote_provider(t->mem);
	struct iommufd_mem s = iommufd_mem_self();

	for (size_t i = 0; i < npages; i++)
		(pfns[i] >= CHILD_REMOTE_PFN ? r : s)
			.ops->unpin(pfns[i] >= CHILD_REMOTE_PFN ? r.priv :
								  s.priv,
				    &pfns[i], 1);
}

static int child_pin(void *priv, uint64_t uva, size_t npages, bool write,
		     uint64_t *pfns)
{
	struct remote_task *t = priv;
	struct iommufd_mem r = iommufd_mem_remote_provider(t->mem);
	struct iommufd_mem s = iommufd_mem_self();
	size_t done = 0;

	while (done < npages) {
		uint64_t at = uva + done * 4096;
		size_t n = shared_run(t->pid, at, npages - done);
		int rc;

		/*
		 * Shared or not is decided while the child lives; once it
		 * is gone its maps are too, and the pin fails like GUP on a
		 * dead mm.
		 */
		if (n)
			rc = s.ops->pin(s.priv, at, n, write, pfns + done);
		else
			rc = r.ops->pin(r.priv, at, n = 1, write, pfns + done);
		if (rc) {
			child_unpin(t, pfns, done);
			return rc;
		}
		done += n;
	}
	return 0;
}

static void *child_pinned_page(void *priv, uint64_t pfn)
{
	struct remote_task *t = priv;
	struct iommufd_mem m = pfn >= CHILD_REMOTE_PFN ?
				       iommufd_mem_remote_provider(t->mem) :
				       iommufd_mem_self();

	return m.ops->pinned_page(m.priv, pfn);
}

static const struct iommufd_mem_ops child_mem_ops = {
	.read = child_read,
	.write = child_write,
	.pin = child_pin,
	.unpin = child_unpin,
	.pinned_page = child_pinned_page,
};

#define MAX_CHILD_SOCKS 64
static int child_socks[MAX_CHILD_SOCKS];
static int nchild_socks;
static int fork_pair[2] = { -1, -1 };
/* atfork_parent pokes the server so it polls a new child's socket at once */
static int server_wake[2] = { -1, -1 };
static bool server_running;
static struct remote_task *remote_tasks;

/* In the child: one round trip to the parent's server */
static long remote_ioctl(struct pctx *pc, unsigned int cmd, void *arg)
{
	struct remote_req req = {
		.pctx = (uintptr_t)pc, .arg = (uintptr_t)arg, .cmd = cmd,
		.pid = getpid(),
	};
	int64_t rc;

	if (send(pc->remote_sock, &req, sizeof(req), 0) != sizeof(req) ||
	    recv(pc->remote_sock, &rc, sizeof(rc), 0) != sizeof(rc))
		return -EIO;	/* the parent is gone: nothing serves us */
	return (long)rc;
}

static struct remote_task *remote_task(pid_t pid, struct pctx *pc)
{
	struct remote_task *t;

	for (t = remote_tasks; t; t = t->next)
		if (t->pid == pid)
			break;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		t->mem = iommufd_mem_remote_new(pid);
		if (!t->mem) {
			free(t);
			return NULL;
		}
		t->pid = pid;
		t->next = remote_tasks;
		remote_tasks = t;
	}
	/* the child inherited the process's view: caps, limits, config */
	t->env = pc->env;
	t->env.mem = (struct iommufd_mem){ .ops = &child_mem_ops, .priv = t };
	t->env.acct = &t->acct;
	t->env.fd_ops = NULL;
	t->env.fail_nth = NULL;
	return t;
}

static int64_t serve(const struct remote_req *req)
{
	struct remote_task *t;
	struct pctx *pc;
	int64_t rc;

	pthread_mutex_lock(&lock);
	for (pc = contexts; pc && (uintptr_t)pc != req->pctx; pc = pc->next)
		;
	if (!pc || !pc->open || pc->remote_sock >= 0) {
		pthread_mutex_unlock(&lock);
		return -EBADF;
	}
	refresh_env(pc);
	t = remote_task(req->pid, pc);
	rc = t ? iommufd_ctx_ioctl_as(pc->ctx, &t->env, req->cmd, req->arg) :
		 -ENOMEM;
	check_model("a forked child's iommufd", req->cmd);
	pthread_mutex_unlock(&lock);
	return rc;
}

static void *server_main(void *unused)
{
	(void)unused;
	for (;;) {
		struct pollfd pfd[MAX_CHILD_SOCKS + 1];
		int n, i;
		char drain[16];

		pthread_mutex_lock(&lock);
		n = nchild_socks;
		for (i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = child_socks[i],
						  .events = POLLIN };
		pfd[n] = (struct pollfd){ .fd = server_wake[0], .events = POLLIN };
		pthread_mutex_unlock(&lock);
		if (poll(pfd, (nfds_t)n + 1, -1) < 0)
			continue;
		if (pfd[n].revents)
			while (real.read(server_wake[0], drain, sizeof(drain)) > 0)
				;
		for (i = 0; i < n; i++) {
			struct remote_req req;
			int64_t rc;

			if (!pfd[i].revents)
				continue;
			if (recv(pfd[i].fd, &req, sizeof(req), MSG_DONTWAIT) !=
			    sizeof(req)) {
				if (pfd[i].revents & (POLLHUP | POLLERR)) {
					/* that child has gone */
					pthread_mutex_lock(&lock);
					for (int j = 0; j < nchild_socks; j++)
						if (child_socks[j] == pfd[i].fd)
							child_socks[j] =
							child_socks[--nchild_socks];
					real.close(pfd[i].fd);
					pthread_mutex_unlock(&lock);
				}
				continue;
			}
			rc = serve(&req);
			send(pfd[i].fd, &rc, sizeof(rc), MSG_NOSIGNAL);
		}
	}
	return NULL;
}

/*
 * A fork in the middle of another thread's ioctl would hand the child a
 * model caught half way and a lock nobody will release. With a context
 * open, a socket pair is made for the child to reach the parent's model.
 */
static void atfork_prepare(void)
{
	bool local = false;

	pthread_mutex_lock(&lock);
	/* a grandchild keeps its parent's way to the model (one hop) */
	for (struct pctx *pc = contexts; pc; pc = pc->next)
		local |= pc->remote_sock < 0;
	fork_pair[0] = fork_pair[1] = -1;
	if (local && nchild_socks < MAX_CHILD_SOCKS &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fork_pair))
		fork_pair[0] = fork_pair[1] = -1;
}

static void atfork_parent(void)
{
	if (fork_pair[0] >= 0) {
		real.close(fork_pair[1]);
		child_socks[nchild_socks++] = fork_pair[0];
		if (!server_running &&
		    !pipe2(server_wake, O_CLOEXEC | O_NONBLOCK)) {
			pthread_t th;

			if (!pthread_create(&th, NULL, server_main, NULL)) {
				pthread_detach(th);
				server_running = true;
			} else {
				real.close(server_wake[0]);
				real.close(server_wake[1]);
			}
		}
		if (server_running) {
			/* a full pipe: the server is awake already */
			ssize_t w = real.write(server_wake[1], "", 1);

			(void)w;
		}
	}
	pthread_mutex_unlock(&lock);
}

/*
 * Not an unlock: the child's thread has a new TID, and a recursive mutex
 * refuses to be released by anyone but the TID that took it.
 */
static void atfork_child(void)
{
	pthread_mutexattr_t attr;

	/* copy_process(): a new task starts with fail_nth 0 */
	for (struct task_fail *t = tasks; t; t = t->next)
		t->fn.nth = 0;
	/* the parent's model is the real one: ours is only a copy */
	if (fork_pair[1] >= 0) {
		real.close(fork_pair[0]);
		for (struct pctx *pc = contexts; pc; pc = pc->next)
			if (pc->remote_sock < 0)
				pc->remote_sock = fork_pair[1];
	}
	/* the parent's server and its children are not ours */
	for (int i = 0; i < nchild_socks; i++)
		real.close(child_socks[i]);
	nchild_socks = 0;
	if (server_running) {
		real.close(server_wake[0]);
		real.close(server_wake[1]);
	}
	server_running = false;
	remote_tasks = NULL;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lock, &attr);
	pthread_mutexattr_destroy(&attr);
}

/*
 * IOMMUFD_SIM_KERNEL: read before the program runs, so that a typo
 * stops it at once instead of quietly modelling another kernel
 */
static void load_kernel(void)
{
	const char *s = getenv("IOMMUFD_SIM_KERNEL");
	const char *config = getenv("IOMMUFD_SIM_CONFIG");

	if (!s || !*s)
		return;
	if (iommufd_kernel_parse(s, &opt.kernel)) {
		fprintf(stderr, "libiommufd-preload: IOMMUFD_SIM_KERNEL='%s' "
				"is not '6.6', '6.8' or '6.12'; not running "
				"the program\n",
			s);
		_exit(2);
	}
	if (config && !strcmp(config, "next") &&
	    opt.kernel != IOMMUFD_KERNEL_6_12) {
		fprintf(stderr, "libiommufd-preload: IOMMUFD_SIM_CONFIG=next "
				"builds on 6.12, not IOMMUFD_SIM_KERNEL=%s; "
				"not running the program\n",
			s);
		_exit(2);
	}
}

__attribute__((constructor)) static void preload_init(void)
{
	init_real();
	load_machine();
	load_kernel();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

#include "syscall_family.h"
