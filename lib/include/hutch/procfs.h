/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers of the host's /proc files: a buffer in, a struct out, no I/O.
 * Each returns 0 or a negative errno (-EINVAL for text it cannot parse) and
 * writes ret_* only on success. Buffers need not be NUL-terminated: every
 * parser takes the length and never reads past it.
 *
 * Values the file does not have are HUTCH_UNKNOWN, never 0.
 */
#ifndef HUTCH_PROCFS_H
#define HUTCH_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HUTCH_UNKNOWN UINT64_MAX

/* /proc/meminfo: the lines hutch needs by field, and every line kept in order
 * so a renderer can copy the ones it does not change. Sizes are bytes.
 * Lines past the 96th still fill the named fields but are not kept in lines[]. */
/* A piece of a buffer: p[0..n), not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* The next line at *pos (without its '\n'); false at the end of the buffer. */
bool procfs_next_line(const char *buf, size_t len, size_t *pos, struct span *ret_line);

struct procfs_meminfo_line {
	char key[32];
	uint64_t value_bytes; /* HUTCH_UNKNOWN for a line without a number */
	bool has_kb_unit;     /* the line ends in " kB" (HugePages_* do not) */
};
struct procfs_meminfo {
	uint64_t mem_total_bytes, mem_free_bytes, mem_available_bytes;
	uint64_t buffers_bytes, cached_bytes, swap_cached_bytes;
	uint64_t active_bytes, inactive_bytes;
	uint64_t active_anon_bytes, inactive_anon_bytes, active_file_bytes, inactive_file_bytes;
	uint64_t swap_total_bytes, swap_free_bytes;
	uint64_t shmem_bytes, mapped_bytes, slab_bytes, sreclaimable_bytes, sunreclaim_bytes;
	size_t n_lines;
	struct procfs_meminfo_line lines[96];
};
int procfs_parse_meminfo(const char *buf, size_t len, struct procfs_meminfo *ret);

/* /proc/stat. Times are in USER_HZ ticks as the file gives them. */
enum procfs_cpu_time {
	PROCFS_CPU_USER,
	PROCFS_CPU_NICE,
	PROCFS_CPU_SYSTEM,
	PROCFS_CPU_IDLE,
	PROCFS_CPU_IOWAIT,
	PROCFS_CPU_IRQ,
	PROCFS_CPU_SOFTIRQ,
	PROCFS_CPU_STEAL,
	PROCFS_CPU_GUEST,
	PROCFS_CPU_GUEST_NICE,
	PROCFS_CPU_TIME_COUNT,
};
struct procfs_cpu_line {
	int cpu; /* -1 for the aggregate "cpu" line */
	uint64_t ticks[PROCFS_CPU_TIME_COUNT];
};
struct procfs_stat {
	struct procfs_cpu_line total;
	size_t n_cpus;		      /* cpuN lines present (offline CPUs have none) */
	struct procfs_cpu_line *cpus; /* n_cpus entries, owned: procfs_stat_free() */
	uint64_t ctxt, btime_s, processes, procs_running, procs_blocked;
	/* Byte range of the "intr" .. end text the fsd copies unchanged. */
	size_t tail_offset;
};
int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *ret);
void procfs_stat_free(struct procfs_stat *st);

/* /proc/cpuinfo: the byte range of each processor's block, so the fsd can
 * copy the blocks of visible CPUs and rewrite their "processor" numbers. */
struct procfs_cpuinfo_block {
	int processor; /* -1 for a block without one (arm's trailing Hardware block) */
	size_t offset,
		length; /* the block's text, with its last newline, without the blank line after it */
};
struct procfs_cpuinfo {
	size_t n_blocks;
	struct procfs_cpuinfo_block *blocks; /* owned: procfs_cpuinfo_free() */
};
int procfs_parse_cpuinfo(const char *buf, size_t len, struct procfs_cpuinfo *ret);
void procfs_cpuinfo_free(struct procfs_cpuinfo *ci);

/* /proc/uptime */
struct procfs_uptime {
	double uptime_s, idle_s;
};
int procfs_parse_uptime(const char *buf, size_t len, struct procfs_uptime *ret);

/* /proc/loadavg */
struct procfs_loadavg {
	double load1, load5, load15;
	uint64_t running, total;
	int64_t last_pid;
};
int procfs_parse_loadavg(const char *buf, size_t len, struct procfs_loadavg *ret);

/* /proc/diskstats: the first eleven fields plus the discard/flush ones when present.
 * An empty file (no block devices) is 0 disks, not an error. */
struct procfs_diskstat {
	unsigned major, minor;
	char name[64];
	uint64_t reads, reads_merged, sectors_read, read_ms;
	uint64_t writes, writes_merged, sectors_written, write_ms;
	uint64_t ios_in_progress, io_ms, weighted_io_ms;
	uint64_t discards, discards_merged, sectors_discarded,
		discard_ms;	    /* HUTCH_UNKNOWN on old kernels */
	uint64_t flushes, flush_ms; /* HUTCH_UNKNOWN on old kernels */
};
struct procfs_diskstats {
	size_t n_disks;
	struct procfs_diskstat *disks; /* owned: procfs_diskstats_free() */
};
int procfs_parse_diskstats(const char *buf, size_t len, struct procfs_diskstats *ret);
void procfs_diskstats_free(struct procfs_diskstats *ds);

/* /proc/PID/stat (the comm may hold spaces and parentheses). */
struct procfs_pid_stat {
	int pid;
	char comm[64];
	char state;
	int ppid, pgrp, session;
	uint64_t utime_ticks, stime_ticks;
	int64_t priority, nice, num_threads;
	uint64_t starttime_ticks; /* since boot */
	uint64_t vsize_bytes, rss_pages;
	int processor;
};
int procfs_parse_pid_stat(const char *buf, size_t len, struct procfs_pid_stat *ret);

/* /proc/PID/status: the fields hutch uses. NSpid is the pid in each nested namespace. */
struct procfs_pid_status {
	char name[64];
	char state;
	int tgid, pid, ppid;
	uid_t uid_real, uid_effective;
	gid_t gid_real, gid_effective;
	uint64_t vm_rss_bytes, threads;
	size_t n_nspid;
	int nspid[8]; /* outermost first */
	uint64_t voluntary_ctxt_switches, nonvoluntary_ctxt_switches;
};
int procfs_parse_pid_status(const char *buf, size_t len, struct procfs_pid_status *ret);

/* /proc/PID/cgroup: "hierarchy-id:controllers:path" lines. More than 16 is -E2BIG. */
struct procfs_cgroup_entry {
	int hierarchy_id;      /* 0 for the cgroup2 line */
	char controllers[128]; /* comma-separated; "" for cgroup2, "name=systemd" for named ones */
	char path[4096];
};
struct procfs_pid_cgroup {
	size_t n_entries;
	struct procfs_cgroup_entry entries[16];
};
int procfs_parse_pid_cgroup(const char *buf, size_t len, struct procfs_pid_cgroup *ret);

/* /proc/self/mountinfo. Paths are unescaped (\040 and friends). */
struct procfs_mount {
	int mount_id, parent_id;
	unsigned major, minor;
	char *root; /* the mount's root within its filesystem */
	char *mount_point;
	char *mount_options;
	char *fstype;
	char *source;
	char *super_options;
};
struct procfs_mountinfo {
	size_t n_mounts;
	struct procfs_mount *mounts; /* owned: procfs_mountinfo_free() */
};
int procfs_parse_mountinfo(const char *buf, size_t len, struct procfs_mountinfo *ret);
void procfs_mountinfo_free(struct procfs_mountinfo *mi);

/* /proc/PID/net/dev: a device's counters (receive fields 0-3, transmit 8-11). */
struct procfs_net_dev {
	char name[32];
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};
/* Fills up to max entries; returns how many, or -EINVAL. */
int procfs_parse_net_dev(const char *buf, size_t len, struct procfs_net_dev *ret, size_t max);

/* The target of a /proc/PID/ns/TYPE link (readlink, not NUL-terminated):
 * "TYPE:[INODE]", e.g. "pid:[4026531836]". -EINVAL when it is not that. */
int procfs_parse_ns_link(const char *buf, size_t len, const char *type, uint64_t *ret_inode);

#endif
