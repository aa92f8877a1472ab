/* SPDX-License-Identifier: MIT */
/*
 * cgroup_read_stats through both backends against the fixture trees: the
 * v1 and hybrid trees captured on a real host, the v2 tree written from the
 * kernel's cgroup-v2 documentation. Every value is the one in the files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup_fixture.h"

#define FIXTURE_CG "/hutch-test-fixture/ctr"

static uint64_t ticks_ns(uint64_t ticks)
{
	return ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

/* Opens path in l and reads mask into *st, which close_read frees with the handle. */
static struct cgroup *open_read(const struct cgroup_layout *l, const char *path, unsigned mask,
				struct cgroup_stats *st)
{
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open(l, path, &cg), 0);
	cgroup_stats_init(st);
	assert_int_equal(cgroup_read_stats(cg, mask, st), 0);
	return cg;
}

static void close_read(struct cgroup *cg, struct cgroup_stats *st)
{
	cgroup_stats_free(st);
	cgroup_close(cg);
}

/* What the captured v1 memory, cpu, cpuset, pids and blkio files say about ctr. */
static void check_captured_v1(const struct cgroup_stats *st)
{
	assert_int_equal(st->memory_usage_bytes, 50831360);
	assert_int_equal(st->memory_max_usage_bytes, 52092928);
	assert_int_equal(st->memory_limit_bytes, 1073741824);
	/* The parent's 512 MiB binds: min over ancestors. */
	assert_int_equal(st->memory_effective_limit_bytes, 536870912);
	assert_int_equal(st->memory_reservation_bytes, 268435456);
	/* memsw usage equals usage: no swap; memsw limit unlimited. */
	assert_int_equal(st->swap_usage_bytes, 0);
	assert_true(st->swap_limit_bytes == HUTCH_UNLIMITED);
	/* The hierarchical total_* lines. */
	assert_int_equal(st->memory_cache_bytes, 16384);
	assert_int_equal(st->memory_rss_bytes, 50532352);
	assert_int_equal(st->memory_shmem_bytes, 0);
	assert_int_equal(st->memory_mapped_file_bytes, 0);
	assert_int_equal(st->memory_active_anon_bytes, 4096);
	assert_int_equal(st->memory_inactive_anon_bytes, 50528256);
	assert_int_equal(st->memory_active_file_bytes, 4096);
	assert_int_equal(st->memory_inactive_file_bytes, 12288);
	assert_int_equal(st->memory_working_set_bytes, 50831360 - 12288);
	assert_int_equal(st->memory_failcnt, 0);
	assert_int_equal(st->memory_oom_events, 0);
	assert_int_equal(st->memory_oom_kill_events, 0);
	assert_int_equal(st->memory_pgfault, 25592);
	assert_int_equal(st->memory_pgmajfault, 1);
	/* v1's memory.stat has no slab lines. */
	assert_false(hutch_known(st->memory_slab_reclaimable_bytes));
	assert_false(hutch_known(st->memory_slab_unreclaimable_bytes));

	assert_int_equal(st->cpu_usage_ns, 1211033688);
	assert_int_equal(st->n_percpu, 2);
	assert_int_equal(st->percpu_usage_ns[0], 1211033688);
	assert_int_equal(st->percpu_usage_ns[1], 0);
	assert_int_equal(st->cpu_user_ns, ticks_ns(76));
	assert_int_equal(st->cpu_system_ns, ticks_ns(44));
	assert_int_equal(st->cpu_nr_periods, 26);
	assert_int_equal(st->cpu_nr_throttled, 23);
	assert_int_equal(st->cpu_throttled_ns, 1143434597);
	assert_int_equal(st->cpu_quota_us, 50000);
	assert_int_equal(st->cpu_period_us, 100000);
	assert_int_equal(st->cpu_shares, 512);
	assert_int_equal(st->cpu_weight, 20);
	/* ctr's 0.5 CPU is below the parent's 1.5. */
	assert_int_equal(st->cpu_effective_limit_millicpus, 500);

	assert_string_equal(st->cpuset_cpus, "0");
	assert_string_equal(st->cpuset_mems, "0");
	assert_string_equal(st->cpuset_effective_cpus, "0");
	assert_string_equal(st->cpuset_effective_mems, "0");
	assert_int_equal(st->pids_current, 2);
	assert_int_equal(st->pids_max, 64);

	assert_int_equal(st->n_blkio, 1);
	assert_int_equal(st->blkio[0].major, 254);
	assert_int_equal(st->blkio[0].minor, 0);
	assert_int_equal(st->blkio[0].read_bytes, 12288);
	assert_int_equal(st->blkio[0].write_bytes, 4194304);
	assert_int_equal(st->blkio[0].read_ios, 2);
	assert_int_equal(st->blkio[0].write_ios, 4);
}

static void test_hybrid(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/hybrid");
	assert_non_null(l);
	assert_int_equal(l->kind, CGROUP_LAYOUT_HYBRID);
	struct cgroup_stats st;
	struct cgroup *cg = open_read(l, FIXTURE_CG, CGROUP_STATS_ALL, &st);
	assert_string_equal(cgroup_path(cg), FIXTURE_CG);
	check_captured_v1(&st);
	/* PSI comes from the unified hierarchy. */
	assert_true(st.has_psi);
	assert_float_equal(st.psi_cpu.some_avg10, 6.44, 1e-9);
	assert_int_equal(st.psi_cpu.some_total_us, 1313765);
	assert_int_equal(st.psi_cpu.full_total_us, 1144179);
	assert_int_equal(st.psi_memory.some_total_us, 0);
	assert_int_equal(st.psi_io.some_total_us, 2036);
	assert_int_equal(st.psi_io.full_total_us, 1563);

	/* A second read through the same open files gives the same numbers, not stale arrays. */
	assert_int_equal(cgroup_read_stats(cg, CGROUP_STATS_ALL, &st), 0);
	check_captured_v1(&st);

	char dir[4096];
	assert_int_equal(cgroup_controller_dir(cg, CGROUP_MEMORY, dir, sizeof(dir)), 0);
	assert_string_equal(dir, CG_FIXTURES "/hybrid/sys/fs/cgroup/memory" FIXTURE_CG);
	assert_int_equal(cgroup_unified_dir(cg, dir, sizeof(dir)), 0);
	assert_string_equal(dir, CG_FIXTURES "/hybrid/sys/fs/cgroup/unified" FIXTURE_CG);
	close_read(cg, &st);
	cgroup_layout_free(l);
}

static void test_v1_comounted(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v1");
	assert_non_null(l);
	assert_int_equal(l->kind, CGROUP_LAYOUT_V1);
	assert_int_equal(l->by_controller[CGROUP_CPU], l->by_controller[CGROUP_CPUACCT]);
	struct cgroup_stats st;
	struct cgroup *cg = open_read(l, FIXTURE_CG, CGROUP_STATS_ALL, &st);
	check_captured_v1(&st);
	/* No cgroup2 mount: no pressure files. */
	assert_false(st.has_psi);
	assert_true(st.psi_cpu.some_total_us == HUTCH_UNKNOWN);
	char dir[4096];
	assert_int_equal(cgroup_unified_dir(cg, dir, sizeof(dir)), -ENOENT);
	close_read(cg, &st);
	cgroup_layout_free(l);
}

static void test_v1_parent_and_root(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v1");
	assert_non_null(l);
	struct cgroup_stats st;
	struct cgroup *cg = open_read(l, "/hutch-test-fixture", CGROUP_STATS_SPEC, &st);
	assert_int_equal(st.memory_limit_bytes, 536870912);
	assert_int_equal(st.memory_effective_limit_bytes, 536870912);
	/* memsw 512 MiB - memory 512 MiB: no swap allowed. */
	assert_int_equal(st.swap_limit_bytes, 0);
	assert_int_equal(st.cpu_quota_us, 150000);
	assert_int_equal(st.cpu_effective_limit_millicpus, 1500);
	/* Only SPEC was asked for: usage stays unknown. */
	assert_true(st.memory_usage_bytes == HUTCH_UNKNOWN);
	close_read(cg, &st);

	cg = open_read(l, "/", CGROUP_STATS_ALL, &st);
	assert_true(st.memory_limit_bytes == HUTCH_UNLIMITED);
	assert_true(st.memory_effective_limit_bytes == HUTCH_UNLIMITED);
	assert_true(st.cpu_quota_us == HUTCH_UNLIMITED);
	assert_true(st.cpu_effective_limit_millicpus == HUTCH_UNLIMITED);
	/* The root has no pids.current or pids.max: unknown, not 0. */
	assert_true(st.pids_current == HUTCH_UNKNOWN);
	assert_true(st.pids_max == HUTCH_UNKNOWN);
	close_read(cg, &st);

	assert_int_equal(cgroup_open(l, "/no-such-cgroup", &cg), -ENOENT);
	assert_int_equal(cgroup_open(l, "relative", &cg), -EINVAL);
	assert_int_equal(cgroup_open(l, "/a/../b", &cg), -EINVAL);
	cgroup_layout_free(l);
}

/* A process whose memory cgroup is ctr but whose cpu cgroup is the parent. */
static void test_open_from_pid_cgroup(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/hybrid");
	assert_non_null(l);
	struct procfs_pid_cgroup *pc = calloc(1, sizeof(*pc));
	assert_non_null(pc);
	static const struct {
		int id;
		const char *ctl, *path;
	} lines[] = {
		{9, "name=systemd", "/"},	   {8, "pids", FIXTURE_CG},
		{4, "memory", FIXTURE_CG},	   {2, "cpuacct", FIXTURE_CG},
		{1, "cpu", "/hutch-test-fixture"}, {0, "", FIXTURE_CG},
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		pc->entries[i].hierarchy_id = lines[i].id;
		snprintf(pc->entries[i].controllers, sizeof(pc->entries[i].controllers), "%s",
			 lines[i].ctl);
		snprintf(pc->entries[i].path, sizeof(pc->entries[i].path), "%s", lines[i].path);
	}
	pc->n_entries = ARRAY_SIZE(lines);
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open_from_pid_cgroup(l, pc, &cg), 0);
	free(pc);
	/* Named after the cpu hierarchy. */
	assert_string_equal(cgroup_path(cg), "/hutch-test-fixture");
	assert_string_equal(cgroup_controller_path(cg, CGROUP_MEMORY), FIXTURE_CG);
	/* blkio has no line: no path there, its values unknown. */
	assert_null(cgroup_controller_path(cg, CGROUP_BLKIO));
	struct cgroup_stats st;
	cgroup_stats_init(&st);
	assert_int_equal(cgroup_read_stats(cg, CGROUP_STATS_ALL, &st), 0);
	assert_int_equal(st.memory_usage_bytes, 50831360);
	assert_int_equal(st.memory_effective_limit_bytes, 536870912);
	assert_int_equal(st.cpu_quota_us, 150000);
	assert_int_equal(st.cpu_effective_limit_millicpus, 1500);
	assert_int_equal(st.cpu_usage_ns, 1211033688);
	assert_int_equal(st.n_blkio, 0);
	assert_true(st.pids_current == 2);
	close_read(cg, &st);
	cgroup_layout_free(l);
}

static void test_v2(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v2");
	assert_non_null(l);
	assert_int_equal(l->kind, CGROUP_LAYOUT_V2);
	assert_int_equal(l->by_controller[CGROUP_MEMORY], l->unified);
	assert_int_equal(l->by_controller[CGROUP_BLKIO], l->unified);
	assert_int_equal(l->by_controller[CGROUP_DEVICES], -1);
	struct cgroup_stats st;
	struct cgroup *cg = open_read(l, "/hutch/ctr", CGROUP_STATS_ALL, &st);
	assert_string_equal(cgroup_path(cg), "/hutch/ctr");
	assert_int_equal(st.memory_usage_bytes, 52428800);
	assert_int_equal(st.memory_max_usage_bytes, 62914560);
	assert_int_equal(st.memory_limit_bytes, 1073741824);
	assert_int_equal(st.memory_effective_limit_bytes, 536870912);
	assert_int_equal(st.memory_reservation_bytes, 268435456);
	assert_int_equal(st.swap_usage_bytes, 1048576);
	assert_int_equal(st.swap_limit_bytes, 536870912);
	assert_int_equal(st.memory_cache_bytes, 10485760);
	assert_int_equal(st.memory_rss_bytes, 41943040);
	assert_int_equal(st.memory_shmem_bytes, 4096);
	assert_int_equal(st.memory_mapped_file_bytes, 2097152);
	assert_int_equal(st.memory_active_anon_bytes, 942080);
	assert_int_equal(st.memory_inactive_anon_bytes, 41000960);
	assert_int_equal(st.memory_active_file_bytes, 2097152);
	assert_int_equal(st.memory_inactive_file_bytes, 8388608);
	assert_int_equal(st.memory_working_set_bytes, 52428800 - 8388608);
	assert_int_equal(st.memory_failcnt, 3);
	assert_int_equal(st.memory_oom_events, 2);
	assert_int_equal(st.memory_oom_kill_events, 1);
	assert_int_equal(st.memory_pgfault, 12345);
	assert_int_equal(st.memory_pgmajfault, 7);
	assert_int_equal(st.memory_slab_reclaimable_bytes, 524288);
	assert_int_equal(st.memory_slab_unreclaimable_bytes, 262144);

	assert_int_equal(st.cpu_usage_ns, 2500000000ull);
	assert_int_equal(st.cpu_user_ns, 2000000000ull);
	assert_int_equal(st.cpu_system_ns, 500000000ull);
	assert_int_equal(st.n_percpu, 0);
	assert_null(st.percpu_usage_ns);
	assert_int_equal(st.cpu_nr_periods, 40);
	assert_int_equal(st.cpu_nr_throttled, 12);
	assert_int_equal(st.cpu_throttled_ns, 600000000ull);
	assert_int_equal(st.cpu_quota_us, 50000);
	assert_int_equal(st.cpu_period_us, 100000);
	assert_int_equal(st.cpu_weight, 39);
	assert_int_equal(st.cpu_shares, 999);
	assert_int_equal(st.cpu_effective_limit_millicpus, 500);

	assert_string_equal(st.cpuset_cpus, "0-1");
	assert_string_equal(st.cpuset_mems, "0");
	assert_string_equal(st.cpuset_effective_cpus, "0-1");
	assert_string_equal(st.cpuset_effective_mems, "0");
	assert_int_equal(st.pids_current, 3);
	assert_int_equal(st.pids_max, 64);

	assert_int_equal(st.n_blkio, 2);
	assert_int_equal(st.blkio[0].major, 8);
	assert_int_equal(st.blkio[0].minor, 16);
	assert_int_equal(st.blkio[0].read_bytes, 1459200);
	assert_int_equal(st.blkio[0].write_bytes, 314773504);
	assert_int_equal(st.blkio[0].read_ios, 192);
	assert_int_equal(st.blkio[0].write_ios, 353);
	assert_int_equal(st.blkio[1].minor, 0);
	assert_int_equal(st.blkio[1].read_bytes, 90430464);
	assert_int_equal(st.blkio[1].write_ios, 1252);

	assert_true(st.has_psi);
	assert_float_equal(st.psi_cpu.some_avg60, 1.87, 1e-9);
	assert_int_equal(st.psi_cpu.full_total_us, 1144179);
	assert_int_equal(st.psi_memory.some_total_us, 16521);
	assert_float_equal(st.psi_io.some_avg10, 0.12, 1e-9);
	close_read(cg, &st);

	/* A cgroup with no limits of its own: the parent's bind. */
	cg = open_read(l, "/hutch/idle", CGROUP_STATS_ALL, &st);
	assert_true(st.memory_limit_bytes == HUTCH_UNLIMITED);
	assert_int_equal(st.memory_effective_limit_bytes, 536870912);
	assert_true(st.swap_limit_bytes == HUTCH_UNLIMITED);
	assert_true(st.cpu_quota_us == HUTCH_UNLIMITED);
	assert_int_equal(st.cpu_period_us, 100000);
	assert_int_equal(st.cpu_effective_limit_millicpus, 1500);
	assert_int_equal(st.memory_working_set_bytes, 0);
	assert_true(st.pids_max == HUTCH_UNLIMITED);
	/* Files the fixture does not have are unknown. */
	assert_true(st.memory_max_usage_bytes == 0);
	assert_string_equal(st.cpuset_cpus, "");
	assert_int_equal(st.n_blkio, 0);
	assert_false(st.psi_memory.some_total_us != HUTCH_UNKNOWN);
	close_read(cg, &st);
	cgroup_layout_free(l);
}

/* The walk visits parents before children and every cgroup once. */
struct walk_seen {
	char paths[16][256];
	size_t n;
};

static int walk_cb(const char *path, void *u)
{
	struct walk_seen *w = u;
	if (w->n < 16)
		snprintf(w->paths[w->n++], sizeof(w->paths[0]), "%s", path);
	return 0;
}

static int walk_stop(const char *path, void *u)
{
	return strcmp(path, "/hutch") == 0 ? 42 : 0;
}

static size_t index_of(const struct walk_seen *w, const char *p)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->paths[i], p) == 0)
			return i;
	return SIZE_MAX;
}

static void test_walk(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v2");
	assert_non_null(l);
	struct walk_seen w = {0};
	assert_int_equal(cgroup_walk(l, "/", walk_cb, &w), 0);
	assert_int_equal(w.n, 4);
	assert_int_equal(index_of(&w, "/"), 0);
	assert_true(index_of(&w, "/hutch") < index_of(&w, "/hutch/ctr"));
	assert_true(index_of(&w, "/hutch") < index_of(&w, "/hutch/idle"));
	assert_true(index_of(&w, "/hutch/idle") != SIZE_MAX);
	assert_int_equal(cgroup_walk(l, "/", walk_stop, NULL), 42);
	memset(&w, 0, sizeof(w));
	assert_int_equal(cgroup_walk(l, "/hutch", walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(cgroup_walk(l, "/nope", walk_cb, &w), -ENOENT);
	cgroup_layout_free(l);

	/* On v1 the walk is over the cpu hierarchy. */
	l = fixture_layout(CG_FIXTURES "/hybrid");
	assert_non_null(l);
	memset(&w, 0, sizeof(w));
	assert_int_equal(cgroup_walk(l, "/", walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.paths[2], FIXTURE_CG);
	cgroup_layout_free(l);
}

/* A missing file is unknown; a removed cgroup is -ENOENT. */
static void test_missing_and_vanished(void **state)
{
	char *root = fixture_copy("hybrid");
	assert_non_null(root);
	char path[4096];
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/memory%s/memory.memsw.usage_in_bytes", root,
		 FIXTURE_CG);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/memory%s/memory.memsw.limit_in_bytes", root,
		 FIXTURE_CG);
	assert_int_equal(unlink(path), 0);
	struct cgroup_layout *l = fixture_layout(root);
	assert_non_null(l);
	struct cgroup_stats st;
	struct cgroup *cg = open_read(l, FIXTURE_CG, CGROUP_STATS_ALL, &st);
	/* Without memsw, swap comes from memory.stat's total_swap; its limit is unknown. */
	assert_int_equal(st.swap_usage_bytes, 0);
	assert_true(st.swap_limit_bytes == HUTCH_UNKNOWN);
	assert_int_equal(st.memory_usage_bytes, 50831360);
	close_read(cg, &st);

	/* Opened, then removed before its files were read. */
	assert_int_equal(cgroup_open(l, FIXTURE_CG, &cg), 0);
	assert_true(fixture_sh("rm -rf '%s/sys/fs/cgroup/cpu%s'", root, FIXTURE_CG));
	cgroup_stats_init(&st);
	assert_int_equal(cgroup_read_stats(cg, CGROUP_STATS_ALL, &st), -ENOENT);
	close_read(cg, &st);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

/* Kernels before use_hierarchy was forced write no total_* lines: the cgroup's own count. */
static void test_v1_memory_stat_own_lines(void **state)
{
	char *root = fixture_copy("hybrid");
	assert_non_null(root);
	char path[4096];
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/memory%s/memory.stat", root, FIXTURE_CG);
	assert_int_equal(hutch_write_new_file(path,
					      "cache 111\nrss 222\nshmem 3\nmapped_file 4\n"
					      "active_anon 5\ninactive_anon 6\nactive_file 7\n"
					      "inactive_file 8\npgfault 9\npgmajfault 10\nswap 11\n"
					      "total_rss 50532352\n"),
			 0);
	struct cgroup_layout *l = fixture_layout(root);
	assert_non_null(l);
	struct cgroup_stats st;
	struct cgroup *cg = open_read(l, FIXTURE_CG, CGROUP_STATS_ALL, &st);
	assert_int_equal(st.memory_cache_bytes, 111);
	assert_int_equal(st.memory_rss_bytes, 50532352); /* a total_ line, when there, wins */
	assert_int_equal(st.memory_shmem_bytes, 3);
	assert_int_equal(st.memory_mapped_file_bytes, 4);
	assert_int_equal(st.memory_active_anon_bytes, 5);
	assert_int_equal(st.memory_inactive_anon_bytes, 6);
	assert_int_equal(st.memory_active_file_bytes, 7);
	assert_int_equal(st.memory_inactive_file_bytes, 8);
	assert_int_equal(st.memory_pgfault, 9);
	assert_int_equal(st.memory_pgmajfault, 10);
	/* v1 has no slab lines hutch reads. */
	assert_false(hutch_known(st.memory_slab_reclaimable_bytes));
	close_read(cg, &st);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid),
		cmocka_unit_test(test_v1_comounted),
		cmocka_unit_test(test_v1_memory_stat_own_lines),
		cmocka_unit_test(test_v1_parent_and_root),
		cmocka_unit_test(test_open_from_pid_cgroup),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_missing_and_vanished),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
