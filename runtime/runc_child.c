// SPDX-License-Identifier: MIT
/*
 * The container's process from its clone to its exec, as hutch-runc create
 * leaves it: it joins its cgroup and namespaces, mounts the bundle's root and
 * mounts, lets create run the createRuntime hooks, runs createContainer's,
 * pivots into the root, masks paths, opens its terminal, and then waits on
 * the exec fifo until `start` opens it. Then the startContainer hooks, the
 * rlimits, capabilities, user, seccomp filter, and the exec of process.args.
 * Errors before the fifo go back to create over the sync socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "hutch/cgroup.h"
#include "runc_child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

/* The state JSON create sends with "go", for the hooks run from here. */
static char state_json[65536];

static int mount_one(const char *rootfs, const struct oci_mount *m, bool own_cgroupns,
		     struct hutch_error *err)
{
	char dest[4400];
	int r;
	if ((r = root_join(rootfs, m->destination, dest, sizeof(dest), err)) < 0)
		return r;
	if (m->bind) {
		struct stat sb;
		if (stat(m->source, &sb) < 0)
			return hutch_error_setsys(err, errno, "bind %s", m->source);
		if ((r = make_target(dest, S_ISDIR(sb.st_mode), err)) < 0 ||
		    (r = do_mount(m->source, dest, NULL, MS_BIND | (m->recursive ? MS_REC : 0),
				  NULL, err)) < 0)
			return r;
		/* A bind takes its flags only with a remount. */
		unsigned long f =
			m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
				    MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
		if (f && (r = do_mount(NULL, dest, NULL, MS_BIND | MS_REMOUNT | f, NULL, err)) < 0)
			return r;
	} else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) {
		if ((r = make_target(dest, true, err)) < 0)
			return r;
		/* setup_cgroupfs mounts at rootfs/sys/fs/cgroup: the usual place. */
		if (strcmp(m->destination, "/sys/fs/cgroup") == 0)
			r = setup_cgroupfs(rootfs, own_cgroupns, err);
		else
			r = do_mount("cgroup2", dest, "cgroup2", m->flags, NULL, err);
		if (r < 0)
			return r;
	} else {
		if ((r = make_target(dest, true, err)) < 0 ||
		    (r = do_mount(m->source ? m->source : m->type, dest, m->type,
				  m->flags & ~(unsigned long)MS_REMOUNT, m->data, err)) < 0)
			return r;
	}
	if (m->propagation && (r = do_mount(NULL, dest, NULL, m->propagation, NULL, err)) < 0)
		return r;
	return 0;
}

static int make_devices(const struct runc_child *a, struct hutch_error *err)
{
	const struct oci_config *c = a->cfg;
	char p[4400];
	int r;
	bool dev_tmpfs = false;
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, "/dev") == 0)
			dev_tmpfs = !c->mounts[i].bind;
	if (dev_tmpfs) {
		snprintf(p, sizeof(p), "%s/dev", a->rootfs);
		if ((r = dev_populate(p, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct oci_device *d = &c->devices[i];
		if ((r = root_join(a->rootfs, d->path, p, sizeof(p), err)) < 0 ||
		    (r = make_target(p, false, err)) < 0)
			return r;
		unlink(p);
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		mode_t mode = d->file_mode == OCI_UNSET ? 0666 : (mode_t)d->file_mode;
		if (mknod(p, type | mode, makedev(d->major, d->minor)) < 0)
			return hutch_error_setsys(err, errno, "linux.devices: mknod %s", d->path);
		chmod(p, mode);
		if ((d->uid != OCI_UNSET || d->gid != OCI_UNSET) &&
		    chown(p, d->uid == OCI_UNSET ? (uid_t)-1 : (uid_t)d->uid,
			  d->gid == OCI_UNSET ? (gid_t)-1 : (gid_t)d->gid) < 0)
			return hutch_error_setsys(err, errno, "linux.devices: chown %s", d->path);
	}
	return 0;
}

/* Up to pivot_root: cgroup, namespaces, the root and every mount, in the host's view. */
static int child_mount(struct runc_child *a, struct hutch_error *err)
{
	const struct oci_config *c = a->cfg;
	int r;
	if ((r = cgroup_attach_self(a->cg, a->in_unified, err)) < 0)
		return r;
	/* The user namespace first: it owns the others. */
	if (a->ns_fds[OCI_NS_USER] >= 0 && setns(a->ns_fds[OCI_NS_USER], CLONE_NEWUSER) < 0)
		return hutch_error_setsys(err, errno, "join the user namespace %s",
					  c->ns[OCI_NS_USER].path);
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		if (t == OCI_NS_USER || t == OCI_NS_PID || a->ns_fds[t] < 0)
			continue;
		if (setns(a->ns_fds[t], oci_ns_clone_flag(t)) < 0)
			return hutch_error_setsys(err, errno, "join the %s namespace %s",
						  oci_ns_type_name(t), c->ns[t].path);
	}
	if (c->ns[OCI_NS_USER].present && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return hutch_error_setsys(err, errno, "become root in the user namespace");
	if (c->ns[OCI_NS_CGROUP].present && !c->ns[OCI_NS_CGROUP].path &&
	    unshare(CLONE_NEWCGROUP) < 0)
		return hutch_error_setsys(err, errno, "new cgroup namespace");
	if (!c->ns[OCI_NS_MOUNT].present)
		return hutch_error_set(err, EINVAL,
				       "linux.namespaces: a mount namespace is needed");
	unsigned long prop = c->rootfs_propagation ? c->rootfs_propagation : MS_SLAVE | MS_REC;
	if ((r = do_mount(NULL, "/", NULL, prop, NULL, err)) < 0)
		return r;
	if ((r = do_mount(a->rootfs, a->rootfs, NULL, MS_BIND | MS_REC, NULL, err)) < 0)
		return r;
	bool own_cgns = c->ns[OCI_NS_CGROUP].present;
	for (size_t i = 0; i < c->n_mounts; i++)
		if ((r = mount_one(a->rootfs, &c->mounts[i], own_cgns, err)) < 0)
			return hutch_error_wrap(err, "mounts[%zu] (%s)", i,
						c->mounts[i].destination);
	return make_devices(a, err);
}

static int mask_and_protect(const struct oci_config *c, struct hutch_error *err)
{
	int r;
	for (size_t i = 0; c->masked_paths && c->masked_paths[i]; i++) {
		const char *p = c->masked_paths[i];
		struct stat sb;
		if (stat(p, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			r = do_mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0", err);
		else
			r = do_mount("/dev/null", p, NULL, MS_BIND, NULL, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; c->readonly_paths && c->readonly_paths[i]; i++) {
		const char *p = c->readonly_paths[i];
		if (access(p, F_OK) < 0)
			continue;
		if ((r = do_mount(p, p, NULL, MS_BIND | MS_REC, NULL, err)) < 0 ||
		    (r = do_mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL,
				  err)) < 0)
			return r;
	}
	return 0;
}

static int write_sysctls(const struct oci_config *c, struct hutch_error *err)
{
	for (size_t i = 0; i < c->n_sysctl; i++) {
		char path[512] = "/proc/sys/";
		size_t off = strlen(path);
		for (const char *k = c->sysctl[i].key; *k && off + 1 < sizeof(path); k++)
			path[off++] = *k == '.' ? '/' : *k;
		path[off] = '\0';
		if (strstr(c->sysctl[i].key, ".."))
			return hutch_error_set(err, EINVAL, "linux.sysctl: '%s' is not a name",
					       c->sysctl[i].key);
		int r = hutch_write_file(path, c->sysctl[i].value);
		if (r < 0)
			return hutch_error_setsys(err, -r, "linux.sysctl: %s = %s",
						  c->sysctl[i].key, c->sysctl[i].value);
	}
	return 0;
}

int runc_find_exec(const char *name, char *const *env, char *buf, size_t size)
{
	if (strchr(name, '/')) {
		snprintf(buf, size, "%s", name);
		return access(buf, X_OK) == 0 ? 0 : -errno;
	}
	const char *path = HUTCH_DEFAULT_PATH;
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	int last = -ENOENT;
	for (const char *s = path; *s;) {
		const char *e = strchrnul(s, ':');
		snprintf(buf, size, "%.*s/%s", (int)(e - s), s, name);
		struct stat sb;
		if (e > s && stat(buf, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (access(buf, X_OK) == 0)
				return 0;
			last = -EACCES;
		}
		s = *e ? e + 1 : e;
	}
	return last;
}

/* After pivot_root, up to the point where the process waits for start. */
static int child_finish(struct runc_child *a, int *ret_master, struct hutch_error *err)
{
	const struct oci_config *c = a->cfg;
	int r;
	if ((r = runc_run_hooks(c, OCI_HOOK_CREATE_CONTAINER, state_json, err)) < 0)
		return r;
	if (chdir(a->rootfs) < 0)
		return hutch_error_setsys(err, errno, "chdir %s", a->rootfs);
	if (a->no_pivot) {
		if ((r = do_mount(a->rootfs, "/", NULL, MS_MOVE, NULL, err)) < 0)
			return r;
		if (chroot(".") < 0)
			return hutch_error_setsys(err, errno, "chroot %s", a->rootfs);
	} else {
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return hutch_error_setsys(err, errno, "pivot_root %s (try --no-pivot)",
						  a->rootfs);
		if (umount2(".", MNT_DETACH) < 0)
			return hutch_error_setsys(err, errno, "detach the old root");
	}
	if (chdir("/") < 0)
		return hutch_error_setsys(err, errno, "chdir /");
	/* sysctls before /proc/sys turns read-only */
	if ((r = write_sysctls(c, err)) < 0 || (r = mask_and_protect(c, err)) < 0)
		return r;
	if (c->root_readonly &&
	    (r = do_mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL, err)) < 0)
		return r;
	if (c->ns[OCI_NS_UTS].present) {
		if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
			return hutch_error_setsys(err, errno, "set the host name");
		if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
			return hutch_error_setsys(err, errno, "set the domain name");
	}
	const struct oci_process *p = &c->process;
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return hutch_error_setsys(err, errno, "process.rlimits[%zu]", i);
	}
	if (p->oom_score_adj != OCI_UNSET) {
		char v[24];
		snprintf(v, sizeof(v), "%lld", (long long)p->oom_score_adj);
		if ((r = hutch_write_file("/proc/self/oom_score_adj", v)) < 0)
			return hutch_error_setsys(err, -r, "process.oomScoreAdj %s", v);
	}
	if (c->has_personality && personality(c->personality) < 0)
		return hutch_error_setsys(err, errno, "linux.personality");
	if (p->terminal) {
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		char name[64];
		if (master < 0)
			return hutch_error_setsys(err, errno, "open /dev/ptmx");
		if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0) {
			close(master);
			return hutch_error_setsys(err, errno, "unlock the pty");
		}
		a->tty_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (a->tty_fd < 0) {
			close(master);
			return hutch_error_setsys(err, errno, "open %s", name);
		}
		if (p->console_height && p->console_width) {
			struct winsize ws = {.ws_row = (unsigned short)p->console_height,
					     .ws_col = (unsigned short)p->console_width};
			ioctl(a->tty_fd, TIOCSWINSZ, &ws);
		}
		*ret_master = master;
	}
	r = runc_find_exec(p->args[0], p->env, a->exec_path, sizeof(a->exec_path));
	if (r < 0)
		return hutch_error_set(
			err, -r == EACCES ? EACCES : ENOENT, "exec: \"%s\": %s", p->args[0],
			r == -EACCES ? "permission denied" : "executable file not found in $PATH");
	/* A notify filter's fd goes to the agent through create: loaded before start. */
	if (a->seccomp && c->seccomp->listener_path && c->seccomp->listener_path[0])
		a->seccomp_early = true;
	return 0;
}

/* Capabilities by set: bounding dropped, the user switched keeping them, the rest set. */
static int apply_identity(const struct oci_process *p, bool caps_given, struct hutch_error *err)
{
	if (caps_given)
		for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (!(p->caps[OCI_CAP_BOUNDING] & (1ull << cap)) &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return hutch_error_setsys(err, errno, "drop capability %d", cap);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hutch_error_setsys(err, errno, "keep capabilities");
	if (syscall(SYS_setgroups, p->n_additional_gids, p->additional_gids) < 0 &&
	    (errno != EPERM || p->n_additional_gids))
		return hutch_error_setsys(err, errno, "setgroups");
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		return hutch_error_setsys(err, errno, "setgid %u", p->gid);
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return hutch_error_setsys(err, errno, "setuid %u", p->uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (!caps_given) {
		/* No capabilities object: the process keeps none (as runc). */
		struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct d[2] = {0};
		if (syscall(SYS_capset, &h, d) < 0)
			return hutch_error_setsys(err, errno, "capset");
		return 0;
	}
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(p->caps[OCI_CAP_EFFECTIVE] >> (32 * i));
		d[i].permitted = (uint32_t)(p->caps[OCI_CAP_PERMITTED] >> (32 * i));
		d[i].inheritable = (uint32_t)(p->caps[OCI_CAP_INHERITABLE] >> (32 * i));
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return hutch_error_setsys(err, errno, "capset");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (p->caps[OCI_CAP_AMBIENT] & (1ull << cap))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return 0;
}

void runc_process_exec(const struct oci_process *p, const char *exec_path, int tty_fd, void *filter,
		       bool filter_loaded, int preserve_fds)
{
	struct hutch_error err = {0};
	sigset_t none;
	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (tty_fd >= 0) {
		setsid();
		if (ioctl(tty_fd, TIOCSCTTY, 0) < 0) {
			fprintf(stderr, "hutch-runc: set the controlling terminal: %s\n",
				strerror(errno));
			_exit(126);
		}
		for (int fd = 0; fd < 3; fd++)
			dup2(tty_fd, fd);
		if (tty_fd > 2)
			close(tty_fd);
	}
	/* Only stdio and the preserved fds go on into the process. */
	syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	for (int fd = 3; fd < 3 + preserve_fds; fd++)
		fcntl(fd, F_SETFD, 0);
	/* Without no_new_privs the filter needs CAP_SYS_ADMIN: loaded before the user switch. */
	if (filter && !filter_loaded && !p->no_new_privileges && runc_seccomp_load(filter) < 0) {
		fprintf(stderr, "hutch-runc: load the seccomp filter\n");
		_exit(126);
	}
	if (apply_identity(p, p->caps_given, &err) < 0) {
		fprintf(stderr, "hutch-runc: %s\n", err.msg);
		_exit(126);
	}
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "hutch-runc: no_new_privs: %s\n", strerror(errno));
		_exit(126);
	}
	if (chdir(p->cwd) < 0) {
		fprintf(stderr, "hutch-runc: chdir %s: %s\n", p->cwd, strerror(errno));
		_exit(126);
	}
	if (p->umask != OCI_UNSET)
		umask((mode_t)p->umask);
	else
		umask(022);
	/* With it, as late as can be: fewer system calls the filter must allow. */
	if (filter && !filter_loaded && p->no_new_privileges && runc_seccomp_load(filter) < 0) {
		fprintf(stderr, "hutch-runc: load the seccomp filter\n");
		_exit(126);
	}
	char *const no_env[] = {NULL};
	execve(exec_path, p->args, p->env ? p->env : no_env);
	int e = errno;
	fprintf(stderr, "hutch-runc: exec %s: %s\n", exec_path, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/*
 * From here the process is hutch-init (init_main.c's INIT_OCI), from a
 * sealed memfd: it waits on the fifo for start and becomes the command as
 * runc_process_exec does. No process of the container then ever has
 * hutch-runc's binary as its exe, so create needs no sealed view of itself.
 * The sync socket closes at the exec: create waits for that.
 */
static void exec_init(const struct runc_child *a, int fifo, int image_fd)
{
	const struct oci_process *p = &a->cfg->process;
	struct init_args ia = {.argv = p->args,
			       .env = p->env,
			       .workdir = p->cwd,
			       .uid = p->uid,
			       .gid = p->gid,
			       .tty_fd = -1,
			       .agent_fd = -1,
			       .no_new_privs = p->no_new_privileges,
			       .seccomp = a->prog && a->prog->len,
			       .oci = true,
			       .fifo_fd = fifo,
			       .umask = p->umask != OCI_UNSET ? (int)p->umask : -1,
			       .caps_given = p->caps_given,
			       .oci_caps = {p->caps[OCI_CAP_BOUNDING], p->caps[OCI_CAP_EFFECTIVE],
					    p->caps[OCI_CAP_PERMITTED],
					    p->caps[OCI_CAP_INHERITABLE], p->caps[OCI_CAP_AMBIENT]},
			       .exec_path = a->exec_path};
	if (ia.seccomp)
		ia.prog = *a->prog;
	ia.n_groups = p->n_additional_gids;
	for (size_t i = 0; i < ia.n_groups; i++)
		ia.groups[i] = p->additional_gids[i];
	init_exec(image_fd, &ia, false, -1, -1);
	_exit(1);
}

void runc_child_main(struct runc_child *a)
{
	struct hutch_error err = {0};
	int master = -1, image_fd = -1;
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Until it becomes hutch-init, none but the host's root opens its exe through /proc. */
	if (a->use_init)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The namespaces create's thread made come first on the socket. */
	if (ns_prep_enter(a->sync_fd, a->made_flags, &err) < 0) {
		sync_send_result(a->sync_fd, err.err, err.msg, -1);
		_exit(1);
	}
	/* "go": the cgroup is limited, id maps written; with it the state for the hooks. */
	ssize_t n;
	while ((n = recv(a->sync_fd, state_json, sizeof(state_json) - 1, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		_exit(1);
	state_json[n] = '\0';
	char c;
	if (child_mount(a, &err) < 0) {
		sync_send_result(a->sync_fd, err.err, err.msg, -1);
		_exit(1);
	}
	int fifo = open(a->fifo_path, O_PATH | O_CLOEXEC);
	if (fifo < 0) {
		hutch_error_setsys(&err, errno, "open %s", a->fifo_path);
		sync_send_result(a->sync_fd, err.err, err.msg, -1);
		_exit(1);
	}
	sync_send_result(a->sync_fd, 0, "mounted", -1);
	/* create runs prestart and createRuntime hooks meanwhile. */
	if (read(a->sync_fd, &c, 1) != 1)
		_exit(1);
	if (child_finish(a, &master, &err) < 0) {
		sync_send_result(a->sync_fd, err.err, err.msg, -1);
		_exit(1);
	}
	int notify_fd = -1;
	if (a->seccomp_early && (notify_fd = runc_seccomp_load(a->seccomp)) < 0) {
		sync_send_result(a->sync_fd, -notify_fd, "load the seccomp filter", -1);
		_exit(1);
	}
	if (a->use_init && (image_fd = init_image_fd()) < 0) {
		sync_send_result(a->sync_fd, -image_fd, "copy hutch-init into a sealed memfd", -1);
		_exit(1);
	}
	/*
	 * The terminal is the process's stdio from now: the caller's pipes go, so
	 * a caller that reads create's output to its end (go-runc) is not held
	 * until start.
	 */
	if (a->tty_fd >= 0) {
		setsid();
		if (ioctl(a->tty_fd, TIOCSCTTY, 0) < 0) {
			hutch_error_setsys(&err, errno, "set the controlling terminal");
			sync_send_result(a->sync_fd, err.err, err.msg, -1);
			_exit(1);
		}
		for (int fd = 0; fd < 3; fd++)
			dup2(a->tty_fd, fd);
		close(a->tty_fd);
		a->tty_fd = -1;
	}
	/* create exits once it has our answer: nobody but start waits for us then. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	sync_send_result(a->sync_fd, 0, "ready", master);
	if (notify_fd > 0)
		sync_send_result(a->sync_fd, 0, "seccomp", notify_fd);
	if (master >= 0)
		close(master);
	if (notify_fd > 0)
		close(notify_fd);
	if (a->use_init)
		exec_init(a, fifo, image_fd);
	close(a->sync_fd);
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fifo);
	int w = open(self, O_WRONLY | O_CLOEXEC);
	if (w < 0) {
		fprintf(stderr, "hutch-runc: open the exec fifo: %s\n", strerror(errno));
		_exit(1);
	}
	close(fifo);
	if (runc_run_hooks(a->cfg, OCI_HOOK_START_CONTAINER, state_json, &err) < 0) {
		fprintf(stderr, "hutch-runc: %s\n", err.msg);
		_exit(1);
	}
	/* The byte says the hooks are done; the fifo's end (at exec, close-on-exec) that it runs. */
	if (write(w, "0", 1) != 1)
		_exit(1);
	runc_process_exec(&a->cfg->process, a->exec_path, a->tty_fd, a->seccomp, a->seccomp_early,
			  a->preserve_fds);
}
