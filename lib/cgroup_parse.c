/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers of cgroup control files. Every parser walks the buffer line
 * by line, copying each line into a bounded, NUL-terminated scratch buffer,
 * so string functions never run past len and fuzzers find nothing to read
 * out of bounds.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/cgroup_parse.h"

/* Longer lines than this are not cgroup file lines hutch understands. */
#define LINE_MAX_LEN 1024

struct line_iter {
	const char *p, *end;
};

/* Copies the next line into out (without its newline); false at the end.
 * Lines that do not fit are skipped whole. */
static bool next_line(struct line_iter *it, char *out, size_t size)
{
	while (it->p < it->end) {
		const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
		const char *stop = nl ? nl : it->end;
		size_t n = (size_t)(stop - it->p);
		const char *start = it->p;
		it->p = nl ? nl + 1 : it->end;
		if (n >= size)
			continue;
		memcpy(out, start, n);
		out[n] = '\0';
		/* An embedded NUL ends the line: the rest is not text. */
		return true;
	}
	return false;
}

static char *skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* Parses an unsigned decimal number that is the whole token. */
static bool parse_u64_token(const char *s, uint64_t *ret)
{
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (*end != '\0')
		return false;
	*ret = v;
	return true;
}

/* Splits off the next whitespace-separated token; NULL when none is left. */
static char *next_token(char **s)
{
	char *p = skip_ws(*s);
	if (*p == '\0') {
		*s = p;
		return NULL;
	}
	char *tok = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	if (*p)
		*p++ = '\0';
	*s = p;
	return tok;
}

int cgroup_parse_keyed(const char *buf, size_t len, const char *const *keys, size_t n,
		       uint64_t *ret_values)
{
	if (!buf && len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		ret_values[i] = HUTCH_UNKNOWN;
	struct line_iter it = {buf, buf + len};
	char line[LINE_MAX_LEN];
	int found = 0;
	while (next_line(&it, line, sizeof(line))) {
		char *s = line;
		char *key = next_token(&s);
		if (!key)
			continue;
		/* The key first: most lines of memory.stat are not asked for. */
		size_t i = 0;
		while (i < n && (keys[i][0] != key[0] || strcmp(keys[i], key) != 0))
			i++;
		char *val = i < n ? next_token(&s) : NULL;
		uint64_t v;
		if (!val || next_token(&s) || !parse_u64_token(val, &v))
			continue;
		if (ret_values[i] == HUTCH_UNKNOWN)
			found++;
		ret_values[i] = v;
	}
	return found;
}

/* The buffer's text up to the first newline, trimmed, copied into out. */
static int first_line(const char *buf, size_t len, char *out, size_t size)
{
	if (!buf && len)
		return -EINVAL;
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	if (memchr(buf, '\0', n))
		return -EINVAL;
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
		n--;
	size_t start = 0;
	while (start < n && (buf[start] == ' ' || buf[start] == '\t'))
		start++;
	if (n - start >= size)
		return -ENOBUFS;
	memcpy(out, buf + start, n - start);
	out[n - start] = '\0';
	return 0;
}

/* A one-value file's first line into s: a line too long for s is no value of ours. */
static int value_line(const char *buf, size_t len, char *s, size_t size)
{
	int r = first_line(buf, len, s, size);
	return r == -ENOBUFS ? -EINVAL : r;
}

/* A value that is one plain number; *ret untouched when it is not. */
static int u64_value(const char *s, uint64_t *ret)
{
	uint64_t v;
	if (!parse_u64_token(s, &v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int cgroup_parse_u64(const char *buf, size_t len, uint64_t *ret)
{
	char s[64];
	int r = value_line(buf, len, s, sizeof(s));
	return r < 0 ? r : u64_value(s, ret);
}

int cgroup_parse_limit(const char *buf, size_t len, uint64_t *ret)
{
	char s[64];
	int r = value_line(buf, len, s, sizeof(s));
	if (r < 0)
		return r;
	uint64_t v = HUTCH_UNLIMITED;
	if (strcmp(s, "max") != 0 && strcmp(s, "-1") != 0 && u64_value(s, &v) < 0)
		return -EINVAL;
	*ret = v >= CGROUP_V1_UNLIMITED_MIN ? HUTCH_UNLIMITED : v;
	return 0;
}

int cgroup_parse_quota(const char *buf, size_t len, uint64_t *ret)
{
	char s[64];
	int r = value_line(buf, len, s, sizeof(s));
	if (r < 0)
		return r;
	if (strcmp(s, "max") == 0) {
		*ret = HUTCH_UNLIMITED;
		return 0;
	}
	/* Any negative quota means "no quota" to the kernel. */
	uint64_t v;
	if (s[0] == '-') {
		if (u64_value(s + 1, &v) < 0 || v == 0)
			return -EINVAL;
		*ret = HUTCH_UNLIMITED;
		return 0;
	}
	return u64_value(s, ret);
}

int cgroup_parse_cpu_max(const char *buf, size_t len, uint64_t *ret_quota_us,
			 uint64_t *ret_period_us)
{
	char s[128];
	int r = value_line(buf, len, s, sizeof(s));
	if (r < 0)
		return r;
	char *p = s;
	char *q = next_token(&p);
	char *per = next_token(&p);
	if (!q || next_token(&p))
		return -EINVAL;
	uint64_t quota, period = HUTCH_UNKNOWN;
	if (strcmp(q, "max") == 0)
		quota = HUTCH_UNLIMITED;
	else if (!parse_u64_token(q, &quota) || quota >= HUTCH_UNLIMITED)
		return -EINVAL;
	if (per && (!parse_u64_token(per, &period) || period == 0 || period >= HUTCH_UNLIMITED))
		return -EINVAL;
	*ret_quota_us = quota;
	*ret_period_us = period;
	return 0;
}

/* A PSI average: "12.34" in percent. */
static bool parse_avg(const char *s, double *ret)
{
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	double v = strtod(s, &end);
	if (*end != '\0' || !(v >= 0.0 && v <= 100.0))
		return false;
	*ret = v;
	return true;
}

int cgroup_parse_psi(const char *buf, size_t len, struct cgroup_psi *ret)
{
	if (!buf && len)
		return -EINVAL;
	struct cgroup_psi psi = {0};
	psi.some_total_us = HUTCH_UNKNOWN;
	psi.full_total_us = HUTCH_UNKNOWN;
	struct line_iter it = {buf, buf + len};
	char line[LINE_MAX_LEN];
	bool any = false;
	while (next_line(&it, line, sizeof(line))) {
		char *s = line;
		char *kind = next_token(&s);
		if (!kind)
			continue;
		double avg[3] = {0};
		uint64_t total = HUTCH_UNKNOWN;
		bool ok = true;
		int seen = 0;
		char *tok;
		while ((tok = next_token(&s))) {
			char *eq = strchr(tok, '=');
			if (!eq) {
				ok = false;
				break;
			}
			*eq = '\0';
			const char *v = eq + 1;
			if (strcmp(tok, "avg10") == 0)
				ok = parse_avg(v, &avg[0]);
			else if (strcmp(tok, "avg60") == 0)
				ok = parse_avg(v, &avg[1]);
			else if (strcmp(tok, "avg300") == 0)
				ok = parse_avg(v, &avg[2]);
			else if (strcmp(tok, "total") == 0)
				ok = parse_u64_token(v, &total) && total != HUTCH_UNKNOWN;
			else
				continue;
			if (!ok)
				break;
			seen++;
		}
		if (!ok || seen == 0)
			continue;
		if (strcmp(kind, "some") == 0) {
			psi.some_avg10 = avg[0];
			psi.some_avg60 = avg[1];
			psi.some_avg300 = avg[2];
			psi.some_total_us = total;
			any = true;
		} else if (strcmp(kind, "full") == 0) {
			psi.full_avg10 = avg[0];
			psi.full_avg60 = avg[1];
			psi.full_avg300 = avg[2];
			psi.full_total_us = total;
			any = true;
		}
	}
	if (!any)
		return -EINVAL;
	*ret = psi;
	return 0;
}

/* Finds the device's entry in *devs or appends one with every field unknown. */
static struct cgroup_blkio_device *blkio_device(struct cgroup_blkio_device **devs, size_t *n,
						unsigned major, unsigned minor)
{
	for (size_t i = 0; i < *n; i++)
		if ((*devs)[i].major == major && (*devs)[i].minor == minor)
			return &(*devs)[i];
	struct cgroup_blkio_device *d = realloc(*devs, (*n + 1) * sizeof(**devs));
	if (!d)
		return NULL;
	*devs = d;
	d = &d[(*n)++];
	*d = (struct cgroup_blkio_device){
		.major = major,
		.minor = minor,
		.read_bytes = HUTCH_UNKNOWN,
		.write_bytes = HUTCH_UNKNOWN,
		.read_ios = HUTCH_UNKNOWN,
		.write_ios = HUTCH_UNKNOWN,
	};
	return d;
}

/* "8:0" */
static bool parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long ma = strtoul(s, &end, 10);
	if (errno || *end != ':' || ma > 0xfffff)
		return false;
	s = end + 1;
	if (!isdigit((unsigned char)*s))
		return false;
	unsigned long mi = strtoul(s, &end, 10);
	if (errno || *end != '\0' || mi > 0xfffff)
		return false;
	*ret_major = (unsigned)ma;
	*ret_minor = (unsigned)mi;
	return true;
}

/* The lines of a block-I/O file that start with a device's "MAJ:MIN". */
struct device_lines {
	struct line_iter it;
	char line[LINE_MAX_LEN];
	char *rest; /* the line's tokens after the device */
	unsigned major, minor;
};

/* The next device line; lines of other kinds ("Total N") are passed over. */
static bool next_device_line(struct device_lines *dl)
{
	while (next_line(&dl->it, dl->line, sizeof(dl->line))) {
		dl->rest = dl->line;
		char *dev = next_token(&dl->rest);
		if (dev && parse_devnum(dev, &dl->major, &dl->minor))
			return true;
	}
	return false;
}

int cgroup_parse_io_stat(const char *buf, size_t len, struct cgroup_blkio_device **devs, size_t *n)
{
	if (!buf && len)
		return -EINVAL;
	struct device_lines dl = {.it = {buf, buf + len}};
	while (next_device_line(&dl)) {
		uint64_t v[4] = {HUTCH_UNKNOWN, HUTCH_UNKNOWN, HUTCH_UNKNOWN, HUTCH_UNKNOWN};
		static const char *const keys[4] = {"rbytes", "wbytes", "rios", "wios"};
		char *tok;
		while ((tok = next_token(&dl.rest))) {
			char *eq = strchr(tok, '=');
			if (!eq)
				continue;
			*eq = '\0';
			for (size_t k = 0; k < 4; k++) {
				uint64_t x;
				if (strcmp(tok, keys[k]) == 0 && parse_u64_token(eq + 1, &x) &&
				    x != HUTCH_UNKNOWN)
					v[k] = x;
			}
		}
		struct cgroup_blkio_device *d = blkio_device(devs, n, dl.major, dl.minor);
		if (!d)
			return -ENOMEM;
		if (v[0] != HUTCH_UNKNOWN)
			d->read_bytes = v[0];
		if (v[1] != HUTCH_UNKNOWN)
			d->write_bytes = v[1];
		if (v[2] != HUTCH_UNKNOWN)
			d->read_ios = v[2];
		if (v[3] != HUTCH_UNKNOWN)
			d->write_ios = v[3];
	}
	return 0;
}

int cgroup_parse_blkio_v1(const char *buf, size_t len, bool ios, struct cgroup_blkio_device **devs,
			  size_t *n)
{
	if (!buf && len)
		return -EINVAL;
	struct device_lines dl = {.it = {buf, buf + len}};
	/* The "Total N" line has no device; Sync/Async/Discard are not kept. */
	while (next_device_line(&dl)) {
		char *op = next_token(&dl.rest);
		char *val = next_token(&dl.rest);
		uint64_t v;
		if (!op || !val || next_token(&dl.rest) || !parse_u64_token(val, &v) ||
		    v == HUTCH_UNKNOWN)
			continue;
		bool read = strcmp(op, "Read") == 0;
		if (!read && strcmp(op, "Write") != 0)
			continue;
		struct cgroup_blkio_device *d = blkio_device(devs, n, dl.major, dl.minor);
		if (!d)
			return -ENOMEM;
		if (ios)
			*(read ? &d->read_ios : &d->write_ios) = v;
		else
			*(read ? &d->read_bytes : &d->write_bytes) = v;
	}
	return 0;
}

int cgroup_parse_percpu(const char *buf, size_t len, uint64_t **ret_values, size_t *ret_n)
{
	if (!buf && len)
		return -EINVAL;
	uint64_t *vals = NULL;
	size_t n = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t'))
			i++;
		if (i >= len)
			break;
		char num[32];
		size_t k = 0;
		while (i < len && buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\t') {
			if (k + 1 >= sizeof(num)) {
				free(vals);
				return -EINVAL;
			}
			num[k++] = buf[i++];
		}
		num[k] = '\0';
		uint64_t v;
		if (!parse_u64_token(num, &v)) {
			free(vals);
			return -EINVAL;
		}
		/* One per possible CPU: a few thousand at most. */
		if (n >= 65536) {
			free(vals);
			return -EINVAL;
		}
		uint64_t *nv = realloc(vals, (n + 1) * sizeof(*vals));
		if (!nv) {
			free(vals);
			return -ENOMEM;
		}
		vals = nv;
		vals[n++] = v;
	}
	if (n == 0) {
		free(vals);
		return -EINVAL;
	}
	*ret_values = vals;
	*ret_n = n;
	return 0;
}

int cgroup_parse_controllers(const char *buf, size_t len, uint32_t *ret_mask)
{
	char s[LINE_MAX_LEN];
	int r = first_line(buf, len, s, sizeof(s));
	if (r < 0)
		return r == -ENOBUFS ? -EINVAL : r;
	uint32_t mask = 0;
	char *p = s, *tok;
	while ((tok = next_token(&p))) {
		int c = cgroup_controller_from_name(tok);
		if (c >= 0)
			mask |= 1u << c;
	}
	*ret_mask = mask;
	return 0;
}

int cgroup_parse_line(const char *buf, size_t len, char *out, size_t size)
{
	return first_line(buf, len, out, size);
}

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (!hutch_known(shares))
		return shares;
	/* The kernel's and runc's mapping of [2, 262144] onto [1, 10000]. */
	return 1 + ((clamp_u64(shares, 2, 262144) - 2) * 9999) / 262142;
}

uint64_t cgroup_weight_to_shares(uint64_t weight)
{
	if (!hutch_known(weight))
		return weight;
	/* Rounded up, so that converting back gives the same weight. */
	return 2 + ((clamp_u64(weight, 1, 10000) - 1) * 262142 + 9998) / 9999;
}
