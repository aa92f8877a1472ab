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
#include "hutch/json.h"
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
		/* A pod's own cgroup: not a container, but the pod's uid is worth knowing. */
		if (pod_uid(last, uid, sizeof(uid)))
			snprintf(out.pod_uid, sizeof(out.pod_uid), "%s", uid);
		*ret = out;
		return 0;
	}

	struct component id;
	const char *engine = "";
	enum sampler_runtime rt;
	if (engine_scope(last, &id, &engine, &rt)) {
		out.runtime = rt;
		copy_comp(out.id, sizeof(out.id), &id);
		if (strcmp(engine, "crio") == 0)
			snprintf(out.engine, sizeof(out.engine), "%s", engine);
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

static bool str_is(const char *s, const char *lit)
{
	return s && strcmp(s, lit) == 0;
}

static struct json_object *parse_json_file(const char *path, size_t max)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hutch_read_file(path, max, &buf, &len) < 0)
		return NULL;
	return json_tokener_parse(buf);
}

void discovery_meta_free(struct discovery_meta *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->alias);
	free(m->image);
	free(m->container);
	free(m->pod);
	free(m->namespace);
	for (size_t i = 0; i < m->n_labels; i++) {
		free(m->labels[i].key);
		free(m->labels[i].value);
	}
	free(m->labels);
	*m = (struct discovery_meta){0};
}

/* Fills the string fields (NULL = ""); the labels are set by the caller. */
static int meta_set(struct discovery_meta *m, const char *name, const char *alias,
		    const char *image, const char *container, const char *pod,
		    const char *namespace)
{
	m->name = strdup(name ? name : "");
	m->alias = strdup(alias ? alias : "");
	m->image = strdup(image ? image : "");
	m->container = strdup(container ? container : "");
	m->pod = strdup(pod ? pod : "");
	m->namespace = strdup(namespace ? namespace : "");
	if (!m->name || !m->alias || !m->image || !m->container || !m->pod || !m->namespace) {
		discovery_meta_free(m);
		return -ENOMEM;
	}
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct discovery_label *)a)->key,
		      ((const struct discovery_label *)b)->key);
}

static int add_label(struct discovery_meta *m, const char *key, const char *value)
{
	if (!key || !value)
		return 0;
	struct discovery_label *nl = realloc(m->labels, (m->n_labels + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	m->labels = nl;
	char *k = strdup(key), *v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	m->labels[m->n_labels++] = (struct discovery_label){k, v};
	return 0;
}

/* The string members of a JSON object as labels, sorted by key. */
static int add_labels(struct discovery_meta *m, struct json_object *o)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return 0;
	json_object_object_foreach (o, key, val) {
		if (json_object_is_type(val, json_type_string) &&
		    add_label(m, key, json_object_get_string(val)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void sort_labels(struct discovery_meta *m)
{
	if (m->n_labels > 1)
		qsort(m->labels, m->n_labels, sizeof(*m->labels), label_cmp);
}

/* The label a kubelet puts on every container of a pod (and "POD" on the sandbox under
 * dockershim and CRI-O). */
#define KUBE_CONTAINER "io.kubernetes.container.name"
#define KUBE_POD       "io.kubernetes.pod.name"
#define KUBE_NAMESPACE "io.kubernetes.pod.namespace"
#define KUBE_POD_UID   "io.kubernetes.pod.uid"

static const char *label_of(const struct discovery_meta *m, const char *key)
{
	for (size_t i = 0; i < m->n_labels; i++)
		if (strcmp(m->labels[i].key, key) == 0)
			return m->labels[i].value;
	return NULL;
}

/* Sets container, pod and namespace from the kubelet's labels. */
static int meta_from_labels(struct discovery_meta *m, const char *name, const char *alias,
			    const char *image)
{
	return meta_set(m, name, alias, image, label_of(m, KUBE_CONTAINER), label_of(m, KUBE_POD),
			label_of(m, KUBE_NAMESPACE));
}

/*
 * docker: containers/<id>/config.v2.json. Under the kubelet (dockershim,
 * cri-dockerd) the kubernetes labels name the pod, and io.kubernetes.docker.type
 * tells the sandbox ("podsandbox") from the containers that join its network.
 */
static int docker_meta(const char *root, const char *id, struct discovery_meta *m)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id);
	struct json_object *o = parse_json_file(path, 4 << 20);
	if (!o)
		return -ENOENT;
	const char *name = hutch_json_str(o, "Name");
	if (name && name[0] == '/')
		name++;
	struct json_object *cfg = hutch_json_obj(o, "Config");
	int r = add_labels(m, hutch_json_obj(cfg, "Labels"));
	if (r == 0) {
		sort_labels(m);
		const char *type = label_of(m, "io.kubernetes.docker.type");
		m->sandbox = str_is(type, "podsandbox");
		m->shares_netns = str_is(type, "container");
		r = meta_from_labels(m, name, name, hutch_json_str(cfg, "Image"));
	}
	json_object_put(o);
	return r;
}

/*
 * podman: containers/storage's overlay-containers/containers.json lists every
 * container with its names and image id; its metadata (a JSON string) holds the
 * image's name as podman shows it ("localhost/app:latest"). Labels live in
 * podman's database, which is not read.
 */
static int podman_meta(const char *root, const char *id, struct discovery_meta *m)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", root);
	struct json_object *o = parse_json_file(path, 64 << 20);
	if (!o)
		return -ENOENT;
	int r = -ENOENT;
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n && r == -ENOENT; i++) {
			struct json_object *c = json_object_array_get_idx(o, i);
			if (!str_is(hutch_json_str(c, "id"), id))
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
			const char *md = hutch_json_str(c, "metadata");
			struct json_object *meta = md ? json_tokener_parse(md) : NULL;
			const char *image = hutch_json_str(meta, "image-name");
			if (!image || !*image)
				image = hutch_json_str(c, "image");
			r = meta_set(m, name, name, image, NULL, NULL, NULL);
			json_object_put(meta);
		}
	}
	json_object_put(o);
	return r;
}

/*
 * containerd keeps each running task's OCI bundle at <root>/<namespace>/<id>;
 * the CRI plugin annotates its config.json with the kubernetes names, the
 * container's kind (sandbox or container) and the image, nerdctl with the
 * container's name. cAdvisor reads the same facts from containerd's labels,
 * which the CRI sets to the kubelet's: they are rebuilt here from the annotations.
 * cAdvisor's name for a containerd container is its id.
 */
static int containerd_meta(const char *root, const char *id, struct discovery_meta *m)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d)
		return -ENOENT;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", root, de->d_name, id);
		struct json_object *o = parse_json_file(path, 16 << 20);
		if (!o)
			continue;
		struct json_object *ann = hutch_json_obj(o, "annotations");
		const char *kind = hutch_json_str(ann, "io.kubernetes.cri.container-type");
		const char *cname = hutch_json_str(ann, "io.kubernetes.cri.container-name");
		const char *pod = hutch_json_str(ann, "io.kubernetes.cri.sandbox-name");
		const char *ns = hutch_json_str(ann, "io.kubernetes.cri.sandbox-namespace");
		const char *uid = hutch_json_str(ann, "io.kubernetes.cri.sandbox-uid");
		const char *image = hutch_json_str(ann, "io.kubernetes.cri.image-name");
		const char *nname = hutch_json_str(ann, "nerdctl/name");
		bool cri = kind && pod && ns;
		char name[512] = "";
		int r = 0;
		if (cri) {
			m->sandbox = strcmp(kind, "sandbox") == 0;
			m->shares_netns = !m->sandbox;
			if (m->sandbox)
				cname = NULL;
			snprintf(name, sizeof(name), "k8s_%s_%s_%s", cname ? cname : "POD", pod,
				 ns);
			if ((cname && add_label(m, KUBE_CONTAINER, cname) < 0) ||
			    add_label(m, KUBE_POD, pod) < 0 ||
			    add_label(m, KUBE_NAMESPACE, ns) < 0 ||
			    (uid && add_label(m, KUBE_POD_UID, uid) < 0) ||
			    add_label(m, "io.cri-containerd.kind", kind) < 0)
				r = -ENOMEM;
			sort_labels(m);
		} else if (nname) {
			snprintf(name, sizeof(name), "%s", nname);
		}
		if (r == 0)
			r = meta_set(m, name, id, image, cname, cri ? pod : NULL, cri ? ns : NULL);
		json_object_put(o);
		return r;
	}
	return -ENOENT;
}

/*
 * CRI-O keeps each container's OCI config in containers/storage, at
 * overlay-containers/<id>/userdata/config.json (under the storage root, and
 * the run root /run/containers/storage), annotated with its name ("k8s_..."),
 * kind, image and labels (a JSON string); the sandbox's container label is "POD".
 * cAdvisor's name for a CRI-O container is that name.
 */
static int crio_meta(const char *root, const char *id, struct discovery_meta *m)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/overlay-containers/%s/userdata/config.json", root, id);
	struct json_object *o = parse_json_file(path, 16 << 20);
	if (!o)
		return -ENOENT;
	struct json_object *ann = hutch_json_obj(o, "annotations");
	const char *labels = hutch_json_str(ann, "io.kubernetes.cri-o.Labels");
	struct json_object *lo = labels ? json_tokener_parse(labels) : NULL;
	int r = add_labels(m, lo);
	json_object_put(lo);
	if (r == 0) {
		sort_labels(m);
		m->sandbox =
			str_is(hutch_json_str(ann, "io.kubernetes.cri-o.ContainerType"), "sandbox");
		m->shares_netns = !m->sandbox && label_of(m, KUBE_POD);
		const char *name = hutch_json_str(ann, "io.kubernetes.cri-o.Name");
		r = meta_from_labels(m, name, name,
				     hutch_json_str(ann, "io.kubernetes.cri-o.ImageName"));
	}
	json_object_put(o);
	return r;
}

/* The kubelet links /var/log/containers/<pod>_<namespace>_<container>-<id>.log. */
static int kube_log_meta(const char *root, const char *id, struct discovery_meta *m)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d)
		return -ENOENT;
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
		/* Only app containers have logs: this one shares its sandbox's network. */
		m->shares_netns = true;
		return meta_set(m, name, id, "", u2 + 1, base, u1 + 1);
	}
	return -ENOENT;
}

/* hutch's own registry: <root>/<id>/state.json (lib/state.c). */
static int hutch_meta(const char *root, const char *id, struct discovery_meta *m)
{
	struct hutch_state st;
	int r = hutch_state_read(root, id, &st);
	if (r < 0)
		return r == -EINVAL ? -ENOENT : r;
	r = meta_set(m, st.name, st.name, st.image[0] ? st.image : st.rootfs, NULL, NULL, NULL);
	hutch_state_free(&st);
	return r;
}

#define DOCKER_ROOT	"/var/lib/docker"
#define PODMAN_ROOT	"/var/lib/containers/storage"
#define CRIO_ROOT	"/var/lib/containers/storage"
#define CRIO_RUN_ROOT	"/run/containers/storage"
#define CONTAINERD_ROOT "/run/containerd/io.containerd.runtime.v2.task"
#define KUBE_LOG_ROOT	"/var/log/containers"

static int crio_lookup(const struct discovery_roots *roots, const char *id,
		       struct discovery_meta *m)
{
	if (roots->crio && *roots->crio)
		return crio_meta(roots->crio, id, m);
	int r = crio_meta(CRIO_ROOT, id, m);
	return r == -ENOENT ? crio_meta(CRIO_RUN_ROOT, id, m) : r;
}

int discovery_lookup(const struct discovery_roots *roots, const struct discovery_id *id,
		     struct discovery_meta *ret)
{
	static const struct discovery_roots none = {0};
	if (!id || !ret)
		return -EINVAL;
	if (!roots)
		roots = &none;
	*ret = (struct discovery_meta){0};
	const char *docker = root_or(roots->docker, DOCKER_ROOT);
	const char *containerd = root_or(roots->containerd, CONTAINERD_ROOT);
	int r = -ENOENT;
	switch (id->runtime) {
	case SAMPLER_RUNTIME_HUTCH:
		r = hutch_meta(roots->hutch, id->id, ret);
		break;
	case SAMPLER_RUNTIME_DOCKER:
		r = docker_meta(docker, id->id, ret);
		break;
	case SAMPLER_RUNTIME_PODMAN:
		r = podman_meta(root_or(roots->podman, PODMAN_ROOT), id->id, ret);
		break;
	case SAMPLER_RUNTIME_CONTAINERD:
		r = strcmp(id->engine, "crio") == 0 ? crio_lookup(roots, id->id, ret)
						    : containerd_meta(containerd, id->id, ret);
		break;
	case SAMPLER_RUNTIME_KUBERNETES:
		/* The engine is known from a systemd scope's name; cgroupfs paths do not say. */
		if (strcmp(id->engine, "docker") == 0) {
			r = docker_meta(docker, id->id, ret);
		} else if (strcmp(id->engine, "crio") == 0) {
			r = crio_lookup(roots, id->id, ret);
		} else {
			r = containerd_meta(containerd, id->id, ret);
			if (r == -ENOENT && !id->engine[0])
				r = crio_lookup(roots, id->id, ret);
			if (r == -ENOENT && !id->engine[0])
				r = docker_meta(docker, id->id, ret);
		}
		if (r == -ENOENT)
			r = kube_log_meta(root_or(roots->kube_containers, KUBE_LOG_ROOT), id->id,
					  ret);
		break;
	default:
		break;
	}
	if (r < 0)
		discovery_meta_free(ret);
	return r;
}

int discovery_lookup_names(const struct discovery_roots *roots, const struct discovery_id *id,
			   char **ret_name, char **ret_image)
{
	if (!id || !ret_name || !ret_image)
		return -EINVAL;
	struct discovery_meta m;
	int r = discovery_lookup(roots, id, &m);
	if (r < 0)
		return r;
	*ret_name = m.name;
	*ret_image = m.image;
	m.name = m.image = NULL;
	discovery_meta_free(&m);
	return 0;
}
