/* SPDX-License-Identifier: MIT */
/*
 * The writer's state, shared by its parts: expo.c (buffers, label sets,
 * the writer's entry points), expo_text.c (Prometheus text and OpenMetrics)
 * and expo_pb.c (delimited protobuf). Not for callers: they use expo.h.
 */
#ifndef HUTCH_COLLECTOR_EXPO_INTERNAL_H
#define HUTCH_COLLECTOR_EXPO_INTERNAL_H

#include "expo.h"
#include "metrics.pb-c.h"

#define EXPO_MAX_EXTRA 4

/* Grows a pool to hold need elements; false when out of memory. */
bool expo_grow(void **p, size_t *cap, size_t need, size_t elem);
#define EXPO_GROW(arr, cap, need) expo_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Appends s escaped for a label value (\\, \", \n; quote) or help text (\\, \n). */
void expo_put_escaped(struct expo_buf *b, const char *s, bool quote, bool *oom);

/* One protobuf sample of the current family, kept until the family ends. */
struct expo_pb_rec {
	const struct expo_labelset *set;
	size_t n_extra;
	struct expo_label extra[EXPO_MAX_EXTRA];
	double value;
	size_t hist; /* index into hists, or SIZE_MAX */
};

struct expo_pb_hist_rec {
	uint64_t count;
	double sum;
	size_t bucket_off, n_buckets;
	bool native;
	int32_t schema;
	double zero_threshold;
	uint64_t zero_count;
	size_t span_off, n_spans, delta_off, n_deltas;
};

/* The protobuf encoder's pools: this family's samples, then its messages. */
struct expo_pb {
	struct expo_pb_rec *recs;
	size_t n_recs, cap_recs;
	struct expo_pb_hist_rec *hists;
	size_t n_hists, cap_hists;
	double *bounds;
	uint64_t *cums;
	size_t n_bk, cap_bounds, cap_cums;
	struct expo_span *spans;
	size_t n_spans, cap_spans;
	int64_t *deltas;
	size_t n_deltas, cap_deltas;

	Io__Prometheus__Client__Metric *metrics;
	Io__Prometheus__Client__Metric **metric_ptrs;
	size_t cap_metrics, cap_metric_ptrs;
	Io__Prometheus__Client__LabelPair *pairs;
	Io__Prometheus__Client__LabelPair **pair_ptrs;
	size_t cap_pairs, cap_pair_ptrs;
	Io__Prometheus__Client__Gauge *gauges;
	Io__Prometheus__Client__Counter *counters;
	Io__Prometheus__Client__Untyped *untypeds;
	Io__Prometheus__Client__Histogram *histos;
	size_t cap_gauges, cap_counters, cap_untypeds, cap_histos;
	Io__Prometheus__Client__Bucket *buckets;
	Io__Prometheus__Client__Bucket **bucket_ptrs;
	size_t cap_buckets, cap_bucket_ptrs;
	Io__Prometheus__Client__BucketSpan *pspans;
	Io__Prometheus__Client__BucketSpan **pspan_ptrs;
	size_t cap_pspans, cap_pspan_ptrs;
};

struct expo_writer {
	enum expo_format fmt;
	struct expo_buf out;
	bool oom;
	const char *name, *help; /* the current family; name NULL before the first */
	enum expo_type type;
	bool header_done; /* text: the family's # HELP / # TYPE lines are out */
	struct expo_pb pb;
};

/* expo_text.c */
void expo_text_sample(struct expo_writer *w, const struct expo_labelset *set,
		      const struct expo_label *extra, size_t n_extra, double value);
void expo_text_histogram(struct expo_writer *w, const struct expo_labelset *set,
			 const struct expo_label *extra, size_t n_extra,
			 const struct expo_histogram *h);
void expo_text_end(struct expo_writer *w);

/* expo_pb.c */
void expo_pb_sample(struct expo_writer *w, const struct expo_labelset *set,
		    const struct expo_label *extra, size_t n_extra, double value);
void expo_pb_histogram(struct expo_writer *w, const struct expo_labelset *set,
		       const struct expo_label *extra, size_t n_extra,
		       const struct expo_histogram *h);
/* Encodes the current family's recorded samples and forgets them. */
void expo_pb_flush(struct expo_writer *w);
void expo_pb_reset(struct expo_pb *pb);
void expo_pb_free(struct expo_pb *pb);

#endif
