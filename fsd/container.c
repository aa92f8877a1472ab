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
#include <time.h>
#include <unistd.h>

#include "hutch/procfs.h"
#include "hutch/procfs_read.h"
#include "state_internal.h"

void ctr_free(struct ctr *c)
{
	if (!c)
		return;
	if (c->init_pidfd >= 0)
		close(c->init_pidfd);
	cgroup_close(c->cg);
	cgroup_stats_free(&c->stats);
	for (int f = 0; f < FSD_FILE_COUNT; f++)
		fsd_snap_unref(c->snaps[f]);
	fsd_snap_unref(c->cpuinfo_host);
	free(c->cgroup_text);
	free(c->cpu_floor);
	free(c->idle_offset);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void ctr_unref(struct fsd_state *s, struct ctr *c)
{
	pthread_mutex_lock(&s->table_lock);
	bool last = --c->refs == 0 && c->removed;
	pthread_mutex_unlock(&s->table_lock);
	if (last)
		ctr_free(c);
}

/* Takes c out of the table (under the table lock); it is freed at its last unref. */
void table_remove_locked(struct fsd_state *s, struct ctr *c)
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

void table_remove(struct fsd_state *s, struct ctr *c)
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
bool ctr_alive(const struct ctr *c)
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
bool ctr_validate(struct fsd_state *s, struct ctr *c)
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

struct ctr *ctr_find_ref(struct fsd_state *s, uint64_t ns_ino)
{
	struct ctr *c;
	pthread_mutex_lock(&s->table_lock);
	for (c = s->buckets[ns_ino % N_BUCKETS]; c; c = c->next)
		if (c->ns_ino == ns_ino)
			break;
	if (c)
		c->refs++;
	pthread_mutex_unlock(&s->table_lock);
	return c;
}

/* The container of the namespace ns_ino (reader is a process in it), referenced. */
int ctr_get(struct fsd_state *s, pid_t reader, uint64_t ns_ino, struct ctr **ret)
{
	atomic_fetch_add(&s->lookups, 1);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct ctr *c = ctr_find_ref(s, ns_ino);
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
int reader_ns(struct fsd_state *s, pid_t reader, enum fsd_file file, uint64_t *ret_ns,
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
