/* SPDX-License-Identifier: MIT */
/* /proc/uptime ("350735.47 234388.90") and /proc/loadavg ("0.25 0.31 0.29 2/1234 56789"). */
#include <errno.h>

#include "procfs_internal.h"

/* The single line of these files, trailing blanks and newline removed; nothing may follow it. */
static int only_line(const char *buf, size_t len, struct span *ret)
{
	size_t pos = 0;
	struct span line, next;
	if (!buf || !procfs_next_line(buf, len, &pos, &line))
		return -EINVAL;
	while (procfs_next_line(buf, len, &pos, &next))
		if (procfs_trim(next).n)
			return -EINVAL;
	*ret = procfs_trim(line);
	return 0;
}

int procfs_parse_uptime(const char *buf, size_t len, struct procfs_uptime *ret)
{
	struct span line, a, b, extra;
	struct procfs_uptime u;
	if (only_line(buf, len, &line) < 0 || !procfs_next_field(&line, &a) ||
	    !procfs_next_field(&line, &b) || procfs_next_field(&line, &extra) ||
	    procfs_span_double(a, &u.uptime_s) < 0 || procfs_span_double(b, &u.idle_s) < 0)
		return -EINVAL;
	*ret = u;
	return 0;
}

int procfs_parse_loadavg(const char *buf, size_t len, struct procfs_loadavg *ret)
{
	struct span line, f[5], extra, running;
	struct procfs_loadavg l;
	if (only_line(buf, len, &line) < 0)
		return -EINVAL;
	for (size_t i = 0; i < 5; i++)
		if (!procfs_next_field(&line, &f[i]))
			return -EINVAL;
	if (procfs_next_field(&line, &extra))
		return -EINVAL;
	if (procfs_span_double(f[0], &l.load1) < 0 || procfs_span_double(f[1], &l.load5) < 0 ||
	    procfs_span_double(f[2], &l.load15) < 0)
		return -EINVAL;
	if (!procfs_split_at(&f[3], '/', &running) || procfs_span_u64(running, &l.running) < 0 ||
	    procfs_span_u64(f[3], &l.total) < 0 || procfs_span_i64(f[4], &l.last_pid) < 0)
		return -EINVAL;
	*ret = l;
	return 0;
}
