// SPDX-License-Identifier: MIT
/* The messages on the sync socket between hutch and the container's init (setup.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "setup.h"

void fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	char cbuf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_FDS)] = {0};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n > 0 && n <= FDPASS_MAX_FDS) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

ssize_t fdpass_recv(int sock, void *buf, size_t len, int *fds, size_t *ret_n, int flags)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	char cbuf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_FDS)];
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags)) < 0 && errno == EINTR)
		;
	*ret_n = 0;
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < got && *ret_n < FDPASS_MAX_FDS; i++)
			memcpy(&fds[(*ret_n)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	return n;
}

void sync_send_result(int sock, int e, const char *msg, int pass_fd)
{
	struct sync_msg m = {.err = e};
	snprintf(m.msg, sizeof(m.msg), "%s", msg ? msg : "");
	fdpass_send(sock, &m, sizeof(m), &pass_fd, pass_fd >= 0 ? 1 : 0);
}

int sync_recv_result(int sock, struct sync_msg *m, int *ret_fd)
{
	int fds[FDPASS_MAX_FDS];
	size_t n_fds;
	ssize_t n = fdpass_recv(sock, m, sizeof(*m), fds, &n_fds, 0);
	/*
	 * An init that failed before reading "g" closed its end with messages
	 * of ours unread: the kernel then reports ECONNRESET once, ahead of
	 * the message it sent. That error is consumed; the message follows.
	 */
	if (n == -ECONNRESET)
		n = fdpass_recv(sock, m, sizeof(*m), fds, &n_fds, 0);
	*ret_fd = n_fds ? fds[n_fds - 1] : -1;
	for (size_t i = 0; i + 1 < n_fds; i++)
		close(fds[i]);
	if (n != (ssize_t)sizeof(*m)) {
		if (*ret_fd >= 0)
			close(*ret_fd);
		*ret_fd = -1;
		return -EPIPE;
	}
	m->msg[sizeof(m->msg) - 1] = '\0';
	return 0;
}
