// SPDX-License-Identifier: MIT
/*
 * hutch-runc's record of a container (<root>/<id>/state.json) and the state
 * runc prints for it. The JSON conversions are pure; the status is read from
 * the host each time (the process's life, the freezer, the exec fifo), as
 * runc does, so a record never says "running" of a process that is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hutch/cgroup.h"
#include "runc.h"

static const char *const status_names[] = {"creating", "created", "running", "paused", "stopped"};

const char *runc_status_name(enum runc_status s)
{
	return (unsigned)s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

void runc_path(char *buf, size_t size, const char *id, const char *file)
{
	if (snprintf(buf, size, "%s/%s%s%s", runc_globals.root, id, file ? "/" : "",
		     file ? file : "") >= (int)size)
		buf[0] = '\0';
}

bool runc_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 1000 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

void runc_state_free(struct runc_state *st)
{
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	st->annotations = NULL;
	st->n_annotations = 0;
}

int runc_state_to_json(const struct runc_state *st, char **ret_json)
{
	struct json_object *o = json_object_new_object(), *ann = json_object_new_object();
	if (!o || !ann) {
		json_object_put(o);
		json_object_put(ann);
		return -ENOMEM;
	}
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	json_object_object_add(o, "pid_start_ticks", json_object_new_uint64(st->pid_start_ticks));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created_ns", json_object_new_uint64(st->created_ns));
	json_object_object_add(o, "cgroup_path", json_object_new_string(st->cgroup_path));
	json_object_object_add(o, "own_pidns", json_object_new_boolean(st->own_pidns));
	json_object_object_add(o, "systemd_cgroup", json_object_new_boolean(st->systemd_cgroup));
	json_object_object_add(o, "poststart_hooks", json_object_new_boolean(st->poststart_hooks));
	json_object_object_add(o, "poststop_hooks", json_object_new_boolean(st->poststop_hooks));
	for (size_t i = 0; i < st->n_annotations; i++)
		json_object_object_add(ann, st->annotations[i].key,
				       json_object_new_string(st->annotations[i].value));
	json_object_object_add(o, "annotations", ann);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	*ret_json = s ? strdup(s) : NULL;
	json_object_put(o);
	return *ret_json ? 0 : -ENOMEM;
}

static int copy_field(struct json_object *o, const char *key, char *buf, size_t size)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EINVAL;
	if (snprintf(buf, size, "%s", json_object_get_string(v)) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int runc_state_from_json(const char *json, struct runc_state *ret, struct hutch_error *err)
{
	memset(ret, 0, sizeof(*ret));
	struct json_object *o = json_tokener_parse(json), *v;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return hutch_error_set(err, EINVAL, "state.json: not a JSON object");
	}
	int r = 0;
	if (copy_field(o, "id", ret->id, sizeof(ret->id)) < 0 ||
	    copy_field(o, "bundle", ret->bundle, sizeof(ret->bundle)) < 0 ||
	    copy_field(o, "rootfs", ret->rootfs, sizeof(ret->rootfs)) < 0 ||
	    copy_field(o, "cgroup_path", ret->cgroup_path, sizeof(ret->cgroup_path)) < 0)
		r = hutch_error_set(err, EINVAL, "state.json: a field is missing or too long");
	if (json_object_object_get_ex(o, "pid", &v))
		ret->pid = (pid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "pid_start_ticks", &v))
		ret->pid_start_ticks = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "created_ns", &v))
		ret->created_ns = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "own_pidns", &v))
		ret->own_pidns = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "systemd_cgroup", &v))
		ret->systemd_cgroup = json_object_get_boolean(v);
	ret->poststart_hooks =
		!json_object_object_get_ex(o, "poststart_hooks", &v) || json_object_get_boolean(v);
	ret->poststop_hooks =
		!json_object_object_get_ex(o, "poststop_hooks", &v) || json_object_get_boolean(v);
	if (r == 0 && json_object_object_get_ex(o, "annotations", &v) &&
	    json_object_is_type(v, json_type_object)) {
		size_t n = (size_t)json_object_object_length(v);
		ret->annotations = calloc(n ? n : 1, sizeof(*ret->annotations));
		if (!ret->annotations)
			r = hutch_error_set(err, ENOMEM, "out of memory");
		json_object_object_foreach (v, k, val) {
			if (r < 0)
				break;
			struct oci_kv *kv = &ret->annotations[ret->n_annotations++];
			kv->key = strdup(k);
			kv->value = strdup(json_object_get_string(val));
			if (!kv->key || !kv->value)
				r = hutch_error_set(err, ENOMEM, "out of memory");
		}
	}
	json_object_put(o);
	if (r < 0)
		runc_state_free(ret);
	return r;
}

int runc_write_pid_file(const char *path, pid_t pid)
{
	char v[24];
	int n = snprintf(v, sizeof(v), "%d", (int)pid);
	return hutch_write_file_replace(path, v, (size_t)n, 0644);
}

int runc_state_write(const struct runc_state *st)
{
	char path[4200];
	_cleanup_free_ char *json = NULL;
	int r = runc_state_to_json(st, &json);
	if (r < 0)
		return r;
	runc_path(path, sizeof(path), st->id, "state.json");
	return hutch_write_file_replace(path, json, strlen(json), 0600);
}

int runc_state_read(const char *id, struct runc_state *ret, struct hutch_error *err)
{
	char path[4200];
	_cleanup_free_ char *json = NULL;
	size_t len;
	if (!runc_id_valid(id))
		return hutch_error_set(err, ENOENT, "container does not exist");
	runc_path(path, sizeof(path), id, "state.json");
	int r = hutch_read_file(path, 1 << 20, &json, &len);
	if (r == -ENOENT)
		return hutch_error_set(err, ENOENT, "container does not exist");
	if (r < 0)
		return hutch_error_setsys(err, -r, "read %s", path);
	return runc_state_from_json(json, ret, err);
}

int runc_cgroup_open(const struct runc_state *st, struct cgroup **ret)
{
	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return r;
	return cgroup_open(layout, st->cgroup_path, ret);
}

enum runc_status runc_state_status(const struct runc_state *st)
{
	if (st->pid <= 0)
		return RUNC_STOPPED;
	uint64_t ticks;
	if (hutch_pid_start_ticks(st->pid, &ticks) < 0 || ticks != st->pid_start_ticks)
		return RUNC_STOPPED;
	/* A zombie has not run since it exited: stopped too. */
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)st->pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			const char *paren = strrchr(buf, ')');
			if (paren && (paren[2] == 'Z' || paren[2] == 'X'))
				return RUNC_STOPPED;
		}
	}
	char fifo[4200];
	runc_path(fifo, sizeof(fifo), st->id, "exec.fifo");
	if (access(fifo, F_OK) == 0)
		return RUNC_CREATED;
	struct cgroup *cg;
	if (runc_cgroup_open(st, &cg) == 0) {
		bool frozen = runc_frozen(cg);
		cgroup_close(cg);
		if (frozen)
			return RUNC_PAUSED;
	}
	return RUNC_RUNNING;
}

/* Go's time.RFC3339Nano of a UTC time: the fraction without its trailing zeros. */
void runc_format_time(uint64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[32], frac[16];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	unsigned long long f = ns % 1000000000ull;
	frac[0] = '\0';
	if (f) {
		snprintf(frac, sizeof(frac), ".%09llu", f);
		size_t n = strlen(frac);
		while (n > 1 && frac[n - 1] == '0')
			frac[--n] = '\0';
	}
	snprintf(buf, size, "%s%sZ", base, frac);
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct oci_kv *)a)->key, ((const struct oci_kv *)b)->key);
}

/* A JSON string literal of s (json-c's escaping). */
static const char *jstr(struct json_object **holder, const char *s)
{
	*holder = json_object_new_string(s);
	return *holder ? json_object_to_json_string_ext(*holder, JSON_C_TO_STRING_NOSLASHESCAPE)
		       : "\"\"";
}

int runc_state_oci_json(const struct runc_state *st, enum runc_status status, bool indent,
			char **ret_json)
{
	/* Written by hand: runc's field order and Go's indentation, which go-runc and people read. */
	char created[64];
	runc_format_time(st->created_ns, created, sizeof(created));
	const char *nl = indent ? "\n" : "", *i1 = indent ? "  " : "", *i2 = indent ? "    " : "";
	const char *sp = indent ? " " : "";
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return -ENOMEM;
	struct json_object *h[4] = {0};
	fprintf(f, "{%s%s\"ociVersion\":%s\"%s\",%s", nl, i1, sp, RUNC_OCI_VERSION, nl);
	fprintf(f, "%s\"id\":%s%s,%s", i1, sp, jstr(&h[0], st->id), nl);
	fprintf(f, "%s\"pid\":%s%d,%s", i1, sp, status == RUNC_STOPPED ? 0 : (int)st->pid, nl);
	fprintf(f, "%s\"status\":%s\"%s\",%s", i1, sp, runc_status_name(status), nl);
	fprintf(f, "%s\"bundle\":%s%s,%s", i1, sp, jstr(&h[1], st->bundle), nl);
	fprintf(f, "%s\"rootfs\":%s%s,%s", i1, sp, jstr(&h[2], st->rootfs), nl);
	fprintf(f, "%s\"created\":%s\"%s\",%s", i1, sp, created, nl);
	for (int i = 0; i < 3; i++)
		json_object_put(h[i]);
	if (st->n_annotations) {
		struct oci_kv *sorted = malloc(st->n_annotations * sizeof(*sorted));
		if (sorted) {
			memcpy(sorted, st->annotations, st->n_annotations * sizeof(*sorted));
			qsort(sorted, st->n_annotations, sizeof(*sorted), cmp_kv);
			fprintf(f, "%s\"annotations\":%s{%s", i1, sp, nl);
			for (size_t i = 0; i < st->n_annotations; i++) {
				fprintf(f, "%s%s:%s", i2, jstr(&h[0], sorted[i].key), sp);
				json_object_put(h[0]);
				fprintf(f, "%s%s%s", jstr(&h[0], sorted[i].value),
					i + 1 < st->n_annotations ? "," : "", nl);
				json_object_put(h[0]);
			}
			fprintf(f, "%s},%s", i1, nl);
			free(sorted);
		}
	}
	fprintf(f, "%s\"owner\":%s\"\"%s}", i1, sp, nl);
	if (fclose(f) != 0) {
		free(out);
		return -ENOMEM;
	}
	*ret_json = out;
	return 0;
}

int runc_lookup(const char *id, struct runc_state *ret)
{
	struct hutch_error err = {0};
	int r = runc_state_read(id, ret, &err);
	if (r < 0) {
		runc_fail("%s", err.msg);
		return 1;
	}
	return 0;
}
