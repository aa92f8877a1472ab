/* SPDX-License-Identifier: MIT */
/* Creating cgroups, setting their limits, moving processes in, removing them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup_internal.h"

int cgroup_write(const char *dir, const char *file, const char *value, struct hutch_error *err)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return hutch_error_set(err, ENAMETOOLONG, "write %s: path too long", file);
	/* O_TRUNC means nothing to cgroupfs but keeps fixture trees (plain files) exact. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "write %s", file);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return hutch_error_setsys(err, errno, "write %s", file);
	if ((size_t)n != len)
		return hutch_error_set(err, EIO, "write %s: short write", file);
	return 0;
}

int cgroup_write_limit(const char *dir, const char *file, uint64_t v, const char *unlimited,
		       struct hutch_error *err)
{
	if (!hutch_known(v))
		return 0;
	char buf[32];
	return cgroup_write(dir, file, cgroup_limit_str(v, unlimited, buf, sizeof(buf)), err);
}

int cgroup_write_pid(const char *dir, pid_t pid, struct hutch_error *err)
{
	char v[32];
	snprintf(v, sizeof(v), "%d", (int)pid);
	return cgroup_write(dir, "cgroup.procs", v, err);
}

int cgroup_mkdir_tracked(const char *mnt, const char *dir, char **made, size_t max, size_t *n_made)
{
	size_t ml = strlen(mnt);
	if (strncmp(dir, mnt, ml) != 0)
		return -EINVAL;
	char path[4096];
	if (strlen(dir) >= sizeof(path))
		return -ENAMETOOLONG;
	strcpy(path, dir);
	for (size_t i = ml + 1; i <= strlen(dir); i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0755) == 0) {
			if (*n_made >= max) {
				rmdir(path);
				return -E2BIG;
			}
			made[*n_made] = strdup(path);
			if (!made[*n_made]) {
				rmdir(path);
				return -ENOMEM;
			}
			(*n_made)++;
		} else if (errno != EEXIST) {
			return -errno;
		}
		path[i] = saved;
	}
	return 0;
}

void cgroup_rmdir_made(char **made, size_t n_made)
{
	for (size_t i = n_made; i > 0; i--) {
		rmdir(made[i - 1]);
		free(made[i - 1]);
		made[i - 1] = NULL;
	}
}

int cgroup_create_unified_first(const struct cgroup_layout *layout, const char *path,
				struct cgroup **ret, struct hutch_error *err)
{
	struct cgroup *cg = NULL;
	int r = cgroup_new_for_create(layout, path, &cg, err);
	if (r < 0)
		return r;
	int h = layout->unified;
	char dir[4096];
	if (h >= 0 && cg->paths[h] && cgroup_hierarchy_dir(cg, h, dir, sizeof(dir)) == 0) {
		char *made[64] = {0};
		size_t n_made = 0;
		r = cgroup_mkdir_tracked(layout->hierarchies[h].mount_point, dir, made,
					 ARRAY_SIZE(made), &n_made);
		for (size_t i = 0; i < n_made; i++)
			free(made[i]);
		if (r < 0) {
			cgroup_close(cg);
			return hutch_error_setsys(err, -r, "create cgroup %s: mkdir %s", path, dir);
		}
	}
	*ret = cg;
	return 0;
}

int cgroup_create_rest(struct cgroup *cg, struct hutch_error *err)
{
	if (!cg)
		return hutch_error_set(err, EINVAL, "create cgroup: invalid argument");
	int r = cg->layout->ops->create(cg, err);
	if (r < 0)
		return hutch_error_wrap(err, "create cgroup %s", cg->name);
	return 0;
}

int cgroup_create(const struct cgroup_layout *layout, const char *path, struct cgroup **ret,
		  struct hutch_error *err)
{
	_cleanup_cgroup_ struct cgroup *cg = NULL;
	int r = cgroup_new_for_create(layout, path, &cg, err);
	if (r < 0)
		return r;
	r = layout->ops->create(cg, err);
	if (r < 0)
		return hutch_error_wrap(err, "create cgroup %s", path);
	*ret = TAKE_PTR(cg);
	return 0;
}

int cgroup_set_limits(struct cgroup *cg, const struct cgroup_limits *lim, struct hutch_error *err)
{
	if (!cg || !lim)
		return hutch_error_set(err, EINVAL, "set cgroup limits: invalid argument");
	int r = cg->layout->ops->set_limits(cg, lim, err);
	if (r < 0)
		return hutch_error_wrap(err, "set limits of cgroup %s", cg->name);
	return 0;
}

int cgroup_attach(struct cgroup *cg, pid_t pid, struct hutch_error *err)
{
	if (!cg || pid <= 0)
		return hutch_error_set(err, EINVAL, "attach to cgroup: invalid argument");
	int r = cg->layout->ops->attach(cg, pid, err);
	if (r < 0)
		return hutch_error_wrap(err, "attach pid %d to cgroup %s", (int)pid, cg->name);
	return 0;
}

/* Removes dir's child cgroups, deepest first, then dir; a busy cgroup is retried briefly
 * because a killed process leaves it a moment after it died. */
static int rmdir_tree(const char *dir, void *err)
{
	/* Usually a leaf: no need to read the directory (kernfs readdir is not cheap). */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : hutch_error_setsys(err, errno, "open %s", dir);
	int r = cgroup_for_each_child(d, dir, rmdir_tree, err);
	closedir(d);
	if (r < 0)
		return r;
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return hutch_error_setsys(err, errno, "remove %s", dir);
}

int cgroup_destroy(struct cgroup *cg, struct hutch_error *err)
{
	if (!cg)
		return hutch_error_set(err, EINVAL, "destroy cgroup: invalid argument");
	int ret = 0;
	struct hutch_error e = {0};
	for (size_t h = 0; h < cg->layout->n_hierarchies; h++) {
		if (!cgroup_hierarchy_managed(cg->layout, (int)h) || !cg->paths[h] ||
		    strcmp(cg->paths[h], "/") == 0)
			continue;
		char dir[4096];
		if (cgroup_hierarchy_dir(cg, (int)h, dir, sizeof(dir)) < 0)
			continue;
		/* Keep going on failure so every other hierarchy is still cleaned. */
		int r = rmdir_tree(dir, &e);
		if (r < 0 && ret == 0) {
			ret = r;
			if (err)
				*err = e;
		}
	}
	if (ret < 0)
		return hutch_error_wrap(err, "destroy cgroup %s", cg->name);
	return 0;
}

const char *cgroup_limit_str(uint64_t v, const char *unlimited, char *buf, size_t size)
{
	if (v == HUTCH_UNLIMITED)
		return unlimited;
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}
