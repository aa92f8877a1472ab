/* SPDX-License-Identifier: MIT */
/*
 * One scrape: refresh the sampler, render each container's id/image/name
 * labels once, let every source write its families, add the machine's and
 * the collector's own metrics, encode, and gzip when asked. All buffers
 * (label sets, encoder pools, output, gzip output) are kept across scrapes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

#define MAX_SOURCES 16
/* Native histogram of scrape durations: schema 3 (8 buckets per power of two) from
 * 2^-14 s to 2^8 s. */
#define DUR_SCHEMA    3
#define DUR_MIN_INDEX (-14 * 8)
#define DUR_N_INDEX   (22 * 8 + 1)

static const double dur_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct collector_scrape {
	struct collector *c;
};

/* One container's container_label_* names, NUL-separated, reused across scrapes. */
struct label_names {
	char *buf;
	size_t cap;
};

struct collector {
	const struct cgroup_layout *layout;
	struct sampler *sampler;
	struct expo_writer *writer;
	struct expo_gzip *gz;
	struct expo_buf gz_out;
	struct collector_source sources[MAX_SOURCES];
	size_t n_sources;
	struct expo_labelset *labelsets;
	struct label_names *label_names; /* one per labelset */
	size_t cap_labelsets;
	/* Which engine labels become container_label_* series (cAdvisor's
	 * --store_container_labels and --whitelisted_container_labels). */
	bool store_labels;
	char **allowed_labels;
	size_t n_allowed_labels;
	struct expo_labelset empty, machine_labels;
	struct sampler_machine machine;
	struct collector_scrape scrape;
	bool scrape_error;
	uint64_t scrapes;
	/* Scrape durations so far. */
	uint64_t dur_count;
	double dur_sum;
	uint64_t dur_cum[ARRAY_SIZE(dur_bounds)];
	uint64_t dur_native[DUR_N_INDEX];
	uint64_t dur_zero;
};

size_t collector_scrape_count(const struct collector_scrape *sc)
{
	return sampler_count(sc->c->sampler);
}

const struct sampler_container *collector_scrape_container(const struct collector_scrape *sc,
							   size_t i)
{
	return sampler_get(sc->c->sampler, i);
}

const struct expo_labelset *collector_scrape_labels(const struct collector_scrape *sc, size_t i)
{
	return &sc->c->labelsets[i];
}

struct expo_writer *collector_scrape_writer(struct collector_scrape *sc)
{
	return sc->c->writer;
}

struct sampler *collector_scrape_sampler(struct collector_scrape *sc)
{
	return sc->c->sampler;
}

const struct cgroup_layout *collector_scrape_layout(const struct collector_scrape *sc)
{
	return sc->c->layout;
}

int collector_new(const struct cgroup_layout *layout, const struct sampler_options *opts,
		  struct collector **ret)
{
	struct collector *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->layout = layout;
	c->scrape.c = c;
	c->store_labels = true;
	int r = sampler_new(layout, opts, &c->sampler);
	if (r == 0)
		r = expo_writer_new(&c->writer);
	if (r == 0)
		r = expo_gzip_new(&c->gz);
	if (r == 0)
		r = collector_add_source(c, &collector_cgroup_source);
	if (r == 0) {
		sampler_read_machine(&c->machine);
		struct expo_label ml[] = {
			{"boot_id", c->machine.boot_id},
			{"machine_id", c->machine.machine_id},
		};
		r = expo_labelset_set(&c->machine_labels, ml, ARRAY_SIZE(ml));
	}
	if (r < 0) {
		collector_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	sampler_free(c->sampler);
	expo_writer_free(c->writer);
	expo_gzip_free(c->gz);
	expo_buf_free(&c->gz_out);
	for (size_t i = 0; i < c->cap_labelsets; i++) {
		expo_labelset_free(&c->labelsets[i]);
		free(c->label_names[i].buf);
	}
	free(c->labelsets);
	free(c->label_names);
	for (size_t i = 0; i < c->n_allowed_labels; i++)
		free(c->allowed_labels[i]);
	free(c->allowed_labels);
	expo_labelset_free(&c->machine_labels);
	free(c);
}

int collector_add_source(struct collector *c, const struct collector_source *src)
{
	if (!c || !src || !src->write)
		return -EINVAL;
	if (c->n_sources >= MAX_SOURCES)
		return -E2BIG;
	c->sources[c->n_sources++] = *src;
	return 0;
}

int collector_set_container_labels(struct collector *c, bool store_all, const char *allowed)
{
	if (!c)
		return -EINVAL;
	for (size_t i = 0; i < c->n_allowed_labels; i++)
		free(c->allowed_labels[i]);
	free(c->allowed_labels);
	c->allowed_labels = NULL;
	c->n_allowed_labels = 0;
	c->store_labels = store_all;
	for (const char *p = allowed ? allowed : ""; *p;) {
		size_t n = strcspn(p, ",");
		if (n > 0) {
			char **na =
				realloc(c->allowed_labels, (c->n_allowed_labels + 1) * sizeof(*na));
			if (!na)
				return -ENOMEM;
			c->allowed_labels = na;
			if (!(na[c->n_allowed_labels] = strndup(p, n)))
				return -ENOMEM;
			c->n_allowed_labels++;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

static bool label_wanted(const struct collector *c, const char *key)
{
	if (c->store_labels)
		return true;
	for (size_t i = 0; i < c->n_allowed_labels; i++)
		if (strcmp(c->allowed_labels[i], key) == 0)
			return true;
	return false;
}

#define LABEL_PREFIX "container_label_"

/*
 * The container's labels as cAdvisor shows them: the kubelet's six (container,
 * id, image, name, namespace, pod; the kubernetes three only where known) and
 * container_label_<key> for each engine label the policy keeps, the key's
 * characters outside [a-zA-Z0-9_] made '_' (a second key that comes out the same
 * is dropped, so no series has a label twice).
 */
static int render_one(struct collector *c, size_t i, const struct sampler_container *ct)
{
	struct label_names *ln = &c->label_names[i];
	size_t need = 0, n_kept = 0;
	for (size_t k = 0; k < ct->n_labels; k++)
		if (label_wanted(c, ct->labels[k].key))
			need += sizeof(LABEL_PREFIX) + strlen(ct->labels[k].key);
	if (need > ln->cap) {
		char *nb = realloc(ln->buf, need);
		if (!nb)
			return -ENOMEM;
		ln->buf = nb;
		ln->cap = need;
	}
	struct expo_label l[EXPO_MAX_SET_LABELS];
	size_t n = 0;
	if (ct->container && ct->container[0])
		l[n++] = (struct expo_label){"container", ct->container};
	char *o = ln->buf;
	for (size_t k = 0; k < ct->n_labels && n < EXPO_MAX_SET_LABELS - 5; k++) {
		const char *key = ct->labels[k].key;
		if (!label_wanted(c, key))
			continue;
		char *name = o;
		o = stpcpy(o, LABEL_PREFIX);
		for (const char *q = key; *q; q++)
			*o++ = (char)((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
						      (*q >= '0' && *q <= '9') || *q == '_'
					      ? *q
					      : '_');
		*o++ = '\0';
		bool dup = false;
		for (size_t d = n - n_kept; d < n && !dup; d++)
			dup = strcmp(l[d].name, name) == 0;
		if (dup)
			continue;
		l[n++] = (struct expo_label){name, ct->labels[k].value};
		n_kept++;
	}
	l[n++] = (struct expo_label){"id", ct->id};
	l[n++] = (struct expo_label){"image", ct->image};
	l[n++] = (struct expo_label){"name", ct->alias && ct->alias[0] ? ct->alias : ct->name};
	if (ct->pod_namespace && ct->pod_namespace[0])
		l[n++] = (struct expo_label){"namespace", ct->pod_namespace};
	if (ct->pod && ct->pod[0])
		l[n++] = (struct expo_label){"pod", ct->pod};
	return expo_labelset_set(&c->labelsets[i], l, n);
}

static int render_labelsets(struct collector *c)
{
	size_t n = sampler_count(c->sampler);
	if (n > c->cap_labelsets) {
		size_t nc = c->cap_labelsets ? c->cap_labelsets : 64;
		while (nc < n)
			nc *= 2;
		struct expo_labelset *nl = realloc(c->labelsets, nc * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		memset(nl + c->cap_labelsets, 0, (nc - c->cap_labelsets) * sizeof(*nl));
		c->labelsets = nl;
		struct label_names *nn = realloc(c->label_names, nc * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		memset(nn + c->cap_labelsets, 0, (nc - c->cap_labelsets) * sizeof(*nn));
		c->label_names = nn;
		c->cap_labelsets = nc;
	}
	for (size_t i = 0; i < n; i++) {
		int r = render_one(c, i, sampler_get(c->sampler, i));
		if (r < 0)
			return r;
	}
	return 0;
}

static void gauge(struct expo_writer *w, const struct expo_labelset *ls, const char *name,
		  const char *help, double v)
{
	expo_family(w, name, help, EXPO_GAUGE);
	expo_sample(w, ls, NULL, 0, v);
}

static void write_machine(struct collector *c)
{
	struct expo_writer *w = c->writer;
	if (hutch_known(c->machine.cpu_cores))
		gauge(w, &c->machine_labels, "machine_cpu_cores", "Number of logical CPU cores.",
		      (double)c->machine.cpu_cores);
	if (hutch_known(c->machine.memory_bytes))
		gauge(w, &c->machine_labels, "machine_memory_bytes",
		      "Amount of memory installed on the machine.",
		      (double)c->machine.memory_bytes);
}

static void write_self(struct collector *c, double sample_s)
{
	struct expo_writer *w = c->writer;
	struct sampler_process p;
	if (sampler_read_process(0, &p) == 0) {
		expo_family(w, "process_cpu_seconds_total",
			    "Total user and system CPU time spent in seconds.", EXPO_COUNTER);
		expo_sample(w, &c->empty, NULL, 0, p.cpu_seconds);
		gauge(w, &c->empty, "process_resident_memory_bytes",
		      "Resident memory size in bytes.", (double)p.resident_bytes);
		gauge(w, &c->empty, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
		      (double)p.virtual_bytes);
		gauge(w, &c->empty, "process_open_fds", "Number of open file descriptors.",
		      (double)p.open_fds);
		if (hutch_known(p.max_fds))
			gauge(w, &c->empty, "process_max_fds",
			      "Maximum number of open file descriptors.", (double)p.max_fds);
		gauge(w, &c->empty, "process_start_time_seconds",
		      "Start time of the process since unix epoch in seconds.", p.start_time_s);
	}
	gauge(w, &c->empty, "container_scrape_error",
	      "1 if there was an error while getting container metrics, 0 otherwise",
	      c->scrape_error ? 1 : 0);
	gauge(w, &c->empty, "hutch_collector_containers", "Cgroups sampled by this scrape.",
	      (double)sampler_count(c->sampler));
	gauge(w, &c->empty, "hutch_collector_sample_duration_seconds",
	      "Time this scrape spent reading cgroups, before encoding.", sample_s);
	expo_family(w, "hutch_collector_scrapes_total", "Scrapes answered since start.",
		    EXPO_COUNTER);
	expo_sample(w, &c->empty, NULL, 0, (double)c->scrapes);

	/* Durations of the scrapes before this one (sampling and encoding). */
	struct expo_histogram h = {
		.count = c->dur_count,
		.sum = c->dur_sum,
		.n_buckets = ARRAY_SIZE(dur_bounds),
		.upper_bounds = dur_bounds,
		.cumulative_counts = c->dur_cum,
		.zero_threshold = ldexp(1.0, -14 - 1),
		.zero_count = c->dur_zero,
	};
	struct expo_span spans[32];
	int64_t deltas[DUR_N_INDEX];
	expo_native_from_counts(DUR_SCHEMA, DUR_MIN_INDEX, c->dur_native, DUR_N_INDEX, spans,
				ARRAY_SIZE(spans), deltas, &h);
	expo_family(w, "hutch_collector_scrape_duration_seconds",
		    "Duration of the collector's scrapes.", EXPO_HISTOGRAM);
	expo_sample_histogram(w, &c->empty, NULL, 0, &h);
}

static void observe_duration(struct collector *c, double s)
{
	c->dur_count++;
	c->dur_sum += s;
	for (size_t i = 0; i < ARRAY_SIZE(dur_bounds); i++)
		if (s <= dur_bounds[i])
			c->dur_cum[i]++;
	if (s <= ldexp(1.0, -14 - 1)) {
		c->dur_zero++;
		return;
	}
	int32_t idx = expo_native_index(DUR_SCHEMA, s) - DUR_MIN_INDEX;
	if (idx < 0)
		idx = 0;
	if (idx >= DUR_N_INDEX)
		idx = DUR_N_INDEX - 1;
	c->dur_native[idx]++;
}

int collector_scrape(struct collector *c, enum expo_format fmt, bool gzip, const char **ret_data,
		     size_t *ret_len)
{
	uint64_t t0 = hutch_now_ns();
	c->scrape_error = sampler_refresh(c->sampler) < 0;
	int r = render_labelsets(c);
	if (r < 0)
		return r;
	double sample_s = (double)(hutch_now_ns() - t0) / 1e9;
	c->scrapes++;
	expo_begin(c->writer, fmt);
	for (size_t i = 0; i < c->n_sources; i++) {
		struct collector_source *src = &c->sources[i];
		if (src->prepare && src->prepare(src->userdata) < 0)
			continue;
		src->write(&c->scrape, src->userdata);
	}
	write_machine(c);
	write_self(c, sample_s);
	const char *data;
	size_t len;
	r = expo_end(c->writer, &data, &len);
	if (r < 0)
		return r;
	if (gzip) {
		r = expo_gzip(c->gz, data, len, &c->gz_out);
		if (r < 0)
			return r;
		data = c->gz_out.data;
		len = c->gz_out.len;
	}
	observe_duration(c, (double)(hutch_now_ns() - t0) / 1e9);
	*ret_data = data;
	*ret_len = len;
	return 0;
}
