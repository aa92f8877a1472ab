/* SPDX-License-Identifier: MIT */
/*
 * sys/devices/system/cpu's lists for a container (fsd/sys_cpu_online.c):
 * possible, present and enabled equal its online list, offline and isolated
 * are empty, the host's other files are not virtualized, and the cpuN
 * entries it does not see are hidden (get_nprocs_conf counts them).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fsd.h"

static void expect_text(const char *name, const char *online, const char *want)
{
	struct fsd_buf b = {0};
	assert_int_equal(fsd_cpu_dir_text(name, online, &b), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, want);
	fsd_buf_free(&b);
}

static void test_lists(void **state)
{
	(void)state;
	expect_text("possible", "0-2\n", "0-2\n");
	expect_text("present", "0", "0\n");
	expect_text("enabled", "0-1\n", "0-1\n");
	expect_text("offline", "0-1\n", "\n");
	expect_text("isolated", "0\n", "\n");
	struct fsd_buf b = {0};
	assert_int_equal(fsd_cpu_dir_text("kernel_max", "0\n", &b), -ENOENT);
	assert_int_equal(fsd_cpu_dir_text("modalias", "0\n", &b), -ENOENT);
	assert_int_equal(b.len, 0);
	fsd_buf_free(&b);
}

static void test_hidden(void **state)
{
	(void)state;
	assert_false(fsd_cpu_dir_hidden("cpu0", "0-1\n"));
	assert_false(fsd_cpu_dir_hidden("cpu1", "0-1\n"));
	assert_true(fsd_cpu_dir_hidden("cpu2", "0-1\n"));
	assert_true(fsd_cpu_dir_hidden("cpu1", "0\n"));
	assert_true(fsd_cpu_dir_hidden("cpu4096", "0-3"));
	/* Not CPUs: never hidden. */
	assert_false(fsd_cpu_dir_hidden("cpufreq", "0"));
	assert_false(fsd_cpu_dir_hidden("cpuidle", "0"));
	assert_false(fsd_cpu_dir_hidden("cpu", "0"));
	assert_false(fsd_cpu_dir_hidden("cpu1x", "0"));
	assert_false(fsd_cpu_dir_hidden("vulnerabilities", "0"));
	/* A list it cannot parse hides nothing. */
	assert_false(fsd_cpu_dir_hidden("cpu1", "garbage"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_hidden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
