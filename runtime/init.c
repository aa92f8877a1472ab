// SPDX-License-Identifier: MIT
/*
 * hutch's side of hutch-init (init_main.c), the program every process of a
 * container starts from: the container's init once its filesystem is
 * built, and `hutch exec`'s process once it has entered the namespaces.
 *
 * hutch-init is built apart and kept in hutch's own binary
 * (init_image.c). To run it, hutch copies it into a memfd sealed against
 * any write, growth, shrink (and, from 6.3, mode change) and executes that:
 * the exe of every process in a container is then a file of no mount, of
 * that container alone, which nothing can change; not hutch's installed
 * binary, which a process in the container could otherwise open through
 * /proc/PID/exe and write (the CVE-2019-5736 class). The copy is a few
 * pages of a static musl program, and its exec costs less than the read-only
 * detached bind mount of a file does (measured: README, "hutch's own
 * binary").
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hutch.h"
#include "init_proto.h"

/* init_image.c: hutch-init's bytes. */
extern const unsigned char hutch_init_image[], hutch_init_image_end[];

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

int init_image_fd(void)
{
	/* MFD_EXEC: where vm.memfd_noexec asks for it (6.3+); older kernels refuse the flag. */
	int fd = memfd_create("hutch-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("hutch-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	const unsigned char *p = hutch_init_image;
	size_t left = (size_t)(hutch_init_image_end - hutch_init_image);
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return -e;
		}
		p += n;
		left -= (size_t)n;
	}
	/* The mode too where the kernel can seal it (6.3+): a chmod of /proc/1/exe fails. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* fd kept across the exec, and not at INIT_PARAMS_FD (moved when it is). */
static int keep_fd(int *fd)
{
	if (*fd < 0)
		return 0;
	if (*fd == INIT_PARAMS_FD) {
		int moved = fcntl(*fd, F_DUPFD, INIT_PARAMS_FD + 1);
		if (moved < 0)
			return -errno;
		*fd = moved;
		return 0;
	}
	return fcntl(*fd, F_SETFD, 0) < 0 ? -errno : 0;
}

/* The parameters' message (init_proto.h) in a pipe, its reading end at INIT_PARAMS_FD. */
static int send_params(const struct init_args *a, struct init_params *p)
{
	const char *wd = a->workdir ? a->workdir : "";
	const char *path = a->oci && a->exec_path ? a->exec_path : "";
	size_t wd_len = strlen(wd), path_len = strlen(path);
	if (wd_len > INIT_MAX_WORKDIR || path_len > INIT_MAX_WORKDIR ||
	    a->n_groups > INIT_MAX_GROUPS || (a->seccomp && a->prog.len > INIT_MAX_PROG))
		return -E2BIG;
	p->magic = INIT_MAGIC;
	p->flags |= (a->set_user ? INIT_SET_USER : 0) | (a->no_new_privs ? INIT_NNP : 0) |
		    (a->seccomp ? INIT_SECCOMP : 0) | (a->oci ? INIT_OCI : 0) |
		    (a->oci && a->caps_given ? INIT_OCI_CAPS : 0);
	p->umask = a->oci ? a->umask : -1;
	p->path_len = (uint32_t)path_len;
	_Static_assert(sizeof(a->oci_caps) == sizeof(p->oci_caps), "every capability set");
	memcpy(p->oci_caps, a->oci_caps, sizeof(p->oci_caps));
	p->cap_mask = a->cap_mask;
	p->uid = a->uid;
	p->gid = a->gid;
	p->n_groups = (uint32_t)a->n_groups;
	for (size_t i = 0; i < a->n_groups; i++)
		p->groups[i] = a->groups[i];
	p->workdir_len = (uint32_t)wd_len;
	p->prog_len = a->seccomp ? (uint32_t)a->prog.len : 0;
	int pfd[2];
	/* Non-blocking: the message (at most 37 KiB) fits a pipe's buffer, or fails, never waits. */
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	const struct {
		const void *buf;
		size_t len;
	} parts[] = {{p, sizeof(*p)},
		     {wd, wd_len},
		     {path, path_len},
		     {a->prog.insns, p->prog_len * sizeof(struct sock_filter)}};
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(parts) && r == 0; i++)
		if (parts[i].len &&
		    write(pfd[1], parts[i].buf, parts[i].len) != (ssize_t)parts[i].len)
			r = -EMSGSIZE;
	close(pfd[1]);
	if (r == 0 && pfd[0] != INIT_PARAMS_FD && dup2(pfd[0], INIT_PARAMS_FD) < 0)
		r = -errno;
	if (pfd[0] != INIT_PARAMS_FD)
		close(pfd[0]);
	else if (r == 0)
		r = fcntl(pfd[0], F_SETFD, 0) < 0 ? -errno : 0;
	return r;
}

int init_exec(int image_fd, const struct init_args *a, bool pid1, int exit_fd, int pidns_fd)
{
	struct init_params p = {.flags = pid1 ? INIT_PID1 : 0};
	int tty_fd = a->tty_fd, fifo_fd = a->oci ? a->fifo_fd : -1;
	int r = 0;
	/* Out of the parameters' way too, still closed by the exec. */
	if (image_fd == INIT_PARAMS_FD && (image_fd = fcntl(image_fd, F_DUPFD_CLOEXEC, 4)) < 0)
		r = -errno;
	if (r < 0 || (r = keep_fd(&tty_fd)) < 0 || (r = keep_fd(&exit_fd)) < 0 ||
	    (r = keep_fd(&pidns_fd)) < 0 || (r = keep_fd(&fifo_fd)) < 0)
		goto fail;
	p.tty_fd = tty_fd;
	p.exit_fd = exit_fd;
	p.pidns_fd = pidns_fd;
	p.fifo_fd = fifo_fd;
	if ((r = send_params(a, &p)) < 0)
		goto fail;
	size_t argc = strv_len(a->argv);
	char **argv = calloc(argc + 2, sizeof(char *));
	if (!argv) {
		r = -ENOMEM;
		goto fail;
	}
	argv[0] = (char *)"hutch-init";
	memcpy(argv + 1, a->argv, argc * sizeof(char *));
	char *no_env[] = {NULL};
	syscall(SYS_execveat, image_fd, "", argv, a->env ? a->env : no_env, AT_EMPTY_PATH);
	r = -errno;
	free(argv);
fail:
	fprintf(stderr, "hutch: run hutch-init: %s%s\n", strerror(-r),
		r == -EACCES || r == -EPERM ? " (is vm.memfd_noexec 2?)" : "");
	return r;
}
