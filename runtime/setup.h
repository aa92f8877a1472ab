/* SPDX-License-Identifier: MIT */
/*
 * Making a container, in parts: the setup that owns every fd and process of
 * a container being made and the steps that fill it (container_setup.c),
 * the messages between hutch and the container's init on their socket
 * (fdpass.c), the helper threads of hutch (setup_threads.c) and the init's
 * side until it runs the command (child.c).
 */
#ifndef HUTCH_RUNTIME_SETUP_H
#define HUTCH_RUNTIME_SETUP_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hutch.h"

/* ---- fdpass.c: the sync socket's protocol ---- */
/*
 * hutch and the init share a SOCK_SEQPACKET pair; in order:
 *   1. hutch's ns_prep thread -> init: "n" and the namespaces it made
 *      (SCM_RIGHTS, in made_ns order), none when it failed;
 *   2. hutch -> init: "g", the cgroup's limits are set: join it and finish;
 *   3. hutch -> init (with seccomp): the filter's instructions, or an empty
 *      message (the init compiles it then);
 *   4. init -> hutch: struct sync_msg, err 0 and the pty's master when it
 *      made one, or the error that stopped it.
 */
#define FDPASS_MAX_FDS 3 /* most fds one message carries: the made namespaces */

struct sync_msg {
	int err; /* positive errno; 0: the setup is done */
	char msg[1000];
};

/* Sends len bytes of buf and n fds (none when n is 0) in one message. */
void fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n);
/*
 * Receives one message: up to len bytes into buf, its fds (close-on-exec)
 * into fds[0..FDPASS_MAX_FDS), their count in *ret_n. Returns the bytes
 * read, or -errno.
 */
ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fds, size_t *ret_n, int flags);
/* Message 4: the init's result, with pass_fd (or -1). */
void sync_send_result(int sock, int e, const char *msg, int pass_fd);
/* Receives message 4; -EPIPE when the init died first (no fd is left open then). */
int sync_recv_result(int sock, struct sync_msg *m, int *ret_fd);

/* ---- setup_threads.c: what threads of hutch do while the init sets up ---- */
/* The namespaces a thread of hutch makes, in the order their fds travel. */
struct made_ns {
	int flag;
	enum hutch_ns_kind kind;
};
extern const struct made_ns made_ns[3];

/* Brings lo up in the calling thread's network namespace. */
int net_loopback_up(struct hutch_error *err);

/*
 * The container's new network, IPC and UTS namespaces, made by a thread of
 * hutch while it does the rest of the setup (a network namespace alone
 * costs more than a millisecond), lo up and the host name set; the thread
 * sends them to the init (message 1), which enters them with setns.
 */
struct ns_prep {
	pthread_t thread;
	bool running;
	int flags; /* CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS: which to make */
	bool set_hostname;
	const char *hostname;
	int fds[HUTCH_NS_COUNT];
	int sock; /* the container's sync socket: the thread sends the fds itself */
	struct hutch_error err;
	int r;
};
/* Starts the thread when st asks for any of the three (np->running says whether it runs). */
void ns_prep_start(struct ns_prep *np, const struct hutch_state *st, int sock);
/* Waits for the thread (it has sent what it made to the init); its error, if any. */
int ns_prep_finish(struct ns_prep *np, struct hutch_error *err);
/* The init's side of message 1: receives the namespaces of made_flags and enters them. */
int ns_prep_enter(int sock, int made_flags, struct hutch_error *err);

/*
 * The container's mount namespace, held by hutch from the init's start: when
 * the init exits it is not the last user, and the namespace's teardown (every
 * mount, the overlay, each with its RCU grace period) runs in a thread of
 * hutch alongside the cgroup's removal instead of in the init's exit, before
 * hutch hears of it. The thread is made early and waits to be told.
 */
struct mnt_release {
	pthread_t thread;
	int fd, go[2];
	bool running;
};
void mnt_release_start(struct mnt_release *mr, pid_t pid);
/* Tells the thread to let the namespace go; mnt_release_finish waits for it. */
void mnt_release_go(struct mnt_release *mr);
void mnt_release_finish(struct mnt_release *mr);

/* ---- container_setup.c: a container being made ---- */
/*
 * Everything a container's making holds. Every fd and the init's pid are
 * owned here: setup_undo takes back all of it, setup_close the fds only.
 */
struct container_setup {
	struct hutch_state *st;
	const char *cgroup_parent;
	int notify_fd;	/* the caller's: gets the id once the container runs */
	int exit_fd;	/* <id>/exit: the init records its own exit there (its monitor may die) */
	char dir[3800]; /* <root>/<id> */
	bool made_dir;

	/* What the init is given (it is a copy of hutch: it reads them here). */
	const char *fsd_dir; /* a mounted hutch-fsd to bind, or NULL */
	bool private_cgroupns;
	/* hutch-fsd --containers' directory of this container, or "": fsd_dir points here. */
	char fsd_ctr_dir[4200];
	int made_flags;	 /* namespaces ns_prep makes, sent to the init */
	bool in_unified; /* born in the unified cgroup (CLONE_INTO_CGROUP) */
	int stdio[3];	 /* the init's 0, 1, 2: aliases of the fds below, or -1 */
	struct init_args init;
	unsigned long clone_flags;
	struct hutch_device *devices; /* --device, resolved on the host; owned */
	size_t n_devices;

	/* Owned. */
	struct cgroup *cg;
	pid_t pid;
	int sync[2];		      /* [0] hutch's end, [1] the init's */
	int join_fds[HUTCH_NS_COUNT]; /* another container's namespaces to enter, or -1 */
	int unified_fd;
	int null_fd, log_fd, master;
	int out_pipe[2], err_pipe[2];
	struct ns_prep np;
	struct mnt_release mr;
};

void setup_init(struct container_setup *s, struct hutch_state *st, const char *cgroup_parent,
		int notify_fd);
/* Every step up to a running, recorded container; on failure undone, -errno and err set. */
int setup_run(struct container_setup *s, struct hutch_error *err);
/* Takes back everything a failed setup made: the init, threads, cgroup, directory, fds. */
void setup_undo(struct container_setup *s);
/* Closes every fd the setup still holds. */
void setup_close(struct container_setup *s);

/*
 * Forks a container's first process with the namespaces and exit signal of
 * flags, straight into the unified cgroup of cgroup_fd when it is >= 0 and
 * the kernel can (*ret_in_unified says whether it did). hutch-runc's too.
 */
pid_t clone_init(unsigned long flags, int cgroup_fd, bool *ret_in_unified);

/* ---- child.c: the init's side until it runs the command ---- */
void child_main(struct container_setup *s) __attribute__((noreturn));

#endif
