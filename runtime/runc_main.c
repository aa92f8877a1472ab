// SPDX-License-Identifier: MIT
/*
 * hutch-runc: runc's command line (global flags, then a command), so that
 * containerd's shim, docker, podman and CRI-O can drive hutch. Errors go to
 * stderr and, with --log, to that file (one JSON object a line with
 * --log-format json, which go-runc reads back); a failed command exits 1,
 * as runc's do.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runc.h"

struct runc_globals runc_globals = {.root = RUNC_STATE_ROOT};
/* The container code reads its state root from here. */
struct hutch_globals hutch_globals = {.root = RUNC_STATE_ROOT};

static const struct hutch_verb verbs[] = {
	{"create", runc_cmd_create, "create a container"},
	{"start", runc_cmd_start, "start the process of a created container"},
	{"run", runc_cmd_run, "create and start a container, wait for it"},
	{"state", runc_cmd_state, "output the state of a container"},
	{"list", runc_cmd_list, "list containers"},
	{"kill", runc_cmd_kill, "send a signal to the container's process"},
	{"delete", runc_cmd_delete, "delete a container and what it holds"},
	{"exec", runc_cmd_exec, "run a new process in a container"},
	{"ps", runc_cmd_ps, "list the processes of a container"},
	{"pause", runc_cmd_pause, "suspend every process of a container"},
	{"resume", runc_cmd_resume, "resume a paused container"},
	{"update", runc_cmd_update, "change a container's resource limits"},
	{"events", runc_cmd_events, "show a container's stats and events"},
	{"features", runc_cmd_features, "show what hutch-runc supports, as JSON"},
	{"spec", runc_cmd_spec, "write a new config.json"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hutch-runc [GLOBAL FLAGS] COMMAND [FLAGS] [ARGS]\n\n"
		"The OCI runtime command line of hutch (runc's), for containerd, docker,\n"
		"podman and CRI-O.\n\n"
		"Global flags:\n"
		"  --root DIR           state directory (default %s)\n"
		"  --log FILE           also write errors and warnings to FILE\n"
		"  --log-format FORMAT  text or json (for --log)\n"
		"  --systemd-cgroup     cgroupsPath is slice:prefix:name\n"
		"  --debug              log debug messages\n"
		"  -v, --version        print the version\n"
		"  -h, --help           this help\n\nCommands:\n",
		RUNC_STATE_ROOT);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\nExit codes: 0 done, 1 an error (on stderr and in --log); run and\n"
		   "exec without --detach exit with the process's status (128+N for signal N).\n");
}

/* One line into --log: logrus's JSON ({"level","msg","time"}) or its text form. */
static void log_line(const char *level, const char *msg)
{
	if (!runc_globals.log)
		return;
	_cleanup_close_ int fd =
		open(runc_globals.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return;
	char now[64];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct json_object *m = json_object_new_string(msg);
	const char *q =
		m ? json_object_to_json_string_ext(m, JSON_C_TO_STRING_NOSLASHESCAPE) : "\"\"";
	char line[8192];
	int n;
	if (runc_globals.log_json)
		n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":%s,\"time\":\"%s\"}\n",
			     level, q, now);
	else
		n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=%s\n", now, level, q);
	json_object_put(m);
	if (n > 0 && (size_t)n < sizeof(line) && write(fd, line, (size_t)n) < 0) {
		/* nowhere else to say it */
	}
}

/* A message to stderr (unless only_log and there is a log) with its level's word, and to --log. */
static void __attribute__((format(printf, 4, 0)))
report(const char *level, const char *word, bool only_log, const char *fmt, va_list ap)
{
	char msg[4096];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!only_log || !runc_globals.log)
		fprintf(stderr, "hutch-runc: %s%s\n", word, msg);
	log_line(level, msg);
}

int runc_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("error", "", false, fmt, ap);
	va_end(ap);
	return 1;
}

int runc_getopt(int argc, char **argv, const char *optstring, const struct option *opts,
		const char *verb, struct runc_io_flags *io)
{
	int c;
	uint64_t n;
	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		if (c == RUNC_OPT_CONSOLE_SOCKET) {
			io->console_socket = optarg;
		} else if (c == RUNC_OPT_PID_FILE) {
			io->pid_file = optarg;
		} else if (c == RUNC_OPT_PRESERVE_FDS) {
			if (hutch_parse_u64(optarg, &n) < 0 || n > 1024) {
				runc_fail("%s: --preserve-fds '%s': a number", verb, optarg);
				return RUNC_OPT_BAD;
			}
			io->preserve_fds = (int)n;
		} else {
			break;
		}
	}
	return c;
}

int runc_bad_flag(const char *verb, char **argv)
{
	return runc_fail("%s: unknown flag or missing value: %s", verb, argv[optind - 1]);
}

void runc_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("warning", "warning: ", false, fmt, ap);
	va_end(ap);
}

void runc_debug(const char *fmt, ...)
{
	if (!runc_globals.debug)
		return;
	va_list ap;
	va_start(ap, fmt);
	report("debug", "debug: ", true, fmt, ap);
	va_end(ap);
}

int hutch_fail(const char *verb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char msg[4096];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return runc_fail("%s%s%s", verb ? verb : "", verb ? ": " : "", msg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'f'},
		{"systemd-cgroup", no_argument, NULL, 's'},
		{"debug", no_argument, NULL, 'd'},
		{"criu", required_argument, NULL, 'c'},
		{"rootless", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			runc_globals.root = optarg;
			break;
		case 'l':
			runc_globals.log = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return runc_fail("--log-format '%s': text or json", optarg);
			runc_globals.log_json = strcmp(optarg, "json") == 0;
			break;
		case 's':
			runc_globals.systemd_cgroup = true;
			break;
		case 'd':
			runc_globals.debug = true;
			break;
		case 'c':
		case 'R':
			break; /* checkpointing and rootless mode are not hutch's; accepted as runc's */
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("hutch-runc version %s\nspec: %s\n", HUTCH_VERSION,
			       RUNC_OCI_VERSION);
			return 0;
		default:
			return runc_fail(
				"unknown flag or missing value: %s (see hutch-runc --help)",
				argv[optind - 1]);
		}
	}
	/* An absolute root: the container's records must not depend on the caller's cwd. */
	char root[4096];
	if (runc_globals.root[0] != '/') {
		char cwd[4000];
		if (!getcwd(cwd, sizeof(cwd)))
			return runc_fail("--root %s: %s", runc_globals.root, strerror(errno));
		snprintf(root, sizeof(root), "%s/%s", cwd, runc_globals.root);
		runc_globals.root = root;
	}
	hutch_globals.root = runc_globals.root;
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	int verb = optind;
	/*
	 * exec runs from a sealed view of the binary: its process forks into the
	 * container before its exec. create and run decide once they have read
	 * the bundle (runc_create.c: their process becomes hutch-init).
	 */
	runc_globals.argv = argv;
	if (strcmp(argv[verb], "exec") == 0) {
		int r = exe_seal_reexec(argv);
		if (r < 0)
			return runc_fail("run from a read-only view of the binary: %s",
					 strerror(-r));
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (strcmp(argv[verb], verbs[i].name) == 0) {
			optind = 1; /* each verb parses its own flags from its argv[1] */
			int r = verbs[i].main(argc - verb, argv + verb);
			fflush(stdout);
			return r;
		}
	}
	return runc_fail("'%s' is not a hutch-runc command (see hutch-runc --help)", argv[verb]);
}
