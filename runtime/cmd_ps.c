// SPDX-License-Identifier: MIT
/* hutch ps: list containers. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hutch.h"
#include "verb.h"

static void human_age(uint64_t then_ns, char *buf, size_t size)
{
	uint64_t now = hutch_wall_ns();
	uint64_t s = now > then_ns ? (now - then_ns) / 1000000000ull : 0;
	if (s < 60)
		snprintf(buf, size, "%llu seconds", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%llu minutes", (unsigned long long)s / 60);
	else if (s < 172800)
		snprintf(buf, size, "%llu hours", (unsigned long long)s / 3600);
	else
		snprintf(buf, size, "%llu days", (unsigned long long)s / 86400);
}

static void status_text(const struct hutch_state *st, char *buf, size_t size)
{
	char age[64];
	if (st->broken[0]) {
		snprintf(buf, size, "Broken (%.80s)", st->broken);
	} else if (st->status == HUTCH_STATUS_RUNNING) {
		human_age(st->started_ns, age, sizeof(age));
		/* Its monitor was killed: nobody will record its end but the next hutch command. */
		bool orphan = !hutch_pid_running(st->monitor_pid, st->monitor_start_ticks);
		snprintf(buf, size, "Up %s%s", age, orphan ? " (monitor gone)" : "");
	} else if (st->status == HUTCH_STATUS_CREATED) {
		snprintf(buf, size, "Created");
	} else if (st->exit_code >= 0) {
		human_age(st->finished_ns ? st->finished_ns : st->created_ns, age, sizeof(age));
		snprintf(buf, size, "Exited (%d) %s ago", st->exit_code, age);
	} else {
		snprintf(buf, size, "Exited (unknown)");
	}
}

static void command_text(const struct hutch_state *st, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; st->argv && st->argv[i] && n + 1 < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? " " : "", st->argv[i]);
}

/* Whether the container has every label of filters ("KEY" any value, "KEY=VALUE" that one). */
static bool labels_match(const struct hutch_state *st, char *const *filters)
{
	for (size_t f = 0; filters && filters[f]; f++) {
		size_t k = strcspn(filters[f], "=");
		bool found = false;
		for (size_t i = 0; st->labels && st->labels[i] && !found; i++) {
			const char *l = st->labels[i];
			if (strncmp(l, filters[f], k) != 0 || (l[k] != '=' && l[k]))
				continue;
			found = !filters[f][k] ||
				strcmp(l[k] ? l + k + 1 : "", filters[f] + k + 1) == 0;
		}
		if (!found)
			return false;
	}
	return true;
}

/* One container as a JSON line (ps --format json). */
static void print_json(const struct hutch_state *st, const char *status, const char *cmd)
{
	char created[64];
	struct json_object *o = json_object_new_object();
	format_time(st->created_ns, created, sizeof(created));
	json_object_object_add(o, "ID", json_object_new_string(st->id));
	json_object_object_add(o, "Names", json_object_new_string(st->name));
	json_object_object_add(o, "Image",
			       json_object_new_string(st->image[0] ? st->image : st->rootfs));
	json_object_object_add(o, "Command", json_object_new_string(cmd));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created));
	json_object_object_add(o, "State", json_object_new_string(hutch_status_name(st->status)));
	json_object_object_add(o, "Status", json_object_new_string(status));
	json_object_object_add(
		o, "Pid", json_object_new_int(st->status == HUTCH_STATUS_RUNNING ? st->pid : 0));
	json_object_object_add(o, "ExitCode", json_object_new_int(st->exit_code));
	json_object_object_add(o, "CgroupPath", json_object_new_string(st->cgroup_path));
	if (st->broken[0])
		json_object_object_add(o, "Broken", json_object_new_string(st->broken));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},	  {"quiet", no_argument, NULL, 'q'},
		{"format", required_argument, NULL, 'f'}, {"filter", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},	  {0},
	};
	bool all = false, quiet = false, json = false;
	_cleanup_strv_free_ char **filters = NULL;
	int c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0)
				return hutch_fail("ps", "--format '%s': only json", optarg);
			json = true;
			break;
		case 'F':
			if (strncmp(optarg, "label=", 6) || !optarg[6] ||
			    strv_push(&filters, optarg + 6) < 0)
				return hutch_fail("ps", "--filter '%s': label=KEY[=VALUE]", optarg);
			break;
		case 'h':
			printf("Usage: hutch ps [-a] [-q] [--format json] [--filter "
			       "label=K[=V]]\n\n"
			       "List running containers.\n\n"
			       "  -a, --all        also stopped ones\n"
			       "  -q, --quiet      ids only\n"
			       "  --format json    one JSON object per line\n"
			       "  --filter label=KEY[=VALUE]   those with the label (every filter "
			       "given)\n");
			return 0;
		default:
			return VERB_BAD_FLAG("ps", argv);
		}
	}
	if (optind < argc)
		return hutch_fail("ps", "unexpected argument '%s'", argv[optind]);
	struct hutch_state *v;
	size_t n;
	registry_gc();
	int r = hutch_state_list_all(hutch_globals.root, &v, &n);
	if (r < 0)
		return hutch_fail("ps", "list %s: %s", hutch_globals.root, strerror(-r));
	if (!quiet && !json)
		printf("%-12s  %-12s  %-22s  %-14s  %-24s  %s\n", "CONTAINER ID", "IMAGE",
		       "COMMAND", "CREATED", "STATUS", "NAMES");
	for (size_t i = 0; i < n; i++) {
		struct hutch_state *st = &v[i];
		container_refresh(st);
		if ((!all && st->status != HUTCH_STATUS_RUNNING) || !labels_match(st, filters))
			continue;
		/* A --rm container the refresh found finished is gone now. */
		char dir[4200];
		snprintf(dir, sizeof(dir), "%s/%s", hutch_globals.root, st->id);
		if (st->auto_remove && st->status == HUTCH_STATUS_EXITED && access(dir, F_OK) != 0)
			continue;
		char status[96], cmd[256], age[64];
		status_text(st, status, sizeof(status));
		command_text(st, cmd, sizeof(cmd));
		if (quiet) {
			printf("%.12s\n", st->id);
		} else if (json) {
			print_json(st, status, cmd);
		} else {
			char qcmd[260];
			snprintf(qcmd, sizeof(qcmd), "\"%.20s%s\"", cmd,
				 strlen(cmd) > 20 ? "…" : "");
			human_age(st->created_ns, age, sizeof(age));
			strcat(age, " ago");
			printf("%-12.12s  %-12.12s  %-22s  %-14s  %-24s  %s\n", st->id,
			       st->image[0] ? st->image : "(rootfs)", qcmd, age, status, st->name);
		}
	}
	hutch_state_list_free(v, n);
	return 0;
}
