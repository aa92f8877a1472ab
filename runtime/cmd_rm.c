// SPDX-License-Identifier: MIT
/* hutch rm: remove stopped containers (-f: kill running ones first). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hutch/cgroup.h"
#include "hutch.h"
#include "verb.h"

/*
 * The cgroup (whatever of it exists, in every hierarchy: a killed monitor
 * may have left it, or half of it), then the directory and the name. A
 * broken container's cgroup is found from its directory's cgroup link; its
 * processes are killed: nothing else can stop them.
 */
static int remove_one(struct hutch_state *st)
{
	const struct cgroup_layout *layout;
	if (st->cgroup_path[0] == '/' && cgroup_layout_detect(&layout) == 0) {
		int r = cgroup_remove_path(layout, st->cgroup_path, SIGKILL, NULL);
		if (r < 0)
			return r;
	}
	return registry_remove(st);
}

static int rm_one(struct hutch_state *st, const char *name, void *arg)
{
	bool force = *(bool *)arg;
	if (st->status == HUTCH_STATUS_RUNNING && !force)
		return hutch_fail("rm", "container %s is running: stop it first, or rm -f", name);
	if (force && !st->broken[0] && container_stop(st, 0) < 0)
		return hutch_fail("rm", "container %s did not stop", name);
	int r = remove_one(st);
	if (r < 0)
		return hutch_fail("rm", "remove %s/%s: %s", hutch_globals.root, st->id,
				  strerror(-r));
	return 0;
}

int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool force = false;
	int c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage: hutch rm [-f] NAME...\n\n"
			       "Remove containers: their state, files and cgroup.\n\n"
			       "  -f, --force   kill a running container first\n");
			return 0;
		default:
			return VERB_BAD_FLAG("rm", argv);
		}
	}
	return container_each("rm", argc, argv, optind, rm_one, &force);
}
