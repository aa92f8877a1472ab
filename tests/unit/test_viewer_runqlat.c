/* SPDX-License-Identifier: MIT */
/*
 * hutch top's run-queue latency: the growth of a histogram between two scrapes
 * (classic buckets and the sparse native ones, where a bucket may appear between
 * scrapes), its quantiles and mean, resets, the protobuf decoding of
 * container_cpu_runqueue_latency_seconds (native and classic), the probe
 * counters, and the detail view's line in host and --url mode.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.pb-c.h"
#include "pb_fixture.h"
#include "model.h"
#include "source.h"

static struct viewer_hist mk(size_t n, const double *le, const uint64_t *cum, double sum)
{
	struct viewer_hist h = {.n = n, .sum = sum};
	for (size_t i = 0; i < n; i++) {
		h.le[i] = le[i];
		h.cum[i] = cum[i];
	}
	h.count = cum[n - 1];
	return h;
}

static void test_classic_delta_quantile(void **state)
{
	const double le[] = {1, 2, 4, INFINITY};
	struct viewer_hist prev = mk(4, le, (const uint64_t[]){0, 10, 10, 10}, 15);
	struct viewer_hist cur = mk(4, le, (const uint64_t[]){0, 10, 110, 110}, 315);
	struct viewer_hist d;
	assert_int_equal(viewer_hist_delta(&prev, &cur, &d), 0);
	assert_int_equal(d.count, 100);
	assert_int_equal(d.cum[0], 0);
	assert_int_equal(d.cum[1], 0);
	assert_int_equal(d.cum[2], 100);
	assert_int_equal(d.cum[3], 100);
	/* Everything new fell in (2, 4]: linear inside it. */
	assert_float_equal(viewer_hist_quantile(&d, 0.5), 3.0, 1e-9);
	assert_float_equal(viewer_hist_quantile(&d, 0.99), 3.98, 1e-9);
	assert_float_equal(viewer_hist_mean(&d), 3.0, 1e-9);
	/* Over the whole history, the median is in (1, 2]. */
	assert_int_equal(viewer_hist_delta(NULL, &prev, &d), 0);
	assert_float_equal(viewer_hist_quantile(&d, 0.5), 1.5, 1e-9);
	/* The first bucket interpolates from 0. */
	struct viewer_hist low = mk(2, (const double[]){1, INFINITY}, (const uint64_t[]){4, 4}, 2);
	assert_float_equal(viewer_hist_quantile(&low, 0.25), 0.25, 1e-9);
	/* Past every finite bound: the highest finite bound, as Prometheus says. */
	struct viewer_hist hi =
		mk(3, (const double[]){1, 2, INFINITY}, (const uint64_t[]){1, 1, 10}, 50);
	assert_float_equal(viewer_hist_quantile(&hi, 0.99), 2.0, 1e-9);
	/* No observation in the interval: no quantile, no mean. */
	assert_int_equal(viewer_hist_delta(&cur, &cur, &d), 0);
	assert_int_equal(d.count, 0);
	assert_true(isnan(viewer_hist_quantile(&d, 0.5)));
	assert_true(isnan(viewer_hist_mean(&d)));
	assert_true(isnan(viewer_hist_quantile(&cur, 1.5)));
}

static void test_sparse_and_reset(void **state)
{
	/* Native buckets only exist once they hold something: a bucket may appear
	 * between two scrapes. prev: zero bucket, (2^-11, 2^-10]; cur adds (2^-13, 2^-12]. */
	const double z = ldexp(1, -30), a = ldexp(1, -12), b = ldexp(1, -10);
	struct viewer_hist prev =
		mk(3, (const double[]){z, b, INFINITY}, (const uint64_t[]){0, 5, 5}, 0);
	struct viewer_hist cur =
		mk(4, (const double[]){z, a, b, INFINITY}, (const uint64_t[]){0, 3, 8, 8}, 0);
	struct viewer_hist d;
	assert_int_equal(viewer_hist_delta(&prev, &cur, &d), 0);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.cum[1], 3);
	assert_int_equal(d.cum[2], 3);
	/* All three new waits are in (2^-13, 2^-12]. */
	double p50 = viewer_hist_quantile(&d, 0.5);
	assert_true(p50 > z && p50 <= a);
	/* The other way round: prev has a bucket cur lacks, or counts went down: a reset. */
	assert_int_equal(viewer_hist_delta(&cur, &prev, &d), -ERANGE);
	struct viewer_hist fewer =
		mk(3, (const double[]){z, b, INFINITY}, (const uint64_t[]){0, 4, 4}, 0);
	assert_int_equal(viewer_hist_delta(&prev, &fewer, &d), -ERANGE);
	/* Malformed: no +Inf, bounds not increasing, counts not cumulative. */
	struct viewer_hist bad = mk(2, (const double[]){1, 2}, (const uint64_t[]){1, 2}, 0);
	assert_int_equal(viewer_hist_delta(NULL, &bad, &d), -EINVAL);
	bad = mk(3, (const double[]){2, 1, INFINITY}, (const uint64_t[]){1, 2, 2}, 0);
	assert_int_equal(viewer_hist_delta(NULL, &bad, &d), -EINVAL);
	bad = mk(3, (const double[]){1, 2, INFINITY}, (const uint64_t[]){3, 2, 3}, 0);
	assert_int_equal(viewer_hist_delta(NULL, &bad, &d), -EINVAL);
}

static void test_fmt_seconds(void **state)
{
	char buf[16];
	viewer_fmt_seconds(850e-9, buf, sizeof(buf));
	assert_string_equal(buf, "850ns");
	viewer_fmt_seconds(12.5e-6, buf, sizeof(buf));
	assert_string_equal(buf, "12.5us");
	viewer_fmt_seconds(3.2e-3, buf, sizeof(buf));
	assert_string_equal(buf, "3.20ms");
	viewer_fmt_seconds(1.5, buf, sizeof(buf));
	assert_string_equal(buf, "1.50s");
	viewer_fmt_seconds(NAN, buf, sizeof(buf));
	assert_string_equal(buf, "-");
}

/* The collector's answer at one scrape: runqlat of /hutch/busy as a native histogram
 * (zero bucket, then buckets -13 and -10 of schema 0, i.e. (2^-14, 2^-13] and
 * (2^-11, 2^-10]) with n13 and n10 waits, of /hutch/classic as classic buckets,
 * probe_up, and the churn and oomkill counters. */
static void scrape(unsigned char **buf, size_t *len, uint64_t n13, uint64_t n10, int probe_up)
{
	*len = 0;
	Io__Prometheus__Client__LabelPair id1 = IO__PROMETHEUS__CLIENT__LABEL_PAIR__INIT;
	id1.name = "id";
	id1.value = "/hutch/busy";
	Io__Prometheus__Client__LabelPair *l1[] = {&id1};
	Io__Prometheus__Client__LabelPair id2 = IO__PROMETHEUS__CLIENT__LABEL_PAIR__INIT;
	id2.name = "id";
	id2.value = "/hutch/classic";
	Io__Prometheus__Client__LabelPair *l2[] = {&id2};

	/* Native: spans {offset -13, length 1}, {offset 2, length 1}; deltas n13, n10-n13. */
	Io__Prometheus__Client__BucketSpan sp[2] = {IO__PROMETHEUS__CLIENT__BUCKET_SPAN__INIT,
						    IO__PROMETHEUS__CLIENT__BUCKET_SPAN__INIT};
	sp[0].has_offset = sp[0].has_length = sp[1].has_offset = sp[1].has_length = true;
	sp[0].offset = -13;
	sp[0].length = 1;
	sp[1].offset = 2;
	sp[1].length = 1;
	Io__Prometheus__Client__BucketSpan *spp[] = {&sp[0], &sp[1]};
	int64_t deltas[] = {(int64_t)n13, (int64_t)n10 - (int64_t)n13};
	Io__Prometheus__Client__Histogram nh = IO__PROMETHEUS__CLIENT__HISTOGRAM__INIT;
	nh.has_sample_count = nh.has_sample_sum = nh.has_schema = true;
	nh.has_zero_threshold = nh.has_zero_count = true;
	nh.sample_count = 1 + n13 + n10;
	nh.sample_sum = (double)n13 * 1e-4 + (double)n10 * 8e-4;
	nh.schema = 0;
	nh.zero_threshold = ldexp(1, -30);
	nh.zero_count = 1;
	nh.n_positive_span = n13 ? 2 : 1;
	nh.positive_span = n13 ? spp : &spp[1];
	if (!n13) {
		sp[1].offset = -10;
		deltas[0] = (int64_t)n10;
	}
	nh.n_positive_delta = n13 ? 2 : 1;
	nh.positive_delta = deltas;

	/* Classic: le 0.001, 0.01 (+Inf from the count). */
	Io__Prometheus__Client__Bucket b[2] = {IO__PROMETHEUS__CLIENT__BUCKET__INIT,
					       IO__PROMETHEUS__CLIENT__BUCKET__INIT};
	b[0].has_upper_bound = b[0].has_cumulative_count = true;
	b[1].has_upper_bound = b[1].has_cumulative_count = true;
	b[0].upper_bound = 0.001;
	b[0].cumulative_count = n10;
	b[1].upper_bound = 0.01;
	b[1].cumulative_count = n10 + n13;
	Io__Prometheus__Client__Bucket *bp[] = {&b[0], &b[1]};
	Io__Prometheus__Client__Histogram ch = IO__PROMETHEUS__CLIENT__HISTOGRAM__INIT;
	ch.has_sample_count = ch.has_sample_sum = true;
	ch.sample_count = n10 + n13;
	ch.sample_sum = 0.001 * (double)(n10 + n13);
	ch.n_bucket = 2;
	ch.bucket = bp;

	Io__Prometheus__Client__Metric m[2] = {IO__PROMETHEUS__CLIENT__METRIC__INIT,
					       IO__PROMETHEUS__CLIENT__METRIC__INIT};
	m[0].n_label = 1;
	m[0].label = l1;
	m[0].histogram = &nh;
	m[1].n_label = 1;
	m[1].label = l2;
	m[1].histogram = &ch;
	Io__Prometheus__Client__Metric *mp[] = {&m[0], &m[1]};
	Io__Prometheus__Client__MetricFamily f = IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;
	f.name = "container_cpu_runqueue_latency_seconds";
	f.has_type = true;
	f.type = IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM;
	f.n_metric = 2;
	f.metric = mp;
	pb_put_family(buf, len, &f);

	/* Counters of /hutch/busy: forks, execs, OOM kills. */
	const char *names[] = {"container_process_forks_total", "container_process_execs_total",
			       "container_oom_kills_total"};
	for (size_t i = 0; i < 3; i++) {
		Io__Prometheus__Client__Counter c = IO__PROMETHEUS__CLIENT__COUNTER__INIT;
		c.has_value = true;
		c.value = (double)(10 * (i + 1));
		Io__Prometheus__Client__Metric cm = IO__PROMETHEUS__CLIENT__METRIC__INIT;
		cm.n_label = 1;
		cm.label = l1;
		cm.counter = &c;
		Io__Prometheus__Client__Metric *cmp = &cm;
		Io__Prometheus__Client__MetricFamily cf =
			IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;
		cf.name = (char *)names[i];
		cf.n_metric = 1;
		cf.metric = &cmp;
		pb_put_family(buf, len, &cf);
	}

	Io__Prometheus__Client__LabelPair pl = IO__PROMETHEUS__CLIENT__LABEL_PAIR__INIT;
	pl.name = "probe";
	pl.value = "runqlat";
	Io__Prometheus__Client__LabelPair *plp = &pl;
	Io__Prometheus__Client__Gauge g = IO__PROMETHEUS__CLIENT__GAUGE__INIT;
	g.has_value = true;
	g.value = probe_up;
	Io__Prometheus__Client__Metric gm = IO__PROMETHEUS__CLIENT__METRIC__INIT;
	gm.n_label = 1;
	gm.label = &plp;
	gm.gauge = &g;
	Io__Prometheus__Client__Metric *gmp = &gm;
	Io__Prometheus__Client__MetricFamily gf = IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;
	gf.name = "hutch_collector_probe_up";
	gf.n_metric = 1;
	gf.metric = &gmp;
	pb_put_family(buf, len, &gf);
}

static void test_metrics_and_line(void **state)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct viewer_snapshot prev, cur;
	viewer_snapshot_init(&prev);
	viewer_snapshot_init(&cur);

	/* First scrape: 4 waits in (2^-11, 2^-10], none yet in bucket -13 (sparse). */
	scrape(&buf, &len, 0, 4, 1);
	assert_int_equal(viewer_snapshot_from_metrics(buf, len, true, &prev), 0);
	prev.at_ns = 1000000000ull;
	assert_int_equal(prev.host.probe_runqlat, 1);
	const struct viewer_sample *p = viewer_snapshot_find(&prev, "/hutch/busy");
	assert_non_null(p);
	assert_non_null(p->runqlat);
	assert_int_equal(p->runqlat->n, 3); /* zero bucket, -10, +Inf */
	assert_float_equal(p->runqlat->le[0], ldexp(1, -30), 0);
	assert_float_equal(p->runqlat->le[1], ldexp(1, -10), 0);
	assert_int_equal(p->runqlat->cum[1], 5);
	assert_int_equal(p->runqlat->count, 5);
	assert_int_equal(p->process_forks, 10);
	assert_int_equal(p->process_execs, 20);
	assert_int_equal(p->memory_oom_kill_events, 30);

	/* Second scrape, 2 s later: 100 waits in (2^-14, 2^-13], 4 more in bucket -10. */
	scrape(&buf, &len, 100, 8, 1);
	assert_int_equal(viewer_snapshot_from_metrics(buf, len, true, &cur), 0);
	cur.at_ns = 3000000000ull;
	const struct viewer_sample *c = viewer_snapshot_find(&cur, "/hutch/busy");
	assert_non_null(c);
	assert_int_equal(c->runqlat->n, 4);
	struct viewer_hist d;
	assert_int_equal(viewer_hist_delta(p->runqlat, c->runqlat, &d), 0);
	assert_int_equal(d.count, 104);
	/* The median of the new waits is inside (2^-14, 2^-13], the p99 in (2^-11, 2^-10]. */
	double p50 = viewer_hist_quantile(&d, 0.5), p99 = viewer_hist_quantile(&d, 0.99);
	assert_true(p50 > ldexp(1, -14) && p50 <= ldexp(1, -13));
	assert_true(p99 > ldexp(1, -11) && p99 <= ldexp(1, -10));
	char line[256];
	viewer_runqlat_line(&prev, p, &cur, c, line, sizeof(line));
	assert_non_null(strstr(line, "run-queue latency (last interval 2.0s, 104 waits): p50 "));
	assert_non_null(strstr(line, " p99 "));
	assert_non_null(strstr(line, " mean "));

	/* Classic buckets: 0.001 and 0.01 and +Inf. */
	const struct viewer_sample *cc = viewer_snapshot_find(&cur, "/hutch/classic");
	assert_non_null(cc);
	assert_non_null(cc->runqlat);
	assert_int_equal(cc->runqlat->n, 3);
	assert_float_equal(cc->runqlat->le[0], 0.001, 0);
	assert_int_equal(cc->runqlat->cum[0], 8);
	assert_int_equal(cc->runqlat->cum[1], 108);
	assert_true(isinf(cc->runqlat->le[2]));
	const struct viewer_sample *pc = viewer_snapshot_find(&prev, "/hutch/classic");
	assert_int_equal(viewer_hist_delta(pc->runqlat, cc->runqlat, &d), 0);
	assert_int_equal(d.count, 104);
	assert_int_equal(d.cum[0], 4);

	/* No previous sample: since the probe started. A reset counts the same way. */
	viewer_runqlat_line(NULL, NULL, &cur, c, line, sizeof(line));
	assert_non_null(strstr(line, "run-queue latency (since the probe started, 109 waits)"));
	viewer_runqlat_line(&cur, c, &prev, p, line, sizeof(line));
	assert_non_null(strstr(line, "since the probe started, 5 waits"));
	/* Nothing new in the interval. */
	viewer_runqlat_line(&cur, c, &cur, c, line, sizeof(line));
	assert_non_null(strstr(line, "no waits"));

	/* The probe off: said so; a container without a histogram. */
	scrape(&buf, &len, 0, 4, 0);
	viewer_snapshot_clear(&cur);
	assert_int_equal(viewer_snapshot_from_metrics(buf, len, true, &cur), 0);
	assert_int_equal(cur.host.probe_runqlat, 0);
	struct viewer_sample *none = viewer_snapshot_add(&cur, "/hutch/idle", "", "idle");
	assert_non_null(none);
	viewer_runqlat_line(NULL, NULL, &cur, none, line, sizeof(line));
	assert_string_equal(line, "run-queue latency: the collector's runqlat probe is off");

	/* Host mode: no probes without a collector. */
	struct viewer_snapshot host;
	viewer_snapshot_init(&host);
	snprintf(host.host.layout, sizeof(host.host.layout), "hybrid");
	viewer_runqlat_line(NULL, NULL, &host, none, line, sizeof(line));
	assert_string_equal(line, "run-queue latency: needs hutch-collector's probes (--url)");

	viewer_snapshot_clear(&prev);
	viewer_snapshot_clear(&cur);
	free(prev.samples);
	free(cur.samples);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic_delta_quantile),
		cmocka_unit_test(test_sparse_and_reset),
		cmocka_unit_test(test_fmt_seconds),
		cmocka_unit_test(test_metrics_and_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
