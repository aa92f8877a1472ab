// SPDX-License-Identifier: MIT
/*
 * hutch-init: a container's pid 1, and the first process of every `hutch
 * exec` in it. hutch builds the container (namespaces, cgroup, mounts) in a
 * clone of itself, then executes this program from a sealed memfd copy
 * (init.c): no process of the container has a host file as its exe (the
 * CVE-2019-5736 class), and the exec maps a few pages of a static musl
 * program instead of starting hutch (glibc, static) a second time.
 *
 * Confinement goes in runc's order: the seccomp filter first only when it
 * needs CAP_SYS_ADMIN (without no_new_privs), the bounding set, the user
 * (the capabilities kept across the switch), the capabilities,
 * no_new_privs, and the filter as late as it can be. So a dropped
 * CAP_SETUID or a filter that denies setuid no longer stands in the way
 * of `-u`.
 *
 * As pid 1 it confines itself so, as the command's user (as docker's
 * --init runs: it can signal the command whatever the capabilities), then
 * spawns the command (vfork-style), which inherits it all; it forwards
 * every signal to the command, reaps orphans and exits with the command's
 * status, recorded in <id>/exit for when its monitor is gone. For `hutch
 * exec` it enters the container's pid namespace and spawns the command
 * into it, which confines itself just before its exec; it relays signals
 * and exits with the command's status. The process of hutch's that entered
 * the other namespaces is never in the container's pid namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init_proto.h"

extern char **environ;

struct init {
	struct init_params p;
	char workdir[INIT_MAX_WORKDIR + 1];
	char exec_path[INIT_MAX_WORKDIR + 1]; /* INIT_OCI */
	struct sock_filter prog[INIT_MAX_PROG];
	char **argv;
};

static struct init init;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char buf[768] = "hutch-init: ";
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	buf[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, buf, n);
	(void)w;
}

static bool read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The message on INIT_PARAMS_FD (init_proto.h); the fd is closed after. */
static int read_params(struct init *in)
{
	struct init_params *p = &in->p;
	bool ok = read_full(INIT_PARAMS_FD, p, sizeof(*p)) && p->magic == INIT_MAGIC &&
		  p->n_groups <= INIT_MAX_GROUPS && p->workdir_len <= INIT_MAX_WORKDIR &&
		  p->prog_len <= INIT_MAX_PROG && p->path_len <= INIT_MAX_WORKDIR &&
		  read_full(INIT_PARAMS_FD, in->workdir, p->workdir_len) &&
		  read_full(INIT_PARAMS_FD, in->exec_path, p->path_len) &&
		  read_full(INIT_PARAMS_FD, in->prog, p->prog_len * sizeof(struct sock_filter));
	close(INIT_PARAMS_FD);
	if (!ok)
		return -1;
	in->workdir[p->workdir_len] = '\0';
	in->exec_path[p->path_len] = '\0';
	return 0;
}

/*
 * What hutch's caller left open (a shell's pipe, say) is not the
 * container's: every fd past stdio goes but those of p.
 */
static void close_others(const struct init_params *p)
{
	int keep[4] = {p->tty_fd, p->exit_fd, p->pidns_fd, p->flags & INIT_OCI ? p->fifo_fd : -1};
	for (int i = 0; i < 4; i++) /* sorted */
		for (int j = i + 1; j < 4; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	unsigned lo = 3;
	for (int i = 0; i < 4; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0U, 0);
}

static int load_filter(struct init *in)
{
	struct sock_fprog fp = {.len = (unsigned short)in->p.prog_len, .filter = in->prog};
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0 ? -errno : 0;
}

static int drop_bounding(uint64_t keep)
{
	for (int c = 0; c < 64; c++) {
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return -errno;
		}
	}
	return 0;
}

/* The user, with the capabilities kept across the switch (the next step cuts them). */
static int switch_user(const struct init_params *p)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	/*
	 * The system calls themselves: the command runs in the init's memory
	 * until its exec, where libc's set*id would act for the init's threads.
	 */
	if (syscall(SYS_setgroups, p->n_groups, p->groups) < 0 ||
	    syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0 ||
	    syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return -errno;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

/* Effective and permitted cut to keep, inheritable and ambient emptied. */
static int set_caps(uint64_t keep)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));
		d[i].effective = d[i].permitted & k;
		d[i].permitted &= k;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/* A step of confine() that failed: what it was, and why. */
static int failed(const char *what, int r)
{
	say("%s: %s", what, strerror(-r));
	return r;
}

/*
 * runc's order. keep is what the process holds at the end: the command
 * keeps the container's set until its exec (which takes a non-root user's
 * away); pid 1, which does not exec, holds what that exec would leave.
 */
static int confine(struct init *in, uint64_t keep)
{
	const struct init_params *p = &in->p;
	bool nnp = p->flags & INIT_NNP, seccomp = p->flags & INIT_SECCOMP;
	int r;
	/* Without no_new_privs the filter needs CAP_SYS_ADMIN: before the capabilities go. */
	if (seccomp && !nnp && (r = load_filter(in)) < 0)
		return failed("load the seccomp filter", r);
	if ((r = drop_bounding(p->cap_mask)) < 0)
		return failed("drop capabilities", r);
	if ((p->flags & INIT_SET_USER) && (r = switch_user(p)) < 0) {
		say("set user %u:%u: %s", p->uid, p->gid, strerror(-r));
		return r;
	}
	if ((r = set_caps(keep)) < 0)
		return failed("set capabilities", r);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return failed("set no_new_privs", -errno);
	/* With no_new_privs, as late as can be: the fewer calls the filter must allow. */
	if (seccomp && nnp && (r = load_filter(in)) < 0)
		return failed("load the seccomp filter", r);
	return 0;
}

static void take_terminal(int tty_fd)
{
	setsid();
	if (ioctl(tty_fd, TIOCSCTTY, 0) < 0) {
		say("set the controlling terminal: %s", strerror(errno));
		_exit(INIT_EXIT_CANNOT);
	}
	for (int fd = 0; fd < 3; fd++)
		dup2(tty_fd, fd);
	if (tty_fd > 2)
		close(tty_fd);
}

/*
 * The working directory, then confine(): entered as root first, and again
 * as the user when only the user may enter it (runc's way).
 */
static int confine_in_workdir(struct init *in, uint64_t keep)
{
	const char *wd = in->workdir[0] ? in->workdir : "/";
	int cd = chdir(wd) < 0 ? errno : 0;
	if (cd && cd != EACCES && cd != EPERM)
		return failed(wd, -cd);
	int r = confine(in, keep);
	if (r < 0)
		return r;
	if (cd && chdir(wd) < 0)
		return failed(wd, -errno);
	return 0;
}

/* The command's side, in the init's memory until its exec. Never returns. */
static int command_main(void *arg)
{
	struct init *in = arg;
	sigset_t none;
	sigemptyset(&none);
	/* exec resets the caught signals (all of them: main's handlers); the mask is ours to. */
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (in->p.tty_fd >= 0)
		take_terminal(in->p.tty_fd);
	if (in->p.exit_fd >= 0)
		close(in->p.exit_fd);
	/* pid 1 confined itself already: its command inherits all of it. */
	if (!(in->p.flags & INIT_PID1) && confine_in_workdir(in, in->p.cap_mask) < 0)
		_exit(INIT_EXIT_CANNOT);
	execvp(in->argv[0], in->argv);
	int e = errno;
	say("exec %s: %s", in->argv[0], strerror(e));
	_exit(e == ENOENT || e == ENOTDIR ? INIT_EXIT_NOTFOUND : INIT_EXIT_CANNOT);
}

/*
 * hutch-runc's identity of the process, as runc_child.c's apply_identity
 * (runc's): the bounding set, the user with the capabilities kept, then
 * every set as given, or none without process.capabilities.
 */
static int oci_identity(const struct init_params *p)
{
	bool given = p->flags & INIT_OCI_CAPS;
	int r;
	if (given && (r = drop_bounding(p->oci_caps[INIT_CAP_BOUNDING])) < 0)
		return failed("drop capabilities", r);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return failed("keep capabilities", -errno);
	if (syscall(SYS_setgroups, p->n_groups, p->groups) < 0 && (errno != EPERM || p->n_groups))
		return failed("setgroups", -errno);
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		return failed("setgid", -errno);
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return failed("setuid", -errno);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};
	for (int i = 0; given && i < 2; i++) {
		d[i].effective = (uint32_t)(p->oci_caps[INIT_CAP_EFFECTIVE] >> (32 * i));
		d[i].permitted = (uint32_t)(p->oci_caps[INIT_CAP_PERMITTED] >> (32 * i));
		d[i].inheritable = (uint32_t)(p->oci_caps[INIT_CAP_INHERITABLE] >> (32 * i));
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return failed("capset", -errno);
	if (!given)
		return 0;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int cap = 0; cap < 64; cap++)
		if (p->oci_caps[INIT_CAP_AMBIENT] & (1ULL << cap))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return 0;
}

static void oci_die(const char *what, int r) __attribute__((noreturn));

static void oci_die(const char *what, int r)
{
	failed(what, r);
	_exit(126);
}

/*
 * hutch-runc's process from `create` on: it waits on the exec fifo for
 * `start` (the byte says it goes on; the end of the fifo, closed by the
 * exec, that it has), then confines itself in runc's order
 * (runc_process_exec's) and becomes the command. Never returns.
 */
static void oci_run(struct init *in)
{
	const struct init_params *p = &in->p;
	bool nnp = p->flags & INIT_NNP, seccomp = p->flags & INIT_SECCOMP;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", p->fifo_fd);
	int w = open(self, O_WRONLY | O_CLOEXEC);
	if (w < 0) {
		say("open the exec fifo: %s", strerror(errno));
		_exit(1);
	}
	close(p->fifo_fd);
	if (write(w, "0", 1) != 1)
		_exit(1);
	for (int s = 1; s < _NSIG; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int r;
	/* Without no_new_privs the filter needs CAP_SYS_ADMIN: before the identity. */
	if (seccomp && !nnp && (r = load_filter(in)) < 0)
		oci_die("load the seccomp filter", r);
	if (oci_identity(p) < 0)
		_exit(126);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		oci_die("no_new_privs", -errno);
	if (chdir(in->workdir) < 0)
		oci_die(in->workdir, -errno);
	umask(p->umask >= 0 ? (mode_t)p->umask : 022);
	/* With it, as late as can be: fewer system calls the filter must allow. */
	if (seccomp && nnp && (r = load_filter(in)) < 0)
		oci_die("load the seccomp filter", r);
	execve(in->exec_path, in->argv, environ);
	int e = errno;
	say("exec %s: %s", in->exec_path, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static void noop(int sig)
{
}

/* The command's stack until it execs. */
static char command_stack[64 * 1024] __attribute__((aligned(64)));

/* Forwards signals to cmd and reaps until it ends; its status as an exit code. */
static int wait_command(pid_t cmd, const sigset_t *all)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p != cmd)
				continue; /* an orphan, reaped */
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
	}
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct init *in = &init;
	if (argc < 2 || read_params(in) < 0) {
		say("a container's init, started by hutch only");
		return INIT_EXIT_RUNTIME;
	}
	in->argv = argv + 1;
	close_others(&in->p);
	if (in->p.flags & INIT_OCI)
		oci_run(in);
	bool pid1 = in->p.flags & INIT_PID1;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/*
	 * A pid 1 drops the signals it has no handler for, even from the host;
	 * handlers (never run: the signals stay blocked and are taken with
	 * sigwaitinfo) make it take them, and undo any SIG_IGN hutch left.
	 */
	struct sigaction sa = {.sa_handler = noop};
	for (int s = 1; s < _NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	prctl(PR_SET_NAME, "hutch-init", 0, 0, 0);
	if (in->p.pidns_fd >= 0) {
		if (setns(in->p.pidns_fd, CLONE_NEWPID) < 0) {
			say("enter the container's pid namespace: %s", strerror(errno));
			return INIT_EXIT_RUNTIME;
		}
		close(in->p.pidns_fd);
	}
	/*
	 * pid 1 is the container's as much as the command is, and first: the
	 * command inherits its user, capabilities and filter (one filter to
	 * compile, as docker's --init), and runs nothing before its exec but
	 * the terminal's calls. As the user with what a non-root user's exec
	 * would leave it: no capability.
	 */
	bool root = !(in->p.flags & INIT_SET_USER) || in->p.uid == 0;
	if (pid1 && confine_in_workdir(in, root ? in->p.cap_mask : 0) < 0)
		return INIT_EXIT_CANNOT;
	/* vfork-style: the parent waits until the command has exec'd (or failed to). */
	pid_t cmd = clone(command_main, command_stack + sizeof(command_stack),
			  CLONE_VM | CLONE_VFORK | SIGCHLD, in);
	if (cmd < 0) {
		say("fork the command: %s", strerror(errno));
		return INIT_EXIT_RUNTIME;
	}
	if (in->p.tty_fd >= 0)
		close(in->p.tty_fd);
	int code = wait_command(cmd, &all);
	if (pid1 && in->p.exit_fd >= 0) {
		char line[128];
		size_t n = init_exit_record(line, sizeof(line), code, 0, wall_ns(), "");
		ssize_t w = pwrite(in->p.exit_fd, line, n, 0);
		(void)w;
	}
	return code;
}
