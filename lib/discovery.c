/* SPDX-License-Identifier: MIT */
/*
 * Runtime discovery from cgroup paths, and names from the runtimes' state
 * on disk. The shapes matched here are the ones each runtime documents or
 * has used for years:
 *   docker (cgroupfs driver)    /docker/<64 hex>
 *   docker (systemd driver)     /system.slice/docker-<64 hex>.scope
 *   podman (systemd, cgroupfs)  /machine.slice/libpod-<64 hex>.scope, /libpod_parent/libpod-<id>
 *   containerd / nerdctl        /system.slice/nerdctl-<id>.scope, /default/<64 hex> (cgroupfs)
 *   kubernetes (cgroupfs)       /kubepods[/burstable|/besteffort]/pod<uid>/<64 hex>
 *   kubernetes (systemd)        /kubepods.slice/.../kubepods-<qos>-pod<uid_>.slice/<engine>-<id>.scope
 *   hutch                       /hutch/<id>
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hutch/discovery.h"
#include "hutch/state.h"
#include "hutch/util.h"

const char *sampler_runtime_name(enum sampler_runtime rt)
{
	switch (rt) {
	case SAMPLER_RUNTIME_CGROUP:
		return "cgroup";
	case SAMPLER_RUNTIME_HUTCH:
		return "hutch";
	case SAMPLER_RUNTIME_DOCKER:
		return "docker";
	case SAMPLER_RUNTIME_PODMAN:
		return "podman";
	case SAMPLER_RUNTIME_CONTAINERD:
		return "containerd";
	case SAMPLER_RUNTIME_KUBERNETES:
		return "kubernetes";
	}
	return "unknown";
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return n > 0;
}

/* Runtime container ids are 64 lower-case hex digits (docker, podman, CRI). */
static bool is_container_id(const char *s, size_t n)
{
	return n == 64 && is_hex(s, n);
}

/* hutch names its containers with letters, digits, '_', '.', '-'. */
static bool is_hutch_id(const char *s, size_t n)
{
	if (n == 0 || n >= 128 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

struct component {
	const char *s;
	size_t n;
};

static bool comp_is(const struct component *c, const char *lit)
{
	return c->n == strlen(lit) && memcmp(c->s, lit, c->n) == 0;
}

static bool comp_prefix(const struct component *c, const char *lit)
{
	size_t l = strlen(lit);
	return c->n >= l && memcmp(c->s, lit, l) == 0;
}

/* "<prefix><id>.scope" -> id (64 hex); false when the component has another shape. */
static bool scope_id(const struct component *c, const char *prefix, struct component *ret_id)
{
	size_t pl = strlen(prefix), sl = strlen(".scope");
	if (c->n != pl + 64 + sl || !comp_prefix(c, prefix) ||
	    memcmp(c->s + c->n - sl, ".scope", sl) != 0)
		return false;
	ret_id->s = c->s + pl;
	ret_id->n = 64;
	return is_container_id(ret_id->s, ret_id->n);
}

static void copy_comp(char *dst, size_t size, const struct component *c)
{
	size_t n = c->n < size - 1 ? c->n : size - 1;
	memcpy(dst, c->s, n);
	dst[n] = '\0';
}

/* The pod uid of "pod<uid>" or "kubepods-<qos>-pod<uid>.slice" (underscores become dashes). */
static bool pod_uid(const struct component *c, char *out, size_t size)
{
	const char *p = NULL;
	size_t n = 0;
	if (comp_prefix(c, "pod") && c->n > 3 && c->n - 3 < size) {
		p = c->s + 3;
		n = c->n - 3;
	} else if (comp_prefix(c, "kubepods") && c->n > 6 &&
		   memcmp(c->s + c->n - 6, ".slice", 6) == 0) {
		const char *slice = c->s;
		const char *end = c->s + c->n - 6;
		const char *q = NULL;
		for (const char *x = slice; x + 4 <= end; x++)
			if (memcmp(x, "-pod", 4) == 0)
				q = x + 4;
		if (!q || q >= end)
			return false;
		p = q;
		n = (size_t)(end - q);
	}
	if (!p || n == 0 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i] == '_' ? '-' : p[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-'))
			return false;
		out[i] = ch;
	}
	out[n] = '\0';
	return true;
}

/* The container id in a systemd scope name of one of the known engines. */
static bool engine_scope(const struct component *c, struct component *ret_id,
			 const char **ret_engine, enum sampler_runtime *ret_rt)
{
	static const struct {
		const char *prefix, *engine;
		enum sampler_runtime rt;
	} scopes[] = {
		{"docker-", "docker", SAMPLER_RUNTIME_DOCKER},
		{"libpod-", "podman", SAMPLER_RUNTIME_PODMAN},
		{"cri-containerd-", "containerd", SAMPLER_RUNTIME_CONTAINERD},
		{"nerdctl-", "containerd", SAMPLER_RUNTIME_CONTAINERD},
		{"crio-", "crio", SAMPLER_RUNTIME_CONTAINERD},
	};
	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++) {
		if (scope_id(c, scopes[i].prefix, ret_id)) {
			*ret_engine = scopes[i].engine;
			*ret_rt = scopes[i].rt;
			return true;
		}
	}
	return false;
}

int discovery_parse_path(const char *cgroup_path, struct discovery_id *ret)
{
	if (!cgroup_path || !ret)
		return -EINVAL;
	struct discovery_id out = {.runtime = SAMPLER_RUNTIME_CGROUP};
	struct component comps[64];
	size_t n = 0;
	for (const char *p = cgroup_path; *p && n < ARRAY_SIZE(comps);) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		comps[n++] = (struct component){p, len};
		p += len;
	}
	if (n == 0) {
		*ret = out;
		return 0;
	}
	const struct component *last = &comps[n - 1];
	const struct component *parent = n >= 2 ? &comps[n - 2] : NULL;

	/* kubernetes: the container sits right below its pod's cgroup, under kubepods. */
	bool under_kubepods = comp_prefix(&comps[0], "kubepods");
	if (under_kubepods && parent) {
		char uid[64];
		if (pod_uid(parent, uid, sizeof(uid))) {
			struct component id;
			const char *engine = "";
			enum sampler_runtime rt;
			if (engine_scope(last, &id, &engine, &rt) ||
			    (is_container_id(last->s, last->n) && (id = *last, true))) {
				out.runtime = SAMPLER_RUNTIME_KUBERNETES;
				copy_comp(out.id, sizeof(out.id), &id);
				snprintf(out.pod_uid, sizeof(out.pod_uid), "%s", uid);
				snprintf(out.engine, sizeof(out.engine), "%s", engine);
				*ret = out;
				return 1;
			}
		}
		*ret = out;
		return 0;
	}

	struct component id;
	const char *engine = "";
	enum sampler_runtime rt;
	if (engine_scope(last, &id, &engine, &rt)) {
		out.runtime = rt;
		copy_comp(out.id, sizeof(out.id), &id);
	} else if (parent && comp_is(parent, "docker") && is_container_id(last->s, last->n)) {
		out.runtime = SAMPLER_RUNTIME_DOCKER;
		copy_comp(out.id, sizeof(out.id), last);
	} else if (parent && comp_is(parent, "libpod_parent") && comp_prefix(last, "libpod-") &&
		   is_container_id(last->s + 7, last->n - 7)) {
		out.runtime = SAMPLER_RUNTIME_PODMAN;
		struct component c = {last->s + 7, last->n - 7};
		copy_comp(out.id, sizeof(out.id), &c);
	} else if (parent &&
		   (comp_is(parent, "default") || comp_is(parent, "containerd") ||
		    comp_is(parent, "k8s.io")) &&
		   is_container_id(last->s, last->n)) {
		out.runtime = SAMPLER_RUNTIME_CONTAINERD;
		copy_comp(out.id, sizeof(out.id), last);
	} else if (n == 2 && comp_is(&comps[0], "hutch") && is_hutch_id(last->s, last->n)) {
		out.runtime = SAMPLER_RUNTIME_HUTCH;
		copy_comp(out.id, sizeof(out.id), last);
	} else {
		*ret = out;
		return 0;
	}
	*ret = out;
	return 1;
}

static const char *root_or(const char *root, const char *dflt)
{
	return root && *root ? root : dflt;
}

static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int set_names(const char *name, const char *image, char **ret_name, char **ret_image)
{
	char *n = strdup(name ? name : "");
	char *i = strdup(image ? image : "");
	if (!n || !i) {
		free(n);
		free(i);
		return -ENOMEM;
	}
	*ret_name = n;
	*ret_image = i;
	return 0;
}

static int docker_names(const char *root, const char *id, char **ret_name, char **ret_image)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hutch_read_file(path, 4 << 20, &buf, &len);
	if (r < 0)
		return r;
	struct json_object *o = json_tokener_parse(buf);
	if (!o)
		return -EINVAL;
	const char *name = json_str(o, "Name");
	if (name && name[0] == '/')
		name++;
	struct json_object *cfg = NULL;
	json_object_object_get_ex(o, "Config", &cfg);
	const char *image = json_str(cfg, "Image");
	r = set_names(name, image, ret_name, ret_image);
	json_object_put(o);
	return r;
}

static int podman_names(const char *root, const char *id, char **ret_name, char **ret_image)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", root);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hutch_read_file(path, 64 << 20, &buf, &len);
	if (r < 0)
		return r;
	struct json_object *o = json_tokener_parse(buf);
	if (!o)
		return -EINVAL;
	r = -ENOENT;
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n && r == -ENOENT; i++) {
			struct json_object *c = json_object_array_get_idx(o, i);
			const char *cid = json_str(c, "id");
			if (!cid || strcmp(cid, id) != 0)
				continue;
			const char *name = "";
			struct json_object *names;
			if (json_object_object_get_ex(c, "names", &names) &&
			    json_object_is_type(names, json_type_array) &&
			    json_object_array_length(names) > 0) {
				struct json_object *n0 = json_object_array_get_idx(names, 0);
				if (json_object_is_type(n0, json_type_string))
					name = json_object_get_string(n0);
			}
			/* containers.json knows the image by id only. */
			r = set_names(name, json_str(c, "image"), ret_name, ret_image);
		}
	}
	json_object_put(o);
	return r;
}

/*
 * containerd keeps each running task's OCI bundle at <root>/<namespace>/<id>;
 * the CRI plugin annotates its config.json with the kubernetes names and the
 * image, nerdctl with the container's name.
 */
static int containerd_names(const char *root, const char *id, char **ret_name, char **ret_image)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", root, de->d_name, id);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if (hutch_read_file(path, 16 << 20, &buf, &len) < 0)
			continue;
		struct json_object *o = json_tokener_parse(buf);
		if (!o)
			continue;
		struct json_object *ann = NULL;
		json_object_object_get_ex(o, "annotations", &ann);
		const char *cname = json_str(ann, "io.kubernetes.cri.container-name");
		const char *pod = json_str(ann, "io.kubernetes.cri.sandbox-name");
		const char *ns = json_str(ann, "io.kubernetes.cri.sandbox-namespace");
		const char *image = json_str(ann, "io.kubernetes.cri.image-name");
		const char *nname = json_str(ann, "nerdctl/name");
		char name[512] = "";
		if (cname && pod && ns)
			snprintf(name, sizeof(name), "k8s_%s_%s_%s", cname, pod, ns);
		else if (nname)
			snprintf(name, sizeof(name), "%s", nname);
		int r = set_names(name, image, ret_name, ret_image);
		json_object_put(o);
		return r;
	}
	return -ENOENT;
}

/* The kubelet links /var/log/containers/<pod>_<namespace>_<container>-<id>.log. */
static int kube_names(const char *root, const char *id, char **ret_name, char **ret_image)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d)
		return -errno;
	char suffix[160];
	snprintf(suffix, sizeof(suffix), "-%s.log", id);
	size_t sl = strlen(suffix);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0)
			continue;
		char base[256];
		size_t bl = l - sl < sizeof(base) - 1 ? l - sl : sizeof(base) - 1;
		memcpy(base, de->d_name, bl);
		base[bl] = '\0';
		char *u1 = strchr(base, '_');
		char *u2 = u1 ? strchr(u1 + 1, '_') : NULL;
		if (!u1 || !u2)
			continue;
		*u1 = *u2 = '\0';
		char name[512];
		snprintf(name, sizeof(name), "k8s_%s_%s_%s", u2 + 1, base, u1 + 1);
		return set_names(name, "", ret_name, ret_image);
	}
	return -ENOENT;
}

/* hutch's own registry: <root>/<id>/state.json (lib/state.c). */
static int hutch_names(const char *root, const char *id, char **ret_name, char **ret_image)
{
	struct hutch_state st;
	int r = hutch_state_read(root, id, &st);
	if (r < 0)
		return r == -EINVAL ? -ENOENT : r;
	r = set_names(st.name, st.image[0] ? st.image : st.rootfs, ret_name, ret_image);
	hutch_state_free(&st);
	return r;
}

int discovery_lookup_names(const struct discovery_roots *roots, const struct discovery_id *id,
			   char **ret_name, char **ret_image)
{
	static const struct discovery_roots none = {0};
	if (!id || !ret_name || !ret_image)
		return -EINVAL;
	if (!roots)
		roots = &none;
	switch (id->runtime) {
	case SAMPLER_RUNTIME_HUTCH:
		return hutch_names(roots->hutch, id->id, ret_name, ret_image);
	case SAMPLER_RUNTIME_DOCKER:
		return docker_names(root_or(roots->docker, "/var/lib/docker"), id->id, ret_name,
				    ret_image);
	case SAMPLER_RUNTIME_PODMAN:
		return podman_names(root_or(roots->podman, "/var/lib/containers/storage"), id->id,
				    ret_name, ret_image);
	case SAMPLER_RUNTIME_CONTAINERD:
		return containerd_names(
			root_or(roots->containerd, "/run/containerd/io.containerd.runtime.v2.task"),
			id->id, ret_name, ret_image);
	case SAMPLER_RUNTIME_KUBERNETES:
		if (strcmp(id->engine, "docker") != 0 &&
		    containerd_names(root_or(roots->containerd,
					     "/run/containerd/io.containerd.runtime.v2.task"),
				     id->id, ret_name, ret_image) == 0)
			return 0;
		if (strcmp(id->engine, "docker") == 0) {
			char *n, *i;
			if (docker_names(root_or(roots->docker, "/var/lib/docker"), id->id, &n,
					 &i) == 0) {
				*ret_name = n;
				*ret_image = i;
				return 0;
			}
		}
		return kube_names(root_or(roots->kube_containers, "/var/log/containers"), id->id,
				  ret_name, ret_image);
	default:
		return -ENOENT;
	}
}
