/* SPDX-License-Identifier: MIT */
/*
 * Prometheus text 0.0.4 and OpenMetrics 1.0: written straight into the
 * writer's output buffer, a family's header with its first sample.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo_internal.h"

static void put(struct expo_writer *w, const char *s, size_t n)
{
	if (expo_buf_reserve(&w->out, n) < 0) {
		w->oom = true;
		return;
	}
	memcpy(w->out.data + w->out.len, s, n);
	w->out.len += n;
}

static void put_str(struct expo_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_char(struct expo_writer *w, char c)
{
	put(w, &c, 1);
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
		put_str(w, "# HELP ");
		put(w, w->name, nl);
		put_char(w, ' ');
		expo_put_escaped(&w->out, w->help, om, &w->oom);
		put_char(w, '\n');
	}
	put_str(w, "# TYPE ");
	put(w, w->name, nl);
	put_char(w, ' ');
	put_str(w, type_word(w->type, om, w->name));
	put_char(w, '\n');
	w->header_done = true;
}

/* name+suffix{extra...,set...,le="x"} */
static void text_series(struct expo_writer *w, const char *suffix, const struct expo_labelset *set,
			const struct expo_label *extra, size_t n_extra, const char *le)
{
	put_str(w, w->name);
	if (suffix)
		put_str(w, suffix);
	bool any = n_extra || (set && set->text_len) || le;
	if (!any)
		return;
	put_char(w, '{');
	bool first = true;
	for (size_t i = 0; i < n_extra; i++) {
		if (!first)
			put_char(w, ',');
		first = false;
		put_str(w, extra[i].name);
		put(w, "=\"", 2);
		expo_put_escaped(&w->out, extra[i].value ? extra[i].value : "", true, &w->oom);
		put_char(w, '"');
	}
	if (set && set->text_len) {
		if (!first)
			put_char(w, ',');
		first = false;
		put(w, set->text, set->text_len);
	}
	if (le) {
		if (!first)
			put_char(w, ',');
		put(w, "le=\"", 4);
		put_str(w, le);
		put_char(w, '"');
	}
	put_char(w, '}');
}

static void text_value(struct expo_writer *w, double v)
{
	char num[40];
	size_t n = fmt_double(num, sizeof(num), v, false);
	put_char(w, ' ');
	put(w, num, n);
	put_char(w, '\n');
}

void expo_text_sample(struct expo_writer *w, const struct expo_labelset *set,
		      const struct expo_label *extra, size_t n_extra, double value)
{
	if (!w->header_done)
		text_header(w);
	text_series(w, NULL, set, extra, n_extra, NULL);
	text_value(w, value);
}

void expo_text_histogram(struct expo_writer *w, const struct expo_labelset *set,
			 const struct expo_label *extra, size_t n_extra,
			 const struct expo_histogram *h)
{
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

void expo_text_end(struct expo_writer *w)
{
	if (w->fmt == EXPO_OPENMETRICS)
		put_str(w, "# EOF\n");
}
