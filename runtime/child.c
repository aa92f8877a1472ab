// SPDX-License-Identifier: MIT
/*
 * The container's init from its clone until it runs the command: it joins
 * or enters its namespaces, builds the filesystem while hutch sets the
 * cgroup's limits, then joins the cgroup, makes its cgroup namespace,
 * pivots, and reports to hutch over the sync socket (setup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "setup.h"

static int enter_made_ns(void *arg, struct hutch_error *err)
{
	const struct container_setup *s = arg;
	return ns_prep_enter(s->sync[1], s->made_flags, err);
}

/* Before the cgroup: the joined namespaces, lo and the host name, the filesystem. */
static int child_setup(struct container_setup *s, struct hutch_error *err)
{
	struct hutch_state *st = s->st;
	static const int ns_flags[HUTCH_NS_COUNT] = {[HUTCH_NS_NET] = CLONE_NEWNET,
						     [HUTCH_NS_IPC] = CLONE_NEWIPC,
						     [HUTCH_NS_UTS] = CLONE_NEWUTS};
	for (int k = 0; k < HUTCH_NS_COUNT; k++) {
		if (s->join_fds[k] < 0 || k == HUTCH_NS_PID)
			continue;
		if (setns(s->join_fds[k], ns_flags[k]) < 0)
			return hutch_error_setsys(err, errno, "join the %s namespace of %s",
						  hutch_ns_kind_name(k), st->ns[k].container);
		close(TAKE_FD(s->join_fds[k]));
	}
	/* Namespaces made ahead come with lo up and the host name set. */
	int r;
	if ((st->ns[HUTCH_NS_NET].mode == HUTCH_NS_PRIVATE ||
	     st->ns[HUTCH_NS_NET].mode == HUTCH_NS_NONE) &&
	    !(s->made_flags & CLONE_NEWNET) && (r = net_loopback_up(err)) < 0)
		return r;
	if (st->ns[HUTCH_NS_UTS].mode == HUTCH_NS_PRIVATE &&
	    st->ns[HUTCH_NS_NET].mode != HUTCH_NS_CONTAINER && !(s->made_flags & CLONE_NEWUTS) &&
	    sethostname(st->hostname, strlen(st->hostname)) < 0)
		return hutch_error_setsys(err, errno, "set the host name");
	struct mount_ctx m = {.st = st,
			      .dir = s->dir,
			      .fsd_dir = s->fsd_dir,
			      .private_cgroupns = s->private_cgroupns,
			      .enter_ns = enter_made_ns,
			      .enter_arg = s,
			      .devices = s->devices,
			      .n_devices = s->n_devices};
	return mounts_prepare(&m, err);
}

/* The pty comes from the container's own devpts, so `tty` names it there. */
static int child_open_pty(struct container_setup *s, struct hutch_error *err)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return hutch_error_setsys(err, errno, "open /dev/ptmx");
	char name[64];
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		return hutch_error_setsys(err, errno, "unlock the pty");
	s->init.tty_fd = open(name, O_RDWR | O_NOCTTY);
	if (s->init.tty_fd < 0)
		return hutch_error_setsys(err, errno, "open %s", name);
	s->master = TAKE_FD(master);
	return 0;
}

/* Once in the cgroup: the cgroup namespace, /sys/fs/cgroup, pivot_root, the pty. */
static int child_finish(struct container_setup *s, struct hutch_error *err)
{
	/* Single-threaded, it joins its v1 cgroups itself: no grace period to wait for. */
	int r = cgroup_attach_self(s->cg, s->in_unified, err);
	if (r < 0)
		return r;
	if (s->private_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return hutch_error_setsys(err, errno, "new cgroup namespace");
	struct mount_ctx m = {.st = s->st,
			      .dir = s->dir,
			      .fsd_dir = s->fsd_dir,
			      .private_cgroupns = s->private_cgroupns};
	r = mounts_finish(&m, err);
	if (r < 0)
		return r;
	if ((r = rlimits_apply(s->st, err)) < 0)
		return r;
	return s->st->tty ? child_open_pty(s, err) : 0;
}

void child_main(struct container_setup *s)
{
	struct hutch_error err = {0};
	close(TAKE_FD(s->sync[0]));
	if (s->unified_fd >= 0)
		close(TAKE_FD(s->unified_fd));
	for (int fd = 0; fd < 3; fd++)
		if (s->stdio[fd] >= 0 && s->stdio[fd] != fd)
			dup2(s->stdio[fd], fd);
	/*
	 * Until it becomes hutch-init, its exe is hutch's file: none but the
	 * host's root may open it through /proc (a --pid container:NAME shares
	 * the namespace with processes that see it).
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* A foreground container goes with the hutch that waits for it (a detached one's monitor never dies first). */
	if (!s->st->detach)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/*
	 * The filesystem is built while the host sets the cgroup's limits
	 * (hutch-init's copy is made meanwhile too); then the init joins the
	 * cgroup, and the cgroup namespace and /sys/fs/cgroup follow, rooted
	 * at it.
	 */
	char go;
	int image_fd = -1;
	if (child_setup(s, &err) < 0 ||
	    ((image_fd = init_image_fd()) < 0 &&
	     hutch_error_setsys(&err, -image_fd, "copy hutch-init into a sealed memfd") < 0) ||
	    read(s->sync[1], &go, 1) != 1 || child_finish(s, &err) < 0) {
		sync_send_result(s->sync[1], err.err ? err.err : EIO, err.msg, -1);
		_exit(EXIT_RUNTIME);
	}
	sync_send_result(s->sync[1], 0, NULL, s->master);
	if (s->master >= 0)
		close(TAKE_FD(s->master));
	close(TAKE_FD(s->sync[1]));
	/* Signals wait, blocked across the exec, for hutch-init's handlers. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* Still with CAP_SYS_ADMIN; a failure leaves sysinfo to the kernel (the host's). */
	if (s->init.agent_fd >= 0)
		seccomp_sysinfo_notify(TAKE_FD(s->init.agent_fd));
	init_exec(image_fd, &s->init, true, s->exit_fd, -1);
	registry_write_exit(s->exit_fd, EXIT_RUNTIME, false, hutch_wall_ns(), "");
	_exit(EXIT_RUNTIME);
}
