/* SPDX-License-Identifier: MIT */
/*
 * fsd's state modules against the real kernel: the reader → container table
 * (fsd/container.c), the snapshot cache (fsd/snapshot.c) and the load-average
 * sampler (fsd/load_sampler.c). Containers are made here: a process that is
 * pid 1 of a new pid namespace, in a cgroup of its own with a memory limit.
 * Needs root (pid namespaces, cgroups): skipped otherwise.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hutch/cgroup.h"
#include "state.h"

struct ctr_proc {
	pid_t pid; /* host pid of the namespace's init */
	struct cgroup *cg;
};

static const struct cgroup_layout *layout;
/* Every container started, stopped by the teardown even when an assertion failed. */
static struct ctr_proc *started[4];

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * A container: pid 1 of a new pid namespace, moved into a new cgroup limited
 * to mem_mib before it runs (it waits on a pipe), then sleeping or spinning.
 */
static int ctr_start(const char *name, unsigned mem_mib, bool spin, struct ctr_proc *ret)
{
	char path[128];
	snprintf(path, sizeof(path), "/hutch-unit-fsd-state-%d-%s", (int)getpid(), name);
	struct hutch_error err = {0};
	struct cgroup *cg = NULL;
	if (cgroup_create(layout, path, &cg, &err) < 0) {
		print_message("%s\n", err.msg);
		return -1;
	}
	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = (uint64_t)mem_mib << 20;
	int go[2];
	if (cgroup_set_limits(cg, &lim, &err) < 0 || pipe(go) < 0) {
		cgroup_destroy(cg, &err);
		cgroup_close(cg);
		return -1;
	}
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (;;)
			if (!spin)
				pause();
	}
	close(go[0]);
	if (pid < 0 || cgroup_attach(cg, pid, &err) < 0 || write(go[1], "g", 1) != 1) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		close(go[1]);
		cgroup_destroy(cg, &err);
		cgroup_close(cg);
		return -1;
	}
	close(go[1]);
	ret->pid = pid;
	ret->cg = cg;
	for (size_t i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (!started[i]) {
			started[i] = ret;
			break;
		}
	return 0;
}

static void ctr_stop(struct ctr_proc *c)
{
	struct hutch_error err = {0};
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
	if (c->cg) {
		cgroup_destroy(c->cg, &err);
		cgroup_close(c->cg);
		c->cg = NULL;
	}
}

static int teardown(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (started[i]) {
			ctr_stop(started[i]);
			started[i] = NULL;
		}
	return 0;
}

static struct fsd_state *state_new(uint64_t sample_ms, uint64_t expiry_ms)
{
	struct fsd_state_options o = {
		.cfs = true,
		.sample_interval_ns = sample_ms * 1000000ull,
		.idle_expiry_ns = expiry_ms * 1000000ull,
	};
	struct fsd_state *s = NULL;
	assert_int_equal(fsd_state_new(&o, &s), 0);
	return s;
}

/* The value of a "Key:   N kB" line of a meminfo snapshot. */
static unsigned long long meminfo_kb(const struct fsd_snap *snap, const char *key)
{
	const char *p = strstr(snap->data, key);
	assert_non_null(p);
	return strtoull(p + strlen(key) + 1, NULL, 10);
}

static unsigned long long host_memtotal_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	assert_non_null(f);
	assert_int_equal(fscanf(f, "MemTotal: %llu kB", &kb), 1);
	fclose(f);
	return kb;
}

/* A reader in the daemon's own pid namespace gets the host's file, cached. */
static void test_host_reader(void **unused)
{
	(void)unused;
	struct fsd_state *s = state_new(0, 0);
	struct fsd_snap *a = NULL, *b = NULL, *c = NULL;
	assert_int_equal(fsd_state_open(s, getpid(), FSD_MEMINFO, 0, &a), 0);
	assert_int_equal(strncmp(a->data, "MemTotal:", 9), 0);
	assert_int_equal(meminfo_kb(a, "MemTotal:"), host_memtotal_kb());
	/* Within the cache interval: the same snapshot, no second read. */
	assert_int_equal(fsd_state_open(s, getpid(), FSD_MEMINFO, 0, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(fsd_state_open_cached(s, getpid(), FSD_MEMINFO, 0, &c), 1);
	assert_ptr_equal(a, c);
	struct fsd_state_counters n;
	fsd_state_counters(s, &n);
	assert_int_equal(n.host_reads, 1);
	assert_int_equal(n.containers, 0);
	/* Older than asked: read again. */
	sleep_ms(2);
	struct fsd_snap *d = NULL;
	assert_int_equal(fsd_state_open(s, getpid(), FSD_MEMINFO, 1000000, &d), 0);
	assert_ptr_not_equal(a, d);
	fsd_state_counters(s, &n);
	assert_int_equal(n.host_reads, 2);
	fsd_snap_unref(a);
	fsd_snap_unref(b);
	fsd_snap_unref(c);
	fsd_snap_unref(d);
	fsd_state_free(s);
}

/* A reader that is gone (a reaped pid) gets -ESRCH, not someone else's file. */
static void test_gone_reader(void **unused)
{
	(void)unused;
	struct fsd_state *s = state_new(0, 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	waitpid(pid, NULL, 0);
	struct fsd_snap *snap = NULL;
	assert_int_equal(fsd_state_open(s, pid, FSD_MEMINFO, 0, &snap), -ESRCH);
	assert_int_equal(fsd_state_open(s, 0, FSD_MEMINFO, 0, &snap), -ESRCH);
	assert_int_equal(fsd_state_open(s, getpid(), FSD_FILE_COUNT, 0, &snap), -EINVAL);
	fsd_state_free(s);
}

/*
 * A container's reader sees its limit; the container is resolved once and
 * then found by its namespace. When it dies, a new container (whose pid
 * namespace may well get the dead one's inode) never gets the dead one's
 * entry: its own limit shows.
 */
static void test_container_lifecycle(void **unused)
{
	(void)unused;
	static struct ctr_proc a, b;
	if (ctr_start("a", 64, false, &a) < 0)
		skip();
	struct fsd_state *s = state_new(0, 0);
	struct fsd_snap *snap = NULL;
	assert_int_equal(fsd_state_open(s, a.pid, FSD_MEMINFO, 0, &snap), 0);
	assert_int_equal(meminfo_kb(snap, "MemTotal:"), 64 * 1024);
	fsd_snap_unref(snap);
	assert_int_equal(fsd_state_open(s, a.pid, FSD_MEMINFO, 0, &snap), 0);
	fsd_snap_unref(snap);
	struct fsd_state_counters n;
	fsd_state_counters(s, &n);
	assert_int_equal(n.containers, 1);
	assert_int_equal(n.resolves, 1);
	assert_int_equal(n.lookups, 2);
	/* The fast path: the fresh snapshot of a known container. */
	assert_int_equal(fsd_state_open_cached(s, a.pid, FSD_MEMINFO, 0, &snap), 1);
	assert_int_equal(meminfo_kb(snap, "MemTotal:"), 64 * 1024);
	fsd_snap_unref(snap);
	/* A file not cached yet: the slow path is needed. */
	assert_int_equal(fsd_state_open_cached(s, a.pid, FSD_SWAPS, 0, &snap), 0);

	ctr_stop(&a);
	assert_int_equal(fsd_state_open(s, a.pid, FSD_MEMINFO, 0, &snap), -ESRCH);
	if (ctr_start("b", 32, false, &b) < 0) {
		fsd_state_free(s);
		fail_msg("second container");
	}
	assert_int_equal(fsd_state_open(s, b.pid, FSD_MEMINFO, 0, &snap), 0);
	assert_int_equal(meminfo_kb(snap, "MemTotal:"), 32 * 1024);
	fsd_snap_unref(snap);
	fsd_state_counters(s, &n);
	assert_int_equal(n.resolves, 2);
	fsd_state_free(s);
	ctr_stop(&b);
}

/*
 * The sampler counts a spinning container's one task as running and decays
 * it into a load above 0; a container nobody reads is forgotten.
 */
static void test_sampler(void **unused)
{
	(void)unused;
	static struct ctr_proc a;
	if (ctr_start("spin", 64, true, &a) < 0)
		skip();
	struct fsd_state *s = state_new(20, 400);
	assert_int_equal(fsd_state_start_sampler(s), 0);
	struct fsd_snap *snap = NULL;
	assert_int_equal(fsd_state_open(s, a.pid, FSD_LOADAVG, 0, &snap), 0);
	fsd_snap_unref(snap);
	double load1 = 0;
	unsigned long long running = 0, total = 0, last = 0;
	for (int i = 0; i < 100 && load1 <= 0; i++) {
		sleep_ms(20);
		assert_int_equal(fsd_state_open(s, a.pid, FSD_LOADAVG, 1, &snap), 0);
		assert_int_equal(sscanf(snap->data, "%lf %*f %*f %llu/%llu %llu", &load1, &running,
					&total, &last),
				 4);
		fsd_snap_unref(snap);
	}
	assert_true(load1 > 0);
	assert_int_equal(total, 1);
	assert_int_equal(last, 1); /* the init is pid 1 in its namespace */
	/* Unread for longer than the expiry: forgotten by the sampler. */
	struct fsd_state_counters n;
	fsd_state_counters(s, &n);
	assert_int_equal(n.containers, 1);
	for (int i = 0; i < 100 && n.containers; i++) {
		sleep_ms(20);
		fsd_state_counters(s, &n);
	}
	assert_int_equal(n.containers, 0);
	fsd_state_free(s);
	ctr_stop(&a);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP: needs root (pid namespaces, cgroups)\n");
		return 77;
	}
	if (cgroup_layout_detect(&layout) < 0) {
		printf("SKIP: no cgroup layout\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_host_reader, teardown),
		cmocka_unit_test_teardown(test_gone_reader, teardown),
		cmocka_unit_test_teardown(test_container_lifecycle, teardown),
		cmocka_unit_test_teardown(test_sampler, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
