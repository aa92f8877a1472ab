/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd's renderers: the host's /proc files of tests/fixtures/proc and
 * tests/fixtures/fsd, with the stats of the cgroup fixture trees (hybrid and
 * v1 captured on a real host, v2 from the kernel's documentation) read by
 * libhutch, turned into the text a container sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup_fixture.h"
#include "fsd.h"

#define PROC   HUTCH_FIXTURES "/proc/linux-6.18/"
#define FSDFIX HUTCH_FIXTURES "/fsd/"

struct fixture {
	struct cgroup_layout *layout;
	struct cgroup_stats st;
	struct fsd_view v;
};

__attribute__((noinline)) static char *load(const char *path, size_t *len)
{
	char *buf = NULL;
	assert_int_equal(hutch_read_file(path, 0, &buf, len), 0);
	return buf;
}

/* Stats of a fixture cgroup and a view of it on a 2-CPU host, CFS cut on. */
static void fixture_open(struct fixture *f, const char *tree, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->layout = fixture_layout(tree);
	assert_non_null(f->layout);
	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open(f->layout, path, &cg), 0);
	cgroup_stats_init(&f->st);
	assert_int_equal(cgroup_read_stats(cg, CGROUP_STATS_ALL, &f->st), 0);
	cgroup_close(cg);
	fsd_view_init(&f->v, &f->st);
	struct hutch_cpuset online;
	assert_int_equal(hutch_cpuset_parse("0-1", &online), 0);
	fsd_visible_cpus(&f->st, &online, true, &f->v.visible, &f->v.cpus_cut);
}

static void fixture_close(struct fixture *f)
{
	cgroup_stats_free(&f->st);
	cgroup_layout_free(f->layout);
}

static void open_hybrid(struct fixture *f)
{
	fixture_open(f, CG_FIXTURES "/hybrid", "/hutch-test-fixture/ctr");
}
static void open_v1(struct fixture *f)
{
	fixture_open(f, CG_FIXTURES "/v1", "/hutch-test-fixture/ctr");
}
static void open_v2(struct fixture *f)
{
	fixture_open(f, CG_FIXTURES "/v2", "/hutch/ctr");
}

/* Renders host file path for the view; returns the text (free it). */
static char *render(enum fsd_file file, const char *path, const struct fsd_view *v)
{
	size_t len = 0;
	char *host = path ? load(path, &len) : NULL;
	struct fsd_buf out = {0};
	assert_int_equal(fsd_render(file, host, len, v, &out), 0);
	free(host);
	assert_non_null(out.data);
	assert_int_equal(strlen(out.data), out.len);
	return out.data;
}

/* The value in kB of a meminfo line, -1 when absent. */
static long long meminfo_kb(const char *text, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\n%s:", key);
	const char *p = strncmp(text, pat + 1, strlen(pat + 1)) == 0 ? text - 1 : strstr(text, pat);
	if (!p)
		return -1;
	return atoll(p + strlen(pat));
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_meminfo_hybrid(void **state)
{
	struct fixture f;
	open_hybrid(&f);
	char *t = render(FSD_MEMINFO, PROC "meminfo", &f.v);
	/* The parent's 512 MiB binds; usage 50831360 of it. */
	assert_int_equal(meminfo_kb(t, "MemTotal"), 524288);
	assert_int_equal(meminfo_kb(t, "MemFree"), (536870912 - 50831360) / 1024);
	assert_int_equal(meminfo_kb(t, "MemAvailable"),
			 (536870912 - 50831360 + 4096 + 12288) / 1024);
	assert_int_equal(meminfo_kb(t, "Cached"), 16);
	assert_int_equal(meminfo_kb(t, "Buffers"), 0);
	assert_int_equal(meminfo_kb(t, "Active(anon)"), 4);
	assert_int_equal(meminfo_kb(t, "Inactive(anon)"), 50528256 / 1024);
	assert_int_equal(meminfo_kb(t, "Active"), 8);
	assert_int_equal(meminfo_kb(t, "AnonPages"), 50532352 / 1024);
	/* v1 prints no slab lines: memory.kmem.usage_in_bytes (204800), split as the host's
	 * Slab (116148 kB, 89568 kB reclaimable). */
	uint64_t sr = (uint64_t)(204800.0 * 89568 / 116148);
	assert_int_equal(meminfo_kb(t, "Slab"), 204800 / 1024);
	assert_int_equal(meminfo_kb(t, "SReclaimable"), sr / 1024);
	assert_int_equal(meminfo_kb(t, "SUnreclaim"), (204800 - sr) / 1024);
	assert_int_equal(meminfo_kb(t, "KReclaimable"), sr / 1024);
	/* No swap on the host: none for the container either. */
	assert_int_equal(meminfo_kb(t, "SwapTotal"), 0);
	assert_int_equal(meminfo_kb(t, "SwapFree"), 0);
	/* Every host line is there, in the kernel's layout; the rest copied. */
	size_t hl;
	char *host = load(PROC "meminfo", &hl);
	assert_int_equal(count_lines(t), count_lines(host));
	assert_non_null(strstr(t, "MemTotal:         524288 kB\n"));
	assert_non_null(strstr(t, "Inactive(anon):    49344 kB\n"));
	const char *hp = strstr(host, "HugePages_Total:");
	assert_non_null(hp);
	assert_non_null(strstr(t, "HugePages_Total:"));
	assert_memory_equal(strstr(t, "HugePages_Total:"), hp, strcspn(hp, "\n") + 1);
	/* The host's file parsed before (once for every container rendered): the same text. */
	struct fsd_host_meminfo mi;
	fsd_meminfo_host(host, hl, &mi);
	assert_int_equal(mi.parsed, 0);
	f.v.host_meminfo = &mi;
	struct fsd_buf out = {0};
	assert_int_equal(fsd_render(FSD_MEMINFO, host, hl, &f.v, &out), 0);
	assert_string_equal(out.data, t);
	fsd_buf_free(&out);
	free(host);
	free(t);
	fixture_close(&f);
}

/* fsd_buf_u64: printf's "%*llu". */
static void test_buf_u64(void **state)
{
	struct fsd_buf b = {0};
	fsd_buf_u64(&b, 0, 0);
	fsd_buf_u64(&b, 42, 8);
	fsd_buf_u64(&b, 123456789, 3);
	fsd_buf_u64(&b, UINT64_MAX, 0);
	assert_string_equal(b.data, "0      4212345678918446744073709551615");
	fsd_buf_free(&b);
}

static void test_meminfo_v2_swap(void **state)
{
	struct fixture f;
	open_v2(&f);
	char *t = render(FSD_MEMINFO, FSDFIX "meminfo-swap", &f.v);
	assert_int_equal(meminfo_kb(t, "MemTotal"), 524288);
	assert_int_equal(meminfo_kb(t, "MemFree"), (536870912 - 52428800) / 1024);
	assert_int_equal(meminfo_kb(t, "Cached"), 10240);
	assert_int_equal(meminfo_kb(t, "Shmem"), 4);
	assert_int_equal(meminfo_kb(t, "Mapped"), 2048);
	/* memory.stat's slab_reclaimable 524288, slab_unreclaimable 262144 */
	assert_int_equal(meminfo_kb(t, "Slab"), 768);
	assert_int_equal(meminfo_kb(t, "SReclaimable"), 512);
	assert_int_equal(meminfo_kb(t, "SUnreclaim"), 256);
	assert_int_equal(meminfo_kb(t, "KReclaimable"), 512);
	/* swap.max 512 MiB under the host's 1 GiB; 1 MiB used. */
	assert_int_equal(meminfo_kb(t, "SwapTotal"), 524288);
	assert_int_equal(meminfo_kb(t, "SwapFree"), 524288 - 1024);
	free(t);
	/* The host's swap binds when it is smaller than the limit. */
	f.st.swap_limit_bytes = 4ull << 30;
	t = render(FSD_MEMINFO, FSDFIX "meminfo-swap", &f.v);
	assert_int_equal(meminfo_kb(t, "SwapTotal"), 1048576);
	free(t);
	fixture_close(&f);
}

static void test_meminfo_limits(void **state)
{
	struct cgroup_stats st;
	cgroup_stats_init(&st);
	struct fsd_view v;
	fsd_view_init(&v, &st);
	size_t hl;
	char *host = load(PROC "meminfo", &hl);
	/* No memory controller: the host's file, byte for byte. */
	char *t = render(FSD_MEMINFO, PROC "meminfo", &v);
	assert_string_equal(t, host);
	free(t);
	/* No limit: the host's RAM as total, the container's use. */
	st.memory_usage_bytes = 100 << 20;
	st.memory_effective_limit_bytes = HUTCH_UNLIMITED;
	t = render(FSD_MEMINFO, PROC "meminfo", &v);
	assert_int_equal(meminfo_kb(t, "MemTotal"), 24683620);
	assert_int_equal(meminfo_kb(t, "MemFree"), 24683620 - 102400);
	free(t);
	/* A limit above the host's RAM is capped; usage above the limit reads as 0 free. */
	st.memory_effective_limit_bytes = 64ull << 40;
	st.memory_usage_bytes = 128ull << 40;
	t = render(FSD_MEMINFO, PROC "meminfo", &v);
	assert_int_equal(meminfo_kb(t, "MemTotal"), 24683620);
	assert_int_equal(meminfo_kb(t, "MemFree"), 0);
	assert_int_equal(meminfo_kb(t, "MemAvailable"), 0);
	free(t);
	free(host);
	/* Garbage from the host is an error, not a crash. */
	struct fsd_buf out = {0};
	assert_int_equal(fsd_render_meminfo("MemTotal 12 kB\n", 15, &v, &out), -EINVAL);
	fsd_buf_free(&out);
}

static void test_visible_cpus(void **state)
{
	struct cgroup_stats st;
	cgroup_stats_init(&st);
	struct hutch_cpuset online, vis;
	bool cut;
	assert_int_equal(hutch_cpuset_parse("0-7", &online), 0);
	char buf[64];

	/* Nothing known: every online CPU. */
	fsd_visible_cpus(&st, &online, true, &vis, &cut);
	hutch_cpuset_format(&vis, buf, sizeof(buf));
	assert_string_equal(buf, "0-7");
	assert_false(cut);

	/* cpuset 2-5 and 1.5 CPUs of quota: the first two of the set. */
	strcpy(st.cpuset_effective_cpus, "2-5");
	st.cpu_effective_limit_millicpus = 1500;
	fsd_visible_cpus(&st, &online, true, &vis, &cut);
	hutch_cpuset_format(&vis, buf, sizeof(buf));
	assert_string_equal(buf, "2-3");
	assert_true(cut);
	/* --no-cfs: the cpuset only. */
	fsd_visible_cpus(&st, &online, false, &vis, &cut);
	hutch_cpuset_format(&vis, buf, sizeof(buf));
	assert_string_equal(buf, "2-5");
	assert_false(cut);
	/* A quota above the cpuset does not cut; a tiny one still shows one CPU. */
	st.cpu_effective_limit_millicpus = 16000;
	fsd_visible_cpus(&st, &online, true, &vis, &cut);
	assert_int_equal(hutch_cpuset_count(&vis), 4);
	st.cpu_effective_limit_millicpus = 10;
	fsd_visible_cpus(&st, &online, true, &vis, &cut);
	hutch_cpuset_format(&vis, buf, sizeof(buf));
	assert_string_equal(buf, "2");
	/* Offline CPUs of the cpuset are not shown; a cpuset of offline CPUs only shows the host's. */
	st.cpu_effective_limit_millicpus = HUTCH_UNLIMITED;
	strcpy(st.cpuset_effective_cpus, "6-9");
	fsd_visible_cpus(&st, &online, true, &vis, &cut);
	hutch_cpuset_format(&vis, buf, sizeof(buf));
	assert_string_equal(buf, "6-7");
	strcpy(st.cpuset_effective_cpus, "12-15");
	fsd_visible_cpus(&st, &online, true, &vis, &cut);
	assert_int_equal(hutch_cpuset_count(&vis), 8);
	/* v1 without effective_cpus: cpuset.cpus. */
	st.cpuset_effective_cpus[0] = '\0';
	strcpy(st.cpuset_cpus, "1,3");
	fsd_visible_cpus(&st, &online, true, &vis, &cut);
	hutch_cpuset_format(&vis, buf, sizeof(buf));
	assert_string_equal(buf, "1,3");
}

static void test_cpuinfo(void **state)
{
	struct fixture f;
	open_v2(&f);
	/* v2 ctr: cpuset 0-1, 0.5 CPU of quota: one CPU, with --no-cfs two. */
	assert_int_equal(hutch_cpuset_count(&f.v.visible), 1);
	char *t = render(FSD_CPUINFO, PROC "cpuinfo", &f.v);
	assert_non_null(strstr(t, "processor\t: 0\n"));
	assert_null(strstr(t, "processor\t: 1\n"));
	free(t);

	/* Only host CPU 1 visible: its block, renumbered 0. */
	memset(&f.v.visible, 0, sizeof(f.v.visible));
	hutch_cpuset_add(&f.v.visible, 1);
	t = render(FSD_CPUINFO, PROC "cpuinfo", &f.v);
	assert_true(strncmp(t, "processor\t: 0\n", 14) == 0);
	assert_non_null(strstr(t, "apicid\t\t: 1\n"));
	assert_null(strstr(t, "apicid\t\t: 0\n"));
	assert_true(t[strlen(t) - 1] == '\n' && t[strlen(t) - 2] == '\n');
	free(t);

	/* Both: the host's text unchanged. */
	hutch_cpuset_add(&f.v.visible, 0);
	size_t hl;
	char *host = load(PROC "cpuinfo", &hl);
	t = render(FSD_CPUINFO, PROC "cpuinfo", &f.v);
	assert_string_equal(t, host);
	free(t);
	free(host);

	/* arm's trailing block without a processor line stays. */
	memset(&f.v.visible, 0, sizeof(f.v.visible));
	hutch_cpuset_add(&f.v.visible, 1);
	t = render(FSD_CPUINFO, HUTCH_FIXTURES "/proc/synthetic/cpuinfo-arm", &f.v);
	assert_non_null(strstr(t, "processor\t: 0\n"));
	assert_null(strstr(t, "processor\t: 1\n"));
	free(t);
	fixture_close(&f);
}

/* The ten numbers of a "cpu..." line. */
static void stat_line(const char *text, const char *name, unsigned long long out[10])
{
	char pat[32];
	snprintf(pat, sizeof(pat), "%s ", name);
	const char *p = strncmp(text, pat, strlen(pat)) == 0 ? text : NULL;
	if (!p) {
		snprintf(pat, sizeof(pat), "\n%s ", name);
		p = strstr(text, pat);
		assert_non_null(p);
		p++;
	}
	p += strlen(name);
	assert_int_equal(sscanf(p, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &out[0],
				&out[1], &out[2], &out[3], &out[4], &out[5], &out[6], &out[7],
				&out[8], &out[9]),
			 10);
}

static void test_stat_v2(void **state)
{
	struct fixture f;
	open_v2(&f);
	f.v.has_tasks = true;
	f.v.tasks_running = 2;
	f.v.tasks_blocked = 1;
	f.v.last_pid = 42;
	char *t = render(FSD_STAT, PROC "stat", &f.v);
	unsigned long long all[10], c0[10];
	stat_line(t, "cpu", all);
	stat_line(t, "cpu0", c0);
	assert_null(strstr(t, "\ncpu1 "));
	/* 2.5 s of usage, 2 s user and 0.5 s system, at 100 Hz. */
	assert_int_equal(c0[0], 200);
	assert_int_equal(c0[2], 50);
	/* idle: host cpu0's clock (28669+25954+992805+140+958 ticks) minus the use. */
	assert_int_equal(c0[3], 28669 + 25954 + 992805 + 140 + 958 - 250);
	assert_memory_equal(all, c0, sizeof(all));
	/* The host's fork counter (lxcfs's too): the container's highest pid (42) is none. */
	assert_non_null(strstr(t, "\nprocesses 88627\n"));
	assert_non_null(strstr(t, "\nprocs_running 2\n"));
	assert_non_null(strstr(t, "\nprocs_blocked 1\n"));
	assert_non_null(strstr(t, "\nintr 1285776 "));
	assert_non_null(strstr(t, "\nbtime "));
	free(t);

	/* Before the sampler's first count: the host's counters. */
	f.v.has_tasks = false;
	t = render(FSD_STAT, PROC "stat", &f.v);
	assert_non_null(strstr(t, "\nprocesses 88627\n"));
	free(t);

	/* --no-cfs: two CPUs sharing the usage evenly (v2 has no per-CPU usage). */
	hutch_cpuset_add(&f.v.visible, 1);
	f.v.cpus_cut = false;
	t = render(FSD_STAT, PROC "stat", &f.v);
	unsigned long long c1[10];
	stat_line(t, "cpu0", c0);
	stat_line(t, "cpu1", c1);
	stat_line(t, "cpu", all);
	assert_int_equal(c0[0] + c0[2], 125);
	assert_int_equal(c1[0] + c1[2], 125);
	assert_int_equal(c1[3], 35710 + 28729 + 982263 + 871 + 866 - 125);
	assert_int_equal(all[3], c0[3] + c1[3]);
	free(t);
	fixture_close(&f);
}

/* No counter goes backwards between renders: the floor kept by the caller holds. */
static void test_stat_floor(void **state)
{
	struct fixture f;
	open_v2(&f);
	uint64_t floor[PROCFS_CPU_TIME_COUNT] = {0};
	floor[PROCFS_CPU_IDLE] = 5000000; /* an idle shown before, above the clock now */
	floor[PROCFS_CPU_SYSTEM] = 60;	  /* a system time shown before, above the split now */
	f.v.cpu_floor = floor;
	f.v.n_cpu_floor = 1;
	char *t = render(FSD_STAT, PROC "stat", &f.v);
	unsigned long long c0[10], all[10];
	stat_line(t, "cpu0", c0);
	stat_line(t, "cpu", all);
	assert_int_equal(c0[0], 200);
	assert_int_equal(c0[2], 60);
	assert_int_equal(c0[3], 5000000);
	assert_memory_equal(all, c0, sizeof(all));
	/* The floor now holds what was shown. */
	assert_int_equal(floor[PROCFS_CPU_USER], 200);
	assert_int_equal(floor[PROCFS_CPU_SYSTEM], 60);
	assert_int_equal(floor[PROCFS_CPU_IDLE], 5000000);
	free(t);
	fixture_close(&f);
}

/* A cgroup that used CPU before the container's init started: idle counts from then on. */
static void test_stat_idle_used_before_start(void **state)
{
	struct fixture f;
	open_v2(&f);
	uint64_t floor[PROCFS_CPU_TIME_COUNT] = {0};
	uint64_t offset[1] = {0};
	f.v.cpu_floor = floor;
	f.v.idle_offset = offset;
	f.v.n_cpu_floor = 1;
	f.v.user_hz = 100;
	f.v.init_start_s = 1000;
	f.v.now_s = 1001; /* 100 ticks old, and more CPU than that used */
	char *t = render(FSD_STAT, PROC "stat", &f.v);
	unsigned long long c0[10];
	stat_line(t, "cpu0", c0);
	assert_true(c0[0] + c0[2] > 100);
	assert_int_equal(c0[3], 0);
	assert_int_equal(offset[0], c0[0] + c0[2] - 100);
	free(t);
	/* 10 s later, no CPU used meanwhile: 10 s of idle, not 0 until the age passes the usage. */
	f.v.now_s = 1011;
	t = render(FSD_STAT, PROC "stat", &f.v);
	stat_line(t, "cpu0", c0);
	assert_int_equal(c0[3], 1000);
	free(t);
	fixture_close(&f);
}

static void test_stat_hybrid_percpu(void **state)
{
	struct fixture f;
	open_hybrid(&f);
	/* cpuset "0", 0.5 CPU: CPU 0, not cut, so its own per-CPU usage. */
	assert_false(f.v.cpus_cut);
	char *t = render(FSD_STAT, PROC "stat", &f.v);
	unsigned long long c0[10];
	stat_line(t, "cpu0", c0);
	/* 1211033688 ns = 121 ticks, split 76:44 user:system. */
	assert_int_equal(c0[0] + c0[2], 121);
	assert_int_equal(c0[0], 76);
	free(t);
	fixture_close(&f);
}

static void test_uptime(void **state)
{
	struct fixture f;
	open_v2(&f);
	char *t = render(FSD_UPTIME, PROC "uptime", &f.v);
	assert_string_equal(t, "10494.98 19750.70\n"); /* init start unknown: the host's */
	free(t);
	f.v.init_start_s = 10494.98 - 100;
	t = render(FSD_UPTIME, PROC "uptime", &f.v);
	/* 100 s on one visible CPU, 2.5 s of it used. */
	assert_string_equal(t, "100.00 97.50\n");
	free(t);
	/* An init that started after the host's uptime reading: 0, never negative. */
	f.v.init_start_s = 20000;
	t = render(FSD_UPTIME, PROC "uptime", &f.v);
	assert_string_equal(t, "0.00 0.00\n");
	free(t);
	fixture_close(&f);
}

static void test_loadavg(void **state)
{
	struct fixture f;
	open_v2(&f);
	char *t = render(FSD_LOADAVG, PROC "loadavg", &f.v);
	assert_string_equal(t, "0.20 0.05 0.15 1/92 23730\n");
	free(t);
	f.v.has_tasks = true;
	f.v.tasks_running = 1;
	f.v.tasks_total = 7;
	f.v.last_pid = 12;
	struct fsd_load l = {0};
	/* One busy task for a minute of 5 s samples: 1 - 1/e, as the kernel's. */
	for (int i = 0; i < 12; i++)
		fsd_load_update(&l, 1, 5.0);
	assert_float_equal(l.load1, 1 - exp(-1), 1e-9);
	assert_float_equal(l.load5, 1 - exp(-0.2), 1e-9);
	f.v.load1 = l.load1;
	f.v.load5 = l.load5;
	f.v.load15 = l.load15;
	t = render(FSD_LOADAVG, PROC "loadavg", &f.v);
	assert_string_equal(t, "0.63 0.18 0.06 1/7 12\n");
	free(t);
	/* And it decays back. */
	for (int i = 0; i < 120; i++)
		fsd_load_update(&l, 0, 5.0);
	assert_true(l.load1 < 0.001);
	fixture_close(&f);
}

static void test_diskstats(void **state)
{
	struct fixture f;
	open_v2(&f);
	char *t = render(FSD_DISKSTATS, FSDFIX "diskstats-sd", &f.v);
	assert_string_equal(t,
			    "   8       0 sda 8950 0 176622 0 1252 0 584000 0 0 0 0 0 0 0 0 0 0\n"
			    "   8      16 sdb 192 0 2850 0 353 0 614792 0 0 0 0 0 0 0 0 0 0\n"
			    " 254       0 vda 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	free(t);
	fixture_close(&f);
	/* v1 blkio of the hybrid capture, over the host's 6.18 devices. */
	open_hybrid(&f);
	t = render(FSD_DISKSTATS, PROC "diskstats", &f.v);
	size_t hl;
	char *host = load(PROC "diskstats", &hl);
	assert_int_equal(count_lines(t), count_lines(host));
	free(host);
	free(t);
	fixture_close(&f);
}

static void test_swaps(void **state)
{
	struct fixture f;
	open_v2(&f);
	char *t = render(FSD_SWAPS, FSDFIX "swaps-1g", &f.v);
	assert_true(strncmp(t, "Filename\t", 9) == 0);
	unsigned long long size, used;
	char name[64], type[64];
	const char *l2 = strchr(t, '\n') + 1;
	assert_int_equal(sscanf(l2, "%63s %63s %llu %llu", name, type, &size, &used), 4);
	assert_string_equal(name, "none");
	assert_string_equal(type, "virtual");
	assert_int_equal(size, 524288);
	assert_int_equal(used, 1024);
	free(t);
	t = render(FSD_SWAPS, FSDFIX "swaps-none", &f.v);
	assert_int_equal(count_lines(t), 1);
	free(t);
	fixture_close(&f);
}

static void test_pressure_and_online(void **state)
{
	struct fixture f;
	open_v2(&f);
	char *t = render(FSD_PSI_CPU, NULL, &f.v);
	assert_non_null(strstr(t, "some avg10="));
	assert_non_null(strstr(t, "avg60=1.87 "));
	assert_non_null(strstr(t, "\nfull avg10="));
	assert_non_null(strstr(t, "total=1144179\n"));
	free(t);
	t = render(FSD_PSI_MEMORY, NULL, &f.v);
	assert_non_null(strstr(t, "total=16521\n"));
	free(t);
	/* A container in the unified root (v1 cgroups only): the root's pressure is the host's. */
	f.v.psi_is_host = true;
	struct fsd_buf psi = {0};
	assert_int_equal(fsd_render_pressure(FSD_PSI_CPU, &f.v, &psi), -ENOENT);
	fsd_buf_free(&psi);
	f.v.psi_is_host = false;
	t = render(FSD_CPU_ONLINE, NULL, &f.v);
	assert_string_equal(t, "0\n");
	free(t);
	hutch_cpuset_add(&f.v.visible, 5);
	hutch_cpuset_add(&f.v.visible, 9);
	t = render(FSD_CPU_ONLINE, NULL, &f.v);
	assert_string_equal(t, "0-2\n");
	free(t);
	fixture_close(&f);

	/* Pure v1 has no PSI: -ENOENT, which the daemon answers as a missing file. */
	open_v1(&f);
	struct fsd_buf out = {0};
	assert_int_equal(fsd_render_pressure(FSD_PSI_IO, &f.v, &out), -ENOENT);
	fsd_buf_free(&out);
	char *m = render(FSD_MEMINFO, PROC "meminfo", &f.v);
	assert_int_equal(meminfo_kb(m, "MemTotal"), 524288);
	free(m);
	fixture_close(&f);
}

static void test_garbage_host(void **state)
{
	struct cgroup_stats st;
	cgroup_stats_init(&st);
	struct fsd_view v;
	fsd_view_init(&v, &st);
	hutch_cpuset_add(&v.visible, 0);
	static const char *const junk[] = {"", "\n\n", "cpu x y z\n", "garbage", "processor\n"};
	for (int f = 0; f < FSD_FILE_COUNT; f++)
		for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
			struct fsd_buf out = {0};
			(void)fsd_render((enum fsd_file)f, junk[i], strlen(junk[i]), &v, &out);
			fsd_buf_free(&out);
		}
}

static void test_buf(void **state)
{
	struct fsd_buf b = {0};
	for (int i = 0; i < 1000; i++)
		fsd_buf_printf(&b, "%04d %s\n", i, "0123456789012345678901234567890123456789");
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 1000 * 46);
	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fsd_buf_printf(&b, "%s", big);
	assert_int_equal(b.len, 1000 * 46 + 599);
	assert_int_equal(strlen(b.data), b.len);
	fsd_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo_hybrid),
		cmocka_unit_test(test_buf_u64),
		cmocka_unit_test(test_meminfo_v2_swap),
		cmocka_unit_test(test_meminfo_limits),
		cmocka_unit_test(test_visible_cpus),
		cmocka_unit_test(test_cpuinfo),
		cmocka_unit_test(test_stat_v2),
		cmocka_unit_test(test_stat_floor),
		cmocka_unit_test(test_stat_idle_used_before_start),
		cmocka_unit_test(test_stat_hybrid_percpu),
		cmocka_unit_test(test_uptime),
		cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_diskstats),
		cmocka_unit_test(test_swaps),
		cmocka_unit_test(test_pressure_and_online),
		cmocka_unit_test(test_garbage_host),
		cmocka_unit_test(test_buf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
