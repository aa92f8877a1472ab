/* SPDX-License-Identifier: MIT */
/* hutch-runc's container process before its exec (runc_child.c) and what it shares with exec. */
#ifndef HUTCH_RUNC_CHILD_H
#define HUTCH_RUNC_CHILD_H

#include "runc.h"
#include "setup.h"

/* What create gives the cloned process (it reads it from its copy of create's memory). */
struct runc_child {
	const struct oci_config *cfg;
	const char *rootfs;    /* absolute, on the host */
	const char *fifo_path; /* <root>/<id>/exec.fifo */
	int sync_fd;
	int made_flags; /* namespaces hutch's thread makes and sends first (ns_prep) */
	struct cgroup *cg;
	bool in_unified; /* born in the unified cgroup */
	bool no_pivot;
	int ns_fds[OCI_NS_COUNT]; /* namespaces given by path, or -1 */
	int preserve_fds;
	void *seccomp; /* a libseccomp filter built by create, or NULL */
	/* The process becomes hutch-init (INIT_OCI) once ready, with prog as its filter. */
	bool use_init;
	const struct seccomp_prog *prog;
	bool seccomp_early;
	int tty_fd;
	char exec_path[4096];
};
void runc_child_main(struct runc_child *a) __attribute__((noreturn));

/* The process's last steps: stdio on the tty, fds, seccomp, capabilities, user, cwd, exec. */
void runc_process_exec(const struct oci_process *p, const char *exec_path, int tty_fd, void *filter,
		       bool filter_loaded, int preserve_fds) __attribute__((noreturn));
/* name looked up in env's PATH as execvp would; 0, -ENOENT or -EACCES. */
int runc_find_exec(const char *name, char *const *env, char *buf, size_t size);

/* Sends fd over a unix socket with a one-word message (the console socket's protocol). */
int runc_send_fd(int sock, const char *word, int fd);

/* Connects to the unix socket at path (console socket, seccomp agent) and sends fd with word. */
int runc_send_to_socket(const char *path, const char *word, int fd, struct hutch_error *err);

/* ---- runc_seccomp.c ---- */
/* linux.seccomp into a libseccomp filter (not loaded). */
int runc_seccomp_build(const struct oci_seccomp *s, void **ret_ctx, struct hutch_error *err);
void seccomp_release_ctx(void *ctx);
/* Loads it on the calling process; returns its notify fd (>= 0) with SCMP_ACT_NOTIFY, else 0. */
int runc_seccomp_load(void *ctx);

#endif
