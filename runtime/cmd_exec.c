// SPDX-License-Identifier: MIT
/* hutch exec: run a command in a running container, in its namespaces and cgroup. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "hutch/cgroup.h"
#include "hutch.h"
#include "verb.h"

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/*
 * The order to enter them: the mount namespace last, as its root changes our
 * view of /proc. Not the pid namespace: hutch-init enters it, so that no
 * process of hutch's own binary is ever in it (init_main.c).
 */
static const enum hutch_ns_kind join_order[] = {HUTCH_NS_IPC, HUTCH_NS_UTS, HUTCH_NS_NET,
						HUTCH_NS_CGROUP, HUTCH_NS_MNT};

struct exec_opts {
	bool interactive, tty;
	const char *workdir, *user;
	char **env; /* -e K=V, in order */
	const char *name;
	char **argv;
};

/* Returns 0 to go on, or the verb's exit code (--help, a bad flag). */
static int exec_parse(int argc, char **argv, struct exec_opts *o, bool *ret_done)
{
	static const struct option opts[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"env", required_argument, NULL, 'e'},
		{"workdir", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;
	*ret_done = true;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+ite:w:u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=' ||
			    strv_push(&o->env, optarg) < 0)
				return hutch_fail("exec", "-e '%s': KEY=VALUE", optarg);
			break;
		case 'w':
			if (optarg[0] != '/')
				return hutch_fail("exec", "-w '%s': an absolute path", optarg);
			o->workdir = optarg;
			break;
		case 'u':
			if (!spec_user_valid(optarg))
				return hutch_fail("exec", "-u '%s': USER[:GROUP], names or numbers",
						  optarg);
			o->user = optarg;
			break;
		case 'h':
			printf("Usage: hutch exec [-i] [-t] [-e KEY=VALUE] [-w DIR] [-u "
			       "USER[:GROUP]] "
			       "NAME CMD [ARG...]\n\n"
			       "Run a command in a running container: in all its namespaces and "
			       "its cgroup.\n\n"
			       "  -i, --interactive   keep stdin open\n"
			       "  -t, --tty           give the command a pseudo-terminal\n"
			       "  -e, --env           set a variable\n"
			       "  -w, --workdir       working directory\n"
			       "  -u, --user          user\n");
			return 0;
		default:
			return VERB_BAD_FLAG("exec", argv);
		}
	}
	if (optind + 2 > argc)
		return hutch_fail("exec", "NAME and CMD are needed");
	o->name = argv[optind];
	o->argv = argv + optind + 1;
	*ret_done = false;
	return 0;
}

/* The command's user, by the names of the container's /etc/passwd and /etc/group. */
static int exec_resolve_user(const struct hutch_state *st, const char *user, struct init_args *ia)
{
	/* Names are the container's: its root as the host sees it through /proc. */
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)st->pid);
	if (spec_resolve_user_in(user, root, &ia->uid, &ia->gid) < 0)
		return hutch_fail("exec", "-u %s: no such user or group in the container", user);
	ia->set_user = true;
	ia->n_groups =
		(size_t)spec_user_groups_in(root, ia->uid, ia->groups, ARRAY_SIZE(ia->groups));
	return 0;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(TAKE_FD(fds[i]));
}

/*
 * Moves hutch into the container's cgroup, then into each of its namespaces
 * but the pid one, whose fd it returns in *ret_pidns.
 */
static int exec_enter(const struct hutch_state *st, const char *name, int *ret_pidns)
{
	int ns_fd[HUTCH_NS_COUNT];
	for (int k = 0; k < HUTCH_NS_COUNT; k++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)st->pid, hutch_ns_kind_name(k));
		ns_fd[k] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns_fd[k] < 0) {
			int e = errno;
			close_all(ns_fd, (size_t)k);
			return hutch_fail("exec", "open %s: %s", path, strerror(e));
		}
	}
	int r = 0;
	if (!hutch_state_pid_alive(st)) {
		r = hutch_fail("exec", "container %s is not running", name);
		goto out;
	}
	/* The cgroup first: the cgroup namespace is then rooted where the container's is. */
	const struct cgroup_layout *layout;
	struct cgroup *cg = NULL;
	struct hutch_error err = {0};
	r = cgroup_layout_detect(&layout);
	if (r == 0)
		r = cgroup_open(layout, st->cgroup_path, &cg);
	if (r < 0) {
		r = hutch_fail("exec", "open cgroup %s: %s", st->cgroup_path, strerror(-r));
		goto out;
	}
	r = cgroup_attach(cg, getpid(), &err);
	cgroup_close(cg);
	if (r < 0) {
		r = hutch_fail("exec", "%s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
		enum hutch_ns_kind k = join_order[i];
		if (setns(ns_fd[k], 0) < 0) {
			r = hutch_fail("exec", "join the %s namespace of %s: %s",
				       hutch_ns_kind_name(k), name, strerror(errno));
			goto out;
		}
	}
	*ret_pidns = TAKE_FD(ns_fd[HUTCH_NS_PID]);
out:
	close_all(ns_fd, HUTCH_NS_COUNT);
	return r;
}

/* In the container's mount namespace: a pty of its devpts, through its /dev/ptmx. */
static int exec_open_pty(const char *name, int *ret_master, int *ret_slave)
{
	char pts[64];
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int slave;
	if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, pts, sizeof(pts)) != 0 ||
	    (slave = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return hutch_fail("exec", "allocate a pty in %s: %s", name, strerror(errno));
	*ret_master = TAKE_FD(master);
	*ret_slave = slave;
	return 0;
}

/*
 * Forks the command, relays its terminal or input, and returns its exit
 * code. The pty's slave (ia->tty_fd) is the command's: closed here in any case.
 */
static int exec_spawn(const struct exec_opts *o, struct init_args *ia, int master, int pidns)
{
	int image_fd = init_image_fd();
	if (image_fd < 0) {
		closep(&ia->tty_fd);
		return hutch_fail("exec", "copy hutch-init into a sealed memfd: %s",
				  strerror(-image_fd));
	}
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		closep(&ia->tty_fd);
		close(image_fd);
		return hutch_fail("exec", "fork: %s", strerror(e));
	}
	if (pid == 0) {
		if (!o->interactive && !o->tty) {
			int null = open("/dev/null", O_RDONLY);
			if (null >= 0)
				dup2(null, STDIN_FILENO);
		}
		/* Still with CAP_SYS_ADMIN; a failure leaves sysinfo to the kernel (the host's). */
		if (ia->agent_fd >= 0)
			seccomp_sysinfo_notify(ia->agent_fd);
		init_exec(image_fd, ia, false, -1, pidns);
		_exit(EXIT_RUNTIME);
	}
	close(image_fd);
	if (ia->tty_fd >= 0)
		close(TAKE_FD(ia->tty_fd));
	int status = pty_relay(master, o->interactive ? STDIN_FILENO : -1, STDOUT_FILENO, pid,
			       forwarded_signals, ARRAY_SIZE(forwarded_signals));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The container's capabilities, no_new_privs, seccomp filter and limits, as its command has them. */
static int exec_security(const struct hutch_state *st, struct init_args *ia)
{
	struct hutch_error err = {0};
	if (security_prog_for(st, false, &ia->prog, &err) < 0)
		return hutch_fail("exec", "%s", err.msg);
	ia->seccomp = ia->prog.len > 0;
	ia->no_new_privs = st->no_new_privs;
	ia->cap_mask = st->cap_mask;
	/* The container's limits, not the caller's: set here, the exec'd process inherits them. */
	if (rlimits_apply(st, &err) < 0)
		return hutch_fail("exec", "%s", err.msg);
	return 0;
}

static void state_freep(struct hutch_state **st)
{
	if (*st)
		hutch_state_free(*st);
}

int cmd_exec(int argc, char **argv)
{
	_cleanup_strv_free_ char **env = NULL;
	struct exec_opts o = {0};
	bool done;
	int code = exec_parse(argc, argv, &o, &done);
	env = o.env;
	if (done)
		return code;
	struct hutch_state st;
	if (container_lookup("exec", o.name, &st) != 0)
		return EXIT_RUNTIME;
	/* Only its cleanup uses it (clang would call it unused). */
	_cleanup_(state_freep) __attribute__((unused)) struct hutch_state *stp = &st;
	if (st.status != HUTCH_STATUS_RUNNING)
		return hutch_fail("exec", "container %s is not running", o.name);
	for (size_t i = 0; env && env[i]; i++)
		spec_env_set(&st.env, env[i]);
	struct init_args ia = {.argv = o.argv,
			       .env = st.env,
			       .workdir = o.workdir ? o.workdir : st.workdir,
			       .tty_fd = -1,
			       .agent_fd = -1};
	if (exec_security(&st, &ia) != 0)
		return EXIT_RUNTIME;
	if ((o.user || st.user[0]) && exec_resolve_user(&st, o.user ? o.user : st.user, &ia) != 0)
		return EXIT_RUNTIME;
	/* sysinfo(2) answered by hutch-fsd for this process too, as for the container's
	 * init: connected while the host's paths are still ours. */
	const char *fsd = getenv("HUTCH_FSD_DIR");
	fsd = fsd && fsd[0] ? fsd : HUTCH_FSD_DIR;
	_cleanup_close_ int agent = st.fsd && fsd_mounted(fsd) ? seccomp_agent_connect(fsd) : -1;
	ia.agent_fd = agent;
	_cleanup_close_ int pidns = -1;
	if (exec_enter(&st, o.name, &pidns) != 0)
		return EXIT_RUNTIME;
	_cleanup_close_ int master = -1;
	_cleanup_close_ int slave = -1;
	if (o.tty && exec_open_pty(o.name, &master, &slave) != 0)
		return EXIT_RUNTIME;
	ia.tty_fd = TAKE_FD(slave);
	return exec_spawn(&o, &ia, master, pidns);
}
