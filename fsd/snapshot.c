/* SPDX-License-Identifier: MIT */
/*
 * The snapshot cache: each container's rendered files (and the host's own),
 * reused while younger than the cache interval, so many readers share one
 * read of the cgroup. See state.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "hutch/procfs.h"
#include "hutch/procfs_read.h"
#include "state_internal.h"

void fsd_snap_unref(struct fsd_snap *snap)
{
	if (snap && atomic_fetch_sub((_Atomic int *)&snap->refs, 1) == 1)
		free(snap);
}

struct fsd_snap *snap_ref(struct fsd_snap *snap)
{
	atomic_fetch_add((_Atomic int *)&snap->refs, 1);
	return snap;
}

static struct fsd_snap *snap_new(const char *data, size_t len)
{
	struct fsd_snap *snap = malloc(sizeof(*snap) + len + 1);
	if (!snap)
		return NULL;
	snap->refs = 1;
	snap->born_ns = hutch_now_ns();
	snap->len = len;
	if (len)
		memcpy(snap->data, data, len);
	snap->data[len] = '\0';
	return snap;
}

/* The host's file now, from offset 0 of the fd kept for it (opened at the first read). */
static int read_host(struct fsd_state *s, enum fsd_file file, char **ret, size_t *ret_len)
{
	struct host_file *h = &s->host[file];
	int fd = atomic_load(&h->fd);
	if (fd < 0) {
		fd = open(fsd_files[file].host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
		int none = -1;
		if (!atomic_compare_exchange_strong(&h->fd, &none, fd)) {
			close(fd);
			fd = none;
		}
	}
	size_t cap = 8192;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	/* To the end: /proc/cpuinfo and others show many records, a read stops at one's end. */
	ssize_t n = hutch_pread_grow(fd, &buf, &cap, 4 << 20, 2);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	*ret = buf;
	*ret_len = (size_t)n;
	return 0;
}

/*
 * The cached host file when younger than max_age (referenced), else NULL;
 * with ret_mi (meminfo) its parsed lines.
 */
static struct fsd_snap *host_hit(struct fsd_state *s, enum fsd_file file, uint64_t max_age,
				 uint64_t now, struct fsd_host_meminfo *ret_mi)
{
	struct host_file *h = &s->host[file];
	struct fsd_snap *snap = NULL;
	pthread_mutex_lock(&s->host_lock);
	if (h->snap && now - h->at < max_age) {
		snap = snap_ref(h->snap);
		if (ret_mi)
			*ret_mi = h->meminfo;
	}
	pthread_mutex_unlock(&s->host_lock);
	return snap;
}

/*
 * The host's own file, read at most once per max_age whoever asks: host
 * readers, and every container's render (one read of /proc/stat or
 * /proc/cpuinfo serves all containers rendered within max_age). With ret_mi
 * (meminfo), the text parsed: once per read, not once per render.
 */
static int host_open_parsed(struct fsd_state *s, enum fsd_file file, uint64_t max_age,
			    struct fsd_snap **ret, struct fsd_host_meminfo *ret_mi)
{
	uint64_t now = hutch_now_ns();
	struct fsd_snap *snap = host_hit(s, file, max_age, now, ret_mi);
	if (snap) {
		*ret = snap;
		return 0;
	}
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = read_host(s, file, &buf, &len);
	if (r < 0)
		return r;
	atomic_fetch_add(&s->host_reads, 1);
	snap = snap_new(buf, len);
	if (!snap)
		return -ENOMEM;
	snap->born_ns = now;
	struct fsd_host_meminfo mi = {0};
	if (file == FSD_MEMINFO)
		fsd_meminfo_host(snap->data, snap->len, &mi);
	struct host_file *h = &s->host[file];
	pthread_mutex_lock(&s->host_lock);
	fsd_snap_unref(h->snap);
	h->snap = snap_ref(snap);
	h->at = now;
	h->meminfo = mi;
	pthread_mutex_unlock(&s->host_lock);
	if (ret_mi)
		*ret_mi = mi;
	*ret = snap;
	return 0;
}

static int host_open(struct fsd_state *s, enum fsd_file file, uint64_t max_age,
		     struct fsd_snap **ret)
{
	return host_open_parsed(s, file, max_age, ret, NULL);
}

int fsd_state_host_text(struct fsd_state *s, enum fsd_file file, struct fsd_snap **ret_snap)
{
	return host_open(s, file, s->o.cache_ns, ret_snap);
}

static int host_online(struct fsd_state *s, uint64_t max_age, struct hutch_cpuset *ret,
		       uint64_t *ret_born)
{
	struct fsd_snap *snap;
	int r = host_open(s, FSD_CPU_ONLINE, max_age, &snap);
	if (r < 0)
		return r;
	char buf[4096];
	size_t len = snap->len < sizeof(buf) - 1 ? snap->len : sizeof(buf) - 1;
	memcpy(buf, snap->data, len);
	*ret_born = snap->born_ns;
	fsd_snap_unref(snap);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return hutch_cpuset_parse(buf, ret);
}

/*
 * The stats each file shows: a render reads only those, so a meminfo never
 * pays for the cgroup's PSI or block IO files. The limits and the cpuset
 * (the visible CPUs, which every file uses) are settings, read once every
 * SPEC_NS as fsd/container.c's validation is.
 */
static const unsigned file_stats[FSD_FILE_COUNT] = {
	[FSD_MEMINFO] = CGROUP_STATS_MEMORY, [FSD_STAT] = CGROUP_STATS_CPU,
	[FSD_UPTIME] = CGROUP_STATS_CPU,     [FSD_DISKSTATS] = CGROUP_STATS_BLKIO,
	[FSD_SWAPS] = CGROUP_STATS_MEMORY,   [FSD_PSI_CPU] = CGROUP_STATS_PSI,
	[FSD_PSI_MEMORY] = CGROUP_STATS_PSI, [FSD_PSI_IO] = CGROUP_STATS_PSI,
};

/*
 * Reads the parts of c's stats that file needs and are older than max_age;
 * the settings once every SPEC_NS. Returns when the oldest part it shows was
 * read (the render's age). Called with c->lock held.
 */
static int ctr_read_stats(struct ctr *c, enum fsd_file file, uint64_t max_age, uint64_t now,
			  uint64_t *ret_born)
{
	/* stats_at 0: a new cgroup handle (fsd/container.c), nothing read through it yet. */
	if (!c->stats_at)
		memset(c->part_at, 0, sizeof(c->part_at));
	unsigned want = file_stats[file], mask = 0;
	for (unsigned b = 0; b < CTR_STATS_PARTS; b++)
		if ((want & (1u << b)) && (!c->part_at[b] || now - c->part_at[b] >= max_age))
			mask |= 1u << b;
	if (!c->spec_at || now - c->spec_at >= SPEC_NS)
		mask |= CGROUP_STATS_SPEC | CGROUP_STATS_CPUSET;
	if (mask) {
		/* No file shows failcnt, peaks, OOM events or throttling. */
		int r = cgroup_read_stats(c->cg, mask | CGROUP_STATS_NO_EVENTS, &c->stats);
		cgroup_release_dirs(c->cg);
		if (r < 0)
			return r == -ENOENT ? -ESTALE : r; /* the cgroup is gone */
		c->stats_at = now;
		for (unsigned b = 0; b < CTR_STATS_PARTS; b++)
			if (mask & (1u << b))
				c->part_at[b] = now;
		if (mask & CGROUP_STATS_SPEC)
			c->spec_at = now;
	}
	uint64_t born = now;
	for (unsigned b = 0; b < CTR_STATS_PARTS; b++)
		if ((want & (1u << b)) && c->part_at[b] < born)
			born = c->part_at[b];
	*ret_born = born;
	return 0;
}

static bool same_bytes(const struct fsd_snap *a, const struct fsd_snap *b)
{
	return a == b || (a && b && a->len == b->len && memcmp(a->data, b->data, a->len) == 0);
}

/*
 * Whether c's proc/cpuinfo would render as the text it has (from the same
 * host text for the same CPUs: on most hosts the host's file never changes);
 * else it keeps what the next text is rendered from. Called with c->lock held.
 */
static bool cpuinfo_same(struct ctr *c, struct fsd_snap *host, const struct hutch_cpuset *visible)
{
	if (c->snaps[FSD_CPUINFO] && same_bytes(c->cpuinfo_host, host) &&
	    memcmp(&c->cpuinfo_visible, visible, sizeof(*visible)) == 0)
		return true;
	fsd_snap_unref(c->cpuinfo_host);
	c->cpuinfo_host = snap_ref(host);
	c->cpuinfo_visible = *visible;
	return false;
}

/* Renders file for c into a new snapshot, as old as the oldest number in it. Called with c->lock held. */
static int ctr_render(struct fsd_state *s, struct ctr *c, enum fsd_file file, uint64_t max_age,
		      struct fsd_snap **ret)
{
	uint64_t now = hutch_now_ns(), born, online_born;
	int r = ctr_read_stats(c, file, max_age, now, &born);
	if (r < 0)
		return r;
	struct fsd_view v;
	fsd_view_init(&v, &c->stats);
	v.user_hz = s->user_hz;
	/* "0::/" in the init's /proc/PID/cgroup: the root of the unified hierarchy. */
	v.psi_is_host = c->cgroup_text && (strncmp(c->cgroup_text, "0::/\n", 5) == 0 ||
					   strstr(c->cgroup_text, "\n0::/\n") != NULL);
	v.init_start_s = (double)c->init_start_ticks / s->user_hz;
	struct timespec boot;
	if (clock_gettime(CLOCK_BOOTTIME, &boot) == 0)
		v.now_s = (double)boot.tv_sec + (double)boot.tv_nsec / 1e9;
	struct hutch_cpuset online;
	/* Host files shared by every container rendered meanwhile, and never older than the stats. */
	uint64_t host_age = max_age < HOST_SHARE_NS ? max_age : HOST_SHARE_NS;
	r = host_online(s, host_age, &online, &online_born);
	if (r < 0)
		return r;
	fsd_visible_cpus(&c->stats, &online, s->o.cfs, &v.visible, &v.cpus_cut);
	size_t n_vis = hutch_cpuset_count(&v.visible);
	if (file == FSD_STAT && n_vis > c->n_cpu_floor) {
		uint64_t *f = realloc(c->cpu_floor, n_vis * PROCFS_CPU_TIME_COUNT * sizeof(*f));
		if (f)
			c->cpu_floor = f;
		uint64_t *o = f ? realloc(c->idle_offset, n_vis * sizeof(*o)) : NULL;
		if (o)
			c->idle_offset = o;
		if (f && o) {
			memset(f + c->n_cpu_floor * PROCFS_CPU_TIME_COUNT, 0,
			       (n_vis - c->n_cpu_floor) * PROCFS_CPU_TIME_COUNT * sizeof(*f));
			memset(o + c->n_cpu_floor, 0, (n_vis - c->n_cpu_floor) * sizeof(*o));
			c->n_cpu_floor = n_vis;
		}
	}
	v.cpu_floor = c->cpu_floor;
	v.idle_offset = c->idle_offset;
	v.n_cpu_floor = c->n_cpu_floor;
	if (c->has_tasks) {
		v.has_tasks = true;
		v.tasks_running = c->running;
		v.tasks_blocked = c->blocked;
		v.tasks_total = c->total;
		v.last_pid = c->last_pid;
		v.load1 = c->load.load1;
		v.load5 = c->load.load5;
		v.load15 = c->load.load15;
	}
	struct fsd_snap *host = NULL;
	struct fsd_host_meminfo host_mi;
	if (file != FSD_PSI_CPU && file != FSD_PSI_MEMORY && file != FSD_PSI_IO &&
	    file != FSD_CPU_ONLINE) {
		r = host_open_parsed(s, file, host_age, &host,
				     file == FSD_MEMINFO ? &host_mi : NULL);
		if (r < 0)
			return r;
		if (file == FSD_MEMINFO)
			v.host_meminfo = &host_mi;
		if (host->born_ns < born)
			born = host->born_ns;
	}
	struct fsd_buf out = {0};
	if (file == FSD_CPUINFO && cpuinfo_same(c, host, &v.visible)) {
		fsd_buf_append(&out, c->snaps[file]->data, c->snaps[file]->len);
		r = out.err;
	} else
		r = fsd_render(file, host ? host->data : NULL, host ? host->len : 0, &v, &out);
	fsd_snap_unref(host);
	if (r >= 0) {
		*ret = snap_new(out.data, out.len);
		if (!*ret)
			r = -ENOMEM;
		else
			(*ret)->born_ns = born < online_born ? born : online_born;
	}
	if (file == FSD_CPUINFO && r < 0) {
		/* snaps[] keeps the text before: not this host text's. */
		fsd_snap_unref(c->cpuinfo_host);
		c->cpuinfo_host = NULL;
	}
	fsd_buf_free(&out);
	atomic_fetch_add(&s->renders, 1);
	return r;
}

/*
 * What both opens do first: the age a snapshot may have (the cache
 * interval, or less when asked) and the reader's namespace, in *ret_ns; 0
 * there when the reader is the host's, whose text host() then gives.
 */
static int open_begin(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t *max_age,
		      int (*host)(struct fsd_state *, enum fsd_file, uint64_t, struct fsd_snap **),
		      struct fsd_snap **ret_snap, uint64_t *ret_ns)
{
	if (!*max_age || *max_age > s->o.cache_ns)
		*max_age = s->o.cache_ns;
	bool is_host;
	int r = reader_ns(s, reader, file, ret_ns, &is_host);
	if (r < 0 || !is_host)
		return r;
	*ret_ns = 0;
	return host(s, file, *max_age, ret_snap);
}

int fsd_state_open(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t max_age,
		   struct fsd_snap **ret_snap)
{
	uint64_t ns_ino;
	int r = open_begin(s, reader, file, &max_age, host_open, ret_snap, &ns_ino);
	if (r < 0 || !ns_ino)
		return r;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct ctr *c;
		r = ctr_get(s, reader, ns_ino, &c);
		if (r < 0)
			return r;
		if (c->host_like) {
			ctr_unref(s, c);
			return host_open(s, file, max_age, ret_snap);
		}
		pthread_mutex_lock(&c->lock);
		bool sampled = c->has_tasks;
		pthread_mutex_unlock(&c->lock);
		/* The first read of a container: counts before the sampler's. */
		if (!sampled)
			ctr_sample(s, c);
		uint64_t now = hutch_now_ns();
		pthread_mutex_lock(&c->lock);
		if (c->snaps[file] && now - c->snap_at[file] < max_age) {
			*ret_snap = snap_ref(c->snaps[file]);
			pthread_mutex_unlock(&c->lock);
			ctr_unref(s, c);
			return 0;
		}
		struct fsd_snap *snap = NULL;
		r = ctr_render(s, c, file, max_age, &snap);
		if (r >= 0) {
			fsd_snap_unref(c->snaps[file]);
			c->snaps[file] = snap_ref(snap);
			c->snap_at[file] = now;
		}
		pthread_mutex_unlock(&c->lock);
		if (r == -ESTALE) {
			/* The cgroup vanished: the container is gone or moved; look again once. */
			table_remove(s, c);
			ctr_unref(s, c);
			continue;
		}
		ctr_unref(s, c);
		if (r < 0)
			return r;
		*ret_snap = snap;
		return 0;
	}
	return -EIO;
}

/* 1 and the host's file when one younger than max_age is cached, else 0. */
static int host_cached(struct fsd_state *s, enum fsd_file file, uint64_t max_age,
		       struct fsd_snap **ret)
{
	struct fsd_snap *snap = host_hit(s, file, max_age, hutch_now_ns(), NULL);
	if (snap)
		*ret = snap;
	return snap != NULL;
}

int fsd_state_open_cached(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t max_age,
			  struct fsd_snap **ret_snap)
{
	uint64_t ns_ino;
	int r = open_begin(s, reader, file, &max_age, host_cached, ret_snap, &ns_ino);
	if (r < 0 || !ns_ino)
		return r;
	struct ctr *c = ctr_find_ref(s, ns_ino);
	if (!c)
		return 0;
	int hit = 0;
	bool host_like = false;
	uint64_t now = hutch_now_ns();
	if (pthread_mutex_trylock(&c->lock) == 0) {
		if (now - c->validated_at < VALIDATE_NS && c->has_tasks && ctr_alive(c)) {
			host_like = c->host_like;
			if (!host_like && c->snaps[file] && now - c->snap_at[file] < max_age) {
				*ret_snap = snap_ref(c->snaps[file]);
				hit = 1;
			}
		}
		pthread_mutex_unlock(&c->lock);
	}
	if (hit || host_like)
		atomic_store(&c->last_used_ns, now);
	ctr_unref(s, c);
	return host_like ? host_cached(s, file, max_age, ret_snap) : hit;
}
