/* SPDX-License-Identifier: MIT */
/*
 * collector/collector.c and families.c: whole scrapes of the fixture trees
 * through the cAdvisor families, in every format.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup_fixture.h"
#include "collector.h"

/* A whole scrape of the v2 fixture tree through the cAdvisor families. */
static void test_scrape_fixture(void **state)
{
	struct cgroup_layout *l = fixture_layout(CG_FIXTURES "/v2");
	assert_non_null(l);
	struct sampler_options o = {.network = true, .processes = true};
	struct collector *c;
	assert_int_equal(collector_new(l, &o, &c), 0);
	const char *data;
	size_t len;
	assert_int_equal(collector_scrape(c, EXPO_TEXT, false, &data, &len), 0);
	char *text = strndup(data, len);
	const char *want[] = {
		"container_memory_usage_bytes{id=\"/hutch/ctr\",image=\"\",name=\"ctr\"} "
		"52428800\n",
		"container_cpu_usage_seconds_total{cpu=\"total\",id=\"/hutch/ctr\",image=\"\",name="
		"\"ctr\"} 2.5\n",
		"container_spec_memory_limit_bytes{id=\"/hutch/ctr\",image=\"\",name=\"ctr\"} "
		"1073741824\n",
		"container_spec_cpu_quota{id=\"/hutch/ctr\",image=\"\",name=\"ctr\"} 50000\n",
		"container_cpu_cfs_throttled_periods_total{id=\"/hutch/"
		"ctr\",image=\"\",name=\"ctr\"} "
		"12\n",
		"container_oom_events_total{id=\"/hutch/ctr\",image=\"\",name=\"ctr\"} 2\n",
		"container_cpu_usage_seconds_total{cpu=\"total\",id=\"/\",image=\"\",name=\"\"}",
		"# TYPE machine_cpu_cores gauge\n",
		"# TYPE process_resident_memory_bytes gauge\n",
		"hutch_collector_containers 4\n",
		"container_scrape_error 0\n",
		/* No limit on v2 ("max") reads as cAdvisor shows it: 2^64-1. */
		"container_spec_memory_limit_bytes{id=\"/hutch/idle\",image=\"\",name=\"idle\"} "
		"1.8446744073709552e+19\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("missing: %s", want[i]);
	/* No quota on /hutch/idle: no cfs series and no spec quota for it. */
	assert_null(strstr(text, "container_spec_cpu_quota{id=\"/hutch/idle\""));
	free(text);
	/* The same scrape as protobuf and gzip'd OpenMetrics. */
	assert_int_equal(collector_scrape(c, EXPO_PROTOBUF, false, &data, &len), 0);
	assert_true(len > 1000);
	assert_int_equal(collector_scrape(c, EXPO_OPENMETRICS, true, &data, &len), 0);
	assert_int_equal((uint8_t)data[0], 0x1f);
	collector_free(c);
	cgroup_layout_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrape_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
