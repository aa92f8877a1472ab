// SPDX-License-Identifier: MIT
/*
 * hutch-image: the image verbs that need libarchive, OpenSSL and libcurl,
 * run by hutch (`hutch load` execs `hutch-image --root R load`), so hutch
 * itself, above all `hutch run`, stays small and static.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hutch.h"
#include "image_cmd.h"

struct hutch_globals hutch_globals = {.root = HUTCH_STATE_ROOT};

void format_time(uint64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const struct hutch_verb verbs[] = {
	{"load", cmd_load, "Load images from a docker save or OCI archive"},
	{"save", cmd_save, "Save images to a docker-loadable archive"},
	{"commit", cmd_commit, "Make an image of a container's changes"},
	{"pull", cmd_pull, "Pull an image from a registry"},
	{"import", cmd_import, "Make an image of a root filesystem tarball"},
	{"rmi", cmd_rmi, "Remove images"},
	{"tag", cmd_tag, "Give an image another name"},
	{"image", cmd_image, "Manage images (inspect, prune, ...)"},
	{"build", cmd_build, "Build an image from a Dockerfile"},
};

int main(int argc, char **argv)
{
	int i = 1;
	while (i + 1 < argc && strcmp(argv[i], "--root") == 0) {
		hutch_globals.root = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr,
			"Usage: hutch-image [--root DIR] COMMAND [ARG...] (run by hutch)\n");
		return EXIT_RUNTIME;
	}
	for (size_t k = 0; k < ARRAY_SIZE(verbs); k++) {
		if (strcmp(argv[i], verbs[k].name) == 0) {
			int r = verbs[k].main(argc - i, argv + i);
			fflush(stdout);
			return r;
		}
	}
	return hutch_fail(NULL, "'%s' is not a hutch command (see hutch --help)", argv[i]);
}
