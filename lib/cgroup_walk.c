/* SPDX-License-Identifier: MIT */
/* A cgroup's processes (listing, signalling) and walks of the tree below a path. */
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

/* The directory whose cgroup.procs lists the cgroup's processes. */
static int procs_dir(const struct cgroup *cg, char *buf, size_t size)
{
	static const enum cgroup_controller prefer[] = {CGROUP_PIDS, CGROUP_MEMORY, CGROUP_CPU,
							CGROUP_CPUACCT};
	if (cg->layout->kind == CGROUP_LAYOUT_V2)
		return cgroup_unified_dir(cg, buf, size);
	for (size_t i = 0; i < ARRAY_SIZE(prefer); i++) {
		int h = cg->layout->by_controller[prefer[i]];
		if (h >= 0 && !cg->layout->hierarchies[h].unified && cg->paths[h])
			return cgroup_hierarchy_dir(cg, h, buf, size);
	}
	return -ENOENT;
}

int cgroup_for_each_child(DIR *d, const char *dir, int (*fn)(const char *sub, void *u),
			  void *userdata)
{
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		char sub[4096];
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		int r = fn(sub, userdata);
		if (r != 0)
			return r;
	}
	return 0;
}

struct pid_list {
	pid_t *pids;
	size_t n;
	int depth;
};

static int collect_pids(const char *dir, struct pid_list *l);

/* A child cgroup removed meanwhile has no processes to report: only memory stops the walk. */
static int collect_child_pids(const char *sub, void *u)
{
	int r = collect_pids(sub, u);
	return r == -ENOMEM ? r : 0;
}

/* Appends the pids of dir's cgroup.procs and of every cgroup below it. */
static int collect_pids(const char *dir, struct pid_list *l)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hutch_read_file(path, 0, &buf, &len);
	if (r < 0)
		return r;
	char *save = NULL;
	for (char *tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		uint64_t v;
		if (hutch_parse_u64(tok, &v) < 0 || v == 0 || v > INT32_MAX)
			continue;
		pid_t *np = realloc(l->pids, (l->n + 1) * sizeof(*l->pids));
		if (!np)
			return -ENOMEM;
		l->pids = np;
		l->pids[l->n++] = (pid_t)v;
	}
	if (l->depth >= 64)
		return 0;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return 0;
	l->depth++;
	r = cgroup_for_each_child(d, dir, collect_child_pids, l);
	l->depth--;
	return r;
}

int cgroup_list_pids(struct cgroup *cg, pid_t **ret_pids, size_t *ret_n)
{
	if (!cg)
		return -EINVAL;
	char dir[4096];
	int r = procs_dir(cg, dir, sizeof(dir));
	if (r < 0)
		return r;
	struct pid_list l = {0};
	r = collect_pids(dir, &l);
	if (r < 0) {
		free(l.pids);
		return r;
	}
	*ret_pids = l.pids;
	*ret_n = l.n;
	return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig)
{
	if (!cg)
		return -EINVAL;
	pid_t *done = NULL;
	size_t n_done = 0;
	int r = 0;
	/* Processes may fork while we signal: repeat until a pass finds nobody new. */
	for (int pass = 0; pass < 10; pass++) {
		pid_t *pids;
		size_t n;
		r = cgroup_list_pids(cg, &pids, &n);
		if (r < 0)
			break;
		size_t new = 0;
		for (size_t i = 0; i < n; i++) {
			bool seen = false;
			for (size_t k = 0; k < n_done && !seen; k++)
				seen = done[k] == pids[i];
			if (seen)
				continue;
			if (kill(pids[i], sig) < 0 && errno != ESRCH)
				continue;
			pid_t *nd = realloc(done, (n_done + 1) * sizeof(*done));
			if (!nd) {
				free(pids);
				free(done);
				return -ENOMEM;
			}
			done = nd;
			done[n_done++] = pids[i];
			new ++;
		}
		free(pids);
		if (new == 0)
			break;
	}
	free(done);
	if (r < 0 && n_done == 0)
		return r;
	return (int)n_done;
}

struct walk_ctx {
	cgroup_walk_fn fn;
	void *userdata;
	char path[4096];
};

static int walk_dir(struct walk_ctx *w, int dfd)
{
	int r = w->fn(w->path, w->userdata);
	if (r != 0) {
		close(dfd);
		return r;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	size_t base = strlen(w->path);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		int n = snprintf(w->path + base, sizeof(w->path) - base, "%s%s",
				 base == 1 ? "" : "/", de->d_name);
		if (n < 0 || (size_t)n >= sizeof(w->path) - base)
			continue;
		/* A cgroup removed while we walk is simply not reported. */
		int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			r = walk_dir(w, sub);
		w->path[base] = '\0';
		if (r != 0)
			break;
	}
	closedir(d);
	return r;
}

int cgroup_walk(const struct cgroup_layout *layout, const char *path, cgroup_walk_fn fn,
		void *userdata)
{
	if (!fn)
		return -EINVAL;
	_cleanup_cgroup_ struct cgroup *cg = NULL;
	int h;
	int r = cgroup_new_primary(layout, path, &cg, &h);
	if (r < 0)
		return r;
	char dir[4096];
	r = cgroup_hierarchy_dir(cg, h, dir, sizeof(dir));
	if (r < 0)
		return r;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct walk_ctx *w = malloc(sizeof(*w));
	if (!w) {
		close(dfd);
		return -ENOMEM;
	}
	w->fn = fn;
	w->userdata = userdata;
	snprintf(w->path, sizeof(w->path), "%s", path);
	r = walk_dir(w, dfd);
	free(w);
	return r;
}
