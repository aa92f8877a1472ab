// SPDX-License-Identifier: MIT
/*
 * The container log's writer. A full disk (or quota, or file size limit)
 * must not lose the fact that output was lost: at creation the log gets a
 * few KiB of room reserved beside it (log.reserve); when a write fails for
 * lack of space, that room is given back, a line saying where and why the
 * log stops goes in, and later output is dropped. The same words go to
 * the state (inspect's log_note, LogTruncated).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "hutch.h"

#define LOG_RESERVE_BYTES 4096

static struct {
	int fd;
	bool stopped;
	char reserve[4200];
	char note[256];
} lg = {.fd = -1};

int log_reserve(const char *dir, int log_fd)
{
	snprintf(lg.reserve, sizeof(lg.reserve), "%s/log.reserve", dir);
	_cleanup_close_ int fd = open(lg.reserve, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = posix_fallocate(fd, 0, LOG_RESERVE_BYTES);
	if (r != 0) {
		unlink(lg.reserve);
		return -r;
	}
	lg.fd = log_fd;
	lg.stopped = false;
	lg.note[0] = '\0';
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -ENOSPC;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int log_write(int fd, const void *buf, size_t len)
{
	if (fd != lg.fd)
		return write_all(fd, buf, len);
	if (lg.stopped)
		return 0;
	int r = write_all(fd, buf, len);
	if (r != -ENOSPC && r != -EDQUOT && r != -EFBIG)
		return r;
	lg.stopped = true;
	unlink(lg.reserve); /* the room for the line below */
	snprintf(lg.note, sizeof(lg.note), "the log stops here: %s; later output was dropped",
		 strerror(-r));
	char line[300];
	int n = snprintf(line, sizeof(line), "\n[hutch: %s]\n", lg.note);
	write_all(fd, line, (size_t)n);
	return r;
}

const char *log_note(void)
{
	return lg.note;
}
