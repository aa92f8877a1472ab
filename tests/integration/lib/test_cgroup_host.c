/* SPDX-License-Identifier: MIT */
/*
 * libhutch's cgroup layer against the real host: create a cgroup in every
 * hierarchy, write limits, put a process in it, make it use memory and CPU,
 * read the stats back, and remove it leaving nothing. A second cgroup with a
 * small memory limit gets a hog that the kernel OOM-kills. Needs root; skips
 * with a printed reason otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hutch/cgroup.h"

#define MiB (1024ull * 1024)

static const struct cgroup_layout *layout;

/* A child that waits for a byte on a pipe, then does its work, so it can be
 * moved into the cgroup before it starts. */
struct worker {
	pid_t pid;
	int go_fd;
};

static void touch_memory(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = 1;
}

/* Where the spin's sums go, so the compiler keeps the loop. */
static volatile uint64_t spin_sink;

static void spin_cpu_seconds(double seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	double start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, now = start;
	while (now - start < seconds) {
		for (int i = 0; i < 100000; i++)
			spin_sink += (uint64_t)i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	}
}

/* Starts a child that, once told to go, touches mem_bytes, spins cpu_s seconds of
 * CPU time, writes a byte to done_fd (if >= 0) and sleeps until killed. */
static struct worker worker_start(size_t mem_bytes, double cpu_s, int done_fd)
{
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		touch_memory(mem_bytes);
		spin_cpu_seconds(cpu_s);
		if (done_fd >= 0 && write(done_fd, "x", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(go[0]);
	return (struct worker){.pid = pid, .go_fd = go[1]};
}

static void worker_go(struct worker *w)
{
	assert_int_equal(write(w->go_fd, "g", 1), 1);
	close(w->go_fd);
	w->go_fd = -1;
}

static int worker_reap(pid_t pid)
{
	int status = 0;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static bool dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Every directory the cgroup has, one per hierarchy that holds a controller we use. */
static size_t cgroup_dirs(const struct cgroup *cg, char dirs[][4096], size_t max)
{
	static const enum cgroup_controller used[] = {CGROUP_CPU,    CGROUP_CPUACCT, CGROUP_CPUSET,
						      CGROUP_MEMORY, CGROUP_BLKIO,   CGROUP_PIDS};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]) && n < max; i++)
		if (cgroup_controller_dir(cg, used[i], dirs[n], sizeof(dirs[n])) == 0)
			n++;
	if (n < max && cgroup_unified_dir(cg, dirs[n], sizeof(dirs[n])) == 0)
		n++;
	return n;
}

static void test_layout_matches_mountinfo(void **state)
{
	assert_int_not_equal(layout->kind, CGROUP_LAYOUT_NONE);
	/* The memory and cpu controllers are somewhere on every layout we support. */
	assert_non_null(cgroup_layout_hierarchy(layout, CGROUP_MEMORY));
	assert_non_null(cgroup_layout_hierarchy(layout, CGROUP_CPU));
	print_message("layout: %s, %zu hierarchies\n", cgroup_layout_kind_name(layout->kind),
		      layout->n_hierarchies);
}

/* Creates /hutch-test-lib-KIND-PID (its path into path, 128 bytes), which the
 * teardown removes should the test fail. */
static struct cgroup *test_cgroup_create(const char *kind, char path[128], struct hutch_error *err)
{
	snprintf(path, 128, "/hutch-test-lib-%s-%d", kind, (int)getpid());
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_create(layout, path, &cg, err), 0);
	return cg;
}

static void test_limits_usage_and_removal(void **state)
{
	char path[128];
	struct hutch_error err = {0};
	struct cgroup *cg = test_cgroup_create("host", path, &err);

	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = 128 * MiB;
	/* A fifth of a CPU, and the most shares (weight 10000 on v2): however busy CPU 0
	 * is with other work, the worker pinned there gets more than a fifth of it in a
	 * period, so it runs into the quota and is throttled. */
	lim.cpu_quota_us = 20000;
	lim.cpu_period_us = 100000;
	lim.cpu_shares = 262144;
	lim.cpuset_cpus = "0";
	lim.cpuset_mems = "0";
	lim.pids_max = 50;
	int r = cgroup_set_limits(cg, &lim, &err);
	if (r < 0)
		print_error("set limits: %s\n", err.msg);
	assert_int_equal(r, 0);

	int done[2];
	assert_int_equal(pipe(done), 0);
	struct worker w = worker_start(48 * MiB, 0.2, done[1]);
	close(done[1]);
	assert_int_equal(cgroup_attach(cg, w.pid, &err), 0);
	worker_go(&w);
	char c;
	/* A fifth of a CPU of quota: 0.2 s of CPU takes at least a second of wall time. */
	assert_int_equal(read(done[0], &c, 1), 1);
	close(done[0]);

	struct cgroup_stats st;
	cgroup_stats_init(&st);
	assert_int_equal(cgroup_read_stats(cg, CGROUP_STATS_ALL, &st), 0);
	print_message("usage %" PRIu64 " B, limit %" PRIu64 " B, cpu %" PRIu64
		      " ns, throttled %" PRIu64 " periods, pids %" PRIu64 "\n",
		      st.memory_usage_bytes, st.memory_limit_bytes, st.cpu_usage_ns,
		      st.cpu_nr_throttled, st.pids_current);

	assert_true(st.memory_usage_bytes >= 40 * MiB && st.memory_usage_bytes <= 128 * MiB);
	assert_int_equal(st.memory_limit_bytes, 128 * MiB);
	assert_int_equal(st.memory_effective_limit_bytes, 128 * MiB);
	assert_true(st.memory_rss_bytes >= 40 * MiB);
	assert_true(st.memory_working_set_bytes <= st.memory_usage_bytes);
	assert_true(st.cpu_usage_ns >= 180000000ull && st.cpu_usage_ns < 5000000000ull);
	assert_true(st.cpu_user_ns + st.cpu_system_ns > 0);
	assert_int_equal(st.cpu_quota_us, 20000);
	assert_int_equal(st.cpu_period_us, 100000);
	assert_int_equal(st.cpu_shares, 262144);
	assert_int_equal(st.cpu_effective_limit_millicpus, 200);
	/* A busy task under a fifth of a CPU is throttled in most periods it runs in. */
	assert_true(hutch_known(st.cpu_nr_throttled) && st.cpu_nr_throttled > 0);
	assert_true(st.cpu_throttled_ns > 0);
	assert_string_equal(st.cpuset_cpus, "0");
	assert_int_equal(st.pids_current, 1);
	assert_int_equal(st.pids_max, 50);
	if (st.n_percpu > 0) {
		uint64_t sum = 0;
		for (size_t i = 0; i < st.n_percpu; i++)
			sum += st.percpu_usage_ns[i];
		/* Pinned to CPU 0: all of it there. */
		assert_true(st.percpu_usage_ns[0] * 10 >= sum * 9);
	}
	cgroup_stats_free(&st);

	pid_t *pids = NULL;
	size_t n = 0;
	assert_int_equal(cgroup_list_pids(cg, &pids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], w.pid);
	free(pids);

	uint64_t id = 0;
	assert_int_equal(cgroup_id(cg, CGROUP_CPU, &id), 0);
	assert_true(id > 0);

	char dirs[CGROUP_MAX_HIERARCHIES][4096];
	size_t nd = cgroup_dirs(cg, dirs, CGROUP_MAX_HIERARCHIES);
	assert_true(nd >= 2);
	for (size_t i = 0; i < nd; i++)
		assert_true(dir_exists(dirs[i]));
	if (layout->kind == CGROUP_LAYOUT_HYBRID) {
		char u[4096];
		assert_int_equal(cgroup_unified_dir(cg, u, sizeof(u)), 0);
		assert_true(dir_exists(u));
	}

	worker_reap(w.pid);
	r = cgroup_destroy(cg, &err);
	if (r < 0)
		print_error("destroy: %s\n", err.msg);
	assert_int_equal(r, 0);
	for (size_t i = 0; i < nd; i++) {
		if (dir_exists(dirs[i]))
			print_error("left behind: %s\n", dirs[i]);
		assert_false(dir_exists(dirs[i]));
	}
	cgroup_close(cg);

	/* Reading a removed cgroup is an error, not garbage. */
	assert_int_equal(cgroup_open(layout, path, &cg), -ENOENT);
}

static void test_oom_kill_counted(void **state)
{
	char path[128];
	struct hutch_error err = {0};
	struct cgroup *cg = test_cgroup_create("oom", path, &err);
	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = 16 * MiB;
	lim.memory_swap_bytes = 16 * MiB; /* no swap: the hog cannot escape to it */
	int r = cgroup_set_limits(cg, &lim, &err);
	if (r < 0) {
		/* Without swap accounting the memsw file is absent; the memory limit alone does it. */
		lim.memory_swap_bytes = HUTCH_UNKNOWN;
		hutch_error_clear(&err);
		r = cgroup_set_limits(cg, &lim, &err);
	}
	assert_int_equal(r, 0);

	struct worker w = worker_start(64 * MiB, 0, -1);
	assert_int_equal(cgroup_attach(cg, w.pid, &err), 0);
	worker_go(&w);
	int status = 0;
	while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR)
		;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	struct cgroup_stats st;
	cgroup_stats_init(&st);
	assert_int_equal(cgroup_read_stats(cg, CGROUP_STATS_MEMORY | CGROUP_STATS_SPEC, &st), 0);
	print_message("oom events %" PRIu64 ", oom kills %" PRIu64 ", failcnt %" PRIu64 "\n",
		      st.memory_oom_events, st.memory_oom_kill_events, st.memory_failcnt);
	assert_int_equal(st.memory_limit_bytes, 16 * MiB);
	assert_true(hutch_known(st.memory_oom_kill_events));
	assert_int_equal(st.memory_oom_kill_events, 1);
	/* failcnt is not asserted: with memory+swap capped at the same value the kernel
	 * charges memsw first, so v1 counts the failures in memory.memsw.failcnt. */
	cgroup_stats_free(&st);

	assert_int_equal(cgroup_destroy(cg, &err), 0);
	cgroup_close(cg);
}

/* Removes what a failed test left (an assertion leaves its test at once). */
static int remove_leftovers(void **state)
{
	static const char *const kinds[] = {"host", "oom"};
	for (size_t i = 0; i < 2; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/hutch-test-lib-%s-%d", kinds[i], (int)getpid());
		struct cgroup *cg = NULL;
		if (cgroup_open(layout, path, &cg) < 0)
			continue;
		cgroup_kill_all(cg, SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		struct hutch_error err = {0};
		if (cgroup_destroy(cg, &err) < 0)
			print_error("cleanup: %s\n", err.msg);
		cgroup_close(cg);
	}
	return 0;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP: creating cgroups needs root\n");
		return 77;
	}
	int r = cgroup_layout_detect(&layout);
	if (r < 0 || layout->kind == CGROUP_LAYOUT_NONE) {
		printf("SKIP: no cgroup filesystem mounted here\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_matches_mountinfo),
		cmocka_unit_test(test_limits_usage_and_removal),
		cmocka_unit_test(test_oom_kill_counted),
	};
	return cmocka_run_group_tests(tests, NULL, remove_leftovers);
}
