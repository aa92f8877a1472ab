/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd's supervisor: the process that mounts, keeps the /dev/fuse
 * connection for as long as hutch-fsd runs, and runs the workers that serve
 * it (fsd/session.c). A worker that crashes is replaced; an upgrade replaces
 * the supervisor's own program (exec, keeping the connection) and then the
 * worker, the new one serving before the old one stops. Readers see a pause
 * at most, never an error. See fsd/README.md for what each restart does.
 */
#ifndef HUTCH_FSD_SUPERVISOR_H
#define HUTCH_FSD_SUPERVISOR_H

#include <stddef.h>
#include <sys/types.h>

/* A worker exits with this when the connection ended (an unmount): the supervisor stops. */
#define FSD_EXIT_CONNECTION_GONE 4

struct fsd_supervisor_options {
	const char *mountpoint; /* absolute, resolved */
	const char *exe;	/* the program: workers run it, an upgrade execs it */
	/* Options every worker and a re-exec get (NULL-terminated): the user's, canonical. */
	char *const *pass_args;
	/* --resume=FD:PID:HEX:REPLYFD, after an upgrade's exec; NULL on a first start. */
	const char *resume;
};

/* Runs the supervisor until a stop; returns the exit status. */
int fsd_supervise(const struct fsd_supervisor_options *o);

/*
 * hutch-fsd --upgrade: asks the supervisor serving mountpoint to upgrade in
 * place, and waits for the new worker to serve. Returns the exit status.
 */
int fsd_upgrade_request(const char *mountpoint);

/* The worker's INIT request from its hex form (--init). */
int fsd_hex_decode(const char *hex, unsigned char *buf, size_t size, size_t *ret_len);

#endif
