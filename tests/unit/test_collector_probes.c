/* SPDX-License-Identifier: MIT */
/*
 * The user-space halves of the eBPF probes that need no kernel: --probes
 * lists, the key mode per layout, and the log2 slots of bpf/runqlat.h turned
 * into classic and native (schema 0) histogram buckets.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bpf/runqlat.h"
#include "probes.h"

static void test_parse_list(void **state)
{
	unsigned m = 99;
	assert_int_equal(probes_parse_list("all", &m), 0);
	assert_int_equal(m, (1u << PROBES_COUNT) - 1);
	assert_int_equal(probes_parse_list("none", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(probes_parse_list("runqlat,netcg", &m), 0);
	assert_int_equal(m, 1u << 0 | 1u << 3);
	assert_int_equal(probes_parse_list("churn", &m), 0);
	assert_int_equal(m, 1u << 2);
	m = 7;
	assert_int_equal(probes_parse_list("runqlat,bogus", &m), -EINVAL);
	assert_int_equal(probes_parse_list("run", &m), -EINVAL);
	assert_int_equal(probes_parse_list(",churn", &m), -EINVAL);
	assert_int_equal(m, 7); /* untouched on error */
	for (size_t i = 0; i < PROBES_COUNT; i++)
		assert_non_null(probes_all[i]->name);
}

static void test_key_mode(void **state)
{
	struct cgroup_layout l;
	memset(&l, 0, sizeof(l));
	for (size_t i = 0; i < CGROUP_CONTROLLER_COUNT; i++)
		l.by_controller[i] = -1;
	/* Hybrid: cpu and memory in v1 hierarchies, cgroup2 beside them. */
	l.kind = CGROUP_LAYOUT_HYBRID;
	l.by_controller[CGROUP_CPU] = 0;
	l.by_controller[CGROUP_MEMORY] = 1;
	l.unified = 2;
	assert_int_equal(probe_key_mode(&l, CGROUP_CPU), HUTCH_KEY_V1);
	assert_int_equal(probe_key_mode(&l, CGROUP_MEMORY), HUTCH_KEY_V1);
	/* A controller bound to the unified hierarchy on a hybrid host, or none at all. */
	l.by_controller[CGROUP_MEMORY] = 2;
	assert_int_equal(probe_key_mode(&l, CGROUP_MEMORY), HUTCH_KEY_UNIFIED);
	assert_int_equal(probe_key_mode(&l, CGROUP_PIDS), HUTCH_KEY_UNIFIED);
	l.kind = CGROUP_LAYOUT_V2;
	l.by_controller[CGROUP_CPU] = 0;
	l.unified = 0;
	assert_int_equal(probe_key_mode(&l, CGROUP_CPU), HUTCH_KEY_UNIFIED);
}

static void test_log2_histogram(void **state)
{
	uint64_t slots[RUNQLAT_SLOTS] = {0};
	slots[0] = 2;  /* at most 2^-30 s: the zero bucket */
	slots[20] = 3; /* (2^-11, 2^-10] s: native bucket -10 */
	slots[31] = 1; /* (1, 2] s: native bucket 1 */
	struct probe_log2_hist store;
	struct expo_histogram h;
	probe_log2_histogram(slots, RUNQLAT_SLOTS, RUNQLAT_SLOT_OFFSET, 2500000000ull, &store, &h);
	assert_int_equal(h.count, 6);
	assert_true(fabs(h.sum - 2.5) < 1e-12);

	/* Classic: 2^-20 s to 2^2 s, every second power, cumulative. */
	assert_int_equal(h.n_buckets, 12);
	assert_true(h.upper_bounds[0] == ldexp(1, -20));
	assert_int_equal(h.cumulative_counts[0], 2);
	assert_true(h.upper_bounds[5] == ldexp(1, -10));
	assert_int_equal(h.cumulative_counts[5], 5);
	assert_true(h.upper_bounds[10] == 1.0);
	assert_int_equal(h.cumulative_counts[10], 5);
	assert_true(h.upper_bounds[11] == 4.0);
	assert_int_equal(h.cumulative_counts[11], 6);

	/* Native, schema 0: slot k is bucket k - 30, exactly. */
	assert_true(h.native);
	assert_int_equal(h.schema, 0);
	assert_true(h.zero_threshold == ldexp(1, -30));
	assert_int_equal(h.zero_count, 2);
	assert_int_equal(h.n_positive_spans, 2);
	assert_int_equal(h.positive_spans[0].offset, -10);
	assert_int_equal(h.positive_spans[0].length, 1);
	assert_int_equal(h.positive_spans[1].offset, 10); /* buckets -9 .. 0 are empty */
	assert_int_equal(h.positive_spans[1].length, 1);
	assert_int_equal(h.n_positive_deltas, 2);
	assert_int_equal(h.positive_deltas[0], 3);
	assert_int_equal(h.positive_deltas[1], -2);
	/* The same index the encoder computes for a value in that bucket. */
	assert_int_equal(expo_native_index(0, 0.0009), -10);
	assert_int_equal(expo_native_index(0, 1.5), 1);
}

static void test_log2_histogram_empty(void **state)
{
	uint64_t slots[RUNQLAT_SLOTS] = {0};
	struct probe_log2_hist store;
	struct expo_histogram h;
	probe_log2_histogram(slots, RUNQLAT_SLOTS, RUNQLAT_SLOT_OFFSET, 0, &store, &h);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.n_positive_spans, 0);
	assert_int_equal(h.zero_count, 0);
	assert_int_equal(h.n_buckets, 12);
	assert_int_equal(h.cumulative_counts[11], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_key_mode),
		cmocka_unit_test(test_log2_histogram),
		cmocka_unit_test(test_log2_histogram_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
