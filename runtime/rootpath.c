// SPDX-License-Identifier: MIT
/*
 * Paths inside a container's root, resolved as the container would resolve
 * them: an image's symlinks (absolute ones, "..") never lead hutch, which
 * runs with the host's root, to a host file. The kernel does the walk
 * (openat2 with RESOLVE_IN_ROOT), so no race with the image's contents.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "hutch.h"

static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	while (*path == '/')
		path++;
	if (!*path)
		return fcntl(root, F_DUPFD_CLOEXEC, 0);
	int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static int read_in_root(const char *root, const char *path, size_t max, char **ret_buf,
			size_t *ret_len)
{
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	/* O_NONBLOCK: a FIFO opens at once (and is refused below) instead of waiting for a writer. */
	_cleanup_close_ int fd = open_in_root(rfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	if ((uint64_t)sb.st_size > max)
		return -EFBIG;
	/* What the file held when opened: one that grows meanwhile is cut there. */
	size_t cap = (size_t)sb.st_size + 1, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while (len < cap - 1) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int root_read_file(const char *root, const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	/*
	 * An image's layers, top first: the first that has the path gives it
	 * (symlinks resolved within that layer). Anything there but a regular
	 * file, an overlay whiteout too, ends the search.
	 */
	for (const char *p = root; *p;) {
		size_t len = strcspn(p, ":");
		char layer[4096];
		if (len >= sizeof(layer))
			return -ENAMETOOLONG;
		memcpy(layer, p, len);
		layer[len] = '\0';
		int r = read_in_root(layer, path, max, ret_buf, ret_len);
		if (r != -ENOENT)
			return r;
		p += len;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

/* snprintf for paths: a path that does not fit is an error. */
static int __attribute__((format(printf, 3, 4))) joinf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int root_join(const char *rootfs, const char *dest, char *buf, size_t size, struct hutch_error *err)
{
	_cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hutch_error_setsys(err, errno, "open %s", rootfs);
	char part[4096];
	if (joinf(part, sizeof(part), "%s", dest[0] == '/' ? dest + 1 : dest) < 0)
		return hutch_error_set(err, ENAMETOOLONG, "%s: too long", dest);
	/* The longest prefix that exists, cut back one component at a time. */
	size_t len = strlen(part);
	for (;;) {
		char prefix[4096];
		memcpy(prefix, part, len);
		prefix[len] = '\0';
		int fd = open_in_root(root, prefix, O_PATH);
		if (fd >= 0) {
			char link[64], real[4096];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			ssize_t n = readlink(link, real, sizeof(real) - 1);
			close(fd);
			if (n < 0)
				return hutch_error_setsys(err, errno, "resolve %s", dest);
			real[n] = '\0';
			const char *tail = part[len] == '/' ? part + len + 1 : part + len;
			if (joinf(buf, size, "%s%s%s", real, tail[0] ? "/" : "", tail) < 0)
				return hutch_error_set(err, ENAMETOOLONG, "%s: too long", dest);
			/* What did not resolve must not exist: a dangling symlink would lead out. */
			const char *slash = strchr(tail, '/');
			char first[4200];
			struct stat sb;
			if (tail[0] &&
			    joinf(first, sizeof(first), "%s/%.*s", real,
				  (int)(slash ? (size_t)(slash - tail) : strlen(tail)),
				  tail) == 0 &&
			    lstat(first, &sb) == 0)
				return hutch_error_set(
					err, ELOOP, "%s: a symlink in the image that leads nowhere",
					dest);
			return 0;
		}
		if (fd != -ENOENT)
			return hutch_error_setsys(err, -fd, "resolve %s in the image", dest);
		while (len > 0 && part[len - 1] != '/')
			len--;
		while (len > 0 && part[len - 1] == '/')
			len--;
	}
}
