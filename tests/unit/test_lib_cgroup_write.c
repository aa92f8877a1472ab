/* SPDX-License-Identifier: MIT */
/*
 * cgroup_set_limits and cgroup_create against temporary copies of the
 * fixture trees: what was written where, in the layout's own format, and
 * that a failed create leaves nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup_fixture.h"

#define V1_CG "/hutch-test-fixture/ctr"

static void test_v2_set_limits(void **state)
{
	char *root;
	struct cgroup_layout *l = fixture_copy_layout("v2", &root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open(l, "/hutch/ctr", &cg), 0);

	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = 256 << 20;
	lim.memory_swap_bytes = 384 << 20; /* memory + swap, as docker's --memory-swap */
	lim.memory_reservation_bytes = 64 << 20;
	lim.cpu_quota_us = 50000;
	lim.cpu_period_us = 100000;
	lim.cpu_shares = 1024;
	lim.cpuset_cpus = "0";
	lim.cpuset_mems = "0";
	lim.pids_max = 32;
	struct hutch_error err = {0};
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	const char *d = "sys/fs/cgroup/hutch/ctr";
	char rel[256];
#define AT(f) (snprintf(rel, sizeof(rel), "%s/%s", d, f), rel)
	assert_string_equal(fixture_read(root, AT("memory.max")), "268435456");
	/* v2's swap.max is swap alone: 384 MiB - 256 MiB. */
	assert_string_equal(fixture_read(root, AT("memory.swap.max")), "134217728");
	assert_string_equal(fixture_read(root, AT("memory.low")), "67108864");
	assert_string_equal(fixture_read(root, AT("cpu.max")), "50000 100000");
	assert_string_equal(fixture_read(root, AT("cpu.weight")), "39");
	assert_string_equal(fixture_read(root, AT("cpuset.cpus")), "0");
	assert_string_equal(fixture_read(root, AT("cpuset.mems")), "0");
	assert_string_equal(fixture_read(root, AT("pids.max")), "32");

	/* Quota alone keeps the period; lifting it writes "max". */
	cgroup_limits_init(&lim);
	lim.cpu_quota_us = 25000;
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	assert_string_equal(fixture_read(root, AT("cpu.max")), "25000 100000");
	cgroup_limits_init(&lim);
	lim.cpu_quota_us = HUTCH_UNLIMITED;
	lim.memory_bytes = HUTCH_UNLIMITED;
	lim.pids_max = HUTCH_UNLIMITED;
	lim.cpu_shares = 2;
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	assert_string_equal(fixture_read(root, AT("cpu.max")), "max 100000");
	assert_string_equal(fixture_read(root, AT("memory.max")), "max");
	assert_string_equal(fixture_read(root, AT("pids.max")), "max");
	assert_string_equal(fixture_read(root, AT("cpu.weight")), "1");
	/* Untouched fields were not written. */
	assert_string_equal(fixture_read(root, AT("memory.low")), "67108864");

	/* Unlimited swap, and a memory+swap limit below the memory limit. */
	cgroup_limits_init(&lim);
	lim.memory_bytes = 128 << 20;
	lim.memory_swap_bytes = HUTCH_UNLIMITED;
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	assert_string_equal(fixture_read(root, AT("memory.swap.max")), "max");
	lim.memory_swap_bytes = 64 << 20;
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), -EINVAL);
	assert_string_equal(err.msg, "set limits of cgroup /hutch/ctr: memory+swap limit 67108864 "
				     "is below the memory limit 134217728");
	/* A write the kernel (here: a directory) refuses names the file. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, AT("pids.max"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	cgroup_limits_init(&lim);
	lim.pids_max = 10;
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), -EISDIR);
	assert_string_equal(err.msg,
			    "set limits of cgroup /hutch/ctr: write pids.max: Is a directory");
#undef AT
	cgroup_close(cg);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

static void test_v2_create(void **state)
{
	char *root = fixture_copy("v2");
	assert_non_null(root);
	/* /hutch has no controllers enabled for its children yet. */
	assert_true(fixture_write(root, "sys/fs/cgroup/hutch/cgroup.subtree_control", "\n"));
	struct cgroup_layout *l = fixture_layout(root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	struct hutch_error err = {0};
	assert_int_equal(cgroup_create(l, "/hutch/new", &cg, &err), 0);
	assert_true(fixture_exists(root, "sys/fs/cgroup/hutch/new"));
	/* One write enabling every controller /hutch has; the root had them all already. */
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/hutch/cgroup.subtree_control"),
			    "+cpu +cpuset +memory +io +pids");
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/cgroup.subtree_control"),
			    "cpuset cpu io memory pids");
	assert_string_equal(cgroup_path(cg), "/hutch/new");
	cgroup_close(cg);

	/* /hutch/a is made but is no cgroup (no cgroup.controllers): the create fails
	 * and removes both directories it made, leaving /hutch as it was. */
	assert_int_equal(cgroup_create(l, "/hutch/a/b", &cg, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "create cgroup /hutch/a/b: enable controllers in "));
	assert_non_null(strstr(err.msg, "/hutch/a: read cgroup.controllers: No such file"));
	assert_false(fixture_exists(root, "sys/fs/cgroup/hutch/a"));
	assert_true(fixture_exists(root, "sys/fs/cgroup/hutch"));

	assert_int_equal(cgroup_create(l, "/", &cg, &err), -EINVAL);
	assert_int_equal(cgroup_create(l, "/x/../y", &cg, &err), -EINVAL);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

static void test_v1_set_limits(void **state)
{
	char *root;
	struct cgroup_layout *l = fixture_copy_layout("v1", &root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open(l, V1_CG, &cg), 0);
	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = 256 << 20;
	lim.memory_swap_bytes = 384 << 20;
	lim.memory_reservation_bytes = 64 << 20;
	lim.cpu_quota_us = 25000;
	lim.cpu_period_us = 50000;
	lim.cpu_shares = 1024;
	lim.pids_max = HUTCH_UNLIMITED;
	struct hutch_error err = {0};
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	const char *m = "sys/fs/cgroup/memory" V1_CG;
	const char *c = "sys/fs/cgroup/cpu,cpuacct" V1_CG;
	char rel[256];
#define AT(dir, f) (snprintf(rel, sizeof(rel), "%s/%s", dir, f), rel)
	assert_string_equal(fixture_read(root, AT(m, "memory.limit_in_bytes")), "268435456");
	/* v1's memsw is memory plus swap, as given. */
	assert_string_equal(fixture_read(root, AT(m, "memory.memsw.limit_in_bytes")), "402653184");
	assert_string_equal(fixture_read(root, AT(m, "memory.soft_limit_in_bytes")), "67108864");
	assert_string_equal(fixture_read(root, AT(c, "cpu.cfs_quota_us")), "25000");
	assert_string_equal(fixture_read(root, AT(c, "cpu.cfs_period_us")), "50000");
	assert_string_equal(fixture_read(root, AT(c, "cpu.shares")), "1024");
	assert_string_equal(fixture_read(root, AT("sys/fs/cgroup/pids" V1_CG, "pids.max")), "max");

	cgroup_limits_init(&lim);
	lim.memory_bytes = HUTCH_UNLIMITED;
	lim.cpu_quota_us = HUTCH_UNLIMITED;
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	assert_string_equal(fixture_read(root, AT(m, "memory.limit_in_bytes")), "-1");
	assert_string_equal(fixture_read(root, AT(c, "cpu.cfs_quota_us")), "-1");

	/* A cpuset with neither cpus nor mems (a fresh v1 cpuset, parent too) is filled
	 * from the nearest ancestor that has them before a task could join. */
	assert_true(fixture_write(root, "sys/fs/cgroup/cpuset" V1_CG "/cpuset.cpus", "\n"));
	assert_true(fixture_write(root, "sys/fs/cgroup/cpuset" V1_CG "/cpuset.mems", "\n"));
	assert_true(
		fixture_write(root, "sys/fs/cgroup/cpuset/hutch-test-fixture/cpuset.cpus", "\n"));
	assert_true(fixture_write(root, "sys/fs/cgroup/cpuset/cpuset.cpus", "0-1\n"));
	cgroup_limits_init(&lim);
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	assert_string_equal(
		fixture_read(root, "sys/fs/cgroup/cpuset/hutch-test-fixture/cpuset.cpus"), "0-1");
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/cpuset" V1_CG "/cpuset.cpus"), "0-1");
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/cpuset" V1_CG "/cpuset.mems"), "0");
	/* Given cpus are written as they are. */
	lim.cpuset_cpus = "1";
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), 0);
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/cpuset" V1_CG "/cpuset.cpus"), "1");

	/* The message names the cgroup and the file. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, AT(m, "memory.limit_in_bytes"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	cgroup_limits_init(&lim);
	lim.memory_bytes = 1 << 30;
	assert_int_equal(cgroup_set_limits(cg, &lim, &err), -EISDIR);
	assert_string_equal(err.msg, "set limits of cgroup " V1_CG
				     ": write memory.limit_in_bytes: Is a directory");
#undef AT
	cgroup_close(cg);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

/* A create that fails in one hierarchy removes what it made in the others. */
static void test_v1_create_rollback(void **state)
{
	char *root = fixture_copy("hybrid");
	assert_non_null(root);
	assert_true(fixture_sh("rm -rf '%s/sys/fs/cgroup/pids'", root));
	struct cgroup_layout *l = fixture_layout(root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	struct hutch_error err = {0};
	assert_int_equal(cgroup_create(l, "/hutch-test-new/x", &cg, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "create cgroup /hutch-test-new/x: mkdir "));
	assert_non_null(strstr(err.msg, "/sys/fs/cgroup/pids/hutch-test-new/x: No such file"));
	static const char *const ctl[] = {"cpu",     "cpuacct", "cpuset", "memory",
					  "devices", "freezer", "blkio",  "unified"};
	for (size_t i = 0; i < ARRAY_SIZE(ctl); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s/hutch-test-new", ctl[i]);
		assert_false(fixture_exists(root, rel));
	}
	/* The named systemd hierarchy is never touched. */
	assert_false(fixture_exists(root, "sys/fs/cgroup/systemd/hutch-test-new"));
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

static void test_list_pids(void **state)
{
	char *root = fixture_copy("hybrid");
	assert_non_null(root);
	assert_true(
		fixture_write(root, "sys/fs/cgroup/pids" V1_CG "/cgroup.procs", "12\n345\n6789\n"));
	/* Processes of cgroups below it count too. */
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/sys/fs/cgroup/pids" V1_CG "/sub", root);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_true(fixture_write(root, "sys/fs/cgroup/pids" V1_CG "/sub/cgroup.procs", "77\n"));
	struct cgroup_layout *l = fixture_layout(root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open(l, V1_CG, &cg), 0);
	pid_t *pids = NULL;
	size_t n = 0;
	assert_int_equal(cgroup_list_pids(cg, &pids, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(pids[0], 12);
	assert_int_equal(pids[2], 6789);
	assert_int_equal(pids[3], 77);
	free(pids);
	cgroup_close(cg);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_set_limits), cmocka_unit_test(test_v2_create),
		cmocka_unit_test(test_v1_set_limits), cmocka_unit_test(test_v1_create_rollback),
		cmocka_unit_test(test_list_pids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
