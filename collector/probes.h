/* SPDX-License-Identifier: MIT */
/*
 * hutch-collector's eBPF probes (bpf/X.bpf.c + collector/probe_X.c each).
 * Each probe is opened, configured for the host's cgroup layout, loaded and
 * attached on its own; one the kernel refuses is left off with one log line
 * and hutch_collector_probe_up{probe="X"} 0, and the collector goes on.
 * Each running probe adds its families to the scrape as a collector_source.
 */
#ifndef HUTCH_COLLECTOR_PROBES_H
#define HUTCH_COLLECTOR_PROBES_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/cgroup_key.h"
#include "collector.h"
#include "hutch/cgroup.h"
#include "hutch/util.h"

/* What a probe needs to know of the host at load time. */
struct probe_env {
	const struct cgroup_layout *layout;
};

struct probe_ops {
	const char *name;
	/* Opens, configures, loads and attaches; *ret_state is the probe's. */
	int (*start)(const struct probe_env *env, void **ret_state, struct hutch_error *err);
	/* Writes the probe's families for the scrape's containers. */
	void (*write)(struct collector_scrape *sc, void *state);
	void (*stop)(void *state);  /* detaches and frees; accepts NULL */
	int (*map_fd)(void *state); /* the per-container map, for the log (bpftool map ... id) */
	uint64_t (*dropped)(void *state); /* events lost to a full map so far */
};

extern const struct probe_ops probe_runqlat, probe_oomkill, probe_churn, probe_netcg;

/* Every probe, in the order they are started and listed. */
#define PROBES_COUNT 4
extern const struct probe_ops *const probes_all[PROBES_COUNT];

/* Parses --probes: "all", "none" or a comma-separated list of names, into a bitmask of
 * indexes of probes_all. -EINVAL naming nothing it knows. */
int probes_parse_list(const char *list, unsigned *ret_mask);

struct probes;
/* Starts the probes in mask and registers their sources (and hutch_collector_probe_up)
 * with the collector. Fails only when out of memory or sources. */
int probes_start(struct collector *col, const struct cgroup_layout *layout, unsigned mask,
		 struct probes **ret);
void probes_free(struct probes *p);

/* Helpers for probe_X.c. */
/* The key mode for a probe keyed by controller c: v1 where c has a v1 hierarchy. */
int probe_key_mode(const struct cgroup_layout *layout, enum cgroup_controller c);
/* Fills a histogram (classic buckets and native schema 0) from log2 slots of
 * bpf/runqlat.h. Storage for bounds, counts, spans and deltas is the caller's. */
struct probe_log2_hist {
	double bounds[16];
	uint64_t cumulative[16];
	struct expo_span spans[24];
	int64_t deltas[64];
};
void probe_log2_histogram(const uint64_t *slots, size_t n_slots, int slot_offset, uint64_t sum_ns,
			  struct probe_log2_hist *store, struct expo_histogram *ret);

#endif
