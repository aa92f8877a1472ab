/* SPDX-License-Identifier: MIT */
/*
 * The three encoders behind one writer. Text formats are written straight
 * into the output buffer; protobuf samples are recorded per family and
 * turned into protobuf-c messages when the family ends (all pools sized
 * before any pointer into them is taken), then packed with a varint length
 * prefix. Every buffer and pool lives in the writer and is reused.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "expo.h"
#include "metrics.pb-c.h"

typedef Io__Prometheus__Client__MetricFamily pb_family;
typedef Io__Prometheus__Client__Metric pb_metric;
typedef Io__Prometheus__Client__LabelPair pb_label;
typedef Io__Prometheus__Client__Gauge pb_gauge;
typedef Io__Prometheus__Client__Counter pb_counter;
typedef Io__Prometheus__Client__Untyped pb_untyped;
typedef Io__Prometheus__Client__Histogram pb_histogram;
typedef Io__Prometheus__Client__Bucket pb_bucket;
typedef Io__Prometheus__Client__BucketSpan pb_span;

#define MAX_EXTRA 4

/* ---- buffers ---- */

int expo_buf_reserve(struct expo_buf *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return 0;
	size_t nc = b->cap ? b->cap : 65536;
	while (nc < b->len + extra)
		nc *= 2;
	char *nd = realloc(b->data, nc);
	if (!nd)
		return -ENOMEM;
	b->data = nd;
	b->cap = nc;
	return 0;
}

void expo_buf_free(struct expo_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Grows a pool to hold need elements; false when out of memory. */
static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t nc = *cap ? *cap : 64;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * elem);
	if (!np)
		return false;
	*p = np;
	*cap = nc;
	return true;
}
#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* ---- negotiation ---- */

const char *expo_content_type(enum expo_format fmt)
{
	switch (fmt) {
	case EXPO_OPENMETRICS:
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	case EXPO_PROTOBUF:
		return "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		       "encoding=delimited";
	case EXPO_TEXT:
	default:
		return "text/plain; version=0.0.4; charset=utf-8";
	}
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static size_t trim_len(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static bool tok_eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/* One media range of an Accept header: which format it asks for (or -1) and its q. */
static int media_range(const char *p, const char *end, double *ret_q)
{
	const char *semi = memchr(p, ';', (size_t)(end - p));
	const char *tend = semi ? semi : end;
	p = skip_ws(p, tend);
	size_t tl = trim_len(p, (size_t)(tend - p));
	double q = 1.0;
	bool proto_ok = false, delimited = false;
	const char *version = NULL;
	size_t version_len = 0;
	for (const char *a = semi; a && a < end;) {
		a++;
		const char *next = memchr(a, ';', (size_t)(end - a));
		const char *aend = next ? next : end;
		a = skip_ws(a, aend);
		const char *eq = memchr(a, '=', (size_t)(aend - a));
		if (eq) {
			size_t kl = trim_len(a, (size_t)(eq - a));
			const char *v = skip_ws(eq + 1, aend);
			size_t vl = trim_len(v, (size_t)(aend - v));
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (tok_eq(a, kl, "q")) {
				char num[16];
				size_t nl = vl < sizeof(num) - 1 ? vl : sizeof(num) - 1;
				memcpy(num, v, nl);
				num[nl] = '\0';
				char *e;
				q = strtod(num, &e);
				if (e == num || q < 0 || q > 1)
					q = 0;
			} else if (tok_eq(a, kl, "proto")) {
				proto_ok = tok_eq(v, vl, "io.prometheus.client.MetricFamily");
			} else if (tok_eq(a, kl, "encoding")) {
				delimited = tok_eq(v, vl, "delimited");
			} else if (tok_eq(a, kl, "version")) {
				version = v;
				version_len = vl;
			}
		}
		a = aend;
	}
	*ret_q = q;
	if (tok_eq(p, tl, "application/vnd.google.protobuf"))
		return proto_ok && delimited ? EXPO_PROTOBUF : -1;
	if (tok_eq(p, tl, "application/openmetrics-text")) {
		if (!version || tok_eq(version, version_len, "1.0.0") ||
		    tok_eq(version, version_len, "0.0.1"))
			return EXPO_OPENMETRICS;
		return -1;
	}
	if (tok_eq(p, tl, "text/plain")) {
		if (!version || tok_eq(version, version_len, "0.0.4"))
			return EXPO_TEXT;
		return -1;
	}
	if (tok_eq(p, tl, "*/*") || tok_eq(p, tl, "text/*"))
		return EXPO_TEXT;
	return -1;
}

enum expo_format expo_negotiate(const char *accept)
{
	if (!accept)
		return EXPO_TEXT;
	enum expo_format best = EXPO_TEXT;
	double best_q = 0;
	const char *p = accept, *end = accept + strlen(accept);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *rend = comma ? comma : end;
		double q;
		int f = media_range(p, rend, &q);
		/* The first range with the highest q wins: scrapers list their preference first. */
		if (f >= 0 && q > best_q) {
			best = (enum expo_format)f;
			best_q = q;
		}
		p = comma ? comma + 1 : end;
	}
	return best;
}

bool expo_accepts_gzip(const char *ae)
{
	if (!ae)
		return false;
	bool gzip = false;
	const char *p = ae, *end = ae + strlen(ae);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *rend = comma ? comma : end;
		const char *semi = memchr(p, ';', (size_t)(rend - p));
		const char *tend = semi ? semi : rend;
		const char *t = skip_ws(p, tend);
		size_t tl = trim_len(t, (size_t)(tend - t));
		double q = 1;
		if (semi) {
			const char *qp = strstr(semi, "q=");
			if (qp && qp < rend)
				q = strtod(qp + 2, NULL);
		}
		if (tok_eq(t, tl, "gzip") || tok_eq(t, tl, "x-gzip"))
			return q > 0;
		if (tok_eq(t, tl, "*"))
			gzip = q > 0;
		p = comma ? comma + 1 : end;
	}
	return gzip;
}

/* ---- text helpers ---- */

struct rec {
	const struct expo_labelset *set;
	size_t n_extra;
	struct expo_label extra[MAX_EXTRA];
	double value;
	size_t hist; /* index into hists, or SIZE_MAX */
};

struct hist_rec {
	uint64_t count;
	double sum;
	size_t bucket_off, n_buckets;
	bool native;
	int32_t schema;
	double zero_threshold;
	uint64_t zero_count;
	size_t span_off, n_spans, delta_off, n_deltas;
};

struct expo_writer {
	enum expo_format fmt;
	struct expo_buf out;
	bool oom;
	const char *name, *help;
	enum expo_type type;
	bool header_done;

	/* protobuf: this family's samples, then its messages */
	struct rec *recs;
	size_t n_recs, cap_recs;
	struct hist_rec *hists;
	size_t n_hists, cap_hists;
	double *bounds;
	uint64_t *cums;
	size_t n_bk, cap_bounds, cap_cums;
	struct expo_span *spans;
	size_t n_spans, cap_spans;
	int64_t *deltas;
	size_t n_deltas, cap_deltas;

	pb_metric *metrics;
	pb_metric **metric_ptrs;
	size_t cap_metrics, cap_metric_ptrs;
	pb_label *pairs;
	pb_label **pair_ptrs;
	size_t cap_pairs, cap_pair_ptrs;
	pb_gauge *gauges;
	pb_counter *counters;
	pb_untyped *untypeds;
	pb_histogram *histos;
	size_t cap_gauges, cap_counters, cap_untypeds, cap_histos;
	pb_bucket *buckets;
	pb_bucket **bucket_ptrs;
	size_t cap_buckets, cap_bucket_ptrs;
	pb_span *pspans;
	pb_span **pspan_ptrs;
	size_t cap_pspans, cap_pspan_ptrs;
};

static void put(struct expo_writer *w, const char *s, size_t n)
{
	if (expo_buf_reserve(&w->out, n) < 0) {
		w->oom = true;
		return;
	}
	memcpy(w->out.data + w->out.len, s, n);
	w->out.len += n;
}

static void puts_(struct expo_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void putc_(struct expo_writer *w, char c)
{
	put(w, &c, 1);
}

/* Escapes for label values (\\, \", \n) or help text (\\, \n, and \" in OpenMetrics). */
static void put_escaped(struct expo_buf *b, const char *s, bool quote, bool *oom)
{
	size_t n = strlen(s);
	if (expo_buf_reserve(b, 2 * n) < 0) {
		*oom = true;
		return;
	}
	char *o = b->data + b->len;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '"' && quote) {
			*o++ = '\\';
			*o++ = '"';
		} else {
			*o++ = c;
		}
	}
	b->len = (size_t)(o - b->data);
}

/* Shortest-ish exact text of a double: integers as integers, others round-tripping. */
static size_t fmt_double(char *buf, size_t size, double v, bool om_float)
{
	if (isnan(v))
		return (size_t)snprintf(buf, size, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
	if (v == trunc(v) && fabs(v) < 1e15) {
		/* Integers: a fast path, since nearly every sample is one. */
		char tmp[24];
		size_t n = 0;
		bool neg = v < 0;
		uint64_t u = (uint64_t)(neg ? -v : v);
		do {
			tmp[n++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		size_t k = 0;
		if (neg)
			buf[k++] = '-';
		while (n)
			buf[k++] = tmp[--n];
		if (om_float) {
			buf[k++] = '.';
			buf[k++] = '0';
		}
		buf[k] = '\0';
		return k;
	}
	int n = snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		n = snprintf(buf, size, "%.17g", v);
	return (size_t)n;
}

void expo_labelset_free(struct expo_labelset *ls)
{
	if (!ls)
		return;
	free(ls->text);
	ls->text = NULL;
	ls->text_len = ls->text_cap = 0;
	ls->n = 0;
}

int expo_labelset_set(struct expo_labelset *ls, const struct expo_label *labels, size_t n)
{
	if (n > EXPO_MAX_SET_LABELS)
		return -E2BIG;
	struct expo_buf b = {.data = ls->text, .len = 0, .cap = ls->text_cap};
	bool oom = false;
	ls->n = n;
	for (size_t i = 0; i < n; i++) {
		ls->labels[i] = labels[i];
		size_t nl = strlen(labels[i].name);
		if (expo_buf_reserve(&b, nl + 4) < 0) {
			oom = true;
			break;
		}
		if (i)
			b.data[b.len++] = ',';
		memcpy(b.data + b.len, labels[i].name, nl);
		b.len += nl;
		b.data[b.len++] = '=';
		b.data[b.len++] = '"';
		put_escaped(&b, labels[i].value ? labels[i].value : "", true, &oom);
		if (oom || expo_buf_reserve(&b, 2) < 0) {
			oom = true;
			break;
		}
		b.data[b.len++] = '"';
	}
	if (!oom && expo_buf_reserve(&b, 1) == 0)
		b.data[b.len] = '\0';
	ls->text = b.data;
	ls->text_cap = b.cap;
	ls->text_len = oom ? 0 : b.len;
	return oom ? -ENOMEM : 0;
}

/* ---- native histogram helpers ---- */

int32_t expo_native_index(int32_t schema, double v)
{
	double x = log2(v) * ldexp(1.0, schema);
	return (int32_t)ceil(x);
}

void expo_native_from_counts(int32_t schema, int32_t first_index, const uint64_t *counts, size_t n,
			     struct expo_span *spans_out, size_t max_spans, int64_t *deltas_out,
			     struct expo_histogram *h)
{
	size_t ns = 0, nd = 0;
	int64_t prev = 0;
	int32_t last_end = 0; /* index after the previous span's last bucket */
	for (size_t i = 0; i < n; i++) {
		if (counts[i] == 0)
			continue;
		int32_t idx = first_index + (int32_t)i;
		if (ns == 0 || idx != last_end) {
			if (ns == max_spans)
				break;
			spans_out[ns].offset = ns == 0 ? idx : idx - last_end;
			spans_out[ns].length = 0;
			ns++;
		}
		spans_out[ns - 1].length++;
		deltas_out[nd++] = (int64_t)counts[i] - prev;
		prev = (int64_t)counts[i];
		last_end = idx + 1;
	}
	h->native = true;
	h->schema = schema;
	h->positive_spans = spans_out;
	h->n_positive_spans = ns;
	h->positive_deltas = deltas_out;
	h->n_positive_deltas = nd;
}

/* ---- writer ---- */

int expo_writer_new(struct expo_writer **ret)
{
	struct expo_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*ret = w;
	return 0;
}

void expo_writer_free(struct expo_writer *w)
{
	if (!w)
		return;
	expo_buf_free(&w->out);
	free(w->recs);
	free(w->hists);
	free(w->bounds);
	free(w->cums);
	free(w->spans);
	free(w->deltas);
	free(w->metrics);
	free(w->metric_ptrs);
	free(w->pairs);
	free(w->pair_ptrs);
	free(w->gauges);
	free(w->counters);
	free(w->untypeds);
	free(w->histos);
	free(w->buckets);
	free(w->bucket_ptrs);
	free(w->pspans);
	free(w->pspan_ptrs);
	free(w);
}

static void pb_flush(struct expo_writer *w);

void expo_begin(struct expo_writer *w, enum expo_format fmt)
{
	w->fmt = fmt;
	w->out.len = 0;
	w->oom = false;
	w->name = NULL;
	w->n_recs = w->n_hists = w->n_bk = w->n_spans = w->n_deltas = 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), sl = strlen(suffix);
	return l >= sl && memcmp(s + l - sl, suffix, sl) == 0;
}

static const char *type_word(enum expo_type t, bool om, const char *name)
{
	switch (t) {
	case EXPO_COUNTER:
		/* OpenMetrics counters' samples end in _total; cAdvisor has some that do not
		 * (container_memory_failcnt): keep their names, typed unknown. */
		return om && !ends_with(name, "_total") ? "unknown" : "counter";
	case EXPO_GAUGE:
		return "gauge";
	case EXPO_HISTOGRAM:
		return "histogram";
	case EXPO_UNTYPED:
	default:
		return om ? "unknown" : "untyped";
	}
}

static void text_header(struct expo_writer *w)
{
	bool om = w->fmt == EXPO_OPENMETRICS;
	size_t nl = strlen(w->name);
	/* An OpenMetrics counter family is named without the _total its samples carry. */
	if (om && w->type == EXPO_COUNTER && ends_with(w->name, "_total"))
		nl -= 6;
	if (w->help) {
		puts_(w, "# HELP ");
		put(w, w->name, nl);
		putc_(w, ' ');
		put_escaped(&w->out, w->help, om, &w->oom);
		putc_(w, '\n');
	}
	puts_(w, "# TYPE ");
	put(w, w->name, nl);
	putc_(w, ' ');
	puts_(w, type_word(w->type, om, w->name));
	putc_(w, '\n');
	w->header_done = true;
}

void expo_family(struct expo_writer *w, const char *name, const char *help, enum expo_type type)
{
	if (w->fmt == EXPO_PROTOBUF && w->name)
		pb_flush(w);
	w->name = name;
	w->help = help;
	w->type = type;
	w->header_done = false;
}

/* name+suffix{extra...,set...,le="x"} */
static void text_series(struct expo_writer *w, const char *suffix, const struct expo_labelset *set,
			const struct expo_label *extra, size_t n_extra, const char *le)
{
	puts_(w, w->name);
	if (suffix)
		puts_(w, suffix);
	bool any = n_extra || (set && set->text_len) || le;
	if (!any)
		return;
	putc_(w, '{');
	bool first = true;
	for (size_t i = 0; i < n_extra; i++) {
		if (!first)
			putc_(w, ',');
		first = false;
		puts_(w, extra[i].name);
		put(w, "=\"", 2);
		put_escaped(&w->out, extra[i].value ? extra[i].value : "", true, &w->oom);
		putc_(w, '"');
	}
	if (set && set->text_len) {
		if (!first)
			putc_(w, ',');
		first = false;
		put(w, set->text, set->text_len);
	}
	if (le) {
		if (!first)
			putc_(w, ',');
		put(w, "le=\"", 4);
		puts_(w, le);
		putc_(w, '"');
	}
	putc_(w, '}');
}

static void text_value(struct expo_writer *w, double v)
{
	char num[40];
	size_t n = fmt_double(num, sizeof(num), v, false);
	putc_(w, ' ');
	put(w, num, n);
	putc_(w, '\n');
}

static void pb_record(struct expo_writer *w, const struct expo_labelset *set,
		      const struct expo_label *extra, size_t n_extra, double value, size_t hist)
{
	if (!GROW(w->recs, w->cap_recs, w->n_recs + 1)) {
		w->oom = true;
		return;
	}
	struct rec *r = &w->recs[w->n_recs++];
	r->set = set;
	r->n_extra = n_extra;
	for (size_t i = 0; i < n_extra; i++)
		r->extra[i] = extra[i];
	r->value = value;
	r->hist = hist;
}

void expo_sample(struct expo_writer *w, const struct expo_labelset *set,
		 const struct expo_label *extra, size_t n_extra, double value)
{
	if (!w->name)
		return;
	if (n_extra > MAX_EXTRA)
		n_extra = MAX_EXTRA;
	if (w->fmt == EXPO_PROTOBUF) {
		pb_record(w, set, extra, n_extra, value, SIZE_MAX);
		return;
	}
	if (!w->header_done)
		text_header(w);
	text_series(w, NULL, set, extra, n_extra, NULL);
	text_value(w, value);
}

void expo_sample_histogram(struct expo_writer *w, const struct expo_labelset *set,
			   const struct expo_label *extra, size_t n_extra,
			   const struct expo_histogram *h)
{
	if (!w->name)
		return;
	if (n_extra > MAX_EXTRA)
		n_extra = MAX_EXTRA;
	if (w->fmt == EXPO_PROTOBUF) {
		size_t nb = h->n_buckets;
		size_t ns = h->native ? h->n_positive_spans : 0;
		size_t nd = h->native ? h->n_positive_deltas : 0;
		if (!GROW(w->hists, w->cap_hists, w->n_hists + 1) ||
		    !GROW(w->bounds, w->cap_bounds, w->n_bk + nb) ||
		    !GROW(w->cums, w->cap_cums, w->n_bk + nb) ||
		    !GROW(w->spans, w->cap_spans, w->n_spans + ns) ||
		    !GROW(w->deltas, w->cap_deltas, w->n_deltas + nd)) {
			w->oom = true;
			return;
		}
		struct hist_rec *hr = &w->hists[w->n_hists];
		*hr = (struct hist_rec){
			.count = h->count,
			.sum = h->sum,
			.bucket_off = w->n_bk,
			.n_buckets = nb,
			.native = h->native,
			.schema = h->schema,
			.zero_threshold = h->zero_threshold,
			.zero_count = h->zero_count,
			.span_off = w->n_spans,
			.n_spans = ns,
			.delta_off = w->n_deltas,
			.n_deltas = nd,
		};
		if (nb) {
			memcpy(w->bounds + w->n_bk, h->upper_bounds, nb * sizeof(double));
			memcpy(w->cums + w->n_bk, h->cumulative_counts, nb * sizeof(uint64_t));
		}
		if (ns)
			memcpy(w->spans + w->n_spans, h->positive_spans, ns * sizeof(*w->spans));
		if (nd)
			memcpy(w->deltas + w->n_deltas, h->positive_deltas, nd * sizeof(int64_t));
		w->n_bk += nb;
		w->n_spans += ns;
		w->n_deltas += nd;
		pb_record(w, set, extra, n_extra, 0, w->n_hists++);
		return;
	}
	if (!w->header_done)
		text_header(w);
	bool om = w->fmt == EXPO_OPENMETRICS;
	char le[40];
	for (size_t i = 0; i < h->n_buckets; i++) {
		if (isinf(h->upper_bounds[i]))
			continue;
		fmt_double(le, sizeof(le), h->upper_bounds[i], om);
		text_series(w, "_bucket", set, extra, n_extra, le);
		text_value(w, (double)h->cumulative_counts[i]);
	}
	text_series(w, "_bucket", set, extra, n_extra, "+Inf");
	text_value(w, (double)h->count);
	text_series(w, "_sum", set, extra, n_extra, NULL);
	text_value(w, h->sum);
	text_series(w, "_count", set, extra, n_extra, NULL);
	text_value(w, (double)h->count);
}

/* Builds the current family's messages from its records and packs it, length first. */
static void pb_flush(struct expo_writer *w)
{
	size_t n = w->n_recs;
	if (n == 0 || w->oom)
		goto done;
	size_t n_pairs = 0;
	for (size_t i = 0; i < n; i++)
		n_pairs += w->recs[i].n_extra + (w->recs[i].set ? w->recs[i].set->n : 0);
	/* Size every pool first: no pointer into a pool is taken before it stops moving. */
	if (!GROW(w->metrics, w->cap_metrics, n) || !GROW(w->metric_ptrs, w->cap_metric_ptrs, n) ||
	    !GROW(w->pairs, w->cap_pairs, n_pairs) ||
	    !GROW(w->pair_ptrs, w->cap_pair_ptrs, n_pairs) || !GROW(w->gauges, w->cap_gauges, n) ||
	    !GROW(w->counters, w->cap_counters, n) || !GROW(w->untypeds, w->cap_untypeds, n) ||
	    !GROW(w->histos, w->cap_histos, w->n_hists) ||
	    !GROW(w->buckets, w->cap_buckets, w->n_bk) ||
	    !GROW(w->bucket_ptrs, w->cap_bucket_ptrs, w->n_bk) ||
	    !GROW(w->pspans, w->cap_pspans, w->n_spans) ||
	    !GROW(w->pspan_ptrs, w->cap_pspan_ptrs, w->n_spans)) {
		w->oom = true;
		goto done;
	}
	size_t pi = 0;
	for (size_t i = 0; i < n; i++) {
		const struct rec *r = &w->recs[i];
		pb_metric *m = &w->metrics[i];
		io__prometheus__client__metric__init(m);
		m->label = &w->pair_ptrs[pi];
		for (size_t k = 0; k < r->n_extra; k++, pi++) {
			pb_label *lp = &w->pairs[pi];
			io__prometheus__client__label_pair__init(lp);
			lp->name = (char *)r->extra[k].name;
			lp->value = (char *)(r->extra[k].value ? r->extra[k].value : "");
			w->pair_ptrs[pi] = lp;
		}
		for (size_t k = 0; r->set && k < r->set->n; k++, pi++) {
			pb_label *lp = &w->pairs[pi];
			io__prometheus__client__label_pair__init(lp);
			lp->name = (char *)r->set->labels[k].name;
			lp->value =
				(char *)(r->set->labels[k].value ? r->set->labels[k].value : "");
			w->pair_ptrs[pi] = lp;
		}
		m->n_label = (size_t)(&w->pair_ptrs[pi] - m->label);
		switch (w->type) {
		case EXPO_COUNTER:
			io__prometheus__client__counter__init(&w->counters[i]);
			w->counters[i].has_value = 1;
			w->counters[i].value = r->value;
			m->counter = &w->counters[i];
			break;
		case EXPO_GAUGE:
			io__prometheus__client__gauge__init(&w->gauges[i]);
			w->gauges[i].has_value = 1;
			w->gauges[i].value = r->value;
			m->gauge = &w->gauges[i];
			break;
		case EXPO_UNTYPED:
			io__prometheus__client__untyped__init(&w->untypeds[i]);
			w->untypeds[i].has_value = 1;
			w->untypeds[i].value = r->value;
			m->untyped = &w->untypeds[i];
			break;
		case EXPO_HISTOGRAM: {
			if (r->hist == SIZE_MAX)
				break;
			const struct hist_rec *hr = &w->hists[r->hist];
			pb_histogram *h = &w->histos[r->hist];
			io__prometheus__client__histogram__init(h);
			h->has_sample_count = 1;
			h->sample_count = hr->count;
			h->has_sample_sum = 1;
			h->sample_sum = hr->sum;
			h->n_bucket = hr->n_buckets;
			h->bucket = &w->bucket_ptrs[hr->bucket_off];
			for (size_t b = 0; b < hr->n_buckets; b++) {
				pb_bucket *bk = &w->buckets[hr->bucket_off + b];
				io__prometheus__client__bucket__init(bk);
				bk->has_cumulative_count = 1;
				bk->cumulative_count = w->cums[hr->bucket_off + b];
				bk->has_upper_bound = 1;
				bk->upper_bound = w->bounds[hr->bucket_off + b];
				w->bucket_ptrs[hr->bucket_off + b] = bk;
			}
			if (hr->native) {
				h->has_schema = 1;
				h->schema = hr->schema;
				h->has_zero_threshold = 1;
				h->zero_threshold = hr->zero_threshold;
				h->has_zero_count = 1;
				h->zero_count = hr->zero_count;
				h->n_positive_span = hr->n_spans;
				h->positive_span = &w->pspan_ptrs[hr->span_off];
				for (size_t s = 0; s < hr->n_spans; s++) {
					pb_span *sp = &w->pspans[hr->span_off + s];
					io__prometheus__client__bucket_span__init(sp);
					sp->has_offset = sp->has_length = 1;
					sp->offset = w->spans[hr->span_off + s].offset;
					sp->length = w->spans[hr->span_off + s].length;
					w->pspan_ptrs[hr->span_off + s] = sp;
				}
				h->n_positive_delta = hr->n_deltas;
				h->positive_delta = &w->deltas[hr->delta_off];
			}
			m->histogram = h;
			break;
		}
		}
		w->metric_ptrs[i] = m;
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
	fam.metric = w->metric_ptrs;
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
	w->n_recs = w->n_hists = w->n_bk = w->n_spans = w->n_deltas = 0;
}

int expo_end(struct expo_writer *w, const char **ret_data, size_t *ret_len)
{
	if (w->fmt == EXPO_PROTOBUF && w->name)
		pb_flush(w);
	if (w->fmt == EXPO_OPENMETRICS)
		puts_(w, "# EOF\n");
	w->name = NULL;
	if (w->oom)
		return -ENOMEM;
	*ret_data = w->out.data ? w->out.data : "";
	*ret_len = w->out.len;
	return 0;
}

/* ---- gzip ---- */

struct expo_gzip {
	z_stream zs;
};

int expo_gzip_new(struct expo_gzip **ret)
{
	struct expo_gzip *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	/* windowBits 15 + 16: a gzip wrapper; level 1: scrapes favour CPU over bytes. */
	if (deflateInit2(&g->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return -ENOMEM;
	}
	*ret = g;
	return 0;
}

void expo_gzip_free(struct expo_gzip *g)
{
	if (!g)
		return;
	deflateEnd(&g->zs);
	free(g);
}

int expo_gzip(struct expo_gzip *g, const char *in, size_t len, struct expo_buf *out)
{
	if (deflateReset(&g->zs) != Z_OK)
		return -EIO;
	out->len = 0;
	size_t bound = deflateBound(&g->zs, len) + 64;
	if (expo_buf_reserve(out, bound) < 0)
		return -ENOMEM;
	g->zs.next_in = (Bytef *)in;
	g->zs.avail_in = (uInt)len;
	g->zs.next_out = (Bytef *)out->data;
	g->zs.avail_out = (uInt)out->cap;
	int r = deflate(&g->zs, Z_FINISH);
	if (r != Z_STREAM_END)
		return -EIO;
	out->len = out->cap - g->zs.avail_out;
	return 0;
}
