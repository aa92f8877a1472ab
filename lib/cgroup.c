/* SPDX-License-Identifier: MIT */
/*
 * The cgroup handle: paths per hierarchy, directory and file descriptors kept
 * open for pread, and dispatch to the layout's backend. Typed reads are in
 * cgroup_read.c, creation and removal in cgroup_create.c, processes and the
 * tree in cgroup_walk.c.
 */
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

void cgroup_stats_init(struct cgroup_stats *st)
{
	memset(st, 0, sizeof(*st));
	/* Every uint64_t field is unknown; the arrays, counts and strings are empty. */
#define UNK(f) st->f = HUTCH_UNKNOWN
	UNK(memory_usage_bytes);
	UNK(memory_max_usage_bytes);
	UNK(memory_limit_bytes);
	UNK(memory_effective_limit_bytes);
	UNK(memory_reservation_bytes);
	UNK(swap_usage_bytes);
	UNK(swap_limit_bytes);
	UNK(memory_cache_bytes);
	UNK(memory_rss_bytes);
	UNK(memory_shmem_bytes);
	UNK(memory_mapped_file_bytes);
	UNK(memory_active_anon_bytes);
	UNK(memory_inactive_anon_bytes);
	UNK(memory_active_file_bytes);
	UNK(memory_inactive_file_bytes);
	UNK(memory_working_set_bytes);
	UNK(memory_failcnt);
	UNK(memory_oom_events);
	UNK(memory_oom_kill_events);
	UNK(memory_pgfault);
	UNK(memory_pgmajfault);
	UNK(memory_slab_reclaimable_bytes);
	UNK(memory_slab_unreclaimable_bytes);
	UNK(memory_kernel_bytes);
	UNK(cpu_usage_ns);
	UNK(cpu_user_ns);
	UNK(cpu_system_ns);
	UNK(cpu_quota_us);
	UNK(cpu_period_us);
	UNK(cpu_shares);
	UNK(cpu_weight);
	UNK(cpu_effective_limit_millicpus);
	UNK(cpu_nr_periods);
	UNK(cpu_nr_throttled);
	UNK(cpu_throttled_ns);
	UNK(pids_current);
	UNK(pids_max);
#undef UNK
	struct cgroup_psi *psis[] = {&st->psi_cpu, &st->psi_memory, &st->psi_io};
	for (size_t i = 0; i < ARRAY_SIZE(psis); i++) {
		psis[i]->some_total_us = HUTCH_UNKNOWN;
		psis[i]->full_total_us = HUTCH_UNKNOWN;
	}
}

void cgroup_stats_free(struct cgroup_stats *st)
{
	if (!st)
		return;
	free(st->percpu_usage_ns);
	st->percpu_usage_ns = NULL;
	st->n_percpu = 0;
	free(st->blkio);
	st->blkio = NULL;
	st->n_blkio = 0;
}

/* Sets the fields a read of mask fills back to unknown, so a reused struct never shows stale values. */
static void stats_reset(struct cgroup_stats *st, unsigned mask)
{
	struct cgroup_stats fresh;
	cgroup_stats_init(&fresh);
	if (mask & CGROUP_STATS_MEMORY) {
		st->memory_usage_bytes = HUTCH_UNKNOWN;
		st->memory_max_usage_bytes = HUTCH_UNKNOWN;
		st->swap_usage_bytes = HUTCH_UNKNOWN;
		st->memory_cache_bytes = st->memory_rss_bytes = HUTCH_UNKNOWN;
		st->memory_shmem_bytes = st->memory_mapped_file_bytes = HUTCH_UNKNOWN;
		st->memory_active_anon_bytes = st->memory_inactive_anon_bytes = HUTCH_UNKNOWN;
		st->memory_active_file_bytes = st->memory_inactive_file_bytes = HUTCH_UNKNOWN;
		st->memory_working_set_bytes = st->memory_failcnt = HUTCH_UNKNOWN;
		st->memory_oom_events = st->memory_oom_kill_events = HUTCH_UNKNOWN;
		st->memory_pgfault = st->memory_pgmajfault = HUTCH_UNKNOWN;
		st->memory_slab_reclaimable_bytes = HUTCH_UNKNOWN;
		st->memory_slab_unreclaimable_bytes = HUTCH_UNKNOWN;
		st->memory_kernel_bytes = HUTCH_UNKNOWN;
	}
	if (mask & CGROUP_STATS_CPU) {
		st->cpu_usage_ns = st->cpu_user_ns = st->cpu_system_ns = HUTCH_UNKNOWN;
		free(st->percpu_usage_ns);
		st->percpu_usage_ns = NULL;
		st->n_percpu = 0;
		st->cpu_nr_periods = st->cpu_nr_throttled = st->cpu_throttled_ns = HUTCH_UNKNOWN;
	}
	if (mask & CGROUP_STATS_SPEC) {
		st->memory_limit_bytes = st->memory_effective_limit_bytes = HUTCH_UNKNOWN;
		st->memory_reservation_bytes = st->swap_limit_bytes = HUTCH_UNKNOWN;
		st->cpu_quota_us = st->cpu_period_us = HUTCH_UNKNOWN;
		st->cpu_shares = st->cpu_weight = HUTCH_UNKNOWN;
		st->cpu_effective_limit_millicpus = HUTCH_UNKNOWN;
	}
	if (mask & CGROUP_STATS_CPUSET) {
		st->cpuset_cpus[0] = st->cpuset_mems[0] = '\0';
		st->cpuset_effective_cpus[0] = st->cpuset_effective_mems[0] = '\0';
	}
	if (mask & (CGROUP_STATS_PIDS | CGROUP_STATS_SPEC)) {
		st->pids_current = HUTCH_UNKNOWN;
		st->pids_max = HUTCH_UNKNOWN;
	}
	if (mask & CGROUP_STATS_BLKIO) {
		free(st->blkio);
		st->blkio = NULL;
		st->n_blkio = 0;
	}
	if (mask & CGROUP_STATS_PSI) {
		st->has_psi = false;
		st->psi_cpu = fresh.psi_cpu;
		st->psi_memory = fresh.psi_memory;
		st->psi_io = fresh.psi_io;
	}
}

void cgroup_limits_init(struct cgroup_limits *lim)
{
	*lim = (struct cgroup_limits){
		.memory_bytes = HUTCH_UNKNOWN,
		.memory_swap_bytes = HUTCH_UNKNOWN,
		.memory_reservation_bytes = HUTCH_UNKNOWN,
		.cpu_quota_us = HUTCH_UNKNOWN,
		.cpu_period_us = HUTCH_UNKNOWN,
		.cpu_shares = HUTCH_UNKNOWN,
		.cpuset_cpus = NULL,
		.cpuset_mems = NULL,
		.pids_max = HUTCH_UNKNOWN,
	};
}

bool cgroup_hierarchy_managed(const struct cgroup_layout *layout, int h)
{
	if (h < 0 || (size_t)h >= layout->n_hierarchies)
		return false;
	const struct cgroup_hierarchy *hi = &layout->hierarchies[h];
	/* Named v1 hierarchies (name=systemd) belong to their manager, not to hutch. */
	return hi->unified || hi->controllers != 0;
}

int cgroup_layout_primary(const struct cgroup_layout *layout)
{
	if (layout->kind == CGROUP_LAYOUT_V2)
		return layout->unified;
	int h = layout->by_controller[CGROUP_CPU];
	if (h >= 0 && !layout->hierarchies[h].unified)
		return h;
	for (size_t i = 0; i < layout->n_hierarchies; i++)
		if (!layout->hierarchies[i].unified && layout->hierarchies[i].controllers)
			return (int)i;
	return layout->unified;
}

static struct cgroup *cgroup_new(const struct cgroup_layout *layout)
{
	struct cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return NULL;
	cg->layout = layout;
	for (size_t i = 0; i < CGROUP_MAX_HIERARCHIES; i++)
		cg->dirfds[i] = CGROUP_FD_UNOPENED;
	for (size_t i = 0; i < CGROUP_MAX_FILES; i++)
		cg->fds[i] = CGROUP_FD_UNOPENED;
	return cg;
}

void cgroup_close(struct cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < CGROUP_MAX_HIERARCHIES; i++) {
		if (cg->dirfds[i] >= 0)
			close(cg->dirfds[i]);
		free(cg->paths[i]);
	}
	for (size_t i = 0; i < CGROUP_MAX_FILES; i++)
		if (cg->fds[i] >= 0)
			close(cg->fds[i]);
	free(cg->name);
	free(cg->buf);
	free(cg);
}

/* Paths are absolute, without empty, "." or ".." components (so they cannot leave the hierarchy). */
static bool path_valid(const char *path)
{
	if (!path || path[0] != '/' || strlen(path) >= 2048)
		return false;
	const char *p = path + 1;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 && slash)
			return false;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

/* Sets name from the primary hierarchy's path, and checks the cgroup is there. */
static int cgroup_finish_open(struct cgroup *cg)
{
	int p = cgroup_layout_primary(cg->layout);
	const char *name = p >= 0 ? cg->paths[p] : NULL;
	for (size_t i = 0; !name && i < cg->layout->n_hierarchies; i++)
		name = cg->paths[i];
	if (!name)
		return -ENOENT;
	cg->name = strdup(name);
	if (!cg->name)
		return -ENOMEM;
	return 0;
}

/* A new handle for path in layout, no hierarchy's path set yet. */
static int cgroup_new_at(const struct cgroup_layout *layout, const char *path, struct cgroup **ret)
{
	if (!layout || !path_valid(path))
		return -EINVAL;
	if (!layout->ops)
		return -EOPNOTSUPP;
	*ret = cgroup_new(layout);
	return *ret ? 0 : -ENOMEM;
}

int cgroup_open(const struct cgroup_layout *layout, const char *path, struct cgroup **ret)
{
	_cleanup_cgroup_ struct cgroup *cg = NULL;
	int r = cgroup_new_at(layout, path, &cg);
	if (r < 0)
		return r;
	for (size_t h = 0; h < layout->n_hierarchies; h++) {
		cg->paths[h] = strdup(path);
		if (!cg->paths[h])
			return -ENOMEM;
	}
	r = cgroup_finish_open(cg);
	if (r < 0)
		return r;
	r = cgroup_hierarchy_dirfd(cg, cgroup_layout_primary(layout));
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cg);
	return 0;
}

/* Whether two comma-separated controller lists name the same set. */
static bool same_set(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	for (const char *p = a; *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		bool found = false;
		for (const char *q = b; *q;) {
			const char *d = strchr(q, ',');
			size_t m = d ? (size_t)(d - q) : strlen(q);
			if (m == n && memcmp(p, q, n) == 0)
				found = true;
			q += m;
			if (*q == ',')
				q++;
		}
		if (!found)
			return false;
		na++;
		p += n;
		if (*p == ',')
			p++;
	}
	for (const char *q = b; *q; q++)
		if (*q == ',')
			nb++;
	return na == (b[0] ? nb + 1 : 0);
}

int cgroup_open_from_pid_cgroup(const struct cgroup_layout *layout,
				const struct procfs_pid_cgroup *pc, struct cgroup **ret)
{
	if (!layout || !pc)
		return -EINVAL;
	if (!layout->ops)
		return -EOPNOTSUPP;
	_cleanup_cgroup_ struct cgroup *cg = cgroup_new(layout);
	if (!cg)
		return -ENOMEM;
	for (size_t i = 0; i < pc->n_entries && i < ARRAY_SIZE(pc->entries); i++) {
		const struct procfs_cgroup_entry *e = &pc->entries[i];
		int h = -1;
		if (e->hierarchy_id == 0 && e->controllers[0] == '\0') {
			h = layout->unified;
		} else {
			char opts[512];
			uint32_t mask;
			if (cgroup_v1_options(e->controllers, opts, sizeof(opts), &mask) < 0)
				continue;
			for (size_t k = 0; k < layout->n_hierarchies; k++)
				if (!layout->hierarchies[k].unified &&
				    same_set(opts, layout->hierarchies[k].options))
					h = (int)k;
		}
		if (h < 0 || cg->paths[h] || !path_valid(e->path))
			continue;
		cg->paths[h] = strdup(e->path);
		if (!cg->paths[h])
			return -ENOMEM;
	}
	int r = cgroup_finish_open(cg);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cg);
	return 0;
}

const char *cgroup_path(const struct cgroup *cg)
{
	return cg ? cg->name : NULL;
}

const char *cgroup_controller_path(const struct cgroup *cg, enum cgroup_controller c)
{
	if (!cg || (unsigned)c >= CGROUP_CONTROLLER_COUNT)
		return NULL;
	int h = cg->layout->by_controller[c];
	return h >= 0 ? cg->paths[h] : NULL;
}

int cgroup_hierarchy_dir(const struct cgroup *cg, int h, char *buf, size_t size)
{
	if (h < 0 || (size_t)h >= cg->layout->n_hierarchies || !cg->paths[h])
		return -ENOENT;
	const struct cgroup_hierarchy *hi = &cg->layout->hierarchies[h];
	const char *path = cg->paths[h];
	/* A mount of part of a hierarchy (inside a container) shows it below its root. */
	size_t rl = strlen(hi->root);
	if (strcmp(hi->root, "/") != 0 && strncmp(path, hi->root, rl) == 0 &&
	    (path[rl] == '/' || path[rl] == '\0'))
		path += rl;
	int n = snprintf(buf, size, "%s%s", hi->mount_point, strcmp(path, "/") == 0 ? "" : path);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int cgroup_hierarchy_dirfd(struct cgroup *cg, int h)
{
	if (h < 0 || (size_t)h >= cg->layout->n_hierarchies || !cg->paths[h])
		return -ENOENT;
	if (cg->dirfds[h] >= 0)
		return cg->dirfds[h];
	char dir[4096];
	int r = cgroup_hierarchy_dir(cg, h, dir, sizeof(dir));
	if (r < 0)
		return r;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	cg->dirfds[h] = fd;
	return fd;
}

int cgroup_controller_dir(const struct cgroup *cg, enum cgroup_controller c, char *buf, size_t size)
{
	if (!cg || (unsigned)c >= CGROUP_CONTROLLER_COUNT)
		return -EINVAL;
	return cgroup_hierarchy_dir(cg, cg->layout->by_controller[c], buf, size);
}

int cgroup_unified_dir(const struct cgroup *cg, char *buf, size_t size)
{
	if (!cg)
		return -EINVAL;
	return cgroup_hierarchy_dir(cg, cg->layout->unified, buf, size);
}

int cgroup_id(const struct cgroup *cg, enum cgroup_controller c, uint64_t *ret_id)
{
	if (!cg)
		return -EINVAL;
	/* Out-of-range c asks for the unified directory: the id BPF sees on hybrid hosts. */
	int h = cg->layout->kind == CGROUP_LAYOUT_V2 || (unsigned)c >= CGROUP_CONTROLLER_COUNT
			? cg->layout->unified
			: cg->layout->by_controller[c];
	char dir[4096];
	int r = cgroup_hierarchy_dir(cg, h, dir, sizeof(dir));
	if (r < 0)
		return r;
	struct stat stt;
	if (stat(dir, &stt) < 0)
		return -errno;
	*ret_id = (uint64_t)stt.st_ino;
	return 0;
}

int cgroup_file_hierarchy(const struct cgroup *cg, const struct cgroup_file_def *def)
{
	if (def->controller == CGROUP_FILE_UNIFIED)
		return cg->layout->unified;
	if (def->controller < 0 || def->controller >= CGROUP_CONTROLLER_COUNT)
		return -1;
	return cg->layout->by_controller[def->controller];
}

/* Whether the cgroup's directory in hierarchy h is still there. */
static bool dir_alive(int dirfd)
{
	return faccessat(dirfd, "cgroup.procs", F_OK, 0) == 0;
}

int cgroup_read_file(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		     const char **ret_buf, size_t *ret_len)
{
	if (slot < 0 || slot >= CGROUP_MAX_FILES)
		return -EINVAL;
	if (cg->fds[slot] == CGROUP_FD_MISSING)
		return 0;
	int h = cgroup_file_hierarchy(cg, def);
	if (cg->fds[slot] == CGROUP_FD_UNOPENED) {
		if (h < 0 || !cg->paths[h]) {
			cg->fds[slot] = CGROUP_FD_MISSING;
			return 0;
		}
		int dfd = cgroup_hierarchy_dirfd(cg, h);
		if (dfd < 0) {
			if (dfd == -ENOENT && h == cgroup_layout_primary(cg->layout))
				return -ENOENT;
			/* The cgroup may be absent from one hierarchy (e.g. the unified one on hybrid). */
			if (dfd == -ENOENT)
				cg->fds[slot] = CGROUP_FD_MISSING;
			return 0;
		}
		int fd = openat(dfd, def->name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			int e = errno;
			if (e == ENOENT && !dir_alive(dfd))
				return -ENOENT;
			if (e == ENOENT)
				cg->fds[slot] = CGROUP_FD_MISSING;
			return 0;
		}
		cg->fds[slot] = fd;
	}
	if (!cg->buf) {
		cg->buf_cap = 4096;
		cg->buf = malloc(cg->buf_cap);
		if (!cg->buf)
			return -ENOMEM;
	}
	ssize_t n = hutch_pread_whole(cg->fds[slot], &cg->buf, &cg->buf_cap, 4 * 1024 * 1024, 4);
	if (n == -EFBIG || n == -ENOMEM)
		return (int)n;
	if (n == -ENODEV || n == -ENOENT)
		return -ENOENT; /* removed while we held it open */
	if (n < 0)
		return 0;
	*ret_buf = cg->buf;
	*ret_len = (size_t)n;
	return 1;
}

void cgroup_release_dirs(struct cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < CGROUP_MAX_HIERARCHIES; i++) {
		if (cg->dirfds[i] >= 0) {
			close(cg->dirfds[i]);
			cg->dirfds[i] = CGROUP_FD_UNOPENED;
		}
	}
}

int cgroup_read_stats(struct cgroup *cg, unsigned mask, struct cgroup_stats *ret)
{
	if (!cg || !ret)
		return -EINVAL;
	if (!cg->layout->ops)
		return -EOPNOTSUPP;
	stats_reset(ret, mask);
	return cg->layout->ops->read_stats(cg, mask, ret);
}

int cgroup_for_each_ancestor(const struct cgroup *cg, int h, int (*fn)(const char *dir, void *u),
			     void *userdata)
{
	char dir[4096];
	int r = cgroup_hierarchy_dir(cg, h, dir, sizeof(dir));
	if (r < 0)
		return r;
	size_t ml = strlen(cg->layout->hierarchies[h].mount_point);
	for (;;) {
		r = fn(dir, userdata);
		if (r != 0)
			return r;
		size_t l = strlen(dir);
		if (l <= ml)
			return 0;
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < ml)
			dir[ml] = '\0';
		else
			*slash = '\0';
	}
}

int cgroup_new_primary(const struct cgroup_layout *layout, const char *path, struct cgroup **ret,
		       int *ret_h)
{
	_cleanup_cgroup_ struct cgroup *cg = NULL;
	int r = cgroup_new_at(layout, path, &cg);
	if (r < 0)
		return r;
	int h = cgroup_layout_primary(layout);
	if (h < 0)
		return -ENOENT;
	cg->paths[h] = strdup(path);
	if (!cg->paths[h])
		return -ENOMEM;
	*ret = TAKE_PTR(cg);
	*ret_h = h;
	return 0;
}

/* The cgroup's struct for creating it: its managed hierarchies only. */
int cgroup_new_for_create(const struct cgroup_layout *layout, const char *path, struct cgroup **ret,
			  struct hutch_error *err)
{
	if (!layout || !path_valid(path) || strcmp(path, "/") == 0)
		return hutch_error_set(err, EINVAL, "create cgroup %s: invalid path",
				       path ? path : "(null)");
	if (!layout->ops)
		return hutch_error_set(err, EOPNOTSUPP, "create cgroup %s: no cgroup hierarchy",
				       path);
	_cleanup_cgroup_ struct cgroup *cg = cgroup_new(layout);
	if (!cg)
		return hutch_error_set(err, ENOMEM, "create cgroup %s: out of memory", path);
	for (size_t h = 0; h < layout->n_hierarchies; h++) {
		if (!cgroup_hierarchy_managed(layout, (int)h))
			continue;
		cg->paths[h] = strdup(path);
		if (!cg->paths[h])
			return hutch_error_set(err, ENOMEM, "create cgroup %s: out of memory",
					       path);
	}
	int r = cgroup_finish_open(cg);
	if (r < 0)
		return hutch_error_setsys(err, -r, "create cgroup %s", path);
	*ret = TAKE_PTR(cg);
	return 0;
}
