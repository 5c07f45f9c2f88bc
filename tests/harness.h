/* SPDX-License-Identifier: MIT */
/*
 * Shared test scaffolding: a context over this process's own memory (so
 * ioctl structs are plain C structs on the stack) and assertions that run
 * the invariant checker after every call.
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <iommufd/model.h>
#include <iommufd/uapi.h>

#if defined(__SANITIZE_ADDRESS__)
#define HARNESS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARNESS_LSAN 1
#endif
#endif
#ifdef HARNESS_LSAN
#include <sanitizer/lsan_interface.h>
#endif

struct harness {
	struct iommufd_acct acct;
	struct iommufd_env env;
	struct iommufd_ctx *ctx;
};

static inline void harness_open(struct harness *h, uint32_t caps,
				unsigned int flags)
{
	memset(h, 0, sizeof(*h));
	h->env.mem = iommufd_mem_self();
	h->env.acct = &h->acct;
	h->env.caps = caps;
	h->env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	h->ctx = iommufd_ctx_open(&h->env, flags);
	cr_assert_not_null(h->ctx);
}

static inline void harness_check(struct harness *h)
{
	char why[512];

	cr_assert_eq(iommufd_ctx_check(h->ctx, why, sizeof(why)), 0,
		     "invariant broken: %s", why);
}

/*
 * Sanitizer builds: memory nothing points to any more is a leak, found
 * now. Criterion ignores a worker's exit status once its test passed, so
 * LeakSanitizer's report at exit would fail nothing.
 */
static inline void harness_leak_check(void)
{
#ifdef HARNESS_LSAN
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
		     "leak (see the LeakSanitizer report above)");
#endif
}

static inline void harness_close(struct harness *h)
{
	iommufd_ctx_close(h->ctx);
	h->ctx = NULL;
	harness_leak_check();
}

/* ioctl(2) on the model, then the full invariant check */
static inline long h_ioctl(struct harness *h, unsigned int cmd, void *arg)
{
	long rc = iommufd_ctx_ioctl(h->ctx, cmd, (uintptr_t)arg);

	harness_check(h);
	return rc;
}

#define ASSERT_OK(h, cmd, arg)                                              \
	do {                                                                \
		long _rc = h_ioctl(h, cmd, arg);                            \
		cr_assert_eq(_rc, 0, "%s: expected success, got %ld (%s)",  \
			     #cmd, _rc, strerror((int)-_rc));               \
	} while (0)

#define ASSERT_ERR(h, err, cmd, arg)                                         \
	do {                                                                 \
		long _rc = h_ioctl(h, cmd, arg);                             \
		cr_assert_eq(_rc, -(err), "%s: expected %s, got %ld (%s)",   \
			     #cmd, #err, _rc, _rc ? strerror((int)-_rc) : "ok"); \
	} while (0)

static inline uint32_t h_ioas_alloc(struct harness *h)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	ASSERT_OK(h, IOMMU_IOAS_ALLOC, &cmd);
	return cmd.out_ioas_id;
}

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/* Returns the errno (0 on success); *iova in/out */
static inline long h_map(struct harness *h, uint32_t ioas, uint32_t flags,
			 uint64_t va, uint64_t len, uint64_t *iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = va,
		.length = len,
		.iova = iova ? *iova : 0,
	};
	long rc = h_ioctl(h, IOMMU_IOAS_MAP, &cmd);

	if (!rc && iova)
		*iova = cmd.iova;
	return rc;
}

static inline long h_map_fixed(struct harness *h, uint32_t ioas, uint64_t va,
			       uint64_t len, uint64_t iova)
{
	return h_map(h, ioas, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW, va, len,
		     &iova);
}

static inline uint64_t h_map_auto(struct harness *h, uint32_t ioas,
				  uint64_t va, uint64_t len)
{
	uint64_t iova = 0;
	long rc = h_map(h, ioas, MAP_RW, va, len, &iova);

	cr_assert_eq(rc, 0, "auto map va %#llx len %#llx: %ld",
		     (unsigned long long)va, (unsigned long long)len, rc);
	return iova;
}

/* Returns the errno; *len in: length, out: bytes unmapped */
static inline long h_unmap(struct harness *h, uint32_t ioas, uint64_t iova,
			   uint64_t *len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova,
		.length = *len,
	};
	long rc = h_ioctl(h, IOMMU_IOAS_UNMAP, &cmd);

	*len = cmd.length;
	return rc;
}

static inline long h_destroy(struct harness *h, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return h_ioctl(h, IOMMU_DESTROY, &cmd);
}

#endif
