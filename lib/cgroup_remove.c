// SPDX-License-Identifier: MIT
/*
 * Removal of a cgroup by its path alone, in every hierarchy where any of it
 * exists: for what a killed runtime left half made (the unified directory
 * but not the v1 ones, or some v1 ones only), where cgroup_open, which
 * needs the whole cgroup, cannot help.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup_internal.h"
#include "hutch/cgroup.h"

/* Signals the processes of dir and the cgroups below it; returns how many. */
static int kill_tree(const char *dir, int sig, int depth)
{
	char path[4200];
	int n = 0;
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return 0;
	FILE *f = fopen(path, "re");
	if (f) {
		long pid;
		while (fscanf(f, "%ld", &pid) == 1)
			if (pid > 0 && kill((pid_t)pid, sig) == 0)
				n++;
		fclose(f);
	}
	if (depth > 16)
		return n;
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		n += kill_tree(path, sig, depth + 1);
	}
	return n;
}

/* rmdir of dir's subdirectories, then of dir; -errno of the first that stays. */
static int rmdir_tree(const char *dir, int depth)
{
	char path[4200];
	int r = 0;
	_cleanup_closedir_ DIR *d = depth < 16 ? opendir(dir) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		int k = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path)
				? -ENAMETOOLONG
				: rmdir_tree(path, depth + 1);
		r = r ? r : k;
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return r ? r : -errno;
	return r;
}

int cgroup_remove_path(const struct cgroup_layout *layout, const char *path, int kill_sig,
		       bool *ret_found)
{
	char dirs[CGROUP_MAX_HIERARCHIES][4200];
	size_t n = 0;
	bool found = false;
	if (!layout || !path || path[0] != '/' || strstr(path, "/../") || strcmp(path, "/") == 0)
		return -EINVAL;
	for (size_t h = 0; h < layout->n_hierarchies; h++) {
		if (!cgroup_hierarchy_managed(layout, (int)h))
			continue;
		const struct cgroup_hierarchy *hi = &layout->hierarchies[h];
		const char *rel = path;
		size_t rl = strlen(hi->root);
		/* A hierarchy mounted from below its root (a cgroup namespace): paths are below it. */
		if (strcmp(hi->root, "/") != 0 && strncmp(path, hi->root, rl) == 0 &&
		    path[rl] == '/')
			rel = path + rl;
		snprintf(dirs[n], sizeof(dirs[n]), "%s%s", hi->mount_point, rel);
		struct stat sb;
		if (stat(dirs[n], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			found = true;
			n++;
		}
	}
	if (ret_found)
		*ret_found = found;
	for (size_t i = 0; kill_sig && i < n; i++)
		kill_tree(dirs[i], kill_sig, 0);
	int r = 0;
	/* A cgroup whose last process is still exiting is busy for a moment. */
	for (int tries = 0; tries < 200; tries++) {
		r = 0;
		for (size_t i = 0; i < n; i++) {
			int k = rmdir_tree(dirs[i], 0);
			r = r ? r : k;
		}
		if (r != -EBUSY)
			break;
		if (kill_sig)
			for (size_t i = 0; i < n; i++)
				kill_tree(dirs[i], kill_sig, 0);
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return r;
}
