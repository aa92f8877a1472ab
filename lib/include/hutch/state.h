/* SPDX-License-Identifier: MIT */
/*
 * The container registry: hutch's runtime keeps one directory per container
 * under its root (/run/hutch/<id>/, like /run/runc), with the container's
 * state in state.json, written atomically. The runtime writes it; the
 * collector and the viewer read it to name hutch's containers. JSON
 * conversion is pure; reading and writing are one layer up.
 */
#ifndef HUTCH_STATE_H
#define HUTCH_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HUTCH_STATE_ROOT "/run/hutch"
/*
 * docker's default capabilities (CAP_CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
 * KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT,
 * MKNOD, AUDIT_WRITE, SETFCAP), as 1 << CAP_x.
 */
#define HUTCH_CAPS_DEFAULT 0xa80425fbULL
#define HUTCH_ID_LEN	   64 /* hex digits of a container id */

enum hutch_status {
	HUTCH_STATUS_CREATED,
	HUTCH_STATUS_RUNNING,
	HUTCH_STATUS_EXITED,
};
const char *hutch_status_name(enum hutch_status s);
int hutch_status_from_name(const char *name); /* -EINVAL if unknown */

/* How a namespace is had: a new one, the host's, or another container's. */
enum hutch_ns_mode {
	HUTCH_NS_PRIVATE,
	HUTCH_NS_HOST,
	HUTCH_NS_CONTAINER,
	HUTCH_NS_NONE, /* --net none: a new namespace with nothing but loopback */
};

enum hutch_ns_kind {
	HUTCH_NS_PID,
	HUTCH_NS_NET,
	HUTCH_NS_IPC,
	HUTCH_NS_UTS,
	HUTCH_NS_MNT,
	HUTCH_NS_CGROUP,
	HUTCH_NS_COUNT,
};
/* "pid", "net", ... as under /proc/PID/ns/. */
const char *hutch_ns_kind_name(enum hutch_ns_kind k);

struct hutch_ns_spec {
	enum hutch_ns_mode mode;
	char container[HUTCH_ID_LEN + 1]; /* the other container's id (HUTCH_NS_CONTAINER) */
};

struct hutch_mount_spec {
	char *source;	   /* host path */
	char *destination; /* path in the container */
	bool readonly;
};

/* Limits as asked; HUTCH_UNKNOWN (UINT64_MAX) where not set. */
struct hutch_state_limits {
	uint64_t memory_bytes;
	uint64_t memory_swap_bytes; /* memory + swap, as docker's --memory-swap */
	uint64_t cpu_quota_us, cpu_period_us;
	uint64_t cpu_shares;
	uint64_t pids_max;
	char cpuset_cpus[256], cpuset_mems[256]; /* "" when not set */
};

/* A resource limit (setrlimit) by docker's --ulimit name: "nofile", "nproc", ... */
#define HUTCH_MAX_ULIMITS 16
#define HUTCH_RLIM_INF	  UINT64_MAX /* unlimited (docker's -1) */
struct hutch_ulimit {
	char name[16];
	uint64_t soft, hard;
};

struct hutch_state {
	char id[HUTCH_ID_LEN + 1];
	char name[128];
	char image[256];   /* the image's name; "" with --rootfs */
	char rootfs[4096]; /* the directory the container's overlay lies over */
	char **argv;	   /* NULL-terminated, owned */
	char **env;	   /* NULL-terminated, owned */
	char workdir[1024];
	char user[64];
	char hostname[256];
	char cgroup_path[1024]; /* "/hutch/<id>" or under --cgroup-parent */
	char log_path[4096];	/* "" when the output is not logged */

	enum hutch_status status;
	pid_t pid;		  /* the container's init, in the host's pid namespace */
	uint64_t pid_start_ticks; /* its start time, to tell a reused pid apart */
	pid_t monitor_pid;	  /* the hutch process that waits for the init */
	int exit_code;
	bool oom_killed;
	uint64_t created_ns, started_ns, finished_ns; /* wall clock; 0 when not yet */

	struct hutch_state_limits limits;
	struct hutch_ns_spec ns[HUTCH_NS_COUNT];
	struct hutch_mount_spec *mounts; /* volumes, owned */
	size_t n_mounts;
	char **devices; /* --device, each "HOST:CONTAINER:ACCESS" (access of "rwm"); owned */

	bool tty, interactive, detach, auto_remove, read_only, no_pivot, fsd;
	bool seccomp_unconfined;    /* --security-opt seccomp=unconfined */
	char seccomp_profile[1024]; /* --security-opt seccomp=FILE; "" for the built-in one */
	bool no_new_privs;	    /* --security-opt no-new-privileges (the default) */
	bool privileged;	    /* --privileged: all capabilities and devices, no seccomp */
	uint64_t cap_mask;	    /* the capabilities the container keeps, 1 << CAP_x */
	struct hutch_ulimit ulimits[HUTCH_MAX_ULIMITS]; /* --ulimit, over the defaults */
	size_t n_ulimits;

	uint64_t monitor_start_ticks; /* the monitor's start time, to tell a reused pid apart */
	char log_note[256]; /* why the log stops early (a full disk), "" when it does not */
	int stop_signal;    /* what hutch stop sends first (the image's StopSignal); 0: SIGTERM */
	char **labels;	    /* "KEY=VALUE": --label's and the image's Labels; owned */
	/*
	 * Set by the listing, never stored: why the state could not be read
	 * ("" for a good one). A broken entry has its id and, when its name
	 * reservation survives, its name; nothing else is known of it.
	 */
	char broken[256];
};

void hutch_state_init(struct hutch_state *st);
void hutch_state_free(struct hutch_state *st);

/* Pure: the state as a JSON document (malloc'd) and back. */
int hutch_state_to_json(const struct hutch_state *st, char **ret_json);
int hutch_state_from_json(const char *json, struct hutch_state *ret);

/* root NULL means HUTCH_STATE_ROOT. */
const char *hutch_state_root(const char *root);
/* <root>/<id>/state.json, written atomically (temporary, rename; not fsync'd). */
int hutch_state_write(const char *root, const struct hutch_state *st);
/* The same into dir/state.json (a container directory not yet under its id). */
int hutch_state_write_at(const char *dir, const struct hutch_state *st);
int hutch_state_read(const char *root, const char *id, struct hutch_state *ret);
/* Every container under root (directories without a readable state are skipped). */
int hutch_state_list(const char *root, struct hutch_state **ret_states, size_t *ret_n);
/*
 * The same, with every directory under root that has no readable state
 * listed too, as a broken entry (see hutch_state.broken): the runtime shows
 * and removes those. Directories whose name starts with '.' are not listed.
 */
int hutch_state_list_all(const char *root, struct hutch_state **ret_states, size_t *ret_n);
void hutch_state_list_free(struct hutch_state *states, size_t n);
/*
 * Finds a container by name, by id or by a unique prefix of its id, broken
 * ones included. -ENOENT when none matches, -ENOTUNIQ when a prefix matches
 * several.
 */
int hutch_state_find(const char *root, const char *name_or_id, struct hutch_state *ret);

/*
 * Names are reserved apart from the state, as <root>/.names/<name>, a
 * symbolic link to the id: made atomically (symlink fails if it exists) and
 * kept until the container is removed, so a name stays taken while its
 * state.json is broken. -EEXIST when another container holds the name; a
 * reservation whose container directory is gone is stale and taken over.
 */
int hutch_name_reserve(const char *root, const char *name, const char *id);
/* Drops name's reservation if it is id's. */
void hutch_name_release(const char *root, const char *name, const char *id);
/* The name reserved for id ("" when none), by a scan of the reservations. */
void hutch_name_of(const char *root, const char *id, char *buf, size_t size);
/*
 * Whether the state's init process still runs: its pid with the same start
 * time, and not exited (a zombie its parent has not reaped yet has exited:
 * its pidfd says so).
 */
bool hutch_state_pid_alive(const struct hutch_state *st);
/* The same for any pid and start time (0: not checked). */
bool hutch_pid_running(pid_t pid, uint64_t start_ticks);
/* The start time of a pid (/proc/PID/stat field 22), for pid_start_ticks. */
int hutch_pid_start_ticks(pid_t pid, uint64_t *ret);

#endif
