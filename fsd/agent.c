/* SPDX-License-Identifier: MIT */
/*
 * sysinfo(2) through seccomp user notification: the supervisor keeps the
 * agent socket and the listeners, workers answer. See agent.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "hutch/util.h"

#define ENV_NAME    FSD_AGENT_ENV
#define N_SLOTS	    64
#define MSG_MAX	    65536
#define MAX_FDS	    32
#define RESCUE_MS   250 /* how often a worker looks for a dead worker's call */
#define RESCUE_SCAN 256 /* ids after a dead worker's last call where a lost one is looked for */

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#define NATIVE_ARCH 0 /* not virtualized here: the kernel answers */
#endif

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/*
 * A worker's call in flight, in the supervisor's memfd page: a live worker
 * answers it when the worker dies. While receiving is set (from before RECV
 * until the call's id is stored), a SIGKILL may have ended the worker after
 * the kernel gave it a call whose id it never stored (the kill takes effect
 * on the way back from the ioctl, which on a loaded machine can wait long for
 * a CPU); id is then the last call it took, where the rescue looks for it
 * (notification ids count up per listener). The layout is the one before
 * (the page outlives an upgrade's exec): receiving was padding, always 0.
 */
struct slot {
	_Atomic int32_t pid;
	_Atomic uint32_t receiving;
	_Atomic uint64_t id;
};

static bool is_listener(int fd)
{
	char link[64], target[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:seccomp notify") == 0;
}

static int add_fd(int **fds, size_t *n, size_t *cap, int fd)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		int *f = realloc(*fds, c * sizeof(*f));
		if (!f)
			return -ENOMEM;
		*fds = f;
		*cap = c;
	}
	(*fds)[(*n)++] = fd;
	return 0;
}

/* Up to MAX_FDS fds from a message on sock; its first bytes in data (NUL-terminated). */
static ssize_t recv_fds(int sock, int *fds, size_t *n_fds, char *data, size_t size)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = data, .iov_len = size - 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	*n_fds = 0;
	data[0] = '\0';
	ssize_t r = recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (r < 0)
		return -errno;
	data[r] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const int *got = (const int *)CMSG_DATA(c);
		for (size_t i = 0; i < k; i++) {
			if (*n_fds < MAX_FDS)
				fds[(*n_fds)++] = got[i];
			else
				close(got[i]);
		}
	}
	return r;
}

/* n (at most MAX_FDS) fds in one message. */
static int send_fds(int sock, const int *fds, size_t n, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	char byte = 'L';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &m, flags | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int send_fd(int sock, int fd)
{
	return send_fds(sock, &fd, 1, MSG_DONTWAIT);
}

/* ---- the supervisor's side ---- */

static void set_cloexec(int fd, bool on)
{
	if (fd >= 0)
		fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

static bool valid_fd(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* The keeper's end: every listener to the hutch-fsd that starts, then exit. */
static void __attribute__((noreturn)) hand_over(struct fsd_agent_keep *k, int c)
{
	int fl = fcntl(c, F_GETFL);
	fcntl(c, F_SETFL, fl & ~O_NONBLOCK);
	for (size_t i = 0; i < k->n_fds; i += MAX_FDS) {
		size_t n = k->n_fds - i < MAX_FDS ? k->n_fds - i : MAX_FDS;
		if (send_fds(c, k->fds + i, n, 0) < 0)
			log_warn("sysinfo agent: hand the listeners over: %s", strerror(errno));
	}
	log_info("sysinfo agent: %zu listeners handed to the hutch-fsd that started", k->n_fds);
	exit(0);
}

/* A keeper left by a hutch-fsd that stopped (fsd_agent_keeper_main): its listeners become ours. */
static void take_from_keeper(struct fsd_agent_keep *k, const struct sockaddr_un *sa)
{
	_cleanup_close_ int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    send(c, "takeover", 8, MSG_NOSIGNAL) != 8)
		return;
	size_t before = k->n_fds;
	for (;;) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		if (poll(&p, 1, 2000) <= 0)
			break;
		int fds[MAX_FDS];
		size_t n;
		char byte[8];
		ssize_t r = recv_fds(c, fds, &n, byte, sizeof(byte));
		for (size_t i = 0; i < n; i++)
			if (!is_listener(fds[i]) || add_fd(&k->fds, &k->n_fds, &k->cap, fds[i]) < 0)
				close(fds[i]);
		if (r <= 0 && r != -EAGAIN && r != -EINTR)
			break;
	}
	log_info("sysinfo agent: %zu listeners taken from the keeper of the hutch-fsd before",
		 k->n_fds - before);
}

/* After an upgrade's exec: the socket, page and listeners the image before kept. */
static bool adopt(struct fsd_agent_keep *k, const char *env)
{
	int sock, mem, chan, off = 0;
	if (sscanf(env, "%d:%d:%d:%n", &sock, &mem, &chan, &off) != 3 || off <= 0)
		return false;
	k->sock = valid_fd(sock) ? sock : -1;
	k->mem = valid_fd(mem) ? mem : -1;
	set_cloexec(k->sock, true);
	set_cloexec(k->mem, true);
	for (const char *p = env + off; *p;) {
		char *end;
		long fd = strtol(p, &end, 10);
		if (end == p)
			break;
		if (valid_fd((int)fd) && add_fd(&k->fds, &k->n_fds, &k->cap, (int)fd) == 0)
			set_cloexec((int)fd, true);
		p = *end == ',' ? end + 1 : end;
	}
	return true;
}

void fsd_agent_keep_open(struct fsd_agent_keep *k, const char *mountpoint)
{
	memset(k, 0, sizeof(*k));
	k->sock = k->mem = -1;
	for (size_t i = 0; i < FSD_AGENT_MAX_PENDING; i++)
		k->pending[i].fd = -1;
	for (size_t i = 0; i < FSD_AGENT_MAX_CHANS; i++)
		k->chans[i].fd = -1;
	int n = snprintf(k->path, sizeof(k->path), "%s%s", mountpoint, FSD_AGENT_SUFFIX);
	bool path_ok = n > 0 && (size_t)n < sizeof(k->path);
	/* Each container's listener is one fd here. */
	hutch_raise_nofile(0);
	const char *env = getenv(ENV_NAME);
	if (env) {
		bool ok = adopt(k, env);
		unsetenv(ENV_NAME);
		if (ok)
			log_info("sysinfo agent: %zu listeners kept across the exec", k->n_fds);
		if (ok && k->sock >= 0)
			return;
		/* A worker whose supervisor died passes no socket: a new one below. */
	}
	if (!path_ok) {
		log_warn("sysinfo agent: %s%s: path too long; sysinfo is not virtualized",
			 mountpoint, FSD_AGENT_SUFFIX);
		k->path[0] = '\0';
		return;
	}
	if (k->mem < 0)
		k->mem = memfd_create("hutch-fsd-agent", MFD_CLOEXEC);
	if (k->mem >= 0 && ftruncate(k->mem, sizeof(struct slot) * N_SLOTS) < 0) {
		close(k->mem);
		k->mem = -1;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, k->path, strlen(k->path) + 1);
	k->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct stat st;
	/* A socket left by a hutch-fsd that stopped (its keeper's) or died; a file of anything
	 * else is not ours. */
	if (lstat(k->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		take_from_keeper(k, &sa);
		unlink(k->path);
	}
	mode_t old = umask(0077);
	int r = k->sock < 0 ? -1 : bind(k->sock, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(k->sock, 64) < 0) {
		log_warn("sysinfo agent: listen on %s: %s; sysinfo is not virtualized", k->path,
			 strerror(errno));
		if (k->sock >= 0)
			close(k->sock);
		k->sock = -1;
		k->path[0] = '\0';
		return;
	}
	log_info("sysinfo agent: seccomp listeners taken at %s", k->path);
}

size_t fsd_agent_keep_pollfds(const struct fsd_agent_keep *k, struct pollfd *p)
{
	size_t n = 0;
	p[n++] = (struct pollfd){.fd = k->sock, .events = POLLIN};
	for (size_t i = 0; i < FSD_AGENT_MAX_PENDING; i++)
		p[n++] = (struct pollfd){.fd = k->pending[i].fd, .events = POLLIN};
	return n;
}

static void keep_listener(struct fsd_agent_keep *k, int fd)
{
	if (add_fd(&k->fds, &k->n_fds, &k->cap, fd) < 0) {
		log_warn("sysinfo agent: out of memory; a listener dropped");
		close(fd);
		return;
	}
	for (size_t i = 0; i < FSD_AGENT_MAX_CHANS; i++)
		if (k->chans[i].fd >= 0 && send_fd(k->chans[i].fd, fd) < 0)
			log_warn("sysinfo agent: pass a listener to worker %d: %s",
				 (int)k->chans[i].pid, strerror(errno));
	log_debug("sysinfo agent: a listener kept (%zu)", k->n_fds);
}

/* A client's message: its seccomp listeners are kept, every other fd closed. */
static void take_message(struct fsd_agent_keep *k, size_t i)
{
	int fds[MAX_FDS];
	size_t n;
	static char data[MSG_MAX];
	ssize_t r = recv_fds(k->pending[i].fd, fds, &n, data, sizeof(data));
	if (r == -EAGAIN || r == -EINTR)
		return;
	if (k->keeper && strncmp(data, "takeover", 8) == 0)
		hand_over(k, k->pending[i].fd); /* does not return */
	for (size_t j = 0; j < n; j++) {
		if (is_listener(fds[j]))
			keep_listener(k, fds[j]);
		else
			close(fds[j]);
	}
	close(k->pending[i].fd);
	k->pending[i].fd = -1;
}

static void accept_all(struct fsd_agent_keep *k)
{
	for (;;) {
		int c = accept4(k->sock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0)
			return;
		struct ucred cr;
		socklen_t cl = sizeof(cr);
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 || cr.uid != 0) {
			close(c);
			continue;
		}
		size_t slot = 0;
		for (size_t i = 0; i < FSD_AGENT_MAX_PENDING; i++)
			if (k->pending[i].fd < 0 || k->pending[i].at < k->pending[slot].at) {
				slot = i;
				if (k->pending[i].fd < 0)
					break;
			}
		if (k->pending[slot].fd >= 0)
			close(k->pending[slot].fd); /* the oldest one waiting */
		k->pending[slot].fd = c;
		k->pending[slot].at = hutch_now_ns();
		take_message(k, slot); /* often there already */
	}
}

/* Listeners whose filter no task uses any more (POLLHUP) are closed. */
static void prune(struct fsd_agent_keep *k)
{
	uint64_t now = hutch_now_ns();
	if (now - k->pruned_at < 1000000000ull || !k->n_fds)
		return;
	k->pruned_at = now;
	struct pollfd *p = calloc(k->n_fds, sizeof(*p));
	if (!p)
		return;
	for (size_t i = 0; i < k->n_fds; i++)
		p[i] = (struct pollfd){.fd = k->fds[i], .events = 0};
	size_t n = k->n_fds, kept = 0;
	if (poll(p, n, 0) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL))
				close(k->fds[i]);
			else
				k->fds[kept++] = k->fds[i];
		}
		k->n_fds = kept;
	}
	free(p);
	for (size_t i = 0; i < FSD_AGENT_MAX_PENDING; i++)
		if (k->pending[i].fd >= 0 && now - k->pending[i].at > 60 * 1000000000ull) {
			close(k->pending[i].fd);
			k->pending[i].fd = -1;
		}
}

void fsd_agent_keep_events(struct fsd_agent_keep *k, const struct pollfd *p, size_t n)
{
	for (size_t i = 1; i < n && i - 1 < FSD_AGENT_MAX_PENDING; i++)
		if (p[i].revents && k->pending[i - 1].fd >= 0 && k->pending[i - 1].fd == p[i].fd)
			take_message(k, i - 1);
	if (n && p[0].revents && k->sock >= 0)
		accept_all(k);
	prune(k);
}

int fsd_agent_keep_channel(struct fsd_agent_keep *k, int *ret_child_end)
{
	*ret_child_end = -1;
	int sv[2];
	if (k->sock < 0 && !k->n_fds)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	*ret_child_end = sv[1];
	return sv[0];
}

static char *export_text(const struct fsd_agent_keep *k, int chan)
{
	size_t size = 64 + k->n_fds * 12;
	char *s = malloc(size);
	if (!s)
		return NULL;
	size_t off = (size_t)snprintf(s, size, "%d:%d:%d:", k->sock, k->mem, chan);
	for (size_t i = 0; i < k->n_fds && off < size; i++)
		off += (size_t)snprintf(s + off, size - off, "%s%d", i ? "," : "", k->fds[i]);
	return s;
}

void fsd_agent_keep_export(struct fsd_agent_keep *k, int child_end)
{
	if (k->sock < 0 && !k->n_fds)
		return;
	char *text = export_text(k, child_end);
	if (!text)
		return;
	setenv(ENV_NAME, text, 1);
	free(text);
	if (child_end < 0)
		set_cloexec(k->sock, false); /* the supervisor's next image */
	set_cloexec(k->mem, false);
	set_cloexec(child_end, false);
	for (size_t i = 0; i < k->n_fds; i++)
		set_cloexec(k->fds[i], false);
}

void fsd_agent_keep_unexport(struct fsd_agent_keep *k)
{
	unsetenv(ENV_NAME);
	set_cloexec(k->sock, true);
	set_cloexec(k->mem, true);
	for (size_t i = 0; i < k->n_fds; i++)
		set_cloexec(k->fds[i], true);
}

void fsd_agent_keep_worker(struct fsd_agent_keep *k, pid_t pid, int parent_end)
{
	if (parent_end < 0)
		return;
	for (size_t i = 0; i < FSD_AGENT_MAX_CHANS; i++)
		if (k->chans[i].fd < 0) {
			k->chans[i].fd = parent_end;
			k->chans[i].pid = pid;
			return;
		}
	close(parent_end); /* more workers than the supervisor ever runs */
}

void fsd_agent_keep_worker_gone(struct fsd_agent_keep *k, pid_t pid)
{
	for (size_t i = 0; i < FSD_AGENT_MAX_CHANS; i++)
		if (k->chans[i].fd >= 0 && k->chans[i].pid == pid) {
			close(k->chans[i].fd);
			k->chans[i].fd = -1;
		}
}

void fsd_agent_keep_close(struct fsd_agent_keep *k, bool unlink_socket)
{
	if (k->sock >= 0) {
		if (unlink_socket && k->path[0])
			unlink(k->path);
		close(k->sock);
	}
	for (size_t i = 0; i < FSD_AGENT_MAX_PENDING; i++)
		if (k->pending[i].fd >= 0)
			close(k->pending[i].fd);
	for (size_t i = 0; i < FSD_AGENT_MAX_CHANS; i++)
		if (k->chans[i].fd >= 0)
			close(k->chans[i].fd);
	for (size_t i = 0; i < k->n_fds; i++)
		close(k->fds[i]);
	if (k->mem >= 0)
		close(k->mem);
	free(k->fds);
	memset(k, 0, sizeof(*k));
	k->sock = k->mem = -1;
}

/* ---- the worker's side ---- */

struct fsd_agent {
	struct fsd_state *s;
	int chan, wake, mem;
	struct slot *slots; /* N_SLOTS, shared with every worker; NULL without the page */
	struct slot *mine;
	int *fds;
	size_t n_fds, cap;
	struct seccomp_notif_sizes sizes;
	pthread_t thread;
	timer_t timer;
	bool has_timer;
	_Atomic bool stop;
};

static void on_timer(int sig)
{
	(void)sig;
}

static bool respond(int fd, uint64_t id, int error, uint32_t flags, size_t size)
{
	struct seccomp_notif_resp *resp = calloc(1, size);
	if (!resp)
		return false;
	resp->id = id;
	resp->error = error;
	resp->flags = flags;
	bool ok = ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0;
	free(resp);
	return ok;
}

/* Whether id is the call a live worker (not a) is answering. */
static bool held_by_live_worker(const struct fsd_agent *a, uint64_t id)
{
	for (size_t i = 0; i < N_SLOTS; i++) {
		const struct slot *sl = &a->slots[i];
		if (sl != a->mine && atomic_load(&sl->pid) && !atomic_load(&sl->receiving) &&
		    atomic_load(&sl->id) == id)
			return true;
	}
	return false;
}

/*
 * A dead worker that was receiving may hold a call nobody knows the id of: the
 * kernel gives a listener's calls ids that count up, and the lost call came
 * after the last one the worker took (base), usually on the same listener
 * (a container calling in a loop), within the few calls other workers took
 * meanwhile. Every call waiting on a listener within RESCUE_SCAN ids after
 * base that no live worker is answering is answered by the kernel: one
 * NOTIF_ID_VALID per id and listener, only when a worker died. A live worker
 * that has just taken one of them and not yet stored its id finds it answered
 * (its own answer fails): that call gets the host's values.
 */
static size_t rescue_unknown(struct fsd_agent *a, uint64_t base)
{
	size_t answered = 0;
	for (size_t k = 0; k < a->n_fds; k++)
		for (uint64_t id = base + 1; id != base + 1 + RESCUE_SCAN; id++) {
			uint64_t probe = id;
			if (ioctl(a->fds[k], SECCOMP_IOCTL_NOTIF_ID_VALID, &probe) == 0 &&
			    !held_by_live_worker(a, id) &&
			    respond(a->fds[k], id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE,
				    a->sizes.seccomp_notif_resp))
				answered++;
		}
	return answered;
}

/* Calls a dead worker had taken: the kernel answers them itself (the host's values). */
static void rescue(struct fsd_agent *a)
{
	if (!a->slots)
		return;
	for (size_t i = 0; i < N_SLOTS; i++) {
		struct slot *sl = &a->slots[i];
		int32_t pid = atomic_load(&sl->pid);
		if (!pid || sl == a->mine || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		bool receiving = atomic_load(&sl->receiving);
		/* Taking the id claims the rescue: two workers (an upgrade) do not both scan. */
		uint64_t id = atomic_exchange(&sl->id, 0);
		size_t answered = 0;
		if (id && receiving)
			answered = rescue_unknown(a, id);
		for (size_t k = 0; id && !receiving && k < a->n_fds && !answered; k++)
			answered = respond(a->fds[k], id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE,
					   a->sizes.seccomp_notif_resp);
		if (answered)
			log_info("sysinfo agent: %zu call(s) worker %d had taken%s: the kernel "
				 "answered",
				 answered, (int)pid,
				 receiving ? " (found among the waiting calls: it died receiving)"
					   : "");
		atomic_store(&sl->receiving, 0);
		atomic_compare_exchange_strong(&sl->pid, &pid, 0);
	}
}

static void claim_slot(struct fsd_agent *a)
{
	if (!a->slots)
		return;
	rescue(a);
	for (size_t i = 0; i < N_SLOTS; i++) {
		int32_t free_pid = 0;
		if (atomic_compare_exchange_strong(&a->slots[i].pid, &free_pid,
						   (int32_t)getpid())) {
			a->mine = &a->slots[i];
			atomic_store(&a->mine->id, 0);
			atomic_store(&a->mine->receiving, 1);
			return;
		}
	}
}

/*
 * The container's answer written into the caller's struct: 0; -EFAULT (a bad
 * pointer, as the kernel says); -ECANCELED when the call is gone; another
 * error: the kernel answers instead.
 */
static int answer_sysinfo(struct fsd_agent *a, int lfd, const struct seccomp_notif *req)
{
	static const enum fsd_file files[3] = {FSD_MEMINFO, FSD_UPTIME, FSD_LOADAVG};
	struct fsd_snap *snap[3] = {NULL, NULL, NULL};
	int r = 0;
	for (size_t i = 0; i < 3 && r == 0; i++)
		r = fsd_state_open(a->s, (pid_t)req->pid, files[i], 0, &snap[i]);
	struct sysinfo si;
	if (r == 0)
		r = fsd_sysinfo_from(snap[0]->data, snap[0]->len, snap[1]->data, snap[1]->len,
				     snap[2]->data, snap[2]->len, &si);
	for (size_t i = 0; i < 3; i++)
		if (snap[i])
			fsd_snap_unref(snap[i]);
	if (r < 0)
		return r;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%u/mem", req->pid);
	_cleanup_close_ int mem = open(path, O_RDWR | O_CLOEXEC);
	if (mem < 0)
		return -errno;
	/* The fd is the caller's memory only if the call is still waiting: a pid may be reused. */
	uint64_t id = req->id;
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return -ECANCELED;
	if (pwrite(mem, &si, sizeof(si), (off_t)req->data.args[0]) != (ssize_t)sizeof(si))
		return -EFAULT;
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return -ECANCELED;
	return 0;
}

static void serve_one(struct fsd_agent *a, int lfd)
{
	struct seccomp_notif *req = calloc(1, a->sizes.seccomp_notif);
	if (!req)
		return;
	/*
	 * RECV waits when another worker took the call first (both serve during
	 * an upgrade): the timer's signal ends the wait, so no listener starves.
	 */
	struct itimerspec its = {.it_value = {.tv_nsec = 100000000}};
	if (a->has_timer)
		timer_settime(a->timer, 0, &its, NULL);
	int r = ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, req);
	struct itimerspec off = {0};
	if (a->has_timer)
		timer_settime(a->timer, 0, &off, NULL);
	if (r < 0) {
		free(req);
		return;
	}
	if (a->mine) {
		atomic_store(&a->mine->id, req->id);
		atomic_store(&a->mine->receiving, 0);
	}
	if (req->data.nr == __NR_sysinfo && NATIVE_ARCH != 0 && req->data.arch == NATIVE_ARCH) {
		r = answer_sysinfo(a, lfd, req);
		if (r == 0)
			respond(lfd, req->id, 0, 0, a->sizes.seccomp_notif_resp);
		else if (r == -EFAULT)
			respond(lfd, req->id, -EFAULT, 0, a->sizes.seccomp_notif_resp);
		else if (r != -ECANCELED) /* the call is gone: nobody to answer */
			respond(lfd, req->id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE,
				a->sizes.seccomp_notif_resp);
	} else if (req->data.nr == __NR_sysinfo) {
		/* Another ABI's struct: the kernel's answer. */
		respond(lfd, req->id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE,
			a->sizes.seccomp_notif_resp);
	} else {
		respond(lfd, req->id, -ENOSYS, 0, a->sizes.seccomp_notif_resp);
	}
	if (a->mine) /* answered: its id stays, as where to look should we die receiving */
		atomic_store(&a->mine->receiving, 1);
	free(req);
}

static void remove_at(struct fsd_agent *a, size_t i)
{
	close(a->fds[i]);
	a->fds[i] = a->fds[--a->n_fds];
}

static void *agent_main(void *arg)
{
	struct fsd_agent *a = arg;
	struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGURG};
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	a->has_timer = timer_create(CLOCK_MONOTONIC, &sev, &a->timer) == 0;
	sigset_t urg;
	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	pthread_sigmask(SIG_UNBLOCK, &urg, NULL);
	claim_slot(a);
	uint64_t last_rescue = hutch_now_ns();
	while (!atomic_load(&a->stop)) {
		size_t n = a->n_fds + 2;
		struct pollfd *p = calloc(n, sizeof(*p));
		if (!p) {
			sleep(1);
			continue;
		}
		p[0] = (struct pollfd){.fd = a->wake, .events = POLLIN};
		p[1] = (struct pollfd){.fd = a->chan, .events = POLLIN};
		for (size_t i = 0; i < a->n_fds; i++)
			p[i + 2] = (struct pollfd){.fd = a->fds[i], .events = POLLIN};
		int r = poll(p, n, RESCUE_MS);
		/*
		 * A dead worker's call is looked for at least every RESCUE_MS, busy or
		 * not: a worker killed while it held a call (one that was draining, so
		 * none starts in its place) leaves that caller waiting until a live
		 * worker answers it, while the other containers' calls keep this loop
		 * from ever idling.
		 */
		uint64_t now = hutch_now_ns();
		if (now - last_rescue >= RESCUE_MS * 1000000ull) {
			last_rescue = now;
			rescue(a);
		}
		if (r <= 0 || p[0].revents) {
			free(p);
			continue;
		}
		/* Back to front: a listener removed moves the last one into its place. */
		for (size_t i = n; i-- > 2;) {
			if (p[i].revents & POLLIN)
				serve_one(a, p[i].fd);
			else if (p[i].revents)
				remove_at(a, i - 2); /* its filter has no task left */
		}
		if (p[1].revents & POLLIN) {
			int fds[MAX_FDS];
			size_t k;
			char byte[8];
			ssize_t got = recv_fds(a->chan, fds, &k, byte, sizeof(byte));
			for (size_t i = 0; i < k; i++)
				if (add_fd(&a->fds, &a->n_fds, &a->cap, fds[i]) < 0)
					close(fds[i]);
			if (got == 0) {
				close(a->chan); /* the supervisor exec'd or died */
				a->chan = -1;
			}
		} else if (p[1].revents) {
			close(a->chan);
			a->chan = -1;
		}
		free(p);
	}
	if (a->mine) {
		atomic_store(&a->mine->id, 0);
		atomic_store(&a->mine->receiving, 0);
		atomic_store(&a->mine->pid, 0);
	}
	if (a->has_timer)
		timer_delete(a->timer);
	return NULL;
}

int fsd_agent_start(struct fsd_state *s, struct fsd_agent **ret)
{
	*ret = NULL;
	const char *env = getenv(ENV_NAME);
	if (!env)
		return 0;
	struct fsd_agent *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->s = s;
	a->wake = a->mem = -1;
	int sock, mem, chan, off = 0;
	if (sscanf(env, "%d:%d:%d:%n", &sock, &mem, &chan, &off) != 3 || off <= 0) {
		free(a);
		return -EINVAL;
	}
	a->chan = valid_fd(chan) ? chan : -1;
	set_cloexec(a->chan, true);
	a->mem = valid_fd(mem) ? mem : -1;
	if (a->mem >= 0) {
		set_cloexec(a->mem, true);
		void *m = mmap(NULL, sizeof(struct slot) * N_SLOTS, PROT_READ | PROT_WRITE,
			       MAP_SHARED, mem, 0);
		a->slots = m == MAP_FAILED ? NULL : m;
	}
	for (const char *p = env + off; *p;) {
		char *end;
		long fd = strtol(p, &end, 10);
		if (end == p)
			break;
		if (valid_fd((int)fd) && add_fd(&a->fds, &a->n_fds, &a->cap, (int)fd) == 0)
			set_cloexec((int)fd, true);
		p = *end == ',' ? end + 1 : end;
	}
	unsetenv(ENV_NAME);
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &a->sizes) < 0) {
		a->sizes.seccomp_notif = sizeof(struct seccomp_notif);
		a->sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	}
	if (a->sizes.seccomp_notif < sizeof(struct seccomp_notif))
		a->sizes.seccomp_notif = sizeof(struct seccomp_notif);
	if (a->sizes.seccomp_notif_resp < sizeof(struct seccomp_notif_resp))
		a->sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	struct sigaction sa = {.sa_handler = on_timer}; /* no SA_RESTART: RECV ends with EINTR */
	sigaction(SIGURG, &sa, NULL);
	a->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int r = a->wake < 0 ? -errno : -pthread_create(&a->thread, NULL, agent_main, a);
	if (r < 0) {
		fsd_agent_stop(a);
		return r;
	}
	log_debug("sysinfo agent: %zu listeners", a->n_fds);
	*ret = a;
	return 0;
}

static void stop_thread(struct fsd_agent *a)
{
	if (a->thread) {
		atomic_store(&a->stop, true);
		uint64_t one = 1;
		if (write(a->wake, &one, sizeof(one)) < 0)
			log_debug("sysinfo agent: wake: %s", strerror(errno));
		pthread_join(a->thread, NULL);
		a->thread = 0;
	}
}

void fsd_agent_stop_for_exec(struct fsd_agent *a)
{
	if (!a)
		return;
	stop_thread(a);
	char *text = malloc(64 + a->n_fds * 12);
	if (text) {
		size_t off = (size_t)sprintf(text, "-1:%d:-1:", a->mem);
		for (size_t i = 0; i < a->n_fds; i++) {
			off += (size_t)sprintf(text + off, "%s%d", i ? "," : "", a->fds[i]);
			set_cloexec(a->fds[i], false);
		}
		set_cloexec(a->mem, false);
		setenv(ENV_NAME, text, 1);
		free(text);
	}
	/* The fds stay open for the exec; the rest goes. */
	if (a->chan >= 0)
		close(a->chan);
	if (a->wake >= 0)
		close(a->wake);
	free(a->fds);
	free(a);
}

void fsd_agent_stop(struct fsd_agent *a)
{
	if (!a)
		return;
	stop_thread(a);
	if (a->mem >= 0)
		close(a->mem);
	for (size_t i = 0; i < a->n_fds; i++)
		close(a->fds[i]);
	free(a->fds);
	if (a->chan >= 0)
		close(a->chan);
	if (a->wake >= 0)
		close(a->wake);
	if (a->slots)
		munmap(a->slots, sizeof(struct slot) * N_SLOTS);
	free(a);
}

/* ---- the keeper: hutch-fsd stopped, the kernel answers ---- */

static void answer_with_kernel(int fd, const struct seccomp_notif_sizes *sizes)
{
	struct seccomp_notif *req = calloc(1, sizes->seccomp_notif);
	if (!req)
		return;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) == 0)
		respond(fd, req->id, req->data.nr == __NR_sysinfo ? 0 : -ENOSYS,
			req->data.nr == __NR_sysinfo ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0,
			sizes->seccomp_notif_resp);
	free(req);
}

static void notif_sizes(struct seccomp_notif_sizes *sizes)
{
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, sizes) < 0) {
		sizes->seccomp_notif = sizeof(struct seccomp_notif);
		sizes->seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	}
	if (sizes->seccomp_notif < sizeof(struct seccomp_notif))
		sizes->seccomp_notif = sizeof(struct seccomp_notif);
	if (sizes->seccomp_notif_resp < sizeof(struct seccomp_notif_resp))
		sizes->seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
}

int fsd_agent_keeper_main(const char *mountpoint)
{
	if (!getenv(ENV_NAME)) {
		log_error("--agent-keeper: nothing to keep (a stopping hutch-fsd starts it)");
		return 2;
	}
	struct fsd_agent_keep k;
	fsd_agent_keep_open(&k, mountpoint);
	k.keeper = true;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	struct seccomp_notif_sizes sizes;
	notif_sizes(&sizes);
	log_info("sysinfo agent: hutch-fsd stopped; the kernel answers the sysinfo calls of %zu "
		 "containers until they end or a hutch-fsd serves %s again",
		 k.n_fds, mountpoint);
	while (k.n_fds) {
		size_t n_max = 1 + FSD_AGENT_MAX_PENDING + k.n_fds;
		struct pollfd *p = calloc(n_max, sizeof(*p));
		if (!p) {
			sleep(1);
			continue;
		}
		size_t np = fsd_agent_keep_pollfds(&k, p);
		for (size_t i = 0; i < k.n_fds; i++)
			p[np + i] = (struct pollfd){.fd = k.fds[i], .events = POLLIN};
		size_t n = np + k.n_fds;
		if (poll(p, n, 1000) > 0)
			for (size_t i = np; i < n; i++)
				if (p[i].revents & POLLIN)
					answer_with_kernel(p[i].fd, &sizes);
		fsd_agent_keep_events(&k, p, np);
		free(p);
	}
	log_info("sysinfo agent: no task uses the listeners any more; the keeper exits");
	fsd_agent_keep_close(&k, true);
	return 0;
}

void fsd_agent_keep_leave(struct fsd_agent_keep *k, const char *exe, const char *mountpoint)
{
	k->pruned_at = 0;
	prune(k);
	if (!k->n_fds || k->sock < 0) {
		fsd_agent_keep_close(k, true);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid(); /* out of the stopping daemon's session and process group */
		fsd_agent_keep_export(k, -1);
		execl(exe, exe, "--agent-keeper", mountpoint, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		log_info("sysinfo agent: keeper %d answers %zu listeners with the kernel's sysinfo",
			 (int)pid, k->n_fds);
	else
		log_warn("sysinfo agent: fork the keeper: %s; sysinfo fails with ENOSYS in the "
			 "containers left",
			 strerror(errno));
	fsd_agent_keep_close(k, pid < 0);
}
