// SPDX-License-Identifier: MIT
/* hutch kill: send a signal to containers' init (which forwards it to the command). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hutch.h"
#include "verb.h"

static int kill_one(struct hutch_state *st, const char *name, void *arg)
{
	if (st->status != HUTCH_STATUS_RUNNING)
		return hutch_fail("kill", "container %s is not running", name);
	if (kill(st->pid, *(int *)arg) < 0)
		return hutch_fail("kill", "signal %s: %s", name, strerror(errno));
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {
		{"signal", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int sig = SIGKILL, c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sig = spec_parse_signal(optarg);
			if (sig < 0)
				return hutch_fail("kill", "--signal '%s': not a signal", optarg);
			break;
		case 'h':
			printf("Usage: hutch kill [-s SIGNAL] NAME...\n\n"
			       "Send a signal (default KILL) to containers. The container's init\n"
			       "forwards it to the command; KILL ends the whole container.\n");
			return 0;
		default:
			return VERB_BAD_FLAG("kill", argv);
		}
	}
	return container_each("kill", argc, argv, optind, kill_one, &sig);
}
