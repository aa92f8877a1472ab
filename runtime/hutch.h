/* SPDX-License-Identifier: MIT */
/* The hutch runtime's internals, shared by its verbs (one file each). */
#ifndef HUTCH_RUNTIME_H
#define HUTCH_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hutch/cgroup.h"
#include "hutch/state.h"
#include "hutch/strv.h"
#include "hutch/util.h"

/* docker's exit codes */
#define EXIT_RUNTIME	   125 /* hutch's own error: bad flag or value, unknown container, ... */
#define EXIT_CANNOT	   126 /* the command is not executable */
#define EXIT_NOTFOUND	   127 /* the command is not found */

#define HUTCH_IMAGES_DIR   "/var/lib/hutch/images"
#define HUTCH_FSD_DIR	   "/var/lib/hutch-fsd"
#define HUTCH_MAX_GROUPS   64 /* supplementary groups a -u user gets, at most */
#define HUTCH_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* hutch-fsd --containers: <dir>/<cgroup path, '/' as %2F>/proc/..., from the page cache. */
#define HUTCH_FSD_CONTAINERS_DIR "/var/lib/hutch-fsd-containers"

/* Global options, set by main before a verb runs. */
struct hutch_globals {
	const char *root; /* --root: the state directory */
};
extern struct hutch_globals hutch_globals;

/* A verb: its name, its entry point (argv[0] is the verb) and a one-line summary. */
struct hutch_verb {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_top(int argc, char **argv);
/* load, save, import, rmi, tag, image: run by the hutch-image program */
int cmd_image_verb(int argc, char **argv);

/* Reports an error once, as "hutch VERB: message", and returns EXIT_RUNTIME. */
int hutch_fail(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- spec.c: flags of `hutch run` into a container's state (pure) ---- */
struct run_opts {
	struct hutch_state st; /* the container as asked */
	const char *image;     /* IMAGE, or NULL with --rootfs */
	const char *rootfs;    /* --rootfs DIR */
	const char *cgroup_parent;
	const char *entrypoint; /* --entrypoint: replaces the image's ("" none), drops its Cmd */
	char **env_files;	/* --env-file, NULL-terminated */
	char **cap_add, **cap_drop;
	unsigned ncpus; /* CPUs hutch may run on: --cpus's ceiling (run_opts_init asks) */
	bool help;
};
void run_opts_init(struct run_opts *o);
void run_opts_free(struct run_opts *o);
/* "KILL", "SIGKILL", "9" -> 9; -1 if unknown (kill -s, --stop-signal, an image's StopSignal). */
int spec_parse_signal(const char *s);
/* Parses `hutch run`'s argv (argv[0] = "run"). -EINVAL with err set on bad input. */
int run_opts_parse(int argc, char **argv, struct run_opts *ret, struct hutch_error *err);
/* --cpus 0.25 -> quota 25000 us over a 100000 us period. */
int spec_parse_cpus(const char *s, uint64_t *ret_quota_us, uint64_t *ret_period_us);
/* --security-opt seccomp=unconfined|FILE, no-new-privileges[=true|false] into st. */
int spec_parse_security_opt(const char *s, struct hutch_state *st, struct hutch_error *err);
/* RFC 1123 host names, as docker takes them (and under 64 characters, the kernel's limit). */
bool spec_hostname_valid(const char *s);
/* Whether a container path is /proc or /sys or under them (however spelled). */
bool spec_kernel_fs_target(const char *path);
/* -v HOST:CTR[:ro|:rw]; both absolute, CTR neither /proc nor /sys nor under them (-EPERM). */
int spec_parse_volume(const char *s, struct hutch_mount_spec *ret);
/* host | container:NAME | none (none only where allow_none) */
int spec_parse_ns(const char *s, bool allow_none, struct hutch_ns_spec *ret);
/* -u UID[:GID], numeric. */
int spec_parse_user(const char *s, uid_t *ret_uid, gid_t *ret_gid);
/* -u USER[:GROUP], names or numbers: whether it reads as one. */
bool spec_user_valid(const char *s);
/*
 * Resolves USER[:GROUP] against the text of the container's /etc/passwd and
 * /etc/group (either may be NULL). A user's group defaults to its passwd
 * entry's, a bare number's to the same number. -ENOENT for an unknown name.
 */
int spec_resolve_user(const char *s, const char *passwd, const char *group, uid_t *ret_uid,
		      gid_t *ret_gid);
/* The same, reading <root>/etc/passwd and <root>/etc/group (resolved in root, regular files only). */
int spec_resolve_user_in(const char *s, const char *root, uid_t *ret_uid, gid_t *ret_gid);
/*
 * The supplementary groups of uid: the gids of the /etc/group lines that list
 * its name (its first passwd entry's) as a member, at most max, no repeats.
 * Returns how many (0 for a uid without a passwd entry).
 */
int spec_user_groups(const char *passwd, const char *group, uid_t uid, gid_t *ret, size_t max);
/* The same, reading <root>/etc/passwd and <root>/etc/group (as spec_resolve_user_in). */
int spec_user_groups_in(const char *root, uid_t uid, gid_t *ret, size_t max);
/* Adds "K=V" to a NULL-terminated env list, replacing an earlier K. */
int spec_env_set(char ***env, const char *kv);
/* Parses an --env-file's text: K=V lines, '#' comments, blank lines; "K" alone takes the host's. */
int spec_env_file_parse(const char *text, char ***env, struct hutch_error *err);

/* Stops a running container: SIGTERM, grace_s seconds, SIGKILL; waits for its monitor. */
int container_stop(const struct hutch_state *st, uint64_t grace_s);

/* ---- verb_flags.c ---- */
/* A verb's one switch (--NAME, -LETTER) besides --help, and its usage text. */
struct verb_switch {
	const char *name;
	char letter;
	bool permute; /* flags may follow the operands; else they stop at the first */
	const char *usage;
};
/*
 * Parses argv's flags from argv[1], setting *ret_set when the switch is
 * given. Returns 0 (optind at the first operand), 1 after --help printed
 * the usage, -1 on an unknown flag (argv[optind - 1]).
 */
int verb_parse_switch(int argc, char **argv, const struct verb_switch *sw, bool *ret_set);

/* ---- registry.c: the container registry, safe against a SIGKILL at any point ---- */
/* Makes <root>/<id> whole (state, exit record, cgroup link) with its name reserved. */
int registry_create(struct hutch_state *st, struct hutch_error *err);
/* Removes <root>/<id> (renamed away first) and its name. */
int registry_remove(const struct hutch_state *st);
/* The exit code, OOM kill and end time into <id>/exit (room allocated at creation). */
int registry_record_exit(const struct hutch_state *st);
/* <id>/exit opened for writing (close-on-exec), for the init to leave its own record. */
int registry_open_exit(const struct hutch_state *st);
/* Writes an exit record into fd, in place. */
int registry_write_exit(int fd, int code, bool oom_killed, uint64_t finished_ns, const char *note);
/* Removes what killed hutch processes left half made or half removed, saying so. */
void registry_gc(void);

/* ---- image.c ---- */
/* The image store's directory (env HUTCH_IMAGES_DIR overrides it). */
const char *image_store_dir(void);
/* Finds an image's directory; builds "busybox" from the host's busybox on first use. */
int image_resolve(const char *name, char *buf, size_t size, struct hutch_error *err);

/* ---- container.c ---- */
/*
 * Creates and runs the container described by st, waits for it and returns
 * its exit code (0..255), or a negative errno with err set when the runtime
 * failed; nothing it made is left behind then. notify_fd >= 0 (a detached
 * run) gets the id once the container runs, or the error.
 */
int container_run(struct hutch_state *st, const char *cgroup_parent, int notify_fd,
		  struct hutch_error *err);
/* Resolves a container by name or id for a verb; reports and returns EXIT_RUNTIME if none. */
int container_lookup(const char *verb, const char *name, struct hutch_state *ret);
/*
 * A verb's NAME... (argv[first..]): each container looked up and given to
 * fn, which reports its own failure (non-zero); the name printed when it
 * did its work. EXIT_RUNTIME if any failed or none was named, else 0.
 */
int container_each(const char *verb, int argc, char **argv, int first,
		   int (*fn)(struct hutch_state *st, const char *name, void *arg), void *arg);
/*
 * The state as it is: a recorded exit folded in, a running container whose
 * init has exited marked exited, and one whose monitor was killed finished
 * (its cgroup down, its end recorded, --rm ones removed; said on stderr).
 */
void container_refresh(struct hutch_state *st);

/* A compiled seccomp filter: len BPF instructions (struct sock_filter, 8 bytes each). */
struct seccomp_prog {
	const void *insns; /* the built-in filter's static copy, or owned */
	size_t len;
	void *owned;
};

/* ---- init.c: hutch-init, what every process of a container starts from ---- */
/* What the command runs as: hutch-init is told it (init_proto.h) and applies it. */
struct init_args {
	char **argv, **env;
	const char *workdir;
	uid_t uid;
	gid_t gid;
	bool set_user;
	gid_t groups[HUTCH_MAX_GROUPS]; /* supplementary groups with set_user */
	size_t n_groups;
	bool seccomp;		  /* load prog before exec */
	struct seccomp_prog prog; /* compiled ahead by hutch (seccomp_build_*) */
	bool no_new_privs;
	uint64_t cap_mask; /* the capabilities the command keeps */
	int tty_fd;	   /* the pty's slave for the command, or -1 */
	int agent_fd; /* hutch-fsd's sysinfo agent, connected (consumed before hutch-init), or -1 */
	/* hutch-runc's process (init_proto.h's INIT_OCI): set_user, groups, workdir as above. */
	bool oci;
	int fifo_fd;	       /* the exec fifo, O_PATH */
	int umask;	       /* or -1 */
	bool caps_given;       /* process.capabilities */
	uint64_t oci_caps[5];  /* bounding, effective, permitted, inheritable, ambient */
	const char *exec_path; /* the command, found in the container */
};
/* hutch-init in a memfd sealed against any change (close-on-exec); -errno. */
int init_image_fd(void);
/*
 * Becomes hutch-init (image_fd: init_image_fd's) with a's command and
 * confinement: with pid1, as the container's init (exit_fd: its exit
 * record), else as `hutch exec`'s process, which enters the pid namespace
 * of pidns_fd and runs the command in it. Returns only on failure (-errno,
 * said on stderr).
 */
int init_exec(int image_fd, const struct init_args *a, bool pid1, int exit_fd, int pidns_fd);

/* ---- seccomp.c (the profiles themselves: seccomp_profile.h) ---- */
struct seccomp_profile;
/* Compiles a profile for a container with caps (libseccomp, then seccomp_opt.c), without loading it. */
int seccomp_compile(const struct seccomp_profile *p, uint64_t caps, struct seccomp_prog *ret,
		    struct hutch_error *err);
/* A libseccomp filter (scmp_filter_ctx) as BPF, with optimize made smaller (seccomp_opt.c); -errno. */
int seccomp_ctx_export(void *ctx, bool optimize, struct seccomp_prog *ret);
/* The same, libseccomp's program as it exports it (seccomp_compile makes it smaller). */
int seccomp_compile_plain(const struct seccomp_profile *p, uint64_t caps, struct seccomp_prog *ret,
			  struct hutch_error *err);
/* The built-in profile's filter for caps: precompiled for docker's default capabilities. */
int seccomp_build_default(uint64_t caps, struct seccomp_prog *ret, struct hutch_error *err);
/* A docker JSON profile file's filter for caps. */
int seccomp_build_file(const char *path, uint64_t caps, struct seccomp_prog *ret,
		       struct hutch_error *err);
void seccomp_prog_free(struct seccomp_prog *prog);
/* Loads a compiled filter on the calling thread (kept across exec); no_new_privs is the caller's. */
int seccomp_load_prog(const struct seccomp_prog *prog);
/* A socket connected to the sysinfo agent of the hutch-fsd mounted at fsd_dir, or -1. */
int seccomp_agent_connect(const char *fsd_dir);
/*
 * Sends the calling thread's sysinfo calls to hutch-fsd (a notify filter of
 * its own, its listener passed over agent_fd, which is closed). Needs
 * CAP_SYS_ADMIN or no_new_privs; a negative errno when not done.
 */
int seccomp_sysinfo_notify(int agent_fd);

/* ---- security.c: what a container's process runs with, by its state ---- */
/*
 * The filter a container's processes load (prog->len 0: none, with
 * --privileged or seccomp=unconfined): the built-in profile, or for a
 * seccomp=FILE profile the BPF that `run` compiled and kept as
 * <root>/<id>/seccomp.bpf (the file is read once, at run).
 */
int security_prog_for(const struct hutch_state *st, bool at_run, struct seccomp_prog *ret,
		      struct hutch_error *err);
/* Keeps a compiled filter as <root>/<id>/seccomp.bpf, for exec. */
int security_save_prog(const struct hutch_state *st, const struct seccomp_prog *prog);

/* ---- caps.c ---- */
#define CAPS_KNOWN 41 /* CAP_CHOWN .. CAP_CHECKPOINT_RESTORE */
#define CAPS_ALL   ((1ULL << CAPS_KNOWN) - 1)
const char *caps_name(int cap);	   /* "CHOWN" */
int caps_from_name(const char *s); /* "chown", "CAP_CHOWN" -> CAP_CHOWN; -EINVAL */
/* docker's --cap-add/--cap-drop over its default set (ALL in either). */
int caps_compute(char *const *add, char *const *drop, uint64_t *ret, struct hutch_error *err);
/* "CAP_CHOWN,CAP_KILL" */
void caps_format(uint64_t mask, char *buf, size_t size);

/* ---- rlimits.c ---- */
int rlimit_resource(const char *name); /* "nofile" -> RLIMIT_NOFILE; -EINVAL */
/* --ulimit NAME=SOFT[:HARD] (-1: unlimited; HARD defaults to SOFT). */
int rlimit_parse(const char *s, struct hutch_ulimit *ret, struct hutch_error *err);
/* Adds (or replaces) one in the state's list; -E2BIG when full. */
int rlimit_add(struct hutch_state *st, const struct hutch_ulimit *u);
/* Sets hutch's defaults, then the state's --ulimit ones, on the calling process. */
int rlimits_apply(const struct hutch_state *st, struct hutch_error *err);

/* ---- mounts.c: the container's filesystem, done by its init before the command ---- */
struct mount_ctx {
	const struct hutch_state *st;
	const char *dir;     /* <root>/<id>: upper, work, rootfs mount point, etc files */
	const char *fsd_dir; /* a mounted hutch-fsd (or lxcfs) to bind, or NULL */
	bool private_cgroupns;
	/* Called before the first mount that needs the net and IPC namespaces (mqueue, sysfs). */
	int (*enter_ns)(void *arg, struct hutch_error *err);
	const struct hutch_device *devices; /* --device nodes to make */
	size_t n_devices;
	void *enter_arg;
};
/* Before the init is in its cgroup: the overlay root, /proc, /dev, /sys, /etc files, volumes. */
int mounts_prepare(const struct mount_ctx *m, struct hutch_error *err);
/* In its cgroup and cgroup namespace: /sys/fs/cgroup, --read-only, pivot_root. */
int mounts_finish(const struct mount_ctx *m, struct hutch_error *err);
/* The pieces hutch-runc's init builds an OCI bundle's filesystem with, too. */
int do_mount(const char *src, const char *target, const char *type, unsigned long flags,
	     const char *data, struct hutch_error *err);
/* A mount point: a directory, or an empty file (with its parents) when dir is false. */
int make_target(const char *path, bool dir, struct hutch_error *err);
/* /sys/fs/cgroup under rootfs: each hierarchy read-only (only in an own cgroup namespace). */
int setup_cgroupfs(const char *rootfs, bool own_ns, struct hutch_error *err);
/* The usual device nodes (null, zero, full, random, urandom, tty) and links (fd, ptmx) in dev. */
int dev_populate(const char *dev, struct hutch_error *err);
/* Whether a FUSE filesystem is mounted at dir. */
bool fsd_mounted(const char *dir);

/* ---- devices.c: the container's device policy (docker's default rules, --device) ---- */
#define DEV_ACC_MKNOD 1 /* BPF_DEVCG_ACC_* */
#define DEV_ACC_READ  2
#define DEV_ACC_WRITE 4
#define DEV_ACC_ALL   7
/* A rule: type 'a' (any), 'b' or 'c'; major and minor -1 for any; access DEV_ACC_*. */
struct dev_rule {
	char type;
	int64_t major, minor;
	unsigned access;
	bool deny; /* a deny rule (OCI's linux.resources.devices has them); else allow */
};
/* A --device: parsed (spec_parse_device), then the host's node (devices_resolve). */
struct hutch_device {
	char host[1024], path[1024]; /* the host's node, the container's path */
	unsigned access;
	char type; /* 'b' or 'c' */
	dev_t rdev;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};
/* HOST[:CONTAINER[:ACCESS]], both absolute, ACCESS of "rwm" (default all); pure. */
int spec_parse_device(const char *s, struct hutch_device *ret);
/* Parses st->devices and reads each host node (a char or block device, or an error). */
int devices_resolve(char *const *specs, struct hutch_device **ret, size_t *ret_n,
		    struct hutch_error *err);
/* The default rules plus devs on cg: v1's devices controller, else a BPF program on v2. */
int devices_apply(struct cgroup *cg, const struct hutch_device *devs, size_t n,
		  struct hutch_error *err);
/*
 * Rules in order on cg, starting from deny-all, the last rule that matches
 * deciding: v1's devices.deny/devices.allow written in order, else the BPF
 * program on the unified cgroup (hutch-runc's linux.resources.devices).
 */
int devices_apply_rules(struct cgroup *cg, const struct dev_rule *rules, size_t n,
			struct hutch_error *err);
/* docker's default rules (the ones devices_apply starts with); static. */
const struct dev_rule *devices_default_rules(size_t *ret_n);
/* The cgroup v2 program of the default rules and extra (malloc'd instructions). */
struct bpf_insn;
int devices_bpf_program(const struct dev_rule *extra, size_t n_extra, struct bpf_insn **ret,
			size_t *ret_n);
/* The cgroup v2 program of rules in order, the last match deciding, none: deny. */
int devices_bpf_rules(const struct dev_rule *rules, size_t n, struct bpf_insn **ret, size_t *ret_n);
/* The --device nodes in the container (in its mount namespace, paths resolved in rootfs). */
int devices_create(const char *rootfs, const struct hutch_device *devs, size_t n,
		   struct hutch_error *err);

/* ---- exe_seal.c: hutch-runc's binary as its containers' processes see it (CVE-2019-5736) ---- */
/* Whether hutch runs from a read-only mount or a sealed memfd copy of itself. */
bool exe_sealed(void);
/*
 * Unless exe_sealed(), executes hutch again, with argv, from a read-only
 * detached bind mount of its binary (or a sealed memfd copy): no process
 * made from it can write or chmod the host's file. Returns only on failure.
 */
int exe_seal_reexec(char **argv);

/* ---- rootpath.c: paths inside a container's root, resolved in it ---- */
/*
 * The host's path of dest inside rootfs, with the image's symlinks followed
 * as the container would (an absolute link, or "..", stays in rootfs): the
 * deepest existing part of dest is opened with RESOLVE_IN_ROOT and named by
 * the kernel, and what does not exist yet is appended (to be created under
 * it, inside rootfs; a dangling symlink there is refused).
 */
int root_join(const char *rootfs, const char *dest, char *buf, size_t size,
	      struct hutch_error *err);
/*
 * Reads root/path (at most max bytes), resolved inside root, and only a
 * regular file: -EINVAL for a FIFO, a device, a directory (none can block).
 * root may be an image's layers, "top:...:bottom".
 */
int root_read_file(const char *root, const char *path, size_t max, char **ret_buf, size_t *ret_len);

/* ---- pty.c ---- */
/* Copies between in_fd (or -1) and the pty master, master -> out_fd, until child exits; returns its wait status. */
int pty_relay(int master, int in_fd, int out_fd, pid_t child, const int *fwd_signals, size_t n_sig);
/* What io_relay copies; -1 for what there is not. */
struct relay_io {
	int master;   /* a pty's master: in_fd goes to it, its output to out_fd */
	int in_fd;    /* the user's input, for the master */
	int out_fd;   /* where the master's or out_pipe's bytes go */
	int out_pipe; /* the command's stdout, as a pipe */
	int err_pipe; /* the command's stderr, as a pipe, to err_fd */
	int err_fd;
	int log_fd; /* every output byte is also appended here (the container's log) */
};
/* pty_relay with the command's output also kept in a log, or coming through pipes. */
int io_relay(const struct relay_io *io, pid_t child, const int *fwd_signals, size_t n_sig);

/* ---- log.c: the container log, honest about a full disk ---- */
/* Reserves room beside the log (dir/log.reserve) for the note of its end; log_fd is the log. */
int log_reserve(const char *dir, int log_fd);
/* Writes to fd; for the log, a full disk ends it with a note (log_note) instead of an error. */
int log_write(int fd, const void *buf, size_t len);
/* Why the log stopped early, "" if it did not. */
const char *log_note(void);

/* Formats a wall clock time (ns) as RFC 3339 UTC; "" for 0. */
void format_time(uint64_t ns, char *buf, size_t size);

#endif
