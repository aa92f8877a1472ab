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
#define HUTCH_ID_LEN	 64 /* hex digits of a container id */

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
	bool seccomp_unconfined; /* --security-opt seccomp=unconfined */
};

void hutch_state_init(struct hutch_state *st);
void hutch_state_free(struct hutch_state *st);

/* Pure: the state as a JSON document (malloc'd) and back. */
int hutch_state_to_json(const struct hutch_state *st, char **ret_json);
int hutch_state_from_json(const char *json, struct hutch_state *ret);

/* root NULL means HUTCH_STATE_ROOT. */
const char *hutch_state_root(const char *root);
/* <root>/<id>/state.json, written atomically (temporary, fsync, rename). */
int hutch_state_write(const char *root, const struct hutch_state *st);
int hutch_state_read(const char *root, const char *id, struct hutch_state *ret);
/* Every container under root (directories without a readable state are skipped). */
int hutch_state_list(const char *root, struct hutch_state **ret_states, size_t *ret_n);
void hutch_state_list_free(struct hutch_state *states, size_t n);
/*
 * Finds a container by name, by id or by a unique prefix of its id.
 * -ENOENT when none matches, -ENOTUNIQ when a prefix matches several.
 */
int hutch_state_find(const char *root, const char *name_or_id, struct hutch_state *ret);
/* Whether the state's init process still runs (its pid alive with the same start time). */
bool hutch_state_pid_alive(const struct hutch_state *st);
/* The start time of a pid (/proc/PID/stat field 22), for pid_start_ticks. */
int hutch_pid_start_ticks(pid_t pid, uint64_t *ret);

#endif
