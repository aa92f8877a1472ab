// SPDX-License-Identifier: MIT
/*
 * What a container's processes run with: capabilities, no_new_privs and the
 * seccomp filter, chosen from the container's state. hutch-init applies
 * them (init_main.c), in runc's order.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "hutch.h"

static void prog_path(const struct hutch_state *st, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/seccomp.bpf", hutch_globals.root, st->id);
}

int security_prog_for(const struct hutch_state *st, bool at_run, struct seccomp_prog *ret,
		      struct hutch_error *err)
{
	seccomp_prog_free(ret);
	/* --privileged goes without a filter, unless one was asked for by name (docker 20.10+). */
	if (st->seccomp_unconfined || (st->privileged && !st->seccomp_profile[0]))
		return 0;
	if (!st->seccomp_profile[0])
		return seccomp_build_default(st->cap_mask, ret, err);
	if (at_run)
		return seccomp_build_file(st->seccomp_profile, st->cap_mask, ret, err);
	/* exec: the filter run compiled, not the file as it may read now. */
	char path[4200];
	prog_path(st, path, sizeof(path));
	char *buf = NULL;
	size_t len;
	int r = hutch_read_file(path, BPF_MAXINSNS * sizeof(struct sock_filter) + 1, &buf, &len);
	if (r < 0 || len == 0 || len % sizeof(struct sock_filter) != 0) {
		free(buf);
		return hutch_error_setsys(err, r < 0 ? -r : EIO, "read the container's filter %s",
					  path);
	}
	ret->insns = ret->owned = buf;
	ret->len = len / sizeof(struct sock_filter);
	return 0;
}

int security_save_prog(const struct hutch_state *st, const struct seccomp_prog *prog)
{
	char path[4200];
	prog_path(st, path, sizeof(path));
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	size_t len = prog->len * sizeof(struct sock_filter);
	ssize_t w = write(fd, prog->insns, len);
	if (w != (ssize_t)len)
		return w < 0 ? -errno : -ENOSPC;
	return 0;
}
