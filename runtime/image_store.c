// SPDX-License-Identifier: MIT
/*
 * Reading the content-addressed image store (see image_store.h): references,
 * image records, configs. json-c only, so the static hutch links it.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "hutch.h"
#include "image_store.h"

const char *image_store_dir(void)
{
	const char *d = getenv("HUTCH_IMAGES_DIR");
	return d && d[0] ? d : HUTCH_IMAGES_DIR;
}

/* Names the store uses for itself, never a directory image. */
static bool reserved_name(const char *name)
{
	static const char *const names[] = {
		"blobs",      "layers", "images", "tmp", "lock", "locks", "repositories.json",
		"build-cache"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

const char *digest_hex(const char *d)
{
	return d && strncmp(d, "sha256:", 7) == 0 && image_is_id(d) ? d + 7 : NULL;
}

const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool image_is_dir_image(const char *name)
{
	return !strpbrk(name, ":/@") && !reserved_name(name) && name[0] != '.';
}

int store_path(char *buf, size_t size, const char *fmt, ...)
{
	int n = snprintf(buf, size, "%s/", image_store_dir());
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= size - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool image_is_id(const char *s)
{
	if (strncmp(s, "sha256:", 7) == 0)
		s += 7;
	return strlen(s) == IMAGE_ID_HEX && is_hex(s, IMAGE_ID_HEX);
}

int image_ref_normalize(const char *in, char *buf, size_t size)
{
	size_t len = strlen(in);
	if (!len || len >= 256)
		return -EINVAL;
	for (const char *p = in; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr("._-/:@", *p);
		if (!ok)
			return -EINVAL;
	}
	if (in[0] == '/' || in[0] == ':' || in[0] == '@' || in[0] == '.' || in[0] == '-' ||
	    strstr(in, "//") || strstr(in, ".."))
		return -EINVAL;
	/* docker's familiar names: docker.io/library/x is x, docker.io/a/b is a/b */
	static const char *const hub[] = {"docker.io/library/", "index.docker.io/library/",
					  "docker.io/", "index.docker.io/"};
	for (size_t i = 0; i < ARRAY_SIZE(hub); i++) {
		size_t n = strlen(hub[i]);
		if (strncmp(in, hub[i], n) == 0 && in[n]) {
			in += n;
			break;
		}
	}
	const char *at = strchr(in, '@');
	if (at) {
		if (strncmp(at + 1, "sha256:", 7) != 0 || !image_is_id(at + 1))
			return -EINVAL;
		return snprintf(buf, size, "%s", in) < (int)size ? 0 : -ENAMETOOLONG;
	}
	const char *slash = strrchr(in, '/');
	const char *colon = strrchr(in, ':');
	bool tagged = colon && (!slash || colon > slash);
	if (tagged && !colon[1])
		return -EINVAL;
	int n = snprintf(buf, size, "%s%s", in, tagged ? "" : ":latest");
	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int store_lock(void)
{
	char p[4096];
	int r = store_path(p, sizeof(p), "lock");
	if (r < 0)
		return r;
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int store_refs_load(struct json_object **ret)
{
	char p[4096];
	int r = store_path(p, sizeof(p), "repositories.json");
	if (r < 0)
		return r;
	_cleanup_free_ char *text = NULL;
	size_t len;
	r = hutch_read_file(p, 64 << 20, &text, &len);
	if (r == -ENOENT) {
		*ret = json_object_new_object();
		return *ret ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	struct json_object *doc = json_tokener_parse(text);
	struct json_object *refs;
	if (!doc || !json_object_object_get_ex(doc, "refs", &refs) ||
	    !json_object_is_type(refs, json_type_object)) {
		json_object_put(doc);
		return -EBADMSG;
	}
	*ret = json_object_get(refs);
	json_object_put(doc);
	return 0;
}

int store_refs_save(struct json_object *refs)
{
	char p[4096];
	int r = store_path(p, sizeof(p), "repositories.json");
	if (r < 0)
		return r;
	struct json_object *doc = json_object_new_object();
	if (!doc)
		return -ENOMEM;
	json_object_object_add(doc, "refs", json_object_get(refs));
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	r = hutch_write_file_atomic(p, s, strlen(s), 0644);
	json_object_put(doc);
	return r;
}

void image_record_free(struct image_record *r)
{
	free(r->layers);
	r->layers = NULL;
	r->n_layers = 0;
}

static const char *obj_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int copy_hex(char *dst, const char *s)
{
	if (!s)
		return -EBADMSG;
	if (strncmp(s, "sha256:", 7) == 0)
		s += 7;
	if (strlen(s) != IMAGE_ID_HEX || !is_hex(s, IMAGE_ID_HEX))
		return -EBADMSG;
	memcpy(dst, s, IMAGE_ID_HEX + 1);
	return 0;
}

int image_record_parse(const char *json, struct image_record *ret)
{
	struct json_object *doc = json_tokener_parse(json), *layers, *v;
	struct image_record rec = {0};
	int r = -EBADMSG;
	if (!doc || copy_hex(rec.id, obj_str(doc, "config")) < 0 ||
	    !json_object_object_get_ex(doc, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		goto out;
	size_t n = json_object_array_length(layers);
	if (n > IMAGE_MAX_LAYERS)
		goto out;
	rec.layers = calloc(n ? n : 1, sizeof(*rec.layers));
	if (!rec.layers) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(layers, i);
		struct image_layer *il = &rec.layers[i];
		const char *mt = obj_str(l, "mediaType");
		if (copy_hex(il->diff_id, obj_str(l, "diff_id")) < 0 ||
		    copy_hex(il->digest, obj_str(l, "digest")) < 0 || !mt)
			goto out;
		snprintf(il->media_type, sizeof(il->media_type), "%s", mt);
		if (json_object_object_get_ex(l, "size", &v))
			il->size = (uint64_t)json_object_get_int64(v);
		rec.n_layers++;
	}
	if (json_object_object_get_ex(doc, "created_ns", &v))
		rec.created_ns = (uint64_t)json_object_get_int64(v);
	*ret = rec;
	rec.layers = NULL;
	r = 0;
out:
	free(rec.layers);
	json_object_put(doc);
	return r;
}

int image_record_format(const struct image_record *r, char **ret_json)
{
	struct json_object *doc = json_object_new_object(), *layers = json_object_new_array();
	char buf[80];
	snprintf(buf, sizeof(buf), "sha256:%s", r->id);
	json_object_object_add(doc, "config", json_object_new_string(buf));
	for (size_t i = 0; i < r->n_layers; i++) {
		struct json_object *l = json_object_new_object();
		snprintf(buf, sizeof(buf), "sha256:%s", r->layers[i].diff_id);
		json_object_object_add(l, "diff_id", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "sha256:%s", r->layers[i].digest);
		json_object_object_add(l, "digest", json_object_new_string(buf));
		json_object_object_add(l, "mediaType",
				       json_object_new_string(r->layers[i].media_type));
		json_object_object_add(l, "size",
				       json_object_new_int64((int64_t)r->layers[i].size));
		json_object_array_add(layers, l);
	}
	json_object_object_add(doc, "layers", layers);
	json_object_object_add(doc, "created_ns", json_object_new_int64((int64_t)r->created_ns));
	char *s = strdup(json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	if (!s)
		return -ENOMEM;
	*ret_json = s;
	return 0;
}

int store_image_read(const char *id, struct image_record *ret)
{
	char p[4096];
	int r = store_path(p, sizeof(p), "images/%s.json", id);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = NULL;
	size_t len;
	if ((r = hutch_read_file(p, 16 << 20, &text, &len)) < 0)
		return r;
	return image_record_parse(text, ret);
}

int store_image_list(char (**ret_ids)[IMAGE_ID_HEX + 1], size_t *ret_n)
{
	char p[4096];
	int r = store_path(p, sizeof(p), "images");
	if (r < 0)
		return r;
	char(*ids)[IMAGE_ID_HEX + 1] = NULL;
	size_t n = 0;
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len != IMAGE_ID_HEX + 5 || strcmp(de->d_name + IMAGE_ID_HEX, ".json") != 0 ||
		    !is_hex(de->d_name, IMAGE_ID_HEX))
			continue;
		void *nids = realloc(ids, (n + 1) * sizeof(*ids));
		if (!nids) {
			free(ids);
			return -ENOMEM;
		}
		ids = nids;
		memcpy(ids[n], de->d_name, IMAGE_ID_HEX);
		ids[n][IMAGE_ID_HEX] = '\0';
		n++;
	}
	*ret_ids = ids;
	*ret_n = n;
	return 0;
}

int store_image_find(const char *name, char ret_id[IMAGE_ID_HEX + 1])
{
	char ref[300];
	if (image_ref_normalize(name, ref, sizeof(ref)) == 0) {
		struct json_object *refs = NULL, *v;
		if (store_refs_load(&refs) == 0 && json_object_object_get_ex(refs, ref, &v) &&
		    copy_hex(ret_id, json_object_get_string(v)) == 0) {
			json_object_put(refs);
			return 0;
		}
		json_object_put(refs);
	}
	const char *hex = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
	size_t len = strlen(hex);
	if (len < 4 || len > IMAGE_ID_HEX || !is_hex(hex, len))
		return -ENOENT;
	char(*ids)[IMAGE_ID_HEX + 1] = NULL;
	size_t n = 0, hits = 0;
	int r = store_image_list(&ids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strncmp(ids[i], hex, len) == 0 && hits++ == 0)
			memcpy(ret_id, ids[i], IMAGE_ID_HEX + 1);
	free(ids);
	return hits == 1 ? 0 : hits ? -ENOTUNIQ : -ENOENT;
}

int store_image_lowerdirs(const struct image_record *r, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = r->n_layers; i-- > 0;) {
		char p[4096];
		int e = store_path(p, sizeof(p), "layers/%s/fs", r->layers[i].diff_id);
		if (e < 0)
			return e;
		int n = snprintf(buf + off, size - off, "%s%s", off ? ":" : "", p);
		if (n < 0 || (size_t)n >= size - off)
			return -E2BIG;
		off += (size_t)n;
	}
	return r->n_layers ? 0 : -ENOENT;
}

void image_config_free(struct image_config *c)
{
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->env);
	json_object_put(c->labels);
	memset(c, 0, sizeof(*c));
}

static int strv_from_json(struct json_object *o, const char *key, char ***ret)
{
	struct json_object *a;
	if (!json_object_object_get_ex(o, key, &a) || json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EBADMSG;
	char **v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string) ||
		    strv_push(&v, json_object_get_string(e)) < 0) {
			strv_free(v);
			return -EBADMSG;
		}
	}
	*ret = v;
	return 0;
}

int image_config_parse(const char *json, struct image_config *ret, struct hutch_error *err)
{
	struct json_object *doc = json_tokener_parse(json), *cfg, *v;
	struct image_config c = {0};
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return hutch_error_set(err, EBADMSG, "image config: not a JSON object");
	}
	/* "config" may be absent or null (an image with no defaults). */
	if (json_object_object_get_ex(doc, "config", &cfg) &&
	    json_object_is_type(cfg, json_type_object)) {
		const char *s;
		if (strv_from_json(cfg, "Entrypoint", &c.entrypoint) < 0 ||
		    strv_from_json(cfg, "Cmd", &c.cmd) < 0 ||
		    strv_from_json(cfg, "Env", &c.env) < 0) {
			image_config_free(&c);
			json_object_put(doc);
			return hutch_error_set(err, EBADMSG,
					       "image config: Entrypoint, Cmd or Env is not a list "
					       "of strings");
		}
		if ((s = obj_str(cfg, "WorkingDir")))
			snprintf(c.workdir, sizeof(c.workdir), "%s", s);
		if ((s = obj_str(cfg, "User")))
			snprintf(c.user, sizeof(c.user), "%s", s);
		if ((s = obj_str(cfg, "StopSignal")))
			snprintf(c.stop_signal, sizeof(c.stop_signal), "%s", s);
		if (json_object_object_get_ex(cfg, "Labels", &v) &&
		    json_object_is_type(v, json_type_object))
			c.labels = json_object_get(v);
	}
	json_object_put(doc);
	*ret = c;
	return 0;
}

int store_image_config(const char *id, struct image_config *ret, struct hutch_error *err)
{
	char p[4096];
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = store_path(p, sizeof(p), "blobs/sha256/%s", id);
	if (r == 0)
		r = hutch_read_file(p, 16 << 20, &text, &len);
	if (r < 0)
		return hutch_error_setsys(err, -r, "read the config of image %.12s", id);
	return image_config_parse(text, ret, err);
}

int layers_find(const char *rootfs, const char *rel, char *buf, size_t size)
{
	const char *p = rootfs;
	while (*p) {
		size_t len = strcspn(p, ":");
		int n = snprintf(buf, size, "%.*s/%s", (int)len, p, rel);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		struct stat sb;
		if (lstat(buf, &sb) == 0) {
			/* An overlay whiteout (a 0/0 character device) hides the lower ones. */
			if (S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0))
				return -ENOENT;
			return 0;
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

/* Whether labels (KEY=VALUE or KEY) has key. */
static bool has_label(char *const *labels, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; labels && labels[i]; i++)
		if (strncmp(labels[i], key, n) == 0 && (labels[i][n] == '=' || !labels[i][n]))
			return true;
	return false;
}

/* StopSignal and Labels, under what hutch run was told (--stop-signal, --label). */
static int image_config_apply_meta(const struct image_config *c, struct hutch_state *st,
				   struct hutch_error *err)
{
	if (!st->stop_signal && c->stop_signal[0] &&
	    (st->stop_signal = spec_parse_signal(c->stop_signal)) < 0) {
		st->stop_signal = 0;
		return hutch_error_set(err, EINVAL, "StopSignal '%s' is not a signal",
				       c->stop_signal);
	}
	if (!c->labels || !json_object_is_type(c->labels, json_type_object))
		return 0;
	json_object_object_foreach (c->labels, k, v) {
		char *kv;
		if (has_label(st->labels, k))
			continue;
		if (asprintf(&kv, "%s=%s", k, json_object_get_string(v)) < 0)
			return hutch_error_set(err, ENOMEM, "out of memory");
		int r = strv_push(&st->labels, kv);
		free(kv);
		if (r < 0)
			return hutch_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

int image_config_apply(const struct image_config *c, struct hutch_state *st,
		       struct hutch_error *err)
{
	char **argv = NULL;
	int r = 0;
	for (size_t i = 0; r == 0 && c->entrypoint && c->entrypoint[i]; i++)
		r = strv_push(&argv, c->entrypoint[i]);
	char **rest = st->argv ? st->argv : c->cmd;
	for (size_t i = 0; r == 0 && rest && rest[i]; i++)
		r = strv_push(&argv, rest[i]);
	if (r == 0 && !argv) {
		if (c->from_store) {
			return hutch_error_set(err, EINVAL,
					       "no command given and the image has no Entrypoint "
					       "or Cmd");
		}
		r = strv_push(&argv, "sh");
	}
	if (r < 0) {
		strv_free(argv);
		return hutch_error_set(err, ENOMEM, "out of memory");
	}
	strv_free(st->argv);
	st->argv = argv;
	if (!st->workdir[0] && c->workdir[0])
		snprintf(st->workdir, sizeof(st->workdir), "%s", c->workdir);
	if (!st->user[0] && c->user[0])
		snprintf(st->user, sizeof(st->user), "%s", c->user);
	return image_config_apply_meta(c, st, err);
}
