// SPDX-License-Identifier: MIT
/* hutch build's Dockerfile reader: instructions, lines, continuations, exec forms, words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "build.h"
#include "hutch/strv.h"

static void test_parse_steps(void **state)
{
	(void)state;
	const char *text = "# syntax comment\n"
			   "ARG BASE=x\n"
			   "from $BASE AS b\n"
			   "\n"
			   "RUN a && \\\n"
			   "  # a comment inside\n"
			   "    b\n"
			   "CMD [\"sh\", \"-c\", \"echo\"]\n"
			   "ENTRYPOINT echo [not json\n"
			   "COPY [\"a b\", \"/c/\"]";
	struct build_file f;
	struct hutch_error err = {0};
	assert_int_equal(build_parse(text, &f, &err), 0);
	assert_int_equal(f.n, 6);
	assert_int_equal(f.steps[1].op, BUILD_FROM);
	assert_int_equal(f.steps[1].line, 3);
	assert_string_equal(f.steps[1].text, "FROM $BASE AS b");
	assert_int_equal(f.steps[2].op, BUILD_RUN);
	assert_int_equal(f.steps[2].line, 5);
	assert_string_equal(f.steps[2].args, "a && b");
	assert_null(f.steps[2].exec);
	assert_int_equal(f.steps[3].line, 8);
	assert_string_equal(f.steps[3].exec[2], "echo");
	assert_null(f.steps[3].exec[3]);
	assert_null(f.steps[4].exec);
	assert_string_equal(f.steps[5].exec[0], "a b");
	build_file_free(&f);
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct build_file f;
	struct hutch_error err = {0};
	assert_int_equal(build_parse("FROM x\n\nBOGUS y\n", &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 3: unknown instruction 'BOGUS'"));
	assert_int_equal(build_parse("ARG a\nRUN true\nFROM x\n", &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2: RUN before any FROM"));
	assert_int_equal(build_parse("# only\n\n", &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no FROM"));
	assert_int_equal(build_parse("FROM x\nENV\n", &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2: ENV needs arguments"));
}

static void test_words(void **state)
{
	(void)state;
	char *vars[] = {(char *)"A=1", (char *)"B=two words", (char *)"E=", NULL};
	char **w = NULL;
	assert_int_equal(build_words("x=$A y=\"$B\" z='$A' ${C:-def} ${A:+set} ${E:-e} \\$A", vars,
				     true, &w),
			 0);
	const char *want[] = {"x=1", "y=two words", "z=$A", "def", "set", "e", "$A"};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(w[i], want[i]);
	assert_null(w[ARRAY_SIZE(want)]);
	strv_free(w);
	assert_int_equal(build_words("/a b/$A", vars, false, &w), 0);
	assert_string_equal(w[0], "/a b/1");
	assert_null(w[1]);
	strv_free(w);
	assert_int_equal(build_words("\"open", vars, true, &w), -EINVAL);
	assert_int_equal(build_words("${A", vars, true, &w), -EINVAL);
	assert_int_equal(build_words("\"\"", vars, true, &w), 0);
	assert_string_equal(w[0], "");
	strv_free(w);
}

static void test_ignore(void **state)
{
	(void)state;
	char **p = NULL;
	assert_int_equal(build_ignore_parse("# comment\n\n  *.log \n/secret\n./dir/\n!dir/keep\n"
					    "**/cache\nbuild/**\n",
					    &p),
			 0);
	assert_string_equal(p[1], "secret");
	assert_string_equal(p[2], "dir");
	assert_string_equal(p[3], "!dir/keep");
	assert_true(build_ignored(p, "x.log"));
	assert_false(build_ignored(p, "sub/x.log")); /* * does not cross / */
	assert_true(build_ignored(p, "secret"));
	assert_true(build_ignored(p, "secret/inner")); /* under an ignored directory */
	assert_true(build_ignored(p, "dir/other"));
	assert_false(build_ignored(p, "dir/keep"));
	assert_true(build_ignored(p, "a/b/cache"));
	assert_true(build_ignored(p, "cache/x"));
	assert_true(build_ignored(p, "build/out/x"));
	assert_false(build_ignored(p, "build"));
	assert_false(build_ignored(p, "src/main.c"));
	assert_false(build_ignored(NULL, "x.log"));
	strv_free(p);
}

static void test_vars(void **state)
{
	(void)state;
	char **v = NULL;
	assert_int_equal(build_var_set(&v, "A", "1"), 0);
	assert_int_equal(build_var_set(&v, "AB", "2"), 0);
	assert_int_equal(build_var_set(&v, "A", "3"), 0);
	assert_string_equal(build_var(v, "A"), "3");
	assert_string_equal(build_var(v, "AB"), "2");
	assert_null(build_var(v, "B"));
	strv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_steps), cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_words),	    cmocka_unit_test(test_ignore),
		cmocka_unit_test(test_vars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
