// SPDX-License-Identifier: MIT
/*
 * hutch load, save, import, rmi, tag, image ...: run by hutch-image, a
 * program of its own next to hutch (libarchive, OpenSSL, libcurl live there,
 * not in the static hutch every `run` starts). $HUTCH_IMAGE_PROG overrides.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hutch.h"

int cmd_image_verb(int argc, char **argv)
{
	char self[PATH_MAX], prog_buf[PATH_MAX + 16];
	const char *prog = getenv("HUTCH_IMAGE_PROG");
	if (!prog || !prog[0]) {
		prog = "hutch-image";
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = '\0';
			char *slash = strrchr(self, '/');
			if (slash) {
				*slash = '\0';
				snprintf(prog_buf, sizeof(prog_buf), "%s/hutch-image", self);
				if (access(prog_buf, X_OK) == 0)
					prog = prog_buf;
			}
		}
	}
	char **av = calloc((size_t)argc + 4, sizeof(*av));
	if (!av)
		return hutch_fail(argv[0], "out of memory");
	av[0] = (char *)"hutch-image";
	av[1] = (char *)"--root";
	av[2] = (char *)hutch_globals.root;
	for (int i = 0; i < argc; i++)
		av[i + 3] = argv[i];
	fflush(NULL);
	execvp(prog, av);
	int e = errno;
	free(av);
	return hutch_fail(argv[0], "run %s: %s (is hutch-image installed?)", prog, strerror(e));
}
