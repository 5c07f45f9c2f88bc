// SPDX-License-Identifier: MIT
/*
 * iommufd-sim convert-qemu (sim/qemu.c): every QEMU iommufd event the
 * converter maps and the record it becomes (read back through the trace
 * reader, so the output is a valid trace), the events it skips, the log
 * prefixes, the lines it ignores, each malformed-line error, the command's
 * all-or-nothing output, and the bundled sample log replayed without a
 * divergence.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iommufd/platform.h>
#include <iommufd/uapi.h>

#include "qemu.h"
#include "replay.h"
#include "structs.h"
#include "trace.h"

#define MAXREC 64

struct conv {
	int rc;
	char *text; /* the trace written */
	size_t len;
	struct sim_qemu_stats st;
	struct sim_err err;
	struct sim_header hdr;
	struct sim_record rec[MAXREC];
	unsigned int n;
};

static const struct sim_qemu_opts vtd = { .iommu = IOMMUFD_IOMMU_INTEL_VTD };

/* Converts @log; on success reads the trace back with the trace reader */
static struct conv *convert(const char *log)
{
	struct conv *c = calloc(1, sizeof(*c));
	FILE *in, *out, *back;
	struct sim_reader *r;
	struct sim_err err;
	int got;

	cr_assert_not_null(c);
	in = fmemopen((void *)log, strlen(log), "r");
	cr_assert_not_null(in);
	out = open_memstream(&c->text, &c->len);
	cr_assert_not_null(out);
	c->rc = sim_qemu_convert(in, "qemu.log", out, &vtd, &c->st, &c->err);
	fclose(in);
	fclose(out);
	if (c->rc)
		return c;
	back = fmemopen(c->text, c->len, "r");
	cr_assert_not_null(back);
	r = sim_reader_new(back, "converted");
	cr_assert_not_null(r);
	cr_assert_eq(sim_reader_header(r, &c->hdr, &err), 0, "%s", err.msg);
	for (;;) {
		cr_assert_lt(c->n, MAXREC);
		sim_record_init(&c->rec[c->n]);
		got = sim_reader_next(r, &c->rec[c->n], &err);
		cr_assert_geq(got, 0, "converted trace unreadable: %s", err.msg);
		if (!got)
			break;
		c->n++;
	}
	sim_reader_free(r);
	fclose(back);
	return c;
}

static void conv_free(struct conv *c)
{
	for (unsigned int i = 0; i <= c->n && i < MAXREC; i++)
		sim_record_clear(&c->rec[i]);
	free(c->text);
	free(c);
}

static struct conv *convert_ok(const char *log)
{
	struct conv *c = convert(log);

	cr_assert_eq(c->rc, 0, "conversion failed: %s", c->err.msg);
	return c;
}

/* The input field @name of ioctl record @r */
static uint64_t in_field(const struct sim_record *r, const char *name)
{
	uint64_t v = 0;

	cr_assert(r->in.present);
	cr_assert(sim_struct_get(r->ioc->st, name, r->in.data, r->in.len, &v),
		  "no input field %s", name);
	return v;
}

/* The output field @name, which must be recorded */
static uint64_t out_field(const struct sim_record *r, const char *name)
{
	const struct sim_field *f = sim_field_by_name(r->ioc->st, name);
	uint64_t v = 0;

	cr_assert_not_null(f);
	cr_assert(r->out.present, "no out struct");
	for (uint32_t i = 0; i < f->size; i++)
		cr_assert(sim_image_known(&r->out, f->offset + i),
			  "out.%s is not recorded", name);
	cr_assert(sim_field_get(f, r->out.data, r->out.len, &v));
	return v;
}

/* No output byte is an expectation */
static void no_out(const struct sim_record *r)
{
	cr_assert(!r->out.present, "out is recorded");
	cr_assert_eq(r->n_out_bufs, 0);
}

static const struct sim_record *ioctl_rec(const struct conv *c, unsigned int i,
					  const char *name)
{
	cr_assert_lt(i, c->n, "record %u of %u", i, c->n);
	cr_assert_eq(c->rec[i].kind, SIM_REC_IOCTL);
	cr_assert_not_null(c->rec[i].ioc);
	cr_assert_str_eq(c->rec[i].ioc->name, name);
	return &c->rec[i];
}

static void ret_is(const struct sim_record *r, int64_t ret, int err)
{
	cr_assert(r->has_ret);
	cr_assert_eq(r->ret, ret);
	if (err) {
		cr_assert(r->has_errno);
		cr_assert_eq(r->err, err);
	} else {
		cr_assert(!r->has_errno, "errno %d recorded", r->err);
	}
}

static bool skipped_for(const struct conv *c, const char *what)
{
	for (unsigned int i = 0; i < c->st.nskip; i++)
		if (strstr(c->st.skip[i].what, what))
			return true;
	return false;
}

#define CONNECT "iommufd_backend_connect fd=5 owned=1 users=1\n"

/* ------------------------------------------------------------ files */

Test(qemu, connect_opens_iommufd_both_formats)
{
	/* 9.1 and later: no result; 8.2 - 9.0: "(ret)" */
	const char *logs[] = { CONNECT,
			       "iommufd_backend_connect fd=5 owned=1 users=1 "
			       "(0)\n" };

	for (int i = 0; i < 2; i++) {
		struct conv *c = convert_ok(logs[i]);

		cr_assert_eq(c->n, 1);
		cr_assert_eq(c->rec[0].kind, SIM_REC_OPEN);
		cr_assert_eq(c->rec[0].fd.kind, SIM_FD_IOMMUFD);
		cr_assert(c->rec[0].fd.has_num);
		cr_assert_eq(c->rec[0].fd.num, 5);
		cr_assert_str_eq(c->rec[0].path, "/dev/iommu");
		cr_assert_eq(c->rec[0].ret, 5);
		/* no device: no machine */
		cr_assert(!c->hdr.machine.present);
		cr_assert_str_eq(c->hdr.kernel, "6.12");
		conv_free(c);
	}
}

Test(qemu, failed_connect_opens_nothing)
{
	struct conv *c = convert_ok("iommufd_backend_connect fd=-1 owned=1 "
				    "users=0 (-1)\n");

	cr_assert_eq(c->n, 0);
	cr_assert_eq(c->st.skipped, 1);
	cr_assert(skipped_for(c, "connect failed"));
	conv_free(c);
}

Test(qemu, second_user_then_disconnects)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_connect fd=5 owned=1 users=2\n"
			"iommufd_backend_disconnect fd=5 users=1\n"
			/* QEMU closed it: it logs fd=-1 */
			"iommufd_backend_disconnect fd=-1 users=0\n");

	cr_assert_eq(c->n, 2);
	cr_assert_eq(c->rec[0].kind, SIM_REC_OPEN);
	cr_assert_eq(c->rec[1].kind, SIM_REC_CLOSE);
	cr_assert_eq(c->rec[1].fd.handle, c->rec[0].fd.handle);
	cr_assert_eq(c->st.skipped, 2);
	conv_free(c);
}

Test(qemu, preopened_fd_is_not_closed_by_qemu)
{
	struct conv *c = convert_ok(
		"iommu_backend_set_fd pre-opened /dev/iommu fd=9\n"
		"iommufd_backend_connect fd=9 owned=0 users=1\n"
		"iommufd_backend_alloc_ioas  iommufd=9 ioas=1\n"
		"iommufd_backend_disconnect fd=9 users=0\n");

	cr_assert_eq(c->n, 2);
	cr_assert_eq(c->rec[0].kind, SIM_REC_OPEN);
	cr_assert_eq(c->rec[0].fd.num, 9);
	ioctl_rec(c, 1, "IOMMU_IOAS_ALLOC");
	conv_free(c);
}

Test(qemu, ambiguous_disconnect_leaves_files_open)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_connect fd=6 owned=1 users=1\n"
			"iommufd_backend_disconnect fd=-1 users=0\n");

	cr_assert_eq(c->n, 2);
	cr_assert(skipped_for(c, "more than one iommufd"));
	conv_free(c);
}

Test(qemu, first_use_opens_the_file)
{
	/* a log that starts after QEMU opened /dev/iommu */
	struct conv *c = convert_ok("iommufd_backend_free_id  iommufd=7 id=4 "
				    "(0)\n");

	cr_assert_eq(c->n, 2);
	cr_assert_eq(c->rec[0].kind, SIM_REC_OPEN);
	cr_assert_eq(c->rec[0].fd.num, 7);
	cr_assert_eq(ioctl_rec(c, 1, "IOMMU_DESTROY")->fd.handle,
		     c->rec[0].fd.handle);
	conv_free(c);
}

/* ----------------------------------------------------- iommufd ioctls */

Test(qemu, alloc_ioas_both_formats)
{
	const char *logs[] = {
		CONNECT "iommufd_backend_alloc_ioas  iommufd=5 ioas=2\n",
		CONNECT "iommufd_backend_alloc_ioas  iommufd=5 ioas=2 (0)\n",
	};

	for (int i = 0; i < 2; i++) {
		struct conv *c = convert_ok(logs[i]);
		const struct sim_record *r = ioctl_rec(c, 1, "IOMMU_IOAS_ALLOC");

		cr_assert_eq(in_field(r, "size"), 12);
		cr_assert_eq(in_field(r, "flags"), 0);
		ret_is(r, 0, 0);
		cr_assert_eq(out_field(r, "out_ioas_id"), 2);
		cr_assert_eq(r->arg, 0x7ffe00000000ull);
		conv_free(c);
	}
}

Test(qemu, free_id)
{
	struct conv *c = convert_ok(CONNECT
				    "iommufd_backend_free_id  iommufd=5 id=3 (0)\n"
				    "iommufd_backend_free_id  iommufd=5 id=9 (-1)\n");
	const struct sim_record *r = ioctl_rec(c, 1, "IOMMU_DESTROY");

	cr_assert_eq(in_field(r, "size"), 8);
	cr_assert_eq(in_field(r, "id"), 3);
	ret_is(r, 0, 0);
	/* QEMU logs the ioctl's -1, not errno */
	ret_is(ioctl_rec(c, 2, "IOMMU_DESTROY"), -1, 0);
	conv_free(c);
}

Test(qemu, map_dma_flags_follow_readonly)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_map_dma  iommufd=5 ioas=2 iova=0x100000 "
			"size=0x200000 addr=0x7f1200000000 readonly=0 (0)\n"
			"iommufd_backend_map_dma  iommufd=5 ioas=2 iova=0xc0000 "
			"size=0x20000 addr=0x7f1300000000 readonly=1 (0)\n");
	const struct sim_record *r = ioctl_rec(c, 1, "IOMMU_IOAS_MAP");

	cr_assert_eq(in_field(r, "size"), 40);
	cr_assert_eq(in_field(r, "flags"),
		     IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			     IOMMU_IOAS_MAP_WRITEABLE);
	cr_assert_eq(in_field(r, "ioas_id"), 2);
	cr_assert_eq(in_field(r, "user_va"), 0x7f1200000000ull);
	cr_assert_eq(in_field(r, "iova"), 0x100000);
	cr_assert_eq(in_field(r, "length"), 0x200000);
	ret_is(r, 0, 0);
	/* the iova QEMU's fixed map gets back is not logged */
	no_out(r);
	r = ioctl_rec(c, 2, "IOMMU_IOAS_MAP");
	cr_assert_eq(in_field(r, "flags"),
		     IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE);
	conv_free(c);
}

Test(qemu, failed_map_dma_is_skipped)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_map_dma  iommufd=5 ioas=2 "
			"iova=0xfe000000 size=0x1000000 addr=0x7f3ab8000000 "
			"readonly=0 (-1)\n");

	cr_assert_eq(c->n, 1);
	cr_assert(skipped_for(c, "failed map"));
	conv_free(c);
}

Test(qemu, unmap_dma_and_nonexistent)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_unmap_dma  iommufd=5 ioas=2 iova=0x0 "
			"size=0xa0000 (0)\n"
			"iommufd_backend_unmap_dma  iommufd=5 ioas=2 iova=0x0 "
			"size=0xffffffffffffffff (-1)\n"
			"iommufd_backend_unmap_dma_non_exist  Unmap nonexistent "
			"mapping: iommufd=5 ioas=2 iova=0xfe000000 "
			"size=0x1000000 (-1)\n");
	const struct sim_record *r = ioctl_rec(c, 1, "IOMMU_IOAS_UNMAP");

	cr_assert_eq(in_field(r, "size"), 24);
	cr_assert_eq(in_field(r, "ioas_id"), 2);
	cr_assert_eq(in_field(r, "iova"), 0);
	cr_assert_eq(in_field(r, "length"), 0xa0000);
	ret_is(r, 0, 0);
	no_out(r);
	r = ioctl_rec(c, 2, "IOMMU_IOAS_UNMAP");
	cr_assert_eq(in_field(r, "length"), UINT64_MAX);
	ret_is(r, -1, 0);
	/* QEMU logs this one only when errno is ENOENT */
	r = ioctl_rec(c, 3, "IOMMU_IOAS_UNMAP");
	cr_assert_eq(in_field(r, "iova"), 0xfe000000);
	ret_is(r, -1, ENOENT);
	conv_free(c);
}

Test(qemu, alloc_hwpt)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_alloc_hwpt  iommufd=5 dev_id=1 pt_id=2 "
			"flags=0x2 hwpt_type=0 len=0 data_ptr=0x0 out_hwpt=3 "
			"(0)\n"
			"iommufd_backend_alloc_hwpt  iommufd=5 dev_id=1 pt_id=2 "
			"flags=0x0 hwpt_type=0 len=0 data_ptr=0x0 out_hwpt=0 "
			"(-1)\n");
	const struct sim_record *r = ioctl_rec(c, 1, "IOMMU_HWPT_ALLOC");

	cr_assert_eq(in_field(r, "flags"), IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	cr_assert_eq(in_field(r, "dev_id"), 1);
	cr_assert_eq(in_field(r, "pt_id"), 2);
	cr_assert_eq(in_field(r, "data_type"), 0);
	cr_assert_eq(in_field(r, "data_len"), 0);
	cr_assert_eq(in_field(r, "data_uptr"), 0);
	ret_is(r, 0, 0);
	cr_assert_eq(out_field(r, "out_hwpt_id"), 3);
	/* a failed call writes nothing back */
	r = ioctl_rec(c, 2, "IOMMU_HWPT_ALLOC");
	ret_is(r, -1, 0);
	no_out(r);
	cr_assert_eq(c->st.uncompared, 0);
	conv_free(c);
}

Test(qemu, alloc_hwpt_with_driver_data_compares_nothing)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_alloc_hwpt  iommufd=5 dev_id=1 pt_id=3 "
			"flags=0x0 hwpt_type=1 len=24 data_ptr=0x7ffd5c000200 "
			"out_hwpt=4 (0)\n");
	const struct sim_record *r = ioctl_rec(c, 1, "IOMMU_HWPT_ALLOC");

	cr_assert_eq(in_field(r, "data_type"), 1);
	cr_assert_eq(in_field(r, "data_len"), 24);
	cr_assert_eq(in_field(r, "data_uptr"), 0x7ffd5c000200ull);
	cr_assert(!r->has_ret && !r->has_errno);
	no_out(r);
	cr_assert_eq(c->st.uncompared, 1);
	/* what QEMU saw stays in the record's comment */
	cr_assert_not_null(strstr(c->text, "out_hwpt 4"));
	conv_free(c);
}

Test(qemu, set_dirty_logs_errno)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_set_dirty  iommufd=5 hwpt=3 enable=1 (0)\n"
			"iommufd_backend_set_dirty  iommufd=5 hwpt=3 enable=0 "
			"(22)\n");
	const struct sim_record *r =
		ioctl_rec(c, 1, "IOMMU_HWPT_SET_DIRTY_TRACKING");

	cr_assert_eq(in_field(r, "flags"), IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	cr_assert_eq(in_field(r, "hwpt_id"), 3);
	ret_is(r, 0, 0);
	r = ioctl_rec(c, 2, "IOMMU_HWPT_SET_DIRTY_TRACKING");
	cr_assert_eq(in_field(r, "flags"), 0);
	ret_is(r, -1, EINVAL);
	conv_free(c);
}

Test(qemu, get_dirty_bitmap_both_formats)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_get_dirty_bitmap  iommufd=5 hwpt=3 "
			"iova=0x100000 size=0x200000 page_size=0x1000 (0)\n"
			/* the later format carries the flags */
			"iommufd_backend_get_dirty_bitmap  iommufd=5 hwpt=3 "
			"iova=0x0 size=0x1000 flags=0x1 page_size=0x1000 (14)\n");
	const struct sim_record *r =
		ioctl_rec(c, 1, "IOMMU_HWPT_GET_DIRTY_BITMAP");

	cr_assert_eq(in_field(r, "hwpt_id"), 3);
	cr_assert_eq(in_field(r, "flags"), 0);
	cr_assert_eq(in_field(r, "iova"), 0x100000);
	cr_assert_eq(in_field(r, "length"), 0x200000);
	cr_assert_eq(in_field(r, "page_size"), 0x1000);
	/* QEMU does not log its bitmap: one in the simulated memory */
	cr_assert_eq(in_field(r, "data"), 0x7ffc00000000ull);
	ret_is(r, 0, 0);
	cr_assert_eq(r->n_in_bufs, 0);
	no_out(r);
	r = ioctl_rec(c, 2, "IOMMU_HWPT_GET_DIRTY_BITMAP");
	cr_assert_eq(in_field(r, "flags"),
		     IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	ret_is(r, -1, EFAULT);
	conv_free(c);
}

Test(qemu, invalidate_cache)
{
	struct conv *c = convert_ok(
		CONNECT "iommufd_backend_invalidate_cache  iommufd=5 id=4 "
			"data_type=1 entry_len=24 entry_num=0 done_num=0 "
			"data_ptr=0x0 (0)\n"
			"iommufd_backend_invalidate_cache  iommufd=5 id=4 "
			"data_type=1 entry_len=24 entry_num=2 done_num=2 "
			"data_ptr=0x7ffd5c000300 (0)\n");
	const struct sim_record *r = ioctl_rec(c, 1, "IOMMU_HWPT_INVALIDATE");

	cr_assert_eq(in_field(r, "hwpt_id"), 4);
	cr_assert_eq(in_field(r, "data_type"), 1);
	cr_assert_eq(in_field(r, "entry_len"), 24);
	cr_assert_eq(in_field(r, "entry_num"), 0);
	ret_is(r, 0, 0);
	cr_assert_eq(out_field(r, "entry_num"), 0);
	/* the entries themselves are not in the log */
	r = ioctl_rec(c, 2, "IOMMU_HWPT_INVALIDATE");
	cr_assert_eq(in_field(r, "entry_num"), 2);
	cr_assert_eq(in_field(r, "data_uptr"), 0x7ffd5c000300ull);
	cr_assert(!r->has_ret);
	no_out(r);
	cr_assert_eq(c->st.uncompared, 1);
	conv_free(c);
}

Test(qemu, later_ioctls_are_skipped)
{
	struct conv *c = convert_ok(
		CONNECT
		"iommufd_backend_map_file_dma  iommufd=5 ioas=2 iova=0x0 "
		"size=0x1000 fd=30 start=0 readonly=0 (0)\n"
		"iommufd_backend_alloc_viommu  iommufd=5 type=1 dev_id=1 "
		"hwpt_id=3 viommu_id=4 (0)\n"
		"iommufd_backend_alloc_vdev  iommufd=5 dev_id=1 viommu_id=4 "
		"virt_id=0x8 vdev_id=5 (0)\n"
		"iommufd_viommu_alloc_eventq  iommufd=5 viommu_id=4 type=1 "
		"veventq_id=6 veventq_fd=31 (0)\n"
		"iommufd_change_process fd=5 (1)\n");

	cr_assert_eq(c->n, 1);
	cr_assert_eq(c->st.events, 6);
	cr_assert_eq(c->st.skipped, 5);
	cr_assert(skipped_for(c, "IOMMU_IOAS_MAP_FILE"));
	cr_assert(skipped_for(c, "IOMMU_VIOMMU_ALLOC"));
	cr_assert(skipped_for(c, "IOMMU_VDEVICE_ALLOC"));
	cr_assert(skipped_for(c, "IOMMU_VEVENTQ_ALLOC"));
	cr_assert(skipped_for(c, "IOMMU_IOAS_CHANGE_PROCESS"));
	conv_free(c);
}

/* ------------------------------------------------------- device cdev */

#define DEVOPEN                                                           \
	"iommufd_cdev_getfd  /dev/vfio/devices/vfio0 (fd=23)\n"           \
	"iommufd_backend_connect fd=22 owned=1 users=1\n"                 \
	"iommufd_cdev_connect_and_bind  [iommufd=22] Successfully bound " \
	"device 0000:01:00.0 (fd=23): output devid=1\n"

Test(qemu, cdev_open_bind_attach_detach_close)
{
	struct conv *c = convert_ok(
		DEVOPEN
		"iommufd_cdev_alloc_ioas  [iommufd=22] new IOMMUFD container "
		"with ioasid=2\n"
		"iommufd_cdev_attach_ioas_hwpt  [iommufd=22] Successfully "
		"attached device 0000:01:00.0 (23) to id=3\n"
		"iommufd_cdev_device_info  0000:01:00.0 (23) num_irqs=5 "
		"num_regions=9 flags=3\n"
		"iommufd_cdev_detach_ioas_hwpt  [iommufd=22] Successfully "
		"detached 0000:01:00.0\n"
		"iommufd_backend_disconnect fd=-1 users=0\n");
	const struct sim_record *r;

	cr_assert_eq(c->n, 7);
	cr_assert_eq(c->rec[0].kind, SIM_REC_OPEN);
	cr_assert_eq(c->rec[0].fd.kind, SIM_FD_VFIO_DEVICE);
	cr_assert_eq(c->rec[0].fd.num, 23);
	cr_assert_str_eq(c->rec[0].path, "/dev/vfio/devices/vfio0");
	/* the name comes from the bind, the machine from the names */
	cr_assert_str_eq(c->rec[0].device, "0000:01:00.0");
	cr_assert(c->hdr.machine.present);
	cr_assert_eq(c->hdr.machine.niommus, 1);
	cr_assert_eq(c->hdr.machine.iommus[0].kind, IOMMUFD_IOMMU_INTEL_VTD);
	cr_assert_eq(c->hdr.machine.ndevs, 1);
	cr_assert_str_eq(c->hdr.machine.devs[0].name, "0000:01:00.0");

	r = ioctl_rec(c, 2, "VFIO_DEVICE_BIND_IOMMUFD");
	cr_assert_eq(r->fd.handle, c->rec[0].fd.handle);
	cr_assert_eq(in_field(r, "argsz"), 16);
	cr_assert_eq(in_field(r, "iommufd"), 22);
	ret_is(r, 0, 0);
	cr_assert_eq(out_field(r, "out_devid"), 1);

	r = ioctl_rec(c, 3, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	cr_assert_eq(in_field(r, "argsz"), 12);
	cr_assert_eq(in_field(r, "pt_id"), 3);
	ret_is(r, 0, 0);
	/* QEMU logs the id it asked for, not the one the kernel returns */
	no_out(r);

	r = ioctl_rec(c, 4, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
	cr_assert_eq(in_field(r, "argsz"), 8);
	ret_is(r, 0, 0);

	/* the device file goes first: it holds the iommufd */
	cr_assert_eq(c->rec[5].kind, SIM_REC_CLOSE);
	cr_assert_eq(c->rec[5].fd.kind, SIM_FD_VFIO_DEVICE);
	cr_assert_eq(c->rec[6].kind, SIM_REC_CLOSE);
	cr_assert_eq(c->rec[6].fd.kind, SIM_FD_IOMMUFD);

	cr_assert(skipped_for(c, "the same call as iommufd_backend_alloc_ioas"));
	cr_assert(skipped_for(c, "VFIO_DEVICE_GET_INFO"));
	conv_free(c);
}

Test(qemu, cdev_second_device_closes_at_its_disconnect)
{
	struct conv *c = convert_ok(
		DEVOPEN
		"iommufd_cdev_getfd  /dev/vfio/devices/vfio1 (fd=24)\n"
		"iommufd_backend_connect fd=22 owned=1 users=2\n"
		"iommufd_cdev_connect_and_bind  [iommufd=22] Successfully bound "
		"device 0000:02:00.0 (fd=24): output devid=4\n"
		"iommufd_cdev_detach_ioas_hwpt  [iommufd=22] Successfully "
		"detached 0000:02:00.0\n"
		"iommufd_backend_disconnect fd=22 users=1\n");

	cr_assert_eq(c->hdr.machine.ndevs, 2);
	cr_assert_str_eq(c->hdr.machine.devs[1].name, "0000:02:00.0");
	/* the file QEMU opened as fd 24, and only that one */
	cr_assert_eq(c->rec[c->n - 1].kind, SIM_REC_CLOSE);
	cr_assert_eq(c->rec[3].kind, SIM_REC_OPEN);
	cr_assert_eq(c->rec[3].fd.num, 24);
	cr_assert_eq(c->rec[c->n - 1].fd.handle, c->rec[3].fd.handle);
	cr_assert_eq(c->rec[c->n - 2].kind, SIM_REC_IOCTL);
	conv_free(c);
}

Test(qemu, cdev_events_without_a_call)
{
	struct conv *c = convert_ok(
		"iommufd_cdev_fail_attach_existing_container  [iommufd=22] "
		"error attach 0000:01:00.0 (23) to id=2: Invalid argument\n"
		"iommufd_cdev_pci_hot_reset_dep_devices \t0000:01:00.1 devid 4\n"
		"iommufd_cdev_rebuild_hwpt  [iommufd=22] hwpt 3\n");

	cr_assert_eq(c->n, 0);
	cr_assert_eq(c->st.events, 3);
	cr_assert_eq(c->st.skipped, 3);
	conv_free(c);
}

Test(qemu, cdev_never_bound_is_named_after_its_file)
{
	struct conv *c = convert_ok(
		"iommufd_cdev_getfd  /dev/vfio/devices/vfio7 (fd=23)\n"
		"iommufd_cdev_getfd  /dev/vfio/devices/vfio8 (fd=-1)\n");

	cr_assert_eq(c->n, 1);
	cr_assert_str_eq(c->rec[0].device, "vfio7");
	cr_assert_str_eq(c->hdr.machine.devs[0].name, "vfio7");
	cr_assert(skipped_for(c, "did not open"));
	conv_free(c);
}

Test(qemu, iommu_option_picks_the_machine)
{
	const struct sim_qemu_opts amd = { .iommu = IOMMUFD_IOMMU_AMD };
	const char *log = "iommufd_cdev_getfd  /dev/vfio/devices/vfio0 "
			  "(fd=23)\n";
	FILE *in = fmemopen((void *)log, strlen(log), "r");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct sim_qemu_stats st;
	struct sim_err err;

	cr_assert_eq(sim_qemu_convert(in, "q", out, &amd, &st, &err), 0);
	fclose(in);
	fclose(out);
	cr_assert_not_null(strstr(text, "\"kind\":\"amd\""));
	free(text);
}

/* ----------------------------------------------- prefixes and ignoring */

Test(qemu, prefixes_and_line_ends)
{
	struct conv *c = convert_ok(
		/* -msg timestamp=on */
		"4242@1732950001.101301:iommufd_backend_connect fd=5 owned=1 "
		"users=1\n"
		/* indented, and a CRLF line end */
		"   iommufd_backend_alloc_ioas  iommufd=5 ioas=2\r\n"
		"4242@1732950001.101302:iommufd_backend_free_id  iommufd=5 "
		"id=2 (0)\n"
		/* the last line without its newline */
		"iommufd_backend_disconnect fd=-1 users=0");

	cr_assert_eq(c->n, 4);
	cr_assert_eq(c->st.events, 4);
	cr_assert_eq(c->st.ignored, 0);
	cr_assert_eq(out_field(ioctl_rec(c, 1, "IOMMU_IOAS_ALLOC"),
			       "out_ioas_id"),
		     2);
	ioctl_rec(c, 2, "IOMMU_DESTROY");
	cr_assert_eq(c->rec[3].kind, SIM_REC_CLOSE);
	conv_free(c);
}

Test(qemu, other_lines_are_ignored)
{
	struct conv *c = convert_ok(
		"# a comment\n"
		"\n"
		"qemu-system-x86_64: warning: IOMMU_IOAS_MAP failed: Bad "
		"address, PCI BAR?\n"
		"4242@1732950001.101301:vfio_region_mmap Region "
		"0000:01:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]\n"
		"vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff "
		"[0x7f3a40000000]\n"
		"iommufd0: iommufd_backend_connect fd=5 owned=1 users=1\n"
		"iommu_backend_set_fdx pre-opened\n"
		"4242@17x:iommufd_backend_connect fd=5 owned=1 users=1\n");

	cr_assert_eq(c->n, 0);
	cr_assert_eq(c->st.events, 0);
	cr_assert_eq(c->st.ignored, 8);
	cr_assert_eq(c->st.lines, 8);
	/* the two with an event after an unknown prefix are pointed out */
	cr_assert_eq(c->st.misplaced, 2);
	conv_free(c);
}

Test(qemu, unknown_iommufd_events_are_skipped)
{
	struct conv *c = convert_ok("iommufd_backend_something_new  x=1\n");

	cr_assert_eq(c->n, 0);
	cr_assert_eq(c->st.events, 1);
	cr_assert(skipped_for(c, "iommufd_backend_something_new: an event "
				 "this converter does not know"));
	conv_free(c);
}

/* --------------------------------------------------- malformed lines */

static void malformed(const char *log, unsigned int line, const char *msg)
{
	struct conv *c = convert(log);

	cr_assert_eq(c->rc, -1, "accepted: %s", log);
	cr_assert_eq(c->err.line, line, "line %u: %s", c->err.line,
		     c->err.msg);
	cr_assert_not_null(strstr(c->err.msg, msg), "'%s' lacks '%s'",
			   c->err.msg, msg);
	/* not a half trace: nothing at all */
	cr_assert_eq(c->len, 0);
	conv_free(c);
}

Test(qemu, malformed_format)
{
	malformed(CONNECT "iommufd_backend_map_dma  iommufd=5 ioas=2 "
			  "iova=0xzz size=0x1000 addr=0x1000 readonly=0 (0)\n",
		  2, "qemu.log:2: iommufd_backend_map_dma: malformed at "
		     "column 50");
	malformed("iommufd_backend_alloc_ioas  iommufd=5\n", 1,
		  "expected \" iommufd=%d ioas=%d (%d)\" or \" iommufd=%d "
		  "ioas=%d\"");
	malformed("iommufd_backend_free_id  iommufd=5 id=3 (0) extra\n", 1,
		  "malformed");
	malformed("iommufd_backend_disconnect\n", 1, "malformed");
	/* a %d beyond int, a %u below zero, a u64 beyond 64 bits */
	malformed("iommufd_backend_free_id  iommufd=5 id=4294967296 (0)\n", 1,
		  "malformed");
	malformed("iommufd_backend_set_dirty  iommufd=5 hwpt=-1 enable=1 "
		  "(0)\n", 1, "malformed");
	malformed("iommufd_backend_unmap_dma  iommufd=5 ioas=2 "
		  "iova=0x10000000000000000 size=0x1000 (0)\n", 1, "malformed");
	malformed("iommufd_backend_unmap_dma  iommufd=5 ioas=2 iova=0x0x10 "
		  "size=0x1000 (0)\n", 1, "malformed at column 53 ('x10");
	malformed("iommufd_backend_map_dma  iommufd=5 ioas=2 iova=0x0 "
		  "size=0x1000 addr=0x0x1000 readonly=0 (0)\n", 1, "malformed");
	malformed("4242@1732950001.101301:iommufd_cdev_getfd\n", 1,
		  "iommufd_cdev_getfd: malformed");
}

Test(qemu, malformed_results)
{
	malformed(CONNECT "iommufd_backend_free_id  iommufd=5 id=3 (5)\n", 2,
		  "(5): the ioctl's return is 0 or -1");
	malformed(CONNECT "iommufd_backend_set_dirty  iommufd=5 hwpt=3 "
			  "enable=1 (-22)\n",
		  2, "(-22): QEMU logs errno here, 0 for success");
	malformed(CONNECT "iommufd_backend_unmap_dma_non_exist  Unmap "
			  "nonexistent mapping: iommufd=5 ioas=2 iova=0x0 "
			  "size=0x1000 (0)\n",
		  2, "a nonexistent mapping is a failed unmap");
}

Test(qemu, malformed_values)
{
	malformed(CONNECT "iommufd_backend_map_dma  iommufd=5 ioas=2 iova=0x0 "
			  "size=0x1000 addr=0x1000 readonly=2 (0)\n",
		  2, "readonly=2 is not 0 or 1");
	malformed(CONNECT "iommufd_backend_set_dirty  iommufd=5 hwpt=3 "
			  "enable=7 (0)\n",
		  2, "enable=7 is not 0 or 1");
	/* QEMU's u32 flags printed with 0x%x cannot be wider */
	malformed(CONNECT "iommufd_backend_alloc_hwpt  iommufd=5 dev_id=1 "
			  "pt_id=2 flags=0x100000000 hwpt_type=0 len=0 "
			  "data_ptr=0x0 out_hwpt=3 (0)\n",
		  2, "iommufd_backend_alloc_hwpt: flags 0x100000000 does not "
		     "fit struct iommu_hwpt_alloc");
	malformed("iommufd_backend_connect fd=5 owned=3 users=1\n", 1,
		  "owned=3 is not 0 or 1");
	malformed("iommufd_backend_connect fd=-1 owned=1 users=1\n", 1,
		  "fd=-1 on a successful connect");
	malformed("iommu_backend_set_fd pre-opened /dev/iommu fd=-1\n", 1,
		  "fd=-1 is not a file descriptor");
	malformed("iommufd_backend_free_id  iommufd=-1 id=3 (0)\n", 1,
		  "iommufd=-1 is not a file descriptor");
	malformed("iommufd_cdev_attach_ioas_hwpt  [iommufd=22] Successfully "
		  "attached device 0000:01:00.0 (-1) to id=3\n",
		  1, "device fd -1 is not a file descriptor");
}

Test(qemu, malformed_devices)
{
	malformed("iommufd_cdev_getfd  /dev/vfio/devices/vfio0 (fd=23)\n"
		  "iommufd_cdev_getfd  /dev/vfio/devices/vfio1 (fd=23)\n",
		  2, "fd=23 is already an open device file");
	malformed(DEVOPEN "iommufd_cdev_attach_ioas_hwpt  [iommufd=22] "
			  "Successfully attached device 0000:09:00.0 (23) to "
			  "id=3\n",
		  4, "fd=23 is device '0000:01:00.0', not '0000:09:00.0'");
	malformed("iommufd_cdev_detach_ioas_hwpt  [iommufd=22] Successfully "
		  "detached 0000:01:00.0\n",
		  1, "no open device file is '0000:01:00.0'");
	malformed("iommufd_cdev_connect_and_bind  [iommufd=22] Successfully "
		  "bound device "
		  "a-device-name-that-is-far-too-long-for-the-machine-0123456789abcdef"
		  " (fd=23): output devid=1\n",
		  1, "is longer than 63 bytes");
}

Test(qemu, too_many_devices)
{
	char *log = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&log, &len);

	for (int i = 0; i <= SIM_MAX_DEVICES; i++)
		fprintf(f, "iommufd_cdev_getfd  /dev/vfio/devices/vfio%d "
			   "(fd=%d)\n", i, 100 + i);
	fclose(f);
	malformed(log, 0, "more than 32 devices");
	free(log);
}

/* ---------------------------------------------------------- command */

static char *tmpdir(void)
{
	char *d = strdup("/tmp/sim_qemu_XXXXXX");

	cr_assert_not_null(d);
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static int run_cmd(const char *log, const char *out)
{
	char *argv[] = { "convert-qemu", (char *)log, "-o", (char *)out, NULL };

	return sim_cmd_convert_qemu(4, argv);
}

Test(qemu, command_writes_all_or_nothing)
{
	char *d = tmpdir(), log[300], out[300], cmd[700];
	struct stat sb;

	snprintf(log, sizeof(log), "%s/qemu.log", d);
	snprintf(out, sizeof(out), "%s/trace.jsonl", d);

	/* a malformed line: no trace, and an existing file stays as it was */
	put_file(out, "old\n");
	put_file(log, CONNECT "iommufd_backend_free_id  iommufd=5 id=3 (7)\n");
	cr_assert_eq(run_cmd(log, out), 2);
	cr_assert_eq(stat(out, &sb), 0);
	cr_assert_eq(sb.st_size, 4);

	put_file(log, CONNECT "iommufd_backend_disconnect fd=-1 users=0\n");
	cr_assert_eq(run_cmd(log, out), 0);
	cr_assert_eq(stat(out, &sb), 0);
	cr_assert_gt(sb.st_size, 4);

	cr_assert_eq(run_cmd("/nonexistent/qemu.log", out), 2);
	{
		char *argv[] = { "convert-qemu", log, "--iommu=sparc", NULL };

		cr_assert_eq(sim_cmd_convert_qemu(3, argv), 2);
	}
	{
		char *argv[] = { "convert-qemu", NULL };

		cr_assert_eq(sim_cmd_convert_qemu(1, argv), 2);
	}
	/* no temporary left behind */
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 2", d);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	cr_assert_eq(system(cmd), 0);
	free(d);
}

/* ---------------------------------------------------- convert, replay */

static enum sim_replay_status convert_replay(const char *log_path,
					     struct sim_replay_result *res)
{
	char *d = tmpdir(), out[300], cmd[400];
	enum sim_replay_status st;
	struct sim_replay_opts quiet = { 0 };

	snprintf(out, sizeof(out), "%s/trace.jsonl", d);
	cr_assert_eq(run_cmd(log_path, out), 0);
	st = sim_replay_file(out, &quiet, res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	cr_assert_eq(system(cmd), 0);
	free(d);
	return st;
}

Test(qemu, sample_log_replays_without_divergence)
{
	struct sim_replay_result res;
	enum sim_replay_status st =
		convert_replay(SIM_EXAMPLES_DIR "/qemu-iommufd.log", &res);

	cr_assert_eq(st, SIM_REPLAY_AGREE, "%s (%llu divergences)", res.error,
		     (unsigned long long)res.ndiv);
	cr_assert_eq(res.ndiv, 0);
	/* bind, IOAS, HWPT, attach, maps, unmaps, dirty, detach, destroy */
	cr_assert_geq(res.ioctls, 20);
	cr_assert_eq(res.unchecked, 0);
	sim_replay_result_free(&res);
}

Test(qemu, replay_checks_what_qemu_logged)
{
	/* an id the kernel would not have given: replay must notice */
	char *d = tmpdir(), log[300], cmd[400];
	struct sim_replay_result res;

	snprintf(log, sizeof(log), "%s/qemu.log", d);
	put_file(log, CONNECT "iommufd_backend_alloc_ioas  iommufd=5 ioas=7\n"
			      "iommufd_backend_free_id  iommufd=5 id=1 (-1)\n");
	cr_assert_eq(convert_replay(log, &res), SIM_REPLAY_DIVERGED);
	/* out_ioas_id 7 against 1, and the destroy of 1 that succeeds */
	cr_assert_eq(res.ndiv, 2);
	sim_replay_result_free(&res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	cr_assert_eq(system(cmd), 0);
	free(d);
}

Test(qemu, qemu_8_2_formats_replay_without_divergence)
{
	/*
	 * 8.2 logs the connect's and the IOAS alloc's result and attaches
	 * the device to the IOAS itself (the kernel makes the HWPT)
	 */
	char *d = tmpdir(), log[300], cmd[400];
	struct sim_replay_result res;

	snprintf(log, sizeof(log), "%s/qemu.log", d);
	put_file(log,
		 "iommufd_cdev_getfd  /dev/vfio/devices/vfio3 (fd=31)\n"
		 "iommufd_backend_connect fd=30 owned=1 users=1 (0)\n"
		 "iommufd_cdev_connect_and_bind  [iommufd=30] Successfully "
		 "bound device 0000:05:00.0 (fd=31): output devid=1\n"
		 "iommufd_backend_alloc_ioas  iommufd=30 ioas=2 (0)\n"
		 "iommufd_cdev_alloc_ioas  [iommufd=30] new IOMMUFD container "
		 "with ioasid=2\n"
		 "iommufd_cdev_attach_ioas_hwpt  [iommufd=30] Successfully "
		 "attached device 0000:05:00.0 (31) to id=2\n"
		 "iommufd_backend_map_dma  iommufd=30 ioas=2 iova=0x0 "
		 "size=0x100000 addr=0x7f0000000000 readonly=0 (0)\n"
		 "iommufd_backend_map_dma  iommufd=30 ioas=2 iova=0x100000 "
		 "size=0x100000 addr=0x7f0000100000 readonly=0 (0)\n"
		 "iommufd_backend_unmap_dma  iommufd=30 ioas=2 iova=0x0 "
		 "size=0x100000 (0)\n"
		 "iommufd_backend_unmap_dma_non_exist  Unmap nonexistent "
		 "mapping: iommufd=30 ioas=2 iova=0x0 size=0x100000 (-1)\n"
		 "iommufd_cdev_detach_ioas_hwpt  [iommufd=30] Successfully "
		 "detached 0000:05:00.0\n"
		 "iommufd_backend_unmap_dma  iommufd=30 ioas=2 iova=0x100000 "
		 "size=0x100000 (0)\n"
		 /* the kernel's auto HWPT went with the detach: id 3 is gone */
		 "iommufd_backend_free_id  iommufd=30 id=3 (-1)\n"
		 "iommufd_backend_free_id  iommufd=30 id=2 (0)\n"
		 "iommufd_backend_disconnect fd=-1 users=0\n");
	cr_assert_eq(convert_replay(log, &res), SIM_REPLAY_AGREE, "%s",
		     res.error);
	cr_assert_eq(res.ndiv, 0);
	cr_assert_eq(res.ioctls, 11);
	sim_replay_result_free(&res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	cr_assert_eq(system(cmd), 0);
	free(d);
}

Test(qemu, many_files)
{
	/*
	 * A bind that opens its device file while it holds the iommufd's:
	 * the 17th file must not move the 1st (run under ASan to see it)
	 */
	char *log = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&log, &len);
	struct conv *c;
	const struct sim_record *r;

	for (int i = 0; i < 16; i++)
		fprintf(f, "iommufd_backend_connect fd=%d owned=1 users=1\n",
			100 + i);
	fprintf(f, "iommufd_cdev_connect_and_bind  [iommufd=100] "
		   "Successfully bound device 0000:01:00.0 (fd=200): output "
		   "devid=1\n");
	fclose(f);
	c = convert_ok(log);
	cr_assert_eq(c->n, 18);
	cr_assert_eq(c->rec[16].kind, SIM_REC_OPEN);
	cr_assert_eq(c->rec[16].fd.num, 200);
	r = ioctl_rec(c, 17, "VFIO_DEVICE_BIND_IOMMUFD");
	cr_assert_eq(in_field(r, "iommufd"), 100);
	conv_free(c);
	free(log);
}
