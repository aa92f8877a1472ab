/* SPDX-License-Identifier: MIT */
/* lib/strv.c: string vectors and their cleanup attribute. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hutch/strv.h"

static void test_push_len(void **state)
{
	_cleanup_strv_free_ char **v = NULL;
	assert_int_equal(strv_len(v), 0);
	char word[] = "one";
	assert_int_equal(strv_push(&v, word), 0);
	word[0] = 'X'; /* a copy was pushed */
	assert_int_equal(strv_push(&v, "two"), 0);
	assert_int_equal(strv_push(&v, ""), 0);
	assert_int_equal(strv_len(v), 3);
	assert_string_equal(v[0], "one");
	assert_string_equal(v[1], "two");
	assert_string_equal(v[2], "");
	assert_null(v[3]);
}

/* The attribute frees on every way out of a scope, and TAKE_PTR hands the vector on. */
static char **build(int fail_at)
{
	_cleanup_strv_free_ char **v = NULL;
	for (int i = 0; i < 4; i++) {
		if (i == fail_at)
			return NULL;
		if (strv_push(&v, "x") < 0)
			return NULL;
	}
	return TAKE_PTR(v);
}

static void test_cleanup(void **state)
{
	assert_null(build(2)); /* the two pushed are freed: ASan and valgrind see no leak */
	char **v = build(-1);
	assert_int_equal(strv_len(v), 4);
	strv_free(v);
	strv_free(NULL);
}

static void test_index(void **state)
{
	static const char *const t[] = {"a", NULL, "bc", "a"};
	assert_int_equal(strv_index(t, ARRAY_SIZE(t), "a"), 0);
	assert_int_equal(strv_index(t, ARRAY_SIZE(t), "bc"), 2);
	assert_int_equal(strv_index(t, ARRAY_SIZE(t), "b"), -1);
	assert_int_equal(strv_index(t, ARRAY_SIZE(t), ""), -1);
	assert_int_equal(strv_index(t, 0, "a"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_len),
		cmocka_unit_test(test_cleanup),
		cmocka_unit_test(test_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
