// SPDX-License-Identifier: MIT
/*
 * A container's life, from the host's side: reserve its name and state
 * directory, make its cgroup, clone its init into new namespaces, wait for
 * it to set its filesystem up, record it as running, wait for it to exit,
 * record how, and clean up. Every failure path undoes what was done.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hutch/cgroup.h"
#include "hutch.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int rm_rf(const char *path)
{
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return -errno;
	return access(path, F_OK) == 0 ? -ENOTEMPTY : 0;
}

int spec_resolve_user_in(const char *s, const char *root, uid_t *ret_uid, gid_t *ret_gid)
{
	char path[4200];
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t len;
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	if (hutch_read_file(path, 4 << 20, &passwd, &len) < 0)
		passwd = NULL;
	snprintf(path, sizeof(path), "%s/etc/group", root);
	if (hutch_read_file(path, 4 << 20, &group, &len) < 0)
		group = NULL;
	return spec_resolve_user(s, passwd, group, ret_uid, ret_gid);
}

int spec_user_groups_in(const char *root, uid_t uid, gid_t *ret, size_t max)
{
	char path[4200];
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t len;
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	if (hutch_read_file(path, 4 << 20, &passwd, &len) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/etc/group", root);
	if (hutch_read_file(path, 4 << 20, &group, &len) < 0)
		return 0;
	return spec_user_groups(passwd, group, uid, ret, max);
}

int write_new_file(const char *path, const char *data)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(data);
	if (write(fd, data, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

int container_remove_dir(const char *id)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/%s", hutch_globals.root, id);
	return rm_rf(dir);
}

static void new_id(char *buf)
{
	unsigned char raw[HUTCH_ID_LEN / 2];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		uint64_t x = hutch_now_ns() ^ ((uint64_t)getpid() << 32);
		for (size_t i = 0; i < sizeof(raw); i++, x = x * 6364136223846793005ull + 1)
			raw[i] = (unsigned char)(x >> 56);
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
}

/* The message the container's init sends when its setup is done (err 0) or failed. */
struct sync_msg {
	int err;
	char msg[1000];
};

struct child_args {
	struct hutch_state *st;
	const char *dir;
	int sync_fd;
	int join_fds[HUTCH_NS_COUNT]; /* another container's namespaces to enter, or -1 */
	int made_flags; /* new namespaces a thread of hutch makes (ns_prep), sent to us */
	int stdio[3];
	const char *fsd_dir;
	bool private_cgroupns;
	struct cgroup *cg;
	bool in_unified; /* born in the unified cgroup (CLONE_INTO_CGROUP) */
	struct init_args init;
};

/* Most fds one message carries: the made namespaces (the pty master goes alone). */
#define MSG_MAX_FDS 3

/* Sends len bytes of buf and n fds (SCM_RIGHTS; none when n is 0) in one message. */
static void send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	char cbuf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)] = {0};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n > 0 && n <= MSG_MAX_FDS) {
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

/*
 * Receives one message: up to len bytes into buf, its fds (close-on-exec)
 * into fds[0..MSG_MAX_FDS), their count in *ret_n. Returns the bytes read,
 * or -errno.
 */
static ssize_t recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t *ret_n, int flags)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	char cbuf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
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
		for (size_t i = 0; i < got && *ret_n < MSG_MAX_FDS; i++)
			memcpy(&fds[(*ret_n)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	return n;
}

static void send_msg(int fd, int e, const char *msg, int pass_fd)
{
	struct sync_msg m = {.err = e};
	snprintf(m.msg, sizeof(m.msg), "%s", msg ? msg : "");
	send_with_fds(fd, &m, sizeof(m), &pass_fd, pass_fd >= 0 ? 1 : 0);
}

static int recv_msg(int fd, struct sync_msg *m, int *ret_fd, int flags)
{
	int fds[MSG_MAX_FDS];
	size_t n_fds;
	ssize_t n = recv_with_fds(fd, m, sizeof(*m), fds, &n_fds, flags);
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

static int loopback_up(struct hutch_error *err)
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

/* The order in which made namespaces travel. */
static const struct {
	int flag;
	enum hutch_ns_kind kind;
} made_kinds[] = {
	{CLONE_NEWNET, HUTCH_NS_NET}, {CLONE_NEWIPC, HUTCH_NS_IPC}, {CLONE_NEWUTS, HUTCH_NS_UTS}};
_Static_assert(ARRAY_SIZE(made_kinds) <= MSG_MAX_FDS, "one message carries every made namespace");

/* Sends n namespace fds (none when the thread failed) in one message. */
static void send_fds(int sock, const int *fds, size_t n)
{
	send_with_fds(sock, "n", 1, fds, n);
}

/* The init's side: receives the namespaces hutch's thread made and enters them. */
static int enter_made_ns(void *arg, struct hutch_error *err)
{
	struct child_args *a = arg;
	if (!a->made_flags)
		return 0;
	int fds[MSG_MAX_FDS];
	size_t want = 0, got = 0;
	for (size_t i = 0; i < ARRAY_SIZE(made_kinds); i++)
		want += (a->made_flags & made_kinds[i].flag) != 0;
	char byte;
	if (recv_with_fds(a->sync_fd, &byte, 1, fds, &got, 0) <= 0)
		got = 0;
	if (got != want)
		return hutch_error_set(err, EIO, "the container's new namespaces were not made");
	size_t j = 0;
	for (size_t i = 0; i < ARRAY_SIZE(made_kinds); i++) {
		if (!(a->made_flags & made_kinds[i].flag))
			continue;
		int fd = fds[j++];
		if (setns(fd, made_kinds[i].flag) < 0)
			return hutch_error_setsys(err, errno, "enter the new %s namespace",
						  hutch_ns_kind_name(made_kinds[i].kind));
		close(fd);
	}
	return 0;
}

/* The container's side until its init runs the command. */
static int child_setup(struct child_args *a, struct hutch_error *err)
{
	struct hutch_state *st = a->st;
	static const int ns_flags[HUTCH_NS_COUNT] = {[HUTCH_NS_NET] = CLONE_NEWNET,
						     [HUTCH_NS_IPC] = CLONE_NEWIPC,
						     [HUTCH_NS_UTS] = CLONE_NEWUTS};
	for (int k = 0; k < HUTCH_NS_COUNT; k++) {
		if (a->join_fds[k] < 0 || k == HUTCH_NS_PID)
			continue;
		if (setns(a->join_fds[k], ns_flags[k]) < 0)
			return hutch_error_setsys(err, errno, "join the %s namespace of %s",
						  hutch_ns_kind_name(k), st->ns[k].container);
		close(a->join_fds[k]);
	}
	/* Namespaces made ahead come with lo up and the host name set. */
	int r;
	if ((st->ns[HUTCH_NS_NET].mode == HUTCH_NS_PRIVATE ||
	     st->ns[HUTCH_NS_NET].mode == HUTCH_NS_NONE) &&
	    !(a->made_flags & CLONE_NEWNET) && (r = loopback_up(err)) < 0)
		return r;
	if (st->ns[HUTCH_NS_UTS].mode == HUTCH_NS_PRIVATE &&
	    st->ns[HUTCH_NS_NET].mode != HUTCH_NS_CONTAINER && !(a->made_flags & CLONE_NEWUTS) &&
	    sethostname(st->hostname, strlen(st->hostname)) < 0)
		return hutch_error_setsys(err, errno, "set the host name");
	struct mount_ctx m = {.st = st,
			      .dir = a->dir,
			      .fsd_dir = a->fsd_dir,
			      .private_cgroupns = a->private_cgroupns,
			      .enter_ns = enter_made_ns,
			      .enter_arg = a};
	return mounts_prepare(&m, err);
}

/* Once in the cgroup: the cgroup namespace, /sys/fs/cgroup, pivot_root, the pty. */
static int child_finish(struct child_args *a, int *ret_master, struct hutch_error *err)
{
	struct hutch_state *st = a->st;
	/* Single-threaded, it joins its v1 cgroups itself: no grace period to wait for. */
	int r = cgroup_attach_self(a->cg, a->in_unified, err);
	if (r < 0)
		return r;
	if (a->private_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return hutch_error_setsys(err, errno, "new cgroup namespace");
	struct mount_ctx m = {.st = st,
			      .dir = a->dir,
			      .fsd_dir = a->fsd_dir,
			      .private_cgroupns = a->private_cgroupns};
	r = mounts_finish(&m, err);
	if (r < 0)
		return r;
	if ((r = rlimits_apply(st, err)) < 0)
		return r;
	if (st->tty) {
		/* The pty comes from the container's own devpts, so `tty` names it there. */
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0)
			return hutch_error_setsys(err, errno, "open /dev/ptmx");
		char name[64];
		if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0) {
			close(master);
			return hutch_error_setsys(err, errno, "unlock the pty");
		}
		a->init.tty_fd = open(name, O_RDWR | O_NOCTTY);
		if (a->init.tty_fd < 0) {
			close(master);
			return hutch_error_setsys(err, errno, "open %s", name);
		}
		*ret_master = master;
	}
	return 0;
}

static __attribute__((noreturn)) void child_main(struct child_args *a)
{
	struct hutch_error err = {0};
	for (int fd = 0; fd < 3; fd++)
		if (a->stdio[fd] >= 0 && a->stdio[fd] != fd)
			dup2(a->stdio[fd], fd);
	int master = -1;
	char go;
	/*
	 * The filesystem is built while the host sets the cgroup's limits; then
	 * the init joins the cgroup, and the cgroup namespace and /sys/fs/cgroup
	 * follow, rooted at it.
	 */
	/* A foreground container goes with the hutch that waits for it (a detached one's monitor never dies first). */
	if (!a->st->detach)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (child_setup(a, &err) < 0 || read(a->sync_fd, &go, 1) != 1 ||
	    child_finish(a, &master, &err) < 0) {
		send_msg(a->sync_fd, err.err ? err.err : EIO, err.msg, -1);
		_exit(EXIT_RUNTIME);
	}
	send_msg(a->sync_fd, 0, NULL, master);
	if (master >= 0)
		close(master);
	close(a->sync_fd);
	_exit(init_run(&a->init));
}

/* Opens another container's namespace by its name, for --pid/--net/--ipc container:NAME. */
static int open_joined_ns(struct hutch_state *st, enum hutch_ns_kind k, int *ret_fd,
			  struct hutch_error *err)
{
	struct hutch_state other;
	int r = hutch_state_find(hutch_globals.root, st->ns[k].container, &other);
	if (r < 0)
		return hutch_error_set(err, r == -ENOTUNIQ ? EINVAL : ENOENT,
				       "--%s container:%s: no such container",
				       hutch_ns_kind_name(k), st->ns[k].container);
	bool alive = other.status == HUTCH_STATUS_RUNNING && hutch_state_pid_alive(&other);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)other.pid, hutch_ns_kind_name(k));
	snprintf(st->ns[k].container, sizeof(st->ns[k].container), "%s", other.id);
	hutch_state_free(&other);
	if (!alive)
		return hutch_error_set(err, EINVAL,
				       "--%s container:%s: the container is not running",
				       hutch_ns_kind_name(k), st->ns[k].container);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "open %s", path);
	*ret_fd = fd;
	return 0;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3's arguments up to cgroup (CLONE_ARGS_SIZE_VER2), as <linux/sched.h> has them. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

/*
 * Forks the container's init with the namespaces of flags, straight into
 * the unified cgroup of cgroup_fd when it is >= 0 and the kernel can
 * (*ret_in_unified says whether it did).
 */
static pid_t clone_init(unsigned long flags, int cgroup_fd, bool *ret_in_unified)
{
	*ret_in_unified = false;
#ifdef SYS_clone3
	if (cgroup_fd >= 0) {
		struct clone3_args ca = {.flags = (flags & ~0xffUL) | CLONE_INTO_CGROUP,
					 .exit_signal = flags & 0xff,
					 .cgroup = (uint64_t)cgroup_fd};
		long pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*ret_in_unified = true; /* in the parent and in the child */
			return (pid_t)pid;
		}
		/* An older kernel: the init joins the unified cgroup by itself. */
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP)
			return -1;
	}
#else
	(void)cgroup_fd;
#endif
	return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

/*
 * The container's new network, IPC and UTS namespaces, made by a thread of
 * hutch while it does the rest of the setup (a network namespace alone
 * costs more than a millisecond), lo up and the host name set; the init
 * enters them with setns.
 */
struct ns_prep {
	pthread_t thread;
	bool running;
	int flags; /* CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS: which to make */
	bool set_hostname;
	const char *hostname;
	int fds[HUTCH_NS_COUNT];
	int sock; /* the container's sync socket: the thread sends the fds itself */
	struct hutch_error err;
	int r;
};

static void *ns_prep_main(void *p)
{
	struct ns_prep *np = p;
	static const struct {
		int flag;
		enum hutch_ns_kind kind;
	} kinds[] = {{CLONE_NEWNET, HUTCH_NS_NET},
		     {CLONE_NEWIPC, HUTCH_NS_IPC},
		     {CLONE_NEWUTS, HUTCH_NS_UTS}};
	/* Namespaces are per thread: these are this thread's alone. */
	if (unshare(np->flags) < 0) {
		np->r = hutch_error_setsys(&np->err, errno, "new namespaces");
		return NULL;
	}
	if ((np->flags & CLONE_NEWNET) && (np->r = loopback_up(&np->err)) < 0)
		return NULL;
	if ((np->flags & CLONE_NEWUTS) && np->set_hostname &&
	    sethostname(np->hostname, strlen(np->hostname)) < 0) {
		np->r = hutch_error_setsys(&np->err, errno, "set the host name");
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!(np->flags & kinds[i].flag))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/thread-self/ns/%s",
			 hutch_ns_kind_name(kinds[i].kind));
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			np->r = hutch_error_setsys(&np->err, errno, "open %s", path);
			return NULL;
		}
		np->fds[kinds[i].kind] = fd;
	}
	return NULL;
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
	ns_prep_main(np);
	int fds[ARRAY_SIZE(made_kinds)];
	size_t n = 0;
	for (size_t i = 0; np->r == 0 && i < ARRAY_SIZE(made_kinds); i++)
		if (np->fds[made_kinds[i].kind] >= 0)
			fds[n++] = np->fds[made_kinds[i].kind];
	send_fds(np->sock, fds, n);
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		if (np->fds[k] >= 0)
			close(TAKE_FD(np->fds[k]));
	return NULL;
}

static void ns_prep_start(struct ns_prep *np, const struct hutch_state *st, int sock)
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

/* Waits for the thread (it has sent what it made to the init); its error, if any. */
static int ns_prep_finish(struct ns_prep *np, struct hutch_error *err)
{
	if (!np->running)
		return 0;
	pthread_join(np->thread, NULL);
	np->running = false;
	if (np->r < 0)
		*err = np->err;
	return np->r;
}

/*
 * The container's mount namespace, held by hutch from the init's start: when
 * the init exits it is not the last user, and the namespace's teardown (every
 * mount, the overlay, each with its RCU grace period) runs in a thread of
 * hutch alongside the cgroup's removal instead of in the init's exit, before
 * hutch hears of it. The thread is made early and waits to be told.
 */
struct mnt_release {
	pthread_t thread;
	int fd, go[2];
	bool running;
};

static void *mnt_release_main(void *p)
{
	struct mnt_release *mr = p;
	char c;
	while (read(mr->go[0], &c, 1) < 0 && errno == EINTR)
		;
	close(TAKE_FD(mr->fd));
	return NULL;
}

static void mnt_release_start(struct mnt_release *mr, pid_t pid)
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

/* Tells the thread to let the namespace go; mnt_release_finish waits for it. */
static void mnt_release_go(struct mnt_release *mr)
{
	if (mr->running && write(mr->go[1], "x", 1) < 0) {
		/* a pipe's first byte always fits */
	}
}

static void mnt_release_finish(struct mnt_release *mr)
{
	if (!mr->running)
		return;
	mnt_release_go(mr);
	pthread_join(mr->thread, NULL);
	mr->running = false;
	close(TAKE_FD(mr->go[0]));
	close(TAKE_FD(mr->go[1]));
}

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

int container_run(struct hutch_state *st, const char *cgroup_parent, int notify_fd,
		  struct hutch_error *err)
{
	const char *root = hutch_globals.root;
	char dir[3800], path[4200];
	struct cgroup *cg = NULL;
	bool made_dir = false;
	pid_t pid = -1;
	int r, master = -1, log_fd = -1, null_fd = -1, sv[2] = {-1, -1};
	int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
	struct child_args a = {.st = st, .dir = dir, .stdio = {-1, -1, -1}};
	struct ns_prep np = {.running = false};
	struct mnt_release mr = {.fd = -1, .go = {-1, -1}};
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		a.join_fds[k] = -1;
	a.init.tty_fd = -1;

	/*
	 * SIGCHLD and the signals forwarded to the container stay blocked from
	 * here, so pty_relay's signalfd sees them all, even those that come
	 * before it runs (the init and the command unblock their own).
	 */
	sigset_t blocked;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&blocked, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &blocked, NULL);

	if ((r = hutch_mkdir_p(root, 0711)) < 0) {
		hutch_error_setsys(err, -r, "create the state directory %s", root);
		goto fail;
	}
	new_id(st->id);
	snprintf(dir, sizeof(dir), "%s/%s", root, st->id);
	if (!st->name[0])
		snprintf(st->name, 13, "%.12s", st->id);
	if (!st->hostname[0])
		snprintf(st->hostname, 13, "%.12s", st->id);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		hutch_error_setsys(err, errno, "socketpair");
		goto fail;
	}
	a.sync_fd = sv[1];
	ns_prep_start(&np, st, sv[0]);
	if (cgroup_parent)
		snprintf(st->cgroup_path, sizeof(st->cgroup_path), "%s%s/%s",
			 cgroup_parent[0] == '/' ? "" : "/", cgroup_parent, st->id);
	else
		snprintf(st->cgroup_path, sizeof(st->cgroup_path), "/hutch/%s", st->id);
	st->monitor_pid = getpid();
	st->created_ns = hutch_wall_ns();
	st->status = HUTCH_STATUS_CREATED;

	hutch_pid_start_ticks(getpid(), &st->monitor_start_ticks);
	if (registry_create(st, err) < 0)
		goto fail;
	made_dir = true;

	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		if (st->ns[k].mode == HUTCH_NS_CONTAINER &&
		    open_joined_ns(st, k, &a.join_fds[k], err) < 0)
			goto fail;

	/*
	 * rootfs/ is where the container mounts its scratch tmpfs (its /etc
	 * files, the overlay's mount point and, with --rm, the overlay's upper
	 * layer: a container removed at exit leaves nothing to delete on disk).
	 * Otherwise the upper layer is kept on disk until `hutch rm`.
	 */
	static const char *const subdirs[] = {"rootfs", "upper", "work"};
	for (size_t i = 0; i < (st->auto_remove ? 1 : ARRAY_SIZE(subdirs)); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if (mkdir(path, 0755) < 0) {
			hutch_error_setsys(err, errno, "mkdir %s", path);
			goto fail;
		}
	}

	if (st->fsd) {
		const char *fsd = getenv("HUTCH_FSD_DIR");
		fsd = fsd && fsd[0] ? fsd : HUTCH_FSD_DIR;
		a.fsd_dir = fsd_mounted(fsd) ? fsd : NULL;
	}
	a.private_cgroupns = st->ns[HUTCH_NS_CGROUP].mode == HUTCH_NS_PRIVATE;

	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	/*
	 * The log: a detached container's output, and a foreground one's too
	 * (as docker keeps it, for `hutch logs` after the run), which hutch
	 * then copies to the terminal and the log. A --rm container keeps
	 * none (nothing is left to ask), and its output goes straight out.
	 */
	if (st->detach || !st->auto_remove) {
		snprintf(st->log_path, sizeof(st->log_path), "%s/container.log", dir);
		log_fd = open(st->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (log_fd < 0 || (r = log_reserve(dir, log_fd)) < 0) {
			errno = log_fd < 0 ? errno : -r;
			hutch_error_setsys(err, errno, "create %s", st->log_path);
			goto fail;
		}
	}
	/* A detached container's output comes through its monitor too: a full disk is seen. */
	if (st->detach || !st->interactive || st->tty)
		a.stdio[0] = null_fd;
	if (log_fd >= 0 && !st->tty) {
		if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
			hutch_error_setsys(err, errno, "pipe");
			goto fail;
		}
		a.stdio[1] = out_pipe[1];
		a.stdio[2] = err_pipe[1];
	}

	a.init.argv = st->argv;
	a.init.env = st->env;
	a.init.workdir = st->workdir;
	if (security_prog_for(st, true, &a.init.prog, err) < 0)
		goto fail;
	a.init.seccomp = a.init.prog.len > 0;
	a.init.no_new_privs = st->no_new_privs;
	a.init.cap_mask = st->cap_mask;
	if (st->seccomp_profile[0] && (r = security_save_prog(st, &a.init.prog)) < 0) {
		hutch_error_setsys(err, -r, "keep the seccomp filter of %s", st->id);
		goto fail;
	}
	if (st->user[0]) {
		if (spec_resolve_user_in(st->user, st->rootfs, &a.init.uid, &a.init.gid) < 0) {
			hutch_error_set(err, ENOENT,
					"-u %s: no such user or group in the image's /etc/passwd "
					"or /etc/group",
					st->user);
			goto fail;
		}
		a.init.set_user = true;
		a.init.n_groups = (size_t)spec_user_groups_in(st->rootfs, a.init.uid, a.init.groups,
							      ARRAY_SIZE(a.init.groups));
	}

	if (a.join_fds[HUTCH_NS_PID] >= 0 && setns(a.join_fds[HUTCH_NS_PID], CLONE_NEWPID) < 0) {
		hutch_error_setsys(err, errno, "join the pid namespace of %s",
				   st->ns[HUTCH_NS_PID].container);
		goto fail;
	}
	unsigned long flags = CLONE_NEWNS | SIGCHLD;
	if (st->ns[HUTCH_NS_PID].mode == HUTCH_NS_PRIVATE)
		flags |= CLONE_NEWPID;
	if (st->ns[HUTCH_NS_NET].mode == HUTCH_NS_PRIVATE ||
	    st->ns[HUTCH_NS_NET].mode == HUTCH_NS_NONE)
		flags |= CLONE_NEWNET;
	if (st->ns[HUTCH_NS_IPC].mode == HUTCH_NS_PRIVATE)
		flags |= CLONE_NEWIPC;
	if (st->ns[HUTCH_NS_UTS].mode == HUTCH_NS_PRIVATE)
		flags |= CLONE_NEWUTS;

	/*
	 * The unified cgroup exists before the init, which is born in it; the
	 * v1 ones are made meanwhile, and the init joins them itself once the
	 * limits are set.
	 */
	const struct cgroup_layout *layout;
	if ((r = cgroup_layout_detect(&layout)) < 0) {
		hutch_error_setsys(err, -r, "detect the cgroup layout");
		goto fail;
	}
	if (cgroup_create_unified_first(layout, st->cgroup_path, &cg, err) < 0)
		goto fail;
	a.cg = cg;
	int unified_fd = -1;
	if (cgroup_open_unified(cg, &unified_fd) < 0)
		unified_fd = -1;

	/* What the thread makes, the clone does not; the init gets them while it mounts. */
	if (np.running) {
		a.made_flags = np.flags;
		flags &= ~(unsigned long)np.flags;
	}

	fflush(NULL);
	pid = clone_init(flags, unified_fd, &a.in_unified);
	if (pid < 0) {
		hutch_error_setsys(err, errno, "clone the container's init");
		if (unified_fd >= 0)
			close(unified_fd);
		goto fail;
	}
	if (pid == 0) {
		if (unified_fd >= 0)
			close(unified_fd);
		close(sv[0]);
		child_main(&a);
	}
	if (unified_fd >= 0)
		close(unified_fd);
	close(sv[1]);
	sv[1] = -1;
	/* The init has the pipes' writing ends: their end of file is the container's. */
	if (out_pipe[1] >= 0)
		close(TAKE_FD(out_pipe[1]));
	if (err_pipe[1] >= 0)
		close(TAKE_FD(err_pipe[1]));
	/* The child builds its filesystem meanwhile. */
	if (cgroup_create_rest(cg, err) < 0)
		goto fail;
	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = st->limits.memory_bytes;
	lim.memory_swap_bytes = st->limits.memory_swap_bytes;
	lim.cpu_quota_us = st->limits.cpu_quota_us;
	lim.cpu_period_us = st->limits.cpu_period_us;
	lim.cpu_shares = st->limits.cpu_shares;
	lim.pids_max = st->limits.pids_max;
	lim.cpuset_cpus = st->limits.cpuset_cpus[0] ? st->limits.cpuset_cpus : NULL;
	lim.cpuset_mems = st->limits.cpuset_mems[0] ? st->limits.cpuset_mems : NULL;
	if (cgroup_set_limits(cg, &lim, err) < 0)
		goto fail;
	/* The thread sent the init its namespaces; "g" must come after them. */
	if (ns_prep_finish(&np, err) < 0)
		goto fail;

	struct sync_msg msg;
	/* A child that failed already has closed its end: its message waits for us. */
	send(sv[0], "g", 1, MSG_NOSIGNAL);
	if (recv_msg(sv[0], &msg, &master, 0) < 0) {
		hutch_error_set(err, EIO, "the container's init died while setting up");
		goto fail;
	}
	if (msg.err) {
		hutch_error_set(err, msg.err, "%s", msg.msg);
		goto fail;
	}
	close(sv[0]);
	sv[0] = -1;
	mnt_release_start(&mr, pid);

	st->pid = pid;
	hutch_pid_start_ticks(pid, &st->pid_start_ticks);
	st->status = HUTCH_STATUS_RUNNING;
	st->started_ns = hutch_wall_ns();
	if ((r = hutch_state_write(root, st)) < 0) {
		hutch_error_setsys(err, -r, "write the state of %s", st->id);
		goto fail;
	}
	if (notify_fd >= 0) {
		char line[HUTCH_ID_LEN + 2];
		snprintf(line, sizeof(line), "%s\n", st->id);
		if (write(notify_fd, line, strlen(line)) < 0) {
			/* the caller went away; the container runs on */
		}
		close(notify_fd);
	}
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		if (a.join_fds[k] >= 0)
			close(TAKE_FD(a.join_fds[k]));

	struct relay_io io = {.master = master,
			      .in_fd = st->interactive && !st->detach ? STDIN_FILENO : -1,
			      .out_fd = st->detach ? -1 : STDOUT_FILENO,
			      .out_pipe = out_pipe[0],
			      .err_pipe = err_pipe[0],
			      .err_fd = st->detach ? -1 : STDERR_FILENO,
			      .log_fd = log_fd};
	int status = io_relay(&io, pid, forwarded_signals, ARRAY_SIZE(forwarded_signals));
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (master >= 0)
		close(master);

	/* OOMKilled is for inspect: a --rm container leaves nothing to inspect. */
	if (!st->auto_remove) {
		struct cgroup_stats cs;
		cgroup_stats_init(&cs);
		if (cgroup_read_stats(cg, CGROUP_STATS_MEMORY, &cs) == 0 &&
		    hutch_known(cs.memory_oom_kill_events) && cs.memory_oom_kill_events > 0)
			st->oom_killed = true;
		cgroup_stats_free(&cs);
	}
	/*
	 * Processes of a container sharing another pid namespace outlive its
	 * init; in its own, the kernel killed and reaped them all before the
	 * init was.
	 */
	if (st->ns[HUTCH_NS_PID].mode != HUTCH_NS_PRIVATE)
		cgroup_kill_all(cg, SIGKILL);
	mnt_release_go(&mr);
	struct hutch_error derr = {0};
	cgroup_destroy(cg, &derr);
	cgroup_close(cg);
	mnt_release_finish(&mr);

	st->status = HUTCH_STATUS_EXITED;
	st->exit_code = code;
	st->finished_ns = hutch_wall_ns();
	snprintf(st->log_note, sizeof(st->log_note), "%s", log_note());
	if (st->auto_remove) {
		registry_remove(st);
	} else {
		registry_record_exit(st);
		if ((r = hutch_state_write(root, st)) < 0)
			fprintf(stderr,
				"hutch: write the state of %s: %s (its exit is kept in %s/exit)\n",
				st->name, strerror(-r), dir);
	}
	if (log_fd >= 0)
		close(log_fd);
	if (null_fd >= 0)
		close(null_fd);
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	return code;

fail:
	if (np.running) {
		struct hutch_error perr = {0};
		ns_prep_finish(&np, &perr);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	mnt_release_finish(&mr);
	if (cg) {
		struct hutch_error derr2 = {0};
		cgroup_kill_all(cg, SIGKILL);
		cgroup_destroy(cg, &derr2);
		cgroup_close(cg);
	}
	if (made_dir)
		registry_remove(st);
	for (int k = 0; k < HUTCH_NS_COUNT; k++)
		if (a.join_fds[k] >= 0)
			close(a.join_fds[k]);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (master >= 0)
		close(master);
	if (log_fd >= 0)
		close(log_fd);
	if (null_fd >= 0)
		close(null_fd);
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	return -(err->err ? err->err : EIO);
}
