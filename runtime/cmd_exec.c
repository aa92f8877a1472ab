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

/* The order to enter them: the mount namespace last, as its root changes our view of /proc. */
static const enum hutch_ns_kind join_order[] = {HUTCH_NS_IPC, HUTCH_NS_UTS,    HUTCH_NS_NET,
						HUTCH_NS_PID, HUTCH_NS_CGROUP, HUTCH_NS_MNT};

/* The container's capabilities, no_new_privs and seccomp filter, as its command has them. */
static int exec_security(const struct hutch_state *st, struct init_args *ia)
{
	struct hutch_error err = {0};
	if (security_prog_for(st, false, &ia->prog, &err) < 0)
		return hutch_fail("exec", "%s", err.msg);
	ia->seccomp = ia->prog.len > 0;
	ia->no_new_privs = st->no_new_privs;
	ia->cap_mask = st->cap_mask;
	return 0;
}

int cmd_exec(int argc, char **argv)
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
	bool interactive = false, tty = false;
	const char *workdir = NULL, *user = NULL;
	char **extra_env = NULL;
	int c, code = EXIT_RUNTIME;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+ite:w:u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interactive = true;
			break;
		case 't':
			tty = true;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=' ||
			    strv_push(&extra_env, optarg) < 0) {
				strv_free(extra_env);
				return hutch_fail("exec", "-e '%s': KEY=VALUE", optarg);
			}
			break;
		case 'w':
			if (optarg[0] != '/') {
				strv_free(extra_env);
				return hutch_fail("exec", "-w '%s': an absolute path", optarg);
			}
			workdir = optarg;
			break;
		case 'u':
			if (!spec_user_valid(optarg)) {
				strv_free(extra_env);
				return hutch_fail("exec", "-u '%s': USER[:GROUP], names or numbers",
						  optarg);
			}
			user = optarg;
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
			strv_free(extra_env);
			return 0;
		default:
			strv_free(extra_env);
			return VERB_BAD_FLAG("exec", argv);
		}
	}
	if (optind + 2 > argc) {
		strv_free(extra_env);
		return hutch_fail("exec", "NAME and CMD are needed");
	}
	struct hutch_state st;
	if (container_lookup("exec", argv[optind], &st) != 0) {
		strv_free(extra_env);
		return EXIT_RUNTIME;
	}
	int ns_fd[HUTCH_NS_COUNT];
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		ns_fd[k] = -1;
	int master = -1;
	struct init_args ia = {.argv = argv + optind + 1, .tty_fd = -1};
	if (st.status != HUTCH_STATUS_RUNNING) {
		hutch_fail("exec", "container %s is not running", argv[optind]);
		goto out;
	}
	for (size_t i = 0; extra_env && extra_env[i]; i++)
		spec_env_set(&st.env, extra_env[i]);
	ia.env = st.env;
	ia.workdir = workdir ? workdir : st.workdir;
	if (exec_security(&st, &ia) < 0)
		goto out;
	if (user || st.user[0]) {
		/* Names are the container's: its root as the host sees it through /proc. */
		char root[64];
		snprintf(root, sizeof(root), "/proc/%d/root", (int)st.pid);
		if (spec_resolve_user_in(user ? user : st.user, root, &ia.uid, &ia.gid) < 0) {
			hutch_fail("exec", "-u %s: no such user or group in the container",
				   user ? user : st.user);
			goto out;
		}
		ia.set_user = true;
		ia.n_groups =
			(size_t)spec_user_groups_in(root, ia.uid, ia.groups, ARRAY_SIZE(ia.groups));
	}

	for (int k = 0; k < HUTCH_NS_COUNT; k++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)st.pid, hutch_ns_kind_name(k));
		ns_fd[k] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns_fd[k] < 0) {
			hutch_fail("exec", "open %s: %s", path, strerror(errno));
			goto out;
		}
	}
	if (!hutch_state_pid_alive(&st)) {
		hutch_fail("exec", "container %s is not running", argv[optind]);
		goto out;
	}
	/* The cgroup first: the cgroup namespace is then rooted where the container's is. */
	const struct cgroup_layout *layout;
	struct cgroup *cg = NULL;
	struct hutch_error err = {0};
	int r = cgroup_layout_detect(&layout);
	if (r == 0)
		r = cgroup_open(layout, st.cgroup_path, &cg);
	if (r < 0) {
		hutch_fail("exec", "open cgroup %s: %s", st.cgroup_path, strerror(-r));
		goto out;
	}
	r = cgroup_attach(cg, getpid(), &err);
	cgroup_close(cg);
	if (r < 0) {
		hutch_fail("exec", "%s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
		enum hutch_ns_kind k = join_order[i];
		if (setns(ns_fd[k], 0) < 0) {
			hutch_fail("exec", "join the %s namespace of %s: %s", hutch_ns_kind_name(k),
				   argv[optind], strerror(errno));
			goto out;
		}
	}
	if (tty) {
		/* In the container's mount namespace now: its devpts, its /dev/ptmx. */
		char name[64];
		master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || unlockpt(master) < 0 ||
		    ptsname_r(master, name, sizeof(name)) != 0 ||
		    (ia.tty_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
			hutch_fail("exec", "allocate a pty in %s: %s", argv[optind],
				   strerror(errno));
			goto out;
		}
	}
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		hutch_fail("exec", "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (!interactive && !tty) {
			int null = open("/dev/null", O_RDONLY);
			if (null >= 0)
				dup2(null, STDIN_FILENO);
		}
		init_exec_command(&ia);
	}
	if (ia.tty_fd >= 0)
		close(TAKE_FD(ia.tty_fd));
	int status = pty_relay(master, interactive ? STDIN_FILENO : -1, STDOUT_FILENO, pid,
			       forwarded_signals, ARRAY_SIZE(forwarded_signals));
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		if (ns_fd[k] >= 0)
			close(ns_fd[k]);
	if (master >= 0)
		close(master);
	if (ia.tty_fd >= 0)
		close(ia.tty_fd);
	strv_free(extra_env);
	hutch_state_free(&st);
	return code;
}
