// SPDX-License-Identifier: MIT
/*
 * EXPERIMENTAL noiommu cdev mode (IOMMUFD_CONFIG_NOIOMMU, a proposal not in
 * any released kernel): binding a device that has no IOMMU, the HWPT that
 * pins the IOAS for it, IOMMU_IOAS_NOIOMMU_GET_PA and DMA by physical
 * address.
 *
 * Everything runs over simulated memory: it hands out PFNs in the order
 * pages are first touched, so a buffer pinned front to back is physically
 * contiguous and a page touched early breaks the run where a test wants.
 * ioctl structs travel through a scratch page of that memory.
 */
#include <stdlib.h>

#include <iommufd/platform.h>
#include <iommufd/uapi_noiommu.h>

#include "harness.h"

#define PG 4096ull
#define SCRATCH 0x10000000ull /* the ioctl argument */
#define RO_PAGE 0x11000000ull /* readable, not writable */
#define BUF 0x20000000ull     /* user memory to map */
#define IOVA 0x40000000ull

struct fixture {
	struct iommufd_acct acct;
	struct iommufd_env env;
	struct iommufd_mem_sim *sim;
	struct iommufd_ctx *ctx;
	struct iommufd_platform *p;
	struct iommufd_iommu *none, *mock;
};

static void setup_with(struct fixture *f, unsigned int config, uint32_t caps)
{
	struct iommufd_iommu_desc none = { .kind = IOMMUFD_IOMMU_NONE };
	struct iommufd_iommu_desc mock = { .kind = IOMMUFD_IOMMU_MOCK };
	int err = 0;

	memset(f, 0, sizeof(*f));
	f->sim = iommufd_mem_sim_new();
	cr_assert_not_null(f->sim);
	cr_assert_eq(iommufd_mem_sim_add_range(f->sim, RO_PAGE, PG, false), 0);
	f->p = iommufd_platform_new();
	cr_assert_not_null(f->p);
	f->none = iommufd_platform_add_iommu(f->p, &none, &err);
	cr_assert_not_null(f->none, "add NONE: %d", err);
	f->mock = iommufd_platform_add_iommu(f->p, &mock, &err);
	cr_assert_not_null(f->mock);
	f->env.mem = iommufd_mem_sim_provider(f->sim);
	f->env.acct = &f->acct;
	f->env.caps = caps;
	f->env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	f->env.platform = f->p;
	f->env.config = config;
	f->ctx = iommufd_ctx_open(&f->env, 0);
	cr_assert_not_null(f->ctx);
}

/* The usual case: feature on, a caller that may use it */
static void setup(struct fixture *f)
{
	setup_with(f, IOMMUFD_CONFIG_NOIOMMU, IOMMUFD_CAP_SYS_RAWIO);
}

static void teardown(struct fixture *f)
{
	iommufd_ctx_close(f->ctx);
	iommufd_platform_free(f->p);
	iommufd_mem_sim_free(f->sim);
}

static void check(struct fixture *f)
{
	char why[512];

	cr_assert_eq(iommufd_ctx_check(f->ctx, why, sizeof(why)), 0,
		     "invariant broken: %s", why);
}

/* ioctl(2) with @arg copied in and out of the scratch page */
static long sioctl_at(struct fixture *f, unsigned int cmd, void *arg,
		      size_t len, uint64_t uaddr)
{
	struct iommufd_mem *mem = &f->env.mem;
	long rc;

	cr_assert_eq(mem->ops->write(mem->priv, SCRATCH, arg, len), 0);
	rc = iommufd_ctx_ioctl(f->ctx, cmd, uaddr);
	cr_assert_eq(mem->ops->read(mem->priv, arg, SCRATCH, len), 0);
	check(f);
	return rc;
}

static long sioctl(struct fixture *f, unsigned int cmd, void *arg, size_t len)
{
	return sioctl_at(f, cmd, arg, len, SCRATCH);
}

static struct iommufd_dev *add_dev(struct fixture *f,
				   struct iommufd_iommu *iommu, bool unisolated)
{
	struct iommufd_dev_desc desc = { .msi_unisolated = unisolated };
	int err = 0;
	struct iommufd_dev *dev =
		iommufd_platform_add_dev(f->p, iommu, &desc, &err);

	cr_assert_not_null(dev, "add_dev: %d", err);
	return dev;
}

static uint32_t bind(struct fixture *f, struct iommufd_dev *dev)
{
	uint32_t id = 0;
	int rc = iommufd_dev_bind(f->ctx, dev, &id);

	cr_assert_eq(rc, 0, "bind: %d", rc);
	check(f);
	return id;
}

static int attach(struct fixture *f, struct iommufd_dev *dev, uint32_t *pt)
{
	int rc = iommufd_dev_attach(dev, pt);

	check(f);
	return rc;
}

static uint32_t ioas_alloc(struct fixture *f)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	cr_assert_eq(sioctl(f, IOMMU_IOAS_ALLOC, &cmd, sizeof(cmd)), 0);
	return cmd.out_ioas_id;
}

static void map_fixed(struct fixture *f, uint32_t ioas, uint64_t va,
		      uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = va,
		.length = len,
		.iova = iova,
	};
	long rc = sioctl(f, IOMMU_IOAS_MAP, &cmd, sizeof(cmd));

	cr_assert_eq(rc, 0, "map: %ld", rc);
}

static long hwpt_alloc(struct fixture *f, uint32_t dev_id, uint32_t pt_id,
		       uint32_t flags, uint32_t *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev_id,
		.pt_id = pt_id,
	};
	long rc = sioctl(f, IOMMU_HWPT_ALLOC, &cmd, sizeof(cmd));

	if (out)
		*out = cmd.out_hwpt_id;
	return rc;
}

static long get_pa(struct fixture *f, uint32_t ioas, uint64_t iova,
		   uint64_t max, uint64_t *phys, uint64_t *len)
{
	struct iommu_ioas_noiommu_get_pa cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = max,
	};
	long rc = sioctl(f, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd, sizeof(cmd));

	if (!rc) {
		*phys = cmd.out_phys;
		*len = cmd.length;
	}
	return rc;
}

/* A bound noiommu device attached to a fresh IOAS: its automatic HWPT */
static uint32_t bound_attached(struct fixture *f, struct iommufd_dev **dev,
			       uint32_t *ioas)
{
	uint32_t pt;

	*dev = add_dev(f, f->none, false);
	*ioas = ioas_alloc(f);
	bind(f, *dev);
	pt = *ioas;
	cr_assert_eq(attach(f, *dev, &pt), 0);
	cr_assert_neq(pt, *ioas);
	return pt;
}

/* ------------------------------------------------------------------ bind */

Test(noiommu, bind_without_config_is_6_12s_einval)
{
	struct fixture f;
	uint32_t id = 0;

	setup_with(&f, 0, IOMMUFD_CAP_SYS_RAWIO);
	cr_assert_eq(iommufd_dev_bind(f.ctx, add_dev(&f, f.none, false), &id),
		     -EINVAL, "no IOMMU means no CACHE_COHERENCY in 6.12");
	cr_assert_eq(id, 0);
	/* the test config alone does not enable it either */
	teardown(&f);
	setup_with(&f, IOMMUFD_CONFIG_TEST, IOMMUFD_CAP_SYS_RAWIO);
	cr_assert_eq(iommufd_dev_bind(f.ctx, add_dev(&f, f.none, false), &id),
		     -EINVAL);
	check(&f);
	teardown(&f);
}

Test(noiommu, bind_needs_cap_sys_rawio)
{
	struct fixture f;
	struct iommufd_dev *dev;
	uint32_t id = 0;

	setup_with(&f, IOMMUFD_CONFIG_NOIOMMU,
		   IOMMUFD_CAP_SYS_RESOURCE | IOMMUFD_CAP_IPC_LOCK);
	dev = add_dev(&f, f.none, false);
	cr_assert_eq(iommufd_dev_bind(f.ctx, dev, &id), -EPERM);
	cr_assert_eq(iommufd_dev_id(dev), 0);
	check(&f);
	/* capabilities are read at the call, like capable() */
	f.env.caps |= IOMMUFD_CAP_SYS_RAWIO;
	cr_assert_eq(bind(&f, dev), 1, "the failed bind left no ID behind");
	cr_assert_eq(iommufd_dev_id(dev), 1);
	/* VFIO's one-bind rule comes first */
	f.env.caps = 0;
	cr_assert_eq(iommufd_dev_bind(f.ctx, dev, &id), -EBUSY);
	teardown(&f);
}

Test(noiommu, bind_ignores_msi_isolation_and_real_iommus_are_unchanged)
{
	struct fixture f;
	uint32_t id = 0;

	setup(&f);
	bind(&f, add_dev(&f, f.none, true));
	/* a device with an IOMMU still needs isolated MSIs */
	cr_assert_eq(iommufd_dev_bind(f.ctx, add_dev(&f, f.mock, true), &id),
		     -EPERM);
	teardown(&f);

	/* ... and needs no CAP_SYS_RAWIO */
	setup_with(&f, IOMMUFD_CONFIG_NOIOMMU, 0);
	bind(&f, add_dev(&f, f.mock, false));
	teardown(&f);
}

/* ------------------------------------------------------- HWPTs, attach */

Test(noiommu, attach_pins_and_charges_like_a_domain)
{
	struct fixture f;
	struct iommufd_dev *dev;
	uint32_t ioas, pt;

	setup(&f);
	dev = add_dev(&f, f.none, false);
	ioas = ioas_alloc(&f);
	map_fixed(&f, ioas, BUF, 4 * PG, IOVA);
	/* an IOAS without a domain pins nothing */
	cr_assert_eq(f.acct.user_locked_vm, 0);
	cr_assert_eq(iommufd_mem_sim_pin_count(f.sim, BUF), 0);

	bind(&f, dev);
	pt = ioas;
	cr_assert_eq(attach(&f, dev, &pt), 0);
	cr_assert_eq(f.acct.user_locked_vm, 4);
	cr_assert_eq(iommufd_mem_sim_pin_count(f.sim, BUF), 1);
	cr_assert_eq(iommufd_mem_sim_pin_count(f.sim, BUF + 3 * PG), 1);

	/* a mapping made while attached is pinned at once */
	map_fixed(&f, ioas, BUF + 16 * PG, 2 * PG, IOVA + 16 * PG);
	cr_assert_eq(f.acct.user_locked_vm, 6);

	/* the automatic HWPT dies with the detach and gives it all back */
	cr_assert_eq(iommufd_dev_detach(dev), 0);
	check(&f);
	cr_assert_eq(f.acct.user_locked_vm, 0);
	cr_assert_eq(iommufd_mem_sim_pin_count(f.sim, BUF), 0);
	teardown(&f);
}

Test(noiommu, hwpt_alloc_takes_no_flags_or_data)
{
	struct fixture f;
	struct iommufd_dev *dev, *other, *mockdev;
	uint32_t ioas, dev_id, hwpt, pt, dummy, mock_hwpt;
	uint32_t data = 0;

	setup(&f);
	dev = add_dev(&f, f.none, false);
	other = add_dev(&f, f.none, false);
	mockdev = add_dev(&f, f.mock, false);
	ioas = ioas_alloc(&f);
	dev_id = bind(&f, dev);
	bind(&f, other);
	bind(&f, mockdev);

	cr_assert_eq(hwpt_alloc(&f, dev_id, ioas,
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dummy),
		     -EOPNOTSUPP, "no dirty tracking");
	cr_assert_eq(hwpt_alloc(&f, dev_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				&dummy),
		     -EOPNOTSUPP, "nothing to nest");
	{
		struct iommu_hwpt_alloc cmd = {
			.size = sizeof(cmd), .dev_id = dev_id, .pt_id = ioas,
			.data_type = IOMMU_HWPT_DATA_VTD_S1,
			.data_len = sizeof(data), .data_uptr = RO_PAGE,
		};

		cr_assert_eq(sioctl(&f, IOMMU_HWPT_ALLOC, &cmd, sizeof(cmd)),
			     -EOPNOTSUPP, "no driver data format");
	}

	map_fixed(&f, ioas, BUF, 2 * PG, IOVA);
	cr_assert_eq(hwpt_alloc(&f, dev_id, ioas, 0, &hwpt), 0);
	/* a HWPT pins even before anything is attached to it */
	cr_assert_eq(f.acct.user_locked_vm, 2);

	pt = hwpt;
	cr_assert_eq(attach(&f, dev, &pt), 0);
	cr_assert_eq(pt, hwpt);
	pt = hwpt;
	cr_assert_eq(attach(&f, other, &pt), 0, "noiommu devices share it");
	pt = hwpt;
	cr_assert_eq(attach(&f, mockdev, &pt), -EINVAL,
		     "a device with an IOMMU cannot use it");
	/* nor can a noiommu device use an IOMMU's HWPT */
	cr_assert_eq(iommufd_dev_detach(other), 0);
	check(&f);
	mock_hwpt = ioas;
	cr_assert_eq(attach(&f, mockdev, &mock_hwpt), 0);
	cr_assert_neq(mock_hwpt, hwpt, "the mock gets an automatic HWPT");
	pt = mock_hwpt;
	cr_assert_eq(attach(&f, other, &pt), -EINVAL);
	/* and a replace onto it is refused the same way */
	pt = mock_hwpt;
	cr_assert_eq(attach(&f, dev, &pt), -EINVAL);
	/* on the IOAS itself the mock's HWPT is skipped, a new one made */
	pt = ioas;
	cr_assert_eq(attach(&f, other, &pt), 0);
	cr_assert_neq(pt, mock_hwpt);
	cr_assert_neq(pt, hwpt, "user-made HWPTs are not reused");
	cr_assert_eq(f.acct.user_locked_vm, 2,
		     "pinned and charged once, however many domains");
	teardown(&f);
}

Test(noiommu, get_hw_info_reports_nothing)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	uint32_t ioas;
	struct iommu_hw_info cmd;

	setup(&f);
	bound_attached(&f, &dev, &ioas);
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.dev_id = iommufd_dev_id(dev);
	cmd.data_len = 16;
	cmd.data_uptr = BUF;
	cmd.out_data_type = 0x55;
	cmd.out_capabilities = ~0ull;
	cr_assert_eq(sioctl(&f, IOMMU_GET_HW_INFO, &cmd, sizeof(cmd)), 0);
	cr_assert_eq(cmd.out_data_type, IOMMU_HW_INFO_TYPE_NONE);
	cr_assert_eq(cmd.data_len, 0);
	cr_assert_eq(cmd.out_capabilities, 0);
	cr_assert_eq(cmd.out_max_pasid_log2, 0);
	teardown(&f);
}

/* -------------------------------------------------------------- GET_PA */

Test(noiommu, get_pa_of_contiguous_memory)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	uint32_t ioas;
	uint64_t base = 0, phys = 0, len = 0, k;

	setup(&f);
	bound_attached(&f, &dev, &ioas);
	/* pinned front to back: eight consecutive PFNs */
	map_fixed(&f, ioas, BUF, 8 * PG, IOVA);

	cr_assert_eq(get_pa(&f, ioas, IOVA, 0, &base, &len), 0);
	cr_assert_eq(base & (PG - 1), 0);
	cr_assert_eq(len, 8 * PG);
	for (k = 0; k < 8; k++) {
		cr_assert_eq(get_pa(&f, ioas, IOVA + k * PG + 0x123, 0, &phys,
				    &len),
			     0);
		cr_assert_eq(phys, base + k * PG + 0x123);
		cr_assert_eq(len, (8 - k) * PG - 0x123,
			     "the run is measured from the byte asked for");
	}
	/* the last byte of the area */
	cr_assert_eq(get_pa(&f, ioas, IOVA + 8 * PG - 1, 0, &phys, &len), 0);
	cr_assert_eq(phys, base + 8 * PG - 1);
	cr_assert_eq(len, 1);

	/* length in is a cap; 0 and anything past the run mean no cap */
	cr_assert_eq(get_pa(&f, ioas, IOVA, PG, &phys, &len), 0);
	cr_assert_eq(len, PG);
	cr_assert_eq(get_pa(&f, ioas, IOVA + 0x80, 1, &phys, &len), 0);
	cr_assert_eq(phys, base + 0x80);
	cr_assert_eq(len, 1);
	cr_assert_eq(get_pa(&f, ioas, IOVA, 3 * PG + 7, &phys, &len), 0);
	cr_assert_eq(len, 3 * PG + 7);
	cr_assert_eq(get_pa(&f, ioas, IOVA + 5, UINT64_MAX, &phys, &len), 0);
	cr_assert_eq(len, 8 * PG - 5, "no overflow with a huge cap");

	/* the PA is the page the memory provider pinned */
	cr_assert_not_null(f.env.mem.ops->pinned_page(f.env.mem.priv,
						      base / PG));
	teardown(&f);
}

Test(noiommu, get_pa_stops_at_a_discontinuity)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	uint32_t ioas;
	uint64_t p0 = 0, p2 = 0, p3 = 0, len = 0;
	char byte = 1;

	setup(&f);
	bound_attached(&f, &dev, &ioas);
	/* page 2 exists before the pin: it has an older, lower PFN */
	cr_assert_eq(f.env.mem.ops->write(f.env.mem.priv, BUF + 2 * PG, &byte,
					  1),
		     0);
	map_fixed(&f, ioas, BUF, 4 * PG, IOVA);

	cr_assert_eq(get_pa(&f, ioas, IOVA, 0, &p0, &len), 0);
	cr_assert_eq(len, 2 * PG, "pages 0 and 1 only");
	cr_assert_eq(get_pa(&f, ioas, IOVA + PG + 8, 0, &p0, &len), 0);
	cr_assert_eq(len, PG - 8);
	cr_assert_eq(get_pa(&f, ioas, IOVA + 2 * PG, 0, &p2, &len), 0);
	cr_assert_eq(len, PG, "page 3 does not follow page 2");
	cr_assert_eq(get_pa(&f, ioas, IOVA + 3 * PG, 0, &p3, &len), 0);
	cr_assert_eq(len, PG);
	cr_assert_lt(p2, p0);
	cr_assert_neq(p3, p2 + PG);
	teardown(&f);
}

Test(noiommu, get_pa_never_runs_past_the_area)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	uint32_t ioas;
	uint64_t a = 0, b = 0, len = 0;

	setup(&f);
	bound_attached(&f, &dev, &ioas);
	/*
	 * Two maps, adjacent in IOVA and in user VA, pinned one after the
	 * other: physically one run, but two areas.
	 */
	map_fixed(&f, ioas, BUF, 4 * PG, IOVA);
	map_fixed(&f, ioas, BUF + 4 * PG, 4 * PG, IOVA + 4 * PG);
	cr_assert_eq(get_pa(&f, ioas, IOVA, 0, &a, &len), 0);
	cr_assert_eq(len, 4 * PG);
	cr_assert_eq(get_pa(&f, ioas, IOVA + 4 * PG, 0, &b, &len), 0);
	cr_assert_eq(b, a + 4 * PG, "the memory itself is contiguous");
	cr_assert_eq(len, 4 * PG);
	teardown(&f);
}

Test(noiommu, get_pa_follows_unmap_and_detach)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	struct iommu_ioas_unmap unmap;
	uint32_t ioas;
	uint64_t phys = 0, len = 0;

	setup(&f);
	bound_attached(&f, &dev, &ioas);
	map_fixed(&f, ioas, BUF, 2 * PG, IOVA);
	cr_assert_eq(get_pa(&f, ioas, IOVA, 0, &phys, &len), 0);

	unmap = (struct iommu_ioas_unmap){ .size = sizeof(unmap),
					   .ioas_id = ioas, .iova = IOVA,
					   .length = 2 * PG };
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_UNMAP, &unmap, sizeof(unmap)), 0);
	cr_assert_eq(get_pa(&f, ioas, IOVA, 0, &phys, &len), -ENOENT);

	map_fixed(&f, ioas, BUF, 2 * PG, IOVA);
	cr_assert_eq(iommufd_dev_detach(dev), 0);
	check(&f);
	cr_assert_eq(get_pa(&f, ioas, IOVA, 0, &phys, &len), -ENODEV,
		     "nothing pinned once the HWPT is gone");
	teardown(&f);
}

/* Every failure, in the order the handler checks */
Test(noiommu, get_pa_errnos_in_order)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	uint32_t ioas, bare, hwpt, mock_ioas, pt;
	uint64_t phys = 0, len = 0;
	struct iommu_ioas_noiommu_get_pa cmd;
	uint8_t big[48];

	setup(&f);
	hwpt = bound_attached(&f, &dev, &ioas);
	map_fixed(&f, ioas, BUF, 2 * PG, IOVA);

	/* dispatcher: size, then the tail */
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = 39;
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd, sizeof(cmd)),
		     -EINVAL, "every field is mandatory");
	memset(big, 0, sizeof(big));
	*(uint32_t *)big = sizeof(big);
	*(uint32_t *)(big + 8) = ioas;
	*(uint64_t *)(big + 16) = IOVA;
	big[47] = 1;
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, big, sizeof(big)),
		     -E2BIG);
	big[47] = 0;
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, big, sizeof(big)),
		     0, "a zero tail is fine");
	cr_assert_eq(*(uint64_t *)(big + 24), 2 * PG);
	cr_assert_eq(*(uint32_t *)(big + 40), 0, "nothing written past sizeof");
	cr_assert_eq(iommufd_ctx_ioctl(f.ctx, IOMMU_IOAS_NOIOMMU_GET_PA, 0),
		     -EFAULT);

	/* flags and __reserved before anything is looked up */
	cmd = (struct iommu_ioas_noiommu_get_pa){ .size = sizeof(cmd),
						  .flags = 1, .ioas_id = 999,
						  .iova = 0 };
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd, sizeof(cmd)),
		     -EOPNOTSUPP);
	cmd.flags = 0;
	cmd.__reserved = 1;
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd, sizeof(cmd)),
		     -EOPNOTSUPP);

	/* then the IOAS: absent, or an object of another type */
	cr_assert_eq(get_pa(&f, 999, IOVA, 0, &phys, &len), -ENOENT);
	cr_assert_eq(get_pa(&f, hwpt, IOVA, 0, &phys, &len), -ENOENT);
	cr_assert_eq(get_pa(&f, iommufd_dev_id(dev), IOVA, 0, &phys, &len),
		     -ENOENT);

	/* then the area */
	cr_assert_eq(get_pa(&f, ioas, IOVA - 1, 0, &phys, &len), -ENOENT);
	cr_assert_eq(get_pa(&f, ioas, IOVA + 2 * PG, 0, &phys, &len), -ENOENT);

	/* then a noiommu domain: none at all, or only an IOMMU's */
	bare = ioas_alloc(&f);
	cr_assert_eq(get_pa(&f, bare, IOVA, 0, &phys, &len), -ENOENT,
		     "the area is looked up first");
	map_fixed(&f, bare, BUF, 2 * PG, IOVA);
	cr_assert_eq(get_pa(&f, bare, IOVA, 0, &phys, &len), -ENODEV);
	mock_ioas = ioas_alloc(&f);
	map_fixed(&f, mock_ioas, BUF, 2 * PG, IOVA);
	{
		struct iommufd_dev *m = add_dev(&f, f.mock, false);

		bind(&f, m);
		pt = mock_ioas;
		cr_assert_eq(attach(&f, m, &pt), 0);
	}
	cr_assert_eq(get_pa(&f, mock_ioas, IOVA, 0, &phys, &len), -ENODEV,
		     "PAs behind a real IOMMU stay hidden");
	teardown(&f);
}

/* A struct the model can read but not write back: respond's EFAULT */
Test(noiommu, get_pa_response_fault)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	uint32_t ioas;
	struct iommu_ioas_noiommu_get_pa cmd;

	setup(&f);
	bound_attached(&f, &dev, &ioas);
	map_fixed(&f, ioas, BUF, 2 * PG, IOVA);
	cmd = (struct iommu_ioas_noiommu_get_pa){ .size = sizeof(cmd),
						  .ioas_id = ioas,
						  .iova = IOVA };
	/* put the struct there while the page is still writable */
	cr_assert_eq(iommufd_mem_sim_add_range(f.sim, RO_PAGE, PG, true), 0);
	cr_assert_eq(f.env.mem.ops->write(f.env.mem.priv, RO_PAGE, &cmd,
					  sizeof(cmd)),
		     0);
	cr_assert_eq(iommufd_mem_sim_add_range(f.sim, RO_PAGE, PG, false), 0);
	cr_assert_eq(iommufd_ctx_ioctl(f.ctx, IOMMU_IOAS_NOIOMMU_GET_PA,
				       RO_PAGE),
		     -EFAULT);
	check(&f);
	teardown(&f);
}

/* ------------------------------------------------- the ioctl's presence */

Test(noiommu, get_pa_absent_without_the_config)
{
	struct fixture f;
	struct iommu_ioas_noiommu_get_pa cmd = { .size = sizeof(cmd) };

	/* 6.12 without the test config: NR 0x8f is the compat layer's */
	setup_with(&f, 0, IOMMUFD_CAP_SYS_RAWIO);
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd, sizeof(cmd)),
		     -ENOTTY);
	cr_assert_eq(iommufd_ctx_ioctl(f.ctx, IOMMU_IOAS_NOIOMMU_GET_PA, 0),
		     -ENOTTY, "past the table: the size is never read");
	teardown(&f);

	/* with it: a hole, so the size is read first */
	setup_with(&f, IOMMUFD_CONFIG_TEST, IOMMUFD_CAP_SYS_RAWIO);
	cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd, sizeof(cmd)),
		     -ENOTTY);
	cr_assert_eq(iommufd_ctx_ioctl(f.ctx, IOMMU_IOAS_NOIOMMU_GET_PA, 0),
		     -EFAULT);
	teardown(&f);
}

Test(noiommu, get_pa_present_with_the_config)
{
	struct fixture f;
	struct iommu_ioas_noiommu_get_pa cmd = { .size = sizeof(cmd),
						 .ioas_id = 77 };
	unsigned int configs[] = { IOMMUFD_CONFIG_NOIOMMU,
				   IOMMUFD_CONFIG_NOIOMMU |
					   IOMMUFD_CONFIG_TEST };
	size_t i;

	for (i = 0; i < 2; i++) {
		setup_with(&f, configs[i], 0);
		cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd,
				    sizeof(cmd)),
			     -ENOENT, "the handler runs");
		/* the full request number must match, as for every slot */
		cr_assert_eq(sioctl(&f,
				    IOMMUFD_IOWR(IOMMUFD_TYPE,
						 IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA,
						 struct iommu_ioas_noiommu_get_pa),
				    &cmd, sizeof(cmd)),
			     -ENOTTY);
		/* the next NR stays past the end, or a hole */
		cr_assert_eq(sioctl(&f, IOMMU_IOAS_NOIOMMU_GET_PA + 1, &cmd,
				    sizeof(cmd)),
			     -ENOTTY);
		teardown(&f);
	}
}

/* ---------------------------------------------------------------- DMA */

Test(noiommu, dma_uses_physical_addresses)
{
	struct fixture f;
	struct iommufd_dev *dev;
	uint32_t ioas, pt;
	uint64_t phys = 0, len = 0;
	char out[64] = "written by the device across a page boundary", in[64];

	setup(&f);
	dev = add_dev(&f, f.none, false);
	ioas = ioas_alloc(&f);
	map_fixed(&f, ioas, BUF, 2 * PG, IOVA);
	bind(&f, dev);
	cr_assert_eq(iommufd_dev_dma(dev, 0, out, 8, true), -ENODEV,
		     "not attached: dma.c's rule for every device");
	pt = ioas;
	cr_assert_eq(attach(&f, dev, &pt), 0);
	cr_assert_eq(get_pa(&f, ioas, IOVA + PG - 20, 0, &phys, &len), 0);
	cr_assert_eq(len, PG + 20);

	/* the device is handed the PA, not the IOVA */
	cr_assert_eq(iommufd_dev_dma(dev, phys, out, sizeof(out), true), 0);
	cr_assert_eq(f.env.mem.ops->read(f.env.mem.priv, in,
					 BUF + PG - 20, sizeof(in)),
		     0);
	cr_assert_arr_eq(in, out, sizeof(out));
	memset(in, 0, sizeof(in));
	cr_assert_eq(iommufd_dev_dma(dev, phys, in, sizeof(in), false), 0);
	cr_assert_arr_eq(in, out, sizeof(out));

	/* an IOVA means nothing to it; nor does memory nobody pinned */
	cr_assert_eq(iommufd_dev_dma(dev, IOVA, in, 8, false), -EIO);
	cr_assert_eq(iommufd_dev_dma(dev, phys + 2 * PG, in, 8, false), -EIO);

	/* after the detach the pages are unpinned and out of reach */
	cr_assert_eq(iommufd_dev_detach(dev), 0);
	cr_assert_eq(iommufd_dev_dma(dev, phys, in, 8, false), -ENODEV);
	teardown(&f);
}

/* Closing the context unbinds nothing, the device keeps it until unbind */
Test(noiommu, close_with_a_bound_device)
{
	struct fixture f;
	struct iommufd_dev *dev = NULL;
	uint32_t ioas;

	setup(&f);
	bound_attached(&f, &dev, &ioas);
	map_fixed(&f, ioas, BUF, 2 * PG, IOVA);
	cr_assert_eq(f.acct.user_locked_vm, 2);
	iommufd_ctx_close(f.ctx);
	f.ctx = NULL;
	cr_assert_eq(f.acct.user_locked_vm, 2, "still held by the binding");
	iommufd_dev_unbind(dev);
	cr_assert_eq(f.acct.user_locked_vm, 0);
	cr_assert_eq(iommufd_mem_sim_pin_count(f.sim, BUF), 0);
	iommufd_platform_free(f.p);
	iommufd_mem_sim_free(f.sim);
}
