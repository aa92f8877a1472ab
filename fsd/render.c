/* SPDX-License-Identifier: MIT */
/* What every renderer shares: the file table, the text buffer, the visible CPUs. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsd.h"

const struct fsd_file_info fsd_files[FSD_FILE_COUNT] = {
	[FSD_MEMINFO] = {"proc/meminfo", "/proc/meminfo"},
	[FSD_CPUINFO] = {"proc/cpuinfo", "/proc/cpuinfo"},
	[FSD_STAT] = {"proc/stat", "/proc/stat"},
	[FSD_UPTIME] = {"proc/uptime", "/proc/uptime"},
	[FSD_LOADAVG] = {"proc/loadavg", "/proc/loadavg"},
	[FSD_DISKSTATS] = {"proc/diskstats", "/proc/diskstats"},
	[FSD_SWAPS] = {"proc/swaps", "/proc/swaps"},
	[FSD_PSI_CPU] = {"proc/pressure/cpu", "/proc/pressure/cpu"},
	[FSD_PSI_MEMORY] = {"proc/pressure/memory", "/proc/pressure/memory"},
	[FSD_PSI_IO] = {"proc/pressure/io", "/proc/pressure/io"},
	[FSD_CPU_ONLINE] = {"sys/devices/system/cpu/online", "/sys/devices/system/cpu/online"},
	[FSD_SLABINFO] = {"proc/slabinfo", "/proc/slabinfo"},
};

static bool buf_reserve(struct fsd_buf *b, size_t extra)
{
	if (b->err)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d) {
		b->err = -ENOMEM;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void fsd_buf_append(struct fsd_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void fsd_buf_printf(struct fsd_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		fsd_buf_append(b, small, (size_t)n);
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void fsd_buf_u64(struct fsd_buf *b, uint64_t v, unsigned width)
{
	char digits[24], out[64];
	size_t n = 0, k = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (width > sizeof(out) - sizeof(digits))
		width = sizeof(out) - sizeof(digits);
	while (k + n < width)
		out[k++] = ' ';
	while (n)
		out[k++] = digits[--n];
	fsd_buf_append(b, out, k);
}

void fsd_buf_free(struct fsd_buf *b)
{
	free(b->data);
	*b = (struct fsd_buf){0};
}

void fsd_view_init(struct fsd_view *v, const struct cgroup_stats *st)
{
	*v = (struct fsd_view){
		.st = st,
		.user_hz = 100,
		.init_start_s = -1,
		.now_s = -1,
		.tasks_running = HUTCH_UNKNOWN,
		.tasks_blocked = HUTCH_UNKNOWN,
		.tasks_total = HUTCH_UNKNOWN,
		.last_pid = HUTCH_UNKNOWN,
	};
}

void fsd_visible_cpus(const struct cgroup_stats *st, const struct hutch_cpuset *host_online,
		      bool cfs, struct hutch_cpuset *ret, bool *ret_cut)
{
	struct hutch_cpuset set = *host_online, cs;
	const char *list =
		st->cpuset_effective_cpus[0] ? st->cpuset_effective_cpus : st->cpuset_cpus;
	if (list[0] && hutch_cpuset_parse(list, &cs) == 0) {
		struct hutch_cpuset both = {0};
		for (size_t i = 0; i < ARRAY_SIZE(both.bits); i++)
			both.bits[i] = cs.bits[i] & host_online->bits[i];
		/* A cpuset of only offline CPUs cannot run anything: show the host's. */
		if (hutch_cpuset_count(&both) > 0)
			set = both;
	}
	bool cut = false;
	uint64_t milli = st->cpu_effective_limit_millicpus;
	if (cfs && hutch_limited(milli)) {
		uint64_t want = (milli + 999) / 1000;
		if (want == 0)
			want = 1;
		if (want < hutch_cpuset_count(&set)) {
			struct hutch_cpuset kept = {0};
			uint64_t n = 0;
			for (unsigned c = 0; c < HUTCH_MAX_CPUS && n < want; c++)
				if (hutch_cpuset_has(&set, c)) {
					hutch_cpuset_add(&kept, c);
					n++;
				}
			set = kept;
			cut = true;
		}
	}
	*ret = set;
	if (ret_cut)
		*ret_cut = cut;
}

void fsd_swap(const struct cgroup_stats *st, uint64_t host_total_bytes, uint64_t *ret_total,
	      uint64_t *ret_used)
{
	uint64_t total = host_total_bytes, used = 0;
	if (!hutch_known(total))
		total = 0;
	if (hutch_limited(st->swap_limit_bytes) && st->swap_limit_bytes < total)
		total = st->swap_limit_bytes;
	if (hutch_known(st->swap_usage_bytes))
		used = st->swap_usage_bytes;
	if (used > total)
		used = total;
	*ret_total = total;
	*ret_used = used;
}

void fsd_load_update(struct fsd_load *l, uint64_t active_tasks, double interval_s)
{
	/* The kernel's fixed-point EXP_1/5/15 are exp(-5s/1min) and so on. */
	double n = (double)active_tasks;
	double e1 = exp(-interval_s / 60.0), e5 = exp(-interval_s / 300.0),
	       e15 = exp(-interval_s / 900.0);
	l->load1 = l->load1 * e1 + n * (1 - e1);
	l->load5 = l->load5 * e5 + n * (1 - e5);
	l->load15 = l->load15 * e15 + n * (1 - e15);
}

/* The renderers of the files made from the host's own. */
static int (*const host_renderers[FSD_FILE_COUNT])(const char *, size_t, const struct fsd_view *,
						   struct fsd_buf *) = {
	[FSD_MEMINFO] = fsd_render_meminfo, [FSD_CPUINFO] = fsd_render_cpuinfo,
	[FSD_STAT] = fsd_render_stat,	    [FSD_UPTIME] = fsd_render_uptime,
	[FSD_LOADAVG] = fsd_render_loadavg, [FSD_DISKSTATS] = fsd_render_diskstats,
	[FSD_SWAPS] = fsd_render_swaps,	    [FSD_SLABINFO] = fsd_render_slabinfo,
};

int fsd_render(enum fsd_file file, const char *host, size_t len, const struct fsd_view *v,
	       struct fsd_buf *out)
{
	if (file == FSD_PSI_CPU || file == FSD_PSI_MEMORY || file == FSD_PSI_IO)
		return fsd_render_pressure(file, v, out);
	if (file == FSD_CPU_ONLINE)
		return fsd_render_cpu_online(v, out);
	if ((unsigned)file >= FSD_FILE_COUNT || !host_renderers[file])
		return -EINVAL;
	return host_renderers[file](host, len, v, out);
}
