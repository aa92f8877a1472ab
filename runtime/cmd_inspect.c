// SPDX-License-Identifier: MIT
/* hutch inspect: containers' state as JSON, with what the host can tell of them now. */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hutch/cgroup.h"
#include "hutch.h"
#include "verb.h"

/* docker's Config.Labels (an object) and Config.StopSignal ("SIGQUIT"). */
static void inspect_config(const struct hutch_state *st, struct json_object *o)
{
	struct json_object *c = json_object_new_object(), *labels = json_object_new_object();
	for (size_t i = 0; st->labels && st->labels[i]; i++) {
		char key[256];
		size_t k = strcspn(st->labels[i], "=");
		snprintf(key, sizeof(key), "%.*s", (int)k, st->labels[i]);
		json_object_object_add(
			labels, key,
			json_object_new_string(st->labels[i][k] ? st->labels[i] + k + 1 : ""));
	}
	json_object_object_add(c, "Labels", labels);
	char sig[32];
	const char *abbrev = sigabbrev_np(st->stop_signal > 0 ? st->stop_signal : SIGTERM);
	snprintf(sig, sizeof(sig), "SIG%s", abbrev ? abbrev : "TERM");
	json_object_object_add(c, "StopSignal", json_object_new_string(sig));
	json_object_object_add(o, "Config", c);
}

static struct json_object *inspect_one(struct hutch_state *st)
{
	_cleanup_free_ char *text = NULL;
	if (hutch_state_to_json(st, &text) < 0)
		return NULL;
	struct json_object *o = json_tokener_parse(text);
	if (!o)
		return NULL;
	char t[64];
	/* docker's names for what scripts look for most */
	json_object_object_add(o, "OOMKilled", json_object_new_boolean(st->oom_killed));
	json_object_object_add(o, "ExitCode", json_object_new_int(st->exit_code));
	json_object_object_add(o, "Running",
			       json_object_new_boolean(st->status == HUTCH_STATUS_RUNNING));
	format_time(st->created_ns, t, sizeof(t));
	json_object_object_add(o, "Created", json_object_new_string(t));
	format_time(st->started_ns, t, sizeof(t));
	json_object_object_add(o, "StartedAt", json_object_new_string(t));
	format_time(st->finished_ns, t, sizeof(t));
	json_object_object_add(o, "FinishedAt", json_object_new_string(t));
	if (st->broken[0])
		json_object_object_add(o, "Broken", json_object_new_string(st->broken));
	/* A log that stopped early (a full disk) says so here and in itself. */
	json_object_object_add(o, "LogTruncated", json_object_new_boolean(st->log_note[0] != 0));
	inspect_config(st, o);
	char caps[1024];
	caps_format(st->cap_mask, caps, sizeof(caps));
	json_object_object_add(o, "Capabilities", json_object_new_string(caps));

	/* Per controller: the cgroup directory on this host. */
	struct json_object *dirs = json_object_new_object();
	const struct cgroup_layout *layout;
	struct cgroup *cg;
	if (st->status == HUTCH_STATUS_RUNNING && cgroup_layout_detect(&layout) == 0 &&
	    cgroup_open(layout, st->cgroup_path, &cg) == 0) {
		for (int c = 0; c < CGROUP_CONTROLLER_COUNT; c++) {
			char dir[4096];
			const char *name =
				cgroup_controller_name(c, layout->kind == CGROUP_LAYOUT_V2);
			if (name && cgroup_controller_dir(cg, c, dir, sizeof(dir)) == 0)
				json_object_object_add(dirs, name, json_object_new_string(dir));
		}
		char dir[4096];
		if (cgroup_unified_dir(cg, dir, sizeof(dir)) == 0)
			json_object_object_add(dirs, "unified", json_object_new_string(dir));
		cgroup_close(cg);
	}
	json_object_object_add(o, "cgroup_dirs", dirs);

	/* The namespaces' identities ("pid:[4026532...]"), comparable with /proc/PID/ns. */
	struct json_object *ns = json_object_new_object();
	for (int k = 0; st->status == HUTCH_STATUS_RUNNING && k < HUTCH_NS_COUNT; k++) {
		char path[64], link[128];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)st->pid, hutch_ns_kind_name(k));
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			json_object_object_add(ns, hutch_ns_kind_name(k),
					       json_object_new_string(link));
		}
	}
	json_object_object_add(o, "namespace_ids", ns);
	return o;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: hutch inspect NAME...\n\n"
			       "Print containers' state as a JSON array: id, name, image, command, "
			       "pid,\n"
			       "status, exit code, OOMKilled, times, limits, cgroup paths, "
			       "namespaces, mounts.\n");
			return 0;
		}
		return VERB_BAD_FLAG("inspect", argv);
	}
	if (optind >= argc)
		return hutch_fail("inspect", "a container NAME is needed");
	int code = 0;
	struct json_object *arr = json_object_new_array();
	for (int i = optind; i < argc; i++) {
		struct hutch_state st;
		if (container_lookup("inspect", argv[i], &st) != 0) {
			code = EXIT_RUNTIME;
			continue;
		}
		struct json_object *o = inspect_one(&st);
		if (o)
			json_object_array_add(arr, o);
		hutch_state_free(&st);
	}
	if (json_object_array_length(arr) > 0)
		printf("%s\n", json_object_to_json_string_ext(
				       arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return code;
}
