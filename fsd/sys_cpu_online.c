/* SPDX-License-Identifier: MIT */
/* sys/devices/system/cpu/online: the visible CPUs, numbered from 0 as cpuinfo and stat number them. */
#include <errno.h>

#include "fsd.h"

int fsd_render_cpu_online(const struct fsd_view *v, struct fsd_buf *out)
{
	unsigned n = hutch_cpuset_count(&v->visible);
	if (n == 0)
		return -EINVAL;
	if (n == 1)
		fsd_buf_printf(out, "0\n");
	else
		fsd_buf_printf(out, "0-%u\n", n - 1);
	return out->err;
}
