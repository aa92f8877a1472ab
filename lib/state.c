// SPDX-License-Identifier: MIT
/* The container registry: state.json under the runtime's root. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "hutch/procfs.h"
#include "hutch/procfs_read.h"
#include "hutch/state.h"
#include "hutch/strv.h"
#include "hutch/util.h"

static const char *const status_names[] = {"created", "running", "exited"};
static const char *const ns_names[] = {"pid", "net", "ipc", "uts", "mnt", "cgroup"};
static const char *const ns_mode_names[] = {"private", "host", "container", "none"};

const char *hutch_status_name(enum hutch_status s)
{
	return (unsigned)s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

int hutch_status_from_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(status_names); i++)
		if (strcmp(name, status_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *hutch_ns_kind_name(enum hutch_ns_kind k)
{
	return (unsigned)k < ARRAY_SIZE(ns_names) ? ns_names[k] : NULL;
}

void hutch_state_init(struct hutch_state *st)
{
	memset(st, 0, sizeof(*st));
	st->limits.memory_bytes = UINT64_MAX;
	st->limits.memory_swap_bytes = UINT64_MAX;
	st->limits.cpu_quota_us = UINT64_MAX;
	st->limits.cpu_period_us = UINT64_MAX;
	st->limits.cpu_shares = UINT64_MAX;
	st->limits.pids_max = UINT64_MAX;
	st->exit_code = -1;
	st->fsd = true;
	st->no_new_privs = true;
	st->cap_mask = HUTCH_CAPS_DEFAULT;
}

void hutch_state_free(struct hutch_state *st)
{
	if (!st)
		return;
	strv_free(st->argv);
	strv_free(st->env);
	strv_free(st->devices);
	strv_free(st->labels);
	st->labels = NULL;
	for (size_t i = 0; i < st->n_mounts; i++) {
		free(st->mounts[i].source);
		free(st->mounts[i].destination);
	}
	free(st->mounts);
	st->argv = st->env = st->devices = NULL;
	st->mounts = NULL;
	st->n_mounts = 0;
}

/* json-c builders: a failed allocation leaves the object short, which to_json checks at the end. */
static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	/* Unset values are left out rather than written as 2^64-1. */
	if (v != UINT64_MAX)
		json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_i64(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static struct json_object *strv_json(char **v)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; a && v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* A member of the state (or of its limits) kept under a key of its own, read and
 * written through one table. */
struct field {
	const char *key;
	enum { FIELD_STR, FIELD_U64, FIELD_BOOL } kind;
	size_t offset, size; /* size: a string's buffer */
};
#define FIELD(kind, type, key, member)                                         \
	{                                                                      \
		key, kind, offsetof(type, member), sizeof(((type *)0)->member) \
	}
#define STR(key, member)  FIELD(FIELD_STR, struct hutch_state, key, member)
#define U64(key, member)  FIELD(FIELD_U64, struct hutch_state, key, member)
#define BOOL(key, member) FIELD(FIELD_BOOL, struct hutch_state, key, member)

/* In the document's order, between the members written otherwise. */
static const struct field head_fields[] = {
	STR("id", id),
	STR("name", name),
	STR("image", image),
	STR("rootfs", rootfs),
};
static const struct field path_fields[] = {
	STR("workdir", workdir),	 STR("user", user),	    STR("hostname", hostname),
	STR("cgroup_path", cgroup_path), STR("log_path", log_path),
};
static const struct field run_fields[] = {
	BOOL("oom_killed", oom_killed),
	U64("created_ns", created_ns),
	U64("started_ns", started_ns),
	U64("finished_ns", finished_ns),
};
static const struct field option_fields[] = {
	BOOL("tty", tty),
	BOOL("interactive", interactive),
	BOOL("detach", detach),
	BOOL("auto_remove", auto_remove),
	BOOL("read_only", read_only),
	BOOL("no_pivot", no_pivot),
	BOOL("fsd", fsd),
	BOOL("seccomp_unconfined", seccomp_unconfined),
	STR("seccomp_profile", seccomp_profile),
	BOOL("no_new_privileges", no_new_privs),
	BOOL("privileged", privileged),
	U64("cap_mask", cap_mask),
	U64("monitor_start_ticks", monitor_start_ticks),
};
#define LIMIT(kind, key, member) FIELD(kind, struct hutch_state_limits, key, member)
static const struct field limit_fields[] = {
	LIMIT(FIELD_U64, "memory_bytes", memory_bytes),
	LIMIT(FIELD_U64, "memory_swap_bytes", memory_swap_bytes),
	LIMIT(FIELD_U64, "cpu_quota_us", cpu_quota_us),
	LIMIT(FIELD_U64, "cpu_period_us", cpu_period_us),
	LIMIT(FIELD_U64, "cpu_shares", cpu_shares),
	LIMIT(FIELD_U64, "pids_max", pids_max),
	LIMIT(FIELD_STR, "cpuset_cpus", cpuset_cpus),
	LIMIT(FIELD_STR, "cpuset_mems", cpuset_mems),
};
#undef LIMIT
#undef BOOL
#undef U64
#undef STR
#undef FIELD

static void add_fields(struct json_object *o, const void *base, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)base + f[i].offset;
		uint64_t v;
		switch (f[i].kind) {
		case FIELD_STR:
			add_str(o, f[i].key, p);
			break;
		case FIELD_U64:
			memcpy(&v, p, sizeof(v));
			add_u64(o, f[i].key, v);
			break;
		case FIELD_BOOL:
			add_bool(o, f[i].key, *(const bool *)p);
			break;
		}
	}
}

int hutch_state_to_json(const struct hutch_state *st, char **ret_json)
{
	if (!st || !ret_json)
		return -EINVAL;
	struct json_object *o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	add_fields(o, st, head_fields, ARRAY_SIZE(head_fields));
	json_object_object_add(o, "command", strv_json(st->argv));
	json_object_object_add(o, "env", strv_json(st->env));
	if (st->devices)
		json_object_object_add(o, "devices", strv_json(st->devices));
	if (st->labels)
		json_object_object_add(o, "labels", strv_json(st->labels));
	if (st->stop_signal)
		add_i64(o, "stop_signal", st->stop_signal);
	add_fields(o, st, path_fields, ARRAY_SIZE(path_fields));
	add_str(o, "status", hutch_status_name(st->status));
	add_i64(o, "pid", st->pid);
	add_u64(o, "pid_start_ticks", st->pid_start_ticks);
	add_i64(o, "monitor_pid", st->monitor_pid);
	add_i64(o, "exit_code", st->exit_code);
	add_fields(o, st, run_fields, ARRAY_SIZE(run_fields));

	struct json_object *lim = json_object_new_object();
	if (lim)
		add_fields(lim, &st->limits, limit_fields, ARRAY_SIZE(limit_fields));
	json_object_object_add(o, "limits", lim);

	struct json_object *ns = json_object_new_object();
	for (int k = 0; ns && k < HUTCH_NS_COUNT; k++) {
		const struct hutch_ns_spec *n = &st->ns[k];
		char buf[HUTCH_ID_LEN + 16];
		if (n->mode == HUTCH_NS_CONTAINER)
			snprintf(buf, sizeof(buf), "container:%s", n->container);
		else
			snprintf(buf, sizeof(buf), "%s", ns_mode_names[n->mode]);
		add_str(ns, ns_names[k], buf);
	}
	json_object_object_add(o, "namespaces", ns);

	struct json_object *mounts = json_object_new_array();
	for (size_t i = 0; mounts && i < st->n_mounts; i++) {
		struct json_object *m = json_object_new_object();
		if (!m)
			break;
		add_str(m, "source", st->mounts[i].source);
		add_str(m, "destination", st->mounts[i].destination);
		add_bool(m, "readonly", st->mounts[i].readonly);
		json_object_array_add(mounts, m);
	}
	json_object_object_add(o, "mounts", mounts);

	add_fields(o, st, option_fields, ARRAY_SIZE(option_fields));
	if (st->log_note[0])
		add_str(o, "log_note", st->log_note);

	/* Unlimited is docker's -1. */
	struct json_object *ul = json_object_new_array();
	for (size_t i = 0; ul && i < st->n_ulimits; i++) {
		struct json_object *u = json_object_new_object();
		if (!u)
			break;
		add_str(u, "name", st->ulimits[i].name);
		add_i64(u, "soft",
			st->ulimits[i].soft == HUTCH_RLIM_INF ? -1 : (int64_t)st->ulimits[i].soft);
		add_i64(u, "hard",
			st->ulimits[i].hard == HUTCH_RLIM_INF ? -1 : (int64_t)st->ulimits[i].hard);
		json_object_array_add(ul, u);
	}
	json_object_object_add(o, "ulimits", ul);

	int r = 0;
	if (!lim || !ns || !mounts || !ul) {
		r = -ENOMEM;
	} else {
		const char *s = json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		char *dup = s ? strdup(s) : NULL;
		if (!dup)
			r = -ENOMEM;
		else
			*ret_json = dup;
	}
	json_object_put(o);
	return r;
}

static int get_str(struct json_object *o, const char *k, char *buf, size_t size)
{
	struct json_object *v;
	buf[0] = '\0';
	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	const char *s = json_object_get_string(v);
	if (strlen(s) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int get_u64(struct json_object *o, const char *k, uint64_t *ret)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v))
		return 0; /* left as it was: unset */
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	errno = 0;
	uint64_t x = json_object_get_uint64(v);
	/* json-c saturates numbers past 2^64-1 to it, which is also the unset value
	 * that is never written: both are out of range here. */
	if (errno || json_object_get_int64(v) < 0 || x == UINT64_MAX)
		return -ERANGE;
	*ret = x;
	return 0;
}

static int get_i64(struct json_object *o, const char *k, int64_t lo, int64_t hi, int64_t *ret)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	int64_t x = json_object_get_int64(v);
	if (x < lo || x > hi)
		return -ERANGE;
	*ret = x;
	return 0;
}

static int get_bool(struct json_object *o, const char *k, bool *ret)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*ret = json_object_get_boolean(v);
	return 0;
}

static int get_fields(struct json_object *o, void *base, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *p = (char *)base + f[i].offset;
		int r = f[i].kind == FIELD_STR	 ? get_str(o, f[i].key, p, f[i].size)
			: f[i].kind == FIELD_U64 ? get_u64(o, f[i].key, (uint64_t *)(void *)p)
						 : get_bool(o, f[i].key, (bool *)p);
		if (r < 0)
			return r;
	}
	return 0;
}

static int get_strv(struct json_object *o, const char *k, char ***ret)
{
	struct json_object *a;
	if (!json_object_object_get_ex(o, k, &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EINVAL;
	size_t n = json_object_array_length(a);
	_cleanup_strv_free_ char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string))
			return -EINVAL;
		if (!(v[i] = strdup(json_object_get_string(e))))
			return -ENOMEM;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

static int parse_ns(const char *s, struct hutch_ns_spec *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (strncmp(s, "container:", 10) == 0) {
		if (strlen(s + 10) == 0 || strlen(s + 10) > HUTCH_ID_LEN)
			return -EINVAL;
		ret->mode = HUTCH_NS_CONTAINER;
		strcpy(ret->container, s + 10);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ns_mode_names); i++) {
		if (i != HUTCH_NS_CONTAINER && strcmp(s, ns_mode_names[i]) == 0) {
			ret->mode = (enum hutch_ns_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int state_from_object(struct json_object *o, struct hutch_state *st)
{
	int r;
	char status[32];
	int64_t x;
	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	if ((r = get_fields(o, st, head_fields, ARRAY_SIZE(head_fields))) < 0 ||
	    (r = get_strv(o, "command", &st->argv)) < 0 || (r = get_strv(o, "env", &st->env)) < 0 ||
	    (r = get_strv(o, "devices", &st->devices)) < 0 ||
	    (r = get_strv(o, "labels", &st->labels)) < 0 ||
	    (r = get_fields(o, st, path_fields, ARRAY_SIZE(path_fields))) < 0 ||
	    (r = get_str(o, "status", status, sizeof(status))) < 0)
		return r;
	if (st->id[0] == '\0')
		return -EINVAL;
	r = hutch_status_from_name(status);
	if (r < 0)
		return r;
	st->status = (enum hutch_status)r;
	x = 0;
	if ((r = get_i64(o, "pid", 0, INT32_MAX, &x)) < 0)
		return r;
	st->pid = (pid_t)x;
	x = 0;
	if ((r = get_i64(o, "monitor_pid", 0, INT32_MAX, &x)) < 0)
		return r;
	st->monitor_pid = (pid_t)x;
	x = -1;
	if ((r = get_i64(o, "exit_code", -1, 255, &x)) < 0)
		return r;
	st->exit_code = (int)x;
	x = 0;
	if ((r = get_i64(o, "stop_signal", 0, 64, &x)) < 0)
		return r;
	st->stop_signal = (int)x;
	if ((r = get_u64(o, "pid_start_ticks", &st->pid_start_ticks)) < 0 ||
	    (r = get_fields(o, st, run_fields, ARRAY_SIZE(run_fields))) < 0)
		return r;

	struct json_object *lim;
	if (json_object_object_get_ex(o, "limits", &lim)) {
		if (!json_object_is_type(lim, json_type_object))
			return -EINVAL;
		r = get_fields(lim, &st->limits, limit_fields, ARRAY_SIZE(limit_fields));
		if (r < 0)
			return r;
	}

	struct json_object *ns;
	if (json_object_object_get_ex(o, "namespaces", &ns)) {
		if (!json_object_is_type(ns, json_type_object))
			return -EINVAL;
		for (int k = 0; k < HUTCH_NS_COUNT; k++) {
			char buf[HUTCH_ID_LEN + 16];
			if ((r = get_str(ns, ns_names[k], buf, sizeof(buf))) < 0)
				return r;
			if (buf[0] && (r = parse_ns(buf, &st->ns[k])) < 0)
				return r;
		}
	}

	struct json_object *mounts;
	if (json_object_object_get_ex(o, "mounts", &mounts)) {
		if (!json_object_is_type(mounts, json_type_array))
			return -EINVAL;
		size_t n = json_object_array_length(mounts);
		st->mounts = calloc(n ? n : 1, sizeof(*st->mounts));
		if (!st->mounts)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			struct json_object *m = json_object_array_get_idx(mounts, i), *s, *d;
			if (!json_object_is_type(m, json_type_object) ||
			    !json_object_object_get_ex(m, "source", &s) ||
			    !json_object_object_get_ex(m, "destination", &d) ||
			    !json_object_is_type(s, json_type_string) ||
			    !json_object_is_type(d, json_type_string))
				return -EINVAL;
			struct hutch_mount_spec *ms = &st->mounts[st->n_mounts];
			ms->source = strdup(json_object_get_string(s));
			ms->destination = strdup(json_object_get_string(d));
			st->n_mounts++;
			if (!ms->source || !ms->destination)
				return -ENOMEM;
			if ((r = get_bool(m, "readonly", &ms->readonly)) < 0)
				return r;
		}
	}

	if ((r = get_fields(o, st, option_fields, ARRAY_SIZE(option_fields))) < 0 ||
	    (r = get_str(o, "log_note", st->log_note, sizeof(st->log_note))) < 0)
		return r;

	struct json_object *ul;
	if (json_object_object_get_ex(o, "ulimits", &ul)) {
		if (!json_object_is_type(ul, json_type_array) ||
		    json_object_array_length(ul) > HUTCH_MAX_ULIMITS)
			return -EINVAL;
		for (size_t i = 0; i < json_object_array_length(ul); i++) {
			struct json_object *u = json_object_array_get_idx(ul, i);
			struct hutch_ulimit *h = &st->ulimits[i];
			int64_t soft = -1, hard = -1;
			if (!json_object_is_type(u, json_type_object))
				return -EINVAL;
			if ((r = get_str(u, "name", h->name, sizeof(h->name))) < 0 ||
			    (r = get_i64(u, "soft", -1, INT64_MAX, &soft)) < 0 ||
			    (r = get_i64(u, "hard", -1, INT64_MAX, &hard)) < 0)
				return r;
			if (!h->name[0])
				return -EINVAL;
			h->soft = soft < 0 ? HUTCH_RLIM_INF : (uint64_t)soft;
			h->hard = hard < 0 ? HUTCH_RLIM_INF : (uint64_t)hard;
			st->n_ulimits = i + 1;
		}
	}
	return 0;
}

int hutch_state_from_json(const char *json, struct hutch_state *ret)
{
	if (!json || !ret)
		return -EINVAL;
	struct json_object *o = json_tokener_parse(json);
	if (!o)
		return -EINVAL;
	struct hutch_state st;
	hutch_state_init(&st);
	int r = state_from_object(o, &st);
	json_object_put(o);
	if (r < 0) {
		hutch_state_free(&st);
		return r;
	}
	*ret = st;
	return 0;
}

const char *hutch_state_root(const char *root)
{
	return root && root[0] ? root : HUTCH_STATE_ROOT;
}

/* Ids and names are one path component: no '/', not "." or "..". */
static bool valid_component(const char *s)
{
	return s && s[0] && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* dir/state.json, atomically: a temporary renamed over the old file. */
int hutch_state_write_at(const char *dir, const struct hutch_state *st)
{
	if (!st || !valid_component(st->id))
		return -EINVAL;
	_cleanup_free_ char *json = NULL;
	int r = hutch_state_to_json(st, &json);
	if (r < 0)
		return r;
	/*
	 * Atomic for readers (a temporary renamed over the old file) but not
	 * fsync'd: the state of running processes means nothing after a reboot,
	 * and an fsync would cost a container start several milliseconds.
	 */
	char path[4096], tmp[4200];
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(json), off = 0;
	while (off < len) {
		ssize_t w = write(fd, json + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? -errno : -ENOSPC;
			close(fd);
			unlink(tmp);
			return r;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int hutch_state_write(const char *root, const struct hutch_state *st)
{
	if (!st || !valid_component(st->id))
		return -EINVAL;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/%s", hutch_state_root(root), st->id);
	return hutch_state_write_at(dir, st);
}

int hutch_state_read(const char *root, const char *id, struct hutch_state *ret)
{
	if (!valid_component(id) || !ret)
		return -EINVAL;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/state.json", hutch_state_root(root), id);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hutch_read_file(path, 4 << 20, &buf, &len);
	if (r < 0)
		return r;
	return hutch_state_from_json(buf, ret);
}

void hutch_state_list_free(struct hutch_state *states, size_t n)
{
	for (size_t i = 0; states && i < n; i++)
		hutch_state_free(&states[i]);
	free(states);
}

static int by_created(const void *a, const void *b)
{
	const struct hutch_state *x = a, *y = b;
	return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

/* Why a directory's state cannot be read, for a broken entry. */
static void broken_reason(int r, char *buf, size_t size)
{
	if (r == -ENOENT)
		snprintf(buf, size, "no state.json");
	else if (r == -EINVAL || r == -ERANGE || r == -ENAMETOOLONG)
		snprintf(buf, size, "state.json is not a valid container state");
	else if (r == -EFBIG)
		snprintf(buf, size, "state.json is too large");
	else
		snprintf(buf, size, "state.json: %s", strerror(-r));
}

static int list(const char *root, bool with_broken, struct hutch_state **ret_states, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = opendir(hutch_state_root(root));
	if (!d) {
		if (errno == ENOENT) {
			*ret_states = NULL;
			*ret_n = 0;
			return 0;
		}
		return -errno;
	}
	struct hutch_state *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (HUTCH_GROW(v, n, cap, 8) < 0) {
			hutch_state_list_free(v, n);
			return -ENOMEM;
		}
		int r = hutch_state_read(root, de->d_name, &v[n]);
		if (r == 0 && strcmp(v[n].id, de->d_name) != 0) {
			hutch_state_free(&v[n]);
			r = -EINVAL; /* a state copied under another id's directory */
		}
		if (r == 0) {
			n++;
			continue;
		}
		if (!with_broken || strlen(de->d_name) > HUTCH_ID_LEN)
			continue;
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		struct hutch_state *b = &v[n++];
		hutch_state_init(b);
		strcpy(b->id, de->d_name);
		b->status = HUTCH_STATUS_EXITED;
		b->created_ns =
			(uint64_t)sb.st_mtim.tv_sec * 1000000000ull + (uint64_t)sb.st_mtim.tv_nsec;
		broken_reason(r, b->broken, sizeof(b->broken));
		hutch_name_of(root, b->id, b->name, sizeof(b->name));
		/* The cgroup's path, kept apart from the state for this (runtime's "cgroup" link). */
		char link[4200];
		snprintf(link, sizeof(link), "%s/%s/cgroup", hutch_state_root(root), b->id);
		ssize_t k = readlink(link, b->cgroup_path, sizeof(b->cgroup_path) - 1);
		b->cgroup_path[k > 0 && b->cgroup_path[0] == '/' ? k : 0] = '\0';
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), by_created);
	*ret_states = v;
	*ret_n = n;
	return 0;
}

int hutch_state_list(const char *root, struct hutch_state **ret_states, size_t *ret_n)
{
	return list(root, false, ret_states, ret_n);
}

int hutch_state_list_all(const char *root, struct hutch_state **ret_states, size_t *ret_n)
{
	return list(root, true, ret_states, ret_n);
}

int hutch_state_find(const char *root, const char *name_or_id, struct hutch_state *ret)
{
	if (!name_or_id || !name_or_id[0] || !ret)
		return -EINVAL;
	struct hutch_state *v;
	size_t n;
	int r = hutch_state_list_all(root, &v, &n);
	if (r < 0)
		return r;
	ssize_t found = -1;
	bool ambiguous = false;
	size_t len = strlen(name_or_id);
	for (size_t i = 0; i < n && found < 0; i++)
		if (strcmp(v[i].name, name_or_id) == 0 || strcmp(v[i].id, name_or_id) == 0)
			found = (ssize_t)i;
	for (size_t i = 0; i < n && found < 0; i++) {
		if (strncmp(v[i].id, name_or_id, len) != 0)
			continue;
		for (size_t j = i + 1; j < n; j++)
			if (strncmp(v[j].id, name_or_id, len) == 0)
				ambiguous = true;
		if (!ambiguous)
			found = (ssize_t)i;
		break;
	}
	if (found >= 0) {
		*ret = v[found];
		memset(&v[found], 0, sizeof(v[found]));
		r = 0;
	} else {
		r = ambiguous ? -ENOTUNIQ : -ENOENT;
	}
	hutch_state_list_free(v, n);
	return r;
}

int hutch_name_reserve(const char *root, const char *name, const char *id)
{
	if (!valid_component(name) || !valid_component(id))
		return -EINVAL;
	char dir[4096], link[4400], target[HUTCH_ID_LEN + 2], other[4400];
	snprintf(dir, sizeof(dir), "%s/.names", hutch_state_root(root));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(link, sizeof(link), "%s/%s", dir, name);
	for (int tries = 0; tries < 2; tries++) {
		if (symlink(id, link) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
		ssize_t k = readlink(link, target, sizeof(target) - 1);
		if (k < 0)
			return errno == ENOENT ? -EAGAIN : -errno;
		target[k] = '\0';
		snprintf(other, sizeof(other), "%s/%s", hutch_state_root(root), target);
		/* A reservation outliving its container (a killed rm): taken over. */
		if (!valid_component(target) || access(other, F_OK) == 0)
			return -EEXIST;
		unlink(link);
	}
	return -EEXIST;
}

void hutch_name_release(const char *root, const char *name, const char *id)
{
	if (!valid_component(name) || !valid_component(id))
		return;
	char link[4400], target[HUTCH_ID_LEN + 2];
	snprintf(link, sizeof(link), "%s/.names/%s", hutch_state_root(root), name);
	ssize_t k = readlink(link, target, sizeof(target) - 1);
	if (k < 0)
		return;
	target[k] = '\0';
	if (strcmp(target, id) == 0)
		unlink(link);
}

void hutch_name_of(const char *root, const char *id, char *buf, size_t size)
{
	char dir[4096];
	buf[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/.names", hutch_state_root(root));
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	char target[HUTCH_ID_LEN + 2];
	while (d && (de = readdir(d))) {
		ssize_t k = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		if (strcmp(target, id) == 0 && strlen(de->d_name) < size) {
			strcpy(buf, de->d_name);
			return;
		}
	}
}

int hutch_pid_start_ticks(pid_t pid, uint64_t *ret)
{
	/* procfs_read_pid_stat reads pid 0 as the caller: no process of a state file's. */
	if (pid <= 0)
		return -ESRCH;
	struct procfs_pid_stat ps;
	int r = procfs_read_pid_stat(pid, &ps);
	if (r < 0)
		return r;
	*ret = ps.starttime_ticks;
	return 0;
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

bool hutch_pid_running(pid_t pid, uint64_t start_ticks)
{
	uint64_t t;
	if (pid <= 0)
		return false;
	/*
	 * The pidfd first, then the start time: if the start time matches, the
	 * pidfd is of the same process. A process that has exited but is not
	 * reaped yet (a zombie, when its parent is slow, or gone and the
	 * host's pid 1 is) still has /proc/PID: its pidfd polls readable.
	 */
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno != ENOSYS)
		return false;
	bool alive = hutch_pid_start_ticks(pid, &t) == 0 && (start_ticks == 0 || t == start_ticks);
	if (alive && fd >= 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		alive = poll(&p, 1, 0) == 0;
	} else if (alive) {
		/* Before Linux 5.3: the process's state letter (Z, X: exited). */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		struct procfs_pid_stat ps;
		alive = hutch_read_file(path, 8192, &buf, &len) == 0 &&
			procfs_parse_pid_stat(buf, len, &ps) == 0 && ps.state != 'Z' &&
			ps.state != 'X';
	}
	if (fd >= 0)
		close(fd);
	return alive;
}

bool hutch_state_pid_alive(const struct hutch_state *st)
{
	return st && hutch_pid_running(st->pid, st->pid_start_ticks);
}
