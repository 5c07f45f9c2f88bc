/* SPDX-License-Identifier: MIT */
/*
 * Replaying a trace against the model (docs/trace-format.md, "Replay").
 *
 * The trace is gone through twice: once to validate every record, without
 * running anything, and once to execute it against a fresh model instance
 * over simulated memory, comparing each recorded result with the model's.
 * A trace that fails validation therefore executes nothing. The first pass
 * keeps a compact copy of the records for the second, up to a bound past
 * which the file is read again.
 */
#ifndef SIM_REPLAY_H
#define SIM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sim_replay_status {
	SIM_REPLAY_AGREE = 0,	 /* every recorded result matched */
	SIM_REPLAY_DIVERGED = 1, /* at least one did not */
	SIM_REPLAY_ERROR = 2,	 /* unreadable trace, unsupported record, I/O */
};

/* One value the model got differently from the trace */
struct sim_divergence {
	unsigned int line;
	uint64_t seq;
	char record[48];  /* "IOMMU_IOAS_MAP", "open", ... */
	char field[128];  /* "ret", "errno", "out.iova", "out[+30]", ... */
	char expected[160];
	char got[160];
};

struct iommufd_ctx;
struct sim_record;

/* A context replay has open (sim_replay_opts.observe) */
struct sim_replay_ctx {
	uint64_t handle; /* the trace's handle of a file on it */
	struct iommufd_ctx *ctx;
};

struct sim_replay_opts {
	bool stop_at_first; /* stop after the first record that diverges */
	FILE *record;	    /* if set, the model's own trace is written here */
	FILE *log;	    /* if set, one text line per divergence and notes */
	/*
	 * IOMMUFD_KERNEL_* to answer as; 0: the newest modelled release at or
	 * below the header's "kernel" (SPEC.md 2.1)
	 */
	unsigned int kernel;
	/*
	 * The simulated machine's memory in 4 KiB pages, 0 for no limit
	 * (iommufd_mem_sim_set_max_pages): bounds what an untrusted trace can
	 * make the replayer allocate
	 */
	uint64_t max_pages;
	/*
	 * If set, called after each record has run with the contexts open
	 * then, each once however many handles share it: how tools look at
	 * the model's state along a trace (tools/trace2dot)
	 */
	void (*observe)(void *priv, const struct sim_record *rec,
			const struct sim_replay_ctx *ctxs, size_t n);
	void *observe_priv;
};

/* The first SIM_REPLAY_KEEP divergences are kept; all are counted */
#define SIM_REPLAY_KEEP 1000

struct sim_replay_result {
	enum sim_replay_status status;
	char error[800];	/* SIM_REPLAY_ERROR: "FILE:LINE: why" */
	uint64_t records;	/* records executed */
	uint64_t ioctls;	/* of which ioctls */
	uint64_t compared;	/* records that carried a result to compare */
	uint64_t unchecked;	/* records without any recorded result */
	uint64_t ndiv;		/* divergent values */
	bool stopped;		/* --stop-at-first cut the replay short */
	size_t nkept;
	struct sim_divergence *divs;
};

/*
 * Replay the trace in file @path ("-": standard input, which may be a
 * pipe unless the trace is too long to keep in memory). Always fills @res
 * (free it with sim_replay_result_free) and returns res->status.
 */
enum sim_replay_status sim_replay_file(const char *path,
				       const struct sim_replay_opts *opts,
				       struct sim_replay_result *res);
void sim_replay_result_free(struct sim_replay_result *res);

/* The machine-readable summary (--report=json) as one JSON document */
int sim_replay_report_json(FILE *out, const char *path,
			   const struct sim_replay_result *res);

#endif
