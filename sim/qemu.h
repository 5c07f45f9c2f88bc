/* SPDX-License-Identifier: MIT */
/*
 * iommufd-sim convert-qemu: QEMU's iommufd trace events (the "log" trace
 * backend, `-trace 'iommufd*'`) turned into an iommufd trace
 * (docs/trace-format.md, "Converting QEMU traces").
 *
 * QEMU logs a summary of each call, not the call: no struct addresses,
 * no errno for most failures, no buffers. The converter writes what an
 * event says and leaves every other result out, so that replay compares
 * only what QEMU saw.
 */
#ifndef SIM_QEMU_H
#define SIM_QEMU_H

#include <stdint.h>
#include <stdio.h>

#include "trace.h"

struct sim_qemu_opts {
	/* the IOMMU of the header's machine (enum iommufd_iommu_kind) */
	uint8_t iommu;
};

#define SIM_QEMU_MAX_SKIP 32

struct sim_qemu_stats {
	unsigned long lines;
	unsigned long events;	/* iommufd trace events read */
	unsigned long records;	/* records written */
	unsigned long ignored;	/* lines that are not iommufd events */
	/*
	 * of those, lines that name an iommufd event after a prefix the
	 * converter does not know (syslog, another timestamp format)
	 */
	unsigned long misplaced;
	unsigned long skipped;	/* iommufd events that became no record */
	unsigned long uncompared; /* records whose results had to be left out */
	/* why events were skipped: one line per event name and reason */
	unsigned int nskip;
	struct {
		char what[160];
		unsigned long count;
	} skip[SIM_QEMU_MAX_SKIP];
};

/*
 * Reads the QEMU log @in (@name in messages) and writes the trace to @out
 * only once the whole log has been read. Returns 0, or -1 with @err
 * naming the line ("qemu.log:12: iommufd_backend_map_dma: ...") and
 * nothing written.
 */
int sim_qemu_convert(FILE *in, const char *name, FILE *out,
		     const struct sim_qemu_opts *opts,
		     struct sim_qemu_stats *stats, struct sim_err *err);

/* The subcommand: iommufd-sim convert-qemu QEMU_LOG [-o TRACE] */
int sim_cmd_convert_qemu(int argc, char **argv);

#endif
