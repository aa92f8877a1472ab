/* SPDX-License-Identifier: MIT */
/*
 * The host as hutch top's source: libhutch's sampler with long-lived
 * handles (one pread per stat file per refresh), copied into a snapshot.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hutch/procfs.h"
#include "hutch/sampler.h"
#include "source.h"

struct host_source {
	struct viewer_source pub; /* first */
	const struct cgroup_layout *layout;
	struct viewer_host_options opts;
	struct sampler *sampler;
	bool all;
	char describe[64];
	struct sampler_machine machine;
	bool have_machine;
};

static int make_sampler(struct host_source *h, bool all)
{
	struct sampler_options so = {
		.hutch_root = h->opts.hutch_root,
		.root_cgroup = h->opts.root_cgroup,
		.containers_only = !all,
		.network = true,
		.processes =
			false, /* file descriptors: not shown, and a walk of /proc per refresh */
		.spec_refresh_ns = 30ull * 1000000000ull,
		.discovery_refresh_ns = 3ull * 1000000000ull,
	};
	struct sampler *s;
	int r = sampler_new(h->layout, &so, &s);
	if (r < 0)
		return r;
	sampler_free(h->sampler);
	h->sampler = s;
	h->all = all;
	return 0;
}

static void read_host(struct host_source *h, struct viewer_host *ret)
{
	if (!h->have_machine && sampler_read_machine(&h->machine) == 0)
		h->have_machine = true;
	if (h->have_machine) {
		ret->cpu_cores = h->machine.cpu_cores;
		ret->memory_bytes = h->machine.memory_bytes;
	}
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hutch_read_file("/proc/meminfo", 0, &buf, &len) == 0) {
		struct procfs_meminfo *mi = malloc(sizeof(*mi));
		if (mi && procfs_parse_meminfo(buf, len, mi) == 0) {
			ret->memory_available_bytes = mi->mem_available_bytes;
			if (!hutch_known(ret->memory_bytes))
				ret->memory_bytes = mi->mem_total_bytes;
		}
		free(mi);
	}
	free(buf);
	buf = NULL;
	struct procfs_loadavg la;
	if (hutch_read_file("/proc/loadavg", 0, &buf, &len) == 0 &&
	    procfs_parse_loadavg(buf, len, &la) == 0) {
		ret->load1 = la.load1;
		ret->load5 = la.load5;
		ret->load15 = la.load15;
	}
	snprintf(ret->layout, sizeof(ret->layout), "%s", cgroup_layout_kind_name(h->layout->kind));
}

/* The sample's counters that are the cgroup's stats of the same name, as they are. */
#define SAME(field)                                                                         \
	{                                                                                   \
		offsetof(struct viewer_sample, field), offsetof(struct cgroup_stats, field) \
	}
static const struct {
	size_t sample, stats;
} same_fields[] = {
	SAME(cpu_usage_ns),	SAME(cpu_quota_us),	  SAME(cpu_period_us),
	SAME(cpu_shares),	SAME(cpu_nr_periods),	  SAME(cpu_nr_throttled),
	SAME(cpu_throttled_ns), SAME(memory_usage_bytes), SAME(swap_usage_bytes),
	SAME(swap_limit_bytes), SAME(memory_cache_bytes), SAME(memory_rss_bytes),
	SAME(memory_failcnt),	SAME(memory_oom_events),  SAME(memory_oom_kill_events),
	SAME(pids_max),
};
#undef SAME

static void copy_container(const struct sampler_container *c, struct viewer_sample *v)
{
	const struct cgroup_stats *st = &c->stats;
	v->runtime = c->runtime;
	v->is_container = c->is_container;
	v->pid = c->pid;
	v->start_wall_ns = c->start_time_ns;
	for (size_t i = 0; i < ARRAY_SIZE(same_fields); i++)
		memcpy((char *)v + same_fields[i].sample, (const char *)st + same_fields[i].stats,
		       sizeof(uint64_t));
	v->cpu_limit_millicpus = st->cpu_effective_limit_millicpus;
	if (!hutch_limited(v->cpu_limit_millicpus) && hutch_limited(st->cpu_quota_us) &&
	    hutch_known(st->cpu_period_us) && st->cpu_period_us > 0)
		v->cpu_limit_millicpus = st->cpu_quota_us * 1000 / st->cpu_period_us;
	v->memory_own_limit_bytes = st->memory_limit_bytes;
	v->memory_limit_bytes = hutch_limited(st->memory_effective_limit_bytes)
					? st->memory_effective_limit_bytes
					: st->memory_limit_bytes;
	if (c->n_netdevs > 0) {
		v->net_rx_bytes = v->net_tx_bytes = 0;
		for (size_t i = 0; i < c->n_netdevs; i++) {
			if (strcmp(c->netdevs[i].name, "lo") == 0)
				continue;
			v->net_rx_bytes += c->netdevs[i].rx_bytes;
			v->net_tx_bytes += c->netdevs[i].tx_bytes;
		}
	}
	if (st->blkio) {
		v->io_read_bytes = v->io_write_bytes = 0;
		for (size_t i = 0; i < st->n_blkio; i++) {
			if (hutch_known(st->blkio[i].read_bytes))
				v->io_read_bytes += st->blkio[i].read_bytes;
			if (hutch_known(st->blkio[i].write_bytes))
				v->io_write_bytes += st->blkio[i].write_bytes;
		}
	} else if (hutch_known(st->memory_usage_bytes)) {
		/* The io controller answers with no device lines when nothing was read. */
		v->io_read_bytes = v->io_write_bytes = 0;
	}
	v->processes = c->processes;
	v->threads = c->threads;
	snprintf(v->cpuset_cpus, sizeof(v->cpuset_cpus), "%s",
		 st->cpuset_effective_cpus[0] ? st->cpuset_effective_cpus : st->cpuset_cpus);
}

int viewer_snapshot_from_sampler(struct sampler *s, struct viewer_snapshot *ret)
{
	viewer_snapshot_clear(ret);
	ret->at_ns = hutch_now_ns();
	ret->wall_ns = hutch_wall_ns();
	size_t n = sampler_count(s);
	for (size_t i = 0; i < n; i++) {
		const struct sampler_container *c = sampler_get(s, i);
		struct viewer_sample *v = viewer_snapshot_add(ret, c->id, c->name, c->runtime_id);
		if (!v)
			return -ENOMEM;
		copy_container(c, v);
	}
	/* The sampler lists by id already. */
	return 0;
}

static int host_sample(struct viewer_source *src, bool all, struct viewer_snapshot *ret,
		       struct hutch_error *err)
{
	struct host_source *h = (struct host_source *)src;
	if (all != h->all) {
		int r = make_sampler(h, all);
		if (r < 0)
			return hutch_error_setsys(err, -r, "sample cgroups");
	}
	int r = sampler_refresh(h->sampler);
	if (r < 0)
		return hutch_error_setsys(err, -r, "sample cgroups");
	r = viewer_snapshot_from_sampler(h->sampler, ret);
	if (r < 0)
		return hutch_error_setsys(err, -r, "sample cgroups");
	read_host(h, &ret->host);
	return 0;
}

static int host_processes(struct viewer_source *src, const char *id, pid_t **ret_pids,
			  size_t *ret_n)
{
	struct host_source *h = (struct host_source *)src;
	_cleanup_cgroup_ struct cgroup *cg = NULL;
	int r = cgroup_open(h->layout, id, &cg);
	if (r < 0)
		return r;
	return cgroup_list_pids(cg, ret_pids, ret_n);
}

static void host_invalidate(struct viewer_source *src)
{
	sampler_invalidate(((struct host_source *)src)->sampler);
}

static void host_free(struct viewer_source *src)
{
	struct host_source *h = (struct host_source *)src;
	sampler_free(h->sampler);
	free(h);
}

static const struct viewer_source_ops host_ops = {
	.sample = host_sample,
	.processes = host_processes,
	.invalidate = host_invalidate,
	.free = host_free,
};

int viewer_source_host_new(const struct viewer_host_options *opts, struct viewer_source **ret,
			   struct hutch_error *err)
{
	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return hutch_error_setsys(err, -r,
					  "detect cgroup layout from /proc/self/mountinfo");
	if (layout->kind == CGROUP_LAYOUT_NONE)
		return hutch_error_set(err, ENOENT, "no cgroup filesystem is mounted");
	/* Each kept handle holds ~18 files: lift the soft file limit (and as root the hard one). */
	hutch_raise_nofile(1 << 20);
	struct host_source *h = calloc(1, sizeof(*h));
	if (!h)
		return hutch_error_setsys(err, ENOMEM, "host source");
	h->pub.ops = &host_ops;
	h->layout = layout;
	if (opts)
		h->opts = *opts;
	snprintf(h->describe, sizeof(h->describe), "host (%s)",
		 cgroup_layout_kind_name(layout->kind));
	h->pub.describe = h->describe;
	r = make_sampler(h, false);
	if (r < 0) {
		free(h);
		return hutch_error_setsys(err, -r, "start the sampler");
	}
	*ret = &h->pub;
	return 0;
}
