/* SPDX-License-Identifier: MIT */
/* The pure parsers of cgroup control files, over their edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hutch/cgroup_parse.h"

#define S(s) s, strlen(s)

static void test_keyed(void **state)
{
	static const char *const keys[] = {"total_rss", "total_cache", "absent", "rss"};
	uint64_t v[4];
	const char *text = "cache 5\nrss 7\ntotal_cache 13062144\ntotal_rss 1736704\n"
			   "bogus line with words\nnovalue\nneg -1\ntotal_rss_huge 0";
	assert_int_equal(cgroup_parse_keyed(S(text), keys, 4, v), 3);
	assert_int_equal(v[0], 1736704);
	assert_int_equal(v[1], 13062144);
	assert_true(v[2] == HUTCH_UNKNOWN);
	assert_int_equal(v[3], 7);

	/* No trailing newline, CRs, tabs, and a value too big for 64 bits. */
	static const char *const k2[] = {"a", "b", "c"};
	assert_int_equal(cgroup_parse_keyed(S("a\t1\r\nb 99999999999999999999999\nc 3"), k2, 3, v),
			 2);
	assert_int_equal(v[0], 1);
	assert_true(v[1] == HUTCH_UNKNOWN);
	assert_int_equal(v[2], 3);

	/* Empty input: nothing found, everything unknown. */
	assert_int_equal(cgroup_parse_keyed("", 0, k2, 3, v), 0);
	assert_true(v[0] == HUTCH_UNKNOWN);

	/* len is honoured: the text after it is not seen. */
	const char *cut = "a 1\nb 2\n";
	assert_int_equal(cgroup_parse_keyed(cut, 4, k2, 3, v), 1);
	assert_true(v[1] == HUTCH_UNKNOWN);
}

static void test_u64_and_limits(void **state)
{
	uint64_t v;
	assert_int_equal(cgroup_parse_u64(S("16441344\n"), &v), 0);
	assert_int_equal(v, 16441344);
	assert_int_equal(cgroup_parse_u64(S("  42  "), &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cgroup_parse_u64(S(""), &v), -EINVAL);
	assert_int_equal(cgroup_parse_u64(S("max\n"), &v), -EINVAL);
	assert_int_equal(cgroup_parse_u64(S("-5"), &v), -EINVAL);
	assert_int_equal(cgroup_parse_u64(S("12abc"), &v), -EINVAL);
	assert_int_equal(cgroup_parse_u64(S("18446744073709551616"), &v), -EINVAL);

	assert_int_equal(cgroup_parse_limit(S("max\n"), &v), 0);
	assert_true(v == HUTCH_UNLIMITED);
	assert_int_equal(cgroup_parse_limit(S("-1\n"), &v), 0);
	assert_true(v == HUTCH_UNLIMITED);
	/* v1's unlimited is LONG_MAX rounded down to a page. */
	assert_int_equal(cgroup_parse_limit(S("9223372036854771712\n"), &v), 0);
	assert_true(v == HUTCH_UNLIMITED);
	assert_int_equal(cgroup_parse_limit(S("4611686018427387904"), &v), 0);
	assert_true(v == HUTCH_UNLIMITED);
	assert_int_equal(cgroup_parse_limit(S("4611686018427387903"), &v), 0);
	assert_int_equal(v, 4611686018427387903ull);
	assert_int_equal(cgroup_parse_limit(S("536870912\n"), &v), 0);
	assert_int_equal(v, 536870912);
	assert_int_equal(cgroup_parse_limit(S("maxi"), &v), -EINVAL);
	assert_int_equal(cgroup_parse_limit(S("-2"), &v), -EINVAL);

	assert_int_equal(cgroup_parse_quota(S("-1\n"), &v), 0);
	assert_true(v == HUTCH_UNLIMITED);
	assert_int_equal(cgroup_parse_quota(S("50000\n"), &v), 0);
	assert_int_equal(v, 50000);
	assert_int_equal(cgroup_parse_quota(S("-0"), &v), -EINVAL);
	assert_int_equal(cgroup_parse_quota(S("-"), &v), -EINVAL);
}

static void test_cpu_max(void **state)
{
	uint64_t q = 1, p = 1;
	assert_int_equal(cgroup_parse_cpu_max(S("max 100000\n"), &q, &p), 0);
	assert_true(q == HUTCH_UNLIMITED);
	assert_int_equal(p, 100000);
	assert_int_equal(cgroup_parse_cpu_max(S("50000 100000\n"), &q, &p), 0);
	assert_int_equal(q, 50000);
	assert_int_equal(p, 100000);
	assert_int_equal(cgroup_parse_cpu_max(S("50000"), &q, &p), 0);
	assert_int_equal(q, 50000);
	assert_true(p == HUTCH_UNKNOWN);
	assert_int_equal(cgroup_parse_cpu_max(S("50000 0"), &q, &p), -EINVAL);
	assert_int_equal(cgroup_parse_cpu_max(S("50000 100000 7"), &q, &p), -EINVAL);
	assert_int_equal(cgroup_parse_cpu_max(S("max max"), &q, &p), -EINVAL);
	assert_int_equal(cgroup_parse_cpu_max(S(""), &q, &p), -EINVAL);
}

static void test_psi(void **state)
{
	struct cgroup_psi psi;
	const char *both = "some avg10=6.44 avg60=1.87 avg300=0.42 total=1313765\n"
			   "full avg10=5.64 avg60=1.63 avg300=0.36 total=1144179\n";
	assert_int_equal(cgroup_parse_psi(S(both), &psi), 0);
	assert_float_equal(psi.some_avg10, 6.44, 1e-9);
	assert_float_equal(psi.some_avg60, 1.87, 1e-9);
	assert_float_equal(psi.some_avg300, 0.42, 1e-9);
	assert_int_equal(psi.some_total_us, 1313765);
	assert_float_equal(psi.full_avg10, 5.64, 1e-9);
	assert_int_equal(psi.full_total_us, 1144179);

	/* cpu.pressure before 5.13 has no "full" line. */
	assert_int_equal(
		cgroup_parse_psi(S("some avg10=0.00 avg60=0.00 avg300=0.00 total=17"), &psi), 0);
	assert_int_equal(psi.some_total_us, 17);
	assert_true(psi.full_total_us == HUTCH_UNKNOWN);
	assert_float_equal(psi.full_avg10, 0.0, 0);

	assert_int_equal(cgroup_parse_psi(S(""), &psi), -EINVAL);
	assert_int_equal(cgroup_parse_psi(S("some avg10=abc total=1\n"), &psi), -EINVAL);
	assert_int_equal(cgroup_parse_psi(S("other avg10=1.00 total=1\n"), &psi), -EINVAL);
	assert_int_equal(cgroup_parse_psi(S("some avg10=101.00 total=1\n"), &psi), -EINVAL);
}

static void test_io_stat(void **state)
{
	struct cgroup_blkio_device *d = NULL;
	size_t n = 0;
	const char *text =
		"8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
		"8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 "
		"dios=3021\n"
		"garbage\n259:3 rbytes=5\n";
	assert_int_equal(cgroup_parse_io_stat(S(text), &d, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(d[0].major, 8);
	assert_int_equal(d[0].minor, 16);
	assert_int_equal(d[0].read_bytes, 1459200);
	assert_int_equal(d[0].write_bytes, 314773504);
	assert_int_equal(d[0].read_ios, 192);
	assert_int_equal(d[0].write_ios, 353);
	assert_int_equal(d[1].minor, 0);
	assert_int_equal(d[1].write_ios, 1252);
	assert_int_equal(d[2].major, 259);
	assert_int_equal(d[2].read_bytes, 5);
	assert_true(d[2].write_bytes == HUTCH_UNKNOWN);
	free(d);
}

static void test_blkio_v1(void **state)
{
	struct cgroup_blkio_device *d = NULL;
	size_t n = 0;
	const char *bytes = "254:0 Read 4096\n254:0 Write 4194304\n254:0 Sync 4194304\n"
			    "254:0 Async 0\n254:0 Discard 0\n254:0 Total 4198400\n"
			    "8:0 Read 1\n8:0 Write 2\nTotal 4198403\n";
	const char *ios = "254:0 Read 1\n254:0 Write 4\n254:0 Total 5\nTotal 5\n";
	assert_int_equal(cgroup_parse_blkio_v1(S(bytes), false, &d, &n), 0);
	assert_int_equal(cgroup_parse_blkio_v1(S(ios), true, &d, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].major, 254);
	assert_int_equal(d[0].read_bytes, 4096);
	assert_int_equal(d[0].write_bytes, 4194304);
	assert_int_equal(d[0].read_ios, 1);
	assert_int_equal(d[0].write_ios, 4);
	assert_int_equal(d[1].major, 8);
	assert_int_equal(d[1].write_bytes, 2);
	assert_true(d[1].read_ios == HUTCH_UNKNOWN);
	free(d);

	/* A host whose throttle counters saw nothing: only the Total line. */
	d = NULL;
	n = 0;
	assert_int_equal(cgroup_parse_blkio_v1(S("Total 0\n"), false, &d, &n), 0);
	assert_int_equal(n, 0);
	free(d);
}

static void test_percpu(void **state)
{
	uint64_t *v;
	size_t n;
	assert_int_equal(cgroup_parse_percpu(S("41777076692 67256160278 \n"), &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 41777076692ull);
	assert_int_equal(v[1], 67256160278ull);
	free(v);
	assert_int_equal(cgroup_parse_percpu(S(" \n"), &v, &n), -EINVAL);
	assert_int_equal(cgroup_parse_percpu(S("1 x 2"), &v, &n), -EINVAL);
	assert_int_equal(cgroup_parse_percpu(S("123456789012345678901234567890123"), &v, &n),
			 -EINVAL);
}

static void test_controllers_and_line(void **state)
{
	uint32_t mask;
	assert_int_equal(
		cgroup_parse_controllers(S("cpuset cpu io memory hugetlb pids rdma misc\n"), &mask),
		0);
	assert_true(mask & (1u << CGROUP_CPU));
	assert_true(mask & (1u << CGROUP_BLKIO));
	assert_true(mask & (1u << CGROUP_MISC));
	assert_false(mask & (1u << CGROUP_CPUACCT));
	assert_int_equal(cgroup_parse_controllers(S("\n"), &mask), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(cgroup_parse_controllers(S("frobnicator cpu"), &mask), 0);
	assert_int_equal(mask, 1u << CGROUP_CPU);

	char out[8];
	assert_int_equal(cgroup_parse_line(S("0-3,8\n"), out, sizeof(out)), 0);
	assert_string_equal(out, "0-3,8");
	assert_int_equal(cgroup_parse_line(S("\n"), out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(cgroup_parse_line(S("0-3,8,10-11\n"), out, sizeof(out)), -ENOBUFS);
}

static void test_shares_weight(void **state)
{
	/* The endpoints and the defaults, as runc converts them. */
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(512), 20);
	assert_int_equal(cgroup_shares_to_weight(0), 1);
	assert_int_equal(cgroup_shares_to_weight(1000000), 10000);
	assert_int_equal(cgroup_weight_to_shares(1), 2);
	assert_int_equal(cgroup_weight_to_shares(10000), 262144);
	assert_int_equal(cgroup_weight_to_shares(100), 2598);
	assert_int_equal(cgroup_weight_to_shares(39), 999);
	assert_true(cgroup_shares_to_weight(HUTCH_UNKNOWN) == HUTCH_UNKNOWN);
	/* weight -> shares -> weight is exact. */
	for (uint64_t w = 1; w <= 10000; w += 37)
		assert_int_equal(cgroup_shares_to_weight(cgroup_weight_to_shares(w)), w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyed),	      cmocka_unit_test(test_u64_and_limits),
		cmocka_unit_test(test_cpu_max),	      cmocka_unit_test(test_psi),
		cmocka_unit_test(test_io_stat),	      cmocka_unit_test(test_blkio_v1),
		cmocka_unit_test(test_percpu),	      cmocka_unit_test(test_controllers_and_line),
		cmocka_unit_test(test_shares_weight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
