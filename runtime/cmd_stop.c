// SPDX-License-Identifier: MIT
/* hutch stop: SIGTERM, a grace period, then SIGKILL. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hutch.h"
#include "verb.h"

/* Waits until the init is gone and its monitor has recorded the end (up to timeout_ms). */
static bool wait_gone(const struct hutch_state *st, uint64_t timeout_ms, bool monitor_too)
{
	uint64_t deadline = hutch_now_ns() + timeout_ms * 1000000ull;
	while (hutch_now_ns() < deadline) {
		if (!hutch_state_pid_alive(st) &&
		    (!monitor_too || st->monitor_pid == getpid() ||
		     !hutch_pid_running(st->monitor_pid, st->monitor_start_ticks)))
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	}
	return false;
}

int container_stop(const struct hutch_state *st, uint64_t grace_s)
{
	if (st->status != HUTCH_STATUS_RUNNING || !hutch_state_pid_alive(st))
		return 0;
	if (grace_s > 0) {
		kill(st->pid, st->stop_signal > 0 ? st->stop_signal : SIGTERM);
		if (wait_gone(st, grace_s * 1000, false)) {
			wait_gone(st, 5000, true);
			return 0;
		}
	}
	kill(st->pid, SIGKILL);
	return wait_gone(st, 10000, true) ? 0 : -ETIMEDOUT;
}

static int stop_one(struct hutch_state *st, const char *name, void *arg)
{
	if (container_stop(st, *(uint64_t *)arg) < 0)
		return hutch_fail("stop", "container %s did not stop", name);
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{"time", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	uint64_t grace = 10;
	int c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (hutch_parse_u64(optarg, &grace) < 0 || grace > 86400)
				return hutch_fail("stop", "--time '%s': seconds", optarg);
			break;
		case 'h':
			printf("Usage: hutch stop [-t SECONDS] NAME...\n\n"
			       "Stop containers: SIGTERM (or the container's stop signal: "
			       "--stop-signal,\nthe image's StopSignal), then SIGKILL after the "
			       "grace period (default 10 s).\n");
			return 0;
		default:
			return VERB_BAD_FLAG("stop", argv);
		}
	}
	return container_each("stop", argc, argv, optind, stop_one, &grace);
}
