/* SPDX-License-Identifier: MIT */
/*
 * The cgroup families, with cAdvisor's names, types, units and labels so
 * dashboards and alerts written for cAdvisor work unchanged. A value the
 * kernel does not give (HUTCH_UNKNOWN) is left out rather than shown as 0;
 * an unlimited memory limit is shown as the number cAdvisor shows (the kernel's
 * page-rounded LONG_MAX on v1, 2^64-1 for "max" on v2), so ratios against the
 * limit stay near 0 in existing dashboards and alerts; an unlimited thread limit
 * is 0, as cAdvisor's help says.
 */
#include <stddef.h>
#include <stdio.h>

#include "collector.h"

#define NS_PER_S 1e9

/* What a family's value is read from: the container, and how this host shows an
 * unlimited memory limit (from the scrape's layout). */
struct family_ctx {
	const struct sampler_container *c;
	double unlimited_bytes;
};

typedef bool (*value_fn)(const struct family_ctx *x, double *ret);

struct simple_family {
	const char *name, *help;
	enum expo_type type;
	value_fn get;
};

static bool known(uint64_t v, double scale, double *ret)
{
	if (!hutch_known(v))
		return false;
	*ret = (double)v / scale;
	return true;
}

/* The kernel's page-rounded LONG_MAX on v1, 2^64-1 for "max" on v2, as cAdvisor shows them. */
static double unlimited_bytes(const struct cgroup_layout *l)
{
	return l && l->kind == CGROUP_LAYOUT_V2 ? 18446744073709551615.0 : 9223372036854771712.0;
}

static bool mem_limit(const struct family_ctx *x, uint64_t v, double *ret)
{
	if (!hutch_known(v))
		return false;
	*ret = v == HUTCH_UNLIMITED ? x->unlimited_bytes : (double)v;
	return true;
}

/* Counts: 0 when unlimited. */
static bool limit(uint64_t v, double *ret)
{
	if (!hutch_known(v))
		return false;
	*ret = v == HUTCH_UNLIMITED ? 0 : (double)v;
	return true;
}

static bool has_quota(const struct sampler_container *c)
{
	return hutch_limited(c->stats.cpu_quota_us);
}

#define GETTER(fn, expr)                                        \
	static bool fn(const struct family_ctx *x, double *ret) \
	{                                                       \
		const struct sampler_container *c = x->c;       \
		return expr;                                    \
	}

GETTER(cpu_user, known(c->stats.cpu_user_ns, NS_PER_S, ret))
GETTER(cpu_system, known(c->stats.cpu_system_ns, NS_PER_S, ret))
GETTER(cfs_periods, has_quota(c) && known(c->stats.cpu_nr_periods, 1, ret))
GETTER(cfs_throttled_periods, has_quota(c) && known(c->stats.cpu_nr_throttled, 1, ret))
GETTER(cfs_throttled_seconds, has_quota(c) && known(c->stats.cpu_throttled_ns, NS_PER_S, ret))
GETTER(mem_usage, known(c->stats.memory_usage_bytes, 1, ret))
GETTER(mem_working_set, known(c->stats.memory_working_set_bytes, 1, ret))
GETTER(mem_rss, known(c->stats.memory_rss_bytes, 1, ret))
GETTER(mem_cache, known(c->stats.memory_cache_bytes, 1, ret))
GETTER(mem_swap, known(c->stats.swap_usage_bytes, 1, ret))
GETTER(mem_mapped, known(c->stats.memory_mapped_file_bytes, 1, ret))
GETTER(mem_max_usage, known(c->stats.memory_max_usage_bytes, 1, ret))
GETTER(mem_failcnt, known(c->stats.memory_failcnt, 1, ret))
GETTER(oom_events, known(c->stats.memory_oom_events, 1, ret))
GETTER(spec_mem_limit, mem_limit(x, c->stats.memory_limit_bytes, ret))
GETTER(spec_swap_limit, mem_limit(x, c->stats.swap_limit_bytes, ret))
GETTER(spec_mem_reservation, mem_limit(x, c->stats.memory_reservation_bytes, ret))
GETTER(spec_cpu_period, known(c->stats.cpu_period_us, 1, ret))
GETTER(spec_cpu_quota, has_quota(c) && known(c->stats.cpu_quota_us, 1, ret))
GETTER(spec_cpu_shares, known(c->stats.cpu_shares, 1, ret))
GETTER(processes, known(c->processes, 1, ret))
GETTER(threads, known(c->threads, 1, ret))
GETTER(threads_max, limit(c->stats.pids_max, ret))
GETTER(file_descriptors, known(c->file_descriptors, 1, ret))
GETTER(start_time, known(c->start_time_ns, NS_PER_S, ret))
GETTER(last_seen, c->sampled_wall_ns ? (*ret = (double)c->sampled_wall_ns / NS_PER_S, true) : false)

/* The families, in groups, written in cAdvisor's order (see write_cgroup_families). */
static const struct simple_family cpu_families[] = {
	{"container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.",
	 EXPO_COUNTER, cpu_user},
	{"container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.",
	 EXPO_COUNTER, cpu_system},
	{"container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
	 EXPO_COUNTER, cfs_periods},
	{"container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
	 EXPO_COUNTER, cfs_throttled_periods},
	{"container_cpu_cfs_throttled_seconds_total",
	 "Total time duration the container has been throttled.", EXPO_COUNTER,
	 cfs_throttled_seconds},
};

static const struct simple_family memory_families[] = {
	{"container_memory_usage_bytes",
	 "Current memory usage in bytes, including all memory regardless of when it was accessed",
	 EXPO_GAUGE, mem_usage},
	{"container_memory_working_set_bytes", "Current working set in bytes.", EXPO_GAUGE,
	 mem_working_set},
	{"container_memory_rss", "Size of RSS in bytes.", EXPO_GAUGE, mem_rss},
	{"container_memory_cache", "Number of bytes of page cache memory.", EXPO_GAUGE, mem_cache},
	{"container_memory_swap", "Container swap usage in bytes.", EXPO_GAUGE, mem_swap},
	{"container_memory_mapped_file", "Size of memory mapped files in bytes.", EXPO_GAUGE,
	 mem_mapped},
	{"container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes", EXPO_GAUGE,
	 mem_max_usage},
	/* cAdvisor types this a counter without the _total a counter needs (promtool and
	 * OpenMetrics refuse that): the name is kept for dashboards, the type is left open. */
	{"container_memory_failcnt", "Number of memory usage hits limits", EXPO_UNTYPED,
	 mem_failcnt},
};

static const struct simple_family memory_event_families[] = {
	{"container_oom_events_total", "Count of out of memory events observed for the container",
	 EXPO_COUNTER, oom_events},
};

static const struct simple_family spec_families[] = {
	{"container_spec_memory_limit_bytes", "Memory limit for the container.", EXPO_GAUGE,
	 spec_mem_limit},
	{"container_spec_memory_swap_limit_bytes", "Memory swap limit for the container.",
	 EXPO_GAUGE, spec_swap_limit},
	{"container_spec_memory_reservation_limit_bytes",
	 "Memory reservation limit for the container.", EXPO_GAUGE, spec_mem_reservation},
	{"container_spec_cpu_period", "CPU period of the container.", EXPO_GAUGE, spec_cpu_period},
	{"container_spec_cpu_quota", "CPU quota of the container.", EXPO_GAUGE, spec_cpu_quota},
	{"container_spec_cpu_shares", "CPU share of the container.", EXPO_GAUGE, spec_cpu_shares},
};

static const struct simple_family task_families[] = {
	{"container_processes", "Number of processes running inside the container.", EXPO_GAUGE,
	 processes},
	{"container_threads", "Number of threads running inside the container", EXPO_GAUGE,
	 threads},
	{"container_threads_max",
	 "Maximum number of threads allowed inside the container, infinity if value is zero",
	 EXPO_GAUGE, threads_max},
	{"container_file_descriptors", "Number of open file descriptors for the container.",
	 EXPO_GAUGE, file_descriptors},
};

static const struct simple_family lifetime_families[] = {
	{"container_start_time_seconds", "Start time of the container since unix epoch in seconds.",
	 EXPO_GAUGE, start_time},
	{"container_last_seen", "Last time a container was seen by the exporter", EXPO_GAUGE,
	 last_seen},
};

static void write_simple(struct collector_scrape *sc, const struct simple_family *f)
{
	struct expo_writer *w = collector_scrape_writer(sc);
	expo_family(w, f->name, f->help, f->type);
	struct family_ctx x = {.unlimited_bytes = unlimited_bytes(collector_scrape_layout(sc))};
	size_t n = collector_scrape_count(sc);
	for (size_t i = 0; i < n; i++) {
		double v;
		x.c = collector_scrape_container(sc, i);
		if (f->get(&x, &v))
			expo_sample(w, collector_scrape_labels(sc, i), NULL, 0, v);
	}
}

static void write_group(struct collector_scrape *sc, const struct simple_family *fams, size_t n)
{
	for (size_t f = 0; f < n; f++)
		write_simple(sc, &fams[f]);
}
#define WRITE_GROUP(sc, fams) write_group((sc), (fams), ARRAY_SIZE(fams))

static void write_cpu_usage(struct collector_scrape *sc)
{
	struct expo_writer *w = collector_scrape_writer(sc);
	static const struct expo_label total = {"cpu", "total"};
	expo_family(w, "container_cpu_usage_seconds_total",
		    "Cumulative cpu time consumed in seconds.", EXPO_COUNTER);
	for (size_t i = 0; i < collector_scrape_count(sc); i++) {
		const struct sampler_container *c = collector_scrape_container(sc, i);
		double v;
		if (known(c->stats.cpu_usage_ns, NS_PER_S, &v))
			expo_sample(w, collector_scrape_labels(sc, i), &total, 1, v);
	}
}

static void write_failures(struct collector_scrape *sc)
{
	struct expo_writer *w = collector_scrape_writer(sc);
	expo_family(w, "container_memory_failures_total",
		    "Cumulative count of memory allocation failures.", EXPO_COUNTER);
	/* The kernel's fault counters are hierarchical (total_* on v1, every v2 counter);
	 * cAdvisor's container scope shows the same number for a leaf cgroup. */
	static const struct expo_label labels[4][2] = {
		{{"failure_type", "pgfault"}, {"scope", "container"}},
		{{"failure_type", "pgmajfault"}, {"scope", "container"}},
		{{"failure_type", "pgfault"}, {"scope", "hierarchy"}},
		{{"failure_type", "pgmajfault"}, {"scope", "hierarchy"}},
	};
	for (size_t i = 0; i < collector_scrape_count(sc); i++) {
		const struct sampler_container *c = collector_scrape_container(sc, i);
		const struct expo_labelset *ls = collector_scrape_labels(sc, i);
		uint64_t vals[2] = {c->stats.memory_pgfault, c->stats.memory_pgmajfault};
		for (int k = 0; k < 4; k++)
			if (hutch_known(vals[k % 2]))
				expo_sample(w, ls, labels[k], 2, (double)vals[k % 2]);
	}
}

static void write_fs(struct collector_scrape *sc)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{"container_fs_reads_bytes_total", "Cumulative count of bytes read",
		 offsetof(struct cgroup_blkio_device, read_bytes)},
		{"container_fs_writes_bytes_total", "Cumulative count of bytes written",
		 offsetof(struct cgroup_blkio_device, write_bytes)},
		{"container_fs_reads_total", "Cumulative count of reads completed",
		 offsetof(struct cgroup_blkio_device, read_ios)},
		{"container_fs_writes_total", "Cumulative count of writes completed",
		 offsetof(struct cgroup_blkio_device, write_ios)},
	};
	struct expo_writer *w = collector_scrape_writer(sc);
	struct sampler *s = collector_scrape_sampler(sc);
	for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
		expo_family(w, fams[f].name, fams[f].help, EXPO_COUNTER);
		for (size_t i = 0; i < collector_scrape_count(sc); i++) {
			const struct sampler_container *c = collector_scrape_container(sc, i);
			for (size_t d = 0; d < c->stats.n_blkio; d++) {
				const struct cgroup_blkio_device *dev = &c->stats.blkio[d];
				uint64_t v = *(const uint64_t *)((const char *)dev + fams[f].off);
				if (!hutch_known(v))
					continue;
				struct expo_label l = {
					"device", sampler_device_name(s, dev->major, dev->minor)};
				expo_sample(w, collector_scrape_labels(sc, i), &l, 1, (double)v);
			}
		}
	}
}

static void write_network(struct collector_scrape *sc)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{"container_network_receive_bytes_total", "Cumulative count of bytes received",
		 offsetof(struct procfs_net_dev, rx_bytes)},
		{"container_network_receive_packets_total", "Cumulative count of packets received",
		 offsetof(struct procfs_net_dev, rx_packets)},
		{"container_network_receive_errors_total",
		 "Cumulative count of errors encountered while receiving",
		 offsetof(struct procfs_net_dev, rx_errors)},
		{"container_network_receive_packets_dropped_total",
		 "Cumulative count of packets dropped while receiving",
		 offsetof(struct procfs_net_dev, rx_dropped)},
		{"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
		 offsetof(struct procfs_net_dev, tx_bytes)},
		{"container_network_transmit_packets_total",
		 "Cumulative count of packets transmitted",
		 offsetof(struct procfs_net_dev, tx_packets)},
		{"container_network_transmit_errors_total",
		 "Cumulative count of errors encountered while transmitting",
		 offsetof(struct procfs_net_dev, tx_errors)},
		{"container_network_transmit_packets_dropped_total",
		 "Cumulative count of packets dropped while transmitting",
		 offsetof(struct procfs_net_dev, tx_dropped)},
	};
	struct expo_writer *w = collector_scrape_writer(sc);
	for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
		expo_family(w, fams[f].name, fams[f].help, EXPO_COUNTER);
		for (size_t i = 0; i < collector_scrape_count(sc); i++) {
			const struct sampler_container *c = collector_scrape_container(sc, i);
			for (size_t d = 0; d < c->n_netdevs; d++) {
				const struct procfs_net_dev *nd = &c->netdevs[d];
				uint64_t v = *(const uint64_t *)((const char *)nd + fams[f].off);
				struct expo_label l = {"interface", nd->name};
				expo_sample(w, collector_scrape_labels(sc, i), &l, 1, (double)v);
			}
		}
	}
}

#define PSI(res) offsetof(struct cgroup_stats, psi_##res)

static void write_pressure(struct collector_scrape *sc)
{
	static const struct {
		const char *name, *help;
		size_t psi; /* offset of the resource's struct cgroup_psi in the stats */
		bool full;  /* stalled = "full", waiting = "some" */
	} fams[] = {
		{"container_pressure_cpu_waiting_seconds_total",
		 "Total time duration tasks in the container have waited due to CPU congestion.",
		 PSI(cpu), false},
		{"container_pressure_cpu_stalled_seconds_total",
		 "Total time duration no tasks in the container could make progress due to CPU "
		 "congestion.",
		 PSI(cpu), true},
		{"container_pressure_memory_waiting_seconds_total",
		 "Total time duration tasks in the container have waited due to memory congestion.",
		 PSI(memory), false},
		{"container_pressure_memory_stalled_seconds_total",
		 "Total time duration no tasks in the container could make progress due to memory "
		 "congestion.",
		 PSI(memory), true},
		{"container_pressure_io_waiting_seconds_total",
		 "Total time duration tasks in the container have waited due to IO congestion.",
		 PSI(io), false},
		{"container_pressure_io_stalled_seconds_total",
		 "Total time duration no tasks in the container could make progress due to IO "
		 "congestion.",
		 PSI(io), true},
	};
	struct expo_writer *w = collector_scrape_writer(sc);
	for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
		expo_family(w, fams[f].name, fams[f].help, EXPO_COUNTER);
		for (size_t i = 0; i < collector_scrape_count(sc); i++) {
			const struct sampler_container *c = collector_scrape_container(sc, i);
			if (!c->stats.has_psi)
				continue;
			const struct cgroup_psi *p =
				(const struct cgroup_psi *)((const char *)&c->stats + fams[f].psi);
			uint64_t us = fams[f].full ? p->full_total_us : p->some_total_us;
			if (hutch_known(us))
				expo_sample(w, collector_scrape_labels(sc, i), NULL, 0,
					    (double)us / 1e6);
		}
	}
}

static void write_cgroup_families(struct collector_scrape *sc, void *userdata)
{
	write_cpu_usage(sc);
	WRITE_GROUP(sc, cpu_families);
	WRITE_GROUP(sc, memory_families);
	write_failures(sc);
	WRITE_GROUP(sc, memory_event_families);
	WRITE_GROUP(sc, spec_families);
	WRITE_GROUP(sc, task_families);
	WRITE_GROUP(sc, lifetime_families);
	write_fs(sc);
	write_network(sc);
	write_pressure(sc);
}

const struct collector_source collector_cgroup_source = {
	.name = "cgroup",
	.prepare = NULL,
	.write = write_cgroup_families,
	.userdata = NULL,
};
