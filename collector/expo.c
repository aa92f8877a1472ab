/* SPDX-License-Identifier: MIT */
/*
 * The writer's front: growing buffers, label sets rendered once per scrape,
 * native-histogram helpers, and the entry points that hand each family and
 * sample to the encoder of the answer's format (expo_text.c, expo_pb.c).
 * Every buffer and pool lives in the writer and is reused.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expo_internal.h"

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

bool expo_grow(void **p, size_t *cap, size_t need, size_t elem)
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

/* Escapes for label values (\\, \", \n) or help text (\\, \n, and \" in OpenMetrics). */
void expo_put_escaped(struct expo_buf *b, const char *s, bool quote, bool *oom)
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
		expo_put_escaped(&b, labels[i].value ? labels[i].value : "", true, &oom);
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
	expo_pb_free(&w->pb);
	free(w);
}

void expo_begin(struct expo_writer *w, enum expo_format fmt)
{
	w->fmt = fmt;
	w->out.len = 0;
	w->oom = false;
	w->name = NULL;
	expo_pb_reset(&w->pb);
}

void expo_family(struct expo_writer *w, const char *name, const char *help, enum expo_type type)
{
	if (w->fmt == EXPO_PROTOBUF && w->name)
		expo_pb_flush(w);
	w->name = name;
	w->help = help;
	w->type = type;
	w->header_done = false;
}

/* Whether a sample may be written (a family is open), its extra labels cut to the most kept. */
static bool sample_ok(const struct expo_writer *w, size_t *n_extra)
{
	if (*n_extra > EXPO_MAX_EXTRA)
		*n_extra = EXPO_MAX_EXTRA;
	return w->name != NULL;
}

void expo_sample(struct expo_writer *w, const struct expo_labelset *set,
		 const struct expo_label *extra, size_t n_extra, double value)
{
	if (!sample_ok(w, &n_extra))
		return;
	if (w->fmt == EXPO_PROTOBUF)
		expo_pb_sample(w, set, extra, n_extra, value);
	else
		expo_text_sample(w, set, extra, n_extra, value);
}

void expo_sample_histogram(struct expo_writer *w, const struct expo_labelset *set,
			   const struct expo_label *extra, size_t n_extra,
			   const struct expo_histogram *h)
{
	if (!sample_ok(w, &n_extra))
		return;
	if (w->fmt == EXPO_PROTOBUF)
		expo_pb_histogram(w, set, extra, n_extra, h);
	else
		expo_text_histogram(w, set, extra, n_extra, h);
}

int expo_end(struct expo_writer *w, const char **ret_data, size_t *ret_len)
{
	if (w->fmt == EXPO_PROTOBUF && w->name)
		expo_pb_flush(w);
	else if (w->fmt != EXPO_PROTOBUF)
		expo_text_end(w);
	w->name = NULL;
	if (w->oom)
		return -ENOMEM;
	*ret_data = w->out.data ? w->out.data : "";
	*ret_len = w->out.len;
	return 0;
}
