/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers of cgroup control files (v1 and v2): a buffer in, values out,
 * no I/O. Buffers need not be NUL-terminated; no parser reads past len.
 * Each returns 0 or a negative errno (-EINVAL for text it cannot use) and
 * writes ret_* only on success. Lines a parser does not understand are
 * skipped, so a newer kernel's extra keys never break an older hutch.
 */
#ifndef HUTCH_CGROUP_PARSE_H
#define HUTCH_CGROUP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "hutch/cgroup.h"

/*
 * Flat keyed files ("key value" per line: memory.stat, cpu.stat,
 * cpuacct.stat, memory.events, memory.oom_control). For each of the n keys,
 * ret_values[i] gets the value of the line with that key, or HUTCH_UNKNOWN
 * when no such line is there. Returns the number of keys found.
 */
int cgroup_parse_keyed(const char *buf, size_t len, const char *const *keys, size_t n,
		       uint64_t *ret_values);

/* A single unsigned number ("123\n"): usage, current, counters. */
int cgroup_parse_u64(const char *buf, size_t len, uint64_t *ret);

/*
 * A single limit: "max" (v2), "-1" or anything >= 2^62 (v1's "unlimited" is
 * 9223372036854771712, the page-rounded LONG_MAX) is HUTCH_UNLIMITED.
 */
#define CGROUP_V1_UNLIMITED_MIN (UINT64_C(1) << 62)
int cgroup_parse_limit(const char *buf, size_t len, uint64_t *ret);

/* A signed v1 value such as cpu.cfs_quota_us: -1 is HUTCH_UNLIMITED. */
int cgroup_parse_quota(const char *buf, size_t len, uint64_t *ret);

/* v2 cpu.max: "$MAX $PERIOD" or "$MAX"; quota is HUTCH_UNLIMITED for "max",
 * the period HUTCH_UNKNOWN when absent. */
int cgroup_parse_cpu_max(const char *buf, size_t len, uint64_t *ret_quota_us,
			 uint64_t *ret_period_us);

/* *.pressure: "some avg10=.. avg60=.. avg300=.. total=..", optionally a "full" line
 * (cpu.pressure has none before 5.13). A missing line leaves its averages 0 and
 * its total HUTCH_UNKNOWN; -EINVAL when neither line is there. */
int cgroup_parse_psi(const char *buf, size_t len, struct cgroup_psi *ret);

/*
 * Block IO per device, merged into *devs (an array of *n entries, grown with
 * realloc; the caller frees it). v2 io.stat lines are "8:0 rbytes=1 wbytes=2
 * rios=3 wios=4 dbytes=.. dios=..". v1 blkio files (io_service_bytes or
 * io_serviced, ios false or true) are "8:0 Read 123" lines plus a "Total N".
 * Fields a file does not give stay HUTCH_UNKNOWN.
 */
int cgroup_parse_io_stat(const char *buf, size_t len, struct cgroup_blkio_device **devs, size_t *n);
int cgroup_parse_blkio_v1(const char *buf, size_t len, bool ios, struct cgroup_blkio_device **devs,
			  size_t *n);

/* cpuacct.usage_percpu: space-separated nanoseconds, one per possible CPU. */
int cgroup_parse_percpu(const char *buf, size_t len, uint64_t **ret_values, size_t *ret_n);

/* cgroup.controllers / cgroup.subtree_control: "cpuset cpu io memory pids" as a
 * mask of 1u << enum cgroup_controller (names hutch does not know are skipped). */
int cgroup_parse_controllers(const char *buf, size_t len, uint32_t *ret_mask);

/* A one-line string value (cpuset.cpus): copied without the newline. -ENOBUFS if it does not fit. */
int cgroup_parse_line(const char *buf, size_t len, char *out, size_t size);

#endif
