// SPDX-License-Identifier: MIT
/* hutch run's flag parsing and the container state's JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>

#include "hutch.h"
#include "run_opts_fixture.h"

static void test_cpus(void **state)
{
	uint64_t q, p;
	assert_int_equal(spec_parse_cpus("0.25", &q, &p), 0);
	assert_int_equal(q, 25000);
	assert_int_equal(p, 100000);
	assert_int_equal(spec_parse_cpus("1.5", &q, &p), 0);
	assert_int_equal(q, 150000);
	assert_int_equal(spec_parse_cpus("2", &q, &p), 0);
	assert_int_equal(q, 200000);
	assert_true(spec_parse_cpus("0", &q, &p) < 0);
	assert_true(spec_parse_cpus("-1", &q, &p) < 0);
	assert_true(spec_parse_cpus("abc", &q, &p) < 0);
	assert_true(spec_parse_cpus("1x", &q, &p) < 0);
	assert_true(spec_parse_cpus("", &q, &p) < 0);
	assert_true(spec_parse_cpus("nan", &q, &p) < 0);
	assert_true(spec_parse_cpus("0.001", &q, &p) < 0); /* under the kernel's 1 ms */
}

static void test_hostname(void **state)
{
	static const char *const ok[] = {"box", "a", "web-1", "a.b.c", "A1.example.com", "9x"};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		assert_true(spec_hostname_valid(ok[i]));
	static const char *const bad[] = {
		"",
		"-a",
		"a-",
		"a..b",
		".a",
		"a.",
		"a_b",
		"a b",
		"x\n6.6.6.6 evil",
		"a/b",
		"a.-b",
		"a-.b",
		"0123456789012345678901234567890123456789012345678901234567890123"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (spec_hostname_valid(bad[i]))
			fail_msg("accepted: %s", bad[i]);
}

static void test_volume(void **state)
{
	struct hutch_mount_spec m;
	assert_int_equal(spec_parse_volume("/a:/b", &m), 0);
	assert_string_equal(m.source, "/a");
	assert_string_equal(m.destination, "/b");
	assert_false(m.readonly);
	free(m.source);
	free(m.destination);
	assert_int_equal(spec_parse_volume("/host/x:/ctr/y:ro", &m), 0);
	assert_true(m.readonly);
	free(m.source);
	free(m.destination);
	assert_int_equal(spec_parse_volume("/a:/b:rw", &m), 0);
	assert_false(m.readonly);
	free(m.source);
	free(m.destination);
	assert_true(spec_parse_volume("/a", &m) < 0);
	assert_true(spec_parse_volume("a:/b", &m) < 0);
	assert_true(spec_parse_volume("/a:b", &m) < 0);
	assert_true(spec_parse_volume("/a:/b:rx", &m) < 0);
	assert_true(spec_parse_volume("/a,b:/b", &m) < 0);
	assert_true(spec_parse_volume("/a:/", &m) < 0);
	assert_true(spec_parse_volume("/a:/b/../../etc", &m) < 0);
	assert_true(spec_parse_volume("", &m) < 0);
	/* the kernel's interfaces, however the path is spelled */
	static const char *const kernel[] = {"/a:/proc",  "/a:/proc/",	  "/a://proc",
					     "/a:/./sys", "/a:/sys/fs/x", "/a:/proc/sys/kernel",
					     "/a:/sys:ro"};
	for (size_t i = 0; i < ARRAY_SIZE(kernel); i++)
		assert_int_equal(spec_parse_volume(kernel[i], &m), -EPERM);
	assert_int_equal(spec_parse_volume("/a:/procfs", &m), 0);
	free(m.source);
	free(m.destination);
	assert_int_equal(spec_parse_volume("/a:/system", &m), 0);
	free(m.source);
	free(m.destination);
}

static void test_ns_user(void **state)
{
	struct hutch_ns_spec ns;
	assert_int_equal(spec_parse_ns("host", false, &ns), 0);
	assert_int_equal(ns.mode, HUTCH_NS_HOST);
	assert_int_equal(spec_parse_ns("container:web", false, &ns), 0);
	assert_int_equal(ns.mode, HUTCH_NS_CONTAINER);
	assert_string_equal(ns.container, "web");
	assert_true(spec_parse_ns("none", false, &ns) < 0);
	assert_int_equal(spec_parse_ns("none", true, &ns), 0);
	assert_int_equal(ns.mode, HUTCH_NS_NONE);
	assert_true(spec_parse_ns("container:", false, &ns) < 0);
	assert_true(spec_parse_ns("bogus", true, &ns) < 0);

	uid_t u;
	gid_t g;
	assert_int_equal(spec_parse_user("1000", &u, &g), 0);
	assert_int_equal(u, 1000);
	assert_int_equal(g, 1000);
	assert_int_equal(spec_parse_user("1000:50", &u, &g), 0);
	assert_int_equal(g, 50);
	assert_true(spec_parse_user("root", &u, &g) < 0); /* a name needs a passwd */
	assert_true(spec_parse_user("1:x", &u, &g) < 0);
	assert_true(spec_parse_user("", &u, &g) < 0);

	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				     "web:x:33:44::/var/www:/bin/false\n"
				     "broken:x:zz:1::/:\n"
				     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false";
	static const char group[] = "root:x:0:\nstaff::50:web\n";
	assert_int_equal(spec_resolve_user("web", passwd, group, &u, &g), 0);
	assert_int_equal(u, 33);
	assert_int_equal(g, 44);
	assert_int_equal(spec_resolve_user("nobody", passwd, group, &u, &g),
			 0); /* last line, no newline */
	assert_int_equal(u, 65534);
	assert_int_equal(spec_resolve_user("web:staff", passwd, group, &u, &g), 0);
	assert_int_equal(g, 50);
	assert_int_equal(spec_resolve_user("33:7", passwd, group, &u, &g), 0);
	assert_int_equal(g, 7);
	assert_int_equal(spec_resolve_user("33", passwd, group, &u, &g), 0); /* its passwd group */
	assert_int_equal(g, 44);
	assert_int_equal(spec_resolve_user("1000", passwd, group, &u, &g), 0);
	assert_int_equal(g, 1000);
	assert_int_equal(spec_resolve_user("nosuch", passwd, group, &u, &g), -ENOENT);
	assert_int_equal(spec_resolve_user("broken", passwd, group, &u, &g), -ENOENT);
	assert_int_equal(spec_resolve_user("web:nogroup", passwd, group, &u, &g), -ENOENT);
	assert_int_equal(spec_resolve_user("Web!", passwd, group, &u, &g), -EINVAL);
	gid_t groups[4];
	static const char group2[] = "root:x:0:\nstaff::50:web\nwww:x:60:root,web,x\n"
				     "staff2::50:web\nwebby::70:webx,xweb\nlast:x:80:web";
	assert_int_equal(spec_user_groups(passwd, group2, 33, groups, 4), 3);
	assert_int_equal(groups[0], 50); /* 50 once */
	assert_int_equal(groups[1], 60);
	assert_int_equal(groups[2], 80); /* last line, no newline */
	assert_int_equal(spec_user_groups(passwd, group2, 33, groups, 1), 1);
	assert_int_equal(spec_user_groups(passwd, group2, 0, groups, 4), 1); /* root in www */
	assert_int_equal(groups[0], 60);
	assert_int_equal(spec_user_groups(passwd, group2, 1234, groups, 4), 0); /* no entry */
	assert_int_equal(spec_user_groups(NULL, group2, 33, groups, 4), 0);
	assert_true(spec_user_valid("web:staff"));
	assert_true(spec_user_valid("1000"));
	assert_false(spec_user_valid("web:"));
	assert_false(spec_user_valid("a b"));
}

static void test_env(void **state)
{
	char **env = NULL;
	struct hutch_error err = {0};
	assert_int_equal(spec_env_set(&env, "A=1"), 0);
	assert_int_equal(spec_env_set(&env, "B=2"), 0);
	assert_int_equal(spec_env_set(&env, "A=3"), 0);
	assert_int_equal(strv_len(env), 2);
	assert_string_equal(env[0], "A=3");
	assert_true(spec_env_set(&env, "=x") < 0);
	assert_true(spec_env_set(&env, "novalue") < 0);
	assert_int_equal(spec_env_file_parse("# comment\n\nC=4\r\n  D=five six\nB=7\n", &env, &err),
			 0);
	assert_int_equal(strv_len(env), 4);
	assert_string_equal(env[1], "B=7");
	assert_string_equal(env[3], "D=five six");
	assert_true(spec_env_file_parse("ok=1\n=bad\n", &env, &err) < 0);
	assert_non_null(strstr(err.msg, "line 2"));
	strv_free(env);
}

static void test_run_flags(void **state)
{
	struct run_opts o;
	struct hutch_error err;
	assert_int_equal(run_parse(&o, &err, "--name", "web", "-d", "--rm", "-m", "64m",
				   "--memory-swap", "128m", "--cpus", "0.5", "--cpu-shares", "512",
				   "--cpuset-cpus", "0", "--pids-limit", "20", "-v",
				   "/tmp:/data:ro", "-e", "X=1", "-w", "/srv", "-u", "1000:1000",
				   "--hostname", "box", "--read-only", "--net", "none", "--ipc",
				   "host", "--no-fsd", "busybox", "sh", "-c", "echo hi", NULL),
			 0);
	assert_string_equal(o.st.name, "web");
	assert_true(o.st.detach && o.st.auto_remove && o.st.read_only && !o.st.fsd);
	assert_int_equal(o.st.limits.memory_bytes, 64 << 20);
	assert_int_equal(o.st.limits.memory_swap_bytes, 128 << 20);
	assert_int_equal(o.st.limits.cpu_quota_us, 50000);
	assert_int_equal(o.st.limits.cpu_shares, 512);
	assert_string_equal(o.st.limits.cpuset_cpus, "0");
	assert_int_equal(o.st.limits.pids_max, 20);
	assert_int_equal(o.st.n_mounts, 1);
	assert_true(o.st.mounts[0].readonly);
	assert_string_equal(o.st.env[0], "X=1");
	assert_string_equal(o.st.workdir, "/srv");
	assert_string_equal(o.st.hostname, "box");
	assert_int_equal(o.st.ns[HUTCH_NS_NET].mode, HUTCH_NS_NONE);
	assert_int_equal(o.st.ns[HUTCH_NS_IPC].mode, HUTCH_NS_HOST);
	assert_string_equal(o.image, "busybox");
	assert_int_equal(strv_len(o.st.argv), 3);
	assert_string_equal(o.st.argv[2], "echo hi");
	run_opts_free(&o);

	/* flags after the image belong to the command */
	assert_int_equal(run_parse(&o, &err, "--rootfs", "/srv/root", "ls", "-m", "1", NULL), 0);
	assert_string_equal(o.rootfs, "/srv/root");
	assert_int_equal(strv_len(o.st.argv), 3);
	assert_int_equal(o.st.limits.memory_bytes, UINT64_MAX);
	run_opts_free(&o);

	assert_int_equal(run_parse(&o, &err, "--pid", "container:web", "busybox", NULL), 0);
	assert_int_equal(o.st.ns[HUTCH_NS_PID].mode, HUTCH_NS_CONTAINER);
	assert_null(o.st.argv);
	run_opts_free(&o);
}

/* The flags over the image's config: --entrypoint, --stop-signal, --label. */
static void test_run_image_flags(void **state)
{
	struct run_opts o;
	struct hutch_error err;
	assert_int_equal(run_parse(&o, &err, "--entrypoint", "", "--stop-signal", "SIGQUIT", "-l",
				   "a=1", "--label", "b", "busybox", NULL),
			 0);
	assert_string_equal(o.entrypoint, "");
	assert_int_equal(o.st.stop_signal, SIGQUIT);
	assert_string_equal(o.st.labels[0], "a=1");
	assert_string_equal(o.st.labels[1], "b");
	assert_null(o.st.labels[2]);
	run_opts_free(&o);
	assert_int_equal(run_parse(&o, &err, "--stop-signal", "9", "busybox", NULL), 0);
	assert_int_equal(o.st.stop_signal, 9);
	run_opts_free(&o);
	assert_int_equal(run_parse(&o, &err, "--stop-signal", "NOPE", "busybox", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--stop-signal 'NOPE'"));
	run_opts_free(&o);
	assert_int_equal(run_parse(&o, &err, "-l", "=x", "busybox", NULL), -EINVAL);
	run_opts_free(&o);
	assert_int_equal(spec_parse_signal("usr1"), SIGUSR1);
	assert_int_equal(spec_parse_signal("0"), -1);
}

static void test_run_bad_flags(void **state)
{
	static const char *const bad[][4] = {
		{"-m", "lots", "busybox", NULL},
		{"-m", "1k", "busybox", NULL},
		{"--cpus", "x", "busybox", NULL},
		{"--pids-limit", "-5", "busybox", NULL},
		{"--name", "a/b", "busybox", NULL},
		{"--bogus", "busybox", NULL, NULL},
		{"--rootfs", "rel", "sh", NULL},
		{"--rootfs", "/x", NULL, NULL},
		{"--uts", "private", "busybox", NULL},
		{"--net", "bridge2", "busybox", NULL},
		{"--memory-swap", "1g", "busybox", NULL},
		{"-w", "rel", "busybox", NULL},
		{"--cpuset-cpus", "0-", "busybox", NULL},
		{"-e", "=x", "busybox", NULL},
		{"--hostname", "x\n6.6.6.6 evil", "busybox", NULL},
		{"-v", "/tmp:/proc", "busybox", NULL},
		{"--cpus", "100000", "busybox", NULL},
		{NULL, NULL, NULL, NULL},
	};
	for (size_t i = 0; bad[i][0]; i++) {
		struct run_opts o;
		struct hutch_error err;
		int r = run_parse(&o, &err, bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL);
		if (r >= 0)
			fail_msg("accepted: %s %s", bad[i][0], bad[i][1] ? bad[i][1] : "");
		assert_true(err.msg[0] != '\0');
		run_opts_free(&o);
	}
	struct run_opts o;
	struct hutch_error err;
	assert_true(run_parse(&o, &err, NULL) < 0);
	assert_non_null(strstr(err.msg, "IMAGE"));
	run_opts_free(&o);
}

static void test_state_json(void **state)
{
	struct run_opts o;
	struct hutch_error err;
	assert_int_equal(run_parse(&o, &err, "--name", "web", "-m", "64m", "--cpus", "0.5", "-v",
				   "/tmp:/data:ro", "-v", "/srv:/srv", "--pid", "container:db",
				   "-e", "A=\"quoted\" \\ value", "busybox", "sh", "-c", "echo ü",
				   NULL),
			 0);
	struct hutch_state *st = &o.st;
	memset(st->id, 'a', HUTCH_ID_LEN);
	st->id[HUTCH_ID_LEN] = '\0';
	st->pid = 1234;
	st->pid_start_ticks = 99;
	st->status = HUTCH_STATUS_EXITED;
	st->exit_code = 137;
	st->oom_killed = true;
	st->created_ns = 1700000000123456789ull;
	snprintf(st->cgroup_path, sizeof(st->cgroup_path), "/hutch/%s", st->id);
	char *json;
	assert_int_equal(hutch_state_to_json(st, &json), 0);
	struct hutch_state back;
	assert_int_equal(hutch_state_from_json(json, &back), 0);
	assert_string_equal(back.id, st->id);
	assert_string_equal(back.name, "web");
	assert_string_equal(back.image, "busybox");
	assert_int_equal(back.pid, 1234);
	assert_int_equal(back.pid_start_ticks, 99);
	assert_int_equal(back.status, HUTCH_STATUS_EXITED);
	assert_int_equal(back.exit_code, 137);
	assert_true(back.oom_killed);
	assert_int_equal(back.created_ns, 1700000000123456789ull);
	assert_int_equal(back.limits.memory_bytes, 64 << 20);
	assert_int_equal(back.limits.cpu_quota_us, 50000);
	assert_int_equal(back.limits.pids_max, UINT64_MAX);
	assert_int_equal(back.n_mounts, 2);
	assert_true(back.mounts[0].readonly);
	assert_string_equal(back.mounts[1].destination, "/srv");
	assert_int_equal(back.ns[HUTCH_NS_PID].mode, HUTCH_NS_CONTAINER);
	assert_string_equal(back.ns[HUTCH_NS_PID].container, "db");
	assert_int_equal(back.ns[HUTCH_NS_NET].mode, HUTCH_NS_PRIVATE);
	assert_string_equal(back.argv[2], "echo ü");
	assert_string_equal(back.env[0], "A=\"quoted\" \\ value");
	assert_true(back.fsd);
	/* and again: the same text */
	char *json2;
	assert_int_equal(hutch_state_to_json(&back, &json2), 0);
	assert_string_equal(json, json2);
	free(json);
	free(json2);
	hutch_state_free(&back);
	run_opts_free(&o);
}

static void test_state_json_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"{\"id\":\"x\",\"status\":\"flying\"}",
		"{\"id\":\"x\",\"status\":\"running\",\"pid\":-4}",
		"{\"id\":\"x\",\"status\":\"running\",\"pid\":\"12\"}",
		"{\"id\":\"x\",\"status\":\"running\",\"command\":[1,2]}",
		"{\"id\":\"x\",\"status\":\"running\",\"mounts\":[{\"source\":\"/a\"}]}",
		"{\"id\":\"x\",\"status\":\"running\",\"namespaces\":{\"pid\":\"container:\"}}",
		"{\"id\":\"x\",\"status\":\"running\",\"limits\":{\"memory_bytes\":-1}}",
		"{\"id\":\"x\",\"status\":\"running\",\"exit_code\":300}",
		"{\"id\":\"x\",",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct hutch_state st;
		if (hutch_state_from_json(bad[i], &st) == 0) {
			hutch_state_free(&st);
			fail_msg("accepted: %s", bad[i]);
		}
	}
	struct hutch_state st;
	assert_int_equal(hutch_state_from_json("{\"id\":\"x\",\"status\":\"created\"}", &st), 0);
	assert_int_equal(st.exit_code, -1);
	assert_int_equal(st.limits.memory_bytes, UINT64_MAX);
	hutch_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_volume),
		cmocka_unit_test(test_ns_user),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_run_flags),
		cmocka_unit_test(test_run_image_flags),
		cmocka_unit_test(test_run_bad_flags),
		cmocka_unit_test(test_state_json),
		cmocka_unit_test(test_state_json_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
