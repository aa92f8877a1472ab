/* SPDX-License-Identifier: MIT */
/* lib/util.c: number and size parsing, CPU lists, error wrapping, atomic writes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hutch/util.h"

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} ok[] = {
		{"512", 512},
		{"0", 0},
		{"64k", 64ULL << 10},
		{"64K", 64ULL << 10},
		{"256m", 256ULL << 20},
		{"256MB", 256ULL << 20},
		{"1.5g", 1610612736ULL},
		{"2GiB", 2ULL << 30},
		{"1t", 1ULL << 40},
		{" 10b ", 10},
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		uint64_t v = 1;
		assert_int_equal(hutch_parse_size(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].bytes);
	}
	static const char *const bad[] = {"",  "-1",  "12x", "1e400", "1e3",   "0x10",	 " ",
					  "k", "nan", "inf", "1..5g", "1.5.5", "12 k x", "1gg"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t v = 7;
		assert_true(hutch_parse_size(bad[i], &v) < 0);
		assert_int_equal(v, 7); /* untouched on failure */
	}
	uint64_t v;
	assert_int_equal(hutch_parse_size("16777216t", &v), -ERANGE);
	assert_int_equal(hutch_parse_size(NULL, &v), -EINVAL);
}

static void test_parse_u64(void **state)
{
	uint64_t v;
	assert_int_equal(hutch_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hutch_parse_u64(" 42\n", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(hutch_parse_u64("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(hutch_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(hutch_parse_u64("-1", &v), -EINVAL);
	assert_int_equal(hutch_parse_u64("", &v), -EINVAL);
	assert_int_equal(hutch_parse_u64("12x", &v), -EINVAL);
	assert_int_equal(hutch_parse_u64("max", &v), -EINVAL);
	assert_int_equal(hutch_parse_u64("1 2", &v), -EINVAL);
	assert_int_equal(hutch_parse_u64(NULL, &v), -EINVAL);

	int64_t i;
	assert_int_equal(hutch_parse_i64("-9223372036854775808", &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(hutch_parse_i64("9223372036854775808", &i), -ERANGE);
	assert_int_equal(hutch_parse_i64("-", &i), -EINVAL);
}

static void test_cpuset(void **state)
{
	struct hutch_cpuset set;
	char buf[64];
	assert_int_equal(hutch_cpuset_parse("0-3,8,10-11\n", &set), 0);
	assert_int_equal(hutch_cpuset_count(&set), 7);
	assert_true(hutch_cpuset_has(&set, 3));
	assert_false(hutch_cpuset_has(&set, 4));
	assert_true(hutch_cpuset_has(&set, 11));
	assert_false(hutch_cpuset_has(&set, HUTCH_MAX_CPUS + 5));
	assert_int_equal(hutch_cpuset_format(&set, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "0-3,8,10-11");

	assert_int_equal(hutch_cpuset_parse("", &set), 0);
	assert_int_equal(hutch_cpuset_count(&set), 0);
	assert_int_equal(hutch_cpuset_format(&set, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");

	assert_int_equal(hutch_cpuset_parse("1023", &set), 0);
	assert_int_equal(hutch_cpuset_count(&set), 1);
	assert_int_equal(hutch_cpuset_format(&set, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "1023");
	assert_int_equal(hutch_cpuset_parse("0-1023", &set), 0);
	assert_int_equal(hutch_cpuset_count(&set), 1024);

	struct hutch_cpuset keep;
	assert_int_equal(hutch_cpuset_parse("5", &keep), 0);
	static const char *const bad[] = {"1024", "3-1", "a", "1-", "1,,2", "0-3,", "-1", "1 2"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		set = keep;
		assert_true(hutch_cpuset_parse(bad[i], &set) < 0);
		assert_true(hutch_cpuset_has(&set, 5));
	}

	/* Output that does not fit is an error, never a cut list. */
	assert_int_equal(hutch_cpuset_parse("0-3,8,10-11", &set), 0);
	assert_int_equal(hutch_cpuset_format(&set, buf, 8), -ENOBUFS);
	assert_int_equal(hutch_cpuset_format(&set, buf, 11), -ENOBUFS);
	assert_int_equal(hutch_cpuset_format(&set, buf, 12), 11);
	assert_int_equal(hutch_cpuset_format(&set, buf, 0), -ENOBUFS);

	hutch_cpuset_add(&set, 9);
	assert_int_equal(hutch_cpuset_format(&set, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "0-3,8-11");
}

static void test_error_wrap(void **state)
{
	struct hutch_error e = {0};
	assert_int_equal(hutch_error_set(&e, EINVAL, "write %s", "memory.max"), -EINVAL);
	assert_int_equal(hutch_error_wrap(&e, "create cgroup %s", "/hutch/x"), -EINVAL);
	assert_string_equal(e.msg, "create cgroup /hutch/x: write memory.max");
	assert_int_equal(hutch_error_setsys(&e, -ENOENT, "open %s", "a"), -ENOENT);
	assert_string_equal(e.msg, "open a: No such file or directory");
	assert_int_equal(e.err, ENOENT);

	/* A long chain keeps the newest context whole and stays NUL-terminated. */
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hutch_error_set(&e, EIO, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	for (int i = 0; i < 50; i++)
		assert_int_equal(hutch_error_wrap(&e, "level %d", i), -EIO);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_memory_equal(e.msg, "level 49: level 48: ", 20);

	char prefix[900];
	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	hutch_error_wrap(&e, "%s", prefix);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	/* vsnprintf caps a prefix at 511 characters. */
	assert_memory_equal(e.msg + 511, ": level 49", 10);

	hutch_error_clear(&e);
	assert_int_equal(e.err, 0);
	assert_string_equal(e.msg, "");
	/* Wrapping without a set error still reports an error. */
	assert_int_equal(hutch_error_wrap(&e, "ctx"), -EIO);
	assert_string_equal(e.msg, "ctx: ");
	assert_int_equal(hutch_error_set(NULL, 5, "x"), -5);
}

/* path holds exactly want_len bytes of want and, unless mode is 0, has that mode. */
static void assert_file_is(const char *path, const char *want, size_t want_len, mode_t mode)
{
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(hutch_read_file(path, 0, &buf, &len), 0);
	assert_int_equal(len, want_len);
	if (want_len)
		assert_memory_equal(buf, want, want_len);
	free(buf);
	if (mode) {
		struct stat stt;
		assert_int_equal(stat(path, &stt), 0);
		assert_int_equal(stt.st_mode & 0777, mode);
	}
}

/* How many entries dir holds, but hidden ones. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* What both file writers promise: whole replacement with the mode asked for, the bytes
 * as given, and no temporary left behind when they fail. */
static void check_writer(int (*wr)(const char *, const char *, size_t, mode_t), mode_t mode)
{
	char dir[] = "/tmp/hutch-test-util-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/state.json", dir);

	assert_int_equal(wr(path, "{\"a\":1}", 7, mode), 0);
	assert_file_is(path, "{\"a\":1}", 7, mode);

	/* Replacing is whole: the old, longer content does not linger. */
	assert_int_equal(wr(path, "{}", 2, mode), 0);
	assert_file_is(path, "{}", 2, mode);

	/* Embedded NULs and an empty file are written as given. */
	assert_int_equal(wr(path, "a\0b", 3, mode), 0);
	assert_file_is(path, "a\0b", 3, 0);
	assert_int_equal(wr(path, "", 0, mode), 0);
	assert_file_is(path, "", 0, 0);

	/* A missing directory fails and leaves no temporary behind. */
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/nope/state.json", dir);
	assert_int_equal(wr(missing, "x", 1, mode), -ENOENT);

	/* Renaming over a directory fails; the temporary is removed. */
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	char subfile[320];
	snprintf(subfile, sizeof(subfile), "%s/f", sub);
	assert_int_equal(wr(subfile, "y", 1, mode), 0);
	assert_true(wr(sub, "x", 1, mode) < 0);
	assert_true(wr(dir, "x", 1, mode) < 0);
	assert_int_equal(count_entries(dir), 2); /* state.json and sub, no *.tmp.* */

	unlink(subfile);
	rmdir(sub);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

static void test_write_file_atomic(void **state)
{
	check_writer(hutch_write_file_atomic, 0600);
}

/* The same writer without the fsync. */
static void test_write_file_replace(void **state)
{
	check_writer(hutch_write_file_replace, 0644);
}

static void test_parse_seconds(void **state)
{
	uint64_t ns = 7;
	assert_int_equal(hutch_parse_seconds("1.5", 0, 10, &ns), 0);
	assert_int_equal(ns, 1500000000u);
	assert_int_equal(hutch_parse_seconds("0", 0, 10, &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(hutch_parse_seconds("10", 0, 10, &ns), 0);
	assert_int_equal(ns, 10000000000u);
	ns = 7;
	static const char *const bad[] = {"",	  "x",	  "1s",	 "1 ",	"-1",
					  "10.5", "0.05", "nan", "inf", "1e999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hutch_parse_seconds(bad[i], 0.1, 10, &ns), -EINVAL);
	assert_int_equal(ns, 7);
}

struct named {
	const char *name;
};

static const char *named_key(const void *elem)
{
	return (*(const struct named *const *)elem)->name;
}

static void test_sorted_find(void **state)
{
	struct named b = {"b"}, d = {"d"}, f = {"f"};
	const struct named *arr[] = {&b, &d, &f};
	bool found = true;
	assert_int_equal(hutch_sorted_find(arr, 0, sizeof(arr[0]), "b", named_key, &found), 0);
	assert_false(found);
	static const struct {
		const char *key;
		size_t index;
		bool found;
	} cases[] = {{"a", 0, false}, {"b", 0, true}, {"c", 1, false}, {"d", 1, true},
		     {"e", 2, false}, {"f", 2, true}, {"g", 3, false}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t k =
			hutch_sorted_find(arr, 3, sizeof(arr[0]), cases[i].key, named_key, &found);
		assert_int_equal(k, cases[i].index);
		assert_int_equal(found, cases[i].found);
	}
}

static void test_rm_rf_write_new_file(void **state)
{
	char dir[] = "/tmp/hutch-test-rmrf-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[300], sub[300], link[300];
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	assert_int_equal(hutch_mkdir_p(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/b/f", dir);
	assert_int_equal(hutch_write_new_file(path, "old and longer"), 0);
	assert_int_equal(hutch_write_new_file(path, "new"), 0);
	assert_file_is(path, "new", 3, 0);
	/* Not through a symlink: the file it names is left alone. */
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(hutch_write_new_file(link, "x"), -ELOOP);
	/* A symlink out of the tree is removed, not followed. */
	char outside[] = "/tmp/hutch-test-rmrf-out-XXXXXX";
	assert_non_null(mkdtemp(outside));
	snprintf(link, sizeof(link), "%s/a/out", dir);
	assert_int_equal(symlink(outside, link), 0);

	assert_int_equal(hutch_rm_rf(dir), 0);
	struct stat st;
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(stat(outside, &st), 0);
	assert_int_equal(hutch_rm_rf(dir), 0); /* already gone */
	assert_int_equal(rmdir(outside), 0);
}

static void test_raise_nofile(void **state)
{
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rlim_t hard = rl.rlim_max;
	if (rl.rlim_max > 64) {
		rl.rlim_cur = 64;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	hutch_raise_nofile(0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(rl.rlim_cur, hard);
	assert_int_equal(rl.rlim_max, hard);
}

/* Doubling from first, the elements kept; p returned as is while there is room. */
static void test_grow(void **state)
{
	int *v = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(HUTCH_GROW(v, n, cap, 4), 0);
		assert_true(n < cap);
		v[n++] = i;
	}
	assert_int_equal(cap, 128);
	for (int i = 0; i < 100; i++)
		assert_int_equal(v[i], i);
	int *same = v;
	assert_int_equal(HUTCH_GROW(v, 10, cap, 4), 0);
	assert_ptr_equal(v, same);
	/* Too large to count in bytes: NULL, the array and its capacity as they were. */
	size_t big = SIZE_MAX / 2;
	assert_null(hutch_grow(v, big, &big, sizeof(int), 4));
	assert_int_equal(big, SIZE_MAX / 2);
	free(v);
}

/* hutch_pread_whole: the whole file from offset 0, the buffer grown while the text fills it. */
static void test_pread_whole(void **state)
{
	char path[] = "/tmp/hutch-test-pread-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	char text[100];
	memset(text, 'x', sizeof(text));
	assert_int_equal(write(fd, text, sizeof(text)), sizeof(text));
	size_t cap = 16;
	char *buf = malloc(cap);
	assert_int_equal(hutch_pread_whole(fd, &buf, &cap, 1024, 4), 100);
	assert_int_equal(cap, 256);
	assert_memory_equal(buf, text, 100);
	assert_int_equal(buf[100], '\0');
	/* Read again from 0, not from where the last read ended. */
	assert_int_equal(hutch_pread_whole(fd, &buf, &cap, 1024, 4), 100);
	/* Past max: -EFBIG. */
	size_t small = 16;
	char *sbuf = malloc(small);
	assert_int_equal(hutch_pread_whole(fd, &sbuf, &small, 64, 2), -EFBIG);
	free(sbuf);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(hutch_pread_whole(fd, &buf, &cap, 1024, 4), 0);
	assert_int_equal(buf[0], '\0');
	free(buf);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_pread_whole),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_cpuset),
		cmocka_unit_test(test_error_wrap),
		cmocka_unit_test(test_write_file_atomic),
		cmocka_unit_test(test_write_file_replace),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_sorted_find),
		cmocka_unit_test(test_rm_rf_write_new_file),
		cmocka_unit_test(test_raise_nofile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
