// SPDX-License-Identifier: MIT
/*
 * The container's pid 1, as docker's --init: it forks the command, forwards
 * every signal it gets to it, reaps whatever gets orphaned to it, and exits
 * with the command's status (128+N when the command was killed by signal N).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hutch.h"

extern char **environ;

int init_confine(const struct init_args *a)
{
	/* security.c: the order the kernel needs; each step says why when it fails. */
	int r = security_apply_bounding(a);
	return r < 0 ? r : security_apply_rest(a);
}

void init_exec_command(const struct init_args *a)
{
	sigset_t none;
	sigemptyset(&none);
	/* exec resets caught signals by itself; only ignored ones need it here. */
	if (!a->signals_caught)
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (a->tty_fd >= 0) {
		setsid();
		if (ioctl(a->tty_fd, TIOCSCTTY, 0) < 0) {
			fprintf(stderr, "hutch: set the controlling terminal: %s\n",
				strerror(errno));
			_exit(EXIT_CANNOT);
		}
		for (int fd = 0; fd < 3; fd++)
			dup2(a->tty_fd, fd);
		if (a->tty_fd > 2)
			close(a->tty_fd);
	}
	environ = a->env;
	const char *wd = a->workdir && a->workdir[0] ? a->workdir : "/";
	if (chdir(wd) < 0) {
		fprintf(stderr, "hutch: chdir %s: %s\n", wd, strerror(errno));
		_exit(EXIT_CANNOT);
	}
	/* The init confined itself already; an exec'd process has not. */
	if (!a->confined && init_confine(a) < 0)
		_exit(EXIT_CANNOT);
	if (a->set_user) {
		/*
		 * The system calls themselves: the init spawns the command sharing
		 * its memory, where libc's set*id would try to act for threads
		 * of hutch's it still counts (the init is a clone, not a fork).
		 */
		if (syscall(SYS_setgroups, a->n_groups, a->groups) < 0 ||
		    syscall(SYS_setgid, a->gid) < 0 || syscall(SYS_setuid, a->uid) < 0) {
			fprintf(stderr, "hutch: set user %u:%u: %s\n", a->uid, a->gid,
				strerror(errno));
			_exit(EXIT_CANNOT);
		}
	}
	execvp(a->argv[0], a->argv);
	int e = errno;
	fprintf(stderr, "hutch: exec %s: %s\n", a->argv[0], strerror(e));
	_exit(e == ENOENT || e == ENOTDIR ? EXIT_NOTFOUND : EXIT_CANNOT);
}

static void noop(int sig)
{
}

/* The command's stack until it execs: it runs in the init's memory, vfork-style. */
static char command_stack[256 * 1024] __attribute__((aligned(64)));

static int command_main(void *arg)
{
	init_exec_command(arg);
}

int init_run(const struct init_args *a)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/*
	 * A pid 1 drops the signals it has no handler for, even from the
	 * host; handlers (never run: the signals stay blocked and are taken
	 * with sigwaitinfo) make it take them.
	 */
	struct sigaction sa = {.sa_handler = noop};
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	prctl(PR_SET_NAME, "hutch-init", 0, 0, 0);
	/* ps in the container shows "hutch-init", not the hutch command line that made it. */
	if (hutch_globals.args && hutch_globals.args_len > sizeof("hutch-init")) {
		memset(hutch_globals.args, 0, hutch_globals.args_len);
		strcpy(hutch_globals.args, "hutch-init");
	}

	/*
	 * pid 1 is the container's as much as the command is: its capabilities,
	 * its seccomp filter, no_new_privs with it. The command inherits them.
	 */
	if (init_confine(a) < 0)
		return EXIT_CANNOT;

	/*
	 * vfork-style: the command shares the init's memory until its exec
	 * (the init waits meanwhile), so nothing of the init's address space is
	 * copied for a process that replaces it at once.
	 */
	struct init_args ca = *a;
	ca.signals_caught = true;
	ca.confined = true;
	pid_t cmd = clone(command_main, command_stack + sizeof(command_stack),
			  CLONE_VM | CLONE_VFORK | SIGCHLD, &ca);
	if (cmd < 0) {
		fprintf(stderr, "hutch: fork the command: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (a->tty_fd >= 0)
		close(a->tty_fd);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
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
				continue;
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
	}
}
