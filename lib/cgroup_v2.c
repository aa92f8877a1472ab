/* SPDX-License-Identifier: MIT */
/*
 * The cgroup v2 backend: one unified hierarchy. Controllers must be enabled
 * in every parent's cgroup.subtree_control before a child has their files,
 * and limits have v2 names and formats (memory.max, cpu.max "quota period",
 * cpu.weight instead of shares, memory.swap.max as swap alone).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"

enum {
	V2_MEM_CURRENT,
	V2_MEM_PEAK,
	V2_MEM_MAX,
	V2_MEM_LOW,
	V2_SWAP_CURRENT,
	V2_SWAP_MAX,
	V2_MEM_STAT,
	V2_MEM_EVENTS,
	V2_CPU_STAT,
	V2_CPU_MAX,
	V2_CPU_WEIGHT,
	V2_CPUSET_CPUS,
	V2_CPUSET_MEMS,
	V2_CPUSET_CPUS_EFFECTIVE,
	V2_CPUSET_MEMS_EFFECTIVE,
	V2_PIDS_CURRENT,
	V2_PIDS_MAX,
	V2_IO_STAT,
	V2_PSI_CPU,
	V2_PSI_MEMORY,
	V2_PSI_IO,
	V2_FILE_COUNT,
};
_Static_assert(V2_FILE_COUNT <= CGROUP_MAX_FILES, "too many v2 files");

#define U CGROUP_FILE_UNIFIED
static const struct cgroup_file_def files[V2_FILE_COUNT] = {
	[V2_MEM_CURRENT] = {U, "memory.current"},
	[V2_MEM_PEAK] = {U, "memory.peak"},
	[V2_MEM_MAX] = {U, "memory.max"},
	[V2_MEM_LOW] = {U, "memory.low"},
	[V2_SWAP_CURRENT] = {U, "memory.swap.current"},
	[V2_SWAP_MAX] = {U, "memory.swap.max"},
	[V2_MEM_STAT] = {U, "memory.stat"},
	[V2_MEM_EVENTS] = {U, "memory.events"},
	[V2_CPU_STAT] = {U, "cpu.stat"},
	[V2_CPU_MAX] = {U, "cpu.max"},
	[V2_CPU_WEIGHT] = {U, "cpu.weight"},
	[V2_CPUSET_CPUS] = {U, "cpuset.cpus"},
	[V2_CPUSET_MEMS] = {U, "cpuset.mems"},
	[V2_CPUSET_CPUS_EFFECTIVE] = {U, "cpuset.cpus.effective"},
	[V2_CPUSET_MEMS_EFFECTIVE] = {U, "cpuset.mems.effective"},
	[V2_PIDS_CURRENT] = {U, "pids.current"},
	[V2_PIDS_MAX] = {U, "pids.max"},
	[V2_IO_STAT] = {U, "io.stat"},
	[V2_PSI_CPU] = {U, "cpu.pressure"},
	[V2_PSI_MEMORY] = {U, "memory.pressure"},
	[V2_PSI_IO] = {U, "io.pressure"},
};
#undef U

static uint64_t mul_known(uint64_t v, uint64_t k)
{
	return hutch_known(v) ? v * k : HUTCH_UNKNOWN;
}

static int v2_read_memory(struct cgroup *cg, struct cgroup_stats *st, bool events)
{
	READ_U64(V2_MEM_CURRENT, &st->memory_usage_bytes);
	if (events)
		READ_U64(V2_MEM_PEAK, &st->memory_max_usage_bytes);
	READ_U64(V2_SWAP_CURRENT, &st->swap_usage_bytes);

	/* v2's memory.stat is hierarchical already. */
	TRY(cgroup_read_memory_stat(cg, V2_MEM_STAT, &files[V2_MEM_STAT], false, st));
	if (!events)
		return 0;

	/* "max" counts the times usage hit memory.max: v1's failcnt. */
	static const char *const ekeys[] = {"max", "oom", "oom_kill"};
	uint64_t e[3];
	TRY(cgroup_read_keyed(cg, V2_MEM_EVENTS, &files[V2_MEM_EVENTS], ekeys, 3, e));
	st->memory_failcnt = e[0];
	st->memory_oom_events = e[1];
	st->memory_oom_kill_events = e[2];
	return 0;
}

static int v2_read_cpu(struct cgroup *cg, struct cgroup_stats *st)
{
	static const char *const keys[] = {"usage_usec", "user_usec",	 "system_usec",
					   "nr_periods", "nr_throttled", "throttled_usec"};
	uint64_t v[6];
	TRY(cgroup_read_keyed(cg, V2_CPU_STAT, &files[V2_CPU_STAT], keys, 6, v));
	st->cpu_usage_ns = mul_known(v[0], 1000);
	st->cpu_user_ns = mul_known(v[1], 1000);
	st->cpu_system_ns = mul_known(v[2], 1000);
	st->cpu_nr_periods = v[3];
	st->cpu_nr_throttled = v[4];
	st->cpu_throttled_ns = mul_known(v[5], 1000);
	/* v2 gives no per-CPU usage. */
	return 0;
}

/* A directory's cpu.max, for the walk over ancestors. */
static int cpu_max_at(const char *dir, uint64_t *ret_quota, uint64_t *ret_period)
{
	char path[4200], buf[128];
	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	int n = cgroup_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	return cgroup_parse_cpu_max(buf, (size_t)n, ret_quota, ret_period);
}

static int v2_read_spec(struct cgroup *cg, struct cgroup_stats *st, bool effective)
{
	READ_LIMIT(V2_MEM_MAX, &st->memory_limit_bytes);
	READ_LIMIT(V2_MEM_LOW, &st->memory_reservation_bytes);
	READ_LIMIT(V2_SWAP_MAX, &st->swap_limit_bytes);
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, V2_CPU_MAX, &files[V2_CPU_MAX], &buf, &len);
	if (r < 0)
		return r;
	uint64_t q, p;
	if (r > 0 && cgroup_parse_cpu_max(buf, len, &q, &p) == 0) {
		st->cpu_quota_us = q;
		st->cpu_period_us = p;
	}
	READ_U64(V2_CPU_WEIGHT, &st->cpu_weight);
	st->cpu_shares = cgroup_weight_to_shares(st->cpu_weight);
	int h = cg->layout->unified;
	if (effective && h >= 0 && cg->paths[h]) {
		st->memory_effective_limit_bytes =
			cgroup_min_limit_over_ancestors(cg, h, "memory.max");
		st->cpu_effective_limit_millicpus =
			cgroup_min_cpu_limit_over_ancestors(cg, h, cpu_max_at);
	}
	return 0;
}

static int v2_read_stats(struct cgroup *cg, unsigned mask, struct cgroup_stats *st)
{
	if (mask & CGROUP_STATS_MEMORY)
		TRY(v2_read_memory(cg, st, !(mask & CGROUP_STATS_NO_EVENTS)));
	if (mask & CGROUP_STATS_CPU)
		TRY(v2_read_cpu(cg, st));
	if (mask & CGROUP_STATS_SPEC)
		TRY(v2_read_spec(cg, st, !(mask & CGROUP_STATS_NO_EFFECTIVE)));
	if (mask & CGROUP_STATS_CPUSET) {
		READ_STR(V2_CPUSET_CPUS, st->cpuset_cpus);
		READ_STR(V2_CPUSET_MEMS, st->cpuset_mems);
		READ_STR(V2_CPUSET_CPUS_EFFECTIVE, st->cpuset_effective_cpus);
		READ_STR(V2_CPUSET_MEMS_EFFECTIVE, st->cpuset_effective_mems);
	}
	if (mask & (CGROUP_STATS_PIDS | CGROUP_STATS_SPEC)) {
		READ_U64(V2_PIDS_CURRENT, &st->pids_current);
		READ_LIMIT(V2_PIDS_MAX, &st->pids_max);
	}
	if (mask & CGROUP_STATS_BLKIO)
		TRY(cgroup_read_blkio(cg, V2_IO_STAT, &files[V2_IO_STAT], CGROUP_BLKIO_IO_STAT,
				      st));
	if (mask & CGROUP_STATS_PSI) {
		static const int slots[3] = {V2_PSI_CPU, V2_PSI_MEMORY, V2_PSI_IO};
		TRY(cgroup_read_psi(cg, slots, &files[V2_PSI_CPU], st));
	}
	return 0;
}

/* The controllers hutch limits, in the order they are enabled. */
static const enum cgroup_controller wanted[] = {CGROUP_CPU, CGROUP_CPUSET, CGROUP_MEMORY,
						CGROUP_BLKIO, CGROUP_PIDS};

/* Enables in dir's cgroup.subtree_control every wanted controller dir itself has. */
static int enable_controllers(const char *dir, struct hutch_error *err)
{
	char path[4200], buf[1024];
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	int n = cgroup_read_small(path, buf, sizeof(buf));
	uint32_t avail = 0, enabled = 0;
	if (n < 0 || cgroup_parse_controllers(buf, (size_t)n, &avail) < 0) {
		hutch_error_setsys(err, n < 0 ? -n : EINVAL, "read cgroup.controllers");
		return hutch_error_wrap(err, "enable controllers in %s", dir);
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	n = cgroup_read_small(path, buf, sizeof(buf));
	if (n >= 0)
		cgroup_parse_controllers(buf, (size_t)n, &enabled);
	char value[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		uint32_t bit = 1u << wanted[i];
		if (!(avail & bit) || (enabled & bit))
			continue;
		used += (size_t)snprintf(value + used, sizeof(value) - used, "%s+%s",
					 used ? " " : "", cgroup_controller_name(wanted[i], true));
	}
	if (!used)
		return 0;
	/* One write for all, so a rejected controller leaves nothing half enabled. */
	int r = cgroup_write(dir, "cgroup.subtree_control", value, err);
	if (r < 0)
		return hutch_error_wrap(err, "enable controllers in %s", dir);
	return 0;
}

#define V2_MAX_MADE 64

static int v2_create(struct cgroup *cg, struct hutch_error *err)
{
	int h = cg->layout->unified;
	char dir[4096];
	int r = cgroup_hierarchy_dir(cg, h, dir, sizeof(dir));
	if (r < 0)
		return hutch_error_setsys(err, -r, "unified directory");
	const char *mnt = cg->layout->hierarchies[h].mount_point;
	char *made[V2_MAX_MADE] = {0};
	size_t n_made = 0;
	r = cgroup_mkdir_tracked(mnt, dir, made, V2_MAX_MADE, &n_made);
	if (r < 0) {
		hutch_error_setsys(err, -r, "mkdir %s", dir);
	} else {
		/* Top down: a controller must be enabled in a parent before its child can enable it. */
		char cur[4096];
		size_t ml = strlen(mnt);
		for (size_t i = ml; r >= 0 && dir[i]; i++) {
			if (dir[i] != '/')
				continue;
			memcpy(cur, dir, i);
			cur[i] = '\0';
			r = enable_controllers(cur, err);
		}
	}
	if (r < 0)
		cgroup_rmdir_made(made, n_made);
	for (size_t i = 0; i < n_made; i++)
		free(made[i]);
	return r;
}

static int v2_set_limits(struct cgroup *cg, const struct cgroup_limits *lim,
			 struct hutch_error *err)
{
	char dir[4096], v[64];
	int r = cgroup_unified_dir(cg, dir, sizeof(dir));
	if (r < 0)
		return hutch_error_setsys(err, -r, "unified directory");
	if ((r = cgroup_write_limit(dir, "memory.max", lim->memory_bytes, "max", err)) < 0)
		return r;
	if (hutch_known(lim->memory_swap_bytes)) {
		/* docker's --memory-swap is memory plus swap; memory.swap.max is swap alone. */
		uint64_t mem = hutch_known(lim->memory_bytes)
				       ? lim->memory_bytes
				       : cgroup_read_limit_at(dir, "memory.max");
		uint64_t swap;
		if (lim->memory_swap_bytes == HUTCH_UNLIMITED)
			swap = HUTCH_UNLIMITED;
		else if (!hutch_limited(mem))
			return hutch_error_set(err, EINVAL,
					       "a memory+swap limit needs a memory limit");
		else if (lim->memory_swap_bytes < mem)
			return hutch_error_set(err, EINVAL,
					       "memory+swap limit %" PRIu64
					       " is below the memory limit %" PRIu64,
					       lim->memory_swap_bytes, mem);
		else
			swap = lim->memory_swap_bytes - mem;
		r = cgroup_write_limit(dir, "memory.swap.max", swap, "max", err);
		if (r < 0)
			return r;
	}
	if ((r = cgroup_write_limit(dir, "memory.low", lim->memory_reservation_bytes, "max", err)) <
	    0)
		return r;
	if (hutch_known(lim->cpu_quota_us) || hutch_known(lim->cpu_period_us)) {
		/* cpu.max holds both: keep the half that is not being set. */
		uint64_t quota = HUTCH_UNLIMITED, period = 100000;
		char path[4200], buf[128];
		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		int n = cgroup_read_small(path, buf, sizeof(buf));
		uint64_t q, p;
		if (n >= 0 && cgroup_parse_cpu_max(buf, (size_t)n, &q, &p) == 0) {
			quota = q;
			if (hutch_known(p))
				period = p;
		}
		if (hutch_known(lim->cpu_quota_us))
			quota = lim->cpu_quota_us;
		if (hutch_known(lim->cpu_period_us))
			period = lim->cpu_period_us;
		char value[64];
		if (quota == HUTCH_UNLIMITED)
			snprintf(value, sizeof(value), "max %" PRIu64, period);
		else
			snprintf(value, sizeof(value), "%" PRIu64 " %" PRIu64, quota, period);
		r = cgroup_write(dir, "cpu.max", value, err);
		if (r < 0)
			return r;
	}
	if (hutch_known(lim->cpu_shares)) {
		snprintf(v, sizeof(v), "%" PRIu64, cgroup_shares_to_weight(lim->cpu_shares));
		r = cgroup_write(dir, "cpu.weight", v, err);
		if (r < 0)
			return r;
	}
	if (lim->cpuset_cpus && (r = cgroup_write(dir, "cpuset.cpus", lim->cpuset_cpus, err)) < 0)
		return r;
	if (lim->cpuset_mems && (r = cgroup_write(dir, "cpuset.mems", lim->cpuset_mems, err)) < 0)
		return r;
	return cgroup_write_limit(dir, "pids.max", lim->pids_max, "max", err);
}

static int v2_attach(struct cgroup *cg, pid_t pid, struct hutch_error *err)
{
	char dir[4096];
	int r = cgroup_unified_dir(cg, dir, sizeof(dir));
	if (r < 0)
		return hutch_error_setsys(err, -r, "unified directory");
	return cgroup_write_pid(dir, pid, err);
}

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.read_stats = v2_read_stats,
	.create = v2_create,
	.set_limits = v2_set_limits,
	.attach = v2_attach,
};
