/* SPDX-License-Identifier: MIT */
/*
 * An OCI runtime spec (1.0 to 1.2) bundle's config.json, as hutch-runc reads
 * it. The parser is pure: a buffer in, a struct out, or an error naming the
 * field ("process.user.uid: not an integer"). Unknown properties are
 * ignored, as the spec asks of runtimes; properties hutch knows of but does
 * not apply are listed in warnings (intelRdt, apparmor, selinux labels).
 */
#ifndef HUTCH_OCI_CONFIG_H
#define HUTCH_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hutch/util.h"

/* An int64 of the spec that was not given. */
#define OCI_UNSET INT64_MIN

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT,
};
/* "pid", "network", ... as the spec names them. */
const char *oci_ns_type_name(enum oci_ns_type t);
/* CLONE_NEWPID, ... */
int oci_ns_clone_flag(enum oci_ns_type t);

struct oci_namespace {
	bool present; /* listed: a new namespace, or the one at path */
	char *path;   /* NULL: a new one */
};

struct oci_id_mapping {
	uint32_t container_id, host_id, size;
};

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

enum oci_cap_set {
	OCI_CAP_BOUNDING,
	OCI_CAP_EFFECTIVE,
	OCI_CAP_INHERITABLE,
	OCI_CAP_PERMITTED,
	OCI_CAP_AMBIENT,
	OCI_CAP_SETS,
};

struct oci_process {
	bool terminal;
	unsigned console_height, console_width;
	uid_t uid;
	gid_t gid;
	int64_t umask; /* OCI_UNSET: the runtime's default */
	gid_t *additional_gids;
	size_t n_additional_gids;
	char **args, **env; /* NULL-terminated */
	char *cwd;
	bool caps_given;	     /* without capabilities, none are kept */
	uint64_t caps[OCI_CAP_SETS]; /* bit N: capability N */
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	int64_t oom_score_adj; /* OCI_UNSET when not given */
};

/* A mount with its options turned into mount(2)'s flags and data. */
struct oci_mount {
	char *destination, *type, *source;
	unsigned long flags;	   /* MS_* that mount(2) takes with the mount */
	unsigned long clear_flags; /* MS_* named by negations ("rw", "suid", ...) */
	unsigned long propagation; /* MS_SHARED, MS_PRIVATE, ... (| MS_REC), or 0 */
	char *data;		   /* the options mount(2) passes on, or NULL */
	bool bind, recursive;	   /* bind / rbind */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS,
};
/* "prestart", "createRuntime", ... */
const char *oci_hook_kind_name(enum oci_hook_kind k);

struct oci_hook {
	char *path;
	char **args, **env; /* NULL-terminated, or NULL */
	unsigned timeout_s; /* 0: none */
};

struct oci_device_rule {
	bool allow;
	char type;	      /* 'a', 'b', 'c' */
	int64_t major, minor; /* -1: any */
	char access[4];	      /* of "rwm" */
};

struct oci_device {
	char *path;
	char type; /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	int64_t file_mode, uid, gid; /* OCI_UNSET when not given */
};

struct oci_weight_device {
	int64_t major, minor;
	int64_t weight, leaf_weight; /* OCI_UNSET when not given */
};

struct oci_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

enum oci_throttle {
	OCI_THROTTLE_READ_BPS,
	OCI_THROTTLE_WRITE_BPS,
	OCI_THROTTLE_READ_IOPS,
	OCI_THROTTLE_WRITE_IOPS,
	OCI_THROTTLES,
};

struct oci_kv {
	char *key, *value;
};

/* linux.resources; every int64 is OCI_UNSET when not given (-1 is "unlimited"). */
struct oci_resources {
	int64_t memory_limit, memory_reservation, memory_swap, memory_kernel, memory_kernel_tcp;
	int64_t memory_swappiness;
	bool disable_oom_killer;
	int64_t cpu_shares, cpu_quota, cpu_burst, cpu_period, cpu_rt_runtime, cpu_rt_period;
	int64_t cpu_idle;
	char *cpus, *mems;
	int64_t pids_limit;
	int64_t blkio_weight, blkio_leaf_weight;
	struct oci_weight_device *weight_devices;
	size_t n_weight_devices;
	struct oci_throttle_device *throttle[OCI_THROTTLES];
	size_t n_throttle[OCI_THROTTLES];
	struct oci_device_rule *devices;
	size_t n_devices;
	struct oci_kv *hugepages; /* key: page size ("2MB"), value: the limit in bytes */
	size_t n_hugepages;
	struct oci_kv *unified; /* cgroup v2 file -> value */
	size_t n_unified;
};

enum oci_seccomp_action {
	OCI_SCMP_KILL,
	OCI_SCMP_KILL_PROCESS,
	OCI_SCMP_KILL_THREAD,
	OCI_SCMP_TRAP,
	OCI_SCMP_ERRNO,
	OCI_SCMP_TRACE,
	OCI_SCMP_ALLOW,
	OCI_SCMP_LOG,
	OCI_SCMP_NOTIFY,
};

enum oci_seccomp_op {
	OCI_SCMP_NE,
	OCI_SCMP_LT,
	OCI_SCMP_LE,
	OCI_SCMP_EQ,
	OCI_SCMP_GE,
	OCI_SCMP_GT,
	OCI_SCMP_MASKED_EQ,
};

struct oci_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	enum oci_seccomp_op op;
};

struct oci_seccomp_rule {
	char **names; /* NULL-terminated */
	enum oci_seccomp_action action;
	int64_t errno_ret; /* OCI_UNSET: EPERM */
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	enum oci_seccomp_action default_action;
	int64_t default_errno_ret; /* OCI_UNSET: EPERM */
	char **architectures;	   /* "SCMP_ARCH_X86_64", ...; NULL-terminated or NULL */
	char **flags;		   /* "SECCOMP_FILTER_FLAG_LOG", ... */
	char *listener_path, *listener_metadata;
	struct oci_seccomp_rule *rules;
	size_t n_rules;
};

struct oci_config {
	char *oci_version;
	struct oci_process process;
	bool has_process; /* optional for create; required to start */
	char *root_path;
	bool root_readonly;
	char *hostname, *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hook *hooks[OCI_HOOK_KINDS];
	size_t n_hooks[OCI_HOOK_KINDS];
	struct oci_kv *annotations;
	size_t n_annotations;

	/* linux */
	struct oci_namespace ns[OCI_NS_COUNT];
	struct oci_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	struct oci_resources resources;
	char *cgroups_path;
	struct oci_kv *sysctl;
	size_t n_sysctl;
	struct oci_seccomp *seccomp;	  /* NULL: none */
	unsigned long rootfs_propagation; /* MS_* (| MS_REC), 0 when not given */
	char **masked_paths, **readonly_paths;
	bool has_personality;
	unsigned long personality; /* PER_LINUX / PER_LINUX32 */

	char **warnings; /* what was given and is not applied, NULL-terminated */
};

void oci_config_init(struct oci_config *c);
void oci_config_free(struct oci_config *c);
/*
 * Parses config.json's text. -EINVAL with err naming the field on bad
 * input, -EPROTONOSUPPORT for an ociVersion other than 1.0 to 1.2.
 */
int oci_config_parse(const char *json, size_t len, struct oci_config *ret, struct hutch_error *err);
/* Parses a process.json (exec --process): the same shape as config.json's process. */
int oci_process_parse(const char *json, size_t len, struct oci_process *ret,
		      struct hutch_error *err);
void oci_process_free(struct oci_process *p);
/* Parses update's resources JSON (linux.resources' shape). */
int oci_resources_parse(const char *json, size_t len, struct oci_resources *ret,
			struct hutch_error *err);
void oci_resources_init(struct oci_resources *r);
void oci_resources_free(struct oci_resources *r);

/*
 * linux.cgroupsPath into a cgroup path under the hierarchies' roots, into
 * buf. With systemd, "slice:prefix:name" -> /a.slice/a-b.slice/prefix-name.scope
 * (slice "" is system.slice); without, an absolute path, or a relative one
 * (under "/"); ".." is refused. "" gives /<default_parent>/<id>.
 */
int oci_cgroups_path(const char *path, bool systemd, const char *id, const char *default_parent,
		     char *buf, size_t size, struct hutch_error *err);

/* Capability names (CAP_SYS_ADMIN) to numbers; -1 when unknown. */
int oci_cap_from_name(const char *name);
const char *oci_cap_name(int cap);
/* RLIMIT_NOFILE -> RLIMIT_NOFILE's value; -1 when unknown. */
int oci_rlimit_from_name(const char *name);

#endif
