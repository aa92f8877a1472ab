// SPDX-License-Identifier: MIT
/*
 * hutch-runc's own executable, as the processes it puts in a container see
 * it (the CVE-2019-5736 class). Its container process is a clone of
 * hutch-runc and its `exec` forks into the container before the exec: their
 * /proc/PID/exe, and /proc/self/exe of anything they exec through a
 * "#!/proc/self/exe" script, is its binary. Were that the host's file as
 * installed, a process in the container could open it through that link and
 * chmod it, or write it once it is no longer busy, and the host's next run
 * would run its code as root. (hutch itself no longer needs this: its
 * containers' processes run hutch-init from a sealed memfd, init.c.)
 *
 * So hutch-runc's `exec`, and `create` and `run` when their process cannot
 * become hutch-init (runc_create.c: init_fits), first re-execute it from a
 * read-only view of its binary: a detached bind mount of the file
 * (open_tree, OPEN_TREE_CLONE), made read-only (mount_setattr), executed
 * with execveat. Every open of the file through that path, for writing or
 * for a mode change, fails with EROFS, busy or not, and the mount belongs to
 * no namespace: nothing in a container can remount it, and it goes with the
 * last process that runs from it. Kernels without open_tree/mount_setattr
 * (before 5.12) get runc's answer instead: a copy in a sealed memfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hutch.h"

extern char **environ;

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV  0x00000004
struct mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#endif

bool exe_sealed(void)
{
	struct statvfs sv;
	if (statvfs("/proc/self/exe", &sv) == 0 && (sv.f_flag & ST_RDONLY))
		return true; /* a read-only mount, ours or the host's */
	char link[64];
	ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	return n > 0 && (link[n] = '\0', strncmp(link, "/memfd:hutch", 12) == 0);
}

/* The read-only detached bind mount of the binary, as an fd to exec; -errno. */
static int ro_view(void)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct mount_attr attr = {.attr_set =
					  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* runc's way: the whole binary copied into a memfd sealed against any change. */
static int sealed_copy(void)
{
	_cleanup_close_ int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (src < 0 || fstat(src, &sb) < 0)
		return -errno;
	int fd = memfd_create("hutch", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	off_t off = 0;
	while (off < sb.st_size) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(sb.st_size - off));
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return -e;
		}
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int exe_seal_reexec(char **argv)
{
	if (exe_sealed())
		return 0;
	int fd = ro_view();
	if (fd >= 0) {
		syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
		close(fd); /* e.g. a noexec mount: try the copy */
	}
	fd = sealed_copy();
	if (fd < 0)
		return fd;
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	int e = errno;
	close(fd);
	return -e;
}
