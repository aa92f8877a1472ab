// SPDX-License-Identifier: MIT
/*
 * OCI hooks: each is run with the container's state JSON on its stdin, its
 * own args and env, and killed when it outlives its timeout. The first that
 * fails or hangs stops the rest, and the caller undoes the container.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runc.h"

static int run_one(const struct oci_hook *h, const char *kind, size_t idx, const char *state_json,
		   struct hutch_error *err)
{
	int in[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return hutch_error_setsys(err, errno, "%s hook %zu: pipe", kind, idx);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return hutch_error_setsys(err, e, "%s hook %zu: fork", kind, idx);
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char *const no_env[] = {NULL};
		char *const argv0[] = {h->path, NULL};
		execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : no_env);
		fprintf(stderr, "hutch-runc: %s hook %s: %s\n", kind, h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	/* A hook that does not read its stdin must not block us: the pipe's buffer holds the state. */
	size_t len = strlen(state_json);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (write(in[1], state_json, len) < 0) {
		/* EPIPE or EAGAIN: the hook did not want it */
	}
	close(in[1]);

	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int timeout_ms = h->timeout_s ? (int)h->timeout_s * 1000 : -1;
	bool timed_out = false;
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int n;
		while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		timed_out = n == 0;
		close(pidfd);
	} else if (timeout_ms >= 0) {
		/* No pidfd (kernel < 5.3): poll the child. */
		for (int t = 0; t < timeout_ms / 10; t++) {
			if (waitpid(pid, NULL, WNOHANG | __WNOTHREAD) != 0)
				break;
			poll(NULL, 0, 10);
		}
		timed_out = kill(pid, 0) == 0 && waitpid(pid, NULL, WNOHANG) == 0;
	}
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return hutch_error_set(err, ETIMEDOUT, "%s hook %s: timed out after %u s", kind,
				       h->path, h->timeout_s);
	if (WIFSIGNALED(status))
		return hutch_error_set(err, ECANCELED, "%s hook %s: killed by signal %d", kind,
				       h->path, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return hutch_error_set(err, ECANCELED, "%s hook %s: exit status %d", kind, h->path,
				       WEXITSTATUS(status));
	return 0;
}

int runc_run_hooks(const struct oci_config *cfg, enum oci_hook_kind kind, const char *state_json,
		   struct hutch_error *err)
{
	for (size_t i = 0; i < cfg->n_hooks[kind]; i++) {
		runc_debug("running %s hook %s", oci_hook_kind_name(kind),
			   cfg->hooks[kind][i].path);
		int r = run_one(&cfg->hooks[kind][i], oci_hook_kind_name(kind), i, state_json, err);
		if (r < 0)
			return r;
	}
	return 0;
}
