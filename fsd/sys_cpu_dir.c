/* SPDX-License-Identifier: MIT */
/*
 * sys/devices/system/cpu beyond `online` (see sys_cpu_dir.h). The host's
 * tree is walked once per worker into a table of nodes whose ids are the
 * session's hash of the path, so every worker (and version) agrees on them.
 * Reads are stateless: the host file is read again at each read, so a
 * handle opened under another worker needs nothing.
 */
#define FUSE_USE_VERSION 312
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsd.h"
#include "session.h"
#include "sys_cpu_dir.h"

#define HOST_DIR "/sys/devices/system/cpu"
/* A host with thousands of CPUs has a few hundred thousand entries at most. */
#define MAX_NODES 400000
/* The tree changes only with CPU hotplug: names and attributes may be kept long. */
#define TIMEOUT_S 86400.0

struct cd_node {
	uint64_t ino;
	char *path; /* the host's */
	const char *name;
	mode_t mode;	    /* the host's type; permissions without write */
	size_t parent;	    /* index; the root (the directory itself) is 0 */
	bool root_child;    /* a file or directory right in the directory */
	bool cpu_dir;	    /* cpuN: hidden from a reader who does not see CPU N */
	size_t first, next; /* children, siblings; 0 = none */
};

static struct {
	struct cd_node *nodes;
	size_t n, cap;
	size_t *by_ino; /* node indexes sorted by id */
	struct timespec started;
} cd;

/* The id of an entry, rel below the directory: the session's, from its path in the mount. */
static uint64_t cpu_dir_ino(const char *rel)
{
	char full[PATH_MAX];
	snprintf(full, sizeof(full), "/sys/devices/system/cpu%s%s", rel[0] ? "/" : "", rel);
	return fsd_path_ino(full);
}

static int add_node(const char *path, const char *rel, size_t parent, const struct stat *st)
{
	if (cd.n == MAX_NODES)
		return -E2BIG;
	if (cd.n == cd.cap) {
		size_t cap = cd.cap ? cd.cap * 2 : 256;
		struct cd_node *n = realloc(cd.nodes, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		cd.nodes = n;
		cd.cap = cap;
	}
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	const char *slash = strrchr(p, '/');
	struct cd_node *node = &cd.nodes[cd.n];
	*node = (struct cd_node){
		.ino = cpu_dir_ino(rel),
		.path = p,
		.name = slash ? slash + 1 : p,
		.mode = (st->st_mode & S_IFMT) | (st->st_mode & 0555),
		.parent = parent,
		.root_child = cd.n && parent == 0,
	};
	node->cpu_dir =
		node->root_child && S_ISDIR(st->st_mode) && strncmp(node->name, "cpu", 3) == 0 &&
		strspn(node->name + 3, "0123456789") == strlen(node->name + 3) && node->name[3];
	if (cd.n) {
		node->next = cd.nodes[parent].first;
		cd.nodes[parent].first = cd.n;
	}
	cd.n++;
	return 0;
}

/* Adds the entries of the directory at index dir (path, rel), depth first. */
static int walk(size_t dir, const char *path, const char *rel)
{
	DIR *d = opendir(path);
	if (!d)
		return errno == EACCES ? 0 : -errno;
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		/* The session's own file (rendered per container, cached, per-container view too). */
		if (dir == 0 && strcmp(e->d_name, "online") == 0)
			continue;
		char p[PATH_MAX], rp[PATH_MAX];
		struct stat st;
		if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) >= (int)sizeof(p) ||
		    snprintf(rp, sizeof(rp), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
			    (int)sizeof(rp) ||
		    lstat(p, &st) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			continue;
		size_t me = cd.n;
		r = add_node(p, rp, dir, &st);
		if (r == 0 && S_ISDIR(st.st_mode))
			r = walk(me, p, rp);
	}
	closedir(d);
	return r;
}

static int cmp_ino(const void *a, const void *b)
{
	uint64_t x = cd.nodes[*(const size_t *)a].ino, y = cd.nodes[*(const size_t *)b].ino;
	return x < y ? -1 : x > y;
}

int fsd_cpu_dir_init(const char *host_dir)
{
	const char *root = host_dir ? host_dir : HOST_DIR;
	struct stat st;
	if (stat(root, &st) < 0)
		return -errno;
	/* Timestamps of the boot, as the session's: the same in every worker. */
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	cd.started = (struct timespec){.tv_sec = rt.tv_sec - bt.tv_sec};
	int r = add_node(root, "", 0, &st);
	if (r == 0)
		r = walk(0, root, "");
	if (r == 0) {
		cd.by_ino = malloc(cd.n * sizeof(*cd.by_ino));
		if (!cd.by_ino)
			r = -ENOMEM;
	}
	if (r < 0) {
		fsd_cpu_dir_free();
		return r;
	}
	for (size_t i = 0; i < cd.n; i++)
		cd.by_ino[i] = i;
	qsort(cd.by_ino, cd.n, sizeof(*cd.by_ino), cmp_ino);
	return 0;
}

void fsd_cpu_dir_free(void)
{
	for (size_t i = 0; i < cd.n; i++)
		free(cd.nodes[i].path);
	free(cd.nodes);
	free(cd.by_ino);
	cd.nodes = NULL;
	cd.by_ino = NULL;
	cd.n = cd.cap = 0;
}

static struct cd_node *node_of(uint64_t ino)
{
	size_t lo = 0, hi = cd.by_ino ? cd.n : 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct cd_node *n = &cd.nodes[cd.by_ino[mid]];
		if (n->ino == ino)
			return n;
		if (n->ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The reader's online list into buf; 0 when the reader sees the host's
 * (the host's own readers, a container of every CPU: nothing to hide), 1
 * when it sees its own, a negative errno when it is gone.
 */
static int reader_online(fuse_req_t req, struct fsd_state *s, char *buf, size_t size)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	struct fsd_snap *snap = NULL;
	int r = fsd_state_open_cached(s, pid, FSD_CPU_ONLINE, 0, &snap);
	if (r == 0)
		r = fsd_state_open(s, pid, FSD_CPU_ONLINE, 0, &snap);
	if (r < 0)
		return r;
	size_t n = strcspn(snap->data, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(buf, snap->data, n);
	buf[n] = '\0';
	fsd_snap_unref(snap);
	/* The host's list, read at most once per cache interval for every reader. */
	if (fsd_state_host_text(s, FSD_CPU_ONLINE, &snap) < 0)
		return 1;
	size_t hn = strcspn(snap->data, "\n");
	int own = hn != n || memcmp(snap->data, buf, n) != 0;
	fsd_snap_unref(snap);
	return own;
}

static void node_stat(const struct cd_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = S_ISDIR(n->mode) ? 2 : 1;
	st->st_atim = st->st_mtim = st->st_ctim = cd.started;
	st->st_blksize = 4096;
}

bool fsd_cpu_dir_lookup(fuse_req_t req, struct fsd_state *s, uint64_t parent, const char *name)
{
	struct cd_node *p = node_of(parent);
	if (!p)
		return false;
	for (size_t i = p->first; i; i = cd.nodes[i].next) {
		struct cd_node *n = &cd.nodes[i];
		if (strcmp(n->name, name) != 0)
			continue;
		/* Hidden from this reader: asked again at every lookup (timeout 0). */
		if (n->cpu_dir) {
			char online[256];
			int r = reader_online(req, s, online, sizeof(online));
			if (r < 0 || (r > 0 && fsd_cpu_dir_hidden(n->name, online)))
				break;
		}
		struct fuse_entry_param e = {
			.ino = n->ino,
			.attr_timeout = TIMEOUT_S,
			.entry_timeout = n->cpu_dir ? 0 : TIMEOUT_S,
		};
		node_stat(n, &e.attr);
		fuse_reply_entry(req, &e);
		return true;
	}
	fuse_reply_err(req, ENOENT);
	return true;
}

bool fsd_cpu_dir_getattr(fuse_req_t req, uint64_t ino)
{
	struct cd_node *n = node_of(ino);
	if (!n || n == cd.nodes)
		return false;
	struct stat st;
	node_stat(n, &st);
	fuse_reply_attr(req, &st, TIMEOUT_S);
	return true;
}

bool fsd_cpu_dir_is_dir(uint64_t ino, bool *ret_dir)
{
	struct cd_node *n = node_of(ino);
	if (!n || n == cd.nodes)
		return false;
	*ret_dir = S_ISDIR(n->mode);
	return true;
}

bool fsd_cpu_dir_list(fuse_req_t req, struct fsd_state *s, uint64_t parent, struct fsd_buf *b)
{
	struct cd_node *p = node_of(parent);
	if (!p)
		return false;
	char online[256];
	int virt = p == cd.nodes ? reader_online(req, s, online, sizeof(online)) : 0;
	for (size_t i = p->first; i; i = cd.nodes[i].next) {
		struct cd_node *n = &cd.nodes[i];
		if (n->cpu_dir && virt > 0 && fsd_cpu_dir_hidden(n->name, online))
			continue;
		fsd_dir_add(req, b, n->name, n->ino, n->mode & S_IFMT);
	}
	return true;
}

bool fsd_cpu_dir_open(fuse_req_t req, uint64_t ino, struct fuse_file_info *fi)
{
	struct cd_node *n = node_of(ino);
	if (!n || n == cd.nodes)
		return false;
	if (S_ISDIR(n->mode))
		fuse_reply_err(req, EISDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EACCES);
	else {
		fi->fh = 0;
		fi->direct_io = 1;
		fi->keep_cache = 0;
		fi->noflush = 1;
		fuse_reply_open(req, fi);
	}
	return true;
}

bool fsd_cpu_dir_read(fuse_req_t req, struct fsd_state *s, uint64_t ino, size_t size, off_t off)
{
	struct cd_node *n = node_of(ino);
	if (!n || n == cd.nodes)
		return false;
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return true;
	}
	char online[256];
	struct fsd_buf b = {0};
	int r = -ENOENT;
	if (n->root_child && reader_online(req, s, online, sizeof(online)) > 0)
		r = fsd_cpu_dir_text(n->name, online, &b);
	if (r == -ENOENT) {
		/* The host's file, read now: sysfs makes its text again at each read. */
		_cleanup_close_ int fd = open(n->path, O_RDONLY | O_CLOEXEC);
		_cleanup_free_ char *buf = malloc(size ? size : 1);
		ssize_t got = fd < 0 ? -errno : !buf ? -ENOMEM : pread(fd, buf, size, off);
		if (got < 0 && fd >= 0 && buf)
			got = -errno;
		if (got < 0)
			fuse_reply_err(req, (int)-got);
		else
			fuse_reply_buf(req, buf, (size_t)got);
		return true;
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else if ((size_t)off >= b.len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, b.data + off,
			       b.len - (size_t)off < size ? b.len - (size_t)off : size);
	fsd_buf_free(&b);
	return true;
}

bool fsd_cpu_dir_readlink(fuse_req_t req, uint64_t ino)
{
	struct cd_node *n = node_of(ino);
	if (!n || n == cd.nodes)
		return false;
	char target[PATH_MAX];
	ssize_t len = S_ISLNK(n->mode) ? readlink(n->path, target, sizeof(target) - 1) : -1;
	if (len < 0)
		fuse_reply_err(req, S_ISLNK(n->mode) ? errno : EINVAL);
	else {
		target[len] = '\0';
		fuse_reply_readlink(req, target);
	}
	return true;
}
