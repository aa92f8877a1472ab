/* SPDX-License-Identifier: MIT */
/*
 * What hutch tells hutch-init (init_main.c), the small program that is a
 * container's pid 1 and the first process of every `hutch exec` in it.
 * hutch-init is built apart (musl, static: no libhutch) and run from a
 * sealed memfd copy (init.c), so this header is all the two share: standard
 * C and kernel types only.
 *
 * hutch-init's argv is its name and then the command; its environment is
 * the command's. The rest arrives on fd INIT_PARAMS_FD, a pipe that hutch
 * filled and closed before the exec: a struct init_params, the working
 * directory (workdir_len bytes, no NUL), then prog_len BPF instructions of
 * the seccomp filter (struct sock_filter, 8 bytes each).
 *
 * hutch-runc's container process execs it too (INIT_OCI): it then waits on
 * the exec fifo until `start`, takes the OCI process's identity (every
 * capability set, umask) as runc does, and execs the command at exec_path
 * (path_len bytes after the working directory) itself, with no fork.
 */
#ifndef HUTCH_INIT_PROTO_H
#define HUTCH_INIT_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define INIT_PARAMS_FD	   3
#define INIT_MAGIC	   0x68696e33u /* "hin3": a change of the layout changes it */
#define INIT_MAX_GROUPS	   64
#define INIT_MAX_WORKDIR   4096
#define INIT_MAX_PROG	   4096 /* BPF_MAXINSNS */
#define INIT_EXIT_CANNOT   126	/* docker's: the command cannot be run */
#define INIT_EXIT_NOTFOUND 127
#define INIT_EXIT_RUNTIME  125

enum init_flags {
	INIT_PID1 = 1,	   /* the container's pid 1: confines itself too, reaps, records the exit */
	INIT_SET_USER = 2, /* switch to uid, gid and groups */
	INIT_NNP = 4,	   /* no_new_privs */
	INIT_SECCOMP = 8,  /* load the filter that follows */
	INIT_OCI = 16,	   /* hutch-runc's process: the fifo, oci_caps, umask, exec_path */
	INIT_OCI_CAPS = 32 /* process.capabilities given (else none are kept) */
};

/* process.capabilities' sets, in init_params.oci_caps. */
enum {
	INIT_CAP_BOUNDING,
	INIT_CAP_EFFECTIVE,
	INIT_CAP_PERMITTED,
	INIT_CAP_INHERITABLE,
	INIT_CAP_AMBIENT,
	INIT_CAP_SETS
};

struct init_params {
	uint32_t magic, flags;
	uint64_t cap_mask; /* bounding set, and the effective and permitted ones */
	uint32_t uid, gid, n_groups;
	uint32_t groups[INIT_MAX_GROUPS];
	int32_t tty_fd;	  /* the command's terminal (its stdio, its controlling tty), or -1 */
	int32_t exit_fd;  /* pid 1's record of its exit (<id>/exit), or -1 */
	int32_t pidns_fd; /* a pid namespace to enter before the command's fork (exec), or -1 */
	uint32_t workdir_len, prog_len;
	/* INIT_OCI */
	int32_t fifo_fd; /* the exec fifo, O_PATH: opened for writing, it waits for start */
	int32_t umask;	 /* or -1: 022 */
	uint32_t path_len;
	uint64_t oci_caps[INIT_CAP_SETS];
};

/* An exit record, as registry.c reads it: "CODE OOM FINISHED_NS NOTE\n". */
static inline size_t init_exit_record(char *buf, size_t size, int code, int oom_killed,
				      unsigned long long finished_ns, const char *note)
{
	int n = snprintf(buf, size, "%d %d %llu %s\n", code, oom_killed ? 1 : 0, finished_ns,
			 note ? note : "");
	if (n < 0)
		return 0;
	return (size_t)n >= size ? size - 1 : (size_t)n;
}

#endif
