/* SPDX-License-Identifier: MIT */
/*
 * sysinfo(2) for containers through seccomp user notification (fsd/agent.c).
 *
 * A container's filter sends its sysinfo calls to a listener fd; `hutch run`
 * (and hutch-runc or runc with linux.seccomp.listenerPath) hand that fd to
 * the agent socket, MOUNTPOINT.agent.sock. The supervisor owns the socket and
 * keeps every listener for as long as a task uses its filter, so a worker's
 * crash or an upgrade loses none: the calls wait in the kernel for the next
 * worker, as FUSE requests do. Workers answer them from the container's
 * rendered files (fsd_sysinfo_from). A call a dead worker had taken is
 * answered by the next one with SECCOMP_USER_NOTIF_FLAG_CONTINUE (the
 * kernel's own sysinfo, the host's values): the ids in flight are kept in a
 * memfd page the supervisor holds.
 */
#ifndef HUTCH_FSD_AGENT_H
#define HUTCH_FSD_AGENT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "state.h"

#define FSD_AGENT_SUFFIX ".agent.sock"
/* How the socket, page and listeners go through an exec: "SOCK:MEM:CHAN:FD,FD,..." */
#define FSD_AGENT_ENV	      "HUTCH_FSD_AGENT"
#define FSD_AGENT_MAX_PENDING 128
#define FSD_AGENT_MAX_CHANS   4

/* The supervisor's side. */
struct fsd_agent_keep {
	int sock; /* the listening socket; -1 none */
	char path[108];
	int mem;  /* the in-flight page (memfd); -1 none */
	int *fds; /* the listeners kept */
	size_t n_fds, cap;
	struct {
		int fd;
		uint64_t at;
	} pending[FSD_AGENT_MAX_PENDING]; /* connections whose message has not come yet */
	struct {
		pid_t pid;
		int fd;
	} chans[FSD_AGENT_MAX_CHANS]; /* to each running worker: new listeners */
	uint64_t pruned_at;
	bool keeper; /* fsd_agent_keeper_main: hands everything to the next hutch-fsd */
};

/* Opens the socket (or takes the one an upgrade's exec passed) and the in-flight page. */
void fsd_agent_keep_open(struct fsd_agent_keep *k, const char *mountpoint);
/* Fills p with what to poll (at most 1 + FSD_AGENT_MAX_PENDING); returns how many. */
size_t fsd_agent_keep_pollfds(const struct fsd_agent_keep *k, struct pollfd *p);
/* Handles what poll said about the pollfds of fsd_agent_keep_pollfds, and drops dead listeners. */
void fsd_agent_keep_events(struct fsd_agent_keep *k, const struct pollfd *p, size_t n);
/* Before a worker's fork: a channel to it; *ret_child_end goes to the worker. -1: none. */
int fsd_agent_keep_channel(struct fsd_agent_keep *k, int *ret_child_end);
/*
 * In the worker's child before exec (child_end), or before the supervisor's
 * own exec (child_end -1): the fds inherited and named in the environment.
 */
void fsd_agent_keep_export(struct fsd_agent_keep *k, int child_end);
/* After an exec that failed: the fds close on exec again. */
void fsd_agent_keep_unexport(struct fsd_agent_keep *k);
void fsd_agent_keep_worker(struct fsd_agent_keep *k, pid_t pid, int parent_end);
void fsd_agent_keep_worker_gone(struct fsd_agent_keep *k, pid_t pid);
/* At a stop: unlink the socket unless the connection is handed over. */
void fsd_agent_keep_close(struct fsd_agent_keep *k, bool unlink_socket);

/*
 * hutch-fsd stopped (SIGTERM): the supervisor execs `hutch-fsd --agent-keeper
 * MOUNTPOINT` with its listeners. The keeper answers every call with the
 * kernel's own sysinfo (SECCOMP_USER_NOTIF_FLAG_CONTINUE), never an ENOSYS
 * from a listener nobody holds; it exits when no task uses its listeners, or
 * hands them to the next hutch-fsd serving MOUNTPOINT. Returns the exit status.
 */
int fsd_agent_keeper_main(const char *mountpoint);
/* At the supervisor's stop: starts the keeper when there are listeners; closes everything. */
void fsd_agent_keep_leave(struct fsd_agent_keep *k, const char *exe, const char *mountpoint);

/* The worker's side: a thread answering the listeners the supervisor passed. */
struct fsd_agent;
/* 0 and *ret NULL when the supervisor passed none (no agent socket). */
int fsd_agent_start(struct fsd_state *s, struct fsd_agent **ret);
void fsd_agent_stop(struct fsd_agent *a);
/* A worker whose supervisor died becomes one: its listeners pass through the exec. */
void fsd_agent_stop_for_exec(struct fsd_agent *a);

#endif
