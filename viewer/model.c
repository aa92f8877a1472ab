/* SPDX-License-Identifier: MIT */
/*
 * hutch top's model: rows from two snapshots, filtering, sorting, the
 * sparkline history and number formatting. No I/O, no drawing.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define NS_PER_S 1e9

void viewer_snapshot_init(struct viewer_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->host.load1 = s->host.load5 = s->host.load15 = -1;
	s->host.probe_runqlat = -1;
	s->host.cpu_cores = s->host.memory_bytes = s->host.memory_available_bytes = HUTCH_UNKNOWN;
}

static void sample_free(struct viewer_sample *v)
{
	free(v->id);
	free(v->name);
	free(v->runtime_id);
	free(v->runqlat);
}

void viewer_snapshot_clear(struct viewer_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		sample_free(&s->samples[i]);
	s->n = 0;
}

struct viewer_sample *viewer_snapshot_add(struct viewer_snapshot *s, const char *id,
					  const char *name, const char *runtime_id)
{
	if (!id)
		return NULL;
	if (HUTCH_GROW(s->samples, s->n, s->cap, 64) < 0)
		return NULL;
	struct viewer_sample *v = &s->samples[s->n];
	memset(v, 0, sizeof(*v));
	v->id = strdup(id);
	v->name = strdup(name ? name : "");
	v->runtime_id = strdup(runtime_id ? runtime_id : "");
	if (!v->id || !v->name || !v->runtime_id) {
		sample_free(v);
		return NULL;
	}
	uint64_t *counters[] = {
		&v->start_wall_ns,
		&v->cpu_usage_ns,
		&v->cpu_quota_us,
		&v->cpu_period_us,
		&v->cpu_limit_millicpus,
		&v->cpu_shares,
		&v->cpu_nr_periods,
		&v->cpu_nr_throttled,
		&v->cpu_throttled_ns,
		&v->memory_usage_bytes,
		&v->memory_limit_bytes,
		&v->memory_own_limit_bytes,
		&v->swap_usage_bytes,
		&v->swap_limit_bytes,
		&v->memory_cache_bytes,
		&v->memory_rss_bytes,
		&v->memory_failcnt,
		&v->memory_oom_events,
		&v->memory_oom_kill_events,
		&v->net_rx_bytes,
		&v->net_tx_bytes,
		&v->io_read_bytes,
		&v->io_write_bytes,
		&v->processes,
		&v->threads,
		&v->pids_max,
		&v->process_forks,
		&v->process_execs,
	};
	for (size_t i = 0; i < ARRAY_SIZE(counters); i++)
		*counters[i] = HUTCH_UNKNOWN;
	s->n++;
	return v;
}

static int cmp_sample(const void *a, const void *b)
{
	return strcmp(((const struct viewer_sample *)a)->id, ((const struct viewer_sample *)b)->id);
}

void viewer_snapshot_sort(struct viewer_snapshot *s)
{
	if (s->n > 1)
		qsort(s->samples, s->n, sizeof(*s->samples), cmp_sample);
}

const struct viewer_sample *viewer_snapshot_find(const struct viewer_snapshot *s, const char *id)
{
	if (!s || !id || s->n == 0)
		return NULL;
	struct viewer_sample key = {.id = (char *)id};
	return bsearch(&key, s->samples, s->n, sizeof(*s->samples), cmp_sample);
}

void viewer_snapshot_move(struct viewer_snapshot *dst, struct viewer_snapshot *src)
{
	viewer_snapshot_clear(dst);
	free(dst->samples);
	*dst = *src;
	viewer_snapshot_init(src);
}

static const struct {
	const char *name, *title;
} columns[VIEWER_COL_COUNT] = {
	[VIEWER_COL_NAME] = {"name", "NAME"},	    [VIEWER_COL_RUNTIME] = {"runtime", "RUNTIME"},
	[VIEWER_COL_STATE] = {"state", "STATE"},    [VIEWER_COL_CPU] = {"cpu", "CPU%"},
	[VIEWER_COL_QUOTA] = {"quota", "QUOTA%"},   [VIEWER_COL_MEM] = {"mem", "MEM"},
	[VIEWER_COL_MEMLIM] = {"limit", "LIMIT"},   [VIEWER_COL_MEMPCT] = {"mem%", "MEM%"},
	[VIEWER_COL_NETRX] = {"netrx", "NET-RX/s"}, [VIEWER_COL_NETTX] = {"nettx", "NET-TX/s"},
	[VIEWER_COL_IOR] = {"ior", "IO-R/s"},	    [VIEWER_COL_IOW] = {"iow", "IO-W/s"},
	[VIEWER_COL_PIDS] = {"pids", "PIDS"},	    [VIEWER_COL_UPTIME] = {"uptime", "UPTIME"},
};

const char *viewer_column_name(enum viewer_column c)
{
	return (unsigned)c < VIEWER_COL_COUNT ? columns[c].name : "?";
}

const char *viewer_column_title(enum viewer_column c)
{
	return (unsigned)c < VIEWER_COL_COUNT ? columns[c].title : "?";
}

int viewer_column_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < VIEWER_COL_COUNT; i++)
		if (strcasecmp(name, columns[i].name) == 0 ||
		    strcasecmp(name, columns[i].title) == 0)
			return i;
	/* A few spellings people type. */
	if (strcasecmp(name, "memory") == 0)
		return VIEWER_COL_MEM;
	if (strcasecmp(name, "mempct") == 0)
		return VIEWER_COL_MEMPCT;
	return -1;
}

const char *viewer_state_name(enum viewer_state s)
{
	switch (s) {
	case VIEWER_STATE_RUNNING:
		return "running";
	case VIEWER_STATE_EMPTY:
		return "empty";
	default:
		return "-";
	}
}

void viewer_rows_free(struct viewer_rows *r)
{
	free(r->rows);
	r->rows = NULL;
	r->n = r->cap = 0;
}

int viewer_view_set_filter(struct viewer_view *view, const char *regex, char *errbuf, size_t errlen)
{
	if (!regex || !regex[0]) {
		viewer_view_free(view);
		return 0;
	}
	regex_t re;
	int r = regcomp(&re, regex, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (r != 0) {
		if (errbuf && errlen)
			regerror(r, &re, errbuf, errlen);
		return -EINVAL;
	}
	viewer_view_free(view);
	view->filter = re;
	view->has_filter = true;
	return 0;
}

void viewer_view_free(struct viewer_view *view)
{
	if (view->has_filter)
		regfree(&view->filter);
	view->has_filter = false;
}

void viewer_sample_label(const struct viewer_sample *s, char *buf, size_t size)
{
	if (s->name && s->name[0])
		snprintf(buf, size, "%s", s->name);
	else if (s->is_container && s->runtime_id && s->runtime_id[0])
		snprintf(buf, size, "%.12s", s->runtime_id);
	else
		snprintf(buf, size, "%s", s->id);
}

/* Per second, from two counters; NAN when either is unknown, time did not pass or the
 * counter went back (a cgroup removed and made again under the same path). */
static double rate(uint64_t a, uint64_t b, double dt_s)
{
	if (!hutch_known(a) || !hutch_known(b) || dt_s <= 0 || b < a)
		return NAN;
	return (double)(b - a) / dt_s;
}

void viewer_row_compute(const struct viewer_snapshot *prev, const struct viewer_sample *p,
			const struct viewer_snapshot *cur, const struct viewer_sample *c,
			struct viewer_row *ret)
{
	struct viewer_row r = {.s = c};
	viewer_sample_label(c, r.label, sizeof(r.label));
	if (hutch_known(c->processes))
		r.state = c->processes > 0 ? VIEWER_STATE_RUNNING : VIEWER_STATE_EMPTY;
	else if (hutch_known(c->threads))
		r.state = c->threads > 0 ? VIEWER_STATE_RUNNING : VIEWER_STATE_EMPTY;
	else
		r.state = VIEWER_STATE_UNKNOWN;

	double dt = NAN;
	if (prev && p && cur->at_ns > prev->at_ns)
		dt = (double)(cur->at_ns - prev->at_ns) / NS_PER_S;
	/* CPU: the cgroup's usage counter (cpuacct.usage on v1, cpu.stat usage_usec on v2)
	 * over wall time, so the figure is the same on every layout. */
	r.cpu_pct = p ? rate(p->cpu_usage_ns, c->cpu_usage_ns, dt) / NS_PER_S * 100.0 : NAN;
	r.cpu_quota_pct = NAN;
	if (!isnan(r.cpu_pct) && hutch_limited(c->cpu_limit_millicpus) && c->cpu_limit_millicpus)
		r.cpu_quota_pct = r.cpu_pct * 1000.0 / (double)c->cpu_limit_millicpus;
	r.throttled_pct = NAN;
	if (p && hutch_known(p->cpu_nr_periods) && hutch_known(c->cpu_nr_periods) &&
	    hutch_known(p->cpu_nr_throttled) && hutch_known(c->cpu_nr_throttled) &&
	    c->cpu_nr_periods > p->cpu_nr_periods && c->cpu_nr_throttled >= p->cpu_nr_throttled)
		r.throttled_pct = 100.0 * (double)(c->cpu_nr_throttled - p->cpu_nr_throttled) /
				  (double)(c->cpu_nr_periods - p->cpu_nr_periods);

	r.mem_usage_bytes = c->memory_usage_bytes;
	r.mem_limited = hutch_limited(c->memory_limit_bytes) &&
			(!hutch_known(cur->host.memory_bytes) ||
			 c->memory_limit_bytes < cur->host.memory_bytes);
	r.mem_limit_bytes = r.mem_limited ? c->memory_limit_bytes : cur->host.memory_bytes;
	r.mem_pct = NAN;
	if (hutch_known(r.mem_usage_bytes) && hutch_limited(r.mem_limit_bytes) && r.mem_limit_bytes)
		r.mem_pct = 100.0 * (double)r.mem_usage_bytes / (double)r.mem_limit_bytes;

	r.net_rx_bps = p ? rate(p->net_rx_bytes, c->net_rx_bytes, dt) : NAN;
	r.net_tx_bps = p ? rate(p->net_tx_bytes, c->net_tx_bytes, dt) : NAN;
	r.io_read_bps = p ? rate(p->io_read_bytes, c->io_read_bytes, dt) : NAN;
	r.io_write_bps = p ? rate(p->io_write_bytes, c->io_write_bytes, dt) : NAN;
	r.pids = hutch_known(c->threads) ? c->threads : c->processes;
	r.uptime_s = NAN;
	if (hutch_known(c->start_wall_ns) && cur->wall_ns >= c->start_wall_ns)
		r.uptime_s = (double)(cur->wall_ns - c->start_wall_ns) / NS_PER_S;
	*ret = r;
}

static bool passes(const struct viewer_view *view, const struct viewer_row *r)
{
	if (!view)
		return true;
	if (!view->all && !r->s->is_container)
		return false;
	if (view->has_filter && regexec(&view->filter, r->label, 0, NULL, 0) != 0 &&
	    regexec(&view->filter, r->s->id, 0, NULL, 0) != 0)
		return false;
	return true;
}

int viewer_model_rows(const struct viewer_snapshot *prev, const struct viewer_snapshot *cur,
		      const struct viewer_view *view, struct viewer_rows *ret)
{
	ret->n = 0;
	if (cur->n > ret->cap) {
		struct viewer_row *nr = realloc(ret->rows, cur->n * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		ret->rows = nr;
		ret->cap = cur->n;
	}
	for (size_t i = 0; i < cur->n; i++) {
		const struct viewer_sample *c = &cur->samples[i];
		const struct viewer_sample *p = prev ? viewer_snapshot_find(prev, c->id) : NULL;
		struct viewer_row *r = &ret->rows[ret->n];
		viewer_row_compute(prev, p, cur, c, r);
		if (passes(view, r))
			ret->n++;
	}
	if (view)
		viewer_rows_sort(ret, view->sort, view->reverse);
	return 0;
}

/* Compares two numbers with NAN (unknown) always last. */
static int cmp_num(double a, double b, bool desc)
{
	bool na = isnan(a), nb = isnan(b);
	if (na || nb)
		return na - nb;
	if (a == b)
		return 0;
	return ((a < b) ^ desc) ? -1 : 1;
}

static double u64d(uint64_t v)
{
	return hutch_known(v) && v != HUTCH_UNLIMITED ? (double)v : NAN;
}

/* Where a figure column's value is in a row: a double (NAN when unknown) or a uint64_t
 * (unknown and unlimited read as NAN). Names and states have none. */
#define FIGURE(col, field, is_u64) [col] = {offsetof(struct viewer_row, field), is_u64, true}
static const struct {
	size_t offset;
	bool u64;
	bool figure;
} figures[VIEWER_COL_COUNT] = {
	FIGURE(VIEWER_COL_CPU, cpu_pct, false),
	FIGURE(VIEWER_COL_QUOTA, cpu_quota_pct, false),
	FIGURE(VIEWER_COL_MEM, mem_usage_bytes, true),
	FIGURE(VIEWER_COL_MEMLIM, mem_limit_bytes, true),
	FIGURE(VIEWER_COL_MEMPCT, mem_pct, false),
	FIGURE(VIEWER_COL_NETRX, net_rx_bps, false),
	FIGURE(VIEWER_COL_NETTX, net_tx_bps, false),
	FIGURE(VIEWER_COL_IOR, io_read_bps, false),
	FIGURE(VIEWER_COL_IOW, io_write_bps, false),
	FIGURE(VIEWER_COL_PIDS, pids, true),
	FIGURE(VIEWER_COL_UPTIME, uptime_s, false),
};
#undef FIGURE

double viewer_row_figure(const struct viewer_row *r, enum viewer_column col)
{
	const char *p = (const char *)r + figures[col].offset;
	if (figures[col].u64) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		return u64d(v);
	}
	double d;
	memcpy(&d, p, sizeof(d));
	return d;
}

struct sort_key {
	enum viewer_column col;
	bool reverse;
};

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct viewer_row *a = pa, *b = pb;
	const struct sort_key *k = arg;
	int r = 0;
	/* Figures sort biggest first, names and states A to Z; reverse flips either. */
	switch (k->col) {
	case VIEWER_COL_NAME:
		r = strcmp(a->label, b->label);
		break;
	case VIEWER_COL_RUNTIME:
		r = strcmp(sampler_runtime_name(a->s->runtime),
			   sampler_runtime_name(b->s->runtime));
		break;
	case VIEWER_COL_STATE:
		r = (int)a->state - (int)b->state;
		break;
	default:
		if (k->col < VIEWER_COL_COUNT && figures[k->col].figure)
			r = cmp_num(viewer_row_figure(a, k->col), viewer_row_figure(b, k->col),
				    !k->reverse);
		break;
	}
	if (k->reverse && !(k->col < VIEWER_COL_COUNT && figures[k->col].figure))
		r = -r;
	/* Ties: by path, so the order is stable between refreshes. */
	return r ? r : strcmp(a->s->id, b->s->id);
}

void viewer_rows_sort(struct viewer_rows *r, enum viewer_column col, bool reverse)
{
	struct sort_key k = {col, reverse};
	if (r->n > 1)
		qsort_r(r->rows, r->n, sizeof(*r->rows), cmp_rows, &k);
}

static void fmt_scaled(double v, char *buf, size_t size)
{
	static const char units[] = "BKMGTPE";
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%.0fB", v);
	else if (v < 10)
		snprintf(buf, size, "%.1f%c", v, units[u]);
	else
		snprintf(buf, size, "%.0f%c", v, units[u]);
}

void viewer_fmt_bytes(uint64_t bytes, char *buf, size_t size)
{
	if (!hutch_known(bytes))
		snprintf(buf, size, "-");
	else if (bytes == HUTCH_UNLIMITED)
		snprintf(buf, size, "max");
	else
		fmt_scaled((double)bytes, buf, size);
}

void viewer_fmt_rate(double bps, char *buf, size_t size)
{
	if (isnan(bps) || bps < 0)
		snprintf(buf, size, "-");
	else
		fmt_scaled(bps, buf, size);
}

void viewer_fmt_pct(double pct, char *buf, size_t size)
{
	if (isnan(pct))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f", pct);
}

void viewer_fmt_duration(double s, char *buf, size_t size)
{
	if (isnan(s) || s < 0) {
		snprintf(buf, size, "-");
		return;
	}
	uint64_t t = (uint64_t)s;
	if (t >= 86400)
		snprintf(buf, size, "%llud%lluh", (unsigned long long)(t / 86400),
			 (unsigned long long)(t % 86400 / 3600));
	else if (t >= 3600)
		snprintf(buf, size, "%lluh%llum", (unsigned long long)(t / 3600),
			 (unsigned long long)(t % 3600 / 60));
	else if (t >= 60)
		snprintf(buf, size, "%llum%llus", (unsigned long long)(t / 60),
			 (unsigned long long)(t % 60));
	else
		snprintf(buf, size, "%llus", (unsigned long long)t);
}

static const char *entry_id(const void *elem)
{
	return (*(struct viewer_history_entry *const *)elem)->id;
}

static size_t history_index(const struct viewer_history *h, const char *id, bool *found)
{
	return hutch_sorted_find(h->entries, h->n, sizeof(*h->entries), id, entry_id, found);
}

static void history_entry_free(struct viewer_history_entry *e)
{
	if (!e)
		return;
	free(e->id);
	free(e);
}

int viewer_history_update(struct viewer_history *h, const struct viewer_rows *rows)
{
	h->gen++;
	for (size_t i = 0; i < rows->n; i++) {
		const struct viewer_row *r = &rows->rows[i];
		bool found;
		size_t k = history_index(h, r->s->id, &found);
		if (!found) {
			if (HUTCH_GROW(h->entries, h->n, h->cap, 64) < 0)
				return -ENOMEM;
			struct viewer_history_entry *e = calloc(1, sizeof(*e));
			if (!e || !(e->id = strdup(r->s->id))) {
				free(e);
				return -ENOMEM;
			}
			memmove(&h->entries[k + 1], &h->entries[k],
				(h->n - k) * sizeof(*h->entries));
			h->entries[k] = e;
			h->n++;
		}
		struct viewer_history_entry *e = h->entries[k];
		size_t slot = (e->head + e->n) % VIEWER_HISTORY;
		if (e->n == VIEWER_HISTORY) {
			slot = e->head;
			e->head = (e->head + 1) % VIEWER_HISTORY;
		} else {
			e->n++;
		}
		e->cpu_pct[slot] = r->cpu_pct;
		e->mem_bytes[slot] =
			hutch_known(r->mem_usage_bytes) ? (double)r->mem_usage_bytes : NAN;
		e->seen_gen = h->gen;
	}
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (h->entries[i]->seen_gen == h->gen)
			h->entries[k++] = h->entries[i];
		else
			history_entry_free(h->entries[i]);
	}
	h->n = k;
	return 0;
}

const struct viewer_history_entry *viewer_history_find(const struct viewer_history *h,
						       const char *id)
{
	bool found;
	size_t k = history_index(h, id, &found);
	return found ? h->entries[k] : NULL;
}

double viewer_history_cpu(const struct viewer_history_entry *e, size_t i)
{
	return e->cpu_pct[(e->head + i) % VIEWER_HISTORY];
}

double viewer_history_mem(const struct viewer_history_entry *e, size_t i)
{
	return e->mem_bytes[(e->head + i) % VIEWER_HISTORY];
}

void viewer_history_free(struct viewer_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		history_entry_free(h->entries[i]);
	free(h->entries);
	memset(h, 0, sizeof(*h));
}

void viewer_sparkline(const double *values, size_t n, double max, char *buf, size_t width)
{
	static const char levels[] = " .:-=+*#%@";
	const size_t nlev = sizeof(levels) - 1;
	if (max <= 0) {
		for (size_t i = 0; i < n; i++)
			if (!isnan(values[i]) && values[i] > max)
				max = values[i];
	}
	/* The newest values at the right; blanks on the left when history is short. */
	size_t start = n > width ? n - width : 0;
	size_t pad = n - start < width ? width - (n - start) : 0;
	size_t o = 0;
	for (; o < pad; o++)
		buf[o] = ' ';
	for (size_t i = start; i < n; i++, o++) {
		double v = values[i];
		if (isnan(v) || max <= 0) {
			buf[o] = ' ';
			continue;
		}
		double f = v / max;
		if (f < 0)
			f = 0;
		if (f > 1)
			f = 1;
		size_t lev = (size_t)(f * (double)(nlev - 1) + 0.5);
		/* Any activity shows: the lowest visible level rather than a blank. */
		if (lev == 0 && v > 0)
			lev = 1;
		buf[o] = levels[lev];
	}
	buf[o] = '\0';
}

static bool same_bound(double a, double b)
{
	if (isinf(a) || isinf(b))
		return a == b;
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

static bool hist_valid(const struct viewer_hist *h)
{
	if (h->n == 0 || h->n > VIEWER_HIST_MAX || !isinf(h->le[h->n - 1]) ||
	    h->cum[h->n - 1] != h->count)
		return false;
	for (size_t i = 1; i < h->n; i++)
		if (!(h->le[i] > h->le[i - 1]) || h->cum[i] < h->cum[i - 1])
			return false;
	return true;
}

int viewer_hist_delta(const struct viewer_hist *prev, const struct viewer_hist *cur,
		      struct viewer_hist *ret)
{
	if (!cur || !hist_valid(cur) || (prev && !hist_valid(prev)))
		return -EINVAL;
	*ret = *cur;
	if (!prev)
		return 0;
	if (prev->count > cur->count)
		return -ERANGE;
	/* prev's cumulative count at each of cur's bounds: that of its last bucket at or
	 * below the bound. Each of prev's bounds must be one of cur's (buckets only fill). */
	size_t j = 0;
	for (size_t i = 0; i < cur->n; i++) {
		if (j < prev->n && prev->le[j] < cur->le[i] && !same_bound(prev->le[j], cur->le[i]))
			return -ERANGE; /* a bound of prev's between two of cur's */
		if (j < prev->n && same_bound(prev->le[j], cur->le[i]))
			j++;
		uint64_t at = j > 0 ? prev->cum[j - 1] : 0;
		if (at > cur->cum[i])
			return -ERANGE;
		ret->cum[i] = cur->cum[i] - at;
	}
	ret->count = cur->count - prev->count;
	ret->sum = cur->sum >= prev->sum ? cur->sum - prev->sum : 0;
	return 0;
}

double viewer_hist_quantile(const struct viewer_hist *h, double q)
{
	if (!h || h->n == 0 || h->count == 0 || isnan(q) || q < 0 || q > 1)
		return NAN;
	double rank = q * (double)h->count;
	size_t i = 0;
	while (i < h->n - 1 && (double)h->cum[i] < rank)
		i++;
	if (isinf(h->le[i])) {
		/* Above every finite bound: the highest one, as Prometheus says. */
		return h->n >= 2 ? h->le[h->n - 2] : NAN;
	}
	double lo = 0, below = 0;
	if (i > 0) {
		lo = h->le[i - 1];
		below = (double)h->cum[i - 1];
	} else if (h->le[0] <= 0) {
		return h->le[0];
	}
	double in = (double)h->cum[i] - below;
	if (in <= 0)
		return h->le[i];
	return lo + (h->le[i] - lo) * ((rank - below) / in);
}

double viewer_hist_mean(const struct viewer_hist *h)
{
	if (!h || h->count == 0)
		return NAN;
	return h->sum / (double)h->count;
}

void viewer_fmt_seconds(double s, char *buf, size_t size)
{
	if (isnan(s) || s < 0)
		snprintf(buf, size, "-");
	else if (s < 1e-6)
		snprintf(buf, size, "%.0fns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, size, "%.1fus", s * 1e6);
	else if (s < 1)
		snprintf(buf, size, "%.2fms", s * 1e3);
	else
		snprintf(buf, size, "%.2fs", s);
}

void viewer_runqlat_line(const struct viewer_snapshot *prev, const struct viewer_sample *p,
			 const struct viewer_snapshot *cur, const struct viewer_sample *c,
			 char *buf, size_t size)
{
	if (strcmp(cur->host.layout, "remote") != 0) {
		snprintf(buf, size, "run-queue latency: needs hutch-collector's probes (--url)");
		return;
	}
	if (!c->runqlat) {
		snprintf(buf, size, "run-queue latency: %s",
			 cur->host.probe_runqlat == 0  ? "the collector's runqlat probe is off"
			 : cur->host.probe_runqlat < 0 ? "not served by this collector (no probes)"
						       : "no wait recorded for this container yet");
		return;
	}
	struct viewer_hist d;
	const struct viewer_hist *ph = p ? p->runqlat : NULL;
	const char *over = "last interval";
	char span[32] = "";
	if (ph && viewer_hist_delta(ph, c->runqlat, &d) == 0) {
		if (cur->at_ns > prev->at_ns)
			snprintf(span, sizeof(span), " %.1fs",
				 (double)(cur->at_ns - prev->at_ns) / 1e9);
	} else {
		if (viewer_hist_delta(NULL, c->runqlat, &d) < 0) {
			snprintf(buf, size, "run-queue latency: - (malformed histogram)");
			return;
		}
		over = "since the probe started";
	}
	if (d.count == 0) {
		snprintf(buf, size, "run-queue latency (%s%s): no waits", over, span);
		return;
	}
	char p50[16], p99[16], mean[16];
	viewer_fmt_seconds(viewer_hist_quantile(&d, 0.5), p50, sizeof(p50));
	viewer_fmt_seconds(viewer_hist_quantile(&d, 0.99), p99, sizeof(p99));
	viewer_fmt_seconds(viewer_hist_mean(&d), mean, sizeof(mean));
	snprintf(buf, size, "run-queue latency (%s%s, %llu waits): p50 %s  p99 %s  mean %s", over,
		 span, (unsigned long long)d.count, p50, p99, mean);
}
