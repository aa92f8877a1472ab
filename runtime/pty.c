// SPDX-License-Identifier: MIT
/*
 * The host side of a container's terminal: copies the user's keys to the
 * pty's master and the master's output back, keeps the window size in step
 * and forwards signals, until the child (the container's init, or an exec'd
 * command) exits. With no master it only forwards signals and waits.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

#include "hutch.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (from >= 0 && to >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Reads what the master still holds (the command's last words before it exited). */
static void drain(int master, int out_fd)
{
	char buf[8192];
	struct pollfd pfd = {.fd = master, .events = POLLIN};
	while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break;
		write_all(out_fd, buf, (size_t)n);
	}
}

int pty_relay(int master, int in_fd, int out_fd, pid_t child, const int *fwd_signals, size_t n_sig)
{
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGWINCH);
	for (size_t i = 0; i < n_sig; i++)
		sigaddset(&mask, fwd_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	struct termios saved;
	bool raw = false;
	if (master >= 0 && in_fd >= 0 && isatty(in_fd) && tcgetattr(in_fd, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(in_fd, TCSANOW, &t) == 0;
	}
	if (master >= 0)
		copy_winsize(in_fd >= 0 && isatty(in_fd) ? in_fd : STDOUT_FILENO, master);

	int status = 0, user_in = in_fd;
	/* A child that exited before SIGCHLD was blocked sent its signal to nobody. */
	bool done = waitpid(child, &status, WNOHANG) == child;
	while (!done) {
		struct pollfd pfd[3] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = master, .events = POLLIN},
			{.fd = master >= 0 ? in_fd : -1, .events = POLLIN},
		};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char buf[8192];
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(in_fd, buf, sizeof(buf));
			if (n > 0)
				write_all(master, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				in_fd = -1; /* the user's input ended; the command keeps its tty */
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n > 0)
				write_all(out_fd, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				master =
					-1; /* every slave closed (EIO): wait for the child alone */
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGWINCH) {
				copy_winsize(in_fd >= 0 ? in_fd : STDOUT_FILENO, master);
			} else if (si.ssi_signo == SIGCHLD) {
				pid_t p = waitpid(child, &status, WNOHANG);
				if (p == child)
					done = true;
			} else {
				kill(child, (int)si.ssi_signo);
			}
		}
	}
	if (master >= 0)
		drain(master, out_fd);
	if (raw)
		tcsetattr(user_in, TCSANOW, &saved);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
