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
	static const struct verb_switch sw = {
		.name = "force",
		.letter = 'f',
		.usage = "Usage: hutch rm [-f] NAME...\n\n"
			 "Remove containers: their state, files and cgroup.\n\n"
			 "  -f, --force   kill a running container first\n",
	};
	bool force = false;
	int r = verb_parse_switch(argc, argv, &sw, &force);
	if (r)
		return r > 0 ? 0 : VERB_BAD_FLAG("rm", argv);
	return container_each("rm", argc, argv, optind, rm_one, &force);
}
