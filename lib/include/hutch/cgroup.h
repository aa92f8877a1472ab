/* SPDX-License-Identifier: MIT */
/*
 * libhutch's cgroup layer. Callers never care whether the host is cgroup v1,
 * hybrid (v1 controllers plus a cgroup2 mount) or pure v2: the layout is read
 * once from mountinfo, and a v1 or v2 backend (struct cgroup_ops, private to
 * the library) does the work behind these functions.
 *
 * A cgroup is named by one path ("/hutch/abc", "/docker/<id>"). On v1 hosts a
 * process may sit at different paths in different hierarchies; a handle
 * opened from a pid keeps each hierarchy's own path.
 */
#ifndef HUTCH_CGROUP_H
#define HUTCH_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hutch/procfs.h"
#include "hutch/util.h"

/* A value the kernel does not give on this host or layout. Never 0. */
#ifndef HUTCH_UNKNOWN
#define HUTCH_UNKNOWN UINT64_MAX
#endif
/* A limit that is not set ("max" on v2, -1 or a huge number on v1). */
#define HUTCH_UNLIMITED (UINT64_MAX - 1)

static inline bool hutch_known(uint64_t v)
{
	return v != HUTCH_UNKNOWN;
}
static inline bool hutch_limited(uint64_t v)
{
	return v != HUTCH_UNKNOWN && v != HUTCH_UNLIMITED;
}

enum cgroup_layout_kind {
	CGROUP_LAYOUT_NONE,   /* no cgroup filesystem mounted */
	CGROUP_LAYOUT_V1,     /* only v1 hierarchies */
	CGROUP_LAYOUT_HYBRID, /* v1 controllers plus a cgroup2 mount */
	CGROUP_LAYOUT_V2,     /* only the unified hierarchy */
};
const char *cgroup_layout_kind_name(enum cgroup_layout_kind kind);

enum cgroup_controller {
	CGROUP_CPU,
	CGROUP_CPUACCT,
	CGROUP_CPUSET,
	CGROUP_MEMORY,
	CGROUP_BLKIO, /* "io" on v2 */
	CGROUP_PIDS,
	CGROUP_DEVICES,
	CGROUP_FREEZER,
	CGROUP_HUGETLB,
	CGROUP_NET_CLS,
	CGROUP_NET_PRIO,
	CGROUP_PERF_EVENT,
	CGROUP_RDMA,
	CGROUP_MISC,
	CGROUP_CONTROLLER_COUNT,
};
/* The v1 name ("blkio"), or with v2 true the v2 name ("io"); NULL if none. */
const char *cgroup_controller_name(enum cgroup_controller c, bool v2);
/* Looks a controller up by either name; -1 if unknown. */
int cgroup_controller_from_name(const char *name);

#define CGROUP_MAX_HIERARCHIES 16

struct cgroup_hierarchy {
	char *mount_point; /* where it is mounted here (with the layout's root_prefix before it) */
	char *root;	   /* the mount's root inside the hierarchy, usually "/" */
	char *options;	   /* v1 super options naming the controllers, e.g. "cpu,cpuacct" */
	uint32_t controllers; /* bitmask of 1u << enum cgroup_controller */
	bool unified;
};

struct cgroup_ops;
struct cgroup_layout {
	enum cgroup_layout_kind kind;
	size_t n_hierarchies;
	struct cgroup_hierarchy hierarchies[CGROUP_MAX_HIERARCHIES];
	/* Index of the hierarchy that holds each controller, -1 where none does. */
	int by_controller[CGROUP_CONTROLLER_COUNT];
	/* Index of the cgroup2 mount (v2 or hybrid), -1 on pure v1. */
	int unified;
	const struct cgroup_ops *ops;
};

/*
 * Builds the layout from parsed mountinfo. root_prefix is put before every
 * mount point, so tests can point the layout at a fixture tree ("" or NULL
 * for the real host). On v2 the root's cgroup.controllers is read (under the
 * prefix) to learn which controllers the hierarchy has.
 */
int cgroup_layout_from_mountinfo(const struct procfs_mountinfo *mi, const char *root_prefix,
				 struct cgroup_layout **ret);
/* Reads /proc/self/mountinfo; the layout is computed once per process and shared. */
int cgroup_layout_detect(const struct cgroup_layout **ret);
void cgroup_layout_free(struct cgroup_layout *layout);
/* The hierarchy that names a cgroup (and that cgroup_walk walks): cpu's on v1 and
 * hybrid, else the first v1 one with controllers; the unified one on v2. */
int cgroup_layout_primary(const struct cgroup_layout *layout);
/* The hierarchy holding controller c, or NULL. */
const struct cgroup_hierarchy *cgroup_layout_hierarchy(const struct cgroup_layout *layout,
						       enum cgroup_controller c);

/* One cgroup's stats. Any field may be HUTCH_UNKNOWN; limits may be HUTCH_UNLIMITED. */
struct cgroup_blkio_device {
	unsigned major, minor;
	uint64_t read_bytes, write_bytes, read_ios, write_ios;
};

struct cgroup_psi {
	/* avg10/60/300 in percent; total in microseconds. total_us is HUTCH_UNKNOWN if absent. */
	double some_avg10, some_avg60, some_avg300;
	uint64_t some_total_us;
	double full_avg10, full_avg60, full_avg300;
	uint64_t full_total_us;
};

struct cgroup_stats {
	/* memory */
	uint64_t memory_usage_bytes;
	uint64_t memory_max_usage_bytes;       /* v1 max_usage_in_bytes; v2 memory.peak */
	uint64_t memory_limit_bytes;	       /* this cgroup's own limit */
	uint64_t memory_effective_limit_bytes; /* minimum over the cgroup and its ancestors */
	uint64_t memory_reservation_bytes;     /* v1 soft_limit; v2 memory.low */
	uint64_t swap_usage_bytes;
	uint64_t swap_limit_bytes; /* swap alone (v1: memsw limit - memory limit) */
	uint64_t memory_cache_bytes, memory_rss_bytes, memory_shmem_bytes, memory_mapped_file_bytes;
	uint64_t memory_active_anon_bytes, memory_inactive_anon_bytes;
	uint64_t memory_active_file_bytes, memory_inactive_file_bytes;
	uint64_t memory_working_set_bytes; /* usage - inactive_file, floored at 0 */
	uint64_t memory_failcnt;
	uint64_t memory_oom_events, memory_oom_kill_events;
	uint64_t memory_pgfault, memory_pgmajfault;
	/* kernel slab charged to the cgroup: v2 memory.stat (v1 has no such lines) */
	uint64_t memory_slab_reclaimable_bytes, memory_slab_unreclaimable_bytes;
	/* all kernel memory charged (slab, stacks, page tables): v1 memory.kmem.usage_in_bytes */
	uint64_t memory_kernel_bytes;

	/* cpu */
	uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
	size_t n_percpu;	   /* 0 when the kernel does not give per-CPU usage (v2) */
	uint64_t *percpu_usage_ns; /* n_percpu entries, owned: cgroup_stats_free() */
	uint64_t cpu_quota_us;	   /* HUTCH_UNLIMITED when no quota */
	uint64_t cpu_period_us;
	uint64_t cpu_shares; /* v1 shares; on v2 converted back from cpu.weight */
	uint64_t cpu_weight; /* v2 weight; on v1 converted from shares */
	/* min over the cgroup and its ancestors of quota/period, in thousandths of a CPU. */
	uint64_t cpu_effective_limit_millicpus;
	uint64_t cpu_nr_periods, cpu_nr_throttled, cpu_throttled_ns;

	/* cpuset: kernel cpu lists; "" when unknown */
	char cpuset_cpus[256], cpuset_mems[256];
	char cpuset_effective_cpus[256], cpuset_effective_mems[256];

	/* pids */
	uint64_t pids_current, pids_max;

	/* block io, per device */
	size_t n_blkio;
	struct cgroup_blkio_device *blkio; /* owned: cgroup_stats_free() */

	/* pressure stall information, where the kernel has it (on hybrid from the unified mount) */
	bool has_psi;
	struct cgroup_psi psi_cpu, psi_memory, psi_io;
};

/* What to read: a mask of these. Spec values (limits) change rarely; the collector reads them less often. */
enum {
	CGROUP_STATS_MEMORY = 1u << 0,
	CGROUP_STATS_CPU = 1u << 1,
	CGROUP_STATS_CPUSET = 1u << 2,
	CGROUP_STATS_PIDS = 1u << 3,
	CGROUP_STATS_BLKIO = 1u << 4,
	CGROUP_STATS_PSI = 1u << 5,
	CGROUP_STATS_SPEC = 1u << 6, /* limits, quota, period, shares, effective limits */
	CGROUP_STATS_ALL = 0x7f,
	/* With SPEC: leave the effective limits unknown, saving the walk over the
	 * ancestors' files (the collector exports the cgroup's own limits only). */
	CGROUP_STATS_NO_EFFECTIVE = 1u << 7,
	/* With MEMORY or CPU: leave the counters of events and peaks unknown
	 * (failcnt, max usage, OOM events, CFS throttling), saving the files that
	 * hold only those (v1 memory.max_usage_in_bytes, memory.failcnt,
	 * memory.oom_control, cpu.stat; v2 memory.peak, memory.events): for a
	 * reader that shows none of them (hutch-fsd's files). */
	CGROUP_STATS_NO_EVENTS = 1u << 8,
};

void cgroup_stats_init(struct cgroup_stats *st); /* everything HUTCH_UNKNOWN */
void cgroup_stats_free(struct cgroup_stats *st);

/* Limits to write. Fields left HUTCH_UNKNOWN (or NULL) are not written. */
struct cgroup_limits {
	uint64_t memory_bytes; /* HUTCH_UNLIMITED to lift a limit */
	uint64_t
		memory_swap_bytes; /* memory + swap, as docker's --memory-swap; HUTCH_UNLIMITED for no cap */
	uint64_t memory_reservation_bytes;
	uint64_t cpu_quota_us; /* HUTCH_UNLIMITED for no quota */
	uint64_t cpu_period_us;
	uint64_t cpu_shares;	 /* v1 shares (2..262144); converted to cpu.weight on v2 */
	const char *cpuset_cpus; /* NULL: the parent's (v1 needs a value before a task can join) */
	const char *cpuset_mems;
	uint64_t pids_max; /* HUTCH_UNLIMITED for "max" */
};
void cgroup_limits_init(struct cgroup_limits *lim);

/* v1 shares <-> v2 weight, as the kernel documents and runc converts. */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_weight_to_shares(uint64_t weight);

struct cgroup;

/* Opens an existing cgroup by path (the same path in every hierarchy). */
int cgroup_open(const struct cgroup_layout *layout, const char *path, struct cgroup **ret);
/* Opens the cgroup a pid is in, each hierarchy at the pid's own path there. */
int cgroup_open_pid(const struct cgroup_layout *layout, pid_t pid, struct cgroup **ret);
/* The same from an already parsed /proc/PID/cgroup (pure but for opening directories). */
int cgroup_open_from_pid_cgroup(const struct cgroup_layout *layout,
				const struct procfs_pid_cgroup *pc, struct cgroup **ret);
void cgroup_close(struct cgroup *cg);
DEFINE_CLEANUP_FUNC(struct cgroup *, cgroup_close)
#define _cleanup_cgroup_ _cleanup_(cgroup_closep)

/* The cgroup's name: its path in the cpu (v1) or unified (v2) hierarchy. */
const char *cgroup_path(const struct cgroup *cg);
/* The path in the hierarchy holding controller c (NULL where none). */
const char *cgroup_controller_path(const struct cgroup *cg, enum cgroup_controller c);
/* The directory of controller c's files, e.g. /sys/fs/cgroup/memory/hutch/abc. */
int cgroup_controller_dir(const struct cgroup *cg, enum cgroup_controller c, char *buf,
			  size_t size);
/* The unified-hierarchy directory (v2 and hybrid); -ENOENT on pure v1. */
int cgroup_unified_dir(const struct cgroup *cg, char *buf, size_t size);
/*
 * The cgroup id BPF programs see: the inode of the cgroup's directory in the
 * hierarchy of controller c (c is ignored on v2: the unified directory).
 * c = CGROUP_CONTROLLER_COUNT asks for the unified directory's inode, which
 * is what bpf_get_current_cgroup_id() returns on hybrid hosts too.
 */
int cgroup_id(const struct cgroup *cg, enum cgroup_controller c, uint64_t *ret_id);

/*
 * Reads stats. Files are opened once per handle and re-read with pread, so
 * a long-lived handle (the collector's) costs one pread per file per call
 * (hutch_pread_whole: no second one to find the end).
 * A cgroup that vanished returns -ENOENT; a missing file leaves its fields
 * HUTCH_UNKNOWN. *ret must have been initialised (cgroup_stats_init); the
 * fields of the groups in mask are reset first, so one struct can be reused.
 * pids_max is read with CGROUP_STATS_PIDS and with CGROUP_STATS_SPEC. A
 * handle keeps about one fd per file read plus one per hierarchy (~36 on v1
 * with CGROUP_STATS_ALL): a process holding many handles needs RLIMIT_NOFILE
 * raised. Handles are not thread-safe.
 */
int cgroup_read_stats(struct cgroup *cg, unsigned mask, struct cgroup_stats *ret);
/*
 * Closes the directory fds a handle keeps for opening its files (they are
 * reopened when a file not yet open is needed). A process holding handles
 * to many cgroups calls it after a read, to keep to one fd per stat file.
 */
void cgroup_release_dirs(struct cgroup *cg);

/* The pids in the cgroup and the cgroups below it (cgroup.procs of the pids, memory,
 * or unified hierarchy). */
int cgroup_list_pids(struct cgroup *cg, pid_t **ret_pids, size_t *ret_n);
/* Signals every process in the cgroup and below; returns how many were signalled. */
int cgroup_kill_all(struct cgroup *cg, int sig);

/*
 * Creates the cgroup in every hierarchy that matters (every v1 controller
 * hierarchy and, on hybrid hosts, the unified one; on v2 it enables the
 * needed controllers in the parents' subtree_control; on v1 it fills
 * cpuset.cpus/mems from the parent). Directories that exist already are
 * reused, like mkdir -p. On failure nothing it made is left behind; err
 * reads like "create cgroup /hutch/x: mkdir /sys/fs/cgroup/pids/hutch/x: ...".
 */
int cgroup_create(const struct cgroup_layout *layout, const char *path, struct cgroup **ret,
		  struct hutch_error *err);
/*
 * cgroup_create in two steps, for a process cloned into the unified cgroup
 * (CLONE_INTO_CGROUP) while the rest is made: the first makes only the
 * unified directory (when there is one), the second everything (the
 * unified one is reused). After a failure of either, cgroup_destroy and
 * cgroup_close clean up.
 */
int cgroup_create_unified_first(const struct cgroup_layout *layout, const char *path,
				struct cgroup **ret, struct hutch_error *err);
int cgroup_create_rest(struct cgroup *cg, struct hutch_error *err);
int cgroup_set_limits(struct cgroup *cg, const struct cgroup_limits *lim, struct hutch_error *err);
/* Moves a process into the cgroup in every hierarchy. */
int cgroup_attach(struct cgroup *cg, pid_t pid, struct hutch_error *err);
/*
 * Moves the calling process, which must be single-threaded, into the cgroup
 * without the global lock (and its RCU grace period) a move by pid takes: v1
 * hierarchies through their tasks file; the unified one through cgroup.procs
 * (which does take it) unless skip_unified, for a process cloned into it with
 * CLONE_INTO_CGROUP and the fd of cgroup_open_unified.
 */
int cgroup_attach_self(struct cgroup *cg, bool skip_unified, struct hutch_error *err);
/* An O_DIRECTORY fd of the cgroup's unified directory; -ENOENT when it has none. */
int cgroup_open_unified(const struct cgroup *cg, int *ret_fd);
/*
 * Removes the cgroup's directories in every hierarchy it was created in,
 * child cgroups first (they must hold no process; a cgroup whose last
 * process is still exiting is retried for up to 2 s). Missing ones are fine.
 */
int cgroup_destroy(struct cgroup *cg, struct hutch_error *err);

/*
 * Removes the cgroup at path (and the cgroups below it) in every hierarchy
 * where its directory exists, whatever state a killed creator left it in;
 * with kill_sig, its processes are signalled first. *ret_found says whether
 * any directory of it was there. Waits up to 2 s for dying processes.
 */
int cgroup_remove_path(const struct cgroup_layout *layout, const char *path, int kill_sig,
		       bool *ret_found);

/*
 * Calls fn for every cgroup below (and including) path in the cpu hierarchy
 * (v1) or the unified one (v2), parents before children. Stops early when fn
 * returns non-zero and returns that value.
 */
typedef int (*cgroup_walk_fn)(const char *path, void *userdata);
int cgroup_walk(const struct cgroup_layout *layout, const char *path, cgroup_walk_fn fn,
		void *userdata);

#endif
