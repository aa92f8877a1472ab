/* SPDX-License-Identifier: MIT */
/*
 * The /proc parsers against files captured on this host (linux-6.18) and
 * written in the formats of older kernels, plus truncated and garbage input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/stat.h>

#include "hutch/procfs.h"
#include "hutch/procfs_read.h"
#include "hutch/util.h"

#define FIX HUTCH_FIXTURES "/proc"

struct fixture {
	char *buf;
	size_t len;
};

static struct fixture load(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIX, rel);
	struct fixture f = {0};
	int r = hutch_read_file(path, 0, &f.buf, &f.len);
	if (r < 0)
		fail_msg("read %s: %s", path, strerror(-r));
	return f;
}

/* An exact-size heap copy (no NUL after it) so ASan catches any read past len. */
static char *exact(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static const struct procfs_meminfo_line *mem_line(const struct procfs_meminfo *mi, const char *k)
{
	for (size_t i = 0; i < mi->n_lines; i++)
		if (strcmp(mi->lines[i].key, k) == 0)
			return &mi->lines[i];
	return NULL;
}

static void test_meminfo_618(void **state)
{
	struct fixture f = load("linux-6.18/meminfo");
	struct procfs_meminfo *mi = calloc(1, sizeof(*mi));
	assert_int_equal(procfs_parse_meminfo(f.buf, f.len, mi), 0);
	assert_int_equal(mi->mem_total_bytes, 24683620ULL * 1024);
	assert_int_equal(mi->mem_free_bytes, 24201212ULL * 1024);
	assert_int_equal(mi->mem_available_bytes, 24312380ULL * 1024);
	assert_int_equal(mi->buffers_bytes, 1348ULL * 1024);
	assert_int_equal(mi->inactive_file_bytes, 176392ULL * 1024);
	assert_int_equal(mi->swap_total_bytes, 0);
	assert_int_equal(mi->n_lines, 53);
	assert_string_equal(mi->lines[0].key, "MemTotal");
	const struct procfs_meminfo_line *hp = mem_line(mi, "HugePages_Total");
	assert_non_null(hp);
	assert_false(hp->has_kb_unit);
	assert_int_equal(hp->value_bytes, 0);
	assert_true(mem_line(mi, "MemFree")->has_kb_unit);
	free(mi);
	free(f.buf);
}

static void test_meminfo_old(void **state)
{
	struct fixture f = load("synthetic/meminfo-old");
	struct procfs_meminfo *mi = calloc(1, sizeof(*mi));
	assert_int_equal(procfs_parse_meminfo(f.buf, f.len, mi), 0);
	assert_int_equal(mi->mem_total_bytes, 2048000ULL * 1024);
	/* MemAvailable came in 3.14: unknown, not zero. */
	assert_int_equal(mi->mem_available_bytes, HUTCH_UNKNOWN);
	assert_int_equal(mi->swap_total_bytes, HUTCH_UNKNOWN);
	assert_int_equal(mi->n_lines, 7);
	assert_int_equal(mem_line(mi, "HugePages_Total")->value_bytes, 4);
	assert_int_equal(mem_line(mi, "Hugepagesize")->value_bytes, 2048 * 1024);
	free(mi);
	free(f.buf);
}

static void test_stat_618(void **state)
{
	struct fixture f = load("linux-6.18/stat");
	struct procfs_stat st;
	assert_int_equal(procfs_parse_stat(f.buf, f.len, &st), 0);
	assert_int_equal(st.total.cpu, -1);
	assert_int_equal(st.total.ticks[PROCFS_CPU_USER], 64379);
	assert_int_equal(st.total.ticks[PROCFS_CPU_SYSTEM], 54684);
	assert_int_equal(st.total.ticks[PROCFS_CPU_IDLE], 1975069);
	assert_int_equal(st.total.ticks[PROCFS_CPU_GUEST_NICE], 0);
	assert_int_equal(st.n_cpus, 2);
	assert_int_equal(st.cpus[1].cpu, 1);
	assert_int_equal(st.cpus[1].ticks[PROCFS_CPU_USER], 35710);
	assert_int_equal(st.cpus[1].ticks[PROCFS_CPU_SOFTIRQ], 866);
	assert_int_equal(st.ctxt, 1714119);
	assert_int_equal(st.btime_s, 1795349776);
	assert_int_equal(st.processes, 88627);
	assert_int_equal(st.procs_running, 2);
	assert_int_equal(st.procs_blocked, 0);
	assert_true(st.tail_offset < f.len);
	assert_memory_equal(f.buf + st.tail_offset, "intr ", 5);
	procfs_stat_free(&st);
	free(f.buf);
}

static void test_stat_2632_no_guest_nice(void **state)
{
	struct fixture f = load("linux-2.6.32/stat");
	struct procfs_stat st;
	assert_int_equal(procfs_parse_stat(f.buf, f.len, &st), 0);
	assert_int_equal(st.total.ticks[PROCFS_CPU_USER], 2255);
	assert_int_equal(st.total.ticks[PROCFS_CPU_SOFTIRQ], 456);
	assert_int_equal(st.total.ticks[PROCFS_CPU_GUEST], 0);
	assert_int_equal(st.total.ticks[PROCFS_CPU_GUEST_NICE], HUTCH_UNKNOWN);
	assert_int_equal(st.n_cpus, 2);
	assert_int_equal(st.cpus[0].ticks[PROCFS_CPU_IDLE], 11311718);
	assert_int_equal(st.btime_s, 1062191376);
	assert_string_equal(f.buf + st.tail_offset,
			    "intr 114930548 113199788 3 0 5 263 0 4\nctxt 1990473\nbtime "
			    "1062191376\nprocesses 2915\nprocs_running 1\nprocs_blocked 0\n");
	procfs_stat_free(&st);
	free(f.buf);
}

static void test_stat_offline_4col(void **state)
{
	struct fixture f = load("synthetic/stat-offline-4col");
	struct procfs_stat st;
	assert_int_equal(procfs_parse_stat(f.buf, f.len, &st), 0);
	assert_int_equal(st.n_cpus, 2);
	assert_int_equal(st.cpus[0].cpu, 0);
	assert_int_equal(st.cpus[1].cpu, 3);
	assert_int_equal(st.cpus[1].ticks[PROCFS_CPU_IDLE], 2000);
	assert_int_equal(st.cpus[1].ticks[PROCFS_CPU_IOWAIT], HUTCH_UNKNOWN);
	assert_int_equal(st.cpus[1].ticks[PROCFS_CPU_STEAL], HUTCH_UNKNOWN);
	assert_int_equal(st.ctxt, 77);
	procfs_stat_free(&st);
	free(f.buf);
}

static void test_cpuinfo_618(void **state)
{
	struct fixture f = load("linux-6.18/cpuinfo");
	struct procfs_cpuinfo ci;
	assert_int_equal(procfs_parse_cpuinfo(f.buf, f.len, &ci), 0);
	assert_int_equal(ci.n_blocks, 2);
	assert_int_equal(ci.blocks[0].processor, 0);
	assert_int_equal(ci.blocks[1].processor, 1);
	assert_int_equal(ci.blocks[0].offset, 0);
	assert_memory_equal(f.buf + ci.blocks[1].offset, "processor\t: 1\n", 14);
	/* Each block ends with its last line's newline; the blank line follows. */
	size_t end0 = ci.blocks[0].offset + ci.blocks[0].length;
	assert_memory_equal(f.buf + end0 - 1, "\n\n", 2);
	assert_int_equal(ci.blocks[1].offset + ci.blocks[1].length + 1, f.len);
	procfs_cpuinfo_free(&ci);
	free(f.buf);
}

static void test_cpuinfo_2socket_offline(void **state)
{
	struct fixture f = load("synthetic/cpuinfo-2socket-offline");
	struct procfs_cpuinfo ci;
	assert_int_equal(procfs_parse_cpuinfo(f.buf, f.len, &ci), 0);
	assert_int_equal(ci.n_blocks, 2);
	assert_int_equal(ci.blocks[0].processor, 0);
	assert_int_equal(ci.blocks[1].processor, 3);
	char *b1 = strndup(f.buf + ci.blocks[1].offset, ci.blocks[1].length);
	assert_non_null(strstr(b1, "physical id\t: 1\n"));
	assert_null(strstr(b1, "physical id\t: 0\n"));
	free(b1);
	procfs_cpuinfo_free(&ci);
	free(f.buf);
}

static void test_cpuinfo_arm(void **state)
{
	struct fixture f = load("synthetic/cpuinfo-arm");
	struct procfs_cpuinfo ci;
	assert_int_equal(procfs_parse_cpuinfo(f.buf, f.len, &ci), 0);
	assert_int_equal(ci.n_blocks, 3);
	assert_int_equal(ci.blocks[1].processor, 1);
	assert_int_equal(ci.blocks[2].processor, -1);
	assert_memory_equal(f.buf + ci.blocks[2].offset, "Hardware", 8);
	procfs_cpuinfo_free(&ci);
	free(f.buf);
}

static void test_uptime_loadavg(void **state)
{
	struct fixture f = load("linux-6.18/uptime");
	struct procfs_uptime u;
	assert_int_equal(procfs_parse_uptime(f.buf, f.len, &u), 0);
	assert_float_equal(u.uptime_s, 10494.98, 1e-9);
	assert_float_equal(u.idle_s, 19750.70, 1e-9);
	free(f.buf);

	f = load("linux-6.18/loadavg");
	struct procfs_loadavg l;
	assert_int_equal(procfs_parse_loadavg(f.buf, f.len, &l), 0);
	assert_float_equal(l.load1, 0.20, 1e-9);
	assert_float_equal(l.load5, 0.05, 1e-9);
	assert_float_equal(l.load15, 0.15, 1e-9);
	assert_int_equal(l.running, 1);
	assert_int_equal(l.total, 92);
	assert_int_equal(l.last_pid, 23730);
	free(f.buf);
}

static void test_diskstats_618(void **state)
{
	struct fixture f = load("linux-6.18/diskstats");
	struct procfs_diskstats ds;
	assert_int_equal(procfs_parse_diskstats(f.buf, f.len, &ds), 0);
	assert_int_equal(ds.n_disks, 10);
	const struct procfs_diskstat *vda = NULL;
	for (size_t i = 0; i < ds.n_disks; i++)
		if (strcmp(ds.disks[i].name, "vda") == 0)
			vda = &ds.disks[i];
	assert_non_null(vda);
	assert_int_equal(vda->major, 254);
	assert_int_equal(vda->minor, 0);
	assert_int_equal(vda->reads, 204143);
	assert_int_equal(vda->sectors_read, 13460378);
	assert_int_equal(vda->writes, 28736);
	assert_int_equal(vda->weighted_io_ms, 99991);
	assert_int_equal(vda->discards, 23254);
	assert_int_equal(vda->discard_ms, 4763);
	assert_int_equal(vda->flushes, 1992);
	assert_int_equal(vda->flush_ms, 692);
	procfs_diskstats_free(&ds);
	free(f.buf);
}

static void test_diskstats_414(void **state)
{
	struct fixture f = load("linux-4.14/diskstats");
	struct procfs_diskstats ds;
	assert_int_equal(procfs_parse_diskstats(f.buf, f.len, &ds), 0);
	assert_int_equal(ds.n_disks, 3);
	assert_string_equal(ds.disks[1].name, "sda1");
	assert_int_equal(ds.disks[0].reads_merged, 7890);
	assert_int_equal(ds.disks[0].io_ms, 54321);
	assert_int_equal(ds.disks[0].weighted_io_ms, 144443);
	assert_int_equal(ds.disks[0].discards, HUTCH_UNKNOWN);
	assert_int_equal(ds.disks[0].flushes, HUTCH_UNKNOWN);
	assert_int_equal(ds.disks[2].major, 253);
	procfs_diskstats_free(&ds);
	free(f.buf);
}

static void test_diskstats_54(void **state)
{
	struct fixture f = load("linux-5.4/diskstats");
	struct procfs_diskstats ds;
	assert_int_equal(procfs_parse_diskstats(f.buf, f.len, &ds), 0);
	assert_int_equal(ds.n_disks, 2);
	assert_string_equal(ds.disks[0].name, "nvme0n1");
	assert_int_equal(ds.disks[0].ios_in_progress, 2);
	assert_int_equal(ds.disks[0].discards, 1234);
	assert_int_equal(ds.disks[0].sectors_discarded, 567890);
	assert_int_equal(ds.disks[0].discard_ms, 890);
	assert_int_equal(ds.disks[0].flushes, HUTCH_UNKNOWN);
	assert_int_equal(ds.disks[0].flush_ms, HUTCH_UNKNOWN);
	procfs_diskstats_free(&ds);
	free(f.buf);
}

static void test_pid_stat(void **state)
{
	struct fixture f = load("linux-6.18/pid_stat");
	struct procfs_pid_stat st;
	assert_int_equal(procfs_parse_pid_stat(f.buf, f.len, &st), 0);
	assert_int_equal(st.pid, 1);
	assert_string_equal(st.comm, "process_api");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 0);
	assert_int_equal(st.utime_ticks, 951);
	assert_int_equal(st.stime_ticks, 2469);
	assert_int_equal(st.priority, 10);
	assert_int_equal(st.nice, -10);
	assert_int_equal(st.num_threads, 13);
	assert_int_equal(st.starttime_ticks, 18);
	assert_int_equal(st.vsize_bytes, 46501888);
	assert_int_equal(st.rss_pages, 3788);
	assert_int_equal(st.processor, 1);
	free(f.buf);

	f = load("synthetic/pid_stat-weird-comm");
	assert_int_equal(procfs_parse_pid_stat(f.buf, f.len, &st), 0);
	assert_int_equal(st.pid, 2);
	assert_string_equal(st.comm, "a) b) c (d)");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.session, 2);
	assert_int_equal(st.starttime_ticks, 12345);
	assert_int_equal(st.rss_pages, 250);
	assert_int_equal(st.processor, -1); /* not in this short line */
	free(f.buf);
}

static void test_pid_status(void **state)
{
	struct fixture f = load("linux-6.18/pid_status");
	struct procfs_pid_status st;
	assert_int_equal(procfs_parse_pid_status(f.buf, f.len, &st), 0);
	assert_string_equal(st.name, "process_api");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.tgid, 1);
	assert_int_equal(st.pid, 1);
	assert_int_equal(st.ppid, 0);
	assert_int_equal(st.uid_real, 0);
	assert_int_equal(st.gid_effective, 0);
	assert_int_equal(st.vm_rss_bytes, 15124ULL * 1024);
	assert_int_equal(st.threads, 13);
	assert_int_equal(st.n_nspid, 1);
	assert_int_equal(st.nspid[0], 1);
	assert_int_equal(st.voluntary_ctxt_switches, 358);
	assert_int_equal(st.nonvoluntary_ctxt_switches, 58);
	free(f.buf);

	static const char kthread[] =
		"Name:\tkworker/0:1-events\nUmask:\t0000\nState:\tI (idle)\n"
		"Tgid:\t9\nNgid:\t0\nPid:\t9\nPPid:\t2\nUid:\t1000\t1001\t0\t0\n"
		"Gid:\t5\t6\t0\t0\nNSpid:\t4242\t17\t1\nThreads:\t1\n";
	char *b = exact(kthread, sizeof(kthread) - 1);
	assert_int_equal(procfs_parse_pid_status(b, sizeof(kthread) - 1, &st), 0);
	assert_string_equal(st.name, "kworker/0:1-events");
	assert_int_equal(st.state, 'I');
	assert_int_equal(st.ppid, 2);
	assert_int_equal(st.uid_real, 1000);
	assert_int_equal(st.uid_effective, 1001);
	assert_int_equal(st.gid_real, 5);
	assert_int_equal(st.vm_rss_bytes, HUTCH_UNKNOWN); /* kernel threads have no VmRSS */
	assert_int_equal(st.voluntary_ctxt_switches, HUTCH_UNKNOWN);
	assert_int_equal(st.n_nspid, 3);
	assert_int_equal(st.nspid[0], 4242);
	assert_int_equal(st.nspid[2], 1);
	free(b);
}

static void test_pid_cgroup(void **state)
{
	struct procfs_pid_cgroup *pc = calloc(1, sizeof(*pc));
	struct fixture f = load("linux-6.18/pid_cgroup");
	assert_int_equal(procfs_parse_pid_cgroup(f.buf, f.len, pc), 0);
	assert_int_equal(pc->n_entries, 10);
	assert_int_equal(pc->entries[0].hierarchy_id, 9);
	assert_string_equal(pc->entries[0].controllers, "name=systemd");
	assert_int_equal(pc->entries[9].hierarchy_id, 0);
	assert_string_equal(pc->entries[9].controllers, "");
	assert_string_equal(pc->entries[9].path, "/");
	free(f.buf);

	f = load("synthetic/pid_cgroup-v1");
	assert_int_equal(procfs_parse_pid_cgroup(f.buf, f.len, pc), 0);
	assert_int_equal(pc->n_entries, 12);
	assert_int_equal(pc->entries[1].hierarchy_id, 11);
	assert_string_equal(pc->entries[1].controllers, "cpu,cpuacct");
	assert_string_equal(pc->entries[1].path, "/docker/abc");
	assert_string_equal(pc->entries[10].path, "/");
	free(f.buf);

	f = load("synthetic/pid_cgroup-hybrid");
	assert_int_equal(procfs_parse_pid_cgroup(f.buf, f.len, pc), 0);
	assert_int_equal(pc->n_entries, 6);
	assert_string_equal(pc->entries[4].path, "/system.slice/a:b.service");
	assert_int_equal(pc->entries[5].hierarchy_id, 0);
	assert_string_equal(pc->entries[5].path, "/hutch/x");
	free(f.buf);

	f = load("synthetic/pid_cgroup-v2");
	assert_int_equal(procfs_parse_pid_cgroup(f.buf, f.len, pc), 0);
	assert_int_equal(pc->n_entries, 1);
	assert_string_equal(pc->entries[0].path, "/system.slice/docker-0123abcd.scope");
	free(f.buf);
	free(pc);
}

static void test_mountinfo_618(void **state)
{
	struct fixture f = load("linux-6.18/mountinfo");
	struct procfs_mountinfo mi;
	assert_int_equal(procfs_parse_mountinfo(f.buf, f.len, &mi), 0);
	assert_int_equal(mi.n_mounts, 20);
	assert_int_equal(mi.mounts[0].mount_id, 21);
	assert_int_equal(mi.mounts[0].parent_id, 26);
	assert_int_equal(mi.mounts[0].major, 0);
	assert_int_equal(mi.mounts[0].minor, 20);
	assert_string_equal(mi.mounts[0].mount_point, "/proc");
	assert_string_equal(mi.mounts[0].fstype, "proc");
	assert_string_equal(mi.mounts[2].super_options,
			    "rw,size=12334448k,nr_inodes=3083612,mode=755");
	procfs_mountinfo_free(&mi);
	free(f.buf);
}

static void test_mountinfo_escaped(void **state)
{
	struct fixture f = load("synthetic/mountinfo-escaped");
	struct procfs_mountinfo mi;
	assert_int_equal(procfs_parse_mountinfo(f.buf, f.len, &mi), 0);
	assert_int_equal(mi.n_mounts, 6);
	assert_string_equal(mi.mounts[1].fstype, "cgroup2");
	assert_string_equal(mi.mounts[2].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(mi.mounts[2].super_options, "rw,cpu,cpuacct");
	assert_string_equal(mi.mounts[2].source, "cgroup");
	assert_string_equal(mi.mounts[3].root, "/srv/my data");
	assert_string_equal(mi.mounts[3].mount_point, "/mnt/with space\ttab\nnl\\bs");
	assert_int_equal(mi.mounts[3].major, 8);
	assert_int_equal(mi.mounts[3].minor, 1);
	assert_string_equal(mi.mounts[4].source, "user@host:/a b");
	assert_string_equal(mi.mounts[4].fstype, "fuse.sshfs");
	assert_string_equal(mi.mounts[5].mount_options, "rw");
	procfs_mountinfo_free(&mi);
	free(f.buf);
}

/* Every prefix of every fixture and some garbage: each parser returns 0 or a negative errno. */
static const char *const all_fixtures[] = {
	"linux-6.18/meminfo",	 "linux-6.18/stat",
	"linux-6.18/cpuinfo",	 "linux-6.18/uptime",
	"linux-6.18/loadavg",	 "linux-6.18/diskstats",
	"linux-6.18/pid_stat",	 "linux-6.18/pid_status",
	"linux-6.18/pid_cgroup", "linux-6.18/mountinfo",
	"linux-4.14/diskstats",	 "linux-5.4/diskstats",
	"linux-2.6.32/stat",	 "synthetic/mountinfo-escaped",
	"synthetic/cpuinfo-arm", "synthetic/pid_stat-weird-comm",
};

static int run_all(const char *buf, size_t len)
{
	int worst = 0, r;
	struct procfs_meminfo *mi = malloc(sizeof(*mi));
	struct procfs_pid_cgroup *pc = malloc(sizeof(*pc));
	assert_non_null(mi);
	assert_non_null(pc);
	r = procfs_parse_meminfo(buf, len, mi);
	worst = r < worst ? r : worst;
	struct procfs_stat st;
	if ((r = procfs_parse_stat(buf, len, &st)) == 0) {
		assert_true(st.tail_offset <= len);
		procfs_stat_free(&st);
	}
	struct procfs_cpuinfo ci;
	if (procfs_parse_cpuinfo(buf, len, &ci) == 0) {
		for (size_t i = 0; i < ci.n_blocks; i++)
			assert_true(ci.blocks[i].offset + ci.blocks[i].length <= len);
		procfs_cpuinfo_free(&ci);
	}
	struct procfs_uptime u;
	procfs_parse_uptime(buf, len, &u);
	struct procfs_loadavg l;
	procfs_parse_loadavg(buf, len, &l);
	struct procfs_diskstats ds;
	if (procfs_parse_diskstats(buf, len, &ds) == 0)
		procfs_diskstats_free(&ds);
	struct procfs_pid_stat ps;
	procfs_parse_pid_stat(buf, len, &ps);
	struct procfs_pid_status pst;
	procfs_parse_pid_status(buf, len, &pst);
	procfs_parse_pid_cgroup(buf, len, pc);
	struct procfs_mountinfo mo;
	if (procfs_parse_mountinfo(buf, len, &mo) == 0)
		procfs_mountinfo_free(&mo);
	free(mi);
	free(pc);
	return worst;
}

static void test_truncated(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_fixtures); i++) {
		struct fixture f = load(all_fixtures[i]);
		size_t step = f.len > 400 ? 7 : 1;
		for (size_t n = 0; n < f.len; n += step) {
			char *b = exact(f.buf, n);
			run_all(b, n);
			free(b);
		}
		free(f.buf);
	}
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"garbage",
		"::::",
		"(",
		")",
		"1 (",
		"1 ) (",
		"-\n",
		"cpu\n",
		"cpu x y z w\n",
		"MemTotal: 12 MB\n",
		"MemTotal: 99999999999999999999 kB\n",
		"1 2 3\n",
		"1/2\n",
		"0.1 0.2 0.3 1/ 2\n",
		"nan inf\n",
		"8 0 sda 1 2\n",
		"1 2 3:4 / / rw\n",
		"1 2 3:4 / / rw - \n",
		"x:cpu:/\n",
		"1:cpu:relative\n",
		"processor : x\n",
		"Name:\tx\nPid:\t-1\nState:\tS\n",
	};
	struct procfs_meminfo *mi = malloc(sizeof(*mi));
	struct procfs_pid_cgroup *pc = malloc(sizeof(*pc));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t n = strlen(bad[i]);
		char *b = exact(bad[i], n);
		struct procfs_stat st;
		struct procfs_cpuinfo ci;
		struct procfs_uptime u;
		struct procfs_loadavg l;
		struct procfs_pid_stat ps;
		struct procfs_pid_status pst;
		struct procfs_mountinfo mo;
		assert_int_equal(procfs_parse_meminfo(b, n, mi) < 0, true);
		assert_int_equal(procfs_parse_stat(b, n, &st) < 0, true);
		assert_int_equal(procfs_parse_cpuinfo(b, n, &ci) < 0, true);
		assert_int_equal(procfs_parse_uptime(b, n, &u) < 0, true);
		assert_int_equal(procfs_parse_loadavg(b, n, &l) < 0, true);
		assert_int_equal(procfs_parse_pid_stat(b, n, &ps) < 0, true);
		assert_int_equal(procfs_parse_pid_status(b, n, &pst) < 0, true);
		assert_int_equal(procfs_parse_pid_cgroup(b, n, pc) < 0, true);
		assert_int_equal(procfs_parse_mountinfo(b, n, &mo) < 0, true);
		free(b);
	}
	/* diskstats: an empty file is a host without disks, a short line is an error. */
	struct procfs_diskstats ds;
	assert_int_equal(procfs_parse_diskstats("8 0 sda 1 2\n", 12, &ds), -EINVAL);
	assert_int_equal(procfs_parse_diskstats("", 0, &ds), 0);
	assert_int_equal(ds.n_disks, 0);
	procfs_diskstats_free(&ds);
	free(mi);
	free(pc);
}

static void test_ns_link(void **state)
{
	uint64_t ino = 0;
	const char *ok = "pid:[4026531836]";
	assert_int_equal(procfs_parse_ns_link(ok, strlen(ok), "pid", &ino), 0);
	assert_true(ino == 4026531836ull);
	const char *mnt = "mnt:[4026531841]";
	assert_int_equal(procfs_parse_ns_link(mnt, strlen(mnt), "mnt", &ino), 0);
	assert_true(ino == 4026531841ull);
	static const char *const bad[] = {
		"",	    "pid",	"pid:",	     "pid:[",
		"pid:[]",   "pid:[12",	"pid:12]",   "pid:[1x2]",
		"pid:[-1]", "mnt:[12]", "pidx:[12]", "pid:[99999999999999999999999]",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(procfs_parse_ns_link(bad[i], strlen(bad[i]), "pid", &ino),
				 -EINVAL);
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(procfs_parse_ns_link("pid:[7]trailing", 7, "pid", &ino), 0);
	assert_true(ino == 7);

	/* The link's inode is the namespace file's. */
	struct stat st;
	assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
	assert_int_equal(procfs_pidns_inode(0, &ino), 0);
	assert_true(ino == (uint64_t)st.st_ino);
}

static void test_net_dev(void **state)
{
	static const char text[] =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		"packets errs drop fifo colls carrier compressed\n"
		"    lo:    1234      10    0    0    0     0          0         0     1234      "
		"10    0    0    0     0       0          0\n"
		"  eth0: 98765432   54321    3    4    0     0          0        12 12345678   "
		"43210    5    6    0     0       0          0\n";
	struct procfs_net_dev d[4];
	assert_int_equal(procfs_parse_net_dev(text, sizeof(text) - 1, d, 4), 2);
	assert_string_equal(d[0].name, "lo");
	assert_int_equal(d[0].rx_bytes, 1234);
	assert_int_equal(d[0].tx_packets, 10);
	assert_string_equal(d[1].name, "eth0");
	assert_int_equal(d[1].rx_bytes, 98765432);
	assert_int_equal(d[1].rx_packets, 54321);
	assert_int_equal(d[1].rx_errors, 3);
	assert_int_equal(d[1].rx_dropped, 4);
	assert_int_equal(d[1].tx_bytes, 12345678);
	assert_int_equal(d[1].tx_packets, 43210);
	assert_int_equal(d[1].tx_errors, 5);
	assert_int_equal(d[1].tx_dropped, 6);
	/* At most max entries; garbage is refused, never read past its length. */
	assert_int_equal(procfs_parse_net_dev(text, sizeof(text) - 1, d, 1), 1);
	assert_int_equal(procfs_parse_net_dev("x\ny\n  eth0 12 3\n", 16, d, 4), -EINVAL);
	assert_int_equal(procfs_parse_net_dev("x\ny\n eth0: 1 2\n", 15, d, 4), -EINVAL);
	assert_int_equal(procfs_parse_net_dev("only", 4, d, 4), -EINVAL);
	assert_int_equal(procfs_parse_net_dev(text, 60, d, 4), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo_618),
		cmocka_unit_test(test_meminfo_old),
		cmocka_unit_test(test_stat_618),
		cmocka_unit_test(test_stat_2632_no_guest_nice),
		cmocka_unit_test(test_stat_offline_4col),
		cmocka_unit_test(test_cpuinfo_618),
		cmocka_unit_test(test_cpuinfo_2socket_offline),
		cmocka_unit_test(test_cpuinfo_arm),
		cmocka_unit_test(test_uptime_loadavg),
		cmocka_unit_test(test_diskstats_618),
		cmocka_unit_test(test_diskstats_414),
		cmocka_unit_test(test_diskstats_54),
		cmocka_unit_test(test_pid_stat),
		cmocka_unit_test(test_pid_status),
		cmocka_unit_test(test_pid_cgroup),
		cmocka_unit_test(test_mountinfo_618),
		cmocka_unit_test(test_mountinfo_escaped),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_ns_link),
		cmocka_unit_test(test_net_dev),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
