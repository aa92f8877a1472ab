/* SPDX-License-Identifier: MIT */
/*
 * hutch-runc: the OCI runtime command line (runc's), over the same container
 * code as hutch. One file per group of verbs, dispatched from runc_main.c.
 */
#ifndef HUTCH_RUNC_H
#define HUTCH_RUNC_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hutch.h"
#include "oci_config.h"

#define RUNC_STATE_ROOT	   "/run/hutch-runc"
#define RUNC_OCI_VERSION   "1.1.0" /* the spec version hutch-runc reports */
#define RUNC_CGROUP_PARENT "hutch-runc"

/* Global flags (runc's). */
struct runc_globals {
	const char *root; /* --root */
	const char *log;  /* --log FILE, or NULL: stderr */
	bool log_json;	  /* --log-format json */
	bool systemd_cgroup;
	bool debug;
	char **argv; /* main's, for a re-exec from a sealed view (exe_seal_reexec) */
};
extern struct runc_globals runc_globals;

/* runc's statuses. */
enum runc_status {
	RUNC_CREATING,
	RUNC_CREATED,
	RUNC_RUNNING,
	RUNC_PAUSED,
	RUNC_STOPPED,
};
const char *runc_status_name(enum runc_status s);

/* What <root>/<id>/state.json keeps of a container. */
struct runc_state {
	char id[1024];
	pid_t pid;		  /* the container's process, in the host's pid namespace */
	uint64_t pid_start_ticks; /* tells a reused pid apart */
	char bundle[4096];
	char rootfs[4096];
	uint64_t created_ns; /* wall clock */
	char cgroup_path[4096];
	bool own_pidns; /* the process is its pid namespace's init: its end ends them all */
	bool systemd_cgroup;
	/* The config has these hooks (a record without the keys: it may): else start and delete skip reading it. */
	bool poststart_hooks, poststop_hooks;
	struct oci_kv *annotations;
	size_t n_annotations;
};
void runc_state_free(struct runc_state *st);
/* Pure: the record as JSON and back. */
int runc_state_to_json(const struct runc_state *st, char **ret_json);
int runc_state_from_json(const char *json, struct runc_state *ret, struct hutch_error *err);
/* <root>/<id>/state.json, replaced whole, not fsync'd (state means nothing after a reboot). */
int runc_state_write(const struct runc_state *st);
/* --pid-file: the pid, replaced whole and not fsync'd (hutch_write_file_replace), as runc's. */
int runc_write_pid_file(const char *path, pid_t pid);
/* -ENOENT when there is no such container. */
int runc_state_read(const char *id, struct runc_state *ret, struct hutch_error *err);
/* The status now: stopped when the process has gone, paused when frozen, created before start. */
enum runc_status runc_state_status(const struct runc_state *st);
/* runc's `state` JSON (indented as runc's), for state, list --format json and hooks' stdin. */
int runc_state_oci_json(const struct runc_state *st, enum runc_status status, bool indent,
			char **ret_json);
/* Go's RFC3339Nano of a wall clock time in ns (UTC), as runc prints "created". */
void runc_format_time(uint64_t ns, char *buf, size_t size);
/* <root>/<id>, <root>/<id>/exec.fifo, ... */
void runc_path(char *buf, size_t size, const char *id, const char *file);
/* A container id as runc accepts it: [\w+-\.]+, not "." or "..". */
bool runc_id_valid(const char *id);

/* Reports an error once: to stderr, or as a JSON line in --log with --log-format json. */
/* The flags create, run and exec share, as runc names them. */
struct runc_io_flags {
	const char *console_socket, *pid_file;
	int preserve_fds;
};
enum { RUNC_OPT_CONSOLE_SOCKET = 0x100, RUNC_OPT_PID_FILE, RUNC_OPT_PRESERVE_FDS };
/* The end of their getopt tables: these, -d/--detach (the verb's) and --help. */
#define RUNC_IO_OPTIONS_END                                                           \
	{"console-socket", required_argument, NULL, RUNC_OPT_CONSOLE_SOCKET},         \
		{"pid-file", required_argument, NULL, RUNC_OPT_PID_FILE},             \
		{"preserve-fds", required_argument, NULL, RUNC_OPT_PRESERVE_FDS},     \
		{"detach", no_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, \
	{                                                                             \
		0                                                                     \
	}
/*
 * getopt_long, with the flags of struct runc_io_flags taken into io: the
 * next other flag, -1 at the end, RUNC_OPT_BAD after a wrong value (reported).
 */
#define RUNC_OPT_BAD 0x1ff
int runc_getopt(int argc, char **argv, const char *optstring, const struct option *opts,
		const char *verb, struct runc_io_flags *io);
int runc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A verb's unknown flag or missing value (argv[optind - 1], getopt's last), reported; 1. */
int runc_bad_flag(const char *verb, char **argv);
void runc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void runc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Looks up a container for a verb; reports and returns 1 if there is none. */
int runc_lookup(const char *id, struct runc_state *ret);
/* Opens the container's cgroup. */
int runc_cgroup_open(const struct runc_state *st, struct cgroup **ret);
/* Freezes (or thaws) the container's cgroup: v1's freezer, v2's cgroup.freeze. */
int runc_freeze(struct cgroup *cg, bool frozen, struct hutch_error *err);
/* Whether the cgroup is frozen. */
bool runc_frozen(struct cgroup *cg);
/* The resources of update or config.json into the container's cgroup (not the devices). */
int runc_apply_resources(struct cgroup *cg, const struct oci_resources *rs,
			 struct hutch_error *err);
/* Runs the config's hooks of kind in order, each with state_json on its stdin and its timeout. */
int runc_run_hooks(const struct oci_config *cfg, enum oci_hook_kind kind, const char *state_json,
		   struct hutch_error *err);
/* Removes what a stopped container holds: its cgroup, its record; runs the poststop hooks. */
int runc_destroy(const struct runc_state *st, struct hutch_error *err);
/*
 * The device policy: linux.resources.devices in order, then the devices every
 * container needs and linux.devices' nodes allowed; v1's devices controller,
 * else a BPF program on the unified cgroup (devices.c).
 */
int runc_device_policy(struct cgroup *cg, const struct oci_config *cfg, struct hutch_error *err);
/* Parses a signal: "KILL", "SIGKILL", "9". -1 when unknown. */
int runc_parse_signal(const char *s);

int runc_cmd_spec(int argc, char **argv);
int runc_cmd_features(int argc, char **argv);
int runc_cmd_state(int argc, char **argv);
int runc_cmd_list(int argc, char **argv);
int runc_cmd_ps(int argc, char **argv);
int runc_cmd_events(int argc, char **argv);
int runc_cmd_kill(int argc, char **argv);
int runc_cmd_delete(int argc, char **argv);
int runc_cmd_pause(int argc, char **argv);
int runc_cmd_resume(int argc, char **argv);
int runc_cmd_update(int argc, char **argv);
int runc_cmd_create(int argc, char **argv);
int runc_cmd_start(int argc, char **argv);
int runc_cmd_run(int argc, char **argv);
int runc_cmd_exec(int argc, char **argv);

#endif
