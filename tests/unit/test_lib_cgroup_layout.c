/* SPDX-License-Identifier: MIT */
/* Layout detection over the mountinfo of other hosts (tests/fixtures/cgroup/mountinfo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hutch/cgroup.h"
#include "hutch/procfs.h"
#include "hutch/util.h"

#define MOUNTINFO HUTCH_FIXTURES "/cgroup/mountinfo/"

/* The layout of fixture name over an empty tree at root, whose v2 root (if any) has
 * cgroup.controllers with controllers (NULL: no such file). */
static struct cgroup_layout *layout_of(const char *name, const char *root, const char *unified_dir,
				       const char *controllers)
{
	if (unified_dir && controllers) {
		char dir[4096], path[4200];
		snprintf(dir, sizeof(dir), "%s%s", root, unified_dir);
		assert_int_equal(hutch_mkdir_p(dir, 0755), 0);
		snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
		assert_int_equal(hutch_write_new_file(path, controllers), 0);
	}
	char *buf = NULL;
	size_t len;
	char path[512];
	snprintf(path, sizeof(path), MOUNTINFO "%s", name);
	assert_int_equal(hutch_read_file(path, 0, &buf, &len), 0);
	struct procfs_mountinfo mi;
	assert_int_equal(procfs_parse_mountinfo(buf, len, &mi), 0);
	free(buf);
	struct cgroup_layout *l = NULL;
	assert_int_equal(cgroup_layout_from_mountinfo(&mi, root, &l), 0);
	procfs_mountinfo_free(&mi);
	return l;
}

/* The hierarchy holding controller c is mounted at root + mount_point. */
static void assert_at(const struct cgroup_layout *l, const char *root, enum cgroup_controller c,
		      const char *mount_point)
{
	const struct cgroup_hierarchy *h = cgroup_layout_hierarchy(l, c);
	assert_non_null(h);
	char want[4096];
	snprintf(want, sizeof(want), "%s%s", root, mount_point);
	assert_string_equal(h->mount_point, want);
}

static char *temp_root(void)
{
	char tmpl[] = "/tmp/hutch-test-layout-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static void test_hybrid_systemd(void **state)
{
	char *root = temp_root();
	struct cgroup_layout *l = layout_of("hybrid-systemd", root, "/sys/fs/cgroup/unified", "");
	assert_int_equal(l->kind, CGROUP_LAYOUT_HYBRID);
	/* unified, systemd (named, no controller), cpu,cpuacct, memory, pids, blkio, cpuset */
	assert_int_equal(l->n_hierarchies, 7);
	assert_true(l->unified >= 0);
	assert_true(l->hierarchies[l->unified].unified);
	assert_at(l, root, CGROUP_CPU, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(l->by_controller[CGROUP_CPU], l->by_controller[CGROUP_CPUACCT]);
	assert_at(l, root, CGROUP_MEMORY, "/sys/fs/cgroup/memory");
	assert_at(l, root, CGROUP_PIDS, "/sys/fs/cgroup/pids");
	assert_at(l, root, CGROUP_BLKIO, "/sys/fs/cgroup/blkio");
	assert_at(l, root, CGROUP_CPUSET, "/sys/fs/cgroup/cpuset");
	/* Not mounted as v1 and not enabled in the (empty) unified hierarchy. */
	assert_null(cgroup_layout_hierarchy(l, CGROUP_DEVICES));
	assert_null(cgroup_layout_hierarchy(l, CGROUP_FREEZER));
	cgroup_layout_free(l);
	hutch_rm_rf(root);
	free(root);
}

static void test_v2_systemd(void **state)
{
	char *root = temp_root();
	struct cgroup_layout *l =
		layout_of("v2-systemd", root, "/sys/fs/cgroup", "cpuset cpu io memory pids\n");
	assert_int_equal(l->kind, CGROUP_LAYOUT_V2);
	assert_int_equal(l->n_hierarchies, 1);
	assert_int_equal(l->unified, 0);
	for (enum cgroup_controller c = 0; c < CGROUP_CONTROLLER_COUNT; c++) {
		/* The enabled ones, and cpu.stat and cgroup.freeze that every v2 cgroup has. */
		bool want = c == CGROUP_CPUSET || c == CGROUP_CPU || c == CGROUP_BLKIO ||
			    c == CGROUP_MEMORY || c == CGROUP_PIDS || c == CGROUP_CPUACCT ||
			    c == CGROUP_FREEZER;
		assert_int_equal(l->by_controller[c], want ? 0 : -1);
	}
	assert_at(l, root, CGROUP_MEMORY, "/sys/fs/cgroup");
	cgroup_layout_free(l);
	hutch_rm_rf(root);
	free(root);
}

static void test_v1_debian10(void **state)
{
	char *root = temp_root();
	struct cgroup_layout *l = layout_of("v1-debian10", root, NULL, NULL);
	assert_int_equal(l->kind, CGROUP_LAYOUT_V1);
	assert_int_equal(l->unified, -1);
	/* systemd, cpu,cpuacct, net_cls,net_prio, memory, blkio, cpuset, pids, devices,
	 * freezer, perf_event, hugetlb, rdma */
	assert_int_equal(l->n_hierarchies, 12);
	assert_at(l, root, CGROUP_CPUACCT, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(l->by_controller[CGROUP_CPU], l->by_controller[CGROUP_CPUACCT]);
	assert_at(l, root, CGROUP_NET_PRIO, "/sys/fs/cgroup/net_cls,net_prio");
	assert_int_equal(l->by_controller[CGROUP_NET_CLS], l->by_controller[CGROUP_NET_PRIO]);
	assert_at(l, root, CGROUP_CPUSET, "/sys/fs/cgroup/cpuset");
	assert_at(l, root, CGROUP_RDMA, "/sys/fs/cgroup/rdma");
	assert_string_equal(cgroup_layout_hierarchy(l, CGROUP_CPUSET)->options, "cpuset");
	cgroup_layout_free(l);
	hutch_rm_rf(root);
	free(root);
}

/* A bind mount of part of a hierarchy gives way to a mount of its root, whichever comes
 * first; a second mount of a root is the same hierarchy. */
static void test_v1_bind_mounted(void **state)
{
	char *root = temp_root();
	struct cgroup_layout *l = layout_of("v1-bind-mounted", root, NULL, NULL);
	assert_int_equal(l->kind, CGROUP_LAYOUT_V1);
	assert_int_equal(l->n_hierarchies, 2);
	assert_at(l, root, CGROUP_CPU, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(cgroup_layout_hierarchy(l, CGROUP_CPU)->root, "/");
	assert_at(l, root, CGROUP_MEMORY, "/sys/fs/cgroup/memory");
	cgroup_layout_free(l);
	hutch_rm_rf(root);
	free(root);
}

static void test_none(void **state)
{
	char *root = temp_root();
	struct cgroup_layout *l = layout_of("none", root, NULL, NULL);
	assert_int_equal(l->kind, CGROUP_LAYOUT_NONE);
	assert_int_equal(l->n_hierarchies, 0);
	assert_int_equal(l->unified, -1);
	assert_null(l->ops);
	for (enum cgroup_controller c = 0; c < CGROUP_CONTROLLER_COUNT; c++)
		assert_null(cgroup_layout_hierarchy(l, c));
	cgroup_layout_free(l);
	hutch_rm_rf(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid_systemd), cmocka_unit_test(test_v2_systemd),
		cmocka_unit_test(test_v1_debian10),    cmocka_unit_test(test_v1_bind_mounted),
		cmocka_unit_test(test_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
