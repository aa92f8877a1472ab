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

/* An output the relay copies: from src to dst and the log. */
struct relay_out {
	int src, dst;
};

/* Copies what src holds now to dst (while it takes it) and the log; false at EOF or error. */
static bool copy_out(struct relay_out *o, int log_fd)
{
	char buf[8192];
	ssize_t n = read(o->src, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	/* A reader that went away (EPIPE) stops getting output; the log still does. */
	if (o->dst >= 0 && write_all(o->dst, buf, (size_t)n) < 0)
		o->dst = -1;
	if (log_fd >= 0)
		log_write(log_fd, buf, (size_t)n);
	return true;
}

/* Reads what the outputs still hold (the command's last words before it exited). */
static void drain(struct relay_out *outs, size_t n, int log_fd)
{
	for (size_t i = 0; i < n; i++) {
		struct pollfd pfd = {.fd = outs[i].src, .events = POLLIN};
		while (outs[i].src >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) &&
		       copy_out(&outs[i], log_fd))
			;
	}
}

int pty_relay(int master, int in_fd, int out_fd, pid_t child, const int *fwd_signals, size_t n_sig)
{
	struct relay_io io = {.master = master,
			      .in_fd = in_fd,
			      .out_fd = out_fd,
			      .out_pipe = -1,
			      .err_pipe = -1,
			      .err_fd = -1,
			      .log_fd = -1};
	return io_relay(&io, child, fwd_signals, n_sig);
}

int io_relay(const struct relay_io *io, pid_t child, const int *fwd_signals, size_t n_sig)
{
	int master = io->master, in_fd = io->in_fd;
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGWINCH);
	for (size_t i = 0; i < n_sig; i++)
		sigaddset(&mask, fwd_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	/* hutch writes the command's output now: a closed reader is EPIPE, not death. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigaction(SIGPIPE, &ign, &old_pipe);

	struct termios saved;
	bool raw = false;
	if (master >= 0 && in_fd >= 0 && isatty(in_fd) && tcgetattr(in_fd, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(in_fd, TCSANOW, &t) == 0;
	}
	if (master >= 0)
		copy_winsize(in_fd >= 0 && isatty(in_fd) ? in_fd : STDOUT_FILENO, master);

	/* What is copied out: the pty's master, or the command's stdout and stderr pipes. */
	struct relay_out outs[3];
	size_t n_out = 0;
	if (master >= 0)
		outs[n_out++] = (struct relay_out){.src = master, .dst = io->out_fd};
	if (io->out_pipe >= 0)
		outs[n_out++] = (struct relay_out){.src = io->out_pipe, .dst = io->out_fd};
	if (io->err_pipe >= 0)
		outs[n_out++] = (struct relay_out){.src = io->err_pipe, .dst = io->err_fd};

	int status = 0, user_in = in_fd;
	/* A child that exited before SIGCHLD was blocked sent its signal to nobody. */
	bool done = waitpid(child, &status, WNOHANG) == child;
	while (!done) {
		struct pollfd pfd[5] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = master >= 0 ? in_fd : -1, .events = POLLIN},
		};
		for (size_t i = 0; i < n_out; i++)
			pfd[2 + i] = (struct pollfd){.fd = outs[i].src, .events = POLLIN};
		if (poll(pfd, 2 + n_out, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char buf[8192];
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(in_fd, buf, sizeof(buf));
			if (n > 0)
				write_all(master, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				in_fd = -1; /* the user's input ended; the command keeps its tty */
		}
		for (size_t i = 0; i < n_out; i++)
			if ((pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !copy_out(&outs[i], io->log_fd)) {
				/* every slave closed (EIO) or the pipe's writers: wait for the child alone */
				if (outs[i].src == master)
					master = -1;
				outs[i].src = -1;
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
	drain(outs, n_out, io->log_fd);
	if (raw)
		tcsetattr(user_in, TCSANOW, &saved);
	if (sfd >= 0)
		close(sfd);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
