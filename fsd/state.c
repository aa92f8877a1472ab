/* SPDX-License-Identifier: MIT */
/*
 * Readers to containers, containers to rendered files. See state.h.
 *
 * A container is keyed by the inode of its pid namespace. The entry keeps
 * the host pid and start time of the namespace's init and the text of its
 * /proc/PID/cgroup; at most once a second (and whenever its cgroup vanishes)
 * its cgroup is read again, so a container moved to another cgroup is
 * followed. Namespace inodes are reused as soon as a namespace dies, so every
 * lookup also checks that the init is alive (a poll on a pidfd of it): a dead
 * container's entry is never handed to the next namespace with its inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hutch/procfs.h"
#include "hutch/procfs_read.h"
#include "state.h"

#define VALIDATE_NS   1000000000ull
#define SPEC_NS	      1000000000ull
#define N_BUCKETS     256
#define MAX_ANCESTORS 256
#define MAX_READERS   1024

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd of one thread */
#endif

/*
 * A reader (a thread id from a FUSE request) and its pid namespace. The
 * first open of a thread reads its namespace from /proc; a thread that comes
 * back gets a pidfd, and from then on a poll of it (no /proc lookup, a
 * tenth of the cost) proves the thread id still names the thread whose
 * namespace is cached: a pid is reused only after its thread is gone.
 */
struct reader {
	pid_t tid;	 /* 0: free */
	int pidfd;	 /* -1: seen once, namespace not cached */
	uint64_t ns_ino; /* with pidfd */
};

struct ctr {
	uint64_t ns_ino;
	pid_t init_pid;
	uint64_t init_start_ticks;
	size_t init_depth; /* pid namespace levels above and including the container's */
	/* The init itself, immune to pid reuse; -1 on kernels without pidfds. A pid
	 * namespace dies with its init, and only then can its inode be reused. */
	int init_pidfd;
	char *cgroup_text;
	bool host_like; /* the root cgroup everywhere: show the host's files */
	struct ctr *next;
	int refs;     /* under the table lock */
	bool removed; /* out of the table; freed at the last unref */
	_Atomic uint64_t last_used_ns;

	pthread_mutex_t lock; /* everything below */
	struct cgroup *cg;
	struct cgroup_stats stats;
	uint64_t stats_at, spec_at; /* 0: never read */
	uint64_t validated_at;
	struct fsd_snap *snaps[FSD_FILE_COUNT];
	uint64_t snap_at[FSD_FILE_COUNT];
	bool has_tasks;
	uint64_t running, blocked, total, last_pid;
	struct fsd_load load;
	uint64_t load_at;
	uint64_t *cpu_floor; /* proc/stat's last CPU lines (fsd_view.cpu_floor) */
	size_t n_cpu_floor;
};

struct host_file {
	struct fsd_snap *snap;
	uint64_t at;
};

struct fsd_state {
	struct fsd_state_options o;
	const struct cgroup_layout *layout;
	uint64_t self_ns;
	unsigned user_hz;

	pthread_mutex_t table_lock;
	struct ctr *buckets[N_BUCKETS];
	size_t n_ctrs;

	pthread_mutex_t host_lock;
	struct host_file host[FSD_FILE_COUNT];

	pthread_mutex_t readers_lock;
	struct reader *readers; /* n_readers slots, by thread id */
	size_t n_readers;

	pthread_t sampler;
	bool sampler_running;
	bool stopping; /* under stop_lock */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;

	_Atomic uint64_t lookups, resolves, renders, host_reads;
};

void fsd_snap_unref(struct fsd_snap *snap)
{
	if (snap && atomic_fetch_sub((_Atomic int *)&snap->refs, 1) == 1)
		free(snap);
}

static struct fsd_snap *snap_ref(struct fsd_snap *snap)
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

static void ctr_free(struct ctr *c)
{
	if (!c)
		return;
	if (c->init_pidfd >= 0)
		close(c->init_pidfd);
	cgroup_close(c->cg);
	cgroup_stats_free(&c->stats);
	for (int f = 0; f < FSD_FILE_COUNT; f++)
		fsd_snap_unref(c->snaps[f]);
	free(c->cgroup_text);
	free(c->cpu_floor);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void ctr_unref(struct fsd_state *s, struct ctr *c)
{
	pthread_mutex_lock(&s->table_lock);
	bool last = --c->refs == 0 && c->removed;
	pthread_mutex_unlock(&s->table_lock);
	if (last)
		ctr_free(c);
}

/* Takes c out of the table (under the table lock); it is freed at its last unref. */
static void table_remove_locked(struct fsd_state *s, struct ctr *c)
{
	if (c->removed)
		return;
	struct ctr **pp = &s->buckets[c->ns_ino % N_BUCKETS];
	for (; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->removed = true;
	s->n_ctrs--;
}

static void table_remove(struct fsd_state *s, struct ctr *c)
{
	pthread_mutex_lock(&s->table_lock);
	table_remove_locked(s, c);
	pthread_mutex_unlock(&s->table_lock);
}

/* pid is the init of namespace ns_ino when it is pid 1 there and still in it. */
static bool is_ns_init(pid_t pid, const struct procfs_pid_status *ps, uint64_t ns_ino)
{
	uint64_t ino;
	return ps->n_nspid > 0 && ps->nspid[ps->n_nspid - 1] == 1 &&
	       procfs_pidns_inode(pid, &ino) >= 0 && ino == ns_ino;
}

/*
 * The init of namespace ns_ino, looked for among every process. For readers
 * that entered the namespace with setns (hutch exec, docker exec, nsenter):
 * their parents are outside it. Paid once per new container, not per read.
 */
static int scan_ns_init(size_t depth, uint64_t ns_ino, pid_t *ret)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = procfs_list_pids(&pids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct procfs_pid_status ps;
		if (procfs_read_pid_status(pids[i], &ps) < 0 || ps.n_nspid != depth)
			continue;
		if (is_ns_init(pids[i], &ps, ns_ino)) {
			*ret = pids[i];
			return 0;
		}
	}
	return -ESRCH;
}

/* The host pid of the init of pid's namespace: up the parents to the one that is pid 1 there. */
static int find_ns_init(pid_t pid, uint64_t ns_ino, pid_t *ret, size_t *ret_depth)
{
	size_t depth = 0;
	for (int i = 0; i < MAX_ANCESTORS; i++) {
		struct procfs_pid_status ps;
		int r = procfs_read_pid_status(pid, &ps);
		if (r < 0)
			return r;
		if (ps.n_nspid == 0)
			return -EOPNOTSUPP; /* kernels before 4.1 have no NSpid */
		if (depth == 0)
			depth = ps.n_nspid;
		if (ps.n_nspid < depth) {
			/* The chain left the namespace: the reader was setns'd in. */
			*ret_depth = depth;
			return scan_ns_init(depth, ns_ino, ret);
		}
		if (ps.nspid[ps.n_nspid - 1] == 1) {
			if (!is_ns_init(pid, &ps, ns_ino))
				return -ESRCH; /* the reader's namespace went away meanwhile */
			*ret_depth = ps.n_nspid;
			*ret = pid;
			return 0;
		}
		if (ps.ppid <= 0)
			return -ESRCH;
		pid = ps.ppid;
	}
	return -ELOOP;
}

static bool is_root(const char *p)
{
	return !p || strcmp(p, "/") == 0;
}

static int ctr_open_cgroup(struct fsd_state *s, struct ctr *c)
{
	struct procfs_pid_cgroup *pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	int r = procfs_parse_pid_cgroup(c->cgroup_text, strlen(c->cgroup_text), pc);
	struct cgroup *cg = NULL;
	if (r >= 0)
		r = cgroup_open_from_pid_cgroup(s->layout, pc, &cg);
	free(pc);
	if (r < 0)
		return r;
	c->host_like = is_root(cgroup_path(cg)) &&
		       is_root(cgroup_controller_path(cg, CGROUP_MEMORY)) &&
		       is_root(cgroup_controller_path(cg, CGROUP_CPU)) &&
		       is_root(cgroup_controller_path(cg, CGROUP_CPUSET));
	cgroup_close(c->cg);
	c->cg = cg;
	c->stats_at = c->spec_at = 0;
	for (int f = 0; f < FSD_FILE_COUNT; f++) {
		fsd_snap_unref(c->snaps[f]);
		c->snaps[f] = NULL;
	}
	return 0;
}

static int ctr_new(struct fsd_state *s, pid_t reader, uint64_t ns_ino, struct ctr **ret)
{
	pid_t init;
	size_t depth;
	int r = find_ns_init(reader, ns_ino, &init, &depth);
	if (r < 0)
		return r;
	struct procfs_pid_stat ps;
	r = procfs_read_pid_stat(init, &ps);
	if (r < 0)
		return r;
	struct ctr *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	cgroup_stats_init(&c->stats);
	c->ns_ino = ns_ino;
	c->init_pid = init;
	c->init_pidfd = pidfd_open(init, 0);
	c->init_start_ticks = ps.starttime_ticks;
	c->init_depth = depth;
	size_t len;
	/* The pidfd is for the process we read, if it is still in the namespace and as old. */
	uint64_t ino;
	struct procfs_pid_stat again;
	r = procfs_pidns_inode(init, &ino);
	if (r >= 0)
		r = procfs_read_pid_stat(init, &again);
	if (r >= 0 && (ino != ns_ino || again.starttime_ticks != ps.starttime_ticks))
		r = -ESRCH;
	if (r >= 0)
		r = procfs_read_pid_cgroup_text(init, &c->cgroup_text, &len);
	if (r >= 0)
		r = ctr_open_cgroup(s, c);
	if (r < 0) {
		ctr_free(c);
		return r;
	}
	c->validated_at = hutch_now_ns();
	*ret = c;
	return 0;
}

/* Whether c's init is alive: one poll on its pidfd, or /proc where there are no pidfds. */
static bool ctr_alive(const struct ctr *c)
{
	if (c->init_pidfd >= 0) {
		struct pollfd p = {.fd = c->init_pidfd, .events = POLLIN};
		return poll(&p, 1, 0) == 0;
	}
	uint64_t ino;
	struct procfs_pid_stat ps;
	return procfs_pidns_inode(c->init_pid, &ino) == 0 && ino == c->ns_ino &&
	       procfs_read_pid_stat(c->init_pid, &ps) == 0 &&
	       ps.starttime_ticks == c->init_start_ticks;
}

/*
 * Whether c still is the container of its namespace: its init alive, in the
 * same namespace, started at the same time. Follows a move to another
 * cgroup. Called with c->lock held.
 */
static bool ctr_validate(struct fsd_state *s, struct ctr *c)
{
	uint64_t ino;
	struct procfs_pid_stat ps;
	if (!ctr_alive(c) || procfs_pidns_inode(c->init_pid, &ino) < 0 || ino != c->ns_ino ||
	    procfs_read_pid_stat(c->init_pid, &ps) < 0 || ps.starttime_ticks != c->init_start_ticks)
		return false;
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (procfs_read_pid_cgroup_text(c->init_pid, &text, &len) < 0)
		return false;
	if (strcmp(text, c->cgroup_text) != 0) {
		free(c->cgroup_text);
		c->cgroup_text = TAKE_PTR(text);
		if (ctr_open_cgroup(s, c) < 0)
			return false;
	}
	c->validated_at = hutch_now_ns();
	return true;
}

/* The container of the namespace ns_ino (reader is a process in it), referenced. */
static int ctr_get(struct fsd_state *s, pid_t reader, uint64_t ns_ino, struct ctr **ret)
{
	atomic_fetch_add(&s->lookups, 1);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct ctr *c = NULL;
		pthread_mutex_lock(&s->table_lock);
		for (c = s->buckets[ns_ino % N_BUCKETS]; c; c = c->next)
			if (c->ns_ino == ns_ino)
				break;
		if (c)
			c->refs++;
		pthread_mutex_unlock(&s->table_lock);

		if (c) {
			uint64_t now = hutch_now_ns();
			pthread_mutex_lock(&c->lock);
			/* Every open: is the init alive (namespace inodes are reused at once).
			 * Once a second: has it moved to another cgroup. */
			bool ok = ctr_alive(c) &&
				  (now - c->validated_at < VALIDATE_NS || ctr_validate(s, c));
			pthread_mutex_unlock(&c->lock);
			if (ok) {
				atomic_store(&c->last_used_ns, now);
				*ret = c;
				return 0;
			}
			table_remove(s, c);
			ctr_unref(s, c);
			continue;
		}

		atomic_fetch_add(&s->resolves, 1);
		struct ctr *fresh;
		int r = ctr_new(s, reader, ns_ino, &fresh);
		if (r < 0)
			return r;
		atomic_store(&fresh->last_used_ns, hutch_now_ns());
		pthread_mutex_lock(&s->table_lock);
		/* Another worker may have resolved the same namespace meanwhile: keep one. */
		for (c = s->buckets[ns_ino % N_BUCKETS]; c; c = c->next)
			if (c->ns_ino == ns_ino)
				break;
		if (!c) {
			c = fresh;
			fresh = NULL;
			c->next = s->buckets[ns_ino % N_BUCKETS];
			s->buckets[ns_ino % N_BUCKETS] = c;
			s->n_ctrs++;
		}
		c->refs++;
		pthread_mutex_unlock(&s->table_lock);
		ctr_free(fresh);
		*ret = c;
		return 0;
	}
	return -ESRCH;
}

/* Counts the container's tasks and folds them into its load averages. */
static void ctr_sample(struct fsd_state *s, struct ctr *c)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	pthread_mutex_lock(&c->lock);
	int r = c->cg ? cgroup_list_pids(c->cg, &pids, &n) : -ENOENT;
	pthread_mutex_unlock(&c->lock);
	if (r < 0)
		return;
	uint64_t running = 0, blocked = 0, total = 0, last = 0;
	for (size_t i = 0; i < n; i++) {
		struct procfs_pid_status ps;
		if (procfs_read_pid_status(pids[i], &ps) < 0)
			continue; /* exited meanwhile */
		/* The last pid in the container's namespace; processes of the cgroup that are
		 * outside it (a runtime's helper) or in a nested one do not count. */
		if (ps.n_nspid == c->init_depth && (uint64_t)ps.nspid[ps.n_nspid - 1] > last)
			last = (uint64_t)ps.nspid[ps.n_nspid - 1];
		uint64_t threads = hutch_known(ps.threads) && ps.threads > 0 ? ps.threads : 1;
		total += threads;
		if (threads == 1) {
			running += ps.state == 'R';
			blocked += ps.state == 'D';
			continue;
		}
		_cleanup_free_ pid_t *tids = NULL;
		size_t nt = 0;
		if (procfs_list_tasks(pids[i], &tids, &nt) < 0)
			continue;
		for (size_t t = 0; t < nt; t++) {
			struct procfs_pid_stat ts;
			if (procfs_read_task_stat(pids[i], tids[t], &ts) < 0)
				continue;
			running += ts.state == 'R';
			blocked += ts.state == 'D';
		}
	}
	uint64_t now = hutch_now_ns();
	pthread_mutex_lock(&c->lock);
	if (c->has_tasks)
		fsd_load_update(&c->load, running + blocked, (double)(now - c->load_at) / 1e9);
	c->has_tasks = true;
	c->running = running;
	c->blocked = blocked;
	c->total = total;
	c->last_pid = last;
	c->load_at = now;
	pthread_mutex_unlock(&c->lock);
}

static int read_host(const char *path, char **ret, size_t *ret_len)
{
	return hutch_read_file(path, 4 << 20, ret, ret_len);
}

static int host_online(struct hutch_cpuset *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_host(fsd_files[FSD_CPU_ONLINE].host_path, &buf, &len);
	if (r < 0)
		return r;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return hutch_cpuset_parse(buf, ret);
}

/* Renders file for c into a new snapshot. Called with c->lock held. */
static int ctr_render(struct fsd_state *s, struct ctr *c, enum fsd_file file, uint64_t max_age,
		      struct fsd_snap **ret)
{
	uint64_t now = hutch_now_ns();
	if (!c->stats_at || now - c->stats_at >= max_age) {
		unsigned mask = CGROUP_STATS_ALL;
		if (c->spec_at && now - c->spec_at < SPEC_NS)
			mask &= ~(unsigned)CGROUP_STATS_SPEC;
		int r = cgroup_read_stats(c->cg, mask, &c->stats);
		cgroup_release_dirs(c->cg);
		if (r < 0)
			return r == -ENOENT ? -ESTALE : r; /* the cgroup is gone */
		c->stats_at = now;
		if (mask & CGROUP_STATS_SPEC)
			c->spec_at = now;
	}
	struct fsd_view v;
	fsd_view_init(&v, &c->stats);
	v.user_hz = s->user_hz;
	v.init_start_s = (double)c->init_start_ticks / s->user_hz;
	struct timespec boot;
	if (clock_gettime(CLOCK_BOOTTIME, &boot) == 0)
		v.now_s = (double)boot.tv_sec + (double)boot.tv_nsec / 1e9;
	struct hutch_cpuset online;
	int r = host_online(&online);
	if (r < 0)
		return r;
	fsd_visible_cpus(&c->stats, &online, s->o.cfs, &v.visible, &v.cpus_cut);
	size_t n_vis = hutch_cpuset_count(&v.visible);
	if (file == FSD_STAT && n_vis > c->n_cpu_floor) {
		uint64_t *f = realloc(c->cpu_floor, n_vis * PROCFS_CPU_TIME_COUNT * sizeof(*f));
		if (f) {
			memset(f + c->n_cpu_floor * PROCFS_CPU_TIME_COUNT, 0,
			       (n_vis - c->n_cpu_floor) * PROCFS_CPU_TIME_COUNT * sizeof(*f));
			c->cpu_floor = f;
			c->n_cpu_floor = n_vis;
		}
	}
	v.cpu_floor = c->cpu_floor;
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
	_cleanup_free_ char *host = NULL;
	size_t len = 0;
	if (file != FSD_PSI_CPU && file != FSD_PSI_MEMORY && file != FSD_PSI_IO &&
	    file != FSD_CPU_ONLINE) {
		r = read_host(fsd_files[file].host_path, &host, &len);
		if (r < 0)
			return r;
	}
	struct fsd_buf out = {0};
	r = fsd_render(file, host, len, &v, &out);
	if (r >= 0) {
		*ret = snap_new(out.data, out.len);
		if (!*ret)
			r = -ENOMEM;
		else
			(*ret)->born_ns = c->stats_at; /* as old as its numbers */
	}
	fsd_buf_free(&out);
	atomic_fetch_add(&s->renders, 1);
	return r;
}

static int host_open(struct fsd_state *s, enum fsd_file file, uint64_t max_age,
		     struct fsd_snap **ret)
{
	uint64_t now = hutch_now_ns();
	struct host_file *h = &s->host[file];
	pthread_mutex_lock(&s->host_lock);
	if (h->snap && now - h->at < max_age) {
		*ret = snap_ref(h->snap);
		pthread_mutex_unlock(&s->host_lock);
		return 0;
	}
	pthread_mutex_unlock(&s->host_lock);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_host(fsd_files[file].host_path, &buf, &len);
	if (r < 0)
		return r;
	atomic_fetch_add(&s->host_reads, 1);
	struct fsd_snap *snap = snap_new(buf, len);
	if (!snap)
		return -ENOMEM;
	pthread_mutex_lock(&s->host_lock);
	fsd_snap_unref(h->snap);
	h->snap = snap_ref(snap);
	h->at = now;
	pthread_mutex_unlock(&s->host_lock);
	*ret = snap;
	return 0;
}

/* The age a snapshot may have: the cache interval, or less when asked. */
static uint64_t age_limit(const struct fsd_state *s, uint64_t max_age)
{
	return max_age && max_age < s->o.cache_ns ? max_age : s->o.cache_ns;
}

static bool pidfd_alive(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

static int pin_reader(pid_t tid)
{
	int fd = pidfd_open(tid, PIDFD_THREAD);
	if (fd < 0 && errno == EINVAL)
		fd = pidfd_open(tid, 0); /* before 6.9: thread group leaders only */
	return fd;
}

/* The pid namespace of the thread reader: cached (see struct reader) or from /proc. */
static int reader_pidns(struct fsd_state *s, pid_t reader, uint64_t *ret_ns)
{
	if (reader <= 0)
		return -ESRCH;
	struct reader *slot = s->n_readers ? &s->readers[(size_t)reader % s->n_readers] : NULL;
	bool again = false;
	if (slot) {
		pthread_mutex_lock(&s->readers_lock);
		if (slot->tid == reader && slot->pidfd >= 0) {
			if (pidfd_alive(slot->pidfd)) {
				*ret_ns = slot->ns_ino;
				pthread_mutex_unlock(&s->readers_lock);
				return 0;
			}
			close(slot->pidfd); /* gone: the thread id may be another's now */
			slot->pidfd = -1;
			slot->tid = 0;
		}
		again = slot->tid == reader;
		pthread_mutex_unlock(&s->readers_lock);
	}
	/* The pidfd first: alive after the /proc read, it names the thread read. */
	int fd = again ? pin_reader(reader) : -1;
	int r = procfs_pidns_inode(reader, ret_ns);
	if (r < 0 || (fd >= 0 && !pidfd_alive(fd))) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (r < 0 || !slot)
		return r;
	pthread_mutex_lock(&s->readers_lock);
	if (slot->pidfd >= 0)
		close(slot->pidfd);
	slot->tid = reader;
	slot->pidfd = fd;
	slot->ns_ino = *ret_ns;
	pthread_mutex_unlock(&s->readers_lock);
	return 0;
}

/* The reader's pid namespace; true in *ret_host when it is the daemon's own (the host's files). */
static int reader_ns(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t *ret_ns,
		     bool *ret_host)
{
	if ((unsigned)file >= FSD_FILE_COUNT)
		return -EINVAL;
	int r = reader_pidns(s, reader, ret_ns);
	if (r < 0)
		return r;
	*ret_host = *ret_ns == s->self_ns;
	return 0;
}

int fsd_state_open(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t max_age,
		   struct fsd_snap **ret_snap)
{
	uint64_t ns_ino;
	bool host;
	int r = reader_ns(s, reader, file, &ns_ino, &host);
	if (r < 0)
		return r;
	max_age = age_limit(s, max_age);
	if (host)
		return host_open(s, file, max_age, ret_snap);

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

static int host_cached(struct fsd_state *s, enum fsd_file file, uint64_t max_age,
		       struct fsd_snap **ret)
{
	uint64_t now = hutch_now_ns();
	struct host_file *h = &s->host[file];
	int hit = 0;
	pthread_mutex_lock(&s->host_lock);
	if (h->snap && now - h->at < max_age) {
		*ret = snap_ref(h->snap);
		hit = 1;
	}
	pthread_mutex_unlock(&s->host_lock);
	return hit;
}

int fsd_state_open_cached(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t max_age,
			  struct fsd_snap **ret_snap)
{
	uint64_t ns_ino;
	bool host;
	int r = reader_ns(s, reader, file, &ns_ino, &host);
	if (r < 0)
		return r;
	max_age = age_limit(s, max_age);
	if (host)
		return host_cached(s, file, max_age, ret_snap);
	struct ctr *c;
	pthread_mutex_lock(&s->table_lock);
	for (c = s->buckets[ns_ino % N_BUCKETS]; c; c = c->next)
		if (c->ns_ino == ns_ino)
			break;
	if (c)
		c->refs++;
	pthread_mutex_unlock(&s->table_lock);
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

static bool wait_stop(struct fsd_state *s, uint64_t ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t t = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + ns;
	ts.tv_sec = (time_t)(t / 1000000000ull);
	ts.tv_nsec = (long)(t % 1000000000ull);
	pthread_mutex_lock(&s->stop_lock);
	while (!s->stopping)
		if (pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &ts) == ETIMEDOUT)
			break;
	bool stop = s->stopping;
	pthread_mutex_unlock(&s->stop_lock);
	return stop;
}

static void *sampler_main(void *u)
{
	struct fsd_state *s = u;
	while (!wait_stop(s, s->o.sample_interval_ns)) {
		/* Take references to every container, then sample without the table lock. */
		pthread_mutex_lock(&s->table_lock);
		size_t n = 0, cap = s->n_ctrs;
		struct ctr **list = cap ? calloc(cap, sizeof(*list)) : NULL;
		uint64_t now = hutch_now_ns();
		for (int b = 0; list && b < N_BUCKETS; b++) {
			struct ctr *c = s->buckets[b], *next;
			for (; c; c = next) {
				next = c->next;
				if (now - atomic_load(&c->last_used_ns) > s->o.idle_expiry_ns &&
				    c->refs == 0) {
					table_remove_locked(s, c);
					ctr_free(c);
					continue;
				}
				if (n < cap) {
					c->refs++;
					list[n++] = c;
				}
			}
		}
		pthread_mutex_unlock(&s->table_lock);
		for (size_t i = 0; i < n; i++) {
			pthread_mutex_lock(&list[i]->lock);
			bool alive = list[i]->host_like || ctr_validate(s, list[i]);
			pthread_mutex_unlock(&list[i]->lock);
			if (!alive)
				table_remove(s, list[i]);
			else if (!list[i]->host_like)
				ctr_sample(s, list[i]);
			ctr_unref(s, list[i]);
		}
		free(list);
	}
	return NULL;
}

int fsd_state_new(const struct fsd_state_options *opts, struct fsd_state **ret)
{
	struct fsd_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = *opts;
	if (!s->o.cache_ns)
		s->o.cache_ns = 100 * 1000000ull;
	if (!s->o.sample_interval_ns)
		s->o.sample_interval_ns = 5 * 1000000000ull;
	if (!s->o.idle_expiry_ns)
		s->o.idle_expiry_ns = 60 * 1000000000ull;
	long hz = sysconf(_SC_CLK_TCK);
	s->user_hz = hz > 0 ? (unsigned)hz : 100;
	pthread_mutex_init(&s->table_lock, NULL);
	pthread_mutex_init(&s->host_lock, NULL);
	pthread_mutex_init(&s->readers_lock, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	/* A pidfd per cached reader: at most a quarter of the descriptors. */
	struct rlimit rl;
	s->n_readers = MAX_READERS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < s->n_readers)
		s->n_readers = (size_t)(rl.rlim_cur / 4);
	s->readers = s->n_readers ? calloc(s->n_readers, sizeof(*s->readers)) : NULL;
	if (!s->readers)
		s->n_readers = 0;
	for (size_t i = 0; i < s->n_readers; i++)
		s->readers[i].pidfd = -1;
	int r = cgroup_layout_detect(&s->layout);
	if (r >= 0)
		r = procfs_pidns_inode(0, &s->self_ns);
	if (r < 0) {
		fsd_state_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int fsd_state_start_sampler(struct fsd_state *s)
{
	int r = pthread_create(&s->sampler, NULL, sampler_main, s);
	if (r)
		return -r;
	s->sampler_running = true;
	return 0;
}

void fsd_state_free(struct fsd_state *s)
{
	if (!s)
		return;
	if (s->sampler_running) {
		pthread_mutex_lock(&s->stop_lock);
		s->stopping = true;
		pthread_cond_broadcast(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
		pthread_join(s->sampler, NULL);
	}
	for (int b = 0; b < N_BUCKETS; b++) {
		struct ctr *c = s->buckets[b], *next;
		for (; c; c = next) {
			next = c->next;
			ctr_free(c);
		}
	}
	for (int f = 0; f < FSD_FILE_COUNT; f++)
		fsd_snap_unref(s->host[f].snap);
	for (size_t i = 0; i < s->n_readers; i++)
		if (s->readers[i].pidfd >= 0)
			close(s->readers[i].pidfd);
	free(s->readers);
	pthread_mutex_destroy(&s->table_lock);
	pthread_mutex_destroy(&s->host_lock);
	pthread_mutex_destroy(&s->readers_lock);
	pthread_mutex_destroy(&s->stop_lock);
	pthread_cond_destroy(&s->stop_cond);
	free(s);
}

void fsd_state_counters(struct fsd_state *s, struct fsd_state_counters *ret)
{
	pthread_mutex_lock(&s->table_lock);
	ret->containers = s->n_ctrs;
	pthread_mutex_unlock(&s->table_lock);
	ret->lookups = atomic_load(&s->lookups);
	ret->resolves = atomic_load(&s->resolves);
	ret->renders = atomic_load(&s->renders);
	ret->host_reads = atomic_load(&s->host_reads);
}
