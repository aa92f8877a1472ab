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
#include <sys/random.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <time.h>

#include "session.h"
#include "sys_cpu_dir.h"

/*
 * The tree: directories and files by index (1 is the root). The kernel knows
 * them by node id (node_ino), a hash of the path: the same in every worker
 * process and every version of hutch-fsd, so a worker started after another
 * died or was upgraded understands the ids the kernel kept (for a day).
 */
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
	[INO_FIRST_FILE + FSD_SLABINFO] = {"slabinfo", INO_PROC, FSD_SLABINFO},
};
#define N_NODES ARRAY_SIZE(nodes)

static fuse_ino_t node_ino[N_NODES];

uint64_t fsd_path_ino(const char *path)
{
	uint64_t h = 14695981039346656037ull;
	for (const char *p = path; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h > FUSE_ROOT_ID ? h : h + 2;
}

/* Node i's id: fsd_path_ino of its path from the root ("/proc/pressure/cpu"). */
static fuse_ino_t path_ino(size_t i)
{
	const char *parts[8];
	size_t n = 0;
	for (size_t j = i; j != INO_ROOT && n < ARRAY_SIZE(parts); j = nodes[j].parent)
		parts[n++] = nodes[j].name;
	char path[256];
	size_t len = 0;
	while (n--)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s", parts[n]);
	return fsd_path_ino(path);
}

static void nodes_init(void)
{
	for (size_t i = 0; i < N_NODES; i++)
		node_ino[i] = !nodes[i].name ? 0 : i == INO_ROOT ? FUSE_ROOT_ID : path_ino(i);
}

/* The index of node id ino; 0 when there is none. */
static size_t node_index(fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return INO_ROOT;
	for (size_t i = INO_ROOT + 1; i < N_NODES; i++)
		if (node_ino[i] == ino && nodes[i].name)
			return i;
	return 0;
}

/* The tree never changes: the kernel may keep names and attributes for long. */
#define TREE_TIMEOUT_S 86400.0

/*
 * An open file: the snapshot its reads are slices of. A read at offset 0
 * after a first pass (top and free keep /proc/stat and /proc/meminfo open
 * and read them again from the start every frame) takes a newer snapshot,
 * as a read of /proc would: one pass, one consistent text.
 */
struct handle {
	int refs; /* atomic: its slot in the table, and a read waiting for a worker */
	enum fsd_file file;
	pthread_mutex_t lock;  /* snap, passed */
	struct fsd_snap *snap; /* NULL until the first answer of a handle taken over */
	bool passed;	       /* a read at offset 0 was answered */
};

/*
 * Open files by the 64-bit handle the kernel keeps (fi->fh): a table of
 * slots, the handle's number modulo its size, not pointers. A process that
 * takes the connection over (an upgrade, a worker started after a crash)
 * meets handles it never made: it takes them over with a new snapshot. And
 * memory never waits for RELEASE (which the kernel sends a dozen at a time,
 * far behind a flood of opens): a handle is dropped when its slot is needed
 * by the opens N_SLOTS later; its reader, if it ever comes back, gets a new
 * snapshot like a taken-over one.
 */
#define N_SLOTS 8192
/*
 * A handle's 64 bits: this process's random tag (16), the length of the text
 * it was opened with (16; HANDLE_LEN_LONG for 65535 bytes or more), a counter
 * (32). The length is what a process taking a handle over can know of the text
 * its reader already has: a read at or past it is that text's end (EOF), not
 * the tail of a new, longer text glued to the old one.
 */
#define HANDLE_LEN_SHIFT 32
#define HANDLE_LEN_LONG	 0xffffu
#define HANDLE_TAG_SHIFT 48
#define N_SLOT_LOCKS	 64
struct slot {
	uint64_t id;
	struct handle *h;
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
	struct handle
		*reread; /* a read to answer from a newer snapshot (at offset 0, or taken over) */
	size_t size;
	off_t off;
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
	int stop_fd;  /* eventfd: a drain, or an answering thread saw the session end */
	int ready_fd; /* written when serving (the supervisor's pipe), -1 */
	/* Per node, a size the kernel's inode has at least (raise_size), 0 unknown. */
	_Atomic size_t raised[INO_FIRST_FILE + FSD_FILE_COUNT];

	struct slot slots[N_SLOTS];
	pthread_mutex_t slot_locks[N_SLOT_LOCKS];
	uint64_t id_base;	  /* this process's handles: random high bits */
	_Atomic uint64_t next_id; /* and a counter */
	atomic_bool draining;	  /* stop reading requests, answer those read */
};

static const struct node *node_get(fuse_ino_t ino)
{
	size_t i = node_index(ino);
	return i ? &nodes[i] : NULL;
}

static void node_attr(struct session_ctx *ctx, size_t i, struct stat *st)
{
	const struct node *n = &nodes[i];
	memset(st, 0, sizeof(*st));
	st->st_ino = node_ino[i];
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
	size_t pi = node_index(parent);
	for (size_t i = INO_ROOT + 1; pi && i < N_NODES; i++) {
		if (!nodes[i].name || nodes[i].parent != pi || strcmp(nodes[i].name, name) != 0)
			continue;
		struct fuse_entry_param e = {
			.ino = node_ino[i],
			.attr_timeout = TREE_TIMEOUT_S,
			.entry_timeout = TREE_TIMEOUT_S,
		};
		node_attr(ctx, i, &e.attr);
		atomic_store(&ctx->raised[i], 0); /* the reply sets the size to 0 */
		fuse_reply_entry(req, &e);
		return;
	}
	if (!fsd_cpu_dir_lookup(req, ctx->state, parent, name))
		fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct session_ctx *ctx = fuse_req_userdata(req);
	size_t i = node_index(ino);
	if (!i) {
		if (!fsd_cpu_dir_getattr(req, ino))
			fuse_reply_err(req, ENOENT);
		return;
	}
	struct stat st;
	node_attr(ctx, i, &st);
	atomic_store(&ctx->raised[i], 0); /* the reply sets the size to 0 */
	fuse_reply_attr(req, &st, TREE_TIMEOUT_S);
}

/* As /proc's files: chmod, chown, touch are refused (EPERM), a truncate too (EACCES). */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)attr;
	(void)fi;
	bool dir;
	if (!node_index(ino) && !fsd_cpu_dir_is_dir(ino, &dir))
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_err(req, to_set & FUSE_SET_ATTR_SIZE ? EACCES : EPERM);
}

void fsd_dir_add(fuse_req_t req, struct fsd_buf *b, const char *name, fuse_ino_t ino, mode_t mode)
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
	size_t di = node_index(ino);
	const struct node *n = di ? &nodes[di] : NULL;
	bool dir = n && n->file == NO_FILE;
	if (!n && !fsd_cpu_dir_is_dir(ino, &dir)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!dir) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	struct fsd_buf b = {0};
	fsd_dir_add(req, &b, ".", ino, S_IFDIR);
	fsd_dir_add(req, &b, "..", n ? node_ino[n->parent] : ino, S_IFDIR);
	for (size_t i = INO_ROOT + 1; n && i < N_NODES; i++)
		if (nodes[i].name && nodes[i].parent == di)
			fsd_dir_add(req, &b, nodes[i].name, node_ino[i],
				    nodes[i].file == NO_FILE ? S_IFDIR : S_IFREG);
	/* sys/devices/system/cpu's other entries (fsd/sys_cpu_dir.c). */
	if (!n || di == INO_CPU)
		fsd_cpu_dir_list(req, ((struct session_ctx *)fuse_req_userdata(req))->state, ino,
				 &b);
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
	size_t i = node_index(ino);
	if (!i || snap->len < 2 || snap->len <= atomic_load(&ctx->raised[i]))
		return;
	size_t start = snap->len - 1;
	if (start % 4096 == 0)
		start--;
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(snap->len - start);
	bv.buf[0].mem = (void *)(snap->data + start);
	int r = fuse_lowlevel_notify_store(ctx->se, ino, (off_t)start, &bv, 0);
	if (r < 0 && r != -ENOENT)
		log_debug("raise the size of inode %lu: %s", (unsigned long)ino, strerror(-r));
	size_t had = atomic_load(&ctx->raised[i]);
	while (r == 0 && had < snap->len &&
	       !atomic_compare_exchange_weak(&ctx->raised[i], &had, snap->len))
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
	size_t i = node_index(ino);
	if (n >= size || off % 4096 || size % 4096 || !i)
		return;
	size_t had = atomic_load(&ctx->raised[i]);
	if ((size_t)off + size <= (had + 4095) / 4096 * 4096)
		atomic_store(&ctx->raised[i], 0);
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

static struct handle *handle_new(enum fsd_file file, struct fsd_snap *snap)
{
	struct handle *h = malloc(sizeof(*h));
	if (!h)
		return NULL;
	h->refs = 1;
	h->file = file;
	pthread_mutex_init(&h->lock, NULL);
	h->snap = snap;
	h->passed = false;
	return h;
}

static pthread_mutex_t *slot_lock(struct session_ctx *ctx, uint64_t id)
{
	return &ctx->slot_locks[(id % N_SLOTS) % N_SLOT_LOCKS];
}

/* Puts h (its reference moves to the table) under id, dropping the slot's older handle. */
static void handle_put(struct session_ctx *ctx, uint64_t id, struct handle *h)
{
	struct slot *s = &ctx->slots[id % N_SLOTS];
	pthread_mutex_lock(slot_lock(ctx, id));
	struct handle *old = s->h;
	s->id = id;
	s->h = h;
	pthread_mutex_unlock(slot_lock(ctx, id));
	handle_unref(old);
}

/* The handle id, referenced; NULL when this process does not have it (any more). */
static struct handle *handle_get(struct session_ctx *ctx, uint64_t id)
{
	struct slot *s = &ctx->slots[id % N_SLOTS];
	pthread_mutex_lock(slot_lock(ctx, id));
	struct handle *h = s->id == id ? s->h : NULL;
	if (h)
		atomic_fetch_add((_Atomic int *)&h->refs, 1);
	pthread_mutex_unlock(slot_lock(ctx, id));
	return h;
}

static void handle_drop(struct session_ctx *ctx, uint64_t id)
{
	struct slot *s = &ctx->slots[id % N_SLOTS];
	struct handle *h = NULL;
	pthread_mutex_lock(slot_lock(ctx, id));
	if (s->id == id) {
		h = s->h;
		s->h = NULL;
		s->id = 0;
	}
	pthread_mutex_unlock(slot_lock(ctx, id));
	handle_unref(h);
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
	struct handle *h = handle_new(file, snap);
	if (!h) {
		fsd_snap_unref(snap);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	raise_size(ctx, ino, snap);
	uint64_t len = snap->len < HANDLE_LEN_LONG ? snap->len : HANDLE_LEN_LONG;
	uint64_t id = ctx->id_base | len << HANDLE_LEN_SHIFT |
		      (atomic_fetch_add(&ctx->next_id, 1) & ((1ull << HANDLE_LEN_SHIFT) - 1));
	handle_put(ctx, id, h);
	fi->fh = id;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	/* If the reader was interrupted or died meanwhile, no release will come. */
	if (fuse_reply_open(req, fi) != 0)
		handle_drop(ctx, id);
}

/*
 * Answers a read of h at off from its snapshot, or from snap (referenced) put
 * in its place; err (a negative errno) when h has none (a taken-over handle
 * whose render failed).
 */
static void reply_read(struct session_ctx *ctx, fuse_req_t req, fuse_ino_t ino, struct handle *h,
		       struct fsd_snap *fresh, int err, size_t size, off_t off)
{
	pthread_mutex_lock(&h->lock);
	if (fresh) {
		fsd_snap_unref(h->snap);
		h->snap = fresh;
	}
	struct fsd_snap *snap = h->snap;
	if (!snap) {
		pthread_mutex_unlock(&h->lock);
		fuse_reply_err(req, err == -ESRCH || err >= 0 ? ENOENT : -err);
		return;
	}
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
		reply_read(ctx, p->req, p->ino, p->reread, r < 0 ? NULL : snap, r, p->size, p->off);
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
		if (!fsd_cpu_dir_open(req, ino, fi))
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
	if (!node_index(ino) && fsd_cpu_dir_read(req, ctx->state, ino, size, off))
		return;
	struct handle *h = handle_get(ctx, fi->fh);
	bool renew = false;
	uint64_t age = 0;
	if (!h) {
		/* Opened by another process (a worker before an upgrade or a crash), or
		 * dropped from its slot: take it over with a snapshot of now. */
		const struct node *n = node_get(ino);
		if (!n || n->file == NO_FILE) {
			fuse_reply_err(req, n ? EISDIR : ENOENT);
			return;
		}
		uint64_t had = fi->fh >> HANDLE_LEN_SHIFT & HANDLE_LEN_LONG;
		if (off > 0 && had != HANDLE_LEN_LONG && (uint64_t)off >= had) {
			/* Its reader has the whole text it opened: the end. */
			fuse_reply_buf(req, NULL, 0);
			return;
		}
		h = handle_new((enum fsd_file)n->file, NULL);
		if (!h) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		atomic_fetch_add((_Atomic int *)&h->refs, 1);
		handle_put(ctx, fi->fh, h);
		renew = true;
	} else if (off == 0) {
		/* Read again from the start: a newer snapshot when this one is old. */
		age = reread_age(h->file);
		pthread_mutex_lock(&h->lock);
		renew = !h->snap || (h->passed && hutch_now_ns() - h->snap->born_ns >=
							  (age ? age : ctx->cache_ns));
		pthread_mutex_unlock(&h->lock);
	}
	if (renew) {
		struct pending_open p = {
			.req = req,
			.ino = ino,
			.file = h->file,
			.pid = fuse_req_ctx(req)->pid,
			.reread = h, /* our reference moves to p */
			.size = size,
			.off = off,
		};
		struct fsd_snap *snap = NULL;
		int r = fsd_state_open_cached(ctx->state, p.pid, p.file, age, &snap);
		if (r != 0) {
			reply_read(ctx, req, ino, h, r > 0 ? snap : NULL, r, size, off);
			handle_unref(h);
			return;
		}
		if (!queue_slow(ctx, &p))
			open_slow(ctx, &p);
		return;
	}
	reply_read(ctx, req, ino, h, NULL, 0, size, off);
	handle_unref(h);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct session_ctx *ctx = fuse_req_userdata(req);
	handle_drop(ctx, fi->fh);
	fuse_reply_err(req, 0);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	if (node_index(ino) || !fsd_cpu_dir_readlink(req, ino))
		fuse_reply_err(req, node_index(ino) ? EINVAL : ENOENT);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *n = node_get(ino);
	bool dir;
	if (!n && fsd_cpu_dir_is_dir(ino, &dir))
		dir ? fuse_reply_open(req, fi) : fuse_reply_err(req, ENOTDIR);
	else if (!n)
		fuse_reply_err(req, ENOENT);
	else if (n->file != NO_FILE)
		fuse_reply_err(req, ENOTDIR);
	else
		fuse_reply_open(req, fi);
}

static const struct fuse_lowlevel_ops session_ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readlink = op_readlink,
	.open = op_open,
	.read = op_read,
	.release = op_release,
};

void fsd_session_answer(struct fuse_session *se, int stop_fd, atomic_bool *draining)
{
	struct fuse_buf fbuf = {.mem = NULL};
	struct pollfd p[2] = {
		{.fd = fuse_session_fd(se), .events = POLLIN},
		{.fd = stop_fd, .events = POLLIN},
	};
	/*
	 * Not fuse_session_exited: libfuse drops a request read after the session
	 * was told to exit, and a dropped request hangs its reader (in D state)
	 * until the connection ends. A drain stops reading between requests.
	 */
	while (!atomic_load(draining)) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		int res = fuse_session_receive_buf(se, &fbuf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0)
			break; /* unmounted (ENODEV), or the connection aborted */
		fuse_session_process_buf(se, &fbuf);
	}
	free(fbuf.mem);
}

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
	fsd_session_answer(ctx->se, ctx->stop_fd, &ctx->draining);
	uint64_t one = 1;
	if (write(ctx->stop_fd, &one, sizeof(one)) < 0)
		log_debug("wake the answering threads: %s", strerror(errno));
	return NULL;
}

/*
 * Serves requests until a drain (a stop signal) or the end of the
 * connection: one answering thread per CPU this process may run on (this
 * one among them), or one when there is one CPU, more than MAX_ANSWERERS,
 * or one_answerer.
 */
static int answer_loop(struct session_ctx *ctx, const char *mountpoint, bool one)
{
	cpu_set_t mask;
	int n_cpus = !one && sched_getaffinity(0, sizeof(mask), &mask) == 0 ? CPU_COUNT(&mask) : 1;
	/* Every request wakes every answering thread: not worth it past a few CPUs. */
	if (n_cpus > MAX_ANSWERERS)
		n_cpus = 1;
	struct answerer *ans = calloc((size_t)n_cpus, sizeof(*ans));
	int fd = fuse_session_fd(ctx->se);
	int fl = fcntl(fd, F_GETFL);
	if (!ans || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		free(ans);
		return -errno ? -errno : -ENOMEM;
	}
	int k = 0;
	sigset_t old_mask;
	fsd_block_stop_signals(&old_mask);
	for (int cpu = 0; cpu < CPU_SETSIZE && k < n_cpus; cpu++) {
		if (n_cpus > 1 && !CPU_ISSET(cpu, &mask))
			continue;
		ans[k].ctx = ctx;
		ans[k].cpu = n_cpus > 1 ? cpu : -1;
		if (k > 0 && pthread_create(&ans[k].thread, NULL, answer_main, &ans[k]) == 0)
			ans[k].started = true;
		k++;
	}
	fsd_restore_signals(&old_mask);
	if (n_cpus > 1)
		log_info("serving %s (%d answering threads, one per CPU, %u render threads)",
			 mountpoint, n_cpus, ctx->n_workers);
	else
		log_info("serving %s (one answering thread, %u render threads)", mountpoint,
			 ctx->n_workers);
	if (ctx->ready_fd >= 0) {
		/* The supervisor retires the worker before this one when it reads this. */
		if (write(ctx->ready_fd, "R", 1) < 0)
			log_debug("tell the supervisor: %s", strerror(errno));
		close(ctx->ready_fd);
		ctx->ready_fd = -1;
	}
	/* This thread takes the stop signals: it ends the others through stop_fd. */
	answer_main(&ans[0]);
	for (int i = 1; i < k; i++)
		if (ans[i].started)
			pthread_join(ans[i].thread, NULL);
	free(ans);
	fcntl(fd, F_SETFL, fl);
	return 0;
}

void fsd_block_stop_signals(sigset_t *ret_old)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGUSR1);
	sigaddset(&stop, SIGUSR2);
	sigaddset(&stop, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop, ret_old);
}

void fsd_restore_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* The session the signal handler drains (a worker serves one). */
static struct session_ctx *signal_ctx;

static void on_stop_signal(int sig)
{
	(void)sig;
	struct session_ctx *ctx = signal_ctx;
	if (!ctx)
		return;
	atomic_store(&ctx->draining, true);
	if (ctx->inline_slow) {
		fuse_session_exit(ctx->se);
		return;
	}
	uint64_t one = 1;
	int e = errno;
	if (write(ctx->stop_fd, &one, sizeof(one)) < 0)
		errno = e;
	errno = e;
}

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	return read(fd, buf, len);
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	(void)userdata;
	return writev(fd, iov, count);
}

/*
 * The kernel sends a dozen background requests (RELEASE above all) at a time
 * by default: under a flood of opens they queue in the kernel by the million.
 * A cheap answer lets many more be in flight.
 */
#define MAX_BACKGROUND 1024

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_background = MAX_BACKGROUND;
	conn->congestion_threshold = MAX_BACKGROUND * 3 / 4;
}

/*
 * Feeds the connection's INIT request (read by the supervisor) to the new
 * session: libfuse learns what the kernel offered and answers it. The first
 * worker's answer initialises the connection; the kernel refuses the next
 * ones (ENOENT: no such request any more), which is how a worker taken on
 * after a crash or an upgrade joins a connection already running.
 */
static int replay_init(struct fuse_session *se, const void *init, size_t len)
{
	if (len < 40) /* a fuse_in_header */
		return -EINVAL;
	void *copy = malloc(len < 8192 ? 8192 : len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, init, len);
	struct fuse_buf b = {.mem = copy, .size = len};
	fuse_session_process_buf(se, &b);
	free(copy);
	return 0;
}

int fsd_session_attach(struct fuse_session *se, int fuse_fd, const void *init, size_t init_len,
		       struct hutch_error *err)
{
	static const struct fuse_custom_io io = {.read = io_read, .writev = io_writev};
	if (fuse_session_custom_io(se, &io, fuse_fd) != 0)
		return hutch_error_set(err, EINVAL, "cannot serve FUSE fd %d", fuse_fd);
	int r = replay_init(se, init, init_len);
	return r < 0 ? hutch_error_set(err, -r, "no INIT request to start from") : 0;
}

int fsd_session_run(const struct fsd_session_options *opts, struct fsd_state *state,
		    struct hutch_error *err)
{
	static struct session_ctx ctx; /* large (the handle table): not on the stack */
	ctx = (struct session_ctx){
		.state = state,
		.stop_fd = -1,
		.ready_fd = opts->ready_fd,
		.inline_slow = opts->mt_loop,
		.cache_ns = opts->cache_ns ? opts->cache_ns : 100 * 1000000ull,
	};
	nodes_init();
	int cr = fsd_cpu_dir_init(NULL);
	if (cr < 0)
		log_warn("sys/devices/system/cpu: only online (the host's directory: %s)",
			 strerror(-cr));
	/* Timestamps of the boot: the same in every worker. */
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	ctx.started.tv_sec = rt.tv_sec - bt.tv_sec;
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_cond_init(&ctx.cond, NULL);
	for (int i = 0; i < N_SLOT_LOCKS; i++)
		pthread_mutex_init(&ctx.slot_locks[i], NULL);
	uint64_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = hutch_now_ns() ^ (uint64_t)getpid() << 32;
	ctx.id_base = rnd & ~((1ull << HANDLE_TAG_SHIFT) - 1);
	/* A new worker's counter starts elsewhere too. */
	ctx.next_id = rnd & ((1ull << HANDLE_LEN_SHIFT) - 1);

	char *argv[] = {(char *)"hutch-fsd", (char *)"-d", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(opts->debug ? 2 : 1, argv);
	struct fuse_lowlevel_ops ops = session_ops;
	ops.init = op_init;
	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), &ctx);
	fuse_opt_free_args(&args);
	if (!se)
		return hutch_error_set(err, EINVAL, "cannot create the FUSE session");
	ctx.se = se;
	int r = 0;
	r = fsd_session_attach(se, opts->fuse_fd, opts->init, opts->init_len, err);
	if (r < 0)
		goto out_destroy;
	ctx.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (ctx.stop_fd < 0) {
		r = hutch_error_set(err, errno, "eventfd: %s", strerror(errno));
		goto out_destroy;
	}
	signal_ctx = &ctx;
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT};
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int lr;
	if (opts->mt_loop) {
		struct fuse_loop_config *cfg = fuse_loop_cfg_create();
		if (!cfg) {
			r = hutch_error_set(err, ENOMEM, "out of memory");
			goto out_signals;
		}
		if (opts->max_threads)
			fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
		log_info("serving %s (libfuse's multi-threaded loop)", opts->mountpoint);
		if (ctx.ready_fd >= 0) {
			if (write(ctx.ready_fd, "R", 1) < 0)
				log_debug("tell the supervisor: %s", strerror(errno));
			close(ctx.ready_fd);
			ctx.ready_fd = -1;
		}
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
			goto out_signals;
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
	if (lr < 0 && lr != -ENODEV)
		r = hutch_error_set(err, -lr, "FUSE loop: %s", strerror(-lr));
	else if (atomic_load(&ctx.draining))
		log_info("drained: every request read was answered");

out_workers:
	/* The render threads finish what was queued: every request read gets its answer. */
	pthread_mutex_lock(&ctx.lock);
	ctx.stopping = true;
	pthread_cond_broadcast(&ctx.cond);
	pthread_mutex_unlock(&ctx.lock);
	for (unsigned i = 0; i < ctx.n_workers; i++)
		pthread_join(ctx.workers[i], NULL);
	free(ctx.workers);
out_signals:
	signal_ctx = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	close(ctx.stop_fd);
out_destroy:
	if (ctx.ready_fd >= 0)
		close(ctx.ready_fd);
	fuse_session_destroy(se); /* closes the fd: the connection lives on in the supervisor */
	for (int i = 0; i < N_SLOTS; i++)
		handle_unref(ctx.slots[i].h);
	for (int i = 0; i < N_SLOT_LOCKS; i++)
		pthread_mutex_destroy(&ctx.slot_locks[i]);
	pthread_mutex_destroy(&ctx.lock);
	pthread_cond_destroy(&ctx.cond);
	fsd_cpu_dir_free();
	if (r == 0 && !atomic_load(&ctx.draining))
		r = -ENODEV; /* the connection ended: unmounted or aborted */
	return r;
}
