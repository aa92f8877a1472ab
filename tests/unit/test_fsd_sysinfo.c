/* SPDX-License-Identifier: MIT */
/*
 * sysinfo(2)'s struct from a container's rendered files (fsd/sysinfo.c): the
 * fields free, uptime and getloadavg() read agree with proc/meminfo,
 * proc/uptime and proc/loadavg.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/sysinfo.h>

#include <cmocka.h>

#include "fsd.h"

static const char meminfo[] = "MemTotal:         262144 kB\n"
			      "MemFree:          200000 kB\n"
			      "MemAvailable:     230000 kB\n"
			      "Buffers:               0 kB\n"
			      "Cached:            30000 kB\n"
			      "SwapCached:            0 kB\n"
			      "SwapTotal:        131072 kB\n"
			      "SwapFree:         131000 kB\n"
			      "Shmem:              1024 kB\n"
			      "HugePages_Total:       0\n";

static void test_fields(void **state)
{
	(void)state;
	static const char uptime[] = "12.34 20.00\n";
	static const char loadavg[] = "0.50 0.25 1.00 2/17 345\n";
	struct sysinfo si;
	assert_int_equal(fsd_sysinfo_from(meminfo, strlen(meminfo), uptime, strlen(uptime), loadavg,
					  strlen(loadavg), &si),
			 0);
	assert_int_equal(si.mem_unit, 1);
	assert_int_equal(si.totalram, 262144ul * 1024);
	assert_int_equal(si.freeram, 200000ul * 1024);
	assert_int_equal(si.sharedram, 1024ul * 1024);
	assert_int_equal(si.bufferram, 0);
	assert_int_equal(si.totalswap, 131072ul * 1024);
	assert_int_equal(si.freeswap, 131000ul * 1024);
	/* The kernel rounds the time since boot up to a second. */
	assert_int_equal(si.uptime, 13);
	/* Loads in 1/65536ths, as getloadavg() divides them. */
	assert_int_equal(si.loads[0], 32768);
	assert_int_equal(si.loads[1], 16384);
	assert_int_equal(si.loads[2], 65536);
	assert_int_equal(si.procs, 17);
}

static void test_whole_second_and_bad_input(void **state)
{
	(void)state;
	static const char uptime[] = "7.00 1.00\n";
	static const char loadavg[] = "0.00 0.00 0.00 0/1 1\n";
	struct sysinfo si;
	assert_int_equal(fsd_sysinfo_from(meminfo, strlen(meminfo), uptime, strlen(uptime), loadavg,
					  strlen(loadavg), &si),
			 0);
	assert_int_equal(si.uptime, 7);
	assert_int_equal(si.loads[0], 0);
	static const char junk[] = "not a file\n";
	assert_int_equal(fsd_sysinfo_from(junk, strlen(junk), uptime, strlen(uptime), loadavg,
					  strlen(loadavg), &si),
			 -EINVAL);
	assert_int_equal(fsd_sysinfo_from(meminfo, strlen(meminfo), junk, strlen(junk), loadavg,
					  strlen(loadavg), &si),
			 -EINVAL);
	assert_int_equal(fsd_sysinfo_from(meminfo, strlen(meminfo), uptime, strlen(uptime), junk,
					  strlen(junk), &si),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_whole_second_and_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
