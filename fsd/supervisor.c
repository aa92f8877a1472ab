/* SPDX-License-Identifier: MIT */
/*
 * The supervisor (see supervisor.h). It never serves a request: it opens
 * /dev/fuse, mounts, reads the connection's INIT request (the one request a
 * connection gets once), and hands the fd and that request to a worker
 * process (exec'd with the fd inherited), which replays the INIT into its
 * libfuse session and serves. Since the supervisor keeps its fd, a worker's
 * death does not end the connection: requests wait in the kernel's queue
 * until the next worker reads them.
 *
 * A request a dying worker had read and not answered stays in the kernel's
 * "processing" list of the /dev/fuse file it was read from. Kernels from 6.9
 * (FUSE_HAS_RESEND in INIT's flags) put them back in the queue on
 * FUSE_NOTIFY_RESEND: the supervisor sends it when a worker dies, and the
 * next worker answers them. Older kernels cannot: such a request would wait
 * for an answer forever, its reader unkillable (D state). There the worker
 * reads from a clone of the fd (FUSE_DEV_IOC_CLONE) that only it holds, so at
 * its death the kernel ends those requests with ECONNABORTED: those few
 * readers (the requests in flight at that instant) get an error, never a hang.
 *
 * A reply is taken only on the /dev/fuse file its request was read from (the
 * kernel answers ENOENT on any other). So INIT is read from a clone made for
 * it (init_fd), which the first worker then serves from: on a kernel without
 * RESEND its own clone must carry INIT's reply, or the connection is never
 * initialised and every reader waits. The supervisor keeps init_fd until a
 * worker serves (a worker dying before it answered leaves INIT to the next
 * one), and for good where RESEND replays lost requests (so the first
 * worker's death does not end its requests before they are replayed).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "hutch/util.h"
#include "mountpoint.h"
#include "supervisor.h"

#ifndef FUSE_NOTIFY_RESEND
#define FUSE_NOTIFY_RESEND 7 /* Linux 6.9 */
#endif
#define HAS_RESEND_FLAG	 (1ull << 39) /* FUSE_HAS_RESEND, in INIT's flags2 */
#define INIT_EXT_FLAG	 (1u << 30)   /* FUSE_INIT_EXT: flags2 is there */
#define READ_BUF	 (1u << 20)
#define MAX_INIT	 512
#define READY_TIMEOUT_NS (10 * 1000000000ull)
#define STOP_TIMEOUT_NS	 (10 * 1000000000ull)
#define FD_NAME		 "hutch-fsd-fuse"
#define INIT_FD_NAME	 "hutch-fsd-init"
/* sysinfo's agent through a `systemctl restart`: its socket, in-flight page, listeners. */
#define AGENT_SOCK_FD_NAME "hutch-fsd-agent-sock"
#define AGENT_MEM_FD_NAME  "hutch-fsd-agent-mem"
#define AGENT_FD_NAME	   "hutch-fsd-agent"

struct sup {
	const struct fsd_supervisor_options *o;
	int fuse_fd;
	int init_fd; /* the clone INIT was read from, until a worker answered it (see top); -1 */
	unsigned char init[MAX_INIT];
	size_t init_len;
	bool resend; /* the kernel replays lost requests on FUSE_NOTIFY_RESEND */

	pid_t worker;	    /* serving, or starting (ready_rd open) */
	int ready_rd;	    /* the starting worker's pipe; -1 once it serves */
	uint64_t worker_at; /* when it was started */
	pid_t retiring;	    /* the one before an upgrade: stopped once the new one serves */
	unsigned quick_deaths;
	uint64_t respawn_at; /* a worker to start then (after quick deaths); 0 none */

	int sfd, ctl;
	int reply_fd;	/* an --upgrade waiting for its answer; -1 */
	bool fd_stored; /* systemd keeps the connection (FDSTORE) */
	bool ready_told;
	bool stopping, handover;
	uint64_t stop_at;
	struct fsd_agent_keep keep; /* sysinfo's seccomp listeners (fsd/agent.c) */
};

static void hex_encode(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_val(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int fsd_hex_decode(const char *hex, unsigned char *buf, size_t size, size_t *ret_len)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > size)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		buf[i] = (unsigned char)(hi << 4 | lo);
	}
	*ret_len = n / 2;
	return 0;
}

/* The kernel's INIT request: FUSE_HAS_RESEND says whether it replays lost requests. */
static int parse_init(struct sup *s)
{
	const struct fuse_in_header *h = (const void *)s->init;
	if (s->init_len < sizeof(*h) + 16 || h->opcode != FUSE_INIT)
		return -EPROTO;
	const uint32_t *arg =
		(const void *)(h + 1); /* major, minor, max_readahead, flags, flags2 */
	uint64_t flags = arg[3];
	if ((flags & INIT_EXT_FLAG) && s->init_len >= sizeof(*h) + 20)
		flags |= (uint64_t)arg[4] << 32;
	s->resend = (flags & HAS_RESEND_FLAG) != 0;
	return 0;
}

/* sd_notify(3)'s protocol, with fds: a datagram to $NOTIFY_SOCKET. 0 when not under systemd. */
static int sd_notify_fds(const char *msg, const int *fds, size_t n_fds)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = strlen(msg)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} c = {0};
	struct msghdr mh = {
		.msg_name = &sa,
		.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	if (n_fds && n_fds <= 4) {
		mh.msg_control = c.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	ssize_t r = sendmsg(fd, &mh, MSG_NOSIGNAL);
	int e = errno;
	close(fd);
	return r < 0 ? -e : 1;
}

/* Gives systemd the connection and its INIT, so `systemctl restart` keeps the mount. */
static void store_in_systemd(struct sup *s)
{
	int mfd = memfd_create(INIT_FD_NAME, MFD_CLOEXEC);
	if (mfd < 0 || write(mfd, s->init, s->init_len) != (ssize_t)s->init_len) {
		if (mfd >= 0)
			close(mfd);
		return;
	}
	int r = sd_notify_fds("FDSTORE=1\nFDNAME=" FD_NAME, &s->fuse_fd, 1);
	if (r > 0)
		r = sd_notify_fds("FDSTORE=1\nFDNAME=" INIT_FD_NAME, &mfd, 1);
	close(mfd);
	if (r > 0) {
		s->fd_stored = true;
		log_info("systemd keeps the connection (FDSTORE): a restart resumes it");
	} else if (r < 0) {
		log_warn("cannot store the connection in systemd: %s", strerror(-r));
	}
}

/*
 * At a `systemctl restart`: sysinfo's socket, page and listeners into the fd
 * store too, so containers' sysinfo calls wait for the next instance (not
 * ENOSYS: a listener nobody holds). systemd drops a listener whose
 * containers ended (it polls stored fds for POLLHUP). The next instance takes
 * them out again (take_agent_from_systemd).
 */
static void store_agent_in_systemd(struct sup *s)
{
	struct fsd_agent_keep *k = &s->keep;
	int r = 1;
	if (k->sock >= 0)
		r = sd_notify_fds("FDSTORE=1\nFDNAME=" AGENT_SOCK_FD_NAME, &k->sock, 1);
	if (r > 0 && k->mem >= 0)
		r = sd_notify_fds("FDSTORE=1\nFDNAME=" AGENT_MEM_FD_NAME, &k->mem, 1);
	size_t stored = 0;
	for (size_t i = 0; r > 0 && i < k->n_fds; i += 4) {
		size_t n = k->n_fds - i < 4 ? k->n_fds - i : 4;
		r = sd_notify_fds("FDSTORE=1\nFDNAME=" AGENT_FD_NAME, k->fds + i, n);
		if (r > 0)
			stored += n;
	}
	if (r < 0)
		log_warn("sysinfo agent: store in systemd: %s; %zu of %zu listeners stored "
			 "(sysinfo fails with ENOSYS in the other containers)",
			 strerror(-r), stored, k->n_fds);
	else
		log_info("sysinfo agent: %zu listeners wait in systemd's fd store", stored);
}

/* The agent's fds among systemd's ($LISTEN_FDS): handed to fsd_agent_keep_open. */
struct agent_fds {
	int sock, mem;
	char *list; /* "FD,FD,..." */
	size_t len, cap;
};

static bool take_agent_fd(struct agent_fds *a, const char *name, int fd)
{
	if (strcmp(name, AGENT_SOCK_FD_NAME) == 0 && a->sock < 0)
		a->sock = fd;
	else if (strcmp(name, AGENT_MEM_FD_NAME) == 0 && a->mem < 0)
		a->mem = fd;
	else if (strcmp(name, AGENT_FD_NAME) == 0) {
		if (a->len + 16 > a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 256;
			char *l = realloc(a->list, cap);
			if (!l)
				return false;
			a->list = l;
			a->cap = cap;
		}
		a->len += (size_t)snprintf(a->list + a->len, a->cap - a->len, "%s%d",
					   a->len ? "," : "", fd);
	} else {
		return false;
	}
	return true;
}

static void take_agent_from_systemd(struct agent_fds *a)
{
	if (a->sock >= 0) {
		char *env = NULL;
		if (asprintf(&env, "%d:%d:-1:%s", a->sock, a->mem, a->list ? a->list : "") > 0)
			setenv(FSD_AGENT_ENV, env, 1);
		free(env);
	}
	free(a->list);
	/* Ours now: systemd must not hold listeners nobody answers after a stop. */
	sd_notify_fds("FDSTOREREMOVE=1\nFDNAME=" AGENT_SOCK_FD_NAME, NULL, 0);
	sd_notify_fds("FDSTOREREMOVE=1\nFDNAME=" AGENT_MEM_FD_NAME, NULL, 0);
	sd_notify_fds("FDSTOREREMOVE=1\nFDNAME=" AGENT_FD_NAME, NULL, 0);
}

/* The connection from systemd's fd store ($LISTEN_FDS), after a `systemctl restart`. */
static bool take_from_systemd(struct sup *s)
{
	const char *pid = getenv("LISTEN_PID"), *nfds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	uint64_t p, n;
	if (!pid || !nfds || !names || hutch_parse_u64(pid, &p) < 0 || p != (uint64_t)getpid() ||
	    hutch_parse_u64(nfds, &n) < 0)
		return false;
	int fuse_fd = -1, init_fd = -1;
	struct agent_fds agent = {.sock = -1, .mem = -1};
	_cleanup_free_ char *list = strdup(names);
	char *save = NULL, *name = list ? strtok_r(list, ":", &save) : NULL;
	for (int fd = 3; name && fd < 3 + (int)n; fd++, name = strtok_r(NULL, ":", &save)) {
		if (strcmp(name, FD_NAME) == 0 && fuse_fd < 0)
			fuse_fd = fd;
		else if (strcmp(name, INIT_FD_NAME) == 0 && init_fd < 0)
			init_fd = fd;
		else if (!take_agent_fd(&agent, name, fd))
			close(fd);
	}
	take_agent_from_systemd(&agent);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	ssize_t len = init_fd >= 0 ? pread(init_fd, s->init, sizeof(s->init), 0) : -1;
	if (init_fd >= 0)
		close(init_fd);
	if (fuse_fd < 0 || len <= 0) {
		if (fuse_fd >= 0)
			close(fuse_fd);
		return false;
	}
	s->init_len = (size_t)len;
	s->fuse_fd = fuse_fd;
	fcntl(fuse_fd, F_SETFD, FD_CLOEXEC);
	s->fd_stored = true;
	return parse_init(s) == 0;
}

/* A new /dev/fuse file on the connection of fd (FUSE_DEV_IOC_CLONE), or -errno. */
static int clone_fuse_fd(int fd)
{
	int c = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (c < 0)
		return -errno;
	uint32_t src = (uint32_t)fd;
	if (ioctl(c, FUSE_DEV_IOC_CLONE, &src) < 0) {
		int e = errno;
		close(c);
		return -e;
	}
	return c;
}

/* Mounts a new connection at the mount point and reads its INIT request. */
static int mount_fresh(struct sup *s)
{
	s->fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (s->fuse_fd < 0) {
		log_error("open /dev/fuse: %s", strerror(errno));
		return -errno;
	}
	char opts[128];
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 s->fuse_fd);
	if (mount("hutch-fsd", s->o->mountpoint, "fuse.hutch-fsd", MS_NOSUID | MS_NODEV, opts) <
	    0) {
		int e = errno;
		log_error("mount FUSE at %s: %s", s->o->mountpoint, strerror(e));
		return -e;
	}
	s->init_fd = clone_fuse_fd(s->fuse_fd);
	if (s->init_fd < 0) {
		log_warn("clone the FUSE fd: %s; INIT is read from the connection's own",
			 strerror(-s->init_fd));
		s->init_fd = -1;
	}
	_cleanup_free_ unsigned char *buf = malloc(READ_BUF);
	ssize_t n;
	do
		n = buf ? read(s->init_fd >= 0 ? s->init_fd : s->fuse_fd, buf, READ_BUF) : -1;
	while (n < 0 && (errno == EINTR || errno == ENOENT));
	if (n <= 0 || (size_t)n > sizeof(s->init)) {
		log_error("no INIT request from the kernel: %s", n < 0 ? strerror(errno) : "size");
		umount2(s->o->mountpoint, MNT_DETACH);
		return -EPROTO;
	}
	memcpy(s->init, buf, (size_t)n);
	s->init_len = (size_t)n;
	if (parse_init(s) < 0) {
		log_error("the first request is not INIT");
		umount2(s->o->mountpoint, MNT_DETACH);
		return -EPROTO;
	}
	return 0;
}

/*
 * The fd a new worker reads from (see top): the file INIT came from while
 * INIT may be unanswered; else the connection's own where RESEND replays lost
 * requests, or a clone only it holds.
 */
static int worker_fd(struct sup *s)
{
	if (s->init_fd >= 0)
		return dup(s->init_fd);
	if (s->resend)
		return dup(s->fuse_fd);
	int fd = clone_fuse_fd(s->fuse_fd);
	if (fd < 0) {
		log_warn("clone the FUSE fd: %s; the worker shares the supervisor's",
			 strerror(-fd));
		return dup(s->fuse_fd);
	}
	return fd;
}

static void start_worker(struct sup *s)
{
	s->respawn_at = 0;
	int fd = worker_fd(s);
	int pfd[2];
	if (fd < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		log_error("start a worker: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		s->respawn_at = hutch_now_ns() + 1000000000ull;
		return;
	}
	char a_fd[32], a_ready[32], a_init[16 + 2 * MAX_INIT];
	snprintf(a_fd, sizeof(a_fd), "--fuse-fd=%d", fd);
	snprintf(a_ready, sizeof(a_ready), "--ready-fd=%d", pfd[1]);
	strcpy(a_init, "--init=");
	hex_encode(s->init, s->init_len, a_init + strlen(a_init));
	size_t n_pass = 0;
	while (s->o->pass_args[n_pass])
		n_pass++;
	char **argv = calloc(n_pass + 7, sizeof(*argv));
	if (!argv) {
		close(fd);
		close(pfd[0]);
		close(pfd[1]);
		s->respawn_at = hutch_now_ns() + 1000000000ull;
		return;
	}
	int chan_child, chan = fsd_agent_keep_channel(&s->keep, &chan_child);
	size_t k = 0;
	argv[k++] = (char *)s->o->exe;
	argv[k++] = (char *)"--worker";
	argv[k++] = a_fd;
	argv[k++] = a_ready;
	argv[k++] = a_init;
	for (size_t i = 0; i < n_pass; i++)
		argv[k++] = s->o->pass_args[i];
	argv[k++] = (char *)s->o->mountpoint;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fcntl(fd, F_SETFD, 0);
		fcntl(pfd[1], F_SETFD, 0);
		fsd_agent_keep_export(&s->keep, chan_child);
		execv(s->o->exe, argv);
		_exit(127);
	}
	free(argv);
	if (chan_child >= 0)
		close(chan_child);
	if (pid > 0)
		fsd_agent_keep_worker(&s->keep, pid, chan);
	else if (chan >= 0)
		close(chan);
	close(fd); /* a clone's last holder is the worker: its death ends its requests */
	close(pfd[1]);
	if (pid < 0) {
		log_error("fork a worker: %s", strerror(errno));
		close(pfd[0]);
		s->respawn_at = hutch_now_ns() + 1000000000ull;
		return;
	}
	s->worker = pid;
	s->ready_rd = pfd[0];
	s->worker_at = hutch_now_ns();
	log_info("worker %d starting (%s)", (int)pid, s->o->exe);
}

/* What a dead worker had read and not answered goes back to the queue (Linux 6.9+). */
static void resend_lost(struct sup *s)
{
	if (!s->resend)
		return;
	struct fuse_out_header h = {.len = sizeof(h), .error = FUSE_NOTIFY_RESEND, .unique = 0};
	if (write(s->fuse_fd, &h, sizeof(h)) != sizeof(h))
		log_warn("FUSE_NOTIFY_RESEND: %s", strerror(errno));
	else
		log_info("the requests the dead worker had not answered are queued again "
			 "(FUSE_NOTIFY_RESEND)");
}

static void reply(struct sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(struct sup *s, const char *fmt, ...)
{
	if (s->reply_fd < 0)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && send(s->reply_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1,
			  MSG_NOSIGNAL) < 0)
		log_debug("answer --upgrade: %s", strerror(errno));
	close(s->reply_fd);
	s->reply_fd = -1;
}

static const char *describe(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

static void worker_ready(struct sup *s)
{
	char c;
	ssize_t n = read(s->ready_rd, &c, 1);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* Closed without a word: it is dying; its exit says the rest. */
		close(s->ready_rd);
		s->ready_rd = -1;
		return;
	}
	if (n < 0)
		return;
	close(s->ready_rd);
	s->ready_rd = -1;
	log_info("worker %d serves", (int)s->worker);
	if (s->init_fd >= 0 && !s->resend) {
		/* INIT is answered: the worker is its clone's last holder now (see top). */
		close(s->init_fd);
		s->init_fd = -1;
	}
	if (s->retiring > 0) {
		uint64_t ms = (hutch_now_ns() - s->worker_at) / 1000000;
		log_info("upgrade: worker %d stops after answering what it read", (int)s->retiring);
		kill(s->retiring, SIGTERM);
		reply(s, "ok: worker %d serves (started in %llu ms); worker %d drains\n",
		      (int)s->worker, (unsigned long long)ms, (int)s->retiring);
	}
	if (!s->ready_told) {
		s->ready_told = true;
		sd_notify_fds("READY=1", NULL, 0);
	}
}

static void reap(struct sup *s)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		char what[96];
		fsd_agent_keep_worker_gone(&s->keep, pid);
		bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (pid == s->retiring) {
			s->retiring = 0;
			if (clean) {
				log_info("worker %d (the one before) drained and exited", (int)pid);
			} else {
				log_warn("worker %d (the one before) %s", (int)pid,
					 describe(status, what, sizeof(what)));
				resend_lost(s);
			}
			continue;
		}
		if (pid != s->worker)
			continue;
		s->worker = 0;
		bool served = s->ready_rd < 0;
		if (s->ready_rd >= 0) {
			close(s->ready_rd);
			s->ready_rd = -1;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == FSD_EXIT_CONNECTION_GONE) {
			log_info("worker %d: the connection ended (unmounted): stopping", (int)pid);
			s->stopping = true;
			continue;
		}
		if (!clean || !s->stopping)
			log_warn("worker %d %s", (int)pid, describe(status, what, sizeof(what)));
		if (!clean)
			resend_lost(s);
		if (s->stopping)
			continue;
		if (s->retiring > 0 && s->reply_fd >= 0) {
			/* The upgrade's new worker died before it served: keep the old one. */
			reply(s, "error: the new worker %s; worker %d keeps serving\n",
			      describe(status, what, sizeof(what)), (int)s->retiring);
			s->worker = s->retiring;
			s->retiring = 0;
			continue;
		}
		/* Dying before serving again and again (a broken binary): slow down. */
		if (!served)
			s->quick_deaths++;
		else
			s->quick_deaths = 0;
		if (s->quick_deaths >= 5)
			s->respawn_at = hutch_now_ns() + 1000000000ull;
		else
			start_worker(s);
	}
}

/* The abstract socket `hutch-fsd --upgrade` talks to, named after the mount point. */
static int ctl_address(const char *mountpoint, struct sockaddr_un *sa, socklen_t *len)
{
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	int n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "hutch-fsd:%s", mountpoint);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path) - 1)
		return -ENAMETOOLONG;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	return 0;
}

static int ctl_listen(const char *mountpoint)
{
	struct sockaddr_un sa;
	socklen_t len;
	if (ctl_address(mountpoint, &sa, &len) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* Right after an upgrade's exec, the old image's socket may linger a moment. */
	for (int i = 0; i < 50; i++) {
		if (bind(fd, (struct sockaddr *)&sa, len) == 0 && listen(fd, 8) == 0)
			return fd;
		if (errno != EADDRINUSE)
			break;
		usleep(10000);
	}
	log_warn("control socket for --upgrade: %s (SIGHUP still upgrades)", strerror(errno));
	close(fd);
	return -1;
}

static void upgrade(struct sup *s);

static void ctl_accept(struct sup *s)
{
	int c = accept4(s->ctl, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	struct timeval tv = {.tv_sec = 1};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[64] = {0};
	ssize_t n = recv(c, buf, sizeof(buf) - 1, 0);
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 || cr.uid != 0 || n <= 0) {
		close(c);
		return;
	}
	if (strncmp(buf, "upgrade", 7) != 0) {
		dprintf(c, "error: unknown command\n");
		close(c);
		return;
	}
	if (s->reply_fd >= 0 || s->retiring > 0 || s->ready_rd >= 0 || s->stopping) {
		dprintf(c, "error: busy (a worker is starting or stopping); try again\n");
		close(c);
		return;
	}
	s->reply_fd = c;
	upgrade(s);
}

/*
 * Replaces this process's program with the one at exe (the new version after
 * a package upgrade), keeping the connection, the running worker (still our
 * child) and an --upgrade client waiting: the new image starts a new worker
 * and stops this one once the new one serves (fsd_supervise's resume).
 */
static void upgrade(struct sup *s)
{
	if (s->retiring > 0 || s->ready_rd >= 0 || s->stopping) {
		log_info("upgrade: a worker is starting or stopping; ignored");
		return;
	}
	char resume[64 + 2 * MAX_INIT];
	int n = snprintf(resume, sizeof(resume), "--resume=%d:%d:%d:", s->fuse_fd, (int)s->worker,
			 s->reply_fd);
	hex_encode(s->init, s->init_len, resume + n);
	size_t n_pass = 0;
	while (s->o->pass_args[n_pass])
		n_pass++;
	char **argv = calloc(n_pass + 4, sizeof(*argv));
	if (!argv) {
		reply(s, "error: out of memory\n");
		return;
	}
	size_t k = 0;
	argv[k++] = (char *)s->o->exe;
	for (size_t i = 0; i < n_pass; i++)
		argv[k++] = s->o->pass_args[i];
	argv[k++] = resume;
	argv[k++] = (char *)s->o->mountpoint;
	log_info("upgrade: exec %s (the connection and worker %d stay)", s->o->exe, (int)s->worker);
	fcntl(s->fuse_fd, F_SETFD, 0);
	if (s->reply_fd >= 0)
		fcntl(s->reply_fd, F_SETFD, 0);
	fsd_agent_keep_export(&s->keep, -1);
	/* The signal mask (every signal we take blocked) stays across exec: none is lost. */
	execv(s->o->exe, argv);
	int e = errno;
	free(argv);
	fsd_agent_keep_unexport(&s->keep);
	fcntl(s->fuse_fd, F_SETFD, FD_CLOEXEC);
	if (s->reply_fd >= 0)
		fcntl(s->reply_fd, F_SETFD, FD_CLOEXEC);
	log_error("upgrade: exec %s: %s; the running worker keeps serving", s->o->exe, strerror(e));
	reply(s, "error: exec %s: %s\n", s->o->exe, strerror(e));
}

static int resume_from_exec(struct sup *s)
{
	int fd, reply_fd, pid;
	int off = 0;
	if (sscanf(s->o->resume, "%d:%d:%d:%n", &fd, &pid, &reply_fd, &off) != 3 || off <= 0 ||
	    fsd_hex_decode(s->o->resume + off, s->init, sizeof(s->init), &s->init_len) < 0 ||
	    fcntl(fd, F_GETFD) < 0)
		return -EINVAL;
	s->fuse_fd = fd;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	s->retiring = pid > 0 && kill(pid, 0) == 0 ? pid : 0;
	if (reply_fd >= 0 && fcntl(reply_fd, F_SETFD, FD_CLOEXEC) == 0)
		s->reply_fd = reply_fd;
	s->ready_told = true;
	if (getenv("NOTIFY_SOCKET"))
		s->fd_stored = true; /* stored by the image before */
	return parse_init(s);
}

static void begin_stop(struct sup *s, bool handover)
{
	if (s->stopping && !handover)
		return;
	s->stopping = true;
	s->handover = handover;
	s->stop_at = hutch_now_ns();
	if (s->worker > 0)
		kill(s->worker, SIGTERM);
	if (s->retiring > 0)
		kill(s->retiring, SIGTERM);
}

static void on_signal(struct sup *s, const struct signalfd_siginfo *si)
{
	switch (si->ssi_signo) {
	case SIGCHLD:
		reap(s);
		break;
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		log_info("signal %d: stopping; unmounting %s", (int)si->ssi_signo,
			 s->o->mountpoint);
		begin_stop(s, false);
		break;
	case SIGHUP:
	case SIGUSR1:
		log_info("signal %d: upgrading in place", (int)si->ssi_signo);
		upgrade(s);
		break;
	case SIGUSR2:
		if (s->fd_stored) {
			/* systemd's RestartKillSignal: the next instance takes the connection. */
			log_info("SIGUSR2: stopping for a restart; systemd keeps the connection");
			begin_stop(s, true);
		} else {
			log_info("SIGUSR2: worker %d serves %s%s", (int)s->worker, s->o->mountpoint,
				 s->resend ? " (lost requests resent)" : "");
		}
		break;
	default:
		break;
	}
}

/* Signals the supervisor takes (signalfd), and those it ignores: no signal kills it uncleanly. */
static const int taken[] = {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2};
static const int ignored[] = {SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF, SIGIO,   SIGXCPU,
			      SIGXFSZ, SIGPWR,	SIGTTIN,   SIGTTOU, SIGTSTP, SIGSTKFLT};

static int setup_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(taken); i++)
		sigaddset(&set, taken[i]);
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		signal(ignored[i], SIG_IGN);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		signal(sig, SIG_IGN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void finish_stop(struct sup *s)
{
	if (s->handover) {
		store_agent_in_systemd(s);
		fsd_agent_keep_close(&s->keep, false);
	} else
		fsd_agent_keep_leave(&s->keep, s->o->exe, s->o->mountpoint);
	if (s->handover) {
		log_info("stopped; the connection waits in systemd's fd store");
		return;
	}
	if (s->fd_stored) {
		sd_notify_fds("FDSTOREREMOVE=1\nFDNAME=" FD_NAME, NULL, 0);
		sd_notify_fds("FDSTOREREMOVE=1\nFDNAME=" INIT_FD_NAME, NULL, 0);
	}
	/* Unmounted by us (not by someone before us): the guard takes its place. */
	bool ours = umount2(s->o->mountpoint, 0) == 0;
	if (!ours && errno != EINVAL && errno != ENOENT) {
		ours = umount2(s->o->mountpoint, MNT_DETACH) == 0;
		if (!ours)
			log_warn("unmount %s: %s", s->o->mountpoint, strerror(errno));
	}
	if (ours)
		fsd_mountpoint_guard(s->o->mountpoint);
	if (s->init_fd >= 0)
		close(s->init_fd);
	close(s->fuse_fd);
	log_info("stopped");
}

int fsd_supervise(const struct fsd_supervisor_options *o)
{
	struct sup s = {
		.o = o, .fuse_fd = -1, .init_fd = -1, .ready_rd = -1, .ctl = -1, .reply_fd = -1};
	s.sfd = setup_signals();
	if (s.sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	if (o->resume) {
		if (resume_from_exec(&s) < 0) {
			log_error("--resume: not what an upgrade passes");
			return EXIT_FAILURE;
		}
		if (s.retiring > 0)
			log_info("upgraded: this is %s; worker %d serves until a new one does",
				 o->exe, (int)s.retiring);
		else
			log_info("supervising %s again (%s), after the supervisor before died",
				 o->mountpoint, o->exe);
	} else if (take_from_systemd(&s)) {
		log_info("restarted: the connection at %s from systemd's fd store", o->mountpoint);
	} else {
		if (mount_fresh(&s) < 0)
			return EXIT_FAILURE;
		log_info("mounted %s; lost requests after a crash are %s", o->mountpoint,
			 s.resend ? "resent (FUSE_NOTIFY_RESEND)"
				  : "failed with ECONNABORTED (no FUSE_NOTIFY_RESEND before Linux "
				    "6.9)");
		store_in_systemd(&s);
	}
	s.ctl = ctl_listen(o->mountpoint);
	fsd_agent_keep_open(&s.keep, o->mountpoint);
	start_worker(&s);

	for (;;) {
		if (s.stopping && s.worker <= 0 && s.retiring <= 0)
			break;
		uint64_t now = hutch_now_ns();
		if (!s.stopping && s.worker <= 0 && s.respawn_at && now >= s.respawn_at)
			start_worker(&s);
		if (s.ready_rd >= 0 && now - s.worker_at > READY_TIMEOUT_NS) {
			log_warn("worker %d did not start serving in 10 s: killing it",
				 (int)s.worker);
			kill(s.worker, SIGKILL);
			close(s.ready_rd);
			s.ready_rd = -1;
		}
		if (s.stopping && now - s.stop_at > STOP_TIMEOUT_NS) {
			if (s.worker > 0)
				kill(s.worker, SIGKILL);
			if (s.retiring > 0)
				kill(s.retiring, SIGKILL);
		}
		/*
		 * Not the FUSE fd: a poll of it sleeps on the connection's request
		 * queue, and every request would wake us. The connection's end is
		 * looked at after each wakeup instead (a worker exits on it, the
		 * timeout bounds the rest).
		 */
		struct pollfd p[5 + FSD_AGENT_MAX_PENDING] = {
			{.fd = s.sfd, .events = POLLIN},
			{.fd = s.ctl, .events = POLLIN},
			{.fd = s.ready_rd, .events = POLLIN},
			{.fd = -1},
		};
		size_t n_agent = fsd_agent_keep_pollfds(&s.keep, p + 4);
		if (poll(p, 4 + n_agent, 200) < 0 && errno != EINTR)
			break;
		fsd_agent_keep_events(&s.keep, p + 4, n_agent);
		/* POLLERR: the connection was aborted (or unmounted). */
		p[3] = (struct pollfd){.fd = s.fuse_fd, .events = 0};
		if (poll(&p[3], 1, 0) < 0)
			p[3].revents = 0;
		if (p[0].revents) {
			struct signalfd_siginfo si;
			while (read(s.sfd, &si, sizeof(si)) == sizeof(si))
				on_signal(&s, &si);
		}
		if (p[2].revents && s.ready_rd >= 0)
			worker_ready(&s);
		if (p[1].revents)
			ctl_accept(&s);
		if ((p[3].revents & (POLLERR | POLLHUP)) && !s.stopping) {
			log_info("the connection at %s ended (unmounted or aborted): stopping",
				 o->mountpoint);
			begin_stop(&s, false);
		}
	}
	if (s.reply_fd >= 0)
		reply(&s, "error: stopping\n");
	finish_stop(&s);
	return 0;
}

int fsd_upgrade_request(const char *mountpoint)
{
	struct sockaddr_un sa;
	socklen_t len;
	if (ctl_address(mountpoint, &sa, &len) < 0) {
		fprintf(stderr, "hutch-fsd: mount point path too long: %s\n", mountpoint);
		return EXIT_FAILURE;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len) < 0) {
		fprintf(stderr, "hutch-fsd: no hutch-fsd serves %s (%s)\n", mountpoint,
			strerror(errno));
		return EXIT_FAILURE;
	}
	struct timeval tv = {.tv_sec = 30};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[512];
	ssize_t n = -1;
	if (send(fd, "upgrade\n", 8, MSG_NOSIGNAL) == 8)
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "hutch-fsd: no answer from the supervisor of %s\n", mountpoint);
		return EXIT_FAILURE;
	}
	buf[n] = '\0';
	fputs(buf, strncmp(buf, "ok", 2) == 0 ? stdout : stderr);
	return strncmp(buf, "ok", 2) == 0 ? 0 : EXIT_FAILURE;
}
