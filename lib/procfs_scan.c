/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"

bool procfs_next_line(const char *buf, size_t len, size_t *pos, struct span *ret_line)
{
	if (*pos >= len)
		return false;
	const char *start = buf + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - start) : len - *pos;
	*ret_line = (struct span){start, n};
	*pos += n + (nl ? 1 : 0);
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool procfs_next_field(struct span *s, struct span *ret_field)
{
	size_t i = 0;
	while (i < s->n && is_blank(s->p[i]))
		i++;
	if (i == s->n) {
		s->p += i;
		s->n = 0;
		return false;
	}
	size_t start = i;
	while (i < s->n && !is_blank(s->p[i]))
		i++;
	*ret_field = (struct span){s->p + start, i - start};
	s->p += i;
	s->n -= i;
	return true;
}

bool procfs_split_at(struct span *s, char c, struct span *ret_head)
{
	const char *at = s->n ? memchr(s->p, c, s->n) : NULL;
	if (!at)
		return false;
	size_t head = (size_t)(at - s->p);
	*ret_head = (struct span){s->p, head};
	s->p += head + 1;
	s->n -= head + 1;
	return true;
}

struct span procfs_trim(struct span s)
{
	while (s.n && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && (is_blank(s.p[s.n - 1]) || s.p[s.n - 1] == '\r'))
		s.n--;
	return s;
}

bool procfs_span_eq(struct span s, const char *str)
{
	size_t n = strlen(str);
	return s.n == n && memcmp(s.p, str, n) == 0;
}

bool procfs_span_starts(struct span s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

int procfs_span_u64(struct span s, uint64_t *ret)
{
	if (s.n == 0)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		unsigned d = (unsigned)(c - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int procfs_span_i64(struct span s, int64_t *ret)
{
	bool neg = s.n && s.p[0] == '-';
	if (neg) {
		s.p++;
		s.n--;
	}
	uint64_t v;
	int r = procfs_span_u64(s, &v);
	if (r < 0)
		return r;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*ret = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -ERANGE;
		*ret = (int64_t)v;
	}
	return 0;
}

int procfs_span_int(struct span s, int *ret)
{
	int64_t v;
	int r = procfs_span_i64(s, &v);
	if (r < 0)
		return r;
	if (v < INT32_MIN || v > INT32_MAX)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

int procfs_span_double(struct span s, double *ret)
{
	/* strtod needs a NUL; the numbers /proc writes are short. */
	char tmp[64];
	if (s.n == 0 || s.n >= sizeof(tmp))
		return -EINVAL;
	for (size_t i = 0; i < s.n; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == '.'))
			return -EINVAL;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (errno || *end != '\0' || end == tmp || !isfinite(v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int procfs_span_copy(struct span s, char *dst, size_t size)
{
	if (s.n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
	return 0;
}

void procfs_span_copy_trunc(struct span s, char *dst, size_t size)
{
	size_t n = s.n < size - 1 ? s.n : size - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}
