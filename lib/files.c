/* SPDX-License-Identifier: MIT */
/* Whole-tree removal, new small files, the open-file limit: what the programs do to the filesystem. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hutch/util.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int hutch_rm_rf(const char *path)
{
	/* FTW_MOUNT: a mount left inside (a volume) is not descended into and emptied. */
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return -errno;
	return access(path, F_OK) == 0 ? -ENOTEMPTY : 0;
}

int hutch_write_new_file(const char *path, const char *data)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(data);
	if (write(fd, data, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

void hutch_raise_nofile(rlim_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_max < want) {
		struct rlimit up = {want, want};
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}
