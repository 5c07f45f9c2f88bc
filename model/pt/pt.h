/* SPDX-License-Identifier: MIT */
/*
 * IOMMU page tables: one walker over many bit-exact entry formats.
 *
 * Contract:
 *
 *  - Every supported format uses 4 KiB tables of 512 little-endian 64-bit entries
 *    and 9 index bits per level. Levels are numbered from 0 at the bottom:
 *    an entry at level L spans 2^(12 + 9L) bytes of IOVA. (VT-d calls our
 *    level 0 "level 1"; the AMD driver's 0-based "code level" is ours.)
 *  - Table memory is reached only through struct pt_mem: the walker never
 *    holds a host pointer across a call, so tables may live in simulated
 *    physical memory (pt/phys.h) or, for nested stage 1, in guest memory.
 *  - A format (struct pt_format) is a const set of accessors that encode and
 *    decode single entries exactly as the kernel writes them and the
 *    hardware reads them. It also names which kernel driver semantics the
 *    walker follows where drivers differ (unmap over holes, table growth).
 *  - pt_map/pt_unmap/pt_iova_to_phys/pt_read_and_clear_dirty are the
 *    software (driver) side and follow iommu_map()/iommu_unmap() and the
 *    driver's io-pgtable code. pt_translate is the hardware side: it reads
 *    only table bytes, never the struct's bookkeeping beyond root/levels.
 *  - No globals, no I/O; errors are negative errnos.
 *
 * Deliberate model choices (the kernel would WARN or corrupt instead):
 *  - pt_map refuses (-EEXIST) to overwrite an existing leaf; a table with no
 *    leaves below it is freed and replaced by a large leaf, as both drivers
 *    do when they switch to a large page.
 *  - unmap removes a large leaf only partly covered at the end of a range
 *    whole (VT-d would walk into it as if it were a table).
 *  - translate updates A/D flags only when the translation succeeds.
 */
#ifndef MODEL_PT_PT_H
#define MODEL_PT_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_GRANULE_LG2 12
#define PT_GRANULE (1ull << PT_GRANULE_LG2)
#define PT_INDEX_BITS 9
#define PT_TABLE_ENTRIES (1u << PT_INDEX_BITS)
#define PT_TABLE_SIZE (PT_TABLE_ENTRIES * 8u)
#define PT_MAX_LEVELS 6

/* lg2 of the IOVA span of one entry at @level */
static inline unsigned int pt_level_shift(unsigned int level)
{
	return PT_GRANULE_LG2 + PT_INDEX_BITS * level;
}

/* Mapping permissions; READ/WRITE have the values of IOMMU_READ/WRITE */
#define PT_PROT_READ (1 << 0)
#define PT_PROT_WRITE (1 << 1)
/* VT-d: set SNP in leaves (dmar_domain->set_pte_snp) */
#define PT_PROT_SNOOP (1 << 4)

/* What one entry allows a hardware walk (AND-ed over the levels) */
#define PT_PERM_READ (1u << 0)
#define PT_PERM_WRITE (1u << 1)
#define PT_PERM_USER (1u << 2)

/* ------------------------------------------------------------ table memory */

struct pt_mem_ops {
	/*
	 * Host pointer to the 64-bit word at physical address @pa, valid up to
	 * the end of the 4 KiB page holding @pa and until the next call that
	 * may allocate or free; NULL when @pa is not backed.
	 */
	uint64_t *(*entry)(void *priv, uint64_t pa);
	/* A zeroed, 4 KiB aligned table: 0 and *pa, or -ENOMEM. May be NULL */
	int (*alloc_table)(void *priv, uint64_t *pa);
	void (*free_table)(void *priv, uint64_t pa);
};

struct pt_mem {
	const struct pt_mem_ops *ops;
	void *priv;
};

/* ------------------------------------------------------------ formats */

enum pt_unmap_style {
	/*
	 * AMD io-pgtable: remove leaf after leaf, each whole, and stop at the
	 * first IOVA whose walk ends at a non-present entry above level 0,
	 * returning what was removed so far. A non-present level-0 entry in
	 * an existing table counts as 4K removed (fetch_pte() returns it).
	 */
	PT_UNMAP_LEAVES,
	/*
	 * VT-d: the request grows to at least the size of the entry found at
	 * the IOVA (leaf or hole); everything in the range is cleared, tables
	 * the range covers entirely are freed, and the full size is returned,
	 * holes included.
	 */
	PT_UNMAP_RANGE,
};

struct pt_format {
	const char *name;
	uint8_t min_levels, max_levels;
	/* Adds levels on top as IOVAs or page sizes need them (AMD v1) */
	bool grows;
	/*
	 * x86 paging: the hardware takes sign-extended IOVAs only; the driver
	 * side, like the kernel's, indexes with the low bits.
	 */
	bool canonical;
	enum pt_unmap_style unmap_style;
	/* Page sizes the format can encode */
	uint64_t pgsizes;
	/* Accessed flag (any entry) and dirty flag (leaves); 0 if none */
	uint64_t a_bit, d_bit;
	/*
	 * The bits present/is_leaf/malformed/leaf_lg2 look at: two entries
	 * of one level that agree on them classify the same, which lets
	 * table scans skip the accessors. 0: always ask them.
	 */
	uint64_t shape_mask;

	bool (*present)(uint64_t pte);
	/* For a present entry: maps a page rather than pointing to a table */
	bool (*is_leaf)(uint64_t pte, unsigned int level);
	/* For a present entry: the hardware may not use it at this level */
	bool (*malformed)(uint64_t pte, unsigned int level);
	/* lg2 of the page size of a leaf at @level */
	unsigned int (*leaf_lg2)(uint64_t pte, unsigned int level);
	/* Leaf: base PA of the page; table entry: PA of the next table */
	uint64_t (*oa)(uint64_t pte, unsigned int level);
	/* Entry at @level pointing to the table at @table_pa (level - 1) */
	uint64_t (*make_table)(uint64_t table_pa, unsigned int level);
	/*
	 * One leaf entry at @level for a page of 2^@lg2 bytes at @pa. When the
	 * page is larger than an entry at @level the same value is written to
	 * every entry the page covers (AMD v1 replicas).
	 */
	uint64_t (*make_leaf)(uint64_t pa, unsigned int lg2, unsigned int level,
			      int prot);
	/* PT_PERM_* this present entry grants */
	unsigned int (*perm)(uint64_t pte, unsigned int level);
};

static inline bool pt_pte_accessed(const struct pt_format *f, uint64_t pte)
{
	return f->a_bit && (pte & f->a_bit);
}

static inline bool pt_pte_dirty(const struct pt_format *f, uint64_t pte)
{
	return f->d_bit && (pte & f->d_bit);
}

static inline uint64_t pt_pte_set_accessed(const struct pt_format *f,
					   uint64_t pte)
{
	return pte | f->a_bit;
}

static inline uint64_t pt_pte_set_dirty(const struct pt_format *f,
					uint64_t pte)
{
	return pte | f->d_bit;
}

static inline uint64_t pt_pte_clear_dirty(const struct pt_format *f,
					  uint64_t pte)
{
	return pte & ~f->d_bit;
}

static inline uint64_t pt_pte_clear_accessed(const struct pt_format *f,
					     uint64_t pte)
{
	return pte & ~f->a_bit;
}

/* ------------------------------------------------------------ tables */

struct pt_table;
/* Called after a growable table gained a level (the AMD DTE must follow) */
typedef void (*pt_grow_fn)(struct pt_table *t, void *arg);

struct pt_table {
	const struct pt_format *fmt;
	struct pt_mem mem;
	uint64_t root;		 /* PA of the top table */
	unsigned int levels;	 /* current depth, top level is levels - 1 */
	uint64_t pgsize_bitmap;	 /* the domain's; used by unmap's chunking */
	bool owned;		 /* tables allocated here, freed on destroy */
	pt_grow_fn on_grow;
	void *on_grow_arg;
};

/*
 * A new empty table of @levels levels (for growable formats the starting
 * depth). @pgsize_bitmap is intersected with the format's sizes.
 * 0, -EINVAL (levels or bitmap unusable) or -ENOMEM.
 */
int pt_table_init(struct pt_table *t, const struct pt_format *fmt,
		  struct pt_mem mem, unsigned int levels,
		  uint64_t pgsize_bitmap);
/* A view of an existing table (e.g. a guest's stage 1): never frees */
void pt_table_view(struct pt_table *t, const struct pt_format *fmt,
		   struct pt_mem mem, uint64_t root, unsigned int levels);
/* Frees every table reachable from the root of an owned table */
void pt_table_destroy(struct pt_table *t);

/* Highest IOVA the current depth reaches: 2^(12 + 9 * levels) - 1 */
uint64_t pt_table_last_iova(const struct pt_table *t);

/* Number of tables reachable from the root, root included */
uint64_t pt_table_count(const struct pt_table *t);

/*
 * iommu_map(): map [iova, iova + len) to [pa, pa + len). Pages are chosen
 * by iommu_pgsize(): the largest size in @pgsize_bitmap (0: the table's)
 * that fits the alignment of iova and pa and the remaining length, with
 * smaller pages only up to the next boundary where a larger one fits.
 * -EINVAL when iova, pa or len is not aligned to the smallest size, or the
 * range wraps or does not fit the table (a growable one at its largest);
 * -EEXIST when a leaf is in the way; -ENOMEM. len 0 maps nothing. On error
 * nothing this call mapped stays mapped.
 */
int pt_map(struct pt_table *t, uint64_t iova, uint64_t pa, uint64_t len,
	   int prot, uint64_t pgsize_bitmap);

/*
 * iommu_unmap(): bytes unmapped, following the format's unmap_style. A
 * large page hit is removed whole and counted whole. 0 when iova or len is
 * not aligned to the smallest page size.
 */
uint64_t pt_unmap(struct pt_table *t, uint64_t iova, uint64_t len);

/* iommu_iova_to_phys(): 0 when nothing is mapped at @iova */
uint64_t pt_iova_to_phys(const struct pt_table *t, uint64_t iova);

/*
 * The leaf mapping @iova: 0 with the first entry of the leaf (replica
 * group), its level and page size, or -ENOENT. Read-only peek for tests
 * and checkers.
 */
int pt_lookup(const struct pt_table *t, uint64_t iova, uint64_t *pte,
	      unsigned int *level, unsigned int *lg2);

#define PT_DIRTY_NO_CLEAR (1u << 0) /* IOMMU_DIRTY_NO_CLEAR */
/*
 * Report runs of dirty leaves that follow each other as one range: the
 * same bits in a bitmap, far fewer calls.
 */
#define PT_DIRTY_MERGE (1u << 1)

typedef void (*pt_dirty_fn)(void *arg, uint64_t iova, uint64_t size);

/*
 * The drivers' read_and_clear_dirty: starting at @iova and while below
 * iova + len - 1, look up the entry for the IOVA; a hole skips the span of
 * the level where the walk stopped (4 KiB above the top); a leaf is dirty
 * when any of its replicas has the dirty flag, which is cleared in all of
 * them unless PT_DIRTY_NO_CLEAR; a dirty leaf is reported as
 * @report(arg, iova, page size) with the IOVA as reached, not rounded down.
 * Either way the IOVA advances by the page size.
 */
void pt_read_and_clear_dirty(struct pt_table *t, uint64_t iova, uint64_t len,
			     unsigned int flags, pt_dirty_fn report,
			     void *arg);

/* ------------------------------------------------------------ hardware walk */

enum pt_access {
	PT_ACCESS_READ,
	PT_ACCESS_WRITE,
};

/* Hardware sets Accessed in every entry used / Dirty in the leaf on write */
#define PT_XLATE_SET_A (1u << 0)
#define PT_XLATE_SET_D (1u << 1)
/* x86 formats: supervisor request; user requests need U/S in every entry */
#define PT_XLATE_SUPERVISOR (1u << 2)
/* x86 formats: supervisor writes honour R/W (CR0.WP / VT-d PASID WPE) */
#define PT_XLATE_WP (1u << 3)

enum pt_fault {
	PT_FAULT_NONE = 0,
	PT_FAULT_NOT_PRESENT, /* an entry on the walk is not present */
	PT_FAULT_PERM,	      /* the entries do not allow the access */
	PT_FAULT_RANGE,	      /* IOVA beyond the table's reach */
	PT_FAULT_MALFORMED,   /* an entry the hardware may not use */
	PT_FAULT_TABLE,	      /* a table address cannot be reached */
};

/*
 * Turns the address of a table (the root and every next-level pointer)
 * into the physical address the walk reads through the table's pt_mem.
 * Nested stage 1 translates it through stage 2 here. @write: the walk may
 * set A/D flags in that table. Returns 0 or a pt_fault.
 */
typedef int (*pt_table_xlate_fn)(void *arg, uint64_t table_addr, bool write,
				 uint64_t *pa);

struct pt_xlate {
	uint64_t iova;
	enum pt_access access;
	unsigned int flags;		/* PT_XLATE_* */
	pt_table_xlate_fn table_xlate;	/* NULL: table addresses are PAs */
	void *table_xlate_arg;
};

struct pt_xlate_result {
	uint64_t pa;
	unsigned int lg2;	/* page size of the leaf used; 64: untranslated */
	unsigned int level;	/* level where the walk ended */
	enum pt_fault fault;
};

/* A DMA through the table bytes. Returns res->fault */
enum pt_fault pt_translate(const struct pt_table *t, const struct pt_xlate *x,
			   struct pt_xlate_result *res);

/* ------------------------------------------------------------ helpers */

/* iommu_pgsize(): page size and count for the next map/unmap call */
uint64_t pt_pgsize(uint64_t pgsize_bitmap, uint64_t iova, uint64_t paddr,
		   uint64_t size, uint64_t *count);

#endif
