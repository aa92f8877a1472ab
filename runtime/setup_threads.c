// SPDX-License-Identifier: MIT
/*
 * The threads of hutch that work beside a container's init while it sets
 * up: ns_prep makes the new network, IPC and UTS namespaces, mnt_release
 * holds the mount namespace so its teardown is hutch's (setup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "setup.h"

const struct made_ns made_ns[3] = {
	{CLONE_NEWNET, HUTCH_NS_NET}, {CLONE_NEWIPC, HUTCH_NS_IPC}, {CLONE_NEWUTS, HUTCH_NS_UTS}};
_Static_assert(ARRAY_SIZE(made_ns) <= FDPASS_MAX_FDS, "one message carries every made namespace");

int net_loopback_up(struct hutch_error *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return hutch_error_setsys(err, errno, "socket");
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return hutch_error_setsys(err, errno, "get flags of lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return hutch_error_setsys(err, errno, "bring lo up");
	return 0;
}

static void ns_prep_make(struct ns_prep *np)
{
	/* Namespaces are per thread: these are this thread's alone. */
	if (unshare(np->flags) < 0) {
		np->r = hutch_error_setsys(&np->err, errno, "new namespaces");
		return;
	}
	if ((np->flags & CLONE_NEWNET) && (np->r = net_loopback_up(&np->err)) < 0)
		return;
	if ((np->flags & CLONE_NEWUTS) && np->set_hostname &&
	    sethostname(np->hostname, strlen(np->hostname)) < 0) {
		np->r = hutch_error_setsys(&np->err, errno, "set the host name");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(made_ns); i++) {
		if (!(np->flags & made_ns[i].flag))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/thread-self/ns/%s",
			 hutch_ns_kind_name(made_ns[i].kind));
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			np->r = hutch_error_setsys(&np->err, errno, "open %s", path);
			return;
		}
		np->fds[made_ns[i].kind] = fd;
	}
}

/*
 * The thread's body: makes the namespaces, then sends them to the init at
 * once (the message waits in the socket until the init, cloned meanwhile or
 * later, reads it: it is the first on the socket, hutch sends nothing before
 * joining the thread). On failure it sends none; the init gives up and hutch
 * reports the thread's error.
 */
static void *ns_prep_thread(void *p)
{
	struct ns_prep *np = p;
	ns_prep_make(np);
	int fds[ARRAY_SIZE(made_ns)];
	size_t n = 0;
	for (size_t i = 0; np->r == 0 && i < ARRAY_SIZE(made_ns); i++)
		if (np->fds[made_ns[i].kind] >= 0)
			fds[n++] = np->fds[made_ns[i].kind];
	fdpass_send(np->sock, "n", 1, fds, n);
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		if (np->fds[k] >= 0)
			close(TAKE_FD(np->fds[k]));
	return NULL;
}

void ns_prep_start(struct ns_prep *np, const struct hutch_state *st, int sock)
{
	np->sock = sock;
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		np->fds[k] = -1;
	np->flags = 0;
	if (st->ns[HUTCH_NS_NET].mode == HUTCH_NS_PRIVATE ||
	    st->ns[HUTCH_NS_NET].mode == HUTCH_NS_NONE)
		np->flags |= CLONE_NEWNET;
	if (st->ns[HUTCH_NS_IPC].mode == HUTCH_NS_PRIVATE)
		np->flags |= CLONE_NEWIPC;
	if (st->ns[HUTCH_NS_UTS].mode == HUTCH_NS_PRIVATE)
		np->flags |= CLONE_NEWUTS;
	np->set_hostname = st->ns[HUTCH_NS_NET].mode != HUTCH_NS_CONTAINER;
	np->hostname = st->hostname;
	/* Without the thread, clone makes them as before. */
	np->running = np->flags && pthread_create(&np->thread, NULL, ns_prep_thread, np) == 0;
}

int ns_prep_finish(struct ns_prep *np, struct hutch_error *err)
{
	if (!np->running)
		return 0;
	pthread_join(np->thread, NULL);
	np->running = false;
	if (np->r < 0)
		*err = np->err;
	return np->r;
}

int ns_prep_enter(int sock, int made_flags, struct hutch_error *err)
{
	if (!made_flags)
		return 0;
	int fds[FDPASS_MAX_FDS];
	size_t want = 0, got = 0;
	for (size_t i = 0; i < ARRAY_SIZE(made_ns); i++)
		want += (made_flags & made_ns[i].flag) != 0;
	char byte;
	if (fdpass_recv(sock, &byte, 1, fds, &got, 0) <= 0)
		got = 0;
	if (got != want)
		return hutch_error_set(err, EIO, "the container's new namespaces were not made");
	size_t j = 0;
	for (size_t i = 0; i < ARRAY_SIZE(made_ns); i++) {
		if (!(made_flags & made_ns[i].flag))
			continue;
		int fd = fds[j++];
		if (setns(fd, made_ns[i].flag) < 0)
			return hutch_error_setsys(err, errno, "enter the new %s namespace",
						  hutch_ns_kind_name(made_ns[i].kind));
		close(fd);
	}
	return 0;
}

static void *mnt_release_main(void *p)
{
	struct mnt_release *mr = p;
	char c;
	while (read(mr->go[0], &c, 1) < 0 && errno == EINTR)
		;
	close(TAKE_FD(mr->fd));
	return NULL;
}

void mnt_release_start(struct mnt_release *mr, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	/* An init already gone tears its namespace down itself, as without this. */
	mr->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (mr->fd < 0)
		return;
	if (pipe2(mr->go, O_CLOEXEC) < 0) {
		close(TAKE_FD(mr->fd));
		return;
	}
	mr->running = pthread_create(&mr->thread, NULL, mnt_release_main, mr) == 0;
	if (!mr->running) {
		close(TAKE_FD(mr->fd));
		close(TAKE_FD(mr->go[0]));
		close(TAKE_FD(mr->go[1]));
	}
}

void mnt_release_go(struct mnt_release *mr)
{
	if (mr->running && write(mr->go[1], "x", 1) < 0) {
		/* a pipe's first byte always fits */
	}
}

void mnt_release_finish(struct mnt_release *mr)
{
	if (!mr->running)
		return;
	mnt_release_go(mr);
	pthread_join(mr->thread, NULL);
	mr->running = false;
	close(TAKE_FD(mr->go[0]));
	close(TAKE_FD(mr->go[1]));
}
