// SPDX-License-Identifier: MIT
/*
 * The container registry from the runtime's side, made to survive a
 * SIGKILL of any hutch process at any moment:
 *
 * - A container's directory appears whole: it is made as .new-<id>-<pid>
 *   with its state, its exit record and a link to its cgroup's path, and
 *   renamed to <id> once its name is reserved (.names/<name>). The cgroup
 *   comes after, so whatever of it exists is named by a listed container.
 * - Removal renames the directory to .trash-<id> first: a container is
 *   listed whole or not at all.
 * - The monitor (hutch run, or run -d's background process) records the
 *   exit in <id>/exit, a file allocated at creation and written in place
 *   (a full disk cannot refuse it), then in state.json.
 * - Any hutch command that finds a container whose monitor is gone tells
 *   the truth about it: running while its init runs (its pidfd, not a
 *   zombie's /proc entry), else exited, which it records, taking down the
 *   cgroup (and everything, for --rm), and says so on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "hutch/cgroup.h"
#include "hutch.h"
#include "init_proto.h"

#define EXIT_RECORD_SIZE 4096

static void dir_of(const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", hutch_globals.root, id);
}

int registry_create(struct hutch_state *st, struct hutch_error *err)
{
	const char *root = hutch_globals.root;
	char tmp[4096], dir[4096], path[4200];
	_cleanup_close_ int lock = -1;
	int r;
	snprintf(tmp, sizeof(tmp), "%s/.new-%s-%d", root, st->id, (int)getpid());
	dir_of(st->id, dir, sizeof(dir));
	if (mkdir(tmp, 0700) < 0)
		return hutch_error_setsys(err, errno, "mkdir %s", tmp);
	snprintf(path, sizeof(path), "%s/cgroup", tmp);
	if (symlink(st->cgroup_path, path) < 0) {
		r = hutch_error_setsys(err, errno, "link %s", path);
		goto fail;
	}
	/* The exit record's room, taken now: at the end a full disk cannot refuse it. */
	snprintf(path, sizeof(path), "%s/exit", tmp);
	{
		_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || (r = posix_fallocate(fd, 0, EXIT_RECORD_SIZE)) != 0) {
			r = hutch_error_setsys(err, fd < 0 ? errno : r, "create %s", path);
			goto fail;
		}
	}
	if ((r = hutch_state_write_at(tmp, st)) < 0) {
		hutch_error_setsys(err, -r, "write the state of %s", st->id);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/.lock", root);
	lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		r = hutch_error_setsys(err, errno, "lock %s", path);
		goto fail;
	}
	r = hutch_name_reserve(root, st->name, st->id);
	if (r < 0) {
		if (r == -EEXIST)
			hutch_error_set(err, EEXIST, "the name '%s' is already in use", st->name);
		else
			hutch_error_setsys(err, -r, "reserve the name '%s'", st->name);
		goto fail;
	}
	if (rename(tmp, dir) < 0) {
		r = hutch_error_setsys(err, errno, "rename %s to %s", tmp, dir);
		hutch_name_release(root, st->name, st->id);
		goto fail;
	}
	return 0;
fail:
	hutch_rm_rf(tmp);
	return r < 0 ? r : -EIO;
}

int registry_remove(const struct hutch_state *st)
{
	char dir[4096], trash[4200];
	dir_of(st->id, dir, sizeof(dir));
	snprintf(trash, sizeof(trash), "%s/.trash-%s", hutch_globals.root, st->id);
	int r = 0;
	if (rename(dir, trash) < 0) {
		if (errno != ENOENT)
			return -errno;
	} else {
		/* What a --rm container leaves, by name (cheaper than a walk); else the walk. */
		static const char *const files[] = {"state.json", "exit", "cgroup", "seccomp.bpf",
						    "log.reserve"};
		char path[4400];
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", trash, files[i]);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/rootfs", trash);
		rmdir(path);
		if (rmdir(trash) < 0)
			r = hutch_rm_rf(trash);
	}
	if (st->name[0])
		hutch_name_release(hutch_globals.root, st->name, st->id);
	return r;
}

int registry_write_exit(int fd, int code, bool oom_killed, uint64_t finished_ns, const char *note)
{
	char line[EXIT_RECORD_SIZE];
	/* The format hutch-init writes too; within the room taken at creation: no ENOSPC. */
	size_t n = init_exit_record(line, sizeof(line), code, oom_killed,
				    (unsigned long long)finished_ns, note);
	if (pwrite(fd, line, n, 0) != (ssize_t)n)
		return -EIO;
	return 0;
}

int registry_open_exit(const struct hutch_state *st)
{
	char path[4200];
	dir_of(st->id, path, sizeof(path));
	strncat(path, "/exit", sizeof(path) - strlen(path) - 1);
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int registry_record_exit(const struct hutch_state *st)
{
	_cleanup_close_ int fd = registry_open_exit(st);
	if (fd < 0)
		return fd;
	return registry_write_exit(fd, st->exit_code, st->oom_killed, st->finished_ns,
				   st->log_note);
}

/* Folds <id>/exit into st; true if there was a record. */
static bool read_exit_record(struct hutch_state *st)
{
	char path[4200], buf[EXIT_RECORD_SIZE + 1];
	dir_of(st->id, path, sizeof(path));
	strncat(path, "/exit", sizeof(path) - strlen(path) - 1);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	ssize_t n = pread(fd, buf, EXIT_RECORD_SIZE, 0);
	if (n <= 0 || buf[0] == '\0')
		return false;
	buf[n] = '\0';
	int code, oom, off = 0;
	unsigned long long fin;
	if (sscanf(buf, "%d %d %llu %n", &code, &oom, &fin, &off) < 3 || code < -1 || code > 255)
		return false;
	st->status = HUTCH_STATUS_EXITED;
	st->exit_code = code;
	st->oom_killed = oom != 0;
	st->finished_ns = fin;
	char *nl = strchr(buf + off, '\n');
	if (nl)
		*nl = '\0';
	if (off > 0 && buf[off] && !st->log_note[0])
		snprintf(st->log_note, sizeof(st->log_note), "%s", buf + off);
	return true;
}

static bool monitor_alive(const struct hutch_state *st)
{
	return hutch_pid_running(st->monitor_pid, st->monitor_start_ticks);
}

/*
 * A container whose monitor is gone and whose init has ended (or never
 * ran): its end recorded as far as it is known, its cgroup taken down
 * (whatever runs there belongs to a start that was cut short), and for
 * --rm, all of it removed. Under a lock on its directory, so two commands
 * do not do it at once.
 */
static void finish_orphan(struct hutch_state *st, bool started, bool recorded)
{
	char dir[4096];
	dir_of(st->id, dir, sizeof(dir));
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || flock(dfd, LOCK_EX | LOCK_NB) < 0)
		return;
	const struct cgroup_layout *layout;
	bool found = false;
	if (st->cgroup_path[0] == '/' && cgroup_layout_detect(&layout) == 0)
		cgroup_remove_path(layout, st->cgroup_path, SIGKILL, &found);
	/*
	 * An exit recorded with the cgroup gone: the monitor did all its work
	 * but could not rewrite state.json (a full disk); nothing to say.
	 */
	bool quiet = recorded && !found;
	char id12[13], code[32];
	snprintf(id12, sizeof(id12), "%.12s", st->id);
	st->status = HUTCH_STATUS_EXITED;
	if (!recorded)
		st->exit_code = -1;
	if (!st->finished_ns)
		st->finished_ns = hutch_wall_ns();
	if (st->auto_remove) {
		registry_remove(st);
		if (!quiet)
			fprintf(stderr,
				"hutch: container %s (%s) was left by a killed hutch%s; removed it "
				"(--rm)\n",
				st->name, id12, started ? " after it ran" : " while starting");
		return;
	}
	registry_record_exit(st);
	hutch_state_write(hutch_globals.root, st);
	if (quiet)
		return;
	if (recorded)
		snprintf(code, sizeof(code), "exit code %d (its init's record)", st->exit_code);
	else
		snprintf(code, sizeof(code), "exit code unknown");
	fprintf(stderr,
		"hutch: container %s (%s): its monitor was killed %s; recorded it as exited, %s\n",
		st->name, id12, started ? "and its init has ended since" : "while starting it",
		code);
}

void container_refresh(struct hutch_state *st)
{
	if (st->broken[0] || st->status == HUTCH_STATUS_EXITED)
		return;
	/* The exit record: the monitor's, or the init's own when its monitor was killed. */
	bool recorded = read_exit_record(st);
	bool init_alive = !recorded && st->pid > 0 && hutch_state_pid_alive(st);
	if (monitor_alive(st)) {
		if (recorded || st->status != HUTCH_STATUS_RUNNING || init_alive)
			return;
		/* The init has exited; its monitor is recording it: a moment. */
		for (int i = 0; i < 40 && monitor_alive(st); i++) {
			nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
			if (read_exit_record(st))
				return;
		}
		if (read_exit_record(st))
			return;
		if (monitor_alive(st)) {
			st->status = HUTCH_STATUS_EXITED; /* the code is on its way */
			return;
		}
	}
	/* No monitor. Running is running: rm -f or stop ends it, and the next command records it. */
	if (init_alive && st->status == HUTCH_STATUS_RUNNING)
		return;
	finish_orphan(st, st->status == HUTCH_STATUS_RUNNING || recorded, recorded);
}

/*
 * Name reservations whose container directory does not exist: a hutch was
 * killed between reserving and renaming. Both happen under the root's lock,
 * so under it such a reservation is stale, not a creation in progress.
 */
static void gc_names(const char *root)
{
	char path[4200], target[HUTCH_ID_LEN + 2];
	snprintf(path, sizeof(path), "%s/.names", root);
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return;
	snprintf(path, sizeof(path), "%s/.lock", root);
	_cleanup_close_ int lock = open(path, O_RDWR | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ssize_t k = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		snprintf(path, sizeof(path), "%s/%s", root, target);
		if (strchr(target, '/') || access(path, F_OK) == 0 || errno != ENOENT)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			fprintf(stderr,
				"hutch: released the name %s, reserved by a hutch killed before "
				"its "
				"container was made\n",
				de->d_name);
	}
}

void registry_gc(void)
{
	const char *root = hutch_globals.root;
	gc_names(root);
	_cleanup_closedir_ DIR *d = opendir(root);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[4200];
		int pid = 0;
		bool trash = strncmp(de->d_name, ".trash-", 7) == 0;
		if (strncmp(de->d_name, ".new-", 5) == 0) {
			const char *dash = strrchr(de->d_name, '-');
			pid = dash ? atoi(dash + 1) : 0;
			/* A creation in progress, or one whose hutch was killed. */
			if (pid <= 0 || hutch_pid_running(pid, 0))
				continue;
		} else if (!trash) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		hutch_rm_rf(path);
		fprintf(stderr, "hutch: removed %s, left by a hutch killed while %s\n", de->d_name,
			trash ? "removing a container" : "creating one");
	}
}

int container_lookup(const char *verb, const char *name, struct hutch_state *ret)
{
	registry_gc();
	int r = hutch_state_find(hutch_globals.root, name, ret);
	if (r == -ENOENT || r == -EINVAL)
		return hutch_fail(verb, "no such container: %s", name);
	if (r == -ENOTUNIQ)
		return hutch_fail(verb, "'%s' names more than one container; give more of the id",
				  name);
	if (r < 0)
		return hutch_fail(verb, "read state of %s: %s", name, strerror(-r));
	container_refresh(ret);
	return 0;
}

int container_each(const char *verb, int argc, char **argv, int first,
		   int (*fn)(struct hutch_state *st, const char *name, void *arg), void *arg)
{
	if (first >= argc)
		return hutch_fail(verb, "a container NAME is needed");
	int code = 0;
	for (int i = first; i < argc; i++) {
		struct hutch_state st;
		if (container_lookup(verb, argv[i], &st) != 0) {
			code = EXIT_RUNTIME;
			continue;
		}
		if (fn(&st, argv[i], arg) != 0)
			code = EXIT_RUNTIME;
		else
			printf("%s\n", argv[i]);
		hutch_state_free(&st);
	}
	return code;
}
