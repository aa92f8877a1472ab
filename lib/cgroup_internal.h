/* SPDX-License-Identifier: MIT */
/*
 * Private to libhutch's cgroup layer: the handle and the backend table.
 * lib/cgroup.c is the front end (handles, dispatch), with cgroup_read.c (typed
 * reads), cgroup_create.c (create, limits, attach, destroy) and cgroup_walk.c
 * (processes, tree walks); lib/cgroup_v1.c and lib/cgroup_v2.c implement
 * struct cgroup_ops; lib/cgroup_layout.c picks one.
 */
#ifndef HUTCH_CGROUP_INTERNAL_H
#define HUTCH_CGROUP_INTERNAL_H

#include "hutch/cgroup.h"
#include "hutch/cgroup_parse.h"

/* Slots for a backend's control files, kept open per handle. */
#define CGROUP_MAX_FILES   48
#define CGROUP_FD_UNOPENED (-1)
#define CGROUP_FD_MISSING  (-2)

struct cgroup {
	const struct cgroup_layout *layout;
	char *name; /* what cgroup_path() returns */
	/* Each hierarchy's path, as /proc/PID/cgroup names it; NULL where the cgroup has none. */
	char *paths[CGROUP_MAX_HIERARCHIES];
	int dirfds[CGROUP_MAX_HIERARCHIES]; /* CGROUP_FD_UNOPENED until first used */
	int fds[CGROUP_MAX_FILES];	    /* by the backend's slot numbers */
	char *buf;			    /* holds the file read last */
	size_t buf_cap;
};

/* Where a backend's file lives: a controller's hierarchy, or the unified one. */
#define CGROUP_FILE_UNIFIED (-1)
struct cgroup_file_def {
	int controller; /* enum cgroup_controller or CGROUP_FILE_UNIFIED */
	const char *name;
};

struct cgroup_ops {
	const char *name;
	int (*read_stats)(struct cgroup *cg, unsigned mask, struct cgroup_stats *st);
	/* Makes the directories of cg's paths; on failure removes what it made. */
	int (*create)(struct cgroup *cg, struct hutch_error *err);
	int (*set_limits)(struct cgroup *cg, const struct cgroup_limits *lim,
			  struct hutch_error *err);
	int (*attach)(struct cgroup *cg, pid_t pid, struct hutch_error *err);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* A handle for creating path: its managed hierarchies only. */
int cgroup_new_for_create(const struct cgroup_layout *layout, const char *path, struct cgroup **ret,
			  struct hutch_error *err);

/* A handle with path in the layout's primary hierarchy only (for walks), that
 * hierarchy's index in *ret_h; nothing is opened. */
int cgroup_new_primary(const struct cgroup_layout *layout, const char *path, struct cgroup **ret,
		       int *ret_h);

/* The hierarchy index a def names, or -1 when the layout has none. */
int cgroup_file_hierarchy(const struct cgroup *cg, const struct cgroup_file_def *def);

/*
 * Reads the file of def into the handle's buffer (valid until the next
 * read), keeping it open in slot. Returns 1 when read, 0 when the file does
 * not exist (its values are unknown), -ENOENT when the cgroup itself is gone.
 */
int cgroup_read_file(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		     const char **ret_buf, size_t *ret_len);

/* Hierarchies create/attach/destroy work in: the v1 ones with controllers and the unified one. */
bool cgroup_hierarchy_managed(const struct cgroup_layout *layout, int h);

/* The directory of hierarchy h's path: mount point + path below the mount's root. */
int cgroup_hierarchy_dir(const struct cgroup *cg, int h, char *buf, size_t size);
/* An open directory fd (kept by the handle) of hierarchy h; negative errno. */
int cgroup_hierarchy_dirfd(struct cgroup *cg, int h);

/*
 * Calls fn(dir, userdata) for the directory of hierarchy h's path and then
 * each of its parents up to the hierarchy's mount point. Stops when fn
 * returns non-zero and returns that.
 */
int cgroup_for_each_ancestor(const struct cgroup *cg, int h, int (*fn)(const char *dir, void *u),
			     void *userdata);

/*
 * Calls fn(sub, userdata) with the path of each directory in d (open on dir)
 * but "." and "..": the cgroups right below dir. Stops when fn returns non-zero
 * and returns that; a child whose path does not fit PATH_MAX is passed over.
 */
int cgroup_for_each_child(DIR *d, const char *dir, int (*fn)(const char *sub, void *u),
			  void *userdata);

/*
 * Makes dir and any missing parents below the mount point mnt, recording the
 * ones it made in made (up to max, outermost first) so a failure can undo them.
 */
int cgroup_mkdir_tracked(const char *mnt, const char *dir, char **made, size_t max, size_t *n_made);
void cgroup_rmdir_made(char **made, size_t n_made);

/* The tokens of v1 super options (or of a /proc/PID/cgroup controller field) that name a
 * hierarchy: "cpu,cpuacct", "name=systemd"; with the mask of known controllers. */
int cgroup_v1_options(const char *super, char *out, size_t size, uint32_t *ret_mask);

/* Reads a small file at path (a control file) into buf; returns length or negative errno. */
int cgroup_read_small(const char *path, char *buf, size_t size);
/* Writes value to dir/file; on failure sets err to "write FILE: strerror". */
int cgroup_write(const char *dir, const char *file, const char *value, struct hutch_error *err);
/* Writes limit v to dir/file (unlimited's word for HUTCH_UNLIMITED); nothing when v is
 * HUTCH_UNKNOWN. */
int cgroup_write_limit(const char *dir, const char *file, uint64_t v, const char *unlimited,
		       struct hutch_error *err);
/* Writes pid to cgroup.procs in dir. */
int cgroup_write_pid(const char *dir, pid_t pid, struct hutch_error *err);

/* Reads file in dir as a limit (HUTCH_UNLIMITED for max/-1/huge), HUTCH_UNKNOWN if missing. */
uint64_t cgroup_read_limit_at(const char *dir, const char *file);

/*
 * Typed reads through cgroup_read_file: 1 when the value was read, 0 when the
 * file is missing or unparsable (*ret untouched; keyed values all unknown),
 * -ENOENT when the cgroup is gone.
 */
int cgroup_read_u64(struct cgroup *cg, int slot, const struct cgroup_file_def *def, uint64_t *ret);
int cgroup_read_limit(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		      uint64_t *ret);
int cgroup_read_keyed(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		      const char *const *keys, size_t n, uint64_t *ret_values);
int cgroup_read_string(struct cgroup *cg, int slot, const struct cgroup_file_def *def, char *out,
		       size_t size);
/* cpu, memory and io pressure from three slots; sets has_psi when any was read. */
int cgroup_read_psi(struct cgroup *cg, const int slots[3], const struct cgroup_file_def defs[3],
		    struct cgroup_stats *st);

/* memory.stat into the cgroup_stats fields it has on v1 (total_* lines, or the
 * cgroup's own on kernels without them; total_swap into swap_usage_bytes) or v2,
 * and the working set from them and memory_usage_bytes (read before). */
int cgroup_read_memory_stat(struct cgroup *cg, int slot, const struct cgroup_file_def *def, bool v1,
			    struct cgroup_stats *st);

/* In a backend's read functions (a struct cgroup *cg in scope, the backend's
 * table of files named files): return a read's negative errno. */
#define TRY(expr)                  \
	do {                       \
		int _r = (expr);   \
		if (_r < 0)        \
			return _r; \
	} while (0)
#define READ_U64(slot, out)   TRY(cgroup_read_u64(cg, slot, &files[slot], out))
#define READ_LIMIT(slot, out) TRY(cgroup_read_limit(cg, slot, &files[slot], out))
#define READ_STR(slot, out)   TRY(cgroup_read_string(cg, slot, &files[slot], out, sizeof(out)))

/* The smallest limit in file over the cgroup's directory in h and its ancestors. */
struct cgroup_min_limit {
	const char *file;
	uint64_t value;
};
uint64_t cgroup_min_limit_over_ancestors(const struct cgroup *cg, int h, const char *file);

/* Reads one directory's CPU quota and period in microseconds (quota HUTCH_UNLIMITED for
 * none, period HUTCH_UNKNOWN when not given); negative errno when it has none to read. */
typedef int (*cgroup_cpu_quota_fn)(const char *dir, uint64_t *ret_quota, uint64_t *ret_period);
/* The tightest CPU limit in millicpus over the cgroup's directory in h and its ancestors:
 * HUTCH_UNLIMITED when they all allow any, HUTCH_UNKNOWN when none could be read. */
uint64_t cgroup_min_cpu_limit_over_ancestors(const struct cgroup *cg, int h,
					     cgroup_cpu_quota_fn read);

/* Which block-I/O file a backend reads: v2's io.stat, or v1's bytes or ios counters. */
enum cgroup_blkio_file { CGROUP_BLKIO_IO_STAT, CGROUP_BLKIO_V1_BYTES, CGROUP_BLKIO_V1_IOS };
/* Reads kind's file into st's devices: 1 when read, 0 when missing, negative errno when
 * the cgroup is gone or memory ran out (a malformed file leaves the devices unknown). */
int cgroup_read_blkio(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		      enum cgroup_blkio_file kind, struct cgroup_stats *st);

/* A limit as the kernel wants it written: the number, or unlimited ("max" or "-1"). */
const char *cgroup_limit_str(uint64_t v, const char *unlimited, char *buf, size_t size);

#endif
