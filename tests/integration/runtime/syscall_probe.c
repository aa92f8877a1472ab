// SPDX-License-Identifier: MIT
/*
 * Tries one system call a container's seccomp filter or capabilities should
 * refuse, and says how it went: exit 0 if it worked, 1 if it failed (errno
 * printed), 2 on bad usage. Built static by the tests and run inside
 * containers (busybox has no io_uring or keyctl applet).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(const char *what, long r)
{
	if (r < 0) {
		printf("%s: %s\n", what, strerror(errno));
		return 1;
	}
	printf("%s: ok\n", what);
	return 0;
}

static int child(void *arg)
{
	(void)arg;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s io_uring|keyctl|userns|clone_newns|vsock|setuid=UID\n",
			argv[0]);
		return 2;
	}
	const char *w = argv[1];
	if (!strcmp(w, "io_uring")) {
		struct io_uring_params p;
		memset(&p, 0, sizeof(p));
		return report(w, syscall(SYS_io_uring_setup, 4, &p));
	}
	if (!strcmp(w, "keyctl")) /* KEYCTL_JOIN_SESSION_KEYRING, a new anonymous keyring */
		return report(w, syscall(SYS_keyctl, 1, NULL));
	if (!strcmp(w, "userns"))
		return report(w, unshare(CLONE_NEWUSER));
	if (!strcmp(w, "clone_newns")) {
		static char stack[65536];
		long pid = clone(child, stack + sizeof(stack), CLONE_NEWNS | SIGCHLD, NULL);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return report(w, pid);
	}
	if (!strncmp(w, "setuid=", 7)) /* the system call itself, not libc's */
		return report(w, syscall(SYS_setuid, atoi(w + 7)));
	if (!strcmp(w, "vsock"))
		return report(w, socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
	fprintf(stderr, "unknown probe %s\n", w);
	return 2;
}
