/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd: options, mount point checks; then the supervisor (the default,
 * fsd/supervisor.c) or, as the supervisor starts it, a worker (--worker,
 * fsd/session.c), or an --upgrade request to a running supervisor.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "hutch/procfs.h"
#include "cache_view.h"
#include "mountpoint.h"
#include "session.h"
#include "supervisor.h"

#define DEFAULT_MOUNTPOINT "/var/lib/hutch-fsd"
/* --containers: the per-container view (fsd/cache_view.c). */
#define DEFAULT_CONTAINERS_MOUNTPOINT "/var/lib/hutch-fsd-containers"

enum {
	EXIT_USAGE = 2,
	EXIT_MOUNTPOINT = 3,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hutch-fsd [OPTIONS] [MOUNTPOINT]\n"
		"\n"
		"Serves per-container views of /proc and /sys files over FUSE, in lxcfs's\n"
		"layout, at MOUNTPOINT (default " DEFAULT_MOUNTPOINT ", created if missing):\n"
		"  proc/{meminfo,cpuinfo,stat,uptime,loadavg,diskstats,swaps,slabinfo}\n"
		"  proc/pressure/{cpu,memory,io}\n"
		"  sys/devices/system/cpu/ (online, possible, present, cpuN: the visible CPUs)\n"
		"Bind-mount them over a container's /proc/... files. A reader sees its\n"
		"container's limits and usage (the cgroup of the init of its pid namespace);\n"
		"a reader in hutch-fsd's own pid namespace sees the host's files.\n"
		"Runs in the foreground: a supervisor that mounts and keeps the FUSE\n"
		"connection, and a worker process that serves it. A worker that dies is\n"
		"replaced at once; readers wait, they get no error. SIGTERM, SIGINT or\n"
		"SIGQUIT unmount and stop it; SIGHUP, SIGUSR1 or --upgrade replace the\n"
		"program in place (after a package upgrade) without unmounting; SIGUSR2\n"
		"logs the state (under systemd with a fd store: a restart keeping the mount).\n"
		"Containers' sysinfo(2) calls are answered at MOUNTPOINT.agent.sock (seccomp\n"
		"user notification; hutch connects by itself, OCI runtimes through\n"
		"linux.seccomp.listenerPath).\n"
		"\n"
		"Options:\n"
		"  --containers       serve the per-container view instead, at MOUNTPOINT\n"
		"                     (default " DEFAULT_CONTAINERS_MOUNTPOINT "):\n"
		"                     <id>/proc/meminfo ... for the container whose cgroup\n"
		"                     path <id> is ('/' as %%2F, '%%' as %%25, no leading '/'),\n"
		"                     read from the kernel's page cache (see fsd/README.md)\n"
		"  --no-cfs           do not cut the visible CPUs to the CPU quota\n"
		"                     (by default a quota of 1.5 CPUs shows 2 CPUs)\n"
		"  --cache-ms N       reuse a container's rendered file for N ms (default 100)\n"
		"  --sample-ms N      count each container's tasks for its load average\n"
		"                     every N ms (default 5000, the kernel's interval)\n"
		"  --threads N        N threads render files (default 4); one per CPU reads\n"
		"                     requests and answers those a cached file serves\n"
		"  --one-answerer     one thread reads requests, wherever the scheduler puts\n"
		"                     it (by default one per CPU on hosts of 2 to 4 CPUs,\n"
		"                     each answering the readers of its CPU: faster on an\n"
		"                     idle host, more CPU per read)\n"
		"  --mt-loop          libfuse's multi-threaded loop instead (every request\n"
		"                     on a pool thread; --threads caps the pool)\n"
		"  --upgrade          ask the hutch-fsd serving MOUNTPOINT to replace its\n"
		"                     program by the one now at its path, keeping the mount;\n"
		"                     waits until the new worker serves\n"
		"  -d, --debug        log every FUSE request (libfuse's debug output)\n"
		"  -v, --verbose      more log lines\n"
		"  -h, --help         this text\n"
		"  --version          the version\n"
		"\n"
		"Exit status:\n"
		"  0  stopped by a signal or an unmount, mount point cleanly unmounted\n"
		"     (a read-only guard left there until the next start: no runtime\n"
		"     makes a directory where a file belongs; umount MOUNTPOINT removes it)\n"
		"  1  the FUSE mount or session failed (no /dev/fuse, not root, ...)\n"
		"  2  bad options\n"
		"  3  mount point missing, not a directory, or already a mount point\n"
		"     (a dead FUSE mount there, left by a daemon that died, is unmounted\n"
		"     and replaced)\n");
}

static int parse_uint(const char *opt, const char *s, unsigned max, unsigned *ret)
{
	uint64_t v;
	if (hutch_parse_u64(s, &v) < 0 || v == 0 || v > max) {
		fprintf(stderr, "hutch-fsd: %s: '%s' is not a number from 1 to %u\n", opt, s, max);
		return -EINVAL;
	}
	*ret = (unsigned)v;
	return 0;
}

static int worker_main(const char *mp, unsigned fuse_fd, unsigned ready_fd, const char *init_hex,
		       struct fsd_state_options *so_in, struct fsd_session_options *sess_in,
		       unsigned cache_ms, unsigned sample_ms, bool containers, char **pass);

int main(int argc, char **argv)
{
	enum {
		OPT_NO_CFS = 256,
		OPT_CACHE_MS,
		OPT_SAMPLE_MS,
		OPT_THREADS,
		OPT_MT_LOOP,
		OPT_ONE_ANSWERER,
		OPT_VERSION,
		OPT_UPGRADE,
		OPT_WORKER,
		OPT_FUSE_FD,
		OPT_READY_FD,
		OPT_INIT,
		OPT_RESUME,
		OPT_AGENT_KEEPER,
		OPT_CONTAINERS,
	};
	static const struct option long_opts[] = {
		{"no-cfs", no_argument, NULL, OPT_NO_CFS},
		{"cache-ms", required_argument, NULL, OPT_CACHE_MS},
		{"sample-ms", required_argument, NULL, OPT_SAMPLE_MS},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"mt-loop", no_argument, NULL, OPT_MT_LOOP},
		{"one-answerer", no_argument, NULL, OPT_ONE_ANSWERER},
		{"debug", no_argument, NULL, 'd'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"upgrade", no_argument, NULL, OPT_UPGRADE},
		/* Between the supervisor and its workers (and its own next image). */
		{"worker", no_argument, NULL, OPT_WORKER},
		{"fuse-fd", required_argument, NULL, OPT_FUSE_FD},
		{"ready-fd", required_argument, NULL, OPT_READY_FD},
		{"init", required_argument, NULL, OPT_INIT},
		{"resume", required_argument, NULL, OPT_RESUME},
		{"agent-keeper", no_argument, NULL, OPT_AGENT_KEEPER},
		{"containers", no_argument, NULL, OPT_CONTAINERS},
		{NULL, 0, NULL, 0},
	};
	struct fsd_state_options so = {.cfs = true};
	struct fsd_session_options sess = {0};
	enum hutch_log_level level = HUTCH_LOG_INFO;
	unsigned cache_ms = 100, sample_ms = 5000;
	bool upgrade = false, worker = false, keeper = false, containers = false;
	const char *init_hex = NULL, *resume = NULL;
	unsigned fuse_fd = 0, ready_fd = 0;
	/* The user's options again, for the workers and an upgrade's exec. */
	char *pass[32];
	size_t n_pass = 0;
#define PASS(s)                                                           \
	do {                                                              \
		if (n_pass + 1 >= ARRAY_SIZE(pass)) {                     \
			fprintf(stderr, "hutch-fsd: too many options\n"); \
			return EXIT_USAGE;                                \
		}                                                         \
		pass[n_pass++] = (char *)(s);                             \
	} while (0)
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":dvh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONTAINERS:
			containers = true;
			PASS("--containers");
			break;
		case OPT_NO_CFS:
			so.cfs = false;
			PASS("--no-cfs");
			break;
		case OPT_CACHE_MS:
			if (parse_uint("--cache-ms", optarg, 60000, &cache_ms) < 0)
				return EXIT_USAGE;
			PASS("--cache-ms");
			PASS(optarg);
			break;
		case OPT_SAMPLE_MS:
			if (parse_uint("--sample-ms", optarg, 600000, &sample_ms) < 0)
				return EXIT_USAGE;
			PASS("--sample-ms");
			PASS(optarg);
			break;
		case OPT_THREADS:
			if (parse_uint("--threads", optarg, 1024, &sess.max_threads) < 0)
				return EXIT_USAGE;
			PASS("--threads");
			PASS(optarg);
			break;
		case OPT_ONE_ANSWERER:
			sess.one_answerer = true;
			PASS("--one-answerer");
			break;
		case OPT_MT_LOOP:
			sess.mt_loop = true;
			PASS("--mt-loop");
			break;
		case 'd':
			sess.debug = true;
			PASS("-d");
			break;
		case 'v':
			level = HUTCH_LOG_DEBUG;
			PASS("-v");
			break;
		case OPT_UPGRADE:
			upgrade = true;
			break;
		case OPT_AGENT_KEEPER:
			keeper = true;
			break;
		case OPT_WORKER:
			worker = true;
			break;
		case OPT_FUSE_FD:
			if (parse_uint("--fuse-fd", optarg, 1 << 20, &fuse_fd) < 0)
				return EXIT_USAGE;
			break;
		case OPT_READY_FD:
			if (parse_uint("--ready-fd", optarg, 1 << 20, &ready_fd) < 0)
				return EXIT_USAGE;
			break;
		case OPT_INIT:
			init_hex = optarg;
			break;
		case OPT_RESUME:
			resume = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("hutch-fsd %s\n", HUTCH_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "hutch-fsd: %s needs a value (see --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "hutch-fsd: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "hutch-fsd: one mount point at most, got '%s' and '%s'\n",
			argv[optind], argv[optind + 1]);
		return EXIT_USAGE;
	}
	pass[n_pass] = NULL;
	const char *mp = optind < argc ? argv[optind]
			 : containers  ? DEFAULT_CONTAINERS_MOUNTPOINT
				       : DEFAULT_MOUNTPOINT;
	char real[PATH_MAX];
	if (upgrade) {
		if (!realpath(mp, real)) {
			fprintf(stderr, "hutch-fsd: %s: %s\n", mp, strerror(errno));
			return EXIT_MOUNTPOINT;
		}
		return fsd_upgrade_request(real);
	}
	hutch_log_init(worker	? "hutch-fsd[worker]"
		       : keeper ? "hutch-fsd[keeper]"
				: "hutch-fsd",
		       level);
	if (keeper)
		return fsd_agent_keeper_main(mp);
	if (worker)
		return worker_main(mp, fuse_fd, ready_fd, init_hex, &so, &sess, cache_ms, sample_ms,
				   containers, pass);
	/* Taking over a connection (an upgrade's exec, systemd's fd store): it is mounted already. */
	const char *names = getenv("LISTEN_FDNAMES");
	bool taking_over = resume || (names && strstr(names, "hutch-fsd-fuse"));
	if (taking_over ? !realpath(mp, real)
			: fsd_mountpoint_prepare(mp, optind >= argc, real, sizeof(real)) < 0) {
		if (taking_over)
			log_error("mount point %s: %s", mp, strerror(errno));
		return EXIT_MOUNTPOINT;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		log_error("where is this program (/proc/self/exe): %s", strerror(errno));
		return EXIT_FAILURE;
	}
	exe[n] = '\0';
	const struct cgroup_layout *layout;
	if (!resume && cgroup_layout_detect(&layout) == 0)
		log_info("%s cgroups; CPUs %s", cgroup_layout_kind_name(layout->kind),
			 so.cfs ? "cut to CFS quotas" : "from cpusets only (--no-cfs)");
	struct fsd_supervisor_options o = {
		.mountpoint = real,
		.exe = exe,
		.pass_args = pass,
		.resume = resume,
	};
	return fsd_supervise(&o);
}

/* A worker: serves the supervisor's connection until told to stop (see session.h). */
/*
 * A worker whose supervisor was killed (it got SIGUSR2, its death signal, and
 * drained): it becomes the supervisor, as an upgrade's exec does, with the
 * connection's fd it kept and the INIT it was given, so a new worker serves
 * and later crashes are replaced again. Returns only when the exec failed.
 */
static cpu_set_t worker_affinity; /* the worker's CPUs before any pinning */

static void on_early_signal(int sig)
{
	(void)sig;
}

static int become_supervisor(const char *mp, int fd, const char *init_hex, char **pass)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	size_t n_pass = 0;
	while (pass[n_pass])
		n_pass++;
	_cleanup_free_ char *resume = malloc(64 + strlen(init_hex));
	_cleanup_free_ char **argv = calloc(n_pass + 4, sizeof(*argv));
	if (!resume || !argv)
		return -ENOMEM;
	sprintf(resume, "--resume=%d:0:-1:%s", fd, init_hex);
	size_t k = 0;
	argv[k++] = exe;
	for (size_t i = 0; i < n_pass; i++)
		argv[k++] = pass[i];
	argv[k++] = resume;
	argv[k++] = (char *)mp;
	fcntl(fd, F_SETFD, 0);
	log_warn("the supervisor died: this worker becomes the supervisor of %s", mp);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The answering thread was pinned to a CPU: the supervisor and its workers are not. */
	sched_setaffinity(0, sizeof(worker_affinity), &worker_affinity);
	execv(exe, argv);
	return -errno;
}

static int worker_main(const char *mp, unsigned fuse_fd, unsigned ready_fd, const char *init_hex,
		       struct fsd_state_options *so_in, struct fsd_session_options *sess_in,
		       unsigned cache_ms, unsigned sample_ms, bool containers, char **pass)
{
	struct fsd_state_options so = *so_in;
	struct fsd_session_options sess = *sess_in;
	static unsigned char init[512];
	sched_getaffinity(0, sizeof(worker_affinity), &worker_affinity);
	size_t init_len = 0;
	if (!fuse_fd || !init_hex || fsd_hex_decode(init_hex, init, sizeof(init), &init_len) < 0) {
		log_error("--worker needs --fuse-fd and --init (the supervisor passes them)");
		return EXIT_USAGE;
	}
	sess.mountpoint = mp;
	sess.fuse_fd = (int)fuse_fd;
	sess.ready_fd = ready_fd ? (int)ready_fd : -1;
	sess.init = init;
	sess.init_len = init_len;
	so.cache_ns = (uint64_t)cache_ms * 1000000ull;
	sess.cache_ns = so.cache_ns;
	so.sample_interval_ns = (uint64_t)sample_ms * 1000000ull;
	/* Each container's cgroup handle keeps its stat files open: allow many. */
	hutch_raise_nofile(0);

	struct fsd_state *state = NULL;
	int r = fsd_state_new(&so, &state);
	if (r < 0) {
		log_error("cannot read the cgroup layout or this process's pid namespace: %s",
			  strerror(-r));
		return EXIT_FAILURE;
	}
	sigset_t old_mask;
	fsd_block_stop_signals(&old_mask);
	r = fsd_state_start_sampler(state);
	struct fsd_agent *agent = NULL;
	if (r == 0 && fsd_agent_start(state, &agent) < 0)
		log_warn("sysinfo agent: cannot start its thread; the kernel answers sysinfo");
	fsd_restore_signals(&old_mask);
	if (r < 0) {
		log_error("cannot start the sampler thread: %s", strerror(-r));
		fsd_state_free(state);
		return EXIT_FAILURE;
	}
	/* The connection outlives the session's fd for a worker that must become the supervisor. */
	pid_t sup = getppid();
	int keep_fd = fcntl((int)fuse_fd, F_DUPFD_CLOEXEC, 3);
	/* Its death signal stops the session (a stop signal), which drains; until the
	 * session takes it, it must not kill. */
	struct sigaction early = {.sa_handler = on_early_signal};
	sigaction(SIGUSR2, &early, NULL);
	prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
	struct hutch_error err = {0};
	if (getppid() == sup)
		r = containers ? fsd_cache_view_run(&sess, state, &err)
			       : fsd_session_run(&sess, state, &err);
	if (r == 0 && keep_fd >= 0 && getppid() != sup) {
		fsd_agent_stop_for_exec(agent);
		fsd_state_free(state);
		r = become_supervisor(mp, keep_fd, init_hex, pass);
		log_error("becoming the supervisor: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	fsd_agent_stop(agent);
	fsd_state_free(state);
	if (r == -ENODEV)
		return FSD_EXIT_CONNECTION_GONE;
	if (r < 0) {
		log_error("%s", err.msg);
		return EXIT_FAILURE;
	}
	return 0;
}
