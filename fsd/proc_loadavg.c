/* SPDX-License-Identifier: MIT */
/*
 * proc/loadavg: the container's own load (its runnable and uninterruptible
 * tasks, decayed every 5 s like the kernel's averages, kept by the sampler in
 * fsd/state.c), its running/total task counts and its last pid (the highest
 * pid in its pid namespace).
 */
#include <errno.h>

#include "fsd.h"
#include "hutch/procfs.h"

int fsd_render_loadavg(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out)
{
	struct procfs_loadavg la;
	int r = procfs_parse_loadavg(host, len, &la);
	if (r < 0)
		return r;
	if (!v->has_tasks) {
		fsd_buf_append(out, host, len);
		return out->err;
	}
	uint64_t running = hutch_known(v->tasks_running) ? v->tasks_running : 0;
	uint64_t total = hutch_known(v->tasks_total) ? v->tasks_total : 0;
	uint64_t last = hutch_known(v->last_pid) ? v->last_pid : 0;
	fsd_buf_printf(out, "%.2f %.2f %.2f %llu/%llu %llu\n", v->load1, v->load5, v->load15,
		       (unsigned long long)running, (unsigned long long)total,
		       (unsigned long long)last);
	return out->err;
}
