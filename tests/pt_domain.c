// SPDX-License-Identifier: MIT
/*
 * Walker tables as io_pagetable domains: the adapter's iommu_map() checks,
 * the VT-d and AMD drivers' own map rules (address width, permissions, the
 * VT-d nest-parent read-only errata), their page sizes and apertures, the
 * dirty read-back errno, and a real io_pagetable mirroring user mappings
 * into the table bytes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommufd/model.h>

#include "amd/amd.h"
#include "iopt/io_pagetable.h"
#include "pt/domain.h"
#include "pt/phys.h"
#include "pt/pt.h"
#include "vtd/vtd.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define RW (IOMMU_READ | IOMMU_WRITE)

static struct pt_phys phys;

static void setup(void)
{
	pt_phys_init(&phys, PT_PHYS_BASE);
}

static void teardown(void)
{
	/* a failed assertion here would not fail the test; a crash does */
	if (phys.npages) {
		fprintf(stderr, "%" PRIu64 " table pages leaked\n", phys.npages);
		abort();
	}
	pt_phys_destroy(&phys);
}

TestSuite(pt_domain, .init = setup, .fini = teardown);

static void vtd_new(struct vtd_domain *d, bool first_stage, unsigned int agaw,
		    unsigned int gaw, unsigned int superpage, bool nest)
{
	struct vtd_domain_cfg cfg = {
		.first_stage = first_stage, .agaw = agaw, .gaw = gaw,
		.superpage = superpage, .nested_parent = nest,
	};

	cr_assert_eq(vtd_domain_init(d, pt_phys_mem(&phys), &cfg), 0);
}

static int dmap(struct iopt_domain *d, uint64_t iova, uint64_t pa,
		uint64_t len, int prot)
{
	return d->ops->map(d, iova, pa, len, prot);
}

Test(pt_domain, vtd_page_sizes_and_apertures)
{
	struct vtd_domain d;
	struct vtd_domain_cfg bad = { .agaw = 2, .gaw = 49 };

	vtd_new(&d, false, 2, 48, 2, false);
	cr_assert_eq(d.pt.iopt.pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
	cr_assert_eq(d.pt.iopt.aperture_start, 0);
	cr_assert_eq(d.pt.iopt.aperture_end, (1ull << 48) - 1);
	cr_assert_eq(d.pt.table.levels, 4);
	cr_assert_eq(d.pt.table.fmt, &vtd_ss_format);
	vtd_domain_destroy(&d);

	/* first stage: the sign bit is not IOVA */
	vtd_new(&d, true, 3, 57, 1, false);
	cr_assert_eq(d.pt.iopt.pgsize_bitmap, SZ_4K | SZ_2M);
	cr_assert_eq(d.pt.iopt.aperture_end, (1ull << 56) - 1);
	cr_assert_eq(d.pt.table.levels, 5);
	cr_assert_eq(d.pt.table.fmt, &vtd_fs_format);
	vtd_domain_destroy(&d);

	vtd_new(&d, false, 1, 39, 0, false);
	cr_assert_eq(d.pt.iopt.pgsize_bitmap, SZ_4K);
	cr_assert_eq(d.pt.table.levels, 3);
	vtd_domain_destroy(&d);

	cr_assert_eq(vtd_domain_init(&d, pt_phys_mem(&phys), &bad), -EINVAL,
		     "gaw wider than agaw");
	bad.gaw = 39;
	bad.agaw = 1;
	bad.first_stage = true;
	cr_assert_eq(vtd_domain_init(&d, pt_phys_mem(&phys), &bad), -EINVAL,
		     "first stage has 4 or 5 levels");
}

Test(pt_domain, vtd_map_checks_in_kernel_order)
{
	struct vtd_domain d;
	struct iopt_domain *io;

	/* agaw 2 (4 levels) but MGAW 39 */
	vtd_new(&d, false, 2, 39, 2, false);
	io = &d.pt.iopt;
	/* the core's alignment check comes first */
	cr_assert_eq(dmap(io, (1ull << 39) + 0x800, 0, SZ_4K, RW), -EINVAL);
	cr_assert_eq(dmap(io, 1ull << 39, 0, SZ_4K, RW), -EFAULT);
	cr_assert_eq(dmap(io, (1ull << 39) - SZ_4K, 0, SZ_4K, RW), 0);
	/* a mapping with neither permission */
	cr_assert_eq(dmap(io, 0, 0, SZ_4K, IOMMU_CACHE), -EINVAL);
	cr_assert_eq(dmap(io, 0, 0, SZ_4K, 0), -EINVAL);
	/* length 0 never reaches the driver */
	cr_assert_eq(dmap(io, 1ull << 40, 0, 0, 0), 0);
	/* a later chunk beyond the width: EFAULT, and nothing left mapped */
	cr_assert_eq(dmap(io, (1ull << 39) - SZ_2M - SZ_4K, 0x7000000ull - SZ_4K,
			  SZ_2M + 2 * SZ_4K, RW), -EFAULT);
	cr_assert_eq(pt_iova_to_phys(&d.pt.table, (1ull << 39) - SZ_2M - SZ_4K),
		     0);
	cr_assert_eq(io->ops->unmap(io, (1ull << 39) - SZ_4K, SZ_4K), SZ_4K);
	vtd_domain_destroy(&d);
}

Test(pt_domain, vtd_nest_parent_refuses_read_only)
{
	struct vtd_domain d;
	struct iopt_domain *io;
	uint64_t pte;

	vtd_new(&d, false, 2, 48, 2, true);
	io = &d.pt.iopt;
	cr_assert_eq(dmap(io, SZ_2M, SZ_2M, SZ_4K, IOMMU_READ | IOMMU_CACHE),
		     -EINVAL);
	cr_assert_eq(pt_table_count(&d.pt.table), 1, "nothing was built");
	cr_assert_eq(dmap(io, SZ_2M, SZ_2M, SZ_4K, IOMMU_WRITE), 0);
	cr_assert_eq(dmap(io, 0, 0, SZ_4K, RW), 0);
	/* write-only still reads: the driver always sets R */
	cr_assert_eq(pt_lookup(&d.pt.table, SZ_2M, &pte, NULL, NULL), 0);
	cr_assert_eq(pte, SZ_2M | VTD_SS_R | VTD_SS_W);
	/* the width check still comes first */
	cr_assert_eq(dmap(io, 1ull << 48, 0, SZ_4K, IOMMU_READ), -EFAULT);
	/*
	 * ...unless iommu_map()'s first chunk is in range: 4K up to the 2M
	 * boundary, as a whole 2M page fits after it
	 */
	cr_assert_eq(dmap(io, (1ull << 48) - SZ_2M - SZ_4K, SZ_2M - SZ_4K,
			  SZ_2M + 2 * SZ_4K, IOMMU_READ), -EINVAL);
	cr_assert_eq(dmap(io, (1ull << 48) - SZ_4K, 0, 2 * SZ_4K, IOMMU_READ),
		     -EFAULT);
	cr_assert_eq(io->ops->unmap(io, 0, SZ_4K), SZ_4K);
	cr_assert_eq(io->ops->unmap(io, SZ_2M, SZ_4K), SZ_4K);
	vtd_domain_destroy(&d);

	/* a non-parent domain takes read-only mappings */
	vtd_new(&d, false, 2, 48, 2, false);
	cr_assert_eq(dmap(&d.pt.iopt, SZ_2M, SZ_2M, SZ_4K, IOMMU_READ), 0);
	vtd_domain_destroy(&d);
}

static void count_dirty(void *arg, uint64_t iova, uint64_t size)
{
	(*(unsigned int *)arg)++;
}

Test(pt_domain, vtd_snoop_and_dirty)
{
	struct vtd_domain d;
	struct vtd_pasid_entry pe;
	struct pt_xlate_result res;
	uint64_t pte;
	unsigned int hits = 0;

	vtd_new(&d, false, 2, 48, 2, false);
	d.set_pte_snp = true;
	cr_assert_eq(dmap(&d.pt.iopt, 0, 0x9000, SZ_4K, RW), 0);
	cr_assert_eq(pt_lookup(&d.pt.table, 0, &pte, NULL, NULL), 0);
	cr_assert_eq(pte, 0x9803ull, "SNP, bit 11");

	vtd_pasid_setup_second_level(&pe, d.pt.table.root, 2, 1, false, true);
	cr_assert_eq(vtd_pasid_translate(&pe, pt_phys_mem(&phys),
					 pt_phys_mem(&phys), 0x10,
					 PT_ACCESS_WRITE, false, &res), 0);
	/* tracking off: a bitmap is refused, clearing without one is not */
	cr_assert_eq(vtd_domain_read_and_clear_dirty(&d, 0, SZ_4K, 0, true,
						     NULL, NULL), -EINVAL);
	cr_assert_eq(vtd_domain_read_and_clear_dirty(&d, 0, SZ_4K, 0, false,
						     NULL, NULL), 0);
	cr_assert_eq(pt_lookup(&d.pt.table, 0, &pte, NULL, NULL), 0);
	cr_assert_eq(pte & VTD_SS_D, 0);
	d.dirty_tracking = true;
	cr_assert_eq(vtd_pasid_translate(&pe, pt_phys_mem(&phys),
					 pt_phys_mem(&phys), 0x10,
					 PT_ACCESS_WRITE, false, &res), 0);
	cr_assert_eq(vtd_domain_read_and_clear_dirty(&d, 0, SZ_4K, 0, true,
						     count_dirty, &hits), 0);
	cr_assert_eq(hits, 1);
	vtd_domain_destroy(&d);
}

Test(pt_domain, amd_rules_and_dte)
{
	struct amd_domain d;
	struct amd_dte dte = { { 0 } };
	struct iopt_domain *io;

	cr_assert_eq(amd_domain_init(&d, pt_phys_mem(&phys), AMD_V1_PGSIZES,
				     ~0ull), 0);
	io = &d.pt.iopt;
	cr_assert_eq(io->pgsize_bitmap, AMD_V1_PGSIZES);
	cr_assert_eq(io->aperture_end, ~0ull);
	cr_assert_eq(d.pt.table.levels, 3);
	cr_assert_eq(dmap(io, 0, 0, SZ_4K, IOMMU_CACHE), -EINVAL);
	cr_assert_eq(dmap(io, 0x800, 0, SZ_4K, RW), -EINVAL);
	cr_assert_eq(dmap(io, 0, 0x40000000ull, 8 * SZ_4K, IOMMU_READ), 0);
	cr_assert_eq(pt_iova_to_phys(&d.pt.table, 0x7123), 0x40007123ull);
	/* the v1 table grows to mode 6 for the last page of the 64-bit space */
	cr_assert_eq(dmap(io, ~0ull - SZ_4K + 1, 0, SZ_4K, RW), 0);
	cr_assert_eq(d.pt.table.levels, 6);
	amd_domain_set_dte(&d, &dte, 0x22);
	cr_assert_eq(amd_dte_mode(&dte), 6);
	cr_assert_eq(amd_dte_root(&dte), d.pt.table.root);
	cr_assert_eq(amd_dte_had(&dte), 0);
	cr_assert_eq(amd_domain_read_and_clear_dirty(&d, 0, SZ_4K, 0, true,
						     NULL, NULL), -EINVAL);
	d.dirty_tracking = true;
	amd_domain_set_dte(&d, &dte, 0x22);
	cr_assert_eq(amd_dte_had(&dte), 3);
	cr_assert_eq(amd_domain_read_and_clear_dirty(&d, 0, SZ_4K, 0, true,
						     NULL, NULL), 0);
	cr_assert_eq(io->ops->unmap(io, 0, 8 * SZ_4K), 8 * SZ_4K);
	cr_assert_eq(io->ops->unmap(io, ~0ull - SZ_4K + 1, SZ_4K), SZ_4K);
	amd_domain_destroy(&d);

	cr_assert_eq(amd_domain_init(&d, pt_phys_mem(&phys), AMD_V2_PGSIZES,
				     (1ull << 47) - 1), 0);
	cr_assert_eq(d.pt.iopt.pgsize_bitmap, AMD_V2_PGSIZES);
	cr_assert_eq(d.pt.iopt.aperture_end, (1ull << 47) - 1);
	amd_domain_destroy(&d);
}

/* ------------------------------------------------ under an io_pagetable */

struct iopt_fixture {
	struct iommufd_acct acct;
	struct iommufd_env env;
	struct io_pagetable iopt;
	void *buf;
};

static void iopt_fixture_init(struct iopt_fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->env.mem = iommufd_mem_self();
	f->env.acct = &f->acct;
	f->env.rlimit_memlock = IOMMUFD_RLIM_INFINITY;
	iopt_init_table(&f->iopt);
	/* the self provider's PFNs are the VAs: 2M-aligned is 2M-contiguous */
	f->buf = aligned_alloc(SZ_2M, 4 * SZ_2M);
	cr_assert_not_null(f->buf);
	memset(f->buf, 0x5a, 4 * SZ_2M);
}

static void iopt_fixture_fini(struct iopt_fixture *f)
{
	iopt_destroy_table(&f->iopt);
	free(f->buf);
}

static int iopt_map(struct iopt_fixture *f, uint64_t iova, uint64_t off,
		    uint64_t len, int prot)
{
	return iopt_map_user_pages(&f->iopt, &f->env, IOPT_PAGES_ACCOUNT_NONE,
				   &iova, (uintptr_t)f->buf + off, len, prot,
				   0);
}

Test(pt_domain, io_pagetable_mirrors_into_table_bytes)
{
	struct iopt_fixture f;
	struct vtd_domain d;
	uint64_t base, unmapped, pte;
	unsigned int lg2;

	iopt_fixture_init(&f);
	base = (uintptr_t)f.buf;
	vtd_new(&d, false, 2, 48, 2, false);
	cr_assert_eq(iopt_map(&f, SZ_1G, 0, 2 * SZ_2M, RW), 0);
	/* a domain added later is filled with what is already mapped */
	cr_assert_eq(iopt_table_add_domain(&f.iopt, &d.pt.iopt), 0);
	cr_assert_eq(pt_lookup(&d.pt.table, SZ_1G + SZ_2M, &pte, NULL, &lg2),
		     0);
	cr_assert_eq(lg2, 21, "contiguous and aligned: a 2M page");
	cr_assert_eq(pte, (base + SZ_2M) | VTD_SS_PS | VTD_SS_R | VTD_SS_W);
	cr_assert_eq(pt_iova_to_phys(&d.pt.table, SZ_1G + 0x1234),
		     base + 0x1234);
	/* and new mappings go straight in, 4K where not 2M-aligned */
	cr_assert_eq(iopt_map(&f, 2 * SZ_1G, 2 * SZ_2M + SZ_4K, 3 * SZ_4K,
			      IOMMU_READ), 0);
	cr_assert_eq(pt_lookup(&d.pt.table, 2 * SZ_1G, &pte, NULL, &lg2), 0);
	cr_assert_eq(lg2, 12);
	cr_assert_eq(pte, (base + 2 * SZ_2M + SZ_4K) | VTD_SS_R);
	cr_assert_eq(iopt_unmap_iova(&f.iopt, SZ_1G, 2 * SZ_2M, &unmapped), 0);
	cr_assert_eq(unmapped, 2 * SZ_2M);
	cr_assert_eq(pt_iova_to_phys(&d.pt.table, SZ_1G), 0);
	iopt_table_remove_domain(&f.iopt, &d.pt.iopt);
	cr_assert_eq(pt_iova_to_phys(&d.pt.table, 2 * SZ_1G), 0,
		     "removing the domain unmapped it");
	vtd_domain_destroy(&d);
	iopt_fixture_fini(&f);
}

Test(pt_domain, io_pagetable_with_a_nest_parent)
{
	struct iopt_fixture f;
	struct vtd_domain parent;
	uint64_t unmapped;

	iopt_fixture_init(&f);
	vtd_new(&parent, false, 2, 48, 2, true);
	/* a read-only area keeps a nest parent out of the IOAS */
	cr_assert_eq(iopt_map(&f, SZ_1G, 0, SZ_2M, IOMMU_READ), 0);
	cr_assert_eq(iopt_table_add_domain(&f.iopt, &parent.pt.iopt), -EINVAL);
	cr_assert_eq(pt_table_count(&parent.pt.table), 1);
	cr_assert_eq(iopt_unmap_iova(&f.iopt, SZ_1G, SZ_2M, &unmapped), 0);
	/* once in, read-only maps into the IOAS fail */
	cr_assert_eq(iopt_map(&f, SZ_1G, 0, SZ_2M, RW), 0);
	cr_assert_eq(iopt_table_add_domain(&f.iopt, &parent.pt.iopt), 0);
	cr_assert_eq(iopt_map(&f, 2 * SZ_1G, SZ_2M, SZ_4K, IOMMU_READ),
		     -EINVAL);
	cr_assert_eq(iopt_map(&f, 2 * SZ_1G, SZ_2M, SZ_4K, IOMMU_WRITE), 0);
	cr_assert_eq(pt_iova_to_phys(&parent.pt.table, 2 * SZ_1G),
		     (uintptr_t)f.buf + SZ_2M);
	iopt_table_remove_domain(&f.iopt, &parent.pt.iopt);
	cr_assert_eq(pt_iova_to_phys(&parent.pt.table, SZ_1G), 0);
	vtd_domain_destroy(&parent);
	iopt_fixture_fini(&f);
}
