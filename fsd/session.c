/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd's FUSE side, with libfuse3's low-level API: a fixed tree of
 * lxcfs's layout, each open rendered (or taken from the short-lived cache)
 * into a snapshot kept in fi->fh, reads answered as slices of it.
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>

#include "session.h"

/* The tree: directories and files by inode number (1 is the root). */
#define NO_FILE (-1)
struct node {
	const char *name;
	fuse_ino_t parent;
	int file; /* enum fsd_file, NO_FILE for a directory */
};

enum {
	INO_ROOT = 1,
	INO_PROC,
	INO_PRESSURE,
	INO_SYS,
	INO_DEVICES,
	INO_SYSTEM,
	INO_CPU,
	INO_FIRST_FILE,
};

static const struct node nodes[] = {
	[INO_ROOT] = {"", INO_ROOT, NO_FILE},
	[INO_PROC] = {"proc", INO_ROOT, NO_FILE},
	[INO_PRESSURE] = {"pressure", INO_PROC, NO_FILE},
	[INO_SYS] = {"sys", INO_ROOT, NO_FILE},
	[INO_DEVICES] = {"devices", INO_SYS, NO_FILE},
	[INO_SYSTEM] = {"system", INO_DEVICES, NO_FILE},
	[INO_CPU] = {"cpu", INO_SYSTEM, NO_FILE},
	[INO_FIRST_FILE + FSD_MEMINFO] = {"meminfo", INO_PROC, FSD_MEMINFO},
	[INO_FIRST_FILE + FSD_CPUINFO] = {"cpuinfo", INO_PROC, FSD_CPUINFO},
	[INO_FIRST_FILE + FSD_STAT] = {"stat", INO_PROC, FSD_STAT},
	[INO_FIRST_FILE + FSD_UPTIME] = {"uptime", INO_PROC, FSD_UPTIME},
	[INO_FIRST_FILE + FSD_LOADAVG] = {"loadavg", INO_PROC, FSD_LOADAVG},
	[INO_FIRST_FILE + FSD_DISKSTATS] = {"diskstats", INO_PROC, FSD_DISKSTATS},
	[INO_FIRST_FILE + FSD_SWAPS] = {"swaps", INO_PROC, FSD_SWAPS},
	[INO_FIRST_FILE + FSD_PSI_CPU] = {"cpu", INO_PRESSURE, FSD_PSI_CPU},
	[INO_FIRST_FILE + FSD_PSI_MEMORY] = {"memory", INO_PRESSURE, FSD_PSI_MEMORY},
	[INO_FIRST_FILE + FSD_PSI_IO] = {"io", INO_PRESSURE, FSD_PSI_IO},
	[INO_FIRST_FILE + FSD_CPU_ONLINE] = {"online", INO_CPU, FSD_CPU_ONLINE},
};
#define N_NODES ARRAY_SIZE(nodes)

/* The tree never changes: the kernel may keep names and attributes for long. */
#define TREE_TIMEOUT_S 86400.0

/*
 * An open file: the snapshot its reads are slices of. A read at offset 0
 * after a first pass (top and free keep /proc/stat and /proc/meminfo open
 * and read them again from the start every frame) takes a newer snapshot,
 * as a read of /proc would: one pass, one consistent text.
 */
struct handle {
	int refs; /* atomic: the open file, and a read waiting for a worker */
	enum fsd_file file;
	pthread_mutex_t lock; /* snap, passed */
	struct fsd_snap *snap;
	bool passed; /* a read at offset 0 was answered */
};

/*
 * A snapshot read again from the start is renewed when older than this.
 * procps top reads /proc/stat twice a moment apart (tens of ms) for its first
 * frame: the CPU lines must move between them. Other files: the cache interval.
 */
#define STAT_FRESH_NS 1000000ull

/* An open or a re-read that needs the slow path (a render, a new container), for a worker. */
struct pending_open {
	fuse_req_t req;
	fuse_ino_t ino;
	struct fuse_file_info fi;
	enum fsd_file file;
	pid_t pid;
	struct handle *reread; /* a read at offset 0 to answer from a newer snapshot */
	size_t size;
	struct pending_open *next;
};

struct session_ctx {
	struct fsd_state *state;
	struct fuse_session *se;
	struct timespec started;
	uint64_t cache_ns; /* the state's cache interval */
	bool inline_slow;  /* libfuse's multi-threaded loop: every worker may render */

	pthread_mutex_t lock; /* the queue */
	pthread_cond_t cond;
	struct pending_open *head, *tail;
	bool stopping;
	pthread_t *workers;
	unsigned n_workers;
	int stop_fd; /* eventfd: an answering thread saw the session end */
	/* Per inode, a size the kernel's inode has at least (raise_size), 0 unknown. */
	_Atomic size_t raised[INO_FIRST_FILE + FSD_FILE_COUNT];
};

static const struct node *node_get(fuse_ino_t ino)
{
	return ino >= INO_ROOT && ino < N_NODES && nodes[ino].name ? &nodes[ino] : NULL;
}

static void node_attr(struct session_ctx *ctx, fuse_ino_t ino, struct stat *st)
{
	const struct node *n = &nodes[ino];
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (n->file == NO_FILE) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		/* Size 0 like /proc's own files: readers read to EOF (direct_io). */
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
	}
	st->st_atim = st->st_mtim = st->st_ctim = ctx->started;
	st->st_blksize = 4096;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct session_ctx *ctx = fuse_req_userdata(req);
	for (fuse_ino_t i = INO_ROOT + 1; i < N_NODES; i++) {
		if (!nodes[i].name || nodes[i].parent != parent || strcmp(nodes[i].name, name) != 0)
			continue;
		struct fuse_entry_param e = {
			.ino = i,
			.attr_timeout = TREE_TIMEOUT_S,
			.entry_timeout = TREE_TIMEOUT_S,
		};
		node_attr(ctx, i, &e.attr);
		atomic_store(&ctx->raised[i], 0); /* the reply sets the size to 0 */
		fuse_reply_entry(req, &e);
		return;
	}
	fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct session_ctx *ctx = fuse_req_userdata(req);
	if (!node_get(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	struct stat st;
	node_attr(ctx, ino, &st);
	atomic_store(&ctx->raised[ino], 0); /* the reply sets the size to 0 */
	fuse_reply_attr(req, &st, TREE_TIMEOUT_S);
}

static void dir_add(fuse_req_t req, struct fsd_buf *b, const char *name, fuse_ino_t ino,
		    mode_t mode)
{
	struct stat st = {.st_ino = ino, .st_mode = mode};
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	char tmp[512];
	if (need > sizeof(tmp)) {
		b->err = -ENAMETOOLONG;
		return;
	}
	fuse_add_direntry(req, tmp, need, name, &st, (off_t)(b->len + need));
	fsd_buf_append(b, tmp, need);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct node *n = node_get(ino);
	if (!n || n->file != NO_FILE) {
		fuse_reply_err(req, n ? ENOTDIR : ENOENT);
		return;
	}
	struct fsd_buf b = {0};
	dir_add(req, &b, ".", ino, S_IFDIR);
	dir_add(req, &b, "..", n->parent, S_IFDIR);
	for (fuse_ino_t i = INO_ROOT + 1; i < N_NODES; i++)
		if (nodes[i].name && nodes[i].parent == ino)
			dir_add(req, &b, nodes[i].name, i,
				nodes[i].file == NO_FILE ? S_IFDIR : S_IFREG);
	if (b.err)
		fuse_reply_err(req, -b.err);
	else if ((size_t)off < b.len)
		fuse_reply_buf(req, b.data + off,
			       b.len - (size_t)off < size ? b.len - (size_t)off : size);
	else
		fuse_reply_buf(req, NULL, 0);
	fsd_buf_free(&b);
}

/*
 * read() of a direct_io file comes to us, but since Linux 6.5 splice and
 * sendfile (busybox's cat) read through the page cache, up to the inode's
 * size, which a short read shrinks. Before the reader can splice, raise the
 * size to this snapshot's: store its last bytes at their offset (the kernel
 * grows the size to the end of a store). The store starts inside a page so
 * the kernel never marks a page up to date from it; the open then drops the
 * cached pages (no keep_cache), and splice reads come to us like read().
 */
static void raise_size(struct session_ctx *ctx, fuse_ino_t ino, const struct fsd_snap *snap)
{
	/* Already as large (stores only grow the size; what shrinks it resets raised). */
	if (snap->len < 2 || snap->len <= atomic_load(&ctx->raised[ino]))
		return;
	size_t start = snap->len - 1;
	if (start % 4096 == 0)
		start--;
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(snap->len - start);
	bv.buf[0].mem = (void *)(snap->data + start);
	int r = fuse_lowlevel_notify_store(ctx->se, ino, (off_t)start, &bv, 0);
	if (r < 0 && r != -ENOENT)
		log_debug("raise the size of inode %lu: %s", (unsigned long)ino, strerror(-r));
	size_t had = atomic_load(&ctx->raised[ino]);
	while (r == 0 && had < snap->len &&
	       !atomic_compare_exchange_weak(&ctx->raised[ino], &had, snap->len))
		;
}

/*
 * A short answer to a read the page cache may have sent (whole pages inside
 * the raised size: splice, sendfile) shrinks the kernel's size to where it
 * ended: the next open raises it again. read() of a direct_io file never
 * changes the size; its reads (a reader's buffer, usually past the size)
 * keep the raised size and spare every open its store.
 */
static void note_short_read(struct session_ctx *ctx, fuse_ino_t ino, size_t size, off_t off,
			    size_t n)
{
	if (n >= size || off % 4096 || size % 4096 || ino >= ARRAY_SIZE(ctx->raised))
		return;
	size_t had = atomic_load(&ctx->raised[ino]);
	if ((size_t)off + size <= (had + 4095) / 4096 * 4096)
		atomic_store(&ctx->raised[ino], 0);
}

static void snap_hold(struct fsd_snap *snap)
{
	atomic_fetch_add((_Atomic int *)&snap->refs, 1);
}

static void handle_unref(struct handle *h)
{
	if (h && atomic_fetch_sub((_Atomic int *)&h->refs, 1) == 1) {
		fsd_snap_unref(h->snap);
		pthread_mutex_destroy(&h->lock);
		free(h);
	}
}

/* How old a snapshot read again from the start may be; 0 = the cache interval. */
static uint64_t reread_age(enum fsd_file file)
{
	return file == FSD_STAT ? STAT_FRESH_NS : 0;
}

static void reply_open(struct session_ctx *ctx, fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi, enum fsd_file file, int r, struct fsd_snap *snap)
{
	if (r < 0) {
		/* A reader that is gone gets no answer anyway; others get the errno. */
		fuse_reply_err(req, r == -ESRCH ? ENOENT : -r);
		return;
	}
	struct handle *h = malloc(sizeof(*h));
	if (!h) {
		fsd_snap_unref(snap);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->refs = 1;
	h->file = file;
	pthread_mutex_init(&h->lock, NULL);
	h->snap = snap;
	h->passed = false;
	raise_size(ctx, ino, snap);
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	/* If the reader was interrupted or died meanwhile, no release will come. */
	if (fuse_reply_open(req, fi) != 0)
		handle_unref(h);
}

/* Answers a read of h at off from its snapshot, or from snap (referenced) put in its place. */
static void reply_read(struct session_ctx *ctx, fuse_req_t req, fuse_ino_t ino, struct handle *h,
		       struct fsd_snap *fresh, size_t size, off_t off)
{
	pthread_mutex_lock(&h->lock);
	if (fresh) {
		fsd_snap_unref(h->snap);
		h->snap = fresh;
	}
	struct fsd_snap *snap = h->snap;
	snap_hold(snap);
	if (off == 0)
		h->passed = true;
	pthread_mutex_unlock(&h->lock);
	if (fresh)
		raise_size(ctx, ino, fresh);
	size_t n = 0;
	if (off >= 0 && (uint64_t)off < snap->len) {
		size_t left = snap->len - (size_t)off;
		n = left < size ? left : size;
	}
	note_short_read(ctx, ino, size, off, n);
	fuse_reply_buf(req, n ? snap->data + off : NULL, n);
	fsd_snap_unref(snap);
}

static void open_slow(struct session_ctx *ctx, struct pending_open *p)
{
	struct fsd_snap *snap = NULL;
	int r = fsd_state_open(ctx->state, p->pid, p->file, p->reread ? reread_age(p->file) : 0,
			       &snap);
	if (r < 0 && r != -ESRCH && r != -ENOENT)
		log_debug("open %s for pid %d: %s", fsd_files[p->file].path, (int)p->pid,
			  strerror(-r));
	if (p->reread) {
		/* No newer snapshot (the reader is gone, the cgroup too): the old one. */
		reply_read(ctx, p->req, p->ino, p->reread, r < 0 ? NULL : snap, p->size, 0);
		handle_unref(p->reread);
		return;
	}
	reply_open(ctx, p->req, p->ino, &p->fi, p->file, r, snap);
}

/* Hands p (copied) to a worker; false when it must be done here. */
static bool queue_slow(struct session_ctx *ctx, const struct pending_open *p)
{
	struct pending_open *q = ctx->inline_slow ? NULL : malloc(sizeof(*q));
	if (!q)
		return false;
	*q = *p;
	q->next = NULL;
	pthread_mutex_lock(&ctx->lock);
	if (ctx->tail)
		ctx->tail->next = q;
	else
		ctx->head = q;
	ctx->tail = q;
	pthread_cond_signal(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
	return true;
}

static void *worker_main(void *u)
{
	struct session_ctx *ctx = u;
	for (;;) {
		pthread_mutex_lock(&ctx->lock);
		while (!ctx->head && !ctx->stopping)
			pthread_cond_wait(&ctx->cond, &ctx->lock);
		struct pending_open *p = ctx->head;
		if (p) {
			ctx->head = p->next;
			if (!ctx->head)
				ctx->tail = NULL;
		}
		pthread_mutex_unlock(&ctx->lock);
		if (!p)
			return NULL; /* stopping, queue drained */
		open_slow(ctx, p);
		free(p);
	}
}

/*
 * Opens answered from a fresh cached snapshot are answered here, on the
 * thread that read the request; the rest (renders, new containers) go to
 * the workers, so a slow cgroup never holds up other readers.
 */
static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct session_ctx *ctx = fuse_req_userdata(req);
	const struct node *n = node_get(ino);
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (n->file == NO_FILE) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	struct pending_open p = {
		.req = req,
		.ino = ino,
		.fi = *fi,
		.file = (enum fsd_file)n->file,
		.pid = fuse_req_ctx(req)->pid,
	};
	struct fsd_snap *snap = NULL;
	int r = fsd_state_open_cached(ctx->state, p.pid, p.file, 0, &snap);
	if (r != 0) {
		reply_open(ctx, req, ino, fi, p.file, r < 0 ? r : 0, snap);
		return;
	}
	if (!queue_slow(ctx, &p))
		open_slow(ctx, &p);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct session_ctx *ctx = fuse_req_userdata(req);
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	if (!h) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (off == 0) {
		/* Read again from the start: a newer snapshot when this one is old. */
		uint64_t age = reread_age(h->file);
		pthread_mutex_lock(&h->lock);
		bool renew = h->passed &&
			     hutch_now_ns() - h->snap->born_ns >= (age ? age : ctx->cache_ns);
		pthread_mutex_unlock(&h->lock);
		if (renew) {
			struct pending_open p = {
				.req = req,
				.ino = ino,
				.file = h->file,
				.pid = fuse_req_ctx(req)->pid,
				.reread = h,
				.size = size,
			};
			struct fsd_snap *snap = NULL;
			int r = fsd_state_open_cached(ctx->state, p.pid, p.file, age, &snap);
			if (r != 0) {
				reply_read(ctx, req, ino, h, r > 0 ? snap : NULL, size, 0);
				return;
			}
			atomic_fetch_add((_Atomic int *)&h->refs, 1);
			if (!queue_slow(ctx, &p))
				open_slow(ctx, &p);
			return;
		}
	}
	reply_read(ctx, req, ino, h, NULL, size, off);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	handle_unref((struct handle *)(uintptr_t)fi->fh);
	fi->fh = 0;
	fuse_reply_err(req, 0);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *n = node_get(ino);
	if (!n)
		fuse_reply_err(req, ENOENT);
	else if (n->file != NO_FILE)
		fuse_reply_err(req, ENOTDIR);
	else
		fuse_reply_open(req, fi);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.release = op_release,
};

/*
 * An answering thread, pinned to one CPU. Every thread polls /dev/fuse (a
 * poll wakes them all, where a read wakes only the one that waited
 * longest): the one on the reader's CPU is woken without an interprocessor
 * wakeup and is first to take the request; the others find nothing.
 */
#define MAX_ANSWERERS 4

struct answerer {
	struct session_ctx *ctx;
	int cpu; /* -1: not pinned */
	pthread_t thread;
	bool started;
};

static void *answer_main(void *u)
{
	struct answerer *a = u;
	struct session_ctx *ctx = a->ctx;
	if (a->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(a->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	struct fuse_buf fbuf = {.mem = NULL};
	struct pollfd p[2] = {
		{.fd = fuse_session_fd(ctx->se), .events = POLLIN},
		{.fd = ctx->stop_fd, .events = POLLIN},
	};
	while (!fuse_session_exited(ctx->se)) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		int res = fuse_session_receive_buf(ctx->se, &fbuf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0)
			break;
		fuse_session_process_buf(ctx->se, &fbuf);
	}
	free(fbuf.mem);
	uint64_t one = 1;
	if (write(ctx->stop_fd, &one, sizeof(one)) < 0)
		log_debug("wake the answering threads: %s", strerror(errno));
	return NULL;
}

/*
 * Serves requests until the session ends: one answering thread per CPU this
 * process may run on (this one among them), or libfuse's loop on this thread
 * when there is one CPU, or more than MAX_ANSWERERS. Returns what
 * fuse_session_loop returns.
 */
static int answer_loop(struct session_ctx *ctx, const char *mountpoint, bool one)
{
	cpu_set_t mask;
	int n_cpus = !one && sched_getaffinity(0, sizeof(mask), &mask) == 0 ? CPU_COUNT(&mask) : 1;
	/* Every request wakes every answering thread: not worth it past a few CPUs. */
	if (n_cpus > MAX_ANSWERERS)
		n_cpus = 1;
	struct answerer *ans = n_cpus > 1 ? calloc((size_t)n_cpus, sizeof(*ans)) : NULL;
	int fd = fuse_session_fd(ctx->se);
	int fl = fcntl(fd, F_GETFL);
	if (ans)
		ctx->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (!ans || ctx->stop_fd < 0 || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		if (ans && ctx->stop_fd >= 0)
			close(ctx->stop_fd);
		free(ans);
		log_info("serving %s (one answering thread, %u render threads)", mountpoint,
			 ctx->n_workers);
		return fuse_session_loop(ctx->se);
	}
	int k = 0;
	sigset_t old_mask;
	fsd_block_stop_signals(&old_mask);
	for (int cpu = 0; cpu < CPU_SETSIZE && k < n_cpus; cpu++) {
		if (!CPU_ISSET(cpu, &mask))
			continue;
		ans[k].ctx = ctx;
		ans[k].cpu = cpu;
		if (k > 0 && pthread_create(&ans[k].thread, NULL, answer_main, &ans[k]) == 0)
			ans[k].started = true;
		k++;
	}
	fsd_restore_signals(&old_mask);
	log_info("serving %s (%d answering threads, one per CPU, %u render threads)", mountpoint,
		 n_cpus, ctx->n_workers);
	/* This thread takes the stop signals: it ends the others through stop_fd. */
	answer_main(&ans[0]);
	for (int i = 1; i < k; i++)
		if (ans[i].started)
			pthread_join(ans[i].thread, NULL);
	free(ans);
	close(ctx->stop_fd);
	fcntl(fd, F_SETFL, fl);
	/* The session has exited: this returns its status (the signal) at once. */
	return fuse_session_loop(ctx->se);
}

void fsd_block_stop_signals(sigset_t *ret_old)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, ret_old);
}

void fsd_restore_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

int fsd_session_run(const struct fsd_session_options *opts, struct fsd_state *state,
		    struct hutch_error *err)
{
	struct session_ctx ctx = {
		.state = state,
		.stop_fd = -1,
		.inline_slow = opts->mt_loop,
		.cache_ns = opts->cache_ns ? opts->cache_ns : 100 * 1000000ull,
	};
	clock_gettime(CLOCK_REALTIME, &ctx.started);
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_cond_init(&ctx.cond, NULL);

	char *argv[] = {(char *)"hutch-fsd", (char *)"-o",
			(char *)"allow_other,fsname=hutch-fsd,subtype=hutch-fsd", (char *)"-d",
			NULL};
	struct fuse_args args = FUSE_ARGS_INIT(opts->debug ? 4 : 3, argv);
	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), &ctx);
	fuse_opt_free_args(&args);
	if (!se)
		return hutch_error_set(err, EINVAL, "cannot create the FUSE session");
	ctx.se = se;
	int r = 0;
	/* libfuse leaves ignored signals ignored (a shell's background jobs ignore
	 * SIGINT): a daemon told to stop must stop. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (fuse_set_signal_handlers(se) != 0) {
		r = hutch_error_set(err, EIO, "cannot install signal handlers");
		goto out_destroy;
	}
	if (fuse_session_mount(se, opts->mountpoint) != 0) {
		r = hutch_error_set(err, EIO, "mount FUSE at %s failed (is /dev/fuse there?)",
				    opts->mountpoint);
		goto out_signals;
	}

	int lr;
	if (opts->mt_loop) {
		struct fuse_loop_config *cfg = fuse_loop_cfg_create();
		if (!cfg) {
			r = hutch_error_set(err, ENOMEM, "out of memory");
			goto out_unmount;
		}
		fuse_loop_cfg_set_clone_fd(cfg, 1);
		if (opts->max_threads)
			fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
		log_info("serving %s (libfuse's multi-threaded loop)", opts->mountpoint);
		lr = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	} else {
		/*
		 * One thread reads requests and answers the cheap ones (lookups, reads of
		 * a snapshot, opens of a fresh one); worker threads do the renders. Each
		 * request woken on a cold thread (libfuse's pool takes turns) costs a
		 * context switch: this halves the latency of a cached read.
		 */
		ctx.n_workers = opts->max_threads ? opts->max_threads : 4;
		ctx.workers = calloc(ctx.n_workers, sizeof(*ctx.workers));
		if (!ctx.workers) {
			r = hutch_error_set(err, ENOMEM, "out of memory");
			goto out_unmount;
		}
		sigset_t old_mask;
		fsd_block_stop_signals(&old_mask);
		for (unsigned i = 0; i < ctx.n_workers; i++)
			if ((r = pthread_create(&ctx.workers[i], NULL, worker_main, &ctx)) != 0) {
				ctx.n_workers = i;
				fsd_restore_signals(&old_mask);
				r = hutch_error_set(err, r, "cannot start worker threads");
				goto out_workers;
			}
		fsd_restore_signals(&old_mask);
		lr = answer_loop(&ctx, opts->mountpoint, opts->one_answerer);
	}
	/* A signal ends the loop with the signal's number: that is the clean way out. */
	if (lr < 0)
		r = hutch_error_set(err, -lr, "FUSE loop: %s", strerror(-lr));
	else if (lr > 0)
		log_info("signal %d: unmounting %s", lr, opts->mountpoint);

out_workers:
	pthread_mutex_lock(&ctx.lock);
	ctx.stopping = true;
	pthread_cond_broadcast(&ctx.cond);
	pthread_mutex_unlock(&ctx.lock);
	for (unsigned i = 0; i < ctx.n_workers; i++)
		pthread_join(ctx.workers[i], NULL);
	free(ctx.workers);
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
	pthread_mutex_destroy(&ctx.lock);
	pthread_cond_destroy(&ctx.cond);
	return r;
}
