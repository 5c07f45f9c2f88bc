// SPDX-License-Identifier: MIT
/*
 * Fault injection (model.h struct iommufd_fail_nth): the sweep of the
 * kernel's iommufd_fail_nth selftest, run on the model directly. A
 * sequence of calls is repeated with fail-nth = 1, 2, ... until it runs
 * to the end without reaching the nth point; after every call the
 * invariants must hold, every failure must carry an errno some point can
 * produce, and under ASan nothing may leak.
 */
#include <sys/mman.h>

#include <iommufd/platform.h>
#include <iommufd/uapi_test.h>

#include "harness.h"

struct fixture {
	struct harness h;
	struct iommufd_platform *p;
	struct iommufd_fail_nth fn;
	char *buf;
	size_t buflen;
};

static void setup(struct fixture *f, unsigned int config)
{
	memset(f, 0, sizeof(*f));
	f->p = iommufd_platform_new();
	cr_assert_not_null(f->p);
	f->h.env.mem = iommufd_mem_self();
	f->h.env.acct = &f->h.acct;
	f->h.env.caps = IOMMUFD_CAP_IPC_LOCK;
	f->h.env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	f->h.env.platform = f->p;
	f->h.env.config = config;
	f->h.env.fail_nth = &f->fn;
	f->fn.points = IOMMUFD_FAIL_ALL;
	f->h.ctx = iommufd_ctx_open(&f->h.env, 0);
	cr_assert_not_null(f->h.ctx);
	f->buflen = 2 << 20;
	f->buf = mmap(NULL, f->buflen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->buf, MAP_FAILED);
	memset(f->buf, 0, f->buflen);
}

static void teardown(struct fixture *f)
{
	f->fn.nth = 0;
	harness_close(&f->h);
	iommufd_platform_free(f->p);
	munmap(f->buf, f->buflen);
}

/* Every errno an injected failure of these paths may surface as */
static long step(struct fixture *f, unsigned int cmd, void *arg)
{
	long rc = h_ioctl(&f->h, cmd, arg);

	cr_assert(rc == 0 || rc == -ENOMEM || rc == -EFAULT ||
			  rc == -ENOENT || rc == -EINVAL,
		  "cmd %#x: unexpected %ld", cmd, rc);
	return rc;
}

static long test_cmd(struct fixture *f, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return step(f, IOMMU_TEST_CMD, cmd);
}

/* ioas.c, as the selftest's "basic" */
static int seq_ioas(struct fixture *f)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_iova_range ranges[1] = { { 16 << 10, (64 << 20) - 1 } };
	struct iommu_ioas_allow_iovas allow = {
		.size = sizeof(allow), .num_iovas = 1,
		.allowed_iovas = (uintptr_t)ranges,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map), .flags = MAP_RW,
		.user_va = (uintptr_t)f->buf, .length = f->buflen,
	};
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy), .flags = MAP_RW, .length = 4096,
	};
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };

	if (step(f, IOMMU_IOAS_ALLOC, &alloc))
		return -1;
	allow.ioas_id = map.ioas_id = unmap.ioas_id = alloc.out_ioas_id;
	copy.src_ioas_id = copy.dst_ioas_id = alloc.out_ioas_id;
	if (step(f, IOMMU_IOAS_ALLOW_IOVAS, &allow) ||
	    step(f, IOMMU_IOAS_MAP, &map))
		return -1;
	copy.src_iova = map.iova;
	if (step(f, IOMMU_IOAS_COPY, &copy))
		return -1;
	unmap.iova = map.iova;
	unmap.length = f->buflen;
	if (step(f, IOMMU_IOAS_UNMAP, &unmap))
		return -1;
	return 0;
}

/* Domains, access pins and rw, replace: the other six selftest cases */
static int seq_domains(struct fixture *f)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_alloc alloc2 = { .size = sizeof(alloc2) };
	struct iommu_ioas_map map = {
		.size = sizeof(map), .flags = MAP_RW,
		.user_va = (uintptr_t)f->buf, .length = 256 << 10,
	};
	struct iommu_test_cmd md = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_test_cmd md2 = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_test_cmd cmd;
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	uint16_t tmp[32];
	uint32_t fd, item;

	if (step(f, IOMMU_IOAS_ALLOC, &alloc) ||
	    step(f, IOMMU_IOAS_ALLOC, &alloc2))
		return -1;
	md.id = md2.id = map.ioas_id = alloc.out_ioas_id;
	if (test_cmd(f, &md) || step(f, IOMMU_IOAS_MAP, &map) ||
	    test_cmd(f, &md2))
		return -1;
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_CREATE_ACCESS, .id = alloc.out_ioas_id,
		.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
	};
	if (test_cmd(f, &cmd))
		return -1;
	fd = cmd.create_access.out_access_fd;
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_PAGES, .id = fd,
		.access_pages = { .iova = map.iova, .length = 64 << 10,
				  .uptr = (uintptr_t)f->buf },
	};
	if (test_cmd(f, &cmd))
		goto out_access;
	item = cmd.access_pages.out_access_pages_id;
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_ACCESS_RW, .id = fd,
		.access_rw = { .iova = map.iova, .length = sizeof(tmp),
			       .uptr = (uintptr_t)tmp,
			       .flags = MOCK_ACCESS_RW_WRITE },
	};
	if (test_cmd(f, &cmd))
		goto out_access;
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, .id = fd,
		.destroy_access_pages.access_pages_id = item,
	};
	if (test_cmd(f, &cmd))
		goto out_access;
	cr_assert_eq(iommufd_ctx_close_fd(f->h.ctx, fd), 0);
	harness_check(&f->h);
	destroy.id = md.mock_domain.out_stdev_id;
	if (step(f, IOMMU_DESTROY, &destroy))
		return -1;
	cmd = (struct iommu_test_cmd){
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = md2.mock_domain.out_stdev_id,
		.mock_domain_replace.pt_id = alloc2.out_ioas_id,
	};
	if (test_cmd(f, &cmd))
		return -1;
	return 0;

out_access:
	/* What the selftest's teardown does: the access fd closes */
	cr_assert_eq(iommufd_ctx_close_fd(f->h.ctx, fd), 0);
	harness_check(&f->h);
	return -1;
}

/* iommufd_fail_nth's loop: returns how many points the sequence has */
static unsigned int sweep(unsigned int config, int (*seq)(struct fixture *))
{
	struct fixture f;
	unsigned int nth;
	int rc;

	for (nth = 1;; nth++) {
		cr_assert_lt(nth, 400, "the sweep does not end");
		setup(&f, config);
		f.fn.nth = nth;
		rc = seq(&f);
		if (f.fn.nth) {
			/* Not reached: the sequence must have run clean */
			cr_assert_eq(rc, 0, "nth %u: failed with no injection",
				     nth);
			teardown(&f);
			return nth - 1;
		}
		teardown(&f);
	}
}

Test(fail_nth, point_counts_down_and_fails_once)
{
	struct iommufd_fail_nth fn = { .nth = 3, .points = IOMMUFD_FAIL_SLAB };

	cr_assert_not(iommufd_fail_nth_point(NULL, IOMMUFD_FAIL_SLAB));
	cr_assert_not(iommufd_fail_nth_point(&fn, IOMMUFD_FAIL_USERCOPY),
		      "a class this kernel lacks neither counts nor fails");
	cr_assert_eq(fn.nth, 3);
	cr_assert_not(iommufd_fail_nth_point(&fn, IOMMUFD_FAIL_SLAB));
	cr_assert_not(iommufd_fail_nth_point(&fn, IOMMUFD_FAIL_SLAB));
	cr_assert(iommufd_fail_nth_point(&fn, IOMMUFD_FAIL_SLAB));
	cr_assert_eq(fn.nth, 0);
	cr_assert_not(iommufd_fail_nth_point(&fn, IOMMUFD_FAIL_SLAB),
		      "0 is off");
}

Test(fail_nth, open_is_a_point)
{
	struct iommufd_acct acct = { 0 };
	struct iommufd_fail_nth fn = { .nth = 1, .points = IOMMUFD_FAIL_ALL };
	struct iommufd_env env = {
		.mem = iommufd_mem_self(), .acct = &acct, .fail_nth = &fn,
	};
	struct iommufd_ctx *ctx = iommufd_ctx_open(&env, 0);

	cr_assert_null(ctx, "iommufd_fops_open()'s kzalloc fails");
	cr_assert_eq(fn.nth, 0);
	ctx = iommufd_ctx_open(&env, 0);
	cr_assert_not_null(ctx);
	iommufd_ctx_close(ctx);
}

Test(fail_nth, checker_reaches_no_point)
{
	struct fixture f;

	setup(&f, IOMMUFD_CONFIG_TEST);
	h_ioas_alloc(&f.h);
	f.fn.nth = 1;
	harness_check(&f.h);
	cr_assert_eq(f.fn.nth, 1);
	teardown(&f);
}

Test(fail_nth, errnos_of_the_points)
{
	struct fixture f;
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_iova_range out[8];
	struct iommu_ioas_iova_ranges ranges = {
		.size = sizeof(ranges), .num_iovas = 8,
		.allowed_iovas = (uintptr_t)out,
	};

	setup(&f, IOMMUFD_CONFIG_TEST);
	f.fn.nth = 1;
	f.fn.points = IOMMUFD_FAIL_USERCOPY;
	ASSERT_ERR(&f.h, EFAULT, IOMMU_IOAS_ALLOC, &alloc);
	f.fn.nth = 2;
	ASSERT_ERR(&f.h, EFAULT, IOMMU_IOAS_ALLOC, &alloc);
	cr_assert_eq(h_ioas_alloc(&f.h), 1, "the failed respond freed ID 1");
	f.fn.nth = 1;
	f.fn.points = IOMMUFD_FAIL_SLAB;
	ASSERT_ERR(&f.h, ENOMEM, IOMMU_IOAS_ALLOC, &alloc);
	f.fn.nth = 1;
	f.fn.points = IOMMUFD_FAIL_IOMMUFD;
	ranges.ioas_id = 1;
	ASSERT_ERR(&f.h, ENOENT, IOMMU_IOAS_IOVA_RANGES, &ranges);
	ASSERT_OK(&f.h, IOMMU_IOAS_IOVA_RANGES, &ranges);
	teardown(&f);
}

Test(fail_nth, fail_iommufd_needs_a_test_kernel)
{
	struct fixture f;
	struct iommu_iova_range out[8];
	struct iommu_ioas_iova_ranges ranges = {
		.size = sizeof(ranges), .num_iovas = 8,
		.allowed_iovas = (uintptr_t)out,
	};

	setup(&f, 0);
	ranges.ioas_id = h_ioas_alloc(&f.h);
	f.fn.nth = 1;
	f.fn.points = IOMMUFD_FAIL_IOMMUFD;
	ASSERT_OK(&f.h, IOMMU_IOAS_IOVA_RANGES, &ranges);
	cr_assert_eq(f.fn.nth, 1);
	teardown(&f);
}

Test(fail_nth, sweep_ioas)
{
	unsigned int n = sweep(0, seq_ioas);

	/* alloc, allow, map (pages, area), copy, unmap and their copies */
	cr_assert_geq(n, 10, "only %u points", n);
}

Test(fail_nth, sweep_domains_and_accesses)
{
	unsigned int plain = sweep(0, seq_ioas);
	unsigned int test = sweep(IOMMUFD_CONFIG_TEST, seq_ioas);
	unsigned int n = sweep(IOMMUFD_CONFIG_TEST, seq_domains);

	cr_assert_gt(test, plain, "fail_iommufd adds the lookups' points");
	cr_assert_geq(n, 30, "only %u points", n);
}
