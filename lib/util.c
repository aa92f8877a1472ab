/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "hutch/util.h"

__attribute__((format(printf, 4, 0))) static int
error_vset(struct hutch_error *e, int err, bool with_strerror, const char *fmt, va_list ap)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		err = EIO;
	if (!e)
		return -err;
	e->err = err;
	int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (with_strerror && n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(err));
	return -err;
}

int hutch_error_set(struct hutch_error *e, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(e, err, false, fmt, ap);
	va_end(ap);
	return r;
}

int hutch_error_setsys(struct hutch_error *e, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(e, err, true, fmt, ap);
	va_end(ap);
	return r;
}

int hutch_error_wrap(struct hutch_error *e, const char *fmt, ...)
{
	if (!e)
		return -EIO;
	char prefix[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* "prefix: old", truncated to fit: the newest context is kept whole. */
	size_t plen = strlen(prefix), olen = strnlen(e->msg, sizeof(e->msg) - 1);
	if (plen + 2 >= sizeof(e->msg))
		plen = sizeof(e->msg) - 3;
	if (plen + 2 + olen >= sizeof(e->msg))
		olen = sizeof(e->msg) - 3 - plen;
	memmove(e->msg + plen + 2, e->msg, olen);
	memcpy(e->msg, prefix, plen);
	memcpy(e->msg + plen, ": ", 2);
	e->msg[plen + 2 + olen] = '\0';
	if (e->err == 0)
		e->err = EIO;
	return -e->err;
}

void hutch_error_clear(struct hutch_error *e)
{
	if (e) {
		e->err = 0;
		e->msg[0] = '\0';
	}
}

#define HUTCH_READ_DEFAULT_MAX (16u << 20)

static int read_fd_all(int fd, size_t max_bytes, char **ret_buf, size_t *ret_len)
{
	if (max_bytes == 0)
		max_bytes = HUTCH_READ_DEFAULT_MAX;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (cap - len < 2) {
			if (cap >= max_bytes + 1) {
				free(buf);
				return -EFBIG;
			}
			size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
			char *nbuf = realloc(buf, ncap);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = -errno;
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int hutch_read_file_at(int dirfd, const char *path, size_t max_bytes, char **ret_buf,
		       size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_fd_all(fd, max_bytes, ret_buf, ret_len);
}

int hutch_read_file(const char *path, size_t max_bytes, char **ret_buf, size_t *ret_len)
{
	return hutch_read_file_at(AT_FDCWD, path, max_bytes, ret_buf, ret_len);
}

ssize_t hutch_pread_all(int fd, char *buf, size_t cap)
{
	if (cap == 0)
		return -EINVAL;
	size_t len = 0;
	while (len < cap - 1) {
		ssize_t n = pread(fd, buf + len, cap - 1 - len, (off_t)len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* One pread from offset 0 into buf (cap bytes, NUL-terminated); returns its length. */
static ssize_t pread_once(int fd, char *buf, size_t cap)
{
	if (cap == 0)
		return -EINVAL;
	ssize_t n;
	do
		n = pread(fd, buf, cap - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

static ssize_t pread_grow(int fd, char **buf, size_t *cap, size_t max, unsigned grow, bool once)
{
	for (;;) {
		ssize_t n = once ? pread_once(fd, *buf, *cap) : hutch_pread_all(fd, *buf, *cap);
		/* A file that leaves room is read whole. */
		if (n < 0 || (size_t)n < *cap - 1)
			return n;
		if (*cap >= max)
			return -EFBIG;
		char *nb = realloc(*buf, *cap * grow);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap *= grow;
	}
}

ssize_t hutch_pread_grow(int fd, char **buf, size_t *cap, size_t max, unsigned grow)
{
	return pread_grow(fd, buf, cap, max, grow, false);
}

ssize_t hutch_pread_whole(int fd, char **buf, size_t *cap, size_t max, unsigned grow)
{
	return pread_grow(fd, buf, cap, max, grow, true);
}

int hutch_write_file_at(int dirfd, const char *path, const char *value)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int hutch_write_file(const char *path, const char *value)
{
	return hutch_write_file_at(AT_FDCWD, path, value);
}

static int write_replace(const char *path, const char *data, size_t len, mode_t mode, bool sync)
{
	char tmp[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int r = -errno;
			close(fd);
			unlink(tmp);
			return r;
		}
		off += (size_t)w;
	}
	if ((sync && fsync(fd) < 0) || close(fd) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	if (rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int hutch_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_replace(path, data, len, mode, true);
}

int hutch_write_file_replace(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_replace(path, data, len, mode, false);
}

int hutch_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	/* Mostly the parent is there already: one mkdir then, not one per component. */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static const char *skip_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

static bool only_space(const char *s)
{
	return *skip_space(s) == '\0';
}

int hutch_parse_u64(const char *s, uint64_t *ret)
{
	if (!s)
		return -EINVAL;
	s = skip_space(s);
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (!only_space(end))
		return -EINVAL;
	*ret = v;
	return 0;
}

int hutch_parse_i64(const char *s, int64_t *ret)
{
	if (!s)
		return -EINVAL;
	s = skip_space(s);
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
	if (!isdigit((unsigned char)*digits))
		return -EINVAL;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (!only_space(end))
		return -EINVAL;
	*ret = v;
	return 0;
}

int hutch_parse_seconds(const char *s, double min, double max, uint64_t *ret_ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || isnan(v) || v < min || v > max)
		return -EINVAL;
	*ret_ns = (uint64_t)(v * 1e9);
	return 0;
}

size_t hutch_sorted_find(const void *base, size_t n, size_t size, const char *key,
			 const char *(*key_of)(const void *elem), bool *found)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key_of((const char *)base + mid * size), key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int hutch_parse_size(const char *s, uint64_t *ret_bytes)
{
	if (!s)
		return -EINVAL;
	s = skip_space(s);
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -EINVAL;
	/* Plain decimals only, as docker takes them: strtod alone would also take "0x10" and "1e3". */
	size_t ndigits = strspn(s, "0123456789.");
	if (s[ndigits] == 'x' || s[ndigits] == 'X' || s[ndigits] == 'e' || s[ndigits] == 'E' ||
	    strchr(s, '.') != strrchr(s, '.'))
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno == ERANGE || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	char unit[8] = "";
	size_t n = 0;
	for (const char *p = end; *p && !isspace((unsigned char)*p); p++) {
		if (n + 1 >= sizeof(unit))
			return -EINVAL;
		unit[n++] = (char)tolower((unsigned char)*p);
	}
	unit[n] = '\0';
	if (!only_space(end + n))
		return -EINVAL;
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{"", 0},     {"b", 0},	 {"k", 10},   {"kb", 10},  {"kib", 10},
		{"m", 20},   {"mb", 20}, {"mib", 20}, {"g", 30},   {"gb", 30},
		{"gib", 30}, {"t", 40},	 {"tb", 40},  {"tib", 40},
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(unit, units[i].suffix) != 0)
			continue;
		double bytes = v * (double)(1ull << units[i].shift);
		if (bytes >= 18446744073709549568.0)
			return -ERANGE;
		*ret_bytes = (uint64_t)bytes;
		return 0;
	}
	return -EINVAL;
}

int hutch_cpuset_parse(const char *list, struct hutch_cpuset *ret)
{
	struct hutch_cpuset set = {0};
	const char *p = skip_space(list);
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		unsigned long a = strtoul(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > b || b >= HUTCH_MAX_CPUS)
			return -ERANGE;
		for (unsigned long c = a; c <= b; c++)
			hutch_cpuset_add(&set, (unsigned)c);
		if (*p == ',') {
			p++;
			/* "0-3," is not a list the kernel would write or take. */
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
		} else if (!only_space(p))
			return -EINVAL;
		else
			break;
	}
	*ret = set;
	return 0;
}

void hutch_cpuset_add(struct hutch_cpuset *set, unsigned cpu)
{
	if (cpu < HUTCH_MAX_CPUS)
		set->bits[cpu / 64] |= 1ull << (cpu % 64);
}

bool hutch_cpuset_has(const struct hutch_cpuset *set, unsigned cpu)
{
	return cpu < HUTCH_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned hutch_cpuset_count(const struct hutch_cpuset *set)
{
	unsigned n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(set->bits); i++)
		n += (unsigned)__builtin_popcountll(set->bits[i]);
	return n;
}

int hutch_cpuset_format(const struct hutch_cpuset *set, char *buf, size_t size)
{
	size_t len = 0;
	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (unsigned c = 0; c < HUTCH_MAX_CPUS; c++) {
		if (!hutch_cpuset_has(set, c))
			continue;
		unsigned end = c;
		while (end + 1 < HUTCH_MAX_CPUS && hutch_cpuset_has(set, end + 1))
			end++;
		int n = end == c ? snprintf(buf + len, size - len, "%s%u", len ? "," : "", c)
				 : snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", c,
					    end);
		if (n < 0 || (size_t)n >= size - len)
			return -ENOBUFS;
		len += (size_t)n;
		c = end;
	}
	return (int)len;
}

uint64_t hutch_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t hutch_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *log_progname = "hutch";
static enum hutch_log_level log_level = HUTCH_LOG_INFO;

void hutch_log_init(const char *progname, enum hutch_log_level level)
{
	if (progname)
		log_progname = progname;
	log_level = level;
	const char *env = getenv("HUTCH_LOG");
	if (!env)
		return;
	static const char *names[] = {"error", "warn", "info", "debug"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(env, names[i]) == 0)
			log_level = (enum hutch_log_level)i;
}

void hutch_log(enum hutch_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	static const char *tags[] = {"error", "warning", "info", "debug"};
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s: %s: ", log_progname, tags[level]);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so lines from several threads do not interleave. */
	size_t len = strnlen(line, sizeof(line) - 2);
	line[len++] = '\n';
	/* A log line that cannot be written has nowhere else to go. */
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

void *hutch_grow(void *p, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return p;
	size_t ncap = *cap ? *cap * 2 : first;
	if (ncap <= n || ncap > SIZE_MAX / elem)
		return NULL;
	void *np = realloc(p, ncap * elem);
	if (np)
		*cap = ncap;
	return np;
}
