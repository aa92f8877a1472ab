/* SPDX-License-Identifier: MIT */
/*
 * Runtime discovery from cgroup paths (every shape docker, podman,
 * containerd, kubernetes and hutch use, and look-alikes that are not
 * containers), and names from the runtimes' state in tests/fixtures/discovery.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hutch/discovery.h"

#define ID1  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID3  "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
#define ID4  "bbbbbbbbbbbbbbbbaaaaaaaaaaaaaaaaccccccccccccccccdddddddddddddddd"
#define UID  "4f9c2c5e-2f1b-4c43-9a37-0e1c9f0a7b21"
#define UID_ "4f9c2c5e_2f1b_4c43_9a37_0e1c9f0a7b21"
#define SB4  "5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b"
#define CID  "6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c"
#define CSB  "7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d"
#define PUID "0d3e1b2a-9c8f-4e7d-8a6b-5c4d3e2f1a0b"
#define FIX  HUTCH_FIXTURES "/discovery"

struct path_case {
	const char *path;
	int ret;
	enum sampler_runtime rt;
	const char *id, *pod, *engine;
};

static const struct path_case cases[] = {
	{"/docker/" ID1, 1, SAMPLER_RUNTIME_DOCKER, ID1, "", ""},
	{"/system.slice/docker-" ID1 ".scope", 1, SAMPLER_RUNTIME_DOCKER, ID1, "", ""},
	{"/machine.slice/libpod-" ID2 ".scope", 1, SAMPLER_RUNTIME_PODMAN, ID2, "", ""},
	{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID2 ".scope", 1,
	 SAMPLER_RUNTIME_PODMAN, ID2, "", ""},
	{"/libpod_parent/libpod-" ID2, 1, SAMPLER_RUNTIME_PODMAN, ID2, "", ""},
	{"/system.slice/nerdctl-" ID1 ".scope", 1, SAMPLER_RUNTIME_CONTAINERD, ID1, "", ""},
	{"/system.slice/cri-containerd-" ID1 ".scope", 1, SAMPLER_RUNTIME_CONTAINERD, ID1, "", ""},
	{"/default/" ID1, 1, SAMPLER_RUNTIME_CONTAINERD, ID1, "", ""},
	{"/kubepods/burstable/pod" UID "/" ID3, 1, SAMPLER_RUNTIME_KUBERNETES, ID3, UID, ""},
	{"/kubepods/pod" UID "/" ID3, 1, SAMPLER_RUNTIME_KUBERNETES, ID3, UID, ""},
	{"/kubepods/besteffort/pod" UID "/" ID3, 1, SAMPLER_RUNTIME_KUBERNETES, ID3, UID, ""},
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	 ".slice/cri-containerd-" ID3 ".scope",
	 1, SAMPLER_RUNTIME_KUBERNETES, ID3, UID, "containerd"},
	{"/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID3 ".scope", 1,
	 SAMPLER_RUNTIME_KUBERNETES, ID3, UID, "docker"},
	{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" ID3
	 ".scope",
	 1, SAMPLER_RUNTIME_KUBERNETES, ID3, UID, "crio"},
	{"/hutch/web1", 1, SAMPLER_RUNTIME_HUTCH, "web1", "", ""},
	{"/hutch/hutch-test-a_b.c", 1, SAMPLER_RUNTIME_HUTCH, "hutch-test-a_b.c", "", ""},
	/* Not containers: parents, conmon, short or non-hex ids, systemd units, the root. */
	{"/", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/docker", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/hutch", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/hutch/web1/sub", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/docker/0123456789ab", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/docker/" ID1 "X", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 0,
	 SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/machine.slice/libpod-conmon-" ID2 ".scope", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/system.slice/docker.service", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/system.slice/docker-" ID1 ".slice", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/kubepods/burstable/pod" UID, 0, SAMPLER_RUNTIME_CGROUP, "", UID, ""},
	{"/kubepods/pod" UID, 0, SAMPLER_RUNTIME_CGROUP, "", UID, ""},
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", 0,
	 SAMPLER_RUNTIME_CGROUP, "", UID, ""},
	{"/system.slice/crio-" ID1 ".scope", 1, SAMPLER_RUNTIME_CONTAINERD, ID1, "", "crio"},
	{"/kubepods.slice/kubepods-burstable.slice", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/kubepods/burstable/podZZZ/" ID3, 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/user.slice/user-1000.slice/session-3.scope", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"/hutch-test-bench-1/x", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
	{"", 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
};

static void test_parse_paths(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct path_case *c = &cases[i];
		struct discovery_id id;
		memset(&id, 0x55, sizeof(id));
		int r = discovery_parse_path(c->path, &id);
		if (r != c->ret || id.runtime != c->rt)
			fail_msg("%s: got %d/%s, want %d/%s", c->path, r,
				 sampler_runtime_name(id.runtime), c->ret,
				 sampler_runtime_name(c->rt));
		if (r == 1) {
			assert_string_equal(id.id, c->id);
			assert_string_equal(id.engine, c->engine);
		}
		if (r >= 0 && strcmp(id.pod_uid, c->pod) != 0)
			fail_msg("%s: pod uid %s, want %s", c->path, id.pod_uid, c->pod);
	}
	assert_int_equal(discovery_parse_path(NULL, NULL), -EINVAL);
}

static void test_runtime_names(void **state)
{
	assert_string_equal(sampler_runtime_name(SAMPLER_RUNTIME_CGROUP), "cgroup");
	assert_string_equal(sampler_runtime_name(SAMPLER_RUNTIME_DOCKER), "docker");
	assert_string_equal(sampler_runtime_name(SAMPLER_RUNTIME_KUBERNETES), "kubernetes");
}

static const struct discovery_roots roots = {
	.docker = FIX "/docker",
	.podman = FIX "/podman",
	.kube_containers = FIX "/kube-containers",
	.containerd = FIX "/containerd",
	.crio = FIX "/crio",
};

static void lookup(const char *path, int want_r, const char *want_name, const char *want_image)
{
	struct discovery_id id;
	assert_true(discovery_parse_path(path, &id) >= 0);
	char *name = NULL, *image = NULL;
	int r = discovery_lookup_names(&roots, &id, &name, &image);
	assert_int_equal(r, want_r);
	if (r == 0) {
		assert_string_equal(name, want_name);
		assert_string_equal(image, want_image);
	}
	free(name);
	free(image);
}

static void test_lookup_names(void **state)
{
	lookup("/docker/" ID1, 0, "web-hutch-test", "nginx:1.25");
	lookup("/system.slice/docker-" ID1 ".scope", 0, "web-hutch-test", "nginx:1.25");
	/* podman: the image's name from containers.json's metadata, not its id. */
	lookup("/machine.slice/libpod-" ID2 ".scope", 0, "db-hutch-test", "localhost/db:latest");
	lookup("/kubepods/burstable/pod" UID "/" ID3, 0,
	       "k8s_coredns_coredns-5d78c9869d-abcde_kube-system", "");
	/* Ids the runtime's state does not know, and runtimes without readable state. */
	lookup("/docker/" ID2, -ENOENT, NULL, NULL);
	lookup("/machine.slice/libpod-" ID1 ".scope", -ENOENT, NULL, NULL);
	lookup("/kubepods/pod" UID "/" ID2, -ENOENT, NULL, NULL);
	/* containerd's bundles: the CRI's annotations, nerdctl's name. */
	lookup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	       ".slice/cri-containerd-" ID4 ".scope",
	       0, "k8s_coredns_coredns-5d78c9869d-xyz12_kube-system",
	       "registry.k8s.io/coredns/coredns:v1.10.1");
	lookup("/default/" ID1, 0, "web-nerdctl", "");
	lookup("/system.slice/cri-containerd-" ID2 ".scope", -ENOENT, NULL, NULL);
	lookup("/user.slice", -ENOENT, NULL, NULL);
}

struct meta_case {
	const char *path;
	const char *name, *alias, *image, *container, *pod, *namespace;
	bool sandbox, shares_netns;
	const char *labels; /* "k=v;k=v", sorted */
};

static const struct meta_case metas[] = {
	/* containerd under the kubelet: cAdvisor's name is the id; the sandbox has no
	 * container name, its pod's names and the pause image; labels as the CRI sets them. */
	{"/kubepods/burstable/pod" UID "/" ID4, "k8s_coredns_coredns-5d78c9869d-xyz12_kube-system",
	 ID4, "registry.k8s.io/coredns/coredns:v1.10.1", "coredns", "coredns-5d78c9869d-xyz12",
	 "kube-system", false, true,
	 "io.cri-containerd.kind=container;io.kubernetes.container.name=coredns;"
	 "io.kubernetes.pod.name=coredns-5d78c9869d-xyz12;io.kubernetes.pod.namespace=kube-system;"
	 "io.kubernetes.pod.uid=" UID},
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	 ".slice/cri-containerd-" SB4 ".scope",
	 "k8s_POD_coredns-5d78c9869d-xyz12_kube-system", SB4, "registry.k8s.io/pause:3.9", "",
	 "coredns-5d78c9869d-xyz12", "kube-system", true, false,
	 "io.cri-containerd.kind=sandbox;io.kubernetes.pod.name=coredns-5d78c9869d-xyz12;"
	 "io.kubernetes.pod.namespace=kube-system;io.kubernetes.pod.uid=" UID},
	/* CRI-O: cAdvisor's name is CRI-O's; the sandbox's container label is POD. */
	{"/kubepods/besteffort/pod" PUID "/" CID, "k8s_app_web-7c9f8d_shop_" PUID "_0",
	 "k8s_app_web-7c9f8d_shop_" PUID "_0", "quay.io/example/app:2.1", "app", "web-7c9f8d",
	 "shop", false, true,
	 "io.kubernetes.container.name=app;io.kubernetes.pod.name=web-7c9f8d;"
	 "io.kubernetes.pod.namespace=shop;io.kubernetes.pod.uid=" PUID},
	{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" CSB
	 ".scope",
	 "k8s_POD_web-7c9f8d_shop_" PUID "_0", "k8s_POD_web-7c9f8d_shop_" PUID "_0",
	 "registry.k8s.io/pause:3.9", "POD", "web-7c9f8d", "shop", true, false,
	 "app=web;io.kubernetes.container.name=POD;io.kubernetes.pod.name=web-7c9f8d;"
	 "io.kubernetes.pod.namespace=shop;io.kubernetes.pod.uid=" PUID},
	/* docker: its labels; no kubernetes names outside a pod. */
	{"/docker/" ID1, "web-hutch-test", "web-hutch-test", "nginx:1.25", "", "", "", false, false,
	 "com.example.team=web;org.opencontainers.image.version=1.25"},
	/* podman: the image's name; nerdctl: cAdvisor names containerd's containers by id. */
	{"/machine.slice/libpod-" ID2 ".scope", "db-hutch-test", "db-hutch-test",
	 "localhost/db:latest", "", "", "", false, false, ""},
	{"/default/" ID1, "web-nerdctl", ID1, "", "", "", "", false, false, ""},
	/* Only the kubelet's log link: an app container. */
	{"/kubepods/pod" UID "/" ID3, "k8s_coredns_coredns-5d78c9869d-abcde_kube-system", ID3, "",
	 "coredns", "coredns-5d78c9869d-abcde", "kube-system", false, true, ""},
};

static void test_lookup_meta(void **state)
{
	for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		const struct meta_case *c = &metas[i];
		struct discovery_id id;
		assert_int_equal(discovery_parse_path(c->path, &id), 1);
		struct discovery_meta m;
		if (discovery_lookup(&roots, &id, &m) != 0)
			fail_msg("%s: not found", c->path);
		assert_string_equal(m.name, c->name);
		assert_string_equal(m.alias, c->alias);
		assert_string_equal(m.image, c->image);
		assert_string_equal(m.container, c->container);
		assert_string_equal(m.pod, c->pod);
		assert_string_equal(m.namespace, c->namespace);
		if (m.sandbox != c->sandbox || m.shares_netns != c->shares_netns)
			fail_msg("%s: sandbox %d shares %d", c->path, m.sandbox, m.shares_netns);
		char labels[1024] = "";
		for (size_t k = 0; k < m.n_labels; k++)
			snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels),
				 "%s%s=%s", k ? ";" : "", m.labels[k].key, m.labels[k].value);
		assert_string_equal(labels, c->labels);
		discovery_meta_free(&m);
		discovery_meta_free(&m); /* twice is harmless */
	}
	struct discovery_id id;
	struct discovery_meta m;
	assert_int_equal(discovery_parse_path("/kubepods/pod" UID "/" ID2, &id), 1);
	assert_int_equal(discovery_lookup(&roots, &id, &m), -ENOENT);
	assert_null(m.name);
	assert_int_equal(discovery_lookup(&roots, NULL, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_paths),
		cmocka_unit_test(test_runtime_names),
		cmocka_unit_test(test_lookup_names),
		cmocka_unit_test(test_lookup_meta),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
