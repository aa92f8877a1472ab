/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/stat and /proc/PID/status (proc(5)). In stat the comm is in
 * parentheses and may itself hold spaces and ')', so it ends at the last ')'.
 */
#include <errno.h>
#include <string.h>

#include "procfs_internal.h"

/* Fields after the comm, counted from the state (proc(5) field 3 is index 0). */
enum {
	F_STATE = 0,
	F_PPID = 1,
	F_PGRP = 2,
	F_SESSION = 3,
	F_UTIME = 11,
	F_STIME = 12,
	F_PRIORITY = 15,
	F_NICE = 16,
	F_NUM_THREADS = 17,
	F_STARTTIME = 19,
	F_VSIZE = 20,
	F_RSS = 21,
	F_PROCESSOR = 36, /* since 2.2.8 */
	F_REQUIRED = F_RSS + 1,
};

int procfs_parse_pid_stat(const char *buf, size_t len, struct procfs_pid_stat *ret)
{
	if (!buf || len == 0)
		return -EINVAL;
	const char *open = memchr(buf, '(', len);
	const char *close = NULL;
	for (size_t i = len; i > 0; i--)
		if (buf[i - 1] == ')') {
			close = buf + i - 1;
			break;
		}
	if (!open || !close || close < open)
		return -EINVAL;

	struct procfs_pid_stat st;
	memset(&st, 0, sizeof(st));
	struct span pid = procfs_trim((struct span){buf, (size_t)(open - buf)});
	if (procfs_span_int(pid, &st.pid) < 0 || st.pid < 0)
		return -EINVAL;
	procfs_span_copy_trunc((struct span){open + 1, (size_t)(close - open - 1)}, st.comm,
			       sizeof(st.comm));

	/* The rest is one line of numbers after the state letter. */
	struct span rest = {close + 1, len - (size_t)(close + 1 - buf)};
	const char *nl = rest.n ? memchr(rest.p, '\n', rest.n) : NULL;
	if (nl)
		rest.n = (size_t)(nl - rest.p);
	struct span f[F_PROCESSOR + 1];
	size_t n = 0;
	struct span field;
	while (n < ARRAY_SIZE(f) && procfs_next_field(&rest, &field))
		f[n++] = field;
	if (n < F_REQUIRED || f[F_STATE].n != 1)
		return -EINVAL;
	st.state = f[F_STATE].p[0];

	int64_t ppid, pgrp, session;
	if (procfs_span_i64(f[F_PPID], &ppid) < 0 || procfs_span_i64(f[F_PGRP], &pgrp) < 0 ||
	    procfs_span_i64(f[F_SESSION], &session) < 0 ||
	    procfs_span_u64(f[F_UTIME], &st.utime_ticks) < 0 ||
	    procfs_span_u64(f[F_STIME], &st.stime_ticks) < 0 ||
	    procfs_span_i64(f[F_PRIORITY], &st.priority) < 0 ||
	    procfs_span_i64(f[F_NICE], &st.nice) < 0 ||
	    procfs_span_i64(f[F_NUM_THREADS], &st.num_threads) < 0 ||
	    procfs_span_u64(f[F_STARTTIME], &st.starttime_ticks) < 0 ||
	    procfs_span_u64(f[F_VSIZE], &st.vsize_bytes) < 0 ||
	    procfs_span_u64(f[F_RSS], &st.rss_pages) < 0)
		return -EINVAL;
	if (ppid < INT32_MIN || ppid > INT32_MAX || pgrp < INT32_MIN || pgrp > INT32_MAX ||
	    session < INT32_MIN || session > INT32_MAX)
		return -EINVAL;
	st.ppid = (int)ppid;
	st.pgrp = (int)pgrp;
	st.session = (int)session;
	st.processor = -1;
	if (n > F_PROCESSOR && procfs_span_int(f[F_PROCESSOR], &st.processor) < 0)
		return -EINVAL;
	*ret = st;
	return 0;
}

/* The kernel escapes the Name: value (\n, \\ and other specials); decode the common ones. */
static void copy_name(struct span s, char *dst, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < s.n && o + 1 < size; i++) {
		char c = s.p[i];
		if (c == '\\' && i + 1 < s.n) {
			char e = s.p[++i];
			c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
		}
		dst[o++] = c;
	}
	dst[o] = '\0';
}

static int parse_id_pair(struct span v, uint32_t *ret_real, uint32_t *ret_effective)
{
	struct span a, b;
	uint64_t r, e;
	if (!procfs_next_field(&v, &a) || !procfs_next_field(&v, &b) ||
	    procfs_span_u64(a, &r) < 0 || procfs_span_u64(b, &e) < 0 || r > UINT32_MAX ||
	    e > UINT32_MAX)
		return -EINVAL;
	*ret_real = (uint32_t)r;
	*ret_effective = (uint32_t)e;
	return 0;
}

static int parse_kb(struct span v, uint64_t *ret)
{
	struct span num, unit;
	uint64_t x;
	if (!procfs_next_field(&v, &num) || procfs_span_u64(num, &x) < 0 ||
	    !procfs_next_field(&v, &unit) || !procfs_span_eq(unit, "kB") || x > UINT64_MAX / 1024)
		return -EINVAL;
	*ret = x * 1024;
	return 0;
}

static int parse_one(struct span v, uint64_t *ret)
{
	struct span num, extra;
	if (!procfs_next_field(&v, &num) || procfs_next_field(&v, &extra))
		return -EINVAL;
	return procfs_span_u64(num, ret) < 0 ? -EINVAL : 0;
}

static int parse_int(struct span v, int *ret)
{
	uint64_t x;
	if (parse_one(v, &x) < 0 || x > INT32_MAX)
		return -EINVAL;
	*ret = (int)x;
	return 0;
}

int procfs_parse_pid_status(const char *buf, size_t len, struct procfs_pid_status *ret)
{
	if (!buf || len == 0)
		return -EINVAL;
	struct procfs_pid_status st;
	memset(&st, 0, sizeof(st));
	st.tgid = st.pid = st.ppid = -1;
	st.uid_real = st.uid_effective = (uid_t)-1;
	st.gid_real = st.gid_effective = (gid_t)-1;
	st.vm_rss_bytes = st.threads = HUTCH_UNKNOWN;
	st.voluntary_ctxt_switches = st.nonvoluntary_ctxt_switches = HUTCH_UNKNOWN;
	bool have_name = false;

	size_t pos = 0;
	struct span line;
	while (procfs_next_line(buf, len, &pos, &line)) {
		struct span key, v = line;
		if (procfs_trim(line).n == 0)
			continue;
		if (!procfs_split_at(&v, ':', &key))
			return -EINVAL;
		int r = 0;
		if (procfs_span_eq(key, "Name")) {
			/* The name follows one tab and may start or end with spaces. */
			if (v.n && v.p[0] == '\t') {
				v.p++;
				v.n--;
			}
			copy_name(v, st.name, sizeof(st.name));
			have_name = true;
		} else if (procfs_span_eq(key, "State")) {
			struct span s;
			if (!procfs_next_field(&v, &s) || s.n != 1)
				return -EINVAL;
			st.state = s.p[0];
		} else if (procfs_span_eq(key, "Tgid")) {
			r = parse_int(v, &st.tgid);
		} else if (procfs_span_eq(key, "Pid")) {
			r = parse_int(v, &st.pid);
		} else if (procfs_span_eq(key, "PPid")) {
			r = parse_int(v, &st.ppid);
		} else if (procfs_span_eq(key, "Uid")) {
			uint32_t a, b;
			r = parse_id_pair(v, &a, &b);
			st.uid_real = a;
			st.uid_effective = b;
		} else if (procfs_span_eq(key, "Gid")) {
			uint32_t a, b;
			r = parse_id_pair(v, &a, &b);
			st.gid_real = a;
			st.gid_effective = b;
		} else if (procfs_span_eq(key, "VmRSS")) {
			r = parse_kb(v, &st.vm_rss_bytes);
		} else if (procfs_span_eq(key, "Threads")) {
			r = parse_one(v, &st.threads);
		} else if (procfs_span_eq(key, "NSpid")) {
			struct span f;
			st.n_nspid = 0;
			while (procfs_next_field(&v, &f)) {
				if (st.n_nspid == ARRAY_SIZE(st.nspid))
					return -EINVAL; /* the kernel nests at most 32 levels; 8 is plenty for real hosts */
				if (procfs_span_int(f, &st.nspid[st.n_nspid]) < 0)
					return -EINVAL;
				st.n_nspid++;
			}
		} else if (procfs_span_eq(key, "voluntary_ctxt_switches")) {
			r = parse_one(v, &st.voluntary_ctxt_switches);
		} else if (procfs_span_eq(key, "nonvoluntary_ctxt_switches")) {
			r = parse_one(v, &st.nonvoluntary_ctxt_switches);
		}
		if (r < 0)
			return -EINVAL;
	}
	if (!have_name || st.pid < 0 || st.state == 0)
		return -EINVAL;
	*ret = st;
	return 0;
}
