/* SPDX-License-Identifier: MIT */
/*
 * cgroup_attach_self and cgroup_open_unified against a temporary copy of
 * the hybrid fixture tree: "0" goes to each v1 hierarchy's tasks file (a
 * thread moving itself, no global lock) and to the unified cgroup.procs
 * only when the process was not born there.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup_fixture.h"

#define CG "/hutch-test-fixture/ctr"

static const char *const v1_dirs[] = {"cpu",	 "cpuacct", "cpuset", "memory",
				      "devices", "freezer", "blkio",  "pids"};

/* A fresh tasks file in every v1 directory and an emptied unified cgroup.procs. */
static void reset(const char *root)
{
	char rel[256];
	for (size_t i = 0; i < ARRAY_SIZE(v1_dirs); i++) {
		snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s" CG "/tasks", v1_dirs[i]);
		assert_true(fixture_write(root, rel, ""));
	}
	assert_true(fixture_write(root, "sys/fs/cgroup/unified" CG "/cgroup.procs", ""));
}

static void test_hybrid_attach_self(void **state)
{
	char *root;
	struct cgroup_layout *l = fixture_copy_layout("hybrid", &root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open(l, CG, &cg), 0);
	struct hutch_error err = {0};
	char rel[256];

	reset(root);
	assert_int_equal(cgroup_attach_self(cg, false, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(v1_dirs); i++) {
		snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s" CG "/tasks", v1_dirs[i]);
		assert_string_equal(fixture_read(root, rel), "0");
		/* Never cgroup.procs in v1: a move by pid takes the global lock. */
		snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s" CG "/cgroup.procs", v1_dirs[i]);
		assert_string_not_equal(fixture_read(root, rel), "0");
	}
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/unified" CG "/cgroup.procs"), "0");

	/* Born in the unified cgroup: that one is left alone. */
	reset(root);
	assert_int_equal(cgroup_attach_self(cg, true, &err), 0);
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/memory" CG "/tasks"), "0");
	assert_string_equal(fixture_read(root, "sys/fs/cgroup/unified" CG "/cgroup.procs"), "");

	int fd = -1;
	assert_int_equal(cgroup_open_unified(cg, &fd), 0);
	assert_true(fd >= 0);
	struct stat a, b;
	char path[4096];
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/unified" CG, root);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(fd);

	/* A hierarchy whose tasks file is missing: the message names the cgroup and file. */
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/pids" CG "/tasks", root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cgroup_attach_self(cg, true, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "attach to cgroup " CG ": "));
	assert_non_null(strstr(err.msg, "write tasks: No such file"));

	cgroup_close(cg);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

/* The two-step create: the unified directory first, the v1 ones after. */
static void test_create_unified_first(void **state)
{
	char *root;
	struct cgroup_layout *l = fixture_copy_layout("hybrid", &root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	struct hutch_error err = {0};
	assert_int_equal(cgroup_create_unified_first(l, "/hutch-test-new/x", &cg, &err), 0);
	assert_true(fixture_exists(root, "sys/fs/cgroup/unified/hutch-test-new/x"));
	assert_false(fixture_exists(root, "sys/fs/cgroup/memory/hutch-test-new"));
	assert_false(fixture_exists(root, "sys/fs/cgroup/pids/hutch-test-new"));
	int fd = -1;
	assert_int_equal(cgroup_open_unified(cg, &fd), 0);
	close(fd);
	/* A fixture's new cpuset has no files of its own: give it filled ones. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/cpuset/hutch-test-new/x", root);
	assert_true(fixture_sh(
		"mkdir -p '%s' && echo 0 > '%s/cpuset.cpus' && echo 0 > '%s/cpuset.mems'", path,
		path, path));
	assert_int_equal(cgroup_create_rest(cg, &err), 0);
	assert_true(fixture_exists(root, "sys/fs/cgroup/memory/hutch-test-new/x"));
	assert_true(fixture_exists(root, "sys/fs/cgroup/pids/hutch-test-new/x"));
	assert_true(fixture_exists(root, "sys/fs/cgroup/unified/hutch-test-new/x"));
	/* cgroupfs has no files to remove first; the fixture's cpuset does. */
	assert_true(fixture_sh("rm -f '%s'/cpuset.*", path));
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_false(fixture_exists(root, "sys/fs/cgroup/unified/hutch-test-new/x"));
	assert_false(fixture_exists(root, "sys/fs/cgroup/memory/hutch-test-new/x"));
	cgroup_close(cg);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

/* Pure v1 has no unified directory to be born in. */
static void test_v1_no_unified(void **state)
{
	char *root;
	struct cgroup_layout *l = fixture_copy_layout("v1", &root);
	assert_non_null(l);
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open(l, CG, &cg), 0);
	int fd = -1;
	assert_int_equal(cgroup_open_unified(cg, &fd), -ENOENT);
	assert_int_equal(fd, -1);
	cgroup_close(cg);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid_attach_self),
		cmocka_unit_test(test_v1_no_unified),
		cmocka_unit_test(test_create_unified_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
