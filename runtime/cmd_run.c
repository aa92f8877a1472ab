// SPDX-License-Identifier: MIT
/* hutch run: create and run a container. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "hutch.h"
#include "image_store.h"

static void run_usage(void)
{
	printf("Usage: hutch run [FLAGS] IMAGE [CMD [ARG...]]\n"
	       "       hutch run [FLAGS] --rootfs DIR CMD [ARG...]\n\n"
	       "Create and run a container.\n\n"
	       "  --name NAME              name the container\n"
	       "  -d, --detach             run in the background, print the id; output goes to "
	       "`hutch logs`\n"
	       "  --rm                     remove the container when it exits\n"
	       "  -i, --interactive        keep stdin open\n"
	       "  -t, --tty                give the command a pseudo-terminal\n"
	       "  -m, --memory SIZE        memory limit (b, k, m, g suffixes)\n"
	       "  --memory-swap SIZE       memory plus swap limit; -1 for unlimited swap\n"
	       "  --cpus N                 CPU quota in CPUs (fractional, over a 100 ms period)\n"
	       "  --cpu-shares N           relative CPU weight (v1 shares, 2..262144)\n"
	       "  --cpuset-cpus LIST       CPUs to run on (0-2,4)\n"
	       "  --cpuset-mems LIST       memory nodes\n"
	       "  --pids-limit N           at most N tasks (-1: unlimited)\n"
	       "  -v, --volume HOST:CTR[:ro]  bind mount a host path\n"
	       "  -e, --env KEY=VALUE      set a variable (KEY alone: the host's value)\n"
	       "  --env-file FILE          read variables from FILE\n"
	       "  -w, --workdir DIR        working directory in the container\n"
	       "  -u, --user USER[:GROUP]  run the command as this user (name or number)\n"
	       "  --hostname NAME          the container's host name\n"
	       "  --read-only              mount the root filesystem read-only\n"
	       "  --pid host|container:NAME    share a pid namespace\n"
	       "  --net none|host|container:NAME   network (default: own namespace, loopback up)\n"
	       "  --ipc host|container:NAME    share an IPC namespace\n"
	       "  --uts host               share the host's UTS namespace\n"
	       "  --cgroup-parent PATH     make the cgroup under PATH (default /hutch)\n"
	       "  --no-fsd                 do not bind hutch-fsd's /proc files even when it runs\n"
	       "  --rootfs DIR             run over this root filesystem instead of an image\n"
	       "  --no-pivot               chroot instead of pivot_root (roots on ramfs)\n"
	       "  --security-opt seccomp=unconfined   no seccomp filter\n"
	       "  --security-opt seccomp=FILE         a seccomp profile in docker's JSON format\n"
	       "  --security-opt no-new-privileges[=true|false]   (default true)\n"
	       "  --cap-add CAP, --cap-drop CAP        capabilities over docker's default 14 "
	       "(ALL)\n"
	       "  --privileged             all capabilities and devices, no seccomp, no masks\n"
	       "  --ulimit NAME=SOFT[:HARD]   a resource limit (nofile, nproc, core, ...; -1: "
	       "unlimited)\n"
	       "  -l, --label KEY=VALUE    a label (over the image's Labels)\n"
	       "  --stop-signal SIG        what hutch stop sends first (default the image's "
	       "StopSignal, else TERM)\n"
	       "  --entrypoint CMD         instead of the image's Entrypoint (\"\": none); its "
	       "Cmd is dropped\n"
	       "  -h, --help               this help\n\n"
	       "Images are directories under %s (HUTCH_IMAGES_DIR); 'busybox' is built on first "
	       "use.\n"
	       "Exit status: the command's; 125 hutch failed; 126 cannot execute; 127 not found;\n"
	       "128+N killed by signal N (137 also when OOM-killed).\n",
	       image_store_dir());
}

/* The environment: defaults, the image's, then --env-file, then -e, later ones winning. */
static int build_env(struct run_opts *o, char **image_env, struct hutch_error *err)
{
	_cleanup_strv_free_ char **env = NULL;
	char buf[512];
	int r = spec_env_set(&env, "PATH=" HUTCH_DEFAULT_PATH);
	snprintf(buf, sizeof(buf), "HOSTNAME=%s", o->st.hostname[0] ? o->st.hostname : "");
	if (r == 0 && o->st.hostname[0])
		r = spec_env_set(&env, buf);
	if (r == 0 && o->st.tty)
		r = spec_env_set(&env, "TERM=xterm");
	if (r == 0)
		r = spec_env_set(&env, "HOME=/root");
	for (size_t i = 0; r == 0 && image_env && image_env[i]; i++)
		r = spec_env_set(&env, image_env[i]);
	for (size_t i = 0; r == 0 && o->env_files && o->env_files[i]; i++) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		r = hutch_read_file(o->env_files[i], 1 << 20, &text, &len);
		if (r < 0)
			return hutch_error_setsys(err, -r, "--env-file %s", o->env_files[i]);
		r = spec_env_file_parse(text, &env, err);
		if (r < 0)
			return hutch_error_wrap(err, "--env-file %s", o->env_files[i]);
	}
	for (size_t i = 0; r == 0 && o->st.env && o->st.env[i]; i++)
		r = spec_env_set(&env, o->st.env[i]);
	if (r < 0)
		return hutch_error_set(err, -r, "out of memory");
	strv_free(o->st.env);
	o->st.env = TAKE_PTR(env);
	return 0;
}

/* A seccomp=FILE profile: its absolute path kept, and compiled once now so a bad one fails here. */
static int check_profile(struct hutch_state *st, struct hutch_error *err)
{
	char real[PATH_MAX];
	if (!realpath(st->seccomp_profile, real))
		return hutch_error_setsys(err, errno, "--security-opt seccomp=%s",
					  st->seccomp_profile);
	if (strlen(real) >= sizeof(st->seccomp_profile))
		return hutch_error_set(err, ENAMETOOLONG, "--security-opt seccomp=%s: too long",
				       real);
	strcpy(st->seccomp_profile, real);
	struct seccomp_prog prog = {0};
	int r = seccomp_build_file(st->seccomp_profile, st->cap_mask, &prog, err);
	seccomp_prog_free(&prog);
	return r;
}

static int run_detached(struct run_opts *o)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hutch_fail("run", "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return hutch_fail("run", "fork: %s", strerror(errno));
	if (pid == 0) {
		/* The monitor: waits for the container in the background, records its end. */
		close(p[0]);
		/* A `hutch run -d` killed before it reads the id must not take the monitor with it. */
		signal(SIGPIPE, SIG_IGN);
		setsid();
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		struct hutch_error err = {0};
		int r = container_run(&o->st, o->cgroup_parent, p[1], &err);
		if (r < 0 && write(p[1], err.msg, strlen(err.msg)) < 0) {
			/* nobody to tell */
		}
		_exit(0);
	}
	close(p[1]);
	char buf[1200];
	size_t n = 0;
	ssize_t k;
	while (n < sizeof(buf) - 1 && (k = read(p[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		n += (size_t)k;
		if (memchr(buf, '\n', n))
			break;
	}
	close(p[0]);
	buf[n] = '\0';
	if (n == HUTCH_ID_LEN + 1 && buf[HUTCH_ID_LEN] == '\n') {
		fputs(buf, stdout);
		return 0;
	}
	return hutch_fail("run", "%s", n ? buf : "the container's monitor died while starting it");
}

/*
 * --entrypoint, as docker's: it replaces the image's Entrypoint ("" leaves
 * none) and drops the image's Cmd, so the command is it + the given args.
 */
static int entrypoint_override(const char *ep, struct image_config *c, struct hutch_error *err)
{
	if (!ep)
		return 0;
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	c->entrypoint = c->cmd = NULL;
	if (ep[0] && strv_push(&c->entrypoint, ep) < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct hutch_error err = {0};
	struct image_config cfg = {0};
	run_opts_init(&o);
	int code;
	if (run_opts_parse(argc, argv, &o, &err) < 0) {
		code = hutch_fail("run", "%s (see hutch run --help)", err.msg);
		goto out;
	}
	if (o.help) {
		run_usage();
		code = 0;
		goto out;
	}
	if (o.rootfs) {
		char real[PATH_MAX];
		struct stat sb;
		if (!realpath(o.rootfs, real) || stat(real, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			code = hutch_fail("run", "--rootfs %s: not a directory", o.rootfs);
			goto out;
		}
		snprintf(o.st.rootfs, sizeof(o.st.rootfs), "%s", real);
		if (o.entrypoint && (entrypoint_override(o.entrypoint, &cfg, &err) < 0 ||
				     image_config_apply(&cfg, &o.st, &err) < 0)) {
			code = hutch_fail("run", "%s", err.msg);
			goto out;
		}
	} else {
		if (image_resolve(o.image, o.st.rootfs, sizeof(o.st.rootfs), &err) < 0) {
			code = hutch_fail("run", "%s", err.msg);
			goto out;
		}
		if (image_resolve_config(o.image, &cfg, &err) < 0 ||
		    entrypoint_override(o.entrypoint, &cfg, &err) < 0 ||
		    image_config_apply(&cfg, &o.st, &err) < 0) {
			code = hutch_fail("run", "image '%s': %s", o.image, err.msg);
			goto out;
		}
	}
	if (o.st.seccomp_profile[0] && check_profile(&o.st, &err) < 0) {
		code = hutch_fail("run", "%s", err.msg);
		goto out;
	}
	if (build_env(&o, cfg.env, &err) < 0) {
		code = hutch_fail("run", "%s", err.msg);
		goto out;
	}
	if (o.st.detach) {
		code = run_detached(&o);
		goto out;
	}
	int r = container_run(&o.st, o.cgroup_parent, -1, &err);
	code = r < 0 ? hutch_fail("run", "%s", err.msg) : r;
out:
	image_config_free(&cfg);
	run_opts_free(&o);
	return code;
}
