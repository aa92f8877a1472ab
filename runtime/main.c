// SPDX-License-Identifier: MIT
/* hutch: the container runtime's command line, dispatched from a table of verbs. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hutch.h"

struct hutch_globals hutch_globals = {.root = HUTCH_STATE_ROOT};

static const struct hutch_verb verbs[] = {
	{"run", cmd_run, "Create and run a container"},
	{"exec", cmd_exec, "Run a command in a running container"},
	{"ps", cmd_ps, "List containers"},
	{"stop", cmd_stop, "Stop containers (SIGTERM, then SIGKILL)"},
	{"kill", cmd_kill, "Send a signal to containers"},
	{"rm", cmd_rm, "Remove containers"},
	{"logs", cmd_logs, "Show a container's output"},
	{"inspect", cmd_inspect, "Show containers' state as JSON"},
	{"images", cmd_images, "List images"},
	{"load", cmd_image_verb, "Load images from a docker save or OCI archive"},
	{"save", cmd_image_verb, "Save images to a docker-loadable archive"},
	{"commit", cmd_image_verb, "Make an image of a container's changes"},
	{"build", cmd_image_verb, "Build an image from a Dockerfile"},
	{"pull", cmd_image_verb, "Pull an image from a registry"},
	{"import", cmd_image_verb, "Make an image of a root filesystem tarball"},
	{"rmi", cmd_image_verb, "Remove images"},
	{"tag", cmd_image_verb, "Give an image another name"},
	{"image", cmd_image_verb, "Manage images (inspect, prune, ...)"},
	{"top", cmd_top, "Watch containers (the hutch top viewer)"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hutch [--root DIR] COMMAND [ARG...]\n\n"
		"A container runtime with docker's habits.\n\n"
		"Options:\n"
		"  --root DIR   state directory (default %s)\n"
		"  --images-dir DIR   image store (default " HUTCH_IMAGES_DIR
		", env HUTCH_IMAGES_DIR)\n"
		"  --version    print the version\n"
		"  -h, --help   this help\n\nCommands:\n",
		HUTCH_STATE_ROOT);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\nRun 'hutch COMMAND --help' for a command's flags.\n"
		   "Exit codes: 125 hutch's own error, 126 command not executable,\n"
		   "127 command not found, 128+N killed by signal N, else the command's.\n");
}

void format_time(uint64_t ns, char *buf, size_t size)
{
	if (!ns) {
		snprintf(buf, size, "%s", "");
		return;
	}
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09lluZ", base, (unsigned long long)(ns % 1000000000ull));
}

/*
 * `hutch top` is the viewer, a program of its own (hutch-top, built from
 * viewer/): hutch runs it rather than linking ncurses, so that every other
 * verb, above all `run`, starts without loading what only the viewer needs.
 * It is looked for next to this hutch, then on PATH ($HUTCH_TOP overrides).
 */
int cmd_top(int argc, char **argv)
{
	char self[PATH_MAX], top[PATH_MAX + 16];
	const char *prog = getenv("HUTCH_TOP");
	if (!prog || !prog[0]) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		prog = "hutch-top";
		if (n > 0) {
			self[n] = '\0';
			char *slash = strrchr(self, '/');
			if (slash) {
				*slash = '\0';
				snprintf(top, sizeof(top), "%s/hutch-top", self);
				if (access(top, X_OK) == 0)
					prog = top;
			}
		}
	}
	/*
	 * The viewer names hutch's containers from the same state directory as
	 * the other verbs: `hutch --root DIR top` reads DIR (an explicit
	 * --hutch-root after it still wins, getopt taking the last).
	 */
	char **av = calloc((size_t)argc + 3, sizeof(*av));
	if (!av)
		return hutch_fail("top", "out of memory");
	av[0] = (char *)"hutch-top";
	av[1] = (char *)"--hutch-root";
	av[2] = (char *)hutch_globals.root;
	for (int i = 1; i < argc; i++)
		av[i + 2] = argv[i];
	fflush(NULL);
	execvp(prog, av);
	int e = errno;
	free(av);
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: hutch top [FLAGS]\n\nWatch containers: runs the hutch top viewer "
		       "(hutch-top), which is not installed here.\n");
		return 0;
	}
	return hutch_fail("top", "run %s: %s (is the viewer, hutch-top, installed?)", prog,
			  strerror(e));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"images-dir", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (optarg[0] != '/')
				return hutch_fail(NULL, "--root '%s': an absolute path", optarg);
			hutch_globals.root = optarg;
			break;
		case 'I': /* the image store, for every verb and hutch-image alike */
			if (optarg[0] != '/')
				return hutch_fail(NULL, "--images-dir '%s': an absolute path",
						  optarg);
			setenv("HUTCH_IMAGES_DIR", optarg, 1);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("hutch %s\n", HUTCH_VERSION);
			return 0;
		default:
			return hutch_fail(NULL,
					  "unknown flag or missing value: %s (see hutch --help)",
					  argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (strcmp(argv[optind], verbs[i].name) == 0) {
			int r = verbs[i].main(argc - optind, argv + optind);
			fflush(stdout);
			return r;
		}
	}
	return hutch_fail(NULL, "'%s' is not a hutch command (see hutch --help)", argv[optind]);
}
