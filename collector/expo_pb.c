/* SPDX-License-Identifier: MIT */
/*
 * Delimited protobuf (io.prometheus.client.MetricFamily): samples are
 * recorded per family and turned into protobuf-c messages when the family
 * ends (all pools sized before any pointer into them is taken), then packed
 * with a varint length prefix. The pools live in the writer and are reused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expo_internal.h"

typedef Io__Prometheus__Client__MetricFamily pb_family;
typedef Io__Prometheus__Client__Metric pb_metric;
typedef Io__Prometheus__Client__LabelPair pb_label;
typedef Io__Prometheus__Client__Histogram pb_histogram;
typedef Io__Prometheus__Client__Bucket pb_bucket;
typedef Io__Prometheus__Client__BucketSpan pb_span;

static void pb_record(struct expo_writer *w, const struct expo_labelset *set,
		      const struct expo_label *extra, size_t n_extra, double value, size_t hist)
{
	struct expo_pb *pb = &w->pb;
	if (!EXPO_GROW(pb->recs, pb->cap_recs, pb->n_recs + 1)) {
		w->oom = true;
		return;
	}
	struct expo_pb_rec *r = &pb->recs[pb->n_recs++];
	r->set = set;
	r->n_extra = n_extra;
	for (size_t i = 0; i < n_extra; i++)
		r->extra[i] = extra[i];
	r->value = value;
	r->hist = hist;
}

void expo_pb_sample(struct expo_writer *w, const struct expo_labelset *set,
		    const struct expo_label *extra, size_t n_extra, double value)
{
	pb_record(w, set, extra, n_extra, value, SIZE_MAX);
}

void expo_pb_histogram(struct expo_writer *w, const struct expo_labelset *set,
		       const struct expo_label *extra, size_t n_extra,
		       const struct expo_histogram *h)
{
	struct expo_pb *pb = &w->pb;
	size_t nb = h->n_buckets;
	size_t ns = h->native ? h->n_positive_spans : 0;
	size_t nd = h->native ? h->n_positive_deltas : 0;
	if (!EXPO_GROW(pb->hists, pb->cap_hists, pb->n_hists + 1) ||
	    !EXPO_GROW(pb->bounds, pb->cap_bounds, pb->n_bk + nb) ||
	    !EXPO_GROW(pb->cums, pb->cap_cums, pb->n_bk + nb) ||
	    !EXPO_GROW(pb->spans, pb->cap_spans, pb->n_spans + ns) ||
	    !EXPO_GROW(pb->deltas, pb->cap_deltas, pb->n_deltas + nd)) {
		w->oom = true;
		return;
	}
	struct expo_pb_hist_rec *hr = &pb->hists[pb->n_hists];
	*hr = (struct expo_pb_hist_rec){
		.count = h->count,
		.sum = h->sum,
		.bucket_off = pb->n_bk,
		.n_buckets = nb,
		.native = h->native,
		.schema = h->schema,
		.zero_threshold = h->zero_threshold,
		.zero_count = h->zero_count,
		.span_off = pb->n_spans,
		.n_spans = ns,
		.delta_off = pb->n_deltas,
		.n_deltas = nd,
	};
	if (nb) {
		memcpy(pb->bounds + pb->n_bk, h->upper_bounds, nb * sizeof(double));
		memcpy(pb->cums + pb->n_bk, h->cumulative_counts, nb * sizeof(uint64_t));
	}
	if (ns)
		memcpy(pb->spans + pb->n_spans, h->positive_spans, ns * sizeof(*pb->spans));
	if (nd)
		memcpy(pb->deltas + pb->n_deltas, h->positive_deltas, nd * sizeof(int64_t));
	pb->n_bk += nb;
	pb->n_spans += ns;
	pb->n_deltas += nd;
	pb_record(w, set, extra, n_extra, 0, pb->n_hists++);
}

/* Builds the current family's messages from its records and packs it, length first. */
void expo_pb_flush(struct expo_writer *w)
{
	struct expo_pb *pb = &w->pb;
	size_t n = pb->n_recs;
	if (n == 0 || w->oom)
		goto done;
	size_t n_pairs = 0;
	for (size_t i = 0; i < n; i++)
		n_pairs += pb->recs[i].n_extra + (pb->recs[i].set ? pb->recs[i].set->n : 0);
	/* Size every pool first: no pointer into a pool is taken before it stops moving. */
	if (!EXPO_GROW(pb->metrics, pb->cap_metrics, n) ||
	    !EXPO_GROW(pb->metric_ptrs, pb->cap_metric_ptrs, n) ||
	    !EXPO_GROW(pb->pairs, pb->cap_pairs, n_pairs) ||
	    !EXPO_GROW(pb->pair_ptrs, pb->cap_pair_ptrs, n_pairs) ||
	    !EXPO_GROW(pb->gauges, pb->cap_gauges, n) ||
	    !EXPO_GROW(pb->counters, pb->cap_counters, n) ||
	    !EXPO_GROW(pb->untypeds, pb->cap_untypeds, n) ||
	    !EXPO_GROW(pb->histos, pb->cap_histos, pb->n_hists) ||
	    !EXPO_GROW(pb->buckets, pb->cap_buckets, pb->n_bk) ||
	    !EXPO_GROW(pb->bucket_ptrs, pb->cap_bucket_ptrs, pb->n_bk) ||
	    !EXPO_GROW(pb->pspans, pb->cap_pspans, pb->n_spans) ||
	    !EXPO_GROW(pb->pspan_ptrs, pb->cap_pspan_ptrs, pb->n_spans)) {
		w->oom = true;
		goto done;
	}
	size_t pi = 0;
	for (size_t i = 0; i < n; i++) {
		const struct expo_pb_rec *r = &pb->recs[i];
		pb_metric *m = &pb->metrics[i];
		io__prometheus__client__metric__init(m);
		m->label = &pb->pair_ptrs[pi];
		for (size_t k = 0; k < r->n_extra; k++, pi++) {
			pb_label *lp = &pb->pairs[pi];
			io__prometheus__client__label_pair__init(lp);
			lp->name = (char *)r->extra[k].name;
			lp->value = (char *)(r->extra[k].value ? r->extra[k].value : "");
			pb->pair_ptrs[pi] = lp;
		}
		for (size_t k = 0; r->set && k < r->set->n; k++, pi++) {
			pb_label *lp = &pb->pairs[pi];
			io__prometheus__client__label_pair__init(lp);
			lp->name = (char *)r->set->labels[k].name;
			lp->value =
				(char *)(r->set->labels[k].value ? r->set->labels[k].value : "");
			pb->pair_ptrs[pi] = lp;
		}
		m->n_label = (size_t)(&pb->pair_ptrs[pi] - m->label);
		switch (w->type) {
		case EXPO_COUNTER:
			io__prometheus__client__counter__init(&pb->counters[i]);
			pb->counters[i].has_value = 1;
			pb->counters[i].value = r->value;
			m->counter = &pb->counters[i];
			break;
		case EXPO_GAUGE:
			io__prometheus__client__gauge__init(&pb->gauges[i]);
			pb->gauges[i].has_value = 1;
			pb->gauges[i].value = r->value;
			m->gauge = &pb->gauges[i];
			break;
		case EXPO_UNTYPED:
			io__prometheus__client__untyped__init(&pb->untypeds[i]);
			pb->untypeds[i].has_value = 1;
			pb->untypeds[i].value = r->value;
			m->untyped = &pb->untypeds[i];
			break;
		case EXPO_HISTOGRAM: {
			if (r->hist == SIZE_MAX)
				break;
			const struct expo_pb_hist_rec *hr = &pb->hists[r->hist];
			pb_histogram *h = &pb->histos[r->hist];
			io__prometheus__client__histogram__init(h);
			h->has_sample_count = 1;
			h->sample_count = hr->count;
			h->has_sample_sum = 1;
			h->sample_sum = hr->sum;
			h->n_bucket = hr->n_buckets;
			h->bucket = &pb->bucket_ptrs[hr->bucket_off];
			for (size_t b = 0; b < hr->n_buckets; b++) {
				pb_bucket *bk = &pb->buckets[hr->bucket_off + b];
				io__prometheus__client__bucket__init(bk);
				bk->has_cumulative_count = 1;
				bk->cumulative_count = pb->cums[hr->bucket_off + b];
				bk->has_upper_bound = 1;
				bk->upper_bound = pb->bounds[hr->bucket_off + b];
				pb->bucket_ptrs[hr->bucket_off + b] = bk;
			}
			if (hr->native) {
				h->has_schema = 1;
				h->schema = hr->schema;
				h->has_zero_threshold = 1;
				h->zero_threshold = hr->zero_threshold;
				h->has_zero_count = 1;
				h->zero_count = hr->zero_count;
				h->n_positive_span = hr->n_spans;
				h->positive_span = &pb->pspan_ptrs[hr->span_off];
				for (size_t s = 0; s < hr->n_spans; s++) {
					pb_span *sp = &pb->pspans[hr->span_off + s];
					io__prometheus__client__bucket_span__init(sp);
					sp->has_offset = sp->has_length = 1;
					sp->offset = pb->spans[hr->span_off + s].offset;
					sp->length = pb->spans[hr->span_off + s].length;
					pb->pspan_ptrs[hr->span_off + s] = sp;
				}
				h->n_positive_delta = hr->n_deltas;
				h->positive_delta = &pb->deltas[hr->delta_off];
			}
			m->histogram = h;
			break;
		}
		}
		pb->metric_ptrs[i] = m;
	}
	pb_family fam = IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;
	fam.name = (char *)w->name;
	fam.help = (char *)(w->help ? w->help : "");
	fam.has_type = 1;
	switch (w->type) {
	case EXPO_COUNTER:
		fam.type = IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER;
		break;
	case EXPO_GAUGE:
		fam.type = IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE;
		break;
	case EXPO_HISTOGRAM:
		fam.type = IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM;
		break;
	case EXPO_UNTYPED:
	default:
		fam.type = IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED;
		break;
	}
	fam.n_metric = n;
	fam.metric = pb->metric_ptrs;
	size_t size = io__prometheus__client__metric_family__get_packed_size(&fam);
	if (expo_buf_reserve(&w->out, size + 10) < 0) {
		w->oom = true;
		goto done;
	}
	uint8_t *o = (uint8_t *)w->out.data + w->out.len;
	size_t v = size, k = 0;
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		o[k++] = (uint8_t)(byte | (v ? 0x80 : 0));
	} while (v);
	w->out.len += k;
	w->out.len += io__prometheus__client__metric_family__pack(&fam, (uint8_t *)w->out.data +
										w->out.len);
done:
	expo_pb_reset(pb);
}

void expo_pb_reset(struct expo_pb *pb)
{
	pb->n_recs = pb->n_hists = pb->n_bk = pb->n_spans = pb->n_deltas = 0;
}

void expo_pb_free(struct expo_pb *pb)
{
	free(pb->recs);
	free(pb->hists);
	free(pb->bounds);
	free(pb->cums);
	free(pb->spans);
	free(pb->deltas);
	free(pb->metrics);
	free(pb->metric_ptrs);
	free(pb->pairs);
	free(pb->pair_ptrs);
	free(pb->gauges);
	free(pb->counters);
	free(pb->untypeds);
	free(pb->histos);
	free(pb->buckets);
	free(pb->bucket_ptrs);
	free(pb->pspans);
	free(pb->pspan_ptrs);
	memset(pb, 0, sizeof(*pb));
}
