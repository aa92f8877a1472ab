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
	{"/kubepods/burstable/pod" UID, 0, SAMPLER_RUNTIME_CGROUP, "", "", ""},
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
			assert_string_equal(id.pod_uid, c->pod);
			assert_string_equal(id.engine, c->engine);
		}
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
	lookup("/machine.slice/libpod-" ID2 ".scope", 0, "db-hutch-test", "5a3b7c0d");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_paths),
		cmocka_unit_test(test_runtime_names),
		cmocka_unit_test(test_lookup_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
