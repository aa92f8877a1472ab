/* SPDX-License-Identifier: MIT */
/*
 * The cgroup layer's reads of the host's own /proc: the layout from
 * /proc/self/mountinfo and a process's cgroups from /proc/PID/cgroup. Kept
 * apart from the pure layout and handle code so that code links (and is
 * tested) without the /proc parsers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgroup_internal.h"
#include "hutch/procfs_read.h"

static struct cgroup_layout *host_layout;
static int host_layout_error;
static pthread_once_t host_layout_once = PTHREAD_ONCE_INIT;

static void detect_once(void)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hutch_read_file("/proc/self/mountinfo", 0, &buf, &len);
	if (r < 0) {
		host_layout_error = r;
		return;
	}
	struct procfs_mountinfo mi = {0};
	r = procfs_parse_mountinfo(buf, len, &mi);
	if (r < 0) {
		host_layout_error = r;
		return;
	}
	r = cgroup_layout_from_mountinfo(&mi, "", &host_layout);
	procfs_mountinfo_free(&mi);
	if (r < 0)
		host_layout_error = r;
}

int cgroup_layout_detect(const struct cgroup_layout **ret)
{
	pthread_once(&host_layout_once, detect_once);
	if (!host_layout)
		return host_layout_error ? host_layout_error : -EIO;
	*ret = host_layout;
	return 0;
}

int cgroup_open_pid(const struct cgroup_layout *layout, pid_t pid, struct cgroup **ret)
{
	/* procfs_read_pid_cgroup_text reads pid 0 as the caller. */
	if (pid <= 0)
		return -ESRCH;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = procfs_read_pid_cgroup_text(pid, &buf, &len);
	if (r < 0)
		return r;
	struct procfs_pid_cgroup *pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	r = procfs_parse_pid_cgroup(buf, len, pc);
	if (r >= 0)
		r = cgroup_open_from_pid_cgroup(layout, pc, ret);
	free(pc);
	return r;
}
