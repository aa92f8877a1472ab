/* SPDX-License-Identifier: MIT */
/*
 * What fsd/state.c's parts share: the container table (fsd/container.c, readers
 * to containers), the snapshot cache (fsd/snapshot.c) and the load-average
 * sampler (fsd/load_sampler.c). Not for the session: it sees state.h only.
 */
#ifndef HUTCH_FSD_STATE_INTERNAL_H
#define HUTCH_FSD_STATE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "state.h"

#define VALIDATE_NS 1000000000ull
#define SPEC_NS	    1000000000ull
/* A host file read for one container's render serves the others' for this long. */
#define HOST_SHARE_NS 10000000ull
/* The parts of struct cgroup_stats read apart (CGROUP_STATS_MEMORY ... CGROUP_STATS_PSI). */
#define CTR_STATS_PARTS 6
#define N_BUCKETS	256
#define MAX_ANCESTORS	256
#define MAX_READERS	1024

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd of one thread */
#endif

/*
 * A reader (a thread id from a FUSE request) and its pid namespace. The
 * first open of a thread reads its namespace from /proc; a thread that comes
 * back gets a pidfd, and from then on a poll of it (no /proc lookup, a
 * tenth of the cost) proves the thread id still names the thread whose
 * namespace is cached: a pid is reused only after its thread is gone.
 */
struct reader {
	pid_t tid;	 /* 0: free */
	int pidfd;	 /* -1: seen once, namespace not cached */
	uint64_t ns_ino; /* with pidfd */
};

struct ctr {
	uint64_t ns_ino;
	pid_t init_pid;
	uint64_t init_start_ticks;
	size_t init_depth; /* pid namespace levels above and including the container's */
	/* The init itself, immune to pid reuse; -1 on kernels without pidfds. A pid
	 * namespace dies with its init, and only then can its inode be reused. */
	int init_pidfd;
	char *cgroup_text;
	bool host_like; /* the root cgroup everywhere: show the host's files */
	struct ctr *next;
	int refs;     /* under the table lock */
	bool removed; /* out of the table; freed at the last unref */
	_Atomic uint64_t last_used_ns;

	pthread_mutex_t lock; /* everything below */
	struct cgroup *cg;
	struct cgroup_stats stats;
	uint64_t stats_at, spec_at; /* 0: never read (through this cgroup handle) */
	uint64_t
		part_at[CTR_STATS_PARTS]; /* when each part was read; valid while stats_at is set */
	uint64_t validated_at;
	struct fsd_snap *snaps[FSD_FILE_COUNT];
	uint64_t snap_at[FSD_FILE_COUNT];
	/* proc/cpuinfo's text is the host's cut to the visible CPUs, nothing else: the
	 * host text and CPUs snaps[FSD_CPUINFO] was rendered from (the same again is a copy). */
	struct fsd_snap *cpuinfo_host;
	struct hutch_cpuset cpuinfo_visible;
	bool has_tasks;
	uint64_t running, blocked, total, last_pid;
	struct fsd_load load;
	uint64_t load_at;
	uint64_t *cpu_floor;   /* proc/stat's last CPU lines (fsd_view.cpu_floor) */
	uint64_t *idle_offset; /* n_cpu_floor entries (fsd_view.idle_offset) */
	size_t n_cpu_floor;
};

struct host_file {
	/* Opened once, read with pread: no path walk in /proc per read; -1 until then. */
	_Atomic int fd;
	struct fsd_snap *snap;
	uint64_t at;
	struct fsd_host_meminfo meminfo; /* FSD_MEMINFO's: snap parsed */
};

struct fsd_state {
	struct fsd_state_options o;
	const struct cgroup_layout *layout;
	uint64_t self_ns;
	unsigned user_hz;

	pthread_mutex_t table_lock;
	struct ctr *buckets[N_BUCKETS];
	size_t n_ctrs;

	pthread_mutex_t host_lock;
	struct host_file host[FSD_FILE_COUNT];

	pthread_mutex_t readers_lock;
	struct reader *readers; /* n_readers slots, by thread id */
	size_t n_readers;

	pthread_t sampler;
	bool sampler_running;
	bool stopping; /* under stop_lock */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;

	_Atomic uint64_t lookups, resolves, renders, host_reads;
};

/* The container of namespace ns_ino from the table, referenced (ctr_unref); NULL if not there. */
struct ctr *ctr_find_ref(struct fsd_state *s, uint64_t ns_ino);
/* fsd/container.c: readers to containers. */
void ctr_free(struct ctr *c);
void ctr_unref(struct fsd_state *s, struct ctr *c);
/* Takes c out of the table (under the table lock); it is freed at its last unref. */
void table_remove_locked(struct fsd_state *s, struct ctr *c);
void table_remove(struct fsd_state *s, struct ctr *c);
/* Whether c's init is alive: one poll on its pidfd, or /proc where there are no pidfds. */
bool ctr_alive(const struct ctr *c);
/* Whether c still is its namespace's container (follows a cgroup move); c->lock held. */
bool ctr_validate(struct fsd_state *s, struct ctr *c);
/* The container of the namespace ns_ino (reader is a process in it), referenced. */
int ctr_get(struct fsd_state *s, pid_t reader, uint64_t ns_ino, struct ctr **ret);
/* The reader's pid namespace; true in *ret_host when it is the daemon's own (the host's files). */
int reader_ns(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t *ret_ns,
	      bool *ret_host);

/* fsd/snapshot.c */
struct fsd_snap *snap_ref(struct fsd_snap *snap);

/* fsd/load_sampler.c: counts c's tasks and folds them into its load averages. */
void ctr_sample(struct fsd_state *s, struct ctr *c);

#endif
