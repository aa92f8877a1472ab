/* SPDX-License-Identifier: MIT */
/*
 * Small things every part of hutch uses: cleanup attributes, the error
 * struct that carries a message up to the program that reports it, file
 * reading, number parsing and logging.
 */
#ifndef HUTCH_UTIL_H
#define HUTCH_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Cleanup attributes: one macro builds the destructor wrapper. */
#define DEFINE_CLEANUP_FUNC(type, func)     \
	static inline void func##p(type *p) \
	{                                   \
		if (*p)                     \
			func(*p);           \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

DEFINE_CLEANUP_FUNC(FILE *, fclose)
DEFINE_CLEANUP_FUNC(DIR *, closedir)

#define _cleanup_(f)	   __attribute__((cleanup(f)))
#define _cleanup_free_	   _cleanup_(freep)
#define _cleanup_close_	   _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership on: returns the value and clears the variable. */
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _tp = (p); \
		(p) = NULL;              \
		_tp;                     \
	})
#define TAKE_FD(fd)             \
	({                      \
		int _tf = (fd); \
		(fd) = -1;      \
		_tf;            \
	})

/*
 * An error that a user can read: the errno and a message that callers
 * prefix with context as it travels up ("create cgroup /hutch/x: write
 * memory.limit_in_bytes: Invalid argument"). Library code never prints.
 */
struct hutch_error {
	int err; /* positive errno; 0 when no error is set */
	char msg[1024];
};

/* Sets the error and returns -err, so callers can `return hutch_error_set(...)`. */
int hutch_error_set(struct hutch_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like hutch_error_set, with ": strerror(err)" appended. */
int hutch_error_setsys(struct hutch_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the message already set with "context: "; returns -e->err. */
int hutch_error_wrap(struct hutch_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hutch_error_clear(struct hutch_error *e);

/*
 * Room for one more element in an array of n used of *cap allocated, elem bytes
 * each: p itself while there is room, else p grown to twice the size (first
 * elements the first time) with *cap updated; NULL when memory runs out (p and
 * *cap stay as they were). HUTCH_GROW(p, n, cap, first) assigns p and gives 0 or
 * -ENOMEM.
 */
void *hutch_grow(void *p, size_t n, size_t *cap, size_t elem, size_t first);
#define HUTCH_GROW(p, n, cap, first)                                            \
	({                                                                      \
		void *_g = hutch_grow((p), (n), &(cap), sizeof(*(p)), (first)); \
		_g ? ((p) = _g, 0) : -ENOMEM;                                   \
	})

/* Reads a whole file (at most max_bytes; 0 = 16 MiB) into a NUL-terminated buffer. */
int hutch_read_file(const char *path, size_t max_bytes, char **ret_buf, size_t *ret_len);
int hutch_read_file_at(int dirfd, const char *path, size_t max_bytes, char **ret_buf,
		       size_t *ret_len);
/* Reads an fd from offset 0 with pread into buf (cap bytes, NUL-terminated); returns length. */
ssize_t hutch_pread_all(int fd, char *buf, size_t cap);
/* The same into a malloc'd *buf of *cap bytes, made grow times larger while the file fills
 * it, up to max bytes (then -EFBIG); returns the length or a negative errno. */
ssize_t hutch_pread_grow(int fd, char **buf, size_t *cap, size_t max, unsigned grow);
/*
 * The same for files whose every read from offset 0 gives all of the text
 * that fits: regular files, and cgroup control files (kernfs shows each as
 * one seq_file record, made whole before it is copied). One pread when the
 * text leaves room in *buf, where hutch_pread_grow needs a second that
 * returns 0. Not for files shown as many records (/proc/cpuinfo, cgroup.procs):
 * their reads stop short at a record's end.
 */
ssize_t hutch_pread_whole(int fd, char **buf, size_t *cap, size_t max, unsigned grow);
/* Writes a string to a file (e.g. a cgroup control file), all at once. */
int hutch_write_file(const char *path, const char *value);
int hutch_write_file_at(int dirfd, const char *path, const char *value);
/* Writes a file atomically: a temporary beside it, fsync, rename. */
int hutch_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
/*
 * The same without the fsync: readers see the old file or the new one, but a
 * crash may leave neither. For state that means nothing after a reboot (a
 * runtime's records, pid files), where an fsync on a disk costs milliseconds.
 */
int hutch_write_file_replace(const char *path, const char *data, size_t len, mode_t mode);
/* mkdir -p; existing directories are fine. */
int hutch_mkdir_p(const char *path, mode_t mode);
/* rm -rf that stays on path's filesystem and follows no symlink; -ENOTEMPTY if
 * something (a mount) is left. A path that is not there is fine. */
int hutch_rm_rf(const char *path);
/* Creates (or truncates) path, 0644, not through a symlink, and writes data. */
int hutch_write_new_file(const char *path, const char *data);
/* Lifts the soft open-file limit to the hard one; with want above the hard
 * limit, first tries both at want (root may). */
void hutch_raise_nofile(rlim_t want);

/* Strict number parsing: the whole (whitespace-trimmed) string must be a number. */
int hutch_parse_u64(const char *s, uint64_t *ret);
int hutch_parse_i64(const char *s, int64_t *ret);
/* Parses sizes like docker's: 512, 64k, 256m, 1.5g, 2GiB (binary units). */
int hutch_parse_size(const char *s, uint64_t *ret_bytes);
/* Parses a duration in (decimal) seconds between min and max, as nanoseconds. */
int hutch_parse_seconds(const char *s, double min, double max, uint64_t *ret_ns);

/* Binary search of an array of n elements of size bytes sorted by their string
 * keys (strcmp; key_of gives an element's key): the index of key, or with
 * *found false the index where it would go. */
size_t hutch_sorted_find(const void *base, size_t n, size_t size, const char *key,
			 const char *(*key_of)(const void *elem), bool *found);

/*
 * CPU lists as the kernel writes them ("0-3,8,10-11"). A set holds up to
 * HUTCH_MAX_CPUS CPUs.
 */
#define HUTCH_MAX_CPUS 1024
struct hutch_cpuset {
	uint64_t bits[HUTCH_MAX_CPUS / 64];
};
int hutch_cpuset_parse(const char *list, struct hutch_cpuset *ret);
unsigned hutch_cpuset_count(const struct hutch_cpuset *set);
bool hutch_cpuset_has(const struct hutch_cpuset *set, unsigned cpu);
void hutch_cpuset_add(struct hutch_cpuset *set, unsigned cpu);
/* Formats as a kernel-style list into buf; returns the length (truncated output is an error). */
int hutch_cpuset_format(const struct hutch_cpuset *set, char *buf, size_t size);

/* Monotonic and wall clocks in nanoseconds. */
uint64_t hutch_now_ns(void);
uint64_t hutch_wall_ns(void);

/* Logging to stderr, with the program's name; level from HUTCH_LOG or set by the program. */
enum hutch_log_level { HUTCH_LOG_ERROR, HUTCH_LOG_WARN, HUTCH_LOG_INFO, HUTCH_LOG_DEBUG };
void hutch_log_init(const char *progname, enum hutch_log_level level);
void hutch_log(enum hutch_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_error(...) hutch_log(HUTCH_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  hutch_log(HUTCH_LOG_WARN, __VA_ARGS__)
#define log_info(...)  hutch_log(HUTCH_LOG_INFO, __VA_ARGS__)
#define log_debug(...) hutch_log(HUTCH_LOG_DEBUG, __VA_ARGS__)

#endif
