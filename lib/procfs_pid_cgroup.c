/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/cgroup: one "hierarchy-id:controller-list:path" line per
 * hierarchy; "0::/path" is the cgroup2 one. The path is everything after the
 * second colon (it may hold colons itself).
 */
#include <errno.h>
#include <string.h>

#include "procfs_internal.h"

#define MAX_ENTRIES \
	(sizeof(((struct procfs_pid_cgroup *)0)->entries) / sizeof(struct procfs_cgroup_entry))

/* One pass over the text; fills out when it is not NULL. Returns the entry count. */
static int scan(const char *buf, size_t len, struct procfs_pid_cgroup *out)
{
	size_t n = 0, pos = 0;
	struct span line;
	while (procfs_next_line(buf, len, &pos, &line)) {
		if (line.n == 0)
			continue;
		if (n == MAX_ENTRIES)
			return -E2BIG;
		struct span id, ctrl;
		int hid;
		if (!procfs_split_at(&line, ':', &id) || !procfs_split_at(&line, ':', &ctrl) ||
		    procfs_span_int(id, &hid) < 0 || hid < 0 || line.n == 0 || line.p[0] != '/')
			return -EINVAL;
		struct procfs_cgroup_entry *e = out ? &out->entries[n] : NULL;
		if (ctrl.n >= sizeof(e->controllers) || line.n >= sizeof(e->path))
			return -EINVAL;
		if (memchr(ctrl.p, '\0', ctrl.n) || memchr(line.p, '\0', line.n))
			return -EINVAL;
		if (e) {
			e->hierarchy_id = hid;
			procfs_span_copy(ctrl, e->controllers, sizeof(e->controllers));
			procfs_span_copy(line, e->path, sizeof(e->path));
		}
		n++;
	}
	if (n == 0)
		return -EINVAL;
	if (out)
		out->n_entries = n;
	return (int)n;
}

int procfs_parse_pid_cgroup(const char *buf, size_t len, struct procfs_pid_cgroup *ret)
{
	if (!buf && len)
		return -EINVAL;
	/* Validate first so ret is only written on success (it is ~66 KiB, no copy). */
	int r = scan(buf, len, NULL);
	if (r < 0)
		return r;
	scan(buf, len, ret);
	return 0;
}
