/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd --containers: each container's files at a path of their own,
 * MOUNTPOINT/<id>/proc/meminfo ..., served from the kernel's page cache.
 *
 * The lxcfs layout gives every container the same inode and picks the text
 * by the reader, so the kernel must ask the daemon on every open and read.
 * Here each container has its own inodes, and the connection answers OPEN
 * with ENOSYS: the kernel then stops sending OPEN and RELEASE for good
 * (fc->no_open) and treats every open as FOPEN_KEEP_CACHE (fs/fuse/file.c,
 * "Default for no-open"), so a read of cached pages never reaches us.
 *
 * Keeping the pages true (the bound: a text read is never older than
 * FSD_CV_BOUND_MS, counted from the oldest number in it):
 * - Every file whose pages may hold a text of ours knows that text's age
 *   (pages_ns). The pusher looks every CV_PASS_NS and renews a text only
 *   when it would pass the bound (less CV_SLACK_NS) before its next look:
 *   a text read in a loop is rendered about every 80 ms, not every pass.
 * - Renewing asks the kernel to tell us of the next read: the attributes
 *   are invalidated (with the pages when the text changed, then the new
 *   text is stored whole: notify_inval_inode, notify_store; alone when it
 *   is the same text), so the next reader that reads to EOF sends one
 *   GETATTR, which is both the size (answered under the push lock, so
 *   always the size of the pages stored) and the sign that it was read.
 * - A text due for renewal that nobody read since the last renewal is not
 *   rendered: its pages are invalidated and the file left alone. Its next
 *   read comes to us (GETATTR, READ), gets a text rendered then, and the
 *   pusher keeps it again. A file read every few seconds (top) costs about
 *   two renders per read; idle containers cost nothing.
 * - A worker knows nothing of the pages of the worker before it (a crash,
 *   an upgrade): as it starts serving, it invalidates every container inode
 *   the kernel knows (a walk of the cgroup tree; the kernel answers ENOENT for
 *   the rest), so the next reads come to it.
 *
 * Node ids are a hash of the path, as in the lxcfs view (fsd/session.c): the
 * same in every worker. A worker meeting an id it never made walks the
 * cgroup tree to find it (at most once every CV_RESCAN_NS).
 *
 * The text is the one the lxcfs view gives the container's readers: it is
 * rendered by fsd_state_open for a process of the container (the init of its
 * pid namespace when that is in the cgroup), which names the container as
 * any reader in it does.
 */
#define FUSE_USE_VERSION 312
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cache_view.h"
#include "session.h"

#define MS 1000000ull
/* How often the pusher looks; a text is renewed when it would pass CV_BOUND_NS - CV_SLACK_NS by the next look. */
#define CV_PASS_NS  (10 * MS)
#define CV_BOUND_NS ((uint64_t)FSD_CV_BOUND_MS * MS)
/* For a late pass and the render itself. */
#define CV_SLACK_NS (10 * MS)
/* Texts the pusher renders use stats at most this old: one read serves a container's files in a pass. */
#define CV_PUSH_AGE_NS (5 * MS)
/* A text renewed unchanged asks for the next read (attributes invalidated) at most this often. */
#define CV_ASK_NS (500 * MS)
/* A text rendered for a request (a file nobody pushes) uses stats at most this old. */
#define CV_RENDER_AGE_NS (20 * MS)
#define CV_RESCAN_NS	 (2000 * MS)
#define CV_TIMEOUT_S	 86400.0
#define CV_MAX_DEPTH	 32
/*
 * The size of a file with no text yet (looked up before its first render,
 * or its cgroup has no process to render for): larger than any text
 * (fsd/snapshot.c reads host files of 4 MiB at most), with attributes valid
 * for 0 s. stat asks again (GETATTR: the rendered size); read, splice and
 * sendfile read the page cache up to the size without asking, and size 0
 * would be an empty file to them: past the text, the READ's short answer
 * sets the size.
 */
#define CV_SIZE_UNKNOWN (8u << 20)

/* A container's subtree: its directory, the directories under it, its files. */
#define NO_FILE (-1)
struct tnode {
	const char *name;
	int parent; /* index in tnodes */
	int file;   /* enum fsd_file, NO_FILE for a directory */
};
enum { T_CTR, T_PROC, T_PRESSURE, T_SYS, T_DEVICES, T_SYSTEM, T_CPU, T_FIRST_FILE };
static const struct tnode tnodes[] = {
	[T_CTR] = {"", -1, NO_FILE},
	[T_PROC] = {"proc", T_CTR, NO_FILE},
	[T_PRESSURE] = {"pressure", T_PROC, NO_FILE},
	[T_SYS] = {"sys", T_CTR, NO_FILE},
	[T_DEVICES] = {"devices", T_SYS, NO_FILE},
	[T_SYSTEM] = {"system", T_DEVICES, NO_FILE},
	[T_CPU] = {"cpu", T_SYSTEM, NO_FILE},
	[T_FIRST_FILE + FSD_MEMINFO] = {"meminfo", T_PROC, FSD_MEMINFO},
	[T_FIRST_FILE + FSD_CPUINFO] = {"cpuinfo", T_PROC, FSD_CPUINFO},
	[T_FIRST_FILE + FSD_STAT] = {"stat", T_PROC, FSD_STAT},
	[T_FIRST_FILE + FSD_UPTIME] = {"uptime", T_PROC, FSD_UPTIME},
	[T_FIRST_FILE + FSD_LOADAVG] = {"loadavg", T_PROC, FSD_LOADAVG},
	[T_FIRST_FILE + FSD_DISKSTATS] = {"diskstats", T_PROC, FSD_DISKSTATS},
	[T_FIRST_FILE + FSD_SWAPS] = {"swaps", T_PROC, FSD_SWAPS},
	[T_FIRST_FILE + FSD_PSI_CPU] = {"cpu", T_PRESSURE, FSD_PSI_CPU},
	[T_FIRST_FILE + FSD_PSI_MEMORY] = {"memory", T_PRESSURE, FSD_PSI_MEMORY},
	[T_FIRST_FILE + FSD_PSI_IO] = {"io", T_PRESSURE, FSD_PSI_IO},
	[T_FIRST_FILE + FSD_CPU_ONLINE] = {"online", T_CPU, FSD_CPU_ONLINE},
	[T_FIRST_FILE + FSD_SLABINFO] = {"slabinfo", T_PROC, FSD_SLABINFO},
};
#define N_T ARRAY_SIZE(tnodes)

struct cv_ctr;

/* Node id to node: one per node of every container, chained by id. */
struct cv_ent {
	fuse_ino_t ino;
	struct cv_ctr *c;
	int t;
	struct cv_ent *next;
};

struct cv_file {
	/*
	 * Held while the text changes in the kernel (invalidate, store) and while a
	 * GETATTR answers a size: a size answered is the size of the pages. Never
	 * taken by READ: the pusher may wait, holding it, for a page a READ fills.
	 */
	pthread_mutex_t push_lock;
	pthread_mutex_t snap_lock;
	struct fsd_snap *cur; /* snap_lock: the text in the kernel, NULL before the first */
	/* Written under snap_lock (read without it by the pusher's look): born_ns of
	 * the oldest text the pages may hold; 0: none (invalidated). */
	_Atomic uint64_t pages_ns;
	uint64_t asked_at; /* the pusher's: when it last invalidated the attributes */
	_Atomic uint64_t last_req_ns;
};

struct cv_ctr {
	char *name; /* encoded */
	char *path; /* the cgroup path, from the hierarchy's root */
	struct cv_ctr *next;
	struct cv_ctr *all_next; /* the pusher's list of every container (cv_ctx.all) */
	pthread_mutex_t pid_lock;
	pid_t pid; /* a process of the container, the reader renders are done for */
	int pidfd;
	struct cv_ent ents[N_T];
	struct cv_file files[FSD_FILE_COUNT];
	/* The latest of its files' last_req_ns; the pusher's own: the value it
	 * last saw and how many files may have pages. An idle container costs the
	 * pusher two loads a pass. */
	_Atomic uint64_t last_req_ns;
	uint64_t seen_req_ns;
	int n_cached;
};

/* A request that may wait for a push lock or a render: done by a helper thread. */
struct cv_pending {
	fuse_req_t req;
	struct cv_ctr *c;
	int file;
	struct cv_pending *next;
};

#define N_CTR_BUCKETS 1024
#define N_ENT_BUCKETS 4096
#define N_HELPERS     2

struct cv_ctx {
	struct fsd_state *state;
	struct fuse_session *se;
	struct timespec started;
	char hier[PATH_MAX]; /* the hierarchy containers are named in (memory's, or the unified) */
	char unified[PATH_MAX]; /* the unified hierarchy when it is another, or "" */

	pthread_rwlock_t table_lock;
	struct cv_ctr *ctrs[N_CTR_BUCKETS];
	/*
	 * Every container, newest first, for the pusher to walk without the
	 * table lock: a container is put at its head (under the write lock,
	 * all_next set before) and freed only at exit.
	 */
	struct cv_ctr *_Atomic all;
	struct cv_ent *ents[N_ENT_BUCKETS];
	size_t n_ctrs;
	_Atomic uint64_t rescan_at;

	pthread_mutex_t lock; /* the queue, stop */
	pthread_cond_t cond;
	struct cv_pending *head, *tail;
	bool stopping;
	pthread_t helpers[N_HELPERS];
	unsigned n_helpers;
	pthread_t pusher;
	bool pusher_started;

	int stop_fd;
	int ready_fd;
	atomic_bool draining;
	/* The latest request to any file; the pusher's own: the value it last saw and
	 * how many files may have pages. No request, no pages: a pass is one load. */
	_Atomic uint64_t last_req_ns;
	uint64_t seen_req_ns;
	size_t n_cached;

	/* What reached us, for the log (-v) and the tests. */
	_Atomic uint64_t n_lookup, n_getattr, n_read, n_open, n_push, n_store, n_inval, n_idle;
};

static fuse_ino_t hash_ino(const char *name, int t)
{
	const char *parts[8];
	size_t n = 0;
	for (int j = t; j > T_CTR && n < ARRAY_SIZE(parts); j = tnodes[j].parent)
		parts[n++] = tnodes[j].name;
	uint64_t h = 14695981039346656037ull;
	h = (h ^ '/') * 1099511628211ull;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	while (n--) {
		h = (h ^ '/') * 1099511628211ull;
		for (const char *p = parts[n]; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	}
	return h > FUSE_ROOT_ID ? h : h + 2;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void ctr_free(struct cv_ctr *c)
{
	if (!c)
		return;
	for (int f = 0; f < FSD_FILE_COUNT; f++) {
		fsd_snap_unref(c->files[f].cur);
		pthread_mutex_destroy(&c->files[f].push_lock);
		pthread_mutex_destroy(&c->files[f].snap_lock);
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	pthread_mutex_destroy(&c->pid_lock);
	free(c->name);
	free(c->path);
	free(c);
}

static struct cv_ctr *ctr_new(const char *name, const char *path)
{
	struct cv_ctr *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	c->path = strdup(path);
	c->pidfd = -1;
	pthread_mutex_init(&c->pid_lock, NULL);
	for (int f = 0; f < FSD_FILE_COUNT; f++) {
		pthread_mutex_init(&c->files[f].push_lock, NULL);
		pthread_mutex_init(&c->files[f].snap_lock, NULL);
	}
	for (int t = 0; t < (int)N_T; t++)
		c->ents[t] = (struct cv_ent){.ino = hash_ino(name, t), .c = c, .t = t};
	if (!c->name || !c->path) {
		ctr_free(c);
		return NULL;
	}
	return c;
}

/* Under the table lock (read or write). */
static struct cv_ctr *ctr_find_locked(struct cv_ctx *ctx, const char *name)
{
	struct cv_ctr *c = ctx->ctrs[hash_name(name) % N_CTR_BUCKETS];
	for (; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static struct cv_ent *ent_find_locked(struct cv_ctx *ctx, fuse_ino_t ino)
{
	struct cv_ent *e = ctx->ents[ino % N_ENT_BUCKETS];
	for (; e; e = e->next)
		if (e->ino == ino)
			return e;
	return NULL;
}

/*
 * Whether path is a cgroup of the naming hierarchy, or of the unified one on
 * hybrid hosts (where runtimes make it first: hutch binds the files before
 * its v1 cgroups exist).
 */
static bool cgroup_exists(struct cv_ctx *ctx, const char *path)
{
	for (int i = 0; i < 2; i++) {
		const char *root = i ? ctx->unified : ctx->hier;
		char dir[PATH_MAX + 64];
		struct stat st;
		int n = snprintf(dir, sizeof(dir), "%s%s", root, path);
		if (root[0] && n > 0 && (size_t)n < sizeof(dir) && stat(dir, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			return true;
	}
	return false;
}

/* The container named name (added when its cgroup exists); NULL with errno. */
static struct cv_ctr *ctr_get(struct cv_ctx *ctx, const char *name)
{
	pthread_rwlock_rdlock(&ctx->table_lock);
	struct cv_ctr *c = ctr_find_locked(ctx, name);
	pthread_rwlock_unlock(&ctx->table_lock);
	if (c)
		return c;
	char path[PATH_MAX];
	int r = fsd_cache_id_decode(name, path, sizeof(path));
	if (r < 0 || !cgroup_exists(ctx, path)) {
		errno = ENOENT;
		return NULL;
	}
	struct cv_ctr *fresh = ctr_new(name, path);
	if (!fresh) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_rwlock_wrlock(&ctx->table_lock);
	c = ctr_find_locked(ctx, name);
	if (!c) {
		c = TAKE_PTR(fresh);
		struct cv_ctr **b = &ctx->ctrs[hash_name(name) % N_CTR_BUCKETS];
		c->next = *b;
		*b = c;
		for (int t = 0; t < (int)N_T; t++) {
			struct cv_ent **eb = &ctx->ents[c->ents[t].ino % N_ENT_BUCKETS];
			c->ents[t].next = *eb;
			*eb = &c->ents[t];
		}
		c->all_next = atomic_load(&ctx->all);
		atomic_store(&ctx->all, c);
		ctx->n_ctrs++;
	}
	pthread_rwlock_unlock(&ctx->table_lock);
	ctr_free(fresh);
	return c;
}

/*
 * Every cgroup of the naming hierarchy whose container directory the kernel
 * knows (an invalidation of its attributes succeeds): added to the table,
 * with inval_files its files invalidated too (a new worker: the pages may be
 * its predecessor's).
 */
static void scan_dir(struct cv_ctx *ctx, char *path, size_t len, int depth, bool inval_files)
{
	char dir[PATH_MAX + 64];
	snprintf(dir, sizeof(dir), "%s%s", ctx->hier, len ? path : "/");
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		size_t nl = strlen(de->d_name);
		if (len + 1 + nl >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, nl + 1);
		char name[NAME_MAX + 1];
		if (fsd_cache_id_encode(path, name, sizeof(name)) == 0 &&
		    fuse_lowlevel_notify_inval_inode(ctx->se, hash_ino(name, T_CTR), -1, 0) == 0) {
			struct cv_ctr *c = ctr_get(ctx, name);
			for (int f = 0; c && inval_files && f < FSD_FILE_COUNT; f++)
				fuse_lowlevel_notify_inval_inode(
					ctx->se, c->ents[T_FIRST_FILE + f].ino, 0, 0);
		}
		if (depth < CV_MAX_DEPTH)
			scan_dir(ctx, path, len + 1 + nl, depth + 1, inval_files);
		path[len] = '\0';
	}
	closedir(d);
}

/*
 * A walk for a request (inval_files false) is rate-limited: it sets
 * rescan_at. The new worker's first walk (the pusher's) does not, so a
 * request meeting an id meanwhile walks too rather than getting ENOENT.
 */
static void scan(struct cv_ctx *ctx, bool inval_files)
{
	char path[PATH_MAX] = "";
	if (!inval_files)
		atomic_store(&ctx->rescan_at, hutch_now_ns());
	scan_dir(ctx, path, 0, 0, inval_files);
}

/* The node of ino; an id this worker never made sends it looking (rate-limited). */
static struct cv_ent *ent_get(struct cv_ctx *ctx, fuse_ino_t ino)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		pthread_rwlock_rdlock(&ctx->table_lock);
		struct cv_ent *e = ent_find_locked(ctx, ino);
		pthread_rwlock_unlock(&ctx->table_lock);
		if (e || attempt)
			return e;
		if (hutch_now_ns() - atomic_load(&ctx->rescan_at) < CV_RESCAN_NS)
			return NULL;
		scan(ctx, false);
	}
	return NULL;
}

static bool pidfd_alive(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

/*
 * How well pid stands for its container: 2 the init of a pid namespace other
 * than ours (a container's init), 1 another process in such a namespace, 0
 * one in ours (a runtime's helper before its exec: it would read the host's
 * files), -1 gone.
 */
static int reader_rank(pid_t pid)
{
	char file[64];
	snprintf(file, sizeof(file), "/proc/%d/status", (int)pid);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hutch_read_file(file, 1 << 16, &buf, &len) < 0)
		return -1;
	const char *ns = strstr(buf, "\nNSpid:");
	if (!ns)
		return 0;
	ns += 8;
	const char *eol = strchr(ns, '\n');
	size_t n = 0;
	long last = 0;
	for (char *p = (char *)ns, *end; p < eol; p = end) {
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		n++;
		last = v;
	}
	return n < 2 ? 0 : last == 1 ? 2 : 1;
}

/* How many of a cgroup's processes are looked at to choose one. */
#define MAX_CANDIDATES 64

/*
 * A live process of c: the init of its pid namespace if it is in the
 * cgroup, else another of its processes (the lowest pids first);
 * -ESRCH when it has none.
 */
static int ctr_reader(struct cv_ctx *ctx, struct cv_ctr *c, bool again, pid_t *ret)
{
	pthread_mutex_lock(&c->pid_lock);
	if (!again && c->pidfd >= 0 && pidfd_alive(c->pidfd)) {
		*ret = c->pid;
		pthread_mutex_unlock(&c->pid_lock);
		return 0;
	}
	char file[PATH_MAX + 64];
	snprintf(file, sizeof(file), "%s%s/cgroup.procs", ctx->hier, c->path);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hutch_read_file(file, 16 << 20, &buf, &len);
	pid_t best = 0;
	int best_rank = -1, seen = 0;
	for (char *p = buf, *end; r >= 0 && p && *p && seen < MAX_CANDIDATES && best_rank < 2;
	     p = end) {
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v <= 0)
			continue;
		seen++;
		int rank = reader_rank((pid_t)v);
		if (rank > best_rank || (rank == best_rank && v < best)) {
			best = (pid_t)v;
			best_rank = rank;
		}
	}
	if (best_rank < 0)
		best = 0;
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = best ? pidfd_open(best, 0) : -1;
	c->pid = best;
	pthread_mutex_unlock(&c->pid_lock);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (!best)
		return -ESRCH;
	*ret = best;
	return 0;
}

/* The container's text of file now (stats at most max_age old). */
static int render(struct cv_ctx *ctx, struct cv_ctr *c, int file, uint64_t max_age,
		  struct fsd_snap **ret)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		pid_t pid;
		int r = ctr_reader(ctx, c, attempt > 0, &pid);
		if (r < 0)
			return r;
		r = fsd_state_open(ctx->state, pid, (enum fsd_file)file, max_age, ret);
		if (r != -ESRCH)
			return r;
	}
	return -ESRCH;
}

static bool same_text(const struct fsd_snap *a, const struct fsd_snap *b)
{
	return a && b && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/*
 * Makes snap the file's text, the push lock held: a new text replaces the
 * pages whole (they and the attributes invalidated, the text stored), which
 * also asks to hear of the next read. The same text keeps the pages, now as
 * young as snap; it asks (the attributes alone invalidated) only when the
 * last ask is CV_ASK_NS old. Returns whether the kernel still has the inode.
 */
static bool push_locked(struct cv_ctx *ctx, struct cv_ctr *c, int f, struct fsd_snap *snap,
			uint64_t now)
{
	struct cv_file *cf = &c->files[f];
	fuse_ino_t ino = c->ents[T_FIRST_FILE + f].ino;
	pthread_mutex_lock(&cf->snap_lock);
	bool same = same_text(cf->cur, snap);
	struct fsd_snap *old = cf->cur;
	cf->cur = snap;
	cf->pages_ns = snap->born_ns;
	pthread_mutex_unlock(&cf->snap_lock);
	fsd_snap_unref(old);
	if (same && now - cf->asked_at < CV_ASK_NS)
		return true;
	cf->asked_at = now;
	atomic_fetch_add(&ctx->n_inval, 1);
	int r = fuse_lowlevel_notify_inval_inode(ctx->se, ino, same ? -1 : 0, 0);
	if (r == -ENOENT || same)
		return r != -ENOENT;
	if (snap->len) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(snap->len);
		bv.buf[0].mem = snap->data;
		r = fuse_lowlevel_notify_store(ctx->se, ino, 0, &bv, 0);
		atomic_fetch_add(&ctx->n_store, 1);
		if (r < 0 && r != -ENOENT)
			log_debug("store %s/%s: %s", c->name, fsd_files[f].path, strerror(-r));
	}
	return r != -ENOENT;
}

/* Lets go of the file's pages, the push lock held: its next read comes to us. */
static void drop_locked(struct cv_ctx *ctx, struct cv_ctr *c, int f)
{
	struct cv_file *cf = &c->files[f];
	/* Before the invalidation: a READ after it marks the pages again. */
	pthread_mutex_lock(&cf->snap_lock);
	cf->pages_ns = 0;
	pthread_mutex_unlock(&cf->snap_lock);
	fuse_lowlevel_notify_inval_inode(ctx->se, c->ents[T_FIRST_FILE + f].ino, 0, 0);
}

static void file_attr(struct cv_ctx *ctx, const struct cv_ctr *c, int t, size_t size,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = c ? c->ents[t].ino : FUSE_ROOT_ID;
	if (!c || tnodes[t].file == NO_FILE) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)size;
	}
	st->st_atim = st->st_mtim = st->st_ctim = ctx->started;
	st->st_blksize = 4096;
}

static void touch(struct cv_ctx *ctx, struct cv_ctr *c, int f)
{
	uint64_t now = hutch_now_ns();
	atomic_store(&c->files[f].last_req_ns, now);
	atomic_store(&c->last_req_ns, now);
	atomic_store(&ctx->last_req_ns, now);
}

/*
 * Whether a GETATTR must render the file's text first: a file with pages
 * is the pusher's, unless it is late; one without gets a text this young.
 * Under snap_lock.
 */
static bool text_stale(const struct cv_file *cf, uint64_t now)
{
	if (!cf->cur)
		return true;
	uint64_t age = now > cf->cur->born_ns ? now - cf->cur->born_ns : 0;
	return age >= (cf->pages_ns ? CV_BOUND_NS - CV_SLACK_NS : CV_RENDER_AGE_NS);
}

/* The current text's size; CV_SIZE_UNKNOWN before the first. */
static size_t text_size(struct cv_file *cf)
{
	pthread_mutex_lock(&cf->snap_lock);
	size_t size = cf->cur ? cf->cur->len : CV_SIZE_UNKNOWN;
	pthread_mutex_unlock(&cf->snap_lock);
	return size;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cv_ctx *ctx = fuse_req_userdata(req);
	atomic_fetch_add(&ctx->n_lookup, 1);
	struct fuse_entry_param e = {.attr_timeout = CV_TIMEOUT_S, .entry_timeout = CV_TIMEOUT_S};
	if (parent == FUSE_ROOT_ID) {
		struct cv_ctr *c = ctr_get(ctx, name);
		if (!c) {
			/* Not cached: a container made later under this name is found. */
			fuse_reply_err(req, errno);
			return;
		}
		e.ino = c->ents[T_CTR].ino;
		file_attr(ctx, c, T_CTR, 0, &e.attr);
		fuse_reply_entry(req, &e);
		return;
	}
	struct cv_ent *pe = ent_get(ctx, parent);
	if (!pe || tnodes[pe->t].file != NO_FILE) {
		fuse_reply_err(req, pe ? ENOTDIR : ENOENT);
		return;
	}
	for (int t = T_CTR + 1; t < (int)N_T; t++) {
		if (tnodes[t].parent != pe->t || strcmp(tnodes[t].name, name) != 0)
			continue;
		e.ino = pe->c->ents[t].ino;
		size_t size = CV_SIZE_UNKNOWN;
		if (tnodes[t].file != NO_FILE)
			size = text_size(&pe->c->files[tnodes[t].file]);
		file_attr(ctx, pe->c, t, size, &e.attr);
		/* Not a read: a runtime looks the files up to bind them before the
		 * container's limits are set, and a render now would keep those
		 * (fsd/state.c rereads limits once a second). */
		if (tnodes[t].file != NO_FILE)
			e.attr_timeout = 0;
		fuse_reply_entry(req, &e);
		return;
	}
	fuse_reply_err(req, ENOENT);
}

static int errno_of(int r)
{
	return r == -ESRCH || r == -ESTALE ? ENOENT : -r;
}

/* GETATTR of a file, the push lock held: the size of the text in the kernel, renewed if stale. */
static void getattr_locked(struct cv_ctx *ctx, fuse_req_t req, struct cv_ctr *c, int f)
{
	struct cv_file *cf = &c->files[f];
	pthread_mutex_lock(&cf->snap_lock);
	bool stale = text_stale(cf, hutch_now_ns());
	pthread_mutex_unlock(&cf->snap_lock);
	if (stale) {
		struct fsd_snap *snap = NULL;
		int r = render(ctx, c, f, CV_RENDER_AGE_NS, &snap);
		if (r == -ESRCH && cgroup_exists(ctx, c->path)) {
			/* No process to render for yet (a runtime binding the files before
			 * its init joins): the size is not known, as for a LOOKUP. */
			struct stat st;
			file_attr(ctx, c, T_FIRST_FILE + f, CV_SIZE_UNKNOWN, &st);
			fuse_reply_attr(req, &st, 0);
			return;
		}
		if (r < 0) {
			fuse_reply_err(req, errno_of(r));
			return;
		}
		/*
		 * No invalidation here: it would make the kernel drop this answer
		 * (attr_version). A size that differs drops the pages (the kernel
		 * truncates and invalidates them when it applies it); the same size
		 * keeps pages of an older text, which the pusher replaces at its
		 * next look (pages_ns is theirs).
		 */
		pthread_mutex_lock(&cf->snap_lock);
		struct fsd_snap *old = cf->cur;
		cf->cur = snap;
		pthread_mutex_unlock(&cf->snap_lock);
		fsd_snap_unref(old);
	}
	struct stat st;
	file_attr(ctx, c, T_FIRST_FILE + f, text_size(cf), &st);
	fuse_reply_attr(req, &st, CV_TIMEOUT_S);
}

static void queue(struct cv_ctx *ctx, fuse_req_t req, struct cv_ctr *c, int f)
{
	struct cv_pending *p = malloc(sizeof(*p));
	if (!p) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*p = (struct cv_pending){.req = req, .c = c, .file = f};
	pthread_mutex_lock(&ctx->lock);
	if (ctx->tail)
		ctx->tail->next = p;
	else
		ctx->head = p;
	ctx->tail = p;
	pthread_cond_signal(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
}

static void *helper_main(void *u)
{
	struct cv_ctx *ctx = u;
	pthread_setname_np(pthread_self(), "fsd-helper");
	for (;;) {
		pthread_mutex_lock(&ctx->lock);
		while (!ctx->head && !ctx->stopping)
			pthread_cond_wait(&ctx->cond, &ctx->lock);
		struct cv_pending *p = ctx->head;
		if (p) {
			ctx->head = p->next;
			if (!ctx->head)
				ctx->tail = NULL;
		}
		pthread_mutex_unlock(&ctx->lock);
		if (!p)
			return NULL;
		struct cv_file *cf = &p->c->files[p->file];
		pthread_mutex_lock(&cf->push_lock);
		getattr_locked(ctx, p->req, p->c, p->file);
		pthread_mutex_unlock(&cf->push_lock);
		free(p);
	}
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct cv_ctx *ctx = fuse_req_userdata(req);
	atomic_fetch_add(&ctx->n_getattr, 1);
	struct stat st;
	if (ino == FUSE_ROOT_ID) {
		file_attr(ctx, NULL, 0, 0, &st);
		fuse_reply_attr(req, &st, CV_TIMEOUT_S);
		return;
	}
	struct cv_ent *e = ent_get(ctx, ino);
	if (!e) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	int f = tnodes[e->t].file;
	if (f == NO_FILE) {
		file_attr(ctx, e->c, e->t, 0, &st);
		fuse_reply_attr(req, &st, CV_TIMEOUT_S);
		return;
	}
	touch(ctx, e->c, f);
	struct cv_file *cf = &e->c->files[f];
	/* Here when nobody pushes and the text is fresh; a helper otherwise (it may wait). */
	if (pthread_mutex_trylock(&cf->push_lock) == 0) {
		pthread_mutex_lock(&cf->snap_lock);
		bool fresh = !text_stale(cf, hutch_now_ns());
		pthread_mutex_unlock(&cf->snap_lock);
		if (fresh)
			getattr_locked(ctx, req, e->c, f);
		pthread_mutex_unlock(&cf->push_lock);
		if (fresh)
			return;
	}
	queue(ctx, req, e->c, f);
}

/* Reads come when pages are missing: the current text (never waits for a push). */
static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)fi;
	struct cv_ctx *ctx = fuse_req_userdata(req);
	atomic_fetch_add(&ctx->n_read, 1);
	struct cv_ent *e = ent_get(ctx, ino);
	if (!e || tnodes[e->t].file == NO_FILE) {
		fuse_reply_err(req, e ? EISDIR : ENOENT);
		return;
	}
	int f = tnodes[e->t].file;
	struct cv_file *cf = &e->c->files[f];
	touch(ctx, e->c, f);
	pthread_mutex_lock(&cf->snap_lock);
	struct fsd_snap *snap = cf->cur;
	if (snap) {
		atomic_fetch_add((_Atomic int *)&snap->refs, 1);
		/* Its pages hold this text now: the pusher keeps them within the bound. */
		if (!cf->pages_ns || snap->born_ns < cf->pages_ns)
			cf->pages_ns = snap->born_ns;
	}
	pthread_mutex_unlock(&cf->snap_lock);
	if (!snap) {
		/* A file read before any GETATTR of this worker's: its text now. */
		int r = render(ctx, e->c, f, CV_RENDER_AGE_NS, &snap);
		if (r < 0) {
			fuse_reply_err(req, errno_of(r));
			return;
		}
		pthread_mutex_lock(&cf->snap_lock);
		if (!cf->cur) {
			cf->cur = snap;
			atomic_fetch_add((_Atomic int *)&snap->refs, 1);
		}
		if (!cf->pages_ns || snap->born_ns < cf->pages_ns)
			cf->pages_ns = snap->born_ns;
		pthread_mutex_unlock(&cf->snap_lock);
	}
	size_t n = (size_t)off < snap->len ? snap->len - (size_t)off : 0;
	fuse_reply_buf(req, snap->data + (n ? off : 0), n < size ? n : size);
	fsd_snap_unref(snap);
}

/* ENOSYS: the kernel stops sending OPEN and RELEASE and keeps the page cache. */
static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	struct cv_ctx *ctx = fuse_req_userdata(req);
	atomic_fetch_add(&ctx->n_open, 1);
	fuse_reply_err(req, ENOSYS);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)attr;
	(void)fi;
	fuse_reply_err(req, to_set & FUSE_SET_ATTR_SIZE ? EACCES : EPERM);
}

/* The root lists the containers this worker knows; a container's directories their nodes. */
static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	struct cv_ctx *ctx = fuse_req_userdata(req);
	struct fsd_buf b = {0};
	fsd_dir_add(req, &b, ".", ino, S_IFDIR);
	fsd_dir_add(req, &b, "..", FUSE_ROOT_ID, S_IFDIR);
	if (ino == FUSE_ROOT_ID) {
		pthread_rwlock_rdlock(&ctx->table_lock);
		for (size_t i = 0; i < N_CTR_BUCKETS; i++)
			for (struct cv_ctr *c = ctx->ctrs[i]; c; c = c->next)
				fsd_dir_add(req, &b, c->name, c->ents[T_CTR].ino, S_IFDIR);
		pthread_rwlock_unlock(&ctx->table_lock);
	} else {
		struct cv_ent *e = ent_get(ctx, ino);
		if (!e || tnodes[e->t].file != NO_FILE) {
			fsd_buf_free(&b);
			fuse_reply_err(req, e ? ENOTDIR : ENOENT);
			return;
		}
		for (int t = T_CTR + 1; t < (int)N_T; t++)
			if (tnodes[t].parent == e->t)
				fsd_dir_add(req, &b, tnodes[t].name, e->c->ents[t].ino,
					    tnodes[t].file == NO_FILE ? S_IFDIR : S_IFREG);
	}
	if (b.err)
		fuse_reply_err(req, -b.err);
	else if ((size_t)off < b.len)
		fuse_reply_buf(req, b.data + off,
			       b.len - (size_t)off < size ? b.len - (size_t)off : size);
	else
		fuse_reply_buf(req, NULL, 0);
	fsd_buf_free(&b);
}

#define MAX_BACKGROUND 1024

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* The text changes only through our invalidations, never through mtime. */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	conn->max_background = MAX_BACKGROUND;
	conn->congestion_threshold = MAX_BACKGROUND * 3 / 4;
}

static const struct fuse_lowlevel_ops cv_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.open = op_open,
	.read = op_read,
	.readdir = op_readdir,
};

/*
 * One file's look: nothing while its pages stay within the bound until the
 * next look; else a new text when it was read since the last one, its pages
 * dropped when not. Returns whether it may still have pages.
 */
static bool push_file(struct cv_ctx *ctx, struct cv_ctr *c, int f, uint64_t now)
{
	struct cv_file *cf = &c->files[f];
	uint64_t pages = atomic_load(&cf->pages_ns);
	if (!pages)
		return false;
	if (pages >= now || now - pages + CV_PASS_NS + CV_SLACK_NS < CV_BOUND_NS)
		return true;
	bool read = atomic_load(&cf->last_req_ns) >= cf->asked_at;
	struct fsd_snap *snap = NULL;
	int r = read ? render(ctx, c, f, CV_PUSH_AGE_NS, &snap) : -ENOENT;
	bool kept = false;
	pthread_mutex_lock(&cf->push_lock);
	if (r >= 0) {
		kept = push_locked(ctx, c, f, snap, now);
		atomic_fetch_add(&ctx->n_push, 1);
	}
	if (!kept) {
		/* Not read (or gone): its next read comes to us. */
		drop_locked(ctx, c, f);
		atomic_fetch_add(&ctx->n_idle, 1);
	}
	pthread_mutex_unlock(&cf->push_lock);
	return kept;
}

/* Keeps the pages of read files true, drops the others'. */
static void push_pass(struct cv_ctx *ctx, uint64_t now)
{
	uint64_t last_any = atomic_load(&ctx->last_req_ns);
	if (!ctx->n_cached && last_any == ctx->seen_req_ns)
		return;
	ctx->seen_req_ns = last_any;
	ctx->n_cached = 0;
	/*
	 * Not under the table lock: an invalidation below waits for a page a
	 * reader is filling, whose READ may sit behind a LOOKUP of a new
	 * container waiting for the write lock (see cv_ctx.all).
	 */
	for (struct cv_ctr *c = atomic_load(&ctx->all); c; c = c->all_next) {
		uint64_t last_c = atomic_load(&c->last_req_ns);
		if (!c->n_cached && last_c == c->seen_req_ns)
			continue;
		c->seen_req_ns = last_c;
		c->n_cached = 0;
		for (int f = 0; f < FSD_FILE_COUNT; f++)
			c->n_cached += push_file(ctx, c, f, now);
		ctx->n_cached += (size_t)c->n_cached;
	}
}

static void *pusher_main(void *u)
{
	struct cv_ctx *ctx = u;
	pthread_setname_np(pthread_self(), "fsd-pusher");
	/*
	 * The pages of the worker before us are not ours to vouch for. Done here,
	 * while the session serves: an invalidation waits for a page a reader is
	 * filling, and that reader's READ may be one the dead worker left.
	 */
	uint64_t scan_at = hutch_now_ns();
	scan(ctx, true);
	log_info("%zu containers known to the kernel, their pages invalidated (%llu ms)",
		 ctx->n_ctrs, (unsigned long long)((hutch_now_ns() - scan_at) / MS));
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	uint64_t logged_at = 0, logged_sum = 0;
	for (;;) {
		pthread_mutex_lock(&ctx->lock);
		bool stop = ctx->stopping;
		pthread_mutex_unlock(&ctx->lock);
		if (stop)
			return NULL;
		/* One clock read a pass: on some VMs it is a system call. */
		uint64_t t0 = hutch_now_ns();
		push_pass(ctx, t0);
		uint64_t took = hutch_now_ns() - t0;
		if (took > CV_SLACK_NS)
			log_warn("a push pass took %llu ms (slack %llu ms): texts may be older "
				 "than %d ms",
				 (unsigned long long)(took / MS),
				 (unsigned long long)(CV_SLACK_NS / MS), FSD_CV_BOUND_MS);
		/* The counters, once a second when they moved (-v): the tests read them. */
		uint64_t sum =
			ctx->n_lookup + ctx->n_getattr + ctx->n_read + ctx->n_push + ctx->n_idle;
		if (t0 - logged_at >= 1000 * MS && sum != logged_sum) {
			log_debug("requests: lookup %llu getattr %llu read %llu open %llu; pushes "
				  "%llu "
				  "(stores %llu, invalidations %llu), idle %llu; containers %zu",
				  (unsigned long long)ctx->n_lookup,
				  (unsigned long long)ctx->n_getattr,
				  (unsigned long long)ctx->n_read, (unsigned long long)ctx->n_open,
				  (unsigned long long)ctx->n_push, (unsigned long long)ctx->n_store,
				  (unsigned long long)ctx->n_inval, (unsigned long long)ctx->n_idle,
				  ctx->n_ctrs);
			logged_at = t0;
			logged_sum = sum;
		}
		next.tv_nsec += (long)CV_PASS_NS;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now; /* late: no burst of passes to catch up */
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
}

static struct cv_ctx *signal_ctx;

static void on_stop_signal(int sig)
{
	(void)sig;
	struct cv_ctx *ctx = signal_ctx;
	if (!ctx)
		return;
	int e = errno;
	atomic_store(&ctx->draining, true);
	uint64_t one = 1;
	if (write(ctx->stop_fd, &one, sizeof(one)) < 0)
		errno = e;
	errno = e;
}

static int naming_hierarchy(char *buf, size_t size, char *unified, size_t usize)
{
	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return r;
	const struct cgroup_hierarchy *h = cgroup_layout_hierarchy(layout, CGROUP_MEMORY);
	if (!h && layout->unified >= 0)
		h = &layout->hierarchies[layout->unified];
	if (!h)
		return -ENOENT;
	if ((size_t)snprintf(buf, size, "%s", h->mount_point) >= size)
		return -ENAMETOOLONG;
	const struct cgroup_hierarchy *u =
		layout->unified >= 0 ? &layout->hierarchies[layout->unified] : NULL;
	if (u && u != h && (size_t)snprintf(unified, usize, "%s", u->mount_point) >= usize)
		unified[0] = '\0';
	return 0;
}

int fsd_cache_view_run(const struct fsd_session_options *opts, struct fsd_state *state,
		       struct hutch_error *err)
{
	static struct cv_ctx ctx;
	ctx = (struct cv_ctx){.state = state, .stop_fd = -1, .ready_fd = opts->ready_fd};
	int r = naming_hierarchy(ctx.hier, sizeof(ctx.hier), ctx.unified, sizeof(ctx.unified));
	if (r < 0)
		return hutch_error_set(err, -r, "no cgroup hierarchy with the memory controller");
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	ctx.started.tv_sec = rt.tv_sec - bt.tv_sec;
	pthread_rwlock_init(&ctx.table_lock, NULL);
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_cond_init(&ctx.cond, NULL);

	char *argv[] = {(char *)"hutch-fsd", (char *)"-d", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(opts->debug ? 2 : 1, argv);
	struct fuse_session *se = fuse_session_new(&args, &cv_ops, sizeof(cv_ops), &ctx);
	fuse_opt_free_args(&args);
	if (!se)
		return hutch_error_set(err, EINVAL, "cannot create the FUSE session");
	ctx.se = se;
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT};
	r = fsd_session_attach(se, opts->fuse_fd, opts->init, opts->init_len, err);
	if (r < 0)
		goto out_destroy;
	ctx.stop_fd = eventfd(0, EFD_CLOEXEC);
	int fd = fuse_session_fd(se);
	int fl = fcntl(fd, F_GETFL);
	if (ctx.stop_fd < 0 || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		r = hutch_error_set(err, errno, "eventfd: %s", strerror(errno));
		goto out_destroy;
	}
	signal_ctx = &ctx;
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigset_t old_mask;
	fsd_block_stop_signals(&old_mask);
	for (unsigned i = 0; i < N_HELPERS; i++)
		if (pthread_create(&ctx.helpers[i], NULL, helper_main, &ctx) == 0)
			ctx.n_helpers++;
	ctx.pusher_started = pthread_create(&ctx.pusher, NULL, pusher_main, &ctx) == 0;
	fsd_restore_signals(&old_mask);
	if (!ctx.n_helpers || !ctx.pusher_started) {
		r = hutch_error_set(err, EAGAIN, "cannot start threads");
		goto out_threads;
	}
	log_info("serving %s: per-container files from the page cache, renewed while read, "
		 "never older than %d ms (looked at every %llu ms)",
		 opts->mountpoint, FSD_CV_BOUND_MS, (unsigned long long)(CV_PASS_NS / MS));
	if (ctx.ready_fd >= 0) {
		if (write(ctx.ready_fd, "R", 1) < 0)
			log_debug("tell the supervisor: %s", strerror(errno));
		close(ctx.ready_fd);
		ctx.ready_fd = -1;
	}
	fsd_session_answer(se, ctx.stop_fd, &ctx.draining);
	if (atomic_load(&ctx.draining))
		log_info("drained: every request read was answered");

out_threads:
	pthread_mutex_lock(&ctx.lock);
	ctx.stopping = true;
	pthread_cond_broadcast(&ctx.cond);
	pthread_mutex_unlock(&ctx.lock);
	for (unsigned i = 0; i < ctx.n_helpers; i++)
		pthread_join(ctx.helpers[i], NULL);
	if (ctx.pusher_started)
		pthread_join(ctx.pusher, NULL);
	/* The next worker does not know what we pushed: let every read come to it. */
	for (size_t i = 0; i < N_CTR_BUCKETS; i++)
		for (struct cv_ctr *c = ctx.ctrs[i]; c; c = c->next)
			for (int f = 0; f < FSD_FILE_COUNT; f++)
				if (c->files[f].pages_ns)
					fuse_lowlevel_notify_inval_inode(
						se, c->ents[T_FIRST_FILE + f].ino, 0, 0);
	fcntl(fd, F_SETFL, fl);
	signal_ctx = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
out_destroy:
	if (ctx.stop_fd >= 0)
		close(ctx.stop_fd);
	if (ctx.ready_fd >= 0)
		close(ctx.ready_fd);
	bool drained = atomic_load(&ctx.draining);
	fuse_session_destroy(se);
	for (size_t i = 0; i < N_CTR_BUCKETS; i++) {
		struct cv_ctr *c = ctx.ctrs[i], *next;
		for (; c; c = next) {
			next = c->next;
			ctr_free(c);
		}
	}
	pthread_rwlock_destroy(&ctx.table_lock);
	pthread_mutex_destroy(&ctx.lock);
	pthread_cond_destroy(&ctx.cond);
	if (r == 0 && !drained)
		r = -ENODEV;
	return r;
}
