/* SPDX-License-Identifier: MIT */
/*
 * The FUSE session of a hutch-fsd worker (fsd/session.c): the virtual tree,
 * the low-level operations and the loop, over a /dev/fuse connection the
 * supervisor (fsd/supervisor.c) mounted and keeps.
 */
#ifndef HUTCH_FSD_SESSION_H
#define HUTCH_FSD_SESSION_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "state.h"

/* libfuse's, declared here so that users of this header need not include it */
struct fuse_req;
struct fuse_session;
struct fsd_buf;

struct fsd_session_options {
	const char *mountpoint; /* for the log */
	int fuse_fd;		/* the connection; closed when the session ends */
	const void *init;	/* the connection's INIT request, as the kernel sent it */
	size_t init_len;
	int ready_fd; /* written to (and closed) once serving; -1 for none */
	unsigned
		max_threads; /* render threads (or, with mt_loop, libfuse's threads); 0 = default */
	uint64_t cache_ns;   /* the state's cache interval (fsd_state_options.cache_ns) */
	bool mt_loop;	     /* libfuse's multi-threaded loop instead of ours */
	bool one_answerer;   /* one thread reads requests, not one per CPU */
	bool debug;	     /* libfuse's request tracing */
};

/*
 * Serves the connection until a stop signal (SIGTERM, SIGINT, SIGHUP, SIGUSR1,
 * SIGUSR2, SIGQUIT): then stops reading requests, answers every one it read,
 * and returns 0, leaving the connection (and the mount) to the supervisor and
 * the next worker. -ENODEV when the connection ended (an unmount); another
 * negative errno when the session failed (err says what).
 */
int fsd_session_run(const struct fsd_session_options *opts, struct fsd_state *state,
		    struct hutch_error *err);

/*
 * Serves an already mounted connection's fd from session se (libfuse's custom
 * I/O: no mount of its own) and feeds it the connection's INIT request, as the
 * supervisor read it: the first worker's answer initialises the connection; a
 * later worker's is refused by the kernel (ENOENT), which is how it joins. 0 or
 * a negative errno (err says what).
 */
int fsd_session_attach(struct fuse_session *se, int fuse_fd, const void *init, size_t init_len,
		       struct hutch_error *err);

/*
 * Reads and answers se's requests (its fd non-blocking) until stop_fd is
 * readable, *draining is set, or the connection ends: every request read is
 * answered. Both views' answering threads run it.
 */
void fsd_session_answer(struct fuse_session *se, int stop_fd, atomic_bool *draining);

/*
 * A node's id: FNV-1a of its path in the mount ("/proc/pressure/cpu"), so
 * every worker and version agrees on it; 1 is the root's alone.
 */
uint64_t fsd_path_ino(const char *path);

/* Appends a directory entry (name, inode, type) to a READDIR answer being built. */
void fsd_dir_add(struct fuse_req *req, struct fsd_buf *b, const char *name, uint64_t ino,
		 mode_t mode);

/*
 * Threads other than the first answering one must not take the stop signals
 * (with --mt-loop, libfuse's loop sees its exit flag only when a signal
 * interrupts its read of /dev/fuse). Create every other thread between these
 * two calls (threads inherit the mask).
 */
void fsd_block_stop_signals(sigset_t *ret_old);
void fsd_restore_signals(const sigset_t *old);

#endif
