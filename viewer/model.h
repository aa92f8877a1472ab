/* SPDX-License-Identifier: MIT */
/*
 * hutch top's model: what the screen shows, computed from two snapshots
 * without any I/O or drawing, so the numbers can be unit-tested.
 *
 * A snapshot holds raw counters (CPU nanoseconds, bytes) per cgroup at one
 * instant; the rows hold rates over the interval between two snapshots.
 * A snapshot is filled from the host (source_host.c) or from a collector's
 * /metrics (source_url.c); the model does not care which.
 */
#ifndef HUTCH_VIEWER_MODEL_H
#define HUTCH_VIEWER_MODEL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hutch/cgroup.h"
#include "hutch/discovery.h"

/*
 * A histogram as cumulative counts at increasing upper bounds, the last bound +Inf
 * (classic Prometheus buckets; a native histogram's sparse buckets are turned into
 * this too). Bounds missing from one scrape to the next are empty buckets.
 */
#define VIEWER_HIST_MAX 72
struct viewer_hist {
	size_t n;
	double le[VIEWER_HIST_MAX];
	uint64_t cum[VIEWER_HIST_MAX];
	uint64_t count;
	double sum;
};
/* cur minus prev (prev NULL: cur itself). -ERANGE when a count went backwards
 * (the series was reset) or prev has a bucket cur lacks; -EINVAL on a malformed one. */
int viewer_hist_delta(const struct viewer_hist *prev, const struct viewer_hist *cur,
		      struct viewer_hist *ret);
/* The q-quantile (0..1) as Prometheus' histogram_quantile computes it: the bucket
 * holding rank q*count, linear inside it (from 0 for the first bucket); the highest
 * finite bound when it falls in +Inf. NAN for an empty histogram or a bad q. */
double viewer_hist_quantile(const struct viewer_hist *h, double q);
/* sum / count, NAN when empty. */
double viewer_hist_mean(const struct viewer_hist *h);
/* Seconds as "850ns", "12.5us", "3.20ms", "1.50s"; "-" for NAN. */
void viewer_fmt_seconds(double s, char *buf, size_t size);

struct viewer_snapshot;
struct viewer_sample;
/* The detail view's run-queue latency line for c (p: its previous sample, or NULL):
 * p50, p99 and mean of the histogram's growth between the two snapshots, or why
 * there is none (host mode has no probes). */
void viewer_runqlat_line(const struct viewer_snapshot *prev, const struct viewer_sample *p,
			 const struct viewer_snapshot *cur, const struct viewer_sample *c,
			 char *buf, size_t size);

/* One cgroup at one instant. Any counter may be HUTCH_UNKNOWN; limits may be HUTCH_UNLIMITED. */
struct viewer_sample {
	char *id;   /* cgroup path */
	char *name; /* container name; "" when unknown */
	char *runtime_id;
	enum sampler_runtime runtime;
	bool is_container;
	pid_t pid; /* a process in it, 0 when empty or unknown */
	uint64_t start_wall_ns;
	uint64_t cpu_usage_ns;
	uint64_t cpu_quota_us, cpu_period_us;
	uint64_t
		cpu_limit_millicpus; /* effective (min over ancestors) where known, else own quota */
	uint64_t cpu_shares;
	uint64_t cpu_nr_periods, cpu_nr_throttled, cpu_throttled_ns;
	uint64_t memory_usage_bytes, memory_limit_bytes; /* limit: effective where known */
	uint64_t memory_own_limit_bytes, swap_usage_bytes, swap_limit_bytes;
	uint64_t memory_cache_bytes, memory_rss_bytes;
	uint64_t memory_failcnt, memory_oom_events, memory_oom_kill_events;
	uint64_t net_rx_bytes, net_tx_bytes; /* HUTCH_UNKNOWN when sharing the host's network */
	uint64_t io_read_bytes, io_write_bytes;
	uint64_t processes, threads, pids_max;
	char cpuset_cpus[256];
	/* From a collector's eBPF probes (--url); NULL / HUTCH_UNKNOWN without them. */
	struct viewer_hist *runqlat; /* container_cpu_runqueue_latency_seconds, owned */
	uint64_t process_forks, process_execs;
};

struct viewer_host {
	uint64_t cpu_cores, memory_bytes, memory_available_bytes;
	double load1, load5, load15; /* negative when unknown */
	char layout[16];	     /* "v1", "hybrid", "v2", or "remote" */
	/* hutch_collector_probe_up{probe="runqlat"}: 1 up, 0 off, -1 not said (host mode). */
	int probe_runqlat;
};

struct viewer_snapshot {
	uint64_t at_ns;	  /* monotonic time of the sample */
	uint64_t wall_ns; /* wall clock */
	struct viewer_host host;
	size_t n, cap;
	struct viewer_sample *samples; /* sorted by id */
};

void viewer_snapshot_init(struct viewer_snapshot *s);
void viewer_snapshot_clear(struct viewer_snapshot *s); /* frees the samples, keeps the struct */
/* Appends a sample with every counter unknown and copies of the strings; returns it or NULL. */
struct viewer_sample *viewer_snapshot_add(struct viewer_snapshot *s, const char *id,
					  const char *name, const char *runtime_id);
void viewer_snapshot_sort(struct viewer_snapshot *s);
const struct viewer_sample *viewer_snapshot_find(const struct viewer_snapshot *s, const char *id);
/* Moves src into dst (dst's old samples are freed); src is left empty. */
void viewer_snapshot_move(struct viewer_snapshot *dst, struct viewer_snapshot *src);

enum viewer_column {
	VIEWER_COL_NAME,
	VIEWER_COL_RUNTIME,
	VIEWER_COL_STATE,
	VIEWER_COL_CPU,
	VIEWER_COL_QUOTA,
	VIEWER_COL_MEM,
	VIEWER_COL_MEMLIM,
	VIEWER_COL_MEMPCT,
	VIEWER_COL_NETRX,
	VIEWER_COL_NETTX,
	VIEWER_COL_IOR,
	VIEWER_COL_IOW,
	VIEWER_COL_PIDS,
	VIEWER_COL_UPTIME,
	VIEWER_COL_COUNT,
};
/* Lower-case column names ("cpu", "mem", ...), as -s takes them and the chooser shows. */
const char *viewer_column_name(enum viewer_column c);
const char *viewer_column_title(enum viewer_column c); /* the table's header */
int viewer_column_from_name(const char *name);	       /* -1 when unknown */

enum viewer_state {
	VIEWER_STATE_RUNNING, /* has processes */
	VIEWER_STATE_EMPTY,   /* a cgroup with no process */
	VIEWER_STATE_UNKNOWN,
};
const char *viewer_state_name(enum viewer_state s);

/* One line of the table. Rates are NAN where they cannot be computed (first sample). */
struct viewer_row {
	const struct viewer_sample *s; /* into the current snapshot */
	char label[96];		       /* name, short id, or the cgroup path */
	enum viewer_state state;
	double cpu_pct;				   /* % of one CPU */
	double cpu_quota_pct;			   /* % of the CPU limit; NAN without one */
	uint64_t mem_usage_bytes, mem_limit_bytes; /* limit: the host's memory when unlimited */
	bool mem_limited;
	double mem_pct; /* of the limit */
	double net_rx_bps, net_tx_bps, io_read_bps, io_write_bps;
	uint64_t pids;	      /* tasks (threads), processes where tasks are unknown */
	double uptime_s;      /* NAN when unknown */
	double throttled_pct; /* throttled periods in the interval, % of periods; NAN without */
};

struct viewer_view {
	enum viewer_column sort;
	bool reverse; /* flips the column's natural order */
	bool all;     /* every cgroup, not only containers */
	bool has_filter;
	regex_t filter; /* matched against the label and the cgroup path */
};

struct viewer_rows {
	size_t n, cap;
	struct viewer_row *rows;
};
void viewer_rows_free(struct viewer_rows *r);

/* Compiles an extended, case-insensitive regex into view (an empty one clears it).
 * Returns 0 or -EINVAL with regerror's words in errbuf. */
int viewer_view_set_filter(struct viewer_view *view, const char *regex, char *errbuf,
			   size_t errlen);
void viewer_view_free(struct viewer_view *view);

/* The label a row shows: the name, a runtime id cut to 12 characters, or the cgroup path. */
void viewer_sample_label(const struct viewer_sample *s, char *buf, size_t size);

/* One row from a sample and the same cgroup's previous sample (NULL: first seen). */
void viewer_row_compute(const struct viewer_snapshot *prev, const struct viewer_sample *p,
			const struct viewer_snapshot *cur, const struct viewer_sample *c,
			struct viewer_row *ret);

/* The rows of cur that pass the view's filter, sorted; prev may be NULL. */
int viewer_model_rows(const struct viewer_snapshot *prev, const struct viewer_snapshot *cur,
		      const struct viewer_view *view, struct viewer_rows *ret);
void viewer_rows_sort(struct viewer_rows *r, enum viewer_column col, bool reverse);
/* The figure a column of numbers shows and sorts by (NAN when unknown or unlimited);
 * only for the columns after VIEWER_COL_STATE. */
double viewer_row_figure(const struct viewer_row *r, enum viewer_column col);

/* Formatting shared by the batch table and the screen. */
void viewer_fmt_bytes(uint64_t bytes, char *buf, size_t size); /* "1.5G", "-" when unknown */
void viewer_fmt_rate(double bps, char *buf, size_t size);      /* "1.2M", "-" for NAN */
void viewer_fmt_pct(double pct, char *buf, size_t size);       /* "12.3", "-" for NAN */
void viewer_fmt_duration(double s, char *buf, size_t size);    /* "3d4h", "5m2s", "-" */

/* A per-cgroup ring of recent CPU and memory figures for the detail view's sparklines. */
#define VIEWER_HISTORY 120
struct viewer_history_entry {
	char *id;
	size_t n, head;
	double cpu_pct[VIEWER_HISTORY];
	double mem_bytes[VIEWER_HISTORY];
	uint64_t seen_gen;
};
struct viewer_history {
	size_t n, cap;
	struct viewer_history_entry **entries; /* sorted by id */
	uint64_t gen;
};
/* Adds every row's figures; entries of cgroups not in rows are dropped. */
int viewer_history_update(struct viewer_history *h, const struct viewer_rows *rows);
const struct viewer_history_entry *viewer_history_find(const struct viewer_history *h,
						       const char *id);
/* The i-th oldest value (i < e->n). */
double viewer_history_cpu(const struct viewer_history_entry *e, size_t i);
double viewer_history_mem(const struct viewer_history_entry *e, size_t i);
void viewer_history_free(struct viewer_history *h);

/* A sparkline of values (NAN shown as a blank) scaled to max (0: the values' max), in ASCII
 * levels " .:-=+*#%@" so it works on any terminal; writes width characters. */
void viewer_sparkline(const double *values, size_t n, double max, char *buf, size_t width);

#endif
