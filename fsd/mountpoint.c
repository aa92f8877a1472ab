/* SPDX-License-Identifier: MIT */
/* hutch-fsd's mount point between daemons: see mountpoint.h. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hutch/procfs.h"
#include "hutch/util.h"
#include "mountpoint.h"

/* The top mount at path: 1 and its type and source, 0 when path is no mount point. */
static int mounted_at(const char *path, char *type, size_t tsize, char *source, size_t ssize)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hutch_read_file("/proc/self/mountinfo", 0, &buf, &len);
	if (r < 0)
		return r;
	struct procfs_mountinfo mi = {0};
	r = procfs_parse_mountinfo(buf, len, &mi);
	if (r < 0)
		return r;
	int found = 0;
	for (size_t i = 0; i < mi.n_mounts; i++)
		if (strcmp(mi.mounts[i].mount_point, path) == 0) {
			/* Later lines are mounted later: the last is the top one. */
			snprintf(type, tsize, "%s", mi.mounts[i].fstype);
			snprintf(source, ssize, "%s", mi.mounts[i].source);
			found = 1;
		}
	procfs_mountinfo_free(&mi);
	return found;
}

/* Empty directories under the bare mount point: what a bind of a missing source made. */
static unsigned n_tidied;
static char first_tidied[PATH_MAX];
static const char *tidy_root;

static int tidy_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (flag != FTW_DP || ftw->level == 0)
		return 0;
	if (rmdir(path) == 0) {
		if (!n_tidied++)
			snprintf(first_tidied, sizeof(first_tidied), "%s", path);
	} else if (errno == ENOTEMPTY || errno == EEXIST) {
		log_debug("mount point %s: %s holds files: left as it is", tidy_root, path);
	}
	return 0;
}

static void tidy(const char *mp)
{
	n_tidied = 0;
	tidy_root = mp;
	nftw(mp, tidy_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (n_tidied)
		log_warn(
			"mount point %s: removed %u empty directories (%s, ...) that a runtime "
			"made while no hutch-fsd served it (a bind of a missing file, as docker -v "
			"does); containers started then keep a directory there until they restart",
			mp, n_tidied, first_tidied);
}

/* A dead FUSE mount at mp ("Transport endpoint is not connected"): unmounted, logged. */
static int drop_dead_mount(const char *mp, int e)
{
	if (umount2(mp, MNT_DETACH) < 0) {
		log_error("mount point %s: a dead FUSE mount, and unmounting it failed: %s", mp,
			  strerror(errno));
		return -e;
	}
	log_warn("mount point %s: a dead FUSE mount (Transport endpoint is not connected; its "
		 "daemon died): unmounted it (lazily); containers that bound its files keep the "
		 "dead one until they restart",
		 mp);
	return 0;
}

int fsd_mountpoint_prepare(const char *mp, bool is_default, char *real, size_t size)
{
	for (int tries = 0; tries < 8; tries++) {
		struct stat st;
		if (stat(mp, &st) < 0) {
			int e = errno;
			if (e == ENOTCONN && drop_dead_mount(mp, e) == 0)
				continue;
			if (e == ENOENT && is_default && hutch_mkdir_p(mp, 0755) == 0) {
				is_default = false;
				continue;
			}
			log_error("mount point %s: %s", mp, strerror(e));
			return -e;
		}
		if (!S_ISDIR(st.st_mode)) {
			log_error("mount point %s: not a directory", mp);
			return -ENOTDIR;
		}
		int e = !realpath(mp, real) ? errno : strlen(real) >= size ? ENAMETOOLONG : 0;
		if (e) {
			log_error("mount point %s: %s", mp, strerror(e));
			return -e;
		}
		char type[64], source[256];
		int r = mounted_at(real, type, sizeof(type), source, sizeof(source));
		if (r > 0 && strcmp(type, "tmpfs") == 0 && strcmp(source, FSD_GUARD_SOURCE) == 0) {
			if (umount2(real, MNT_DETACH) < 0) {
				log_error("mount point %s: cannot remove the guard a stopped "
					  "hutch-fsd left: %s",
					  real, strerror(errno));
				return -errno;
			}
			log_info("mount point %s: removed the read-only guard the hutch-fsd "
				 "stopped before left",
				 real);
			continue;
		}
		if (r > 0) {
			log_error("mount point %s: already a mount point of %s (%s); is another "
				  "hutch-fsd or lxcfs running there?",
				  real, type, source);
			return -EBUSY;
		}
		tidy(real);
		return 0;
	}
	log_error("mount point %s: still mounted after removing 8 mounts", mp);
	return -EBUSY;
}

void fsd_mountpoint_guard(const char *mp)
{
	if (mount(FSD_GUARD_SOURCE, mp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0555,size=4k,nr_inodes=16") < 0) {
		log_warn("mount point %s: no read-only guard (%s): a runtime that binds a file "
			 "there now makes a directory",
			 mp, strerror(errno));
		return;
	}
	log_info("mount point %s: a read-only guard until the next hutch-fsd, so that no "
		 "runtime makes a directory where a file belongs (umount %s to remove it)",
		 mp, mp);
}
