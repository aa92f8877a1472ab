// SPDX-License-Identifier: MIT
/*
 * A container's life, from the host's side: made by container_setup.c's
 * steps (every failure there undoes what was done), waited for while its
 * output is relayed, then its exit recorded and everything of it taken
 * down. Also the small helpers the verbs share about containers.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hutch/cgroup.h"
#include "image_store.h"
#include "setup.h"

int spec_resolve_user_in(const char *s, const char *root, uid_t *ret_uid, gid_t *ret_gid)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t len;
	if (root_read_file(root, "/etc/passwd", 4 << 20, &passwd, &len) < 0)
		passwd = NULL;
	if (root_read_file(root, "/etc/group", 4 << 20, &group, &len) < 0)
		group = NULL;
	return spec_resolve_user(s, passwd, group, ret_uid, ret_gid);
}

int spec_user_groups_in(const char *root, uid_t uid, gid_t *ret, size_t max)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t len;
	if (root_read_file(root, "/etc/passwd", 4 << 20, &passwd, &len) < 0 ||
	    root_read_file(root, "/etc/group", 4 << 20, &group, &len) < 0)
		return 0;
	return spec_user_groups(passwd, group, uid, ret, max);
}

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* Relays the container's output (and input) until its init exits; returns its exit code. */
static int container_wait(struct container_setup *s)
{
	const struct hutch_state *st = s->st;
	struct relay_io io = {.master = s->master,
			      .in_fd = st->interactive && !st->detach ? STDIN_FILENO : -1,
			      .out_fd = st->detach ? -1 : STDOUT_FILENO,
			      .out_pipe = s->out_pipe[0],
			      .err_pipe = s->err_pipe[0],
			      .err_fd = st->detach ? -1 : STDERR_FILENO,
			      .log_fd = s->log_fd};
	int status = io_relay(&io, s->pid, forwarded_signals, ARRAY_SIZE(forwarded_signals));
	closep(&s->master);
	s->master = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* After the init's exit: the OOM record, the cgroup and mounts down, the state or the files. */
static void container_teardown(struct container_setup *s, int code)
{
	struct hutch_state *st = s->st;
	/* OOMKilled is for inspect: a --rm container leaves nothing to inspect. */
	if (!st->auto_remove) {
		struct cgroup_stats cs;
		cgroup_stats_init(&cs);
		if (cgroup_read_stats(s->cg, CGROUP_STATS_MEMORY, &cs) == 0 &&
		    hutch_known(cs.memory_oom_kill_events) && cs.memory_oom_kill_events > 0)
			st->oom_killed = true;
		cgroup_stats_free(&cs);
	}
	/*
	 * Processes of a container sharing another pid namespace outlive its
	 * init; in its own, the kernel killed and reaped them all before the
	 * init was.
	 */
	if (st->ns[HUTCH_NS_PID].mode != HUTCH_NS_PRIVATE)
		cgroup_kill_all(s->cg, SIGKILL);
	mnt_release_go(&s->mr);
	struct hutch_error derr = {0};
	cgroup_destroy(s->cg, &derr);
	cgroup_close(TAKE_PTR(s->cg));
	mnt_release_finish(&s->mr);

	st->status = HUTCH_STATUS_EXITED;
	st->exit_code = code;
	st->finished_ns = hutch_wall_ns();
	snprintf(st->log_note, sizeof(st->log_note), "%s", log_note());
	if (st->auto_remove) {
		registry_remove(st);
		return;
	}
	/* The exit record first: its room was taken at creation, a full disk cannot refuse it. */
	registry_record_exit(st);
	int r = hutch_state_write(hutch_globals.root, st);
	if (r < 0)
		fprintf(stderr, "hutch: write the state of %s: %s (its exit is kept in %s/exit)\n",
			st->name, strerror(-r), s->dir);
}

int container_run(struct hutch_state *st, const char *cgroup_parent, int notify_fd,
		  struct hutch_error *err)
{
	/*
	 * SIGCHLD and the signals forwarded to the container stay blocked from
	 * here, so pty_relay's signalfd sees them all, even those that come
	 * before it runs (the init and the command unblock their own).
	 */
	sigset_t blocked;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&blocked, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &blocked, NULL);

	struct container_setup s;
	setup_init(&s, st, cgroup_parent, notify_fd);
	int r = setup_run(&s, err);
	if (r < 0)
		return r;
	int code = container_wait(&s);
	container_teardown(&s, code);
	setup_close(&s);
	return code;
}
