/* SPDX-License-Identifier: MIT */
/*
 * Which runtime made a cgroup, from its path alone (docker, podman,
 * containerd, kubernetes and hutch name their cgroups in well-known ways),
 * and the container's name and image from the runtime's own state on disk
 * where that is readable. The path parser is pure; the name lookups read
 * files under roots the caller gives, so tests point them at fixtures.
 */
#ifndef HUTCH_DISCOVERY_H
#define HUTCH_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

/* Which runtime made a container, from its cgroup path or hutch's state. */
enum sampler_runtime {
	SAMPLER_RUNTIME_CGROUP, /* a plain cgroup, no known runtime */
	SAMPLER_RUNTIME_HUTCH,
	SAMPLER_RUNTIME_DOCKER,
	SAMPLER_RUNTIME_PODMAN,
	SAMPLER_RUNTIME_CONTAINERD,
	SAMPLER_RUNTIME_KUBERNETES,
};
const char *sampler_runtime_name(enum sampler_runtime rt);

struct discovery_id {
	enum sampler_runtime runtime;
	char id[128]; /* the runtime's container id */
	char pod_uid
		[64]; /* kubernetes pod uid with dashes (also of a pod's own cgroup), "" elsewhere */
	/* The engine under kubernetes ("containerd", "docker", "crio"), or "" */
	char engine[16];
};

/*
 * Parses a cgroup path ("/docker/<id>", "/system.slice/docker-<id>.scope",
 * "/machine.slice/libpod-<id>.scope", "/kubepods/burstable/pod<uid>/<id>",
 * "/kubepods.slice/.../cri-containerd-<id>.scope", "/hutch/<id>", ...).
 * Returns 1 and fills *ret when the path is a runtime's container, 0 when it
 * is a plain cgroup (*ret then says SAMPLER_RUNTIME_CGROUP; a pod's own cgroup,
 * "/kubepods/burstable/pod<uid>", also gives its pod_uid), -EINVAL on NULL.
 */
int discovery_parse_path(const char *cgroup_path, struct discovery_id *ret);

/* Where runtimes keep their state; NULL members mean the usual place. */
struct discovery_roots {
	const char *hutch;	     /* /run/hutch */
	const char *docker;	     /* /var/lib/docker */
	const char *podman;	     /* /var/lib/containers/storage */
	const char *kube_containers; /* /var/log/containers (kubelet's log links) */
	const char *containerd;	     /* /run/containerd/io.containerd.runtime.v2.task */
	const char *crio;	     /* /var/lib/containers/storage, then /run/containers/storage */
};

struct discovery_label {
	char *key, *value;
};

/* What a runtime's state says about a container; strings are "" where unknown. */
struct discovery_meta {
	char *name;  /* the runtime's name ("web", "k8s_app_mypod_default" under kubernetes) */
	char *alias; /* cAdvisor's "name" label, its first alias: docker's and podman's name,
		      * containerd's id, CRI-O's "k8s_..." name */
	char *image; /* as the kubelet shows it (CRI: the image's name; podman: its name) */
	char *container, *pod, *namespace; /* kubernetes' names ("" on the pod's sandbox) */
	bool sandbox;	   /* a pod's sandbox (pause) container: it holds the pod's network */
	bool shares_netns; /* joins its sandbox's network namespace: no network of its own */
	/* The engine's labels (docker's, CRI-O's; for containerd the kubelet's, rebuilt from
	 * the CRI's annotations), sorted by key. */
	struct discovery_label *labels;
	size_t n_labels;
};
void discovery_meta_free(struct discovery_meta *m);

/*
 * Looks the container up in its runtime's state on disk: docker's
 * containers/<id>/config.v2.json, podman's overlay-containers/containers.json,
 * containerd's task bundles <ns>/<id>/config.json (the CRI's or nerdctl's
 * annotations), CRI-O's overlay-containers/<id>/userdata/config.json, the
 * kubelet's /var/log/containers links. Under kubernetes with an engine the
 * path does not name (cgroupfs driver), containerd, CRI-O, docker and the log
 * links are tried in turn. Returns 0 and fills *ret (free with
 * discovery_meta_free), -ENOENT when the runtime's state has nothing on the
 * container, -ENOMEM.
 */
int discovery_lookup(const struct discovery_roots *roots, const struct discovery_id *id,
		     struct discovery_meta *ret);

/*
 * The name and image of discovery_lookup. Looks the container's name and image up in its runtime's state: docker's
 * containers/<id>/config.v2.json, podman's overlay-containers/containers.json,
 * the kubelet's /var/log/containers/<pod>_<ns>_<container>-<id>.log links
 * (name "k8s_<container>_<pod>_<ns>", as dockershim named them), containerd's
 * task bundles <ns>/<id>/config.json (the CRI's or nerdctl's annotations). Returns 0
 * with malloc'd strings ("" where one is unknown), -ENOENT when the runtime's
 * state has nothing on the container.
 */
int discovery_lookup_names(const struct discovery_roots *roots, const struct discovery_id *id,
			   char **ret_name, char **ret_image);

#endif
