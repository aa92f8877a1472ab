/* SPDX-License-Identifier: MIT */
/* Typed reads of control files (numbers, limits, keyed lines, pressure) shared by the backends. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup_internal.h"

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

/* One number, parsed by parse; the typed reads' return convention. */
static int read_number(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		       int (*parse)(const char *buf, size_t len, uint64_t *ret), uint64_t *ret)
{
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, slot, def, &buf, &len);
	if (r <= 0)
		return r;
	uint64_t v;
	if (parse(buf, len, &v) < 0)
		return 0;
	*ret = v;
	return 1;
}

int cgroup_read_u64(struct cgroup *cg, int slot, const struct cgroup_file_def *def, uint64_t *ret)
{
	return read_number(cg, slot, def, cgroup_parse_u64, ret);
}

int cgroup_read_limit(struct cgroup *cg, int slot, const struct cgroup_file_def *def, uint64_t *ret)
{
	return read_number(cg, slot, def, cgroup_parse_limit, ret);
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

static uint64_t working_set(uint64_t usage, uint64_t inactive_file)
{
	if (!hutch_known(usage))
		return HUTCH_UNKNOWN;
	if (!hutch_known(inactive_file))
		return usage;
	/* cAdvisor's working set: what cannot be dropped at once, never negative. */
	return usage > inactive_file ? usage - inactive_file : 0;
}

/* memory.stat's lines by version and the cgroup_stats field each fills: v1's
 * subtree total, the cgroup's own line it falls back to, and v2's name (NULL
 * where the version has none). v2's anon and file are v1's rss and cache. */
static const struct memory_stat_key {
	const char *v1_total, *v1_own, *v2;
	size_t field;
} memory_stat_keys[] = {
#define F(f) offsetof(struct cgroup_stats, f)
	{"total_cache", "cache", "file", F(memory_cache_bytes)},
	{"total_rss", "rss", "anon", F(memory_rss_bytes)},
	{"total_shmem", "shmem", "shmem", F(memory_shmem_bytes)},
	{"total_mapped_file", "mapped_file", "file_mapped", F(memory_mapped_file_bytes)},
	{"total_active_anon", "active_anon", "active_anon", F(memory_active_anon_bytes)},
	{"total_inactive_anon", "inactive_anon", "inactive_anon", F(memory_inactive_anon_bytes)},
	{"total_active_file", "active_file", "active_file", F(memory_active_file_bytes)},
	{"total_inactive_file", "inactive_file", "inactive_file", F(memory_inactive_file_bytes)},
	{"total_pgfault", "pgfault", "pgfault", F(memory_pgfault)},
	{"total_pgmajfault", "pgmajfault", "pgmajfault", F(memory_pgmajfault)},
	{"total_swap", NULL, NULL, F(swap_usage_bytes)},
	{NULL, NULL, "slab_reclaimable", F(memory_slab_reclaimable_bytes)},
	{NULL, NULL, "slab_unreclaimable", F(memory_slab_unreclaimable_bytes)},
#undef F
};

int cgroup_read_memory_stat(struct cgroup *cg, int slot, const struct cgroup_file_def *def, bool v1,
			    struct cgroup_stats *st)
{
	enum { N = ARRAY_SIZE(memory_stat_keys), NONE = -1 };
	const char *keys[2 * N];
	int at[N], own[N];
	size_t n = 0;
	for (size_t i = 0; i < N; i++) {
		const struct memory_stat_key *k = &memory_stat_keys[i];
		const char *name = v1 ? k->v1_total : k->v2;
		at[i] = own[i] = NONE;
		if (name) {
			at[i] = (int)n;
			keys[n++] = name;
		}
		if (v1 && k->v1_own) {
			own[i] = (int)n;
			keys[n++] = k->v1_own;
		}
	}
	uint64_t v[2 * N];
	TRY(cgroup_read_keyed(cg, slot, def, keys, n, v));
	for (size_t i = 0; i < N; i++) {
		if (at[i] == NONE)
			continue;
		uint64_t x = v[at[i]];
		/* Kernels before use_hierarchy was forced lack total_*: the cgroup's own. */
		if (!hutch_known(x) && own[i] != NONE)
			x = v[own[i]];
		memcpy((char *)st + memory_stat_keys[i].field, &x, sizeof(x));
	}
	st->memory_working_set_bytes =
		working_set(st->memory_usage_bytes, st->memory_inactive_file_bytes);
	return 0;
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

struct cpu_limit_walk {
	cgroup_cpu_quota_fn read;
	uint64_t millicpus;
};

static int cpu_limit_cb(const char *dir, void *u)
{
	struct cpu_limit_walk *w = u;
	uint64_t quota, period;
	/* A directory without the files (or unreadable) does not limit. */
	if (w->read(dir, &quota, &period) < 0)
		return 0;
	if (quota == HUTCH_UNLIMITED || !hutch_known(period)) {
		if (!hutch_known(w->millicpus))
			w->millicpus = HUTCH_UNLIMITED;
		return 0;
	}
	uint64_t m = quota * 1000 / period;
	if (!hutch_known(w->millicpus) || m < w->millicpus)
		w->millicpus = m;
	return 0;
}

uint64_t cgroup_min_cpu_limit_over_ancestors(const struct cgroup *cg, int h,
					     cgroup_cpu_quota_fn read)
{
	struct cpu_limit_walk w = {.read = read, .millicpus = HUTCH_UNKNOWN};
	cgroup_for_each_ancestor(cg, h, cpu_limit_cb, &w);
	return w.millicpus;
}

int cgroup_read_blkio(struct cgroup *cg, int slot, const struct cgroup_file_def *def,
		      enum cgroup_blkio_file kind, struct cgroup_stats *st)
{
	const char *buf;
	size_t len;
	int r = cgroup_read_file(cg, slot, def, &buf, &len);
	if (r <= 0)
		return r;
	if (kind == CGROUP_BLKIO_IO_STAT)
		r = cgroup_parse_io_stat(buf, len, &st->blkio, &st->n_blkio);
	else
		r = cgroup_parse_blkio_v1(buf, len, kind == CGROUP_BLKIO_V1_IOS, &st->blkio,
					  &st->n_blkio);
	/* A malformed file leaves the devices unknown; only memory fails the read. */
	return r == -ENOMEM ? r : 1;
}
