/* SPDX-License-Identifier: MIT */
/*
 * The cgroup front end: handles (paths per hierarchy, directory and file
 * descriptors kept open for pread), dispatch to the layout's backend, and
 * the work that is the same on every layout (listing and signalling
 * processes, removing directories, walking the tree).
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
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

/* The hierarchy that names a cgroup: cpu on v1 and hybrid, the unified one on v2. */
static int primary_hierarchy(const struct cgroup_layout *layout)
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
	int p = primary_hierarchy(cg->layout);
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

int cgroup_open(const struct cgroup_layout *layout, const char *path, struct cgroup **ret)
{
	if (!layout || !path_valid(path))
		return -EINVAL;
	if (!layout->ops)
		return -EOPNOTSUPP;
	_cleanup_cgroup_ struct cgroup *cg = cgroup_new(layout);
	if (!cg)
		return -ENOMEM;
	for (size_t h = 0; h < layout->n_hierarchies; h++) {
		cg->paths[h] = strdup(path);
		if (!cg->paths[h])
			return -ENOMEM;
	}
	int r = cgroup_finish_open(cg);
	if (r < 0)
		return r;
	r = cgroup_hierarchy_dirfd(cg, primary_hierarchy(layout));
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
			if (dfd == -ENOENT && h == primary_hierarchy(cg->layout))
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
	for (;;) {
		ssize_t n = hutch_pread_all(cg->fds[slot], cg->buf, cg->buf_cap);
		if (n == -ENODEV || n == -ENOENT)
			return -ENOENT; /* removed while we held it open */
		if (n < 0)
			return 0;
		if ((size_t)n < cg->buf_cap - 1) {
			*ret_buf = cg->buf;
			*ret_len = (size_t)n;
			return 1;
		}
		if (cg->buf_cap >= 4 * 1024 * 1024)
			return -EFBIG;
		char *nb = realloc(cg->buf, cg->buf_cap * 4);
		if (!nb)
			return -ENOMEM;
		cg->buf = nb;
		cg->buf_cap *= 4;
	}
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

int cgroup_read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ssize_t n = hutch_pread_all(fd, buf, size);
	return n < 0 ? (int)n : (int)n;
}

uint64_t cgroup_read_limit_at(const char *dir, const char *file)
{
	char path[4096], buf[128];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return HUTCH_UNKNOWN;
	int n = cgroup_read_small(path, buf, sizeof(buf));
	uint64_t v;
	if (n < 0 || cgroup_parse_limit(buf, (size_t)n, &v) < 0)
		return HUTCH_UNKNOWN;
	return v;
}

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

/* The cgroup's struct for creating it: its managed hierarchies only. */
static int cgroup_new_for_create(const struct cgroup_layout *layout, const char *path,
				 struct cgroup **ret, struct hutch_error *err)
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
static int rmdir_tree(const char *dir, struct hutch_error *err)
{
	/* Usually a leaf: no need to read the directory (kernfs readdir is not cheap). */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : hutch_error_setsys(err, errno, "open %s", dir);
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		char sub[4096];
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		r = rmdir_tree(sub, err);
		if (r < 0)
			break;
	}
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

/* Appends the pids of dir's cgroup.procs and of every cgroup below it. */
static int collect_pids(const char *dir, int depth, pid_t **pids, size_t *n)
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
		pid_t *np = realloc(*pids, (*n + 1) * sizeof(**pids));
		if (!np)
			return -ENOMEM;
		*pids = np;
		(*pids)[(*n)++] = (pid_t)v;
	}
	if (depth >= 64)
		return 0;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		char sub[4096];
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		/* A child cgroup removed meanwhile has no processes to report. */
		r = collect_pids(sub, depth + 1, pids, n);
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

int cgroup_list_pids(struct cgroup *cg, pid_t **ret_pids, size_t *ret_n)
{
	if (!cg)
		return -EINVAL;
	char dir[4096];
	int r = procs_dir(cg, dir, sizeof(dir));
	if (r < 0)
		return r;
	pid_t *pids = NULL;
	size_t n = 0;
	r = collect_pids(dir, 0, &pids, &n);
	if (r < 0) {
		free(pids);
		return r;
	}
	*ret_pids = pids;
	*ret_n = n;
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
	if (!layout || !fn || !path_valid(path))
		return -EINVAL;
	if (!layout->ops)
		return -EOPNOTSUPP;
	_cleanup_cgroup_ struct cgroup *cg = cgroup_new(layout);
	if (!cg)
		return -ENOMEM;
	int h = primary_hierarchy(layout);
	if (h < 0)
		return -ENOENT;
	cg->paths[h] = strdup(path);
	if (!cg->paths[h])
		return -ENOMEM;
	char dir[4096];
	int r = cgroup_hierarchy_dir(cg, h, dir, sizeof(dir));
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

int cgroup_read_u64(struct cgroup *cg, int slot, const struct cgroup_file_def *def, uint64_t *ret)
{
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, slot, def, &buf, &len);
	if (r <= 0)
		return r;
	uint64_t v;
	if (cgroup_parse_u64(buf, len, &v) < 0)
		return 0;
	*ret = v;
	return 1;
}

int cgroup_read_limit(struct cgroup *cg, int slot, const struct cgroup_file_def *def, uint64_t *ret)
{
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, slot, def, &buf, &len);
	if (r <= 0)
		return r;
	uint64_t v;
	if (cgroup_parse_limit(buf, len, &v) < 0)
		return 0;
	*ret = v;
	return 1;
}

int cgroup_read_keyed(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		      const char *const *keys, size_t n, uint64_t *ret_values)
{
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, slot, def, &buf, &len);
	if (r <= 0) {
		for (size_t i = 0; i < n; i++)
			ret_values[i] = HUTCH_UNKNOWN;
		return r;
	}
	cgroup_parse_keyed(buf, len, keys, n, ret_values);
	return 1;
}

int cgroup_read_string(struct cgroup *cg, int slot, const struct cgroup_file_def *def, char *out,
		       size_t size)
{
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, slot, def, &buf, &len);
	if (r <= 0)
		return r;
	return cgroup_parse_line(buf, len, out, size) < 0 ? 0 : 1;
}

int cgroup_read_psi(struct cgroup *cg, const int slots[3], const struct cgroup_file_def defs[3],
		    struct cgroup_stats *st)
{
	struct cgroup_psi *out[3] = {&st->psi_cpu, &st->psi_memory, &st->psi_io};
	for (int i = 0; i < 3; i++) {
		const char *buf;
		size_t len;
		int r = cgroup_read_file(cg, slots[i], &defs[i], &buf, &len);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		struct cgroup_psi psi;
		if (cgroup_parse_psi(buf, len, &psi) < 0)
			continue;
		*out[i] = psi;
		st->has_psi = true;
	}
	return 0;
}

uint64_t cgroup_working_set(uint64_t usage, uint64_t inactive_file)
{
	if (!hutch_known(usage))
		return HUTCH_UNKNOWN;
	if (!hutch_known(inactive_file))
		return usage;
	/* cAdvisor's working set: what cannot be dropped at once, never negative. */
	return usage > inactive_file ? usage - inactive_file : 0;
}

static int min_limit_cb(const char *dir, void *u)
{
	struct cgroup_min_limit *m = u;
	uint64_t v = cgroup_read_limit_at(dir, m->file);
	if (hutch_known(v)) {
		if (!hutch_known(m->value) || v < m->value)
			m->value = v;
	}
	return 0;
}

uint64_t cgroup_min_limit_over_ancestors(const struct cgroup *cg, int h, const char *file)
{
	struct cgroup_min_limit m = {.file = file, .value = HUTCH_UNKNOWN};
	if (cgroup_for_each_ancestor(cg, h, min_limit_cb, &m) < 0)
		return HUTCH_UNKNOWN;
	return m.value;
}

const char *cgroup_limit_str(uint64_t v, const char *unlimited, char *buf, size_t size)
{
	if (v == HUTCH_UNLIMITED)
		return unlimited;
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}
