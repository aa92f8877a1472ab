/* SPDX-License-Identifier: MIT */
/*
 * collector/expo*.c, the encoders: exact Prometheus text and OpenMetrics
 * output, protobuf answers decoded back with the protoc-c code of
 * proto/metrics.proto, native-histogram indexes, and a gzip round trip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "expo.h"
#include "metrics.pb-c.h"

static const double bounds[] = {0.1, 1, 10};
static const uint64_t cums[] = {1, 3, 4};

/* The same small scrape in any format: a counter, a gauge with awkward labels,
 * an empty family, a counter without _total, and a histogram. */
static void write_sample_families(struct expo_writer *w, struct expo_labelset *ls)
{
	struct expo_label base[] = {{"id", "/docker/x"}, {"image", "a\"b\\c\nd"}, {"name", ""}};
	assert_int_equal(expo_labelset_set(ls, base, 3), 0);
	struct expo_label cpu = {"cpu", "total"};
	expo_family(w, "container_cpu_usage_seconds_total", "Cumulative cpu time.", EXPO_COUNTER);
	expo_sample(w, ls, &cpu, 1, 1.5);
	expo_family(w, "container_memory_usage_bytes", "Usage \\ in\nbytes.", EXPO_GAUGE);
	expo_sample(w, ls, NULL, 0, 52428800);
	expo_sample(w, NULL, NULL, 0, -3);
	expo_family(w, "empty_family", "Nothing.", EXPO_GAUGE);
	expo_family(w, "container_memory_failcnt", "Hits.", EXPO_COUNTER);
	expo_sample(w, ls, NULL, 0, 7);
	struct expo_histogram h = {
		.count = 5,
		.sum = 12.25,
		.n_buckets = 3,
		.upper_bounds = bounds,
		.cumulative_counts = cums,
	};
	struct expo_span spans[4];
	int64_t deltas[8];
	const uint64_t counts[] = {1, 2, 0, 0, 1, 1};
	expo_native_from_counts(0, -3, counts, 6, spans, 4, deltas, &h);
	h.zero_threshold = 1e-9;
	h.zero_count = 0;
	expo_family(w, "scrape_seconds", "Durations.", EXPO_HISTOGRAM);
	expo_sample_histogram(w, NULL, NULL, 0, &h);
}

/* What the text formats share: the samples, the memory family's header (OpenMetrics
 * differs in the cpu family's name, failcnt's type, the bucket bounds and the # EOF). */
#define CPU_SAMPLE                                                      \
	"container_cpu_usage_seconds_total{cpu=\"total\",id=\"/docker/" \
	"x\",image=\"a\\\"b\\\\c\\nd\","                                \
	"name=\"\"} 1.5\n"
#define MEMORY_FAMILY                                                                         \
	"# HELP container_memory_usage_bytes Usage \\\\ in\\nbytes.\n"                        \
	"# TYPE container_memory_usage_bytes gauge\n"                                         \
	"container_memory_usage_bytes{id=\"/docker/x\",image=\"a\\\"b\\\\c\\nd\",name=\"\"} " \
	"52428800\n"                                                                          \
	"container_memory_usage_bytes -3\n"                                                   \
	"# HELP container_memory_failcnt Hits.\n"
#define FAILCNT_SAMPLE \
	"container_memory_failcnt{id=\"/docker/x\",image=\"a\\\"b\\\\c\\nd\",name=\"\"} 7\n"
#define HISTOGRAM_HEAD                       \
	"# HELP scrape_seconds Durations.\n" \
	"# TYPE scrape_seconds histogram\n"  \
	"scrape_seconds_bucket{le=\"0.1\"} 1\n"
#define HISTOGRAM_TAIL                           \
	"scrape_seconds_bucket{le=\"+Inf\"} 5\n" \
	"scrape_seconds_sum 12.25\n"             \
	"scrape_seconds_count 5\n"

static const char want_text[] =
	"# HELP container_cpu_usage_seconds_total Cumulative cpu time.\n"
	"# TYPE container_cpu_usage_seconds_total counter\n" CPU_SAMPLE MEMORY_FAMILY
	"# TYPE container_memory_failcnt counter\n" FAILCNT_SAMPLE HISTOGRAM_HEAD
	"scrape_seconds_bucket{le=\"1\"} 3\n"
	"scrape_seconds_bucket{le=\"10\"} 4\n" HISTOGRAM_TAIL;

static const char want_om[] =
	"# HELP container_cpu_usage_seconds Cumulative cpu time.\n"
	"# TYPE container_cpu_usage_seconds counter\n" CPU_SAMPLE MEMORY_FAMILY
	"# TYPE container_memory_failcnt unknown\n" FAILCNT_SAMPLE HISTOGRAM_HEAD
	"scrape_seconds_bucket{le=\"1.0\"} 3\n"
	"scrape_seconds_bucket{le=\"10.0\"} 4\n" HISTOGRAM_TAIL "# EOF\n";

/* The sample families in fmt are want, to the byte. */
static void assert_answer(struct expo_writer *w, struct expo_labelset *ls, enum expo_format fmt,
			  const char *want)
{
	expo_begin(w, fmt);
	write_sample_families(w, ls);
	const char *data;
	size_t len;
	assert_int_equal(expo_end(w, &data, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
}

static void test_text(void **state)
{
	struct expo_writer *w;
	assert_int_equal(expo_writer_new(&w), 0);
	struct expo_labelset ls = {0};
	/* Twice: the second answer reuses the buffers and must be the same. */
	for (int round = 0; round < 2; round++)
		assert_answer(w, &ls, EXPO_TEXT, want_text);
	assert_answer(w, &ls, EXPO_OPENMETRICS, want_om);
	expo_labelset_free(&ls);
	expo_writer_free(w);
}

static uint64_t read_varint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	int shift = 0;
	while (*p < end) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
	}
	fail_msg("truncated varint");
	return 0;
}

static void assert_label(Io__Prometheus__Client__Metric *m, const char *name, const char *value)
{
	for (size_t i = 0; i < m->n_label; i++)
		if (strcmp(m->label[i]->name, name) == 0) {
			assert_string_equal(m->label[i]->value, value);
			return;
		}
	fail_msg("label %s missing", name);
}

static void test_protobuf(void **state)
{
	struct expo_writer *w;
	assert_int_equal(expo_writer_new(&w), 0);
	struct expo_labelset ls = {0};
	expo_begin(w, EXPO_PROTOBUF);
	write_sample_families(w, &ls);
	const char *data;
	size_t len;
	assert_int_equal(expo_end(w, &data, &len), 0);

	Io__Prometheus__Client__MetricFamily *fams[8];
	size_t n = 0;
	const uint8_t *p = (const uint8_t *)data, *end = p + len;
	while (p < end && n < 8) {
		uint64_t l = read_varint(&p, end);
		assert_true(l <= (uint64_t)(end - p));
		fams[n] = io__prometheus__client__metric_family__unpack(NULL, l, p);
		assert_non_null(fams[n]);
		n++;
		p += l;
	}
	assert_true(p == end);
	/* The empty family is left out, as in the text formats. */
	assert_int_equal(n, 4);
	assert_string_equal(fams[0]->name, "container_cpu_usage_seconds_total");
	assert_int_equal(fams[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER);
	assert_int_equal(fams[0]->n_metric, 1);
	assert_non_null(fams[0]->metric[0]->counter);
	assert_true(fams[0]->metric[0]->counter->value == 1.5);
	assert_int_equal(fams[0]->metric[0]->n_label, 4);
	assert_label(fams[0]->metric[0], "cpu", "total");
	assert_label(fams[0]->metric[0], "id", "/docker/x");
	assert_label(fams[0]->metric[0], "image", "a\"b\\c\nd");
	assert_label(fams[0]->metric[0], "name", "");

	assert_string_equal(fams[1]->name, "container_memory_usage_bytes");
	assert_string_equal(fams[1]->help, "Usage \\ in\nbytes.");
	assert_int_equal(fams[1]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
	assert_int_equal(fams[1]->n_metric, 2);
	assert_true(fams[1]->metric[0]->gauge->value == 52428800);
	assert_int_equal(fams[1]->metric[1]->n_label, 0);
	assert_true(fams[1]->metric[1]->gauge->value == -3);

	assert_string_equal(fams[2]->name, "container_memory_failcnt");
	assert_true(fams[2]->metric[0]->counter->value == 7);

	Io__Prometheus__Client__Histogram *h = fams[3]->metric[0]->histogram;
	assert_int_equal(fams[3]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
	assert_non_null(h);
	assert_int_equal(h->sample_count, 5);
	assert_true(h->sample_sum == 12.25);
	assert_int_equal(h->n_bucket, 3);
	assert_true(h->bucket[1]->upper_bound == 1);
	assert_int_equal(h->bucket[1]->cumulative_count, 3);
	/* Native buckets -3,-2 and -1..0 after a gap of two: spans {-3,2}, {2,2}; deltas of
	 * counts 1,2,1,1 are 1,1,-1,0. */
	assert_true(h->has_schema);
	assert_int_equal(h->schema, 0);
	assert_true(h->zero_threshold == 1e-9);
	assert_int_equal(h->n_positive_span, 2);
	assert_int_equal(h->positive_span[0]->offset, -3);
	assert_int_equal(h->positive_span[0]->length, 2);
	assert_int_equal(h->positive_span[1]->offset, 2);
	assert_int_equal(h->positive_span[1]->length, 2);
	assert_int_equal(h->n_positive_delta, 4);
	assert_int_equal(h->positive_delta[0], 1);
	assert_int_equal(h->positive_delta[1], 1);
	assert_int_equal(h->positive_delta[2], -1);
	assert_int_equal(h->positive_delta[3], 0);
	for (size_t i = 0; i < n; i++)
		io__prometheus__client__metric_family__free_unpacked(fams[i], NULL);
	expo_labelset_free(&ls);
	expo_writer_free(w);
}

static void test_native_index(void **state)
{
	/* Schema 0: bucket i covers (2^(i-1), 2^i]. */
	assert_int_equal(expo_native_index(0, 1.0), 0);
	assert_int_equal(expo_native_index(0, 1.5), 1);
	assert_int_equal(expo_native_index(0, 2.0), 1);
	assert_int_equal(expo_native_index(0, 0.25), -2);
	assert_int_equal(expo_native_index(0, 0.3), -1);
	/* Schema 3: 8 buckets per power of two. */
	assert_int_equal(expo_native_index(3, 2.0), 8);
	assert_int_equal(expo_native_index(3, 0.5), -8);
}

static void test_gzip(void **state)
{
	struct expo_gzip *g;
	assert_int_equal(expo_gzip_new(&g), 0);
	struct expo_buf out = {0};
	char in[5000];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)('a' + i % 7);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(expo_gzip(g, in, sizeof(in), &out), 0);
		assert_true(out.len > 18 && out.len < sizeof(in));
		assert_int_equal((uint8_t)out.data[0], 0x1f);
		assert_int_equal((uint8_t)out.data[1], 0x8b);
		z_stream zs = {0};
		assert_int_equal(inflateInit2(&zs, 31), Z_OK);
		char back[6000];
		zs.next_in = (Bytef *)out.data;
		zs.avail_in = (uInt)out.len;
		zs.next_out = (Bytef *)back;
		zs.avail_out = sizeof(back);
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		assert_int_equal(zs.total_out, sizeof(in));
		assert_memory_equal(back, in, sizeof(in));
		inflateEnd(&zs);
	}
	expo_buf_free(&out);
	expo_gzip_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_protobuf),
		cmocka_unit_test(test_native_index),
		cmocka_unit_test(test_gzip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
