/* SPDX-License-Identifier: MIT */
/*
 * The names of containers in hutch-fsd's per-container view: cgroup paths
 * one directory name each, and back; names that would climb out of the
 * cgroup tree or mean two paths are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cache_view.h"

static void test_encode(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(fsd_cache_id_encode("/hutch/abc", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "hutch%2Fabc");
	assert_int_equal(fsd_cache_id_encode("/a%b/c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a%25b%2Fc");
	assert_int_equal(fsd_cache_id_encode("docker-1.scope", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "docker-1.scope");
	assert_int_equal(fsd_cache_id_encode("/", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(fsd_cache_id_encode("/a/", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(fsd_cache_id_encode("/abcdef", buf, 4), -ENAMETOOLONG);
}

static void test_decode(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(fsd_cache_id_decode("hutch%2Fabc", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/hutch/abc");
	assert_int_equal(fsd_cache_id_decode("a%25b%2Fc", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a%b/c");
	/* Round trip. */
	char enc[64];
	assert_int_equal(fsd_cache_id_encode("/x/y%2Fz/..w", enc, sizeof(enc)), 0);
	assert_int_equal(fsd_cache_id_decode(enc, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/y%2Fz/..w");
}

static void test_decode_refuses(void **state)
{
	(void)state;
	char buf[64];
	const char *bad[] = {
		"",	"..",	    ".",     "..%2F..%2Fetc", "a%2F..%2Fb", "a%2F.", "%2Fa",
		"a%2F", "a%2F%2Fb", "a%41b", "a%2",	      "a%",	    "%2f",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fsd_cache_id_decode(bad[i], buf, sizeof(buf)), -EINVAL);
	assert_int_equal(fsd_cache_id_decode("abcdefgh", buf, 4), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
