// SPDX-License-Identifier: MIT
/*
 * libiommufd-record.so: write what a program does to iommufd and VFIO
 * files as a trace (docs/trace-format.md), without changing what it sees.
 *
 *   IOMMUFD_SIM_TRACE=out.jsonl LD_PRELOAD=libiommufd-record.so PROGRAM
 *   (or: iommufd-sim record -o out.jsonl [--model] -- PROGRAM)
 *
 * open() of /dev/iommu, /dev/vfio/vfio and /dev/vfio/devices/vfioN becomes an
 * "open" record with a handle that is never reused; dup, dup2, dup3,
 * fcntl(F_DUPFD*), close and close_range on those descriptors become
 * "dup" and "close" records; every ioctl on them becomes an "ioctl"
 * record with the struct bytes and the buffers behind its pointers as
 * they were before the call and as the call left them. Each call goes to
 * the next library (libc, or libiommufd-preload.so when stacked on the
 * model), so the program gets exactly the answers it would have got.
 *
 * IOMMUFD_SIM_TRACE names the trace; "%p" in it stands for the process
 * ID. The file is created at the first call worth recording, so a shell
 * or a make in front of the real program writes nothing. One trace is one
 * process (the format's rule): a forked child records nothing, and while
 * a process is recording into a file (it holds an flock on it), another
 * one does not write there (use %p for several processes).
 *
 * User memory is read with process_vm_readv() on our own pid: a bad
 * pointer the program hands the kernel is the kernel's EFAULT, and must
 * not become our SIGSEGV.
 *
 * read() and write() of a fault queue (from IOMMU_FAULT_QUEUE_ALLOC) are
 * "fault_read" and "fault_write" records.
 *
 * VFIO group files (/dev/vfio/N) are followed but are no file of the
 * format, so they are named by their number: open() becomes a "group_open"
 * record and the last close of the file "group_close";
 * VFIO_GROUP_SET_CONTAINER on a container of the trace becomes
 * "group_set_container", VFIO_GROUP_UNSET_CONTAINER
 * "group_unset_container", and VFIO_GROUP_GET_DEVICE_FD an "open" record
 * of the vfio-device file with the group's number.
 *
 * syscall() of these calls is recorded as the libc call would be
 * (sim/syscall_family.h): syzkaller's C reproducers make them that way.
 *
 * Not recorded: calls that bypass the libc entry points (raw system call
 * instructions, io_uring, fopen(), which opens inside libc; readv/pread
 * on fault files),
 * ioctls the VFS answers for every file (FIOCLEX, FIONBIO, ...),
 * VFIO_GROUP_GET_STATUS and other group requests iommufd never sees,
 * no-iommu group files (/dev/vfio/noiommu-N).
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <iommufd/model.h>
#include <iommufd/uapi.h>
#include <iommufd/uapi_vfio.h>

#include "options.h"
#include "structs.h"
#include "trace.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int __open_2(const char *path, int flags);
EXPORT int __open64_2(const char *path, int flags);
EXPORT int __openat_2(int dirfd, const char *path, int flags);
EXPORT int __openat64_2(int dirfd, const char *path, int flags);

/*
 * Struct bytes beyond this are not recorded (a test of the oversized
 * struct rule may pass megabytes); the format lets a producer stop early.
 */
#define STRUCT_MAX (1u << 20)
/* dirty bitmaps of terabytes would make traces of gigabytes */
#define BUF_MAX (16u << 20)
/* requests without a descriptor: a size found in the bytes is a guess */
#define UNKNOWN_MAX 4096u
/* out of the way of the low numbers programs expect to get from open() */
#define TRACE_FD_MIN 900

/* ------------------------------------------------------------ next */

static struct {
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*close_range)(unsigned int, unsigned int, int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	long (*syscall)(long, ...);
} next;

static pthread_once_t next_once = PTHREAD_ONCE_INIT;
/* the next ioctl is libiommufd-preload.so's: the "kernel" is the model */
static bool over_model;
/*
 * Over the model, the machine its device cdevs come from
 * (IOMMUFD_SIM_MACHINE): the header carries it, and vfioN is named after
 * its N-th device, so that replay can build the same machine
 */
static struct sim_machine model_machine;

static void *next_sym(const char *name, bool required)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p && required) {
		/* the program cannot run without libc's own entry point */
		fprintf(stderr, "libiommufd-record: no '%s' in libc\n", name);
		abort();
	}
	return p;
}

static void resolve_next(void)
{
	Dl_info info;

	next.openat = next_sym("openat", true);
	next.close = next_sym("close", true);
	/* glibc before 2.34 has none; then nobody can call ours either */
	next.close_range = next_sym("close_range", false);
	next.dup = next_sym("dup", true);
	next.dup2 = next_sym("dup2", true);
	next.dup3 = next_sym("dup3", true);
	next.fcntl = next_sym("fcntl", true);
	next.ioctl = next_sym("ioctl", true);
	next.read = next_sym("read", true);
	next.write = next_sym("write", true);
	next.syscall = next_sym("syscall", true);
	over_model = dladdr((void *)next.ioctl, &info) && info.dli_fname &&
		     strstr(info.dli_fname, "libiommufd-preload");
}

static void init_next(void)
{
	pthread_once(&next_once, resolve_next);
}

/* the next syscall(): this library's own one serves the program's calls */
static long next_syscall(long nr, long a0, long a1, long a2, long a3,
			 long a4, long a5)
{
	init_next();
	return next.syscall(nr, a0, a1, a2, a3, a4, a5);
}

/* ------------------------------------------------------------ state */

/*
 * One lock orders the records as the calls happened: it is held across
 * the real call of every recorded operation, so seq order is the order
 * the kernel saw (IDs and IOVAs depend on it).
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* set while this thread is inside the recorder: anything nested passes */
static __thread bool busy;

struct tfd {
	bool used;
	uint8_t kind; /* enum sim_fdkind, or TFD_GROUP */
	uint64_t handle; /* TFD_GROUP: the group's number */
};

/*
 * A VFIO group file (/dev/vfio/N): not a file of the format, so it has no
 * handle and its records name the group's number
 */
#define TFD_GROUP 0xff
/* one file per group (a second open is EBUSY); dups share it */
#define MAX_GROUPS 64

static struct tgroup {
	uint32_t id;
	unsigned int nfds; /* descriptors of the group's file */
} tgroups[MAX_GROUPS];
static unsigned int ntgroups;

static struct tfd *fds;
static int nfds;
static unsigned int ntracked; /* close() takes the lock only when > 0 */
static unsigned int nfault;   /* read() and write() look only when > 0 */

static enum { T_IDLE, T_ON, T_OFF } tstate;
static int trace_fd = -1;
static uint64_t next_seq = 1, next_handle = 1;
static struct sim_env last_env;

static struct tfd *lookup(int fd)
{
	return fd >= 0 && fd < nfds && fds[fd].used ? &fds[fd] : NULL;
}

static struct tgroup *tgroup(uint32_t id, bool add)
{
	for (unsigned int i = 0; i < ntgroups; i++)
		if (tgroups[i].id == id)
			return &tgroups[i];
	if (!add || ntgroups == MAX_GROUPS)
		return NULL;
	tgroups[ntgroups] = (struct tgroup){ .id = id };
	return &tgroups[ntgroups++];
}

static void untrack(int fd)
{
	if (lookup(fd)) {
		fds[fd].used = false;
		__atomic_sub_fetch(&ntracked, 1, __ATOMIC_RELAXED);
		if (fds[fd].kind == SIM_FD_FAULT)
			__atomic_sub_fetch(&nfault, 1, __ATOMIC_RELAXED);
	}
}

static bool track(int fd, uint8_t kind, uint64_t handle)
{
	if (fd < 0)
		return false;
	if (fd >= nfds) {
		int n = nfds ? nfds : 64;
		struct tfd *t;

		while (n <= fd)
			n *= 2;
		t = realloc(fds, (size_t)n * sizeof(*t));
		if (!t)
			return false;
		memset(t + nfds, 0, (size_t)(n - nfds) * sizeof(*t));
		fds = t;
		nfds = n;
	}
	if (fds[fd].used)
		untrack(fd);
	fds[fd] = (struct tfd){ true, kind, handle };
	__atomic_add_fetch(&ntracked, 1, __ATOMIC_RELAXED);
	if (kind == SIM_FD_FAULT)
		__atomic_add_fetch(&nfault, 1, __ATOMIC_RELAXED);
	return true;
}

/* ------------------------------------------------------------ user memory */

static int probe_pipe[2] = { -1, -1 };

/*
 * Where process_vm_readv() is refused (a seccomp filter), a pipe does the
 * same job: write() of a bad address is EFAULT from the kernel too.
 */
static size_t read_via_pipe(uint64_t addr, void *dst, size_t len)
{
	size_t done = 0;

	if (probe_pipe[0] < 0 && pipe2(probe_pipe, O_CLOEXEC | O_NONBLOCK))
		return 0;
	while (done < len) {
		size_t chunk = len - done < 4096 ? len - done : 4096;
		ssize_t w = next.write(probe_pipe[1],
				       (const void *)(uintptr_t)(addr + done),
				       chunk);
		ssize_t r;

		if (w <= 0)
			break;
		r = next.read(probe_pipe[0], (char *)dst + done, (size_t)w);
		if (r != w)
			break;
		done += (size_t)w;
		if ((size_t)w < chunk)
			break;
	}
	return done;
}

/* How many of the @len bytes at @addr could be read: a prefix */
static size_t user_read(uint64_t addr, void *dst, size_t len)
{
	static bool no_vm_readv;
	size_t done = 0;

	if (!len || addr + len < addr)
		return 0;
	while (!no_vm_readv && done < len) {
		struct iovec local = { (char *)dst + done, len - done };
		struct iovec remote = { (void *)(uintptr_t)(addr + done),
					len - done };
		ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == ENOSYS || errno == EPERM))
			no_vm_readv = true;
		else
			return done;
	}
	if (no_vm_readv)
		done += read_via_pipe(addr + done, (char *)dst + done, len - done);
	return done;
}

/* The bytes at @addr into a new image; false when none could be read */
static bool capture(struct sim_image *img, uint64_t addr, size_t len)
{
	uint8_t *d = malloc(len + 1);
	size_t n;

	if (!d)
		return false;
	n = user_read(addr, d, len);
	if (!n) {
		free(d);
		return false;
	}
	img->data = d;
	img->len = n;
	img->known = NULL;
	img->present = true;
	return true;
}

/* ------------------------------------------------------------ the task */

/*
 * What the kernel consults at each call. Over the model, the variables
 * that override the model's view (sim/preload/preload.c) are that view,
 * and a replay must see the same.
 */
static struct sim_env task_env(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };
	struct sim_env env = { .has_caps = true, .has_rlimit = true };
	const char *s;
	struct rlimit r;

	if (!next_syscall(SYS_capget, (long)&hdr, (long)data, 0, 0, 0, 0)) {
		if (data[0].effective & (1u << CAP_IPC_LOCK))
			env.caps |= IOMMUFD_CAP_IPC_LOCK;
		if (data[0].effective & (1u << CAP_SYS_RESOURCE))
			env.caps |= IOMMUFD_CAP_SYS_RESOURCE;
		if (data[0].effective & (1u << CAP_SYS_RAWIO))
			env.caps |= IOMMUFD_CAP_SYS_RAWIO;
	}
	if (getrlimit(RLIMIT_MEMLOCK, &r) || r.rlim_cur == RLIM_INFINITY)
		env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	else
		env.rlimit_memlock = r.rlim_cur;
	if (over_model) {
		uint32_t caps;
		uint64_t ml;

		s = getenv("IOMMUFD_SIM_CAPS");
		if (s && sim_parse_caps(s, &caps))
			env.caps = caps;
		s = getenv("IOMMUFD_SIM_MEMLOCK");
		if (s && sim_parse_size(s, &ml))
			env.rlimit_memlock = ml;
	}
	return env;
}

/* ------------------------------------------------------------ the trace */

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = next.write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * One record per write(): what reached the file is whole lines, and a
 * crash of the program right after keeps them.
 */
static void emit(const struct sim_record *rec, const struct sim_header *hdr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc;

	if (!m)
		return;
	rc = hdr ? sim_write_header(m, hdr) : sim_write_record(m, rec);
	if (fclose(m) || rc || write_all(trace_fd, buf, len)) {
		/* a trace with a hole would replay as a different program */
		fprintf(stderr, "libiommufd-record: cannot write the trace; "
				"recording stops\n");
		tstate = T_OFF;
	}
	free(buf);
}

/* "%p" is the pid; "%%" a percent sign */
static char *trace_path(const char *pat)
{
	size_t cap = strlen(pat) + 64, o = 0;
	char *p = malloc(cap);

	if (!p)
		return NULL;
	for (const char *s = pat; *s && o + 24 < cap; s++) {
		if (s[0] == '%' && s[1] == 'p') {
			o += (size_t)snprintf(p + o, cap - o, "%ld",
					      (long)getpid());
			s++;
		} else if (s[0] == '%' && s[1] == '%') {
			p[o++] = '%';
			s++;
		} else {
			p[o++] = *s;
		}
	}
	p[o] = 0;
	return p;
}

/* The trace exists from the first call worth recording on; lock held */
static bool tracing(void)
{
	const char *pat;
	char *path;
	struct sim_header hdr = { .version = SIM_TRACE_VERSION };
	struct utsname u;
	const char *model_kernel;
	int fd;

	if (tstate != T_IDLE)
		return tstate == T_ON;
	tstate = T_OFF;
	pat = getenv("IOMMUFD_SIM_TRACE");
	if (!pat || !*pat)
		return false;
	path = trace_path(pat);
	if (!path)
		return false;
	fd = next.openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "libiommufd-record: %s: %s\n", path,
			strerror(errno));
		free(path);
		return false;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "libiommufd-record: %s is being written by "
				"another process; process %ld records nothing "
				"(put %%p in IOMMUFD_SIM_TRACE for a trace per "
				"process)\n", path, (long)getpid());
		next.close(fd);
		free(path);
		return false;
	}
	free(path);
	if (ftruncate(fd, 0)) {
		next.close(fd);
		return false;
	}
	trace_fd = next.fcntl(fd, F_DUPFD_CLOEXEC, TRACE_FD_MIN);
	if (trace_fd < 0)
		trace_fd = fd;
	else
		next.close(fd);

	/* over the model, the release it answers as (the preload library
	 * has refused the program already if the variable is not one) */
	model_kernel = getenv("IOMMUFD_SIM_KERNEL");
	if (!model_kernel || !*model_kernel)
		model_kernel = "6.12";
	snprintf(hdr.kernel, sizeof(hdr.kernel), "%.63s",
		 over_model ? model_kernel :
		 uname(&u)  ? "6.12" :
			      u.release);
	snprintf(hdr.producer, sizeof(hdr.producer),
		 "libiommufd-record %s%s", IOMMUFD_MODEL_VERSION,
		 over_model ? " over libiommufd-preload" : "");
	hdr.env = last_env = task_env();
	/* the preload library has refused the program already if it is bad */
	if (over_model && getenv("IOMMUFD_SIM_MACHINE") &&
	    *getenv("IOMMUFD_SIM_MACHINE")) {
		struct sim_err err;

		if (!sim_machine_read(getenv("IOMMUFD_SIM_MACHINE"),
				      &model_machine, &err))
			hdr.machine = model_machine;
	}
	/*
	 * over the model, how its "kernel" is built (IOMMUFD_SIM_CONFIG,
	 * "test" by default): replay answers IOMMU_TEST_CMD only with it
	 */
	if (over_model) {
		unsigned int config;

		sim_parse_config(getenv("IOMMUFD_SIM_CONFIG"), &config);
		if (config) {
			hdr.machine.present = true;
			hdr.machine.config |= config;
		}
	}
	tstate = T_ON;
	emit(NULL, &hdr);
	return tstate == T_ON;
}

static void rec_fd(struct sim_fdref *ref, const struct tfd *t, int num)
{
	ref->kind = t->kind;
	ref->handle = t->handle;
	ref->has_num = num >= 0;
	ref->num = num;
}

/* A record of @kind, next in the trace's order */
static void start_record(struct sim_record *rec, enum sim_rec_kind kind)
{
	sim_record_init(rec);
	rec->seq = next_seq++;
	rec->kind = kind;
}

static void set_result(struct sim_record *rec, long ret, int err)
{
	rec->has_ret = true;
	rec->ret = ret < 0 ? -1 : ret;
	rec->has_errno = ret < 0;
	rec->err = err;
}

static void write_close(const struct tfd *t, int fd, int rc, int err)
{
	struct sim_record rec;

	start_record(&rec, SIM_REC_CLOSE);
	rec.has_fd = true;
	rec_fd(&rec.fd, t, fd);
	set_result(&rec, rc, err);
	emit(&rec, NULL);
}

/* group_open, group_close, group_unset_container */
static void write_group(enum sim_rec_kind kind, uint32_t id, long rc, int err)
{
	struct sim_record rec;

	start_record(&rec, kind);
	rec.has_group = true;
	rec.group = id;
	set_result(&rec, rc, err);
	emit(&rec, NULL);
}

/*
 * A descriptor of a group file went away: with the file's last one the
 * group is released (vfio_group_fops_release(), which also lets go of
 * the container)
 */
static void group_gone(const struct tfd *t)
{
	struct tgroup *g = tgroup((uint32_t)t->handle, false);

	if (!g || --g->nfds)
		return;
	if (tstate == T_ON)
		write_group(SIM_REC_GROUP_CLOSE, g->id, 0, 0);
}

/* @fd's descriptor is gone (closed, or replaced by dup2); lock held */
static void gone(int fd, int rc, int err)
{
	struct tfd *t = lookup(fd);

	if (!t)
		return;
	if (t->kind == TFD_GROUP)
		group_gone(t);
	else if (tstate == T_ON)
		write_close(t, fd, rc, err);
	untrack(fd);
}

/* @newfd is a copy of @oldfd, a tracked descriptor; lock held */
static void write_dup(int oldfd, int newfd)
{
	struct tfd *t = lookup(oldfd), copy;
	struct sim_record rec;

	if (!t || newfd < 0 || newfd == oldfd)
		return;
	if (t->kind == TFD_GROUP) {
		struct tgroup *g = tgroup((uint32_t)t->handle, false);

		if (g && track(newfd, TFD_GROUP, t->handle))
			g->nfds++;
		return;
	}
	copy = (struct tfd){ true, t->kind, next_handle++ };
	if (tstate == T_ON) {
		start_record(&rec, SIM_REC_DUP);
		rec.has_fd = true;
		rec_fd(&rec.fd, t, oldfd);
		rec.has_new_fd = true;
		rec_fd(&rec.new_fd, &copy, newfd);
		set_result(&rec, newfd, 0);
		emit(&rec, NULL);
	}
	track(newfd, copy.kind, copy.handle);
}

/* ------------------------------------------------------------ open */

/* -1: not ours; else the file kind */
static int path_kind(const char *path)
{
	if (!strcmp(path, "/dev/iommu"))
		return SIM_FD_IOMMUFD;
	if (!strcmp(path, "/dev/vfio/vfio"))
		return SIM_FD_VFIO_CONTAINER;
	if (!strncmp(path, "/dev/vfio/devices/", 18) && path[18])
		return SIM_FD_VFIO_DEVICE;
	/* group N's file; noiommu-N groups are not followed */
	if (!strncmp(path, "/dev/vfio/", 10) && path[10] &&
	    strspn(path + 10, "0123456789") == strlen(path + 10))
		return TFD_GROUP;
	return -1;
}

/*
 * A relative path or a symlink can name the same device: the kernel's
 * name for what was opened settles it. Only for names that could be one,
 * so that the program's other opens cost nothing extra.
 */
static int opened_kind(int dirfd, const char *path, int fd, char *canon,
		       size_t len)
{
	char link[64];
	ssize_t n;
	int k;

	if (!path)
		return -1;
	k = path[0] == '/' || dirfd == AT_FDCWD ? path_kind(path) : -1;
	if (k >= 0 || fd < 0 || (!strstr(path, "iommu") && !strstr(path, "vfio")))
		return k;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, canon, len - 1);
	if (n <= 0)
		return -1;
	canon[n] = 0;
	return path_kind(canon);
}

/* The PCI name of a VFIO cdev, from sysfs: "0000:01:00.0" */
static char *device_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char link[288], target[256];
	ssize_t n;
	const char *name;

	if (!base || !base[1])
		return NULL;
	if (model_machine.present) {
		char *end = NULL;
		long idx = -1;

		if (!strncmp(base + 1, "vfio", 4) && base[5] >= '0' &&
		    base[5] <= '9')
			idx = strtol(base + 5, &end, 10);
		return idx >= 0 && idx < (long)model_machine.ndevs && !*end ?
			       strdup(model_machine.devs[idx].name) :
			       NULL;
	}
	snprintf(link, sizeof(link), "/sys/class/vfio-dev/%s/device", base + 1);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = 0;
	name = strrchr(target, '/');
	return strdup(name ? name + 1 : target);
}

/*
 * The path, if it is a string we can read: a bad pointer is the kernel's
 * EFAULT to give, and looking at it must not crash us first.
 */
static bool copy_path(const char *path, char *dst, size_t len)
{
	size_t n = user_read((uint64_t)(uintptr_t)path, dst, len);

	return memchr(dst, 0, n) != NULL;
}

static int do_openat(int dirfd, const char *upath, int flags, mode_t mode)
{
	struct sim_record rec;
	char canon[256], path[PATH_MAX];
	int fd, err, kind;
	struct tfd t;

	init_next();
	if (busy || !copy_path(upath, path, sizeof(path)) ||
	    (!strstr(path, "iommu") && !strstr(path, "vfio")))
		return next.openat(dirfd, upath, flags, mode);

	busy = true;
	pthread_mutex_lock(&lock);
	fd = next.openat(dirfd, upath, flags, mode);
	err = errno;
	canon[0] = 0;
	kind = opened_kind(dirfd, path, fd, canon, sizeof(canon));
	if (kind == TFD_GROUP && tracing()) {
		const char *p = (canon[0] ? canon : path) + 10;
		unsigned long id = strtoul(p, NULL, 10);
		struct tgroup *g = NULL;

		/*
		 * Only a group's own name ("07" is no group's); one we cannot
		 * follow is left alone, unrecorded
		 */
		if (p[0] != '0' && strlen(p) <= 10 && id <= UINT32_MAX &&
		    (fd < 0 || (g = tgroup((uint32_t)id, true)))) {
			write_group(SIM_REC_GROUP_OPEN, (uint32_t)id, fd, err);
			if (g && track(fd, TFD_GROUP, id))
				g->nfds++;
		}
	} else if (kind >= 0 && kind != TFD_GROUP && tracing()) {
		t = (struct tfd){ true, (uint8_t)kind, next_handle++ };
		start_record(&rec, SIM_REC_OPEN);
		rec.has_fd = true;
		rec_fd(&rec.fd, &t, fd);
		rec.path = strdup(canon[0] ? canon : path);
		if (kind == SIM_FD_VFIO_DEVICE && fd >= 0)
			rec.device = device_name(rec.path ? rec.path : path);
		set_result(&rec, fd, err);
		emit(&rec, NULL);
		sim_record_clear(&rec);
		if (fd >= 0)
			track(fd, t.kind, t.handle);
	}
	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
	return fd;
}

#include "open_family.h"

/* ------------------------------------------------------------ close, dup */

static bool any_tracked(void)
{
	return __atomic_load_n(&ntracked, __ATOMIC_RELAXED) != 0;
}

EXPORT int close(int fd)
{
	int rc, err;

	init_next();
	if (busy || !any_tracked())
		return next.close(fd);
	busy = true;
	pthread_mutex_lock(&lock);
	if (!lookup(fd)) {
		/* a socket's close may linger: not under the lock */
		pthread_mutex_unlock(&lock);
		busy = false;
		return next.close(fd);
	}
	rc = next.close(fd);
	err = errno;
	/* Linux frees the descriptor even when close() reports an error */
	gone(fd, rc, err);
	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
	return rc;
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	int rc, err;

	init_next();
	if (!next.close_range) {
		errno = ENOSYS;
		return -1;
	}
	if (busy || !any_tracked())
		return next.close_range(first, last, flags);
	busy = true;
	pthread_mutex_lock(&lock);
	rc = next.close_range(first, last, flags);
	err = errno;
	if (!rc && !(flags & CLOSE_RANGE_CLOEXEC))
		for (int fd = (int)first; fd >= 0 && fd < nfds &&
					  (unsigned int)fd <= last; fd++)
			gone(fd, 0, 0);
	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
	return rc;
}

EXPORT int dup(int oldfd)
{
	int fd, err;

	init_next();
	if (busy || !any_tracked())
		return next.dup(oldfd);
	busy = true;
	pthread_mutex_lock(&lock);
	fd = next.dup(oldfd);
	err = errno;
	write_dup(oldfd, fd);
	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
	return fd;
}

static int do_dup3(int oldfd, int newfd, int flags, bool is_dup2)
{
	int fd, err;

	init_next();
	if (busy || !any_tracked())
		return is_dup2 ? next.dup2(oldfd, newfd) :
				 next.dup3(oldfd, newfd, flags);
	busy = true;
	pthread_mutex_lock(&lock);
	fd = is_dup2 ? next.dup2(oldfd, newfd) : next.dup3(oldfd, newfd, flags);
	err = errno;
	if (fd >= 0 && oldfd != newfd) {
		/* the kernel closed what @newfd was: that is a close */
		gone(newfd, 0, 0);
		write_dup(oldfd, newfd);
	}
	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
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
	int rc, err;

	init_next();
	if ((cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) || busy ||
	    !any_tracked())
		return next.fcntl(fd, cmd, arg);
	busy = true;
	pthread_mutex_lock(&lock);
	rc = next.fcntl(fd, cmd, arg);
	err = errno;
	write_dup(fd, rc);
	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
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

/* Answered by the VFS for every file: the driver never sees them */
static bool vfs_ioctl(unsigned long req)
{
	return req == FIOCLEX || req == FIONCLEX || req == FIONBIO ||
	       req == FIOASYNC || req == FIOQSIZE;
}

/* The struct's byte count as the caller declared it, or 0 when unreadable */
static size_t declared_size(const struct sim_ioctl *ioc, unsigned int cmd,
			    uint64_t arg)
{
	uint32_t sz;

	if (ioc && ioc->st) {
		if (user_read(arg, &sz, 4) != 4)
			return 0;
		/* the kernel reads the size field itself in any case */
		sz = sz < 4 ? 4 : sz;
		return sz > STRUCT_MAX ? STRUCT_MAX : sz;
	}
	if (ioc)
		return 0; /* a value request */
	if (_IOC_SIZE(cmd))
		return _IOC_SIZE(cmd);
	/* iommufd and VFIO requests all begin with their size or argsz */
	if (_IOC_TYPE(cmd) == IOMMUFD_TYPE && user_read(arg, &sz, 4) == 4 &&
	    sz >= 4 && sz <= UNKNOWN_MAX)
		return sz;
	return 0;
}

/* in_buffers: the content before the call of every buffer that exists */
static void capture_in_bufs(struct sim_record *rec, const struct sim_struct *st)
{
	for (unsigned int i = 0; i < st->nbufs && rec->n_in_bufs < SIM_MAX_BUFS;
	     i++) {
		const struct sim_buf *b = &st->bufs[i];
		struct sim_tbuf *tb = &rec->in_bufs[rec->n_in_bufs];
		uint64_t addr, blen;

		/*
		 * Output-only buffers too: the bytes the kernel leaves alone
		 * are then known, and replay starts from them.
		 */
		if (!sim_buf_locate(st, b, rec->in.data, rec->in.len, &addr,
				    &blen) || !blen)
			continue;
		if (!capture(&tb->img, addr, blen > BUF_MAX ? BUF_MAX : blen))
			continue;
		tb->desc = b;
		tb->addr = addr;
		rec->n_in_bufs++;
	}
}

static void capture_out_bufs(struct sim_record *rec)
{
	for (unsigned int i = 0; i < rec->n_in_bufs; i++) {
		const struct sim_tbuf *in = &rec->in_bufs[i];
		struct sim_tbuf *tb = &rec->out_bufs[rec->n_out_bufs];

		if (!(in->desc->dir & SIM_BUF_OUT) ||
		    !capture(&tb->img, in->addr, in->img.len))
			continue;
		tb->desc = in->desc;
		tb->addr = in->addr;
		rec->n_out_bufs++;
	}
}

/* The kernel reads the task at every call; so must the replay */
static void write_env_change(void)
{
	struct sim_env env = task_env();
	struct sim_record rec;

	if (env.caps == last_env.caps &&
	    env.rlimit_memlock == last_env.rlimit_memlock)
		return;
	start_record(&rec, SIM_REC_ENV);
	rec.env = env;
	emit(&rec, NULL);
	last_env = env;
}

/* A new file from the request (a fault queue), known by its fd number */
static void new_file(struct sim_record *rec)
{
	uint64_t num;
	struct tfd t;

	if (rec->cmd != IOMMU_FAULT_QUEUE_ALLOC || rec->ret != 0 ||
	    !rec->out.present ||
	    !sim_struct_get(rec->ioc->st, "out_fault_fd", rec->out.data,
			    rec->out.len, &num) ||
	    num > INT32_MAX)
		return;
	t = (struct tfd){ true, SIM_FD_FAULT, next_handle++ };
	rec->has_new_fd = true;
	rec_fd(&rec->new_fd, &t, (int)num);
	/* a number we cannot track would still be in the trace: no harm */
	track((int)num, t.kind, t.handle);
}

/*
 * VFIO_GROUP_SET_CONTAINER: a group_set_container record when the
 * container is a file of the trace (else there is nothing iommufd sees)
 */
static int group_set_container(int fd, struct tgroup *g, void *arg)
{
	struct sim_record rec;
	struct tfd *ct;
	int32_t cfd;
	int rc, err;

	ct = user_read((uint64_t)(uintptr_t)arg, &cfd, sizeof(cfd)) ==
			     sizeof(cfd) ?
		     lookup(cfd) :
		     NULL;
	if (ct && ct->kind != SIM_FD_IOMMUFD &&
	    ct->kind != SIM_FD_VFIO_CONTAINER)
		ct = NULL;
	rc = next.ioctl(fd, VFIO_GROUP_SET_CONTAINER, arg);
	err = errno;
	if (ct) {
		start_record(&rec, SIM_REC_GROUP_SET_CONTAINER);
		rec.has_fd = true;
		rec_fd(&rec.fd, ct, cfd);
		rec.has_group = true;
		rec.group = g->id;
		set_result(&rec, rc, err);
		emit(&rec, NULL);
	}
	errno = err;
	return rc;
}

/*
 * VFIO_GROUP_GET_DEVICE_FD: the new device file is an "open" record with
 * the group's number, so that replay opens it the group's way. A failure
 * is recorded when replay can tell the device (not for a name the
 * machine does not have, nor for EFAULT, which replay cannot reproduce).
 */
static int group_get_device_fd(int fd, struct tgroup *g, void *arg)
{
	struct sim_record rec;
	char name[4096];
	size_t n = user_read((uint64_t)(uintptr_t)arg, name, sizeof(name));
	bool named = memchr(name, 0, n) != NULL;
	int rc, err;
	struct tfd t;

	rc = next.ioctl(fd, VFIO_GROUP_GET_DEVICE_FD, arg);
	err = errno;
	if (!named || (rc < 0 && (err == EFAULT ||
				  (model_machine.present &&
				   sim_machine_dev(&model_machine, name) < 0)))) {
		errno = err;
		return rc;
	}
	t = (struct tfd){ true, SIM_FD_VFIO_DEVICE, next_handle++ };
	start_record(&rec, SIM_REC_OPEN);
	rec.has_fd = true;
	rec_fd(&rec.fd, &t, rc);
	rec.device = strdup(name);
	rec.has_group = true;
	rec.group = g->id;
	set_result(&rec, rc, err);
	emit(&rec, NULL);
	sim_record_clear(&rec);
	if (rc >= 0)
		track(rc, t.kind, t.handle);
	errno = err;
	return rc;
}

/* A request on a group file; lock held */
static int group_ioctl(int fd, uint32_t id, uint32_t cmd, void *arg)
{
	struct tgroup *g = tgroup(id, false);
	int rc, err;

	if (!g)
		return next.ioctl(fd, cmd, arg);
	switch (cmd) {
	case VFIO_GROUP_SET_CONTAINER:
		return group_set_container(fd, g, arg);
	case VFIO_GROUP_GET_DEVICE_FD:
		return group_get_device_fd(fd, g, arg);
	case VFIO_GROUP_UNSET_CONTAINER:
		rc = next.ioctl(fd, cmd, arg);
		err = errno;
		write_group(SIM_REC_GROUP_UNSET_CONTAINER, id, rc, err);
		errno = err;
		return rc;
	default:
		/* GET_STATUS and the rest: nothing iommufd sees */
		return next.ioctl(fd, cmd, arg);
	}
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	const struct sim_ioctl *ioc;
	struct sim_record rec;
	struct tfd *t;
	va_list ap;
	void *arg;
	size_t len;
	int rc, err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	init_next();
	if (busy || !any_tracked() || vfs_ioctl(req))
		return next.ioctl(fd, req, arg);

	busy = true;
	pthread_mutex_lock(&lock);
	t = lookup(fd);
	/* fault files have no ioctls worth a record (the kernel's ENOTTY) */
	if (!t || t->kind == SIM_FD_FAULT || tstate != T_ON) {
		pthread_mutex_unlock(&lock);
		busy = false;
		return next.ioctl(fd, req, arg);
	}
	write_env_change();
	if (t->kind == TFD_GROUP) {
		rc = group_ioctl(fd, (uint32_t)t->handle, (uint32_t)req, arg);
		err = errno;
		pthread_mutex_unlock(&lock);
		busy = false;
		errno = err;
		return rc;
	}

	start_record(&rec, SIM_REC_IOCTL);
	rec.has_fd = true;
	rec_fd(&rec.fd, t, fd);
	/* the kernel's cmd is an unsigned int: the upper bits are dropped */
	rec.cmd = (uint32_t)req;
	ioc = rec.ioc = sim_ioctl_by_cmd(rec.cmd);
	rec.has_arg = !ioc || ioc->arg != SIM_ARG_NONE;
	rec.arg = (uint64_t)(uintptr_t)arg;
	len = declared_size(ioc, rec.cmd, rec.arg);
	if (len && capture(&rec.in, rec.arg, len) && ioc && ioc->st)
		capture_in_bufs(&rec, ioc->st);

	rc = next.ioctl(fd, req, arg);
	err = errno;

	set_result(&rec, rc, err);
	if (rec.in.present)
		capture(&rec.out, rec.arg, rec.in.len);
	/* a struct that shrank under us (another thread's munmap) is no out */
	if (rec.out.present && rec.out.len != rec.in.len) {
		free(rec.out.data);
		memset(&rec.out, 0, sizeof(rec.out));
	}
	capture_out_bufs(&rec);
	new_file(&rec);
	emit(&rec, NULL);
	sim_record_clear(&rec);

	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
	return rc;
}

/* ------------------------------------------------------------ fault files */

/* the reader's bound on "count" */
#define FAULT_IO_MAX (1u << 24)

/*
 * read() and write() of a fault queue: the page faults the kernel hands
 * out and the responses it is given. Neither blocks in 6.12, so the lock
 * is held across the call like for an ioctl.
 */
static ssize_t fault_rw(int fd, void *buf, size_t count, bool is_write)
{
	struct sim_record rec;
	struct tfd *t;
	ssize_t rc;
	size_t cap = count > FAULT_IO_MAX ? FAULT_IO_MAX : count;
	int err;

	busy = true;
	pthread_mutex_lock(&lock);
	t = lookup(fd);
	if (!t || t->kind != SIM_FD_FAULT || tstate != T_ON) {
		pthread_mutex_unlock(&lock);
		busy = false;
		return is_write ? next.write(fd, buf, count) :
				  next.read(fd, buf, count);
	}
	start_record(&rec,
		     is_write ? SIM_REC_FAULT_WRITE : SIM_REC_FAULT_READ);
	rec.has_fd = true;
	rec_fd(&rec.fd, t, fd);
	rec.has_count = true;
	rec.count = cap;
	rec.has_buf = true;
	rec.buf = (uint64_t)(uintptr_t)buf;
	if (is_write)
		capture(&rec.data, rec.buf, cap);
	rc = is_write ? next.write(fd, buf, count) : next.read(fd, buf, count);
	err = errno;
	set_result(&rec, rc, err);
	if (!is_write && rc > 0)
		capture(&rec.data, rec.buf, (size_t)rc > cap ? cap : (size_t)rc);
	emit(&rec, NULL);
	sim_record_clear(&rec);
	pthread_mutex_unlock(&lock);
	busy = false;
	errno = err;
	return rc;
}

EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	init_next();
	if (busy || !__atomic_load_n(&nfault, __ATOMIC_RELAXED))
		return next.read(fd, buf, count);
	return fault_rw(fd, buf, count, false);
}

EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	init_next();
	if (busy || !__atomic_load_n(&nfault, __ATOMIC_RELAXED))
		return next.write(fd, buf, count);
	return fault_rw(fd, (void *)buf, count, true);
}

/* ------------------------------------------------------------ fork */

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

/*
 * A trace is one process: the child's calls on the shared files would
 * interleave with the parent's under handles the parent also uses.
 */
static void atfork_child(void)
{
	pthread_mutex_init(&lock, NULL);
	if (tstate == T_ON)
		next.close(trace_fd);
	trace_fd = -1;
	tstate = T_OFF;
}

__attribute__((constructor)) static void record_init(void)
{
	init_next();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

#include "syscall_family.h"
