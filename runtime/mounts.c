// SPDX-License-Identifier: MIT
/*
 * The container's filesystem, built by its init inside its own mount
 * namespace (nothing here is seen by the host, and everything goes when the
 * namespace does): an overlay over the image, /proc, /dev, /sys, the
 * container's cgroups read-only, /etc files, volumes, hutch-fsd's files, and
 * pivot_root into it.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hutch/cgroup.h"
#include "hutch.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

bool fsd_mounted(const char *dir)
{
	struct statfs sf;
	return dir && statfs(dir, &sf) == 0 && (unsigned long)sf.f_type == FUSE_SUPER_MAGIC;
}

/* snprintf for paths: a path that does not fit becomes "", which then fails to open with ENOENT. */
static void __attribute__((format(printf, 3, 4)))
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		buf[0] = '\0';
}

int do_mount(const char *src, const char *target, const char *type, unsigned long flags,
	     const char *data, struct hutch_error *err)
{
	if (mount(src, target, type, flags, data) < 0)
		return hutch_error_setsys(err, errno, "mount %s on %s",
					  type	? type
					  : src ? src
						: "(remount)",
					  target);
	return 0;
}

/* Makes a mount point: a directory, or an empty file when the source is a file. */
int make_target(const char *path, bool dir, struct hutch_error *err)
{
	if (dir) {
		int r = hutch_mkdir_p(path, 0755);
		return r < 0 ? hutch_error_setsys(err, -r, "mkdir %s", path) : 0;
	}
	char parent[4096];
	pathf(parent, sizeof(parent), "%s", path);
	int r = hutch_mkdir_p(dirname(parent), 0755);
	if (r < 0)
		return hutch_error_setsys(err, -r, "mkdir %s", parent);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno != EISDIR)
		return hutch_error_setsys(err, errno, "create %s", path);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int bind(const char *src, const char *target, bool ro, struct hutch_error *err)
{
	struct stat sb;
	if (stat(src, &sb) < 0)
		return hutch_error_setsys(err, errno, "bind %s", src);
	int r = make_target(target, S_ISDIR(sb.st_mode), err);
	if (r < 0)
		return r;
	if ((r = do_mount(src, target, NULL, MS_BIND | MS_REC, NULL, err)) < 0)
		return r;
	if (ro)
		return do_mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL, err);
	return 0;
}

/* The host's /dev directories that are not devices, or are the container's own. */
static bool dev_dir_skipped(const char *name)
{
	static const char *const own[] = {"pts", "shm", "mqueue", "fd"};
	if (name[0] == '.') /* ".", "..", and udev's or lxc's state */
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (strcmp(name, own[i]) == 0)
			return true;
	return false;
}

/*
 * --privileged: every device node under the host's /dev (dirfd host, taken),
 * the subdirectories too (/dev/net/tun, /dev/dri/..., /dev/mapper/control),
 * made at the same place under dev with the host's numbers, mode and owner, as
 * docker does; symlinks are not devices, and stay out as in docker.
 */
static int copy_host_devices(int host, const char *dev, int depth, struct hutch_error *err)
{
	_cleanup_closedir_ DIR *d = fdopendir(host);
	if (!d) {
		close(host);
		return hutch_error_setsys(err, errno, "read the host's /dev");
	}
	struct dirent *de;
	char p[4200];
	while ((de = readdir(d))) {
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		pathf(p, sizeof(p), "%s/%s", dev, de->d_name);
		if (S_ISDIR(sb.st_mode)) {
			if (dev_dir_skipped(de->d_name) || depth >= 8)
				continue;
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if ((mkdir(p, sb.st_mode & 07777) < 0 && errno != EEXIST) || sub < 0) {
				int e = errno;
				if (sub >= 0)
					close(sub);
				return hutch_error_setsys(err, e, "copy the host's /dev: %s", p);
			}
			int r = copy_host_devices(sub, p, depth + 1, err);
			if (r < 0)
				return r;
			continue;
		}
		if (!S_ISCHR(sb.st_mode) && !S_ISBLK(sb.st_mode))
			continue;
		if (mknod(p, sb.st_mode, sb.st_rdev) < 0) {
			if (errno == EEXIST)
				continue;
			return hutch_error_setsys(err, errno, "mknod %s", p);
		}
		if (chmod(p, sb.st_mode & 07777) < 0 || chown(p, sb.st_uid, sb.st_gid) < 0)
			return hutch_error_setsys(err, errno, "set the mode of %s", p);
	}
	return 0;
}

int dev_populate(const char *dev, struct hutch_error *err)
{
	static const struct {
		const char *name;
		unsigned major, minor;
	} devs[] = {
		{"null", 1, 3},	  {"zero", 1, 5},    {"full", 1, 7},
		{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
	};
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
		{"pts/ptmx", "ptmx"},
	};
	char p[4200];
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		pathf(p, sizeof(p), "%s/%s", dev, devs[i].name);
		if (mknod(p, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) == 0) {
			chmod(p, 0666); /* past the umask */
			continue;
		}
		/* In a user namespace mknod is refused: the host's node is bound instead. */
		char host[64];
		int r;
		if (errno != EPERM)
			return hutch_error_setsys(err, errno, "mknod %s", p);
		snprintf(host, sizeof(host), "/dev/%s", devs[i].name);
		if ((r = make_target(p, false, err)) < 0 ||
		    (r = do_mount(host, p, NULL, MS_BIND, NULL, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		pathf(p, sizeof(p), "%s/%s", dev, links[i][1]);
		if (symlink(links[i][0], p) < 0)
			return hutch_error_setsys(err, errno, "symlink %s", p);
	}
	return 0;
}

static int setup_dev(const char *rootfs, bool privileged, struct hutch_error *err)
{
	char dev[4096], p[4200];
	int r;
	if ((r = root_join(rootfs, "/dev", dev, sizeof(dev), err)) < 0 ||
	    (r = make_target(dev, true, err)) < 0 ||
	    (r = do_mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k",
			  err)) < 0)
		return r;
	if ((r = dev_populate(dev, err)) < 0)
		return r;
	if (privileged) {
		int host = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (host < 0)
			return hutch_error_setsys(err, errno, "open the host's /dev");
		if ((r = copy_host_devices(host, dev, 0, err)) < 0)
			return r;
	}
	pathf(p, sizeof(p), "%s/pts", dev);
	if ((r = make_target(p, true, err)) < 0 ||
	    (r = do_mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
			  "newinstance,ptmxmode=0666,mode=0620,gid=5", err)) < 0)
		return r;
	pathf(p, sizeof(p), "%s/shm", dev);
	if ((r = make_target(p, true, err)) < 0 ||
	    (r = do_mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=1777,size=65536k", err)) < 0)
		return r;
	return 0;
}

/* /dev/mqueue shows the IPC namespace of whoever mounts it: the init, once in the container's. */
static int setup_mqueue(const char *rootfs, struct hutch_error *err)
{
	char p[4200];
	int r;
	if ((r = root_join(rootfs, "/dev/mqueue", p, sizeof(p), err)) < 0 ||
	    (r = make_target(p, true, err)) < 0 ||
	    (r = do_mount("mqueue", p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err)) < 0)
		return r;
	return 0;
}

/* /sys/fs/cgroup: a tmpfs with each hierarchy mounted read-only, rooted at the container's cgroup. */
int setup_cgroupfs(const char *rootfs, bool own_ns, struct hutch_error *err)
{
	const struct cgroup_layout *layout;
	char base[4096], p[4400];
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return hutch_error_setsys(err, -r, "detect the cgroup layout");
	if ((r = root_join(rootfs, "/sys/fs/cgroup", base, sizeof(base), err)) < 0)
		return r;
	if (layout->kind == CGROUP_LAYOUT_V2) {
		/* Without a cgroup namespace the host's tree would show; mount it only in one. */
		if (!own_ns)
			return 0;
		return do_mount("cgroup2", base, "cgroup2",
				MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
	}
	if ((r = do_mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755",
			  err)) < 0)
		return r;
	for (size_t i = 0; own_ns && i < layout->n_hierarchies; i++) {
		const struct cgroup_hierarchy *h = &layout->hierarchies[i];
		const char *slash = strrchr(h->mount_point, '/');
		const char *name = slash ? slash + 1 : h->mount_point;
		pathf(p, sizeof(p), "%s/%s", base, name);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return hutch_error_setsys(err, errno, "mkdir %s", p);
		if (h->unified)
			r = do_mount("cgroup2", p, "cgroup2",
				     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
		else
			r = do_mount("cgroup", p, "cgroup",
				     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, h->options, err);
		if (r < 0)
			return r;
		/* co-mounted controllers ("cpu,cpuacct") get a link per name, as on the host */
		if (strchr(name, ',')) {
			char names[256];
			pathf(names, sizeof(names), "%s", name);
			char *save = NULL;
			for (char *c = strtok_r(names, ",", &save); c;
			     c = strtok_r(NULL, ",", &save)) {
				pathf(p, sizeof(p), "%s/%s", base, c);
				if (symlink(name, p) < 0 && errno != EEXIST)
					return hutch_error_setsys(err, errno, "symlink %s", p);
			}
		}
	}
	return do_mount(NULL, base, NULL,
			MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
			err);
}

static int write_etc_files(const char *dir, const struct hutch_state *st, struct hutch_error *err)
{
	char path[4200], buf[1024];
	int r;
	bool host_net = st->ns[HUTCH_NS_NET].mode == HUTCH_NS_HOST;
	snprintf(path, sizeof(path), "%s/hostname", dir);
	snprintf(buf, sizeof(buf), "%s\n", st->hostname);
	if ((r = hutch_write_new_file(path, buf)) < 0)
		return hutch_error_setsys(err, -r, "write %s", path);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	_cleanup_free_ char *host_hosts = NULL;
	size_t len;
	if (host_net && hutch_read_file("/etc/hosts", 1 << 20, &host_hosts, &len) == 0) {
		if ((r = hutch_write_new_file(path, host_hosts)) < 0)
			return hutch_error_setsys(err, -r, "write %s", path);
	} else {
		snprintf(buf, sizeof(buf),
			 "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
			 "ip6-loopback\n127.0.1.1\t%s\n",
			 st->hostname);
		if ((r = hutch_write_new_file(path, buf)) < 0)
			return hutch_error_setsys(err, -r, "write %s", path);
	}
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	_cleanup_free_ char *resolv = NULL;
	if (hutch_read_file("/etc/resolv.conf", 1 << 20, &resolv, &len) < 0)
		resolv = strdup("");
	if (!resolv)
		return hutch_error_set(err, ENOMEM, "out of memory");
	if ((r = hutch_write_new_file(path, resolv)) < 0)
		return hutch_error_setsys(err, -r, "write %s", path);
	return 0;
}

/*
 * docker's masked and read-only paths: kernel interfaces a container has no
 * business reading (kcore, keys, timers) or writing (sysrq-trigger, /proc/sys).
 */
static const char *const masked_paths[] = {
	"proc/acpi",	    "proc/kcore",
	"proc/keys",	    "proc/latency_stats",
	"proc/timer_list",  "proc/timer_stats",
	"proc/sched_debug", "proc/scsi",
	"sys/firmware",	    "sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};

/*
 * Masks and makes read-only those of the paths above that start with prefix
 * ("proc/", "sys/"), under kdir: where that /proc or /sys is mounted (a
 * kernel filesystem of our own, so no image symlink can be in the way).
 */
static int mask_paths(const char *kdir, const char *prefix, struct hutch_error *err)
{
	char p[4400];
	int r;
	size_t plen = strlen(prefix);
	for (size_t i = 0; i < ARRAY_SIZE(masked_paths); i++) {
		struct stat sb;
		if (strncmp(masked_paths[i], prefix, plen) != 0)
			continue;
		pathf(p, sizeof(p), "%s/%s", kdir, masked_paths[i] + plen);
		if (stat(p, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			r = do_mount("tmpfs", p, "tmpfs",
				     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0", err);
		else
			r = do_mount("/dev/null", p, NULL, MS_BIND, NULL, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(readonly_paths); i++) {
		if (strncmp(readonly_paths[i], prefix, plen) != 0)
			continue;
		pathf(p, sizeof(p), "%s/%s", kdir, readonly_paths[i] + plen);
		if (access(p, F_OK) < 0)
			continue;
		if ((r = do_mount(p, p, NULL, MS_BIND | MS_REC, NULL, err)) < 0 ||
		    (r = do_mount(NULL, p, NULL,
				  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
					  MS_NOEXEC,
				  NULL, err)) < 0)
			return r;
	}
	return 0;
}

/* The proc/pressure files are bound only where the kernel has PSI (the target must exist). */
static const char *const fsd_files[] = {
	"proc/meminfo",
	"proc/cpuinfo",
	"proc/stat",
	"proc/uptime",
	"proc/loadavg",
	"proc/diskstats",
	"proc/swaps",
	"proc/pressure/cpu",
	"proc/pressure/memory",
	"proc/pressure/io",
	"sys/devices/system/cpu/online",
};

/* Over the container's /proc and /sys, mounted at procdir and sysdir. */
static int setup_fsd(const char *procdir, const char *sysdir, const char *fsd,
		     struct hutch_error *err)
{
	char src[4096], dst[4400];
	for (size_t i = 0; i < ARRAY_SIZE(fsd_files); i++) {
		bool proc = strncmp(fsd_files[i], "proc/", 5) == 0;
		pathf(src, sizeof(src), "%s/%s", fsd, fsd_files[i]);
		pathf(dst, sizeof(dst), "%s/%s", proc ? procdir : sysdir,
		      fsd_files[i] + (proc ? 5 : 4));
		if (access(src, F_OK) < 0 || access(dst, F_OK) < 0)
			continue; /* a file this fsd does not serve, or the kernel does not have */
		int r = do_mount(src, dst, NULL, MS_BIND, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A volume whose target, the image's symlinks followed, is /proc or /sys or under them. */
static int refuse_kernel_fs(const char *rootfs, const char *target, struct hutch_error *err)
{
	char real[4096];
	int r = root_join(rootfs, "/", real, sizeof(real), err);
	if (r < 0)
		return r;
	size_t n = strlen(real);
	if (strncmp(target, real, n) == 0 && spec_kernel_fs_target(target + n))
		return hutch_error_set(err, EPERM,
				       "its target leads to %s: a volume over /proc or /sys (or "
				       "under them) is refused",
				       target + n);
	return 0;
}

/* <dir>/rootfs: the container's scratch tmpfs; the root filesystem is mounted at its merged/. */
static void root_path(const struct mount_ctx *m, char *buf, size_t size)
{
	pathf(buf, size, "%s/rootfs/merged", m->dir);
}

int mounts_prepare(const struct mount_ctx *m, struct hutch_error *err)
{
	const struct hutch_state *st = m->st;
	char rootfs[4096], scratch[4096], p[4400], src[4400], opts[12800];
	int r;

	/* Nothing of ours propagates to the host, nothing of the host's to us. */
	if ((r = do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, err)) < 0)
		return r;
	pathf(scratch, sizeof(scratch), "%s/rootfs", m->dir);
	root_path(m, rootfs, sizeof(rootfs));
	if ((r = do_mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", err)) < 0)
		return r;
	if ((r = write_etc_files(scratch, st, err)) < 0)
		return r;
	char upper[4200], work[4200];
	if (st->auto_remove) {
		pathf(upper, sizeof(upper), "%s/upper", scratch);
		pathf(work, sizeof(work), "%s/work", scratch);
		if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0)
			return hutch_error_setsys(err, errno, "mkdir %s", upper);
	} else {
		pathf(upper, sizeof(upper), "%s/upper", m->dir);
		pathf(work, sizeof(work), "%s/work", m->dir);
	}
	if (mkdir(rootfs, 0755) < 0)
		return hutch_error_setsys(err, errno, "mkdir %s", rootfs);
	pathf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", st->rootfs, upper, work);
	if ((r = do_mount("overlay", rootfs, "overlay", 0, opts, err)) < 0)
		return hutch_error_wrap(err, "root filesystem over %s", st->rootfs);

	/*
	 * First what needs none of the namespaces a thread of hutch may still
	 * be making (network, IPC, UTS), then, in them, what shows them:
	 * /dev/mqueue and /sys.
	 */
	char procdir[4096], sysdir[4096];
	if ((r = root_join(rootfs, "/proc", procdir, sizeof(procdir), err)) < 0 ||
	    (r = make_target(procdir, true, err)) < 0 ||
	    (r = do_mount("proc", procdir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err)) <
		    0)
		return r;
	if ((r = setup_dev(rootfs, st->privileged, err)) < 0 ||
	    (r = devices_create(rootfs, m->devices, m->n_devices, err)) < 0)
		return r;
	/* docker's --privileged: no masked or read-only paths, /sys writable. */
	if (!st->privileged && (r = mask_paths(procdir, "proc/", err)) < 0)
		return r;
	static const char *const etc_files[] = {"hostname", "hosts", "resolv.conf"};
	char etc[4096];
	if ((r = root_join(rootfs, "/etc", etc, sizeof(etc), err)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		pathf(src, sizeof(src), "%s/%s", scratch, etc_files[i]);
		pathf(p, sizeof(p), "%s/%s", etc, etc_files[i]);
		/* A symlink in the image (resolv.conf often is) would lead the bind outside. */
		struct stat sb;
		if (lstat(p, &sb) == 0 && !S_ISREG(sb.st_mode))
			unlink(p);
		if ((r = bind(src, p, false, err)) < 0)
			return r;
	}

	if (m->enter_ns && (r = m->enter_ns(m->enter_arg, err)) < 0)
		return r;
	if ((r = setup_mqueue(rootfs, err)) < 0)
		return r;
	if ((r = root_join(rootfs, "/sys", sysdir, sizeof(sysdir), err)) < 0 ||
	    (r = make_target(sysdir, true, err)) < 0 ||
	    (r = do_mount("sysfs", sysdir, "sysfs",
			  (st->privileged ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
			  err)) < 0)
		return r;
	if (!st->privileged && (r = mask_paths(sysdir, "sys/", err)) < 0)
		return r;
	/* hutch-fsd's files: binds over /proc's and /sys's (none of them masked). */
	if (m->fsd_dir && (r = setup_fsd(procdir, sysdir, m->fsd_dir, err)) < 0)
		return hutch_error_wrap(err, "hutch-fsd files from %s", m->fsd_dir);
	/* Volumes last: over anything above, /sys's or /dev/mqueue's paths too. */
	for (size_t i = 0; i < st->n_mounts; i++) {
		if ((r = root_join(rootfs, st->mounts[i].destination, p, sizeof(p), err)) < 0 ||
		    (r = refuse_kernel_fs(rootfs, p, err)) < 0 ||
		    (r = bind(st->mounts[i].source, p, st->mounts[i].readonly, err)) < 0)
			return hutch_error_wrap(err, "volume %s:%s", st->mounts[i].source,
						st->mounts[i].destination);
	}
	if (st->workdir[0] && ((r = root_join(rootfs, st->workdir, p, sizeof(p), err)) < 0 ||
			       (r = make_target(p, true, err)) < 0))
		return hutch_error_wrap(err, "workdir");
	return 0;
}

int mounts_finish(const struct mount_ctx *m, struct hutch_error *err)
{
	const struct hutch_state *st = m->st;
	char rootfs[4096];
	int r;
	root_path(m, rootfs, sizeof(rootfs));
	if ((r = setup_cgroupfs(rootfs, m->private_cgroupns, err)) < 0)
		return r;
	if (st->read_only &&
	    (r = do_mount(NULL, rootfs, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL, err)) < 0)
		return r;

	if (chdir(rootfs) < 0)
		return hutch_error_setsys(err, errno, "chdir %s", rootfs);
	if (st->no_pivot) {
		if ((r = do_mount(rootfs, "/", NULL, MS_MOVE, NULL, err)) < 0)
			return r;
		if (chroot(".") < 0)
			return hutch_error_setsys(err, errno, "chroot %s", rootfs);
	} else {
		/* pivot_root(".", "."): the old root ends up under the new one, then goes. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return hutch_error_setsys(err, errno, "pivot_root %s (try --no-pivot)",
						  rootfs);
		if (umount2(".", MNT_DETACH) < 0)
			return hutch_error_setsys(err, errno, "detach the old root");
	}
	if (chdir("/") < 0)
		return hutch_error_setsys(err, errno, "chdir /");
	return 0;
}
