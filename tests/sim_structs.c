// SPDX-License-Identifier: MIT
/*
 * The trace format's struct descriptors (sim/structs.c) hold literal
 * offsets and sizes. Here each one is held against the compiler's layout
 * of the uAPI headers, field by field in both directions, so that neither
 * side can change without the other.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include <iommufd/uapi.h>
#include <iommufd/uapi_vfio.h>

#include "structs.h"

struct expect_field {
	const char *st;
	const char *name;
	size_t offset;
	size_t size;
};

#define MSIZE(type, m) sizeof(((struct type *)0)->m)
#define F(type, m) { #type, #m, offsetof(struct type, m), MSIZE(type, m) }
/* a member of the struct that follows a flexible array member */
#define TAIL(type, flex, sub, m, name)                                  \
	{ #type, name, offsetof(struct type, flex) + offsetof(struct sub, m), \
	  MSIZE(sub, m) }

static const struct expect_field expect[] = {
	F(iommu_destroy, size),
	F(iommu_destroy, id),
	F(iommu_ioas_alloc, size),
	F(iommu_ioas_alloc, flags),
	F(iommu_ioas_alloc, out_ioas_id),
	F(iommu_iova_range, start),
	F(iommu_iova_range, last),
	F(iommu_ioas_iova_ranges, size),
	F(iommu_ioas_iova_ranges, ioas_id),
	F(iommu_ioas_iova_ranges, num_iovas),
	F(iommu_ioas_iova_ranges, __reserved),
	F(iommu_ioas_iova_ranges, allowed_iovas),
	F(iommu_ioas_iova_ranges, out_iova_alignment),
	F(iommu_ioas_allow_iovas, size),
	F(iommu_ioas_allow_iovas, ioas_id),
	F(iommu_ioas_allow_iovas, num_iovas),
	F(iommu_ioas_allow_iovas, __reserved),
	F(iommu_ioas_allow_iovas, allowed_iovas),
	F(iommu_ioas_map, size),
	F(iommu_ioas_map, flags),
	F(iommu_ioas_map, ioas_id),
	F(iommu_ioas_map, __reserved),
	F(iommu_ioas_map, user_va),
	F(iommu_ioas_map, length),
	F(iommu_ioas_map, iova),
	F(iommu_ioas_copy, size),
	F(iommu_ioas_copy, flags),
	F(iommu_ioas_copy, dst_ioas_id),
	F(iommu_ioas_copy, src_ioas_id),
	F(iommu_ioas_copy, length),
	F(iommu_ioas_copy, dst_iova),
	F(iommu_ioas_copy, src_iova),
	F(iommu_ioas_unmap, size),
	F(iommu_ioas_unmap, ioas_id),
	F(iommu_ioas_unmap, iova),
	F(iommu_ioas_unmap, length),
	F(iommu_option, size),
	F(iommu_option, option_id),
	F(iommu_option, op),
	F(iommu_option, __reserved),
	F(iommu_option, object_id),
	F(iommu_option, val64),
	F(iommu_vfio_ioas, size),
	F(iommu_vfio_ioas, ioas_id),
	F(iommu_vfio_ioas, op),
	F(iommu_vfio_ioas, __reserved),
	F(iommu_hwpt_vtd_s1, flags),
	F(iommu_hwpt_vtd_s1, pgtbl_addr),
	F(iommu_hwpt_vtd_s1, addr_width),
	F(iommu_hwpt_vtd_s1, __reserved),
	F(iommu_hwpt_alloc, size),
	F(iommu_hwpt_alloc, flags),
	F(iommu_hwpt_alloc, dev_id),
	F(iommu_hwpt_alloc, pt_id),
	F(iommu_hwpt_alloc, out_hwpt_id),
	F(iommu_hwpt_alloc, __reserved),
	F(iommu_hwpt_alloc, data_type),
	F(iommu_hwpt_alloc, data_len),
	F(iommu_hwpt_alloc, data_uptr),
	F(iommu_hwpt_alloc, fault_id),
	F(iommu_hwpt_alloc, __reserved2),
	F(iommu_hw_info_vtd, flags),
	F(iommu_hw_info_vtd, __reserved),
	F(iommu_hw_info_vtd, cap_reg),
	F(iommu_hw_info_vtd, ecap_reg),
	F(iommu_hw_info, size),
	F(iommu_hw_info, flags),
	F(iommu_hw_info, dev_id),
	F(iommu_hw_info, data_len),
	F(iommu_hw_info, data_uptr),
	F(iommu_hw_info, out_data_type),
	F(iommu_hw_info, out_max_pasid_log2),
	F(iommu_hw_info, __reserved),
	F(iommu_hw_info, out_capabilities),
	F(iommu_hwpt_set_dirty_tracking, size),
	F(iommu_hwpt_set_dirty_tracking, flags),
	F(iommu_hwpt_set_dirty_tracking, hwpt_id),
	F(iommu_hwpt_set_dirty_tracking, __reserved),
	F(iommu_hwpt_get_dirty_bitmap, size),
	F(iommu_hwpt_get_dirty_bitmap, hwpt_id),
	F(iommu_hwpt_get_dirty_bitmap, flags),
	F(iommu_hwpt_get_dirty_bitmap, __reserved),
	F(iommu_hwpt_get_dirty_bitmap, iova),
	F(iommu_hwpt_get_dirty_bitmap, length),
	F(iommu_hwpt_get_dirty_bitmap, page_size),
	F(iommu_hwpt_get_dirty_bitmap, data),
	F(iommu_hwpt_vtd_s1_invalidate, addr),
	F(iommu_hwpt_vtd_s1_invalidate, npages),
	F(iommu_hwpt_vtd_s1_invalidate, flags),
	F(iommu_hwpt_vtd_s1_invalidate, __reserved),
	F(iommu_hwpt_invalidate, size),
	F(iommu_hwpt_invalidate, hwpt_id),
	F(iommu_hwpt_invalidate, data_uptr),
	F(iommu_hwpt_invalidate, data_type),
	F(iommu_hwpt_invalidate, entry_len),
	F(iommu_hwpt_invalidate, entry_num),
	F(iommu_hwpt_invalidate, __reserved),
	F(iommu_hwpt_pgfault, flags),
	F(iommu_hwpt_pgfault, dev_id),
	F(iommu_hwpt_pgfault, pasid),
	F(iommu_hwpt_pgfault, grpid),
	F(iommu_hwpt_pgfault, perm),
	F(iommu_hwpt_pgfault, __reserved),
	F(iommu_hwpt_pgfault, addr),
	F(iommu_hwpt_pgfault, length),
	F(iommu_hwpt_pgfault, cookie),
	F(iommu_hwpt_page_response, cookie),
	F(iommu_hwpt_page_response, code),
	F(iommu_fault_alloc, size),
	F(iommu_fault_alloc, flags),
	F(iommu_fault_alloc, out_fault_id),
	F(iommu_fault_alloc, out_fault_fd),

	F(vfio_info_cap_header, id),
	F(vfio_info_cap_header, version),
	F(vfio_info_cap_header, next),
	F(vfio_device_info, argsz),
	F(vfio_device_info, flags),
	F(vfio_device_info, num_regions),
	F(vfio_device_info, num_irqs),
	F(vfio_device_info, cap_offset),
	F(vfio_device_info, pad),
	F(vfio_iommu_type1_info, argsz),
	F(vfio_iommu_type1_info, flags),
	F(vfio_iommu_type1_info, iova_pgsizes),
	F(vfio_iommu_type1_info, cap_offset),
	F(vfio_iommu_type1_info, pad),
	F(vfio_iova_range, start),
	F(vfio_iova_range, end),
	F(vfio_iommu_type1_info_cap_iova_range, header.id),
	F(vfio_iommu_type1_info_cap_iova_range, header.version),
	F(vfio_iommu_type1_info_cap_iova_range, header.next),
	F(vfio_iommu_type1_info_cap_iova_range, nr_iovas),
	F(vfio_iommu_type1_info_cap_iova_range, reserved),
	F(vfio_iommu_type1_info_cap_migration, header.id),
	F(vfio_iommu_type1_info_cap_migration, header.version),
	F(vfio_iommu_type1_info_cap_migration, header.next),
	F(vfio_iommu_type1_info_cap_migration, flags),
	F(vfio_iommu_type1_info_cap_migration, pgsize_bitmap),
	F(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size),
	F(vfio_iommu_type1_info_dma_avail, header.id),
	F(vfio_iommu_type1_info_dma_avail, header.version),
	F(vfio_iommu_type1_info_dma_avail, header.next),
	F(vfio_iommu_type1_info_dma_avail, avail),
	F(vfio_iommu_type1_dma_map, argsz),
	F(vfio_iommu_type1_dma_map, flags),
	F(vfio_iommu_type1_dma_map, vaddr),
	F(vfio_iommu_type1_dma_map, iova),
	F(vfio_iommu_type1_dma_map, size),
	F(vfio_bitmap, pgsize),
	F(vfio_bitmap, size),
	F(vfio_bitmap, data),
	F(vfio_iommu_type1_dma_unmap, argsz),
	F(vfio_iommu_type1_dma_unmap, flags),
	F(vfio_iommu_type1_dma_unmap, iova),
	F(vfio_iommu_type1_dma_unmap, size),
	TAIL(vfio_iommu_type1_dma_unmap, data, vfio_bitmap, pgsize,
	     "bitmap.pgsize"),
	TAIL(vfio_iommu_type1_dma_unmap, data, vfio_bitmap, size, "bitmap.size"),
	TAIL(vfio_iommu_type1_dma_unmap, data, vfio_bitmap, data, "bitmap.data"),
	F(vfio_iommu_type1_dirty_bitmap, argsz),
	F(vfio_iommu_type1_dirty_bitmap, flags),
	TAIL(vfio_iommu_type1_dirty_bitmap, data,
	     vfio_iommu_type1_dirty_bitmap_get, iova, "iova"),
	TAIL(vfio_iommu_type1_dirty_bitmap, data,
	     vfio_iommu_type1_dirty_bitmap_get, size, "size"),
	TAIL(vfio_iommu_type1_dirty_bitmap, data,
	     vfio_iommu_type1_dirty_bitmap_get, bitmap.pgsize, "bitmap.pgsize"),
	TAIL(vfio_iommu_type1_dirty_bitmap, data,
	     vfio_iommu_type1_dirty_bitmap_get, bitmap.size, "bitmap.size"),
	TAIL(vfio_iommu_type1_dirty_bitmap, data,
	     vfio_iommu_type1_dirty_bitmap_get, bitmap.data, "bitmap.data"),
	F(vfio_iommu_type1_dirty_bitmap_get, iova),
	F(vfio_iommu_type1_dirty_bitmap_get, size),
	F(vfio_iommu_type1_dirty_bitmap_get, bitmap.pgsize),
	F(vfio_iommu_type1_dirty_bitmap_get, bitmap.size),
	F(vfio_iommu_type1_dirty_bitmap_get, bitmap.data),
	F(vfio_device_bind_iommufd, argsz),
	F(vfio_device_bind_iommufd, flags),
	F(vfio_device_bind_iommufd, iommufd),
	F(vfio_device_bind_iommufd, out_devid),
	F(vfio_device_attach_iommufd_pt, argsz),
	F(vfio_device_attach_iommufd_pt, flags),
	F(vfio_device_attach_iommufd_pt, pt_id),
	F(vfio_device_detach_iommufd_pt, argsz),
	F(vfio_device_detach_iommufd_pt, flags),
};

struct expect_struct {
	const char *name;
	size_t size;
	size_t padding; /* bytes no member covers */
};

#define S(type, pad) { #type, sizeof(struct type), pad }

static const struct expect_struct expect_structs[] = {
	S(iommu_destroy, 0),
	S(iommu_ioas_alloc, 0),
	S(iommu_iova_range, 0),
	S(iommu_ioas_iova_ranges, 0),
	S(iommu_ioas_allow_iovas, 0),
	S(iommu_ioas_map, 0),
	S(iommu_ioas_copy, 0),
	S(iommu_ioas_unmap, 0),
	S(iommu_option, 0),
	S(iommu_vfio_ioas, 0),
	S(iommu_hwpt_vtd_s1, 0),
	S(iommu_hwpt_alloc, 0),
	S(iommu_hw_info_vtd, 0),
	S(iommu_hw_info, 0),
	S(iommu_hwpt_set_dirty_tracking, 0),
	S(iommu_hwpt_get_dirty_bitmap, 0),
	S(iommu_hwpt_vtd_s1_invalidate, 0),
	S(iommu_hwpt_invalidate, 0),
	S(iommu_hwpt_pgfault, 0),
	S(iommu_hwpt_page_response, 0),
	S(iommu_fault_alloc, 0),
	S(vfio_info_cap_header, 0),
	S(vfio_device_info, 0),
	S(vfio_iommu_type1_info, 0),
	S(vfio_iova_range, 0),
	S(vfio_iommu_type1_info_cap_iova_range, 0),
	S(vfio_iommu_type1_info_cap_migration, 4),
	S(vfio_iommu_type1_info_dma_avail, 0),
	S(vfio_iommu_type1_dma_map, 0),
	S(vfio_bitmap, 0),
	S(vfio_iommu_type1_dma_unmap, 0),
	S(vfio_iommu_type1_dirty_bitmap, 0),
	S(vfio_iommu_type1_dirty_bitmap_get, 0),
	S(vfio_device_bind_iommufd, 0),
	S(vfio_device_attach_iommufd_pt, 0),
	S(vfio_device_detach_iommufd_pt, 0),
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

Test(sim_structs, every_struct_described_with_its_size)
{
	cr_assert_eq(sim_struct_count(), NELEM(expect_structs));
	for (size_t i = 0; i < NELEM(expect_structs); i++) {
		const struct expect_struct *e = &expect_structs[i];
		const struct sim_struct *st = sim_struct_by_name(e->name);

		cr_assert_not_null(st, "no descriptor for struct %s", e->name);
		cr_expect_eq(st->size, e->size, "sizeof(struct %s): %u, not %zu",
			     e->name, st->size, e->size);
	}
}

Test(sim_structs, every_field_matches_offsetof_and_sizeof)
{
	for (size_t i = 0; i < NELEM(expect); i++) {
		const struct expect_field *e = &expect[i];
		const struct sim_struct *st = sim_struct_by_name(e->st);
		const struct sim_field *f;

		cr_assert_not_null(st, "no descriptor for struct %s", e->st);
		f = sim_field_by_name(st, e->name);
		cr_assert_not_null(f, "struct %s has no field %s", e->st,
				   e->name);
		cr_expect_eq(f->offset, e->offset, "%s::%s offset %u, not %zu",
			     e->st, e->name, f->offset, e->offset);
		cr_expect_eq(f->size, e->size, "%s::%s size %u, not %zu",
			     e->st, e->name, f->size, e->size);
	}
}

/* ... and nothing in the descriptors that the compiler has not vouched for */
Test(sim_structs, no_field_beyond_the_checked_ones)
{
	for (size_t s = 0; s < sim_struct_count(); s++) {
		const struct sim_struct *st = sim_struct_at(s);

		for (unsigned int i = 0; i < st->nfields; i++) {
			bool found = false;

			for (size_t j = 0; j < NELEM(expect) && !found; j++)
				found = !strcmp(expect[j].st, st->name) &&
					!strcmp(expect[j].name,
						st->fields[i].name);
			cr_expect(found, "%s::%s is not checked against the header",
				  st->name, st->fields[i].name);
		}
	}
}

/*
 * Fields in offset order, not overlapping, and covering every byte of the
 * struct except known padding: a member added to a header and forgotten
 * here shows up as uncovered bytes.
 */
Test(sim_structs, fields_tile_the_struct)
{
	for (size_t i = 0; i < NELEM(expect_structs); i++) {
		const struct expect_struct *e = &expect_structs[i];
		const struct sim_struct *st = sim_struct_by_name(e->name);
		size_t covered = 0, end = 0;

		cr_assert_not_null(st);
		for (unsigned int j = 0; j < st->nfields; j++) {
			const struct sim_field *f = &st->fields[j];

			cr_expect_geq(f->offset, end, "%s::%s overlaps", st->name,
				      f->name);
			end = f->offset + f->size;
			if (f->offset < st->size)
				covered += f->size;
		}
		cr_expect_eq(covered + e->padding, st->size,
			     "%s: fields cover %zu of %u bytes", st->name,
			     covered, st->size);
	}
}

Test(sim_structs, sized_structs_start_with_a_u32_size)
{
	for (size_t s = 0; s < sim_struct_count(); s++) {
		const struct sim_struct *st = sim_struct_at(s);

		if (!st->sized)
			continue;
		cr_expect(st->fields[0].offset == 0 && st->fields[0].size == 4 &&
				  (!strcmp(st->fields[0].name, "size") ||
				   !strcmp(st->fields[0].name, "argsz")),
			  "%s", st->name);
	}
}

Test(sim_structs, buffers_refer_to_existing_fields)
{
	for (size_t s = 0; s < sim_struct_count(); s++) {
		const struct sim_struct *st = sim_struct_at(s);

		for (unsigned int i = 0; i < st->nbufs; i++) {
			const struct sim_buf *b = &st->bufs[i];
			const struct sim_field *p = sim_field_by_name(st, b->ptr);

			cr_assert_not_null(p, "%s: no pointer %s", st->name,
					   b->ptr);
			cr_expect(p->flags & SIM_FF_PTR, "%s::%s", st->name,
				  b->ptr);
			cr_expect_not_null(sim_field_by_name(st, b->count));
			if (b->stride)
				cr_expect_not_null(sim_field_by_name(st, b->stride));
			if (b->when)
				cr_expect_not_null(sim_field_by_name(st, b->when));
			if (b->elem_sel)
				cr_expect_not_null(
					sim_field_by_name(st, b->elem_sel));
			cr_expect(b->dir & (SIM_BUF_IN | SIM_BUF_OUT));
		}
		/* and every pointer field has its buffer */
		for (unsigned int i = 0; i < st->nfields; i++)
			if (st->fields[i].flags & SIM_FF_PTR)
				cr_expect_not_null(
					sim_buf_by_ptr(st, st->fields[i].name),
					"%s::%s has no buffer", st->name,
					st->fields[i].name);
	}
}

#define IOC(cmd, stname) { #cmd, cmd, stname }

Test(sim_structs, request_numbers_and_structs)
{
	static const struct {
		const char *name;
		uint32_t cmd;
		const char *st;
	} want[] = {
		IOC(IOMMU_DESTROY, "iommu_destroy"),
		IOC(IOMMU_IOAS_ALLOC, "iommu_ioas_alloc"),
		IOC(IOMMU_IOAS_ALLOW_IOVAS, "iommu_ioas_allow_iovas"),
		IOC(IOMMU_IOAS_COPY, "iommu_ioas_copy"),
		IOC(IOMMU_IOAS_IOVA_RANGES, "iommu_ioas_iova_ranges"),
		IOC(IOMMU_IOAS_MAP, "iommu_ioas_map"),
		IOC(IOMMU_IOAS_UNMAP, "iommu_ioas_unmap"),
		IOC(IOMMU_OPTION, "iommu_option"),
		IOC(IOMMU_VFIO_IOAS, "iommu_vfio_ioas"),
		IOC(IOMMU_HWPT_ALLOC, "iommu_hwpt_alloc"),
		IOC(IOMMU_GET_HW_INFO, "iommu_hw_info"),
		IOC(IOMMU_HWPT_SET_DIRTY_TRACKING,
		    "iommu_hwpt_set_dirty_tracking"),
		IOC(IOMMU_HWPT_GET_DIRTY_BITMAP, "iommu_hwpt_get_dirty_bitmap"),
		IOC(IOMMU_HWPT_INVALIDATE, "iommu_hwpt_invalidate"),
		IOC(IOMMU_FAULT_QUEUE_ALLOC, "iommu_fault_alloc"),
		IOC(VFIO_GET_API_VERSION, NULL),
		IOC(VFIO_CHECK_EXTENSION, NULL),
		IOC(VFIO_SET_IOMMU, NULL),
		IOC(VFIO_IOMMU_GET_INFO, "vfio_iommu_type1_info"),
		IOC(VFIO_IOMMU_MAP_DMA, "vfio_iommu_type1_dma_map"),
		IOC(VFIO_IOMMU_UNMAP_DMA, "vfio_iommu_type1_dma_unmap"),
		IOC(VFIO_IOMMU_DIRTY_PAGES, "vfio_iommu_type1_dirty_bitmap"),
		IOC(VFIO_DEVICE_GET_INFO, "vfio_device_info"),
		IOC(VFIO_DEVICE_BIND_IOMMUFD, "vfio_device_bind_iommufd"),
		IOC(VFIO_DEVICE_ATTACH_IOMMUFD_PT,
		    "vfio_device_attach_iommufd_pt"),
		IOC(VFIO_DEVICE_DETACH_IOMMUFD_PT,
		    "vfio_device_detach_iommufd_pt"),
	};

	cr_assert_eq(sim_ioctl_count(), NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct sim_ioctl *io = sim_ioctl_by_name(want[i].name);

		cr_assert_not_null(io, "%s", want[i].name);
		cr_expect_eq(io->cmd, want[i].cmd, "%s", want[i].name);
		cr_expect_eq(sim_ioctl_by_cmd(want[i].cmd), io);
		if (want[i].st) {
			cr_assert_eq(io->arg, SIM_ARG_STRUCT);
			cr_assert_not_null(io->st);
			cr_expect_str_eq(io->st->name, want[i].st);
			cr_expect(io->st->sized, "%s", want[i].name);
		} else {
			cr_expect_neq(io->arg, SIM_ARG_STRUCT);
			cr_expect_null(io->st);
		}
	}
}

Test(sim_structs, field_access_round_trips_and_range_checks)
{
	const struct sim_struct *st = sim_struct_by_name("iommu_ioas_map");
	const struct sim_struct *bind =
		sim_struct_by_name("vfio_device_bind_iommufd");
	struct iommu_ioas_map map = { .size = sizeof(map), .ioas_id = 7,
				      .user_va = 0x7f0012345000ull };
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = -1 };
	uint64_t v;

	cr_assert(sim_struct_get(st, "user_va", (uint8_t *)&map, sizeof(map), &v));
	cr_expect_eq(v, 0x7f0012345000ull);
	cr_assert(sim_struct_get(st, "ioas_id", (uint8_t *)&map, sizeof(map), &v));
	cr_expect_eq(v, 7);
	/* a short struct does not reach iova */
	cr_expect_not(sim_struct_get(st, "iova", (uint8_t *)&map, 32, &v));
	cr_expect_not(sim_field_put(sim_field_by_name(st, "ioas_id"),
				    (uint8_t *)&map, sizeof(map), 1ull << 32));
	cr_expect(sim_field_put(sim_field_by_name(st, "iova"), (uint8_t *)&map,
				sizeof(map), 0x200000));
	cr_expect_eq(map.iova, 0x200000);

	cr_assert(sim_struct_get(bind, "iommufd", (uint8_t *)&b, sizeof(b), &v));
	cr_expect_eq((int64_t)v, -1);
	cr_expect(sim_field_put(sim_field_by_name(bind, "iommufd"), (uint8_t *)&b,
				sizeof(b), (uint64_t)(int64_t)-5));
	cr_expect_eq(b.iommufd, -5);
	cr_expect_not(sim_field_put(sim_field_by_name(bind, "iommufd"),
				    (uint8_t *)&b, sizeof(b), 1ull << 31));
}

Test(sim_structs, buffer_lengths)
{
	const struct sim_struct *ranges =
		sim_struct_by_name("iommu_ioas_iova_ranges");
	const struct sim_struct *dirty =
		sim_struct_by_name("iommu_hwpt_get_dirty_bitmap");
	const struct sim_struct *unmap =
		sim_struct_by_name("vfio_iommu_type1_dma_unmap");
	struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .num_iovas = 3,
					    .allowed_iovas = 0x5000 };
	struct iommu_hwpt_get_dirty_bitmap d = {
		.size = sizeof(d), .length = 65 * 4096, .page_size = 4096,
		.data = 0x9000,
	};
	uint8_t u[48] = { 0 };
	struct vfio_iommu_type1_dma_unmap *um = (void *)u;
	struct vfio_bitmap *bm = (void *)(u + 24);
	uint64_t addr, len;

	cr_assert(sim_buf_locate(ranges, &ranges->bufs[0], (uint8_t *)&r,
				 sizeof(r), &addr, &len));
	cr_expect_eq(addr, 0x5000);
	cr_expect_eq(len, 48);

	/* 65 pages need two u64 words */
	cr_assert(sim_buf_locate(dirty, &dirty->bufs[0], (uint8_t *)&d,
				 sizeof(d), &addr, &len));
	cr_expect_eq(len, 16);

	um->argsz = sizeof(u);
	bm->size = 8;
	bm->data = (uint64_t *)(uintptr_t)0xa000;
	/* without GET_DIRTY_BITMAP there is no bitmap */
	cr_expect_not(sim_buf_locate(unmap, &unmap->bufs[0], u, sizeof(u),
				     &addr, &len));
	um->flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	cr_assert(sim_buf_locate(unmap, &unmap->bufs[0], u, sizeof(u), &addr,
				 &len));
	cr_expect_eq(addr, 0xa000);
	cr_expect_eq(len, 8);
	/* an argsz that stops before the bitmap */
	cr_expect_not(sim_buf_locate(unmap, &unmap->bufs[0], u, 24, &addr,
				     &len));
}
