// SPDX-License-Identifier: MIT
/*
 * COPY and ADD: sources from the build context into a staged layer. A source
 * is opened with openat2(RESOLVE_BENEATH) from the context's directory, so
 * neither ".." nor a symlink can reach a file outside it; inside a copied
 * directory nothing is followed (a symlink is copied as a symlink). What was
 * copied (paths, modes, bytes, link targets) is hashed: the step's inputs
 * for the build cache.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "build.h"
#include "hutch/strv.h"
#include "image_write.h"

/* Who the copied files belong to: root, or --chown's. */
struct owner {
	uid_t uid;
	gid_t gid;
};

/* The id of name in an image's /etc/passwd or /etc/group (field 3), -ENOENT if none. */
static long id_from_file(const char *lower, const char *file, const char *name)
{
	char path[4096];
	if (!lower[0] || layers_find(lower, file, path, sizeof(path)) < 0)
		return -ENOENT;
	FILE *f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	char line[1024];
	long id = -ENOENT;
	size_t n = strlen(name);
	while (id < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) != 0 || line[n] != ':')
			continue;
		char *p = strchr(line + n + 1, ':'); /* past the password */
		if (p)
			id = strtol(p + 1, NULL, 10);
	}
	fclose(f);
	return id;
}

static long resolve_id(const char *lower, const char *file, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (s[0] && !*end && v >= 0)
		return v;
	return id_from_file(lower, file, s);
}

/* --chown=USER[:GROUP], names looked up in the image; GROUP defaults to USER's. */
static int parse_chown(const char *lower, const char *spec, struct owner *ret,
		       struct hutch_error *err)
{
	char user[256], *group;
	snprintf(user, sizeof(user), "%s", spec);
	if ((group = strchr(user, ':')))
		*group++ = '\0';
	long u = resolve_id(lower, "etc/passwd", user);
	long g = group ? resolve_id(lower, "etc/group", group) : u;
	if (u < 0 || g < 0)
		return hutch_error_set(err, ENOENT,
				       "--chown=%s: no such user or group in the image", spec);
	ret->uid = (uid_t)u;
	ret->gid = (gid_t)g;
	return 0;
}

int build_stage_mkdirs(const char *stage, const char *lower, const char *rel,
		       struct hutch_error *err)
{
	char sub[4096], path[8300], img[4096];
	for (const char *p = rel; *p;) {
		p += strcspn(p, "/");
		snprintf(sub, sizeof(sub), "%.*s", (int)(p - rel), rel);
		if (*p)
			p++;
		snprintf(path, sizeof(path), "%s/%s", stage, sub);
		struct stat sb = {.st_mode = S_IFDIR | 0755};
		if (lower[0] && layers_find(lower, sub, img, sizeof(img)) == 0 &&
		    lstat(img, &sb) == 0 && !S_ISDIR(sb.st_mode))
			return hutch_error_set(err, ENOTDIR, "/%s is not a directory in the image",
					       sub);
		if (mkdir(path, 0755) < 0) {
			if (errno == EEXIST)
				continue;
			return hutch_error_setsys(err, errno, "mkdir %s", path);
		}
		if (chmod(path, sb.st_mode & 07777) < 0 || lchown(path, sb.st_uid, sb.st_gid) < 0)
			return hutch_error_setsys(err, errno, "set up %s", path);
	}
	return 0;
}

static void hash_meta(struct sha256 *h, const char *rel, const struct stat *sb)
{
	char meta[64];
	int n = snprintf(meta, sizeof(meta), "%o", (unsigned)sb->st_mode);
	sha256_update(h, rel, strlen(rel) + 1);
	sha256_update(h, meta, (size_t)n + 1);
}

/* Copies the open file in to a new dst (at dirfd), hashing its bytes. */
static int copy_file(int in, int dirfd, const char *name, const struct stat *sb,
		     const struct owner *o, struct sha256 *h)
{
	unlinkat(dirfd, name, 0);
	_cleanup_close_ int out =
		openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		sha256_update(h, buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0)
				return -errno;
			off += w;
		}
	}
	if (n < 0)
		return -errno;
	struct timespec ts[2] = {sb->st_atim, sb->st_mtim};
	if (fchown(out, o->uid, o->gid) < 0 || fchmod(out, sb->st_mode & 07777) < 0 ||
	    futimens(out, ts) < 0)
		return -errno;
	return 0;
}

/* A directory being copied: who owns the copies, the inputs' hash, what .dockerignore leaves out. */
struct walk {
	struct owner o;
	struct sha256 *h;
	char *const *ignore;
};

static int copy_tree(int src, int dst, const char *rel, const struct walk *w);

static bool has_exceptions(char *const *ignore)
{
	for (size_t i = 0; ignore && ignore[i]; i++)
		if (ignore[i][0] == '!')
			return true;
	return false;
}

/* One entry of a copied directory: name in src into dst, nothing followed; rel is src's path in the context. */
static int copy_entry(int src, int dst, const char *name, const char *rel, const struct walk *w)
{
	struct stat sb;
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name);
	if (fstatat(src, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* left out, but for a directory an exception ("!dir/keep") may reach into */
	if (build_ignored(w->ignore, sub) && !(S_ISDIR(sb.st_mode) && has_exceptions(w->ignore)))
		return 0;
	hash_meta(w->h, sub, &sb);
	if (S_ISLNK(sb.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		sha256_update(w->h, target, (size_t)n + 1);
		unlinkat(dst, name, 0);
		if (symlinkat(target, dst, name) < 0 ||
		    fchownat(dst, name, w->o.uid, w->o.gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		return 0;
	}
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(sb.st_mode) ? O_DIRECTORY : 0);
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
		return 0; /* fifos, sockets, devices: not a build's inputs */
	_cleanup_close_ int fd = openat(src, name, flags);
	if (fd < 0)
		return -errno;
	if (S_ISREG(sb.st_mode))
		return copy_file(fd, dst, name, &sb, &w->o, w->h);
	if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return -errno;
	int r = copy_tree(fd, d, sub, w);
	if (r == 0 && (fchown(d, w->o.uid, w->o.gid) < 0 || fchmod(d, sb.st_mode & 07777) < 0))
		r = -errno;
	return r;
}

/* The entries of directory src into directory dst, in name order (the hash is stable). */
static int copy_tree(int src, int dst, const char *rel, const struct walk *w)
{
	struct dirent **names;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", src);
	int n = scandir(self, &names, NULL, alphasort), r = 0;
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (r == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
			r = copy_entry(src, dst, name, rel, w);
		free(names[i]);
	}
	free(names);
	return r;
}

/* Whether the open file is a tar archive libarchive reads (plain or compressed); rewinds it. */
static bool is_archive(int fd)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	bool yes = archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK &&
		   archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	lseek(fd, 0, SEEK_SET);
	return yes;
}

static int hash_fd(int fd, struct sha256 *h)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(h, buf, (size_t)n);
	if (n < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* ADD of a local archive: unpacked into the directory dest (in the stage). */
static int add_archive(const struct build_copy *c, int fd, const char *dest, const char *src,
		       struct hutch_error *err)
{
	char dir[8300];
	int r;
	if ((r = build_stage_mkdirs(c->stage, c->lower, dest, err)) < 0)
		return r;
	if ((r = hash_fd(fd, c->inputs)) < 0)
		return hutch_error_setsys(err, -r, "read %s", src);
	snprintf(dir, sizeof(dir), "%s/%s", c->stage, dest);
	struct unpack_result res = {0};
	if ((r = layer_unpack(fd, dir, NULL, &res, err)) < 0)
		return hutch_error_wrap(err, "unpack %s", src);
	return 0;
}

/* Opens src beneath the context: the error says why it may not be copied. */
static int open_source(int ctx, char *const *ignore, const char *src, struct hutch_error *err)
{
	char rel[4096];
	if (strstr(src, "://"))
		return hutch_error_set(err, EPROTONOSUPPORT,
				       "%s: only local files are copied (no URLs here)", src);
	if (image_clean_path(src, rel, sizeof(rel)) < 0)
		return hutch_error_set(err, EPERM, "%s: outside the build context", src);
	if (rel[0] && build_ignored(ignore, rel))
		return hutch_error_set(err, ENOENT, "%s: excluded by .dockerignore", src);
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, ctx, rel[0] ? rel : ".", &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	if (errno == EXDEV)
		return hutch_error_set(
			err, EXDEV, "%s: leads outside the build context (through a symlink)", src);
	if (errno == ENOENT)
		return hutch_error_set(err, ENOENT, "%s: no such file in the build context", src);
	return hutch_error_setsys(err, errno, "%s", src);
}

/* One source into dest ("a/b", relative to the image's root; dir: dest is a directory). */
static int copy_source(const struct build_copy *c, const char *src, const char *dest, bool dir,
		       const struct owner *o, struct hutch_error *err)
{
	_cleanup_close_ int fd = open_source(c->ctx_fd, c->ignore, src, err);
	if (fd < 0)
		return fd;
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return hutch_error_setsys(err, errno, "%s", src);
	hash_meta(c->inputs, src, &sb);
	int r;
	if (S_ISDIR(sb.st_mode)) {
		char path[8300];
		if ((r = build_stage_mkdirs(c->stage, c->lower, dest, err)) < 0)
			return r;
		snprintf(path, sizeof(path), "%s/%s", c->stage, dest);
		_cleanup_close_ int d = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct walk w = {.o = *o, .h = c->inputs, .ignore = c->ignore};
		char rel[4096];
		image_clean_path(src, rel, sizeof(rel));
		if (d < 0 || (r = copy_tree(fd, d, rel, &w)) < 0)
			return hutch_error_setsys(err, d < 0 ? errno : -r, "copy %s", src);
		return 0;
	}
	if (!S_ISREG(sb.st_mode))
		return hutch_error_set(err, EINVAL, "%s: not a file or directory", src);
	if (c->add && is_archive(fd))
		return add_archive(c, fd, dest, src, err);
	char target[4096], parent[4096], path[8300];
	const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	int n = dir ? snprintf(target, sizeof(target), "%s%s%s", dest, dest[0] ? "/" : "", base)
		    : snprintf(target, sizeof(target), "%s", dest);
	if (n < 0 || (size_t)n >= sizeof(target))
		return hutch_error_set(err, ENAMETOOLONG, "%s: destination path too long", src);
	snprintf(parent, sizeof(parent), "%s", target);
	char *slash = strrchr(parent, '/');
	*(slash ? slash : parent) = '\0';
	if ((r = build_stage_mkdirs(c->stage, c->lower, parent, err)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", c->stage, parent);
	_cleanup_close_ int d = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	const char *name = slash ? target + (slash - parent) + 1 : target;
	if (d < 0 || (r = copy_file(fd, d, name, &sb, o, c->inputs)) < 0)
		return hutch_error_setsys(err, d < 0 ? errno : -r, "copy %s", src);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A source with wildcards (*, ?, [...]) in its last component: the context's
 * names it matches, in order, onto *srcs; none is an error, as docker's.
 */
static int expand_glob(const struct build_copy *c, const char *src, char ***srcs,
		       struct hutch_error *err)
{
	char dir[4096];
	const char *slash = strrchr(src, '/'), *pat = slash ? slash + 1 : src;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - src) : 1, slash ? src : ".");
	if (strpbrk(dir, "*?["))
		return hutch_error_set(err, ENOTSUP, "%s: wildcards in the last component only",
				       src);
	int fd = open_source(c->ctx_fd, NULL, dir, err);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return hutch_error_setsys(err, errno, "%s", dir);
	}
	char **found = NULL, path[8300];
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d)) && r == 0) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fnmatch(pat, de->d_name, 0) != 0)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", slash ? dir : "", slash ? "/" : "",
			 de->d_name);
		char rel[8300];
		if (image_clean_path(path, rel, sizeof(rel)) == 0 && build_ignored(c->ignore, rel))
			continue;
		r = strv_push(&found, path);
	}
	closedir(d);
	size_t n = 0;
	while (found && found[n])
		n++;
	if (r == 0 && n == 0)
		r = hutch_error_set(err, ENOENT, "%s: no file in the build context matches", src);
	qsort(found, n, sizeof(*found), cmp_name);
	for (size_t i = 0; i < n && r == 0; i++)
		r = strv_push(srcs, found[i]);
	strv_free(found);
	return r == -ENOMEM ? hutch_error_set(err, ENOMEM, "out of memory") : r;
}

/* Whether dest ("a/b") is a directory in the image. */
static bool image_dir(const char *lower, const char *dest)
{
	char p[4096];
	struct stat sb;
	if (!dest[0])
		return true;
	return lower[0] && layers_find(lower, dest, p, sizeof(p)) == 0 && stat(p, &sb) == 0 &&
	       S_ISDIR(sb.st_mode);
}

int build_copy(const struct build_copy *c, char **words, struct hutch_error *err)
{
	struct owner o = {0};
	size_t i = 0, n = 0;
	int r;
	for (; words[i] && strncmp(words[i], "--", 2) == 0; i++) {
		if (strncmp(words[i], "--chown=", 8) == 0) {
			if ((r = parse_chown(c->lower, words[i] + 8, &o, err)) < 0)
				return r;
		} else {
			return hutch_error_set(err, EINVAL, "unknown flag %s (--chown only)",
					       words[i]);
		}
	}
	while (words[i + n])
		n++;
	if (n < 2)
		return hutch_error_set(err, EINVAL, "needs a source and a destination");
	_cleanup_strv_free_ char **srcs = NULL;
	for (size_t k = 0; k + 1 < n; k++) {
		if (strpbrk(words[i + k], "*?["))
			r = expand_glob(c, words[i + k], &srcs, err);
		else if ((r = strv_push(&srcs, words[i + k])) < 0)
			r = hutch_error_set(err, ENOMEM, "out of memory");
		if (r < 0)
			return r;
	}
	size_t n_src = 0;
	while (srcs[n_src])
		n_src++;
	const char *d = words[i + n - 1];
	char full[4096], dest[4096];
	snprintf(full, sizeof(full), "%s%s%s", d[0] == '/' ? "" : c->workdir,
		 d[0] == '/' ? "" : "/", d);
	if (image_clean_path(full, dest, sizeof(dest)) < 0)
		return hutch_error_set(err, EPERM, "%s: '..' in the destination", d);
	bool dir = d[strlen(d) - 1] == '/' || n_src > 1 || image_dir(c->lower, dest);
	for (size_t k = 0; k < n_src; k++)
		if ((r = copy_source(c, srcs[k], dest, dir, &o, err)) < 0)
			return r;
	return 0;
}
