// SPDX-License-Identifier: MIT
/*
 * hutch-runc create, start and run. create makes the container up to its
 * exec and leaves its process waiting on <root>/<id>/exec.fifo: the record,
 * the cgroup with the bundle's limits, the process cloned into it with its
 * namespaces, its filesystem, the prestart/createRuntime/createContainer
 * hooks; start opens the fifo, which lets the process exec, and runs the
 * poststart hooks. A create that fails takes back all it made: the process,
 * the cgroup, the record.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "hutch/cgroup.h"
#include "runc_child.h"

/* The console socket's protocol: one message, a word and the fd. */
int runc_send_fd(int sock, const char *word, int fd)
{
	fdpass_send(sock, word, strlen(word), &fd, 1);
	return 0;
}

/* Connects to a unix socket (console socket, seccomp agent) and sends fd with word. */
int runc_send_to_socket(const char *path, const char *word, int fd, struct hutch_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return hutch_error_set(err, ENAMETOOLONG, "socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hutch_error_setsys(err, errno, "connect to %s", path);
	int r = runc_send_fd(s, word, fd);
	if (r < 0)
		return hutch_error_setsys(err, -r, "send to %s", path);
	return 0;
}

/* ---- create ---- */

struct create_opts {
	const char *id, *bundle;
	struct runc_io_flags io;
	bool no_pivot, foreground; /* foreground: run, keeping the process as our child */
};

/* What a create holds until it is done; create_undo takes all of it back. */
struct create {
	struct oci_config cfg;
	struct runc_state st;
	char dir[4200], fifo[4300];
	bool made_dir;
	struct cgroup *cg;
	int unified_fd;
	int sync[2];
	int ns_fds[OCI_NS_COUNT];
	pid_t pid;
	int master;
	void *seccomp;
	/* The process becomes hutch-init once ready (init_fits), with prog as its filter. */
	bool use_init;
	struct seccomp_prog prog;
	char *config_text; /* config.json as read, for the copy beside the record */
	size_t config_len;
	/* hutch's namespace thread (setup_threads.c) and the state it reads its asks from */
	struct ns_prep np;
	struct hutch_state nst;
};

static void create_close(struct create *c)
{
	if (c->np.running) {
		struct hutch_error perr = {0};
		ns_prep_finish(&c->np, &perr);
	}
	for (int i = 0; i < 2; i++)
		if (c->sync[i] >= 0)
			close(TAKE_FD(c->sync[i]));
	for (int t = 0; t < OCI_NS_COUNT; t++)
		if (c->ns_fds[t] >= 0)
			close(TAKE_FD(c->ns_fds[t]));
	if (c->unified_fd >= 0)
		close(TAKE_FD(c->unified_fd));
	if (c->seccomp) {
		seccomp_release_ctx(c->seccomp);
		c->seccomp = NULL;
	}
	seccomp_prog_free(&c->prog);
}

static void create_undo(struct create *c)
{
	create_close(c);
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = -1;
	}
	if (c->master >= 0)
		close(TAKE_FD(c->master));
	if (c->cg) {
		struct hutch_error derr = {0};
		cgroup_kill_all(c->cg, SIGKILL);
		cgroup_destroy(c->cg, &derr);
		cgroup_close(c->cg);
		c->cg = NULL;
	}
	if (c->made_dir)
		hutch_rm_rf(c->dir);
	c->made_dir = false;
}

/* An absolute path without "", "." or ".." components, in place (lexical, as Go's filepath.Clean). */
static void clean_path(char *path)
{
	char out[PATH_MAX + 8] = "";
	size_t n = 0;
	for (char *save = NULL, *part = strtok_r(path, "/", &save); part;
	     part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0) {
			while (n > 0 && out[--n] != '/')
				;
			out[n] = '\0';
			continue;
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "/%s", part);
		if (n >= sizeof(out))
			n = sizeof(out) - 1;
	}
	strcpy(path, n ? out : "/");
}

static int read_bundle(struct create *c, const struct create_opts *o, struct hutch_error *err)
{
	char bundle[PATH_MAX], path[PATH_MAX + 32];
	if (!realpath(o->bundle, bundle))
		return hutch_error_setsys(err, errno, "bundle %s", o->bundle);
	snprintf(c->st.bundle, sizeof(c->st.bundle), "%s", bundle);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = hutch_read_file(path, 16 << 20, &text, &len);
	if (r == -ENOENT)
		return hutch_error_set(err, ENOENT, "JSON specification file %s not found", path);
	if (r < 0)
		return hutch_error_setsys(err, -r, "read %s", path);
	if ((r = oci_config_parse(text, len, &c->cfg, err)) < 0)
		return r;
	if (!c->cfg.has_process)
		return hutch_error_set(err, EINVAL, "config.json: process: required");
	if (!c->cfg.root_path)
		return hutch_error_set(err, EINVAL, "config.json: root.path: required");
	char root[PATH_MAX + 8];
	if (c->cfg.root_path[0] == '/')
		snprintf(root, sizeof(root), "%s", c->cfg.root_path);
	else
		snprintf(root, sizeof(root), "%s/%s", bundle, c->cfg.root_path);
	struct stat sb;
	if (stat(root, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return hutch_error_set(err, ENOENT, "rootfs (%s) does not exist", root);
	if (!realpath(root, c->st.rootfs))
		return hutch_error_setsys(err, errno, "rootfs %s", root);
	/* As runc: the root as named is the root; a symlink on the way could point anywhere later. */
	clean_path(root);
	if (strcmp(root, c->st.rootfs) != 0)
		return hutch_error_set(
			err, EINVAL,
			"invalid rootfs: not an absolute path, or a symlink (%s is %s)", root,
			c->st.rootfs);
	if (c->cfg.process.terminal && !o->io.console_socket && !o->foreground)
		return hutch_error_set(err, EINVAL,
				       "cannot allocate tty if hutch-runc will detach without "
				       "setting console socket");
	if (!c->cfg.process.terminal && o->io.console_socket)
		return hutch_error_set(err, EINVAL,
				       "cannot use console socket if hutch-runc will not detach "
				       "or allocate tty");
	c->config_text = TAKE_PTR(text);
	c->config_len = len;
	return 0;
}

static int write_id_maps(pid_t pid, const struct oci_config *cfg, struct hutch_error *err)
{
	static const char *const files[] = {"uid_map", "gid_map"};
	for (int f = 0; f < 2; f++) {
		const struct oci_id_mapping *m = f ? cfg->gid_mappings : cfg->uid_mappings;
		size_t n = f ? cfg->n_gid_mappings : cfg->n_uid_mappings;
		char text[4096] = "", path[64];
		size_t off = 0;
		for (size_t i = 0; i < n && off < sizeof(text) - 40; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%u %u %u\n",
						m[i].container_id, m[i].host_id, m[i].size);
		if (!n)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[f]);
		int r = hutch_write_file(path, text);
		if (r < 0)
			return hutch_error_setsys(err, -r, "write %s", path);
	}
	return 0;
}

/*
 * Whether the process can become hutch-init (runc_child.c's exec_init) as
 * it is, to wait for start there: in a pid namespace of its own (no other
 * process can see it before), no user namespace, no fds to preserve (fd 3
 * is hutch-init's parameters), no startContainer hooks (run by the process
 * before its exec), and a seccomp filter only as hutch-init loads it: with
 * no_new_privs, no flags, no agent.
 */
static bool init_fits(const struct oci_config *cfg, const struct create_opts *o)
{
	const struct oci_seccomp *s = cfg->seccomp;
	return cfg->ns[OCI_NS_PID].present && !cfg->ns[OCI_NS_PID].path &&
	       !cfg->ns[OCI_NS_USER].present && o->io.preserve_fds == 0 &&
	       cfg->n_hooks[OCI_HOOK_START_CONTAINER] == 0 &&
	       cfg->process.n_additional_gids <= HUTCH_MAX_GROUPS &&
	       (!s || (cfg->process.no_new_privileges && !(s->flags && s->flags[0]) &&
		       !(s->listener_path && s->listener_path[0])));
}

/* The record's directory, the bundle read and kept, and the exec fifo. */
static int create_record(struct create *c, const struct create_opts *o, struct hutch_error *err)
{
	const struct oci_config *cfg = &c->cfg;
	int r;
	if (!runc_id_valid(o->id))
		return hutch_error_set(err, EINVAL, "invalid container id format: %s", o->id);
	if ((r = read_bundle(c, o, err)) < 0)
		return r;
	/* Else the process stays hutch-runc's until its exec: it runs from a sealed view. */
	c->use_init = init_fits(cfg, o);
	if (!c->use_init && (r = exe_seal_reexec(runc_globals.argv)) < 0)
		return hutch_error_setsys(err, -r, "run from a read-only view of the binary");
	for (size_t i = 0; cfg->warnings && cfg->warnings[i]; i++)
		runc_warn("%s", cfg->warnings[i]);
	if ((r = hutch_mkdir_p(runc_globals.root, 0711)) < 0)
		return hutch_error_setsys(err, -r, "create the state directory %s",
					  runc_globals.root);
	runc_path(c->dir, sizeof(c->dir), o->id, NULL);
	if (mkdir(c->dir, 0711) < 0)
		return errno == EEXIST
			       ? hutch_error_set(err, EEXIST, "container with id exists: %s", o->id)
			       : hutch_error_setsys(err, errno, "mkdir %s", c->dir);
	c->made_dir = true;
	snprintf(c->st.id, sizeof(c->st.id), "%s", o->id);
	/* Kept beside the record: delete runs its poststop hooks, exec takes its defaults. */
	char copy[4400];
	snprintf(copy, sizeof(copy), "%s/config.json", c->dir);
	if ((r = hutch_write_file_replace(copy, c->config_text, c->config_len, 0600)) < 0)
		return hutch_error_setsys(err, -r, "write %s", copy);
	snprintf(c->fifo, sizeof(c->fifo), "%s/exec.fifo", c->dir);
	if (mkfifo(c->fifo, 0622) < 0)
		return hutch_error_setsys(err, errno, "mkfifo %s", c->fifo);
	/* The container's root opens it: in a user namespace, the host's id it maps to owns it. */
	uid_t fifo_uid = 0;
	gid_t fifo_gid = 0;
	for (size_t i = 0; i < cfg->n_uid_mappings; i++)
		if (cfg->uid_mappings[i].container_id == 0)
			fifo_uid = cfg->uid_mappings[i].host_id;
	for (size_t i = 0; i < cfg->n_gid_mappings; i++)
		if (cfg->gid_mappings[i].container_id == 0)
			fifo_gid = cfg->gid_mappings[i].host_id;
	if ((fifo_uid || fifo_gid) && chown(c->fifo, fifo_uid, fifo_gid) < 0)
		return hutch_error_setsys(err, errno, "chown %s", c->fifo);
	return 0;
}

/* The cgroup path, the seccomp filter, and the cgroup in the unified hierarchy (the clone's). */
static int create_prepare(struct create *c, const struct create_opts *o, struct hutch_error *err)
{
	struct oci_config *cfg = &c->cfg;
	int r;
	if ((r = oci_cgroups_path(cfg->cgroups_path, runc_globals.systemd_cgroup, o->id,
				  RUNC_CGROUP_PARENT, c->st.cgroup_path, sizeof(c->st.cgroup_path),
				  err)) < 0)
		return r;
	/*
	 * --systemd-cgroup: the cgroupfs path systemd would give the scope,
	 * made by us. Without systemd (this is what runs then) that is all
	 * there is; with it, systemd is not asked for a transient unit.
	 */
	if (runc_globals.systemd_cgroup && access("/run/systemd/system", F_OK) == 0)
		runc_warn("--systemd-cgroup: %s is made in cgroupfs directly, not as a systemd "
			  "transient unit",
			  c->st.cgroup_path);
	if (cfg->seccomp && (r = runc_seccomp_build(cfg->seccomp, &c->seccomp, err)) < 0)
		return r;
	if (c->seccomp && c->use_init && (r = seccomp_ctx_export(c->seccomp, true, &c->prog)) < 0)
		return hutch_error_setsys(err, -r, "linux.seccomp: compile the filter");
	const struct cgroup_layout *layout;
	if ((r = cgroup_layout_detect(&layout)) < 0)
		return hutch_error_setsys(err, -r, "detect the cgroup layout");
	if ((r = cgroup_create_unified_first(layout, c->st.cgroup_path, &c->cg, err)) < 0)
		return r;
	if (cgroup_open_unified(c->cg, &c->unified_fd) < 0)
		c->unified_fd = -1;
	return 0;
}

/* linux.namespaces: those given by path opened, the clone flags of the new ones. */
static int open_namespaces(struct create *c, unsigned long *ret_flags, struct hutch_error *err)
{
	const struct oci_config *cfg = &c->cfg;
	unsigned long flags = 0;
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		if (!cfg->ns[t].present)
			continue;
		if (cfg->ns[t].path) {
			c->ns_fds[t] = open(cfg->ns[t].path, O_RDONLY | O_CLOEXEC);
			if (c->ns_fds[t] < 0)
				return hutch_error_setsys(err, errno, "linux.namespaces: open %s",
							  cfg->ns[t].path);
		} else if (t != OCI_NS_CGROUP) {
			/* The cgroup namespace is made once the process is in its cgroup. */
			flags |= (unsigned long)oci_ns_clone_flag(t);
		}
	}
	/* Another pid namespace is entered here: only our children are born in it. */
	if (c->ns_fds[OCI_NS_PID] >= 0 && setns(c->ns_fds[OCI_NS_PID], CLONE_NEWPID) < 0)
		return hutch_error_setsys(err, errno, "join the pid namespace %s",
					  cfg->ns[OCI_NS_PID].path);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return hutch_error_setsys(err, errno, "socketpair");
	*ret_flags = flags;
	return 0;
}

/*
 * The new network, IPC and UTS namespaces are made by a thread (as hutch's)
 * while the cgroup is made and limited, and sent to the child; not under a
 * new user namespace, which must own them. Takes them out of flags.
 */
static void start_ns_thread(struct create *c, unsigned long *flags)
{
	static const struct {
		enum oci_ns_type oci;
		enum hutch_ns_kind kind;
	} thread_made[] = {{OCI_NS_NETWORK, HUTCH_NS_NET},
			   {OCI_NS_IPC, HUTCH_NS_IPC},
			   {OCI_NS_UTS, HUTCH_NS_UTS}};
	const struct oci_config *cfg = &c->cfg;
	if (cfg->ns[OCI_NS_USER].present)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(thread_made); i++) {
		const struct oci_namespace *ns = &cfg->ns[thread_made[i].oci];
		c->nst.ns[thread_made[i].kind].mode =
			ns->present && !ns->path ? HUTCH_NS_PRIVATE : HUTCH_NS_HOST;
	}
	snprintf(c->nst.hostname, sizeof(c->nst.hostname), "%s",
		 cfg->hostname ? cfg->hostname : "");
	ns_prep_start(&c->np, &c->nst, c->sync[0]);
	if (c->np.running)
		*flags &= ~(unsigned long)c->np.flags;
}

/* The container's process, cloned into the unified cgroup with the new namespaces. */
static int spawn_process(struct create *c, const struct create_opts *o, unsigned long flags,
			 struct hutch_error *err)
{
	struct runc_child a = {.cfg = &c->cfg,
			       .made_flags = c->np.running ? c->np.flags : 0,
			       .rootfs = c->st.rootfs,
			       .fifo_path = c->fifo,
			       .sync_fd = c->sync[1],
			       .cg = c->cg,
			       .no_pivot = o->no_pivot,
			       .preserve_fds = o->io.preserve_fds,
			       .seccomp = c->seccomp,
			       .use_init = c->use_init,
			       .prog = &c->prog,
			       .tty_fd = -1};
	memcpy(a.ns_fds, c->ns_fds, sizeof(a.ns_fds));
	fflush(NULL);
	c->pid = clone_init(flags | SIGCHLD, c->unified_fd, &a.in_unified);
	if (c->pid < 0)
		return hutch_error_setsys(err, errno, "clone the container's process");
	if (c->pid == 0) {
		close(c->sync[0]);
		runc_child_main(&a);
	}
	close(TAKE_FD(c->sync[1]));
	return 0;
}

/* The cgroup's other hierarchies and limits, the thread's namespaces, the id maps. */
static int limit_process(struct create *c, struct hutch_error *err)
{
	const struct oci_config *cfg = &c->cfg;
	int r;
	if ((r = cgroup_create_rest(c->cg, err)) < 0 ||
	    (r = runc_apply_resources(c->cg, &cfg->resources, err)) < 0 ||
	    (r = runc_device_policy(c->cg, cfg, err)) < 0)
		return r;
	/* The thread has sent the child its namespaces: "go" comes after them. */
	if ((r = ns_prep_finish(&c->np, err)) < 0)
		return r;
	if (cfg->ns[OCI_NS_USER].present && !cfg->ns[OCI_NS_USER].path &&
	    (r = write_id_maps(c->pid, cfg, err)) < 0)
		return r;
	c->st.pid = c->pid;
	hutch_pid_start_ticks(c->pid, &c->st.pid_start_ticks);
	c->st.created_ns = hutch_wall_ns();
	c->st.own_pidns = cfg->ns[OCI_NS_PID].present && !cfg->ns[OCI_NS_PID].path;
	c->st.systemd_cgroup = runc_globals.systemd_cgroup;
	c->st.poststart_hooks = cfg->n_hooks[OCI_HOOK_POSTSTART] > 0;
	c->st.poststop_hooks = cfg->n_hooks[OCI_HOOK_POSTSTOP] > 0;
	c->st.annotations = cfg->annotations;
	c->st.n_annotations = cfg->n_annotations;
	return 0;
}

/* One answer of the child; an fd it passes goes to ret_fd (NULL: none is expected). */
static int recv_step(struct create *c, int *ret_fd, struct hutch_error *err)
{
	struct sync_msg m;
	int fd = -1, r = sync_recv_result(c->sync[0], &m, &fd);
	if (ret_fd)
		*ret_fd = fd;
	else if (fd >= 0)
		close(fd);
	if (r < 0)
		return hutch_error_set(err, EIO, "the container's process died while setting up");
	if (m.err)
		return hutch_error_set(err, m.err, "%s", m.msg);
	return 0;
}

/*
 * "go" with the state for the hooks; the child mounts; the prestart and
 * createRuntime hooks; "c"; the child pivots and gets ready. Without those
 * hooks "c" goes with "go": the child runs through without waiting for us.
 */
static int handshake(struct create *c, struct hutch_error *err)
{
	const struct oci_config *cfg = &c->cfg;
	_cleanup_free_ char *json = NULL;
	int r = runc_state_oci_json(&c->st, RUNC_CREATING, false, &json);
	if (r < 0)
		return hutch_error_setsys(err, -r, "state JSON");
	bool hooks = cfg->n_hooks[OCI_HOOK_PRESTART] || cfg->n_hooks[OCI_HOOK_CREATE_RUNTIME];
	send(c->sync[0], json, strlen(json), MSG_NOSIGNAL);
	if (!hooks)
		send(c->sync[0], "c", 1, MSG_NOSIGNAL);
	if ((r = recv_step(c, NULL, err)) < 0)
		return r;
	if (hooks) {
		if ((r = runc_run_hooks(cfg, OCI_HOOK_PRESTART, json, err)) < 0 ||
		    (r = runc_run_hooks(cfg, OCI_HOOK_CREATE_RUNTIME, json, err)) < 0)
			return r;
		send(c->sync[0], "c", 1, MSG_NOSIGNAL);
	}
	return recv_step(c, &c->master, err);
}

/* The seccomp agent's fd, the console socket's pty, the record, the pid file. */
static int hand_over(struct create *c, const struct create_opts *o, struct hutch_error *err)
{
	const struct oci_config *cfg = &c->cfg;
	int r;
	if (c->seccomp && cfg->seccomp->listener_path && cfg->seccomp->listener_path[0]) {
		struct sync_msg m;
		int nfd;
		if (sync_recv_result(c->sync[0], &m, &nfd) < 0 || nfd < 0)
			return hutch_error_set(err, EIO, "no seccomp notify fd from the container");
		_cleanup_free_ char *sjson = NULL;
		runc_state_oci_json(&c->st, RUNC_CREATED, false, &sjson);
		r = runc_send_to_socket(cfg->seccomp->listener_path, sjson ? sjson : "{}", nfd,
					err);
		close(nfd);
		if (r < 0)
			return hutch_error_wrap(err, "linux.seccomp.listenerPath");
	}
	if (c->master >= 0 && o->io.console_socket) {
		if ((r = runc_send_to_socket(o->io.console_socket, "/dev/ptmx", c->master, err)) <
		    0)
			return hutch_error_wrap(err, "--console-socket");
		close(TAKE_FD(c->master));
	}
	if ((r = runc_state_write(&c->st)) < 0)
		return hutch_error_setsys(err, -r, "write the state of %s", o->id);
	if (o->io.pid_file && (r = runc_write_pid_file(o->io.pid_file, c->pid)) < 0)
		return hutch_error_setsys(err, -r, "--pid-file %s", o->io.pid_file);
	/* Its end closes at its exec: from then on its exe is hutch-init's memfd. */
	char b;
	ssize_t n;
	while (c->use_init && ((n = recv(c->sync[0], &b, 1, 0)) > 0 || (n < 0 && errno == EINTR)))
		;
	return 0;
}

static int create_container(struct create *c, const struct create_opts *o, struct hutch_error *err)
{
	unsigned long flags = 0;
	int r;
	if ((r = create_record(c, o, err)) < 0 || (r = create_prepare(c, o, err)) < 0 ||
	    (r = open_namespaces(c, &flags, err)) < 0)
		return r;
	start_ns_thread(c, &flags);
	if ((r = spawn_process(c, o, flags, err)) < 0 || (r = limit_process(c, err)) < 0 ||
	    (r = handshake(c, err)) < 0)
		return r;
	return hand_over(c, o, err);
}

static void create_init(struct create *c)
{
	memset(c, 0, sizeof(*c));
	hutch_state_init(&c->nst);
	oci_config_init(&c->cfg);
	c->unified_fd = c->master = -1;
	c->sync[0] = c->sync[1] = -1;
	c->pid = -1;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		c->ns_fds[t] = -1;
}

static void create_free(struct create *c)
{
	/* The annotations are the config's. */
	c->st.annotations = NULL;
	c->st.n_annotations = 0;
	if (c->cg)
		cgroup_close(TAKE_PTR(c->cg));
	oci_config_free(&c->cfg);
	free(TAKE_PTR(c->config_text));
}

static int parse_create_flags(int argc, char **argv, const char *verb, struct create_opts *o,
			      bool *detach, bool *keep)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},   {"no-pivot", no_argument, NULL, 'P'},
		{"no-new-keyring", no_argument, NULL, 'K'}, {"keep", no_argument, NULL, 'k'},
		{"no-subreaper", no_argument, NULL, 'S'},   RUNC_IO_OPTIONS_END,
	};
	int c;
	optind = 1;
	memset(o, 0, sizeof(*o));
	o->bundle = ".";
	while ((c = runc_getopt(argc, argv, "b:dh", opts, verb, &o->io)) != -1) {
		switch (c) {
		case RUNC_OPT_BAD:
			return 1;
		case 'b':
			o->bundle = optarg;
			break;
		case 'P':
			o->no_pivot = true;
			break;
		case 'K':
		case 'S':
			break; /* hutch makes no session keyring; run never needs a subreaper */
		case 'd':
		case 'k':
			if (!detach)
				return runc_fail("%s: unknown flag %s", verb, argv[optind - 1]);
			if (c == 'd')
				*detach = true;
			else
				*keep = true;
			break;
		case 'h':
			printf("Usage: hutch-runc %s [--bundle DIR] [--console-socket PATH] "
			       "[--pid-file FILE]\n  [--no-pivot] [--preserve-fds N]%s ID\n",
			       verb, detach ? " [--detach] [--keep]" : "");
			return -1;
		default:
			return runc_bad_flag(verb, argv);
		}
	}
	if (optind != argc - 1)
		return runc_fail("%s: requires exactly 1 argument, the container id", verb);
	o->id = argv[optind];
	return 0;
}

int runc_cmd_create(int argc, char **argv)
{
	struct create_opts o;
	int r = parse_create_flags(argc, argv, "create", &o, NULL, NULL);
	if (r)
		return r < 0 ? 0 : r;
	struct create c;
	struct hutch_error err = {0};
	create_init(&c);
	if (create_container(&c, &o, &err) < 0) {
		create_undo(&c);
		create_free(&c);
		return runc_fail("%s", err.msg);
	}
	create_close(&c);
	if (c.master >= 0)
		close(c.master);
	create_free(&c);
	return 0;
}

/* Lets the created process exec: opens the fifo it waits on and reads its byte. */
static int start_process(const struct runc_state *st, struct hutch_error *err)
{
	char fifo[4200];
	runc_path(fifo, sizeof(fifo), st->id, "exec.fifo");
	_cleanup_close_ int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "open %s", fifo);
	/*
	 * The process writes a byte once its startContainer hooks ran, and its
	 * end of the fifo closes at its exec: poststart hooks come after both.
	 */
	bool got = false;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, 100);
		char b;
		ssize_t r = n > 0 ? read(fd, &b, 1) : -1;
		if (r == 1)
			got = true;
		else if (r == 0 && got)
			break;
		if (r <= 0 && runc_state_status(st) == RUNC_STOPPED) {
			unlink(fifo);
			if (got)
				break; /* it ran and is gone already */
			return hutch_error_set(err, ESRCH, "the container's process has exited");
		}
	}
	unlink(fifo);
	return 0;
}

static int start_and_hooks(const struct runc_state *st, struct hutch_error *err)
{
	int r = start_process(st, err);
	if (r < 0 || !st->poststart_hooks)
		return r;
	char path[4200];
	_cleanup_free_ char *text = NULL, *json = NULL;
	size_t len;
	runc_path(path, sizeof(path), st->id, "config.json");
	struct oci_config cfg;
	if (hutch_read_file(path, 16 << 20, &text, &len) == 0 &&
	    oci_config_parse(text, len, &cfg, err) == 0) {
		/* A poststart hook that fails is a warning: the process runs already. */
		if (cfg.n_hooks[OCI_HOOK_POSTSTART] &&
		    runc_state_oci_json(st, RUNC_RUNNING, false, &json) == 0 &&
		    runc_run_hooks(&cfg, OCI_HOOK_POSTSTART, json, err) < 0)
			runc_warn("%s", err->msg);
		oci_config_free(&cfg);
	}
	hutch_error_clear(err);
	return 0;
}

int runc_cmd_start(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: hutch-runc start ID\n\nLets a created container's process run.\n");
		return 0;
	}
	if (argc != 2)
		return runc_fail("start: requires exactly 1 argument, the container id");
	struct runc_state st;
	if (runc_lookup(argv[1], &st))
		return 1;
	enum runc_status s = runc_state_status(&st);
	int r = 0;
	struct hutch_error err = {0};
	if (s == RUNC_STOPPED)
		r = runc_fail("cannot start a container that has stopped");
	else if (s != RUNC_CREATED)
		r = runc_fail("cannot start an already running container");
	else if (start_and_hooks(&st, &err) < 0)
		r = runc_fail("start %s: %s", st.id, err.msg);
	runc_state_free(&st);
	return r;
}

int runc_cmd_run(int argc, char **argv)
{
	struct create_opts o;
	bool detach = false, keep = false;
	int r = parse_create_flags(argc, argv, "run", &o, &detach, &keep);
	if (r)
		return r < 0 ? 0 : r;
	o.foreground = !detach;
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t blocked;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(&blocked, fwd[i]);
	if (!detach)
		sigprocmask(SIG_BLOCK, &blocked, NULL);
	struct create c;
	struct hutch_error err = {0};
	create_init(&c);
	if (create_container(&c, &o, &err) < 0 || start_and_hooks(&c.st, &err) < 0) {
		create_undo(&c);
		create_free(&c);
		return runc_fail("%s", err.msg);
	}
	create_close(&c);
	if (detach) {
		if (c.master >= 0)
			close(c.master);
		create_free(&c);
		return 0;
	}
	int status = pty_relay(c.master, c.master >= 0 ? STDIN_FILENO : -1, STDOUT_FILENO, c.pid,
			       fwd, ARRAY_SIZE(fwd));
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (c.master >= 0)
		close(c.master);
	if (!keep && runc_destroy(&c.st, &err) < 0)
		runc_warn("delete %s: %s", c.st.id, err.msg);
	create_free(&c);
	return code;
}
