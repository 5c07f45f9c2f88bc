// SPDX-License-Identifier: MIT
/*
 * The struct and request tables of Linux 6.12's iommufd and VFIO (type1
 * container, device cdev) uAPI, x86-64 layout. See structs.h.
 */
#include <string.h>

#include <iommufd/uapi.h>
#include <iommufd/uapi_vfio.h>

#include "structs.h"

#define FLD(n, o, s, t, f) { n, o, s, t, f }
/* plain input integer */
#define U(n, o, s) FLD(n, o, s, SIM_FT_UINT, 0)
/* written back by the kernel */
#define UO(n, o, s) FLD(n, o, s, SIM_FT_UINT, SIM_FF_OUT)
/* address / IOVA */
#define A(n, o) FLD(n, o, 8, SIM_FT_UINT, SIM_FF_ADDR)
#define AO(n, o) FLD(n, o, 8, SIM_FT_UINT, SIM_FF_ADDR | SIM_FF_OUT)
/* user pointer */
#define P(n, o) FLD(n, o, 8, SIM_FT_UINT, SIM_FF_ADDR | SIM_FF_PTR)
#define S(n, o, s) FLD(n, o, s, SIM_FT_SINT, 0)
#define BYTES(n, o, s) FLD(n, o, s, SIM_FT_BYTES, 0)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* a struct without buffers, and one with */
#define STRUCT(var, nm, sz, szd, flds)                                \
	static const struct sim_struct var = {                        \
		.name = nm, .size = sz, .sized = szd, .fields = flds, \
		.nfields = NELEM(flds),                               \
	}
#define STRUCTB(var, nm, sz, szd, flds, bfs)                          \
	static const struct sim_struct var = {                        \
		.name = nm, .size = sz, .sized = szd, .fields = flds, \
		.nfields = NELEM(flds), .bufs = bfs,                  \
		.nbufs = NELEM(bfs),                                  \
	}

/* ------------------------------------------------------------- iommufd */

static const struct sim_field f_destroy[] = {
	U("size", 0, 4), U("id", 4, 4),
};
STRUCT(s_destroy, "iommu_destroy", 8, true, f_destroy);

static const struct sim_field f_ioas_alloc[] = {
	U("size", 0, 4), U("flags", 4, 4), UO("out_ioas_id", 8, 4),
};
STRUCT(s_ioas_alloc, "iommu_ioas_alloc", 12, true, f_ioas_alloc);

static const struct sim_field f_iova_range[] = {
	A("start", 0), A("last", 8),
};
STRUCT(s_iova_range, "iommu_iova_range", 16, false, f_iova_range);

static const struct sim_field f_iova_ranges[] = {
	U("size", 0, 4),	U("ioas_id", 4, 4),
	UO("num_iovas", 8, 4),	U("__reserved", 12, 4),
	P("allowed_iovas", 16), UO("out_iova_alignment", 24, 8),
};
static const struct sim_buf b_iova_ranges[] = { {
	.ptr = "allowed_iovas", .count = "num_iovas", .elem_size = 16,
	.len = SIM_BL_COUNT, .dir = SIM_BUF_OUT, .elem = &s_iova_range,
} };
STRUCTB(s_iova_ranges, "iommu_ioas_iova_ranges", 32, true, f_iova_ranges,
       b_iova_ranges);

static const struct sim_field f_allow_iovas[] = {
	U("size", 0, 4),      U("ioas_id", 4, 4),	U("num_iovas", 8, 4),
	U("__reserved", 12, 4), P("allowed_iovas", 16),
};
static const struct sim_buf b_allow_iovas[] = { {
	.ptr = "allowed_iovas", .count = "num_iovas", .elem_size = 16,
	.len = SIM_BL_COUNT, .dir = SIM_BUF_IN, .elem = &s_iova_range,
} };
STRUCTB(s_allow_iovas, "iommu_ioas_allow_iovas", 24, true, f_allow_iovas,
       b_allow_iovas);

static const struct sim_field f_ioas_map[] = {
	U("size", 0, 4),	U("flags", 4, 4), U("ioas_id", 8, 4),
	U("__reserved", 12, 4), A("user_va", 16), U("length", 24, 8),
	AO("iova", 32),
};
STRUCT(s_ioas_map, "iommu_ioas_map", 40, true, f_ioas_map);

static const struct sim_field f_ioas_copy[] = {
	U("size", 0, 4),	 U("flags", 4, 4),     U("dst_ioas_id", 8, 4),
	U("src_ioas_id", 12, 4), U("length", 16, 8), AO("dst_iova", 24),
	A("src_iova", 32),
};
STRUCT(s_ioas_copy, "iommu_ioas_copy", 40, true, f_ioas_copy);

static const struct sim_field f_ioas_unmap[] = {
	U("size", 0, 4), U("ioas_id", 4, 4), A("iova", 8), UO("length", 16, 8),
};
STRUCT(s_ioas_unmap, "iommu_ioas_unmap", 24, true, f_ioas_unmap);

static const struct sim_field f_option[] = {
	U("size", 0, 4),	 U("option_id", 4, 4), U("op", 8, 2),
	U("__reserved", 10, 2), U("object_id", 12, 4), UO("val64", 16, 8),
};
STRUCT(s_option, "iommu_option", 24, true, f_option);

static const struct sim_field f_vfio_ioas[] = {
	U("size", 0, 4), UO("ioas_id", 4, 4), U("op", 8, 2),
	U("__reserved", 10, 2),
};
STRUCT(s_vfio_ioas, "iommu_vfio_ioas", 12, true, f_vfio_ioas);

static const struct sim_field f_hwpt_vtd_s1[] = {
	U("flags", 0, 8), A("pgtbl_addr", 8), U("addr_width", 16, 4),
	U("__reserved", 20, 4),
};
STRUCT(s_hwpt_vtd_s1, "iommu_hwpt_vtd_s1", 24, false, f_hwpt_vtd_s1);

static const struct sim_field f_hwpt_alloc[] = {
	U("size", 0, 4),	U("flags", 4, 4),	 U("dev_id", 8, 4),
	U("pt_id", 12, 4),	UO("out_hwpt_id", 16, 4), U("__reserved", 20, 4),
	U("data_type", 24, 4),	U("data_len", 28, 4),	 P("data_uptr", 32),
	U("fault_id", 40, 4),	U("__reserved2", 44, 4),
};
static const struct sim_buf b_hwpt_alloc[] = { {
	.ptr = "data_uptr", .count = "data_len", .len = SIM_BL_BYTES,
	.dir = SIM_BUF_IN, .elem = &s_hwpt_vtd_s1, .elem_sel = "data_type",
	.elem_sel_value = IOMMU_HWPT_DATA_VTD_S1,
} };
STRUCTB(s_hwpt_alloc, "iommu_hwpt_alloc", 48, true, f_hwpt_alloc,
       b_hwpt_alloc);

static const struct sim_field f_hw_info_vtd[] = {
	U("flags", 0, 4), U("__reserved", 4, 4), U("cap_reg", 8, 8),
	U("ecap_reg", 16, 8),
};
STRUCT(s_hw_info_vtd, "iommu_hw_info_vtd", 24, false, f_hw_info_vtd);

static const struct sim_field f_hw_info[] = {
	U("size", 0, 4),
	U("flags", 4, 4),
	U("dev_id", 8, 4),
	UO("data_len", 12, 4),
	P("data_uptr", 16),
	/* in_data_type (6.17) shares these bytes; 6.12 only writes them */
	UO("out_data_type", 24, 4),
	UO("out_max_pasid_log2", 28, 1),
	BYTES("__reserved", 29, 3),
	UO("out_capabilities", 32, 8),
};
static const struct sim_buf b_hw_info[] = { {
	.ptr = "data_uptr", .count = "data_len", .len = SIM_BL_BYTES,
	.dir = SIM_BUF_OUT, .elem = &s_hw_info_vtd,
	.elem_sel = "out_data_type",
	.elem_sel_value = IOMMU_HW_INFO_TYPE_INTEL_VTD,
} };
STRUCTB(s_hw_info, "iommu_hw_info", 40, true, f_hw_info, b_hw_info);

static const struct sim_field f_set_dirty[] = {
	U("size", 0, 4), U("flags", 4, 4), U("hwpt_id", 8, 4),
	U("__reserved", 12, 4),
};
STRUCT(s_set_dirty, "iommu_hwpt_set_dirty_tracking", 16, true, f_set_dirty);

static const struct sim_field f_get_dirty[] = {
	U("size", 0, 4),	U("hwpt_id", 4, 4),	U("flags", 8, 4),
	U("__reserved", 12, 4), A("iova", 16),		U("length", 24, 8),
	U("page_size", 32, 8),	P("data", 40),
};
/* The kernel only sets bits: the old contents are input, the result output */
static const struct sim_buf b_get_dirty[] = { {
	.ptr = "data", .count = "length", .stride = "page_size",
	.len = SIM_BL_DIRTY_BITMAP, .dir = SIM_BUF_IN | SIM_BUF_OUT,
} };
STRUCTB(s_get_dirty, "iommu_hwpt_get_dirty_bitmap", 48, true, f_get_dirty,
       b_get_dirty);

static const struct sim_field f_vtd_inv[] = {
	A("addr", 0), U("npages", 8, 8), U("flags", 16, 4),
	U("__reserved", 20, 4),
};
STRUCT(s_vtd_inv, "iommu_hwpt_vtd_s1_invalidate", 24, false, f_vtd_inv);

static const struct sim_field f_invalidate[] = {
	U("size", 0, 4),	U("hwpt_id", 4, 4),   P("data_uptr", 8),
	U("data_type", 16, 4),	U("entry_len", 20, 4), UO("entry_num", 24, 4),
	U("__reserved", 28, 4),
};
static const struct sim_buf b_invalidate[] = { {
	.ptr = "data_uptr", .count = "entry_num", .stride = "entry_len",
	.len = SIM_BL_COUNT_STRIDE, .dir = SIM_BUF_IN, .elem = &s_vtd_inv,
	.elem_sel = "data_type",
	.elem_sel_value = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
} };
STRUCTB(s_invalidate, "iommu_hwpt_invalidate", 32, true, f_invalidate,
       b_invalidate);

static const struct sim_field f_pgfault[] = {
	U("flags", 0, 4),	U("dev_id", 4, 4), U("pasid", 8, 4),
	U("grpid", 12, 4),	U("perm", 16, 4),  U("__reserved", 20, 4),
	A("addr", 24),		U("length", 32, 4), U("cookie", 36, 4),
};
STRUCT(s_pgfault, "iommu_hwpt_pgfault", 40, false, f_pgfault);

static const struct sim_field f_page_resp[] = {
	U("cookie", 0, 4), U("code", 4, 4),
};
STRUCT(s_page_resp, "iommu_hwpt_page_response", 8, false, f_page_resp);

static const struct sim_field f_fault_alloc[] = {
	U("size", 0, 4), U("flags", 4, 4), UO("out_fault_id", 8, 4),
	UO("out_fault_fd", 12, 4),
};
STRUCT(s_fault_alloc, "iommu_fault_alloc", 16, true, f_fault_alloc);

/* ---------------------------------------------------------------- VFIO */

static const struct sim_field f_cap_header[] = {
	U("id", 0, 2), U("version", 2, 2), U("next", 4, 4),
};
STRUCT(s_cap_header, "vfio_info_cap_header", 8, false, f_cap_header);

static const struct sim_field f_device_info[] = {
	U("argsz", 0, 4),	  UO("flags", 4, 4),	  UO("num_regions", 8, 4),
	UO("num_irqs", 12, 4), UO("cap_offset", 16, 4), U("pad", 20, 4),
};
STRUCT(s_device_info, "vfio_device_info", 24, true, f_device_info);

/* argsz grows to the size the capability chain needs */
static const struct sim_field f_type1_info[] = {
	UO("argsz", 0, 4),	 UO("flags", 4, 4), UO("iova_pgsizes", 8, 8),
	UO("cap_offset", 16, 4), U("pad", 20, 4),
};
STRUCT(s_type1_info, "vfio_iommu_type1_info", 24, true, f_type1_info);

static const struct sim_field f_vfio_iova_range[] = {
	A("start", 0), A("end", 8),
};
STRUCT(s_vfio_iova_range, "vfio_iova_range", 16, false, f_vfio_iova_range);

static const struct sim_field f_cap_iova_range[] = {
	U("header.id", 0, 2), U("header.version", 2, 2), U("header.next", 4, 4),
	U("nr_iovas", 8, 4),  U("reserved", 12, 4),
};
STRUCT(s_cap_iova_range, "vfio_iommu_type1_info_cap_iova_range", 16, false,
       f_cap_iova_range);

/* four bytes of padding after flags on x86-64 */
static const struct sim_field f_cap_migration[] = {
	U("header.id", 0, 2),	     U("header.version", 2, 2),
	U("header.next", 4, 4),	     U("flags", 8, 4),
	U("pgsize_bitmap", 16, 8), U("max_dirty_bitmap_size", 24, 8),
};
STRUCT(s_cap_migration, "vfio_iommu_type1_info_cap_migration", 32, false,
       f_cap_migration);

static const struct sim_field f_dma_avail[] = {
	U("header.id", 0, 2), U("header.version", 2, 2), U("header.next", 4, 4),
	U("avail", 8, 4),
};
STRUCT(s_dma_avail, "vfio_iommu_type1_info_dma_avail", 12, false,
       f_dma_avail);

static const struct sim_field f_dma_map[] = {
	U("argsz", 0, 4), U("flags", 4, 4), A("vaddr", 8), A("iova", 16),
	U("size", 24, 8),
};
STRUCT(s_dma_map, "vfio_iommu_type1_dma_map", 32, true, f_dma_map);

static const struct sim_field f_vfio_bitmap[] = {
	U("pgsize", 0, 8), U("size", 8, 8), P("data", 16),
};
static const struct sim_buf b_vfio_bitmap[] = { {
	.ptr = "data", .count = "size", .len = SIM_BL_BYTES,
	.dir = SIM_BUF_IN | SIM_BUF_OUT,
} };
STRUCTB(s_vfio_bitmap, "vfio_bitmap", 24, false, f_vfio_bitmap,
	b_vfio_bitmap);

/* the bitmap.* fields are the struct vfio_bitmap that follows in data[] */
static const struct sim_field f_dma_unmap[] = {
	U("argsz", 0, 4),	   U("flags", 4, 4),	     A("iova", 8),
	UO("size", 16, 8),	   U("bitmap.pgsize", 24, 8), U("bitmap.size", 32, 8),
	P("bitmap.data", 40),
};
static const struct sim_buf b_dma_unmap[] = { {
	.ptr = "bitmap.data", .count = "bitmap.size", .len = SIM_BL_BYTES,
	.dir = SIM_BUF_IN | SIM_BUF_OUT, .when = "flags",
	.when_mask = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
} };
STRUCTB(s_dma_unmap, "vfio_iommu_type1_dma_unmap", 24, true, f_dma_unmap,
       b_dma_unmap);

/* iova onwards is the struct vfio_iommu_type1_dirty_bitmap_get in data[] */
static const struct sim_field f_dirty_pages[] = {
	U("argsz", 0, 4),	   U("flags", 4, 4),	     A("iova", 8),
	U("size", 16, 8),	   U("bitmap.pgsize", 24, 8), U("bitmap.size", 32, 8),
	P("bitmap.data", 40),
};
static const struct sim_buf b_dirty_pages[] = { {
	.ptr = "bitmap.data", .count = "bitmap.size", .len = SIM_BL_BYTES,
	.dir = SIM_BUF_IN | SIM_BUF_OUT, .when = "flags",
	.when_mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
} };
STRUCTB(s_dirty_pages, "vfio_iommu_type1_dirty_bitmap", 8, true,
       f_dirty_pages, b_dirty_pages);

static const struct sim_field f_dirty_get[] = {
	A("iova", 0),		U("size", 8, 8), U("bitmap.pgsize", 16, 8),
	U("bitmap.size", 24, 8), P("bitmap.data", 32),
};
static const struct sim_buf b_dirty_get[] = { {
	.ptr = "bitmap.data", .count = "bitmap.size", .len = SIM_BL_BYTES,
	.dir = SIM_BUF_IN | SIM_BUF_OUT,
} };
STRUCTB(s_dirty_get, "vfio_iommu_type1_dirty_bitmap_get", 40, false,
	f_dirty_get, b_dirty_get);

static const struct sim_field f_bind[] = {
	U("argsz", 0, 4), U("flags", 4, 4), S("iommufd", 8, 4),
	UO("out_devid", 12, 4),
};
STRUCT(s_bind, "vfio_device_bind_iommufd", 16, true, f_bind);

static const struct sim_field f_attach[] = {
	U("argsz", 0, 4), U("flags", 4, 4), UO("pt_id", 8, 4),
};
STRUCT(s_attach, "vfio_device_attach_iommufd_pt", 12, true, f_attach);

static const struct sim_field f_detach[] = {
	U("argsz", 0, 4), U("flags", 4, 4),
};
STRUCT(s_detach, "vfio_device_detach_iommufd_pt", 8, true, f_detach);

static const struct sim_struct *const structs[] = {
	&s_destroy,	   &s_ioas_alloc,     &s_iova_range,	&s_iova_ranges,
	&s_allow_iovas,	   &s_ioas_map,	      &s_ioas_copy,	&s_ioas_unmap,
	&s_option,	   &s_vfio_ioas,      &s_hwpt_vtd_s1,	&s_hwpt_alloc,
	&s_hw_info_vtd,	   &s_hw_info,	      &s_set_dirty,	&s_get_dirty,
	&s_vtd_inv,	   &s_invalidate,     &s_pgfault,	&s_page_resp,
	&s_fault_alloc,	   &s_cap_header,     &s_device_info,	&s_type1_info,
	&s_vfio_iova_range, &s_cap_iova_range, &s_cap_migration, &s_dma_avail,
	&s_dma_map,	   &s_vfio_bitmap,    &s_dma_unmap,	&s_dirty_pages,
	&s_dirty_get,	   &s_bind,	      &s_attach,	&s_detach,
};

/* ------------------------------------------------------------ requests */

#define FD_IOMMUFD ((1u << SIM_FD_IOMMUFD) | (1u << SIM_FD_VFIO_CONTAINER))
#define FD_DEVICE (1u << SIM_FD_VFIO_DEVICE)
#define IOC(nm, st) { #nm, nm, SIM_ARG_STRUCT, FD_IOMMUFD, st }

static const struct sim_ioctl ioctls[] = {
	IOC(IOMMU_DESTROY, &s_destroy),
	IOC(IOMMU_IOAS_ALLOC, &s_ioas_alloc),
	IOC(IOMMU_IOAS_ALLOW_IOVAS, &s_allow_iovas),
	IOC(IOMMU_IOAS_COPY, &s_ioas_copy),
	IOC(IOMMU_IOAS_IOVA_RANGES, &s_iova_ranges),
	IOC(IOMMU_IOAS_MAP, &s_ioas_map),
	IOC(IOMMU_IOAS_UNMAP, &s_ioas_unmap),
	IOC(IOMMU_OPTION, &s_option),
	IOC(IOMMU_VFIO_IOAS, &s_vfio_ioas),
	IOC(IOMMU_HWPT_ALLOC, &s_hwpt_alloc),
	IOC(IOMMU_GET_HW_INFO, &s_hw_info),
	IOC(IOMMU_HWPT_SET_DIRTY_TRACKING, &s_set_dirty),
	IOC(IOMMU_HWPT_GET_DIRTY_BITMAP, &s_get_dirty),
	IOC(IOMMU_HWPT_INVALIDATE, &s_invalidate),
	IOC(IOMMU_FAULT_QUEUE_ALLOC, &s_fault_alloc),
	{ "VFIO_GET_API_VERSION", VFIO_GET_API_VERSION, SIM_ARG_NONE,
	  FD_IOMMUFD, NULL },
	{ "VFIO_CHECK_EXTENSION", VFIO_CHECK_EXTENSION, SIM_ARG_VALUE,
	  FD_IOMMUFD, NULL },
	{ "VFIO_SET_IOMMU", VFIO_SET_IOMMU, SIM_ARG_VALUE, FD_IOMMUFD, NULL },
	IOC(VFIO_IOMMU_GET_INFO, &s_type1_info),
	IOC(VFIO_IOMMU_MAP_DMA, &s_dma_map),
	IOC(VFIO_IOMMU_UNMAP_DMA, &s_dma_unmap),
	IOC(VFIO_IOMMU_DIRTY_PAGES, &s_dirty_pages),
	{ "VFIO_DEVICE_GET_INFO", VFIO_DEVICE_GET_INFO, SIM_ARG_STRUCT,
	  FD_DEVICE, &s_device_info },
	{ "VFIO_DEVICE_BIND_IOMMUFD", VFIO_DEVICE_BIND_IOMMUFD, SIM_ARG_STRUCT,
	  FD_DEVICE, &s_bind },
	{ "VFIO_DEVICE_ATTACH_IOMMUFD_PT", VFIO_DEVICE_ATTACH_IOMMUFD_PT,
	  SIM_ARG_STRUCT, FD_DEVICE, &s_attach },
	{ "VFIO_DEVICE_DETACH_IOMMUFD_PT", VFIO_DEVICE_DETACH_IOMMUFD_PT,
	  SIM_ARG_STRUCT, FD_DEVICE, &s_detach },
};

size_t sim_struct_count(void)
{
	return NELEM(structs);
}

const struct sim_struct *sim_struct_at(size_t i)
{
	return i < NELEM(structs) ? structs[i] : NULL;
}

const struct sim_struct *sim_struct_by_name(const char *name)
{
	for (size_t i = 0; i < NELEM(structs); i++)
		if (!strcmp(structs[i]->name, name))
			return structs[i];
	return NULL;
}

size_t sim_ioctl_count(void)
{
	return NELEM(ioctls);
}

const struct sim_ioctl *sim_ioctl_at(size_t i)
{
	return i < NELEM(ioctls) ? &ioctls[i] : NULL;
}

const struct sim_ioctl *sim_ioctl_by_name(const char *name)
{
	for (size_t i = 0; i < NELEM(ioctls); i++)
		if (!strcmp(ioctls[i].name, name))
			return &ioctls[i];
	return NULL;
}

const struct sim_ioctl *sim_ioctl_by_cmd(uint32_t cmd)
{
	for (size_t i = 0; i < NELEM(ioctls); i++)
		if (ioctls[i].cmd == cmd)
			return &ioctls[i];
	return NULL;
}

static const char *const fdkind_names[SIM_FD_NKINDS] = {
	[SIM_FD_IOMMUFD] = "iommufd",
	[SIM_FD_VFIO_CONTAINER] = "vfio-container",
	[SIM_FD_VFIO_DEVICE] = "vfio-device",
	[SIM_FD_FAULT] = "fault",
};

const char *sim_fdkind_name(enum sim_fdkind kind)
{
	return (unsigned int)kind < SIM_FD_NKINDS ? fdkind_names[kind] : "?";
}

int sim_fdkind_parse(const char *name)
{
	for (int i = 0; i < SIM_FD_NKINDS; i++)
		if (!strcmp(fdkind_names[i], name))
			return i;
	return -1;
}

const struct sim_field *sim_field_by_name(const struct sim_struct *st,
					  const char *name)
{
	for (unsigned int i = 0; i < st->nfields; i++)
		if (!strcmp(st->fields[i].name, name))
			return &st->fields[i];
	return NULL;
}

bool sim_field_within(const struct sim_field *f, size_t len)
{
	return (size_t)f->offset + f->size <= len;
}

bool sim_field_get(const struct sim_field *f, const uint8_t *bytes,
		   size_t len, uint64_t *val)
{
	uint64_t v = 0;

	if (f->type == SIM_FT_BYTES || !sim_field_within(f, len))
		return false;
	/* little endian, whatever the host: the trace's byte order is x86-64's */
	for (uint32_t i = 0; i < f->size; i++)
		v |= (uint64_t)bytes[f->offset + i] << (8 * i);
	if (f->type == SIM_FT_SINT && f->size < 8 &&
	    (v >> (8 * f->size - 1)) & 1)
		v |= ~(uint64_t)0 << (8 * f->size);
	*val = v;
	return true;
}

bool sim_field_put(const struct sim_field *f, uint8_t *bytes, size_t len,
		   uint64_t val)
{
	if (f->type == SIM_FT_BYTES || !sim_field_within(f, len))
		return false;
	if (f->size < 8) {
		unsigned int bits = 8 * f->size;

		if (f->type == SIM_FT_SINT) {
			int64_t s = (int64_t)val;

			if (s < -((int64_t)1 << (bits - 1)) ||
			    s >= ((int64_t)1 << (bits - 1)))
				return false;
		} else if (val >> bits) {
			return false;
		}
	}
	for (uint32_t i = 0; i < f->size; i++)
		bytes[f->offset + i] = (uint8_t)(val >> (8 * i));
	return true;
}

bool sim_struct_get(const struct sim_struct *st, const char *name,
		    const uint8_t *bytes, size_t len, uint64_t *val)
{
	const struct sim_field *f = sim_field_by_name(st, name);

	return f && sim_field_get(f, bytes, len, val);
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

bool sim_buf_locate(const struct sim_struct *st, const struct sim_buf *b,
		    const uint8_t *bytes, size_t len, uint64_t *addr,
		    uint64_t *blen)
{
	uint64_t count, stride = 0, v;

	if (b->when && (!sim_struct_get(st, b->when, bytes, len, &v) ||
			!(v & b->when_mask)))
		return false;
	if (!sim_struct_get(st, b->ptr, bytes, len, addr) ||
	    !sim_struct_get(st, b->count, bytes, len, &count))
		return false;
	if (b->stride && !sim_struct_get(st, b->stride, bytes, len, &stride))
		return false;

	switch (b->len) {
	case SIM_BL_COUNT:
		*blen = mul_sat(count, b->elem_size);
		break;
	case SIM_BL_BYTES:
		*blen = count;
		break;
	case SIM_BL_COUNT_STRIDE:
		*blen = mul_sat(count, stride);
		break;
	case SIM_BL_DIRTY_BITMAP:
		/*
		 * iova_bitmap_alloc(): mapped_total_index is the u64 index of
		 * the bit for the last byte, plus one.
		 */
		if (!count || !stride)
			*blen = 0;
		else
			*blen = mul_sat((count - 1) / stride / 64 + 1, 8);
		break;
	default:
		return false;
	}
	return true;
}

const struct sim_struct *sim_buf_elem(const struct sim_struct *st,
				      const struct sim_buf *b,
				      const uint8_t *bytes, size_t len,
				      const uint8_t *sel_bytes,
				      size_t sel_len)
{
	uint64_t v;

	if (!b->elem)
		return NULL;
	if (b->elem_sel &&
	    (!sim_struct_get(st, b->elem_sel, sel_bytes, sel_len, &v) ||
	     v != b->elem_sel_value))
		return NULL;
	if (b->len == SIM_BL_COUNT_STRIDE &&
	    (!sim_struct_get(st, b->stride, bytes, len, &v) ||
	     v != b->elem->size))
		return NULL;
	return b->elem;
}

const struct sim_buf *sim_buf_by_ptr(const struct sim_struct *st,
				     const char *ptr)
{
	for (unsigned int i = 0; i < st->nbufs; i++)
		if (!strcmp(st->bufs[i].ptr, ptr))
			return &st->bufs[i];
	return NULL;
}
