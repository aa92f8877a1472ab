/* SPDX-License-Identifier: MIT */
/* proc/pressure/{cpu,memory,io}: the cgroup's own pressure stall information (ENOENT when it has none). */
#include <errno.h>

#include "fsd.h"

int fsd_render_pressure(enum fsd_file file, const struct fsd_view *v, struct fsd_buf *out)
{
	const struct cgroup_stats *st = v->st;
	const struct cgroup_psi *p = file == FSD_PSI_CPU      ? &st->psi_cpu
				     : file == FSD_PSI_MEMORY ? &st->psi_memory
				     : file == FSD_PSI_IO     ? &st->psi_io
							      : NULL;
	if (!p)
		return -EINVAL;
	/* A container with no unified cgroup of its own (a runtime that made v1 ones only)
	 * has no pressure of its own: the root's is the host's, not the container's. */
	if (v->psi_is_host || !st->has_psi || !hutch_known(p->some_total_us))
		return -ENOENT;
	fsd_buf_printf(out, "some avg10=%.2f avg60=%.2f avg300=%.2f total=%llu\n", p->some_avg10,
		       p->some_avg60, p->some_avg300, (unsigned long long)p->some_total_us);
	if (hutch_known(p->full_total_us))
		fsd_buf_printf(out, "full avg10=%.2f avg60=%.2f avg300=%.2f total=%llu\n",
			       p->full_avg10, p->full_avg60, p->full_avg300,
			       (unsigned long long)p->full_total_us);
	return out->err;
}
