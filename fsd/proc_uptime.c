/* SPDX-License-Identifier: MIT */
/*
 * proc/uptime: the time since the container's init started, and as idle
 * time what its visible CPUs could have run in that time minus what the
 * container used.
 */
#include <errno.h>

#include "fsd.h"
#include "hutch/procfs.h"

int fsd_render_uptime(const char *host, size_t len, const struct fsd_view *v, struct fsd_buf *out)
{
	struct procfs_uptime up;
	int r = procfs_parse_uptime(host, len, &up);
	if (r < 0)
		return r;
	if (v->init_start_s < 0) {
		fsd_buf_append(out, host, len);
		return out->err;
	}
	double secs = up.uptime_s - v->init_start_s;
	if (secs < 0)
		secs = 0;
	double idle = secs * hutch_cpuset_count(&v->visible);
	if (hutch_known(v->st->cpu_usage_ns))
		idle -= (double)v->st->cpu_usage_ns / 1e9;
	if (idle < 0)
		idle = 0;
	fsd_buf_printf(out, "%.2f %.2f\n", secs, idle);
	return out->err;
}
