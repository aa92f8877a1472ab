// SPDX-License-Identifier: MIT
/*
 * hutch run's security flags (--cap-add/--cap-drop/--privileged,
 * --security-opt, --ulimit), docker's JSON seccomp profiles and the
 * built-in profile's table: the pure parts, good and bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <string.h>
#include <sys/resource.h>

#include "hutch.h"
#include "run_opts_fixture.h"
#include "seccomp_profile.h"

static char **strv(const char *a, const char *b)
{
	char **v = NULL;
	if (a)
		assert_int_equal(strv_push(&v, a), 0);
	if (b)
		assert_int_equal(strv_push(&v, b), 0);
	return v;
}

static void test_caps_names(void **state)
{
	assert_int_equal(caps_from_name("CHOWN"), CAP_CHOWN);
	assert_int_equal(caps_from_name("cap_sys_admin"), CAP_SYS_ADMIN);
	assert_int_equal(caps_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
	assert_int_equal(caps_from_name("checkpoint_restore"), 40);
	assert_int_equal(caps_from_name("CAP_"), -EINVAL);
	assert_int_equal(caps_from_name("SYS_ADMINX"), -EINVAL);
	assert_int_equal(caps_from_name(""), -EINVAL);
	assert_string_equal(caps_name(CAP_MKNOD), "MKNOD");
	assert_null(caps_name(64));
	char buf[256];
	caps_format((1ULL << CAP_CHOWN) | (1ULL << CAP_KILL), buf, sizeof(buf));
	assert_string_equal(buf, "CAP_CHOWN,CAP_KILL");
	/* docker's 14 */
	int n = 0;
	for (int c = 0; c < 64; c++)
		n += (HUTCH_CAPS_DEFAULT >> c) & 1;
	assert_int_equal(n, 14);
	assert_false(HUTCH_CAPS_DEFAULT & (1ULL << CAP_SYS_ADMIN));
	assert_true(HUTCH_CAPS_DEFAULT & (1ULL << CAP_AUDIT_WRITE));
}

static void test_caps_compute(void **state)
{
	struct hutch_error err = {0};
	uint64_t m;
	assert_int_equal(caps_compute(NULL, NULL, &m, &err), 0);
	assert_int_equal(m, HUTCH_CAPS_DEFAULT);

	char **add = strv("SYS_ADMIN", NULL), **drop = strv("cap_chown", "MKNOD");
	assert_int_equal(caps_compute(add, drop, &m, &err), 0);
	assert_int_equal(m, (HUTCH_CAPS_DEFAULT | (1ULL << CAP_SYS_ADMIN)) &
				    ~((1ULL << CAP_CHOWN) | (1ULL << CAP_MKNOD)));
	strv_free(add);
	strv_free(drop);

	/* ALL dropped: only what is added */
	drop = strv("ALL", NULL);
	add = strv("NET_BIND_SERVICE", NULL);
	assert_int_equal(caps_compute(add, drop, &m, &err), 0);
	assert_int_equal(m, 1ULL << CAP_NET_BIND_SERVICE);
	assert_int_equal(caps_compute(NULL, drop, &m, &err), 0);
	assert_int_equal(m, 0);
	strv_free(add);
	strv_free(drop);

	/* ALL added: all but the dropped */
	add = strv("all", NULL);
	drop = strv("SYS_MODULE", NULL);
	assert_int_equal(caps_compute(add, drop, &m, &err), 0);
	assert_int_equal(m, CAPS_ALL & ~(1ULL << CAP_SYS_MODULE));
	strv_free(add);
	strv_free(drop);

	/* an add wins over a drop of the same (docker) */
	add = strv("KILL", NULL);
	drop = strv("KILL", NULL);
	assert_int_equal(caps_compute(add, drop, &m, &err), 0);
	assert_true(m & (1ULL << CAP_KILL));
	strv_free(add);
	strv_free(drop);

	add = strv("NET_ADMIN", "FLY");
	assert_int_equal(caps_compute(add, NULL, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--cap-add 'FLY'"));
	strv_free(add);
}

static void test_ulimit_parse(void **state)
{
	struct hutch_error err = {0};
	struct hutch_ulimit u;
	assert_int_equal(rlimit_parse("nofile=1024:2048", &u, &err), 0);
	assert_string_equal(u.name, "nofile");
	assert_int_equal(u.soft, 1024);
	assert_int_equal(u.hard, 2048);
	assert_int_equal(rlimit_parse("nproc=100", &u, &err), 0);
	assert_int_equal(u.soft, 100);
	assert_int_equal(u.hard, 100);
	assert_int_equal(rlimit_parse("core=-1", &u, &err), 0);
	assert_true(u.soft == HUTCH_RLIM_INF && u.hard == HUTCH_RLIM_INF);
	assert_int_equal(rlimit_parse("core=0:-1", &u, &err), 0);
	assert_true(u.soft == 0 && u.hard == HUTCH_RLIM_INF);
	assert_int_equal(rlimit_resource("stack"), RLIMIT_STACK);

	static const char *const bad[] = {"nofile",	 "nofile=",	 "nofile=a",
					  "nofile=10:5", "nofile=-2",	 "files=10",
					  "=10",	 "nofile=1:2:3", "nofile=10:-5",
					  "nofile=1e3",	 "nofile=0x10",	 "NOFILE=10"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(rlimit_parse(bad[i], &u, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "--ulimit"));
	}
	memset(&err, 0, sizeof(err));
	rlimit_parse("nofile=10:5", &u, &err);
	assert_non_null(strstr(err.msg, "soft limit is above the hard"));
}

static void test_run_security_flags(void **state)
{
	struct run_opts o;
	struct hutch_error err;
	assert_int_equal(run_parse(&o, &err, "img", NULL), 0);
	assert_int_equal(o.st.cap_mask, HUTCH_CAPS_DEFAULT);
	assert_true(o.st.no_new_privs); /* runc spec's default, stricter than docker's */
	assert_false(o.st.privileged);
	assert_false(o.st.seccomp_unconfined);
	assert_string_equal(o.st.seccomp_profile, "");
	run_opts_free(&o);

	assert_int_equal(run_parse(&o, &err, "--cap-drop", "ALL", "--cap-add", "chown", "--ulimit",
				   "nofile=10:20", "--ulimit", "nofile=30", "--ulimit", "core=0",
				   "--security-opt", "no-new-privileges=false", "--security-opt",
				   "seccomp=/p.json", "img", NULL),
			 0);
	assert_int_equal(o.st.cap_mask, 1ULL << CAP_CHOWN);
	assert_int_equal(o.st.n_ulimits, 2);
	assert_int_equal(o.st.ulimits[0].soft, 30); /* the last one given wins */
	assert_false(o.st.no_new_privs);
	assert_string_equal(o.st.seccomp_profile, "/p.json");
	run_opts_free(&o);

	assert_int_equal(run_parse(&o, &err, "--privileged", "--cap-drop", "ALL", "img", NULL), 0);
	assert_true(o.st.privileged);
	assert_int_equal(o.st.cap_mask, CAPS_ALL);
	run_opts_free(&o);

	assert_int_equal(run_parse(&o, &err, "--security-opt", "seccomp:unconfined",
				   "--security-opt", "no-new-privileges", "img", NULL),
			 0);
	assert_true(o.st.seccomp_unconfined && o.st.no_new_privs);
	run_opts_free(&o);

	static const char *const bad[][2] = {
		{"--security-opt", "seccomp"},
		{"--security-opt", "seccomp="},
		{"--security-opt", "apparmor=unconfined"},
		{"--security-opt", "no-new-privileges=maybe"},
		{"--security-opt", "label=disable"},
		{"--cap-add", "SYS_FLY"},
		{"--cap-drop", ""},
		{"--ulimit", "nofile=2:1"},
		{"--ulimit", "bogus=1"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_parse(&o, &err, bad[i][0], bad[i][1], "img", NULL), -EINVAL);
		assert_true(err.msg[0] != '\0');
		run_opts_free(&o);
	}
	assert_int_equal(run_parse(&o, &err, "--security-opt", "seccomp=unconfined",
				   "--security-opt", "seccomp=/x.json", "img", NULL),
			 0); /* the last one wins, as docker */
	assert_string_equal(o.st.seccomp_profile, "/x.json");
	assert_false(o.st.seccomp_unconfined);
	run_opts_free(&o);
}

/* The rules of a profile naming a system call, that apply with caps on amd64 / kernel 6.1. */
static const struct seccomp_rule *rule_for(const struct seccomp_profile *p, const char *name,
					   uint64_t caps)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		if (!seccomp_rule_applies(&p->rules[i], caps, SECCOMP_ARCH_AMD64, 6 << 16 | 1))
			continue;
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			if (strcmp(p->rules[i].names[k], name) == 0)
				return &p->rules[i];
	}
	return NULL;
}

static void test_default_profile(void **state)
{
	const struct seccomp_profile *p = seccomp_profile_default();
	assert_int_equal(p->default_action, SCMP_ACT_ERRNO(EPERM));
	/* Which syscalls have a rule with which capabilities, as docker's profile. */
	static const struct {
		const char *name;
		uint64_t caps;
		bool rule;
	} rules[] = {
		/* io_uring: no rule at all, whatever the capabilities */
		{"io_uring_setup", CAPS_ALL, false},
		{"io_uring_enter", CAPS_ALL, false},
		{"io_uring_register", CAPS_ALL, false},
		/* what needs SYS_ADMIN */
		{"mount", HUTCH_CAPS_DEFAULT, false},
		{"unshare", HUTCH_CAPS_DEFAULT, false},
		{"setns", HUTCH_CAPS_DEFAULT, false},
		{"mount", HUTCH_CAPS_DEFAULT | (1ULL << CAP_SYS_ADMIN), true},
		{"keyctl", CAPS_ALL, false},
		{"add_key", CAPS_ALL, false},
		{"kexec_load", CAPS_ALL, false},
		{"open_by_handle_at", CAPS_ALL, false},
		{"init_module", HUTCH_CAPS_DEFAULT, false},
		{"reboot", HUTCH_CAPS_DEFAULT, false},
		{"clock_settime", HUTCH_CAPS_DEFAULT, false},
		{"read", 0, true},
		{"chroot", HUTCH_CAPS_DEFAULT, true},
		{"chroot", 0, false},
		/* ptrace as docker: from 4.8; kcmp and pidfd_getfd only with SYS_PTRACE */
		{"kcmp", HUTCH_CAPS_DEFAULT, false},
		{"pidfd_getfd", HUTCH_CAPS_DEFAULT, false},
		{"kcmp", HUTCH_CAPS_DEFAULT | (1ULL << CAP_SYS_PTRACE), true},
		{"ptrace", HUTCH_CAPS_DEFAULT, true},
	};
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		if ((rule_for(p, rules[i].name, rules[i].caps) != NULL) != rules[i].rule)
			fail_msg("%s with caps %#llx: rule %s", rules[i].name,
				 (unsigned long long)rules[i].caps,
				 rules[i].rule ? "missing" : "present");
	}
	/* clone: only without namespace flags, unless SYS_ADMIN; clone3 ENOSYS */
	const struct seccomp_rule *c = rule_for(p, "clone", HUTCH_CAPS_DEFAULT);
	assert_non_null(c);
	assert_int_equal(c->n_args, 1);
	assert_int_equal(c->args[0].op, SCMP_CMP_MASKED_EQ);
	assert_true(c->args[0].value & 0x10000000); /* CLONE_NEWUSER */
	c = rule_for(p, "clone3", HUTCH_CAPS_DEFAULT);
	assert_non_null(c);
	assert_int_equal(c->action, SCMP_ACT_ERRNO(ENOSYS));
	/* ptrace from 4.8 only */
	assert_false(seccomp_rule_applies(rule_for(p, "ptrace", HUTCH_CAPS_DEFAULT), 0,
					  SECCOMP_ARCH_AMD64, 4 << 16 | 4));
	/* arch_prctl on x86 only */
	const struct seccomp_rule *ap = rule_for(p, "arch_prctl", 0);
	assert_non_null(ap);
	assert_false(seccomp_rule_applies(ap, 0, SECCOMP_ARCH_ARM64, 6 << 16));
}

static void test_profile_parse(void **state)
{
	const char *json =
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
		" \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
		"   \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
		"  {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": "
		"[\"SCMP_ARCH_ARM\"]}],"
		" \"syscalls\": ["
		"  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": "
		"\"x\"},"
		"  {\"name\": \"mkdir\", \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
		"  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
		"   \"args\": [{\"index\": 0, \"value\": 8, \"valueTwo\": 0, \"op\": "
		"\"SCMP_CMP_EQ\"}]},"
		"  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\","
		"   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"], \"arches\": [\"amd64\"], "
		"\"minKernel\": \"5.4\"},"
		"   \"excludes\": {\"caps\": [\"CAP_SYS_BOOT\"]}}]}";
	struct seccomp_profile p;
	struct hutch_error err = {0};
	assert_int_equal(seccomp_profile_parse(json, SCMP_ARCH_X86_64, &p, &err), 0);
	assert_int_equal(p.default_action, SCMP_ACT_ERRNO(38));
	assert_int_equal(p.n_arches, 2); /* only the native entry's */
	assert_int_equal(p.arches[0], SCMP_ARCH_X86);
	assert_int_equal(p.n_rules, 4);
	assert_int_equal(p.rules[0].n_names, 2);
	assert_string_equal(p.rules[0].names[1], "write");
	assert_int_equal(p.rules[1].action, SCMP_ACT_ERRNO(13));
	assert_string_equal(p.rules[1].names[0], "mkdir");
	assert_int_equal(p.rules[2].n_args, 1);
	assert_int_equal(p.rules[2].args[0].value, 8);
	assert_int_equal(p.rules[2].args[0].op, SCMP_CMP_EQ);
	const struct seccomp_rule *m = &p.rules[3];
	assert_int_equal(m->caps_all, 1ULL << CAP_SYS_ADMIN);
	assert_int_equal(m->caps_none, 1ULL << CAP_SYS_BOOT);
	assert_int_equal(m->min_kernel, 5 << 16 | 4);
	uint64_t admin = 1ULL << CAP_SYS_ADMIN;
	assert_true(seccomp_rule_applies(m, admin, SECCOMP_ARCH_AMD64, 6 << 16 | 1));
	assert_false(seccomp_rule_applies(m, 0, SECCOMP_ARCH_AMD64, 6 << 16 | 1));
	assert_false(seccomp_rule_applies(m, admin | (1ULL << CAP_SYS_BOOT), SECCOMP_ARCH_AMD64,
					  6 << 16 | 1));
	assert_false(seccomp_rule_applies(m, admin, SECCOMP_ARCH_ARM64, 6 << 16 | 1));
	assert_false(seccomp_rule_applies(m, admin, SECCOMP_ARCH_AMD64, 4 << 16 | 19));
	assert_false(seccomp_rule_applies(m, admin, SECCOMP_ARCH_AMD64, 0));
	seccomp_profile_free(&p);
	seccomp_profile_free(&p); /* twice is fine */

	/* the old flat list of architectures; an ERRNO without errnoRet is EPERM */
	assert_int_equal(seccomp_profile_parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
					       "\"architectures\":[\"SCMP_ARCH_X86\"],"
					       "\"syscalls\":[{\"names\":[\"chown\"],"
					       "\"action\":\"SCMP_ACT_ERRNO\"}]}",
					       SCMP_ARCH_X86_64, &p, &err),
			 0);
	assert_int_equal(p.n_arches, 1);
	assert_int_equal(p.rules[0].action, SCMP_ACT_ERRNO(EPERM));
	seccomp_profile_free(&p);
	assert_int_equal(seccomp_profile_parse("{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\"}",
					       SCMP_ARCH_X86_64, &p, &err),
			 0);
	assert_int_equal(p.n_rules, 0);
	seccomp_profile_free(&p);
	assert_int_equal(seccomp_kernel_version("6.1.0-18-amd64"), 6 << 16 | 1);
	assert_int_equal(seccomp_kernel_version("garbage"), 0);
}

static void test_profile_parse_bad(void **state)
{
	static const struct {
		const char *json, *says;
	} bad[] = {
		{"", "not a JSON object"},
		{"[1]", "not a JSON object"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\"", "not a JSON object"},
		{"{}", "defaultAction: an action"},
		{"{\"defaultAction\": 1}", "defaultAction: an action"},
		{"{\"defaultAction\": \"SCMP_ACT_MAYBE\"}", "unknown action 'SCMP_ACT_MAYBE'"},
		{"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "seccomp agent"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}", "errnoRet"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"x\"}", "errnoRet"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/s\"}",
		 "listenerPath"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_Z80\"]}",
		 "architectures[0]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"x\"}",
		 "architectures: a list"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": [{\"architecture\": 1}]}",
		 "archMap[0].architecture"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}", "syscalls: a list"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}", "syscalls[0]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": "
		 "\"SCMP_ACT_ERRNO\"}]}",
		 "syscalls[0]: names"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\"}]}",
		 "syscalls[0].names[0]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
		 "syscalls[0]: an action"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
		 "\"SCMP_CMP_EQ\"}]}]}",
		 "syscalls[0].args[0]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
		 "\"SCMP_CMP_ABOUT\"}]}]}",
		 "args[0].op: unknown 'SCMP_CMP_ABOUT'"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"caps\": [\"CAP_FLY\"]}}]}",
		 "syscalls[0].includes.caps[0]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"arches\": [\"vax\"]}}]}",
		 "includes.arches[0]"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"excludes\": {\"minKernel\": \"4.8\"}}]}",
		 "excludes.minKernel"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		 "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"minKernel\": \"new\"}}]}",
		 "includes.minKernel"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct seccomp_profile p = {0};
		struct hutch_error err = {0};
		int r = seccomp_profile_parse(bad[i].json, SCMP_ARCH_X86_64, &p, &err);
		if (r != -EINVAL || !strstr(err.msg, bad[i].says))
			fail_msg("case %zu: r=%d msg='%s' (wanted '%s')", i, r, err.msg,
				 bad[i].says);
		assert_null(p.owned); /* nothing kept on failure */
	}
	struct seccomp_profile p;
	struct hutch_error err = {0};
	assert_int_equal(seccomp_profile_parse(NULL, SCMP_ARCH_X86_64, &p, &err), -EINVAL);
}

static void test_state_security_json(void **state)
{
	struct hutch_state st, back;
	hutch_state_init(&st);
	strcpy(st.id, "abc");
	st.privileged = true;
	st.no_new_privs = false;
	st.cap_mask = 1ULL << CAP_KILL;
	strcpy(st.seccomp_profile, "/etc/p.json");
	st.ulimits[0] = (struct hutch_ulimit){"nofile", 10, HUTCH_RLIM_INF};
	st.n_ulimits = 1;
	strcpy(st.log_note, "no space");
	st.monitor_start_ticks = 42;
	char *json = NULL;
	assert_int_equal(hutch_state_to_json(&st, &json), 0);
	assert_int_equal(hutch_state_from_json(json, &back), 0);
	free(json);
	assert_true(back.privileged);
	assert_false(back.no_new_privs);
	assert_int_equal(back.cap_mask, 1ULL << CAP_KILL);
	assert_string_equal(back.seccomp_profile, "/etc/p.json");
	assert_int_equal(back.n_ulimits, 1);
	assert_string_equal(back.ulimits[0].name, "nofile");
	assert_int_equal(back.ulimits[0].soft, 10);
	assert_true(back.ulimits[0].hard == HUTCH_RLIM_INF);
	assert_string_equal(back.log_note, "no space");
	assert_int_equal(back.monitor_start_ticks, 42);
	hutch_state_free(&back);
	assert_true(hutch_state_from_json("{\"id\":\"a\",\"status\":\"running\",\"ulimits\":[{}]}",
					  &back) < 0);
	assert_true(hutch_state_from_json("{\"id\":\"a\",\"status\":\"running\",\"ulimits\":[{"
					  "\"name\":\"nofile\",\"soft\":-2}]}",
					  &back) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_names),
		cmocka_unit_test(test_caps_compute),
		cmocka_unit_test(test_ulimit_parse),
		cmocka_unit_test(test_run_security_flags),
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_profile_parse),
		cmocka_unit_test(test_profile_parse_bad),
		cmocka_unit_test(test_state_security_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
