/* SPDX-License-Identifier: MIT */
/*
 * The sampling code that hutch-collector and hutch top share: discover every
 * cgroup on the host (as cAdvisor's raw handler sees them), name the ones that
 * are containers (hutch's own state, docker, podman, containerd, kubernetes
 * cgroup paths), and read their stats with long-lived handles so a refresh
 * costs about one pread per stat file.
 */
#ifndef HUTCH_SAMPLER_H
#define HUTCH_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hutch/cgroup.h"

/* Which runtime made a container, from its cgroup path or hutch's state. */
enum sampler_runtime {
	SAMPLER_RUNTIME_CGROUP, /* a plain cgroup, no known runtime */
	SAMPLER_RUNTIME_HUTCH,
	SAMPLER_RUNTIME_DOCKER,
	SAMPLER_RUNTIME_PODMAN,
	SAMPLER_RUNTIME_CONTAINERD,
	SAMPLER_RUNTIME_KUBERNETES,
};
const char *sampler_runtime_name(enum sampler_runtime rt);

struct sampler_netdev {
	char name[32];
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

struct sampler_container {
	char *id;         /* the cgroup path: cAdvisor's "id" label */
	char *name;       /* container name, "" when unknown */
	char *image;      /* "" when unknown */
	char *runtime_id; /* the runtime's own container id, "" for plain cgroups */
	enum sampler_runtime runtime;
	bool is_container; /* a runtime's container, not just a cgroup */
	pid_t pid;         /* a process in it (the init where known), 0 if empty */
	uint64_t start_time_ns;  /* wall clock; HUTCH_UNKNOWN if unknown */
	uint64_t sampled_at_ns;  /* monotonic time of the last refresh */
	struct cgroup_stats stats;
	uint64_t threads, file_descriptors; /* HUTCH_UNKNOWN when not sampled */
	size_t n_netdevs; /* from the container's network namespace; 0 if it shares the host's */
	struct sampler_netdev *netdevs;
	/* BPF keys: cgroup directory inodes (HUTCH_UNKNOWN where the hierarchy is absent). */
	uint64_t cgroup_id_cpu, cgroup_id_memory, cgroup_id_unified;
};

struct sampler_options {
	const char *hutch_root; /* hutch's state directory; NULL = /run/hutch */
	bool containers_only;   /* skip cgroups no runtime made (the viewer's default) */
	bool network;           /* read per-namespace network counters */
	bool processes;         /* count threads and file descriptors (walks /proc/PID) */
	uint64_t spec_refresh_ns; /* how often limits are re-read; 0 = every refresh */
	uint64_t discovery_refresh_ns; /* how often the cgroup tree is re-walked; 0 = every refresh */
};

struct sampler;
int sampler_new(const struct cgroup_layout *layout, const struct sampler_options *opts,
		struct sampler **ret);
/* Discovers (when due) and reads every container's stats. Vanished cgroups are dropped. */
int sampler_refresh(struct sampler *s);
size_t sampler_count(const struct sampler *s);
const struct sampler_container *sampler_get(const struct sampler *s, size_t i);
void sampler_free(struct sampler *s);

#endif
