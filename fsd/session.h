/* SPDX-License-Identifier: MIT */
/*
 * The FUSE session of hutch-fsd, all in one place (fsd/session.c): the
 * virtual tree, the low-level operations, the mount and the multi-threaded
 * loop. A later restart/upgrade without unmounting belongs here too.
 */
#ifndef HUTCH_FSD_SESSION_H
#define HUTCH_FSD_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "state.h"

struct fsd_session_options {
	const char *mountpoint;
	unsigned
		max_threads; /* render threads (or, with mt_loop, libfuse's threads); 0 = default */
	uint64_t cache_ns;   /* the state's cache interval (fsd_state_options.cache_ns) */
	bool mt_loop;	     /* libfuse's multi-threaded loop instead of ours */
	bool one_answerer;   /* one thread reads requests, not one per CPU */
	bool debug;	     /* libfuse's request tracing */
};

/*
 * Mounts, serves until SIGTERM, SIGINT or SIGHUP (or an unmount), unmounts.
 * Returns 0 on a clean stop, a negative errno when the mount or the loop
 * failed (err says what).
 */
int fsd_session_run(const struct fsd_session_options *opts, struct fsd_state *state,
		    struct hutch_error *err);

/*
 * Threads other than the one in the FUSE loop must not take SIGTERM, SIGINT
 * or SIGHUP: libfuse's handler only sets a flag, and the loop sees it when a
 * signal interrupts its read of /dev/fuse. A signal taken by a sleeping
 * sampler or worker left the loop blocked until the next request. Create
 * every other thread between these two calls (threads inherit the mask).
 */
void fsd_block_stop_signals(sigset_t *ret_old);
void fsd_restore_signals(const sigset_t *old);

#endif
