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
#include "hutch/discovery.h" /* enum sampler_runtime, struct discovery_roots */
#include "hutch/procfs.h"    /* struct procfs_net_dev */

struct sampler_container {
	char *id;	  /* the cgroup path: cAdvisor's "id" label */
	char *name;	  /* container name, "" when unknown */
	char *image;	  /* "" when unknown */
	char *runtime_id; /* the runtime's own container id, "" for plain cgroups */
	char *pod_uid; /* kubernetes pod uid (of a container or a pod's own cgroup), "" elsewhere */
	/* As the kubelet's cAdvisor labels them ("" where unknown or not kubernetes):
	 * alias is cAdvisor's "name" (its first alias), container the kubernetes container
	 * name ("" on a pod's sandbox and its own cgroup), pod and pod_namespace the pod's. */
	const char *alias, *container, *pod, *pod_namespace;
	bool sandbox; /* a pod's sandbox (pause) container: the pod's network is counted here */
	/* The engine's container labels (docker's, CRI-O's, the CRI's), sorted by key. */
	const struct discovery_label *labels;
	size_t n_labels;
	enum sampler_runtime runtime;
	bool is_container;	  /* a runtime's container, not just a cgroup */
	pid_t pid;		  /* a process in it (the init where known), 0 if empty */
	uint64_t start_time_ns;	  /* wall clock; HUTCH_UNKNOWN if unknown */
	uint64_t sampled_at_ns;	  /* monotonic time of the last refresh */
	uint64_t sampled_wall_ns; /* wall clock of the last refresh (cAdvisor's last_seen) */
	struct cgroup_stats stats;
	/* Processes in the cgroup itself (cgroup.procs), threads (pids.current) and
	 * open files of those processes; HUTCH_UNKNOWN when not sampled. */
	uint64_t processes, threads, file_descriptors;
	/* From the container's network namespace, as cAdvisor counts it: none when it shares
	 * the host's or joins its pod's sandbox; no lo, veth*, docker* or nerdctl* devices. */
	size_t n_netdevs;
	struct procfs_net_dev *netdevs;
	/* BPF keys: cgroup directory inodes (HUTCH_UNKNOWN where the hierarchy is absent). */
	uint64_t cgroup_id_cpu, cgroup_id_memory, cgroup_id_unified;
};

struct sampler_options {
	const char *hutch_root; /* hutch's state directory; NULL = /run/hutch */
	/* Other runtimes' state for names and images; NULL = the usual places. */
	const struct discovery_roots *roots;
	const char *root_cgroup;  /* the subtree to watch; NULL = "/" */
	bool containers_only;	  /* skip cgroups no runtime made (the viewer's default) */
	bool network;		  /* read per-namespace network counters */
	bool processes;		  /* count processes and file descriptors (walks /proc/PID) */
	uint64_t spec_refresh_ns; /* how often limits are re-read; 0 = every refresh */
	uint64_t
		discovery_refresh_ns; /* how often the cgroup tree is re-walked; 0 = every refresh */
	/* Cgroups whose files stay open between refreshes (the rest are opened per refresh);
	 * 0 = as many as RLIMIT_NOFILE allows at about 18 files each. */
	size_t max_open_handles;
	bool no_cpuset; /* skip the cpuset lists (the collector exports none) */
	/* Skip the effective limits (a walk over the ancestors' files): the collector
	 * exports each cgroup's own limits only. */
	bool no_effective_limits;
};

struct sampler;
int sampler_new(const struct cgroup_layout *layout, const struct sampler_options *opts,
		struct sampler **ret);
/* Discovers (when due) and reads every container's stats. Vanished cgroups are dropped. */
int sampler_refresh(struct sampler *s);
/* Containers, sorted by id; valid until the next sampler_refresh. */
size_t sampler_count(const struct sampler *s);
const struct sampler_container *sampler_get(const struct sampler *s, size_t i);
/* The container with this cgroup path, or NULL. */
const struct sampler_container *sampler_find(const struct sampler *s, const char *id);
/* Forces the next refresh to re-walk the tree and re-read spec values. */
void sampler_invalidate(struct sampler *s);
void sampler_free(struct sampler *s);
/* "/dev/sda" for a block device number (from /sys/dev/block), "MAJ:MIN" when unknown;
 * cached, valid while the sampler lives. */
const char *sampler_device_name(struct sampler *s, unsigned major, unsigned minor);

/* Host facts for machine_* metrics. */
struct sampler_machine {
	uint64_t cpu_cores;		  /* online CPUs */
	uint64_t memory_bytes;		  /* physical memory */
	char boot_id[64], machine_id[64]; /* "" when unreadable */
};
int sampler_read_machine(struct sampler_machine *ret);

/* A process's own resource use, for an exporter's process_* metrics. */
struct sampler_process {
	double cpu_seconds;
	uint64_t resident_bytes, virtual_bytes;
	uint64_t open_fds, max_fds;
	double start_time_s; /* wall clock */
};
int sampler_read_process(pid_t pid, struct sampler_process *ret);

#endif
