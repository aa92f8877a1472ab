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

/* A walk below one directory, at most 16 levels deep. */
struct tree_walk {
	int depth;
	int sig;    /* kill_tree: the signal */
	int result; /* rmdir_tree: -errno of the first directory that stays */
};

/* Signals the processes of dir and of the cgroups below it. */
static int kill_tree(const char *dir, void *u)
{
	struct tree_walk *w = u;
	char path[4200];
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return 0;
	FILE *f = fopen(path, "re");
	if (f) {
		long pid;
		while (fscanf(f, "%ld", &pid) == 1)
			if (pid > 0)
				kill((pid_t)pid, w->sig);
		fclose(f);
	}
	_cleanup_closedir_ DIR *d = w->depth <= 16 ? opendir(dir) : NULL;
	if (d) {
		w->depth++;
		cgroup_for_each_child(d, dir, kill_tree, w);
		w->depth--;
	}
	return 0;
}

/* rmdir of dir's subdirectories, then of dir; the first -errno that stays in w->result. */
static int rmdir_tree(const char *dir, void *u)
{
	struct tree_walk *w = u;
	_cleanup_closedir_ DIR *d = w->depth < 16 ? opendir(dir) : NULL;
	if (d) {
		w->depth++;
		cgroup_for_each_child(d, dir, rmdir_tree, w);
		w->depth--;
	}
	if (rmdir(dir) < 0 && errno != ENOENT && !w->result)
		w->result = -errno;
	return 0;
}

static void kill_dirs(char dirs[][4200], size_t n, int sig)
{
	struct tree_walk w = {.sig = sig};
	for (size_t i = 0; sig && i < n; i++)
		kill_tree(dirs[i], &w);
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
	kill_dirs(dirs, n, kill_sig);
	int r = 0;
	/* A cgroup whose last process is still exiting is busy for a moment. */
	for (int tries = 0; tries < 200; tries++) {
		struct tree_walk w = {0};
		for (size_t i = 0; i < n; i++)
			rmdir_tree(dirs[i], &w);
		r = w.result;
		if (r != -EBUSY)
			break;
		kill_dirs(dirs, n, kill_sig);
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return r;
}
