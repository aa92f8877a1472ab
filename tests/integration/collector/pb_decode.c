/* SPDX-License-Identifier: MIT */
/*
 * Test helper: decodes a delimited io.prometheus.client.MetricFamily stream
 * (stdin) with the protoc-c code of proto/metrics.proto and prints it as
 * "# TYPE name type" lines and one "name label=value,..." line per series
 * (labels sorted, histograms expanded to _bucket/_sum/_count like the text
 * format), plus a "# native ..." line for native histograms (see native()).
 * Exit 1 on a stream that does not decode.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.pb-c.h"

typedef Io__Prometheus__Client__LabelPair label_t;

static int cmp_label(const void *a, const void *b)
{
	return strcmp((*(label_t *const *)a)->name, (*(label_t *const *)b)->name);
}

static void series(const char *name, const char *suffix, Io__Prometheus__Client__Metric *m,
		   const char *le, double v)
{
	label_t *ls[32];
	size_t n = m->n_label < 31 ? m->n_label : 31;
	if (n)
		memcpy(ls, m->label, n * sizeof(*ls));
	label_t le_label = IO__PROMETHEUS__CLIENT__LABEL_PAIR__INIT;
	if (le) {
		le_label.name = (char *)"le";
		le_label.value = (char *)le;
		ls[n++] = &le_label;
	}
	qsort(ls, n, sizeof(*ls), cmp_label);
	printf("%s%s ", name, suffix);
	for (size_t i = 0; i < n; i++)
		printf("%s%s=%s", i ? "," : "", ls[i]->name, ls[i]->value);
	printf(" %.17g\n", v);
}

/*
 * "# native NAME schema=S spans=N deltas=N zero_threshold=T zero_count=Z buckets=B
 * valid=V labels": buckets is the sum of the counts the deltas encode; valid is 1 when
 * the spans cover exactly the deltas, no count is negative and zero_count + buckets
 * equals the sample count.
 */
static void native(const char *name, Io__Prometheus__Client__Metric *m,
		   Io__Prometheus__Client__Histogram *h)
{
	uint64_t covered = 0, buckets = 0;
	int64_t count = 0;
	int valid = 1;
	for (size_t i = 0; i < h->n_positive_span; i++)
		covered += h->positive_span[i]->length;
	for (size_t i = 0; i < h->n_positive_delta; i++) {
		count += h->positive_delta[i];
		if (count < 0)
			valid = 0;
		buckets += (uint64_t)count;
	}
	if (covered != h->n_positive_delta || h->zero_count + buckets != h->sample_count)
		valid = 0;
	printf("# native %s schema=%d spans=%zu deltas=%zu zero_threshold=%.17g zero_count=%llu "
	       "buckets=%llu valid=%d ",
	       name, h->schema, h->n_positive_span, h->n_positive_delta, h->zero_threshold,
	       (unsigned long long)h->zero_count, (unsigned long long)buckets, valid);
	for (size_t i = 0; i < m->n_label; i++)
		printf("%s%s=%s", i ? "," : "", m->label[i]->name, m->label[i]->value);
	printf("\n");
}

static const char *type_name(Io__Prometheus__Client__MetricType t)
{
	switch (t) {
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER:
		return "counter";
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE:
		return "gauge";
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM:
		return "histogram";
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__SUMMARY:
		return "summary";
	default:
		return "untyped";
	}
}

int main(void)
{
	size_t cap = 1 << 20, len = 0;
	unsigned char *buf = malloc(cap);
	size_t k;
	while (buf && (k = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += k;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf)
		return 1;
	size_t p = 0;
	while (p < len) {
		uint64_t size = 0;
		int shift = 0;
		while (p < len) {
			unsigned char b = buf[p++];
			size |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80))
				break;
		}
		if (size > len - p) {
			fprintf(stderr, "pb_decode: truncated message at %zu\n", p);
			return 1;
		}
		Io__Prometheus__Client__MetricFamily *f =
			io__prometheus__client__metric_family__unpack(NULL, size, buf + p);
		if (!f) {
			fprintf(stderr, "pb_decode: message at %zu does not decode\n", p);
			return 1;
		}
		p += size;
		printf("# TYPE %s %s\n", f->name, type_name(f->type));
		for (size_t i = 0; i < f->n_metric; i++) {
			Io__Prometheus__Client__Metric *m = f->metric[i];
			if (m->counter)
				series(f->name, "", m, NULL, m->counter->value);
			else if (m->gauge)
				series(f->name, "", m, NULL, m->gauge->value);
			else if (m->untyped)
				series(f->name, "", m, NULL, m->untyped->value);
			else if (m->histogram) {
				Io__Prometheus__Client__Histogram *h = m->histogram;
				char le[64];
				for (size_t b = 0; b < h->n_bucket; b++) {
					if (isinf(h->bucket[b]->upper_bound))
						continue;
					snprintf(le, sizeof(le), "%.15g",
						 h->bucket[b]->upper_bound);
					series(f->name, "_bucket", m, le,
					       (double)h->bucket[b]->cumulative_count);
				}
				series(f->name, "_bucket", m, "+Inf", (double)h->sample_count);
				series(f->name, "_sum", m, NULL, h->sample_sum);
				series(f->name, "_count", m, NULL, (double)h->sample_count);
				if (h->has_schema)
					native(f->name, m, h);
			}
		}
		io__prometheus__client__metric_family__free_unpacked(f, NULL);
	}
	free(buf);
	return 0;
}
