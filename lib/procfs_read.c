/* SPDX-License-Identifier: MIT */
/* Reads of one process's /proc files, handed to the pure parsers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hutch/procfs_read.h"
#include "hutch/util.h"

static int pid_path(pid_t pid, const char *file, char *buf, size_t size)
{
	int n = pid > 0 ? snprintf(buf, size, "/proc/%d/%s", (int)pid, file)
			: snprintf(buf, size, "/proc/self/%s", file);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A vanished process reads as ENOENT (or ESRCH while it is being reaped). */
static int gone(int r)
{
	return r == -ENOENT ? -ESRCH : r;
}

/* The file's length read into buf, or a negative errno; an empty file is a process
 * being reaped (-ESRCH). */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gone(-errno);
	ssize_t n = hutch_pread_all(fd, buf, size);
	return n < 0 ? gone((int)n) : n == 0 ? -ESRCH : n;
}

/* /proc/PID/FILE (FILE may name a path below it) read into buf: its length or a negative
 * errno. */
static ssize_t read_pid_small(pid_t pid, const char *file, char *buf, size_t size)
{
	char path[96];
	int r = pid_path(pid, file, path, sizeof(path));
	return r < 0 ? r : read_small(path, buf, size);
}

static int read_stat_at(pid_t pid, const char *file, struct procfs_pid_stat *ret)
{
	char buf[1024];
	ssize_t len = read_pid_small(pid, file, buf, sizeof(buf));
	return len < 0 ? (int)len : procfs_parse_pid_stat(buf, (size_t)len, ret);
}

int procfs_read_pid_stat(pid_t pid, struct procfs_pid_stat *ret)
{
	return read_stat_at(pid, "stat", ret);
}

int procfs_read_task_stat(pid_t pid, pid_t tid, struct procfs_pid_stat *ret)
{
	char file[48];
	snprintf(file, sizeof(file), "task/%d/stat", (int)tid);
	return read_stat_at(pid, file, ret);
}

int procfs_read_pid_status(pid_t pid, struct procfs_pid_status *ret)
{
	char buf[4096];
	ssize_t len = read_pid_small(pid, "status", buf, sizeof(buf));
	return len < 0 ? (int)len : procfs_parse_pid_status(buf, (size_t)len, ret);
}

/* The numeric entries of a /proc directory (pids or thread ids), in directory order. */
static int list_numeric_dir(const char *path, pid_t **ret_ids, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return gone(-errno);
	_cleanup_free_ pid_t *ids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		uint64_t v;
		if (de->d_name[0] == '.' || hutch_parse_u64(de->d_name, &v) < 0 || v == 0 ||
		    v > INT32_MAX)
			continue;
		if (HUTCH_GROW(ids, n, cap, 16) < 0)
			return -ENOMEM;
		ids[n++] = (pid_t)v;
	}
	*ret_ids = TAKE_PTR(ids);
	*ret_n = n;
	return 0;
}

int procfs_list_tasks(pid_t pid, pid_t **ret_tids, size_t *ret_n)
{
	char path[64];
	int r = pid_path(pid, "task", path, sizeof(path));
	if (r < 0)
		return r;
	return list_numeric_dir(path, ret_tids, ret_n);
}

int procfs_list_pids(pid_t **ret_pids, size_t *ret_n)
{
	return list_numeric_dir("/proc", ret_pids, ret_n);
}

int procfs_pidns_inode(pid_t pid, uint64_t *ret_inode)
{
	char path[64];
	int r = pid_path(pid, "ns/pid", path, sizeof(path));
	if (r < 0)
		return r;
	/* readlink costs half a stat: the stat follows the link into nsfs. */
	char link[64];
	ssize_t n = readlink(path, link, sizeof(link));
	if (n < 0)
		return gone(-errno);
	return procfs_parse_ns_link(link, (size_t)n, "pid", ret_inode);
}

int procfs_read_pid_cgroup_text(pid_t pid, char **ret_buf, size_t *ret_len)
{
	char path[64];
	int r = pid_path(pid, "cgroup", path, sizeof(path));
	if (r < 0)
		return r;
	r = hutch_read_file(path, 65536, ret_buf, ret_len);
	return gone(r);
}
