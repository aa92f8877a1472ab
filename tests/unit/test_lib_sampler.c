/* SPDX-License-Identifier: MIT */
/*
 * The shared sampler over the fixture trees (v2 and hybrid): discovery by
 * walking, runtime naming, stats through long-lived handles, containers that
 * appear and vanish between refreshes, and the /proc/PID/net/dev parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup_fixture.h"
#include "hutch/sampler.h"

static struct sampler_options opts_all(bool containers_only)
{
	return (struct sampler_options){
		.containers_only = containers_only,
		.network = true,
		.processes = true,
		.spec_refresh_ns = 0,
		.discovery_refresh_ns = 0,
	};
}

/* A sampler over l after its first refresh, which found want cgroups. */
static struct sampler *sampler_counting(struct cgroup_layout *l, const struct sampler_options *o,
					size_t want)
{
	struct sampler *s;
	assert_int_equal(sampler_new(l, o, &s), 0);
	assert_int_equal(sampler_refresh(s), 0);
	assert_int_equal(sampler_count(s), want);
	return s;
}

static void test_v2_tree(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v2");
	assert_non_null(l);
	struct sampler_options o = opts_all(false);
	struct sampler *s;
	assert_int_equal(sampler_new(l, &o, &s), 0);
	assert_int_equal(sampler_refresh(s), 0);
	/* Every cgroup, sorted by path, as cAdvisor's raw handler lists them. */
	assert_int_equal(sampler_count(s), 4);
	assert_string_equal(sampler_get(s, 0)->id, "/");
	assert_string_equal(sampler_get(s, 1)->id, "/hutch");
	assert_string_equal(sampler_get(s, 2)->id, "/hutch/ctr");
	assert_string_equal(sampler_get(s, 3)->id, "/hutch/idle");
	assert_null(sampler_get(s, 4));

	const struct sampler_container *c = sampler_find(s, "/hutch/ctr");
	assert_non_null(c);
	assert_true(c->is_container);
	assert_int_equal(c->runtime, SAMPLER_RUNTIME_HUTCH);
	assert_string_equal(c->runtime_id, "ctr");
	assert_string_equal(c->name, "ctr");
	assert_int_equal(c->stats.memory_usage_bytes, 52428800);
	assert_int_equal(c->stats.memory_limit_bytes, 1073741824);
	assert_int_equal(c->stats.cpu_usage_ns, 2500000000ull);
	assert_int_equal(c->stats.cpu_nr_throttled, 12);
	assert_int_equal(c->processes, 0); /* the fixture's cgroup.procs is empty */
	assert_int_equal(c->pid, 0);
	assert_int_equal(c->n_netdevs, 0);
	assert_true(hutch_known(c->cgroup_id_unified));
	assert_true(hutch_known(c->start_time_ns));
	assert_true(c->sampled_at_ns > 0);

	const struct sampler_container *root = sampler_find(s, "/");
	assert_false(root->is_container);
	assert_int_equal(root->runtime, SAMPLER_RUNTIME_CGROUP);
	assert_string_equal(root->name, "");
	assert_null(sampler_find(s, "/nope"));
	sampler_free(s);

	/* containers_only keeps what a runtime made. */
	o = opts_all(true);
	s = sampler_counting(l, &o, 2);
	assert_string_equal(sampler_get(s, 0)->id, "/hutch/ctr");
	sampler_free(s);
	cgroup_layout_free(l);
}

static void test_hybrid_tree(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/hybrid");
	assert_non_null(l);
	struct sampler_options o = opts_all(false);
	struct sampler *s;
	assert_int_equal(sampler_new(l, &o, &s), 0);
	assert_int_equal(sampler_refresh(s), 0);
	const struct sampler_container *c = sampler_find(s, "/hutch-test-fixture/ctr");
	assert_non_null(c);
	assert_false(c->is_container);
	assert_int_equal(c->stats.memory_usage_bytes, 50831360);
	assert_int_equal(c->stats.memory_limit_bytes, 1073741824);
	assert_int_equal(c->stats.cpu_usage_ns, 1211033688);
	assert_int_equal(c->stats.pids_max, 64);
	assert_int_equal(c->threads, 2); /* pids.current counts tasks */
	assert_true(hutch_known(c->cgroup_id_cpu));
	assert_true(hutch_known(c->cgroup_id_memory));
	assert_true(c->cgroup_id_cpu != c->cgroup_id_memory);
	assert_int_equal(c->stats.memory_effective_limit_bytes, 536870912);
	assert_int_equal(c->stats.cpu_effective_limit_millicpus, 500);
	assert_string_equal(c->stats.cpuset_cpus, "0");
	/* A second refresh re-reads through the same handles. */
	uint64_t first = c->sampled_at_ns;
	assert_int_equal(sampler_refresh(s), 0);
	c = sampler_find(s, "/hutch-test-fixture/ctr");
	assert_true(c->sampled_at_ns >= first);
	assert_int_equal(c->stats.memory_usage_bytes, 50831360);
	sampler_free(s);
	cgroup_layout_free(l);
}

/* Past the file budget, cgroups are opened per refresh and read the same. */
/* The collector's options: own limits only, no cpuset lists. */
static void test_spec_options(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/hybrid");
	struct sampler_options o = opts_all(false);
	o.no_cpuset = true;
	o.no_effective_limits = true;
	struct sampler *s;
	assert_int_equal(sampler_new(l, &o, &s), 0);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(sampler_refresh(s), 0);
		const struct sampler_container *c = sampler_find(s, "/hutch-test-fixture/ctr");
		assert_int_equal(c->stats.memory_limit_bytes, 1073741824);
		assert_int_equal(c->stats.cpu_quota_us, 50000);
		assert_false(hutch_known(c->stats.memory_effective_limit_bytes));
		assert_false(hutch_known(c->stats.cpu_effective_limit_millicpus));
		assert_string_equal(c->stats.cpuset_cpus, "");
	}
	sampler_free(s);
	cgroup_layout_free(l);
}

static void test_handle_budget(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v2");
	assert_non_null(l);
	struct sampler_options o = opts_all(false);
	o.max_open_handles = 1;
	struct sampler *s;
	assert_int_equal(sampler_new(l, &o, &s), 0);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(sampler_refresh(s), 0);
		assert_int_equal(sampler_count(s), 4);
		const struct sampler_container *c = sampler_find(s, "/hutch/ctr");
		assert_int_equal(c->stats.memory_usage_bytes, 52428800);
		assert_int_equal(c->stats.memory_limit_bytes, 1073741824);
		assert_int_equal(c->processes, 0);
		c = sampler_find(s, "/hutch/idle");
		assert_true(hutch_known(c->stats.cpu_usage_ns));
	}
	sampler_free(s);
	cgroup_layout_free(l);
}

static void test_appear_vanish(void **state)
{
	char *tree;
	struct cgroup_layout *l = fixture_copy_layout("v2", &tree);
	assert_non_null(l);
	struct sampler_options o = opts_all(true);
	struct sampler *s = sampler_counting(l, &o, 2);

	assert_true(
		fixture_sh("cp -a %s/sys/fs/cgroup/hutch/ctr %s/sys/fs/cgroup/hutch/new && rm -rf "
			   "%s/sys/fs/cgroup/hutch/idle",
			   tree, tree, tree));
	assert_int_equal(sampler_refresh(s), 0);
	assert_int_equal(sampler_count(s), 2);
	assert_non_null(sampler_find(s, "/hutch/new"));
	assert_null(sampler_find(s, "/hutch/idle"));
	assert_int_equal(sampler_find(s, "/hutch/new")->stats.memory_usage_bytes, 52428800);

	/* With a long discovery interval, the watches (inotify) still show a new cgroup at
	 * the next refresh, and a removed one goes. */
	sampler_free(s);
	o.discovery_refresh_ns = 3600ull * 1000000000ull;
	assert_int_equal(sampler_new(l, &o, &s), 0);
	assert_int_equal(sampler_refresh(s), 0);
	assert_true(fixture_sh("cp -a %s/sys/fs/cgroup/hutch/ctr %s/sys/fs/cgroup/hutch/later",
			       tree, tree));
	assert_int_equal(sampler_refresh(s), 0);
	assert_non_null(sampler_find(s, "/hutch/later"));
	assert_int_equal(sampler_find(s, "/hutch/later")->stats.memory_usage_bytes, 52428800);
	assert_true(fixture_sh("rm -rf %s/sys/fs/cgroup/hutch/later", tree));
	assert_int_equal(sampler_refresh(s), 0);
	assert_null(sampler_find(s, "/hutch/later"));
	sampler_invalidate(s);
	assert_int_equal(sampler_refresh(s), 0);
	assert_int_equal(sampler_count(s), 2);
	sampler_free(s);
	cgroup_layout_free(l);
	fixture_rmtree(tree);
}

/* Every cgroup (not only containers): discovery stats known directories and lists
 * only those whose subdirectory count changed. */
static void test_incremental_discovery(void **state)
{
	char *tree;
	struct cgroup_layout *l = fixture_copy_layout("v2", &tree);
	assert_non_null(l);
	struct sampler_options o = opts_all(false);
	struct sampler *s = sampler_counting(l, &o, 4);
	/* A new subtree two levels deep, and a new top-level cgroup. */
	assert_true(fixture_sh(
		"cp -a %s/sys/fs/cgroup/hutch/ctr %s/sys/fs/cgroup/hutch/idle/a && cp -a "
		"%s/sys/fs/cgroup/hutch/ctr %s/sys/fs/cgroup/hutch/idle/a/b && cp -a "
		"%s/sys/fs/cgroup/hutch/ctr %s/sys/fs/cgroup/top",
		tree, tree, tree, tree, tree, tree));
	assert_int_equal(sampler_refresh(s), 0);
	assert_int_equal(sampler_count(s), 7);
	assert_non_null(sampler_find(s, "/hutch/idle/a/b"));
	assert_non_null(sampler_find(s, "/top"));
	assert_int_equal(sampler_find(s, "/hutch/idle/a/b")->stats.memory_usage_bytes, 52428800);
	/* One removed and one added in the same parent: the count is unchanged, the
	 * removed one is dropped at once and the new one found by the next refresh. */
	assert_true(fixture_sh(
		"rm -rf %s/sys/fs/cgroup/hutch/idle/a/b && cp -a %s/sys/fs/cgroup/hutch/ctr "
		"%s/sys/fs/cgroup/hutch/idle/a/c",
		tree, tree, tree));
	assert_int_equal(sampler_refresh(s), 0);
	assert_null(sampler_find(s, "/hutch/idle/a/b"));
	assert_int_equal(sampler_refresh(s), 0);
	assert_non_null(sampler_find(s, "/hutch/idle/a/c"));
	assert_int_equal(sampler_count(s), 7);
	/* A removed subtree goes with its parent. */
	assert_true(fixture_sh("rm -rf %s/sys/fs/cgroup/hutch/idle/a", tree));
	assert_int_equal(sampler_refresh(s), 0);
	assert_int_equal(sampler_count(s), 5);
	assert_null(sampler_find(s, "/hutch/idle/a/c"));
	sampler_free(s);
	cgroup_layout_free(l);
	fixture_rmtree(tree);
}

/* Device names stay valid while more are looked up (encoders hold them for a scrape). */
static void test_device_names(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v2");
	struct sampler *s;
	assert_int_equal(sampler_new(l, NULL, &s), 0);
	const char *first = sampler_device_name(s, 4095, 4095);
	assert_string_equal(first, "4095:4095");
	for (unsigned i = 0; i < 100; i++)
		sampler_device_name(s, 4000, i);
	assert_string_equal(first, "4095:4095");
	assert_ptr_equal(sampler_device_name(s, 4095, 4095), first);
	/* A device the host has: /sys/dev/block names it. */
	struct stat st;
	if (stat("/sys/dev/block/7:0", &st) == 0)
		assert_string_equal(sampler_device_name(s, 7, 0), "/dev/loop0");
	sampler_free(s);
	cgroup_layout_free(l);
}

static void test_machine_and_process(void **state)
{
	struct sampler_machine m;
	assert_int_equal(sampler_read_machine(&m), 0);
	assert_true(m.cpu_cores >= 1 && m.cpu_cores < 100000);
	assert_true(m.memory_bytes > 16u << 20);
	struct sampler_process p;
	assert_int_equal(sampler_read_process(0, &p), 0);
	assert_true(p.resident_bytes > 0);
	assert_true(p.virtual_bytes >= p.resident_bytes);
	assert_true(p.open_fds >= 3);
	assert_true(p.max_fds >= p.open_fds);
	assert_true(p.start_time_s > 1.6e9);
	assert_true(p.cpu_seconds >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_tree),	      cmocka_unit_test(test_hybrid_tree),
		cmocka_unit_test(test_spec_options),  cmocka_unit_test(test_handle_budget),
		cmocka_unit_test(test_appear_vanish), cmocka_unit_test(test_incremental_discovery),
		cmocka_unit_test(test_device_names),  cmocka_unit_test(test_machine_and_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
