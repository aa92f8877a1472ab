/* SPDX-License-Identifier: MIT */
/*
 * Exposition: one writer encodes metric families as Prometheus text 0.0.4,
 * OpenMetrics 1.0 text or delimited protobuf (io.prometheus.client
 * MetricFamily, with protobuf-c). Callers write family by family, sample by
 * sample; the writer keeps its buffers across scrapes so a steady scrape
 * allocates nothing.
 */
#ifndef HUTCH_COLLECTOR_EXPO_H
#define HUTCH_COLLECTOR_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum expo_format {
	EXPO_TEXT,	  /* text/plain; version=0.0.4 */
	EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
	EXPO_PROTOBUF,	  /* delimited io.prometheus.client.MetricFamily */
};
enum expo_type {
	EXPO_COUNTER,
	EXPO_GAUGE,
	EXPO_UNTYPED,
	EXPO_HISTOGRAM,
};

struct expo_label {
	const char *name, *value;
};

/*
 * Labels every sample of one container (or target) shares, rendered once
 * per scrape: the text encoders copy the escaped text, the protobuf one the
 * pairs. Strings must stay valid until the scrape is encoded.
 */
#define EXPO_MAX_SET_LABELS 48
struct expo_labelset {
	size_t n;
	struct expo_label labels[EXPO_MAX_SET_LABELS];
	char *text; /* `a="x",b="y"`, escaped; owned, reused by expo_labelset_set */
	size_t text_len, text_cap;
};
int expo_labelset_set(struct expo_labelset *ls, const struct expo_label *labels, size_t n);
void expo_labelset_free(struct expo_labelset *ls);

/* A run of native-histogram buckets (see proto/metrics.proto). */
struct expo_span {
	int32_t offset;
	uint32_t length;
};

struct expo_histogram {
	uint64_t count;
	double sum;
	/* Classic buckets: upper bounds ascending, counts cumulative; +Inf is added. */
	size_t n_buckets;
	const double *upper_bounds;
	const uint64_t *cumulative_counts;
	/* Native buckets, exported in protobuf only (text formats cannot carry them). */
	bool native;
	int32_t schema;
	double zero_threshold;
	uint64_t zero_count;
	size_t n_positive_spans;
	const struct expo_span *positive_spans;
	size_t n_positive_deltas;
	const int64_t *positive_deltas; /* each bucket's count minus the previous one's */
};

/* Fills h's native fields (schema, spans, deltas) from per-bucket counts: counts[i]
 * observations fell in native bucket first_index + i. Storage is the caller's. */
void expo_native_from_counts(int32_t schema, int32_t first_index, const uint64_t *counts, size_t n,
			     struct expo_span *spans_out, size_t max_spans, int64_t *deltas_out,
			     struct expo_histogram *h);
/* The native bucket index of value v > 0 at schema (bucket i covers (base^(i-1), base^i]). */
int32_t expo_native_index(int32_t schema, double v);

struct expo_writer;
int expo_writer_new(struct expo_writer **ret);
void expo_writer_free(struct expo_writer *w);

/* Starts an answer in fmt; the previous answer's buffer is reused. */
void expo_begin(struct expo_writer *w, enum expo_format fmt);
/* Starts a family. Its header is written with its first sample, so a family without
 * samples leaves no trace. Name and help must stay valid until the next expo_family. */
void expo_family(struct expo_writer *w, const char *name, const char *help, enum expo_type type);
/* A sample of the current family: the set's labels plus up to 4 extra ones. */
void expo_sample(struct expo_writer *w, const struct expo_labelset *set,
		 const struct expo_label *extra, size_t n_extra, double value);
void expo_sample_histogram(struct expo_writer *w, const struct expo_labelset *set,
			   const struct expo_label *extra, size_t n_extra,
			   const struct expo_histogram *h);
/* Finishes the answer: *ret_data (owned by the writer) is valid until the next expo_begin.
 * Returns -ENOMEM when an allocation failed along the way. */
int expo_end(struct expo_writer *w, const char **ret_data, size_t *ret_len);

/* A growing byte buffer. */
struct expo_buf {
	char *data;
	size_t len, cap;
};
int expo_buf_reserve(struct expo_buf *b, size_t extra);
void expo_buf_free(struct expo_buf *b);

/* gzip-compresses in into out (replacing its contents); the stream state is reused. */
struct expo_gzip;
int expo_gzip_new(struct expo_gzip **ret);
int expo_gzip(struct expo_gzip *g, const char *in, size_t len, struct expo_buf *out);
void expo_gzip_free(struct expo_gzip *g);

#endif
