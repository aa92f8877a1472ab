// SPDX-License-Identifier: MIT
/*
 * Joining a cgroup from the inside. A move by pid (cgroup.procs) takes the
 * kernel's global threadgroup lock for writing, which waits for an RCU grace
 * period: milliseconds, on the critical path of every container start. A
 * single thread that moves itself through v1's tasks file needs no such lock;
 * the unified hierarchy has no per-thread move of a domain cgroup, so a new
 * process is put there at birth (clone3's CLONE_INTO_CGROUP, with the fd of
 * cgroup_open_unified) instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "cgroup_internal.h"

int cgroup_attach_self(struct cgroup *cg, bool skip_unified, struct hutch_error *err)
{
	if (!cg)
		return hutch_error_set(err, EINVAL, "attach to cgroup: invalid argument");
	for (size_t h = 0; h < cg->layout->n_hierarchies; h++) {
		if (!cgroup_hierarchy_managed(cg->layout, (int)h) || !cg->paths[h])
			continue;
		bool unified = cg->layout->hierarchies[h].unified;
		if (unified && skip_unified)
			continue;
		char dir[4096];
		int r = cgroup_hierarchy_dir(cg, (int)h, dir, sizeof(dir));
		if (r < 0)
			return hutch_error_setsys(err, -r, "attach to cgroup %s: directory in %s",
						  cg->name, cg->layout->hierarchies[h].mount_point);
		r = cgroup_write(dir, unified ? "cgroup.procs" : "tasks", "0", err);
		if (r < 0)
			return hutch_error_wrap(err, "attach to cgroup %s: %s", cg->name, dir);
	}
	return 0;
}

int cgroup_open_unified(const struct cgroup *cg, int *ret_fd)
{
	if (!cg || !ret_fd)
		return -EINVAL;
	char dir[4096];
	int r = cgroup_unified_dir(cg, dir, sizeof(dir));
	if (r < 0)
		return r;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}
