// SPDX-License-Identifier: MIT
/*
 * Making a container, step by step, into a struct container_setup that owns
 * all it makes: the state directory that reserves the name, the log and
 * pipes, the cgroup, the init (cloned into its namespaces and cgroup), the
 * handshake with it, and the record of it running. A step that fails leaves
 * what was made to setup_undo, the one place that takes it all back.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hutch/cgroup.h"
#include "setup.h"

static void close_fd(int *fd)
{
	closep(fd);
	*fd = -1;
}

void setup_init(struct container_setup *s, struct hutch_state *st, const char *cgroup_parent,
		int notify_fd)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->cgroup_parent = cgroup_parent;
	s->notify_fd = notify_fd;
	s->pid = -1;
	s->stdio[0] = s->stdio[1] = s->stdio[2] = -1;
	s->init.tty_fd = -1;
	s->init.agent_fd = -1;
	s->sync[0] = s->sync[1] = -1;
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		s->join_fds[k] = -1;
	s->unified_fd = s->null_fd = s->log_fd = s->master = s->exit_fd = -1;
	s->out_pipe[0] = s->out_pipe[1] = s->err_pipe[0] = s->err_pipe[1] = -1;
	s->mr.fd = s->mr.go[0] = s->mr.go[1] = -1;
}

static void new_id(char *buf)
{
	unsigned char raw[HUTCH_ID_LEN / 2];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		uint64_t x = hutch_now_ns() ^ ((uint64_t)getpid() << 32);
		for (size_t i = 0; i < sizeof(raw); i++, x = x * 6364136223846793005ull + 1)
			raw[i] = (unsigned char)(x >> 56);
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
}

/* The id, the names that default to it, the sync socket and the namespace thread. */
static int step_identity(struct container_setup *s, struct hutch_error *err)
{
	struct hutch_state *st = s->st;
	const char *root = hutch_globals.root;
	int r = hutch_mkdir_p(root, 0711);
	if (r < 0)
		return hutch_error_setsys(err, -r, "create the state directory %s", root);
	new_id(st->id);
	snprintf(s->dir, sizeof(s->dir), "%s/%s", root, st->id);
	if (!st->name[0])
		snprintf(st->name, 13, "%.12s", st->id);
	if (!st->hostname[0])
		snprintf(st->hostname, 13, "%.12s", st->id);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s->sync) < 0)
		return hutch_error_setsys(err, errno, "socketpair");
	ns_prep_start(&s->np, st, s->sync[0]);
	if (s->cgroup_parent)
		snprintf(st->cgroup_path, sizeof(st->cgroup_path), "%s%s/%s",
			 s->cgroup_parent[0] == '/' ? "" : "/", s->cgroup_parent, st->id);
	else
		snprintf(st->cgroup_path, sizeof(st->cgroup_path), "/hutch/%s", st->id);
	st->monitor_pid = getpid();
	hutch_pid_start_ticks(st->monitor_pid, &st->monitor_start_ticks);
	st->created_ns = hutch_wall_ns();
	st->status = HUTCH_STATUS_CREATED;
	return 0;
}

/* The directory, whole, with the name reserved (registry.c: safe against a SIGKILL). */
static int step_reserve(struct container_setup *s, struct hutch_error *err)
{
	int r = registry_create(s->st, err);
	if (r < 0)
		return r;
	s->made_dir = true;
	s->exit_fd = registry_open_exit(s->st);
	if (s->exit_fd < 0)
		return hutch_error_setsys(err, -s->exit_fd, "open the exit record of %s",
					  s->st->id);
	return 0;
}

/* Opens another container's namespace by its name, for --pid/--net/--ipc container:NAME. */
static int open_joined_ns(struct hutch_state *st, enum hutch_ns_kind k, int *ret_fd,
			  struct hutch_error *err)
{
	struct hutch_state other;
	int r = hutch_state_find(hutch_globals.root, st->ns[k].container, &other);
	if (r < 0)
		return hutch_error_set(err, r == -ENOTUNIQ ? EINVAL : ENOENT,
				       "--%s container:%s: no such container",
				       hutch_ns_kind_name(k), st->ns[k].container);
	bool alive = other.status == HUTCH_STATUS_RUNNING && hutch_state_pid_alive(&other);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)other.pid, hutch_ns_kind_name(k));
	snprintf(st->ns[k].container, sizeof(st->ns[k].container), "%s", other.id);
	hutch_state_free(&other);
	if (!alive)
		return hutch_error_set(err, EINVAL,
				       "--%s container:%s: the container is not running",
				       hutch_ns_kind_name(k), st->ns[k].container);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "open %s", path);
	*ret_fd = fd;
	return 0;
}

static int step_join_ns(struct container_setup *s, struct hutch_error *err)
{
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		if (s->st->ns[k].mode == HUTCH_NS_CONTAINER &&
		    open_joined_ns(s->st, k, &s->join_fds[k], err) < 0)
			return -err->err;
	return 0;
}

/*
 * rootfs/ is where the container mounts its scratch tmpfs (its /etc files,
 * the overlay's mount point and, with --rm, the overlay's upper layer: a
 * container removed at exit leaves nothing to delete on disk). Otherwise the
 * upper layer is kept on disk until `hutch rm`.
 */
static int step_dirs(struct container_setup *s, struct hutch_error *err)
{
	static const char *const subdirs[] = {"rootfs", "upper", "work"};
	char path[4200];
	for (size_t i = 0; i < (s->st->auto_remove ? 1 : ARRAY_SIZE(subdirs)); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->dir, subdirs[i]);
		if (mkdir(path, 0755) < 0)
			return hutch_error_setsys(err, errno, "mkdir %s", path);
	}
	if (s->st->fsd) {
		const char *fsd = getenv("HUTCH_FSD_DIR");
		fsd = fsd && fsd[0] ? fsd : HUTCH_FSD_DIR;
		s->fsd_dir = fsd_mounted(fsd) ? fsd : NULL;
	}
	s->private_cgroupns = s->st->ns[HUTCH_NS_CGROUP].mode == HUTCH_NS_PRIVATE;
	return 0;
}

/*
 * The log: a detached container's output, and a foreground one's too (as
 * docker keeps it, for `hutch logs` after the run), which hutch then copies
 * to the terminal and the log. A --rm container keeps none (nothing is left
 * to ask), and its output goes straight out.
 */
static int step_stdio(struct container_setup *s, struct hutch_error *err)
{
	struct hutch_state *st = s->st;
	s->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (st->detach || !st->auto_remove) {
		snprintf(st->log_path, sizeof(st->log_path), "%s/container.log", s->dir);
		s->log_fd = open(st->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (s->log_fd < 0)
			return hutch_error_setsys(err, errno, "create %s", st->log_path);
		int r = log_reserve(s->dir, s->log_fd);
		if (r < 0)
			return hutch_error_setsys(err, -r, "reserve room beside %s", st->log_path);
	}
	/* A detached container's output comes through its monitor too: a full disk is seen. */
	if (st->detach || !st->interactive || st->tty)
		s->stdio[0] = s->null_fd;
	if (s->log_fd >= 0 && !st->tty) {
		if (pipe2(s->out_pipe, O_CLOEXEC) < 0 || pipe2(s->err_pipe, O_CLOEXEC) < 0)
			return hutch_error_setsys(err, errno, "pipe");
		s->stdio[1] = s->out_pipe[1];
		s->stdio[2] = s->err_pipe[1];
	}
	return 0;
}

/* What the init runs, and as whom (the image's names). */
static int step_command(struct container_setup *s, struct hutch_error *err)
{
	struct hutch_state *st = s->st;
	struct init_args *ia = &s->init;
	ia->argv = st->argv;
	ia->env = st->env;
	ia->workdir = st->workdir;
	/* The filter is compiled (or, the built-in one, was at build time) before the clone. */
	int r = security_prog_for(st, true, &ia->prog, err);
	if (r < 0)
		return r;
	ia->seccomp = ia->prog.len > 0;
	ia->no_new_privs = st->no_new_privs;
	ia->cap_mask = st->cap_mask;
	/* sysinfo(2) answered by hutch-fsd (fsd/agent.h), when it serves. */
	ia->agent_fd = s->fsd_dir ? seccomp_agent_connect(s->fsd_dir) : -1;
	if (st->seccomp_profile[0] && (r = security_save_prog(st, &ia->prog)) < 0)
		return hutch_error_setsys(err, -r, "keep the seccomp filter of %s", st->id);
	if (!st->user[0])
		return 0;
	if (spec_resolve_user_in(st->user, st->rootfs, &ia->uid, &ia->gid) < 0)
		return hutch_error_set(err, ENOENT,
				       "-u %s: no such user or group in the image's /etc/passwd "
				       "or /etc/group",
				       st->user);
	ia->set_user = true;
	ia->n_groups = (size_t)spec_user_groups_in(st->rootfs, ia->uid, ia->groups,
						   ARRAY_SIZE(ia->groups));
	return 0;
}

/* The --device nodes, read on the host before anything of the container runs. */
static int step_devices(struct container_setup *s, struct hutch_error *err)
{
	return devices_resolve(s->st->devices, &s->devices, &s->n_devices, err);
}

/*
 * The unified cgroup exists before the init, which is born in it; the v1
 * ones are made meanwhile, and the init joins them itself once the limits
 * are set.
 */
/*
 * hutch-fsd --containers serves this container's own files (read from the
 * page cache, no round trip): bind those instead of the lxcfs layout's, once
 * its cgroup exists for the daemon to find (the name encoded as
 * fsd/cache_id.c does: '/' as %2F, '%' as %25).
 */
static void fsd_per_container(struct container_setup *s)
{
	const char *dir = getenv("HUTCH_FSD_CONTAINERS_DIR");
	dir = dir && dir[0] ? dir : HUTCH_FSD_CONTAINERS_DIR;
	if (!s->st->fsd || !fsd_mounted(dir))
		return;
	char *o = s->fsd_ctr_dir, *end = o + sizeof(s->fsd_ctr_dir) - 4;
	o += snprintf(o, (size_t)(end - o), "%s/", dir);
	const char *p = s->st->cgroup_path;
	while (*p == '/')
		p++;
	for (; *p && o < end; p++)
		o += *p == '/'	 ? sprintf(o, "%%2F")
		     : *p == '%' ? sprintf(o, "%%25")
				 : sprintf(o, "%c", *p);
	*o = '\0';
	char probe[4300];
	snprintf(probe, sizeof(probe), "%s/proc/meminfo", s->fsd_ctr_dir);
	if (*p || access(probe, F_OK) < 0)
		s->fsd_ctr_dir[0] = '\0';
	else
		s->fsd_dir = s->fsd_ctr_dir;
}

static int step_cgroup(struct container_setup *s, struct hutch_error *err)
{
	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return hutch_error_setsys(err, -r, "detect the cgroup layout");
	if (cgroup_create_unified_first(layout, s->st->cgroup_path, &s->cg, err) < 0)
		return -err->err;
	if (cgroup_open_unified(s->cg, &s->unified_fd) < 0)
		s->unified_fd = -1;
	fsd_per_container(s);
	return 0;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3's arguments up to cgroup (CLONE_ARGS_SIZE_VER2), as <linux/sched.h> has them. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

/*
 * Forks the container's init with the namespaces of flags, straight into
 * the unified cgroup of cgroup_fd when it is >= 0 and the kernel can
 * (*ret_in_unified says whether it did).
 */
pid_t clone_init(unsigned long flags, int cgroup_fd, bool *ret_in_unified)
{
	*ret_in_unified = false;
#ifdef SYS_clone3
	if (cgroup_fd >= 0) {
		struct clone3_args ca = {.flags = (flags & ~0xffUL) | CLONE_INTO_CGROUP,
					 .exit_signal = flags & 0xff,
					 .cgroup = (uint64_t)cgroup_fd};
		long pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*ret_in_unified = true; /* in the parent and in the child */
			return (pid_t)pid;
		}
		/* An older kernel: the init joins the unified cgroup by itself. */
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP)
			return -1;
	}
#else
#endif
	return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

/* The init, in new namespaces (those ns_prep makes excepted: it enters them). */
static int step_clone(struct container_setup *s, struct hutch_error *err)
{
	struct hutch_state *st = s->st;
	if (s->join_fds[HUTCH_NS_PID] >= 0 && setns(s->join_fds[HUTCH_NS_PID], CLONE_NEWPID) < 0)
		return hutch_error_setsys(err, errno, "join the pid namespace of %s",
					  st->ns[HUTCH_NS_PID].container);
	unsigned long flags = CLONE_NEWNS | SIGCHLD;
	if (st->ns[HUTCH_NS_PID].mode == HUTCH_NS_PRIVATE)
		flags |= CLONE_NEWPID;
	if (st->ns[HUTCH_NS_NET].mode == HUTCH_NS_PRIVATE ||
	    st->ns[HUTCH_NS_NET].mode == HUTCH_NS_NONE)
		flags |= CLONE_NEWNET;
	if (st->ns[HUTCH_NS_IPC].mode == HUTCH_NS_PRIVATE)
		flags |= CLONE_NEWIPC;
	if (st->ns[HUTCH_NS_UTS].mode == HUTCH_NS_PRIVATE)
		flags |= CLONE_NEWUTS;
	/* What the thread makes, the clone does not; the init gets them while it mounts. */
	if (s->np.running) {
		s->made_flags = s->np.flags;
		flags &= ~(unsigned long)s->np.flags;
	}
	s->clone_flags = flags;

	fflush(NULL);
	s->pid = clone_init(flags, s->unified_fd, &s->in_unified);
	if (s->pid < 0)
		return hutch_error_setsys(err, errno, "clone the container's init");
	if (s->pid == 0)
		child_main(s);
	close_fd(&s->unified_fd);
	close_fd(&s->init.agent_fd); /* the init's */
	close_fd(&s->exit_fd);	     /* the init's */
	close_fd(&s->sync[1]);
	/* The init has the pipes' writing ends: their end of file is the container's. */
	close_fd(&s->out_pipe[1]);
	close_fd(&s->err_pipe[1]);
	return 0;
}

/* While the child builds its filesystem: the v1 cgroups and the limits. */
static int step_limits(struct container_setup *s, struct hutch_error *err)
{
	const struct hutch_state *st = s->st;
	if (cgroup_create_rest(s->cg, err) < 0)
		return -err->err;
	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = st->limits.memory_bytes;
	lim.memory_swap_bytes = st->limits.memory_swap_bytes;
	lim.cpu_quota_us = st->limits.cpu_quota_us;
	lim.cpu_period_us = st->limits.cpu_period_us;
	lim.cpu_shares = st->limits.cpu_shares;
	lim.pids_max = st->limits.pids_max;
	lim.cpuset_cpus = st->limits.cpuset_cpus[0] ? st->limits.cpuset_cpus : NULL;
	lim.cpuset_mems = st->limits.cpuset_mems[0] ? st->limits.cpuset_mems : NULL;
	if (cgroup_set_limits(s->cg, &lim, err) < 0)
		return -err->err;
	/* Before "g": the init joins the cgroup, and runs anything of the image's, after it. */
	/* --privileged: every device, as docker's. */
	if (!s->st->privileged && devices_apply(s->cg, s->devices, s->n_devices, err) < 0)
		return hutch_error_wrap(err, "device policy");
	/* The thread sent the init its namespaces; "g" must come after them. */
	return ns_prep_finish(&s->np, err);
}

/* Messages 2 and 3: "g" and the init's answer. */
static int step_handshake(struct container_setup *s, struct hutch_error *err)
{
	struct sync_msg msg;
	/* A child that failed already has closed its end: its message waits for us. */
	send(s->sync[0], "g", 1, MSG_NOSIGNAL);
	if (sync_recv_result(s->sync[0], &msg, &s->master) < 0) {
		int status = 0;
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->pid = -1;
		return hutch_error_set(
			err, EIO, "the container's init died while setting up (%s %d)",
			WIFSIGNALED(status) ? "signal" : "exit",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	if (msg.err)
		return hutch_error_set(err, msg.err, "%s", msg.msg);
	close_fd(&s->sync[0]);
	mnt_release_start(&s->mr, s->pid);
	return 0;
}

/* The container runs: its state says so, and a detached run's caller hears its id. */
static int step_record(struct container_setup *s, struct hutch_error *err)
{
	struct hutch_state *st = s->st;
	st->pid = s->pid;
	hutch_pid_start_ticks(s->pid, &st->pid_start_ticks);
	st->status = HUTCH_STATUS_RUNNING;
	st->started_ns = hutch_wall_ns();
	int r = hutch_state_write(hutch_globals.root, st);
	if (r < 0)
		return hutch_error_setsys(err, -r, "write the state of %s", st->id);
	if (s->notify_fd >= 0) {
		char line[HUTCH_ID_LEN + 2];
		snprintf(line, sizeof(line), "%s\n", st->id);
		if (write(s->notify_fd, line, strlen(line)) < 0) {
			/* the caller went away; the container runs on */
		}
		close(s->notify_fd);
	}
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		close_fd(&s->join_fds[k]);
	return 0;
}

/* The steps, in order. */
static int (*const steps[])(struct container_setup *, struct hutch_error *) = {
	step_identity, step_reserve, step_join_ns, step_dirs,	step_stdio,	step_command,
	step_devices,  step_cgroup,  step_clone,   step_limits, step_handshake, step_record,
};

int setup_run(struct container_setup *s, struct hutch_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		int r = steps[i](s, err);
		if (r < 0) {
			setup_undo(s);
			return -(err->err ? err->err : EIO);
		}
	}
	return 0;
}

void setup_close(struct container_setup *s)
{
	int *fds[] = {&s->exit_fd,     &s->sync[0],	&s->sync[1],	&s->unified_fd,
		      &s->null_fd,     &s->log_fd,	&s->master,	&s->out_pipe[0],
		      &s->out_pipe[1], &s->err_pipe[0], &s->err_pipe[1]};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		close_fd(fds[i]);
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		close_fd(&s->join_fds[k]);
	close_fd(&s->init.agent_fd);
	free(TAKE_PTR(s->devices));
	s->n_devices = 0;
}

void setup_undo(struct container_setup *s)
{
	if (s->np.running) {
		struct hutch_error perr = {0};
		ns_prep_finish(&s->np, &perr);
	}
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = -1;
	}
	mnt_release_finish(&s->mr);
	if (s->cg) {
		struct hutch_error derr = {0};
		cgroup_kill_all(s->cg, SIGKILL);
		cgroup_destroy(s->cg, &derr);
		cgroup_close(TAKE_PTR(s->cg));
	}
	if (s->made_dir)
		registry_remove(s->st);
	s->made_dir = false;
	seccomp_prog_free(&s->init.prog);
	setup_close(s);
}
