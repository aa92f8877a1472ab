// SPDX-License-Identifier: MIT
/*
 * Layers in and out of tar: libarchive reads the (compressed) blob, hutch
 * checks every entry before libarchive writes it, and overlay's whiteouts
 * stand for the tar's .wh. files. sha256 from OpenSSL; progress lines.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

#include "hutch.h"
#include "image_write.h"

/* ---- sha256 ---- */

int sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return -ENOMEM;
	}
	h->md = md;
	return 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->md, data, len);
}

void sha256_final(struct sha256 *h, char hex[IMAGE_ID_HEX + 1])
{
	unsigned char d[32];
	unsigned int n = 0;
	EVP_DigestFinal_ex(h->md, d, &n);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	sha256_free(h);
}

void sha256_free(struct sha256 *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

int sha256_buf(const void *data, size_t len, char hex[IMAGE_ID_HEX + 1])
{
	struct sha256 h;
	int r = sha256_init(&h);
	if (r < 0)
		return r;
	sha256_update(&h, data, len);
	sha256_final(&h, hex);
	return 0;
}

/* ---- progress ---- */

void progress_init(struct progress *p, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->quiet = quiet;
	p->tty = isatty(STDERR_FILENO);
}

void progress_begin(struct progress *p, const char *what, uint64_t total)
{
	p->what = what;
	p->total = total;
	p->done = 0;
	p->start_ns = p->last_ns = hutch_now_ns();
}

static void human(uint64_t b, char *buf, size_t size)
{
	if (b >= 1000000000ull)
		snprintf(buf, size, "%.2f GB", (double)b / 1e9);
	else if (b >= 1000000)
		snprintf(buf, size, "%.1f MB", (double)b / 1e6);
	else
		snprintf(buf, size, "%.1f kB", (double)b / 1e3);
}

static void progress_print(struct progress *p, uint64_t now, bool final, const char *verb)
{
	char done[32], total[32], rate[32];
	double s = (double)(now - p->start_ns) / 1e9;
	human(p->done, done, sizeof(done));
	human(s > 0 ? (uint64_t)((double)p->done / s) : 0, rate, sizeof(rate));
	if (p->tty && !final) {
		int width = 30,
		    fill = p->total ? (int)(width * (double)p->done / (double)p->total) : 0;
		if (fill > width)
			fill = width;
		human(p->total, total, sizeof(total));
		fprintf(stderr, "\r%s [%.*s%*s] %s/%s %s/s\033[K", p->what, fill,
			"==============================", width - fill, "", done,
			p->total ? total : "?", rate);
		return;
	}
	fprintf(stderr, "%s%s: %s %s in %.2fs (%s/s)\n", p->tty ? "\r\033[K" : "", p->what, verb,
		done, s, rate);
}

void progress_update(struct progress *p, uint64_t done)
{
	p->done = done;
	if (p->quiet || !p->tty)
		return;
	uint64_t now = hutch_now_ns();
	if (now - p->last_ns < 100000000ull)
		return;
	p->last_ns = now;
	progress_print(p, now, false, NULL);
}

void progress_end(struct progress *p, const char *verb)
{
	if (!p->quiet)
		progress_print(p, hutch_now_ns(), true, verb);
}

uint64_t layer_max_bytes(void)
{
	uint64_t v;
	const char *s = getenv("HUTCH_MAX_LAYER_BYTES");
	if (s && hutch_parse_size(s, &v) == 0 && v > 0)
		return v;
	return 64ull << 30;
}

/* ---- unpack ---- */

/*
 * The blob as read from its fd: kept (written to keep_fd and hashed) in the
 * same pass that unpacks it, when the caller has no copy of its own yet. A
 * thread of its own writes and hashes each block while the tar reader goes
 * on with the next (a ring of blocks: libarchive holds the one it was given
 * until it asks for another), so keeping costs the unpack little time.
 */
#define SOURCE_BLOCKS 4
#define SOURCE_BLOCK  (1 << 20)
struct unpack_source {
	int fd, keep_fd;
	struct sha256 hash; /* of the blob, when kept */
	uint64_t bytes;
	unsigned next; /* the block the next read fills */
	/* the keeper: blocks [kept, filled) are for it to write and hash */
	pthread_t keeper;
	bool keeper_running, done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long filled, kept;
	size_t len[SOURCE_BLOCKS];
	int keep_errno;
	char (*buf)[SOURCE_BLOCK];
};

static void *keeper_main(void *arg)
{
	struct unpack_source *src = arg;
	pthread_mutex_lock(&src->lock);
	for (;;) {
		while (src->kept == src->filled && !src->done)
			pthread_cond_wait(&src->cond, &src->lock);
		if (src->kept == src->filled)
			break;
		unsigned i = (unsigned)(src->kept % SOURCE_BLOCKS);
		size_t n = src->len[i];
		pthread_mutex_unlock(&src->lock);
		int e = 0;
		for (size_t off = 0; off < n && !e;) {
			ssize_t w = write(src->keep_fd, src->buf[i] + off, n - off);
			if (w < 0 && errno != EINTR)
				e = errno;
			else if (w > 0)
				off += (size_t)w;
		}
		sha256_update(&src->hash, src->buf[i], n);
		pthread_mutex_lock(&src->lock);
		if (e && !src->keep_errno)
			src->keep_errno = e;
		src->kept++;
		pthread_cond_broadcast(&src->cond);
	}
	pthread_mutex_unlock(&src->lock);
	return NULL;
}

/* Waits until the keeper has written everything given to it; its error, if any. */
static int keeper_drain(struct unpack_source *src)
{
	pthread_mutex_lock(&src->lock);
	while (src->kept != src->filled)
		pthread_cond_wait(&src->cond, &src->lock);
	int e = src->keep_errno;
	pthread_mutex_unlock(&src->lock);
	return e;
}

static void keeper_stop(struct unpack_source *src)
{
	if (!src->keeper_running)
		return;
	pthread_mutex_lock(&src->lock);
	src->done = true;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
	pthread_join(src->keeper, NULL);
	src->keeper_running = false;
}

static la_ssize_t source_read(struct archive *a, void *arg, const void **ret_buf)
{
	struct unpack_source *src = arg;
	unsigned i = src->next;
	if (src->keeper_running) {
		/* the block about to be filled must be written out first */
		pthread_mutex_lock(&src->lock);
		while (src->filled - src->kept >= SOURCE_BLOCKS)
			pthread_cond_wait(&src->cond, &src->lock);
		int e = src->keep_errno;
		pthread_mutex_unlock(&src->lock);
		if (e) {
			archive_set_error(a, e, "keep the blob: %s", strerror(e));
			return -1;
		}
	}
	ssize_t n;
	do
		n = read(src->fd, src->buf[i], SOURCE_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	if (src->keeper_running && n > 0) {
		pthread_mutex_lock(&src->lock);
		src->len[i] = (size_t)n;
		src->filled++;
		pthread_cond_broadcast(&src->cond);
		pthread_mutex_unlock(&src->lock);
	}
	if (n > 0)
		src->next = (i + 1) % SOURCE_BLOCKS;
	src->bytes += (uint64_t)n;
	*ret_buf = src->buf[i];
	return n;
}

/* The decompressed stream, hashed and counted as the tar reader pulls it. */
struct unpack_stream {
	struct archive *outer; /* raw format over the blob's compression */
	struct unpack_source src;
	struct sha256 hash;
	bool hash_tar; /* false when the blob is the tar and already hashed as kept */
	uint64_t bytes, limit;
	bool over_limit;
	struct progress *prog;
};

static la_ssize_t stream_read(struct archive *a, void *arg, const void **ret_buf)
{
	struct unpack_stream *s = arg;
	/* the raw format's blocks as they are (no copy): the tar reader is done
	 * with the last one when it asks for the next */
	const void *buf = NULL;
	size_t n = 0;
	la_int64_t off;
	int k = archive_read_data_block(s->outer, &buf, &n, &off);
	if (k == ARCHIVE_EOF)
		return 0;
	if (k < ARCHIVE_OK) {
		archive_set_error(a, archive_errno(s->outer) ? archive_errno(s->outer) : EIO, "%s",
				  archive_error_string(s->outer) ? archive_error_string(s->outer)
								 : "read error");
		return -1;
	}
	if (s->hash_tar)
		sha256_update(&s->hash, buf, n);
	s->bytes += (uint64_t)n;
	if (s->bytes > s->limit) {
		s->over_limit = true;
		archive_set_error(a, EFBIG, "over the size limit");
		return -1;
	}
	if (s->prog)
		progress_update(s->prog, (uint64_t)archive_filter_bytes(s->outer, -1));
	*ret_buf = buf;
	return (la_ssize_t)n;
}

/* "./a//b/" -> "a/b"; leading '/' stripped (inside the layer, as docker does); ".." refused. */
int image_clean_path(const char *in, char *out, size_t size)
{
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EPERM;
		if (!(len == 1 && p[0] == '.')) {
			if (o + len + 2 > size)
				return -ENAMETOOLONG;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	out[o] = '\0';
	return 0;
}

static int openat2_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/*
 * The directory a path's last component goes in, opened without following
 * any symlink and without leaving the layer; made (0755) where missing, as
 * a tar that names a file before its directory needs.
 */
static int open_parent(int root, const char *path, char *leaf, size_t size)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	snprintf(leaf, size, "%s", slash ? slash + 1 : path);
	if (!slash)
		return openat2_beneath(root, ".", O_PATH | O_DIRECTORY);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	int fd = openat2_beneath(root, dir, O_PATH | O_DIRECTORY);
	if (fd != -ENOENT)
		return fd;
	/* make the missing ones, one component at a time */
	for (char *p = dir;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdirat(root, dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			break;
	}
	return openat2_beneath(root, dir, O_PATH | O_DIRECTORY);
}

/* Drops trusted.overlay.* xattrs a layer could bring to steer overlayfs. */
static void strip_overlay_xattrs(struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size, n = 0, kept = 0;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		n++;
		if (strncmp(name, "trusted.overlay.", 16) != 0)
			kept++;
	}
	if (kept == n)
		return;
	struct {
		char *name;
		void *value;
		size_t size;
	} keep[64];
	size_t k = 0;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK && k < 64) {
		if (strncmp(name, "trusted.overlay.", 16) == 0)
			continue;
		keep[k].name = strdup(name);
		keep[k].value = malloc(size ? size : 1);
		if (keep[k].value)
			memcpy(keep[k].value, value, size);
		keep[k].size = size;
		k++;
	}
	archive_entry_xattr_clear(e);
	for (size_t i = 0; i < k; i++) {
		if (keep[i].name && keep[i].value)
			archive_entry_xattr_add_entry(e, keep[i].name, keep[i].value, keep[i].size);
		free(keep[i].name);
		free(keep[i].value);
	}
}

/* .wh.NAME and .wh..wh..opq: overlay's spelling of a deletion and an opaque directory. */
static int apply_whiteout(int root, const char *path, const char *leaf, struct hutch_error *err)
{
	char name[256];
	_cleanup_close_ int dfd = open_parent(root, path, name, sizeof(name));
	if (dfd < 0)
		return hutch_error_setsys(err, -dfd, "whiteout %s: its directory", path);
	if (strcmp(leaf, ".wh..wh..opq") == 0) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", dfd);
		if (setxattr(p, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return hutch_error_setsys(err, errno, "opaque directory %s", path);
		return 0;
	}
	const char *target = leaf + 4;
	if (!target[0] || strcmp(target, ".") == 0 || strcmp(target, "..") == 0)
		return hutch_error_set(err, EPERM, "whiteout %s: names no file", path);
	/* the whiteout replaces whatever this layer had there */
	if (unlinkat(dfd, target, 0) < 0 && errno == EISDIR)
		unlinkat(dfd, target, AT_REMOVEDIR);
	if (mknodat(dfd, target, S_IFCHR | 0, makedev(0, 0)) < 0 && errno != EEXIST)
		return hutch_error_setsys(err, errno, "whiteout %s", path);
	return 0;
}

/* Reading the archive failed: past the size limit (a bomb), or a bad tar. */
static int read_failed(struct archive *in, const struct unpack_stream *s, const char *name,
		       struct hutch_error *err)
{
	if (s->over_limit)
		return hutch_error_set(err, EFBIG,
				       "larger than %llu bytes unpacked (HUTCH_MAX_LAYER_BYTES): a "
				       "decompression bomb?",
				       (unsigned long long)s->limit);
	if (!name)
		return hutch_error_set(err, EBADMSG, "not a valid tar: %s",
				       archive_error_string(in));
	return hutch_error_set(err, EBADMSG, "read '%s': %s", name, archive_error_string(in));
}

/* A hard link's target: a file of this layer, reached without symlinks; set cleaned. */
static int check_hardlink(int root, struct archive_entry *e, const char *name, const char *hl,
			  struct hutch_error *err)
{
	char link[4096];
	if (image_clean_path(hl, link, sizeof(link)) < 0 || !link[0])
		return hutch_error_set(err, EPERM, "hard link '%s' -> '%s' leads outside the layer",
				       name, hl);
	int t = openat2_beneath(root, link, O_PATH | O_NOFOLLOW);
	struct stat sb;
	bool ok = t >= 0 && fstat(t, &sb) == 0 && !S_ISDIR(sb.st_mode);
	if (t >= 0)
		close(t);
	if (!ok)
		return hutch_error_set(err, EPERM,
				       "hard link '%s' -> '%s': no such file in the layer (or "
				       "through a symlink)",
				       name, hl);
	archive_entry_set_hardlink(e, link);
	return 0;
}

/* The entry's bytes, from the archive to the disk. */
static int copy_data(struct archive *in, struct archive *out, const struct unpack_stream *s,
		     const char *name, struct hutch_error *err)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int k;
	while ((k = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_OK)
			return hutch_error_set(err, EIO, "write '%s': %s", name,
					       archive_error_string(out));
	return k == ARCHIVE_EOF ? 0 : read_failed(in, s, name, err);
}

/*
 * One entry, its path checked (no "..", no symlink or non-directory on the
 * way), a whiteout made an overlay one, a hard link kept inside the layer.
 */
static int unpack_entry(struct archive *in, struct archive *out, int root, struct archive_entry *e,
			const struct unpack_stream *s, struct hutch_error *err)
{
	char path[4096], leaf[4096], lname[256];
	const char *name = archive_entry_pathname(e);
	int r;
	if (!name || image_clean_path(name, path, sizeof(path)) < 0)
		return hutch_error_set(err, EPERM, "entry '%s' leads outside the layer (..)",
				       name ? name : "");
	if (!path[0])
		return 0; /* "./" itself */
	const char *slash = strrchr(path, '/');
	snprintf(leaf, sizeof(leaf), "%s", slash ? slash + 1 : path);
	/* no component on the way may be a symlink: writes go nowhere else */
	_cleanup_close_ int pfd = open_parent(root, path, lname, sizeof(lname));
	if (pfd < 0)
		return hutch_error_set(
			err, EPERM, "entry '%s' goes through a symlink or a non-directory", name);
	if (strncmp(leaf, ".wh.", 4) == 0)
		return apply_whiteout(root, path, leaf, err);
	const char *hl = archive_entry_hardlink(e);
	if (hl && (r = check_hardlink(root, e, name, hl, err)) < 0)
		return r;
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFSOCK)
		return 0;
	if ((type == AE_IFCHR || type == AE_IFBLK) && geteuid() != 0)
		return 0; /* device nodes only as root */
	archive_entry_set_pathname(e, path);
	strip_overlay_xattrs(e);
	if (archive_write_header(out, e) < ARCHIVE_WARN)
		return hutch_error_set(err, EPERM, "entry '%s': %s", name,
				       archive_error_string(out));
	if (archive_entry_size(e) > 0 && !hl && (r = copy_data(in, out, s, name, err)) < 0)
		return r;
	if (archive_write_finish_entry(out) < ARCHIVE_WARN)
		return hutch_error_set(err, EIO, "entry '%s': %s", name, archive_error_string(out));
	return 0;
}

static int unpack_entries(struct archive *in, int root, struct unpack_stream *s,
			  struct hutch_error *err)
{
	struct archive *out = archive_write_disk_new();
	if (!out)
		return hutch_error_set(err, ENOMEM, "out of memory");
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_XATTR |
		    ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
		    ARCHIVE_EXTRACT_UNLINK;
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	archive_write_disk_set_options(out, flags);
	archive_write_disk_set_standard_lookup(out);
	int r = 0;
	struct archive_entry *e;
	while (r == 0) {
		int k = archive_read_next_header(in, &e);
		if (k == ARCHIVE_EOF)
			break;
		r = k < ARCHIVE_WARN ? read_failed(in, s, NULL, err)
				     : unpack_entry(in, out, root, e, s, err);
	}
	/* directories' modes and times are set last, as libarchive defers them */
	if (archive_write_close(out) < ARCHIVE_WARN && r == 0)
		r = hutch_error_set(err, EIO, "finish: %s", archive_error_string(out));
	archive_write_free(out);
	return r;
}

int layer_unpack(int fd, const char *dir, struct progress *prog, struct unpack_result *ret,
		 struct hutch_error *err)
{
	return layer_unpack_keep(fd, -1, dir, prog, ret, err);
}

/* The stream state of one unpack, with its keeper thread started when keep_fd is set; NULL on error. */
static struct unpack_stream *unpack_stream_new(int fd, int keep_fd, struct hutch_error *err)
{
	struct unpack_stream *s = calloc(1, sizeof(*s));
	if (!s || sha256_init(&s->hash) < 0) {
		free(s);
		hutch_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	s->src.fd = fd;
	s->src.keep_fd = keep_fd;
	s->src.buf = malloc(SOURCE_BLOCKS * sizeof(*s->src.buf));
	pthread_mutex_init(&s->src.lock, NULL);
	pthread_cond_init(&s->src.cond, NULL);
	if (!s->src.buf || (keep_fd >= 0 && sha256_init(&s->src.hash) < 0)) {
		free(s->src.buf);
		sha256_free(&s->hash);
		free(s);
		hutch_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	if (keep_fd >= 0) {
		int e = pthread_create(&s->src.keeper, NULL, keeper_main, &s->src);
		if (e) {
			free(s->src.buf);
			sha256_free(&s->hash);
			sha256_free(&s->src.hash);
			free(s);
			hutch_error_setsys(err, e, "start a thread");
			return NULL;
		}
		s->src.keeper_running = true;
	}
	return s;
}

static void unpack_stream_free(struct unpack_stream *s)
{
	if (s->outer)
		archive_read_free(s->outer);
	keeper_stop(&s->src);
	pthread_mutex_destroy(&s->src.lock);
	pthread_cond_destroy(&s->src.cond);
	free(s->src.buf);
	sha256_free(&s->hash);
	sha256_free(&s->src.hash);
	free(s);
}

/* After the entries: the rest of the stream, the limit, the kept blob and the digests. */
static int unpack_finish(struct archive *in, struct unpack_stream *s, int keep_fd,
			 struct unpack_result *ret, struct hutch_error *err)
{
	/* the rest of the stream (the tar's zero blocks) is part of the digest */
	const void *p;
	la_ssize_t n;
	while (stream_read(in, s, &p) > 0)
		;
	if (s->over_limit)
		return hutch_error_set(err, EFBIG,
				       "larger than %llu bytes unpacked (HUTCH_MAX_LAYER_BYTES): a "
				       "decompression bomb?",
				       (unsigned long long)s->limit);
	if (archive_errno(in) && archive_error_string(in))
		return hutch_error_set(err, EBADMSG, "%s", archive_error_string(in));
	if (keep_fd >= 0) {
		/* what follows the compressed stream is part of the blob too */
		while ((n = source_read(s->outer, &s->src, &p)) > 0)
			;
		int ke = n < 0 ? 0 : keeper_drain(&s->src);
		if (n < 0 || ke)
			return ke ? hutch_error_setsys(err, ke, "keep the blob")
				  : hutch_error_set(err, EIO, "%s", archive_error_string(s->outer));
		keeper_stop(&s->src);
		sha256_final(&s->src.hash, ret->blob_hex);
		ret->blob_bytes = s->src.bytes;
	}
	if (s->hash_tar)
		sha256_final(&s->hash, ret->diff_id);
	else
		memcpy(ret->diff_id, ret->blob_hex, sizeof(ret->diff_id));
	ret->tar_bytes = s->bytes;
	return 0;
}

int layer_unpack_keep(int fd, int keep_fd, const char *dir, struct progress *prog,
		      struct unpack_result *ret, struct hutch_error *err)
{
	struct unpack_stream *s = unpack_stream_new(fd, keep_fd, err);
	if (!s)
		return -err->err;
	s->hash_tar = true;
	s->limit = layer_max_bytes();
	s->prog = prog;
	struct archive *in = NULL;
	int r = 0, cwd = -1;
	_cleanup_close_ int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		r = hutch_error_setsys(err, errno, "open %s", dir);
		goto out;
	}
	s->outer = archive_read_new();
	archive_read_support_filter_all(s->outer);
	archive_read_support_format_raw(s->outer);
	struct archive_entry *e;
	if (archive_read_open(s->outer, &s->src, NULL, source_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(s->outer, &e) != ARCHIVE_OK) {
		r = hutch_error_set(err, EBADMSG, "not a layer: %s",
				    archive_error_string(s->outer) ? archive_error_string(s->outer)
								   : "empty");
		goto out;
	}
	const char *comp = archive_filter_name(s->outer, 0);
	ret->compression = !comp || strcmp(comp, "none") == 0 ? "" : comp;
	/* an uncompressed blob kept here is the tar: its one hash is both digests */
	s->hash_tar = keep_fd < 0 || ret->compression[0];
	in = archive_read_new();
	archive_read_support_format_tar(in);
	if (archive_read_open(in, s, NULL, stream_read, NULL) != ARCHIVE_OK) {
		r = hutch_error_set(err, EBADMSG, "not a tar: %s",
				    s->over_limit ? "over the size limit"
						  : archive_error_string(in));
		goto out;
	}
	/* libarchive's disk writer works relative to the current directory */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(root) < 0) {
		r = hutch_error_setsys(err, errno, "chdir %s", dir);
		goto out;
	}
	r = unpack_entries(in, root, s, err);
	if (fchdir(cwd) < 0 && r == 0)
		r = hutch_error_setsys(err, errno, "chdir back");
	if (r == 0)
		r = unpack_finish(in, s, keep_fd, ret, err);
out:
	if (cwd >= 0)
		close(cwd);
	if (in)
		archive_read_free(in);
	unpack_stream_free(s);
	return r;
}

/* ---- pack ---- */

struct pack_ctx {
	struct archive *a;
	struct sha256 hash;
	int fd;
	uint64_t bytes;
	size_t prefix; /* strlen(dir) + 1 */
	struct archive_entry_linkresolver *lr;
	struct hutch_error *err;
	int r;
};
static struct pack_ctx *pack_cur; /* nftw has no argument pointer */

static la_ssize_t pack_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct pack_ctx *c = arg;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(c->fd, (const char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "write: %s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	sha256_update(&c->hash, buf, len);
	c->bytes += len;
	return (la_ssize_t)len;
}

static int pack_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	struct pack_ctx *c = pack_cur;
	if (ftw->level == 0)
		return 0;
	const char *rel = path + c->prefix;
	char name[4200];
	struct archive_entry *e = archive_entry_new();
	if (S_ISCHR(sb->st_mode) && sb->st_rdev == makedev(0, 0)) {
		/* an overlay whiteout: the tar's .wh.NAME */
		const char *slash = strrchr(rel, '/');
		snprintf(name, sizeof(name), "%.*s.wh.%s", slash ? (int)(slash - rel + 1) : 0, rel,
			 slash ? slash + 1 : rel);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, 0);
		archive_entry_set_mtime(e, sb->st_mtime, 0);
	} else {
		archive_entry_copy_stat(e, sb);
		archive_entry_set_pathname(e, rel);
		if (S_ISLNK(sb->st_mode)) {
			char target[4096];
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			if (n < 0) {
				archive_entry_free(e);
				c->r = hutch_error_setsys(c->err, errno, "readlink %s", path);
				return 1;
			}
			target[n] = '\0';
			archive_entry_set_symlink(e, target);
		}
		char *names = NULL;
		ssize_t len = llistxattr(path, NULL, 0);
		if (len > 0 && (names = malloc((size_t)len)) &&
		    (len = llistxattr(path, names, (size_t)len)) > 0) {
			for (char *n = names; n < names + len; n += strlen(n) + 1) {
				char val[4096];
				ssize_t vl = lgetxattr(path, n, val, sizeof(val));
				/* opaque directories are written as .wh..wh..opq below */
				if (strncmp(n, "trusted.overlay.", 16) == 0 || vl < 0)
					continue;
				archive_entry_xattr_add_entry(e, n, val, (size_t)vl);
			}
		}
		free(names);
		if (!S_ISDIR(sb->st_mode) && sb->st_nlink > 1) {
			/* the second and later names of a file go in as hard links */
			struct archive_entry *spare = NULL;
			archive_entry_linkify(c->lr, &e, &spare);
			archive_entry_free(spare);
		}
	}
	int k = archive_write_header(c->a, e);
	if (k < ARCHIVE_WARN) {
		c->r = hutch_error_set(c->err, EIO, "pack %s: %s", rel, archive_error_string(c->a));
		archive_entry_free(e);
		return 1;
	}
	if (S_ISREG(sb->st_mode) && archive_entry_size(e) > 0 && !archive_entry_hardlink(e)) {
		_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			archive_entry_free(e);
			c->r = hutch_error_setsys(c->err, errno, "open %s", path);
			return 1;
		}
		char buf[1 << 16];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (archive_write_data(c->a, buf, (size_t)n) != n) {
				archive_entry_free(e);
				c->r = hutch_error_set(c->err, EIO, "pack %s: %s", rel,
						       archive_error_string(c->a));
				return 1;
			}
	}
	archive_entry_free(e);
	if (S_ISDIR(sb->st_mode)) {
		char v[2];
		if (lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y') {
			struct archive_entry *o = archive_entry_new();
			snprintf(name, sizeof(name), "%s/.wh..wh..opq", rel);
			archive_entry_set_pathname(o, name);
			archive_entry_set_filetype(o, AE_IFREG);
			archive_entry_set_perm(o, 0644);
			archive_entry_set_size(o, 0);
			archive_write_header(c->a, o);
			archive_entry_free(o);
		}
	}
	return 0;
}

int layer_pack(const char *dir, int fd, char ret_hex[IMAGE_ID_HEX + 1], uint64_t *ret_bytes,
	       struct hutch_error *err)
{
	struct pack_ctx c = {.fd = fd, .prefix = strlen(dir) + 1, .err = err};
	if (sha256_init(&c.hash) < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	c.a = archive_write_new();
	archive_write_set_format_pax_restricted(c.a);
	archive_write_set_bytes_in_last_block(c.a, 1);
	if (archive_write_open(c.a, &c, NULL, pack_write, NULL) != ARCHIVE_OK) {
		sha256_free(&c.hash);
		archive_write_free(c.a);
		return hutch_error_set(err, EIO, "tar: %s", archive_error_string(c.a));
	}
	c.lr = archive_entry_linkresolver_new();
	archive_entry_linkresolver_set_strategy(c.lr, archive_format(c.a));
	pack_cur = &c;
	if (nftw(dir, pack_one, 64, FTW_PHYS | FTW_MOUNT) < 0 && c.r == 0)
		c.r = hutch_error_setsys(err, errno, "walk %s", dir);
	pack_cur = NULL;
	if (archive_write_close(c.a) != ARCHIVE_OK && c.r == 0)
		c.r = hutch_error_set(err, EIO, "tar: %s", archive_error_string(c.a));
	archive_write_free(c.a);
	archive_entry_linkresolver_free(c.lr);
	if (c.r < 0) {
		sha256_free(&c.hash);
		return c.r;
	}
	sha256_final(&c.hash, ret_hex);
	*ret_bytes = c.bytes;
	return 0;
}
