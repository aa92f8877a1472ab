/* SPDX-License-Identifier: MIT */
/*
 * proc/stat: "cpu" and "cpuN" lines for the visible CPUs (renumbered from 0)
 * from the container's own CPU time, and the container's own procs_running
 * and procs_blocked. Each visible CPU's idle time is the time
 * since the container's init started minus what the container used (the
 * host CPU's clock when the start is unknown), so top's percentages are the
 * container's share of its CPUs in its first frame (averages since start)
 * as in later ones (deltas), as proc/uptime's idle says. The other lines are
 * the host's, `processes` too, as lxcfs shows it: a fork counter that never
 * goes backwards, which the kernel keeps for no cgroup (the highest pid
 * alive in the container, shown before, fell when that process exited, and
 * vmstat's forks per second went negative).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsd.h"
#include "hutch/procfs.h"

static uint64_t line_total(const struct procfs_cpu_line *l)
{
	uint64_t t = 0;
	/* guest time is already counted in user time */
	for (int i = 0; i < PROCFS_CPU_GUEST; i++)
		if (hutch_known(l->ticks[i]))
			t += l->ticks[i];
	return t;
}

static void print_cpu(struct fsd_buf *out, const char *name, const uint64_t *t)
{
	fsd_buf_append(out, name, strlen(name));
	for (int i = 0; i < PROCFS_CPU_TIME_COUNT; i++) {
		fsd_buf_append(out, " ", 1);
		fsd_buf_u64(out, t[i], 0);
	}
	fsd_buf_append(out, "\n", 1);
}

static const struct procfs_cpu_line *host_cpu(const struct procfs_stat *hs, unsigned cpu)
{
	for (size_t i = 0; i < hs->n_cpus; i++)
		if (hs->cpus[i].cpu == (int)cpu)
			return &hs->cpus[i];
	return NULL;
}

/* Replaces the value of a "key N" line of the host's tail when the container's is known. */
static bool replace_counter(const char *line, size_t n, const char *key, uint64_t value,
			    struct fsd_buf *out)
{
	size_t kl = strlen(key);
	if (!hutch_known(value) || n <= kl || memcmp(line, key, kl) != 0 || line[kl] != ' ')
		return false;
	fsd_buf_printf(out, "%s %llu\n", key, (unsigned long long)value);
	return true;
}

int fsd_render_stat(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out)
{
	struct procfs_stat hs = {0};
	int r = procfs_parse_stat(host, len, &hs);
	if (r < 0)
		return r;
	const struct cgroup_stats *st = v->st;
	unsigned n_vis = hutch_cpuset_count(&v->visible);
	uint64_t ns_per_tick = 1000000000ull / (v->user_hz ? v->user_hz : 100);
	bool have_usage = hutch_known(st->cpu_usage_ns) && n_vis > 0;
	/* Per-CPU usage maps onto the visible CPUs only when the quota did not cut the set. */
	bool per_cpu = have_usage && st->n_percpu > 0 && !v->cpus_cut;
	double user_frac = 1.0;
	if (hutch_known(st->cpu_user_ns) && hutch_known(st->cpu_system_ns) &&
	    st->cpu_user_ns + st->cpu_system_ns > 0)
		user_frac = (double)st->cpu_user_ns / (double)(st->cpu_user_ns + st->cpu_system_ns);
	uint64_t host_avg = hs.n_cpus ? line_total(&hs.total) / hs.n_cpus : line_total(&hs.total);
	bool since_start = v->init_start_s >= 0 && v->now_s >= v->init_start_s;
	uint64_t age_ticks =
		since_start
			? (uint64_t)((v->now_s - v->init_start_s) * (v->user_hz ? v->user_hz : 100))
			: 0;

	size_t cap = n_vis ? n_vis : 1;
	uint64_t(*lines)[PROCFS_CPU_TIME_COUNT] = calloc(cap, sizeof(*lines));
	if (!lines) {
		procfs_stat_free(&hs);
		return -ENOMEM;
	}
	uint64_t sum[PROCFS_CPU_TIME_COUNT] = {0};
	unsigned idx = 0;
	for (unsigned c = 0; c < HUTCH_MAX_CPUS && idx < n_vis; c++) {
		if (!hutch_cpuset_has(&v->visible, c))
			continue;
		const struct procfs_cpu_line *h = host_cpu(&hs, c);
		uint64_t *t = lines[idx];
		if (have_usage) {
			uint64_t used_ns = per_cpu ? (c < st->n_percpu ? st->percpu_usage_ns[c] : 0)
						   : st->cpu_usage_ns / n_vis;
			uint64_t used = used_ns / ns_per_tick;
			uint64_t clock = since_start ? age_ticks : h ? line_total(h) : host_avg;
			if (since_start && v->idle_offset && idx < v->n_cpu_floor) {
				uint64_t *off = &v->idle_offset[idx];
				if (used > clock + *off)
					*off = used - clock;
				clock += *off;
			}
			t[PROCFS_CPU_USER] = (uint64_t)((double)used * user_frac);
			t[PROCFS_CPU_SYSTEM] = used - t[PROCFS_CPU_USER];
			t[PROCFS_CPU_IDLE] = clock > used ? clock - used : 0;
		} else if (h) {
			for (int i = 0; i < PROCFS_CPU_TIME_COUNT; i++)
				t[i] = hutch_known(h->ticks[i]) ? h->ticks[i] : 0;
		}
		if (v->cpu_floor && idx < v->n_cpu_floor) {
			uint64_t *f = v->cpu_floor + (size_t)idx * PROCFS_CPU_TIME_COUNT;
			for (int i = 0; i < PROCFS_CPU_TIME_COUNT; i++) {
				if (t[i] < f[i])
					t[i] = f[i];
				f[i] = t[i];
			}
		}
		for (int i = 0; i < PROCFS_CPU_TIME_COUNT; i++)
			sum[i] += t[i];
		idx++;
	}
	print_cpu(out, "cpu ", sum);
	for (unsigned i = 0; i < idx; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu%u", i);
		print_cpu(out, name, lines[i]);
	}
	free(lines);

	/* Every other line (intr, ctxt, btime, softirq, ...) as the host has it. */
	size_t pos = 0;
	for (struct span sp; procfs_next_line(host, len, &pos, &sp);) {
		const char *line = sp.p;
		size_t n = sp.n;
		if (n >= 3 && memcmp(line, "cpu", 3) == 0)
			continue;
		if (replace_counter(line, n, "procs_running",
				    v->has_tasks ? v->tasks_running : HUTCH_UNKNOWN, out) ||
		    replace_counter(line, n, "procs_blocked",
				    v->has_tasks ? v->tasks_blocked : HUTCH_UNKNOWN, out))
			continue;
		fsd_buf_append(out, line, n);
		fsd_buf_append(out, "\n", 1);
	}
	procfs_stat_free(&hs);
	return out->err;
}
