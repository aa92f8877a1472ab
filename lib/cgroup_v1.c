/* SPDX-License-Identifier: MIT */
/*
 * The cgroup v1 backend, also used on hybrid hosts: there it additionally
 * creates, joins and removes the cgroup in the unified hierarchy (so eBPF
 * programs keyed on cgroup ids find it) and reads PSI from there, since v1
 * hierarchies have no pressure files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"

enum {
	V1_MEM_USAGE,
	V1_MEM_MAX_USAGE,
	V1_MEM_LIMIT,
	V1_MEM_SOFT_LIMIT,
	V1_MEMSW_USAGE,
	V1_MEMSW_LIMIT,
	V1_MEM_STAT,
	V1_MEM_FAILCNT,
	V1_MEM_OOM_CONTROL,
	V1_MEM_KMEM_USAGE,
	V1_CPUACCT_USAGE,
	V1_CPUACCT_PERCPU,
	V1_CPUACCT_STAT,
	V1_CPU_STAT,
	V1_CPU_QUOTA,
	V1_CPU_PERIOD,
	V1_CPU_SHARES,
	V1_CPUSET_CPUS,
	V1_CPUSET_MEMS,
	V1_CPUSET_EFFECTIVE_CPUS,
	V1_CPUSET_EFFECTIVE_MEMS,
	V1_PIDS_CURRENT,
	V1_PIDS_MAX,
	V1_BLKIO_BYTES_RECURSIVE,
	V1_BLKIO_IOS_RECURSIVE,
	V1_BLKIO_BYTES,
	V1_BLKIO_IOS,
	V1_PSI_CPU,
	V1_PSI_MEMORY,
	V1_PSI_IO,
	V1_FILE_COUNT,
};
_Static_assert(V1_FILE_COUNT <= CGROUP_MAX_FILES, "too many v1 files");

static const struct cgroup_file_def files[V1_FILE_COUNT] = {
	[V1_MEM_USAGE] = {CGROUP_MEMORY, "memory.usage_in_bytes"},
	[V1_MEM_MAX_USAGE] = {CGROUP_MEMORY, "memory.max_usage_in_bytes"},
	[V1_MEM_LIMIT] = {CGROUP_MEMORY, "memory.limit_in_bytes"},
	[V1_MEM_SOFT_LIMIT] = {CGROUP_MEMORY, "memory.soft_limit_in_bytes"},
	[V1_MEMSW_USAGE] = {CGROUP_MEMORY, "memory.memsw.usage_in_bytes"},
	[V1_MEMSW_LIMIT] = {CGROUP_MEMORY, "memory.memsw.limit_in_bytes"},
	[V1_MEM_STAT] = {CGROUP_MEMORY, "memory.stat"},
	[V1_MEM_FAILCNT] = {CGROUP_MEMORY, "memory.failcnt"},
	[V1_MEM_OOM_CONTROL] = {CGROUP_MEMORY, "memory.oom_control"},
	[V1_MEM_KMEM_USAGE] = {CGROUP_MEMORY, "memory.kmem.usage_in_bytes"},
	[V1_CPUACCT_USAGE] = {CGROUP_CPUACCT, "cpuacct.usage"},
	[V1_CPUACCT_PERCPU] = {CGROUP_CPUACCT, "cpuacct.usage_percpu"},
	[V1_CPUACCT_STAT] = {CGROUP_CPUACCT, "cpuacct.stat"},
	[V1_CPU_STAT] = {CGROUP_CPU, "cpu.stat"},
	[V1_CPU_QUOTA] = {CGROUP_CPU, "cpu.cfs_quota_us"},
	[V1_CPU_PERIOD] = {CGROUP_CPU, "cpu.cfs_period_us"},
	[V1_CPU_SHARES] = {CGROUP_CPU, "cpu.shares"},
	[V1_CPUSET_CPUS] = {CGROUP_CPUSET, "cpuset.cpus"},
	[V1_CPUSET_MEMS] = {CGROUP_CPUSET, "cpuset.mems"},
	[V1_CPUSET_EFFECTIVE_CPUS] = {CGROUP_CPUSET, "cpuset.effective_cpus"},
	[V1_CPUSET_EFFECTIVE_MEMS] = {CGROUP_CPUSET, "cpuset.effective_mems"},
	[V1_PIDS_CURRENT] = {CGROUP_PIDS, "pids.current"},
	[V1_PIDS_MAX] = {CGROUP_PIDS, "pids.max"},
	[V1_BLKIO_BYTES_RECURSIVE] = {CGROUP_BLKIO, "blkio.throttle.io_service_bytes_recursive"},
	[V1_BLKIO_IOS_RECURSIVE] = {CGROUP_BLKIO, "blkio.throttle.io_serviced_recursive"},
	[V1_BLKIO_BYTES] = {CGROUP_BLKIO, "blkio.throttle.io_service_bytes"},
	[V1_BLKIO_IOS] = {CGROUP_BLKIO, "blkio.throttle.io_serviced"},
	[V1_PSI_CPU] = {CGROUP_FILE_UNIFIED, "cpu.pressure"},
	[V1_PSI_MEMORY] = {CGROUP_FILE_UNIFIED, "memory.pressure"},
	[V1_PSI_IO] = {CGROUP_FILE_UNIFIED, "io.pressure"},
};

static int v1_read_memory(struct cgroup *cg, struct cgroup_stats *st, bool events)
{
	READ_U64(V1_MEM_USAGE, &st->memory_usage_bytes);
	if (events) {
		READ_U64(V1_MEM_MAX_USAGE, &st->memory_max_usage_bytes);
		READ_U64(V1_MEM_FAILCNT, &st->memory_failcnt);
	}
	READ_U64(V1_MEM_KMEM_USAGE, &st->memory_kernel_bytes);

	/* The total_* lines count the whole subtree, as a container's usage does. */
	TRY(cgroup_read_memory_stat(cg, V1_MEM_STAT, &files[V1_MEM_STAT], true, st));

	/* memsw counts memory plus swap; without swap accounting memory.stat's swap line is all. */
	uint64_t memsw = HUTCH_UNKNOWN;
	READ_U64(V1_MEMSW_USAGE, &memsw);
	if (hutch_known(memsw) && hutch_known(st->memory_usage_bytes))
		st->swap_usage_bytes =
			memsw > st->memory_usage_bytes ? memsw - st->memory_usage_bytes : 0;
	/* else memory.stat's total_swap, read above */
	if (!events)
		return 0;

	static const char *const oom_keys[] = {"oom_kill", "under_oom"};
	uint64_t oom[2];
	TRY(cgroup_read_keyed(cg, V1_MEM_OOM_CONTROL, &files[V1_MEM_OOM_CONTROL], oom_keys, 2,
			      oom));
	st->memory_oom_kill_events = oom[0];
	/* v1 counts no OOM events, only kills: each kill followed one, and an OOM that is
	 * still going on (under_oom, e.g. with the killer disabled) is one more. */
	if (hutch_known(oom[0]))
		st->memory_oom_events = oom[0] + (hutch_known(oom[1]) && oom[1] ? 1 : 0);
	return 0;
}

static int v1_read_memory_spec(struct cgroup *cg, struct cgroup_stats *st, bool effective)
{
	READ_LIMIT(V1_MEM_LIMIT, &st->memory_limit_bytes);
	READ_LIMIT(V1_MEM_SOFT_LIMIT, &st->memory_reservation_bytes);
	uint64_t memsw = HUTCH_UNKNOWN;
	READ_LIMIT(V1_MEMSW_LIMIT, &memsw);
	if (memsw == HUTCH_UNLIMITED || st->memory_limit_bytes == HUTCH_UNLIMITED)
		st->swap_limit_bytes = hutch_known(memsw) ? HUTCH_UNLIMITED : HUTCH_UNKNOWN;
	else if (hutch_known(memsw) && hutch_known(st->memory_limit_bytes))
		st->swap_limit_bytes =
			memsw > st->memory_limit_bytes ? memsw - st->memory_limit_bytes : 0;
	int h = cg->layout->by_controller[CGROUP_MEMORY];
	if (effective && h >= 0 && cg->paths[h])
		st->memory_effective_limit_bytes =
			cgroup_min_limit_over_ancestors(cg, h, "memory.limit_in_bytes");
	return 0;
}

static int v1_read_cpu(struct cgroup *cg, struct cgroup_stats *st, bool events)
{
	READ_U64(V1_CPUACCT_USAGE, &st->cpu_usage_ns);

	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, V1_CPUACCT_PERCPU, &files[V1_CPUACCT_PERCPU], &buf, &len);
	if (r < 0)
		return r;
	if (r > 0) {
		uint64_t *pc;
		size_t n;
		if (cgroup_parse_percpu(buf, len, &pc, &n) == 0) {
			st->percpu_usage_ns = pc;
			st->n_percpu = n;
		}
	}

	static const char *const keys[] = {"user", "system"};
	uint64_t ticks[2];
	TRY(cgroup_read_keyed(cg, V1_CPUACCT_STAT, &files[V1_CPUACCT_STAT], keys, 2, ticks));
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	/* cpuacct.stat counts USER_HZ ticks. */
	uint64_t ns_per_tick = 1000000000ull / (uint64_t)hz;
	if (hutch_known(ticks[0]))
		st->cpu_user_ns = ticks[0] * ns_per_tick;
	if (hutch_known(ticks[1]))
		st->cpu_system_ns = ticks[1] * ns_per_tick;
	if (!events)
		return 0;

	static const char *const tkeys[] = {"nr_periods", "nr_throttled", "throttled_time"};
	uint64_t t[3];
	TRY(cgroup_read_keyed(cg, V1_CPU_STAT, &files[V1_CPU_STAT], tkeys, 3, t));
	st->cpu_nr_periods = t[0];
	st->cpu_nr_throttled = t[1];
	st->cpu_throttled_ns = t[2]; /* v1 gives nanoseconds */
	return 0;
}

/* A directory's cpu.cfs_quota_us and cpu.cfs_period_us, for the walk over ancestors. */
static int cfs_quota_at(const char *dir, uint64_t *ret_quota, uint64_t *ret_period)
{
	char path[4200], buf[64];
	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	int n = cgroup_read_small(path, buf, sizeof(buf));
	if (n < 0 || cgroup_parse_quota(buf, (size_t)n, ret_quota) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
	n = cgroup_read_small(path, buf, sizeof(buf));
	if (n < 0 || cgroup_parse_u64(buf, (size_t)n, ret_period) < 0 || *ret_period == 0)
		return -EINVAL;
	return 0;
}

static int v1_read_cpu_spec(struct cgroup *cg, struct cgroup_stats *st, bool effective)
{
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, V1_CPU_QUOTA, &files[V1_CPU_QUOTA], &buf, &len);
	if (r < 0)
		return r;
	uint64_t q;
	if (r > 0 && cgroup_parse_quota(buf, len, &q) == 0)
		st->cpu_quota_us = q;
	READ_U64(V1_CPU_PERIOD, &st->cpu_period_us);
	READ_U64(V1_CPU_SHARES, &st->cpu_shares);
	st->cpu_weight = cgroup_shares_to_weight(st->cpu_shares);
	int h = cg->layout->by_controller[CGROUP_CPU];
	if (effective && h >= 0 && cg->paths[h]) {
		st->cpu_effective_limit_millicpus =
			cgroup_min_cpu_limit_over_ancestors(cg, h, cfs_quota_at);
	}
	return 0;
}

static int v1_read_cpuset(struct cgroup *cg, struct cgroup_stats *st)
{
	TRY(cgroup_read_string(cg, V1_CPUSET_CPUS, &files[V1_CPUSET_CPUS], st->cpuset_cpus,
			       sizeof(st->cpuset_cpus)));
	TRY(cgroup_read_string(cg, V1_CPUSET_MEMS, &files[V1_CPUSET_MEMS], st->cpuset_mems,
			       sizeof(st->cpuset_mems)));
	TRY(cgroup_read_string(cg, V1_CPUSET_EFFECTIVE_CPUS, &files[V1_CPUSET_EFFECTIVE_CPUS],
			       st->cpuset_effective_cpus, sizeof(st->cpuset_effective_cpus)));
	TRY(cgroup_read_string(cg, V1_CPUSET_EFFECTIVE_MEMS, &files[V1_CPUSET_EFFECTIVE_MEMS],
			       st->cpuset_effective_mems, sizeof(st->cpuset_effective_mems)));
	return 0;
}

/* The recursive file of kind (the whole subtree), or on older kernels the flat one. */
static int v1_read_blkio_kind(struct cgroup *cg, int recursive, int flat,
			      enum cgroup_blkio_file kind, struct cgroup_stats *st)
{
	int r = cgroup_read_blkio(cg, recursive, &files[recursive], kind, st);
	if (r == 0)
		r = cgroup_read_blkio(cg, flat, &files[flat], kind, st);
	return r < 0 ? r : 0;
}

static int v1_read_blkio(struct cgroup *cg, struct cgroup_stats *st)
{
	TRY(v1_read_blkio_kind(cg, V1_BLKIO_BYTES_RECURSIVE, V1_BLKIO_BYTES, CGROUP_BLKIO_V1_BYTES,
			       st));
	return v1_read_blkio_kind(cg, V1_BLKIO_IOS_RECURSIVE, V1_BLKIO_IOS, CGROUP_BLKIO_V1_IOS,
				  st);
}

static int v1_read_stats(struct cgroup *cg, unsigned mask, struct cgroup_stats *st)
{
	bool events = !(mask & CGROUP_STATS_NO_EVENTS);
	if (mask & CGROUP_STATS_MEMORY)
		TRY(v1_read_memory(cg, st, events));
	if (mask & CGROUP_STATS_CPU)
		TRY(v1_read_cpu(cg, st, events));
	if (mask & CGROUP_STATS_SPEC) {
		bool effective = !(mask & CGROUP_STATS_NO_EFFECTIVE);
		TRY(v1_read_memory_spec(cg, st, effective));
		TRY(v1_read_cpu_spec(cg, st, effective));
	}
	if (mask & CGROUP_STATS_CPUSET)
		TRY(v1_read_cpuset(cg, st));
	if (mask & (CGROUP_STATS_PIDS | CGROUP_STATS_SPEC)) {
		READ_U64(V1_PIDS_CURRENT, &st->pids_current);
		READ_LIMIT(V1_PIDS_MAX, &st->pids_max);
	}
	if (mask & CGROUP_STATS_BLKIO)
		TRY(v1_read_blkio(cg, st));
	if (mask & CGROUP_STATS_PSI) {
		static const int slots[3] = {V1_PSI_CPU, V1_PSI_MEMORY, V1_PSI_IO};
		TRY(cgroup_read_psi(cg, slots, &files[V1_PSI_CPU], st));
	}
	return 0;
}

/* A file's first line, trimmed; "" when missing. */
static void read_line_at(const char *dir, const char *file, char *out, size_t size)
{
	char path[4200], buf[1024];
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int n = cgroup_read_small(path, buf, sizeof(buf));
	if (n >= 0)
		cgroup_parse_line(buf, (size_t)n, out, size);
}

/*
 * A v1 cpuset refuses tasks until cpuset.cpus and cpuset.mems are set; a new
 * one starts empty. Fill each from the parent (filling the parent first if it
 * is empty too), up to the mount point.
 */
static int cpuset_fill(const char *mnt, const char *dir, const char *file, struct hutch_error *err)
{
	char cur[1024];
	read_line_at(dir, file, cur, sizeof(cur));
	if (cur[0] || strlen(dir) <= strlen(mnt))
		return 0;
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	int r = cpuset_fill(mnt, parent, file, err);
	if (r < 0)
		return r;
	char val[1024];
	read_line_at(parent, file, val, sizeof(val));
	if (!val[0])
		return hutch_error_set(err, EINVAL, "copy %s: the parent's is empty", file);
	return cgroup_write(dir, file, val, err);
}

static int cpuset_ensure(struct cgroup *cg, struct hutch_error *err)
{
	int h = cg->layout->by_controller[CGROUP_CPUSET];
	if (h < 0 || cg->layout->hierarchies[h].unified || !cg->paths[h])
		return 0;
	char dir[4096];
	int r = cgroup_hierarchy_dir(cg, h, dir, sizeof(dir));
	if (r < 0)
		return hutch_error_setsys(err, -r, "cpuset directory");
	const char *mnt = cg->layout->hierarchies[h].mount_point;
	r = cpuset_fill(mnt, dir, "cpuset.cpus", err);
	if (r >= 0)
		r = cpuset_fill(mnt, dir, "cpuset.mems", err);
	return r;
}

#define V1_MAX_MADE 128

static int v1_create(struct cgroup *cg, struct hutch_error *err)
{
	char *made[V1_MAX_MADE] = {0};
	size_t n_made = 0;
	int r = 0;
	for (size_t h = 0; h < cg->layout->n_hierarchies; h++) {
		if (!cgroup_hierarchy_managed(cg->layout, (int)h) || !cg->paths[h])
			continue;
		char dir[4096];
		r = cgroup_hierarchy_dir(cg, (int)h, dir, sizeof(dir));
		if (r < 0) {
			hutch_error_setsys(err, -r, "directory in %s",
					   cg->layout->hierarchies[h].mount_point);
			break;
		}
		r = cgroup_mkdir_tracked(cg->layout->hierarchies[h].mount_point, dir, made,
					 V1_MAX_MADE, &n_made);
		if (r < 0) {
			hutch_error_setsys(err, -r, "mkdir %s", dir);
			break;
		}
	}
	if (r >= 0)
		r = cpuset_ensure(cg, err);
	if (r < 0)
		cgroup_rmdir_made(made, n_made);
	for (size_t i = 0; i < n_made; i++)
		free(made[i]);
	return r;
}

/* The directory of controller c's files, or an error naming the missing hierarchy. */
static int dir_of(struct cgroup *cg, enum cgroup_controller c, char *dir, size_t size,
		  struct hutch_error *err)
{
	int h = cg->layout->by_controller[c];
	if (h < 0 || cg->layout->hierarchies[h].unified)
		return hutch_error_set(err, EOPNOTSUPP, "no %s hierarchy on this host",
				       cgroup_controller_name(c, false));
	int r = cgroup_hierarchy_dir(cg, h, dir, size);
	if (r < 0)
		return hutch_error_setsys(err, -r, "%s directory",
					  cgroup_controller_name(c, false));
	return 0;
}

static int v1_set_memory(struct cgroup *cg, const struct cgroup_limits *lim,
			 struct hutch_error *err)
{
	char dir[4096], a[32], b[32];
	int r = dir_of(cg, CGROUP_MEMORY, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	bool set_mem = hutch_known(lim->memory_bytes);
	bool set_sw = hutch_known(lim->memory_swap_bytes);
	if (set_sw && lim->memory_swap_bytes != HUTCH_UNLIMITED && set_mem &&
	    lim->memory_bytes != HUTCH_UNLIMITED && lim->memory_swap_bytes < lim->memory_bytes)
		return hutch_error_set(err, EINVAL,
				       "memory+swap limit %" PRIu64
				       " is below the memory limit %" PRIu64,
				       lim->memory_swap_bytes, lim->memory_bytes);
	const char *mem = cgroup_limit_str(lim->memory_bytes, "-1", a, sizeof(a));
	const char *sw = cgroup_limit_str(lim->memory_swap_bytes, "-1", b, sizeof(b));
	/* Without swap accounting there is no memsw file; "no cap" then needs no write. */
	char memsw_path[4200];
	snprintf(memsw_path, sizeof(memsw_path), "%s/memory.memsw.limit_in_bytes", dir);
	if (set_sw && lim->memory_swap_bytes == HUTCH_UNLIMITED && access(memsw_path, F_OK) < 0)
		set_sw = false;
	/* The kernel keeps memory <= memory+swap at every step: raise memsw first when the
	 * new memory limit is above the current memsw limit, lower memory first otherwise. */
	uint64_t cur_sw = cgroup_read_limit_at(dir, "memory.memsw.limit_in_bytes");
	bool sw_first = set_sw && set_mem && hutch_known(cur_sw) &&
			(lim->memory_bytes == HUTCH_UNLIMITED ||
			 (cur_sw != HUTCH_UNLIMITED && lim->memory_bytes > cur_sw));
	if (sw_first && (r = cgroup_write(dir, "memory.memsw.limit_in_bytes", sw, err)) < 0)
		return r;
	if (set_mem && (r = cgroup_write(dir, "memory.limit_in_bytes", mem, err)) < 0)
		return r;
	if (set_sw && !sw_first &&
	    (r = cgroup_write(dir, "memory.memsw.limit_in_bytes", sw, err)) < 0)
		return r;
	return cgroup_write_limit(dir, "memory.soft_limit_in_bytes", lim->memory_reservation_bytes,
				  "-1", err);
}

static int v1_set_limits(struct cgroup *cg, const struct cgroup_limits *lim,
			 struct hutch_error *err)
{
	char dir[4096];
	int r;
	if (hutch_known(lim->memory_bytes) || hutch_known(lim->memory_swap_bytes) ||
	    hutch_known(lim->memory_reservation_bytes)) {
		r = v1_set_memory(cg, lim, err);
		if (r < 0)
			return r;
	}
	if (hutch_known(lim->cpu_period_us) || hutch_known(lim->cpu_quota_us) ||
	    hutch_known(lim->cpu_shares)) {
		r = dir_of(cg, CGROUP_CPU, dir, sizeof(dir), err);
		if (r < 0)
			return r;
		if ((r = cgroup_write_limit(dir, "cpu.cfs_period_us", lim->cpu_period_us, "-1",
					    err)) < 0 ||
		    (r = cgroup_write_limit(dir, "cpu.cfs_quota_us", lim->cpu_quota_us, "-1",
					    err)) < 0 ||
		    (r = cgroup_write_limit(dir, "cpu.shares", lim->cpu_shares, "-1", err)) < 0)
			return r;
	}
	if (cg->layout->by_controller[CGROUP_CPUSET] >= 0) {
		if (lim->cpuset_cpus || lim->cpuset_mems) {
			r = dir_of(cg, CGROUP_CPUSET, dir, sizeof(dir), err);
			if (r < 0)
				return r;
		}
		/* mems before cpus does not matter to the kernel; both must be non-empty to join. */
		if (lim->cpuset_mems &&
		    (r = cgroup_write(dir, "cpuset.mems", lim->cpuset_mems, err)) < 0)
			return r;
		if (lim->cpuset_cpus &&
		    (r = cgroup_write(dir, "cpuset.cpus", lim->cpuset_cpus, err)) < 0)
			return r;
		r = cpuset_ensure(cg, err);
		if (r < 0)
			return r;
	} else if (lim->cpuset_cpus || lim->cpuset_mems) {
		return hutch_error_set(err, EOPNOTSUPP, "no cpuset hierarchy on this host");
	}
	if (hutch_known(lim->pids_max)) {
		r = dir_of(cg, CGROUP_PIDS, dir, sizeof(dir), err);
		if (r < 0)
			return r;
		r = cgroup_write_limit(dir, "pids.max", lim->pids_max, "max", err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_attach(struct cgroup *cg, pid_t pid, struct hutch_error *err)
{
	/* A task can only join a cpuset that has cpus and mems. */
	int r = cpuset_ensure(cg, err);
	if (r < 0)
		return r;
	for (size_t h = 0; h < cg->layout->n_hierarchies; h++) {
		if (!cgroup_hierarchy_managed(cg->layout, (int)h) || !cg->paths[h])
			continue;
		char dir[4096];
		r = cgroup_hierarchy_dir(cg, (int)h, dir, sizeof(dir));
		if (r < 0)
			return hutch_error_setsys(err, -r, "directory in %s",
						  cg->layout->hierarchies[h].mount_point);
		r = cgroup_write_pid(dir, pid, err);
		if (r < 0)
			return hutch_error_wrap(err, "%s", dir);
	}
	return 0;
}

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.read_stats = v1_read_stats,
	.create = v1_create,
	.set_limits = v1_set_limits,
	.attach = v1_attach,
};
