/* SPDX-License-Identifier: MIT */
/*
 * /proc/stat: the "cpu" and "cpuN" time lines (offline CPUs have none; old
 * kernels have fewer columns: steal came in 2.6.11, guest in 2.6.24,
 * guest_nice in 2.6.33), then intr, ctxt, btime, processes, procs_*, softirq.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"

/* user nice system idle: every kernel since 2.5 has at least these. */
#define MIN_CPU_COLUMNS 4

static int parse_cpu_line(struct span rest, int cpu, struct procfs_cpu_line *ret)
{
	struct procfs_cpu_line l = {.cpu = cpu};
	size_t n = 0;
	struct span f;
	while (procfs_next_field(&rest, &f)) {
		uint64_t v;
		if (procfs_span_u64(f, &v) < 0)
			return -EINVAL;
		/* Columns a future kernel adds are ignored. */
		if (n < PROCFS_CPU_TIME_COUNT)
			l.ticks[n] = v;
		n++;
	}
	if (n < MIN_CPU_COLUMNS)
		return -EINVAL;
	for (size_t i = n; i < PROCFS_CPU_TIME_COUNT; i++)
		l.ticks[i] = HUTCH_UNKNOWN;
	*ret = l;
	return 0;
}

static int parse_single(struct span rest, uint64_t *ret)
{
	struct span f, extra;
	uint64_t v;
	if (!procfs_next_field(&rest, &f) || procfs_span_u64(f, &v) < 0 ||
	    procfs_next_field(&rest, &extra))
		return -EINVAL;
	*ret = v;
	return 0;
}

int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *ret)
{
	if (!buf && len)
		return -EINVAL;
	struct procfs_stat st = {
		.ctxt = HUTCH_UNKNOWN,
		.btime_s = HUTCH_UNKNOWN,
		.processes = HUTCH_UNKNOWN,
		.procs_running = HUTCH_UNKNOWN,
		.procs_blocked = HUTCH_UNKNOWN,
		.tail_offset = len,
	};
	bool have_total = false, have_tail = false;
	size_t cap = 0, pos = 0;
	struct span line;
	int r = 0;
	while (r == 0) {
		size_t line_start = pos;
		if (!procfs_next_line(buf, len, &pos, &line))
			break;
		struct span rest = line, key;
		if (!procfs_next_field(&rest, &key))
			continue;
		if (procfs_span_eq(key, "cpu")) {
			if (have_total) {
				r = -EINVAL;
				break;
			}
			r = parse_cpu_line(rest, -1, &st.total);
			have_total = true;
		} else if (procfs_span_starts(key, "cpu")) {
			int cpu;
			struct span num = {key.p + 3, key.n - 3};
			if (procfs_span_int(num, &cpu) < 0 || cpu < 0) {
				r = -EINVAL;
				break;
			}
			if ((r = HUTCH_GROW(st.cpus, st.n_cpus, cap, 16)) < 0)
				break;
			r = parse_cpu_line(rest, cpu, &st.cpus[st.n_cpus]);
			if (r == 0)
				st.n_cpus++;
		} else {
			if (!have_tail && procfs_span_eq(key, "intr")) {
				st.tail_offset = line_start;
				have_tail = true;
			}
			/* Lines hutch does not use (intr, softirq, page/swap on 2.4) may hold anything. */
			if (procfs_span_eq(key, "ctxt"))
				r = parse_single(rest, &st.ctxt);
			else if (procfs_span_eq(key, "btime"))
				r = parse_single(rest, &st.btime_s);
			else if (procfs_span_eq(key, "processes"))
				r = parse_single(rest, &st.processes);
			else if (procfs_span_eq(key, "procs_running"))
				r = parse_single(rest, &st.procs_running);
			else if (procfs_span_eq(key, "procs_blocked"))
				r = parse_single(rest, &st.procs_blocked);
		}
	}
	if (r == 0 && !have_total)
		r = -EINVAL;
	if (r < 0) {
		free(st.cpus);
		return r;
	}
	*ret = st;
	return 0;
}

void procfs_stat_free(struct procfs_stat *st)
{
	if (!st)
		return;
	free(st->cpus);
	st->cpus = NULL;
	st->n_cpus = 0;
}
