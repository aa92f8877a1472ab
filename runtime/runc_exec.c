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

int runc_cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"console-socket", required_argument, NULL, 'C'},
		{"cwd", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"tty", no_argument, NULL, 't'},
		{"user", required_argument, NULL, 'u'},
		{"additional-gids", required_argument, NULL, 'g'},
		{"process", required_argument, NULL, 'p'},
		{"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, 'P'},
		{"process-label", required_argument, NULL, 'L'},
		{"apparmor", required_argument, NULL, 'A'},
		{"no-new-privs", no_argument, NULL, 'N'},
		{"cap", required_argument, NULL, 'c'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{"cgroup", required_argument, NULL, 'G'},
		{"ignore-paused", no_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *console = NULL, *cwd = NULL, *user = NULL, *process = NULL, *pid_file = NULL;
	char **env = NULL, **gids = NULL, **caps = NULL;
	bool tty = false, detach = false, nnp = false;
	uint64_t preserve = 0;
	int c, r = 0;
	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, "+w:e:tu:g:p:dc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			console = optarg;
			break;
		case 'w':
			cwd = optarg;
			break;
		case 'e':
			strv_push(&env, optarg);
			break;
		case 't':
			tty = true;
			break;
		case 'u':
			user = optarg;
			break;
		case 'g':
			strv_push(&gids, optarg);
			break;
		case 'p':
			process = optarg;
			break;
		case 'd':
			detach = true;
			break;
		case 'P':
			pid_file = optarg;
			break;
		case 'N':
			nnp = true;
			break;
		case 'c':
			strv_push(&caps, optarg);
			break;
		case 'f':
			if (hutch_parse_u64(optarg, &preserve) < 0 || preserve > 1024)
				r = runc_fail("exec: --preserve-fds '%s': a number", optarg);
			break;
		case 'L':
		case 'A':
		case 'G':
		case 'I':
			break;
		case 'h':
			printf("Usage: hutch-runc exec [FLAGS] ID [COMMAND [ARG...]]\n\n"
			       "  -p, --process FILE   the process as process.json\n"
			       "  -t, --tty            a pseudo terminal (sent to --console-socket "
			       "with -d)\n"
			       "  -d, --detach         do not wait for it\n"
			       "  -e, --env K=V        -w, --cwd DIR   -u, --user UID[:GID]\n"
			       "  -g, --additional-gids GID   -c, --cap CAP   --no-new-privs\n"
			       "  --pid-file FILE      --console-socket PATH   --preserve-fds N\n");
			strv_free(env);
			strv_free(gids);
			strv_free(caps);
			return 0;
		default:
			r = runc_fail("exec: unknown flag or missing value: %s", argv[optind - 1]);
		}
	}
	if (r == 0 && optind >= argc)
		r = runc_fail("exec: requires the container id");
	if (r == 0 && !process && optind + 1 >= argc)
		r = runc_fail("exec: requires a command, or --process FILE");
	struct oci_config cfg;
	struct oci_process proc = {.umask = OCI_UNSET, .oom_score_adj = OCI_UNSET};
	struct runc_state st = {0};
	struct hutch_error err = {0};
	struct cgroup *cg = NULL;
	void *seccomp = NULL;
	int ns_fds[OCI_NS_COUNT], root_fd = -1, sv[2] = {-1, -1}, master = -1;
	pid_t pid = -1;
	oci_config_init(&cfg);
	for (int t = 0; t < OCI_NS_COUNT; t++)
		ns_fds[t] = -1;
	if (r)
		goto out;
	const char *id = argv[optind];
	if (runc_lookup(id, &st)) {
		r = 1;
		goto out;
	}
	enum runc_status s = runc_state_status(&st);
	if (s != RUNC_RUNNING && s != RUNC_CREATED) {
		r = runc_fail("cannot exec in a %s container", runc_status_name(s));
		goto out;
	}
	if (base_process(id, &cfg, &err) < 0) {
		r = runc_fail("exec: %s", err.msg);
		goto out;
	}
	if (process) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		int e = hutch_read_file(process, 16 << 20, &text, &len);
		if (e < 0 || oci_process_parse(text, len, &proc, &err) < 0) {
			r = e < 0 ? runc_fail("exec: read %s: %s", process, strerror(-e))
				  : runc_fail("exec: %s", err.msg);
			goto out;
		}
	} else {
		/* The bundle's process with the command line's changes, as runc makes it. */
		proc = cfg.process;
		memset(&cfg.process, 0, sizeof(cfg.process));
		strv_free(proc.args);
		proc.args = NULL;
		for (int i = optind + 1; i < argc; i++)
			strv_push(&proc.args, argv[i]);
		for (size_t i = 0; env && env[i]; i++)
			spec_env_set(&proc.env, env[i]);
		if (cwd) {
			free(proc.cwd);
			proc.cwd = strdup(cwd);
		}
		proc.terminal = tty;
		proc.no_new_privileges |= nnp;
		if (user) {
			uid_t u;
			gid_t g = 0;
			if (spec_parse_user(user, &u, &g) < 0) {
				r = runc_fail("exec: --user '%s': UID[:GID], numbers", user);
				goto out;
			}
			proc.uid = u;
			proc.gid = strchr(user, ':') ? g : 0;
		}
		for (size_t i = 0; gids && gids[i]; i++) {
			uint64_t g;
			if (hutch_parse_u64(gids[i], &g) < 0 || g >= UINT32_MAX) {
				r = runc_fail("exec: --additional-gids '%s': a number", gids[i]);
				goto out;
			}
			gid_t *n = realloc(proc.additional_gids,
					   (proc.n_additional_gids + 1) * sizeof(*n));
			if (!n) {
				r = runc_fail("exec: out of memory");
				goto out;
			}
			proc.additional_gids = n;
			proc.additional_gids[proc.n_additional_gids++] = (gid_t)g;
		}
		for (size_t i = 0; caps && caps[i]; i++) {
			int cap = oci_cap_from_name(caps[i]);
			if (cap < 0) {
				r = runc_fail("exec: --cap %s: unknown capability", caps[i]);
				goto out;
			}
			for (int k = 0; k < OCI_CAP_SETS; k++)
				if (k != OCI_CAP_AMBIENT || proc.caps[OCI_CAP_AMBIENT])
					proc.caps[k] |= 1ull << cap;
			proc.caps_given = true;
		}
	}
	if (proc.terminal && detach && !console) {
		r = runc_fail("cannot allocate tty if hutch-runc will detach without setting "
			      "console socket");
		goto out;
	}
	if (open_ns(st.pid, ns_fds, &err) < 0) {
		r = runc_fail("exec: %s", err.msg);
		goto out;
	}
	char rootp[64];
	snprintf(rootp, sizeof(rootp), "/proc/%d/root", (int)st.pid);
	if ((root_fd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    runc_cgroup_open(&st, &cg) < 0) {
		r = runc_fail("exec: the container's root or cgroup: %s", strerror(errno));
		goto out;
	}
	if (cfg.seccomp && runc_seccomp_build(cfg.seccomp, &seccomp, &err) < 0) {
		r = runc_fail("exec: %s", err.msg);
		goto out;
	}
	if (ns_fds[OCI_NS_PID] >= 0 && setns(ns_fds[OCI_NS_PID], CLONE_NEWPID) < 0) {
		r = runc_fail("exec: join the pid namespace: %s", strerror(errno));
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = runc_fail("exec: socketpair: %s", strerror(errno));
		goto out;
	}
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t blocked;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(&blocked, fwd[i]);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = runc_fail("exec: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		struct exec_child a = {.p = &proc,
				       .root_fd = root_fd,
				       .cg = cg,
				       .sync_fd = sv[1],
				       .seccomp = seccomp,
				       .preserve_fds = (int)preserve};
		memcpy(a.ns_fds, ns_fds, sizeof(a.ns_fds));
		exec_child_main(&a);
	}
	close(TAKE_FD(sv[1]));
	struct sync_msg m;
	if (sync_recv_result(sv[0], &m, &master) < 0 || m.err) {
		r = runc_fail("exec failed: %s",
			      m.err ? m.msg : "the process died while setting up");
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		pid = -1;
		goto out;
	}
	if (pid_file && (r = runc_write_pid_file(pid_file, pid)) < 0) {
		r = runc_fail("exec: --pid-file %s: %s", pid_file, strerror(-r));
		kill(pid, SIGKILL);
		goto out;
	}
	if (master >= 0 && console) {
		if (runc_send_to_socket(console, "/dev/ptmx", master, &err) < 0) {
			r = runc_fail("exec: --console-socket: %s", err.msg);
			kill(pid, SIGKILL);
			goto out;
		}
		close(TAKE_FD(master));
	}
	if (detach) {
		pid = -1; /* it runs on without us */
		goto out;
	}
	int status = pty_relay(master, master >= 0 ? STDIN_FILENO : -1, STDOUT_FILENO, pid, fwd,
			       ARRAY_SIZE(fwd));
	pid = -1;
	r = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		if (ns_fds[t] >= 0)
			close(ns_fds[t]);
	if (root_fd >= 0)
		close(root_fd);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (master >= 0)
		close(master);
	if (cg)
		cgroup_close(cg);
	if (seccomp)
		seccomp_release_ctx(seccomp);
	oci_process_free(&proc);
	oci_config_free(&cfg);
	runc_state_free(&st);
	strv_free(env);
	strv_free(gids);
	strv_free(caps);
	return r;
}
