// SPDX-License-Identifier: MIT
/* config.json (OCI runtime spec) into struct oci_config, over fixture bundles' configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include "hutch.h"
#include "oci_config.h"

#define FIX HUTCH_FIXTURES "/oci/"

static int parse_file(const char *name, struct oci_config *c, struct hutch_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	char path[512];
	snprintf(path, sizeof(path), FIX "%s", name);
	assert_int_equal(hutch_read_file(path, 0, &text, &len), 0);
	memset(err, 0, sizeof(*err));
	return oci_config_parse(text, len, c, err);
}

static bool has_warning(const struct oci_config *c, const char *part)
{
	for (size_t i = 0; c->warnings && c->warnings[i]; i++)
		if (strstr(c->warnings[i], part))
			return true;
	return false;
}

static const struct oci_mount *find_mount(const struct oci_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, dest) == 0)
			return &c->mounts[i];
	return NULL;
}

/* What `runc spec` writes. */
static void test_runc_spec(void **state)
{
	struct oci_config c;
	struct hutch_error err;
	assert_int_equal(parse_file("runc-spec.json", &c, &err), 0);
	assert_string_equal(c.oci_version, "1.0.2-dev");
	assert_true(c.has_process);
	assert_true(c.process.terminal);
	assert_int_equal(c.process.uid, 0);
	assert_string_equal(c.process.args[0], "sh");
	assert_null(c.process.args[1]);
	assert_string_equal(c.process.env[1], "TERM=xterm");
	assert_string_equal(c.process.cwd, "/");
	assert_true(c.process.caps_given);
	uint64_t three =
		(1ull << CAP_AUDIT_WRITE) | (1ull << CAP_KILL) | (1ull << CAP_NET_BIND_SERVICE);
	assert_int_equal(c.process.caps[OCI_CAP_BOUNDING], three);
	assert_int_equal(c.process.caps[OCI_CAP_AMBIENT], three);
	assert_int_equal(c.process.caps[OCI_CAP_INHERITABLE], 0);
	assert_int_equal(c.process.n_rlimits, 1);
	assert_int_equal(c.process.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(c.process.rlimits[0].soft, 1024);
	assert_true(c.process.no_new_privileges);
	assert_true(c.process.oom_score_adj == OCI_UNSET);
	assert_string_equal(c.root_path, "rootfs");
	assert_true(c.root_readonly);
	assert_string_equal(c.hostname, "runc");
	assert_int_equal(c.n_mounts, 7);
	const struct oci_mount *m = find_mount(&c, "/dev");
	assert_non_null(m);
	assert_string_equal(m->type, "tmpfs");
	assert_int_equal(m->flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(m->data, "mode=755,size=65536k");
	assert_false(m->bind);
	m = find_mount(&c, "/sys/fs/cgroup");
	assert_int_equal(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
	assert_null(m->data);
	m = find_mount(&c, "/dev/pts");
	assert_string_equal(m->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_int_equal(c.resources.n_devices, 1);
	assert_false(c.resources.devices[0].allow);
	assert_int_equal(c.resources.devices[0].type, 'a');
	assert_int_equal(c.resources.devices[0].major, -1);
	assert_string_equal(c.resources.devices[0].access, "rwm");
	assert_true(c.resources.memory_limit == OCI_UNSET);
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		bool want = t == OCI_NS_PID || t == OCI_NS_NETWORK || t == OCI_NS_IPC ||
			    t == OCI_NS_UTS || t == OCI_NS_MOUNT;
		assert_int_equal(c.ns[t].present, want);
		assert_null(c.ns[t].path);
	}
	assert_int_equal(strv_len(c.masked_paths), 10);
	assert_string_equal(c.readonly_paths[4], "/proc/sysrq-trigger");
	assert_null(c.seccomp);
	assert_null(c.cgroups_path);
	assert_int_equal(c.rootfs_propagation, 0);
	assert_null(c.warnings);
	oci_config_free(&c);
}

static void test_runc_spec_rootless(void **state)
{
	struct oci_config c;
	struct hutch_error err;
	assert_int_equal(parse_file("runc-spec-rootless.json", &c, &err), 0);
	assert_true(c.ns[OCI_NS_USER].present);
	assert_false(c.ns[OCI_NS_NETWORK].present);
	assert_int_equal(c.n_uid_mappings, 1);
	assert_int_equal(c.uid_mappings[0].size, 1);
	const struct oci_mount *m = find_mount(&c, "/sys");
	assert_true(m->bind);
	assert_true(m->recursive);
	assert_string_equal(m->source, "/sys");
	oci_config_free(&c);
}

/* Every field hutch-runc reads, with the values a test can tell apart. */
static void test_full(void **state)
{
	struct oci_config c;
	struct hutch_error err;
	int r = parse_file("full.json", &c, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	const struct oci_process *p = &c.process;
	assert_int_equal(p->console_height, 25);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 100);
	assert_int_equal(p->umask, 18);
	assert_int_equal(p->n_additional_gids, 3);
	assert_int_equal(p->additional_gids[2], 4294967294u);
	assert_string_equal(p->args[2], "echo hi");
	assert_string_equal(p->env[2], "EMPTY=");
	assert_string_equal(p->cwd, "/home/u");
	assert_int_equal(p->caps[OCI_CAP_BOUNDING], (1ull << CAP_KILL) | (1ull << CAP_SYS_ADMIN));
	assert_int_equal(p->caps[OCI_CAP_PERMITTED], (1ull << CAP_KILL) | (1ull << 40));
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
	assert_true(p->rlimits[1].hard == UINT64_MAX);
	assert_int_equal(p->oom_score_adj, -500);
	assert_string_equal(c.domainname, "example.org");

	const struct oci_mount *m = find_mount(&c, "/data");
	assert_true(m->bind && m->recursive);
	assert_int_equal(m->flags, MS_RDONLY | MS_NOSUID);
	assert_int_equal(m->propagation, MS_SLAVE | MS_REC);
	m = find_mount(&c, "/cfg");
	assert_true(m->bind);
	assert_false(m->recursive);
	assert_null(m->type);
	assert_int_equal(m->clear_flags, MS_RDONLY);
	assert_int_equal(m->propagation, MS_PRIVATE);
	m = find_mount(&c, "/tmp");
	assert_int_equal(m->flags, MS_NOSUID | MS_NODEV | MS_NOATIME);
	assert_string_equal(m->data, "mode=1777,size=65536k");

	for (int k = 0; k < OCI_HOOK_KINDS; k++)
		assert_true(c.n_hooks[k] >= 1);
	assert_int_equal(c.n_hooks[OCI_HOOK_CREATE_RUNTIME], 2);
	assert_int_equal(c.hooks[OCI_HOOK_PRESTART][0].timeout_s, 5);
	assert_string_equal(c.hooks[OCI_HOOK_PRESTART][0].args[1], "a");
	assert_string_equal(c.hooks[OCI_HOOK_PRESTART][0].env[0], "K=V");
	assert_int_equal(c.hooks[OCI_HOOK_CREATE_RUNTIME][0].timeout_s, 0);
	assert_string_equal(c.hooks[OCI_HOOK_POSTSTOP][0].path, "/usr/bin/pst");
	assert_int_equal(c.n_annotations, 2);
	assert_string_equal(c.annotations[0].key, "org.example.key");

	for (int t = 0; t < OCI_NS_COUNT; t++)
		assert_true(c.ns[t].present);
	assert_string_equal(c.ns[OCI_NS_NETWORK].path, "/var/run/netns/x");
	assert_null(c.ns[OCI_NS_PID].path);
	assert_int_equal(c.n_gid_mappings, 2);
	assert_int_equal(c.gid_mappings[1].host_id, 5);
	assert_int_equal(c.n_devices, 1);
	assert_int_equal(c.devices[0].type, 'c');
	assert_int_equal(c.devices[0].minor, 229);
	assert_int_equal(c.devices[0].file_mode, 0666);

	const struct oci_resources *rs = &c.resources;
	assert_int_equal(rs->n_devices, 2);
	assert_true(rs->devices[1].allow);
	assert_string_equal(rs->devices[1].access, "rw");
	assert_int_equal(rs->memory_limit, 536870912);
	assert_int_equal(rs->memory_swap, 1073741824);
	assert_int_equal(rs->memory_kernel, -1);
	assert_int_equal(rs->memory_swappiness, 0);
	assert_int_equal(rs->cpu_shares, 512);
	assert_int_equal(rs->cpu_quota, 50000);
	assert_int_equal(rs->cpu_burst, 10000);
	assert_string_equal(rs->cpus, "0-1");
	assert_int_equal(rs->pids_limit, 64);
	assert_int_equal(rs->blkio_weight, 500);
	assert_int_equal(rs->weight_devices[0].weight, 600);
	assert_true(rs->weight_devices[0].leaf_weight == OCI_UNSET);
	assert_int_equal(rs->n_throttle[OCI_THROTTLE_READ_BPS], 1);
	assert_int_equal(rs->throttle[OCI_THROTTLE_READ_BPS][0].rate, 1048576);
	assert_int_equal(rs->n_throttle[OCI_THROTTLE_WRITE_BPS], 0);
	assert_int_equal(rs->throttle[OCI_THROTTLE_WRITE_IOPS][0].minor, 16);
	assert_string_equal(rs->hugepages[0].key, "2MB");
	assert_string_equal(rs->hugepages[0].value, "209715200");
	assert_int_equal(rs->n_unified, 2);
	assert_string_equal(rs->unified[1].value, "default 50");

	assert_string_equal(c.cgroups_path, "/machine/box");
	assert_int_equal(c.n_sysctl, 2);
	assert_string_equal(c.sysctl[1].key, "kernel.msgmax");
	const struct oci_seccomp *s = c.seccomp;
	assert_non_null(s);
	assert_int_equal(s->default_action, OCI_SCMP_ERRNO);
	assert_int_equal(s->default_errno_ret, 1);
	assert_string_equal(s->architectures[1], "SCMP_ARCH_X86");
	assert_string_equal(s->listener_path, "/run/agent.sock");
	assert_string_equal(s->listener_metadata, "meta");
	assert_int_equal(s->n_rules, 4);
	assert_int_equal(s->rules[1].action, OCI_SCMP_NOTIFY);
	assert_int_equal(s->rules[2].n_args, 2);
	assert_int_equal(s->rules[2].args[1].op, OCI_SCMP_MASKED_EQ);
	assert_int_equal(s->rules[2].args[1].value_two, 3);
	assert_int_equal(s->rules[3].errno_ret, 13);
	assert_true(s->rules[0].errno_ret == OCI_SCMP_KILL || s->rules[0].errno_ret == OCI_UNSET);
	assert_int_equal(c.rootfs_propagation, MS_SLAVE | MS_REC);
	assert_true(c.has_personality);
	assert_int_equal(c.personality, PER_LINUX32);

	/* Given, not applied: said so, once each. */
	assert_true(has_warning(&c, "linux.intelRdt"));
	assert_true(has_warning(&c, "process.apparmorProfile"));
	assert_false(has_warning(&c, "selinuxLabel")); /* empty: nothing asked */
	assert_false(has_warning(&c, "mountLabel"));
	assert_true(has_warning(&c, "linux.resources.network"));
	assert_true(has_warning(&c, "CAP_NOT_A_CAP"));
	assert_int_equal(strv_len(c.warnings), 4);
	oci_config_free(&c);
}

static void test_fixture_errors(void **state)
{
	struct oci_config c;
	struct hutch_error err;
	assert_int_equal(parse_file("unknown-version.json", &c, &err), -EPROTONOSUPPORT);
	assert_non_null(strstr(err.msg, "ociVersion: 2.0.0 is not supported"));
	assert_int_equal(parse_file("truncated.json", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "config.json: not valid JSON"));
}

/* A minimal valid config with "%s" where a test puts its fragment. */
#define BASE_PROCESS "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"}"
#define V	     "{\"ociVersion\":\"1.0.2\","

static void test_bad_input(void **state)
{
	static const struct {
		const char *json;
		int err;
		const char *msg;
	} cases[] = {
		{"", EINVAL, "config.json: not valid JSON"},
		{"[]", EINVAL, "not a JSON object"},
		{"{} x", EINVAL, "text after the document"},
		{"{}", EINVAL, "ociVersion: required"},
		{"{\"ociVersion\":1}", EINVAL, "ociVersion: not a string"},
		{"{\"ociVersion\":\"abc\"}", EINVAL, "ociVersion: 'abc' is not a version"},
		{"{\"ociVersion\":\"1.3.0\"}", EPROTONOSUPPORT, "1.3.0 is not supported"},
		{"{\"ociVersion\":\"0.9.0\"}", EPROTONOSUPPORT, "0.9.0 is not supported"},
		{"{\"ociVersion\":\"1.0\"}", EINVAL, "not a version"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"cwd\":\"/\"}}", EINVAL,
		 "process.args: required"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[],\"cwd\":\"/\"}}",
		 EINVAL, "process.args: required"},
		{V "\"process\":{\"user\":{\"uid\":\"x\",\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/"
		   "\"}}",
		 EINVAL, "process.user.uid: not an integer"},
		{V "\"process\":{\"user\":{\"uid\":-1,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"}}",
		 EINVAL, "process.user.uid: -1 is out of range"},
		{V "\"process\":{\"user\":{\"uid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"}}", EINVAL,
		 "process.user.gid: required"},
		{V "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}", EINVAL,
		 "process.user: required"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[\"a\"]},"
		   "\"args\":[\"sh\"],\"cwd\":\"/\"}}",
		 EINVAL, "process.user.additionalGids[0]"},
		{V
		 "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\",1],\"cwd\":\"/\"}}",
		 EINVAL, "process.args[1]: not a string"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"x\"}}",
		 EINVAL, "process.cwd: 'x' is not an absolute path"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\","
		   "\"env\":[\"NOEQUALS\"]}}",
		 EINVAL, "process.env[0]: 'NOEQUALS' is not KEY=VALUE"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\","
		   "\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]}}",
		 EINVAL, "process.rlimits[0].type: unknown rlimit RLIMIT_BOGUS"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\","
		   "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":1}]}}",
		 EINVAL, "process.rlimits[0]: soft 2 is above hard 1"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\","
		   "\"oomScoreAdj\":1001}}",
		 EINVAL, "process.oomScoreAdj: 1001 is out of range"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\","
		   "\"consoleSize\":{\"height\":1}}}",
		 EINVAL, "process.consoleSize.width: required"},
		{V "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\","
		   "\"capabilities\":{\"bounding\":\"CAP_KILL\"}}}",
		 EINVAL, "process.capabilities.bounding: not an array"},
		{V "\"root\":{}}", EINVAL, "root.path: required"},
		{V "\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}", EINVAL,
		 "root.readonly: not true or false"},
		{V "\"mounts\":[{\"destination\":\"dev\",\"type\":\"tmpfs\"}]}", EINVAL,
		 "mounts[0].destination: 'dev' is not an absolute path"},
		{V "\"mounts\":[{\"destination\":\"/a/../../etc\",\"type\":\"tmpfs\"}]}", EINVAL,
		 "mounts[0].destination: '/a/../../etc' has '..'"},
		{V "\"mounts\":[{\"type\":\"tmpfs\"}]}", EINVAL, "mounts[0].destination: required"},
		{V
		 "\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\"},{\"destination\":\"/b\","
		 "\"options\":[\"rbind\"]}]}",
		 EINVAL, "mounts[1].source: required for a bind mount"},
		{V "\"mounts\":[{\"destination\":\"/a\"}]}", EINVAL, "mounts[0].type: required"},
		{V "\"hooks\":{\"prestart\":[{\"path\":\"hook\"}]}}", EINVAL,
		 "hooks.prestart[0].path: 'hook' is not an absolute path"},
		{V "\"hooks\":{\"poststop\":[{\"path\":\"/h\",\"timeout\":0}]}}", EINVAL,
		 "hooks.poststop[0].timeout: 0 is out of range"},
		{V "\"hooks\":{\"createRuntime\":{}}}", EINVAL,
		 "hooks.createRuntime: not an array"},
		{V "\"annotations\":{\"a\":1}}", EINVAL, "annotations.a: not a string"},
		{V "\"hostname\":\"h\"}", EINVAL, "hostname: set without a new uts namespace"},
		{V "\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}", EINVAL,
		 "linux.namespaces[0].type: unknown namespace type 'bogus'"},
		{V "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}", EINVAL,
		 "linux.namespaces[1]: namespace pid listed twice"},
		{V "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"netns\"}]}}",
		 EINVAL, "linux.namespaces[0].path: 'netns' is not an absolute path"},
		{V "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}}",
		 EINVAL, "without a user namespace"},
		{V "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{"
		   "\"containerID\":0,\"hostID\":1,\"size\":0}]}}",
		 EINVAL, "linux.uidMappings[0].size: 0 is out of range"},
		{V "\"linux\":{\"resources\":{\"memory\":{\"limit\":1.5}}}}", EINVAL,
		 "linux.resources.memory.limit: not an integer"},
		{V "\"linux\":{\"resources\":{\"memory\":{\"limit\":-2}}}}", EINVAL,
		 "linux.resources.memory.limit: -2 is out of range"},
		{V "\"linux\":{\"resources\":{\"memory\":{\"limit\":100,\"swap\":50}}}}", EINVAL,
		 "linux.resources.memory.swap: 50 is below limit 100"},
		{V "\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"a-b\"}}}}", EINVAL,
		 "linux.resources.cpu.cpus: 'a-b' is not a CPU list"},
		{V "\"linux\":{\"resources\":{\"pids\":{}}}}", EINVAL,
		 "linux.resources.pids.limit: required"},
		{V "\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}}}",
		 EINVAL, "linux.resources.devices[0].access: 'rx'"},
		{V "\"linux\":{\"resources\":{\"devices\":[{\"access\":\"r\"}]}}}", EINVAL,
		 "linux.resources.devices[0].allow: required"},
		{V "\"linux\":{\"resources\":{\"blockIO\":{\"weight\":2000}}}}", EINVAL,
		 "linux.resources.blockIO.weight: 2000 is out of range"},
		{V "\"linux\":{\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,"
		   "\"minor\":0}]}}}}",
		 EINVAL, "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required"},
		{V "\"linux\":{\"resources\":{\"hugepageLimits\":[{\"limit\":1}]}}}", EINVAL,
		 "linux.resources.hugepageLimits[0].pageSize: required"},
		{V "\"linux\":{\"resources\":{\"unified\":{\"../x\":\"1\"}}}}", EINVAL,
		 "linux.resources.unified: '../x' is not a cgroup file name"},
		{V "\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\"}]}}", EINVAL,
		 "linux.devices[0].type: 'z'"},
		{V "\"linux\":{\"rootfsPropagation\":\"sideways\"}}", EINVAL,
		 "linux.rootfsPropagation: unknown propagation 'sideways'"},
		{V "\"linux\":{\"seccomp\":{}}}", EINVAL, "linux.seccomp.defaultAction: required"},
		{V "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}}", EINVAL,
		 "linux.seccomp.defaultAction: unknown action SCMP_ACT_NOPE"},
		{V "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		   "\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}}",
		 EINVAL, "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY"},
		{V "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		   "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,"
		   "\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
		 EINVAL, "linux.seccomp.syscalls[0].args[0].index: 6 is out of range"},
		{V "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		   "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
		   "\"value\":0,\"op\":\"SCMP_CMP_ABOUT\"}]}]}}}",
		 EINVAL, "linux.seccomp.syscalls[0].args[0].op: unknown operator SCMP_CMP_ABOUT"},
		{V "\"linux\":{\"personality\":{\"domain\":\"BSD\"}}}", EINVAL,
		 "linux.personality.domain: 'BSD' is not LINUX or LINUX32"},
		{V "\"linux\":{\"sysctl\":{\"a\":1}}}", EINVAL, "linux.sysctl.a: not a string"},
		{V "\"linux\":{\"maskedPaths\":\"/proc/kcore\"}}", EINVAL,
		 "linux.maskedPaths: not an array"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct oci_config c;
		struct hutch_error err = {0};
		int r = oci_config_parse(cases[i].json, strlen(cases[i].json), &c, &err);
		if (r != -cases[i].err || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu (%s): got %d '%s', want %d '%s'", i, cases[i].json, r,
				 err.msg, -cases[i].err, cases[i].msg);
		/* Nothing is left to free after a failure; a second free is harmless. */
		oci_config_free(&c);
	}
}

/* Properties the spec does not know are ignored, as it asks of runtimes. */
static void test_unknown_properties(void **state)
{
	const char *json =
		V BASE_PROCESS ",\"x-vendor\":[1,2],\"linux\":{\"future\":{\"a\":1},\"resources\":"
			       "{\"memory\":{\"limit\":-1,\"future\":true}}}}";
	struct oci_config c;
	struct hutch_error err = {0};
	assert_int_equal(oci_config_parse(json, strlen(json), &c, &err), 0);
	assert_int_equal(c.resources.memory_limit, -1);
	assert_false(c.has_process && c.process.terminal);
	assert_null(c.warnings);
	oci_config_free(&c);
}

static void test_cgroups_path(void **state)
{
	char buf[512];
	struct hutch_error err = {0};
	static const struct {
		const char *in;
		bool systemd;
		const char *out; /* NULL: refused */
	} cases[] = {
		{"/machine/box", false, "/machine/box"},
		{"machine//box/", false, "/machine/box"},
		{"./a/./b", false, "/a/b"},
		{"", false, "/hutch-runc/ID"},
		{NULL, false, "/hutch-runc/ID"},
		{"/a/../b", false, NULL},
		{"..", false, NULL},
		{"/", false, NULL},
		{"system.slice:docker:abc", true, "/system.slice/docker-abc.scope"},
		{"kubepods-besteffort-pod1.slice:cri-containerd:abc", true,
		 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
		 "cri-containerd-abc.scope"},
		{":hutch:x", true, "/system.slice/hutch-x.scope"},
		{"user.slice::x", true, "/user.slice/x.scope"},
		{"machine.slice:p:sub.slice", true, "/machine.slice/sub.slice"},
		{"", true, "/system.slice/hutch-ID.scope"},
		{"/machine/box", true, NULL},
		{"a:b", true, NULL},
		{"a:b:c:d", true, NULL},
		{"system:docker:abc", true, NULL},
		{"a--b.slice:p:n", true, NULL},
		{"-a.slice:p:n", true, NULL},
		{"system.slice:p:", true, NULL},
		{"system.slice:p:a/b", true, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = oci_cgroups_path(cases[i].in, cases[i].systemd, "ID", "hutch-runc", buf,
					 sizeof(buf), &err);
		if (cases[i].out && (r != 0 || strcmp(buf, cases[i].out) != 0))
			fail_msg("case %zu '%s': got %d '%s' (%s), want '%s'", i, cases[i].in, r,
				 buf, err.msg, cases[i].out);
		if (!cases[i].out && r != -EINVAL)
			fail_msg("case %zu '%s': accepted as '%s'", i, cases[i].in, buf);
		if (!cases[i].out)
			assert_non_null(strstr(err.msg, "cgroupsPath"));
	}
}

static void test_process_json(void **state)
{
	const char *json = "{\"terminal\":false,\"user\":{\"uid\":5,\"gid\":6},\"args\":[\"ls\","
			   "\"-l\"],\"env\":[\"A=1\"],\"cwd\":\"/tmp\",\"capabilities\":{"
			   "\"bounding\":[\"CAP_CHOWN\"]}}";
	struct oci_process p;
	struct hutch_error err = {0};
	assert_int_equal(oci_process_parse(json, strlen(json), &p, &err), 0);
	assert_int_equal(p.uid, 5);
	assert_string_equal(p.args[1], "-l");
	assert_int_equal(p.caps[OCI_CAP_BOUNDING], 1ull << CAP_CHOWN);
	oci_process_free(&p);
	const char *bad = "{\"user\":{\"uid\":5,\"gid\":6},\"cwd\":\"/\"}";
	assert_int_equal(oci_process_parse(bad, strlen(bad), &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "args: required"));
}

static void test_resources_json(void **state)
{
	const char *json = "{\"memory\":{\"limit\":1048576},\"cpu\":{\"quota\":-1,\"period\":"
			   "100000},\"pids\":{\"limit\":0}}";
	struct oci_resources r;
	struct hutch_error err = {0};
	assert_int_equal(oci_resources_parse(json, strlen(json), &r, &err), 0);
	assert_int_equal(r.memory_limit, 1048576);
	assert_int_equal(r.cpu_quota, -1);
	assert_int_equal(r.pids_limit, 0);
	assert_true(r.cpu_shares == OCI_UNSET);
	oci_resources_free(&r);
	const char *bad = "{\"memory\":{\"limit\":\"1g\"}}";
	assert_int_equal(oci_resources_parse(bad, strlen(bad), &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "memory.limit: not an integer"));
}

static void test_names(void **state)
{
	assert_int_equal(oci_cap_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
	assert_int_equal(oci_cap_from_name("CAP_BPF"), 39);
	assert_int_equal(oci_cap_from_name("SYS_ADMIN"), -1);
	assert_string_equal(oci_cap_name(CAP_NET_RAW), "CAP_NET_RAW");
	assert_null(oci_cap_name(200));
	assert_int_equal(oci_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
	assert_int_equal(oci_rlimit_from_name("nofile"), -1);
	assert_string_equal(oci_ns_type_name(OCI_NS_NETWORK), "network");
	assert_int_equal(oci_ns_clone_flag(OCI_NS_CGROUP), CLONE_NEWCGROUP);
	assert_string_equal(oci_hook_kind_name(OCI_HOOK_CREATE_CONTAINER), "createContainer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_spec),      cmocka_unit_test(test_runc_spec_rootless),
		cmocka_unit_test(test_full),	       cmocka_unit_test(test_fixture_errors),
		cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_unknown_properties),
		cmocka_unit_test(test_cgroups_path),   cmocka_unit_test(test_process_json),
		cmocka_unit_test(test_resources_json), cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
