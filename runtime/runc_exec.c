// SPDX-License-Identifier: MIT
/*
 * hutch-runc exec: a new process in a running container, from --process
 * FILE or from the bundle's process with the command line's changes. It
 * joins the container's cgroup and namespaces and its root, then takes the
 * same last steps as the container's own process (runc_process_exec).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hutch/cgroup.h"
#include "runc_child.h"

static const char *const ns_proc_names[OCI_NS_COUNT] = {
	[OCI_NS_PID] = "pid",	    [OCI_NS_NETWORK] = "net", [OCI_NS_MOUNT] = "mnt",
	[OCI_NS_IPC] = "ipc",	    [OCI_NS_UTS] = "uts",     [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

/* The container's namespaces that are not ours (joining our own fails for some). */
static int open_ns(pid_t pid, int fds[OCI_NS_COUNT], struct hutch_error *err)
{
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		char theirs[64], ours[64];
		struct stat a, b;
		fds[t] = -1;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns_proc_names[t]);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_proc_names[t]);
		if (stat(theirs, &a) < 0 || stat(ours, &b) < 0)
			continue; /* a kind this kernel does not have */
		if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		if ((fds[t] = open(theirs, O_RDONLY | O_CLOEXEC)) < 0)
			return hutch_error_setsys(err, errno, "open %s", theirs);
	}
	return 0;
}

struct exec_child {
	struct oci_process *p;
	int ns_fds[OCI_NS_COUNT];
	int root_fd;
	struct cgroup *cg;
	int sync_fd;
	void *seccomp;
	int preserve_fds;
};

static __attribute__((noreturn)) void exec_child_main(struct exec_child *a)
{
	struct hutch_error err = {0};
	int master = -1, tty = -1;
	char exec_path[4096];
	int r = cgroup_attach_self(a->cg, false, &err);
	if (r == 0 && a->ns_fds[OCI_NS_USER] >= 0 && setns(a->ns_fds[OCI_NS_USER], 0) < 0)
		r = hutch_error_setsys(&err, errno, "join the user namespace");
	for (int t = 0; r == 0 && t < OCI_NS_COUNT; t++)
		if (t != OCI_NS_USER && t != OCI_NS_PID && a->ns_fds[t] >= 0 &&
		    setns(a->ns_fds[t], 0) < 0)
			r = hutch_error_setsys(&err, errno, "join the %s namespace",
					       oci_ns_type_name(t));
	if (r == 0 && (fchdir(a->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0))
		r = hutch_error_setsys(&err, errno, "enter the container's root");
	if (r == 0 && a->p->terminal) {
		master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		char name[64];
		if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)))
			r = hutch_error_setsys(&err, errno, "open a pty");
		else if ((tty = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
			r = hutch_error_setsys(&err, errno, "open %s", name);
	}
	if (r == 0 &&
	    (r = runc_find_exec(a->p->args[0], a->p->env, exec_path, sizeof(exec_path))) < 0)
		hutch_error_set(&err, -r, "exec: \"%s\": %s", a->p->args[0],
				r == -EACCES ? "permission denied"
					     : "executable file not found in $PATH");
	if (r < 0) {
		sync_send_result(a->sync_fd, err.err ? err.err : EIO, err.msg, -1);
		_exit(1);
	}
	sync_send_result(a->sync_fd, 0, "ready", master);
	if (master >= 0)
		close(master);
	close(a->sync_fd);
	runc_process_exec(a->p, exec_path, tty, a->seccomp, false, a->preserve_fds);
}

/* The bundle's process, kept beside the record, as exec's starting point. */
static int base_process(const char *id, struct oci_config *cfg, struct hutch_error *err)
{
	char path[4200];
	_cleanup_free_ char *text = NULL;
	size_t len;
	runc_path(path, sizeof(path), id, "config.json");
	int r = hutch_read_file(path, 16 << 20, &text, &len);
	if (r < 0)
		return hutch_error_setsys(err, -r, "read %s", path);
	return oci_config_parse(text, len, cfg, err);
}

/* exec's command line. */
struct exec_opts {
	const char *cwd, *user, *process;
	struct runc_io_flags io;
	char **env, **gids, **caps;
	bool tty, detach, nnp;
	const char *id;
	char **args; /* the command, when there is no --process */
};

static void exec_opts_free(struct exec_opts *o)
{
	strv_free(o->env);
	strv_free(o->gids);
	strv_free(o->caps);
}

static void exec_usage(void)
{
	printf("Usage: hutch-runc exec [FLAGS] ID [COMMAND [ARG...]]\n\n"
	       "  -p, --process FILE   the process as process.json\n"
	       "  -t, --tty            a pseudo terminal (sent to --console-socket with -d)\n"
	       "  -d, --detach         do not wait for it\n"
	       "  -e, --env K=V        -w, --cwd DIR   -u, --user UID[:GID]\n"
	       "  -g, --additional-gids GID   -c, --cap CAP   --no-new-privs\n"
	       "  --pid-file FILE      --console-socket PATH   --preserve-fds N\n");
}

/* 0, 1 when reported as wrong, -1 after --help. */
static int parse_exec_flags(int argc, char **argv, struct exec_opts *o)
{
	static const struct option opts[] = {
		{"cwd", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"tty", no_argument, NULL, 't'},
		{"user", required_argument, NULL, 'u'},
		{"additional-gids", required_argument, NULL, 'g'},
		{"process", required_argument, NULL, 'p'},
		{"process-label", required_argument, NULL, 'L'},
		{"apparmor", required_argument, NULL, 'A'},
		{"no-new-privs", no_argument, NULL, 'N'},
		{"cap", required_argument, NULL, 'c'},
		{"cgroup", required_argument, NULL, 'G'},
		{"ignore-paused", no_argument, NULL, 'I'},
		RUNC_IO_OPTIONS_END,
	};
	int c;
	optind = 1;
	while ((c = runc_getopt(argc, argv, "+w:e:tu:g:p:dc:h", opts, "exec", &o->io)) != -1) {
		switch (c) {
		case RUNC_OPT_BAD:
			return 1;
		case 'w':
			o->cwd = optarg;
			break;
		case 'e':
			strv_push(&o->env, optarg);
			break;
		case 't':
			o->tty = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'g':
			strv_push(&o->gids, optarg);
			break;
		case 'p':
			o->process = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case 'N':
			o->nnp = true;
			break;
		case 'c':
			strv_push(&o->caps, optarg);
			break;
		case 'L':
		case 'A':
		case 'G':
		case 'I':
			break;
		case 'h':
			exec_usage();
			return -1;
		default:
			return runc_bad_flag("exec", argv);
		}
	}
	if (optind >= argc)
		return runc_fail("exec: requires the container id");
	if (!o->process && optind + 1 >= argc)
		return runc_fail("exec: requires a command, or --process FILE");
	o->id = argv[optind];
	o->args = argv + optind + 1;
	return 0;
}

/* --user, --additional-gids and --cap onto proc; 1 when reported as wrong. */
static int apply_identity_flags(const struct exec_opts *o, struct oci_process *proc)
{
	if (o->user) {
		uid_t u;
		gid_t g = 0;
		if (spec_parse_user(o->user, &u, &g) < 0)
			return runc_fail("exec: --user '%s': UID[:GID], numbers", o->user);
		proc->uid = u;
		proc->gid = strchr(o->user, ':') ? g : 0;
	}
	for (size_t i = 0; o->gids && o->gids[i]; i++) {
		uint64_t g;
		if (hutch_parse_u64(o->gids[i], &g) < 0 || g >= UINT32_MAX)
			return runc_fail("exec: --additional-gids '%s': a number", o->gids[i]);
		gid_t *n =
			realloc(proc->additional_gids, (proc->n_additional_gids + 1) * sizeof(*n));
		if (!n)
			return runc_fail("exec: out of memory");
		proc->additional_gids = n;
		proc->additional_gids[proc->n_additional_gids++] = (gid_t)g;
	}
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		int cap = oci_cap_from_name(o->caps[i]);
		if (cap < 0)
			return runc_fail("exec: --cap %s: unknown capability", o->caps[i]);
		for (int k = 0; k < OCI_CAP_SETS; k++)
			if (k != OCI_CAP_AMBIENT || proc->caps[OCI_CAP_AMBIENT])
				proc->caps[k] |= 1ull << cap;
		proc->caps_given = true;
	}
	return 0;
}

/* The process to run: --process FILE, or the bundle's with the command line's changes (runc's). */
static int exec_process(const struct exec_opts *o, struct oci_config *cfg, struct oci_process *proc)
{
	struct hutch_error err = {0};
	if (o->process) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		int e = hutch_read_file(o->process, 16 << 20, &text, &len);
		if (e < 0)
			return runc_fail("exec: read %s: %s", o->process, strerror(-e));
		if (oci_process_parse(text, len, proc, &err) < 0)
			return runc_fail("exec: %s", err.msg);
		return 0;
	}
	*proc = cfg->process;
	memset(&cfg->process, 0, sizeof(cfg->process));
	strv_free(proc->args);
	proc->args = NULL;
	for (size_t i = 0; o->args[i]; i++)
		strv_push(&proc->args, o->args[i]);
	for (size_t i = 0; o->env && o->env[i]; i++)
		spec_env_set(&proc->env, o->env[i]);
	if (o->cwd) {
		free(proc->cwd);
		proc->cwd = strdup(o->cwd);
	}
	proc->terminal = o->tty;
	proc->no_new_privileges |= o->nnp;
	return apply_identity_flags(o, proc);
}

/* What an exec holds; exec_free gives all of it back. */
struct exec_run {
	struct oci_config cfg;
	struct oci_process proc;
	struct runc_state st;
	struct cgroup *cg;
	void *seccomp;
	int ns_fds[OCI_NS_COUNT], root_fd, sv[2], master;
	pid_t pid;
};

static void exec_init(struct exec_run *x)
{
	memset(x, 0, sizeof(*x));
	oci_config_init(&x->cfg);
	x->proc.umask = x->proc.oom_score_adj = OCI_UNSET;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		x->ns_fds[t] = -1;
	x->root_fd = x->sv[0] = x->sv[1] = x->master = x->pid = -1;
}

static void exec_free(struct exec_run *x)
{
	if (x->pid > 0)
		while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR)
			;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		if (x->ns_fds[t] >= 0)
			close(x->ns_fds[t]);
	int fds[] = {x->root_fd, x->sv[0], x->sv[1], x->master};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (x->cg)
		cgroup_close(x->cg);
	if (x->seccomp)
		seccomp_release_ctx(x->seccomp);
	oci_process_free(&x->proc);
	oci_config_free(&x->cfg);
	runc_state_free(&x->st);
}

/* The container's namespaces, root, cgroup and filter, and the pid namespace entered. */
static int exec_prepare(struct exec_run *x)
{
	struct hutch_error err = {0};
	if (open_ns(x->st.pid, x->ns_fds, &err) < 0)
		return runc_fail("exec: %s", err.msg);
	char rootp[64];
	snprintf(rootp, sizeof(rootp), "/proc/%d/root", (int)x->st.pid);
	if ((x->root_fd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    runc_cgroup_open(&x->st, &x->cg) < 0)
		return runc_fail("exec: the container's root or cgroup: %s", strerror(errno));
	if (x->cfg.seccomp && runc_seccomp_build(x->cfg.seccomp, &x->seccomp, &err) < 0)
		return runc_fail("exec: %s", err.msg);
	if (x->ns_fds[OCI_NS_PID] >= 0 && setns(x->ns_fds[OCI_NS_PID], CLONE_NEWPID) < 0)
		return runc_fail("exec: join the pid namespace: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sv) < 0)
		return runc_fail("exec: socketpair: %s", strerror(errno));
	return 0;
}

/* The process forked into the container, up to its "ready" (with the pty master). */
static int exec_spawn(struct exec_run *x, const struct exec_opts *o)
{
	fflush(NULL);
	x->pid = fork();
	if (x->pid < 0)
		return runc_fail("exec: fork: %s", strerror(errno));
	if (x->pid == 0) {
		close(x->sv[0]);
		struct exec_child a = {.p = &x->proc,
				       .root_fd = x->root_fd,
				       .cg = x->cg,
				       .sync_fd = x->sv[1],
				       .seccomp = x->seccomp,
				       .preserve_fds = o->io.preserve_fds};
		memcpy(a.ns_fds, x->ns_fds, sizeof(a.ns_fds));
		exec_child_main(&a);
	}
	close(TAKE_FD(x->sv[1]));
	struct sync_msg m;
	if (sync_recv_result(x->sv[0], &m, &x->master) < 0 || m.err)
		return runc_fail("exec failed: %s",
				 m.err ? m.msg : "the process died while setting up");
	return 0;
}

/* --pid-file and --console-socket; the process is killed when either fails. */
static int exec_hand_over(struct exec_run *x, const struct exec_opts *o)
{
	struct hutch_error err = {0};
	int r = 0;
	if (o->io.pid_file && (r = runc_write_pid_file(o->io.pid_file, x->pid)) < 0)
		r = runc_fail("exec: --pid-file %s: %s", o->io.pid_file, strerror(-r));
	else if (x->master >= 0 && o->io.console_socket) {
		if (runc_send_to_socket(o->io.console_socket, "/dev/ptmx", x->master, &err) < 0)
			r = runc_fail("exec: --console-socket: %s", err.msg);
		else
			close(TAKE_FD(x->master));
	}
	if (r)
		kill(x->pid, SIGKILL);
	return r;
}

static int exec_run(struct exec_run *x, const struct exec_opts *o)
{
	struct hutch_error err = {0};
	int r;
	if (runc_lookup(o->id, &x->st))
		return 1;
	enum runc_status s = runc_state_status(&x->st);
	if (s != RUNC_RUNNING && s != RUNC_CREATED)
		return runc_fail("cannot exec in a %s container", runc_status_name(s));
	if (base_process(o->id, &x->cfg, &err) < 0)
		return runc_fail("exec: %s", err.msg);
	if ((r = exec_process(o, &x->cfg, &x->proc)))
		return r;
	if (x->proc.terminal && o->detach && !o->io.console_socket)
		return runc_fail("cannot allocate tty if hutch-runc will detach without setting "
				 "console socket");
	if ((r = exec_prepare(x)))
		return r;
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t blocked;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(&blocked, fwd[i]);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	if ((r = exec_spawn(x, o)) || (r = exec_hand_over(x, o)))
		return r;
	if (o->detach) {
		x->pid = -1; /* it runs on without us */
		return 0;
	}
	int status = pty_relay(x->master, x->master >= 0 ? STDIN_FILENO : -1, STDOUT_FILENO, x->pid,
			       fwd, ARRAY_SIZE(fwd));
	x->pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int runc_cmd_exec(int argc, char **argv)
{
	struct exec_opts o = {0};
	int r = parse_exec_flags(argc, argv, &o);
	if (r == 0) {
		struct exec_run x;
		exec_init(&x);
		r = exec_run(&x, &o);
		exec_free(&x);
	}
	exec_opts_free(&o);
	return r < 0 ? 0 : r;
}
